//! Every word on every page of the demo in Bahasa Indonesia is Indonesian: a crawl of the staff
//! pages as each role, of the portal as a signed-in customer and of the signed-out pages, with
//! the language cookie set to `id`, looking for words the English catalogue has and no
//! Indonesian message has. Such a word means a page shows English that did not go through the
//! catalogue, or went through it in the wrong language.

use std::collections::{BTreeMap, BTreeSet};

use pawnbranch::testing::{english_only_words, words};

use crate::links::{crawl_pages, customer_signed_in_with};
use crate::util::{ADMIN, AGENT, CLERK, Client, MANAGER, Options, Server};

/// Words both languages write the same way on these pages, which the catalogue happens to hold
/// only in an English message: the product's and the channels' names, and "Made", the demo
/// manager's (Balinese) given name, which is also an English word.
const SAME_IN_BOTH: &[&str] = &["pawnbranch", "sms", "otp", "email", "csv", "pdf", "made"];

/// The text a reader sees on a page: text between tags (scripts and styles left out) and the
/// `placeholder`, `title`, `aria-label` and `alt` attributes. Values of inputs and text areas
/// are data (the reminders page edits the English texts too), and so is what a page marks
/// `translate="no"` (usernames, the audit log's codes and values).
fn visible_text(html: &str) -> String {
    let mut text = String::new();
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        text.push_str(&rest[..open]);
        text.push(' ');
        rest = &rest[open..];
        let Some(close) = rest.find('>') else { break };
        let tag = &rest[..=close];
        for attribute in ["placeholder", "title", "aria-label", "alt"] {
            if let Some(value) = attribute_value(tag, attribute) {
                text.push_str(&value);
                text.push(' ');
            }
        }
        rest = &rest[close + 1..];
        let name: String = tag[1..]
            .chars()
            .take_while(char::is_ascii_alphanumeric)
            .collect();
        if ["script", "style", "textarea"].contains(&name.as_str())
            || tag.contains(" translate=\"no\"")
        {
            let end = format!("</{name}>");
            rest = rest.find(&end).map_or("", |at| &rest[at + end.len()..]);
        }
    }
    text.push_str(rest);
    text.replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
}

fn attribute_value(tag: &str, name: &str) -> Option<String> {
    let marker = format!(" {name}=\"");
    let at = tag.find(&marker)? + marker.len();
    let end = tag[at..].find('"')?;
    Some(tag[at..at + end].to_owned())
}

/// The words of a page's text, data left out: a token with a digit, `@`, `/` or `:` in it is an
/// amount, id, ticket or phone number, email address, path or time.
fn page_words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split_whitespace()
        .filter(|t| {
            !t.chars()
                .any(|c| c.is_ascii_digit() || matches!(c, '@' | '/' | ':'))
        })
        .flat_map(words)
}

/// Where an English word was seen: the first pages, and the text around its first sighting.
#[derive(Default)]
struct Sighting {
    pages: BTreeSet<String>,
    context: String,
}

/// Crawls as `client` and records each English-only word with the first pages showing it.
fn untranslated(
    client: &mut Client,
    start: &[&str],
    english: &BTreeSet<String>,
    found: &mut BTreeMap<String, Sighting>,
) -> usize {
    let (visited, _) = crawl_pages(client, start, &mut |path, body| {
        look_for_english(path, body, english, found);
    });
    visited
}

/// Records each English-only word on one page.
fn look_for_english(
    path: &str,
    body: &str,
    english: &BTreeSet<String>,
    found: &mut BTreeMap<String, Sighting>,
) {
    let text = visible_text(body);
    let tokens: Vec<&str> = text.split_whitespace().collect();
    for (i, token) in tokens.iter().enumerate() {
        for word in page_words(token) {
            if !english.contains(&word) || SAME_IN_BOTH.contains(&word.as_str()) {
                continue;
            }
            let seen = found.entry(word).or_default();
            if seen.context.is_empty() {
                seen.context = tokens[i.saturating_sub(4)..(i + 5).min(tokens.len())].join(" ");
            }
            if seen.pages.len() < 3 {
                seen.pages.insert(path.to_owned());
            }
        }
    }
}

fn in_indonesian(server: &Server) -> Client {
    let mut c = server.client();
    c.cookies.insert("pb_lang".into(), "id".into());
    c
}

#[test]
fn visible_text_keeps_words_and_drops_markup() {
    let html = r#"<p title="Judul">Halo <b>dunia</b></p><script>var english = 1;</script><input value="Data" placeholder="Cari"><td translate="no">manager</td>"#;
    let text = visible_text(html);
    assert!(text.contains("Halo") && text.contains("dunia") && text.contains("Judul"));
    assert!(text.contains("Cari"), "{text}");
    assert!(
        !text.contains("english") && !text.contains("Data") && !text.contains("manager"),
        "{text}"
    );
    let found: Vec<String> = page_words("Tiket PB-00012 0812-1000 budi@example.id Jatuh").collect();
    assert_eq!(found, ["tiket", "jatuh"]);
}

#[test]
fn every_page_of_the_demo_in_indonesian_shows_no_english_word() {
    let english = english_only_words();
    assert!(english.contains("previous") && english.contains("interest"));
    // An Indonesian branch: its staff write the demo's products and items in Indonesian.
    let server = Server::start(Options {
        demo: true,
        env: vec![("PAWNBRANCH_BRANCH_LANGUAGE".into(), "id".into())],
        ..Options::default()
    });
    let mut found = BTreeMap::new();
    for (user, password) in [ADMIN, MANAGER, CLERK, AGENT] {
        let mut staff = in_indonesian(&server);
        staff.sign_in(user, password);
        let visited = untranslated(&mut staff, &["/staff"], &english, &mut found);
        assert!(visited > 10, "{user} saw only {visited} pages");
    }
    let mut customer = customer_signed_in_with(&server, in_indonesian(&server));
    let visited = untranslated(&mut customer, &["/", "/my"], &english, &mut found);
    assert!(visited > 3, "the customer saw only {visited} pages");
    // The signed-in customer's file shows the codes sent and typed: its timeline too.
    let id: String = crate::util::open_db(&server.dir.path().join("pawnbranch.sqlite"))
        .query_row(
            "SELECT id FROM customers WHERE phone = '+6281210000000'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let mut manager = in_indonesian(&server);
    manager.sign_in(MANAGER.0, MANAGER.1);
    let path = format!("/staff/customers/{id}");
    let page = manager.get(&path);
    assert!(page.body.contains("id=\"timeline\""), "{}", page.body);
    look_for_english(&path, &page.body, &english, &mut found);
    let mut stranger = in_indonesian(&server);
    untranslated(
        &mut stranger,
        &["/", "/login", "/staff/login"],
        &english,
        &mut found,
    );
    let report: Vec<String> = found
        .iter()
        .map(|(word, seen)| {
            let pages: Vec<&str> = seen.pages.iter().map(String::as_str).collect();
            format!("{word}: \"{}\" on {}", seen.context, pages.join(" "))
        })
        .collect();
    assert!(
        report.is_empty(),
        "{} English words on Indonesian pages:\n{}",
        report.len(),
        report.join("\n")
    );
}
