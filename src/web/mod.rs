//! The request context every page handler is given ([`context`]): the application's shared
//! state, the request's language, CSRF binding, signed-in person, cookies and page layouts.
//! The routing table above every feature is `router`.

mod context;

pub(crate) use context::{App, Ctx, LANG_COOKIE, csrf_binding, is_browser_id, new_browser_id};
