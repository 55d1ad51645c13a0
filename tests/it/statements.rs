//! The customer statement (issue 13): the staff page, its printed form and the portal's end
//! with what the ticket pages say is owed, after a payment too.

use crate::portal::{ask_code, code_from, enter_code, portal_server_with};
use crate::util::{CLERK, Client, hidden_value};
use pawnbranch::testing::{SimConfig, Simulator};

/// Demo customer 1, Budi Rahmawati: verified phone, an Active gold ticket and an electronics
/// ticket under notice.
const BUDI: &str = "0812-1000-7919";
const BUDI_E164: &str = "+6281210007919";

/// The amount in minor units of the first "IDR …" after `marker`.
fn amount_after(html: &str, marker: &str) -> i64 {
    let at = html
        .find(marker)
        .unwrap_or_else(|| panic!("no {marker} in {html}"));
    let rest = &html[at + marker.len()..];
    let start = rest.find("IDR ").unwrap() + "IDR ".len();
    rest[start..]
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == ',')
        .filter(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap()
}

/// The distinct ticket ids linked from a page.
fn tickets_on(html: &str) -> Vec<String> {
    let mut ids: Vec<String> = html
        .split("/staff/loans/")
        .skip(1)
        .map(|s| s[..26].to_owned())
        .filter(|s| s.chars().all(|c| c.is_ascii_alphanumeric()))
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

/// What the ticket pages say the customer owes today, all tickets together.
fn owed_on_ticket_pages(clerk: &mut Client, tickets: &[String]) -> i64 {
    tickets
        .iter()
        .map(|t| {
            let page = clerk.get(&format!("/staff/loans/{t}"));
            // Closed tickets show nothing owed.
            if page.body.contains("<dt>To redeem today</dt>") {
                amount_after(&page.body, "<dt>To redeem today</dt>")
            } else {
                0
            }
        })
        .sum()
}

/// The customer's statement's last balance, as the staff page, the printed one and the
/// portal write it.
fn statement_ends(clerk: &mut Client, customer: &str, portal: &mut Client) -> [i64; 3] {
    let staff = clerk.get(&format!("/staff/customers/{customer}/statement"));
    let print = clerk.get(&format!("/staff/customers/{customer}/statement/print"));
    let mine = portal.get("/my/statement");
    assert_eq!(mine.status, 200, "{}", mine.body);
    let end = "Owed at the end of the period: ";
    [
        amount_after(&staff.body, end),
        amount_after(&print.body, end),
        amount_after(&mine.body, end),
    ]
}

#[test]
fn the_statement_ends_at_what_the_ticket_pages_say_is_owed() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("modem");
    let sim = Simulator::start(&link, SimConfig::default()).unwrap();
    let server = portal_server_with(&link, None);
    let mut clerk = server.client();
    clerk.sign_in(CLERK.0, CLERK.1);
    let list = clerk.get("/staff/customers?q=Budi+Rahmawati");
    let customer = crate::util::id_after(&list.body, "/staff/customers/");
    let tickets = tickets_on(&clerk.get(&format!("/staff/customers/{customer}")).body);
    assert!(tickets.len() >= 2, "Budi's tickets");
    let mut budi = server.client();
    assert_eq!(ask_code(&mut budi, BUDI).status, 303);
    let code = code_from(&sim, BUDI_E164, 1);
    assert_eq!(enter_code(&mut budi, &code).header("location"), Some("/my"));

    let owed = owed_on_ticket_pages(&mut clerk, &tickets);
    assert!(owed > 0);
    assert_eq!(statement_ends(&mut clerk, &customer, &mut budi), [owed; 3]);

    // A partial payment on the first open ticket: everything still agrees.
    let open = tickets
        .iter()
        .find(|t| {
            clerk
                .get(&format!("/staff/loans/{t}"))
                .body
                .contains("Take a payment")
        })
        .unwrap();
    let page = clerk.get(&format!("/staff/loans/{open}"));
    let form = page
        .body
        .split("name=\"purpose\" value=\"")
        .find(|s| s.starts_with("partial"))
        .unwrap();
    let fields = [
        ("csrf", page.csrf()),
        ("purpose", "partial".to_owned()),
        ("payment", hidden_value(form, "payment").unwrap()),
        ("amount", "50.000".to_owned()),
        ("method", "cash".to_owned()),
    ];
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = clerk.post_form(&format!("/staff/loans/{open}/pay"), &fields);
    assert_eq!(r.status, 303, "{}", r.body);
    let after = owed_on_ticket_pages(&mut clerk, &tickets);
    assert_eq!(after, owed - 50_000);
    assert_eq!(statement_ends(&mut clerk, &customer, &mut budi), [after; 3]);

    // The printed statement names the customer, the branch and the period, with a total line.
    let print = clerk.get(&format!(
        "/staff/customers/{customer}/statement/print?from=2020-01-01"
    ));
    for needed in [
        "Customer: Budi Rahmawati",
        "Branch: ",
        "Period: 2020-01-01 to ",
        "<th colspan=\"4\">Total</th>",
        "Interest charged",
        "Loan paid out",
    ] {
        assert!(print.body.contains(needed), "{needed} in {}", print.body);
    }
}
