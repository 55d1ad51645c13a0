//! Receipt numbers (gapless across payments in several transactions, untouched by a payment
//! that rolls back), receipts kept by a reversal, the payout's receipt, the copy rule, and V16
//! numbering the movements there were in time order.

#![allow(clippy::unwrap_used)]

use chrono::{DateTime, Duration, NaiveDate, Utc};
use rusqlite::Connection;

use super::*;
use crate::loans::ops::{self, Purpose};
use crate::plumbing::db::{self, tests::migrate_branch_to};

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 1, 10).unwrap()
}

fn at(n: i64) -> DateTime<Utc> {
    day().and_hms_opt(2, 0, 0).unwrap().and_utc() + Duration::seconds(n)
}

/// A database with a customer, the gold product and a clerk.
struct Branch {
    _dir: tempfile::TempDir,
    db: db::Db,
    customer: CustomerId,
    gold: crate::plumbing::ids::ProductId,
    clerk: StaffId,
}

fn branch() -> Branch {
    let (dir, db) = db::tests::test_db();
    let conn = db.conn().unwrap();
    let (customer, gold) = ops::tests::customer_and_gold(&conn, "Siti Aminah", at(0));
    let clerk = ops::tests::staff_member(&conn, crate::roles::Role::Clerk, at(0)).id;
    drop(conn);
    Branch {
        _dir: dir,
        db,
        customer,
        gold,
        clerk,
    }
}

/// A ticket of Rp 900,000 written and paid out; returns it and the payout's receipt.
fn paid_out(conn: &Connection, b: &Branch) -> (LoanId, ReceiptId) {
    ops::tests::paid_out(conn, &b.customer, &b.gold, &b.clerk, 900_000, day(), at(1))
}

/// A cash payment of `amount` for `purpose` on the ticket.
fn pay(
    conn: &Connection,
    b: &Branch,
    loan: &LoanId,
    amount: i64,
    purpose: Purpose,
    now: DateTime<Utc>,
) -> Result<ops::Receipt, ops::PaymentError> {
    ops::tests::pay_cash(conn, loan, &b.clerk, amount, purpose, day(), now)
}

/// Every receipt number, in the order issued.
fn numbers(conn: &Connection) -> Vec<(i32, i64)> {
    conn.prepare("SELECT year, seq FROM receipts ORDER BY issued_at, seq")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[test]
fn numbers_run_without_gaps_across_transactions_and_a_rollback_takes_none() {
    let b = branch();
    let mut conn = b.db.conn().unwrap();
    let (loan, payout) = paid_out(&conn, &b);
    // Three payments, each in its own write transaction; one more that rolls back between.
    for (n, amount) in [(10, 50_000), (20, 60_000)] {
        let tx = db::immediate(&mut conn).unwrap();
        pay(&tx, &b, &loan, amount, Purpose::Partial, at(n)).unwrap();
        tx.commit().unwrap();
    }
    {
        let tx = db::immediate(&mut conn).unwrap();
        let taken = pay(&tx, &b, &loan, 70_000, Purpose::Partial, at(30)).unwrap();
        assert_eq!(taken.number.seq, 4, "it had the next number");
        // Dropped: rolled back, with its ledger rows and its receipt.
    }
    // A refused payment writes nothing either.
    assert!(pay(&conn, &b, &loan, 10_000_000, Purpose::Partial, at(35)).is_err());
    let tx = db::immediate(&mut conn).unwrap();
    let last = pay(&tx, &b, &loan, 80_000, Purpose::Partial, at(40)).unwrap();
    tx.commit().unwrap();
    assert_eq!(
        numbers(&conn),
        vec![(2026, 1), (2026, 2), (2026, 3), (2026, 4)],
        "1 to 4 without a gap: the rolled-back payment's number went to the next one"
    );
    assert_eq!(last.number.display("JKT1"), "JKT1-R-2026-000004");
    // The payout's receipt is the first: what was paid out, to whom, by whom, due when.
    let r = read(&conn, &payout).unwrap().unwrap();
    assert_eq!(r.kind, Kind::Disbursement);
    assert_eq!(r.number, Number { year: 2026, seq: 1 });
    assert_eq!(r.part(EntryKind::Disbursement), 900_000);
    assert_eq!(r.total(), 900_000);
    assert_eq!(r.customer_name, "Siti Aminah");
    assert_eq!(r.cashier.as_deref(), Some("Test clerk"));
    assert_eq!(r.method, Method::Cash);
    assert!(r.due_after.is_some());
}

#[test]
fn each_kind_of_payment_says_what_it_did() {
    let b = branch();
    let conn = b.db.conn().unwrap();
    let (loan, _) = paid_out(&conn, &b);
    let owed = ops::owed_on(&conn, &ops::load(&conn, &loan).unwrap().unwrap(), day()).unwrap();
    let periods = ops::load(&conn, &loan).unwrap().unwrap().terms.term_periods;
    let extension = pay(
        &conn,
        &b,
        &loan,
        owed.interest + owed.fees,
        Purpose::Extension { periods },
        at(10),
    )
    .unwrap();
    let r = read(&conn, &extension.receipt).unwrap().unwrap();
    assert_eq!(r.kind, Kind::Extension);
    assert_eq!(r.due_after, Some(extension.maturity), "the new due date");
    assert_eq!(
        (
            r.part(EntryKind::Interest),
            r.part(EntryKind::Fee),
            r.part(EntryKind::Principal)
        ),
        (10_350, 5_000, 0)
    );
    assert!(
        r.parts.iter().all(|p| p.amount > 0),
        "no part of zero is listed"
    );
    assert_eq!((r.method, r.reference.as_str()), (Method::Cash, ""));
    let payoff = ops::owed_on(&conn, &ops::load(&conn, &loan).unwrap().unwrap(), day())
        .unwrap()
        .payoff();
    let redemption = pay(
        &conn,
        &b,
        &loan,
        payoff,
        Purpose::Redemption { released: true },
        at(20),
    )
    .unwrap();
    let r = read(&conn, &redemption.receipt).unwrap().unwrap();
    assert_eq!(r.kind, Kind::Redemption);
    assert_eq!(r.due_after, None, "redeemed: no due date");
    assert_eq!(r.part(EntryKind::Principal), 900_000);
    assert_eq!(r.principal_after, 0);
}

#[test]
fn the_first_showing_is_the_original_and_every_later_one_a_copy() {
    let b = branch();
    let conn = b.db.conn().unwrap();
    let (_, payout) = paid_out(&conn, &b);
    assert!(!show(&conn, &payout).unwrap().unwrap().is_copy());
    let second = show(&conn, &payout).unwrap().unwrap();
    assert!(second.is_copy());
    assert_eq!(second.views, 2);
    assert!(
        read(&conn, &payout).unwrap().unwrap().is_copy(),
        "reading counts nothing"
    );
    assert_eq!(read(&conn, &payout).unwrap().unwrap().views, 2);
    assert!(show(&conn, &ReceiptId::new(at(0))).unwrap().is_none());
}

#[test]
fn a_reversal_keeps_the_receipt_and_marks_it_reversed() {
    let b = branch();
    let conn = b.db.conn().unwrap();
    let (loan, _) = paid_out(&conn, &b);
    let taken = pay(&conn, &b, &loan, 100_000, Purpose::Partial, at(10)).unwrap();
    let row: LedgerId = conn
        .query_row(
            "SELECT id FROM ledger WHERE payment_id = ?1 AND kind = 'principal'",
            [&taken.payment],
            |r| r.get(0),
        )
        .unwrap();
    ledger::reverse(&conn, &row, "wrong ticket", &b.clerk, day(), at(20)).unwrap();
    let r = read(&conn, &taken.receipt).unwrap().unwrap();
    assert!(r.reversed(), "marked reversed");
    assert_eq!(r.number, taken.number, "same number");
    // The next payment takes the next number: the reversed one's is not reused.
    let next = pay(&conn, &b, &loan, 10_000, Purpose::Partial, at(30)).unwrap();
    assert_eq!(next.number.seq, taken.number.seq + 1);
    // Nothing deletes a receipt or changes its number.
    assert!(
        conn.execute("DELETE FROM receipts WHERE id = ?1", [&taken.receipt])
            .is_err()
    );
    assert!(
        conn.execute(
            "UPDATE receipts SET seq = 99 WHERE id = ?1",
            [&taken.receipt]
        )
        .is_err()
    );
}

/// A receipt V16 wrote: id, year, sequence, kind, cashier, due date after, principal after.
type MigratedRow = (
    String,
    i32,
    i64,
    String,
    Option<String>,
    Option<String>,
    i64,
);

#[test]
fn v16_numbers_the_movements_there_were_in_time_order() {
    let mut conn = Connection::open_in_memory().unwrap();
    conn.execute_batch("PRAGMA foreign_keys = ON;").unwrap();
    migrate_branch_to(&mut conn, Some(15));
    // Two tickets; their movements interleave in time; P2 extended L1; P4 redeemed L2; L3 was
    // imported (bookkeeping rows only).
    conn.execute_batch(
        "INSERT INTO staff (id, username, full_name, role, password_hash, created_at, updated_at)
             VALUES ('S1', 'kasir', 'Kasir Kartika', 'clerk', '', '2025-01-01T00:00:00Z', '2025-01-01T00:00:00Z');
         INSERT INTO customers (id, full_name, phone, created_at, updated_at)
             VALUES ('C1', 'Siti', '+6281234567890', '2025-01-01T00:00:00Z', '2025-01-01T00:00:00Z');
         INSERT INTO loans (id, ticket_no, customer_id, state, principal, item_description, started_on, matures_on,
                            created_at, updated_at) VALUES
             ('L1', 'JKT1-2025-000001', 'C1', 'active', 900000, 'Ring', '2025-12-20', '2026-06-20', '2025-12-20T00:00:00Z', '2025-12-20T00:00:00Z'),
             ('L2', 'JKT1-2025-000002', 'C1', 'redeemed', 500000, 'Chain', '2025-12-21', '2026-04-20', '2025-12-21T00:00:00Z', '2025-12-21T00:00:00Z'),
             ('L3', 'OLD-77', 'C1', 'active', 300000, 'Phone', '2025-06-01', '2026-03-01', '2025-12-01T00:00:00Z', '2025-12-01T00:00:00Z');
         INSERT INTO loan_events (id, loan_id, at, kind, from_value, to_value, staff_id, payment_id)
             VALUES ('E1', 'L1', '2026-01-05T02:00:00Z', 'extension', '2026-04-19', '2026-06-20', 'S1', 'P2');
         INSERT INTO ledger (id, loan_id, customer_id, kind, amount, method, reference, payment_id, staff_id, on_date, at) VALUES
             ('D3', 'L3', 'C1', 'disbursement', 300000, 'cash', 'imported', NULL, NULL, '2025-06-01', '2025-12-01T00:00:00Z'),
             ('X3', 'L3', 'C1', 'principal', 50000, 'cash', 'imported: paid before', 'P0', NULL, '2025-06-01', '2025-12-01T00:00:01Z'),
             ('D1', 'L1', 'C1', 'disbursement', 900000, 'cash', '', NULL, 'S1', '2025-12-20', '2025-12-20T02:00:00Z'),
             ('D2', 'L2', 'C1', 'disbursement', 500000, 'cash', '', NULL, 'S1', '2025-12-21', '2025-12-21T02:00:00Z'),
             ('I1', 'L1', 'C1', 'interest', 10350, 'cash', '', 'P1', 'S1', '2025-12-30', '2025-12-30T02:00:00Z'),
             ('Q1', 'L1', 'C1', 'principal', 100000, 'cash', '', 'P1', 'S1', '2025-12-30', '2025-12-30T02:00:00Z'),
             ('I2', 'L1', 'C1', 'interest', 10350, 'bank_transfer', 'BCA-9', 'P2', NULL, '2026-01-05', '2026-01-05T02:00:00Z'),
             ('F2', 'L1', 'C1', 'fee', 5000, 'bank_transfer', 'BCA-9', 'P2', NULL, '2026-01-05', '2026-01-05T02:00:00Z'),
             ('Q4', 'L2', 'C1', 'principal', 500000, 'cash', '', 'P4', 'S1', '2026-01-07', '2026-01-07T02:00:00Z'),
             ('I4', 'L2', 'C1', 'interest', 5750, 'cash', '', 'P4', 'S1', '2026-01-07', '2026-01-07T02:00:00Z');",
    )
    .unwrap();
    migrate_branch_to(&mut conn, None);
    let rows: Vec<MigratedRow> = conn
        .prepare(
            "SELECT id, year, seq, kind, staff_id, due_after, principal_after FROM receipts ORDER BY year, seq",
        )
        .unwrap()
        .query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?))
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let s = |v: &str| v.to_owned();
    let some = |v: &str| Some(v.to_owned());
    assert_eq!(
        rows,
        vec![
            (
                s("D1"),
                2025,
                1,
                s("disbursement"),
                some("S1"),
                some("2026-04-19"),
                900_000
            ),
            (
                s("D2"),
                2025,
                2,
                s("disbursement"),
                some("S1"),
                some("2026-04-20"),
                500_000
            ),
            (
                s("P1"),
                2025,
                3,
                s("payment"),
                some("S1"),
                some("2026-04-19"),
                800_000
            ),
            (
                s("P2"),
                2026,
                1,
                s("extension"),
                None,
                some("2026-06-20"),
                800_000
            ),
            (s("P4"), 2026, 2, s("redemption"), some("S1"), None, 0),
        ],
        "in time order within each business year; the imported ticket's rows have none"
    );
    // They were shown when taken, so a reprint is a copy.
    let views: i64 = conn
        .query_row("SELECT MIN(views) FROM receipts", [], |r| r.get(0))
        .unwrap();
    assert_eq!(views, 1);
}
