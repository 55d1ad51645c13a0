//! The staff SMS inbox (issue 17): customers' messages and, apart, those from unknown numbers,
//! unread ones marked (the navigation shows their count); opening one marks it read and offers
//! an answer, which goes through the SMS outbox like any other message.

use maud::{Markup, html};
use serde_json::json;

use crate::audit::Actor;
use crate::plumbing::db;
use crate::plumbing::error::AppError;
use crate::plumbing::http::Response;
use crate::plumbing::i18n::Msg;
use crate::plumbing::ids::SmsInboxId;
use crate::plumbing::paths;
use crate::plumbing::phone::E164;
use crate::plumbing::ui::{self, FieldErrors};
use crate::roles::StaffUser;
use crate::sms::inbox::{self, Entry};
use crate::sms::outbox::{self, Kind, NewSms};
use crate::web::Ctx;

/// Who reads and answers customers' messages: those who see the SMS page.
use crate::web::sms::VIEWERS;

/// The longest answer: three SMS parts of GSM text.
const MAX_ANSWER_CHARS: usize = 459;

/// The name of the answer form in a refusal.
const ANSWER_FORM: &str = "sms_answer";

/// How many messages of each list the page shows.
const LISTED: u32 = 100;

/// Unread messages for the navigation's badge (both lists).
pub(crate) fn unread(conn: &rusqlite::Connection) -> rusqlite::Result<u32> {
    inbox::unread(conn).map(|(known, unknown)| known + unknown)
}

/// GET /staff/sms/inbox.
pub(crate) fn page(ctx: &Ctx) -> Result<Response, AppError> {
    let user = ctx.require_any(VIEWERS)?;
    let conn = ctx.app.db.conn()?;
    let known = inbox::latest(&conn, true, LISTED)?;
    let unknown = inbox::latest(&conn, false, LISTED)?;
    drop(conn);
    let body = html! {
        h2 { (ctx.t(Msg::SmsInboxFromCustomers)) }
        (list(ctx, &known))
        h2 { (ctx.t(Msg::SmsInboxUnknown)) }
        (list(ctx, &unknown))
    };
    Ok(ctx.staff_page(user, ctx.t(Msg::NavSmsInbox), body))
}

/// One list of messages.
fn list(ctx: &Ctx, entries: &[Entry]) -> Markup {
    html! {
        @if entries.is_empty() {
            p class="muted" { (ctx.t(Msg::SmsInboxEmpty)) }
        } @else {
            table {
                thead { tr { th { (ctx.t(Msg::SmsInboxReceived)) } th { (ctx.t(Msg::SmsInboxFrom)) } th { (ctx.t(Msg::SmsText)) } } }
                tbody {
                    @for e in entries {
                        tr class=[(!e.read).then_some("unread")] {
                            td { a href=(paths::sms_inbox_message(&e.id)) { (ctx.datetime(e.received_at)) } }
                            td { (sender(e)) }
                            td {
                                @if !e.read { span class="badge warn" { (ctx.t(Msg::SmsInboxUnread)) } " " }
                                @if e.stop { span class="badge" { (ctx.t(Msg::SmsInboxStop)) } " " }
                                (e.body)
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The customer's name (linked to their file) or the masked number.
fn sender(e: &Entry) -> Markup {
    // A number is masked; an operator's name ("TELKOMSEL") is shown as it is.
    let is_number = e
        .sender
        .strip_prefix('+')
        .is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()));
    let number = if is_number {
        E164::from_stored(e.sender.clone()).masked()
    } else {
        e.sender.clone()
    };
    html! {
        @match &e.customer {
            Some((id, name)) => { a href=(paths::customer(id)) { (name) } " · " (number) },
            None => (number),
        }
    }
}

/// GET /staff/sms/inbox/{id}: the message, now read, and the answer form.
pub(crate) fn message(ctx: &Ctx, id: SmsInboxId) -> Result<Response, AppError> {
    let user = ctx.require_any(VIEWERS)?;
    let mut conn = ctx.app.db.conn()?;
    let tx = db::immediate(&mut conn)?;
    inbox::get(&tx, &id)?.ok_or(AppError::NotFound)?;
    inbox::mark_read(&tx, &id, &user.id, ctx.now)?;
    tx.commit()?;
    drop(conn);
    render_message(ctx, user, &id, FieldErrors::none(), 200)
}

/// The message page; `sent` is a refused answer.
fn render_message(
    ctx: &Ctx,
    user: &StaffUser,
    id: &SmsInboxId,
    sent: &FieldErrors,
    status: u16,
) -> Result<Response, AppError> {
    let conn = ctx.app.db.conn()?;
    let entry = inbox::get(&conn, id)?.ok_or(AppError::NotFound)?;
    let quiet = match &entry.customer {
        Some((customer, _)) => crate::customers::do_not_text(&conn, customer)?,
        None => false,
    };
    drop(conn);
    let sent = sent.of(ANSWER_FORM);
    let error = sent.error_for("text");
    let body = html! {
        p { a href=(paths::SMS_INBOX) { "← " (ctx.t(Msg::NavSmsInbox)) } }
        dl {
            dt { (ctx.t(Msg::SmsInboxFrom)) } dd { (sender(&entry)) }
            dt { (ctx.t(Msg::SmsInboxReceived)) } dd { (ctx.datetime(entry.received_at)) }
            dt { (ctx.t(Msg::SmsText)) } dd { (entry.body) }
        }
        h2 { (ctx.t(Msg::SmsInboxAnswer)) }
        @if quiet { p class="warning" { (ctx.t(Msg::SmsInboxDoNotText)) } }
        form method="post" action=(paths::sms_inbox_reply(id)) class="stack" {
            (ui::csrf_input(&ctx.csrf()))
            div class={ "field" @if error.is_some() { " invalid" } } {
                label for="text" { (ctx.t(Msg::SmsText)) }
                (ui::field_error(error))
                textarea id="text" name="text" rows="4" maxlength=(MAX_ANSWER_CHARS) required
                    aria-invalid=[error.map(|_| "true")] { (sent.value_or("text", "")) }
            }
            div { button type="submit" { (ctx.t(Msg::SmsInboxAnswer)) } }
        }
    };
    let mut response = ctx.staff_page(user, ctx.t(Msg::NavSmsInbox), body);
    response.status = status;
    Ok(response)
}

/// POST /staff/sms/inbox/{id}/reply: queue the answer to the number that wrote.
pub(crate) fn reply(ctx: &Ctx, id: SmsInboxId) -> Result<Response, AppError> {
    let user = ctx.require_any(VIEWERS)?;
    let form = ctx.form()?;
    let text = form.text("text").trim();
    let refusal = if text.is_empty() {
        Some(ctx.t(Msg::SmsInboxAnswerEmpty).to_owned())
    } else if text.chars().count() > MAX_ANSWER_CHARS
        || text
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\r')
    {
        Some(ctx.lang.fill(
            Msg::SmsInboxAnswerTooLong,
            &[("n", &MAX_ANSWER_CHARS.to_string())],
        ))
    } else {
        None
    };
    if let Some(message) = refusal {
        let mut sent = FieldErrors::sent(ANSWER_FORM, form);
        sent.add("text", message);
        return render_message(ctx, user, &id, &sent, 400);
    }
    let mut conn = ctx.app.db.conn()?;
    let tx = db::immediate(&mut conn)?;
    let entry = inbox::get(&tx, &id)?.ok_or(AppError::NotFound)?;
    let Ok(to) = crate::plumbing::phone::normalise(&entry.sender, &ctx.app.config.branch.country)
    else {
        // An alphanumeric sender (an operator's notice) cannot be answered.
        drop(tx);
        drop(conn);
        let mut sent = FieldErrors::sent(ANSWER_FORM, form);
        sent.add("text", ctx.t(Msg::PhoneInvalid));
        return render_message(ctx, user, &id, &sent, 400);
    };
    let customer = entry.customer.as_ref().map(|(c, _)| c);
    let sms_id = outbox::enqueue(
        &tx,
        &NewSms {
            to: &to,
            text,
            kind: Kind::FollowUp,
            expires_at: None,
            customer,
        },
        ctx.now,
    )?;
    let change = crate::audit::Change {
        action: "sms.answer",
        entity: "sms",
        entity_id: sms_id.as_str(),
        before: None,
        after: Some(json!({ "to": to.as_str(), "answering": id.as_str() })),
    };
    crate::audit::record(&tx, &Actor::Staff(user), &change, ctx.now)?;
    tx.commit()?;
    ctx.app.sms.wake();
    ctx.flash(ctx.t(Msg::SmsInboxAnswerQueued));
    Ok(Response::see_other(&paths::sms_inbox_message(&id)))
}
