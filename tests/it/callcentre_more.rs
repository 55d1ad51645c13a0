//! The call centre's remaining points of issue 15 through the real binary: a new application's
//! information approved by a call agent (queue filter, who and when, the timeline), "do not
//! contact" set with a reason and cleared (the queue shows it, a note of a call and a code to
//! a contact's phone are refused), and the RO's phone, set on the staff pages, shown with a tel: link.

use crate::callcentre::{database, demo_at_ten};
use crate::util::{ADMIN, AGENT, CLERK, MANAGER, Server, id_after};

/// The one value `sql` reads with `arg`.
fn one<T: rusqlite::types::FromSql>(server: &Server, sql: &str, arg: &str) -> T {
    database(server)
        .query_row(sql, [arg], |r| r.get(0))
        .unwrap()
}

#[test]
fn a_new_applications_information_is_approved_by_a_call_agent_with_who_and_when() {
    let server = Server::demo();
    let mut agent = server.client();
    agent.sign_in(AGENT.0, AGENT.1);
    let listed = agent.get("/staff/callcentre?reason=new_application");
    assert_eq!(listed.status, 200);
    assert!(
        listed
            .body
            .contains("New applications waiting for information approval")
    );
    let customer = id_after(&listed.body, "/staff/callcentre/customers/");
    let screen = format!("/staff/callcentre/customers/{customer}");
    let page = agent.get(&screen);
    assert!(page.body.contains("waiting for approval"), "{}", page.body);
    let approve = format!("{screen}/approve");
    assert_eq!(agent.post_form(&approve, &[]).status, 403, "no CSRF token");
    let mut clerk = server.client();
    clerk.sign_in(CLERK.0, CLERK.1);
    assert_eq!(clerk.get(&screen).status, 403, "a clerk has no call centre");
    for form in ["approve", "do-not-contact", "do-not-contact/clear"] {
        let r = clerk.submit("/staff", &format!("{screen}/{form}"), &[("reason", "x")]);
        assert_eq!(r.status, 403, "{form}: checked on the server");
    }
    let r = agent.submit(&screen, &approve, &[]);
    assert_eq!(r.status, 303, "{}", r.body);
    let approved_by: String = one(
        &server,
        "SELECT s.username FROM customers c JOIN staff s ON s.id = c.info_approved_by WHERE c.id = ?1",
        &customer,
    );
    assert_eq!(approved_by, "agent");
    let page = agent.get(&screen);
    assert!(
        page.body.contains("Information approved by"),
        "{}",
        page.body
    );
    let again = agent.get("/staff/callcentre?reason=new_application");
    assert!(!again.body.contains(&customer), "no longer waiting");
    let file = agent.get(&format!("/staff/customers/{customer}"));
    assert!(
        file.body
            .contains("Information approved by the call centre"),
        "on the timeline"
    );
    let audited: i64 = one(
        &server,
        "SELECT count(*) FROM audit_log WHERE action = 'customer.info_approve' AND entity_id = ?1",
        &customer,
    );
    assert_eq!(audited, 1);
}

#[test]
fn do_not_contact_is_set_with_a_reason_shown_in_the_queue_refuses_notes_and_is_cleared() {
    let server = demo_at_ten();
    let mut agent = server.client();
    agent.sign_in(AGENT.0, AGENT.1);
    let queue = agent.get("/staff/callcentre?reason=overdue");
    let customer = id_after(&queue.body, "/staff/callcentre/customers/");
    let screen = format!("/staff/callcentre/customers/{customer}");
    let mark = format!("{screen}/do-not-contact");
    let r = agent.submit(&screen, &mark, &[("reason", "   ")]);
    assert_eq!(r.status, 400);
    assert!(r.body.contains("Write the reason"), "{}", r.body);
    let r = agent.submit(&screen, &mark, &[("reason", "Lawyer's letter <b>")]);
    assert_eq!(r.status, 303, "{}", r.body);
    let page = agent.get(&screen);
    assert!(page.body.contains("Lawyer's letter &lt;b&gt;"), "escaped");
    let queue = agent.get("/staff/callcentre?reason=overdue");
    let row = queue.body.split_once(customer.as_str()).unwrap().1;
    let row = &row[..row.find("</tr>").unwrap()];
    assert!(row.contains("Do not contact"), "{row}");
    let note = [
        ("action", "customer"),
        ("call_result", "answered"),
        ("call_status", "connected"),
        ("status_action", "right_party"),
        ("party_response", "asks_extension"),
        ("comments", "Tried anyway"),
        ("client_status", "willing"),
        ("send_message", "no"),
    ];
    let r = agent.submit(&screen, &format!("{screen}/notes"), &note);
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(r.body.contains("marked do not contact"), "{}", r.body);
    assert_eq!(
        one::<i64>(
            &server,
            "SELECT count(*) FROM followup_notes WHERE customer_id = ?1",
            &customer
        ),
        0
    );
    // Nor a code to a contact's phone: the page says why, and nothing is sent.
    let contacts = format!("/staff/customers/{customer}/contacts");
    let r = agent.submit(
        &screen,
        &contacts,
        &[
            ("kind", "guarantor"),
            ("contact_name", "Rina Penjamin"),
            ("relationship", "sister"),
            ("contact_phone", "0813-5555-0404"),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let contact: String = one(
        &server,
        "SELECT id FROM customer_contacts WHERE full_name = ?1",
        "Rina Penjamin",
    );
    let r = agent.submit(&screen, &format!("{contacts}/{contact}/code/send"), &[]);
    assert_eq!(r.status, 303, "{}", r.body);
    let file = agent.get(&format!("/staff/customers/{customer}"));
    assert!(
        file.body.contains("marked do not contact") && file.body.contains("No code was sent."),
        "{}",
        file.body
    );
    let texts: i64 = one(
        &server,
        "SELECT count(*) FROM sms_outbox WHERE recipient = ?1",
        "+6281355550404",
    );
    assert_eq!(texts, 0);
    let r = agent.submit(&screen, &format!("{mark}/clear"), &[]);
    assert_eq!(r.status, 303, "{}", r.body);
    let cleared: String = one(
        &server,
        "SELECT COALESCE(do_not_contact_reason, 'none') FROM customers WHERE id = ?1",
        &customer,
    );
    assert_eq!(cleared, "none");
    let file = agent.get(&format!("/staff/customers/{customer}"));
    assert!(
        file.body.contains("Marked do not contact") && file.body.contains("Do not contact cleared")
    );
}

#[test]
fn the_ros_phone_is_set_on_the_staff_pages_and_shown_with_a_tel_link() {
    let server = Server::demo();
    let mut admin = server.client();
    admin.sign_in(ADMIN.0, ADMIN.1);
    let agent_id: String = one(&server, "SELECT id FROM staff WHERE username = ?1", "agent");
    let phone = format!("/staff/admin/staff/{agent_id}/phone");
    let r = admin.submit("/staff/admin/staff", &phone, &[("phone", "not a phone")]);
    assert_eq!(r.status, 400);
    assert!(
        r.body.contains("not a phone number we can send to"),
        "{}",
        r.body
    );
    let r = admin.submit("/staff/admin/staff", &phone, &[("phone", "0812-1111-2222")]);
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(
        one::<String>(&server, "SELECT phone FROM staff WHERE id = ?1", &agent_id),
        "+6281211112222"
    );
    let mut agent = server.client();
    agent.sign_in(AGENT.0, AGENT.1);
    assert_eq!(
        agent
            .submit("/staff/account", &phone, &[("phone", "0812")])
            .status,
        403,
        "only an administrator edits another's"
    );
    let r = agent.submit(
        "/staff/account",
        "/staff/account/phone",
        &[("phone", "0813 3333 4444")],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    // A manager makes the agent a customer's RO; the screen dials the RO.
    let queue = agent.get("/staff/callcentre?reason=overdue");
    let customer = id_after(&queue.body, "/staff/callcentre/customers/");
    let screen = format!("/staff/callcentre/customers/{customer}");
    let mut manager = server.client();
    manager.sign_in(MANAGER.0, MANAGER.1);
    let r = manager.submit(&screen, &format!("{screen}/ro"), &[("ro", &agent_id)]);
    assert_eq!(r.status, 303, "{}", r.body);
    let page = agent.get(&screen);
    let ro = page.body.split("id=\"ro\"").nth(1).unwrap();
    assert!(ro.contains("href=\"tel:+6281333334444\""), "{ro}");
}
