//! The "Disposals" page: forfeited tickets not yet in sale stock (with the form that moves
//! them there), items in stock (each with a link to the sale form), the sales with their
//! price, costs, what the ticket owed, the surplus or the shortfall, and the totals; plus the
//! customer file's "surplus owed" section with its "Pay out" form, and the portal's notice.
//! The rules and the records are in `disposals`.
//!
//! Who may do what: the page is read by those who read the forfeited list (loan origination,
//! payments, reports). Moving items to stock is the clerks' daily handling of pledged goods
//! (`LoanOrigination`, as writing the ticket that took them in). Recording a sale sets the
//! price the branch accepts and writes off a shortfall: a money decision of the managers, held
//! by `Corrections` like reversals and the loan products. Paying a surplus out is cash at the
//! counter (`Payments`).

use maud::{Markup, html};

use crate::disposals::overview::{self, Claim, SaleLine, SurplusState, Totals, Waiting};
use crate::disposals::{self, Channel, DisposalError, Sale};
use crate::ledger::Method;
use crate::ledger::postings;
use crate::plumbing::db;
use crate::plumbing::error::AppError;
use crate::plumbing::http::Response;
use crate::plumbing::i18n::Msg;
use crate::plumbing::ids::{CustomerId, LoanId, PaymentId};
use crate::plumbing::money::parse_amount;
use crate::plumbing::paths;
use crate::plumbing::ui::{self, Field};
use crate::roles::{Permission, StaffUser};
use crate::sms::outbox::{self, Kind, NewSms};
use crate::web::Ctx;
use crate::web::loans::{method_label, today};

/// Who reads the page.
pub(crate) const VIEWERS: &[Permission] = &[
    Permission::LoanOrigination,
    Permission::Payments,
    Permission::Reports,
];
/// Who moves items to sale stock.
const STOCKERS: Permission = Permission::LoanOrigination;
/// Who records a sale.
const SELLERS: Permission = Permission::Corrections;
/// Who pays a surplus out.
const PAYERS: Permission = Permission::Payments;

/// The sale form as typed, with the message beside each field that is wrong.
#[derive(Default)]
struct SaleForm {
    loan: Option<LoanId>,
    channel: String,
    price: String,
    costs: String,
    buyer: String,
    method: String,
    channel_error: Option<Msg>,
    price_error: Option<Msg>,
    costs_error: Option<Msg>,
    method_error: Option<Msg>,
    /// A refusal about the whole sale (already sold, not in stock).
    error: Option<Msg>,
}

/// GET /staff/disposals (`?sell=<ticket id>` opens that ticket's sale form).
pub(crate) fn page(ctx: &Ctx) -> Result<Response, AppError> {
    ctx.require_any(VIEWERS)?;
    let sell = ctx.req.query_form()?.text("sell").parse::<LoanId>().ok();
    let form = SaleForm {
        loan: sell,
        channel: Channel::Auction.code().to_owned(),
        costs: "0".to_owned(),
        method: Method::Cash.code().to_owned(),
        ..SaleForm::default()
    };
    render(ctx, &form, None, 200)
}

/// POST /staff/disposals/{id}/stock: the ticket's items go to sale stock.
pub(crate) fn stock(ctx: &Ctx, id: LoanId) -> Result<Response, AppError> {
    let user = ctx.require(STOCKERS)?;
    ctx.form()?;
    let mut conn = ctx.app.db.conn()?;
    let tx = db::immediate(&mut conn)?;
    match disposals::move_to_stock(&tx, &id, user, today(ctx), ctx.now) {
        Ok(_) => {
            tx.commit()?;
            ctx.flash(ctx.t(Msg::DisposalMovedToStock));
            Ok(Response::see_other(paths::DISPOSALS))
        }
        Err(DisposalError::Db(e)) => Err(e.into()),
        Err(DisposalError::NotFound) => Err(AppError::NotFound),
        Err(e) => {
            drop(tx);
            render(ctx, &SaleForm::default(), Some(refusal(&e)), 400)
        }
    }
}

/// POST /staff/disposals/{id}/sale: records the sale; a surplus is texted to the customer.
pub(crate) fn sale(ctx: &Ctx, id: LoanId) -> Result<Response, AppError> {
    let user = ctx.require(SELLERS)?;
    let posted = ctx.form()?;
    let mut form = SaleForm {
        loan: Some(id.clone()),
        channel: posted.text("channel").to_owned(),
        price: posted.text("price").to_owned(),
        costs: posted.text("costs").to_owned(),
        buyer: posted.text("buyer").trim().to_owned(),
        method: posted.text("method").to_owned(),
        ..SaleForm::default()
    };
    let exponent = ctx.app.config.currency().exponent;
    let channel = Channel::from_code(&form.channel);
    let price = parse_amount(&form.price, exponent).filter(|p| *p > 0);
    let costs = parse_amount(&form.costs, exponent);
    let method = Method::from_code(&form.method).filter(|m| Method::PAYABLE.contains(m));
    form.channel_error = channel.is_none().then_some(Msg::DisposalChannelInvalid);
    form.price_error = price.is_none().then_some(Msg::DisposalPriceInvalid);
    form.costs_error = costs.is_none().then_some(Msg::DisposalCostsInvalid);
    form.method_error = method.is_none().then_some(Msg::MethodInvalid);
    let (Some(channel), Some(price), Some(costs), Some(method)) = (channel, price, costs, method)
    else {
        return render(ctx, &form, None, 400);
    };
    let sale = Sale {
        channel,
        price,
        costs,
        buyer: &form.buyer,
        method,
    };
    let claim_days = ctx.app.config.loans.surplus_claim_days;
    let mut conn = ctx.app.db.conn()?;
    let tx = db::immediate(&mut conn)?;
    let sold = match disposals::sell(&tx, &id, &sale, user, (today(ctx), ctx.now), claim_days) {
        Ok(sold) => sold,
        Err(DisposalError::Db(e)) if postings::is_no_open_drawer(&e) => {
            drop(tx);
            form.method_error = Some(Msg::NoOpenDrawer);
            return render(ctx, &form, None, 409);
        }
        Err(DisposalError::Db(e)) => return Err(e.into()),
        Err(DisposalError::NotFound) => return Err(AppError::NotFound),
        Err(e) => {
            drop(tx);
            match e {
                DisposalError::PriceNotPositive => form.price_error = Some(refusal(&e)),
                DisposalError::CostsInvalid => form.costs_error = Some(refusal(&e)),
                DisposalError::MethodInvalid => form.method_error = Some(refusal(&e)),
                _ => form.error = Some(refusal(&e)),
            }
            return render(ctx, &form, None, 400);
        }
    };
    let texted = match sold.claim_until {
        Some(until) => text_surplus(ctx, &tx, &id, sold.surplus, until)?,
        None => false,
    };
    tx.commit()?;
    if texted {
        ctx.app.sms.wake();
    }
    ctx.flash(ctx.t(Msg::DisposalSaleRecorded));
    Ok(Response::see_other(paths::DISPOSALS))
}

/// Queues the SMS telling the customer a surplus is theirs until `until`, unless they asked
/// for no SMS. Returns whether it queued one.
fn text_surplus(
    ctx: &Ctx,
    tx: &rusqlite::Transaction,
    loan: &LoanId,
    surplus: i64,
    until: chrono::NaiveDate,
) -> Result<bool, AppError> {
    let record = crate::loans::ops::load(tx, loan)?.ok_or(AppError::NotFound)?;
    let customer = crate::customers::get(tx, &record.customer)?.ok_or(AppError::NotFound)?;
    if crate::customers::do_not_text(tx, &customer.id)? {
        return Ok(false);
    }
    let lang = ctx.app.config.language();
    let text = lang.fill(
        Msg::SurplusOwedSms,
        &[
            ("branch", &ctx.app.config.branch.name),
            ("amount", &ctx.app.config.currency().format(surplus, lang)),
            ("ticket", &record.ticket_no),
            ("date", &until.to_string()),
        ],
    );
    let sms = NewSms {
        to: &customer.phone,
        text: &text,
        kind: Kind::Notice,
        expires_at: None,
        customer: Some(&customer.id),
    };
    outbox::enqueue(tx, &sms, ctx.now)?;
    Ok(true)
}

/// POST /staff/disposals/{id}/payout: pays the surplus out at the counter, then back to the
/// customer's file. The payout is one ledger transaction under the form's payment id (the
/// receipt's number comes with the receipts module).
pub(crate) fn payout(ctx: &Ctx, id: LoanId) -> Result<Response, AppError> {
    let user = ctx.require(PAYERS)?;
    let posted = ctx.form()?;
    let method = Method::from_code(posted.text("method"))
        .filter(|m| Method::PAYABLE.contains(m))
        .ok_or_else(|| AppError::BadRequest(ctx.t(Msg::MethodInvalid).to_owned()))?;
    let payment: PaymentId = posted
        .text("payment")
        .parse()
        .map_err(|_| AppError::BadRequest(ctx.t(Msg::ErrMalformed).to_owned()))?;
    let mut conn = ctx.app.db.conn()?;
    let tx = db::immediate(&mut conn)?;
    match disposals::pay_out(&tx, &id, method, &payment, user, (today(ctx), ctx.now)) {
        Ok(paid) => {
            tx.commit()?;
            ctx.flash(ctx.t(Msg::SurplusPaidOut));
            Ok(Response::see_other(&paths::customer(&paid.customer)))
        }
        Err(DisposalError::Db(e)) if postings::is_no_open_drawer(&e) => {
            Err(AppError::BadRequest(ctx.t(Msg::NoOpenDrawer).to_owned()))
        }
        Err(DisposalError::Db(e)) => Err(e.into()),
        Err(DisposalError::NotFound) => Err(AppError::NotFound),
        Err(DisposalError::ClaimOver(until)) => Err(AppError::BadRequest(
            ctx.lang
                .fill(Msg::SurplusClaimOver, &[("date", &until.to_string())]),
        )),
        Err(e) => Err(AppError::BadRequest(ctx.t(refusal(&e)).to_owned())),
    }
}

/// The words for a refusal.
fn refusal(e: &DisposalError) -> Msg {
    match e {
        DisposalError::NotForfeited | DisposalError::NotFound => Msg::DisposalNotForfeited,
        DisposalError::AlreadyInStock => Msg::DisposalAlreadyInStock,
        DisposalError::NotInStock => Msg::DisposalNotInStock,
        DisposalError::AlreadySold => Msg::DisposalAlreadySold,
        DisposalError::PriceNotPositive => Msg::DisposalPriceInvalid,
        DisposalError::CostsInvalid => Msg::DisposalCostsInvalid,
        DisposalError::MethodInvalid => Msg::MethodInvalid,
        DisposalError::NoSurplus => Msg::SurplusNone,
        DisposalError::Settled | DisposalError::ClaimOver(_) => Msg::SurplusSettled,
        DisposalError::Db(_) => Msg::ErrMalformed,
    }
}

/// The page: totals, the sale form when one is open, the waiting tickets, the sales.
fn render(
    ctx: &Ctx,
    form: &SaleForm,
    error: Option<Msg>,
    status: u16,
) -> Result<Response, AppError> {
    let user = ctx.require_any(VIEWERS)?;
    let conn = ctx.app.db.conn()?;
    let waiting = overview::waiting(&conn)?;
    let sales = overview::sales(&conn)?;
    drop(conn);
    let (awaiting, in_stock): (Vec<&Waiting>, Vec<&Waiting>) =
        waiting.iter().partition(|w| w.stocked_on.is_none());
    let selling = form
        .loan
        .as_ref()
        .and_then(|id| in_stock.iter().find(|w| &w.loan == id));
    let body = html! {
        p { (ctx.t(Msg::DisposalsExplained)) }
        (ui::form_error(error.map(|m| ctx.t(m))))
        (totals(ctx, &overview::totals(&sales)))
        @if let (Some(w), true) = (selling, user.role.has(SELLERS)) { (sale_form(ctx, w, form)) }
        h2 { (ctx.t(Msg::DisposalsAwaiting)) }
        (waiting_table(ctx, user, &awaiting, false))
        h2 { (ctx.t(Msg::DisposalsInStock)) }
        (waiting_table(ctx, user, &in_stock, true))
        h2 { (ctx.t(Msg::DisposalsSold)) }
        (sales_table(ctx, &sales))
    };
    let mut response = ctx.staff_page(user, ctx.t(Msg::Disposals), body);
    response.status = status;
    Ok(response)
}

/// The totals over every sale.
fn totals(ctx: &Ctx, t: &Totals) -> Markup {
    let money = |v: i64| ctx.app.config.currency().format(v, ctx.lang);
    html! {
        section class="card" id="disposal-totals" { dl {
            dt { (ctx.t(Msg::DisposalCount)) } dd { (t.sold) }
            dt { (ctx.t(Msg::DisposalNet)) } dd { (money(t.proceeds)) }
            dt { (ctx.t(Msg::DisposalSurplusStillOwed)) } dd { (money(t.surplus_owed)) }
            dt { (ctx.t(Msg::DisposalShortfall)) } dd { (money(t.written_off)) }
        } }
    }
}

/// Forfeited tickets not yet in stock (with the move form) or in stock (with the sale link).
fn waiting_table(ctx: &Ctx, user: &StaffUser, rows: &[&Waiting], in_stock: bool) -> Markup {
    let money = |v: i64| ctx.app.config.currency().format(v, ctx.lang);
    let csrf = ctx.csrf();
    html! {
        @if rows.is_empty() { p { (ctx.t(Msg::DisposalNothing)) } }
        @else {
            div class="table-wrap" { table {
                thead { tr { th { (ctx.t(Msg::Ticket)) } th { (ctx.t(Msg::Item)) } th class="num" { (ctx.t(Msg::Principal)) } th {} } }
                tbody { @for w in rows {
                    tr {
                        td { a href=(paths::ticket(&w.loan)) { (w.ticket) } }
                        td { (w.items) }
                        td class="num" { (money(w.principal)) }
                        td {
                            @if in_stock && user.role.has(SELLERS) {
                                a class="button secondary" href={ (paths::DISPOSALS) "?sell=" (w.loan) } { (ctx.t(Msg::DisposalRecordSale)) }
                            } @else if !in_stock && user.role.has(STOCKERS) {
                                form method="post" action=(paths::disposal_stock(&w.loan)) {
                                    (ui::csrf_input(&csrf))
                                    button type="submit" class="secondary" { (ctx.t(Msg::DisposalMoveToStock)) }
                                }
                            }
                        }
                    }
                } }
            } }
        }
    }
}

/// The sale form of one ticket in stock.
fn sale_form(ctx: &Ctx, w: &Waiting, form: &SaleForm) -> Markup {
    let t = |m: Option<Msg>| m.map(|m| ctx.t(m));
    let channels: Vec<(&str, &str)> = Channel::ALL
        .iter()
        .map(|c| (c.code(), ctx.t(channel_label(*c))))
        .collect();
    let methods: Vec<(&str, &str)> = Method::PAYABLE
        .iter()
        .map(|m| (m.code(), ctx.t(method_label(*m))))
        .collect();
    let mut price = Field::new(ctx.t(Msg::DisposalPrice), "price", &form.price);
    price.kind = "text";
    price.error = t(form.price_error);
    let mut costs = Field::new(ctx.t(Msg::DisposalCosts), "costs", &form.costs);
    costs.error = t(form.costs_error);
    let mut buyer = Field::new(ctx.t(Msg::DisposalBuyer), "buyer", &form.buyer);
    buyer.required = false;
    html! {
        section class="card" id="sale-form" {
            h2 { (ctx.t(Msg::DisposalRecordSale)) ": " (w.ticket) }
            p { (w.items) }
            (ui::form_error(t(form.error)))
            form method="post" action=(paths::disposal_sale(&w.loan)) class="stack" {
                (ui::csrf_input(&ctx.csrf()))
                (ui::select(ctx.t(Msg::DisposalChannel), "channel", &channels, &form.channel, t(form.channel_error)))
                (ui::field(&price)) (ui::field(&costs)) (ui::field(&buyer))
                (ui::select(ctx.t(Msg::DisposalReceivedBy), "method", &methods, &form.method, t(form.method_error)))
                div { button type="submit" { (ctx.t(Msg::DisposalRecordSale)) } }
            }
        }
    }
}

/// A channel for people.
fn channel_label(c: Channel) -> Msg {
    match c {
        Channel::Auction => Msg::DisposalAuction,
        Channel::Shop => Msg::DisposalShop,
    }
}

/// The sales, newest first.
fn sales_table(ctx: &Ctx, sales: &[SaleLine]) -> Markup {
    let money = |v: i64| ctx.app.config.currency().format(v, ctx.lang);
    html! {
        @if sales.is_empty() { p { (ctx.t(Msg::DisposalNothing)) } }
        @else {
            div class="table-wrap" { table id="disposal-sales" {
                thead { tr {
                    th { (ctx.t(Msg::Ticket)) } th { (ctx.t(Msg::Item)) } th { (ctx.t(Msg::DisposalChannel)) }
                    th class="num" { (ctx.t(Msg::DisposalPrice)) } th class="num" { (ctx.t(Msg::DisposalCosts)) }
                    th class="num" { (ctx.t(Msg::DisposalOwed)) } th class="num" { (ctx.t(Msg::DisposalSurplus)) }
                    th class="num" { (ctx.t(Msg::DisposalShortfall)) } th { (ctx.t(Msg::DisposalClaimUntil)) }
                } }
                tbody { @for s in sales {
                    tr {
                        td { a href=(paths::ticket(&s.loan)) { (s.ticket) } " " (ctx.date(s.on)) }
                        td { (s.items) }
                        td { (ctx.t(channel_label(s.channel))) }
                        td class="num" { (money(s.price)) }
                        td class="num" { (money(s.costs)) }
                        td class="num" { (money(s.owed)) }
                        td class="num" { @if s.surplus > 0 { (money(s.surplus)) " " (surplus_badge(ctx, s.state)) } }
                        td class="num" { @if s.shortfall > 0 { (money(s.shortfall)) } }
                        td { @if let Some(d) = s.claim_until { (d) } }
                    }
                } }
            } }
        }
    }
}

/// What became of a surplus, as a badge.
fn surplus_badge(ctx: &Ctx, state: SurplusState) -> Markup {
    let (class, msg) = match state {
        SurplusState::None => return html! {},
        SurplusState::Owed => ("badge warn", Msg::SurplusStateOwed),
        SurplusState::Paid => ("badge", Msg::SurplusStatePaid),
        SurplusState::Expired => ("badge", Msg::SurplusStateExpired),
    };
    html! { span class=(class) { (ctx.t(msg)) } }
}

/// The customer file's section: each surplus still owed, with its deadline and, for those who
/// take payments, the "Pay out" form.
pub(crate) fn customer_section(
    ctx: &Ctx,
    user: &StaffUser,
    customer: &CustomerId,
) -> Result<Markup, AppError> {
    let claims = overview::claims_of(&*ctx.app.db.conn()?, customer)?;
    let methods: Vec<(&str, &str)> = Method::PAYABLE
        .iter()
        .map(|m| (m.code(), ctx.t(method_label(*m))))
        .collect();
    let csrf = ctx.csrf();
    Ok(html! {
        @if !claims.is_empty() {
            section class="card" id="surplus-owed" {
                h2 { (ctx.t(Msg::SurplusOwedTitle)) }
                @for c in &claims {
                    p { (claim_line(ctx, c)) }
                    @if user.role.has(PAYERS) {
                        form method="post" action=(paths::surplus_payout(&c.loan)) class="actions" {
                            (ui::csrf_input(&csrf))
                            input type="hidden" name="payment" value=(PaymentId::new(ctx.now));
                            (ui::select(ctx.t(Msg::DisbursedBy), "method", &methods, Method::Cash.code(), None))
                            button type="submit" { (ctx.t(Msg::SurplusPayOut)) }
                        }
                    }
                }
            }
        }
    })
}

/// "{amount} from the sale of ticket {ticket}, to be claimed by {date}."
fn claim_line(ctx: &Ctx, c: &Claim) -> String {
    ctx.lang.fill(
        Msg::SurplusOwedLine,
        &[
            (
                "amount",
                &ctx.app.config.currency().format(c.amount, ctx.lang),
            ),
            ("ticket", &c.ticket),
            ("date", &c.until.to_string()),
        ],
    )
}

/// The portal's notice: each surplus the customer can still claim, and until when.
pub(crate) fn portal_notice(
    ctx: &Ctx,
    conn: &rusqlite::Connection,
    customer: &CustomerId,
) -> Result<Markup, AppError> {
    let day = today(ctx);
    let claims: Vec<Claim> = overview::claims_of(conn, customer)?
        .into_iter()
        .filter(|c| c.until >= day)
        .collect();
    let currency = ctx.app.config.currency();
    Ok(html! {
        @for c in &claims {
            p class="flash" id="surplus-owed" {
                (ctx.lang.fill(Msg::PortalSurplusOwed, &[
                    ("ticket", &c.ticket),
                    ("amount", &currency.format(c.amount, ctx.lang)),
                    ("date", &c.until.to_string()),
                ]))
            }
        }
    })
}
