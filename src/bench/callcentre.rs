//! `pawnbranch bench callcentre`: the call centre's "Customer Follow-Up" queue at a branch of
//! realistic size (issue 15): by default 100,000 customers, 30,000 of them with an overdue
//! ticket (their balance posted to the ledger), 70,000 with a ticket not yet due, and a
//! follow-up note and a promise to pay on one overdue customer in ten. The branch is generated
//! in batches of committed transactions (as a long import would be), the real server is
//! started on it, and the queue's first page is measured under concurrent keep-alive load in
//! its default order, ordered by amount overdue, and searched by name. Before that, two
//! figures one request at a time: the rows read afresh (what a new day costs), and the first
//! page after a write (the kept rows updated for the customer it touched).

use crate::plumbing::clock::Clock as _;
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Connection, params};

use super::{LoadSettings, TempDir, get_request, load, ms, start_server};
use crate::plumbing::db;
use crate::plumbing::ids::{CustomerId, LoanId, StaffId};

/// The flags of `pawnbranch bench callcentre`.
#[derive(Debug, clap::Args)]
pub(crate) struct CallCentreBenchArgs {
    /// Customers to generate.
    #[arg(long, default_value_t = 100_000)]
    customers: u32,
    /// Of them, customers with an overdue ticket.
    #[arg(long, default_value_t = 30_000)]
    overdue: u32,
    /// Concurrent keep-alive connections.
    #[arg(long, default_value_t = 16)]
    connections: u16,
    /// Measured seconds per page.
    #[arg(long, default_value_t = 5)]
    seconds: u64,
}

/// Target: the 99th percentile of the queue's first page under this.
const TARGET_P99_MICROS: u32 = 20_000;
/// Customers written per committed transaction.
const BATCH: u32 = 5_000;

/// Runs the benchmark and prints its report.
pub(crate) fn run(args: &CallCentreBenchArgs) -> Result<(), String> {
    if args.overdue > args.customers {
        return Err("--overdue cannot be more than --customers".to_owned());
    }
    let dir = TempDir::create()?;
    let data = dir.path.join("data");
    let started = Instant::now();
    let token = generate(&data, args)?;
    let generated = started.elapsed();
    let size = super::database_size(&data);
    let cold = read_afresh(&data)?;
    let after_write = read_after_write(&data)?;
    let server = start_server(&data, &[])?;
    let settings = LoadSettings::after_warmup(args.connections, args.seconds);
    let cookie = format!("pb_staff={token}");
    let mut results = Vec::new();
    for (name, path) in [
        (
            "queue, default order GET /staff/callcentre",
            "/staff/callcentre",
        ),
        (
            "queue by amount overdue, page 40 GET /staff/callcentre?sort=amount&page=40",
            "/staff/callcentre?sort=amount&page=40",
        ),
        (
            "queue searched by name GET /staff/callcentre?q=Customer+12345",
            "/staff/callcentre?q=Customer+12345",
        ),
    ] {
        let m = load(
            server.started.addr,
            &get_request(path, Some(&cookie)),
            settings,
        )?;
        results.push((name, m));
    }
    server.stop()?;
    println!(
        "pawnbranch {} call centre benchmark (release build)",
        env!("CARGO_PKG_VERSION")
    );
    println!(
        "  branch: {} customers, {} with an overdue ticket; generated in {:.1} s; database {:.0} MiB",
        args.customers,
        args.overdue,
        generated.as_secs_f64(),
        size as f64 / 1_048_576.0
    );
    println!(
        "  load: {} keep-alive connections, {} s per page",
        args.connections, args.seconds
    );
    println!(
        "  the queue's rows read afresh (after any change; {READS} reads, one at a time): median {:.2} ms, max {:.2} ms",
        cold.0, cold.1
    );
    println!(
        "  the first page after a write, the kept rows updated for the customer it touched ({READS} writes, each then one read): median {:.2} ms, max {:.2} ms",
        after_write.0, after_write.1
    );
    println!();
    println!("| page | req/s | p50 ms | p99 ms | max ms | errors |");
    println!("|---|---:|---:|---:|---:|---:|");
    for (name, m) in &results {
        println!(
            "| {name} | {:.0} | {} | {} | {} | {} |",
            m.per_second(),
            ms(m.percentile(50.0)),
            ms(m.percentile(99.0)),
            ms(m.tally.latencies.last().copied()),
            m.tally.errors
        );
    }
    for (name, m) in &results {
        let met = m.percentile(99.0).is_some_and(|p| p < TARGET_P99_MICROS);
        println!(
            "{name}: p99 under 20 ms at {} connections: {}",
            args.connections,
            if met { "met" } else { "NOT met" }
        );
    }
    Ok(())
}

/// How many times the rows are read afresh for the cold figure.
const READS: usize = 20;

/// The median and the longest time to read the queue's rows and pick the first page, with
/// nothing kept (what the first page after a write costs), in milliseconds.
fn read_afresh(data: &std::path::Path) -> Result<(f64, f64), String> {
    let db = crate::sync::changes::open_logged(data, Duration::from_secs(30), 2)
        .map_err(|e| e.to_string())?;
    let conn = db.conn().map_err(|e| e.to_string())?;
    let today = crate::plumbing::clock::SystemClock.now().date_naive();
    let query = crate::callcentre::queue::Query {
        search: "",
        reason: None,
        sort: crate::callcentre::queue::Sort::Priority,
        assigned_to: None,
        page: 1,
    };
    let mut times = Vec::with_capacity(READS);
    for _ in 0..READS {
        let started = Instant::now();
        let rows = crate::callcentre::queue::candidates(&conn, today).map_err(|e| e.to_string())?;
        let rows = crate::callcentre::queue::Rows::new(rows);
        let page = crate::callcentre::queue::pick(&rows, &query);
        if page.rows.is_empty() {
            return Err("the generated queue is empty".to_owned());
        }
        times.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    Ok((times[READS / 2], times[READS - 1]))
}

/// The median and the longest time of the first page after a write (a follow-up note on one
/// overdue customer), as the pages bring their kept rows up to date: the customers the change
/// log names (`queue::touched_since`), their rows read afresh and put in the kept rows
/// (`Rows::updated`, every order already sorted and the search index built), and the first
/// page picked, in milliseconds.
fn read_after_write(data: &std::path::Path) -> Result<(f64, f64), String> {
    use crate::callcentre::queue;
    let e = |e: rusqlite::Error| e.to_string();
    let db = crate::sync::changes::open_logged(data, Duration::from_secs(30), 2)
        .map_err(|e| e.to_string())?;
    let mut conn = db.conn().map_err(|e| e.to_string())?;
    let now = crate::plumbing::clock::SystemClock.now();
    let today = now.date_naive();
    let query = |search| queue::Query {
        search,
        reason: None,
        sort: queue::Sort::Priority,
        assigned_to: None,
        page: 1,
    };
    let mut rows = queue::Rows::new(queue::candidates(&conn, today).map_err(e)?);
    for sort in queue::Sort::ALL {
        queue::pick(&rows, &queue::Query { sort, ..query("") });
    }
    queue::pick(&rows, &query("customer 1"));
    let mut generation = queue::generation(&conn).map_err(e)?;
    let (staff, targets): (StaffId, Vec<(CustomerId, LoanId)>) = {
        let staff = conn
            .query_row("SELECT id FROM staff WHERE username = 'bench'", [], |r| {
                r.get(0)
            })
            .map_err(e)?;
        let targets = conn
            .prepare(
                "SELECT customer_id, id FROM loans WHERE state = 'grace' ORDER BY id LIMIT +?1",
            )
            .map_err(e)?
            .query_map([READS as i64], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(e)?
            .collect::<rusqlite::Result<_>>()
            .map_err(e)?;
        (staff, targets)
    };
    let mut times = Vec::with_capacity(READS);
    for (customer, loan) in &targets {
        let tx = db::immediate(&mut conn).map_err(e)?;
        tx.execute(
            "INSERT INTO followup_notes (id, customer_id, loan_id, at, staff_id, action, call_result, call_status,
               status_action, party_response, client_status)
             VALUES (?1, ?2, ?3, ?4, ?5, 'customer', 'answered', 'connected', 'right_party', 'asks_extension',
               'willing')",
            params![crate::plumbing::ids::FollowUpId::new(now), customer, loan, now, staff],
        )
        .map_err(e)?;
        tx.commit().map_err(e)?;
        let started = Instant::now();
        let tx = conn.transaction().map_err(e)?;
        let to = queue::generation(&tx).map_err(e)?;
        let touched = queue::touched_since(&tx, generation, to)
            .map_err(e)?
            .ok_or("the change log did not name the customer written")?;
        rows = rows.updated(
            &touched,
            queue::candidates_of(&tx, today, &touched).map_err(e)?,
        );
        drop(tx);
        generation = to;
        if queue::pick(&rows, &query("")).rows.is_empty() {
            return Err("the generated queue is empty".to_owned());
        }
        times.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    if times.is_empty() {
        return Err("no overdue customer to write to".to_owned());
    }
    times.sort_by(f64::total_cmp);
    Ok((times[times.len() / 2], times[times.len() - 1]))
}

/// Fills a new database in batches; returns the session token of a manager (who has the Call
/// Centre permission).
fn generate(data: &std::path::Path, args: &CallCentreBenchArgs) -> Result<String, String> {
    let e = |e: rusqlite::Error| e.to_string();
    let db = crate::sync::changes::open_logged(data, Duration::from_secs(30), 2)
        .map_err(|e| e.to_string())?;
    let mut conn = db.conn().map_err(|e| e.to_string())?;
    let now = crate::plumbing::clock::SystemClock.now();
    let today = now.date_naive();
    let tx = db::immediate(&mut conn).map_err(e)?;
    let token = super::manager_session(&tx, now).map_err(e)?;
    let staff: StaffId = tx
        .query_row("SELECT id FROM staff WHERE username = 'bench'", [], |r| {
            r.get(0)
        })
        .map_err(e)?;
    tx.commit().map_err(e)?;
    let mut first = 0;
    while first < args.customers {
        let last = (first + BATCH).min(args.customers);
        let tx = db::immediate(&mut conn).map_err(e)?;
        for i in first..last {
            insert_customer(&tx, i, i < args.overdue, &staff, today, now).map_err(e)?;
        }
        tx.commit().map_err(e)?;
        first = last;
    }
    conn.execute_batch("PRAGMA optimize; ANALYZE;").map_err(e)?;
    Ok(token)
}

/// One customer with one ticket of 1,000,000 disbursed (its receivable posted): overdue by 1
/// to 60 days, or maturing 10 to 100 days from now; one overdue customer in ten has a
/// follow-up note and an active promise; one in a hundred of the others is a new application.
fn insert_customer(
    conn: &Connection,
    i: u32,
    overdue: bool,
    staff: &StaffId,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> rusqlite::Result<()> {
    let customer = CustomerId::new(now);
    // Most customers' information is approved; one in a hundred of those not overdue is a new
    // application waiting for it (the queue's "new applications").
    let approved = overdue || i % 100 != 1;
    conn.prepare_cached(
        "INSERT INTO customers (id, full_name, phone, phone_verified_at, address, created_at, updated_at,
                                info_approved_at, info_approved_by)
         VALUES (?1, ?2, ?3, ?4, 'Jl. Bench', ?4, ?4, ?5, ?6)",
    )?
    .execute(params![
        customer,
        format!("Customer {i}"),
        format!("+62813{i:08}"),
        now,
        approved.then_some(now),
        approved.then_some(staff)
    ])?;
    let days = i64::from(i % 60) + 1;
    let (maturity, state) = if overdue {
        (today - chrono::Duration::days(days), "grace")
    } else {
        (today + chrono::Duration::days(days + 9), "active")
    };
    let start = maturity - chrono::Duration::days(120);
    let loan = LoanId::new(now);
    conn.prepare_cached(
        "INSERT INTO loans (id, ticket_no, customer_id, state, principal, item_description, started_on, matures_on,
                            created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, 'Gold ring', ?6, ?7, ?8, ?8)",
    )?
    .execute(params![loan, format!("BENCH-{i:08}"), customer, state, 1_000_000 + i64::from(i), start, maturity, now])?;
    let row = crate::plumbing::ids::new_ulid(now);
    conn.prepare_cached(
        "INSERT INTO ledger (id, loan_id, customer_id, kind, amount, method, on_date, at)
         VALUES (?1, ?2, ?3, 'disbursement', ?4, 'cash', ?5, ?6)",
    )?
    .execute(params![
        row,
        loan,
        customer,
        1_000_000 + i64::from(i),
        start,
        now
    ])?;
    for (line, account, side) in [
        (1, "principal_receivable", "debit"),
        (2, "cash_drawer", "credit"),
    ] {
        conn.prepare_cached(
            "INSERT INTO ledger_postings (id, transaction_id, line, account, loan_id, side, amount)
             VALUES (?1 || ':' || ?2, ?1, ?2, ?3, ?4, ?5, ?6)",
        )?
        .execute(params![
            row,
            line,
            account,
            loan,
            side,
            1_000_000 + i64::from(i)
        ])?;
    }
    if overdue && i.is_multiple_of(10) {
        let note = crate::plumbing::ids::FollowUpId::new(now);
        conn.prepare_cached(
            "INSERT INTO followup_notes (id, customer_id, loan_id, at, staff_id, action, call_result, call_status,
               status_action, party_response, promised_amount, promised_date, client_status)
             VALUES (?1, ?2, ?3, ?4, ?5, 'customer', 'answered', 'connected', 'right_party', 'promise_to_pay',
               100000, ?6, 'willing')",
        )?
        .execute(params![note, customer, loan, now, staff, today + chrono::Duration::days(i64::from(i % 3))])?;
        conn.prepare_cached(
            "INSERT INTO promises_to_pay (id, loan_id, customer_id, note_id, staff_id, amount, made_on, promised_on, made_at)
             VALUES (?1, ?2, ?3, ?4, ?5, 100000, ?6, ?7, ?8)",
        )?
        .execute(params![
            crate::plumbing::ids::PromiseId::new(now),
            loan,
            customer,
            note,
            staff,
            today,
            today + chrono::Duration::days(i64::from(i % 3)),
            now
        ])?;
    }
    Ok(())
}
