//! The loop every channel's sender thread runs, and the state it shares with the pages.
//!
//! A sender thread takes the next due message, hands it to its channel's far end through a
//! [`Driver`] (the modem, a log file, the SMTP relay), records the outcome, and sleeps on its
//! bell while nothing is due; codes expire on time even while nothing can be sent. Only the
//! driver knows its far end: how to connect, what an error means, what to show staff.
//!
//! A message is marked `sending` and committed before the driver sees it; the outcome is
//! committed after. If the process dies in between, the message is queued again at start-up
//! ([`Thread::start`]): the one duplicate that can cause is a message the far end had accepted
//! when its answer was lost (ARCHITECTURE.md). Once a code's text is blanked, the WAL is
//! emptied of the page that still held it (`db::truncate_wal`).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use chrono::{DateTime, Utc};
use log::{info, warn};

use super::{Channel, Failure, MessageId, MessageKind, Outgoing};
use crate::plumbing::bell::Bell;
use crate::plumbing::clock::Clock;
use crate::plumbing::db::Db;

/// A channel's far end as its sender thread last saw it, in the channel's own states `L`.
#[derive(Debug, Clone)]
pub(crate) struct Link<L> {
    pub(crate) state: L,
    /// When `state` began.
    pub(crate) since: DateTime<Utc>,
    pub(crate) last_error: Option<String>,
}

/// What a channel's sender thread shares with the rest of the program: its settings, the
/// state of its far end (shown on the pages), and the bell that wakes it.
pub(crate) struct Sender<L> {
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) shutdown: Arc<AtomicBool>,
    pub(crate) max_attempts: u32,
    link: Mutex<Link<L>>,
    bell: Bell,
}

impl<L: Copy + PartialEq> Sender<L> {
    /// A sender whose far end starts in `state`.
    pub(crate) fn new(
        state: L,
        max_attempts: u32,
        clock: Arc<dyn Clock>,
        shutdown: Arc<AtomicBool>,
    ) -> Self {
        let since = clock.now();
        Sender {
            clock,
            shutdown,
            max_attempts,
            link: Mutex::new(Link {
                state,
                since,
                last_error: None,
            }),
            bell: Bell::default(),
        }
    }

    /// Wakes the sender: call after committing a transaction that queued a message.
    pub(crate) fn wake(&self) {
        self.bell.ring();
    }

    /// Waits until woken or `timeout` passes (the sender thread's sleep).
    pub(crate) fn wait(&self, timeout: Duration) {
        self.bell.wait(timeout);
    }

    /// A copy of the far end's state.
    pub(crate) fn link(&self) -> Link<L> {
        self.link
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Moves the far end to `state` (its `since` only when it changes), with the error that
    /// explains it, if any (an earlier error stays shown otherwise).
    pub(crate) fn set_link(&self, state: L, error: Option<String>) {
        let mut link = self.link.lock().unwrap_or_else(PoisonError::into_inner);
        if link.state != state {
            link.state = state;
            link.since = self.clock.now();
        }
        if error.is_some() {
            link.last_error = error;
        }
    }

    /// Shows `error` as the last one, the state unchanged.
    pub(crate) fn set_error(&self, error: &str) {
        self.link
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .last_error = Some(error.to_owned());
    }

    /// Whether the server is still running.
    fn running(&self) -> bool {
        !self.shutdown.load(Ordering::SeqCst)
    }
}

/// A channel's far end, as the shared loop drives it.
pub(crate) trait Driver<K, I> {
    /// What a failed send says.
    type Error;

    /// Whether messages can be handed over now (connecting first if need be); if not, how
    /// long to wait before asking again. Codes expire meanwhile.
    fn ready(&mut self) -> Result<(), Duration> {
        Ok(())
    }

    /// Nothing is due: looks after the connection; returns how long to sleep (zero: look
    /// again at once).
    fn idle(&mut self) -> Duration;

    /// How long `message` must wait before it may go (bulk messages are paced), if at all.
    fn hold(&mut self, _message: &Outgoing<K, I>) -> Option<Duration> {
        None
    }

    /// Hands one message over; on success, what the far end answered that is kept (the
    /// channel's reference column), if anything.
    fn send(&mut self, message: &Outgoing<K, I>) -> Result<Option<String>, Self::Error>;

    /// What a failed send means for the message.
    fn failure(&self, error: &Self::Error) -> Failure;

    /// What the channel keeps about a message just sent, written in the transaction that
    /// marks it sent, so that a crash leaves both or neither (SMS: the modem, parts and the
    /// day's count). Nothing by default.
    fn record_sent(
        &mut self,
        _tx: &rusqlite::Transaction,
        _message: &Outgoing<K, I>,
        _now: DateTime<Utc>,
    ) -> rusqlite::Result<()> {
        Ok(())
    }

    /// After the outcome was recorded (so a page that shows the far end's new state also
    /// shows the message where it now is).
    fn after(&mut self, _result: &Result<Option<String>, Self::Error>) {}
}

/// A channel's sender thread: its outbox, its shared state, the database.
pub(crate) struct Thread<'a, K: 'static, I: 'static, L> {
    channel: &'static Channel<K, I>,
    sender: &'a Sender<L>,
    db: &'a Db,
}

impl<'a, K: MessageKind, I: MessageId, L: Copy + PartialEq> Thread<'a, K, I, L> {
    /// The thread at start-up: messages a crash left in `sending` are queued again.
    pub(crate) fn start(
        channel: &'static Channel<K, I>,
        sender: &'a Sender<L>,
        db: &'a Db,
    ) -> Self {
        let thread = Thread {
            channel,
            sender,
            db,
        };
        let name = channel.name();
        let now = sender.clock.now();
        match db.conn().map_err(|e| e.to_string()).and_then(|c| {
            channel
                .requeue_interrupted(&c, now)
                .map_err(|e| e.to_string())
        }) {
            Ok(0) => (),
            Ok(n) => warn!(
                "{name}: {n} message(s) were being sent when the server stopped; queued again"
            ),
            Err(e) => warn!("{name}: cannot requeue interrupted messages: {e}"),
        }
        thread
    }

    /// Another thread of the same channel (one of several modems), started after the first:
    /// it shares the outbox, whose claims are exclusive, and leaves the requeueing of
    /// interrupted messages to [`Thread::start`], which must have run before.
    pub(crate) fn attach(
        channel: &'static Channel<K, I>,
        sender: &'a Sender<L>,
        db: &'a Db,
    ) -> Self {
        Thread {
            channel,
            sender,
            db,
        }
    }

    /// Sends through `driver` until shutdown.
    pub(crate) fn serve<D: Driver<K, I>>(&self, driver: &mut D) {
        while self.sender.running() {
            if let Err(wait) = driver.ready() {
                self.expire_codes();
                self.sleep(wait);
                continue;
            }
            let Some(message) = self.take() else {
                let wait = driver.idle();
                self.sleep(wait);
                continue;
            };
            if let Some(gap) = driver.hold(&message) {
                // Put it back and look again after the pause, so a code that arrives
                // meanwhile goes first.
                self.put_back(&message);
                self.sleep(gap);
                continue;
            }
            let result = driver.send(&message);
            let outcome = match &result {
                Ok(reference) => Ok(reference.as_deref()),
                Err(e) => Err(driver.failure(e)),
            };
            self.record(driver, &message, outcome);
            driver.after(&result);
        }
    }

    /// Sends nothing until shutdown (no modem, no relay): messages wait, codes still expire on
    /// time.
    pub(crate) fn idle(&self) {
        while self.sender.running() {
            self.expire_codes();
            self.sleep(Duration::from_secs(1));
        }
    }

    /// Sleeps on the bell (not at all for a zero wait, which would use up a ring).
    fn sleep(&self, wait: Duration) {
        if !wait.is_zero() {
            self.sender.wait(wait);
        }
    }

    /// Takes the next due message, logging database trouble.
    fn take(&self) -> Option<Outgoing<K, I>> {
        let now = self.sender.clock.now();
        match self.db.conn().map_err(|e| e.to_string()).and_then(|mut c| {
            self.channel
                .take_next(&mut c, now)
                .map_err(|e| e.to_string())
        }) {
            Ok(next) => next,
            Err(e) => {
                warn!("{}: cannot read the outbox: {e}", self.channel.name());
                None
            }
        }
    }

    /// Expires codes that waited too long to be sent, and empties the WAL of their text.
    fn expire_codes(&self) {
        if let Ok(conn) = self.db.conn()
            && self
                .channel
                .expire_codes(&conn, self.sender.clock.now())
                .is_ok_and(|n| n > 0)
        {
            crate::plumbing::db::truncate_wal(&conn);
        }
    }

    /// Puts a message taken too early back, its attempt not counted.
    fn put_back(&self, message: &Outgoing<K, I>) {
        let now = self.sender.clock.now();
        let outcome = self.db.conn().map_err(|e| e.to_string()).and_then(|conn| {
            self.channel
                .put_back(&conn, message, now)
                .map_err(|e| e.to_string())
        });
        if let Err(e) = outcome {
            warn!(
                "{}: putting message {} back failed: {e}",
                self.channel.name(),
                message.id
            );
        }
    }

    /// Records a send's outcome (a message sent with what its driver keeps about it, in one
    /// transaction), then empties the WAL of a code's text.
    fn record<D: Driver<K, I>>(
        &self,
        driver: &mut D,
        message: &Outgoing<K, I>,
        outcome: Result<Option<&str>, Failure>,
    ) {
        let now = self.sender.clock.now();
        let max_attempts = self.sender.max_attempts;
        let recorded = self
            .db
            .conn()
            .map_err(|e| e.to_string())
            .and_then(|mut conn| {
                match &outcome {
                    Ok(reference) => crate::plumbing::db::immediate(&mut conn).and_then(|tx| {
                        self.channel.mark_sent(&tx, message, *reference, now)?;
                        driver.record_sent(&tx, message, now)?;
                        tx.commit().map(|()| "sent")
                    }),
                    Err(failure) => self
                        .channel
                        .mark_failed_attempt(&conn, message, failure, max_attempts, now)
                        .map(|state| state.code()),
                }
                .map_err(|e| e.to_string())
            });
        let name = self.channel.name();
        match recorded {
            Ok(state) => info!(
                "{name}: message {} ({}) {state}",
                message.id,
                message.kind.code()
            ),
            Err(e) => warn!("{name}: recording message {} failed: {e}", message.id),
        }
        // The code's text was blanked: empty the WAL of the page that still held it.
        if message.kind.carries_code()
            && let Ok(conn) = self.db.conn()
        {
            crate::plumbing::db::truncate_wal(&conn);
        }
    }
}
