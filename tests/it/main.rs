//! The one integration test crate: the real binary, started on ephemeral ports with temporary
//! data directories, exercised over HTTP and on its command line.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod browser;
mod customers;
mod duplicates;
mod email;
mod foundation;
mod imports;
mod loans;
mod modem;
mod payments;
mod portal;
mod reminders;
mod slow_link;
mod sms;
mod sync;
mod util;
