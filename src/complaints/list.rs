//! The case list: cases by a filter (state, category, owner), each with its clocks at `now`,
//! sorted by time left (the least first), by when they were opened, or by the last change.
//! The database sorts and pages by the deadlines each row keeps (`due`); the pauses of the
//! cases kept are read in one query, so the list costs two queries.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, ToSql};

use super::sla::{self, Calendar, Clocks, Pause, Timing};
use super::{CASE_COLUMNS, CASE_JOINS, Case, Category, ComplaintId, State, read_case};
use crate::plumbing::config::ComplaintsConfig;
use crate::plumbing::ids::StaffId;

/// Which states the list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum States {
    /// Open, waiting on the customer or escalated.
    #[default]
    Unresolved,
    One(State),
    All,
}

/// How the list is sorted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Sort {
    /// The least time left first (breached first).
    #[default]
    TimeLeft,
    /// The oldest first.
    Opened,
    /// The newest first.
    Newest,
}

/// What the list shows.
#[derive(Debug, Clone, Default)]
pub(crate) struct Filter {
    pub(crate) states: States,
    pub(crate) category: Option<Category>,
    pub(crate) owner: Option<StaffId>,
    /// Only the cases opened from the first instant up to (not including) the second.
    pub(crate) opened: Option<(DateTime<Utc>, DateTime<Utc>)>,
    pub(crate) sort: Sort,
}

/// A listed case with its clocks.
#[derive(Debug, Clone)]
pub(crate) struct Listed {
    pub(crate) case: Case,
    pub(crate) clocks: Clocks,
}

/// The cases of `filter`, at most `limit`, with their clocks at `now`. The database sorts and
/// pages them (by the deadlines each row keeps, for the time left: the running clock that
/// matters most, the earliest first, then the clocks standing still, then the resolved cases);
/// only the cases kept get their clocks counted.
pub(crate) fn cases(
    conn: &Connection,
    filter: &Filter,
    calendar: &Calendar,
    config: &ComplaintsConfig,
    now: DateTime<Utc>,
    limit: usize,
) -> rusqlite::Result<Vec<Listed>> {
    let (page, values) = page(filter, limit);
    let found: Vec<Case> = conn
        .prepare_cached(&select(&page))?
        .query_map(rusqlite::params_from_iter(values.iter()), read_case)?
        .collect::<rusqlite::Result<_>>()?;
    let mut pauses = pauses_of_page(conn, &page, &values)?;
    Ok(found
        .into_iter()
        .map(|case| {
            let paused = pauses.remove(&case.id).unwrap_or_default();
            // The deadlines the row keeps: no walk.
            let timing = timing(&case, &paused);
            let clocks = sla::clocks_due(calendar, level_of(config, &case), timing, now, case.due);
            Listed { case, clocks }
        })
        .collect())
}

/// The `WHERE ... ORDER BY ... LIMIT` of a page of `filter` on `complaints c`, and its values.
fn page(filter: &Filter, limit: usize) -> (String, Vec<Box<dyn ToSql>>) {
    let (condition, mut values) = condition(filter);
    values.push(Box::new(i64::try_from(limit).unwrap_or(-1)));
    let page = format!(
        "WHERE {condition} ORDER BY {} LIMIT +?{}",
        order(filter.sort),
        values.len()
    );
    (page, values)
}

/// The cases of a page.
fn select(page: &str) -> String {
    format!("SELECT {CASE_COLUMNS} FROM complaints c {CASE_JOINS} {page}")
}

/// The SQL order of a sort, on `complaints c`.
fn order(sort: Sort) -> &'static str {
    match sort {
        Sort::TimeLeft => {
            "c.state IN ('resolved', 'closed'), COALESCE(c.response_due, c.resolution_due) IS NULL, \
             COALESCE(c.response_due, c.resolution_due), c.opened_at, c.id"
        }
        Sort::Opened => "c.opened_at, c.id",
        Sort::Newest => "c.opened_at DESC, c.id DESC",
    }
}

/// A case's clocks at `now`, from its pauses, each deadline walked (the case page).
pub(crate) fn clocks_of(
    calendar: &Calendar,
    config: &ComplaintsConfig,
    case: &Case,
    pauses: &[Pause],
    now: DateTime<Utc>,
) -> Clocks {
    sla::clocks(calendar, level_of(config, case), timing(case, pauses), now)
}

fn level_of(config: &ComplaintsConfig, case: &Case) -> sla::Level {
    sla::level(config, case.category, case.priority, case.channel)
}

fn timing<'a>(case: &Case, pauses: &'a [Pause]) -> Timing<'a> {
    Timing {
        opened_at: case.opened_at,
        first_response_at: case.first_response_at,
        pauses,
    }
}

/// The SQL condition of a filter on `complaints c`, with its values.
fn condition(filter: &Filter) -> (String, Vec<Box<dyn ToSql>>) {
    let mut parts = vec!["1 = 1".to_owned()];
    let mut values: Vec<Box<dyn ToSql>> = Vec::new();
    match filter.states {
        States::Unresolved => {
            parts.push("c.state IN ('open', 'waiting_on_customer', 'escalated')".to_owned());
        }
        States::One(state) => {
            values.push(Box::new(state));
            parts.push(format!("c.state = ?{}", values.len()));
        }
        States::All => {}
    }
    if let Some(category) = filter.category {
        values.push(Box::new(category));
        parts.push(format!("c.category = ?{}", values.len()));
    }
    if let Some(owner) = &filter.owner {
        values.push(Box::new(owner.clone()));
        parts.push(format!("c.owner_id = ?{}", values.len()));
    }
    if let Some((from, until)) = filter.opened {
        values.push(Box::new(from));
        values.push(Box::new(until));
        let n = values.len();
        parts.push(format!("c.opened_at >= ?{} AND c.opened_at < ?{n}", n - 1));
    }
    (parts.join(" AND "), values)
}

/// The pauses of the cases of a page (`WHERE ... ORDER BY ... LIMIT` on `complaints c`).
fn pauses_of_page(
    conn: &Connection,
    page: &str,
    values: &[Box<dyn ToSql>],
) -> rusqlite::Result<HashMap<ComplaintId, Vec<Pause>>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT e.complaint_id, e.at, e.kind, e.from_state, e.to_state
         FROM complaint_events e
         WHERE e.complaint_id IN (SELECT c.id FROM complaints c {page}) AND e.to_state IS NOT NULL
         ORDER BY e.complaint_id, e.at, e.rowid"
    ))?;
    let mut rows = stmt.query(rusqlite::params_from_iter(values.iter()))?;
    let mut by_case: HashMap<ComplaintId, Vec<super::Event>> = HashMap::new();
    while let Some(r) = rows.next()? {
        by_case.entry(r.get(0)?).or_default().push(super::Event {
            at: r.get(1)?,
            kind: r.get(2)?,
            who: None,
            from_state: r.get(3)?,
            to_state: r.get(4)?,
            detail: String::new(),
        });
    }
    Ok(by_case
        .into_iter()
        .map(|(id, events)| (id, sla::pauses(&events)))
        .collect())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::plumbing::db::{DB_FILE, tests::test_db};

    /// The statistics ANALYZE keeps (without STAT4) on a branch of 50,000 cases in four states
    /// seen, 1,000 of them unresolved, 12,500 customers.
    const STATISTICS: &str = "DELETE FROM sqlite_stat1;
        INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES
            ('complaints', 'complaints_state_opened', '50000 12500 1'),
            ('complaints', 'complaints_customer', '50000 4'),
            ('complaints', 'complaints_opened', '50000 1'),
            ('complaints', 'complaints_due', '50000 94'),
            ('complaints', 'sqlite_autoindex_complaints_1', '50000 1'),
            ('complaints', 'complaints_unresolved', '1000 1'),
            ('customers', 'sqlite_autoindex_customers_1', '12500 1');";

    /// Without STAT4 the planner cannot see that few cases are unresolved from the states'
    /// average; the partial index of the unresolved cases (V37) tells it, so the case list
    /// reads those cases and not every customer's.
    #[test]
    fn the_unresolved_cases_are_read_by_their_state_not_through_every_customer() {
        let (dir, db) = test_db();
        db.conn().unwrap().execute_batch("ANALYZE").unwrap();
        db.conn().unwrap().execute_batch(STATISTICS).unwrap();
        // A new connection reads the statistics.
        let conn = Connection::open(dir.path().join(DB_FILE)).unwrap();
        for sort in [Sort::TimeLeft, Sort::Opened, Sort::Newest] {
            let filter = Filter {
                states: States::Unresolved,
                category: None,
                owner: None,
                opened: None,
                sort,
            };
            let (page, values) = page(&filter, 200);
            let plan: Vec<String> = conn
                .prepare(&format!("EXPLAIN QUERY PLAN {}", select(&page)))
                .unwrap()
                .query_map(rusqlite::params_from_iter(values.iter()), |r| r.get(3))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            let first = plan.first().cloned().unwrap_or_default();
            assert!(
                first.contains("complaints_unresolved")
                    || first.contains("complaints_state_opened"),
                "{sort:?}: {plan:?}"
            );
        }
    }
}
