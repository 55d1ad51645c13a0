//! The uploader's part in reference data: at each contact with head office (after the change
//! log is caught up) it asks for the latest version with the version it holds, applies a newer
//! one in one transaction ([`super::reference::apply`]) and then acknowledges it. A failed
//! fetch or apply changes nothing: the branch goes on with the version it has, and tries
//! again at the next contact. The outcome is on the Sync page.

use std::time::Duration;

use super::Uploader;
use super::reference::{self, Ack, Applied, Published, RefError};
use crate::plumbing::db::{self, Db};

/// The largest answer read: a version with a long watch list fits many times over.
const MAX_ANSWER_BYTES: u64 = 16 * 1024 * 1024;

/// Why the reference data could not be fetched, applied or acknowledged.
#[derive(Debug, thiserror::Error)]
pub(crate) enum FetchError {
    #[error("cannot reach head office for reference data: {0}")]
    Unreachable(String),
    #[error("head office refused the request for reference data ({status}): {reason}")]
    Refused { status: u16, reason: String },
    #[error("head office's reference data could not be read: {0}")]
    BadAnswer(String),
    #[error("reference data version {version} not applied: {error}")]
    NotApplied { version: i64, error: RefError },
    #[error("database: {0}")]
    Db(#[from] db::DbError),
}

impl From<rusqlite::Error> for FetchError {
    fn from(e: rusqlite::Error) -> Self {
        FetchError::Db(db::DbError::Sqlite(e))
    }
}

/// One exchange: ask, apply what is newer, acknowledge what is held but not yet acknowledged.
/// Records the outcome for the Sync page; returns the version applied, if one was.
pub(crate) fn fetch_once(
    uploader: &Uploader,
    db: &Db,
    agent: &ureq::Agent,
) -> Result<Option<i64>, FetchError> {
    let result = exchange(uploader, db, agent);
    let error = result.as_ref().err().map(ToString::to_string);
    let conn = db.conn()?;
    reference::checked(&conn, error.as_deref(), uploader.clock.now())?;
    result
}

fn exchange(uploader: &Uploader, db: &Db, agent: &ureq::Agent) -> Result<Option<i64>, FetchError> {
    let held = reference::held(&*db.conn()?)?;
    let applied = match fetch(uploader, agent, held.version)? {
        Some(published) => store(uploader, db, &published)?,
        None => None,
    };
    let held = reference::held(&*db.conn()?)?;
    if held.version > 0 && held.acked_at.is_none() {
        acknowledge(uploader, agent, held.version)?;
        let conn = db.conn()?;
        reference::acknowledged(&conn, held.version, uploader.clock.now())?;
    }
    Ok(applied)
}

/// The latest version when it is newer than `have`; `None` when head office answers 304.
fn fetch(
    uploader: &Uploader,
    agent: &ureq::Agent,
    have: i64,
) -> Result<Option<Published>, FetchError> {
    let url = format!(
        "{}{}?have={have}",
        uploader.url.trim_end_matches('/'),
        reference::PATH
    );
    let mut response = agent
        .get(&url)
        .config()
        .timeout_global(Some(deadline(uploader)))
        .build()
        .header("Authorization", format!("Bearer {}", uploader.credential))
        .call()
        .map_err(|e| FetchError::Unreachable(e.to_string()))?;
    let status = response.status().as_u16();
    if status == 304 {
        return Ok(None);
    }
    let text = response
        .body_mut()
        .with_config()
        .limit(MAX_ANSWER_BYTES)
        .read_to_string()
        .map_err(|e| FetchError::Unreachable(e.to_string()))?;
    if status != 200 {
        return Err(FetchError::Refused {
            status,
            reason: text.chars().take(200).collect(),
        });
    }
    serde_json::from_str(&text)
        .map(Some)
        .map_err(|e| FetchError::BadAnswer(e.to_string()))
}

/// The deadline of each request: the uploader's `[sync] timeout_seconds` (the answer is small
/// next to a batch; a stalled link holds the uploader no longer than an upload would).
fn deadline(uploader: &Uploader) -> Duration {
    uploader.timeout
}

/// Applies `published` in one Immediate transaction; nothing of it stays when a part fails.
pub(crate) fn store(
    uploader: &Uploader,
    db: &Db,
    published: &Published,
) -> Result<Option<i64>, FetchError> {
    let now = uploader.clock.now();
    let today = crate::plumbing::clock::local_date(now, uploader.config.utc_offset());
    let mut conn = db.conn()?;
    let tx = db::immediate(&mut conn)?;
    match reference::apply(
        &tx,
        published,
        &uploader.config,
        uploader.after_holidays,
        today,
        now,
    ) {
        Ok(Applied::Now(version)) => {
            tx.commit()?;
            log::info!("sync: reference data version {version} applied");
            Ok(Some(version))
        }
        Ok(Applied::AlreadyHeld { .. }) => Ok(None),
        Err(RefError::Db(e)) => Err(e.into()),
        Err(error) => Err(FetchError::NotApplied {
            version: published.version,
            error,
        }),
    }
}

/// Tells head office the branch has applied `version`.
fn acknowledge(uploader: &Uploader, agent: &ureq::Agent, version: i64) -> Result<(), FetchError> {
    let url = format!(
        "{}{}",
        uploader.url.trim_end_matches('/'),
        reference::ACK_PATH
    );
    let body =
        serde_json::to_vec(&Ack { version }).map_err(|e| FetchError::BadAnswer(e.to_string()))?;
    let response = agent
        .post(&url)
        .config()
        .timeout_global(Some(deadline(uploader)))
        .build()
        .header("Authorization", format!("Bearer {}", uploader.credential))
        .header("Content-Type", "application/json")
        .send(&body[..])
        .map_err(|e| FetchError::Unreachable(e.to_string()))?;
    match response.status().as_u16() {
        200 | 204 => Ok(()),
        status => Err(FetchError::Refused {
            status,
            reason: "acknowledgement refused".to_owned(),
        }),
    }
}
