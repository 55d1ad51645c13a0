//! Email (issue 7) through a real SMTP server on loopback ([`sink`]), started by each test on a
//! free port, which keeps every message it accepts and refuses `bounce*` recipients with 550.
//! The server under test talks plain SMTP to it (`[email] security = "none"`, allowed only for
//! a relay on this machine), except in the test of a submission relay, which requires STARTTLS
//! (a certificate authority made for the test, trusted through `[email] ca_file`) and AUTH.

mod sink;

use std::net::TcpListener;
use std::time::{Duration, Instant};

use self::sink::Sink;
use crate::portal::{ask_code, enter_code};
use crate::util::{CLERK, Client, MANAGER, Options, Server, id_after};

/// The demo's first customer: Siti Rahmawati, email siti0@example.com, complete profile.
const SITI: &str = "0812-1000-0000";
const SITI_E164: &str = "+6281210000000";
const SITI_EMAIL: &str = "siti0@example.com";
/// The portal address the invitation must give.
const PORTAL_URL: &str = "http://portal.branch.test/";

/// A port nothing listens on (yet).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A demo server whose relay is 127.0.0.1:`port`, in plain text.
fn server_with_relay(port: u16) -> Server {
    server_with_relay_and(port, &[])
}

/// As [`server_with_relay`], with more settings from the environment.
fn server_with_relay_and(port: u16, more: &[(&str, &str)]) -> Server {
    let mut env = vec![
        ("PAWNBRANCH_EMAIL_RELAY", "127.0.0.1".to_owned()),
        ("PAWNBRANCH_EMAIL_PORT", port.to_string()),
        ("PAWNBRANCH_EMAIL_SECURITY", "none".to_owned()),
        (
            "PAWNBRANCH_EMAIL_FROM",
            "Pawnbranch Test <branch@pawnbranch.test>".to_owned(),
        ),
        ("PAWNBRANCH_EMAIL_TIMEOUT_SECONDS", "5".to_owned()),
        ("PAWNBRANCH_PORTAL_PUBLIC_URL", PORTAL_URL.to_owned()),
    ];
    env.extend(more.iter().map(|(k, v)| (*k, (*v).to_owned())));
    Server::start(Options {
        demo: true,
        movable_clock: true,
        env: env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect(),
        ..Options::default()
    })
}

/// Waits until `path` shows `text` (the sender works in the background).
fn page_shows(c: &mut Client, path: &str, text: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let page = c.get(path);
        if page.body.contains(text) {
            return page.body;
        }
        assert!(
            Instant::now() < deadline,
            "{path} never showed {text:?}: {}",
            page.body
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Siti's customer page path.
pub(crate) fn siti_page(c: &mut Client) -> String {
    let list = c.get("/staff/customers?q=081210000000");
    format!(
        "/staff/customers/{}",
        id_after(&list.body, "/staff/customers/")
    )
}

/// Presses a button of the customer page (`action` relative to it).
fn press(c: &mut Client, page: &str, action: &str, fields: &[(&str, &str)]) -> String {
    let r = c.submit(page, &format!("{page}/{action}"), fields);
    assert_eq!(r.status, 303, "{action}: {}", r.body);
    c.get(page).body
}

/// The first six digits in a text.
fn code_in(text: &str) -> String {
    let code: String = text
        .chars()
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(char::is_ascii_digit)
        .collect();
    assert_eq!(code.len(), 6, "{text}");
    code
}

#[test]
fn invitation_test_email_and_test_sms_from_the_customer_page() {
    let port = free_port();
    let sink = Sink::start(port);
    let server = server_with_relay(port);
    let mut c = server.client();
    c.sign_in(MANAGER.0, MANAGER.1);
    let page = siti_page(&mut c);
    let body = c.get(&page).body;
    for button in ["Send portal invitation", "Send test email", "Send test SMS"] {
        assert!(body.contains(button), "{button}");
    }

    let after = press(&mut c, &page, "invite", &[]);
    assert!(after.contains("Email queued."), "{after}");
    let m = sink.nth(1);
    assert_eq!(m["rcpt_tos"], serde_json::json!([SITI_EMAIL]));
    assert_eq!(m["mail_from"], "branch@pawnbranch.test");
    let (subject, text) = (m["subject"].as_str().unwrap(), m["body"].as_str().unwrap());
    assert!(
        subject.contains("pay and extend your loans online"),
        "{subject}"
    );
    for part in [
        PORTAL_URL,
        SITI,
        "Siti Rahmawati",
        "Pay My Loan",
        "one-time code",
    ] {
        assert!(text.contains(part), "{part} in {text}");
    }
    let body = page_shows(&mut c, &page, "badge ok\">Sent");
    assert!(body.contains("Portal invitations") && body.contains(SITI_EMAIL));

    press(&mut c, &page, "test-email", &[]);
    let m = sink.nth(2);
    assert!(
        m["subject"]
            .as_str()
            .unwrap()
            .starts_with("Test email from")
    );
    assert_eq!(m["rcpt_tos"], serde_json::json!([SITI_EMAIL]));

    press(&mut c, &page, "test-sms", &[]);
    let log = server.dir.path().join("sms-log.txt");
    let deadline = Instant::now() + Duration::from_secs(20);
    while !std::fs::read_to_string(&log)
        .unwrap_or_default()
        .contains(&format!("to {SITI_E164}: Test message from"))
    {
        assert!(Instant::now() < deadline, "no test SMS in {log:?}");
        std::thread::sleep(Duration::from_millis(50));
    }

    let audit = c.get("/staff/audit").body;
    for action in ["customer.invite", "email.test", "sms.test"] {
        assert!(audit.contains(action), "{action} audited");
    }
    let email_page = page_shows(&mut c, "/staff/email", "Relay reachable");
    assert!(email_page.contains("Test email from"));

    let mut clerk = server.client();
    clerk.sign_in(CLERK.0, CLERK.1);
    assert_eq!(clerk.get("/staff/email").status, 403);
    let clerk_page = clerk.get(&page);
    assert!(!clerk_page.body.contains("Send portal invitation"));
    let csrf = clerk_page.csrf();
    let r = clerk.post_form(&format!("{page}/invite"), &[("csrf", &csrf)]);
    assert_eq!(r.status, 403, "a clerk cannot send the invitation");
    let r = c.post_form(&format!("{page}/invite"), &[("csrf", "forged")]);
    assert_eq!(r.status, 403, "nor anyone without the form's CSRF token");
}

#[test]
fn a_login_code_by_email_once_the_counter_verified_the_address() {
    let port = free_port();
    let sink = Sink::start(port);
    let server = server_with_relay(port);
    let mut staff = server.client();
    staff.sign_in(MANAGER.0, MANAGER.1);
    let page = siti_page(&mut staff);

    // Before the address is verified, "by email" sends nothing (and says the same).
    let mut customer = server.client();
    assert_eq!(ask_code(&mut customer, SITI).status, 303);
    server.advance_clock(31);
    let r = customer.submit("/login/verify", "/login/email", &[]);
    assert_eq!(r.header("location"), Some("/login/verify"));
    assert!(
        customer
            .get("/login/verify")
            .body
            .contains("If this number has a verified email address with us")
    );

    // The counter verifies the address with a code the customer reads from the mailbox.
    assert!(staff.get(&page).body.contains("Email not verified"));
    press(&mut staff, &page, "email-verification/send", &[]);
    let m = sink.nth(1);
    assert_eq!(m["rcpt_tos"], serde_json::json!([SITI_EMAIL]));
    let code = code_in(m["body"].as_str().unwrap());
    let body = press(&mut staff, &page, "email-verification", &[("code", &code)]);
    assert!(body.contains("Email address verified."), "{body}");
    assert!(body.contains("Email verified"));

    // Now the portal sends the login code by email, and it logs the customer in.
    server.advance_clock(31);
    let r = customer.submit("/login/verify", "/login/email", &[]);
    assert_eq!(r.status, 303, "{}", r.body);
    let m = sink.nth(2);
    assert_eq!(m["rcpt_tos"], serde_json::json!([SITI_EMAIL]));
    assert!(m["subject"].as_str().unwrap().contains("your code"));
    let code = code_in(m["body"].as_str().unwrap());
    let r = enter_code(&mut customer, &code);
    assert_eq!(r.header("location"), Some("/my"), "{}", r.body);

    // The code is blanked in the outbox once sent; staff never see it.
    let email_page = page_shows(&mut staff, "/staff/email", "badge ok\">Sent");
    assert!(!email_page.contains(&code), "the code is masked");
    assert!(email_page.contains("••••••"));
}

#[test]
fn relay_down_then_up_and_a_relay_that_refuses() {
    let port = free_port();
    let server = server_with_relay(port);
    let mut c = server.client();
    c.sign_in(MANAGER.0, MANAGER.1);
    let page = siti_page(&mut c);

    press(&mut c, &page, "invite", &[]);
    let email_page = page_shows(&mut c, "/staff/email", "Relay not reachable");
    assert!(email_page.contains("badge warn\">Waiting"), "{email_page}");
    assert!(c.get(&page).body.contains("badge warn\">Waiting"));

    let sink = Sink::start(port);
    server.advance_clock(60);
    let m = sink.nth(1);
    assert_eq!(m["rcpt_tos"], serde_json::json!([SITI_EMAIL]));
    page_shows(&mut c, &page, "badge ok\">Sent");
    page_shows(&mut c, "/staff/email", "Relay reachable");

    let conn = rusqlite::Connection::open(server.dir.path().join("pawnbranch.sqlite")).unwrap();
    conn.busy_timeout(Duration::from_secs(10)).unwrap();
    conn.execute(
        "UPDATE customers SET email = 'bounce.siti@example.com' WHERE phone = ?1",
        [SITI_E164],
    )
    .unwrap();
    drop(conn);
    press(&mut c, &page, "invite", &[]);
    let body = page_shows(&mut c, &page, "badge bad\">Failed");
    assert!(
        body.contains("permanent error (550): 5.1.1 mailbox unavailable"),
        "{body}"
    );
    let email_page = c.get("/staff/email").body;
    assert!(
        email_page.contains("/retry"),
        "a failed invitation can be retried"
    );
    assert_eq!(sink.received().len(), 1, "nothing more was accepted");
}

#[test]
fn without_a_relay_emails_wait_and_staff_see_it() {
    let server = Server::demo();
    let mut c = server.client();
    c.sign_in(MANAGER.0, MANAGER.1);
    let page = siti_page(&mut c);
    let body = press(&mut c, &page, "invite", &[]);
    assert!(
        body.contains("No relay is configured, so it waits until one is."),
        "{body}"
    );
    assert!(body.contains("badge warn\">Waiting"));
    let warning = "No relay configured: 1 emails waiting";
    assert!(c.get("/staff/email").body.contains(warning));
    assert!(c.get("/staff").body.contains(warning));
}

#[test]
fn a_submission_relay_with_starttls_and_a_login() {
    // A certificate authority and a certificate for "localhost" it signed, made for this test;
    // the authority is trusted through [email] ca_file.
    let certs = tempfile::tempdir().unwrap();
    let ca = certs.path().join("ca.pem").display().to_string();
    let (ca_pem, mut relay) = sink::test_certificates();
    std::fs::write(&ca, ca_pem).unwrap();
    relay.user = "branch01".to_owned();
    relay.password = "relay-secret-1".to_owned();
    let port = free_port();
    let sink = Sink::submission(port, relay);
    let server_with = |password: &str| {
        let env = [
            ("PAWNBRANCH_EMAIL_RELAY", "localhost".to_owned()),
            ("PAWNBRANCH_EMAIL_PORT", port.to_string()),
            ("PAWNBRANCH_EMAIL_SECURITY", "starttls".to_owned()),
            ("PAWNBRANCH_EMAIL_CA_FILE", ca.clone()),
            ("PAWNBRANCH_EMAIL_USERNAME", "branch01".to_owned()),
            ("PAWNBRANCH_EMAIL_PASSWORD", password.to_owned()),
            (
                "PAWNBRANCH_EMAIL_FROM",
                "Pawnbranch Test <branch@pawnbranch.test>".to_owned(),
            ),
            ("PAWNBRANCH_EMAIL_TIMEOUT_SECONDS", "5".to_owned()),
        ];
        Server::start(Options {
            demo: true,
            env: env
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.clone()))
                .collect(),
            ..Options::default()
        })
    };

    // A wrong password: nothing is delivered, the email waits, staff see the relay refused.
    let wrong = server_with("not-the-secret");
    let mut c = wrong.client();
    c.sign_in(MANAGER.0, MANAGER.1);
    let page = siti_page(&mut c);
    press(&mut c, &page, "test-email", &[]);
    page_shows(&mut c, "/staff/email", "Relay not reachable");
    assert!(sink.received().is_empty());
    drop(wrong);

    // The right one: delivered over STARTTLS after logging in.
    let server = server_with("relay-secret-1");
    let mut c = server.client();
    c.sign_in(MANAGER.0, MANAGER.1);
    let page = siti_page(&mut c);
    press(&mut c, &page, "test-email", &[]);
    let m = sink.nth(1);
    assert_eq!(m["rcpt_tos"], serde_json::json!([SITI_EMAIL]));
    assert!(
        m["subject"]
            .as_str()
            .unwrap()
            .starts_with("Test email from")
    );
    page_shows(&mut c, "/staff/email", "Relay reachable");
}

/// Issue 14: a case past its level is escalated by the scheduler and each CS manager of
/// `[complaints] breach_email_to` gets an email through the relay.
#[test]
fn a_breach_emails_the_cs_managers_through_the_relay() {
    let port = free_port();
    let sink = Sink::start(port);
    let more = [(
        "PAWNBRANCH_COMPLAINTS_BREACH_EMAIL_TO",
        "cs.manager@pawnbranch.test",
    )];
    let server = server_with_relay_and(port, &more);
    let mut agent = server.client();
    agent.sign_in(crate::util::AGENT.0, crate::util::AGENT.1);
    let customer = crate::complaints::budi(&mut agent);
    let case = crate::complaints::open_case(&mut agent, &customer);
    assert!(sink.received().is_empty(), "nothing before the breach");
    server.advance_clock(121 * 60);
    let m = sink.nth(1);
    assert_eq!(
        m["rcpt_tos"],
        serde_json::json!(["cs.manager@pawnbranch.test"])
    );
    let (subject, text) = (m["subject"].as_str().unwrap(), m["body"].as_str().unwrap());
    assert!(subject.contains("Budi"), "{subject}");
    for part in ["no first response within 2 hours", &case] {
        assert!(text.contains(part), "{part} in {text}");
    }
}
