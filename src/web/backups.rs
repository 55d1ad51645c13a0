//! The Backups page and its dashboard card: the nightly backups in the data directory, newest
//! first, so a manager sees that they are being made without opening a shell.

use std::path::PathBuf;
use std::time::SystemTime;

use chrono::{DateTime, Utc};
use maud::{Markup, html};

use crate::backup;
use crate::plumbing::error::AppError;
use crate::plumbing::http::Response;
use crate::plumbing::i18n::Msg;
use crate::plumbing::paths;
use crate::roles::Permission;
use crate::web::Ctx;

/// Who opens the Backups page (and so sees its dashboard card).
pub(crate) const VIEWERS: &[Permission] = &[Permission::Reports, Permission::StaffAdmin];

/// One backup file: its name, when it was written and its size.
struct Made {
    name: String,
    at: DateTime<Utc>,
    bytes: u64,
}

/// The backups present, newest first (files whose time cannot be read are left out).
fn made(ctx: &Ctx) -> Vec<Made> {
    let files: Vec<PathBuf> = backup::list(&ctx.app.config.data_dir()).unwrap_or_default();
    let mut made: Vec<Made> = files
        .iter()
        .filter_map(|p| {
            let meta = p.metadata().ok()?;
            let at: SystemTime = meta.modified().ok()?;
            Some(Made {
                name: p.file_name()?.to_string_lossy().into_owned(),
                at: DateTime::<Utc>::from(at),
                bytes: meta.len(),
            })
        })
        .collect();
    made.sort_by_key(|m| std::cmp::Reverse(m.at));
    made
}

/// The dashboard card: when the last backup was made.
pub(crate) fn card(ctx: &Ctx) -> Markup {
    let newest = made(ctx).into_iter().next();
    html! {
        section class="card" {
            h2 { a href=(paths::BACKUPS) { (ctx.t(Msg::CardBackups)) } }
            @match newest {
                Some(m) => p { (ctx.lang.fill(Msg::CardLastBackup, &[("when", &ctx.datetime(m.at))])) },
                None => p class="warning" { (ctx.t(Msg::CardNoBackup)) },
            }
        }
    }
}

/// GET /staff/backups.
pub(crate) fn page(ctx: &Ctx) -> Result<Response, AppError> {
    let user = ctx.require_any(VIEWERS)?;
    let made = made(ctx);
    let body = html! {
        @if made.is_empty() {
            p class="warning" { (ctx.t(Msg::CardNoBackup)) }
        } @else {
            div class="table-wrap" { table {
                thead { tr {
                    th { (ctx.t(Msg::BackupFile)) } th { (ctx.t(Msg::AuditWhen)) }
                    th class="num" { (ctx.t(Msg::BackupSize)) }
                } }
                tbody { @for m in &made {
                    tr {
                        td { code { (m.name) } } td { (ctx.datetime(m.at)) }
                        td class="num" { (m.bytes / 1024) " KiB" }
                    }
                } }
            } }
        }
    };
    Ok(ctx.staff_page(user, ctx.t(Msg::CardBackups), body))
}
