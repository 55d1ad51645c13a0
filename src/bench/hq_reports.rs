//! `pawnbranch bench hq-reports`: head office's chain reports at a chain's size, over HTTP.
//!
//! For each of head office's stores (SQLite; with `--postgres URL` PostgreSQL too, side by
//! side in one run, in a schema of its own, `bench_hq_reports`, dropped after) this makes a
//! fresh head office on a throw-away data directory, registers `--branches` branches (200 by
//! default) and a head office user with a session through `hq::store::Store` (as `hq branch
//! add`, `hq user add` and a sign-in would), and fills the reports' tables straight by SQL that
//! both stores accept: for `--tickets` tickets (100,000 by default, also in `loans`), four
//! times as many ledger rows, twice as many SMS, a tenth as many complaints, a twentieth as
//! many disposals and a fortieth as many sales, spread over the branches and 16 weeks ending
//! with this one, and each branch's four products. Then `ANALYZE` (on PostgreSQL `VACUUM
//! ANALYZE`, as autovacuum leaves a table).
//!
//! It starts the real head office (`hq serve`, a child process of this executable) on that
//! store, checks that every page answers 200 with figures (not the sign-in page, not "nothing
//! to count"), and measures each report's page for the whole chain (`GET /reports/{slug}`, the
//! last 12 weeks) and one branch's page (`GET /branches/{code}`, which runs all five reports
//! for that branch) under concurrent keep-alive load on loopback, with the same load generator
//! as `bench http`. It prints one table, a row per page and store, ready for BENCHMARKS.md.

use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, Utc};

use super::drain_store::{DrainStore, Prepared, hq_config};
use super::{Connection, LoadSettings, Measurement, TempDir, get_request, load, start_child};
use crate::hq::reports::{self, Kind};
use crate::hq::reports_pages::{branch_path, report_path};
use crate::hq::sign_in::SESSION_COOKIE;
use crate::hq::store::Store;
use crate::plumbing::clock::{Clock, SystemClock};
use crate::plumbing::config::Config;
use crate::plumbing::i18n::{Lang, Msg};

/// The flags of `pawnbranch bench hq-reports`.
#[derive(Debug, clap::Args)]
pub(crate) struct HqReportsBenchArgs {
    /// Branches the rows are spread over.
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    branches: u32,
    /// Tickets in the chain; the other records are counted from it (see `bench/hq_reports.rs`).
    #[arg(long, default_value_t = 100_000, value_parser = clap::value_parser!(u32).range(40..=50_000_000))]
    tickets: u32,
    /// Concurrent keep-alive connections, each sending one request at a time.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=1024))]
    connections: u16,
    /// Measured seconds per page, after a second of warm-up.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=3600))]
    seconds: u64,
    /// An empty PostgreSQL database: the same pages are then measured on PostgreSQL too, side
    /// by side with SQLite.
    #[arg(long)]
    postgres: Option<String>,
}

/// The schema a PostgreSQL run fills (made before, dropped after).
const SCHEMA: &str = "bench_hq_reports";
/// The head office user whose session loads the pages.
const USER: &str = "bench";
/// The branch whose page is measured (one of those the rows are spread over).
const MEASURED_BRANCH: &str = "B7";
/// Weeks the generated rows are spread over, ending with the current one.
const WEEKS_FILLED: u32 = 16;

/// One page measured on one store.
struct Page {
    /// What the page shows.
    name: String,
    /// Its path.
    path: String,
    /// What was measured.
    result: Measurement,
}

/// Everything measured on one store.
struct StoreRun {
    /// The store's name.
    store: &'static str,
    /// How long filling the tables and gathering their statistics took (not a measured figure).
    filled: Duration,
    /// The pages, in the order measured.
    pages: Vec<Page>,
}

/// Runs the benchmark and prints its report.
pub(crate) fn run(args: &HqReportsBenchArgs) -> Result<(), String> {
    let mut stores = vec![DrainStore::Sqlite];
    stores.extend(args.postgres.clone().map(DrainStore::Postgres));
    let settings = LoadSettings::after_warmup(args.connections, args.seconds);
    let runs = stores
        .iter()
        .map(|store| measure(store, args, settings))
        .collect::<Result<Vec<_>, _>>()?;
    print(&runs, args);
    let failed: Vec<String> = runs
        .iter()
        .flat_map(|run| {
            run.pages.iter().filter_map(move |p| {
                p.result.tally.first_error.as_ref().map(|first| {
                    format!(
                        "{} on {}: {} of {} requests failed; first: {first}",
                        p.path, run.store, p.result.tally.errors, p.result.tally.requests
                    )
                })
            })
        })
        .collect();
    if failed.is_empty() {
        Ok(())
    } else {
        Err(failed.join("; "))
    }
}

/// Fills a fresh head office on `store`, serves it and loads each page.
fn measure(
    store: &DrainStore,
    args: &HqReportsBenchArgs,
    settings: LoadSettings,
) -> Result<StoreRun, String> {
    // Declared first, so it is removed last, after the server has stopped.
    let dir = TempDir::create()?;
    let prepared = store.prepare(SCHEMA)?;
    let env = prepared.env();
    let config = hq_config(&dir.path, &env)?;
    eprintln!(
        "bench hq-reports: {}: filling {} branches' report rows…",
        store.name(),
        args.branches
    );
    let now = SystemClock.now();
    let token = register(&config, args.branches, now)?;
    let started = Instant::now();
    fill(&prepared, &dir.path, args, now, store)?;
    let filled = started.elapsed();
    let hq = start_child(&dir.path, &["hq", "serve", "--listen", "127.0.0.1:0"], &env)?;
    let cookie = format!("{SESSION_COOKIE}={token}");
    let measured = measure_pages(hq.started.addr, &cookie, settings);
    let stopped = hq.stop()?;
    let pages = measured?;
    if let Some(problem) = stopped.problem {
        return Err(format!("head office on {}: {problem}", store.name()));
    }
    Ok(StoreRun {
        store: store.name(),
        filled,
        pages,
    })
}

/// Checks and loads each page in turn.
fn measure_pages(
    addr: SocketAddr,
    cookie: &str,
    settings: LoadSettings,
) -> Result<Vec<Page>, String> {
    let mut pages: Vec<(String, String)> = Kind::ALL
        .iter()
        .map(|&kind| {
            (
                format!("{}, whole chain", Lang::En.t(kind.title())),
                report_path(kind),
            )
        })
        .collect();
    pages.push((
        "branch page (all five, one branch)".to_owned(),
        branch_path(MEASURED_BRANCH),
    ));
    pages
        .into_iter()
        .map(|(name, path)| {
            let request = get_request(&path, Some(cookie));
            check_page(addr, &path, &request)?;
            let result = load(addr, &request, settings)?;
            Ok(Page { name, path, result })
        })
        .collect()
}

/// Fails unless the page answers 200 with figures: a session that was refused gets the
/// sign-in page, and tables the fill left empty give "nothing to count".
fn check_page(addr: SocketAddr, path: &str, request: &[u8]) -> Result<(), String> {
    let reply = Connection::open(addr)?.exchange(request)?;
    if reply.status != 200 {
        return Err(format!("GET {path} answered {}", reply.status));
    }
    let body = String::from_utf8_lossy(&reply.body);
    let empty = Lang::ALL
        .iter()
        .any(|lang| body.contains(lang.t(Msg::HqNothingCounted)));
    if empty || !body.contains("<svg") {
        return Err(format!(
            "GET {path} shows no figures: the fill did not reach it"
        ));
    }
    Ok(())
}

/// Registers the branches `B0`… and the head office user on a store that must have no branch
/// yet; returns the user's session token.
fn register(config: &Config, branches: u32, now: DateTime<Utc>) -> Result<String, String> {
    let store = Store::open(config).map_err(|e| e.to_string())?;
    if store.branch_count().map_err(|e| e.to_string())? != 0 {
        return Err("head office's store is not empty".to_owned());
    }
    for i in 0..branches {
        store
            .add_branch(&format!("B{i}"), &format!("Branch {i}"), now)
            .map_err(|e| e.to_string())?;
    }
    let password = crate::plumbing::crypto::random_token();
    store
        .add_user(USER, &password, now)
        .map_err(|e| e.to_string())?;
    store.start_session(USER, now).map_err(|e| e.to_string())
}

/// Fills `report_rows` and `loans` by SQL both stores accept, then gathers statistics.
fn fill(
    prepared: &Prepared,
    hq_dir: &Path,
    args: &HqReportsBenchArgs,
    now: DateTime<Utc>,
    store: &DrainStore,
) -> Result<(), String> {
    let weeks: Vec<NaiveDate> = reports::weeks(now, WEEKS_FILLED);
    let tickets = i64::from(args.tickets);
    let sql = fill_sql(&weeks, args.branches, tickets);
    prepared
        .execute(hq_dir, &sql)
        .map_err(|e| format!("cannot fill head office's report rows: {e}"))?;
    let statistics = match store {
        DrainStore::Sqlite => "ANALYZE",
        DrainStore::Postgres(_) => "VACUUM ANALYZE",
    };
    prepared
        .execute(hq_dir, statistics)
        .map_err(|e| format!("cannot gather statistics: {e}"))
}

/// The statements that fill the reports' tables for `tickets` tickets over `branches`
/// branches and `weeks`.
fn fill_sql(weeks: &[NaiveDate], branches: u32, tickets: i64) -> String {
    let week = format!(
        "CASE i % {} {} END",
        weeks.len(),
        weeks
            .iter()
            .enumerate()
            .map(|(w, day)| format!("WHEN {w} THEN '{day}'"))
            .collect::<String>()
    );
    let rows = |entity: &str, rows: i64, category: &str, outcome: &str| {
        format!(
            "INSERT INTO report_rows (branch, entity, record_id, category, outcome, week, amount) \
             WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < {last}) \
             SELECT 'B' || ((i / 16) % {branches}), '{entity}', 'R' || i, {category}, {outcome}, {week}, 1000 + i % 977 FROM n;\n",
            last = rows.max(1) - 1
        )
    };
    let mut sql = String::new();
    sql += &rows(
        "ledger",
        tickets * 4,
        "CASE i % 3 WHEN 0 THEN 'interest' WHEN 1 THEN 'fee' ELSE 'principal' END",
        "''",
    );
    sql += &rows(
        "loans",
        tickets,
        "'P' || (i % 4)",
        "CASE i % 5 WHEN 0 THEN 'redeemed' WHEN 1 THEN 'forfeited' ELSE 'active' END",
    );
    sql += &rows(
        "sms_outbox",
        tickets * 2,
        "CASE i % 3 WHEN 0 THEN 'reminder' WHEN 1 THEN 'maturity' ELSE 'otp' END",
        "CASE i % 4 WHEN 0 THEN 'sent' WHEN 1 THEN 'failed' ELSE 'delivered' END",
    );
    sql += &rows(
        "complaints",
        tickets / 10,
        "CASE i % 2 WHEN 0 THEN 'billing' ELSE 'service' END",
        "CASE i % 3 WHEN 0 THEN 'met' WHEN 1 THEN 'breached' ELSE 'open' END",
    );
    sql += &rows("disposals", tickets / 20, "''", "''");
    sql += &rows(
        "disposal_sales",
        tickets / 40,
        "CASE i % 2 WHEN 0 THEN 'auction' ELSE 'shop' END",
        "''",
    );
    // A ticket still open has no closing week; each branch has the four products its tickets
    // name.
    sql += "UPDATE report_rows SET week = '' WHERE entity = 'loans' AND outcome = 'active';\n";
    sql += &format!(
        "INSERT INTO report_rows (branch, entity, record_id, category) \
         WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < {last}) \
         SELECT 'B' || (i / 4), 'loan_products', 'P' || (i % 4), 'Product ' || (i % 4) FROM n;\n",
        last = i64::from(branches) * 4 - 1
    );
    sql += "INSERT INTO loans (branch, record_id, state, principal_out) \
            SELECT branch, record_id, outcome, 500000 FROM report_rows WHERE entity = 'loans';\n";
    sql
}

/// Prints the report: how it was run, and one table with a row per page and store.
fn print(runs: &[StoreRun], args: &HqReportsBenchArgs) {
    let build = if cfg!(debug_assertions) {
        "DEBUG build: figures are not representative"
    } else {
        "release build"
    };
    let t = u64::from(args.tickets);
    println!();
    println!(
        "pawnbranch {} head office chain reports benchmark ({build})",
        env!("CARGO_PKG_VERSION")
    );
    println!(
        "  chain: {} branches; report rows for {t} tickets (also in loans), {} ledger rows, {} SMS, {} complaints, {} disposals, {} sales over {WEEKS_FILLED} weeks",
        args.branches,
        t * 4,
        t * 2,
        t / 10,
        t / 20,
        t / 40
    );
    for run in runs {
        println!(
            "  {}: filled and analysed in {:.1} s",
            run.store,
            run.filled.as_secs_f64()
        );
    }
    println!(
        "  load: {} keep-alive connections on loopback, 1 s warm-up and {} s measured per page, {} CPUs; each report over its default {} weeks",
        args.connections,
        args.seconds,
        std::thread::available_parallelism().map_or(0, usize::from),
        reports::DEFAULT_WEEKS
    );
    println!();
    println!("Markdown for BENCHMARKS.md:");
    println!();
    println!("| page | store | req/s | p50 | p99 | max | errors |");
    println!("|---|---|---:|---:|---:|---:|---:|");
    let count = runs.first().map_or(0, |r| r.pages.len());
    for i in 0..count {
        for run in runs {
            let Some(page) = run.pages.get(i) else {
                continue;
            };
            println!(
                "| {} `{}` | {} | {} |",
                page.name,
                page.path,
                run.store,
                page.result.markdown_cells()
            );
        }
    }
    if args.postgres.is_none() {
        println!("PostgreSQL: not measured (give --postgres URL of an empty database)");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fill, run on SQLite at a small size, gives every report lines for the whole chain
    /// and for the measured branch, and the counts asked for.
    #[test]
    #[allow(clippy::unwrap_used)]
    fn the_fill_reaches_every_report() {
        let dir = tempfile::tempdir().unwrap();
        let config = hq_config(dir.path(), &[]).unwrap();
        let now = SystemClock.now();
        register(&config, 10, now).unwrap();
        let prepared = DrainStore::Sqlite.prepare(SCHEMA).unwrap();
        let sql = fill_sql(&reports::weeks(now, WEEKS_FILLED), 10, 4000);
        prepared.execute(dir.path(), &sql).unwrap();
        let store = Store::open(&config).unwrap();
        for kind in Kind::ALL {
            for branch in [None, Some(MEASURED_BRANCH)] {
                let r = reports::report(&store, kind, now, reports::DEFAULT_WEEKS, branch).unwrap();
                assert!(!r.lines.is_empty(), "{kind:?} {branch:?}");
            }
        }
        // Every open ticket counted once, under the name of the product its branch has.
        let open = reports::report(&store, Kind::Outstanding, now, 12, None).unwrap();
        let tickets: i64 = open.lines.iter().map(|l| l.values[0]).sum();
        let active = (0..4000).filter(|i| i % 5 >= 2).count();
        assert_eq!(usize::try_from(tickets).unwrap(), active);
        assert!(open.lines.iter().all(|l| l.key.starts_with("Product ")));
    }
}
