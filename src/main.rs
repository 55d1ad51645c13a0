//! `pawnbranch`: the pawn shop branch server, its command-line tools, and (later) the head
//! office receiver, in one executable. This file parses the command line, sets up logging,
//! loads the configuration and hands over to the command; see ARCHITECTURE.md for the map.

mod audit;
mod auth;
mod backup;
mod bell;
mod bench;
mod cli;
mod clock;
mod config;
mod crypto;
mod customers;
mod dashboard;
mod db;
mod demo;
mod duplicates;
mod email;
mod error;
mod health;
mod hq;
mod http;
mod i18n;
mod ids;
mod import;
mod iso;
mod ledger;
mod loans;
mod money;
mod otp;
mod outbox;
mod phone;
mod portal;
mod reminders;
mod server;
mod sms;
mod staff;
mod sync;
mod throttle;
mod ui;
mod web;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = cli::Args::parse();
    match cli::run(args) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("pawnbranch: {message}");
            ExitCode::FAILURE
        }
    }
}
