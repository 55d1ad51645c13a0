//! The managers' "Gold price" page: the branch's gold reference price per gram of 24K with
//! the date it applies from (and optional prices of some karats), and the history of every
//! price set. Held by the Corrections permission, which already covers the loan products: the
//! reference price is the same kind of valuation rule of the branch, kept by its managers.
//! The rules and the records are in `gold::prices`.

use chrono::NaiveDate;
use maud::{Markup, html};

use crate::audit::Actor;
use crate::gold::prices::{self, GoldPrice, NewPrice, PriceError};
use crate::plumbing::db;
use crate::plumbing::error::AppError;
use crate::plumbing::http::Response;
use crate::plumbing::i18n::Msg;
use crate::plumbing::money::parse_amount;
use crate::plumbing::paths;
use crate::plumbing::ui::{self, Field};
use crate::roles::Permission;
use crate::web::Ctx;

/// Who may set the price.
pub(crate) const SETTERS: Permission = Permission::Corrections;

/// How many prices the history lists.
const LISTED: u32 = 50;

/// The form as typed, with the message beside each field that is wrong.
#[derive(Default)]
struct PriceForm {
    price: String,
    effective_on: String,
    karats: String,
    note: String,
    price_error: Option<Msg>,
    date_error: Option<Msg>,
    karats_error: Option<Msg>,
    note_error: Option<Msg>,
}

/// GET /staff/gold-price.
pub(crate) fn page(ctx: &Ctx) -> Result<Response, AppError> {
    ctx.require(SETTERS)?;
    let form = PriceForm {
        effective_on: super::loans::today(ctx).to_string(),
        ..PriceForm::default()
    };
    render(ctx, &form, 200)
}

/// POST /staff/gold-price: sets a new price.
pub(crate) fn save(ctx: &Ctx) -> Result<Response, AppError> {
    let user = ctx.require(SETTERS)?;
    if crate::sync::reference::gold_from_head_office(&*ctx.app.db.conn()?)? {
        return render(ctx, &PriceForm::default(), 403);
    }
    let posted = ctx.form()?;
    let mut form = PriceForm {
        price: posted.text("price").to_owned(),
        effective_on: posted.text("effective_on").trim().to_owned(),
        karats: posted.text("karats").to_owned(),
        note: posted.text("note").to_owned(),
        ..PriceForm::default()
    };
    let exponent = ctx.app.config.currency().exponent;
    let price = parse_amount(&form.price, exponent).filter(|p| *p > 0);
    let date = NaiveDate::parse_from_str(&form.effective_on, "%Y-%m-%d").ok();
    let karats = prices::parse_karats(&form.karats, exponent);
    form.price_error = price.is_none().then_some(Msg::PriceInvalid);
    form.date_error = date.is_none().then_some(Msg::EffectiveDateInvalid);
    form.karats_error = karats.is_none().then_some(Msg::KaratPricesInvalid);
    let (Some(price), Some(date), Some(karats)) = (price, date, karats) else {
        return render(ctx, &form, 400);
    };
    let new = NewPrice {
        per_gram_24k: price,
        karats: &karats,
        effective_on: date,
        note: &form.note,
    };
    let mut conn = ctx.app.db.conn()?;
    let tx = db::immediate(&mut conn)?;
    match prices::set(&tx, &Actor::Staff(user), &new, ctx.now) {
        Ok(_) => {
            tx.commit()?;
            ctx.flash(ctx.t(Msg::GoldPriceSaved));
            Ok(Response::see_other(paths::GOLD_PRICE))
        }
        Err(PriceError::Db(e)) => Err(e.into()),
        Err(e) => {
            drop(tx);
            match e {
                PriceError::NotPositive => form.price_error = Some(Msg::PriceInvalid),
                PriceError::BadNote => form.note_error = Some(Msg::PriceNoteInvalid),
                _ => form.karats_error = Some(Msg::KaratPricesInvalid),
            }
            render(ctx, &form, 400)
        }
    }
}

/// The page: the form, then the history.
fn render(ctx: &Ctx, form: &PriceForm, status: u16) -> Result<Response, AppError> {
    let user = ctx.require(SETTERS)?;
    let conn = ctx.app.db.conn()?;
    let history = prices::history(&conn, LISTED)?;
    let from_head_office = crate::sync::reference::gold_from_head_office(&conn)?;
    drop(conn);
    let t = |m: Option<Msg>| m.map(|m| ctx.t(m));
    let mut price = Field::new(ctx.t(Msg::PricePerGram24k), "price", &form.price);
    price.error = t(form.price_error);
    let mut date = Field::new(
        ctx.t(Msg::EffectiveFrom),
        "effective_on",
        &form.effective_on,
    );
    date.kind = "date";
    date.error = t(form.date_error);
    let mut karats = Field::new(ctx.t(Msg::KaratPrices), "karats", &form.karats);
    karats.required = false;
    karats.hint = Some(ctx.t(Msg::KaratPricesHint));
    karats.error = t(form.karats_error);
    let mut note = Field::new(ctx.t(Msg::Note), "note", &form.note);
    note.required = false;
    note.error = t(form.note_error);
    let body = html! {
        p { (ctx.t(Msg::GoldPriceExplained)) }
        @if from_head_office {
            p class="warning" { (ctx.t(Msg::RefGoldFromHeadOffice)) }
        } @else {
            form method="post" action=(paths::GOLD_PRICE) class="stack" {
                (ui::csrf_input(&ctx.csrf()))
                (ui::field(&price)) (ui::field(&date)) (ui::field(&karats)) (ui::field(&note))
                div { button type="submit" { (ctx.t(Msg::SetPrice)) } }
            }
        }
        h2 { (ctx.t(Msg::PriceHistory)) }
        (history_table(ctx, &history))
    };
    let mut response = ctx.staff_page(user, ctx.t(Msg::GoldPrice), body);
    response.status = status;
    Ok(response)
}

/// Every price set, newest date first.
fn history_table(ctx: &Ctx, history: &[GoldPrice]) -> Markup {
    let currency = ctx.app.config.currency();
    html! {
        @if history.is_empty() { p { (ctx.t(Msg::NoGoldPrices)) } }
        @else {
            div class="table-wrap" { table {
                thead { tr {
                    th { (ctx.t(Msg::EffectiveFrom)) } th class="num" { (ctx.t(Msg::PricePerGram24k)) }
                    th { (ctx.t(Msg::KaratPrices)) } th { (ctx.t(Msg::SetBy)) } th { (ctx.t(Msg::Note)) }
                } }
                tbody { @for p in history {
                    tr {
                        td { (ctx.date(p.effective_on)) }
                        td class="num" { (currency.format(p.reference.per_gram_24k, ctx.lang)) }
                        td { (prices::karats_text(&p.reference.karats, currency.exponent)) }
                        td { (p.set_by.as_deref().unwrap_or("—")) " · " (ctx.datetime(p.created_at)) }
                        td { (p.note) }
                    }
                } }
            } }
        }
    }
}

/// The line about the reference price on the new-ticket form: the price and its date, a
/// warning when it is older than `[loans] gold_price_stale_days`, or that none is set.
pub(crate) fn price_line(ctx: &Ctx, price: Option<&GoldPrice>) -> Markup {
    let days = ctx.app.config.loans.gold_price_stale_days;
    let today = super::loans::today(ctx);
    let currency = ctx.app.config.currency();
    html! {
        @match price {
            None => p class="warning" { (ctx.t(Msg::GoldPriceNone)) },
            Some(p) => {
                p { (ctx.lang.fill(Msg::GoldPriceOn, &[
                    ("price", &currency.format(p.reference.per_gram_24k, ctx.lang)),
                    ("date", &p.effective_on.to_string()),
                ])) }
                @if p.is_stale(today, days) {
                    p class="warning" { (ctx.lang.fill(Msg::GoldPriceStale, &[("days", &ctx.lang.days(days))])) }
                }
            }
        }
    }
}
