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

/// The figure after `words` on the Today card (`<dt>words</dt><dd>n</dd>`, words maybe a link).
fn figure(card: &str, words: &str) -> u64 {
    let at = card
        .find(&format!("{words}</"))
        .unwrap_or_else(|| panic!("{words}: {card}"));
    let dd = card[at..].find("<dd>").expect("its number") + at + 4;
    let end = card[dd..].find("</dd>").expect("the number ends") + dd;
    card[dd..end].parse().expect("a count")
}

/// The link of the figure `words` on the Today card.
fn figure_link(card: &str, words: &str) -> String {
    let at = card
        .find(&format!(">{words}</a>"))
        .unwrap_or_else(|| panic!("{words} is a link: {card}"));
    let from = card[..at].rfind("href=\"").expect("its address") + 6;
    let to = card[from..].find('"').unwrap() + from;
    card[from..to].replace("&amp;", "&")
}

/// The rows of the list at `href`, following its "Next" links to the last page.
fn listed(c: &mut Client, href: &str) -> u64 {
    let mut rows = 0;
    let mut next = Some(href.to_owned());
    let mut pages = 0;
    while let Some(href) = next.take() {
        pages += 1;
        assert!(pages < 100, "the pager ends");
        let page = c.get(&href);
        assert_eq!(page.status, 200, "{href}: {}", page.body);
        if let Some(body) = page.body.split("<tbody>").nth(1) {
            let body = &body[..body.find("</tbody>").unwrap()];
            rows += body.matches("<tr>").count() as u64;
        }
        if let Some(at) = page.body.find(">Next</a>") {
            let from = page.body[..at].rfind("href=\"").unwrap() + 6;
            let to = page.body[from..].find('"').unwrap() + from;
            next = Some(page.body[from..to].replace("&amp;", "&"));
        }
    }
    rows
}

/// Rows of (state, date) that `sql` selects.
fn states_and_days(db: &rusqlite::Connection, sql: &str) -> Vec<(String, chrono::NaiveDate)> {
    db.prepare(sql)
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// Each complaint's state and whether a deadline of it was breached.
fn states_and_breaches(db: &rusqlite::Connection) -> Vec<(String, bool)> {
    db.prepare(
        "SELECT state, breached_at IS NOT NULL OR response_breached_at IS NOT NULL FROM complaints",
    )
    .unwrap()
    .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
    .unwrap()
    .map(Result::unwrap)
    .collect()
}

#[test]
fn a_managers_today_matches_a_count_of_the_branch() {
    let server = Server::demo();
    let mut agent = server.client();
    agent.sign_in(AGENT.0, AGENT.1);
    let customer = crate::complaints::budi(&mut agent);
    for _ in 0..3 {
        crate::complaints::open_case(&mut agent, &customer);
    }
    // A payment and a redemption today, so the collections and the week have them to show.
    let mut clerk = server.client();
    clerk.sign_in(CLERK.0, CLERK.1);
    let loan = crate::drawers::budi_ticket(&mut clerk);
    let paid = crate::loans::pay(&mut clerk, &loan, "partial", Some("50.000"), &[]);
    assert_eq!(paid.status, 303, "{}", paid.body);
    let redeemed = crate::loans::pay(
        &mut clerk,
        &loan,
        "redemption",
        None,
        &[("handed_over", "yes")],
    );
    assert_eq!(redeemed.status, 303, "{}", redeemed.body);
    let db = crate::util::open_db(&server.dir.path().join("pawnbranch.sqlite"));
    db.execute_batch(
        "UPDATE loans SET state = 'notice' WHERE rowid IN (SELECT rowid FROM loans WHERE state = 'active' LIMIT 2);
         UPDATE customers SET locked_at = '2026-01-01T00:00:00Z' WHERE rowid IN (SELECT rowid FROM customers LIMIT 3);
                  UPDATE complaints SET response_breached_at = '2026-01-01T00:00:00Z'
          WHERE rowid IN (SELECT rowid FROM complaints WHERE state = 'open' LIMIT 1 OFFSET 1);
         UPDATE complaints SET breached_at = '2026-01-01T00:00:00Z'
          WHERE rowid IN (SELECT rowid FROM complaints WHERE state = 'open' LIMIT 1 OFFSET 2);",
    )
    .unwrap();
    let mut c = server.client();
    c.sign_in(MANAGER.0, MANAGER.1);
    let page = c.get("/staff").body;
    let at = page
        .find("id=\"today-card\"")
        .expect("a manager's Today card");
    let card = &page[at..at + page[at..].find("</section>").unwrap()];

    // Counted here from the rows, not by the server's queries.
    let today = (chrono::Utc::now() + chrono::Duration::hours(7)).date_naive();
    let loans = states_and_days(&db, "SELECT state, matures_on FROM loans");
    let open_ages: Vec<i64> = loans
        .iter()
        .filter(|(s, _)| ["active", "due", "grace", "notice"].contains(&s.as_str()))
        .map(|(_, m)| (today - *m).num_days())
        .collect();
    let count = |f: &dyn Fn(i64) -> bool| open_ages.iter().filter(|a| f(**a)).count() as u64;
    assert_eq!(figure(card, "Due today"), count(&|a| a == 0));
    assert_eq!(
        figure(card, "Due this week"),
        count(&|a| (-6..=0).contains(&a))
    );
    assert_eq!(
        figure(card, "Overdue 1 to 7 days"),
        count(&|a| (1..=7).contains(&a))
    );
    assert_eq!(
        figure(card, "Overdue 8 to 30 days"),
        count(&|a| (8..=30).contains(&a))
    );
    assert_eq!(figure(card, "Overdue 31 days or more"), count(&|a| a >= 31));
    let notices = loans.iter().filter(|(s, _)| s == "notice").count() as u64;
    assert!(notices >= 2);
    assert_eq!(figure(card, "Forfeit notices sent"), notices);
    assert_eq!(figure(card, "Locked customers"), 3);
    let promises = states_and_days(&db, "SELECT state, promised_on FROM promises_to_pay");
    let due = promises
        .iter()
        .filter(|(s, on)| s == "active" && *on == today)
        .count() as u64;
    assert_eq!(figure(card, "Promises due today"), due);
    let complaints = states_and_breaches(&db);
    let unresolved = |s: &str| ["open", "waiting_on_customer", "escalated"].contains(&s);
    let open = complaints.iter().filter(|(s, _)| unresolved(s)).count() as u64;
    let late = complaints
        .iter()
        .filter(|(s, b)| unresolved(s) && *b)
        .count() as u64;
    eprintln!(
        "demo: {} promises, {open} open complaints, {late} late",
        promises.len()
    );
    assert_eq!(figure(card, "Open complaints"), open);
    assert_eq!(figure(card, "Complaints past their deadline"), late);
    for state in ["Modem</a></dt><dd>", "Upload to head office</a></dt><dd>"] {
        assert!(card.contains(state), "{state} in {card}");
    }
    assert!(card.contains("href=\"/staff/callcentre?reason=promise_today\""));
    let svg = card
        .find("<svg")
        .expect("the overdue chart, drawn on the server");
    assert!(card[svg..].contains("aria-label=\"Overdue tickets by age\""));
    let bar = |label: &str| {
        let at = card[svg..].find(&format!(">{label}</text>")).expect(label) + svg;
        let value = card[at..].find("</rect>").expect("its bar") + at;
        let from = card[value..].find('>').unwrap() + value + 1;
        let from = card[from..].find('>').unwrap() + from + 1;
        let to = card[from..].find('<').unwrap() + from;
        card[from..to].parse::<u64>().expect("the bar's number")
    };
    assert_eq!(bar("1 to 7 days"), count(&|a| (1..=7).contains(&a)));
    assert_eq!(bar("31 days or more"), count(&|a| a >= 31));
    assert!(!page.contains("<script"), "no script");
    the_trends_match_a_count_of_the_ledger(card, &db, today);

    // Every figure of a list leads to that list, and it shows as many as the figure says.
    for words in [
        "Due today",
        "Due this week",
        "Forfeit notices sent",
        "Locked customers",
    ] {
        let href = figure_link(card, words);
        assert_eq!(
            listed(&mut c, &href),
            figure(card, words),
            "{words}: {href}"
        );
    }
    assert!(
        figure(card, "Due this week") > 0,
        "the demo has tickets due this week"
    );
    let unknown = c.get("/staff/due?list=tomorrow");
    assert_eq!(unknown.status, 400);
    assert!(unknown.body.contains("There is no such list of tickets."));

    let mut clerk = server.client();
    clerk.sign_in(CLERK.0, CLERK.1);
    assert!(
        !clerk.get("/staff").body.contains("today-card"),
        "not a clerk's"
    );
    assert_eq!(clerk.get("/staff/due?list=today").status, 403);
}

/// The values of the chart named `title` on the card (its marks' `data-value`, in order).
fn chart_values(card: &str, title: &str) -> Vec<i64> {
    let at = card
        .find(&format!("aria-label=\"{title}\""))
        .unwrap_or_else(|| panic!("the chart {title}: {card}"));
    let svg = &card[at..at + card[at..].find("</svg>").expect("the chart ends")];
    svg.split("data-value=\"")
        .skip(1)
        .map(|v| v[..v.find('"').unwrap()].parse().expect("a number"))
        .collect()
}

/// One number from `sql` with the dates `?1` and `?2`.
fn sum(
    db: &rusqlite::Connection,
    sql: &str,
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
) -> i64 {
    db.query_row(sql, (from, to), |r| r.get(0)).unwrap()
}

/// The card's trend charts against a count of the ledger's postings and the tickets' events
/// (the postings themselves, not the per-day totals the server reads).
fn the_trends_match_a_count_of_the_ledger(
    card: &str,
    db: &rusqlite::Connection,
    today: chrono::NaiveDate,
) {
    use chrono::Duration;
    let outstanding = chart_values(card, "Principal outstanding, last 30 days");
    let collected = chart_values(card, "Collections, last 30 days");
    assert_eq!((outstanding.len(), collected.len()), (30, 30));
    for (i, back) in (0..30).rev().enumerate() {
        let day = today - Duration::days(back);
        let balance = sum(
            db,
            "SELECT COALESCE(SUM(CASE p.side WHEN 'debit' THEN p.amount ELSE -p.amount END), 0)
             FROM ledger_postings p JOIN ledger l ON l.id = p.transaction_id
             WHERE p.account = 'principal_receivable' AND l.on_date <= ?1 AND ?2 = ?2",
            day,
            day,
        );
        let paid = sum(
            db,
            "SELECT COALESCE(SUM(CASE WHEN l.kind IN ('principal', 'interest', 'fee') AND p.side = 'credit' THEN p.amount
                                      WHEN l.kind = 'reversal' AND p.side = 'debit' THEN -p.amount ELSE 0 END), 0)
             FROM ledger_postings p JOIN ledger l ON l.id = p.transaction_id
             WHERE p.account IN ('principal_receivable', 'interest_receivable', 'fees_receivable')
               AND l.on_date BETWEEN ?1 AND ?2",
            day,
            day,
        );
        assert_eq!(outstanding[i], balance, "outstanding at the end of {day}");
        assert_eq!(collected[i], paid, "collected on {day}");
    }
    assert!(outstanding.iter().all(|v| *v > 0), "the demo lends");
    assert!(collected[29] >= 50_000, "today's payment: {collected:?}");
    let weeks = chart_values(card, "Tickets per week");
    assert_eq!(weeks.len(), 8 * 3, "three columns a week");
    for (i, back) in (0..8).rev().enumerate() {
        let last = today - Duration::days(7 * back);
        let first = last - Duration::days(6);
        let written = sum(
            db,
            "SELECT COUNT(*) FROM ledger WHERE kind = 'disbursement' AND on_date BETWEEN ?1 AND ?2",
            first,
            last,
        );
        let became = |state: &str| -> i64 {
            db.prepare("SELECT at FROM loan_events WHERE kind = 'state' AND to_value = ?1")
                .unwrap()
                .query_map([state], |r| r.get::<_, chrono::DateTime<chrono::Utc>>(0))
                .unwrap()
                .map(Result::unwrap)
                .map(|at| (at + Duration::hours(7)).date_naive())
                .filter(|d| *d >= first && *d <= last)
                .count() as i64
        };
        assert_eq!(
            weeks[3 * i..3 * i + 3],
            [written, became("redeemed"), became("forfeited")],
            "the week to {last}"
        );
    }
    assert!(weeks[7 * 3 + 1] >= 1, "this week's redemption: {weeks:?}");
    eprintln!("demo trends: {outstanding:?} {collected:?} {weeks:?}");
}

/// Opens a manager's dashboard in Chromium at `size` (`None`: a 360 px phone): each chart of
/// the Today card is drawn inside the screen, its marks are there (a bar per age, a point and a
/// column per day, three columns a week and the legend), its words are at least 9 px high, and
/// the page does not scroll sideways (checked by each screenshot step).
fn the_chart_in_a_browser(size: Option<(u64, u64)>, prefix: &'static str) {
    let server = Server::demo();
    let mut browser = match size {
        None => crate::browser::Browser::start(server.addr, prefix),
        Some(size) => crate::browser::Browser::start_sized(server.addr, prefix, size),
    };
    browser.sign_in_staff(MANAGER);
    browser.goto("/staff");
    browser.wait_until("the Today card", || {
        browser.text().contains("Overdue tickets by age")
    });
    let drawn = browser.script(
        "return [...document.querySelectorAll('#today-card svg')].map(svg => {
           const box = svg.getBoundingClientRect();
           const words = [...svg.querySelectorAll('text')].map(t => t.getBoundingClientRect().height);
           return { name: svg.getAttribute('aria-label'), left: box.left, right: box.right,
                    width: box.width, inner: window.innerWidth, smallest: Math.min(...words),
                    marks: svg.querySelectorAll('rect').length + svg.querySelectorAll('circle').length };
         });",
    );
    let charts = drawn.as_array().unwrap_or_else(|| panic!("{drawn}"));
    let names: Vec<&str> = charts.iter().filter_map(|c| c["name"].as_str()).collect();
    assert_eq!(
        names,
        [
            "Overdue tickets by age",
            "Principal outstanding, last 30 days",
            "Collections, last 30 days",
            "Tickets per week"
        ]
    );
    for (chart, marks) in charts.iter().zip([3, 30, 30, 8 * 3 + 3]) {
        let number = |k: &str| chart[k].as_f64().unwrap_or_else(|| panic!("{k}: {chart}"));
        assert!(number("width") > 100.0, "the chart has a size: {chart}");
        assert!(
            number("left") >= 0.0 && number("right") <= number("inner"),
            "inside the screen: {chart}"
        );
        assert!(number("smallest") >= 9.0, "words that read: {chart}");
        assert_eq!(chart["marks"].as_u64(), Some(marks), "{chart}");
    }
    browser.step("dashboard");
    browser.script("document.querySelector('.today-charts').scrollIntoView(); return 0;");
    browser.step("charts");
}

#[test]
fn the_dashboard_chart_reads_on_a_phone() {
    the_chart_in_a_browser(None, "dashboard-phone");
}

#[test]
fn the_dashboard_chart_reads_on_a_counter_screen() {
    the_chart_in_a_browser(Some((1366, 768)), "dashboard-counter");
}
