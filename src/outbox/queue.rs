//! The queue's SQL, once for every channel: each statement is built from the channel's
//! [`Spec`] (its table, a constant) the first time it is needed, and prepared cached.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, ToSql, params};
use serde_json::json;

use super::{
    ActionError, Channel, Failure, Listed, MessageId, MessageKind, New, Outgoing, Spec,
    StaffAction, State, backoff, mask_codes,
};
use crate::audit::{self, Actor, Change};
use crate::plumbing::ids::CustomerId;

/// A channel's statements.
pub(super) struct Sql {
    insert: String,
    expiring: String,
    expire: String,
    next: String,
    start: String,
    sent: String,
    later: String,
    fail: String,
    put_back: String,
    interrupted: String,
    queued: String,
    counts: String,
    recent: String,
    of_customer: String,
    retry: String,
    body_of: String,
    cancel: String,
    state_of: String,
}

impl Sql {
    /// The statements for `spec`'s table.
    fn new(spec: &Spec) -> Sql {
        let t = spec.table;
        // Channels without subjects read NULL, so every channel's rows are read alike.
        let subject = if spec.subject { "subject" } else { "NULL" };
        let (subject_column, subject_value) = if spec.subject {
            (", subject", ", ?9")
        } else {
            ("", "")
        };
        let reference = spec
            .reference
            .map_or(String::new(), |column| format!(", {column} = ?4"));
        // The columns of a message (read by `message`), then those of a listing.
        let message = format!("id, recipient, {subject}, body, kind, attempts");
        let listed = format!("{message}, state, last_error, created_at, sent_at");
        Sql {
            insert: format!(
                "INSERT INTO {t} (id, recipient, body, kind, priority, state, next_attempt_at, expires_at,
                                  customer_id, created_at, updated_at{subject_column})
                 VALUES (?1, ?2, ?3, ?4, ?5, 'queued', ?6, ?7, ?8, ?6, ?6{subject_value})"
            ),
            expiring: format!(
                "SELECT id, body, kind FROM {t}
                 WHERE state = 'queued' AND expires_at IS NOT NULL AND expires_at <= ?1"
            ),
            expire: format!(
                "UPDATE {t} SET state = 'expired', body = ?2, updated_at = ?3 WHERE id = ?1"
            ),
            next: format!(
                "SELECT {message} FROM {t} WHERE state = 'queued' AND next_attempt_at <= ?1
                 ORDER BY priority, created_at LIMIT 1"
            ),
            start: format!(
                "UPDATE {t} SET state = 'sending', attempts = attempts + 1, updated_at = ?2 WHERE id = ?1"
            ),
            sent: format!(
                "UPDATE {t} SET state = 'sent', body = ?2, last_error = NULL, sent_at = ?3, updated_at = ?3{reference}
                 WHERE id = ?1"
            ),
            later: format!(
                "UPDATE {t} SET state = 'queued', last_error = ?2, next_attempt_at = ?3, updated_at = ?4
                 WHERE id = ?1"
            ),
            fail: format!(
                "UPDATE {t} SET state = 'failed', last_error = ?2, body = ?3, updated_at = ?4 WHERE id = ?1"
            ),
            put_back: format!(
                "UPDATE {t} SET state = 'queued', attempts = attempts - 1, updated_at = ?2 WHERE id = ?1"
            ),
            interrupted: format!(
                "UPDATE {t} SET state = 'queued', updated_at = ?1 WHERE state = 'sending'"
            ),
            queued: format!("SELECT COUNT(*) FROM {t} WHERE state = 'queued'"),
            counts: format!("SELECT state, kind, COUNT(*) FROM {t} GROUP BY state, kind"),
            recent: format!("SELECT {listed} FROM {t} ORDER BY created_at DESC, id DESC LIMIT +?1"),
            of_customer: format!(
                "SELECT {listed} FROM {t} WHERE customer_id = ?1 AND kind = ?2
                 ORDER BY created_at DESC, id DESC LIMIT +?3"
            ),
            retry: format!(
                "UPDATE {t} SET state = 'queued', attempts = 0, next_attempt_at = ?2, updated_at = ?2
                 WHERE id = ?1"
            ),
            body_of: format!("SELECT body FROM {t} WHERE id = ?1"),
            cancel: format!(
                "UPDATE {t} SET state = 'cancelled', body = ?2, updated_at = ?3 WHERE id = ?1"
            ),
            state_of: format!("SELECT state, kind FROM {t} WHERE id = ?1"),
        }
    }
}

impl<K: MessageKind, I: MessageId> Channel<K, I> {
    /// The channel's statements, built on first use.
    fn sql(&self) -> &Sql {
        self.sql.get_or_init(|| Sql::new(&self.spec))
    }

    /// Queues a message. Call inside the transaction of the change that causes it, and wake
    /// the sender after the commit.
    pub(crate) fn enqueue(
        &self,
        conn: &Connection,
        message: &New<K>,
        now: DateTime<Utc>,
    ) -> rusqlite::Result<I> {
        let id = I::mint(now);
        let (kind, priority) = (message.kind.code(), message.kind.priority());
        let mut values: Vec<&dyn ToSql> = vec![
            &id,
            &message.to,
            &message.body,
            &kind,
            &priority,
            &now,
            &message.expires_at,
            &message.customer,
        ];
        let subject = message.subject.unwrap_or_default();
        if self.spec.subject {
            values.push(&subject);
        }
        conn.prepare_cached(&self.sql().insert)?
            .execute(values.as_slice())?;
        Ok(id)
    }

    /// Marks messages whose time ran out as expired (never sent): codes, and reminders not
    /// sent within the day's sending hours. Returns how many.
    pub(crate) fn expire_codes(
        &self,
        conn: &Connection,
        now: DateTime<Utc>,
    ) -> rusqlite::Result<usize> {
        let mut stmt = conn.prepare_cached(&self.sql().expiring)?;
        let due: Vec<(I, String, String)> = stmt
            .query_map([now], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<Result<_, _>>()?;
        for (id, body, kind) in &due {
            // A kind this version does not know is blanked, in case it carries a code.
            let body = match K::from_code(kind) {
                Some(kind) if !kind.carries_code() => body.clone(),
                _ => mask_codes(body),
            };
            conn.prepare_cached(&self.sql().expire)?
                .execute(params![id, body, now])?;
        }
        Ok(due.len())
    }

    /// The next message due (by priority, then age), marked `sending` in the same
    /// transaction, after expiring what ran out of time.
    pub(crate) fn take_next(
        &self,
        conn: &mut Connection,
        now: DateTime<Utc>,
    ) -> rusqlite::Result<Option<Outgoing<K, I>>> {
        let tx = crate::plumbing::db::immediate(conn)?;
        self.expire_codes(&tx, now)?;
        let next = tx
            .prepare_cached(&self.sql().next)?
            .query_row([now], message)
            .optional()?;
        if let Some(message) = &next {
            tx.prepare_cached(&self.sql().start)?
                .execute(params![message.id, now])?;
        }
        tx.commit()?;
        Ok(next)
    }

    /// Records a message the far end accepted, with what it answered (`reference`, kept by
    /// channels that keep one).
    pub(crate) fn mark_sent(
        &self,
        conn: &Connection,
        message: &Outgoing<K, I>,
        reference: Option<&str>,
        now: DateTime<Utc>,
    ) -> rusqlite::Result<()> {
        let body = message.kept_body();
        let mut values: Vec<&dyn ToSql> = vec![&message.id, &body, &now];
        if self.spec.reference.is_some() {
            values.push(&reference);
        }
        conn.prepare_cached(&self.sql().sent)?
            .execute(values.as_slice())?;
        Ok(())
    }

    /// Records a failed try; returns the message's state after it: queued again after a
    /// backoff while the error may pass and attempts remain (or while the far end is
    /// unreachable), else failed for good with its reason.
    pub(crate) fn mark_failed_attempt(
        &self,
        conn: &Connection,
        message: &Outgoing<K, I>,
        failure: &Failure,
        max_attempts: u32,
        now: DateTime<Utc>,
    ) -> rusqlite::Result<State> {
        let attempts = message.attempts + 1;
        let (reason, retry) = match failure {
            Failure::Permanent(reason) => (reason.clone(), None),
            Failure::Temporary(reason) | Failure::Elsewhere(reason) if attempts >= max_attempts => {
                (format!("gave up after {attempts} attempts: {reason}"), None)
            }
            Failure::Temporary(reason) => (reason.clone(), Some(now + backoff(attempts))),
            Failure::Unreachable(reason) => (reason.clone(), Some(now + backoff(attempts))),
            Failure::Elsewhere(reason) => (reason.clone(), Some(now)),
        };
        if let Some(next_attempt_at) = retry {
            conn.prepare_cached(&self.sql().later)?.execute(params![
                message.id,
                reason,
                next_attempt_at,
                now
            ])?;
            return Ok(State::Queued);
        }
        conn.prepare_cached(&self.sql().fail)?.execute(params![
            message.id,
            reason,
            message.kept_body(),
            now
        ])?;
        Ok(State::Failed)
    }

    /// Puts a message back in the queue without counting an attempt (it was taken but not
    /// handed over: a bulk message waiting for its pace).
    pub(crate) fn put_back(
        &self,
        conn: &Connection,
        message: &Outgoing<K, I>,
        now: DateTime<Utc>,
    ) -> rusqlite::Result<()> {
        conn.prepare_cached(&self.sql().put_back)?
            .execute(params![message.id, now])?;
        Ok(())
    }

    /// At start-up: messages a crash left in `sending` are queued again (the far end may then
    /// get one of them twice, see ARCHITECTURE.md).
    pub(crate) fn requeue_interrupted(
        &self,
        conn: &Connection,
        now: DateTime<Utc>,
    ) -> rusqlite::Result<usize> {
        conn.prepare_cached(&self.sql().interrupted)?.execute([now])
    }

    /// How many messages wait to be sent (the partial index on queued rows answers it,
    /// however long the outbox's history grows).
    pub(crate) fn queued(&self, conn: &Connection) -> rusqlite::Result<i64> {
        conn.prepare_cached(&self.sql().queued)?
            .query_row([], |r| r.get(0))
    }

    /// Counts, by state and kind.
    pub(crate) fn counts(&self, conn: &Connection) -> rusqlite::Result<Vec<(State, K, i64)>> {
        let mut stmt = conn.prepare_cached(&self.sql().counts)?;
        let rows = stmt.query_map([], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get(2)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (state, kind, n) = row?;
            if let (Some(state), Some(kind)) = (State::from_code(&state), K::from_code(&kind)) {
                out.push((state, kind, n));
            }
        }
        Ok(out)
    }

    /// The newest messages, codes masked.
    pub(crate) fn recent(
        &self,
        conn: &Connection,
        limit: u32,
    ) -> rusqlite::Result<Vec<Listed<K, I>>> {
        conn.prepare_cached(&self.sql().recent)?
            .query_map([limit], |r| self.listed(r))?
            .collect()
    }

    /// A customer's messages of one kind, newest first (the invitations on the customer page).
    pub(crate) fn of_customer(
        &self,
        conn: &Connection,
        customer: &CustomerId,
        kind: K,
        limit: u32,
    ) -> rusqlite::Result<Vec<Listed<K, I>>> {
        conn.prepare_cached(&self.sql().of_customer)?
            .query_map(params![customer, kind.code(), limit], |r| self.listed(r))?
            .collect()
    }

    /// A listed message from a row of the listing statements: code bodies are always masked,
    /// the recipient shown as the channel shows it.
    fn listed(&self, r: &rusqlite::Row) -> rusqlite::Result<Listed<K, I>> {
        let mut message = message(r)?;
        message.to = (self.spec.show_recipient)(&message.to);
        message.body = message.kept_body();
        Ok(Listed {
            message,
            state: State::from_code(&r.get::<_, String>(6)?).unwrap_or(State::Failed),
            last_error: r.get(7)?,
            created_at: r.get(8)?,
            sent_at: r.get(9)?,
        })
    }

    /// Staff: retries or cancels a message, audited; see [`StaffAction`].
    pub(crate) fn act(
        &self,
        conn: &Connection,
        actor: &Actor,
        id: &I,
        action: StaffAction,
        now: DateTime<Utc>,
    ) -> Result<(), ActionError> {
        let (state, kind) = self.state_of(conn, id)?;
        let after = match action {
            StaffAction::Retry => self.retry(conn, id, (state, kind), now)?,
            StaffAction::Cancel => self.cancel(conn, id, state, now)?,
        };
        let change = Change {
            action: &format!("{}.{}", self.spec.name, action.code()),
            entity: self.spec.name,
            entity_id: &id.to_string(),
            before: Some(json!({ "state": state.code() })),
            after: Some(json!({ "state": after.code() })),
        };
        audit::record(conn, actor, &change, now)?;
        Ok(())
    }

    /// Queues a failed message again, its attempts counted afresh (not a code: the customer
    /// asks for a new one).
    fn retry(
        &self,
        conn: &Connection,
        id: &I,
        (state, kind): (State, K),
        now: DateTime<Utc>,
    ) -> Result<State, ActionError> {
        if state != State::Failed || kind.carries_code() {
            return Err(ActionError::WrongState(state.code()));
        }
        conn.prepare_cached(&self.sql().retry)?
            .execute(params![id, now])?;
        Ok(State::Queued)
    }

    /// Cancels a queued or failed message, its text blanked of codes.
    fn cancel(
        &self,
        conn: &Connection,
        id: &I,
        state: State,
        now: DateTime<Utc>,
    ) -> Result<State, ActionError> {
        if !matches!(state, State::Queued | State::Failed) {
            return Err(ActionError::WrongState(state.code()));
        }
        let body: String = conn
            .prepare_cached(&self.sql().body_of)?
            .query_row([id], |r| r.get(0))?;
        conn.prepare_cached(&self.sql().cancel)?
            .execute(params![id, mask_codes(&body), now])?;
        Ok(State::Cancelled)
    }

    /// A message's state and kind.
    fn state_of(&self, conn: &Connection, id: &I) -> Result<(State, K), ActionError> {
        let row: Option<(String, String)> = conn
            .prepare_cached(&self.sql().state_of)?
            .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        let (state, kind) = row.ok_or(ActionError::NotFound)?;
        Ok((
            State::from_code(&state).ok_or(ActionError::NotFound)?,
            K::from_code(&kind).ok_or(ActionError::NotFound)?,
        ))
    }
}

/// A message from the first columns of a row (`id, recipient, subject, body, kind, attempts`).
fn message<K: MessageKind, I: MessageId>(r: &rusqlite::Row) -> rusqlite::Result<Outgoing<K, I>> {
    Ok(Outgoing {
        id: r.get(0)?,
        to: r.get(1)?,
        subject: r.get(2)?,
        body: r.get(3)?,
        kind: K::from_stored(&r.get::<_, String>(4)?),
        attempts: r.get(5)?,
    })
}
