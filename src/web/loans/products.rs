//! The managers' page of loan products: the list, a new product, editing one's terms, and
//! switching one off (the products themselves are `loans::products`).

use maud::html;
use serde_json::json;

use crate::audit::{self, Actor, Change};
use crate::loans::products;
use crate::loans::terms::{
    Fee, MAX_PRODUCT_NAME_CHARS, MAX_TERM_PERIODS, PeriodUnit, ProductKind, Rounding, RoundingStep,
    Terms,
};
use crate::plumbing::db;
use crate::plumbing::error::AppError;
use crate::plumbing::http::Response;
use crate::plumbing::i18n::Msg;
use crate::plumbing::ids::ProductId;
use crate::plumbing::money;
use crate::plumbing::paths;
use crate::plumbing::ui::{self, Field, FieldErrors};
use crate::roles::Permission;
use crate::web::Ctx;

/// A product's period in words: "15 days", "1 month(s)".
fn period_words(ctx: &Ctx, t: &Terms) -> String {
    let msg = match t.period_unit {
        PeriodUnit::Day => Msg::PeriodOfDays,
        PeriodUnit::Month => Msg::PeriodOfMonths,
    };
    ctx.lang.fill(msg, &[("n", &t.period_days.to_string())])
}

/// GET /staff/products: the products, and a form to add one (managers).
pub(crate) fn products_page(ctx: &Ctx) -> Result<Response, AppError> {
    let user = ctx.require(Permission::Corrections)?;
    render_products(ctx, user, FieldErrors::none(), 200)
}

/// The products page.
fn render_products(
    ctx: &Ctx,
    user: &crate::roles::StaffUser,
    sent: &FieldErrors,
    status: u16,
) -> Result<Response, AppError> {
    let conn = ctx.app.db.conn()?;
    let list = products::list(&conn)?;
    let own_refused = crate::web::reference::product_refusal(&conn, None)?;
    let mut from_head_office = Vec::with_capacity(list.len());
    for p in &list {
        from_head_office.push(products::is_from_head_office(&conn, &p.id)?);
    }
    drop(conn);
    let csrf = ctx.csrf();
    let body = html! {
        p { (ctx.t(Msg::ProductsExplained)) }
        @if let Some(msg) = own_refused { p class="warning" { (ctx.t(msg)) } }
        div class="table-wrap" { table {
            thead { tr { th { (ctx.t(Msg::ProductName)) } th { (ctx.t(Msg::RatePerPeriod)) } th { (ctx.t(Msg::PeriodDays)) } th { (ctx.t(Msg::TermPeriods)) } th { (ctx.t(Msg::MaxLtv)) } th { (ctx.t(Msg::Status)) } th { (ctx.t(Msg::Actions)) } } }
            tbody { @for (p, hq) in list.iter().zip(&from_head_office) {
                tr {
                    td { (p.terms.product) }
                    td { (money::percent(p.terms.rate_bp, ctx.lang)) }
                    td { (period_words(ctx, &p.terms)) }
                    td { (p.terms.term_periods) }
                    td { (p.terms.max_ltv_bp / 100) "%" }
                    td { @if p.active { span class="badge ok" { (ctx.t(Msg::StatusActive)) } } @else { span class="badge" { (ctx.t(Msg::StatusDisabled)) } } }
                    td class="actions" {
                        @if *hq { span class="badge" { (ctx.t(Msg::SyncHeadOffice)) } }
                        @else if own_refused.is_none() {
                        a class="button secondary" href=(paths::product(&p.id)) { (ctx.t(Msg::EditProduct)) }
                        form method="post" action=(paths::product_toggle(&p.id)) {
                        (ui::csrf_input(&csrf))
                        button type="submit" class="secondary" { @if p.active { (ctx.t(Msg::Disable)) } @else { (ctx.t(Msg::Enable)) } }
                    } } }
                }
            } }
        } }
        (ui::form_error(sent.whole()))
        @if own_refused.is_none() {
            h2 { (ctx.t(Msg::AddProduct)) }
            (product_form(ctx, paths::PRODUCTS, None, &csrf, Msg::AddProduct, sent))
        }
    };
    let mut response = ctx.staff_page(user, ctx.t(Msg::Products), body);
    response.status = status;
    Ok(response)
}

/// The product's fees: each chosen from a list (none, a fixed amount, a percentage of the loan)
/// with its amount or percentage beside it.
const FEES: [(&str, Msg); 4] = [
    ("ticket_fee", Msg::TicketFee),
    ("storage_fee", Msg::StorageFee),
    ("late_fee", Msg::LateFee),
    ("lost_ticket_fee", Msg::LostTicketFee),
];

/// The form's codes of a fee's kind.
const FEE_NONE: &str = "none";
const FEE_AMOUNT: &str = "amount";
const FEE_RATE: &str = "rate";

/// A product's fee by its form name.
fn fee_of(t: &Terms, name: &str) -> Fee {
    match name {
        "ticket_fee" => t.ticket_fee,
        "storage_fee" => t.storage_fee,
        "late_fee" => t.late_fee,
        _ => t.lost_ticket_fee,
    }
}

/// One fee of the product form: its kind from a list, and its amount or percentage.
fn fee_field(
    ctx: &Ctx,
    name: &str,
    label: Msg,
    fee: Option<Fee>,
    sent: &FieldErrors,
) -> maud::Markup {
    let exponent = ctx.app.config.currency().exponent;
    let (kind, value) = match fee {
        None | Some(Fee::Amount(0)) => (FEE_NONE, String::new()),
        Some(Fee::Amount(a)) => (FEE_AMOUNT, money::amount_input(a, exponent, ctx.lang)),
        Some(Fee::Rate(bp)) => (FEE_RATE, money::percent_input(bp, ctx.lang)),
    };
    let kinds = [
        (FEE_NONE, ctx.t(Msg::FeeNone)),
        (FEE_AMOUNT, ctx.t(Msg::FeeFixed)),
        (FEE_RATE, ctx.t(Msg::FeePercentage)),
    ];
    let value_name = format!("{name}_value");
    let mut field = Field::typed(ctx.t(Msg::FeeValue), &value_name, &value, sent);
    field.required = false;
    let hint = ctx.lang.fill(
        Msg::FeeValueHint,
        &[
            (
                "amount",
                &money::amount_input(5_000 * 10i64.pow(u32::from(exponent)), exponent, ctx.lang),
            ),
            ("percent", &money::percent_input(100, ctx.lang)),
        ],
    );
    field.hint = Some(&hint);
    html! {
        fieldset {
            legend { (ctx.t(label)) }
            (ui::select(ctx.t(Msg::Kind), name, &kinds, sent.value_or(name, kind), None))
            (ui::field(&field))
        }
    }
}

/// The product form (new, or editing `terms`), again as `sent` when refused.
fn product_form(
    ctx: &Ctx,
    action: &str,
    terms: Option<&Terms>,
    csrf: &str,
    button: Msg,
    sent: &FieldErrors,
) -> maud::Markup {
    let values: Option<[String; 9]> = terms.map(|t| {
        [
            t.product.clone(),
            money::percent_input(t.rate_bp, ctx.lang),
            t.period_days.to_string(),
            t.term_periods.to_string(),
            t.min_interest_days.to_string(),
            t.grace_days.to_string(),
            t.notice_days.to_string(),
            t.forfeit_days.to_string(),
            money::percent_input(t.max_ltv_bp, ctx.lang),
        ]
    });
    let rate_example = money::percent_input(115, ctx.lang);
    let fields: [(&str, Msg, &str); 9] = [
        ("name", Msg::ProductName, ""),
        ("rate", Msg::RatePerPeriod, &rate_example),
        ("period_days", Msg::PeriodDays, "15"),
        ("term_periods", Msg::TermPeriods, "8"),
        ("min_interest_days", Msg::MinInterestDays, "15"),
        ("grace_days", Msg::GraceDays, "5"),
        ("notice_days", Msg::NoticeDays, "10"),
        ("forfeit_days", Msg::ForfeitDays, "14"),
        ("max_ltv", Msg::MaxLtv, "90"),
    ];
    let kind = terms.map_or("pawn", |t| {
        if t.kind == ProductKind::Installment {
            "installment"
        } else {
            "pawn"
        }
    });
    let kind = sent.value_or("kind", kind);
    let rounding = sent.value_or("rounding", terms.map_or("half_up", |t| t.rounding.code()));
    let roundings = Rounding::ALL.map(|r| (r.code(), ctx.t(r.label())));
    let unit = sent.value_or(
        "period_unit",
        terms.map_or(PeriodUnit::Day, |t| t.period_unit).code(),
    );
    let units = [
        (PeriodUnit::Day.code(), ctx.t(Msg::PeriodUnitDays)),
        (PeriodUnit::Month.code(), ctx.t(Msg::PeriodUnitMonths)),
    ];
    html! {
        form method="post" action=(action) class="stack" {
            (ui::csrf_input(csrf))
            (ui::select(ctx.t(Msg::Kind), "kind", &[("pawn", ctx.t(Msg::KindPawn)), ("installment", ctx.t(Msg::KindInstallment))], kind, None))
            (ui::select(ctx.t(Msg::PeriodUnit), "period_unit", &units, unit, None))
            @for (i, (name, label, example)) in fields.into_iter().enumerate() {
                (product_field(ctx, name, label, example, values.as_ref().map_or("", |v| v[i].as_str()), sent))
            }
            @for (name, label) in FEES {
                (fee_field(ctx, name, label, terms.map(|t| fee_of(t, name)), sent))
            }
            (ui::select(ctx.t(Msg::RoundingRule), "rounding", &roundings, rounding, None))
            (step_field(ctx, terms.map_or(RoundingStep::NONE, |t| t.rounding_step), sent))
            div { button type="submit" { (ctx.t(button)) } }
        }
    }
}

/// The rounding step of the product form, in the currency's major units (empty: none).
fn step_field(ctx: &Ctx, step: RoundingStep, sent: &FieldErrors) -> maud::Markup {
    let exponent = ctx.app.config.currency().exponent;
    let value = if step == RoundingStep::NONE {
        String::new()
    } else {
        money::amount_input(step.minor(), exponent, ctx.lang)
    };
    let mut field = Field::typed(ctx.t(Msg::RoundingStep), STEP, &value, sent);
    field.required = false;
    let example = money::amount_input(100, exponent, ctx.lang);
    let hint = ctx
        .lang
        .fill(Msg::RoundingStepHint, &[("example", &example)]);
    field.hint = Some(&hint);
    ui::field(&field)
}

/// The rounding step's field.
const STEP: &str = "rounding_step";

/// The step typed in major units ("100", "1,00"): none when empty, else 1 to
/// [`RoundingStep::MAX`] minor units.
fn read_step(text: &str, exponent: u8) -> Option<RoundingStep> {
    if text.trim().is_empty() {
        return Some(RoundingStep::NONE);
    }
    money::parse_amount(text, exponent).and_then(RoundingStep::new)
}

/// The message beside a refused field of the product form.
fn refusal_of(ctx: &Ctx, field: &str) -> String {
    if field != STEP {
        return ctx.t(Msg::ProductFieldInvalid).to_owned();
    }
    let exponent = ctx.app.config.currency().exponent;
    let [min, max] = [1, RoundingStep::MAX].map(|m| money::amount_input(m, exponent, ctx.lang));
    ctx.lang
        .fill(Msg::RoundingStepInvalid, &[("min", &min), ("max", &max)])
}

/// One field of the product form, with an example as its hint.
fn product_field(
    ctx: &Ctx,
    name: &str,
    label: Msg,
    example: &str,
    value: &str,
    sent: &FieldErrors,
) -> maud::Markup {
    let mut field = Field::typed(ctx.t(label), name, value, sent);
    let hint = ctx.lang.fill(Msg::ForExample, &[("example", example)]);
    field.hint = Some(&hint);
    ui::field(&field)
}

/// GET /staff/products/{id}: edit a product (tickets already written keep their terms).
pub(crate) fn edit_product_page(ctx: &Ctx, id: ProductId) -> Result<Response, AppError> {
    let user = ctx.require(Permission::Corrections)?;
    if let Some(refused) = refused_by_head_office(ctx, user, Some(&id))? {
        return Ok(refused);
    }
    let product = products::get(&*ctx.app.db.conn()?, &id)?.ok_or(AppError::NotFound)?;
    render_edit(
        ctx,
        user,
        &product.id,
        &product.terms,
        FieldErrors::none(),
        200,
    )
}

/// The edit page.
fn render_edit(
    ctx: &Ctx,
    user: &crate::roles::StaffUser,
    id: &ProductId,
    terms: &Terms,
    sent: &FieldErrors,
    status: u16,
) -> Result<Response, AppError> {
    let body = html! {
        p { (ctx.t(Msg::ProductsExplained)) }
        (ui::form_error(sent.whole()))
        (product_form(ctx, &paths::product(id), Some(terms), &ctx.csrf(), Msg::Save, sent))
    };
    let mut response = ctx.staff_page(user, &terms.product, body);
    response.status = status;
    Ok(response)
}

/// POST /staff/products/{id}: saves a product's new terms, audited with before and after.
pub(crate) fn save_product(ctx: &Ctx, id: ProductId) -> Result<Response, AppError> {
    let user = ctx.require(Permission::Corrections)?;
    if let Some(refused) = refused_by_head_office(ctx, user, Some(&id))? {
        return Ok(refused);
    }
    let mut conn = ctx.app.db.conn()?;
    let tx = db::immediate(&mut conn)?;
    let before = products::get(&tx, &id)?.ok_or(AppError::NotFound)?;
    let terms = match parse_terms(ctx.form()?, ctx.app.config.currency().exponent) {
        Ok(terms) => terms,
        Err(wrong) => {
            drop(tx);
            let sent = refused_product(ctx, &wrong)?;
            return render_edit(ctx, user, &id, &before.terms, &sent, 400);
        }
    };
    products::update(&tx, &id, &terms, ctx.now)?;
    let change = Change {
        action: "product.update",
        entity: "product",
        entity_id: id.as_str(),
        before: serde_json::to_value(&before.terms).ok(),
        after: serde_json::to_value(&terms).ok(),
    };
    audit::record(&tx, &Actor::Staff(user), &change, ctx.now)?;
    tx.commit()?;
    Ok(Response::see_other(paths::PRODUCTS))
}

/// The products page with the reason, 403, when head office's reference data refuses a
/// change to `product` (or a new product); `None` when the change may go ahead.
fn refused_by_head_office(
    ctx: &Ctx,
    user: &crate::roles::StaffUser,
    product: Option<&ProductId>,
) -> Result<Option<Response>, AppError> {
    let refusal = crate::web::reference::product_refusal(&*ctx.app.db.conn()?, product)?;
    let Some(msg) = refusal else {
        return Ok(None);
    };
    let mut sent = FieldErrors::default();
    sent.refuse(ctx.t(msg));
    render_products(ctx, user, &sent, 403).map(Some)
}

/// The product form refused: the message above it, and beside each field in `wrong`.
fn refused_product(ctx: &Ctx, wrong: &[&str]) -> Result<FieldErrors, AppError> {
    let mut sent = FieldErrors::sent("product", ctx.form()?);
    sent.refuse(ctx.t(Msg::ProductInvalid));
    for field in wrong {
        sent.add(field, refusal_of(ctx, field));
    }
    Ok(sent)
}

/// A percentage typed with up to two decimals ("1,15" or "1.15") in basis points (115).
fn basis_points(text: &str) -> Option<u32> {
    let text = text.replace(',', ".");
    let (whole, frac) = text.split_once('.').unwrap_or((&text, ""));
    if frac.len() > 2 {
        return None;
    }
    let frac = format!("{frac:0<2}");
    Some(whole.parse::<u32>().ok()? * 100 + frac.parse::<u32>().ok()?)
}

/// A fee chosen from the list (none, a fixed amount, a percentage) with its value beside it
/// (`{name}_value`).
fn read_fee(form: &crate::plumbing::http::Form, name: &str, exponent: u8) -> Option<Fee> {
    let value = form.text(&format!("{name}_value"));
    match form.text(name) {
        "" | FEE_NONE => Some(Fee::Amount(0)),
        FEE_AMOUNT => money::parse_amount(value, exponent).map(Fee::Amount),
        FEE_RATE => basis_points(value).map(Fee::Rate),
        _ => None,
    }
}

/// Reads the product form; `Err` names the fields that are not readable.
/// Fee amounts are in major units of the currency (`exponent`), with or without separators.
fn parse_terms(
    form: &crate::plumbing::http::Form,
    exponent: u8,
) -> Result<Terms, Vec<&'static str>> {
    let number = |name: &str| form.text(name).parse::<u32>().ok();
    let percent = |name: &str| basis_points(form.text(name));
    let fee = |name: &str| read_fee(form, name, exponent);
    let name = form.text("name");
    let named = (!name.is_empty() && name.chars().count() <= MAX_PRODUCT_NAME_CHARS).then_some(());
    let period_unit = match form.text("period_unit") {
        "" => Some(PeriodUnit::Day),
        code => PeriodUnit::from_code(code),
    };
    let longest = period_unit.unwrap_or_default().longest_period();
    let rate = percent("rate");
    let period_days = number("period_days").filter(|n| (1..=longest).contains(n));
    let term_periods = number("term_periods").filter(|n| (1..=MAX_TERM_PERIODS).contains(n));
    let min_interest_days = number("min_interest_days");
    let fees = [
        fee("ticket_fee"),
        fee("storage_fee"),
        fee("late_fee"),
        fee("lost_ticket_fee"),
    ];
    let days = [
        number("grace_days"),
        number("notice_days"),
        number("forfeit_days"),
    ];
    let max_ltv = percent("max_ltv").filter(|bp| (1..=10_000).contains(bp));
    let rounding_step = read_step(form.text(STEP), exponent);
    let read = [
        ("name", named.is_some()),
        ("period_unit", period_unit.is_some()),
        ("rate", rate.is_some()),
        ("period_days", period_days.is_some()),
        ("term_periods", term_periods.is_some()),
        ("min_interest_days", min_interest_days.is_some()),
        ("ticket_fee_value", fees[0].is_some()),
        ("storage_fee_value", fees[1].is_some()),
        ("late_fee_value", fees[2].is_some()),
        ("lost_ticket_fee_value", fees[3].is_some()),
        ("grace_days", days[0].is_some()),
        ("notice_days", days[1].is_some()),
        ("forfeit_days", days[2].is_some()),
        ("max_ltv", max_ltv.is_some()),
        (STEP, rounding_step.is_some()),
    ];
    let wrong = || read.iter().filter(|(_, ok)| !ok).map(|(f, _)| *f).collect();
    let (
        Some(()),
        Some(period_unit),
        Some(rate_bp),
        Some(period_days),
        Some(term_periods),
        Some(min_interest_days),
        [
            Some(ticket_fee),
            Some(storage_fee),
            Some(late_fee),
            Some(lost_ticket_fee),
        ],
        [Some(grace_days), Some(notice_days), Some(forfeit_days)],
        Some(max_ltv_bp),
        Some(rounding_step),
    ) = (
        named,
        period_unit,
        rate,
        period_days,
        term_periods,
        min_interest_days,
        fees,
        days,
        max_ltv,
        rounding_step,
    )
    else {
        return Err(wrong());
    };
    Ok(Terms {
        product: name.to_owned(),
        kind: if form.text("kind") == "installment" {
            ProductKind::Installment
        } else {
            ProductKind::Pawn
        },
        rate_bp,
        period_days,
        period_unit,
        term_periods,
        min_interest_days,
        ticket_fee,
        storage_fee,
        late_fee,
        lost_ticket_fee,
        grace_days,
        notice_days,
        forfeit_days,
        max_ltv_bp,
        rounding: Rounding::from_code(form.text("rounding")).unwrap_or(Rounding::HalfUp),
        rounding_step,
    })
}

/// POST /staff/products: adds a product (existing tickets keep their own terms).
pub(crate) fn add_product(ctx: &Ctx) -> Result<Response, AppError> {
    let user = ctx.require(Permission::Corrections)?;
    if let Some(refused) = refused_by_head_office(ctx, user, None)? {
        return Ok(refused);
    }
    let terms = match parse_terms(ctx.form()?, ctx.app.config.currency().exponent) {
        Ok(terms) => terms,
        Err(wrong) => return render_products(ctx, user, &refused_product(ctx, &wrong)?, 400),
    };
    let mut conn = ctx.app.db.conn()?;
    let tx = db::immediate(&mut conn)?;
    let id = products::insert(&tx, &terms, ctx.now)?;
    let after = serde_json::to_value(&terms).unwrap_or_default();
    let change = Change {
        action: "product.create",
        entity: "product",
        entity_id: id.as_str(),
        before: None,
        after: Some(after),
    };
    audit::record(&tx, &Actor::Staff(user), &change, ctx.now)?;
    tx.commit()?;
    Ok(Response::see_other(paths::PRODUCTS))
}

/// POST /staff/products/{id}/toggle: offers a product again, or stops offering it.
pub(crate) fn toggle_product(ctx: &Ctx, id: ProductId) -> Result<Response, AppError> {
    let user = ctx.require(Permission::Corrections)?;
    if let Some(refused) = refused_by_head_office(ctx, user, Some(&id))? {
        return Ok(refused);
    }
    let mut conn = ctx.app.db.conn()?;
    let tx = db::immediate(&mut conn)?;
    let product = products::get(&tx, &id)?.ok_or(AppError::NotFound)?;
    products::set_active(&tx, &id, !product.active, ctx.now)?;
    let change = Change {
        action: "product.active",
        entity: "product",
        entity_id: id.as_str(),
        before: Some(json!({ "active": product.active })),
        after: Some(json!({ "active": !product.active })),
    };
    audit::record(&tx, &Actor::Staff(user), &change, ctx.now)?;
    tx.commit()?;
    Ok(Response::see_other(paths::PRODUCTS))
}
