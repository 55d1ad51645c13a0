//! The pawned items of a ticket, as the ticket keeps them: the printed ticket lists them for
//! the customer to sign, and the ticket page at the counter lists them so staff can check each
//! one against what they hand back at redemption.

use rusqlite::Connection;

use super::ops::Item;
use crate::plumbing::ids::LoanId;

/// The items of a ticket, in the order they were written on it.
pub(crate) fn of_ticket(conn: &Connection, loan: &LoanId) -> rusqlite::Result<Vec<Item>> {
    conn.prepare_cached(
        "SELECT category, description, marks, weight_mg, karat, appraised
         FROM loan_items WHERE loan_id = ?1 ORDER BY rowid",
    )?
    .query_map([loan], |r| {
        Ok(Item {
            category: r.get(0)?,
            description: r.get(1)?,
            marks: r.get(2)?,
            weight_mg: r.get(3)?,
            karat: r.get(4)?,
            appraised: r.get(5)?,
        })
    })?
    .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use chrono::{DateTime, NaiveDate};

    use super::*;
    use crate::audit::Actor;

    #[test]
    fn a_tickets_items_come_back_whole_and_in_order() {
        let (_dir, db) = crate::plumbing::db::tests::test_db();
        let conn = db.conn().unwrap();
        let now = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let (customer, product) = crate::loans::ops::tests::customer_and_gold(&conn, "Siti", now);
        let item = |description: &str, weight_mg, karat: Option<i64>, appraised| Item {
            category: if karat.is_some() { "gold" } else { "phone" }.into(),
            description: description.into(),
            marks: format!("marks of {description}"),
            weight_mg,
            karat,
            appraised,
        };
        // Ordered by when they were written, not by their random ids or their values.
        let written = [
            item("Necklace", Some(12_500), Some(22), 600_000),
            item("Phone", None, None, 900_000),
            item("Ring", Some(3_200), Some(18), 100_000),
        ];
        let day = NaiveDate::from_ymd_opt(2026, 1, 10).unwrap();
        let loan = crate::loans::ops::originate(
            &conn,
            &Actor::System,
            "JKT1",
            &customer,
            &product,
            &written,
            500_000,
            day,
            now,
        )
        .unwrap();
        let read = of_ticket(&conn, &loan).unwrap();
        // Every field as written (`Item` has no `PartialEq`: its debug form says it all).
        assert_eq!(format!("{read:?}"), format!("{written:?}"));
        assert_eq!(read[1].category, "phone");
    }
}
