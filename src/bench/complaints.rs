//! `pawnbranch bench complaints`: the Complaints pages on a branch with 50,000 cases (by
//! default) spread over the past year. It generates customers and cases straight into a
//! fresh database (through the change log's triggers): each case opened, most answered and
//! resolved within days, one in fifty still open (some waiting on the customer, some
//! escalated), with the events the clocks read. Then it starts the real server on it and
//! measures, under concurrent keep-alive load, the case list (the unresolved cases sorted by
//! the deadlines their rows keep, the first page of 50, with their clocks) and this week's evaluation
//! page. The server's start writes the generated cases' deadlines (`complaints::due`).

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use rusqlite::{Transaction, params};

use super::{LoadSettings, TempDir, get_request, load, start_server};
use crate::complaints::{Category, Channel, Event, EventKind, Outcome, Priority, State, sla};
use crate::plumbing::clock::Clock as _;
use crate::plumbing::db;
use crate::plumbing::ids::{ComplaintId, CustomerId, new_ulid};
use crate::plumbing::paths;

/// The flags of `pawnbranch bench complaints`.
#[derive(Debug, clap::Args)]
pub(crate) struct ComplaintsBenchArgs {
    /// Cases to generate.
    #[arg(long, default_value_t = 50_000)]
    cases: u32,
    /// Concurrent keep-alive connections: by default 4, a CS team's screens at once.
    #[arg(long, default_value_t = 4)]
    connections: u16,
    /// Measured seconds per page.
    #[arg(long, default_value_t = 5)]
    seconds: u64,
}

/// One customer in this many cases' worth. Each case's customer is drawn at random
/// ([`complainant`]), so some complain again within the weekly page's look-back
/// (`report::REPEAT_DAYS`): with 50,000 cases a year, about two in five of a week's
/// complainants had another case in the 90 days before.
const CASES_PER_CUSTOMER: u32 = 2;

/// One case in this many is still unresolved.
const OPEN_ONE_IN: u32 = 50;

/// Runs the benchmark and prints its report.
pub(crate) fn run(args: &ComplaintsBenchArgs) -> Result<(), String> {
    let dir = TempDir::create()?;
    let data = dir.path.join("data");
    let started = Instant::now();
    let token = generate(&data, args.cases)?;
    let generated = started.elapsed();
    let size = super::database_size(&data);
    let server = start_server(&data, &[])?;
    let settings = LoadSettings::after_warmup(args.connections, args.seconds);
    let cookie = format!("pb_staff={token}");
    let mut results = Vec::new();
    for (page, path) in [
        ("case list (unresolved, by time left)", paths::COMPLAINTS),
        ("weekly evaluation (this week)", paths::COMPLAINTS_WEEKLY),
    ] {
        let m = load(
            server.started.addr,
            &get_request(path, Some(&cookie)),
            settings,
        )?;
        results.push((page, path, m));
    }
    server.stop()?;
    println!(
        "pawnbranch {} complaints benchmark (release build)",
        env!("CARGO_PKG_VERSION")
    );
    println!(
        "  branch: {} cases over a year ({} unresolved), {} customers; generated in {:.1} s; database {:.0} MiB",
        args.cases,
        args.cases / OPEN_ONE_IN,
        args.cases / CASES_PER_CUSTOMER,
        generated.as_secs_f64(),
        size as f64 / 1_048_576.0
    );
    println!(
        "  load: {} keep-alive connections, {} s per page",
        args.connections, args.seconds
    );
    super::print_p99_table("page | path", &results, args.connections);
    Ok(())
}

/// Fills a new database with customers, cases and a manager's session; returns its token.
fn generate(data: &std::path::Path, cases: u32) -> Result<String, String> {
    let db = crate::sync::changes::open_logged(data, Duration::from_secs(30), 2)
        .map_err(|e| e.to_string())?;
    let mut conn = db.conn().map_err(|e| e.to_string())?;
    let now = crate::plumbing::clock::SystemClock.now();
    let e = |e: rusqlite::Error| e.to_string();
    let tx = db::immediate(&mut conn).map_err(e)?;
    let token = super::manager_session(&tx, now).map_err(e)?;
    let customers = customers(&tx, cases / CASES_PER_CUSTOMER + 1, now).map_err(e)?;
    for i in 0..cases {
        let customer = &customers[complainant(i, customers.len())];
        case(&tx, i, cases, customer, now).map_err(e)?;
    }
    // Straight into the tables: the deadlines the rows keep, as the server's config has them.
    crate::complaints::due::refresh_unresolved(&tx, &crate::plumbing::config::Config::default())
        .map_err(e)?;
    tx.commit().map_err(e)?;
    conn.execute_batch("PRAGMA optimize; ANALYZE;").map_err(e)?;
    Ok(token)
}

/// The customer (of `n`) of case `i`: drawn at random, the same on every run (a stride through
/// the customers instead gave each one a case every `n` cases, a quarter of a year apart, and
/// no repeat complainant in a week's look-back).
fn complainant(i: u32, n: usize) -> usize {
    // splitmix64's finaliser: consecutive cases land on unrelated customers.
    let mut x = u64::from(i).wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^= x >> 31;
    usize::try_from(x % n.max(1) as u64).unwrap_or(0)
}

/// `n` customers.
fn customers(tx: &Transaction, n: u32, now: DateTime<Utc>) -> rusqlite::Result<Vec<CustomerId>> {
    let mut insert = tx.prepare(
        "INSERT INTO customers (id, full_name, phone, address, created_at, updated_at)
         VALUES (?1, ?2, ?3, 'Jl. Bench 1', ?4, ?4)",
    )?;
    (0..n)
        .map(|i| {
            let id = CustomerId::new(now);
            insert.execute(params![
                id,
                format!("Nasabah {i}"),
                format!("+62814{i:08}"),
                now
            ])?;
            Ok(id)
        })
        .collect()
}

/// Case `i` of `total`: opened in the past year (the later `i`, the more recent), answered
/// within hours; resolved within days unless one of the unresolved.
fn case(
    tx: &Transaction,
    i: u32,
    total: u32,
    customer: &CustomerId,
    now: DateTime<Utc>,
) -> rusqlite::Result<()> {
    let n = i as usize;
    let opened =
        now - chrono::Duration::minutes(i64::from(total - i) * 525_600 / i64::from(total.max(1)));
    let answered = opened + chrono::Duration::minutes(i64::from(i % 240));
    let unresolved = i.is_multiple_of(OPEN_ONE_IN);
    let state = match (unresolved, i % 3) {
        (true, 0) => State::Open,
        (true, 1) => State::WaitingOnCustomer,
        (true, _) => State::Escalated,
        (false, _) => State::Resolved,
    };
    let resolved = (!unresolved).then(|| answered + chrono::Duration::hours(i64::from(i % 96)));
    let outcome = resolved.map(|_| Outcome::ALL[n % Outcome::ALL.len()]);
    let id = ComplaintId::new(opened);
    // The one change after opening, and the pauses of that timeline, kept on the row as
    // `complaints::due` keeps them.
    let last = resolved.unwrap_or(answered);
    let transition = |at, to| Event {
        at,
        kind: EventKind::StateChanged,
        who: None,
        from_state: None,
        to_state: Some(to),
        detail: String::new(),
    };
    let timeline = [transition(opened, State::Open), transition(last, state)];
    let pauses = crate::complaints::due::pauses_text(&sla::pauses(&timeline))?;
    tx.prepare_cached(
        "INSERT INTO complaints (id, customer_id, checked_details, channel, category, priority,
           description, state, outcome, opened_at, first_response_at, resolved_at, updated_at,
           pauses)
         VALUES (?1, ?2, 'phone', ?3, ?4, ?5, 'Generated for the benchmark.', ?6, ?7, ?8, ?9, ?10, ?9, ?11)",
    )?
    .execute(params![
        id,
        customer,
        Channel::ALL[n % Channel::ALL.len()],
        Category::ALL[n % Category::ALL.len()],
        if i.is_multiple_of(10) { Priority::High } else { Priority::Normal },
        state,
        outcome,
        opened,
        answered,
        resolved,
        pauses
    ])?;
    let mut event = tx.prepare_cached(
        "INSERT INTO complaint_events (id, complaint_id, at, kind, from_state, to_state, detail)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, '')",
    )?;
    event.execute(params![
        new_ulid(opened),
        id,
        opened,
        "opened",
        None::<State>,
        State::Open
    ])?;
    if state != State::Open {
        let kind = if state == State::Escalated {
            "escalated"
        } else {
            "state"
        };
        event.execute(params![new_ulid(last), id, last, kind, State::Open, state])?;
    }
    Ok(())
}
