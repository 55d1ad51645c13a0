//! What an attacker on the branch Wi-Fi tries, through the real binary: redirects and headers
//! built from `next=` and `back=`, control characters in forms and queries, actions on
//! records that do not exist, a browser id the client chose, and one-time codes left in the
//! database file after they were blanked.

use std::time::{Duration, Instant};

use crate::util::{ADMIN, Client, Server};

/// An id with the shape of a record id that no record has.
const NO_SUCH_ID: &str = "01ARZ3NDEKTSV4RRFFQ69G5FAV";

fn database(server: &Server) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(server.dir.path().join("pawnbranch.sqlite")).unwrap();
    conn.busy_timeout(Duration::from_secs(10)).unwrap();
    conn
}

/// What a write would leave behind: audit rows and change-log entries.
fn writes(server: &Server) -> (i64, i64) {
    let conn = database(server);
    let audit = conn
        .query_row("SELECT count(*) FROM audit_log", [], |r| r.get(0))
        .unwrap();
    let changes = conn
        .query_row("SELECT coalesce(max(seq), 0) FROM sync_log", [], |r| {
            r.get(0)
        })
        .unwrap();
    (audit, changes)
}

/// The demo's first customer, Siti Rahmawati (0812-1000-0000).
fn siti(server: &Server) -> String {
    database(server)
        .query_row(
            "SELECT id FROM customers WHERE phone = '+6281210000000'",
            [],
            |r| r.get(0),
        )
        .unwrap()
}

/// A signed-in admin and the CSRF token of their session.
fn admin(server: &Server) -> (Client, String) {
    let mut client = server.client();
    client.sign_in(ADMIN.0, ADMIN.1);
    let csrf = client.get("/staff").csrf();
    (client, csrf)
}

#[test]
fn redirect_targets_cannot_leave_the_site_or_add_headers() {
    let server = Server::demo();
    let mut client = server.client();
    for (next, why) in [
        ("/%0d%0aSet-Cookie:%20pb_cust=attacker", "CR LF"),
        ("/%0aSet-Cookie:%20pb_cust=attacker", "LF"),
        ("/%09/evil.example", "a tab read as //"),
        ("/%20/evil.example", "a space"),
        ("//evil.example", "scheme-relative"),
        ("/%5cevil.example", "a backslash"),
        ("/%2509/evil.example", "a tab once more encoded"),
        ("/%252f/evil.example", "a slash once more encoded"),
        ("https://evil.example", "absolute"),
    ] {
        let r = client.get(&format!("/lang/en?next={next}"));
        assert_eq!(r.status, 303, "{why}");
        assert_eq!(r.header("location"), Some("/"), "{why}");
        for cookie in r.headers_named("set-cookie") {
            assert!(!cookie.contains("pb_cust"), "{why}: {cookie}");
        }
    }
    let r = client.get("/lang/id?next=/my/loans%3Ftab%3Dclosed");
    assert_eq!(r.header("location"), Some("/my/loans?tab=closed"));

    // The staff forms' `back=` field.
    let (mut staff, csrf) = admin(&server);
    let customer = siti(&server);
    let r = staff.post_form(
        &format!("/staff/customers/{customer}/verification/send"),
        &[
            ("csrf", &csrf),
            ("back", "/staff\r\nSet-Cookie: pb_staff=attacker"),
        ],
    );
    assert_eq!(r.status, 303);
    assert_eq!(r.header("location"), Some("/#verification"));
    for cookie in r.headers_named("set-cookie") {
        assert!(!cookie.contains("attacker"), "{cookie}");
    }
}

#[test]
fn control_characters_in_forms_and_queries_are_refused_with_a_reason() {
    let server = Server::demo();
    let (mut staff, csrf) = admin(&server);
    let r = staff.get("/staff/customers?q=%00%00%00");
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(r.body.contains("control character"), "{}", r.body);

    let before = database(&server)
        .query_row("SELECT count(*) FROM customers", [], |r| r.get::<_, i64>(0))
        .unwrap();
    for (name, bad) in [
        ("NUL", "\0"),
        ("ESC", "\x1b"),
        ("BEL", "\x07"),
        ("DEL", "\x7f"),
    ] {
        let full_name = format!("Budi{bad}Santoso");
        let r = staff.post_form(
            "/staff/customers/new",
            &[
                ("csrf", &csrf),
                ("full_name", &full_name),
                ("phone", "0812-7777-0001"),
                ("id_number", "3174091203900001"),
                ("date_of_birth", "1990-03-12"),
                ("address", "Jl. Melati 1"),
            ],
        );
        assert_eq!(r.status, 400, "{name}: {}", r.body);
        assert!(r.body.contains("control character"), "{name}: {}", r.body);
    }
    let r = staff.post_form(
        "/staff/products",
        &[("csrf", &csrf), ("name", "Gold\x1b[31m")],
    );
    assert_eq!(r.status, 400, "{}", r.body);
    let after = database(&server)
        .query_row("SELECT count(*) FROM customers", [], |r| r.get::<_, i64>(0))
        .unwrap();
    assert_eq!(before, after, "nothing was saved");

    // Line breaks and tabs are text, where a form has a multi-line field.
    let customer = siti(&server);
    let r = staff.post_form(
        &format!("/staff/customers/{customer}/notes"),
        &[
            ("csrf", &csrf),
            ("note", "Called twice.\r\nNo answer.\tWill retry."),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
}

#[test]
fn actions_on_records_that_do_not_exist_are_404_and_write_nothing() {
    let server = Server::demo();
    let (mut staff, csrf) = admin(&server);
    let x = NO_SUCH_ID;
    let routes = [
        format!("/staff/customers/{x}/unlock"),
        format!("/staff/customers/{x}/do-not-text"),
        format!("/staff/customers/{x}/verification/send"),
        format!("/staff/customers/{x}/verification"),
        format!("/staff/customers/{x}/contacts"),
        format!("/staff/customers/{x}/contacts/{x}/remove"),
        format!("/staff/customers/{x}/notes"),
        format!("/staff/customers/{x}/caller"),
        format!("/staff/customers/{x}/contact"),
        format!("/staff/customers/{x}/invite"),
        format!("/staff/customers/{x}/test-email"),
        format!("/staff/customers/{x}/test-sms"),
        format!("/staff/customers/{x}/email-verification/send"),
        format!("/staff/customers/{x}/email-verification"),
        format!("/staff/customers/{x}/tickets/new"),
        format!("/staff/customers/duplicates/{x}/{x}/merge"),
        format!("/staff/customers/duplicates/{x}/{x}/dismiss"),
        format!("/staff/loans/{x}/approve"),
        format!("/staff/loans/{x}/pay"),
        format!("/staff/ledger/{x}/reverse"),
        format!("/staff/products/{x}/toggle"),
        format!("/staff/products/{x}"),
        "/staff/payments/ABCD-EFGH/confirm".to_owned(),
        format!("/staff/admin/staff/{x}/role"),
        format!("/staff/admin/staff/{x}/disable"),
        format!("/staff/admin/staff/{x}/enable"),
        format!("/staff/admin/staff/{x}/password"),
        format!("/staff/sms/{x}/retry"),
        format!("/staff/sms/{x}/cancel"),
        format!("/staff/email/{x}/retry"),
        format!("/staff/email/{x}/cancel"),
    ];
    // Plausible values for every field these forms read, so no handler stops at validation.
    let fields = [
        ("csrf", csrf.as_str()),
        ("value", "1"),
        ("reason", "customer asked"),
        ("note", "a note"),
        ("code", "123456"),
        ("kind", "guarantor"),
        ("contact_name", "Ani"),
        ("contact_phone", "0812-5555-0000"),
        ("relationship", "sister"),
        ("phone", "0812-5555-0001"),
        ("email", "a@example.com"),
        ("checked", "phone"),
        ("survivor", x),
        ("payment", x),
        ("id_number", "1"),
        ("full_name", "1"),
        ("method", "cash"),
        ("amount", "1000"),
        ("purpose", "extension"),
        ("role", "clerk"),
        ("password", "a long enough password"),
        ("name", "Gold"),
        ("product", x),
        ("principal", "100000"),
    ];
    let mut wrong = Vec::new();
    for route in &routes {
        let before = writes(&server);
        let r = staff.post_form(route, &fields);
        let after = writes(&server);
        if r.status != 404 || after != before {
            wrong.push(format!(
                "POST {route}: {} (audit, changes) {before:?} -> {after:?}",
                r.status
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn the_browser_id_comes_from_the_server_only() {
    let server = Server::demo();
    // A browser id the client made up is replaced, not adopted.
    let mut client = server.client();
    client
        .cookies
        .insert("pb_anon".to_owned(), "chosen-by-the-attacker".to_owned());
    let page = client.get("/login");
    assert_eq!(page.status, 200);
    let issued = client.cookies.get("pb_anon").cloned().unwrap_or_default();
    assert_ne!(
        issued, "chosen-by-the-attacker",
        "the server issued its own id"
    );
    assert!(!issued.is_empty());

    // A token the server computed for one browser id is refused with another.
    let token = page.csrf();
    let mut other = server.client();
    other.get("/login");
    assert_ne!(other.cookies.get("pb_anon"), Some(&issued));
    let r = other.post_form(
        "/login/code",
        &[("csrf", &token), ("phone", "0812-1000-0000")],
    );
    assert_eq!(r.status, 403, "{}", r.body);
    // The planted id fails too, with the token the attacker was given for it.
    let mut planted = server.client();
    planted
        .cookies
        .insert("pb_anon".to_owned(), "chosen-by-the-attacker".to_owned());
    let r = planted.post_form(
        "/login/code",
        &[("csrf", &token), ("phone", "0812-1000-0000")],
    );
    assert_eq!(r.status, 403, "{}", r.body);
    // The id the server issued works with its own token.
    let r = client.post_form(
        "/login/code",
        &[("csrf", &token), ("phone", "0812-1000-0000")],
    );
    assert_eq!(r.status, 303, "{}", r.body);
}

#[test]
fn a_blanked_code_is_gone_from_the_database_file_and_its_wal() {
    let server = Server::demo();
    let mut client = server.client();
    let page = client.get("/login");
    let r = client.post_form(
        "/login/code",
        &[("csrf", &page.csrf()), ("phone", "0812-1000-0000")],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    // The demo writes SMS to sms-log.txt (the one place a code is in clear, by design of the
    // `log` device); the outbox blanks it once it has left.
    let log = server.dir.path().join("sms-log.txt");
    let deadline = Instant::now() + Duration::from_secs(20);
    let text = loop {
        let log_text = std::fs::read_to_string(&log).unwrap_or_default();
        if let Some(line) = log_text.lines().find(|l| l.contains(" is your ")) {
            break line.to_owned();
        }
        assert!(Instant::now() < deadline, "no code in {}", log.display());
        std::thread::sleep(Duration::from_millis(50));
    };
    let code: String = text
        .split(" is your ")
        .next()
        .unwrap()
        .chars()
        .rev()
        .take_while(char::is_ascii_digit)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    assert_eq!(code.len(), 6, "{text}");
    let needle = format!("{code} is your ");
    // Wait for the outbox to record the message as sent (and so blanked).
    loop {
        let sent: i64 = database(&server)
            .query_row(
                "SELECT count(*) FROM sms_outbox WHERE state = 'sent' AND body NOT LIKE ?1",
                [format!("%{code}%")],
                |r| r.get(0),
            )
            .unwrap();
        if sent > 0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the code was never recorded as sent"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    for name in ["pawnbranch.sqlite", "pawnbranch.sqlite-wal"] {
        let bytes = std::fs::read(server.dir.path().join(name)).unwrap_or_default();
        let found = bytes.windows(needle.len()).any(|w| w == needle.as_bytes());
        assert!(!found, "{needle:?} is still readable in {name}");
    }
}
