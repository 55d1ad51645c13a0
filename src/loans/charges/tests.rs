//! The statement against `terms::owed`: the worked examples of issue 13, and the property
//! over the generated tickets of the terms tests (extensions, part payments, reversals and
//! the scheduler's posting in between).

#![allow(clippy::unwrap_used)]

use chrono::{DateTime, Duration, NaiveDate, Utc};
use rusqlite::Connection;

use super::*;
use crate::ledger::postings;
use crate::ledger::statement::Line;
use crate::loans::ops::{self, PaymentError, Purpose, Receipt};
use crate::loans::products;
use crate::loans::terms::tests::{Gen, pegadaian, step_of};
use crate::loans::terms::{Fee, PeriodUnit, Rounding, Terms};
use crate::plumbing::ids::{LedgerId, ProductId, StaffId};

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// A moment on a business date, `n` seconds into it (so rows keep their order).
fn at(day: NaiveDate, n: i64) -> DateTime<Utc> {
    day.and_hms_opt(1, 0, 0).unwrap().and_utc() + Duration::seconds(n)
}

/// A customer, a staff member and a database.
struct Branch {
    _dir: tempfile::TempDir,
    db: crate::plumbing::db::Db,
    customer: CustomerId,
    gold: ProductId,
    staff: StaffId,
}

fn branch() -> Branch {
    let (dir, db) = crate::plumbing::db::tests::test_db();
    let conn = db.conn().unwrap();
    let now = at(date("2024-01-01"), 0);
    let (customer, gold) = ops::tests::customer_and_gold(&conn, "Siti", now);
    let staff = ops::tests::staff_member(&conn, crate::roles::Role::Manager, now).id;
    drop(conn);
    Branch {
        _dir: dir,
        db,
        customer,
        gold,
        staff,
    }
}

/// A ticket written and paid out on `start`.
fn ticket(
    conn: &Connection,
    b: &Branch,
    product: &ProductId,
    principal: i64,
    start: NaiveDate,
) -> LoanId {
    let now = at(start, 0);
    ops::tests::paid_out(conn, &b.customer, product, &b.staff, principal, start, now).0
}

/// A payment on `on`.
fn pay(
    conn: &Connection,
    b: &Branch,
    id: &LoanId,
    amount: i64,
    purpose: Purpose,
    now: DateTime<Utc>,
) -> Result<Receipt, PaymentError> {
    ops::tests::pay_cash(conn, id, &b.staff, amount, purpose, now.date_naive(), now)
}

/// The ticket's statement on `today`.
fn statement(conn: &Connection, b: &Branch, id: &LoanId, today: NaiveDate) -> Statement {
    statement_of(conn, &b.customer, Some(id), (None, None), today).unwrap()
}

/// What `owed` says the ticket owes on `today`.
fn payoff(conn: &Connection, id: &LoanId, today: NaiveDate) -> i64 {
    let record = ops::load(conn, id).unwrap().unwrap();
    ops::owed_on(conn, &record, today).unwrap().payoff()
}

/// Each date's last balance is what `owed` gave that date, with what had been paid by then.
fn every_date_ends_at_owed(conn: &Connection, b: &Branch, id: &LoanId, today: NaiveDate) {
    let record = ops::load(conn, id).unwrap().unwrap();
    let moves = ledger::movements(conn, id).unwrap();
    let lines = statement(conn, b, id, today).lines;
    for line in &lines {
        let last_of_day = lines.iter().rfind(|l| l.on == line.on).unwrap();
        let owed = terms::owed(&record.facts(), &paid_by(&moves, Some(line.on)), line.on);
        assert_eq!(last_of_day.balance, owed.payoff(), "on {}", line.on);
    }
}

/// The lines as (date, kind, debit, credit, balance).
fn shape(lines: &[Line]) -> Vec<(NaiveDate, EntryKind, i64, i64, i64)> {
    lines
        .iter()
        .map(|l| (l.on, l.kind, l.debit, l.credit, l.balance))
        .collect()
}

#[test]
fn an_extended_and_part_paid_ticket_ends_at_what_it_owes() {
    // Before: the statement netted 900,000 - 15,350 - 20,000 = 864,650; owed says 890,350.
    let b = branch();
    let conn = b.db.conn().unwrap();
    let start = date("2026-01-10");
    let id = ticket(&conn, &b, &b.gold, 900_000, start);
    // The extension pays the first period's interest (1.15% = 10,350) and the ticket fee.
    pay(
        &conn,
        &b,
        &id,
        15_350,
        Purpose::Extension { periods: 8 },
        at(start, 10),
    )
    .unwrap();
    let after_extension = statement(&conn, &b, &id, start);
    assert_eq!(
        after_extension.closing, 900_000,
        "the principal outstanding"
    );
    assert_eq!(after_extension.closing, payoff(&conn, &id, start));
    // Period 2 starts on 26 January; 20,000 on the 30th pays its interest, then principal.
    let later = date("2026-01-30");
    pay(&conn, &b, &id, 20_000, Purpose::Partial, at(later, 10)).unwrap();
    let s = statement(&conn, &b, &id, later);
    use EntryKind::*;
    assert_eq!(
        shape(&s.lines),
        vec![
            (start, InterestCharge, 10_350, 0, 10_350),
            (start, FeeCharge, 5_000, 0, 15_350),
            (start, Disbursement, 900_000, 0, 915_350),
            (start, Interest, 0, 10_350, 905_000),
            (start, Fee, 0, 5_000, 900_000),
            (date("2026-01-26"), InterestCharge, 10_350, 0, 910_350),
            (later, Interest, 0, 10_350, 900_000),
            (later, Principal, 0, 9_650, 890_350),
        ]
    );
    assert_eq!(s.closing, 890_350);
    assert_eq!(s.closing, payoff(&conn, &id, later));
    assert_eq!((s.debits - s.credits, s.opening), (s.closing, 0));
    every_date_ends_at_owed(&conn, &b, &id, later);
}

#[test]
fn with_a_step_of_rp_100_the_statement_the_ledger_and_owed_agree() {
    let b = branch();
    let mut conn = b.db.conn().unwrap();
    let terms = Terms {
        rounding_step: step_of(100),
        ..pegadaian()
    };
    let product = products::insert(&conn, &terms, at(date("2026-01-01"), 0)).unwrap();
    let start = date("2026-01-10");
    let id = ticket(&conn, &b, &product, 900_000, start);
    // 1.15% of 900,000 is 10,350: up to Rp 100, 10,400 a period. The extension pays it and
    // the ticket fee.
    let extension = Purpose::Extension { periods: 8 };
    pay(&conn, &b, &id, 15_400, extension, at(start, 10)).unwrap();
    // 20,000 on the 30th pays period 2's 10,400, then 9,600 of principal (not rounded).
    let later = date("2026-01-30");
    pay(&conn, &b, &id, 20_000, Purpose::Partial, at(later, 10)).unwrap();
    // Period 3 (from 10 February) on 890,400: 10,239.60, up to 10,300.
    let feb10 = date("2026-02-10");
    let s = statement(&conn, &b, &id, feb10);
    use EntryKind::*;
    assert_eq!(
        shape(&s.lines),
        vec![
            (start, InterestCharge, 10_400, 0, 10_400),
            (start, FeeCharge, 5_000, 0, 15_400),
            (start, Disbursement, 900_000, 0, 915_400),
            (start, Interest, 0, 10_400, 905_000),
            (start, Fee, 0, 5_000, 900_000),
            (date("2026-01-26"), InterestCharge, 10_400, 0, 910_400),
            (later, Interest, 0, 10_400, 900_000),
            (later, Principal, 0, 9_600, 890_400),
            (feb10, InterestCharge, 10_300, 0, 900_700),
        ]
    );
    assert_eq!(s.closing, payoff(&conn, &id, feb10));
    every_date_ends_at_owed(&conn, &b, &id, feb10);
    // The scheduler posts the same charges: the ledger's receivables say the same.
    let tx = crate::plumbing::db::immediate(&mut conn).unwrap();
    let record = ops::load(&tx, &id).unwrap().unwrap();
    post_due_charges(&tx, &record, feb10, at(feb10, 0)).unwrap();
    tx.commit().unwrap();
    let posted = statement(&conn, &b, &id, feb10);
    assert!(posted.lines.iter().all(|l| l.id.is_some()), "all posted");
    assert_eq!(shape(&posted.lines), shape(&s.lines));
    assert!(postings::unbalanced(&conn).unwrap().is_empty());
}

#[test]
fn interest_paid_does_not_lower_what_is_owed_on_1_400_000() {
    // Before: 1,400,000 lent, 37,200 of interest and fees paid, and the statement said
    // 1,362,800, below the principal still owed.
    let b = branch();
    let conn = b.db.conn().unwrap();
    let start = date("2026-02-02");
    let id = ticket(&conn, &b, &b.gold, 1_400_000, start);
    // 1.15% of 1,400,000 = 16,100 a period; the ticket fee 5,000.
    pay(
        &conn,
        &b,
        &id,
        21_100,
        Purpose::Extension { periods: 1 },
        at(start, 5),
    )
    .unwrap();
    let day20 = start + Duration::days(20);
    pay(&conn, &b, &id, 16_100, Purpose::Partial, at(day20, 5)).unwrap();
    let day40 = start + Duration::days(40);
    let s = statement(&conn, &b, &id, day40);
    assert_eq!(
        s.closing,
        1_400_000 + 16_100,
        "principal and period 3's interest"
    );
    assert_eq!(s.closing, payoff(&conn, &id, day40));
    every_date_ends_at_owed(&conn, &b, &id, day40);
    // The customer's statement (all tickets) ends at the same figure, and so does a period
    // of it, with what was owed before the period as its opening.
    let all = statement_of(&conn, &b.customer, None, (Some(day20), None), day40).unwrap();
    assert_eq!(all.closing, s.closing);
    assert_eq!(all.opening + all.debits - all.credits, all.closing);
    assert_eq!(all.opening, 1_400_000 + 16_100, "owed on the eve of day 20");
}

#[test]
fn posting_is_idempotent_and_changes_no_figure() {
    let b = branch();
    let mut conn = b.db.conn().unwrap();
    let start = date("2026-01-10");
    let id = ticket(&conn, &b, &b.gold, 900_000, start);
    let day = start + Duration::days(50);
    let derived = statement(&conn, &b, &id, day);
    let tx = crate::plumbing::db::immediate(&mut conn).unwrap();
    let record = ops::load(&tx, &id).unwrap().unwrap();
    assert_eq!(
        post_due_charges(&tx, &record, day, at(day, 0)).unwrap(),
        5,
        "4 periods and the fee"
    );
    assert_eq!(post_due_charges(&tx, &record, day, at(day, 1)).unwrap(), 0);
    tx.commit().unwrap();
    let posted = statement(&conn, &b, &id, day);
    assert_eq!(shape(&posted.lines), shape(&derived.lines));
    assert!(
        posted.lines.iter().all(|l| l.id.is_some()),
        "all posted now"
    );
    assert!(postings::unbalanced(&conn).unwrap().is_empty());
    // A charge cannot be reversed by hand.
    let charge = posted.lines[1].id.clone().unwrap();
    let refused = ledger::reverse(&conn, &charge, "no", &b.staff, day, at(day, 2));
    assert!(matches!(refused, Err(ledger::ReversalError::IsCharge)));
}

/// Terms drawn like the terms tests' generated tickets, with fees of every kind.
fn generated_terms(g: &mut Gen) -> Terms {
    let mut t = pegadaian();
    t.rate_bp = u32::try_from(g.below(1_000)).unwrap();
    t.period_days = [7, 15, 30][g.below(3) as usize];
    if g.below(3) == 0 {
        t.period_unit = PeriodUnit::Month;
        t.period_days = 1 + u32::try_from(g.below(3)).unwrap();
    }
    t.term_periods = 1 + u32::try_from(g.below(8)).unwrap();
    t.min_interest_days = u32::try_from(g.below(40)).unwrap();
    t.rounding = [Rounding::HalfUp, Rounding::Down, Rounding::Up][g.below(3) as usize];
    t.storage_fee = [Fee::Amount(0), Fee::Amount(2_500), Fee::Rate(10)][g.below(3) as usize];
    t.ticket_fee = [Fee::Amount(5_000), Fee::Rate(50)][g.below(2) as usize];
    t.grace_days = u32::try_from(g.below(10)).unwrap();
    t.rounding_step = step_of([1, 1, 100, 500, 1_000][g.below(5) as usize]);
    t
}

/// One step on a generated ticket; `false` when it is closed.
fn step(conn: &Connection, b: &Branch, g: &mut Gen, id: &LoanId, now: DateTime<Utc>) {
    let day = now.date_naive();
    let record = ops::load(conn, id).unwrap().unwrap();
    let owed = ops::owed_on(conn, &record, day).unwrap();
    match g.below(5) {
        0 | 1 if record.is_open() => {
            let amount = 1 + g.below(u64::try_from(owed.payoff()).unwrap().max(1)) as i64;
            pay(conn, b, id, amount, Purpose::Partial, now).unwrap();
        }
        2 if record.is_open() && owed.interest + owed.fees > 0 => {
            let periods = Purpose::Extension { periods: 1 };
            pay(conn, b, id, owed.interest + owed.fees, periods, now).unwrap();
        }
        3 => {
            let lines = statement(conn, b, id, day).lines;
            let payments: Vec<&LedgerId> = lines
                .iter()
                .filter(|l| !l.reversed())
                .filter(|l| {
                    matches!(
                        l.kind,
                        EntryKind::Interest | EntryKind::Fee | EntryKind::Principal
                    )
                })
                .filter_map(|l| l.id.as_ref())
                .collect();
            if !payments.is_empty() {
                let row = payments[g.below(payments.len() as u64) as usize];
                let (loan, _, payment) =
                    ledger::reverse(conn, row, "test", &b.staff, day, now).unwrap();
                ops::undo_payment(conn, &loan, payment.as_ref(), &b.staff, day, now).unwrap();
            }
        }
        _ => {
            // The scheduler's pass: posting changes no figure, and twice posts nothing more.
            let before = statement(conn, b, id, day).closing;
            post_due_charges(conn, &record, day, now).unwrap();
            assert_eq!(post_due_charges(conn, &record, day, now).unwrap(), 0);
            assert_eq!(statement(conn, b, id, day).closing, before);
        }
    }
}

/// What `owed` says the statement must end at on `day`: nothing on a redeemed ticket (or one
/// never paid out), what a forfeited one owed when it was forfeited, else what it owes.
fn expected_closing(conn: &Connection, id: &LoanId, day: NaiveDate) -> i64 {
    let record = ops::load(conn, id).unwrap().unwrap();
    let t = &record.terms;
    let forfeited_on = record.maturity
        + Duration::days(i64::from(t.grace_days + t.notice_days + t.forfeit_days) + 1);
    match record.state {
        LoanState::Redeemed | LoanState::Origination | LoanState::Cancelled => 0,
        LoanState::Forfeited => payoff(conn, id, day.min(forfeited_on)),
        _ => payoff(conn, id, day),
    }
}

/// The statement's last balance against `owed`; and the ticket's history as the statement
/// works its pending charges out from (its posted lines) against the ledger's, which the
/// charges pass posts from.
fn check(conn: &Connection, b: &Branch, id: &LoanId, day: NaiveDate, seed: u64) {
    let posted = ledger::statement::posted(conn, &b.customer, Some(id)).unwrap();
    assert_eq!(
        ledger::statement::history(&posted, id),
        ledger::movements_and_charged(conn, id).unwrap(),
        "seed {seed}, {day}"
    );
    let s = statement(conn, b, id, day);
    let expected = expected_closing(conn, id, day);
    assert_eq!(
        s.closing,
        expected,
        "seed {seed}, {day}: {:#?}",
        shape(&s.lines)
    );
}

#[test]
fn the_statement_ends_at_owed_on_every_generated_ticket() {
    let b = branch();
    let conn = b.db.conn().unwrap();
    for seed in 0..500 {
        let mut g = Gen::new(seed);
        let terms = generated_terms(&mut g);
        let product = products::insert(&conn, &terms, at(date("2024-01-01"), 0)).unwrap();
        let start = date("2024-01-01") + Duration::days(g.below(800) as i64);
        let principal = 1_000 + g.below(50_000_000) as i64;
        let id = ticket(&conn, &b, &product, principal, start);
        if g.below(5) == 0 {
            conn.execute("UPDATE loans SET ticket_lost = 1 WHERE id = ?1", [&id])
                .unwrap();
        }
        let mut day = start;
        check(&conn, &b, &id, day, seed);
        for n in 0..g.below(12) {
            day += Duration::days(g.below(40) as i64);
            step(
                &conn,
                &b,
                &mut g,
                &id,
                at(day, i64::try_from(n).unwrap() + 1),
            );
            check(&conn, &b, &id, day, seed);
        }
        // Some days later, with nothing done in between.
        check(
            &conn,
            &b,
            &id,
            day + Duration::days(g.below(90) as i64),
            seed,
        );
    }
    assert!(postings::unbalanced(&conn).unwrap().is_empty());
}

#[test]
fn the_demo_ledger_balances_and_agrees_with_owed_on_every_ticket() {
    let (_dir, db) = crate::plumbing::db::tests::test_db();
    let mut conn = db.conn().unwrap();
    let now = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
    let today = now.date_naive();
    crate::demo::load(&mut conn, "ID", crate::plumbing::i18n::Lang::En, today, now).unwrap();
    // The scheduler's pass over every open ticket, then every ticket's statement.
    let open = open_tickets(&conn, None, usize::MAX).unwrap();
    assert!(post_all(&conn, &open, today, now).unwrap() > 0);
    assert!(postings::unbalanced(&conn).unwrap().is_empty());
    let tickets: Vec<(LoanId, CustomerId)> = conn
        .prepare("SELECT id, customer_id FROM loans WHERE terms IS NOT NULL")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(tickets.len() > 10);
    for (id, customer) in &tickets {
        let record = ops::load(&conn, id).unwrap().unwrap();
        let s = statement_of(&conn, customer, Some(id), (None, None), today).unwrap();
        assert_eq!(
            s.closing,
            expected_closing(&conn, id, today),
            "{}",
            record.ticket_no
        );
        if record.is_open() {
            assert!(due(&conn, &record, today).unwrap().is_empty(), "all posted");
        }
    }
}
