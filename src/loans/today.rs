//! A manager's "today" figures about tickets: due today and this week, overdue by age, and
//! forfeits coming up. One function per figure, each one query, so the dashboard shows counts
//! the database made (and a test can check each against its own count); the tickets behind
//! the due and forfeit figures are listed by [`list`] with the same filter as their count.

use chrono::{Duration, NaiveDate};
use rusqlite::{Connection, params_from_iter};

use crate::plumbing::ids::{CustomerId, LoanId};

/// The states of a ticket still owed (not redeemed, forfeited, cancelled or being written).
const OPEN: &str = "('active', 'due', 'grace', 'notice')";

/// The tickets a "today" figure counts, which its list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Due {
    /// Open tickets maturing today.
    Today,
    /// Open tickets maturing today or in the six days after (this week, seen from today).
    ThisWeek,
    /// Tickets whose forfeit notice has been sent: they forfeit next unless paid.
    ForfeitsComing,
}

impl Due {
    pub(crate) const ALL: [Due; 3] = [Due::Today, Due::ThisWeek, Due::ForfeitsComing];

    /// Its name in a list's address.
    pub(crate) fn key(self) -> &'static str {
        match self {
            Due::Today => "today",
            Due::ThisWeek => "week",
            Due::ForfeitsComing => "notice",
        }
    }

    pub(crate) fn from_key(key: &str) -> Option<Due> {
        Due::ALL.into_iter().find(|d| d.key() == key)
    }

    /// The condition on `loans l` and its dates, for the count and the list alike.
    fn filter(self, today: NaiveDate) -> (String, Vec<NaiveDate>) {
        let maturing = format!("l.state IN {OPEN} AND l.matures_on BETWEEN ?1 AND ?2");
        match self {
            Due::Today => (maturing, vec![today, today]),
            Due::ThisWeek => (maturing, vec![today, today + Duration::days(6)]),
            Due::ForfeitsComing => ("l.state = 'notice'".to_owned(), Vec::new()),
        }
    }
}

/// How many tickets `due` counts on `today`.
pub(crate) fn count(conn: &Connection, due: Due, today: NaiveDate) -> rusqlite::Result<u64> {
    let (filter, dates) = due.filter(today);
    conn.prepare_cached(&format!("SELECT COUNT(*) FROM loans l WHERE {filter}"))?
        .query_row(params_from_iter(dates), |r| r.get(0))
}

/// One ticket of a list: what a manager needs to pick up the phone or the ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DueTicket {
    pub(crate) id: LoanId,
    pub(crate) ticket_no: String,
    pub(crate) customer_id: CustomerId,
    pub(crate) customer: String,
    pub(crate) matures_on: NaiveDate,
    pub(crate) principal: i64,
}

/// The tickets `due` counts on `today`, earliest maturity first, at most `limit` from `offset`.
pub(crate) fn list(
    conn: &Connection,
    due: Due,
    today: NaiveDate,
    limit: u32,
    offset: u32,
) -> rusqlite::Result<Vec<DueTicket>> {
    let (filter, dates) = due.filter(today);
    let sql = format!(
        "SELECT l.id, l.ticket_no, l.customer_id, c.full_name, l.matures_on, l.principal
         FROM loans l JOIN customers c ON c.id = l.customer_id
         WHERE {filter} ORDER BY l.matures_on, l.ticket_no LIMIT {limit} OFFSET {offset}"
    );
    let mut stmt = conn.prepare(&sql)?;
    stmt.query_map(params_from_iter(dates), |r| {
        Ok(DueTicket {
            id: r.get(0)?,
            ticket_no: r.get(1)?,
            customer_id: r.get(2)?,
            customer: r.get(3)?,
            matures_on: r.get(4)?,
            principal: r.get(5)?,
        })
    })?
    .collect()
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
    // INDEXED BY: statistics that a branch never gathered, or gathered before the index was
    // made, had SQLite read every open ticket through `loans_state` (a fifth of a second at
    // 300,000) instead of only the overdue ones through their maturity.
    conn.prepare_cached(&format!(
        "SELECT COUNT(*) FILTER (WHERE matures_on >= ?2),
                    COUNT(*) FILTER (WHERE matures_on < ?2 AND matures_on >= ?3),
                    COUNT(*) FILTER (WHERE matures_on < ?3)
             FROM loans INDEXED BY loans_open_maturity WHERE state IN {OPEN} AND matures_on < ?1"
    ))?
    .query_row((today, week, month), |r| {
        Ok(OverdueAges {
            up_to_a_week: r.get(0)?,
            up_to_a_month: r.get(1)?,
            longer: r.get(2)?,
        })
    })
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

        assert_eq!(
            super::count(&conn, Due::Today, today).unwrap(),
            count(&|a| a == 0)
        );
        assert_eq!(
            super::count(&conn, Due::ThisWeek, today).unwrap(),
            count(&|a| (-6..=0).contains(&a))
        );
        let expected = OverdueAges {
            up_to_a_week: count(&|a| (1..=7).contains(&a)),
            up_to_a_month: count(&|a| (8..=30).contains(&a)),
            longer: count(&|a| a >= 31),
        };
        assert_eq!(overdue_by_age(&conn, today).unwrap(), expected);
        let notices = tickets.iter().filter(|t| t.state == "notice").count() as u64;
        assert_eq!(
            super::count(&conn, Due::ForfeitsComing, today).unwrap(),
            notices
        );
        // The generated branch has tickets in every band, so no figure passes by being zero.
        assert!(expected.up_to_a_week > 0 && expected.up_to_a_month > 0 && expected.longer > 0);
        assert!(count(&|a| a == 0) > 0, "tickets due today");
        assert!(notices > 0, "tickets with a notice");
    }

    #[test]
    fn each_list_shows_the_tickets_its_figure_counts_earliest_first() {
        let (_dir, db) = crate::plumbing::db::tests::test_db();
        let conn = db.conn().unwrap();
        let today = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        let tickets = branch(&conn, today, 600);
        let ages = open_ages(&tickets, today);
        let this_week = ages.iter().filter(|a| (-6..=0).contains(*a)).count();
        let notices = tickets.iter().filter(|t| t.state == "notice").count();
        for (due, expected) in [
            (Due::Today, ages.iter().filter(|a| **a == 0).count()),
            (Due::ThisWeek, this_week),
            (Due::ForfeitsComing, notices),
        ] {
            let all = list(&conn, due, today, 1000, 0).unwrap();
            assert_eq!(all.len(), expected, "{due:?}");
            assert_eq!(super::count(&conn, due, today).unwrap(), expected as u64);
            assert!(all.windows(2).all(|w| w[0].matures_on <= w[1].matures_on));
            assert_eq!(Due::from_key(due.key()), Some(due));
        }
        let week = list(&conn, Due::ThisWeek, today, 1000, 0).unwrap();
        assert!(
            week.iter()
                .all(|t| t.matures_on >= today && t.matures_on <= today + Duration::days(6))
        );
        assert!(week.len() > 10, "enough to page through");
        let page = list(&conn, Due::ThisWeek, today, 5, 5).unwrap();
        assert_eq!(page, week[5..10].to_vec(), "the second page of five");
        assert_eq!(Due::from_key("tomorrow"), None);
    }
}
