//! Gold appraisal at the counter and the second pair of eyes (issue 13, point 7): a manager
//! sets the gold reference price (bad input stays on the form), the new-ticket form shows it
//! and computes each gold item's appraisal and maximum loan with its "Calculate" button (no
//! JavaScript) and, through its script, as the clerk types (the same numbers); an appraisal
//! other than the computed one needs a reason and is audited; a ticket above
//! `[loans] second_approval_above` is refused to the clerk who wrote it and approved by
//! another member.

use crate::util::{CLERK, Client, MANAGER, Options, Response, Server, id_after};

/// Signs in as `who` on `server`.
fn signed_in(server: &Server, who: (&str, &str)) -> Client {
    let mut c = server.client();
    c.sign_in(who.0, who.1);
    c
}

/// Sets the gold price as a manager; the response.
fn set_price(c: &mut Client, price: &str, date: &str, karats: &str) -> Response {
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

/// A demo branch whose manager has set IDR 1,000,000 a gram of 24K for today, with
/// `karats` (e.g. "18: 740.000").
fn branch_with_price(karats: &str) -> Server {
    let server = Server::demo();
    let mut manager = signed_in(&server, MANAGER);
    let r = set_price(&mut manager, "1.000.000", &branch_today(), karats);
    assert_eq!(r.status, 303, "{}", r.body);
    server
}

/// A demo branch where tickets above IDR 1,000,000 need a second approver.
fn branch_with_second_approval() -> Server {
    Server::start(Options {
        demo: true,
        env: vec![(
            "PAWNBRANCH_LOANS_SECOND_APPROVAL_ABOVE".to_owned(),
            "1000000".to_owned(),
        )],
        ..Options::default()
    })
}

/// The new-ticket form of demo customer Budi (verified phone), for the gold product.
pub(crate) struct TicketForm {
    path: String,
    pub(crate) page: Response,
    product: String,
}

impl TicketForm {
    pub(crate) fn open(c: &mut Client) -> TicketForm {
        let list = c.get("/staff/customers?q=Budi+Rahmawati");
        let customer = id_after(&list.body, "/staff/customers/");
        let path = format!("/staff/customers/{customer}/tickets/new");
        let page = c.get(&path);
        let gold = page
            .body
            .split("<option value=\"")
            .find(|o| o.get(26..).is_some_and(|r| r.starts_with("\">Gold")))
            .unwrap();
        let product = gold[..26].to_owned();
        TicketForm {
            path,
            page,
            product,
        }
    }

    /// Posts the form with `fields` (its token and the gold product added).
    pub(crate) fn post(&self, c: &mut Client, fields: &[(&str, &str)]) -> Response {
        let csrf = self.page.csrf();
        let mut all = vec![("csrf", csrf.as_str()), ("product", self.product.as_str())];
        all.extend_from_slice(fields);
        c.post_form(&self.path, &all)
    }

    /// Writes a ticket on a phone appraised at IDR 2,000,000; the ticket's page path.
    fn write_phone_ticket(&self, c: &mut Client, principal: &str) -> String {
        let r = self.post(
            c,
            &[
                ("category", "phone"),
                ("description", "Phone"),
                ("appraised", "2.000.000"),
                ("principal", principal),
            ],
        );
        assert_eq!(r.status, 303, "{}", r.body);
        format!(
            "/staff/loans/{}",
            id_after(r.header("location").unwrap(), "/staff/loans/")
        )
    }
}

/// Presses "Approve and pay out" on a ticket's page (posting it even when not shown).
fn approve(c: &mut Client, ticket: &str) -> Response {
    let page = c.get(ticket);
    c.post_form(
        &format!("{ticket}/approve"),
        &[
            ("csrf", &page.csrf()),
            ("method", "cash"),
            ("reference", ""),
        ],
    )
}

/// The audit log row of `action`.
pub(crate) fn audit_row(c: &mut Client, action: &str) -> String {
    let audit = c.get("/staff/audit");
    audit
        .body
        .split("<tr>")
        .find(|r| r.contains(&format!(">{action}<")))
        .unwrap_or_else(|| panic!("{action} is audited: {}", audit.body))
        .to_owned()
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
    let today = branch_today();
    let dearer = set_price(&mut manager, "1.000.000", &today, "22: 1.100.000");
    assert_eq!(dearer.status, 400, "a karat dearer than 24K is refused");
    let r = set_price(&mut manager, "1.000.000", &today, "18: 740.000");
    assert_eq!(r.status, 303, "{}", r.body);
    let page = manager.get("/staff/gold-price");
    for part in ["IDR 1,000,000", "18: 740000", "Antam buyback board"] {
        assert!(page.body.contains(part), "{part}: {}", page.body);
    }
    assert!(audit_row(&mut manager, "gold_price.set").contains("740000"));
    // The clerk's new-ticket form shows the price and its date, without a stale warning.
    let form = TicketForm::open(&mut clerk);
    let line = format!("Gold reference price: IDR 1,000,000 a gram of 24K, from {today}.");
    assert!(form.page.body.contains(&line), "{}", form.page.body);
    assert!(!form.page.body.contains("The gold price is more than"));
}

#[test]
fn the_form_warns_when_the_price_is_old() {
    let server = Server::demo();
    let mut manager = signed_in(&server, MANAGER);
    assert_eq!(
        set_price(&mut manager, "900.000", "2020-01-01", "").status,
        303
    );
    let form = TicketForm::open(&mut manager);
    assert!(
        form.page.body.contains("from 2020-01-01"),
        "{}",
        form.page.body
    );
    assert!(
        form.page
            .body
            .contains("The gold price is more than 7 days old"),
        "{}",
        form.page.body
    );
}

#[test]
fn calculate_computes_the_appraisal_and_maximum_loan_without_javascript() {
    let server = branch_with_price("");
    let mut clerk = signed_in(&server, CLERK);
    let form = TicketForm::open(&mut clerk);
    assert!(
        form.page.body.contains("name=\"calculate\""),
        "a Calculate button"
    );
    let gold = [
        ("category", "gold"),
        ("description", "Ring"),
        ("weight", "5.00"),
        ("karat", "22"),
    ];
    let r = form.post(&mut clerk, &[&gold[..], &[("calculate", "1")]].concat());
    assert_eq!(r.status, 200, "the form again, nothing written: {}", r.body);
    // 5.00 g × 22/24 × IDR 1,000,000 = 4,583,333.33, rounded down; 90% of it = 4,124,999.7.
    for sentence in [
        "At the reference price: appraised IDR 4,583,333, loan IDR 4,124,999 at most.",
        "Loan for these items: IDR 4,124,999 at most.",
    ] {
        assert!(r.body.contains(sentence), "{sentence}: {}", r.body);
    }
    assert!(
        r.body.contains("value=\"4,583,333\""),
        "the appraisal filled in, grouped: {}",
        r.body
    );
    assert!(
        r.body.contains("value=\"Ring\"") && r.body.contains("value=\"5.00\""),
        "values kept"
    );
    // A weight or karat that is not a number is said so, on the same form.
    let r = form.post(
        &mut clerk,
        &[("weight", "five"), ("karat", "22"), ("calculate", "1")],
    );
    assert_eq!(r.status, 400);
    assert!(r.body.contains("Check the item's numbers"), "{}", r.body);
    // Writing it at the computed appraisal needs no reason.
    let fields = [("appraised", "4583333"), ("principal", "4.124.999")];
    let r = form.post(&mut clerk, &[&gold[..], &fields].concat());
    assert_eq!(r.status, 303, "{}", r.body);
}

#[test]
fn an_appraisal_other_than_the_computed_one_needs_a_reason_and_is_audited() {
    let server = branch_with_price("");
    let mut clerk = signed_in(&server, CLERK);
    let form = TicketForm::open(&mut clerk);
    let write = |c: &mut Client, reason: &str| {
        form.post(
            c,
            &[
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
    let message = "The computed appraisal is IDR 4,583,333: give the reason for another value.";
    assert!(r.body.contains(message), "{}", r.body);
    assert!(
        r.body.contains("value=\"4.000.000\""),
        "the clerk's value kept"
    );
    let r = write(&mut clerk, "scratched clasp");
    assert_eq!(r.status, 303, "{}", r.body);
    let loan = id_after(r.header("location").unwrap(), "/staff/loans/");
    let row = audit_row(&mut signed_in(&server, MANAGER), "loan.appraisal_override");
    for part in [&loan, "4583333", "4000000", "scratched clasp", "clerk"] {
        assert!(row.contains(part), "{part}: {row}");
    }
}

#[test]
fn above_the_limit_the_writer_is_refused_and_another_member_approves() {
    let server = branch_with_second_approval();
    let mut clerk = signed_in(&server, CLERK);
    let ticket = TicketForm::open(&mut clerk).write_phone_ticket(&mut clerk, "1.500.000");
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
    let r = approve(&mut clerk, &ticket);
    assert_eq!(r.status, 403, "{}", r.body);
    let reason = "You wrote this ticket: above IDR 1,000,000, another staff member must approve and pay it out.";
    assert!(r.body.contains(reason), "{}", r.body);
    assert!(
        clerk.get(&ticket).body.contains("Being prepared"),
        "still waiting"
    );
    // The manager sees the button and approves.
    let mut manager = signed_in(&server, MANAGER);
    let page = manager.get(&ticket);
    assert!(page.body.contains("Waiting for a second approval"));
    assert!(page.body.contains("Approve and pay out"), "{}", page.body);
    let r = approve(&mut manager, &ticket);
    assert_eq!(r.status, 303, "{}", r.body);
    assert!(manager.get(&ticket).body.contains(">Active<"));
    let loan = id_after(&ticket, "/staff/loans/");
    assert!(audit_row(&mut manager, "loan.approve_refused").contains(&loan));
    let approved = audit_row(&mut manager, "loan.approve");
    assert!(
        approved.contains(&loan) && approved.contains("&quot;second_approval&quot;:true"),
        "{approved}"
    );
}

#[test]
fn under_the_limit_the_writer_approves_their_own_ticket() {
    let server = branch_with_second_approval();
    let mut clerk = signed_in(&server, CLERK);
    let ticket = TicketForm::open(&mut clerk).write_phone_ticket(&mut clerk, "1.000.000");
    let page = clerk.get(&ticket);
    assert!(!page.body.contains("Waiting for a second approval"));
    assert_eq!(approve(&mut clerk, &ticket).status, 303);
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
    let server = branch_with_price("18: 740.000");
    let mut clerk = signed_in(&server, CLERK);
    let form = TicketForm::open(&mut clerk);
    let mut browser = crate::browser::Browser::start(server.addr, "appraisal");
    browser.sign_in_staff(CLERK);
    // Pro rata, a karat of the table, a weight to the milligram with a decimal comma, 24K.
    for (weight, karat) in [
        ("5.00", "22"),
        ("2,345", "18"),
        ("0.333", "20"),
        ("12.5", "24"),
    ] {
        let calculated = form.post(
            &mut clerk,
            &[("weight", weight), ("karat", karat), ("calculate", "1")],
        );
        let expected = quote_in(&calculated.body);
        browser.goto(&form.path);
        browser.wait_until("the form", || browser.text().contains("Calculate"));
        browser.click(&browser.find(&format!("option[value=\"{}\"]", form.product)));
        browser.type_into(&browser.find("#weight"), weight);
        browser.type_into(&browser.find("#karat"), karat);
        browser.wait_until(&expected, || browser.text().contains(&expected));
    }
    browser.step("computed");
}
