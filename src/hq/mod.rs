//! Head office: `pawnbranch hq`. The same executable, with its own configuration file and its
//! own store ([`store`]: SQLite `hq.sqlite` by default, or PostgreSQL), receives every branch's
//! change log ([`receive`]), keeps the current state of every record of every branch, and
//! serves a few read-only pages to head office staff ([`pages`]): branches with their upload
//! lag, a customer search across branches, totals of outstanding loans per branch.
//!
//! Its routing table is [`route`]; the upload endpoint answers JSON (see `sync::batch`) to a
//! branch's bearer credential; every page needs a head office user's session, made on the
//! sign-in page ([`sign_in`]), and every other POST form its CSRF token.

pub(crate) mod access;
pub(crate) mod compact;
pub(crate) mod pages;
pub(crate) mod receive;
pub(crate) mod reference;
pub(crate) mod reference_api;
pub(crate) mod reference_pages;
pub(crate) mod reports;
pub(crate) mod reports_pages;
pub(crate) mod reseed;
pub(crate) mod reseed_api;
pub(crate) mod sign_in;
pub(crate) mod store;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::json;

use crate::plumbing::clock::{Clock, SystemClock};
use crate::plumbing::config::Config;
use crate::plumbing::crypto::InstallationKey;
use crate::plumbing::db;
use crate::plumbing::error::AppError;
use crate::plumbing::http::{self, Method, Request, Response, Server, assets};
use crate::plumbing::i18n::Lang;
use crate::plumbing::throttle::Throttle;
use crate::sync::batch::{self, Batch, Reply};
use receive::ReceiveError;
use store::{Store, StoreError};

/// What head office's request handlers share.
pub(crate) struct HqApp {
    pub(crate) config: Config,
    pub(crate) store: Store,
    /// Head office's own installation secret (`secret.key` in its data directory): it keys
    /// the CSRF tokens.
    pub(crate) key: InstallationKey,
    /// Failed sign-ins per client address.
    pub(crate) sign_in_throttle: Throttle,
    pub(crate) clock: Arc<dyn Clock>,
}

impl HqApp {
    /// The language of head office pages.
    pub(crate) fn lang(&self) -> Lang {
        self.config.language()
    }
}

/// Runs head office until SIGTERM or SIGINT.
pub(crate) fn serve(config: Config) -> Result<(), String> {
    let shutdown = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGINT] {
        signal_hook::flag::register(signal, Arc::clone(&shutdown))
            .map_err(|e| format!("cannot install the signal handlers: {e}"))?;
    }
    let store = Store::open(&config).map_err(|e| e.to_string())?;
    let key = InstallationKey::load_or_create(&config.data_dir())
        .map_err(|e| format!("cannot read or create the installation secret: {e}"))?;
    let app = Arc::new(HqApp {
        sign_in_throttle: Throttle::new(
            config.staff.address_failures_per_15_minutes,
            chrono::Duration::minutes(15),
        ),
        config,
        store,
        key,
        clock: Arc::new(SystemClock),
    });
    let handler_app = Arc::clone(&app);
    let lang = app.lang();
    let server = Server::start(
        &app.config.server.listen,
        app.config
            .server
            .http_options(app.config.hq.max_upload_bytes),
        Arc::new(move |request| handle(&handler_app, request)),
        Arc::new(move |rejection, _request| {
            crate::plumbing::error::rejection_page(rejection, lang)
        }),
        Arc::clone(&shutdown),
    )
    .map_err(|e| e.to_string())?;
    println!(
        "pawnbranch {} head office listening on http://{}",
        env!("CARGO_PKG_VERSION"),
        server.addr
    );
    log::info!(
        "head office: data in {}, store {}",
        app.config.storage.data_dir,
        app.store.kind()
    );
    let compactor = {
        let app = Arc::clone(&app);
        let shutdown = Arc::clone(&shutdown);
        std::thread::Builder::new()
            .name("hq-compact".to_owned())
            .spawn(move || compact_periodically(&app, &shutdown))
            .map_err(|e| format!("cannot start the compaction thread: {e}"))?
    };
    while !shutdown.load(Ordering::SeqCst) {
        std::thread::sleep(Duration::from_millis(100));
    }
    log::info!("head office: shutting down");
    // It looks at the flag between pages and while it waits.
    let _ = compactor.join();
    if server.join() {
        Ok(())
    } else {
        Err("the HTTP listener stopped unexpectedly".to_owned())
    }
}

/// How often `hq serve` compacts the raw change log.
const COMPACT_EVERY: Duration = Duration::from_secs(3600);

/// Compacts the raw change log at start and then every [`COMPACT_EVERY`] until shutdown.
fn compact_periodically(app: &HqApp, shutdown: &AtomicBool) {
    while !shutdown.load(Ordering::SeqCst) {
        if let Some(before) = compact::cutoff(app.config.hq.compact_after_days, app.clock.now()) {
            match app
                .store
                .compact(before, compact::PAGE, &|| !shutdown.load(Ordering::SeqCst))
            {
                Ok(0) => {}
                Ok(n) => log::info!("head office: compacted {n} change-log entries"),
                Err(e) => log::error!("head office: compaction failed: {e}"),
            }
        }
        let next = std::time::Instant::now() + COMPACT_EVERY;
        while !shutdown.load(Ordering::SeqCst) && std::time::Instant::now() < next {
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

/// Answers one request.
pub(crate) fn handle(app: &HqApp, req: &Request) -> Response {
    route(app, req, app.clock.now()).unwrap_or_else(|e| {
        log::error!("head office: {}: {e}", req.path);
        Response::json(
            500,
            &json!({ "error": "internal error; see head office's log" }),
        )
    })
}

/// Head office's routing table. The pages are the arms under `signed_in`: without a live
/// session they answer with the way to the sign-in page.
fn route(app: &HqApp, req: &Request, now: DateTime<Utc>) -> Result<Response, StoreError> {
    use Method::{Get, Head, Post};
    let method = if req.method == Head { Get } else { req.method };
    let segments = req.segments();
    match (method, segments.as_slice()) {
        (Post, ["api", "v1", "batches"]) => upload(app, req),
        (Get, ["api", "v1", "reference"]) => reference_api::fetch(app, req),
        (Post, ["api", "v1", "reference", "ack"]) => reference_api::ack(app, req, now),
        (Get, ["api", "v1", "position"]) => reseed_api::position(app, req),
        (Post, ["api", "v1", "reseed"]) => reseed_api::reseed(app, req, now),
        (Post, ["reference"]) => {
            with_form(app, req, |form| reference_pages::post(app, req, form, now))
        }
        (Post, ["login"]) => with_form(app, req, |form| sign_in::login(app, req, form, now)),
        (Post, ["logout"]) => with_form(app, req, |_| sign_in::logout(app, req, now)),
        (Get, ["healthz"]) => health(app),
        (Get, ["assets", name]) => Ok(assets::serve(req, name).unwrap_or_else(not_found)),
        (Get, ["login"]) => sign_in::login_page(app, req, now),
        (
            Get,
            page @ ([""]
            | ["customers"]
            | ["branches", _]
            | ["reference"]
            | ["reports"]
            | ["reports", _]),
        ) => {
            let Some(user) = sign_in::signed_in(app, req, now)? else {
                return Ok(sign_in::required(req));
            };
            match page {
                ["customers"] => pages::customers(app, req, &user),
                ["branches", code] => pages::branch(app, &user, code, now),
                ["reference"] => reference_pages::page(app, &user),
                ["reports"] => Ok(reports_pages::index(app, &user)),
                ["reports", name] => reports_pages::get(app, req, &user, name, now),
                _ => pages::branches(app, &user),
            }
        }
        (
            _,
            ["api", "v1", "batches"]
            | ["healthz"]
            | [""]
            | ["customers"]
            | ["branches", _]
            | ["reference"]
            | ["reports"]
            | ["reports", _]
            | ["api", "v1", "reference"]
            | ["api", "v1", "reference", "ack"]
            | ["api", "v1", "position"]
            | ["api", "v1", "reseed"]
            | ["login"]
            | ["logout"],
        ) => Ok(Response::json(
            405,
            &json!({ "error": "method not allowed" }),
        )),
        _ => Ok(not_found()),
    }
}

/// Runs `handler` with a POST form whose CSRF token is this browser's; a form that cannot be
/// read gets 400, a missing or wrong token 403, both with the reason.
fn with_form(
    app: &HqApp,
    req: &Request,
    handler: impl FnOnce(&http::Form) -> Result<Response, StoreError>,
) -> Result<Response, StoreError> {
    let lang = app.lang();
    match req.form() {
        Err(e) => Ok(AppError::BadForm(e).into_response(req, lang)),
        Ok(form) if !sign_in::csrf_matches(app, req, &form) => {
            Ok(AppError::Csrf.into_response(req, lang))
        }
        Ok(form) => handler(&form),
    }
}

fn not_found() -> Response {
    Response::json(404, &json!({ "error": "not found" }))
}

/// `POST /api/v1/batches`: authenticate the branch, unpack and check the whole batch, store it
/// in one transaction, and answer only after it is committed.
fn upload(app: &HqApp, req: &Request) -> Result<Response, StoreError> {
    let reply = |status: u16, reply: &Reply| {
        Response::json(
            status,
            &serde_json::to_value(reply).unwrap_or_else(|_| json!({})),
        )
    };
    let refuse = |status: u16, error: String| {
        reply(
            status,
            &Reply {
                error: Some(error),
                ..Reply::default()
            },
        )
    };
    let credential = req
        .header("authorization")
        .and_then(|h| h.strip_prefix("Bearer "))
        .unwrap_or("");
    let branch = app.store.branch_of(credential.trim())?;
    let Some(branch) = branch else {
        return Ok(refuse(
            401,
            "unknown or revoked branch credential".to_owned(),
        ));
    };
    let limit = app.config.hq.max_unpacked_bytes as usize;
    let body = match req.header("content-encoding") {
        Some(e) if e.eq_ignore_ascii_case("gzip") => match batch::gunzip(&req.body, limit) {
            Ok(body) => body,
            Err(batch::UnpackError::TooLarge(_)) => {
                return Ok(refuse(
                    413,
                    format!("the batch unpacks to more than {limit} bytes"),
                ));
            }
            Err(e) => return Ok(refuse(400, e.to_string())),
        },
        None => req.body.clone(),
        Some(other) => {
            return Ok(refuse(
                400,
                format!("unsupported Content-Encoding {other:?}"),
            ));
        }
    };
    let batch: Batch = match serde_json::from_slice(&body) {
        Ok(b) => b,
        Err(e) => return Ok(refuse(400, format!("malformed batch: {e}"))),
    };
    drop(body);
    if let Err(e) = receive::check(&batch, &branch, db::known_version()) {
        return Ok(refuse(400, e.to_string()));
    }
    match app.store.receive(&branch, &batch, app.clock.now()) {
        Ok(r) => Ok(reply(200, &r)),
        Err(e @ ReceiveError::Gap { acked, .. }) => Ok(reply(
            409,
            &Reply {
                acked: Some(acked),
                error: Some(e.to_string()),
                ..Reply::default()
            },
        )),
        Err(e @ ReceiveError::Conflict { acked, .. }) => {
            log::error!("head office: branch {branch}: {e}");
            Ok(reply(
                409,
                &Reply {
                    acked: Some(acked),
                    error: Some(e.to_string()),
                    conflict: true,
                    ..Reply::default()
                },
            ))
        }
        Err(e @ ReceiveError::Malformed(_)) => Ok(refuse(400, e.to_string())),
        Err(ReceiveError::Db(e)) => Err(e),
    }
}

/// `GET /healthz`.
fn health(app: &HqApp) -> Result<Response, StoreError> {
    let branches = app.store.branch_count()?;
    Ok(Response::json(
        200,
        &json!({
            "status": "ok",
            "role": "head_office",
            "store": app.store.kind(),
            "branches": branches,
            "accepts_schema": [db::known_version() - 1, db::known_version()],
            "version": env!("CARGO_PKG_VERSION"),
        }),
    ))
}
