//! The call centre through the real binary (issue 15): the "Customer Follow-Up" queue behind
//! the Call Centre permission, taking and assigning customers, the follow-up screen and its
//! note form: a note whose fields do not fit is refused beside the field with every value kept,
//! the lists narrow without JavaScript, and a saved note with a promise is in the Interaction
//! History and on the customer's timeline.

use std::time::Duration;

use crate::util::{AGENT, CLERK, MANAGER, Options, Server, id_after};

/// The demo branch with a clock the test moves, at 10:00 branch time (UTC+7): within the
/// contact hours, whenever the test runs.
pub(crate) fn demo_at_ten() -> Server {
    let server = Server::start(Options {
        demo: true,
        movable_clock: true,
        ..Options::default()
    });
    move_to(&server, 10);
    server
}

/// Moves the server's clock forward to the next `hour`:00 branch time.
pub(crate) fn move_to(server: &Server, hour: u32) {
    let shift: i64 = std::fs::read_to_string(server.dir.path().join("clock-shift"))
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(0);
    let local = chrono::Utc::now() + chrono::Duration::seconds(shift) + chrono::Duration::hours(7);
    let mut target = local.date_naive().and_hms_opt(hour, 0, 0).unwrap();
    if target <= local.naive_utc() {
        target += chrono::Duration::days(1);
    }
    server.advance_clock((target - local.naive_utc()).num_seconds() + 1);
}

pub(crate) fn database(server: &Server) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(server.dir.path().join("pawnbranch.sqlite")).unwrap();
    conn.busy_timeout(Duration::from_secs(10)).unwrap();
    conn
}

fn count(server: &Server, sql: &str) -> i64 {
    database(server).query_row(sql, [], |r| r.get(0)).unwrap()
}

/// The first customer of the queue and one of their open tickets.
fn first_in_queue(server: &Server, body: &str) -> (String, String) {
    let customer = id_after(body, "/staff/callcentre/customers/");
    let loan: String = database(server)
        .query_row(
            "SELECT id FROM loans WHERE customer_id = ?1 AND state IN ('active', 'due', 'grace', 'notice')
             ORDER BY matures_on LIMIT 1",
            [&customer],
            |r| r.get(0),
        )
        .unwrap();
    (customer, loan)
}

#[test]
fn the_queue_needs_the_call_centre_permission_and_managers_assign() {
    let server = Server::demo();
    let mut clerk = server.client();
    clerk.sign_in(CLERK.0, CLERK.1);
    assert_eq!(clerk.get("/staff/callcentre").status, 403);
    assert!(
        !clerk.get("/staff").body.contains("/staff/callcentre"),
        "no link for a clerk"
    );
    assert_eq!(
        server.client().get("/staff/callcentre").status,
        303,
        "signed out: sign in"
    );

    let mut agent = server.client();
    agent.sign_in(AGENT.0, AGENT.1);
    let staff = agent.get("/staff");
    assert!(
        staff.body.contains("href=\"/staff/callcentre\""),
        "in the navigation"
    );
    let queue = agent.get("/staff/callcentre");
    assert_eq!(queue.status, 200, "{}", queue.body);
    assert!(queue.body.contains("Customer Follow-Up"));
    let (customer, _) = first_in_queue(&server, &queue.body);
    let take = format!("/staff/callcentre/customers/{customer}/take");
    assert_eq!(agent.post_form(&take, &[]).status, 403, "no CSRF token");
    let r = agent.submit("/staff/callcentre", &take, &[]);
    assert_eq!(r.status, 303, "{}", r.body);
    let assigned = |server: &Server| -> String {
        database(server)
            .query_row(
                "SELECT s.username FROM callcentre_assignments a JOIN staff s ON s.id = a.staff_id
                 WHERE a.customer_id = ?1",
                [&customer],
                |r| r.get(0),
            )
            .unwrap()
    };
    assert_eq!(assigned(&server), "agent");
    let mine = agent.get("/staff/callcentre?mine=1");
    assert!(mine.body.contains(&customer), "the agent's own list");

    // An agent cannot assign; a manager can, to a call-centre member.
    let manager_id: String = database(&server)
        .query_row("SELECT id FROM staff WHERE username = 'manager'", [], |r| {
            r.get(0)
        })
        .unwrap();
    let assign = format!("/staff/callcentre/customers/{customer}/assign");
    let r = agent.submit("/staff/callcentre", &assign, &[("agent", &manager_id)]);
    assert_eq!(r.status, 403);
    let mut manager = server.client();
    manager.sign_in(MANAGER.0, MANAGER.1);
    let r = manager.submit("/staff/callcentre", &assign, &[("agent", &manager_id)]);
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(assigned(&server), "manager");
    let clerk_id: String = database(&server)
        .query_row("SELECT id FROM staff WHERE username = 'clerk'", [], |r| {
            r.get(0)
        })
        .unwrap();
    let r = manager.submit("/staff/callcentre", &assign, &[("agent", &clerk_id)]);
    assert_eq!(r.status, 400, "a clerk is not a call agent");
    // Taken by someone else: the agent is told who.
    let r = agent.submit("/staff/callcentre", &take, &[]);
    assert_eq!(r.status, 400);
    let manager_name: String = database(&server)
        .query_row(
            "SELECT full_name FROM staff WHERE username = 'manager'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let told = format!("already assigned to {manager_name}");
    assert!(r.body.contains(&told), "{}", r.body);
}

#[test]
fn a_follow_up_note_is_checked_narrowed_without_javascript_and_saved_with_its_promise() {
    let server = demo_at_ten();
    let mut agent = server.client();
    agent.sign_in(AGENT.0, AGENT.1);
    let queue = agent.get("/staff/callcentre");
    let (customer, loan) = first_in_queue(&server, &queue.body);
    let screen = format!("/staff/callcentre/customers/{customer}");
    let notes = format!("{screen}/notes");
    let page = agent.get(&screen);
    assert_eq!(page.status, 200, "{}", page.body);
    for label in [
        "Loan Summary",
        "Loan Schedule",
        "Customer Statement",
        "Interaction History",
        "Action",
        "Call Results",
        "Call Status",
        "Call Status Action",
        "Party Response",
        "Promised Amount",
        "Promised Date",
        "Set Visit Date",
        "Comments",
        "Client Status",
        "Send Client A Message?",
    ] {
        assert!(page.body.contains(label), "{label} on the screen");
    }

    // Without JavaScript: "Show matching choices" draws the lists narrowed, saving nothing.
    let narrowed = agent.submit(
        &screen,
        &notes,
        &[
            ("narrow", "1"),
            ("call_result", "busy"),
            ("comments", "kept as typed"),
        ],
    );
    assert_eq!(narrowed.status, 200);
    let status_list = narrowed.body.split("id=\"call_status\"").nth(1).unwrap();
    let status_list = &status_list[..status_list.find("</select>").unwrap()];
    assert!(
        status_list.contains("value=\"not_connected\""),
        "{status_list}"
    );
    assert!(
        !status_list.contains("value=\"connected\""),
        "a busy line is not connected"
    );
    assert!(narrowed.body.contains("kept as typed"));

    // A status that does not follow the result is refused beside the field, values kept.
    let fields = |status: &str| {
        vec![
            ("action", "customer".to_owned()),
            ("loan", loan.clone()),
            ("call_result", "busy".to_owned()),
            ("call_status", status.to_owned()),
            ("status_action", "right_party".to_owned()),
            ("party_response", "promise_to_pay".to_owned()),
            ("promised_amount", "50000".to_owned()),
            ("promised_date", "2099-01-01".to_owned()),
            ("comments", "Said she will come on Friday".to_owned()),
            ("client_status", "willing".to_owned()),
            ("send_message", "no".to_owned()),
        ]
    };
    let wrong = fields("connected");
    let wrong: Vec<(&str, &str)> = wrong.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = agent.submit(&screen, &notes, &wrong);
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(
        r.body.contains("does not go with the Call Results chosen"),
        "{}",
        r.body
    );
    assert!(
        r.body.contains("Said she will come on Friday"),
        "comments kept"
    );
    assert_eq!(count(&server, "SELECT count(*) FROM followup_notes"), 0);

    // The chain that fits: saved, with its promise, in the history and on the timeline.
    let mut right = fields("connected");
    right[2].1 = "answered".to_owned();
    let right: Vec<(&str, &str)> = right.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = agent.submit(&screen, &notes, &right);
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(count(&server, "SELECT count(*) FROM followup_notes"), 1);
    assert_eq!(
        count(
            &server,
            "SELECT count(*) FROM promises_to_pay WHERE state = 'active' AND amount > 0"
        ),
        1
    );
    let after = agent.get(&screen);
    let history = after.body.split("id=\"history\"").nth(1).unwrap();
    assert!(
        history.contains("Promised to pay") && history.contains("Said she will come on Friday")
    );
    let file = agent.get(&format!("/staff/customers/{customer}"));
    assert!(
        file.body.contains("Follow-up call · Promised to pay"),
        "on the timeline"
    );
    assert!(file.body.contains("Said she will come on Friday"));
    // The agent's week: one call, connected, one promise; as a chart and as CSV.
    let dashboard = agent.get("/staff/callcentre/dashboard");
    assert_eq!(dashboard.status, 200);
    assert!(
        dashboard.body.contains("<svg class=\"chart\""),
        "{}",
        dashboard.body
    );
    let csv = agent.get("/staff/callcentre/dashboard.csv");
    assert_eq!(csv.header("content-type"), Some("text/csv; charset=utf-8"));
    let agent_name: String = database(&server)
        .query_row(
            "SELECT full_name FROM staff WHERE username = 'agent'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let line = csv.body.lines().find(|l| l.contains(&agent_name)).unwrap();
    assert!(
        line.contains(&format!(",{agent_name},1,1,100.0,1,0,0,")),
        "{line}"
    );
    // At 21:00 branch time no contact is allowed: refused above the form, nothing saved.
    move_to(&server, 21);
    agent.sign_in(AGENT.0, AGENT.1);
    let late = agent.submit(&screen, &notes, &right);
    assert_eq!(late.status, 400);
    assert!(
        late.body
            .contains("may be contacted only from 08:00 to 20:00"),
        "{}",
        late.body
    );
    assert!(
        late.body.contains("Said she will come on Friday"),
        "values kept"
    );
    assert_eq!(count(&server, "SELECT count(*) FROM followup_notes"), 1);
    // Notes are the call centre's: a clerk cannot write one.
    let mut clerk = server.client();
    clerk.sign_in(CLERK.0, CLERK.1);
    assert_eq!(clerk.get(&screen).status, 403);
}

#[test]
fn call_agents_keep_contacts_with_their_history_and_managers_assign_the_ro() {
    let server = Server::demo();
    let mut agent = server.client();
    agent.sign_in(AGENT.0, AGENT.1);
    let queue = agent.get("/staff/callcentre");
    let (customer, _) = first_in_queue(&server, &queue.body);
    let screen = format!("/staff/callcentre/customers/{customer}");
    let contacts = format!("/staff/customers/{customer}/contacts");
    let r = agent.submit(
        &screen,
        &contacts,
        &[
            ("kind", "guarantor"),
            ("contact_name", "Budi Saudara"),
            ("relationship", "brother"),
            ("contact_phone", "0813-5555-0101"),
            ("contact_email", "not an address"),
        ],
    );
    assert_eq!(r.status, 400, "a bad email is refused");
    assert!(r.body.contains("Budi Saudara"), "values kept");
    let r = agent.submit(
        &screen,
        &contacts,
        &[
            ("kind", "guarantor"),
            ("contact_name", "Budi Saudara"),
            ("relationship", "brother"),
            ("contact_phone", "0813-5555-0101"),
            ("contact_email", ""),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let contact: String = database(&server)
        .query_row(
            "SELECT id FROM customer_contacts WHERE customer_id = ?1 AND full_name = 'Budi Saudara'",
            [&customer],
            |r| r.get(0),
        )
        .unwrap();
    let edit = format!("{contacts}/{contact}/edit");
    let r = agent.submit(
        &screen,
        &edit,
        &[
            ("contact_id", &contact),
            ("contact_name", "Budi Santoso"),
            ("relationship", "brother"),
            ("contact_phone", "0813-5555-0202"),
            ("contact_email", "budi@example.com"),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let page = agent.get(&screen);
    assert!(page.body.contains("Budi Santoso") && page.body.contains("budi@example.com"));
    let history = page.body.split_once("Budi Santoso").unwrap().1;
    assert!(
        history.contains("Contact changed") && history.contains("Contact added"),
        "history"
    );
    assert!(
        history.contains("0813-5555-0101"),
        "the first phone is in the history"
    );
    // The guarantor is now a choice of the note's Action.
    assert!(
        page.body
            .contains(&format!("value=\"guarantor:{contact}\""))
    );

    // The RO: an agent cannot assign; a manager can.
    let agent_id: String = database(&server)
        .query_row("SELECT id FROM staff WHERE username = 'agent'", [], |r| {
            r.get(0)
        })
        .unwrap();
    let ro = format!("{screen}/ro");
    assert_eq!(agent.submit(&screen, &ro, &[("ro", &agent_id)]).status, 403);
    let mut manager = server.client();
    manager.sign_in(MANAGER.0, MANAGER.1);
    let r = manager.submit(&screen, &ro, &[("ro", &agent_id)]);
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(
        count(
            &server,
            "SELECT count(*) FROM customer_ros r JOIN staff s ON s.id = r.staff_id WHERE s.username = 'agent'"
        ),
        1
    );
}

#[test]
fn a_contacts_phone_is_checked_by_a_code_that_reaches_the_modem() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("modem");
    let sim =
        pawnbranch::testing::Simulator::start(&link, pawnbranch::testing::SimConfig::default())
            .unwrap();
    let server = crate::portal::portal_server_with(&link, None);
    // A code is a contact: within the contact hours.
    move_to(&server, 10);
    let mut agent = server.client();
    agent.sign_in(AGENT.0, AGENT.1);
    let queue = agent.get("/staff/callcentre");
    let (customer, _) = first_in_queue(&server, &queue.body);
    let screen = format!("/staff/callcentre/customers/{customer}");
    let contacts = format!("/staff/customers/{customer}/contacts");
    let r = agent.submit(
        &screen,
        &contacts,
        &[
            ("kind", "alternative"),
            ("contact_name", "Rina Tetangga"),
            ("relationship", "neighbour"),
            ("contact_phone", "0813-5555-0303"),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let contact: String = database(&server)
        .query_row(
            "SELECT id FROM customer_contacts WHERE full_name = 'Rina Tetangga'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let r = agent.submit(&screen, &format!("{contacts}/{contact}/code/send"), &[]);
    assert_eq!(r.status, 303, "{}", r.body);
    let code = crate::portal::code_from(&sim, "+6281355550303", 1);
    let check = format!("{contacts}/{contact}/code");
    let r = agent.submit(&screen, &check, &[("code", &crate::portal::wrong(&code))]);
    assert_eq!(r.status, 303);
    let verified = |server: &Server| {
        count(
            server,
            &format!(
                "SELECT count(*) FROM customer_contacts WHERE id = '{contact}' AND phone_verified_at IS NOT NULL"
            ),
        )
    };
    assert_eq!(verified(&server), 0, "a wrong code checks nothing");
    let r = agent.submit(&screen, &check, &[("code", &code)]);
    assert_eq!(r.status, 303);
    assert_eq!(verified(&server), 1);
    assert!(agent.get(&screen).body.contains("Phone checked"));
}

#[test]
fn send_client_a_message_goes_from_its_template_through_the_outbox_to_the_modem() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("modem");
    let sim =
        pawnbranch::testing::Simulator::start(&link, pawnbranch::testing::SimConfig::default())
            .unwrap();
    let server = crate::portal::portal_server_with(&link, None);
    move_to(&server, 10);
    let mut agent = server.client();
    agent.sign_in(AGENT.0, AGENT.1);
    let queue = agent.get("/staff/callcentre");
    let (customer, _) = first_in_queue(&server, &queue.body);
    let phone: String = database(&server)
        .query_row(
            "SELECT phone FROM customers WHERE id = ?1",
            [&customer],
            |r| r.get(0),
        )
        .unwrap();
    database(&server)
        .execute(
            "UPDATE customers SET do_not_text = 0 WHERE id = ?1",
            [&customer],
        )
        .unwrap();
    let screen = format!("/staff/callcentre/customers/{customer}");
    let page = agent.get(&screen);
    // The first template, filled for the customer, is what the message box starts with.
    let template = page.body.split("id=\"message\"").nth(1).unwrap();
    let template =
        &template[template.find('>').unwrap() + 1..template.find("</textarea>").unwrap()];
    assert!(
        template.contains("we tried to reach you about your pawn ticket"),
        "{template}"
    );
    let edited = format!("{} Ref A7.", template.trim());
    let r = agent.submit(
        &screen,
        &format!("{screen}/notes"),
        &[
            ("action", "customer"),
            ("loan", ""),
            ("call_result", "not_answered"),
            ("call_status", "not_connected"),
            ("status_action", "try_later"),
            ("party_response", "no_response"),
            ("client_status", "unreachable"),
            ("send_message", "yes"),
            ("template", "0"),
            ("message", &edited),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let texts: Vec<String> = sim
            .received()
            .into_iter()
            .filter(|m| m.to == phone)
            .map(|m| m.text)
            .collect();
        if texts.contains(&edited) {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "not at the modem: {texts:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(
        count(
            &server,
            "SELECT count(*) FROM followup_notes WHERE message LIKE '%Ref A7.' AND sms_id IS NOT NULL"
        ),
        1
    );
}

#[test]
fn managers_edit_the_choices_and_the_server_checks_notes_against_them_at_once() {
    let server = demo_at_ten();
    let mut agent = server.client();
    agent.sign_in(AGENT.0, AGENT.1);
    assert_eq!(agent.get("/staff/callcentre/choices").status, 403);
    let queue = agent.get("/staff/callcentre");
    let (customer, _) = first_in_queue(&server, &queue.body);
    let screen = format!("/staff/callcentre/customers/{customer}");
    let note = |response: &str| {
        vec![
            ("action", "customer".to_owned()),
            ("loan", String::new()),
            ("call_result", "answered".to_owned()),
            ("call_status", "connected".to_owned()),
            ("status_action", "right_party".to_owned()),
            ("party_response", response.to_owned()),
            ("client_status", "willing".to_owned()),
            ("send_message", "no".to_owned()),
        ]
    };
    let post = |agent: &mut crate::util::Client, fields: Vec<(&'static str, String)>| {
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        agent
            .submit(&screen, &format!("{screen}/notes"), &fields)
            .status
    };
    assert_eq!(
        post(&mut agent, note("asks_callback")),
        400,
        "not a choice yet"
    );

    let mut manager = server.client();
    manager.sign_in(MANAGER.0, MANAGER.1);
    let page = "/staff/callcentre/choices";
    let r = manager.submit(
        page,
        page,
        &[
            ("field", "party_response"),
            ("parent", "right_party"),
            ("code", "asks_callback"),
            ("label_en", "Asks to be called back"),
            ("label_id", "Minta ditelepon kembali"),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let r = manager.submit(
        page,
        page,
        &[
            ("field", "party_response"),
            ("parent", "no_such_action"),
            ("code", "x"),
            ("label_en", "X"),
            ("label_id", "X"),
        ],
    );
    assert_eq!(r.status, 400);
    assert!(
        r.body
            .contains("No choice of the list before has this code.")
    );
    assert_eq!(
        post(&mut agent, note("asks_callback")),
        303,
        "the new choice fits"
    );
    let r = manager.submit(
        page,
        "/staff/callcentre/choices/retire",
        &[("choice", "party_response/right_party/asks_extension")],
    );
    assert_eq!(r.status, 303);
    assert_eq!(post(&mut agent, note("asks_extension")), 400, "retired");
    assert_eq!(
        count(
            &server,
            "SELECT count(*) FROM audit_log WHERE entity = 'callcentre_choice'"
        ),
        2
    );
}

#[test]
fn the_call_centre_pages_work_on_a_phone_in_both_languages() {
    let server = demo_at_ten();
    let mut browser = crate::browser::Browser::start(server.addr, "callcentre");
    browser.sign_in_staff(AGENT);
    browser.goto("/staff/callcentre");
    browser.wait_until("the queue", || {
        browser.text().contains("Customer Follow-Up")
    });
    browser.step("queue");
    let first = browser.find("table.follow-up tbody a");
    browser.click(&first);
    browser.wait_until("the follow-up screen", || {
        browser.text().contains("Interaction History")
    });
    browser.step("follow-up");
    // The script narrows Call Status to what follows the picked Call Results, and hides the
    // button the page needs without it.
    browser.click(&browser.find("#call_result option[value=busy]"));
    let shown = browser.script(
        "return [...document.querySelectorAll('#call_status option')]
            .filter(o => o.value && !o.hidden).map(o => o.value);",
    );
    assert_eq!(shown, serde_json::json!(["not_connected"]));
    let narrow_hidden = browser.script("return document.querySelector('[data-no-js]').hidden;");
    assert_eq!(narrow_hidden, serde_json::json!(true));
    browser.click(&browser.find("#call_status option[value=not_connected]"));
    browser.click(&browser.find("#status_action option[value=try_later]"));
    browser.click(&browser.find("#party_response option[value=no_response]"));
    browser.click(&browser.find("#client_status option[value=unreachable]"));
    browser.type_into(&browser.find("#comments"), "Line busy twice.");
    browser.click(&browser.find("form[data-followup] button[type=submit]:not([data-no-js])"));
    browser.wait_until("the note saved", || {
        browser.text().contains("Follow-up note saved.")
    });
    browser.step("note-saved");
    visit(
        &mut browser,
        &[("/staff/callcentre/dashboard", "Calls made", "dashboard")],
    );
    queue_and_first_in_indonesian(&mut browser, "Riwayat Interaksi");
    visit(
        &mut browser,
        &[(
            "/staff/callcentre/dashboard",
            "Dasbor petugas",
            "dashboard-id",
        )],
    );
}

/// Visits each page and waits for its text, saving a screenshot named `step` of each.
fn visit(browser: &mut crate::browser::Browser, pages: &[(&str, &str, &str)]) {
    for (path, text, step) in pages {
        browser.goto(path);
        browser.wait_until(text, || browser.text().contains(text));
        browser.step(step);
    }
}

/// In Indonesian: the queue, the first customer's screen (which must show `screen_text`).
fn queue_and_first_in_indonesian(browser: &mut crate::browser::Browser, screen_text: &str) {
    browser.goto("/lang/id");
    visit(
        browser,
        &[("/staff/callcentre", "Tindak Lanjut Nasabah", "queue-id")],
    );
    browser.click(&browser.find("table.follow-up tbody a"));
    browser.wait_until(screen_text, || browser.text().contains(screen_text));
    browser.step("follow-up-id");
}

#[test]
fn the_follow_up_screen_on_a_counter_screen_in_both_languages() {
    let server = demo_at_ten();
    let mut browser =
        crate::browser::Browser::start_sized(server.addr, "callcentre-counter", (1280, 900));
    browser.sign_in_staff(MANAGER);
    visit(
        &mut browser,
        &[("/staff/callcentre", "Customer Follow-Up", "queue")],
    );
    browser.click(&browser.find("table.follow-up tbody a"));
    browser.wait_until("the follow-up screen", || {
        browser.text().contains("Loan Summary")
    });
    browser.step("follow-up");
    visit(
        &mut browser,
        &[(
            "/staff/callcentre/choices",
            "Follow-up note choices",
            "choices",
        )],
    );
    queue_and_first_in_indonesian(&mut browser, "Ringkasan Pinjaman");
}
