//! Test fixtures: the real `pawnbranch` binary started on an ephemeral port with a temporary
//! data directory, and a small HTTP/1.1 client with a cookie jar that can also send malformed
//! requests on purpose.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The binary under test.
pub fn binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_pawnbranch"))
}

/// A `pawnbranch` command with a data directory and a clean environment. A head office data
/// directory marked for PostgreSQL ([`HqStore::Postgres`]) gets its `[hq] database` too, so
/// every command and restart on it uses the same store.
pub fn command(data_dir: &Path) -> Command {
    let mut cmd = Command::new(binary());
    cmd.arg("--data-dir").arg(data_dir);
    for (key, _) in std::env::vars() {
        if key.starts_with("PAWNBRANCH_") {
            cmd.env_remove(key);
        }
    }
    if let Some(url) = HqStore::postgres_url_of(data_dir) {
        cmd.env("PAWNBRANCH_HQ_DATABASE", url);
    }
    cmd
}

#[path = "../support/postgres_server.rs"]
mod postgres_server;

/// Head office's store in a test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HqStore {
    /// `hq.sqlite` in the data directory.
    Sqlite,
    /// A new database on the test run's PostgreSQL server.
    Postgres,
}

/// The file in a head office data directory that names its test PostgreSQL database.
const POSTGRES_MARK: &str = "test-hq-database.url";

impl HqStore {
    /// Sets up this store for head office's data directory `dir`.
    pub fn prepare(self, dir: &Path) {
        if self == HqStore::Postgres {
            let url = postgres_server::new_database();
            std::fs::write(dir.join(POSTGRES_MARK), url).expect("mark the data directory");
        }
    }

    /// The PostgreSQL database of a head office data directory, if it has one.
    fn postgres_url_of(dir: &Path) -> Option<String> {
        std::fs::read_to_string(dir.join(POSTGRES_MARK)).ok()
    }
}

/// A value read from head office's database.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Null,
    Int(i64),
    Text(String),
    Bytes(Vec<u8>),
}

impl Cell {
    pub fn int(&self) -> i64 {
        match self {
            Cell::Int(i) => *i,
            other => panic!("not an integer: {other:?}"),
        }
    }

    pub fn text(&self) -> Option<String> {
        match self {
            Cell::Null => None,
            Cell::Text(t) => Some(t.clone()),
            other => panic!("not text: {other:?}"),
        }
    }
}

/// Head office's database as a test reads it, whichever the store.
pub enum HqDb {
    Sqlite(rusqlite::Connection),
    Postgres(postgres::Client),
}

impl HqDb {
    /// The database of the head office running in `dir`.
    pub fn open(dir: &Path) -> HqDb {
        match HqStore::postgres_url_of(dir) {
            Some(url) => {
                HqDb::Postgres(postgres::Client::connect(&url, postgres::NoTls).expect("connect"))
            }
            None => HqDb::Sqlite(open_db(&dir.join("hq.sqlite"))),
        }
    }

    /// Every row a query (in SQL both stores accept) answers.
    pub fn query(&mut self, sql: &str) -> Vec<Vec<Cell>> {
        match self {
            HqDb::Sqlite(conn) => {
                let mut stmt = conn.prepare(sql).expect("prepare");
                let columns = stmt.column_count();
                stmt.query_map([], |r| {
                    (0..columns)
                        .map(|i| {
                            Ok(match r.get_ref(i)? {
                                rusqlite::types::ValueRef::Null => Cell::Null,
                                rusqlite::types::ValueRef::Integer(i) => Cell::Int(i),
                                rusqlite::types::ValueRef::Real(f) => Cell::Text(f.to_string()),
                                rusqlite::types::ValueRef::Text(t) => {
                                    Cell::Text(String::from_utf8_lossy(t).into_owned())
                                }
                                rusqlite::types::ValueRef::Blob(b) => Cell::Bytes(b.to_vec()),
                            })
                        })
                        .collect()
                })
                .expect("query")
                .map(Result::unwrap)
                .collect()
            }
            HqDb::Postgres(client) => client
                .query(sql, &[])
                .expect("query")
                .iter()
                .map(|row| (0..row.len()).map(|i| pg_cell(row, i)).collect())
                .collect(),
        }
    }

    /// The one integer a query answers.
    pub fn int(&mut self, sql: &str) -> i64 {
        self.query(sql)[0][0].int()
    }
}

fn pg_cell(row: &postgres::Row, i: usize) -> Cell {
    use postgres::types::Type;
    let ty = row.columns()[i].type_().clone();
    let cell = if ty == Type::INT8 {
        row.get::<_, Option<i64>>(i).map(Cell::Int)
    } else if ty == Type::INT4 {
        row.get::<_, Option<i32>>(i).map(|v| Cell::Int(v.into()))
    } else if ty == Type::BOOL {
        row.get::<_, Option<bool>>(i).map(|v| Cell::Int(v.into()))
    } else if ty == Type::BYTEA {
        row.get::<_, Option<Vec<u8>>>(i).map(Cell::Bytes)
    } else if ty == Type::TIMESTAMPTZ {
        row.get::<_, Option<chrono::DateTime<chrono::Utc>>>(i)
            .map(|t| Cell::Text(t.to_rfc3339()))
    } else {
        row.get::<_, Option<String>>(i).map(Cell::Text)
    };
    cell.unwrap_or(Cell::Null)
}

/// Runs a `pawnbranch` command that reads a password on standard input (`--password-stdin`),
/// and returns what it printed and how it ended.
pub fn with_password(data_dir: &Path, args: &[&str], password: &str) -> std::process::Output {
    let mut child = command(data_dir)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start pawnbranch");
    writeln!(child.stdin.take().expect("stdin"), "{password}").expect("write the password");
    child.wait_with_output().expect("wait for pawnbranch")
}

/// Opens a database file as the tests read a running server's: waiting for its writers.
pub fn open_db(path: &Path) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(path).expect("open the database");
    conn.busy_timeout(Duration::from_secs(10))
        .expect("busy timeout");
    conn
}

/// Head office with branch BR01 (called `name`) registered; returns it with BR01's credential.
pub fn head_office_with_branch(name: &str) -> (Server, String) {
    head_office_on(HqStore::Sqlite, name)
}

/// Head office on `store` with branch BR01 (called `name`) registered; returns it with
/// BR01's credential.
pub fn head_office_on(store: HqStore, name: &str) -> (Server, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    store.prepare(dir.path());
    let out = command(dir.path())
        .args(["hq", "branch", "add", "BR01", name])
        .output()
        .expect("hq branch add");
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

/// A running server; stopped (SIGTERM, then SIGKILL) when dropped.
pub struct Server {
    pub addr: SocketAddr,
    pub dir: tempfile::TempDir,
    child: Option<Child>,
    pub stdout: Arc<Mutex<Vec<String>>>,
    pub stderr: Arc<Mutex<Vec<String>>>,
}

/// How to start a server.
#[derive(Default)]
pub struct Options {
    pub demo: bool,
    /// Start with a clock the test can move (`Server::advance_clock`).
    pub movable_clock: bool,
    pub env: Vec<(String, String)>,
    pub data_dir: Option<tempfile::TempDir>,
    /// Run head office (`hq serve`) instead of a branch.
    pub head_office: bool,
    /// A configuration file (`--config`).
    pub config: Option<PathBuf>,
}

impl Server {
    /// The demo branch on a fresh data directory.
    pub fn demo() -> Server {
        Server::start(Options {
            demo: true,
            ..Options::default()
        })
    }

    /// Starts the binary and waits for its "listening on" line.
    pub fn start(options: Options) -> Server {
        let dir = options
            .data_dir
            .unwrap_or_else(|| tempfile::tempdir().expect("tempdir"));
        let mut cmd = command(dir.path());
        if options.head_office {
            cmd.arg("hq");
        }
        cmd.arg("serve").arg("--listen").arg("127.0.0.1:0");
        if let Some(config) = &options.config {
            cmd.arg("--config").arg(config);
        }
        if options.demo {
            cmd.arg("--demo");
        }
        if options.movable_clock {
            cmd.arg("--clock-file").arg(dir.path().join("clock-shift"));
        }
        for (k, v) in &options.env {
            cmd.env(k, v);
        }
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn pawnbranch");
        let stdout = Arc::new(Mutex::new(Vec::new()));
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        let out = child.stdout.take().expect("stdout");
        let lines = Arc::clone(&stdout);
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                if let Some(addr) = line.split("listening on http://").nth(1) {
                    let _ = tx.send(addr.trim().to_owned());
                }
                lines.lock().unwrap().push(line);
            }
        });
        let err = child.stderr.take().expect("stderr");
        let lines = Arc::clone(&stderr);
        std::thread::spawn(move || {
            for line in BufReader::new(err).lines().map_while(Result::ok) {
                lines.lock().unwrap().push(line);
            }
        });
        let addr = match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(a) => a.parse().expect("address"),
            Err(_) => {
                let _ = child.kill();
                panic!("server did not start; stderr: {:?}", stderr.lock().unwrap());
            }
        };
        Server {
            addr,
            dir,
            child: Some(child),
            stdout,
            stderr,
        }
    }

    /// The process id of the running server.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("running").id()
    }

    /// A client for this server with an empty cookie jar.
    pub fn client(&self) -> Client {
        Client {
            addr: self.addr,
            cookies: BTreeMap::new(),
        }
    }

    /// Moves the server's clock forward (needs `Options::movable_clock`).
    pub fn advance_clock(&self, seconds: i64) {
        let file = self.dir.path().join("clock-shift");
        let now: i64 = std::fs::read_to_string(&file)
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(0);
        std::fs::write(&file, (now + seconds).to_string()).unwrap();
    }

    /// Kills the process (SIGKILL) and starts it again on the same data directory with the
    /// same options (on a new port).
    pub fn restart_after_kill(&mut self, options: Options) {
        self.kill();
        let dir = std::mem::replace(&mut self.dir, tempfile::tempdir().expect("tempdir"));
        *self = Server::start(Options {
            data_dir: Some(dir),
            ..options
        });
    }

    /// Kills the process at once (SIGKILL), as a power cut or crash would.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Sends SIGTERM and waits for the exit status.
    pub fn terminate(&mut self) -> ExitStatus {
        let mut child = self.child.take().expect("running");
        signal(&child, "TERM");
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = child.try_wait().expect("wait") {
                return status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("server did not stop within 20 s of SIGTERM");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            signal(&child, "TERM");
            std::thread::sleep(Duration::from_millis(50));
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Sends a signal with kill(1).
pub fn signal(child: &Child, name: &str) {
    let _ = Command::new("kill")
        .arg(format!("-{name}"))
        .arg(child.id().to_string())
        .status();
}

/// An HTTP response.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// The body as received (`body` is its lossy UTF-8 reading).
    pub bytes: Vec<u8>,
}

impl Response {
    /// The first value of a header (case-insensitive name).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Every value of a header.
    pub fn headers_named(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The value of the hidden CSRF field in the page.
    pub fn csrf(&self) -> String {
        hidden_value(&self.body, "csrf")
            .unwrap_or_else(|| panic!("no csrf field in page: {}", self.body))
    }
}

/// The value of the `<input>` named `name` in HTML (whatever the order of its attributes).
pub fn hidden_value(html: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\"");
    let at = html.find(&marker)?;
    let tag_start = html[..at].rfind('<')?;
    let tag_end = at + html[at..].find('>')?;
    let tag = &html[tag_start..tag_end];
    let start = tag.find("value=\"")? + "value=\"".len();
    let end = tag[start..].find('"')? + start;
    Some(
        tag[start..end]
            .replace("&amp;", "&")
            .replace("&quot;", "\"")
            .replace("&lt;", "<")
            .replace("&gt;", ">"),
    )
}

/// A browser-like client: one connection per request, a cookie jar, no redirects followed.
#[derive(Clone)]
pub struct Client {
    pub addr: SocketAddr,
    pub cookies: BTreeMap<String, String>,
}

impl Client {
    pub fn get(&mut self, path: &str) -> Response {
        self.request("GET", path, &[], b"")
    }

    /// Posts a form (values are percent-encoded here).
    pub fn post_form(&mut self, path: &str, fields: &[(&str, &str)]) -> Response {
        let body = fields
            .iter()
            .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        self.request(
            "POST",
            path,
            &[("Content-Type", "application/x-www-form-urlencoded")],
            body.as_bytes(),
        )
    }

    /// Gets a page with a form, then posts the form with its CSRF token and `fields`.
    pub fn submit(&mut self, form_page: &str, action: &str, fields: &[(&str, &str)]) -> Response {
        let page = self.get(form_page);
        assert_eq!(page.status, 200, "GET {form_page}: {}", page.body);
        let csrf = page.csrf();
        let mut all = vec![("csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        self.post_form(action, &all)
    }

    /// Sends a request and reads the whole response.
    pub fn request(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Response {
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n",
            self.addr
        );
        if !self.cookies.is_empty() {
            let jar = self
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; ");
            head.push_str(&format!("Cookie: {jar}\r\n"));
        }
        for (k, v) in headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
        let mut raw = head.into_bytes();
        raw.extend_from_slice(body);
        let response = raw_exchange(self.addr, &raw);
        for value in response.headers_named("set-cookie") {
            let pair = value.split(';').next().unwrap_or("");
            if let Some((k, v)) = pair.split_once('=') {
                if v.is_empty() || value.contains("Max-Age=0") {
                    self.cookies.remove(k);
                } else {
                    self.cookies.insert(k.to_owned(), v.to_owned());
                }
            }
        }
        response
    }

    /// Signs in and expects success.
    pub fn sign_in(&mut self, username: &str, password: &str) {
        let r = self.submit(
            "/staff/login",
            "/staff/login",
            &[("username", username), ("password", password)],
        );
        assert_eq!(r.status, 303, "sign-in as {username} failed: {}", r.body);
        assert!(self.cookies.contains_key("pb_staff"));
        self.open_drawer();
    }

    /// Signs in and leaves the cash drawer as it is (for the tests of drawers themselves).
    pub fn sign_in_without_drawer(&mut self, username: &str, password: &str) {
        let r = self.submit(
            "/staff/login",
            "/staff/login",
            &[("username", username), ("password", password)],
        );
        assert_eq!(r.status, 303, "sign-in as {username} failed: {}", r.body);
    }

    /// Opens the signed-in member's cash drawer with no float, as a clerk does before the
    /// first cash movement, unless one is open already or the role keeps none (403).
    pub fn open_drawer(&mut self) {
        let page = self.get("/staff/drawer");
        if page.status == 403 {
            return;
        }
        assert_eq!(page.status, 200, "the drawer page: {}", page.body);
        if page.body.contains("id=\"drawer-open\"") {
            let csrf = page.csrf();
            let r = self.post_form("/staff/drawer/open", &[("csrf", &csrf), ("float", "0")]);
            assert_eq!(r.status, 303, "opening the drawer: {}", r.body);
        }
    }
}

/// Writes raw bytes and parses the response (the connection must close after it).
pub fn raw_exchange(addr: SocketAddr, raw: &[u8]) -> Response {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    // A server may answer before reading the whole body (413): ignore a reset while writing.
    let _ = stream.write_all(raw);
    let mut bytes = Vec::new();
    let _ = stream.read_to_end(&mut bytes);
    parse_response(&bytes)
}

/// Parses a complete HTTP/1.1 response with a Content-Length (or read to close).
pub fn parse_response(bytes: &[u8]) -> Response {
    let text_end = bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("incomplete response: {:?}", String::from_utf8_lossy(bytes)));
    let head = String::from_utf8_lossy(&bytes[..text_end]).into_owned();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or("");
    let status = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status");
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| {
            l.split_once(':')
                .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        })
        .collect();
    let body = &bytes[text_end + 4..];
    let length = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse::<usize>().ok());
    if let Some(n) = length {
        assert!(
            body.len() >= n,
            "truncated body: {} of {n} bytes",
            body.len()
        );
    }
    let bytes = body[..length.unwrap_or(body.len())].to_vec();
    let body = String::from_utf8_lossy(&bytes).into_owned();
    Response {
        status,
        headers,
        body,
        bytes,
    }
}

/// Percent-encodes a form value.
pub fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                char::from(b).to_string()
            }
            b' ' => "+".to_owned(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Demo account passwords, as printed by `serve --demo`.
pub const ADMIN: (&str, &str) = ("admin", "demo-admin-pass");
pub const MANAGER: (&str, &str) = ("manager", "demo-manager-pass");
pub const CLERK: (&str, &str) = ("clerk", "demo-clerk-pass");
pub const AGENT: (&str, &str) = ("agent", "demo-agent-pass");

/// The first record id (a 26-character ULID) after `prefix` in a page, skipping links such as
/// `/staff/customers/new`.
pub fn id_after(html: &str, prefix: &str) -> String {
    html.split(prefix)
        .skip(1)
        .filter_map(|rest| rest.get(..26))
        .find(|id| {
            id.bytes()
                .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
        })
        .unwrap_or_else(|| panic!("no id after {prefix} in {html}"))
        .to_owned()
}

/// An ISO date ("2026-12-01") as the pages write it in a language ("1 Dec 2026", "1 Des 2026"),
/// worked out here independently of the program.
pub fn reader_date(iso: &str, lang: &str) -> String {
    let months = match lang {
        "id" => [
            "Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des",
        ],
        _ => [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ],
    };
    let parts: Vec<usize> = iso
        .split('-')
        .map(|p| p.parse().expect("an ISO date"))
        .collect();
    format!("{} {} {}", parts[2], months[parts[1] - 1], parts[0])
}

/// Runs a scenario on both of head office's stores: `on_both_stores!(name)` for
/// `fn name(store: HqStore)` makes the tests `name::sqlite` and `name::postgres`.
macro_rules! on_both_stores {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[test]
            fn sqlite() {
                super::$name($crate::util::HqStore::Sqlite);
            }
            #[test]
            fn postgres() {
                super::$name($crate::util::HqStore::Postgres);
            }
        }
    )*};
}
pub(crate) use on_both_stores;
