//! Time, passed in: every rule about expiry, lockouts, due dates and schedules asks a [`Clock`]
//! (or takes a `now` argument) instead of reading the system time, so tests move time forward
//! instead of sleeping.

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};

/// A source of the current time.
pub(crate) trait Clock: Send + Sync {
    /// The current instant.
    fn now(&self) -> DateTime<Utc>;
}

/// The real clock.
pub(crate) struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// The branch-local calendar date of an instant.
pub(crate) fn local_date(now: DateTime<Utc>, offset: FixedOffset) -> NaiveDate {
    now.with_timezone(&offset).date_naive()
}
