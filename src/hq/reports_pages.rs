//! Head office's report pages (for any signed-in user): the list of reports, each report with
//! its charts (inline SVG by `web::chart`), the chain's totals and each branch's, its CSV,
//! and the figures on a branch's page. The numbers are [`super::reports`]'s.
//!
//! Head office's own routes, like the other hq pages: `/reports`, `/reports/{slug}`,
//! `/reports/{slug}.csv`, the weekly ones with `?weeks=` (1 to 104, 12 unless asked).

use chrono::{DateTime, NaiveDate, Utc};
use maud::{Markup, html};

use super::HqApp;
use super::reports::{self, Format, Kind, Report};
use super::sign_in::SignedIn;
use super::store::StoreError;
use crate::outbox::MessageKind;
use crate::plumbing::http::{Request, Response};
use crate::plumbing::i18n::{Lang, Msg};
use crate::web::chart::{self, Point};

/// The list of reports.
pub(crate) const REPORTS: &str = "/reports";

/// The page of report `kind`.
pub(crate) fn report_path(kind: Kind) -> String {
    format!("{REPORTS}/{}", kind.slug())
}

/// The CSV of report `kind` over `weeks` weeks.
fn csv_path(kind: Kind, weeks: u32) -> String {
    if kind.weekly() {
        format!("{REPORTS}/{}.csv?weeks={weeks}", kind.slug())
    } else {
        format!("{REPORTS}/{}.csv", kind.slug())
    }
}

/// A branch's page.
pub(crate) fn branch_path(code: &str) -> String {
    format!("/branches/{code}")
}

/// `GET /reports`: every report, with what it counts.
pub(crate) fn index(app: &HqApp, user: &SignedIn) -> Response {
    let lang = app.lang();
    let body = html! {
        p { (lang.t(Msg::HqReportsExplained)) }
        ul {
            @for kind in Kind::ALL {
                li { a href=(report_path(kind)) { (lang.t(kind.title())) } }
            }
        }
    };
    super::pages::page(app, user, lang.t(Msg::HqReports), body)
}

/// `GET /reports/{name}`: a report's page, or with `.csv` its CSV; 404 for another name.
pub(crate) fn get(
    app: &HqApp,
    req: &Request,
    user: &SignedIn,
    name: &str,
    now: DateTime<Utc>,
) -> Result<Response, StoreError> {
    let (slug, csv) = match name.strip_suffix(".csv") {
        Some(slug) => (slug, true),
        None => (name, false),
    };
    let Some(kind) = Kind::from_slug(slug) else {
        return Ok(super::not_found());
    };
    let lang = app.lang();
    let (weeks, refused) = match weeks_asked(req) {
        Ok(weeks) => (weeks, false),
        Err(()) if csv => {
            let error = serde_json::json!({ "error": lang.t(Msg::HqWeeksBad) });
            return Ok(Response::json(400, &error));
        }
        Err(()) => (reports::DEFAULT_WEEKS, true),
    };
    let report = reports::report(&app.store, kind, now, weeks, None)?;
    if csv {
        return Ok(csv_of(app, req, &report, now));
    }
    let body = html! {
        @if kind.weekly() { (weeks_form(lang, kind, weeks, refused)) }
        p { a href=(csv_path(kind, weeks)) download { (lang.t(Msg::HqReportCsv)) } }
        (figures(app, &report, true))
    };
    Ok(super::pages::page(app, user, lang.t(kind.title()), body))
}

/// The weeks `?weeks=` asks for (the default when it is absent), or `Err` for anything but a
/// whole number from 1 to [`reports::MAX_WEEKS`].
fn weeks_asked(req: &Request) -> Result<u32, ()> {
    let form = req.query_form().map_err(|_| ())?;
    match form.get("weeks").map(str::trim) {
        None | Some("") => Ok(reports::DEFAULT_WEEKS),
        Some(text) => text
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=reports::MAX_WEEKS).contains(n))
            .ok_or(()),
    }
}

fn weeks_form(lang: Lang, kind: Kind, weeks: u32, refused: bool) -> Markup {
    html! {
        form method="get" action=(report_path(kind)) class="stack" {
            label for="weeks" { (lang.t(Msg::HqWeeks)) }
            @if refused { p class="error" role="alert" id="weeks-error" { (lang.t(Msg::HqWeeksBad)) } }
            input id="weeks" name="weeks" type="number" min="1" max=(reports::MAX_WEEKS) value=(weeks)
                aria-invalid=[refused.then_some("true")] aria-describedby=[refused.then_some("weeks-error")];
            div { button type="submit" { (lang.t(Msg::HqWeeksShow)) } }
        }
    }
}

/// A report's charts and tables: the chain's totals by key, and (when `by_branch`) each
/// branch's totals.
fn figures(app: &HqApp, report: &Report, by_branch: bool) -> Markup {
    let lang = app.lang();
    let by_key = report.by_key();
    let branches = report.by_branch();
    html! {
        @if report.lines.is_empty() {
            p class="muted" { (lang.t(Msg::HqNothingCounted)) }
        } @else {
            div class="today-charts" {
                @for series in &report.charts { (chart_of(app, report, &by_key, series)) }
            }
            @if by_branch { h2 { (lang.t(Msg::HqWholeChain)) } }
            (table(app, report, (lang.t(report.key), lang.t(Msg::HqTotal)), &by_key, |key| html! { (key_label(lang, report.kind, key)) }))
            @if by_branch {
                h2 { (lang.t(Msg::HqByBranch)) }
                (table(app, report, (lang.t(Msg::HqBranch), lang.t(Msg::HqAllBranches)), &branches, |code| html! { a href=(branch_path(code)) { (code) } }))
            }
        }
    }
}

/// A column chart of the chain's totals by key, one series per column of `series`.
fn chart_of(
    app: &HqApp,
    report: &Report,
    by_key: &[(String, Vec<i64>)],
    series: &[usize],
) -> Markup {
    const CLASSES: [&str; 3] = ["bar-a", "bar-b", "bar-c"];
    let lang = app.lang();
    // At most about six labels under the columns, so they do not run into each other.
    let every = by_key.len().div_ceil(6).max(1);
    let labels: Vec<String> = by_key
        .iter()
        .enumerate()
        .map(|(i, (key, _))| {
            if i % every == 0 {
                short_label(lang, report.kind, key)
            } else {
                String::new()
            }
        })
        .collect();
    let groups: Vec<(&str, Vec<Point>)> = by_key
        .iter()
        .zip(&labels)
        .map(|((key, values), label)| {
            let points = series
                .iter()
                .map(|&c| Point {
                    label: "",
                    value: values.get(c).copied().unwrap_or(0),
                    shown: format!(
                        "{}: {}",
                        key_label(lang, report.kind, key),
                        value(app, report.columns[c].1, values, c)
                    ),
                })
                .collect();
            (label.as_str(), points)
        })
        .collect();
    let names: Vec<(&str, &str)> = series
        .iter()
        .zip(CLASSES.iter().cycle())
        .map(|(&c, class)| (lang.t(report.columns[c].0), *class))
        .collect();
    let title = names.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ");
    let format = series
        .first()
        .map_or(Format::Count, |&c| report.columns[c].1);
    chart::columns(&title, &groups, &names, &|top| match format {
        Format::Money => app.config.currency().format(top, lang),
        _ => top.to_string(),
    })
}

/// A table: one row per (label, values) under the heading `first`, with the columns' totals
/// under it (labelled `foot`).
fn table(
    app: &HqApp,
    report: &Report,
    (first, foot): (&str, &str),
    rows: &[(String, Vec<i64>)],
    label: impl Fn(&str) -> Markup,
) -> Markup {
    let lang = app.lang();
    let mut total = vec![0; report.columns.len()];
    for (_, values) in rows {
        for (t, v) in total.iter_mut().zip(values) {
            *t += v;
        }
    }
    html! {
        div class="table-wrap" {
            table {
                thead { tr {
                    th { (first) }
                    @for (name, _) in &report.columns { th class="num" { (lang.t(*name)) } }
                } }
                tbody {
                    @for (key, values) in rows {
                        tr {
                            td { (label(key)) }
                            @for (i, (_, format)) in report.columns.iter().enumerate() {
                                td class="num" { (value(app, *format, values, i)) }
                            }
                        }
                    }
                }
                tfoot { tr {
                    th { (foot) }
                    @for (i, (_, format)) in report.columns.iter().enumerate() {
                        th class="num" { (value(app, *format, &total, i)) }
                    }
                } }
            }
        }
    }
}

/// Column `i` of `values` as its format writes it.
fn value(app: &HqApp, format: Format, values: &[i64], i: usize) -> String {
    let at = |c: usize| values.get(c).copied().unwrap_or(0);
    match format {
        Format::Count => at(i).to_string(),
        Format::Money => app.config.currency().format(at(i), app.lang()),
        Format::Share { part, whole } => {
            reports::per_cent(at(part), at(whole)).unwrap_or_else(|| "—".to_owned())
        }
    }
}

/// A key as people read it: a week's Monday as a date, a complaint category or message kind
/// by its name, a product as the branch named it.
fn key_label(lang: Lang, kind: Kind, key: &str) -> String {
    let named = match kind {
        Kind::Complaints => crate::complaints::Category::from_code(key).map(|c| c.label()),
        Kind::Sms => crate::sms::outbox::Kind::ALL
            .iter()
            .find(|k| k.code() == key)
            .map(|k| k.label()),
        _ => None,
    };
    if let Some(msg) = named {
        return lang.t(msg).to_owned();
    }
    match NaiveDate::parse_from_str(key, "%Y-%m-%d") {
        Ok(day) if kind.weekly() => lang.date(day),
        _ if key.is_empty() => "—".to_owned(),
        _ => key.to_owned(),
    }
}

/// A key under a chart's column: a week as its day and month only.
fn short_label(lang: Lang, kind: Kind, key: &str) -> String {
    let label = key_label(lang, kind, key);
    match NaiveDate::parse_from_str(key, "%Y-%m-%d") {
        Ok(_) if kind.weekly() => label
            .rsplit_once(' ')
            .map_or(label.clone(), |(dm, _)| dm.to_owned()),
        _ => label,
    }
}

/// The CSV of a report: its detail lines (branch, key, values), money in minor units, with a
/// header row; the page's tables are their totals.
fn csv_of(app: &HqApp, req: &Request, report: &Report, now: DateTime<Utc>) -> Response {
    let lang = app.lang();
    let mut rows = Vec::with_capacity(report.lines.len() + 1);
    let mut header = vec![
        lang.t(Msg::HqBranch).to_owned(),
        lang.t(report.key).to_owned(),
    ];
    header.extend(report.columns.iter().map(|(m, _)| lang.t(*m).to_owned()));
    rows.push(header);
    for line in &report.lines {
        let mut row = vec![line.branch.clone(), line.key.clone()];
        for (i, (_, format)) in report.columns.iter().enumerate() {
            row.push(match format {
                Format::Share { part, whole } => {
                    let at = |c: usize| line.values.get(c).copied().unwrap_or(0);
                    reports::per_cent(at(*part), at(*whole)).unwrap_or_default()
                }
                _ => line.values.get(i).copied().unwrap_or(0).to_string(),
            });
        }
        rows.push(row);
    }
    let name = format!("{}-{}.csv", report.kind.slug(), now.date_naive());
    crate::web::complaints::weekly::csv_response(&name, rows)
        .unwrap_or_else(|e| e.into_response(req, lang))
}

/// A branch's figures on its page: every report of that branch alone, over the default
/// weeks.
pub(crate) fn branch_figures(
    app: &HqApp,
    code: &str,
    now: DateTime<Utc>,
) -> Result<Markup, StoreError> {
    let lang = app.lang();
    let mut parts = Vec::with_capacity(Kind::ALL.len());
    for kind in Kind::ALL {
        let report = reports::report(&app.store, kind, now, reports::DEFAULT_WEEKS, Some(code))?;
        parts.push(html! {
            section class="card" {
                h3 { a href=(report_path(kind)) { (lang.t(kind.title())) } }
                (figures(app, &report, false))
            }
        });
    }
    Ok(html! {
        h2 { (lang.t(Msg::HqBranchFigures)) }
        @for part in parts { (part) }
    })
}
