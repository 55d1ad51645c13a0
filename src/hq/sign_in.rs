//! Head office's sign-in page, sessions and sign-out, over HTTP. They replace HTTP Basic,
//! which sent the password with every request and could be guessed at full speed.
//!
//! The sign-in is the branch's staff sign-in procedure (`auth::check_password`, through
//! [`access::sign_in`]): five failures in a row lock a username for 15 minutes (`[staff]`
//! rules), failures per client address are throttled, and every attempt is audited in head
//! office's database. A session is a random token in an HttpOnly, SameSite=Strict cookie
//! (Secure when `[server] public_url` is https), stored as its SHA-256, with the staff
//! sessions' idle and absolute limits, and a new one at every sign-in. Every POST form carries
//! a CSRF token bound to the session cookie, or before sign-in to an anonymous browser cookie.

use chrono::{DateTime, Utc};
use maud::html;

use super::HqApp;
use super::store::StoreError;
use crate::auth;
use crate::plumbing::crypto;
use crate::plumbing::http::{Form, Request, Response, form};
use crate::plumbing::i18n::Msg;
use crate::plumbing::ui::{self, Field};
use crate::web;

/// The cookie holding a head office session token.
pub(crate) const SESSION_COOKIE: &str = "pb_hq";
/// The cookie that identifies a browser before it signs in (binds its CSRF tokens).
const ANON_COOKIE: &str = "pb_hq_anon";

/// A head office user with a live session, as the pages need them.
pub(crate) struct SignedIn {
    pub(crate) username: String,
    /// The CSRF token for this browser's forms (the sign-out button).
    pub(crate) csrf: String,
}

/// The cookie whose value binds CSRF tokens: the session, else the anonymous browser id if
/// head office issued it (as at the branch, a value the client chose is never adopted).
fn binding<'r>(app: &HqApp, req: &'r Request) -> Option<&'r str> {
    req.cookie(SESSION_COOKIE)
        .filter(|v| !v.is_empty())
        .or_else(|| {
            req.cookie(ANON_COOKIE)
                .filter(|v| web::is_browser_id(&app.key, v))
        })
}

/// The CSRF token bound to `binding`.
fn csrf_token(app: &HqApp, binding: &str) -> String {
    crypto::hex(&app.key.mac("csrf", &[binding.as_bytes()]))
}

/// Whether a POST form carries the CSRF token of this browser.
pub(crate) fn csrf_matches(app: &HqApp, req: &Request, form: &Form) -> bool {
    let Some(binding) = binding(app, req) else {
        return false;
    };
    let sent = form.get("csrf").unwrap_or("");
    crypto::ct_eq(sent.as_bytes(), csrf_token(app, binding).as_bytes())
}

/// The user whose live session this request carries, if any.
pub(crate) fn signed_in(
    app: &HqApp,
    req: &Request,
    now: DateTime<Utc>,
) -> Result<Option<SignedIn>, StoreError> {
    let Some(token) = req.cookie(SESSION_COOKIE).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    let user = app.store.session_user(token, &app.config.staff, now)?;
    Ok(user.map(|username| SignedIn {
        username,
        csrf: csrf_token(app, token),
    }))
}

/// The answer to a page opened without a session: the sign-in page, then back here.
pub(crate) fn required(req: &Request) -> Response {
    let next = form::percent_encode(&req.path);
    Response::see_other(&format!("/login?next={next}"))
}

/// A session cookie (empty with `max_age` 0 to remove it).
fn session_cookie(app: &HqApp, token: &str, max_age: Option<i64>) -> String {
    form::set_cookie(
        SESSION_COOKIE,
        token,
        "Strict",
        app.config.secure_cookies(),
        max_age,
    )
}

/// What the sign-in form shows besides its fields.
struct Shown<'a> {
    username: &'a str,
    next: &'a str,
    notice: Option<&'a str>,
    error: Option<&'a str>,
}

/// The sign-in form, its CSRF token bound to this browser (a new anonymous cookie if it has
/// none yet).
fn login_form(app: &HqApp, req: &Request, shown: &Shown, status: u16) -> Response {
    let lang = app.lang();
    let (bound, new_cookie) = match binding(app, req) {
        Some(b) => (b.to_owned(), None),
        None => {
            let fresh = web::new_browser_id(&app.key);
            let cookie = form::set_cookie(
                ANON_COOKIE,
                &fresh,
                "Strict",
                app.config.secure_cookies(),
                None,
            );
            (fresh, Some(cookie))
        }
    };
    let mut user_field = Field::new(lang.t(Msg::Username), "username", shown.username);
    user_field.autocomplete = "username";
    let mut password_field = Field::new(lang.t(Msg::Password), "password", "");
    password_field.kind = "password";
    password_field.autocomplete = "current-password";
    let body = html! {
        @if let Some(notice) = shown.notice { p class="flash" role="status" { (notice) } }
        (ui::form_error(shown.error))
        form method="post" action="/login" class="stack" {
            (ui::csrf_input(&csrf_token(app, &bound)))
            input type="hidden" name="next" value=(shown.next);
            (ui::field(&user_field))
            (ui::field(&password_field))
            div { button type="submit" { (lang.t(Msg::SignIn)) } }
        }
    };
    let page = ui::hq_page(lang, None, lang.t(Msg::HqSignIn), body);
    let response = Response::html(status, page);
    match new_cookie {
        Some(cookie) => response.with_header("Set-Cookie", cookie),
        None => response,
    }
}

/// `GET /login`.
pub(crate) fn login_page(
    app: &HqApp,
    req: &Request,
    now: DateTime<Utc>,
) -> Result<Response, StoreError> {
    if signed_in(app, req, now)?.is_some() {
        return Ok(Response::see_other("/"));
    }
    let lang = app.lang();
    let query = req.query_form().unwrap_or_default();
    // A session cookie that no longer opens a session: it timed out or was ended elsewhere.
    let expired = req
        .cookie(SESSION_COOKIE)
        .is_some_and(|t| !t.is_empty())
        .then(|| lang.t(Msg::SessionExpired));
    let notice = query.get("out").map(|_| lang.t(Msg::SignedOut)).or(expired);
    let shown = Shown {
        username: "",
        next: query.text("next"),
        notice,
        error: None,
    };
    Ok(login_form(app, req, &shown, 200))
}

/// The client address, as the throttle's key and in the audit.
pub(crate) fn client_address(req: &Request) -> String {
    req.remote
        .map_or_else(|| "unknown".to_owned(), |ip| ip.to_string())
}

/// `POST /login` (its CSRF token already checked).
pub(crate) fn login(
    app: &HqApp,
    req: &Request,
    form: &Form,
    now: DateTime<Utc>,
) -> Result<Response, StoreError> {
    let lang = app.lang();
    let username = form.text("username");
    let password = form.get("password").unwrap_or("");
    let next = form.text("next");
    let address = client_address(req);
    let refuse = |message: &str, status: u16| {
        let shown = Shown {
            username,
            next,
            notice: None,
            error: Some(message),
        };
        login_form(app, req, &shown, status)
    };
    if !app.sign_in_throttle.allows(&address, now) {
        return Ok(refuse(lang.t(Msg::ErrTooManyBody), 429));
    }
    let rules = &app.config.staff;
    let user = match app.store.sign_in(username, password, &address, rules, now) {
        Ok(user) => user,
        Err(auth::SignInError::Db(e)) => return Err(e),
        Err(refusal) => {
            app.sign_in_throttle.record(&address, now);
            return Ok(refuse(&auth::refusal_text(lang, &refusal, now), 200));
        }
    };
    if let Some(old) = req.cookie(SESSION_COOKIE) {
        app.store.end_session(old)?;
    }
    let token = app.store.start_session(&user, now)?;
    Ok(Response::see_other(crate::plumbing::http::local_path(next))
        .with_header("Set-Cookie", session_cookie(app, &token, None)))
}

/// `POST /logout` (its CSRF token already checked): ends the session, clears the cookie.
pub(crate) fn logout(
    app: &HqApp,
    req: &Request,
    now: DateTime<Utc>,
) -> Result<Response, StoreError> {
    if let Some(token) = req.cookie(SESSION_COOKIE).filter(|t| !t.is_empty()) {
        app.store.sign_out(token, &client_address(req), now)?;
    }
    Ok(Response::see_other("/login?out=1")
        .with_header("Set-Cookie", session_cookie(app, "", Some(0))))
}
