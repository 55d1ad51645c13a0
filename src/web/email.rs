//! The staff Email page (the relay's panel, the queue, retry and cancel) and its dashboard card.

use maud::{Markup, html};

use crate::email::RelayState;
use crate::email::outbox::EMAIL;
use crate::email::outbox::Kind;
use crate::plumbing::error::AppError;
use crate::plumbing::http::Response;
use crate::plumbing::i18n::Msg;
use crate::plumbing::ids::EmailId;
use crate::plumbing::paths;
use crate::plumbing::ui::FieldErrors;
use crate::roles::Permission;
use crate::web::Ctx;
use crate::web::outbox as listing;
use crate::web::outbox::Listing;

/// The warning shown while emails wait for a relay that is not configured.
fn no_relay_warning(ctx: &Ctx, queued: i64) -> Markup {
    html! {
        p class="warning" { (ctx.lang.fill(Msg::EmailNoRelayWaiting, &[("n", &queued.to_string())])) }
    }
}

/// The dashboard card.
pub(crate) fn card(ctx: &Ctx, conn: &rusqlite::Connection) -> rusqlite::Result<Markup> {
    let status = ctx.app.email.sender.link();
    let queued = EMAIL.queued(conn)?;
    Ok(html! {
        section class="card" {
            h2 { a href=(paths::EMAIL) { (ctx.t(Msg::NavEmail)) } }
            @if status.state == RelayState::NotConfigured {
                (no_relay_warning(ctx, queued))
            } @else {
                p class=[(status.state == RelayState::Unreachable).then_some("warning")] { (ctx.t(status.state.label())) }
                p { (ctx.lang.fill(Msg::SmsQueued, &[("n", &queued.to_string())])) }
            }
        }
    })
}

/// Who opens the Email page (and so sees its dashboard card).
pub(crate) const VIEWERS: &[Permission] = &[Permission::CustomerManagement];

/// GET /staff/email: the relay, the queue, recent emails (codes masked), retry and cancel.
pub(crate) fn page(ctx: &Ctx) -> Result<Response, AppError> {
    let user = ctx.require_any(VIEWERS)?;
    render_page(ctx, user, FieldErrors::none(), 200)
}

/// The Email page; `refused` is a row's refused retry or cancel.
fn render_page(
    ctx: &Ctx,
    user: &crate::roles::StaffUser,
    refused: &FieldErrors,
    status: u16,
) -> Result<Response, AppError> {
    let conn = ctx.app.db.conn()?;
    let queued = EMAIL.queued(&conn)?;
    let counts = EMAIL.counts(&conn)?;
    let recent = EMAIL.recent(&conn, 50)?;
    drop(conn);
    let body = html! {
        (relay_panel(ctx, queued))
        (listing::queue(ctx, &counts))
        (listing::recent(ctx, &LISTING, &recent, refused))
    };
    let mut response = ctx.staff_page(user, ctx.t(Msg::NavEmail), body);
    response.status = status;
    Ok(response)
}

/// The relay's panel: its state, address, sender and last error.
fn relay_panel(ctx: &Ctx, queued: i64) -> Markup {
    let status = ctx.app.email.sender.link();
    let relay = ctx.app.email.relay.as_ref();
    html! {
        @if status.state == RelayState::NotConfigured { (no_relay_warning(ctx, queued)) }
        section class="card" {
            h2 { (ctx.t(Msg::EmailRelay)) }
            dl {
                dt { (ctx.t(Msg::Status)) } dd { (ctx.t(status.state.label())) " · " (ctx.lang.fill(Msg::SmsSince, &[("when", &ctx.datetime(status.since))])) }
                @if let Some(relay) = relay {
                    dt { (ctx.t(Msg::EmailRelay)) } dd { (relay.host) ":" (relay.port) " (" (ctx.app.config.email.security) ")" }
                    dt { (ctx.t(Msg::EmailFrom)) } dd { (relay.from.to_string()) }
                }
                dt { (ctx.t(Msg::SmsLastError)) } dd { (status.last_error.as_deref().unwrap_or("—")) }
            }
        }
    }
}

/// POST /staff/email/{id}/retry and /cancel.
pub(crate) fn act(
    ctx: &Ctx,
    id: crate::plumbing::ids::EmailId,
    retry: bool,
) -> Result<Response, AppError> {
    let render = |user: &_, sent: &_, status| render_page(ctx, user, sent, status);
    let wake = || ctx.app.email.wake();
    listing::act(ctx, &LISTING, &wake, &render, id, retry)
}

/// The email outbox on the staff page.
const LISTING: Listing<Kind, EmailId> = Listing {
    channel: &EMAIL,
    path: paths::EMAIL,
    recent: Msg::EmailRecent,
    text: Msg::EmailSubject,
    wrong_state: Msg::EmailWrongState,
};
