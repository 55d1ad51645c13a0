//! The trends against a generated ledger and the tickets' events, counted again here from the
//! generated rows (not by the module's queries), part of it written before V28 so the
//! migration's totals and the trigger's are both checked.

#![allow(clippy::unwrap_used)]

use chrono::{Duration, FixedOffset, NaiveDate};
use rusqlite::Connection;

use super::*;
use crate::plumbing::db::tests::migrate_branch_to;

/// A generated transaction: its day, its kind (a reversal names the kind it cancels), amount.
struct Tx {
    day: NaiveDate,
    kind: &'static str,
    reverses: Option<&'static str>,
    amount: i64,
}

/// The kinds generated, with their debit and credit accounts.
const KINDS: [(&str, &str, &str); 5] = [
    ("disbursement", "principal_receivable", "bank_clearing"),
    ("principal", "bank_clearing", "principal_receivable"),
    ("interest", "bank_clearing", "interest_receivable"),
    ("fee", "bank_clearing", "fees_receivable"),
    ("interest_charge", "interest_receivable", "interest_income"),
];

/// A fixed pseudo-random sequence of numbers below a bound.
fn sequence() -> impl FnMut(u64) -> u64 {
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    move |below| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed >> 32) % below
    }
}

/// Writes `n` transactions (ids from `from`) on days from 80 days before `today` to today,
/// every seventh a reversal of the one before, with their postings.
fn ledger(conn: &Connection, today: NaiveDate, from: usize, n: usize) -> Vec<Tx> {
    let mut next = sequence();
    for _ in 0..from {
        next(5);
        next(81);
        next(90_000);
    }
    let mut txs: Vec<Tx> = Vec::new();
    for i in from..from + n {
        let (kind, debit, credit) = KINDS[usize::try_from(next(5)).unwrap()];
        let day = today - Duration::days(i64::try_from(next(81)).unwrap());
        let amount = i64::try_from(next(90_000)).unwrap() + 1_000;
        let id = format!("T{i}");
        let reversal = i % 7 == 6 && i > from;
        let (kind, reverses, debit, credit) = if reversal {
            let (k, d, c) = KINDS
                .iter()
                .find(|(k, _, _)| *k == txs[txs.len() - 1].kind)
                .copied()
                .unwrap();
            ("reversal", Some(k), c, d)
        } else {
            (kind, None, debit, credit)
        };
        let amount = if reversal {
            txs[txs.len() - 1].amount
        } else {
            amount
        };
        let reversed = reversal.then(|| format!("T{}", i - 1));
        conn.execute(
            "INSERT INTO ledger (id, loan_id, customer_id, kind, amount, method, reverses, on_date, at)
             VALUES (?1, 'L1', 'C1', ?2, ?3, 'bank_transfer', ?4, ?5, ?5 || 'T03:00:00Z')",
            rusqlite::params![id, kind, amount, reversed, day.to_string()],
        )
        .unwrap();
        for (line, account, side) in [(1, debit, "debit"), (2, credit, "credit")] {
            conn.execute(
                "INSERT INTO ledger_postings (id, transaction_id, line, account, loan_id, side, amount)
                 VALUES (?1 || ':' || ?2, ?1, ?2, ?3, 'L1', ?4, ?5)",
                rusqlite::params![id, line, account, side, amount],
            )
            .unwrap();
        }
        txs.push(Tx {
            day,
            kind,
            reverses,
            amount,
        });
    }
    txs
}

/// A branch at V27 with a customer and a ticket for the ledger to name.
fn branch() -> Connection {
    let mut conn = Connection::open_in_memory().unwrap();
    conn.execute_batch("PRAGMA foreign_keys = ON").unwrap();
    migrate_branch_to(&mut conn, Some(27));
    conn.execute_batch(
        "INSERT INTO customers (id, full_name, phone, created_at, updated_at)
             VALUES ('C1', 'Siti', '+6281234567890', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z');
         INSERT INTO loans (id, ticket_no, customer_id, state, principal, item_description,
                            started_on, matures_on, created_at, updated_at)
             VALUES ('L1', 'B-2026-000001', 'C1', 'active', 100000, 'Ring', '2026-01-01', '2026-02-01',
                     '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z');",
    )
    .unwrap();
    conn
}

/// The principal receivable's change by one generated transaction.
fn principal_change(tx: &Tx) -> i64 {
    match (tx.kind, tx.reverses) {
        ("disbursement", _) => tx.amount,
        ("principal", _) => -tx.amount,
        ("reversal", Some("disbursement")) => -tx.amount,
        ("reversal", Some("principal")) => tx.amount,
        _ => 0,
    }
}

/// What customers paid by one generated transaction (a reversal of a payment takes it back).
fn paid(tx: &Tx) -> i64 {
    match (tx.kind, tx.reverses) {
        ("principal" | "interest" | "fee", _) => tx.amount,
        ("reversal", Some("principal" | "interest" | "fee")) => -tx.amount,
        _ => 0,
    }
}

#[test]
fn each_day_matches_a_count_of_the_generated_ledger_before_and_after_v28() {
    let today = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
    let mut conn = branch();
    let mut txs = ledger(&conn, today, 0, 400);
    migrate_branch_to(&mut conn, None);
    txs.extend(ledger(&conn, today, 400, 400));

    let days = daily(&conn, today).unwrap();
    assert_eq!(days.len(), 30);
    assert_eq!(days[0].day, today - Duration::days(29));
    assert_eq!(days[29].day, today);
    for d in &days {
        let outstanding: i64 = txs
            .iter()
            .filter(|t| t.day <= d.day)
            .map(principal_change)
            .sum();
        let collected: i64 = txs.iter().filter(|t| t.day == d.day).map(paid).sum();
        assert_eq!(d.outstanding, outstanding, "{}", d.day);
        assert_eq!(d.collected, collected, "{}", d.day);
    }
    // Enough happened for the figures not to pass by being zero or constant.
    assert!(days.iter().filter(|d| d.collected > 0).count() > 20);
    assert!(
        days.windows(2)
            .any(|w| w[0].outstanding != w[1].outstanding)
    );
    assert!(
        txs.iter()
            .any(|t| t.kind == "reversal" && t.day > today - Duration::days(30))
    );
}

#[test]
fn each_week_matches_a_count_of_the_generated_tickets() {
    let today = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
    let offset = FixedOffset::east_opt(7 * 3600).unwrap();
    let mut conn = branch();
    migrate_branch_to(&mut conn, None);
    let txs = ledger(&conn, today, 0, 300);
    let mut next = sequence();
    // State events at any hour of the last 70 days: the week is the branch's (UTC+7), so an
    // event at 20:00 UTC falls on the next local day.
    let mut events = Vec::new();
    for i in 0..300 {
        let state = ["redeemed", "forfeited", "grace"][usize::try_from(next(3)).unwrap()];
        let at = (today - Duration::days(i64::try_from(next(70)).unwrap()))
            .and_hms_opt(u32::try_from(next(24)).unwrap(), 0, 0)
            .unwrap()
            .and_utc();
        conn.execute(
            "INSERT INTO loan_events (id, loan_id, at, kind, to_value) VALUES (?1, 'L1', ?2, 'state', ?3)",
            rusqlite::params![format!("E{i}"), at, state],
        )
        .unwrap();
        events.push(((at + Duration::hours(7)).date_naive(), state));
    }
    let weeks = weekly(&conn, today, offset).unwrap();
    assert_eq!(weeks.len(), 8);
    assert_eq!(weeks[7].last, today);
    for w in &weeks {
        let first = w.last - Duration::days(6);
        let within = |d: NaiveDate| d >= first && d <= w.last;
        let became = |s: &str| events.iter().filter(|(d, e)| within(*d) && *e == s).count();
        let written = txs
            .iter()
            .filter(|t| t.kind == "disbursement" && within(t.day))
            .count();
        assert_eq!(w.written, i64::try_from(written).unwrap(), "{}", w.last);
        assert_eq!(w.redeemed, i64::try_from(became("redeemed")).unwrap());
        assert_eq!(w.forfeited, i64::try_from(became("forfeited")).unwrap());
        assert!(w.written > 0 && w.redeemed > 0 && w.forfeited > 0, "{w:?}");
    }
}

/// The days' sums are read in the order of `ledger_day_totals`' key, three ranges and no sort
/// (grouped by day alone, every dashboard sorted the three accounts' rows of the month).
#[test]
fn the_days_sums_are_read_in_the_order_of_the_key() {
    let mut conn = Connection::open_in_memory().unwrap();
    migrate_branch_to(&mut conn, None);
    let today: NaiveDate = "2026-08-13".parse().unwrap();
    let [(a, _), (b, _), (c, _)] = PAYMENT_PARTS;
    let plan: Vec<String> = conn
        .prepare(&format!("EXPLAIN QUERY PLAN {DAY_SUMS}"))
        .unwrap()
        .query_map(
            rusqlite::params![
                a.code(),
                b.code(),
                c.code(),
                today - Duration::days(29),
                today
            ],
            |r| r.get(3),
        )
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(
        plan.iter().any(|p| p.contains("SEARCH ledger_day_totals")),
        "{plan:?}"
    );
    assert!(!plan.iter().any(|p| p.contains("TEMP B-TREE")), "{plan:?}");
}
