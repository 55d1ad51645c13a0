//! `pawnbranch bench sms`'s runs with several modems: throughput with one modem and with two
//! whose sends take as long as a real network's (so the modems, not the server, are the
//! limit), the wait of a code while both are busy with reminders (it should wait only for the
//! send in progress on one of them), and a failover: one modem unplugged while it sends, every
//! message then recorded as sent with none lost and none sent twice.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use super::sms::{CODE, WAIT, cmgs_before, millis, queue, queue_code, reminders};
use super::{Connection, get_request};
use crate::plumbing::db::DB_FILE;
use crate::sms::outbox::Kind;
use crate::sms::simulator::{SimConfig, Simulator};

/// How long each simulated send takes: the network's answer to `AT+CMGS`.
pub(super) const SEND_TIME: Duration = Duration::from_millis(200);
/// Messages in each throughput run.
const MESSAGES: usize = 40;

/// What the runs measured.
pub(super) struct Figures {
    pub(super) one_modem_per_second: f64,
    pub(super) two_modems_per_second: f64,
    pub(super) code_wait_two_busy: Duration,
    pub(super) failover: Failover,
}

/// The failover run's outcome.
pub(super) struct Failover {
    pub(super) messages: usize,
    pub(super) lost: usize,
    pub(super) twice: usize,
    pub(super) took: Duration,
}

/// Runs every measure, each on a server of its own in `dir`.
pub(super) fn run(dir: &Path) -> Result<Figures, String> {
    let one_modem_per_second = {
        let (server, data, sims) = start(&dir.join("one"), 1)?;
        let rate = throughput(&data, &sims, "one")?;
        server.stop()?;
        rate
    };
    let (two_modems_per_second, code_wait_two_busy) = {
        let (server, data, sims) = start(&dir.join("two"), 2)?;
        let rate = throughput(&data, &sims, "two")?;
        let wait = code_while_busy(&data, &sims)?;
        server.stop()?;
        (rate, wait)
    };
    let failover = {
        let (server, data, sims) = start(&dir.join("failover"), 2)?;
        let outcome = failover(&data, &sims)?;
        server.stop()?;
        outcome
    };
    Ok(Figures {
        one_modem_per_second,
        two_modems_per_second,
        code_wait_two_busy,
        failover,
    })
}

/// A demo server in `dir` with `n` simulated modems, each on its own pseudo-terminal, once
/// all are connected.
fn start(
    dir: &Path,
    n: usize,
) -> Result<(super::ChildServer, std::path::PathBuf, Vec<Simulator>), String> {
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    let mut sims = Vec::with_capacity(n);
    let mut toml = String::new();
    for i in 0..n {
        let link = dir.join(format!("modem-{}", i + 1));
        let sim = Simulator::start(
            &link,
            SimConfig {
                echo: false,
                cmgs_delay: SEND_TIME,
                ..SimConfig::default()
            },
        )
        .map_err(|e| format!("cannot start the modem simulator: {e}"))?;
        toml.push_str(&format!(
            "[[modem]]\ndevice = \"{}\"\nbulk_interval_ms = 0\n",
            link.display()
        ));
        sims.push(sim);
    }
    let config = dir.join("pawnbranch.toml");
    std::fs::write(&config, toml).map_err(|e| e.to_string())?;
    let data = dir.join("data");
    let config = config.display().to_string();
    let args = [
        "--config",
        &config,
        "serve",
        "--demo",
        "--listen",
        "127.0.0.1:0",
    ];
    let server = super::start_child(&data, &args, &[])?;
    wait_all_connected(server.started.addr, n)?;
    Ok((server, data, sims))
}

/// Waits until `/healthz` lists `n` connected modems.
fn wait_all_connected(addr: std::net::SocketAddr, n: usize) -> Result<(), String> {
    let deadline = Instant::now() + WAIT;
    while Instant::now() < deadline {
        let reply = Connection::open(addr)?.exchange(&get_request("/healthz", None))?;
        let health: serde_json::Value =
            serde_json::from_slice(&reply.body).map_err(|e| e.to_string())?;
        let connected = health["modem"]["modems"].as_array().map_or(0, |m| {
            m.iter().filter(|m| m["state"] == "connected").count()
        });
        if connected == n {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Err(format!(
        "the server never connected to its {n} modem simulators"
    ))
}

/// Every message the simulators received, counted by text.
fn received(sims: &[Simulator]) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for message in sims.iter().flat_map(Simulator::received) {
        *counts.entry(message.text).or_insert(0) += 1;
    }
    counts
}

/// Waits until the simulators together received `n` messages.
fn wait_total(sims: &[Simulator], n: usize) -> Result<(), String> {
    let deadline = Instant::now() + WAIT;
    loop {
        let got: usize = sims.iter().map(|s| s.received().len()).sum();
        if got >= n {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(format!("only {got} of {n} messages reached the simulators"));
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// Messages per second with [`MESSAGES`] notices queued at once.
fn throughput(data: &Path, sims: &[Simulator], run: &str) -> Result<f64, String> {
    let texts: Vec<String> = (0..MESSAGES)
        .map(|i| format!("Notice {run} {i}: your payment was received. Thank you."))
        .collect();
    let before: usize = sims.iter().map(|s| s.received().len()).sum();
    queue(data, Kind::Notice, &texts, false)?;
    let started = Instant::now();
    wait_total(sims, before + MESSAGES)?;
    Ok(MESSAGES as f64 / started.elapsed().as_secs_f64())
}

/// With both modems sending a backlog of reminders, the time from queueing a code to the
/// `AT+CMGS` that carries it, on whichever modem took it.
fn code_while_busy(data: &Path, sims: &[Simulator]) -> Result<Duration, String> {
    let before: usize = sims.iter().map(|s| s.received().len()).sum();
    queue(data, Kind::Reminder, &reminders(200), false)?;
    wait_total(sims, before + 6)?;
    let queued = queue_code(data)?;
    let deadline = Instant::now() + WAIT;
    loop {
        for sim in sims {
            if let Some(message) = sim.received().into_iter().find(|m| m.text.contains(CODE)) {
                let cmgs =
                    cmgs_before(sim, message.at, None).ok_or("no AT+CMGS before the code")?;
                return Ok(cmgs.saturating_duration_since(queued));
            }
        }
        if Instant::now() > deadline {
            return Err("the code never arrived".to_owned());
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Two modems share a backlog; the first is unplugged while it sends. Waits until every
/// message is recorded sent, then counts what reached the simulators.
fn failover(data: &Path, sims: &[Simulator]) -> Result<Failover, String> {
    let texts: Vec<String> = (0..MESSAGES)
        .map(|i| format!("Failover notice {i}: your payment was received."))
        .collect();
    queue(data, Kind::Notice, &texts, false)?;
    let started = Instant::now();
    let first = sims.first().ok_or("no modem")?;
    let deadline = Instant::now() + WAIT;
    // Pull it out in the middle of a send: after an AT+CMGS whose message has not arrived.
    while first.received().len() < 3
        || first
            .commands()
            .iter()
            .filter(|(_, c)| c.starts_with("AT+CMGS"))
            .count()
            <= first.received().len()
    {
        if Instant::now() > deadline {
            return Err("the first modem never sent".to_owned());
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    first.unplug();
    wait_recorded(data, MESSAGES)?;
    let took = started.elapsed();
    let counts = received(sims);
    let lost = texts.iter().filter(|t| !counts.contains_key(*t)).count();
    let twice = counts.values().filter(|n| **n > 1).count();
    Ok(Failover {
        messages: MESSAGES,
        lost,
        twice,
        took,
    })
}

/// Waits until `n` messages are recorded as sent in the server's outbox.
fn wait_recorded(data: &Path, n: usize) -> Result<(), String> {
    let conn = rusqlite::Connection::open(data.join(DB_FILE)).map_err(|e| e.to_string())?;
    conn.busy_timeout(Duration::from_secs(10))
        .map_err(|e| e.to_string())?;
    let deadline = Instant::now() + WAIT;
    loop {
        let sent: i64 = conn
            .query_row(
                "SELECT COUNT(*) FROM sms_outbox WHERE state = 'sent'",
                [],
                |r| r.get(0),
            )
            .map_err(|e| e.to_string())?;
        if usize::try_from(sent).is_ok_and(|s| s >= n) {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(format!("only {sent} of {n} messages recorded as sent"));
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// The report's rows.
pub(super) fn print(figures: &Figures) {
    let send = millis(SEND_TIME);
    println!(
        "| messages per second, one modem, each send {send} ({MESSAGES} messages) | {:.1} |",
        figures.one_modem_per_second
    );
    println!(
        "| messages per second, two modems, each send {send} ({MESSAGES} messages) | {:.1} |",
        figures.two_modems_per_second
    );
    println!(
        "| code queued while both modems send reminders: until its AT+CMGS | {} |",
        millis(figures.code_wait_two_busy)
    );
    let f = &figures.failover;
    println!(
        "| failover, one of two modems unplugged mid-send: {} messages, lost / sent twice | {} / {} (all sent in {:.1} s) |",
        f.messages,
        f.lost,
        f.twice,
        f.took.as_secs_f64()
    );
}
