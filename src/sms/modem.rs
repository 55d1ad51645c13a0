//! The GSM modem: opening the serial device, setting it up, sending a message, and reading
//! its state (SIM, network registration, signal, operator).
//!
//! Set-up, in order: synchronise (ESC to leave any half-finished prompt, then `AT` until it
//! answers, whatever the echo state), `ATE0`, `AT+CMEE=1` (numeric error codes), `AT+CPIN?`
//! (the configured PIN is entered once when the SIM asks; a SIM that wants a PIN or PUK it was
//! not given is a status, not a retry that burns PIN attempts), `AT+CREG?` until registered
//! (bounded), `AT+CSQ`, `AT+COPS?`, the message format (`AT+CMGF`, and in text mode
//! `AT+CSMP` with TP-SRR), and the new-message indications (`AT+CNMI`, see `incoming`).
//!
//! Only the SMS sender thread (`sms::sender`) owns a [`Modem`]; nothing else touches the serial
//! port.

mod incoming;

pub(crate) use incoming::Collected;

use std::time::{Duration, Instant};

use serialport::SerialPort;

use super::at::{AtChannel, AtError, Final, Reply, cme_reason, cms_reason};
use super::pdu::{self, SubmitOptions};
use super::ussd::{self, UssdError};

/// How messages are handed to the modem.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Binary PDUs (TS 23.040): any text, long messages joined on the phone.
    Pdu,
    /// Text mode: the modem encodes; one SMS per part, no joining.
    Text,
}

/// What the driver needs to know.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub(crate) device: String,
    pub(crate) baud_rate: u32,
    pub(crate) pin: Option<String>,
    pub(crate) smsc: Option<String>,
    pub(crate) mode: Mode,
    pub(crate) registration_timeout: Duration,
    pub(crate) command_timeout: Duration,
    pub(crate) send_timeout: Duration,
}

/// The SIM's state as `AT+CPIN?` tells it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Sim {
    Ready,
    PinRequired,
    PukRequired,
    Other(String),
}

/// What the modem reports about itself, for the staff page and `/healthz`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Info {
    pub(crate) manufacturer: String,
    pub(crate) operator: String,
    /// `AT+CSQ` RSSI, 0–31 (99: unknown).
    pub(crate) signal: Option<u8>,
    /// `AT+CREG?` status: 1 home, 5 roaming, 2 searching, 3 denied, 0 not searching.
    pub(crate) registration: Option<u8>,
}

/// What went wrong with the modem or a message.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ModemError {
    #[error("cannot open {device}: {reason}")]
    Open { device: String, reason: String },
    #[error(transparent)]
    At(#[from] AtError),
    #[error("the modem does not answer AT")]
    NoAnswer,
    #[error("the SIM asks for its PIN and none is configured ([modem] pin)")]
    PinRequired,
    #[error(
        "the SIM refused the configured PIN; it will not be tried again until the configuration changes"
    )]
    PinRejected,
    #[error("the SIM is locked and asks for its PUK; unlock it in a phone")]
    PukRequired,
    #[error("the SIM is not ready: {0}")]
    SimNotReady(String),
    #[error("network registration denied")]
    RegistrationDenied,
    #[error("not registered on the network after {0} s")]
    NotRegistered(u64),
    #[error("+CMS ERROR {code}: {}", cms_reason(*code))]
    Cms { code: u16 },
    #[error("+CME ERROR {code}: {}", cme_reason(*code))]
    Cme { code: u16 },
    #[error("{command} failed: {result}")]
    Refused { command: String, result: String },
    #[error("cannot encode the message: {0}")]
    Encode(String),
    #[error("no answer to the balance request ({0}) within the send deadline")]
    NoUssdAnswer(String),
    #[error(transparent)]
    Ussd(#[from] UssdError),
}

impl ModemError {
    /// Whether the connection is unusable and must be closed and set up again.
    pub(crate) fn needs_reconnect(&self) -> bool {
        matches!(
            self,
            ModemError::At(_) | ModemError::Open { .. } | ModemError::NoAnswer
        )
    }

    /// Whether sending the same message again later may succeed.
    pub(crate) fn is_transient(&self) -> bool {
        match self {
            ModemError::Cms { code } => !matches!(
                code,
                1 | 8 | 10 | 21 | 28 | 29 | 30 | 50 | 69 | 96 | 304 | 305
            ),
            ModemError::Encode(_) => false,
            _ => true,
        }
    }
}

/// An open, set-up modem.
pub(crate) struct Modem {
    at: AtChannel<Box<dyn SerialPort>>,
    settings: Settings,
    /// Reference number of the next concatenated message (TS 23.040 §9.2.3.24.1).
    next_reference: u8,
    pub(crate) info: Info,
}

impl Modem {
    /// Opens the device and sets the modem up. `pin_allowed` is false once the SIM refused the
    /// configured PIN, so it is never sent twice.
    pub(crate) fn connect(settings: &Settings, pin_allowed: bool) -> Result<Modem, ModemError> {
        let port = serialport::new(&settings.device, settings.baud_rate)
            .timeout(Duration::from_millis(10))
            .open()
            .map_err(|e| ModemError::Open {
                device: settings.device.clone(),
                reason: e.to_string(),
            })?;
        let mut modem = Modem {
            at: AtChannel::new(port),
            settings: settings.clone(),
            next_reference: 0,
            info: Info::default(),
        };
        modem.set_up(pin_allowed)?;
        Ok(modem)
    }

    /// Runs one command and requires `OK`.
    fn ok(&mut self, command: &str) -> Result<Reply, ModemError> {
        let reply = self.at.command(command, self.settings.command_timeout)?;
        match reply.result {
            Final::Ok => Ok(reply),
            Final::Cme(code) => Err(ModemError::Cme { code }),
            Final::Cms(code) => Err(ModemError::Cms { code }),
            other => Err(ModemError::Refused {
                command: command.to_owned(),
                result: format!("{other:?}"),
            }),
        }
    }

    /// The set-up sequence (see the module documentation).
    fn set_up(&mut self, pin_allowed: bool) -> Result<(), ModemError> {
        // ESC leaves a prompt a previous run may have left open.
        self.at.write_raw(&[0x1b])?;
        let synced = (0..10).any(|_| {
            matches!(
                self.at.command("AT", Duration::from_millis(500)),
                Ok(Reply {
                    result: Final::Ok,
                    ..
                })
            )
        });
        if !synced {
            return Err(ModemError::NoAnswer);
        }
        self.ok("ATE0")?;
        self.ok("AT+CMEE=1")?;
        match self.sim()? {
            Sim::Ready => (),
            Sim::PinRequired => match &self.settings.pin {
                None => return Err(ModemError::PinRequired),
                Some(_) if !pin_allowed => return Err(ModemError::PinRejected),
                Some(pin) => {
                    let command = format!("AT+CPIN=\"{pin}\"");
                    let reply = self.at.command(&command, self.settings.command_timeout)?;
                    if reply.result != Final::Ok {
                        return Err(ModemError::PinRejected);
                    }
                    self.wait_sim_ready()?;
                }
            },
            Sim::PukRequired => return Err(ModemError::PukRequired),
            Sim::Other(state) => return Err(ModemError::SimNotReady(state)),
        }
        self.info.manufacturer = self
            .ok("AT+CGMI")
            .map(|r| r.info.join(" "))
            .unwrap_or_default();
        self.wait_registered()?;
        self.refresh()?;
        match self.settings.mode {
            Mode::Pdu => {
                self.ok("AT+CMGF=0")?;
            }
            Mode::Text => {
                self.ok("AT+CMGF=1")?;
                self.ok("AT+CSCS=\"GSM\"")?;
                // First octet 49: SMS-SUBMIT, relative validity and TP-SRR (a status report).
                self.ok("AT+CSMP=49,167,0,0")?;
                if let Some(smsc) = self.settings.smsc.clone() {
                    self.ok(&format!("AT+CSCA=\"{smsc}\""))?;
                }
            }
        }
        self.enable_indications();
        Ok(())
    }

    /// The SIM's state.
    fn sim(&mut self) -> Result<Sim, ModemError> {
        let reply = self.at.command("AT+CPIN?", self.settings.command_timeout)?;
        match (&reply.result, reply.field("+CPIN:")) {
            (Final::Ok, Some("READY")) => Ok(Sim::Ready),
            (Final::Ok, Some("SIM PIN")) => Ok(Sim::PinRequired),
            (Final::Ok, Some("SIM PUK")) => Ok(Sim::PukRequired),
            (Final::Ok, Some(other)) => Ok(Sim::Other(other.to_owned())),
            (Final::Cme(10), _) => Ok(Sim::Other("not inserted".to_owned())),
            (Final::Cme(code), _) => Err(ModemError::Cme { code: *code }),
            (result, _) => Ok(Sim::Other(format!("{result:?}"))),
        }
    }

    /// After entering the PIN, the SIM takes a moment (`+CME ERROR: 14`, SIM busy).
    fn wait_sim_ready(&mut self) -> Result<(), ModemError> {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            match self.sim() {
                Ok(Sim::Ready) => return Ok(()),
                Ok(Sim::PinRequired) => return Err(ModemError::PinRejected),
                Ok(Sim::PukRequired) => return Err(ModemError::PukRequired),
                Ok(Sim::Other(_)) | Err(ModemError::Cme { code: 14 })
                    if Instant::now() < deadline =>
                {
                    std::thread::sleep(Duration::from_millis(200));
                }
                Ok(Sim::Other(state)) => return Err(ModemError::SimNotReady(state)),
                Err(e) => return Err(e),
            }
        }
    }

    /// Polls `AT+CREG?` until the modem is registered (home or roaming), bounded.
    fn wait_registered(&mut self) -> Result<(), ModemError> {
        let deadline = Instant::now() + self.settings.registration_timeout;
        loop {
            let stat = self.registration()?;
            self.info.registration = stat;
            match stat {
                Some(1 | 5) => return Ok(()),
                Some(3) => return Err(ModemError::RegistrationDenied),
                _ if Instant::now() >= deadline => {
                    return Err(ModemError::NotRegistered(
                        self.settings.registration_timeout.as_secs(),
                    ));
                }
                _ => std::thread::sleep(Duration::from_millis(250)),
            }
        }
    }

    /// The registration status from `+CREG: <n>,<stat>[,...]`.
    fn registration(&mut self) -> Result<Option<u8>, ModemError> {
        let reply = self.ok("AT+CREG?")?;
        Ok(reply
            .field("+CREG:")
            .and_then(|f| f.split(',').nth(1))
            .and_then(|s| s.trim().parse().ok()))
    }

    /// Reads signal, registration and operator again (for the staff page, when idle).
    pub(crate) fn refresh(&mut self) -> Result<&Info, ModemError> {
        let csq = self.ok("AT+CSQ")?;
        self.info.signal = csq
            .field("+CSQ:")
            .and_then(|f| f.split(',').next())
            .and_then(|s| s.trim().parse().ok());
        self.info.registration = self.registration()?;
        let cops = self.ok("AT+COPS?")?;
        self.info.operator = cops
            .field("+COPS:")
            .and_then(|f| f.split('"').nth(1))
            .map(str::to_owned)
            .unwrap_or_default();
        Ok(&self.info)
    }

    /// Checks that the modem still answers.
    pub(crate) fn ping(&mut self) -> Result<(), ModemError> {
        self.ok("AT").map(|_| ())
    }

    /// Unsolicited codes seen since the last call: whether the modem restarted and must be set
    /// up again. `RDY`, `^SYSSTART` and `+CPIN: NOT READY` come only from a power-on. Huawei's
    /// `^BOOT:...` does too, but some firmware also prints it every few seconds as a heartbeat
    /// (ModemManager's Huawei plugin ignores it for that reason), so after a `^BOOT` alone the
    /// modem is asked what a restart would have reset: numeric errors (`AT+CMEE?`, 0 after
    /// power-on) and the message format (`AT+CMGF?`). Settings kept: a heartbeat.
    pub(crate) fn rebooted(&mut self) -> bool {
        let urcs = self.at.take_urcs();
        if urcs.iter().any(|u| is_restart_notice(u)) {
            return true;
        }
        urcs.iter().any(|u| u.starts_with("^BOOT")) && !self.settings_kept()
    }

    /// Whether the modem still has the settings [`Modem::set_up`] gave it (no answer: not).
    fn settings_kept(&mut self) -> bool {
        let format = match self.settings.mode {
            Mode::Pdu => "0",
            Mode::Text => "1",
        };
        let read = |modem: &mut Modem, command: &str, prefix: &str| {
            modem
                .ok(command)
                .ok()
                .and_then(|r| r.field(prefix).map(|f| f.trim().to_owned()))
        };
        read(self, "AT+CMEE?", "+CMEE:").as_deref() == Some("1")
            && read(self, "AT+CMGF?", "+CMGF:").as_deref() == Some(format)
    }

    /// Asks the network by USSD (`code`, e.g. `*888#`) and returns its answer's text.
    pub(crate) fn ussd(&mut self, code: &str) -> Result<String, ModemError> {
        self.ok(&ussd::request(code))?;
        let line = self
            .at
            .wait_urc("+CUSD:", self.settings.send_timeout)?
            .ok_or_else(|| ModemError::NoUssdAnswer(code.to_owned()))?;
        Ok(ussd::answer_text(&line)?)
    }

    /// Sends one message (all its parts); returns the message references the network gave.
    pub(crate) fn send(&mut self, to: &str, text: &str) -> Result<Vec<u8>, ModemError> {
        match self.settings.mode {
            Mode::Pdu => self.send_pdu(to, text),
            Mode::Text => self.send_text(to, text),
        }
    }

    /// PDU mode: one `AT+CMGS=<length>` per part.
    fn send_pdu(&mut self, to: &str, text: &str) -> Result<Vec<u8>, ModemError> {
        let options = SubmitOptions {
            smsc: self.settings.smsc.clone(),
            reference: self.next_reference,
            status_report: true,
            ..SubmitOptions::default()
        };
        self.next_reference = self.next_reference.wrapping_add(1);
        let parts = pdu::encode_submit(to, text, &options)
            .map_err(|e| ModemError::Encode(e.to_string()))?;
        let mut references = Vec::with_capacity(parts.len());
        for part in parts {
            let command = format!("AT+CMGS={}", part.tpdu_len);
            references.push(self.submit(&command, &part.hex)?);
        }
        Ok(references)
    }

    /// Text mode: the modem encodes GSM text itself; a message longer than one SMS goes as
    /// several separate ones, since text mode cannot join them.
    fn send_text(&mut self, to: &str, text: &str) -> Result<Vec<u8>, ModemError> {
        if !text.is_ascii() || pdu::gsm7_encode(text).is_none() {
            return Err(ModemError::Encode(
                "text mode sends only plain ASCII letters and signs; set [modem] mode = \"pdu\""
                    .to_owned(),
            ));
        }
        let chars: Vec<char> = text.chars().collect();
        let mut references = Vec::new();
        for chunk in chars.chunks(160).map(|c| c.iter().collect::<String>()) {
            references.push(self.submit(&format!("AT+CMGS=\"{to}\""), &chunk)?);
        }
        Ok(references)
    }

    /// One `AT+CMGS` with its body; the `+CMGS: <mr>` reference.
    fn submit(&mut self, command: &str, body: &str) -> Result<u8, ModemError> {
        let reply = self.at.command_with_body(
            command,
            body,
            self.settings.command_timeout,
            self.settings.send_timeout,
        )?;
        match reply.result {
            Final::Ok => Ok(reply
                .field("+CMGS:")
                .and_then(|r| r.split(',').next()?.trim().parse().ok())
                .unwrap_or(0)),
            Final::Cms(code) => Err(ModemError::Cms { code }),
            Final::Cme(code) => Err(ModemError::Cme { code }),
            other => Err(ModemError::Refused {
                command: command.to_owned(),
                result: format!("{other:?}"),
            }),
        }
    }
}

/// An unsolicited code only a modem that has just powered on prints.
fn is_restart_notice(urc: &str) -> bool {
    urc == "RDY" || urc == "+CPIN: NOT READY" || urc.starts_with("^SYSSTART")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_classes() {
        assert!(ModemError::Cms { code: 332 }.is_transient());
        assert!(!ModemError::Cms { code: 1 }.is_transient());
        assert!(!ModemError::Encode("x".into()).is_transient());
        assert!(ModemError::NoAnswer.needs_reconnect());
        assert!(!ModemError::Cms { code: 500 }.needs_reconnect());
        assert_eq!(
            ModemError::Cms { code: 331 }.to_string(),
            "+CMS ERROR 331: no network service"
        );
    }
}

#[cfg(test)]
mod boot_tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::sms::simulator::{SimConfig, Simulator};

    fn settings(device: &std::path::Path) -> Settings {
        Settings {
            device: device.display().to_string(),
            baud_rate: 115_200,
            pin: None,
            smsc: None,
            mode: Mode::Pdu,
            registration_timeout: Duration::from_secs(5),
            command_timeout: Duration::from_secs(1),
            send_timeout: Duration::from_secs(3),
        }
    }

    #[test]
    fn a_boot_heartbeat_is_no_restart_but_a_boot_after_lost_settings_is() {
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join("modem");
        let config = SimConfig {
            boot_heartbeat: Some(Duration::from_millis(50)),
            ..SimConfig::default()
        };
        let sim = Simulator::start(&link, config).unwrap();
        let mut modem = Modem::connect(&settings(&link), true).unwrap();
        for _ in 0..10 {
            std::thread::sleep(Duration::from_millis(60));
            modem.ping().unwrap();
            assert!(!modem.rebooted(), "{:?}", sim.commands());
        }
        sim.restart();
        modem.ping().unwrap();
        assert!(modem.rebooted(), "{:?}", sim.commands());
    }
}
