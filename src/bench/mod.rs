//! `pawnbranch bench http` (this file), `pawnbranch bench sms` (`bench/sms.rs`), `bench loans`
//! (`bench/loans.rs`), `bench complaints` (`bench/complaints.rs`), `bench callcentre`
//! (`bench/callcentre.rs`), `bench sync` (`bench/sync.rs`) and `bench hq-reports`
//! (`bench/hq_reports.rs`): how fast the branch server answers,
//! measured the way a branch uses it, and printed so that the figures can be recorded in
//! BENCHMARKS.md and compared later.
//!
//! It starts the real server (this same executable, `serve --demo`) as a child process on a
//! throw-away data directory, so every request goes through everything a browser's request
//! goes through: the HTTP event loop, the worker pool, routing, the session lookup, SQLite
//! and the templates. Beside it, in this process, the same HTTP plumbing with a handler that
//! answers "hello", on the same number of worker threads, shows the ceiling that the plumbing
//! itself reaches on this machine in the same run. The landing page is measured once more
//! while a slow-client attack (stalled bodies and heads, idle sockets) is held open. The landing page is judged against that ceiling rather than
//! against a fixed number of requests per second, which would mean nothing on other hardware.
//!
//! The load comes from a small generator here, using only the standard library: a fixed number
//! of keep-alive connections, opened one after another before the clock starts, each sending
//! one request at a time and timing each answer (a closed loop, as browsers behave; latency is
//! measured at the throughput reached, not at a fixed arrival rate). A warm-up period is not
//! recorded. Percentiles are nearest-rank over every request that ends in the measured period,
//! and a connection that gets no answer in all that time is reported as stalled. The load
//! generator shares the machine's cores with the servers, equally in every scenario.
//!
//! It also records start-up time, resident memory (Linux only), shutdown time and the size of
//! the executable. The figures only mean something from the release build.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

mod callcentre;
mod chain;
mod complaints;
mod drain_store;
mod hq_reports;
mod link;
mod loans;
mod search;
mod sms;
mod sms_modems;
mod sync;

use crate::auth::STAFF_COOKIE;
use crate::demo;
use crate::plumbing::config::ServerConfig;
use crate::plumbing::http::form::percent_encode;

/// The cookie that identifies a browser before it signs in.
const ANON_COOKIE: &str = "pb_anon";
/// The demo account whose dashboard is measured.
const DASHBOARD_USER: &str = "manager";
/// What the server prints on standard output once it accepts connections.
const LISTENING: &str = " listening on http://";
/// How long the server may take to start before the benchmark gives up.
const START_TIMEOUT: Duration = Duration::from_secs(30);
/// How long the server may take to stop after SIGTERM before it is killed.
const STOP_TIMEOUT: Duration = Duration::from_secs(10);
/// How long the server sits idle after start-up before its memory is read.
const IDLE_BEFORE_RSS: Duration = Duration::from_secs(1);
/// How long one connect, write or read may block before the request counts as failed.
const IO_TIMEOUT: Duration = Duration::from_secs(10);
/// The longest status or header line accepted.
const MAX_LINE: u64 = 16 * 1024;
/// The largest response body accepted.
const MAX_BODY: usize = 16 * 1024 * 1024;
/// The share of failed requests above which the command fails.
const MAX_ERROR_SHARE: f64 = 0.01;
/// Target: the landing page reaches at least this share of the bare ceiling.
const TARGET_SHARE_OF_CEILING: f64 = 0.5;
/// Target: the 99th percentile latency of the landing page and the dashboard stays under this.
const TARGET_P99_MICROS: u32 = 10_000;

/// `pawnbranch bench ...`: what to measure.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum BenchCommand {
    /// Requests per second and latency of the landing page and the staff dashboard under
    /// concurrent keep-alive load on loopback, beside the bare HTTP plumbing as the ceiling and
    /// under a slow-client attack; also start-up time, memory and binary size. Run the release
    /// build.
    Http(HttpBenchArgs),
    /// SMS through the whole path (outbox, sender thread, AT driver, pseudo-terminal, the modem
    /// simulator answering at once): messages per second, how long a code waits behind 1,000
    /// queued reminders, the time from "Send code" to the code's AT+CMGS, and code checks per
    /// second. Run the release build.
    Sms(sms::SmsBenchArgs),
    /// A generated branch (100,000 customers, 300,000 tickets, 3,000,000 ledger rows by
    /// default): the portal's "My loans" and a customer statement under concurrent load.
    Loans(loans::LoansBenchArgs),
    /// A generated branch of 100,000 customers, 30,000 with an overdue ticket (by default):
    /// the call centre's follow-up queue under concurrent load. Run the release build.
    Callcentre(callcentre::CallCentreBenchArgs),
    /// A generated branch of 100,000 customers: the counter's search box by phone number, ID
    /// number, partial name and misspelt name under concurrent load.
    Search(search::SearchBenchArgs),
    /// A generated branch of 50,000 complaint cases over a year: the case list (the first page
    /// of the unresolved cases, least time left first) and the weekly evaluation under
    /// concurrent load.
    Complaints(complaints::ComplaintsBenchArgs),
    /// Sync to head office: a branch with a backlog of 1,000,000 changes in its change log
    /// (`--changes`) uploads it to a real head office, both as child processes; changes per
    /// second, peak memory of both for two backlog sizes, and a bare SQLite insert of the same
    /// entries as the ceiling; then 200 branches uploading at once. With `--postgres`, the
    /// drains and the chain run on SQLite and PostgreSQL side by side. Run the release build.
    Sync(sync::SyncBenchArgs),
    /// Head office's chain reports at a chain's size (200 branches, 100,000 tickets, 400,000
    /// ledger rows by default in the reports' tables): each report's page for the whole chain
    /// and one branch's page under concurrent load, from a real `hq serve`. With `--postgres`,
    /// on SQLite and PostgreSQL side by side. Run the release build.
    HqReports(hq_reports::HqReportsBenchArgs),
    /// A poor link on loopback for trying sync by hand or from tests: a TCP proxy to
    /// `--upstream` with a bandwidth cap each way (`--kbit`) and a round-trip delay
    /// (`--rtt-ms`); prints the bytes carried for each line read on standard input.
    Link(link::LinkArgs),
}

/// The flags of `pawnbranch bench http`.
#[derive(Debug, clap::Args)]
pub(crate) struct HttpBenchArgs {
    /// Concurrent keep-alive connections, each sending one request at a time.
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u16).range(1..=1024))]
    connections: u16,
    /// Measured seconds per scenario.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=3600))]
    seconds: u64,
    /// Seconds of load before each scenario's measurement, not recorded.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(0..=600))]
    warmup_seconds: u64,
    /// Also measure the manager's dashboard on the full-size branch that `bench loans --data
    /// DIR` generated and kept there (100,000 customers by default): the Today card, the
    /// charts and every count read that branch's tables.
    #[arg(long, value_name = "DIR")]
    branch: Option<PathBuf>,
}

/// Runs a benchmark; `Err` is a one-line message naming what failed.
pub(crate) fn run(command: BenchCommand) -> Result<(), String> {
    match command {
        BenchCommand::Http(args) => http(&args),
        BenchCommand::Sms(args) => sms::run(&args),
        BenchCommand::Loans(args) => loans::run(&args),
        BenchCommand::Search(args) => search::run(&args),
        BenchCommand::Complaints(args) => complaints::run(&args),
        BenchCommand::Callcentre(args) => callcentre::run(&args),
        BenchCommand::Sync(args) => sync::run(&args),
        BenchCommand::HqReports(args) => hq_reports::run(&args),
        BenchCommand::Link(args) => link::run(&args),
    }
}

/// Prints a table of measured requests (`what` names its first two columns, e.g. "query |
/// q"), one row per `(name, value, measurement)`, and whether every p99 is under 20 ms.
fn print_p99_table(what: &str, rows: &[(&str, &str, Measurement)], connections: u16) {
    const TARGET_P99_MICROS: u32 = 20_000;
    println!();
    println!("| {what} | req/s | p50 ms | p99 ms | max ms | errors |");
    println!("|---|---|---:|---:|---:|---:|---:|");
    for (name, value, m) in rows {
        println!(
            "| {name} | `{value}` | {:.0} | {} | {} | {} | {} |",
            m.per_second(),
            ms(m.percentile(50.0)),
            ms(m.percentile(99.0)),
            ms(m.tally.latencies.last().copied()),
            m.tally.errors
        );
    }
    let met = rows
        .iter()
        .all(|(_, _, m)| m.percentile(99.0).is_some_and(|p| p < TARGET_P99_MICROS));
    println!(
        "every row: p99 under 20 ms at {connections} connections: {}",
        if met { "met" } else { "NOT met" }
    );
}

/// Writes a manager and a signed-in session for them into a generated branch, as a sign-in
/// would; returns the session's token (for the `pb_staff` cookie).
fn manager_session(
    conn: &rusqlite::Connection,
    now: chrono::DateTime<chrono::Utc>,
) -> rusqlite::Result<String> {
    // A branch generated earlier and kept (`bench loans --data`) has its manager already.
    conn.execute(
        "INSERT INTO staff (id, username, full_name, role, password_hash, created_at, updated_at)
         VALUES (?1, 'bench', 'Bench Manager', 'manager', '', ?2, ?2)
         ON CONFLICT (username) DO NOTHING",
        rusqlite::params![crate::plumbing::ids::StaffId::new(now), now],
    )?;
    let staff_id: crate::plumbing::ids::StaffId =
        conn.query_row("SELECT id FROM staff WHERE username = 'bench'", [], |r| {
            r.get(0)
        })?;
    let token = crate::plumbing::crypto::random_token();
    conn.execute(
        "INSERT INTO staff_sessions (token_hash, staff_id, created_at, last_seen_at) VALUES (?1, ?2, ?3, ?3)",
        rusqlite::params![crate::plumbing::crypto::sha256(token.as_bytes()).as_slice(), staff_id, now],
    )?;
    Ok(token)
}

/// `pawnbranch bench http`: starts the server, measures, prints the report, stops the server.
fn http(args: &HttpBenchArgs) -> Result<(), String> {
    let settings = LoadSettings {
        connections: usize::from(args.connections),
        warmup: Duration::from_secs(args.warmup_seconds),
        measured: Duration::from_secs(args.seconds),
    };
    let workers = ServerConfig::default().workers as usize;
    // Declared first, so it is removed last, after the server has stopped.
    let data_dir = TempDir::create()?;
    // The first start creates the database and loads the demo, which hashes the demo staff
    // passwords; a branch server starts on an existing database, so start-up is timed again.
    let first = start_server(&data_dir.path, &[])?;
    let first_start = first.started;
    if let Some(problem) = first.stop()?.problem {
        return Err(format!("after the first start: {problem}"));
    }
    let server = start_server(&data_dir.path, &[])?;
    std::thread::sleep(IDLE_BEFORE_RSS);
    let idle_rss = rss_mib(server.child.id());
    let cookie = sign_in(server.started.addr)?;

    let bare = BareServer::start(workers)?;
    let ceiling = load(bare.addr, &get_request("/", None), settings);
    bare.stop();
    let ceiling = ceiling?;
    // The landing page is asked for without cookies, as by a first visit, so every answer
    // also sets a new browser cookie. The dashboard's session is only written to once a
    // minute, so loading it reads the database and writes nothing.
    let addr = server.started.addr;
    let landing = load(addr, &get_request("/", None), settings)?;
    let dashboard = load(addr, &get_request("/staff", Some(&cookie)), settings)?;
    let attack = Attack::open(addr)?;
    let attacked = load(addr, &get_request("/", None), settings);
    let attack_held = attack.still_open();
    drop(attack);
    let attacked = attacked?;
    let scenarios = [
        Scenario {
            name: "bare plumbing \"hello\" (ceiling)",
            result: ceiling,
        },
        Scenario {
            name: "landing page GET /",
            result: landing,
        },
        Scenario {
            name: "staff dashboard GET /staff",
            result: dashboard,
        },
        Scenario {
            name: "GET / under a slow-client attack",
            result: attacked,
        },
    ];
    let loaded_rss = rss_mib(server.child.id());
    let start = server.started;
    let stop = server.stop()?;

    let report = Report {
        settings,
        workers,
        first_start,
        start,
        idle_rss,
        loaded_rss,
        stop,
        binary: binary_size()?,
        scenarios,
        attack_held,
    };
    report.print();
    let verdict = report.verdict();
    match &args.branch {
        Some(branch) => verdict.and(dashboard_of_a_full_branch(branch, settings)),
        None => verdict,
    }
}

/// Target: the dashboard of a full-size branch answers within this at the 99th percentile.
const TARGET_FULL_BRANCH_DASHBOARD_P99_MICROS: u32 = 20_000;

/// `bench http --branch DIR`: the manager's dashboard on a branch kept by `bench loans`,
/// its charges posted for today first (as the scheduler's daily pass would have).
fn dashboard_of_a_full_branch(data: &Path, settings: LoadSettings) -> Result<(), String> {
    if !data.join(crate::plumbing::db::DB_FILE).exists() {
        return Err(format!(
            "{} holds no branch: generate one with `pawnbranch bench loans --data {}`",
            data.display(),
            data.display()
        ));
    }
    let e = |e: rusqlite::Error| e.to_string();
    let (token, customers) = {
        let db = crate::sync::changes::open_logged(data, Duration::from_secs(30), 2)
            .map_err(|e| e.to_string())?;
        let mut conn = db.conn().map_err(|e| e.to_string())?;
        loans::ready_for_the_day(&mut conn, |tx, _| {
            tx.query_row("SELECT COUNT(*) FROM customers", [], |r| r.get::<_, i64>(0))
        })
        .map_err(e)?
    };
    let server = start_server(data, &[])?;
    let cookie = format!("pb_staff={token}");
    let dashboard = load(
        server.started.addr,
        &get_request("/staff", Some(&cookie)),
        settings,
    );
    server.stop()?;
    let dashboard = dashboard?;
    if let Some(first) = &dashboard.tally.first_error {
        return Err(format!("the full branch's dashboard failed: {first}"));
    }
    println!(
        "Dashboard of the full branch in {} ({customers} customers), {} connections:",
        data.display(),
        settings.connections
    );
    println!("| page | req/s | p50 ms | p99 ms | max ms | errors |");
    println!("|---|---:|---:|---:|---:|---:|");
    println!(
        "| manager's dashboard GET /staff | {:.0} | {} | {} | {} | {} |",
        dashboard.per_second(),
        ms(dashboard.percentile(50.0)),
        ms(dashboard.percentile(99.0)),
        ms(dashboard.tally.latencies.last().copied()),
        dashboard.tally.errors
    );
    let met = dashboard
        .percentile(99.0)
        .is_some_and(|p| p < TARGET_FULL_BRANCH_DASHBOARD_P99_MICROS);
    println!(
        "p99 under {} ms: {}",
        TARGET_FULL_BRANCH_DASHBOARD_P99_MICROS / 1000,
        if met { "met" } else { "NOT met" }
    );
    Ok(())
}

/// A data directory for the benchmark's server, removed when dropped.
struct TempDir {
    /// Where it is.
    path: PathBuf,
}

impl TempDir {
    /// Creates a new, empty directory under the system's temporary directory.
    fn create() -> Result<TempDir, String> {
        let nanos = crate::plumbing::clock::Clock::now(&crate::plumbing::clock::SystemClock)
            .timestamp_subsec_nanos();
        let name = format!("pawnbranch-bench-{}-{nanos}", std::process::id());
        let path = std::env::temp_dir().join(name);
        std::fs::create_dir(&path)
            .map_err(|e| format!("cannot create the data directory {}: {e}", path.display()))?;
        Ok(TempDir { path })
    }
}

impl Drop for TempDir {
    /// Removes the directory and the database, backups and secret the server left in it.
    fn drop(&mut self) {
        if let Err(e) = std::fs::remove_dir_all(&self.path) {
            eprintln!(
                "pawnbranch: cannot remove the benchmark's data directory {}: {e}",
                self.path.display()
            );
        }
    }
}

/// When a started server became reachable, and where.
#[derive(Debug, Clone, Copy)]
struct Started {
    /// The address the server listens on.
    addr: SocketAddr,
    /// Time from spawning the process until it printed that it is listening.
    until_listening: Duration,
    /// Time from spawning the process until `GET /healthz` answered 200.
    until_healthy: Duration,
    /// When the process was spawned.
    spawned: Instant,
}

/// How a server stopped.
#[derive(Debug, Clone)]
struct Stopped {
    /// Time from SIGTERM until the process exited (or was killed).
    after: Duration,
    /// What went wrong, if the process had to be killed or exited with a failure.
    problem: Option<String>,
}

/// The real server, running as a child process; killed when dropped while still running.
struct ChildServer {
    /// The process.
    child: Child,
    /// When it became reachable, and where.
    started: Started,
    /// The thread that keeps reading the server's standard output so that it never blocks.
    drain: Option<JoinHandle<()>>,
}

/// Starts this executable as `serve --demo` on `data_dir`, with `env` as its only
/// `PAWNBRANCH_*` settings besides the log level, and waits until it answers.
fn start_server(data_dir: &Path, env: &[(&str, String)]) -> Result<ChildServer, String> {
    start_child(
        data_dir,
        &["serve", "--demo", "--listen", "127.0.0.1:0"],
        env,
    )
}

/// Starts this executable with `args` (a command that serves HTTP and prints that it is
/// listening, such as `serve` or `hq serve`) on `data_dir`, with `env` as its only
/// `PAWNBRANCH_*` settings besides the log level, and waits until `GET /healthz` answers 200.
fn start_child(
    data_dir: &Path,
    args: &[&str],
    env: &[(&str, String)],
) -> Result<ChildServer, String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find this executable: {e}"))?;
    let mut command = Command::new(&exe);
    command.arg("--data-dir").arg(data_dir).args(args);
    // The server runs on its defaults whatever this shell configures, so that runs compare;
    // only the access log is turned down, or writing it would weigh on every request measured.
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("PAWNBRANCH_") {
            command.env_remove(name);
        }
    }
    command.envs(env.iter().map(|(k, v)| (k, v)));
    command
        .env("PAWNBRANCH_LOG_LEVEL", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::piped());
    let spawned = Instant::now();
    let mut child = command
        .spawn()
        .map_err(|e| format!("cannot start the server {}: {e}", exe.display()))?;
    let (sender, listening) = mpsc::channel();
    let drain = child.stdout.take().map(|stdout| {
        std::thread::Builder::new()
            .name("bench-stdout".to_owned())
            .spawn(move || drain_stdout(stdout, &sender))
    });
    let drain = match drain {
        Some(Ok(handle)) => handle,
        Some(Err(e)) => {
            return Err(abandon(
                child,
                format!("cannot start a thread to read the server's output: {e}"),
            ));
        }
        None => {
            return Err(abandon(
                child,
                "the server's standard output was not captured".to_owned(),
            ));
        }
    };
    match wait_until_ready(&mut child, &listening, spawned) {
        Ok(started) => Ok(ChildServer {
            child,
            started,
            drain: Some(drain),
        }),
        Err(message) => Err(abandon(child, message)),
    }
}

/// Kills a server that failed to start, and returns the message saying why.
fn abandon(mut child: Child, message: String) -> String {
    // The process may have exited already; either way it is gone afterwards.
    let _ = child.kill();
    let _ = child.wait();
    message
}

/// Reads the server's standard output to its end, passing on the line saying it listens.
fn drain_stdout(stdout: ChildStdout, listening: &mpsc::Sender<String>) {
    let mut reader = BufReader::new(stdout);
    let mut line = Vec::new();
    loop {
        line.clear();
        match reader.read_until(b'\n', &mut line) {
            Ok(0) | Err(_) => return,
            Ok(_) => {
                let text = String::from_utf8_lossy(&line);
                if text.contains(LISTENING) {
                    // Nobody waits for the line any more once start-up has failed; no matter.
                    let _ = listening.send(text.trim().to_owned());
                }
            }
        }
    }
}

/// Waits for the "listening" line, then for `GET /healthz` to answer 200.
fn wait_until_ready(
    child: &mut Child,
    listening: &mpsc::Receiver<String>,
    spawned: Instant,
) -> Result<Started, String> {
    let line = listening.recv_timeout(START_TIMEOUT).map_err(|e| match e {
        mpsc::RecvTimeoutError::Timeout => {
            format!(
                "the server did not say it was listening within {} s",
                START_TIMEOUT.as_secs()
            )
        }
        mpsc::RecvTimeoutError::Disconnected => {
            // Its output ended, so the process is ending; give it a moment to report how.
            std::thread::sleep(Duration::from_millis(100));
            match child.try_wait() {
                Ok(Some(status)) => {
                    format!("the server exited before listening ({status}); see its messages above")
                }
                _ => "the server closed its output before saying it was listening".to_owned(),
            }
        }
    })?;
    let until_listening = spawned.elapsed();
    let addr = line
        .split_once(LISTENING)
        .and_then(|(_, addr)| addr.trim().parse::<SocketAddr>().ok())
        .ok_or_else(|| format!("cannot read the server's address from {line:?}"))?;
    let deadline = spawned + START_TIMEOUT;
    loop {
        let outcome =
            Connection::open(addr).and_then(|mut c| c.exchange(&get_request("/healthz", None)));
        match outcome {
            Ok(reply) if reply.status == 200 => break,
            Ok(reply) if Instant::now() >= deadline => {
                return Err(format!(
                    "GET /healthz answered {} instead of 200",
                    reply.status
                ));
            }
            Err(e) if Instant::now() >= deadline => {
                return Err(format!("GET /healthz failed: {e}"));
            }
            _ => std::thread::sleep(Duration::from_millis(2)),
        }
    }
    Ok(Started {
        addr,
        until_listening,
        until_healthy: spawned.elapsed(),
        spawned,
    })
}

impl ChildServer {
    /// Sends SIGTERM and waits for the server to finish; kills it if it takes too long.
    fn stop(mut self) -> Result<Stopped, String> {
        let signalled = Instant::now();
        let pid = self.child.id().to_string();
        let sent = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .is_ok_and(|s| s.success());
        let mut problem = None;
        let mut exited = None;
        if sent {
            while exited.is_none() && signalled.elapsed() < STOP_TIMEOUT {
                exited = self
                    .child
                    .try_wait()
                    .map_err(|e| format!("cannot wait for the server: {e}"))?;
                std::thread::sleep(Duration::from_millis(1));
            }
        } else {
            problem = Some(
                "SIGTERM could not be sent (no `kill` command?); the server was killed".to_owned(),
            );
        }
        let after = signalled.elapsed();
        match exited {
            Some(status) if !status.success() => {
                problem = Some(format!("the server exited with {status}"))
            }
            Some(_) => {}
            None => {
                problem = problem.or_else(|| {
                    Some(format!(
                        "the server did not stop within {} s of SIGTERM; it was killed",
                        STOP_TIMEOUT.as_secs()
                    ))
                });
                self.child
                    .kill()
                    .map_err(|e| format!("cannot kill the server: {e}"))?;
                self.child
                    .wait()
                    .map_err(|e| format!("cannot wait for the server: {e}"))?;
            }
        }
        if let Some(drain) = self.drain.take() {
            drain
                .join()
                .map_err(|_| "the thread reading the server's output panicked".to_owned())?;
        }
        Ok(Stopped { after, problem })
    }
}

impl Drop for ChildServer {
    /// Kills the server if the benchmark failed before stopping it, so it never outlives us.
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            // Killing fails only when the process is gone already; there is nothing else to do.
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// The resident memory of a process in MiB, from /proc (Linux only).
fn rss_mib(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find_map(|l| l.strip_prefix("VmRSS:"))?;
    let kib: f64 = line.trim().trim_end_matches("kB").trim().parse().ok()?;
    Some(kib / 1024.0)
}

/// The size of the running executable in MiB.
fn binary_size() -> Result<f64, String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find this executable: {e}"))?;
    let bytes = std::fs::metadata(&exe)
        .map_err(|e| format!("cannot read the size of {}: {e}", exe.display()))?
        .len();
    Ok(bytes as f64 / (1024.0 * 1024.0))
}

/// Signs in as the demo manager and returns the `Cookie` header value of the session.
fn sign_in(addr: SocketAddr) -> Result<String, String> {
    let password = demo::ACCOUNTS
        .iter()
        .find(|(username, ..)| *username == DASHBOARD_USER)
        .map(|(.., password)| *password)
        .ok_or_else(|| format!("the demo has no {DASHBOARD_USER} account"))?;
    let mut connection = Connection::open(addr)?;
    let page = connection
        .exchange(&get_request("/staff/login", None))
        .map_err(|e| format!("GET /staff/login failed: {e}"))?;
    if page.status != 200 {
        return Err(format!(
            "GET /staff/login answered {} instead of 200",
            page.status
        ));
    }
    let anon = page
        .cookie(ANON_COOKIE)
        .ok_or_else(|| format!("GET /staff/login set no {ANON_COOKIE} cookie"))?;
    let csrf = hidden_field(&page.body, "csrf").ok_or("the sign-in page has no csrf field")?;
    let form: String = [
        ("csrf", csrf.as_str()),
        ("username", DASHBOARD_USER),
        ("password", password),
        ("next", "/staff"),
    ]
    .iter()
    .map(|(name, value)| format!("{name}={}", percent_encode(value)))
    .collect::<Vec<_>>()
    .join("&");
    let reply = connection
        .exchange(&post_form_request(
            "/staff/login",
            &format!("{ANON_COOKIE}={anon}"),
            &form,
        ))
        .map_err(|e| format!("POST /staff/login failed: {e}"))?;
    if reply.status != 303 {
        return Err(format!(
            "signing in as {DASHBOARD_USER} answered {} instead of 303",
            reply.status
        ));
    }
    let session = reply
        .cookie(STAFF_COOKIE)
        .ok_or_else(|| format!("signing in set no {STAFF_COOKIE} cookie"))?;
    let cookie = format!("{ANON_COOKIE}={anon}; {STAFF_COOKIE}={session}");
    let dashboard = connection.exchange(&get_request("/staff", Some(&cookie)))?;
    if dashboard.status != 200 {
        return Err(format!(
            "GET /staff after signing in answered {} instead of 200",
            dashboard.status
        ));
    }
    Ok(cookie)
}

/// The value of the form field `name` in an HTML page.
fn hidden_field(html: &[u8], name: &str) -> Option<String> {
    let html = String::from_utf8_lossy(html);
    let at = html.find(&format!("name=\"{name}\""))?;
    let tag_start = html[..at].rfind('<')?;
    let tag_end = at + html[at..].find('>')?;
    let (_, value) = html[tag_start..tag_end].split_once("value=\"")?;
    Some(value[..value.find('"')?].to_owned())
}

/// A keep-alive GET request, with a `Cookie` header when given one.
fn get_request(path: &str, cookie: Option<&str>) -> Vec<u8> {
    let cookie = cookie
        .map(|c| format!("Cookie: {c}\r\n"))
        .unwrap_or_default();
    format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n{cookie}\r\n")
        .into_bytes()
}

/// A keep-alive POST request of an urlencoded form.
fn post_form_request(path: &str, cookie: &str, form: &str) -> Vec<u8> {
    format!(
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\nCookie: {cookie}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{form}",
        form.len()
    )
    .into_bytes()
}

/// One client connection and its read buffer.
struct Connection {
    /// The socket, read through a buffer and written directly.
    reader: BufReader<TcpStream>,
}

impl Connection {
    /// Connects, without Nagle's delay, with timeouts on every read and write.
    fn open(addr: SocketAddr) -> Result<Connection, String> {
        let stream = TcpStream::connect_timeout(&addr, IO_TIMEOUT)
            .map_err(|e| format!("cannot connect to {addr}: {e}"))?;
        stream
            .set_nodelay(true)
            .map_err(|e| format!("cannot set TCP_NODELAY: {e}"))?;
        stream
            .set_read_timeout(Some(IO_TIMEOUT))
            .map_err(|e| format!("cannot set a read timeout: {e}"))?;
        stream
            .set_write_timeout(Some(IO_TIMEOUT))
            .map_err(|e| format!("cannot set a write timeout: {e}"))?;
        Ok(Connection {
            reader: BufReader::with_capacity(64 * 1024, stream),
        })
    }

    /// Sends one request and reads its whole response.
    fn exchange(&mut self, request: &[u8]) -> Result<Reply, String> {
        self.reader
            .get_mut()
            .write_all(request)
            .map_err(|e| format!("cannot send the request: {e}"))?;
        read_reply(&mut self.reader)
    }
}

/// A response, fully read.
#[derive(Debug)]
struct Reply {
    /// The status code.
    status: u16,
    /// The headers, names in lower case.
    headers: Vec<(String, String)>,
    /// The body, with any chunked transfer encoding removed.
    body: Vec<u8>,
}

impl Reply {
    /// The first value of a header, by lower-case name.
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The value a `Set-Cookie` header gives the cookie `name`, if not empty.
    fn cookie(&self, name: &str) -> Option<String> {
        self.headers
            .iter()
            .filter(|(n, _)| n == "set-cookie")
            .filter_map(|(_, v)| v.split(';').next()?.split_once('='))
            .find(|(n, value)| n.trim() == name && !value.is_empty())
            .map(|(_, value)| value.to_owned())
    }

    /// Whether the server closes the connection after this response.
    fn closes(&self) -> bool {
        self.header("connection")
            .is_some_and(|v| v.eq_ignore_ascii_case("close"))
    }
}

/// Reads one HTTP/1.1 response: status line, headers, and a body delimited by
/// `Content-Length` or by chunked transfer encoding.
fn read_reply(reader: &mut impl BufRead) -> Result<Reply, String> {
    let status_line = read_line(reader)?;
    let status = match status_line
        .split_whitespace()
        .collect::<Vec<_>>()
        .as_slice()
    {
        [version, code, ..] if version.starts_with("HTTP/1.") => code.parse().ok(),
        _ => None,
    }
    .ok_or_else(|| format!("not an HTTP/1 status line: {status_line:?}"))?;
    let mut headers = Vec::new();
    loop {
        let line = read_line(reader)?;
        if line.is_empty() {
            break;
        }
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| format!("not a header line: {line:?}"))?;
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
    }
    let mut reply = Reply {
        status,
        headers,
        body: Vec::new(),
    };
    let chunked = reply
        .header("transfer-encoding")
        .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
    if chunked {
        reply.body = read_chunked(reader)?;
    } else if let Some(length) = reply.header("content-length") {
        let length: usize = length
            .parse()
            .map_err(|_| format!("bad Content-Length {length:?}"))?;
        reply.body = read_body(reader, length)?;
    } else if !(status == 204 || status == 304 || (100..200).contains(&status)) {
        return Err(format!(
            "the {status} response has neither Content-Length nor chunked encoding, so its end is unknown"
        ));
    }
    Ok(reply)
}

/// Reads a body of `length` bytes.
fn read_body(reader: &mut impl BufRead, length: usize) -> Result<Vec<u8>, String> {
    if length > MAX_BODY {
        return Err(format!(
            "a body of {length} bytes is larger than the {MAX_BODY} accepted"
        ));
    }
    let mut body = vec![0; length];
    reader
        .read_exact(&mut body)
        .map_err(|e| format!("cannot read a body of {length} bytes: {e}"))?;
    Ok(body)
}

/// Reads a chunked body and its trailers.
fn read_chunked(reader: &mut impl BufRead) -> Result<Vec<u8>, String> {
    let mut body = Vec::new();
    loop {
        let line = read_line(reader)?;
        let size = line.split(';').next().unwrap_or_default().trim();
        let size =
            usize::from_str_radix(size, 16).map_err(|_| format!("bad chunk size line {line:?}"))?;
        if size == 0 {
            while !read_line(reader)?.is_empty() {}
            return Ok(body);
        }
        if body.len().saturating_add(size) > MAX_BODY {
            return Err(format!(
                "a chunked body larger than the {MAX_BODY} bytes accepted"
            ));
        }
        body.extend(read_body(reader, size)?);
        if !read_line(reader)?.is_empty() {
            return Err("a chunk does not end where its size says".to_owned());
        }
    }
}

/// Reads one line, without its line ending; the end of the stream is an error.
fn read_line(reader: &mut impl BufRead) -> Result<String, String> {
    let mut line = String::new();
    match reader.take(MAX_LINE).read_line(&mut line) {
        Ok(0) => Err("the server closed the connection".to_owned()),
        Ok(_) if !line.ends_with('\n') => {
            Err(format!("a line longer than {MAX_LINE} bytes or cut short"))
        }
        Ok(_) => Ok(line.trim_end_matches(['\r', '\n']).to_owned()),
        Err(e) => Err(format!("cannot read the response: {e}")),
    }
}

/// The ceiling: our own HTTP plumbing (`crate::plumbing::http`) in this process with a handler that
/// answers "hello" to everything, so the figure is what the plumbing itself can carry.
struct BareServer {
    server: crate::plumbing::http::Server,
    /// The address it listens on.
    addr: SocketAddr,
    /// Set to stop the server.
    stopping: Arc<AtomicBool>,
}

impl BareServer {
    /// Starts listening on a free loopback port, with `workers` threads answering.
    fn start(workers: usize) -> Result<BareServer, String> {
        use crate::plumbing::http::{Body, Response};
        let mut options = ServerConfig::default().http_options(64 * 1024);
        options.workers = workers;
        let stopping = Arc::new(AtomicBool::new(false));
        let server = crate::plumbing::http::Server::start(
            "127.0.0.1:0",
            options,
            Arc::new(|_request| Response {
                status: 200,
                headers: vec![("Content-Type", "text/plain; charset=utf-8".to_owned())],
                body: Body::Static(b"hello"),
            }),
            Arc::new(|_rejection, _request| Response {
                status: 400,
                headers: Vec::new(),
                body: Body::Static(b""),
            }),
            Arc::clone(&stopping),
        )
        .map_err(|e| format!("cannot start the bare server: {e}"))?;
        Ok(BareServer {
            addr: server.addr,
            server,
            stopping,
        })
    }

    /// Stops the server and waits for its threads.
    fn stop(self) {
        self.stopping.store(true, Ordering::SeqCst);
        if !self.server.join() {
            eprintln!("pawnbranch: the bare server's listener failed");
        }
    }
}

/// The slow-client attack of issue 11, held open while a scenario is measured: bodies that
/// never arrive (announced by Content-Length, or chunked with no chunk), request heads cut
/// short, and connections that send nothing. Closed when dropped.
struct Attack {
    /// Dropping them ends the attack.
    sockets: Vec<TcpStream>,
}

impl Attack {
    const STALLED_BODIES: usize = 64;
    const STALLED_HEADS: usize = 64;
    const IDLE: usize = 200;

    fn open(addr: SocketAddr) -> Result<Attack, String> {
        let body = b"POST /staff/login HTTP/1.1\r\nHost: x\r\nContent-Length: 4096\r\n\r\ncsrf=";
        let chunked =
            b"POST /staff/login HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
        let head = b"GET /staff/login HTTP/1.1\r\nHost: x\r\nUser-Agent: slo";
        let mut openings: Vec<&[u8]> = Vec::new();
        for n in 0..Self::STALLED_BODIES {
            openings.push(if n % 2 == 0 { body } else { chunked });
        }
        openings.extend(std::iter::repeat_n(&head[..], Self::STALLED_HEADS));
        openings.extend(std::iter::repeat_n(&b""[..], Self::IDLE));
        let sockets = openings
            .into_iter()
            .map(|bytes| {
                let mut socket = TcpStream::connect_timeout(&addr, IO_TIMEOUT)
                    .map_err(|e| format!("attack: cannot connect: {e}"))?;
                socket
                    .write_all(bytes)
                    .map_err(|e| format!("attack: cannot write: {e}"))?;
                Ok(socket)
            })
            .collect::<Result<Vec<_>, String>>()?;
        Ok(Attack { sockets })
    }

    /// How many sockets the server still holds open (neither closed nor answered): the
    /// attack was in force throughout only if all are, until the deadlines cut them.
    fn still_open(&self) -> usize {
        self.sockets
            .iter()
            .filter(|socket| {
                let mut byte = [0u8; 1];
                socket.set_nonblocking(true).is_ok()
                    && matches!(socket.peek(&mut byte), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock)
            })
            .count()
    }

    fn len() -> usize {
        Self::STALLED_BODIES + Self::STALLED_HEADS + Self::IDLE
    }
}

/// How hard and how long to load a server.
#[derive(Debug, Clone, Copy)]
struct LoadSettings {
    /// Concurrent keep-alive connections.
    connections: usize,
    /// Load before the measurement, not recorded.
    warmup: Duration,
    /// The measured period.
    measured: Duration,
}

impl LoadSettings {
    /// `connections` keep-alive connections, a second of warm-up, then `seconds` measured: the
    /// settings of the benchmarks over a generated branch.
    fn after_warmup(connections: u16, seconds: u64) -> LoadSettings {
        LoadSettings {
            connections: usize::from(connections),
            warmup: Duration::from_secs(1),
            measured: Duration::from_secs(seconds),
        }
    }
}

/// The size of the branch database in `data`, in bytes (0 when it cannot be read).
fn database_size(data: &Path) -> u64 {
    std::fs::metadata(data.join(crate::plumbing::db::DB_FILE))
        .map(|m| m.len())
        .unwrap_or(0)
}

/// What one connection, or all of them together, saw in the measured period.
#[derive(Debug, Default)]
struct Tally {
    /// Requests that ended in the measured period: answered, or failed before an answer.
    requests: u64,
    /// Latency of every answered request, in microseconds (sorted once merged).
    latencies: Vec<u32>,
    /// Requests answered with another status than 200, or not answered at all.
    errors: u64,
    /// Connections opened again after the server closed one or a request failed.
    reconnects: u64,
    /// The first failure, to show what went wrong.
    first_error: Option<String>,
    /// Connections that got no answer at all during the measured period.
    stalled: u64,
}

impl Tally {
    /// Counts one request that ended in the measured period, answered or not.
    fn record(&mut self, outcome: Result<Reply, String>, latency: Duration) {
        self.requests += 1;
        match outcome {
            Ok(reply) => {
                self.latencies
                    .push(u32::try_from(latency.as_micros()).unwrap_or(u32::MAX));
                if reply.status != 200 {
                    self.fail(format!("status {}", reply.status));
                }
            }
            Err(e) => self.fail(e),
        }
    }

    /// Counts a failed request.
    fn fail(&mut self, what: String) {
        self.errors += 1;
        self.first_error.get_or_insert(what);
    }

    /// Adds another connection's tally to this one.
    fn merge(&mut self, other: Tally) {
        self.requests += other.requests;
        self.latencies.extend(other.latencies);
        self.errors += other.errors;
        self.reconnects += other.reconnects;
        self.stalled += other.stalled;
        if self.first_error.is_none() {
            self.first_error = other.first_error;
        }
    }
}

/// What one scenario measured.
#[derive(Debug)]
struct Measurement {
    /// All connections' tallies together, latencies sorted.
    tally: Tally,
    /// From the end of the warm-up until the last connection stopped.
    elapsed: Duration,
}

impl Measurement {
    /// Answered requests per second.
    fn per_second(&self) -> f64 {
        self.tally.latencies.len() as f64 / self.elapsed.as_secs_f64().max(f64::EPSILON)
    }

    /// A latency percentile in microseconds.
    fn percentile(&self, p: f64) -> Option<u32> {
        percentile(&self.tally.latencies, p)
    }

    /// The cells "req/s | p50 | p99 | max | errors" of a markdown table's row, in
    /// milliseconds with their unit.
    fn markdown_cells(&self) -> String {
        format!(
            "{:.0} | {} ms | {} ms | {} ms | {}",
            self.per_second(),
            ms(self.percentile(50.0)),
            ms(self.percentile(99.0)),
            ms(self.tally.latencies.last().copied()),
            self.tally.errors
        )
    }

    /// The share of requests that failed.
    fn error_share(&self) -> f64 {
        if self.tally.requests == 0 {
            0.0
        } else {
            self.tally.errors as f64 / self.tally.requests as f64
        }
    }
}

/// Sends `request` over `settings.connections` keep-alive connections, each one request at a
/// time, through the warm-up and the measured period.
fn load(addr: SocketAddr, request: &[u8], settings: LoadSettings) -> Result<Measurement, String> {
    let request: Arc<[u8]> = Arc::from(request);
    // The connections are opened one after another, each proven by one answered request,
    // before the clock starts, so that every one of them is carrying load when it does.
    let connections = (1..=settings.connections)
        .map(|n| open_proven(addr, &request).map_err(|e| format!("load connection {n}: {e}")))
        .collect::<Result<Vec<_>, _>>()?;
    let measure_from = Instant::now() + settings.warmup;
    let stop_at = measure_from + settings.measured;
    let threads = connections
        .into_iter()
        .enumerate()
        .map(|(n, connection)| {
            let request = Arc::clone(&request);
            std::thread::Builder::new()
                .name(format!("load-{n}"))
                .spawn(move || load_connection(connection, addr, &request, measure_from, stop_at))
                .map_err(|e| format!("cannot start a load thread: {e}"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut tally = Tally::default();
    for thread in threads {
        tally.merge(
            thread
                .join()
                .map_err(|_| "a load thread panicked".to_owned())?,
        );
    }
    let elapsed = measure_from.elapsed();
    tally.latencies.sort_unstable();
    Ok(Measurement { tally, elapsed })
}

/// Opens a connection and sends one request on it, which must be answered and leave the
/// connection open.
fn open_proven(addr: SocketAddr, request: &[u8]) -> Result<Connection, String> {
    let mut connection = Connection::open(addr)?;
    let reply = connection.exchange(request)?;
    if reply.closes() {
        return Err(format!(
            "the server closed the connection after answering {}",
            reply.status
        ));
    }
    Ok(connection)
}

/// One load connection: sends the request again and again until `stop_at`, reconnecting when
/// the server closes the connection. It records every request that ends from `measure_from`
/// on, even one sent during the warm-up, so that a request kept waiting shows in the figures.
fn load_connection(
    first: Connection,
    addr: SocketAddr,
    request: &[u8],
    measure_from: Instant,
    stop_at: Instant,
) -> Tally {
    let mut tally = Tally::default();
    let mut connection = Some(first);
    let mut answered_in_time = false;
    while Instant::now() < stop_at {
        let mut current = match connection.take() {
            Some(current) => current,
            None => {
                let opened = Connection::open(addr);
                let measured = Instant::now() >= measure_from;
                if measured {
                    tally.reconnects += 1;
                }
                match opened {
                    Ok(opened) => opened,
                    Err(e) => {
                        if measured {
                            tally.record(Err(e), Duration::ZERO);
                        }
                        std::thread::sleep(Duration::from_millis(10));
                        continue;
                    }
                }
            }
        };
        let sent = Instant::now();
        let outcome = current.exchange(request);
        let ended = Instant::now();
        if matches!(&outcome, Ok(reply) if !reply.closes()) {
            connection = Some(current);
        }
        if ended >= measure_from {
            answered_in_time |= ended < stop_at && outcome.is_ok();
            tally.record(outcome, ended - sent);
        }
    }
    tally.stalled = u64::from(!answered_in_time);
    tally
}

/// The nearest-rank percentile of sorted values: the smallest value with at least `p` percent
/// of all values at or below it; `None` when there are no values.
fn percentile(sorted: &[u32], p: f64) -> Option<u32> {
    let rank = (p / 100.0 * sorted.len() as f64).ceil() as usize;
    sorted.get(rank.clamp(1, sorted.len().max(1)) - 1).copied()
}

/// One scenario's name and figures.
struct Scenario {
    /// What was loaded.
    name: &'static str,
    /// What was measured.
    result: Measurement,
}

/// Everything measured in one run.
struct Report {
    /// The load applied in every scenario.
    settings: LoadSettings,
    /// Worker threads of the bare server (the server's default too).
    workers: usize,
    /// The first start, which also created the database and loaded the demo.
    first_start: Started,
    /// The start on the existing database: the start-up time.
    start: Started,
    /// Resident memory 1 s after start-up, in MiB.
    idle_rss: Option<f64>,
    /// Resident memory after the load, in MiB.
    loaded_rss: Option<f64>,
    /// How the measured server stopped.
    stop: Stopped,
    /// The size of this executable in MiB.
    binary: f64,
    /// Bare ceiling, landing page, dashboard, landing page under attack: in that order.
    scenarios: [Scenario; 4],
    /// Attack sockets the server still held open at the end of the attacked scenario.
    attack_held: usize,
}

impl Report {
    /// The landing page's requests per second as a share of the bare ceiling's.
    fn landing_share(&self) -> f64 {
        let [bare, landing, ..] = &self.scenarios;
        landing.result.per_second() / bare.result.per_second().max(f64::EPSILON)
    }

    /// Whether the landing page and the dashboard both have their p99 under the target.
    fn p99_met(&self) -> bool {
        self.scenarios[1..3].iter().all(|s| {
            s.result
                .percentile(99.0)
                .is_some_and(|p| p < TARGET_P99_MICROS)
        })
    }

    /// Prints the plain-text report and the markdown tables.
    fn print(&self) {
        self.print_conditions();
        self.print_figures();
        self.print_scenarios();
        self.print_targets();
        self.print_markdown();
    }

    /// Prints how the run was made.
    fn print_conditions(&self) {
        let s = &self.settings;
        let cpus =
            std::thread::available_parallelism().map_or_else(|_| "?".to_owned(), |n| n.to_string());
        let build = if cfg!(debug_assertions) {
            "DEBUG build: figures are not representative"
        } else {
            "release build"
        };
        println!(
            "pawnbranch {} HTTP benchmark ({build})",
            env!("CARGO_PKG_VERSION")
        );
        println!(
            "  load: {} keep-alive connections on loopback, {} s warm-up and {} s measured per scenario, {cpus} CPUs",
            s.connections,
            s.warmup.as_secs(),
            s.measured.as_secs()
        );
        println!(
            "  server: this executable, `serve --demo`, default configuration, log level warn"
        );
        println!(
            "  ceiling: the bare HTTP plumbing answering \"hello\" in the benchmark process, {} worker threads",
            self.workers
        );
        println!(
            "  attack: {} stalled bodies, {} stalled heads and {} idle connections held open during the last scenario",
            Attack::STALLED_BODIES,
            Attack::STALLED_HEADS,
            Attack::IDLE
        );
        println!();
    }

    /// Prints start-up, memory, shutdown and size.
    fn print_figures(&self) {
        let (first, start) = (&self.first_start, &self.start);
        println!("Start-up, from spawning the process:");
        println!(
            "  first start (creates the database, loads the demo): {} ms until listening, {} ms until /healthz 200",
            millis(first.until_listening),
            millis(first.until_healthy)
        );
        println!(
            "  start on the existing database:                     {} ms until listening, {} ms until /healthz 200",
            millis(start.until_listening),
            millis(start.until_healthy)
        );
        println!("Resident memory (VmRSS) of the server:");
        println!(
            "  idle, {} s after start-up: {}",
            IDLE_BEFORE_RSS.as_secs(),
            mib(self.idle_rss)
        );
        println!("  after the load:           {}", mib(self.loaded_rss));
        let stop = self.stop.problem.as_deref().unwrap_or("exit status 0");
        println!(
            "Shutdown: {} ms from SIGTERM until the process ended ({stop})",
            millis(self.stop.after)
        );
        let note = if cfg!(debug_assertions) {
            "debug build, not stripped"
        } else {
            "release build, stripped"
        };
        println!("Binary: {:.2} MiB ({note})", self.binary);
        println!();
    }

    /// Prints the table of scenarios, and the first error of each that had errors.
    fn print_scenarios(&self) {
        println!(
            "{:<36} {:>9} {:>8} {:>8} {:>8} {:>8} {:>8} {:>10} {:>8}",
            "scenario",
            "req/s",
            "p50 ms",
            "p90 ms",
            "p99 ms",
            "max ms",
            "errors",
            "reconnects",
            "stalled"
        );
        for s in &self.scenarios {
            let m = &s.result;
            println!(
                "{:<36} {:>9.0} {:>8} {:>8} {:>8} {:>8} {:>8} {:>10} {:>8}",
                s.name,
                m.per_second(),
                ms(m.percentile(50.0)),
                ms(m.percentile(90.0)),
                ms(m.percentile(99.0)),
                ms(m.tally.latencies.last().copied()),
                m.tally.errors,
                m.tally.reconnects,
                m.tally.stalled
            );
        }
        for s in &self.scenarios {
            let t = &s.result.tally;
            if let Some(first) = &t.first_error {
                println!(
                    "  {}: {} of {} requests failed; first: {first}",
                    s.name, t.errors, t.requests
                );
            }
        }
        if let Some(note) = self.stall_note() {
            println!("  WARNING: {note}");
        }
        println!("  {}", self.attack_note());
        println!();
    }

    /// How much of the attack was still held open when its scenario ended.
    fn attack_note(&self) -> String {
        format!(
            "Attack sockets still open at the end of the attacked scenario: {} of {} (the \
             server's head and body deadlines close them after 10 s)",
            self.attack_held,
            Attack::len()
        )
    }

    /// Says so when some connections were kept waiting through the whole measured period: the
    /// load was then carried by fewer connections than asked for.
    fn stall_note(&self) -> Option<String> {
        let stalled: Vec<String> = self
            .scenarios
            .iter()
            .filter(|s| s.result.tally.stalled > 0)
            .map(|s| format!("{} in {}", s.result.tally.stalled, s.name))
            .collect();
        (!stalled.is_empty()).then(|| {
            format!(
                "connections got no answer during the whole measured period ({} of {} each); the \
                 server left them waiting, so fewer connections carried the load",
                stalled.join(", "),
                self.settings.connections
            )
        })
    }

    /// Prints the landing page's share of the ceiling and whether the targets are met.
    fn print_targets(&self) {
        let [_, landing, dashboard, _] = &self.scenarios;
        let share = self.landing_share();
        println!(
            "Landing page: {:.1}% of the bare ceiling (target: {:.0}% or more): {}",
            share * 100.0,
            TARGET_SHARE_OF_CEILING * 100.0,
            met(share >= TARGET_SHARE_OF_CEILING)
        );
        println!(
            "p99: landing {} ms, dashboard {} ms (target: under {} ms at {} connections): {}",
            ms(landing.result.percentile(99.0)),
            ms(dashboard.result.percentile(99.0)),
            TARGET_P99_MICROS / 1000,
            self.settings.connections,
            met(self.p99_met())
        );
        println!();
    }

    /// Prints the tables to paste into BENCHMARKS.md.
    fn print_markdown(&self) {
        let s = &self.settings;
        println!("Markdown for BENCHMARKS.md:");
        println!();
        println!(
            "{} connections, {} s warm-up, {} s measured per scenario, loopback, {} CPUs.",
            s.connections,
            s.warmup.as_secs(),
            s.measured.as_secs(),
            std::thread::available_parallelism().map_or(0, usize::from)
        );
        println!();
        println!("| scenario | req/s | p50 | p99 | max | errors |");
        println!("|---|---:|---:|---:|---:|---:|");
        for scenario in &self.scenarios {
            println!(
                "| {} | {} |",
                scenario.name,
                scenario.result.markdown_cells()
            );
        }
        if let Some(note) = self.stall_note() {
            println!();
            println!("Warning: {note}.");
        }
        println!();
        println!("{}", self.attack_note());
        println!();
        println!("| figure | value |");
        println!("|---|---:|");
        println!(
            "| landing page / bare ceiling | {:.1}% |",
            self.landing_share() * 100.0
        );
        println!(
            "| start-up until /healthz 200 (existing database) | {} ms |",
            millis(self.start.until_healthy)
        );
        println!(
            "| first start, loading the demo | {} ms |",
            millis(self.first_start.until_healthy)
        );
        println!("| idle RSS | {} |", mib(self.idle_rss));
        println!("| RSS after the load | {} |", mib(self.loaded_rss));
        println!(
            "| shutdown after SIGTERM | {} ms |",
            millis(self.stop.after)
        );
        println!("| binary size | {:.2} MiB |", self.binary);
    }

    /// Fails the command when a scenario had more than 1% errors, answered nothing, or the
    /// server did not stop cleanly; missed targets are reported, not failures.
    fn verdict(&self) -> Result<(), String> {
        let mut problems = Vec::new();
        for s in &self.scenarios {
            if s.result.tally.latencies.is_empty() {
                problems.push(format!("{}: no request was answered", s.name));
            } else if s.result.error_share() > MAX_ERROR_SHARE {
                problems.push(format!(
                    "{}: {} of {} requests failed, more than {:.0}%",
                    s.name,
                    s.result.tally.errors,
                    s.result.tally.requests,
                    MAX_ERROR_SHARE * 100.0
                ));
            }
        }
        problems.extend(self.stop.problem.clone());
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems.join("; "))
        }
    }
}

/// A duration in milliseconds with one decimal.
fn millis(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1000.0)
}

/// Microseconds as milliseconds with two decimals.
fn ms(micros: Option<u32>) -> String {
    micros.map_or_else(
        || "n/a".to_owned(),
        |m| format!("{:.2}", f64::from(m) / 1000.0),
    )
}

/// MiB with one decimal, or why there is no figure.
fn mib(value: Option<f64>) -> String {
    value.map_or_else(
        || "unavailable (needs Linux /proc)".to_owned(),
        |v| format!("{v:.1} MiB"),
    )
}

/// "met" or "NOT met".
fn met(yes: bool) -> &'static str {
    if yes { "met" } else { "NOT met" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        let values: Vec<u32> = (1..=100).collect();
        assert_eq!(percentile(&values, 50.0), Some(50));
        assert_eq!(percentile(&values, 99.0), Some(99));
        assert_eq!(percentile(&values, 100.0), Some(100));
        assert_eq!(percentile(&[7], 99.0), Some(7));
        assert_eq!(percentile(&[1, 2, 3], 0.0), Some(1));
        assert_eq!(percentile(&[], 50.0), None);
    }

    #[test]
    fn replies_with_content_length_and_chunks_are_read_whole() {
        let raw = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nSet-Cookie: pb_anon=abc; Path=/\r\n\r\nhello\
                    HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n\
                    3\r\nhel\r\n2;x=y\r\nlo\r\n0\r\n\r\n";
        let mut reader = BufReader::new(&raw[..]);
        let first = read_reply(&mut reader);
        assert!(
            first
                .as_ref()
                .is_ok_and(|r| r.status == 200 && r.body == b"hello" && !r.closes()),
            "{first:?}"
        );
        assert_eq!(
            first.ok().and_then(|r| r.cookie("pb_anon")).as_deref(),
            Some("abc")
        );
        let second = read_reply(&mut reader);
        assert!(
            second
                .as_ref()
                .is_ok_and(|r| r.status == 404 && r.body == b"hello" && r.closes()),
            "{second:?}"
        );
        assert_eq!(
            read_reply(&mut reader).err().as_deref(),
            Some("the server closed the connection")
        );
    }

    #[test]
    fn a_reply_without_length_is_refused() {
        let mut reader = BufReader::new(&b"HTTP/1.1 200 OK\r\n\r\nhello"[..]);
        assert!(read_reply(&mut reader).is_err());
    }

    #[test]
    fn the_csrf_field_is_found() {
        let html = br#"<form><input type="hidden" name="csrf" value="0a1b"><input name="next" value=""></form>"#;
        assert_eq!(hidden_field(html, "csrf").as_deref(), Some("0a1b"));
        assert_eq!(hidden_field(html, "next").as_deref(), Some(""));
        assert_eq!(hidden_field(html, "missing"), None);
    }
}
