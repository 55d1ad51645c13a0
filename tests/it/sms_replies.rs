//! Delivery reports and messages from customers (issue 17), through the real server and the
//! modem simulator: the network's reports on the SMS page, the customer's timeline and the
//! code warning; customers' messages (single, concatenated, UCS-2, during a send, a full SIM)
//! in the staff inbox; STOP.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::util::{CLERK, MANAGER, Options, Server, open_db};
use pawnbranch::testing::{Reports, SimConfig, Simulator};

/// The demo customer with a portal login (0812-1000-0000).
const CUSTOMER_PHONE: &str = "+6281210000000";

/// A demo server on the simulator at `link`.
fn start(link: &Path, movable_clock: bool) -> Server {
    start_with(link, movable_clock, &[])
}

/// [`start`] with more settings.
fn start_with(link: &Path, movable_clock: bool, extra: &[(&str, &str)]) -> Server {
    let mut env = vec![
        ("PAWNBRANCH_MODEM_DEVICE", link.display().to_string()),
        ("PAWNBRANCH_MODEM_COMMAND_TIMEOUT_MS", "1000".to_owned()),
        ("PAWNBRANCH_MODEM_BULK_INTERVAL_MS", "0".to_owned()),
    ];
    env.extend(extra.iter().map(|(k, v)| (*k, (*v).to_owned())));
    let server = Server::start(Options {
        demo: true,
        movable_clock,
        env: env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect(),
        ..Options::default()
    });
    wait_until("the modem connected", || {
        server
            .client()
            .get("/healthz")
            .body
            .contains("\"connected\"")
    });
    server
}

/// A simulator with `config` in a new directory (kept alive by the returned guard).
fn simulator(config: SimConfig) -> (tempfile::TempDir, std::path::PathBuf, Simulator) {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("modem");
    let sim = Simulator::start(&link, config).unwrap();
    (dir, link, sim)
}

/// A signed-in manager.
fn manager(server: &Server) -> crate::util::Client {
    let mut c = server.client();
    c.sign_in(MANAGER.0, MANAGER.1);
    c
}

/// Queues a test message from the SMS page to a number no customer has.
fn send_test(c: &mut crate::util::Client) {
    let r = c.submit(
        "/staff/sms",
        "/staff/sms/test",
        &[("phone", "0812-3456-7890")],
    );
    assert_eq!(r.status, 303, "{}", r.body);
}

/// Polls `done` every 100 ms for at most 20 s.
fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A count from the server's database.
fn count(server: &Server, sql: &str) -> i64 {
    open_db(&server.dir.path().join("pawnbranch.sqlite"))
        .query_row(sql, [], |r| r.get(0))
        .unwrap()
}

fn customer_id(server: &Server) -> String {
    open_db(&server.dir.path().join("pawnbranch.sqlite"))
        .query_row(
            "SELECT id FROM customers WHERE phone = ?1",
            [CUSTOMER_PHONE],
            |r| r.get(0),
        )
        .unwrap()
}

#[test]
fn delivered_and_failed_reports_show_on_the_timeline_and_the_sms_page() {
    let (_dir, link, sim) = simulator(SimConfig::default());
    sim.set_reports(Reports::Delivered {
        after: Duration::from_millis(200),
    });
    let server = start(&link, false);
    let mut c = manager(&server);
    let customer = format!("/staff/customers/{}", customer_id(&server));
    let r = c.submit(&customer, &format!("{customer}/test-sms"), &[]);
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(sim.wait_for(1, Duration::from_secs(20)).len(), 1);
    wait_until("the delivery on the timeline", || {
        c.get(&customer).body.contains("delivered to the phone at")
    });
    assert!(
        c.get("/staff/sms")
            .body
            .contains("delivered to the phone at")
    );

    sim.set_reports(Reports::Failed {
        status: 0x46,
        after: Duration::from_millis(200),
    });
    send_test(&mut c);
    wait_until("the failure on the SMS page", || {
        c.get("/staff/sms")
            .body
            .contains("not delivered (the phone stayed off or out of reach")
    });
    // The customer's message stays delivered: the report went by reference and number.
    assert_eq!(
        count(
            &server,
            "SELECT count(*) FROM sms_outbox WHERE delivery = 'delivered'"
        ),
        1
    );
}

#[test]
fn in_text_mode_reports_are_stored_on_the_sim_and_read_in_pdu_mode() {
    let (_dir, link, sim) = simulator(SimConfig::default());
    sim.set_reports(Reports::Delivered {
        after: Duration::from_millis(200),
    });
    let server = start_with(&link, false, &[("PAWNBRANCH_MODEM_MODE", "text")]);
    let mut c = manager(&server);
    send_test(&mut c);
    wait_until("the report read from the SIM", || {
        count(
            &server,
            "SELECT count(*) FROM sms_outbox WHERE delivery = 'delivered'",
        ) == 1
    });
    let commands: Vec<String> = sim.commands().into_iter().map(|(_, c)| c).collect();
    assert!(
        commands.iter().any(|c| c == "AT+CSMP=49,167,0,0"),
        "{commands:?}"
    );
    let read = commands
        .iter()
        .position(|c| c.starts_with("AT+CMGR="))
        .unwrap();
    assert_eq!(commands[read - 1], "AT+CMGF=0");
    assert_eq!(commands[read + 1], "AT+CMGF=1");
    assert_eq!(sim.wait_sim_empty(Duration::from_secs(10)), (0, 0));
}

#[test]
fn a_code_without_a_delivery_report_is_flagged_until_the_late_report_comes() {
    let (_dir, link, sim) = simulator(SimConfig::default());
    sim.set_reports(Reports::Delivered {
        after: Duration::from_secs(8),
    });
    let server = start(&link, true);
    let mut portal = server.client();
    let page = portal.get("/login");
    let r = portal.post_form(
        "/login/code",
        &[("csrf", &page.csrf()), ("phone", "0812-1000-0000")],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(sim.wait_for(1, Duration::from_secs(20)).len(), 1);
    let mut c = manager(&server);
    let warning = "one-time codes sent more than 3 minutes ago have not reached the phone";
    assert!(!c.get("/staff/sms").body.contains(warning), "too early");
    server.advance_clock(181);
    let page = c.get("/staff/sms").body;
    assert!(page.contains(&format!("1 {warning}")), "{page}");
    wait_until("the late report", || {
        let page = c.get("/staff/sms").body;
        !page.contains(warning) && page.contains("delivered to the phone at")
    });
}

#[test]
fn single_concatenated_and_ucs2_messages_reach_the_inbox_and_staff_answer() {
    let (_dir, link, sim) = simulator(SimConfig::default());
    let server = start(&link, false);
    let long = "Pak, saya transfer sore ini lewat bank, mohon dicek ya. ".repeat(4);
    sim.send_to_branch(CUSTOMER_PHONE, "Saya bayar besok");
    sim.send_to_branch("081210000000", &long);
    sim.send_to_branch("+6289876543210", "Terima kasih 🙏 siapa ini?");
    wait_until("three messages kept", || {
        count(&server, "SELECT count(*) FROM sms_inbox") == 3
    });
    assert_eq!(sim.wait_sim_empty(Duration::from_secs(10)), (0, 0));

    let mut c = manager(&server);
    let inbox = c.get("/staff/sms/inbox").body;
    let unknown = inbox.find("From unknown numbers").unwrap();
    let at = |text: &str| {
        inbox
            .find(text)
            .unwrap_or_else(|| panic!("{text} in {inbox}"))
    };
    assert!(at("Saya bayar besok") < unknown);
    assert!(at(long.trim_end()) < unknown, "joined from its parts");
    assert!(at("Terima kasih 🙏 siapa ini?") > unknown);
    assert!(
        inbox.contains("SMS inbox <span class=\"badge warn\">3</span>"),
        "{inbox}"
    );
    let customer = format!("/staff/customers/{}", customer_id(&server));
    assert!(c.get(&customer).body.contains("Saya bayar besok"));

    // Opening a message reads it; an empty answer is refused on the page.
    let message = crate::util::id_after(&inbox, "/staff/sms/inbox/");
    let page = format!("/staff/sms/inbox/{message}");
    let opened = c.get(&page);
    assert_eq!(opened.status, 200);
    assert!(
        c.get("/staff/sms/inbox")
            .body
            .contains("SMS inbox <span class=\"badge warn\">2</span>")
    );
    let r = c.submit(&page, &format!("{page}/reply"), &[("text", "  ")]);
    assert_eq!(r.status, 400);
    assert!(r.body.contains("Write the answer."), "{}", r.body);
    let r = c.submit(
        &page,
        &format!("{page}/reply"),
        &[("text", "Baik, terima kasih.")],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let sent = sim.wait_for(1, Duration::from_secs(20));
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].text, "Baik, terima kasih.");

    // A clerk may neither read nor answer customers' messages.
    let mut clerk = server.client();
    clerk.sign_in_without_drawer(CLERK.0, CLERK.1);
    assert_eq!(clerk.get("/staff/sms/inbox").status, 403);
    assert_eq!(clerk.get(&page).status, 403);
    let dashboard = clerk.get("/staff");
    let r = clerk.post_form(
        &format!("{page}/reply"),
        &[("csrf", &dashboard.csrf()), ("text", "Halo")],
    );
    assert_eq!(r.status, 403);
    assert_eq!(
        count(
            &server,
            "SELECT count(*) FROM sms_outbox WHERE kind = 'follow_up'"
        ),
        1
    );
}

#[test]
fn stop_marks_the_customer_do_not_text_with_one_confirmation() {
    let (_dir, link, sim) = simulator(SimConfig::default());
    let server = start(&link, false);
    sim.send_to_branch("081210000000", "Stop");
    let sent = sim.wait_for(1, Duration::from_secs(20));
    assert_eq!(sent[0].to, CUSTOMER_PHONE);
    assert!(
        sent[0].text.contains("no more reminders by SMS"),
        "{}",
        sent[0].text
    );
    let marked = format!("SELECT do_not_text FROM customers WHERE phone = '{CUSTOMER_PHONE}'");
    assert_eq!(count(&server, &marked), 1);
    assert_eq!(
        count(
            &server,
            "SELECT count(*) FROM audit_log WHERE action = 'customer.do_not_text' AND actor = 'customer (SMS)'"
        ),
        1
    );
    // A second STOP is kept but not confirmed again.
    sim.send_to_branch(CUSTOMER_PHONE, "BERHENTI");
    wait_until("the second STOP kept", || {
        count(&server, "SELECT count(*) FROM sms_inbox WHERE stop = 1") == 2
    });
    assert_eq!(
        count(
            &server,
            "SELECT count(*) FROM sms_outbox WHERE kind = 'notice'"
        ),
        1
    );
    // STOP is not for the staff inbox.
    let mut c = manager(&server);
    assert!(!c.get("/staff/sms/inbox").body.contains("badge warn"));
}

#[test]
fn a_full_sim_is_read_empty_at_start_up_and_what_waited_comes_after() {
    let (_dir, link, sim) = simulator(SimConfig::default());
    sim.set_sim_capacity(5);
    for n in 0..7 {
        sim.store_on_sim("+6289876543210", &format!("pesan {n}"));
    }
    assert_eq!(
        sim.sim_messages(),
        (5, 2),
        "full, two kept back by the network"
    );
    let server = start(&link, false);
    wait_until("all seven kept", || {
        count(&server, "SELECT count(*) FROM sms_inbox") == 7
    });
    assert_eq!(sim.wait_sim_empty(Duration::from_secs(10)), (0, 0));
}

#[test]
fn a_message_arriving_during_a_send_is_kept_and_the_send_completes() {
    let (_dir, link, sim) = simulator(SimConfig {
        cmgs_delay: Duration::from_millis(1500),
        ..SimConfig::default()
    });
    let server = start(&link, false);
    let mut c = manager(&server);
    send_test(&mut c);
    wait_until("the send under way", || {
        sim.commands()
            .iter()
            .any(|(_, line)| line.starts_with("AT+CMGS"))
    });
    sim.send_to_branch(CUSTOMER_PHONE, "Sudah saya transfer");
    assert_eq!(sim.wait_for(1, Duration::from_secs(20)).len(), 1);
    wait_until("the message kept", || {
        count(&server, "SELECT count(*) FROM sms_inbox") == 1
    });
    assert_eq!(
        count(
            &server,
            "SELECT count(*) FROM sms_outbox WHERE state = 'sent'"
        ),
        1
    );
}
