//! The staff SMS page (the modem's panel, the queue, a test message, retry and cancel) and its
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

/// The dashboard card.
pub(crate) fn card(ctx: &Ctx, conn: &rusqlite::Connection) -> rusqlite::Result<Markup> {
    let link = ctx.app.sms.sender.link().state;
    let queued = SMS.queued(conn)?;
    let warn = !matches!(link, LinkState::Connected);
    Ok(html! {
        section class="card" {
            h2 { a href=(paths::SMS) { "SMS" } }
            p class=[warn.then_some("warning")] { (ctx.t(link.label())) }
            p { (ctx.lang.fill(Msg::SmsQueued, &[("n", &queued.to_string())])) }
        }
    })
}

/// Who opens the SMS page (and so sees its dashboard card).
pub(crate) const VIEWERS: &[Permission] = &[Permission::CustomerManagement];

/// Signal strength in words, from `AT+CSQ`.
fn signal_words(ctx: &Ctx, signal: Option<u8>) -> String {
    match signal {
        None | Some(99) => ctx.t(Msg::SmsUnknown).to_owned(),
        Some(rssi) => {
            let dbm = -113 + 2 * i32::from(rssi);
            format!("{rssi}/31 ({dbm} dBm)")
        }
    }
}

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
    drop(conn);
    let csrf = ctx.csrf();
    let body = html! {
        (modem_panel(ctx))
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

/// The modem's panel: its state, operator, signal, registration and last error.
fn modem_panel(ctx: &Ctx) -> Markup {
    let link = ctx.app.sms.sender.link();
    let info = ctx.app.sms.info();
    let registration = match info.registration {
        Some(1) => ctx.t(Msg::SmsRegisteredHome),
        Some(5) => ctx.t(Msg::SmsRegisteredRoaming),
        Some(2) => ctx.t(Msg::SmsSearching),
        Some(3) => ctx.t(Msg::SmsDenied),
        _ => ctx.t(Msg::SmsUnknown),
    };
    html! {
        @match link.state {
            LinkState::NotConfigured => p class="warning" { (ctx.t(Msg::SmsNoModemWarning)) },
            LinkState::LogOnly => p class="warning" { (ctx.t(Msg::SmsLogOnlyWarning)) },
            _ => {},
        }
        section class="card" {
            h2 { (ctx.t(Msg::SmsModem)) }
            dl {
                dt { (ctx.t(Msg::Status)) } dd { (ctx.t(link.state.label())) " · " (ctx.lang.fill(Msg::SmsSince, &[("when", &ctx.datetime(link.since))])) }
                dt { (ctx.t(Msg::SmsOperator)) } dd { @if info.operator.is_empty() { (ctx.t(Msg::SmsUnknown)) } @else { (info.operator) } }
                dt { (ctx.t(Msg::SmsSignal)) } dd { (signal_words(ctx, info.signal)) }
                dt { (ctx.t(Msg::SmsRegistration)) } dd { (registration) }
                dt { (ctx.t(Msg::SmsLastError)) } dd { (link.last_error.as_deref().unwrap_or("—")) }
            }
        }
    }
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
