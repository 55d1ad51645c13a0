//! The email outbox: every email is first a row in SQLite, then the sender thread takes the
//! queued rows by priority, then age, and records what happened to each.
//!
//! States, as in the SMS outbox: `queued` → `sending` → `sent`, or back to `queued` with a
//! later `next_attempt_at` after a temporary error or while the relay cannot be reached,
//! `failed` for good (the relay refused it with a 5xx reply, or too many temporary errors),
//! `expired` (a login code not sent in time is not sent at all) or `cancelled` by staff.
//! A row left in `sending` by a crash is queued again at start-up ([`requeue_interrupted`]).
//!
//! An unreachable relay is not the email's fault: it moves `next_attempt_at` on (with the same
//! backoff) but never fails the email, which waits for the relay as SMS wait for the modem.
//!
//! A code email holds its code in `body` only until it leaves the outbox: when it is sent,
//! expires, fails or is cancelled, the digits are blanked (the SMS outbox's `mask_codes`).
//! Pages always show the masked text, and log lines never include a body.

use chrono::{DateTime, Duration, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::json;

use crate::audit::{self, Actor, Change};
use crate::ids::{CustomerId, EmailId};
use crate::sms::outbox::mask_codes;

/// What an email is for; decides its priority.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A login code for the portal, asked for instead of the SMS.
    Otp,
    /// A test email sent by staff.
    Test,
    /// The portal invitation (seed 000, step 9).
    Invitation,
}

impl Kind {
    /// Every kind, in priority order.
    pub(crate) const ALL: [Kind; 3] = [Kind::Otp, Kind::Test, Kind::Invitation];

    /// The kind's code in the database.
    pub(crate) fn code(self) -> &'static str {
        match self {
            Kind::Otp => "otp",
            Kind::Test => "test",
            Kind::Invitation => "invitation",
        }
    }

    /// The kind named by its code.
    pub(crate) fn from_code(code: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.code() == code)
    }

    /// Lower goes first: a customer waiting at the login page before anything else.
    pub(crate) fn priority(self) -> i64 {
        match self {
            Kind::Otp => 0,
            Kind::Test => 1,
            Kind::Invitation => 5,
        }
    }

    /// Whether the body carries a secret code to blank.
    pub(crate) fn carries_code(self) -> bool {
        matches!(self, Kind::Otp)
    }
}

/// An email's state: the same states as an SMS (both tables' CHECK constraints list them),
/// so both outboxes, their pages and their tests speak of one set.
pub(crate) use crate::sms::outbox::State;

/// An email to queue.
pub(crate) struct NewEmail<'a> {
    pub(crate) to: &'a str,
    pub(crate) subject: &'a str,
    pub(crate) body: &'a str,
    pub(crate) kind: Kind,
    /// Not sent after this: one-time codes.
    pub(crate) expires_at: Option<DateTime<Utc>>,
    pub(crate) customer: Option<&'a CustomerId>,
}

/// Queues an email. Call inside the transaction of the change that causes it, and wake the
/// sender after the commit.
pub(crate) fn enqueue(
    conn: &Connection,
    email: &NewEmail,
    now: DateTime<Utc>,
) -> rusqlite::Result<EmailId> {
    let id = EmailId::new(now);
    conn.prepare_cached(
        "INSERT INTO email_outbox (id, recipient, subject, body, kind, priority, state, next_attempt_at, expires_at,
                                   customer_id, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'queued', ?7, ?8, ?9, ?7, ?7)",
    )?
    .execute(params![
        id,
        email.to,
        email.subject,
        email.body,
        email.kind.code(),
        email.kind.priority(),
        now,
        email.expires_at,
        email.customer
    ])?;
    Ok(id)
}

/// An email taken for sending.
#[derive(Debug, Clone)]
pub(crate) struct Outgoing {
    pub(crate) id: EmailId,
    pub(crate) to: String,
    pub(crate) subject: String,
    pub(crate) body: String,
    pub(crate) kind: Kind,
    /// Attempts before this one.
    pub(crate) attempts: u32,
}

impl Outgoing {
    /// The body as it may be kept once the email has left the queue.
    fn kept_body(&self) -> String {
        if self.kind.carries_code() {
            mask_codes(&self.body)
        } else {
            self.body.clone()
        }
    }
}

/// Marks queued emails whose time ran out (login codes) as expired, never sent. Returns how
/// many.
pub(crate) fn expire_codes(conn: &Connection, now: DateTime<Utc>) -> rusqlite::Result<usize> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, body FROM email_outbox WHERE state = 'queued' AND expires_at IS NOT NULL AND expires_at <= ?1",
    )?;
    let due: Vec<(EmailId, String)> = stmt
        .query_map([now], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    for (id, body) in &due {
        conn.execute(
            "UPDATE email_outbox SET state = 'expired', body = ?2, updated_at = ?3 WHERE id = ?1",
            params![id, mask_codes(body), now],
        )?;
    }
    Ok(due.len())
}

/// The next email due (by priority, then age), marked `sending` in the same transaction.
pub(crate) fn take_next(
    conn: &mut Connection,
    now: DateTime<Utc>,
) -> rusqlite::Result<Option<Outgoing>> {
    let tx = crate::db::immediate(conn)?;
    expire_codes(&tx, now)?;
    let next = tx
        .prepare_cached(
            "SELECT id, recipient, subject, body, kind, attempts FROM email_outbox
             WHERE state = 'queued' AND next_attempt_at <= ?1
             ORDER BY priority, created_at LIMIT 1",
        )?
        .query_row([now], |r| {
            let kind: String = r.get(4)?;
            Ok(Outgoing {
                id: r.get(0)?,
                to: r.get(1)?,
                subject: r.get(2)?,
                body: r.get(3)?,
                // A kind this version does not know is treated as carrying a code, so its
                // body is blanked.
                kind: Kind::from_code(&kind).unwrap_or(Kind::Otp),
                attempts: r.get(5)?,
            })
        })
        .optional()?;
    if let Some(email) = &next {
        tx.execute(
            "UPDATE email_outbox SET state = 'sending', attempts = attempts + 1, updated_at = ?2 WHERE id = ?1",
            params![email.id, now],
        )?;
    }
    tx.commit()?;
    Ok(next)
}

/// Records an email the relay accepted.
pub(crate) fn mark_sent(
    conn: &Connection,
    email: &Outgoing,
    now: DateTime<Utc>,
) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE email_outbox SET state = 'sent', body = ?2, last_error = NULL, sent_at = ?3, updated_at = ?3
         WHERE id = ?1",
        params![email.id, email.kept_body(), now],
    )?;
    Ok(())
}

/// The wait before attempt `n + 1` after `n` failed: 10 s, 20 s, 40 s, ... capped at 10 minutes.
pub(crate) fn backoff(attempts: u32) -> Duration {
    crate::sms::outbox::backoff(attempts)
}

/// What became of one try to hand an email to the relay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Failure {
    /// The relay refused the email for good (a 5xx reply), or it cannot be built (a bad
    /// address): failed at once, with the reason.
    Permanent(String),
    /// The relay answered with a temporary error (a 4xx reply): tried again after a backoff,
    /// until `max_attempts`.
    Temporary(String),
    /// The relay could not be reached (connection refused, timeout, TLS): the email waits
    /// for it without using up its attempts.
    RelayDown(String),
}

/// Records a failed try; returns the email's state after it.
pub(crate) fn mark_failed_attempt(
    conn: &Connection,
    email: &Outgoing,
    failure: &Failure,
    max_attempts: u32,
    now: DateTime<Utc>,
) -> rusqlite::Result<State> {
    let attempts = email.attempts + 1;
    let (reason, retry) = match failure {
        Failure::Permanent(reason) => (reason.clone(), false),
        Failure::Temporary(reason) if attempts < max_attempts => (reason.clone(), true),
        Failure::Temporary(reason) => (
            format!("gave up after {attempts} attempts: {reason}"),
            false,
        ),
        Failure::RelayDown(reason) => (reason.clone(), true),
    };
    if retry {
        conn.execute(
            "UPDATE email_outbox SET state = 'queued', last_error = ?2, next_attempt_at = ?3, updated_at = ?4
             WHERE id = ?1",
            params![email.id, reason, now + backoff(attempts), now],
        )?;
        return Ok(State::Queued);
    }
    conn.execute(
        "UPDATE email_outbox SET state = 'failed', last_error = ?2, body = ?3, updated_at = ?4 WHERE id = ?1",
        params![email.id, reason, email.kept_body(), now],
    )?;
    Ok(State::Failed)
}

/// At start-up: emails a crash left in `sending` are queued again (the relay may then get one
/// of them twice, as ARCHITECTURE.md says of SMS).
pub(crate) fn requeue_interrupted(
    conn: &Connection,
    now: DateTime<Utc>,
) -> rusqlite::Result<usize> {
    conn.execute(
        "UPDATE email_outbox SET state = 'queued', updated_at = ?1 WHERE state = 'sending'",
        [now],
    )
}

/// How many emails wait to be sent.
pub(crate) fn queued(conn: &Connection) -> rusqlite::Result<i64> {
    conn.prepare_cached("SELECT COUNT(*) FROM email_outbox WHERE state = 'queued'")?
        .query_row([], |r| r.get(0))
}

/// Counts, by state and kind.
pub(crate) fn counts(conn: &Connection) -> rusqlite::Result<Vec<(State, Kind, i64)>> {
    let mut stmt =
        conn.prepare_cached("SELECT state, kind, COUNT(*) FROM email_outbox GROUP BY state, kind")?;
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

/// An email as listed on staff pages (codes masked).
pub(crate) struct Listed {
    pub(crate) id: EmailId,
    pub(crate) to: String,
    pub(crate) subject: String,
    pub(crate) body: String,
    pub(crate) kind: Kind,
    pub(crate) state: State,
    pub(crate) attempts: u32,
    pub(crate) last_error: Option<String>,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) sent_at: Option<DateTime<Utc>>,
}

/// The columns [`listed`] reads.
const LISTED: &str =
    "id, recipient, subject, body, kind, state, attempts, last_error, created_at, sent_at";

/// A listed email from a row of [`LISTED`]; code bodies are always masked.
fn listed(r: &rusqlite::Row) -> rusqlite::Result<Listed> {
    let kind = Kind::from_code(&r.get::<_, String>(4)?).unwrap_or(Kind::Otp);
    let body: String = r.get(3)?;
    Ok(Listed {
        id: r.get(0)?,
        to: r.get(1)?,
        subject: r.get(2)?,
        body: if kind.carries_code() {
            mask_codes(&body)
        } else {
            body
        },
        kind,
        state: State::from_code(&r.get::<_, String>(5)?).unwrap_or(State::Failed),
        attempts: r.get(6)?,
        last_error: r.get(7)?,
        created_at: r.get(8)?,
        sent_at: r.get(9)?,
    })
}

/// The newest emails, codes masked.
pub(crate) fn recent(conn: &Connection, limit: u32) -> rusqlite::Result<Vec<Listed>> {
    conn.prepare_cached(&format!(
        "SELECT {LISTED} FROM email_outbox ORDER BY created_at DESC, id DESC LIMIT ?1"
    ))?
    .query_map([limit], listed)?
    .collect()
}

/// A customer's emails of one kind, newest first (the invitations on the customer page).
pub(crate) fn of_customer(
    conn: &Connection,
    customer: &CustomerId,
    kind: Kind,
    limit: u32,
) -> rusqlite::Result<Vec<Listed>> {
    conn.prepare_cached(&format!(
        "SELECT {LISTED} FROM email_outbox WHERE customer_id = ?1 AND kind = ?2
         ORDER BY created_at DESC, id DESC LIMIT ?3"
    ))?
    .query_map(params![customer, kind.code(), limit], listed)?
    .collect()
}

/// Why staff could not retry or cancel an email.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ActionError {
    #[error("no such email")]
    NotFound,
    #[error("the email is {0} and cannot be changed")]
    WrongState(&'static str),
    #[error(transparent)]
    Db(#[from] rusqlite::Error),
}

/// Staff: queue a failed email again (codes are not retried: the customer asks for a new one).
pub(crate) fn retry(
    conn: &Connection,
    actor: &Actor,
    id: &EmailId,
    now: DateTime<Utc>,
) -> Result<(), ActionError> {
    let (state, kind) = state_of(conn, id)?;
    if state != State::Failed || kind.carries_code() {
        return Err(ActionError::WrongState(state.code()));
    }
    conn.execute(
        "UPDATE email_outbox SET state = 'queued', attempts = 0, next_attempt_at = ?2, updated_at = ?2 WHERE id = ?1",
        params![id, now],
    )?;
    let change = Change {
        action: "email.retry",
        entity: "email",
        entity_id: id.as_str(),
        before: Some(json!({ "state": state.code() })),
        after: Some(json!({ "state": "queued" })),
    };
    audit::record(conn, actor, &change, now)?;
    Ok(())
}

/// Staff: cancel a queued or failed email.
pub(crate) fn cancel(
    conn: &Connection,
    actor: &Actor,
    id: &EmailId,
    now: DateTime<Utc>,
) -> Result<(), ActionError> {
    let (state, _) = state_of(conn, id)?;
    if !matches!(state, State::Queued | State::Failed) {
        return Err(ActionError::WrongState(state.code()));
    }
    let body: String =
        conn.query_row("SELECT body FROM email_outbox WHERE id = ?1", [id], |r| {
            r.get(0)
        })?;
    conn.execute(
        "UPDATE email_outbox SET state = 'cancelled', body = ?2, updated_at = ?3 WHERE id = ?1",
        params![id, mask_codes(&body), now],
    )?;
    let change = Change {
        action: "email.cancel",
        entity: "email",
        entity_id: id.as_str(),
        before: Some(json!({ "state": state.code() })),
        after: Some(json!({ "state": "cancelled" })),
    };
    audit::record(conn, actor, &change, now)?;
    Ok(())
}

/// An email's state and kind.
fn state_of(conn: &Connection, id: &EmailId) -> Result<(State, Kind), ActionError> {
    let row: Option<(String, String)> = conn
        .query_row(
            "SELECT state, kind FROM email_outbox WHERE id = ?1",
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

    fn queue(
        conn: &Connection,
        kind: Kind,
        body: &str,
        now: DateTime<Utc>,
        expires: Option<DateTime<Utc>>,
    ) -> EmailId {
        let email = NewEmail {
            to: "siti@example.com",
            subject: "Subject",
            body,
            kind,
            expires_at: expires,
            customer: None,
        };
        enqueue(conn, &email, now).unwrap()
    }

    fn t0() -> DateTime<Utc> {
        DateTime::from_timestamp(1_700_000_000, 0).unwrap()
    }

    fn body_in(conn: &Connection, state: State) -> String {
        conn.query_row(
            "SELECT body FROM email_outbox WHERE state = ?1",
            [state.code()],
            |r| r.get(0),
        )
        .unwrap()
    }

    #[test]
    fn codes_go_first_expire_unsent_and_are_blanked_once_sent() {
        let (_dir, db) = crate::db::tests::test_db();
        let mut conn = db.conn().unwrap();
        let t0 = t0();
        for i in 0..3 {
            queue(
                &conn,
                Kind::Invitation,
                &format!("invitation {i}"),
                t0,
                None,
            );
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
        let now = t0 + Duration::seconds(10);
        let first = take_next(&mut conn, now).unwrap().unwrap();
        assert_eq!(
            first.body, "Your code is 123456",
            "the live code goes first"
        );
        assert_eq!(first.attempts, 0);
        assert_eq!(body_in(&conn, State::Expired), "Your code is ••••••");
        let second = take_next(&mut conn, now).unwrap().unwrap();
        assert_eq!(
            second.body, "invitation 0",
            "then invitations, oldest first"
        );
        mark_sent(&conn, &first, now).unwrap();
        assert_eq!(body_in(&conn, State::Sent), "Your code is ••••••");
        mark_sent(&conn, &second, now).unwrap();
        let invitation: String = conn
            .query_row(
                "SELECT body FROM email_outbox WHERE id = ?1",
                [&second.id],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(invitation, "invitation 0", "only codes are blanked");
    }

    #[test]
    fn temporary_errors_back_off_then_fail_and_permanent_ones_fail_at_once() {
        let (_dir, db) = crate::db::tests::test_db();
        let mut conn = db.conn().unwrap();
        let t0 = t0();
        queue(&conn, Kind::Invitation, "hello", t0, None);
        let busy = Failure::Temporary("transient error (451): try later".to_owned());
        let m = take_next(&mut conn, t0).unwrap().unwrap();
        assert_eq!(
            mark_failed_attempt(&conn, &m, &busy, 3, t0).unwrap(),
            State::Queued
        );
        assert!(
            take_next(&mut conn, t0 + Duration::seconds(9))
                .unwrap()
                .is_none(),
            "waits for its backoff"
        );
        let m = take_next(&mut conn, t0 + Duration::seconds(10))
            .unwrap()
            .unwrap();
        assert_eq!(m.attempts, 1);
        let t1 = t0 + Duration::seconds(10);
        mark_failed_attempt(&conn, &m, &busy, 3, t1).unwrap();
        assert!(
            take_next(&mut conn, t1 + Duration::seconds(19))
                .unwrap()
                .is_none(),
            "the second wait is twice as long"
        );
        let m = take_next(&mut conn, t1 + Duration::seconds(20))
            .unwrap()
            .unwrap();
        assert_eq!(
            mark_failed_attempt(&conn, &m, &busy, 3, t1).unwrap(),
            State::Failed
        );
        let reason: String = conn
            .query_row("SELECT last_error FROM email_outbox", [], |r| r.get(0))
            .unwrap();
        assert_eq!(
            reason,
            "gave up after 3 attempts: transient error (451): try later"
        );

        queue(&conn, Kind::Otp, "Code 123456", t0, None);
        let m = take_next(&mut conn, t0).unwrap().unwrap();
        let refused = Failure::Permanent("permanent error (550): mailbox unavailable".to_owned());
        assert_eq!(
            mark_failed_attempt(&conn, &m, &refused, 3, t0).unwrap(),
            State::Failed
        );
        let (reason, body): (String, String) = conn
            .query_row(
                "SELECT last_error, body FROM email_outbox WHERE id = ?1",
                [&m.id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!(reason, "permanent error (550): mailbox unavailable");
        assert_eq!(body, "Code ••••••", "a failed code is blanked too");
    }

    #[test]
    fn an_unreachable_relay_never_fails_an_email_and_crashes_requeue() {
        let (_dir, db) = crate::db::tests::test_db();
        let mut conn = db.conn().unwrap();
        let mut now = t0();
        queue(&conn, Kind::Test, "test", now, None);
        let down = Failure::RelayDown("Connection error: connection refused".to_owned());
        for _ in 0..20 {
            let m = take_next(&mut conn, now).unwrap().unwrap();
            assert_eq!(
                mark_failed_attempt(&conn, &m, &down, 3, now).unwrap(),
                State::Queued
            );
            now += Duration::minutes(10);
        }
        let m = take_next(&mut conn, now).unwrap().unwrap();
        assert_eq!(m.attempts, 20, "attempts are counted for staff to see");
        assert!(take_next(&mut conn, now).unwrap().is_none());
        assert_eq!(requeue_interrupted(&conn, now).unwrap(), 1);
        let again = take_next(&mut conn, now).unwrap().unwrap();
        assert_eq!(
            again.id, m.id,
            "a crash while sending queues the email again"
        );
        mark_sent(&conn, &again, now).unwrap();
        assert_eq!(queued(&conn).unwrap(), 0);
    }

    #[test]
    fn staff_retry_failed_emails_but_not_codes_and_cancel_blanks_codes() {
        let (_dir, db) = crate::db::tests::test_db();
        let mut conn = db.conn().unwrap();
        let t0 = t0();
        let actor = Actor::System;
        let invitation = queue(&conn, Kind::Invitation, "hello", t0, None);
        let code = queue(&conn, Kind::Otp, "Code 123456", t0, None);
        assert!(matches!(
            retry(&conn, &actor, &invitation, t0),
            Err(ActionError::WrongState("queued"))
        ));
        let m = take_next(&mut conn, t0).unwrap().unwrap();
        assert_eq!(m.id, code);
        mark_failed_attempt(&conn, &m, &Failure::Permanent("550".to_owned()), 3, t0).unwrap();
        assert!(matches!(
            retry(&conn, &actor, &code, t0),
            Err(ActionError::WrongState("failed"))
        ));
        let m = take_next(&mut conn, t0).unwrap().unwrap();
        mark_failed_attempt(&conn, &m, &Failure::Permanent("550".to_owned()), 3, t0).unwrap();
        retry(&conn, &actor, &invitation, t0).unwrap();
        assert_eq!(queued(&conn).unwrap(), 1);
        cancel(&conn, &actor, &invitation, t0).unwrap();
        assert_eq!(queued(&conn).unwrap(), 0);
        let other = queue(&conn, Kind::Otp, "Code 999999", t0, None);
        cancel(&conn, &actor, &other, t0).unwrap();
        let listed = recent(&conn, 10).unwrap();
        assert!(listed.iter().all(|m| !m.body.contains("999999")));
        assert!(matches!(
            cancel(&conn, &actor, &other, t0),
            Err(ActionError::WrongState("cancelled"))
        ));
    }
}
