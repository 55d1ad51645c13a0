//! The customer's Relationship Officer (RO, seed 004): the staff member who knows the customer
//! and whom the call centre may call about them ("Action: call the RO"). A manager assigns one
//! per customer, replacing any before, audited. The RO's phone is their staff account's
//! (`staff::phone`).

use chrono::{DateTime, Utc};
use rusqlite::Connection;

use super::duties::{self, Duty};
use super::queue;
use crate::plumbing::ids::{CustomerId, StaffId};
use crate::plumbing::phone::E164;
use crate::roles::StaffUser;

/// Why an RO was not assigned, or the database failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum RoError {
    #[error("only a manager assigns an RO")]
    NotManager,
    #[error("no such active staff member")]
    NoSuchStaff,
    #[error("no such customer")]
    NoSuchCustomer,
    #[error("database: {0}")]
    Db(#[from] rusqlite::Error),
}

/// The customer's RO, if any: id and name.
pub(crate) fn of_customer(
    conn: &Connection,
    customer: &CustomerId,
) -> rusqlite::Result<Option<(StaffId, String)>> {
    duties::holder(conn, Duty::Ro, customer)
}

/// The customer's RO with their phone, if one is on file: what "call the RO" dials.
pub(crate) fn with_phone(
    conn: &Connection,
    customer: &CustomerId,
) -> rusqlite::Result<Option<(StaffId, String, Option<E164>)>> {
    let Some((id, name)) = of_customer(conn, customer)? else {
        return Ok(None);
    };
    let phone = crate::staff::phone::of(conn, &id)?;
    Ok(Some((id, name, phone)))
}

/// The staff who may be an RO: every active member, by name.
pub(crate) fn candidates(conn: &Connection) -> rusqlite::Result<Vec<(StaffId, String)>> {
    conn.prepare_cached(
        "SELECT id, full_name FROM staff WHERE disabled = 0 ORDER BY full_name, id",
    )?
    .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
    .collect()
}

/// A manager makes `staff` the customer's RO (audited).
pub(crate) fn assign(
    conn: &Connection,
    manager: &StaffUser,
    customer: &CustomerId,
    staff: &StaffId,
    now: DateTime<Utc>,
) -> Result<(), RoError> {
    if !queue::may_assign(manager) {
        return Err(RoError::NotManager);
    }
    if !candidates(conn)?.iter().any(|(id, _)| id == staff) {
        return Err(RoError::NoSuchStaff);
    }
    if crate::customers::get(conn, customer)?.is_none() {
        return Err(RoError::NoSuchCustomer);
    }
    Ok(duties::hand_over(
        conn,
        Duty::Ro,
        manager,
        customer,
        staff,
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
    fn a_manager_assigns_the_ro_and_an_agent_cannot() {
        let w = world();
        let conn = w.db.conn().unwrap();
        let manager = staff_member(&conn, Role::Manager, now());
        assert!(matches!(
            assign(&conn, &w.agent, &w.customer, &w.agent.id, now()),
            Err(RoError::NotManager)
        ));
        assert!(matches!(
            assign(&conn, &manager, &w.customer, &StaffId::new(now()), now()),
            Err(RoError::NoSuchStaff)
        ));
        assert!(of_customer(&conn, &w.customer).unwrap().is_none());
        assign(&conn, &manager, &w.customer, &manager.id, now()).unwrap();
        assign(&conn, &manager, &w.customer, &w.agent.id, now()).unwrap();
        assert_eq!(
            of_customer(&conn, &w.customer).unwrap(),
            Some((w.agent.id.clone(), w.agent.full_name.clone()))
        );
        let audits: i64 = conn
            .query_row(
                "SELECT count(*) FROM audit_log WHERE action = 'customer.ro_assign'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(audits, 2);
    }
}
