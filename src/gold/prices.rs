//! The branch's gold reference price history: the price of a gram of 24K gold from a date
//! on, who set it and why, with optional per-karat prices. Append-only (the schema refuses
//! updates and deletes): a new price is a new row, so every ticket's appraisal can be traced to
//! the price of its day. Managers set it on the "Gold price" page; head office will later set it
//! for every branch.

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::json;

use super::appraisal::{KaratTable, PURE_KARAT, Reference};
use crate::audit::{self, Actor, Change};
use crate::plumbing::ids::GoldPriceId;

/// The longest note on a price.
pub(crate) const MAX_NOTE_CHARS: usize = 200;

/// A price as set.
#[derive(Debug, Clone)]
pub(crate) struct GoldPrice {
    pub(crate) id: GoldPriceId,
    pub(crate) reference: Reference,
    pub(crate) effective_on: NaiveDate,
    /// The name of the staff member who set it (none from the command line).
    pub(crate) set_by: Option<String>,
    pub(crate) note: String,
    pub(crate) created_at: DateTime<Utc>,
}

impl GoldPrice {
    /// Whether the price is older than `days` on `today` (the new-ticket form warns).
    pub(crate) fn is_stale(&self, today: NaiveDate, days: u32) -> bool {
        (today - self.effective_on).num_days() > i64::from(days)
    }
}

/// A price to set.
pub(crate) struct NewPrice<'a> {
    pub(crate) per_gram_24k: i64,
    pub(crate) karats: &'a KaratTable,
    pub(crate) effective_on: NaiveDate,
    pub(crate) note: &'a str,
}

/// Why a price cannot be set, or the database failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum PriceError {
    #[error("the price per gram must be above zero")]
    NotPositive,
    #[error("karat {0} is not between 1 and 23")]
    BadKarat(i64),
    #[error("the price of karat {0} must be above zero and not above the 24K price")]
    BadKaratPrice(i64),
    #[error("the note is longer than {MAX_NOTE_CHARS} characters or has a line break")]
    BadNote,
    #[error("database: {0}")]
    Db(#[from] rusqlite::Error),
}

/// Reads per-karat prices as managers type them: `karat: price` pairs separated by
/// semicolons ("22: 930.000; 18: 740000"), prices in major units; `None` when a pair is not
/// readable. Blank is no table. The ranges are checked when the price is set.
pub(crate) fn parse_karats(text: &str, exponent: u8) -> Option<KaratTable> {
    let mut table = KaratTable::default();
    for pair in text.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        let (karat, price) = pair.split_once(':')?;
        let karat: i64 = karat.trim().trim_end_matches(['K', 'k']).parse().ok()?;
        let price = crate::plumbing::money::parse_amount(price.trim(), exponent)?;
        if table.0.insert(karat, price).is_some() {
            return None;
        }
    }
    Some(table)
}

/// Per-karat prices written back the way [`parse_karats`] reads them.
pub(crate) fn karats_text(table: &KaratTable, exponent: u8) -> String {
    table
        .0
        .iter()
        .rev()
        .map(|(k, p)| {
            format!(
                "{k}: {}",
                crate::plumbing::money::amount_field(*p, exponent)
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Checks a price before it is set (head office's reference data is checked so too).
pub(crate) fn check(new: &NewPrice) -> Result<(), PriceError> {
    if new.per_gram_24k <= 0 {
        return Err(PriceError::NotPositive);
    }
    for (karat, price) in &new.karats.0 {
        if !(1..PURE_KARAT).contains(karat) {
            return Err(PriceError::BadKarat(*karat));
        }
        if *price <= 0 || *price > new.per_gram_24k {
            return Err(PriceError::BadKaratPrice(*karat));
        }
    }
    if new.note.chars().count() > MAX_NOTE_CHARS || new.note.chars().any(char::is_control) {
        return Err(PriceError::BadNote);
    }
    Ok(())
}

/// Sets a new reference price from `effective_on`, audited in the caller's transaction.
pub(crate) fn set(
    conn: &Connection,
    actor: &Actor,
    new: &NewPrice,
    now: DateTime<Utc>,
) -> Result<GoldPriceId, PriceError> {
    check(new)?;
    let id = GoldPriceId::new(now);
    let karats = serde_json::to_string(new.karats)
        .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
    let staff = match actor {
        Actor::Staff(user) => Some(&user.id),
        _ => None,
    };
    conn.prepare_cached(
        "INSERT INTO gold_prices (id, price_per_gram, karat_prices, effective_on, set_by, note, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![id, new.per_gram_24k, karats, new.effective_on, staff, new.note.trim(), now])?;
    let change = Change {
        action: "gold_price.set",
        entity: "gold_price",
        entity_id: id.as_str(),
        before: None,
        after: Some(json!({
            "price_per_gram_24k": new.per_gram_24k,
            "karat_prices": new.karats,
            "effective_on": new.effective_on,
            "note": new.note.trim(),
        })),
    };
    audit::record(conn, actor, &change, now)?;
    Ok(id)
}

/// The columns [`from_row`] reads.
const COLUMNS: &str =
    "p.id, p.price_per_gram, p.karat_prices, p.effective_on, s.full_name, p.note, p.created_at
     FROM gold_prices p LEFT JOIN staff s ON s.id = p.set_by";

/// A price from a row of [`COLUMNS`].
fn from_row(r: &rusqlite::Row) -> rusqlite::Result<GoldPrice> {
    let karats: String = r.get(2)?;
    Ok(GoldPrice {
        id: r.get(0)?,
        reference: Reference {
            per_gram_24k: r.get(1)?,
            karats: serde_json::from_str(&karats).unwrap_or_default(),
        },
        effective_on: r.get(3)?,
        set_by: r.get(4)?,
        note: r.get(5)?,
        created_at: r.get(6)?,
    })
}

/// The price in force on `today`: the latest effective on or before it (of two set for the
/// same day, the later one). A price dated after today waits for its day.
pub(crate) fn current(conn: &Connection, today: NaiveDate) -> rusqlite::Result<Option<GoldPrice>> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} WHERE p.effective_on <= ?1 ORDER BY p.effective_on DESC, p.id DESC LIMIT 1"
    ))?
    .query_row([today], from_row)
    .optional()
}

/// The latest `limit` prices, newest effective date first.
pub(crate) fn history(conn: &Connection, limit: u32) -> rusqlite::Result<Vec<GoldPrice>> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} ORDER BY p.effective_on DESC, p.id DESC LIMIT +?1"
    ))?
    .query_map([limit], from_row)?
    .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use chrono::Duration;

    use super::*;
    use crate::roles::Role;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, d).unwrap()
    }

    #[test]
    fn the_price_of_a_day_is_the_latest_in_force_and_the_history_keeps_every_one() {
        let (_dir, db) = crate::plumbing::db::tests::test_db();
        let conn = db.conn().unwrap();
        let now = DateTime::from_timestamp(1_772_000_000, 0).unwrap();
        let manager = crate::loans::ops::tests::staff_member(&conn, Role::Manager, now);
        let actor = Actor::Staff(&manager);
        assert!(current(&conn, day(10)).unwrap().is_none(), "no price yet");
        let none = KaratTable::default();
        let table = KaratTable([(22, 930_000)].into_iter().collect());
        let price = |per_gram_24k, karats, effective_on, note| NewPrice {
            per_gram_24k,
            karats,
            effective_on,
            note,
        };
        set(
            &conn,
            &actor,
            &price(1_000_000, &none, day(1), "opening"),
            now,
        )
        .unwrap();
        set(
            &conn,
            &actor,
            &price(1_050_000, &table, day(5), "Antam rose"),
            now + Duration::seconds(1),
        )
        .unwrap();
        // Set later but for an earlier day: in force only between its day and the 5th.
        set(
            &conn,
            &actor,
            &price(990_000, &none, day(3), "late entry"),
            now + Duration::seconds(2),
        )
        .unwrap();
        // Tomorrow's price waits for its day.
        set(
            &conn,
            &actor,
            &price(1_100_000, &none, day(11), "tomorrow"),
            now + Duration::seconds(3),
        )
        .unwrap();
        let on = |d| current(&conn, day(d)).unwrap().unwrap();
        assert_eq!(on(2).reference.per_gram_24k, 1_000_000);
        assert_eq!(on(4).reference.per_gram_24k, 990_000);
        let tenth = on(10);
        assert_eq!(tenth.reference.per_gram_24k, 1_050_000);
        assert_eq!(tenth.reference.karats, table);
        assert_eq!(tenth.set_by.as_deref(), Some("Test manager"));
        assert_eq!(tenth.note, "Antam rose");
        assert_eq!(on(11).reference.per_gram_24k, 1_100_000);
        // Two prices for one day: the one set last.
        set(
            &conn,
            &actor,
            &price(1_060_000, &none, day(5), "correction"),
            now + Duration::seconds(4),
        )
        .unwrap();
        assert_eq!(on(6).reference.per_gram_24k, 1_060_000);
        let notes: Vec<String> = history(&conn, 10)
            .unwrap()
            .into_iter()
            .map(|p| p.note)
            .collect();
        assert_eq!(
            notes,
            [
                "tomorrow",
                "correction",
                "Antam rose",
                "late entry",
                "opening"
            ]
        );
        // Each one audited; none can be changed or deleted.
        let audited: i64 = conn
            .query_row(
                "SELECT COUNT(*) FROM audit_log WHERE action = 'gold_price.set'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(audited, 5);
        assert!(
            conn.execute("UPDATE gold_prices SET price_per_gram = 1", [])
                .is_err()
        );
        assert!(conn.execute("DELETE FROM gold_prices", []).is_err());
    }

    #[test]
    fn bad_prices_are_refused_before_anything_is_written() {
        let (_dir, db) = crate::plumbing::db::tests::test_db();
        let conn = db.conn().unwrap();
        let now = DateTime::from_timestamp(1_772_000_000, 0).unwrap();
        let none = KaratTable::default();
        let table = |k, p| KaratTable([(k, p)].into_iter().collect());
        let try_set = |per_gram_24k, karats: &KaratTable, note| {
            set(
                &conn,
                &Actor::System,
                &NewPrice {
                    per_gram_24k,
                    karats,
                    effective_on: day(1),
                    note,
                },
                now,
            )
        };
        assert!(matches!(
            try_set(0, &none, ""),
            Err(PriceError::NotPositive)
        ));
        assert!(matches!(
            try_set(1_000, &table(24, 900), ""),
            Err(PriceError::BadKarat(24))
        ));
        assert!(matches!(
            try_set(1_000, &table(0, 900), ""),
            Err(PriceError::BadKarat(0))
        ));
        assert!(matches!(
            try_set(1_000, &table(22, 1_001), ""),
            Err(PriceError::BadKaratPrice(22))
        ));
        assert!(matches!(
            try_set(1_000, &none, "two\nlines"),
            Err(PriceError::BadNote)
        ));
        let count: i64 = conn
            .query_row("SELECT COUNT(*) FROM gold_prices", [], |r| r.get(0))
            .unwrap();
        assert_eq!(count, 0);
    }

    #[test]
    fn per_karat_prices_read_as_typed_and_write_back() {
        let t = parse_karats(" 22: 930.000 ; 18K:740000;", 0).unwrap();
        assert_eq!(
            t,
            KaratTable([(22, 930_000), (18, 740_000)].into_iter().collect())
        );
        assert_eq!(karats_text(&t, 0), "22: 930000; 18: 740000");
        assert_eq!(parse_karats("", 0), Some(KaratTable::default()));
        assert_eq!(parse_karats("22 930000", 0), None, "no colon");
        assert_eq!(parse_karats("22: lots", 0), None);
        assert_eq!(parse_karats("22: 1; 22: 2", 0), None, "one karat twice");
        assert_eq!(
            karats_text(&parse_karats("18: 12.50", 2).unwrap(), 2),
            "18: 12.50"
        );
    }

    #[test]
    fn a_price_is_stale_after_the_configured_days() {
        let p = GoldPrice {
            id: GoldPriceId::new(DateTime::from_timestamp(0, 0).unwrap()),
            reference: Reference {
                per_gram_24k: 1,
                karats: KaratTable::default(),
            },
            effective_on: day(1),
            set_by: None,
            note: String::new(),
            created_at: DateTime::from_timestamp(0, 0).unwrap(),
        };
        assert!(!p.is_stale(day(8), 7), "seven days old is still fresh");
        assert!(p.is_stale(day(9), 7));
    }
}
