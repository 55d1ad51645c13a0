//! Backups: a consistent copy of the live database, made while the server keeps serving.
//!
//! A copy is made with `VACUUM INTO`, which reads one snapshot of the database (WAL mode lets
//! writers carry on meanwhile) and writes a compact, self-contained file. The copy goes to a
//! temporary name, is checked with `PRAGMA quick_check`, synced, and only then renamed into
//! place, so a backup file that exists is a whole one. Nightly backups go to `backups/` in the
//! data directory, keeping the newest `[storage] backup_keep`. The files kept beside the
//! database (complaint attachments, never changed once written) are mirrored into
//! `backups/attachments/` at each nightly backup: a restore takes the database copy and that
//! folder.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::{DateTime, Duration, FixedOffset, NaiveTime, Utc};
use log::{error, info};
use rusqlite::{Connection, OpenFlags};

use crate::plumbing::clock::Clock;
use crate::plumbing::db::{ATTACHMENTS_DIR, Db};

/// The folder of nightly backups inside the data directory.
pub(crate) const BACKUP_DIR: &str = "backups";
/// Nightly backup files start with this.
const PREFIX: &str = "pawnbranch-";

/// A backup that could not be made.
#[derive(Debug, thiserror::Error)]
pub(crate) enum BackupError {
    #[error("{0} already exists; choose a new file name")]
    Exists(PathBuf),
    #[error("cannot write the backup: {0}")]
    Io(#[from] std::io::Error),
    #[error("database error while copying: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("the copy failed its check: {0}")]
    Check(String),
}

/// Copies the database behind `conn` to `dest`, consistently, while others keep writing.
pub(crate) fn copy_to(conn: &Connection, dest: &Path) -> Result<(), BackupError> {
    if dest.exists() {
        return Err(BackupError::Exists(dest.to_owned()));
    }
    let mut partial = dest.as_os_str().to_owned();
    partial.push(".partial");
    let partial = PathBuf::from(partial);
    let _ = std::fs::remove_file(&partial);
    let result = (|| {
        conn.execute("VACUUM INTO ?1", [partial.to_string_lossy()])?;
        let copy = Connection::open_with_flags(&partial, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        let verdict: String = copy
            .prepare_cached("PRAGMA quick_check")?
            .query_row([], |r| r.get(0))?;
        drop(copy);
        if verdict != "ok" {
            return Err(BackupError::Check(verdict));
        }
        std::fs::File::open(&partial)?.sync_all()?;
        std::fs::rename(&partial, dest)?;
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    result
}

/// Makes a nightly-style backup in the data directory and deletes the oldest beyond `keep`.
pub(crate) fn nightly(
    db: &Db,
    data_dir: &Path,
    keep: usize,
    now: DateTime<Utc>,
) -> Result<PathBuf, BackupError> {
    let dir = data_dir.join(BACKUP_DIR);
    std::fs::create_dir_all(&dir)?;
    let dest = dir.join(format!("{PREFIX}{}.sqlite", now.format("%Y%m%d-%H%M%S")));
    let conn = db.conn().map_err(|e| BackupError::Check(e.to_string()))?;
    copy_to(&conn, &dest)?;
    drop(conn);
    let mirrored = mirror_files(data_dir)?;
    if mirrored > 0 {
        info!("backup: copied {mirrored} new attachment(s)");
    }
    let mut existing = list(data_dir)?;
    existing.sort();
    let excess = existing.len().saturating_sub(keep);
    for old in existing.into_iter().take(excess) {
        std::fs::remove_file(&old)?;
        info!("backup: removed old backup {}", old.display());
    }
    Ok(dest)
}

/// Copies the attachments not yet in `backups/attachments/` there (each through a temporary
/// name, synced, then renamed, so a file present is whole); returns how many it copied. The
/// files never change once written, so one present is up to date.
pub(crate) fn mirror_files(data_dir: &Path) -> std::io::Result<usize> {
    let from = data_dir.join(ATTACHMENTS_DIR);
    let entries = match std::fs::read_dir(&from) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(e),
    };
    let to = data_dir.join(BACKUP_DIR).join(ATTACHMENTS_DIR);
    std::fs::create_dir_all(&to)?;
    let mut copied = 0;
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name();
        // Files still being written have a temporary name with a dot; they are not attachments yet.
        if !entry.file_type()?.is_file() || name.to_string_lossy().contains('.') {
            continue;
        }
        let dest = to.join(&name);
        if dest.exists() {
            continue;
        }
        let partial = to.join(format!("{}.partial", name.to_string_lossy()));
        std::fs::copy(entry.path(), &partial)?;
        std::fs::File::open(&partial)?.sync_all()?;
        std::fs::rename(&partial, &dest)?;
        copied += 1;
    }
    if copied > 0 {
        std::fs::File::open(&to)?.sync_all()?;
    }
    Ok(copied)
}

/// The nightly backups present, in no particular order.
pub(crate) fn list(data_dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let dir = data_dir.join(BACKUP_DIR);
    let entries = match std::fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut found = Vec::new();
    for entry in entries {
        let path = entry?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.starts_with(PREFIX) && name.ends_with(".sqlite") {
            found.push(path);
        }
    }
    Ok(found)
}

/// The next time of day `at` (branch-local) strictly after `now`.
pub(crate) fn next_run(now: DateTime<Utc>, at: NaiveTime, offset: FixedOffset) -> DateTime<Utc> {
    let local = now.with_timezone(&offset);
    let today = local.date_naive().and_time(at);
    let candidate = if today > local.naive_local() {
        today
    } else {
        today + Duration::days(1)
    };
    candidate
        .and_local_timezone(offset)
        .single()
        .map_or(now + Duration::days(1), |t| t.with_timezone(&Utc))
}

/// The nightly backup thread: sleeps until the backup time, backs up, repeats until shutdown.
pub(crate) fn run_nightly(
    db: &Db,
    clock: &dyn Clock,
    data_dir: &Path,
    at: NaiveTime,
    offset: FixedOffset,
    keep: usize,
    shutdown: &AtomicBool,
) {
    let mut due = next_run(clock.now(), at, offset);
    info!("backup: next nightly backup at {due}");
    while !shutdown.load(Ordering::SeqCst) {
        std::thread::sleep(std::time::Duration::from_millis(250));
        let now = clock.now();
        if now < due {
            continue;
        }
        match nightly(db, data_dir, keep, now) {
            Ok(path) => info!("backup: wrote {}", path.display()),
            Err(e) => error!("backup: nightly backup failed: {e}"),
        }
        due = next_run(now, at, offset);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn next_run_is_the_next_local_time() {
        let offset = FixedOffset::east_opt(7 * 3600).unwrap();
        let at = NaiveTime::from_hms_opt(2, 30, 0).unwrap();
        // 2026-11-25 01:00 local is 2026-11-24 18:00 UTC; the next run is 02:30 local the same night.
        let now = DateTime::parse_from_rfc3339("2026-11-24T18:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(
            next_run(now, at, offset).to_rfc3339(),
            "2026-11-24T19:30:00+00:00"
        );
        let later = DateTime::parse_from_rfc3339("2026-11-24T19:30:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(
            next_run(later, at, offset).to_rfc3339(),
            "2026-11-25T19:30:00+00:00"
        );
    }

    #[test]
    fn the_nightly_backup_mirrors_the_attachments_once() {
        let (dir, db) = crate::plumbing::db::tests::test_db();
        let files = dir.path().join(ATTACHMENTS_DIR);
        std::fs::create_dir_all(&files).unwrap();
        std::fs::write(files.join("01AAA"), b"first").unwrap();
        std::fs::write(files.join("01BBB.tmp"), b"being written").unwrap();
        let t0 = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        nightly(&db, dir.path(), 2, t0).unwrap();
        let mirror = dir.path().join(BACKUP_DIR).join(ATTACHMENTS_DIR);
        assert_eq!(std::fs::read(mirror.join("01AAA")).unwrap(), b"first");
        assert!(!mirror.join("01BBB.tmp").exists(), "not an attachment yet");
        std::fs::write(files.join("01CCC"), b"second").unwrap();
        assert_eq!(mirror_files(dir.path()).unwrap(), 1, "only the new one");
        assert_eq!(std::fs::read(mirror.join("01CCC")).unwrap(), b"second");
        assert_eq!(mirror_files(dir.path()).unwrap(), 0);
        let names = std::fs::read_dir(&mirror).unwrap().count();
        assert_eq!(names, 2, "no partial file left");
    }

    #[test]
    fn keeps_only_the_newest() {
        let (dir, db) = crate::plumbing::db::tests::test_db();
        let t0 = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        for day in 0..4 {
            nightly(&db, dir.path(), 2, t0 + Duration::days(day)).unwrap();
        }
        let mut names: Vec<String> = list(dir.path())
            .unwrap()
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(
            names,
            [
                "pawnbranch-20231116-221320.sqlite",
                "pawnbranch-20231117-221320.sqlite"
            ]
        );
        let e = copy_to(&db.conn().unwrap(), &list(dir.path()).unwrap()[0]).unwrap_err();
        assert!(matches!(e, BackupError::Exists(_)));
    }
}
