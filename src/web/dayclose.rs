//! "The day's close": a branch's end-of-day report (tickets paid out, payments, extensions,
//! redemptions, forfeits and sales, interest and fees taken, cash by drawer with over/short,
//! the other methods and how they match the imported statements, SMS sent and failed), on
//! screen, printable on A4 or an 80 mm roll, and as CSV; and the form that closes the day,
//! refused while a drawer is open (a difference from the statements is shown, not refused).
//! The figures are `dayclose`'s.
//!
//! Who may do what: the report is read by those who read reports or sign drawers off;
//! closing the day is a manager's (`Corrections`, as the drawers' sign-off).

use chrono::NaiveDate;
use maud::{Markup, html};
use serde_json::json;

use crate::audit::{self, Actor, Change};
use crate::dayclose::{self, CloseError, Report};
use crate::plumbing::db;
use crate::plumbing::error::AppError;
use crate::plumbing::http::{Body, Response};
use crate::plumbing::i18n::Msg;
use crate::plumbing::paths::{self, DrawerAction};
use crate::plumbing::ui;
use crate::roles::Permission;
use crate::web::Ctx;
use crate::web::loans::{method_label, today};

/// Who reads the report.
const VIEWERS: &[Permission] = &[Permission::Reports, Permission::Corrections];
/// Who closes the day.
const CLOSERS: Permission = Permission::Corrections;

/// The day asked for (`on`), else today.
fn day_asked(ctx: &Ctx, text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap_or_else(|_| today(ctx))
}

/// GET /staff/close?on=YYYY-MM-DD[&size=80mm]: the report of a day.
pub(crate) fn page(ctx: &Ctx) -> Result<Response, AppError> {
    let query = ctx.req.query_form()?;
    let day = day_asked(ctx, query.text("on"));
    render(ctx, day, query.text("size") == "80mm", None, 200)
}

/// The report page, with a refusal of the close.
fn render(
    ctx: &Ctx,
    day: NaiveDate,
    narrow: bool,
    error: Option<String>,
    status: u16,
) -> Result<Response, AppError> {
    let user = ctx.require_any(VIEWERS)?;
    let conn = ctx.app.db.conn()?;
    let report = dayclose::report(&conn, day, ctx.app.config.utc_offset())?;
    drop(conn);
    let on = format!("?on={day}");
    let body = html! {
        form method="get" class="actions no-print" {
            div class="field" { label for="on" { (ctx.t(Msg::Date)) } input id="on" name="on" type="date" value=(day.to_string()); }
            button type="submit" { (ctx.t(Msg::Search)) }
        }
        (ui::form_error(error.as_deref()))
        article class={ "ticket day-close " (if narrow { "roll" } else { "a4" }) } {
            (crate::web::loans::print::branch_lines(&ctx.app.config.branch, ctx.lang))
            h2 { (ctx.t(Msg::DayClose)) " · " (ctx.date(day)) }
            (figures(ctx, &report))
            (drawer_lines(ctx, &report))
            (crate::web::statement_match::section(ctx, &report.statements))
            p id="day-state" { (closed_line(ctx, &report)) }
        }
        p class="no-print actions" {
            a class="button secondary" href={ (paths::DAY_CLOSE) (on) } { (ctx.t(Msg::PrintOnA4)) }
            a class="button secondary" href={ (paths::DAY_CLOSE) (on) "&size=80mm" } { (ctx.t(Msg::PrintOnRoll)) }
            a class="button secondary" href={ (paths::DAY_CLOSE_CSV) (on) } { (ctx.t(Msg::DayCsv)) }
        }
        @if report.closed.is_none() && user.role.has(CLOSERS) {
            form method="post" action={ (paths::DAY_CLOSE) } class="no-print" {
                (ui::csrf_input(&ctx.csrf()))
                input type="hidden" name="on" value=(day.to_string());
                button type="submit" { (ctx.t(Msg::DayCloseAction)) }
            }
        }
    };
    let mut page = ctx.staff_page(user, ctx.t(Msg::DayClose), body);
    page.status = status;
    Ok(page)
}

/// Whether and by whom the day was closed.
fn closed_line(ctx: &Ctx, r: &Report) -> String {
    match &r.closed {
        Some((name, at)) => ctx.lang.fill(
            Msg::DayClosedBy,
            &[("name", name), ("time", &ctx.datetime(*at))],
        ),
        None => ctx.t(Msg::DayNotClosed).to_owned(),
    }
}

/// The day's figures.
fn figures(ctx: &Ctx, r: &Report) -> Markup {
    let money = |v: i64| ctx.app.config.currency().format(v, ctx.lang);
    let tally = |t: dayclose::Tally| format!("{} · {}", t.count, money(t.amount));
    html! {
        dl id="day-figures" {
            dt { (ctx.t(Msg::DayLoansWritten)) } dd { (tally(r.loans_written)) }
            dt { (ctx.t(Msg::DayPayments)) } dd { (tally(r.payments)) }
            dt { (ctx.t(Msg::DayExtensions)) } dd { (r.extensions) }
            dt { (ctx.t(Msg::DayRedemptions)) } dd { (r.redemptions) }
            dt { (ctx.t(Msg::DayForfeits)) } dd { (r.forfeits) }
            dt { (ctx.t(Msg::DayDisposals)) } dd { (tally(r.disposals)) }
            dt { (ctx.t(Msg::DayInterestTaken)) } dd { (money(r.interest_taken)) }
            dt { (ctx.t(Msg::DayFeesTaken)) } dd { (money(r.fees_taken)) }
            @for m in &r.methods {
                dt { (ctx.t(method_label(m.method))) } dd { (ctx.t(Msg::MethodReceived)) " " (money(m.received)) " · " (ctx.t(Msg::MethodPaid)) " " (money(m.paid)) }
            }
            dt { (ctx.t(Msg::DayOver)) } dd { (money(r.over)) }
            dt { (ctx.t(Msg::DayShort)) } dd { (money(r.short)) }
            dt { (ctx.t(Msg::DaySmsSent)) } dd { (r.sms_sent) }
            dt { (ctx.t(Msg::DaySmsFailed)) } dd { (r.sms_failed) }
            dt { (ctx.t(Msg::DayComplaintsOpened)) } dd { (r.complaints_opened) }
            dt { (ctx.t(Msg::DayComplaintsBreached)) } dd { (r.complaints_breached) }
        }
    }
}

/// Cash by drawer.
fn drawer_lines(ctx: &Ctx, r: &Report) -> Markup {
    let money = |v: i64| ctx.app.config.currency().format(v, ctx.lang);
    html! {
        h3 { (ctx.t(Msg::Drawers)) }
        @if r.drawers.is_empty() { p { (ctx.t(Msg::DrawerNone)) } }
        @else {
            div class="table-wrap" { table id="day-drawers" {
                thead { tr { th { (ctx.t(Msg::DrawerClerk)) } th class="num" { (ctx.t(Msg::DrawerExpected)) } th class="num" { (ctx.t(Msg::DrawerCounted)) } th class="num" { (ctx.t(Msg::DrawerOverShort)) } } }
                tbody { @for (d, expected) in &r.drawers { tr {
                    td { a href=(paths::drawer(&d.id, DrawerAction::Print)) { (d.clerk) } }
                    td class="num" { (money(d.expected.unwrap_or(*expected))) }
                    td class="num" { @if let Some(c) = d.counted { (money(c)) } @else { (ctx.t(Msg::DrawerOpenNow)) } }
                    td class="num" { @if let Some(o) = d.over_short() { (money(o)) } }
                } } }
            } }
        }
    }
}

/// GET /staff/close/csv?on=YYYY-MM-DD: the report as CSV.
pub(crate) fn csv(ctx: &Ctx) -> Result<Response, AppError> {
    ctx.require_any(VIEWERS)?;
    let day = day_asked(ctx, ctx.req.query_form()?.text("on"));
    let conn = ctx.app.db.conn()?;
    let report = dayclose::report(&conn, day, ctx.app.config.utc_offset())?;
    drop(conn);
    Ok(Response {
        status: 200,
        headers: vec![
            ("Content-Type", "text/csv; charset=utf-8".to_owned()),
            ("Cache-Control", "no-store".to_owned()),
            (
                "Content-Disposition",
                format!("attachment; filename=\"close-{day}.csv\""),
            ),
        ],
        body: Body::Bytes(dayclose::csv(&report).into_bytes()),
    })
}

/// POST /staff/close: closes the day sent (`on`); refused while a drawer is open.
pub(crate) fn close(ctx: &Ctx) -> Result<Response, AppError> {
    let user = ctx.require(CLOSERS)?;
    let form = ctx.form()?;
    let day = day_asked(ctx, form.text("on"));
    let mut conn = ctx.app.db.conn()?;
    let tx = db::immediate(&mut conn)?;
    let refusal = match dayclose::close(&tx, day, today(ctx), &user.id, ctx.now) {
        Ok(()) => None,
        Err(CloseError::Db(e)) => return Err(e.into()),
        Err(CloseError::DrawersOpen(n)) => Some(
            ctx.lang
                .fill(Msg::DayDrawersOpen, &[("count", &n.to_string())]),
        ),
        Err(CloseError::AlreadyClosed) => Some(ctx.t(Msg::DayAlreadyClosed).to_owned()),
        Err(CloseError::NotYet) => Some(ctx.t(Msg::DayNotYet).to_owned()),
    };
    if let Some(text) = refusal {
        drop(tx);
        return render(ctx, day, false, Some(text), 409);
    }
    let change = Change {
        action: "day.close",
        entity: "day_close",
        entity_id: &day.to_string(),
        before: None,
        after: Some(json!({ "day": day.to_string() })),
    };
    audit::record(&tx, &Actor::Staff(user), &change, ctx.now)?;
    tx.commit()?;
    ctx.flash(ctx.t(Msg::DayClosed));
    Ok(Response::see_other(&format!(
        "{}?on={day}",
        paths::DAY_CLOSE
    )))
}
