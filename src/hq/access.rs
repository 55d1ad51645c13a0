//! Who may talk to head office: branches (a credential each, printed once and stored as its
//! SHA-256) and head office users (username and argon2id password, for the read-only pages):
//! their sign-in through the staff sign-in's own procedure (`auth::check_password`, so the
//! lockout is the same code), their sessions, and head office's audit log of both.

use chrono::{DateTime, Duration, Utc};
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde_json::json;

use super::store::StoreError;
use crate::auth::{self, Account, Attempt, Found, SessionTable, SignInError};
use crate::plumbing::config::StaffConfig;
use crate::{plumbing::crypto, plumbing::db};

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
    #[error("{0}")]
    Store(#[from] StoreError),
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

/// Checks a new branch's code and name.
pub(crate) fn check_branch(code: &str, name: &str) -> Result<(), AccessError> {
    if code.is_empty() || code.len() > 12 || !code.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(AccessError::BadCode(code.to_owned()));
    }
    if name.trim().is_empty() {
        return Err(AccessError::NoName);
    }
    Ok(())
}

/// A new branch credential's secret and the SHA-256 of it that head office keeps.
pub(crate) fn new_credential() -> (String, [u8; 32]) {
    let secret = crypto::random_token();
    let hash = crypto::sha256(secret.as_bytes());
    (secret, hash)
}

/// Whether `secret` is the credential whose hash is `stored`.
pub(crate) fn credential_matches(stored: Option<&[u8]>, secret: &str) -> bool {
    stored.is_some_and(|hash| crypto::ct_eq(hash, &crypto::sha256(secret.as_bytes())))
}

/// Registers a branch with its credential's hash; false if the code is taken.
pub(crate) fn insert_branch(
    conn: &Connection,
    code: &str,
    name: &str,
    credential_hash: &[u8],
    now: DateTime<Utc>,
) -> rusqlite::Result<bool> {
    let added = conn.execute(
        "INSERT INTO branches (code, name, credential_hash, created_at) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (code) DO NOTHING",
        params![code, name.trim(), credential_hash, now],
    )?;
    Ok(added > 0)
}

/// Revokes a branch's credential; false if there is no such branch.
pub(crate) fn revoke_branch(
    conn: &Connection,
    code: &str,
    now: DateTime<Utc>,
) -> rusqlite::Result<bool> {
    let changed = conn.execute(
        "UPDATE branches SET revoked_at = COALESCE(revoked_at, ?2) WHERE code = ?1",
        params![code, now],
    )?;
    Ok(changed > 0)
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

/// The credential hash of a registered branch that is not revoked.
pub(crate) fn credential_hash(conn: &Connection, code: &str) -> rusqlite::Result<Option<Vec<u8>>> {
    conn.prepare_cached(
        "SELECT credential_hash FROM branches WHERE code = ?1 AND revoked_at IS NULL",
    )?
    .query_row([code], |r| r.get(0))
    .optional()
}

/// Checks a new user's username.
pub(crate) fn check_username(username: &str) -> Result<(), AccessError> {
    if username.is_empty()
        || username.len() > 40
        || !username
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
    {
        return Err(AccessError::BadUsername(username.to_owned()));
    }
    Ok(())
}

/// Adds a head office user with this password hash; false if the name is taken.
pub(crate) fn insert_user(
    conn: &Connection,
    username: &str,
    password_hash: &str,
    now: DateTime<Utc>,
) -> rusqlite::Result<bool> {
    let added = conn.execute(
        "INSERT INTO users (username, password_hash, created_at) VALUES (?1, ?2, ?3) ON CONFLICT (username) DO NOTHING",
        params![username, password_hash, now],
    )?;
    Ok(added > 0)
}

/// The longest username kept from a sign-in form (for the failure count and the audit);
/// real usernames have at most 40 characters.
const TYPED_USERNAME_CHARS: usize = 64;

/// How long a failure count with no lock is kept after its last failure.
pub(crate) const FAILURES_KEPT_HOURS: i64 = 24;

/// A username as typed at sign-in, bounded in length.
pub(crate) fn typed(username: &str) -> String {
    username.chars().take(TYPED_USERNAME_CHARS).collect()
}

/// Head office users as [`auth::check_password`] needs them. Failures and locks are kept per
/// username as typed, whether a user has it or not, so that an unknown name is counted,
/// locked and answered exactly like a known one.
struct Users<'a> {
    /// The client address, for the audit.
    address: &'a str,
}

impl auth::Accounts for Users<'_> {
    /// The username as stored.
    type User = String;
    type Conn = Connection;
    type Tx<'c> = Transaction<'c>;
    type Error = rusqlite::Error;

    fn begin<'c>(&self, conn: &'c mut Connection) -> rusqlite::Result<Transaction<'c>> {
        db::immediate(conn)
    }

    fn commit(&self, tx: Transaction<'_>) -> rusqlite::Result<()> {
        tx.commit()
    }

    fn find(&self, conn: &mut Connection, username: &str) -> rusqlite::Result<Found<String>> {
        let account = conn
            .prepare_cached(
                "SELECT username, password_hash, disabled_at IS NOT NULL FROM users WHERE username = ?1",
            )?
            .query_row([username], |r| {
                Ok(Account {
                    user: r.get(0)?,
                    password_hash: r.get(1)?,
                    disabled: r.get(2)?,
                })
            })
            .optional()?;
        let locked_until = conn
            .prepare_cached("SELECT locked_until FROM sign_in_failures WHERE username = ?1")?
            .query_row([username], |r| r.get(0))
            .optional()?
            .flatten();
        Ok(Found {
            account,
            locked_until,
        })
    }

    fn count_failure(
        &self,
        tx: &mut Transaction<'_>,
        username: &str,
        _found: &Found<String>,
        now: DateTime<Utc>,
    ) -> rusqlite::Result<u32> {
        tx.execute(
            "DELETE FROM sign_in_failures WHERE last_failed_at < ?1 AND (locked_until IS NULL OR locked_until < ?2)",
            params![now - Duration::hours(FAILURES_KEPT_HOURS), now],
        )?;
        tx.prepare_cached(
            "INSERT INTO sign_in_failures (username, failed_attempts, last_failed_at) VALUES (?1, 1, ?2) \
             ON CONFLICT (username) DO UPDATE SET failed_attempts = failed_attempts + 1, last_failed_at = ?2 \
             RETURNING failed_attempts",
        )?
        .query_row(
            params![username, now],
            |r| r.get(0),
        )
    }

    fn lock(
        &self,
        tx: &mut Transaction<'_>,
        username: &str,
        _found: &Found<String>,
        until: DateTime<Utc>,
    ) -> rusqlite::Result<()> {
        tx.execute(
            "UPDATE sign_in_failures SET failed_attempts = 0, locked_until = ?2 WHERE username = ?1",
            params![username, until],
        )?;
        Ok(())
    }

    fn signed_in(
        &self,
        tx: &mut Transaction<'_>,
        username: &str,
        _found: &Found<String>,
        _now: DateTime<Utc>,
    ) -> rusqlite::Result<()> {
        tx.execute(
            "DELETE FROM sign_in_failures WHERE username = ?1",
            [username],
        )?;
        Ok(())
    }

    fn record(
        &self,
        tx: &mut Transaction<'_>,
        username: &str,
        found: &Found<String>,
        attempt: Attempt,
        now: DateTime<Utc>,
    ) -> rusqlite::Result<()> {
        let detail = attempt_detail(attempt);
        audit(
            tx,
            audited_name(username, found),
            attempt.action(),
            self.address,
            detail,
            now,
        )
    }
}

/// What head office's audit keeps of an attempt besides its action: failures in a row, the
/// lock's end.
pub(crate) fn attempt_detail(attempt: Attempt) -> Option<serde_json::Value> {
    match attempt {
        Attempt::Failed { failed } => Some(json!({ "failed_attempts": failed })),
        Attempt::Locked { until, failed } => {
            Some(json!({ "locked_until": until.to_rfc3339(), "failed_attempts": failed }))
        }
        Attempt::RefusedLocked { until } => Some(json!({ "locked_until": until.to_rfc3339() })),
        Attempt::SignedIn | Attempt::Disabled => None,
    }
}

/// The name an attempt is audited under: the user's as stored, else as typed.
pub(crate) fn audited_name<'a>(typed: &'a str, found: &'a Found<String>) -> &'a str {
    found.account.as_ref().map_or(typed, |a| a.user.as_str())
}

/// Writes one row of head office's audit log.
fn audit(
    conn: &Connection,
    username: &str,
    action: &str,
    address: &str,
    detail: Option<serde_json::Value>,
    now: DateTime<Utc>,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO audit_log (at, username, action, address, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            now,
            username,
            action,
            address,
            detail.map(|d| d.to_string())
        ],
    )?;
    Ok(())
}

/// Checks a head office user's username (as typed, bounded) and password from `address`,
/// with the lockout, the unknown-name rules and the audit of [`Users`]; returns the username
/// as stored.
pub(crate) fn sign_in(
    conn: &mut Connection,
    username: &str,
    password: &str,
    address: &str,
    rules: &StaffConfig,
    now: DateTime<Utc>,
) -> Result<String, SignInError> {
    let users = Users { address };
    auth::check_password(conn, &users, username, password, rules, now)
}

/// Head office's sessions.
const SESSIONS: SessionTable = SessionTable {
    insert: "INSERT INTO sessions (token_hash, username, created_at, last_seen_at) VALUES (?1, ?2, ?3, ?3)",
    delete: "DELETE FROM sessions WHERE token_hash = ?1",
    touch: "UPDATE sessions SET last_seen_at = ?2 WHERE token_hash = ?1",
    find: "SELECT s.created_at, s.last_seen_at, u.disabled_at IS NOT NULL, u.username \
           FROM sessions s JOIN users u ON u.username = s.username WHERE s.token_hash = ?1",
};

/// Starts a session for `username` (already signed in); returns the token for the cookie.
pub(crate) fn start_session(
    conn: &Connection,
    username: &str,
    now: DateTime<Utc>,
) -> rusqlite::Result<String> {
    SESSIONS.start(conn, &username, now)
}

/// Ends the session with this token, if there is one, and audits the sign-out; returns
/// whose session it was.
pub(crate) fn sign_out(
    conn: &mut Connection,
    token: &str,
    address: &str,
    now: DateTime<Utc>,
) -> rusqlite::Result<Option<String>> {
    let tx = db::immediate(conn)?;
    let ended: Option<String> = tx
        .prepare_cached("DELETE FROM sessions WHERE token_hash = ?1 RETURNING username")?
        .query_row([crypto::sha256(token.as_bytes()).as_slice()], |r| r.get(0))
        .optional()?;
    if let Some(username) = &ended {
        audit(&tx, username, "sign_out", address, None, now)?;
    }
    tx.commit()?;
    Ok(ended)
}

/// Ends the session with this token without a sign-out (its browser is signing in again).
pub(crate) fn end_session(conn: &Connection, token: &str) -> rusqlite::Result<()> {
    SESSIONS.end(conn, token)
}

/// The user whose live session has this token, by the `[staff]` idle and absolute limits.
/// An ended session (or one of a disabled user) is deleted.
pub(crate) fn session_user(
    conn: &Connection,
    token: &str,
    rules: &StaffConfig,
    now: DateTime<Utc>,
) -> rusqlite::Result<Option<String>> {
    SESSIONS.owner(conn, token, rules, now, |row| row.get(3))
}

#[cfg(test)]
pub(crate) mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::hq::store::testing::both_stores;
    use crate::hq::store::{Store, StoreError};

    both_stores!(
        branch_credentials_work_until_revoked,
        five_failures_lock_known_and_unknown_names_alike_until_the_lock_ends,
        disabled_is_said_only_after_the_right_password,
        failure_counts_are_forgotten_a_day_after_the_last_failure,
        sessions_expire_when_idle_or_old_and_end_at_sign_out,
        usernames_are_one_whatever_their_case,
    );

    fn branch_credentials_work_until_revoked(store: &Store) {
        let now = t0();
        let credential = store.add_branch("JKT01", "Jakarta Kota", now).unwrap();
        assert!(credential.starts_with("JKT01."));
        assert!(matches!(
            store.add_branch("JKT01", "Again", now),
            Err(AccessError::Exists(_))
        ));
        assert!(matches!(
            store.add_branch("JK T", "x", now),
            Err(AccessError::BadCode(_))
        ));
        assert_eq!(
            store.branch_of(&credential).unwrap().as_deref(),
            Some("JKT01")
        );
        assert_eq!(store.branch_of("JKT01.wrong").unwrap(), None);
        assert_eq!(store.branch_of("nodot").unwrap(), None);
        let stored = store.blobs("SELECT credential_hash FROM branches");
        assert_eq!(
            stored,
            [crypto::sha256(&credential.as_bytes()[6..]).to_vec()]
        );
        store.revoke_branch("JKT01", now).unwrap();
        assert_eq!(store.branch_of(&credential).unwrap(), None);
        assert!(matches!(
            store.revoke_branch("NOPE", now),
            Err(AccessError::NoBranch(_))
        ));
    }

    fn t0() -> DateTime<Utc> {
        DateTime::from_timestamp(1_700_000_000, 0).unwrap()
    }

    fn rules() -> StaffConfig {
        StaffConfig::default()
    }

    /// Head office's audit rows as (username, action).
    fn audit_rows(store: &Store) -> Vec<(String, String)> {
        store
            .texts("SELECT username || ' ' || action FROM audit_log ORDER BY id")
            .into_iter()
            .map(|row| {
                let (who, what) = row.split_once(' ').unwrap();
                (who.to_owned(), what.to_owned())
            })
            .collect()
    }

    type Attempted = Result<String, SignInError<StoreError>>;

    fn sign_in(store: &Store, name: &str, password: &str, at: DateTime<Utc>) -> Attempted {
        store.sign_in(name, password, "10.0.0.1", &rules(), at)
    }

    fn five_failures_lock_known_and_unknown_names_alike_until_the_lock_ends(store: &Store) {
        store
            .add_user("rina", "a long enough password", t0())
            .unwrap();
        for name in ["rina", "nobody"] {
            let try_at = |password: &str, at: DateTime<Utc>| sign_in(store, name, password, at);
            for i in 0..4 {
                assert!(
                    matches!(try_at("nope", t0()), Err(SignInError::Wrong)),
                    "{name} try {i}"
                );
            }
            let until = t0() + Duration::minutes(15);
            assert!(matches!(try_at("nope", t0()), Err(SignInError::Locked(at)) if at == until));
            assert!(
                matches!(try_at("a long enough password", t0() + Duration::minutes(14)), Err(SignInError::Locked(at)) if at == until),
                "{name}: even the right password waits"
            );
            let after = try_at("a long enough password", t0() + Duration::minutes(16));
            if name == "rina" {
                assert!(matches!(after.as_deref(), Ok("rina")));
            } else {
                assert!(matches!(after, Err(SignInError::Wrong)));
            }
        }
        // The count is per name, whatever its case; a success clears it.
        assert!(matches!(
            sign_in(store, "RINA", "x", t0()),
            Err(SignInError::Wrong)
        ));
        let failed =
            store.count("SELECT failed_attempts FROM sign_in_failures WHERE username = 'rina'");
        assert_eq!(failed, 1);
        let rows = audit_rows(store);
        let count = |who: &str, action: &str| {
            rows.iter()
                .filter(|(u, a)| u.eq_ignore_ascii_case(who) && a == action)
                .count()
        };
        for name in ["rina", "nobody"] {
            assert_eq!(count(name, "sign_in.locked"), 1, "{rows:?}");
            assert_eq!(count(name, "sign_in.refused_locked"), 1);
        }
        assert_eq!(count("rina", "sign_in"), 1);
        assert_eq!(count("rina", "sign_in.failed"), 5);
        assert_eq!(count("nobody", "sign_in.failed"), 5);
        let address = store.texts("SELECT address FROM audit_log LIMIT 1");
        assert_eq!(address, ["10.0.0.1"]);
    }

    fn disabled_is_said_only_after_the_right_password(store: &Store) {
        store
            .add_user("rina", "a long enough password", t0())
            .unwrap();
        store.run("UPDATE users SET disabled_at = created_at");
        let try_with = |password: &str| sign_in(store, "rina", password, t0());
        assert!(matches!(try_with("wrong"), Err(SignInError::Wrong)));
        assert!(matches!(
            try_with("a long enough password"),
            Err(SignInError::Disabled)
        ));
    }

    fn failure_counts_are_forgotten_a_day_after_the_last_failure(store: &Store) {
        for _ in 0..4 {
            let refused = sign_in(store, "ghost", "x", t0());
            assert!(matches!(refused, Err(SignInError::Wrong)));
        }
        let later = t0() + Duration::hours(25);
        let other = sign_in(store, "other", "x", later);
        assert!(
            matches!(other, Err(SignInError::Wrong)),
            "this failure prunes the old count"
        );
        assert!(
            matches!(sign_in(store, "ghost", "x", later), Err(SignInError::Wrong)),
            "a fifth failure a day later does not lock"
        );
        assert_eq!(store.count("SELECT COUNT(*) FROM sign_in_failures"), 2);
    }

    fn usernames_are_one_whatever_their_case(store: &Store) {
        store
            .add_user("rina", "a long enough password", t0())
            .unwrap();
        assert!(matches!(
            store.add_user("Rina", "another long password", t0()),
            Err(AccessError::UserExists(_))
        ));
        let signed = sign_in(store, "RINA", "a long enough password", t0());
        assert_eq!(signed.ok().as_deref(), Some("rina"), "the name as stored");
    }

    fn sessions_expire_when_idle_or_old_and_end_at_sign_out(store: &Store) {
        store
            .add_user("rina", "a long enough password", t0())
            .unwrap();
        let user = |token: &str, at| store.session_user(token, &rules(), at).unwrap();
        let token = store.start_session("rina", t0()).unwrap();
        let mut t = t0();
        while t < t0() + Duration::hours(11) {
            t += Duration::minutes(29);
            assert_eq!(user(&token, t).as_deref(), Some("rina"), "at {t}");
        }
        let late = t0() + Duration::hours(12) + Duration::minutes(1);
        assert_eq!(user(&token, late), None);
        assert_eq!(user(&token, t0()), None, "an ended session is gone");
        let token = store.start_session("rina", t0()).unwrap();
        assert_eq!(user(&token, t0() + Duration::minutes(31)), None);

        let token = store.start_session("rina", t0()).unwrap();
        let out = store.sign_out(&token, "a", t0()).unwrap();
        assert_eq!(out.as_deref(), Some("rina"));
        assert_eq!(user(&token, t0()), None);
        assert_eq!(store.sign_out(&token, "a", t0()).unwrap(), None);
        assert_eq!(
            audit_rows(store),
            [("rina".to_owned(), "sign_out".to_owned())]
        );
        let token = store.start_session("rina", t0()).unwrap();
        let stored = store.blobs("SELECT token_hash FROM sessions");
        assert!(
            !stored.contains(&token.as_bytes().to_vec()),
            "the token itself is not stored"
        );
        assert!(stored.contains(&crypto::sha256(token.as_bytes()).to_vec()));

        let token = store.start_session("rina", t0()).unwrap();
        store.run("UPDATE users SET disabled_at = created_at");
        assert_eq!(user(&token, t0()), None, "a disabled user's session ends");
    }
}
