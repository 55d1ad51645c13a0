//! What a gold item is worth at the branch's reference price, and the most a ticket may lend on
//! it.
//!
//! All arithmetic is in integers: weights in milligrams, prices in minor units of the branch
//! currency per gram. Each result is rounded DOWN to the currency's minor unit (the branch
//! never values gold above the reference, and never lends above the product's LTV):
//!
//! - pro rata: `appraisal = floor(weight_mg × karat × price_per_gram_24k / (24 × 1000))`;
//! - with a per-karat price: `appraisal = floor(weight_mg × price_per_gram_of_that_karat / 1000)`;
//! - `max_loan = floor(appraisal × max_ltv_bp / 10 000)`.
//!
//! `assets/appraisal.js` computes the same as the clerk types, with the same formulas; the
//! server's number is the one saved.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::audit::{self, Actor, Change};
use crate::loans::ops::Item;
use crate::loans::terms::{self, Rounding};
use crate::plumbing::ids::{GoldPriceId, LoanId};

/// The karat of pure gold, the reference price's.
pub(crate) const PURE_KARAT: i64 = 24;

/// Milligrams in a gram.
const MG_PER_GRAM: i64 = 1_000;

/// Prices per gram of some karats (minor units), each replacing the pro-rata price of its
/// karat. Kept as JSON (`{"22": 930000}`) with the reference price it belongs to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct KaratTable(pub(crate) BTreeMap<i64, i64>);

/// A reference price: a gram of 24K, and the karats priced on their own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Reference {
    pub(crate) per_gram_24k: i64,
    pub(crate) karats: KaratTable,
}

/// The appraisal of `weight_mg` of `karat` gold at `price_per_gram_24k` (minor units), pro rata
/// (`karat / 24`), rounded down; `None` when a value is out of range (no weight, a karat
/// outside 1 to 24, no price) or the result does not fit.
pub(crate) fn appraise(weight_mg: i64, karat: i64, price_per_gram_24k: i64) -> Option<i64> {
    if weight_mg <= 0 || !(1..=PURE_KARAT).contains(&karat) || price_per_gram_24k <= 0 {
        return None;
    }
    let numerator =
        (i128::from(weight_mg) * i128::from(karat)).checked_mul(i128::from(price_per_gram_24k))?;
    i64::try_from(numerator / i128::from(PURE_KARAT * MG_PER_GRAM)).ok()
}

/// The appraisal of `weight_mg` at a price per gram of its own karat, rounded down.
fn appraise_at(weight_mg: i64, price_per_gram: i64) -> Option<i64> {
    if weight_mg <= 0 || price_per_gram <= 0 {
        return None;
    }
    i64::try_from(i128::from(weight_mg) * i128::from(price_per_gram) / i128::from(MG_PER_GRAM)).ok()
}

impl Reference {
    /// The appraisal of `weight_mg` of `karat` gold: at the karat's own price when the table
    /// has one, else pro rata from 24K.
    pub(crate) fn appraise(&self, weight_mg: i64, karat: i64) -> Option<i64> {
        if !(1..=PURE_KARAT).contains(&karat) {
            return None;
        }
        match self.karats.0.get(&karat) {
            Some(price) => appraise_at(weight_mg, *price),
            None => appraise(weight_mg, karat, self.per_gram_24k),
        }
    }
}

/// The most a ticket may lend on `appraisal` under a product's `max_ltv_bp`, rounded down.
pub(crate) fn max_loan(appraisal: i64, max_ltv_bp: u32) -> i64 {
    terms::rate_of(appraisal, max_ltv_bp, Rounding::Down)
}

/// A gold item's appraisal as settled for the ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Settled {
    /// The value written on the ticket.
    pub(crate) appraised: i64,
    /// What the reference price gives, when the item is gold and a price is set.
    pub(crate) computed: Option<i64>,
    /// Why the clerk wrote another value than the computed one.
    pub(crate) override_reason: Option<String>,
}

/// Why an item's appraisal cannot be written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum AppraisalError {
    #[error("no appraised value, and none can be computed")]
    Missing,
    #[error("an appraisal other than the computed {computed} needs a reason")]
    ReasonNeeded { computed: i64 },
}

/// Settles one item's appraisal: the clerk's value (`entered`) or, when they left it blank,
/// the computed one. A gold item (weight and karat given) under a reference price whose entered
/// value differs from the computed one is an override: it needs a `reason`.
pub(crate) fn settle(
    reference: Option<&Reference>,
    weight_mg: Option<i64>,
    karat: Option<i64>,
    entered: Option<i64>,
    reason: &str,
) -> Result<Settled, AppraisalError> {
    let computed = match (reference, weight_mg, karat) {
        (Some(r), Some(w), Some(k)) => r.appraise(w, k),
        _ => None,
    };
    let appraised = entered.or(computed).ok_or(AppraisalError::Missing)?;
    let reason = reason.trim();
    let override_reason = match computed {
        Some(c) if c != appraised && reason.is_empty() => {
            return Err(AppraisalError::ReasonNeeded { computed: c });
        }
        Some(c) if c != appraised => Some(reason.to_owned()),
        _ => None,
    };
    Ok(Settled {
        appraised,
        computed,
        override_reason,
    })
}

/// Audits each item whose appraisal overrode the computed one (`settled[i]` is `items[i]`'s),
/// with the computed and written values, the reason and the price it was computed at. Call in
/// the transaction that writes the ticket.
pub(crate) fn record_overrides(
    conn: &Connection,
    actor: &Actor,
    loan: &LoanId,
    items: &[Item],
    settled: &[Settled],
    price: Option<&GoldPriceId>,
    now: DateTime<Utc>,
) -> rusqlite::Result<()> {
    for (n, (item, s)) in items.iter().zip(settled).enumerate() {
        let (Some(computed), Some(reason)) = (s.computed, &s.override_reason) else {
            continue;
        };
        let change = Change {
            action: "loan.appraisal_override",
            entity: "loan",
            entity_id: loan.as_str(),
            before: Some(json!({
                "item": n + 1,
                "description": item.description.trim(),
                "appraised": computed,
                "gold_price": price.map(GoldPriceId::as_str),
            })),
            after: Some(json!({ "item": n + 1, "appraised": s.appraised, "reason": reason })),
        };
        audit::record(conn, actor, &change, now)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// IDR 1,000,000 a gram of 24K (IDR counts whole rupiah).
    const MILLION: i64 = 1_000_000;

    fn reference(karats: &[(i64, i64)]) -> Reference {
        Reference {
            per_gram_24k: MILLION,
            karats: KaratTable(karats.iter().copied().collect()),
        }
    }

    #[test]
    fn pro_rata_karats_round_down_to_the_minor_unit() {
        // 1.00 g of 22K: 22/24 of a million = 916,666.67, down to 916,666.
        assert_eq!(appraise(1_000, 22, MILLION), Some(916_666));
        // 5.00 g of 22K: 5 × 916,666.67 = 4,583,333.33, down to 4,583,333 (not 5 × 916,666:
        // the weight is multiplied before anything is rounded).
        assert_eq!(appraise(5_000, 22, MILLION), Some(4_583_333));
        // 5.00 g of 18K: exactly 3,750,000.
        assert_eq!(appraise(5_000, 18, MILLION), Some(3_750_000));
        // 24K is the reference itself; 3.125 g of it, to the milligram.
        assert_eq!(appraise(3_125, 24, MILLION), Some(3_125_000));
        // 1 mg of 1K at IDR 1,000 a gram is 1/24 of a rupiah: nothing.
        assert_eq!(appraise(1, 1, 1_000), Some(0));
        // A currency with cents: 2.50 g of 18K at USD 80.00 = 8000 cents a gram -> 15000 cents.
        assert_eq!(appraise(2_500, 18, 8_000), Some(15_000));
    }

    #[test]
    fn out_of_range_values_give_no_appraisal() {
        assert_eq!(appraise(0, 22, MILLION), None);
        assert_eq!(appraise(5_000, 0, MILLION), None);
        assert_eq!(appraise(5_000, 25, MILLION), None);
        assert_eq!(appraise(5_000, 22, 0), None);
        // Too big to fit in minor units: refused, not wrapped.
        assert_eq!(appraise(i64::MAX, 24, i64::MAX), None);
        assert_eq!(reference(&[]).appraise(5_000, 25), None);
    }

    #[test]
    fn a_karat_table_overrides_the_pro_rata_price_of_its_karats_only() {
        let r = reference(&[(22, 930_000), (18, 700_000)]);
        // 5.00 g of 22K at its own 930,000 a gram.
        assert_eq!(r.appraise(5_000, 22), Some(4_650_000));
        // 2.345 g of 18K at 700,000: 1,641,500.
        assert_eq!(r.appraise(2_345, 18), Some(1_641_500));
        // 0.333 g of 18K at 700,000 = 233,100 exactly; 0.3333 would not be a milligram weight.
        assert_eq!(r.appraise(333, 18), Some(233_100));
        // 20K is not in the table: pro rata, 20/24 of 5 g = 4,166,666.67 down.
        assert_eq!(r.appraise(5_000, 20), Some(4_166_666));
        // The table stores and reads back as JSON with karats as keys.
        let json = serde_json::to_string(&r.karats).unwrap_or_default();
        assert_eq!(json, r#"{"18":700000,"22":930000}"#);
        assert_eq!(
            serde_json::from_str::<KaratTable>(&json).ok(),
            Some(r.karats)
        );
    }

    #[test]
    fn the_maximum_loan_is_the_ltv_share_rounded_down() {
        // 90% of 4,583,333 = 4,124,999.7, down to 4,124,999.
        assert_eq!(max_loan(4_583_333, 9_000), 4_124_999);
        assert_eq!(max_loan(3_750_000, 9_000), 3_375_000);
        // 85.5% of 916,666 = 783,749.43 down.
        assert_eq!(max_loan(916_666, 8_550), 783_749);
    }

    #[test]
    fn an_appraisal_other_than_the_computed_one_needs_a_reason() {
        let r = reference(&[]);
        let gold = |entered, reason| settle(Some(&r), Some(5_000), Some(22), entered, reason);
        // Blank: the computed value is written.
        assert_eq!(
            gold(None, ""),
            Ok(Settled {
                appraised: 4_583_333,
                computed: Some(4_583_333),
                override_reason: None
            })
        );
        // The same value typed: no override.
        assert_eq!(
            gold(Some(4_583_333), "").map(|s| s.override_reason),
            Ok(None)
        );
        // Another value: refused without a reason, kept with one.
        assert_eq!(
            gold(Some(4_000_000), "  "),
            Err(AppraisalError::ReasonNeeded {
                computed: 4_583_333
            })
        );
        assert_eq!(
            gold(Some(4_000_000), " scratched clasp "),
            Ok(Settled {
                appraised: 4_000_000,
                computed: Some(4_583_333),
                override_reason: Some("scratched clasp".to_owned()),
            })
        );
        // Not gold (no weight), or no price set: the clerk's value, nothing to override.
        assert_eq!(
            settle(Some(&r), None, None, Some(900_000), ""),
            Ok(Settled {
                appraised: 900_000,
                computed: None,
                override_reason: None
            })
        );
        assert_eq!(
            settle(None, Some(5_000), Some(22), Some(900_000), "").map(|s| s.computed),
            Ok(None)
        );
        assert_eq!(
            settle(None, Some(5_000), Some(22), None, ""),
            Err(AppraisalError::Missing)
        );
    }
}
