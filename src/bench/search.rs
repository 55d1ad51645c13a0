//! `pawnbranch bench search`: the counter's one search box on a branch of 100,000 customers.
//!
//! It generates the customers (Indonesian names made of common first, middle and family
//! names, so that names share many letters, as they do at a real branch) straight into a
//! fresh database, through the triggers that keep the name index and the change log, starts
//! the real server on it, and measures `GET /staff/customers?q=` under concurrent keep-alive
//! load for each kind of query: a phone number in a local format, an ID number with spaces, a
//! partial name shared by many customers, and a misspelt full name.

use crate::plumbing::clock::Clock as _;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use rusqlite::params;

use super::{LoadSettings, TempDir, get_request, load, start_server};
use crate::plumbing::db;
use crate::plumbing::http::form::percent_encode;
use crate::plumbing::ids::CustomerId;

/// The flags of `pawnbranch bench search`.
#[derive(Debug, clap::Args)]
pub(crate) struct SearchBenchArgs {
    /// Customers to generate.
    #[arg(long, default_value_t = 100_000)]
    customers: u32,
    /// Concurrent keep-alive connections: by default 4, a busy branch's counters all
    /// searching at once.
    #[arg(long, default_value_t = 4)]
    connections: u16,
    /// Measured seconds per kind of query.
    #[arg(long, default_value_t = 5)]
    seconds: u64,
}

const FIRST: [&str; 24] = [
    "Siti", "Budi", "Dewi", "Agus", "Sri", "Eko", "Rina", "Andi", "Nur", "Joko", "Ani", "Dian",
    "Putri", "Wahyu", "Indah", "Rudi", "Yuni", "Hendra", "Ratna", "Bambang", "Lina", "Fajar",
    "Maya", "Tono",
];
const MIDDLE: [&str; 8] = ["", "Ayu", "Dwi", "Tri", "Nur", "Eka", "Puspita", "Adi"];
const FAMILY: [&str; 24] = [
    "Rahmawati",
    "Santoso",
    "Lestari",
    "Pratama",
    "Wijaya",
    "Hidayat",
    "Kusuma",
    "Saputra",
    "Susanti",
    "Nugroho",
    "Setiawan",
    "Handayani",
    "Purnomo",
    "Wulandari",
    "Gunawan",
    "Sari",
    "Hartono",
    "Permata",
    "Suryadi",
    "Utami",
    "Firmansyah",
    "Rahayu",
    "Siregar",
    "Nasution",
];

/// The generated name of customer `i`.
fn name(i: u32) -> String {
    let i = i as usize;
    let middle = MIDDLE[(i / 7) % MIDDLE.len()];
    let first = FIRST[i % FIRST.len()];
    let family = FAMILY[(i / 3) % FAMILY.len()];
    if middle.is_empty() {
        format!("{first} {family}")
    } else {
        format!("{first} {middle} {family}")
    }
}

/// Runs the benchmark and prints its report.
pub(crate) fn run(args: &SearchBenchArgs) -> Result<(), String> {
    let dir = TempDir::create()?;
    let data = dir.path.join("data");
    let started = Instant::now();
    let staff_token = generate(&data, args.customers)?;
    let generated = started.elapsed();
    let size = super::database_size(&data);
    let server = start_server(&data, &[])?;
    let settings = LoadSettings::after_warmup(args.connections, args.seconds);
    let probe = args.customers / 2;
    let queries = [
        (
            "phone number, local format",
            format!("0813-{:04}-{:04}", probe / 10_000, probe % 10_000),
        ),
        (
            "ID number with spaces",
            format!(
                "3171 {:04} {:04} {:04}",
                probe / 100_000_000,
                (probe / 10_000) % 10_000,
                probe % 10_000
            ),
        ),
        ("partial name (many match)", "rahma".to_owned()),
        ("misspelt full name", "Siti Rahmawaty".to_owned()),
    ];
    let cookie = format!("pb_staff={staff_token}");
    let mut results = Vec::new();
    for (kind, q) in &queries {
        let path = format!("/staff/customers?q={}", percent_encode(q));
        let m = load(
            server.started.addr,
            &get_request(&path, Some(&cookie)),
            settings,
        )?;
        results.push((kind, q, m));
    }
    server.stop()?;
    println!(
        "pawnbranch {} search benchmark (release build)",
        env!("CARGO_PKG_VERSION")
    );
    println!(
        "  branch: {} customers; generated in {:.1} s; database {:.0} MiB",
        args.customers,
        generated.as_secs_f64(),
        size as f64 / 1_048_576.0
    );
    println!(
        "  load: {} keep-alive connections, {} s per query, GET /staff/customers?q=",
        args.connections, args.seconds
    );
    let rows: Vec<(&str, &str, super::Measurement)> = results
        .into_iter()
        .map(|(kind, q, m)| (*kind, q.as_str(), m))
        .collect();
    super::print_p99_table("query | q", &rows, args.connections);
    Ok(())
}

/// Fills a new database with customers and a manager's session; returns its token.
fn generate(data: &std::path::Path, customers: u32) -> Result<String, String> {
    let db = crate::sync::changes::open_logged(data, Duration::from_secs(30), 2)
        .map_err(|e| e.to_string())?;
    let mut conn = db.conn().map_err(|e| e.to_string())?;
    let now = crate::plumbing::clock::SystemClock.now();
    let e = |e: rusqlite::Error| e.to_string();
    let tx = db::immediate(&mut conn).map_err(e)?;
    let staff_token = super::manager_session(&tx, now).map_err(e)?;
    {
        let mut insert = tx
            .prepare(
                "INSERT INTO customers (id, full_name, phone, id_number, date_of_birth, address, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, 'Jl. Bench 1', ?6, ?6)",
            )
            .map_err(e)?;
        let born = NaiveDate::from_ymd_opt(1960, 1, 1).unwrap_or_default();
        for i in 0..customers {
            insert
                .execute(params![
                    CustomerId::new(now),
                    name(i),
                    format!("+62813{i:08}"),
                    format!("3171{i:012}"),
                    born + chrono::Duration::days(i64::from(i % 15_000)),
                    now
                ])
                .map_err(e)?;
        }
    }
    tx.commit().map_err(e)?;
    conn.execute_batch("PRAGMA optimize; ANALYZE;").map_err(e)?;
    Ok(staff_token)
}
