//! The SQLite database: opening it safely, its pragmas, its migrations and a small pool of
//! connections.
//!
//! Every connection runs in WAL mode with `synchronous = FULL`: in WAL mode that makes each
//! commit sync the log before it returns, so a payment the server has confirmed survives a
//! power cut (with `NORMAL`, the last commits before a power cut can roll back). Foreign keys
//! are on and writers wait up to `[storage] busy_timeout_ms` for each other. `secure_delete` is
//! on, so text that is deleted or overwritten (a one-time code blanked once sent) is zeroed in
//! the file instead of lingering in free space; [`truncate_wal`] then empties the WAL's older
//! copies of the page.
//!
//! Domain modules hold their own SQL as plain functions over `&Connection`; the caller owns the
//! transaction, and a transaction that writes starts with [`immediate`] (`BEGIN IMMEDIATE`), so
//! it takes the write lock up front instead of failing half-way with `SQLITE_BUSY`.
//! Lists that read many instants or dates read them with [`instant`], [`maybe_instant`] and
//! [`date`].

use std::ops::{Deref, DerefMut};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::types::ValueRef;
use rusqlite::{Connection, ErrorCode, OpenFlags, Row, Transaction, TransactionBehavior};

use super::clock;

mod branch_migrations {
    refinery::embed_migrations!("migrations/branch");
}

mod hq_migrations {
    refinery::embed_migrations!("migrations/hq");
}

/// The file name of the branch database inside the data directory.
pub(crate) const DB_FILE: &str = "pawnbranch.sqlite";
/// The directory, inside the data directory, of the files kept beside the database (complaint
/// attachments, each named by its id and never changed); the nightly backup mirrors it.
pub(crate) const ATTACHMENTS_DIR: &str = "attachments";
/// The file name of the head office database inside its data directory.
pub(crate) const HQ_DB_FILE: &str = "hq.sqlite";

/// Which database a process keeps: a branch's, or head office's (`pawnbranch hq`). Each has its
/// own file name and its own migrations, so pointing both at one directory cannot mix them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Schema {
    Branch,
    HeadOffice,
}

impl Schema {
    fn file_name(self) -> &'static str {
        match self {
            Schema::Branch => DB_FILE,
            Schema::HeadOffice => HQ_DB_FILE,
        }
    }

    /// Pragmas for this kind of database on top of those every connection gets.
    fn pragmas(self) -> &'static str {
        match self {
            // Reads (the name index above all) go through the memory map instead of a read
            // call per page into each connection's small page cache.
            Schema::Branch => "PRAGMA mmap_size = 268435456;",
            // Head office writes every branch's batches into tables far larger than SQLite's
            // default 2 MiB page cache; 32 MiB per connection keeps their upper levels cached.
            Schema::HeadOffice => "PRAGMA cache_size = -32768;",
        }
    }

    fn runner(self) -> refinery::Runner {
        match self {
            Schema::Branch => branch_migrations::migrations::runner(),
            Schema::HeadOffice => hq_migrations::migrations::runner(),
        }
    }
}

/// How many prepared statements each connection keeps (rusqlite keeps 16 by default). A page
/// such as the manager's dashboard runs some 60 different statements: with the default, each
/// request evicted the statements the next one needed, and every request parsed and planned
/// them all again (the dashboard fell from 14,459 to 779 requests a second as its cards grew).
/// Large enough for every `prepare_cached` in the program, so none is ever evicted; a test
/// keeps it so. A statement takes a few KiB, times the pool's connections.
const STATEMENT_CACHE: usize = 1024;

/// Why the database could not be used.
#[derive(Debug, thiserror::Error)]
pub(crate) enum DbError {
    #[error("data directory {path} cannot be created: {source}")]
    CreateDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("data directory {path} is not writable: {source}")]
    NotWritable {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "database {path} is damaged or is not a pawnbranch database ({detail}); restore the latest backup from the backups folder"
    )]
    Corrupt { path: PathBuf, detail: String },
    #[error(
        "database {path} was written by a newer pawnbranch (schema version {found}, this program knows up to {known}); install the newer version or restore a backup"
    )]
    Newer {
        path: PathBuf,
        found: i64,
        known: i64,
    },
    #[error("database migration failed: {0}")]
    Migration(String),
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

/// A handle on the database: where it is, and idle connections ready for use.
pub(crate) struct Db {
    path: PathBuf,
    schema: Schema,
    busy_timeout: Duration,
    idle: Mutex<Vec<Connection>>,
    max_idle: usize,
}

impl Db {
    /// Whether the database answers a query: `Err` says why not (for `/healthz`).
    pub(crate) fn ping(&self) -> Result<(), String> {
        let conn = self.conn().map_err(|e| e.to_string())?;
        match conn.query_row("SELECT 1", [], |r| r.get::<_, i64>(0)) {
            Ok(1) => Ok(()),
            Ok(_) => Err("unexpected answer".to_owned()),
            Err(e) => Err(e.to_string()),
        }
    }

    /// Opens (creating if needed) the branch database in `data_dir`, checks it and migrates
    /// it. Commands that write open it through `sync::changes::open_logged`, which also brings
    /// the change log's triggers up to date with the schema.
    pub(crate) fn open(
        data_dir: &Path,
        busy_timeout: Duration,
        max_idle: usize,
    ) -> Result<Db, DbError> {
        Db::open_schema(data_dir, Schema::Branch, busy_timeout, max_idle)
    }

    /// Opens (creating if needed) the database of `schema` in `data_dir`.
    pub(crate) fn open_schema(
        data_dir: &Path,
        schema: Schema,
        busy_timeout: Duration,
        max_idle: usize,
    ) -> Result<Db, DbError> {
        prepare_data_dir(data_dir)?;
        let path = data_dir.join(schema.file_name());
        let db = Db {
            path,
            schema,
            busy_timeout,
            idle: Mutex::new(Vec::new()),
            max_idle,
        };
        let mut conn = db.open_connection()?;
        migrate(&mut conn, &db.path, schema)?;
        db.put_back(conn);
        Ok(db)
    }

    /// The database file.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// A connection from the pool (a new one when none is idle).
    pub(crate) fn conn(&self) -> Result<PooledConn<'_>, DbError> {
        let idle = self
            .idle
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .pop();
        let conn = match idle {
            Some(c) => c,
            None => self.open_connection()?,
        };
        Ok(PooledConn {
            db: self,
            conn: Some(conn),
        })
    }

    /// Runs `reads` in one read transaction (`BEGIN DEFERRED`) on a connection of the pool,
    /// which goes back to the pool when they are done, before the page is drawn. For a page
    /// that reads many things: all its queries see one snapshot of the database, so its
    /// figures agree with each other, and the read lock is taken once where each query would
    /// otherwise take and drop its own (a tenth of the manager's dashboard of a full branch,
    /// by `perf`). For reading only: a write in it fails when another connection wrote after
    /// its first read.
    pub(crate) fn read<T, E>(&self, reads: impl FnOnce(&Connection) -> Result<T, E>) -> Result<T, E>
    where
        E: From<DbError> + From<rusqlite::Error>,
    {
        let mut conn = self.conn()?;
        let snapshot = conn.transaction_with_behavior(TransactionBehavior::Deferred)?;
        reads(&snapshot)
    }

    /// Opens a connection with the pragmas every connection needs.
    fn open_connection(&self) -> Result<Connection, DbError> {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn =
            Connection::open_with_flags(&self.path, flags).map_err(|e| classify(e, &self.path))?;
        conn.busy_timeout(self.busy_timeout)
            .map_err(|e| classify(e, &self.path))?;
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        // Pragmas run outside any transaction; journal_mode is persistent but cheap to repeat.
        conn.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; \
             PRAGMA secure_delete = ON;",
        )
        .and_then(|()| conn.execute_batch(self.schema.pragmas()))
        .map_err(|e| classify(e, &self.path))?;
        Ok(conn)
    }

    /// Returns a connection to the pool, unless the pool is full or it is mid-transaction.
    fn put_back(&self, conn: Connection) {
        if !conn.is_autocommit() {
            return;
        }
        let mut idle = self
            .idle
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if idle.len() < self.max_idle {
            idle.push(conn);
        }
    }
}

/// A pooled connection, returned to the pool when dropped.
pub(crate) struct PooledConn<'a> {
    db: &'a Db,
    conn: Option<Connection>,
}

impl Deref for PooledConn<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        self.conn.as_ref().expect("connection present until drop")
    }
}

impl DerefMut for PooledConn<'_> {
    fn deref_mut(&mut self) -> &mut Connection {
        self.conn.as_mut().expect("connection present until drop")
    }
}

impl Drop for PooledConn<'_> {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            self.db.put_back(conn);
        }
    }
}

/// `text` for a `LIKE ... ESCAPE '\'` pattern: its `%`, `_` and `\` match themselves.
pub(crate) fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// Whether `conn` is in a transaction that has written (or may write: `BEGIN IMMEDIATE`), as
/// opposed to none or a read transaction. What such a transaction read can still roll back.
pub(crate) fn in_write_transaction(conn: &Connection) -> rusqlite::Result<bool> {
    Ok(conn.transaction_state(None::<&str>)? == rusqlite::TransactionState::Write)
}

/// Starts a write transaction (`BEGIN IMMEDIATE`).
pub(crate) fn immediate(conn: &mut Connection) -> rusqlite::Result<Transaction<'_>> {
    conn.transaction_with_behavior(TransactionBehavior::Immediate)
}

/// The instant in column `idx` of `row`: the stored form read by [`clock::parse_stored`], any
/// other (a time SQLite wrote, with no offset) as rusqlite reads a `DateTime<Utc>`, which also
/// gives its error for a value that is no time.
pub(crate) fn instant(row: &Row<'_>, idx: usize) -> rusqlite::Result<DateTime<Utc>> {
    let stored = match row.get_ref(idx)? {
        ValueRef::Text(text) => std::str::from_utf8(text).ok().and_then(clock::parse_stored),
        _ => None,
    };
    match stored {
        Some(at) => Ok(at),
        None => row.get(idx),
    }
}

/// [`instant`] of a column that may be NULL.
pub(crate) fn maybe_instant(row: &Row<'_>, idx: usize) -> rusqlite::Result<Option<DateTime<Utc>>> {
    match row.get_ref(idx)? {
        ValueRef::Null => Ok(None),
        _ => instant(row, idx).map(Some),
    }
}

/// The date in column `idx` of `row`: the stored form (`2026-12-03`) read digit by digit,
/// anything else as rusqlite reads a `NaiveDate` (through a strftime pattern, several times
/// slower), which also gives its error for a value that is no date.
pub(crate) fn date(row: &Row<'_>, idx: usize) -> rusqlite::Result<NaiveDate> {
    let stored = match row.get_ref(idx)? {
        ValueRef::Text(text) => clock::stored_day(text),
        _ => None,
    };
    match stored {
        Some(day) => Ok(day),
        None => row.get(idx),
    }
}

/// Creates the data directory and proves it is writable.
fn prepare_data_dir(dir: &Path) -> Result<(), DbError> {
    std::fs::create_dir_all(dir).map_err(|source| DbError::CreateDir {
        path: dir.to_owned(),
        source,
    })?;
    let probe = dir.join(".write-test");
    std::fs::write(&probe, b"ok").map_err(|source| DbError::NotWritable {
        path: dir.to_owned(),
        source,
    })?;
    std::fs::remove_file(&probe).map_err(|source| DbError::NotWritable {
        path: dir.to_owned(),
        source,
    })?;
    Ok(())
}

/// Turns "not a database" and "corrupt" into a clear error.
fn classify(e: rusqlite::Error, path: &Path) -> DbError {
    match e.sqlite_error_code() {
        Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => DbError::Corrupt {
            path: path.to_owned(),
            detail: e.to_string(),
        },
        _ => DbError::Sqlite(e),
    }
}

/// The highest branch schema version this program knows.
pub(crate) fn known_version() -> i64 {
    known_version_of(Schema::Branch)
}

/// The highest version of `schema` this program knows.
pub(crate) fn known_version_of(schema: Schema) -> i64 {
    schema
        .runner()
        .get_migrations()
        .iter()
        .map(|m| i64::from(m.version()))
        .max()
        .unwrap_or(0)
}

/// The schema version recorded in the database, 0 for a new one.
pub(crate) fn schema_version(conn: &Connection) -> rusqlite::Result<i64> {
    let has_history: bool = conn.prepare_cached(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'refinery_schema_history')",
    )?
    .query_row(
        [],
        |row| row.get(0),
    )?;
    if !has_history {
        return Ok(0);
    }
    conn.prepare_cached("SELECT COALESCE(MAX(version), 0) FROM refinery_schema_history")?
        .query_row([], |row| row.get(0))
}

/// Copies every committed page into the database file and empties the write-ahead log.
///
/// Called after text that must not outlive its use was overwritten (a one-time code blanked in
/// an outbox): `secure_delete` zeroes the old bytes in the current page, but the WAL still
/// holds the page as it was until it is checkpointed and truncated. Waits for readers (the
/// busy timeout); a checkpoint that could not finish is logged and tried again next time.
pub(crate) fn truncate_wal(conn: &Connection) {
    let outcome = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| {
        r.get::<_, i64>(0)
    });
    match outcome {
        Ok(0) => {}
        Ok(_) => log::warn!("database: the WAL could not be emptied now (busy); it will be later"),
        Err(e) => log::warn!("database: emptying the WAL failed: {e}"),
    }
}

/// Refuses a database from a newer program, then applies the migrations this one has.
fn migrate(conn: &mut Connection, path: &Path, schema: Schema) -> Result<(), DbError> {
    let found = schema_version(conn).map_err(|e| classify(e, path))?;
    let known = known_version_of(schema);
    if found > known {
        return Err(DbError::Newer {
            path: path.to_owned(),
            found,
            known,
        });
    }
    let report = schema
        .runner()
        .set_grouped(true)
        .run(conn)
        .map_err(|e| DbError::Migration(e.to_string()))?;
    for m in report.applied_migrations() {
        log::info!("database: applied migration V{} {}", m.version(), m.name());
    }
    Ok(())
}

/// Runs `PRAGMA integrity_check` and returns its complaints (empty when the file is sound).
pub(crate) fn integrity_problems(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare("PRAGMA integrity_check")?;
    let rows = stmt
        .query_map([], |row| row.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows.into_iter().filter(|r| r != "ok").collect())
}

#[cfg(test)]
pub(crate) mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// What is read in [`Db::read`] is of one moment: a write committed meanwhile by another
    /// connection is not seen until the next read.
    #[test]
    fn a_read_sees_one_moment() {
        let (_dir, db) = test_db();
        db.conn()
            .unwrap()
            .execute_batch("CREATE TABLE t (n INTEGER); INSERT INTO t VALUES (1);")
            .unwrap();
        let count = |conn: &Connection| -> rusqlite::Result<i64> {
            conn.query_row("SELECT count(*) FROM t", [], |r| r.get(0))
        };
        let seen = db
            .read(|conn| -> Result<_, DbError> {
                let first = count(conn)?;
                db.conn()?.execute("INSERT INTO t VALUES (2)", [])?;
                Ok((first, count(conn)?))
            })
            .unwrap();
        assert_eq!(seen, (1, 1));
        let now = db.read(|conn| count(conn).map_err(DbError::from));
        assert_eq!(now.unwrap(), 2);
    }

    /// A migrated database in a temporary directory, for domain tests.
    pub(crate) fn test_db() -> (tempfile::TempDir, Db) {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(dir.path(), Duration::from_secs(5), 4).unwrap();
        (dir, db)
    }

    /// Applies the branch migrations up to `version` (all of them when `None`), for tests of a
    /// migration over a database in the format before it.
    pub(crate) fn migrate_branch_to(conn: &mut Connection, version: Option<i32>) {
        let mut runner = branch_migrations::migrations::runner();
        if let Some(v) = version {
            runner = runner.set_target(refinery::Target::Version(v));
        }
        runner.set_grouped(true).run(conn).unwrap();
    }

    /// `instant` reads what rusqlite writes, and anything else, as rusqlite reads a
    /// `DateTime<Utc>`: the same instant, NULL, and the same error for text that is no time.
    #[test]
    fn an_instant_reads_as_rusqlite_reads_it() {
        use chrono::TimeZone;
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE t (at)").unwrap();
        let base = Utc.with_ymd_and_hms(2026, 12, 2, 23, 59, 59).unwrap();
        for nanos in [0, 1_000_000, 123_456_000, 999_999_999, 5] {
            let at = base + chrono::Duration::nanoseconds(nanos);
            conn.execute("INSERT INTO t VALUES (?1)", [at]).unwrap();
        }
        let early = Utc.with_ymd_and_hms(1969, 2, 28, 0, 0, 0).unwrap();
        conn.execute("INSERT INTO t VALUES (?1)", [early]).unwrap();
        for other in [
            "2026-01-31 08:00:00",
            "2026-01-31T08:00:00.5Z",
            "2026-01-31 08:00:00+07:00",
            "no time",
        ] {
            conn.execute("INSERT INTO t VALUES (?1)", [other]).unwrap();
        }
        conn.execute_batch("INSERT INTO t VALUES (NULL), (42)")
            .unwrap();
        let mut stmt = conn.prepare("SELECT at FROM t ORDER BY rowid").unwrap();
        let rows: Vec<(String, String)> = stmt
            .query_map([], |r| {
                let ours = format!("{:?}", maybe_instant(r, 0));
                let theirs = format!("{:?}", r.get::<_, Option<DateTime<Utc>>>(0));
                Ok((ours, theirs))
            })
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(rows.len(), 12);
        for (ours, theirs) in &rows {
            assert_eq!(ours, theirs);
        }
        assert!(
            rows[0].0.starts_with("Ok(Some(2026-12-02T23:59:59Z"),
            "{rows:?}"
        );
        assert!(
            rows[9].0.starts_with("Err"),
            "text that is no time: {rows:?}"
        );
        assert_eq!(rows[10].0, "Ok(None)");
    }

    /// A date reads as rusqlite reads it: the same day, or the same error, for every day of
    /// several years, days that are not in the calendar and text that is no date.
    #[test]
    fn a_date_reads_as_rusqlite_reads_it() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE t (on_date)").unwrap();
        let first = NaiveDate::from_ymd_opt(1999, 12, 25).unwrap();
        for day in first.iter_days().take(365 * 30 + 7) {
            conn.execute("INSERT INTO t VALUES (?1)", [day]).unwrap();
        }
        for other in [
            "2026-02-29",
            "2024-02-29",
            "2026-13-01",
            "2026-00-10",
            "2026-1-01",
            "2026-01-32",
            "+2026-01-01",
            "2026/01/31",
            "2026-01-31 ",
            "２０２６-01-01",
            "no date",
            "",
        ] {
            conn.execute("INSERT INTO t VALUES (?1)", [other]).unwrap();
        }
        conn.execute_batch("INSERT INTO t VALUES (NULL), (42)")
            .unwrap();
        let mut stmt = conn
            .prepare("SELECT on_date FROM t ORDER BY rowid")
            .unwrap();
        let rows: Vec<(String, String)> = stmt
            .query_map([], |r| {
                let ours = format!("{:?}", date(r, 0));
                let theirs = format!("{:?}", r.get::<_, NaiveDate>(0));
                Ok((ours, theirs))
            })
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(rows.len(), 365 * 30 + 7 + 14);
        for (ours, theirs) in &rows {
            assert_eq!(ours, theirs);
        }
        assert_eq!(rows[0].0, "Ok(1999-12-25)");
        let others: Vec<&str> = rows[365 * 30 + 7..]
            .iter()
            .map(|(o, _)| o.as_str())
            .collect();
        assert!(others[0].starts_with("Err"), "{others:?}");
        assert_eq!(others[1], "Ok(2024-02-29)");
        // What rusqlite's pattern also takes (an unpadded month, a sign) is read its way.
        assert_eq!(others[4], "Ok(2026-01-01)");
        assert!(others[10].starts_with("Err"), "{others:?}");
    }

    /// SQLite is compiled as `.cargo/config.toml` says: without the global page-cache and
    /// allocation-counting mutexes, and without STAT4, which re-compiled cached statements on
    /// every new binding once ANALYZE had run.
    #[test]
    fn sqlite_is_compiled_without_the_options_that_cost_every_request() {
        let (_dir, db) = test_db();
        let conn = db.conn().unwrap();
        let used = |option: &str| -> bool {
            conn.query_row("SELECT sqlite_compileoption_used(?1)", [option], |r| {
                r.get(0)
            })
            .unwrap()
        };
        assert!(!used("ENABLE_STAT4"), "STAT4 re-prepares statements");
        assert!(!used("ENABLE_MEMORY_MANAGEMENT"));
        assert!(used("DEFAULT_MEMSTATUS=0"));
    }

    /// Every Rust file of the program (`src/`) with its text.
    fn program_sources() -> Vec<(PathBuf, String)> {
        fn walk(dir: &Path, files: &mut Vec<(PathBuf, String)>) {
            for path in std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()) {
                if path.is_dir() {
                    walk(&path, files);
                } else if path.extension().is_some_and(|x| x == "rs") {
                    let text = std::fs::read_to_string(&path).unwrap();
                    files.push((path, text));
                }
            }
        }
        let mut files = Vec::new();
        walk(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
            &mut files,
        );
        files
    }

    /// Every statement the program prepares through the cache fits in it at once, so a page
    /// that runs many of them never evicts the ones the next request needs.
    #[test]
    fn the_statement_cache_holds_every_cached_statement_of_the_program() {
        let sites: usize = program_sources()
            .iter()
            .map(|(_, text)| text.matches(".prepare_cached(").count())
            .sum();
        assert!(
            sites > 100,
            "the scan found the program's statements: {sites}"
        );
        // Some sites prepare a statement per variant of their SQL; keep room for them.
        assert!(
            sites * 2 <= STATEMENT_CACHE,
            "{sites} cached statements for a cache of {STATEMENT_CACHE}: raise STATEMENT_CACHE"
        );
    }

    /// How many times SQLite has compiled `sql` again since this connection first prepared it,
    /// after running it three times with a new binding each time.
    fn prepared_again(conn: &Connection, sql: &str) -> i32 {
        for n in 1..=3 {
            let mut stmt = conn.prepare_cached(sql).unwrap();
            stmt.query_map([n], |r| r.get::<_, i64>(0))
                .unwrap()
                .for_each(drop);
        }
        conn.prepare_cached(sql)
            .unwrap()
            .get_status(rusqlite::StatementStatus::RePrepare)
    }

    /// SQLite reads a LIMIT given as a bare parameter when it plans the statement, so a cached
    /// statement with `LIMIT ?1` is compiled again on every run (a third of the dashboard's
    /// time went to that); `LIMIT +?1` is an expression it evaluates when the statement runs.
    /// The program's SQL writes every bound limit so.
    #[test]
    fn a_bound_limit_is_written_so_that_the_statement_is_not_compiled_again() {
        let (_dir, db) = test_db();
        let conn = db.conn().unwrap();
        let sql = "SELECT id FROM customers ORDER BY id LIMIT ?1";
        assert_eq!(
            prepared_again(&conn, sql),
            3,
            "the reason for the rule still holds"
        );
        assert_eq!(prepared_again(&conn, &sql.replace("?1", "+?1")), 0);
        let mut found = Vec::new();
        // This file's only bare limits are the ones of this test.
        for (path, text) in program_sources()
            .iter()
            .filter(|(path, _)| !path.ends_with("plumbing/db.rs"))
        {
            for (i, line) in text.lines().enumerate() {
                let words: Vec<&str> = line.split_whitespace().collect();
                if words
                    .windows(2)
                    .any(|w| w[0].ends_with("LIMIT") && w[1].starts_with('?'))
                {
                    found.push(format!("{}:{}", path.display(), i + 1));
                }
            }
        }
        assert!(found.is_empty(), "write `LIMIT +?N`: {found:?}");
    }

    #[test]
    fn opens_migrates_and_sets_pragmas() {
        let (_dir, db) = test_db();
        let conn = db.conn().unwrap();
        let mode: String = conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        let sync: i64 = conn
            .query_row("PRAGMA synchronous", [], |r| r.get(0))
            .unwrap();
        assert_eq!(sync, 2, "FULL");
        let fk: i64 = conn
            .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
            .unwrap();
        assert_eq!(fk, 1);
        assert_eq!(schema_version(&conn).unwrap(), known_version());
        assert!(integrity_problems(&conn).unwrap().is_empty());
    }

    /// A migration that rebuilds a table drops the indexes earlier migrations made on it; each
    /// must be made again (V23 once lost V21's `ledger_postings_loan` so). Every index a branch
    /// migration creates exists after all of them, unless a migration drops it by name.
    #[test]
    fn every_index_a_migration_creates_survives_the_later_ones() {
        let (_dir, db) = test_db();
        let conn = db.conn().unwrap();
        let words = |sql: &str| -> Vec<String> {
            sql.split(|c: char| c.is_whitespace() || c == '(' || c == ';')
                .filter(|w| !w.is_empty())
                .map(str::to_owned)
                .collect()
        };
        let (mut created, mut dropped) = (Vec::new(), Vec::new());
        for migration in branch_migrations::migrations::runner().get_migrations() {
            // Comments may mention an index without making one.
            let sql: String = migration
                .sql()
                .unwrap_or("")
                .lines()
                .map(|l| l.split("--").next().unwrap_or(""))
                .collect::<Vec<_>>()
                .join("\n");
            let w = words(&sql);
            for (i, word) in w.iter().enumerate() {
                let name = |skip: usize| {
                    w.iter()
                        .skip(i + skip)
                        .find(|x| !matches!(x.to_uppercase().as_str(), "IF" | "NOT" | "EXISTS"))
                        .cloned()
                };
                match (
                    word.to_uppercase().as_str(),
                    w.get(i + 1).map(|x| x.to_uppercase()),
                ) {
                    ("INDEX", _)
                        if i > 0 && w[i - 1].eq_ignore_ascii_case("CREATE")
                            || i > 1 && w[i - 1].eq_ignore_ascii_case("UNIQUE") =>
                    {
                        created.extend(name(1));
                    }
                    ("DROP", Some(next)) if next == "INDEX" => dropped.extend(name(2)),
                    _ => {}
                }
            }
        }
        assert!(
            created.len() > 10,
            "the migrations' indexes were read: {created:?}"
        );
        let lost: Vec<&String> = created
            .iter()
            .filter(|name| !dropped.contains(name))
            .filter(|name| {
                conn.query_row(
                    "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = ?1",
                    [name.as_str()],
                    |r| r.get::<_, i64>(0),
                )
                .unwrap()
                    == 0
            })
            .collect();
        assert!(
            lost.is_empty(),
            "indexes lost by a later migration: {lost:?}"
        );
    }

    #[test]
    fn refuses_newer_and_corrupt() {
        let (dir, db) = test_db();
        db.conn()
            .unwrap()
            .execute("INSERT INTO refinery_schema_history (version, name, applied_on, checksum) VALUES (9999, 'future', '', '0')", [])
            .unwrap();
        drop(db);
        let e = Db::open(dir.path(), Duration::from_secs(1), 1)
            .err()
            .unwrap();
        assert!(matches!(e, DbError::Newer { found: 9999, .. }), "{e}");

        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(DB_FILE), vec![0x42u8; 8192]).unwrap();
        let e = Db::open(dir.path(), Duration::from_secs(1), 1)
            .err()
            .unwrap();
        assert!(matches!(e, DbError::Corrupt { .. }), "{e}");
    }
}
