//! The day's transfers and mobile money against a statement pasted on the real upload page
//! (issue 16): a bank transfer the statement confirms by its reference, one line of the bank's
//! that no payment accounts for, a mobile-money payment no statement confirms; the day's
//! close, its CSV and the day's drawers show the difference and the lines, the close is not
//! refused for it, and the next day the dashboard's today card flags it.

use crate::drawers::budi_ticket;
use crate::util::{CLERK, MANAGER, Options, Server, hidden_value};

#[test]
fn a_pasted_statement_is_matched_against_the_days_transfers() {
    let server = Server::start(Options {
        demo: true,
        movable_clock: true,
        ..Options::default()
    });
    let mut clerk = server.client();
    clerk.sign_in(CLERK.0, CLERK.1);
    let loan = budi_ticket(&mut clerk);
    let transfer = [("method", "bank_transfer"), ("reference", "TRF-100")];
    let r = crate::loans::pay(&mut clerk, &loan, "partial", Some("20.000"), &transfer);
    assert_eq!(r.status, 303, "{}", r.body);
    let mobile = [("method", "mobile_money"), ("reference", "MM-7")];
    let r = crate::loans::pay(&mut clerk, &loan, "partial", Some("15.000"), &mobile);
    assert_eq!(r.status, 303, "{}", r.body);

    let mut manager = server.client();
    manager.sign_in_without_drawer(MANAGER.0, MANAGER.1);
    let close = manager.get("/staff/close");
    let day = hidden_value(&close.body, "on").expect("the day on the close form");
    // Before any statement: both methods short by what they received.
    assert!(
        close.body.contains("Short by IDR 20,000") && close.body.contains("Short by IDR 15,000"),
        "{}",
        close.body
    );

    // The bank's statement: the clerk's transfer (its reference in the bank's case) and a
    // transfer nobody recorded.
    let pasted = format!(
        "date,reference,amount,description,method\r\n\
         {day},trf-100,20.000,TRANSFER BUDI,bank_transfer\r\n\
         {day},BNI-555,5.000,TRANSFER UNKNOWN,bank_transfer\r\n"
    );
    let r = clerk.submit(
        "/staff/payments/import",
        "/staff/payments/import",
        &[("statement", &pasted)],
    );
    assert_eq!(r.status, 200, "{}", r.body);

    for page in [
        format!("/staff/close?on={day}"),
        format!("/staff/drawers?on={day}"),
    ] {
        let body = manager.get(&page).body;
        let section = &body[body.find("id=\"statement-match\"").expect(&page)..];
        let bank = row(section, "bank_transfer");
        assert!(
            bank.contains("data-standing=\"over\"")
                && bank.contains("<td class=\"num\">2</td>")
                && bank.contains("IDR 25,000")
                && bank.contains("IDR 20,000")
                && bank.contains("Over by IDR 5,000"),
            "{page}: {bank}"
        );
        let mobile = row(section, "mobile_money");
        assert!(
            mobile.contains("data-standing=\"short\"") && mobile.contains("Short by IDR 15,000"),
            "{page}: {mobile}"
        );
        let lone_lines = &section[section.find("class=\"lone-lines\"").expect(&page)..];
        let lone_lines = &lone_lines[..lone_lines.find("</table>").unwrap()];
        assert!(
            lone_lines.contains("BNI-555") && lone_lines.contains("Unmatched"),
            "{page}: {lone_lines}"
        );
        assert!(!lone_lines.contains("trf-100"), "{page}: confirmed");
        let lone_payments = &section[section.find("class=\"lone-payments\"").expect(&page)..];
        let lone_payments = &lone_payments[..lone_payments.find("</table>").unwrap()];
        assert!(
            lone_payments.contains("MM-7")
                && lone_payments.contains("IDR 15,000")
                && !lone_payments.contains("TRF-100"),
            "{page}: {lone_payments}"
        );
    }
    let csv = manager.get(&format!("/staff/close/csv?on={day}")).body;
    for needed in [
        "bank_transfer_statement,25000\n",
        "bank_transfer_difference,5000\n",
        "mobile_money_difference,-15000\n",
        "\nmethod,side,reference,amount,payment,other_day\n",
        "bank_transfer,statement,\"BNI-555\",5000,,\n",
        "mobile_money,payment,\"MM-7\",15000,",
    ] {
        assert!(csv.contains(needed), "{needed:?} in {csv}");
    }
    assert!(!csv.contains("TRF-100"), "{csv}");

    // The difference does not keep the day from closing.
    let drawer = crate::util::id_after(&clerk.get("/staff/drawer").body, "/staff/drawers/");
    let counted = clerk.submit(
        "/staff/drawer",
        &format!("/staff/drawers/{drawer}/close"),
        &[("counted", "0"), ("reason", "float back to the safe")],
    );
    assert_eq!(counted.status, 303, "{}", counted.body);
    let done = manager.submit(
        &format!("/staff/close?on={day}"),
        "/staff/close",
        &[("on", &day)],
    );
    assert_eq!(done.status, 303, "{}", done.body);

    // The next day, the manager's dashboard flags yesterday's two methods.
    server.advance_clock(24 * 3600);
    let mut manager = server.client();
    manager.sign_in_without_drawer(MANAGER.0, MANAGER.1);
    let dashboard = manager.get("/staff");
    let flag = format!("<a href=\"/staff/close?on={day}\">Methods not matching yesterday");
    let at = dashboard
        .body
        .find(&flag)
        .unwrap_or_else(|| panic!("{}", dashboard.body));
    let tail = &dashboard.body[at..];
    assert!(
        tail[tail.find("<dd>").unwrap()..].starts_with("<dd>2</dd>"),
        "{tail}"
    );
}

/// The figures' row of a method.
fn row<'a>(section: &'a str, method: &str) -> &'a str {
    let at = section
        .find(&format!("data-method=\"{method}\""))
        .unwrap_or_else(|| panic!("no {method} row in {section}"));
    &section[at..at + section[at..].find("</tr>").unwrap()]
}
