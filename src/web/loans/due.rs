//! The lists behind a manager's "today" figures about tickets: due today, due this week, and
//! those whose forfeit notice has been sent. Each list is the one filter its figure counts
//! (`loans::today::Due`), so the card and the list cannot disagree.

use maud::html;

use crate::loans::today::{self, Due};
use crate::plumbing::error::AppError;
use crate::plumbing::http::Response;
use crate::plumbing::i18n::Msg;
use crate::plumbing::paths;
use crate::plumbing::ui::Paging;
use crate::web::Ctx;

/// Tickets a page shows.
const PAGE_SIZE: u32 = 50;

/// The list's title: the words of its figure on the card.
fn title(due: Due) -> Msg {
    match due {
        Due::Today => Msg::DueToday,
        Due::ThisWeek => Msg::TodayDueThisWeek,
        Due::ForfeitsComing => Msg::TodayForfeitsComing,
    }
}

/// GET /staff/due?list=today|week|notice&page=N.
pub(crate) fn due_tickets(ctx: &Ctx) -> Result<Response, AppError> {
    let user = ctx.require_any(crate::web::today::VIEWERS)?;
    let query = ctx.req.query_form()?;
    let due = Due::from_key(query.text("list"))
        .ok_or_else(|| AppError::BadRequest(ctx.t(Msg::UnknownList).to_owned()))?;
    let paging = Paging::of(&query, PAGE_SIZE);
    let day = super::today(ctx);
    let conn = ctx.app.db.conn()?;
    let mut rows = today::list(&conn, due, day, paging.limit(), paging.offset())?;
    drop(conn);
    let more = paging.keep(&mut rows);
    let money = |v: i64| ctx.app.config.currency().format(v, ctx.lang);
    let body = html! {
        @if rows.is_empty() { p { (ctx.t(Msg::NoTicketsInList)) } }
        @else {
            div class="table-wrap" { table {
                thead { tr {
                    th { (ctx.t(Msg::Ticket)) } th { (ctx.t(Msg::CustomerSelf)) }
                    th { (ctx.t(Msg::Maturity)) } th class="num" { (ctx.t(Msg::Principal)) }
                } }
                tbody { @for t in &rows {
                    tr {
                        td { a href=(paths::ticket(&t.id)) { (t.ticket_no) } }
                        td { a href=(paths::customer(&t.customer_id)) { (t.customer) } }
                        td { (ctx.date(t.matures_on)) }
                        td class="num" { (money(t.principal)) }
                    }
                } }
            } }
        }
        (paging.links(ctx.lang, more, |p| paths::due_tickets(due.key(), p)))
    };
    Ok(ctx.staff_page(user, ctx.t(title(due)), body))
}
