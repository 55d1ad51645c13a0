//! Email through an SMTP relay (issue 7): the email outbox (the shared [`crate::outbox`] on
//! its own table), the sender thread's driver (the only code that talks SMTP), in `pages`
//! the staff "Email" page (the relay's panel; the queue and the recent emails are the
//! outbox's), and
//! what the staff customer page offers to reach a customer (the portal invitation of seed 000
//! step 9, and the test email and test SMS of seed 002's troubleshooting).
//!
//! Other features queue an email with [`outbox::enqueue`] inside their own transaction and
//! call [`Email::wake`] after it commits. With no relay configured (`[email] relay` empty),
//! emails wait in the queue and staff see how many, on the dashboard and the Email page.

pub(crate) mod invitation;
pub(crate) mod outbox;
pub(crate) mod sender;

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use lettre::message::Mailbox;

use crate::outbox::sender::Sender;
use crate::plumbing::clock::Clock;
use crate::plumbing::config::{EmailConfig, Secret};
use crate::plumbing::i18n::Msg;

/// The relay, as the configuration names it.
#[derive(Debug, Clone)]
pub(crate) struct Relay {
    /// Its host name (or address), also the name its TLS certificate must carry.
    pub(crate) host: String,
    pub(crate) port: u16,
    pub(crate) security: Security,
    /// The login, if the relay asks for one (with `password`).
    pub(crate) username: Option<String>,
    pub(crate) password: Secret,
    /// The sender every email names.
    pub(crate) from: Mailbox,
    /// The limit on each exchange with the relay.
    pub(crate) timeout: Duration,
    /// The PEM of `[email] ca_file`, trusted besides the public authorities.
    pub(crate) ca_pem: Option<Vec<u8>>,
}

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
    pub(crate) fn label(self) -> Msg {
        match self {
            RelayState::NotConfigured => Msg::EmailNoRelay,
            RelayState::Waiting => Msg::EmailRelayWaiting,
            RelayState::Reachable => Msg::EmailRelayReachable,
            RelayState::Unreachable => Msg::EmailRelayUnreachable,
        }
    }
}

/// The email service: the relay, and the sender thread's shared state (the relay's state, the
/// wake-up bell).
pub(crate) struct Email {
    pub(crate) relay: Option<Relay>,
    pub(crate) sender: Sender<RelayState>,
}

impl Email {
    /// The service for `[email]`; the sender thread is started by the server.
    pub(crate) fn new(
        config: &EmailConfig,
        clock: Arc<dyn Clock>,
        shutdown: Arc<AtomicBool>,
    ) -> Email {
        let relay = Relay::from_config(config);
        let state = if relay.is_some() {
            RelayState::Waiting
        } else {
            RelayState::NotConfigured
        };
        Email {
            relay,
            sender: Sender::new(state, config.max_attempts, clock, shutdown),
        }
    }

    /// Wakes the sender: call after committing a transaction that queued an email.
    pub(crate) fn wake(&self) {
        self.sender.wake();
    }
}

/// A light check of an email address's shape: one `@`, something before it, a dotted domain
/// after it, no spaces or angle brackets, at most 254 characters (delivery proves the rest).
/// The counter, the portal and the customer import all ask this one function.
pub(crate) fn plausible_address(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && email.len() <= 254
        && !email
            .chars()
            .any(|c| c.is_whitespace() || c == '<' || c == '>')
}

#[cfg(test)]
mod tests {
    use super::plausible_address;

    #[test]
    fn an_address_has_one_at_and_a_dotted_domain() {
        for good in ["siti@example.com", "a.b+c@mail.example.co.id"] {
            assert!(plausible_address(good), "{good}");
        }
        let too_long = format!("{}@example.com", "a".repeat(243));
        for bad in [
            "siti",
            "@example.com",
            "siti@localhost",
            "siti@.example.com",
            "siti@example.com.",
            "siti@example@com.id",
            "siti @example.com",
            "<siti@example.com>",
            too_long.as_str(),
        ] {
            assert!(!plausible_address(bad), "{bad}");
        }
    }
}
