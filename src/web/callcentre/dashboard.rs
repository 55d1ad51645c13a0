//! The agents' dashboard page and its CSV (the figures are `callcentre::dashboard`): one week
//! at a time, with inline SVG bar charts drawn here on the server (no script, no images).
//! Managers see every agent; an agent sees their own line.

use chrono::{Duration, NaiveDate};
use maud::{Markup, html};

use crate::callcentre::dashboard::{self, AgentWeek};
use crate::callcentre::queue;
use crate::plumbing::error::AppError;
use crate::plumbing::http::{Body, Response};
use crate::plumbing::i18n::Msg;
use crate::plumbing::paths;
use crate::roles::{Permission, StaffUser};
use crate::web::Ctx;
use crate::web::loans::today;

/// The week asked for (any day of it, `?week=YYYY-MM-DD`), else this week: its Monday.
fn monday(ctx: &Ctx) -> Result<NaiveDate, AppError> {
    let q = ctx.req.query_form()?;
    let day = NaiveDate::parse_from_str(q.text("week"), "%Y-%m-%d").unwrap_or_else(|_| today(ctx));
    Ok(dashboard::week_of(day))
}

fn rows(ctx: &Ctx, user: &StaffUser, monday: NaiveDate) -> Result<Vec<AgentWeek>, AppError> {
    let only = (!queue::may_assign(user)).then_some(&user.id);
    let conn = ctx.app.db.conn()?;
    Ok(dashboard::week(
        &conn,
        monday,
        ctx.app.config.utc_offset(),
        only,
    )?)
}

/// GET /staff/callcentre/dashboard?week=.
pub(crate) fn page(ctx: &Ctx) -> Result<Response, AppError> {
    let user = ctx.require(Permission::CallCentre)?;
    let monday = monday(ctx)?;
    let rows = rows(ctx, user, monday)?;
    let week = |d: NaiveDate| format!("{}?week={d}", paths::FOLLOW_UP_DASHBOARD);
    let title = ctx.lang.fill(
        Msg::DashboardWeekOf,
        &[
            ("from", &ctx.date(monday)),
            ("to", &ctx.date(monday + Duration::days(6))),
        ],
    );
    let body = html! {
        nav class="actions" {
            a href=(week(monday - Duration::days(7))) rel="prev" { (ctx.t(Msg::Previous)) }
            strong { (title) }
            a href=(week(monday + Duration::days(7))) rel="next" { (ctx.t(Msg::Next)) }
            a class="button secondary" href={ (paths::FOLLOW_UP_DASHBOARD_CSV) "?week=" (monday) } { (ctx.t(Msg::DashboardCsv)) }
        }
        @if rows.is_empty() { p class="muted" { (ctx.t(Msg::DashboardNone)) } }
        @else {
            (table(ctx, &rows))
            h2 { (ctx.t(Msg::DashboardCallsChart)) }
            (bars(ctx, &rows, &[
                (Msg::DashboardCalls, "bar-a", &|r: &AgentWeek| i64::from(r.calls)),
                (Msg::DashboardConnected, "bar-b", &|r: &AgentWeek| i64::from(r.connected)),
            ]))
            h2 { (ctx.t(Msg::DashboardPromisesChart)) }
            (bars(ctx, &rows, &[
                (Msg::DashboardPromisesMade, "bar-a", &|r: &AgentWeek| i64::from(r.promises_made)),
                (Msg::DashboardPromisesKept, "bar-b", &|r: &AgentWeek| i64::from(r.promises_kept)),
                (Msg::DashboardPromisesBroken, "bar-c", &|r: &AgentWeek| i64::from(r.promises_broken)),
            ]))
        }
    };
    Ok(ctx.staff_page(user, ctx.t(Msg::AgentDashboardTitle), body))
}

fn table(ctx: &Ctx, rows: &[AgentWeek]) -> Markup {
    let currency = ctx.app.config.currency();
    html! {
        div class="table-wrap" { table {
            thead { tr {
                th { (ctx.t(Msg::FollowUpAgent)) } th class="num" { (ctx.t(Msg::DashboardCalls)) }
                th class="num" { (ctx.t(Msg::DashboardConnected)) } th class="num" { (ctx.t(Msg::DashboardContactRate)) }
                th class="num" { (ctx.t(Msg::DashboardPromisesMade)) } th class="num" { (ctx.t(Msg::DashboardPromisesKept)) }
                th class="num" { (ctx.t(Msg::DashboardPromisesBroken)) } th class="num" { (ctx.t(Msg::DashboardCollected)) }
            } }
            tbody { @for r in rows {
                @let rate = r.contact_rate_permille();
                tr {
                    td { (r.name) } td class="num" { (r.calls) } td class="num" { (r.connected) }
                    td class="num" { (rate / 10) "." (rate % 10) " %" }
                    td class="num" { (r.promises_made) } td class="num" { (r.promises_kept) }
                    td class="num" { (r.promises_broken) } td class="num" { (currency.format(r.collected, ctx.lang)) }
                }
            } }
        } }
    }
}

/// A value of a row to chart.
type Measure<'a> = &'a dyn Fn(&AgentWeek) -> i64;

/// For each agent one bar per measure (its name, its colour class, its value), drawn by the
/// staff pages' one chart module.
fn bars(ctx: &Ctx, rows: &[AgentWeek], measures: &[(Msg, &str, Measure)]) -> Markup {
    let groups: Vec<(&str, Vec<i64>)> = rows
        .iter()
        .map(|r| {
            (
                r.name.as_str(),
                measures.iter().map(|(_, _, m)| m(r)).collect(),
            )
        })
        .collect();
    let series: Vec<(&str, &str)> = measures
        .iter()
        .map(|(m, class, _)| (ctx.t(*m), *class))
        .collect();
    crate::web::chart::grouped_bars(&groups, &series)
}

/// GET /staff/callcentre/dashboard.csv?week=: the same week as CSV.
pub(crate) fn csv(ctx: &Ctx) -> Result<Response, AppError> {
    let user = ctx.require(Permission::CallCentre)?;
    let monday = monday(ctx)?;
    let rows = rows(ctx, user, monday)?;
    Ok(Response {
        status: 200,
        headers: vec![
            ("Content-Type", "text/csv; charset=utf-8".to_owned()),
            ("Cache-Control", "no-store".to_owned()),
            (
                "Content-Disposition",
                format!("attachment; filename=\"callcentre-{monday}.csv\""),
            ),
        ],
        body: Body::Bytes(dashboard::csv(&rows, monday).into_bytes()),
    })
}
