//! `GET /healthz`: a JSON summary for monitoring and for the installer: overall status,
//! whether the database answers, the modem's state, the sync backlog, the scheduler's last
//! reminder pass and the version.

use serde_json::json;

use crate::plumbing::error::AppError;
use crate::plumbing::http::Response;
use crate::web::Ctx;

/// GET /healthz.
pub(crate) fn show(ctx: &Ctx) -> Result<Response, AppError> {
    let database = ctx.app.db.ping().err().unwrap_or_else(|| "ok".to_owned());
    let healthy = database == "ok";
    let sync = ctx
        .app
        .db
        .conn()
        .map_err(|e| e.to_string())
        .and_then(|c| {
            crate::sync::health(&ctx.app.uploader, &c, ctx.now).map_err(|e| e.to_string())
        })
        .unwrap_or_else(|e| json!({ "state": "unknown", "error": e }));
    let body = json!({
        "status": if healthy { "ok" } else { "degraded" },
        "database": database,
        "modem": crate::sms::health(&ctx.app.sms),
        "sync": sync,
        "scheduler": {
            "last_reminder_pass": ctx.app.scheduler.last_reminder_pass().map(|at| at.to_rfc3339()),
        },
        "demo": ctx.app.demo,
        "version": env!("CARGO_PKG_VERSION"),
    });
    Ok(Response::json(if healthy { 200 } else { 503 }, &body))
}
