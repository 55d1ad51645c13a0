//! The SMS outbox: every message is first a row in SQLite, then the sender thread takes the
//! queued rows by priority, then age, and records what happened to each.
//!
//! States: `queued` → `sending` → `sent`, or back to `queued` with a later `next_attempt_at`
//! after a transient error, or `failed` for good (permanent error, or too many attempts),
//! `expired` (a one-time code, or a reminder outside the sending hours, not sent in time is not
//! sent at all) or `cancelled` by staff.
//! A row left in `sending` by a crash is queued again at start-up ([`requeue_interrupted`]).
//!
//! A code message holds its code in `body` only until it leaves the outbox: when it is sent,
//! expires, fails or is cancelled, the digits are blanked ([`mask_codes`]). Pages always show
//! the masked text, and log lines never include a body.

use chrono::{DateTime, Duration, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::json;

use crate::audit::{self, Actor, Change};
use crate::ids::{CustomerId, SmsId};
use crate::phone::E164;

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

impl Kind {
    /// Every kind, in priority order.
    pub(crate) const ALL: [Kind; 7] = [
        Kind::Otp,
        Kind::Verification,
        Kind::Test,
        Kind::FollowUp,
        Kind::Notice,
        Kind::Reminder,
        Kind::Campaign,
    ];

    /// The kind's code in the database.
    pub(crate) fn code(self) -> &'static str {
        match self {
            Kind::Otp => "otp",
            Kind::Verification => "verification",
            Kind::Test => "test",
            Kind::FollowUp => "follow_up",
            Kind::Notice => "notice",
            Kind::Reminder => "reminder",
            Kind::Campaign => "campaign",
        }
    }

    /// The kind named by its code.
    pub(crate) fn from_code(code: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.code() == code)
    }

    /// Lower goes first: codes before anything else, bulk messages last.
    pub(crate) fn priority(self) -> i64 {
        match self {
            Kind::Otp | Kind::Verification => 0,
            Kind::Test => 1,
            Kind::FollowUp | Kind::Notice => 5,
            Kind::Reminder => 8,
            Kind::Campaign => 9,
        }
    }

    /// Whether the text carries a secret code to blank.
    pub(crate) fn carries_code(self) -> bool {
        matches!(self, Kind::Otp | Kind::Verification)
    }

    /// Bulk messages are paced; codes and staff messages never wait.
    pub(crate) fn is_bulk(self) -> bool {
        self.priority() >= 5
    }
}

/// Where a message is.
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

    /// The state named by its code.
    pub(crate) fn from_code(code: &str) -> Option<State> {
        State::ALL.into_iter().find(|s| s.code() == code)
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
    let id = SmsId::new(now);
    conn.prepare_cached(
        "INSERT INTO sms_outbox (id, recipient, body, kind, priority, state, next_attempt_at, expires_at,
                                 customer_id, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, 'queued', ?6, ?7, ?8, ?6, ?6)",
    )?
    .execute(params![
        id,
        sms.to.as_str(),
        sms.text,
        sms.kind.code(),
        sms.kind.priority(),
        now,
        sms.expires_at,
        sms.customer
    ])?;
    Ok(id)
}

/// A message taken for sending.
#[derive(Debug, Clone)]
pub(crate) struct Outgoing {
    pub(crate) id: SmsId,
    pub(crate) to: String,
    pub(crate) text: String,
    pub(crate) kind: Kind,
    pub(crate) attempts: u32,
}

/// Marks messages whose time ran out as expired (never sent): codes, and reminders not sent
/// within the day's sending hours. Returns how many.
pub(crate) fn expire_codes(conn: &Connection, now: DateTime<Utc>) -> rusqlite::Result<usize> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, body, kind FROM sms_outbox WHERE state = 'queued' AND expires_at IS NOT NULL AND expires_at <= ?1",
    )?;
    let due: Vec<(SmsId, String, String)> = stmt
        .query_map([now], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    for (id, body, kind) in &due {
        let body = match Kind::from_code(kind) {
            Some(kind) if !kind.carries_code() => body.clone(),
            _ => mask_codes(body),
        };
        conn.execute(
            "UPDATE sms_outbox SET state = 'expired', body = ?2, updated_at = ?3 WHERE id = ?1",
            params![id, body, now],
        )?;
    }
    Ok(due.len())
}

/// The next message due (by priority, then age), marked `sending` in the same transaction.
pub(crate) fn take_next(
    conn: &mut Connection,
    now: DateTime<Utc>,
) -> rusqlite::Result<Option<Outgoing>> {
    let tx = crate::db::immediate(conn)?;
    expire_codes(&tx, now)?;
    let next = tx
        .prepare_cached(
            "SELECT id, recipient, body, kind, attempts FROM sms_outbox
             WHERE state = 'queued' AND next_attempt_at <= ?1
             ORDER BY priority, created_at LIMIT 1",
        )?
        .query_row([now], |r| {
            let kind: String = r.get(3)?;
            Ok(Outgoing {
                id: r.get(0)?,
                to: r.get(1)?,
                text: r.get(2)?,
                kind: Kind::from_code(&kind).unwrap_or(Kind::Campaign),
                attempts: r.get(4)?,
            })
        })
        .optional()?;
    if let Some(message) = &next {
        tx.execute(
            "UPDATE sms_outbox SET state = 'sending', attempts = attempts + 1, updated_at = ?2 WHERE id = ?1",
            params![message.id, now],
        )?;
    }
    tx.commit()?;
    Ok(next)
}

/// Records a message the modem accepted.
pub(crate) fn mark_sent(
    conn: &Connection,
    message: &Outgoing,
    references: &[u8],
    now: DateTime<Utc>,
) -> rusqlite::Result<()> {
    let refs = references
        .iter()
        .map(u8::to_string)
        .collect::<Vec<_>>()
        .join(",");
    let body = if message.kind.carries_code() {
        mask_codes(&message.text)
    } else {
        message.text.clone()
    };
    conn.execute(
        "UPDATE sms_outbox SET state = 'sent', modem_reference = ?2, body = ?3, last_error = NULL, sent_at = ?4,
                               updated_at = ?4
         WHERE id = ?1",
        params![message.id, refs, body, now],
    )?;
    Ok(())
}

/// The wait before attempt `n + 1` after `n` failed: 10 s, 20 s, 40 s, ... capped at 10 minutes.
pub(crate) fn backoff(attempts: u32) -> Duration {
    Duration::seconds((10i64 << attempts.saturating_sub(1).min(6)).min(600))
}

/// Records a failed attempt: queued again after a backoff while attempts remain and the error
/// may pass, else failed for good with its reason.
pub(crate) fn mark_failed_attempt(
    conn: &Connection,
    message: &Outgoing,
    reason: &str,
    transient: bool,
    max_attempts: u32,
    now: DateTime<Utc>,
) -> rusqlite::Result<State> {
    let attempts = message.attempts + 1;
    if transient && attempts < max_attempts {
        conn.execute(
            "UPDATE sms_outbox SET state = 'queued', last_error = ?2, next_attempt_at = ?3, updated_at = ?4 WHERE id = ?1",
            params![message.id, reason, now + backoff(attempts), now],
        )?;
        return Ok(State::Queued);
    }
    let body = if message.kind.carries_code() {
        mask_codes(&message.text)
    } else {
        message.text.clone()
    };
    let reason = if transient {
        format!("gave up after {attempts} attempts: {reason}")
    } else {
        reason.to_owned()
    };
    conn.execute(
        "UPDATE sms_outbox SET state = 'failed', last_error = ?2, body = ?3, updated_at = ?4 WHERE id = ?1",
        params![message.id, reason, body, now],
    )?;
    Ok(State::Failed)
}

/// Puts a message back in the queue without counting an attempt (the modem went away before
/// it was handed over).
pub(crate) fn requeue(
    conn: &Connection,
    message: &Outgoing,
    now: DateTime<Utc>,
) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE sms_outbox SET state = 'queued', attempts = attempts - 1, updated_at = ?2 WHERE id = ?1",
        params![message.id, now],
    )?;
    Ok(())
}

/// At start-up: messages a crash left in `sending` are queued again (see ARCHITECTURE.md on
/// the duplicate this can cause).
pub(crate) fn requeue_interrupted(
    conn: &Connection,
    now: DateTime<Utc>,
) -> rusqlite::Result<usize> {
    conn.execute(
        "UPDATE sms_outbox SET state = 'queued', updated_at = ?1 WHERE state = 'sending'",
        [now],
    )
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

/// How many messages wait to be sent (the partial index on queued rows answers it, however
/// long the outbox's history grows).
pub(crate) fn queued(conn: &Connection) -> rusqlite::Result<i64> {
    conn.prepare_cached("SELECT COUNT(*) FROM sms_outbox WHERE state = 'queued'")?
        .query_row([], |r| r.get(0))
}

/// Queue counts, by state and kind.
pub(crate) fn counts(conn: &Connection) -> rusqlite::Result<Vec<(State, Kind, i64)>> {
    let mut stmt =
        conn.prepare_cached("SELECT state, kind, COUNT(*) FROM sms_outbox GROUP BY state, kind")?;
    let rows = stmt.query_map([], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get(2)?))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (state, kind, n) = row?;
        if let (Some(state), Some(kind)) = (State::from_code(&state), Kind::from_code(&kind)) {
            out.push((state, kind, n));
        }
    }
    Ok(out)
}

/// A message as listed on the staff page (text masked).
pub(crate) struct Listed {
    pub(crate) id: SmsId,
    pub(crate) to: String,
    pub(crate) text: String,
    pub(crate) kind: Kind,
    pub(crate) state: State,
    pub(crate) attempts: u32,
    pub(crate) last_error: Option<String>,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) sent_at: Option<DateTime<Utc>>,
}

/// The newest messages, codes masked.
pub(crate) fn recent(conn: &Connection, limit: u32) -> rusqlite::Result<Vec<Listed>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, recipient, body, kind, state, attempts, last_error, created_at, sent_at
         FROM sms_outbox ORDER BY created_at DESC, id DESC LIMIT ?1",
    )?;
    stmt.query_map([limit], |r| {
        let kind = Kind::from_code(&r.get::<_, String>(3)?).unwrap_or(Kind::Campaign);
        let body: String = r.get(2)?;
        Ok(Listed {
            id: r.get(0)?,
            to: r.get(1)?,
            text: if kind.carries_code() {
                mask_codes(&body)
            } else {
                body
            },
            kind,
            state: State::from_code(&r.get::<_, String>(4)?).unwrap_or(State::Failed),
            attempts: r.get(5)?,
            last_error: r.get(6)?,
            created_at: r.get(7)?,
            sent_at: r.get(8)?,
        })
    })?
    .collect()
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

/// Staff: queue a failed message again (codes are not retried: the customer asks for a new one).
pub(crate) fn retry(
    conn: &Connection,
    actor: &Actor,
    id: &SmsId,
    now: DateTime<Utc>,
) -> Result<(), ActionError> {
    let (state, kind) = state_of(conn, id)?;
    if state != State::Failed || kind.carries_code() {
        return Err(ActionError::WrongState(state.code()));
    }
    conn.execute(
        "UPDATE sms_outbox SET state = 'queued', attempts = 0, next_attempt_at = ?2, updated_at = ?2 WHERE id = ?1",
        params![id, now],
    )?;
    let change = Change {
        action: "sms.retry",
        entity: "sms",
        entity_id: id.as_str(),
        before: Some(json!({ "state": state.code() })),
        after: Some(json!({ "state": "queued" })),
    };
    audit::record(conn, actor, &change, now)?;
    Ok(())
}

/// Staff: cancel a queued or failed message.
pub(crate) fn cancel(
    conn: &Connection,
    actor: &Actor,
    id: &SmsId,
    now: DateTime<Utc>,
) -> Result<(), ActionError> {
    let (state, _) = state_of(conn, id)?;
    if !matches!(state, State::Queued | State::Failed) {
        return Err(ActionError::WrongState(state.code()));
    }
    let body: String = conn.query_row("SELECT body FROM sms_outbox WHERE id = ?1", [id], |r| {
        r.get(0)
    })?;
    conn.execute(
        "UPDATE sms_outbox SET state = 'cancelled', body = ?2, updated_at = ?3 WHERE id = ?1",
        params![id, mask_codes(&body), now],
    )?;
    let change = Change {
        action: "sms.cancel",
        entity: "sms",
        entity_id: id.as_str(),
        before: Some(json!({ "state": state.code() })),
        after: Some(json!({ "state": "cancelled" })),
    };
    audit::record(conn, actor, &change, now)?;
    Ok(())
}

/// A message's state and kind.
fn state_of(conn: &Connection, id: &SmsId) -> Result<(State, Kind), ActionError> {
    let row: Option<(String, String)> = conn
        .query_row(
            "SELECT state, kind FROM sms_outbox WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let (state, kind) = row.ok_or(ActionError::NotFound)?;
    Ok((
        State::from_code(&state).ok_or(ActionError::NotFound)?,
        Kind::from_code(&kind).ok_or(ActionError::NotFound)?,
    ))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::phone;

    fn queue(
        conn: &Connection,
        kind: Kind,
        text: &str,
        now: DateTime<Utc>,
        expires: Option<DateTime<Utc>>,
    ) -> SmsId {
        let to = phone::normalise("081234567890", "ID").unwrap();
        enqueue(
            conn,
            &NewSms {
                to: &to,
                text,
                kind,
                expires_at: expires,
                customer: None,
            },
            now,
        )
        .unwrap()
    }

    #[test]
    fn codes_overtake_reminders_and_expired_codes_are_never_taken() {
        let (_dir, db) = crate::db::tests::test_db();
        let mut conn = db.conn().unwrap();
        let t0 = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        for i in 0..100 {
            queue(&conn, Kind::Reminder, &format!("reminder {i}"), t0, None);
        }
        queue(
            &conn,
            Kind::Otp,
            "Your code is 123456",
            t0 + Duration::seconds(5),
            Some(t0 + Duration::minutes(5)),
        );
        queue(
            &conn,
            Kind::Otp,
            "Your code is 654321",
            t0,
            Some(t0 + Duration::seconds(1)),
        );
        let first = take_next(&mut conn, t0 + Duration::seconds(10))
            .unwrap()
            .unwrap();
        assert_eq!(
            first.text, "Your code is 123456",
            "the expired code is skipped, the live one goes first"
        );
        let second = take_next(&mut conn, t0 + Duration::seconds(10))
            .unwrap()
            .unwrap();
        assert_eq!(second.text, "reminder 0", "then reminders, oldest first");
        let expired: String = conn
            .query_row(
                "SELECT body FROM sms_outbox WHERE state = 'expired'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(expired, "Your code is ••••••");
        mark_sent(&conn, &first, &[7], t0).unwrap();
        let sent: String = conn
            .query_row(
                "SELECT body FROM sms_outbox WHERE state = 'sent'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(sent, "Your code is ••••••", "codes are blanked once sent");
    }

    #[test]
    fn retries_back_off_then_fail_and_crashes_requeue() {
        let (_dir, db) = crate::db::tests::test_db();
        let mut conn = db.conn().unwrap();
        let t0 = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        queue(&conn, Kind::Reminder, "hello", t0, None);
        let m = take_next(&mut conn, t0).unwrap().unwrap();
        assert_eq!(
            mark_failed_attempt(&conn, &m, "network timeout", true, 3, t0).unwrap(),
            State::Queued
        );
        assert!(
            take_next(&mut conn, t0 + Duration::seconds(5))
                .unwrap()
                .is_none(),
            "waits for its backoff"
        );
        let m = take_next(&mut conn, t0 + Duration::seconds(10))
            .unwrap()
            .unwrap();
        assert_eq!(m.attempts, 1);
        assert_eq!(
            mark_failed_attempt(&conn, &m, "network timeout", true, 3, t0).unwrap(),
            State::Queued
        );
        let m = take_next(&mut conn, t0 + Duration::minutes(5))
            .unwrap()
            .unwrap();
        assert_eq!(
            mark_failed_attempt(&conn, &m, "network timeout", true, 3, t0).unwrap(),
            State::Failed
        );
        let reason: String = conn
            .query_row("SELECT last_error FROM sms_outbox", [], |r| r.get(0))
            .unwrap();
        assert_eq!(reason, "gave up after 3 attempts: network timeout");

        queue(&conn, Kind::Test, "x", t0, None);
        let m = take_next(&mut conn, t0).unwrap().unwrap();
        assert_eq!(
            mark_failed_attempt(&conn, &m, "unassigned number", false, 3, t0).unwrap(),
            State::Failed
        );

        queue(&conn, Kind::Notice, "crash", t0, None);
        take_next(&mut conn, t0).unwrap().unwrap();
        assert_eq!(requeue_interrupted(&conn, t0).unwrap(), 1);
        assert_eq!(take_next(&mut conn, t0).unwrap().unwrap().text, "crash");
    }

    #[test]
    fn masking() {
        assert_eq!(
            mask_codes("Kode 123456 berlaku 5 menit"),
            "Kode •••••• berlaku 5 menit"
        );
        assert_eq!(mask_codes("Ticket 12 due"), "Ticket 12 due");
        assert_eq!(backoff(1), Duration::seconds(10));
        assert_eq!(backoff(2), Duration::seconds(20));
        assert_eq!(backoff(20), Duration::seconds(600));
    }
}
