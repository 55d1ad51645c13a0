//! Extending a loan with a payment code (seed 003): the customer's loans and a ticket's detail
//! in the portal, the extension shown before anything happens, the payment code and its
//! instructions, another customer refused, the counter finding and confirming the code (once),
//! the ledger, the customer's SMS, and a code outdated by a new interest period.

use std::path::Path;
use std::time::{Duration, Instant};

use chrono::NaiveDate;

use crate::portal::{ask_code, code_from, enter_code};
use crate::util::{AGENT, CLERK, Client, MANAGER, Options, Server, reader_date};
use pawnbranch::testing::{SimConfig, Simulator};

/// Demo customer 1, Budi Rahmawati: verified phone, an Active gold ticket (11 days old,
/// Rp 700,000) and an electronics ticket under notice.
const BUDI: &str = "0812-1000-7919";
const BUDI_E164: &str = "+6281210007919";
/// Demo customer 2, Ayu Rahmawati: verified phone, tickets of her own.
const AYU: &str = "0812-1001-5838";
const AYU_E164: &str = "+6281210015838";
/// The branch's bank account, as configured for the test.
const BANK: &str = "BCA 123-456-7890 a.n. PT Demo Gadai";

/// A demo server with the simulator as its modem, a movable clock, a bank account for
/// transfers (and no mobile money), and payment codes valid for `validity_hours`.
fn payments_server(link: &Path, validity_hours: u32) -> Server {
    let env = [
        ("PAWNBRANCH_MODEM_DEVICE", link.display().to_string()),
        ("PAWNBRANCH_MODEM_BULK_INTERVAL_MS", "0".to_owned()),
        ("PAWNBRANCH_PAYMENTS_BANK_ACCOUNT", BANK.to_owned()),
        (
            "PAWNBRANCH_PAYMENTS_CODE_VALIDITY_HOURS",
            validity_hours.to_string(),
        ),
    ];
    Server::start(Options {
        demo: true,
        movable_clock: true,
        env: env.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
        ..Options::default()
    })
}

/// Logs a customer in with the `n`th code sent to their phone.
fn log_in(server: &Server, sim: &Simulator, typed: &str, e164: &str, n: usize) -> Client {
    let mut c = server.client();
    assert_eq!(ask_code(&mut c, typed).status, 303);
    let code = code_from(sim, e164, n);
    let r = enter_code(&mut c, &code);
    assert_eq!(r.header("location"), Some("/my"), "{}", r.body);
    c
}

/// A page without the `?next=` of its language links.
fn without_next(html: &str) -> String {
    html.split("?next=")
        .enumerate()
        .map(|(i, part)| {
            if i == 0 {
                part
            } else {
                &part[part.find('"').unwrap_or(0)..]
            }
        })
        .collect()
}

/// The text of the `<dd>` after `<dt>{label}</dt>`, tags removed.
fn dd_after(html: &str, label: &str) -> String {
    let marker = format!("<dt>{label}</dt>");
    let at = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no {label} in {html}"));
    let rest = &html[at + marker.len()..];
    let start = rest.find("<dd>").unwrap() + "<dd>".len();
    let end = rest.find("</dd>").unwrap();
    let mut text = String::new();
    let mut in_tag = false;
    for ch in rest[start..end].chars() {
        match ch {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => text.push(c),
            _ => (),
        }
    }
    text
}

/// A date as pages write it.
/// A date as an English page writes it ("1 Dec 2026").
fn date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text.trim(), "%d %b %Y").unwrap_or_else(|_| panic!("{text:?}"))
}

/// The 26-character id after `prefix` in `text`.
fn id_after(text: &str, prefix: &str) -> String {
    text.split(prefix)
        .nth(1)
        .unwrap_or_else(|| panic!("no {prefix} in {text}"))[..26]
        .to_owned()
}

/// The messages the simulator has delivered to `to` that contain `needle`, waiting up to 20 s
/// for at least one.
fn texts_to(sim: &Simulator, to: &str, needle: &str) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let texts: Vec<String> = sim
            .received()
            .into_iter()
            .filter(|m| m.to == to && m.text.contains(needle))
            .map(|m| m.text)
            .collect();
        if !texts.is_empty() || Instant::now() > deadline {
            return texts;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Counts rows in the server's database.
fn count(server: &Server, sql: &str, param: &str) -> i64 {
    let conn = rusqlite::Connection::open(server.dir.path().join("pawnbranch.sqlite")).unwrap();
    conn.busy_timeout(Duration::from_secs(10)).unwrap();
    conn.query_row(sql, [param], |r| r.get(0)).unwrap()
}

#[test]
fn a_customer_extends_with_a_payment_code_the_counter_confirms_it_once() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("modem");
    let sim = Simulator::start(&link, SimConfig::default()).unwrap();
    let server = payments_server(&link, 24);
    let mut budi = log_in(&server, &sim, BUDI, BUDI_E164, 1);

    // My loans: every current ticket with its amount due today, overdue first.
    let my = budi.get("/my");
    assert_eq!(my.status, 200);
    let cards: Vec<&str> = my.body.split("<li class=\"card\">").skip(1).collect();
    assert_eq!(cards.len(), 2, "{}", my.body);
    assert!(
        cards[0].contains("Samsung")
            && cards[0].contains("badge bad")
            && cards[0].contains("Overdue"),
        "the ticket under notice comes first, marked overdue: {}",
        cards[0]
    );
    let gold = cards[1];
    assert!(
        gold.contains("Gold necklace") && gold.contains("IDR 700,000"),
        "{gold}"
    );
    // 1.15% of Rp 700,000 for the first 15-day period (8,050, up to the starter product's Rp 100:
    // 8,100), and the Rp 5,000 ticket fee.
    assert!(
        gold.contains("Amount due today") && gold.contains("IDR 13,100"),
        "{gold}"
    );
    let loan = id_after(gold, "/my/loans/");
    let closed = budi.get("/my?tab=closed");
    assert!(
        closed.body.contains("You have no closed loans.") && !closed.body.contains("Gold necklace"),
        "{}",
        closed.body
    );

    // The detail: summary, no payments yet, and the way to extend.
    let detail_path = format!("/my/loans/{loan}");
    let detail = budi.get(&detail_path);
    assert_eq!(detail.status, 200, "{}", detail.body);
    for label in [
        "Loan balance",
        "Applied amount",
        "Interest amount",
        "Start date",
        "End date",
    ] {
        assert!(detail.body.contains(label), "{label}: {}", detail.body);
    }
    assert_eq!(dd_after(&detail.body, "Applied amount"), "IDR 700,000");
    assert_eq!(dd_after(&detail.body, "Interest amount"), "IDR 8,100");
    assert_eq!(dd_after(&detail.body, "Loan balance"), "IDR 713,100");
    assert!(dd_after(&detail.body, "Product").starts_with("Gold pawn"));
    assert!(detail.body.contains("No payments yet.") && detail.body.contains("Extend this loan"));
    let maturity = date(&dd_after(&detail.body, "End date"));

    // Extend: the exact amount and the new due date, before anything happens.
    let extend_path = format!("{detail_path}/extend");
    let extend = budi.get(&extend_path);
    assert_eq!(extend.status, 200, "{}", extend.body);
    assert_eq!(dd_after(&extend.body, "Amount to pay"), "IDR 13,100");
    assert_eq!(date(&dd_after(&extend.body, "Current due date")), maturity);
    let new_maturity = maturity + chrono::Duration::days(8 * 15);
    assert_eq!(date(&dd_after(&extend.body, "New due date")), new_maturity);
    assert!(extend.body.contains("Nothing changes yet"));
    let r = budi.submit(&extend_path, &extend_path, &[]);
    assert_eq!(r.status, 303, "{}", r.body);
    let code_path = r.header("location").unwrap().to_owned();
    assert!(
        code_path.starts_with(&format!("{detail_path}/code/")),
        "{code_path}"
    );
    let code = code_path.rsplit('/').next().unwrap().to_owned();
    assert_eq!(code.len(), 8);
    let shown = format!("{}-{}", &code[..4], &code[4..]);

    // The code page: the code, the amount, and each channel the branch offers.
    let page = budi.get(&code_path);
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains(&shown) && page.body.contains("IDR 13,100"));
    assert!(page.body.contains("Waiting for payment"));
    assert!(page.body.contains("At the counter"));
    assert!(
        page.body.contains("Bank transfer") && page.body.contains(BANK),
        "the configured bank account: {}",
        page.body
    );
    assert!(
        !page.body.contains("Mobile money"),
        "no mobile money number is configured"
    );
    // Asking again gives the same code, not a second one.
    let again = budi.submit(&extend_path, &extend_path, &[]);
    assert_eq!(again.header("location"), Some(code_path.as_str()));
    assert_eq!(
        count(
            &server,
            "SELECT COUNT(*) FROM payment_codes WHERE loan_id = ?1",
            &loan
        ),
        1
    );
    // Nothing happened to the ticket yet; the detail says what it waits for.
    let detail = budi.get(&detail_path);
    assert!(
        detail
            .body
            .contains(&format!("Waiting for payment: code {shown}, valid until")),
        "{}",
        detail.body
    );
    assert_eq!(date(&dd_after(&detail.body, "End date")), maturity);

    // Another customer can neither read nor extend Budi's ticket, nor see the code: 404, the
    // same as for a ticket that does not exist.
    let mut ayu = log_in(&server, &sim, AYU, AYU_E164, 1);
    let missing = ayu.get("/my/loans/01ARZ3NDEKTSV4RRFFQ69G5FAV");
    assert_eq!(missing.status, 404);
    for path in [&detail_path, &extend_path, &code_path] {
        let r = ayu.get(path);
        assert_eq!(r.status, 404, "{path}");
        // The same page but for the language switch, which comes back to the path asked.
        assert_eq!(
            without_next(&r.body),
            without_next(&missing.body),
            "{path} looks like a missing ticket"
        );
        assert!(!r.body.contains("Gold necklace") && !r.body.contains(&shown));
    }
    let r = ayu.submit("/my", &extend_path, &[]);
    assert_eq!(r.status, 404, "{}", r.body);
    assert_eq!(
        count(
            &server,
            "SELECT COUNT(*) FROM payment_codes WHERE loan_id = ?1",
            &loan
        ),
        1
    );
    // A redeemed ticket is on the closed tab only (demo customer 6, Wulan Rahmawati).
    let mut wulan = log_in(&server, &sim, "0812-1004-7514", "+6281210047514", 1);
    let current = wulan.get("/my");
    assert!(
        current.body.contains("You have no current loans."),
        "{}",
        current.body
    );
    let closed = wulan.get("/my?tab=closed");
    assert!(
        closed.body.contains("Redeemed") && closed.body.contains("/my/loans/"),
        "{}",
        closed.body
    );
    let redeemed = wulan.get(&format!(
        "/my/loans/{}",
        id_after(&closed.body, "/my/loans/")
    ));
    assert_eq!(redeemed.status, 200);
    assert!(
        !redeemed.body.contains("Extend this loan") && !redeemed.body.contains("Loan balance"),
        "{}",
        redeemed.body
    );
    assert_eq!(wulan.get(&detail_path).status, 404);

    // Signed out, the loan pages lead to the login.
    assert_eq!(
        server.client().get(&detail_path).header("location"),
        Some("/login")
    );

    let mut clerk = server.client();
    clerk.sign_in(CLERK.0, CLERK.1);
    assert!(
        clerk
            .get("/staff")
            .body
            .contains("href=\"/staff/payments\"")
    );
    // Found by the code as the customer reads it out, by ticket number, or by name.
    let search = format!("/staff/payments?q={}", shown.to_lowercase());
    let found = clerk.get(&search);
    assert_eq!(found.status, 200);
    assert!(
        found.body.contains(&shown)
            && found.body.contains("Budi Rahmawati")
            && found.body.contains("IDR 13,100")
            && found.body.contains("Confirm payment"),
        "{}",
        found.body
    );
    // A call agent looks the code up (seed 003, C and D) but cannot confirm it: only those
    // who take payments can.
    let mut agent = server.client();
    agent.sign_in(AGENT.0, AGENT.1);
    let looked_up = agent.get(&search);
    assert_eq!(looked_up.status, 200);
    assert!(
        looked_up.body.contains(&shown) && looked_up.body.contains("Budi Rahmawati"),
        "{}",
        looked_up.body
    );
    assert!(
        !looked_up.body.contains("Confirm payment"),
        "{}",
        looked_up.body
    );
    let refused = agent.submit(
        &search,
        &format!("/staff/payments/{code}/confirm"),
        &[("method", "cash")],
    );
    assert_eq!(refused.status, 403, "{}", refused.body);
    let ticket_no = dd_after(&found.body, "Ticket");
    for q in [ticket_no.as_str(), "budi+rahmawati", "081210007919"] {
        let r = clerk.get(&format!("/staff/payments?q={q}"));
        assert!(
            r.body.contains(&ticket_no) && r.body.contains(&shown),
            "{q}: {}",
            r.body
        );
    }
    let r = clerk.get("/staff/payments?q=ZZZZ-ZZZZ");
    assert!(
        r.body.contains("There is no payment code ZZZZ-ZZZZ"),
        "{}",
        r.body
    );

    // Confirm: the extension is taken, the receipt shows the code.
    let confirm = format!("/staff/payments/{code}/confirm");
    let r = clerk.submit(&search, &confirm, &[("method", "bank_transfer")]);
    assert_eq!(r.status, 303, "{}", r.body);
    let receipt_path = r.header("location").unwrap().to_owned();
    assert!(receipt_path.starts_with(&format!("/staff/loans/{loan}/receipt/")));
    let receipt = clerk.get(&receipt_path);
    assert!(
        receipt.body.contains("Payment confirmed.")
            && receipt.body.contains(&shown)
            && receipt.body.contains("Bank transfer")
            && receipt.body.contains("IDR 13,100"),
        "{}",
        receipt.body
    );
    // The ticket's maturity moved; the ledger has the payment with the code as reference.
    let ticket = clerk.get(&format!("/staff/loans/{loan}"));
    assert_eq!(date(&dd_after(&ticket.body, "Due date")), new_maturity);
    assert_eq!(
        ticket.body.matches(&shown).count(),
        2,
        "interest and fee rows"
    );
    assert_eq!(
        count(
            &server,
            "SELECT COUNT(*) FROM ledger WHERE reference = ?1",
            &shown
        ),
        2
    );

    // Confirming again shows the same receipt and applies nothing more.
    let r = clerk.submit(&search, &confirm, &[("method", "cash")]);
    assert_eq!(r.header("location"), Some(receipt_path.as_str()));
    assert_eq!(
        count(
            &server,
            "SELECT COUNT(*) FROM ledger WHERE reference = ?1",
            &shown
        ),
        2
    );
    let ticket = clerk.get(&format!("/staff/loans/{loan}"));
    assert_eq!(date(&dd_after(&ticket.body, "Due date")), new_maturity);
    let found = clerk.get(&search);
    assert!(
        found.body.contains("Show the receipt") && !found.body.contains("Confirm payment"),
        "{}",
        found.body
    );

    // The customer's phone hears about it, once.
    let texts = texts_to(&sim, BUDI_E164, "we received");
    assert_eq!(texts.len(), 1, "{texts:?}");
    assert!(
        texts[0].contains("IDR 13,100")
            && texts[0].contains(&ticket_no)
            && texts[0].contains(&reader_date(&new_maturity.to_string(), "en")),
        "{}",
        texts[0]
    );
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(texts_to(&sim, BUDI_E164, "we received").len(), 1);

    // The customer sees the new due date, the payment, and no more waiting.
    let detail = budi.get(&detail_path);
    assert!(
        !detail.body.contains("Waiting for payment"),
        "{}",
        detail.body
    );
    assert_eq!(date(&dd_after(&detail.body, "End date")), new_maturity);
    assert!(
        detail
            .body
            .contains(&format!("Paid IDR 13,100 with code {shown}")),
        "{}",
        detail.body
    );
    assert!(detail.body.contains("Bank transfer · ") && !detail.body.contains("No payments yet."));
    assert!(budi.get(&code_path).body.contains("Paid on"));
    assert!(
        !detail.body.contains("Extend this loan")
            && detail
                .body
                .contains("nothing to pay for an extension today"),
        "{}",
        detail.body
    );
    // Paid up for this period: nothing to pay for another extension today.
    let r = budi.get(&extend_path);
    assert_eq!(r.status, 409);
    assert!(r.body.contains("nothing to pay for an extension today"));
    // Its own page, in the customer's layout, with the way back to the loan.
    assert!(r.body.contains("<h1>Extend this loan</h1>") && r.body.contains("Back to the loan"));

    // Audited.
    let mut manager = server.client();
    manager.sign_in(MANAGER.0, MANAGER.1);
    assert!(
        manager
            .get("/staff/audit")
            .body
            .contains("payment_code.confirm")
    );
}

#[test]
fn a_code_from_an_earlier_period_is_refused_at_the_counter() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("modem");
    let sim = Simulator::start(&link, SimConfig::default()).unwrap();
    let server = payments_server(&link, 72);
    // Day 29 of Budi's gold ticket: two 15-day periods have started.
    server.advance_clock(18 * 86_400);
    let mut budi = log_in(&server, &sim, BUDI, BUDI_E164, 1);
    let gold = budi
        .get("/my")
        .body
        .split("<li class=\"card\">")
        .find(|c| c.contains("Gold necklace"))
        .unwrap()
        .to_owned();
    let loan = id_after(&gold, "/my/loans/");
    let extend_path = format!("/my/loans/{loan}/extend");
    assert_eq!(
        dd_after(&budi.get(&extend_path).body, "Amount to pay"),
        "IDR 21,200"
    );
    let r = budi.submit(&extend_path, &extend_path, &[]);
    let code = r
        .header("location")
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();

    // Day 30 is the last day of the second period; on day 31 the third starts: the code's
    // amount is no longer what is owed.
    server.advance_clock(2 * 86_400);
    let mut clerk = server.client();
    clerk.sign_in(CLERK.0, CLERK.1);
    let search = format!("/staff/payments?q={code}");
    let r = clerk.submit(
        &search,
        &format!("/staff/payments/{code}/confirm"),
        &[("method", "cash")],
    );
    assert_eq!(r.status, 409, "the code's amount is no longer what is owed");
    // maud escapes & < > and " only, so the apostrophe reaches the page as it is.
    assert!(
        r.body.contains("now IDR 29,300, not the code's IDR 21,200"),
        "{}",
        r.body
    );
    assert!(
        r.body
            .contains("Ask the customer to get a new payment code")
    );
    // Refusals keep the clerk on the counter page, the code found again with its form.
    assert!(r.body.contains("<h1>Payments at the counter</h1>") && r.body.contains(">Sign out<"));
    let r = clerk.submit(
        &search,
        &format!("/staff/payments/{code}/confirm"),
        &[("method", "")],
    );
    assert_eq!(r.status, 400, "how it was paid is needed");
    let method = r.body.find(&format!("id=\"method-found-{code}\"")).unwrap();
    let field = &r.body[r.body[..method].rfind("<div class=\"field").unwrap()..method];
    assert!(field.contains("Choose how the money was paid"), "{field}");
    let shown = format!("{}-{}", &code[..4], &code[4..]);
    assert_eq!(
        count(
            &server,
            "SELECT COUNT(*) FROM ledger WHERE reference = ?1",
            &shown
        ),
        0,
        "nothing was paid"
    );

    // A new code for the new amount.
    server.advance_clock(31);
    let mut budi = log_in(&server, &sim, BUDI, BUDI_E164, 2);
    assert_eq!(
        dd_after(&budi.get(&extend_path).body, "Amount to pay"),
        "IDR 29,300"
    );
    let r = budi.submit(&extend_path, &extend_path, &[]);
    let fresh = r
        .header("location")
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    assert_ne!(fresh, code);
    let r = clerk.submit(
        &format!("/staff/payments?q={fresh}"),
        &format!("/staff/payments/{fresh}/confirm"),
        &[("method", "cash")],
    );
    assert_eq!(r.status, 303, "{}", r.body);
}
