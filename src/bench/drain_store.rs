//! Head office's store for one drain of `pawnbranch bench sync` (and for `bench hq-reports`):
//! SQLite in the run's throw-away data directory, or PostgreSQL (`--postgres URL`), side by
//! side in one run.
//!
//! On PostgreSQL each drain gets a schema of its own in the database the URL names
//! (`bench_drain_<changes>`; `bench_hq_reports` for the reports), made before and dropped
//! after, with `search_path` set through the URL's `options`, so the drains start empty and
//! the chain scenario after them still finds the database empty. The benchmark reads head
//! office's acknowledgement and its stored entries the same way on both: one query each,
//! every 100 ms, beside the running `hq serve`.

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use crate::plumbing::config::{Config, Overrides};
use crate::plumbing::db::HQ_DB_FILE;

/// Head office's configuration on `data_dir` with `env` (the `PAWNBRANCH_*` settings its
/// processes get, e.g. [`Prepared::env`]) and nothing else: what the benchmark opens head
/// office's store with, as `hq serve` started with the same will.
pub(crate) fn hq_config(data_dir: &Path, env: &[(&str, String)]) -> Result<Config, String> {
    Config::load(
        None,
        env.iter().map(|(k, v)| ((*k).to_owned(), v.clone())),
        &Overrides {
            data_dir: Some(data_dir.to_path_buf()),
            listen: None,
        },
    )
    .map_err(|e| e.to_string())
}

/// Which store a drain's head office keeps its data in.
#[derive(Debug, Clone)]
pub(crate) enum DrainStore {
    Sqlite,
    /// The database `--postgres` names.
    Postgres(String),
}

impl DrainStore {
    /// The store's name in the report.
    pub(crate) fn name(&self) -> &'static str {
        match self {
            DrainStore::Sqlite => "SQLite",
            DrainStore::Postgres(_) => "PostgreSQL",
        }
    }

    /// Prepares an empty head office store (on PostgreSQL in `schema`, made afresh); returns
    /// the settings head office's processes need and what to drop afterwards.
    pub(crate) fn prepare(&self, schema: &str) -> Result<Prepared, String> {
        let DrainStore::Postgres(url) = self else {
            return Ok(Prepared { url: None });
        };
        let schema = schema.to_owned();
        let mut client = connect(url)?;
        client
            .batch_execute(&format!(
                "DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"
            ))
            .map_err(|e| format!("cannot create schema {schema}: {e}"))?;
        let joiner = if url.contains('?') { '&' } else { '?' };
        Ok(Prepared {
            url: Some((
                format!("{url}{joiner}options=-c%20search_path%3D{schema}"),
                url.clone(),
                schema,
            )),
        })
    }
}

/// A store prepared for one drain; a PostgreSQL schema is dropped when this is.
pub(crate) struct Prepared {
    /// PostgreSQL: head office's URL (with the schema), the URL given and the schema.
    url: Option<(String, String, String)>,
}

impl Prepared {
    /// The `PAWNBRANCH_*` settings head office's commands and server run with.
    pub(crate) fn env(&self) -> Vec<(&'static str, String)> {
        self.url
            .iter()
            .map(|(url, _, _)| ("PAWNBRANCH_HQ_DATABASE", url.clone()))
            .collect()
    }

    /// A reader of head office's store beside the running `hq serve` in `hq_dir`.
    pub(crate) fn reader(&self, hq_dir: &Path) -> Result<Reader, String> {
        match &self.url {
            None => Ok(Reader::Sqlite(open_read_only(&hq_dir.join(HQ_DB_FILE))?)),
            Some((url, _, _)) => Ok(Reader::Postgres(Box::new(connect(url)?))),
        }
    }

    /// Runs SQL without parameters on head office's store in `hq_dir`, on a connection of its
    /// own (for filling it with generated rows before `hq serve` starts).
    pub(crate) fn execute(&self, hq_dir: &Path, sql: &str) -> Result<(), String> {
        match &self.url {
            None => {
                let path = hq_dir.join(HQ_DB_FILE);
                let conn = Connection::open(&path)
                    .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
                conn.execute_batch(sql).map_err(|e| e.to_string())
            }
            Some((url, _, _)) => connect(url)?.batch_execute(sql).map_err(|e| e.to_string()),
        }
    }

    /// Head office's database size in MiB (SQLite only: a PostgreSQL schema has no file).
    pub(crate) fn size_mib(&self, hq_dir: &Path) -> Option<f64> {
        self.url
            .is_none()
            .then(|| file_mib(&hq_dir.join(HQ_DB_FILE)))
    }
}

impl Drop for Prepared {
    fn drop(&mut self) {
        if let Some((_, url, schema)) = &self.url {
            let dropped = connect(url).and_then(|mut c| {
                c.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
                    .map_err(|e| e.to_string())
            });
            if let Err(e) = dropped {
                eprintln!("bench sync: could not drop schema {schema}: {e}");
            }
        }
    }
}

/// Reads head office's position for a branch from its store.
pub(crate) enum Reader {
    Sqlite(Connection),
    Postgres(Box<postgres::Client>),
}

impl Reader {
    /// The branch's acknowledged sequence number at head office.
    pub(crate) fn acked(&mut self, branch: &str) -> Result<i64, String> {
        let sql = "SELECT acked_seq FROM branches WHERE code = ";
        self.one(sql, branch)
            .map_err(|e| format!("cannot read head office's acknowledgement: {e}"))
    }

    /// How many entries of the branch head office holds.
    pub(crate) fn stored(&mut self, branch: &str) -> Result<i64, String> {
        let sql = "SELECT COUNT(*) FROM changes WHERE branch = ";
        self.one(sql, branch)
            .map_err(|e| format!("cannot count head office's entries: {e}"))
    }

    /// The one integer of `sql` followed by the branch as its one parameter.
    fn one(&mut self, sql: &str, branch: &str) -> Result<i64, String> {
        match self {
            Reader::Sqlite(conn) => conn
                .query_row(&format!("{sql}?1"), [branch], |r| r.get(0))
                .map_err(|e| e.to_string()),
            Reader::Postgres(client) => client
                .query_one(&format!("{sql}$1"), &[&branch])
                .map(|r| r.get(0))
                .map_err(|e| e.to_string()),
        }
    }
}

fn connect(url: &str) -> Result<postgres::Client, String> {
    let mut config: postgres::Config = url
        .parse()
        .map_err(|e| format!("--postgres is not a PostgreSQL URL: {e}"))?;
    config.connect_timeout(Duration::from_secs(10));
    config
        .connect(postgres::NoTls)
        .map_err(|e| format!("cannot connect to --postgres: {e}"))
}

/// The size of a database in MiB, with its write-ahead log (0 for what cannot be read).
pub(crate) fn file_mib(path: &Path) -> f64 {
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    [path, Path::new(&wal)]
        .iter()
        .map(|p| std::fs::metadata(p).map_or(0, |m| m.len()))
        .sum::<u64>() as f64
        / 1_048_576.0
}

/// Opens a database read-only, as a reader beside the process that writes it.
pub(crate) fn open_read_only(path: &Path) -> Result<Connection, String> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| format!("cannot open {} read-only: {e}", path.display()))?;
    conn.busy_timeout(Duration::from_secs(5))
        .map_err(|e| format!("cannot set a busy timeout on {}: {e}", path.display()))?;
    Ok(conn)
}
