//! The case list: cases by a filter (state, category, owner), each with its clocks at `now`,
//! sorted by time left (the least first), by when they were opened, or by the last change.
//! The database sorts and pages by the deadlines each row keeps (`due`), and the clocks are
//! counted from the pauses each row keeps beside them: the list is one query. The default
//! list (the unresolved cases, time left first) is read in order from the partial index
//! `complaints_unresolved_due` (V38): a page is 50 rows read, not every unresolved case sorted.
//! A list reads each case whole ([`Case`], for the pages that show it) or only what its clocks
//! and a report's counts need ([`Counted`], no join): the weekly evaluation counts a week's
//! cases without reading their customers, tickets and owners.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, Row, ToSql};

use super::due;
use super::sla::{self, Calendar, Clocks, Due, Pause, Timing};
use super::{
    CASE_COLUMNS, CASE_JOINS, Case, Category, Channel, Outcome, Priority, State, read_case,
};
use crate::plumbing::config::ComplaintsConfig;
use crate::plumbing::db;
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
    /// The oldest first (cases opened at the same instant by customer, then as written: the
    /// order of `complaints_opened` and `complaints_unresolved`, V43, read with no sort).
    Opened,
    /// The newest first (the same order backwards).
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

/// Which of the sorted cases to read: `limit` of them after the first `offset`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Slice {
    pub(crate) offset: usize,
    pub(crate) limit: usize,
}

impl Slice {
    /// Every case.
    pub(crate) const ALL: Slice = Slice::first(usize::MAX);

    /// The first `limit` cases.
    pub(crate) const fn first(limit: usize) -> Slice {
        Slice { offset: 0, limit }
    }
}

/// A listed case with its clocks: the whole case, or what [`Counted`] reads of it.
#[derive(Debug, Clone)]
pub(crate) struct Listed<T = Case> {
    pub(crate) case: T,
    pub(crate) clocks: Clocks,
}

/// What a list reads of each case.
pub(crate) trait Listable: Sized {
    /// Its columns on `complaints c`.
    const COLUMNS: &'static str;
    /// The joins the columns need, after `FROM complaints c`.
    const JOINS: &'static str;
    /// It, from a row of [`Self::COLUMNS`].
    fn read(r: &Row<'_>) -> rusqlite::Result<Self>;
    /// What its clocks are counted from.
    fn basis(&self) -> Basis;
}

/// What a case's clocks are counted from: its kind (the service level), its times and the
/// deadlines its row keeps.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Basis {
    pub(crate) category: Category,
    pub(crate) priority: Priority,
    pub(crate) channel: Channel,
    pub(crate) opened_at: DateTime<Utc>,
    pub(crate) first_response_at: Option<DateTime<Utc>>,
    pub(crate) due: Due,
}

impl Basis {
    fn level(&self, config: &ComplaintsConfig) -> sla::Level {
        sla::level(config, self.category, self.priority, self.channel)
    }

    fn timing<'p>(&self, pauses: &'p [Pause]) -> Timing<'p> {
        Timing {
            opened_at: self.opened_at,
            first_response_at: self.first_response_at,
            pauses,
        }
    }
}

/// The [`Basis`] of a case read whole or counted: both name its fields alike.
macro_rules! basis_of {
    ($case:expr) => {
        Basis {
            category: $case.category,
            priority: $case.priority,
            channel: $case.channel,
            opened_at: $case.opened_at,
            first_response_at: $case.first_response_at,
            due: $case.due,
        }
    };
}

impl Listable for Case {
    const COLUMNS: &'static str = CASE_COLUMNS;
    const JOINS: &'static str = CASE_JOINS;

    fn read(r: &Row<'_>) -> rusqlite::Result<Self> {
        read_case(r)
    }

    fn basis(&self) -> Basis {
        basis_of!(self)
    }
}

/// What a report counts of a case: its kind, state, outcome and times, read from its own row.
#[derive(Debug, Clone)]
pub(crate) struct Counted {
    pub(crate) category: Category,
    pub(crate) channel: Channel,
    pub(crate) priority: Priority,
    pub(crate) state: State,
    pub(crate) outcome: Option<Outcome>,
    pub(crate) opened_at: DateTime<Utc>,
    pub(crate) first_response_at: Option<DateTime<Utc>>,
    pub(crate) resolved_at: Option<DateTime<Utc>>,
    pub(crate) due: Due,
}

impl Listable for Counted {
    const COLUMNS: &'static str = "c.category, c.channel, c.priority, c.state, c.outcome, \
         c.opened_at, c.first_response_at, c.resolved_at, c.response_due, c.resolution_due";
    const JOINS: &'static str = "";

    fn read(r: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Counted {
            category: r.get(0)?,
            channel: r.get(1)?,
            priority: r.get(2)?,
            state: r.get(3)?,
            outcome: r.get(4)?,
            opened_at: db::instant(r, 5)?,
            first_response_at: db::maybe_instant(r, 6)?,
            resolved_at: db::maybe_instant(r, 7)?,
            due: Due {
                response: db::maybe_instant(r, 8)?,
                resolution: db::maybe_instant(r, 9)?,
            },
        })
    }

    fn basis(&self) -> Basis {
        basis_of!(self)
    }
}

/// The cases of `filter` in `slice` of its order, with their clocks at `now`. The database sorts and
/// pages them (by the deadlines each row keeps, for the time left: the running clock that
/// matters most, the earliest first, then the clocks standing still, then the resolved cases);
/// only the cases kept get their clocks counted.
pub(crate) fn cases<T: Listable>(
    conn: &Connection,
    filter: &Filter,
    calendar: &Calendar,
    config: &ComplaintsConfig,
    now: DateTime<Utc>,
    slice: Slice,
) -> rusqlite::Result<Vec<Listed<T>>> {
    let (page, values) = page(filter, slice);
    let found: Vec<(T, Vec<Pause>)> = conn
        .prepare_cached(&select::<T>(filter, &page))?
        .query_map(rusqlite::params_from_iter(values.iter()), |r| {
            // The pauses follow the case's columns.
            let pauses = due::read_pauses(r, r.as_ref().column_count() - 1)?;
            Ok((T::read(r)?, pauses))
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(found
        .into_iter()
        .map(|(case, paused)| {
            let basis = case.basis();
            // The deadlines and pauses the row keeps: no walk, no timeline.
            let (level, timing) = (basis.level(config), basis.timing(&paused));
            let clocks = sla::clocks_due(calendar, level, timing, now, basis.due);
            Listed { case, clocks }
        })
        .collect())
}

/// The `WHERE ... ORDER BY ... LIMIT ... OFFSET` of `slice` of `filter` on `complaints c`, and
/// its values.
fn page(filter: &Filter, slice: Slice) -> (String, Vec<Box<dyn ToSql>>) {
    let (condition, mut values) = condition(filter);
    values.push(Box::new(i64::try_from(slice.limit).unwrap_or(-1)));
    values.push(Box::new(i64::try_from(slice.offset).unwrap_or(i64::MAX)));
    let n = values.len();
    let page = format!(
        "WHERE {condition} ORDER BY {} LIMIT +?{} OFFSET +?{n}",
        order(filter),
        n - 1
    );
    (page, values)
}

/// The cases of a page of `filter`, as `T` reads them, and the pauses each row keeps.
fn select<T: Listable>(filter: &Filter, page: &str) -> String {
    format!(
        "SELECT {}, c.pauses FROM {} {} {page}",
        T::COLUMNS,
        cases_table(filter),
        T::JOINS
    )
}

/// The time-left order after "resolved last": the cases with no deadline running last, then
/// by the first deadline, then by opening. `complaints_unresolved_due` holds the unresolved
/// cases in this order.
const BY_DEADLINE: &str = "COALESCE(c.response_due, c.resolution_due) IS NULL, \
     COALESCE(c.response_due, c.resolution_due), c.opened_at, c.id";

/// Whether `filter` is the list `complaints_unresolved_due` holds in order.
fn read_in_deadline_order(filter: &Filter) -> bool {
    filter.states == States::Unresolved && filter.sort == Sort::TimeLeft
}

/// The table a page of `filter` reads, as `complaints c`. INDEXED BY: the statistics (no
/// STAT4) cannot tell the planner how few cases are unresolved, and it took
/// `complaints_state_opened` and sorted every unresolved case for each page. The unresolved
/// cases are read in the order of their partial indexes: by deadline
/// (`complaints_unresolved_due`) or by opening time (`complaints_unresolved`, backwards for
/// the newest first).
fn cases_table(filter: &Filter) -> &'static str {
    match (filter.states, filter.sort) {
        (States::Unresolved, Sort::TimeLeft) => "complaints c INDEXED BY complaints_unresolved_due",
        (States::Unresolved, Sort::Opened | Sort::Newest) => {
            "complaints c INDEXED BY complaints_unresolved"
        }
        _ => "complaints c",
    }
}

/// The SQL order of `filter`'s sort, on `complaints c`. Time left puts the resolved cases
/// last; when only unresolved cases are listed that term is the same for every row and is left
/// out, so the order is the index's.
fn order(filter: &Filter) -> String {
    match filter.sort {
        Sort::TimeLeft if read_in_deadline_order(filter) => BY_DEADLINE.to_owned(),
        Sort::TimeLeft => format!("c.state IN ('resolved', 'closed'), {BY_DEADLINE}"),
        Sort::Opened => "c.opened_at, c.customer_id, c.rowid".to_owned(),
        Sort::Newest => "c.opened_at DESC, c.customer_id DESC, c.rowid DESC".to_owned(),
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
    let basis = case.basis();
    sla::clocks(calendar, basis.level(config), basis.timing(pauses), now)
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::complaints::ComplaintId;
    use crate::plumbing::db::{DB_FILE, tests::test_db};

    /// The statistics ANALYZE keeps (without STAT4) on a branch of 50,000 cases in four states
    /// seen, 1,000 of them unresolved, 12,500 customers.
    const STATISTICS: &str = "DELETE FROM sqlite_stat1;
        INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES
            ('complaints', 'complaints_state_opened', '50000 12500 1'),
            ('complaints', 'complaints_customer_opened', '50000 4 1'),
            ('complaints', 'complaints_opened', '50000 1 1'),
            ('complaints', 'complaints_due', '50000 94'),
            ('complaints', 'sqlite_autoindex_complaints_1', '50000 1'),
            ('complaints', 'complaints_unresolved', '1000 1 1'),
            ('complaints', 'complaints_unresolved_due', '1000 500 2 1 1'),
            ('customers', 'sqlite_autoindex_customers_1', '12500 1');";

    fn unresolved(sort: Sort) -> Filter {
        Filter {
            states: States::Unresolved,
            category: None,
            owner: None,
            opened: None,
            sort,
        }
    }

    /// A new branch under [`STATISTICS`], and a connection opened after them (a connection
    /// reads the statistics when it opens); the directory lives as long as it is kept.
    fn planned_branch() -> (tempfile::TempDir, Connection) {
        let (dir, db) = test_db();
        db.conn().unwrap().execute_batch("ANALYZE").unwrap();
        db.conn().unwrap().execute_batch(STATISTICS).unwrap();
        let conn = Connection::open(dir.path().join(DB_FILE)).unwrap();
        (dir, conn)
    }

    /// That `plan` reads first from `index` and sorts nothing, not even by a last term.
    fn assert_read_in_order_of(plan: &[String], index: &str, what: &str) {
        assert!(
            plan.first().is_some_and(|p| p.contains(index)),
            "{what}: {plan:?}"
        );
        assert!(
            !plan.iter().any(|p| p.contains("TEMP B-TREE")),
            "{what}: no case sorted: {plan:?}"
        );
    }

    /// The plan of a page of `filter`, a line per step.
    fn plan(conn: &Connection, filter: &Filter) -> Vec<String> {
        plan_of::<Case>(conn, filter, Slice::first(50))
    }

    /// The plan of `slice` of `filter` read as `T`, a line per step.
    fn plan_of<T: Listable>(conn: &Connection, filter: &Filter, slice: Slice) -> Vec<String> {
        let (page, values) = page(filter, slice);
        conn.prepare(&format!(
            "EXPLAIN QUERY PLAN {}",
            select::<T>(filter, &page)
        ))
        .unwrap()
        .query_map(rusqlite::params_from_iter(values.iter()), |r| r.get(3))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
    }

    /// Without STAT4 the planner cannot see that few cases are unresolved from the states'
    /// average; the partial indexes of the unresolved cases (V37, V38) are read, in the list's
    /// order: a page is its rows, not every unresolved case joined and sorted (the weekly
    /// evaluation's oldest cases were half its time, read from `complaints_state_opened`).
    #[test]
    fn the_unresolved_cases_are_read_in_the_order_of_their_index() {
        let (_dir, conn) = planned_branch();
        for sort in [Sort::TimeLeft, Sort::Opened, Sort::Newest] {
            let plan = plan(&conn, &unresolved(sort));
            assert_read_in_order_of(&plan, "complaints_unresolved", &format!("{sort:?}"));
        }
    }

    /// A week's cases, as the weekly evaluation counts them, are read in the order of
    /// `complaints_opened` (V43): ordered by the case id as well, SQLite copied every case of
    /// the week into a sorter for that last term, three times the time of reading them.
    #[test]
    fn a_weeks_cases_are_read_in_the_order_of_their_index() {
        let (_dir, conn) = planned_branch();
        let monday = chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 11, 30, 0, 0, 0).unwrap();
        for sort in [Sort::Opened, Sort::Newest] {
            let week = Filter {
                states: States::All,
                opened: Some((monday, monday + chrono::Duration::days(7))),
                sort,
                ..Filter::default()
            };
            for plan in [
                plan_of::<Counted>(&conn, &week, Slice::ALL),
                plan_of::<Case>(&conn, &week, Slice::first(50)),
            ] {
                assert_read_in_order_of(&plan, "complaints_opened", &format!("{sort:?}"));
            }
        }
    }

    /// The default list (unresolved, time left first) is read in the order of
    /// `complaints_unresolved_due` (V38): a page reads its 50 cases, with no sort of every
    /// unresolved case. Before, the constant "resolved last" term and the planner's choice of
    /// `complaints_state_opened` sorted them all for each page.
    #[test]
    fn the_unresolved_cases_by_time_left_are_read_in_order_not_sorted() {
        let (_dir, conn) = planned_branch();
        let plan = plan(&conn, &unresolved(Sort::TimeLeft));
        assert!(
            plan.iter().any(|p| p.contains("complaints_unresolved_due")),
            "{plan:?}"
        );
        assert!(!plan.iter().any(|p| p.contains("TEMP B-TREE")), "{plan:?}");
    }

    /// The order the index gives is the list's: the unresolved cases, least time left first,
    /// in the same order as in the list of every state, where "resolved last" is written out.
    #[test]
    fn the_default_list_is_in_the_same_order_as_the_list_of_every_state() {
        use crate::complaints::due::tests::{generate, t0};
        let (_dir, db) = test_db();
        let mut conn = db.conn().unwrap();
        let config = crate::plumbing::config::Config::default();
        generate(&mut conn, &config);
        // Some cases resolved after every generated change, for the list of every state to
        // put last.
        let later = t0() + chrono::Duration::days(8);
        let agent =
            crate::loans::ops::tests::staff_member(&conn, crate::roles::Role::Manager, t0());
        let tx = crate::plumbing::db::immediate(&mut conn).unwrap();
        let first: Vec<ComplaintId> = tx
            .prepare("SELECT id FROM complaints WHERE state = 'open' ORDER BY id LIMIT 6")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        for id in &first {
            let outcome = Some(super::super::Outcome::Upheld);
            super::super::cases::change_state(
                &tx,
                id,
                State::Resolved,
                outcome,
                &agent,
                &config,
                later,
            )
            .unwrap();
        }
        tx.commit().unwrap();
        let calendar = Calendar::load(&conn, config.utc_offset()).unwrap();
        let config = config.complaints;
        let now = later + chrono::Duration::days(1);
        let listed = |filter: &Filter| {
            cases::<Case>(&conn, filter, &calendar, &config, now, Slice::ALL).unwrap()
        };
        let by_time_left: Vec<ComplaintId> = listed(&unresolved(Sort::TimeLeft))
            .into_iter()
            .map(|l| l.case.id)
            .collect();
        let all = Filter {
            states: States::All,
            ..unresolved(Sort::TimeLeft)
        };
        let every = listed(&all);
        assert_eq!(every.len(), 36);
        let every: Vec<ComplaintId> = every
            .into_iter()
            .filter(|l| l.case.state.is_open())
            .map(|l| l.case.id)
            .collect();
        assert_eq!(by_time_left.len(), 30);
        assert_eq!(by_time_left, every);
        // Not the order they were opened in: the deadlines decide it.
        let opened: Vec<ComplaintId> = listed(&unresolved(Sort::Opened))
            .into_iter()
            .map(|l| l.case.id)
            .collect();
        assert_ne!(by_time_left, opened);
    }
}
