//! The sender thread: the only code that talks SMTP. It takes the next due email from the
//! outbox, hands it to the relay over one SMTP session (lettre, TLS by rustls), and records
//! the outcome.
//!
//! An email is marked `sending` and committed before the relay sees it; the outcome is
//! committed after. If the process dies in between, the email is queued again at start-up:
//! the one duplicate that can cause is an email the relay had accepted when its answer was
//! lost (ARCHITECTURE.md).

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use chrono::{DateTime, Utc};
use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{Message, SmtpTransport, Transport};
use log::{info, warn};

use super::outbox::{self, Failure, Outgoing};
use super::{Email, Relay, RelayState, Security};
use crate::db::Db;

/// Replies to the relay's login: the relay (or our configuration) is at fault, not the email.
const LOGIN_REPLIES: [&str; 4] = ["530", "534", "535", "538"];

/// Runs until shutdown.
pub(crate) fn run(email: &Arc<Email>, db: &Db) {
    let now = email.clock.now();
    match db
        .conn()
        .map_err(|e| e.to_string())
        .and_then(|c| outbox::requeue_interrupted(&c, now).map_err(|e| e.to_string()))
    {
        Ok(0) => (),
        Ok(n) => warn!("email: {n} email(s) were being sent when the server stopped; queued again"),
        Err(e) => warn!("email: cannot requeue interrupted emails: {e}"),
    }
    let Some(relay) = &email.relay else {
        idle_without_relay(email, db);
        return;
    };
    let transport = match transport(relay) {
        Ok(transport) => transport,
        Err(e) => {
            // Validation at start-up makes this unlikely; the emails wait, and staff see why.
            warn!("email: cannot set up the relay {}: {e}", relay.host);
            email.set_state(RelayState::Unreachable, Some(e.to_string()));
            idle_without_relay(email, db);
            return;
        }
    };
    while !email.shutdown.load(Ordering::SeqCst) {
        let Some(message) = take(email, db) else {
            email.wait(Duration::from_secs(1));
            continue;
        };
        let result = send(&transport, relay, &message);
        let now = email.clock.now();
        // The outcome is recorded before the relay's state changes, so a page that shows the
        // new state also shows the email where it now is.
        record(email, db, &message, &result, now);
        match &result {
            Ok(()) => email.set_state(RelayState::Reachable, None),
            Err(Failure::RelayDown(reason)) => {
                if email.status().state != RelayState::Unreachable {
                    warn!("email: relay {} unreachable: {reason}", relay.host);
                }
                email.set_state(RelayState::Unreachable, Some(reason.clone()));
            }
            Err(Failure::Permanent(reason) | Failure::Temporary(reason)) => {
                email.set_state(RelayState::Reachable, Some(reason.clone()));
            }
        }
    }
}

/// No relay configured: nothing is sent; codes still expire on time.
fn idle_without_relay(email: &Email, db: &Db) {
    if email.relay.is_none() {
        email.set_state(RelayState::NotConfigured, None);
    }
    while !email.shutdown.load(Ordering::SeqCst) {
        if let Ok(conn) = db.conn()
            && outbox::expire_codes(&conn, email.clock.now()).is_ok_and(|n| n > 0)
        {
            crate::db::truncate_wal(&conn);
        }
        email.wait(Duration::from_secs(1));
    }
}

/// Takes the next due email, logging database trouble.
fn take(email: &Email, db: &Db) -> Option<Outgoing> {
    let now = email.clock.now();
    match db
        .conn()
        .map_err(|e| e.to_string())
        .and_then(|mut c| outbox::take_next(&mut c, now).map_err(|e| e.to_string()))
    {
        Ok(next) => next,
        Err(e) => {
            warn!("email: cannot read the outbox: {e}");
            None
        }
    }
}

/// The SMTP transport for the relay: one connection per email (a branch sends a few a day).
pub(crate) fn transport(relay: &Relay) -> Result<SmtpTransport, lettre::transport::smtp::Error> {
    let builder = SmtpTransport::builder_dangerous(relay.host.as_str())
        .port(relay.port)
        .timeout(Some(relay.timeout));
    let parameters = || {
        let mut tls = TlsParameters::builder(relay.host.clone());
        if let Some(pem) = &relay.ca_pem {
            tls = tls.add_root_certificate(Certificate::from_pem(pem)?);
        }
        tls.build_rustls()
    };
    let builder = match relay.security {
        Security::StartTls => builder.tls(Tls::Required(parameters()?)),
        Security::Tls => builder.tls(Tls::Wrapper(parameters()?)),
        Security::None => builder.tls(Tls::None),
    };
    let builder = match &relay.username {
        Some(username) => builder.credentials(Credentials::new(
            username.clone(),
            relay.password.expose().to_owned(),
        )),
        None => builder,
    };
    Ok(builder.build())
}

/// Hands one email to the relay.
fn send(transport: &SmtpTransport, relay: &Relay, email: &Outgoing) -> Result<(), Failure> {
    let to: Mailbox = email
        .to
        .parse()
        .map_err(|e| Failure::Permanent(format!("bad recipient address: {e}")))?;
    let message = Message::builder()
        .from(relay.from.clone())
        .to(to)
        .subject(email.subject.as_str())
        .header(ContentType::TEXT_PLAIN)
        .body(email.body.clone())
        .map_err(|e| Failure::Permanent(format!("cannot build the email: {e}")))?;
    transport
        .send(&message)
        .map(|_| ())
        .map_err(|e| classify(&e))
}

/// What an SMTP error means for the email.
pub(crate) fn classify(error: &lettre::transport::smtp::Error) -> Failure {
    let reason = error.to_string();
    let login_refused = error
        .status()
        .is_some_and(|code| LOGIN_REPLIES.contains(&code.to_string().as_str()));
    if login_refused {
        Failure::RelayDown(format!("the relay refused our login: {reason}"))
    } else if error.is_permanent() {
        Failure::Permanent(reason)
    } else if error.is_transient() {
        Failure::Temporary(reason)
    } else {
        Failure::RelayDown(reason)
    }
}

/// Records a send's outcome.
fn record(
    email: &Email,
    db: &Db,
    message: &Outgoing,
    result: &Result<(), Failure>,
    now: DateTime<Utc>,
) {
    let outcome = db.conn().map_err(|e| e.to_string()).and_then(|conn| {
        match result {
            Ok(()) => outbox::mark_sent(&conn, message, now).map(|()| "sent"),
            Err(failure) => {
                outbox::mark_failed_attempt(&conn, message, failure, email.max_attempts, now)
                    .map(|state| state.code())
            }
        }
        .map_err(|e| e.to_string())
    });
    match outcome {
        Ok(state) => info!("email: {} ({}) {state}", message.id, message.kind.code()),
        Err(e) => warn!("email: recording email {} failed: {e}", message.id),
    }
    // A code's text was blanked: empty the WAL of the page that still held it.
    if message.kind.carries_code()
        && let Ok(conn) = db.conn()
    {
        crate::db::truncate_wal(&conn);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::config::Config;

    #[test]
    fn every_security_mode_builds_a_transport() {
        for (security, port) in [("starttls", 587), ("tls", 465), ("none", 25)] {
            let mut config = Config::default().email;
            config.relay = if security == "none" {
                "127.0.0.1".to_owned()
            } else {
                "smtp.example.com".to_owned()
            };
            config.port = port;
            config.security = security.to_owned();
            config.from = "Pawnbranch <branch@example.com>".to_owned();
            let relay = Relay::from_config(&config).unwrap();
            assert_eq!(relay.port, u16::try_from(port).unwrap());
            assert!(transport(&relay).is_ok(), "{security}");
        }
        assert!(Relay::from_config(&Config::default().email).is_none());
    }
}
