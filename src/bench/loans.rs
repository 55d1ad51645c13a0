//! `pawnbranch bench loans`: a branch of realistic size, and the two pages that read the
//! most ledger rows under load.
//!
//! It generates a branch (by default 100,000 customers, 300,000 tickets and 3,000,000 ledger
//! rows, each with its two postings, and the interest and fees due so far posted as the
//! scheduler would) straight into a fresh database, committing in batches as a branch's days
//! would (one transaction of millions of rows would hold gigabytes of WAL), starts the real
//! server on it, and measures the customer's "My loans" page (which computes what every ticket owes today from
//! its terms and ledger) and a customer statement (every ledger row with a running balance)
//! under concurrent keep-alive load on loopback. Sessions are written into the database, as a
//! login would write them, so no code or password is needed.

use crate::plumbing::clock::Clock as _;
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Connection, params};

use super::{LoadSettings, TempDir, get_request, load, ms, start_server};
use crate::ledger::accounts::Account;
use crate::loans::products;
use crate::loans::terms::Terms;
use crate::plumbing::db::{self, DB_FILE};
use crate::plumbing::ids::{CustomerId, LoanId, ProductId};

/// The flags of `pawnbranch bench loans`.
#[derive(Debug, clap::Args)]
pub(crate) struct LoansBenchArgs {
    /// Customers to generate.
    #[arg(long, default_value_t = 100_000)]
    customers: u32,
    /// Tickets to generate (spread over the customers).
    #[arg(long, default_value_t = 300_000)]
    tickets: u32,
    /// Ledger rows to generate (one disbursement per ticket, the rest payments).
    #[arg(long, default_value_t = 3_000_000)]
    transactions: u32,
    /// Concurrent keep-alive connections.
    #[arg(long, default_value_t = 16)]
    connections: u16,
    /// Measured seconds per page.
    #[arg(long, default_value_t = 5)]
    seconds: u64,
    /// Keep the generated branch in this directory, or measure the one generated there
    /// before (so a full-size branch is generated once, and measured on a quiet machine).
    #[arg(long)]
    data: Option<std::path::PathBuf>,
}

/// Tickets written per committed transaction while generating.
const TICKETS_PER_BATCH: usize = 2_000;

/// Target: the 99th percentile of both pages under this.
const TARGET_P99_MICROS: u32 = 10_000;

/// Runs the benchmark and prints its report.
pub(crate) fn run(args: &LoansBenchArgs) -> Result<(), String> {
    if args.tickets < args.customers || args.transactions < args.tickets {
        return Err(
            "need at least as many tickets as customers, and transactions as tickets".to_owned(),
        );
    }
    let temporary;
    let data = match &args.data {
        Some(kept) => kept.clone(),
        None => {
            temporary = TempDir::create()?;
            temporary.path.join("data")
        }
    };
    let started = Instant::now();
    let (customer, customer_token, staff_token) = prepare(&data, args)?;
    let generated = started.elapsed();
    let size = super::database_size(&data);
    let server = start_server(&data, &[])?;
    let settings = LoadSettings::after_warmup(args.connections, args.seconds);
    let addr = server.started.addr;
    let my = load(
        addr,
        &get_request("/my", Some(&format!("pb_cust={customer_token}"))),
        settings,
    )?;
    let statement = load(
        addr,
        &get_request(
            &format!("/staff/customers/{customer}/statement"),
            Some(&format!("pb_staff={staff_token}")),
        ),
        settings,
    )?;
    server.stop()?;
    println!(
        "pawnbranch {} loans benchmark (release build)",
        env!("CARGO_PKG_VERSION")
    );
    println!(
        "  branch: {} customers, {} tickets, {} ledger rows; generated (or reopened) in {:.1} s; database {:.0} MiB",
        args.customers,
        args.tickets,
        args.transactions,
        generated.as_secs_f64(),
        size as f64 / 1_048_576.0
    );
    println!(
        "  load: {} keep-alive connections, {} s per page",
        args.connections, args.seconds
    );
    println!();
    println!("| page | req/s | p50 ms | p99 ms | max ms | errors |");
    println!("|---|---:|---:|---:|---:|---:|");
    for (name, m) in [
        ("portal \"My loans\" GET /my", &my),
        (
            "customer statement GET /staff/customers/{id}/statement",
            &statement,
        ),
    ] {
        println!(
            "| {name} | {:.0} | {} | {} | {} | {} |",
            m.per_second(),
            ms(m.percentile(50.0)),
            ms(m.percentile(99.0)),
            ms(m.tally.latencies.last().copied()),
            m.tally.errors
        );
    }
    let mut failed = false;
    for (name, m) in [("My loans", &my), ("statement", &statement)] {
        if let Some(first) = &m.tally.first_error {
            failed = true;
            println!(
                "{name}: {} of {} requests failed; first: {first}",
                m.tally.errors, m.tally.requests
            );
        }
    }
    for (name, m) in [("My loans", &my), ("statement", &statement)] {
        // A page that failed is not fast: only answered 200s count as meeting the target.
        let met = m.tally.errors == 0 && m.percentile(99.0).is_some_and(|p| p < TARGET_P99_MICROS);
        println!(
            "{name}: p99 under 10 ms at {} connections: {}",
            args.connections,
            if met { "met" } else { "NOT met" }
        );
    }
    if failed {
        return Err("requests failed: the figures above measure errors, not the pages".to_owned());
    }
    Ok(())
}

/// Opens the branch in `data`, generating it first when it has no database, brings its
/// charges up to today as the scheduler's daily pass would, and signs in the measured
/// customer and a manager; returns the customer and the two session tokens.
fn prepare(
    data: &std::path::Path,
    args: &LoansBenchArgs,
) -> Result<(CustomerId, String, String), String> {
    let fresh = !data.join(DB_FILE).exists();
    let db = crate::sync::changes::open_logged(data, Duration::from_secs(30), 2)
        .map_err(|e| e.to_string())?;
    let mut conn = db.conn().map_err(|e| e.to_string())?;
    let now = crate::plumbing::clock::SystemClock.now();
    let e = |e: rusqlite::Error| e.to_string();
    if fresh {
        generate(&mut conn, args, now)?;
    }
    let (staff_token, (customer, customer_token)) = ready_for_the_day(&mut conn, |tx, now| {
        let customer: CustomerId = tx.query_row(
            "SELECT id FROM customers WHERE full_name = 'Customer 0'",
            [],
            |r| r.get(0),
        )?;
        let token = crate::portal::start_session(tx, &customer, now)?;
        Ok((customer, token))
    })
    .map_err(e)?;
    // The statistics of a branch measured before are kept in it; gathering them again reads
    // every index of a database of gigabytes, for minutes.
    if fresh {
        conn.execute_batch("ANALYZE;").map_err(e)?;
    }
    conn.execute_batch("PRAGMA optimize; PRAGMA wal_checkpoint(TRUNCATE);")
        .map_err(e)?;
    Ok((customer, customer_token, staff_token))
}

/// Writes the product, the customers and their tickets with their ledger rows, in batches.
fn generate(
    conn: &mut Connection,
    args: &LoansBenchArgs,
    now: DateTime<Utc>,
) -> Result<(), String> {
    let e = |e: rusqlite::Error| e.to_string();
    let terms = products::starter_products(crate::plumbing::i18n::Lang::En);
    let tx = db::immediate(conn).map_err(e)?;
    let product = products::insert(&tx, &terms[0], now).map_err(e)?;
    let customers = insert_customers(&tx, args.customers, now).map_err(e)?;
    tx.commit().map_err(e)?;
    let terms_json = serde_json::to_string(&terms[0]).map_err(|e| e.to_string())?;
    let product = (&product, &terms[0], terms_json.as_str());
    let plan = TicketPlan::new(args);
    for first in (0..args.tickets).step_by(TICKETS_PER_BATCH) {
        let last = args
            .tickets
            .min(first.saturating_add(TICKETS_PER_BATCH as u32));
        let tx = db::immediate(conn).map_err(e)?;
        insert_tickets(&tx, &plan, first..last, &customers, product, now).map_err(e)?;
        tx.commit().map_err(e)?;
    }
    Ok(())
}

/// Makes a generated branch ready to be measured today: posts the charges due up to today
/// ([`post_charges`]), then in one transaction writes a signed-in manager's session
/// ([`super::manager_session`]) and runs `within` (what else the measurement needs written or
/// read beside it); returns the manager's token and what `within` returned. Used by `bench
/// loans` and by `bench http --branch` on a branch `bench loans --data` kept.
pub(super) fn ready_for_the_day<T>(
    conn: &mut Connection,
    within: impl FnOnce(&rusqlite::Transaction<'_>, DateTime<Utc>) -> rusqlite::Result<T>,
) -> rusqlite::Result<(String, T)> {
    post_charges(conn, crate::plumbing::clock::SystemClock.now())?;
    // Signed in now, not before the charges (or the generation) began: a session idle for
    // the half hour a full-size branch takes to generate has expired, and every measured
    // request would be sent to the sign-in page.
    let now = crate::plumbing::clock::SystemClock.now();
    let tx = db::immediate(conn)?;
    let token = super::manager_session(&tx, now)?;
    let more = within(&tx, now)?;
    tx.commit()?;
    Ok((token, more))
}

/// Posts the interest and fees due up to today on every open ticket, a batch of tickets per
/// transaction, and records the day's pass as done so the server starts without one.
fn post_charges(conn: &mut Connection, now: DateTime<Utc>) -> rusqlite::Result<()> {
    // The branch's day, as the server's scheduler (on the default configuration) reckons it:
    // by UTC's date, a run in the branch's early morning left the day's pass undone, and the
    // server ran it over every ticket while the pages were being measured.
    let offset = crate::plumbing::config::Config::default().utc_offset();
    let today = crate::plumbing::clock::local_date(now, offset);
    let mut after = None;
    loop {
        let tx = db::immediate(conn)?;
        let batch = crate::loans::charges::open_tickets(&tx, after.as_ref(), TICKETS_PER_BATCH)?;
        crate::loans::charges::post_all(&tx, &batch, today, now)?;
        if batch.is_empty() {
            crate::loans::charges::mark_pass_done(&tx, today)?;
        }
        tx.commit()?;
        match batch.last() {
            Some(last) => after = Some(last.clone()),
            None => return Ok(()),
        }
    }
}

/// Adds `count` customers with verified phones and completed profiles.
fn insert_customers(
    conn: &Connection,
    count: u32,
    now: DateTime<Utc>,
) -> rusqlite::Result<Vec<CustomerId>> {
    let mut customers = Vec::with_capacity(count as usize);
    let mut insert = conn
        .prepare(
            "INSERT INTO customers (id, full_name, phone, phone_verified_at, id_number, address, profile_completed_at,
                                    created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, 'Jl. Bench', ?4, ?4, ?4)",
        )
        ?;
    for i in 0..count {
        let id = CustomerId::new(now);
        insert.execute(params![
            id,
            format!("Customer {i}"),
            format!("+62813{i:08}"),
            now,
            format!("3171{i:012}")
        ])?;
        customers.push(id);
    }
    Ok(customers)
}

/// How the ledger rows are shared out: every ticket gets its disbursement and `per_ticket`
/// payments, and the first `extra` tickets one payment more.
struct TicketPlan {
    per_ticket: u32,
    extra: u32,
}

impl TicketPlan {
    fn new(args: &LoansBenchArgs) -> TicketPlan {
        let payments = args.transactions - args.tickets;
        TicketPlan {
            per_ticket: payments / args.tickets,
            extra: payments % args.tickets,
        }
    }

    /// The payment rows of ticket number `t`.
    fn payments_of(&self, t: u32) -> u32 {
        self.per_ticket + u32::from(t < self.extra)
    }
}

/// Adds the active tickets numbered `tickets`, spread over the customers, each with its disbursement and its
/// share of the payment rows. `product` is its id, its terms and
/// those terms as stored.
fn insert_tickets(
    conn: &Connection,
    plan: &TicketPlan,
    tickets: std::ops::Range<u32>,
    customers: &[CustomerId],
    (product, terms, terms_json): (&ProductId, &Terms, &str),
    now: DateTime<Utc>,
) -> rusqlite::Result<()> {
    let today = now.date_naive();
    let mut ticket = conn
        .prepare(
            "INSERT INTO loans (id, ticket_no, customer_id, state, principal, item_description, started_on, matures_on,
                                product_id, terms, approved_at, created_at, updated_at)
             VALUES (?1, ?2, ?3, 'active', ?4, 'Gold ring', ?5, ?6, ?7, ?8, ?9, ?9, ?9)",
        )
        ?;
    let mut header = conn.prepare(
        "INSERT INTO ledger (id, loan_id, customer_id, kind, amount, method, payment_id, on_date, at)
         VALUES (?1, ?2, ?3, ?4, ?5, 'cash', ?6, ?7, ?8)",
    )?;
    let mut posting = conn.prepare(
        "INSERT INTO ledger_postings (id, transaction_id, line, account, loan_id, side, amount)
         VALUES (?1 || ':' || ?2, ?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    // A transaction as the ledger writes it: the row and its two balanced postings.
    let mut row = |values: (
        &str,
        &LoanId,
        &CustomerId,
        &str,
        i64,
        Option<String>,
        NaiveDate,
    )|
     -> rusqlite::Result<()> {
        let (id, loan, customer, kind, amount, payment, on) = values;
        header.execute(params![id, loan, customer, kind, amount, payment, on, now])?;
        let receivable = match kind {
            "interest" => Account::InterestReceivable,
            "fee" => Account::FeesReceivable,
            _ => Account::PrincipalReceivable,
        };
        let (debit, credit) = if kind == "disbursement" {
            (receivable, Account::CashDrawer)
        } else {
            (Account::CashDrawer, receivable)
        };
        for (line, account, side) in [(1, debit, "debit"), (2, credit, "credit")] {
            posting.execute(params![id, line, account.code(), loan, side, amount])?;
        }
        Ok(())
    };
    for t in tickets {
        let customer = &customers[t as usize % customers.len()];
        let start = today - chrono::Duration::days(i64::from(t % 100));
        let maturity = crate::loans::terms::first_maturity(terms, start);
        let id = LoanId::new(now);
        ticket.execute(params![
            id,
            format!("BENCH-{t:08}"),
            customer,
            1_000_000,
            start,
            maturity,
            product,
            terms_json,
            now
        ])?;
        row((
            &crate::plumbing::ids::new_ulid(now),
            &id,
            customer,
            "disbursement",
            1_000_000,
            None,
            start,
        ))?;
        for p in 0..plan.payments_of(t) {
            let kind = ["interest", "fee", "principal"][(p % 3) as usize];
            let on: NaiveDate = start + chrono::Duration::days(i64::from(p % 30));
            row((
                &crate::plumbing::ids::new_ulid(now),
                &id,
                customer,
                kind,
                1_000,
                Some(crate::plumbing::ids::new_ulid(now)),
                on,
            ))?;
        }
    }
    Ok(())
}
