//! HTTP plumbing: our own small HTTP/1.1 server (one `mio` event loop, a fixed pool of worker
//! threads) and the request and response types the rest of the program sees.
//!
//! The event loop (`event_loop.rs`) reads every request fully, within deadlines, before a
//! worker sees it (body bounded by `[server] max_body_bytes`, or by [`UploadLimit`] on the
//! routes that take a file; `multipart.rs` reads such forms); a worker hands the [`Request`]
//! to the application's handler and serialises the [`Response`] with the security headers
//! every response carries (`wire.rs`, which also refuses any header with a control character).
//! A panic in a handler is caught and answered with 500, so one bad request never stops the
//! server. Each request leaves one access log line: method, path without the query string
//! (which may carry codes or search terms), status and milliseconds.

pub(crate) mod assets;
mod event_loop;
pub(crate) mod form;
pub(crate) mod multipart;
#[cfg(test)]
mod tests;
mod wire;
mod workers;

use std::net::{IpAddr, SocketAddr, TcpListener};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use log::error;

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

    /// The body parsed as an `application/x-www-form-urlencoded` form, or the text parts of
    /// a `multipart/form-data` one (so the CSRF token of an upload form is checked the same way).
    pub(crate) fn form(&self) -> Result<Form, FormError> {
        let content_type = self.header("content-type").unwrap_or("");
        let mime = content_type.split(';').next().unwrap_or("").trim();
        if mime.eq_ignore_ascii_case("multipart/form-data") {
            return self
                .multipart()?
                .fields()
                .map_err(|e| FormError::Multipart(Box::new(e)));
        }
        if !mime.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
            return Err(FormError::ContentType(mime.to_owned()));
        }
        Form::parse(&self.body)
    }

    /// The body parsed as a `multipart/form-data` form (fields and files).
    pub(crate) fn multipart(&self) -> Result<multipart::Multipart, FormError> {
        let content_type = self.header("content-type").unwrap_or("");
        multipart::Multipart::parse(content_type, &self.body)
            .map_err(|e| FormError::Multipart(Box::new(e)))
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

/// A running HTTP server: its address, and the event loop to join on shutdown.
pub(crate) struct Server {
    pub(crate) addr: SocketAddr,
    running: event_loop::Running,
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

/// Settings of the plumbing (from `[server]`, see `ServerConfig::http_options`).
#[derive(Debug, Clone)]
pub(crate) struct Options {
    /// Threads running the handler.
    pub(crate) workers: usize,
    /// Largest request body; larger ones get 413.
    pub(crate) max_body_bytes: usize,
    /// Most connections open at once; beyond it the longest-waiting one is closed.
    pub(crate) max_connections: usize,
    /// Time for a request head, from accept or from its first byte after a response.
    pub(crate) head_timeout: Duration,
    /// Time for a body, extended by a second per `body_min_rate_bytes` received.
    pub(crate) body_timeout: Duration,
    pub(crate) body_min_rate_bytes: usize,
    /// Time a keep-alive connection may wait for its next request.
    pub(crate) idle_timeout: Duration,
    /// Time a response may make no progress while being written.
    pub(crate) write_timeout: Duration,
    /// Most bytes of requests held in memory while being read, over every connection; past
    /// it the largest partial bodies are refused with 503.
    pub(crate) body_memory_bytes: usize,
    /// The routes that take file uploads and their larger body limit; `None`: no uploads.
    pub(crate) uploads: Option<UploadLimit>,
}

/// A larger body limit for the few routes that take a file (`[complaints]
/// attachment_max_bytes`); every other route keeps `max_body_bytes`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct UploadLimit {
    /// Whether a (decoded) path is an upload route; the router owns the answer.
    pub(crate) is_upload: fn(&str) -> bool,
    pub(crate) max_bytes: usize,
}

impl Options {
    /// The largest body a request to `path` may send.
    pub(crate) fn body_limit(&self, path: &str) -> usize {
        match self.uploads {
            Some(u) if (u.is_upload)(path) => u.max_bytes,
            _ => self.max_body_bytes,
        }
    }
}

impl Server {
    /// Binds the address and starts the event loop and the workers.
    pub(crate) fn start(
        addr: &str,
        options: Options,
        handler: Arc<Handler>,
        rejection: Arc<RejectionPage>,
        shutdown: Arc<AtomicBool>,
    ) -> Result<Server, StartError> {
        let bind_error = |source: std::io::Error| match source.kind() {
            std::io::ErrorKind::AddrInUse => StartError::InUse {
                addr: addr.to_owned(),
            },
            _ => StartError::Bind {
                addr: addr.to_owned(),
                source,
            },
        };
        let listener = TcpListener::bind(addr).map_err(bind_error)?;
        let local = listener.local_addr().map_err(bind_error)?;
        let running = event_loop::start(listener, options, handler, rejection, shutdown)
            .map_err(|e| StartError::Other(e.to_string()))?;
        Ok(Server {
            addr: local,
            running,
        })
    }

    /// Waits for the requests in flight to be answered and the threads to end; call after
    /// setting the shutdown flag. Returns `false` when the listener had stopped by itself
    /// (the shutdown was not asked for).
    pub(crate) fn join(self) -> bool {
        if self.running.thread.join().is_err() {
            error!("the HTTP event loop ended by panic");
            return false;
        }
        !self.running.failed.load(Ordering::SeqCst)
    }
}

/// A `next=` or `back=` target if it is a path on this site, else the start page: no open
/// redirects, and nothing that could end a header line.
///
/// A local target starts with one `/` followed by neither `/` nor `\`, is printable ASCII
/// (what a `Location` may carry), and stays so after percent-decoding (browsers decode, so
/// `/%09/host` would be read as `//host`): no control character, whitespace or backslash.
pub(crate) fn local_path(next: &str) -> &str {
    fn stays_here(path: &str) -> bool {
        path.starts_with('/')
            && !path[1..].starts_with(['/', '\\'])
            && !path
                .chars()
                .any(|c| c.is_control() || c.is_whitespace() || c == '\\')
    }
    let decoded = form::percent_decode(next);
    if next.bytes().all(|b| b.is_ascii_graphic())
        && stays_here(next)
        && decoded.is_ok_and(|d| stays_here(&d))
    {
        next
    } else {
        "/"
    }
}

#[cfg(test)]
mod local_path_tests {
    use super::*;

    #[test]
    fn next_targets_stay_on_this_site() {
        assert_eq!(local_path("/staff"), "/staff");
        assert_eq!(local_path("//evil.example"), "/");
        assert_eq!(local_path("https://evil.example"), "/");
        assert_eq!(local_path("/\\evil.example"), "/");
        assert_eq!(local_path(""), "/");
        assert_eq!(local_path("/\r\nSet-Cookie: a=b"), "/");
        assert_eq!(local_path("/\t/evil.example"), "/");
        assert_eq!(local_path("/%09/evil.example"), "/");
        assert_eq!(local_path("/%2F/evil.example"), "/");
        assert_eq!(local_path("/%5Cevil.example"), "/");
        assert_eq!(local_path("/a b"), "/");
        assert_eq!(local_path("/caf\u{e9}"), "/");
        assert_eq!(local_path("/%zz"), "/");
        assert_eq!(local_path("/my/loans?tab=closed"), "/my/loans?tab=closed");
        assert_eq!(
            local_path("/staff/customers?q=Jos%C3%A9"),
            "/staff/customers?q=Jos%C3%A9"
        );
        assert_eq!(local_path("/"), "/");
    }
}
