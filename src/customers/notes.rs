//! Follow-up notes on a customer: what staff write after a call or a visit ("promised to pay
//! on Friday"). A note's words never change (the table refuses it); a mistake is corrected by
//! a new note. They show in the customer's timeline and go to head office with the sync.

use chrono::{DateTime, Utc};
use maud::{Markup, html};
use rusqlite::{Connection, params};

use super::get;
use crate::audit;
use crate::plumbing::db;
use crate::plumbing::error::AppError;
use crate::plumbing::http::Response;
use crate::plumbing::i18n::Msg;
use crate::plumbing::ids::CustomerId;
use crate::plumbing::ui;
use crate::roles::{Permission, StaffUser};
use crate::web::Ctx;

/// Who may write notes: everyone who deals with customers.
const MAY_WRITE: [Permission; 3] = [
    Permission::CustomerManagement,
    Permission::LoanOrigination,
    Permission::CallCentre,
];

/// The longest note, in characters.
const MAX_CHARS: usize = 2000;

/// Why a note was not added.
#[derive(Debug, thiserror::Error)]
pub(crate) enum NoteError {
    #[error("a note needs 1 to {MAX_CHARS} characters")]
    Length,
    #[error("database: {0}")]
    Db(#[from] rusqlite::Error),
}

/// Adds a note of 1 to [`MAX_CHARS`] characters (trimmed), written by `staff` (audited) or by
/// the system. Control characters never arrive here: every form refuses them (`http::form`).
pub(crate) fn add(
    conn: &Connection,
    customer: &CustomerId,
    body: &str,
    staff: Option<&StaffUser>,
    now: DateTime<Utc>,
) -> Result<(), NoteError> {
    let body = body.trim();
    if body.is_empty() || body.chars().count() > MAX_CHARS {
        return Err(NoteError::Length);
    }
    let id = crate::plumbing::ids::new_ulid(now);
    conn.execute(
        "INSERT INTO customer_notes (id, customer_id, at, staff_id, body) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![id, customer, now, staff.map(|s| &s.id), body],
    )?;
    if let Some(user) = staff {
        let change = audit::Change {
            action: "customer.note",
            entity: "customer",
            entity_id: customer.as_str(),
            before: None,
            after: Some(serde_json::json!({ "note": id })),
        };
        audit::record(conn, &audit::Actor::Staff(user), &change, now)?;
    }
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
pub(crate) fn add_action(ctx: &Ctx, id: CustomerId) -> Result<Response, AppError> {
    let user = ctx.require_any(&MAY_WRITE)?;
    let body = ctx.form()?.text("note");
    let mut conn = ctx.app.db.conn()?;
    let tx = db::immediate(&mut conn)?;
    get(&tx, &id)?.ok_or(AppError::NotFound)?;
    match add(&tx, &id, body, Some(user), ctx.now) {
        Ok(()) => tx.commit()?,
        Err(NoteError::Length) => {
            return Err(AppError::BadRequest(ctx.t(Msg::NoteInvalid).to_owned()));
        }
        Err(NoteError::Db(e)) => return Err(e.into()),
    }
    ctx.flash(ctx.t(Msg::NoteAdded));
    Ok(Response::see_other(&format!(
        "/staff/customers/{id}#timeline"
    )))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::roles::Role;

    fn count(conn: &Connection, table: &str) -> i64 {
        conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
            .unwrap()
    }

    #[test]
    fn a_note_is_1_to_2000_characters_and_a_staff_note_is_audited() {
        let (_dir, db) = crate::plumbing::db::tests::test_db();
        let conn = db.conn().unwrap();
        let now = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let (customer, _) = crate::loans::ops::tests::customer_and_gold(&conn, "Siti", now);
        let user = crate::loans::ops::tests::staff_member(&conn, Role::CallAgent, now);
        let (notes, audit) = (count(&conn, "customer_notes"), count(&conn, "audit_log"));
        for refused in ["", "   \n ", &"x".repeat(MAX_CHARS + 1)] {
            assert!(matches!(
                add(&conn, &customer, refused, Some(&user), now),
                Err(NoteError::Length)
            ));
        }
        assert_eq!(count(&conn, "customer_notes"), notes, "nothing written");
        add(&conn, &customer, &"é".repeat(MAX_CHARS), Some(&user), now).unwrap();
        add(
            &conn,
            &customer,
            "  Promised to pay on Friday.  ",
            Some(&user),
            now,
        )
        .unwrap();
        assert_eq!(count(&conn, "customer_notes"), notes + 2);
        assert_eq!(
            count(&conn, "audit_log"),
            audit + 2,
            "each staff note audited"
        );
        let trimmed: i64 = conn
            .query_row(
                "SELECT count(*) FROM customer_notes WHERE body = 'Promised to pay on Friday.'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(trimmed, 1, "stored trimmed");
    }
}
