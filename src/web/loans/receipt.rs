//! The printed receipt of a money movement (`loans::receipts`): title, number, the branch, the
//! customer, the ticket, the cashier, date and time, the parts that are not zero under their
//! own labels (interest, fees, principal repaid; the amount paid out of a payout), the total,
//! method and reference, then the new due date or "Redeemed". Like the printed ticket it comes
//! on an A5 sheet (the default) or an 80 mm roll (`?size=80mm`), and the stylesheet prints
//! nothing but the receipt (`@media print` in `assets/style.css`). Opening the page counts a
//! showing: the first is the original, every later one says "Copy".

use maud::{Markup, html};

use crate::ledger::EntryKind;
use crate::loans::receipts::{self, Kind, Receipt};
use crate::plumbing::db;
use crate::plumbing::error::AppError;
use crate::plumbing::http::{Method, Response};
use crate::plumbing::i18n::Msg;
use crate::plumbing::ids::{LoanId, PaymentId, ReceiptId};
use crate::plumbing::paths;
use crate::web::Ctx;

use super::{VIEWERS, method_label};

/// GET /staff/receipts/{id}: a receipt.
pub(crate) fn show(ctx: &Ctx, id: ReceiptId) -> Result<Response, AppError> {
    page(ctx, &id, None)
}

/// GET /staff/loans/{id}/receipt/{payment}: the receipt of a payment on a ticket.
pub(crate) fn of_payment(
    ctx: &Ctx,
    loan: LoanId,
    payment: PaymentId,
) -> Result<Response, AppError> {
    ctx.require_any(&VIEWERS)?;
    let id = receipts::of_payment(&*ctx.app.db.conn()?, &payment)?.ok_or(AppError::NotFound)?;
    page(ctx, &id, Some(&loan))
}

/// Counts the showing and renders the receipt; 404 when it is not of `loan` (when given).
fn page(ctx: &Ctx, id: &ReceiptId, loan: Option<&LoanId>) -> Result<Response, AppError> {
    let user = ctx.require_any(&VIEWERS)?;
    let narrow = ctx.req.query_form()?.text("size") == "80mm";
    let mut conn = ctx.app.db.conn()?;
    let tx = db::immediate(&mut conn)?;
    // A HEAD request shows nothing that could be printed: it is no showing.
    let receipt = if ctx.req.method == Method::Head {
        receipts::read(&tx, id)?
    } else {
        receipts::show(&tx, id)?
    };
    let receipt = receipt
        .filter(|r| loan.is_none_or(|l| *l == r.loan))
        .ok_or(AppError::NotFound)?;
    tx.commit()?;
    drop(conn);
    let body = html! {
        article class={ "ticket receipt " (if narrow { "roll" } else { "a5" }) } {
            (super::print::branch_lines(&ctx.app.config.branch, ctx.lang))
            (heading(ctx, &receipt))
            (who_and_when(ctx, &receipt))
            (breakdown(ctx, &receipt))
            (after(ctx, &receipt))
        }
        p class="no-print actions" {
            button type="button" data-print { (ctx.t(Msg::Print)) }
            a class="button secondary" href={ (paths::issued_receipt(id)) "?size=a5" } data-paper="a5" { (ctx.t(Msg::PrintOnA5)) }
            a class="button secondary" href={ (paths::issued_receipt(id)) "?size=80mm" } data-paper="roll" { (ctx.t(Msg::PrintOnRoll)) }
        }
        p class="no-print" { a href=(paths::ticket(&receipt.loan)) { (ctx.t(Msg::BackToTicket)) } }
        script src=(crate::plumbing::http::assets::url("receipt.js")) defer {}
    };
    Ok(ctx.staff_page(user, ctx.t(Msg::Receipt), body))
}

/// The title, "Copy" on every showing after the first, and the number.
fn heading(ctx: &Ctx, r: &Receipt) -> Markup {
    html! {
        p class="ticket-no" {
            strong { (ctx.t(Msg::Receipt)) }
            @if r.is_copy() { " · " span class="copy" { (ctx.t(Msg::ReceiptCopy)) } }
        }
    }
}

/// Number, date and time, customer, ticket, cashier and what the receipt is for.
fn who_and_when(ctx: &Ctx, r: &Receipt) -> Markup {
    let number = r.number.display(&ctx.app.config.branch.code);
    let cashier = match (&r.cashier, r.from_statement) {
        (Some(name), true) => ctx.lang.fill(Msg::ReceiptFromStatement, &[("name", name)]),
        (Some(name), false) => name.clone(),
        (None, _) => ctx.t(Msg::ReceiptNoCashier).to_owned(),
    };
    html! {
        dl {
            dt { (ctx.t(Msg::ReceiptNumber)) } dd { strong { (number) } }
            dt { (ctx.t(Msg::ReceiptDateTime)) } dd { (ctx.datetime(r.at)) }
            dt { (ctx.t(Msg::CustomerSelf)) } dd { (r.customer_name) }
            dt { (ctx.t(Msg::Ticket)) } dd { (r.ticket_no) }
            dt { (ctx.t(Msg::Cashier)) } dd { (cashier) }
            dt { (ctx.t(Msg::Kind)) } dd { (ctx.t(r.kind.label())) }
        }
    }
}

/// The parts that are not zero, the total, and how the money moved.
fn breakdown(ctx: &Ctx, r: &Receipt) -> Markup {
    let currency = ctx.app.config.currency();
    let money = |v: i64| currency.format(v, ctx.lang);
    let lines: Vec<(Msg, i64, bool)> = [
        (EntryKind::Disbursement, Msg::AmountPaidOut),
        (EntryKind::Interest, Msg::Interest),
        (EntryKind::Fee, Msg::Fees),
        (EntryKind::Principal, Msg::EntryPrincipalPaid),
    ]
    .into_iter()
    .map(|(kind, label)| {
        let reversed = r.parts.iter().any(|p| p.kind == kind && p.reversed);
        (label, r.part(kind), reversed)
    })
    .filter(|(_, amount, _)| *amount != 0)
    .collect();
    let how = if r.kind == Kind::Disbursement {
        Msg::DisbursedBy
    } else {
        Msg::PaidBy
    };
    html! {
        dl class="receipt-lines" {
            @for (label, amount, reversed) in &lines {
                dt { (ctx.t(*label)) @if *reversed { " " span class="badge bad" { (ctx.t(Msg::Reversed)) } } }
                dd class="num" { (money(*amount)) }
            }
            dt { strong { (ctx.t(Msg::ReceiptTotal)) } } dd class="num" { strong { (money(r.total())) } }
        }
        dl {
            dt { (ctx.t(how)) } dd { (ctx.t(method_label(r.method))) }
            @if !r.reference.is_empty() { dt { (ctx.t(Msg::Reference)) } dd { (r.reference) } }
        }
    }
}

/// What the ticket stands at after it: the new due date (or the due date), or "Redeemed", the
/// principal outstanding after a payment, and the reversal.
fn after(ctx: &Ctx, r: &Receipt) -> Markup {
    let money = |v: i64| ctx.app.config.currency().format(v, ctx.lang);
    let due = if r.kind == Kind::Extension {
        Msg::NewDueDate
    } else {
        Msg::Maturity
    };
    html! {
        dl {
            @if let Some(date) = r.due_after { dt { (ctx.t(due)) } dd { strong { (ctx.date(date)) } } }
            @if matches!(r.kind, Kind::Payment | Kind::Extension) {
                dt { (ctx.t(Msg::PrincipalOutstanding)) } dd { (money(r.principal_after)) }
            }
        }
        @if r.kind == Kind::Redemption { p { strong { (ctx.t(Msg::ReceiptRedeemed)) } } }
        @if r.reversed() { p class="warning" { (ctx.t(Msg::ReceiptReversed)) } }
    }
}
