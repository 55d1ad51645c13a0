//! The "Verify caller" form on the customer page and its answer (seed 003; the rule and the
//! record are `customers::caller`). The form lists the details to ask for, never their values,
//! so a caller cannot be told what to say.

use maud::{Markup, html};

use crate::customers::caller::{self, CallerError, DETAILS};
use crate::plumbing::db;
use crate::plumbing::error::AppError;
use crate::plumbing::http::Response;
use crate::plumbing::i18n::Msg;
use crate::plumbing::ids::CustomerId;
use crate::plumbing::paths::{self, CustomerPart};
use crate::plumbing::ui::{self, FieldErrors};
use crate::roles::{Permission, StaffUser};
use crate::web::Ctx;

/// Who talks to callers.
const MAY_VERIFY: [Permission; 2] = [Permission::CallCentre, Permission::CustomerManagement];

/// The "Verify caller" form on the customer page.
pub(crate) fn section(
    ctx: &Ctx,
    user: &StaffUser,
    customer: &CustomerId,
    sent: &FieldErrors,
) -> Markup {
    html! {
        @if MAY_VERIFY.iter().any(|p| user.role.has(*p)) {
            section class="card" id="verify-caller" {
                h2 { (ctx.t(Msg::CallerTitle)) }
                p { (ctx.t(Msg::CallerIntro)) }
                form method="post" action=(paths::customer_part(customer, CustomerPart::Caller)) class="stack" {
                    (ui::csrf_input(&ctx.csrf()))
                    fieldset {
                        legend { (ctx.t(Msg::CallerChecked)) }
                        (ui::field_error(sent.whole()))
                        @for (name, label) in DETAILS {
                            label class="check" {
                                input type="checkbox" name=(name) value="1" checked[sent.value_or(name, "") == "1"];
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
    let mut conn = ctx.app.db.conn()?;
    let tx = db::immediate(&mut conn)?;
    match caller::record_check(&tx, &id, &checked, user, ctx.now) {
        Ok(()) => tx.commit()?,
        Err(CallerError::NothingChecked) => {
            drop(tx);
            let mut sent = FieldErrors::sent("caller", form);
            sent.refuse(ctx.t(Msg::CallerNothingChecked));
            return crate::web::customers::render_show(ctx, user, &id, &sent, 400);
        }
        Err(CallerError::NoSuchCustomer) => return Err(AppError::NotFound),
        Err(CallerError::Db(e)) => return Err(e.into()),
    }
    ctx.flash(ctx.t(Msg::CallerVerified));
    Ok(Response::see_other(&format!(
        "{}#timeline",
        paths::customer(&id)
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
