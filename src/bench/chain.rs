//! The chain scenario of `pawnbranch bench sync`: a whole chain's branches uploading to one
//! head office at once, on each of head office's stores.
//!
//! Head office (`hq serve`, a child process on a throw-away data directory, on SQLite or on
//! the PostgreSQL database `--postgres` names) has `--chain-branches` branches registered
//! (200 by default, through `hq::store::Store` as `hq branch add` does). Each simulated branch
//! is a thread of this process holding a backlog of `--chain-batches` batches of
//! `--chain-entries` customer changes each, built (and gzipped) before the clock starts. At
//! one signal all of them upload their backlogs, one batch at a time as a branch does, each
//! batch to `POST /api/v1/batches` until it is acknowledged; an answer other than 200 is
//! retried after 200 ms (counted). The figures: aggregate changes per second from the signal
//! until the last branch is acknowledged, and each branch's lag (from the signal until its
//! whole backlog is acknowledged): the slowest and the median. Afterwards head office must
//! hold exactly every branch's changes, once.

use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use super::drain_store::hq_config;
use super::{TempDir, start_child};
use crate::hq::store::Store;
use crate::plumbing::clock::{Clock, SystemClock};
use crate::plumbing::config::Config;
use crate::plumbing::db;
use crate::sync::batch::{self, Batch, Entry};

/// The chain scenario's size.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ChainSize {
    pub(crate) branches: u32,
    pub(crate) batches: u32,
    pub(crate) entries: u32,
}

/// What one run of the chain scenario measured.
#[derive(Debug, Clone)]
pub(crate) struct ChainRun {
    pub(crate) store: &'static str,
    pub(crate) changes: u64,
    pub(crate) elapsed: Duration,
    pub(crate) slowest_lag: Duration,
    pub(crate) median_lag: Duration,
    pub(crate) retries: u64,
}

impl ChainRun {
    pub(crate) fn per_second(&self) -> f64 {
        self.changes as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// How long one branch may go without an acknowledgement before the run gives up.
const STALL: Duration = Duration::from_secs(300);
/// The wait before a refused or failed upload is sent again.
const RETRY_AFTER: Duration = Duration::from_millis(200);

/// One simulated branch: its code, credential and gzipped backlog.
struct Simulated {
    code: String,
    credential: String,
    bodies: Vec<Vec<u8>>,
}

/// Runs the scenario on SQLite (`postgres` `None`) or on the empty PostgreSQL database the URL
/// names.
pub(crate) fn run(postgres: Option<&str>, size: ChainSize) -> Result<ChainRun, String> {
    let dir = TempDir::create()?;
    let env: Vec<(&str, String)> = postgres
        .map(|url| vec![("PAWNBRANCH_HQ_DATABASE", url.to_owned())])
        .unwrap_or_default();
    let config = hq_config(&dir.path, &env)?;
    let branches = register(&config, size)?;
    let hq = start_child(&dir.path, &["hq", "serve", "--listen", "127.0.0.1:0"], &env)?;
    let url = format!("http://{}/api/v1/batches", hq.started.addr);
    let start = Arc::new(Barrier::new(branches.len() + 1));
    let threads: Vec<_> = branches
        .into_iter()
        .map(|branch| {
            let (start, url) = (Arc::clone(&start), url.clone());
            std::thread::Builder::new()
                .name(format!("chain-{}", branch.code))
                .spawn(move || upload_backlog(&branch, &url, &start))
                .map_err(|e| format!("cannot start a branch thread: {e}"))
        })
        .collect::<Result<_, _>>()?;
    start.wait();
    let began = Instant::now();
    let mut lags = Vec::with_capacity(threads.len());
    let mut retries = 0;
    for thread in threads {
        let (lag, retried) = thread
            .join()
            .map_err(|_| "a branch thread panicked".to_owned())??;
        lags.push(lag);
        retries += retried;
    }
    let elapsed = began.elapsed();
    let stopped = hq.stop()?;
    if let Some(problem) = stopped.problem {
        return Err(format!("head office: {problem}"));
    }
    let changes = verify(&config, size)?;
    lags.sort();
    Ok(ChainRun {
        store: if postgres.is_some() {
            "PostgreSQL"
        } else {
            "SQLite"
        },
        changes,
        elapsed,
        slowest_lag: lags.last().copied().unwrap_or_default(),
        median_lag: lags.get(lags.len() / 2).copied().unwrap_or_default(),
        retries,
    })
}

/// Registers the branches on a store that must have none yet; builds their backlogs.
fn register(config: &Config, size: ChainSize) -> Result<Vec<Simulated>, String> {
    let store = Store::open(config).map_err(|e| e.to_string())?;
    if store.branch_count().map_err(|e| e.to_string())? != 0 {
        return Err("--postgres must name an empty database".to_owned());
    }
    let now = SystemClock.now();
    (1..=size.branches)
        .map(|i| {
            let code = format!("CH{i:04}");
            let credential = store
                .add_branch(&code, &format!("Chain branch {i}"), now)
                .map_err(|e| e.to_string())?;
            let bodies = backlog(&code, size)?;
            Ok(Simulated {
                code,
                credential,
                bodies,
            })
        })
        .collect()
}

/// A branch's backlog: `size.batches` gzipped batches of `size.entries` new customers.
fn backlog(code: &str, size: ChainSize) -> Result<Vec<Vec<u8>>, String> {
    let per = i64::from(size.entries);
    (0..i64::from(size.batches))
        .map(|b| {
            let entries = (1..=per).map(|i| customer(code, b * per + i)).collect();
            let batch = Batch {
                branch: code.to_owned(),
                schema: db::known_version(),
                entries,
                waiting_after: (i64::from(size.batches) - b - 1) * per,
                oldest_waiting_at: None,
            };
            let json = serde_json::to_vec(&batch).map_err(|e| e.to_string())?;
            batch::gzip(&json).map_err(|e| e.to_string())
        })
        .collect()
}

/// Change `seq` of a branch: a new customer with realistic field sizes.
fn customer(code: &str, seq: i64) -> Entry {
    let id = format!("{code}-C-{seq:08}");
    let data = serde_json::json!({
        "id": id,
        "full_name": format!("Pelanggan Rantai {seq} binti Contoh"),
        "phone": format!("+62813{:08}", seq % 100_000_000),
        "id_number": format!("3171{:012}", seq),
        "date_of_birth": "1988-04-12",
        "address": "Jl. Kebon Jeruk Raya No. 27, RT 004/RW 011, Jakarta Barat",
    });
    Entry {
        seq,
        entity: "customers".to_owned(),
        id,
        op: "insert".to_owned(),
        data: Some(data.to_string()),
        at: "2026-12-01 08:00:00.000+00:00".to_owned(),
    }
}

/// Uploads a branch's backlog once `start` opens; returns its lag and the retries.
fn upload_backlog(
    branch: &Simulated,
    url: &str,
    start: &Barrier,
) -> Result<(Duration, u64), String> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(120)))
        .build()
        .into();
    let bearer = format!("Bearer {}", branch.credential);
    start.wait();
    let began = Instant::now();
    let mut retries = 0;
    for body in &branch.bodies {
        let sending = Instant::now();
        loop {
            let sent = agent
                .post(url)
                .header("Authorization", &bearer)
                .header("Content-Type", "application/json")
                .header("Content-Encoding", "gzip")
                .send(&body[..]);
            let answer = sent.map(|mut r| {
                let _ = r.body_mut().read_to_string();
                r.status().as_u16()
            });
            if matches!(answer, Ok(200)) {
                break;
            }
            if sending.elapsed() > STALL {
                return Err(format!(
                    "branch {}: no acknowledgement for {STALL:?} (last answer {answer:?})",
                    branch.code
                ));
            }
            retries += 1;
            std::thread::sleep(RETRY_AFTER);
        }
    }
    Ok((began.elapsed(), retries))
}

/// Checks that head office holds every branch's changes exactly once; returns their number.
fn verify(config: &Config, size: ChainSize) -> Result<u64, String> {
    let store = Store::open(config).map_err(|e| e.to_string())?;
    let expected = i64::from(size.batches) * i64::from(size.entries);
    let branches = store.branches().map_err(|e| e.to_string())?;
    for b in &branches {
        if b.acked_seq != expected || b.entries_received != expected {
            return Err(format!(
                "branch {}: head office holds {} changes up to {}, expected {expected}",
                b.code, b.entries_received, b.acked_seq
            ));
        }
    }
    Ok(branches.len() as u64 * expected as u64)
}

/// Prints the runs side by side.
pub(crate) fn print(runs: &[ChainRun], size: ChainSize) {
    println!(
        "\nChain: {} branches uploading at once, each a backlog of {} batches of {} changes",
        size.branches, size.batches, size.entries
    );
    println!(
        "{:<12} {:>10} {:>10} {:>12} {:>14} {:>14} {:>8}",
        "store", "changes", "seconds", "changes/s", "slowest lag s", "median lag s", "retries"
    );
    for r in runs {
        println!(
            "{:<12} {:>10} {:>10.1} {:>12.0} {:>14.1} {:>14.1} {:>8}",
            r.store,
            r.changes,
            r.elapsed.as_secs_f64(),
            r.per_second(),
            r.slowest_lag.as_secs_f64(),
            r.median_lag.as_secs_f64(),
            r.retries
        );
    }
}
