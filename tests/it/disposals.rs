//! Disposals through the binary (issue 13, point 6): a forfeited demo ticket moved to sale
//! stock and sold with a surplus (the customer is texted, sees it on the portal, and is paid
//! out at the counter), another sold short with the shortfall written off, and the
//! "Disposals" page's totals.

use std::time::Duration;

use crate::portal::{ask_code, code_from, enter_code, portal_server_with};
use crate::util::{CLERK, Client, MANAGER, Server, hidden_value};
use pawnbranch::testing::{SimConfig, Simulator};

/// A forfeited demo ticket: its id, number, customer and the customer's phone.
struct Forfeited {
    loan: String,
    ticket: String,
    customer: String,
    phone: String,
}

fn db(server: &Server) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(server.dir.path().join("pawnbranch.sqlite")).unwrap();
    conn.busy_timeout(Duration::from_secs(10)).unwrap();
    conn
}

/// The demo's forfeited tickets of customers with a complete profile who may be texted, one
/// per customer.
fn forfeited(server: &Server) -> Vec<Forfeited> {
    db(server)
        .prepare(
            "SELECT l.id, l.ticket_no, c.id, c.phone FROM loans l JOIN customers c ON c.id = l.customer_id
             WHERE l.state = 'forfeited' AND c.do_not_text = 0 AND c.id_number IS NOT NULL
             GROUP BY c.id ORDER BY l.ticket_no",
        )
        .unwrap()
        .query_map([], |r| {
            Ok(Forfeited {
                loan: r.get(0)?,
                ticket: r.get(1)?,
                customer: r.get(2)?,
                phone: r.get(3)?,
            })
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// An amount as English pages write rupiah.
fn idr(v: i64) -> String {
    let digits = v.to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    format!("IDR {out}")
}

/// One number of the sale's row.
fn sale_figure(server: &Server, loan: &str, column: &str) -> i64 {
    db(server)
        .query_row(
            &format!("SELECT {column} FROM disposal_sales WHERE loan_id = ?1"),
            [loan],
            |r| r.get(0),
        )
        .unwrap()
}

/// What a ticket's receivables hold (principal, interest, fees) in the ledger.
fn receivables(server: &Server, loan: &str) -> i64 {
    db(server)
        .query_row(
            "SELECT COALESCE(SUM(CASE side WHEN 'debit' THEN amount ELSE -amount END), 0) FROM ledger_postings
             WHERE loan_id = ?1 AND account IN ('principal_receivable', 'interest_receivable', 'fees_receivable')",
            [loan],
            |r| r.get(0),
        )
        .unwrap()
}

/// Ledger transactions whose debits and credits differ.
fn unbalanced(server: &Server) -> i64 {
    db(server)
        .query_row(
            "SELECT COUNT(*) FROM (SELECT transaction_id FROM ledger_postings GROUP BY transaction_id
               HAVING SUM(CASE side WHEN 'debit' THEN amount ELSE -amount END) <> 0)",
            [],
            |r| r.get(0),
        )
        .unwrap()
}

/// The sale form posted for a ticket.
fn sell(staff: &mut Client, loan: &str, price: &str, costs: &str) -> crate::util::Response {
    staff.submit(
        "/staff/disposals",
        &format!("/staff/disposals/{loan}/sale"),
        &[
            ("channel", "auction"),
            ("price", price),
            ("costs", costs),
            ("buyer", "LOT-12"),
            ("method", "cash"),
        ],
    )
}

/// Waits (bounded) for a delivered message to `to` containing `needle`.
fn text_to(sim: &Simulator, to: &str, needle: &str) -> Option<String> {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let found = sim
            .received()
            .into_iter()
            .find(|m| m.to == to && m.text.contains(needle));
        if found.is_some() || std::time::Instant::now() > deadline {
            return found.map(|m| m.text);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn forfeited_items_sold_with_a_surplus_paid_out_and_a_shortfall_written_off() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("modem");
    let sim = Simulator::start(&link, SimConfig::default()).unwrap();
    let server = portal_server_with(&link, None);
    let tickets = forfeited(&server);
    assert!(tickets.len() >= 2, "the demo has forfeited tickets");
    let (rich, short) = (&tickets[0], &tickets[1]);

    // The customer is signed in at the portal before anything is sold (their first SMS is
    // the login code).
    let national = format!("0{}", &rich.phone[3..]);
    let mut portal = server.client();
    assert_eq!(ask_code(&mut portal, &national).status, 303);
    let code = code_from(&sim, &rich.phone, 1);
    let r = enter_code(&mut portal, &code);
    assert_eq!(r.header("location"), Some("/my"), "{}", r.body);

    let mut clerk = server.client();
    clerk.sign_in(CLERK.0, CLERK.1);
    let mut manager = server.client();
    manager.sign_in(MANAGER.0, MANAGER.1);

    // Listed as forfeited, moved to stock by the clerk.
    let page = clerk.get("/staff/disposals");
    assert_eq!(page.status, 200);
    assert!(page.body.contains(&rich.ticket), "{}", page.body);
    for t in [rich, short] {
        let r = clerk.submit(
            "/staff/disposals",
            &format!("/staff/disposals/{}/stock", t.loan),
            &[],
        );
        assert_eq!(r.status, 303, "{}", r.body);
    }
    let again = clerk.submit(
        "/staff/disposals",
        &format!("/staff/disposals/{}/stock", rich.loan),
        &[],
    );
    assert_eq!(again.status, 400);
    assert!(
        again.body.contains("already in sale stock"),
        "{}",
        again.body
    );

    // Only a manager records a sale; bad figures come back beside their fields.
    assert_eq!(sell(&mut clerk, &rich.loan, "100000000", "0").status, 403);
    let form = manager.get(&format!("/staff/disposals?sell={}", rich.loan));
    assert!(form.body.contains("id=\"sale-form\""), "{}", form.body);
    let bad = sell(&mut manager, &rich.loan, "lots", "-5");
    assert_eq!(bad.status, 400);
    assert_eq!(
        bad.body.matches("class=\"field-error\"").count(),
        2,
        "{}",
        bad.body
    );
    assert!(bad.body.contains("Enter a price above zero."));
    assert!(bad.body.contains("value=\"lots\"") && bad.body.contains("value=\"LOT-12\""));
    assert_eq!(sale_figure_count(&server), 0, "nothing written");

    // Sold with a surplus: the receivables end at 0, the customer is texted.
    let r = sell(&mut manager, &rich.loan, "100000000", "250000");
    assert_eq!(r.status, 303, "{}", r.body);
    let surplus = sale_figure(&server, &rich.loan, "surplus");
    let owed = sale_figure(
        &server,
        &rich.loan,
        "owed_principal + owed_interest + owed_fees",
    );
    assert_eq!(surplus, 100_000_000 - 250_000 - owed);
    assert_eq!(receivables(&server, &rich.loan), 0);
    let until: String = db(&server)
        .query_row(
            "SELECT claim_until FROM disposal_sales WHERE loan_id = ?1",
            [&rich.loan],
            |r| r.get(0),
        )
        .unwrap();
    let sms = text_to(&sim, &rich.phone, &until).expect("the surplus SMS");
    assert!(sms.contains(&rich.ticket), "{sms}");

    // On the customer's file with its deadline and a "Pay out" form; on the portal.
    let file = clerk.get(&format!("/staff/customers/{}", rich.customer));
    assert!(file.body.contains("id=\"surplus-owed\""), "{}", file.body);
    let line = format!(
        "{} from the sale of ticket {}, to be claimed by {until}.",
        idr(surplus),
        rich.ticket
    );
    assert!(file.body.contains(&line), "{line}: {}", file.body);
    let my = portal.get("/my");
    assert!(my.body.contains("id=\"surplus-owed\""), "{}", my.body);
    assert!(
        my.body.contains(&until) && my.body.contains(&rich.ticket),
        "{}",
        my.body
    );

    // Paid out at the counter, once even if the form is sent twice.
    let payment = hidden_value(&file.body, "payment").unwrap();
    let payout = format!("/staff/disposals/{}/payout", rich.loan);
    let fields = [
        ("csrf", file.csrf()),
        ("payment", payment),
        ("method", "cash".to_owned()),
    ];
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let paid = clerk.post_form(&payout, &fields);
    assert_eq!(paid.status, 303, "{}", paid.body);
    assert_eq!(
        clerk.post_form(&payout, &fields).status,
        303,
        "the same form again"
    );
    let settled: i64 = db(&server)
        .query_row(
            "SELECT COUNT(*) FROM surplus_settlements WHERE outcome = 'paid'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(settled, 1);
    let file = clerk.get(&format!("/staff/customers/{}", rich.customer));
    assert_eq!(file.status, 200);
    assert!(!file.body.contains("id=\"surplus-owed\""), "{}", file.body);
    assert!(!portal.get("/my").body.contains("id=\"surplus-owed\""));

    // Sold short: the shortfall is written off, the receivables end at 0.
    let r = sell(&mut manager, &short.loan, "1000", "0");
    assert_eq!(r.status, 303, "{}", r.body);
    let shortfall = sale_figure(&server, &short.loan, "shortfall");
    assert!(shortfall > 0);
    assert_eq!(sale_figure(&server, &short.loan, "surplus"), 0);
    assert_eq!(receivables(&server, &short.loan), 0);
    assert_eq!(unbalanced(&server), 0);

    // The page's totals: two sold, the net proceeds, nothing still owed, the write-off.
    let page = manager.get("/staff/disposals");
    let totals = page.body.split("id=\"disposal-totals\"").nth(1).unwrap();
    let totals = &totals[..totals.find("</section>").unwrap()];
    for (label, value) in [
        ("Items sold", "2".to_owned()),
        ("Net proceeds", idr(100_000_000 - 250_000 + 1000)),
        ("Surplus still owed", idr(0)),
        ("Written off", idr(shortfall)),
    ] {
        let want = format!("<dt>{label}</dt><dd>{value}</dd>");
        assert!(totals.contains(&want), "{want}: {totals}");
    }
    let audited: i64 = db(&server)
        .query_row(
            "SELECT COUNT(*) FROM audit_log WHERE entity = 'disposal'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(audited, 5, "two moves to stock, two sales, one payout");
}

fn sale_figure_count(server: &Server) -> i64 {
    db(server)
        .query_row("SELECT COUNT(*) FROM disposal_sales", [], |r| r.get(0))
        .unwrap()
}

#[test]
fn an_unclaimed_surplus_expires_in_the_schedulers_daily_pass_after_the_claim_period() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("modem");
    let _sim = Simulator::start(&link, SimConfig::default()).unwrap();
    let server = portal_server_with(&link, None);
    let t = &forfeited(&server)[0];
    let mut manager = server.client();
    manager.sign_in(MANAGER.0, MANAGER.1);
    let r = manager.submit(
        "/staff/disposals",
        &format!("/staff/disposals/{}/stock", t.loan),
        &[],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(sell(&mut manager, &t.loan, "100000000", "0").status, 303);
    let surplus = sale_figure(&server, &t.loan, "surplus");
    let expired = |server: &Server| -> i64 {
        db(server)
            .query_row(
                "SELECT COUNT(*) FROM surplus_settlements WHERE outcome = 'expired'",
                [],
                |r| r.get(0),
            )
            .unwrap()
    };
    assert_eq!(expired(&server), 0);

    // The claim period is 365 days (the default); the day after its last day the pass runs.
    server.advance_clock(367 * 86_400);
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while expired(&server) == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the surplus did not expire"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let income: i64 = db(&server)
        .query_row(
            "SELECT COALESCE(SUM(amount), 0) FROM ledger_postings WHERE account = 'unclaimed_surplus_income' AND side = 'credit'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(income, surplus);
    // A year later the session is over: sign in again.
    let mut manager = server.client();
    manager.sign_in(MANAGER.0, MANAGER.1);
    let file = manager.get(&format!("/staff/customers/{}", t.customer));
    assert_eq!(file.status, 200);
    assert!(!file.body.contains("id=\"surplus-owed\""), "{}", file.body);
    let page = manager.get("/staff/disposals");
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("<span class=\"badge\">expired</span>"),
        "{}",
        page.body
    );
    assert_eq!(unbalanced(&server), 0);
}
