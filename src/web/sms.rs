//! The staff SMS page (each modem's panel, in `sms_modems`; the queue, a test message, retry and cancel) and its
//! dashboard card.

use maud::{Markup, html};
use serde_json::json;

use crate::audit::Actor;
use crate::plumbing::db;
use crate::plumbing::error::AppError;
use crate::plumbing::http::Response;
use crate::plumbing::i18n::Msg;
use crate::plumbing::ids::SmsId;
use crate::plumbing::paths;
use crate::plumbing::phone;
use crate::plumbing::ui::{self, Field, FieldErrors};
use crate::roles::Permission;
use crate::sms::outbox::{Kind, NewSms, SMS};
use crate::sms::{LinkState, outbox};
use crate::web::Ctx;
use crate::web::outbox as listing;
use crate::web::outbox::Listing;

/// The dashboard card: the channel's state, each modem's low balance, the queue.
pub(crate) fn card(ctx: &Ctx, conn: &rusqlite::Connection) -> rusqlite::Result<Markup> {
    let link = ctx.app.sms.link_state();
    let queued = SMS.queued(conn)?;
    let warn = !matches!(link, LinkState::Connected);
    let low = crate::web::sms_modems::low_balance_warnings(ctx, conn)?;
    Ok(html! {
        section class="card" {
            h2 { a href=(paths::SMS) { "SMS" } }
            p class=[warn.then_some("warning")] { (ctx.t(link.label())) }
            @if ctx.app.sms.modems.len() > 1 {
                @for modem in ctx.app.sms.modems.iter().filter(|m| !m.is_healthy()) {
                    p class="warning" { (modem.name) ": " (ctx.t(modem.sender.link().state.label())) }
                }
            }
            @for warning in &low { p class="warning" { (warning) } }
            p { (ctx.lang.fill(Msg::SmsQueued, &[("n", &queued.to_string())])) }
        }
    })
}

/// Who opens the SMS page (and so sees its dashboard card).
pub(crate) const VIEWERS: &[Permission] = &[Permission::CustomerManagement];

/// GET /staff/sms.
pub(crate) fn page(ctx: &Ctx) -> Result<Response, AppError> {
    let user = ctx.require_any(VIEWERS)?;
    render_page(ctx, user, FieldErrors::none(), 200)
}

/// The name of the test form in a refusal.
const TEST_FORM: &str = "sms_test";

/// The SMS page; `sent` is a refused form (the test message, or a row's retry or cancel).
fn render_page(
    ctx: &Ctx,
    user: &crate::roles::StaffUser,
    sent: &FieldErrors,
    status_code: u16,
) -> Result<Response, AppError> {
    let conn = ctx.app.db.conn()?;
    let counts = SMS.counts(&conn)?;
    let recent = SMS.recent(&conn, 50)?;
    let delivery = crate::web::sms_delivery::section(ctx, &conn)?;
    let panels = crate::web::sms_modems::panels(ctx, &conn)?;
    drop(conn);
    let csrf = ctx.csrf();
    let body = html! {
        (panels)
        (listing::queue(ctx, &counts))
        h2 { (ctx.t(Msg::SmsSendTest)) }
        form method="post" action=(paths::SMS_TEST) class="stack" {
            (ui::csrf_input(&csrf))
            (ui::field(&test_phone(ctx, sent.of(TEST_FORM))))
            div { button type="submit" { (ctx.t(Msg::SmsSendTest)) } }
        }
        (listing::recent(ctx, &LISTING, &recent, sent))
        (delivery)
    };
    let mut response = ctx.staff_page(user, "SMS", body);
    response.status = status_code;
    Ok(response)
}

/// The test form's phone field, as typed when refused.
fn test_phone<'a>(ctx: &Ctx, sent: &'a FieldErrors) -> Field<'a> {
    let mut phone = Field::typed(ctx.t(Msg::PhoneNumber), "phone", "", sent);
    phone.kind = "tel";
    phone
}

/// POST /staff/sms/test: queue a test message to a number.
pub(crate) fn send_test(ctx: &Ctx) -> Result<Response, AppError> {
    let user = ctx.require_any(VIEWERS)?;
    let form = ctx.form()?;
    let to = match phone::normalise(form.text("phone"), &ctx.app.config.branch.country) {
        Ok(to) => to,
        Err(_) => {
            let mut sent = FieldErrors::sent(TEST_FORM, form);
            sent.add("phone", ctx.t(Msg::PhoneInvalid));
            return render_page(ctx, user, &sent, 400);
        }
    };
    let text = ctx
        .lang
        .fill(Msg::SmsTestText, &[("branch", &ctx.app.config.branch.name)]);
    let mut conn = ctx.app.db.conn()?;
    let tx = db::immediate(&mut conn)?;
    let id = outbox::enqueue(
        &tx,
        &NewSms {
            to: &to,
            text: &text,
            kind: Kind::Test,
            expires_at: None,
            customer: None,
        },
        ctx.now,
    )?;
    let change = crate::audit::Change {
        action: "sms.test",
        entity: "sms",
        entity_id: id.as_str(),
        before: None,
        after: Some(json!({ "to": to.as_str() })),
    };
    crate::audit::record(&tx, &Actor::Staff(user), &change, ctx.now)?;
    tx.commit()?;
    ctx.app.sms.wake();
    ctx.flash(ctx.t(Msg::SmsTestQueued));
    Ok(Response::see_other(paths::SMS))
}

/// POST /staff/sms/{id}/retry and /cancel.
pub(crate) fn act(
    ctx: &Ctx,
    id: crate::plumbing::ids::SmsId,
    retry: bool,
) -> Result<Response, AppError> {
    let render = |user: &_, sent: &_, status| render_page(ctx, user, sent, status);
    let wake = || ctx.app.sms.wake();
    listing::act(ctx, &LISTING, &wake, &render, id, retry)
}

/// The SMS outbox on the staff page.
const LISTING: Listing<Kind, SmsId> = Listing {
    channel: &SMS,
    path: paths::SMS,
    recent: Msg::SmsRecent,
    text: Msg::SmsText,
    wrong_state: Msg::SmsWrongState,
};
