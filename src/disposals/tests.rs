//! The disposals' rules: a sale with a surplus, with a shortfall, for exactly what was owed;
//! every transaction balanced and the ticket's statement at 0 after its sale; the payout; the
//! expiry once; refusals that write nothing.

#![allow(clippy::unwrap_used)]

use chrono::{DateTime, Duration, NaiveDate, Utc};
use rusqlite::Connection;

use super::*;
use crate::ledger::postings;
use crate::loans::ops::Item;
use crate::plumbing::ids::ProductId;
use crate::roles::Role;

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn at(day: NaiveDate) -> DateTime<Utc> {
    day.and_hms_opt(3, 0, 0).unwrap().and_utc()
}

const START: &str = "2024-01-02";
/// Long after any product's forfeiture.
const SALE: &str = "2024-12-02";

struct Branch {
    _dir: tempfile::TempDir,
    db: crate::plumbing::db::Db,
    customer: CustomerId,
    gold: ProductId,
    manager: StaffUser,
}

fn branch() -> Branch {
    let (dir, db) = crate::plumbing::db::tests::test_db();
    let conn = db.conn().unwrap();
    let now = at(date("2024-01-01"));
    let (customer, gold) = ops::tests::customer_and_gold(&conn, "Siti", now);
    let manager = ops::tests::staff_member(&conn, Role::Manager, now);
    drop(conn);
    Branch {
        _dir: dir,
        db,
        customer,
        gold,
        manager,
    }
}

/// A gold ticket of `principal` written on `start` (not paid out yet).
fn written_ticket(conn: &Connection, b: &Branch, principal: i64, start: NaiveDate) -> LoanId {
    let item = Item {
        category: "gold".into(),
        description: "Ring".into(),
        marks: String::new(),
        weight_mg: None,
        karat: None,
        appraised: principal * 2,
    };
    let (customer, product) = (&b.customer, &b.gold);
    ops::originate(
        conn,
        &Actor::System,
        "JKT1",
        customer,
        product,
        &[item],
        principal,
        start,
        at(start),
    )
    .unwrap()
}

/// A ticket of 1,000,000 written on [`START`], forfeited by the states pass on [`SALE`].
fn forfeited_ticket(conn: &Connection, b: &Branch) -> LoanId {
    let start = date(START);
    let id = written_ticket(conn, b, 1_000_000, start);
    let record = ops::load(conn, &id).unwrap().unwrap();
    ops::approve_and_disburse(
        conn,
        &record,
        Method::Cash,
        "",
        &b.manager.id,
        start,
        at(start),
    )
    .unwrap();
    ops::advance_states(conn, date(SALE), at(date(SALE))).unwrap();
    assert_eq!(
        ops::load(conn, &id).unwrap().unwrap().state,
        LoanState::Forfeited
    );
    id
}

/// What the ticket owes on the sale day, every charge due posted.
fn owed(conn: &Connection, id: &LoanId) -> i64 {
    let record = ops::load(conn, id).unwrap().unwrap();
    charges::post_due_charges(conn, &record, date(SALE), at(date(SALE))).unwrap();
    ledger::balances(conn, id, date(SALE)).unwrap().owed()
}

fn sale(price: i64, costs: i64) -> Sale<'static> {
    Sale {
        channel: Channel::Auction,
        price,
        costs,
        buyer: "LOT-7",
        method: Method::Cash,
    }
}

fn when() -> (NaiveDate, DateTime<Utc>) {
    (date(SALE), at(date(SALE)))
}

/// Moves the ticket to stock and sells it.
fn stock_and_sell(conn: &Connection, b: &Branch, id: &LoanId, s: &Sale) -> Sold {
    move_to_stock(conn, id, &b.manager, date(SALE), at(date(SALE))).unwrap();
    sell(conn, id, s, &b.manager, when(), 365).unwrap()
}

/// The ticket's statement closing on `today`.
fn closing(conn: &Connection, b: &Branch, id: &LoanId, today: NaiveDate) -> i64 {
    charges::statement_of(conn, &b.customer, Some(id), (None, None), today)
        .unwrap()
        .closing
}

fn count(conn: &Connection, sql: &str) -> i64 {
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

/// The balance of one account (debits − credits) over every posting.
fn account(conn: &Connection, account: Account) -> i64 {
    conn.query_row(
        "SELECT COALESCE(SUM(CASE side WHEN 'debit' THEN amount ELSE -amount END), 0)
         FROM ledger_postings WHERE account = ?1",
        [account.code()],
        |r| r.get(0),
    )
    .unwrap()
}

#[test]
fn the_arithmetic_of_a_sale() {
    assert_eq!(
        settle(1_500_000, 100_000, 1_200_000),
        (1_400_000, 200_000, 0)
    );
    assert_eq!(settle(1_000_000, 100_000, 1_200_000), (900_000, 0, 300_000));
    assert_eq!(settle(1_300_000, 100_000, 1_200_000), (1_200_000, 0, 0));
}

#[test]
fn a_sale_above_what_was_owed_leaves_a_surplus_owed_and_the_statement_at_zero() {
    let b = branch();
    let conn = b.db.conn().unwrap();
    let id = forfeited_ticket(&conn, &b);
    let owed = owed(&conn, &id);
    assert!(owed > 1_000_000, "principal and charges: {owed}");
    let sold = stock_and_sell(&conn, &b, &id, &sale(owed + 600_000, 100_000));
    assert_eq!(sold.owed.owed(), owed);
    assert_eq!(
        (sold.net, sold.surplus, sold.shortfall),
        (owed + 500_000, 500_000, 0)
    );
    assert_eq!(sold.claim_until, Some(date(SALE) + Duration::days(365)));
    assert!(postings::unbalanced(&conn).unwrap().is_empty());
    assert_eq!(closing(&conn, &b, &id, date(SALE)), 0);
    assert_eq!(closing(&conn, &b, &id, date(SALE) + Duration::days(90)), 0);
    let after = ledger::balances(&conn, &id, date(SALE)).unwrap();
    assert_eq!((after.owed(), after.surplus), (0, 500_000));
    assert_eq!(account(&conn, Account::WriteOffs), 0);
    let claims = overview::claims_of(&conn, &b.customer).unwrap();
    assert_eq!(claims.len(), 1);
    assert_eq!(
        (claims[0].amount, claims[0].until),
        (500_000, date("2025-12-02"))
    );
    let audited = count(
        &conn,
        "SELECT COUNT(*) FROM audit_log WHERE entity = 'disposal'",
    );
    assert_eq!(audited, 2, "the move to stock and the sale");
}

#[test]
fn a_sale_below_what_was_owed_writes_the_shortfall_off() {
    let b = branch();
    let conn = b.db.conn().unwrap();
    let id = forfeited_ticket(&conn, &b);
    // No charge posted before the sale (the scheduler's pass has not run): the sale posts
    // what is due first, so nothing is left to charge after it.
    assert_eq!(ledger::charged(&conn, &id).unwrap().through, None);
    let sold = stock_and_sell(&conn, &b, &id, &sale(800_000, 50_000));
    let owed = sold.owed.owed();
    assert!(owed > 1_000_000, "principal and charges: {owed}");
    assert_eq!(
        (sold.net, sold.surplus, sold.shortfall),
        (750_000, 0, owed - 750_000)
    );
    assert_eq!(sold.claim_until, None);
    assert!(postings::unbalanced(&conn).unwrap().is_empty());
    assert_eq!(closing(&conn, &b, &id, date(SALE)), 0);
    assert_eq!(account(&conn, Account::WriteOffs), owed - 750_000);
    assert_eq!(account(&conn, Account::SurplusOwed), 0);
    assert!(overview::claims_of(&conn, &b.customer).unwrap().is_empty());
    let totals = overview::totals(&overview::sales(&conn).unwrap());
    assert_eq!(
        totals,
        overview::Totals {
            sold: 1,
            proceeds: 750_000,
            surplus_owed: 0,
            written_off: owed - 750_000
        }
    );
}

#[test]
fn a_sale_for_exactly_what_was_owed_leaves_neither() {
    let b = branch();
    let conn = b.db.conn().unwrap();
    let id = forfeited_ticket(&conn, &b);
    let owed = owed(&conn, &id);
    let drawer = account(&conn, Account::CashDrawer);
    let sold = stock_and_sell(&conn, &b, &id, &sale(owed + 20_000, 20_000));
    assert_eq!((sold.surplus, sold.shortfall), (0, 0));
    assert!(postings::unbalanced(&conn).unwrap().is_empty());
    assert_eq!(closing(&conn, &b, &id, date(SALE)), 0);
    assert_eq!(account(&conn, Account::CashDrawer) - drawer, owed);
    let legs = postings::legs(&conn, sold.ledger.as_ref().unwrap()).unwrap();
    assert!(
        legs.iter()
            .all(|l| l.account != Account::WriteOffs && l.account != Account::SurplusOwed)
    );
}

#[test]
fn a_surplus_is_paid_out_once_and_a_form_sent_twice_pays_once() {
    let b = branch();
    let conn = b.db.conn().unwrap();
    let id = forfeited_ticket(&conn, &b);
    let owed = owed(&conn, &id);
    stock_and_sell(&conn, &b, &id, &sale(owed + 300_000, 0));
    let clerk = ops::tests::staff_member(&conn, Role::Clerk, at(date(SALE)));
    let payment = PaymentId::new(at(date(SALE)));
    let day = (date("2025-01-10"), at(date("2025-01-10")));
    let drawer = account(&conn, Account::CashDrawer);
    let paid = pay_out(&conn, &id, Method::Cash, &payment, &clerk, day).unwrap();
    assert_eq!((paid.amount, paid.before), (300_000, false));
    assert_eq!(account(&conn, Account::CashDrawer) - drawer, -300_000);
    assert_eq!(ledger::balances(&conn, &id, day.0).unwrap().surplus, 0);
    let again = pay_out(&conn, &id, Method::Cash, &payment, &clerk, day).unwrap();
    assert!(again.before && again.ledger == paid.ledger);
    let other = PaymentId::new(at(date("2025-01-11")));
    assert!(matches!(
        pay_out(&conn, &id, Method::Cash, &other, &clerk, day),
        Err(DisposalError::Settled)
    ));
    assert_eq!(
        expire_claims(&conn, date("2027-01-01"), at(date("2027-01-01"))).unwrap(),
        0
    );
    assert!(postings::unbalanced(&conn).unwrap().is_empty());
    assert!(overview::claims_of(&conn, &b.customer).unwrap().is_empty());
}

#[test]
fn an_unclaimed_surplus_expires_once_after_its_last_day() {
    let b = branch();
    let conn = b.db.conn().unwrap();
    let id = forfeited_ticket(&conn, &b);
    let owed = owed(&conn, &id);
    stock_and_sell(&conn, &b, &id, &sale(owed + 250_000, 0));
    let last = date(SALE) + Duration::days(365);
    assert_eq!(
        expire_claims(&conn, last, at(last)).unwrap(),
        0,
        "the last day still counts"
    );
    let next = last + Duration::days(1);
    assert_eq!(expire_claims(&conn, next, at(next)).unwrap(), 1);
    assert_eq!(expire_claims(&conn, next, at(next)).unwrap(), 0, "once");
    assert_eq!(account(&conn, Account::UnclaimedSurplusIncome), -250_000);
    assert_eq!(account(&conn, Account::SurplusOwed), 0);
    assert!(postings::unbalanced(&conn).unwrap().is_empty());
    let clerk = ops::tests::staff_member(&conn, Role::Clerk, at(next));
    let late = pay_out(
        &conn,
        &id,
        Method::Cash,
        &PaymentId::new(at(next)),
        &clerk,
        (next, at(next)),
    );
    assert!(matches!(late, Err(DisposalError::Settled)), "{late:?}");
    assert_eq!(
        overview::sales(&conn).unwrap()[0].state,
        overview::SurplusState::Expired
    );
}

#[test]
fn a_payout_after_the_claim_period_is_refused_even_before_the_pass() {
    let b = branch();
    let conn = b.db.conn().unwrap();
    let id = forfeited_ticket(&conn, &b);
    let owed = owed(&conn, &id);
    stock_and_sell(&conn, &b, &id, &sale(owed + 250_000, 0));
    let next = date(SALE) + Duration::days(366);
    let late = pay_out(
        &conn,
        &id,
        Method::Cash,
        &PaymentId::new(at(next)),
        &b.manager,
        (next, at(next)),
    );
    assert!(matches!(late, Err(DisposalError::ClaimOver(d)) if d == next - Duration::days(1)));
}

/// Every table a refusal must leave alone, counted.
fn written(conn: &Connection) -> i64 {
    count(
        conn,
        "SELECT (SELECT COUNT(*) FROM ledger) + (SELECT COUNT(*) FROM disposals) + (SELECT COUNT(*) FROM disposal_sales)
              + (SELECT COUNT(*) FROM surplus_settlements) + (SELECT COUNT(*) FROM audit_log)",
    )
}

#[test]
fn refusals_write_nothing() {
    let b = branch();
    let conn = b.db.conn().unwrap();
    let id = forfeited_ticket(&conn, &b);
    owed(&conn, &id);
    let (on, now) = when();
    let before = written(&conn);
    let refused = |r: Result<Sold, DisposalError>| r.err().map(|e| e.to_string());
    let not_in_stock = refused(sell(&conn, &id, &sale(900_000, 0), &b.manager, when(), 365));
    assert_eq!(not_in_stock, Some(DisposalError::NotInStock.to_string()));
    assert_eq!(written(&conn), before);
    move_to_stock(&conn, &id, &b.manager, on, now).unwrap();
    let before = written(&conn);
    assert!(matches!(
        move_to_stock(&conn, &id, &b.manager, on, now),
        Err(DisposalError::AlreadyInStock)
    ));
    for (s, why) in [
        (sale(0, 0), DisposalError::PriceNotPositive),
        (sale(100, -1), DisposalError::CostsInvalid),
        (sale(100, 101), DisposalError::CostsInvalid),
        (
            Sale {
                method: Method::None,
                ..sale(100, 0)
            },
            DisposalError::MethodInvalid,
        ),
    ] {
        let got = refused(sell(&conn, &id, &s, &b.manager, when(), 365));
        assert_eq!(got, Some(why.to_string()));
    }
    let payment = PaymentId::new(now);
    assert!(matches!(
        pay_out(&conn, &id, Method::Cash, &payment, &b.manager, when()),
        Err(DisposalError::NoSurplus)
    ));
    assert_eq!(written(&conn), before);
    sell(&conn, &id, &sale(900_000, 0), &b.manager, when(), 365).unwrap();
    let before = written(&conn);
    assert!(matches!(
        sell(&conn, &id, &sale(900_000, 0), &b.manager, when(), 365),
        Err(DisposalError::AlreadySold)
    ));
    assert_eq!(written(&conn), before);
}

#[test]
fn an_open_ticket_cannot_be_disposed_of() {
    let b = branch();
    let conn = b.db.conn().unwrap();
    let id = written_ticket(&conn, &b, 500_000, date("2024-11-20"));
    let before = written(&conn);
    let (on, now) = when();
    assert!(matches!(
        move_to_stock(&conn, &id, &b.manager, on, now),
        Err(DisposalError::NotForfeited)
    ));
    assert!(matches!(
        move_to_stock(&conn, &LoanId::new(now), &b.manager, on, now),
        Err(DisposalError::NotFound)
    ));
    assert_eq!(written(&conn), before);
}

#[test]
fn the_records_are_append_only() {
    let b = branch();
    let conn = b.db.conn().unwrap();
    let id = forfeited_ticket(&conn, &b);
    stock_and_sell(&conn, &b, &id, &sale(5_000_000, 0));
    for sql in [
        "UPDATE disposals SET on_date = '2020-01-01'",
        "DELETE FROM disposals",
        "UPDATE disposal_sales SET price = 1",
        "DELETE FROM disposal_sales",
    ] {
        assert!(conn.execute(sql, []).is_err(), "{sql}");
    }
}

#[test]
fn a_disposals_transactions_are_not_reversed_by_hand() {
    let b = branch();
    let conn = b.db.conn().unwrap();
    let id = forfeited_ticket(&conn, &b);
    let sold = stock_and_sell(&conn, &b, &id, &sale(5_000_000, 0));
    let payment = PaymentId::new(at(date(SALE)));
    let paid = pay_out(&conn, &id, Method::Cash, &payment, &b.manager, when()).unwrap();
    for row in [sold.ledger.unwrap(), paid.ledger] {
        let before = written(&conn);
        let (on, now) = when();
        let refused = ledger::reverse(&conn, &row, "typo", &b.manager.id, on, now);
        assert!(
            matches!(refused, Err(ledger::ReversalError::IsDisposal)),
            "{refused:?}"
        );
        assert_eq!(written(&conn), before);
    }
}

#[test]
fn v18_rebuilds_the_ledger_keeping_every_row_and_its_rules() {
    use crate::ledger::migration_tests::ledger_dump;
    use crate::plumbing::db::tests::migrate_branch_to;
    // The ledger's own fixture (single-entry rows at V13), given its postings by V14.
    let mut conn = crate::ledger::migration_tests::old_format();
    // Up to the migration before V18: receipts (V16) refer to the disbursements' rows.
    migrate_branch_to(&mut conn, Some(17));
    let before = ledger_dump(&conn);
    let receipts = |conn: &rusqlite::Connection| -> i64 {
        conn.query_row(
            "SELECT COUNT(*) FROM receipts WHERE disbursement_id IS NOT NULL",
            [],
            |r| r.get(0),
        )
        .unwrap()
    };
    let disbursement_receipts = receipts(&conn);
    assert!(
        disbursement_receipts > 0,
        "the fixture has receipts on the ledger"
    );
    migrate_branch_to(&mut conn, None);
    assert_eq!(ledger_dump(&conn), before, "every row kept as it was");
    assert_eq!(
        receipts(&conn),
        disbursement_receipts,
        "the receipts still point at them"
    );
    let problems: i64 = conn
        .query_row("SELECT COUNT(*) FROM pragma_foreign_key_check", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(problems, 0);
    crate::ledger::migration_tests::assert_append_only(&conn);
    conn.execute_batch(
        "INSERT INTO ledger (id, loan_id, customer_id, kind, amount, method, on_date, at)
             VALUES ('R9', 'L1', 'C1', 'surplus_expiry', 5, 'none', '2027-01-01', '2027-01-01T00:00:00Z');
         INSERT INTO ledger_postings (id, transaction_id, line, account, loan_id, side, amount)
             VALUES ('R9:1', 'R9', 1, 'unclaimed_surplus_income', 'L1', 'credit', 5);",
    )
    .unwrap();
}
