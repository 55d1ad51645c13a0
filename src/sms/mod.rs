//! SMS through a GSM modem on a serial port: the SMS outbox (the shared [`crate::outbox`] on
//! its own table), the sender thread's driver that owns the modem, the AT command driver, PDU
//! encoding, the modem simulator used by tests and the benchmark, and the staff "SMS" page
//! (the modem's panel and the test form; the queue and the recent messages are the outbox's).
//!
//! Other features queue a message with [`outbox::enqueue`] inside their own transaction and
//! call [`Sms::wake`] after it commits; nothing but the sender thread talks to the modem.

pub(crate) mod at;
pub(crate) mod modem;
pub(crate) mod outbox;
pub(crate) mod pdu;
pub(crate) mod sender;
pub(crate) mod simulator;

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use maud::{Markup, html};
use serde_json::json;

use crate::audit::Actor;
use crate::clock::Clock;
use crate::config::ModemConfig;
use crate::db;
use crate::error::AppError;
use crate::http::Response;
use crate::i18n::Msg;
use crate::ids::SmsId;
use crate::outbox::pages::{self, Listing};
use crate::outbox::sender::Sender;
use crate::phone;
use crate::roles::Permission;
use crate::ui::{self, Field};
use crate::web::Ctx;
use modem::{Info, Mode, Settings};
use outbox::{Kind, NewSms, SMS};

/// The SMS outbox on the staff page.
const LISTING: Listing<Kind, SmsId> = Listing {
    channel: &SMS,
    path: "/staff/sms",
    recent: Msg::SmsRecent,
    text: Msg::SmsText,
    wrong_state: Msg::SmsWrongState,
};

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
    fn label(self) -> Msg {
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
            info: Mutex::new(Info::default()),
        }
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

/// The dashboard card.
pub(crate) fn card(ctx: &Ctx, conn: &rusqlite::Connection) -> rusqlite::Result<Markup> {
    let link = ctx.app.sms.sender.link().state;
    let queued = SMS.queued(conn)?;
    let warn = !matches!(link, LinkState::Connected);
    Ok(html! {
        section class="card" {
            h2 { "SMS" }
            p class=[warn.then_some("warning")] { (ctx.t(link.label())) }
            p { (ctx.lang.fill(Msg::SmsQueued, &[("n", &queued.to_string())])) }
        }
    })
}

/// Signal strength in words, from `AT+CSQ`.
fn signal_words(ctx: &Ctx, signal: Option<u8>) -> String {
    match signal {
        None | Some(99) => ctx.t(Msg::SmsUnknown).to_owned(),
        Some(rssi) => {
            let dbm = -113 + 2 * i32::from(rssi);
            format!("{rssi}/31 ({dbm} dBm)")
        }
    }
}

/// GET /staff/sms.
pub(crate) fn page(ctx: &Ctx) -> Result<Response, AppError> {
    let user = ctx.require(Permission::CustomerManagement)?;
    render_page(ctx, user, None, "", 200)
}

/// The SMS page, with the test form's state.
fn render_page(
    ctx: &Ctx,
    user: &crate::roles::StaffUser,
    phone_error: Option<&str>,
    phone_value: &str,
    status_code: u16,
) -> Result<Response, AppError> {
    let conn = ctx.app.db.conn()?;
    let counts = SMS.counts(&conn)?;
    let recent = SMS.recent(&conn, 50)?;
    drop(conn);
    let csrf = ctx.csrf();
    let body = html! {
        (modem_panel(ctx))
        (pages::queue(ctx, &counts))
        h2 { (ctx.t(Msg::SmsSendTest)) }
        form method="post" action="/staff/sms/test" class="stack" {
            (ui::csrf_input(&csrf))
            (ui::field(&test_phone(ctx, phone_error, phone_value)))
            div { button type="submit" { (ctx.t(Msg::SmsSendTest)) } }
        }
        (pages::recent(ctx, &LISTING, &recent))
    };
    let mut response = ctx.staff_page(user, "SMS", body);
    response.status = status_code;
    Ok(response)
}

/// The test form's phone field.
fn test_phone<'a>(ctx: &Ctx, error: Option<&'a str>, value: &'a str) -> Field<'a> {
    let mut phone = Field::new(ctx.t(Msg::PhoneNumber), "phone", value);
    phone.kind = "tel";
    phone.error = error;
    phone
}

/// The modem's panel: its state, operator, signal, registration and last error.
fn modem_panel(ctx: &Ctx) -> Markup {
    let link = ctx.app.sms.sender.link();
    let info = ctx.app.sms.info();
    let registration = match info.registration {
        Some(1) => ctx.t(Msg::SmsRegisteredHome),
        Some(5) => ctx.t(Msg::SmsRegisteredRoaming),
        Some(2) => ctx.t(Msg::SmsSearching),
        Some(3) => ctx.t(Msg::SmsDenied),
        _ => ctx.t(Msg::SmsUnknown),
    };
    html! {
        @match link.state {
            LinkState::NotConfigured => p class="warning" { (ctx.t(Msg::SmsNoModemWarning)) },
            LinkState::LogOnly => p class="warning" { (ctx.t(Msg::SmsLogOnlyWarning)) },
            _ => {},
        }
        section class="card" {
            h2 { (ctx.t(Msg::SmsModem)) }
            dl {
                dt { (ctx.t(Msg::Status)) } dd { (ctx.t(link.state.label())) " · " (ctx.lang.fill(Msg::SmsSince, &[("when", &ctx.datetime(link.since))])) }
                dt { (ctx.t(Msg::SmsOperator)) } dd { @if info.operator.is_empty() { (ctx.t(Msg::SmsUnknown)) } @else { (info.operator) } }
                dt { (ctx.t(Msg::SmsSignal)) } dd { (signal_words(ctx, info.signal)) }
                dt { (ctx.t(Msg::SmsRegistration)) } dd { (registration) }
                dt { (ctx.t(Msg::SmsLastError)) } dd { (link.last_error.as_deref().unwrap_or("—")) }
            }
        }
    }
}

/// POST /staff/sms/test: queue a test message to a number.
pub(crate) fn send_test(ctx: &Ctx) -> Result<Response, AppError> {
    let user = ctx.require(Permission::CustomerManagement)?;
    let input = ctx.form()?.text("phone").to_owned();
    let to = match phone::normalise(&input, &ctx.app.config.branch.country) {
        Ok(to) => to,
        Err(_) => return render_page(ctx, user, Some(ctx.t(Msg::PhoneInvalid)), &input, 400),
    };
    let text = ctx
        .lang
        .fill(Msg::SmsTestText, &[("branch", &ctx.app.config.branch.name)]);
    let mut conn = ctx.app.db.conn()?;
    let tx = db::immediate(&mut conn)?;
    let id = outbox::enqueue(
        &tx,
        &NewSms {
            to: &to,
            text: &text,
            kind: Kind::Test,
            expires_at: None,
            customer: None,
        },
        ctx.now,
    )?;
    let change = crate::audit::Change {
        action: "sms.test",
        entity: "sms",
        entity_id: id.as_str(),
        before: None,
        after: Some(json!({ "to": to.as_str() })),
    };
    crate::audit::record(&tx, &Actor::Staff(user), &change, ctx.now)?;
    tx.commit()?;
    ctx.app.sms.wake();
    ctx.flash(ctx.t(Msg::SmsTestQueued));
    Ok(Response::see_other("/staff/sms"))
}

/// POST /staff/sms/{id}/retry and /cancel.
pub(crate) fn act(ctx: &Ctx, id: crate::ids::SmsId, retry: bool) -> Result<Response, AppError> {
    pages::act(ctx, &LISTING, || ctx.app.sms.wake(), id, retry)
}
