//! Dates in imported files: ISO `YYYY-MM-DD` always, and besides it the order people in the
//! branch's country write dates in (`17/08/1990` in Indonesia or Kenya, `08/17/1990` in the
//! United States), with `/`, `-` or `.` between the parts, as spreadsheets export them.
//!
//! Where the country's order is not known (a country that writes both), a date is read in
//! either order only when both readings give the same day or only one is a date at all;
//! `03/04/1990` is refused there rather than guessed. An impossible date (`29/02/2023`,
//! `2026-13-01`) is always refused.

use chrono::NaiveDate;

/// How people in a country write a date with the day and month as numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DateOrder {
    /// `17/08/1990`: most of the world, Indonesia and Kenya among them.
    DayFirst,
    /// `08/17/1990`: the United States and the countries that follow it.
    MonthFirst,
    /// Both are common (Canada), or the year comes first and neither is usual (East Asia).
    Unknown,
}

/// Countries that write the month first.
const MONTH_FIRST: [&str; 11] = [
    "AS", "FM", "GU", "MH", "MP", "PH", "PR", "PW", "UM", "US", "VI",
];

/// Countries where a date with the year last may be in either order: both are common, or the
/// year comes first and a date with the year last has no usual order.
const EITHER: [&str; 9] = ["CA", "CN", "HU", "JP", "KP", "KR", "LT", "MN", "TW"];

impl DateOrder {
    /// The order of the country (an ISO 3166 alpha-2 code such as "ID").
    pub(crate) fn of_country(country: &str) -> DateOrder {
        if MONTH_FIRST.contains(&country) {
            DateOrder::MonthFirst
        } else if EITHER.contains(&country) {
            DateOrder::Unknown
        } else {
            DateOrder::DayFirst
        }
    }

    /// The way a date with the year last is written, if the order is known: "DD/MM/YYYY".
    pub(crate) fn year_last(self) -> Option<&'static str> {
        match self {
            DateOrder::DayFirst => Some("DD/MM/YYYY"),
            DateOrder::MonthFirst => Some("MM/DD/YYYY"),
            DateOrder::Unknown => None,
        }
    }

    /// The ways a date may be written, for messages: "YYYY-MM-DD or DD/MM/YYYY".
    pub(crate) fn formats(self) -> String {
        match self.year_last() {
            Some(other) => format!("YYYY-MM-DD or {other}"),
            None => "YYYY-MM-DD".to_owned(),
        }
    }
}

/// Why a date was not read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DateProblem {
    /// Not a date in any accepted form, or no such day.
    NotADate,
    /// Two different days, depending on the order (only where the order is not known).
    Ambiguous,
}

impl DateProblem {
    /// What is wrong with `raw`, a value of `column`, for an error message:
    /// `date_of_birth "03/04/1990" is not a date written YYYY-MM-DD`.
    pub(crate) fn message(self, column: &str, quoted: &str, order: DateOrder) -> String {
        match self {
            DateProblem::NotADate => {
                format!(
                    "{column} {quoted} is not a date written {}",
                    order.formats()
                )
            }
            DateProblem::Ambiguous => format!(
                "{column} {quoted} may be read day first or month first: write it YYYY-MM-DD"
            ),
        }
    }
}

/// Reads a date written `YYYY-MM-DD`, or with the year last in the branch's `order`.
pub(crate) fn parse(raw: &str, order: DateOrder) -> Result<NaiveDate, DateProblem> {
    let raw = raw.trim();
    let Some([first, second, year]) = year_last_parts(raw) else {
        return NaiveDate::parse_from_str(raw, "%Y-%m-%d")
            .ok()
            .filter(|_| iso_shaped(raw))
            .ok_or(DateProblem::NotADate);
    };
    // Four digits: always an i32.
    let year = i32::try_from(year).map_err(|_| DateProblem::NotADate)?;
    let day_first = NaiveDate::from_ymd_opt(year, second, first);
    let month_first = NaiveDate::from_ymd_opt(year, first, second);
    match order {
        DateOrder::DayFirst => day_first.ok_or(DateProblem::NotADate),
        DateOrder::MonthFirst => month_first.ok_or(DateProblem::NotADate),
        DateOrder::Unknown => match (day_first, month_first) {
            (Some(a), Some(b)) if a != b => Err(DateProblem::Ambiguous),
            (Some(d), _) | (None, Some(d)) => Ok(d),
            (None, None) => Err(DateProblem::NotADate),
        },
    }
}

/// Whether `raw` is four digits, `-`, two digits, `-`, two digits (chrono alone also takes
/// "1990-8-7" and "+1990-08-17").
fn iso_shaped(raw: &str) -> bool {
    let b = raw.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

/// The parts of a date written with the year last, `17/08/1990`: one or two digits, one or
/// two digits and four digits, with the same `/`, `-` or `.` between them.
fn year_last_parts(raw: &str) -> Option<[u32; 3]> {
    let separator = raw.chars().find(|c| matches!(c, '/' | '-' | '.'))?;
    let parts: Vec<&str> = raw.split(separator).collect();
    let [first, second, year] = parts.as_slice() else {
        return None;
    };
    let digits = |s: &str, lengths: std::ops::RangeInclusive<usize>| {
        (lengths.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<u32>().ok())
            .flatten()
    };
    Some([
        digits(first, 1..=2)?,
        digits(second, 1..=2)?,
        digits(year, 4..=4)?,
    ])
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn day_first_in_indonesia_and_kenya() {
        for country in ["ID", "KE"] {
            let order = DateOrder::of_country(country);
            assert_eq!(order, DateOrder::DayFirst);
            assert_eq!(parse("17/08/1990", order), Ok(date("1990-08-17")));
            assert_eq!(parse("17-08-1990", order), Ok(date("1990-08-17")));
            assert_eq!(parse("17.08.1990", order), Ok(date("1990-08-17")));
            assert_eq!(parse("7/8/1990", order), Ok(date("1990-08-07")));
            assert_eq!(parse("03/04/1990", order), Ok(date("1990-04-03")));
            assert_eq!(parse(" 1990-08-17 ", order), Ok(date("1990-08-17")));
            assert_eq!(parse("29/02/2024", order), Ok(date("2024-02-29")));
            // Impossible days, months, and shapes that are not dates.
            for bad in [
                "29/02/2023",
                "2026-13-01",
                "31/04/1990",
                "08/17/1990",
                "1990-02-30",
                "17/08/90",
                "17/08-1990",
                "1990/08/17",
                "1990-8-17",
                "+1990-08-17",
                "17/08/1990/1",
                "",
                "x",
            ] {
                assert_eq!(parse(bad, order), Err(DateProblem::NotADate), "{bad:?}");
            }
        }
    }

    #[test]
    fn month_first_in_the_united_states_and_the_philippines() {
        for country in ["US", "PH"] {
            let order = DateOrder::of_country(country);
            assert_eq!(order, DateOrder::MonthFirst);
            assert_eq!(parse("08/17/1990", order), Ok(date("1990-08-17")));
            assert_eq!(parse("03/04/1990", order), Ok(date("1990-03-04")));
            assert_eq!(parse("1990-08-17", order), Ok(date("1990-08-17")));
            assert_eq!(parse("17/08/1990", order), Err(DateProblem::NotADate));
        }
        assert_eq!(DateOrder::MonthFirst.formats(), "YYYY-MM-DD or MM/DD/YYYY");
    }

    #[test]
    fn either_order_only_where_it_cannot_be_misread() {
        let order = DateOrder::of_country("CA");
        assert_eq!(order, DateOrder::Unknown);
        assert_eq!(parse("17/08/1990", order), Ok(date("1990-08-17")));
        assert_eq!(parse("08/17/1990", order), Ok(date("1990-08-17")));
        assert_eq!(parse("05/05/1990", order), Ok(date("1990-05-05")));
        assert_eq!(parse("03/04/1990", order), Err(DateProblem::Ambiguous));
        assert_eq!(parse("29/02/2023", order), Err(DateProblem::NotADate));
        assert_eq!(parse("2026-13-01", order), Err(DateProblem::NotADate));
        assert_eq!(
            DateProblem::Ambiguous.message("date_of_birth", "\"03/04/1990\"", order),
            "date_of_birth \"03/04/1990\" may be read day first or month first: write it YYYY-MM-DD"
        );
        assert_eq!(
            DateProblem::NotADate.message("start_date", "\"x\"", DateOrder::DayFirst),
            "start_date \"x\" is not a date written YYYY-MM-DD or DD/MM/YYYY"
        );
    }
}
