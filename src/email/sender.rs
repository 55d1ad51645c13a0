//! The email channel's far end: the only code that talks SMTP. The shared sender loop
//! ([`crate::outbox::sender`]) takes the next due email from the outbox and hands it to the
//! relay through [`RelayDriver`], over one SMTP session (lettre, TLS by rustls), then records
//! the outcome; what is email's own is the transport, what a reply means for the email, and
//! the relay's state shown to staff.

use std::sync::Arc;
use std::time::Duration;

use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{Message, SmtpTransport, Transport};
use log::warn;

use super::outbox::{EMAIL, Kind, Outgoing};
use super::{Email, Relay, RelayState, Security};
use crate::outbox::Failure;
use crate::outbox::sender::{Driver, Thread};
use crate::plumbing::db::Db;
use crate::plumbing::ids::EmailId;

/// Replies to the relay's login: the relay (or our configuration) is at fault, not the email.
const LOGIN_REPLIES: [&str; 4] = ["530", "534", "535", "538"];

/// Runs until shutdown.
pub(crate) fn run(email: &Arc<Email>, db: &Db) {
    let thread = Thread::start(&EMAIL, &email.sender, db);
    let Some(relay) = &email.relay else {
        email.sender.set_link(RelayState::NotConfigured, None);
        thread.idle();
        return;
    };
    match transport(relay) {
        Ok(transport) => thread.serve(&mut RelayDriver {
            email,
            relay,
            transport,
        }),
        Err(e) => {
            // Validation at start-up makes this unlikely; the emails wait, and staff see why.
            warn!("email: cannot set up the relay {}: {e}", relay.host);
            email
                .sender
                .set_link(RelayState::Unreachable, Some(e.to_string()));
            thread.idle();
        }
    }
}

/// The relay, as the sender loop drives it.
struct RelayDriver<'a> {
    email: &'a Email,
    relay: &'a Relay,
    transport: SmtpTransport,
}

impl Driver<Kind, EmailId> for RelayDriver<'_> {
    type Error = Failure;

    fn idle(&mut self) -> Duration {
        Duration::from_secs(1)
    }

    fn send(&mut self, email: &Outgoing) -> Result<Option<String>, Failure> {
        send(&self.transport, self.relay, email).map(|()| None)
    }

    fn failure(&self, error: &Failure) -> Failure {
        error.clone()
    }

    /// The relay's state after a send, shown to staff.
    fn after(&mut self, result: &Result<Option<String>, Failure>) {
        let sender = &self.email.sender;
        match result {
            Ok(_) => sender.set_link(RelayState::Reachable, None),
            Err(Failure::Unreachable(reason)) => {
                if sender.link().state != RelayState::Unreachable {
                    warn!("email: relay {} unreachable: {reason}", self.relay.host);
                }
                sender.set_link(RelayState::Unreachable, Some(reason.clone()));
            }
            Err(failure) => {
                sender.set_link(RelayState::Reachable, Some(failure.reason().to_owned()));
            }
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
        .subject(email.subject.as_deref().unwrap_or_default())
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
        Failure::Unreachable(format!("the relay refused our login: {reason}"))
    } else if error.is_permanent() {
        Failure::Permanent(reason)
    } else if error.is_transient() {
        Failure::Temporary(reason)
    } else {
        Failure::Unreachable(reason)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::plumbing::config::Config;

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
