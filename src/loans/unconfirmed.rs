//! Payments waiting for confirmation: a customer who made a payment code has said they will pay
//! (or have paid) by bank transfer or mobile money. A code still unpaid and not cancelled
//! `[payments] unconfirmed_alert_hours` after it was made (2 hours, seed 003 C.5) is listed on
//! the staff dashboard, oldest first, so staff check the statement and tell the manager.

use chrono::{DateTime, Utc};
use rusqlite::Connection;

use crate::plumbing::ids::LoanId;

/// How many codes the card lists; it counts the rest.
pub(crate) const LISTED: usize = 20;

/// A payment code still waiting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Waiting {
    pub(crate) code: String,
    pub(crate) loan: LoanId,
    pub(crate) ticket_no: String,
    pub(crate) amount: i64,
    pub(crate) created_at: DateTime<Utc>,
}

/// Payment codes made at or before `made_before`, neither paid nor cancelled, oldest first.
pub(crate) fn waiting(
    conn: &Connection,
    made_before: DateTime<Utc>,
) -> rusqlite::Result<Vec<Waiting>> {
    conn.prepare_cached(
        "SELECT p.code, p.loan_id, l.ticket_no, p.amount, p.created_at
         FROM payment_codes p JOIN loans l ON l.id = p.loan_id
         WHERE p.paid_at IS NULL AND p.cancelled_at IS NULL AND p.created_at <= ?1
         ORDER BY p.created_at, p.code",
    )?
    .query_map([made_before], |r| {
        Ok(Waiting {
            code: r.get(0)?,
            loan: r.get(1)?,
            ticket_no: r.get(2)?,
            amount: r.get(3)?,
            created_at: r.get(4)?,
        })
    })?
    .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use chrono::Duration;
    use rusqlite::params;

    #[test]
    fn only_unpaid_uncancelled_codes_older_than_the_limit() {
        let (_dir, db) = crate::plumbing::db::tests::test_db();
        let conn = db.conn().unwrap();
        let now = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        conn.execute(
            "INSERT INTO customers (id, full_name, phone, created_at, updated_at) VALUES ('C1', 'Siti', '+6281234567890', ?1, ?1)",
            [now],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO loans (id, ticket_no, customer_id, state, principal, item_description, started_on, matures_on,
                                created_at, updated_at)
             VALUES ('L1', 'B-2026-000001', 'C1', 'active', 500000, 'Ring', '2026-01-10', '2026-05-10', ?1, ?1)",
            [now],
        )
        .unwrap();
        let code = |code: &str, hours_ago: i64, paid: bool, cancelled: bool| {
            let made = now - Duration::hours(hours_ago);
            conn.execute(
                "INSERT INTO payment_codes (code, loan_id, purpose, amount, created_at, expires_at, paid_at, cancelled_at)
                 VALUES (?1, 'L1', 'payment', 15350, ?2, ?3, ?4, ?5)",
                params![code, made, made + Duration::hours(24), paid.then_some(now), cancelled.then_some(now)],
            )
            .unwrap();
        };
        code("OLD1", 3, false, false);
        code("OLD0", 5, false, false);
        code("YOUNG", 1, false, false);
        code("PAID", 3, true, false);
        code("GONE", 3, false, true);
        let found: Vec<String> = waiting(&conn, now - Duration::hours(2))
            .unwrap()
            .into_iter()
            .map(|w| w.code)
            .collect();
        assert_eq!(found, ["OLD0", "OLD1"], "oldest first");
        let first = &waiting(&conn, now - Duration::hours(2)).unwrap()[0];
        assert_eq!(
            (first.ticket_no.as_str(), first.amount, first.loan.as_str()),
            ("B-2026-000001", 15350, "L1")
        );
    }
}
