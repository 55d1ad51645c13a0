//! pawnbranch: the pawn shop branch server, its command-line tools and the head office
//! receiver, as a library; `main.rs` is the executable's thin shell around [`main`]. The
//! integration tests and the benchmarks share the GSM modem simulator through [`testing`]
//! instead of compiling its sources a second time. See ARCHITECTURE.md for the map.

mod audit;
mod auth;
mod backup;
mod bench;
mod callcentre;
mod cli;
mod complaints;
mod customers;
mod dayclose;
mod demo;
mod disposals;
mod drawers;
mod duplicates;
mod email;
mod gold;
mod holidays;
mod hq;
mod import;
mod ledger;
mod loans;
mod otp;
mod outbox;
mod plumbing;
mod portal;
mod reminders;
mod roles;
mod router;
mod scheduler;
mod server;
mod sms;
mod staff;
mod sync;
mod web;

use std::process::ExitCode;

use clap::Parser;

/// The whole program: parses the command line, runs the command, and turns an error into one
/// line on standard error and a failing exit code.
pub fn main() -> ExitCode {
    let args = cli::Args::parse();
    match cli::run(args) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("pawnbranch: {message}");
            ExitCode::FAILURE
        }
    }
}

/// What the integration tests use of the program's own code: the modem simulator, the same one
/// `bench sms` drives, on a pseudo-terminal; the catalogue's words, for the test that no page in
/// Indonesian shows an English one.
pub mod testing {
    pub use crate::sms::simulator::{Fault, ReceivedSms, Reports, SimConfig, Simulator};

    /// Words of the English catalogue found in no Indonesian message, lowercased.
    pub fn english_only_words() -> std::collections::BTreeSet<String> {
        crate::plumbing::i18n::english_only_words()
    }

    /// The words of a text as the catalogue's word sets count them.
    pub fn words(text: &str) -> Vec<String> {
        crate::plumbing::i18n::words(text).collect()
    }
}
