//! The trend charts of a manager's Today card (issue 16): principal outstanding and
//! collections over the last 30 days, and tickets written, redeemed and forfeited per week,
//! drawn by [`chart`] from the figures of `dayclose::trends`.

use chrono::{Duration, NaiveDate};
use maud::{Markup, html};
use rusqlite::Connection;

use crate::dayclose::trends::{self, Day, Week};
use crate::plumbing::error::AppError;
use crate::plumbing::i18n::Msg;
use crate::web::chart::{self, Point};
use crate::web::loans::today;
use crate::web::{Ctx, chart::columns};

/// A day as a chart's label: day and month ("24/11"), the same in both languages.
fn short(day: NaiveDate) -> String {
    day.format("%d/%m").to_string()
}

/// "Highest: ..." above a chart, with `shown` writing the value.
fn highest(ctx: &Ctx, shown: &dyn Fn(i64) -> String) -> impl Fn(i64) -> String {
    move |max| {
        ctx.lang
            .fill(Msg::TodayChartHighest, &[("value", &shown(max))])
    }
}

/// The words a point shows: what, and its value.
fn point<'a>(ctx: &Ctx, label: &'a str, what: &str, value: i64, shown: String) -> Point<'a> {
    Point {
        label,
        value,
        shown: ctx
            .lang
            .fill(Msg::TodayChartPoint, &[("day", what), ("value", &shown)]),
    }
}

/// The daily charts: principal outstanding as a line, collections as columns; a day every
/// week, counted back from today, is labelled.
fn daily(ctx: &Ctx, days: &[Day]) -> Markup {
    let money = |v: i64| ctx.app.config.currency().format(v, ctx.lang);
    let last = days.len();
    let labels: Vec<String> = (1..=last)
        .zip(days)
        .map(|(i, d)| {
            if (last - i).is_multiple_of(7) {
                short(d.day)
            } else {
                String::new()
            }
        })
        .collect();
    let outstanding: Vec<Point> = days
        .iter()
        .zip(&labels)
        .map(|(d, l)| {
            point(
                ctx,
                l,
                &ctx.date(d.day),
                d.outstanding,
                money(d.outstanding),
            )
        })
        .collect();
    let collected: Vec<(&str, Vec<Point>)> = days
        .iter()
        .zip(&labels)
        .map(|(d, l)| {
            let p = point(ctx, "", &ctx.date(d.day), d.collected, money(d.collected));
            (l.as_str(), vec![p])
        })
        .collect();
    html! {
        (chart::line(ctx.t(Msg::TodayOutstandingChart), &outstanding, &highest(ctx, &money)))
        (columns(ctx.t(Msg::TodayCollectionsChart), &collected, &[("", "bar-a")], &highest(ctx, &money)))
    }
}

/// The weekly chart: for each week, new loans, redemptions and forfeits side by side.
fn weekly(ctx: &Ctx, weeks: &[Week]) -> Markup {
    let series = [
        (Msg::TodayWeekWritten, "bar-a"),
        (Msg::TodayWeekRedeemed, "bar-b"),
        (Msg::TodayWeekForfeited, "bar-c"),
    ];
    let labels: Vec<String> = weeks.iter().map(|w| short(w.last)).collect();
    let groups: Vec<(&str, Vec<Point>)> = weeks
        .iter()
        .zip(&labels)
        .map(|(w, label)| {
            let span = format!("{}–{}", short(w.last - Duration::days(6)), label);
            let values = [w.written, w.redeemed, w.forfeited];
            let points = series
                .iter()
                .zip(values)
                .map(|((m, _), v)| {
                    point(ctx, "", &format!("{}, {span}", ctx.t(*m)), v, v.to_string())
                })
                .collect();
            (label.as_str(), points)
        })
        .collect();
    let names: Vec<(&str, &str)> = series.iter().map(|(m, c)| (ctx.t(*m), *c)).collect();
    let count = |v: i64| v.to_string();
    columns(
        ctx.t(Msg::TodayWeeksChart),
        &groups,
        &names,
        &highest(ctx, &count),
    )
}

/// The three trend charts of the card.
pub(crate) fn charts(ctx: &Ctx, conn: &Connection) -> Result<Markup, AppError> {
    let day = today(ctx);
    let days = trends::daily(conn, day)?;
    let weeks = trends::weekly(conn, day, ctx.app.config.utc_offset())?;
    Ok(html! {
        (daily(ctx, &days))
        (weekly(ctx, &weeks))
    })
}
