//! The staff dashboard through the real binary: each role sees the cards of its work, and every
//! card's heading is a link to its list, which opens for that role.

use crate::util::{ADMIN, AGENT, CLERK, Client, MANAGER, Server};

/// The cards of the dashboard (the markup inside `<div class="cards">`).
fn cards(c: &mut Client) -> String {
    let page = c.get("/staff");
    assert_eq!(page.status, 200, "{}", page.body);
    let start = page.body.find("<div class=\"cards\">").expect("the cards");
    let rest = &page.body[start..];
    let end = rest.find("</main>").unwrap_or(rest.len());
    rest[..end].to_owned()
}

/// Each card's heading (`<h2>...</h2>` inside a card).
fn headings(cards: &str) -> Vec<String> {
    cards
        .split("<section class=\"card\"")
        .skip(1)
        .map(|card| {
            let from = card.find("<h2>").expect("a heading in every card");
            let to = card[from..].find("</h2>").expect("the heading ends") + from;
            card[from..to].to_owned()
        })
        .collect()
}

/// The link of a card's heading.
fn link(heading: &str) -> Option<String> {
    let from = heading.find("href=\"")? + 6;
    let to = heading[from..].find('"')? + from;
    Some(heading[from..to].replace("&amp;", "&"))
}

/// Signs `who` in and checks every card is a link that opens (200) for them; returns the cards.
fn every_card_links_to_its_list(server: &Server, who: (&str, &str)) -> String {
    let mut c = server.client();
    c.sign_in(who.0, who.1);
    let cards = cards(&mut c);
    let headings = headings(&cards);
    assert!(!headings.is_empty(), "{} sees cards", who.0);
    for h in &headings {
        let href = link(h).unwrap_or_else(|| panic!("{}: a card without a link: {h}", who.0));
        let list = c.get(&href);
        assert_eq!(list.status, 200, "{}: {href} opens", who.0);
    }
    cards
}

#[test]
fn each_role_sees_the_cards_of_its_work_and_each_card_opens_its_list() {
    let server = Server::demo();
    let clerk = every_card_links_to_its_list(&server, CLERK);
    for (path, name) in [
        ("/staff/sync", "Sync"),
        ("/staff/email", "Email"),
        ("/staff/sms", "SMS"),
    ] {
        assert!(!clerk.contains(path), "a clerk has no {name} card: {clerk}");
    }
    assert!(!clerk.contains("Backups"), "a clerk has no Backups card");
    assert!(clerk.contains("/staff/payments"), "a clerk's loans card");
    let mut c = server.client();
    assert_eq!(c.get("/staff/backups").status, 303, "signed out: sign in");
    c.sign_in(CLERK.0, CLERK.1);
    assert_eq!(c.get("/staff/backups").status, 403, "nor the Backups page");

    let agent = every_card_links_to_its_list(&server, AGENT);
    assert!(agent.contains("/staff/complaints"), "an agent's complaints");
    assert!(!agent.contains("/staff/sync"), "an agent has no Sync card");

    let manager = every_card_links_to_its_list(&server, MANAGER);
    for path in [
        "/staff/sync",
        "/staff/email",
        "/staff/sms",
        "/staff/complaints",
    ] {
        assert!(manager.contains(path), "a manager's card for {path}");
    }
    assert!(manager.contains("Backups"), "a manager's Backups card");
    every_card_links_to_its_list(&server, ADMIN);
}
