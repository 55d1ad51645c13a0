//! Errors keep the clerk on the page (issue 13, point 5): a refused staff form comes back as
//! its own page, in the staff layout, with the message beside the field and the typed value
//! kept; an error page for a signed-in clerk carries the staff menu and a link back to the
//! dashboard.

use crate::util::{ADMIN, CLERK, Client, MANAGER, Server, id_after};

/// The staff menu: the navigation and the sign-out button.
fn assert_staff_menu(body: &str) {
    assert!(
        body.contains("<nav aria-label=\"Dashboard\">") && body.contains(">Sign out<"),
        "no staff menu: {body}"
    );
}

/// The container of the input marked by `marker` (e.g. `id="amount-partial"`): from the
/// nearest `<{open}` before it to the first `</{tag}>` after it (field containers hold no
/// element of their own kind).
fn container<'a>(body: &'a str, marker: &str, open: &str) -> &'a str {
    let tag = open.split(' ').next().unwrap_or(open);
    let at = body
        .find(marker)
        .unwrap_or_else(|| panic!("no {marker} in {body}"));
    let start = body[..at]
        .rfind(&format!("<{open}"))
        .unwrap_or_else(|| panic!("no <{open} around {marker}"));
    let end = at
        + body[at..]
            .find(&format!("</{tag}>"))
            .unwrap_or_else(|| panic!("no </{tag}> after {marker}"));
    &body[start..end]
}

/// Asserts the field's container holds `message` and the input still holds `typed`.
fn assert_beside(body: &str, marker: &str, message: &str, typed: &str) {
    let field = container(body, marker, "div class=\"field");
    assert!(
        field.contains(message),
        "{message} not beside {marker}: {field}"
    );
    assert!(
        field.contains(&format!("value=\"{typed}\"")),
        "{typed} not kept in {marker}: {field}"
    );
}

/// Budi's (demo customer 1) active gold ticket, and a clerk signed in.
fn budi_ticket(server: &Server) -> (Client, String, String) {
    let mut clerk = server.client();
    clerk.sign_in(CLERK.0, CLERK.1);
    let list = clerk.get("/staff/customers?q=Budi+Rahmawati");
    let customer = id_after(&list.body, "/staff/customers/");
    let page = clerk.get(&format!("/staff/customers/{customer}"));
    let loan = page
        .body
        .split("/staff/loans/")
        .skip(1)
        .map(|s| s[..s.find('"').unwrap()].to_owned())
        .find(|id| {
            clerk
                .get(&format!("/staff/loans/{id}"))
                .body
                .contains(">Active<")
        })
        .expect("an active ticket");
    (clerk, customer, loan)
}

/// Posts the ticket page's `purpose` payment form with `amount` and `method`, and asserts
/// it is refused with the ticket page in the staff layout.
fn pay(c: &mut Client, loan: &str, purpose: &str, amount: &str, method: &str) -> String {
    let extra = [
        ("method", method),
        ("reference", "REF-77"),
        ("handed_over", "yes"),
    ];
    let r = crate::loans::pay(c, loan, purpose, Some(amount), &extra);
    assert!(
        (400..500).contains(&r.status),
        "{purpose} {amount}: {}",
        r.status
    );
    assert!(
        r.body.contains("Take a payment"),
        "the ticket page: {}",
        r.body
    );
    assert_staff_menu(&r.body);
    r.body
}

#[test]
fn a_refused_payment_comes_back_on_the_ticket_beside_the_amount() {
    let server = Server::demo();
    let (mut clerk, _, loan) = budi_ticket(&server);
    let id = "id=\"amount-partial\"";
    let body = pay(&mut clerk, &loan, "partial", "99.000.000", "cash");
    assert_beside(&body, id, "more than everything owed", "99.000.000");
    assert!(body.contains("value=\"REF-77\""), "the reference kept");
    for typed in ["12.3.4", "abc", "0", "-5"] {
        let body = pay(&mut clerk, &loan, "partial", typed, "cash");
        assert_beside(&body, id, "Enter an amount", typed);
    }
    let body = pay(&mut clerk, &loan, "partial", "10.000", "");
    let method = container(&body, "id=\"method-partial\"", "div class=\"field");
    assert!(method.contains("Choose how the money was paid"), "{method}");
    assert_beside(&body, id, "", "10.000");
    // The extension's amount is fixed: another one is refused beside it.
    let body = pay(&mut clerk, &loan, "extension", "1.000", "cash");
    assert_beside(&body, "id=\"amount-extension\"", "must be exactly", "1.000");
    let body = pay(&mut clerk, &loan, "extension", "0", "cash");
    assert_beside(&body, "id=\"amount-extension\"", "Enter an amount", "0");
}

#[test]
fn a_reversal_without_a_reason_comes_back_on_the_ticket() {
    let server = Server::demo();
    let (_, _, loan) = budi_ticket(&server);
    let mut manager = server.client();
    manager.sign_in(MANAGER.0, MANAGER.1);
    let page = manager.get(&format!("/staff/loans/{loan}"));
    let row = id_after(&page.body, "/staff/ledger/");
    let r = manager.post_form(
        &format!("/staff/ledger/{row}/reverse"),
        &[("csrf", &page.csrf()), ("reason", "no")],
    );
    assert_eq!(r.status, 400);
    assert_staff_menu(&r.body);
    let form = container(&r.body, &format!("id=\"why-{row}\""), "form");
    assert!(form.contains("Give a reason"), "{form}");
    assert!(form.contains("value=\"no\""), "{form}");
}

#[test]
fn a_mistyped_principal_stays_beside_the_field_of_the_new_ticket() {
    let server = Server::demo();
    let (mut clerk, customer, _) = budi_ticket(&server);
    let new = format!("/staff/customers/{customer}/tickets/new");
    let form = clerk.get(&new);
    let r = clerk.post_form(
        &new,
        &[
            ("csrf", &form.csrf()),
            ("product", ""),
            ("category", "electronics"),
            ("description", "Phone"),
            ("appraised", "2.000.000"),
            ("principal", "1.2.3"),
        ],
    );
    assert_eq!(r.status, 400);
    assert_staff_menu(&r.body);
    assert_beside(&r.body, "name=\"principal\"", "Enter an amount", "1.2.3");
}

#[test]
fn error_pages_for_a_signed_in_clerk_carry_the_staff_menu() {
    let server = Server::demo();
    let mut clerk = server.client();
    clerk.sign_in(CLERK.0, CLERK.1);
    for (path, status) in [("/staff/nowhere", 404), ("/staff/admin/staff", 403)] {
        let r = clerk.get(path);
        assert_eq!(r.status, status, "{path}");
        assert_staff_menu(&r.body);
        assert!(
            r.body
                .contains("<a href=\"/staff\">Back to the dashboard</a>"),
            "{path}: {}",
            r.body
        );
    }
    // A stranger still gets the plain page with the way to the start.
    let r = server.client().get("/nowhere");
    assert_eq!(r.status, 404);
    assert!(!r.body.contains(">Sign out<"));
}

#[test]
fn a_mistyped_product_comes_back_with_each_wrong_number_marked() {
    let server = Server::demo();
    let mut manager = server.client();
    manager.sign_in(MANAGER.0, MANAGER.1);
    let r = manager.submit(
        "/staff/products",
        "/staff/products",
        &[
            ("kind", "pawn"),
            ("period_unit", "day"),
            ("name", "Gold special"),
            ("rate", "abc"),
            ("period_days", "15"),
            ("term_periods", "0"),
            ("min_interest_days", "15"),
            ("max_ltv", "90"),
        ],
    );
    assert_eq!(r.status, 400);
    assert!(r.body.contains("<h1>Loan products</h1>"), "{}", r.body);
    assert_staff_menu(&r.body);
    assert_beside(&r.body, "name=\"rate\"", "like the example", "abc");
    assert_beside(&r.body, "name=\"term_periods\"", "like the example", "0");
    assert_beside(&r.body, "name=\"name\"", "", "Gold special");
    let name = container(&r.body, "name=\"name\"", "div class=\"field");
    assert!(!name.contains("field-error"), "the name was right: {name}");
}

#[test]
fn a_short_password_reset_stays_beside_the_account() {
    let server = Server::demo();
    let mut admin = server.client();
    admin.sign_in(ADMIN.0, ADMIN.1);
    let list = admin.get("/staff/admin/staff");
    let id = id_after(&list.body, "/staff/admin/staff/");
    let r = admin.post_form(
        &format!("/staff/admin/staff/{id}/password"),
        &[("csrf", &list.csrf()), ("password", "short")],
    );
    assert_eq!(r.status, 400);
    assert!(r.body.contains("<h1>Staff accounts</h1>"), "{}", r.body);
    assert_staff_menu(&r.body);
    let form = container(&r.body, &format!("id=\"pw-{id}\""), "form");
    assert!(form.contains("at least 10 characters"), "{form}");
    assert!(
        !form.contains("value=\"short\""),
        "a password is never shown back"
    );
}

#[test]
fn a_refused_contact_or_note_keeps_what_was_typed_on_the_customer_page() {
    let server = Server::demo();
    let (mut clerk, customer, _) = budi_ticket(&server);
    let page = format!("/staff/customers/{customer}");
    let long = "cousin ".repeat(10);
    let r = clerk.submit(
        &page,
        &format!("{page}/contacts"),
        &[
            ("kind", "guarantor"),
            ("contact_name", "Budi Saudara"),
            ("relationship", &long),
            ("contact_phone", "0813-5555-0101"),
        ],
    );
    assert_eq!(r.status, 400);
    assert_staff_menu(&r.body);
    assert_beside(&r.body, "name=\"relationship\"", "at most 60", &long);
    assert_beside(&r.body, "name=\"contact_phone\"", "", "0813-5555-0101");
    let note = "x".repeat(2001);
    let r = clerk.submit(&page, &format!("{page}/notes"), &[("note", &note)]);
    assert_eq!(r.status, 400);
    assert_staff_menu(&r.body);
    let field = container(&r.body, "name=\"note\"", "div class=\"field");
    assert!(field.contains("at most 2,000 characters"), "{field}");
    assert!(field.contains(&note), "the note kept");
}

#[test]
fn a_refused_password_change_says_which_field_and_shows_no_password_back() {
    let server = Server::demo();
    let mut clerk = server.client();
    clerk.sign_in(CLERK.0, CLERK.1);
    let wrong = clerk.submit(
        "/staff/account",
        "/staff/account/password",
        &[
            ("current", "not-the-password"),
            ("password", "a-new-long-password"),
            ("password2", "a-new-long-password"),
        ],
    );
    let differ = clerk.submit(
        "/staff/account",
        "/staff/account/password",
        &[
            ("current", CLERK.1),
            ("password", "a-new-long-password"),
            ("password2", "another-long-password"),
        ],
    );
    for (r, field, message) in [
        (&wrong, "name=\"current\"", "current password is wrong"),
        (&differ, "name=\"password2\"", "not the same"),
    ] {
        assert_eq!(r.status, 400);
        assert!(r.body.contains("<h1>My account</h1>"), "{}", r.body);
        assert_staff_menu(&r.body);
        let box_ = container(&r.body, field, "div class=\"field");
        assert!(box_.contains(message), "{box_}");
        assert!(!r.body.contains("long-password"), "no password shown back");
    }
}
