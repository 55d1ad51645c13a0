//! Issue 14's remaining points through the real binary: a ticket paid out by bank transfer
//! whose payout a disbursement case marks failed and makes again (B.7), with the permissions
//! on the server, the ticket page, the ledger, the audit and the sync log; and a one-time code
//! case correcting the customer's email for an allowed typo only (seed 002 step 3); and what
//! a failed payout leaves alone: no general Reverse on it, no overdue or forfeiture while it
//! waits, and the customer's portal showing it waiting with nothing to pay.

use crate::complaints::budi;
use crate::portal::{ask_code, code_from, enter_code, portal_server_with};
use crate::util::{AGENT, CLERK, Client, MANAGER, Server, id_after, open_db};
use pawnbranch::testing::{SimConfig, Simulator};

/// Writes a gold ticket of Rp 1,000,000 for `customer` and pays it out by bank transfer.
fn ticket_by_transfer(clerk: &mut Client, customer: &str) -> String {
    let new = format!("/staff/customers/{customer}/tickets/new");
    let form = clerk.get(&new);
    let gold = form
        .body
        .split("<option value=\"")
        .find(|o| o[26..].starts_with("\">Gold"))
        .unwrap();
    let r = clerk.post_form(
        &new,
        &[
            ("csrf", &form.csrf()),
            ("product", &gold[..26]),
            ("category", "gold"),
            ("description", "Ring 5 g 22 karat"),
            ("marks", ""),
            ("appraised", "2.000.000"),
            ("principal", "1.000.000"),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let loan = id_after(r.header("location").unwrap(), "/staff/loans/");
    let page = clerk.get(&format!("/staff/loans/{loan}"));
    let r = clerk.post_form(
        &format!("/staff/loans/{loan}/approve"),
        &[
            ("csrf", &page.csrf()),
            ("method", "bank_transfer"),
            ("reference", "TRF-77"),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    loan
}

/// Opens a case of `category` on the hotline for `customer` about `loan`; its path.
fn open(agent: &mut Client, customer: &str, category: &str, loan: &str) -> String {
    let form = format!("/staff/complaints/new?customer={customer}");
    let owner = &crate::complaints::owner_on(agent, &form);
    let r = agent.submit(
        &form,
        "/staff/complaints/new",
        &[
            ("customer", customer),
            ("phone", "1"),
            ("channel", "hotline"),
            ("category", category),
            ("priority", "normal"),
            ("loan", loan),
            ("payment_code", ""),
            ("description", "The money has not arrived."),
            ("owner", owner),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    r.header("location").unwrap().to_owned()
}

fn post(c: &mut Client, case: &str, part: &str, fields: &[(&str, &str)]) -> crate::util::Response {
    let csrf = c.get(case).csrf();
    let mut all = vec![("csrf", csrf.as_str())];
    all.extend_from_slice(fields);
    c.post_form(&format!("{case}/{part}"), &all)
}

/// The value of the hidden `payout` field on a case page.
fn payout_on(page: &str) -> String {
    let at = page
        .find("name=\"payout\" value=\"")
        .expect("a payout form")
        + 21;
    page[at..at + page[at..].find('"').unwrap()].to_owned()
}

#[test]
fn a_failed_transfer_is_marked_failed_and_made_again_from_the_case_page() {
    let server = Server::demo();
    let db = open_db(&server.dir.path().join("pawnbranch.sqlite"));
    let mut clerk = server.client();
    clerk.sign_in(CLERK.0, CLERK.1);
    let customer = budi(&mut clerk);
    let loan = ticket_by_transfer(&mut clerk, &customer);
    let ticket = clerk.get(&format!("/staff/loans/{loan}"));
    assert!(
        ticket.body.contains("data-payout=\"sent\""),
        "{}",
        ticket.body
    );

    let mut agent = server.client();
    agent.sign_in(AGENT.0, AGENT.1);
    let case = open(&mut agent, &customer, "disbursement", &loan);
    let page = agent.get(&case).body;
    assert!(
        page.contains("data-payout=\"sent\"") && page.contains("TRF-77"),
        "{page}"
    );
    assert!(
        !page.contains("Mark the payout failed"),
        "an agent may not: {page}"
    );
    let payout: String = db
        .query_row(
            "SELECT id FROM disbursements WHERE loan_id = ?1",
            [&loan],
            |r| r.get(0),
        )
        .unwrap();
    let refused = post(
        &mut agent,
        &case,
        "payout-failed",
        &[("payout", &payout), ("failed_reason", "returned")],
    );
    assert_eq!(refused.status, 403, "the server checks the permission too");

    let mut manager = server.client();
    manager.sign_in(MANAGER.0, MANAGER.1);
    let page = manager.get(&case).body;
    assert_eq!(payout_on(&page), payout);
    let empty = post(
        &mut manager,
        &case,
        "payout-failed",
        &[("payout", &payout), ("failed_reason", " ")],
    );
    assert_eq!(empty.status, 400);
    assert!(
        empty.body.contains("Say why the payout failed"),
        "{}",
        empty.body
    );
    let state = |db: &rusqlite::Connection| -> String {
        db.query_row(
            "SELECT state FROM disbursements WHERE id = ?1",
            [&payout],
            |r| r.get(0),
        )
        .unwrap()
    };
    assert_eq!(state(&db), "sent", "nothing written by the refusal");

    let failed = post(
        &mut manager,
        &case,
        "payout-failed",
        &[
            ("payout", &payout),
            ("failed_reason", "Account closed at the bank"),
        ],
    );
    assert_eq!(failed.status, 303, "{}", failed.body);
    assert_eq!(state(&db), "failed");
    let page = manager.get(&case).body;
    assert!(
        page.contains("data-payout=\"failed\"") && page.contains("Account closed at the bank"),
        "{page}"
    );
    assert!(
        page.contains("Make the payout again") && !page.contains("Mark the payout failed"),
        "{page}"
    );
    let ticket = manager.get(&format!("/staff/loans/{loan}")).body;
    assert!(
        ticket.contains("the customer owes nothing on this ticket meanwhile"),
        "{ticket}"
    );
    let owed: i64 = db
        .query_row(
            "SELECT COALESCE(SUM(CASE p.side WHEN 'debit' THEN p.amount ELSE -p.amount END), 0)
             FROM ledger_postings p WHERE p.loan_id = ?1 AND p.account IN ('principal_receivable', 'interest_receivable', 'fees_receivable')",
            [&loan],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(owed, 0, "the customer owes nothing while the payout waits");

    // An agent may not pay out; the manager makes it again by mobile money.
    let refused = post(
        &mut agent,
        &case,
        "payout-again",
        &[
            ("payout", &payout),
            ("method", "mobile_money"),
            ("reference", "W-1"),
        ],
    );
    assert_eq!(refused.status, 403);
    let again = post(
        &mut manager,
        &case,
        "payout-again",
        &[
            ("payout", &payout),
            ("method", "mobile_money"),
            ("reference", "WAL-9"),
        ],
    );
    assert_eq!(again.status, 303, "{}", again.body);
    assert_eq!(state(&db), "made_again");
    let page = manager.get(&case).body;
    assert!(
        page.contains("data-payout=\"made_again\"") && page.contains("WAL-9"),
        "{page}"
    );
    assert!(
        page.contains("Made again: Mobile money"),
        "the timeline: {page}"
    );
    let ticket = manager.get(&format!("/staff/loans/{loan}")).body;
    assert!(
        !ticket.contains("owes nothing on this ticket meanwhile"),
        "{ticket}"
    );

    for action in ["disbursement.failed", "disbursement.made_again"] {
        let n: i64 = db
            .query_row(
                "SELECT count(*) FROM audit_log WHERE action = ?1",
                [action],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(n, 1, "{action}");
    }
    let synced: i64 = db
        .query_row(
            "SELECT count(*) FROM sync_log WHERE entity = 'disbursements'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(
        synced >= 4,
        "inserts and updates logged for head office: {synced}"
    );
}

#[test]
fn a_one_time_code_case_corrects_only_an_allowed_email_typo() {
    let server = Server::demo();
    let db = open_db(&server.dir.path().join("pawnbranch.sqlite"));
    let mut agent = server.client();
    agent.sign_in(AGENT.0, AGENT.1);
    let customer = budi(&mut agent);
    db.execute(
        "UPDATE customers SET email = 'budi.r@gmial.com' WHERE id = ?1",
        [&customer],
    )
    .unwrap();
    let case = open(&mut agent, &customer, "one_time_code", "");
    let page = agent.get(&case).body;
    assert!(
        page.contains("Typos staff may correct") && page.contains("gmial.com"),
        "{page}"
    );
    let email = |db: &rusqlite::Connection| -> String {
        db.query_row(
            "SELECT email FROM customers WHERE id = ?1",
            [&customer],
            |r| r.get(0),
        )
        .unwrap()
    };
    for wrong in ["budi@gmail.com", "budi.r@yahoo.com", "budi.r@gmial.com"] {
        let r = post(&mut agent, &case, "email-typo", &[("email", wrong)]);
        assert_eq!(r.status, 400, "{wrong}");
        assert!(
            r.body.contains("Not an allowed correction"),
            "{wrong}: {}",
            r.body
        );
        assert!(
            r.body.contains(&format!("value=\"{wrong}\"")),
            "what was typed stays"
        );
        assert_eq!(email(&db), "budi.r@gmial.com", "{wrong}");
    }
    let r = post(
        &mut agent,
        &case,
        "email-typo",
        &[("email", "budi.r@gmail.com")],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(email(&db), "budi.r@gmail.com");
    let unverified: Option<String> = db
        .query_row(
            "SELECT email_verified_at FROM customers WHERE id = ?1",
            [&customer],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(unverified, None, "a corrected address is proved again");
    let page = agent.get(&case).body;
    assert!(
        page.contains("budi.r@gmial.com → budi.r@gmail.com"),
        "the timeline: {page}"
    );
    let audited: i64 = db
        .query_row(
            "SELECT count(*) FROM audit_log WHERE action = 'complaint.email_correction'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(audited, 1);
}

/// The payout steps (a failed payout: its state and the "make again" form) and the email
/// typo table at a phone's width, in English and in Bahasa Indonesia: nothing wider than the
/// screen, every field labelled.
#[test]
fn the_payout_and_typo_steps_fit_a_phone_in_both_languages() {
    let server = Server::demo();
    let mut clerk = server.client();
    clerk.sign_in(CLERK.0, CLERK.1);
    let customer = budi(&mut clerk);
    let loan = ticket_by_transfer(&mut clerk, &customer);
    let mut manager = server.client();
    manager.sign_in(MANAGER.0, MANAGER.1);
    let payouts = open(&mut manager, &customer, "disbursement", &loan);
    let sent = manager.get(&payouts).body;
    let failed = post(
        &mut manager,
        &payouts,
        "payout-failed",
        &[
            ("payout", &payout_on(&sent)),
            ("failed_reason", "Account closed at the bank"),
        ],
    );
    assert_eq!(failed.status, 303, "{}", failed.body);
    let typos = open(&mut manager, &customer, "one_time_code", "");
    let mut browser = crate::browser::Browser::start(server.addr, "payouts");
    browser.sign_in_staff(MANAGER);
    for (lang, again, table) in [
        ("en", "Make the payout again", "Typos staff may correct"),
        (
            "id",
            "Lakukan ulang pencairan",
            "Salah ketik yang boleh diperbaiki staf",
        ),
    ] {
        browser.goto(&format!("/lang/{lang}?next={payouts}"));
        browser.wait_until("the failed payout", || browser.text().contains(again));
        browser.step(&format!("payout-{lang}"));
        browser.goto(&typos);
        browser.click(&browser.find("details.email-typos summary"));
        browser.wait_until("the typo table", || browser.text().contains(table));
        browser.step(&format!("typos-{lang}"));
    }
}

/// The ledger row of a ticket's first payout.
fn payout_row(db: &rusqlite::Connection, loan: &str) -> String {
    db.query_row(
        "SELECT ledger_id FROM disbursements WHERE loan_id = ?1 ORDER BY sent_at LIMIT 1",
        [loan],
        |r| r.get(0),
    )
    .unwrap()
}

fn state_of(db: &rusqlite::Connection, loan: &str) -> String {
    db.query_row("SELECT state FROM loans WHERE id = ?1", [loan], |r| {
        r.get(0)
    })
    .unwrap()
}

/// The text of the `<dd>` after `<dt>{label}</dt>`.
fn dd_after<'a>(html: &'a str, label: &str) -> &'a str {
    let marker = format!("<dt>{label}</dt><dd>");
    let at = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no {label} in {html}"))
        + marker.len();
    &html[at..at + html[at..].find("</dd>").unwrap()]
}

#[test]
fn a_failed_payout_is_not_reversed_by_hand_does_not_go_overdue_and_waits_on_the_portal() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("modem");
    let sim = Simulator::start(&link, SimConfig::default()).unwrap();
    let server = portal_server_with(&link, None);
    let db = open_db(&server.dir.path().join("pawnbranch.sqlite"));
    let mut clerk = server.client();
    clerk.sign_in(CLERK.0, CLERK.1);
    let customer = budi(&mut clerk);
    let waiting = ticket_by_transfer(&mut clerk, &customer);
    let sent = ticket_by_transfer(&mut clerk, &customer);
    let mut manager = server.client();
    manager.sign_in(MANAGER.0, MANAGER.1);

    // The manager's general Reverse is neither offered on a transfer nor taken by the server.
    let reverse_form = |row: &str| format!("action=\"/staff/ledger/{row}/reverse\"");
    let row = payout_row(&db, &waiting);
    let page = manager.get(&format!("/staff/loans/{waiting}"));
    assert!(page.body.contains("Take a payment"), "{}", page.body);
    assert!(!page.body.contains(&reverse_form(&row)), "{}", page.body);
    let r = manager.post_form(
        &format!("/staff/ledger/{row}/reverse"),
        &[("csrf", &page.csrf()), ("reason", "wrong ticket")],
    );
    assert_eq!(r.status, 409, "{}", r.body);
    assert!(
        r.body.contains("use “Mark the payout failed”"),
        "{}",
        r.body
    );
    assert_eq!(state_of(&db, &waiting), "active");
    let reversals = |db: &rusqlite::Connection| -> i64 {
        db.query_row(
            "SELECT count(*) FROM ledger WHERE kind = 'reversal'",
            [],
            |r| r.get(0),
        )
        .unwrap()
    };
    let before = reversals(&db);

    // Marked failed from a disbursement case; the reversal it wrote is not reversed by hand.
    let case = open(&mut manager, &customer, "disbursement", &waiting);
    let page = manager.get(&case).body;
    let failed = post(
        &mut manager,
        &case,
        "payout-failed",
        &[
            ("payout", &payout_on(&page)),
            ("failed_reason", "Account closed at the bank"),
        ],
    );
    assert_eq!(failed.status, 303, "{}", failed.body);
    assert_eq!(reversals(&db), before + 1);
    let reversal: String = db
        .query_row(
            "SELECT reversal_id FROM disbursements WHERE loan_id = ?1",
            [&waiting],
            |r| r.get(0),
        )
        .unwrap();
    let page = manager.get(&format!("/staff/loans/{waiting}"));
    assert!(
        !page.body.contains("/reverse\""),
        "no Reverse left: {}",
        page.body
    );
    let r = manager.post_form(
        &format!("/staff/ledger/{reversal}/reverse"),
        &[("csrf", &page.csrf()), ("reason", "undo the failure")],
    );
    assert_eq!(r.status, 409, "{}", r.body);
    assert!(r.body.contains("“Make the payout again”"), "{}", r.body);
    assert_eq!(reversals(&db), before + 1, "nothing written");

    // A year later: the transfer that reached the customer is forfeited, the one that did not
    // waits, Active, owing nothing.
    server.advance_clock(365 * 86_400);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while state_of(&db, &sent) != "forfeited" {
        assert!(
            std::time::Instant::now() < deadline,
            "the states pass did not run"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert_eq!(state_of(&db, &waiting), "active");

    // The customer's portal, in both languages: the payout waiting, nothing to pay or extend.
    let mut budi = server.client();
    assert_eq!(ask_code(&mut budi, "0812-1000-7919").status, 303);
    let code = code_from(&sim, "+6281210007919", 1);
    assert_eq!(enter_code(&mut budi, &code).header("location"), Some("/my"));
    let loan = format!("/my/loans/{waiting}");
    for (lang, notice, due, balance) in [
        (
            "en",
            "The money of this loan did not reach you",
            "Amount due today",
            "Loan balance",
        ),
        (
            "id",
            "Uang pinjaman ini belum sampai kepada Anda",
            "Tagihan hari ini",
            "Sisa pinjaman",
        ),
    ] {
        assert_eq!(budi.get(&format!("/lang/{lang}?next=/my")).status, 303);
        let mine = budi.get("/my").body;
        let card = &mine[mine
            .find(&format!("href=\"{loan}\""))
            .unwrap()
            .saturating_sub(1500)..];
        assert!(card.contains(notice), "{lang}: {mine}");
        let page = budi.get(&loan);
        assert_eq!(page.status, 200);
        assert!(page.body.contains(notice), "{lang}: {}", page.body);
        assert!(
            dd_after(&page.body, due).ends_with(" 0"),
            "{lang}: {}",
            page.body
        );
        assert!(
            dd_after(&page.body, balance).ends_with(" 0"),
            "{lang}: {}",
            page.body
        );
        assert!(
            !page.body.contains(&format!("{loan}/extend")),
            "{lang}: {}",
            page.body
        );
        let extend = budi.get(&format!("{loan}/extend"));
        assert_eq!(extend.status, 409, "{lang}: {}", extend.body);
        assert!(extend.body.contains(notice), "{lang}: {}", extend.body);
        let r = budi.post_form(&format!("{loan}/extend"), &[("csrf", &page.csrf())]);
        assert_eq!(r.status, 409, "{lang}: {}", r.body);
    }
    let codes: i64 = db
        .query_row(
            "SELECT count(*) FROM payment_codes WHERE loan_id = ?1",
            [&waiting],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(codes, 0, "no payment code for a ticket whose payout waits");
}
