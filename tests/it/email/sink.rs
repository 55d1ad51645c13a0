//! A real SMTP server on loopback for the email tests, in this process: the `mailin` crate
//! speaks the protocol (EHLO, STARTTLS, AUTH PLAIN and LOGIN, MAIL, RCPT, DATA), rustls does the
//! TLS, and `mail-parser` decodes each accepted message. Our own code is only the loop that
//! reads lines and writes the replies `mailin` gives, so it can be stopped when a test ends.
//! (`mailin-embedded` serves forever and brings a second TLS provider; that is why this loop.)
//!
//! A recipient whose address starts with `bounce` is refused with
//! `550 5.1.1 mailbox unavailable`, as a real relay refuses an unknown mailbox. As a
//! submission relay ([`Submission`]) it offers STARTTLS with the given certificate and accepts
//! mail only after AUTH, which it offers only once TLS is up, as providers run them.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use mailin::{Action, AuthMechanism, Handler, Response, SessionBuilder};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use serde_json::{Value, json};

/// What a submission relay requires: TLS with this certificate, then this login.
pub struct Submission {
    pub cert_der: Vec<u8>,
    pub key_der: Vec<u8>,
    pub user: String,
    pub password: String,
}

/// The running server; stopped when dropped.
pub struct Sink {
    received: Arc<Mutex<Vec<Value>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Sink {
    /// A relay on 127.0.0.1:`port` in plain text, as one on the same machine.
    pub fn start(port: u16) -> Sink {
        Sink::serve(port, None)
    }

    /// A submission relay on 127.0.0.1:`port`: STARTTLS, then AUTH, then mail.
    pub fn submission(port: u16, submission: Submission) -> Sink {
        Sink::serve(port, Some(submission))
    }

    fn serve(port: u16, submission: Option<Submission>) -> Sink {
        let listener = TcpListener::bind(("127.0.0.1", port)).expect("bind the SMTP sink");
        listener.set_nonblocking(true).unwrap();
        let received = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let relay = Arc::new(Relay::new(submission));
        let thread = {
            let (received, stop) = (Arc::clone(&received), Arc::clone(&stop));
            std::thread::spawn(move || accept(&listener, &relay, &received, &stop))
        };
        Sink {
            received,
            stop,
            thread: Some(thread),
        }
    }

    /// The messages received so far, oldest first: `mail_from`, `rcpt_tos`, `subject`, `body`.
    pub fn received(&self) -> Vec<Value> {
        self.received.lock().unwrap().clone()
    }

    /// Waits for the `n`th message and returns it.
    pub fn nth(&self, n: usize) -> Value {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(m) = self.received().get(n - 1) {
                return m.clone();
            }
            assert!(
                Instant::now() < deadline,
                "no message number {n}; got {:?}",
                self.received()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// How the relay talks: its protocol settings and, for a submission relay, TLS and the login.
struct Relay {
    session: SessionBuilder,
    tls: Option<Arc<rustls::ServerConfig>>,
    login: Option<(String, String)>,
}

impl Relay {
    fn new(submission: Option<Submission>) -> Relay {
        let mut session = SessionBuilder::new("sink.test");
        let (tls, login) = match submission {
            None => (None, None),
            Some(s) => {
                session
                    .enable_start_tls()
                    .enable_auth(AuthMechanism::Plain)
                    .enable_auth(AuthMechanism::Login);
                let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(s.key_der));
                let config = rustls::ServerConfig::builder_with_provider(Arc::new(
                    rustls::crypto::ring::default_provider(),
                ))
                .with_safe_default_protocol_versions()
                .unwrap()
                .with_no_client_auth()
                .with_single_cert(vec![CertificateDer::from(s.cert_der)], key)
                .unwrap();
                (Some(Arc::new(config)), Some((s.user, s.password)))
            }
        };
        Relay {
            session,
            tls,
            login,
        }
    }
}

/// Accepts connections until asked to stop; each is answered on a thread of its own.
fn accept(
    listener: &TcpListener,
    relay: &Arc<Relay>,
    received: &Arc<Mutex<Vec<Value>>>,
    stop: &AtomicBool,
) {
    while !stop.load(Ordering::SeqCst) {
        match listener.accept() {
            Ok((stream, peer)) => {
                let (relay, received) = (Arc::clone(relay), Arc::clone(received));
                std::thread::spawn(move || {
                    let _ = converse(stream, peer, &relay, &received);
                });
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(_) => std::thread::sleep(Duration::from_millis(20)),
        }
    }
}

/// One SMTP conversation: plain text until STARTTLS, then over TLS.
fn converse(
    stream: TcpStream,
    peer: SocketAddr,
    relay: &Relay,
    received: &Arc<Mutex<Vec<Value>>>,
) -> std::io::Result<()> {
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let handler = Mailbox {
        login: relay.login.clone(),
        received: Arc::clone(received),
        from: String::new(),
        to: Vec::new(),
        data: Vec::new(),
    };
    let mut session = relay.session.build(peer.ip(), handler);
    let mut plain = BufReader::new(stream);
    session.greeting().write_to(plain.get_mut())?;
    if talk(&mut session, &mut plain)? != Action::UpgradeTls {
        return Ok(());
    }
    let Some(config) = &relay.tls else {
        return Ok(());
    };
    let connection = rustls::ServerConnection::new(Arc::clone(config))
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    let mut tls = BufReader::new(rustls::StreamOwned::new(connection, plain.into_inner()));
    session.tls_active();
    talk(&mut session, &mut tls)?;
    Ok(())
}

/// Reads lines and writes `mailin`'s replies until the conversation ends or turns to TLS.
/// (The client waits for the reply to STARTTLS, so nothing is left in the buffer then.)
fn talk<H: Handler, S: Read + Write>(
    session: &mut mailin::Session<H>,
    stream: &mut BufReader<S>,
) -> std::io::Result<Action> {
    let mut line = Vec::new();
    loop {
        line.clear();
        if stream.read_until(b'\n', &mut line)? == 0 {
            return Ok(Action::Close);
        }
        let response = session.process(&line);
        match response.action.clone() {
            Action::NoReply => {}
            action => {
                response.write_to(stream.get_mut())?;
                stream.get_mut().flush()?;
                if action != Action::Reply {
                    return Ok(action);
                }
            }
        }
    }
}

/// The relay's decisions for one connection, and the message being received.
struct Mailbox {
    login: Option<(String, String)>,
    received: Arc<Mutex<Vec<Value>>>,
    from: String,
    to: Vec<String>,
    data: Vec<u8>,
}

impl Mailbox {
    fn authenticate(&self, user: &str, password: &str) -> Response {
        match &self.login {
            Some((u, p)) if u == user && p == password => mailin::response::AUTH_OK,
            _ => mailin::response::INVALID_CREDENTIALS,
        }
    }
}

impl Handler for Mailbox {
    fn rcpt(&mut self, to: &str) -> Response {
        if to.to_ascii_lowercase().starts_with("bounce") {
            Response::custom(550, "5.1.1 mailbox unavailable".to_owned())
        } else {
            mailin::response::OK
        }
    }

    fn data_start(&mut self, _domain: &str, from: &str, _is8bit: bool, to: &[String]) -> Response {
        self.from = from.to_owned();
        self.to = to.to_vec();
        self.data.clear();
        mailin::response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.data.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        let Some(message) = mail_parser::MessageParser::default().parse(&self.data) else {
            return mailin::response::TRANSACTION_FAILED;
        };
        let record = json!({
            "mail_from": self.from,
            "rcpt_tos": self.to,
            "subject": message.subject().unwrap_or_default(),
            "body": message.body_text(0).unwrap_or_default(),
        });
        self.received.lock().unwrap().push(record);
        mailin::response::OK
    }

    fn auth_plain(&mut self, _authorization: &str, user: &str, password: &str) -> Response {
        self.authenticate(user, password)
    }

    fn auth_login(&mut self, user: &str, password: &str) -> Response {
        self.authenticate(user, password)
    }
}

/// A certificate authority and a certificate for `localhost` it signed, made for one test:
/// the authority's PEM (for `[email] ca_file`) and the relay's certificate and key.
pub fn test_certificates() -> (String, Submission) {
    use rcgen::{
        BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    };
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "Test Relay CA");
    let ca_cert = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca_params, ca_key);
    let leaf_key = KeyPair::generate().unwrap();
    let mut leaf_params = CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
    leaf_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let leaf = leaf_params.signed_by(&leaf_key, &issuer).unwrap();
    let submission = Submission {
        cert_der: leaf.der().to_vec(),
        key_der: leaf_key.serialize_der(),
        user: String::new(),
        password: String::new(),
    };
    (ca_cert.pem(), submission)
}
