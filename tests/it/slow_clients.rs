//! Slow and stalled clients (issue 11): a few hundred sockets that send half a request, a body
//! that never arrives, or nothing at all must not stop the server answering everybody else,
//! nor make it grow a thread per socket; and once they go, the server is as before.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use crate::util::{Options, Server, raw_exchange};

/// Open sockets playing the attacker; closed when dropped.
struct Attack {
    sockets: Vec<TcpStream>,
}

impl Attack {
    /// Stalled bodies (half of them announced by Content-Length, half chunked with no chunk),
    /// stalled heads and idle connections, all against `target` (a POST route).
    fn open(addr: SocketAddr, target: &str, bodies: usize, heads: usize, idle: usize) -> Attack {
        let mut sockets = Vec::new();
        for n in 0..bodies {
            let head = if n % 2 == 0 {
                format!(
                    "POST {target} HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 4096\r\n\r\ncsrf="
                )
            } else {
                format!("POST {target} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
            };
            sockets.push(send(addr, head.as_bytes()));
        }
        for n in 0..heads {
            let partial: &[u8] = if n % 2 == 0 {
                b"GET /staff/lo"
            } else {
                b"GET /staff/login HTTP/1.1\r\nHost: x\r\nUser-Agent: slow"
            };
            sockets.push(send(addr, partial));
        }
        for _ in 0..idle {
            sockets.push(TcpStream::connect(addr).expect("connect"));
        }
        Attack { sockets }
    }

    /// How many sockets the server still holds open, neither closed nor answered.
    fn still_open(&self) -> usize {
        self.sockets
            .iter()
            .filter(|s| {
                s.set_nonblocking(true).unwrap();
                matches!(s.peek(&mut [0u8; 1]), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock)
            })
            .count()
    }
}

/// Connects and writes `bytes`, keeping the socket open.
fn send(addr: SocketAddr, bytes: &[u8]) -> TcpStream {
    let mut s = TcpStream::connect(addr).expect("connect");
    // A socket the server closed to stay within its limit may refuse the write.
    let _ = s.write_all(bytes);
    s
}

/// The server's thread count, from `/proc/<pid>/status`.
fn threads(server: &Server) -> usize {
    let status = std::fs::read_to_string(format!("/proc/{}/status", server.pid())).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("Threads:"))
        .and_then(|n| n.trim().parse().ok())
        .expect("Threads: line")
}

/// GETs `path` from a fresh client and returns its status, or `None` when no answer came
/// within `limit`.
fn get_within(addr: SocketAddr, path: &str, limit: Duration) -> Option<u16> {
    let (tx, rx) = std::sync::mpsc::channel();
    let raw = format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    std::thread::spawn(move || {
        let _ = tx.send(raw_exchange(addr, raw.as_bytes()).status);
    });
    rx.recv_timeout(limit).ok()
}

/// Waits until the server has taken in the attack: its sockets are accepted and the bytes read
/// (a moment on loopback; the wait is for the server, the assertions come after).
fn let_the_attack_land() {
    std::thread::sleep(Duration::from_millis(500));
}

/// Runs the attack against `server` and checks it keeps answering `page` within 1 s, with a
/// bounded number of threads, and still answers once the attack is gone. `limit` is the
/// server's `max_connections` when the attack exceeds it.
fn survives(server: &Server, post_target: &str, page: &str, limit: Option<usize>) {
    assert_eq!(
        get_within(server.addr, page, Duration::from_secs(5)),
        Some(200)
    );
    let before = threads(server);
    let attack = Attack::open(server.addr, post_target, 64, 64, 200);
    let_the_attack_land();
    let started = Instant::now();
    let status = get_within(server.addr, page, Duration::from_secs(1));
    assert_eq!(
        status,
        Some(200),
        "{page} did not answer within 1 s under the attack (waited {:?})",
        started.elapsed()
    );
    assert_eq!(
        get_within(server.addr, "/healthz", Duration::from_secs(1)),
        Some(200)
    );
    // The attack was in force: the server neither dropped nor answered those sockets (their
    // deadlines are 10 s away), except those it closed to stay within its limit.
    let held = attack.still_open();
    match limit {
        None => assert_eq!(held, attack.sockets.len()),
        Some(limit) => assert!(
            (limit / 2..=limit).contains(&held),
            "{held} attack sockets held with max_connections {limit}"
        ),
    }
    let during = threads(server);
    assert!(
        during <= before + 2,
        "threads grew from {before} to {during} with {} open sockets",
        attack.sockets.len()
    );
    drop(attack);
    assert_eq!(
        get_within(server.addr, page, Duration::from_secs(1)),
        Some(200)
    );
}

#[test]
fn a_branch_keeps_answering_under_a_slow_client_attack() {
    let server = Server::demo();
    survives(&server, "/staff/login", "/staff/login", None);
}

#[test]
fn beyond_the_connection_limit_the_counter_still_gets_in() {
    let server = Server::start(Options {
        demo: true,
        env: vec![("PAWNBRANCH_SERVER_MAX_CONNECTIONS".into(), "64".into())],
        ..Options::default()
    });
    survives(&server, "/staff/login", "/staff/login", Some(64));
}

#[test]
fn head_office_keeps_answering_under_a_slow_client_attack() {
    let server = Server::start(Options {
        head_office: true,
        ..Options::default()
    });
    survives(&server, "/api/v1/batches", "/healthz", None);
}

#[test]
fn a_client_trickling_its_head_is_cut_at_the_configured_deadline() {
    let server = Server::start(Options {
        demo: true,
        env: vec![("PAWNBRANCH_SERVER_HEAD_TIMEOUT_SECONDS".into(), "1".into())],
        ..Options::default()
    });
    let mut s = TcpStream::connect(server.addr).unwrap();
    s.set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let started = Instant::now();
    let mut answer = Vec::new();
    // One byte every 100 ms: each read would have arrived well within any per-read timeout.
    for byte in b"GET /staff/login HTTP/1.1\r\nHost: x\r\nUser-Agent: a very slow client"
        .iter()
        .cycle()
        .take(60)
    {
        if s.write_all(&[*byte]).is_err() {
            break;
        }
        let mut buf = [0u8; 512];
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => answer.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(_) => break,
        }
    }
    let elapsed = started.elapsed();
    let text = String::from_utf8_lossy(&answer);
    assert!(
        text.starts_with("HTTP/1.1 408"),
        "{text:?} after {elapsed:?}"
    );
    assert!(elapsed < Duration::from_secs(3), "cut after {elapsed:?}");
}
