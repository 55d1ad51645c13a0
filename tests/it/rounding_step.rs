//! The product's rounding step (issue 13, point 8) through the real binary: the Products form
//! takes it (1 to 100,000 minor units, refused beside the field otherwise), the starter gold
//! product rounds to Rp 100, and a ticket written under a product with a step shows each
//! charge rounded to it, its principal as lent, on the ticket page and the statement alike.

use crate::util::{CLERK, Client, MANAGER, Server, id_after};

/// The product form's fields, with the step `step`.
fn product(name: &'static str, step: &'static str) -> Vec<(&'static str, &'static str)> {
    vec![
        ("kind", "pawn"),
        ("period_unit", "day"),
        ("name", name),
        ("rate", "1"),
        ("period_days", "15"),
        ("term_periods", "8"),
        ("min_interest_days", "15"),
        ("ticket_fee", "none"),
        ("storage_fee", "none"),
        ("late_fee", "rate"),
        ("late_fee_value", "1"),
        ("lost_ticket_fee", "none"),
        ("grace_days", "5"),
        ("notice_days", "10"),
        ("forfeit_days", "14"),
        ("max_ltv", "90"),
        ("rounding", "up"),
        ("rounding_step", step),
    ]
}

/// The rounding step's field container on a products page.
fn step_field(body: &str) -> &str {
    let at = body
        .find("name=\"rounding_step\"")
        .unwrap_or_else(|| panic!("no step field: {body}"));
    let start = body[..at].rfind("<div class=\"field").unwrap();
    let end = at + body[at..].find("</div>").unwrap();
    &body[start..end]
}

/// The product's id from the products list, by its name.
fn product_id(c: &mut Client, name: &str) -> String {
    let page = c.get("/staff/products");
    id_after(page.body.split(name).nth(1).unwrap(), "/staff/products/")
}

/// Adds a product with the step `step`, and asserts its form shows the step again; its id.
fn added(manager: &mut Client, name: &'static str, step: &'static str) -> String {
    let r = manager.submit("/staff/products", "/staff/products", &product(name, step));
    assert_eq!(r.status, 303, "{}", r.body);
    let id = product_id(manager, name);
    let edit = manager.get(&format!("/staff/products/{id}"));
    let field = step_field(&edit.body);
    assert!(field.contains(&format!("value=\"{step}\"")), "{field}");
    id
}

#[test]
fn the_products_form_takes_a_rounding_step_and_tickets_charge_by_it() {
    let server = Server::demo();
    let mut manager = server.client();
    manager.sign_in(MANAGER.0, MANAGER.1);
    // Out of range or not an amount: refused beside the field, the typed value kept.
    for typed in ["0", "100.001", "abc"] {
        let r = manager.submit(
            "/staff/products",
            "/staff/products",
            &product("Step pawn", typed),
        );
        assert_eq!(r.status, 400, "{typed}: {}", r.body);
        assert!(r.body.contains("<h1>Loan products</h1>"));
        let field = step_field(&r.body);
        assert!(
            field.contains("Enter an amount from 1 to 100,000."),
            "{typed}: {field}"
        );
        assert!(field.contains(&format!("value=\"{typed}\"")), "{field}");
        let name = r.body.split("name=\"name\"").nth(1).unwrap();
        assert!(
            name.starts_with(" type=\"text\" value=\"Step pawn\""),
            "kept"
        );
    }
    let step = added(&mut manager, "Step pawn", "500");
    // The starter gold product rounds to Rp 100; a product without a step shows none.
    let gold = product_id(&mut manager, "Gold pawn");
    let edit = manager.get(&format!("/staff/products/{gold}"));
    assert!(step_field(&edit.body).contains("value=\"100\""));
    added(&mut manager, "Plain pawn", "");

    // A ticket of Rp 1,354,900 on "Step pawn": 1% is 13,549, up to Rp 500: 14,000.
    let mut clerk = server.client();
    clerk.sign_in(CLERK.0, CLERK.1);
    let list = clerk.get("/staff/customers?q=Budi+Rahmawati");
    let customer = id_after(&list.body, "/staff/customers/");
    let new = format!("/staff/customers/{customer}/tickets/new");
    let r = clerk.submit(
        &new,
        &new,
        &[
            ("product", &step),
            ("category", "gold"),
            ("description", "Bracelet"),
            ("marks", ""),
            ("appraised", "2.000.000"),
            ("principal", "1.354.900"),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let loan = id_after(r.header("location").unwrap(), "/staff/loans/");
    let r = clerk.submit(
        &format!("/staff/loans/{loan}"),
        &format!("/staff/loans/{loan}/approve"),
        &[("method", "cash"), ("reference", "")],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let page = clerk.get(&format!("/staff/loans/{loan}")).body;
    let owed = &page[page.find("<dt>Interest</dt>").unwrap()..];
    let owed = &owed[..owed.find("</dl>").unwrap()];
    assert!(owed.contains("<dd>IDR 14,000</dd>"), "the interest: {owed}");
    assert!(
        owed.contains("<dd>IDR 1,354,900</dd>"),
        "the principal: {owed}"
    );
    assert!(owed.contains("<dd>IDR 1,368,900</dd>"), "to redeem: {owed}");
    // The ticket's statement charges the same interest and ends at the same figure.
    let rows: Vec<&str> = page.split("<tr").filter(|r| r.contains("<td")).collect();
    let charged = rows
        .iter()
        .find(|r| r.contains("<td>Interest charged</td>"));
    assert!(
        charged.is_some_and(|r| r.contains("<td class=\"num\">IDR 14,000</td>")),
        "{rows:#?}"
    );
    let total = rows.last().unwrap();
    assert!(
        total.contains(">Total<") && total.contains("<strong>IDR 1,368,900</strong>"),
        "{total}"
    );
}
