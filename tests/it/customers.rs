//! The customer's file at the counter, through the real binary: the one search box, the
//! customer page's contacts and guarantors, follow-up notes, "Verify caller", and changing the
//! phone or email with a reason (unverified after, the old number told, audited).

use std::time::Duration;

use crate::util::{AGENT, CLERK, MANAGER, Server, encode, id_after};

/// The demo's first customer (see src/demo.rs): Siti Rahmawati, 0812-1000-0000.
const SITI_PHONE: &str = "0812-1000-0000";

fn database(server: &Server) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(server.dir.path().join("pawnbranch.sqlite")).unwrap();
    conn.busy_timeout(Duration::from_secs(10)).unwrap();
    conn
}

fn siti(server: &Server) -> String {
    database(server)
        .query_row(
            "SELECT id FROM customers WHERE phone = '+6281210000000'",
            [],
            |r| r.get(0),
        )
        .unwrap()
}

#[test]
fn one_search_box_finds_by_phone_id_partial_and_misspelt_name() {
    let server = Server::demo();
    let mut clerk = server.client();
    clerk.sign_in(CLERK.0, CLERK.1);
    let (id_number, name): (String, String) = database(&server)
        .query_row(
            "SELECT id_number, full_name FROM customers WHERE phone = '+6281210000000'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    let spaced_id = format!("{} {}", &id_number[..8], &id_number[8..]);
    let misspelt = name.replace("ati", "aty");
    for q in [
        SITI_PHONE,
        "+62 812 1000 0000",
        spaced_id.as_str(),
        "rahmaw",
        misspelt.as_str(),
    ] {
        let page = clerk.get(&format!("/staff/customers?q={}", encode(q)));
        assert_eq!(page.status, 200);
        assert!(page.body.contains(&name), "{q} finds {name}");
    }
    let none = clerk.get("/staff/customers?q=Zzyzx+Qqq");
    assert!(!none.body.contains(&name));
    // Search syntax typed into the box is just text.
    let odd = clerk.get(&format!("/staff/customers?q={}", encode("\"a\" OR NEAR(")));
    assert_eq!(odd.status, 200);
}

#[test]
fn contacts_notes_and_caller_verification_show_in_the_timeline() {
    let server = Server::demo();
    let id = siti(&server);
    let page = format!("/staff/customers/{id}");
    let mut clerk = server.client();
    clerk.sign_in(CLERK.0, CLERK.1);

    // A guarantor, with a bad phone first.
    let bad = clerk.submit(
        &page,
        &format!("{page}/contacts"),
        &[
            ("kind", "guarantor"),
            ("contact_name", "Budi Saudara"),
            ("relationship", "brother"),
            ("contact_phone", "12"),
        ],
    );
    assert_eq!(bad.status, 400);
    assert!(bad.body.contains("field-error"), "{}", bad.body);
    let r = clerk.submit(
        &page,
        &format!("{page}/contacts"),
        &[
            ("kind", "guarantor"),
            ("contact_name", "Budi Saudara"),
            ("relationship", "brother"),
            ("contact_phone", "0813-5555-0101"),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let r = clerk.submit(
        &page,
        &format!("{page}/contacts"),
        &[
            ("kind", "boss"),
            ("contact_name", "X Y"),
            ("relationship", ""),
            ("contact_phone", "0813-5555-0102"),
        ],
    );
    assert_eq!(r.status, 400);
    let shown = clerk.get(&page);
    assert!(shown.body.contains("Budi Saudara") && shown.body.contains("Guarantor"));
    let contact = id_after(&shown.body, "/contacts/");
    let r = clerk.submit(&page, &format!("{page}/contacts/{contact}/remove"), &[]);
    assert_eq!(r.status, 303);
    assert!(!clerk.get(&page).body.contains("Budi Saudara</"), "removed");
    let r = clerk.submit(&page, &format!("{page}/contacts/{contact}/remove"), &[]);
    assert_eq!(r.status, 404, "already removed");

    // A follow-up note.
    let r = clerk.submit(
        &page,
        &format!("{page}/notes"),
        &[("note", "Promised to pay on Friday.")],
    );
    assert_eq!(r.status, 303);
    let r = clerk.submit(&page, &format!("{page}/notes"), &[("note", "   ")]);
    assert_eq!(r.status, 400);

    // The call centre verifies a caller; the clerk may not.
    let mut agent = server.client();
    agent.sign_in(AGENT.0, AGENT.1);
    let r = agent.submit(&page, &format!("{page}/caller"), &[]);
    assert_eq!(r.status, 400, "nothing ticked");
    let r = agent.submit(
        &page,
        &format!("{page}/caller"),
        &[("phone", "1"), ("id_number", "1")],
    );
    assert_eq!(r.status, 303);
    let r = clerk.submit(&page, &format!("{page}/caller"), &[("phone", "1")]);
    assert_eq!(r.status, 403);

    let timeline = agent.get(&page).body;
    for expected in [
        "Promised to pay on Friday.",
        "Caller verified",
        "Phone number, ID number",
        "Contact added",
        "Contact removed",
        "Kasir Kartika",
    ] {
        assert!(timeline.contains(expected), "timeline shows {expected}");
    }
    // Both are in the audit log, and shown once each in the timeline.
    let audited: i64 = database(&server)
        .query_row(
            "SELECT count(*) FROM audit_log WHERE action IN ('customer.note', 'customer.caller_verified')",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(audited >= 2, "notes and caller checks are audited");
    assert_eq!(timeline.matches("Caller verified").count(), 1);
    assert!(
        !timeline.contains("Record changed"),
        "no audit row shown twice"
    );
    // The note's words cannot be changed afterwards, even in the database.
    let edited = database(&server).execute("UPDATE customer_notes SET body = 'x'", []);
    assert!(edited.is_err());
}

#[test]
fn changing_the_phone_needs_customer_management_and_a_reason_and_tells_the_old_number() {
    let server = Server::demo();
    let id = siti(&server);
    let form = format!("/staff/customers/{id}/contact");
    let mut clerk = server.client();
    clerk.sign_in(CLERK.0, CLERK.1);
    assert_eq!(clerk.get(&form).status, 403);
    let mut manager = server.client();
    manager.sign_in(MANAGER.0, MANAGER.1);
    let submit = |client: &mut crate::util::Client, phone: &str, reason: &str| {
        let fields = [
            ("phone", phone),
            ("email", "siti.new@example.com"),
            ("reason", reason),
        ];
        client.submit(&form, &form, &fields)
    };
    let other: String = database(&server)
        .query_row(
            "SELECT phone FROM customers WHERE id <> ?1 LIMIT 1",
            [&id],
            |r| r.get(0),
        )
        .unwrap();
    let other_local = format!("0{}", &other[3..]);
    let r = submit(&mut manager, "0813-7777-0001", "");
    assert_eq!(r.status, 400, "a reason is required");
    let r = submit(&mut manager, "12", "Lost SIM; KTP seen");
    assert_eq!(r.status, 400);
    // Another customer's number is refused (a possible duplicate).
    let r = submit(&mut manager, &other_local, "Lost SIM; KTP seen");
    assert_eq!(r.status, 409, "{}", r.body);
    let before: i64 = database(&server)
        .query_row(
            "SELECT COUNT(*) FROM sms_outbox WHERE recipient = '+6281210000000'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let r = submit(&mut manager, "0813-7777-0001", "Lost SIM; KTP seen");
    assert_eq!(r.status, 303, "{}", r.body);

    let db = database(&server);
    let (phone, verified, email, email_verified): (String, Option<String>, String, Option<String>) = db
        .query_row(
            "SELECT phone, phone_verified_at, email, email_verified_at FROM customers WHERE id = ?1",
            [&id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .unwrap();
    assert_eq!(phone, "+6281377770001");
    assert!(
        verified.is_none() && email_verified.is_none(),
        "both unverified"
    );
    assert_eq!(email, "siti.new@example.com");
    let (told, body): (i64, String) = db
        .query_row(
            "SELECT COUNT(*), MAX(body) FROM sms_outbox WHERE recipient = '+6281210000000' AND kind = 'notice'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert!(told >= 1 && told > before - 1, "the old number is told");
    assert!(body.contains("phone number and email address"), "{body}");
    let audited: String = db
        .query_row(
            "SELECT after_json FROM audit_log WHERE action = 'customer.contact_change' AND entity_id = ?1",
            [&id],
            |r| r.get(0),
        )
        .unwrap();
    assert!(audited.contains("Lost SIM; KTP seen"), "{audited}");
    let page = manager.get(&format!("/staff/customers/{id}")).body;
    assert!(page.contains("Phone or email changed") && page.contains("Email address changed"));
    // Saving the same values again changes nothing and sends nothing.
    let r = submit(&mut manager, "0813-7777-0001", "again");
    assert_eq!(r.status, 303);
    let told_after: i64 = db
        .query_row(
            "SELECT COUNT(*) FROM sms_outbox WHERE kind = 'notice' AND customer_id = ?1",
            [&id],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(told_after, told);
}
