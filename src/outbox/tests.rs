//! The outbox's tests, one set run against every channel: each test below runs once per
//! channel (`outbox::tests::sms::…`, `outbox::tests::email::…`), so a channel that joins gets
//! them all by adding its [`Case`].

#![allow(clippy::unwrap_used)]

use chrono::{DateTime, Duration, Utc};
use rusqlite::Connection;

use super::sender::{Driver, Sender, Thread};
use super::*;
use crate::audit::Actor;
use crate::email::outbox::{EMAIL, Kind as EmailKind};
use crate::plumbing::clock::Clock;
use crate::plumbing::db::Db;
use crate::sms::outbox::{Kind as SmsKind, SMS};

/// A channel under test.
struct Case<K: 'static, I: 'static> {
    channel: &'static Channel<K, I>,
    /// A kind that carries a code (priority 0).
    code: K,
    /// A kind with no secret that goes after codes.
    plain: K,
    /// A recipient as stored, and as staff pages show it.
    to: &'static str,
    shown: &'static str,
    /// The subject every message gets, on channels with subjects.
    subject: Option<&'static str>,
}

fn sms_case() -> Case<SmsKind, SmsId> {
    Case {
        channel: &SMS,
        code: SmsKind::Otp,
        plain: SmsKind::Reminder,
        to: "+6281234567890",
        shown: "+62 ••• •••• 7890",
        subject: None,
    }
}

fn email_case() -> Case<EmailKind, EmailId> {
    Case {
        channel: &EMAIL,
        code: EmailKind::Otp,
        plain: EmailKind::Invitation,
        to: "siti@example.com",
        shown: "siti@example.com",
        subject: Some("Subject"),
    }
}

/// Runs each named test (a method of [`Case`]) once per channel, on a fresh database.
macro_rules! on_every_channel {
    ($($test:ident),* $(,)?) => {
        mod sms {
            $(#[test] fn $test() { super::sms_case().run(super::Case::$test); })*
        }
        mod email {
            $(#[test] fn $test() { super::email_case().run(super::Case::$test); })*
        }
    };
}

on_every_channel!(
    codes_go_first_expire_unsent_and_are_blanked_once_sent,
    temporary_errors_back_off_then_fail_and_permanent_ones_fail_at_once,
    an_unreachable_far_end_never_fails_a_message_and_crashes_requeue,
    a_message_put_back_is_not_counted_as_an_attempt,
    staff_retry_failed_messages_but_not_codes_and_cancel_blanks_codes,
    pages_count_and_list_messages_with_codes_masked,
    a_stored_kind_this_version_does_not_know_is_read_as_a_code,
    the_sender_loop_requeues_expires_paces_sends_and_records_before_the_driver_hears,
    a_message_is_marked_sent_with_what_its_driver_keeps_or_not_at_all,
);

fn t0() -> DateTime<Utc> {
    DateTime::from_timestamp(1_700_000_000, 0).unwrap()
}

impl<K: MessageKind, I: MessageId> Case<K, I> {
    /// Runs `test` on a fresh database.
    fn run(&self, test: fn(&Self, &Db)) {
        let (_dir, db) = crate::plumbing::db::tests::test_db();
        test(self, &db);
    }

    fn queue(
        &self,
        conn: &Connection,
        kind: K,
        body: &str,
        now: DateTime<Utc>,
        expires: Option<DateTime<Utc>>,
    ) -> I {
        let message = New {
            to: self.to,
            subject: self.subject,
            body,
            kind,
            expires_at: expires,
            customer: None,
        };
        self.channel.enqueue(conn, &message, now).unwrap()
    }

    fn take(&self, conn: &mut Connection, now: DateTime<Utc>) -> Option<Outgoing<K, I>> {
        self.channel.take_next(conn, now).unwrap()
    }

    fn fail(
        &self,
        conn: &Connection,
        message: &Outgoing<K, I>,
        failure: &Failure,
        now: DateTime<Utc>,
    ) -> State {
        self.channel
            .mark_failed_attempt(conn, message, failure, 3, now)
            .unwrap()
    }

    fn sent(&self, conn: &Connection, message: &Outgoing<K, I>, now: DateTime<Utc>) {
        self.channel
            .mark_sent(conn, message, Some("1"), now)
            .unwrap();
    }

    /// A column of one message, straight from its table.
    fn column(&self, conn: &Connection, column: &str, id: &I) -> String {
        let table = self.channel.spec.table;
        conn.query_row(
            &format!("SELECT {column} FROM {table} WHERE id = ?1"),
            [id],
            |r| r.get(0),
        )
        .unwrap()
    }

    /// The body of the one message in `state`.
    fn body_in(&self, conn: &Connection, state: State) -> String {
        let table = self.channel.spec.table;
        conn.query_row(
            &format!("SELECT body FROM {table} WHERE state = ?1"),
            [state.code()],
            |r| r.get(0),
        )
        .unwrap()
    }

    /// The audited staff actions on `id`, oldest first.
    fn audited(&self, conn: &Connection, id: &I) -> Vec<(String, String)> {
        conn.prepare(
            "SELECT action, after_json FROM audit_log WHERE entity = ?1 AND entity_id = ?2
             ORDER BY rowid",
        )
        .unwrap()
        .query_map(
            rusqlite::params![self.channel.name(), id.to_string()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap()
        .map(Result::unwrap)
        .collect()
    }
}

/// The tests, each run on every channel.
impl<K: MessageKind, I: MessageId> Case<K, I> {
    fn codes_go_first_expire_unsent_and_are_blanked_once_sent(&self, db: &Db) {
        let conn = &mut *db.conn().unwrap();
        let t0 = t0();
        for i in 0..100 {
            self.queue(conn, self.plain, &format!("plain {i}"), t0, None);
        }
        self.queue(
            conn,
            self.code,
            "Your code is 123456",
            t0 + Duration::seconds(5),
            Some(t0 + Duration::minutes(5)),
        );
        self.queue(
            conn,
            self.code,
            "Your code is 654321",
            t0,
            Some(t0 + Duration::seconds(1)),
        );
        let late = self.queue(
            conn,
            self.plain,
            "Ticket 1234 is due",
            t0,
            Some(t0 + Duration::seconds(1)),
        );
        let now = t0 + Duration::seconds(10);
        let first = self.take(conn, now).unwrap();
        assert_eq!(
            first.body, "Your code is 123456",
            "the expired code is skipped, the live one goes first"
        );
        assert_eq!(first.attempts, 0);
        assert_eq!(first.to, self.to);
        assert_eq!(first.subject.as_deref(), self.subject);
        assert_eq!(self.column(conn, "state", &late), "expired");
        assert_eq!(
            self.column(conn, "body", &late),
            "Ticket 1234 is due",
            "an expired message without a code keeps its text"
        );
        let expired_code: String = conn
            .query_row(
                &format!(
                    "SELECT body FROM {} WHERE state = 'expired' AND id != ?1",
                    self.channel.spec.table
                ),
                [&late],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(expired_code, "Your code is ••••••");
        let second = self.take(conn, now).unwrap();
        assert_eq!(second.body, "plain 0", "then the others, oldest first");
        self.sent(conn, &first, now);
        assert_eq!(
            self.body_in(conn, State::Sent),
            "Your code is ••••••",
            "codes are blanked once sent"
        );
        self.sent(conn, &second, now);
        assert_eq!(
            self.column(conn, "body", &second.id),
            "plain 0",
            "only codes are blanked"
        );
    }

    fn temporary_errors_back_off_then_fail_and_permanent_ones_fail_at_once(&self, db: &Db) {
        let conn = &mut *db.conn().unwrap();
        let t0 = t0();
        let hello = self.queue(conn, self.plain, "hello", t0, None);
        let busy = Failure::Temporary("network timeout".to_owned());
        let m = self.take(conn, t0).unwrap();
        assert_eq!(self.fail(conn, &m, &busy, t0), State::Queued);
        assert!(
            self.take(conn, t0 + Duration::seconds(9)).is_none(),
            "waits for its backoff"
        );
        let m = self.take(conn, t0 + Duration::seconds(10)).unwrap();
        assert_eq!(m.attempts, 1);
        let t1 = t0 + Duration::seconds(10);
        assert_eq!(self.fail(conn, &m, &busy, t1), State::Queued);
        assert!(
            self.take(conn, t1 + Duration::seconds(19)).is_none(),
            "the second wait is twice as long"
        );
        let m = self.take(conn, t1 + Duration::seconds(20)).unwrap();
        assert_eq!(self.fail(conn, &m, &busy, t1), State::Failed);
        assert_eq!(
            self.column(conn, "last_error", &hello),
            "gave up after 3 attempts: network timeout"
        );

        let refused = Failure::Permanent("unassigned number".to_owned());
        let plain = self.queue(conn, self.plain, "x", t0, None);
        let m = self.take(conn, t0).unwrap();
        assert_eq!(self.fail(conn, &m, &refused, t0), State::Failed);
        assert_eq!(self.column(conn, "last_error", &plain), "unassigned number");
        let code = self.queue(conn, self.code, "Code 123456", t0, None);
        let m = self.take(conn, t0).unwrap();
        assert_eq!(self.fail(conn, &m, &refused, t0), State::Failed);
        assert_eq!(self.column(conn, "last_error", &code), "unassigned number");
        assert_eq!(
            self.column(conn, "body", &code),
            "Code ••••••",
            "a failed code is blanked too"
        );
        assert!(self.take(conn, t0 + Duration::hours(1)).is_none());
    }

    fn an_unreachable_far_end_never_fails_a_message_and_crashes_requeue(&self, db: &Db) {
        let conn = &mut *db.conn().unwrap();
        let mut now = t0();
        self.queue(conn, self.plain, "test", now, None);
        let down = Failure::Unreachable("Connection error: connection refused".to_owned());
        for _ in 0..20 {
            let m = self.take(conn, now).unwrap();
            assert_eq!(self.fail(conn, &m, &down, now), State::Queued);
            now += Duration::minutes(10);
        }
        let m = self.take(conn, now).unwrap();
        assert_eq!(m.attempts, 20, "attempts are counted for staff to see");
        assert!(self.take(conn, now).is_none());
        assert_eq!(
            self.channel.requeue_interrupted(conn, now).unwrap(),
            1,
            "a crash while sending queues the message again"
        );
        let again = self.take(conn, now).unwrap();
        assert_eq!(again.id.to_string(), m.id.to_string());
        assert_eq!(again.body, "test");
        self.sent(conn, &again, now);
        assert_eq!(self.channel.queued(conn).unwrap(), 0);
        assert_eq!(self.channel.requeue_interrupted(conn, now).unwrap(), 0);
    }

    fn a_message_put_back_is_not_counted_as_an_attempt(&self, db: &Db) {
        let conn = &mut *db.conn().unwrap();
        let t0 = t0();
        self.queue(conn, self.plain, "paced", t0, None);
        let m = self.take(conn, t0).unwrap();
        assert!(self.take(conn, t0).is_none(), "taken: not due twice");
        self.channel.put_back(conn, &m, t0).unwrap();
        assert_eq!(self.channel.queued(conn).unwrap(), 1);
        let again = self.take(conn, t0).unwrap();
        assert_eq!(again.attempts, 0);
    }

    fn staff_retry_failed_messages_but_not_codes_and_cancel_blanks_codes(&self, db: &Db) {
        let conn = &mut *db.conn().unwrap();
        let t0 = t0();
        let channel = self.channel;
        let actor = Actor::System;
        use StaffAction::{Cancel, Retry};
        let refused = Failure::Permanent("550".to_owned());
        let plain = self.queue(conn, self.plain, "hello", t0, None);
        let code = self.queue(conn, self.code, "Code 123456", t0, None);
        assert!(matches!(
            channel.act(conn, &actor, &plain, Retry, t0),
            Err(ActionError::WrongState("queued"))
        ));
        assert!(matches!(
            channel.act(conn, &actor, &I::mint(t0), Retry, t0),
            Err(ActionError::NotFound)
        ));
        let m = self.take(conn, t0).unwrap();
        assert_eq!(m.id.to_string(), code.to_string(), "the code goes first");
        self.fail(conn, &m, &refused, t0);
        assert!(
            matches!(
                channel.act(conn, &actor, &code, Retry, t0),
                Err(ActionError::WrongState("failed"))
            ),
            "codes are not retried: the customer asks for a new one"
        );
        let m = self.take(conn, t0).unwrap();
        self.fail(conn, &m, &refused, t0);
        channel.act(conn, &actor, &plain, Retry, t0).unwrap();
        assert_eq!(channel.queued(conn).unwrap(), 1);
        assert_eq!(self.column(conn, "CAST(attempts AS TEXT)", &plain), "0");
        channel.act(conn, &actor, &plain, Cancel, t0).unwrap();
        assert_eq!(channel.queued(conn).unwrap(), 0);
        let name = channel.name();
        assert_eq!(
            self.audited(conn, &plain),
            [
                (format!("{name}.retry"), r#"{"state":"queued"}"#.to_owned()),
                (
                    format!("{name}.cancel"),
                    r#"{"state":"cancelled"}"#.to_owned()
                ),
            ]
        );
        let other = self.queue(conn, self.code, "Code 999999", t0, None);
        channel.act(conn, &actor, &other, Cancel, t0).unwrap();
        assert_eq!(self.column(conn, "body", &other), "Code ••••••");
        assert!(matches!(
            channel.act(conn, &actor, &other, Cancel, t0),
            Err(ActionError::WrongState("cancelled"))
        ));
    }

    fn pages_count_and_list_messages_with_codes_masked(&self, db: &Db) {
        let conn = &mut *db.conn().unwrap();
        let t0 = t0();
        self.queue(conn, self.plain, "first", t0, None);
        self.queue(
            conn,
            self.code,
            "Your code is 123456",
            t0 + Duration::seconds(1),
            None,
        );
        self.queue(conn, self.plain, "third", t0 + Duration::seconds(2), None);
        let taken = self.take(conn, t0 + Duration::seconds(3)).unwrap();
        assert_eq!(
            taken.body, "Your code is 123456",
            "the live code is sent in full"
        );

        let mut counts = self.channel.counts(conn).unwrap();
        counts.sort_by_key(|(state, kind, _)| (state.code(), kind.code()));
        let mut expected = vec![
            (State::Queued, self.plain, 2),
            (State::Sending, self.code, 1),
        ];
        expected.sort_by_key(|(state, kind, _)| (state.code(), kind.code()));
        assert_eq!(counts, expected);

        let listed = self.channel.recent(conn, 2).unwrap();
        let bodies: Vec<&str> = listed.iter().map(|m| m.message.body.as_str()).collect();
        assert_eq!(
            bodies,
            ["third", "Your code is ••••••"],
            "newest first, codes masked"
        );
        assert!(listed.iter().all(|m| m.message.to == self.shown));
        assert!(
            listed
                .iter()
                .all(|m| m.message.subject.as_deref() == self.subject)
        );
        assert_eq!(listed[1].state, State::Sending);
    }

    fn the_sender_loop_requeues_expires_paces_sends_and_records_before_the_driver_hears(
        &self,
        db: &Db,
    ) {
        let t0 = t0();
        let conn = &mut *db.conn().unwrap();
        let first = self.queue(conn, self.plain, "first", t0 - Duration::seconds(60), None);
        self.take(conn, t0).unwrap();
        // The server stopped while `first` was being sent.
        let code = self.queue(
            conn,
            self.code,
            "Code 123456",
            t0 - Duration::seconds(50),
            Some(t0),
        );
        let second = self.queue(conn, self.plain, "second", t0 - Duration::seconds(40), None);
        let shutdown = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let sender = Sender::new(0u8, 3, std::sync::Arc::new(Still(t0)), shutdown);
        let mut script = Script {
            case: self,
            db,
            sender: &sender,
            answers: vec![
                Ok(Some("9".to_owned())),
                Err(Failure::Temporary("busy".to_owned())),
            ],
            readiness: vec![true, false],
            expired_while_not_ready: None,
            held: false,
            sent: Vec::new(),
            last: None,
            states_after: Vec::new(),
            refuse_record: Vec::new(),
            recorded: Vec::new(),
        };
        Thread::start(self.channel, &sender, db).serve(&mut script);
        assert_eq!(
            script.expired_while_not_ready,
            Some(true),
            "codes expire while the far end is not ready"
        );
        assert_eq!(self.column(conn, "state", &code), "expired");
        assert_eq!(self.column(conn, "body", &code), "Code ••••••");
        assert_eq!(
            script.sent,
            [("first".to_owned(), 1), ("second".to_owned(), 0)],
            "the interrupted message goes again, its pause not counted as an attempt"
        );
        assert_eq!(
            script.states_after,
            ["sent", "queued"],
            "the outcome is recorded before the driver hears of it"
        );
        assert_eq!(self.column(conn, "last_error", &second), "busy");
        if let Some(column) = self.channel.spec.reference {
            assert_eq!(self.column(conn, column, &first), "9");
        }
    }

    /// The driver's own record of a sent message (SMS: the modem and the day's count) is
    /// written in the transaction that marks it sent: when it cannot be, the message is not
    /// marked sent either (it stays `sending`, queued again at the next start), so a crash or
    /// a failure never leaves one without the other.
    fn a_message_is_marked_sent_with_what_its_driver_keeps_or_not_at_all(&self, db: &Db) {
        let t0 = t0();
        let conn = &mut *db.conn().unwrap();
        let kept = self.queue(conn, self.plain, "kept", t0 - Duration::seconds(60), None);
        let refused = self.queue(
            conn,
            self.plain,
            "refused",
            t0 - Duration::seconds(50),
            None,
        );
        let shutdown = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let sender = Sender::new(0u8, 3, std::sync::Arc::new(Still(t0)), shutdown);
        let mut script = Script {
            case: self,
            db,
            sender: &sender,
            answers: vec![Ok(Some("1".to_owned())), Ok(Some("2".to_owned()))],
            readiness: Vec::new(),
            expired_while_not_ready: None,
            held: true,
            sent: Vec::new(),
            last: None,
            states_after: Vec::new(),
            refuse_record: vec![false, true],
            recorded: Vec::new(),
        };
        Thread::start(self.channel, &sender, db).serve(&mut script);
        assert_eq!(script.sent.len(), 2);
        assert_eq!(self.column(conn, "state", &kept), "sent");
        assert_eq!(self.column(conn, "state", &refused), "sending");
        assert_eq!(
            script.recorded,
            [kept.to_string()],
            "only the message whose record was written is sent"
        );
    }

    fn a_stored_kind_this_version_does_not_know_is_read_as_a_code(&self, _: &Db) {
        assert!(K::ALL[0].carries_code());
        assert!(K::from_stored("from_a_later_version").carries_code());
        for kind in K::ALL {
            assert_eq!(K::from_stored(kind.code()), *kind);
        }
        let priorities: Vec<i64> = K::ALL.iter().map(|k| k.priority()).collect();
        assert!(priorities.is_sorted(), "in priority order: {priorities:?}");
    }
}

/// A clock that stands still.
struct Still(DateTime<Utc>);

impl Clock for Still {
    fn now(&self) -> DateTime<Utc> {
        self.0
    }
}

/// A far end that answers as scripted and notes what the loop did, then stops the loop once
/// nothing is due.
struct Script<'a, K: 'static, I: 'static> {
    case: &'a Case<K, I>,
    db: &'a Db,
    sender: &'a Sender<u8>,
    answers: Vec<Result<Option<String>, Failure>>,
    readiness: Vec<bool>,
    /// Whether the code had expired when the driver was next asked to be ready.
    expired_while_not_ready: Option<bool>,
    held: bool,
    sent: Vec<(String, u32)>,
    last: Option<I>,
    /// The message's state in the database when `after` heard of it.
    states_after: Vec<String>,
    /// Whether writing the driver's record of each sent message fails, in order.
    refuse_record: Vec<bool>,
    /// The messages whose driver's record was written (and committed with them).
    recorded: Vec<String>,
}

impl<K: MessageKind, I: MessageId> Driver<K, I> for Script<'_, K, I> {
    type Error = Failure;

    fn ready(&mut self) -> Result<(), std::time::Duration> {
        if self.readiness.len() == 1 {
            let conn = self.db.conn().unwrap();
            self.expired_while_not_ready = Some(self.case.channel.queued(&conn).unwrap() == 2);
        }
        match self.readiness.pop() {
            Some(false) => Err(std::time::Duration::ZERO),
            _ => Ok(()),
        }
    }

    fn idle(&mut self) -> std::time::Duration {
        self.sender
            .shutdown
            .store(true, std::sync::atomic::Ordering::SeqCst);
        std::time::Duration::ZERO
    }

    fn hold(&mut self, _message: &Outgoing<K, I>) -> Option<std::time::Duration> {
        (!std::mem::replace(&mut self.held, true)).then_some(std::time::Duration::ZERO)
    }

    fn send(&mut self, message: &Outgoing<K, I>) -> Result<Option<String>, Failure> {
        self.sent.push((message.body.clone(), message.attempts));
        self.last = Some(message.id.clone());
        self.answers.remove(0)
    }

    fn failure(&self, error: &Failure) -> Failure {
        error.clone()
    }

    fn record_sent(
        &mut self,
        tx: &rusqlite::Transaction,
        message: &Outgoing<K, I>,
        _now: DateTime<Utc>,
    ) -> rusqlite::Result<()> {
        if !self.refuse_record.is_empty() && self.refuse_record.remove(0) {
            // As a failed write would: the statement fails inside the transaction.
            tx.execute("INSERT INTO no_such_table VALUES (1)", [])?;
        }
        self.recorded.push(message.id.to_string());
        Ok(())
    }

    fn after(&mut self, _result: &Result<Option<String>, Failure>) {
        let conn = self.db.conn().unwrap();
        let id = self.last.as_ref().unwrap();
        self.states_after.push(self.case.column(&conn, "state", id));
    }
}

#[test]
fn masking_and_backoff() {
    assert_eq!(
        mask_codes("Kode 123456 berlaku 5 menit"),
        "Kode •••••• berlaku 5 menit"
    );
    assert_eq!(mask_codes("Ticket 12 due"), "Ticket 12 due");
    assert_eq!(backoff(1), Duration::seconds(10));
    assert_eq!(backoff(2), Duration::seconds(20));
    assert_eq!(backoff(20), Duration::seconds(600));
}
