//! SMS through a GSM modem on a serial port: the durable outbox, the sender thread that owns
//! the modem, the AT command driver, PDU encoding, the modem simulator used by tests and the
//! benchmark, and the staff "SMS" page.
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

use chrono::{DateTime, Utc};
use maud::{Markup, html};
use serde_json::json;

use crate::audit::Actor;
use crate::auth::Permission;
use crate::bell::Bell;
use crate::clock::Clock;
use crate::config::ModemConfig;
use crate::db;
use crate::error::AppError;
use crate::http::Response;
use crate::i18n::Msg;
use crate::ids::SmsId;
use crate::phone;
use crate::ui::{self, Field};
use crate::web::Ctx;
use modem::{Info, Mode, Settings};
use outbox::{Kind, NewSms, State};

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

/// The modem's state as last seen by the sender thread.
#[derive(Debug, Clone)]
pub(crate) struct Status {
    pub(crate) link: LinkState,
    pub(crate) since: DateTime<Utc>,
    pub(crate) info: Info,
    pub(crate) last_error: Option<String>,
}

/// The SMS service: settings, the modem's state, and the sender's wake-up bell.
pub(crate) struct Sms {
    pub(crate) device: Device,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) shutdown: Arc<AtomicBool>,
    pub(crate) max_attempts: u32,
    pub(crate) bulk_interval: Duration,
    status: Mutex<Status>,
    bell: Bell,
}

impl Sms {
    /// A service for `device`; the sender thread is started by the server.
    pub(crate) fn new(
        config: &ModemConfig,
        device: Device,
        clock: Arc<dyn Clock>,
        shutdown: Arc<AtomicBool>,
    ) -> Sms {
        let now = clock.now();
        Sms {
            device,
            clock,
            shutdown,
            max_attempts: config.max_attempts,
            bulk_interval: Duration::from_millis(u64::from(config.bulk_interval_ms)),
            status: Mutex::new(Status {
                link: LinkState::Connecting,
                since: now,
                info: Info::default(),
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

    /// A copy of the modem's state.
    pub(crate) fn status(&self) -> Status {
        self.status
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn link_state(&self) -> LinkState {
        self.status
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .link
    }

    fn set_link(&self, link: LinkState, error: Option<String>) {
        let mut status = self.status.lock().unwrap_or_else(PoisonError::into_inner);
        if status.link != link {
            status.link = link;
            status.since = self.clock.now();
        }
        if error.is_some() {
            status.last_error = error;
        }
    }

    fn set_info(&self, info: &Info) {
        self.status
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .info = info.clone();
    }

    fn set_error(&self, error: &str) {
        self.status
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .last_error = Some(error.to_owned());
    }
}

/// The modem's state for `/healthz`.
pub(crate) fn health(sms: &Sms) -> serde_json::Value {
    let s = sms.status();
    json!({
        "state": s.link.code(),
        "since": s.since.to_rfc3339(),
        "operator": s.info.operator,
        "signal": s.info.signal,
        "last_error": s.last_error,
    })
}

/// The dashboard card.
pub(crate) fn card(ctx: &Ctx, conn: &rusqlite::Connection) -> rusqlite::Result<Markup> {
    let status = ctx.app.sms.status();
    let queued = outbox::queued(conn)?;
    let warn = !matches!(status.link, LinkState::Connected);
    Ok(html! {
        section class="card" {
            h2 { "SMS" }
            p class=[warn.then_some("warning")] { (ctx.t(status.link.label())) }
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
    user: &crate::auth::StaffUser,
    phone_error: Option<&str>,
    phone_value: &str,
    status_code: u16,
) -> Result<Response, AppError> {
    let conn = ctx.app.db.conn()?;
    let status = ctx.app.sms.status();
    let counts = outbox::counts(&conn)?;
    let recent = outbox::recent(&conn, 50)?;
    let csrf = ctx.csrf();
    let registration = match status.info.registration {
        Some(1) => ctx.t(Msg::SmsRegisteredHome),
        Some(5) => ctx.t(Msg::SmsRegisteredRoaming),
        Some(2) => ctx.t(Msg::SmsSearching),
        Some(3) => ctx.t(Msg::SmsDenied),
        _ => ctx.t(Msg::SmsUnknown),
    };
    let mut phone = Field::new(ctx.t(Msg::PhoneNumber), "phone", phone_value);
    phone.kind = "tel";
    phone.error = phone_error;
    let body = html! {
        @match status.link {
            LinkState::NotConfigured => p class="warning" { (ctx.t(Msg::SmsNoModemWarning)) },
            LinkState::LogOnly => p class="warning" { (ctx.t(Msg::SmsLogOnlyWarning)) },
            _ => {},
        }
        section class="card" {
            h2 { (ctx.t(Msg::SmsModem)) }
            dl {
                dt { (ctx.t(Msg::Status)) } dd { (ctx.t(status.link.label())) " · " (ctx.lang.fill(Msg::SmsSince, &[("when", &ctx.datetime(status.since))])) }
                dt { (ctx.t(Msg::SmsOperator)) } dd { @if status.info.operator.is_empty() { (ctx.t(Msg::SmsUnknown)) } @else { (status.info.operator) } }
                dt { (ctx.t(Msg::SmsSignal)) } dd { (signal_words(ctx, status.info.signal)) }
                dt { (ctx.t(Msg::SmsRegistration)) } dd { (registration) }
                dt { (ctx.t(Msg::SmsLastError)) } dd { (status.last_error.as_deref().unwrap_or("—")) }
            }
        }
        h2 { (ctx.t(Msg::SmsQueue)) }
        div class="table-wrap" {
            table {
                thead { tr { th { (ctx.t(Msg::SmsKind)) } @for state in State::ALL { th class="num" { (state.code()) } } } }
                tbody {
                    @for kind in Kind::ALL {
                        tr {
                            td { (kind.code()) }
                            @for state in State::ALL {
                                td class="num" { (counts.iter().find(|(s, k, _)| *s == state && *k == kind).map_or(0, |c| c.2)) }
                            }
                        }
                    }
                }
            }
        }
        h2 { (ctx.t(Msg::SmsSendTest)) }
        form method="post" action="/staff/sms/test" class="stack" {
            (ui::csrf_input(&csrf))
            (ui::field(&phone))
            div { button type="submit" { (ctx.t(Msg::SmsSendTest)) } }
        }
        h2 { (ctx.t(Msg::SmsRecent)) }
        div class="table-wrap" {
            table {
                thead { tr {
                    th { (ctx.t(Msg::AuditWhen)) } th { (ctx.t(Msg::SmsTo)) } th { (ctx.t(Msg::SmsKind)) }
                    th { (ctx.t(Msg::SmsText)) } th { (ctx.t(Msg::Status)) } th { (ctx.t(Msg::Actions)) }
                } }
                tbody {
                    @for m in &recent {
                        tr {
                            td { (ctx.datetime(m.created_at)) }
                            td { (phone::E164::from_stored(m.to.clone()).masked()) }
                            td { (m.kind.code()) }
                            td { (m.text) }
                            td {
                                span class={ "badge " (match m.state { State::Sent => "ok", State::Failed | State::Expired => "bad", _ => "warn" }) } { (m.state.code()) }
                                @if m.attempts > 1 { " ×" (m.attempts) }
                                @if let Some(t) = m.sent_at { br; span class="muted" { (ctx.datetime(t)) } }
                                @if let Some(e) = &m.last_error { br; span class="muted" { (e) } }
                            }
                            td class="actions" {
                                @if m.state == State::Failed && !m.kind.carries_code() {
                                    form method="post" action={ "/staff/sms/" (m.id) "/retry" } {
                                        (ui::csrf_input(&csrf))
                                        button type="submit" class="secondary" { (ctx.t(Msg::SmsRetry)) }
                                    }
                                }
                                @if matches!(m.state, State::Queued | State::Failed) {
                                    form method="post" action={ "/staff/sms/" (m.id) "/cancel" } {
                                        (ui::csrf_input(&csrf))
                                        button type="submit" class="danger" { (ctx.t(Msg::SmsCancel)) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    let mut response = ctx.staff_page(user, "SMS", body);
    response.status = status_code;
    Ok(response)
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
pub(crate) fn act(ctx: &Ctx, id: &str, retry: bool) -> Result<Response, AppError> {
    let user = ctx.require(Permission::CustomerManagement)?;
    let id: SmsId = id.parse().map_err(|_| AppError::NotFound)?;
    let mut conn = ctx.app.db.conn()?;
    let tx = db::immediate(&mut conn)?;
    let actor = Actor::Staff(user);
    let result = if retry {
        outbox::retry(&tx, &actor, &id, ctx.now)
    } else {
        outbox::cancel(&tx, &actor, &id, ctx.now)
    };
    match result {
        Ok(()) => {
            tx.commit()?;
            if !retry {
                // A cancelled code was blanked: empty the WAL of its text.
                db::truncate_wal(&conn);
            }
            ctx.app.sms.wake();
            Ok(Response::see_other("/staff/sms"))
        }
        Err(outbox::ActionError::NotFound) => Err(AppError::NotFound),
        Err(outbox::ActionError::WrongState(state)) => Err(AppError::BadRequest(
            ctx.lang.fill(Msg::SmsWrongState, &[("state", state)]),
        )),
        Err(outbox::ActionError::Db(e)) => Err(e.into()),
    }
}
