//! The web layer: every page the branch server renders and every form it answers, one module
//! per feature, above the features' domains (records, rules and SQL), which know nothing of
//! pages. The request context every handler is given is [`context`]: the application's shared
//! state, the request's language, CSRF binding, signed-in person, cookies and page layouts.
//! The routing table above every page is `router`.

mod context;

pub(crate) mod audit;
pub(crate) mod auth;
pub(crate) mod backups;
pub(crate) mod callcentre;
pub(crate) mod chart;
pub(crate) mod codes;
pub(crate) mod complaints;
pub(crate) mod customers;
pub(crate) mod dashboard;
pub(crate) mod dayclose;
pub(crate) mod disposals;
pub(crate) mod drawers;
pub(crate) mod duplicates;
pub(crate) mod email;
pub(crate) mod error_page;
pub(crate) mod gold;
pub(crate) mod health;
pub(crate) mod holidays;
pub(crate) mod import;
pub(crate) mod language;
pub(crate) mod loans;
pub(crate) mod outbox;
pub(crate) mod portal;
pub(crate) mod reference;
pub(crate) mod reminders;
pub(crate) mod sms;
pub(crate) mod sms_delivery;
pub(crate) mod sms_inbox;
pub(crate) mod sms_modems;
pub(crate) mod staff;
pub(crate) mod statement_match;
pub(crate) mod sync;
pub(crate) mod today;
pub(crate) mod trends;

pub(crate) use context::{App, Ctx, csrf_binding, is_browser_id, new_browser_id};
