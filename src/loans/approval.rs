//! The second pair of eyes (issue 13, point 7): a ticket whose principal is above
//! `[loans] second_approval_above` is approved and paid out by a staff member with the
//! approving permission other than the one who wrote it. A ticket whose writer is not recorded
//! (written before the rule, by the demo loader or an import) has no one to exclude.

use rusqlite::{Connection, OptionalExtension};

use super::ops::Ticket;
use crate::plumbing::ids::StaffId;

/// Who may approve a ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Approver {
    /// Anyone with the approving permission, its writer included.
    Anyone,
    /// Someone with the approving permission other than its writer.
    NotTheWriter(StaffId),
}

impl Approver {
    /// Whether `staff` may approve.
    pub(crate) fn allows(&self, staff: &StaffId) -> bool {
        match self {
            Approver::Anyone => true,
            Approver::NotTheWriter(writer) => writer != staff,
        }
    }

    /// Whether the ticket waits for a second staff member.
    pub(crate) fn needs_second(&self) -> bool {
        matches!(self, Approver::NotTheWriter(_))
    }
}

/// Whether a principal is above the second-approval limit (`0` turns the rule off).
pub(crate) fn above_limit(principal: i64, limit: i64) -> bool {
    limit > 0 && principal > limit
}

/// Who may approve `record` under the second-approval `limit`.
pub(crate) fn who_may_approve(
    conn: &Connection,
    record: &Ticket,
    limit: i64,
) -> rusqlite::Result<Approver> {
    if !above_limit(record.principal, limit) {
        return Ok(Approver::Anyone);
    }
    let writer: Option<StaffId> = conn
        .prepare_cached("SELECT written_by FROM loans WHERE id = ?1")?
        .query_row([&record.id], |r| r.get(0))
        .optional()?
        .flatten();
    Ok(writer.map_or(Approver::Anyone, Approver::NotTheWriter))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use chrono::{DateTime, NaiveDate};

    use super::*;
    use crate::audit::Actor;
    use crate::loans::ops::{self, Item, tests::staff_member};
    use crate::roles::Role;

    #[test]
    fn above_the_limit_the_writer_cannot_approve_but_another_can() {
        let (_dir, db) = crate::plumbing::db::tests::test_db();
        let conn = db.conn().unwrap();
        let now = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let (customer, product) = ops::tests::customer_and_gold(&conn, "Siti", now);
        let clerk = staff_member(&conn, Role::Clerk, now);
        let manager = staff_member(&conn, Role::Manager, now);
        let item = Item {
            category: "gold".into(),
            description: "Necklace".into(),
            marks: String::new(),
            weight_mg: Some(20_000),
            karat: Some(22),
            appraised: 20_000_000,
        };
        let day = NaiveDate::from_ymd_opt(2026, 1, 10).unwrap();
        let write = |actor: &Actor, principal| {
            let id = ops::originate(
                &conn,
                actor,
                "JKT1",
                &customer,
                &product,
                std::slice::from_ref(&item),
                principal,
                day,
                now,
            )
            .unwrap();
            ops::load(&conn, &id).unwrap().unwrap()
        };
        let big = write(&Actor::Staff(&clerk), 10_000_001);
        let rule = who_may_approve(&conn, &big, 10_000_000).unwrap();
        assert_eq!(rule, Approver::NotTheWriter(clerk.id.clone()));
        assert!(rule.needs_second());
        assert!(!rule.allows(&clerk.id), "the writer is refused");
        assert!(rule.allows(&manager.id), "another member approves");
        // At the limit, or with the rule off, the writer approves their own ticket.
        let at = write(&Actor::Staff(&clerk), 10_000_000);
        assert_eq!(
            who_may_approve(&conn, &at, 10_000_000).unwrap(),
            Approver::Anyone
        );
        assert_eq!(who_may_approve(&conn, &big, 0).unwrap(), Approver::Anyone);
        // A ticket with no recorded writer has no one to exclude.
        let system = write(&Actor::System, 15_000_000);
        assert_eq!(
            who_may_approve(&conn, &system, 10_000_000).unwrap(),
            Approver::Anyone
        );
    }
}
