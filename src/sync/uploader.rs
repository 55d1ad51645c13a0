//! The uploader thread: sends the change log to head office in batches sized to the link
//! ([`super::batch_size`]), records each acknowledgement, backs off while head office cannot
//! be reached, and compacts what head office has held for longer than the retention.
//!
//! The acknowledgement lives in `sync_state`, committed in the same transaction as the entries
//! head office set aside, so after a crash or a restart the uploader resumes after the last
//! acknowledged entry: at worst it sends one batch head office already has, which head office
//! recognises (same sequence numbers, same digests) and acknowledges without storing twice.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use rusqlite::{Connection, params};

use super::batch::{self, Batch, Entry, Reply};
use super::batch_size::{self, BatchLimit, Outcome};
use super::{Uploader, changes};
use crate::plumbing::db::{self, Db};

/// Why an upload did not go through. The text is shown on the Sync page as the last error.
#[derive(Debug, thiserror::Error)]
pub(crate) enum UploadError {
    #[error("cannot reach head office: {0}")]
    Unreachable(String),
    #[error(
        "cannot reach head office: no answer within {seconds} s to an upload of {entries} changes ({bytes} bytes; {detail}); the next uploads are smaller, down to one change"
    )]
    TimedOut {
        entries: usize,
        bytes: usize,
        seconds: u64,
        detail: String,
    },
    #[error(
        "cannot reach head office: the connection was cut during an upload of {entries} changes ({detail}); the next uploads are smaller, down to one change"
    )]
    Cut { entries: usize, detail: String },
    #[error("head office refused this branch's credential (401): check [sync] credential")]
    Unauthorised,
    #[error(
        "head office refused a batch of {entries} changes as too large (413): uploads go on in smaller batches; lower [sync] batch_bytes if this repeats"
    )]
    TooLarge { entries: usize },
    #[error("head office refused the batch ({status}): {reason}")]
    Refused { status: u16, reason: String },
    #[error(
        "head office holds different entries under the same numbers: {0}. Uploads stop until someone looks (was this branch restored from an old backup? Then run `pawnbranch sync reseed`)"
    )]
    Conflict(String),
    #[error(
        "head office holds entries up to {hq} but this branch's log ends at {head}: was this branch restored from an old backup? Uploads stop until someone looks (then run `pawnbranch sync reseed`)"
    )]
    AheadOfBranch { hq: i64, head: i64 },
    #[error(
        "head office asks for entries from {wanted}, which this branch no longer keeps (kept from {kept})"
    )]
    Compacted { wanted: i64, kept: i64 },
    #[error("head office's answer could not be read ({status}): {detail}")]
    BadReply { status: u16, detail: String },
    #[error("cannot prepare the batch: {0}")]
    Encode(String),
    #[error("database: {0}")]
    Db(#[from] db::DbError),
}

impl From<rusqlite::Error> for UploadError {
    fn from(e: rusqlite::Error) -> Self {
        UploadError::Db(db::DbError::Sqlite(e))
    }
}

impl UploadError {
    /// What the error says about the batch's size.
    fn outcome(&self) -> Outcome {
        match self {
            UploadError::TimedOut { .. } => Outcome::TimedOut,
            UploadError::Cut { .. } => Outcome::Cut,
            UploadError::TooLarge { .. } => Outcome::TooLarge,
            _ => Outcome::Other,
        }
    }
}

/// What one attempt achieved.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Progress {
    /// A batch was acknowledged (or the position was corrected): try again at once.
    Sent,
    /// Nothing waits.
    Idle,
}

/// Runs until shutdown.
pub(crate) fn run(uploader: &Uploader, db: &Db) {
    let agent = agent(uploader);
    let mut limit = learned_limit(uploader, db).unwrap_or_else(|e| {
        log::warn!("sync: cannot read the learned batch size ({e}); starting at the limit");
        uploader.max_batch
    });
    let mut failures: u32 = 0;
    let mut last_compaction: Option<DateTime<Utc>> = None;
    while !uploader.stopping() {
        if !uploader.configured() {
            uploader.wait(Duration::from_secs(60));
            continue;
        }
        match upload_once(uploader, db, &agent, &mut limit) {
            Ok(Progress::Sent) => failures = 0,
            Ok(Progress::Idle) => {
                failures = 0;
                // Head office is reachable and holds everything: ask for its reference data.
                if let Err(e) = super::reference_fetch::fetch_once(uploader, db, &agent) {
                    log::warn!("sync: {e}");
                }
                let now = uploader.clock.now();
                if last_compaction.is_none_or(|t| now - t > chrono::Duration::hours(1)) {
                    match compact(uploader, db, now) {
                        Ok(()) => last_compaction = Some(now),
                        Err(e) => log::warn!("sync: compaction failed: {e}"),
                    }
                }
                uploader.wait(uploader.poll);
            }
            Err(e) => {
                failures = failures.saturating_add(1);
                let delay = backoff(failures, uploader.retry_max, random_unit());
                log::warn!(
                    "sync: upload failed ({e}); next attempt in {} s",
                    delay.as_secs()
                );
                if let Err(db_error) = record_failure(db, &e, uploader.clock.now()) {
                    log::error!("sync: cannot record the failure: {db_error}");
                }
                uploader.wait(delay);
            }
        }
    }
}

/// The HTTP client: statuses are answers to read, not errors. Connecting, each write of the
/// body and reading the answer's body may each wait at most `timeout_seconds` with nothing
/// moving; the whole upload has a deadline of its own, from its size (see [`send`]). There is
/// no per-read limit while waiting for the answer: the body's last bytes may still be on
/// their way through the link's buffers, which the deadline allows for.
fn agent(uploader: &Uploader) -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_connect(Some(uploader.timeout.min(Duration::from_secs(10))))
        .timeout_per_write(Some(uploader.timeout))
        .timeout_recv_body(Some(uploader.timeout))
        .user_agent(concat!("pawnbranch/", env!("CARGO_PKG_VERSION")))
        .build()
        .into()
}

/// The wait before the next attempt after `failures` failures in a row: doubling from one
/// second up to `max`, then a random part of it taken off (`unit` in 0..1), so branches that
/// lost the link together do not all come back in the same second.
pub(crate) fn backoff(failures: u32, max: Duration, unit: f64) -> Duration {
    let full = Duration::from_secs(1)
        .saturating_mul(1u32 << failures.saturating_sub(1).min(20))
        .min(max);
    // Between half and all of the full wait.
    full.mul_f64(0.5 + 0.5 * unit.clamp(0.0, 1.0))
}

/// A random number in 0..1 (for jitter only).
fn random_unit() -> f64 {
    let mut bytes = [0u8; 4];
    crate::plumbing::crypto::fill_random(&mut bytes);
    f64::from(u32::from_le_bytes(bytes)) / f64::from(u32::MAX)
}

/// Sends the next batch, if any, of at most `limit`; records the answer and adapts `limit` to
/// how the upload went.
pub(crate) fn upload_once(
    uploader: &Uploader,
    db: &Db,
    agent: &ureq::Agent,
    limit: &mut BatchLimit,
) -> Result<Progress, UploadError> {
    let Some(prepared) = prepare(uploader, db, *limit)? else {
        return Ok(Progress::Idle);
    };
    let started = Instant::now();
    let answer = send(uploader, agent, &prepared);
    let outcome = match &answer {
        Ok((200, _)) => Outcome::Acked,
        Ok((413, _)) => Outcome::TooLarge,
        Ok(_) => Outcome::Other,
        Err(e) => e.outcome(),
    };
    adapt(
        uploader,
        db,
        limit,
        prepared.sent,
        outcome,
        started.elapsed(),
    );
    let (status, reply) = answer?;
    record(uploader, db, &prepared, status, reply)
}

/// A batch ready to send.
struct Prepared {
    /// The acknowledgement it was read after.
    acked: i64,
    entries: Vec<Entry>,
    /// The gzipped JSON document.
    body: Vec<u8>,
    /// How many entries and bytes of entries (as [`changes::next_batch`] counts them) it holds.
    sent: BatchLimit,
}

/// Reads the entries after the acknowledgement, at most `limit`, into a gzipped batch; `None`
/// when nothing waits.
fn prepare(
    uploader: &Uploader,
    db: &Db,
    limit: BatchLimit,
) -> Result<Option<Prepared>, UploadError> {
    let conn = db.conn()?;
    let acked = super::acked(&conn)?;
    let batch = changes::next_batch(&conn, acked, limit.entries, limit.bytes)?;
    let sent = BatchLimit {
        entries: batch.len(),
        bytes: batch.iter().map(changes::Change::size).sum(),
    };
    let entries: Vec<Entry> = batch.into_iter().map(Entry::from).collect();
    let Some(last) = entries.last() else {
        return Ok(None);
    };
    let (waiting_after, oldest_waiting_at) = changes::waiting(&conn, last.seq)?;
    let batch = Batch {
        branch: uploader.branch.clone(),
        schema: db::schema_version(&conn)?,
        entries,
        waiting_after,
        oldest_waiting_at,
    };
    let json = serde_json::to_vec(&batch).map_err(|e| UploadError::Encode(e.to_string()))?;
    let body = batch::gzip(&json).map_err(|e| UploadError::Encode(e.to_string()))?;
    Ok(Some(Prepared {
        acked,
        entries: batch.entries,
        body,
        sent,
    }))
}

/// Moves `limit` after an upload of `sent` that ended with `outcome`, and keeps it for the
/// next start when it changed.
fn adapt(
    uploader: &Uploader,
    db: &Db,
    limit: &mut BatchLimit,
    sent: BatchLimit,
    outcome: Outcome,
    elapsed: Duration,
) {
    let next = batch_size::next(
        *limit,
        sent,
        outcome,
        elapsed,
        uploader.timeout,
        uploader.max_batch,
    );
    if next == *limit {
        return;
    }
    log::info!(
        "sync: next uploads of at most {} changes ({} bytes) after {outcome:?} in {:.1} s",
        next.entries,
        next.bytes,
        elapsed.as_secs_f64()
    );
    *limit = next;
    if let Err(e) = keep_limit(db, next) {
        log::warn!("sync: cannot keep the batch size for the next start: {e}");
    }
}

/// The batch limit learned before the last stop (the configured one when none was).
fn learned_limit(uploader: &Uploader, db: &Db) -> Result<BatchLimit, UploadError> {
    let conn = db.conn()?;
    Ok(batch_size::load(&conn, uploader.max_batch)?)
}

/// Keeps the batch limit for the next start.
fn keep_limit(db: &Db, limit: BatchLimit) -> Result<(), UploadError> {
    let conn = db.conn()?;
    Ok(batch_size::save(&conn, limit)?)
}

/// Records head office's answer to `prepared`.
fn record(
    uploader: &Uploader,
    db: &Db,
    prepared: &Prepared,
    status: u16,
    reply: Reply,
) -> Result<Progress, UploadError> {
    let (acked, entries) = (prepared.acked, &prepared.entries);
    let mut conn = db.conn()?;
    match status {
        200 => {
            let hq = reply.acked.ok_or_else(|| UploadError::BadReply {
                status,
                detail: "no acked sequence number".to_owned(),
            })?;
            let last = entries.last().map_or(acked, |e| e.seq);
            if hq < last {
                return Err(UploadError::BadReply {
                    status,
                    detail: format!("acknowledged {hq} for a batch ending at {last}"),
                });
            }
            let tx = db::immediate(&mut conn)?;
            let head = changes::head(&tx)?;
            if hq > head {
                return Err(UploadError::AheadOfBranch { hq, head });
            }
            for set_aside in &reply.set_aside {
                if let Some(entry) = entries.iter().find(|e| e.seq == set_aside.seq) {
                    tx.execute(
                        "INSERT OR IGNORE INTO sync_set_aside (seq, entity, record_id, reason, reported_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                        params![entry.seq, entry.entity, entry.id, set_aside.reason, uploader.clock.now()],
                    )?;
                }
            }
            tx.execute(
                "UPDATE sync_state SET acked_seq = MAX(acked_seq, ?1), last_success_at = ?2, last_attempt_at = ?2, last_error = NULL WHERE id = 1",
                params![hq, uploader.clock.now()],
            )?;
            tx.commit()?;
            Ok(Progress::Sent)
        }
        409 if reply.conflict => Err(UploadError::Conflict(reply.error.unwrap_or_default())),
        409 => {
            let hq = reply.acked.ok_or_else(|| UploadError::BadReply {
                status,
                detail: reply.error.clone().unwrap_or_default(),
            })?;
            resume_after(&mut conn, hq)?;
            log::warn!(
                "sync: head office asked to resume after entry {hq} ({})",
                reply.error.unwrap_or_default()
            );
            Ok(Progress::Sent)
        }
        401 => Err(UploadError::Unauthorised),
        413 => Err(UploadError::TooLarge {
            entries: entries.len(),
        }),
        _ => Err(UploadError::Refused {
            status,
            reason: reply.error.unwrap_or_else(|| "no reason given".to_owned()),
        }),
    }
}

/// Posts one gzipped batch within its deadline (from its size, see
/// [`batch_size::deadline`]); returns the status and the parsed reply.
fn send(
    uploader: &Uploader,
    agent: &ureq::Agent,
    prepared: &Prepared,
) -> Result<(u16, Reply), UploadError> {
    let url = format!("{}{}", uploader.url.trim_end_matches('/'), batch::PATH);
    let deadline = batch_size::deadline(
        prepared.body.len(),
        uploader.timeout,
        uploader.min_bytes_per_second,
    );
    let failed = |e: ureq::Error| failure(e, prepared, deadline);
    let mut response = agent
        .post(&url)
        .config()
        .timeout_per_call(Some(deadline))
        .build()
        .header("Authorization", format!("Bearer {}", uploader.credential))
        .header("Content-Type", "application/json")
        .header("Content-Encoding", "gzip")
        .send(&prepared.body[..])
        .map_err(failed)?;
    let status = response.status().as_u16();
    let text = response
        .body_mut()
        .with_config()
        .limit(1024 * 1024)
        .read_to_string()
        .map_err(failed)?;
    match serde_json::from_str::<Reply>(&text) {
        Ok(reply) => Ok((status, reply)),
        // A proxy's error page, say: report its status with the start of its text.
        Err(_) if status != 200 => Ok((
            status,
            Reply {
                error: Some(text.chars().take(200).collect()),
                ..Reply::default()
            },
        )),
        Err(e) => Err(UploadError::BadReply {
            status,
            detail: e.to_string(),
        }),
    }
}

/// What a failed exchange means: head office could not be reached at all (the batch's size is
/// not to blame), or the upload timed out or was cut part-way (a smaller one may get through).
fn failure(e: ureq::Error, prepared: &Prepared, deadline: Duration) -> UploadError {
    use std::io::ErrorKind;
    use ureq::Timeout;
    match e {
        ureq::Error::Timeout(Timeout::Connect | Timeout::Resolve)
        | ureq::Error::HostNotFound
        | ureq::Error::ConnectionFailed => UploadError::Unreachable(e.to_string()),
        ureq::Error::Io(ref io)
            if matches!(
                io.kind(),
                ErrorKind::ConnectionRefused
                    | ErrorKind::NetworkUnreachable
                    | ErrorKind::HostUnreachable
                    | ErrorKind::NetworkDown
                    | ErrorKind::AddrNotAvailable
            ) =>
        {
            UploadError::Unreachable(e.to_string())
        }
        ureq::Error::Timeout(_) => UploadError::TimedOut {
            entries: prepared.entries.len(),
            bytes: prepared.body.len(),
            seconds: deadline.as_secs(),
            detail: e.to_string(),
        },
        ureq::Error::Io(_) | ureq::Error::Protocol(_) | ureq::Error::BodyStalled => {
            UploadError::Cut {
                entries: prepared.entries.len(),
                detail: e.to_string(),
            }
        }
        _ => UploadError::Unreachable(e.to_string()),
    }
}

/// Moves the acknowledgement to where head office says it stands, when the branch still has
/// what follows it.
fn resume_after(conn: &mut Connection, hq: i64) -> Result<(), UploadError> {
    let tx = db::immediate(conn)?;
    let head = changes::head(&tx)?;
    if hq > head {
        return Err(UploadError::AheadOfBranch { hq, head });
    }
    if let Some(kept) = changes::first_kept(&tx)?
        && kept > hq + 1
    {
        return Err(UploadError::Compacted {
            wanted: hq + 1,
            kept,
        });
    }
    tx.execute("UPDATE sync_state SET acked_seq = ?1 WHERE id = 1", [hq])?;
    tx.commit()?;
    Ok(())
}

/// Records a failed attempt for the Sync page.
fn record_failure(db: &Db, e: &UploadError, now: DateTime<Utc>) -> Result<(), db::DbError> {
    let conn = db.conn()?;
    conn.execute(
        "UPDATE sync_state SET last_attempt_at = ?1, last_error = ?2 WHERE id = 1",
        params![now, e.to_string()],
    )?;
    Ok(())
}

/// Deletes entries head office has held for longer than the retention.
fn compact(uploader: &Uploader, db: &Db, now: DateTime<Utc>) -> Result<(), db::DbError> {
    let mut conn = db.conn()?;
    let tx = db::immediate(&mut conn)?;
    let acked = super::acked(&tx)?;
    let removed = changes::compact(&tx, acked, now - uploader.retention)?;
    tx.execute(
        "UPDATE sync_state SET compacted_at = ?1 WHERE id = 1",
        [now],
    )?;
    tx.commit()?;
    if removed > 0 {
        log::info!("sync: removed {removed} uploaded entries from the change log");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap_with_jitter() {
        let max = Duration::from_secs(300);
        assert_eq!(backoff(1, max, 1.0), Duration::from_secs(1));
        assert_eq!(backoff(2, max, 1.0), Duration::from_secs(2));
        assert_eq!(backoff(5, max, 1.0), Duration::from_secs(16));
        assert_eq!(backoff(30, max, 1.0), max);
        assert_eq!(backoff(u32::MAX, max, 1.0), max);
        assert_eq!(backoff(5, max, 0.0), Duration::from_secs(8));
        let jittered = backoff(9, max, 0.3);
        assert!(jittered >= max / 2 && jittered < max, "{jittered:?}");
    }
}
