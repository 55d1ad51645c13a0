//! The list of forfeited items, waiting to be sold.

use maud::html;

use crate::plumbing::error::AppError;
use crate::plumbing::http::Response;
use crate::plumbing::i18n::Msg;
use crate::plumbing::ids::LoanId;
use crate::roles::Permission;
use crate::web::Ctx;

/// An item of a forfeited ticket.
struct ForfeitedItem {
    loan: LoanId,
    ticket: String,
    item: String,
    appraised: i64,
    principal: i64,
    closed: Option<chrono::DateTime<chrono::Utc>>,
}
/// GET /staff/forfeited: items of forfeited tickets, for sale.
pub(crate) fn forfeited(ctx: &Ctx) -> Result<Response, AppError> {
    let user = ctx.require_any(&[
        Permission::LoanOrigination,
        Permission::Payments,
        Permission::Reports,
    ])?;
    let conn = ctx.app.db.conn()?;
    let rows: Vec<ForfeitedItem> = conn
        .prepare(
            "SELECT l.id, l.ticket_no, i.description, i.appraised, l.principal, l.closed_at
             FROM loans l JOIN loan_items i ON i.loan_id = l.id WHERE l.state = 'forfeited' ORDER BY l.closed_at DESC",
        )?
        .query_map([], |r| {
            Ok(ForfeitedItem {
                loan: r.get(0)?,
                ticket: r.get(1)?,
                item: r.get(2)?,
                appraised: r.get(3)?,
                principal: r.get(4)?,
                closed: r.get(5)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    drop(conn);
    let money = |v: i64| ctx.app.config.currency().format(v, ctx.lang);
    let body = html! {
        @if rows.is_empty() { p { (ctx.t(Msg::NothingForfeited)) } }
        @else {
            div class="table-wrap" { table {
                thead { tr { th { "Ticket" } th { (ctx.t(Msg::Item)) } th class="num" { (ctx.t(Msg::Appraised)) } th class="num" { (ctx.t(Msg::Principal)) } th { (ctx.t(Msg::AuditWhen)) } } }
                tbody { @for f in &rows {
                    tr {
                        td { a href={ "/staff/loans/" (f.loan) } { (f.ticket) } }
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
