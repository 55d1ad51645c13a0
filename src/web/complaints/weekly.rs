//! The weekly evaluation page (seed 003 A.8, B.9, C.10, D.6): a week's cases by category,
//! channel and outcome (with bar charts drawn here as inline SVG, no script), the service
//! level met or breached, the times to the first response and to the resolution, repeat
//! complainants and the unresolved cases oldest first; a printable version (`&print=1`), the
//! week's cases as CSV, and the quarterly report for the regulator as CSV. The numbers are
//! `complaints::report`'s.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use maud::{Markup, html};
use rusqlite::Connection;

use super::clock_badge;
use crate::complaints::list::{self, Listed, Slice};
use crate::complaints::report::{self, Evaluation, Period, Spread};
use crate::complaints::sla::Calendar;
use crate::complaints::{Case, State};
use crate::plumbing::config::ComplaintsConfig;
use crate::plumbing::error::AppError;
use crate::plumbing::http::{Body, Response};
use crate::plumbing::i18n::Msg;
use crate::plumbing::paths;
use crate::roles::Permission;
use crate::web::Ctx;

/// Who reads the evaluations: managers with the reports, and the CS managers.
pub(crate) const READERS: [Permission; 2] = [Permission::Reports, Permission::ComplaintEscalations];

/// The week asked for (`?week=`, any day of it), else this week.
fn asked_week(ctx: &Ctx) -> Result<Period, AppError> {
    let query = ctx.req.query_form()?;
    let day = NaiveDate::parse_from_str(query.text("week"), "%Y-%m-%d")
        .unwrap_or_else(|_| crate::web::loans::today(ctx));
    Ok(report::week_of(day, ctx.app.config.utc_offset()))
}

/// A report's signature: the cases of a period counted at `now` with the branch's calendar.
type Report<T> =
    fn(&Connection, &Calendar, &ComplaintsConfig, Period, DateTime<Utc>) -> rusqlite::Result<T>;

/// `report` of `period` at the request's time, on a connection of its own with the calendar
/// loaded from it; the connection goes back to the pool before the page is drawn.
fn run<T>(ctx: &Ctx, period: Period, report: Report<T>) -> Result<T, AppError> {
    let conn = ctx.app.db.conn()?;
    let calendar = Calendar::load(&conn, ctx.app.config.utc_offset())?;
    Ok(report(
        &conn,
        &calendar,
        &ctx.app.config.complaints,
        period,
        ctx.now,
    )?)
}

fn evaluation(ctx: &Ctx, period: Period) -> Result<Evaluation, AppError> {
    run(ctx, period, report::evaluate)
}

/// The cases opened in `period`, whole, with their clocks.
fn cases_of(ctx: &Ctx, period: Period) -> Result<Vec<Listed>, AppError> {
    run(ctx, period, |conn, calendar, config, period, now| {
        let opened = report::opened_in(period);
        list::cases::<Case>(conn, &opened, calendar, config, now, Slice::ALL)
    })
}

/// GET /staff/complaints/weekly.
pub(crate) fn page(ctx: &Ctx) -> Result<Response, AppError> {
    let user = ctx.require_any(&READERS)?;
    let period = asked_week(ctx)?;
    let print = ctx.req.query_form()?.get("print") == Some("1");
    let e = evaluation(ctx, period)?;
    let title = ctx.lang.fill(
        Msg::WeeklyTitle,
        &[
            ("from", &ctx.date(period.first_day)),
            ("to", &ctx.date(period.last_day)),
        ],
    );
    let body = html! {
        @if !print { (controls(ctx, period)) }
        (summary(ctx, &e))
        div class="charts" {
            (chart(ctx, Msg::ComplaintCategory, &e.by_category.iter().map(|(c, n)| (ctx.t(c.label()), *n)).collect::<Vec<_>>()))
            (chart(ctx, Msg::ComplaintChannel, &e.by_channel.iter().map(|(c, n)| (ctx.t(c.label()), *n)).collect::<Vec<_>>()))
            (chart(ctx, Msg::ComplaintOutcome, &e.by_outcome.iter().map(|(o, n)| (o.map_or(ctx.t(Msg::ComplaintsUnresolved), |o| ctx.t(o.label())), *n)).collect::<Vec<_>>()))
        }
        h2 { (ctx.t(Msg::WeeklyRepeat)) }
        @if e.repeat.is_empty() { p class="muted" { (ctx.t(Msg::WeeklyNoRepeat)) } }
        ul { @for r in &e.repeat {
            li { a href=(paths::customer(&r.customer)) { (r.name) } " · " (ctx.lang.fill(Msg::WeeklyCases, &[("n", &r.cases.to_string())])) }
        } }
        h2 { (ctx.t(Msg::WeeklyOpenOldest)) }
        @if e.open_oldest.is_empty() { p class="muted" { (ctx.t(Msg::ComplaintsNone)) } }
        @else {
            div class="table-wrap" { table {
                thead { tr { th { (ctx.t(Msg::ComplaintOpenedAt)) } th { (ctx.t(Msg::ComplaintCustomer)) } th { (ctx.t(Msg::ComplaintCategory)) } th { (ctx.t(Msg::ComplaintState)) } th { (ctx.t(Msg::ComplaintTimeLeft)) } } }
                tbody { @for l in &e.open_oldest {
                    tr {
                        td { a href=(paths::complaint(&l.case.id)) { (ctx.datetime(l.case.opened_at)) } }
                        td { (l.case.customer_name) } td { (ctx.t(l.case.category.label())) }
                        td { (ctx.t(l.case.state.label())) } td { (clock_badge(ctx, l.clocks.main())) }
                    }
                } }
            } }
        }
    };
    Ok(ctx.staff_page(user, &title, body))
}

/// The week's picker, the other weeks, the print and CSV links, and the quarterly report.
fn controls(ctx: &Ctx, period: Period) -> Markup {
    let week = |d: NaiveDate| paths::complaints_week(paths::COMPLAINTS_WEEKLY, d, false);
    let today = crate::web::loans::today(ctx);
    let quarter = today.month0() / 3 + 1;
    html! {
        form method="get" action=(paths::COMPLAINTS_WEEKLY) class="actions no-print" {
            div class="field" { label for="week" { (ctx.t(Msg::WeeklyWeekOf)) } input id="week" name="week" type="date" value=(period.first_day); }
            button type="submit" class="secondary" { (ctx.t(Msg::ComplaintsShow)) }
        }
        p class="actions no-print" {
            a href=(week(period.first_day - Duration::days(7))) { (ctx.t(Msg::Previous)) } " · "
            a href=(week(period.first_day + Duration::days(7))) { (ctx.t(Msg::Next)) } " · "
            a href=(paths::complaints_week(paths::COMPLAINTS_WEEKLY, period.first_day, true)) { (ctx.t(Msg::WeeklyPrint)) } " · "
            a href=(paths::complaints_week(paths::COMPLAINTS_WEEKLY_CSV, period.first_day, false)) { (ctx.t(Msg::WeeklyCsv)) } " · "
            a href=(paths::complaints_quarter(today.year(), quarter)) { (ctx.t(Msg::QuarterlyCsv)) }
        }
    }
}

/// The counts and times.
fn summary(ctx: &Ctx, e: &Evaluation) -> Markup {
    html! {
        section class="card" id="summary" {
            dl {
                dt { (ctx.t(Msg::WeeklyReceived)) } dd data-n="received" { (e.cases.len()) }
                dt { (ctx.t(Msg::WeeklyMet)) } dd data-n="met" { (e.met) }
                dt { (ctx.t(Msg::WeeklyBreached)) } dd data-n="breached" { (e.breached) }
                dt { (ctx.t(Msg::WeeklyRunning)) } dd data-n="running" { (e.running) }
                dt { (ctx.t(Msg::ComplaintFirstResponse)) } dd { (spread(ctx, &e.first_response)) }
                dt { (ctx.t(Msg::ComplaintResolution)) } dd { (spread(ctx, &e.resolution)) }
            }
        }
    }
}

/// A median and 90th percentile in words.
fn spread(ctx: &Ctx, s: &Spread) -> String {
    match (s.median, s.p90) {
        (Some(median), Some(p90)) => ctx.lang.fill(
            Msg::WeeklySpread,
            &[
                ("median", &super::span(ctx, median)),
                ("p90", &super::span(ctx, p90)),
            ],
        ),
        _ => "—".to_owned(),
    }
}

/// A bar chart of counts under `title` (the staff pages' one chart).
fn chart(ctx: &Ctx, title: Msg, rows: &[(&str, usize)]) -> Markup {
    crate::web::chart::bars(ctx.t(title), rows)
}

/// A CSV download (head office's reports send theirs by it too).
pub(crate) fn csv_response(name: &str, rows: Vec<Vec<String>>) -> Result<Response, AppError> {
    let mut out = csv::Writer::from_writer(Vec::new());
    for row in rows {
        out.write_record(row.iter().map(|f| spreadsheet_safe(f)))
            .map_err(|e| AppError::Internal(e.to_string()))?;
    }
    let bytes = out
        .into_inner()
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(Response {
        status: 200,
        headers: vec![
            ("Content-Type", "text/csv; charset=utf-8".to_owned()),
            (
                "Content-Disposition",
                format!("attachment; filename=\"{name}\""),
            ),
            ("Cache-Control", "no-store".to_owned()),
        ],
        body: Body::Bytes(bytes),
    })
}

/// A text a spreadsheet does not run as a formula (a leading `=`, `+`, `-` or `@` is quoted).
fn spreadsheet_safe(field: &str) -> String {
    if field.starts_with(['=', '+', '-', '@']) {
        format!("'{field}")
    } else {
        field.to_owned()
    }
}

/// GET /staff/complaints/weekly.csv: the week's cases, one per line.
pub(crate) fn csv(ctx: &Ctx) -> Result<Response, AppError> {
    ctx.require_any(&READERS)?;
    let period = asked_week(ctx)?;
    let cases = cases_of(ctx, period)?;
    let minutes = |d: Option<Duration>| d.map(|d| d.num_minutes().to_string()).unwrap_or_default();
    let mut rows = vec![
        [
            "case",
            "opened_at",
            "customer",
            "channel",
            "category",
            "priority",
            "state",
            "outcome",
            "first_response_minutes",
            "resolution_minutes",
            "service_level",
        ]
        .map(str::to_owned)
        .to_vec(),
    ];
    for l in &cases {
        let c = &l.case;
        rows.push(vec![
            c.id.to_string(),
            c.opened_at.to_rfc3339(),
            c.customer_name.clone(),
            c.channel.code().to_owned(),
            c.category.code().to_owned(),
            c.priority.code().to_owned(),
            c.state.code().to_owned(),
            c.outcome.map_or("", |o| o.code()).to_owned(),
            minutes(c.first_response_at.map(|t| t - c.opened_at)),
            minutes(c.resolved_at.map(|t| t - c.opened_at)),
            report::sla_of(c.state, &l.clocks).code().to_owned(),
        ]);
    }
    csv_response(&format!("complaints-week-{}.csv", period.first_day), rows)
}

/// GET /staff/complaints/quarterly.csv?year=&quarter=: per category, the cases received in
/// the quarter, by state, and the resolved ones within the limit or not.
pub(crate) fn quarterly_csv(ctx: &Ctx) -> Result<Response, AppError> {
    ctx.require_any(&READERS)?;
    let query = ctx.req.query_form()?;
    let year: i32 = query.text("year").parse().map_err(|_| AppError::NotFound)?;
    let q: u32 = query
        .text("quarter")
        .parse()
        .map_err(|_| AppError::NotFound)?;
    let period = report::quarter(year, q, ctx.app.config.utc_offset()).ok_or(AppError::NotFound)?;
    let lines = run(ctx, period, report::quarterly)?;
    let mut header = vec!["category".to_owned(), "received".to_owned()];
    header.extend(State::ALL.iter().map(|s| s.code().to_owned()));
    header.extend(["resolved_within_limit", "resolved_late"].map(str::to_owned));
    let mut rows = vec![header];
    for line in lines {
        let mut row = vec![line.category.code().to_owned(), line.received.to_string()];
        row.extend(line.by_state.iter().map(usize::to_string));
        row.extend([
            line.resolved_within.to_string(),
            line.resolved_late.to_string(),
        ]);
        rows.push(row);
    }
    csv_response(&format!("complaints-{year}-q{q}.csv"), rows)
}
