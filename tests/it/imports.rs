//! Imports against the real binary: customers and open tickets from the previous system, then
//! bank statements matched to payment codes on the command line (matched, underpaid, unknown
//! code, the same file again) and on the staff's upload and review pages.

use std::path::Path;
use std::time::Duration;

use chrono::{NaiveDate, Utc};

use crate::util::{AGENT, CLERK, Server};

/// The gold product of the demo branch.
const GOLD: &str = "Gold pawn (15-day periods, 120 days)";

/// Runs `pawnbranch import <what> <file>` on the server's data directory; returns the exit
/// status, standard output and standard error.
pub(crate) fn import(server: &Server, what: &str, file: &Path) -> (bool, String, String) {
    let out = crate::util::command(server.dir.path())
        .arg("import")
        .arg(what)
        .arg(file)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A connection to the server's database.
pub(crate) fn database(server: &Server) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(server.dir.path().join("pawnbranch.sqlite")).unwrap();
    conn.busy_timeout(Duration::from_secs(10)).unwrap();
    conn
}

/// Adds a payment code for an imported ticket, as the customer side makes them: an extension
/// by the term's 8 periods, valid for two days.
fn add_code(conn: &rusqlite::Connection, code: &str, ticket_no: &str, amount: i64) {
    let now = Utc::now();
    conn.execute(
        "INSERT INTO payment_codes (code, loan_id, purpose, amount, periods, created_at, expires_at)
         SELECT ?1, id, 'extension', ?2, 8, ?3, ?4 FROM loans WHERE ticket_no = ?5",
        rusqlite::params![code, amount, now, now + chrono::Duration::days(2), ticket_no],
    )
    .unwrap();
}

/// The maturity of a ticket.
fn maturity(conn: &rusqlite::Connection, ticket_no: &str) -> NaiveDate {
    conn.query_row(
        "SELECT matures_on FROM loans WHERE ticket_no = ?1",
        [ticket_no],
        |r| r.get(0),
    )
    .unwrap()
}

/// What the ledger holds under a reference: distinct payments and their total.
fn paid_under(conn: &rusqlite::Connection, reference: &str) -> (i64, i64) {
    conn.query_row(
        "SELECT COUNT(DISTINCT payment_id), COALESCE(SUM(amount), 0) FROM ledger WHERE reference = ?1",
        [reference],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .unwrap()
}

#[test]
fn customers_tickets_and_statements_from_the_command_line_and_the_upload_page() {
    let server = Server::demo();
    let files = tempfile::tempdir().unwrap();

    // Customers, then their open tickets from the previous system.
    let customers = files.path().join("customers.csv");
    std::fs::write(
        &customers,
        "full_name,phone,id_number\n\
         Siti Import,0857-1000-0001,3171000011112222\n\
         Budi Import,0857-1000-0002,\n",
    )
    .unwrap();
    let (ok, out, err) = import(&server, "customers", &customers);
    assert!(ok, "{err}");
    assert!(out.contains("Imported 2 customers."), "{out}");

    // Started five days ago: in the first 15-day period, owing 1.15% of Rp 1,000,000 and the
    // Rp 5,000 ticket fee, whatever the time zone.
    let start = Utc::now().date_naive() - chrono::Duration::days(5);
    let due = start + chrono::Duration::days(120);
    let loans = files.path().join("loans.csv");
    std::fs::write(
        &loans,
        format!(
            "ticket_no,customer,items,appraised,principal,product,start_date,maturity_date,paid_interest,paid_fees,paid_principal\n\
             OLD-0001,0857 1000 0001,Gold ring 5 g|Gold chain 10 g,\"2.000.000\",1.000.000,\"{GOLD}\",{start},{due},,,\n\
             OLD-0002,3171000011112222,Gold bracelet,\"2.000.000\",1.000.000,\"{GOLD}\",{start},{due},,,\n"
        ),
    )
    .unwrap();
    // A bad file is refused whole, by line.
    let bad = files.path().join("bad-loans.csv");
    std::fs::write(
        &bad,
        format!(
            "ticket_no,customer,items,appraised,principal,product,start_date,maturity_date\n\
             OLD-0009,0857 1000 0001,Ring,1.000.000,500.000,\"{GOLD}\",{start},{due}\n\
             OLD-0010,0899 0000 0000,Ring,1.000.000,500.000,Silver,{start},{due}\n"
        ),
    )
    .unwrap();
    let (ok, _, err) = import(&server, "loans", &bad);
    assert!(!ok);
    assert!(
        err.contains("2 problems in the file; nothing was imported")
            && err.contains("line 3: customer \"0899 0000 0000\"")
            && err.contains("line 3: product \"Silver\""),
        "{err}"
    );
    let (ok, out, err) = import(&server, "loans", &loans);
    assert!(ok, "{err}");
    assert!(out.contains("Imported 2 tickets (2 active)."), "{out}");

    let conn = database(&server);
    add_code(&conn, "K7P3M9QX", "OLD-0001", 16_500);
    add_code(&conn, "SHRTPAY2", "OLD-0002", 16_500);
    let before = maturity(&conn, "OLD-0001");
    assert_eq!(before, due);

    // A statement: one line matches exactly, one pays too little, one names no code of ours.
    let statement = files.path().join("statement.csv");
    let today = Utc::now().date_naive() - chrono::Duration::days(1);
    std::fs::write(
        &statement,
        format!(
            "date,reference,amount,description,method\n\
             {today},BNI-0001,16.500,TRF FROM SITI PAYCODE K7P3M9QX,bank_transfer\n\
             {today},BNI-0002,10.000,TRF FROM BUDI PAYCODE shrt-pay2,\n\
             {today},OVO-0003,50.000,PAYCODE ZZZZ9999,mobile_money\n"
        ),
    )
    .unwrap();
    let (ok, out, err) = import(&server, "payments", &statement);
    assert!(ok, "{err}");
    assert!(
        out.starts_with("statement.csv: 3 lines, 1 matched and applied, 1 to review, 1 unmatched, 0 already imported (skipped).")
            && out.contains("line 2  BNI-0001  IDR 16,500  Applied to ticket OLD-0001 (payment code K7P3M9QX).")
            && out.contains("line 3  BNI-0002  IDR 10,000  Less than payment code SHRTPAY2 asks for: paid IDR 10,000, the code is for IDR 16,500.")
            && out.contains("line 4  OVO-0003  IDR 50,000  No payment code of this branch in the description."),
        "{out}"
    );
    // The extension moved the maturity on by 8 periods; the ledger has the payment.
    assert_eq!(
        maturity(&conn, "OLD-0001"),
        start + chrono::Duration::days(240)
    );
    assert_eq!(paid_under(&conn, "BNI-0001"), (1, 16_500));
    assert_eq!(
        paid_under(&conn, "BNI-0002"),
        (0, 0),
        "never applied silently"
    );
    assert_eq!(maturity(&conn, "OLD-0002"), due);

    // The same file again: every line a duplicate, nothing applied twice.
    let (ok, out, err) = import(&server, "payments", &statement);
    assert!(ok, "{err}");
    assert!(
        out.starts_with("statement.csv: 3 lines, 0 matched and applied, 0 to review, 0 unmatched, 3 already imported (skipped)."),
        "{out}"
    );
    assert_eq!(paid_under(&conn, "BNI-0001"), (1, 16_500));
    assert_eq!(
        maturity(&conn, "OLD-0001"),
        start + chrono::Duration::days(240)
    );

    // The upload page, as a clerk.
    let mut clerk = server.client();
    clerk.sign_in(CLERK.0, CLERK.1);
    let page = clerk.get("/staff/payments/import");
    assert_eq!(page.status, 200);
    assert!(
        page.body
            .contains("<label for=\"statement\">Statement (CSV)</label>")
            && page.body.contains("<textarea")
            && page.body.contains("At most 64 KiB can be sent at once")
            && page.body.contains("Statement lines to review: 2"),
        "{}",
        page.body
    );
    // Bad lines: nothing imported, the problems by line, the text kept.
    let r = clerk.submit(
        "/staff/payments/import",
        "/staff/payments/import",
        &[(
            "statement",
            "date,reference,amount,description\r\n2025-02-30,X-1,abc,SHRTPAY2\r\n",
        )],
    );
    assert_eq!(r.status, 400);
    assert!(
        r.body.contains("Nothing was imported")
            && r.body
                .contains("date &quot;2025-02-30&quot; is not a date written YYYY-MM-DD")
            && r.body
                .contains("amount &quot;abc&quot; is not an amount above zero")
            && r.body.contains("X-1,abc,SHRTPAY2"),
        "{}",
        r.body
    );
    let r = clerk.submit(
        "/staff/payments/import",
        "/staff/payments/import",
        &[("statement", " ")],
    );
    assert_eq!(r.status, 400);
    assert!(r.body.contains("Paste the statement first."));
    // The underpaid code paid in full now, and a line imported before.
    let pasted = format!(
        "date,reference,amount,description\r\n{today},BNI-0004,16.500,BUDI SHRTPAY2\r\n{today},BNI-0001,16.500,TRF FROM SITI PAYCODE K7P3M9QX\r\n"
    );
    let r = clerk.submit(
        "/staff/payments/import",
        "/staff/payments/import",
        &[("statement", &pasted)],
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(
        r.body.contains("Matched and applied (1)")
            && r.body.contains("Already imported (skipped) (1)")
            && r.body
                .contains("Applied to ticket OLD-0002 (payment code SHRTPAY2).")
            && r.body.contains("Imported before."),
        "{}",
        r.body
    );
    assert_eq!(
        maturity(&conn, "OLD-0002"),
        start + chrono::Duration::days(240)
    );
    let staff: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM ledger WHERE reference = 'BNI-0004' AND staff_id IS NOT NULL",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(staff, 2, "interest and fee rows name the clerk");
    // A form larger than the server takes is refused with a page, not a broken connection.
    let csrf = clerk.get("/staff/payments/import").csrf();
    let big = format!(
        "date,reference,amount,description\r\n{}",
        format!("{today},R,1,x\r\n").repeat(5_000)
    );
    let r = clerk.post_form(
        "/staff/payments/import",
        &[("csrf", &csrf), ("statement", &big)],
    );
    assert_eq!(r.status, 413);
    assert!(r.body.contains("Too much data sent"), "{}", r.body);

    // The review page: the underpaid and the unmatched lines, with their reasons.
    let review = clerk.get("/staff/payments/review");
    assert_eq!(review.status, 200);
    assert!(
        review.body.contains("BNI-0002")
            && review
                .body
                .contains("Less than payment code SHRTPAY2 asks for")
            && review.body.contains("OVO-0003")
            && review
                .body
                .contains("No payment code of this branch in the description.")
            && !review.body.contains("BNI-0001"),
        "{}",
        review.body
    );
    let r = clerk.post_form(
        "/staff/payments/review/resolve",
        &[
            ("csrf", &review.csrf()),
            ("reference", "OVO-0003"),
            ("note", "refunded by the operator"),
        ],
    );
    assert_eq!(r.status, 303);
    let review = clerk.get("/staff/payments/review");
    assert!(review.body.contains("Line OVO-0003 marked resolved."));
    assert!(!review.body.contains("PAYCODE ZZZZ9999") && review.body.contains("BNI-0002"));
    let r = clerk.post_form(
        "/staff/payments/review/resolve",
        &[("csrf", &review.csrf()), ("reference", "BNI-0001")],
    );
    assert_eq!(r.status, 409, "a matched line is not resolved");
    // The review page again, saying why.
    assert!(
        r.body.contains("<h1>Statement lines to review</h1>")
            && r.body
                .contains("matched and applied; there is nothing to resolve"),
        "{}",
        r.body
    );
    let r = clerk.post_form(
        "/staff/payments/review/resolve",
        &[("csrf", "wrong"), ("reference", "BNI-0002")],
    );
    assert_eq!(r.status, 403, "CSRF");
    let (resolved_at, audit): (Option<String>, String) = conn
        .query_row(
            "SELECT s.resolved_at, a.after_json FROM statement_lines s
             JOIN audit_log a ON a.entity_id = s.reference AND a.action = 'payments.resolve'
             WHERE s.reference = 'OVO-0003'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert!(resolved_at.is_some());
    assert!(audit.contains("refunded by the operator"), "{audit}");
    assert_eq!(
        paid_under(&conn, "OVO-0003"),
        (0, 0),
        "resolving applies no money"
    );
    let imports: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'payments.import' AND entity = 'statement'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(imports, 3, "two command-line imports and one upload");

    // A call agent has no Payments permission.
    let mut agent = server.client();
    agent.sign_in(AGENT.0, AGENT.1);
    assert_eq!(agent.get("/staff/payments/import").status, 403);
    assert_eq!(agent.get("/staff/payments/review").status, 403);
    assert_eq!(server.client().get("/staff/payments/review").status, 303);
}
