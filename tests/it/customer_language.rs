//! The customer's language: chosen on the portal (and the portal follows it where the browser
//! chose none), set at the counter, and used for what is queued to the customer.

use crate::links::customer_signed_in;
use crate::util::{MANAGER, Server, open_db};

/// The demo customer who signs in on the portal (0812-1000-0000).
fn customer_id(server: &Server) -> String {
    open_db(&server.dir.path().join("pawnbranch.sqlite"))
        .query_row(
            "SELECT id FROM customers WHERE phone = '+6281210000000'",
            [],
            |r| r.get(0),
        )
        .unwrap()
}

fn language_of(server: &Server, id: &str) -> Option<String> {
    open_db(&server.dir.path().join("pawnbranch.sqlite"))
        .query_row("SELECT language FROM customers WHERE id = ?1", [id], |r| {
            r.get(0)
        })
        .unwrap()
}

#[test]
fn the_language_chosen_on_the_portal_is_the_customers_and_their_sms_is_in_it() {
    let server = Server::demo();
    let id = customer_id(&server);
    assert_eq!(language_of(&server, &id), None);
    let mut customer = customer_signed_in(&server);
    let r = customer.submit("/profile", "/profile/language", &[("language", "id")]);
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(language_of(&server, &id).as_deref(), Some("id"));

    // Where the browser has chosen nothing, the portal is in the customer's language.
    customer.cookies.remove("pb_lang");
    let page = customer.get("/my");
    assert!(page.body.contains("<html lang=\"id\""), "{}", page.body);

    // Staff (reading English) send a test SMS: it is written in the customer's language.
    let mut staff = server.client();
    staff.sign_in(MANAGER.0, MANAGER.1);
    let customer_page = format!("/staff/customers/{id}");
    let r = staff.submit(&customer_page, &format!("{customer_page}/test-sms"), &[]);
    assert_eq!(r.status, 303, "{}", r.body);
    let body: String = open_db(&server.dir.path().join("pawnbranch.sqlite"))
        .query_row(
            "SELECT body FROM sms_outbox WHERE customer_id = ?1 AND kind = 'test'",
            [&id],
            |r| r.get(0),
        )
        .unwrap();
    assert!(body.starts_with("Pesan uji dari"), "{body}");

    // At the counter the language is set back; a language not offered is refused.
    let r = staff.submit(
        &customer_page,
        &format!("{customer_page}/language"),
        &[("language", "en")],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(language_of(&server, &id).as_deref(), Some("en"));
    let r = staff.submit(
        &customer_page,
        &format!("{customer_page}/language"),
        &[("language", "fr")],
    );
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(
        r.body.contains("Choose one of the languages offered."),
        "{}",
        r.body
    );
    assert_eq!(language_of(&server, &id).as_deref(), Some("en"));
}
