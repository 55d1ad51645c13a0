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

use super::store::StoreError;

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
    fn audit(
        &mut self,
        who: &str,
        action: &str,
        address: &str,
        detail: &serde_json::Value,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;
}

/// The branch's request: head office must still stand at `expected`, and the branch's log
/// goes on after entry `from`.
#[derive(Debug, Clone, Copy, serde::Serialize, serde::Deserialize)]
pub(crate) struct Request {
    pub(crate) expected: i64,
    pub(crate) from: i64,
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
    let detail = json!({ "branch": branch, "acked_before": acked, "acked_after": request.from });
    store.audit(
        &format!("branch {branch}"),
        "branch.reseed",
        address,
        &detail,
        now,
    )?;
    Ok(request.from)
}
