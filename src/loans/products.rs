//! Loan products: the terms managers offer (kind, rate per period, period, term, minimum
//! interest, fees, grace, notice and pull days, maximum loan-to-value, rounding and its step). A ticket
//! copies its product's terms when it is written, so editing a product never alters an
//! existing ticket.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::terms::{Fee, PeriodUnit, ProductKind, Rounding, RoundingStep, Terms};
use crate::plumbing::i18n::Lang;
use crate::plumbing::ids::ProductId;

/// A product as stored.
#[derive(Debug, Clone)]
pub(crate) struct Product {
    pub(crate) id: ProductId,
    pub(crate) active: bool,
    pub(crate) terms: Terms,
}

/// The columns [`from_row`] reads.
const COLUMNS: &str = "id, active, name, kind, rate_bp, period_days, term_periods, min_interest_days, ticket_fee,
                       storage_fee, late_fee, lost_ticket_fee, grace_days, notice_days, forfeit_days, max_ltv_bp,
                       rounding, period_unit, rounding_step";

/// A product from a row of [`COLUMNS`].
fn from_row(r: &Row) -> rusqlite::Result<Product> {
    let fee = |i: usize| -> rusqlite::Result<Fee> {
        let code: String = r.get(i)?;
        Fee::from_code(&code)
            .ok_or_else(|| rusqlite::Error::InvalidColumnType(i, code, rusqlite::types::Type::Text))
    };
    let kind: String = r.get(3)?;
    let rounding: String = r.get(16)?;
    let unit: String = r.get(17)?;
    let step: i64 = r.get(18)?;
    Ok(Product {
        id: r.get(0)?,
        active: r.get(1)?,
        terms: Terms {
            product: r.get(2)?,
            kind: if kind == "installment" {
                ProductKind::Installment
            } else {
                ProductKind::Pawn
            },
            rate_bp: r.get(4)?,
            period_days: r.get(5)?,
            period_unit: PeriodUnit::from_code(&unit).ok_or_else(|| {
                rusqlite::Error::InvalidColumnType(17, unit, rusqlite::types::Type::Text)
            })?,
            term_periods: r.get(6)?,
            min_interest_days: r.get(7)?,
            ticket_fee: fee(8)?,
            storage_fee: fee(9)?,
            late_fee: fee(10)?,
            lost_ticket_fee: fee(11)?,
            grace_days: r.get(12)?,
            notice_days: r.get(13)?,
            forfeit_days: r.get(14)?,
            max_ltv_bp: r.get(15)?,
            rounding: Rounding::from_code(&rounding).unwrap_or(Rounding::HalfUp),
            rounding_step: RoundingStep::new(step)
                .ok_or_else(|| rusqlite::Error::IntegralValueOutOfRange(18, step))?,
        },
    })
}

/// Every product, active ones first, by name.
pub(crate) fn list(conn: &Connection) -> rusqlite::Result<Vec<Product>> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM loan_products ORDER BY active DESC, name"
    ))?
    .query_map([], from_row)?
    .collect()
}

/// One product.
pub(crate) fn get(conn: &Connection, id: &ProductId) -> rusqlite::Result<Option<Product>> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM loan_products WHERE id = ?1"
    ))?
    .query_row([id], from_row)
    .optional()
}

/// Adds a product.
pub(crate) fn insert(
    conn: &Connection,
    t: &Terms,
    now: DateTime<Utc>,
) -> rusqlite::Result<ProductId> {
    let id = ProductId::new(now);
    save(conn, &id, t, now)?;
    Ok(id)
}

/// Replaces a product's terms (tickets already written keep their own copy).
pub(crate) fn update(
    conn: &Connection,
    id: &ProductId,
    t: &Terms,
    now: DateTime<Utc>,
) -> rusqlite::Result<()> {
    save(conn, id, t, now)
}

/// Writes a product's terms: a new row, or the existing one's terms (its `active` flag and
/// creation time stay).
fn save(conn: &Connection, id: &ProductId, t: &Terms, now: DateTime<Utc>) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO loan_products (id, name, kind, rate_bp, period_days, term_periods, min_interest_days, ticket_fee,
                                    storage_fee, late_fee, lost_ticket_fee, grace_days, notice_days, forfeit_days,
                                    max_ltv_bp, rounding, created_at, updated_at, period_unit, rounding_step)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?17, ?18, ?19)
         ON CONFLICT (id) DO UPDATE SET
             name = excluded.name, kind = excluded.kind, rate_bp = excluded.rate_bp,
             period_days = excluded.period_days, term_periods = excluded.term_periods,
             min_interest_days = excluded.min_interest_days, ticket_fee = excluded.ticket_fee,
             storage_fee = excluded.storage_fee, late_fee = excluded.late_fee,
             lost_ticket_fee = excluded.lost_ticket_fee, grace_days = excluded.grace_days,
             notice_days = excluded.notice_days, forfeit_days = excluded.forfeit_days,
             max_ltv_bp = excluded.max_ltv_bp, rounding = excluded.rounding, updated_at = excluded.updated_at,
             period_unit = excluded.period_unit, rounding_step = excluded.rounding_step",
    )?
    .execute(params![
        id,
        t.product,
        if t.kind == ProductKind::Installment { "installment" } else { "pawn" },
        t.rate_bp,
        t.period_days,
        t.term_periods,
        t.min_interest_days,
        t.ticket_fee.code(),
        t.storage_fee.code(),
        t.late_fee.code(),
        t.lost_ticket_fee.code(),
        t.grace_days,
        t.notice_days,
        t.forfeit_days,
        t.max_ltv_bp,
        t.rounding.code(),
        now,
        t.period_unit.code(),
        t.rounding_step.minor()
    ])?;
    Ok(())
}

/// The products a new branch (and the demo) starts with: Pegadaian-like gold pawn (1.15% per
/// 15 days, 120 days) and a monthly pawn for electronics, and a 3-month installment loan (both
/// in calendar months), named in the branch's language; in rupiah, each charge rounded (up,
/// their rule) to Rp 100, the currency's usual step.
pub(crate) fn starter_products(lang: Lang) -> [Terms; 3] {
    let name = |en: &str, id: &str| match lang {
        Lang::En => en.to_owned(),
        Lang::Id => id.to_owned(),
    };
    let base = Terms {
        product: name(
            "Gold pawn (15-day periods, 120 days)",
            "Gadai emas (periode 15 hari, 120 hari)",
        ),
        kind: ProductKind::Pawn,
        rate_bp: 115,
        period_days: 15,
        period_unit: PeriodUnit::Day,
        term_periods: 8,
        min_interest_days: 15,
        ticket_fee: Fee::Amount(5_000),
        storage_fee: Fee::Amount(0),
        late_fee: Fee::Rate(100),
        lost_ticket_fee: Fee::Amount(25_000),
        grace_days: 5,
        notice_days: 10,
        forfeit_days: 14,
        max_ltv_bp: 9_000,
        rounding: Rounding::Up,
        rounding_step: RoundingStep::new(100).unwrap_or_default(),
    };
    [
        base.clone(),
        Terms {
            product: name(
                "Electronics pawn (monthly, 4 months)",
                "Gadai elektronik (bulanan, 4 bulan)",
            ),
            rate_bp: 500,
            period_days: 1,
            period_unit: PeriodUnit::Month,
            term_periods: 4,
            min_interest_days: 30,
            max_ltv_bp: 6_000,
            ..base.clone()
        },
        Terms {
            product: name(
                "Installment loan (3 monthly payments)",
                "Pinjaman angsuran (3 kali bayar bulanan)",
            ),
            kind: ProductKind::Installment,
            rate_bp: 300,
            period_days: 1,
            period_unit: PeriodUnit::Month,
            term_periods: 3,
            min_interest_days: 30,
            ..base
        },
    ]
}

/// Offers a product again, or stops offering it (tickets written on it keep their terms).
pub(crate) fn set_active(
    conn: &Connection,
    id: &ProductId,
    active: bool,
    now: DateTime<Utc>,
) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE loan_products SET active = ?2, updated_at = ?3 WHERE id = ?1",
        params![id, active, now],
    )?;
    Ok(())
}

/// The product head office sends under `code`, if the branch has it.
pub(crate) fn by_hq_code(conn: &Connection, code: &str) -> rusqlite::Result<Option<ProductId>> {
    conn.prepare_cached("SELECT id FROM loan_products WHERE hq_code = ?1")?
        .query_row([code], |r| r.get(0))
        .optional()
}

/// Marks a product as head office's, under its code.
pub(crate) fn set_hq_code(conn: &Connection, id: &ProductId, code: &str) -> rusqlite::Result<()> {
    conn.prepare_cached("UPDATE loan_products SET hq_code = ?2 WHERE id = ?1")?
        .execute(params![id, code])?;
    Ok(())
}

/// Whether a product is head office's (the branch does not edit those).
pub(crate) fn is_from_head_office(conn: &Connection, id: &ProductId) -> rusqlite::Result<bool> {
    conn.prepare_cached("SELECT hq_code IS NOT NULL FROM loan_products WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()
        .map(|found| found.unwrap_or(false))
}

/// Switches off head office's products whose codes are not in `kept`, and the branch's own
/// too when `own_too` (tickets written on them keep their terms).
pub(crate) fn retire_from_head_office(
    conn: &Connection,
    kept: &[&str],
    own_too: bool,
    now: DateTime<Utc>,
) -> rusqlite::Result<()> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, hq_code FROM loan_products WHERE active = 1 AND (hq_code IS NOT NULL OR ?1)",
    )?;
    let active: Vec<(ProductId, Option<String>)> = stmt
        .query_map([own_too], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (id, code) in active {
        if code.is_none_or(|c| !kept.contains(&c.as_str())) {
            set_active(conn, &id, false, now)?;
        }
    }
    Ok(())
}
