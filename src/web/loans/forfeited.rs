//! The list of forfeited items, waiting to be sold.

use maud::html;

use crate::plumbing::error::AppError;
use crate::plumbing::http::Response;
use crate::plumbing::i18n::Msg;
use crate::plumbing::paths;
use crate::roles::Permission;
use crate::web::Ctx;

/// GET /staff/forfeited: items of forfeited tickets, for sale.
pub(crate) fn forfeited(ctx: &Ctx) -> Result<Response, AppError> {
    let user = ctx.require_any(&[
        Permission::LoanOrigination,
        Permission::Payments,
        Permission::Reports,
    ])?;
    let conn = ctx.app.db.conn()?;
    let rows = crate::loans::forfeited_items(&conn)?;
    drop(conn);
    let money = |v: i64| ctx.app.config.currency().format(v, ctx.lang);
    let body = html! {
        @if rows.is_empty() { p { (ctx.t(Msg::NothingForfeited)) } }
        @else {
            div class="table-wrap" { table {
                thead { tr { th { (ctx.t(Msg::Ticket)) } th { (ctx.t(Msg::Item)) } th class="num" { (ctx.t(Msg::Appraised)) } th class="num" { (ctx.t(Msg::Principal)) } th { (ctx.t(Msg::AuditWhen)) } } }
                tbody { @for f in &rows {
                    tr {
                        td { a href=(paths::ticket(&f.loan)) { (f.ticket) } }
                        td { (f.item) }
                        td class="num" { (money(f.appraised)) }
                        td class="num" { (money(f.principal)) }
                        td { @if let Some(t) = f.closed { (ctx.datetime(t)) } }
                    }
                } }
            } }
        }
    };
    Ok(ctx.staff_page(user, ctx.t(Msg::Forfeited), body))
}
