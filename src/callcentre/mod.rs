//! The call centre (issue 15, seed 004): call agents follow up customers with overdue tickets
//! and write a follow-up note of every call, with the seed's properties ([`notes`]) whose
//! choices depend on each other as a table managers edit says ([`choices`]); a note may carry
//! a promise to pay, which the scheduler later finds kept or broken ([`promises`]).
//!
//! Call agents also approve new applications' information ([`approval`]) and mark customers
//! not to be contacted ([`do_not_contact`]).
//!
//! Domain only: records, rules and SQL; the pages are in `web::callcentre`.

pub(crate) mod approval;
pub(crate) mod choices;
pub(crate) mod contact_codes;
pub(crate) mod dashboard;
pub(crate) mod do_not_contact;
pub(crate) mod duties;
pub(crate) mod notes;
pub(crate) mod promises;
pub(crate) mod queue;
pub(crate) mod queue_search;
pub(crate) mod ro;
pub(crate) mod rules;
