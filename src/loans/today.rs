//! A manager's "today" figures about tickets: due today and this week, overdue by age, and
//! forfeits coming up. One function per figure, each one query, so the dashboard shows counts
//! the database made (and a test can check each against its own count); the tickets behind
//! the due and forfeit figures are listed by [`list`] with the same filter as their count.
//!
//! A ticket whose bank or mobile-money payout failed and waits to be made again
//! (`super::ops::Ticket::payout_waits`) is in none of them: the customer never got the money,
//! so nothing is due on it ([`PAID_OUT`]).

use chrono::{Duration, NaiveDate};
use rusqlite::{Connection, ToSql, params_from_iter};

use crate::plumbing::ids::{CustomerId, LoanId};

/// The states of a ticket still owed (not redeemed, forfeited, cancelled or being written).
const OPEN: &str = "('active', 'due', 'grace', 'notice')";

/// The condition on `loans l` that its payout reached the customer: no payout of it failed and
/// waits to be made again. One probe of the partial index `disbursements_one_failed` per
/// ticket the other conditions found (`super::ops::load` reads the same as `payout_waits`).
pub(crate) const PAID_OUT: &str =
    "NOT EXISTS (SELECT 1 FROM disbursements d INDEXED BY disbursements_one_failed
                WHERE d.loan_id = l.id AND d.state = 'failed')";

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

    /// The tickets it reads from, as `loans l`. The forfeits coming up are read from their
    /// own index: SQLite's statistics (no STAT4) say only how many tickets a state has on
    /// average, and the planner scanned all 300,000 of a full branch through `loans_state` to
    /// count a few hundred notices. `loans_forfeits_coming` holds them in the list's order
    /// with the columns the count and the list read.
    fn tickets(self) -> &'static str {
        match self {
            Due::Today | Due::ThisWeek => "loans l",
            Due::ForfeitsComing => "loans l INDEXED BY loans_forfeits_coming",
        }
    }

    /// The condition on `loans l` and its dates, for the count and the list alike.
    fn filter(self, today: NaiveDate) -> (String, Vec<NaiveDate>) {
        let maturing =
            format!("l.state IN {OPEN} AND l.matures_on BETWEEN ?1 AND ?2 AND {PAID_OUT}");
        match self {
            Due::Today => (maturing, vec![today, today]),
            Due::ThisWeek => (maturing, vec![today, today + Duration::days(6)]),
            Due::ForfeitsComing => (format!("l.state = 'notice' AND {PAID_OUT}"), Vec::new()),
        }
    }
}

/// [`count`]'s query and its dates.
fn count_sql(due: Due, today: NaiveDate) -> (String, Vec<NaiveDate>) {
    let (filter, dates) = due.filter(today);
    (
        format!("SELECT COUNT(*) FROM {} WHERE {filter}", due.tickets()),
        dates,
    )
}

/// How many tickets `due` counts on `today`.
pub(crate) fn count(conn: &Connection, due: Due, today: NaiveDate) -> rusqlite::Result<u64> {
    let (sql, dates) = count_sql(due, today);
    conn.prepare_cached(&sql)?
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
    let n = dates.len();
    let sql = format!(
        "SELECT l.id, l.ticket_no, l.customer_id, c.full_name, l.matures_on, l.principal
         FROM {} JOIN customers c ON c.id = l.customer_id
         WHERE {filter} ORDER BY l.matures_on, l.ticket_no LIMIT +?{} OFFSET +?{}",
        due.tickets(),
        n + 1,
        n + 2
    );
    let mut values: Vec<&dyn ToSql> = dates.iter().map(|d| d as &dyn ToSql).collect();
    values.push(&limit);
    values.push(&offset);
    conn.prepare_cached(&sql)?
        .query_map(&values[..], |r| {
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

/// [`overdue_by_age`]'s query: ?1 today, ?2 a week before, ?3 a month before.
fn overdue_sql() -> String {
    format!(
        "SELECT COUNT(*) FILTER (WHERE matures_on >= ?2),
                    COUNT(*) FILTER (WHERE matures_on < ?2 AND matures_on >= ?3),
                    COUNT(*) FILTER (WHERE matures_on < ?3)
             FROM loans l INDEXED BY loans_open_queue
             WHERE l.state IN {OPEN} AND l.matures_on < ?1 AND {PAID_OUT}"
    )
}

/// The open tickets overdue on `today`, by age.
pub(crate) fn overdue_by_age(conn: &Connection, today: NaiveDate) -> rusqlite::Result<OverdueAges> {
    let week = today - Duration::days(7);
    let month = today - Duration::days(30);
    // INDEXED BY: statistics that a branch never gathered, or gathered before the index was
    // made, had SQLite read every open ticket through `loans_state` (a fifth of a second at
    // 300,000) instead of only the overdue ones through their maturity. `loans_open_queue`
    // (open tickets by maturity) also holds each ticket's id, which the payout's probe needs,
    // so no ticket's row is read.
    conn.prepare_cached(&overdue_sql())?
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

    /// A generated ticket: its state, its maturity and whether its payout failed and waits
    /// to be made again.
    struct Generated {
        state: &'static str,
        matures_on: NaiveDate,
        payout_waits: bool,
    }

    /// What became of a generated ticket's transfer: sent, failed (waiting), or failed and
    /// made again (paid out after all).
    #[derive(Clone, Copy, PartialEq, Eq)]
    enum Payout {
        Sent,
        Failed,
        MadeAgain,
    }

    /// A ledger row of the ticket, for its payouts to point at.
    fn ledger_row(conn: &Connection, id: &str, loan: &str, kind: &str) {
        conn.execute(
            "INSERT INTO ledger (id, loan_id, customer_id, kind, amount, method, on_date, at)
             VALUES (?1, ?2, 'C1', ?3, 100000, 'bank_transfer', '2026-01-01', '2026-01-01T00:00:00Z')",
            (id, loan, kind),
        )
        .unwrap();
    }

    /// The ticket's payouts as `payout` says, as `disbursements` rows (`staff` marked them).
    fn payouts(conn: &Connection, loan: &str, payout: Payout, staff: &str) {
        let sent = format!("{loan}-out");
        ledger_row(conn, &sent, loan, "disbursement");
        if payout == Payout::Sent {
            conn.execute(
                "INSERT INTO disbursements (id, loan_id, ledger_id, method, amount, state, sent_at, updated_at)
                 VALUES (?1, ?2, ?1, 'bank_transfer', 100000, 'sent', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')",
                (&sent, loan),
            )
            .unwrap();
            return;
        }
        let reversal = format!("{loan}-back");
        ledger_row(conn, &reversal, loan, "reversal");
        let state = if payout == Payout::Failed {
            "failed"
        } else {
            "made_again"
        };
        conn.execute(
            "INSERT INTO disbursements (id, loan_id, ledger_id, method, amount, state, sent_at,
                                        failed_at, failed_by, reversal_id, updated_at)
             VALUES (?1, ?2, ?1, 'bank_transfer', 100000, ?3, '2026-01-01T00:00:00Z',
                     '2026-01-02T00:00:00Z', ?4, ?5, '2026-01-02T00:00:00Z')",
            (&sent, loan, state, staff, &reversal),
        )
        .unwrap();
        if payout == Payout::MadeAgain {
            let again = format!("{loan}-again");
            ledger_row(conn, &again, loan, "disbursement");
            conn.execute(
                "INSERT INTO disbursements (id, loan_id, ledger_id, method, amount, state, sent_at,
                                            replaces, updated_at)
                 VALUES (?1, ?2, ?1, 'mobile_money', 100000, 'sent', '2026-01-03T00:00:00Z', ?3,
                         '2026-01-03T00:00:00Z')",
                (&again, loan, &sent),
            )
            .unwrap();
        }
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

    /// A branch of `n` tickets with states, maturities and payouts from a fixed pseudo-random
    /// sequence (maturities from 60 days before `today` to 20 days after; half paid out in
    /// cash, the rest by transfer, sent, failed or failed and made again), written to the
    /// database.
    fn branch(conn: &Connection, today: NaiveDate, n: u64) -> Vec<Generated> {
        let staff = crate::loans::ops::tests::staff_member(
            conn,
            crate::roles::Role::Manager,
            "2026-01-01T00:00:00Z".parse().unwrap(),
        )
        .id;
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
                let payout = match next(6) {
                    0 => Some(Payout::Sent),
                    1 => Some(Payout::Failed),
                    2 => Some(Payout::MadeAgain),
                    _ => None,
                };
                if let Some(payout) = payout {
                    payouts(conn, &format!("L{i}"), payout, staff.as_str());
                }
                Generated {
                    state,
                    matures_on,
                    payout_waits: payout == Some(Payout::Failed),
                }
            })
            .collect()
    }

    /// The generated tickets still owed and paid out, with their days past maturity
    /// (negative: not yet).
    fn open_ages(tickets: &[Generated], today: NaiveDate) -> Vec<i64> {
        tickets
            .iter()
            .filter(|t| ["active", "due", "grace", "notice"].contains(&t.state) && !t.payout_waits)
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
        let notices = tickets
            .iter()
            .filter(|t| t.state == "notice" && !t.payout_waits)
            .count() as u64;
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
        let notices = tickets
            .iter()
            .filter(|t| t.state == "notice" && !t.payout_waits)
            .count();
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

    #[test]
    fn a_ticket_whose_payout_waits_to_be_made_again_is_in_no_figure() {
        let (_dir, db) = crate::plumbing::db::tests::test_db();
        let conn = db.conn().unwrap();
        let today = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        let tickets = branch(&conn, today, 600);
        let open = |t: &&Generated| ["active", "due", "grace", "notice"].contains(&t.state);
        let age = |t: &Generated| (today - t.matures_on).num_days();
        // Every figure has tickets waiting for their payout to leave out.
        let waiting: Vec<&Generated> = tickets
            .iter()
            .filter(open)
            .filter(|t| t.payout_waits)
            .collect();
        assert!(waiting.iter().any(|t| age(t) == 0), "due today");
        assert!(
            waiting.iter().any(|t| (-6..0).contains(&age(t))),
            "this week"
        );
        assert!(waiting.iter().any(|t| age(t) > 0), "overdue");
        assert!(waiting.iter().any(|t| t.state == "notice"), "notice");
        let listed: Vec<DueTicket> = Due::ALL
            .into_iter()
            .flat_map(|due| list(&conn, due, today, 1000, 0).unwrap())
            .collect();
        for t in &listed {
            assert!(
                !conn
                    .query_row(
                        "SELECT EXISTS (SELECT 1 FROM disbursements WHERE loan_id = ?1 AND state = 'failed')",
                        [&t.id],
                        |r| r.get::<_, bool>(0)
                    )
                    .unwrap(),
                "{} waits for its payout",
                t.ticket_no
            );
        }
        // A ticket whose failed payout was made again is paid out: it is counted.
        let made_again: i64 = conn
            .query_row(
                "SELECT count(*) FROM disbursements WHERE replaces IS NOT NULL",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert!(made_again > 0);
        let (paid_out_again, _): (Vec<_>, Vec<_>) = listed.iter().partition(|t| {
            conn.query_row(
                "SELECT EXISTS (SELECT 1 FROM disbursements WHERE loan_id = ?1 AND replaces IS NOT NULL)",
                [&t.id],
                |r| r.get::<_, bool>(0),
            )
            .unwrap()
        });
        assert!(!paid_out_again.is_empty(), "made again, listed");
    }

    #[test]
    fn the_figures_read_no_ticket_they_do_not_count() {
        let (_dir, db) = crate::plumbing::db::tests::test_db();
        let conn = db.conn().unwrap();
        let today = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        branch(&conn, today, 200);
        conn.execute_batch("ANALYZE").unwrap();
        let plan = |sql: &str, params: &[&dyn ToSql]| -> String {
            conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
                .unwrap()
                .query_map(params, |r| r.get::<_, String>(3))
                .unwrap()
                .collect::<rusqlite::Result<Vec<_>>>()
                .unwrap()
                .join("\n")
        };
        let week = today - Duration::days(7);
        let month = today - Duration::days(30);
        for due in [Due::Today, Due::ThisWeek] {
            let (sql, dates) = count_sql(due, today);
            let p = plan(&sql, &[&dates[0], &dates[1]]);
            assert!(!p.contains("SCAN l"), "{due:?}: {p}");
            assert!(p.contains("disbursements_one_failed"), "{due:?}: {p}");
        }
        let (sql, _) = count_sql(Due::ForfeitsComing, today);
        let p = plan(&sql, &[]);
        assert!(p.contains("COVERING INDEX loans_forfeits_coming"), "{p}");
        let p = plan(&overdue_sql(), &[&today, &week, &month]);
        assert!(p.contains("COVERING INDEX loans_open_queue"), "{p}");
        assert!(p.contains("disbursements_one_failed"), "{p}");
    }
}
