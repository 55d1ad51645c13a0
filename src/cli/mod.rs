//! The command line: subcommands and their flags (clap), and what each one does.
//!
//! Commands print plain English for the person installing or running the box; errors come
//! back as one line naming what is wrong, and a non-zero exit code.

mod import;

use crate::plumbing::clock::Clock as _;
use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use simplelog::{ColorChoice, ConfigBuilder, TermLogger, TerminalMode};

use crate::audit::Actor;
use crate::backup;
use crate::bench;
use crate::plumbing::config::{Config, Overrides};
use crate::plumbing::db::{self, DB_FILE};
use crate::roles::Role;
use crate::server;
use crate::staff::{self, NewStaff};

/// The pawn shop branch server.
#[derive(Debug, Parser)]
#[command(name = "pawnbranch", version, about, long_about = None)]
pub(crate) struct Args {
    /// Configuration file (TOML). Environment variables PAWNBRANCH_SECTION_KEY override it.
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Data directory (database, backups, secret); overrides [storage] data_dir.
    #[arg(long, global = true, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the branch server.
    Serve {
        /// Address and port to listen on; overrides [server] listen.
        #[arg(long, value_name = "ADDR:PORT")]
        listen: Option<String>,
        /// On an empty database, first load a demo branch (invented data); never touches a
        /// database that has data.
        #[arg(long)]
        demo: bool,
        /// Tests only: a file holding seconds to add to the clock.
        #[arg(long, hide = true, value_name = "FILE")]
        clock_file: Option<PathBuf>,
    },
    /// Create or upgrade the database schema, then exit.
    Migrate,
    /// Manage staff accounts.
    Staff {
        #[command(subcommand)]
        command: StaffCommand,
    },
    /// Copy the database to FILE, consistently, even while the server is running.
    Backup {
        /// Where to write the copy (must not exist).
        file: PathBuf,
    },
    /// Check the configuration and the database, and print what is wrong.
    Check,
    /// Load data exported from the branch's previous system.
    Import {
        #[command(subcommand)]
        what: import::ImportCommand,
    },
    /// Run or manage head office, which receives every branch's changes.
    Hq {
        #[command(subcommand)]
        command: HqCommand,
    },
    /// Sync to head office, from the branch.
    Sync {
        #[command(subcommand)]
        command: SyncCommand,
    },
    /// Measure the server's performance (see the README).
    Bench {
        #[command(subcommand)]
        command: bench::BenchCommand,
    },
}

#[derive(Debug, Subcommand)]
enum HqCommand {
    /// Run the head office receiver and its pages.
    Serve {
        /// Address and port to listen on; overrides [server] listen.
        #[arg(long, value_name = "ADDR:PORT")]
        listen: Option<String>,
    },
    /// Manage the branches that may upload.
    Branch {
        #[command(subcommand)]
        command: HqBranchCommand,
    },
    /// Manage the head office users who may read the pages.
    User {
        #[command(subcommand)]
        command: HqUserCommand,
    },
    /// Compact the raw change log now, by [hq] compact_after_days (`hq serve` does it hourly).
    Compact,
}

#[derive(Debug, Subcommand)]
enum SyncCommand {
    /// After restoring this branch from an old backup: send head office the branch's whole
    /// current state as new changes, so that uploads resume (see the README).
    Reseed,
}

#[derive(Debug, Subcommand)]
enum HqBranchCommand {
    /// Register a branch and print its credential (shown once; put it in the branch's
    /// [sync] credential).
    Add {
        /// The branch's [branch] code.
        code: String,
        /// The branch's name.
        name: String,
    },
    /// List branches with their upload position.
    List,
    /// Refuse a branch's uploads from now on.
    Revoke { code: String },
}

#[derive(Debug, Subcommand)]
enum HqUserCommand {
    /// Add a head office user; the password is asked for (or read from standard input).
    Add {
        username: String,
        /// Read the password from the first line of standard input instead of a prompt.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Give a head office user a role: viewer (reads the pages), manager (also edits and
    /// publishes the reference data) or admin.
    Role { username: String, role: String },
}

#[derive(Debug, Subcommand)]
enum StaffCommand {
    /// Add a staff account; the password is asked for (or read from standard input).
    Add {
        username: String,
        /// The person's full name.
        #[arg(long)]
        name: String,
        /// clerk, call_agent, manager or admin.
        #[arg(long)]
        role: String,
        /// Read the password from the first line of standard input instead of a prompt.
        #[arg(long)]
        password_stdin: bool,
    },
    /// List staff accounts.
    List,
    /// Disable an account (its sessions end at once).
    Disable { username: String },
    /// Enable a disabled account.
    Enable { username: String },
    /// Set a new password for an account (and unlock it).
    ResetPassword {
        username: String,
        /// Read the password from the first line of standard input instead of a prompt.
        #[arg(long)]
        password_stdin: bool,
    },
}

/// Runs the command; `Err` is a one-line message for standard error.
pub(crate) fn run(args: Args) -> Result<ExitCode, String> {
    let listen = match &args.command {
        Command::Serve { listen, .. }
        | Command::Hq {
            command: HqCommand::Serve { listen },
        } => listen.clone(),
        _ => None,
    };
    let overrides = Overrides {
        data_dir: args.data_dir.clone(),
        listen,
    };
    let config = Config::load(args.config.as_deref(), std::env::vars(), &overrides)
        .map_err(|e| e.to_string())?;
    let level = match args.command {
        Command::Serve { .. }
        | Command::Hq {
            command: HqCommand::Serve { .. },
        } => config.log_level(),
        _ => log::LevelFilter::Warn,
    };
    let log_config = ConfigBuilder::new()
        .set_time_format_rfc3339()
        .set_target_level(log::LevelFilter::Off)
        .build();
    // Another logger being set already only happens in tests; nothing to do about it.
    let _ = TermLogger::init(level, log_config, TerminalMode::Stderr, ColorChoice::Never);
    match args.command {
        Command::Serve {
            demo, clock_file, ..
        } => server::serve(config, demo, clock_file).map_err(|e| e.to_string())?,
        Command::Migrate => {
            let (db, _) = server::open(&config).map_err(|e| e.to_string())?;
            let conn = db.conn().map_err(|e| e.to_string())?;
            let version = db::schema_version(&conn).map_err(|e| e.to_string())?;
            println!(
                "Database {} is at schema version {version}.",
                db.path().display()
            );
        }
        Command::Staff { command } => staff_command(&config, command)?,
        Command::Backup { file } => {
            // The database as it is: a backup never migrates it (a copy taken before an upgrade
            // must be restorable by the old version).
            let source = config.data_dir().join(DB_FILE);
            if !source.exists() {
                return Err(format!("there is no database at {}", source.display()));
            }
            let conn = rusqlite::Connection::open_with_flags(
                &source,
                rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
            )
            .map_err(|e| format!("cannot open {}: {e}", source.display()))?;
            conn.busy_timeout(std::time::Duration::from_millis(u64::from(
                config.storage.busy_timeout_ms,
            )))
            .map_err(|e| e.to_string())?;
            backup::copy_to(&conn, &file).map_err(|e| e.to_string())?;
            println!("Backup written to {}.", file.display());
        }
        Command::Check => return Ok(check(&config)),
        Command::Import { what } => import::run(&config, what)?,
        Command::Hq { command } => hq_command(config, command)?,
        Command::Sync {
            command: SyncCommand::Reseed,
        } => {
            let now = crate::plumbing::clock::SystemClock.now();
            let done = crate::sync::reseed::reseed(&config, now).map_err(|e| e.to_string())?;
            println!(
                "Branch re-seeded: head office held entries up to {}; this branch's log goes on after entry {} \
                 ({} entries not yet uploaded renumbered, {} records logged as its current state). \
                 The server's uploader sends them.",
                done.head_office_had, done.from, done.renumbered, done.records
            );
        }
        Command::Bench { command } => bench::run(command)?,
    }
    Ok(ExitCode::SUCCESS)
}

/// `pawnbranch staff ...`.
fn staff_command(config: &Config, command: StaffCommand) -> Result<(), String> {
    let (db, _) = server::open(config).map_err(|e| e.to_string())?;
    let mut conn = db.conn().map_err(|e| e.to_string())?;
    let now = crate::plumbing::clock::SystemClock.now();
    let actor = Actor::CommandLine;
    match command {
        StaffCommand::List => {
            let accounts = staff::list(&conn).map_err(|e| e.to_string())?;
            println!("{:<20} {:<28} {:<11} STATUS", "USERNAME", "NAME", "ROLE");
            for a in accounts {
                let status = if a.disabled {
                    "disabled".to_owned()
                } else if let Some(until) = a.locked_until.filter(|u| *u > now) {
                    format!("locked until {}", until.format("%Y-%m-%d %H:%M UTC"))
                } else {
                    "active".to_owned()
                };
                println!(
                    "{:<20} {:<28} {:<11} {status}",
                    a.user.username,
                    a.user.full_name,
                    a.user.role.code()
                );
            }
            return Ok(());
        }
        StaffCommand::Add {
            username,
            name,
            role,
            password_stdin,
        } => {
            let role = Role::from_code(&role).ok_or_else(|| {
                format!("unknown role {role:?}; use clerk, call_agent, manager or admin")
            })?;
            let password = read_password(password_stdin)?;
            let tx = db::immediate(&mut conn).map_err(|e| e.to_string())?;
            let new = NewStaff {
                username: &username,
                full_name: &name,
                role,
                password: &password,
            };
            let user = staff::create_account(&tx, &actor, &new, now).map_err(|e| e.to_string())?;
            tx.commit().map_err(|e| e.to_string())?;
            println!(
                "Added {} ({}) as {}.",
                user.username,
                user.full_name,
                user.role.code()
            );
        }
        StaffCommand::Disable { username } => {
            let tx = db::immediate(&mut conn).map_err(|e| e.to_string())?;
            staff::set_account_disabled(&tx, &actor, &username, true, now)
                .map_err(|e| e.to_string())?;
            tx.commit().map_err(|e| e.to_string())?;
            println!("Disabled {username}.");
        }
        StaffCommand::Enable { username } => {
            let tx = db::immediate(&mut conn).map_err(|e| e.to_string())?;
            staff::set_account_disabled(&tx, &actor, &username, false, now)
                .map_err(|e| e.to_string())?;
            tx.commit().map_err(|e| e.to_string())?;
            println!("Enabled {username}.");
        }
        StaffCommand::ResetPassword {
            username,
            password_stdin,
        } => {
            let password = read_password(password_stdin)?;
            let tx = db::immediate(&mut conn).map_err(|e| e.to_string())?;
            staff::set_password(&tx, &actor, &username, &password, now)
                .map_err(|e| e.to_string())?;
            tx.commit().map_err(|e| e.to_string())?;
            println!("Password of {username} changed; the account is unlocked.");
        }
    }
    Ok(())
}

/// `pawnbranch hq ...`.
fn hq_command(config: Config, command: HqCommand) -> Result<(), String> {
    let command = match command {
        HqCommand::Serve { .. } => return crate::hq::serve(config),
        other => other,
    };
    let store = crate::hq::store::Store::open(&config).map_err(|e| e.to_string())?;
    let now = crate::plumbing::clock::SystemClock.now();
    match command {
        HqCommand::Serve { .. } => {}
        HqCommand::Branch {
            command: HqBranchCommand::Add { code, name },
        } => {
            let credential = store
                .add_branch(&code, &name, now)
                .map_err(|e| e.to_string())?;
            println!("Registered branch {code} ({name}). Its credential, shown only this once:\n");
            println!("    {credential}\n");
            println!("Put it in the branch's configuration: [sync] credential = \"{credential}\"");
        }
        HqCommand::Branch {
            command: HqBranchCommand::List,
        } => {
            let branches = store.branches().map_err(|e| e.to_string())?;
            println!(
                "{:<12} {:<24} {:>10} {:>10} {:<20} STATUS",
                "CODE", "NAME", "ACKED", "WAITING", "LAST UPLOAD (UTC)"
            );
            for b in branches {
                println!(
                    "{:<12} {:<24} {:>10} {:>10} {:<20} {}",
                    b.code,
                    b.name,
                    b.acked_seq,
                    b.waiting_after.unwrap_or(0),
                    b.last_upload_at.map_or_else(
                        || "never".to_owned(),
                        |t| t.format("%Y-%m-%d %H:%M").to_string()
                    ),
                    if b.revoked_at.is_some() {
                        "revoked"
                    } else {
                        "active"
                    }
                );
            }
        }
        HqCommand::Branch {
            command: HqBranchCommand::Revoke { code },
        } => {
            store.revoke_branch(&code, now).map_err(|e| e.to_string())?;
            println!("Branch {code} revoked: its uploads are refused from now on.");
        }
        HqCommand::User {
            command:
                HqUserCommand::Add {
                    username,
                    password_stdin,
                },
        } => {
            let password = read_password(password_stdin)?;
            store
                .add_user(&username, &password, now)
                .map_err(|e| e.to_string())?;
            println!("Added head office user {username}.");
        }
        HqCommand::Compact => {
            let days = config.hq.compact_after_days;
            let Some(before) = crate::hq::compact::cutoff(days, now) else {
                println!("[hq] compact_after_days is 0: the change log is never compacted.");
                return Ok(());
            };
            let removed = store
                .compact(before, crate::hq::compact::PAGE, &|| true)
                .map_err(|e| e.to_string())?;
            println!("Compacted {removed} change-log entries received more than {days} days ago.");
        }
        HqCommand::User {
            command: HqUserCommand::Role { username, role },
        } => {
            let role = crate::hq::reference::HqRole::from_code(&role)
                .ok_or_else(|| format!("role {role:?} must be viewer, manager or admin"))?;
            if !store.set_role(&username, role).map_err(|e| e.to_string())? {
                return Err(format!("there is no head office user {username}"));
            }
            println!("{username} is now {}.", role.code());
        }
    }
    Ok(())
}

/// Reads a new password from standard input or from a prompt (typed twice, not echoed).
fn read_password(from_stdin: bool) -> Result<String, String> {
    let password = if from_stdin || !std::io::stdin().is_terminal() {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| format!("cannot read the password: {e}"))?;
        line.trim_end_matches(['\r', '\n']).to_owned()
    } else {
        let first = rpassword::prompt_password("New password: ").map_err(|e| e.to_string())?;
        let second = rpassword::prompt_password("Repeat it: ").map_err(|e| e.to_string())?;
        if first != second {
            return Err("the two passwords are not the same".to_owned());
        }
        first
    };
    staff::check_password(&password).map_err(|e| e.to_string())?;
    Ok(password)
}

/// `pawnbranch check`: the configuration (secrets hidden) and the database's health.
fn check(config: &Config) -> ExitCode {
    println!("Configuration is valid:\n");
    println!("{}", config.to_redacted_toml());
    let path = config.data_dir().join(DB_FILE);
    let mut problems = Vec::new();
    if !path.exists() {
        println!(
            "Database {} does not exist yet; `pawnbranch migrate` or `serve` creates it.",
            path.display()
        );
        return ExitCode::SUCCESS;
    }
    match rusqlite::Connection::open_with_flags(&path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY) {
        Err(e) => problems.push(format!("cannot open {}: {e}", path.display())),
        Ok(conn) => {
            match db::schema_version(&conn) {
                Ok(v) if v > db::known_version() => problems.push(format!(
                    "schema version {v} is newer than this program knows ({}); install the newer pawnbranch",
                    db::known_version()
                )),
                Ok(v) if v < db::known_version() => {
                    println!("Schema version {v}; `pawnbranch migrate` will upgrade it to {}.", db::known_version());
                }
                Ok(v) => println!("Schema version {v} (current)."),
                Err(e) => problems.push(format!("cannot read the schema version: {e}")),
            }
            match db::integrity_problems(&conn) {
                Ok(found) => problems.extend(found.into_iter().map(|p| format!("integrity: {p}"))),
                Err(e) => problems.push(format!("integrity check failed to run: {e}")),
            }
        }
    }
    if problems.is_empty() {
        println!("Database {} passed its integrity check.", path.display());
        ExitCode::SUCCESS
    } else {
        for p in problems {
            println!("PROBLEM: {p}");
        }
        ExitCode::FAILURE
    }
}
