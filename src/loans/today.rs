//! A manager's "today" figures about tickets: due today and this week, overdue by age, and
//! forfeits coming up. One function per figure, each one query, so the dashboard shows counts
//! the database made (and a test can check each against its own count).

use chrono::{Duration, NaiveDate};
use rusqlite::Connection;

/// The states of a ticket still owed (not redeemed, forfeited, cancelled or being written).
const OPEN: &str = "('active', 'due', 'grace', 'notice')";

/// Open tickets maturing from `from` to `to`, both included.
pub(crate) fn due_between(
    conn: &Connection,
    from: NaiveDate,
    to: NaiveDate,
) -> rusqlite::Result<u64> {
    conn.query_row(
        &format!(
            "SELECT COUNT(*) FROM loans WHERE state IN {OPEN} AND matures_on BETWEEN ?1 AND ?2"
        ),
        (from, to),
        |r| r.get(0),
    )
}

/// Open tickets maturing today.
pub(crate) fn due_today(conn: &Connection, today: NaiveDate) -> rusqlite::Result<u64> {
    due_between(conn, today, today)
}

/// Open tickets maturing today or in the six days after (this week, seen from today).
pub(crate) fn due_this_week(conn: &Connection, today: NaiveDate) -> rusqlite::Result<u64> {
    due_between(conn, today, today + Duration::days(6))
}

/// Open tickets past their maturity, by how many days: 1 to 7, 8 to 30, 31 and more.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct OverdueAges {
    pub(crate) up_to_a_week: u64,
    pub(crate) up_to_a_month: u64,
    pub(crate) longer: u64,
}

/// The open tickets overdue on `today`, by age.
pub(crate) fn overdue_by_age(conn: &Connection, today: NaiveDate) -> rusqlite::Result<OverdueAges> {
    let week = today - Duration::days(7);
    let month = today - Duration::days(30);
    conn.query_row(
        &format!(
            "SELECT COUNT(*) FILTER (WHERE matures_on >= ?2),
                    COUNT(*) FILTER (WHERE matures_on < ?2 AND matures_on >= ?3),
                    COUNT(*) FILTER (WHERE matures_on < ?3)
             FROM loans WHERE state IN {OPEN} AND matures_on < ?1"
        ),
        (today, week, month),
        |r| {
            Ok(OverdueAges {
                up_to_a_week: r.get(0)?,
                up_to_a_month: r.get(1)?,
                longer: r.get(2)?,
            })
        },
    )
}

/// Tickets whose forfeit notice has been sent: they forfeit next unless paid.
pub(crate) fn forfeits_coming(conn: &Connection) -> rusqlite::Result<u64> {
    conn.query_row(
        "SELECT COUNT(*) FROM loans WHERE state = 'notice'",
        [],
        |r| r.get(0),
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// A generated ticket: its state and its maturity.
    struct Generated {
        state: &'static str,
        matures_on: NaiveDate,
    }

    const STATES: [&str; 7] = [
        "active",
        "due",
        "grace",
        "notice",
        "forfeited",
        "redeemed",
        "cancelled",
    ];

    /// A branch of `n` tickets with states and maturities from a fixed pseudo-random sequence
    /// (maturities from 60 days before `today` to 20 days after), written to the database.
    fn branch(conn: &Connection, today: NaiveDate, n: u64) -> Vec<Generated> {
        conn.execute(
            "INSERT INTO customers (id, full_name, phone, created_at, updated_at)
             VALUES ('C1', 'Siti', '+6281234567890', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')",
            [],
        )
        .unwrap();
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = move |below: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed >> 32) % below
        };
        (0..n)
            .map(|i| {
                let state = STATES[usize::try_from(next(7)).unwrap()];
                let matures_on = today + Duration::days(i64::try_from(next(81)).unwrap() - 60);
                conn.execute(
                    "INSERT INTO loans (id, ticket_no, customer_id, state, principal, item_description,
                                        started_on, matures_on, created_at, updated_at)
                     VALUES (?1, ?2, 'C1', ?3, 100000, 'Ring', '2026-01-01', ?4,
                             '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')",
                    (format!("L{i}"), format!("B-2026-{i:06}"), state, matures_on),
                )
                .unwrap();
                Generated { state, matures_on }
            })
            .collect()
    }

    /// The generated tickets still owed, with their days past maturity (negative: not yet).
    fn open_ages(tickets: &[Generated], today: NaiveDate) -> Vec<i64> {
        tickets
            .iter()
            .filter(|t| ["active", "due", "grace", "notice"].contains(&t.state))
            .map(|t| (today - t.matures_on).num_days())
            .collect()
    }

    #[test]
    fn each_figure_matches_a_count_of_the_generated_branch() {
        let (_dir, db) = crate::plumbing::db::tests::test_db();
        let conn = db.conn().unwrap();
        let today = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        let tickets = branch(&conn, today, 600);
        let ages = open_ages(&tickets, today);
        let count = |f: &dyn Fn(i64) -> bool| ages.iter().filter(|a| f(**a)).count() as u64;

        assert_eq!(due_today(&conn, today).unwrap(), count(&|a| a == 0));
        assert_eq!(
            due_this_week(&conn, today).unwrap(),
            count(&|a| (-6..=0).contains(&a))
        );
        let expected = OverdueAges {
            up_to_a_week: count(&|a| (1..=7).contains(&a)),
            up_to_a_month: count(&|a| (8..=30).contains(&a)),
            longer: count(&|a| a >= 31),
        };
        assert_eq!(overdue_by_age(&conn, today).unwrap(), expected);
        let notices = tickets.iter().filter(|t| t.state == "notice").count() as u64;
        assert_eq!(forfeits_coming(&conn).unwrap(), notices);
        // The generated branch has tickets in every band, so no figure passes by being zero.
        assert!(expected.up_to_a_week > 0 && expected.up_to_a_month > 0 && expected.longer > 0);
        assert!(count(&|a| a == 0) > 0, "tickets due today");
        assert!(notices > 0, "tickets with a notice");
    }
}
