//! The reminder schedule as managers set it on the Reminders page: the days before the due
//! date, the overdue day and the sending hours. Saved, it is kept in the database and replaces
//! the file's `[reminders]` from the next pass on; it is checked by the rules the file is
//! checked by at start-up (`RemindersConfig::check`).

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension};

use super::Settings;
use crate::audit::{self, Actor, Change};
use crate::plumbing::config::{RemindersConfig, ScheduleProblem};

/// The settings key the schedule is stored under.
const KEY: &str = "reminders.schedule";

/// Why a schedule was not saved.
#[derive(Debug, thiserror::Error)]
pub(crate) enum SaveError {
    #[error("invalid schedule: {0:?}")]
    Invalid(ScheduleProblem),
    #[error("database: {0}")]
    Db(#[from] rusqlite::Error),
}

/// The schedule saved on the page, if any (one that no longer passes the checks is ignored).
pub(crate) fn stored(conn: &Connection) -> rusqlite::Result<Option<RemindersConfig>> {
    let value: Option<String> = conn
        .prepare_cached("SELECT value FROM settings WHERE key = ?1")?
        .query_row([KEY], |r| r.get(0))
        .optional()?;
    Ok(value
        .and_then(|v| serde_json::from_str::<RemindersConfig>(&v).ok())
        .filter(|s| s.check().is_ok()))
}

/// The schedule in force: the one saved on the page, else the file's.
pub(crate) fn current(
    conn: &Connection,
    file: &RemindersConfig,
) -> rusqlite::Result<RemindersConfig> {
    Ok(stored(conn)?.unwrap_or_else(|| file.clone()))
}

/// Saves a schedule typed on the page, audited with before and after; call inside a write
/// transaction.
pub(crate) fn save(
    conn: &Connection,
    actor: &Actor,
    before: &RemindersConfig,
    schedule: &RemindersConfig,
    now: DateTime<Utc>,
) -> Result<(), SaveError> {
    schedule.check().map_err(SaveError::Invalid)?;
    let value = serde_json::to_string(schedule).unwrap_or_default();
    conn.execute(
        "INSERT INTO settings (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [KEY, value.as_str()],
    )?;
    let change = Change {
        action: "reminders.schedule",
        entity: "settings",
        entity_id: KEY,
        before: serde_json::to_value(before).ok(),
        after: serde_json::to_value(schedule).ok(),
    };
    audit::record(conn, actor, &change, now)?;
    Ok(())
}

impl Settings {
    /// These settings with the days and hours of `schedule` (a checked one).
    pub(crate) fn with_schedule(&self, schedule: &RemindersConfig) -> Settings {
        Settings {
            days_before: schedule.days(),
            overdue_after_days: schedule.overdue_after_days,
            send_from: schedule.window_start(),
            send_until: schedule.window_end(),
            ..self.clone()
        }
    }

    /// These settings with the schedule saved on the page, if there is one.
    pub(crate) fn as_saved(&self, conn: &Connection) -> rusqlite::Result<Settings> {
        Ok(match stored(conn)? {
            Some(schedule) => self.with_schedule(&schedule),
            None => self.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::plumbing::config::Config;

    #[test]
    fn a_saved_schedule_replaces_the_files_and_a_bad_one_is_refused() {
        let (_dir, db) = crate::plumbing::db::tests::test_db();
        let conn = db.conn().unwrap();
        let now = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let file = Config::default().reminders;
        assert_eq!(current(&conn, &file).unwrap().days(), [5, 3, 1, 0]);
        let mut typed = file.clone();
        typed.days_before = "7, 2".into();
        typed.send_from = "09:30".into();
        typed.send_until = "09:00".into();
        assert!(matches!(
            save(&conn, &Actor::System, &file, &typed, now),
            Err(SaveError::Invalid(ScheduleProblem::HoursOrder))
        ));
        assert!(stored(&conn).unwrap().is_none(), "nothing half-saved");
        typed.send_until = "17:00".into();
        save(&conn, &Actor::System, &file, &typed, now).unwrap();
        let settings = Settings::from_config(&Config::default())
            .as_saved(&conn)
            .unwrap();
        assert_eq!(settings.days_before, [7, 2]);
        assert_eq!(settings.send_from.to_string(), "09:30:00");
        assert_eq!(settings.send_until.to_string(), "17:00:00");
    }
}
