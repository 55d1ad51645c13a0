//! Who may talk to head office: branches (a credential each, printed once and stored as its
//! SHA-256) and head office staff (username and argon2id password, for the read-only pages).

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use crate::crypto;

/// Why a branch or user could not be added or changed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum AccessError {
    #[error("branch code {0:?} must be 1 to 12 letters or digits")]
    BadCode(String),
    #[error("a branch name is required")]
    NoName,
    #[error("branch {0} is already registered")]
    Exists(String),
    #[error("there is no branch {0}")]
    NoBranch(String),
    #[error("username {0:?} must be 1 to 40 letters, digits, dots, dashes or underscores")]
    BadUsername(String),
    #[error("user {0} already exists")]
    UserExists(String),
    #[error("cannot hash the password: {0}")]
    Hash(String),
    #[error("database: {0}")]
    Db(#[from] rusqlite::Error),
}

/// A registered branch as `hq branch list` shows it.
#[derive(Debug, Clone)]
pub(crate) struct Branch {
    pub(crate) code: String,
    pub(crate) name: String,
    pub(crate) revoked_at: Option<DateTime<Utc>>,
    pub(crate) acked_seq: i64,
    pub(crate) entries_received: i64,
    pub(crate) last_upload_at: Option<DateTime<Utc>>,
    pub(crate) schema_version: Option<i64>,
    pub(crate) waiting_after: Option<i64>,
    pub(crate) oldest_waiting_at: Option<String>,
    pub(crate) set_aside: i64,
}

/// Registers a branch; returns its credential (`CODE.secret`), which is never stored.
pub(crate) fn add_branch(
    conn: &Connection,
    code: &str,
    name: &str,
    now: DateTime<Utc>,
) -> Result<String, AccessError> {
    if code.is_empty() || code.len() > 12 || !code.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(AccessError::BadCode(code.to_owned()));
    }
    if name.trim().is_empty() {
        return Err(AccessError::NoName);
    }
    let secret = crypto::random_token();
    let added = conn.execute(
        "INSERT INTO branches (code, name, credential_hash, created_at) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (code) DO NOTHING",
        params![code, name.trim(), crypto::sha256(secret.as_bytes()).as_slice(), now],
    )?;
    if added == 0 {
        return Err(AccessError::Exists(code.to_owned()));
    }
    Ok(format!("{code}.{secret}"))
}

/// Revokes a branch's credential: its uploads get 401 from now on.
pub(crate) fn revoke_branch(
    conn: &Connection,
    code: &str,
    now: DateTime<Utc>,
) -> Result<(), AccessError> {
    let changed = conn.execute(
        "UPDATE branches SET revoked_at = COALESCE(revoked_at, ?2) WHERE code = ?1",
        params![code, now],
    )?;
    if changed == 0 {
        return Err(AccessError::NoBranch(code.to_owned()));
    }
    Ok(())
}

/// Every registered branch, by code.
pub(crate) fn branches(conn: &Connection) -> rusqlite::Result<Vec<Branch>> {
    let mut stmt = conn.prepare(
        "SELECT code, name, revoked_at, acked_seq, entries_received, last_upload_at, schema_version, \
         waiting_after, oldest_waiting_at, \
         (SELECT COUNT(*) FROM changes c WHERE c.branch = b.code AND c.set_aside IS NOT NULL) \
         FROM branches b ORDER BY code",
    )?;
    stmt.query_map([], |r| {
        Ok(Branch {
            code: r.get(0)?,
            name: r.get(1)?,
            revoked_at: r.get(2)?,
            acked_seq: r.get(3)?,
            entries_received: r.get(4)?,
            last_upload_at: r.get(5)?,
            schema_version: r.get(6)?,
            waiting_after: r.get(7)?,
            oldest_waiting_at: r.get(8)?,
            set_aside: r.get(9)?,
        })
    })?
    .collect()
}

/// The branch a bearer credential belongs to, if it is registered and not revoked.
pub(crate) fn authenticate_branch(
    conn: &Connection,
    credential: &str,
) -> rusqlite::Result<Option<String>> {
    let Some((code, secret)) = credential.split_once('.') else {
        return Ok(None);
    };
    let stored: Option<Vec<u8>> = conn
        .query_row(
            "SELECT credential_hash FROM branches WHERE code = ?1 AND revoked_at IS NULL",
            [code],
            |r| r.get(0),
        )
        .optional()?;
    Ok(stored
        .filter(|hash| crypto::ct_eq(hash, &crypto::sha256(secret.as_bytes())))
        .map(|_| code.to_owned()))
}

/// Adds a head office user who may read the pages.
pub(crate) fn add_user(
    conn: &Connection,
    username: &str,
    password: &str,
    now: DateTime<Utc>,
) -> Result<(), AccessError> {
    if username.is_empty()
        || username.len() > 40
        || !username
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
    {
        return Err(AccessError::BadUsername(username.to_owned()));
    }
    let hash = crypto::hash_password(password).map_err(|e| AccessError::Hash(e.to_string()))?;
    let added = conn.execute(
        "INSERT INTO users (username, password_hash, created_at) VALUES (?1, ?2, ?3) ON CONFLICT (username) DO NOTHING",
        params![username, hash, now],
    )?;
    if added == 0 {
        return Err(AccessError::UserExists(username.to_owned()));
    }
    Ok(())
}

/// Checks HTTP Basic credentials of head office users. A successful check is remembered for
/// a few minutes (by a hash of the pair), since browsers send the password with every request
/// and argon2id is deliberately slow.
#[derive(Default)]
pub(crate) struct UserCheck {
    recent: Mutex<HashMap<[u8; 32], DateTime<Utc>>>,
}

impl UserCheck {
    /// The username, when `authorization` is a valid `Basic` header of an enabled user.
    pub(crate) fn check(
        &self,
        conn: &Connection,
        authorization: Option<&str>,
        now: DateTime<Utc>,
    ) -> rusqlite::Result<Option<String>> {
        let Some((username, password)) = authorization.and_then(decode_basic) else {
            return Ok(None);
        };
        let key = crypto::sha256(format!("{username}\0{password}").as_bytes());
        let mut recent = self
            .recent
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        recent.retain(|_, until| *until > now);
        let stored: Option<String> = conn
            .query_row(
                "SELECT password_hash FROM users WHERE username = ?1 AND disabled_at IS NULL",
                [&username],
                |r| r.get(0),
            )
            .optional()?;
        let Some(stored) = stored else {
            return Ok(None);
        };
        if recent.contains_key(&key) || crypto::verify_password(&password, &stored) {
            recent.insert(key, now + Duration::minutes(5));
            return Ok(Some(username));
        }
        Ok(None)
    }
}

/// `Basic base64(user:password)` → (user, password).
fn decode_basic(header: &str) -> Option<(String, String)> {
    let encoded = header.strip_prefix("Basic ")?.trim();
    let bytes = base64_decode(encoded)?;
    let text = String::from_utf8(bytes).ok()?;
    let (user, password) = text.split_once(':')?;
    Some((user.to_owned(), password.to_owned()))
}

/// Standard base64 (with padding), as HTTP Basic uses it.
fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let value = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let text = text.trim_end_matches('=').as_bytes();
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    for chunk in text.chunks(4) {
        let mut n = 0u32;
        for (i, c) in chunk.iter().enumerate() {
            n |= value(*c)? << (18 - 6 * i);
        }
        let bytes = n.to_be_bytes();
        match chunk.len() {
            4 => out.extend_from_slice(&bytes[1..4]),
            3 => out.extend_from_slice(&bytes[1..3]),
            2 => out.push(bytes[1]),
            _ => return None,
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::db::{Db, Schema};

    fn hq() -> (tempfile::TempDir, Db) {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open_schema(
            dir.path(),
            Schema::HeadOffice,
            std::time::Duration::from_secs(5),
            2,
        )
        .unwrap();
        (dir, db)
    }

    #[test]
    fn branch_credentials_work_until_revoked() {
        let (_dir, db) = hq();
        let conn = db.conn().unwrap();
        let now = Utc::now();
        let credential = add_branch(&conn, "JKT01", "Jakarta Kota", now).unwrap();
        assert!(credential.starts_with("JKT01."));
        assert!(matches!(
            add_branch(&conn, "JKT01", "Again", now),
            Err(AccessError::Exists(_))
        ));
        assert!(matches!(
            add_branch(&conn, "JK T", "x", now),
            Err(AccessError::BadCode(_))
        ));
        assert_eq!(
            authenticate_branch(&conn, &credential).unwrap().as_deref(),
            Some("JKT01")
        );
        assert_eq!(authenticate_branch(&conn, "JKT01.wrong").unwrap(), None);
        assert_eq!(authenticate_branch(&conn, "nodot").unwrap(), None);
        let stored: Vec<u8> = conn
            .query_row("SELECT credential_hash FROM branches", [], |r| r.get(0))
            .unwrap();
        assert!(!String::from_utf8_lossy(&stored).contains(&credential[6..]));
        revoke_branch(&conn, "JKT01", now).unwrap();
        assert_eq!(authenticate_branch(&conn, &credential).unwrap(), None);
        assert!(matches!(
            revoke_branch(&conn, "NOPE", now),
            Err(AccessError::NoBranch(_))
        ));
    }

    #[test]
    fn basic_auth_checks_users() {
        let (_dir, db) = hq();
        let conn = db.conn().unwrap();
        let now = Utc::now();
        add_user(&conn, "rina", "a long enough password", now).unwrap();
        let check = UserCheck::default();
        // "rina:a long enough password"
        let good = "Basic cmluYTphIGxvbmcgZW5vdWdoIHBhc3N3b3Jk";
        assert_eq!(
            check.check(&conn, Some(good), now).unwrap().as_deref(),
            Some("rina")
        );
        assert_eq!(
            check.check(&conn, Some(good), now).unwrap().as_deref(),
            Some("rina")
        );
        // "rina:wrong"
        assert_eq!(
            check
                .check(&conn, Some("Basic cmluYTp3cm9uZw=="), now)
                .unwrap(),
            None
        );
        assert_eq!(check.check(&conn, Some("Basic !!!"), now).unwrap(), None);
        assert_eq!(check.check(&conn, None, now).unwrap(), None);
        conn.execute("UPDATE users SET disabled_at = 'x'", [])
            .unwrap();
        assert_eq!(check.check(&conn, Some(good), now).unwrap(), None);
    }

    #[test]
    fn base64_decodes_padding() {
        assert_eq!(base64_decode("YQ==").unwrap(), b"a");
        assert_eq!(base64_decode("YWI=").unwrap(), b"ab");
        assert_eq!(base64_decode("YWJj").unwrap(), b"abc");
        assert_eq!(base64_decode("Y"), None);
    }
}
