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

/// A UTC time as the database stores it (`2026-01-31 08:00:00.123+00:00`, rusqlite's form of a
/// `DateTime<Utc>`: the fraction, when there is one, of 3, 6 or 9 digits): read digit by
/// digit ([`stored_utc`]), and any other form by chrono's RFC 3339 parser (which takes a space
/// for the `T`, and any offset). Never through a strftime pattern interpreted at each call: a
/// case list reads eight such columns a row, and the pattern was a fifth of its time.
pub(crate) fn parse_stored(text: &str) -> Option<DateTime<Utc>> {
    stored_utc(text.as_bytes()).or_else(|| {
        DateTime::parse_from_rfc3339(text)
            .ok()
            .map(|t| t.with_timezone(&Utc))
    })
}

/// `YYYY-MM-DD HH:MM:SS[.fraction]+00:00` when it is an instant of the calendar (no leap
/// second: those are left to chrono).
fn stored_utc(text: &[u8]) -> Option<DateTime<Utc>> {
    let (day, rest) = text.split_at_checked(10)?;
    let &[b' ', h0, h1, b':', m0, m1, b':', s0, s1, ref rest @ ..] = rest else {
        return None;
    };
    let (fraction, offset) = match rest {
        [b'.', fraction @ ..] => {
            let digits = fraction.iter().take_while(|c| c.is_ascii_digit()).count();
            fraction.split_at(digits)
        }
        _ => (&[][..], rest),
    };
    if offset != b"+00:00"
        || fraction.len() > 9
        || (rest.first() == Some(&b'.') && fraction.is_empty())
    {
        return None;
    }
    let nanos = number(fraction)? * 10u32.pow(9 - fraction.len() as u32);
    stored_day(day)?
        .and_hms_nano_opt(
            number(&[h0, h1])?,
            number(&[m0, m1])?,
            number(&[s0, s1])?,
            nanos,
        )
        .map(|t| t.and_utc())
}

/// A day as the database stores it (`2026-12-03`), when it is a day of the calendar.
pub(crate) fn stored_day(text: &[u8]) -> Option<NaiveDate> {
    let &[y0, y1, y2, y3, b'-', m0, m1, b'-', d0, d1] = text else {
        return None;
    };
    let year = i32::try_from(number(&[y0, y1, y2, y3])?).ok()?;
    NaiveDate::from_ymd_opt(year, number(&[m0, m1])?, number(&[d0, d1])?)
}

/// The number `digits` write (none: 0), when they are all ASCII digits.
fn number(digits: &[u8]) -> Option<u32> {
    digits.iter().try_fold(0u32, |n, &c| {
        c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
    })
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// What chrono's RFC 3339 parser makes of `text`, in UTC.
    fn chrono_reads(text: &str) -> Option<DateTime<Utc>> {
        DateTime::parse_from_rfc3339(text)
            .ok()
            .map(|t| t.with_timezone(&Utc))
    }

    /// The stored form read digit by digit gives what chrono gives, for instants spread over
    /// decades with fractions of every length rusqlite writes, and for the forms it leaves to
    /// chrono (other offsets, a `T`, a leap second) and texts that are no instant.
    #[test]
    fn a_stored_instant_reads_as_chrono_reads_it() {
        let mut at = chrono::TimeZone::with_ymd_and_hms(&Utc, 1995, 1, 1, 0, 0, 0).unwrap();
        let mut read = 0;
        for i in 0..20_000u32 {
            at += chrono::Duration::seconds(86_400 * 3 / 2 + 7)
                + chrono::Duration::nanoseconds(i64::from(i % 4) * 123_456_789);
            let text = stored(at);
            assert_eq!(stored_utc(text.as_bytes()), Some(at), "{text}");
            assert_eq!(parse_stored(&text), chrono_reads(&text), "{text}");
            read += 1;
        }
        assert_eq!(read, 20_000);
        for text in [
            "2026-12-03 18:59:33+00:00",
            "2026-12-03 18:59:33.5+00:00",
            "2026-12-03 18:59:33.123+00:00",
            "2026-12-03 18:59:33.123456+00:00",
            "2026-12-03 18:59:33.123456789+00:00",
        ] {
            assert!(stored_utc(text.as_bytes()).is_some(), "{text}");
            assert_eq!(parse_stored(text), chrono_reads(text), "{text}");
        }
        for text in [
            "2026-12-03 18:59:33+07:00",
            "2026-12-03T18:59:33Z",
            "2016-12-31 23:59:60+00:00",
            "2026-12-03 18:59:33.+00:00",
            "2026-12-03 18:59:33.1234567890+00:00",
            "2026-02-30 10:00:00+00:00",
            "2026-12-03 24:00:00+00:00",
            "2026-12-03 18:59+00:00",
            "2026-12-03",
            "no time",
            "",
        ] {
            assert_eq!(stored_utc(text.as_bytes()), None, "{text}: left to chrono");
            assert_eq!(parse_stored(text), chrono_reads(text), "{text}");
        }
    }

    /// A stored day read digit by digit is the day chrono reads, and a text that is no day of
    /// the calendar is none.
    #[test]
    fn a_stored_day_reads_as_chrono_reads_it() {
        let first = NaiveDate::from_ymd_opt(1999, 12, 25).unwrap();
        for day in first.iter_days().take(365 * 40) {
            assert_eq!(stored_day(day.to_string().as_bytes()), Some(day));
        }
        for text in [
            "2026-02-29",
            "2026-13-01",
            "2026-1-01",
            "2026/01/31",
            "+2026-01-01",
            "",
        ] {
            assert_eq!(stored_day(text.as_bytes()), None, "{text}");
        }
        assert_eq!(
            stored_day(b"2024-02-29"),
            NaiveDate::from_ymd_opt(2024, 2, 29)
        );
    }
}
