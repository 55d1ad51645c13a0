//! The service-level clocks of a case. Two clocks: the first response, in hours on the clock
//! (2 hours for disbursement and payment confirmation by default, from seed 003 B.3 and C.5),
//! and the resolution, in working days (5 for a complaint made orally, 20 for a written one,
//! the regulator's limits). A working day is Monday to Friday in the branch's time zone and not
//! on the branch's holidays list (`holidays`); a working-day clock counts the whole of each
//! working day, so a case opened on Friday at 15:00 with 5 working days is due the next Friday
//! at 15:00. Both clocks pause while the case waits on the customer, and stop while it is
//! resolved (a reopened case's clock runs on from where it stopped). The levels come from
//! `[complaints]` in the configuration; everything here takes `now`.

use std::collections::BTreeSet;
use std::ops::ControlFlow;

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, Utc};
use rusqlite::Connection;

use super::{Category, Channel, Event, Priority, State};
use crate::plumbing::config::ComplaintsConfig;

/// How far ahead a clock looks for its deadline, beyond the pauses it has had.
const HORIZON_DAYS: i64 = 400;

/// The branch's calendar: its time zone and holidays.
#[derive(Debug, Clone)]
pub(crate) struct Calendar {
    offset: FixedOffset,
    holidays: BTreeSet<NaiveDate>,
}

impl Calendar {
    /// A calendar of these holidays.
    pub(crate) fn new(offset: FixedOffset, holidays: impl IntoIterator<Item = NaiveDate>) -> Self {
        Calendar {
            offset,
            holidays: holidays.into_iter().collect(),
        }
    }

    /// The calendar of the branch's holidays list.
    pub(crate) fn load(conn: &Connection, offset: FixedOffset) -> rusqlite::Result<Self> {
        // Dates are stored as ISO text: the range must be of four-digit years to compare.
        let (first, last) = (
            NaiveDate::from_ymd_opt(1, 1, 1),
            NaiveDate::from_ymd_opt(9999, 12, 31),
        );
        let (Some(first), Some(last)) = (first, last) else {
            return Ok(Calendar::new(offset, []));
        };
        let all = crate::holidays::between(conn, first, last)?;
        Ok(Calendar::new(offset, all.into_iter().map(|h| h.on)))
    }

    fn is_working_day(&self, on: NaiveDate) -> bool {
        !crate::holidays::is_weekend(on) && !self.holidays.contains(&on)
    }

    /// The instant a local day starts.
    fn day_start(&self, on: NaiveDate) -> DateTime<Utc> {
        let local = on.and_time(chrono::NaiveTime::MIN);
        (local - Duration::seconds(i64::from(self.offset.local_minus_utc()))).and_utc()
    }
}

/// Which time a clock counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Counting {
    /// Every hour of every day.
    Hours,
    /// The whole of each working day, nothing of the others.
    WorkingDays,
}

/// A time the clocks stood still: waiting on the customer, or resolved. `until` none: still.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Pause {
    pub(crate) from: DateTime<Utc>,
    pub(crate) until: Option<DateTime<Utc>>,
}

/// Whether the clocks stand still in this state.
fn stands_still(state: State) -> bool {
    matches!(
        state,
        State::WaitingOnCustomer | State::Resolved | State::Closed
    )
}

/// The pauses of a case, from its timeline (oldest first).
pub(crate) fn pauses(events: &[Event]) -> Vec<Pause> {
    let mut found: Vec<Pause> = Vec::new();
    for event in events {
        let Some(to) = event.to_state else { continue };
        let paused = found.last().is_some_and(|p| p.until.is_none());
        match (paused, stands_still(to)) {
            (false, true) => found.push(Pause {
                from: event.at,
                until: None,
            }),
            (true, false) => {
                if let Some(last) = found.last_mut() {
                    last.until = Some(event.at);
                }
            }
            _ => {}
        }
    }
    found
}

/// The stretches of the clock running from `start` to `end`: outside the pauses, in order.
fn running(
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    pauses: &[Pause],
) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
    let mut running = Vec::new();
    let mut cursor = start;
    for pause in pauses {
        if pause.from > cursor {
            running.push((cursor, pause.from.min(end)));
        }
        match pause.until {
            Some(until) => cursor = cursor.max(until),
            None => {
                cursor = end;
                break;
            }
        }
    }
    if cursor < end {
        running.push((cursor, end));
    }
    running.retain(|(a, b)| a < b);
    running
}

/// Calls `each` with the stretches of counted time from `start` to `end`, in order, until it
/// answers `Break` (a deadline found need not walk the rest of the horizon).
fn each_piece<B>(
    calendar: &Calendar,
    counting: Counting,
    (start, end): (DateTime<Utc>, DateTime<Utc>),
    pauses: &[Pause],
    mut each: impl FnMut(DateTime<Utc>, DateTime<Utc>) -> ControlFlow<B>,
) -> ControlFlow<B> {
    for (a, b) in running(start, end, pauses) {
        match counting {
            Counting::Hours => each(a, b)?,
            Counting::WorkingDays => {
                let first = a.with_timezone(&calendar.offset).date_naive();
                let last = b.with_timezone(&calendar.offset).date_naive();
                for day in first.iter_days().take_while(|d| *d <= last) {
                    let Some(next) = day.succ_opt() else { break };
                    let from = calendar.day_start(day).max(a);
                    let until = calendar.day_start(next).min(b);
                    if from < until && calendar.is_working_day(day) {
                        each(from, until)?;
                    }
                }
            }
        }
    }
    ControlFlow::Continue(())
}

/// The time counted from `start` to `end`. Working days are counted by arithmetic over
/// whole weeks (a case open for months is counted without walking its days).
pub(crate) fn counted(
    calendar: &Calendar,
    counting: Counting,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    pauses: &[Pause],
) -> Duration {
    running(start, end, pauses)
        .into_iter()
        .map(|(a, b)| match counting {
            Counting::Hours => b - a,
            Counting::WorkingDays => working_time(calendar, a, b),
        })
        .fold(Duration::zero(), |sum, d| sum + d)
}

/// The part of `[a, b)` on working days: the two partial days, and the whole days between.
fn working_time(calendar: &Calendar, a: DateTime<Utc>, b: DateTime<Utc>) -> Duration {
    let first = a.with_timezone(&calendar.offset).date_naive();
    let last = b.with_timezone(&calendar.offset).date_naive();
    let working = |d: NaiveDate| calendar.is_working_day(d);
    let (Some(second), true) = (first.succ_opt(), first < last) else {
        return if working(first) {
            b - a
        } else {
            Duration::zero()
        };
    };
    let head = if working(first) {
        calendar.day_start(second) - a
    } else {
        Duration::zero()
    };
    let tail = if working(last) {
        b - calendar.day_start(last)
    } else {
        Duration::zero()
    };
    head + tail + Duration::days(whole_working_days(calendar, second, last))
}

/// The working days from `from` up to (not including) `until`.
fn whole_working_days(calendar: &Calendar, from: NaiveDate, until: NaiveDate) -> i64 {
    let days = (until - from).num_days().max(0);
    let weekdays_in = |start: NaiveDate, n: i64| {
        start
            .iter_days()
            .take(usize::try_from(n).unwrap_or(0))
            .filter(|d| !crate::holidays::is_weekend(*d))
            .count()
    };
    let partial =
        i64::try_from(weekdays_in(from + Duration::days(days / 7 * 7), days % 7)).unwrap_or(0);
    let holidays = calendar
        .holidays
        .range(from..until)
        .filter(|d| !crate::holidays::is_weekend(**d))
        .count();
    days / 7 * 5 + partial - i64::try_from(holidays).unwrap_or(0)
}

/// The instant the counted time from `start` reaches `budget`; none while a pause that has not
/// ended holds it back (or beyond the horizon).
pub(crate) fn deadline(
    calendar: &Calendar,
    counting: Counting,
    start: DateTime<Utc>,
    budget: Duration,
    pauses: &[Pause],
) -> Option<DateTime<Utc>> {
    let paused: Duration = pauses
        .iter()
        .filter_map(|p| p.until.map(|u| u - p.from))
        .fold(Duration::zero(), |sum, d| sum + d);
    let horizon = start + budget + paused + Duration::days(HORIZON_DAYS);
    let mut left = budget;
    let found = each_piece(calendar, counting, (start, horizon), pauses, |a, b| {
        if b - a >= left {
            return ControlFlow::Break(a + left);
        }
        left -= b - a;
        ControlFlow::Continue(())
    });
    match found {
        ControlFlow::Break(at) => Some(at),
        ControlFlow::Continue(()) => None,
    }
}

/// Green, amber or red: plenty of time left, little, or none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Light {
    Green,
    Amber,
    Red,
}

impl Light {
    /// Its code, for the page's CSS class.
    pub(crate) fn code(self) -> &'static str {
        match self {
            Light::Green => "green",
            Light::Amber => "amber",
            Light::Red => "red",
        }
    }
}

/// One clock of a case at `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ClockState {
    pub(crate) counting: Counting,
    pub(crate) budget: Duration,
    /// The time counted so far (up to the stop, for a stopped clock).
    pub(crate) used: Duration,
    /// When the time is up; none while paused.
    pub(crate) deadline: Option<DateTime<Utc>>,
    /// The clock stopped for good (first response given).
    pub(crate) stopped: bool,
    /// The clock stands still now (waiting on the customer, resolved).
    pub(crate) paused: bool,
}

impl ClockState {
    /// The counted time left; negative once breached.
    pub(crate) fn left(&self) -> Duration {
        self.budget - self.used
    }

    /// Whether the time is up: the level was not met.
    pub(crate) fn breached(&self) -> bool {
        self.used >= self.budget
    }

    /// Red once breached, amber with `amber_percent` of the budget or less left.
    pub(crate) fn light(&self, amber_percent: u32) -> Light {
        if self.breached() {
            Light::Red
        } else if self.left().num_seconds() * 100
            <= self.budget.num_seconds() * i64::from(amber_percent)
        {
            Light::Amber
        } else {
            Light::Green
        }
    }
}

/// A case's service level: the first response in hours (if its category has one) and the
/// resolution in working days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Level {
    pub(crate) first_response_hours: Option<u32>,
    pub(crate) resolve_working_days: u32,
}

/// The level of a case from `[complaints]`: the most specific `levels` entry (category and
/// priority, then category alone), the oral or written limit for the days it leaves out.
pub(crate) fn level(
    config: &ComplaintsConfig,
    category: Category,
    priority: Priority,
    channel: Channel,
) -> Level {
    let of_category = config
        .levels
        .iter()
        .filter(|l| l.category == category.code());
    let exact = of_category.clone().find(|l| l.priority == priority.code());
    let any = of_category.clone().find(|l| l.priority.is_empty());
    let entry = exact.or(any);
    let written = if channel.is_written() {
        config.written_working_days
    } else {
        config.oral_working_days
    };
    Level {
        first_response_hours: entry.map(|l| l.first_response_hours).filter(|h| *h > 0),
        resolve_working_days: entry
            .map(|l| l.resolve_working_days)
            .filter(|d| *d > 0)
            .unwrap_or(written),
    }
}

/// What a clock needs of its case.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Timing<'a> {
    pub(crate) opened_at: DateTime<Utc>,
    pub(crate) first_response_at: Option<DateTime<Utc>>,
    pub(crate) pauses: &'a [Pause],
}

/// A case's two clocks at `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Clocks {
    pub(crate) response: Option<ClockState>,
    pub(crate) resolution: ClockState,
}

impl Clocks {
    /// The clock that matters most now: a running response clock, else the resolution.
    pub(crate) fn main(&self) -> &ClockState {
        match &self.response {
            Some(r) if !r.stopped => r,
            _ => &self.resolution,
        }
    }
}

/// A case's deadlines as its row keeps them (`response_due`, `resolution_due`): when each
/// running clock's time is up; none while the clock stands still (waiting on the customer,
/// resolved) or has stopped (the first response given), or for a level without a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Due {
    pub(crate) response: Option<DateTime<Utc>>,
    pub(crate) resolution: Option<DateTime<Utc>>,
}

/// The budget of each clock of `level`: the response's (if it has one) and the resolution's.
fn budgets(level: Level) -> (Option<Duration>, Duration) {
    (
        level
            .first_response_hours
            .map(|h| Duration::hours(i64::from(h))),
        Duration::days(i64::from(level.resolve_working_days)),
    )
}

/// A case's deadlines to keep on its row (see [`Due`]); the same walk [`clocks`] makes.
pub(crate) fn due(calendar: &Calendar, level: Level, timing: Timing) -> Due {
    let (response, resolution) = budgets(level);
    let walk =
        |counting, budget| deadline(calendar, counting, timing.opened_at, budget, timing.pauses);
    Due {
        response: response
            .filter(|_| timing.first_response_at.is_none())
            .and_then(|budget| walk(Counting::Hours, budget)),
        resolution: walk(Counting::WorkingDays, resolution),
    }
}

/// A case's clocks at `now`, each deadline walked (the case page shows them).
pub(crate) fn clocks(
    calendar: &Calendar,
    level: Level,
    timing: Timing,
    now: DateTime<Utc>,
) -> Clocks {
    let (response, resolution) = budgets(level);
    let walk =
        |counting, budget| deadline(calendar, counting, timing.opened_at, budget, timing.pauses);
    let deadlines = Due {
        response: response.and_then(|budget| walk(Counting::Hours, budget)),
        resolution: walk(Counting::WorkingDays, resolution),
    };
    clocks_due(calendar, level, timing, now, deadlines)
}

/// A case's clocks at `now`, with the deadlines its row keeps (no walk: a list of cases
/// counts the time used and left, which is arithmetic, and reads the deadlines).
pub(crate) fn clocks_due(
    calendar: &Calendar,
    level: Level,
    timing: Timing,
    now: DateTime<Utc>,
    due: Due,
) -> Clocks {
    let one = |counting, budget: Duration, stop: Option<DateTime<Utc>>, deadline| {
        let end = stop.map_or(now, |s| s.min(now));
        let paused = timing
            .pauses
            .last()
            .is_some_and(|p| p.until.is_none() && p.from <= now);
        ClockState {
            counting,
            budget,
            used: counted(calendar, counting, timing.opened_at, end, timing.pauses),
            deadline,
            stopped: stop.is_some_and(|s| s <= now),
            paused,
        }
    };
    let (response, resolution) = budgets(level);
    Clocks {
        response: response.map(|budget| {
            one(
                Counting::Hours,
                budget,
                timing.first_response_at,
                due.response,
            )
        }),
        resolution: one(Counting::WorkingDays, resolution, None, due.resolution),
    }
}

#[cfg(test)]
#[path = "sla_tests.rs"]
mod tests;
