//! A customer's SMS reply as the customers' records see it (issue 17): whose number wrote, and
//! a STOP: the customer is marked "do not text" (`customers.do_not_text`, audited as the
//! customer's own act by SMS) and one SMS confirms it; from then on reminders, notices and
//! follow-ups are not queued for them, while codes they ask for still are. The SMS inbox
//! (`sms::inbox`) calls these through [`CUSTOMERS`], which the server hands it.

use chrono::{DateTime, Utc};
use rusqlite::Connection;

use crate::audit::Actor;
use crate::plumbing::i18n::Msg;
use crate::plumbing::ids::CustomerId;
use crate::plumbing::phone::E164;
use crate::sms::inbox::{Customers, Replies};
use crate::sms::outbox::{self, Kind, NewSms};

/// The customers' side of the SMS inbox.
pub(crate) const CUSTOMERS: Customers = Customers {
    find: whose_number,
    stop: stop_texts,
};

/// The customer (the survivor of a merge) whose number this is.
fn whose_number(conn: &Connection, number: &E164) -> rusqlite::Result<Option<CustomerId>> {
    Ok(super::find_by_phone(conn, number)?.map(|c| c.id))
}

/// Marks the customer "do not text" as their own act and queues the one confirmation; a
/// customer already marked is not texted again.
fn stop_texts(
    conn: &Connection,
    customer: &CustomerId,
    replies: &Replies,
    now: DateTime<Utc>,
) -> rusqlite::Result<()> {
    if super::do_not_text(conn, customer)? {
        return Ok(());
    }
    super::set_do_not_text_as(conn, customer, true, &Actor::CustomerSms, now)?;
    let Some(found) = super::get(conn, customer)? else {
        return Ok(());
    };
    let lang = super::language::chosen(conn, customer)?.unwrap_or(replies.branch_lang);
    let text = lang.fill(
        Msg::SmsStopConfirmation,
        &[("branch", &replies.branch_name)],
    );
    outbox::enqueue(
        conn,
        &NewSms {
            to: &found.phone,
            text: &text,
            kind: Kind::Notice,
            expires_at: None,
            customer: Some(customer),
        },
        now,
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::plumbing::i18n::Lang;
    use crate::sms::from_network::{FromNetwork, decode, encode_deliver};
    use crate::sms::inbox::{Received, receive_part, unread};

    #[test]
    fn stop_from_a_customer_marks_them_once_and_other_replies_wait_for_staff() {
        let (_dir, db) = crate::plumbing::db::tests::test_db();
        let conn = db.conn().unwrap();
        let now = DateTime::from_timestamp(1_764_560_000, 0).unwrap();
        let phone = crate::plumbing::phone::normalise("081299990000", "ID").unwrap();
        let new = super::super::NewCustomer {
            full_name: "Siti Aminah",
            phone: &phone,
            id_number: None,
            date_of_birth: None,
            address: "",
            email: None,
            phone_verified: true,
        };
        let customer = super::super::insert(&conn, &new, now).unwrap();
        let replies = Replies {
            country: "ID".to_owned(),
            branch_name: "Cabang Uji".to_owned(),
            branch_lang: Lang::Id,
            stop_words: Vec::new(),
            customers: CUSTOMERS,
        };
        let at = chrono::DateTime::parse_from_rfc3339("2026-12-01T10:42:00+07:00").unwrap();
        let part = |text: &str| match encode_deliver("081299990000", text, at, 0)
            .map(|parts| decode(&parts[0].0, parts[0].1).unwrap())
            .unwrap()
        {
            FromNetwork::Deliver(part) => part,
            other => panic!("{other:?}"),
        };
        let got = receive_part(&conn, &part("Besok saya bayar"), &replies, now).unwrap();
        assert!(matches!(got, Received::Message(_)));
        assert_eq!(unread(&conn).unwrap(), (1, 0));
        assert!(!super::super::do_not_text(&conn, &customer).unwrap());
        let got = receive_part(&conn, &part("stop"), &replies, now).unwrap();
        assert!(matches!(got, Received::Stopped(_)));
        assert!(super::super::do_not_text(&conn, &customer).unwrap());
        assert_eq!(unread(&conn).unwrap(), (1, 0), "a STOP is not for staff");
        let later = now + chrono::Duration::minutes(1);
        let at2 = at + chrono::Duration::minutes(1);
        let again = match encode_deliver("081299990000", "BERHENTI", at2, 0)
            .map(|parts| decode(&parts[0].0, parts[0].1).unwrap())
            .unwrap()
        {
            FromNetwork::Deliver(part) => part,
            other => panic!("{other:?}"),
        };
        receive_part(&conn, &again, &replies, later).unwrap();
        let (notices, body): (i64, String) = conn
            .query_row(
                "SELECT count(*), max(body) FROM sms_outbox WHERE kind = 'notice'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!(notices, 1, "confirmed once");
        assert!(
            body.starts_with("Cabang Uji: Anda tidak akan menerima pengingat"),
            "{body}"
        );
        let actor: String = conn
            .query_row(
                "SELECT actor FROM audit_log WHERE action = 'customer.do_not_text'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(actor, "customer (SMS)");
    }
}
