//! The plumbing over real sockets on loopback: deadlines, the connection bound, keep-alive,
//! and the refusals, with timeouts of a few hundred milliseconds so each test is quick.

#![allow(clippy::unwrap_used)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::{Mutex, mpsc};
use std::time::Instant;

use super::*;

/// A server for one test, stopped when dropped.
struct Running {
    server: Option<Server>,
    shutdown: Arc<AtomicBool>,
}

impl Running {
    fn addr(&self) -> SocketAddr {
        self.server.as_ref().unwrap().addr
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.shutdown.store(true, Ordering::SeqCst);
        if let Some(server) = self.server.take() {
            server.join();
        }
    }
}

/// Short deadlines: 300 ms for a head, a body or idleness.
fn quick() -> Options {
    Options {
        workers: 2,
        max_body_bytes: 1024,
        max_connections: 64,
        head_timeout: Duration::from_millis(300),
        body_timeout: Duration::from_millis(300),
        body_min_rate_bytes: 100,
        idle_timeout: Duration::from_millis(300),
        write_timeout: Duration::from_millis(300),
        body_memory_bytes: 1 << 20,
        uploads: None,
    }
}

/// Answers `/boom` with a panic, `/inject` with a Location carrying CRLF, and anything else
/// with "path body-length".
fn start(options: Options) -> Running {
    let handler: Arc<Handler> = Arc::new(|request: &Request| match request.path.as_str() {
        "/boom" => panic!("handler exploded"),
        "/inject" => Response::see_other("/\r\nSet-Cookie: pb_staff=attacker"),
        path => Response::html(200, maud::html! { (path) " " (request.body.len()) }),
    });
    start_with(options, handler)
}

fn start_with(options: Options, handler: Arc<Handler>) -> Running {
    let rejection: Arc<RejectionPage> = Arc::new(|kind, _request: &Request| {
        let status = match kind {
            Rejection::TooLarge => 413,
            Rejection::Malformed => 400,
            Rejection::Panic => 500,
        };
        Response::html(status, maud::html! { "sorry" })
    });
    let shutdown = Arc::new(AtomicBool::new(false));
    let server = Server::start(
        "127.0.0.1:0",
        options,
        handler,
        rejection,
        Arc::clone(&shutdown),
    )
    .unwrap();
    Running {
        server: Some(server),
        shutdown,
    }
}

fn connect(running: &Running) -> TcpStream {
    let stream = TcpStream::connect(running.addr()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(3)))
        .unwrap();
    stream
}

/// Connects and sends `bytes`, leaving the connection open.
fn send(running: &Running, bytes: &[u8]) -> TcpStream {
    let mut stream = connect(running);
    stream.write_all(bytes).unwrap();
    stream
}

/// Sends `raw` and reads until the server closes.
fn exchange(running: &Running, raw: &[u8]) -> String {
    read_to_close(&mut send(running, raw))
}

/// Reads until the server closes (a reset counts); a read timeout fails the test.
fn read_to_close(stream: &mut TcpStream) -> String {
    let mut bytes = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => bytes.extend_from_slice(&buf[..n]),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                panic!(
                    "the server did not close the connection: {:?}",
                    String::from_utf8_lossy(&bytes)
                )
            }
            Err(_) => break,
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Reads one response with a Content-Length from a connection that stays open.
fn read_one(stream: &mut TcpStream) -> String {
    let mut bytes = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let text = String::from_utf8_lossy(&bytes).into_owned();
        if let Some(end) = text.find("\r\n\r\n") {
            let length: usize = text[..end]
                .lines()
                .find_map(|l| l.strip_prefix("Content-Length: "))
                .map_or(0, |n| n.trim().parse().unwrap());
            if bytes.len() >= end + 4 + length {
                return text;
            }
        }
        let n = stream.read(&mut buf).unwrap();
        assert!(n > 0, "closed before a whole response: {text:?}");
        bytes.extend_from_slice(&buf[..n]);
    }
}

/// Waits for the server to close the connection; returns what it sent before and how long
/// it took.
fn closed_after(stream: &mut TcpStream) -> (String, Duration) {
    let started = Instant::now();
    let text = read_to_close(stream);
    (text, started.elapsed())
}

/// Sends `piece` `times` times, 50 ms apart, until a write fails.
fn send_slowly(stream: &mut TcpStream, piece: &[u8], times: usize) {
    for _ in 0..times {
        if stream.write_all(piece).is_err() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

const GET: &[u8] = b"GET /page HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";

#[test]
fn a_panicking_handler_answers_500_and_the_server_keeps_serving() {
    let running = start(quick());
    let boom = exchange(&running, b"GET /boom HTTP/1.1\r\nConnection: close\r\n\r\n");
    assert!(boom.starts_with("HTTP/1.1 500"), "{boom}");
    assert!(boom.contains("X-Frame-Options: DENY"), "{boom}");
    for _ in 0..3 {
        let ok = exchange(&running, GET);
        assert!(
            ok.starts_with("HTTP/1.1 200") && ok.ends_with("/page 0"),
            "{ok}"
        );
    }
}

#[test]
fn a_partial_head_is_cut_at_its_deadline_with_408() {
    let running = start(quick());
    let mut stream = send(&running, b"GET /page HTTP/1.1\r\nHost: x\r\n");
    let (text, took) = closed_after(&mut stream);
    assert!(text.starts_with("HTTP/1.1 408"), "{text:?}");
    assert!(took < Duration::from_secs(2), "{took:?}");
}

#[test]
fn a_head_trickled_a_byte_at_a_time_is_cut_at_the_deadline_not_per_read() {
    let running = start(quick());
    let mut stream = connect(&running);
    let started = Instant::now();
    // A byte every 50 ms: each read comes well within 300 ms, the whole head would not.
    let head = b"GET /page HTTP/1.1\r\nHost: x\r\nUser-Agent: a very slow client indeed\r\n\r\n";
    for byte in head {
        if stream.write_all(&[*byte]).is_err() {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
        if started.elapsed() > Duration::from_millis(600) {
            break;
        }
    }
    let (text, _) = closed_after(&mut stream);
    assert!(text.starts_with("HTTP/1.1 408"), "{text:?}");
    assert!(started.elapsed() < Duration::from_millis(1500));
}

#[test]
fn a_stalled_body_and_an_empty_chunked_body_are_cut_with_408() {
    let running = start(quick());
    let mut stalled = send(
        &running,
        b"POST /page HTTP/1.1\r\nContent-Length: 500\r\n\r\nabc",
    );
    let mut chunked = send(
        &running,
        b"POST /page HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
    );
    for stream in [&mut stalled, &mut chunked] {
        let (text, took) = closed_after(stream);
        assert!(text.starts_with("HTTP/1.1 408"), "{text:?}");
        assert!(took < Duration::from_secs(2), "{took:?}");
    }
}

#[test]
fn a_body_trickling_below_the_minimum_rate_is_cut() {
    let running = start(quick());
    let mut stream = send(
        &running,
        b"POST /page HTTP/1.1\r\nContent-Length: 500\r\n\r\n",
    );
    let started = Instant::now();
    // 2 bytes every 50 ms is 40 B/s, below the 100 B/s minimum: cut at about 300 ms, though
    // each read comes well within it.
    send_slowly(&mut stream, b"ab", 20);
    let (text, _) = closed_after(&mut stream);
    assert!(text.starts_with("HTTP/1.1 408"), "{text:?}");
    assert!(started.elapsed() < Duration::from_millis(1500));
}

#[test]
fn a_slow_upload_above_the_minimum_rate_is_not_cut() {
    let running = start(Options {
        body_timeout: Duration::from_millis(500),
        ..quick()
    });
    let mut stream = send(
        &running,
        b"POST /page HTTP/1.1\r\nConnection: close\r\nContent-Length: 900\r\n\r\n",
    );
    // 30 bytes every 50 ms is 600 B/s: well above the 100 B/s minimum, for 1.5 s, three times
    // the body deadline.
    send_slowly(&mut stream, &[b'x'; 30], 30);
    let text = read_to_close(&mut stream);
    assert!(text.starts_with("HTTP/1.1 200"), "{text:?}");
    assert!(text.ends_with("/page 900"), "{text:?}");
}

#[test]
fn the_body_deadline_follows_the_bytes_received() {
    // The defaults of `[server]`: 10 s, one more second per 500 bytes.
    let options = Options {
        body_timeout: Duration::from_secs(10),
        body_min_rate_bytes: 500,
        ..quick()
    };
    let start = Instant::now();
    let at = |s: u64| start + Duration::from_secs(s);
    let deadline =
        |received: usize, now: u64| event_loop::body_deadline(&options, start, received, at(now));
    // Nothing received: 10 s.
    assert_eq!(deadline(0, 0), at(10));
    // A head-office upload at 1,500 B/s: every second buys three; the deadline stays ahead.
    for second in 1..600 {
        assert!(deadline(1500 * second as usize, second) > at(second + 9));
    }
    // A byte a second: cut at about 10 s whatever it keeps sending.
    assert!(deadline(10, 10) < at(11));
    // Credit is capped at 10 s ahead: a burst then silence is cut 10 s after the burst.
    assert_eq!(deadline(1_000_000, 1), at(11));
}

#[test]
fn an_idle_keep_alive_connection_is_closed_without_an_answer() {
    let running = start(quick());
    let mut stream = send(&running, b"GET /page HTTP/1.1\r\nHost: x\r\n\r\n");
    let first = read_one(&mut stream);
    assert!(first.starts_with("HTTP/1.1 200"), "{first}");
    assert!(!first.contains("Connection: close"), "{first}");
    let (rest, took) = closed_after(&mut stream);
    assert_eq!(rest, "", "an idle connection is closed, not answered");
    assert!(took < Duration::from_secs(2), "{took:?}");
}

#[test]
fn pipelined_requests_are_answered_in_order_on_one_connection() {
    let running = start(quick());
    let text = exchange(
        &running,
        b"POST /one HTTP/1.1\r\nContent-Length: 3\r\n\r\nabcGET /two HTTP/1.1\r\nConnection: close\r\n\r\n",
    );
    let one = text.find("/one 3").unwrap();
    let two = text.find("/two 0").unwrap();
    assert!(one < two, "{text}");
    assert_eq!(text.matches("HTTP/1.1 200").count(), 2, "{text}");
    assert!(text.ends_with("/two 0"), "{text}");
}

#[test]
fn expect_100_continue_is_answered_before_the_body() {
    let running = start(quick());
    let mut stream = send(&running, b"POST /up HTTP/1.1\r\nConnection: close\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n");
    let mut buf = [0u8; 64];
    let n = stream.read(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"HTTP/1.1 100 Continue\r\n\r\n");
    stream.write_all(b"data").unwrap();
    let text = read_to_close(&mut stream);
    assert!(
        text.starts_with("HTTP/1.1 200") && text.ends_with("/up 4"),
        "{text}"
    );
}

#[test]
fn too_large_and_malformed_requests_are_refused_and_closed() {
    let running = start(quick());
    let text = exchange(
        &running,
        b"POST /page HTTP/1.1\r\nContent-Length: 5000\r\n\r\n",
    );
    assert!(text.starts_with("HTTP/1.1 413"), "{text}");
    assert!(text.contains("Connection: close"), "{text}");
    let chunk = "a".repeat(1500);
    let raw = format!(
        "POST /page HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n{chunk}\r\n0\r\n\r\n",
        chunk.len()
    );
    let text = exchange(&running, raw.as_bytes());
    assert!(text.starts_with("HTTP/1.1 413"), "{text}");
    for bad in [
        &b"GET /%ff%fe HTTP/1.1\r\n\r\n"[..],
        b"BLAH\x01 / HTTP/1.1\r\n\r\n",
        b"POST /page HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n",
    ] {
        let text = exchange(&running, bad);
        assert!(text.starts_with("HTTP/1.1 400"), "{text}");
    }
    assert!(exchange(&running, GET).starts_with("HTTP/1.1 200"));
}

/// `/upload` takes bodies up to 4096 bytes, every other path keeps `max_body_bytes` (1024).
fn with_uploads() -> Options {
    Options {
        uploads: Some(UploadLimit {
            is_upload: |path| path == "/upload",
            max_bytes: 4096,
        }),
        ..quick()
    }
}

#[test]
fn only_upload_routes_take_the_larger_body_limit() {
    let running = start(with_uploads());
    let sized = |path: &str, n: usize| {
        let body = "a".repeat(n);
        let raw = format!(
            "POST {path} HTTP/1.1\r\nContent-Length: {n}\r\nConnection: close\r\n\r\n{body}"
        );
        exchange(&running, raw.as_bytes())
    };
    let text = sized("/upload", 3000);
    assert!(
        text.starts_with("HTTP/1.1 200") && text.ends_with("/upload 3000"),
        "{text}"
    );
    assert!(sized("/page", 3000).starts_with("HTTP/1.1 413"));
    assert!(sized("/upload/other", 3000).starts_with("HTTP/1.1 413"));
    assert!(sized("/upload", 5000).starts_with("HTTP/1.1 413"));
    let chunked = |path: &str, n: usize| {
        let chunk = "a".repeat(n);
        let raw = format!(
            "POST {path} HTTP/1.1\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n\
             {n:x}\r\n{chunk}\r\n0\r\n\r\n"
        );
        exchange(&running, raw.as_bytes())
    };
    let text = chunked("/upload", 3000);
    assert!(text.ends_with("/upload 3000"), "{text}");
    assert!(chunked("/page", 3000).starts_with("HTTP/1.1 413"));
    assert!(chunked("/upload", 5000).starts_with("HTTP/1.1 413"));
}

#[test]
fn head_requests_and_http_1_0_are_answered_and_closed() {
    let running = start(quick());
    let text = exchange(&running, b"HEAD /page HTTP/1.0\r\n\r\n");
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    assert!(text.contains("Content-Length: 7\r\n"), "{text}");
    assert!(text.ends_with("Connection: close\r\n\r\n"), "{text}");
}

#[test]
fn a_header_with_crlf_is_never_written_the_response_becomes_500() {
    let running = start(quick());
    let text = exchange(
        &running,
        b"GET /inject HTTP/1.1\r\nConnection: close\r\n\r\n",
    );
    assert!(text.starts_with("HTTP/1.1 500"), "{text}");
    assert!(!text.contains("Set-Cookie"), "{text}");
    assert!(!text.contains("Location"), "{text}");
}

/// Opens a connection, has one request answered on it, and leaves it idle (kept alive).
fn idle_after_a_request(running: &Running) -> TcpStream {
    let mut stream = connect(running);
    stream.write_all(b"GET /page HTTP/1.1\r\n\r\n").unwrap();
    assert!(read_one(&mut stream).starts_with("HTTP/1.1 200"));
    stream
}

#[test]
fn at_the_connection_limit_an_idle_keep_alive_connection_makes_room_first() {
    let running = start(Options {
        max_connections: 4,
        head_timeout: Duration::from_secs(30),
        idle_timeout: Duration::from_secs(30),
        ..quick()
    });
    let mut partial = send(&running, b"GET /pa");
    let mut silent = connect(&running);
    let mut idle: Vec<TcpStream> = (0..2).map(|_| idle_after_a_request(&running)).collect();
    // The limit is reached: a client with a request closes the idle connection that has
    // waited longest, not the older partial head or silent connection.
    let answered = exchange(&running, GET);
    assert!(answered.starts_with("HTTP/1.1 200"), "{answered}");
    let (first_idle, _) = closed_after(&mut idle[0]);
    assert_eq!(first_idle, "");
    partial
        .write_all(b"ge HTTP/1.1\r\nConnection: close\r\n\r\n")
        .unwrap();
    assert!(read_to_close(&mut partial).starts_with("HTTP/1.1 200"));
    silent.write_all(GET).unwrap();
    assert!(read_to_close(&mut silent).starts_with("HTTP/1.1 200"));
}

#[test]
fn at_the_connection_limit_the_longest_waiting_request_makes_room() {
    let running = start(Options {
        max_connections: 3,
        head_timeout: Duration::from_secs(30),
        ..quick()
    });
    let mut oldest = send(&running, b"GET /pa");
    let mut younger: Vec<TcpStream> = (0..2).map(|_| connect(&running)).collect();
    younger[0].write_all(b"GET /pa").unwrap();
    // No connection is idle: the one that has waited longest for its request is closed,
    // unanswered; a fresh one (as the counter's is) is the last to be chosen.
    let answered = exchange(&running, GET);
    assert!(answered.starts_with("HTTP/1.1 200"), "{answered}");
    let (text, _) = closed_after(&mut oldest);
    assert_eq!(text, "");
    younger[0]
        .write_all(b"ge HTTP/1.1\r\nConnection: close\r\n\r\n")
        .unwrap();
    assert!(read_to_close(&mut younger[0]).starts_with("HTTP/1.1 200"));
    younger[1].write_all(GET).unwrap();
    assert!(read_to_close(&mut younger[1]).starts_with("HTTP/1.1 200"));
}

#[test]
fn when_every_connection_is_being_answered_a_new_one_is_refused() {
    let (release, wait) = mpsc::channel::<()>();
    let wait = Mutex::new(wait);
    let (started_tx, started) = mpsc::channel::<()>();
    let started_tx = Mutex::new(started_tx);
    let handler: Arc<Handler> = Arc::new(move |_request: &Request| {
        let _ = started_tx.lock().unwrap().send(());
        let _ = wait.lock().unwrap().recv_timeout(Duration::from_secs(5));
        Response::html(200, maud::html! { "done" })
    });
    let running = start_with(
        Options {
            max_connections: 1,
            ..quick()
        },
        handler,
    );
    let mut busy = send(&running, GET);
    started.recv_timeout(Duration::from_secs(3)).unwrap();
    let mut refused = connect(&running);
    let _ = refused.write_all(GET);
    let (text, _) = closed_after(&mut refused);
    assert_eq!(text, "", "refused without an answer");
    release.send(()).unwrap();
    let text = read_to_close(&mut busy);
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
}

#[test]
fn past_the_memory_bound_the_largest_partial_body_is_refused_with_503() {
    let running = start(Options {
        body_memory_bytes: 1500,
        body_timeout: Duration::from_secs(30),
        ..quick()
    });
    let post = |length: usize, sent: usize| {
        let mut stream = connect(&running);
        let head =
            format!("POST /page HTTP/1.1\r\nConnection: close\r\nContent-Length: {length}\r\n\r\n");
        stream.write_all(head.as_bytes()).unwrap();
        stream.write_all(&vec![b'x'; sent]).unwrap();
        (stream, length - sent)
    };
    let (mut large, _) = post(1024, 1000);
    let (mut small, small_rest) = post(300, 200);
    // Its first 400 bytes take the total past 1,500: the largest partial body goes.
    let (mut third, third_rest) = post(500, 400);
    let (text, _) = closed_after(&mut large);
    assert!(text.starts_with("HTTP/1.1 503"), "{text}");
    assert!(text.contains("Retry-After: 5"), "{text}");
    for (stream, rest, length) in [(&mut small, small_rest, 300), (&mut third, third_rest, 500)] {
        stream.write_all(&vec![b'y'; rest]).unwrap();
        let text = read_to_close(stream);
        assert!(text.ends_with(&format!("/page {length}")), "{text}");
    }
}
