//! The upload protocol between a branch and head office, shared by both sides: the batch and
//! reply documents, the digest of an entry, and gzip with a size bound.
//!
//! A batch is `POST /api/v1/batches` with `Authorization: Bearer <credential>`,
//! `Content-Encoding: gzip` and a JSON [`Batch`]. Head office answers with a JSON [`Reply`]:
//! 200 with the highest sequence number it has stored (and the entries it set aside), 409 with
//! the sequence number to resume after, 400 with the reason a batch is malformed, 401 for an
//! unknown or revoked credential, 413 for a body over the limit.

use std::io::{Read, Write};

use serde::{Deserialize, Serialize};

use super::changes::Change;
use crate::plumbing::crypto;

/// The path of the upload endpoint.
pub(crate) const PATH: &str = "/api/v1/batches";

/// One upload: consecutive entries of one branch's change log.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Batch {
    /// The branch code.
    pub(crate) branch: String,
    /// The branch's schema version (migrations applied); head office accepts this version's
    /// predecessor too, since branches are upgraded one at a time.
    pub(crate) schema: i64,
    pub(crate) entries: Vec<Entry>,
    /// Entries the branch still has waiting after this batch.
    #[serde(default)]
    pub(crate) waiting_after: i64,
    /// When the oldest entry still waiting after this batch was written.
    #[serde(default)]
    pub(crate) oldest_waiting_at: Option<String>,
}

/// One change-log entry as sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Entry {
    pub(crate) seq: i64,
    pub(crate) entity: String,
    pub(crate) id: String,
    pub(crate) op: String,
    /// The record's new state: the text of a JSON object, exactly as the branch logged it
    /// (kept as text so both sides digest the same bytes).
    #[serde(default)]
    pub(crate) data: Option<String>,
    pub(crate) at: String,
}

impl From<Change> for Entry {
    fn from(c: Change) -> Entry {
        Entry {
            seq: c.seq,
            entity: c.entity,
            id: c.record_id,
            op: c.op,
            data: c.data,
            at: c.at,
        }
    }
}

impl Entry {
    /// SHA-256 over the entry's fields, each length-prefixed: what "the same entry" means when
    /// a sequence number is sent again.
    pub(crate) fn digest(&self) -> [u8; 32] {
        let mut buf = Vec::with_capacity(128 + self.data.as_ref().map_or(0, String::len));
        let seq = self.seq.to_string();
        let data = self.data.as_deref();
        for part in [
            Some(seq.as_str()),
            Some(self.entity.as_str()),
            Some(self.id.as_str()),
            Some(self.op.as_str()),
            data,
            Some(self.at.as_str()),
        ] {
            match part {
                Some(p) => {
                    buf.extend_from_slice(&(p.len() as u64).to_be_bytes());
                    buf.extend_from_slice(p.as_bytes());
                }
                None => buf.extend_from_slice(&u64::MAX.to_be_bytes()),
            }
        }
        crypto::sha256(&buf)
    }
}

/// Head office's answer.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct Reply {
    /// Every entry up to this sequence number is stored at head office.
    #[serde(default)]
    pub(crate) acked: Option<i64>,
    /// Entries of this batch stored but not applied, with the reason.
    #[serde(default)]
    pub(crate) set_aside: Vec<SetAside>,
    /// What was wrong, when the batch was refused.
    #[serde(default)]
    pub(crate) error: Option<String>,
    /// The refused batch re-sent a stored sequence number with different content: resending
    /// will not help; someone must look (a branch restored from an old backup, say).
    #[serde(default)]
    pub(crate) conflict: bool,
}

/// An entry head office stored but could not apply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct SetAside {
    pub(crate) seq: i64,
    pub(crate) reason: String,
}

/// Why a body could not be unpacked.
#[derive(Debug, thiserror::Error)]
pub(crate) enum UnpackError {
    #[error("the body unpacks to more than {0} bytes")]
    TooLarge(usize),
    #[error("the body is not valid gzip: {0}")]
    Gzip(std::io::Error),
}

/// Gzips `bytes`.
pub(crate) fn gzip(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut encoder = flate2::write::GzEncoder::new(
        Vec::with_capacity(bytes.len() / 4),
        flate2::Compression::fast(),
    );
    encoder.write_all(bytes)?;
    encoder.finish()
}

/// Un-gzips `bytes`, refusing to produce more than `limit` bytes (a small body can unpack to
/// gigabytes).
pub(crate) fn gunzip(bytes: &[u8], limit: usize) -> Result<Vec<u8>, UnpackError> {
    let mut out = Vec::with_capacity(bytes.len() * 4);
    flate2::read::GzDecoder::new(bytes)
        .take(limit as u64 + 1)
        .read_to_end(&mut out)
        .map_err(UnpackError::Gzip)?;
    if out.len() > limit {
        return Err(UnpackError::TooLarge(limit));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn entry(seq: i64, data: Option<&str>) -> Entry {
        Entry {
            seq,
            entity: "customers".to_owned(),
            id: "C1".to_owned(),
            op: "insert".to_owned(),
            data: data.map(str::to_owned),
            at: "2026-01-01 00:00:00.000+00:00".to_owned(),
        }
    }

    #[test]
    fn digest_tells_entries_apart() {
        let a = entry(1, Some("{\"id\":\"C1\"}"));
        assert_eq!(a.digest(), a.clone().digest());
        assert_ne!(a.digest(), entry(2, Some("{\"id\":\"C1\"}")).digest());
        assert_ne!(a.digest(), entry(1, Some("{\"id\":\"C2\"}")).digest());
        assert_ne!(entry(1, None).digest(), entry(1, Some("")).digest());
        // Fields cannot bleed into each other.
        let mut b = a.clone();
        b.entity = "customersC".to_owned();
        b.id = "1".to_owned();
        assert_ne!(a.digest(), b.digest());
    }

    #[test]
    fn gzip_round_trip_and_bomb_limit() {
        let text = vec![b'a'; 100_000];
        let packed = gzip(&text).unwrap();
        assert!(packed.len() < 1_000);
        assert_eq!(gunzip(&packed, 100_000).unwrap(), text);
        assert!(matches!(
            gunzip(&packed, 99_999),
            Err(UnpackError::TooLarge(_))
        ));
        assert!(matches!(
            gunzip(b"not gzip", 100),
            Err(UnpackError::Gzip(_))
        ));
    }
}
