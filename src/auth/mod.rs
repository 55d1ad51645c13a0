//! Staff sign-in and sessions (roles and permissions are in `roles`).
//!
//! Sign-in checks an argon2id hash (an unknown username costs the same check). Five failures
//! in a row lock the account for 15 minutes (both configurable), and failures are also
//! counted per client address, whatever the username, against guessing across accounts;
//! "disabled" is said only after the right password. That procedure, [`check_password`], is
//! head office's too: each side implements [`Accounts`] (where accounts, counts and locks
//! live, what is audited). A session is a random token in an HttpOnly, SameSite=Strict
//! cookie; the database keeps only its SHA-256. It ends at sign-out, after 30 idle minutes,
//! or 12 hours after sign-in ([`session_age`], also head office's), and a new one is made at
//! every sign-in.

use std::sync::OnceLock;

use chrono::{DateTime, Duration, Utc};
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde_json::json;

use crate::audit::{self, Actor, Change};
use crate::plumbing::config::StaffConfig;
use crate::plumbing::crypto;
use crate::plumbing::db;
use crate::plumbing::i18n::{Lang, Msg};
use crate::plumbing::ids::StaffId;
use crate::roles::StaffUser;

/// The cookie holding the staff session token.
pub(crate) const STAFF_COOKIE: &str = "pb_staff";

/// Why a sign-in was refused, or the database (`E`: the branch's SQLite, or head office's
/// store) failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum SignInError<E: std::error::Error = rusqlite::Error> {
    /// Unknown username or wrong password (the user is not told which).
    #[error("wrong username or password")]
    Wrong,
    /// Too many failures in a row; locked until then.
    #[error("locked until {0}")]
    Locked(DateTime<Utc>),
    /// The right password of an account an administrator disabled.
    #[error("the account is disabled")]
    Disabled,
    #[error("database: {0}")]
    Db(#[from] E),
}

/// What one sign-in attempt came to, as an audit records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Attempt {
    /// The right password of an enabled account.
    SignedIn,
    /// A wrong password or an unknown username; `failed` in a row so far.
    Failed { failed: u32 },
    /// This failure locked the username until then.
    Locked { until: DateTime<Utc>, failed: u32 },
    /// Refused without looking at the password: the username is locked until then.
    RefusedLocked { until: DateTime<Utc> },
    /// The right password of a disabled account.
    Disabled,
}

impl Attempt {
    /// The audit's name for it.
    pub(crate) fn action(self) -> &'static str {
        match self {
            Attempt::SignedIn => "sign_in",
            Attempt::Failed { .. } => "sign_in.failed",
            Attempt::Locked { .. } => "sign_in.locked",
            Attempt::RefusedLocked { .. } => "sign_in.refused_locked",
            Attempt::Disabled => "sign_in.disabled",
        }
    }
}

/// An account as sign-in sees it: a branch's staff member or a head office user.
pub(crate) struct Account<U> {
    pub(crate) user: U,
    pub(crate) password_hash: String,
    pub(crate) disabled: bool,
}

/// What a username typed at sign-in leads to: its account, if any, and its lock.
pub(crate) struct Found<U> {
    pub(crate) account: Option<Account<U>>,
    pub(crate) locked_until: Option<DateTime<Utc>>,
}

/// Where sign-in finds accounts and keeps failure counts and locks. [`check_password`] is the
/// one sign-in procedure; the branch's staff ([`sign_in`]) and head office's users
/// (`hq::access`) each say only where these live and what they audit.
pub(crate) trait Accounts {
    type User;
    /// Where the accounts live: the branch's SQLite connection, or head office's store.
    type Conn;
    /// One write transaction on [`Accounts::Conn`].
    type Tx<'c>
    where
        Self::Conn: 'c;
    type Error: std::error::Error;
    /// The account and lock of `username`.
    fn find(&self, conn: &mut Self::Conn, username: &str)
    -> Result<Found<Self::User>, Self::Error>;
    /// Starts the write transaction of one attempt.
    fn begin<'c>(&self, conn: &'c mut Self::Conn) -> Result<Self::Tx<'c>, Self::Error>;
    /// Commits it.
    fn commit(&self, tx: Self::Tx<'_>) -> Result<(), Self::Error>;
    /// Counts one more failure; returns the failures in a row (0: this name is not counted).
    fn count_failure(
        &self,
        tx: &mut Self::Tx<'_>,
        username: &str,
        found: &Found<Self::User>,
        now: DateTime<Utc>,
    ) -> Result<u32, Self::Error>;
    /// Locks the username until `until`, its count back to zero.
    fn lock(
        &self,
        tx: &mut Self::Tx<'_>,
        username: &str,
        found: &Found<Self::User>,
        until: DateTime<Utc>,
    ) -> Result<(), Self::Error>;
    /// Clears the count and the lock after a successful sign-in.
    fn signed_in(
        &self,
        tx: &mut Self::Tx<'_>,
        username: &str,
        found: &Found<Self::User>,
        now: DateTime<Utc>,
    ) -> Result<(), Self::Error>;
    /// Records the attempt (in the same transaction).
    fn record(
        &self,
        tx: &mut Self::Tx<'_>,
        username: &str,
        found: &Found<Self::User>,
        attempt: Attempt,
        now: DateTime<Utc>,
    ) -> Result<(), Self::Error>;
}

/// A hash to verify against when the username is unknown, so both cases take the same time.
fn dummy_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| crypto::hash_password("not a real password").unwrap_or_default())
}

/// Whether `password` is the account's, at the cost of one hash check either way.
fn password_matches<U>(password: &str, account: Option<&Account<U>>) -> bool {
    match account {
        Some(account) => crypto::verify_password(password, &account.password_hash),
        None => {
            crypto::verify_password(password, dummy_hash());
            false
        }
    }
}

/// Checks a username and password: a locked username is refused without looking at the
/// password; otherwise one hash check (known name or not), then the failure count, the lock
/// after `lockout_attempts` failures in a row, and the record of the attempt, in one write
/// transaction. "Disabled" is said only after the right password. The slow hash check runs
/// before the transaction, so it never holds the database's write lock.
pub(crate) fn check_password<A: Accounts>(
    conn: &mut A::Conn,
    accounts: &A,
    username: &str,
    password: &str,
    rules: &StaffConfig,
    now: DateTime<Utc>,
) -> Result<A::User, SignInError<A::Error>> {
    let found = accounts.find(conn, username)?;
    let checked = match found.locked_until.filter(|until| *until > now) {
        Some(until) => Err(until),
        None => Ok(password_matches(password, found.account.as_ref())),
    };
    let mut tx = accounts.begin(conn)?;
    let attempt = match checked {
        Err(until) => Attempt::RefusedLocked { until },
        Ok(true) if found.account.as_ref().is_some_and(|a| a.disabled) => Attempt::Disabled,
        Ok(true) => {
            accounts.signed_in(&mut tx, username, &found, now)?;
            Attempt::SignedIn
        }
        Ok(false) => {
            let failed = accounts.count_failure(&mut tx, username, &found, now)?;
            if failed > 0 && failed >= rules.lockout_attempts {
                let until = now + Duration::minutes(i64::from(rules.lockout_minutes));
                accounts.lock(&mut tx, username, &found, until)?;
                Attempt::Locked { until, failed }
            } else {
                Attempt::Failed { failed }
            }
        }
    };
    accounts.record(&mut tx, username, &found, attempt, now)?;
    accounts.commit(tx)?;
    match attempt {
        Attempt::SignedIn => found.account.map(|a| a.user).ok_or(SignInError::Wrong),
        Attempt::Failed { .. } => Err(SignInError::Wrong),
        Attempt::Locked { until, .. } | Attempt::RefusedLocked { until } => {
            Err(SignInError::Locked(until))
        }
        Attempt::Disabled => Err(SignInError::Disabled),
    }
}

/// What a session's age means at `now`.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum SessionAge {
    /// Idle too long, or opened too long ago: it has ended.
    Ended,
    /// Live; `touch` when its last use is old enough to be worth writing down (writing on
    /// every page view would cost a disk sync each; a minute's precision is enough for an
    /// idle timeout).
    Live { touch: bool },
}

/// The age of a session opened at `created` and last used at `seen`, by the `[staff]` idle
/// and absolute limits (head office's sessions follow the same rules).
pub(crate) fn session_age(
    created: DateTime<Utc>,
    seen: DateTime<Utc>,
    rules: &StaffConfig,
    now: DateTime<Utc>,
) -> SessionAge {
    let idle = Duration::minutes(i64::from(rules.session_idle_minutes));
    let max = Duration::hours(i64::from(rules.session_max_hours));
    if now - seen > idle || now - created > max {
        SessionAge::Ended
    } else {
        SessionAge::Live {
            touch: now - seen > Duration::minutes(1),
        }
    }
}

/// The branch's staff accounts: the failure count and lock are kept on the account, so an
/// unknown username is never counted.
struct Staff;

impl Staff {
    fn id(found: &Found<StaffUser>) -> Option<&StaffId> {
        found.account.as_ref().map(|a| &a.user.id)
    }
}

impl Accounts for Staff {
    type User = StaffUser;
    type Conn = Connection;
    type Tx<'c> = Transaction<'c>;
    type Error = rusqlite::Error;

    fn find(&self, conn: &mut Connection, username: &str) -> rusqlite::Result<Found<StaffUser>> {
        let found = conn.prepare_cached(
            "SELECT id, username, full_name, role, password_hash, disabled, locked_until FROM staff WHERE username = ?1",
        )?
        .query_row([username], |row| {
            let user = StaffUser { id: row.get(0)?, username: row.get(1)?, full_name: row.get(2)?, role: row.get(3)? };
            let account = Account { user, password_hash: row.get(4)?, disabled: row.get(5)? };
            Ok(Found { account: Some(account), locked_until: row.get(6)? })
        })
        .optional()?;
        Ok(found.unwrap_or(Found {
            account: None,
            locked_until: None,
        }))
    }

    fn begin<'c>(&self, conn: &'c mut Connection) -> rusqlite::Result<Transaction<'c>> {
        db::immediate(conn)
    }

    fn commit(&self, tx: Transaction<'_>) -> rusqlite::Result<()> {
        tx.commit()
    }

    fn count_failure(
        &self,
        tx: &mut Transaction<'_>,
        _username: &str,
        found: &Found<StaffUser>,
        _now: DateTime<Utc>,
    ) -> rusqlite::Result<u32> {
        let Some(id) = Staff::id(found) else {
            return Ok(0);
        };
        tx.prepare_cached(
            "UPDATE staff SET failed_attempts = failed_attempts + 1 WHERE id = ?1 RETURNING failed_attempts",
        )?
        .query_row(
            [id],
            |row| row.get(0),
        )
    }

    fn lock(
        &self,
        tx: &mut Transaction<'_>,
        _username: &str,
        found: &Found<StaffUser>,
        until: DateTime<Utc>,
    ) -> rusqlite::Result<()> {
        if let Some(id) = Staff::id(found) {
            tx.execute(
                "UPDATE staff SET failed_attempts = 0, locked_until = ?2 WHERE id = ?1",
                params![id, until],
            )?;
        }
        Ok(())
    }

    fn signed_in(
        &self,
        tx: &mut Transaction<'_>,
        _username: &str,
        found: &Found<StaffUser>,
        now: DateTime<Utc>,
    ) -> rusqlite::Result<()> {
        if let Some(id) = Staff::id(found) {
            tx.execute(
                "UPDATE staff SET failed_attempts = 0, locked_until = NULL, last_sign_in_at = ?2 WHERE id = ?1",
                params![id, now],
            )?;
        }
        Ok(())
    }

    /// The branch's audit log records the moment an account is locked.
    fn record(
        &self,
        tx: &mut Transaction<'_>,
        _username: &str,
        found: &Found<StaffUser>,
        attempt: Attempt,
        now: DateTime<Utc>,
    ) -> rusqlite::Result<()> {
        let (Attempt::Locked { until, failed }, Some(id)) = (attempt, Staff::id(found)) else {
            return Ok(());
        };
        let change = Change {
            action: "staff.locked",
            entity: "staff",
            entity_id: id.as_str(),
            before: None,
            after: Some(json!({ "locked_until": until.to_rfc3339(), "failed_attempts": failed })),
        };
        audit::record(tx, &Actor::System, &change, now)
    }
}

/// Checks a staff member's username and password (see [`check_password`]).
pub(crate) fn sign_in(
    conn: &mut Connection,
    username: &str,
    password: &str,
    rules: &StaffConfig,
    now: DateTime<Utc>,
) -> Result<StaffUser, SignInError> {
    check_password(conn, &Staff, username, password, rules, now)
}

/// The statements of one session table: the branch's `staff_sessions`, head office's
/// `sessions`. A session is a random token; the table keeps only its SHA-256 (`?1` in every
/// statement), when it was opened and when it was last used.
pub(crate) struct SessionTable {
    /// Inserts a session: token hash, owner (`?2`), now (`?3`, opened and last used).
    pub(crate) insert: &'static str,
    /// Deletes a session by its token hash.
    pub(crate) delete: &'static str,
    /// Sets last use (`?2`).
    pub(crate) touch: &'static str,
    /// Selects opened, last used, whether the owner is disabled, then the owner's columns.
    pub(crate) find: &'static str,
}

impl SessionTable {
    /// Starts a session for `owner`; returns the token for the cookie.
    pub(crate) fn start(
        &self,
        conn: &Connection,
        owner: &dyn rusqlite::ToSql,
        now: DateTime<Utc>,
    ) -> rusqlite::Result<String> {
        let token = crypto::random_token();
        let hash = crypto::sha256(token.as_bytes());
        conn.execute(self.insert, params![hash.as_slice(), owner, now])?;
        Ok(token)
    }

    /// Ends the session with this token, if there is one.
    pub(crate) fn end(&self, conn: &Connection, token: &str) -> rusqlite::Result<()> {
        conn.execute(self.delete, [crypto::sha256(token.as_bytes()).as_slice()])?;
        Ok(())
    }

    /// The owner of the live session with this token, read by `owner` from the columns after
    /// the first three of [`SessionTable::find`]. A session that has ended ([`session_age`]),
    /// or whose owner is disabled, is deleted.
    pub(crate) fn owner<U>(
        &self,
        conn: &Connection,
        token: &str,
        rules: &StaffConfig,
        now: DateTime<Utc>,
        owner: impl Fn(&rusqlite::Row) -> rusqlite::Result<U>,
    ) -> rusqlite::Result<Option<U>> {
        let hash = crypto::sha256(token.as_bytes());
        let found = conn
            .prepare_cached(self.find)?
            .query_row([hash.as_slice()], |row| {
                let created: DateTime<Utc> = row.get(0)?;
                let seen: DateTime<Utc> = row.get(1)?;
                let disabled: bool = row.get(2)?;
                Ok((created, seen, disabled, owner(row)?))
            })
            .optional()?;
        let Some((created, seen, disabled, user)) = found else {
            return Ok(None);
        };
        match session_age(created, seen, rules, now) {
            SessionAge::Live { touch } if !disabled => {
                if touch {
                    conn.execute(self.touch, params![hash.as_slice(), now])?;
                }
                Ok(Some(user))
            }
            _ => {
                conn.execute(self.delete, [hash.as_slice()])?;
                Ok(None)
            }
        }
    }
}

/// The branch's staff sessions.
const STAFF_SESSIONS: SessionTable = SessionTable {
    insert: "INSERT INTO staff_sessions (token_hash, staff_id, created_at, last_seen_at) VALUES (?1, ?2, ?3, ?3)",
    delete: "DELETE FROM staff_sessions WHERE token_hash = ?1",
    touch: "UPDATE staff_sessions SET last_seen_at = ?2 WHERE token_hash = ?1",
    find: "SELECT s.created_at, s.last_seen_at, st.disabled, st.id, st.username, st.full_name, st.role \
           FROM staff_sessions s JOIN staff st ON st.id = s.staff_id WHERE s.token_hash = ?1",
};

/// Starts a session for `user`; returns the token for the cookie.
pub(crate) fn start_session(
    conn: &Connection,
    user: &StaffUser,
    now: DateTime<Utc>,
) -> rusqlite::Result<String> {
    STAFF_SESSIONS.start(conn, &user.id, now)
}

/// Ends the session with this token, if there is one.
pub(crate) fn end_session(conn: &Connection, token: &str) -> rusqlite::Result<()> {
    STAFF_SESSIONS.end(conn, token)
}

/// Ends every session of a staff member (when disabled or their password is reset).
pub(crate) fn end_all_sessions(conn: &Connection, staff: &StaffId) -> rusqlite::Result<()> {
    conn.execute("DELETE FROM staff_sessions WHERE staff_id = ?1", [staff])?;
    Ok(())
}

/// The staff member whose live session has this token. An expired session is deleted.
pub(crate) fn session_user(
    conn: &Connection,
    token: &str,
    rules: &StaffConfig,
    now: DateTime<Utc>,
) -> rusqlite::Result<Option<StaffUser>> {
    STAFF_SESSIONS.owner(conn, token, rules, now, |row| {
        Ok(StaffUser {
            id: row.get(3)?,
            username: row.get(4)?,
            full_name: row.get(5)?,
            role: row.get(6)?,
        })
    })
}

/// What a refused sign-in says (staff and head office).
pub(crate) fn refusal_text<E: std::error::Error>(
    lang: Lang,
    refusal: &SignInError<E>,
    now: DateTime<Utc>,
) -> String {
    match refusal {
        SignInError::Wrong => lang.t(Msg::SignInFailed).to_owned(),
        SignInError::Disabled => lang.t(Msg::SignInDisabled).to_owned(),
        SignInError::Locked(until) => {
            let minutes = (*until - now).num_minutes().max(0) + 1;
            lang.fill(Msg::SignInLocked, &[("minutes", &minutes.to_string())])
        }
        // Callers answer a database failure with an error page before asking for words.
        SignInError::Db(_) => lang.t(Msg::ErrInternalBody).to_owned(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::roles::Role;
    use crate::staff::{self, NewStaff};

    fn rules() -> StaffConfig {
        StaffConfig::default()
    }

    /// Adds a staff account with the password "long enough pw".
    fn account(conn: &mut Connection, username: &str, role: Role, t0: DateTime<Utc>) -> StaffUser {
        let new = NewStaff {
            username,
            full_name: username,
            role,
            password: "long enough pw",
        };
        let tx = crate::plumbing::db::immediate(conn).unwrap();
        let user = staff::create_account(&tx, &Actor::CommandLine, &new, t0).unwrap();
        tx.commit().unwrap();
        user
    }

    #[test]
    fn lockout_after_five_failures_and_unlock_after_fifteen_minutes() {
        let (_dir, db) = crate::plumbing::db::tests::test_db();
        let mut conn = db.conn().unwrap();
        let t0 = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        account(&mut conn, "ani", Role::Clerk, t0);
        for i in 0..4 {
            assert!(
                matches!(
                    sign_in(&mut conn, "ani", "nope", &rules(), t0),
                    Err(SignInError::Wrong)
                ),
                "try {i}"
            );
        }
        let locked = sign_in(&mut conn, "ani", "nope", &rules(), t0);
        assert!(
            matches!(locked, Err(SignInError::Locked(until)) if until == t0 + Duration::minutes(15))
        );
        // Even the right password is refused while locked.
        let still = sign_in(
            &mut conn,
            "ANI",
            "long enough pw",
            &rules(),
            t0 + Duration::minutes(14),
        );
        assert!(matches!(still, Err(SignInError::Locked(_))));
        let user = sign_in(
            &mut conn,
            "ani",
            "long enough pw",
            &rules(),
            t0 + Duration::minutes(16),
        )
        .unwrap();
        assert_eq!(user.username, "ani");
        assert!(matches!(
            sign_in(&mut conn, "nobody", "x", &rules(), t0),
            Err(SignInError::Wrong)
        ));
    }

    #[test]
    fn a_disabled_account_is_named_only_after_the_right_password() {
        let (_dir, db) = crate::plumbing::db::tests::test_db();
        let mut conn = db.conn().unwrap();
        let t0 = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        account(&mut conn, "dewi", Role::Clerk, t0);
        conn.execute("UPDATE staff SET disabled = 1", []).unwrap();
        let wrong = sign_in(&mut conn, "dewi", "nope", &rules(), t0);
        assert!(matches!(wrong, Err(SignInError::Wrong)));
        let right = sign_in(&mut conn, "dewi", "long enough pw", &rules(), t0);
        assert!(matches!(right, Err(SignInError::Disabled)));
    }

    #[test]
    fn session_age_by_idle_and_absolute_limits() {
        let t0 = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let age = |seen_min: i64, now_min: i64| {
            session_age(
                t0,
                t0 + Duration::minutes(seen_min),
                &rules(),
                t0 + Duration::minutes(now_min),
            )
        };
        assert_eq!(age(0, 0), SessionAge::Live { touch: false });
        assert_eq!(age(0, 2), SessionAge::Live { touch: true });
        assert_eq!(age(0, 30), SessionAge::Live { touch: true });
        assert_eq!(age(0, 31), SessionAge::Ended, "idle");
        assert_eq!(age(12 * 60 - 5, 12 * 60), SessionAge::Live { touch: true });
        assert_eq!(age(12 * 60, 12 * 60 + 1), SessionAge::Ended, "too old");
    }

    #[test]
    fn sessions_expire_when_idle_or_old() {
        let (_dir, db) = crate::plumbing::db::tests::test_db();
        let mut conn = db.conn().unwrap();
        let t0 = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let user = account(&mut conn, "budi", Role::Manager, t0);
        let token = start_session(&conn, &user, t0).unwrap();
        // Used every 29 minutes, it lives until the absolute limit of 12 hours.
        let mut t = t0;
        while t < t0 + Duration::hours(11) {
            t += Duration::minutes(29);
            assert!(
                session_user(&conn, &token, &rules(), t).unwrap().is_some(),
                "at {t}"
            );
        }
        assert!(
            session_user(
                &conn,
                &token,
                &rules(),
                t0 + Duration::hours(12) + Duration::minutes(1)
            )
            .unwrap()
            .is_none()
        );
        let token = start_session(&conn, &user, t0).unwrap();
        assert!(
            session_user(&conn, &token, &rules(), t0 + Duration::minutes(31))
                .unwrap()
                .is_none()
        );
        assert!(
            session_user(&conn, &token, &rules(), t0).unwrap().is_none(),
            "an expired session is gone"
        );
    }
}
