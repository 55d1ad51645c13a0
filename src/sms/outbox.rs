//! The SMS outbox: the shared outbox ([`crate::outbox`]) on the `sms_outbox` table, with the
//! SMS kinds (codes first, bulk messages last) and the modem's message references kept once
//! a message is sent. Staff pages show a recipient's number masked.

use chrono::{DateTime, Utc};
use rusqlite::Connection;

use crate::outbox::{self, Channel, MessageKind, Rule, Spec};
use crate::plumbing::i18n::Msg;
use crate::plumbing::ids::{CustomerId, SmsId};
use crate::plumbing::phone::E164;

pub(crate) use crate::outbox::State;

/// The SMS outbox.
pub(crate) static SMS: Channel<Kind, SmsId> = Channel::new(Spec {
    name: "sms",
    table: "sms_outbox",
    subject: false,
    reference: Some("modem_reference"),
    show_recipient: masked_number,
});

/// A message taken for sending.
pub(crate) type Outgoing = outbox::Outgoing<Kind, SmsId>;

/// What a message is for; decides its priority.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A login code for the portal.
    Otp,
    /// A phone verification code.
    Verification,
    /// A test message sent by staff.
    Test,
    /// A call-centre follow-up message.
    FollowUp,
    /// A notice (e.g. forfeiture warning, payment confirmation).
    Notice,
    /// A scheduled due-date reminder.
    Reminder,
    /// A campaign to many customers.
    Campaign,
}

impl MessageKind for Kind {
    const ALL: &'static [Kind] = &[
        Kind::Otp,
        Kind::Verification,
        Kind::Test,
        Kind::FollowUp,
        Kind::Notice,
        Kind::Reminder,
        Kind::Campaign,
    ];

    /// Codes before anything else, bulk messages last.
    fn rule(self) -> Rule {
        match self {
            Kind::Otp => Rule::secret("otp", 0),
            Kind::Verification => Rule::secret("verification", 0),
            Kind::Test => Rule::plain("test", 1),
            Kind::FollowUp => Rule::plain("follow_up", 5),
            Kind::Notice => Rule::plain("notice", 5),
            Kind::Reminder => Rule::plain("reminder", 8),
            Kind::Campaign => Rule::plain("campaign", 9),
        }
    }

    fn label(self) -> Msg {
        match self {
            Kind::Otp => Msg::KindLoginCode,
            Kind::Verification => Msg::KindVerificationCode,
            Kind::Test => Msg::KindTest,
            Kind::FollowUp => Msg::KindFollowUp,
            Kind::Notice => Msg::KindNotice,
            Kind::Reminder => Msg::KindReminder,
            Kind::Campaign => Msg::KindCampaign,
        }
    }
}

impl Kind {
    /// Bulk messages are paced; codes and staff messages never wait.
    pub(crate) fn is_bulk(self) -> bool {
        self.priority() >= 5
    }
}

/// A message to queue.
pub(crate) struct NewSms<'a> {
    pub(crate) to: &'a E164,
    pub(crate) text: &'a str,
    pub(crate) kind: Kind,
    /// Not sent after this: one-time codes, and reminders outside the sending hours.
    pub(crate) expires_at: Option<DateTime<Utc>>,
    pub(crate) customer: Option<&'a CustomerId>,
}

/// Queues a message. Call inside the transaction of the change that causes it, and wake the
/// sender after the commit.
pub(crate) fn enqueue(
    conn: &Connection,
    sms: &NewSms,
    now: DateTime<Utc>,
) -> rusqlite::Result<SmsId> {
    let message = outbox::New {
        to: sms.to.as_str(),
        subject: None,
        body: sms.text,
        kind: sms.kind,
        expires_at: sms.expires_at,
        customer: sms.customer,
    };
    SMS.enqueue(conn, &message, now)
}

/// The modem's message references (one per part), as kept in `modem_reference`.
pub(crate) fn references(parts: &[u8]) -> String {
    parts
        .iter()
        .map(u8::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

/// A stored number as staff pages show it.
fn masked_number(to: &str) -> String {
    E164::from_stored(to.to_owned()).masked()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::plumbing::phone;

    #[test]
    fn a_sent_message_keeps_the_modems_references_and_pages_mask_the_number() {
        let (_dir, db) = crate::plumbing::db::tests::test_db();
        let mut conn = db.conn().unwrap();
        let t0 = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let to = phone::normalise("081234567890", "ID").unwrap();
        let sms = NewSms {
            to: &to,
            text: "Ticket 12 is due",
            kind: Kind::Reminder,
            expires_at: None,
            customer: None,
        };
        enqueue(&conn, &sms, t0).unwrap();
        let message = SMS.take_next(&mut conn, t0).unwrap().unwrap();
        assert_eq!(message.to, "+6281234567890");
        assert_eq!(message.subject, None);
        SMS.mark_sent(&conn, &message, Some(&references(&[7, 8])), t0)
            .unwrap();
        let kept: String = conn
            .query_row("SELECT modem_reference FROM sms_outbox", [], |r| r.get(0))
            .unwrap();
        assert_eq!(kept, "7,8");
        let listed = SMS.recent(&conn, 10).unwrap();
        assert_eq!(listed[0].message.to, to.masked());
        assert_ne!(listed[0].message.to, to.as_str());
    }

    #[test]
    fn bulk_kinds_are_the_paced_ones() {
        let bulk: Vec<Kind> = Kind::ALL.iter().copied().filter(|k| k.is_bulk()).collect();
        assert_eq!(
            bulk,
            [Kind::FollowUp, Kind::Notice, Kind::Reminder, Kind::Campaign]
        );
    }
}
