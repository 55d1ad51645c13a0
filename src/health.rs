//! `GET /healthz`: a JSON summary for monitoring and for the installer: overall status,
//! whether the database answers, the modem's state, the sync backlog and the version.

use serde_json::json;

use crate::error::AppError;
use crate::http::Response;
use crate::web::Ctx;

/// GET /healthz.
pub(crate) fn show(ctx: &Ctx) -> Result<Response, AppError> {
    let database = match ctx
        .app
        .db
        .conn()
        .map(|c| c.query_row("SELECT 1", [], |r| r.get::<_, i64>(0)))
    {
        Ok(Ok(1)) => "ok".to_owned(),
        Ok(Ok(_)) => "unexpected answer".to_owned(),
        Ok(Err(e)) => e.to_string(),
        Err(e) => e.to_string(),
    };
    let healthy = database == "ok";
    let body = json!({
        "status": if healthy { "ok" } else { "degraded" },
        "database": database,
        "modem": crate::sms::health(&ctx.app.sms),
        // The head office uploader is not part of this build yet; say so rather than report a
        // backlog nobody measured.
        "sync": { "state": "not_configured", "backlog": null },
        "demo": ctx.app.demo,
        "version": env!("CARGO_PKG_VERSION"),
    });
    Ok(Response::json(if healthy { 200 } else { 503 }, &body))
}
