//! SMS through GSM modems on serial ports (one, or several `[[modem]]`): the SMS outbox (the
//! shared [`crate::outbox`] on its own table), one sender thread per modem whose driver owns
//! it, the AT command driver, PDU encoding, the SIM balance by USSD (`ussd`), each modem's
//! daily count and cost (`usage`), and the modem simulator used by tests and the benchmark.
//! The staff pages are `web::sms` and `web::sms_modems`.
//!
//! Other features queue a message with [`outbox::enqueue`] inside their own transaction and
//! call [`Sms::wake`] after it commits; nothing but a modem's sender thread talks to it.

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
pub(crate) mod usage;
pub(crate) mod ussd;

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use serde_json::json;

use crate::outbox::sender::Sender;
use crate::plumbing::clock::Clock;
use crate::plumbing::config::{Config, ModemConfig};
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
    /// One of several modems, set aside for a while after repeated errors or for want of
    /// credit: its messages go to the others.
    SetAside,
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
            LinkState::SetAside => "set_aside",
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
            LinkState::SetAside => Msg::SmsSetAside,
        }
    }
}

/// One attached modem as the rest of the program sees it: its name and device, its sender
/// thread's shared state (the link, the wake-up bell), what it last said of itself, and its
/// credit settings. `Sms::modems` holds them in configured order.
pub(crate) struct SmsModem {
    /// The name staff see (`[modem] name`, or "modem <n>"); kept with every message it sends.
    pub(crate) name: String,
    pub(crate) device: Device,
    pub(crate) bulk_interval: Duration,
    pub(crate) sender: Sender<LinkState>,
    pub(crate) credit: Credit,
    info: Mutex<Info>,
    /// Set by the daily schedule or the SMS page's button; the sender reads the balance when
    /// it is next free.
    balance_wanted: AtomicBool,
}

/// A modem's SIM credit settings (`balance_ussd`, `balance_pattern`, `low_balance_below`,
/// `price_per_part`), in the branch currency's minor units.
#[derive(Debug, Clone)]
pub(crate) struct Credit {
    pub(crate) ussd: String,
    pub(crate) pattern: regex::Regex,
    pub(crate) low_below: i64,
    pub(crate) price_per_part: i64,
    /// The branch currency's decimals, to read the operator's amount.
    pub(crate) exponent: u8,
}

impl SmsModem {
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

    /// Asks the sender to read the SIM's balance when it is next free (if a code is set).
    pub(crate) fn want_balance(&self) {
        if !self.credit.ussd.is_empty() {
            self.balance_wanted.store(true, Ordering::SeqCst);
            self.sender.wake();
        }
    }

    /// Whether a balance check was asked for since the last call (the sender's question).
    fn balance_wanted(&self) -> bool {
        self.balance_wanted.swap(false, Ordering::SeqCst)
    }

    /// Whether the modem takes messages now.
    pub(crate) fn is_healthy(&self) -> bool {
        matches!(
            self.sender.link().state,
            LinkState::Connected | LinkState::LogOnly
        )
    }
}

/// The SMS service: every attached modem, in configured order (there is always at least one,
/// possibly `device = "none"`).
pub(crate) struct Sms {
    pub(crate) modems: Vec<SmsModem>,
    /// What customers' replies are read with (the country of national numbers, STOP words).
    pub(crate) replies: inbox::Replies,
    /// The branch's offset from UTC, for the daily counts.
    pub(crate) utc_offset: chrono::FixedOffset,
}

impl Sms {
    /// The service for the configured modems; the sender threads are started by the server.
    pub(crate) fn new(config: &Config, clock: Arc<dyn Clock>, shutdown: Arc<AtomicBool>) -> Sms {
        let exponent = config.currency().exponent;
        let modems = config
            .modem
            .iter()
            .enumerate()
            .map(|(i, m)| SmsModem {
                name: m.display_name(i),
                device: Device::from_config(m, &config.data_dir()),
                bulk_interval: Duration::from_millis(u64::from(m.bulk_interval_ms)),
                sender: Sender::new(
                    LinkState::Connecting,
                    m.max_attempts,
                    Arc::clone(&clock),
                    Arc::clone(&shutdown),
                ),
                credit: Credit {
                    ussd: m.balance_ussd.clone(),
                    // Checked at start-up ([`Config`] validation); an empty pattern never matches.
                    pattern: regex::Regex::new(&m.balance_pattern)
                        .unwrap_or_else(|_| regex::Regex::new("$^").expect("a valid pattern")),
                    low_below: m.low_balance_below,
                    price_per_part: m.price_per_part,
                    exponent,
                },
                info: Mutex::new(Info::default()),
                balance_wanted: AtomicBool::new(false),
            })
            .collect();
        Sms {
            modems,
            replies: inbox::Replies::from_config(config, inbox::Customers::NONE),
            utc_offset: config.utc_offset(),
        }
    }

    /// The service with the branch's settings for customers' replies.
    pub(crate) fn with_replies(self, replies: inbox::Replies) -> Sms {
        Sms { replies, ..self }
    }

    /// Wakes every sender: call after committing a transaction that queued a message.
    pub(crate) fn wake(&self) {
        for modem in &self.modems {
            modem.sender.wake();
        }
    }

    /// The first modem, whose state stands for the channel where one state is shown.
    pub(crate) fn first(&self) -> Option<&SmsModem> {
        self.modems.first()
    }

    /// The state the dashboard and `/healthz` show: the first healthy modem's, else the first's.
    pub(crate) fn link_state(&self) -> LinkState {
        self.modems
            .iter()
            .find(|m| m.is_healthy())
            .or(self.first())
            .map_or(LinkState::NotConfigured, |m| m.sender.link().state)
    }

    /// The modem named `name`.
    pub(crate) fn named(&self, name: &str) -> Option<&SmsModem> {
        self.modems.iter().find(|m| m.name == name)
    }

    /// Asks every modem with a balance code to read its balance (the daily check).
    pub(crate) fn want_balances(&self) {
        for modem in &self.modems {
            modem.want_balance();
        }
    }
}

/// The modems' state for `/healthz`: the first healthy one's (else the first's) state,
/// operator, signal and last error, and `modems`, each of them.
pub(crate) fn health(sms: &Sms) -> serde_json::Value {
    let one = |m: &SmsModem| {
        let link = m.sender.link();
        let info = m.info();
        json!({
            "name": m.name,
            "state": link.state.code(),
            "since": link.since.to_rfc3339(),
            "operator": info.operator,
            "signal": info.signal,
            "last_error": link.last_error,
        })
    };
    let shown = sms.modems.iter().find(|m| m.is_healthy()).or(sms.first());
    let mut health = shown.map_or_else(|| json!({}), one);
    health["modems"] = sms.modems.iter().map(one).collect();
    health
}
