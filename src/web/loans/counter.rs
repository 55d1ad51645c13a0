//! Payments at the counter (seed 003, sections C and D): staff find a payment code, a ticket or
//! a customer, and confirm a code the customer has paid, at the counter, by bank transfer or by
//! mobile money. Confirming takes the extension, queues the customer's SMS and shows the
//! receipt; confirming the same code again shows the same receipt and changes nothing.

use maud::{Markup, html};
use serde_json::json;

use crate::audit::{self, Actor, Change};
use crate::customers;
use crate::ledger::Method;
use crate::ledger::postings;
use crate::loans::codes::{self, ConfirmError, Confirmed, PaymentCode, Status};
use crate::loans::ops;
use crate::plumbing::db;
use crate::plumbing::error::AppError;
use crate::plumbing::http::Response;
use crate::plumbing::i18n::Msg;
use crate::plumbing::paths;
use crate::plumbing::ui::{self, FieldErrors};
use crate::roles::Permission;
use crate::sms::outbox::{self, Kind, NewSms};
use crate::web::Ctx;
use crate::web::loans::{method_label, payment_refusal, today};

/// A code found by its exact text, with its ticket and customer.
struct FoundCode {
    code: PaymentCode,
    ticket_no: String,
    customer_name: String,
}

/// A ticket in the results, with what it owes today and its unpaid codes.
struct Row {
    ticket: codes::CounterTicket,
    due_now: Option<i64>,
    codes: Vec<PaymentCode>,
}

/// Who may look payments up on the counter's search page.
pub(crate) const LOOK_UP: [Permission; 3] = [
    Permission::Payments,
    Permission::CallCentre,
    Permission::Complaints,
];

/// GET /staff/payments?q=: find a payment code (exactly), a ticket by number, or a customer's
/// open tickets by name or phone.
pub(crate) fn search_page(ctx: &Ctx) -> Result<Response, AppError> {
    let q = ctx.req.query_form()?.text("q").to_owned();
    render_search(ctx, &q, FieldErrors::none(), 200)
}

/// The counter's search page for `q`; `sent` is a code's refused confirmation (its form is
/// `confirm-{code}`), shown again with the reason.
fn render_search(
    ctx: &Ctx,
    q: &str,
    sent: &FieldErrors,
    status: u16,
) -> Result<Response, AppError> {
    // Call agents and complaint handlers look a payment up by code, ticket or customer (seed
    // 003, C.3 and D); only those who take payments see the forms that confirm them.
    let user = ctx.require_any(&LOOK_UP)?;
    let takes_payments = user.role.has(Permission::Payments);
    let q = q.to_owned();
    let conn = ctx.app.db.conn()?;
    let day = today(ctx);
    let code_text = codes::normalise(&q);
    let found = match &code_text {
        Some(code) => find_code(&conn, code)?,
        None => None,
    };
    let mut rows = Vec::new();
    for ticket in codes::counter_search(&conn, &q, &ctx.app.config.branch.country)? {
        let due_now = match ops::load(&conn, &ticket.id)? {
            Some(record) => Some(ops::owed_on(&conn, &record, day)?.due_now()),
            None => None,
        };
        let unpaid = codes::of_loan(&conn, &ticket.id)?
            .into_iter()
            .filter(|c| matches!(c.status(ctx.now), Status::Live | Status::Expired))
            .take(3)
            .collect();
        rows.push(Row {
            ticket,
            due_now,
            codes: unpaid,
        });
    }
    drop(conn);
    let currency = ctx.app.config.currency();
    let money = |v: i64| currency.format(v, ctx.lang);
    let country = &ctx.app.config.branch.country;
    let csrf = ctx.csrf();
    let body = html! {
        form method="get" action=(paths::PAYMENTS) class="actions" role="search" {
            div class="field" {
                label for="q" { (ctx.t(Msg::CounterSearch)) }
                input id="q" name="q" type="search" value=(q) autocomplete="off";
            }
            button type="submit" { (ctx.t(Msg::Search)) }
        }
        @if let Some(f) = &found {
            section class="card" {
                h2 { (ctx.t(Msg::PaymentCode)) " " (codes::display(&f.code.code)) }
                dl {
                    dt { (ctx.t(Msg::Ticket)) } dd { a href=(paths::ticket(&f.code.loan)) { (f.ticket_no) } }
                    dt { (ctx.t(Msg::CustomerSelf)) } dd { (f.customer_name) }
                    dt { (ctx.t(Msg::Amount)) } dd { (money(f.code.amount)) }
                    dt { (ctx.t(Msg::ValidUntil)) } dd { (ctx.datetime(f.code.expires_at)) }
                    dt { (ctx.t(Msg::Status)) } dd { (status_badge(ctx, f.code.status(ctx.now))) }
                }
                @if takes_payments { (code_action(ctx, &f.code, &csrf, "found", sent)) }
            }
        } @else if let Some(code) = &code_text {
            @if rows.is_empty() {
                p class="warning" { (ctx.lang.fill(Msg::CodeNotFound, &[("code", &codes::display(code))])) }
            }
        }
        @if !q.trim().is_empty() && found.is_none() && code_text.is_none() && rows.is_empty() {
            p { (ctx.t(Msg::CounterNothingFound)) }
        }
        @if !rows.is_empty() {
            div class="table-wrap" { table {
                thead { tr {
                    th { (ctx.t(Msg::Ticket)) } th { (ctx.t(Msg::CustomerSelf)) } th { (ctx.t(Msg::Status)) }
                    th { (ctx.t(Msg::Maturity)) } th class="num" { (ctx.t(Msg::AmountDueToday)) } th { (ctx.t(Msg::PaymentCode)) }
                } }
                tbody {
                    @for r in &rows {
                        tr {
                            td { a href=(paths::ticket(&r.ticket.id)) { (r.ticket.ticket_no) } }
                            td { (r.ticket.customer_name) br; span class="muted" { (r.ticket.phone.national(country)) } }
                            td { (ctx.t(r.ticket.state.label())) }
                            td { (ctx.date(r.ticket.maturity)) }
                            td class="num" { @if let Some(v) = r.due_now { (money(v)) } }
                            td {
                                @for c in &r.codes {
                                    div class="stack-sm" {
                                        strong { (codes::display(&c.code)) } " · " (money(c.amount)) " "
                                        (status_badge(ctx, c.status(ctx.now)))
                                        @if takes_payments { (code_action(ctx, c, &csrf, "row", sent)) }
                                    }
                                }
                            }
                        }
                    }
                }
            } }
        }
    };
    let mut page = ctx.staff_page(user, ctx.t(Msg::CounterPaymentsTitle), body);
    page.status = status;
    Ok(page)
}

/// The code with this stored form, with its ticket number and customer's name.
fn find_code(conn: &rusqlite::Connection, code: &str) -> rusqlite::Result<Option<FoundCode>> {
    let Some(code) = codes::get(conn, code)? else {
        return Ok(None);
    };
    let Some(record) = ops::load(conn, &code.loan)? else {
        return Ok(None);
    };
    let customer_name = customers::get(conn, &record.customer)?
        .map(|c| c.full_name)
        .unwrap_or_default();
    Ok(Some(FoundCode {
        code,
        ticket_no: record.ticket_no,
        customer_name,
    }))
}

/// A code's status as a badge.
fn status_badge(ctx: &Ctx, status: Status) -> Markup {
    let (class, label) = match status {
        Status::Live => ("badge warn", Msg::CodeStatusLive),
        Status::Paid => ("badge ok", Msg::CodeStatusPaid),
        Status::Expired => ("badge", Msg::CodeStatusExpired),
        Status::Cancelled => ("badge bad", Msg::CodeStatusCancelled),
    };
    html! { span class=(class) { (ctx.t(label)) } }
}

/// What staff can do with a code: confirm a live one (choosing how it was paid), see the
/// receipt of a paid one. `place` keeps the form's element ids unique on the page.
fn code_action(
    ctx: &Ctx,
    code: &PaymentCode,
    csrf: &str,
    place: &str,
    sent: &FieldErrors,
) -> Markup {
    let select_id = format!("method-{place}-{}", code.code);
    let sent = sent.of(&format!("confirm-{}", code.code));
    let method = sent.value_or("method", "cash");
    html! {
        @match (code.status(ctx.now), &code.payment) {
            (Status::Live, _) => {
                form method="post" action=(paths::payment_confirm(&code.code)) class="actions" {
                    (ui::csrf_input(csrf))
                    (ui::form_error(sent.whole()))
                    div class="field" {
                        label for=(select_id) { (ctx.t(Msg::PaidBy)) }
                        (ui::field_error(sent.error_for("method")))
                        select id=(select_id) name="method" {
                            @for m in Method::PAYABLE { option value=(m.code()) selected[m.code() == method] { (ctx.t(method_label(m))) } }
                        }
                    }
                    button type="submit" { (ctx.t(Msg::ConfirmPayment)) }
                }
            }
            (Status::Paid, Some(payment)) => {
                p { a href=(paths::receipt(&code.loan, payment)) { (ctx.t(Msg::ShowReceipt)) } }
            }
            (Status::Expired, _) => { p class="muted" { (ctx.t(Msg::CodeExpiredStaff)) } }
            (Status::Cancelled, _) => { p class="muted" { (ctx.t(Msg::CodeCancelledStaff)) } }
            _ => {}
        }
    }
}

/// POST /staff/payments/{code}/confirm: the code was paid; take the extension, tell the
/// customer, show the receipt. A code confirmed before shows its receipt again.
pub(crate) fn confirm(ctx: &Ctx, code: &str) -> Result<Response, AppError> {
    let user = ctx.require(Permission::Payments)?;
    let code = codes::normalise(code).ok_or(AppError::NotFound)?;
    let form = ctx.form()?;
    let mut sent = FieldErrors::sent(&format!("confirm-{code}"), form);
    let Some(method) = Method::from_code(form.text("method")).filter(|m| *m != Method::None) else {
        sent.add("method", ctx.t(Msg::MethodInvalid));
        return render_search(ctx, &code, &sent, 400);
    };
    let day = today(ctx);
    let mut conn = ctx.app.db.conn()?;
    let tx = db::immediate(&mut conn)?;
    let (record, receipt) = match codes::confirm(&tx, &code, method, &user.id, day, ctx.now) {
        Ok(Confirmed::Now { record, receipt }) => (record, receipt),
        Ok(Confirmed::Before { loan, payment }) => {
            return Ok(Response::see_other(&paths::receipt(&loan, &payment)));
        }
        Err(e) => {
            drop(tx);
            sent.refuse(confirm_refusal(ctx, e)?);
            return render_search(ctx, &code, &sent, 409);
        }
    };
    let amount = receipt.split.interest + receipt.split.fees + receipt.split.principal;
    // The customer hears that the payment arrived (seed 003 C.7), unless they asked for no SMS.
    let customer = customers::get(&tx, &record.customer)?.ok_or(AppError::NotFound)?;
    if !customers::do_not_text(&tx, &customer.id)? {
        let lang = customer
            .language
            .unwrap_or_else(|| ctx.app.config.language());
        let text = lang.fill(
            Msg::PaymentConfirmedSms,
            &[
                ("branch", &ctx.app.config.branch.name),
                ("amount", &ctx.app.config.currency().format(amount, lang)),
                ("ticket", &record.ticket_no),
                ("date", &lang.date(receipt.maturity)),
            ],
        );
        let sms = NewSms {
            to: &customer.phone,
            text: &text,
            kind: Kind::Notice,
            expires_at: None,
            customer: Some(&customer.id),
        };
        outbox::enqueue(&tx, &sms, ctx.now)?;
    }
    let change = Change {
        action: "payment_code.confirm",
        entity: "payment_code",
        entity_id: &code,
        before: Some(json!({
            "loan": record.id.as_str(), "maturity": record.maturity.to_string(), "state": record.state.code(),
        })),
        after: Some(json!({
            "payment": receipt.payment.as_str(), "amount": amount, "method": method.code(),
            "maturity": receipt.maturity.to_string(), "state": receipt.state.code(),
        })),
    };
    audit::record(&tx, &Actor::Staff(user), &change, ctx.now)?;
    tx.commit()?;
    ctx.app.sms.wake();
    ctx.flash(ctx.t(Msg::CodeConfirmed));
    Ok(Response::see_other(&paths::receipt(
        &record.id,
        &receipt.payment,
    )))
}

/// The words for a code that could not be confirmed.
fn confirm_refusal(ctx: &Ctx, e: ConfirmError) -> Result<String, AppError> {
    let money = |v: i64| ctx.app.config.currency().format(v, ctx.lang);
    let text = match e {
        ConfirmError::NotFound => return Err(AppError::NotFound),
        ConfirmError::Cancelled => ctx.t(Msg::CodeCancelledStaff).to_owned(),
        ConfirmError::Expired => ctx.t(Msg::CodeExpiredStaff).to_owned(),
        ConfirmError::Closed => ctx.t(Msg::TicketClosed).to_owned(),
        ConfirmError::AmountChanged { owed, code } => ctx.lang.fill(
            Msg::CodeAmountChanged,
            &[("owed", &money(owed)), ("code_amount", &money(code))],
        ),
        ConfirmError::Payment(e) => return payment_refusal(ctx, e).map(|(_, text)| text),
        ConfirmError::Db(e) if postings::is_no_open_drawer(&e) => {
            ctx.t(Msg::NoOpenDrawer).to_owned()
        }
        ConfirmError::Db(e) => return Err(e.into()),
    };
    Ok(text)
}
