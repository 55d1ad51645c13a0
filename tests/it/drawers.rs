//! Cash drawers through the real binary: cash refused without an open drawer (on the form, the
//! ticket page again), a drawer opened with a float counted by denomination, its expected
//! balance following the cash taken, the count that closes it (a difference needs a reason),
//! a closed drawer taking no more cash, the sign-off by a manager but not by the drawer's own
//! clerk nor by a clerk, cash moved with the safe only when a second person confirms, and a
//! drawer left open past midnight flagged by the scheduler.

use std::time::{Duration, Instant};

use crate::browser::Browser;
use crate::util::{ADMIN, CLERK, Client, MANAGER, Options, Server, id_after, open_db};

/// Budi's (demo customer 1) active ticket.
pub(crate) fn budi_ticket(c: &mut Client) -> String {
    let list = c.get("/staff/customers?q=Budi+Rahmawati");
    let customer = id_after(&list.body, "/staff/customers/");
    let page = c.get(&format!("/staff/customers/{customer}"));
    page.body
        .split("/staff/loans/")
        .skip(1)
        .map(|s| s[..s.find('"').unwrap()].to_owned())
        .find(|id| {
            c.get(&format!("/staff/loans/{id}"))
                .body
                .contains(">Active<")
        })
        .expect("an active ticket")
}

/// A partial payment of `amount` in cash.
fn pay_cash(c: &mut Client, loan: &str, amount: &str) -> crate::util::Response {
    crate::loans::pay(c, loan, "partial", Some(amount), &[])
}

/// What the drawer page says the drawer should hold.
fn expected(c: &mut Client) -> String {
    let page = c.get("/staff/drawer");
    assert_eq!(page.status, 200, "{}", page.body);
    let at = page
        .body
        .find("id=\"drawer-expected\"")
        .expect("an open drawer");
    let tail = &page.body[at..];
    let start = tail.find("<strong>").unwrap() + "<strong>".len();
    tail[start..start + tail[start..].find('<').unwrap()].to_owned()
}

/// The id of the member's open drawer, from its close form.
fn drawer_id(c: &mut Client) -> String {
    id_after(&c.get("/staff/drawer").body, "/staff/drawers/")
}

/// Posts a form shown on `page` to `action`.
fn post(
    c: &mut Client,
    page: &str,
    action: &str,
    fields: &[(&str, &str)],
) -> crate::util::Response {
    c.submit(page, action, fields)
}

#[test]
fn a_clerks_day_at_the_drawer() {
    let server = Server::demo();
    let mut manager = server.client();
    manager.sign_in_without_drawer(MANAGER.0, MANAGER.1);
    let loan = budi_ticket(&mut manager);
    let ledger_rows = || -> i64 {
        open_db(&server.dir.path().join("pawnbranch.sqlite"))
            .query_row("SELECT COUNT(*) FROM ledger", [], |r| r.get(0))
            .unwrap()
    };
    let before = ledger_rows();

    // No drawer: the cash is refused on the ticket page, nothing written.
    let refused = pay_cash(&mut manager, &loan, "10.000");
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert!(
        refused
            .body
            .contains("Open your cash drawer before taking or paying out cash."),
        "{}",
        refused.body
    );
    assert_eq!(ledger_rows(), before);

    // Opened with a float counted by denomination: 2 × 100,000 + 1 × 50,000.
    let page = manager.get("/staff/drawer");
    assert!(page.body.contains("id=\"drawer-open\""), "{}", page.body);
    let wrong = post(
        &mut manager,
        "/staff/drawer",
        "/staff/drawer/open",
        &[("float", "300.000"), ("n100000", "2"), ("n50000", "1")],
    );
    assert_eq!(wrong.status, 400);
    assert!(
        wrong
            .body
            .contains("The notes and coins add up to IDR 250,000"),
        "{}",
        wrong.body
    );
    let opened = post(
        &mut manager,
        "/staff/drawer",
        "/staff/drawer/open",
        &[("float", ""), ("n100000", "2"), ("n50000", "1")],
    );
    assert_eq!(opened.status, 303, "{}", opened.body);
    assert_eq!(expected(&mut manager), "IDR 250,000");
    let again = post(
        &mut manager,
        "/staff/drawer",
        "/staff/drawer/open",
        &[("float", "0")],
    );
    assert_eq!(again.status, 409);
    assert!(
        again.body.contains("You have a drawer open already."),
        "{}",
        again.body
    );

    // Cash taken goes into the drawer's expected balance.
    let paid = pay_cash(&mut manager, &loan, "10.000");
    assert_eq!(paid.status, 303, "{}", paid.body);
    assert_eq!(expected(&mut manager), "IDR 260,000");

    // The count: short by 5,000 needs a reason.
    let drawer = drawer_id(&mut manager);
    let close = format!("/staff/drawers/{drawer}/close");
    let no_reason = post(
        &mut manager,
        "/staff/drawer",
        &close,
        &[("counted", "255.000"), ("reason", "")],
    );
    assert_eq!(no_reason.status, 409, "{}", no_reason.body);
    assert!(
        no_reason.body.contains("give the reason"),
        "{}",
        no_reason.body
    );
    let closed = post(
        &mut manager,
        "/staff/drawer",
        &close,
        &[("counted", "255.000"), ("reason", "coin missing")],
    );
    assert_eq!(closed.status, 303, "{}", closed.body);
    let sheet = manager.get(closed.header("location").unwrap());
    assert!(
        sheet.body.contains("-IDR 5,000") && sheet.body.contains("coin missing"),
        "{}",
        sheet.body
    );

    // A closed drawer takes no more cash.
    let after_close = pay_cash(&mut manager, &loan, "10.000");
    assert_eq!(after_close.status, 400);
    assert!(after_close.body.contains("Open your cash drawer"));

    // Sign-off: not by the drawer's own clerk (the manager here), not by a clerk; by another manager.
    let sign = format!("/staff/drawers/{drawer}/sign-off");
    let own = post(&mut manager, "/staff/drawers", &sign, &[]);
    assert_eq!(own.status, 403, "{}", own.body);
    assert!(
        own.body.contains("other than the clerk whose drawer it is"),
        "{}",
        own.body
    );
    let mut clerk = server.client();
    clerk.sign_in(CLERK.0, CLERK.1);
    let token = clerk.get("/staff/drawer").csrf();
    assert_eq!(clerk.post_form(&sign, &[("csrf", &token)]).status, 403);
    let mut admin = server.client();
    admin.sign_in(ADMIN.0, ADMIN.1);
    let signed = post(&mut admin, "/staff/drawers", &sign, &[]);
    assert_eq!(signed.status, 303, "{}", signed.body);
    let day = admin.get("/staff/drawers");
    assert!(
        day.body.contains("The count is signed off."),
        "{}",
        day.body
    );
    let twice = post(&mut admin, "/staff/drawers", &sign, &[]);
    assert_eq!(twice.status, 409);

    // Cash from the safe moves only when a second person confirms. The demo's clerk starts
    // at zero: the demo's payouts were covered from the safe.
    assert_eq!(expected(&mut clerk), "IDR 0");
    let asked = post(
        &mut clerk,
        "/staff/drawer",
        "/staff/drawer/safe",
        &[("direction", "from_safe"), ("amount", "100.000")],
    );
    assert_eq!(asked.status, 303, "{}", asked.body);
    assert_eq!(
        expected(&mut clerk),
        "IDR 0",
        "not moved before it is confirmed"
    );
    let page = clerk.get("/staff/drawers");
    assert_eq!(page.status, 403, "clerks do not read the day's drawers");
    let db = open_db(&server.dir.path().join("pawnbranch.sqlite"));
    let safe = || -> i64 {
        db.query_row(
            "SELECT SUM(CASE side WHEN 'debit' THEN amount ELSE -amount END) FROM ledger_postings WHERE account = 'safe'",
            [],
            |r| r.get(0),
        )
        .unwrap()
    };
    let safe_before = safe();
    let transfer: String = db
        .query_row(
            "SELECT id FROM safe_transfers WHERE confirmed_by IS NULL",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let confirm = format!("/staff/safe-transfers/{transfer}/confirm");
    let own = post(&mut clerk, "/staff/drawer", &confirm, &[]);
    assert_eq!(own.status, 400, "{}", own.body);
    assert!(own.body.contains("not the one who asked"), "{}", own.body);
    assert_eq!(safe(), safe_before);
    let confirmed = post(&mut manager, "/staff/drawers", &confirm, &[]);
    assert_eq!(confirmed.status, 303, "{}", confirmed.body);
    assert_eq!(safe(), safe_before - 100_000, "out of the safe");
    assert_eq!(expected(&mut clerk), "IDR 100,000", "into the drawer");
}

/// The close of the day: refused while a drawer is open, then closed by a manager; the
/// report on screen, on the roll and as CSV; clerks do not read it.
#[test]
fn the_day_closes_once_every_drawer_is_counted() {
    let server = Server::demo();
    let mut manager = server.client();
    manager.sign_in_without_drawer(MANAGER.0, MANAGER.1);
    let report = manager.get("/staff/close");
    assert_eq!(report.status, 200, "{}", report.body);
    assert!(
        report.body.contains("The day is not closed yet."),
        "{}",
        report.body
    );
    let refused = post(&mut manager, "/staff/close", "/staff/close", &[]);
    assert_eq!(refused.status, 409, "{}", refused.body);
    assert!(
        refused
            .body
            .contains("cannot be closed while 1 cash drawer(s) are open"),
        "{}",
        refused.body
    );
    let mut clerk = server.client();
    clerk.sign_in(CLERK.0, CLERK.1);
    assert_eq!(clerk.get("/staff/close").status, 403);
    let drawer = drawer_id(&mut clerk);
    let close = format!("/staff/drawers/{drawer}/close");
    let closed = post(
        &mut clerk,
        "/staff/drawer",
        &close,
        &[("counted", "0"), ("reason", "")],
    );
    assert_eq!(closed.status, 303, "{}", closed.body);
    let done = post(&mut manager, "/staff/close", "/staff/close", &[]);
    assert_eq!(done.status, 303, "{}", done.body);
    let report = manager.get(done.header("location").unwrap());
    assert!(
        report.body.contains("Closed by Made Manajer"),
        "{}",
        report.body
    );
    assert!(
        !report.body.contains("Close the day</button>"),
        "closed once"
    );
    let roll = manager.get("/staff/close?size=80mm");
    assert!(roll.body.contains("ticket day-close roll"), "{}", roll.body);
    let csv = manager.get("/staff/close/csv");
    assert_eq!(csv.status, 200);
    assert_eq!(csv.header("content-type"), Some("text/csv; charset=utf-8"));
    assert!(
        csv.body.starts_with("figure,value\nloans_written,"),
        "{}",
        csv.body
    );
    assert!(
        csv.body.contains(",\"Kasir Kartika\",0,0,0,0\n"),
        "{}",
        csv.body
    );
}

#[test]
fn a_drawer_left_open_past_midnight_is_flagged() {
    let server = Server::start(Options {
        demo: true,
        movable_clock: true,
        ..Options::default()
    });
    let mut clerk = server.client();
    clerk.sign_in(CLERK.0, CLERK.1);
    let drawer = drawer_id(&mut clerk);
    let mut manager = server.client();
    manager.sign_in(MANAGER.0, MANAGER.1);
    assert!(
        !manager
            .get("/staff/drawers")
            .body
            .contains("Left open past midnight")
    );
    server.advance_clock(24 * 3600);
    let db = open_db(&server.dir.path().join("pawnbranch.sqlite"));
    let deadline = Instant::now() + Duration::from_secs(20);
    let flagged = loop {
        let on: Option<String> = db
            .query_row(
                "SELECT left_open_on FROM cash_drawers WHERE id = ?1",
                [&drawer],
                |r| r.get(0),
            )
            .unwrap();
        if on.is_some() || Instant::now() > deadline {
            break on;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(
        flagged.is_some(),
        "the scheduler flags the drawer the day it ends"
    );
    // A day later the session has ended; the clerk signs in again to the same drawer.
    let mut clerk = server.client();
    clerk.sign_in_without_drawer(CLERK.0, CLERK.1);
    let page = clerk.get("/staff/drawer");
    assert!(
        page.body.contains("Left open past midnight"),
        "{}",
        page.body
    );
    assert_eq!(drawer_id(&mut clerk), drawer);
    let audit: i64 = db
        .query_row(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'drawer.left_open' AND entity_id = ?1",
            [&drawer],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(audit, 1);
}

/// The drawer pages and the day's close in headless Chromium at a 360 px phone (nothing
/// scrolls sideways, every input labelled), and the close printed on A4 and on the 80 mm roll:
/// one page each, the figures printed and the page around them not.
#[test]
fn the_drawer_pages_read_on_a_phone_and_the_close_prints_on_one_page() {
    let server = Server::demo();
    let mut browser = Browser::start(server.addr, "drawers");
    browser.sign_in_staff(MANAGER);
    for (path, marker, name) in [
        ("/staff/drawer", "Open my drawer", "drawer-open"),
        ("/staff/drawers", "Kasir Kartika", "drawers-day"),
        ("/staff/close", "Tickets paid out", "day-close"),
    ] {
        browser.goto(path);
        browser.wait_until(path, || browser.text().contains(marker));
        browser.step(name);
    }
    for (paper, query, width, height) in [("a4", "", 21.0, 29.7), ("80mm", "?size=80mm", 8.0, 29.7)]
    {
        browser.goto(&format!("/staff/close{query}"));
        browser.wait_until("the printable close", || {
            browser.text().contains("Tickets paid out")
        });
        let pdf = browser.print_pdf(width, height);
        let doc = lopdf::Document::load_mem(&pdf).expect("Chromium's PDF reads");
        assert_eq!(doc.get_pages().len(), 1, "the close on {paper} is one page");
        let text = doc.extract_text(&[1]).expect("the page's text");
        let squeezed: String = text.split_whitespace().collect();
        for word in [
            "Ticketspaidout",
            "Interesttaken",
            "KasirKartika",
            "Thedayisnotclosedyet.",
        ] {
            assert!(
                squeezed.contains(word),
                "{paper}: the print lacks {word}:\n{text}"
            );
        }
        for word in ["Sign out", "Close the day", "Download as CSV"] {
            assert!(
                !text.contains(word),
                "{paper}: only the report prints, not {word}:\n{text}"
            );
        }
    }
}
