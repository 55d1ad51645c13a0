//! The one integration test crate: the real binary, started on ephemeral ports with temporary
//! data directories, exercised over HTTP and on its command line.

#![allow(clippy::unwrap_used, clippy::expect_used)]
#![allow(
    clippy::disallowed_methods,
    reason = "the tests compute with the wall clock, which the binary under test reads too"
)]

mod appraisal;
mod browser;
mod callcentre;
mod callcentre_more;
mod complaint_attachments;
mod complaints;
mod customer_language;
mod customers;
mod dashboard;
mod disposals;
mod drawers;
mod duplicates;
mod email;
mod form_errors;
mod foundation;
mod hq_postgres;
mod hq_reports;
mod hq_signin;
mod import_formats;
mod imports;
mod links;
mod loans;
mod modem;
mod modems;
mod multipart_forms;
mod payments;
mod payouts;
mod portal;
mod portal_security;
mod receipts;
mod reference_data;
mod refusals;
mod reminders;
mod reseed;
mod rounding_step;
mod security;
mod slow_clients;
mod slow_link;
mod sms_replies;
mod statement_match;
mod statements;
mod sync;
mod ticket_print;
mod util;
mod words;
