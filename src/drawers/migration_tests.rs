//! V23 over a ledger of every earlier kind: the tables are widened where they are, not
//! rebuilt (a branch with millions of postings starts in moments), every row stays as it was
//! (ids, columns, the receipts pointing at them), the tables stay append-only, and the new
//! rules hold (a drawer's transaction has no ticket, every other kind has one; only a cash
//! posting names a drawer).

#![allow(clippy::unwrap_used)]

use crate::ledger::migration_tests::ledger_dump;
use crate::plumbing::db::tests::migrate_branch_to;

#[test]
fn v23_widens_the_ledger_in_place_keeping_every_row_and_its_rules() {
    let mut conn = crate::ledger::migration_tests::old_format();
    migrate_branch_to(&mut conn, Some(22));
    conn.execute_batch(
        "INSERT INTO staff (id, username, full_name, role, password_hash, created_at, updated_at)
             VALUES ('S1', 'kartika', 'Kartika', 'clerk', '', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z');
         INSERT INTO ledger (id, loan_id, customer_id, kind, amount, method, staff_id, on_date, at)
             VALUES ('R8', 'L1', 'C1', 'surplus_expiry', 7, 'none', 'S1', '2026-06-01', '2026-06-01T00:00:00Z');
         INSERT INTO ledger_postings (id, transaction_id, line, account, loan_id, side, amount) VALUES
             ('R8:1', 'R8', 1, 'surplus_owed', 'L1', 'debit', 7),
             ('R8:2', 'R8', 2, 'unclaimed_surplus_income', 'L1', 'credit', 7);",
    )
    .unwrap();
    let before = ledger_dump(&conn);
    let count = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
    let receipts = count("SELECT COUNT(*) FROM receipts WHERE disbursement_id IS NOT NULL");
    assert!(receipts > 0, "the fixture has receipts on the ledger");
    assert_eq!(
        before.len(),
        7 + 14,
        "seven transactions, fourteen postings"
    );
    // A table that is dropped and made again takes its triggers with it, a temporary one too.
    conn.execute_batch(
        "CREATE TEMP TRIGGER ledger_watch AFTER INSERT ON main.ledger BEGIN SELECT 1; END;
         CREATE TEMP TRIGGER ledger_postings_watch AFTER INSERT ON main.ledger_postings BEGIN SELECT 1; END;",
    )
    .unwrap();
    migrate_branch_to(&mut conn, None);
    let count = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
    assert_eq!(
        count(
            "SELECT COUNT(*) FROM sqlite_temp_master WHERE type = 'trigger' AND name LIKE '%_watch'"
        ),
        2,
        "the ledger's tables are the same tables: widened, not copied into new ones"
    );
    assert!(
        crate::plumbing::db::integrity_problems(&conn)
            .unwrap()
            .is_empty()
    );
    assert_eq!(ledger_dump(&conn), before, "every row kept as it was");
    assert_eq!(
        count("SELECT COUNT(*) FROM receipts WHERE disbursement_id IS NOT NULL"),
        receipts
    );
    assert_eq!(count("SELECT COUNT(*) FROM pragma_foreign_key_check"), 0);
    assert_eq!(
        count("SELECT COUNT(*) FROM ledger_postings WHERE drawer_id IS NOT NULL"),
        0,
        "old cash has no drawer"
    );
    crate::ledger::migration_tests::assert_append_only(&conn);
    conn.execute_batch(
        "INSERT INTO cash_drawers (id, staff_id, opened_on, opened_at, float)
             VALUES ('D1', 'S1', '2026-06-02', '2026-06-02T01:00:00Z', 100);
         INSERT INTO ledger (id, kind, amount, method, staff_id, on_date, at)
             VALUES ('R9', 'drawer_float', 100, 'cash', 'S1', '2026-06-02', '2026-06-02T01:00:00Z');
         INSERT INTO ledger_postings (id, transaction_id, line, account, side, amount, drawer_id) VALUES
             ('R9:1', 'R9', 1, 'cash_drawer', 'debit', 100, 'D1'),
             ('R9:2', 'R9', 2, 'safe', 'credit', 100, NULL);",
    )
    .unwrap();
    for refused in [
        // A ticket's kind needs its ticket.
        "INSERT INTO ledger (id, kind, amount, method, on_date, at) VALUES ('X1', 'principal', 5, 'cash', '2026-06-02', '2026-06-02T02:00:00Z')",
        // A drawer's kind has none.
        "INSERT INTO ledger (id, loan_id, customer_id, kind, amount, method, on_date, at) VALUES ('X2', 'L1', 'C1', 'drawer_count', 5, 'cash', '2026-06-02', '2026-06-02T02:00:00Z')",
        // Only cash postings name a drawer.
        "INSERT INTO ledger_postings (id, transaction_id, line, account, side, amount, drawer_id) VALUES ('R9:3', 'R9', 3, 'safe', 'debit', 1, 'D1')",
        // One open drawer per clerk.
        "INSERT INTO cash_drawers (id, staff_id, opened_on, opened_at, float) VALUES ('D2', 'S1', '2026-06-02', '2026-06-02T03:00:00Z', 0)",
    ] {
        assert!(conn.execute(refused, []).is_err(), "refused: {refused}");
    }
}
