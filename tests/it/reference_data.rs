//! Reference data from head office (issue 18): a head office manager edits the draft (bad
//! input stays on the page, viewers may not) and publishes it; the branch gets it at its next
//! contact, applies it and acknowledges it; its Sync page shows the version, the counter's
//! appraisal uses head office's gold price, and the watch list refuses a ticket. With the link
//! down the branch keeps working with what it has, and takes the next version once it is back.
//! On both of head office's stores.

use std::time::{Duration, Instant};

use crate::appraisal::{TicketForm, audit_row};
use crate::hq_signin::{self, RINA};
use crate::sync::{self, Fault, Plan, Proxy};
use crate::util::{self, CLERK, Client, HqStore, MANAGER, Server};

/// Head office's reference data page posted with `fields` (the page's own token).
fn post_reference(hq: &mut Client, fields: &[(&str, &str)]) -> util::Response {
    hq.submit("/reference", "/reference", fields)
}

/// The text of the textarea `name` on a page, unescaped.
fn textarea(html: &str, name: &str) -> String {
    let start = html
        .find(&format!("name=\"{name}\""))
        .expect("the textarea");
    let open = start + html[start..].find('>').expect("its tag") + 1;
    let close = open + html[open..].find("</textarea>").expect("its end");
    html[open..close]
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// Posts a change and expects it stored.
fn change(hq: &mut Client, fields: &[(&str, &str)]) {
    let r = post_reference(hq, fields);
    assert_eq!(r.status, 303, "{fields:?}: {}", r.body);
}

/// Waits until the branch's Sync page shows `version` held, and returns the page.
fn wait_for_version(manager: &mut Client, version: i64) -> String {
    let deadline = Instant::now() + Duration::from_secs(60);
    let wanted = format!("data-version=\"{version}\"");
    loop {
        let page = manager.get("/staff/sync");
        if page.body.contains(&wanted) {
            return page.body;
        }
        assert!(
            Instant::now() < deadline,
            "version {version} not received: {}",
            page.body
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// The version head office has recorded as applied at BR01.
fn acked_at_hq(hq: &Server) -> Option<i64> {
    let rows = util::HqDb::open(hq.dir.path())
        .query("SELECT version FROM reference_acks WHERE branch = 'BR01'");
    rows.first().map(|row| row[0].int())
}

/// Waits until head office holds BR01's acknowledgement of `version`.
fn wait_for_ack(hq: &Server, version: i64) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while acked_at_hq(hq) != Some(version) {
        assert!(Instant::now() < deadline, "no acknowledgement of {version}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// "Calculate" on the new-ticket form for 10 g of 24K gold: the page.
fn appraise_ten_grams(clerk: &mut Client) -> String {
    let form = TicketForm::open(clerk);
    let r = form.post(
        clerk,
        &[
            ("category", "gold"),
            ("description", "Bracelet"),
            ("weight", "10"),
            ("karat", "24"),
            ("calculate", "1"),
        ],
    );
    assert_eq!(r.status, 200, "{}", r.body);
    r.body
}

util::on_both_stores!(published_reference_data_reaches_the_branch_and_works_there_offline);

fn published_reference_data_reaches_the_branch_and_works_there_offline(store: HqStore) {
    let (hq, credential) = sync::head_office(store);
    hq_signin::add_user(hq.dir.path(), RINA.0, RINA.1);
    hq_signin::add_user(hq.dir.path(), "budi", "budi-password-2");
    let out = util::command(hq.dir.path())
        .args(["hq", "user", "role", RINA.0, "manager"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");

    // A viewer reads the page but may not change it.
    let mut viewer = hq.client();
    hq_signin::sign_in(&mut viewer, "budi", "budi-password-2");
    let page = viewer.get("/reference");
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("Only head office managers edit"),
        "{}",
        page.body
    );
    let csrf = page.csrf();
    let r = viewer.post_form("/reference", &[("csrf", &csrf), ("action", "publish")]);
    assert_eq!(r.status, 403, "{}", r.body);

    // The manager: bad input stays on the page with its reason, good input goes in the draft.
    let mut rina = hq.client();
    hq_signin::sign_in(&mut rina, RINA.0, RINA.1);
    let bad = post_reference(
        &mut rina,
        &[("action", "gold"), ("price", "lots"), ("karats", "")],
    );
    assert_eq!(bad.status, 400);
    assert!(
        bad.body.contains("Give a price above zero."),
        "{}",
        bad.body
    );
    assert!(
        bad.body.contains("value=\"lots\""),
        "the typed value is kept"
    );
    let bad = post_reference(
        &mut rina,
        &[
            ("action", "watch"),
            ("kind", "serial"),
            ("value", "SN 12345"),
            ("reason", ""),
        ],
    );
    assert_eq!(bad.status, 400);
    assert!(
        bad.body.contains("a reason of at most 200 characters"),
        "{}",
        bad.body
    );
    change(
        &mut rina,
        &[("action", "gold"), ("price", "1.500.000"), ("karats", "")],
    );
    change(
        &mut rina,
        &[
            ("action", "watch"),
            ("kind", "serial"),
            ("value", "SN-12345"),
            ("reason", "Reported stolen, police report 77"),
        ],
    );
    change(
        &mut rina,
        &[
            ("action", "holiday"),
            ("on", "2026-08-17"),
            ("name", "Hari Kemerdekaan"),
        ],
    );
    // A product: its terms in the branch's JSON, checked by the branch's rules.
    let example = textarea(&rina.get("/reference").body, "terms");
    let bad_terms = example.replace("\"term_periods\": 8", "\"term_periods\": 0");
    assert_ne!(bad_terms, example);
    let bad = post_reference(
        &mut rina,
        &[
            ("action", "product"),
            ("code", "GOLD-HQ"),
            ("active", "1"),
            ("terms", &bad_terms),
        ],
    );
    assert_eq!(bad.status, 400);
    assert!(bad.body.contains("Check the product"), "{}", bad.body);
    let terms = example.replace("Gold pawn (15-day periods, 120 days)", "Chain gold pawn");
    change(
        &mut rina,
        &[
            ("action", "product"),
            ("code", "GOLD-HQ"),
            ("active", "1"),
            ("terms", &terms),
        ],
    );
    change(&mut rina, &[("action", "publish")]);
    assert!(rina.get("/reference").body.contains("Version 1 published"));

    // The branch gets version 1 at its next contact and acknowledges it.
    let proxy = Proxy::start(hq.addr, Plan::Always(Fault::Pass));
    let branch = Server::start(sync::branch_options(&proxy, &credential, true));
    let mut manager = branch.client();
    manager.sign_in(MANAGER.0, MANAGER.1);
    wait_for_version(&mut manager, 1);
    wait_for_ack(&hq, 1);
    let health: serde_json::Value =
        serde_json::from_str(&branch.client().get("/healthz").body).unwrap();
    assert_eq!(health["sync"]["reference_version"], 1, "{health}");
    let sync_page = manager.get("/staff/sync").body;
    assert!(
        sync_page.contains("Reference data from head office"),
        "{sync_page}"
    );
    assert!(
        !sync_page.contains("Not yet: confirmed at the next contact."),
        "{sync_page}"
    );

    // Head office's product is offered, and the branch does not change it.
    let products = manager.get("/staff/products");
    assert!(
        products.body.contains("Chain gold pawn"),
        "{}",
        products.body
    );
    let conn = util::open_db(&branch.dir.path().join("pawnbranch.sqlite"));
    let id: String = conn
        .query_row(
            "SELECT id FROM loan_products WHERE hq_code = 'GOLD-HQ' AND active = 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let r = manager.post_form(
        &format!("/staff/products/{id}/toggle"),
        &[("csrf", &products.csrf())],
    );
    assert_eq!(r.status, 403, "{}", r.body);
    assert!(r.body.contains("This product is head office"), "{}", r.body);

    // The appraisal uses head office's price: 10 g of 24K at IDR 1,500,000 a gram.
    let mut clerk = branch.client();
    clerk.sign_in(CLERK.0, CLERK.1);
    let appraised = appraise_ten_grams(&mut clerk);
    assert!(
        appraised.contains("IDR 1,500,000 a gram of 24K"),
        "{appraised}"
    );
    assert!(appraised.contains("IDR 15,000,000"), "{appraised}");
    // ... and the branch no longer sets its own.
    let gold_page = manager.get("/staff/gold-price");
    assert!(
        gold_page
            .body
            .contains("Head office sets the gold reference price"),
        "{}",
        gold_page.body
    );
    let r = manager.post_form(
        "/staff/gold-price",
        &[
            ("csrf", &gold_page.csrf()),
            ("price", "900.000"),
            ("effective_on", "2026-01-01"),
            ("karats", ""),
            ("note", ""),
        ],
    );
    assert_eq!(r.status, 403, "{}", r.body);

    // The watch list refuses a ticket for the stolen serial number, audited.
    let form = TicketForm::open(&mut clerk);
    let r = form.post(
        &mut clerk,
        &[
            ("category", "phone"),
            ("description", "Phone"),
            ("marks", "sn 12345, cracked screen"),
            ("appraised", "2.000.000"),
            ("principal", "1.000.000"),
        ],
    );
    assert_eq!(r.status, 409, "{}", r.body);
    let reason = "watch list (Serial number SN12345: Reported stolen, police report 77)";
    assert!(r.body.contains(reason), "{}", r.body);
    assert!(audit_row(&mut manager, "loan.watch_list_refused").contains("SN12345"));

    // Link down: version 2 waits at head office; the branch works with version 1.
    proxy.set(Plan::Always(Fault::Refuse));
    change(
        &mut rina,
        &[("action", "gold"), ("price", "1.600.000"), ("karats", "")],
    );
    change(&mut rina, &[("action", "publish")]);
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let page = manager.get("/staff/sync").body;
        // Changes wait (the counter's own audit rows): the upload fails before reference
        // data is asked for, and says so.
        if page.contains("cannot reach head office") {
            assert!(page.contains("data-version=\"1\""), "{page}");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the failed contact is not shown: {page}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    assert!(appraise_ten_grams(&mut clerk).contains("IDR 15,000,000"));

    // Back: version 2 arrives.
    proxy.set(Plan::Always(Fault::Pass));
    wait_for_version(&mut manager, 2);
    wait_for_ack(&hq, 2);
    assert!(appraise_ten_grams(&mut clerk).contains("IDR 16,000,000"));

    // Head office stops branch products: the Products page says so and refuses a new one.
    change(&mut rina, &[("action", "settings")]);
    change(&mut rina, &[("action", "publish")]);
    wait_for_version(&mut manager, 3);
    let products = manager.get("/staff/products");
    let refusal = "Head office does not allow this branch its own products";
    assert!(products.body.contains(refusal), "{}", products.body);
    let r = manager.post_form(
        "/staff/products",
        &[
            ("csrf", &products.csrf()),
            ("name", "Own product"),
            ("rate", "1"),
            ("period_days", "30"),
            ("term_periods", "4"),
        ],
    );
    assert_eq!(r.status, 403, "{}", r.body);
    assert!(r.body.contains(refusal), "{}", r.body);
}
