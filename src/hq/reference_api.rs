//! The branches' side of head office's reference data: `GET /api/v1/reference?have=N` answers
//! the latest version to a branch's bearer credential (304 with no body when the branch has
//! it), and `POST /api/v1/reference/ack` records the version the branch applied.

use chrono::{DateTime, Utc};
use serde_json::json;

use super::HqApp;
use super::store::StoreError;
use crate::plumbing::http::{Body, Request, Response};
use crate::sync::reference::Ack;

/// The branch a request's bearer credential belongs to.
pub(crate) fn branch_of(app: &HqApp, req: &Request) -> Result<Option<String>, StoreError> {
    let credential = req
        .header("authorization")
        .and_then(|h| h.strip_prefix("Bearer "))
        .unwrap_or("");
    app.store.branch_of(credential.trim())
}

pub(crate) fn refuse(status: u16, error: &str) -> Response {
    Response::json(status, &json!({ "error": error }))
}

/// `GET /api/v1/reference?have=N`.
pub(crate) fn fetch(app: &HqApp, req: &Request) -> Result<Response, StoreError> {
    if branch_of(app, req)?.is_none() {
        return Ok(refuse(401, "unknown or revoked branch credential"));
    }
    let have = req
        .query_form()
        .ok()
        .and_then(|f| f.get("have").and_then(|h| h.parse::<i64>().ok()));
    let Some(have) = have else {
        return Ok(refuse(
            400,
            "have=N (the version the branch holds) is required",
        ));
    };
    match app.store.latest_reference()? {
        Some(published) if published.version > have => Ok(Response::json(
            200,
            &serde_json::to_value(&published).unwrap_or_else(|_| json!({})),
        )),
        _ => Ok(Response {
            status: 304,
            headers: vec![("Cache-Control", "no-store".to_owned())],
            body: Body::Static(b""),
        }),
    }
}

/// `POST /api/v1/reference/ack` with `{"version": N}`.
pub(crate) fn ack(app: &HqApp, req: &Request, now: DateTime<Utc>) -> Result<Response, StoreError> {
    let Some(branch) = branch_of(app, req)? else {
        return Ok(refuse(401, "unknown or revoked branch credential"));
    };
    let Ok(Ack { version }) = serde_json::from_slice::<Ack>(&req.body) else {
        return Ok(refuse(400, "expected {\"version\": N}"));
    };
    if !app.store.acknowledge_reference(&branch, version, now)? {
        return Ok(refuse(400, "no such version was published"));
    }
    Ok(Response::json(200, &json!({ "acked": version })))
}
