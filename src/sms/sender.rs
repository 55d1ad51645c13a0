//! The SMS channel's far end: the only owner of the modem. The shared sender loop
//! ([`crate::outbox::sender`]) takes the next due message from the outbox, hands it over
//! through one of the drivers here, and records the outcome; what is SMS's own is connecting
//! (and reconnecting, with backoff, after the modem stops answering or its USB device
//! disappears), keeping an idle modem checked, pacing bulk messages, and the `log` device.

use std::fs::OpenOptions;
use std::io::{self, Write};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use log::{info, warn};

use super::modem::{Modem, ModemError, Settings};
use super::outbox::{Kind, Outgoing, SMS, references};
use super::{Device, LinkState, Sms};
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

/// Runs until shutdown.
pub(crate) fn run(sms: &Arc<Sms>, db: &Db) {
    let thread = Thread::start(&SMS, &sms.sender, db);
    match &sms.device {
        Device::None => {
            // Nothing is sent; codes still expire on time.
            sms.sender.set_link(LinkState::NotConfigured, None);
            thread.idle();
        }
        Device::Log(path) => {
            sms.sender.set_link(LinkState::LogOnly, None);
            let clock = &*sms.sender.clock;
            thread.serve(&mut LogFile { path, clock });
        }
        Device::Serial(settings) => thread.serve(&mut ModemDriver::new(sms, settings, db)),
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
    /// Where what the network sends (reports, customers' messages) is recorded.
    db: &'a Db,
    /// When the SIM's stored messages were last listed.
    last_sweep: Instant,
    settings: &'a Settings,
    modem: Option<Modem>,
    reconnect_wait: Duration,
    next_connect: Instant,
    /// False once the SIM refused the configured PIN: it is not tried again.
    pin_allowed: bool,
    last_refresh: Instant,
    last_ping: Instant,
    last_bulk: Option<Instant>,
}

impl<'a> ModemDriver<'a> {
    fn new(sms: &'a Sms, settings: &'a Settings, db: &'a Db) -> Self {
        sms.sender.set_link(LinkState::Connecting, None);
        ModemDriver {
            sms,
            db,
            last_sweep: Instant::now(),
            settings,
            modem: None,
            reconnect_wait: Duration::from_secs(1),
            next_connect: Instant::now(),
            pin_allowed: true,
            last_refresh: Instant::now(),
            last_ping: Instant::now(),
            last_bulk: None,
        }
    }

    /// Opens and sets up the modem, when its reconnect wait has passed.
    fn connect(&mut self) -> Result<(), Duration> {
        if Instant::now() < self.next_connect {
            return Err(CONNECT_POLL);
        }
        let sender = &self.sms.sender;
        match Modem::connect(self.settings, self.pin_allowed) {
            Ok(connected) => {
                info!(
                    "sms: modem ready on {} ({})",
                    self.settings.device, connected.info.operator
                );
                self.sms.set_info(&connected.info);
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
                    warn!("sms: modem on {} unavailable: {e}", self.settings.device);
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
        if let Err(e) = super::pick_up::pick_up(modem, self.sms, self.db, sweep) {
            if e.needs_reconnect() {
                self.disconnect(&e);
            } else {
                warn!("sms: reading what the network sent failed: {e}");
            }
        }
    }

    /// Drops the modem connection after it failed.
    fn disconnect(&mut self, error: &ModemError) {
        warn!("sms: lost the modem: {error}");
        self.sms
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
                Ok(info) => self.sms.set_info(info),
                Err(e) if e.needs_reconnect() => return Err(e),
                Err(e) => warn!("sms: reading the modem's state failed: {e}"),
            }
        }
        Ok(())
    }
}

impl Driver<Kind, SmsId> for ModemDriver<'_> {
    type Error = ModemError;

    fn ready(&mut self) -> Result<(), Duration> {
        // What the network sent, before the restart check sets the other unsolicited codes aside.
        let sweep = self.last_sweep.elapsed() >= REFRESH_EVERY;
        self.pick_up(sweep);
        if self.modem.as_mut().is_some_and(Modem::rebooted) {
            warn!("sms: the modem restarted; setting it up again");
            self.modem = None;
        }
        if self.modem.is_none() {
            self.connect()?;
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
            let gap = self.sms.bulk_interval.saturating_sub(at.elapsed());
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
        Ok(Some(references(&parts)))
    }

    fn failure(&self, error: &ModemError) -> Failure {
        if error.is_transient() {
            Failure::Temporary(error.to_string())
        } else {
            Failure::Permanent(error.to_string())
        }
    }

    /// A failed send is shown to staff; one that broke the connection sets it up again at once.
    fn after(&mut self, result: &Result<Option<String>, ModemError>) {
        if let Err(e) = result {
            self.sms.sender.set_error(&e.to_string());
            if e.needs_reconnect() {
                self.disconnect(e);
                self.next_connect = Instant::now();
            }
        }
    }
}
