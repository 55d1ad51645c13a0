//! A customer's alternative contacts and guarantors (name, relationship, phone): the people
//! the call centre may ring when the customer cannot be reached (seed 004). Removing one keeps
//! the row, marked removed, so the timeline and head office still know it existed.

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
}
/// A contact to add.
pub(crate) struct NewContact<'a> {
    pub(crate) kind: Kind,
    pub(crate) full_name: &'a str,
    pub(crate) relationship: &'a str,
    pub(crate) phone: &'a E164,
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
        "INSERT INTO customer_contacts (id, customer_id, kind, full_name, relationship, phone, staff_id, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![id, customer, new.kind.code(), new.full_name, new.relationship, new.phone.as_str(), staff, now],
    )?;
    Ok(id)
}
/// Marks a contact removed; false when it is not this customer's or already removed.
pub(crate) fn remove(
    conn: &Connection,
    customer: &CustomerId,
    contact: &str,
    now: DateTime<Utc>,
) -> rusqlite::Result<bool> {
    Ok(conn.execute(
        "UPDATE customer_contacts SET removed_at = ?3 WHERE id = ?1 AND customer_id = ?2 AND removed_at IS NULL",
        params![contact, customer, now],
    )? > 0)
}
/// The customer's current contacts, guarantors first.
pub(crate) fn of_customer(
    conn: &Connection,
    customer: &CustomerId,
) -> rusqlite::Result<Vec<Contact>> {
    conn.prepare_cached(
        "SELECT id, kind, full_name, relationship, phone FROM customer_contacts
         WHERE customer_id = ?1 AND removed_at IS NULL ORDER BY kind DESC, created_at",
    )?
    .query_map([customer], |r| {
        Ok(Contact {
            id: r.get(0)?,
            kind: Kind::from_code(&r.get::<_, String>(1)?).unwrap_or(Kind::Alternative),
            full_name: r.get(2)?,
            relationship: r.get(3)?,
            phone: E164::from_stored(r.get(4)?),
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
            !remove(&conn, &b, &contact, now).unwrap(),
            "not b's contact"
        );
        assert!(remove(&conn, &a, &contact, now).unwrap());
        assert!(
            !remove(&conn, &a, &contact, now).unwrap(),
            "already removed"
        );
        assert_eq!(of_customer(&conn, &a).unwrap().len(), 1);
    }
}
