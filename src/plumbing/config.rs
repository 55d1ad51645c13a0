//! Configuration: one struct, loaded once at start-up and passed explicitly.
//!
//! Every key has a default that runs out of the box. Values are layered, later winning:
//! built-in defaults, an optional TOML file (`--config`), environment variables
//! (`[section] name` ↔ `PAWNBRANCH_SECTION_NAME`) and command-line flags. An unknown key or a
//! bad value stops start-up with a message that names the key, because a branch box that
//! silently ignores a typo in its modem device would silently stop sending login codes.
//!
//! Keys that hold secrets (SIM PIN, relay passwords, head office credentials) are printed as
//! `********` by `pawnbranch check`, so the configuration can be shown safely.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use chrono::{FixedOffset, NaiveTime};
use serde::{Deserialize, Serialize};

use crate::plumbing::i18n::Lang;
use crate::plumbing::iso;
use crate::plumbing::money::{self, Currency};

/// The prefix of every environment variable that sets a configuration key.
const ENV_PREFIX: &str = "PAWNBRANCH_";
/// The longest a payment code may stay valid: a week, since the amount owed changes with
/// every new interest period.
const MAX_CODE_VALIDITY_HOURS: u32 = 7 * 24;
/// The amount in the balance answers of Indonesian operators ("Sisa pulsa Rp 12.500",
/// "Pulsa: Rp5.000", "Balance Rp 1,250").
const DEFAULT_BALANCE_PATTERN: &str = r"(?i)(?:pulsa|saldo|balance)\D*?([0-9][0-9.,]*)";

/// The whole configuration of one branch server (or head office receiver).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct Config {
    pub(crate) branch: BranchConfig,
    pub(crate) server: ServerConfig,
    pub(crate) storage: StorageConfig,
    pub(crate) staff: StaffConfig,
    pub(crate) modem: Modems,
    pub(crate) sms: SmsConfig,
    pub(crate) email: EmailConfig,
    pub(crate) otp: OtpConfig,
    pub(crate) portal: PortalConfig,
    pub(crate) reminders: RemindersConfig,
    pub(crate) callcentre: CallCentreConfig,
    pub(crate) payments: PaymentsConfig,
    pub(crate) loans: LoansConfig,
    pub(crate) complaints: ComplaintsConfig,
    pub(crate) sync: SyncConfig,
    pub(crate) hq: HqConfig,
    pub(crate) log: LogConfig,
}

/// `[branch]`: who this branch is and how it counts money and time.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct BranchConfig {
    /// Short code of the branch, unique in the chain; prefixes ticket numbers.
    pub(crate) code: String,
    /// Name shown on pages and printed tickets.
    pub(crate) name: String,
    /// ISO 3166 alpha-2 country; the default country of phone numbers and the order of dates
    /// in imported files (`import::dates`).
    pub(crate) country: String,
    /// ISO 4217 currency of every amount.
    pub(crate) currency: String,
    /// Decimal places of amounts; -1 means as the currency is used day to day (0 for IDR).
    pub(crate) currency_exponent: i64,
    /// Offset of branch-local time from UTC, e.g. `+07:00` for Jakarta.
    pub(crate) utc_offset: String,
    /// Default language of pages: `en` or `id`.
    pub(crate) language: String,
    /// The branch's street address, printed on tickets; empty leaves the line out.
    pub(crate) address: String,
    /// The branch's phone number as customers dial it, printed on tickets; empty leaves it out.
    pub(crate) phone: String,
    /// The number of the branch's pawnshop licence (in Indonesia, the OJK business licence),
    /// printed on tickets; empty leaves it out.
    pub(crate) licence: String,
}

/// The longest `[branch] address` (two printed lines on an A5 ticket).
const MAX_ADDRESS_CHARS: usize = 160;
/// The longest `[branch] phone` and `[branch] licence`.
const MAX_PHONE_CHARS: usize = 40;
const MAX_LICENCE_CHARS: usize = 80;

impl Default for BranchConfig {
    fn default() -> Self {
        BranchConfig {
            code: "BR01".to_owned(),
            name: "Pawnbranch".to_owned(),
            country: "ID".to_owned(),
            currency: "IDR".to_owned(),
            currency_exponent: -1,
            utc_offset: "+07:00".to_owned(),
            language: "en".to_owned(),
            address: String::new(),
            phone: String::new(),
            licence: String::new(),
        }
    }
}

/// `[server]`: the HTTP listener.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct ServerConfig {
    /// Address and port to listen on.
    pub(crate) listen: String,
    /// Number of worker threads answering requests.
    pub(crate) workers: u32,
    /// Largest request body accepted; larger bodies get 413.
    pub(crate) max_body_bytes: u32,
    /// Most client connections open at once (see `http::Options`).
    pub(crate) max_connections: u32,
    /// Seconds a client has to send a request head.
    pub(crate) head_timeout_seconds: u32,
    /// Seconds a client has to send a body, one more per `body_min_rate_bytes` received.
    pub(crate) body_timeout_seconds: u32,
    pub(crate) body_min_rate_bytes: u32,
    /// Seconds a keep-alive connection may wait for its next request.
    pub(crate) idle_timeout_seconds: u32,
    /// Seconds a response may make no progress while being written.
    pub(crate) write_timeout_seconds: u32,
    /// The address customers and staff type in their browsers, e.g. `http://192.168.1.10:8080`
    /// or `https://branch.example`. Empty means derived from `listen`. When it starts with
    /// `https://`, cookies are marked `Secure` (TLS is terminated by a proxy in front).
    pub(crate) public_url: String,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            listen: "127.0.0.1:8080".to_owned(),
            workers: 8,
            max_body_bytes: 64 * 1024,
            max_connections: 512,
            head_timeout_seconds: 10,
            body_timeout_seconds: 10,
            body_min_rate_bytes: 500,
            idle_timeout_seconds: 15,
            write_timeout_seconds: 10,
            public_url: String::new(),
        }
    }
}

impl ServerConfig {
    /// The HTTP plumbing's settings, with the largest body this server accepts (head office
    /// takes larger uploads than a branch's forms).
    pub(crate) fn http_options(&self, max_body_bytes: u32) -> crate::plumbing::http::Options {
        let seconds = |s: u32| std::time::Duration::from_secs(u64::from(s));
        crate::plumbing::http::Options {
            workers: self.workers as usize,
            max_body_bytes: max_body_bytes as usize,
            max_connections: self.max_connections as usize,
            head_timeout: seconds(self.head_timeout_seconds),
            body_timeout: seconds(self.body_timeout_seconds),
            body_min_rate_bytes: self.body_min_rate_bytes as usize,
            idle_timeout: seconds(self.idle_timeout_seconds),
            write_timeout: seconds(self.write_timeout_seconds),
            // What the workers could hold at once, and at least 16 MiB: enough for uploads in
            // progress, not the connection limit times the largest body.
            body_memory_bytes: (self.workers as usize)
                .saturating_mul(max_body_bytes as usize)
                .max(16 * 1024 * 1024),
            uploads: None,
        }
    }

    /// Checks the connection bound and the deadlines.
    fn validate_connections(&self) -> Result<(), ConfigError> {
        if !(16..=65536).contains(&self.max_connections) {
            return bad(
                "[server] max_connections",
                format!("{} must be between 16 and 65536", self.max_connections),
            );
        }
        for (key, value) in [
            ("[server] head_timeout_seconds", self.head_timeout_seconds),
            ("[server] body_timeout_seconds", self.body_timeout_seconds),
            ("[server] idle_timeout_seconds", self.idle_timeout_seconds),
            ("[server] write_timeout_seconds", self.write_timeout_seconds),
        ] {
            if !(1..=3600).contains(&value) {
                return bad(key, format!("{value} must be between 1 and 3600"));
            }
        }
        if self.body_min_rate_bytes == 0 {
            return bad(
                "[server] body_min_rate_bytes",
                "must be at least 1".to_owned(),
            );
        }
        Ok(())
    }
}

/// `[storage]`: the SQLite database and its backups.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct StorageConfig {
    /// Directory holding the database, its backups and the installation secret.
    pub(crate) data_dir: String,
    /// How long a writer waits for another writer before giving up, in milliseconds.
    pub(crate) busy_timeout_ms: u32,
    /// Branch-local time of the nightly backup, `HH:MM`.
    pub(crate) backup_time: String,
    /// How many nightly backups to keep; older ones are deleted.
    pub(crate) backup_keep: u32,
}

impl Default for StorageConfig {
    fn default() -> Self {
        StorageConfig {
            data_dir: "./data".to_owned(),
            busy_timeout_ms: 5000,
            backup_time: "02:30".to_owned(),
            backup_keep: 14,
        }
    }
}

/// `[staff]`: staff sign-in and sessions.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct StaffConfig {
    /// A session unused for this long ends.
    pub(crate) session_idle_minutes: u32,
    /// A session ends this long after sign-in, used or not.
    pub(crate) session_max_hours: u32,
    /// Failed sign-ins in a row that lock an account.
    pub(crate) lockout_attempts: u32,
    /// How long a locked account stays locked.
    pub(crate) lockout_minutes: u32,
    /// Failed sign-ins allowed from one client address per 15 minutes, whatever the account.
    pub(crate) address_failures_per_15_minutes: u32,
}

impl Default for StaffConfig {
    fn default() -> Self {
        StaffConfig {
            session_idle_minutes: 30,
            session_max_hours: 12,
            lockout_attempts: 5,
            lockout_minutes: 15,
            address_failures_per_15_minutes: 20,
        }
    }
}

/// `[modem]`, or several `[[modem]]` tables: the GSM modems that send SMS, in order (one-time
/// codes go to the first healthy one). One `[modem]` table is the simple case and parses as a
/// list of one; the environment (`PAWNBRANCH_MODEM_*`) sets the first modem's keys.
#[derive(Debug, Clone)]
pub(crate) struct Modems(pub(crate) Vec<ModemConfig>);

impl Default for Modems {
    fn default() -> Self {
        Modems(vec![ModemConfig::default()])
    }
}

impl Modems {
    /// The modems, in their configured order.
    pub(crate) fn iter(&self) -> std::slice::Iter<'_, ModemConfig> {
        self.0.iter()
    }
}

impl Serialize for Modems {
    /// One modem as a `[modem]` table (so the defaults have a table the environment can set),
    /// several as `[[modem]]` tables.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0.as_slice() {
            [one] => one.serialize(serializer),
            many => many.serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for Modems {
    /// A `[modem]` table or a list of `[[modem]]` tables, each read with its own key checks.
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Modems;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a [modem] table or [[modem]] tables")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Modems, A::Error> {
                let one =
                    ModemConfig::deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
                Ok(Modems(vec![one]))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, seq: A) -> Result<Modems, A::Error> {
                Vec::deserialize(serde::de::value::SeqAccessDeserializer::new(seq)).map(Modems)
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

/// One GSM modem that sends SMS (a `[modem]` table, or one of several `[[modem]]` tables).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct ModemConfig {
    /// The name staff see on the SMS page and head office in the daily counts; empty gives
    /// "modem 1", "modem 2", ... by position. Unique.
    pub(crate) name: String,
    /// The serial device, e.g. `/dev/ttyUSB0` or `/dev/pawnbranch-modem` (see `deploy/`);
    /// `none` keeps messages queued; `log` writes them to `sms-log.txt` in the data directory
    /// instead of sending them (for the demo and development: not real delivery).
    pub(crate) device: String,
    /// Serial speed.
    pub(crate) baud_rate: u32,
    /// The SIM's PIN, entered once when the SIM asks for it; empty if the SIM has none.
    pub(crate) pin: Secret,
    /// The SMS centre number; empty to use the one stored on the SIM.
    pub(crate) smsc: String,
    /// `pdu` (default: any text, long messages joined on the phone) or `text`.
    pub(crate) mode: String,
    /// How long to wait for the modem to register on the network at start-up.
    pub(crate) registration_timeout_seconds: u32,
    /// Deadline of an ordinary AT command.
    pub(crate) command_timeout_ms: u32,
    /// Deadline of the network's answer to a message (`AT+CMGS`); SIM800 allows 60 s.
    pub(crate) send_timeout_seconds: u32,
    /// Attempts before a message fails for good.
    pub(crate) max_attempts: u32,
    /// Pause between reminders and other bulk messages, so the operator does not block the
    /// SIM as a spammer; codes never wait.
    pub(crate) bulk_interval_ms: u32,
    /// The operator's USSD code that answers the SIM's prepaid balance (e.g. `*888#` for
    /// Telkomsel, `*123#` for Indosat); empty: the balance is not checked.
    pub(crate) balance_ussd: String,
    /// The pattern (Rust `regex` syntax) whose first group is the amount in the USSD answer;
    /// dots and commas in it are taken as thousands separators.
    pub(crate) balance_pattern: String,
    /// Below this balance (in the branch currency's minor units) the dashboard warns; 0: no
    /// warning.
    pub(crate) low_balance_below: i64,
    /// What one SMS part costs (in the branch currency's minor units), for the daily cost.
    pub(crate) price_per_part: i64,
}

impl ModemConfig {
    /// The name staff see: the configured one, or "modem <n>" by position (`index` from 0).
    pub(crate) fn display_name(&self, index: usize) -> String {
        if self.name.is_empty() {
            format!("modem {}", index + 1)
        } else {
            self.name.clone()
        }
    }
}

impl Default for ModemConfig {
    fn default() -> Self {
        ModemConfig {
            device: "none".to_owned(),
            baud_rate: 115_200,
            pin: Secret::default(),
            smsc: String::new(),
            mode: "pdu".to_owned(),
            registration_timeout_seconds: 60,
            command_timeout_ms: 5000,
            send_timeout_seconds: 60,
            max_attempts: 5,
            bulk_interval_ms: 2000,
            name: String::new(),
            balance_ussd: String::new(),
            balance_pattern: DEFAULT_BALANCE_PATTERN.to_owned(),
            low_balance_below: 0,
            price_per_part: 0,
        }
    }
}

/// `[sms]`: what the branch does with the network's delivery reports and customers' replies
/// (issue 17), whatever the modem.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct SmsConfig {
    /// Staff are warned when a one-time code has no delivery report this many minutes after
    /// it was sent.
    pub(crate) code_delivery_minutes: u32,
    /// Replies that mean "no more texts", besides STOP and BERHENTI (compared as whole
    /// replies, without regard to case).
    pub(crate) stop_words: Vec<String>,
}

impl Default for SmsConfig {
    fn default() -> Self {
        SmsConfig {
            code_delivery_minutes: 3,
            stop_words: Vec::new(),
        }
    }
}

/// `[email]`: the SMTP relay that sends email (portal invitations, login codes, test emails).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct EmailConfig {
    /// Host name of the SMTP relay (the provider's submission server, or a relay on the LAN);
    /// empty keeps emails queued, and staff see how many wait.
    pub(crate) relay: String,
    /// The relay's port: usually 587 with `starttls`, 465 with `tls`.
    pub(crate) port: u32,
    /// `starttls` (connect in plain, then require STARTTLS), `tls` (TLS from the first byte) or
    /// `none` (plain text: only for a relay on this machine, such as the tests' loopback relay).
    pub(crate) security: String,
    /// The user name to log in to the relay with; empty to send without logging in.
    pub(crate) username: String,
    /// The password for `username`.
    pub(crate) password: Secret,
    /// The sender, e.g. `Pawnbranch Menteng <menteng@pawnbranch.example>`.
    pub(crate) from: String,
    /// A PEM file with the certificate of the authority that signed the relay's certificate,
    /// trusted besides the public ones: for a relay on the chain's own network. Empty: the
    /// public authorities only.
    pub(crate) ca_file: String,
    /// Deadline of each exchange with the relay.
    pub(crate) timeout_seconds: u32,
    /// Attempts before an email the relay answered with a temporary error fails for good. An
    /// unreachable relay does not use up attempts: the email waits for it.
    pub(crate) max_attempts: u32,
}

impl Default for EmailConfig {
    fn default() -> Self {
        EmailConfig {
            relay: String::new(),
            port: 587,
            security: "starttls".to_owned(),
            username: String::new(),
            password: Secret::default(),
            from: String::new(),
            ca_file: String::new(),
            timeout_seconds: 30,
            max_attempts: 8,
        }
    }
}

impl EmailConfig {
    /// Whether a relay is configured.
    pub(crate) fn has_relay(&self) -> bool {
        !self.relay.is_empty()
    }
}

/// Whether `host` names this machine (the only place a plain-text relay is allowed).
fn is_loopback_host(host: &str) -> bool {
    host == "localhost"
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// `[otp]`: one-time codes for the portal login and phone verification.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct OtpConfig {
    /// How long a code is valid.
    pub(crate) validity_minutes: u32,
    /// Codes per phone number per branch-local day.
    pub(crate) per_day: u32,
    /// Wrong codes in a row that lock the customer until staff unlock them.
    pub(crate) max_wrong: u32,
    /// The least time between two codes to the same number.
    pub(crate) resend_seconds: u32,
    /// Code requests from one client address per hour, against SMS pumping.
    pub(crate) requests_per_address_per_hour: u32,
}

impl Default for OtpConfig {
    fn default() -> Self {
        OtpConfig {
            validity_minutes: 5,
            per_day: 5,
            max_wrong: 3,
            resend_seconds: 30,
            requests_per_address_per_hour: 20,
        }
    }
}

/// `[portal]`: the customer portal on the branch Wi-Fi.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct PortalConfig {
    /// A customer session unused this long ends (phones are often shared).
    pub(crate) session_idle_minutes: u32,
    /// The portal's address on the branch Wi-Fi as customers type it; the portal invitation
    /// email gives it.
    pub(crate) public_url: String,
}

impl Default for PortalConfig {
    fn default() -> Self {
        PortalConfig {
            session_idle_minutes: 15,
            public_url: "http://pawnbranch.lan/".to_owned(),
        }
    }
}

/// `[reminders]`: the SMS reminders before and after a ticket's due date.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct RemindersConfig {
    /// Days before the due date a reminder is sent, e.g. `5,3,1,0` (0: on the day itself);
    /// empty for none.
    pub(crate) days_before: String,
    /// Branch-local time from which reminders and notices are queued, `HH:MM`.
    pub(crate) send_from: String,
    /// Branch-local time from which they are no longer queued or sent, `HH:MM`.
    pub(crate) send_until: String,
    /// Days after the due date of the "overdue" reminder, while the ticket is in grace.
    pub(crate) overdue_after_days: u32,
}

impl Default for RemindersConfig {
    fn default() -> Self {
        RemindersConfig {
            days_before: "5,3,1,0".to_owned(),
            send_from: "08:00".to_owned(),
            send_until: "20:00".to_owned(),
            overdue_after_days: 1,
        }
    }
}

/// What is wrong with a reminder schedule, in the file or typed on the Reminders page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ScheduleProblem {
    Days,
    SendFrom,
    SendUntil,
    HoursOrder,
    OverdueDays,
}

impl ScheduleProblem {
    /// The configuration key at fault.
    pub(crate) fn key(self) -> &'static str {
        match self {
            ScheduleProblem::Days => "[reminders] days_before",
            ScheduleProblem::SendFrom => "[reminders] send_from",
            ScheduleProblem::SendUntil | ScheduleProblem::HoursOrder => "[reminders] send_until",
            ScheduleProblem::OverdueDays => "[reminders] overdue_after_days",
        }
    }

    /// Why, for the installer reading the start-up error.
    pub(crate) fn detail(self, r: &RemindersConfig) -> String {
        match self {
            ScheduleProblem::Days => format!(
                "{:?} must be whole numbers of days from 0 to {MAX_REMINDER_DAYS}, each once, separated by commas, e.g. \"5,3,1,0\"",
                r.days_before
            ),
            ScheduleProblem::SendFrom => format!("{:?} must be HH:MM", r.send_from),
            ScheduleProblem::SendUntil => format!("{:?} must be HH:MM", r.send_until),
            ScheduleProblem::HoursOrder => format!(
                "{:?} must be later in the day than send_from ({:?})",
                r.send_until, r.send_from
            ),
            ScheduleProblem::OverdueDays => format!(
                "{} must be between 1 and {MAX_REMINDER_DAYS}",
                r.overdue_after_days
            ),
        }
    }
}

impl RemindersConfig {
    /// The longest "days before" or "overdue after" a schedule may have.
    pub(crate) const MAX_DAYS: u32 = MAX_REMINDER_DAYS;

    /// Checks a schedule by the rules the file is checked by at start-up.
    pub(crate) fn check(&self) -> Result<(), ScheduleProblem> {
        if parse_days(&self.days_before).is_none() {
            return Err(ScheduleProblem::Days);
        }
        let time = |t: &str| NaiveTime::parse_from_str(t, "%H:%M").ok();
        let from = time(&self.send_from).ok_or(ScheduleProblem::SendFrom)?;
        let until = time(&self.send_until).ok_or(ScheduleProblem::SendUntil)?;
        if from >= until {
            return Err(ScheduleProblem::HoursOrder);
        }
        if !(1..=MAX_REMINDER_DAYS).contains(&self.overdue_after_days) {
            return Err(ScheduleProblem::OverdueDays);
        }
        Ok(())
    }

    /// The days before the due date, largest first (validated at load).
    pub(crate) fn days(&self) -> Vec<u32> {
        parse_days(&self.days_before).unwrap_or_default()
    }

    /// The start of the sending hours (validated at load).
    pub(crate) fn window_start(&self) -> NaiveTime {
        NaiveTime::parse_from_str(&self.send_from, "%H:%M").unwrap_or(NaiveTime::MIN)
    }

    /// The end of the sending hours (validated at load).
    pub(crate) fn window_end(&self) -> NaiveTime {
        NaiveTime::parse_from_str(&self.send_until, "%H:%M").unwrap_or(NaiveTime::MIN)
    }
}

/// `[callcentre]`: when the call centre may call and text customers about their loans, and how
/// often (issue 15). Indonesian rules (SEOJK 19/2023) allow collection contact from 08:00 to
/// 20:00 only; none on the branch's holidays either (`holidays`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct CallCentreConfig {
    /// Branch-local time from which calls and messages are allowed, `HH:MM`.
    pub(crate) contact_from: String,
    /// Branch-local time from which they are no longer allowed, `HH:MM`.
    pub(crate) contact_until: String,
    /// Contact attempts (follow-up notes) per customer per branch-local day.
    pub(crate) attempts_per_day: u32,
}

impl Default for CallCentreConfig {
    fn default() -> Self {
        CallCentreConfig {
            contact_from: "08:00".to_owned(),
            contact_until: "20:00".to_owned(),
            attempts_per_day: 3,
        }
    }
}

impl CallCentreConfig {
    /// The most attempts a day the file may allow.
    pub(crate) const MAX_ATTEMPTS: u32 = 20;

    /// The start of the contact hours (validated at load).
    pub(crate) fn hours_start(&self) -> NaiveTime {
        NaiveTime::parse_from_str(&self.contact_from, "%H:%M").unwrap_or(NaiveTime::MIN)
    }

    /// The end of the contact hours (validated at load).
    pub(crate) fn hours_end(&self) -> NaiveTime {
        NaiveTime::parse_from_str(&self.contact_until, "%H:%M").unwrap_or(NaiveTime::MIN)
    }

    /// The key at fault and why, if any.
    fn problem(&self) -> Option<(&'static str, String)> {
        let time = |t: &str| NaiveTime::parse_from_str(t, "%H:%M").ok();
        let (Some(from), Some(until)) = (time(&self.contact_from), time(&self.contact_until))
        else {
            return Some(if time(&self.contact_from).is_none() {
                (
                    "[callcentre] contact_from",
                    format!("{:?} must be HH:MM", self.contact_from),
                )
            } else {
                (
                    "[callcentre] contact_until",
                    format!("{:?} must be HH:MM", self.contact_until),
                )
            });
        };
        if from >= until {
            return Some((
                "[callcentre] contact_until",
                format!(
                    "{:?} must be later in the day than contact_from ({:?})",
                    self.contact_until, self.contact_from
                ),
            ));
        }
        if !(1..=Self::MAX_ATTEMPTS).contains(&self.attempts_per_day) {
            return Some((
                "[callcentre] attempts_per_day",
                format!(
                    "{} must be between 1 and {}",
                    self.attempts_per_day,
                    Self::MAX_ATTEMPTS
                ),
            ));
        }
        None
    }
}

/// `[payments]`: how customers pay with a payment code (seed 003).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct PaymentsConfig {
    /// The branch's bank account for transfers, as customers should read it (bank, number,
    /// holder); empty hides the bank transfer instructions.
    pub(crate) bank_account: String,
    /// The number (or paybill) that receives mobile money; empty hides those instructions.
    pub(crate) mobile_money_number: String,
    /// How long a payment code can be paid with, in hours.
    pub(crate) code_validity_hours: u32,
    /// A payment code still unpaid this many hours after it was made is flagged for staff on
    /// the dashboard (seed 003, C.5).
    pub(crate) unconfirmed_alert_hours: u32,
}

impl Default for PaymentsConfig {
    fn default() -> Self {
        PaymentsConfig {
            bank_account: String::new(),
            mobile_money_number: String::new(),
            code_validity_hours: 24,
            unconfirmed_alert_hours: 2,
        }
    }
}

/// `[loans]`: rules of the pawn tickets that are the branch's, not a product's.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct LoansConfig {
    /// Days after the auction of a forfeited item within which the customer can claim the
    /// surplus (what the sale brought above what was owed); printed in the ticket's terms.
    /// Indonesian pawnshops pay it out for a year (POJK 31/POJK.05/2016), hence 365.
    pub(crate) surplus_claim_days: u32,
    /// A ticket whose principal is above this many minor units is approved and paid out by a
    /// staff member other than the one who wrote it (a second pair of eyes); 0 turns it off.
    pub(crate) second_approval_above: i64,
    /// The new-ticket form warns when the gold reference price is older than this many days.
    pub(crate) gold_price_stale_days: u32,
}

impl Default for LoansConfig {
    fn default() -> Self {
        LoansConfig {
            surplus_claim_days: 365,
            second_approval_above: 0,
            gold_price_stale_days: 7,
        }
    }
}

/// The longest `[loans] surplus_claim_days`: ten years.
const MAX_SURPLUS_CLAIM_DAYS: u32 = 3650;

/// The longest `[loans] gold_price_stale_days`: a year.
const MAX_GOLD_PRICE_STALE_DAYS: u32 = 365;

/// `[complaints]`: the service levels of complaint cases (issue 14).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct ComplaintsConfig {
    /// Working days to resolve a complaint made orally (hotline, counter): the regulator's 5.
    pub(crate) oral_working_days: u32,
    /// Working days to resolve a written one (email, chat, social media, portal): 20.
    pub(crate) written_working_days: u32,
    /// A clock turns amber with this share of its time left (percent), red when it is up.
    pub(crate) amber_percent: u32,
    /// Levels of some categories (and priorities); the first response clock runs only for a
    /// category listed with `first_response_hours`. Given in the file, it replaces these.
    pub(crate) levels: Vec<ServiceLevel>,
    /// Numbers of the CS managers told by SMS when a case breaches its level (the breach
    /// pass), separated by commas; empty: the dashboard card only.
    pub(crate) breach_sms_to: String,
    /// Addresses of the CS managers told by email when a case breaches its level, separated
    /// by commas (the email outbox, through `[email]`'s relay); empty: no email.
    pub(crate) breach_email_to: String,
    /// The misspelt endings of an email address staff may correct for the customer from a
    /// complaint case (seed 002 step 3; the seed's table itself is absent). Given in the
    /// file, it replaces these.
    pub(crate) email_typos: Vec<EmailTypo>,
    /// The character slips staff may correct too: `trailing_dot`, `spaces`, `comma` (see
    /// [`EMAIL_FIXES`]). Given in the file, it replaces these.
    pub(crate) email_fixes: Vec<String>,
    /// Largest file attached to a case (staff's proof of a bank transfer, a customer's
    /// photo), in bytes; the upload routes' body limit (the other routes keep
    /// `[server] max_body_bytes`).
    pub(crate) attachment_max_bytes: u32,
}

/// The smallest and largest `[complaints] attachment_max_bytes`: 64 KiB and 32 MiB.
const ATTACHMENT_BYTES: std::ops::RangeInclusive<u32> = 64 * 1024..=32 * 1024 * 1024;

impl ComplaintsConfig {
    /// The numbers of `breach_sms_to`, as written.
    pub(crate) fn breach_numbers(&self) -> impl Iterator<Item = &str> {
        listed(&self.breach_sms_to)
    }

    /// The addresses of `breach_email_to`, as written.
    pub(crate) fn breach_emails(&self) -> impl Iterator<Item = &str> {
        listed(&self.breach_email_to)
    }
}

/// The entries of a comma-separated list, trimmed, empty ones left out.
fn listed(list: &str) -> impl Iterator<Item = &str> {
    list.split(',').map(str::trim).filter(|n| !n.is_empty())
}

/// One `[[complaints.email_typos]]` entry: an address ending in `wrong` (the whole domain, or
/// its last labels: `gmial.com`, `.con`) may be corrected to end in `right` instead.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct EmailTypo {
    pub(crate) wrong: String,
    pub(crate) right: String,
}

/// The character slips `[complaints] email_fixes` may list: a dot at the end of the address,
/// spaces in it, a comma typed for a dot.
pub(crate) const EMAIL_FIXES: [&str; 3] = ["trailing_dot", "spaces", "comma"];

/// The default misspelt endings: common webmail domains and top-level domains.
fn default_email_typos() -> Vec<EmailTypo> {
    [
        ("gmial.com", "gmail.com"),
        ("gamil.com", "gmail.com"),
        ("gmal.com", "gmail.com"),
        ("gmail.co", "gmail.com"),
        ("yaho.com", "yahoo.com"),
        ("yahooo.com", "yahoo.com"),
        ("hotmial.com", "hotmail.com"),
        ("outlok.com", "outlook.com"),
        (".con", ".com"),
        (".cmo", ".com"),
        (".co.di", ".co.id"),
    ]
    .into_iter()
    .map(|(wrong, right)| EmailTypo {
        wrong: wrong.to_owned(),
        right: right.to_owned(),
    })
    .collect()
}

/// One `[[complaints.levels]]` entry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct ServiceLevel {
    /// A category's code (see [`COMPLAINT_CATEGORIES`]).
    pub(crate) category: String,
    /// `normal` or `high`; empty: either.
    pub(crate) priority: String,
    /// Hours to the first response; 0: no such clock.
    pub(crate) first_response_hours: u32,
    /// Working days to resolve; 0: the oral or written limit.
    pub(crate) resolve_working_days: u32,
}

impl Default for ComplaintsConfig {
    fn default() -> Self {
        let two_hours = |category: &str| ServiceLevel {
            category: category.to_owned(),
            first_response_hours: 2,
            ..ServiceLevel::default()
        };
        ComplaintsConfig {
            oral_working_days: 5,
            written_working_days: 20,
            amber_percent: 25,
            levels: vec![two_hours("disbursement"), two_hours("payment_confirmation")],
            breach_sms_to: String::new(),
            breach_email_to: String::new(),
            email_typos: default_email_typos(),
            email_fixes: EMAIL_FIXES.iter().map(|f| (*f).to_owned()).collect(),
            attachment_max_bytes: 5 * 1024 * 1024,
        }
    }
}

/// The complaint categories' codes, as `complaints::Category` writes them (a test there keeps
/// the two the same; configuration sits below the features and cannot ask them).
pub(crate) const COMPLAINT_CATEGORIES: [&str; 6] = [
    "billing",
    "disbursement",
    "payment_confirmation",
    "payment_method",
    "one_time_code",
    "other",
];

/// The complaint priorities' codes, likewise.
pub(crate) const COMPLAINT_PRIORITIES: [&str; 2] = ["normal", "high"];

/// The most working days a complaint level may give (the regulator's 20, extended once).
const MAX_COMPLAINT_DAYS: u32 = 40;

/// `[sync]`: uploading this branch's changes to head office.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct SyncConfig {
    /// Head office's address, e.g. `https://hq.example.com`. Empty: changes are kept and wait
    /// (the Sync page says so).
    pub(crate) url: String,
    /// The credential `pawnbranch hq branch add` printed for this branch.
    pub(crate) credential: Secret,
    /// Most entries in one upload; on a poor link the uploader works below it (halving after
    /// an upload that timed out or was cut, doubling after quick ones).
    pub(crate) batch_entries: u32,
    /// Most bytes of entries (before compression) in one upload; adapted like `batch_entries`.
    pub(crate) batch_bytes: u32,
    /// How often to look for new entries while there are none, in seconds.
    pub(crate) poll_seconds: u32,
    /// The longest wait between attempts while head office cannot be reached, in seconds.
    pub(crate) retry_max_seconds: u32,
    /// How long connecting, or one write of an upload, or reading head office's answer may
    /// wait with nothing moving, in seconds; also the fixed part of an upload's deadline.
    pub(crate) timeout_seconds: u32,
    /// The slowest average rate an upload may go at: its deadline is `timeout_seconds` plus
    /// one second per this many bytes of its (compressed) body. Slower links get smaller
    /// batches until they fit.
    pub(crate) min_bytes_per_second: u32,
    /// Days an uploaded entry stays in the branch's log before it is deleted.
    pub(crate) retention_days: u32,
}

impl Default for SyncConfig {
    fn default() -> Self {
        SyncConfig {
            url: String::new(),
            credential: Secret::default(),
            batch_entries: 5000,
            batch_bytes: 4 * 1024 * 1024,
            poll_seconds: 5,
            retry_max_seconds: 300,
            timeout_seconds: 60,
            min_bytes_per_second: 500,
            retention_days: 30,
        }
    }
}

/// The longest `[hq] compact_after_days` accepted: a hundred years.
const MAX_COMPACT_AFTER_DAYS: u32 = 36_500;

/// `[hq]`: the head office receiver (`pawnbranch hq serve`); a branch ignores it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct HqConfig {
    /// Largest upload accepted as sent (compressed); larger ones get 413.
    pub(crate) max_upload_bytes: u32,
    /// Largest upload accepted once unpacked; larger ones get 413.
    pub(crate) max_unpacked_bytes: u32,
    /// Where head office keeps everything: empty for SQLite in the data directory, or a
    /// PostgreSQL connection URL (`postgres://user:password@host:port/database`).
    pub(crate) database: Secret,
    /// Days after which an entry of the raw change log, already reflected in the records'
    /// current state, is compacted away (its digest kept); 0: never.
    pub(crate) compact_after_days: u32,
}

impl Default for HqConfig {
    fn default() -> Self {
        HqConfig {
            max_upload_bytes: 16 * 1024 * 1024,
            max_unpacked_bytes: 64 * 1024 * 1024,
            database: Secret::default(),
            compact_after_days: 90,
        }
    }
}

/// A configuration value that must not be printed, such as a SIM PIN or a password.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub(crate) struct Secret(String);

impl Secret {
    /// The secret itself, for the one place that uses it.
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_empty() {
            "\"\""
        } else {
            "\"********\""
        })
    }
}

/// `[log]`: what goes to standard error.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct LogConfig {
    /// `error`, `warn`, `info`, `debug` or `trace`.
    pub(crate) level: String,
}

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig {
            level: "info".to_owned(),
        }
    }
}

/// Why the configuration could not be used. The message always names the key.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ConfigError {
    #[error("cannot read configuration file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("configuration file {path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("environment variable {var}: unknown configuration key")]
    UnknownEnv { var: String },
    #[error("environment variable {var} ([{section}] {key}): {message}")]
    BadEnv {
        var: String,
        section: String,
        key: String,
        message: String,
    },
    #[error("{0}")]
    Invalid(String),
}

/// Values given on the command line, which win over the file and the environment.
#[derive(Debug, Default, Clone)]
pub(crate) struct Overrides {
    pub(crate) data_dir: Option<PathBuf>,
    pub(crate) listen: Option<String>,
}

impl Config {
    /// Loads the configuration: defaults, then the file, then the environment, then flags;
    /// then validates it.
    pub(crate) fn load(
        file: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
        overrides: &Overrides,
    ) -> Result<Config, ConfigError> {
        let mut table = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                    path: path.to_owned(),
                    source,
                })?;
                // Deserialising the text itself first gives errors that quote the offending line,
                // so a wrong type or an unknown key is reported with its name and place.
                toml::from_str::<Config>(&text).map_err(|e| ConfigError::Parse {
                    path: path.to_owned(),
                    message: e.to_string(),
                })?;
                text.parse::<toml::Table>()
                    .map_err(|e| ConfigError::Parse {
                        path: path.to_owned(),
                        message: e.to_string(),
                    })?
            }
            None => toml::Table::new(),
        };
        let defaults = toml::Table::try_from(Config::default()).map_err(|e| {
            ConfigError::Invalid(format!("internal: defaults do not serialise: {e}"))
        })?;
        for (var, value) in env {
            let Some(rest) = var.strip_prefix(ENV_PREFIX) else {
                continue;
            };
            apply_env(&mut table, &defaults, &var, rest, &value)?;
        }
        if let Some(dir) = &overrides.data_dir {
            set(
                &mut table,
                "storage",
                "data_dir",
                toml::Value::String(dir.display().to_string()),
            );
        }
        if let Some(listen) = &overrides.listen {
            set(
                &mut table,
                "server",
                "listen",
                toml::Value::String(listen.clone()),
            );
        }
        let path = file.map(Path::to_owned).unwrap_or_default();
        let config: Config = table
            .try_into()
            .map_err(|e: toml::de::Error| ConfigError::Parse {
                path,
                message: e.message().to_owned(),
            })?;
        config.validate()?;
        Ok(config)
    }

    /// Checks every value that serde's types do not already check, section by section.
    fn validate(&self) -> Result<(), ConfigError> {
        self.validate_branch()?;
        self.validate_server()?;
        self.validate_storage()?;
        self.validate_staff()?;
        self.validate_modem()?;
        self.validate_sms()?;
        self.validate_portal_and_codes()?;
        self.validate_payments_and_reminders()?;
        self.validate_loans()?;
        self.validate_complaints()?;
        self.validate_sync_hq_and_log()?;
        Ok(())
    }

    /// Checks the `[branch]` section.
    fn validate_branch(&self) -> Result<(), ConfigError> {
        let b = &self.branch;
        if b.code.is_empty()
            || b.code.len() > 12
            || !b.code.chars().all(|c| c.is_ascii_alphanumeric())
        {
            return bad(
                "[branch] code",
                format!("{:?} must be 1 to 12 letters or digits", b.code),
            );
        }
        if b.name.trim().is_empty() {
            return bad("[branch] name", "must not be empty".to_owned());
        }
        if iso::country(&b.country).is_none() {
            return bad(
                "[branch] country",
                format!("{:?} is not an ISO 3166 alpha-2 code such as ID", b.country),
            );
        }
        if iso::currency(&b.currency).is_none() {
            return bad(
                "[branch] currency",
                format!("{:?} is not an ISO 4217 code such as IDR", b.currency),
            );
        }
        if !(-1..=4).contains(&b.currency_exponent) {
            return bad(
                "[branch] currency_exponent",
                format!("{} must be -1 (automatic) or 0 to 4", b.currency_exponent),
            );
        }
        if parse_offset(&b.utc_offset).is_none() {
            return bad(
                "[branch] utc_offset",
                format!("{:?} must look like +07:00", b.utc_offset),
            );
        }
        if Lang::from_code(&b.language).is_none() {
            return bad(
                "[branch] language",
                format!("{:?} must be en or id", b.language),
            );
        }
        for (key, value, max) in [
            ("[branch] address", &b.address, MAX_ADDRESS_CHARS),
            ("[branch] phone", &b.phone, MAX_PHONE_CHARS),
            ("[branch] licence", &b.licence, MAX_LICENCE_CHARS),
        ] {
            one_line(key, value, max)?;
        }
        Ok(())
    }

    /// Checks the `[loans]` section.
    fn validate_loans(&self) -> Result<(), ConfigError> {
        let days = self.loans.surplus_claim_days;
        if !(1..=MAX_SURPLUS_CLAIM_DAYS).contains(&days) {
            return bad(
                "[loans] surplus_claim_days",
                format!("{days} must be between 1 and {MAX_SURPLUS_CLAIM_DAYS}"),
            );
        }
        let above = self.loans.second_approval_above;
        if above < 0 {
            return bad(
                "[loans] second_approval_above",
                format!("{above} must be 0 (off) or an amount in minor units above 0"),
            );
        }
        let stale = self.loans.gold_price_stale_days;
        if !(1..=MAX_GOLD_PRICE_STALE_DAYS).contains(&stale) {
            return bad(
                "[loans] gold_price_stale_days",
                format!("{stale} must be between 1 and {MAX_GOLD_PRICE_STALE_DAYS}"),
            );
        }
        Ok(())
    }

    /// Checks the `[complaints]` section.
    fn validate_complaints(&self) -> Result<(), ConfigError> {
        let c = &self.complaints;
        for (key, days) in [
            ("[complaints] oral_working_days", c.oral_working_days),
            ("[complaints] written_working_days", c.written_working_days),
        ] {
            if !(1..=MAX_COMPLAINT_DAYS).contains(&days) {
                return bad(
                    key,
                    format!("{days} must be between 1 and {MAX_COMPLAINT_DAYS}"),
                );
            }
        }
        if !(1..=99).contains(&c.amber_percent) {
            return bad(
                "[complaints] amber_percent",
                format!("{} must be between 1 and 99", c.amber_percent),
            );
        }
        if !ATTACHMENT_BYTES.contains(&c.attachment_max_bytes) {
            return bad(
                "[complaints] attachment_max_bytes",
                format!(
                    "{} must be between {} and {}",
                    c.attachment_max_bytes,
                    ATTACHMENT_BYTES.start(),
                    ATTACHMENT_BYTES.end()
                ),
            );
        }
        for number in c.breach_numbers() {
            if crate::plumbing::phone::normalise(number, &self.branch.country).is_err() {
                return bad(
                    "[complaints] breach_sms_to",
                    format!("{number:?} is not a phone number"),
                );
            }
        }
        for address in c.breach_emails() {
            if !plausible_address(address) {
                return bad(
                    "[complaints] breach_email_to",
                    format!("{address:?} is not an email address"),
                );
            }
        }
        check_email_typos(c)?;
        for (i, level) in c.levels.iter().enumerate() {
            check_level(i, level)?;
            let same = c.levels[..i]
                .iter()
                .any(|l| l.category == level.category && l.priority == level.priority);
            if same {
                return bad(
                    "[complaints] levels",
                    format!(
                        "entry {} repeats {} {:?}",
                        i + 1,
                        level.category,
                        level.priority
                    ),
                );
            }
        }
        Ok(())
    }

    /// Checks the `[server]` section.
    fn validate_server(&self) -> Result<(), ConfigError> {
        if self.server.listen.parse::<SocketAddr>().is_err() {
            return bad(
                "[server] listen",
                format!(
                    "{:?} must be ADDRESS:PORT, e.g. 0.0.0.0:8080",
                    self.server.listen
                ),
            );
        }
        if !(1..=256).contains(&self.server.workers) {
            return bad(
                "[server] workers",
                format!("{} must be between 1 and 256", self.server.workers),
            );
        }
        if self.server.max_body_bytes < 1024 {
            return bad(
                "[server] max_body_bytes",
                format!(
                    "{} is too small (at least 1024)",
                    self.server.max_body_bytes
                ),
            );
        }
        self.server.validate_connections()?;
        let url = &self.server.public_url;
        if !(url.is_empty() || url.starts_with("http://") || url.starts_with("https://")) {
            return bad(
                "[server] public_url",
                format!("{url:?} must start with http:// or https://"),
            );
        }
        Ok(())
    }

    /// Checks the `[storage]` section.
    fn validate_storage(&self) -> Result<(), ConfigError> {
        if self.storage.data_dir.is_empty() {
            return bad("[storage] data_dir", "must not be empty".to_owned());
        }
        if NaiveTime::parse_from_str(&self.storage.backup_time, "%H:%M").is_err() {
            return bad(
                "[storage] backup_time",
                format!("{:?} must be HH:MM", self.storage.backup_time),
            );
        }
        if self.storage.backup_keep == 0 {
            return bad("[storage] backup_keep", "must be at least 1".to_owned());
        }
        Ok(())
    }

    /// Checks the `[staff]` section.
    fn validate_staff(&self) -> Result<(), ConfigError> {
        let s = &self.staff;
        for (key, value) in [
            ("[staff] session_idle_minutes", s.session_idle_minutes),
            ("[staff] session_max_hours", s.session_max_hours),
            ("[staff] lockout_attempts", s.lockout_attempts),
            ("[staff] lockout_minutes", s.lockout_minutes),
            (
                "[staff] address_failures_per_15_minutes",
                s.address_failures_per_15_minutes,
            ),
        ] {
            if value == 0 {
                return bad(key, "must be at least 1".to_owned());
            }
        }
        Ok(())
    }

    /// Checks the `[modem]` table, or each `[[modem]]` table (errors name `[[modem]] 2 device`).
    fn validate_modem(&self) -> Result<(), ConfigError> {
        let many = self.modem.0.len() > 1;
        if self.modem.0.is_empty() {
            return bad(
                "[modem]",
                "at least one modem (device = \"none\" for none)".to_owned(),
            );
        }
        let mut names = std::collections::BTreeSet::new();
        for (i, m) in self.modem.iter().enumerate() {
            let section = if many {
                format!("[[modem]] {}", i + 1)
            } else {
                "[modem]".to_owned()
            };
            check_modem(&section, m)?;
            if !names.insert(m.display_name(i)) {
                return bad(
                    &format!("{section} name"),
                    format!("{:?} is the name of another modem", m.display_name(i)),
                );
            }
            if many && ["none", "log"].contains(&m.device.as_str()) {
                return bad(
                    &format!("{section} device"),
                    "several modems must each be a device path".to_owned(),
                );
            }
        }
        Ok(())
    }

    /// Checks `[sms]`.
    fn validate_sms(&self) -> Result<(), ConfigError> {
        let s = &self.sms;
        if !(1..=24 * 60).contains(&s.code_delivery_minutes) {
            return bad(
                "[sms] code_delivery_minutes",
                "must be 1 to 1440".to_owned(),
            );
        }
        for word in &s.stop_words {
            let word = word.trim();
            if word.is_empty() || word.chars().count() > 20 || word.chars().any(char::is_control) {
                return bad(
                    "[sms] stop_words",
                    format!("{word:?} must be a word of 1 to 20 letters"),
                );
            }
        }
        Ok(())
    }

    /// Checks `[email]`, `[portal]` and `[otp]`.
    fn validate_portal_and_codes(&self) -> Result<(), ConfigError> {
        self.validate_email()?;
        let portal_url = &self.portal.public_url;
        if !(portal_url.starts_with("http://") || portal_url.starts_with("https://"))
            || portal_url.len() > 200
            || portal_url
                .chars()
                .any(|c| c.is_whitespace() || c.is_control())
        {
            return bad(
                "[portal] public_url",
                format!("{portal_url:?} must be an address starting with http:// or https://"),
            );
        }
        let o = &self.otp;
        for (key, value) in [
            ("[otp] validity_minutes", o.validity_minutes),
            ("[otp] per_day", o.per_day),
            ("[otp] max_wrong", o.max_wrong),
            (
                "[otp] requests_per_address_per_hour",
                o.requests_per_address_per_hour,
            ),
            (
                "[portal] session_idle_minutes",
                self.portal.session_idle_minutes,
            ),
        ] {
            if value == 0 {
                return bad(key, "must be at least 1".to_owned());
            }
        }
        if o.validity_minutes > 10 {
            return bad(
                "[otp] validity_minutes",
                "must be at most 10 (NIST SP 800-63B)".to_owned(),
            );
        }
        Ok(())
    }

    /// Checks `[payments]` and `[reminders]`.
    fn validate_payments_and_reminders(&self) -> Result<(), ConfigError> {
        let p = &self.payments;
        if !(1..=MAX_CODE_VALIDITY_HOURS).contains(&p.code_validity_hours) {
            return bad(
                "[payments] code_validity_hours",
                format!(
                    "{} must be between 1 and {MAX_CODE_VALIDITY_HOURS}",
                    p.code_validity_hours
                ),
            );
        }
        for (key, value) in [
            ("[payments] bank_account", &p.bank_account),
            ("[payments] mobile_money_number", &p.mobile_money_number),
        ] {
            one_line(key, value, 200)?;
        }
        if let Err(problem) = self.reminders.check() {
            return bad(problem.key(), problem.detail(&self.reminders));
        }
        if let Some((key, message)) = self.callcentre.problem() {
            return bad(key, message);
        }
        if !(1..=720).contains(&self.payments.unconfirmed_alert_hours) {
            return bad(
                "[payments] unconfirmed_alert_hours",
                format!(
                    "{} must be between 1 and 720",
                    self.payments.unconfirmed_alert_hours
                ),
            );
        }
        Ok(())
    }

    /// Checks `[sync]`, `[hq]` and `[log]`.
    fn validate_sync_hq_and_log(&self) -> Result<(), ConfigError> {
        let y = &self.sync;
        if !y.url.is_empty() {
            if !(y.url.starts_with("http://") || y.url.starts_with("https://")) {
                return bad(
                    "[sync] url",
                    format!("{:?} must start with http:// or https://", y.url),
                );
            }
            if y.credential.expose().is_empty() {
                return bad(
                    "[sync] credential",
                    "must be set when [sync] url is (run `pawnbranch hq branch add` at head office)"
                        .to_owned(),
                );
            }
        }
        for (key, value) in [
            ("[sync] batch_entries", y.batch_entries),
            ("[sync] batch_bytes", y.batch_bytes),
            ("[sync] poll_seconds", y.poll_seconds),
            ("[sync] retry_max_seconds", y.retry_max_seconds),
            ("[sync] timeout_seconds", y.timeout_seconds),
            ("[sync] min_bytes_per_second", y.min_bytes_per_second),
            ("[sync] retention_days", y.retention_days),
            ("[hq] max_upload_bytes", self.hq.max_upload_bytes),
            ("[hq] max_unpacked_bytes", self.hq.max_unpacked_bytes),
        ] {
            if value == 0 {
                return bad(key, "must be at least 1".to_owned());
            }
        }
        self.validate_hq_database()?;
        if self.hq.compact_after_days > MAX_COMPACT_AFTER_DAYS {
            return bad(
                "[hq] compact_after_days",
                format!(
                    "{} is more than {MAX_COMPACT_AFTER_DAYS} days (use 0 to never compact)",
                    self.hq.compact_after_days
                ),
            );
        }
        if log_level(&self.log.level).is_none() {
            return bad(
                "[log] level",
                format!(
                    "{:?} must be error, warn, info, debug or trace",
                    self.log.level
                ),
            );
        }
        Ok(())
    }

    /// Checks `[hq] database`: unset, or a PostgreSQL URL that parses. The message never
    /// repeats the URL, which may hold a password.
    fn validate_hq_database(&self) -> Result<(), ConfigError> {
        let url = self.hq.database.expose();
        if url.is_empty() {
            return Ok(());
        }
        if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
            return bad(
                "[hq] database",
                "must be empty (SQLite) or a postgres:// URL such as postgres://hq@127.0.0.1:5432/pawnbranch"
                    .to_owned(),
            );
        }
        match url.parse::<postgres::Config>() {
            Ok(c) if c.get_hosts().is_empty() => bad("[hq] database", "names no host".to_owned()),
            Ok(_) => Ok(()),
            Err(e) => bad(
                "[hq] database",
                format!("is not a PostgreSQL connection URL ({e})"),
            ),
        }
    }

    /// Checks `[email]`: with a relay, a sender address is needed, `none` (plain text) only to
    /// this machine, and a user name only with its password.
    fn validate_email(&self) -> Result<(), ConfigError> {
        let e = &self.email;
        if !["starttls", "tls", "none"].contains(&e.security.as_str()) {
            return bad(
                "[email] security",
                format!("{:?} must be starttls, tls or none", e.security),
            );
        }
        if !(1..=65535).contains(&e.port) {
            return bad(
                "[email] port",
                format!("{} must be between 1 and 65535", e.port),
            );
        }
        for (key, value) in [
            ("[email] timeout_seconds", e.timeout_seconds),
            ("[email] max_attempts", e.max_attempts),
        ] {
            if value == 0 {
                return bad(key, "must be at least 1".to_owned());
            }
        }
        if e.relay
            .chars()
            .any(|c| c.is_whitespace() || c == '/' || c == ':')
            && !e.relay.starts_with('[')
        {
            return bad(
                "[email] relay",
                format!("{:?} must be a host name such as smtp.example.com", e.relay),
            );
        }
        if !e.has_relay() {
            return Ok(());
        }
        if e.security == "none" && !is_loopback_host(&e.relay) {
            return bad(
                "[email] security",
                format!(
                    "none (plain text) is allowed only for a relay on this machine, not {:?}; use starttls or tls",
                    e.relay
                ),
            );
        }
        if e.from.parse::<lettre::message::Mailbox>().is_err() {
            return bad(
                "[email] from",
                format!(
                    "{:?} must be an address such as \"Pawnbranch <branch@example.com>\"",
                    e.from
                ),
            );
        }
        if !e.ca_file.is_empty() {
            match std::fs::read(&e.ca_file) {
                Ok(pem) if pem.windows(27).any(|w| w == b"-----BEGIN CERTIFICATE-----") => {}
                Ok(_) => {
                    return bad(
                        "[email] ca_file",
                        format!("{} holds no PEM certificate", e.ca_file),
                    );
                }
                Err(err) => {
                    return bad(
                        "[email] ca_file",
                        format!("cannot read {}: {err}", e.ca_file),
                    );
                }
            }
        }
        if e.username.is_empty() != e.password.expose().is_empty() {
            return bad(
                "[email] password",
                "username and password go together: give both or neither".to_owned(),
            );
        }
        Ok(())
    }

    /// The branch's offset from UTC (validated at load).
    pub(crate) fn utc_offset(&self) -> FixedOffset {
        parse_offset(&self.branch.utc_offset)
            .unwrap_or_else(|| FixedOffset::east_opt(0).expect("zero offset"))
    }

    /// The branch's default language (validated at load).
    pub(crate) fn language(&self) -> Lang {
        Lang::from_code(&self.branch.language).unwrap_or(Lang::En)
    }

    /// The branch currency and its exponent (validated at load).
    pub(crate) fn currency(&self) -> Currency {
        let exponent = u8::try_from(self.branch.currency_exponent)
            .ok()
            .or_else(|| money::everyday_exponent(&self.branch.currency))
            .unwrap_or(2);
        Currency {
            code: self.branch.currency.clone(),
            exponent,
        }
    }

    /// The data directory.
    pub(crate) fn data_dir(&self) -> PathBuf {
        PathBuf::from(&self.storage.data_dir)
    }

    /// The nightly backup time (validated at load).
    pub(crate) fn backup_time(&self) -> NaiveTime {
        NaiveTime::parse_from_str(&self.storage.backup_time, "%H:%M").unwrap_or(NaiveTime::MIN)
    }

    /// Whether cookies must carry the `Secure` attribute.
    pub(crate) fn secure_cookies(&self) -> bool {
        self.server.public_url.starts_with("https://")
    }

    /// The log level filter (validated at load).
    pub(crate) fn log_level(&self) -> log::LevelFilter {
        log_level(&self.log.level).unwrap_or(log::LevelFilter::Info)
    }

    /// The configuration as TOML, secrets hidden, for `pawnbranch check`.
    pub(crate) fn to_redacted_toml(&self) -> String {
        // Secrets serialise as their value for the round trip through the loader, so they are
        // replaced here before printing.
        let mut table = toml::Table::try_from(self.clone()).unwrap_or_default();
        redact(&mut table);
        toml::to_string_pretty(&table).unwrap_or_default()
    }
}

/// Replaces the value of every key that holds a secret.
fn redact(table: &mut toml::Table) {
    for (key, value) in table.iter_mut() {
        match value {
            toml::Value::Table(inner) => redact(inner),
            // `[[modem]]` tables hold PINs too.
            toml::Value::Array(list) => list
                .iter_mut()
                .filter_map(toml::Value::as_table_mut)
                .for_each(redact),
            toml::Value::String(s) if is_secret_key(key) && !s.is_empty() => {
                *s = "********".to_owned()
            }
            _ => (),
        }
    }
}

/// Checks one modem's table; `section` names it in errors (`[modem]`, `[[modem]] 2`).
fn check_modem(section: &str, m: &ModemConfig) -> Result<(), ConfigError> {
    if m.device.is_empty() {
        return bad(
            &format!("{section} device"),
            "must be a device path, none or log".to_owned(),
        );
    }
    if !["pdu", "text"].contains(&m.mode.as_str()) {
        return bad(
            &format!("{section} mode"),
            format!("{:?} must be pdu or text", m.mode),
        );
    }
    if !m.pin.expose().is_empty() && !(4..=8).contains(&m.pin.expose().len())
        || !m.pin.expose().bytes().all(|b| b.is_ascii_digit())
    {
        return bad(
            &format!("{section} pin"),
            "must be 4 to 8 digits (or empty)".to_owned(),
        );
    }
    if !m.smsc.is_empty()
        && !m
            .smsc
            .trim_start_matches('+')
            .bytes()
            .all(|b| b.is_ascii_digit())
    {
        return bad(
            &format!("{section} smsc"),
            format!("{:?} must be a phone number such as +62816124", m.smsc),
        );
    }
    for (key, value) in [
        (format!("{section} baud_rate"), m.baud_rate),
        (
            format!("{section} registration_timeout_seconds"),
            m.registration_timeout_seconds,
        ),
        (
            format!("{section} command_timeout_ms"),
            m.command_timeout_ms,
        ),
        (
            format!("{section} send_timeout_seconds"),
            m.send_timeout_seconds,
        ),
        (format!("{section} max_attempts"), m.max_attempts),
    ] {
        if value == 0 {
            return bad(&key, "must be at least 1".to_owned());
        }
    }
    check_modem_credit(section, m)
}

/// Checks a modem's balance and cost keys.
fn check_modem_credit(section: &str, m: &ModemConfig) -> Result<(), ConfigError> {
    let ussd_ok = m.balance_ussd.len() <= 32
        && m.balance_ussd
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b'*' || b == b'#');
    if !ussd_ok {
        return bad(
            &format!("{section} balance_ussd"),
            format!("{:?} must be a USSD code such as *888#", m.balance_ussd),
        );
    }
    match regex::Regex::new(&m.balance_pattern) {
        Ok(pattern) if pattern.captures_len() >= 2 => (),
        Ok(_) => {
            return bad(
                &format!("{section} balance_pattern"),
                "needs a group ( ) around the amount".to_owned(),
            );
        }
        Err(e) => return bad(&format!("{section} balance_pattern"), e.to_string()),
    }
    for (key, value) in [
        ("low_balance_below", m.low_balance_below),
        ("price_per_part", m.price_per_part),
    ] {
        if value < 0 {
            return bad(
                &format!("{section} {key}"),
                "must not be negative".to_owned(),
            );
        }
    }
    Ok(())
}

/// Keys whose values are secrets, by naming convention.
fn is_secret_key(key: &str) -> bool {
    key.ends_with("password")
        || key.ends_with("pin")
        || key.ends_with("credential")
        || key.ends_with("secret")
}

/// Applies one `PAWNBRANCH_SECTION_NAME` variable, typed like the key's default value.
fn apply_env(
    table: &mut toml::Table,
    defaults: &toml::Table,
    var: &str,
    rest: &str,
    value: &str,
) -> Result<(), ConfigError> {
    let unknown = || ConfigError::UnknownEnv {
        var: var.to_owned(),
    };
    let (section, key) = rest.split_once('_').ok_or_else(unknown)?;
    let (section, key) = (section.to_ascii_lowercase(), key.to_ascii_lowercase());
    let default = defaults
        .get(&section)
        .and_then(toml::Value::as_table)
        .and_then(|t| t.get(&key))
        .ok_or_else(unknown)?;
    let bad = |message: &str| ConfigError::BadEnv {
        var: var.to_owned(),
        section: section.clone(),
        key: key.clone(),
        message: message.to_owned(),
    };
    let typed = match default {
        toml::Value::String(_) => toml::Value::String(value.to_owned()),
        toml::Value::Integer(_) => toml::Value::Integer(
            value
                .trim()
                .parse()
                .map_err(|_| bad("expected a whole number"))?,
        ),
        toml::Value::Boolean(_) => toml::Value::Boolean(match value.trim() {
            "true" | "1" | "yes" => true,
            "false" | "0" | "no" => false,
            _ => return Err(bad("expected true or false")),
        }),
        _ => return Err(bad("cannot be set from the environment")),
    };
    set(table, &section, &key, typed);
    Ok(())
}

/// Sets `[section] key = value`, creating the section.
fn set(table: &mut toml::Table, section: &str, key: &str, value: toml::Value) {
    // A list of tables (`[[modem]]`): the environment sets the first one's keys.
    if let Some(toml::Value::Array(list)) = table.get_mut(section)
        && let Some(toml::Value::Table(first)) = list.first_mut()
    {
        first.insert(key.to_owned(), value);
        return;
    }
    let entry = table
        .entry(section.to_owned())
        .or_insert_with(|| toml::Value::Table(toml::Table::new()));
    if let toml::Value::Table(t) = entry {
        t.insert(key.to_owned(), value);
    } else {
        // A scalar where a section belongs: replace it, and let deserialisation report nothing
        // odd, because the flag or variable is the newer intent.
        let mut t = toml::Table::new();
        t.insert(key.to_owned(), value);
        *entry = toml::Value::Table(t);
    }
}

/// Parses `+07:00`, `-03:30` or `Z`.
/// Checks one `[[complaints.levels]]` entry (`i` from 0).
/// Whether an address reads as one: a name, one `@`, a domain with a dot; no spaces.
fn plausible_address(address: &str) -> bool {
    match address.split_once('@') {
        Some((name, domain)) => {
            !name.is_empty()
                && domain.contains('.')
                && !domain.contains('@')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !address.chars().any(|c| c.is_whitespace() || c.is_control())
        }
        None => false,
    }
}

/// Checks `[complaints] email_typos` and `email_fixes`.
fn check_email_typos(c: &ComplaintsConfig) -> Result<(), ConfigError> {
    let key = "[complaints] email_typos";
    let ending = |t: &str| {
        !t.is_empty()
            && t.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
            && !t.ends_with('.')
    };
    for (i, typo) in c.email_typos.iter().enumerate() {
        let n = i + 1;
        if !ending(&typo.wrong) || !ending(&typo.right) || typo.wrong == typo.right {
            return bad(
                key,
                format!(
                    "entry {n}: wrong {:?} and right {:?} must differ, each letters, digits, dots and hyphens, not ending in a dot",
                    typo.wrong, typo.right
                ),
            );
        }
        if c.email_typos[..i].iter().any(|t| t.wrong == typo.wrong) {
            return bad(key, format!("entry {n} repeats wrong {:?}", typo.wrong));
        }
    }
    for fix in &c.email_fixes {
        if !EMAIL_FIXES.contains(&fix.as_str()) {
            return bad(
                "[complaints] email_fixes",
                format!("{fix:?} must be one of {}", EMAIL_FIXES.join(", ")),
            );
        }
    }
    Ok(())
}

fn check_level(i: usize, level: &ServiceLevel) -> Result<(), ConfigError> {
    let key = "[complaints] levels";
    let n = i + 1;
    if !COMPLAINT_CATEGORIES.contains(&level.category.as_str()) {
        let known = COMPLAINT_CATEGORIES.join(", ");
        return bad(
            key,
            format!(
                "entry {n}: category {:?} must be one of {known}",
                level.category
            ),
        );
    }
    if !level.priority.is_empty() && !COMPLAINT_PRIORITIES.contains(&level.priority.as_str()) {
        return bad(
            key,
            format!(
                "entry {n}: priority {:?} must be normal, high or left out",
                level.priority
            ),
        );
    }
    if level.first_response_hours > 720 {
        return bad(
            key,
            format!(
                "entry {n}: first_response_hours {} must be 0 (none) to 720",
                level.first_response_hours
            ),
        );
    }
    if level.resolve_working_days > MAX_COMPLAINT_DAYS {
        return bad(
            key,
            format!(
                "entry {n}: resolve_working_days {} must be 0 (the oral or written limit) to {MAX_COMPLAINT_DAYS}",
                level.resolve_working_days
            ),
        );
    }
    Ok(())
}

fn parse_offset(text: &str) -> Option<FixedOffset> {
    if text == "Z" || text == "+00:00" {
        return FixedOffset::east_opt(0);
    }
    let (sign, rest) = match text.as_bytes().first()? {
        b'+' => (1, &text[1..]),
        b'-' => (-1, &text[1..]),
        _ => return None,
    };
    let (h, m) = rest.split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (i32, i32) = (h.parse().ok()?, m.parse().ok()?);
    if h > 14 || m > 59 {
        return None;
    }
    FixedOffset::east_opt(sign * (h * 3600 + m * 60))
}

/// The most days before or after a due date a reminder may be set for.
const MAX_REMINDER_DAYS: u32 = 60;

/// Parses `[reminders] days_before` ("5,3,1,0"): whole days, each once, largest first; an empty
/// text is no reminders before the due date.
fn parse_days(text: &str) -> Option<Vec<u32>> {
    if text.trim().is_empty() {
        return Some(Vec::new());
    }
    let mut days = Vec::new();
    for part in text.split(',') {
        let day: u32 = part.trim().parse().ok()?;
        if day > MAX_REMINDER_DAYS || days.contains(&day) {
            return None;
        }
        days.push(day);
    }
    days.sort_unstable_by(|a, b| b.cmp(a));
    Some(days)
}

/// Parses a log level name.
fn log_level(name: &str) -> Option<log::LevelFilter> {
    match name {
        "error" => Some(log::LevelFilter::Error),
        "warn" => Some(log::LevelFilter::Warn),
        "info" => Some(log::LevelFilter::Info),
        "debug" => Some(log::LevelFilter::Debug),
        "trace" => Some(log::LevelFilter::Trace),
        _ => None,
    }
}

/// Checks a text printed for customers: one line of at most `max` characters, without
/// control characters (a tab or an escape would garble the print); empty is allowed.
fn one_line(key: &str, value: &str, max: usize) -> Result<(), ConfigError> {
    if value.chars().count() > max || value.chars().any(char::is_control) {
        return bad(
            key,
            format!("must be one line of at most {max} characters, without control characters"),
        );
    }
    Ok(())
}

/// A refusal of the value at `key` (`[section] key`), as `validate` reports it.
fn bad(key: &str, message: String) -> Result<(), ConfigError> {
    Err(ConfigError::Invalid(format!("{key}: {message}")))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn load(toml_text: &str, env: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.toml");
        std::fs::write(&path, toml_text).unwrap();
        let env = env.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned()));
        Config::load(Some(&path), env, &Overrides::default())
    }

    /// deploy/pawnbranch.toml.example is what installers copy: it must load, and name every
    /// key there is.
    #[test]
    fn the_example_configuration_loads_and_names_every_key() {
        let text = include_str!("../../deploy/pawnbranch.toml.example");
        load(text, &[]).unwrap();
        let example: toml::Table = text.parse().unwrap();
        let defaults = toml::Table::try_from(Config::default()).unwrap();
        for (section, keys) in &defaults {
            for key in keys.as_table().unwrap().keys() {
                assert!(
                    example
                        .get(section)
                        .and_then(|s| s.as_table())
                        .is_some_and(|s| s.contains_key(key)),
                    "the example configuration lacks [{section}] {key}"
                );
            }
        }
    }

    #[test]
    fn defaults_are_valid() {
        let c = Config::load(None, Vec::new(), &Overrides::default()).unwrap();
        assert_eq!(c.server.listen, "127.0.0.1:8080");
        assert_eq!(c.storage.data_dir, "./data");
        assert_eq!(c.branch.country, "ID");
        assert_eq!(c.utc_offset().local_minus_utc(), 7 * 3600);
    }

    #[test]
    fn connection_limits_and_deadlines_are_checked_by_key() {
        for (text, key) in [
            (
                "[server]\nmax_connections = 8\n",
                "[server] max_connections",
            ),
            (
                "[server]\nhead_timeout_seconds = 0\n",
                "[server] head_timeout_seconds",
            ),
            (
                "[server]\nbody_timeout_seconds = 0\n",
                "[server] body_timeout_seconds",
            ),
            (
                "[server]\nidle_timeout_seconds = 9999\n",
                "[server] idle_timeout_seconds",
            ),
            (
                "[server]\nwrite_timeout_seconds = 0\n",
                "[server] write_timeout_seconds",
            ),
            (
                "[server]\nbody_min_rate_bytes = 0\n",
                "[server] body_min_rate_bytes",
            ),
        ] {
            let e = load(text, &[]).unwrap_err().to_string();
            assert!(e.contains(key), "{text}: {e}");
        }
        let c = load("[server]\nhead_timeout_seconds = 3\n", &[]).unwrap();
        let options = c.server.http_options(4096);
        assert_eq!(options.head_timeout, std::time::Duration::from_secs(3));
        assert_eq!(options.max_body_bytes, 4096);
        assert_eq!(options.max_connections, 512);
    }

    #[test]
    fn sms_replies_settings_are_checked_by_key() {
        for text in [
            "[sms]\ncode_delivery_minutes = 0\n",
            "[sms]\ncode_delivery_minutes = 1441\n",
        ] {
            let e = load(text, &[]).unwrap_err().to_string();
            assert!(e.contains("[sms] code_delivery_minutes"), "{text}: {e}");
        }
        for text in [
            "[sms]\nstop_words = [\" \"]\n",
            "[sms]\nstop_words = [\"a\\u0007\"]\n",
        ] {
            let e = load(text, &[]).unwrap_err().to_string();
            assert!(e.contains("[sms] stop_words"), "{text}: {e}");
        }
        let c = load("[sms]\nstop_words = [\"UNREG\"]\n", &[]).unwrap();
        assert_eq!(c.sms.stop_words, ["UNREG"]);
        assert_eq!(c.sms.code_delivery_minutes, 3);
    }

    #[test]
    fn file_then_env_then_flags() {
        let c = load(
            "[server]\nlisten = \"0.0.0.0:9000\"\nworkers = 4\n",
            &[("PAWNBRANCH_SERVER_WORKERS", "3")],
        )
        .unwrap();
        assert_eq!(c.server.listen, "0.0.0.0:9000");
        assert_eq!(c.server.workers, 3);
        let flags = Overrides {
            listen: Some("127.0.0.1:0".to_owned()),
            data_dir: Some("/tmp/x".into()),
        };
        let env = vec![(
            "PAWNBRANCH_SERVER_LISTEN".to_owned(),
            "1.2.3.4:5".to_owned(),
        )];
        let c = Config::load(None, env, &flags).unwrap();
        assert_eq!(c.server.listen, "127.0.0.1:0");
        assert_eq!(c.storage.data_dir, "/tmp/x");
    }

    #[test]
    fn head_office_compacts_after_90_days_by_default_and_0_means_never() {
        assert_eq!(load("", &[]).unwrap().hq.compact_after_days, 90);
        let c = load("[hq]\ncompact_after_days = 0\n", &[]).unwrap();
        assert_eq!(c.hq.compact_after_days, 0);
        let e = load("[hq]\ncompact_after_days = 40000\n", &[])
            .unwrap_err()
            .to_string();
        assert!(e.contains("[hq] compact_after_days"), "{e}");
    }

    #[test]
    fn the_head_office_database_is_sqlite_or_a_postgres_url_never_printed() {
        let c = load("", &[]).unwrap();
        assert!(c.hq.database.expose().is_empty(), "SQLite by default");
        let url = "postgres://hq:s3cret-pass@127.0.0.1:5432/pawnbranch";
        let c = load("", &[("PAWNBRANCH_HQ_DATABASE", url)]).unwrap();
        assert_eq!(c.hq.database.expose(), url);
        assert!(
            !format!("{c:?}").contains("s3cret-pass"),
            "hidden when printed"
        );
        for bad_url in [
            "mysql://hq:s3cret-pass@127.0.0.1/pawnbranch",
            "postgres://hq:s3cret-pass@127.0.0.1:notaport/pawnbranch",
        ] {
            let e = load(&format!("[hq]\ndatabase = \"{bad_url}\"\n"), &[])
                .unwrap_err()
                .to_string();
            assert!(e.contains("[hq] database"), "{e}");
            assert!(!e.contains("s3cret-pass"), "{e}");
        }
    }

    #[test]
    fn errors_name_the_key() {
        let e = load("[server]\nlisen = \"x\"\n", &[])
            .unwrap_err()
            .to_string();
        assert!(e.contains("lisen"), "{e}");
        let e = load("[branch]\ncountry = \"XX\"\n", &[])
            .unwrap_err()
            .to_string();
        assert!(e.contains("[branch] country"), "{e}");
        let e = load("", &[("PAWNBRANCH_MODEM_DEVIC", "x")])
            .unwrap_err()
            .to_string();
        assert!(e.contains("PAWNBRANCH_MODEM_DEVIC"), "{e}");
        let e = load("", &[("PAWNBRANCH_SERVER_WORKERS", "many")])
            .unwrap_err()
            .to_string();
        assert!(e.contains("[server] workers"), "{e}");
        let e = load("[branch]\nutc_offset = \"7\"\n", &[])
            .unwrap_err()
            .to_string();
        assert!(e.contains("utc_offset"), "{e}");
        let e = load("[server]\nworkers = \"8\"\n", &[])
            .unwrap_err()
            .to_string();
        assert!(e.contains("workers"), "{e}");
    }

    #[test]
    fn attachment_size_defaults_to_5_mib_and_bad_ones_name_the_key() {
        let c = load("", &[]).unwrap().complaints;
        assert_eq!(c.attachment_max_bytes, 5 * 1024 * 1024);
        let given = load("[complaints]\nattachment_max_bytes = 1048576\n", &[]).unwrap();
        assert_eq!(given.complaints.attachment_max_bytes, 1 << 20);
        for n in [0, 65535, 32 * 1024 * 1024 + 1] {
            let text = format!("[complaints]\nattachment_max_bytes = {n}\n");
            let e = load(&text, &[]).unwrap_err().to_string();
            assert!(e.contains("[complaints] attachment_max_bytes"), "{n}: {e}");
        }
    }

    #[test]
    fn complaint_levels_default_to_the_issue_and_bad_ones_name_the_key() {
        let c = load("", &[]).unwrap().complaints;
        assert_eq!(c.breach_emails().count(), 0, "no breach email by default");
        assert!(
            c.email_typos
                .iter()
                .any(|t| (t.wrong.as_str(), t.right.as_str()) == ("gmial.com", "gmail.com"))
        );
        assert_eq!(c.email_fixes, EMAIL_FIXES);
        let listed = load(
            "[complaints]\nbreach_email_to = \" cs@example.com ,ops@example.co.id\"\n",
            &[],
        )
        .unwrap()
        .complaints;
        assert_eq!(
            listed.breach_emails().collect::<Vec<_>>(),
            ["cs@example.com", "ops@example.co.id"]
        );
        assert_eq!((c.oral_working_days, c.written_working_days), (5, 20));
        let two: Vec<(&str, u32)> = c
            .levels
            .iter()
            .map(|l| (l.category.as_str(), l.first_response_hours))
            .collect();
        assert_eq!(two, [("disbursement", 2), ("payment_confirmation", 2)]);
        let given = load(
            "[[complaints.levels]]\ncategory = \"billing\"\npriority = \"high\"\nresolve_working_days = 3\n",
            &[],
        )
        .unwrap()
        .complaints;
        assert_eq!(
            given.levels.len(),
            1,
            "a list in the file replaces the defaults"
        );
        for (text, key) in [
            (
                "[complaints]\noral_working_days = 0\n",
                "[complaints] oral_working_days",
            ),
            (
                "[complaints]\nwritten_working_days = 41\n",
                "[complaints] written_working_days",
            ),
            (
                "[complaints]\namber_percent = 100\n",
                "[complaints] amber_percent",
            ),
            (
                "[[complaints.levels]]\ncategory = \"billng\"\n",
                "[complaints] levels",
            ),
            (
                "[[complaints.levels]]\ncategory = \"other\"\npriority = \"urgent\"\n",
                "[complaints] levels",
            ),
            (
                "[[complaints.levels]]\ncategory = \"other\"\nfirst_response_hours = 721\n",
                "[complaints] levels",
            ),
            (
                "[[complaints.levels]]\ncategory = \"other\"\n[[complaints.levels]]\ncategory = \"other\"\n",
                "[complaints] levels",
            ),
            (
                "[complaints]\nbreach_email_to = \"cs@example.com, not an address\"\n",
                "[complaints] breach_email_to",
            ),
            (
                "[[complaints.email_typos]]\nwrong = \"gmial.com\"\nright = \"gmial.com\"\n",
                "[complaints] email_typos",
            ),
            (
                "[[complaints.email_typos]]\nwrong = \"@gmial.com\"\nright = \"gmail.com\"\n",
                "[complaints] email_typos",
            ),
            (
                "[complaints]\nemail_fixes = [\"spaces\", \"anything\"]\n",
                "[complaints] email_fixes",
            ),
        ] {
            let e = load(text, &[]).unwrap_err().to_string();
            assert!(e.contains(key), "{text}: {e}");
        }
    }

    #[test]
    fn secrets_do_not_print() {
        let c = load("[modem]\npin = \"1234\"\n", &[]).unwrap();
        assert_eq!(c.modem.0[0].pin.expose(), "1234");
        assert!(!format!("{c:?}").contains("1234"));
        assert!(!c.to_redacted_toml().contains("1234"));
        assert!(c.to_redacted_toml().contains("pin = \"********\""));
        let e = load("[modem]\npin = \"12\"\n", &[])
            .unwrap_err()
            .to_string();
        assert!(e.contains("[modem] pin"), "{e}");
    }

    #[test]
    fn payment_channels_and_code_validity() {
        let c = Config::load(None, Vec::new(), &Overrides::default()).unwrap();
        assert_eq!(c.payments.code_validity_hours, 24);
        assert!(c.payments.bank_account.is_empty() && c.payments.mobile_money_number.is_empty());
        let c = load(
            "[payments]\nbank_account = \"BCA 123 4567 890 a.n. PT Pawnbranch\"\n",
            &[("PAWNBRANCH_PAYMENTS_CODE_VALIDITY_HOURS", "2")],
        )
        .unwrap();
        assert_eq!(
            c.payments.bank_account,
            "BCA 123 4567 890 a.n. PT Pawnbranch"
        );
        assert_eq!(c.payments.code_validity_hours, 2);
        let e = load("[payments]\ncode_validity_hours = 0\n", &[])
            .unwrap_err()
            .to_string();
        assert!(e.contains("[payments] code_validity_hours"), "{e}");
        let e = load("[payments]\nmobile_money_number = \"a\\nb\"\n", &[])
            .unwrap_err()
            .to_string();
        assert!(e.contains("[payments] mobile_money_number"), "{e}");
        let e = load("[payments]\npaybill = \"1\"\n", &[])
            .unwrap_err()
            .to_string();
        assert!(e.contains("paybill"), "{e}");
    }

    #[test]
    fn reminder_and_payment_keys() {
        let c = load("", &[]).unwrap();
        assert_eq!(c.reminders.days(), [5, 3, 1, 0]);
        assert_eq!(c.payments.unconfirmed_alert_hours, 2);
        let c = load(
            "[reminders]\ndays_before = \" 1, 7 ,0\"\nsend_from = \"09:30\"\n",
            &[("PAWNBRANCH_PAYMENTS_UNCONFIRMED_ALERT_HOURS", "3")],
        )
        .unwrap();
        assert_eq!(c.reminders.days(), [7, 1, 0]);
        assert_eq!(
            c.reminders.window_start(),
            NaiveTime::from_hms_opt(9, 30, 0).unwrap()
        );
        assert_eq!(c.payments.unconfirmed_alert_hours, 3);
        assert!(
            load("[reminders]\ndays_before = \"\"\n", &[])
                .unwrap()
                .reminders
                .days()
                .is_empty()
        );
        for (text, key) in [
            (
                "[reminders]\ndays_before = \"5,x\"\n",
                "[reminders] days_before",
            ),
            (
                "[reminders]\ndays_before = \"3,3\"\n",
                "[reminders] days_before",
            ),
            (
                "[reminders]\ndays_before = \"61\"\n",
                "[reminders] days_before",
            ),
            (
                "[reminders]\nsend_from = \"8am\"\n",
                "[reminders] send_from",
            ),
            (
                "[reminders]\nsend_from = \"21:00\"\n",
                "[reminders] send_until",
            ),
            (
                "[reminders]\noverdue_after_days = 0\n",
                "[reminders] overdue_after_days",
            ),
            (
                "[payments]\nunconfirmed_alert_hours = 0\n",
                "[payments] unconfirmed_alert_hours",
            ),
        ] {
            let e = load(text, &[]).unwrap_err().to_string();
            assert!(e.contains(key), "{text}: {e}");
        }
        let e = load("[payments]\nsomething_else = 1\n", &[])
            .unwrap_err()
            .to_string();
        assert!(e.contains("something_else"), "{e}");
    }

    #[test]
    fn callcentre_hours_and_attempts_are_checked_naming_the_key() {
        let c = load("", &[]).unwrap();
        assert_eq!(
            (c.callcentre.hours_start(), c.callcentre.hours_end()),
            (
                NaiveTime::from_hms_opt(8, 0, 0).unwrap(),
                NaiveTime::from_hms_opt(20, 0, 0).unwrap()
            )
        );
        assert_eq!(c.callcentre.attempts_per_day, 3);
        let c = load(
            "[callcentre]\ncontact_from = \"09:00\"\n",
            &[("PAWNBRANCH_CALLCENTRE_ATTEMPTS_PER_DAY", "5")],
        )
        .unwrap();
        assert_eq!(
            c.callcentre.hours_start(),
            NaiveTime::from_hms_opt(9, 0, 0).unwrap()
        );
        assert_eq!(c.callcentre.attempts_per_day, 5);
        for (text, key) in [
            (
                "[callcentre]\ncontact_from = \"8\"\n",
                "[callcentre] contact_from",
            ),
            (
                "[callcentre]\ncontact_until = \"25:00\"\n",
                "[callcentre] contact_until",
            ),
            (
                "[callcentre]\ncontact_from = \"20:00\"\n",
                "[callcentre] contact_until",
            ),
            (
                "[callcentre]\nattempts_per_day = 0\n",
                "[callcentre] attempts_per_day",
            ),
            (
                "[callcentre]\nattempts_per_day = 21\n",
                "[callcentre] attempts_per_day",
            ),
        ] {
            let e = load(text, &[]).unwrap_err().to_string();
            assert!(e.contains(key), "{text}: {e}");
        }
    }

    #[test]
    fn email_relay_keys() {
        let c = load("", &[]).unwrap();
        assert!(!c.email.has_relay(), "no relay by default: emails wait");
        assert_eq!(c.portal.public_url, "http://pawnbranch.lan/");
        let c = load(
            "[email]\nrelay = \"smtp.example.com\"\nport = 465\nsecurity = \"tls\"\nusername = \"branch\"\npassword = \"hunter22\"\nfrom = \"Pawnbranch <branch@example.com>\"\n",
            &[("PAWNBRANCH_EMAIL_TIMEOUT_SECONDS", "10")],
        )
        .unwrap();
        assert_eq!(c.email.port, 465);
        assert_eq!(c.email.timeout_seconds, 10);
        assert_eq!(c.email.password.expose(), "hunter22");
        assert!(!format!("{c:?}").contains("hunter22"));
        assert!(!c.to_redacted_toml().contains("hunter22"));
        assert!(c.to_redacted_toml().contains("password = \"********\""));
        let relay = "[email]\nrelay = \"smtp.example.com\"\nfrom = \"branch@example.com\"\n";
        assert_eq!(load(relay, &[]).unwrap().email.security, "starttls");
        let local = "[email]\nrelay = \"127.0.0.1\"\nport = 2525\nsecurity = \"none\"\nfrom = \"branch@example.com\"\n";
        assert!(load(local, &[]).is_ok(), "plain text to this machine");
        for (text, key) in [
            ("[email]\nsecurity = \"ssl\"\n", "[email] security"),
            (
                "[email]\nrelay = \"smtp.example.com\"\nsecurity = \"none\"\nfrom = \"a@b.example\"\n",
                "[email] security",
            ),
            ("[email]\nrelay = \"smtp.example.com\"\n", "[email] from"),
            (
                "[email]\nrelay = \"smtp.example.com\"\nfrom = \"not an address\"\n",
                "[email] from",
            ),
            (
                "[email]\nrelay = \"smtp.example.com\"\nfrom = \"a@b.example\"\nusername = \"u\"\n",
                "[email] password",
            ),
            ("[email]\nport = 0\n", "[email] port"),
            ("[email]\nport = 70000\n", "[email] port"),
            ("[email]\nrelay = \"smtp://x\"\n", "[email] relay"),
            (
                "[email]\nrelay = \"smtp.example.com\"\nfrom = \"b@example.com\"\nca_file = \"/nonexistent/ca.pem\"\n",
                "[email] ca_file",
            ),
            (
                "[email]\nrelay = \"smtp.example.com\"\nfrom = \"b@example.com\"\nca_file = \"Cargo.toml\"\n",
                "[email] ca_file",
            ),
            ("[email]\ntimeout_seconds = 0\n", "[email] timeout_seconds"),
            (
                "[portal]\npublic_url = \"pawnbranch.lan\"\n",
                "[portal] public_url",
            ),
        ] {
            let e = load(text, &[]).unwrap_err().to_string();
            assert!(e.contains(key), "{text}: {e}");
        }
    }

    #[test]
    fn branch_details_and_surplus_claim_days() {
        let c = load("", &[]).unwrap();
        assert!(c.branch.address.is_empty() && c.branch.phone.is_empty());
        assert!(c.branch.licence.is_empty());
        assert_eq!(c.loans.surplus_claim_days, 365);
        assert_eq!(c.loans.second_approval_above, 0, "off unless set");
        assert_eq!(c.loans.gold_price_stale_days, 7);
        let c = load(
            "[branch]\naddress = \"Jl. Kemang Raya 5, Jakarta Selatan\"\nphone = \"(021) 719 1234\"\n[loans]\nsurplus_claim_days = 180\n",
            &[("PAWNBRANCH_BRANCH_LICENCE", "KEP-12/NB.1/2024")],
        )
        .unwrap();
        assert_eq!(c.branch.address, "Jl. Kemang Raya 5, Jakarta Selatan");
        assert_eq!(c.branch.phone, "(021) 719 1234");
        assert_eq!(c.branch.licence, "KEP-12/NB.1/2024");
        assert_eq!(c.loans.surplus_claim_days, 180);
        let long = "x".repeat(MAX_ADDRESS_CHARS + 1);
        for (text, key) in [
            (
                "[branch]\naddress = \"Jl. A\\nNo. 5\"\n",
                "[branch] address",
            ),
            (
                &format!("[branch]\naddress = \"{long}\"\n"),
                "[branch] address",
            ),
            ("[branch]\nphone = \"021\\t123\"\n", "[branch] phone"),
            (
                "[branch]\nlicence = \"\\u001b[31mKEP\"\n",
                "[branch] licence",
            ),
            (
                "[loans]\nsurplus_claim_days = 0\n",
                "[loans] surplus_claim_days",
            ),
            (
                "[loans]\nsurplus_claim_days = 3651\n",
                "[loans] surplus_claim_days",
            ),
            ("[loans]\nsurplus_days = 365\n", "surplus_days"),
            (
                "[loans]\nsecond_approval_above = -1\n",
                "[loans] second_approval_above",
            ),
            (
                "[loans]\ngold_price_stale_days = 0\n",
                "[loans] gold_price_stale_days",
            ),
            (
                "[loans]\ngold_price_stale_days = 366\n",
                "[loans] gold_price_stale_days",
            ),
        ] {
            let e = load(text, &[]).unwrap_err().to_string();
            assert!(e.contains(key), "{text}: {e}");
        }
        let e = load("", &[("PAWNBRANCH_LOANS_SURPLUS_CLAIM_DAYS", "a year")])
            .unwrap_err()
            .to_string();
        assert!(e.contains("[loans] surplus_claim_days"), "{e}");
        let c = load(
            "",
            &[("PAWNBRANCH_LOANS_SECOND_APPROVAL_ABOVE", "10000000")],
        )
        .unwrap();
        assert_eq!(c.loans.second_approval_above, 10_000_000);
    }

    #[test]
    fn offsets() {
        assert_eq!(parse_offset("+07:00").unwrap().local_minus_utc(), 25200);
        assert_eq!(parse_offset("-03:30").unwrap().local_minus_utc(), -12600);
        assert!(parse_offset("07:00").is_none());
        assert!(parse_offset("+15:00").is_none());
    }

    #[test]
    fn several_modems_are_a_list_of_tables_each_checked_by_position() {
        let two = "[[modem]]\nname = \"left\"\ndevice = \"/dev/ttyUSB0\"\npin = \"1234\"\n\
                   [[modem]]\ndevice = \"/dev/ttyUSB1\"\nprice_per_part = 150\n";
        let c = load(two, &[("PAWNBRANCH_MODEM_BAUD_RATE", "9600")]).unwrap();
        let names: Vec<String> = c
            .modem
            .iter()
            .enumerate()
            .map(|(i, m)| m.display_name(i))
            .collect();
        assert_eq!(names, ["left", "modem 2"]);
        assert_eq!(
            c.modem.0[0].baud_rate, 9600,
            "the environment sets the first modem"
        );
        assert_eq!(c.modem.0[1].baud_rate, 115_200);
        assert_eq!(c.modem.0[1].price_per_part, 150);
        assert!(
            !c.to_redacted_toml().contains("1234"),
            "PINs in [[modem]] are hidden"
        );
        for (text, key) in [
            (
                "[[modem]]\ndevice = \"/dev/a\"\n[[modem]]\ndevice = \"\"\n",
                "[[modem]] 2 device",
            ),
            (
                "[[modem]]\ndevice = \"/dev/a\"\n[[modem]]\ndevice = \"log\"\n",
                "[[modem]] 2 device",
            ),
            (
                "[[modem]]\ndevice = \"/dev/a\"\nname = \"x\"\n[[modem]]\ndevice = \"/dev/b\"\nname = \"x\"\n",
                "[[modem]] 2 name",
            ),
            (
                "[[modem]]\ndevice = \"/dev/a\"\nmode = \"fax\"\n[[modem]]\ndevice = \"/dev/b\"\n",
                "[[modem]] 1 mode",
            ),
            (
                "[modem]\nbalance_ussd = \"call me\"\n",
                "[modem] balance_ussd",
            ),
            (
                "[modem]\nbalance_pattern = \"Rp [0-9]+\"\n",
                "[modem] balance_pattern",
            ),
            (
                "[modem]\nbalance_pattern = \"(unclosed\"\n",
                "[modem] balance_pattern",
            ),
            ("[modem]\nprice_per_part = -1\n", "[modem] price_per_part"),
            ("[[modem]]\ndevice = \"/dev/a\"\nspeed = 1\n", "speed"),
        ] {
            let e = load(text, &[]).unwrap_err().to_string();
            assert!(e.contains(key), "{text}: {e}");
        }
    }
}
