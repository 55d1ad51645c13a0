//! New applications waiting for information approval (seed 004: call agents "approve customer
//! information for new applications"): a call agent checks a new customer's information with
//! them on the phone and approves it; who and when are kept on the customer (synced with it),
//! audited and on the customer's timeline.
//!
//! A new application is a customer (not merged into another) whose information no call agent
//! has approved and who either registered within the last [`NEW_APPLICATION_DAYS`] days or
//! has a ticket still in origination (applied for, not yet paid out). Customers registered
//! before this existed and long since served are not offered: they are not new.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::json;

use crate::audit::Change;
use crate::customers::EventKind;
use crate::plumbing::ids::CustomerId;
use crate::roles::{Permission, StaffUser};

/// A customer registered within this many days is a new application until approved.
pub(crate) const NEW_APPLICATION_DAYS: i64 = 30;

/// The first day a registration counts as new on `today` (for the queue's query).
pub(crate) fn new_since(today: NaiveDate) -> NaiveDate {
    today - Duration::days(NEW_APPLICATION_DAYS)
}

/// A customer's information as approved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Approved {
    /// Who approved (name).
    pub(crate) by: String,
    pub(crate) at: DateTime<Utc>,
}

/// Why the information was not approved, or the database failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ApproveError {
    #[error("only the call centre approves customer information")]
    NotAllowed,
    #[error("no such customer")]
    NoSuchCustomer,
    #[error("the customer's information is already approved")]
    AlreadyApproved,
    #[error("database: {0}")]
    Db(#[from] rusqlite::Error),
}

/// Who approved the customer's information and when, if anyone has.
pub(crate) fn of_customer(
    conn: &Connection,
    customer: &CustomerId,
) -> rusqlite::Result<Option<Approved>> {
    conn.prepare_cached(
        "SELECT COALESCE(s.full_name, ''), c.info_approved_at
         FROM customers c LEFT JOIN staff s ON s.id = c.info_approved_by
         WHERE c.id = ?1 AND c.info_approved_at IS NOT NULL",
    )?
    .query_row([customer], |r| {
        Ok(Approved {
            by: r.get(0)?,
            at: r.get(1)?,
        })
    })
    .optional()
}

/// Whether the customer is a new application waiting for approval on `today`.
pub(crate) fn is_waiting(
    conn: &Connection,
    customer: &CustomerId,
    today: NaiveDate,
) -> rusqlite::Result<bool> {
    conn.prepare_cached(
        "SELECT EXISTS (SELECT 1 FROM customers c
            WHERE c.id = ?1 AND c.info_approved_at IS NULL AND c.merged_into IS NULL
              AND (c.created_at >= ?2
                   OR EXISTS (SELECT 1 FROM loans l WHERE l.customer_id = c.id AND l.state = 'origination')))",
    )?
    .query_row(params![customer, new_since(today)], |r| r.get(0))
}

/// A call agent approves the customer's information, audited and on the timeline.
pub(crate) fn approve(
    conn: &Connection,
    staff: &StaffUser,
    customer: &CustomerId,
    now: DateTime<Utc>,
) -> Result<(), ApproveError> {
    if !staff.role.has(Permission::CallCentre) {
        return Err(ApproveError::NotAllowed);
    }
    if crate::customers::get(conn, customer)?.is_none() {
        return Err(ApproveError::NoSuchCustomer);
    }
    let changed = conn
        .prepare_cached(
            "UPDATE customers SET info_approved_at = ?2, info_approved_by = ?3, updated_at = ?2
             WHERE id = ?1 AND info_approved_at IS NULL",
        )?
        .execute(params![customer, now, staff.id])?;
    if changed == 0 {
        return Err(ApproveError::AlreadyApproved);
    }
    let change = Change {
        action: "customer.info_approve",
        entity: "customer",
        entity_id: customer.as_str(),
        before: None,
        after: Some(json!({ "info_approved_by": staff.id.as_str() })),
    };
    Ok(super::do_not_contact::audited_event(
        conn,
        staff,
        customer,
        &change,
        (EventKind::InfoApproved, ""),
        now,
    )?)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::callcentre::notes::tests::{now, world};
    use crate::loans::ops::tests::staff_member;
    use crate::roles::Role;

    #[test]
    fn a_call_agent_approves_a_new_customers_information_once_audited_and_on_the_timeline() {
        let w = world();
        let conn = w.db.conn().unwrap();
        let clerk = staff_member(&conn, Role::Clerk, now());
        let registered = now().date_naive();
        assert!(is_waiting(&conn, &w.customer, registered).unwrap());
        let later = registered + Duration::days(NEW_APPLICATION_DAYS + 1);
        assert!(
            !is_waiting(&conn, &w.customer, later).unwrap(),
            "no longer new"
        );
        assert!(matches!(
            approve(&conn, &clerk, &w.customer, now()),
            Err(ApproveError::NotAllowed)
        ));
        assert_eq!(of_customer(&conn, &w.customer).unwrap(), None);
        approve(&conn, &w.agent, &w.customer, now()).unwrap();
        assert_eq!(
            of_customer(&conn, &w.customer).unwrap(),
            Some(Approved {
                by: w.agent.full_name.clone(),
                at: now()
            })
        );
        assert!(!is_waiting(&conn, &w.customer, registered).unwrap());
        assert!(matches!(
            approve(&conn, &w.agent, &w.customer, now()),
            Err(ApproveError::AlreadyApproved)
        ));
        let count =
            |sql: &str| -> i64 { conn.query_row(sql, [&w.customer], |r| r.get(0)).unwrap() };
        assert_eq!(
            count(
                "SELECT count(*) FROM audit_log WHERE entity_id = ?1 AND action = 'customer.info_approve'"
            ),
            1
        );
        assert_eq!(
            count(
                "SELECT count(*) FROM customer_events WHERE customer_id = ?1 AND kind = 'info_approved'"
            ),
            1
        );
    }
}
