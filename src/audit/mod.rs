//! The audit log: every change staff make (and the system makes for them) is recorded with
//! who, what, when, and the record's values before and after, in the same transaction as the
//! change itself. Rows are only ever inserted (the schema refuses updates and deletes).
//! Managers read it on the "Audit log" page.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, params};
use serde_json::Value;

use crate::plumbing::i18n::Msg;
use crate::plumbing::ids::{AuditId, StaffId};
use crate::roles::StaffUser;

/// Who made a change.
pub(crate) enum Actor<'a> {
    /// A signed-in staff member.
    Staff(&'a StaffUser),
    /// Someone at the box's command line (`pawnbranch staff add`, `import`, ...).
    CommandLine,
    /// The server itself (scheduled status changes, the demo loader).
    System,
    /// A customer at the portal, signed in (their own new phone number, issue 11).
    Customer,
    /// A customer by an SMS from their number (a STOP reply, issue 17).
    CustomerSms,
}

impl Actor<'_> {
    fn staff_id(&self) -> Option<&StaffId> {
        match self {
            Actor::Staff(user) => Some(&user.id),
            Actor::CommandLine | Actor::System | Actor::Customer | Actor::CustomerSms => None,
        }
    }

    fn name(&self) -> &str {
        match self {
            Actor::Staff(user) => &user.username,
            Actor::CommandLine => "command-line",
            Actor::System => "system",
            Actor::Customer => "customer (portal)",
            Actor::CustomerSms => "customer (SMS)",
        }
    }
}

/// The words for an actor that is not a staff member, by the name the log stores for it.
pub(crate) fn actor_label(stored: &str) -> Option<Msg> {
    [
        (Actor::System, Msg::AuditSystem),
        (Actor::CommandLine, Msg::AuditCommandLine),
        (Actor::Customer, Msg::AuditCustomerPortal),
        (Actor::CustomerSms, Msg::AuditCustomerSms),
    ]
    .into_iter()
    .find(|(actor, _)| actor.name() == stored)
    .map(|(_, label)| label)
}

/// One change to record.
pub(crate) struct Change<'a> {
    pub(crate) action: &'a str,
    pub(crate) entity: &'a str,
    pub(crate) entity_id: &'a str,
    pub(crate) before: Option<Value>,
    pub(crate) after: Option<Value>,
}

/// Records a change; call inside the transaction that makes it.
pub(crate) fn record(
    conn: &Connection,
    actor: &Actor,
    change: &Change,
    now: DateTime<Utc>,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO audit_log (id, at, staff_id, actor, action, entity, entity_id, before_json, after_json)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        AuditId::new(now),
        now,
        actor.staff_id(),
        actor.name(),
        change.action,
        change.entity,
        change.entity_id,
        change.before.as_ref().map(Value::to_string),
        change.after.as_ref().map(Value::to_string),
    ])?;
    Ok(())
}

/// An entry as shown on the page.
pub(crate) struct Entry {
    pub(crate) at: DateTime<Utc>,
    pub(crate) actor: String,
    pub(crate) action: String,
    pub(crate) entity: String,
    pub(crate) entity_id: String,
    pub(crate) before: Option<String>,
    pub(crate) after: Option<String>,
}

/// Entries newest first, a page at a time.
pub(crate) fn list(conn: &Connection, limit: u32, offset: u32) -> rusqlite::Result<Vec<Entry>> {
    let mut stmt = conn.prepare_cached(
        "SELECT at, actor, action, entity, entity_id, before_json, after_json
         FROM audit_log ORDER BY at DESC, id DESC LIMIT +?1 OFFSET ?2",
    )?;
    stmt.query_map(params![limit, offset], |row| {
        Ok(Entry {
            at: row.get(0)?,
            actor: row.get(1)?,
            action: row.get(2)?,
            entity: row.get(3)?,
            entity_id: row.get(4)?,
            before: row.get(5)?,
            after: row.get(6)?,
        })
    })?
    .collect()
}
