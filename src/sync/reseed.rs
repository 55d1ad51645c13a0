//! `pawnbranch sync reseed`, on a branch restored from an old backup. Its change log then ends
//! behind what head office holds for it, so the entries it writes after the restore reuse
//! numbers head office stored with other content: head office refuses them as conflicts (or,
//! with nothing new yet, answers with a position the branch's log has not reached) and uploads
//! stop.
//!
//! The re-seed: ask head office where the branch's log stands; then in one Immediate
//! transaction on the branch (its write lock keeps the counter's writes out until it commits,
//! one request to head office long at most): pick the number the branch's log goes on after
//! (head office's position or the branch's own last number, the higher); ask head office to
//! move the branch's position there from where it was read (`hq::reseed`, audited there); give
//! the entries not yet acknowledged new numbers after it, so nothing written after the restore
//! is lost; log every record of every synced table after them, so head office learns the
//! branch's whole current state; audit `sync.reseed`; and take head office's new position as
//! acknowledged. The uploader sends the rest as usual. Run again, it is harmless: head office
//! receives the current state once more.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::json;

use super::changes;
use crate::audit::{self, Actor, Change};
use crate::plumbing::config::Config;
use crate::plumbing::db::{self, DbError};

/// Where head office answers a branch's position.
pub(crate) const POSITION_PATH: &str = "/api/v1/position";
/// Where head office moves a branch's position for a re-seed.
pub(crate) const RESEED_PATH: &str = "/api/v1/reseed";

/// The branch's request to head office: head office must still stand at `expected`, and the
/// branch's log goes on after entry `from`.
#[derive(Debug, Clone, Copy, serde::Serialize, serde::Deserialize)]
pub(crate) struct Request {
    pub(crate) expected: i64,
    pub(crate) from: i64,
}

/// Why a re-seed was not done (nothing changed on the branch).
#[derive(Debug, thiserror::Error)]
pub(crate) enum ReseedError {
    #[error("[sync] url is not set: this branch does not upload to head office")]
    NotConfigured,
    #[error("head office cannot be reached: {0}")]
    Unreachable(String),
    #[error("head office refused ({status}): {reason}")]
    Refused { status: u16, reason: String },
    #[error("head office's answer is not readable: {0}")]
    BadAnswer(String),
    #[error("database: {0}")]
    Db(#[from] DbError),
}

impl From<rusqlite::Error> for ReseedError {
    fn from(e: rusqlite::Error) -> Self {
        ReseedError::Db(e.into())
    }
}

/// What a re-seed did.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Reseeded {
    /// Where head office stood for this branch before.
    pub(crate) head_office_had: i64,
    /// The number the branch's log goes on after.
    pub(crate) from: i64,
    /// Entries not yet acknowledged, given new numbers.
    pub(crate) renumbered: usize,
    /// Records logged as the branch's current state.
    pub(crate) records: usize,
}

/// Re-seeds this branch at head office (see the module's documentation).
pub(crate) fn reseed(config: &Config, now: DateTime<Utc>) -> Result<Reseeded, ReseedError> {
    let sync = &config.sync;
    if sync.url.is_empty() {
        return Err(ReseedError::NotConfigured);
    }
    let hq = HeadOffice::new(config);
    let busy = Duration::from_millis(u64::from(config.storage.busy_timeout_ms));
    let db = changes::open_logged(&config.data_dir(), busy, 1)?;
    // Read before the write lock is taken; head office refuses the move if it changed since.
    let head_office_had = hq.position()?;
    let mut conn = db.conn()?;
    let tx = db::immediate(&mut conn)?;
    let acked = super::acked(&tx)?;
    let from = changes::head(&tx)?.max(head_office_had);
    hq.move_position(Request {
        expected: head_office_had,
        from,
    })?;
    let renumbered = changes::renumber_after(&tx, acked, from)?;
    let records = changes::log_every_record(&tx)?;
    let change = Change {
        action: "sync.reseed",
        entity: "sync_log",
        entity_id: "",
        before: Some(json!({ "acked": acked, "head_office_acked": head_office_had })),
        after: Some(json!({ "acked": from, "renumbered": renumbered, "records": records })),
    };
    audit::record(&tx, &Actor::CommandLine, &change, now)?;
    tx.execute(
        "UPDATE sync_state SET acked_seq = ?1, last_error = NULL WHERE id = 1",
        [from],
    )?;
    tx.commit()?;
    Ok(Reseeded {
        head_office_had,
        from,
        renumbered,
        records,
    })
}

/// Head office as the re-seed talks to it: the branch's credential, `[sync] timeout_seconds`
/// for each request.
struct HeadOffice {
    url: String,
    credential: String,
    agent: ureq::Agent,
}

impl HeadOffice {
    fn new(config: &Config) -> Self {
        let timeout = Duration::from_secs(u64::from(config.sync.timeout_seconds));
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(timeout))
            .user_agent(concat!("pawnbranch/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        HeadOffice {
            url: config.sync.url.trim_end_matches('/').to_owned(),
            credential: config.sync.credential.expose().to_owned(),
            agent,
        }
    }

    /// Where head office stands for this branch.
    fn position(&self) -> Result<i64, ReseedError> {
        let response = self
            .agent
            .get(format!("{}{POSITION_PATH}", self.url))
            .header("Authorization", format!("Bearer {}", self.credential))
            .call();
        acked_of(response)
    }

    /// Asks head office to move this branch's position; returns where it now stands.
    fn move_position(&self, request: Request) -> Result<i64, ReseedError> {
        let body =
            serde_json::to_vec(&request).map_err(|e| ReseedError::BadAnswer(e.to_string()))?;
        let response = self
            .agent
            .post(format!("{}{RESEED_PATH}", self.url))
            .header("Authorization", format!("Bearer {}", self.credential))
            .header("Content-Type", "application/json")
            .send(&body[..]);
        acked_of(response)
    }
}

/// The `acked` of a 200 answer; any other answer as a refusal with its `error`.
fn acked_of(
    response: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
) -> Result<i64, ReseedError> {
    let mut response = response.map_err(|e| ReseedError::Unreachable(e.to_string()))?;
    let status = response.status().as_u16();
    let text = response
        .body_mut()
        .with_config()
        .limit(64 * 1024)
        .read_to_string()
        .map_err(|e| ReseedError::Unreachable(e.to_string()))?;
    let answer: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
    if status != 200 {
        let reason = answer["error"]
            .as_str()
            .map_or_else(|| text.chars().take(200).collect(), str::to_owned);
        return Err(ReseedError::Refused { status, reason });
    }
    answer["acked"]
        .as_i64()
        .ok_or_else(|| ReseedError::BadAnswer(format!("no acked in {text:?}")))
}
