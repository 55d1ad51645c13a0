//! SMS through a GSM modem on a serial port: the SMS outbox (the shared [`crate::outbox`] on
//! its own table), the sender thread's driver that owns the modem, the AT command driver, PDU
//! encoding, the modem simulator used by tests and the benchmark, and the staff "SMS" page in
//! `pages` (the modem's panel and the test form; the queue and recent messages are the outbox's).
//!
//! Other features queue a message with [`outbox::enqueue`] inside their own transaction and
//! call [`Sms::wake`] after it commits; nothing but the sender thread talks to the modem.

pub(crate) mod at;
pub(crate) mod from_network;
pub(crate) mod inbox;
pub(crate) mod modem;
pub(crate) mod outbox;
pub(crate) mod pdu;
pub(crate) mod pick_up;
pub(crate) mod reports;
pub(crate) mod sender;
pub(crate) mod simulator;

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use serde_json::json;

use crate::outbox::sender::Sender;
use crate::plumbing::clock::Clock;
use crate::plumbing::config::ModemConfig;
use crate::plumbing::i18n::Msg;
use modem::{Info, Mode, Settings};

/// Where messages go.
#[derive(Debug, Clone)]
pub(crate) enum Device {
    /// No modem: messages stay queued, and staff see a warning.
    None,
    /// Written to a file and marked sent: for the demo and development, not real delivery.
    Log(PathBuf),
    /// A real modem on a serial device.
    Serial(Settings),
}

impl Device {
    /// The device the configuration names.
    pub(crate) fn from_config(config: &ModemConfig, data_dir: &std::path::Path) -> Device {
        match config.device.as_str() {
            "none" => Device::None,
            "log" => Device::Log(data_dir.join("sms-log.txt")),
            path => Device::Serial(Settings {
                device: path.to_owned(),
                baud_rate: config.baud_rate,
                pin: Some(config.pin.expose().to_owned()).filter(|p| !p.is_empty()),
                smsc: Some(config.smsc.clone()).filter(|s| !s.is_empty()),
                mode: if config.mode == "text" {
                    Mode::Text
                } else {
                    Mode::Pdu
                },
                registration_timeout: Duration::from_secs(u64::from(
                    config.registration_timeout_seconds,
                )),
                command_timeout: Duration::from_millis(u64::from(config.command_timeout_ms)),
                send_timeout: Duration::from_secs(u64::from(config.send_timeout_seconds)),
            }),
        }
    }
}

/// The connection to the modem as staff see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LinkState {
    NotConfigured,
    LogOnly,
    Connecting,
    Connected,
    Disconnected,
    /// The SIM wants a PIN or PUK it was not given (or refused the one it was given).
    SimLocked,
}

impl LinkState {
    /// The state's code in `/healthz`.
    pub(crate) fn code(self) -> &'static str {
        match self {
            LinkState::NotConfigured => "not_configured",
            LinkState::LogOnly => "log_only",
            LinkState::Connecting => "connecting",
            LinkState::Connected => "connected",
            LinkState::Disconnected => "disconnected",
            LinkState::SimLocked => "sim_locked",
        }
    }

    /// The state for people.
    pub(crate) fn label(self) -> Msg {
        match self {
            LinkState::NotConfigured => Msg::SmsNoModem,
            LinkState::LogOnly => Msg::SmsLogOnly,
            LinkState::Connecting => Msg::SmsConnecting,
            LinkState::Connected => Msg::SmsConnected,
            LinkState::Disconnected => Msg::SmsDisconnected,
            LinkState::SimLocked => Msg::SmsSimLocked,
        }
    }
}

/// The SMS service: settings, the sender thread's shared state (the modem's link, the
/// wake-up bell), and what the modem last said of itself.
pub(crate) struct Sms {
    pub(crate) device: Device,
    pub(crate) bulk_interval: Duration,
    pub(crate) sender: Sender<LinkState>,
    /// What customers' replies are read with (the country of national numbers, STOP words).
    pub(crate) replies: inbox::Replies,
    info: Mutex<Info>,
}

impl Sms {
    /// A service for `device`; the sender thread is started by the server.
    pub(crate) fn new(
        config: &ModemConfig,
        device: Device,
        clock: Arc<dyn Clock>,
        shutdown: Arc<AtomicBool>,
    ) -> Sms {
        Sms {
            device,
            bulk_interval: Duration::from_millis(u64::from(config.bulk_interval_ms)),
            sender: Sender::new(LinkState::Connecting, config.max_attempts, clock, shutdown),
            replies: inbox::Replies::from_config(
                &crate::plumbing::config::Config::default(),
                inbox::Customers::NONE,
            ),
            info: Mutex::new(Info::default()),
        }
    }

    /// The service with the branch's settings for customers' replies.
    pub(crate) fn with_replies(self, replies: inbox::Replies) -> Sms {
        Sms { replies, ..self }
    }

    /// Wakes the sender: call after committing a transaction that queued a message.
    pub(crate) fn wake(&self) {
        self.sender.wake();
    }

    /// A copy of what the modem last said of itself (operator, signal, registration).
    pub(crate) fn info(&self) -> Info {
        self.info
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn set_info(&self, info: &Info) {
        *self.info.lock().unwrap_or_else(PoisonError::into_inner) = info.clone();
    }
}

/// The modem's state for `/healthz`.
pub(crate) fn health(sms: &Sms) -> serde_json::Value {
    let link = sms.sender.link();
    let info = sms.info();
    json!({
        "state": link.state.code(),
        "since": link.since.to_rfc3339(),
        "operator": info.operator,
        "signal": info.signal,
        "last_error": link.last_error,
    })
}
