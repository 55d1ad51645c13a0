//! Sync to head office, the branch side: the change log written by triggers ([`changes`]),
//! the upload protocol shared with head office ([`batch`]), the uploader thread
//! ([`uploader`]) with its batch size adapted to the link ([`batch_size`]), and the staff "Sync" page with its "Upload now" action.
//!
//! A branch works for days without internet; everything head office needs is in the change
//! log, in order, from the moment it commits. The uploader sends it whenever head office can
//! be reached and moves the acknowledgement only when head office says the entries are stored.

pub(crate) mod batch;
pub(crate) mod batch_size;
pub(crate) mod changes;
pub(crate) mod reference;
pub(crate) mod reference_fetch;
pub(crate) mod reseed;
pub(crate) mod uploader;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, params};
use serde_json::json;

use crate::plumbing::bell::Bell;
use crate::plumbing::clock::Clock;
use crate::plumbing::config::Config;

/// The uploader's settings and its wake-up bell.
pub(crate) struct Uploader {
    pub(crate) url: String,
    credential: String,
    pub(crate) branch: String,
    /// The configured batch limit; the uploader works below it on a poor link.
    pub(crate) max_batch: batch_size::BatchLimit,
    pub(crate) poll: Duration,
    pub(crate) retry_max: Duration,
    pub(crate) timeout: Duration,
    pub(crate) min_bytes_per_second: u32,
    pub(crate) retention: chrono::Duration,
    pub(crate) clock: Arc<dyn Clock>,
    /// The branch's configuration, for applying head office's reference data (its language,
    /// its time zone for complaint deadlines).
    pub(crate) config: Config,
    /// What follows a change of the holidays (see [`reference::AfterHolidays`]).
    pub(crate) after_holidays: reference::AfterHolidays,
    shutdown: Arc<AtomicBool>,
    bell: Bell,
}

impl Uploader {
    /// The uploader of this branch; the thread is started by the server.
    pub(crate) fn new(
        config: &Config,
        clock: Arc<dyn Clock>,
        shutdown: Arc<AtomicBool>,
        after_holidays: reference::AfterHolidays,
    ) -> Self {
        let s = &config.sync;
        Uploader {
            url: s.url.clone(),
            credential: s.credential.expose().to_owned(),
            branch: config.branch.code.clone(),
            max_batch: batch_size::BatchLimit {
                entries: s.batch_entries as usize,
                bytes: s.batch_bytes as usize,
            },
            poll: Duration::from_secs(u64::from(s.poll_seconds)),
            retry_max: Duration::from_secs(u64::from(s.retry_max_seconds)),
            timeout: Duration::from_secs(u64::from(s.timeout_seconds)),
            min_bytes_per_second: s.min_bytes_per_second,
            retention: chrono::Duration::days(i64::from(s.retention_days)),
            clock,
            config: config.clone(),
            after_holidays,
            shutdown,
            bell: Bell::default(),
        }
    }

    /// Whether a head office address is configured.
    pub(crate) fn configured(&self) -> bool {
        !self.url.is_empty()
    }

    /// Wakes the uploader ("Upload now", or shutdown).
    pub(crate) fn wake(&self) {
        self.bell.ring();
    }

    /// Waits until woken, shut down, or `timeout` passes.
    fn wait(&self, timeout: Duration) {
        self.bell.wait_unless(timeout, || self.stopping());
    }

    fn stopping(&self) -> bool {
        self.shutdown.load(Ordering::SeqCst)
    }
}

/// Head office holds every entry up to this sequence number.
pub(crate) fn acked(conn: &Connection) -> rusqlite::Result<i64> {
    conn.prepare_cached("SELECT acked_seq FROM sync_state WHERE id = 1")?
        .query_row([], |r| r.get(0))
}

/// The state of sync as the page and `/healthz` show it.
#[derive(Debug, Clone)]
pub(crate) struct Status {
    pub(crate) acked: i64,
    pub(crate) head: i64,
    pub(crate) waiting: i64,
    pub(crate) oldest_waiting_at: Option<DateTime<Utc>>,
    pub(crate) last_success_at: Option<DateTime<Utc>>,
    pub(crate) last_attempt_at: Option<DateTime<Utc>>,
    pub(crate) last_error: Option<String>,
    pub(crate) set_aside: i64,
    /// The most changes the next upload holds: learned from the link, else the configured
    /// limit.
    pub(crate) batch_entries: i64,
}

/// Reads the state of sync; `max_batch` is the configured batch limit.
pub(crate) fn status(
    conn: &Connection,
    max_batch: batch_size::BatchLimit,
) -> rusqlite::Result<Status> {
    let (acked, last_success_at, last_attempt_at, last_error) = conn.prepare_cached(
        "SELECT acked_seq, last_success_at, last_attempt_at, last_error FROM sync_state WHERE id = 1",
    )?
    .query_row(
        [],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
    )?;
    let batch = batch_size::load(conn, max_batch)?;
    let (waiting, oldest) = changes::waiting(conn, acked)?;
    let set_aside = conn
        .prepare_cached("SELECT COUNT(*) FROM sync_set_aside")?
        .query_row([], |r| r.get(0))?;
    Ok(Status {
        acked,
        head: changes::head(conn)?,
        waiting,
        oldest_waiting_at: oldest.and_then(|t| crate::plumbing::clock::parse_stored(&t)),
        last_success_at,
        last_attempt_at,
        last_error,
        set_aside,
        batch_entries: i64::try_from(batch.entries).unwrap_or(i64::MAX),
    })
}

/// An entry head office set aside.
#[derive(Debug, Clone)]
pub(crate) struct SetAsideEntry {
    pub(crate) seq: i64,
    pub(crate) entity: String,
    pub(crate) record_id: String,
    pub(crate) reason: String,
    pub(crate) reported_at: DateTime<Utc>,
}

/// The entries head office set aside, newest first.
pub(crate) fn set_aside(conn: &Connection, limit: i64) -> rusqlite::Result<Vec<SetAsideEntry>> {
    let mut stmt = conn.prepare(
        "SELECT seq, entity, record_id, reason, reported_at FROM sync_set_aside ORDER BY seq DESC LIMIT +?1",
    )?;
    stmt.query_map(params![limit], |r| {
        Ok(SetAsideEntry {
            seq: r.get(0)?,
            entity: r.get(1)?,
            record_id: r.get(2)?,
            reason: r.get(3)?,
            reported_at: r.get(4)?,
        })
    })?
    .collect()
}

/// The sync state for `/healthz`.
pub(crate) fn health(
    uploader: &Uploader,
    conn: &Connection,
    now: DateTime<Utc>,
) -> rusqlite::Result<serde_json::Value> {
    let s = status(conn, uploader.max_batch)?;
    let state = if !uploader.configured() {
        "not_configured"
    } else if s.last_error.is_some() {
        "failing"
    } else if s.waiting > 0 {
        "uploading"
    } else {
        "up_to_date"
    };
    Ok(json!({
        "state": state,
        "url": uploader.url,
        "backlog": s.waiting,
        "oldest_waiting_seconds": s.oldest_waiting_at.map(|t| (now - t).num_seconds().max(0)),
        "last_success": s.last_success_at.map(|t| t.to_rfc3339()),
        "last_error": s.last_error,
        "set_aside": s.set_aside,
        "batch_entries": s.batch_entries,
        "reference_version": reference::held(conn)?.version,
    }))
}
