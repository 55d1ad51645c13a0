//! `pawnbranch bench sms`: the SMS path and the one-time codes, measured end to end.
//!
//! The real server runs as a child process (`serve --demo` on a throw-away data directory)
//! with the modem simulator of `sms::simulator` on a pseudo-terminal as its modem, answering at
//! once (it still waits 20 ms before the `> ` prompt, as real modems do, and the driver waits
//! for it). Messages are queued straight into the server's outbox through this process's own
//! `sms::outbox::enqueue`, as any feature's transaction queues them, and the simulator records
//! when each AT command and each whole message arrived. Measured:
//!
//! 1. messages per second through the whole path (outbox, sender thread, AT driver, pty,
//!    simulator), with a backlog of `--messages` notices;
//! 2. with 1,000 reminders queued, the time from queueing a one-time code to the `AT+CMGS`
//!    that sends it;
//! 3. the time from a customer's "Send code" (the HTTP POST) to the code's `AT+CMGS`;
//! 4. code checks per second: `otp::check_code` with the right code, each in its own committed
//!    transaction, as the portal does;
//! 5. with several modems (`bench/sms_modems.rs`): one modem against two whose sends take
//!    200 ms, a code's wait while both are busy, and a failover with one unplugged mid-send.

use crate::plumbing::clock::Clock as _;
use std::path::Path;
use std::time::{Duration, Instant};

use super::{Connection, TempDir, get_request, hidden_field, post_form_request, start_server};
use crate::customers::{self, NewCustomer};
use crate::otp::{self, Codes, Purpose, Requester, Rules};
use crate::plumbing::crypto::InstallationKey;
use crate::plumbing::db::{self, DB_FILE};
use crate::plumbing::http::form::percent_encode;
use crate::plumbing::phone::{self, E164};
use crate::sms::outbox::{self, Kind, NewSms};
use crate::sms::simulator::{SimConfig, Simulator};

/// The flags of `pawnbranch bench sms`.
#[derive(Debug, clap::Args)]
pub(crate) struct SmsBenchArgs {
    /// Messages in the throughput run.
    #[arg(long, default_value_t = 300, value_parser = clap::value_parser!(u32).range(10..=100_000))]
    messages: u32,
    /// Code checks in the check-rate run.
    #[arg(long, default_value_t = 2000, value_parser = clap::value_parser!(u32).range(10..=1_000_000))]
    checks: u32,
}

/// The first demo customer's phone number (see `demo.rs`).
const DEMO_PHONE: &str = "081210000000";
/// Where bench messages go.
const RECIPIENT: &str = "081299998888";
/// How long any one wait may take before the benchmark gives up.
pub(super) const WAIT: Duration = Duration::from_secs(120);

/// Runs the SMS benchmark and prints its report.
pub(crate) fn run(args: &SmsBenchArgs) -> Result<(), String> {
    let dir = TempDir::create()?;
    let link = dir.path.join("modem");
    let sim = Simulator::start(
        &link,
        SimConfig {
            echo: false,
            ..SimConfig::default()
        },
    )
    .map_err(|e| format!("cannot start the modem simulator: {e}"))?;
    let data = dir.path.join("data");
    let env = [
        ("PAWNBRANCH_MODEM_DEVICE", link.display().to_string()),
        ("PAWNBRANCH_MODEM_BULK_INTERVAL_MS", "0".to_owned()),
    ];
    let server = start_server(&data, &env)?;
    wait_connected(server.started.addr)?;

    let throughput = throughput(&data, &sim, args.messages)?;
    let behind_backlog = code_behind_reminders(&data, &sim)?;
    let send_code = send_code_to_cmgs(server.started.addr, &sim)?;
    server.stop()?;
    let checks = check_rate(&dir.path.join("checks"), args.checks)?;
    let modems = super::sms_modems::run(&dir.path.join("modems"))?;

    println!(
        "pawnbranch {} SMS benchmark (release build)",
        env!("CARGO_PKG_VERSION")
    );
    println!("  path: outbox -> sender thread -> AT driver -> pseudo-terminal -> modem simulator");
    println!(
        "  the simulator answers at once, after the 20 ms before its > prompt (as real modems)"
    );
    println!();
    println!("| measure | value |");
    println!("|---|---:|");
    println!(
        "| messages per second through the whole path ({} messages) | {throughput:.1} |",
        args.messages
    );
    println!(
        "| code queued behind 1,000 reminders: until its AT+CMGS | {} |",
        millis(behind_backlog)
    );
    println!(
        "| portal \"Send code\" (HTTP POST) until the code's AT+CMGS | {} |",
        millis(send_code)
    );
    println!(
        "| code checks per second ({} checks, each committed) | {checks:.0} |",
        args.checks
    );
    super::sms_modems::print(&modems);
    Ok(())
}

/// Milliseconds with two decimals.
pub(super) fn millis(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

/// Waits until `/healthz` says the modem is connected.
pub(super) fn wait_connected(addr: std::net::SocketAddr) -> Result<(), String> {
    let deadline = Instant::now() + WAIT;
    while Instant::now() < deadline {
        let reply = Connection::open(addr)?.exchange(&get_request("/healthz", None))?;
        if String::from_utf8_lossy(&reply.body).contains("\"state\":\"connected\"") {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Err("the server never connected to the modem simulator".to_owned())
}

/// Queues messages straight into the server's outbox, in one transaction.
pub(super) fn queue(
    data: &Path,
    kind: Kind,
    texts: &[String],
    expires: bool,
) -> Result<(), String> {
    let mut conn = rusqlite::Connection::open(data.join(DB_FILE)).map_err(|e| e.to_string())?;
    conn.busy_timeout(Duration::from_secs(10))
        .map_err(|e| e.to_string())?;
    let to = phone::normalise(RECIPIENT, "ID").map_err(|e| e.to_string())?;
    let tx = db::immediate(&mut conn).map_err(|e| e.to_string())?;
    let now = crate::plumbing::clock::SystemClock.now();
    let expires_at = expires.then(|| now + chrono::Duration::minutes(5));
    for text in texts {
        let sms = NewSms {
            to: &to,
            text,
            kind,
            expires_at,
            customer: None,
        };
        outbox::enqueue(&tx, &sms, now).map_err(|e| e.to_string())?;
    }
    tx.commit().map_err(|e| e.to_string())
}

/// Waits until the simulator has `count` messages.
pub(super) fn wait_received(sim: &Simulator, count: usize) -> Result<(), String> {
    let got = sim.wait_for(count, WAIT).len();
    if got < count {
        Err(format!(
            "only {got} of {count} messages reached the simulator"
        ))
    } else {
        Ok(())
    }
}

/// Messages per second with `n` queued at once. (The sender is woken by its own poll, as by
/// any other process's write.)
fn throughput(data: &Path, sim: &Simulator, n: u32) -> Result<f64, String> {
    let texts: Vec<String> = (0..n)
        .map(|i| format!("Notice {i}: your payment was received. Thank you."))
        .collect();
    let before = sim.received().len();
    queue(data, Kind::Notice, &texts, false)?;
    let started = Instant::now();
    wait_received(sim, before + texts.len())?;
    Ok(f64::from(n) / started.elapsed().as_secs_f64())
}

/// The last `AT+CMGS` the simulator got at or before `at` (and not before `after`): the one
/// that carried the message that arrived at `at`.
pub(super) fn cmgs_before(sim: &Simulator, at: Instant, after: Option<Instant>) -> Option<Instant> {
    sim.commands()
        .into_iter()
        .filter(|(t, command)| {
            command.starts_with("AT+CMGS") && *t <= at && after.is_none_or(|a| *t >= a)
        })
        .map(|(t, _)| t)
        .max()
}

/// The `AT+CMGS` that carried the message whose text contains `needle`: the last one before
/// the message arrived.
pub(super) fn cmgs_of(sim: &Simulator, needle: &str, after: Instant) -> Result<Instant, String> {
    let deadline = Instant::now() + WAIT;
    loop {
        if let Some(message) = sim
            .received()
            .into_iter()
            .find(|m| m.text.contains(needle) && m.at >= after)
        {
            return cmgs_before(sim, message.at, None)
                .ok_or_else(|| "no AT+CMGS before the message".to_owned());
        }
        if Instant::now() > deadline {
            return Err(format!("the message with {needle:?} never arrived"));
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// The code of the code messages the benchmark queues.
pub(super) const CODE: &str = "739164";

/// `n` reminders' texts.
pub(super) fn reminders(n: usize) -> Vec<String> {
    (0..n)
        .map(|i| format!("Reminder {i}: your ticket is due in 3 days."))
        .collect()
}

/// Queues a one-time code message ([`CODE`]); returns when.
pub(super) fn queue_code(data: &Path) -> Result<Instant, String> {
    let queued = Instant::now();
    queue(
        data,
        Kind::Otp,
        &[format!("{CODE} is your Pawnbranch code.")],
        true,
    )?;
    Ok(queued)
}

/// With 1,000 reminders queued and flowing, the wait of a code from queueing to its AT+CMGS.
fn code_behind_reminders(data: &Path, sim: &Simulator) -> Result<Duration, String> {
    let before = sim.received().len();
    queue(data, Kind::Reminder, &reminders(1000), false)?;
    wait_received(sim, before + 10)?;
    let queued = queue_code(data)?;
    let cmgs = cmgs_of(sim, CODE, queued)?;
    Ok(cmgs.saturating_duration_since(queued))
}

/// The time from a customer's "Send code" (HTTP POST /login/code) to the code's AT+CMGS.
fn send_code_to_cmgs(addr: std::net::SocketAddr, sim: &Simulator) -> Result<Duration, String> {
    let mut connection = Connection::open(addr)?;
    let page = connection.exchange(&get_request("/login", None))?;
    let anon = page
        .cookie("pb_anon")
        .ok_or("GET /login set no browser cookie")?;
    let csrf = hidden_field(&page.body, "csrf").ok_or("the login page has no csrf field")?;
    let form = format!(
        "csrf={}&phone={}",
        percent_encode(&csrf),
        percent_encode(DEMO_PHONE)
    );
    let sent = Instant::now();
    let reply = connection.exchange(&post_form_request(
        "/login/code",
        &format!("pb_anon={anon}"),
        &form,
    ))?;
    if reply.status != 303 {
        return Err(format!("POST /login/code answered {}", reply.status));
    }
    let to = phone::normalise(DEMO_PHONE, "ID").map_err(|e| e.to_string())?;
    let deadline = Instant::now() + WAIT;
    loop {
        if let Some(message) = sim
            .received()
            .into_iter()
            .find(|m| m.to == to.as_str() && m.at >= sent)
        {
            let cmgs = cmgs_before(sim, message.at, Some(sent)).ok_or("no AT+CMGS for the code")?;
            return Ok(cmgs.saturating_duration_since(sent));
        }
        if Instant::now() > deadline {
            return Err("the login code never arrived".to_owned());
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Code checks per second: one right code per customer, each check its own transaction.
fn check_rate(dir: &Path, n: u32) -> Result<f64, String> {
    let db = crate::sync::changes::open_logged(dir, Duration::from_secs(5), 2)
        .map_err(|e| e.to_string())?;
    let key = InstallationKey::load_or_create(dir).map_err(|e| e.to_string())?;
    let mut rules = Rules::from_config(
        &crate::plumbing::config::OtpConfig::default(),
        chrono::FixedOffset::east_opt(0).ok_or("offset")?,
    );
    rules.per_day = u32::MAX;
    let now = crate::plumbing::clock::SystemClock.now();
    let codes = Codes {
        key: &key,
        rules: &rules,
    };
    let requester = Requester {
        purpose: Purpose::Login,
        binding: "bench",
        staff: None,
    };
    let mut conn = db.conn().map_err(|e| e.to_string())?;
    let tx = db::immediate(&mut conn).map_err(|e| e.to_string())?;
    let mut issued = Vec::with_capacity(n as usize);
    for i in 0..n {
        let phone = E164::from_stored(format!("+62813{i:08}"));
        let new = NewCustomer {
            full_name: "Bench",
            phone: &phone,
            id_number: None,
            date_of_birth: None,
            address: "",
            email: None,
            phone_verified: false,
        };
        let id = customers::insert(&tx, &new, now).map_err(|e| e.to_string())?;
        let words = otp::CodeText {
            text: "{code}",
            subject: "",
        };
        let destination = otp::Destination::Phone(&phone);
        otp::send_code(&tx, &codes, &id, destination, &requester, &words, now)
            .map_err(|e| e.to_string())?;
        let code: String = tx
            .query_row(
                "SELECT body FROM sms_outbox WHERE customer_id = ?1",
                [&id],
                |r| r.get(0),
            )
            .map_err(|e| e.to_string())?;
        issued.push((id, code));
    }
    tx.commit().map_err(|e| e.to_string())?;
    let started = Instant::now();
    for (id, code) in &issued {
        let tx = db::immediate(&mut conn).map_err(|e| e.to_string())?;
        let checked =
            otp::check_code(&tx, &codes, id, &requester, code, now).map_err(|e| e.to_string())?;
        if !matches!(checked, otp::Checked::Accepted { .. }) {
            return Err(format!("a right code was refused: {checked:?}"));
        }
        tx.commit().map_err(|e| e.to_string())?;
    }
    Ok(f64::from(n) / started.elapsed().as_secs_f64())
}
