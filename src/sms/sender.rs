//! The SMS channel's far end: the only owner of the modem. The shared sender loop
//! ([`crate::outbox::sender`]) takes the next due message from the outbox, hands it over
//! through one of the drivers here, and records the outcome; what is SMS's own is connecting
//! (and reconnecting, with backoff, after the modem stops answering or its USB device
//! disappears), keeping an idle modem checked, pacing bulk messages, and the `log` device.
//!
//! Several modems: one sender thread per modem over the one outbox, whose claims are
//! exclusive (a message is marked `sending` in an immediate transaction before one thread
//! hands it over), so no message goes twice. Every healthy modem takes codes first, so a code
//! goes to the first free healthy modem and waits at most for the send in progress on it. A
//! modem that fails a send hands the message to the others at once ([`Failure::Elsewhere`])
//! and pauses; after [`ERRORS_BEFORE_SET_ASIDE`] failed sends in a row, or with a balance
//! below one part's price, it is set aside for [`SET_ASIDE_FOR`]. One modem alone keeps the
//! single-modem behaviour (backoff and retry on the same modem).
//!
//! The SIM's balance is read by USSD when asked (the daily schedule, the SMS page's button)
//! and the modem is free; what each modem sent is counted per day with its cost ([`usage`]).

use std::fs::OpenOptions;
use std::io::{self, Write};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use log::{info, warn};

use super::modem::{Modem, ModemError, Settings};
use super::outbox::{Kind, Outgoing, SMS, references};
use super::{Device, LinkState, Sms, SmsModem, usage, ussd};
use crate::outbox::Failure;
use crate::outbox::sender::{Driver, Thread};
use crate::plumbing::clock::Clock;
use crate::plumbing::db::Db;
use crate::plumbing::ids::SmsId;

/// How often an idle sender re-reads signal and registration.
const REFRESH_EVERY: Duration = Duration::from_secs(60);
/// How often an idle sender checks that the modem still answers (and is still plugged in).
const PING_EVERY: Duration = Duration::from_secs(5);
/// The longest wait between two tries to reach a missing modem.
const MAX_RECONNECT_WAIT: Duration = Duration::from_secs(30);
/// How often a sender without a modem looks again whether it may try to connect.
const CONNECT_POLL: Duration = Duration::from_millis(200);
/// Failed sends in a row after which one of several modems is set aside.
pub(crate) const ERRORS_BEFORE_SET_ASIDE: u32 = 3;
/// How long a modem stays set aside before it is set up and tried again.
pub(crate) const SET_ASIDE_FOR: Duration = Duration::from_secs(10 * 60);
/// How long one of several modems waits after a failed send, so another takes the message.
const PAUSE_AFTER_FAILURE: Duration = Duration::from_secs(2);

/// Runs every modem's sender until shutdown: the first on this thread, after it has queued
/// again what a crash left in `sending`; each other on a thread of its own.
pub(crate) fn run(sms: &Arc<Sms>, db: &Db) {
    let mut modems = sms.modems.iter().enumerate();
    let Some((_, first)) = modems.next() else {
        return;
    };
    let first_thread = Thread::start(&SMS, &first.sender, db);
    std::thread::scope(|scope| {
        for (index, modem) in modems {
            let thread = Thread::attach(&SMS, &modem.sender, db);
            let spawned = std::thread::Builder::new()
                .name(format!("sms-{}", index + 1))
                .spawn_scoped(scope, move || serve(sms, modem, &thread, db));
            if let Err(e) = spawned {
                warn!("sms: cannot start the sender of {}: {e}", modem.name);
            }
        }
        serve(sms, first, &first_thread, db);
    });
}

/// One modem's sender loop.
fn serve(sms: &Sms, modem: &SmsModem, thread: &Thread<'_, Kind, SmsId, LinkState>, db: &Db) {
    match &modem.device {
        Device::None => {
            // Nothing is sent; codes still expire on time.
            modem.sender.set_link(LinkState::NotConfigured, None);
            thread.idle();
        }
        Device::Log(path) => {
            modem.sender.set_link(LinkState::LogOnly, None);
            let clock = &*modem.sender.clock;
            thread.serve(&mut LogFile { path, clock });
        }
        Device::Serial(settings) => {
            thread.serve(&mut ModemDriver::new(sms, modem, settings, db));
        }
    }
}

/// `device = "log"`: messages are written to a file and marked sent (not real delivery).
struct LogFile<'a> {
    path: &'a Path,
    clock: &'a dyn Clock,
}

impl Driver<Kind, SmsId> for LogFile<'_> {
    type Error = io::Error;

    fn idle(&mut self) -> Duration {
        Duration::from_secs(1)
    }

    fn send(&mut self, message: &Outgoing) -> Result<Option<String>, io::Error> {
        let now = self.clock.now();
        let line = format!("{} to {}: {}\n", now.to_rfc3339(), message.to, message.body);
        OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.path)
            .and_then(|mut f| f.write_all(line.as_bytes()))?;
        Ok(Some(references(&[])))
    }

    fn failure(&self, error: &io::Error) -> Failure {
        Failure::Temporary(error.to_string())
    }
}

/// A real modem on a serial device.
struct ModemDriver<'a> {
    sms: &'a Sms,
    /// The attached modem this driver sends through (its shared state and settings).
    slot: &'a SmsModem,
    /// When the SIM's stored messages were last listed.
    last_sweep: Instant,
    settings: &'a Settings,
    db: &'a Db,
    modem: Option<Modem>,
    reconnect_wait: Duration,
    next_connect: Instant,
    /// False once the SIM refused the configured PIN: it is not tried again.
    pin_allowed: bool,
    last_refresh: Instant,
    last_ping: Instant,
    last_bulk: Option<Instant>,
    /// The message just handed over and its parts, counted once its outcome is recorded.
    sent: Option<(SmsId, usize)>,
    /// Failed sends in a row.
    failures_in_a_row: u32,
    /// Until when this modem takes no messages (set aside, or pausing after a failure).
    resting_until: Option<Instant>,
    /// The SIM's balance at its last check, if it was read.
    balance: Option<i64>,
    /// Whether the modem was set aside for want of credit (it comes back once topped up).
    aside_for_credit: bool,
}

impl<'a> ModemDriver<'a> {
    fn new(sms: &'a Sms, slot: &'a SmsModem, settings: &'a Settings, db: &'a Db) -> Self {
        slot.sender.set_link(LinkState::Connecting, None);
        let balance = db
            .conn()
            .ok()
            .and_then(|c| usage::balance(&c, &slot.name).ok().flatten())
            .and_then(|b| b.amount);
        ModemDriver {
            sms,
            slot,
            last_sweep: Instant::now(),
            settings,
            db,
            modem: None,
            reconnect_wait: Duration::from_secs(1),
            next_connect: Instant::now(),
            pin_allowed: true,
            last_refresh: Instant::now(),
            last_ping: Instant::now(),
            last_bulk: None,
            sent: None,
            failures_in_a_row: 0,
            resting_until: None,
            balance,
            aside_for_credit: false,
        }
    }

    /// Whether another modem takes messages now (so this one may hand its message over).
    fn another_is_healthy(&self) -> bool {
        self.sms
            .modems
            .iter()
            .any(|m| !std::ptr::eq(m, self.slot) && m.is_healthy())
    }

    /// Opens and sets up the modem, when its reconnect wait has passed.
    fn connect(&mut self) -> Result<(), Duration> {
        if Instant::now() < self.next_connect {
            return Err(CONNECT_POLL);
        }
        let sender = &self.slot.sender;
        match Modem::connect(self.settings, self.pin_allowed) {
            Ok(connected) => {
                info!(
                    "sms: {} ready on {} ({})",
                    self.slot.name, self.settings.device, connected.info.operator
                );
                self.slot.set_info(&connected.info);
                sender.set_link(LinkState::Connected, None);
                self.reconnect_wait = Duration::from_secs(1);
                self.last_refresh = Instant::now();
                self.modem = Some(connected);
                // What the SIM kept while the branch was not listening (or filled it).
                self.pick_up(true);
                Ok(())
            }
            Err(e) => {
                if matches!(e, ModemError::PinRejected) {
                    self.pin_allowed = false;
                }
                let state = match e {
                    ModemError::PinRequired | ModemError::PinRejected | ModemError::PukRequired => {
                        LinkState::SimLocked
                    }
                    _ => LinkState::Disconnected,
                };
                if sender.link().state != state {
                    warn!(
                        "sms: {} on {} unavailable: {e}",
                        self.slot.name, self.settings.device
                    );
                }
                sender.set_link(state, Some(e.to_string()));
                self.next_connect = Instant::now() + self.reconnect_wait;
                self.reconnect_wait = (self.reconnect_wait * 2).min(MAX_RECONNECT_WAIT);
                Err(CONNECT_POLL)
            }
        }
    }

    /// Records what the network sent; `sweep` lists the SIM's stored messages too.
    fn pick_up(&mut self, sweep: bool) {
        let Some(modem) = self.modem.as_mut() else {
            return;
        };
        if sweep {
            self.last_sweep = Instant::now();
        }
        if let Err(e) = super::pick_up::pick_up(modem, (self.sms, self.slot), self.db, sweep) {
            if e.needs_reconnect() {
                self.disconnect(&e);
            } else {
                warn!("sms: reading what the network sent failed: {e}");
            }
        }
    }

    /// Drops the modem connection after it failed.
    fn disconnect(&mut self, error: &ModemError) {
        warn!("sms: lost {}: {error}", self.slot.name);
        self.slot
            .sender
            .set_link(LinkState::Disconnected, Some(error.to_string()));
        self.modem = None;
    }

    /// Checks that an idle modem still answers, and re-reads its signal now and then.
    fn check(&mut self, modem: &mut Modem) -> Result<(), ModemError> {
        if self.last_ping.elapsed() >= PING_EVERY {
            self.last_ping = Instant::now();
            modem.ping()?;
        }
        modem.poll()?;
        if self.last_refresh.elapsed() >= REFRESH_EVERY {
            self.last_refresh = Instant::now();
            match modem.refresh() {
                Ok(info) => self.slot.set_info(info),
                Err(e) if e.needs_reconnect() => return Err(e),
                Err(e) => warn!("sms: reading the state of {} failed: {e}", self.slot.name),
            }
        }
        Ok(())
    }

    /// While set aside or pausing: how long still, or `None` once the rest is over (a modem
    /// that was set aside is then set up again).
    fn resting(&mut self) -> Option<Duration> {
        let until = self.resting_until?;
        let left = until.saturating_duration_since(Instant::now());
        if !left.is_zero() {
            return Some(left.min(Duration::from_secs(1)));
        }
        self.resting_until = None;
        if self.slot.sender.link().state == LinkState::SetAside {
            info!(
                "sms: trying {} again after setting it aside",
                self.slot.name
            );
            self.modem = None;
            self.slot.sender.set_link(LinkState::Connecting, None);
            self.slot.want_balance();
        }
        None
    }

    /// Sets this modem aside (one of several): its messages go to the others meanwhile.
    fn set_aside(&mut self, why: &str) {
        warn!("sms: setting {} aside for now: {why}", self.slot.name);
        self.slot
            .sender
            .set_link(LinkState::SetAside, Some(why.to_owned()));
        self.resting_until = Some(Instant::now() + SET_ASIDE_FOR);
        self.sms.wake();
    }

    /// Whether the SIM's last balance does not pay for one more part (with a price set).
    fn out_of_credit(&self) -> bool {
        let price = self.slot.credit.price_per_part;
        price > 0 && self.balance.is_some_and(|b| b < price)
    }

    /// Reads the SIM's balance by USSD if it was asked for, and records it.
    fn check_balance_if_wanted(&mut self) {
        // Without a connection the request waits for one.
        let Some(modem) = self.modem.as_mut() else {
            return;
        };
        if !self.slot.balance_wanted() {
            return;
        }
        let credit = &self.slot.credit;
        let outcome = modem
            .ussd(&credit.ussd)
            .map_err(|e| e.to_string())
            .and_then(|text| {
                ussd::amount(&text, &credit.pattern, credit.exponent)
                    .map(|amount| (amount, text))
                    .map_err(|e| e.to_string())
            });
        let now = self.slot.sender.clock.now();
        let recorded = self.db.conn().map_err(|e| e.to_string()).and_then(|conn| {
            usage::record_balance(&conn, &self.slot.name, &outcome, now).map_err(|e| e.to_string())
        });
        if let Err(e) = recorded {
            warn!(
                "sms: recording the balance of {} failed: {e}",
                self.slot.name
            );
        }
        match outcome {
            Ok((amount, _)) => {
                info!("sms: balance of {}: {amount}", self.slot.name);
                self.balance = Some(amount);
            }
            Err(e) => warn!("sms: reading the balance of {} failed: {e}", self.slot.name),
        }
    }

    /// After a failed send: the error shown, the connection dropped if it broke; one of
    /// several modems pauses (so another takes the message it handed over) and is set aside
    /// after failing again and again.
    fn after_failure(&mut self, error: &ModemError) {
        self.slot.sender.set_error(&error.to_string());
        self.failures_in_a_row += 1;
        if error.needs_reconnect() {
            self.disconnect(error);
            self.next_connect = Instant::now();
        }
        if self.sms.modems.len() < 2 {
            return;
        }
        if self.failures_in_a_row >= ERRORS_BEFORE_SET_ASIDE {
            let why = format!("{} failed sends in a row: {error}", self.failures_in_a_row);
            self.set_aside(&why);
            self.aside_for_credit = false;
        } else {
            self.resting_until = Some(Instant::now() + PAUSE_AFTER_FAILURE);
            self.sms.wake();
        }
    }
}

impl Driver<Kind, SmsId> for ModemDriver<'_> {
    type Error = ModemError;

    fn ready(&mut self) -> Result<(), Duration> {
        if let Some(wait) = self.resting() {
            self.check_balance_if_wanted();
            if self.aside_for_credit && !self.out_of_credit() {
                // Topped up (and checked again): back at once.
                self.aside_for_credit = false;
                self.resting_until = Some(Instant::now());
            }
            return Err(wait);
        }
        // What the network sent, before the restart check sets the other unsolicited codes aside.
        let sweep = self.last_sweep.elapsed() >= REFRESH_EVERY;
        self.pick_up(sweep);
        if self.modem.as_mut().is_some_and(Modem::rebooted) {
            warn!("sms: {} restarted; setting it up again", self.slot.name);
            self.modem = None;
        }
        if self.modem.is_none() {
            self.connect()?;
        }
        self.check_balance_if_wanted();
        if self.out_of_credit() && self.another_is_healthy() {
            let balance = self.balance.unwrap_or_default();
            self.set_aside(&format!("out of credit (balance {balance})"));
            self.aside_for_credit = true;
        }
        if self.resting_until.is_some() {
            return Err(CONNECT_POLL);
        }
        Ok(())
    }

    fn idle(&mut self) -> Duration {
        let Some(mut modem) = self.modem.take() else {
            return Duration::ZERO;
        };
        match self.check(&mut modem) {
            Ok(()) => {
                self.modem = Some(modem);
                Duration::from_millis(500)
            }
            Err(e) => {
                self.disconnect(&e);
                Duration::ZERO
            }
        }
    }

    fn hold(&mut self, message: &Outgoing) -> Option<Duration> {
        if !message.kind.is_bulk() {
            return None;
        }
        if let Some(at) = self.last_bulk {
            let gap = self.slot.bulk_interval.saturating_sub(at.elapsed());
            if !gap.is_zero() {
                return Some(gap);
            }
        }
        self.last_bulk = Some(Instant::now());
        None
    }

    fn send(&mut self, message: &Outgoing) -> Result<Option<String>, ModemError> {
        let modem = self.modem.as_mut().ok_or(ModemError::NoAnswer)?;
        let parts = modem.send(&message.to, &message.body)?;
        self.sent = Some((message.id.clone(), parts.len()));
        Ok(Some(references(&parts)))
    }

    /// A refused message fails; any other failure of one of several modems hands the
    /// message to another healthy one at once; one modem alone retries after a backoff.
    fn failure(&self, error: &ModemError) -> Failure {
        if !error.is_transient() {
            Failure::Permanent(error.to_string())
        } else if self.another_is_healthy() {
            Failure::Elsewhere(format!("{}: {error}", self.slot.name))
        } else {
            Failure::Temporary(error.to_string())
        }
    }

    /// The modem that sent the message, its parts and the modem's count for the day, with
    /// the message marked sent.
    fn record_sent(
        &mut self,
        tx: &rusqlite::Transaction,
        message: &Outgoing,
        now: chrono::DateTime<chrono::Utc>,
    ) -> rusqlite::Result<()> {
        let Some((id, parts)) = self.sent.take().filter(|(id, _)| *id == message.id) else {
            return Ok(());
        };
        let day = usage::day_of(now, self.sms.utc_offset);
        let parts = i64::try_from(parts).unwrap_or(i64::MAX);
        let price = self.slot.credit.price_per_part;
        usage::record_sent(tx, &id, &self.slot.name, parts, price, day, now)
    }

    /// A failed send is shown to staff, and one that broke the connection sets it up again
    /// at once.
    fn after(&mut self, result: &Result<Option<String>, ModemError>) {
        match result {
            Ok(_) => self.failures_in_a_row = 0,
            Err(e) => self.after_failure(e),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use std::collections::BTreeSet;

    use super::*;
    use crate::plumbing::phone;
    use crate::sms::outbox::{self, NewSms};

    /// What two modems' senders do to the one outbox at once: each message is taken by one.
    #[test]
    fn two_senders_take_each_message_once() {
        let (_dir, db) = crate::plumbing::db::tests::test_db();
        let now = chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let to = phone::normalise("081299990000", "ID").unwrap();
        let conn = db.conn().unwrap();
        let mut queued = BTreeSet::new();
        for i in 0..200 {
            let text = format!("Notice {i}");
            let new = NewSms {
                to: &to,
                text: &text,
                kind: Kind::Notice,
                expires_at: None,
                customer: None,
            };
            queued.insert(outbox::enqueue(&conn, &new, now).unwrap());
        }
        drop(conn);
        let start = std::sync::Barrier::new(2);
        let take_all = || {
            let mut taken = Vec::new();
            let mut conn = db.conn().unwrap();
            start.wait();
            while let Some(message) = SMS.take_next(&mut conn, now).unwrap() {
                taken.push(message.id);
            }
            taken
        };
        let (left, right) = std::thread::scope(|s| {
            let left = s.spawn(take_all);
            let right = s.spawn(take_all);
            (left.join().unwrap(), right.join().unwrap())
        });
        let mut all: Vec<SmsId> = left.into_iter().chain(right).collect();
        let total = all.len();
        all.sort();
        all.dedup();
        assert_eq!(all.len(), total, "a message was taken twice");
        assert_eq!(all.into_iter().collect::<BTreeSet<_>>(), queued);
    }
}
