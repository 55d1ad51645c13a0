//! "Verify caller" (seed 003): before giving any account detail on the phone, staff ask the
//! caller for the phone number, the ID (KTP) number or the full name used at registration and
//! compare it with the record. Recording the check keeps which details were confirmed, by whom
//! and when, in the customer's timeline and the audit log. The page (`web::customers::caller`)
//! never shows the answers to compare against, so a caller cannot be told what to say.

use chrono::{DateTime, Utc};
use rusqlite::Transaction;

use super::{EventKind, get, record_event};
use crate::audit::{self, Actor, Change};
use crate::plumbing::i18n::Msg;
use crate::plumbing::ids::CustomerId;
use crate::roles::StaffUser;

/// The details a caller can be asked for: their names in the form and the timeline, and their
/// labels.
pub(crate) const DETAILS: [(&str, Msg); 3] = [
    ("phone", Msg::PhoneNumber),
    ("id_number", Msg::IdNumber),
    ("full_name", Msg::FullName),
];

/// Why a caller check was not recorded.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CallerError {
    #[error("no detail was checked")]
    NothingChecked,
    #[error("no such customer")]
    NoSuchCustomer,
    #[error(transparent)]
    Db(#[from] rusqlite::Error),
}

/// Records that `staff` confirmed the `checked` details (names from [`DETAILS`]; others are
/// ignored) with a caller claiming to be `customer`: a timeline event and an audit entry.
pub(crate) fn record_check(
    tx: &Transaction,
    customer: &CustomerId,
    checked: &[&str],
    staff: &StaffUser,
    now: DateTime<Utc>,
) -> Result<(), CallerError> {
    let checked: Vec<&str> = DETAILS
        .iter()
        .map(|(name, _)| *name)
        .filter(|name| checked.contains(name))
        .collect();
    if checked.is_empty() {
        return Err(CallerError::NothingChecked);
    }
    get(tx, customer)?.ok_or(CallerError::NoSuchCustomer)?;
    record_event(
        tx,
        customer,
        EventKind::CallerVerified,
        Some(&staff.id),
        &checked.join(","),
        now,
    )?;
    let change = Change {
        action: "customer.caller_verified",
        entity: "customer",
        entity_id: customer.as_str(),
        before: None,
        after: Some(serde_json::json!({ "checked": checked })),
    };
    audit::record(tx, &Actor::Staff(staff), &change, now)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::plumbing::db::{self, tests::test_db};
    use crate::roles::Role;

    #[test]
    fn a_check_names_known_details_and_needs_one() {
        let (_dir, db) = test_db();
        let now = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let mut conn = db.conn().unwrap();
        let staff = crate::loans::ops::tests::staff_member(&conn, Role::CallAgent, now);
        let (customer, _) = crate::loans::ops::tests::customer_and_gold(&conn, "Siti", now);
        let tx = db::immediate(&mut conn).unwrap();
        let refused = record_check(&tx, &customer, &["shoe size"], &staff, now);
        assert!(
            matches!(refused, Err(CallerError::NothingChecked)),
            "{refused:?}"
        );
        record_check(
            &tx,
            &customer,
            &["full_name", "shoe size", "phone"],
            &staff,
            now,
        )
        .unwrap();
        let detail: String = tx
            .query_row(
                "SELECT detail FROM customer_events WHERE customer_id = ?1 AND kind = 'caller_verified'",
                [customer.as_str()],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(detail, "phone,full_name");
        let audited: i64 = tx
            .query_row(
                "SELECT count(*) FROM audit_log WHERE action = 'customer.caller_verified'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(audited, 1);
    }
}
