//! HTTP plumbing: the tiny_http listener, a bounded pool of worker threads, and the small
//! request and response types the rest of the program sees.
//!
//! Nothing outside this module touches tiny_http. A worker reads one request fully (body
//! bounded by `[server] max_body_bytes`), hands a [`Request`] to the application's handler,
//! and writes the [`Response`] with the security headers every response carries. A panic in
//! a handler is caught here and answered with 500, so one bad request never stops the server.
//! Each request leaves one access log line: method, path without the query string (which may
//! carry codes or search terms), status and milliseconds.

pub(crate) mod assets;
pub(crate) mod form;

use std::io::Read;
use std::net::{IpAddr, SocketAddr, TcpListener};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use log::{error, info, warn};

pub(crate) use form::{Form, FormError};

/// The request methods the application distinguishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Method {
    Get,
    Head,
    Post,
    Other,
}

/// A request as the application sees it: fully read, body included.
#[derive(Debug, Clone)]
pub(crate) struct Request {
    pub(crate) method: Method,
    /// The path, percent-decoded, without the query string.
    pub(crate) path: String,
    /// The raw query string, without the `?`.
    pub(crate) query: String,
    /// Request headers, names in lower case.
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
    pub(crate) remote: Option<IpAddr>,
}

impl Request {
    /// A request for tests and benchmarks that never touch a socket.
    #[cfg(test)]
    pub(crate) fn fake(method: Method, target: &str) -> Request {
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        Request {
            method,
            path: path.to_owned(),
            query: query.to_owned(),
            headers: Vec::new(),
            body: Vec::new(),
            remote: None,
        }
    }

    /// The first value of a header, by lower-case name.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The value of a cookie.
    pub(crate) fn cookie(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n == "cookie")
            .find_map(|(_, v)| form::cookie(v, name))
    }

    /// The path split into its segments; `/` is one empty segment.
    pub(crate) fn segments(&self) -> Vec<&str> {
        self.path.trim_matches('/').split('/').collect()
    }

    /// The query string parsed as a form.
    pub(crate) fn query_form(&self) -> Result<Form, FormError> {
        Form::parse(self.query.as_bytes())
    }

    /// The body parsed as an `application/x-www-form-urlencoded` form.
    pub(crate) fn form(&self) -> Result<Form, FormError> {
        let content_type = self.header("content-type").unwrap_or("");
        let mime = content_type.split(';').next().unwrap_or("").trim();
        if !mime.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
            return Err(FormError::ContentType(mime.to_owned()));
        }
        Form::parse(&self.body)
    }
}

/// A response body.
#[derive(Debug, Clone)]
pub(crate) enum Body {
    Bytes(Vec<u8>),
    Static(&'static [u8]),
}

/// A response as the application builds it.
#[derive(Debug, Clone)]
pub(crate) struct Response {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(&'static str, String)>,
    pub(crate) body: Body,
}

impl Response {
    /// An HTML page.
    pub(crate) fn html(status: u16, markup: maud::Markup) -> Response {
        Response {
            status,
            headers: vec![
                ("Content-Type", "text/html; charset=utf-8".to_owned()),
                ("Cache-Control", "no-store".to_owned()),
            ],
            body: Body::Bytes(markup.into_string().into_bytes()),
        }
    }

    /// A JSON document.
    pub(crate) fn json(status: u16, value: &serde_json::Value) -> Response {
        Response {
            status,
            headers: vec![
                ("Content-Type", "application/json".to_owned()),
                ("Cache-Control", "no-store".to_owned()),
            ],
            body: Body::Bytes(value.to_string().into_bytes()),
        }
    }

    /// A redirect after a form post (303 See Other), or to a page that needs sign-in.
    pub(crate) fn see_other(location: &str) -> Response {
        Response {
            status: 303,
            headers: vec![
                ("Location", location.to_owned()),
                ("Cache-Control", "no-store".to_owned()),
            ],
            body: Body::Static(b""),
        }
    }

    /// Adds a header.
    pub(crate) fn with_header(mut self, name: &'static str, value: impl Into<String>) -> Response {
        self.headers.push((name, value.into()));
        self
    }

    /// The body's bytes.
    pub(crate) fn body_bytes(&self) -> &[u8] {
        match &self.body {
            Body::Bytes(b) => b,
            Body::Static(b) => b,
        }
    }
}

/// Headers on every response: this origin only, no framing, no sniffing, no referrer abroad.
const SECURITY_HEADERS: [(&str, &str); 5] = [
    (
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
         form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
    ),
    ("X-Frame-Options", "DENY"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
];

/// What the server does with each request.
pub(crate) type Handler = dyn Fn(&Request) -> Response + Send + Sync;

/// What went wrong before a handler could run, answered by the plumbing itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Rejection {
    /// The body is larger than allowed (413).
    TooLarge,
    /// The request line or body could not be read or decoded (400).
    Malformed,
    /// The handler panicked (500); the panic was logged.
    Panic,
}

/// Renders the plumbing's own error responses in the site's layout.
pub(crate) type RejectionPage = dyn Fn(Rejection, &Request) -> Response + Send + Sync;

/// A running HTTP server: its address, and the worker threads to join on shutdown.
pub(crate) struct Server {
    pub(crate) addr: SocketAddr,
    workers: Vec<JoinHandle<()>>,
    inner: Arc<tiny_http::Server>,
    /// Set when the listener stopped by itself (see [`worker`]).
    failed: Arc<AtomicBool>,
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub(crate) enum StartError {
    #[error(
        "cannot listen on {addr}: the port is already in use by another program (is pawnbranch already running?)"
    )]
    InUse { addr: String },
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: String,
        source: std::io::Error,
    },
    #[error("cannot start the HTTP server: {0}")]
    Other(String),
}

/// Settings of the plumbing.
pub(crate) struct Options {
    pub(crate) workers: usize,
    pub(crate) max_body_bytes: usize,
}

impl Server {
    /// Binds the address and starts the workers.
    pub(crate) fn start(
        addr: &str,
        options: Options,
        handler: Arc<Handler>,
        rejection: Arc<RejectionPage>,
        shutdown: Arc<AtomicBool>,
    ) -> Result<Server, StartError> {
        let listener = TcpListener::bind(addr).map_err(|source| match source.kind() {
            std::io::ErrorKind::AddrInUse => StartError::InUse {
                addr: addr.to_owned(),
            },
            _ => StartError::Bind {
                addr: addr.to_owned(),
                source,
            },
        })?;
        tune(&listener).map_err(|source| StartError::Bind {
            addr: addr.to_owned(),
            source,
        })?;
        let local = listener.local_addr().map_err(|source| StartError::Bind {
            addr: addr.to_owned(),
            source,
        })?;
        let inner = Arc::new(
            tiny_http::Server::from_listener(listener, None)
                .map_err(|e| StartError::Other(e.to_string()))?,
        );
        let failed = Arc::new(AtomicBool::new(false));
        let workers = (0..options.workers)
            .map(|n| {
                let (inner, handler, rejection, shutdown, failed) = (
                    Arc::clone(&inner),
                    Arc::clone(&handler),
                    Arc::clone(&rejection),
                    Arc::clone(&shutdown),
                    Arc::clone(&failed),
                );
                let max_body = options.max_body_bytes;
                std::thread::Builder::new()
                    .name(format!("http-{n}"))
                    .spawn(move || {
                        worker(&inner, &*handler, &*rejection, &shutdown, &failed, max_body)
                    })
                    .map_err(|e| StartError::Other(e.to_string()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Server {
            addr: local,
            workers,
            inner,
            failed,
        })
    }

    /// Waits for the workers to finish the requests in flight; call after setting the shutdown
    /// flag. The listener closes when the server is dropped. Returns `false` when the
    /// listener had stopped by itself (the shutdown was not asked for).
    pub(crate) fn join(self) -> bool {
        for _ in &self.workers {
            self.inner.unblock();
        }
        for w in self.workers {
            if w.join().is_err() {
                error!("an HTTP worker thread ended by panic");
            }
        }
        !self.failed.load(Ordering::SeqCst)
    }
}

/// Socket options set on the listener, which Linux copies to every accepted connection
/// (tiny_http does not expose the connections): `TCP_NODELAY`, because tiny_http writes a
/// response in 1 KiB pieces and, with Nagle's algorithm, the second piece waits for the
/// client's delayed acknowledgement (about 40 ms a page). (Timeouts cannot be set this way:
/// on the listener they make `accept` fail, which ends tiny_http's accept thread.)
fn tune(listener: &TcpListener) -> std::io::Result<()> {
    socket2::SockRef::from(listener).set_tcp_nodelay(true)
}

/// One worker: take a request, answer it, until shutdown.
fn worker(
    server: &tiny_http::Server,
    handler: &Handler,
    rejection: &RejectionPage,
    shutdown: &AtomicBool,
    failed: &AtomicBool,
    max_body: usize,
) {
    while !shutdown.load(Ordering::SeqCst) {
        let raw = match server.recv_timeout(Duration::from_millis(250)) {
            Ok(Some(raw)) => raw,
            Ok(None) => continue,
            Err(e) => {
                // tiny_http reports an error here only when its accept thread has ended (it
                // ends at the first failed accept): nothing more will arrive. Stop, so the
                // service manager starts a fresh process.
                error!("http: the listener stopped ({e}); shutting down to be restarted");
                failed.store(true, Ordering::SeqCst);
                shutdown.store(true, Ordering::SeqCst);
                break;
            }
        };
        answer(raw, handler, rejection, max_body);
    }
    // Requests the listener accepted before the shutdown are in flight for their clients:
    // answer them too, until the queue has been empty for a moment. (A request dropped by
    // tiny_http unanswered would get a bare 500.)
    while let Ok(Some(raw)) = server.recv_timeout(Duration::from_millis(100)) {
        answer(raw, handler, rejection, max_body);
    }
}

/// Reads, handles and answers one request.
fn answer(
    mut raw: tiny_http::Request,
    handler: &Handler,
    rejection: &RejectionPage,
    max_body: usize,
) {
    let started = Instant::now();
    let (request, problem) = read_request(&mut raw, max_body);
    let method_name = raw.method().as_str().to_owned();
    let response = match problem {
        Some(kind) => rejection(kind, &request),
        None => match catch_unwind(AssertUnwindSafe(|| handler(&request))) {
            Ok(response) => response,
            Err(panic) => {
                let what = panic
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_owned())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_default();
                error!(
                    "http: handler panicked on {} {}: {what}",
                    method_name, request.path
                );
                rejection(Rejection::Panic, &request)
            }
        },
    };
    let status = response.status;
    let close = problem.is_some();
    write_response(raw, response, close);
    info!(
        "{} {} {} {}ms",
        method_name,
        request.path,
        status,
        started.elapsed().as_millis()
    );
}

/// Turns a tiny_http request into ours, reading at most `max_body` bytes of body.
fn read_request(raw: &mut tiny_http::Request, max_body: usize) -> (Request, Option<Rejection>) {
    let method = match raw.method() {
        tiny_http::Method::Get => Method::Get,
        tiny_http::Method::Head => Method::Head,
        tiny_http::Method::Post => Method::Post,
        _ => Method::Other,
    };
    let url = raw.url().to_owned();
    let (raw_path, query) = url.split_once('?').unwrap_or((&url, ""));
    let headers = raw
        .headers()
        .iter()
        .map(|h| {
            (
                h.field.as_str().as_str().to_ascii_lowercase(),
                h.value.as_str().to_owned(),
            )
        })
        .collect();
    let mut request = Request {
        method,
        path: String::new(),
        query: query.to_owned(),
        headers,
        body: Vec::new(),
        remote: raw.remote_addr().map(SocketAddr::ip),
    };
    match form::percent_decode(raw_path) {
        Ok(path) if path.starts_with('/') => request.path = path,
        _ => {
            request.path = "/".to_owned();
            return (request, Some(Rejection::Malformed));
        }
    }
    if raw.body_length().is_some_and(|n| n > max_body) {
        return (request, Some(Rejection::TooLarge));
    }
    let mut body = Vec::new();
    let limit = u64::try_from(max_body)
        .unwrap_or(u64::MAX)
        .saturating_add(1);
    if raw.as_reader().take(limit).read_to_end(&mut body).is_err() {
        return (request, Some(Rejection::Malformed));
    }
    if body.len() > max_body {
        return (request, Some(Rejection::TooLarge));
    }
    request.body = body;
    (request, None)
}

/// Writes a response with the security headers (tiny_http leaves the body out for HEAD).
fn write_response(raw: tiny_http::Request, response: Response, close: bool) {
    let mut headers: Vec<tiny_http::Header> =
        Vec::with_capacity(response.headers.len() + SECURITY_HEADERS.len() + 1);
    let mut push = |name: &str, value: &str| {
        if let Ok(h) = tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes()) {
            headers.push(h);
        }
    };
    for (name, value) in SECURITY_HEADERS {
        push(name, value);
    }
    for (name, value) in &response.headers {
        push(name, value);
    }
    if close {
        push("Connection", "close");
    }
    let body = response.body_bytes();
    let length = body.len();
    let reply = tiny_http::Response::new(
        tiny_http::StatusCode(response.status),
        headers,
        body,
        Some(length),
        None,
    );
    if let Err(e) = raw.respond(reply) {
        warn!("http: writing a response failed: {e}");
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use std::io::Write;

    use super::*;

    /// Sends one request and returns the status line and the whole response.
    fn get(addr: SocketAddr, path: &str) -> String {
        let mut stream = std::net::TcpStream::connect(addr).unwrap();
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut text = String::new();
        stream.read_to_string(&mut text).unwrap();
        text
    }

    #[test]
    fn a_panicking_handler_answers_500_and_the_server_keeps_serving() {
        let shutdown = Arc::new(AtomicBool::new(false));
        let handler: Arc<Handler> = Arc::new(|request: &Request| {
            assert!(request.path != "/boom", "handler exploded");
            Response::html(200, maud::html! { "fine" })
        });
        let rejection: Arc<RejectionPage> = Arc::new(|kind, _request: &Request| {
            Response::html(
                if kind == Rejection::Panic { 500 } else { 400 },
                maud::html! { "sorry" },
            )
        });
        let options = Options {
            workers: 1,
            max_body_bytes: 1024,
        };
        let server = Server::start(
            "127.0.0.1:0",
            options,
            handler,
            rejection,
            Arc::clone(&shutdown),
        )
        .unwrap();
        let boom = get(server.addr, "/boom");
        assert!(boom.starts_with("HTTP/1.1 500"), "{boom}");
        assert!(boom.contains("X-Frame-Options: DENY"), "{boom}");
        for _ in 0..3 {
            let ok = get(server.addr, "/fine");
            assert!(
                ok.starts_with("HTTP/1.1 200") && ok.ends_with("fine"),
                "{ok}"
            );
        }
        shutdown.store(true, Ordering::SeqCst);
        assert!(server.join());
    }
}
