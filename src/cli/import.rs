//! `pawnbranch import customers|loans|payments`: the commands that load the previous system's
//! files and bank statements. The imports themselves (checks, all-or-nothing writes) are in
//! `import`; this is the command line around them: open the database, run, print.

use std::io::IsTerminal;
use std::path::PathBuf;

use crate::audit::Actor;
use crate::import::table::Table;
use crate::import::{Branch, customers, file_name, loans, payments};
use crate::plumbing::clock::Clock as _;
use crate::plumbing::config::Config;
use crate::plumbing::i18n::Lang;
use crate::server;

/// What `pawnbranch import` loads.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum ImportCommand {
    /// Add the customers listed in a file exported from the previous system; all or nothing.
    Customers {
        /// CSV (comma, semicolon or tab) or a spreadsheet (.xlsx, .xls, .ods: its first
        /// sheet) with a header row naming some of full_name, phone (required), id_number,
        /// date_of_birth (YYYY-MM-DD, or DD/MM/YYYY where the branch's country writes the day
        /// first), email and address, in any order.
        file: PathBuf,
    },
    /// Add the open tickets listed in a file exported from the previous system; all or
    /// nothing. Import the customers first.
    Loans {
        /// CSV or a spreadsheet, as for customers, with a header row naming ticket_no, customer (phone or ID number), items
        /// (several separated by |), appraised, principal, product, start_date and
        /// maturity_date (dates as for customers), and optionally paid_interest, paid_fees and
        /// paid_principal, in any order.
        file: PathBuf,
    },
    /// Match a bank or mobile-money statement to payment codes and apply the payments that
    /// match exactly; the rest wait for review on the staff's review page. Lines already
    /// imported are skipped.
    Payments {
        /// CSV or a spreadsheet, as for customers, with a header row naming date, reference, amount, description and
        /// optionally method (bank_transfer or mobile_money), in any order.
        file: PathBuf,
    },
}

/// Runs `pawnbranch import ...` and prints what it did; `Err` is the message for standard
/// error (for a file with bad rows: one line per problem).
pub(crate) fn run(config: &Config, command: ImportCommand) -> Result<(), String> {
    match command {
        ImportCommand::Customers { file } => {
            let (db, _) = server::open(config).map_err(|e| e.to_string())?;
            let mut conn = db.conn().map_err(|e| e.to_string())?;
            let progress = std::io::stderr().is_terminal();
            let summary = customers(
                &mut conn,
                &file,
                &config.branch.country,
                crate::plumbing::clock::SystemClock.now(),
                progress,
            )
            .map_err(|e| e.to_string())?;
            let noun = if summary.rows == 1 {
                "customer"
            } else {
                "customers"
            };
            println!("Imported {} {noun}.", summary.rows);
        }
        ImportCommand::Loans { file } => {
            let (db, _) = server::open(config).map_err(|e| e.to_string())?;
            let mut conn = db.conn().map_err(|e| e.to_string())?;
            let progress = std::io::stderr().is_terminal();
            let summary = loans::import(
                &mut conn,
                &file,
                &Branch::of(config),
                crate::plumbing::clock::SystemClock.now(),
                progress,
            )
            .map_err(|e| e.to_string())?;
            println!("{summary}");
        }
        ImportCommand::Payments { file } => {
            let (db, _) = server::open(config).map_err(|e| e.to_string())?;
            let mut conn = db.conn().map_err(|e| e.to_string())?;
            let table =
                Table::open(&file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
            let report = payments::import_table(
                &mut conn,
                table,
                &file_name(&file),
                &Actor::CommandLine,
                &Branch::of(config),
                crate::plumbing::clock::SystemClock.now(),
            )
            .map_err(|e| format!("{}: {e}", file.display()))?;
            print!(
                "{}",
                report.to_text(&file_name(&file), &config.currency(), Lang::En)
            );
        }
    }
    Ok(())
}
