//! The day's transfers and mobile money against the imported statements, as the day's close
//! and the day's drawers show it (and print it): per method what the statements say came in,
//! what the ledger received, the difference (matched, over or short), and the lines that
//! explain it. The figures are `drawers::statements`'; a difference is shown, never refused.

use maud::{Markup, html};

use crate::drawers::statements::{LoneLine, LonePayment, MethodMatch, Standing};
use crate::import::payments::Status;
use crate::plumbing::i18n::Msg;
use crate::web::Ctx;
use crate::web::loans::method_label;

/// A standing in words.
pub(crate) fn standing(ctx: &Ctx, s: Standing) -> String {
    let money = |v: i64| ctx.app.config.currency().format(v, ctx.lang);
    match s {
        Standing::Matched => ctx.t(Msg::StatementMatchMatched).to_owned(),
        Standing::Over(v) => ctx
            .lang
            .fill(Msg::StatementMatchOver, &[("amount", &money(v))]),
        Standing::Short(v) => ctx
            .lang
            .fill(Msg::StatementMatchShort, &[("amount", &money(v))]),
    }
}

/// The match of every method: a table of the figures, then each method's lone lines and
/// payments.
pub(crate) fn section(ctx: &Ctx, matches: &[MethodMatch]) -> Markup {
    let money = |v: i64| ctx.app.config.currency().format(v, ctx.lang);
    html! {
        section id="statement-match" {
            h3 { (ctx.t(Msg::StatementMatchTitle)) }
            div class="table-wrap" { table id="statement-match-figures" {
                thead { tr {
                    th { (ctx.t(Msg::PaidBy)) } th class="num" { (ctx.t(Msg::StatementMatchLines)) }
                    th class="num" { (ctx.t(Msg::StatementMatchStatement)) } th class="num" { (ctx.t(Msg::StatementMatchLedger)) }
                    th class="num" { (ctx.t(Msg::StatementMatchDifference)) } th class="num" { (ctx.t(Msg::MethodPaid)) }
                } }
                tbody { @for m in matches { tr data-method=(m.method.code()) data-standing=(m.standing().code()) {
                    td { (ctx.t(method_label(m.method))) }
                    td class="num" { (m.lines) }
                    td class="num" { (money(m.statement)) }
                    td class="num" { (money(m.received)) }
                    td class={ "num" @if m.standing() != Standing::Matched { " error" } } { strong { (standing(ctx, m.standing())) } }
                    td class="num" { (money(m.paid)) }
                } } }
            } }
            p class="muted" { (ctx.t(Msg::StatementMatchInOnly)) }
            @for m in matches {
                (explained(ctx, m))
            }
        }
    }
}

/// One method's lone lines and payments, when it has any (or no statement line at all).
fn explained(ctx: &Ctx, m: &MethodMatch) -> Markup {
    html! {
        @if m.lines == 0 && m.received > 0 {
            p class="error" { (ctx.t(method_label(m.method))) ": " (ctx.t(Msg::StatementMatchNoLines)) }
        }
        @if !m.lone_lines.is_empty() {
            h4 { (ctx.t(method_label(m.method))) " · " (ctx.t(Msg::StatementMatchLoneLines)) }
            (lone_lines(ctx, &m.lone_lines))
        }
        @if !m.lone_payments.is_empty() {
            h4 { (ctx.t(method_label(m.method))) " · " (ctx.t(Msg::StatementMatchLonePayments)) }
            (lone_payments(ctx, &m.lone_payments))
        }
    }
}

/// The statement lines no payment of the day accounts for.
fn lone_lines(ctx: &Ctx, rows: &[LoneLine]) -> Markup {
    let money = |v: i64| ctx.app.config.currency().format(v, ctx.lang);
    html! {
        div class="table-wrap" { table class="lone-lines" {
            thead { tr {
                th { (ctx.t(Msg::Reference)) } th class="num" { (ctx.t(Msg::Amount)) }
                th { (ctx.t(Msg::Description)) } th { (ctx.t(Msg::Status)) }
            } }
            tbody { @for l in rows { tr {
                td { (l.reference) }
                td class="num" { (money(l.amount)) }
                td { (l.description) }
                td {
                    @if let Some(s) = Status::from_code(&l.status) { (ctx.t(s.label())) }
                    @if l.resolved { " · " (ctx.t(Msg::StateResolved)) }
                    @if let Some(on) = l.booked_on { " " (ctx.lang.fill(Msg::StatementMatchBookedOn, &[("date", &ctx.date(on))])) }
                }
            } } }
        } }
    }
}

/// The payments of the day no statement line confirms.
fn lone_payments(ctx: &Ctx, rows: &[LonePayment]) -> Markup {
    let money = |v: i64| ctx.app.config.currency().format(v, ctx.lang);
    html! {
        div class="table-wrap" { table class="lone-payments" {
            thead { tr {
                th { (ctx.t(Msg::Reference)) } th class="num" { (ctx.t(Msg::Amount)) }
                th { (ctx.t(Msg::Ticket)) } th { (ctx.t(Msg::StatementMatchTakenBy)) } th {}
            } }
            tbody { @for p in rows { tr {
                td { (p.reference) }
                td class="num" { (money(p.amount)) }
                td { @if let Some(t) = &p.ticket_no { (t) } }
                td { @if let Some(name) = &p.taken_by { (name) } }
                td { @if let Some(on) = p.on_statement { (ctx.lang.fill(Msg::StatementMatchOnStatement, &[("date", &ctx.date(on))])) } }
            } } }
        } }
    }
}
