//! The audit log's staff page: the newest entries first, paged, for those with the audit-log
//! permission.

use maud::html;

use crate::audit::{actor_label, list};
use crate::plumbing::error::AppError;
use crate::plumbing::http::Response;
use crate::plumbing::i18n::Msg;
use crate::plumbing::paths;
use crate::plumbing::ui::Paging;
use crate::roles::Permission;
use crate::web::Ctx;

/// Entries per page.
const PAGE_SIZE: u32 = 50;

/// GET /staff/audit: the audit log, newest first.
pub(crate) fn list_page(ctx: &Ctx) -> Result<Response, AppError> {
    let user = ctx.require(Permission::AuditLog)?;
    let paging = Paging::of(&ctx.req.query_form()?, PAGE_SIZE);
    let mut entries = list(&*ctx.app.db.conn()?, paging.limit(), paging.offset())?;
    let more = paging.keep(&mut entries);
    let body = html! {
        @if entries.is_empty() {
            p { (ctx.t(Msg::AuditEmpty)) }
        } @else {
            div class="table-wrap" {
                table {
                    thead { tr {
                        th { (ctx.t(Msg::AuditWhen)) } th { (ctx.t(Msg::AuditWho)) } th { (ctx.t(Msg::AuditAction)) }
                        th { (ctx.t(Msg::AuditRecord)) } th { (ctx.t(Msg::AuditBefore)) } th { (ctx.t(Msg::AuditAfter)) }
                    } }
                    tbody {
                        @for e in &entries {
                            tr {
                                td { (ctx.datetime(e.at)) }
                                @match actor_label(&e.actor) {
                                    Some(label) => td { (ctx.t(label)) },
                                    None => td translate="no" { (e.actor) },
                                }
                                // Actions, records and their values are the log's codes and data.
                                td translate="no" { (e.action) }
                                td translate="no" { (e.entity) " " span class="muted" { (e.entity_id) } }
                                td translate="no" { @if let Some(b) = &e.before { pre { (b) } } }
                                td translate="no" { @if let Some(a) = &e.after { pre { (a) } } }
                            }
                        }
                    }
                }
            }
        }
        (paging.links(ctx.lang, more, |p| format!("{}?page={p}", paths::AUDIT)))
    };
    Ok(ctx.staff_page(user, ctx.t(Msg::AuditTitle), body))
}
