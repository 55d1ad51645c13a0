//! A customer's alternative contacts and guarantors (name, relationship, phone, email): the
//! people the call centre may ring when the customer cannot be reached (seed 004). Removing one
//! keeps the row, marked removed, so the timeline and head office still know it existed; every
//! addition, edit and removal is also a row of the contact's history ([`history`]), a snapshot
//! of the contact after the change, written in the same transaction.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, params};

use crate::plumbing::i18n::Msg;
use crate::plumbing::ids::{CustomerId, StaffId};
use crate::plumbing::phone::E164;

/// What a contact is to the customer's file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Alternative,
    Guarantor,
}
impl Kind {
    pub(crate) fn code(self) -> &'static str {
        match self {
            Kind::Alternative => "alternative",
            Kind::Guarantor => "guarantor",
        }
    }

    pub(crate) fn from_code(code: &str) -> Option<Kind> {
        match code {
            "alternative" => Some(Kind::Alternative),
            "guarantor" => Some(Kind::Guarantor),
            _ => None,
        }
    }

    pub(crate) fn label(self) -> Msg {
        match self {
            Kind::Alternative => Msg::ContactAlternative,
            Kind::Guarantor => Msg::ContactGuarantor,
        }
    }
}
/// A contact of a customer.
#[derive(Debug, Clone)]
pub(crate) struct Contact {
    pub(crate) id: String,
    pub(crate) kind: Kind,
    pub(crate) full_name: String,
    pub(crate) relationship: String,
    pub(crate) phone: E164,
    pub(crate) email: Option<String>,
    /// A code sent to the phone came back (`callcentre::contact_codes`).
    pub(crate) phone_verified: bool,
    /// Three wrong codes: no more codes until the phone is changed.
    pub(crate) locked: bool,
}
/// A contact to add.
pub(crate) struct NewContact<'a> {
    pub(crate) kind: Kind,
    pub(crate) full_name: &'a str,
    pub(crate) relationship: &'a str,
    pub(crate) phone: &'a E164,
    pub(crate) email: Option<&'a str>,
}
/// What a change did to a contact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ChangeKind {
    Added,
    Edited,
    Removed,
}
impl ChangeKind {
    fn code(self) -> &'static str {
        match self {
            ChangeKind::Added => "added",
            ChangeKind::Edited => "edited",
            ChangeKind::Removed => "removed",
        }
    }

    fn from_code(code: &str) -> ChangeKind {
        match code {
            "added" => ChangeKind::Added,
            "removed" => ChangeKind::Removed,
            _ => ChangeKind::Edited,
        }
    }

    /// The change for people.
    pub(crate) fn label(self) -> Msg {
        match self {
            ChangeKind::Added => Msg::EditContactAdded,
            ChangeKind::Edited => Msg::EditContactEdited,
            ChangeKind::Removed => Msg::EditContactRemoved,
        }
    }
}
/// One row of a contact's history: the contact as it was after the change.
#[derive(Debug, Clone)]
pub(crate) struct Change {
    pub(crate) at: DateTime<Utc>,
    pub(crate) staff: Option<String>,
    pub(crate) kind: ChangeKind,
    pub(crate) full_name: String,
    pub(crate) relationship: String,
    pub(crate) phone: E164,
    pub(crate) email: Option<String>,
}
/// Writes the history row of a change to `contact`, from the contact's row as it is now.
fn record_change(
    conn: &Connection,
    contact: &str,
    kind: ChangeKind,
    staff: Option<&StaffId>,
    now: DateTime<Utc>,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO customer_contact_changes (id, contact_id, customer_id, at, staff_id, change, full_name,
           relationship, phone, email)
         SELECT ?1, id, customer_id, ?2, ?3, ?4, full_name, relationship, phone, email
         FROM customer_contacts WHERE id = ?5",
    )?
    .execute(params![crate::plumbing::ids::new_ulid(now), now, staff, kind.code(), contact])?;
    Ok(())
}
/// Changes a current contact's name, relationship, phone and email (its kind stays); false
/// when it is not this customer's or removed. A changed phone is unverified (and unlocked).
pub(crate) fn edit(
    conn: &Connection,
    customer: &CustomerId,
    contact: &str,
    new: &NewContact,
    staff: Option<&StaffId>,
    now: DateTime<Utc>,
) -> rusqlite::Result<bool> {
    let changed = conn.execute(
        "UPDATE customer_contacts SET full_name = ?3, relationship = ?4, phone = ?5, email = ?6,
           -- A new number is unverified, and a lock from the old one's codes ends.
           phone_verified_at = CASE WHEN phone = ?5 THEN phone_verified_at END,
           wrong_codes = CASE WHEN phone = ?5 THEN wrong_codes ELSE 0 END,
           locked_at = CASE WHEN phone = ?5 THEN locked_at END
         WHERE id = ?1 AND customer_id = ?2 AND removed_at IS NULL",
        params![
            contact,
            customer,
            new.full_name,
            new.relationship,
            new.phone.as_str(),
            new.email
        ],
    )? > 0;
    if changed {
        record_change(conn, contact, ChangeKind::Edited, staff, now)?;
    }
    Ok(changed)
}
/// A contact's history, newest first.
pub(crate) fn history(conn: &Connection, contact: &str) -> rusqlite::Result<Vec<Change>> {
    conn.prepare_cached(
        "SELECT h.at, s.full_name, h.change, h.full_name, h.relationship, h.phone, h.email
         FROM customer_contact_changes h LEFT JOIN staff s ON s.id = h.staff_id
         WHERE h.contact_id = ?1 ORDER BY h.at DESC, h.id DESC",
    )?
    .query_map([contact], |r| {
        Ok(Change {
            at: r.get(0)?,
            staff: r.get(1)?,
            kind: ChangeKind::from_code(&r.get::<_, String>(2)?),
            full_name: r.get(3)?,
            relationship: r.get(4)?,
            phone: E164::from_stored(r.get(5)?),
            email: r.get(6)?,
        })
    })?
    .collect()
}
/// Adds a contact; returns its id.
pub(crate) fn add(
    conn: &Connection,
    customer: &CustomerId,
    new: &NewContact,
    staff: Option<&StaffId>,
    now: DateTime<Utc>,
) -> rusqlite::Result<String> {
    let id = crate::plumbing::ids::new_ulid(now);
    conn.execute(
        "INSERT INTO customer_contacts (id, customer_id, kind, full_name, relationship, phone, email, staff_id, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![id, customer, new.kind.code(), new.full_name, new.relationship, new.phone.as_str(), new.email, staff, now],
    )?;
    record_change(conn, &id, ChangeKind::Added, staff, now)?;
    Ok(id)
}
/// Marks a contact removed; false when it is not this customer's or already removed.
pub(crate) fn remove(
    conn: &Connection,
    customer: &CustomerId,
    contact: &str,
    staff: Option<&StaffId>,
    now: DateTime<Utc>,
) -> rusqlite::Result<bool> {
    let removed = conn.execute(
        "UPDATE customer_contacts SET removed_at = ?3 WHERE id = ?1 AND customer_id = ?2 AND removed_at IS NULL",
        params![contact, customer, now],
    )? > 0;
    if removed {
        record_change(conn, contact, ChangeKind::Removed, staff, now)?;
    }
    Ok(removed)
}
/// The customer's current contacts, guarantors first.
pub(crate) fn of_customer(
    conn: &Connection,
    customer: &CustomerId,
) -> rusqlite::Result<Vec<Contact>> {
    conn.prepare_cached(
        "SELECT id, kind, full_name, relationship, phone, email, phone_verified_at IS NOT NULL,
           locked_at IS NOT NULL FROM customer_contacts
         WHERE customer_id = ?1 AND removed_at IS NULL ORDER BY kind DESC, created_at",
    )?
    .query_map([customer], |r| {
        Ok(Contact {
            id: r.get(0)?,
            kind: Kind::from_code(&r.get::<_, String>(1)?).unwrap_or(Kind::Alternative),
            full_name: r.get(2)?,
            relationship: r.get(3)?,
            phone: E164::from_stored(r.get(4)?),
            email: r.get(5)?,
            phone_verified: r.get(6)?,
            locked: r.get(7)?,
        })
    })?
    .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::plumbing::db::tests::test_db;

    #[test]
    fn contacts_are_added_listed_and_removed_per_customer() {
        let (_dir, db) = test_db();
        let conn = db.conn().unwrap();
        let now = crate::plumbing::clock::Clock::now(&crate::plumbing::clock::SystemClock);
        let phone = E164::from_stored("+6281210000001".to_owned());
        let new_customer = |p: &str| {
            crate::customers::insert(
                &conn,
                &crate::customers::NewCustomer {
                    full_name: "Siti",
                    phone: &E164::from_stored(p.to_owned()),
                    id_number: None,
                    date_of_birth: None,
                    address: "",
                    email: None,
                    phone_verified: false,
                },
                now,
            )
            .unwrap()
        };
        let (a, b) = (
            new_customer("+6281200000001"),
            new_customer("+6281200000002"),
        );
        let new = NewContact {
            kind: Kind::Guarantor,
            full_name: "Budi",
            relationship: "brother",
            phone: &phone,
            email: None,
        };
        let contact = add(&conn, &a, &new, None, now).unwrap();
        let alt = NewContact {
            kind: Kind::Alternative,
            ..new
        };
        add(&conn, &a, &alt, None, now).unwrap();
        let listed = of_customer(&conn, &a).unwrap();
        assert_eq!(listed.len(), 2);
        assert_eq!(listed[0].kind, Kind::Guarantor);
        assert!(of_customer(&conn, &b).unwrap().is_empty());
        assert!(
            !remove(&conn, &b, &contact, None, now).unwrap(),
            "not b's contact"
        );
        assert!(remove(&conn, &a, &contact, None, now).unwrap());
        assert!(
            !remove(&conn, &a, &contact, None, now).unwrap(),
            "already removed"
        );
        assert_eq!(of_customer(&conn, &a).unwrap().len(), 1);
    }

    #[test]
    fn every_addition_edit_and_removal_is_a_row_of_the_contacts_history() {
        let (_dir, db) = test_db();
        let conn = db.conn().unwrap();
        let now: DateTime<Utc> = "2026-12-01T02:00:00Z".parse().unwrap();
        let (customer, _) = crate::loans::ops::tests::customer_and_gold(&conn, "Siti", now);
        let agent =
            crate::loans::ops::tests::staff_member(&conn, crate::roles::Role::CallAgent, now);
        let phone = E164::from_stored("+6281299990000".to_owned());
        let new = NewContact {
            kind: Kind::Guarantor,
            full_name: "Budi",
            relationship: "brother",
            phone: &phone,
            email: None,
        };
        let id = add(&conn, &customer, &new, Some(&agent.id), now).unwrap();
        let other = E164::from_stored("+6281377770000".to_owned());
        let edited = NewContact {
            full_name: "Budi Santoso",
            phone: &other,
            email: Some("budi@example.com"),
            ..new
        };
        let later = now + chrono::Duration::minutes(1);
        assert!(edit(&conn, &customer, &id, &edited, Some(&agent.id), later).unwrap());
        let c = &of_customer(&conn, &customer).unwrap()[0];
        assert_eq!(
            (c.full_name.as_str(), c.phone.as_str()),
            ("Budi Santoso", "+6281377770000")
        );
        assert_eq!(c.email.as_deref(), Some("budi@example.com"));
        let last = later + chrono::Duration::minutes(1);
        assert!(remove(&conn, &customer, &id, Some(&agent.id), last).unwrap());
        assert!(
            !edit(&conn, &customer, &id, &edited, None, last).unwrap(),
            "removed"
        );
        let h = history(&conn, &id).unwrap();
        let kinds: Vec<ChangeKind> = h.iter().map(|c| c.kind).collect();
        assert_eq!(
            kinds,
            [ChangeKind::Removed, ChangeKind::Edited, ChangeKind::Added]
        );
        assert_eq!(
            h[2].phone.as_str(),
            "+6281299990000",
            "the first phone kept"
        );
        assert_eq!(h[1].full_name, "Budi Santoso");
        assert_eq!(h[1].staff.as_deref(), Some(agent.full_name.as_str()));
        assert!(
            conn.execute("DELETE FROM customer_contact_changes", [])
                .is_err(),
            "history is kept"
        );
    }
}
