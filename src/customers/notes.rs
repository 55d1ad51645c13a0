//! Follow-up notes on a customer: what staff write after a call or a visit ("promised to pay
//! on Friday"). A note's words never change (the table refuses it); a mistake is corrected by
//! a new note. They show in the customer's timeline and go to head office with the sync.

use chrono::{DateTime, Utc};
use maud::{Markup, html};
use rusqlite::{Connection, params};

use super::get;
use crate::auth::{Permission, StaffUser};
use crate::db;
use crate::error::AppError;
use crate::http::Response;
use crate::i18n::Msg;
use crate::ids::{CustomerId, StaffId};
use crate::ui;
use crate::web::Ctx;

/// Who may write notes: everyone who deals with customers.
const MAY_WRITE: [Permission; 3] = [
    Permission::CustomerManagement,
    Permission::LoanOrigination,
    Permission::CallCentre,
];

/// The longest note, in characters.
const MAX_CHARS: usize = 2000;

/// Adds a note.
pub(crate) fn add(
    conn: &Connection,
    customer: &CustomerId,
    body: &str,
    staff: Option<&StaffId>,
    now: DateTime<Utc>,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO customer_notes (id, customer_id, at, staff_id, body) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![crate::ids::new_ulid(now), customer, now, staff, body],
    )?;
    Ok(())
}

/// The form to write a note.
pub(crate) fn form(ctx: &Ctx, user: &StaffUser, customer: &CustomerId) -> Markup {
    html! {
        @if MAY_WRITE.iter().any(|p| user.role.has(*p)) {
            form method="post" action={ "/staff/customers/" (customer) "/notes" } class="stack" id="notes" {
                (ui::csrf_input(&ctx.csrf()))
                label for="note" { (ctx.t(Msg::NoteLabel)) }
                textarea id="note" name="note" rows="3" maxlength=(MAX_CHARS) required {}
                div { button type="submit" class="secondary" { (ctx.t(Msg::NoteAdd)) } }
            }
        }
    }
}

/// POST /staff/customers/{id}/notes.
pub(crate) fn add_action(ctx: &Ctx, id: &str) -> Result<Response, AppError> {
    let user = ctx.require_any(&MAY_WRITE)?;
    let id: CustomerId = id.parse().map_err(|_| AppError::NotFound)?;
    let body = ctx.form()?.text("note").trim().to_owned();
    let chars = body.chars().count();
    // Control characters were refused already, with every form's (`http::form`).
    if chars == 0 || chars > MAX_CHARS {
        return Err(AppError::BadRequest(ctx.t(Msg::NoteInvalid).to_owned()));
    }
    let mut conn = ctx.app.db.conn()?;
    let tx = db::immediate(&mut conn)?;
    get(&tx, &id)?.ok_or(AppError::NotFound)?;
    add(&tx, &id, &body, Some(&user.id), ctx.now)?;
    tx.commit()?;
    ctx.flash(ctx.t(Msg::NoteAdded));
    Ok(Response::see_other(&format!(
        "/staff/customers/{id}#timeline"
    )))
}
