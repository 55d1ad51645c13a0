//! SMS through the modem simulator on a pseudo-terminal: the real server sends through its
//! real driver, the simulator answers like a modem (quirks and faults included) and decodes
//! what reached the "network".

use std::path::Path;
use std::time::{Duration, Instant};

use crate::util::{MANAGER, Options, Server};
use pawnbranch::testing::{Fault, SimConfig, Simulator};

/// A demo server whose modem is the simulator at `link`.
pub(crate) fn server_with_modem(link: &Path, extra: &[(&str, &str)]) -> Server {
    let mut env = vec![
        (
            "PAWNBRANCH_MODEM_DEVICE".to_owned(),
            link.display().to_string(),
        ),
        (
            "PAWNBRANCH_MODEM_COMMAND_TIMEOUT_MS".to_owned(),
            "1000".to_owned(),
        ),
        (
            "PAWNBRANCH_MODEM_SEND_TIMEOUT_SECONDS".to_owned(),
            "3".to_owned(),
        ),
        (
            "PAWNBRANCH_MODEM_BULK_INTERVAL_MS".to_owned(),
            "0".to_owned(),
        ),
    ];
    env.extend(
        extra
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    Server::start(Options {
        demo: true,
        env,
        ..Options::default()
    })
}

/// Queues a test message from the staff SMS page.
pub(crate) fn send_test(server: &Server, phone: &str) {
    let mut c = server.client();
    c.sign_in(MANAGER.0, MANAGER.1);
    let r = c.submit("/staff/sms", "/staff/sms/test", &[("phone", phone)]);
    assert_eq!(r.status, 303, "{}", r.body);
}

/// The demo's test message text.
pub(crate) const TEST_TEXT: &str =
    "Test message from Pawnbranch. If you can read this, SMS from the branch reaches your phone.";

/// Waits until `/healthz` reports the modem in `state`.
pub(crate) fn wait_modem_state(
    server: &Server,
    state: &str,
    timeout: Duration,
) -> serde_json::Value {
    let deadline = Instant::now() + timeout;
    loop {
        let health: serde_json::Value =
            serde_json::from_str(&server.client().get("/healthz").body).unwrap();
        if health["modem"]["state"] == state {
            return health;
        }
        assert!(
            Instant::now() < deadline,
            "modem never became {state}: {health}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Inserts messages straight into the outbox, as other features' transactions do.
pub(crate) fn queue_direct(
    data_dir: &Path,
    messages: &[(&str, &str, i64, Option<chrono::DateTime<chrono::Utc>>)],
) {
    let mut conn = rusqlite::Connection::open(data_dir.join("pawnbranch.sqlite")).unwrap();
    conn.busy_timeout(Duration::from_secs(10)).unwrap();
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .unwrap();
    let now = chrono::Utc::now();
    for (i, (kind, text, priority, expires)) in messages.iter().enumerate() {
        let id = format!(
            "01TEST{:020}",
            i + usize::try_from(now.timestamp_micros() % 1_000_000).unwrap() * 10_000
        );
        tx.execute(
            "INSERT INTO sms_outbox (id, recipient, body, kind, priority, state, next_attempt_at, expires_at,
                                     created_at, updated_at)
             VALUES (?1, '+6281234567890', ?2, ?3, ?4, 'queued', ?5, ?6, ?7, ?7)",
            rusqlite::params![id, text, kind, priority, now, expires, now + chrono::Duration::microseconds(i as i64)],
        )
        .unwrap();
    }
    tx.commit().unwrap();
}

#[test]
fn a_message_arrives_with_its_exact_text_through_echo_and_unsolicited_codes() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("modem");
    let sim = Simulator::start(
        &link,
        SimConfig {
            echo: true,
            urc_noise: true,
            ..SimConfig::default()
        },
    )
    .unwrap();
    let server = server_with_modem(&link, &[]);
    let health = wait_modem_state(&server, "connected", Duration::from_secs(20));
    assert_eq!(health["modem"]["operator"], "Telkomsel");
    send_test(&server, "0812-3456-7890");
    let got = sim.wait_for(1, Duration::from_secs(20));
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].to, "+6281234567890");
    assert_eq!(got[0].text, TEST_TEXT);
    let mut c = server.client();
    c.sign_in(MANAGER.0, MANAGER.1);
    let page = c.get("/staff/sms");
    assert!(
        page.body.contains("Modem connected") && page.body.contains("Telkomsel"),
        "{}",
        page.body
    );
    assert!(page.body.contains(">Sent<"), "{}", page.body);
    assert!(
        page.body.contains("+62 ••• •••• 7890"),
        "recipient shown masked"
    );
    for unmasked in ["81234567890", "0812-3456-7890", "3456"] {
        assert!(!page.body.contains(unmasked), "{unmasked} shown in clear");
    }
}

#[test]
fn long_and_unicode_messages_are_joined_on_the_phone() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("modem");
    let sim = Simulator::start(
        &link,
        SimConfig {
            echo: false,
            ..SimConfig::default()
        },
    )
    .unwrap();
    let server = server_with_modem(&link, &[]);
    wait_modem_state(&server, "connected", Duration::from_secs(20));
    let long = format!(
        "Pengingat: gadai Anda jatuh tempo. {} Harga emas naik €5 [info]",
        "Terima kasih. ".repeat(20)
    );
    let unicode = "Halo Ibu Siti 😊 — kode pembayaran Anda siap";
    queue_direct(
        server.dir.path(),
        &[("notice", &long, 5, None), ("notice", unicode, 5, None)],
    );
    let got = sim.wait_for(2, Duration::from_secs(20));
    let texts: Vec<&str> = got.iter().map(|m| m.text.as_str()).collect();
    assert_eq!(texts, [long.as_str(), unicode]);
    assert!(
        got[0].parts >= 2,
        "the long text went as a concatenated message"
    );
}

#[test]
fn codes_overtake_a_thousand_reminders() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("modem");
    let sim = Simulator::start(
        &link,
        SimConfig {
            echo: false,
            cmgs_delay: Duration::from_millis(20),
            ..SimConfig::default()
        },
    )
    .unwrap();
    let server = server_with_modem(&link, &[]);
    wait_modem_state(&server, "connected", Duration::from_secs(20));
    let reminders: Vec<String> = (0..1000)
        .map(|i| format!("Reminder {i}: your ticket is due"))
        .collect();
    let rows: Vec<_> = reminders
        .iter()
        .map(|t| ("reminder", t.as_str(), 8, None))
        .collect();
    queue_direct(server.dir.path(), &rows);
    sim.wait_for(5, Duration::from_secs(20));
    let expires = chrono::Utc::now() + chrono::Duration::minutes(5);
    queue_direct(
        server.dir.path(),
        &[("otp", "Your login code is 493817", 0, Some(expires))],
    );
    let before = sim.received().len();
    let deadline = Instant::now() + Duration::from_secs(20);
    let position = loop {
        if let Some(i) = sim
            .received()
            .iter()
            .position(|m| m.text.contains("493817"))
        {
            break i;
        }
        assert!(Instant::now() < deadline, "the code never arrived");
        std::thread::sleep(Duration::from_millis(20));
    };
    // The sender notices the code within its idle poll; at most the send in progress and the
    // ones taken while the code was being committed go before it.
    assert!(
        position <= before + 1,
        "code at {position}, {before} reminders were out when it was queued"
    );
    assert!(
        sim.received().len() < 1000,
        "the code did not wait for the backlog"
    );
    // An expired code is never sent.
    let past = chrono::Utc::now() - chrono::Duration::seconds(1);
    queue_direct(
        server.dir.path(),
        &[("otp", "Your login code is 111999", 0, Some(past))],
    );
    std::thread::sleep(Duration::from_secs(2));
    assert!(!sim.received().iter().any(|m| m.text.contains("111999")));
}

#[test]
fn transient_errors_are_retried_and_permanent_ones_fail_with_their_reason() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("modem");
    let sim = Simulator::start(&link, SimConfig::default()).unwrap();
    let server = server_with_modem(&link, &[]);
    wait_modem_state(&server, "connected", Duration::from_secs(20));
    sim.inject(Fault::CmsError {
        code: 332,
        times: 1,
    });
    send_test(&server, "081234567890");
    // The first attempt failed with "network timeout"; the retry comes after its backoff.
    let got = sim.wait_for(1, Duration::from_secs(30));
    assert_eq!(got.len(), 1, "retried after the network timeout");
    sim.inject(Fault::CmsError { code: 1, times: 1 });
    send_test(&server, "081234567891");
    let mut c = server.client();
    c.sign_in(MANAGER.0, MANAGER.1);
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let page = c.get("/staff/sms");
        if page.body.contains("unassigned (unallocated) number") {
            assert!(page.body.contains(">Failed<"));
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no permanent failure shown: {}",
            page.body
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    assert_eq!(sim.received().len(), 1, "a permanent error is not retried");
    // Staff can queue it again once the number is fixed on the network's side.
    let page = c.get("/staff/sms");
    let row = page
        .body
        .split("<tr>")
        .find(|r| r.contains("badge bad\">Failed<"))
        .unwrap();
    let id = row.split("/staff/sms/").nth(1).unwrap()[..26].to_owned();
    let r = c.post_form(&format!("/staff/sms/{id}/retry"), &[("csrf", &page.csrf())]);
    assert_eq!(r.status, 303);
    assert_eq!(
        sim.wait_for(2, Duration::from_secs(20)).len(),
        2,
        "retried by staff"
    );
    assert!(c.get("/staff/audit").body.contains("sms.retry"));
    let r = c.post_form(
        &format!("/staff/sms/{id}/cancel"),
        &[("csrf", &page.csrf())],
    );
    assert_eq!(r.status, 409, "a sent message cannot be cancelled");
}

#[test]
fn a_modem_that_stops_answering_or_is_unplugged_is_set_up_again() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("modem");
    let sim = Simulator::start(
        &link,
        SimConfig {
            echo: true,
            ..SimConfig::default()
        },
    )
    .unwrap();
    let server = server_with_modem(&link, &[]);
    wait_modem_state(&server, "connected", Duration::from_secs(20));

    // A send that never gets an answer: timeout, reconnect, resend.
    sim.inject(Fault::NoAnswer {
        prefix: "AT+CMGS".to_owned(),
        times: 1,
    });
    send_test(&server, "081234567890");
    assert_eq!(sim.wait_for(1, Duration::from_secs(40)).len(), 1);

    // Unplugged: the server keeps serving pages, the message waits, and goes once the modem
    // is back at the same path.
    sim.unplug();
    wait_modem_state(&server, "disconnected", Duration::from_secs(20));
    send_test(&server, "081234567899");
    for _ in 0..5 {
        let started = Instant::now();
        assert_eq!(server.client().get("/").status, 200);
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "pages stay fast without a modem"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    assert_eq!(sim.received().len(), 1);
    sim.replug().unwrap();
    let got = sim.wait_for(2, Duration::from_secs(60));
    assert_eq!(got.len(), 2, "the queued message went after the re-plug");
    assert!(got[1].to.ends_with("899"));

    // A frozen modem is closed and opened again.
    sim.inject(Fault::Hang);
    send_test(&server, "081234567800");
    std::thread::sleep(Duration::from_secs(3));
    sim.recover();
    assert_eq!(sim.wait_for(3, Duration::from_secs(60)).len(), 3);
}

#[test]
fn sim_pin_late_registration_and_slow_sends() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("modem");
    let config = SimConfig {
        pin: Some("4321".to_owned()),
        registration_delay: Duration::from_secs(2),
        cmgs_delay: Duration::from_millis(1500),
        ..SimConfig::default()
    };
    let sim = Simulator::start(&link, config).unwrap();
    let server = server_with_modem(&link, &[("PAWNBRANCH_MODEM_PIN", "4321")]);
    wait_modem_state(&server, "connected", Duration::from_secs(30));
    send_test(&server, "081234567890");
    assert_eq!(sim.wait_for(1, Duration::from_secs(20)).len(), 1);
    let pins = sim
        .commands()
        .iter()
        .filter(|(_, c)| c.starts_with("AT+CPIN="))
        .count();
    assert_eq!(pins, 1, "the PIN is entered once");

    // A SIM that wants a PIN nobody configured: a clear state, no PIN attempts burnt.
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("modem");
    let sim = Simulator::start(
        &link,
        SimConfig {
            pin: Some("4321".to_owned()),
            ..SimConfig::default()
        },
    )
    .unwrap();
    let server = server_with_modem(&link, &[]);
    let health = wait_modem_state(&server, "sim_locked", Duration::from_secs(20));
    assert!(
        health["modem"]["last_error"]
            .as_str()
            .unwrap()
            .contains("PIN"),
        "{health}"
    );
    std::thread::sleep(Duration::from_secs(2));
    assert!(
        !sim.commands()
            .iter()
            .any(|(_, c)| c.starts_with("AT+CPIN="))
    );

    // A wrong configured PIN is tried once, never again.
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("modem");
    let sim = Simulator::start(
        &link,
        SimConfig {
            pin: Some("4321".to_owned()),
            ..SimConfig::default()
        },
    )
    .unwrap();
    let server = server_with_modem(&link, &[("PAWNBRANCH_MODEM_PIN", "1111")]);
    wait_modem_state(&server, "sim_locked", Duration::from_secs(20));
    std::thread::sleep(Duration::from_secs(4));
    let pins = sim
        .commands()
        .iter()
        .filter(|(_, c)| c.starts_with("AT+CPIN="))
        .count();
    assert_eq!(pins, 1, "a refused PIN is not retried");
}

#[test]
fn text_mode_sends_plain_text() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("modem");
    let sim = Simulator::start(
        &link,
        SimConfig {
            urc_noise: true,
            ..SimConfig::default()
        },
    )
    .unwrap();
    let server = server_with_modem(&link, &[("PAWNBRANCH_MODEM_MODE", "text")]);
    wait_modem_state(&server, "connected", Duration::from_secs(20));
    send_test(&server, "+62 812 3456 7890");
    let got = sim.wait_for(1, Duration::from_secs(20));
    assert_eq!(got[0].text, TEST_TEXT);
    assert_eq!(got[0].to, "+6281234567890");
}

#[test]
fn a_restart_loses_no_queued_message() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("modem");
    let sim = Simulator::start(
        &link,
        SimConfig {
            cmgs_delay: Duration::from_millis(100),
            ..SimConfig::default()
        },
    )
    .unwrap();
    let mut server = server_with_modem(&link, &[]);
    wait_modem_state(&server, "connected", Duration::from_secs(20));
    let texts: Vec<String> = (0..30).map(|i| format!("Notice number {i}")).collect();
    let rows: Vec<_> = texts
        .iter()
        .map(|t| ("notice", t.as_str(), 5, None))
        .collect();
    queue_direct(server.dir.path(), &rows);
    sim.wait_for(3, Duration::from_secs(20));
    server.kill();
    let data = std::mem::replace(&mut server.dir, tempfile::tempdir().unwrap());
    let env = vec![
        (
            "PAWNBRANCH_MODEM_DEVICE".to_owned(),
            link.display().to_string(),
        ),
        (
            "PAWNBRANCH_MODEM_BULK_INTERVAL_MS".to_owned(),
            "0".to_owned(),
        ),
    ];
    let _again = Server::start(Options {
        demo: true,
        env,
        data_dir: Some(data),
        ..Options::default()
    });
    // A message the modem had accepted when the process died is sent again (the duplicate
    // ARCHITECTURE.md describes), so count distinct texts.
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut seen: Vec<String> = Vec::new();
    while seen.len() < 30 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
        seen = sim.received().into_iter().map(|m| m.text).collect();
        seen.sort_unstable();
        seen.dedup();
    }
    let missing: Vec<&String> = texts.iter().filter(|t| !seen.contains(t)).collect();
    assert!(
        missing.is_empty(),
        "lost after the crash: {missing:?}; commands: {:?}",
        sim.commands()
    );
}

#[test]
fn the_demo_logs_messages_to_a_file_labelled_as_not_real_delivery() {
    let server = Server::demo();
    let out = server.stdout.lock().unwrap().join("\n");
    assert!(
        out.contains("sms-log.txt") && out.contains("not real delivery"),
        "{out}"
    );
    send_test(&server, "0812-3456-7890");
    let log = server.dir.path().join("sms-log.txt");
    let deadline = Instant::now() + Duration::from_secs(20);
    while !std::fs::read_to_string(&log)
        .unwrap_or_default()
        .contains(TEST_TEXT)
    {
        assert!(
            Instant::now() < deadline,
            "nothing written to {}",
            log.display()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(
        std::fs::read_to_string(&log)
            .unwrap()
            .contains("+6281234567890")
    );
    let mut c = server.client();
    c.sign_in(MANAGER.0, MANAGER.1);
    let page = c.get("/staff/sms");
    assert!(
        page.body.contains("Log only (not real delivery)")
            && page.body.contains("Nothing reaches customers' phones.")
    );
    let health: serde_json::Value = serde_json::from_str(&c.get("/healthz").body).unwrap();
    assert_eq!(health["modem"]["state"], "log_only");
}

#[test]
fn without_a_modem_messages_wait_and_staff_are_warned() {
    let dir = tempfile::tempdir().unwrap();
    let args = [
        "staff",
        "add",
        "boss",
        "--name",
        "Boss",
        "--role",
        "admin",
        "--password-stdin",
    ];
    let out = crate::util::with_password(dir.path(), &args, "boss-password-1");
    assert!(out.status.success(), "{out:?}");
    let server = Server::start(Options {
        data_dir: Some(dir),
        ..Options::default()
    });
    let mut c = server.client();
    c.sign_in("boss", "boss-password-1");
    let r = c.submit(
        "/staff/sms",
        "/staff/sms/test",
        &[("phone", "0812-3456-7890")],
    );
    assert_eq!(r.status, 303);
    let page = c.get("/staff/sms");
    assert!(
        page.body.contains("No modem is configured"),
        "{}",
        page.body
    );
    assert!(page.body.contains(">Waiting<"));
    assert!(
        c.get("/staff").body.contains("No modem configured"),
        "the dashboard warns too"
    );
    let r = c.submit("/staff/sms", "/staff/sms/test", &[("phone", "12ab")]);
    assert_eq!(r.status, 400);
    assert!(
        r.body
            .contains("This is not a phone number we can send to.")
    );
}
