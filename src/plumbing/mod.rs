//! The plumbing every feature stands on, and which knows no feature: the HTTP server and its
//! request and response types, the database and its migrations, configuration, cryptography,
//! record ids, the message catalogue, money, phone numbers, the clock, throttles, ISO tables,
//! the wake-up bell, the URL of every page (`paths`), the page layouts and components, and
//! `AppError`.
//!
//! Nothing here imports a feature module (customers, loans, sms, ...); `cargo xtask layers`
//! checks that the modules above form no cycle.

pub(crate) mod bell;
pub(crate) mod clock;
pub(crate) mod config;
pub(crate) mod crypto;
pub(crate) mod db;
pub(crate) mod error;
pub(crate) mod http;
pub(crate) mod i18n;
pub(crate) mod ids;
pub(crate) mod iso;
pub(crate) mod money;
pub(crate) mod paths;
pub(crate) mod phone;
pub(crate) mod throttle;
pub(crate) mod ui;
