//! The staff's ticket pages at the counter: writing a ticket for a customer, the ticket with
//! its pawned items and what it owes today, approval and disbursement (which need a verified
//! phone), payments (partial, extension, redemption with the hand-over of the item) with a
//! receipt, the customer statement, and a manager's reversal of a ledger row.
//!
//! A payment form carries a payment id made when the form was shown; submitting it twice
//! records the payment once and shows the same receipt.

mod appraisal;
pub(crate) mod counter;
pub(crate) mod due;
pub(crate) mod forfeited;
pub(crate) mod items;
pub(crate) mod payouts;
pub(crate) mod print;
pub(crate) mod products;
pub(crate) mod receipt;

use chrono::NaiveDate;
use chrono::{DateTime, Duration, Utc};
use maud::{Markup, html};
use rusqlite::Connection;
use serde_json::json;

use crate::audit::{self, Actor, Change};
use crate::customers;
use crate::gold;
use crate::ledger::postings;
use crate::ledger::statement::Statement;
use crate::ledger::{self, Method};
use crate::loans::LoanState;
use crate::loans::disbursements::State as PayoutState;
use crate::loans::ops::{self, Item, OriginationError, Payment, PaymentError, Purpose};
use crate::loans::summary;
use crate::loans::terms::{self, ProductKind};
use crate::loans::unconfirmed::{self, waiting};
use crate::loans::{approval, charges};
use crate::plumbing::db;
use crate::plumbing::error::AppError;
use crate::plumbing::http::Response;
use crate::plumbing::i18n::Msg;
use crate::plumbing::ids::{CustomerId, LedgerId, LoanId, PaymentId, ProductId};
use crate::plumbing::money::{amount_input, parse_amount};
use crate::plumbing::paths::{self, CustomerPart};
use crate::plumbing::ui::{self, Field, FieldErrors};
use crate::roles::Permission;
use crate::web::Ctx;

/// Who may open ticket pages.
pub(crate) const VIEWERS: [Permission; 4] = [
    Permission::LoanOrigination,
    Permission::Payments,
    Permission::CustomerManagement,
    Permission::CallCentre,
];

/// Today in the branch's calendar.
pub(crate) fn today(ctx: &Ctx) -> NaiveDate {
    crate::plumbing::clock::local_date(ctx.now, ctx.app.config.utc_offset())
}

/// GET /staff/loans/{id}: the ticket, what it owes today, and the actions staff may take.
pub(crate) fn show(ctx: &Ctx, id: LoanId) -> Result<Response, AppError> {
    ticket_page(ctx, id, FieldErrors::none())
}

/// The ticket page; a refused form (`sent`) shows again with its messages and what was typed.
fn ticket_page(ctx: &Ctx, id: LoanId, sent: &FieldErrors) -> Result<Response, AppError> {
    let user = ctx.require_any(&VIEWERS)?;
    let conn = ctx.app.db.conn()?;
    let record = ops::load(&conn, &id)?.ok_or(AppError::NotFound)?;
    let second_limit = ctx.app.config.loans.second_approval_above;
    let approver = approval::who_may_approve(&conn, &record, second_limit)?;
    let customer = customers::get(&conn, &record.customer)?.ok_or(AppError::NotFound)?;
    let day = today(ctx);
    let owed = ops::owed_on(&conn, &record, day)?;
    let statement =
        charges::statement_of(&conn, &record.customer, Some(&record.id), (None, None), day)?;
    let paid = charges::paid(&conn, &record.id)?;
    let history = history(ctx, &conn, &record.id)?;
    let receipts = crate::loans::receipts::of_ticket(&conn, &record.id)?;
    let items = crate::loans::items::of_ticket(&conn, &record.id)?;
    let payout_list = crate::loans::disbursements::of_ticket(&conn, &record.id)?;
    let outstanding = payout_list.iter().any(|p| p.state == PayoutState::Failed);
    drop(conn);
    let page = TicketPage {
        user,
        record: &record,
        customer: &customer,
        csrf: ctx.csrf(),
        methods: Method::PAYABLE
            .iter()
            .map(|m| (m.code(), ctx.t(method_label(*m))))
            .collect(),
        sent,
    };
    let body = html! {
        (ui::form_error(sent.whole()))
        (ticket_summary(ctx, &record, &customer))
        section class="card" {
            h2 { (items::heading(ctx, &items)) }
            (items::list(ctx, &items))
        }
        @if print::MAY_PRINT.iter().any(|p| user.role.has(*p)) {
            p { a href=(paths::ticket_print(&record.id)) { (ctx.t(Msg::PrintTicket)) } }
        }
        @if !payout_list.is_empty() {
            section class="card" id="payouts" {
                h2 { (ctx.t(Msg::DisbursementPayout)) }
                ul { @for p in &payout_list { li { (payouts::payout_line(ctx, p)) } } }
                @if outstanding { p class="notice" { (ctx.t(Msg::DisbursementOutstanding)) } }
            }
        }
        @if record.is_open() && !outstanding { (owed_card(ctx, day, &owed)) }
        @if record.terms.kind == ProductKind::Installment {
            (schedule_table(ctx, &record, &paid, day))
        }
        @if record.state == LoanState::Origination {
            (approval_section(ctx, &page, &approver, second_limit))
        }
        @if record.is_open() && !outstanding && user.role.has(Permission::Payments) {
            (payment_forms(ctx, &page, &owed, day))
        }
        (history)
        (receipt_list(ctx, &receipts))
        h2 { (ctx.t(Msg::Transactions)) }
        (statement_table(ctx, &statement, user.role.has(Permission::Corrections).then_some(Reversals { csrf: &page.csrf, sent }), false))
    };
    Ok(ctx.staff_page(user, &record.ticket_no, body))
}

/// What the ticket page's forms share.
struct TicketPage<'a> {
    user: &'a crate::roles::StaffUser,
    record: &'a ops::Ticket,
    customer: &'a customers::Customer,
    csrf: String,
    /// The payment methods, as the method lists offer them.
    methods: Vec<(&'static str, &'static str)>,
    /// A refused form, shown again.
    sent: &'a FieldErrors,
}

/// The ticket's state, customer, product, principal and dates.
fn ticket_summary(ctx: &Ctx, record: &ops::Ticket, customer: &customers::Customer) -> Markup {
    let money = |v: i64| ctx.app.config.currency().format(v, ctx.lang);
    let verified = customer.phone_verified_at.is_some();
    html! {
        section class="card" {
            dl {
                dt { (ctx.t(Msg::Status)) } dd { (ctx.t(record.state.label())) }
                dt { (ctx.t(Msg::CustomerSelf)) } dd {
                    a href=(paths::customer(&customer.id)) { (customer.full_name) } " "
                    (crate::web::customers::verification_badge(ctx, verified, customer.locked_at.is_some()))
                }
                dt { (ctx.t(Msg::Product)) } dd { (record.terms.product) }
                dt { (ctx.t(Msg::Principal)) } dd { (money(record.principal)) }
                dt { (ctx.t(Msg::StartDate)) } dd { (ctx.date(record.start)) }
                dt { (ctx.t(Msg::Maturity)) } dd { (ctx.date(record.maturity)) }
            }
        }
    }
}

/// What is owed today, broken down.
fn owed_card(ctx: &Ctx, day: NaiveDate, owed: &terms::Owed) -> Markup {
    let money = |v: i64| ctx.app.config.currency().format(v, ctx.lang);
    html! {
        section class="card" {
            h2 { (ctx.lang.fill(Msg::OwedOn, &[("date", &ctx.date(day))])) }
            dl {
                dt { (ctx.t(Msg::Interest)) } dd { (money(owed.interest)) }
                dt { (ctx.t(Msg::Fees)) } dd { (money(owed.fees)) }
                dt { (ctx.t(Msg::PrincipalOutstanding)) } dd { (money(owed.principal)) }
                dt { (ctx.t(Msg::DueToday)) } dd { (money(owed.due_now())) }
                dt { (ctx.t(Msg::ToRedeem)) } dd { (money(owed.payoff())) }
            }
        }
    }
}

/// A ticket in Origination: what stands in the way of its approval, and the approval form
/// for a member who may give it.
fn approval_section(
    ctx: &Ctx,
    page: &TicketPage,
    approver: &approval::Approver,
    second_limit: i64,
) -> Markup {
    let money = |v: i64| ctx.app.config.currency().format(v, ctx.lang);
    let (user, record, customer) = (page.user, page.record, page.customer);
    let verified = customer.phone_verified_at.is_some();
    let approval = page.sent.of("approve");
    html! {
        @if !verified {
            p class="warning" { (ctx.t(Msg::ApprovalNeedsVerifiedPhone)) }
            @if customer.locked_at.is_none() && user.role.has(Permission::LoanOrigination) {
                (crate::web::customers::verification_form(ctx, customer, &paths::ticket(&record.id)))
            }
        }
        @if approver.needs_second() {
            p class="warning" { (ctx.lang.fill(Msg::WaitingSecondApproval, &[("limit", &money(second_limit))])) }
        }
        @if user.role.has(Permission::LoanOrigination) && approver.allows(&user.id) {
            form method="post" action=(paths::ticket_approve(&record.id)) class="actions" {
                (ui::csrf_input(&page.csrf))
                (ui::select(ctx.t(Msg::DisbursedBy), "method", &page.methods, approval.value_or("method", "cash"), approval.error_for("method")))
                (ui::field(&Field { required: false, ..Field::typed(ctx.t(Msg::Reference), "reference", "", approval) }))
                button type="submit" disabled[!verified] { (ctx.t(Msg::ApproveAndDisburse)) }
            }
        }
    }
}

/// The three ways to pay on an open ticket: extend, pay part, redeem.
fn payment_forms(ctx: &Ctx, page: &TicketPage, owed: &terms::Owed, day: NaiveDate) -> Markup {
    let record = page.record;
    let exp = ctx.app.config.currency().exponent;
    let next_id = PaymentId::new(ctx.now);
    let extension_maturity =
        terms::extended_maturity(&record.facts(), day, record.terms.term_periods);
    let (csrf, methods, sent) = (&page.csrf, &page.methods, page.sent);
    html! {
        h2 { (ctx.t(Msg::TakePayment)) }
        div class="cards" {
            (payment_form(ctx, &record.id, csrf, &next_id, "extension", Msg::Extend,
                &amount_input(owed.interest + owed.fees, exp, ctx.lang), methods,
                Some(ctx.lang.fill(Msg::ExtensionExplained, &[("date", &ctx.date(extension_maturity))])), sent))
            (payment_form(ctx, &record.id, csrf, &next_id, "partial", Msg::PartialPayment, "", methods, None, sent))
            (payment_form(ctx, &record.id, csrf, &next_id, "redemption", Msg::Redeem,
                &amount_input(owed.payoff(), exp, ctx.lang), methods, Some(ctx.t(Msg::RedemptionExplained).to_owned()), sent))
        }
    }
}

/// A ticket's receipts, each linked, oldest first.
fn receipt_list(ctx: &Ctx, receipts: &[crate::loans::receipts::Line]) -> Markup {
    let branch = &ctx.app.config.branch.code;
    html! {
        @if !receipts.is_empty() {
            h2 { (ctx.t(Msg::Receipts)) }
            ul {
                @for r in receipts {
                    li {
                        a href=(paths::issued_receipt(&r.id)) { (r.number.display(branch)) }
                        " · " (ctx.t(r.kind.label())) " · " (ctx.datetime(r.issued_at))
                    }
                }
            }
        }
    }
}

/// The label of a payment method.
pub(crate) fn method_label(m: Method) -> Msg {
    match m {
        Method::Cash => Msg::MethodCash,
        Method::BankTransfer => Msg::MethodBank,
        Method::MobileMoney => Msg::MethodMobile,
        Method::None => Msg::MethodNone,
    }
}

/// One payment form (extension, partial or redemption), again with what was typed when
/// `sent` is this form refused.
#[allow(clippy::too_many_arguments)]
fn payment_form(
    ctx: &Ctx,
    ticket: &LoanId,
    csrf: &str,
    payment: &PaymentId,
    purpose: &str,
    title: Msg,
    amount: &str,
    methods: &[(&str, &str)],
    explain: Option<String>,
    sent: &FieldErrors,
) -> Markup {
    let amount_id = format!("amount-{purpose}");
    let sent = sent.of(purpose);
    let invalid = |field: &str| sent.error_for(field).map(|_| "true");
    let method = sent.value_or("method", "cash");
    html! {
        section class="card" {
            h2 { (ctx.t(title)) }
            @if let Some(e) = explain { p { (e) } }
            form method="post" action=(paths::ticket_pay(ticket)) class="stack" {
                (ui::csrf_input(csrf))
                input type="hidden" name="purpose" value=(purpose);
                input type="hidden" name="payment" value=(payment);
                div class="field" {
                    label for=(amount_id) { (ctx.t(Msg::Amount)) }
                    (ui::field_error(sent.error_for("amount")))
                    input id=(amount_id) name="amount" type="text" inputmode="decimal" value=(sent.value_or("amount", amount))
                        required readonly[purpose != "partial"] aria-invalid=[invalid("amount")];
                }
                div class="field" {
                    label for={ "method-" (purpose) } { (ctx.t(Msg::PaidBy)) }
                    (ui::field_error(sent.error_for("method")))
                    select id={ "method-" (purpose) } name="method" aria-invalid=[invalid("method")] {
                        @for (value, text) in methods { option value=(value) selected[*value == method] { (text) } }
                    }
                }
                div class="field" {
                    label for={ "ref-" (purpose) } { (ctx.t(Msg::Reference)) }
                    input id={ "ref-" (purpose) } name="reference" type="text" value=(sent.value_or("reference", ""));
                }
                @if purpose == "redemption" {
                    div class="field" {
                        (ui::field_error(sent.error_for("handed_over")))
                        label { input type="checkbox" name="handed_over" value="yes" required checked[sent.value_or("handed_over", "") == "yes"]; " " (ctx.t(Msg::ItemHandedOver)) }
                    }
                }
                div { button type="submit" { (ctx.t(title)) } }
            }
        }
    }
}

/// What a statement's reversal forms need: the CSRF token, and a refused reversal to show
/// again (its form is `reverse-{ledger id}`).
pub(crate) struct Reversals<'a> {
    pub(crate) csrf: &'a str,
    pub(crate) sent: &'a FieldErrors,
}

/// A statement as a table: each line's date, (ticket,) kind, reference, debit, credit and the
/// running balance, what was owed before the period when it does not start at the beginning,
/// and a total line. With [`Reversals`], a payment or disbursement line gets its reversal form,
/// except a payout by bank transfer or mobile money with a state (`ledger::reverse` refuses it:
/// it is marked failed instead).
pub(crate) fn statement_table(
    ctx: &Ctx,
    statement: &Statement,
    reverse: Option<Reversals>,
    show_ticket: bool,
) -> Markup {
    let reverse_csrf = reverse.as_ref().map(|r| r.csrf);
    let currency = ctx.app.config.currency();
    let money = |v: i64| currency.format(v, ctx.lang);
    let blank_columns = if show_ticket { 4 } else { 3 };
    html! {
        @if statement.lines.is_empty() && statement.opening == 0 { p { (ctx.t(Msg::AuditEmpty)) } }
        @else {
            div class="table-wrap" { table class="statement" {
                thead { tr {
                    th { (ctx.t(Msg::Date)) } @if show_ticket { th { (ctx.t(Msg::Ticket)) } } th { (ctx.t(Msg::Kind)) }
                    th { (ctx.t(Msg::Reference)) } th class="num" { (ctx.t(Msg::Debit)) } th class="num" { (ctx.t(Msg::Credit)) }
                    th class="num" { (ctx.t(Msg::Balance)) } @if reverse_csrf.is_some() { th { (ctx.t(Msg::Actions)) } }
                } }
                tbody {
                    @if statement.opening != 0 {
                        tr { td colspan=(blank_columns + 2) { (ctx.t(Msg::OpeningBalance)) } td class="num" { (money(statement.opening)) } }
                    }
                    @for r in &statement.lines {
                        tr {
                            td { (ctx.date(r.on)) }
                            @if show_ticket { td { (r.ticket_no) } }
                            td {
                                (ctx.t(r.kind.label()))
                                @if r.method != Method::None { " · " (ctx.t(method_label(r.method))) }
                                @if r.reversed() { " " span class="badge bad" { (ctx.t(Msg::Reversed)) } }
                            }
                            td { (r.reference) @if !r.note.is_empty() { " " span class="muted" { (r.note) } } }
                            td class="num" { @if r.debit > 0 { (money(r.debit)) } }
                            td class="num" { @if r.credit > 0 { (money(r.credit)) } }
                            td class="num" { (money(r.balance)) }
                            @if let Some(csrf) = reverse_csrf {
                                td { @if let Some(id) = r.id.as_ref().filter(|_| !r.reversed() && !r.payout_with_state && r.kind.is_reversible()) {
                                    @let sent = reverse.as_ref().map_or(FieldErrors::none(), |r| r.sent.of(&format!("reverse-{id}")));
                                    form method="post" action=(paths::ledger_reverse(id)) class="actions" {
                                        (ui::csrf_input(csrf))
                                        label class="visually-hidden" for={ "why-" (id) } { (ctx.t(Msg::Reason)) }
                                        (ui::field_error(sent.error_for("reason")))
                                        input id={ "why-" (id) } name="reason" type="text" placeholder=(ctx.t(Msg::Reason))
                                            value=(sent.value_or("reason", "")) required aria-invalid=[sent.error_for("reason").map(|_| "true")];
                                        button type="submit" class="danger" { (ctx.t(Msg::Reverse)) }
                                    }
                                } }
                            }
                        }
                    }
                }
                tfoot { tr {
                    th colspan=(blank_columns) { (ctx.t(Msg::StatementTotal)) }
                    td class="num" { (money(statement.debits)) }
                    td class="num" { (money(statement.credits)) }
                    td class="num" { strong { (money(statement.closing)) } }
                    @if reverse_csrf.is_some() { td {} }
                } }
            } }
        }
    }
}

/// POST /staff/loans/{id}/approve: approval and disbursement, then the payout's receipt.
pub(crate) fn approve(ctx: &Ctx, id: LoanId) -> Result<Response, AppError> {
    let user = ctx.require(Permission::LoanOrigination)?;
    let form = ctx.form()?;
    let mut sent = FieldErrors::sent("approve", form);
    let method = Method::from_code(form.text("method"))
        .filter(|m| *m != Method::None)
        .unwrap_or(Method::Cash);
    let reference = form.text("reference").to_owned();
    let mut conn = ctx.app.db.conn()?;
    let tx = db::immediate(&mut conn)?;
    let record = ops::load(&tx, &id)?.ok_or(AppError::NotFound)?;
    let customer = customers::get(&tx, &record.customer)?.ok_or(AppError::NotFound)?;
    if record.state != LoanState::Origination {
        sent.refuse(ctx.t(Msg::NotAwaitingApproval));
    } else if customer.phone_verified_at.is_none() {
        sent.refuse(ctx.t(Msg::ApprovalNeedsVerifiedPhone));
    }
    if !sent.is_empty() {
        drop(tx);
        return refused(ctx, id, &sent, 409);
    }
    let limit = ctx.app.config.loans.second_approval_above;
    let approver = approval::who_may_approve(&tx, &record, limit)?;
    if !approver.allows(&user.id) {
        return refuse_own_approval(ctx, tx, user, &record, limit);
    }
    let disbursed = ops::approve_and_disburse(
        &tx,
        &record,
        method,
        &reference,
        &user.id,
        today(ctx),
        ctx.now,
    );
    let receipt = match disbursed {
        Ok(receipt) => receipt,
        Err(e) if postings::is_no_open_drawer(&e) => {
            drop(tx);
            sent.refuse(ctx.t(Msg::NoOpenDrawer));
            return refused(ctx, id, &sent, 409);
        }
        Err(e) => return Err(e.into()),
    };
    let change = Change {
        action: "loan.approve",
        entity: "loan",
        entity_id: id.as_str(),
        before: Some(json!({ "state": "origination" })),
        after: Some(
            json!({ "state": "active", "disbursed": record.principal, "method": method.code(),
                    "second_approval": approver.needs_second() }),
        ),
    };
    audit::record(&tx, &Actor::Staff(user), &change, ctx.now)?;
    tx.commit()?;
    ctx.flash(ctx.t(Msg::LoanApproved));
    // The payout's receipt, to print and hand over with the ticket.
    Ok(Response::see_other(&paths::issued_receipt(&receipt)))
}

/// Refuses the writer of a ticket above the second-approval `limit` its approval: audited,
/// and the ticket page again with the reason (403).
fn refuse_own_approval(
    ctx: &Ctx,
    tx: rusqlite::Transaction,
    user: &crate::roles::StaffUser,
    record: &ops::Ticket,
    limit: i64,
) -> Result<Response, AppError> {
    let change = Change {
        action: "loan.approve_refused",
        entity: "loan",
        entity_id: record.id.as_str(),
        before: Some(json!({ "state": record.state.code() })),
        after: Some(
            json!({ "reason": "second approval needed", "principal": record.principal, "limit": limit }),
        ),
    };
    audit::record(&tx, &Actor::Staff(user), &change, ctx.now)?;
    tx.commit()?;
    let money = ctx.app.config.currency().format(limit, ctx.lang);
    let mut sent = FieldErrors::sent("approve", ctx.form()?);
    sent.refuse(
        ctx.lang
            .fill(Msg::SecondApprovalRefused, &[("limit", &money)]),
    );
    refused(ctx, record.id.clone(), &sent, 403)
}

/// The ticket page again with a refused form (`sent`), answered `status`.
fn refused(ctx: &Ctx, id: LoanId, sent: &FieldErrors, status: u16) -> Result<Response, AppError> {
    let mut page = ticket_page(ctx, id, sent)?;
    page.status = status;
    Ok(page)
}

/// POST /staff/loans/{id}/pay: a payment at the counter, then its receipt.
pub(crate) fn pay(ctx: &Ctx, id: LoanId) -> Result<Response, AppError> {
    let user = ctx.require(Permission::Payments)?;
    let form = ctx.form()?;
    let exponent = ctx.app.config.currency().exponent;
    let mut sent = FieldErrors::sent(form.text("purpose"), form);
    let payment_id = form.text("payment").parse::<PaymentId>().ok();
    let amount = parse_amount(form.text("amount"), exponent);
    let method = Method::from_code(form.text("method")).filter(|m| *m != Method::None);
    // At the counter the item goes back with the redemption: the clerk confirms it.
    let handed_over = form.text("purpose") != "redemption" || form.text("handed_over") == "yes";
    if payment_id.is_none() {
        sent.refuse(ctx.t(Msg::FormExpiredReload));
    }
    if amount.is_none() {
        sent.add("amount", ctx.t(Msg::AmountInvalid));
    }
    if method.is_none() {
        sent.add("method", ctx.t(Msg::MethodInvalid));
    }
    if !handed_over {
        sent.add("handed_over", ctx.t(Msg::ConfirmHandOver));
    }
    let (Some(payment_id), Some(amount), Some(method), true) =
        (payment_id, amount, method, handed_over)
    else {
        return refused(ctx, id, &sent, 400);
    };
    let reference = form.text("reference").to_owned();
    let mut conn = ctx.app.db.conn()?;
    let tx = db::immediate(&mut conn)?;
    let record = ops::load(&tx, &id)?.ok_or(AppError::NotFound)?;
    let purpose = match form.text("purpose") {
        "extension" => Purpose::Extension {
            periods: record.terms.term_periods,
        },
        "redemption" => Purpose::Redemption { released: true },
        _ => Purpose::Partial,
    };
    let payment = Payment {
        amount,
        method,
        reference: &reference,
        purpose,
        staff: Some(&user.id),
    };
    let receipt = match ops::take_payment(&tx, &record, &payment, &payment_id, today(ctx), ctx.now)
    {
        Ok(receipt) => receipt,
        // The same form sent twice: show the receipt of the payment it recorded.
        Err(PaymentError::AlreadyRecorded { loan }) => {
            return Ok(Response::see_other(&paths::receipt(&loan, &payment_id)));
        }
        Err(e) => {
            drop(tx);
            let (field, text) = payment_refusal(ctx, e)?;
            let status = match field {
                Some(field) => {
                    sent.add(field, text);
                    400
                }
                None => {
                    sent.refuse(text);
                    409
                }
            };
            return refused(ctx, id, &sent, status);
        }
    };
    let change = Change {
        action: "loan.payment",
        entity: "loan",
        entity_id: id.as_str(),
        before: Some(
            json!({ "maturity": record.maturity.to_string(), "state": record.state.code() }),
        ),
        after: Some(json!({
            "payment": receipt.payment.as_str(), "amount": amount, "method": method.code(),
            "interest": receipt.split.interest, "fees": receipt.split.fees, "principal": receipt.split.principal,
            "maturity": receipt.maturity.to_string(), "state": receipt.state.code(),
        })),
    };
    audit::record(&tx, &Actor::Staff(user), &change, ctx.now)?;
    tx.commit()?;
    Ok(Response::see_other(&paths::receipt(&id, &receipt.payment)))
}

/// Why a payment was refused, and the form field it is about (`None`: the whole payment).
pub(crate) fn payment_refusal(
    ctx: &Ctx,
    e: PaymentError,
) -> Result<(Option<&'static str>, String), AppError> {
    let money = |v: i64| ctx.app.config.currency().format(v, ctx.lang);
    let amount = |text: String| Ok((Some("amount"), text));
    match e {
        PaymentError::Closed => Ok((None, ctx.t(Msg::TicketClosed).to_owned())),
        PaymentError::PayoutOutstanding => {
            Ok((None, ctx.t(Msg::DisbursementOutstanding).to_owned()))
        }
        PaymentError::AlreadyRecorded { .. } => {
            Ok((None, ctx.t(Msg::FormExpiredReload).to_owned()))
        }
        PaymentError::Nothing | PaymentError::BadPeriods { .. } => {
            amount(ctx.t(Msg::AmountInvalid).to_owned())
        }
        PaymentError::TooMuch { payoff } => amount(
            ctx.lang
                .fill(Msg::AmountTooMuch, &[("payoff", &money(payoff))]),
        ),
        PaymentError::WrongExtensionAmount { expected }
        | PaymentError::WrongRedemptionAmount { expected } => amount(
            ctx.lang
                .fill(Msg::AmountMustBe, &[("amount", &money(expected))]),
        ),
        PaymentError::Db(e) if postings::is_no_open_drawer(&e) => {
            Ok((Some("method"), ctx.t(Msg::NoOpenDrawer).to_owned()))
        }
        PaymentError::Db(e) => Err(e.into()),
    }
}

/// GET /staff/customers/{id}/statement?from=&to=: the customer's statement, every ticket.
pub(crate) fn statement(ctx: &Ctx, id: CustomerId) -> Result<Response, AppError> {
    statement_page(ctx, id, false)
}

/// GET /staff/customers/{id}/statement/print?from=&to=: the statement to print: customer,
/// branch, period, lines and the total line.
pub(crate) fn print_statement(ctx: &Ctx, id: CustomerId) -> Result<Response, AppError> {
    statement_page(ctx, id, true)
}

/// The staff statement, on screen (with the period form) or to print.
fn statement_page(ctx: &Ctx, id: CustomerId, print: bool) -> Result<Response, AppError> {
    let user = ctx.require_any(&VIEWERS)?;
    let query = ctx.req.query_form()?;
    let date = |name: &str| NaiveDate::parse_from_str(query.text(name), "%Y-%m-%d").ok();
    let (from, to) = (date("from"), date("to"));
    let day = today(ctx);
    // One snapshot: the tickets and their lines as of one moment, so the balance is what
    // `terms::owed` says of that moment even while a payment is being taken.
    let (customer, statement) = ctx.app.db.read(|conn| {
        let customer = customers::get(conn, &id)?.ok_or(AppError::NotFound)?;
        // A merged record's statement is its survivor's (its tickets moved there).
        if let Some(survivor) = customers::merged_into(conn, &id)? {
            return Err(AppError::Redirect(paths::customer_part(
                &survivor,
                CustomerPart::Statement,
            )));
        }
        let statement = charges::statement_of(conn, &id, None, (from, to), day)?;
        Ok((customer, statement))
    })?;
    let period = |d: Option<NaiveDate>| d.map(|d| d.to_string());
    let query_string = format!(
        "?from={}&to={}",
        period(from).unwrap_or_default(),
        period(to).unwrap_or_default()
    );
    let body = html! {
        @if !print {
            form method="get" class="actions no-print" {
                div class="field" { label for="from" { (ctx.t(Msg::From)) } input id="from" name="from" type="date" value=[period(from)]; }
                div class="field" { label for="to" { (ctx.t(Msg::To)) } input id="to" name="to" type="date" value=[period(to)]; }
                button type="submit" { (ctx.t(Msg::Search)) }
            }
            p class="no-print" { a href={ (paths::customer_part(&id, CustomerPart::StatementPrint)) (query_string) } { (ctx.t(Msg::PrintStatement)) } }
        }
        section class="statement-head" {
            p { (ctx.lang.fill(Msg::StatementCustomer, &[("name", &customer.full_name)])) }
            p { (ctx.lang.fill(Msg::StatementBranch, &[("branch", &ctx.app.config.branch.name)])) }
            p { (ctx.lang.fill(Msg::StatementPeriod, &[
                ("from", &period(from).unwrap_or_else(|| ctx.t(Msg::StatementBeginning).to_owned())),
                ("to", &period(to.map(|t| t.min(day))).unwrap_or_else(|| day.to_string())),
            ])) }
        }
        (statement_table(ctx, &statement, None, true))
        p { (ctx.t(Msg::ClosingBalance)) ": " strong { (ctx.app.config.currency().format(statement.closing, ctx.lang)) } }
    };
    Ok(ctx.staff_page(
        user,
        &ctx.lang
            .fill(Msg::StatementOf, &[("name", &customer.full_name)]),
        body,
    ))
}

/// POST /staff/ledger/{id}/reverse: a manager's correction, with a reason. A refusal for what
/// the row is (already reversed, a reversal, a charge, a disposal, a payout with a state) is
/// the page's message: such a row offers no reversal form to show it beside.
pub(crate) fn reverse(ctx: &Ctx, id: LedgerId) -> Result<Response, AppError> {
    let user = ctx.require(Permission::Corrections)?;
    let form = ctx.form()?;
    let reason = form.text("reason").to_owned();
    let mut sent = FieldErrors::sent(&format!("reverse-{id}"), form);
    let (refusal, status, beside) = if reason.chars().count() < 3 {
        (Msg::ReasonRequired, 400, true)
    } else {
        let mut conn = ctx.app.db.conn()?;
        let tx = db::immediate(&mut conn)?;
        match ledger::reverse(&tx, &id, &reason, &user.id, today(ctx), ctx.now) {
            Ok(done) => return record_reversal(ctx, tx, user, &id, &reason, done),
            Err(ledger::ReversalError::NotFound) => return Err(AppError::NotFound),
            Err(ledger::ReversalError::Db(e)) => return Err(e.into()),
            Err(ledger::ReversalError::AlreadyReversed) => (Msg::AlreadyReversed, 409, false),
            Err(ledger::ReversalError::IsReversal) => (Msg::ReversalOfReversal, 409, false),
            Err(ledger::ReversalError::IsCharge) => (Msg::ChargeNotReversible, 409, false),
            Err(ledger::ReversalError::IsDisposal) => (Msg::DisposalNotReversible, 409, false),
            Err(ledger::ReversalError::PayoutWithState) => (Msg::PayoutNotReversible, 409, false),
            Err(ledger::ReversalError::DrawerClosed) => (Msg::DrawerClosedForReversal, 409, true),
        }
    };
    let loan = ledger::ticket_of(&*ctx.app.db.conn()?, &id)?.ok_or(AppError::NotFound)?;
    match beside {
        true => sent.add("reason", ctx.t(refusal)),
        false => sent.refuse(ctx.t(refusal)),
    }
    refused(ctx, loan, &sent, status)
}

/// Audits a reversal done and puts the ticket's maturity and state back; then the ticket.
fn record_reversal(
    ctx: &Ctx,
    tx: rusqlite::Transaction,
    user: &crate::roles::StaffUser,
    id: &LedgerId,
    reason: &str,
    (loan, amount, payment): (LoanId, i64, Option<PaymentId>),
) -> Result<Response, AppError> {
    let change = Change {
        action: "ledger.reverse",
        entity: "ledger",
        entity_id: id.as_str(),
        before: Some(json!({ "amount": amount, "loan": loan.as_str() })),
        after: Some(json!({ "reversed": true, "reason": reason })),
    };
    audit::record(&tx, &Actor::Staff(user), &change, ctx.now)?;
    // A reversed extension or redemption puts the maturity and state back.
    ops::undo_payment(&tx, &loan, payment.as_ref(), &user.id, today(ctx), ctx.now)?;
    tx.commit()?;
    ctx.flash(ctx.t(Msg::Reversed));
    Ok(Response::see_other(&paths::ticket(&loan)))
}

/// How many items one ticket form takes.
const ITEM_ROWS: usize = 3;

/// One item row of the new-ticket form, as typed.
#[derive(Default, Clone)]
struct ItemForm {
    category: String,
    description: String,
    marks: String,
    weight: String,
    karat: String,
    appraised: String,
    /// Why the appraised value is not the computed one.
    reason: String,
}

impl ItemForm {
    /// The field name of this row: the first row's fields have no suffix.
    fn name(field: &str, row: usize) -> String {
        if row == 0 {
            field.to_owned()
        } else {
            format!("{field}_{}", row + 1)
        }
    }

    /// Reads row `row` of the form.
    fn read(form: &crate::plumbing::http::Form, row: usize) -> ItemForm {
        let get = |field: &str| form.text(&ItemForm::name(field, row)).to_owned();
        ItemForm {
            category: get("category"),
            description: get("description"),
            marks: get("marks"),
            weight: get("weight"),
            karat: get("karat"),
            appraised: get("appraised"),
            reason: get("reason"),
        }
    }

    /// Whether anything was typed in the row.
    fn is_blank(&self) -> bool {
        [
            &self.category,
            &self.description,
            &self.marks,
            &self.weight,
            &self.karat,
            &self.appraised,
            &self.reason,
        ]
        .iter()
        .all(|v| v.is_empty())
    }

    /// The typed numbers: weight in milligrams, karat and appraised value, each `None` when
    /// left blank; `None` when one typed is not readable.
    fn numbers(&self, exponent: u8) -> Option<appraisal::Typed> {
        let [weight_mg, karat, appraised] = self.read_numbers(exponent).map(|(_, n)| n);
        Some(appraisal::Typed {
            weight_mg: weight_mg?,
            karat: karat?,
            appraised: appraised?,
        })
    }

    /// The fields of the typed numbers that are not readable.
    fn unreadable(&self, exponent: u8) -> Vec<&'static str> {
        self.read_numbers(exponent)
            .into_iter()
            .filter(|(_, n)| n.is_none())
            .map(|(field, _)| field)
            .collect()
    }

    /// Each number field with what it reads: `Some(None)` blank, `None` not readable.
    fn read_numbers(&self, exponent: u8) -> [(&'static str, Option<Option<i64>>); 3] {
        let optional = |text: &str, parse: &dyn Fn(&str) -> Option<i64>| {
            if text.trim().is_empty() {
                Some(None)
            } else {
                parse(text).map(Some)
            }
        };
        let karat = |t: &str| {
            t.trim()
                .parse::<i64>()
                .ok()
                .filter(|k| (1..=24).contains(k))
        };
        [
            ("weight", optional(&self.weight, &|t| parse_amount(t, 3))),
            ("karat", optional(&self.karat, &karat)),
            (
                "appraised",
                optional(&self.appraised, &|t| parse_amount(t, exponent)),
            ),
        ]
    }

    /// The item, appraised at `appraised`.
    fn item(&self, typed: &appraisal::Typed, appraised: i64) -> Item {
        Item {
            category: self.category.trim().to_owned(),
            description: self.description.clone(),
            marks: self.marks.clone(),
            weight_mg: typed.weight_mg,
            karat: typed.karat,
            appraised,
        }
    }
}

/// The new-ticket form's values and errors.
#[derive(Default)]
struct NewTicketForm {
    product: String,
    principal: String,
    items: [ItemForm; ITEM_ROWS],
    /// The messages beside the fields and above the form.
    errors: FieldErrors,
}

impl NewTicketForm {
    /// Puts `message` beside each unreadable number of row `row`.
    fn unreadable(&mut self, ctx: &Ctx, row: usize, exponent: u8) {
        for field in self.items[row].unreadable(exponent) {
            let message = ctx.t(Msg::ItemNumbersInvalid);
            self.errors.add(&ItemForm::name(field, row), message);
        }
    }
}

/// GET /staff/customers/{id}/tickets/new.
pub(crate) fn new_ticket_page(ctx: &Ctx, id: CustomerId) -> Result<Response, AppError> {
    ctx.require(Permission::LoanOrigination)?;
    render_new_ticket(ctx, &id, &NewTicketForm::default(), 200)
}

/// One item row of the form, with what the reference price makes of it (`quote`).
fn item_fields(
    ctx: &Ctx,
    row: usize,
    item: &ItemForm,
    quote: Option<&str>,
    errors: &FieldErrors,
) -> Markup {
    let names: Vec<String> = [
        "category",
        "description",
        "marks",
        "weight",
        "karat",
        "appraised",
        "reason",
    ]
    .iter()
    .map(|f| ItemForm::name(f, row))
    .collect();
    let mut category = Field::new(ctx.t(Msg::Category), &names[0], &item.category);
    category.hint = Some(ctx.t(Msg::CategoryHint));
    let mut description = Field::new(ctx.t(Msg::Item), &names[1], &item.description);
    description.hint = Some(ctx.t(Msg::ItemHint));
    let mut marks = Field::new(ctx.t(Msg::Marks), &names[2], &item.marks);
    let mut weight = Field::new(ctx.t(Msg::WeightGrams), &names[3], &item.weight);
    let mut karat = Field::new(ctx.t(Msg::Karat), &names[4], &item.karat);
    let mut appraised = Field::new(ctx.t(Msg::Appraised), &names[5], &item.appraised);
    let mut reason = Field::new(ctx.t(Msg::OverrideReason), &names[6], &item.reason);
    for f in [&mut marks, &mut weight, &mut karat, &mut reason] {
        f.required = false;
    }
    if row > 0 {
        for f in [&mut category, &mut description, &mut appraised] {
            f.required = false;
        }
    }
    weight.hint = Some(ctx.t(Msg::GoldOnly));
    reason.hint = Some(ctx.t(Msg::OverrideReasonHint));
    for f in [
        &mut category,
        &mut description,
        &mut marks,
        &mut weight,
        &mut karat,
        &mut appraised,
        &mut reason,
    ] {
        f.error = errors.error_for(f.name);
    }
    html! {
        fieldset data-row=(row) {
            legend { (ctx.lang.fill(Msg::ItemNumber, &[("n", &(row + 1).to_string())])) }
            (ui::field(&category)) (ui::field(&description)) (ui::field(&marks))
            (ui::field(&weight)) (ui::field(&karat))
            p class="computed" id={ "computed-" (row) } aria-live="polite" { @if let Some(q) = quote { (q) } }
            (ui::field(&appraised)) (ui::field(&reason))
        }
    }
}

/// The new-ticket form, with the gold reference price and what it makes of the typed items.
fn render_new_ticket(
    ctx: &Ctx,
    customer_id: &CustomerId,
    f: &NewTicketForm,
    status: u16,
) -> Result<Response, AppError> {
    let user = ctx.require(Permission::LoanOrigination)?;
    let conn = ctx.app.db.conn()?;
    let customer = customers::get(&conn, customer_id)?.ok_or(AppError::NotFound)?;
    if let Some(survivor) = customers::merged_into(&conn, customer_id)? {
        return Err(AppError::Redirect(paths::customer_part(
            &survivor,
            CustomerPart::NewTicket,
        )));
    }
    let products = crate::loans::products::list(&conn)?;
    let price = gold::prices::current(&conn, today(ctx))?;
    drop(conn);
    let active: Vec<&crate::loans::products::Product> =
        products.iter().filter(|p| p.active).collect();
    let options: Vec<(String, String)> = active
        .iter()
        .map(|p| (p.id.to_string(), p.terms.product.clone()))
        .collect();
    let options: Vec<(&str, &str)> = options
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let exponent = ctx.app.config.currency().exponent;
    let calc = appraisal::Calculator::new(ctx, price.as_ref(), &active, &f.product);
    let rows: Vec<Option<appraisal::Typed>> = f.items.iter().map(|i| i.numbers(exponent)).collect();
    let principal = Field {
        error: f.errors.error_for("principal"),
        ..Field::new(ctx.t(Msg::Principal), "principal", &f.principal)
    };
    let body = html! {
        p { (customer.full_name) " · " (customer.phone.national(&ctx.app.config.branch.country)) }
        (crate::web::gold::price_line(ctx, price.as_ref()))
        (ui::form_error(f.errors.whole()))
        form method="post" class="stack" id="new-ticket" {
            (ui::csrf_input(&ctx.csrf()))
            (calc.script_data())
            (ui::select(ctx.t(Msg::Product), "product", &options, &f.product, f.errors.error_for("product")))
            @for (row, item) in f.items.iter().enumerate() {
                (item_fields(ctx, row, item, calc.quote(rows[row].as_ref()).as_deref(), &f.errors))
            }
            p class="computed" id="max-loan-total" aria-live="polite" { @if let Some(t) = calc.total(&rows) { (t) } }
            (ui::field(&principal))
            div class="actions" {
                button type="submit" name="calculate" value="1" class="secondary" formnovalidate { (ctx.t(Msg::Calculate)) }
                button type="submit" { (ctx.t(Msg::WriteTicket)) }
            }
        }
        script src=(crate::plumbing::http::assets::url("appraisal.js")) defer {}
    };
    let mut response = ctx.staff_page(user, ctx.t(Msg::NewTicket), body);
    response.status = status;
    Ok(response)
}

/// Reads and settles each filled item row of the new-ticket form: the items to write and each
/// one's appraisal settlement (computed, or overridden with its reason). `None` when a row is
/// refused; its message is then in `f.errors`.
fn settle_items(
    ctx: &Ctx,
    f: &mut NewTicketForm,
    reference: Option<&gold::appraisal::Reference>,
    exponent: u8,
) -> Option<(Vec<Item>, Vec<gold::appraisal::Settled>)> {
    let rows: Vec<usize> = (0..ITEM_ROWS)
        .filter(|row| *row == 0 || !f.items[*row].is_blank())
        .collect();
    let mut items = Vec::with_capacity(rows.len());
    let mut overrides = Vec::new();
    for row in rows {
        let item = &mut f.items[row];
        let Some(typed) = item.numbers(exponent) else {
            f.unreadable(ctx, row, exponent);
            return None;
        };
        match appraisal::settle(reference, &typed, &item.reason) {
            Ok(settled) => {
                items.push(item.item(&typed, settled.appraised));
                overrides.push(settled);
            }
            Err(gold::appraisal::AppraisalError::ReasonNeeded { computed }) => {
                let money = ctx.app.config.currency().format(computed, ctx.lang);
                let message = ctx
                    .lang
                    .fill(Msg::OverrideReasonNeeded, &[("computed", &money)]);
                f.errors
                    .add(&ItemForm::name("reason", row), message.clone());
                f.errors.refuse(message);
                return None;
            }
            Err(gold::appraisal::AppraisalError::Missing) => {
                f.errors.refuse(ctx.t(Msg::ItemInvalid));
                return None;
            }
        }
    }
    Some((items, overrides))
}

/// POST /staff/customers/{id}/tickets/new: "Calculate" shows the form again with each gold
/// item's appraisal and the maximum loan; otherwise writes the ticket in Origination, each
/// appraisal other than the computed one audited with its reason.
pub(crate) fn create_ticket(ctx: &Ctx, customer_id: CustomerId) -> Result<Response, AppError> {
    let user = ctx.require(Permission::LoanOrigination)?;
    let form = ctx.form()?;
    let mut f = NewTicketForm {
        product: form.text("product").to_owned(),
        principal: form.text("principal").to_owned(),
        items: std::array::from_fn(|row| ItemForm::read(form, row)),
        errors: FieldErrors::default(),
    };
    let exponent = ctx.app.config.currency().exponent;
    let price = gold::prices::current(&*ctx.app.db.conn()?, today(ctx))?;
    let reference = price.as_ref().map(|p| &p.reference);
    if !form.text("calculate").is_empty() {
        let typed: Vec<_> = f.items.iter().map(|i| i.numbers(exponent)).collect();
        if typed.iter().any(Option::is_none) {
            (0..ITEM_ROWS).for_each(|row| f.unreadable(ctx, row, exponent));
            return render_new_ticket(ctx, &customer_id, &f, 400);
        }
        let fields = f.items.iter_mut().map(|i| &mut i.appraised);
        appraisal::fill_computed(reference, fields.zip(typed), exponent, ctx.lang);
        return render_new_ticket(ctx, &customer_id, &f, 200);
    }
    let Some((items, overrides)) = settle_items(ctx, &mut f, reference, exponent) else {
        return render_new_ticket(ctx, &customer_id, &f, 400);
    };
    let Some(principal) = parse_amount(&f.principal, exponent) else {
        f.errors.add("principal", ctx.t(Msg::AmountInvalid));
        return render_new_ticket(ctx, &customer_id, &f, 400);
    };
    let Ok(product) = f.product.parse::<ProductId>() else {
        f.errors.add("product", ctx.t(Msg::ChooseProduct));
        return render_new_ticket(ctx, &customer_id, &f, 400);
    };
    let mut conn = ctx.app.db.conn()?;
    let tx = db::immediate(&mut conn)?;
    let customer = customers::get(&tx, &customer_id)?.ok_or(AppError::NotFound)?;
    // A ticket is never written for a merged record: it goes to the survivor's form.
    if let Some(survivor) = customers::merged_into(&tx, &customer_id)? {
        return Err(AppError::Redirect(paths::customer_part(
            &survivor,
            CustomerPart::NewTicket,
        )));
    }
    let actor = Actor::Staff(user);
    let marks: Vec<&str> = items.iter().map(|i| i.marks.as_str()).collect();
    let hits = crate::sync::reference::hits(&tx, customer.id_number.as_deref(), &marks)?;
    if !hits.is_empty() {
        crate::web::reference::record_watch_refusal(&tx, &actor, &customer_id, &hits, ctx.now)?;
        tx.commit()?;
        f.errors
            .refuse(crate::web::reference::watch_refusal(ctx, &hits));
        return render_new_ticket(ctx, &customer_id, &f, 409);
    }
    let outcome = ops::originate(
        &tx,
        &actor,
        &ctx.app.config.branch.code,
        &customer_id,
        &product,
        &items,
        principal,
        today(ctx),
        ctx.now,
    );
    match outcome {
        Ok(loan) => {
            let price_id = price.as_ref().map(|p| &p.id);
            gold::appraisal::record_overrides(
                &tx, &actor, &loan, &items, &overrides, price_id, ctx.now,
            )?;
            tx.commit()?;
            Ok(Response::see_other(&paths::ticket(&loan)))
        }
        Err(OriginationError::Db(e)) => Err(e.into()),
        Err(e) => {
            drop(tx);
            let money = |v: i64| ctx.app.config.currency().format(v, ctx.lang);
            match e {
                OriginationError::AboveLtv { max } => f.errors.add(
                    "principal",
                    ctx.lang.fill(Msg::AboveLtv, &[("max", &money(max))]),
                ),
                OriginationError::NoProduct => f.errors.add("product", ctx.t(Msg::ChooseProduct)),
                _ => f.errors.refuse(ctx.t(Msg::ItemInvalid)),
            }
            render_new_ticket(ctx, &customer_id, &f, 400)
        }
    }
}

/// The dashboard card.
pub(crate) fn card(ctx: &Ctx, conn: &Connection) -> rusqlite::Result<Markup> {
    let s = summary(conn)?;
    let currency = ctx.app.config.currency();
    Ok(html! {
        section class="card" {
            h2 { a href=(paths::PAYMENTS) { (ctx.t(Msg::CardLoans)) } }
            dl {
                dt { (ctx.t(Msg::CardActiveLoans)) } dd { (s.active) }
                dt { (ctx.t(Msg::CardDueLoans)) } dd { (s.due_or_overdue) }
                dt { (ctx.t(Msg::CardOutstanding)) } dd { (currency.format(s.outstanding_principal, ctx.lang)) }
            }
        }
    })
}
/// The schedule of an installment ticket, each installment marked paid, due or overdue.
pub(crate) fn schedule_table(
    ctx: &Ctx,
    record: &ops::Ticket,
    paid: &terms::Paid,
    today: NaiveDate,
) -> Markup {
    let currency = ctx.app.config.currency();
    html! {
        h2 { (ctx.t(Msg::Schedule)) }
        div class="table-wrap" { table {
            thead { tr {
                th { (ctx.t(Msg::Maturity)) } th class="num" { (ctx.t(Msg::Principal)) }
                th class="num" { (ctx.t(Msg::Interest)) } th { (ctx.t(Msg::Status)) }
            } }
            tbody {
                @for (i, status) in terms::schedule_on(&record.facts(), paid, today) {
                    tr {
                        td { (ctx.date(i.due)) }
                        td class="num" { (currency.format(i.principal, ctx.lang)) }
                        td class="num" { (currency.format(i.interest, ctx.lang)) }
                        td { @match status {
                            terms::InstallmentStatus::Paid => span class="badge ok" { (ctx.t(Msg::InstallmentPaid)) },
                            terms::InstallmentStatus::Upcoming => span class="muted" { "—" },
                            terms::InstallmentStatus::Due => span class="badge warn" { (ctx.t(Msg::BadgeDue)) },
                            terms::InstallmentStatus::Overdue => span class="badge bad" { (ctx.t(Msg::BadgeOverdue)) },
                        } }
                    }
                }
            }
        } }
    }
}
/// A ticket's extensions and state changes, newest first.
pub(crate) fn history(ctx: &Ctx, conn: &Connection, loan: &LoanId) -> rusqlite::Result<Markup> {
    let rows = crate::loans::events(conn, loan)?;
    let label = |value: &str| {
        LoanState::from_code(value)
            .map_or_else(|| value.to_owned(), |s| ctx.t(s.label()).to_owned())
    };
    Ok(html! {
        h2 { (ctx.t(Msg::TicketHistory)) }
        @if rows.is_empty() { p { (ctx.t(Msg::AuditEmpty)) } }
        ul {
            @for e in &rows {
                li {
                    (ctx.datetime(e.at)) " · "
                    @match e.kind.as_str() {
                        "extension" => (ctx.lang.fill(Msg::ExtensionEvent, &[("from", &e.from), ("to", &e.to)])),
                        "extension_reversed" => (ctx.lang.fill(Msg::ExtensionReversedEvent, &[("from", &e.from), ("to", &e.to)])),
                        _ => { (label(&e.from)) " → " (label(&e.to)) },
                    }
                }
            }
        }
    })
}

/// The dashboard card of payments waiting for confirmation, for staff who may open tickets
/// (empty for others).
pub(crate) fn unconfirmed_card(ctx: &Ctx, conn: &Connection) -> rusqlite::Result<Markup> {
    if !ctx
        .staff()
        .ok()
        .flatten()
        .is_some_and(|user| VIEWERS.iter().any(|p| user.role.has(*p)))
    {
        return Ok(html! {});
    }
    let hours = ctx.app.config.payments.unconfirmed_alert_hours;
    let all = waiting(conn, ctx.now - Duration::hours(i64::from(hours)))?;
    let currency = ctx.app.config.currency();
    let age = |at: DateTime<Utc>| {
        let minutes = (ctx.now - at).num_minutes().max(0);
        ctx.lang.fill(
            Msg::HoursMinutes,
            &[
                ("hours", &(minutes / 60).to_string()),
                ("minutes", &(minutes % 60).to_string()),
            ],
        )
    };
    Ok(html! {
        section class="card" {
            h2 { a href=(paths::PAYMENTS) { (ctx.lang.fill(Msg::CardUnconfirmedPayments, &[("hours", &hours.to_string())])) } }
            @if all.is_empty() {
                p { (ctx.t(Msg::UnconfirmedNone)) }
            } @else {
                p class="warning" { (ctx.t(Msg::UnconfirmedHint)) }
                div class="table-wrap" {
                    table {
                        thead { tr {
                            th { (ctx.t(Msg::Ticket)) } th { (ctx.t(Msg::PaymentCode)) }
                            th class="num" { (ctx.t(Msg::Amount)) } th class="num" { (ctx.t(Msg::Waiting)) }
                        } }
                        tbody {
                            @for w in all.iter().take(unconfirmed::LISTED) {
                                tr {
                                    td { a href=(paths::ticket(&w.loan)) { (w.ticket_no) } }
                                    td { code { (w.code) } }
                                    td class="num" { (currency.format(w.amount, ctx.lang)) }
                                    td class="num" { (age(w.created_at)) }
                                }
                            }
                        }
                    }
                }
                @if all.len() > unconfirmed::LISTED {
                    p { (ctx.lang.fill(Msg::UnconfirmedMore, &[("n", &(all.len() - unconfirmed::LISTED).to_string())])) }
                }
            }
        }
    })
}
