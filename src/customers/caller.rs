//! "Verify caller" (seed 003): before giving any account detail on the phone, staff ask the
//! caller for the phone number, the ID (KTP) number or the full name used at registration and
//! compare it with the record. The step records which details were checked, by whom and when;
//! it shows in the customer's timeline. The page never shows the answers to compare against
//! until staff ask for them, so a caller cannot be told what to say.

use maud::{Markup, html};

use super::{EventKind, get, record_event};
use crate::plumbing::db;
use crate::plumbing::error::AppError;
use crate::plumbing::http::Response;
use crate::plumbing::i18n::Msg;
use crate::plumbing::ids::CustomerId;
use crate::plumbing::ui;
use crate::roles::{Permission, StaffUser};
use crate::web::Ctx;

/// Who talks to callers.
const MAY_VERIFY: [Permission; 2] = [Permission::CallCentre, Permission::CustomerManagement];

/// The details a caller can be asked for, as the form and the timeline name them.
const DETAILS: [(&str, Msg); 3] = [
    ("phone", Msg::PhoneNumber),
    ("id_number", Msg::IdNumber),
    ("full_name", Msg::FullName),
];

/// The "Verify caller" form on the customer page.
pub(crate) fn section(ctx: &Ctx, user: &StaffUser, customer: &CustomerId) -> Markup {
    html! {
        @if MAY_VERIFY.iter().any(|p| user.role.has(*p)) {
            section class="card" id="verify-caller" {
                h2 { (ctx.t(Msg::CallerTitle)) }
                p { (ctx.t(Msg::CallerIntro)) }
                form method="post" action={ "/staff/customers/" (customer) "/caller" } class="stack" {
                    (ui::csrf_input(&ctx.csrf()))
                    fieldset {
                        legend { (ctx.t(Msg::CallerChecked)) }
                        @for (name, label) in DETAILS {
                            label class="check" {
                                input type="checkbox" name=(name) value="1";
                                " " (ctx.t(label))
                            }
                        }
                    }
                    div { button type="submit" { (ctx.t(Msg::CallerVerify)) } }
                }
            }
        }
    }
}

/// POST /staff/customers/{id}/caller: record which details the caller confirmed.
pub(crate) fn verify(ctx: &Ctx, id: CustomerId) -> Result<Response, AppError> {
    let user = ctx.require_any(&MAY_VERIFY)?;
    let form = ctx.form()?;
    let checked: Vec<&str> = DETAILS
        .iter()
        .filter(|(name, _)| form.get(name) == Some("1"))
        .map(|(name, _)| *name)
        .collect();
    if checked.is_empty() {
        return Err(AppError::BadRequest(
            ctx.t(Msg::CallerNothingChecked).to_owned(),
        ));
    }
    let mut conn = ctx.app.db.conn()?;
    let tx = db::immediate(&mut conn)?;
    get(&tx, &id)?.ok_or(AppError::NotFound)?;
    record_event(
        &tx,
        &id,
        EventKind::CallerVerified,
        Some(&user.id),
        &checked.join(","),
        ctx.now,
    )?;
    let change = crate::audit::Change {
        action: "customer.caller_verified",
        entity: "customer",
        entity_id: id.as_str(),
        before: None,
        after: Some(serde_json::json!({ "checked": checked })),
    };
    crate::audit::record(&tx, &crate::audit::Actor::Staff(user), &change, ctx.now)?;
    tx.commit()?;
    ctx.flash(ctx.t(Msg::CallerVerified));
    Ok(Response::see_other(&format!(
        "/staff/customers/{id}#timeline"
    )))
}

/// The checked details of a `caller_verified` event, in the reader's words.
pub(crate) fn describe(ctx: &Ctx, detail: &str) -> String {
    detail
        .split(',')
        .filter_map(|d| DETAILS.iter().find(|(name, _)| *name == d))
        .map(|(_, label)| ctx.t(*label))
        .collect::<Vec<_>>()
        .join(", ")
}
