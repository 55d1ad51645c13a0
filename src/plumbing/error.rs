//! `AppError`: everything a request handler can fail with, and the one place where a failure
//! becomes a response.
//!
//! What the user reads (a catalogue message) is kept apart from what is logged (the detail
//! of an internal error). Internal errors are logged here, once, and the user sees a page that
//! says nothing was changed: handlers run their writes in one transaction, which rolls back
//! when the error drops it.

use log::error;

use crate::plumbing::http::{FormError, Rejection, Request, Response, form};
use crate::plumbing::i18n::{Lang, Msg};
use crate::plumbing::paths;
use crate::plumbing::ui;

/// A failed request.
#[derive(Debug)]
pub(crate) enum AppError {
    /// Input that cannot be used; the reason, already in the user's language, is shown (400).
    BadRequest(String),
    /// A form or query string that could not be decoded (400).
    BadForm(FormError),
    /// A form whose CSRF token is missing or wrong (403).
    Csrf,
    /// A staff page opened without a valid session: go to the sign-in page.
    SignInRequired,
    /// A page that needs another step first (the customer's login or profile): go there.
    Redirect(String),
    /// Signed in, but without the permission this needs (403).
    Forbidden,
    /// No such page or record (404).
    NotFound,
    /// The path exists but not for this method (405).
    MethodNotAllowed,
    /// A failure of ours; the detail is logged, never shown (500).
    Internal(String),
}

impl AppError {
    /// An internal error with its detail for the log.
    pub(crate) fn internal(detail: impl Into<String>) -> AppError {
        AppError::Internal(detail.into())
    }

    /// The HTTP status of this error.
    pub(crate) fn status(&self) -> u16 {
        match self {
            AppError::BadRequest(_) | AppError::BadForm(_) => 400,
            AppError::Csrf | AppError::Forbidden => 403,
            AppError::SignInRequired | AppError::Redirect(_) => 303,
            AppError::NotFound => 404,
            AppError::MethodNotAllowed => 405,
            AppError::Internal(_) => 500,
        }
    }

    /// The response for this error, in the user's language, on the plain error page (head
    /// office, and the branch's pages for someone not signed in to them: `web::error_page`
    /// chooses).
    pub(crate) fn into_response(self, request: &Request, lang: Lang) -> Response {
        match self.answer(request, lang) {
            Answer::Go(response) => response,
            Answer::Page(page) => Response::html(
                page.status,
                ui::error_page(lang, page.status, page.title, &page.text),
            ),
        }
    }

    /// What this error answers: a redirect, or the words of its page.
    pub(crate) fn answer(self, request: &Request, lang: Lang) -> Answer {
        let status = self.status();
        let (title, text) = match self {
            AppError::SignInRequired => {
                let next = form::percent_encode(&request.path);
                return Answer::Go(Response::see_other(&format!(
                    "{}?next={next}",
                    paths::STAFF_LOGIN
                )));
            }
            AppError::Redirect(to) => return Answer::Go(Response::see_other(&to)),
            AppError::BadRequest(reason) => (lang.t(Msg::ErrBadRequestTitle), reason),
            AppError::BadForm(FormError::Control) => (
                lang.t(Msg::ErrBadRequestTitle),
                lang.t(Msg::ErrControlCharacter).to_owned(),
            ),
            AppError::BadForm(e) => (
                lang.t(Msg::ErrBadRequestTitle),
                lang.fill(Msg::ErrBadForm, &[("reason", &e.to_string())]),
            ),
            AppError::Csrf => (
                lang.t(Msg::ErrForbiddenTitle),
                lang.t(Msg::ErrCsrf).to_owned(),
            ),
            AppError::Forbidden => (
                lang.t(Msg::ErrForbiddenTitle),
                lang.t(Msg::ErrForbiddenBody).to_owned(),
            ),
            AppError::NotFound => (
                lang.t(Msg::ErrNotFoundTitle),
                lang.t(Msg::ErrNotFoundBody).to_owned(),
            ),
            AppError::MethodNotAllowed => (
                lang.t(Msg::ErrMethodTitle),
                lang.t(Msg::ErrMethodBody).to_owned(),
            ),
            AppError::Internal(detail) => {
                error!(
                    "{} {}: internal error: {detail}",
                    method_name(request),
                    request.path
                );
                (
                    lang.t(Msg::ErrInternalTitle),
                    lang.t(Msg::ErrInternalBody).to_owned(),
                )
            }
        };
        Answer::Page(ErrorText {
            status,
            title,
            text,
        })
    }
}

/// What an [`AppError`] answers.
pub(crate) enum Answer {
    /// Go elsewhere first (sign in, another step).
    Go(Response),
    /// A page saying what went wrong, in whichever layout the caller draws.
    Page(ErrorText),
}

/// The words of an error page, in the user's language.
pub(crate) struct ErrorText {
    pub(crate) status: u16,
    pub(crate) title: &'static str,
    pub(crate) text: String,
}

/// The plumbing's own failures (oversized or malformed requests, panics) as pages.
pub(crate) fn rejection_page(rejection: Rejection, lang: Lang) -> Response {
    let (status, title, body) = match rejection {
        Rejection::TooLarge => (413, Msg::ErrTooLargeTitle, Msg::ErrTooLargeBody),
        Rejection::Malformed => (400, Msg::ErrBadRequestTitle, Msg::ErrMalformed),
        Rejection::Panic => (500, Msg::ErrInternalTitle, Msg::ErrInternalBody),
    };
    Response::html(
        status,
        ui::error_page(lang, status, lang.t(title), lang.t(body)),
    )
}

/// The method as text, for log lines.
fn method_name(request: &Request) -> &'static str {
    match request.method {
        crate::plumbing::http::Method::Get => "GET",
        crate::plumbing::http::Method::Head => "HEAD",
        crate::plumbing::http::Method::Post => "POST",
        crate::plumbing::http::Method::Other => "OTHER",
    }
}

impl From<rusqlite::Error> for AppError {
    fn from(e: rusqlite::Error) -> Self {
        AppError::Internal(format!("database: {e}"))
    }
}

impl From<crate::plumbing::db::DbError> for AppError {
    fn from(e: crate::plumbing::db::DbError) -> Self {
        AppError::Internal(e.to_string())
    }
}

impl From<FormError> for AppError {
    fn from(e: FormError) -> Self {
        AppError::BadForm(e)
    }
}
