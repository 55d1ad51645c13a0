//! A staff member's duty to a customer: the agent who follows the customer up
//! (`callcentre_assignments`) and the customer's RO (`customer_ros`). Each duty has one holder
//! per customer; handing it over replaces the holder and is audited. The rules of who may hand
//! which duty to whom are the callers' ([`super::queue`], [`super::ro`]).

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::json;

use crate::audit::{self, Actor, Change};
use crate::plumbing::ids::{CustomerId, StaffId};
use crate::roles::StaffUser;

/// Which duty.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Duty {
    FollowUp,
    Ro,
}

impl Duty {
    fn holder_sql(self) -> &'static str {
        match self {
            Duty::FollowUp => {
                "SELECT d.staff_id, s.full_name FROM callcentre_assignments d JOIN staff s ON s.id = d.staff_id
                 WHERE d.customer_id = ?1"
            }
            Duty::Ro => {
                "SELECT d.staff_id, s.full_name FROM customer_ros d JOIN staff s ON s.id = d.staff_id
                 WHERE d.customer_id = ?1"
            }
        }
    }

    fn hand_over_sql(self) -> &'static str {
        match self {
            Duty::FollowUp => {
                "INSERT INTO callcentre_assignments (customer_id, staff_id, assigned_by, assigned_at)
                 VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (customer_id) DO UPDATE SET staff_id = ?2, assigned_by = ?3, assigned_at = ?4"
            }
            Duty::Ro => {
                "INSERT INTO customer_ros (customer_id, staff_id, assigned_by, assigned_at)
                 VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (customer_id) DO UPDATE SET staff_id = ?2, assigned_by = ?3, assigned_at = ?4"
            }
        }
    }

    /// The audit action and the key of the holder in its entries.
    fn audited_as(self) -> (&'static str, &'static str) {
        match self {
            Duty::FollowUp => ("customer.callcentre_assign", "agent"),
            Duty::Ro => ("customer.ro_assign", "ro"),
        }
    }
}

/// Who holds the duty to the customer, if anyone: id and name.
pub(crate) fn holder(
    conn: &Connection,
    duty: Duty,
    customer: &CustomerId,
) -> rusqlite::Result<Option<(StaffId, String)>> {
    conn.prepare_cached(duty.holder_sql())?
        .query_row([customer], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()
}

/// Hands the duty to `staff` (replacing any holder), audited as `by`'s.
pub(crate) fn hand_over(
    conn: &Connection,
    duty: Duty,
    by: &StaffUser,
    customer: &CustomerId,
    staff: &StaffId,
    now: DateTime<Utc>,
) -> rusqlite::Result<()> {
    let before = holder(conn, duty, customer)?.map(|(id, _)| id);
    conn.prepare_cached(duty.hand_over_sql())?
        .execute(params![customer, staff, by.id, now])?;
    let (action, key) = duty.audited_as();
    let change = Change {
        action,
        entity: "customer",
        entity_id: customer.as_str(),
        before: before.map(|id| json!({ key: id.as_str() })),
        after: Some(json!({ key: staff.as_str() })),
    };
    audit::record(conn, &Actor::Staff(by), &change, now)
}
