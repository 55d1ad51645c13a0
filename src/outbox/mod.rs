//! The outbox every outgoing channel shares: SMS by modem and email by relay today, more modems
//! and other channels tomorrow. One module, so queueing, priority, expiry, retry with backoff,
//! staff retry and cancel, crash recovery and the blanking of codes are written (and tested)
//! once; each channel keeps only what differs: its table, its kinds, its far end (the modem,
//! the SMTP relay) and its status panel.
//!
//! A channel is a [`Channel`]: a `static` naming its table (a constant, the only name ever put
//! into this module's SQL, which is built once per channel) and its columns beyond the shared
//! ones, typed by its [`MessageKind`] and its id. Every message is first a row of that table;
//! the channel's sender thread ([`sender`]) takes the queued rows by priority, then age, and
//! records what happened to each.
//!
//! States: `queued` → `sending` → `sent`, or back to `queued` with a later `next_attempt_at`
//! after a temporary error (or while the far end cannot be reached), `failed` for good
//! (permanent error, or too many attempts), `expired` (a one-time code, or a reminder outside
//! the sending hours, not sent in time is not sent at all) or `cancelled` by staff. A row left
//! in `sending` by a crash is queued again at start-up ([`Channel::requeue_interrupted`]).
//!
//! A code message holds its code in `body` only until it leaves the outbox: when it is sent,
//! expires, fails or is cancelled, the digits are blanked ([`mask_codes`]). Pages always show
//! the masked text, and log lines never include a body.
//!
//! Files: `queue.rs` the queue's SQL, `sender.rs` the loop every sender thread runs,
//! `pages.rs` what the staff pages of every channel share, `tests.rs` the tests run against
//! every channel.

mod queue;
pub(crate) mod sender;
#[cfg(test)]
mod tests;

use std::fmt::{Debug, Display};
use std::marker::PhantomData;
use std::str::FromStr;
use std::sync::OnceLock;

use chrono::{DateTime, Duration, Utc};
use rusqlite::ToSql;
use rusqlite::types::FromSql;

use crate::plumbing::i18n::Msg;
use crate::plumbing::ids::{CustomerId, EmailId, SmsId};

/// What a channel says of one of its kinds of message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Rule {
    /// The kind's code in the database.
    pub(crate) code: &'static str,
    /// Lower goes first.
    pub(crate) priority: i64,
    /// Whether the text carries a secret code to blank once it has left.
    pub(crate) carries_code: bool,
}

impl Rule {
    /// A kind whose text carries a one-time code.
    pub(crate) const fn secret(code: &'static str, priority: i64) -> Rule {
        Rule {
            code,
            priority,
            carries_code: true,
        }
    }

    /// A kind whose text carries no secret.
    pub(crate) const fn plain(code: &'static str, priority: i64) -> Rule {
        Rule {
            code,
            priority,
            carries_code: false,
        }
    }
}

/// A channel's kinds of message (what a message is for, which decides its priority).
pub(crate) trait MessageKind: Copy + Eq + Debug + 'static {
    /// Every kind, in priority order, beginning with one that carries a code.
    const ALL: &'static [Self];

    /// The kind's code, priority and secrecy.
    fn rule(self) -> Rule;

    /// The kind's code in the database.
    fn code(self) -> &'static str {
        self.rule().code
    }

    /// Lower goes first.
    fn priority(self) -> i64 {
        self.rule().priority
    }

    /// Whether the text carries a secret code to blank.
    fn carries_code(self) -> bool {
        self.rule().carries_code
    }

    /// The kind for people (the outbox pages, the customer's timeline).
    fn label(self) -> Msg;

    /// The kind named by its code.
    fn from_code(code: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|k| k.code() == code)
    }

    /// The kind of a stored message; one this version does not know is read as the first
    /// kind, a code, so its text is always blanked.
    fn from_stored(code: &str) -> Self {
        Self::from_code(code).unwrap_or(Self::ALL[0])
    }
}

/// A channel's typed message id (plumbing/ids.rs).
pub(crate) trait MessageId:
    ToSql + FromSql + FromStr + Display + Clone + Debug + 'static
{
    /// A new id for a message queued at `now`.
    fn mint(now: DateTime<Utc>) -> Self;
}

impl MessageId for SmsId {
    fn mint(now: DateTime<Utc>) -> Self {
        SmsId::new(now)
    }
}

impl MessageId for EmailId {
    fn mint(now: DateTime<Utc>) -> Self {
        EmailId::new(now)
    }
}

/// Where a message is (both tables' CHECK constraints list these).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum State {
    Queued,
    Sending,
    Sent,
    Failed,
    Expired,
    Cancelled,
}

impl State {
    /// Every state.
    pub(crate) const ALL: [State; 6] = [
        State::Queued,
        State::Sending,
        State::Sent,
        State::Failed,
        State::Expired,
        State::Cancelled,
    ];

    /// The state's code in the database.
    pub(crate) fn code(self) -> &'static str {
        match self {
            State::Queued => "queued",
            State::Sending => "sending",
            State::Sent => "sent",
            State::Failed => "failed",
            State::Expired => "expired",
            State::Cancelled => "cancelled",
        }
    }

    /// The state for people.
    pub(crate) fn label(self) -> Msg {
        match self {
            State::Queued => Msg::OutboxQueued,
            State::Sending => Msg::OutboxSending,
            State::Sent => Msg::OutboxSent,
            State::Failed => Msg::OutboxFailed,
            State::Expired => Msg::OutboxExpired,
            State::Cancelled => Msg::OutboxCancelled,
        }
    }

    /// The state named by its code.
    pub(crate) fn from_code(code: &str) -> Option<State> {
        State::ALL.into_iter().find(|s| s.code() == code)
    }
}

/// What a channel's table holds beyond the columns every outbox has.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Spec {
    /// The channel's name in log lines, audit actions (`sms.retry`) and audit entities.
    pub(crate) name: &'static str,
    /// Its table: a constant, never anything a user typed.
    pub(crate) table: &'static str,
    /// Whether its messages have a `subject` column (email).
    pub(crate) subject: bool,
    /// The column that keeps what the far end answered for a message it accepted (the
    /// modem's message references), if the channel keeps one.
    pub(crate) reference: Option<&'static str>,
    /// How staff pages show a recipient (a phone number masked, an address in full).
    pub(crate) show_recipient: fn(&str) -> String,
}

/// One channel's outbox: its [`Spec`], typed by its kinds `K` and its ids `I`, and its SQL,
/// built from the spec on first use.
pub(crate) struct Channel<K, I> {
    spec: Spec,
    sql: OnceLock<queue::Sql>,
    types: PhantomData<fn() -> (K, I)>,
}

impl<K, I> Channel<K, I> {
    /// The channel `spec` describes (for a `static`).
    pub(crate) const fn new(spec: Spec) -> Self {
        Channel {
            spec,
            sql: OnceLock::new(),
            types: PhantomData,
        }
    }

    /// The channel's name (`sms`, `email`).
    pub(crate) fn name(&self) -> &'static str {
        self.spec.name
    }
}

/// A message to queue.
pub(crate) struct New<'a, K> {
    /// The recipient as stored (an E.164 number, an email address).
    pub(crate) to: &'a str,
    /// For channels with subjects; ignored by the others.
    pub(crate) subject: Option<&'a str>,
    pub(crate) body: &'a str,
    pub(crate) kind: K,
    /// Not sent after this: one-time codes, and reminders outside the sending hours.
    pub(crate) expires_at: Option<DateTime<Utc>>,
    pub(crate) customer: Option<&'a CustomerId>,
}

/// A message in the outbox: where it goes, what it says, how often it was tried.
#[derive(Debug, Clone)]
pub(crate) struct Outgoing<K, I> {
    pub(crate) id: I,
    pub(crate) to: String,
    /// `None` on channels without subjects.
    pub(crate) subject: Option<String>,
    pub(crate) body: String,
    pub(crate) kind: K,
    /// Attempts before this one.
    pub(crate) attempts: u32,
}

impl<K: MessageKind, I> Outgoing<K, I> {
    /// The body as it may be kept once the message has left the queue.
    fn kept_body(&self) -> String {
        if self.kind.carries_code() {
            mask_codes(&self.body)
        } else {
            self.body.clone()
        }
    }
}

/// A message as listed on staff pages: codes masked, the recipient as the channel shows it.
pub(crate) struct Listed<K, I> {
    pub(crate) message: Outgoing<K, I>,
    pub(crate) state: State,
    pub(crate) last_error: Option<String>,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) sent_at: Option<DateTime<Utc>>,
}

/// What became of one try to hand a message to the channel's far end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Failure {
    /// Refused for good (an unassigned number, a 5xx reply, a bad address): failed at once,
    /// with the reason.
    Permanent(String),
    /// May pass (a network timeout, a 4xx reply): tried again after a backoff, until
    /// `max_attempts`.
    Temporary(String),
    /// The far end could not be reached (the relay refused the connection, timed out, refused
    /// our login): the message waits for it without using up its attempts.
    Unreachable(String),
    /// The far end failed, not the message, and the channel has another that can take it
    /// (one of several modems): queued again at once, without a backoff, its attempt counted
    /// (so a message no far end takes still fails after `max_attempts`).
    Elsewhere(String),
}

impl Failure {
    /// The reason, as the far end or the driver gave it.
    pub(crate) fn reason(&self) -> &str {
        match self {
            Failure::Permanent(reason)
            | Failure::Temporary(reason)
            | Failure::Unreachable(reason)
            | Failure::Elsewhere(reason) => reason,
        }
    }
}

/// What staff may do to a message from its channel's page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StaffAction {
    /// Queue a failed message again (not a code: the customer asks for a new one).
    Retry,
    /// Cancel a queued or failed message, its text blanked of codes.
    Cancel,
}

impl StaffAction {
    /// The action's name in the audit log (after the channel's: `sms.retry`).
    fn code(self) -> &'static str {
        match self {
            StaffAction::Retry => "retry",
            StaffAction::Cancel => "cancel",
        }
    }
}

/// Why staff could not retry or cancel a message.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ActionError {
    #[error("no such message")]
    NotFound,
    #[error("the message is {0} and cannot be changed")]
    WrongState(&'static str),
    #[error(transparent)]
    Db(#[from] rusqlite::Error),
}

/// The wait before attempt `n + 1` after `n` failed: 10 s, 20 s, 40 s, ... capped at 10 minutes.
pub(crate) fn backoff(attempts: u32) -> Duration {
    Duration::seconds((10i64 << attempts.saturating_sub(1).min(6)).min(600))
}

/// Blanks runs of four or more digits (the codes) in a text.
pub(crate) fn mask_codes(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let run = chars[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        if run >= 4 {
            out.extend(std::iter::repeat_n('•', run));
            i += run;
        } else if run > 0 {
            out.extend(&chars[i..i + run]);
            i += run;
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}
