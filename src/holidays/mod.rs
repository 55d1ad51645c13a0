//! The branch's holidays: the days that are not working days although they fall on a weekday
//! (Idul Fitri, Independence Day, a local holiday). Complaint service-level clocks count
//! working days with it and the call centre does not call on them. Managers keep the list; head
//! office will later send it. Adding and removing are audited in the caller's transaction.

use chrono::{DateTime, Datelike, NaiveDate, Utc, Weekday};
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::json;

use crate::audit::{self, Actor, Change};

/// The longest name of a holiday.
pub(crate) const MAX_NAME_CHARS: usize = 100;

/// A day the branch does not work.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Holiday {
    pub(crate) on: NaiveDate,
    pub(crate) name: String,
}

/// Why a holiday cannot be added or removed, or the database failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum HolidayError {
    #[error("the name is empty, longer than {MAX_NAME_CHARS} characters or has a line break")]
    BadName,
    #[error("{0} is already a holiday")]
    AlreadyListed(NaiveDate),
    #[error("{0} is not a holiday")]
    NotListed(NaiveDate),
    #[error("database: {0}")]
    Db(#[from] rusqlite::Error),
}

/// Whether `on` is on the holidays list.
pub(crate) fn is_holiday(conn: &Connection, on: NaiveDate) -> rusqlite::Result<bool> {
    conn.prepare_cached("SELECT 1 FROM holidays WHERE on_date = ?1")?
        .query_row([on], |_| Ok(()))
        .optional()
        .map(|found| found.is_some())
}

/// Whether `on` is a working day: Monday to Friday and not a holiday (the regulator's "hari
/// kerja", by which complaint deadlines are counted).
#[allow(
    dead_code,
    reason = "the call centre's hours (issue 15) ask it; complaint clocks use a Calendar"
)]
pub(crate) fn is_working_day(conn: &Connection, on: NaiveDate) -> rusqlite::Result<bool> {
    if is_weekend(on) {
        return Ok(false);
    }
    Ok(!is_holiday(conn, on)?)
}

/// Whether `on` is a Saturday or a Sunday.
pub(crate) fn is_weekend(on: NaiveDate) -> bool {
    matches!(on.weekday(), Weekday::Sat | Weekday::Sun)
}

/// The holidays from `from` to `to` inclusive, by date.
pub(crate) fn between(
    conn: &Connection,
    from: NaiveDate,
    to: NaiveDate,
) -> rusqlite::Result<Vec<Holiday>> {
    conn.prepare_cached(
        "SELECT on_date, name FROM holidays WHERE on_date BETWEEN ?1 AND ?2 ORDER BY on_date",
    )?
    .query_map(params![from, to], |r| {
        Ok(Holiday {
            on: r.get(0)?,
            name: r.get(1)?,
        })
    })?
    .collect()
}

/// Adds a holiday, audited.
pub(crate) fn add(
    conn: &Connection,
    actor: &Actor,
    holiday: &Holiday,
    now: DateTime<Utc>,
) -> Result<(), HolidayError> {
    let name = holiday.name.trim();
    if name.is_empty()
        || name.chars().count() > MAX_NAME_CHARS
        || name.chars().any(char::is_control)
    {
        return Err(HolidayError::BadName);
    }
    if is_holiday(conn, holiday.on)? {
        return Err(HolidayError::AlreadyListed(holiday.on));
    }
    let staff = match actor {
        Actor::Staff(user) => Some(&user.id),
        _ => None,
    };
    conn.prepare_cached(
        "INSERT INTO holidays (on_date, name, added_by, added_at) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![holiday.on, name, staff, now])?;
    let on = holiday.on.to_string();
    let change = Change {
        action: "holiday.add",
        entity: "holiday",
        entity_id: &on,
        before: None,
        after: Some(json!({ "on": on, "name": name })),
    };
    audit::record(conn, actor, &change, now)?;
    Ok(())
}

/// Removes a holiday, audited.
pub(crate) fn remove(
    conn: &Connection,
    actor: &Actor,
    on: NaiveDate,
    now: DateTime<Utc>,
) -> Result<(), HolidayError> {
    let name: Option<String> = conn
        .prepare_cached("SELECT name FROM holidays WHERE on_date = ?1")?
        .query_row([on], |r| r.get(0))
        .optional()?;
    let Some(name) = name else {
        return Err(HolidayError::NotListed(on));
    };
    conn.prepare_cached("DELETE FROM holidays WHERE on_date = ?1")?
        .execute([on])?;
    let day = on.to_string();
    let change = Change {
        action: "holiday.remove",
        entity: "holiday",
        entity_id: &day,
        before: Some(json!({ "on": day, "name": name })),
        after: None,
    };
    audit::record(conn, actor, &change, now)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    fn now() -> DateTime<Utc> {
        "2026-08-01T09:00:00Z".parse().expect("instant")
    }

    #[test]
    fn weekends_and_listed_days_are_not_working_days() {
        let (_dir, db) = crate::plumbing::db::tests::test_db();
        let mut conn = db.conn().expect("conn");
        let now = now();
        let tx = crate::plumbing::db::immediate(&mut conn).expect("tx");
        let holiday = Holiday {
            on: day("2026-08-17"),
            name: "Hari Kemerdekaan".into(),
        };
        add(&tx, &Actor::System, &holiday, now).expect("add");
        assert!(matches!(
            add(&tx, &Actor::System, &holiday, now),
            Err(HolidayError::AlreadyListed(_))
        ));
        // 2026-08-17 is a Monday, 08-15 a Saturday, 08-16 a Sunday, 08-18 a Tuesday.
        assert!(!is_working_day(&tx, day("2026-08-17")).expect("mon"));
        assert!(!is_working_day(&tx, day("2026-08-15")).expect("sat"));
        assert!(!is_working_day(&tx, day("2026-08-16")).expect("sun"));
        assert!(is_working_day(&tx, day("2026-08-18")).expect("tue"));
        assert_eq!(
            between(&tx, day("2026-08-01"), day("2026-08-31")).expect("list"),
            vec![holiday.clone()]
        );
        remove(&tx, &Actor::System, holiday.on, now).expect("remove");
        assert!(is_working_day(&tx, day("2026-08-17")).expect("mon again"));
        assert!(matches!(
            remove(&tx, &Actor::System, holiday.on, now),
            Err(HolidayError::NotListed(_))
        ));
    }

    #[test]
    fn a_blank_or_multiline_name_is_refused() {
        let (_dir, db) = crate::plumbing::db::tests::test_db();
        let conn = db.conn().expect("conn");
        for name in ["", "  ", "Idul\nFitri"] {
            let holiday = Holiday {
                on: day("2026-03-20"),
                name: name.into(),
            };
            assert!(matches!(
                add(&conn, &Actor::System, &holiday, now()),
                Err(HolidayError::BadName)
            ));
        }
    }
}
