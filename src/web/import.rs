//! The staff's statement pages: pasting a bank or mobile-money statement to import it (the
//! same import as `pawnbranch import payments`, see `import::payments`) and its report, and
//! the lines waiting for review, which staff mark resolved once dealt with.
//!
//! The statement is pasted into a text area, not uploaded as a file: the server reads only
//! urlencoded forms, at most `[server] max_body_bytes` (the page says how much; a larger form
//! is answered 413 by the HTTP plumbing).

use maud::{Markup, html};
use serde_json::json;

use crate::audit::{self, Actor, Change};
use crate::import::Branch;
use crate::import::payments::{self, Group, LineProblem, Report, Resolution, StatementError};
use crate::plumbing::db;
use crate::plumbing::error::AppError;
use crate::plumbing::http::Response;
use crate::plumbing::i18n::Msg;
use crate::plumbing::paths;
use crate::plumbing::ui;
use crate::roles::Permission;
use crate::web::Ctx;
use crate::web::loans::method_label;

/// The most open lines the review page lists.
const REVIEW_LIMIT: u32 = 500;

/// A size in bytes for people: KiB when whole.
fn size_text(bytes: u32) -> String {
    if bytes.is_multiple_of(1024) {
        format!("{} KiB", bytes / 1024)
    } else {
        format!("{bytes} B")
    }
}

/// GET /staff/payments/import: the form to paste a statement into.
pub(crate) fn upload_page(ctx: &Ctx) -> Result<Response, AppError> {
    ctx.require(Permission::Payments)?;
    render_form(ctx, "", None, &[], 200)
}

/// The statement form, with what was pasted and why it was refused.
fn render_form(
    ctx: &Ctx,
    text: &str,
    error: Option<&str>,
    problems: &[LineProblem],
    status: u16,
) -> Result<Response, AppError> {
    let user = ctx.require(Permission::Payments)?;
    let open = payments::open_count(&*ctx.app.db.conn()?)?;
    let limit = size_text(ctx.app.config.server.max_body_bytes);
    let body = html! {
        p { (ctx.t(Msg::StatementIntro)) }
        p class="muted" { (ctx.lang.fill(Msg::StatementLimit, &[("size", &limit)])) }
        (ui::form_error(error))
        @if !problems.is_empty() {
            div class="table-wrap" { table {
                thead { tr { th class="num" { (ctx.t(Msg::Line)) } th { (ctx.t(Msg::Problem)) } } }
                tbody { @for p in problems { tr { td class="num" { (p.line) } td { (p.problem.text(ctx.lang)) } } } }
            } }
        }
        form method="post" class="stack wide" {
            (ui::csrf_input(&ctx.csrf()))
            div class="field" {
                label for="statement" { (ctx.t(Msg::StatementCsv)) }
                span class="hint" id="statement-hint" { (ctx.t(Msg::StatementColumnsHint)) }
                textarea id="statement" name="statement" rows="14" spellcheck="false" required
                    aria-describedby="statement-hint" { (text) }
            }
            div { button type="submit" { (ctx.t(Msg::StatementImport)) } }
        }
        (review_link(ctx, open))
    };
    let mut response = ctx.staff_page(user, ctx.t(Msg::StatementImportTitle), body);
    response.status = status;
    Ok(response)
}

/// The link to the review page, with how many lines wait there.
fn review_link(ctx: &Ctx, open: i64) -> Markup {
    html! {
        p { a href=(paths::STATEMENT_REVIEW) { (ctx.lang.fill(Msg::StatementReviewLink, &[("n", &open.to_string())])) } }
    }
}

/// POST /staff/payments/import: imports the pasted statement and shows what became of each
/// line.
pub(crate) fn upload(ctx: &Ctx) -> Result<Response, AppError> {
    let user = ctx.require(Permission::Payments)?;
    let text = ctx.form()?.get("statement").unwrap_or("").to_owned();
    if text.trim().is_empty() {
        return render_form(ctx, &text, Some(ctx.t(Msg::StatementEmpty)), &[], 400);
    }
    let mut conn = ctx.app.db.conn()?;
    let outcome = payments::import(
        &mut conn,
        text.as_bytes(),
        "upload",
        &Actor::Staff(user),
        &Branch::of(&ctx.app.config),
        ctx.now,
    );
    let report = match outcome {
        Ok(report) => report,
        Err(StatementError::Invalid(problems)) => {
            return render_form(
                ctx,
                &text,
                Some(ctx.t(Msg::StatementInvalid)),
                &problems,
                400,
            );
        }
        Err(StatementError::Read(e)) => {
            return render_form(
                ctx,
                &text,
                Some(
                    &ctx.lang
                        .fill(Msg::StatementUnreadable, &[("reason", &e.to_string())]),
                ),
                &[],
                400,
            );
        }
        Err(StatementError::Database(e)) => return Err(e.into()),
    };
    let open = payments::open_count(&conn)?;
    drop(conn);
    let body = html! {
        (report_summary(ctx, &report))
        @for group in Group::ALL {
            @if report.count(group) > 0 {
                h2 { (ctx.t(group.label())) " (" (report.count(group)) ")" }
                (report_table(ctx, &report, group))
            }
        }
        @if report.count(Group::Review) + report.count(Group::Unmatched) > 0 {
            p class="warning" { (ctx.t(Msg::StatementNothingApplied)) }
        }
        (review_link(ctx, open))
        p { a href=(paths::STATEMENT_IMPORT) { (ctx.t(Msg::StatementImportAnother)) } }
    };
    Ok(ctx.staff_page(user, ctx.t(Msg::StatementReportTitle), body))
}

/// The counts of a report.
fn report_summary(ctx: &Ctx, report: &Report) -> Markup {
    html! {
        section class="card" {
            dl {
                @for group in Group::ALL {
                    dt { (ctx.t(group.label())) } dd { (report.count(group)) }
                }
            }
        }
    }
}

/// The lines of one group of a report.
fn report_table(ctx: &Ctx, report: &Report, group: Group) -> Markup {
    let currency = ctx.app.config.currency();
    html! {
        div class="table-wrap" { table {
            thead { tr {
                th class="num" { (ctx.t(Msg::Line)) } th { (ctx.t(Msg::Reference)) }
                th class="num" { (ctx.t(Msg::Amount)) } th { (ctx.t(Msg::Details)) }
            } }
            tbody {
                @for line in report.group(group) {
                    tr {
                        td class="num" { (line.line) }
                        td { (line.reference) }
                        td class="num" { (currency.format(line.amount, ctx.lang)) }
                        td {
                            (Report::detail(line, ctx.lang, &currency))
                            @match &line.outcome {
                                payments::Outcome::Matched { loan, payment, .. } => {
                                    " " a href=(paths::receipt(loan, payment)) { (ctx.t(Msg::Receipt)) }
                                }
                                payments::Outcome::Review { loan: Some((loan, ticket_no)), .. } => {
                                    " " a href=(paths::ticket(loan)) { (ticket_no) }
                                }
                                _ => {}
                            }
                        }
                    }
                }
            }
        } }
    }
}

/// GET /staff/payments/review: the lines in review and the unmatched ones, not yet resolved.
pub(crate) fn review_page(ctx: &Ctx) -> Result<Response, AppError> {
    render_review(ctx, None, 200)
}

/// The review page, with why a line could not be resolved (`refusal`) above it.
fn render_review(ctx: &Ctx, refusal: Option<&str>, status: u16) -> Result<Response, AppError> {
    let user = ctx.require(Permission::Payments)?;
    let lines = payments::open_lines(&*ctx.app.db.conn()?, REVIEW_LIMIT)?;
    let currency = ctx.app.config.currency();
    let csrf = ctx.csrf();
    let body = html! {
        (ui::form_error(refusal))
        p { (ctx.t(Msg::StatementReviewIntro)) }
        @if lines.is_empty() {
            p { (ctx.t(Msg::StatementReviewEmpty)) }
        } @else {
            div class="table-wrap" { table {
                thead { tr {
                    th { (ctx.t(Msg::Date)) } th { (ctx.t(Msg::Reference)) } th class="num" { (ctx.t(Msg::Amount)) }
                    th { (ctx.t(Msg::Description)) } th { (ctx.t(Msg::Status)) } th { (ctx.t(Msg::Reason)) }
                    th { (ctx.t(Msg::Actions)) }
                } }
                tbody {
                    @for (i, l) in lines.iter().enumerate() {
                        tr {
                            td { (ctx.date(l.on_date)) }
                            td { (l.reference) br; span class="muted" { (ctx.t(method_label(l.method))) } }
                            td class="num" { (currency.format(l.amount, ctx.lang)) }
                            td { (l.description) }
                            td { span class="badge warn" { (ctx.t(l.status.label())) } }
                            td {
                                (l.reason.unwrap_or(payments::Reason::NoCode).text(ctx.lang, &currency, l.code.as_deref(), l.amount, l.expected))
                                @if let (Some(loan), Some(ticket_no)) = (&l.loan, &l.ticket_no) {
                                    " " a href=(paths::ticket(loan)) { (ticket_no) }
                                }
                                br; span class="muted" { (ctx.datetime(l.imported_at)) }
                            }
                            td {
                                form method="post" action=(paths::STATEMENT_RESOLVE) class="actions" {
                                    (ui::csrf_input(&csrf))
                                    input type="hidden" name="reference" value=(l.reference);
                                    label class="visually-hidden" for={ "note-" (i) } { (ctx.t(Msg::Note)) }
                                    input id={ "note-" (i) } name="note" type="text" placeholder=(ctx.t(Msg::Note));
                                    button type="submit" { (ctx.t(Msg::MarkResolved)) }
                                }
                            }
                        }
                    }
                }
            } }
        }
        p { a href=(paths::STATEMENT_IMPORT) { (ctx.t(Msg::StatementImportTitle)) } }
    };
    let mut page = ctx.staff_page(user, ctx.t(Msg::StatementReviewTitle), body);
    page.status = status;
    Ok(page)
}

/// POST /staff/payments/review/resolve: marks a line resolved (audited). Never applies money.
pub(crate) fn resolve(ctx: &Ctx) -> Result<Response, AppError> {
    let user = ctx.require(Permission::Payments)?;
    let form = ctx.form()?;
    let reference = form.text("reference").to_owned();
    let note = form.text("note").to_owned();
    let mut conn = ctx.app.db.conn()?;
    let tx = db::immediate(&mut conn)?;
    match payments::resolve(&tx, &reference, ctx.now)? {
        Resolution::NotFound => return Err(AppError::NotFound),
        Resolution::Matched => {
            drop(tx);
            return render_review(ctx, Some(ctx.t(Msg::StatementLineMatched)), 409);
        }
        Resolution::AlreadyResolved => {
            drop(tx);
            ctx.flash(ctx.t(Msg::StatementLineAlreadyResolved));
        }
        Resolution::Resolved { status, reason } => {
            let change = Change {
                action: "payments.resolve",
                entity: "statement_line",
                entity_id: &reference,
                before: Some(json!({ "status": status.code(), "reason": reason })),
                after: Some(json!({ "resolved": true, "note": note })),
            };
            audit::record(&tx, &Actor::Staff(user), &change, ctx.now)?;
            tx.commit()?;
            ctx.flash(
                &ctx.lang
                    .fill(Msg::StatementLineResolved, &[("reference", &reference)]),
            );
        }
    }
    Ok(Response::see_other(paths::STATEMENT_REVIEW))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_for_people() {
        assert_eq!(size_text(64 * 1024), "64 KiB");
        assert_eq!(size_text(1500), "1500 B");
    }
}
