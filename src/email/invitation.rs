//! The portal invitation (seed 000, step 9): an email asking a customer to use "Pay My Loan",
//! queued in the email outbox in the customer's language. It is refused while the customer has
//! no email address or has unresolved duplicate records (seed 000, step 10):
//! [`invitation_refusal`] is where that rule lives.

use chrono::{DateTime, Utc};
use rusqlite::Connection;

use crate::customers::Customer;
use crate::email::outbox::{self, Kind, NewEmail};
use crate::plumbing::i18n::{Lang, Msg};
use crate::plumbing::ids::EmailId;

/// Why a customer cannot be sent the portal invitation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum InviteRefusal {
    /// No email address on record.
    NoEmail,
    /// Duplicate records wait to be resolved first (seed 000, step 10).
    Duplicates,
}
/// Why the invitation was not queued: a refusal for staff, or the database failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum InviteError {
    #[error("the invitation was refused: {0:?}")]
    Refused(InviteRefusal),
    #[error("database: {0}")]
    Db(#[from] rusqlite::Error),
}
impl InviteRefusal {
    /// The refusal for staff.
    pub(crate) fn message(self) -> Msg {
        match self {
            InviteRefusal::NoEmail => Msg::InvitationNoEmail,
            InviteRefusal::Duplicates => Msg::InvitationDuplicates,
        }
    }
}
/// Whether the invitation may go to `customer`, given whether duplicates are unresolved.
pub(crate) fn invitation_refusal(
    customer: &Customer,
    has_unresolved_duplicates: bool,
) -> Option<InviteRefusal> {
    if customer.email.as_deref().is_none_or(str::is_empty) {
        return Some(InviteRefusal::NoEmail);
    }
    if has_unresolved_duplicates {
        return Some(InviteRefusal::Duplicates);
    }
    None
}
/// What the invitation says, beyond the customer's own details.
pub(crate) struct InvitationWords<'a> {
    pub(crate) lang: Lang,
    pub(crate) branch: &'a str,
    pub(crate) portal_url: &'a str,
    /// The customer's phone number as they write it.
    pub(crate) phone: &'a str,
}
/// Queues the portal invitation for `customer`, unless refused. Call inside the transaction
/// that records it (audit), and wake the sender after the commit.
pub(crate) fn queue_invitation(
    conn: &Connection,
    customer: &Customer,
    words: &InvitationWords,
    now: DateTime<Utc>,
) -> Result<EmailId, InviteError> {
    let duplicates = crate::duplicates::unresolved(conn, &customer.id)?;
    if let Some(refusal) = invitation_refusal(customer, duplicates) {
        return Err(InviteError::Refused(refusal));
    }
    let Some(to) = customer.email.as_deref() else {
        return Err(InviteError::Refused(InviteRefusal::NoEmail));
    };
    let values = [
        ("name", customer.full_name.as_str()),
        ("branch", words.branch),
        ("url", words.portal_url),
        ("phone", words.phone),
    ];
    let subject = words.lang.fill(Msg::InvitationSubject, &values);
    let body = words.lang.fill(Msg::InvitationBody, &values);
    let email = NewEmail {
        to,
        subject: Some(&subject),
        body: &body,
        kind: Kind::Invitation,
        expires_at: None,
        customer: Some(&customer.id),
    };
    Ok(outbox::enqueue(conn, &email, now)?)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::customers::{self, NewCustomer};
    use crate::plumbing::phone;

    fn check(email: Option<&str>, duplicates: bool, expected: Option<InviteRefusal>) {
        let (_dir, db) = crate::plumbing::db::tests::test_db();
        let conn = db.conn().unwrap();
        let now = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let to = phone::normalise("081234567890", "ID").unwrap();
        let new = NewCustomer {
            full_name: "Siti Rahmawati",
            phone: &to,
            id_number: None,
            date_of_birth: None,
            address: "",
            email,
            phone_verified: false,
        };
        let id = customers::insert(&conn, &new, now).unwrap();
        let c = customers::get(&conn, &id).unwrap().unwrap();
        assert_eq!(invitation_refusal(&c, duplicates), expected);
        if duplicates {
            return;
        }
        let words = InvitationWords {
            lang: Lang::Id,
            branch: "Cabang Menteng",
            portal_url: "http://pawnbranch.lan/",
            phone: "0812-3456-7890",
        };
        let queued = queue_invitation(&conn, &c, &words, now);
        match expected {
            Some(refusal) => {
                assert!(matches!(queued, Err(InviteError::Refused(r)) if r == refusal));
            }
            None => {
                let email_id = queued.unwrap();
                let (to, subject, body): (String, String, String) = conn
                    .query_row(
                        "SELECT recipient, subject, body FROM email_outbox WHERE id = ?1",
                        [&email_id],
                        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                    )
                    .unwrap();
                assert_eq!(Some(to.as_str()), email);
                assert!(subject.contains("Cabang Menteng"), "{subject}");
                for part in ["Siti Rahmawati", "http://pawnbranch.lan/", "0812-3456-7890"] {
                    assert!(body.contains(part), "{part} in {body}");
                }
                // The customer page lists it among the customer's invitations.
                let listed = outbox::EMAIL.of_customer(&conn, &c.id, Kind::Invitation, 20);
                let listed = listed.unwrap();
                assert_eq!(listed.len(), 1);
                assert_eq!(listed[0].message.id, email_id);
                let codes = outbox::EMAIL.of_customer(&conn, &c.id, Kind::Otp, 20);
                assert!(codes.unwrap().is_empty());
            }
        }
    }

    #[test]
    fn invitations_need_an_address_and_no_unresolved_duplicates() {
        check(Some("siti@example.com"), false, None);
        check(None, false, Some(InviteRefusal::NoEmail));
        check(
            Some("siti@example.com"),
            true,
            Some(InviteRefusal::Duplicates),
        );
    }
}
