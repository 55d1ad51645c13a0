//! A staff member's phone number (issue 15: "call the RO" shows the RO's phone), normalised to
//! E.164 like customers' phones, set by an administrator on the staff page or by the member on
//! their own account page, audited; empty clears it.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde_json::json;

use super::{Failure, StaffError, find};
use crate::audit::{self, Actor, Change};
use crate::plumbing::ids::StaffId;
use crate::plumbing::phone::{self, E164};
use crate::roles::StaffUser;

/// The member's phone, if one is on file.
pub(crate) fn of(conn: &Connection, staff: &StaffId) -> rusqlite::Result<Option<E164>> {
    let stored: Option<Option<String>> = conn
        .prepare_cached("SELECT phone FROM staff WHERE id = ?1")?
        .query_row([staff], |r| r.get(0))
        .optional()?;
    Ok(stored.flatten().map(E164::from_stored))
}

/// Sets (or, when `input` is blank, clears) the phone of `target`, read in `country`'s local
/// formats too.
pub(crate) fn set_phone(
    tx: &Transaction,
    actor: &Actor,
    target: &StaffId,
    input: &str,
    country: &str,
    now: DateTime<Utc>,
) -> Result<StaffUser, Failure> {
    let account = find(tx, target.as_str())?.ok_or(StaffError::NotFound)?;
    let phone = match input.trim() {
        "" => None,
        typed => Some(phone::normalise(typed, country).map_err(|_| StaffError::BadPhone)?),
    };
    let before = of(tx, &account.user.id)?;
    tx.execute(
        "UPDATE staff SET phone = ?2, updated_at = ?3 WHERE id = ?1",
        params![account.user.id, phone.as_ref().map(E164::as_str), now],
    )?;
    let change = Change {
        action: "staff.phone",
        entity: "staff",
        entity_id: account.user.id.as_str(),
        before: Some(json!({ "phone": before.as_ref().map(E164::as_str) })),
        after: Some(json!({ "phone": phone.as_ref().map(E164::as_str) })),
    };
    audit::record(tx, actor, &change, now)?;
    Ok(account.user)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::loans::ops::tests::staff_member;
    use crate::roles::Role;

    #[test]
    fn a_phone_is_normalised_refused_when_not_a_number_cleared_when_blank_and_audited() {
        let (_dir, db) = crate::plumbing::db::tests::test_db();
        let mut conn = db.conn().unwrap();
        let now = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let ro = staff_member(&conn, Role::Clerk, now);
        let tx = crate::plumbing::db::immediate(&mut conn).unwrap();
        let actor = Actor::Staff(&ro);
        set_phone(&tx, &actor, &ro.id, "0812-3456-7890", "ID", now).unwrap();
        assert_eq!(
            of(&tx, &ro.id).unwrap().map(|p| p.as_str().to_owned()),
            Some("+6281234567890".to_owned())
        );
        assert!(matches!(
            set_phone(&tx, &actor, &ro.id, "call me", "ID", now),
            Err(Failure::Refused(StaffError::BadPhone))
        ));
        assert!(of(&tx, &ro.id).unwrap().is_some(), "kept when refused");
        set_phone(&tx, &actor, &ro.id, "  ", "ID", now).unwrap();
        assert_eq!(of(&tx, &ro.id).unwrap(), None);
        let audits: i64 = tx
            .query_row(
                "SELECT count(*) FROM audit_log WHERE action = 'staff.phone' AND entity_id = ?1",
                [&ro.id],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(audits, 2);
    }
}
