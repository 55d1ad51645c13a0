//! "Do not contact" (issue 15): a call agent or manager marks a customer not to be contacted
//! by the call centre, with a reason, and clears it later; who and when are kept on the
//! customer (synced with it), each change audited and on the customer's timeline.
//!
//! Apart from "do not text" (`customers.do_not_text`, set by a STOP reply, SMS only): while a
//! customer is marked, the call centre writes no follow-up note of a contact with them, their
//! guarantors or alternative contacts (a note of a call to the RO, a colleague, is still
//! kept), and sends them no message (the note's message, the promise texts).

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::json;

use crate::audit::{self, Actor, Change};
use crate::customers::EventKind;
use crate::plumbing::ids::CustomerId;
use crate::roles::{Permission, StaffUser};

/// The longest reason kept (the column's check).
pub(crate) const MAX_REASON_CHARS: usize = 500;

/// A customer's mark.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Mark {
    pub(crate) reason: String,
    /// Who set it (name).
    pub(crate) by: String,
    pub(crate) at: DateTime<Utc>,
}

/// Why a mark was not changed, or the database failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum MarkError {
    #[error("only the call centre marks customers not to be contacted")]
    NotAllowed,
    #[error("a reason is 1 to {MAX_REASON_CHARS} characters")]
    Reason,
    #[error("no such customer")]
    NoSuchCustomer,
    #[error("the customer is not marked")]
    NotMarked,
    #[error("database: {0}")]
    Db(#[from] rusqlite::Error),
}

/// The customer's mark, if any.
pub(crate) fn of_customer(
    conn: &Connection,
    customer: &CustomerId,
) -> rusqlite::Result<Option<Mark>> {
    conn.prepare_cached(
        "SELECT c.do_not_contact_reason, COALESCE(s.full_name, ''), c.do_not_contact_at
         FROM customers c LEFT JOIN staff s ON s.id = c.do_not_contact_by
         WHERE c.id = ?1 AND c.do_not_contact_reason IS NOT NULL",
    )?
    .query_row([customer], |r| {
        Ok(Mark {
            reason: r.get(0)?,
            by: r.get(1)?,
            at: r.get(2)?,
        })
    })
    .optional()
}

/// Whether the customer is marked not to be contacted.
pub(crate) fn is_marked(conn: &Connection, customer: &CustomerId) -> rusqlite::Result<bool> {
    Ok(of_customer(conn, customer)?.is_some())
}

/// Marks the customer (replacing any reason before), audited and on the timeline.
pub(crate) fn set(
    conn: &Connection,
    staff: &StaffUser,
    customer: &CustomerId,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<(), MarkError> {
    let reason = reason.trim();
    if !staff.role.has(Permission::CallCentre) {
        return Err(MarkError::NotAllowed);
    }
    if reason.is_empty() || reason.chars().count() > MAX_REASON_CHARS {
        return Err(MarkError::Reason);
    }
    let before = of_customer(conn, customer)?;
    let changed = conn
        .prepare_cached(
            "UPDATE customers SET do_not_contact_reason = ?2, do_not_contact_by = ?3,
                    do_not_contact_at = ?4, updated_at = ?4
             WHERE id = ?1 AND merged_into IS NULL",
        )?
        .execute(params![customer, reason, staff.id, now])?;
    if changed == 0 {
        return Err(MarkError::NoSuchCustomer);
    }
    let change = Change {
        action: "customer.do_not_contact",
        entity: "customer",
        entity_id: customer.as_str(),
        before: before.map(|m| json!({ "do_not_contact": m.reason })),
        after: Some(json!({ "do_not_contact": reason })),
    };
    Ok(audited_event(
        conn,
        staff,
        customer,
        &change,
        (EventKind::DoNotContactSet, reason),
        now,
    )?)
}

/// Clears the customer's mark, audited and on the timeline.
pub(crate) fn clear(
    conn: &Connection,
    staff: &StaffUser,
    customer: &CustomerId,
    now: DateTime<Utc>,
) -> Result<(), MarkError> {
    if !staff.role.has(Permission::CallCentre) {
        return Err(MarkError::NotAllowed);
    }
    let Some(before) = of_customer(conn, customer)? else {
        return Err(MarkError::NotMarked);
    };
    conn.prepare_cached(
        "UPDATE customers SET do_not_contact_reason = NULL, do_not_contact_by = ?2,
                do_not_contact_at = ?3, updated_at = ?3
         WHERE id = ?1",
    )?
    .execute(params![customer, staff.id, now])?;
    let change = Change {
        action: "customer.do_not_contact_clear",
        entity: "customer",
        entity_id: customer.as_str(),
        before: Some(json!({ "do_not_contact": before.reason })),
        after: None,
    };
    Ok(audited_event(
        conn,
        staff,
        customer,
        &change,
        (EventKind::DoNotContactCleared, ""),
        now,
    )?)
}

/// Records a call-centre change to a customer in the audit log and on their timeline (one
/// entry each), inside the caller's transaction.
pub(super) fn audited_event(
    conn: &Connection,
    staff: &StaffUser,
    customer: &CustomerId,
    change: &Change,
    event: (EventKind, &str),
    now: DateTime<Utc>,
) -> rusqlite::Result<()> {
    audit::record(conn, &Actor::Staff(staff), change, now)?;
    crate::customers::record_event(conn, customer, event.0, Some(&staff.id), event.1, now)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::callcentre::notes::tests::{now, world};
    use crate::loans::ops::tests::staff_member;
    use crate::roles::Role;

    #[test]
    fn call_agents_mark_and_clear_with_a_reason_audited_and_on_the_timeline() {
        let w = world();
        let conn = w.db.conn().unwrap();
        let clerk = staff_member(&conn, Role::Clerk, now());
        let count =
            |sql: &str| -> i64 { conn.query_row(sql, [&w.customer], |r| r.get(0)).unwrap() };
        assert!(matches!(
            set(&conn, &clerk, &w.customer, "Asked us", now()),
            Err(MarkError::NotAllowed)
        ));
        assert!(matches!(
            set(&conn, &w.agent, &w.customer, "  ", now()),
            Err(MarkError::Reason)
        ));
        let long = "x".repeat(MAX_REASON_CHARS + 1);
        assert!(matches!(
            set(&conn, &w.agent, &w.customer, &long, now()),
            Err(MarkError::Reason)
        ));
        assert!(!is_marked(&conn, &w.customer).unwrap(), "nothing written");
        set(&conn, &w.agent, &w.customer, " Lawyer's letter ", now()).unwrap();
        let mark = of_customer(&conn, &w.customer).unwrap().unwrap();
        assert_eq!(
            mark,
            Mark {
                reason: "Lawyer's letter".into(),
                by: w.agent.full_name.clone(),
                at: now(),
            }
        );
        assert!(
            !crate::customers::do_not_text(&conn, &w.customer).unwrap(),
            "not the same as do not text"
        );
        clear(&conn, &w.agent, &w.customer, now()).unwrap();
        assert!(!is_marked(&conn, &w.customer).unwrap());
        assert!(matches!(
            clear(&conn, &w.agent, &w.customer, now()),
            Err(MarkError::NotMarked)
        ));
        assert_eq!(
            count(
                "SELECT count(*) FROM audit_log WHERE entity_id = ?1 AND action LIKE 'customer.do_not_contact%'"
            ),
            2
        );
        assert_eq!(
            count(
                "SELECT count(*) FROM customer_events WHERE customer_id = ?1 AND kind IN ('do_not_contact', 'do_not_contact_cleared')"
            ),
            2
        );
    }

    #[test]
    fn the_mark_and_the_approval_go_to_head_office_with_the_customer() {
        let dir = tempfile::tempdir().unwrap();
        let db =
            crate::sync::changes::open_logged(dir.path(), std::time::Duration::from_secs(5), 2)
                .unwrap();
        let conn = db.conn().unwrap();
        let (customer, _) = crate::loans::ops::tests::customer_and_gold(&conn, "Siti", now());
        let agent = staff_member(&conn, Role::CallAgent, now());
        set(&conn, &agent, &customer, "Asked by letter", now()).unwrap();
        crate::callcentre::approval::approve(&conn, &agent, &customer, now()).unwrap();
        let logged: String = conn
            .query_row(
                "SELECT data FROM sync_log WHERE entity = 'customers' AND record_id = ?1
                 ORDER BY seq DESC LIMIT 1",
                [&customer],
                |r| r.get(0),
            )
            .unwrap();
        let data: serde_json::Value = serde_json::from_str(&logged).unwrap();
        assert_eq!(data["do_not_contact_reason"], "Asked by letter");
        assert_eq!(data["do_not_contact_by"], agent.id.as_str());
        assert_eq!(data["info_approved_by"], agent.id.as_str());
    }
}
