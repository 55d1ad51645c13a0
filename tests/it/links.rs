//! Every link on every page of the demo leads somewhere: a crawl of the staff pages as each role
//! and of the portal as a signed-in customer, through the real binary, following each `href`
//! and redirect on this site. A link that answers 404, 403 (shown to someone who may not open
//! it) or 5xx is a broken link.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::time::{Duration, Instant};

use crate::util::{ADMIN, AGENT, CLERK, Client, MANAGER, Server};

/// Pages visited of one shape (the path with record ids and numbers replaced), at most: enough
/// to see every kind of page without walking all of the demo's customers.
const PER_SHAPE: usize = 2;
/// Pages visited in one crawl, at most.
const LIMIT: usize = 400;

/// The path with every id-like segment replaced, so `/staff/customers/01H…` and another
/// customer's page are one shape.
fn shape(path: &str) -> String {
    let (path, query) = path.split_once('?').unwrap_or((path, ""));
    let segments: Vec<&str> = path
        .split('/')
        .map(|s| {
            if s.len() >= 8 && s.bytes().any(|b| b.is_ascii_digit()) {
                "{id}"
            } else {
                s
            }
        })
        .collect();
    let keys: Vec<&str> = query
        .split('&')
        .filter_map(|kv| kv.split('=').next())
        .collect();
    format!("{}?{}", segments.join("/"), keys.join("&"))
}

/// The links of a page that stay on this site, fragments dropped.
fn links(html: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = html;
    while let Some(at) = rest.find("href=\"") {
        rest = &rest[at + 6..];
        let Some(end) = rest.find('"') else { break };
        let href = rest[..end].replace("&amp;", "&");
        rest = &rest[end..];
        let href = href.split('#').next().unwrap_or("").to_owned();
        if href.starts_with('/') && !href.starts_with("//") {
            found.push(href);
        }
    }
    found
}

/// Crawls from `start`; returns how many pages were visited and the broken links, each with the
/// page that showed it.
fn crawl(client: &mut Client, start: &[&str]) -> (usize, Vec<String>) {
    crawl_pages(client, start, &mut |_, _| {})
}

/// Crawls from `start` as [`crawl`] does, giving `visit` each HTML page's path and body.
pub fn crawl_pages(
    client: &mut Client,
    start: &[&str],
    visit: &mut dyn FnMut(&str, &str),
) -> (usize, Vec<String>) {
    let mut queue: VecDeque<(String, String)> = start
        .iter()
        .map(|s| ((*s).to_owned(), "(start)".to_owned()))
        .collect();
    let mut seen = BTreeSet::new();
    let mut shapes: BTreeMap<String, usize> = BTreeMap::new();
    let mut broken = Vec::new();
    let mut visited = 0;
    while let Some((path, from)) = queue.pop_front() {
        if visited >= LIMIT || !seen.insert(path.clone()) {
            continue;
        }
        let count = shapes.entry(shape(&path)).or_default();
        if *count >= PER_SHAPE {
            continue;
        }
        *count += 1;
        // Signing out would end the crawl; the language links only set a cookie.
        if path.starts_with("/lang/") {
            continue;
        }
        visited += 1;
        let r = client.get(&path);
        match r.status {
            200 | 304 => {
                let is_html = r
                    .header("content-type")
                    .is_some_and(|t| t.starts_with("text/html"));
                if is_html {
                    visit(&path, &r.body);
                    for link in links(&r.body) {
                        queue.push_back((link, path.clone()));
                    }
                }
            }
            301..=303 | 307 | 308 => {
                if let Some(to) = r.header("location") {
                    queue.push_back((to.to_owned(), path.clone()));
                }
            }
            status => broken.push(format!("{status} {path} (linked from {from})")),
        }
    }
    (visited, broken)
}

/// Signs a demo customer in on the portal, with the code the demo's SMS log received.
pub fn customer_signed_in(server: &Server) -> Client {
    customer_signed_in_with(server, server.client())
}

/// Signs a demo customer in on the portal from `c` (which may carry a language cookie).
pub fn customer_signed_in_with(server: &Server, mut c: Client) -> Client {
    let page = c.get("/login");
    let r = c.post_form(
        "/login/code",
        &[("csrf", &page.csrf()), ("phone", "0812-1000-0000")],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let log = server.dir.path().join("sms-log.txt");
    let deadline = Instant::now() + Duration::from_secs(20);
    let code = loop {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        let found = text.lines().find_map(|l| {
            let (_, message) = l.split_once(": ")?;
            let digits: String = message.chars().take_while(char::is_ascii_digit).collect();
            (digits.len() == 6).then_some(digits)
        });
        if let Some(code) = found {
            break code;
        }
        assert!(Instant::now() < deadline, "no code in {}", log.display());
        std::thread::sleep(Duration::from_millis(50));
    };
    let page = c.get("/login/verify");
    let r = c.post_form("/login/verify", &[("csrf", &page.csrf()), ("code", &code)]);
    assert_eq!(r.status, 303, "{}", r.body);
    c
}

#[test]
fn every_link_on_every_page_of_the_demo_leads_somewhere() {
    let server = Server::demo();
    let mut all_broken = Vec::new();
    for (user, password) in [ADMIN, MANAGER, CLERK, AGENT] {
        let mut staff = server.client();
        staff.sign_in(user, password);
        let (visited, broken) = crawl(&mut staff, &["/staff"]);
        assert!(visited > 10, "{user} saw only {visited} pages");
        all_broken.extend(broken.into_iter().map(|b| format!("{user}: {b}")));
    }
    let mut customer = customer_signed_in(&server);
    let (visited, broken) = crawl(&mut customer, &["/", "/my"]);
    assert!(visited > 3, "the customer saw only {visited} pages");
    all_broken.extend(broken.into_iter().map(|b| format!("customer: {b}")));
    let mut stranger = server.client();
    let (_, broken) = crawl(&mut stranger, &["/", "/login", "/staff/login"]);
    all_broken.extend(broken.into_iter().map(|b| format!("signed out: {b}")));
    assert!(
        all_broken.is_empty(),
        "broken links:\n{}",
        all_broken.join("\n")
    );
}
