//! The weekly evaluation (seed 003 A.8, B.9, C.10, D.6) and the quarterly report for the
//! regulator. A week is Monday 00:00 to the next Monday 00:00 in the branch's time zone; its
//! cases are those opened in it. For each: counts by category, channel and outcome; the
//! service level met (resolved with no clock late), breached (a clock late, whether resolved
//! or not) or still running; the time to the first response and to the resolution on the
//! clock (median and 90th percentile, nearest rank); repeat complainants (a customer with a
//! case this week and at least one more in the [`REPEAT_DAYS`] days before its end); and every
//! unresolved case, oldest first, whenever it was opened (the first [`OLDEST_LISTED`] shown).

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, Utc};
use rusqlite::{Connection, params};

use super::list::{self, Counted, Filter, Listed, Slice, Sort, States};
use super::sla::{Calendar, Clocks};
use super::{Case, Category, Channel, Outcome, State};
use crate::plumbing::config::ComplaintsConfig;
use crate::plumbing::ids::CustomerId;

/// How far back a repeat complainant's other case may be.
pub(crate) const REPEAT_DAYS: i64 = 90;

/// The most unresolved cases the evaluation lists.
const OLDEST_LISTED: usize = 100;

/// A stretch of time: from its first instant up to (not including) `until`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Period {
    pub(crate) first_day: NaiveDate,
    pub(crate) last_day: NaiveDate,
    pub(crate) from: DateTime<Utc>,
    pub(crate) until: DateTime<Utc>,
}

/// The local days `first_day` to `last_day` as instants.
fn period(first_day: NaiveDate, last_day: NaiveDate, offset: FixedOffset) -> Period {
    let start = |d: NaiveDate| {
        let local = d.and_time(chrono::NaiveTime::MIN);
        (local - Duration::seconds(i64::from(offset.local_minus_utc()))).and_utc()
    };
    Period {
        first_day,
        last_day,
        from: start(first_day),
        until: start(last_day) + Duration::days(1),
    }
}

/// The week (Monday to Sunday) that holds `day`.
pub(crate) fn week_of(day: NaiveDate, offset: FixedOffset) -> Period {
    let monday = day - Duration::days(i64::from(day.weekday().num_days_from_monday()));
    period(monday, monday + Duration::days(6), offset)
}

/// Quarter `q` (1 to 4) of `year`.
pub(crate) fn quarter(year: i32, q: u32, offset: FixedOffset) -> Option<Period> {
    if !(1..=4).contains(&q) {
        return None;
    }
    let first = NaiveDate::from_ymd_opt(year, 3 * q - 2, 1)?;
    let next = if q == 4 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)?
    } else {
        NaiveDate::from_ymd_opt(year, 3 * q + 1, 1)?
    };
    Some(period(first, next.pred_opt()?, offset))
}

/// Whether a case met its service level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sla {
    Met,
    Breached,
    Running,
}

impl Sla {
    /// Its code, in the CSV files.
    pub(crate) fn code(self) -> &'static str {
        match self {
            Sla::Met => "met",
            Sla::Breached => "breached",
            Sla::Running => "running",
        }
    }
}

/// A case's service level from its clocks (see the module documentation).
pub(crate) fn sla_of(state: State, clocks: &Clocks) -> Sla {
    let late = clocks.response.is_some_and(|r| r.breached()) || clocks.resolution.breached();
    match (late, state.is_open()) {
        (true, _) => Sla::Breached,
        (false, false) => Sla::Met,
        (false, true) => Sla::Running,
    }
}

/// A median and 90th percentile of some times, and how many there were.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Spread {
    pub(crate) count: usize,
    pub(crate) median: Option<Duration>,
    pub(crate) p90: Option<Duration>,
}

/// The nearest-rank percentile `p` of sorted `times`.
fn percentile(sorted: &[Duration], p: usize) -> Option<Duration> {
    let rank = (p * sorted.len()).div_ceil(100).max(1);
    sorted.get(rank - 1).copied()
}

/// The spread of `times`.
pub(crate) fn spread(mut times: Vec<Duration>) -> Spread {
    times.sort_unstable();
    Spread {
        count: times.len(),
        median: percentile(&times, 50),
        p90: percentile(&times, 90),
    }
}

/// A customer with more than one case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Repeat {
    pub(crate) customer: CustomerId,
    pub(crate) name: String,
    /// Their cases in the [`REPEAT_DAYS`] before the period's end.
    pub(crate) cases: u64,
}

/// A week's evaluation.
#[derive(Debug, Clone)]
pub(crate) struct Evaluation {
    /// The cases opened in the period, oldest first, as far as they are counted.
    pub(crate) cases: Vec<Listed<Counted>>,
    pub(crate) by_category: Vec<(Category, usize)>,
    pub(crate) by_channel: Vec<(Channel, usize)>,
    /// By outcome; none: not resolved yet.
    pub(crate) by_outcome: Vec<(Option<Outcome>, usize)>,
    pub(crate) met: usize,
    pub(crate) breached: usize,
    pub(crate) running: usize,
    pub(crate) first_response: Spread,
    pub(crate) resolution: Spread,
    pub(crate) repeat: Vec<Repeat>,
    /// The [`OLDEST_LISTED`] oldest unresolved cases at `now`.
    pub(crate) open_oldest: Vec<Listed>,
}

/// How many of `items` have each key, in the order of `all`.
fn counts<K: Copy + Ord, T>(all: &[K], items: &[T], key: impl Fn(&T) -> K) -> Vec<(K, usize)> {
    let mut found: BTreeMap<K, usize> = BTreeMap::new();
    for item in items {
        *found.entry(key(item)).or_default() += 1;
    }
    all.iter()
        .map(|k| (*k, found.get(k).copied().unwrap_or(0)))
        .collect()
}

/// The cases opened in `period`, oldest first.
pub(crate) fn opened_in(period: Period) -> Filter {
    Filter {
        states: States::All,
        opened: Some((period.from, period.until)),
        sort: Sort::Opened,
        ..Filter::default()
    }
}

/// The evaluation of `period` at `now`.
pub(crate) fn evaluate(
    conn: &Connection,
    calendar: &Calendar,
    config: &ComplaintsConfig,
    period: Period,
    now: DateTime<Utc>,
) -> rusqlite::Result<Evaluation> {
    let of_period = opened_in(period);
    let cases = list::cases::<Counted>(conn, &of_period, calendar, config, now, Slice::ALL)?;
    let unresolved = Filter {
        sort: Sort::Opened,
        ..Filter::default()
    };
    let open_oldest = list::cases::<Case>(
        conn,
        &unresolved,
        calendar,
        config,
        now,
        Slice::first(OLDEST_LISTED),
    )?;
    let slas: Vec<Sla> = cases
        .iter()
        .map(|l| sla_of(l.case.state, &l.clocks))
        .collect();
    let mut outcomes: Vec<Option<Outcome>> = vec![None];
    outcomes.extend(Outcome::ALL.iter().copied().map(Some));
    let took = |at: fn(&Listed<Counted>) -> Option<DateTime<Utc>>| {
        spread(
            cases
                .iter()
                .filter_map(|l| at(l).map(|t| t - l.case.opened_at))
                .collect(),
        )
    };
    Ok(Evaluation {
        by_category: counts(Category::ALL, &cases, |l| l.case.category),
        by_channel: counts(Channel::ALL, &cases, |l| l.case.channel),
        by_outcome: counts(&outcomes, &cases, |l| l.case.outcome),
        met: slas.iter().filter(|s| **s == Sla::Met).count(),
        breached: slas.iter().filter(|s| **s == Sla::Breached).count(),
        running: slas.iter().filter(|s| **s == Sla::Running).count(),
        first_response: took(|l| l.case.first_response_at),
        resolution: took(|l| l.case.resolved_at),
        repeat: repeat_complainants(conn, period)?,
        cases,
        open_oldest,
    })
}

/// The repeat complainants' query: ?1 the look-back's start, ?2 and ?3 the period. Each case
/// of the period (read from `complaints_opened`, V40) with its customer's cases in the look-back
/// (counted from `complaints_customer_opened`, V39), neither reading a case's row; the name is
/// looked up only for a customer with two or more. A customer with two cases in the period
/// comes twice ([`repeat_complainants`] keeps one and orders them). Written with an IN list,
/// a GROUP BY and an ORDER BY, its temporary B-trees were a third of the query's time (0.78 to
/// 0.52 ms at a week of 695 cases, 259 of them repeat complainants'). `LIMIT -1` keeps SQLite
/// from merging the inner query into the outer one (a subquery with a limit is not flattened
/// into a query with a WHERE), which counted each customer's cases twice.
const REPEAT_COMPLAINANTS: &str = "SELECT r.customer_id,
       (SELECT full_name FROM customers WHERE id = r.customer_id), r.cases
     FROM (
       SELECT w.customer_id,
         (SELECT count(*) FROM complaints c
          WHERE c.customer_id = w.customer_id AND c.opened_at >= ?1 AND c.opened_at < ?3) AS cases
       FROM complaints w WHERE w.opened_at >= ?2 AND w.opened_at < ?3
       LIMIT -1
     ) r
     WHERE r.cases >= 2";

/// The customers with a case in `period` and another in the [`REPEAT_DAYS`] before its end,
/// the most cases first, then by name.
fn repeat_complainants(conn: &Connection, period: Period) -> rusqlite::Result<Vec<Repeat>> {
    let since = period.until - Duration::days(REPEAT_DAYS);
    let mut repeat = Vec::new();
    let mut statement = conn.prepare_cached(REPEAT_COMPLAINANTS)?;
    let mut rows = statement.query(params![since, period.from, period.until])?;
    while let Some(row) = rows.next()? {
        // No name: no customer of that id (the join this replaced left such a case out).
        if let Some(name) = row.get::<_, Option<String>>(1)? {
            repeat.push(Repeat {
                customer: row.get(0)?,
                name,
                cases: row.get(2)?,
            });
        }
    }
    repeat.sort_by(|a, b| {
        (b.cases.cmp(&a.cases))
            .then_with(|| a.name.cmp(&b.name))
            .then_with(|| a.customer.cmp(&b.customer))
    });
    // A customer's rows (one per case of the period) are alike in every key, so side by side.
    repeat.dedup_by(|a, b| a.customer == b.customer);
    Ok(repeat)
}

/// A quarter's line for one category, in the regulator's shape: received, by state, and the
/// resolved ones within the limit or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct QuarterLine {
    pub(crate) category: Category,
    pub(crate) received: usize,
    /// By state, in the order of `State::ALL`.
    pub(crate) by_state: [usize; 5],
    pub(crate) resolved_within: usize,
    pub(crate) resolved_late: usize,
}

/// The quarter's lines, one per category.
pub(crate) fn quarterly(
    conn: &Connection,
    calendar: &Calendar,
    config: &ComplaintsConfig,
    period: Period,
    now: DateTime<Utc>,
) -> rusqlite::Result<Vec<QuarterLine>> {
    let cases =
        list::cases::<Counted>(conn, &opened_in(period), calendar, config, now, Slice::ALL)?;
    Ok(Category::ALL
        .iter()
        .map(|category| {
            let mine: Vec<&Listed<Counted>> = cases
                .iter()
                .filter(|l| l.case.category == *category)
                .collect();
            let mut by_state = [0; 5];
            for l in &mine {
                if let Some(i) = State::ALL.iter().position(|s| *s == l.case.state) {
                    by_state[i] += 1;
                }
            }
            let resolved: Vec<Sla> = mine
                .iter()
                .filter(|l| !l.case.state.is_open())
                .map(|l| sla_of(l.case.state, &l.clocks))
                .collect();
            QuarterLine {
                category: *category,
                received: mine.len(),
                by_state,
                resolved_within: resolved.iter().filter(|s| **s == Sla::Met).count(),
                resolved_late: resolved.iter().filter(|s| **s == Sla::Breached).count(),
            }
        })
        .collect())
}

#[cfg(test)]
#[path = "report_tests.rs"]
mod tests;
