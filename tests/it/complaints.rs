//! Complaints (issue 14) through the real binary: a case opened from the customer's file with
//! the caller check, worked through its checklist, notes, waiting, escalation and resolution;
//! who may do what on every route; refused forms with the message beside the field and the
//! values kept; the list's time left turning red when the clock is moved past a breach; and the
//! managers' holidays page.

use std::time::{Duration, Instant};

use crate::util::{AGENT, CLERK, Client, MANAGER, Options, Server, id_after};

/// Budi (demo customer 1)'s id, read by `client`.
pub(crate) fn budi(client: &mut Client) -> String {
    let list = client.get("/staff/customers?q=Budi+Rahmawati");
    assert_eq!(list.status, 200, "{}", list.body);
    id_after(&list.body, "/staff/customers/")
}

/// Opens a disbursement case on the hotline for `customer`, checked by phone, and returns its id.
pub(crate) fn open_case(agent: &mut Client, customer: &str) -> String {
    let form = format!("/staff/complaints/new?customer={customer}");
    let owner = owner_on(agent, &form);
    let r = agent.submit(
        &form,
        "/staff/complaints/new",
        &[
            ("customer", customer),
            ("phone", "1"),
            ("channel", "hotline"),
            ("category", "disbursement"),
            ("priority", "normal"),
            ("loan", ""),
            ("payment_code", ""),
            ("description", "The loan money has not reached my account."),
            ("owner", &owner),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let to = r.header("location").expect("location").to_owned();
    to.trim_start_matches("/staff/complaints/").to_owned()
}

/// Posts one of a case's forms (`part`) with `fields` and the page's CSRF token.
fn post_part(
    c: &mut Client,
    case: &str,
    csrf: &str,
    part: &str,
    fields: &[(&str, &str)],
) -> crate::util::Response {
    let mut all = vec![("csrf", csrf)];
    all.extend_from_slice(fields);
    c.post_form(&format!("{case}/{part}"), &all)
}

/// The owner the new case form offers first (the signed-in member).
pub(crate) fn owner_on(client: &mut Client, form: &str) -> String {
    let page = client.get(form);
    let select = &page.body[page.body.find("name=\"owner\"").expect("owner select")..];
    let selected = &select[..select.find("selected").expect("a chosen owner")];
    let value = selected.rsplit("value=\"").next().expect("value");
    value[..value.find('"').expect("quote")].to_owned()
}

#[test]
fn an_agent_opens_a_case_from_the_customers_file_and_works_it_to_the_manager() {
    let server = Server::demo();
    let mut agent = server.client();
    agent.sign_in(AGENT.0, AGENT.1);
    let customer = budi(&mut agent);
    let file = agent.get(&format!("/staff/customers/{customer}"));
    let new_form = format!("/staff/complaints/new?customer={customer}");
    assert!(
        file.body.contains(&new_form),
        "the file offers a new case: {}",
        file.body
    );

    // Refused: no caller detail ticked; the description stays typed, the message beside it.
    let owner = owner_on(&mut agent, &new_form);
    let refused = agent.submit(
        &new_form,
        "/staff/complaints/new",
        &[
            ("customer", &customer),
            ("channel", "hotline"),
            ("category", "disbursement"),
            ("priority", "normal"),
            ("description", "Still waiting for the money"),
            ("owner", &owner),
        ],
    );
    assert_eq!(refused.status, 400, "{}", refused.body);
    let checked = &refused.body[refused.body.find("id=\"checked\"").expect("fieldset")..];
    assert!(checked[..checked.find("</fieldset>").unwrap()].contains("Tick at least one detail"));
    assert!(
        refused
            .body
            .contains(">Still waiting for the money</textarea>")
    );

    let case = open_case(&mut agent, &customer);
    let path = format!("/staff/complaints/{case}");
    let page = agent.get(&path);
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body.contains("data-step=\"b2\"") && page.body.contains("data-step=\"b7\""),
        "B's steps: {}",
        page.body
    );
    let verify = &page.body[page.body.find("data-step=\"verify\"").unwrap()..];
    assert!(
        verify[..verify.find("</li>").unwrap()].contains(">done<"),
        "verifying is done"
    );

    let csrf = page.csrf();
    let post = |c: &mut Client, part: &str, fields: &[(&str, &str)]| {
        post_part(c, &path, &csrf, part, fields)
    };
    assert_eq!(post(&mut agent, "step", &[("step", "b3")]).status, 303);
    assert_eq!(
        post(
            &mut agent,
            "note",
            &[("note", "Told her it takes up to 2 hours.")]
        )
        .status,
        303
    );
    assert_eq!(
        post(
            &mut agent,
            "state",
            &[("to", "waiting_on_customer"), ("outcome", "")]
        )
        .status,
        303
    );
    let refused = post(
        &mut agent,
        "escalate",
        &[
            ("to_whom", "Ibu Sari, CS manager"),
            ("reason", ""),
            ("contact_by", "Finance team"),
        ],
    );
    assert_eq!(refused.status, 400);
    assert!(
        refused.body.contains("value=\"Ibu Sari, CS manager\""),
        "kept: {}",
        refused.body
    );
    let reason = &refused.body[refused.body.find("for=\"reason\"").unwrap()..];
    assert!(reason[..reason.find("</div>").unwrap()].contains("Give to whom, why"));
    let escalated = post(
        &mut agent,
        "escalate",
        &[
            ("to_whom", "Ibu Sari, CS manager"),
            ("reason", "Over 2 hours, proof of transfer asked."),
            ("contact_by", "Finance team"),
        ],
    );
    assert_eq!(escalated.status, 303, "{}", escalated.body);

    // An escalated case is the CS manager's: the agent has no state buttons and is refused.
    let page = agent.get(&path);
    assert!(
        page.body.contains(">Escalated<") && !page.body.contains("id=\"state\""),
        "{}",
        page.body
    );
    assert_eq!(
        post(
            &mut agent,
            "state",
            &[("to", "resolved"), ("outcome", "upheld")]
        )
        .status,
        403
    );
    assert_eq!(post(&mut agent, "owner", &[("owner", "x")]).status, 403);

    let mut manager = server.client();
    manager.sign_in(MANAGER.0, MANAGER.1);
    let page = manager.get(&path);
    let csrf = page.csrf();
    let post = |c: &mut Client, part: &str, fields: &[(&str, &str)]| {
        post_part(c, &path, &csrf, part, fields)
    };
    let refused = post(
        &mut manager,
        "state",
        &[("to", "resolved"), ("outcome", "")],
    );
    assert_eq!(refused.status, 400);
    assert!(
        refused.body.contains("Choose how the case ended"),
        "{}",
        refused.body
    );
    assert_eq!(
        post(
            &mut manager,
            "state",
            &[("to", "resolved"), ("outcome", "upheld")]
        )
        .status,
        303
    );
    assert_eq!(
        post(&mut manager, "state", &[("to", "closed"), ("outcome", "")]).status,
        303
    );
    let closed = manager.get(&path);
    assert!(
        closed.body.contains(">Closed<") && closed.body.contains("Upheld: put right"),
        "{}",
        closed.body
    );
    assert_eq!(
        post(&mut manager, "note", &[("note", "late")]).status,
        400,
        "nothing more on a closed case"
    );

    // Every action is on the case's timeline and on the customer's.
    for text in [
        "Told her it takes up to 2 hours.",
        "Finance team",
        "Step done",
    ] {
        assert!(
            closed.body.contains(text),
            "{text} on the case: {}",
            closed.body
        );
    }
    let file = manager.get(&format!("/staff/customers/{customer}"));
    assert!(
        file.body.contains("Complaints · Case opened")
            && file.body.contains("Complaints · Escalated"),
        "{}",
        file.body
    );
}

#[test]
fn every_complaint_route_asks_for_its_permission_and_its_csrf_token() {
    let server = Server::demo();
    let mut agent = server.client();
    agent.sign_in(AGENT.0, AGENT.1);
    let customer = budi(&mut agent);
    let case = open_case(&mut agent, &customer);
    let mut clerk = server.client();
    clerk.sign_in(CLERK.0, CLERK.1);
    for path in [
        "/staff/complaints",
        "/staff/complaints/new",
        &format!("/staff/complaints/{case}"),
        "/staff/holidays",
    ] {
        assert_eq!(clerk.get(path).status, 403, "clerk GET {path}");
    }
    assert_eq!(
        agent.get("/staff/holidays").status,
        403,
        "holidays are the managers'"
    );
    let csrf = clerk.get("/staff").csrf();
    for path in [
        "/staff/complaints/new".to_owned(),
        format!("/staff/complaints/{case}/note"),
        "/staff/holidays".to_owned(),
    ] {
        let r = clerk.post_form(
            &path,
            &[("csrf", &csrf), ("note", "x"), ("customer", &customer)],
        );
        assert_eq!(r.status, 403, "clerk POST {path}");
    }
    let mut stranger = server.client();
    assert_eq!(
        stranger.get("/staff/complaints").status,
        303,
        "to the sign-in page"
    );
    let forged = agent.post_form(
        &format!("/staff/complaints/{case}/note"),
        &[("note", "forged")],
    );
    assert_eq!(forged.status, 403, "no CSRF token");
    assert!(
        !agent
            .get(&format!("/staff/complaints/{case}"))
            .body
            .contains("forged")
    );
    assert_eq!(
        agent
            .get("/staff/complaints/01ARZ3NDEKTSV4RRFFQ69G5FAV")
            .status,
        404
    );
}

#[test]
fn the_list_turns_red_when_the_clock_passes_the_first_response_level() {
    let server = Server::start(Options {
        demo: true,
        movable_clock: true,
        ..Options::default()
    });
    let mut agent = server.client();
    agent.sign_in(AGENT.0, AGENT.1);
    let customer = budi(&mut agent);
    let case = open_case(&mut agent, &customer);
    // Sessions end when idle longer than the clock moves: a new sign-in for each look.
    let light = || {
        let mut agent = server.client();
        agent.sign_in(AGENT.0, AGENT.1);
        let list = agent.get("/staff/complaints");
        let row = &list.body[list
            .body
            .find(&format!("/staff/complaints/{case}"))
            .unwrap_or_else(|| {
                panic!(
                    "{case} not listed: {} {} {:?}",
                    list.status,
                    list.body,
                    server.stderr.lock().unwrap()
                )
            })..];
        let at = row.find("data-light=\"").expect("a light") + "data-light=\"".len();
        row[at..at + row[at..].find('"').unwrap()].to_owned()
    };
    assert_eq!(light(), "green");
    server.advance_clock(100 * 60);
    assert_eq!(light(), "amber", "20 minutes of 2 hours left");
    server.advance_clock(21 * 60);
    assert_eq!(light(), "red", "past the 2 hours of a disbursement");
}

#[test]
fn managers_keep_the_holidays_list() {
    let server = Server::demo();
    let mut manager = server.client();
    manager.sign_in(MANAGER.0, MANAGER.1);
    let refused = manager.submit(
        "/staff/holidays",
        "/staff/holidays",
        &[("on", "17-08-2027"), ("name", "Hari Kemerdekaan")],
    );
    assert_eq!(refused.status, 400);
    assert!(
        refused.body.contains("value=\"Hari Kemerdekaan\""),
        "name kept: {}",
        refused.body
    );
    assert!(refused.body.contains("YYYY-MM-DD"));
    let added = manager.submit(
        "/staff/holidays",
        "/staff/holidays",
        &[("on", "2027-08-17"), ("name", "Hari Kemerdekaan")],
    );
    assert_eq!(added.status, 303, "{}", added.body);
    let again = manager.submit(
        "/staff/holidays",
        "/staff/holidays",
        &[("on", "2027-08-17"), ("name", "Again")],
    );
    assert_eq!(again.status, 400);
    assert!(again.body.contains("already a holiday"));
    let page = manager.get("/staff/holidays");
    assert!(page.body.contains("17 Aug 2027") && page.body.contains("Hari Kemerdekaan"));
    let removed = manager.post_form(
        "/staff/holidays/2027-08-17/remove",
        &[("csrf", &page.csrf())],
    );
    assert_eq!(removed.status, 303);
    assert!(
        !manager
            .get("/staff/holidays")
            .body
            .contains("Hari Kemerdekaan")
    );
    let missing = manager.post_form(
        "/staff/holidays/2027-08-17/remove",
        &[("csrf", &page.csrf())],
    );
    assert_eq!(missing.status, 404);
}

/// The resolution deadline the case's row keeps.
fn resolution_due(db: &rusqlite::Connection, case: &str) -> chrono::DateTime<chrono::Utc> {
    db.query_row(
        "SELECT resolution_due FROM complaints WHERE id = ?1",
        [case],
        |r| r.get(0),
    )
    .expect("a running resolution clock")
}

#[test]
fn a_holiday_added_or_removed_moves_the_deadlines_the_cases_keep() {
    use chrono::{Datelike, Duration as Days, FixedOffset, Weekday};
    let server = Server::demo();
    let mut agent = server.client();
    agent.sign_in(AGENT.0, AGENT.1);
    let customer = budi(&mut agent);
    let case = open_case(&mut agent, &customer);
    let db = crate::util::open_db(&server.dir.path().join("pawnbranch.sqlite"));
    let before = resolution_due(&db, &case);
    // A working day before the deadline's (5 working days on, so after today), in Jakarta.
    let jakarta = FixedOffset::east_opt(7 * 3600).expect("offset");
    let listed = |day: &str| -> bool {
        db.query_row(
            "SELECT count(*) FROM holidays WHERE on_date = ?1",
            [day],
            |r| r.get::<_, i64>(0),
        )
        .expect("holidays")
            > 0
    };
    let mut day = before.with_timezone(&jakarta).date_naive() - Days::days(1);
    while matches!(day.weekday(), Weekday::Sat | Weekday::Sun) || listed(&day.to_string()) {
        day -= Days::days(1);
    }
    let mut manager = server.client();
    manager.sign_in(MANAGER.0, MANAGER.1);
    let added = manager.submit(
        "/staff/holidays",
        "/staff/holidays",
        &[("on", &day.to_string()), ("name", "Cuti bersama")],
    );
    assert_eq!(added.status, 303, "{}", added.body);
    let moved = resolution_due(&db, &case);
    assert!(moved >= before + Days::days(1), "{before} then {moved}");
    let page = manager.get("/staff/holidays");
    let removed = manager.post_form(
        &format!("/staff/holidays/{day}/remove"),
        &[("csrf", &page.csrf())],
    );
    assert_eq!(removed.status, 303);
    assert_eq!(
        resolution_due(&db, &case),
        before,
        "back once the day is removed"
    );
}

#[test]
fn the_scheduler_escalates_a_late_case_once_shows_it_on_the_dashboard_and_texts_the_manager() {
    let server = Server::start(Options {
        demo: true,
        movable_clock: true,
        env: vec![(
            "PAWNBRANCH_COMPLAINTS_BREACH_SMS_TO".to_owned(),
            "0812-1111-2222".to_owned(),
        )],
        ..Options::default()
    });
    let mut agent = server.client();
    agent.sign_in(AGENT.0, AGENT.1);
    let customer = budi(&mut agent);
    let case = open_case(&mut agent, &customer);
    let mut manager = server.client();
    manager.sign_in(MANAGER.0, MANAGER.1);
    let card = |c: &mut Client| {
        let page = c.get("/staff");
        let at = page.body.find("id=\"complaints-card\"").expect("the card");
        page.body[at..at + page.body[at..].find("</section>").unwrap()].to_owned()
    };
    assert!(!card(&mut manager).contains(&case), "not late yet");
    server.advance_clock(121 * 60);
    // The scheduler's next pass (within a tick of the moved clock) escalates it.
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut manager = server.client();
    manager.sign_in(MANAGER.0, MANAGER.1);
    while !card(&mut manager).contains(&case) {
        assert!(
            Instant::now() < deadline,
            "not escalated: {}",
            card(&mut manager)
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let page = manager.get(&format!("/staff/complaints/{case}"));
    assert!(
        page.body.contains("no first response within 2 hours"),
        "{}",
        page.body
    );
    let log = server.dir.path().join("sms-log.txt");
    while !std::fs::read_to_string(&log)
        .unwrap_or_default()
        .contains("to +6281211112222: Complaint of Budi")
    {
        assert!(
            Instant::now() < deadline,
            "no SMS to the CS manager in {log:?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    // Later passes escalate it no more.
    server.advance_clock(10 * 60);
    let mut manager = server.client();
    manager.sign_in(MANAGER.0, MANAGER.1);
    // The scheduler notes each pass's time after the breach pass: wait for a newer one.
    let last_pass = |c: &mut Client| {
        let body = c.get("/healthz").body;
        let at = body.find("\"last_reminder_pass\":").expect("the pass") + 21;
        body[at..at + body[at..].find([',', '}']).unwrap()].to_owned()
    };
    let before = last_pass(&mut manager);
    let settled = Instant::now() + Duration::from_secs(20);
    while last_pass(&mut manager) == before {
        assert!(Instant::now() < settled, "no pass after the move");
        std::thread::sleep(Duration::from_millis(100));
    }
    let page = manager.get(&format!("/staff/complaints/{case}"));
    assert_eq!(
        page.body
            .matches("no first response within 2 hours")
            .count(),
        1,
        "{}",
        page.body
    );
}

#[test]
fn a_customer_opens_a_case_on_the_portal_follows_it_and_sees_only_their_own() {
    let server = Server::demo();
    let mut agent = server.client();
    agent.sign_in(AGENT.0, AGENT.1);
    let budi = budi(&mut agent);
    let budis_case = open_case(&mut agent, &budi);

    let mut customer = crate::links::customer_signed_in(&server);
    let page = customer.get("/my/complaints");
    assert_eq!(page.status, 200, "{}", page.body);
    let refused = customer.post_form(
        "/my/complaints",
        &[
            ("csrf", &page.csrf()),
            ("category", "payment_confirmation"),
            ("description", " "),
        ],
    );
    assert_eq!(refused.status, 400);
    assert!(
        refused.body.contains("1 to 2000 characters"),
        "{}",
        refused.body
    );
    let opened = customer.post_form(
        "/my/complaints",
        &[
            ("csrf", &page.csrf()),
            ("category", "payment_confirmation"),
            ("description", "I paid yesterday and got no SMS."),
        ],
    );
    assert_eq!(opened.status, 303, "{}", opened.body);
    let own = opened.header("location").expect("location").to_owned();
    let case = own.trim_start_matches("/my/complaints/").to_owned();
    let followed = customer.get(&own);
    assert!(
        followed.body.contains(">Open<") && followed.body.contains("I paid yesterday"),
        "{}",
        followed.body
    );

    // Another customer's case, and no case at all, look the same: 404.
    assert_eq!(
        customer.get(&format!("/my/complaints/{budis_case}")).status,
        404
    );
    assert_eq!(
        customer
            .get("/my/complaints/01ARZ3NDEKTSV4RRFFQ69G5FAV")
            .status,
        404
    );
    assert!(!customer.get("/my/complaints").body.contains(&budis_case));

    // Staff see it as a portal case and answer; the customer follows the state, not the note.
    let staff_page = agent.get(&format!("/staff/complaints/{case}"));
    assert!(
        staff_page
            .body
            .contains("Opened by the customer, signed in by code"),
        "{}",
        staff_page.body
    );
    let csrf = staff_page.csrf();
    let note = agent.post_form(
        &format!("/staff/complaints/{case}/note"),
        &[
            ("csrf", &csrf),
            ("note", "Bank statement checked: internal only."),
        ],
    );
    assert_eq!(note.status, 303);
    let waiting = agent.post_form(
        &format!("/staff/complaints/{case}/state"),
        &[
            ("csrf", &csrf),
            ("to", "waiting_on_customer"),
            ("outcome", ""),
        ],
    );
    assert_eq!(waiting.status, 303);
    let followed = customer.get(&own);
    assert!(
        followed.body.contains(">Waiting on the customer<"),
        "{}",
        followed.body
    );
    assert!(
        !followed.body.contains("internal only"),
        "staff notes stay with staff"
    );
}

#[test]
fn the_weekly_evaluation_its_print_its_csv_and_the_quarterly_csv() {
    let server = Server::demo();
    let mut agent = server.client();
    agent.sign_in(AGENT.0, AGENT.1);
    let customer = budi(&mut agent);
    let case = open_case(&mut agent, &customer);
    assert_eq!(
        agent.get("/staff/complaints/weekly").status,
        403,
        "the managers' page"
    );
    assert_eq!(agent.get("/staff/complaints/weekly.csv").status, 403);

    let mut manager = server.client();
    manager.sign_in(MANAGER.0, MANAGER.1);
    let page = manager.get("/staff/complaints/weekly");
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body.contains("data-n=\"received\">1<"),
        "{}",
        page.body
    );
    assert!(
        page.body.matches("<svg").count() >= 3,
        "charts drawn on the server"
    );
    assert!(!page.body.contains("<script"), "no script");
    assert!(
        page.body.contains(&format!("/staff/complaints/{case}")),
        "the open case listed"
    );
    let print = page
        .body
        .split("href=\"")
        .find(|h| h.contains("print=1"))
        .expect("a print link");
    let print = print[..print.find('"').unwrap()].replace("&amp;", "&");
    let printed = manager.get(&print);
    assert_eq!(printed.status, 200);
    assert!(
        !printed.body.contains("id=\"week\""),
        "no controls when printed"
    );

    let csv = manager.get("/staff/complaints/weekly.csv");
    assert_eq!(csv.status, 200);
    assert!(csv.header("content-type").unwrap().starts_with("text/csv"));
    let lines: Vec<&str> = csv.body.lines().collect();
    assert_eq!(lines.len(), 2, "{}", csv.body);
    assert!(lines[0].starts_with("case,opened_at,customer,channel,category"));
    assert!(
        lines[1].starts_with(&case) && lines[1].contains(",hotline,disbursement,normal,open,"),
        "{}",
        lines[1]
    );
    assert!(lines[1].ends_with(",running"), "{}", lines[1]);

    let quarterly = page
        .body
        .split("href=\"")
        .find(|h| h.starts_with("/staff/complaints/quarterly.csv"))
        .expect("quarterly link");
    let quarterly = quarterly[..quarterly.find('"').unwrap()].replace("&amp;", "&");
    let q = manager.get(&quarterly);
    assert_eq!(q.status, 200, "{}", q.body);
    let lines: Vec<&str> = q.body.lines().collect();
    assert_eq!(
        lines[0],
        "category,received,open,waiting_on_customer,escalated,resolved,closed,resolved_within_limit,resolved_late"
    );
    assert!(
        lines.contains(&"disbursement,1,1,0,0,0,0,0,0"),
        "{}",
        q.body
    );
    assert_eq!(
        manager
            .get("/staff/complaints/quarterly.csv?year=2026&quarter=5")
            .status,
        404
    );
}

#[test]
fn a_payment_method_case_sends_the_customers_own_code_by_sms_and_refuses_without_one() {
    let server = Server::demo();
    // A live payment code of one of Budi's tickets, as the portal's extension would make it.
    let db = crate::util::open_db(&server.dir.path().join("pawnbranch.sqlite"));
    let code = "ABCD2345";
    db.execute(
        "INSERT INTO payment_codes (code, loan_id, purpose, amount, periods, created_at, expires_at)
         SELECT ?1, l.id, 'extension', 150000, 1, strftime('%Y-%m-%d %H:%M:%f+00:00', 'now'),
                strftime('%Y-%m-%d %H:%M:%f+00:00', 'now', '+1 day')
         FROM loans l JOIN customers c ON c.id = l.customer_id
         WHERE c.full_name = 'Budi Rahmawati' AND l.state = 'active' LIMIT 1",
        [code],
    )
    .unwrap();
    let mut agent = server.client();
    agent.sign_in(AGENT.0, AGENT.1);
    let customer = budi(&mut agent);
    let form = format!("/staff/complaints/new?customer={customer}");
    let owner = owner_on(&mut agent, &form);
    let open = |agent: &mut Client, payment_code: &str| {
        let r = agent.submit(
            &form,
            "/staff/complaints/new",
            &[
                ("customer", &customer),
                ("full_name", "1"),
                ("channel", "live_chat"),
                ("category", "payment_method"),
                ("priority", "normal"),
                ("loan", ""),
                ("payment_code", payment_code),
                ("description", "Cannot open the app to see my code."),
                ("owner", &owner),
            ],
        );
        assert_eq!(r.status, 303, "{}", r.body);
        r.header("location").unwrap().to_owned()
    };
    let with_code = open(&mut agent, "abcd-2345");
    let page = agent.get(&with_code);
    let sent = agent.post_form(
        &format!("{with_code}/payment-code-sms"),
        &[("csrf", &page.csrf())],
    );
    assert_eq!(sent.status, 303, "{}", sent.body);
    let log = server.dir.path().join("sms-log.txt");
    let deadline = Instant::now() + Duration::from_secs(20);
    while !std::fs::read_to_string(&log)
        .unwrap_or_default()
        .contains("Your payment code for ticket")
    {
        assert!(Instant::now() < deadline, "no payment code SMS in {log:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(
        agent.get(&with_code).body.contains(">Message<"),
        "on the case's timeline"
    );

    let without = open(&mut agent, "");
    let page = agent.get(&without);
    let refused = agent.post_form(
        &format!("{without}/payment-code-sms"),
        &[("csrf", &page.csrf())],
    );
    assert_eq!(refused.status, 400);
    assert!(
        refused
            .body
            .contains("no payment code that can still be paid"),
        "{}",
        refused.body
    );
    // Without a ticket, no code can be made for it either.
    let refused = agent.post_form(
        &format!("{without}/new-payment-code"),
        &[("csrf", &page.csrf())],
    );
    assert_eq!(refused.status, 400);
    assert!(
        refused.body.contains("The case concerns no ticket"),
        "{}",
        refused.body
    );
}

/// Seed 003 D: a customer without a payment code gets one from the agent, made for the case's
/// ticket as the portal's extension makes it, sent to the registered number; pressing again
/// sends the same code, not a second one.
#[test]
fn an_agent_makes_a_payment_code_for_the_cases_ticket_and_sends_it() {
    let server = Server::demo();
    let db = crate::util::open_db(&server.dir.path().join("pawnbranch.sqlite"));
    let loan: String = db
        .query_row(
            "SELECT l.id FROM loans l JOIN customers c ON c.id = l.customer_id
             WHERE c.full_name = 'Budi Rahmawati' AND l.state = 'active' AND json_extract(l.terms, '$.kind') = 'pawn' LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let mut agent = server.client();
    agent.sign_in(AGENT.0, AGENT.1);
    let customer = budi(&mut agent);
    let form = format!("/staff/complaints/new?customer={customer}");
    let owner = owner_on(&mut agent, &form);
    let r = agent.submit(
        &form,
        "/staff/complaints/new",
        &[
            ("customer", &customer),
            ("full_name", "1"),
            ("channel", "hotline"),
            ("category", "payment_method"),
            ("priority", "normal"),
            ("loan", &loan),
            ("payment_code", ""),
            ("description", "I have no code to pay the extension with."),
            ("owner", &owner),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let case = r.header("location").unwrap().to_owned();
    let page = agent.get(&case);
    assert!(
        page.body.contains("Make a payment code for the ticket"),
        "{}",
        page.body
    );
    let codes = |db: &rusqlite::Connection| -> Vec<String> {
        let mut stmt = db
            .prepare("SELECT code FROM payment_codes WHERE loan_id = ?1 ORDER BY created_at")
            .unwrap();
        stmt.query_map([&loan], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    assert!(codes(&db).is_empty(), "the demo ticket has no code yet");
    for _ in 0..2 {
        let page = agent.get(&case);
        let sent = agent.post_form(
            &format!("{case}/new-payment-code"),
            &[("csrf", &page.csrf())],
        );
        assert_eq!(sent.status, 303, "{}", sent.body);
    }
    let made = codes(&db);
    assert_eq!(made.len(), 1, "one code, sent twice: {made:?}");
    let on_case: String = db
        .query_row(
            "SELECT payment_code FROM complaints WHERE id = ?1",
            [case.rsplit('/').next().unwrap()],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(on_case, made[0], "the case's code now");
    let shown = format!("{}-{}", &made[0][..4], &made[0][4..]);
    let log = server.dir.path().join("sms-log.txt");
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::fs::read_to_string(&log)
        .unwrap_or_default()
        .matches(&shown)
        .count()
        < 2
    {
        assert!(Instant::now() < deadline, "two SMS with {shown} in {log:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(
        agent
            .get(&case)
            .body
            .contains("Send it by SMS to the registered number")
    );
}

#[test]
fn the_complaint_pages_fit_a_phone_in_both_languages() {
    walk_the_complaint_pages(None, "complaints");
}

#[test]
fn the_complaint_pages_fit_a_counter_screen_in_both_languages() {
    walk_the_complaint_pages(Some((1366, 768)), "complaints-counter");
}

/// Opens a case and visits the complaint pages in a browser at a phone's width (`None`) or at
/// `size`, in English and then in Bahasa Indonesia, a screenshot of each.
fn walk_the_complaint_pages(size: Option<(u64, u64)>, prefix: &'static str) {
    let server = Server::demo();
    let mut agent = server.client();
    agent.sign_in(AGENT.0, AGENT.1);
    let customer = budi(&mut agent);
    let mut browser = match size {
        None => crate::browser::Browser::start(server.addr, prefix),
        Some(size) => crate::browser::Browser::start_sized(server.addr, prefix, size),
    };
    browser.sign_in_staff(MANAGER);
    browser.goto(&format!("/staff/complaints/new?customer={customer}"));
    browser.wait_until("the new case form", || {
        browser.text().contains("What the customer says")
    });
    browser.step("new-case");
    browser.click(&browser.find("input[name=phone]"));
    browser.type_into(
        &browser.find("#description"),
        "The loan money has not reached my account.",
    );
    browser.click(&browser.find("form[action='/staff/complaints/new'] button"));
    browser.wait_until("the case page", || browser.text().contains("Procedure"));
    browser.step("case");
    let case = browser.current_url();
    for (path, text, name) in [
        ("/staff/complaints", "Time left", "list"),
        ("/staff/complaints/weekly", "Cases received", "weekly"),
        ("/staff/holidays", "Add the holiday", "holidays"),
    ] {
        browser.goto(path);
        browser.wait_until(name, || browser.text().contains(text));
        browser.step(name);
    }
    browser.goto("/lang/id?next=/staff/complaints");
    browser.wait_until("the list in Indonesian", || {
        browser.text().contains("Sisa waktu")
    });
    browser.step("list-id");
    let case_path = case[case.find("/staff/").expect("a staff path")..].to_owned();
    browser.goto(&case_path);
    browser.wait_until("the case in Indonesian", || {
        browser.text().contains("Prosedur")
    });
    browser.step("case-id");
    browser.goto("/staff/complaints/weekly");
    browser.wait_until("the evaluation in Indonesian", || {
        browser.text().contains("Kasus diterima")
    });
    browser.step("weekly-id");
}

#[test]
fn the_list_shows_fifty_cases_a_page_and_its_pages_keep_the_filter() {
    let server = Server::start(Options {
        demo: true,
        ..Options::default()
    });
    let mut agent = server.client();
    agent.sign_in(AGENT.0, AGENT.1);
    let customer = budi(&mut agent);
    let opened: Vec<String> = (0..51).map(|_| open_case(&mut agent, &customer)).collect();
    let listed = |body: &str| {
        opened
            .iter()
            .filter(|case| body.contains(&format!("/staff/complaints/{case}\"")))
            .count()
    };
    // The newest first: the first opened is the one on the second page.
    let first = agent.get("/staff/complaints?state=open&sort=newest&mine=");
    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!(listed(&first.body), 50);
    assert!(!first.body.contains("rel=\"prev\""));
    let next = "/staff/complaints?state=open&amp;category=&amp;sort=newest&amp;page=1";
    assert!(
        first
            .body
            .contains(&format!("href=\"{next}\" rel=\"next\"")),
        "{}",
        first.body
    );
    let second = agent.get(&next.replace("&amp;", "&"));
    assert_eq!(second.status, 200, "{}", second.body);
    assert_eq!(listed(&second.body), 1);
    assert!(
        second
            .body
            .contains(&format!("/staff/complaints/{}\"", opened[0]))
    );
    assert!(second.body.contains("page=0\" rel=\"prev\""));
    assert!(!second.body.contains("rel=\"next\""));
    // A page number that is not one is the first page, not an error.
    let odd = agent.get("/staff/complaints?page=x%0d");
    assert_eq!(odd.status, 200, "{}", odd.body);
    assert_eq!(listed(&odd.body), 50);
}
