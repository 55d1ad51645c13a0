//! Re-seeding a branch restored from an old backup (`pawnbranch sync reseed`, run on the
//! branch; see `sync::reseed`). Head office's part: it says where the branch's log stands
//! (`GET /api/v1/position`), and on the branch's request moves that position on to where the
//! branch's re-numbered log starts (`POST /api/v1/reseed`), so that the branch's whole current
//! state, re-logged after it, is received as new entries. What head office stored before
//! stays (the current state of records the restored branch no longer has included); the
//! re-seed is in head office's audit (`branch.reseed`).
//!
//! The rules are [`reseed`]'s alone; each store says only how it keeps the position and the
//! audit line ([`Reseeding`]).

use chrono::{DateTime, Utc};
use serde_json::json;

use super::reference::AuditLine;
use super::store::StoreError;
pub(crate) use crate::sync::reseed::Request;

/// Why a re-seed was not done.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ReseedError {
    /// The branch's position moved since the branch read it (an upload in between).
    #[error("head office now holds entries up to {acked}, not {expected}; run the re-seed again")]
    Moved { acked: i64, expected: i64 },
    /// The branch asked to start before what head office holds.
    #[error("the re-seed would start at entry {from}, before entry {acked} that head office holds")]
    Behind { acked: i64, from: i64 },
    #[error("database: {0}")]
    Db(#[from] StoreError),
}

impl ReseedError {
    /// The store's failure, if that is what this is (for retrying a transaction).
    pub(crate) fn store(&self) -> Option<&StoreError> {
        match self {
            ReseedError::Db(e) => Some(e),
            _ => None,
        }
    }
}

/// What the re-seed rules need from head office's store, inside one write transaction.
pub(crate) trait Reseeding {
    /// The last entry stored of `branch`, its row locked until the transaction ends.
    fn lock_position(&mut self, branch: &str) -> Result<i64, StoreError>;
    /// Sets the branch's position to `acked` (no entry stored).
    fn move_to(&mut self, branch: &str, acked: i64) -> Result<(), StoreError>;
    /// Writes a line in head office's audit.
    fn audit(&mut self, line: &AuditLine, now: DateTime<Utc>) -> Result<(), StoreError>;
}

/// Moves `branch`'s position from `request.expected` to `request.from` and audits it (by
/// the branch's credential, from `address`); returns the new position.
pub(crate) fn reseed<S: Reseeding + ?Sized>(
    store: &mut S,
    branch: &str,
    request: Request,
    address: &str,
    now: DateTime<Utc>,
) -> Result<i64, ReseedError> {
    let acked = store.lock_position(branch)?;
    if acked != request.expected {
        return Err(ReseedError::Moved {
            acked,
            expected: request.expected,
        });
    }
    if request.from < acked {
        return Err(ReseedError::Behind {
            acked,
            from: request.from,
        });
    }
    store.move_to(branch, request.from)?;
    let line = AuditLine {
        username: &format!("branch {branch}"),
        action: "branch.reseed",
        address,
        detail: json!({ "branch": branch, "acked_before": acked, "acked_after": request.from }),
    };
    store.audit(&line, now)?;
    Ok(request.from)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::hq::receive::tests::{batch, customer, store, with_branch};
    use crate::hq::store::Store;
    use crate::hq::store::testing::both_stores;
    use crate::plumbing::clock::{Clock, SystemClock};

    both_stores!(the_position_moves_only_from_where_the_branch_saw_it_and_is_audited);

    fn reseed_to(s: &Store, expected: i64, from: i64) -> Result<i64, ReseedError> {
        let request = Request { expected, from };
        s.reseed("BR01", request, "127.0.0.1", SystemClock.now())
    }

    fn the_position_moves_only_from_where_the_branch_saw_it_and_is_audited(s: &Store) {
        let s = with_branch(s);
        store(s, &batch(vec![customer(1, "C1"), customer(2, "C2")])).unwrap();
        let e = reseed_to(s, 1, 5).unwrap_err();
        assert!(
            matches!(
                e,
                ReseedError::Moved {
                    acked: 2,
                    expected: 1
                }
            ),
            "{e}"
        );
        let e = reseed_to(s, 2, 1).unwrap_err();
        assert!(
            matches!(e, ReseedError::Behind { acked: 2, from: 1 }),
            "{e}"
        );
        assert_eq!(
            s.count("SELECT COUNT(*) FROM audit_log"),
            0,
            "refusals change nothing"
        );

        assert_eq!(reseed_to(s, 2, 9).unwrap(), 9);
        assert_eq!(s.count("SELECT acked_seq FROM branches"), 9);
        assert_eq!(s.texts("SELECT action FROM audit_log"), ["branch.reseed"]);
        // The branch's log goes on after it; what was stored stays.
        let reply = store(s, &batch(vec![customer(10, "C1")])).unwrap();
        assert_eq!(reply.acked, Some(10));
        assert_eq!(s.count("SELECT COUNT(*) FROM changes"), 3);
    }
}
