//! The branch's Sync page (last upload, what waits, set-aside entries, Upload now) and its
//! dashboard card.

use chrono::{DateTime, Utc};
use maud::{Markup, html};
use rusqlite::Connection;

use crate::plumbing::error::AppError;
use crate::plumbing::http::Response;
use crate::plumbing::i18n::Msg;
use crate::plumbing::paths;
use crate::plumbing::ui;
use crate::roles::Permission;
use crate::sync::{set_aside, status};
use crate::web::Ctx;

/// How long ago, in words a clerk reads at a glance.
pub(crate) fn age(ctx: &Ctx, since: DateTime<Utc>) -> String {
    let minutes = (ctx.now - since).num_minutes().max(0);
    let (n, msg) = if minutes < 60 {
        (minutes, Msg::AgeMinutes)
    } else if minutes < 48 * 60 {
        (minutes / 60, Msg::AgeHours)
    } else {
        (minutes / (24 * 60), Msg::AgeDays)
    };
    ctx.lang.fill(msg, &[("n", &n.to_string())])
}

/// The dashboard card.
pub(crate) fn card(ctx: &Ctx, conn: &Connection) -> rusqlite::Result<Markup> {
    let s = status(conn, ctx.app.uploader.max_batch)?;
    let configured = ctx.app.uploader.configured();
    Ok(html! {
        section class="card" {
            h2 { a href=(paths::SYNC) { (ctx.t(Msg::SyncTitle)) } }
            @if !configured {
                p class="warning" { (ctx.t(Msg::SyncNotConfigured)) }
            } @else if s.last_error.is_some() {
                p class="warning" { (ctx.t(Msg::SyncFailing)) }
            }
            p { (ctx.lang.fill(Msg::SyncWaitingCount, &[("n", &s.waiting.to_string())])) }
        }
    })
}

/// Who opens the Sync page (and so sees its dashboard card).
pub(crate) const VIEWERS: &[Permission] = &[Permission::Reports, Permission::AuditLog];

/// GET /staff/sync.
pub(crate) fn page(ctx: &Ctx) -> Result<Response, AppError> {
    let user = ctx.require_any(VIEWERS)?;
    let conn = ctx.app.db.conn()?;
    let s = status(&conn, ctx.app.uploader.max_batch)?;
    let aside = set_aside(&conn, 100)?;
    let reference = crate::web::reference::sync_card(ctx, &conn)?;
    let uploader = &ctx.app.uploader;
    let never = ctx.t(Msg::SyncNever);
    let body = html! {
        @if !uploader.configured() {
            p class="warning" { (ctx.t(Msg::SyncNotConfiguredLong)) }
        }
        section class="card" {
            dl {
                dt { (ctx.t(Msg::SyncHeadOffice)) }
                dd { @if uploader.configured() { code { (uploader.url) } } @else { "—" } }
                dt { (ctx.t(Msg::SyncLastSuccess)) }
                dd { (s.last_success_at.map_or_else(|| never.to_owned(), |t| format!("{} ({})", ctx.datetime(t), age(ctx, t)))) }
                dt { (ctx.t(Msg::SyncWaiting)) }
                dd { (s.waiting) }
                dt { (ctx.t(Msg::SyncOldestWaiting)) }
                dd { (s.oldest_waiting_at.map_or_else(|| "—".to_owned(), |t| age(ctx, t))) }
                dt { (ctx.t(Msg::SmsLastError)) }
                dd class=[s.last_error.is_some().then_some("warning")] {
                    @if let Some(e) = &s.last_error {
                        (e)
                        @if let Some(t) = s.last_attempt_at { br; span class="muted" { (ctx.datetime(t)) } }
                    } @else { "—" }
                }
                dt { (ctx.t(Msg::SyncSequence)) }
                dd { (s.acked) " / " (s.head) }
                dt { (ctx.t(Msg::SyncBatchSize)) }
                dd { (ctx.lang.fill(Msg::SyncBatchSizeValue, &[
                    ("n", &s.batch_entries.to_string()),
                    ("max", &uploader.max_batch.entries.to_string()),
                ])) }
            }
            @if uploader.configured() {
                form method="post" action=(paths::SYNC_UPLOAD) {
                    (ui::csrf_input(&ctx.csrf()))
                    button type="submit" { (ctx.t(Msg::SyncUploadNow)) }
                }
            }
        }
        (reference)
        h2 { (ctx.t(Msg::SyncSetAside)) }
        @if aside.is_empty() {
            p class="muted" { (ctx.t(Msg::SyncSetAsideNone)) }
        } @else {
            p { (ctx.t(Msg::SyncSetAsideExplain)) }
            div class="table-wrap" {
                table {
                    thead { tr {
                        th class="num" { "#" } th { (ctx.t(Msg::AuditRecord)) }
                        th { (ctx.t(Msg::SyncReason)) } th { (ctx.t(Msg::AuditWhen)) }
                    } }
                    tbody {
                        @for e in &aside {
                            tr {
                                td class="num" { (e.seq) }
                                td { (e.entity) " " code { (e.record_id) } }
                                td { (e.reason) }
                                td { (ctx.datetime(e.reported_at)) }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(ctx.staff_page(user, ctx.t(Msg::SyncTitle), body))
}

/// POST /staff/sync/upload: wake the uploader now instead of at its next turn.
pub(crate) fn upload_now(ctx: &Ctx) -> Result<Response, AppError> {
    ctx.require_any(VIEWERS)?;
    ctx.app.uploader.wake();
    ctx.flash(ctx.t(Msg::SyncUploadStarted));
    Ok(Response::see_other(paths::SYNC))
}
