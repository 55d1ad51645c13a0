//! Reminders against the real binary: the demo branch with the modem simulator and a clock the
//! test moves from day to day. Reminders wait for the sending hours, reach each customer once
//! (restarts included) and never a customer marked "do not text"; managers edit the texts; and
//! a payment code unconfirmed for over two hours is flagged on the staff dashboard.

use std::path::Path;
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, Utc};

use crate::util::{CLERK, MANAGER, Options, Server, reader_date};
use pawnbranch::testing::{ReceivedSms, SimConfig, Simulator};

/// A demo server with the simulator as its modem and a clock the test can move.
fn reminder_server(link: &Path, data_dir: Option<tempfile::TempDir>) -> Server {
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
    Server::start(Options {
        demo: true,
        movable_clock: true,
        env,
        data_dir,
        ..Options::default()
    })
}

/// The database of a running server.
fn db(server: &Server) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(server.dir.path().join("pawnbranch.sqlite")).unwrap();
    conn.busy_timeout(Duration::from_secs(10)).unwrap();
    conn
}

/// Waits until the scheduler has run a reminder pass at `at` (clock time) or later, so a check
/// that the pass queued nothing is made after the pass, not after a guessed pause.
fn wait_pass(server: &Server, at: DateTime<Utc>) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let health = server.client().get("/healthz");
        let json: serde_json::Value = serde_json::from_str(&health.body).unwrap();
        let last = json["scheduler"]["last_reminder_pass"]
            .as_str()
            .map(|t| DateTime::parse_from_rfc3339(t).unwrap().with_timezone(&Utc));
        // `move_to` sets the clock to the whole second, so a pass may be up to 1 s before `at`.
        if last.is_some_and(|last| last > at - chrono::Duration::seconds(1)) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "no reminder pass since {at}: {last:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Moves the server's clock to `hour:minute` branch time (UTC+7) on `day`; returns that time.
fn move_to(server: &Server, day: NaiveDate, hour: u32, minute: u32) -> DateTime<Utc> {
    let shift: i64 = std::fs::read_to_string(server.dir.path().join("clock-shift"))
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(0);
    let target = (day.and_hms_opt(hour, minute, 0).unwrap() - chrono::Duration::hours(7)).and_utc();
    let server_now = Utc::now() + chrono::Duration::seconds(shift);
    server.advance_clock((target - server_now).num_seconds());
    target
}

/// The day the demo was loaded (reminders start the day after it).
fn demo_day(server: &Server) -> NaiveDate {
    let from: String = db(server)
        .query_row(
            "SELECT value FROM settings WHERE key = 'reminders_from'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    from.parse::<NaiveDate>().unwrap() - chrono::Duration::days(1)
}

/// An open ticket and its customer.
struct Ticket {
    ticket_no: String,
    name: String,
    phone: String,
}

/// The open tickets due on `day`.
fn maturing(server: &Server, day: NaiveDate) -> Vec<Ticket> {
    db(server)
        .prepare(
            "SELECT l.ticket_no, c.full_name, c.phone FROM loans l JOIN customers c ON c.id = l.customer_id
             WHERE l.matures_on = ?1 AND l.state IN ('active', 'due', 'grace', 'notice') ORDER BY l.ticket_no",
        )
        .unwrap()
        .query_map([day], |r| {
            Ok(Ticket {
                ticket_no: r.get(0)?,
                name: r.get(1)?,
                phone: r.get(2)?,
            })
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// Waits until the scheduler has moved the ticket into `state` (it has taken up the new day).
fn wait_state(server: &Server, ticket_no: &str, state: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let now: String = db(server)
            .query_row(
                "SELECT state FROM loans WHERE ticket_no = ?1",
                [ticket_no],
                |r| r.get(0),
            )
            .unwrap();
        if now == state {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{ticket_no} stayed {now}, not {state}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A number of messages as `queued` counts them.
fn count(n: usize) -> i64 {
    i64::try_from(n).unwrap()
}

/// Reminders and notices in the outbox, in any state.
fn queued(server: &Server) -> i64 {
    db(server)
        .query_row(
            "SELECT COUNT(*) FROM sms_outbox WHERE kind IN ('reminder', 'notice')",
            [],
            |r| r.get(0),
        )
        .unwrap()
}

/// The messages the simulator received for `phone`.
fn to(received: &[ReceivedSms], phone: &str) -> Vec<String> {
    received
        .iter()
        .filter(|m| m.to == phone)
        .map(|m| m.text.clone())
        .collect()
}

#[test]
fn reminders_wait_for_the_hours_arrive_once_and_skip_do_not_text() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("modem");
    let sim = Simulator::start(&link, SimConfig::default()).unwrap();
    let mut server = reminder_server(&link, None);
    let loaded = demo_day(&server);
    let day = |n: i64| loaded + chrono::Duration::days(n);

    // The demo's tickets due today are overdue tomorrow; one of their customers opted out.
    let overdue = maturing(&server, loaded);
    assert!(overdue.len() >= 3, "the demo has tickets due today");
    let (opted_out, overdue) = overdue.split_first().unwrap();
    db(&server)
        .execute(
            "UPDATE customers SET do_not_text = 1 WHERE phone = ?1",
            [&opted_out.phone],
        )
        .unwrap();
    // The tickets in grace today reach the final notice in three days; a manager has
    // rewritten its English text.
    let notices = maturing(&server, day(-3));
    assert!(!notices.is_empty(), "the demo has tickets in grace");
    let mut manager = server.client();
    manager.sign_in(MANAGER.0, MANAGER.1);
    let mut fields: Vec<(String, String)> = Vec::new();
    let page = manager.get("/staff/reminders");
    for event in ["before_maturity", "on_maturity", "overdue", "notice"] {
        for lang in ["en", "id"] {
            let name = format!("{event}_{lang}");
            let text = textarea(&page.body, &name);
            fields.push((name, text));
        }
    }
    let notice_text = "{branch} final notice: {name}, ticket {ticket}, pay {amount} by {date}.";
    fields[6].1 = notice_text.to_owned();
    let form: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let r = manager.submit("/staff/reminders", "/staff/reminders", &form);
    assert_eq!(r.status, 303, "{}", r.body);

    // Midnight passes at 06:00: the tickets are overdue, but nothing is queued before 08:00.
    let at = move_to(&server, day(1), 6, 0);
    wait_state(&server, &overdue[0].ticket_no, "grace");
    wait_pass(&server, at);
    assert_eq!(queued(&server), 0, "quiet hours");
    move_to(&server, day(1), 8, 1);
    let received = sim.wait_for(overdue.len(), Duration::from_secs(30));
    assert_eq!(received.len(), overdue.len());
    for t in overdue {
        let got = to(&received, &t.phone);
        assert_eq!(got.len(), 1, "{got:?}");
        let prefix = format!(
            "Pawnbranch: {}, your pawn ticket {} was due on {} and is overdue. Amount due: IDR ",
            t.name,
            t.ticket_no,
            reader_date(&loaded.to_string(), "en")
        );
        let amount = got[0]
            .strip_prefix(&prefix)
            .and_then(|rest| rest.strip_suffix(". Please extend or redeem soon."))
            .unwrap_or_else(|| panic!("{}", got[0]));
        assert!(
            amount.bytes().all(|b| b.is_ascii_digit() || b == b','),
            "{amount}"
        );
    }
    assert!(to(&received, &opted_out.phone).is_empty(), "do not text");

    // Later passes, and a restart, queue nothing again.
    let at = move_to(&server, day(1), 8, 30);
    wait_pass(&server, at);
    assert_eq!(queued(&server), count(overdue.len()), "nothing twice");
    server.terminate();
    let data = std::mem::replace(&mut server.dir, tempfile::tempdir().unwrap());
    let server = reminder_server(&link, Some(data));
    let at = move_to(&server, day(1), 9, 0);
    wait_pass(&server, at);
    assert_eq!(
        queued(&server),
        count(overdue.len()),
        "nothing twice after a restart"
    );
    assert_eq!(sim.received().len(), overdue.len(), "nothing twice");

    // Three days on, the tickets that were in grace reach the final notice: the manager's text.
    move_to(&server, day(3), 10, 0);
    let received = sim.wait_for(overdue.len() + notices.len(), Duration::from_secs(30));
    for t in &notices {
        let got = to(&received, &t.phone);
        assert_eq!(got.len(), 1, "{got:?}");
        let prefix = format!(
            "Pawnbranch final notice: {}, ticket {}, pay IDR ",
            t.name, t.ticket_no
        );
        assert!(
            got[0].starts_with(&prefix)
                && got[0].ends_with(&format!(" by {}.", reader_date(&day(26).to_string(), "en"))),
            "{}",
            got[0]
        );
    }
    // The next pass queues nothing more.
    let at = move_to(&server, day(3), 10, 6);
    wait_pass(&server, at);
    assert_eq!(queued(&server), count(overdue.len() + notices.len()));
    let received = sim.received();
    assert_eq!(received.len(), overdue.len() + notices.len());
    for t in overdue {
        assert_eq!(
            to(&received, &t.phone).len(),
            1,
            "one overdue reminder each"
        );
    }
    assert!(to(&received, &opted_out.phone).is_empty());
}

/// The text in the `<textarea>` named `name`.
fn textarea(html: &str, name: &str) -> String {
    let at = html
        .find(&format!("name=\"{name}\""))
        .unwrap_or_else(|| panic!("no textarea {name}"));
    let start = at + html[at..].find('>').unwrap() + 1;
    let end = start + html[start..].find("</textarea>").unwrap();
    html[start..end]
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

#[test]
fn managers_edit_the_texts_and_unknown_placeholders_are_refused() {
    let server = Server::demo();
    let mut clerk = server.client();
    clerk.sign_in(CLERK.0, CLERK.1);
    assert_eq!(clerk.get("/staff/reminders").status, 403);
    assert!(!clerk.get("/staff").body.contains("/staff/reminders"));

    let mut c = server.client();
    c.sign_in(MANAGER.0, MANAGER.1);
    let page = c.get("/staff/reminders");
    assert_eq!(page.status, 200);
    assert!(
        page.body
            .contains("<label for=\"overdue_id\">Overdue: Bahasa Indonesia</label>")
    );
    assert!(
        page.body.contains("08:00–20:00"),
        "the sending hours are shown"
    );
    let default = textarea(&page.body, "before_maturity_en");
    assert!(default.contains("{ticket} is due on {date}"), "{default}");
    let mut fields: Vec<(String, String)> = ["before_maturity", "on_maturity", "overdue", "notice"]
        .iter()
        .flat_map(|e| ["en", "id"].map(|l| format!("{e}_{l}")))
        .map(|name| {
            let text = textarea(&page.body, &name);
            (name, text)
        })
        .collect();
    fields[1].1 = "Yth. {nama}, gadai {ticket} jatuh tempo {date}.".to_owned();
    let form: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let r = c.submit("/staff/reminders", "/staff/reminders", &form);
    assert_eq!(r.status, 400);
    assert!(
        r.body.contains(
            "{nama} is not a placeholder. Use only {name}, {ticket}, {date}, {amount}, {branch}."
        ),
        "{}",
        r.body
    );
    assert!(r.body.contains("Yth. {nama}"), "what was typed is kept");
    fields[1].1 = "Yth. {name}, gadai {ticket} jatuh tempo {date}.".to_owned();
    let form: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let r = c.submit("/staff/reminders", "/staff/reminders", &form);
    assert_eq!(r.status, 303, "{}", r.body);
    let page = c.get("/staff/reminders");
    assert!(page.body.contains("Reminder texts saved."));
    assert_eq!(
        textarea(&page.body, "before_maturity_id"),
        "Yth. {name}, gadai {ticket} jatuh tempo {date}."
    );
    let audit = c.get("/staff/audit");
    assert!(
        audit.body.contains("reminders.template") && audit.body.contains("before_maturity.id"),
        "audited"
    );
    let r = c.post_form("/staff/reminders", &[("before_maturity_en", "x")]);
    assert_eq!(r.status, 403, "no CSRF token");
}

#[test]
fn a_payment_code_unconfirmed_for_over_two_hours_is_flagged_on_the_dashboard() {
    let server = Server::demo();
    let conn = db(&server);
    let loan: String = conn
        .query_row(
            "SELECT id FROM loans WHERE state = 'active' ORDER BY ticket_no LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let ticket_no: String = conn
        .query_row("SELECT ticket_no FROM loans WHERE id = ?1", [&loan], |r| {
            r.get(0)
        })
        .unwrap();
    let now = Utc::now();
    for (code, hours_ago) in [("PAY3H", 3), ("PAY1H", 1)] {
        let made = now - chrono::Duration::hours(hours_ago);
        conn.execute(
            "INSERT INTO payment_codes (code, loan_id, purpose, amount, created_at, expires_at)
             VALUES (?1, ?2, 'extension', 15350, ?3, ?4)",
            rusqlite::params![code, loan, made, made + chrono::Duration::hours(24)],
        )
        .unwrap();
    }
    let mut c = server.client();
    c.sign_in(CLERK.0, CLERK.1);
    let page = c.get("/staff");
    assert_eq!(page.status, 200);
    let body = &page.body;
    assert!(
        body.contains("Payments waiting for confirmation over 2 hours"),
        "{body}"
    );
    assert!(body.contains("PAY3H") && !body.contains("PAY1H"), "{body}");
    assert!(
        body.contains(&format!("<a href=\"/staff/loans/{loan}\">{ticket_no}</a>")),
        "{body}"
    );
    assert!(
        body.contains("IDR 15,350") && body.contains("3 h 0 min"),
        "{body}"
    );
    conn.execute(
        "UPDATE payment_codes SET paid_at = ?1 WHERE code = 'PAY3H'",
        [Utc::now()],
    )
    .unwrap();
    let body = c.get("/staff").body;
    assert!(!body.contains("PAY3H") && body.contains("None."), "{body}");
}

#[test]
fn days_and_hours_saved_on_the_page_are_checked_and_used_by_the_next_pass() {
    let server = Server::start(Options {
        demo: true,
        movable_clock: true,
        ..Options::default()
    });
    let loaded = demo_day(&server);
    let overdue = maturing(&server, loaded);
    assert!(!overdue.is_empty(), "the demo has tickets due today");
    let mut manager = server.client();
    manager.sign_in(MANAGER.0, MANAGER.1);
    let schedule = |from: &'static str, until: &'static str| {
        vec![
            ("days_before", "5, 3, 1, 0"),
            ("overdue_after_days", "1"),
            ("send_from", from),
            ("send_until", until),
        ]
    };
    let stored = || -> i64 {
        db(&server)
            .query_row(
                "SELECT COUNT(*) FROM settings WHERE key = 'reminders.schedule'",
                [],
                |r| r.get(0),
            )
            .unwrap()
    };
    // Checked as the file is: the hours must end later than they start.
    let r = manager.submit(
        "/staff/reminders",
        "/staff/reminders/schedule",
        &schedule("10:00", "09:00"),
    );
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(
        r.body
            .contains("The end must be later in the day than the start."),
        "{}",
        r.body
    );
    assert_eq!(stored(), 0, "nothing saved");
    let r = manager.submit(
        "/staff/reminders",
        "/staff/reminders/schedule",
        &schedule("10:00", "20:00"),
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let page = manager.get("/staff/reminders");
    assert!(page.body.contains("value=\"10:00\""), "{}", page.body);

    // The file says 08:00; at 09:00 the page's 10:00 holds the overdue reminders back.
    let at = move_to(&server, loaded + chrono::Duration::days(1), 9, 0);
    wait_state(&server, &overdue[0].ticket_no, "grace");
    wait_pass(&server, at);
    assert_eq!(queued(&server), 0, "before the page's hours");
    let at = move_to(&server, loaded + chrono::Duration::days(1), 10, 1);
    wait_pass(&server, at);
    assert_eq!(
        queued(&server),
        count(overdue.len()),
        "within the page's hours"
    );
}
