//! `cargo xtask`: the project's own tasks, in Rust so they need nothing but cargo.
//!
//! `cargo xtask layers` prints the import cycles between the crate's top-level modules
//! ([`layers`]).
//!
//! `cargo xtask test [ARGS]` is the README's test command. On a fresh Debian machine with only
//! Rust it first installs what the tests use that cargo does not bring: Debian's Chromium and
//! ChromeDriver (the browser tests drive a real headless Chromium) and PostgreSQL (head
//! office's PostgreSQL store is tested on a server the tests start). Everything else the tests
//! start is a Rust crate (the SMTP server on loopback, the modem simulator) or the binary
//! itself. Then it checks the layers (no import cycle between top-level modules, as
//! `cargo xtask layers` prints them) and runs `cargo test --locked ARGS`. Installing needs
//! root (or passwordless sudo); otherwise it says which packages to install and stops.

mod layers;

use std::path::Path;
use std::process::{Command, ExitCode};

/// The Debian packages the tests need, with the program each one brings.
const PACKAGES: [(&str, &str); 3] = [
    ("chromium", "chromium"),
    ("chromium-driver", "chromedriver"),
    // Its programs are not on PATH but in /usr/lib/postgresql/VERSION/bin.
    ("postgresql", "initdb"),
];

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    match args.next().as_deref() {
        Some("test") => test(&args.collect::<Vec<_>>()),
        Some("layers") => match layers::run() {
            Ok(true) => ExitCode::SUCCESS,
            Ok(false) => ExitCode::FAILURE,
            Err(e) => fail(&e),
        },
        Some("install-test-tools") => match install_test_tools() {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => fail(&e),
        },
        _ => {
            eprintln!(
                "usage: cargo xtask test [ARGS for cargo test]\n       \
                 cargo xtask install-test-tools\n       \
                 cargo xtask layers"
            );
            ExitCode::from(2)
        }
    }
}

/// Installs what the tests need, then runs them.
fn test(args: &[String]) -> ExitCode {
    if let Err(e) = install_test_tools() {
        return fail(&e);
    }
    match layers::run() {
        Ok(true) => {}
        Ok(false) => return fail("the modules above have an import cycle: the layers must not"),
        Err(e) => return fail(&e),
    }
    let status = Command::new(cargo())
        .args(["test", "--locked"])
        .args(args)
        .status();
    match status {
        Ok(s) if s.success() => ExitCode::SUCCESS,
        Ok(s) => ExitCode::from(u8::try_from(s.code().unwrap_or(1)).unwrap_or(1)),
        Err(e) => fail(&format!("cannot run cargo test: {e}")),
    }
}

/// Installs the missing packages with apt-get (as root, or through sudo).
fn install_test_tools() -> Result<(), String> {
    let missing: Vec<&str> = PACKAGES
        .iter()
        .filter(|(_, program)| !installed(program))
        .map(|(package, _)| *package)
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let sudo = if is_root() {
        None
    } else if find_program("sudo").is_some() {
        Some("sudo")
    } else {
        return Err(format!(
            "the tests need the Debian packages {}; install them as root: apt-get install {}",
            missing.join(", "),
            missing.join(" ")
        ));
    };
    eprintln!("xtask: installing {} for the tests", missing.join(", "));
    apt(sudo, &["update", "-qq"])?;
    let mut install = vec!["install", "-y", "-qq", "--no-install-recommends"];
    install.extend(&missing);
    apt(sudo, &install)?;
    match PACKAGES.iter().find(|(_, p)| !installed(p)) {
        Some((package, program)) => Err(format!(
            "{package} was installed but `{program}` is not on PATH nor in /usr/lib/postgresql"
        )),
        None => Ok(()),
    }
}

/// Runs apt-get non-interactively.
fn apt(sudo: Option<&str>, args: &[&str]) -> Result<(), String> {
    let mut command = match sudo {
        Some(sudo) => {
            let mut c = Command::new(sudo);
            c.arg("apt-get");
            c
        }
        None => Command::new("apt-get"),
    };
    let status = command
        .args(args)
        .env("DEBIAN_FRONTEND", "noninteractive")
        .status()
        .map_err(|e| format!("cannot run apt-get: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("apt-get {} failed ({status})", args.join(" ")))
    }
}

/// Whether a program is on PATH or among an installed PostgreSQL's.
fn installed(program: &str) -> bool {
    find_program(program).is_some()
        || std::fs::read_dir("/usr/lib/postgresql")
            .into_iter()
            .flatten()
            .flatten()
            .any(|version| version.path().join("bin").join(program).is_file())
}

/// The full path of a program on PATH.
fn find_program(name: &str) -> Option<std::path::PathBuf> {
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|dir| dir.join(name))
        .find(|path| path.is_file())
}

/// Whether this process runs as root (its /proc status says user id 0).
fn is_root() -> bool {
    std::fs::read_to_string(Path::new("/proc/self/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(1).map(|uid| uid == "0"))
        })
        .unwrap_or(false)
}

/// The cargo that runs this task.
fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned())
}

fn fail(message: &str) -> ExitCode {
    eprintln!("xtask: {message}");
    ExitCode::FAILURE
}
