//! The test run's PostgreSQL server, for head office's PostgreSQL store: one server per test
//! process, started on first use from Debian's `postgresql` package (`cargo xtask test`
//! installs it where missing), `initdb` in a temporary directory, a free loopback port,
//! trust authentication for loopback only; each test gets a new database on it
//! ([`new_database`]). As root the server runs as the `postgres` user (`initdb` refuses root).
//! A small watcher stops the server and removes its directory once the test process is gone,
//! so a test run that ends, fails or is killed leaves nothing behind.
//!
//! This file is compiled into the unit tests (`hq::store::testing`) and the integration tests
//! (`tests/it/util.rs`) alike.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// The server's role, owner of every test database.
const ROLE: &str = "pawnbranch";
/// How long the server may take to accept connections.
const START_WITHIN: Duration = Duration::from_secs(60);

/// The running server of this test process.
struct PgServer {
    port: u16,
}

/// The directory of the newest installed PostgreSQL's programs (or `PAWNBRANCH_TEST_PG_BIN`).
fn bin_dir() -> PathBuf {
    if let Ok(dir) = std::env::var("PAWNBRANCH_TEST_PG_BIN") {
        return PathBuf::from(dir);
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let version = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin).unwrap_or_else(|| {
        panic!(
            "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): \
             run `cargo xtask install-test-tools` (it installs Debian's postgresql package)"
        )
    })
}

/// The user the server runs as: `None` for the current one, else (as root) `postgres`, or
/// `nobody` where there is no `postgres` user.
fn server_user() -> Option<String> {
    let uid = Command::new("id").arg("-u").output().ok()?;
    if String::from_utf8_lossy(&uid.stdout).trim() != "0" {
        return None;
    }
    let has_postgres = Command::new("id")
        .arg("postgres")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    Some(if has_postgres { "postgres" } else { "nobody" }.to_owned())
}

/// `program args...`, run as `user` when there is one.
fn as_user(user: Option<&str>, program: &Path) -> Command {
    match user {
        Some(user) => {
            let mut cmd = Command::new("runuser");
            cmd.args(["-u", user, "--"]).arg(program);
            cmd
        }
        None => Command::new(program),
    }
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free loopback port");
    listener.local_addr().expect("its address").port()
}

impl PgServer {
    fn start() -> PgServer {
        let bin = bin_dir();
        let user = server_user();
        // Kept (not removed on drop): the watcher removes it after the server stops.
        let dir = tempfile::Builder::new()
            .prefix("pawnbranch-pg-")
            .tempdir()
            .expect("the server's directory")
            .keep();
        if let Some(user) = &user {
            let chown = Command::new("chown").arg(user).arg(&dir).status();
            assert!(
                chown.is_ok_and(|s| s.success()),
                "chown {user} {}",
                dir.display()
            );
        }
        let data = dir.join("data");
        let out = as_user(user.as_deref(), &bin.join("initdb"))
            .arg("-D")
            .arg(&data)
            .args([
                "-U",
                ROLE,
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ])
            .output()
            .expect("run initdb");
        assert!(
            out.status.success(),
            "initdb failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let port = free_port();
        // The watcher: the server runs until this test process is gone, then stops (fast
        // shutdown) and its directory goes. /proc is read, not signalled: the server's user
        // may not signal a root process.
        let script = format!(
            "\"$0\" -D \"$1\" -p {port} -k \"$2\" -c listen_addresses=127.0.0.1 -c fsync=off \
             -c synchronous_commit=off -c full_page_writes=off -c max_connections=400 \
             >\"$2/server.log\" 2>&1 & pg=$!; \
             while [ -d /proc/{parent} ] && kill -0 $pg 2>/dev/null; do sleep 1; done; \
             kill -INT $pg 2>/dev/null; wait $pg; rm -rf \"$2\"",
            parent = std::process::id()
        );
        let mut watcher = as_user(user.as_deref(), Path::new("/bin/sh"))
            .arg("-c")
            .arg(script)
            .arg(bin.join("postgres"))
            .arg(&data)
            .arg(&dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start postgres");
        std::thread::spawn(move || watcher.wait());
        let server = PgServer { port };
        server.wait_until_ready(&dir);
        server
    }

    fn url(&self, database: &str) -> String {
        format!("postgres://{ROLE}@127.0.0.1:{}/{database}", self.port)
    }

    fn connect(&self, database: &str) -> Result<postgres::Client, postgres::Error> {
        postgres::Client::connect(&self.url(database), postgres::NoTls)
    }

    fn wait_until_ready(&self, dir: &Path) {
        let deadline = Instant::now() + START_WITHIN;
        loop {
            match self.connect("postgres") {
                Ok(_) => return,
                Err(e) if Instant::now() > deadline => panic!(
                    "PostgreSQL did not start within {START_WITHIN:?}: {e}; its log: {}",
                    std::fs::read_to_string(dir.join("server.log")).unwrap_or_default()
                ),
                Err(_) => std::thread::sleep(Duration::from_millis(100)),
            }
        }
    }
}

/// A new empty database on the test run's server (started on first use); returns its URL.
pub fn new_database() -> String {
    static SERVER: OnceLock<PgServer> = OnceLock::new();
    static NEXT: AtomicU32 = AtomicU32::new(1);
    let server = SERVER.get_or_init(PgServer::start);
    let name = format!(
        "t{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::SeqCst)
    );
    // One at a time: each copies template1, which must have no other user meanwhile.
    static CREATING: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _one = CREATING
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut admin = server
        .connect("postgres")
        .expect("connect to the test server");
    admin
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .expect("create the test database");
    server.url(&name)
}
