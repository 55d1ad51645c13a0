//! Email through an SMTP relay (issue 7): the durable outbox, the sender thread (the only code
//! that talks SMTP), the staff "Email" page, and what the staff customer page offers to reach a
//! customer (the portal invitation of seed 000 step 9, and the test email and test SMS of
//! seed 002's troubleshooting).
//!
//! Other features queue an email with [`outbox::enqueue`] inside their own transaction and
//! call [`Email::wake`] after it commits. With no relay configured (`[email] relay` empty),
//! emails wait in the queue and staff see how many, on the dashboard and the Email page.

pub(crate) mod customer;
pub(crate) mod outbox;
pub(crate) mod sender;

use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use chrono::{DateTime, Utc};
use lettre::message::Mailbox;
use maud::{Markup, html};

use crate::audit::Actor;
use crate::auth::Permission;
use crate::bell::Bell;
use crate::clock::Clock;
use crate::config::{EmailConfig, Secret};
use crate::db;
use crate::error::AppError;
use crate::http::Response;
use crate::i18n::Msg;
use crate::ids::EmailId;
use crate::ui;
use crate::web::Ctx;
use outbox::{Kind, State};

/// How the connection to the relay is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Security {
    /// Plain connection, then STARTTLS, required (no fallback to plain text).
    StartTls,
    /// TLS from the first byte (SMTPS, usually port 465).
    Tls,
    /// Plain text: only to a relay on this machine (validated at start-up).
    None,
}

/// The relay, as the configuration names it.
#[derive(Debug, Clone)]
pub(crate) struct Relay {
    pub(crate) host: String,
    pub(crate) port: u16,
    pub(crate) security: Security,
    pub(crate) username: Option<String>,
    pub(crate) password: Secret,
    pub(crate) from: Mailbox,
    pub(crate) timeout: Duration,
    /// The PEM of `[email] ca_file`, trusted besides the public authorities.
    pub(crate) ca_pem: Option<Vec<u8>>,
}

impl Relay {
    /// The relay `[email]` names, if any (the section is validated at load).
    pub(crate) fn from_config(config: &EmailConfig) -> Option<Relay> {
        if !config.has_relay() {
            return None;
        }
        Some(Relay {
            host: config.relay.clone(),
            port: u16::try_from(config.port).ok()?,
            security: match config.security.as_str() {
                "tls" => Security::Tls,
                "none" => Security::None,
                _ => Security::StartTls,
            },
            username: Some(config.username.clone()).filter(|u| !u.is_empty()),
            password: config.password.clone(),
            from: config.from.parse().ok()?,
            timeout: Duration::from_secs(u64::from(config.timeout_seconds)),
            // Checked readable at start-up; should it vanish since, the relay's certificate
            // fails to verify and staff see the relay as unreachable.
            ca_pem: Some(config.ca_file.as_str())
                .filter(|f| !f.is_empty())
                .and_then(|f| std::fs::read(f).ok()),
        })
    }
}

/// The relay as staff see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RelayState {
    /// `[email] relay` is empty: emails wait.
    NotConfigured,
    /// Configured; nothing sent since start-up.
    Waiting,
    /// The relay answered the last time.
    Reachable,
    /// The relay could not be reached (or refused our login) the last time.
    Unreachable,
}

impl RelayState {
    /// The state for people.
    fn label(self) -> Msg {
        match self {
            RelayState::NotConfigured => Msg::EmailNoRelay,
            RelayState::Waiting => Msg::EmailRelayWaiting,
            RelayState::Reachable => Msg::EmailRelayReachable,
            RelayState::Unreachable => Msg::EmailRelayUnreachable,
        }
    }
}

/// The relay's state as last seen by the sender thread.
#[derive(Debug, Clone)]
pub(crate) struct Status {
    pub(crate) state: RelayState,
    pub(crate) since: DateTime<Utc>,
    pub(crate) last_error: Option<String>,
}

/// The email service: the relay, its state, and the sender's wake-up bell.
pub(crate) struct Email {
    pub(crate) relay: Option<Relay>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) shutdown: Arc<AtomicBool>,
    pub(crate) max_attempts: u32,
    status: Mutex<Status>,
    bell: Bell,
}

impl Email {
    /// The service for `[email]`; the sender thread is started by the server.
    pub(crate) fn new(
        config: &EmailConfig,
        clock: Arc<dyn Clock>,
        shutdown: Arc<AtomicBool>,
    ) -> Email {
        let relay = Relay::from_config(config);
        let now = clock.now();
        let state = if relay.is_some() {
            RelayState::Waiting
        } else {
            RelayState::NotConfigured
        };
        Email {
            relay,
            clock,
            shutdown,
            max_attempts: config.max_attempts,
            status: Mutex::new(Status {
                state,
                since: now,
                last_error: None,
            }),
            bell: Bell::default(),
        }
    }

    /// Wakes the sender: call after committing a transaction that queued an email.
    pub(crate) fn wake(&self) {
        self.bell.ring();
    }

    /// Waits until woken or `timeout` passes (the sender thread's sleep).
    pub(crate) fn wait(&self, timeout: Duration) {
        self.bell.wait(timeout);
    }

    /// A copy of the relay's state.
    pub(crate) fn status(&self) -> Status {
        self.status
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn set_state(&self, state: RelayState, error: Option<String>) {
        let mut status = self.status.lock().unwrap_or_else(PoisonError::into_inner);
        if status.state != state {
            status.state = state;
            status.since = self.clock.now();
        }
        if error.is_some() {
            status.last_error = error;
        }
    }
}

/// The warning shown while emails wait for a relay that is not configured.
fn no_relay_warning(ctx: &Ctx, queued: i64) -> Markup {
    html! {
        p class="warning" { (ctx.lang.fill(Msg::EmailNoRelayWaiting, &[("n", &queued.to_string())])) }
    }
}

/// The dashboard card.
pub(crate) fn card(ctx: &Ctx, conn: &rusqlite::Connection) -> rusqlite::Result<Markup> {
    let status = ctx.app.email.status();
    let queued = outbox::queued(conn)?;
    Ok(html! {
        section class="card" {
            h2 { (ctx.t(Msg::NavEmail)) }
            @if status.state == RelayState::NotConfigured {
                (no_relay_warning(ctx, queued))
            } @else {
                p class=[(status.state == RelayState::Unreachable).then_some("warning")] { (ctx.t(status.state.label())) }
                p { (ctx.lang.fill(Msg::SmsQueued, &[("n", &queued.to_string())])) }
            }
        }
    })
}

/// GET /staff/email: the relay, the queue, recent emails (codes masked), retry and cancel.
pub(crate) fn page(ctx: &Ctx) -> Result<Response, AppError> {
    let user = ctx.require(Permission::CustomerManagement)?;
    let conn = ctx.app.db.conn()?;
    let status = ctx.app.email.status();
    let queued = outbox::queued(&conn)?;
    let counts = outbox::counts(&conn)?;
    let recent = outbox::recent(&conn, 50)?;
    drop(conn);
    let csrf = ctx.csrf();
    let relay = ctx.app.email.relay.as_ref();
    let body = html! {
        @if status.state == RelayState::NotConfigured { (no_relay_warning(ctx, queued)) }
        section class="card" {
            h2 { (ctx.t(Msg::EmailRelay)) }
            dl {
                dt { (ctx.t(Msg::Status)) } dd { (ctx.t(status.state.label())) " · " (ctx.lang.fill(Msg::SmsSince, &[("when", &ctx.datetime(status.since))])) }
                @if let Some(relay) = relay {
                    dt { (ctx.t(Msg::EmailRelay)) } dd { (relay.host) ":" (relay.port) " (" (ctx.app.config.email.security) ")" }
                    dt { (ctx.t(Msg::EmailFrom)) } dd { (relay.from.to_string()) }
                }
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
        h2 { (ctx.t(Msg::EmailRecent)) }
        div class="table-wrap" {
            table {
                thead { tr {
                    th { (ctx.t(Msg::AuditWhen)) } th { (ctx.t(Msg::SmsTo)) } th { (ctx.t(Msg::SmsKind)) }
                    th { (ctx.t(Msg::EmailSubject)) } th { (ctx.t(Msg::Status)) } th { (ctx.t(Msg::Actions)) }
                } }
                tbody {
                    @for m in &recent {
                        tr {
                            td { (ctx.datetime(m.created_at)) }
                            td { (m.to) }
                            td { (m.kind.code()) }
                            td {
                                details {
                                    summary { (m.subject) }
                                    pre class="email-body" { (m.body) }
                                }
                            }
                            td {
                                (state_badge(m.state))
                                @if m.attempts > 1 { " ×" (m.attempts) }
                                @if let Some(t) = m.sent_at { br; span class="muted" { (ctx.datetime(t)) } }
                                @if let Some(e) = &m.last_error { br; span class="muted" { (e) } }
                            }
                            td class="actions" {
                                @if m.state == State::Failed && !m.kind.carries_code() {
                                    form method="post" action={ "/staff/email/" (m.id) "/retry" } {
                                        (ui::csrf_input(&csrf))
                                        button type="submit" class="secondary" { (ctx.t(Msg::SmsRetry)) }
                                    }
                                }
                                @if matches!(m.state, State::Queued | State::Failed) {
                                    form method="post" action={ "/staff/email/" (m.id) "/cancel" } {
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
    Ok(ctx.staff_page(user, ctx.t(Msg::NavEmail), body))
}

/// An email's state as a badge.
pub(crate) fn state_badge(state: State) -> Markup {
    let class = match state {
        State::Sent => "ok",
        State::Failed | State::Expired => "bad",
        _ => "warn",
    };
    html! { span class={ "badge " (class) } { (state.code()) } }
}

/// POST /staff/email/{id}/retry and /cancel.
pub(crate) fn act(ctx: &Ctx, id: &str, retry: bool) -> Result<Response, AppError> {
    let user = ctx.require(Permission::CustomerManagement)?;
    let id: EmailId = id.parse().map_err(|_| AppError::NotFound)?;
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
            ctx.app.email.wake();
            Ok(Response::see_other("/staff/email"))
        }
        Err(outbox::ActionError::NotFound) => Err(AppError::NotFound),
        Err(outbox::ActionError::WrongState(state)) => Err(AppError::BadRequest(
            ctx.lang.fill(Msg::EmailWrongState, &[("state", state)]),
        )),
        Err(outbox::ActionError::Db(e)) => Err(e.into()),
    }
}
