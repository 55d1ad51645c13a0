//! Sync to head office with real processes: a branch and head office (`hq serve`) on loopback,
//! and between them a fault-injecting TCP proxy of our own that refuses, stalls and cuts
//! connections mid-request and mid-response. After each scenario head office must hold
//! exactly the branch's committed change log: same count, same content (a digest), nothing
//! twice, nothing missing, and the same current state of every record.

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use crate::util::{self, CLERK, Client, HqDb, HqStore, Options, Server, command};

// ---------------------------------------------------------------------------------------------
// The fault-injecting proxy.

/// What the proxy does to a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fault {
    /// Forward both ways.
    Pass,
    /// Close at once, as a dead link or a stopped server does.
    Refuse,
    /// Accept and say nothing for longer than the branch waits.
    Stall,
    /// Forward only the first part of the request, then cut.
    CutRequest,
    /// Forward the whole request, but only the first part of the answer, then cut: head office
    /// has stored the batch, the branch never hears so.
    CutResponse,
}

/// Which connections get which fault.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Plan {
    Always(Fault),
    /// This percentage of connections get a fault, chosen at random among the four; the
    /// others are closed once idle for half a second (as a NAT box forgets a quiet
    /// connection), so that every upload comes on a new connection and faces the odds.
    Mix(u64),
}

pub(crate) struct Proxy {
    addr: SocketAddr,
    upstream: Arc<Mutex<SocketAddr>>,
    plan: Arc<Mutex<Plan>>,
    faults: Arc<AtomicU64>,
    /// Every connection accepted, so that a new plan starts on new connections.
    open: Arc<Mutex<Vec<TcpStream>>>,
    stop: Arc<AtomicBool>,
}

impl Proxy {
    pub(crate) fn start(upstream: SocketAddr, plan: Plan) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let proxy = Proxy {
            addr,
            upstream: Arc::new(Mutex::new(upstream)),
            plan: Arc::new(Mutex::new(plan)),
            faults: Arc::new(AtomicU64::new(0)),
            open: Arc::new(Mutex::new(Vec::new())),
            stop: Arc::new(AtomicBool::new(false)),
        };
        let (upstream, plan, faults, open, stop) = (
            Arc::clone(&proxy.upstream),
            Arc::clone(&proxy.plan),
            Arc::clone(&proxy.faults),
            Arc::clone(&proxy.open),
            Arc::clone(&proxy.stop),
        );
        std::thread::spawn(move || {
            let mut rng = Rng::new();
            for client in listener.incoming() {
                if stop.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(client) = client else { continue };
                if let Ok(copy) = client.try_clone() {
                    open.lock().unwrap().push(copy);
                }
                let current = *plan.lock().unwrap();
                let idle_close = matches!(current, Plan::Mix(_));
                let fault = match current {
                    Plan::Always(f) => f,
                    Plan::Mix(percent) if rng.below(100) < percent => [
                        Fault::Refuse,
                        Fault::Stall,
                        Fault::CutRequest,
                        Fault::CutResponse,
                    ][rng.below(4) as usize],
                    Plan::Mix(_) => Fault::Pass,
                };
                if fault != Fault::Pass {
                    faults.fetch_add(1, Ordering::SeqCst);
                }
                let to = *upstream.lock().unwrap();
                let cut_at = 1 + rng.below(600) as usize;
                std::thread::spawn(move || relay(client, to, fault, cut_at, idle_close));
            }
        });
        proxy
    }

    /// Changes the plan, cutting the connections open under the old one.
    pub(crate) fn set(&self, plan: Plan) {
        *self.plan.lock().unwrap() = plan;
        for conn in self.open.lock().unwrap().drain(..) {
            let _ = conn.shutdown(Shutdown::Both);
        }
    }

    fn point_to(&self, upstream: SocketAddr) {
        *self.upstream.lock().unwrap() = upstream;
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr);
    }
}

/// Carries one connection, applying `fault`.
fn relay(client: TcpStream, upstream: SocketAddr, fault: Fault, cut_at: usize, idle_close: bool) {
    match fault {
        Fault::Refuse => drop(client),
        Fault::Stall => {
            std::thread::sleep(Duration::from_secs(4));
            drop(client);
        }
        Fault::Pass | Fault::CutRequest | Fault::CutResponse => {
            let Ok(server) = TcpStream::connect(upstream) else {
                return;
            };
            let (request_limit, response_limit) = match fault {
                Fault::CutRequest => (Some(cut_at), None),
                Fault::CutResponse => (None, Some(cut_at.min(150))),
                _ => (None, None),
            };
            if idle_close {
                let _ = client.set_read_timeout(Some(Duration::from_millis(500)));
            }
            let (c2, s2) = (client.try_clone().unwrap(), server.try_clone().unwrap());
            let up = std::thread::spawn(move || copy(c2, s2, request_limit));
            copy(server, client, response_limit);
            let _ = up.join();
        }
    }
}

/// Copies until end of stream (or a read timeout), or cuts both directions after `limit`
/// bytes.
fn copy(mut from: TcpStream, mut to: TcpStream, limit: Option<usize>) {
    let mut buf = [0u8; 16 * 1024];
    let mut sent = 0;
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) => break,
            Err(_) => {
                let _ = from.shutdown(Shutdown::Both);
                let _ = to.shutdown(Shutdown::Both);
                return;
            }
            Ok(n) => n,
        };
        let n = limit.map_or(n, |l| n.min(l - sent));
        if to.write_all(&buf[..n]).is_err() {
            break;
        }
        sent += n;
        if limit == Some(sent) {
            let _ = from.shutdown(Shutdown::Both);
            let _ = to.shutdown(Shutdown::Both);
            return;
        }
    }
    let _ = to.shutdown(Shutdown::Write);
}

/// A small xorshift generator: faults vary between runs, the tests' assertions do not.
struct Rng(u64);

impl Rng {
    fn new() -> Rng {
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos() as u64;
        Rng(seed | 1)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

// ---------------------------------------------------------------------------------------------
// Head office, the branch, and the comparison.

/// Head office on `store` with branch BR01 registered; returns it with BR01's credential.
pub(crate) fn head_office(store: HqStore) -> (Server, String) {
    util::head_office_on(store, "Test branch")
}

fn hq_options() -> Options {
    Options {
        head_office: true,
        ..Options::default()
    }
}

/// Branch options uploading through `proxy`, quickly retried, in small batches.
pub(crate) fn branch_options(proxy: &Proxy, credential: &str, demo: bool) -> Options {
    let env = [
        ("PAWNBRANCH_SYNC_URL", format!("http://{}", proxy.addr)),
        ("PAWNBRANCH_SYNC_CREDENTIAL", credential.to_owned()),
        ("PAWNBRANCH_SYNC_POLL_SECONDS", "1".to_owned()),
        ("PAWNBRANCH_SYNC_RETRY_MAX_SECONDS", "1".to_owned()),
        ("PAWNBRANCH_SYNC_TIMEOUT_SECONDS", "2".to_owned()),
        ("PAWNBRANCH_SYNC_BATCH_ENTRIES", "40".to_owned()),
    ];
    Options {
        demo,
        env: env.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
        ..Options::default()
    }
}

fn health(server: &Server) -> serde_json::Value {
    serde_json::from_str(&server.client().get("/healthz").body).unwrap()
}

/// Waits until the branch reports nothing waiting and no error.
pub(crate) fn wait_until_uploaded(branch: &Server, within: Duration) {
    let deadline = Instant::now() + within;
    loop {
        let h = health(branch);
        if h["sync"]["backlog"] == 0 && h["sync"]["last_error"].is_null() {
            return;
        }
        assert!(Instant::now() < deadline, "not uploaded in time: {h}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A change-log entry: seq, entity, record id, operation, data, time.
type Row = (i64, String, String, String, Option<String>, String);

fn open(path: &Path) -> rusqlite::Connection {
    util::open_db(path)
}

fn rows(conn: &rusqlite::Connection, sql: &str) -> Vec<Row> {
    let mut stmt = conn.prepare(sql).unwrap();
    stmt.query_map([], |r| {
        Ok((
            r.get(0)?,
            r.get(1)?,
            r.get(2)?,
            r.get(3)?,
            r.get(4)?,
            r.get(5)?,
        ))
    })
    .unwrap()
    .map(Result::unwrap)
    .collect()
}

/// Head office's change log of BR01, in order.
fn hq_log(h: &mut HqDb) -> Vec<Row> {
    h.query(
        "SELECT seq, entity, record_id, op, data, at FROM changes WHERE branch = 'BR01' ORDER BY seq",
    )
    .iter()
    .map(|r| {
        let text = |i: usize| r[i].text().unwrap();
        (r[0].int(), text(1), text(2), text(3), r[4].text(), text(5))
    })
    .collect()
}

fn digest(rows: &[Row]) -> String {
    let mut h = Sha256::new();
    for (seq, entity, id, op, data, at) in rows {
        h.update(
            format!("{seq}\u{0}{entity}\u{0}{id}\u{0}{op}\u{0}{data:?}\u{0}{at}\n").as_bytes(),
        );
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Head office holds exactly the branch's committed log, and the same current records.
fn assert_same(branch: &Server, hq: &Server) -> usize {
    let b = open(&branch.dir.path().join("pawnbranch.sqlite"));
    let mut h = HqDb::open(hq.dir.path());
    let at_branch = rows(
        &b,
        "SELECT seq, entity, record_id, op, data, at FROM sync_log ORDER BY seq",
    );
    let at_hq = hq_log(&mut h);
    assert!(!at_branch.is_empty());
    assert_eq!(at_hq.len(), at_branch.len(), "same number of entries");
    assert_eq!(digest(&at_hq), digest(&at_branch), "same content");
    let seqs: Vec<i64> = at_hq.iter().map(|r| r.0).collect();
    let expected: Vec<i64> = (1..=at_branch.len() as i64).collect();
    assert_eq!(seqs, expected, "each entry once, none missing");
    let received = h.int("SELECT entries_received FROM branches WHERE code = 'BR01'");
    assert_eq!(received, at_branch.len() as i64, "nothing counted twice");
    // Current state: the last state of each record in the log, as head office keeps it.
    let mut last = std::collections::BTreeMap::new();
    for (_, entity, id, op, data, _) in &at_branch {
        if op == "delete" {
            last.remove(&(entity.clone(), id.clone()));
        } else {
            last.insert((entity.clone(), id.clone()), data.clone().unwrap());
        }
    }
    let kept: std::collections::BTreeMap<(String, String), String> = h
        .query("SELECT entity, record_id, data FROM records WHERE branch = 'BR01' AND NOT deleted")
        .iter()
        .map(|r| {
            (
                (r[0].text().unwrap(), r[1].text().unwrap()),
                r[2].text().unwrap(),
            )
        })
        .collect();
    assert_eq!(kept, last, "same current records");
    at_branch.len()
}

/// Adds customers at the counter, as a clerk does.
pub(crate) fn add_customers(client: &mut Client, from: usize, count: usize) {
    let csrf = client.get("/staff/customers/new").csrf();
    for i in from..from + count {
        let (name, phone, id) = writer_fields(i);
        let r = client.post_form(
            "/staff/customers/new",
            &[
                ("csrf", &csrf),
                ("full_name", &name),
                ("phone", &phone),
                ("id_number", &id),
                ("date_of_birth", "1990-01-01"),
                ("address", "Jl. Sinkron 1"),
                ("email", ""),
            ],
        );
        assert_eq!(r.status, 303, "{}", r.body);
    }
}

fn writer_fields(i: usize) -> (String, String, String) {
    (
        format!("Sync Customer {i}"),
        format!("0813{:08}", 10_000_000 + i),
        format!("3171{:012}", 100_000 + i),
    )
}

// ---------------------------------------------------------------------------------------------
// Scenarios, each on both of head office's stores.

util::on_both_stores!(
    head_office_down_then_back_then_a_flaky_link,
    head_office_killed_mid_batch_and_restarted,
    branch_killed_while_writing_and_uploading_then_restarted,
    head_office_answers_replays_gaps_and_bad_batches,
    a_record_head_office_cannot_apply_is_set_aside_on_both_sides_and_the_rest_flows,
);

fn head_office_down_then_back_then_a_flaky_link(store: HqStore) {
    let (hq, credential) = head_office(store);
    let proxy = Proxy::start(hq.addr, Plan::Always(Fault::Refuse));
    let branch = Server::start(branch_options(&proxy, &credential, true));
    let mut clerk = branch.client();
    clerk.sign_in(CLERK.0, CLERK.1);

    // Down: the branch keeps working and says so.
    add_customers(&mut clerk, 0, 5);
    let deadline = Instant::now() + Duration::from_secs(20);
    while health(&branch)["sync"]["state"] != "failing" {
        assert!(Instant::now() < deadline, "{}", health(&branch));
        std::thread::sleep(Duration::from_millis(100));
    }
    let h = health(&branch);
    assert!(h["sync"]["backlog"].as_i64().unwrap() > 600, "{h}");
    assert!(h["sync"]["oldest_waiting_seconds"].is_i64(), "{h}");
    let mut manager = branch.client();
    manager.sign_in(crate::util::MANAGER.0, crate::util::MANAGER.1);
    let page = manager.get("/staff/sync");
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("cannot reach head office"),
        "{}",
        page.body
    );
    assert!(page.body.contains("Upload now"));

    // Back: everything arrives.
    proxy.set(Plan::Always(Fault::Pass));
    let r = manager.submit("/staff/sync", "/staff/sync/upload", &[]);
    assert_eq!(r.status, 303);
    wait_until_uploaded(&branch, Duration::from_secs(60));
    let first = assert_same(&branch, &hq);

    // A link that refuses, stalls and cuts 40% of connections, while the counter works on.
    proxy.set(Plan::Mix(40));
    let deadline = Instant::now() + Duration::from_secs(90);
    let mut added = 0;
    while added < 60 || proxy.faults.load(Ordering::SeqCst) < 6 {
        assert!(
            Instant::now() < deadline,
            "the proxy injected too few faults ({}): {}\n{:?}",
            proxy.faults.load(Ordering::SeqCst),
            health(&branch),
            branch.stderr.lock().unwrap()
        );
        add_customers(&mut clerk, 100 + added, 5);
        added += 5;
        std::thread::sleep(Duration::from_millis(400));
    }
    proxy.set(Plan::Always(Fault::Pass));
    wait_until_uploaded(&branch, Duration::from_secs(60));
    let second = assert_same(&branch, &hq);
    assert!(second >= first + 60, "{first} then {second}");
    let page = manager.get("/staff/sync");
    assert!(!page.body.contains("cannot reach head office"));
}

fn head_office_killed_mid_batch_and_restarted(store: HqStore) {
    // A branch with a backlog: 10,000 customers imported before the server starts.
    let (mut hq, credential) = head_office(store);
    let proxy = Proxy::start(hq.addr, Plan::Always(Fault::Pass));
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("customers.csv");
    let mut text = String::from("full_name,phone,id_number\n");
    for i in 0..10_000 {
        let (name, phone, id) = writer_fields(i);
        text.push_str(&format!("{name},{phone},{id}\n"));
    }
    std::fs::write(&csv, text).unwrap();
    let data = tempfile::tempdir().unwrap();
    let out = command(data.path())
        .args(["import", "customers"])
        .arg(&csv)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let branch = Server::start(Options {
        data_dir: Some(data),
        ..branch_options(&proxy, &credential, false)
    });

    // Five times: once head office has acknowledged a batch and more are flowing, kill it.
    let mut last_success = serde_json::Value::Null;
    for _ in 0..5 {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let sync = health(&branch)["sync"].clone();
            assert!(
                sync["backlog"].as_i64() > Some(0),
                "drained too soon: {sync}"
            );
            if sync["last_success"].is_string() && sync["last_success"] != last_success {
                last_success = sync["last_success"].clone();
                break;
            }
            assert!(Instant::now() < deadline, "no progress: {sync}");
            std::thread::sleep(Duration::from_millis(5));
        }
        hq.restart_after_kill(hq_options());
        proxy.point_to(hq.addr);
    }
    wait_until_uploaded(&branch, Duration::from_secs(90));
    // The imported customers and the import's audit entry.
    assert!(assert_same(&branch, &hq) > 10_000);
}

fn branch_killed_while_writing_and_uploading_then_restarted(store: HqStore) {
    let (hq, credential) = head_office(store);
    let proxy = Proxy::start(hq.addr, Plan::Mix(20));
    let options = || branch_options(&proxy, &credential, true);
    let mut branch = Server::start(options());

    // A clerk adds customers without pause; the branch dies under them twice.
    for round in 0..2 {
        let addr = branch.addr;
        let mut clerk = branch.client();
        clerk.sign_in(CLERK.0, CLERK.1);
        let csrf = clerk.get("/staff/customers/new").csrf();
        let cookies = clerk.cookies.clone();
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let writer = std::thread::spawn(move || {
            let mut done = 0;
            while !flag.load(Ordering::SeqCst) {
                let (name, phone, id) = writer_fields(10_000 * (round + 1) + done);
                let body = format!(
                    "csrf={csrf}&full_name={}&phone={phone}&id_number={id}&date_of_birth=1990-01-01&address=Jl.+Sinkron+1&email=",
                    crate::util::encode(&name)
                );
                match try_post(addr, &cookies, "/staff/customers/new", &body) {
                    Ok(status) => assert_eq!(status, 303, "{body}"),
                    Err(_) => break, // the server is gone
                }
                done += 1;
            }
            done
        });
        std::thread::sleep(Duration::from_millis(1500));
        branch.restart_after_kill(options());
        stop.store(true, Ordering::SeqCst);
        let written = writer.join().unwrap();
        assert!(written > 0, "the clerk wrote before the crash");
    }
    wait_until_uploaded(&branch, Duration::from_secs(90));
    let entries = assert_same(&branch, &hq);
    assert!(entries > 680, "{entries}");
}

/// Posts a form on a fresh connection; any failure to connect or read is an error.
fn try_post(
    addr: SocketAddr,
    cookies: &std::collections::BTreeMap<String, String>,
    path: &str,
    body: &str,
) -> std::io::Result<u16> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let jar = cookies
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("; ");
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nCookie: {jar}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer)?;
    let text = String::from_utf8_lossy(&answer);
    text.split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other("no status line"))
}

/// Sends a batch straight to head office, gzipped as the branch sends it.
pub(crate) fn upload(
    hq: &Server,
    credential: &str,
    batch: &serde_json::Value,
) -> (u16, serde_json::Value) {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(batch.to_string().as_bytes()).unwrap();
    let body = gz.finish().unwrap();
    let bearer = format!("Bearer {credential}");
    let r = hq.client().request(
        "POST",
        "/api/v1/batches",
        &[
            ("Authorization", &bearer),
            ("Content-Type", "application/json"),
            ("Content-Encoding", "gzip"),
        ],
        &body,
    );
    let json = serde_json::from_str(&r.body).unwrap_or(serde_json::Value::Null);
    (r.status, json)
}

/// A customer entry of BR01's log.
pub(crate) fn entry(seq: i64, id: &str, name: &str) -> serde_json::Value {
    serde_json::json!({
        "seq": seq, "entity": "customers", "id": id, "op": "insert",
        "data": serde_json::json!({ "id": id, "full_name": name, "phone": "+6281300000001" }).to_string(),
        "at": "2026-11-25 08:00:00.000+00:00",
    })
}

fn batch(schema: i64, entries: Vec<serde_json::Value>) -> serde_json::Value {
    serde_json::json!({ "branch": "BR01", "schema": schema, "entries": entries })
}

fn stored(hq: &Server) -> i64 {
    HqDb::open(hq.dir.path()).int("SELECT COUNT(*) FROM changes")
}

fn head_office_answers_replays_gaps_and_bad_batches(store: HqStore) {
    let (hq, credential) = head_office(store);
    let schema = serde_json::from_str::<serde_json::Value>(&hq.client().get("/healthz").body)
        .unwrap()["accepts_schema"][1]
        .as_i64()
        .unwrap();
    let first = batch(schema, vec![entry(1, "C1", "Ani"), entry(2, "C2", "Budi")]);
    let (status, reply) = upload(&hq, &credential, &first);
    assert_eq!((status, reply["acked"].as_i64()), (200, Some(2)), "{reply}");

    // A batch it already has: success, stored once.
    let (status, reply) = upload(&hq, &credential, &first);
    assert_eq!((status, reply["acked"].as_i64()), (200, Some(2)), "{reply}");
    assert_eq!(stored(&hq), 2);
    // The same number with other content: refused, and says so.
    let changed = batch(schema, vec![entry(2, "C2", "Not Budi")]);
    let (status, reply) = upload(&hq, &credential, &changed);
    assert_eq!(status, 409, "{reply}");
    assert_eq!(reply["conflict"], true);
    assert_eq!(reply["acked"], 2);
    // A gap: refused with where to resume.
    let (status, reply) = upload(
        &hq,
        &credential,
        &batch(schema, vec![entry(5, "C5", "Eko")]),
    );
    assert_eq!((status, reply["acked"].as_i64()), (409, Some(2)), "{reply}");
    assert_eq!(reply["conflict"], false);

    // Malformed: 400 with a reason, nothing stored.
    let bad = [
        serde_json::json!({ "branch": "BR01" }),
        batch(schema, vec![entry(3, "C3", "Citra"), entry(5, "C5", "Eko")]),
        batch(schema + 1, vec![entry(3, "C3", "Citra")]),
        batch(schema - 2, vec![entry(3, "C3", "Citra")]),
        serde_json::json!({ "branch": "BR99", "schema": schema, "entries": [entry(3, "C3", "Citra")] }),
    ];
    for b in &bad {
        let (status, reply) = upload(&hq, &credential, b);
        assert_eq!(status, 400, "{b}: {reply}");
        assert!(!reply["error"].as_str().unwrap().is_empty());
    }
    let r = hq.client().request(
        "POST",
        "/api/v1/batches",
        &[("Authorization", &format!("Bearer {credential}"))],
        b"{not json",
    );
    assert_eq!(r.status, 400, "{}", r.body);
    assert_eq!(stored(&hq), 2);

    // The previous schema version is accepted (branches are upgraded one at a time).
    let (status, _) = upload(
        &hq,
        &credential,
        &batch(schema - 1, vec![entry(3, "C3", "Citra")]),
    );
    assert_eq!(status, 200);

    // Credentials.
    let (status, _) = upload(&hq, "BR01.wrong", &first);
    assert_eq!(status, 401);
    let (status, _) = upload(&hq, "", &first);
    assert_eq!(status, 401);
    // Too large, compressed or unpacked.
    let huge = vec![b'x'; 17 * 1024 * 1024];
    let r = hq.client().request(
        "POST",
        "/api/v1/batches",
        &[("Authorization", &format!("Bearer {credential}"))],
        &huge,
    );
    assert_eq!(r.status, 413);
    let out = command(hq.dir.path())
        .args(["hq", "branch", "revoke", "BR01"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let (status, _) = upload(
        &hq,
        &credential,
        &batch(schema, vec![entry(4, "C4", "Dewi")]),
    );
    assert_eq!(status, 401, "revoked");
    assert_eq!(stored(&hq), 3);
}

fn a_record_head_office_cannot_apply_is_set_aside_on_both_sides_and_the_rest_flows(store: HqStore) {
    let (hq, credential) = head_office(store);
    let proxy = Proxy::start(hq.addr, Plan::Always(Fault::Pass));
    let branch = Server::start(branch_options(&proxy, &credential, true));
    wait_until_uploaded(&branch, Duration::from_secs(60));
    // A damaged entry in the branch's log (written here by hand), then ordinary work.
    open(&branch.dir.path().join("pawnbranch.sqlite"))
        .execute(
            "INSERT INTO sync_log (entity, record_id, op, data, at) VALUES ('customers', 'BROKEN1', 'update', '[1, 2]', '2026-11-25 08:00:00.000+00:00')",
            [],
        )
        .unwrap();
    let mut clerk = branch.client();
    clerk.sign_in(CLERK.0, CLERK.1);
    add_customers(&mut clerk, 500, 2);
    wait_until_uploaded(&branch, Duration::from_secs(60));
    assert_same_except_set_aside(&branch, &hq);

    let mut manager = branch.client();
    manager.sign_in(crate::util::MANAGER.0, crate::util::MANAGER.1);
    let page = manager.get("/staff/sync");
    assert!(page.body.contains("BROKEN1"), "{}", page.body);
    assert!(page.body.contains("not a JSON object"), "{}", page.body);
    assert_eq!(health(&branch)["sync"]["set_aside"], 1);

    crate::hq_signin::add_user(hq.dir.path(), "rina", "head-office-pass-1");
    let mut office = hq.client();
    let r = office.get("/branches/BR01");
    assert_eq!(r.status, 303, "sign-in required");
    assert_eq!(r.header("location"), Some("/login?next=/branches/BR01"));
    crate::hq_signin::sign_in(&mut office, "rina", "head-office-pass-1");
    let r = office.get("/branches/BR01");
    assert_eq!(r.status, 200);
    assert!(
        r.body.contains("BROKEN1") && r.body.contains("not a JSON object"),
        "{}",
        r.body
    );
    let r = office.get("/");
    assert!(
        r.body.contains("BR01") && r.body.contains("Test branch"),
        "{}",
        r.body
    );
    // The search across branches finds a customer by phone in a local format, ID or name.
    let (name, phone, id) = writer_fields(500);
    for q in [phone.as_str(), id.as_str(), "sync customer 50"] {
        let r = office.get(&format!("/customers?q={}", crate::util::encode(q)));
        assert!(r.body.contains(&name), "{q}: {}", r.body);
    }
}

/// Like [`assert_same`], for a log with one damaged entry: every entry arrived, and the
/// records are the branch's except the one set aside.
fn assert_same_except_set_aside(branch: &Server, hq: &Server) {
    let b = open(&branch.dir.path().join("pawnbranch.sqlite"));
    let mut h = HqDb::open(hq.dir.path());
    let at_branch = rows(
        &b,
        "SELECT seq, entity, record_id, op, data, at FROM sync_log ORDER BY seq",
    );
    assert_eq!(digest(&hq_log(&mut h)), digest(&at_branch));
    let aside = h.int("SELECT COUNT(*) FROM changes WHERE set_aside IS NOT NULL");
    assert_eq!(aside, 1);
    let broken = h.int("SELECT COUNT(*) FROM records WHERE record_id = 'BROKEN1'");
    assert_eq!(broken, 0, "not applied");
}
