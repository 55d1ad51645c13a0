//! V14 over a ledger in the single-entry format: every row is kept and traceable, each gets
//! balanced postings, and the sums agree.

#![allow(clippy::unwrap_used)]

use rusqlite::Connection;

use super::postings;
use crate::plumbing::db::tests::migrate_branch_to;

/// A database at V13 with a customer, a ticket and ledger rows of every kind.
pub(crate) fn old_format() -> Connection {
    let mut conn = Connection::open_in_memory().unwrap();
    conn.execute_batch("PRAGMA foreign_keys = ON;").unwrap();
    migrate_branch_to(&mut conn, Some(13));
    conn.execute_batch(
        "INSERT INTO customers (id, full_name, phone, created_at, updated_at)
             VALUES ('C1', 'Siti', '+6281234567890', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z');
         INSERT INTO loans (id, ticket_no, customer_id, state, principal, item_description, started_on, matures_on,
                            created_at, updated_at)
             VALUES ('L1', 'JKT1-2026-000001', 'C1', 'active', 900000, 'Ring', '2026-01-10', '2026-05-10',
                     '2026-01-10T00:00:00Z', '2026-01-10T00:00:00Z');
         INSERT INTO ledger (id, loan_id, customer_id, kind, amount, method, reference, payment_id, reverses, note, on_date, at) VALUES
             ('R1', 'L1', 'C1', 'disbursement', 900000, 'cash', '', NULL, NULL, '', '2026-01-10', '2026-01-10T01:00:00Z'),
             ('R2', 'L1', 'C1', 'interest', 10350, 'bank_transfer', 'BNI-1', 'P1', NULL, '', '2026-01-10', '2026-01-10T02:00:00Z'),
             ('R3', 'L1', 'C1', 'fee', 5000, 'bank_transfer', 'BNI-1', 'P1', NULL, '', '2026-01-10', '2026-01-10T02:00:00Z'),
             ('R4', 'L1', 'C1', 'principal', 100000, 'mobile_money', 'OVO-7', 'P2', NULL, '', '2026-01-30', '2026-01-30T02:00:00Z'),
             ('R5', 'L1', 'C1', 'reversal', 100000, 'none', '', NULL, 'R4', 'wrong ticket', '2026-01-31', '2026-01-31T02:00:00Z'),
             ('R6', 'L1', 'C1', 'principal', 50000, 'cash', '', 'P3', NULL, '', '2026-02-01', '2026-02-01T02:00:00Z');",
    )
    .unwrap();
    conn
}

/// Every ledger row: id, kind, amount, method.
fn rows(conn: &Connection) -> Vec<(String, String, i64, String)> {
    conn.prepare("SELECT id, kind, amount, method FROM ledger ORDER BY id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// Every column of both ledger tables, in order.
pub(crate) fn ledger_dump(conn: &Connection) -> Vec<String> {
    let mut out = Vec::new();
    for sql in [
        "SELECT json_array(id, loan_id, customer_id, kind, amount, method, reference, payment_id, reverses, note,
                           staff_id, on_date, at) FROM ledger ORDER BY rowid",
        "SELECT json_array(id, transaction_id, line, account, loan_id, side, amount) FROM ledger_postings ORDER BY rowid",
    ] {
        let rows: Vec<String> = conn
            .prepare(sql)
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        out.extend(rows);
    }
    out
}

/// Asserts that both ledger tables refuse updates and deletes.
pub(crate) fn assert_append_only(conn: &Connection) {
    for sql in [
        "UPDATE ledger SET amount = 1",
        "DELETE FROM ledger",
        "UPDATE ledger_postings SET amount = 1",
        "DELETE FROM ledger_postings",
    ] {
        assert!(conn.execute(sql, []).is_err(), "still append-only: {sql}");
    }
}

/// A sum over the ledger.
fn sum(conn: &Connection, sql: &str) -> i64 {
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

#[test]
fn every_old_row_becomes_a_balanced_transaction() {
    let mut conn = old_format();
    let before = rows(&conn);
    migrate_branch_to(&mut conn, None);
    let after = rows(&conn);
    assert_eq!(before, after, "every row kept, under its own id");
    assert!(postings::unbalanced(&conn).unwrap().is_empty());
    assert_eq!(
        sum(&conn, "SELECT COUNT(*) FROM ledger_postings"),
        2 * 6,
        "two postings a row"
    );
    // The principal receivable is what was lent less what was repaid (the reversed
    // repayment restored): 900,000 - 50,000.
    let principal =
        "SELECT SUM(CASE side WHEN 'debit' THEN amount ELSE -amount END) FROM ledger_postings
                     WHERE loan_id = 'L1' AND account = 'principal_receivable'";
    assert_eq!(sum(&conn, principal), 850_000);
    // Cash, bank and mobile money moved as the rows say; mobile money is back to zero.
    let account = |a: &str| {
        sum(
            &conn,
            &format!(
                "SELECT COALESCE(SUM(CASE side WHEN 'debit' THEN amount ELSE -amount END), 0) FROM ledger_postings WHERE account = '{a}'"
            ),
        )
    };
    assert_eq!(account("cash_drawer"), -900_000 + 50_000);
    assert_eq!(account("bank_clearing"), 15_350);
    assert_eq!(account("mobile_money_clearing"), 0);
    assert_eq!(account("interest_receivable"), -10_350);
    assert_eq!(account("fees_receivable"), -5_000);
    // Debits equal credits over the whole ledger, and each posting names its row.
    assert_eq!(
        sum(
            &conn,
            "SELECT SUM(CASE side WHEN 'debit' THEN amount ELSE -amount END) FROM ledger_postings"
        ),
        0
    );
    assert_eq!(
        sum(
            &conn,
            "SELECT COUNT(*) FROM ledger_postings p LEFT JOIN ledger l ON l.id = p.transaction_id WHERE l.id IS NULL"
        ),
        0
    );
    // Still append-only.
    assert!(
        conn.execute("DELETE FROM ledger WHERE id = 'R6'", [])
            .is_err()
    );
    assert!(
        conn.execute(
            "UPDATE ledger_postings SET amount = 1 WHERE transaction_id = 'R6'",
            []
        )
        .is_err()
    );
}
