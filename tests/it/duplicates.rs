//! Duplicate customer records through the real binary (issue 7; seed 000, step 10): a second
//! record of a demo customer made at the counter is listed and warned about, blocks the
//! portal invitation, is merged by a manager (not a clerk) into the first, and then resolves
//! to it; another pair is dismissed for good.

use crate::util::{CLERK, Client, MANAGER, Server, id_after};

/// Adds a customer at the counter; the new record's id.
fn add_customer(c: &mut Client, fields: &[(&str, &str)]) -> String {
    let r = c.submit("/staff/customers/new", "/staff/customers/new", fields);
    assert_eq!(r.status, 303, "{}", r.body);
    id_after(r.header("location").unwrap(), "/staff/customers/")
}

/// Writes a ticket for the customer at the counter; its ticket number.
fn write_ticket(c: &mut Client, db: &rusqlite::Connection, customer: &str) -> String {
    let new = format!("/staff/customers/{customer}/tickets/new");
    let form = c.get(&new);
    let gold = form
        .body
        .split("<option value=\"")
        .find(|o| o[26..].starts_with("\">Gold"))
        .unwrap();
    let product = gold[..26].to_owned();
    let r = c.post_form(
        &new,
        &[
            ("csrf", &form.csrf()),
            ("product", &product),
            ("category", "gold"),
            ("description", "Bracelet 10 g"),
            ("marks", ""),
            ("appraised", "4.000.000"),
            ("principal", "1.000.000"),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let loan = id_after(r.header("location").unwrap(), "/staff/loans/");
    db.query_row("SELECT ticket_no FROM loans WHERE id = ?1", [&loan], |r| {
        r.get(0)
    })
    .unwrap()
}

#[test]
fn two_records_of_one_person_are_found_blocked_merged_and_resolved() {
    let server = Server::demo();
    let db = rusqlite::Connection::open(server.dir.path().join("pawnbranch.sqlite")).unwrap();
    let (budi, born): (String, String) = db
        .query_row(
            "SELECT id, date_of_birth FROM customers WHERE full_name = 'Budi Rahmawati'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    let budi_tickets: Vec<String> = db
        .prepare("SELECT ticket_no FROM loans WHERE customer_id = ?1")
        .unwrap()
        .query_map([&budi], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(!budi_tickets.is_empty());
    let mut manager = server.client();
    manager.sign_in(MANAGER.0, MANAGER.1);
    let mut clerk = server.client();
    clerk.sign_in(CLERK.0, CLERK.1);

    // Budi comes back, gives another phone and ID card, and gets a second record and ticket.
    let second = add_customer(
        &mut clerk,
        &[
            ("full_name", "BUDI RAHMAWATI."),
            ("id_number", "3171 9999 0000 0001"),
            ("date_of_birth", &born),
            ("address", "Jl. Kenanga 3, Bekasi"),
            ("email", "budi.r@example.com"),
            ("phone", "0812-7777-0001"),
        ],
    );
    let new_ticket = write_ticket(&mut clerk, &db, &second);

    // The list shows the pair with its reason; both pages warn.
    let list = manager.get("/staff/customers/duplicates");
    assert_eq!(list.status, 200);
    for part in [&budi, &second, "Similar name, same date of birth"] {
        assert!(list.body.contains(part), "{part} in {}", list.body);
    }
    let page = manager.get(&format!("/staff/customers/{second}"));
    assert!(
        page.body
            .contains("This may be the same person as Budi Rahmawati"),
        "{}",
        page.body
    );
    let pair = format!(
        "/staff/customers/duplicates/{}",
        page.body
            .split("/staff/customers/duplicates/")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
    );
    assert!(
        manager
            .get(&format!("/staff/customers/{budi}"))
            .body
            .contains("BUDI RAHMAWATI.")
    );

    // The invitation is refused while the duplicate is unresolved.
    let customer_page = format!("/staff/customers/{second}");
    let r = manager.submit(&customer_page, &format!("{customer_page}/invite"), &[]);
    assert_eq!(r.status, 303);
    let after = manager.get(&customer_page).body;
    assert!(
        after.contains("duplicate records that are not resolved"),
        "{after}"
    );
    let invitations = |db: &rusqlite::Connection| -> i64 {
        db.query_row(
            "SELECT COUNT(*) FROM email_outbox WHERE kind = 'invitation'",
            [],
            |r| r.get(0),
        )
        .unwrap()
    };
    assert_eq!(invitations(&db), 0);

    // A clerk may neither see the list nor merge.
    assert_eq!(clerk.get("/staff/customers/duplicates").status, 403);
    assert_eq!(clerk.get(&pair).status, 403);
    let csrf = clerk.get("/staff/customers").csrf();
    let refused = clerk.post_form(
        &format!("{pair}/merge"),
        &[("csrf", &csrf), ("survivor", &budi)],
    );
    assert_eq!(refused.status, 403);
    // Without the CSRF token, nobody may.
    let forged = manager.post_form(
        &format!("{pair}/merge"),
        &[("csrf", "forged"), ("survivor", &budi)],
    );
    assert_eq!(forged.status, 403);

    // Bad input is a clear 4xx.
    let form = manager.get(&pair);
    assert_eq!(form.status, 200);
    let csrf = form.csrf();
    let same = manager.get(&format!("/staff/customers/duplicates/{budi}/{budi}"));
    assert_eq!(same.status, 400);
    assert!(same.body.contains("cannot be merged with itself"));
    let unknown = manager.get(&format!(
        "/staff/customers/duplicates/{budi}/01ARZ3NDEKTSV4RRFFQ69G5FAV"
    ));
    assert_eq!(unknown.status, 404);
    let bad = manager.post_form(
        &format!("{pair}/merge"),
        &[("csrf", &csrf), ("survivor", "someone")],
    );
    assert_eq!(bad.status, 400);

    // Merge: Budi's record stays, with the second record's email address.
    let merged = manager.post_form(
        &format!("{pair}/merge"),
        &[
            ("csrf", &csrf),
            ("survivor", &budi),
            ("full_name", &budi),
            ("phone", &budi),
            ("id_number", &budi),
            ("date_of_birth", &budi),
            ("address", &budi),
            ("email", &second),
        ],
    );
    assert_eq!(merged.status, 303, "{}", merged.body);
    assert_eq!(
        merged.header("location"),
        Some(format!("/staff/customers/{budi}").as_str())
    );
    let again = manager.post_form(
        &format!("{pair}/merge"),
        &[("csrf", &csrf), ("survivor", &budi)],
    );
    assert_eq!(again.status, 400);
    assert!(again.body.contains("already merged"));

    // The alias redirects; the survivor's page shows both records' tickets and no warning.
    let alias = manager.get(&customer_page);
    assert_eq!(alias.status, 303);
    assert_eq!(
        alias.header("location"),
        Some(format!("/staff/customers/{budi}").as_str())
    );
    let survivor = manager.get(&format!("/staff/customers/{budi}")).body;
    for ticket in budi_tickets.iter().chain([&new_ticket]) {
        assert!(survivor.contains(ticket.as_str()), "{ticket} in {survivor}");
    }
    assert!(survivor.contains("budi.r@example.com"));
    assert!(!survivor.contains("This may be the same person"));
    assert!(survivor.contains("Another record merged into this one"));
    let statement = manager
        .get(&format!("/staff/customers/{budi}/statement"))
        .body;
    assert!(statement.contains(budi_tickets[0].as_str()));
    assert!(manager.get("/staff/audit").body.contains("customer.merge"));
    assert!(
        !manager
            .get("/staff/customers/duplicates")
            .body
            .contains(&second)
    );

    // Now the invitation goes.
    let survivor_page = format!("/staff/customers/{budi}");
    manager.submit(&survivor_page, &format!("{survivor_page}/invite"), &[]);
    assert_eq!(invitations(&db), 1);

    // Another second record, judged not a duplicate: gone from the list for good.
    let third = add_customer(
        &mut manager,
        &[
            ("full_name", "Budi Rahmawan"),
            ("id_number", "3171 9999 0000 0002"),
            ("date_of_birth", &born),
            ("address", "Jl. Mawar 7, Bogor"),
            ("email", ""),
            ("phone", "0812-7777-0002"),
        ],
    );
    let list = manager.get("/staff/customers/duplicates");
    assert!(list.body.contains(&third), "{}", list.body);
    let (a, b) = if budi < third {
        (&budi, &third)
    } else {
        (&third, &budi)
    };
    let r = manager.post_form(
        &format!("/staff/customers/duplicates/{a}/{b}/dismiss"),
        &[("csrf", &list.csrf())],
    );
    assert_eq!(r.status, 303);
    assert!(
        !manager
            .get("/staff/customers/duplicates")
            .body
            .contains(&third)
    );
    assert!(
        !manager
            .get(&format!("/staff/customers/{third}"))
            .body
            .contains("This may be the same person")
    );
    assert!(
        manager
            .get("/staff/audit")
            .body
            .contains("customer.not_duplicate")
    );
}
