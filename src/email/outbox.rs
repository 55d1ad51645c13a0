//! The email outbox: the shared outbox ([`crate::outbox`]) on the `email_outbox` table, with
//! the email kinds (a customer waiting at the login page first) and a subject on every email.
//!
//! An unreachable relay is not the email's fault: it moves `next_attempt_at` on (with the same
//! backoff) but never fails the email ([`crate::outbox::Failure::Unreachable`]), which waits
//! for the relay as SMS wait for the modem.

use chrono::{DateTime, Utc};
use rusqlite::Connection;

use crate::outbox::{self, Channel, MessageKind, Rule, Spec};
use crate::plumbing::i18n::Msg;
use crate::plumbing::ids::EmailId;

/// The email outbox.
pub(crate) static EMAIL: Channel<Kind, EmailId> = Channel::new(Spec {
    name: "email",
    table: "email_outbox",
    subject: true,
    reference: None,
    show_recipient: str::to_owned,
});

/// An email taken for sending.
pub(crate) type Outgoing = outbox::Outgoing<Kind, EmailId>;

/// What an email is for; decides its priority.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A login code for the portal, asked for instead of the SMS.
    Otp,
    /// A test email sent by staff.
    Test,
    /// The portal invitation (seed 000, step 9).
    Invitation,
    /// A notice to staff: a complaint case past its service level (`complaints::breach`).
    Notice,
}

impl MessageKind for Kind {
    const ALL: &'static [Kind] = &[Kind::Otp, Kind::Test, Kind::Notice, Kind::Invitation];

    /// A customer waiting at the login page before anything else.
    fn rule(self) -> Rule {
        match self {
            Kind::Otp => Rule::secret("otp", 0),
            Kind::Test => Rule::plain("test", 1),
            Kind::Invitation => Rule::plain("invitation", 5),
            Kind::Notice => Rule::plain("notice", 3),
        }
    }

    fn label(self) -> Msg {
        match self {
            Kind::Otp => Msg::KindLoginCode,
            Kind::Test => Msg::KindTest,
            Kind::Invitation => Msg::KindInvitation,
            Kind::Notice => Msg::KindNotice,
        }
    }
}

/// An email to queue: the shared outbox's message, with its subject (only login codes expire).
pub(crate) type NewEmail<'a> = outbox::New<'a, Kind>;

/// Queues an email. Call inside the transaction of the change that causes it, and wake the
/// sender after the commit.
pub(crate) fn enqueue(
    conn: &Connection,
    email: &NewEmail,
    now: DateTime<Utc>,
) -> rusqlite::Result<EmailId> {
    EMAIL.enqueue(conn, email, now)
}
