//! Gold appraisal at the counter and the second pair of eyes (issue 13, point 7): a manager
//! sets the gold reference price (bad input stays on the form), the new-ticket form shows it
//! and computes each gold item's appraisal and maximum loan with its "Calculate" button (no
//! JavaScript), an appraisal other than the computed one needs a reason and is audited, and
//! a ticket above `[loans] second_approval_above` is refused to the clerk who wrote it and
//! approved by another member.

use crate::util::{CLERK, Client, MANAGER, Options, Server, id_after};

/// Signs in as `who` on `server`.
fn signed_in(server: &Server, who: (&str, &str)) -> Client {
    let mut c = server.client();
    c.sign_in(who.0, who.1);
    c
}

/// Sets the gold price as a manager; the response.
fn set_price(c: &mut Client, price: &str, date: &str, karats: &str) -> crate::util::Response {
    let page = c.get("/staff/gold-price");
    assert_eq!(page.status, 200, "{}", page.body);
    c.post_form(
        "/staff/gold-price",
        &[
            ("csrf", &page.csrf()),
            ("price", price),
            ("effective_on", date),
            ("karats", karats),
            ("note", "Antam buyback board"),
        ],
    )
}

/// Today's date at the branch (the demo branch is on UTC+7).
fn branch_today() -> String {
    (chrono::Utc::now() + chrono::Duration::hours(7))
        .date_naive()
        .to_string()
}

/// The new-ticket form of demo customer Budi (verified phone): its path, page and the gold
/// product's id.
fn new_ticket_form(c: &mut Client) -> (String, crate::util::Response, String) {
    let list = c.get("/staff/customers?q=Budi+Rahmawati");
    let customer = id_after(&list.body, "/staff/customers/");
    let path = format!("/staff/customers/{customer}/tickets/new");
    let form = c.get(&path);
    let gold = form
        .body
        .split("<option value=\"")
        .find(|o| o.get(26..).is_some_and(|r| r.starts_with("\">Gold")))
        .unwrap();
    let product = gold[..26].to_owned();
    (path, form, product)
}

#[test]
fn a_manager_sets_the_gold_price_and_bad_input_stays_on_the_form() {
    let server = Server::demo();
    let mut clerk = signed_in(&server, CLERK);
    assert_eq!(
        clerk.get("/staff/gold-price").status,
        403,
        "clerks do not set the price"
    );
    let mut manager = signed_in(&server, MANAGER);
    let bad = set_price(&mut manager, "lots", "2026-13-01", "22 930000");
    assert_eq!(bad.status, 400);
    for message in [
        "Give a price above zero.",
        "Give the date as YYYY-MM-DD.",
        "Write each as karat: price",
    ] {
        assert!(bad.body.contains(message), "{message}: {}", bad.body);
    }
    assert!(
        bad.body.contains("value=\"lots\""),
        "the typed values are kept"
    );
    assert_eq!(
        bad.body.matches("class=\"field-error\"").count(),
        3,
        "beside each field"
    );
    let above = set_price(&mut manager, "1.000.000", &branch_today(), "22: 1.100.000");
    assert_eq!(above.status, 400, "a karat dearer than 24K is refused");
    let today = branch_today();
    let r = set_price(&mut manager, "1.000.000", &today, "18: 740.000");
    assert_eq!(r.status, 303, "{}", r.body);
    let page = manager.get("/staff/gold-price");
    assert!(
        page.body.contains("IDR 1,000,000") && page.body.contains("18: 740000"),
        "{}",
        page.body
    );
    assert!(page.body.contains("Antam buyback board"));
    // The clerk's new-ticket form shows the price and its date, without a stale warning.
    let (_, form, _) = new_ticket_form(&mut clerk);
    assert!(
        form.body.contains(&format!(
            "Gold reference price: IDR 1,000,000 a gram of 24K, from {today}."
        )),
        "{}",
        form.body
    );
    assert!(!form.body.contains("The gold price is more than"));
    // An old price is warned about.
    let r = set_price(&mut manager, "900.000", "2020-01-01", "");
    assert_eq!(r.status, 303);
    let audit = manager.get("/staff/audit");
    assert_eq!(
        audit.body.matches("gold_price.set").count(),
        2,
        "each price audited"
    );
}

#[test]
fn the_form_warns_when_the_only_price_is_old() {
    let server = Server::demo();
    let mut manager = signed_in(&server, MANAGER);
    assert_eq!(
        set_price(&mut manager, "900.000", "2020-01-01", "").status,
        303
    );
    let (_, form, _) = new_ticket_form(&mut manager);
    assert!(form.body.contains("from 2020-01-01"), "{}", form.body);
    assert!(
        form.body.contains("The gold price is more than 7 days old"),
        "{}",
        form.body
    );
}

#[test]
fn calculate_computes_the_appraisal_and_maximum_loan_without_javascript() {
    let server = Server::demo();
    let mut manager = signed_in(&server, MANAGER);
    assert_eq!(
        set_price(&mut manager, "1.000.000", &branch_today(), "").status,
        303
    );
    let mut clerk = signed_in(&server, CLERK);
    let (path, form, product) = new_ticket_form(&mut clerk);
    assert!(
        form.body.contains("name=\"calculate\""),
        "a Calculate button"
    );
    let r = clerk.post_form(
        &path,
        &[
            ("csrf", &form.csrf()),
            ("product", &product),
            ("category", "gold"),
            ("description", "Ring"),
            ("weight", "5.00"),
            ("karat", "22"),
            ("appraised", ""),
            ("principal", ""),
            ("calculate", "1"),
        ],
    );
    assert_eq!(r.status, 200, "the form again, nothing written: {}", r.body);
    // 5.00 g × 22/24 × IDR 1,000,000 = 4,583,333.33, rounded down; 90% of it = 4,124,999.7.
    assert!(
        r.body.contains(
            "At the reference price: appraised IDR 4,583,333, loan IDR 4,124,999 at most."
        ),
        "{}",
        r.body
    );
    assert!(
        r.body
            .contains("Loan for these items: IDR 4,124,999 at most."),
        "{}",
        r.body
    );
    assert!(
        r.body.contains("value=\"4583333\""),
        "the appraisal filled in: {}",
        r.body
    );
    assert!(
        r.body.contains("value=\"Ring\"") && r.body.contains("value=\"5.00\""),
        "values kept"
    );
    let tickets = clerk.get("/staff/customers?q=Budi+Rahmawati");
    assert_eq!(tickets.status, 200);
    // Writing it with the computed appraisal needs no reason.
    let r = clerk.post_form(
        &path,
        &[
            ("csrf", &form.csrf()),
            ("product", &product),
            ("category", "gold"),
            ("description", "Ring"),
            ("weight", "5.00"),
            ("karat", "22"),
            ("appraised", "4583333"),
            ("principal", "4.124.999"),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
}

#[test]
fn an_appraisal_other_than_the_computed_one_needs_a_reason_and_is_audited() {
    let server = Server::demo();
    let mut manager = signed_in(&server, MANAGER);
    assert_eq!(
        set_price(&mut manager, "1.000.000", &branch_today(), "").status,
        303
    );
    let mut clerk = signed_in(&server, CLERK);
    let (path, form, product) = new_ticket_form(&mut clerk);
    let write = |c: &mut Client, reason: &str| {
        c.post_form(
            &path,
            &[
                ("csrf", &form.csrf()),
                ("product", &product),
                ("category", "gold"),
                ("description", "Ring"),
                ("weight", "5.00"),
                ("karat", "22"),
                ("appraised", "4.000.000"),
                ("reason", reason),
                ("principal", "3.000.000"),
            ],
        )
    };
    let r = write(&mut clerk, "");
    assert_eq!(r.status, 400);
    assert!(
        r.body.contains(
            "The computed appraisal is IDR 4,583,333: give the reason for another value."
        ),
        "{}",
        r.body
    );
    assert!(
        r.body.contains("value=\"4.000.000\""),
        "the clerk's value kept"
    );
    let r = write(&mut clerk, "scratched clasp");
    assert_eq!(r.status, 303, "{}", r.body);
    let loan = id_after(r.header("location").unwrap(), "/staff/loans/");
    let audit = manager.get("/staff/audit");
    let row = audit
        .body
        .split("<tr>")
        .find(|r| r.contains("loan.appraisal_override"))
        .unwrap_or_else(|| panic!("the override is audited: {}", audit.body));
    for part in [&loan, "4583333", "4000000", "scratched clasp", "clerk"] {
        assert!(row.contains(part), "{part}: {row}");
    }
}

#[test]
fn above_the_limit_the_writer_is_refused_and_another_member_approves() {
    let server = Server::start(Options {
        demo: true,
        env: vec![(
            "PAWNBRANCH_LOANS_SECOND_APPROVAL_ABOVE".to_owned(),
            "1000000".to_owned(),
        )],
        ..Options::default()
    });
    let mut clerk = signed_in(&server, CLERK);
    let (path, form, product) = new_ticket_form(&mut clerk);
    let r = clerk.post_form(
        &path,
        &[
            ("csrf", &form.csrf()),
            ("product", &product),
            ("category", "phone"),
            ("description", "Phone"),
            ("appraised", "2.000.000"),
            ("principal", "1.500.000"),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let loan = id_after(r.header("location").unwrap(), "/staff/loans/");
    let ticket = format!("/staff/loans/{loan}");
    let page = clerk.get(&ticket);
    assert!(
        page.body.contains("Waiting for a second approval"),
        "{}",
        page.body
    );
    assert!(
        !page.body.contains("Approve and pay out"),
        "no button for the writer"
    );
    // Posting anyway is refused with the reason, and nothing is paid out.
    let r = clerk.post_form(
        &format!("{ticket}/approve"),
        &[
            ("csrf", &page.csrf()),
            ("method", "cash"),
            ("reference", ""),
        ],
    );
    assert_eq!(r.status, 403, "{}", r.body);
    assert!(
        r.body.contains("You wrote this ticket: above IDR 1,000,000, another staff member must approve and pay it out."),
        "{}",
        r.body
    );
    assert!(
        clerk.get(&ticket).body.contains("Being prepared"),
        "still waiting"
    );
    // The manager sees the button and approves.
    let mut manager = signed_in(&server, MANAGER);
    let page = manager.get(&ticket);
    assert!(page.body.contains("Waiting for a second approval"));
    assert!(page.body.contains("Approve and pay out"), "{}", page.body);
    let r = manager.post_form(
        &format!("{ticket}/approve"),
        &[
            ("csrf", &page.csrf()),
            ("method", "cash"),
            ("reference", ""),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    assert!(manager.get(&ticket).body.contains(">Active<"));
    let audit = manager.get("/staff/audit");
    let refused = audit
        .body
        .split("<tr>")
        .find(|r| r.contains("loan.approve_refused"));
    assert!(
        refused.is_some_and(|r| r.contains(&loan)),
        "the refusal is audited"
    );
    let approved = audit
        .body
        .split("<tr>")
        .find(|r| r.contains("loan.approve<") || r.contains("loan.approve </"))
        .unwrap_or_else(|| panic!("the approval is audited: {}", audit.body));
    assert!(approved.contains("second_approval"), "{approved}");
}

#[test]
fn under_the_limit_the_writer_approves_their_own_ticket() {
    let server = Server::start(Options {
        demo: true,
        env: vec![(
            "PAWNBRANCH_LOANS_SECOND_APPROVAL_ABOVE".to_owned(),
            "1000000".to_owned(),
        )],
        ..Options::default()
    });
    let mut clerk = signed_in(&server, CLERK);
    let (path, form, product) = new_ticket_form(&mut clerk);
    let r = clerk.post_form(
        &path,
        &[
            ("csrf", &form.csrf()),
            ("product", &product),
            ("category", "phone"),
            ("description", "Phone"),
            ("appraised", "2.000.000"),
            ("principal", "1.000.000"),
        ],
    );
    let loan = id_after(r.header("location").unwrap(), "/staff/loans/");
    let page = clerk.get(&format!("/staff/loans/{loan}"));
    assert!(!page.body.contains("Waiting for a second approval"));
    let r = clerk.post_form(
        &format!("/staff/loans/{loan}/approve"),
        &[
            ("csrf", &page.csrf()),
            ("method", "cash"),
            ("reference", ""),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
}

/// The sentence the form shows for its first item: "At the reference price: …".
fn quote_in(body: &str) -> String {
    let marker = "id=\"computed-0\" aria-live=\"polite\">";
    let start = body
        .find(marker)
        .expect("the first item's computed appraisal")
        + marker.len();
    let end = body[start..].find("</p>").expect("its end");
    let quote = &body[start..start + end];
    assert!(quote.starts_with("At the reference price:"), "{quote}");
    quote.to_owned()
}

#[test]
fn the_script_computes_what_the_server_computes_as_the_clerk_types() {
    let server = Server::demo();
    let mut manager = signed_in(&server, MANAGER);
    let r = set_price(&mut manager, "1.000.000", &branch_today(), "18: 740.000");
    assert_eq!(r.status, 303);
    let mut clerk = signed_in(&server, CLERK);
    let (path, form, product) = new_ticket_form(&mut clerk);
    let mut browser = crate::browser::Browser::start(server.addr, "appraisal");
    browser.goto("/staff/login");
    browser.wait_for_path("/staff/login");
    browser.type_into(&browser.find("#username"), CLERK.0);
    browser.type_into(&browser.find("#password"), CLERK.1);
    browser.click(&browser.find("form[action=\"/staff/login\"] button"));
    browser.wait_for_path("/staff");
    // Pro rata, a karat of the table, a weight to the milligram with a decimal comma, 24K.
    for (weight, karat) in [
        ("5.00", "22"),
        ("2,345", "18"),
        ("0.333", "20"),
        ("12.5", "24"),
    ] {
        let calculated = clerk.post_form(
            &path,
            &[
                ("csrf", &form.csrf()),
                ("product", &product),
                ("weight", weight),
                ("karat", karat),
                ("calculate", "1"),
            ],
        );
        let expected = quote_in(&calculated.body);
        browser.goto(&path);
        browser.wait_until("the form", || browser.text().contains("Calculate"));
        browser.click(&browser.find(&format!("option[value=\"{product}\"]")));
        browser.type_into(&browser.find("#weight"), weight);
        browser.type_into(&browser.find("#karat"), karat);
        browser.wait_until(&expected, || browser.text().contains(&expected));
    }
    browser.step("computed");
}
