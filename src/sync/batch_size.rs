//! How big the next upload is: the batch size adapts to the link, and each upload gets a
//! deadline from its size.
//!
//! A branch that comes back online after days away may sit behind a GPRS link of a few
//! kilobits per second. A fixed batch on a fixed deadline never arrives there: the same batch
//! times out again and again. So the uploader halves the batch after an upload that timed out,
//! was cut, or was refused as too large (each retry is a smaller batch, down to one change),
//! and doubles it again, up to `[sync] batch_entries` and `batch_bytes`, after uploads that
//! were acknowledged quickly. The size learned is kept in `sync_state`, so a branch restarted
//! on the same poor link starts where it was rather than with a batch it cannot send.
//!
//! An upload is given `[sync] timeout_seconds` plus one second per `[sync]
//! min_bytes_per_second` bytes of its body, so a large batch on a slow link that still moves
//! gets the time its bytes need, and a link slower than that minimum gets smaller batches until
//! they fit. Within that deadline, no single read or write may wait longer than
//! `timeout_seconds` (a link that moves nothing is given up on without waiting for the whole
//! deadline).

use std::time::Duration;

use rusqlite::{Connection, params};

/// An upload is quick, and the next one may be twice as big, when it took at most this share
/// of `[sync] timeout_seconds`: twice the batch then still takes well under the timeout.
const QUICK_SHARE: u32 = 4;

/// Most entries, and most bytes of entries (before compression), in one upload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BatchLimit {
    pub(crate) entries: usize,
    pub(crate) bytes: usize,
}

/// How an upload ended, as far as its size is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Head office acknowledged it.
    Acked,
    /// It was abandoned at its deadline or when the link stopped moving.
    TimedOut,
    /// The connection was cut part-way (the link dropped, a proxy or head office gave up).
    Cut,
    /// Head office refused it as too large (413).
    TooLarge,
    /// Anything else: head office unreachable, refused for another reason. The size is not to
    /// blame.
    Other,
}

impl Outcome {
    /// Whether a smaller batch has a better chance.
    fn shrinks(self) -> bool {
        matches!(self, Outcome::TimedOut | Outcome::Cut | Outcome::TooLarge)
    }
}

/// The limit for the next upload, after an upload of `sent` (what the batch actually held)
/// under `limit` ended with `outcome` after `elapsed`. `max` is the configured limit and
/// `timeout` `[sync] timeout_seconds`.
pub(crate) fn next(
    limit: BatchLimit,
    sent: BatchLimit,
    outcome: Outcome,
    elapsed: Duration,
    timeout: Duration,
    max: BatchLimit,
) -> BatchLimit {
    if outcome.shrinks() {
        // Half of what was sent: the retry starts at the same entry, so it is a strict prefix
        // of the batch that failed, unless that was a single entry.
        return BatchLimit {
            entries: (sent.entries.min(limit.entries) / 2).max(1),
            bytes: (sent.bytes.min(limit.bytes) / 2).max(1),
        };
    }
    if outcome == Outcome::Acked && elapsed <= timeout / QUICK_SHARE {
        return BatchLimit {
            entries: limit.entries.saturating_mul(2).min(max.entries),
            bytes: limit.bytes.saturating_mul(2).min(max.bytes),
        };
    }
    limit
}

/// How long an upload of `body` bytes may take in all: the timeout, plus the time its bytes
/// need at the slowest rate accepted.
pub(crate) fn deadline(body: usize, timeout: Duration, min_bytes_per_second: u32) -> Duration {
    timeout + Duration::from_secs_f64(body as f64 / f64::from(min_bytes_per_second.max(1)))
}

/// The limit learned so far (the configured one when none was learned), never above `max`.
pub(crate) fn load(conn: &Connection, max: BatchLimit) -> rusqlite::Result<BatchLimit> {
    let (entries, bytes): (Option<i64>, Option<i64>) = conn
        .prepare_cached("SELECT batch_entries, batch_bytes FROM sync_state WHERE id = 1")?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    let learned = |value: Option<i64>, max: usize| {
        value
            .and_then(|v| usize::try_from(v).ok())
            .map_or(max, |v| v.clamp(1, max))
    };
    Ok(BatchLimit {
        entries: learned(entries, max.entries),
        bytes: learned(bytes, max.bytes),
    })
}

/// Keeps the limit for the next start.
pub(crate) fn save(conn: &Connection, limit: BatchLimit) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE sync_state SET batch_entries = ?1, batch_bytes = ?2 WHERE id = 1",
        params![
            i64::try_from(limit.entries).unwrap_or(i64::MAX),
            i64::try_from(limit.bytes).unwrap_or(i64::MAX)
        ],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const MAX: BatchLimit = BatchLimit {
        entries: 5000,
        bytes: 4 << 20,
    };
    const TIMEOUT: Duration = Duration::from_secs(60);

    fn limit(entries: usize, bytes: usize) -> BatchLimit {
        BatchLimit { entries, bytes }
    }

    fn after(limit: BatchLimit, sent: BatchLimit, outcome: Outcome, secs: u64) -> BatchLimit {
        next(
            limit,
            sent,
            outcome,
            Duration::from_secs(secs),
            TIMEOUT,
            MAX,
        )
    }

    #[test]
    fn a_timeout_or_a_cut_halves_what_was_sent_down_to_one_entry() {
        // The backlog held 3,001 entries of 1.8 MB: the retry holds half of them.
        let sent = limit(3001, 1_800_000);
        assert_eq!(
            after(MAX, sent, Outcome::TimedOut, 260),
            limit(1500, 900_000)
        );
        assert_eq!(after(MAX, sent, Outcome::Cut, 3), limit(1500, 900_000));
        assert_eq!(after(MAX, sent, Outcome::TooLarge, 1), limit(1500, 900_000));
        // Shrinking again and again ends at one entry, never at none.
        let mut l = MAX;
        for _ in 0..40 {
            let sent = l;
            l = after(l, sent, Outcome::TimedOut, 100);
            assert!(l.entries < sent.entries || sent.entries == 1, "{l:?}");
        }
        assert_eq!(l, limit(1, 1));
        assert_eq!(after(l, l, Outcome::Cut, 100), limit(1, 1));
    }

    #[test]
    fn quick_successes_double_up_to_the_configured_limit_slow_ones_keep_it() {
        let small = limit(100, 5_000);
        assert_eq!(after(small, small, Outcome::Acked, 15), limit(200, 10_000));
        assert_eq!(after(small, small, Outcome::Acked, 16), small, "not quick");
        assert_eq!(after(small, small, Outcome::Acked, 59), small);
        let mut l = small;
        for _ in 0..20 {
            l = after(l, l, Outcome::Acked, 0);
        }
        assert_eq!(l, MAX);
    }

    #[test]
    fn a_failure_that_is_not_the_size_s_fault_keeps_the_size() {
        let l = limit(300, 20_000);
        assert_eq!(after(l, l, Outcome::Other, 0), l);
        assert_eq!(after(l, l, Outcome::Other, 100), l);
    }

    #[test]
    fn the_deadline_grows_with_the_body_at_the_slowest_rate() {
        assert_eq!(deadline(0, TIMEOUT, 500), TIMEOUT);
        assert_eq!(deadline(250_000, TIMEOUT, 500), Duration::from_secs(560));
        assert_eq!(deadline(1_000, TIMEOUT, 0), Duration::from_secs(1060));
    }

    #[test]
    fn the_learned_size_survives_a_restart_and_never_exceeds_the_configuration() {
        let dir = tempfile::tempdir().unwrap();
        let db = crate::plumbing::db::Db::open(dir.path(), Duration::from_secs(5), 1).unwrap();
        assert_eq!(
            load(&db.conn().unwrap(), MAX).unwrap(),
            MAX,
            "nothing learned"
        );
        save(&db.conn().unwrap(), limit(375, 20_000)).unwrap();
        drop(db);
        let db = crate::plumbing::db::Db::open(dir.path(), Duration::from_secs(5), 1).unwrap();
        let conn = db.conn().unwrap();
        assert_eq!(load(&conn, MAX).unwrap(), limit(375, 20_000));
        // Configured smaller since: the configuration wins.
        assert_eq!(load(&conn, limit(100, 4_000)).unwrap(), limit(100, 4_000));
    }
}
