//! The follow-up screen's "Customer information" and "Do not contact" sections and their
//! forms: a call agent approves a new application's information (`callcentre::approval`), and
//! marks a customer not to be contacted, with a reason, or clears the mark
//! (`callcentre::do_not_contact`). Every form needs the Call Centre permission.

use maud::{Markup, html};

use super::follow_up::render;
use crate::callcentre::approval::{self, ApproveError, Approved};
use crate::callcentre::do_not_contact::{self, MAX_REASON_CHARS, Mark, MarkError};
use crate::plumbing::db;
use crate::plumbing::error::AppError;
use crate::plumbing::http::Response;
use crate::plumbing::i18n::Msg;
use crate::plumbing::ids::CustomerId;
use crate::plumbing::paths::{self, FollowUpPart};
use crate::plumbing::ui::{self, FieldErrors};
use crate::roles::Permission;
use crate::web::Ctx;

/// The do-not-contact form's name in [`FieldErrors`].
pub(super) const DNC_FORM: &str = "do_not_contact";

/// Back to the screen at `anchor`.
fn back(id: &CustomerId, anchor: &str) -> Response {
    Response::see_other(&format!(
        "{}#{anchor}",
        paths::follow_up(id, FollowUpPart::Screen)
    ))
}

/// Who approved the information, or the approve button for a new application.
pub(super) fn info_section(
    ctx: &Ctx,
    customer: &CustomerId,
    approved: Option<&Approved>,
    waiting: bool,
) -> Markup {
    html! {
        section class="card" id="information" {
            h2 { (ctx.t(Msg::FollowUpInfo)) }
            @match approved {
                Some(a) => dl {
                    dt { (ctx.t(Msg::FollowUpInfoApprovedBy)) } dd { (a.by) " · " (ctx.datetime(a.at)) }
                },
                None => {
                    @if waiting {
                        p { span class="badge" { (ctx.t(Msg::FollowUpNewApplication)) } " " (ctx.t(Msg::FollowUpInfoWaiting)) }
                    } @else {
                        p class="muted" { (ctx.t(Msg::FollowUpInfoNotApproved)) }
                    }
                    form method="post" action=(paths::follow_up(customer, FollowUpPart::Approve)) class="actions" {
                        (ui::csrf_input(&ctx.csrf()))
                        button type="submit" { (ctx.t(Msg::FollowUpInfoApprove)) }
                    }
                },
            }
        }
    }
}

/// The mark and the form to clear it, or the form to set one.
pub(super) fn dnc_section(
    ctx: &Ctx,
    customer: &CustomerId,
    mark: Option<&Mark>,
    sent: &FieldErrors,
) -> Markup {
    html! {
        section class="card" id="do-not-contact" {
            h2 { (ctx.t(Msg::DoNotContact)) }
            (ui::form_error(sent.whole()))
            @match mark {
                Some(m) => {
                    dl {
                        dt { (ctx.t(Msg::FollowUpDncReason)) } dd { span class="badge bad" { (ctx.t(Msg::DoNotContact)) } " " (m.reason) }
                        dt { (ctx.t(Msg::FollowUpDncMarkedBy)) } dd { (m.by) " · " (ctx.datetime(m.at)) }
                    }
                    form method="post" action=(paths::follow_up(customer, FollowUpPart::DoNotContactClear)) class="actions" {
                        (ui::csrf_input(&ctx.csrf()))
                        button type="submit" class="secondary" { (ctx.t(Msg::FollowUpDncClear)) }
                    }
                },
                None => {
                    p class="muted" { (ctx.t(Msg::FollowUpDncNone)) }
                    form method="post" action=(paths::follow_up(customer, FollowUpPart::DoNotContact)) {
                        (ui::csrf_input(&ctx.csrf()))
                        div class="field" {
                            label for="dnc-reason" { (ctx.t(Msg::FollowUpDncReason)) }
                            input id="dnc-reason" name="reason" type="text" required maxlength=(MAX_REASON_CHARS)
                                value=(sent.value_or("reason", ""));
                            (ui::field_error(sent.error_for("reason")))
                        }
                        button type="submit" class="secondary" { (ctx.t(Msg::FollowUpDncSet)) }
                    }
                },
            }
        }
    }
}

/// POST /staff/callcentre/customers/{id}/approve: the customer's information approved.
pub(crate) fn approve_info(ctx: &Ctx, id: CustomerId) -> Result<Response, AppError> {
    let user = ctx.require(Permission::CallCentre)?;
    let mut conn = ctx.app.db.conn()?;
    let tx = db::immediate(&mut conn)?;
    match approval::approve(&tx, user, &id, ctx.now) {
        Ok(()) => {
            tx.commit()?;
            ctx.flash(ctx.t(Msg::FollowUpInfoApproved));
        }
        Err(ApproveError::AlreadyApproved) => ctx.flash(ctx.t(Msg::FollowUpInfoAlready)),
        Err(ApproveError::NotAllowed) => return Err(AppError::Forbidden),
        Err(ApproveError::NoSuchCustomer) => return Err(AppError::NotFound),
        Err(ApproveError::Db(e)) => return Err(e.into()),
    }
    Ok(back(&id, "information"))
}

/// POST /staff/callcentre/customers/{id}/do-not-contact: marked, with a reason.
pub(crate) fn mark_do_not_contact(ctx: &Ctx, id: CustomerId) -> Result<Response, AppError> {
    let user = ctx.require(Permission::CallCentre)?;
    let form = ctx.form()?;
    let mut conn = ctx.app.db.conn()?;
    let tx = db::immediate(&mut conn)?;
    match do_not_contact::set(&tx, user, &id, form.text("reason"), ctx.now) {
        Ok(()) => {
            tx.commit()?;
            ctx.flash(ctx.t(Msg::FollowUpDncSaved));
            Ok(back(&id, "do-not-contact"))
        }
        Err(MarkError::Reason) => {
            drop(tx);
            let mut sent = FieldErrors::sent(DNC_FORM, form);
            sent.add("reason", ctx.t(Msg::FollowUpDncReasonInvalid));
            render(ctx, user, &id, &sent, 400)
        }
        Err(e) => Err(refused(ctx, e)),
    }
}

/// POST /staff/callcentre/customers/{id}/do-not-contact/clear: the mark cleared.
pub(crate) fn clear_do_not_contact(ctx: &Ctx, id: CustomerId) -> Result<Response, AppError> {
    let user = ctx.require(Permission::CallCentre)?;
    let mut conn = ctx.app.db.conn()?;
    let tx = db::immediate(&mut conn)?;
    match do_not_contact::clear(&tx, user, &id, ctx.now) {
        Ok(()) => {
            tx.commit()?;
            ctx.flash(ctx.t(Msg::FollowUpDncCleared));
        }
        Err(MarkError::NotMarked) => ctx.flash(ctx.t(Msg::FollowUpDncNotMarked)),
        Err(e) => return Err(refused(ctx, e)),
    }
    Ok(back(&id, "do-not-contact"))
}

fn refused(ctx: &Ctx, e: MarkError) -> AppError {
    let bad = |msg| AppError::BadRequest(ctx.t(msg).to_owned());
    match e {
        MarkError::NotAllowed => AppError::Forbidden,
        MarkError::NoSuchCustomer => AppError::NotFound,
        MarkError::Db(e) => e.into(),
        MarkError::Reason => bad(Msg::FollowUpDncReasonInvalid),
        MarkError::NotMarked => bad(Msg::FollowUpDncNotMarked),
    }
}
