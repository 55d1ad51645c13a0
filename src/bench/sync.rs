//! `pawnbranch bench sync`: how fast a branch's backlog of changes reaches head office, and
//! what that costs in memory at both ends.
//!
//! A branch that was offline for a while (or an upgraded branch whose records are all logged
//! at once) holds a backlog in its change log. This benchmark builds one of `--changes`
//! entries through the real triggers (synthetic customers with realistic field sizes, inserted
//! in large transactions into a database opened with `sync::changes::open_logged`, which installs the triggers),
//! then runs the real thing, both as child processes of this executable on throw-away data
//! directories:
//!
//! 1. head office (`hq serve`), after registering the branch with `hq branch add`;
//! 2. the branch (`serve`), configured to upload to it through the `PAWNBRANCH_SYNC_*`
//!    variables, with no modem.
//!
//! The drain is timed from spawning the branch until head office's database says it holds
//! every entry (`branches.acked_seq`) and the branch's says it heard so (`sync_state`), both
//! read beside the processes every 100 ms, so it includes the branch's start-up. Peak memory (`VmHWM`) and resident memory (`VmRSS`) of both
//! processes are read from `/proc` once the drain is over: both are fresh processes, so their
//! peak covers start-up and the drain only. The drain runs twice, with the backlog and a tenth
//! of it, to show that memory follows the batch, not the backlog. With `--postgres URL` each
//! drain runs again with head office on PostgreSQL ([`super::drain_store`]), side by side.
//!
//! The ceiling, in the same run: this process inserts the same entries (read back from the
//! branch's log, in batches of the same size) into a fresh database shaped like head office's
//! `changes` table, with the same pragmas (WAL, `synchronous = FULL`), one transaction per
//! batch; only the inserts and commits are timed. Head office does more per entry than that
//! (unpacking, parsing, the digest, the current state of the record and the search table), so
//! the drain's share of the ceiling says how much of SQLite's insert rate the whole path keeps.
//!
//! Poor links, after that: the same kind of branch back online with a backlog, uploading
//! through [`super::link`] (a proxy of this process capping each direction's bandwidth, with
//! 300 ms round trips) at 12 kbit/s (3,000 changes), 32 and 64 kbit/s (20,000 changes each),
//! the cases of issue 11. Each reports changes per second, the bytes the link carried per
//! change, and the drain's time against what the link alone needs for those bytes.
//!
//! The chain scenario, last ([`super::chain`]): 200 simulated branches uploading backlogs at
//! once, on SQLite and (with `--postgres`) PostgreSQL side by side.
//!
//! At the end it checks that head office holds exactly the branch's entries and that both
//! sides agree on the last one, and fails when they do not, when the drain is slower than the
//! target, or when a poor link's drain takes more than 1.5 times what the link alone needs.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use rusqlite::{Connection, params};

use super::chain;
use super::drain_store::{DrainStore, Reader, file_mib, open_read_only};
use super::link::{self, Link};
use super::{ChildServer, Connection as HttpConnection, TempDir, get_request, met, start_child};
use crate::plumbing::config::SyncConfig;
use crate::plumbing::db::{self, DB_FILE};
use crate::plumbing::ids::CustomerId;
use crate::sync::batch::Entry;
use crate::sync::changes;

/// The flags of `pawnbranch bench sync`.
#[derive(Debug, clap::Args)]
pub(crate) struct SyncBenchArgs {
    /// Changes in the branch's backlog for the measured drain. A second drain with a tenth of
    /// them shows that memory does not grow with the backlog.
    #[arg(long, alias = "backlog", default_value_t = 1_000_000, value_parser = clap::value_parser!(u32).range(100..=50_000_000))]
    changes: u32,
    /// Entries per upload, given to the branch as PAWNBRANCH_SYNC_BATCH_ENTRIES and used for
    /// the ceiling's transactions (default: the branch's own default).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    batch_entries: Option<u32>,
    /// Only the poor links (12, 32 and 64 kbit/s), not the drains on loopback.
    #[arg(long, conflicts_with = "no_poor_links")]
    poor_links_only: bool,
    /// Only the drains on loopback, not the poor links.
    #[arg(long)]
    no_poor_links: bool,
    /// An empty PostgreSQL database for head office: with it the drains on loopback (each in
    /// a schema of its own, dropped after) and the chain scenario (its tables created in the
    /// database) run on SQLite and PostgreSQL side by side.
    #[arg(long)]
    postgres: Option<String>,
    /// Only the chain scenario (`bench/chain.rs`).
    #[arg(long, conflicts_with_all = ["poor_links_only", "no_chain"])]
    chain_only: bool,
    /// Not the chain scenario.
    #[arg(long)]
    no_chain: bool,
    /// Branches uploading at once in the chain scenario.
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u32).range(1..=5_000))]
    chain_branches: u32,
    /// Batches in each chain branch's backlog.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    chain_batches: u32,
    /// Changes in each of those batches.
    #[arg(long, default_value_t = 500, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    chain_entries: u32,
}

/// The poor links measured, as in issue 11: kbit/s each way, and the backlog's changes.
const POOR_LINKS: [(u32, u32); 3] = [(12, 3_000), (32, 20_000), (64, 20_000)];
/// The poor links' round trip.
const POOR_LINK_RTT: Duration = Duration::from_millis(300);
/// How long a poor link's drain may go without progress: one batch of 5,000 changes takes
/// minutes at 12 kbit/s.
const POOR_LINK_STALL: Duration = Duration::from_secs(600);
/// Target: a poor link's drain takes at most this many times what the link alone needs.
const TARGET_LINK_FACTOR: f64 = 1.5;

/// Target: changes per second from the branch's backlog into head office's database.
const TARGET_PER_SECOND: f64 = 20_000.0;
/// The code the benchmark's branch is registered under.
const BRANCH_CODE: &str = "BENCH";
/// How often head office's acknowledgement is read during the drain.
const POLL: Duration = Duration::from_millis(100);
/// How long the drain may go without progress before the benchmark gives up.
const STALL: Duration = Duration::from_secs(120);
/// Customers inserted per transaction while generating the backlog.
const GENERATE_TRANSACTION: u32 = 50_000;

/// Runs the benchmark and prints its report.
pub(crate) fn run(args: &SyncBenchArgs) -> Result<(), String> {
    let defaults = SyncConfig::default();
    let batch = BatchSize {
        entries: args.batch_entries.unwrap_or(defaults.batch_entries),
        bytes: defaults.batch_bytes,
        given: args.batch_entries.is_some(),
    };
    let sizes = if args.poor_links_only || args.chain_only {
        Vec::new()
    } else {
        vec![args.changes, (args.changes / 10).max(1)]
    };
    let mut drains = Vec::with_capacity(sizes.len());
    let mut ceiling = None;
    let mut stores = vec![DrainStore::Sqlite];
    stores.extend(args.postgres.clone().map(DrainStore::Postgres));
    for (i, &size) in sizes.iter().enumerate() {
        for store in &stores {
            // The directory holds both databases; it is removed once its drain is measured.
            let dir = TempDir::create()?;
            let drain = drain(&dir.path, size, batch, None, store)?;
            if i == 0 && ceiling.is_none() {
                ceiling = Some(insert_ceiling(&dir.path, batch)?);
            }
            drains.push(drain);
        }
    }
    let mut poor = Vec::new();
    if !args.no_poor_links && !args.chain_only {
        for (kbit, size) in POOR_LINKS {
            let dir = TempDir::create()?;
            let shape = link::Shape {
                kbit,
                rtt: POOR_LINK_RTT,
            };
            poor.push(drain(
                &dir.path,
                size,
                batch,
                Some(shape),
                &DrainStore::Sqlite,
            )?);
        }
    }
    let report = Report {
        batch,
        drains,
        ceiling,
        poor,
    };
    report.print();
    if !args.no_chain {
        let size = chain::ChainSize {
            branches: args.chain_branches,
            batches: args.chain_batches,
            entries: args.chain_entries,
        };
        let mut runs = vec![chain::run(None, size)?];
        if let Some(url) = &args.postgres {
            runs.push(chain::run(Some(url), size)?);
        }
        chain::print(&runs, size);
        if args.postgres.is_none() {
            println!("PostgreSQL: not measured (give --postgres URL of an empty database)");
        }
    }
    report.verdict()
}

/// How the branch cuts its log into uploads.
#[derive(Debug, Clone, Copy)]
struct BatchSize {
    /// Most entries in one upload.
    entries: u32,
    /// Most bytes of entries in one upload (the branch's default).
    bytes: u32,
    /// Whether `--batch-entries` was given (else the branch runs on its default).
    given: bool,
}

/// Peak and current resident memory of a process, in MiB.
#[derive(Debug, Clone, Copy)]
struct Memory {
    /// `VmHWM`: the peak resident set since the process started.
    peak: Option<f64>,
    /// `VmRSS`: the resident set when read.
    rss: Option<f64>,
}

impl Memory {
    /// Reads both figures of a running process from /proc (Linux only).
    fn of(pid: u32) -> Memory {
        Memory {
            peak: proc_status_mib(pid, "VmHWM:"),
            rss: proc_status_mib(pid, "VmRSS:"),
        }
    }
}

/// What a process spent since it started: CPU time in user and kernel mode, and the bytes
/// its reads and writes moved (page cache included), from /proc (Linux only).
#[derive(Debug, Clone, Copy, Default)]
struct Work {
    /// User-mode CPU seconds.
    user: f64,
    /// Kernel-mode CPU seconds.
    system: f64,
    /// Bytes read through read-like system calls, in MiB.
    read_mib: f64,
    /// Bytes written through write-like system calls, in MiB.
    written_mib: f64,
    /// Read-like system calls.
    reads: u64,
}

impl Work {
    /// Reads the figures of a running process; zeros for what cannot be read.
    fn of(pid: u32) -> Work {
        // Field 14 and 15 of /proc/PID/stat, counted after the command name in parentheses.
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        let fields: Vec<&str> = stat
            .rsplit_once(')')
            .map_or(Vec::new(), |(_, rest)| rest.split_whitespace().collect());
        let ticks = |i: usize| {
            fields
                .get(i)
                .and_then(|t| t.parse::<f64>().ok())
                .unwrap_or(0.0)
        };
        // Linux reports CPU time in clock ticks of 1/100 s (USER_HZ) on every architecture.
        let (user, system) = (ticks(11) / 100.0, ticks(12) / 100.0);
        let io = std::fs::read_to_string(format!("/proc/{pid}/io")).unwrap_or_default();
        let io_value = |key: &str| {
            io.lines()
                .find_map(|l| l.strip_prefix(key))
                .and_then(|v| v.trim().parse::<u64>().ok())
                .unwrap_or(0)
        };
        Work {
            user,
            system,
            read_mib: io_value("rchar:") as f64 / 1_048_576.0,
            written_mib: io_value("wchar:") as f64 / 1_048_576.0,
            reads: io_value("syscr:"),
        }
    }
}

/// A line of /proc/PID/status given in kB, in MiB.
fn proc_status_mib(pid: u32, key: &str) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find_map(|l| l.strip_prefix(key))?;
    let kib: f64 = line.trim().trim_end_matches("kB").trim().parse().ok()?;
    Some(kib / 1024.0)
}

/// One drain: a branch with a backlog, uploading it all to a fresh head office.
#[derive(Debug)]
struct Drain {
    /// Head office's store.
    store: &'static str,
    /// Entries in the backlog (the branch's head sequence number).
    changes: i64,
    /// Time to generate the backlog (not the measured figure).
    generated: Duration,
    /// The branch database's size with the backlog, in MiB.
    branch_db_mib: f64,
    /// From spawning the branch until head office held every entry.
    elapsed: Duration,
    /// From spawning the branch until its `GET /healthz` answered 200.
    branch_start: Duration,
    /// The branch's memory at the end of the drain.
    branch: Memory,
    /// Head office's memory at the end of the drain.
    hq: Memory,
    /// What the branch process spent, start-up and drain.
    branch_work: Work,
    /// What the head office process spent, start-up and drain.
    hq_work: Work,
    /// Head office's database size after the drain, in MiB (SQLite only).
    hq_db_mib: Option<f64>,
    /// What the final checks found wrong (empty when everything matched).
    problems: Vec<String>,
    /// The poor link the drain went through, if any, and the bytes it carried.
    link: Option<Carried>,
}

/// What a poor link carried during a drain.
#[derive(Debug, Clone, Copy)]
struct Carried {
    shape: link::Shape,
    /// Bytes towards head office, and back.
    up: u64,
    down: u64,
}

impl Carried {
    /// What the link alone needs for the bytes it carried: the busier direction's bytes at
    /// its bandwidth.
    fn alone(&self) -> Duration {
        self.shape.carrying(self.up.max(self.down))
    }

    /// Bytes towards head office per change of a backlog of `changes`.
    fn per_change(&self, changes: i64) -> f64 {
        self.up as f64 / changes.max(1) as f64
    }
}

impl Drain {
    /// Changes per second over the drain.
    fn per_second(&self) -> f64 {
        self.changes as f64 / self.elapsed.as_secs_f64().max(f64::EPSILON)
    }

    /// How many times what the link alone needs the drain took (poor links only).
    fn link_factor(&self) -> Option<f64> {
        self.link
            .map(|l| self.elapsed.as_secs_f64() / l.alone().as_secs_f64().max(f64::EPSILON))
    }
}

/// Generates a backlog of `size` changes in `dir/branch`, drains it into a head office in
/// `dir/hq` on `store` (through a link of `shape`, if given), and checks the result.
fn drain(
    dir: &Path,
    size: u32,
    batch: BatchSize,
    shape: Option<link::Shape>,
    store: &DrainStore,
) -> Result<Drain, String> {
    let branch_dir = dir.join("branch");
    let hq_dir = dir.join("hq");
    eprintln!("bench sync: generating a backlog of {size} changes…");
    let started = Instant::now();
    let head = generate(&branch_dir, size)?;
    let generated = started.elapsed();
    if head != i64::from(size) {
        return Err(format!(
            "the generated change log ends at {head}, not at {size}: is something else logged?"
        ));
    }
    let branch_db_mib = file_mib(&branch_dir.join(DB_FILE));
    std::fs::create_dir_all(&hq_dir)
        .map_err(|e| format!("cannot create {}: {e}", hq_dir.display()))?;
    let prepared = store.prepare(&format!("bench_drain_{size}"))?;
    let hq_env = prepared.env();
    let credential = register_branch(&hq_dir, &hq_env)?;
    let mut hq = start_child(
        &hq_dir,
        &["hq", "serve", "--listen", "127.0.0.1:0"],
        &hq_env,
    )?;
    let mut hq_db = prepared.reader(&hq_dir)?;
    let proxy = shape
        .map(|shape| Link::start(hq.started.addr, shape))
        .transpose()
        .map_err(|e| format!("cannot start the link: {e}"))?;
    let upstream = proxy.as_ref().map_or(hq.started.addr, |l| l.addr);
    let mut env = vec![
        ("PAWNBRANCH_SYNC_URL", format!("http://{upstream}")),
        ("PAWNBRANCH_SYNC_CREDENTIAL", credential),
        ("PAWNBRANCH_BRANCH_CODE", BRANCH_CODE.to_owned()),
        ("PAWNBRANCH_MODEM_DEVICE", "none".to_owned()),
    ];
    if batch.given {
        env.push(("PAWNBRANCH_SYNC_BATCH_ENTRIES", batch.entries.to_string()));
    }
    match shape {
        Some(s) => eprintln!(
            "bench sync: draining {size} changes into head office through {} kbit/s…",
            s.kbit
        ),
        None => eprintln!(
            "bench sync: draining {size} changes into head office on {}…",
            store.name()
        ),
    }
    let mut branch = start_child(&branch_dir, &["serve", "--listen", "127.0.0.1:0"], &env)?;
    let branch_db = open_read_only(&branch_dir.join(DB_FILE))?;
    let stall = shape.map_or(STALL, |_| POOR_LINK_STALL);
    let elapsed = wait_for_ack(&mut hq_db, &branch_db, &mut branch, &mut hq, head, stall)?;
    drop(branch_db);
    let link = shape.zip(proxy.as_ref()).map(|(shape, proxy)| {
        let (up, down) = proxy.carried();
        Carried { shape, up, down }
    });
    let branch_memory = Memory::of(branch.child.id());
    let hq_memory = Memory::of(hq.child.id());
    let branch_work = Work::of(branch.child.id());
    let hq_work = Work::of(hq.child.id());
    let branch_start = branch.started.until_healthy;
    let mut problems = Vec::new();
    let branch_stop = branch.stop()?;
    problems.extend(branch_stop.problem.map(|p| format!("branch: {p}")));
    let hq_stop = hq.stop()?;
    problems.extend(hq_stop.problem.map(|p| format!("head office: {p}")));
    problems.extend(verify(&branch_dir, &mut hq_db, head)?);
    drop(hq_db);
    Ok(Drain {
        store: store.name(),
        changes: head,
        generated,
        branch_db_mib,
        elapsed,
        branch_start,
        branch: branch_memory,
        hq: hq_memory,
        branch_work,
        hq_work,
        hq_db_mib: prepared.size_mib(&hq_dir),
        problems,
        link,
    })
}

/// First names, surnames, streets and cities the generated customers are made of.
const FIRST_NAMES: &[&str] = &[
    "Siti", "Budi", "Dewi", "Agus", "Rina", "Joko", "Putri", "Andi", "Sri", "Hendra", "Wati",
    "Yusuf", "Nur", "Bambang", "Ayu", "Rudi",
];
const SURNAMES: &[&str] = &[
    "Rahmawati",
    "Santoso",
    "Lestari",
    "Wijaya",
    "Kusumawardani",
    "Saputra",
    "Hidayat",
    "Pratama",
    "Nugroho",
    "Siregar",
    "Harahap",
    "Simanjuntak",
    "Setiawan",
];
const STREETS: &[&str] = &[
    "Jl. Merdeka",
    "Jl. Jenderal Sudirman",
    "Jl. Gatot Subroto",
    "Jl. Diponegoro",
    "Jl. Ahmad Yani",
    "Gg. Mawar",
    "Jl. Raya Bogor",
];
const CITIES: &[&str] = &[
    "Kel. Kebayoran Baru, Jakarta Selatan 12190",
    "Kel. Sukajadi, Bandung 40162",
    "Kel. Gubeng, Surabaya 60281",
    "Kel. Petisah Tengah, Medan 20112",
    "Kel. Pleburan, Semarang 50241",
];

/// Creates the branch database in `data` with `size` customers, each logged by the real
/// insert trigger; returns the head of the change log.
fn generate(data: &Path, size: u32) -> Result<i64, String> {
    let e = |e: rusqlite::Error| format!("generating the backlog: {e}");
    let db = crate::sync::changes::open_logged(data, Duration::from_secs(30), 2)
        .map_err(|e| e.to_string())?;
    let mut conn = db.conn().map_err(|e| e.to_string())?;
    let now = crate::plumbing::clock::Clock::now(&crate::plumbing::clock::SystemClock);
    let born = NaiveDate::from_ymd_opt(1960, 1, 1).ok_or("a bad base date of birth")?;
    let mut done = 0;
    while done < size {
        let end = size.min(done + GENERATE_TRANSACTION);
        let tx = db::immediate(&mut conn).map_err(|e| e.to_string())?;
        {
            let mut insert = tx
                .prepare_cached(
                    "INSERT INTO customers (id, full_name, phone, phone_verified_at, id_number, date_of_birth,
                                            address, email, profile_completed_at, created_at, updated_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?4, ?4, ?4)",
                )
                .map_err(e)?;
            for i in done..end {
                let n = i as usize;
                let name = format!(
                    "{} {} {}",
                    FIRST_NAMES[n % FIRST_NAMES.len()],
                    FIRST_NAMES[(n / 7) % FIRST_NAMES.len()],
                    SURNAMES[(n / 3) % SURNAMES.len()]
                );
                let address = format!(
                    "{} No. {}, RT {:02}/RW {:02}, {}",
                    STREETS[n % STREETS.len()],
                    n % 250 + 1,
                    n % 15 + 1,
                    n % 9 + 1,
                    CITIES[(n / 11) % CITIES.len()]
                );
                let email = (i % 3 == 0).then(|| format!("customer{i}@example.co.id"));
                // A branch's customers were created one after another, so their ids (ULIDs,
                // which start with the creation time) follow the order of the log; made all
                // in the same millisecond they would be in random order instead.
                let created = now - chrono::Duration::milliseconds(i64::from(size - i));
                insert
                    .execute(params![
                        CustomerId::new(created),
                        name,
                        format!("+62812{i:08}"),
                        now,
                        format!("3171{i:012}"),
                        born + chrono::Duration::days(i64::from(i.wrapping_mul(7919) % 16_000)),
                        address,
                        email,
                    ])
                    .map_err(e)?;
            }
        }
        tx.commit().map_err(e)?;
        done = end;
    }
    changes::head(&conn).map_err(e)
}

/// Registers the branch at head office (`hq branch add`) and returns its credential.
/// `env`: head office's store settings.
fn register_branch(hq_dir: &Path, env: &[(&str, String)]) -> Result<String, String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find this executable: {e}"))?;
    let mut command = Command::new(&exe);
    command.arg("--data-dir").arg(hq_dir).args([
        "hq",
        "branch",
        "add",
        BRANCH_CODE,
        "Bench branch",
    ]);
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("PAWNBRANCH_") {
            command.env_remove(name);
        }
    }
    command.envs(env.iter().map(|(k, v)| (k, v)));
    let output = command
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run `hq branch add`: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "`hq branch add` failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let prefix = format!("{BRANCH_CODE}.");
    stdout
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with(&prefix))
        .map(str::to_owned)
        .ok_or_else(|| format!("no credential in the output of `hq branch add`: {stdout:?}"))
}

/// Reads head office's acknowledgement every [`POLL`] until it reaches `head` and the branch
/// has recorded it (head office may hold entries whose acknowledgement never reached the
/// branch, which sends them again); returns the time from spawning the branch until then.
fn wait_for_ack(
    hq_db: &mut Reader,
    branch_db: &Connection,
    branch: &mut ChildServer,
    hq: &mut ChildServer,
    head: i64,
    stall: Duration,
) -> Result<Duration, String> {
    let spawned = branch.started.spawned;
    let mut last = -1;
    let mut progressed = Instant::now();
    loop {
        let acked = hq_db.acked(BRANCH_CODE)?;
        if acked >= head
            && crate::sync::acked(branch_db)
                .map_err(|e| format!("cannot read the branch's acknowledgement: {e}"))?
                >= head
        {
            return Ok(spawned.elapsed());
        }
        if acked != last {
            last = acked;
            progressed = Instant::now();
        } else if progressed.elapsed() > stall {
            return Err(format!(
                "head office stayed at entry {acked} of {head} for {} s; the branch says: {}",
                stall.as_secs(),
                branch_sync_state(branch)
            ));
        }
        for (name, server) in [("branch", &mut *branch), ("head office", &mut *hq)] {
            if let Ok(Some(status)) = server.child.try_wait() {
                return Err(format!(
                    "the {name} process ended during the drain ({status}); see its messages above"
                ));
            }
        }
        std::thread::sleep(POLL);
    }
}

/// The `sync` part of the branch's `GET /healthz`, or why it could not be read.
fn branch_sync_state(branch: &ChildServer) -> String {
    let reply = HttpConnection::open(branch.started.addr)
        .and_then(|mut c| c.exchange(&get_request("/healthz", None)));
    match reply {
        Ok(reply) => serde_json::from_slice::<serde_json::Value>(&reply.body)
            .map(|v| v["sync"].to_string())
            .unwrap_or_else(|e| format!("an unreadable /healthz ({e})")),
        Err(e) => format!("no /healthz ({e})"),
    }
}

/// Checks, after both processes stopped, that head office holds exactly the branch's entries
/// and that both sides agree on the last one; returns what does not match.
fn verify(branch_dir: &Path, hq_db: &mut Reader, head: i64) -> Result<Vec<String>, String> {
    let e = |e: rusqlite::Error| format!("verifying: {e}");
    let (rows, hq_acked) = (hq_db.stored(BRANCH_CODE)?, hq_db.acked(BRANCH_CODE)?);
    let branch = open_read_only(&branch_dir.join(DB_FILE))?;
    let branch_head = changes::head(&branch).map_err(e)?;
    let branch_acked = crate::sync::acked(&branch).map_err(e)?;
    let mut problems = Vec::new();
    if rows != head {
        problems.push(format!(
            "head office holds {rows} entries of the branch, not {head}"
        ));
    }
    if hq_acked != branch_head {
        problems.push(format!(
            "head office acknowledged up to {hq_acked}, but the branch's log ends at {branch_head}"
        ));
    }
    if branch_acked != branch_head {
        problems.push(format!(
            "the branch recorded head office's acknowledgement up to {branch_acked}, not {branch_head}"
        ));
    }
    Ok(problems)
}

/// The bare insert rate at head office: rows per second, and how many rows.
#[derive(Debug, Clone, Copy)]
struct Ceiling {
    /// Rows inserted.
    rows: i64,
    /// Time spent inserting and committing.
    elapsed: Duration,
}

impl Ceiling {
    fn per_second(&self) -> f64 {
        self.rows as f64 / self.elapsed.as_secs_f64().max(f64::EPSILON)
    }
}

/// Inserts the branch's entries from `dir/branch` into a fresh database in `dir/ceiling`
/// shaped like head office's `changes` table, one transaction per batch, timing only the
/// inserts and commits.
fn insert_ceiling(dir: &Path, batch: BatchSize) -> Result<Ceiling, String> {
    eprintln!("bench sync: measuring the ceiling (bare SQLite inserts)…");
    let e = |e: rusqlite::Error| format!("the ceiling: {e}");
    let source = open_read_only(&dir.join("branch").join(DB_FILE))?;
    let target_dir = dir.join("ceiling");
    std::fs::create_dir(&target_dir)
        .map_err(|e| format!("cannot create {}: {e}", target_dir.display()))?;
    let mut target = Connection::open(target_dir.join("ceiling.sqlite")).map_err(e)?;
    // The pragmas of every connection of the real database (see db.rs), and the table of
    // migrations/hq/V1__head_office.sql with the branches table its foreign key needs.
    target
        .execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;
             CREATE TABLE branches (code TEXT PRIMARY KEY) STRICT;
             CREATE TABLE changes (
                 branch      TEXT NOT NULL REFERENCES branches (code),
                 seq         INTEGER NOT NULL,
                 entity      TEXT NOT NULL,
                 record_id   TEXT NOT NULL,
                 op          TEXT NOT NULL,
                 data        TEXT,
                 at          TEXT NOT NULL,
                 digest      BLOB NOT NULL,
                 received_at TEXT NOT NULL,
                 set_aside   TEXT,
                 PRIMARY KEY (branch, seq)
             ) STRICT, WITHOUT ROWID;
             CREATE INDEX changes_set_aside ON changes (branch, seq) WHERE set_aside IS NOT NULL;",
        )
        .map_err(e)?;
    target
        .execute("INSERT INTO branches (code) VALUES (?1)", [BRANCH_CODE])
        .map_err(e)?;
    let mut after = 0;
    let mut rows = 0;
    let mut elapsed = Duration::ZERO;
    loop {
        let entries: Vec<Entry> =
            changes::next_batch(&source, after, batch.entries as usize, batch.bytes as usize)
                .map_err(e)?
                .into_iter()
                .map(Entry::from)
                .collect();
        let Some(last) = entries.last() else { break };
        after = last.seq;
        let digests: Vec<[u8; 32]> = entries.iter().map(Entry::digest).collect();
        let now = crate::plumbing::clock::Clock::now(&crate::plumbing::clock::SystemClock);
        let started = Instant::now();
        let tx = db::immediate(&mut target).map_err(|e| e.to_string())?;
        {
            let mut insert = tx
                .prepare_cached(
                    "INSERT INTO changes (branch, seq, entity, record_id, op, data, at, digest, received_at, set_aside) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, NULL)",
                )
                .map_err(e)?;
            for (entry, digest) in entries.iter().zip(&digests) {
                insert
                    .execute(params![
                        BRANCH_CODE,
                        entry.seq,
                        entry.entity,
                        entry.id,
                        entry.op,
                        entry.data,
                        entry.at,
                        digest.as_slice(),
                        now,
                    ])
                    .map_err(e)?;
            }
        }
        tx.commit().map_err(e)?;
        elapsed += started.elapsed();
        rows += entries.len() as i64;
    }
    Ok(Ceiling { rows, elapsed })
}

/// Everything measured in one run.
struct Report {
    /// The batch size of the uploads and of the ceiling's transactions.
    batch: BatchSize,
    /// The drains: the measured backlog first, then a tenth of it.
    drains: Vec<Drain>,
    /// The bare insert rate, measured on the first drain's entries (none without drains).
    ceiling: Option<Ceiling>,
    /// The drains through poor links.
    poor: Vec<Drain>,
}

impl Report {
    /// The measured drain (the full backlog).
    fn main(&self) -> Option<&Drain> {
        self.drains.first()
    }

    /// Prints how the run was made, the figures, the targets and the markdown.
    fn print(&self) {
        let build = if cfg!(debug_assertions) {
            "DEBUG build: figures are not representative"
        } else {
            "release build"
        };
        println!(
            "pawnbranch {} sync benchmark ({build})",
            env!("CARGO_PKG_VERSION")
        );
        println!("  machine: {}", machine());
        println!(
            "  uploads: at most {} entries and {} MiB of entries each ({}); branch and head office are child processes on loopback",
            self.batch.entries,
            self.batch.bytes / (1024 * 1024),
            if self.batch.given {
                "--batch-entries"
            } else {
                "the branch's defaults"
            }
        );
        println!();
        for d in &self.drains {
            println!(
                "Backlog of {} changes into head office on {} (customers inserted through the triggers in {:.1} s; branch database {:.0} MiB):",
                d.changes,
                d.store,
                d.generated.as_secs_f64(),
                d.branch_db_mib
            );
            println!(
                "  drained in {:.2} s from spawning the branch (its /healthz 200 after {:.1} ms): {:.0} changes/s; head office database {}",
                d.elapsed.as_secs_f64(),
                d.branch_start.as_secs_f64() * 1000.0,
                d.per_second(),
                mib(d.hq_db_mib)
            );
            println!(
                "  memory at the end: branch peak {} (now {}), head office peak {} (now {})",
                mib(d.branch.peak),
                mib(d.branch.rss),
                mib(d.hq.peak),
                mib(d.hq.rss)
            );
            for (name, w) in [("branch", d.branch_work), ("head office", d.hq_work)] {
                println!(
                    "  {name}: {:.1} s user CPU, {:.1} s system CPU, {:.0} MiB read in {} calls, {:.0} MiB written",
                    w.user, w.system, w.read_mib, w.reads, w.written_mib
                );
            }
            for p in &d.problems {
                println!("  PROBLEM: {p}");
            }
        }
        if let Some(c) = self.ceiling {
            println!(
                "Ceiling: bare SQLite inserts of the same {} entries into head office's `changes` shape (WAL, synchronous=FULL, {} per transaction): {:.2} s, {:.0} rows/s",
                c.rows,
                self.batch.entries,
                c.elapsed.as_secs_f64(),
                c.per_second()
            );
        }
        if let Some(d) = self.main() {
            println!(
                "Drain (SQLite): {:.0} changes/s, {:.1}% of the ceiling; target {:.0} changes/s or more: {}",
                d.per_second(),
                self.share() * 100.0,
                TARGET_PER_SECOND,
                met(d.per_second() >= TARGET_PER_SECOND)
            );
        }
        self.print_poor_links();
        println!();
        self.print_markdown();
    }

    /// The poor links' drains, with what the link carried and the drain's time over what the
    /// link alone needs.
    fn poor_links(&self) -> impl Iterator<Item = (&Drain, Carried, f64)> {
        self.poor
            .iter()
            .filter_map(|d| Some((d, d.link?, d.link_factor()?)))
    }

    /// Prints the poor links' figures.
    fn print_poor_links(&self) {
        for (d, l, factor) in self.poor_links() {
            println!(
                "Poor link, {} kbit/s each way, {} ms round trips, backlog of {} changes: {:.1} s, {:.1} changes/s, {:.1} bytes per change up ({} up, {} down); the link alone needs {:.1} s: {factor:.2}x, target {TARGET_LINK_FACTOR}x or less: {}",
                l.shape.kbit,
                l.shape.rtt.as_millis(),
                d.changes,
                d.elapsed.as_secs_f64(),
                d.per_second(),
                l.per_change(d.changes),
                l.up,
                l.down,
                l.alone().as_secs_f64(),
                met(factor <= TARGET_LINK_FACTOR)
            );
            for p in &d.problems {
                println!("  PROBLEM: {p}");
            }
        }
    }

    /// The main drain's rate as a share of the ceiling.
    fn share(&self) -> f64 {
        self.main().zip(self.ceiling).map_or(0.0, |(d, c)| {
            d.per_second() / c.per_second().max(f64::EPSILON)
        })
    }

    /// Prints the tables to paste into BENCHMARKS.md.
    fn print_markdown(&self) {
        println!("Markdown for BENCHMARKS.md:");
        if !self.drains.is_empty() {
            self.print_drains_markdown();
        }
        self.print_poor_links_markdown();
    }

    /// The loopback drains' tables.
    fn print_drains_markdown(&self) {
        println!();
        println!(
            "| head office | backlog | drain | changes/s | branch peak (VmHWM) | branch VmRSS | head office peak (VmHWM) | head office VmRSS |"
        );
        println!("|---|---:|---:|---:|---:|---:|---:|---:|");
        for d in &self.drains {
            println!(
                "| {} | {} | {:.2} s | {:.0} | {} | {} | {} | {} |",
                d.store,
                d.changes,
                d.elapsed.as_secs_f64(),
                d.per_second(),
                mib(d.branch.peak),
                mib(d.branch.rss),
                mib(d.hq.peak),
                mib(d.hq.rss)
            );
        }
        println!();
        println!("| figure | value | target |");
        println!("|---|---:|---|");
        if let Some(d) = self.main() {
            println!(
                "| drain of {} changes (SQLite) | {:.0} changes/s | {:.0} or more: {} |",
                d.changes,
                d.per_second(),
                TARGET_PER_SECOND,
                met(d.per_second() >= TARGET_PER_SECOND)
            );
        }
        if let Some(c) = self.ceiling {
            println!(
                "| ceiling: bare SQLite insert, same rows and transactions | {:.0} rows/s | |",
                c.per_second()
            );
            println!("| drain / ceiling | {:.1}% | |", self.share() * 100.0);
        }
        if let Some(d) = self.main() {
            println!(
                "| generating the backlog through the triggers | {:.1} s | |",
                d.generated.as_secs_f64()
            );
        }
    }

    /// The poor links' table.
    fn print_poor_links_markdown(&self) {
        if self.poor.is_empty() {
            return;
        }
        println!();
        println!(
            "| link (each way, {} ms round trips) | backlog | drain | changes/s | bytes per change up | link alone | drain / link alone |",
            POOR_LINK_RTT.as_millis()
        );
        println!("|---|---:|---:|---:|---:|---:|---:|");
        for (d, l, factor) in self.poor_links() {
            println!(
                "| {} kbit/s | {} | {:.1} s | {:.1} | {:.1} | {:.1} s | {factor:.2}x |",
                l.shape.kbit,
                d.changes,
                d.elapsed.as_secs_f64(),
                d.per_second(),
                l.per_change(d.changes),
                l.alone().as_secs_f64()
            );
        }
    }

    /// Fails when head office does not hold exactly the branch's entries, or the drain is
    /// slower than the target.
    fn verdict(&self) -> Result<(), String> {
        let mut problems: Vec<String> = self
            .drains
            .iter()
            .flat_map(|d| {
                d.problems
                    .iter()
                    .map(|p| format!("{} changes on {}: {p}", d.changes, d.store))
            })
            .collect();
        if let Some(d) = self.main()
            && d.per_second() < TARGET_PER_SECOND
        {
            problems.push(format!(
                "the drain reached {:.0} changes/s, under the target of {TARGET_PER_SECOND:.0}",
                d.per_second()
            ));
        }
        for d in &self.poor {
            problems.extend(d.problems.iter().map(|p| format!("poor link: {p}")));
        }
        for (_, l, factor) in self.poor_links() {
            if factor > TARGET_LINK_FACTOR {
                problems.push(format!(
                    "at {} kbit/s the drain took {factor:.2} times what the link alone needs, over {TARGET_LINK_FACTOR}",
                    l.shape.kbit
                ));
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems.join("; "))
        }
    }
}

/// MiB with one decimal, or why there is no figure.
fn mib(value: Option<f64>) -> String {
    value.map_or_else(|| "n/a".to_owned(), |v| format!("{v:.1} MiB"))
}

/// The CPU model, the number of CPUs and the memory, from /proc (Linux only).
fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .and_then(|l| l.split_once(':'))
        .map_or("unknown CPU", |(_, m)| m.trim());
    let cpus =
        std::thread::available_parallelism().map_or_else(|_| "?".to_owned(), |n| n.to_string());
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let memory = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|l| l.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or_else(
            || "? GiB".to_owned(),
            |kib| format!("{:.1} GiB", kib / 1_048_576.0),
        );
    format!("{model}, {cpus} CPUs, {memory} memory")
}
