//! The match over generated days: payments taken at the counter by transfer and mobile money
//! (some with no reference, some reversed), a payment code paid from the statement, and a
//! statement imported through `import::payments` that confirms some payments exactly, types
//! some references in another case, has some with another amount, some on another day, leaves
//! some out and adds lines of its own. Each day is checked against a count the test keeps
//! itself as it generates the day.

#![allow(clippy::unwrap_used)]

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, Utc};
use rusqlite::Connection;

use super::*;
use crate::audit::Actor;
use crate::import::Branch;
use crate::import::dates::DateOrder;
use crate::import::payments;
use crate::loans::ops::{self, Payment, Purpose};
use crate::loans::terms::tests::Gen;
use crate::plumbing::ids::{LedgerId, LoanId, PaymentId, StaffId};
use crate::roles::Role;

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, 2).unwrap()
}

/// A moment of the day, `n` seconds into it (so rows keep their order).
fn at(n: i64) -> DateTime<Utc> {
    day().and_hms_opt(1, 0, 0).unwrap().and_utc() + Duration::seconds(n)
}

/// A branch on UTC, so the day of `at` is `day()`.
fn branch() -> Branch<'static> {
    Branch {
        country: "ID",
        exponent: 0,
        offset: FixedOffset::east_opt(0).unwrap(),
        date_order: DateOrder::DayFirst,
    }
}

/// What the test itself expects of one method's day.
#[derive(Default)]
struct Expected {
    statement: i64,
    received: i64,
    paid: i64,
    lone_lines: Vec<(String, i64)>,
    lone_payments: Vec<(String, i64)>,
}

/// A statement line to import: date, reference, amount, description, method.
type CsvLine = (NaiveDate, String, i64, String, Method);

/// Takes a partial payment at the counter.
fn take(
    conn: &Connection,
    loan: &LoanId,
    staff: &StaffId,
    amount: i64,
    method: Method,
    reference: &str,
    n: i64,
) -> PaymentId {
    let record = ops::load(conn, loan).unwrap().unwrap();
    let p = Payment {
        amount,
        method,
        reference,
        purpose: Purpose::Partial,
        staff: Some(staff),
    };
    let id = PaymentId::new(at(n));
    ops::take_payment(conn, &record, &p, &id, day(), at(n)).unwrap();
    id
}

/// Reverses every row of a payment on `on`.
fn reverse(conn: &Connection, payment: &PaymentId, staff: &StaffId, on: NaiveDate, n: i64) {
    let ids: Vec<LedgerId> = conn
        .prepare("SELECT id FROM ledger WHERE payment_id = ?1")
        .unwrap()
        .query_map([payment], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    for id in ids {
        crate::ledger::reverse(conn, &id, "wrong ticket", staff, on, at(n)).unwrap();
    }
}

fn csv(lines: &[CsvLine]) -> String {
    let mut text = String::from("date,reference,amount,description,method\n");
    for (on, reference, amount, description, method) in lines {
        text.push_str(&format!(
            "{on},{reference},{amount},{description},{}\n",
            method.code()
        ));
    }
    text
}

/// One generated day; returns how many lone lines and payments it had (so the seeds are seen
/// to cover both).
fn one_day(seed: u64) -> (usize, usize) {
    let (_dir, db) = crate::plumbing::db::tests::test_db();
    let mut conn = db.conn().unwrap();
    let mut g = Gen::new(seed);
    let (customer, gold) = ops::tests::customer_and_gold(&conn, "Siti", at(0));
    let clerk = ops::tests::staff_member(&conn, Role::Clerk, at(0));
    let manager = ops::tests::staff_without_drawer(&conn, Role::Manager, at(0));
    let mut expected: [Expected; 2] = Default::default();
    let slot = |m: Method| usize::from(m == Method::MobileMoney);
    let mut statement: Vec<CsvLine> = Vec::new();
    let mut n = 10;
    for _ in 0..1 + g.below(4) {
        n += 10;
        let (loan, _) =
            ops::tests::paid_out(&conn, &customer, &gold, &clerk.id, 2_000_000, day(), at(n));
        for _ in 0..g.below(4) {
            n += 3;
            let method = METHODS[usize::try_from(g.below(2)).unwrap()];
            let amount = (1 + g.below(20) as i64) * 5_000;
            let reference = match g.below(6) {
                0 => String::new(),
                _ => format!("TRF-{seed}-{n}"),
            };
            let payment = take(&conn, &loan, &clerk.id, amount, method, &reference, n);
            // A correction the same day: reversed, and now and then taken again.
            let stands = match g.below(5) {
                0 => {
                    reverse(&conn, &payment, &manager.id, day(), n + 1);
                    let again = g.below(2) == 0;
                    if again {
                        take(&conn, &loan, &clerk.id, amount, method, &reference, n + 2);
                    }
                    again
                }
                _ => true,
            };
            let e = &mut expected[slot(method)];
            if stands {
                e.received += amount;
            }
            // The statement's line for it, if any, and whether it stands alone.
            let line = match (reference.is_empty(), g.below(6)) {
                // The bank's reference is never empty: a payment without one is unconfirmed,
                // and the bank's line for it stays on its own.
                (true, _) => Some((day(), format!("BANK-{seed}-{n}"), amount, true)),
                (false, 0) => None,
                (false, 1) => Some((day(), reference.clone(), amount + 1_000, true)),
                (false, 2) => Some((day() - Duration::days(1), reference.clone(), amount, false)),
                (false, 3) => Some((day(), reference.to_lowercase(), amount, !stands)),
                (false, _) => Some((day(), reference.clone(), amount, !stands)),
            };
            let confirmed = matches!(&line, Some((on, _, _, false)) if *on == day());
            if stands && !confirmed {
                e.lone_payments.push((reference, amount));
            }
            if let Some((on, line_reference, line_amount, alone)) = line {
                if on == day() {
                    e.statement += line_amount;
                }
                if alone {
                    e.lone_lines.push((line_reference.clone(), line_amount));
                }
                statement.push((on, line_reference, line_amount, "transfer".into(), method));
            }
        }
    }
    // A transfer of the day before, reversed today: today's payout.
    if g.below(2) == 0 {
        let (loan, _) =
            ops::tests::paid_out(&conn, &customer, &gold, &clerk.id, 2_000_000, day(), at(7));
        let record = ops::load(&conn, &loan).unwrap().unwrap();
        let p = Payment {
            amount: 40_000,
            method: Method::BankTransfer,
            reference: "YESTERDAY-1",
            purpose: Purpose::Partial,
            staff: Some(&clerk.id),
        };
        let id = PaymentId::new(at(8));
        let before = day() - Duration::days(1);
        ops::take_payment(&conn, &record, &p, &id, before, at(8)).unwrap();
        reverse(&conn, &id, &manager.id, day(), 9);
        expected[0].paid += 40_000;
    }
    for i in 0..g.below(3) {
        let method = METHODS[usize::try_from(g.below(2)).unwrap()];
        let amount = (1 + g.below(9) as i64) * 7_000;
        let reference = format!("EXTRA-{seed}-{i}");
        statement.push((day(), reference.clone(), amount, "no code".into(), method));
        let e = &mut expected[slot(method)];
        e.statement += amount;
        e.lone_lines.push((reference, amount));
    }
    // A payment code paid by transfer: the import applies it, and the line is its payment's.
    if g.below(2) == 0 {
        let (loan, _) =
            ops::tests::paid_out(&conn, &customer, &gold, &clerk.id, 2_000_000, day(), at(5));
        let amount = payments::tests::add_code(
            &conn,
            "K7P3M9QX",
            &loan,
            "payment",
            day(),
            at(0) + Duration::days(3),
        );
        statement.push((
            day(),
            format!("CODE-{seed}"),
            amount,
            "PAYCODE K7P3M9QX".into(),
            Method::BankTransfer,
        ));
        expected[0].statement += amount;
        expected[0].received += amount;
    }
    let report = payments::import(
        &mut conn,
        csv(&statement).as_bytes(),
        "statement.csv",
        &Actor::CommandLine,
        &branch(),
        at(n + 10),
    )
    .unwrap();
    assert_eq!(
        report.count(payments::Group::Duplicate),
        0,
        "seed {seed}: every reference once"
    );
    check(&conn, seed, &expected)
}

/// The match of `day()` against the test's own count.
fn check(conn: &Connection, seed: u64, expected: &[Expected; 2]) -> (usize, usize) {
    let found = day_match(conn, day()).unwrap();
    let totals = super::super::method_totals(conn, day()).unwrap();
    let mut lone = (0, 0);
    for ((m, e), total) in found.iter().zip(expected).zip(&totals) {
        let method = m.method.code();
        assert_eq!(m.statement, e.statement, "seed {seed} {method}: statement");
        assert_eq!(m.received, e.received, "seed {seed} {method}: received");
        assert_eq!(m.paid, e.paid, "seed {seed} {method}: paid out");
        assert_eq!(
            m.received - m.paid,
            total.received - total.paid,
            "seed {seed} {method}: the clearing account moved by as much"
        );
        let mut lines: Vec<(String, i64)> = m
            .lone_lines
            .iter()
            .map(|l| (l.reference.clone(), l.amount))
            .collect();
        let mut payments: Vec<(String, i64)> = m
            .lone_payments
            .iter()
            .map(|p| (p.reference.clone(), p.amount))
            .collect();
        let (mut want_lines, mut want_payments) = (e.lone_lines.clone(), e.lone_payments.clone());
        for v in [
            &mut lines,
            &mut payments,
            &mut want_lines,
            &mut want_payments,
        ] {
            v.sort();
        }
        assert_eq!(lines, want_lines, "seed {seed} {method}: lone lines");
        assert_eq!(
            payments, want_payments,
            "seed {seed} {method}: lone payments"
        );
        let explained: i64 = m.lone_lines.iter().map(|l| l.amount).sum::<i64>()
            - m.lone_payments.iter().map(|p| p.amount).sum::<i64>();
        assert_eq!(m.difference(), explained, "seed {seed} {method}: explained");
        assert_eq!(
            m.standing(),
            Standing::of(e.statement - e.received),
            "seed {seed} {method}"
        );
        assert_eq!(
            super::standing(conn, m.method, day()).unwrap(),
            m.standing(),
            "seed {seed} {method}: the dashboard's standing from the sums"
        );
        lone.0 += m.lone_lines.len();
        lone.1 += m.lone_payments.len();
    }
    let differ = found.iter().filter(|m| m.standing() != Standing::Matched);
    assert_eq!(
        differing(conn, day()).unwrap(),
        differ.count(),
        "seed {seed}"
    );
    lone
}

#[test]
fn generated_days_match_an_independent_count() {
    let mut seen = (0, 0);
    for seed in 0..30 {
        let (lines, payments) = one_day(seed);
        seen.0 += lines;
        seen.1 += payments;
    }
    assert!(seen.0 > 0 && seen.1 > 0, "the seeds cover both: {seen:?}");
}

#[test]
fn a_transfer_credited_the_next_day_names_the_other_day() {
    let (_dir, db) = crate::plumbing::db::tests::test_db();
    let mut conn = db.conn().unwrap();
    let (customer, gold) = ops::tests::customer_and_gold(&conn, "Siti", at(0));
    let clerk = ops::tests::staff_member(&conn, Role::Clerk, at(0));
    let (loan, _) =
        ops::tests::paid_out(&conn, &customer, &gold, &clerk.id, 2_000_000, day(), at(1));
    take(
        &conn,
        &loan,
        &clerk.id,
        50_000,
        Method::BankTransfer,
        "TRF-9",
        2,
    );
    let next = day() + Duration::days(1);
    let text = format!("date,reference,amount,description\n{next},trf-9,50000,transfer\n");
    payments::import(
        &mut conn,
        text.as_bytes(),
        "statement.csv",
        &Actor::CommandLine,
        &branch(),
        at(0) + Duration::days(1),
    )
    .unwrap();
    let today = &day_match(&conn, day()).unwrap()[0];
    assert_eq!(today.standing(), Standing::Short(50_000));
    assert_eq!(today.lines, 0);
    assert_eq!(today.lone_payments[0].on_statement, Some(next));
    assert_eq!(
        today.lone_payments[0].taken_by.as_deref(),
        Some("Test clerk")
    );
    let tomorrow = &day_match(&conn, next).unwrap()[0];
    assert_eq!(tomorrow.standing(), Standing::Over(50_000));
    assert_eq!(tomorrow.lone_lines[0].booked_on, Some(day()));
    assert_eq!(tomorrow.lone_lines[0].status, "unmatched");
    assert_eq!(differing(&conn, day()).unwrap(), 1);
    // Mobile money had nothing either side: matched.
    assert_eq!(
        day_match(&conn, day()).unwrap()[1].standing(),
        Standing::Matched
    );
}
