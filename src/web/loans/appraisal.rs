//! The gold appraisal on the new-ticket form: what the reference price makes of each typed
//! gold item (its appraisal and the most the chosen product lends on it), shown when the
//! clerk presses "Calculate" and, through `assets/appraisal.js`, as they type. The arithmetic
//! and the override rule are `gold::appraisal`'s; this module only reads the typed values and
//! writes the results into the page, and hands the script the same inputs.

use maud::{Markup, html};

use crate::gold::appraisal::{self, AppraisalError, Reference, Settled, max_loan};
use crate::gold::prices::GoldPrice;
use crate::loans::products::Product;
use crate::plumbing::i18n::{Lang, Msg};
use crate::plumbing::money::{amount_input, separators};
use crate::web::Ctx;

/// The numbers typed in one item row, each `None` when left blank.
#[derive(Debug, Clone, Copy)]
pub(super) struct Typed {
    pub(super) weight_mg: Option<i64>,
    pub(super) karat: Option<i64>,
    pub(super) appraised: Option<i64>,
}

impl Typed {
    /// What the reference price gives for the row, when it is a gold item.
    fn computed(&self, reference: Option<&Reference>) -> Option<i64> {
        reference?.appraise(self.weight_mg?, self.karat?)
    }
}

/// Settles a row's appraisal (see `gold::appraisal::settle`).
pub(super) fn settle(
    reference: Option<&Reference>,
    typed: &Typed,
    reason: &str,
) -> Result<Settled, AppraisalError> {
    appraisal::settle(
        reference,
        typed.weight_mg,
        typed.karat,
        typed.appraised,
        reason,
    )
}

/// "Calculate": fills each blank appraised field whose row the reference price can value.
pub(super) fn fill_computed<'a>(
    reference: Option<&Reference>,
    rows: impl Iterator<Item = (&'a mut String, Option<Typed>)>,
    exponent: u8,
    lang: Lang,
) {
    for (field, typed) in rows {
        if let Some(computed) = typed.and_then(|t| t.computed(reference))
            && field.trim().is_empty()
        {
            *field = amount_input(computed, exponent, lang);
        }
    }
}

/// What the form shows of the reference price, for the product chosen.
pub(super) struct Calculator<'a> {
    ctx: &'a Ctx<'a>,
    price: Option<&'a GoldPrice>,
    products: &'a [&'a Product],
    /// The chosen product's LTV (the first product's when none is chosen yet, as the select
    /// shows it).
    ltv_bp: Option<u32>,
}

impl<'a> Calculator<'a> {
    pub(super) fn new(
        ctx: &'a Ctx<'a>,
        price: Option<&'a GoldPrice>,
        products: &'a [&'a Product],
        chosen: &str,
    ) -> Calculator<'a> {
        let ltv_bp = products
            .iter()
            .find(|p| p.id.as_str() == chosen)
            .or(products.first())
            .map(|p| p.terms.max_ltv_bp);
        Calculator {
            ctx,
            price,
            products,
            ltv_bp,
        }
    }

    fn money(&self, minor: i64) -> String {
        self.ctx.app.config.currency().format(minor, self.ctx.lang)
    }

    /// The row's appraisal and maximum loan at the reference price, when it is a gold item.
    pub(super) fn quote(&self, typed: Option<&Typed>) -> Option<String> {
        let computed = typed?.computed(self.price.map(|p| &p.reference))?;
        let max = max_loan(computed, self.ltv_bp?);
        Some(self.ctx.lang.fill(
            Msg::ComputedAppraisal,
            &[
                ("appraisal", &self.money(computed)),
                ("max", &self.money(max)),
            ],
        ))
    }

    /// The most the product lends on all the rows' appraisals (typed, else computed).
    pub(super) fn total(&self, rows: &[Option<Typed>]) -> Option<String> {
        let reference = self.price.map(|p| &p.reference);
        let sum: i64 = rows
            .iter()
            .flatten()
            .filter_map(|t| t.appraised.or_else(|| t.computed(reference)))
            .fold(0i64, i64::saturating_add);
        (sum > 0).then(|| {
            let max = max_loan(sum, self.ltv_bp.unwrap_or(0));
            self.ctx
                .lang
                .fill(Msg::MaxLoanTotal, &[("max", &self.money(max))])
        })
    }

    /// The inputs `assets/appraisal.js` computes with: the price, the products' LTVs, how
    /// amounts are written, and the two sentences to fill in.
    pub(super) fn script_data(&self) -> Markup {
        let currency = self.ctx.app.config.currency();
        let (group, mark) = separators(self.ctx.lang);
        let ltv: serde_json::Map<String, serde_json::Value> = self
            .products
            .iter()
            .map(|p| (p.id.to_string(), p.terms.max_ltv_bp.into()))
            .collect();
        let karats = self
            .price
            .map(|p| serde_json::to_string(&p.reference.karats).unwrap_or_default());
        html! {
            div id="appraisal-data" hidden
                data-price=[self.price.map(|p| p.reference.per_gram_24k)]
                data-karats=[karats]
                data-ltv=(serde_json::Value::Object(ltv))
                data-exponent=(currency.exponent)
                data-symbol=(currency.symbol(self.ctx.lang))
                data-group=(group)
                data-mark=(mark)
                data-quote=(self.ctx.t(Msg::ComputedAppraisal))
                data-total=(self.ctx.t(Msg::MaxLoanTotal)) {}
        }
    }
}
