//! Files attached to a complaint case (issue 14): staff's proof of the last bank transfer on a
//! disbursement case, a customer's photo from the portal.
//!
//! The type is decided by the file's first bytes (JPEG, PNG or PDF magic), never by the name or
//! the type the browser claims, so a page or a script cannot be stored as an "image". The bytes
//! go to `<data dir>/attachments/<id>`: written to a temporary file in that directory, fsynced,
//! renamed and the directory fsynced, inside the caller's transaction that inserts the row, so a
//! refused file (type, size, empty) leaves neither a file nor a row, and a row never names a
//! file that is not on disk. Only the row (name, type, size, SHA-256, who, when) is synced.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Transaction, params};

use crate::plumbing::crypto;
use crate::plumbing::ids::{AttachmentId, ComplaintId, StaffId};

/// The directory, under the data directory, that holds the files.
use crate::plumbing::db::ATTACHMENTS_DIR as DIR;
/// Longest file name kept (characters); longer ones are cut.
const MAX_NAME_CHARS: usize = 200;

/// The kinds of file a case accepts, by their bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Jpeg,
    Png,
    Pdf,
}

impl Kind {
    /// What the first bytes say the file is; `None`: not a kind we accept.
    pub(crate) fn sniff(bytes: &[u8]) -> Option<Kind> {
        if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
            Some(Kind::Jpeg)
        } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(Kind::Png)
        } else if bytes.starts_with(b"%PDF-") {
            Some(Kind::Pdf)
        } else {
            None
        }
    }

    /// The media type stored and served back.
    pub(crate) fn content_type(self) -> &'static str {
        match self {
            Kind::Jpeg => "image/jpeg",
            Kind::Png => "image/png",
            Kind::Pdf => "application/pdf",
        }
    }
}

/// Why a file was not attached.
#[derive(Debug, thiserror::Error)]
pub(crate) enum AttachmentError {
    #[error("the file is empty")]
    Empty,
    #[error("the file is larger than {max} bytes")]
    TooLarge { max: usize },
    #[error("the file is not a JPEG, PNG or PDF")]
    Type,
    #[error("cannot store the file: {0}")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Db(#[from] rusqlite::Error),
}

/// One attached file, as listed on the case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Attachment {
    pub(crate) id: AttachmentId,
    pub(crate) complaint: ComplaintId,
    pub(crate) file_name: String,
    pub(crate) content_type: String,
    pub(crate) size_bytes: i64,
    pub(crate) sha256: String,
    /// `None`: the customer, on the portal.
    pub(crate) staff: Option<StaffId>,
    pub(crate) at: DateTime<Utc>,
}

/// A file to attach, as received.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Upload<'a> {
    pub(crate) file_name: &'a str,
    pub(crate) bytes: &'a [u8],
}

/// Attaches the file (see [`attach`]) and records it on the case's timeline (a note naming the
/// file, by `staff` or, for `None`, the customer) in the same transaction.
pub(crate) fn attach_to_case(
    tx: &Transaction,
    data_dir: &Path,
    case: &ComplaintId,
    upload: Upload,
    max_bytes: usize,
    staff: Option<&StaffId>,
    now: DateTime<Utc>,
) -> Result<AttachmentId, AttachmentError> {
    let name = clean_name(upload.file_name, check(upload.bytes, max_bytes)?);
    super::cases::record(
        tx,
        case,
        super::EventKind::Note,
        staff,
        (None, None),
        &format!("📎 {name}"),
        now,
    )?;
    attach(tx, data_dir, case, upload, max_bytes, staff, now)
}

/// Checks the file, writes it under `data_dir` and records it on the case; refusals write
/// nothing. The caller commits `tx` (if it does not, the renamed file is left unreferenced).
pub(crate) fn attach(
    tx: &Transaction,
    data_dir: &Path,
    case: &ComplaintId,
    upload: Upload,
    max_bytes: usize,
    staff: Option<&StaffId>,
    now: DateTime<Utc>,
) -> Result<AttachmentId, AttachmentError> {
    let kind = check(upload.bytes, max_bytes)?;
    let id = AttachmentId::new(now);
    let dir = data_dir.join(DIR);
    let temp = write_temp(&dir, &id, upload.bytes)?;
    let inserted = tx.execute(
        "INSERT INTO complaint_attachments
             (id, complaint_id, file_name, content_type, size_bytes, sha256, staff_id, at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            id,
            case,
            clean_name(upload.file_name, kind),
            kind.content_type(),
            i64::try_from(upload.bytes.len()).unwrap_or(i64::MAX),
            crypto::hex(&crypto::sha256(upload.bytes)),
            staff,
            now,
        ],
    );
    if let Err(e) = inserted {
        let _ = fs::remove_file(&temp);
        return Err(e.into());
    }
    if let Err(e) = publish(&dir, &temp, &id) {
        let _ = fs::remove_file(&temp);
        return Err(e.into());
    }
    Ok(id)
}

/// The size and type checks, before anything is written.
fn check(bytes: &[u8], max_bytes: usize) -> Result<Kind, AttachmentError> {
    if bytes.is_empty() {
        return Err(AttachmentError::Empty);
    }
    if bytes.len() > max_bytes {
        return Err(AttachmentError::TooLarge { max: max_bytes });
    }
    Kind::sniff(bytes).ok_or(AttachmentError::Type)
}

/// Writes the bytes to `<dir>/.<id>.tmp` and fsyncs them.
fn write_temp(dir: &Path, id: &AttachmentId, bytes: &[u8]) -> std::io::Result<PathBuf> {
    fs::create_dir_all(dir)?;
    let temp = dir.join(format!(".{id}.tmp"));
    let written = File::create(&temp).and_then(|mut f| {
        f.write_all(bytes)?;
        f.sync_all()
    });
    match written {
        Ok(()) => Ok(temp),
        Err(e) => {
            let _ = fs::remove_file(&temp);
            Err(e)
        }
    }
}

/// Renames the temporary file to its id and fsyncs the directory.
fn publish(dir: &Path, temp: &Path, id: &AttachmentId) -> std::io::Result<()> {
    fs::rename(temp, file_path_in(dir, id))?;
    File::open(dir)?.sync_all()
}

/// The file name shown: its last path component, without control characters, cut to
/// [`MAX_NAME_CHARS`]; a blank one is named after its type.
fn clean_name(sent: &str, kind: Kind) -> String {
    let last = sent.rsplit(['/', '\\']).next().unwrap_or("");
    let name: String = last
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_NAME_CHARS)
        .collect();
    let name = name.trim();
    if name.is_empty() {
        let ext = match kind {
            Kind::Jpeg => "jpg",
            Kind::Png => "png",
            Kind::Pdf => "pdf",
        };
        format!("attachment.{ext}")
    } else {
        name.to_owned()
    }
}

fn file_path_in(dir: &Path, id: &AttachmentId) -> PathBuf {
    dir.join(id.as_str())
}

/// Where an attachment's bytes are.
pub(crate) fn file_path(data_dir: &Path, id: &AttachmentId) -> PathBuf {
    file_path_in(&data_dir.join(DIR), id)
}

const COLUMNS: &str = "id, complaint_id, file_name, content_type, size_bytes, sha256, staff_id, at";

fn from_row(r: &rusqlite::Row) -> rusqlite::Result<Attachment> {
    Ok(Attachment {
        id: r.get(0)?,
        complaint: r.get(1)?,
        file_name: r.get(2)?,
        content_type: r.get(3)?,
        size_bytes: r.get(4)?,
        sha256: r.get(5)?,
        staff: r.get(6)?,
        at: r.get(7)?,
    })
}

/// A case's attachments, oldest first.
pub(crate) fn of_case(conn: &Connection, case: &ComplaintId) -> rusqlite::Result<Vec<Attachment>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM complaint_attachments WHERE complaint_id = ?1 ORDER BY at, id"
    );
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map([case], from_row)?;
    rows.collect()
}

/// One attachment by id.
pub(crate) fn get(conn: &Connection, id: &AttachmentId) -> rusqlite::Result<Option<Attachment>> {
    let sql = format!("SELECT {COLUMNS} FROM complaint_attachments WHERE id = ?1");
    conn.prepare_cached(&sql)?
        .query_row([id], from_row)
        .optional()
}

#[cfg(test)]
#[path = "attachments_tests.rs"]
mod tests;
