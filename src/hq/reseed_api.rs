//! The branches' side of a re-seed (`hq::reseed`): `GET /api/v1/position` answers where the
//! branch's log stands at head office (`{"acked": N}`), and `POST /api/v1/reseed` with
//! `{"expected": N, "from": M}` moves it on, both to the branch's bearer credential.

use chrono::{DateTime, Utc};
use serde_json::json;

use super::HqApp;
use super::reference_api::{branch_of, refuse};
use super::reseed::{Request as ReseedRequest, ReseedError};
use super::store::StoreError;
use crate::plumbing::http::{Request, Response};

/// `GET /api/v1/position`.
pub(crate) fn position(app: &HqApp, req: &Request) -> Result<Response, StoreError> {
    let Some(branch) = branch_of(app, req)? else {
        return Ok(refuse(401, "unknown or revoked branch credential"));
    };
    let acked = app
        .store
        .branches()?
        .into_iter()
        .find(|b| b.code == branch)
        .map_or(0, |b| b.acked_seq);
    Ok(Response::json(200, &json!({ "acked": acked })))
}

/// `POST /api/v1/reseed`.
pub(crate) fn reseed(
    app: &HqApp,
    req: &Request,
    now: DateTime<Utc>,
) -> Result<Response, StoreError> {
    let Some(branch) = branch_of(app, req)? else {
        return Ok(refuse(401, "unknown or revoked branch credential"));
    };
    let Ok(request) = serde_json::from_slice::<ReseedRequest>(&req.body) else {
        return Ok(refuse(400, "expected {\"expected\": N, \"from\": M}"));
    };
    let address = super::sign_in::client_address(req);
    match app.store.reseed(&branch, request, &address, now) {
        Ok(acked) => {
            log::warn!(
                "head office: branch {branch} re-seeded: its log goes on after entry {acked}"
            );
            Ok(Response::json(200, &json!({ "acked": acked })))
        }
        Err(e @ ReseedError::Moved { acked, .. }) => Ok(Response::json(
            409,
            &json!({ "acked": acked, "error": e.to_string() }),
        )),
        Err(e @ ReseedError::Behind { .. }) => Ok(refuse(400, &e.to_string())),
        Err(ReseedError::Db(e)) => Err(e),
    }
}
