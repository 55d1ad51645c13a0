//! The sender thread: the only owner of the modem. It connects (and reconnects, with backoff,
//! after the modem stops answering or its USB device disappears), takes the next due message
//! from the outbox, hands it to the modem, and records the outcome.
//!
//! A message is marked `sending` and committed before it goes to the modem; the outcome is
//! committed after. If the process dies in between, the message is queued again at start-up:
//! the one duplicate that can cause is a message the modem had accepted when its answer was
//! lost (ARCHITECTURE.md).

use std::fs::OpenOptions;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use log::{info, warn};

use super::modem::{Modem, ModemError, Settings};
use super::outbox::{self, Outgoing};
use super::{Device, LinkState, Sms};
use crate::db::Db;

/// How often an idle sender re-reads signal and registration.
const REFRESH_EVERY: Duration = Duration::from_secs(60);
/// How often an idle sender checks that the modem still answers (and is still plugged in).
const PING_EVERY: Duration = Duration::from_secs(5);
/// The longest wait between two tries to reach a missing modem.
const MAX_RECONNECT_WAIT: Duration = Duration::from_secs(30);

/// Runs until shutdown.
pub(crate) fn run(sms: &Arc<Sms>, db: &Db) {
    let now = sms.clock.now();
    match db
        .conn()
        .map_err(|e| e.to_string())
        .and_then(|c| outbox::requeue_interrupted(&c, now).map_err(|e| e.to_string()))
    {
        Ok(0) => (),
        Ok(n) => warn!("sms: {n} message(s) were being sent when the server stopped; queued again"),
        Err(e) => warn!("sms: cannot requeue interrupted messages: {e}"),
    }
    match &sms.device {
        Device::None => idle_without_modem(sms, db),
        Device::Log(path) => run_log_device(sms, db, path),
        Device::Serial(settings) => run_modem(sms, db, settings),
    }
}

/// `device = "none"`: nothing is sent; codes still expire on time.
fn idle_without_modem(sms: &Sms, db: &Db) {
    sms.set_link(LinkState::NotConfigured, None);
    while !sms.shutdown.load(Ordering::SeqCst) {
        expire_codes(sms, db);
        sms.wait(Duration::from_secs(1));
    }
}

/// Expires codes that waited too long to be sent, and empties the WAL of their text.
fn expire_codes(sms: &Sms, db: &Db) {
    if let Ok(conn) = db.conn()
        && outbox::expire_codes(&conn, sms.clock.now()).is_ok_and(|n| n > 0)
    {
        crate::db::truncate_wal(&conn);
    }
}

/// After a message with a code was recorded (and so blanked): empty the WAL of its text.
fn forget_code(db: &Db, message: &Outgoing) {
    if message.kind.carries_code()
        && let Ok(conn) = db.conn()
    {
        crate::db::truncate_wal(&conn);
    }
}

/// `device = "log"`: messages are written to a file and marked sent (not real delivery).
fn run_log_device(sms: &Sms, db: &Db, path: &PathBuf) {
    sms.set_link(LinkState::LogOnly, None);
    while !sms.shutdown.load(Ordering::SeqCst) {
        let Some(message) = take(sms, db) else {
            sms.wait(Duration::from_secs(1));
            continue;
        };
        let now = sms.clock.now();
        let line = format!("{} to {}: {}\n", now.to_rfc3339(), message.to, message.text);
        let written = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .and_then(|mut f| f.write_all(line.as_bytes()));
        let outcome = db
            .conn()
            .map_err(|e| e.to_string())
            .and_then(|conn| match &written {
                Ok(()) => outbox::mark_sent(&conn, &message, &[], now).map_err(|e| e.to_string()),
                Err(e) => outbox::mark_failed_attempt(
                    &conn,
                    &message,
                    &e.to_string(),
                    true,
                    sms.max_attempts,
                    now,
                )
                .map(|_| ())
                .map_err(|e| e.to_string()),
            });
        if let Err(e) = outcome {
            warn!("sms: recording message {} failed: {e}", message.id);
        }
        forget_code(db, &message);
    }
}

/// Takes the next due message, logging database trouble.
fn take(sms: &Sms, db: &Db) -> Option<Outgoing> {
    let now = sms.clock.now();
    match db
        .conn()
        .map_err(|e| e.to_string())
        .and_then(|mut c| outbox::take_next(&mut c, now).map_err(|e| e.to_string()))
    {
        Ok(next) => next,
        Err(e) => {
            warn!("sms: cannot read the outbox: {e}");
            None
        }
    }
}

/// A real modem on a serial device.
fn run_modem(sms: &Sms, db: &Db, settings: &Settings) {
    let mut modem: Option<Modem> = None;
    let mut reconnect_wait = Duration::from_secs(1);
    let mut next_connect = Instant::now();
    let mut pin_allowed = true;
    let mut last_refresh = Instant::now();
    let mut last_ping = Instant::now();
    let mut last_bulk: Option<Instant> = None;
    sms.set_link(LinkState::Connecting, None);
    while !sms.shutdown.load(Ordering::SeqCst) {
        if modem.is_none() {
            if Instant::now() < next_connect {
                sms.wait(Duration::from_millis(200));
                expire_codes(sms, db);
                continue;
            }
            match Modem::connect(settings, pin_allowed) {
                Ok(connected) => {
                    info!(
                        "sms: modem ready on {} ({})",
                        settings.device, connected.info.operator
                    );
                    sms.set_info(&connected.info);
                    sms.set_link(LinkState::Connected, None);
                    reconnect_wait = Duration::from_secs(1);
                    last_refresh = Instant::now();
                    modem = Some(connected);
                }
                Err(e) => {
                    if matches!(e, ModemError::PinRejected) {
                        pin_allowed = false;
                    }
                    let state = match e {
                        ModemError::PinRequired
                        | ModemError::PinRejected
                        | ModemError::PukRequired => LinkState::SimLocked,
                        _ => LinkState::Disconnected,
                    };
                    if sms.link_state() != state {
                        warn!("sms: modem on {} unavailable: {e}", settings.device);
                    }
                    sms.set_link(state, Some(e.to_string()));
                    next_connect = Instant::now() + reconnect_wait;
                    reconnect_wait = (reconnect_wait * 2).min(MAX_RECONNECT_WAIT);
                    continue;
                }
            }
        }
        let Some(current) = modem.as_mut() else {
            continue;
        };
        if current.rebooted() {
            warn!("sms: the modem restarted; setting it up again");
            modem = None;
            continue;
        }
        let Some(message) = take(sms, db) else {
            if last_ping.elapsed() >= PING_EVERY {
                last_ping = Instant::now();
                if let Err(e) = current.ping() {
                    disconnect(sms, &mut modem, &e);
                    continue;
                }
            }
            if last_refresh.elapsed() >= REFRESH_EVERY {
                last_refresh = Instant::now();
                match current.refresh() {
                    Ok(info) => sms.set_info(info),
                    Err(e) if e.needs_reconnect() => {
                        disconnect(sms, &mut modem, &e);
                        continue;
                    }
                    Err(e) => warn!("sms: reading the modem's state failed: {e}"),
                }
            }
            sms.wait(Duration::from_millis(500));
            continue;
        };
        if message.kind.is_bulk() {
            if let Some(at) = last_bulk {
                let gap = sms.bulk_interval.saturating_sub(at.elapsed());
                if !gap.is_zero() {
                    // Put it back and look again after the pause, so a code that arrives
                    // meanwhile goes first.
                    if let Ok(conn) = db.conn() {
                        let _ = outbox::requeue(&conn, &message, sms.clock.now());
                    }
                    sms.wait(gap);
                    continue;
                }
            }
            last_bulk = Some(Instant::now());
        }
        let result = current.send(&message.to, &message.text);
        let now = sms.clock.now();
        record(sms, db, &message, &result, now);
        if let Err(e) = result
            && e.needs_reconnect()
        {
            disconnect(sms, &mut modem, &e);
            next_connect = Instant::now();
        }
    }
}

/// Drops the modem connection after it failed.
fn disconnect(sms: &Sms, modem: &mut Option<Modem>, error: &ModemError) {
    warn!("sms: lost the modem: {error}");
    sms.set_link(LinkState::Disconnected, Some(error.to_string()));
    *modem = None;
}

/// Records a send's outcome.
fn record(
    sms: &Sms,
    db: &Db,
    message: &Outgoing,
    result: &Result<Vec<u8>, ModemError>,
    now: DateTime<Utc>,
) {
    let outcome = db.conn().map_err(|e| e.to_string()).and_then(|conn| {
        match result {
            Ok(references) => outbox::mark_sent(&conn, message, references, now).map(|()| "sent"),
            Err(e) => {
                sms.set_error(&e.to_string());
                outbox::mark_failed_attempt(
                    &conn,
                    message,
                    &e.to_string(),
                    e.is_transient(),
                    sms.max_attempts,
                    now,
                )
                .map(|state| state.code())
            }
        }
        .map_err(|e| e.to_string())
    });
    match outcome {
        Ok(state) => info!(
            "sms: message {} ({}) {state}",
            message.id,
            message.kind.code()
        ),
        Err(e) => warn!("sms: recording message {} failed: {e}", message.id),
    }
    forget_code(db, message);
}
