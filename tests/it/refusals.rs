//! Refusals that keep staff on their page (issue 13, point 5): retrying or cancelling a
//! message in the wrong state comes back as the channel's outbox page with the reason at the
//! message's row, and merging a record with itself comes back as the merge page with the
//! reason above the form — never the generic error page.

use crate::util::{MANAGER, Server, id_after, open_db};

/// The id of the newest message of an outbox table.
fn newest(server: &Server, table: &str) -> String {
    let conn = open_db(&server.dir.path().join("pawnbranch.sqlite"));
    conn.query_row(
        &format!("SELECT id FROM {table} ORDER BY created_at DESC, id DESC LIMIT 1"),
        [],
        |r| r.get(0),
    )
    .unwrap()
}

/// The table row of message `id` on an outbox page.
fn row_of<'a>(body: &'a str, id: &str) -> &'a str {
    let marker = format!("id=\"message-{id}\"");
    let at = body
        .find(&marker)
        .unwrap_or_else(|| panic!("no row {marker} in {body}"));
    let end = at + body[at..].find("</tr>").unwrap();
    &body[at..end]
}

/// Asserts `r` is the outbox page titled `title`, refused with `status`, the reason at `id`'s row.
fn assert_refused_at_row(r: &crate::util::Response, title: &str, id: &str, reason: &str) {
    assert_eq!(r.status, 409, "{}", r.body);
    assert!(
        r.body.contains(&format!("<h1>{title}</h1>")),
        "not the {title} page: {}",
        r.body
    );
    assert!(r.body.contains(">Sign out<"), "no staff menu: {}", r.body);
    let row = row_of(&r.body, id);
    assert!(row.contains(reason), "{reason} not at the row: {row}");
}

/// Waits (at most 20 s) until message `id` of an outbox table is in `state`.
fn wait_for_state(server: &Server, table: &str, id: &str, state: &str) {
    let conn = open_db(&server.dir.path().join("pawnbranch.sqlite"));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let now: String = conn
            .query_row(
                &format!("SELECT state FROM {table} WHERE id = ?1"),
                [id],
                |r| r.get(0),
            )
            .unwrap();
        if now == state {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{id} still {now}, not {state}"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

#[test]
fn cancelling_or_retrying_a_sent_sms_comes_back_on_the_sms_page_at_its_row() {
    let server = Server::demo();
    let mut c = server.client();
    c.sign_in(MANAGER.0, MANAGER.1);
    let r = c.submit(
        "/staff/sms",
        "/staff/sms/test",
        &[("phone", "0812-5555-0123")],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let id = newest(&server, "sms_outbox");
    // The demo's modem only logs: the message is sent at once.
    wait_for_state(&server, "sms_outbox", &id, "sent");
    let page = c.get("/staff/sms");
    let reason = "This message is Sent and cannot be changed.";
    for action in ["cancel", "retry"] {
        let r = c.post_form(
            &format!("/staff/sms/{id}/{action}"),
            &[("csrf", &page.csrf())],
        );
        assert_refused_at_row(&r, "SMS", &id, reason);
        // The test form on the same page stays fresh.
        assert!(!r.body.contains("id=\"phone-error\""), "{action}");
    }
}

#[test]
fn retrying_an_email_that_has_not_failed_comes_back_on_the_email_page_at_its_row() {
    let server = Server::demo();
    let mut c = server.client();
    c.sign_in(MANAGER.0, MANAGER.1);
    let page = crate::email::siti_page(&mut c);
    let r = c.submit(&page, &format!("{page}/invite"), &[]);
    assert_eq!(r.status, 303, "{}", r.body);
    let id = newest(&server, "email_outbox");
    let outbox = c.get("/staff/email");
    let r = c.post_form(
        &format!("/staff/email/{id}/retry"),
        &[("csrf", &outbox.csrf())],
    );
    assert_refused_at_row(
        &r,
        "Email",
        &id,
        "This email is Waiting and cannot be changed.",
    );
}

#[test]
fn merging_a_record_with_itself_comes_back_on_the_merge_page() {
    let server = Server::demo();
    let mut manager = server.client();
    manager.sign_in(MANAGER.0, MANAGER.1);
    let list = manager.get("/staff/customers?q=Budi+Rahmawati");
    let budi = id_after(&list.body, "/staff/customers/");
    let pair = format!("/staff/customers/duplicates/{budi}/{budi}");
    let r = manager.submit(
        "/staff/customers/duplicates",
        &format!("{pair}/merge"),
        &[("survivor", &budi), ("email", &budi)],
    );
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(
        r.body.contains("<h1>Merge two records</h1>"),
        "not the merge page: {}",
        r.body
    );
    assert!(r.body.contains(">Sign out<"), "no staff menu: {}", r.body);
    assert!(
        r.body.contains("A record cannot be merged with itself."),
        "{}",
        r.body
    );
    assert!(
        r.body.contains("Budi Rahmawati"),
        "the record is shown: {}",
        r.body
    );
    // Nothing was merged: the record's page is still its own.
    assert_eq!(manager.get(&format!("/staff/customers/{budi}")).status, 200);
}
