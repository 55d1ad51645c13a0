//! The follow-up note form on the customer page and its answer (the rule and the record are
//! `customers::notes`).

use maud::{Markup, html};

use crate::customers::get;
use crate::customers::notes::{self, MAX_CHARS, NoteError};
use crate::plumbing::db;
use crate::plumbing::error::AppError;
use crate::plumbing::http::Response;
use crate::plumbing::i18n::Msg;
use crate::plumbing::ids::CustomerId;
use crate::plumbing::paths::{self, CustomerPart};
use crate::plumbing::ui::{self, FieldErrors};
use crate::roles::{Permission, StaffUser};
use crate::web::Ctx;

/// Who may write notes: everyone who deals with customers.
const MAY_WRITE: [Permission; 3] = [
    Permission::CustomerManagement,
    Permission::LoanOrigination,
    Permission::CallCentre,
];

/// The form to write a note, again as `sent` when refused.
pub(crate) fn form(
    ctx: &Ctx,
    user: &StaffUser,
    customer: &CustomerId,
    sent: &FieldErrors,
) -> Markup {
    let error = sent.error_for("note");
    html! {
        @if MAY_WRITE.iter().any(|p| user.role.has(*p)) {
            form method="post" action=(paths::customer_part(customer, CustomerPart::Notes)) class="stack" id="notes" {
                (ui::csrf_input(&ctx.csrf()))
                div class={ "field" @if error.is_some() { " invalid" } } {
                    label for="note" { (ctx.t(Msg::NoteLabel)) }
                    (ui::field_error(error))
                    textarea id="note" name="note" rows="3" maxlength=(MAX_CHARS) required
                        aria-invalid=[error.map(|_| "true")] { (sent.value_or("note", "")) }
                }
                div { button type="submit" class="secondary" { (ctx.t(Msg::NoteAdd)) } }
            }
        }
    }
}

/// POST /staff/customers/{id}/notes.
pub(crate) fn add_action(ctx: &Ctx, id: CustomerId) -> Result<Response, AppError> {
    let user = ctx.require_any(&MAY_WRITE)?;
    let form = ctx.form()?;
    let body = form.text("note");
    let mut conn = ctx.app.db.conn()?;
    let tx = db::immediate(&mut conn)?;
    get(&tx, &id)?.ok_or(AppError::NotFound)?;
    match notes::add(&tx, &id, body, Some(user), ctx.now) {
        Ok(()) => tx.commit()?,
        Err(NoteError::Length) => {
            drop(tx);
            let mut sent = FieldErrors::sent("note", form);
            sent.add("note", ctx.t(Msg::NoteInvalid));
            return crate::web::customers::render_show(ctx, user, &id, &sent, 400);
        }
        Err(NoteError::Db(e)) => return Err(e.into()),
    }
    ctx.flash(ctx.t(Msg::NoteAdded));
    Ok(Response::see_other(&format!(
        "{}#timeline",
        paths::customer(&id)
    )))
}
