//! Head office's chain reports over HTTP, on both stores: a branch's upload shows on every
//! report page and its CSV; the pages and CSVs need a session; the CSV's lines are the
//! figures the page shows; bad input gets its reason.

use chrono::{Duration, Utc};
use serde_json::json;

use crate::hq_signin::{RINA, add_user, sign_in};
use crate::sync::upload;
use crate::util::{self, HqStore};

const REPORTS: [&str; 5] = [
    "outstanding",
    "collections",
    "forfeits",
    "complaints",
    "sms",
];

/// A record of the upload: `entity`, `id` and its columns.
fn entry(seq: i64, entity: &str, id: &str, data: serde_json::Value) -> serde_json::Value {
    json!({ "seq": seq, "entity": entity, "id": id, "op": "insert", "data": data.to_string(),
            "at": "2026-11-25 08:00:00.000+00:00" })
}

/// BR01's batch in `schema`: a product, an open ticket with a payment, a redeemed ticket, a
/// forfeited one moved to sale stock and sold, a complaint, two messages (one delivered).
fn batch(schema: &serde_json::Value) -> serde_json::Value {
    let today = Utc::now().date_naive();
    let at = format!("{today} 08:00:00.000+00:00");
    let earlier = (today - Duration::days(8)).to_string();
    let entries = vec![
        entry(
            1,
            "loan_products",
            "P1",
            json!({ "id": "P1", "name": "Emas" }),
        ),
        entry(
            2,
            "loans",
            "L1",
            json!({ "id": "L1", "customer_id": "C1", "ticket_no": "T1", "product_id": "P1", "state": "active", "principal": 900_000 }),
        ),
        entry(
            3,
            "ledger",
            "G1",
            json!({ "id": "G1", "loan_id": "L1", "kind": "disbursement", "amount": 900_000, "on_date": earlier }),
        ),
        entry(
            4,
            "ledger",
            "G2",
            json!({ "id": "G2", "loan_id": "L1", "kind": "interest", "amount": 45_000, "on_date": today.to_string() }),
        ),
        entry(
            5,
            "loans",
            "L2",
            json!({ "id": "L2", "customer_id": "C1", "ticket_no": "T2", "product_id": "P1", "state": "redeemed", "principal": 500_000, "closed_at": at }),
        ),
        entry(
            6,
            "complaints",
            "K1",
            json!({ "id": "K1", "category": "billing", "state": "open", "opened_at": at }),
        ),
        entry(
            7,
            "sms_outbox",
            "S1",
            json!({ "id": "S1", "kind": "reminder", "state": "sent", "delivery": "delivered", "created_at": at }),
        ),
        entry(
            8,
            "sms_outbox",
            "S2",
            json!({ "id": "S2", "kind": "reminder", "state": "failed", "created_at": at }),
        ),
        entry(
            9,
            "loans",
            "L3",
            json!({ "id": "L3", "customer_id": "C1", "ticket_no": "T3", "product_id": "P1", "state": "forfeited", "principal": 600_000, "closed_at": at }),
        ),
        entry(
            10,
            "disposals",
            "L3",
            json!({ "loan_id": "L3", "on_date": today.to_string() }),
        ),
        entry(
            11,
            "disposal_sales",
            "L3",
            json!({ "loan_id": "L3", "channel": "auction", "price": 700_000, "on_date": today.to_string() }),
        ),
    ];
    json!({ "branch": "BR01", "schema": schema, "entries": entries })
}

/// The cells' texts of every table row of a page.
fn rows(html: &str) -> Vec<Vec<String>> {
    html.split("<tr>")
        .skip(1)
        .map(|row| {
            let row = row.split("</tr>").next().unwrap_or("");
            row.split("<td")
                .skip(1)
                .map(|cell| {
                    let inner = cell.split_once('>').map_or("", |(_, rest)| rest);
                    let inner = inner.split("</td>").next().unwrap_or("");
                    strip_tags(inner)
                })
                .collect()
        })
        .filter(|cells: &Vec<String>| !cells.is_empty())
        .collect()
}

fn strip_tags(html: &str) -> String {
    let mut out = String::new();
    let mut inside = false;
    for c in html.chars() {
        match c {
            '<' => inside = true,
            '>' => inside = false,
            c if !inside => out.push(c),
            _ => {}
        }
    }
    out.trim().to_owned()
}

/// The digits of a figure as a page or CSV writes it (a money amount's minor units), or the
/// text itself when it is a share.
fn figure(text: &str) -> String {
    if text.ends_with('%') || text == "—" || text.is_empty() {
        return text.replace('—', "");
    }
    text.chars().filter(char::is_ascii_digit).collect()
}

util::on_both_stores!(
    reports_answer_a_signed_in_user_and_their_csv_is_the_page,
    a_head_office_from_before_the_reports_fills_them_at_its_next_start,
);

/// Every report's CSV, as a signed-in user downloads it.
fn every_csv(hq: &util::Server) -> Vec<String> {
    let mut c = hq.client();
    sign_in(&mut c, RINA.0, RINA.1);
    REPORTS
        .iter()
        .map(|r| c.get(&format!("/reports/{r}.csv")).body)
        .collect()
}

fn a_head_office_from_before_the_reports_fills_them_at_its_next_start(store: HqStore) {
    let (mut hq, credential) = util::head_office_on(store, "Report branch");
    add_user(hq.dir.path(), RINA.0, RINA.1);
    let health: serde_json::Value =
        serde_json::from_str(&hq.client().get("/healthz").body).unwrap();
    let (status, reply) = upload(&hq, &credential, &batch(&health["accepts_schema"][1]));
    assert_eq!(status, 200, "{reply}");
    let before = every_csv(&hq);
    assert!(
        before.iter().all(|csv| csv.lines().count() > 1),
        "{before:?}"
    );

    // Stopped, and made as a head office from before the reports is after the migration: its
    // records, no report rows, the back-fill due.
    hq.kill();
    let mut db = util::HqDb::open(hq.dir.path());
    db.query("DELETE FROM report_rows");
    db.query("INSERT INTO report_backfill (pending) VALUES (1) ON CONFLICT DO NOTHING");
    drop(db);
    hq.restart_after_kill(util::Options {
        head_office: true,
        ..util::Options::default()
    });
    assert_eq!(
        every_csv(&hq),
        before,
        "the same figures after the back-fill"
    );
    let mut db = util::HqDb::open(hq.dir.path());
    assert_eq!(db.int("SELECT COUNT(*) FROM report_backfill"), 0);
    assert_eq!(db.int("SELECT COUNT(*) FROM report_rows"), 11);
}

fn reports_answer_a_signed_in_user_and_their_csv_is_the_page(store: HqStore) {
    let (hq, credential) = util::head_office_on(store, "Report branch");
    add_user(hq.dir.path(), RINA.0, RINA.1);
    let health: serde_json::Value =
        serde_json::from_str(&hq.client().get("/healthz").body).unwrap();
    let (status, reply) = upload(&hq, &credential, &batch(&health["accepts_schema"][1]));
    assert_eq!(status, 200, "{reply}");

    let mut anonymous = hq.client();
    let pages: Vec<String> = std::iter::once("/reports".to_owned())
        .chain(
            REPORTS
                .iter()
                .flat_map(|r| [format!("/reports/{r}"), format!("/reports/{r}.csv")]),
        )
        .chain(std::iter::once("/branches/BR01".to_owned()))
        .collect();
    for path in &pages {
        let r = anonymous.get(path);
        assert_eq!(r.status, 303, "{path} without a session");
        assert!(
            r.header("location")
                .unwrap_or("")
                .starts_with("/login?next="),
            "{path}"
        );
    }

    let mut c = hq.client();
    sign_in(&mut c, RINA.0, RINA.1);
    let home = c.get("/");
    assert!(
        home.body.contains("href=\"/reports\""),
        "the nav links the reports"
    );
    for path in &pages {
        let r = c.get(path);
        assert_eq!(r.status, 200, "{path}: {}", r.body);
    }
    for report in REPORTS {
        let page = c.get(&format!("/reports/{report}"));
        assert!(page.body.contains("<svg"), "{report} draws a chart");
        let csv = c.get(&format!("/reports/{report}.csv"));
        assert!(
            csv.header("content-type")
                .unwrap_or("")
                .starts_with("text/csv"),
            "{report}"
        );
        let mut lines = csv.body.lines();
        let header = lines.next().unwrap_or("");
        assert!(header.starts_with("Branch,"), "{report}: {header}");
        let page_rows: Vec<Vec<String>> = rows(&page.body)
            .into_iter()
            .map(|cells| cells[1..].iter().map(|c| figure(c)).collect())
            .collect();
        let mut seen = 0;
        for line in lines {
            let cells: Vec<&str> = line.split(',').collect();
            assert_eq!(cells[0], "BR01", "{report}: {line}");
            let figures: Vec<String> = cells[2..].iter().map(|c| figure(c)).collect();
            assert!(
                page_rows.contains(&figures),
                "{report}: the CSV line {line} is not a row of the page {page_rows:?}"
            );
            seen += 1;
        }
        assert!(seen > 0, "{report}: the upload shows in the CSV");
    }
    // The figures themselves, on the page and in the CSV.
    let csv = c.get("/reports/outstanding.csv").body;
    assert!(csv.contains("BR01,Emas,1,900000"), "{csv}");
    let csv = c.get("/reports/sms.csv").body;
    assert!(csv.contains("BR01,reminder,1,1,1,100.0%"), "{csv}");
    let csv = c.get("/reports/collections.csv").body;
    assert!(csv.lines().any(|l| l.ends_with(",45000,1,1")), "{csv}");
    let csv = c.get("/reports/forfeits.csv").body;
    assert!(
        csv.lines().any(|l| l.ends_with(",1,600000,1,1,700000")),
        "{csv}"
    );

    // The branch's page: its position, its lag and its figures.
    let branch = c.get("/branches/BR01").body;
    assert!(branch.contains("Oldest change waiting"), "{branch}");
    assert!(
        branch.contains("Outstanding loans") && branch.contains("Emas"),
        "{branch}"
    );

    // Bad input: its reason on the page, or a 400 with it; an unknown report is not found.
    let bad = c.get("/reports/collections?weeks=0");
    assert_eq!(bad.status, 200);
    assert!(bad.body.contains("role=\"alert\""), "{}", bad.body);
    assert!(
        bad.body.contains("whole number from 1 to 104"),
        "{}",
        bad.body
    );
    let bad = c.get("/reports/collections.csv?weeks=many");
    assert_eq!(bad.status, 400);
    assert!(bad.body.contains("whole number"), "{}", bad.body);
    assert_eq!(c.get("/reports/nonsense").status, 404);
    assert_eq!(c.request("POST", "/reports/sms", &[], b"").status, 405);
}

/// One report page in Chromium, on a 360 px phone and a 1366 px desktop: it draws its charts
/// and tables without the page scrolling sideways, and its inputs have labels.
#[test]
fn a_report_page_fits_a_phone_and_a_desktop() {
    let (hq, credential) = util::head_office_on(HqStore::Sqlite, "Report branch");
    add_user(hq.dir.path(), RINA.0, RINA.1);
    let health: serde_json::Value =
        serde_json::from_str(&hq.client().get("/healthz").body).unwrap();
    let (status, reply) = upload(&hq, &credential, &batch(&health["accepts_schema"][1]));
    assert_eq!(status, 200, "{reply}");
    for (prefix, size) in [
        ("hq-reports-phone", (360, 740)),
        ("hq-reports-desktop", (1366, 900)),
    ] {
        let mut browser = crate::browser::Browser::start_sized(hq.addr, prefix, size);
        browser.goto("/reports/forfeits");
        browser.wait_for_path("/login");
        browser.type_into(&browser.find("#username"), RINA.0);
        browser.type_into(&browser.find("#password"), RINA.1);
        browser.click(&browser.find("form[action=\"/login\"] button"));
        browser.wait_for_path("/reports/forfeits");
        browser.wait_until("the report", || browser.text().contains("Whole chain"));
        let charts = browser.script("return document.querySelectorAll('svg.chart').length;");
        assert_eq!(charts, json!(2), "{prefix}: both charts drawn");
        browser.step("forfeits");
        browser.goto("/branches/BR01");
        browser.wait_until("the branch", || {
            browser.text().contains("This branch's figures")
        });
        browser.step("branch");
    }
}
