//! Staff sign-in, sessions, roles and permissions.
//!
//! A role is a fixed set of permissions ([`Role::permissions`]); every staff route asks for the
//! permission it needs through `Ctx::require`, on the server, and pages show only the links and
//! buttons the role may use.
//!
//! Sign-in checks an argon2id hash. Five failures in a row lock the account for 15 minutes
//! (both configurable), and failures are also counted per client address, whatever the
//! username, against guessing across accounts. A session is a random token in an HttpOnly,
//! SameSite=Strict cookie; the database keeps only its SHA-256. It ends at sign-out, after
//! 30 idle minutes, or 12 hours after sign-in, and a new one is made at every sign-in.

use std::sync::OnceLock;

use chrono::{DateTime, Duration, Utc};
use maud::html;
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::json;

use crate::audit::{self, Actor, Change};
use crate::config::StaffConfig;
use crate::crypto;
use crate::db;
use crate::error::AppError;
use crate::http::{Response, form};
use crate::i18n::Msg;
use crate::ids::StaffId;
use crate::ui::{self, Field};
use crate::web::{Ctx, local_path};

/// The cookie holding the staff session token.
pub(crate) const STAFF_COOKIE: &str = "pb_staff";

/// Something a staff member may be allowed to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Permission {
    /// Unlock customers, change their contact details, merge duplicates.
    CustomerManagement,
    /// Write and approve pawn tickets.
    LoanOrigination,
    /// Take payments, extensions and redemptions.
    Payments,
    /// Record and resolve complaints.
    Complaints,
    /// Follow up customers by phone.
    CallCentre,
    /// Read branch reports.
    Reports,
    /// Manage staff accounts.
    StaffAdmin,
    /// Read the audit log.
    AuditLog,
    /// Reverse ledger rows (corrections) and edit loan products.
    Corrections,
}

impl Permission {
    /// Every permission, in display order.
    pub(crate) const ALL: [Permission; 9] = [
        Permission::CustomerManagement,
        Permission::LoanOrigination,
        Permission::Payments,
        Permission::Complaints,
        Permission::CallCentre,
        Permission::Reports,
        Permission::StaffAdmin,
        Permission::AuditLog,
        Permission::Corrections,
    ];

    /// The permission's name for people.
    pub(crate) fn label(self) -> Msg {
        match self {
            Permission::CustomerManagement => Msg::PermCustomerManagement,
            Permission::LoanOrigination => Msg::PermLoanOrigination,
            Permission::Payments => Msg::PermPayments,
            Permission::Complaints => Msg::PermComplaints,
            Permission::CallCentre => Msg::PermCallCentre,
            Permission::Reports => Msg::PermReports,
            Permission::StaffAdmin => Msg::PermStaffAdmin,
            Permission::AuditLog => Msg::PermAuditLog,
            Permission::Corrections => Msg::PermCorrections,
        }
    }
}

/// A staff member's role: a named set of permissions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    Clerk,
    CallAgent,
    Manager,
    Admin,
}

impl Role {
    /// Every role, from least to most powerful.
    pub(crate) const ALL: [Role; 4] = [Role::Clerk, Role::CallAgent, Role::Manager, Role::Admin];

    /// The role's code in the database and on the command line.
    pub(crate) fn code(self) -> &'static str {
        match self {
            Role::Clerk => "clerk",
            Role::CallAgent => "call_agent",
            Role::Manager => "manager",
            Role::Admin => "admin",
        }
    }

    /// The role named by its code.
    pub(crate) fn from_code(code: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.code() == code)
    }

    /// The role's name for people.
    pub(crate) fn label(self) -> Msg {
        match self {
            Role::Clerk => Msg::RoleClerk,
            Role::CallAgent => Msg::RoleCallAgent,
            Role::Manager => Msg::RoleManager,
            Role::Admin => Msg::RoleAdmin,
        }
    }

    /// The permissions the role grants.
    pub(crate) fn permissions(self) -> &'static [Permission] {
        use Permission::*;
        match self {
            Role::Clerk => &[LoanOrigination, Payments],
            Role::CallAgent => &[CallCentre, Complaints],
            Role::Manager => &[
                CustomerManagement,
                LoanOrigination,
                Payments,
                Complaints,
                CallCentre,
                Reports,
                AuditLog,
                Corrections,
            ],
            Role::Admin => &Permission::ALL,
        }
    }

    /// Whether the role grants `permission`.
    pub(crate) fn has(self, permission: Permission) -> bool {
        self.permissions().contains(&permission)
    }
}

impl rusqlite::types::FromSql for Role {
    fn column_result(value: rusqlite::types::ValueRef<'_>) -> rusqlite::types::FromSqlResult<Self> {
        let code = value.as_str()?;
        Role::from_code(code).ok_or_else(|| {
            rusqlite::types::FromSqlError::Other(format!("unknown role {code}").into())
        })
    }
}

/// A signed-in (or signing-in) staff member.
#[derive(Debug, Clone)]
pub(crate) struct StaffUser {
    pub(crate) id: StaffId,
    pub(crate) username: String,
    pub(crate) full_name: String,
    pub(crate) role: Role,
}

/// Why a sign-in was refused.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum SignInError {
    /// Unknown username or wrong password (the user is not told which).
    Wrong,
    /// Too many failures in a row; locked until then.
    Locked(DateTime<Utc>),
    /// The account was disabled by an administrator.
    Disabled,
}

/// A stored account as sign-in needs it.
struct Account {
    user: StaffUser,
    password_hash: String,
    disabled: bool,
    locked_until: Option<DateTime<Utc>>,
}

/// Finds an account by username (case-insensitive).
fn find_account(conn: &Connection, username: &str) -> rusqlite::Result<Option<Account>> {
    conn.prepare_cached(
        "SELECT id, username, full_name, role, password_hash, disabled, locked_until FROM staff WHERE username = ?1",
    )?
    .query_row([username], |row| {
        Ok(Account {
            user: StaffUser { id: row.get(0)?, username: row.get(1)?, full_name: row.get(2)?, role: row.get(3)? },
            password_hash: row.get(4)?,
            disabled: row.get(5)?,
            locked_until: row.get(6)?,
        })
    })
    .optional()
}

/// A hash to verify against when the username is unknown, so both cases take the same time.
fn dummy_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| crypto::hash_password("not a real password").unwrap_or_default())
}

/// Checks a username and password, updating the failure count and lock. The slow hash check
/// runs before the write transaction, so it never holds the database's write lock.
pub(crate) fn sign_in(
    conn: &mut Connection,
    username: &str,
    password: &str,
    rules: &StaffConfig,
    now: DateTime<Utc>,
) -> Result<Result<StaffUser, SignInError>, rusqlite::Error> {
    let Some(account) = find_account(conn, username)? else {
        crypto::verify_password(password, dummy_hash());
        return Ok(Err(SignInError::Wrong));
    };
    if account.disabled {
        return Ok(Err(SignInError::Disabled));
    }
    if let Some(until) = account.locked_until.filter(|until| *until > now) {
        return Ok(Err(SignInError::Locked(until)));
    }
    let good = crypto::verify_password(password, &account.password_hash);
    let tx = db::immediate(conn)?;
    let outcome = if good {
        tx.execute(
            "UPDATE staff SET failed_attempts = 0, locked_until = NULL, last_sign_in_at = ?2 WHERE id = ?1",
            params![account.user.id, now],
        )?;
        Ok(account.user)
    } else {
        let failed: u32 = tx.query_row(
            "UPDATE staff SET failed_attempts = failed_attempts + 1 WHERE id = ?1 RETURNING failed_attempts",
            [&account.user.id],
            |row| row.get(0),
        )?;
        if failed >= rules.lockout_attempts {
            let until = now + Duration::minutes(i64::from(rules.lockout_minutes));
            tx.execute(
                "UPDATE staff SET failed_attempts = 0, locked_until = ?2 WHERE id = ?1",
                params![account.user.id, until],
            )?;
            let change = Change {
                action: "staff.locked",
                entity: "staff",
                entity_id: account.user.id.as_str(),
                before: None,
                after: Some(
                    json!({ "locked_until": until.to_rfc3339(), "failed_attempts": failed }),
                ),
            };
            audit::record(&tx, &Actor::System, &change, now)?;
            Err(SignInError::Locked(until))
        } else {
            Err(SignInError::Wrong)
        }
    };
    tx.commit()?;
    Ok(outcome)
}

/// Starts a session for `user`; returns the token for the cookie.
pub(crate) fn start_session(
    conn: &Connection,
    user: &StaffUser,
    now: DateTime<Utc>,
) -> rusqlite::Result<String> {
    let token = crypto::random_token();
    conn.execute(
        "INSERT INTO staff_sessions (token_hash, staff_id, created_at, last_seen_at) VALUES (?1, ?2, ?3, ?3)",
        params![crypto::sha256(token.as_bytes()).as_slice(), user.id, now],
    )?;
    Ok(token)
}

/// Ends the session with this token, if there is one.
pub(crate) fn end_session(conn: &Connection, token: &str) -> rusqlite::Result<()> {
    conn.execute(
        "DELETE FROM staff_sessions WHERE token_hash = ?1",
        [crypto::sha256(token.as_bytes()).as_slice()],
    )?;
    Ok(())
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
    let hash = crypto::sha256(token.as_bytes());
    let found = conn
        .prepare_cached(
            "SELECT s.created_at, s.last_seen_at, st.disabled, st.id, st.username, st.full_name, st.role
             FROM staff_sessions s JOIN staff st ON st.id = s.staff_id WHERE s.token_hash = ?1",
        )?
        .query_row([hash.as_slice()], |row| {
            let created: DateTime<Utc> = row.get(0)?;
            let seen: DateTime<Utc> = row.get(1)?;
            let disabled: bool = row.get(2)?;
            let user = StaffUser { id: row.get(3)?, username: row.get(4)?, full_name: row.get(5)?, role: row.get(6)? };
            Ok((created, seen, disabled, user))
        })
        .optional()?;
    let Some((created, seen, disabled, user)) = found else {
        return Ok(None);
    };
    let idle = Duration::minutes(i64::from(rules.session_idle_minutes));
    let max = Duration::hours(i64::from(rules.session_max_hours));
    if disabled || now - seen > idle || now - created > max {
        conn.execute(
            "DELETE FROM staff_sessions WHERE token_hash = ?1",
            [hash.as_slice()],
        )?;
        return Ok(None);
    }
    // Writing on every page view would cost a disk sync each; a minute's precision is enough
    // for a 30-minute idle timeout.
    if now - seen > Duration::minutes(1) {
        conn.execute(
            "UPDATE staff_sessions SET last_seen_at = ?2 WHERE token_hash = ?1",
            params![hash.as_slice(), now],
        )?;
    }
    Ok(Some(user))
}

/// The staff member signed in on this request, if any.
pub(crate) fn current_staff(ctx: &Ctx) -> Result<Option<StaffUser>, AppError> {
    let Some(token) = ctx.req.cookie(STAFF_COOKIE).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    let conn = ctx.app.db.conn()?;
    Ok(session_user(&conn, token, &ctx.app.config.staff, ctx.now)?)
}

/// The client address as a throttling key.
fn client_key(ctx: &Ctx) -> String {
    ctx.req
        .remote
        .map_or_else(|| "unknown".to_owned(), |ip| ip.to_string())
}

/// GET /staff/login.
pub(crate) fn login_page(ctx: &Ctx) -> Result<Response, AppError> {
    if ctx.staff()?.is_some() {
        return Ok(Response::see_other("/staff"));
    }
    let next = ctx.next_param()?;
    // A session cookie that no longer opens a session: it timed out or was ended elsewhere.
    // The cookie stays until sign-in replaces it, because it binds this page's CSRF token.
    let expired = ctx
        .req
        .cookie(STAFF_COOKIE)
        .is_some_and(|t| !t.is_empty())
        .then(|| ctx.t(Msg::SessionExpired));
    Ok(login_form(ctx, "", &next, expired, 200))
}

/// The sign-in form, with an error when a try failed.
fn login_form(ctx: &Ctx, username: &str, next: &str, error: Option<&str>, status: u16) -> Response {
    let mut user_field = Field::new(ctx.t(Msg::Username), "username", username);
    user_field.autocomplete = "username";
    let mut password_field = Field::new(ctx.t(Msg::Password), "password", "");
    password_field.kind = "password";
    password_field.autocomplete = "current-password";
    let body = html! {
        (ui::form_error(error))
        form method="post" action="/staff/login" class="stack" {
            (ui::csrf_input(&ctx.csrf()))
            input type="hidden" name="next" value=(next);
            (ui::field(&user_field))
            (ui::field(&password_field))
            div { button type="submit" { (ctx.t(Msg::SignIn)) } }
        }
    };
    let mut response = ctx.customer_page(ctx.t(Msg::StaffSignIn), body);
    response.status = status;
    response
}

/// POST /staff/login.
pub(crate) fn login(ctx: &Ctx) -> Result<Response, AppError> {
    let form = ctx.form()?;
    let username = form.text("username");
    let password = form.get("password").unwrap_or("");
    let next = form.text("next");
    let client = client_key(ctx);
    let app = ctx.app;
    if !app.sign_in_throttle.allows(&client, ctx.now) {
        return Ok(login_form(
            ctx,
            username,
            next,
            Some(ctx.t(Msg::ErrTooManyBody)),
            429,
        ));
    }
    let mut conn = app.db.conn()?;
    let user = match sign_in(&mut conn, username, password, &app.config.staff, ctx.now)? {
        Ok(user) => user,
        Err(refusal) => {
            app.sign_in_throttle.record(&client, ctx.now);
            let message = match refusal {
                SignInError::Wrong => ctx.t(Msg::SignInFailed).to_owned(),
                SignInError::Disabled => ctx.t(Msg::SignInDisabled).to_owned(),
                SignInError::Locked(until) => {
                    let minutes = (until - ctx.now).num_minutes().max(0) + 1;
                    ctx.lang
                        .fill(Msg::SignInLocked, &[("minutes", &minutes.to_string())])
                }
            };
            return Ok(login_form(ctx, username, next, Some(&message), 200));
        }
    };
    if let Some(old) = ctx.req.cookie(STAFF_COOKIE) {
        end_session(&conn, old)?;
    }
    let token = start_session(&conn, &user, ctx.now)?;
    ctx.set_cookie(form::set_cookie(
        STAFF_COOKIE,
        &token,
        "Strict",
        app.config.secure_cookies(),
        None,
    ));
    let target = if next.starts_with("/staff") {
        local_path(next)
    } else {
        "/staff"
    };
    Ok(Response::see_other(target))
}

/// POST /staff/logout.
pub(crate) fn logout(ctx: &Ctx) -> Result<Response, AppError> {
    if let Some(token) = ctx.req.cookie(STAFF_COOKIE) {
        end_session(&*ctx.app.db.conn()?, token)?;
    }
    ctx.set_cookie(form::set_cookie(
        STAFF_COOKIE,
        "",
        "Strict",
        ctx.app.config.secure_cookies(),
        Some(0),
    ));
    ctx.flash(ctx.t(Msg::SignedOut));
    Ok(Response::see_other("/staff/login"))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::staff::{self, NewStaff};

    fn rules() -> StaffConfig {
        StaffConfig::default()
    }

    #[test]
    fn lockout_after_five_failures_and_unlock_after_fifteen_minutes() {
        let (_dir, db) = crate::db::tests::test_db();
        let mut conn = db.conn().unwrap();
        let t0 = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let new = NewStaff {
            username: "ani",
            full_name: "Ani",
            role: Role::Clerk,
            password: "long enough pw",
        };
        let tx = crate::db::immediate(&mut conn).unwrap();
        staff::create_account(&tx, &Actor::CommandLine, &new, t0).unwrap();
        tx.commit().unwrap();
        for i in 0..4 {
            assert_eq!(
                sign_in(&mut conn, "ani", "nope", &rules(), t0)
                    .unwrap()
                    .unwrap_err(),
                SignInError::Wrong,
                "try {i}"
            );
        }
        let locked = sign_in(&mut conn, "ani", "nope", &rules(), t0)
            .unwrap()
            .unwrap_err();
        assert_eq!(locked, SignInError::Locked(t0 + Duration::minutes(15)));
        // Even the right password is refused while locked.
        let still = sign_in(
            &mut conn,
            "ANI",
            "long enough pw",
            &rules(),
            t0 + Duration::minutes(14),
        )
        .unwrap();
        assert!(matches!(still, Err(SignInError::Locked(_))));
        let user = sign_in(
            &mut conn,
            "ani",
            "long enough pw",
            &rules(),
            t0 + Duration::minutes(16),
        )
        .unwrap()
        .unwrap();
        assert_eq!(user.username, "ani");
        assert_eq!(
            sign_in(&mut conn, "nobody", "x", &rules(), t0)
                .unwrap()
                .unwrap_err(),
            SignInError::Wrong
        );
    }

    #[test]
    fn sessions_expire_when_idle_or_old() {
        let (_dir, db) = crate::db::tests::test_db();
        let mut conn = db.conn().unwrap();
        let t0 = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let new = NewStaff {
            username: "budi",
            full_name: "Budi",
            role: Role::Manager,
            password: "long enough pw",
        };
        let tx = crate::db::immediate(&mut conn).unwrap();
        let user = staff::create_account(&tx, &Actor::CommandLine, &new, t0).unwrap();
        tx.commit().unwrap();
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

    #[test]
    fn roles_grant_what_they_should() {
        assert!(!Role::Clerk.has(Permission::CustomerManagement));
        assert!(Role::Manager.has(Permission::CustomerManagement));
        assert!(!Role::Manager.has(Permission::StaffAdmin));
        assert!(Permission::ALL.iter().all(|p| Role::Admin.has(*p)));
        assert!(
            Role::ALL
                .iter()
                .all(|r| Role::from_code(r.code()) == Some(*r))
        );
    }
}
