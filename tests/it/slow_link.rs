//! Sync over a poor link: a branch back online with a backlog, uploading to head office
//! through `pawnbranch bench link`, a proxy that carries 12 kbit/s each way with 300 ms round
//! trips (GPRS on a bad day). The backlog must reach head office within 1.5 times what the
//! link alone needs for the bytes it carried, and the link must not carry a batch twice.

use std::io::{BufRead, BufReader, Write};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Stdio};
use std::time::{Duration, Instant};

use crate::util::{Options, Server, command};

/// The link: kilobits per second each way, and the round trip in milliseconds.
const KBIT: u32 = 12;
const RTT_MS: u32 = 300;

/// `pawnbranch bench link` as a child process; killed when dropped.
struct Link {
    addr: SocketAddr,
    child: Child,
    input: ChildStdin,
    output: BufReader<ChildStdout>,
}

impl Link {
    fn start(upstream: SocketAddr, dir: &Path) -> Link {
        let mut child = command(dir)
            .args(["bench", "link", "--upstream", &upstream.to_string()])
            .args(["--kbit", &KBIT.to_string(), "--rtt-ms", &RTT_MS.to_string()])
            .args(["--seconds", "900"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let input = child.stdin.take().unwrap();
        let mut output = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        output.read_line(&mut line).unwrap();
        let addr = line
            .split("listening on http://")
            .nth(1)
            .expect("the link says where it listens")
            .trim()
            .parse()
            .unwrap();
        Link {
            addr,
            child,
            input,
            output,
        }
    }

    /// Bytes delivered so far towards head office, and back.
    fn carried(&mut self) -> (u64, u64) {
        writeln!(self.input).unwrap();
        let mut line = String::new();
        self.output.read_line(&mut line).unwrap();
        let count = |key: &str| -> u64 {
            line.split_whitespace()
                .find_map(|w| w.strip_prefix(key))
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| panic!("no {key} in {line:?}"))
        };
        (count("up="), count("down="))
    }
}

impl Drop for Link {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Head office with branch BR01 registered; returns it with BR01's credential.
fn head_office() -> (Server, String) {
    let dir = tempfile::tempdir().unwrap();
    let out = command(dir.path())
        .args(["hq", "branch", "add", "BR01", "Slow branch"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let credential = String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .find(|w| w.starts_with("BR01."))
        .expect("credential printed")
        .to_owned();
    let hq = Server::start(Options {
        head_office: true,
        data_dir: Some(dir),
        ..Options::default()
    });
    (hq, credential)
}

/// A branch data directory whose log holds `customers` imported customers (and the import's
/// audit entry), none uploaded yet.
fn branch_with_backlog(customers: usize) -> tempfile::TempDir {
    let data = tempfile::tempdir().unwrap();
    let csv = data.path().join("customers.csv");
    let mut text = String::from("full_name,phone,id_number\n");
    for i in 0..customers {
        text.push_str(&format!(
            "Slow Customer {i},0813{:08},3171{:012}\n",
            20_000_000 + i,
            200_000 + i
        ));
    }
    std::fs::write(&csv, text).unwrap();
    let out = command(data.path())
        .args(["import", "customers"])
        .arg(&csv)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    data
}

fn open(path: &Path) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.busy_timeout(Duration::from_secs(10)).unwrap();
    conn
}

/// The branch's whole log as one gzipped JSON document (what the link must carry at least),
/// and its last sequence number.
fn backlog(data: &Path) -> (u64, i64) {
    let conn = open(&data.join("pawnbranch.sqlite"));
    let mut stmt = conn
        .prepare("SELECT seq, entity, record_id, op, data, at FROM sync_log ORDER BY seq")
        .unwrap();
    let entries: Vec<serde_json::Value> = stmt
        .query_map([], |r| {
            Ok(serde_json::json!({
                "seq": r.get::<_, i64>(0)?, "entity": r.get::<_, String>(1)?,
                "id": r.get::<_, String>(2)?, "op": r.get::<_, String>(3)?,
                "data": r.get::<_, Option<String>>(4)?, "at": r.get::<_, String>(5)?,
            }))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let head = entries.last().unwrap()["seq"].as_i64().unwrap();
    let json = serde_json::json!({ "branch": "BR01", "entries": entries }).to_string();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(json.as_bytes()).unwrap();
    (gz.finish().unwrap().len() as u64, head)
}

/// Head office's acknowledgement of BR01.
fn hq_acked(hq: &Server) -> i64 {
    open(&hq.dir.path().join("hq.sqlite"))
        .query_row(
            "SELECT acked_seq FROM branches WHERE code = 'BR01'",
            [],
            |r| r.get(0),
        )
        .unwrap()
}

fn health(server: &Server) -> serde_json::Value {
    serde_json::from_str(&server.client().get("/healthz").body).unwrap()
}

#[test]
fn a_backlog_crosses_a_12_kbit_link_within_one_and_a_half_times_the_link_time() {
    let (hq, credential) = head_office();
    let data = branch_with_backlog(3_000);
    let (needed, head) = backlog(data.path());
    let link_dir = tempfile::tempdir().unwrap();
    let mut link = Link::start(hq.addr, link_dir.path());
    let bytes_per_second = f64::from(KBIT) * 1000.0 / 8.0;
    let needed_time = needed as f64 / bytes_per_second;

    // The branch on its defaults (a 60 s timeout, batches of up to 5,000 changes).
    let env = [
        ("PAWNBRANCH_SYNC_URL", format!("http://{}", link.addr)),
        ("PAWNBRANCH_SYNC_CREDENTIAL", credential),
        ("PAWNBRANCH_SYNC_POLL_SECONDS", "1".to_owned()),
    ];
    let branch = Server::start(Options {
        data_dir: Some(data),
        env: env.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
        ..Options::default()
    });
    let started = Instant::now();
    // Long enough for a pass with some waste; the assertions below are the real bound.
    let deadline = started + Duration::from_secs_f64(needed_time * 2.0 + 20.0);
    // Uploaded means the branch heard head office acknowledge it all: head office holding
    // entries the branch does not know it holds is no progress (the branch sends them again).
    while health(&branch)["sync"]["backlog"] != 0 {
        assert!(
            Instant::now() < deadline,
            "not acknowledged after {:.0} s (the link alone needs {needed_time:.0} s): head office holds {} of {head} entries; the link carried {:?}; the branch says {}",
            started.elapsed().as_secs_f64(),
            hq_acked(&hq),
            link.carried(),
            health(&branch)["sync"]
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let elapsed = started.elapsed().as_secs_f64();
    let (up, down) = link.carried();
    let link_alone = up as f64 / bytes_per_second;
    eprintln!(
        "slow_link: {head} changes, {needed} bytes gzipped in one piece; the link carried {up} bytes up and {down} down; {elapsed:.1} s against {link_alone:.1} s for the link alone ({:.2}x)",
        elapsed / link_alone
    );
    assert!(
        up <= needed + needed / 4,
        "the link carried {up} bytes for a backlog of {needed}: a batch was sent twice"
    );
    assert!(
        elapsed <= 1.5 * link_alone,
        "{elapsed:.1} s, more than 1.5 times the {link_alone:.1} s the link alone needs"
    );
    assert_eq!(hq_acked(&hq), head);
    assert!(health(&branch)["sync"]["last_error"].is_null());
}

#[test]
fn a_link_too_slow_for_the_batch_shrinks_it_and_a_restart_keeps_the_size_learned() {
    let (hq, credential) = head_office();
    let data = branch_with_backlog(400);
    let out = command(data.path())
        .args([
            "staff", "add", "mgr", "--name", "Manager", "--role", "manager",
        ])
        .arg("--password-stdin")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            child.stdin.take().unwrap().write_all(b"manager-pass-1\n")?;
            child.wait_with_output()
        })
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let link_dir = tempfile::tempdir().unwrap();
    let mut link = Link::start(hq.addr, link_dir.path());
    let link_addr = link.addr;
    // A deadline of 4 s plus 1 s per 6,000 bytes: at 1,500 bytes/s only batches of a few
    // kilobytes arrive in time, so the first batch (the whole backlog, about 17 KB) cannot.
    let options = |data_dir| Options {
        data_dir: Some(data_dir),
        env: [
            ("PAWNBRANCH_SYNC_URL", format!("http://{link_addr}")),
            ("PAWNBRANCH_SYNC_CREDENTIAL", credential.clone()),
            ("PAWNBRANCH_SYNC_POLL_SECONDS", "1".to_owned()),
            ("PAWNBRANCH_SYNC_RETRY_MAX_SECONDS", "1".to_owned()),
            ("PAWNBRANCH_SYNC_TIMEOUT_SECONDS", "4".to_owned()),
            ("PAWNBRANCH_SYNC_MIN_BYTES_PER_SECOND", "6000".to_owned()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect(),
        ..Options::default()
    };
    let mut branch = Server::start(options(data));
    let first = health(&branch)["sync"].clone();
    assert_eq!(first["batch_entries"], 5000, "{first}");
    let backlog = first["backlog"].as_i64().unwrap();
    assert!(backlog > 400, "{first}");

    let started = Instant::now();
    let sync = loop {
        let sync = health(&branch)["sync"].clone();
        if sync["backlog"] == 0 {
            break sync;
        }
        assert!(
            started.elapsed() < Duration::from_secs(90),
            "{sync}; the link carried {:?}; the branch logged {:#?}",
            link.carried(),
            branch
                .stderr
                .lock()
                .unwrap()
                .iter()
                .filter(|l| l.contains("sync:"))
                .collect::<Vec<_>>()
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    let learned = sync["batch_entries"].as_i64().unwrap();
    eprintln!(
        "slow_link: {backlog} changes in batches down to {learned} in {:.1} s; the link carried {:?}",
        started.elapsed().as_secs_f64(),
        link.carried()
    );
    assert!(
        learned < backlog / 2,
        "shrunk below the first batch: {sync}"
    );
    let head: i64 = open(&branch.dir.path().join("pawnbranch.sqlite"))
        .query_row("SELECT MAX(seq) FROM sync_log", [], |r| r.get(0))
        .unwrap();
    assert_eq!(hq_acked(&hq), head);

    // The Sync page says so, and a restart starts at the size learned.
    let mut manager = branch.client();
    manager.sign_in("mgr", "manager-pass-1");
    let page = manager.get("/staff/sync");
    assert!(page.body.contains("Changes per upload"), "{}", page.body);
    assert!(
        page.body.contains(&format!("{learned} (at most 5000;")),
        "{}",
        page.body
    );
    assert!(branch.terminate().success());
    let dir = std::mem::replace(&mut branch.dir, tempfile::tempdir().unwrap());
    let branch = Server::start(options(dir));
    assert_eq!(health(&branch)["sync"]["batch_entries"], learned);
}
