//! Several modems, Huawei's `^BOOT` heartbeat, SIM credit by USSD and the cost of messages:
//! the real server with its real drivers, each modem a simulator on its own pseudo-terminal.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use crate::modem::{TEST_TEXT, queue_direct, send_test, server_with_modem, wait_modem_state};
use crate::util::{MANAGER, Options, Server};
use pawnbranch::testing::{Fault, ReceivedSms, SimConfig, Simulator};

/// A demo server whose modems are the simulators at `links`, named "left", "right", ..., each
/// with `extra` TOML lines.
fn server_with_modems(dir: &Path, links: &[&Path], extra: &str) -> Server {
    let names = ["left", "right", "third"];
    let mut toml = String::new();
    for (link, name) in links.iter().zip(names) {
        toml.push_str(&format!(
            "[[modem]]\nname = \"{name}\"\ndevice = \"{}\"\ncommand_timeout_ms = 1000\n\
             send_timeout_seconds = 3\nbulk_interval_ms = 0\n{extra}\n",
            link.display()
        ));
    }
    let config = dir.join("pawnbranch.toml");
    std::fs::write(&config, toml).unwrap();
    Server::start(Options {
        demo: true,
        config: Some(config),
        ..Options::default()
    })
}

/// The `/healthz` state of each modem, by name.
fn modem_states(server: &Server) -> BTreeMap<String, String> {
    let health: serde_json::Value =
        serde_json::from_str(&server.client().get("/healthz").body).unwrap();
    health["modem"]["modems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["name"].as_str().unwrap().to_owned(),
                m["state"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// Waits until every modem named is in `state`.
fn wait_all(server: &Server, names: &[&str], state: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let states = modem_states(server);
        if names
            .iter()
            .all(|n| states.get(*n).is_some_and(|s| s == state))
        {
            return;
        }
        assert!(Instant::now() < deadline, "never all {state}: {states:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Queues `n` numbered test messages straight into the outbox.
fn queue_numbered(data_dir: &Path, n: usize) -> Vec<String> {
    let texts: Vec<String> = (0..n).map(|i| format!("Message number {i:03}")).collect();
    let rows: Vec<(&str, &str, i64, Option<chrono::DateTime<chrono::Utc>>)> = texts
        .iter()
        .map(|t| ("test", t.as_str(), 1, None))
        .collect();
    queue_direct(data_dir, &rows);
    texts
}

/// Waits until the simulators together received `n` messages (or 60 s passed), and returns
/// how many times each text arrived.
fn wait_total(sims: &[&Simulator], n: usize) -> BTreeMap<String, usize> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let all: Vec<ReceivedSms> = sims.iter().flat_map(|s| s.received()).collect();
        if all.len() >= n || Instant::now() >= deadline {
            let mut counts = BTreeMap::new();
            for m in all {
                *counts.entry(m.text).or_insert(0) += 1;
            }
            return counts;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Each text exactly once.
fn once_each(texts: &[String]) -> BTreeMap<String, usize> {
    texts.iter().map(|t| (t.clone(), 1)).collect()
}

/// How many times the server set the modem up: each set-up begins with `ATE0`.
fn set_ups(sim: &Simulator) -> usize {
    sim.commands()
        .iter()
        .filter(|(_, line)| line.eq_ignore_ascii_case("ATE0"))
        .count()
}

/// A server set up with a simulated Huawei modem that prints `^BOOT` every 100 ms.
fn huawei_with_heartbeat(dir: &Path) -> (Simulator, Server) {
    let link = dir.join("modem");
    let sim = Simulator::start(
        &link,
        SimConfig {
            boot_heartbeat: Some(Duration::from_millis(100)),
            ..SimConfig::default()
        },
    )
    .unwrap();
    let server = server_with_modem(&link, &[]);
    wait_modem_state(&server, "connected", Duration::from_secs(20));
    (sim, server)
}

#[test]
fn huawei_boot_heartbeats_are_not_taken_for_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let (sim, server) = huawei_with_heartbeat(dir.path());
    assert_eq!(set_ups(&sim), 1);
    // The first send reads the heartbeats printed since the set-up; the sender looks at them
    // before it takes the second message.
    send_test(&server, "081234567890");
    assert_eq!(sim.wait_for(1, Duration::from_secs(20)).len(), 1);
    std::thread::sleep(Duration::from_millis(300)); // more heartbeats, read by the next send
    send_test(&server, "081234567891");
    send_test(&server, "081234567892");
    let got = sim.wait_for(3, Duration::from_secs(20));
    assert_eq!(got.len(), 3);
    assert!(got.iter().all(|m| m.text == TEST_TEXT));
    assert_eq!(
        set_ups(&sim),
        1,
        "a ^BOOT heartbeat made the sender set the modem up again: {:?}",
        sim.commands()
    );
}

#[test]
fn a_huawei_restart_that_says_only_boot_is_still_set_up_again() {
    let dir = tempfile::tempdir().unwrap();
    let (sim, server) = huawei_with_heartbeat(dir.path());
    send_test(&server, "081234567890");
    assert_eq!(sim.wait_for(1, Duration::from_secs(20)).len(), 1);
    // Settings lost (echo on, CMEE 0, PDU default): the next send reads the ^BOOT, the
    // sender finds the settings gone and sets the modem up before the message after it.
    sim.restart();
    send_test(&server, "081234567891");
    send_test(&server, "081234567892");
    assert_eq!(sim.wait_for(3, Duration::from_secs(30)).len(), 3);
    assert_eq!(set_ups(&sim), 2, "{:?}", sim.commands());
}

#[test]
fn two_modems_share_the_outbox_each_message_goes_once_and_is_counted_with_its_cost() {
    let dir = tempfile::tempdir().unwrap();
    let (left, right) = (dir.path().join("left"), dir.path().join("right"));
    let slow = SimConfig {
        cmgs_delay: Duration::from_millis(100),
        ..SimConfig::default()
    };
    let sim_left = Simulator::start(&left, slow.clone()).unwrap();
    let sim_right = Simulator::start(&right, slow).unwrap();
    let server = server_with_modems(dir.path(), &[&left, &right], "price_per_part = 150");
    wait_all(&server, &["left", "right"], "connected");
    let texts = queue_numbered(server.dir.path(), 20);
    server.client().get("/healthz"); // any request; the senders poll the outbox anyway
    let counts = wait_total(&[&sim_left, &sim_right], 20);
    assert_eq!(counts, once_each(&texts), "every message once, none twice");
    let (l, r) = (sim_left.received().len(), sim_right.received().len());
    assert!(l >= 3 && r >= 3, "both modems sent: left {l}, right {r}");

    let db = crate::util::open_db(&server.dir.path().join("pawnbranch.sqlite"));
    // Each is counted once the modem's answer is recorded.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let counted: i64 = db
            .query_row(
                "SELECT COALESCE(SUM(messages), 0) FROM sms_modem_days",
                [],
                |r| r.get(0),
            )
            .unwrap();
        if counted == 20 {
            break;
        }
        assert!(Instant::now() < deadline, "{counted} of 20 counted");
        std::thread::sleep(Duration::from_millis(50));
    }
    let by_modem: Vec<(String, i64, i64, i64)> = db
        .prepare("SELECT modem, messages, parts, cost FROM sms_modem_days ORDER BY modem")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(
        by_modem,
        [
            ("left".to_owned(), l as i64, l as i64, 150 * l as i64),
            ("right".to_owned(), r as i64, r as i64, 150 * r as i64),
        ]
    );
    let unattributed: i64 = db
        .query_row(
            "SELECT COUNT(*) FROM sms_outbox WHERE state = 'sent' AND (modem IS NULL OR parts != 1)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(unattributed, 0);

    let mut c = server.client();
    c.sign_in(MANAGER.0, MANAGER.1);
    let page = c.get("/staff/sms");
    for name in ["left", "right"] {
        assert!(
            page.body.contains(&format!("data-modem=\"{name}\"")),
            "{name}'s panel: {}",
            page.body
        );
    }
    let left_counts = format!("{l} messages, {l} parts, cost");
    assert!(page.body.contains(&left_counts), "{}", page.body);
}

#[test]
fn a_modem_unplugged_mid_send_hands_its_messages_to_the_other_without_sending_one_twice() {
    let dir = tempfile::tempdir().unwrap();
    let (left, right) = (dir.path().join("left"), dir.path().join("right"));
    let slow = SimConfig {
        cmgs_delay: Duration::from_millis(300),
        ..SimConfig::default()
    };
    let sim_left = Simulator::start(&left, slow.clone()).unwrap();
    let sim_right = Simulator::start(&right, slow).unwrap();
    let server = server_with_modems(dir.path(), &[&left, &right], "");
    wait_all(&server, &["left", "right"], "connected");
    let texts = queue_numbered(server.dir.path(), 12);
    // Pull the left modem out while it is in the middle of a send.
    let deadline = Instant::now() + Duration::from_secs(30);
    while sim_left.received().is_empty() {
        assert!(Instant::now() < deadline, "left never sent");
        std::thread::sleep(Duration::from_millis(10));
    }
    let in_flight = || {
        sim_left
            .commands()
            .iter()
            .filter(|(_, c)| c.starts_with("AT+CMGS"))
            .count()
            > sim_left.received().len()
    };
    while !in_flight() {
        assert!(Instant::now() < deadline, "left never started another send");
        std::thread::sleep(Duration::from_millis(5));
    }
    sim_left.unplug();
    let counts = wait_total(&[&sim_left, &sim_right], 12);
    assert_eq!(counts, once_each(&texts), "none lost, none twice");
    assert_eq!(modem_states(&server)["left"], "disconnected");
    // The last one is recorded once the modem's answer is in; by then every message is sent
    // and none can go again.
    wait_sent(server.dir.path(), 12);
    let counts = wait_total(&[&sim_left, &sim_right], 12);
    assert_eq!(counts, once_each(&texts), "none sent twice");
}

/// Waits until `n` messages are recorded as sent.
fn wait_sent(data_dir: &Path, n: i64) {
    let db = crate::util::open_db(&data_dir.join("pawnbranch.sqlite"));
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let sent: i64 = db
            .query_row(
                "SELECT COUNT(*) FROM sms_outbox WHERE state = 'sent'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        if sent == n {
            return;
        }
        assert!(Instant::now() < deadline, "{sent} sent, not {n}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_modem_whose_sends_keep_failing_is_set_aside_and_the_other_sends_everything() {
    let dir = tempfile::tempdir().unwrap();
    let (left, right) = (dir.path().join("left"), dir.path().join("right"));
    let sim_left = Simulator::start(&left, SimConfig::default()).unwrap();
    // Slow enough that the left modem, pausing after each failure, fails three times in a row.
    let slow = SimConfig {
        cmgs_delay: Duration::from_millis(400),
        ..SimConfig::default()
    };
    let sim_right = Simulator::start(&right, slow).unwrap();
    sim_left.inject(Fault::CmsError {
        code: 500,
        times: 1000,
    });
    let server = server_with_modems(dir.path(), &[&left, &right], "max_attempts = 10");
    wait_all(&server, &["left", "right"], "connected");
    let texts = queue_numbered(server.dir.path(), 16);
    wait_all(&server, &["left"], "set_aside");
    let counts = wait_total(&[&sim_right], 16);
    assert_eq!(counts, once_each(&texts));
    assert!(sim_left.received().is_empty());
    wait_sent(server.dir.path(), 16);
    let mut c = server.client();
    c.sign_in(MANAGER.0, MANAGER.1);
    let page = c.get("/staff/sms");
    assert!(
        page.body.contains("Set aside for now") && page.body.contains("failed sends in a row"),
        "{}",
        page.body
    );
}

#[test]
fn the_sim_balance_is_read_by_ussd_daily_and_on_demand_and_a_low_one_is_flagged() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("left");
    let text = "Sisa pulsa Rp 12.500 s/d 31-12-2026";
    let ucs2: String = text.encode_utf16().map(|u| format!("{u:04X}")).collect();
    let sim = Simulator::start(
        &link,
        SimConfig {
            ussd_answer: Some(format!("0,\"{ucs2}\",72")),
            ..SimConfig::default()
        },
    )
    .unwrap();
    let server = server_with_modems(
        dir.path(),
        &[&link],
        "balance_ussd = \"*888#\"\nlow_balance_below = 20000",
    );
    let ussd_requests = || {
        sim.commands()
            .iter()
            .filter(|(_, c)| c == "AT+CUSD=1,\"*888#\",15")
            .count()
    };
    let mut c = server.client();
    c.sign_in(MANAGER.0, MANAGER.1);
    // The day's check at start-up.
    let deadline = Instant::now() + Duration::from_secs(30);
    let page = loop {
        let page = c.get("/staff/sms");
        if page.body.contains("IDR 12,500") {
            break page;
        }
        assert!(Instant::now() < deadline, "{}", page.body);
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(page.body.contains("SIM balance"), "{}", page.body);
    assert_eq!(ussd_requests(), 1);
    let dashboard = c.get("/staff");
    assert!(
        dashboard.body.contains("Low SIM balance on left"),
        "{}",
        dashboard.body
    );
    // On demand.
    let r = c.submit("/staff/sms", "/staff/sms/balance", &[("modem", "left")]);
    assert_eq!(r.status, 303, "{}", r.body);
    let deadline = Instant::now() + Duration::from_secs(30);
    while ussd_requests() < 2 {
        assert!(Instant::now() < deadline, "no second USSD request");
        std::thread::sleep(Duration::from_millis(50));
    }
    let r = c.submit("/staff/sms", "/staff/sms/balance", &[("modem", "nobody")]);
    assert_eq!(r.status, 400);
    assert!(
        r.body.contains("There is no modem of that name."),
        "{}",
        r.body
    );
    let db = crate::util::open_db(&server.dir.path().join("pawnbranch.sqlite"));
    let audited: i64 = db
        .query_row(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'sms.balance_check'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(audited, 1);
}

#[test]
fn a_modem_without_credit_for_one_part_is_set_aside_and_the_dashboard_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let (left, right) = (dir.path().join("left"), dir.path().join("right"));
    let answer = |amount: &str| SimConfig {
        ussd_answer: Some(format!("0,\"Sisa pulsa Rp {amount}\",15")),
        ..SimConfig::default()
    };
    let sim_left = Simulator::start(&left, answer("100")).unwrap();
    let sim_right = Simulator::start(&right, answer("50.000")).unwrap();
    let server = server_with_modems(
        dir.path(),
        &[&left, &right],
        "balance_ussd = \"*888#\"\nprice_per_part = 150",
    );
    wait_all(&server, &["left"], "set_aside");
    wait_all(&server, &["right"], "connected");
    let texts = queue_numbered(server.dir.path(), 5);
    assert_eq!(wait_total(&[&sim_right], 5), once_each(&texts));
    assert!(sim_left.received().is_empty());
    let mut c = server.client();
    c.sign_in(MANAGER.0, MANAGER.1);
    let dashboard = c.get("/staff");
    assert!(
        dashboard.body.contains("left: Set aside for now"),
        "{}",
        dashboard.body
    );
    let page = c.get("/staff/sms");
    assert!(
        page.body.contains("out of credit (balance 100)"),
        "{}",
        page.body
    );
    // Topped up: staff check the balance and the modem takes messages again.
    sim_left.set_ussd_answer("0,\"Sisa pulsa Rp 25.000\",15");
    let r = c.submit("/staff/sms", "/staff/sms/balance", &[("modem", "left")]);
    assert_eq!(r.status, 303, "{}", r.body);
    wait_all(&server, &["left", "right"], "connected");
}
