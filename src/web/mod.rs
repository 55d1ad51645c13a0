//! The web application above the features' domains: the request context every page handler is
//! given ([`context`]) and the one routing table ([`routes`]).

mod context;
mod routes;

pub(crate) use context::{App, Ctx, is_browser_id, new_browser_id};
pub(crate) use routes::handle;
