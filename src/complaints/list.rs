//! The case list: cases by a filter (state, category, owner), each with its clocks at `now`,
//! sorted by time left (the least first), by when they were opened, or by the last change.
//! The pauses of every listed case are read in one query, so the list costs two queries.

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

/// The cases of `filter`, at most `limit`, with their clocks at `now`.
pub(crate) fn cases(
    conn: &Connection,
    filter: &Filter,
    calendar: &Calendar,
    config: &ComplaintsConfig,
    now: DateTime<Utc>,
    limit: usize,
) -> rusqlite::Result<Vec<Listed>> {
    let (condition, values) = condition(filter);
    let found: Vec<Case> = conn
        .prepare(&format!(
            "SELECT {CASE_COLUMNS} FROM complaints c {CASE_JOINS} WHERE {condition} ORDER BY c.opened_at, c.id"
        ))?
        .query_map(rusqlite::params_from_iter(values.iter()), read_case)?
        .collect::<rusqlite::Result<_>>()?;
    let mut pauses = pauses_where(conn, &condition, &values)?;
    let mut listed: Vec<Listed> = found
        .into_iter()
        .map(|case| {
            let paused = pauses.remove(&case.id).unwrap_or_default();
            let clocks = clocks_of(calendar, config, &case, &paused, now);
            Listed { case, clocks }
        })
        .collect();
    match filter.sort {
        Sort::TimeLeft => listed.sort_by_key(|l| (!l.case.state.is_open(), l.clocks.main().left())),
        Sort::Opened => {}
        Sort::Newest => listed.reverse(),
    }
    listed.truncate(limit);
    Ok(listed)
}

/// A case's clocks at `now`, from its pauses.
pub(crate) fn clocks_of(
    calendar: &Calendar,
    config: &ComplaintsConfig,
    case: &Case,
    pauses: &[Pause],
    now: DateTime<Utc>,
) -> Clocks {
    let level = sla::level(config, case.category, case.priority, case.channel);
    let timing = Timing {
        opened_at: case.opened_at,
        first_response_at: case.first_response_at,
        pauses,
    };
    sla::clocks(calendar, level, timing, now)
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

/// The pauses of the cases matching `condition`, by case.
fn pauses_where(
    conn: &Connection,
    condition: &str,
    values: &[Box<dyn ToSql>],
) -> rusqlite::Result<HashMap<ComplaintId, Vec<Pause>>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT e.complaint_id, e.at, e.kind, e.from_state, e.to_state
         FROM complaints c JOIN complaint_events e ON e.complaint_id = c.id
         WHERE {condition} AND e.to_state IS NOT NULL
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
