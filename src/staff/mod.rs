//! Staff accounts: adding, listing, disabling, changing roles and passwords, from the admin
//! pages and from the command line (`pawnbranch staff ...`). Every change is audited.
//!
//! Passwords are argon2id hashes; they are typed at a prompt or piped in, never passed on the
//! command line, where other users of the box could read them.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde_json::json;

use crate::audit::{self, Actor, Change};
use crate::auth;
use crate::plumbing::crypto;
use crate::plumbing::error::AppError;
use crate::plumbing::i18n::Msg;
use crate::plumbing::ids::StaffId;
use crate::roles::{Role, StaffUser};

pub(crate) mod phone;

/// The shortest password accepted.
pub(crate) const MIN_PASSWORD_CHARS: usize = 10;

/// A new account to create.
pub(crate) struct NewStaff<'a> {
    pub(crate) username: &'a str,
    pub(crate) full_name: &'a str,
    pub(crate) role: Role,
    pub(crate) password: &'a str,
}

/// Why an account change was refused; each maps to a catalogue message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(crate) enum StaffError {
    #[error("username must be 3 to 32 letters, digits, dots, dashes or underscores")]
    BadUsername,
    #[error("username is already in use")]
    UsernameTaken,
    #[error("full name is required")]
    NoName,
    #[error("password must have at least 10 characters")]
    ShortPassword,
    #[error("no such staff member")]
    NotFound,
    #[error("you cannot disable your own account")]
    DisableSelf,
    #[error("at least one active administrator must remain")]
    LastAdmin,
    #[error("not a phone number")]
    BadPhone,
}

impl StaffError {
    /// The message shown to staff.
    pub(crate) fn message(self) -> Msg {
        match self {
            StaffError::BadUsername => Msg::UsernameInvalid,
            StaffError::UsernameTaken => Msg::UsernameTaken,
            StaffError::NoName | StaffError::NotFound => Msg::FieldRequired,
            StaffError::ShortPassword => Msg::PasswordTooShort,
            StaffError::DisableSelf => Msg::CannotDisableSelf,
            StaffError::LastAdmin => Msg::LastAdmin,
            StaffError::BadPhone => Msg::PhoneInvalid,
        }
    }
}

/// Failure of an account operation: refused by a rule, or the database failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum Failure {
    #[error(transparent)]
    Refused(#[from] StaffError),
    #[error("database: {0}")]
    Db(#[from] rusqlite::Error),
    #[error("hashing the password failed: {0}")]
    Hash(String),
}

impl From<Failure> for AppError {
    fn from(f: Failure) -> Self {
        AppError::internal(f.to_string())
    }
}

/// Whether a username has an acceptable shape.
fn valid_username(name: &str) -> bool {
    (3..=32).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
}

/// Checks a password against the rules.
pub(crate) fn check_password(password: &str) -> Result<(), StaffError> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        Err(StaffError::ShortPassword)
    } else {
        Ok(())
    }
}

/// Creates an account.
pub(crate) fn create_account(
    tx: &Transaction,
    actor: &Actor,
    new: &NewStaff,
    now: DateTime<Utc>,
) -> Result<StaffUser, Failure> {
    if !valid_username(new.username) {
        return Err(StaffError::BadUsername.into());
    }
    if new.full_name.trim().is_empty() {
        return Err(StaffError::NoName.into());
    }
    check_password(new.password)?;
    let taken: bool = tx
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM staff WHERE username = ?1)")?
        .query_row([new.username], |r| r.get(0))?;
    if taken {
        return Err(StaffError::UsernameTaken.into());
    }
    let hash = crypto::hash_password(new.password).map_err(|e| Failure::Hash(e.to_string()))?;
    let user = StaffUser {
        id: StaffId::new(now),
        username: new.username.to_owned(),
        full_name: new.full_name.trim().to_owned(),
        role: new.role,
    };
    tx.execute(
        "INSERT INTO staff (id, username, full_name, role, password_hash, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
        params![
            user.id,
            user.username,
            user.full_name,
            user.role.code(),
            hash,
            now
        ],
    )?;
    let after =
        json!({ "username": user.username, "full_name": user.full_name, "role": user.role.code() });
    let change = Change {
        action: "staff.create",
        entity: "staff",
        entity_id: user.id.as_str(),
        before: None,
        after: Some(after),
    };
    audit::record(tx, actor, &change, now)?;
    Ok(user)
}

/// An account as listed on the admin page.
pub(crate) struct Listed {
    pub(crate) user: StaffUser,
    pub(crate) disabled: bool,
    pub(crate) locked_until: Option<DateTime<Utc>>,
    pub(crate) last_sign_in: Option<DateTime<Utc>>,
    pub(crate) phone: Option<crate::plumbing::phone::E164>,
}

/// Every account, by username.
pub(crate) fn list(conn: &Connection) -> rusqlite::Result<Vec<Listed>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, username, full_name, role, disabled, locked_until, last_sign_in_at, phone FROM staff ORDER BY username",
    )?;
    stmt.query_map([], |row| {
        Ok(Listed {
            user: StaffUser {
                id: row.get(0)?,
                username: row.get(1)?,
                full_name: row.get(2)?,
                role: row.get(3)?,
            },
            disabled: row.get(4)?,
            locked_until: row.get(5)?,
            last_sign_in: row.get(6)?,
            phone: row
                .get::<_, Option<String>>(7)?
                .map(crate::plumbing::phone::E164::from_stored),
        })
    })?
    .collect()
}

/// One account by id or username.
pub(crate) fn find(conn: &Connection, id_or_username: &str) -> rusqlite::Result<Option<Listed>> {
    conn.prepare_cached(
        "SELECT id, username, full_name, role, disabled, locked_until, last_sign_in_at, phone FROM staff
         WHERE id = ?1 OR username = ?1",
    )?
    .query_row([id_or_username], |row| {
        Ok(Listed {
            user: StaffUser {
                id: row.get(0)?,
                username: row.get(1)?,
                full_name: row.get(2)?,
                role: row.get(3)?,
            },
            disabled: row.get(4)?,
            locked_until: row.get(5)?,
            last_sign_in: row.get(6)?,
            phone: row
                .get::<_, Option<String>>(7)?
                .map(crate::plumbing::phone::E164::from_stored),
        })
    })
    .optional()
}

/// How many enabled administrators there are, not counting `except`.
fn other_active_admins(conn: &Connection, except: &StaffId) -> rusqlite::Result<u32> {
    conn.prepare_cached(
        "SELECT COUNT(*) FROM staff WHERE role = 'admin' AND disabled = 0 AND id <> ?1",
    )?
    .query_row([except], |r| r.get(0))
}

/// Disables or enables an account; disabling ends its sessions.
pub(crate) fn set_account_disabled(
    tx: &Transaction,
    actor: &Actor,
    target: &str,
    disabled: bool,
    now: DateTime<Utc>,
) -> Result<StaffUser, Failure> {
    let account = find(tx, target)?.ok_or(StaffError::NotFound)?;
    if disabled {
        if let Actor::Staff(me) = actor
            && me.id == account.user.id
        {
            return Err(StaffError::DisableSelf.into());
        }
        if account.user.role == Role::Admin && other_active_admins(tx, &account.user.id)? == 0 {
            return Err(StaffError::LastAdmin.into());
        }
    }
    tx.execute(
        "UPDATE staff SET disabled = ?2, failed_attempts = 0, locked_until = NULL, updated_at = ?3 WHERE id = ?1",
        params![account.user.id, disabled, now],
    )?;
    if disabled {
        auth::end_all_sessions(tx, &account.user.id)?;
    }
    let change = Change {
        action: if disabled {
            "staff.disable"
        } else {
            "staff.enable"
        },
        entity: "staff",
        entity_id: account.user.id.as_str(),
        before: Some(json!({ "disabled": account.disabled })),
        after: Some(json!({ "disabled": disabled })),
    };
    audit::record(tx, actor, &change, now)?;
    Ok(account.user)
}

/// Changes an account's role.
pub(crate) fn set_role(
    tx: &Transaction,
    actor: &Actor,
    target: &str,
    role: Role,
    now: DateTime<Utc>,
) -> Result<StaffUser, Failure> {
    let account = find(tx, target)?.ok_or(StaffError::NotFound)?;
    if account.user.role == Role::Admin
        && role != Role::Admin
        && other_active_admins(tx, &account.user.id)? == 0
    {
        return Err(StaffError::LastAdmin.into());
    }
    tx.execute(
        "UPDATE staff SET role = ?2, updated_at = ?3 WHERE id = ?1",
        params![account.user.id, role.code(), now],
    )?;
    let change = Change {
        action: "staff.role",
        entity: "staff",
        entity_id: account.user.id.as_str(),
        before: Some(json!({ "role": account.user.role.code() })),
        after: Some(json!({ "role": role.code() })),
    };
    audit::record(tx, actor, &change, now)?;
    Ok(StaffUser {
        role,
        ..account.user
    })
}

/// Sets a new password, clears any lock and ends the account's other sessions.
pub(crate) fn set_password(
    tx: &Transaction,
    actor: &Actor,
    target: &str,
    password: &str,
    now: DateTime<Utc>,
) -> Result<StaffUser, Failure> {
    check_password(password)?;
    let account = find(tx, target)?.ok_or(StaffError::NotFound)?;
    let hash = crypto::hash_password(password).map_err(|e| Failure::Hash(e.to_string()))?;
    tx.execute(
        "UPDATE staff SET password_hash = ?2, failed_attempts = 0, locked_until = NULL, updated_at = ?3 WHERE id = ?1",
        params![account.user.id, hash, now],
    )?;
    auth::end_all_sessions(tx, &account.user.id)?;
    // The hash itself is not audited: the entry says that the password changed, and by whom.
    let change = Change {
        action: "staff.password",
        entity: "staff",
        entity_id: account.user.id.as_str(),
        before: None,
        after: None,
    };
    audit::record(tx, actor, &change, now)?;
    Ok(account.user)
}

/// Whether `password` is the staff member's current password (asked before they change it).
pub(crate) fn is_current_password(
    conn: &Connection,
    staff: &StaffId,
    password: &str,
) -> rusqlite::Result<bool> {
    let hash: String = conn
        .prepare_cached("SELECT password_hash FROM staff WHERE id = ?1")?
        .query_row([staff], |r| r.get(0))?;
    Ok(crypto::verify_password(password, &hash))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::plumbing::db;

    #[test]
    fn rules_and_audit() {
        let (_dir, db) = crate::plumbing::db::tests::test_db();
        let mut conn = db.conn().unwrap();
        let now = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let tx = db::immediate(&mut conn).unwrap();
        let admin = NewStaff {
            username: "root",
            full_name: "Root",
            role: Role::Admin,
            password: "long enough pw",
        };
        let admin = create_account(&tx, &Actor::CommandLine, &admin, now).unwrap();
        let bad = NewStaff {
            username: "x",
            full_name: "X",
            role: Role::Clerk,
            password: "long enough pw",
        };
        assert!(matches!(
            create_account(&tx, &Actor::CommandLine, &bad, now),
            Err(Failure::Refused(StaffError::BadUsername))
        ));
        let dup = NewStaff {
            username: "ROOT",
            full_name: "X",
            role: Role::Clerk,
            password: "long enough pw",
        };
        assert!(matches!(
            create_account(&tx, &Actor::CommandLine, &dup, now),
            Err(Failure::Refused(StaffError::UsernameTaken))
        ));
        let short = NewStaff {
            username: "sari",
            full_name: "Sari",
            role: Role::Clerk,
            password: "short",
        };
        assert!(matches!(
            create_account(&tx, &Actor::CommandLine, &short, now),
            Err(Failure::Refused(StaffError::ShortPassword))
        ));
        // The only administrator can neither be disabled nor demoted.
        assert!(matches!(
            set_account_disabled(&tx, &Actor::CommandLine, "root", true, now),
            Err(Failure::Refused(StaffError::LastAdmin))
        ));
        assert!(matches!(
            set_role(&tx, &Actor::CommandLine, "root", Role::Clerk, now),
            Err(Failure::Refused(StaffError::LastAdmin))
        ));
        assert!(matches!(
            set_account_disabled(&tx, &Actor::Staff(&admin), "root", true, now),
            Err(Failure::Refused(StaffError::DisableSelf))
        ));
        tx.commit().unwrap();
        let entries: u32 = conn
            .query_row(
                "SELECT COUNT(*) FROM audit_log WHERE action = 'staff.create'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(entries, 1, "refused changes leave no audit entry");
    }
}
