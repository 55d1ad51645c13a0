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
    #[allow(
        clippy::disallowed_methods,
        reason = "the one place the real time is read"
    )]
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// The real clock moved by a number of seconds read from a file at each reading: for tests of
/// expiry and daily limits against the real binary (`serve --clock-file`, hidden from help).
pub(crate) struct ShiftedClock {
    pub(crate) file: std::path::PathBuf,
}

impl Clock for ShiftedClock {
    fn now(&self) -> DateTime<Utc> {
        let shift = std::fs::read_to_string(&self.file)
            .ok()
            .and_then(|s| s.trim().parse::<i64>().ok())
            .unwrap_or(0);
        SystemClock.now() + chrono::Duration::seconds(shift)
    }
}

/// A UTC time as the database stores it (`2026-01-31 08:00:00.000+00:00`, rusqlite's form of a
/// `DateTime<Utc>`), read by chrono's hand-written RFC 3339 parser (which takes a space for the
/// `T`) rather than a strftime pattern interpreted at each call: a case list reads eight such
/// columns a row, and the pattern was a fifth of its time.
pub(crate) fn parse_stored(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// An instant in the form the database stores it (what rusqlite writes for a `DateTime<Utc>`),
/// for a value kept inside a text, such as a JSON array.
pub(crate) fn stored(at: DateTime<Utc>) -> String {
    at.format("%F %T%.f%:z").to_string()
}

/// The branch-local calendar date of an instant.
pub(crate) fn local_date(now: DateTime<Utc>, offset: FixedOffset) -> NaiveDate {
    now.with_timezone(&offset).date_naive()
}
