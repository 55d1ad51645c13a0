//! Reference data from head office, both sides of it: the set head office decides for every
//! branch (loan products and their terms, the gold reference price, reminder texts, holidays,
//! the chain-wide watch list, whether branches may keep their own products), its checks, the
//! wire format of a published version, and how a branch applies one.
//!
//! A branch applies a version in one transaction: every part is checked just before it is
//! written, and a part that fails leaves nothing of the version applied. A version the branch
//! already holds, or an older one, changes nothing. Once applied it is in the branch's own
//! tables, so the branch works with it offline: products in `loan_products` (with their head
//! office code), the price as a new row of the gold price history, the texts in
//! `reminder_templates`, the holidays in `holidays` (marked as head office's), the watch list
//! in `watch_list`.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::audit::{self, Actor, Change};
use crate::gold::appraisal::KaratTable;
use crate::gold::prices::{self, NewPrice, PriceError};
use crate::loans::products;
use crate::loans::terms::Terms;
use crate::plumbing::config::Config;
use crate::plumbing::i18n::{Lang, Msg};
use crate::reminders::{self, Event, TemplateError};

/// Where a branch asks head office for the latest version (`?have=N`: 304 when it is N).
pub(crate) const PATH: &str = "/api/v1/reference";
/// Where a branch says which version it has applied.
pub(crate) const ACK_PATH: &str = "/api/v1/reference/ack";

/// The longest head office code of a product.
pub(crate) const MAX_CODE_CHARS: usize = 20;
/// The longest watched ID or serial number (after normalising).
pub(crate) const MAX_WATCHED_CHARS: usize = 64;
/// The longest reason on the watch list.
pub(crate) const MAX_REASON_CHARS: usize = 200;

/// What head office decides for every branch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct ReferenceSet {
    /// Whether a branch may keep products of its own beside head office's.
    pub(crate) branch_products_allowed: bool,
    #[serde(default)]
    pub(crate) products: Vec<HqProduct>,
    #[serde(default)]
    pub(crate) gold: Option<GoldReference>,
    #[serde(default)]
    pub(crate) reminder_texts: Vec<ReminderText>,
    #[serde(default)]
    pub(crate) holidays: Vec<HqHoliday>,
    #[serde(default)]
    pub(crate) watch_list: Vec<Watched>,
}

impl Default for ReferenceSet {
    fn default() -> Self {
        ReferenceSet {
            branch_products_allowed: true,
            products: Vec::new(),
            gold: None,
            reminder_texts: Vec::new(),
            holidays: Vec::new(),
            watch_list: Vec::new(),
        }
    }
}

/// A product head office offers at every branch, named by its code across versions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct HqProduct {
    pub(crate) code: String,
    pub(crate) active: bool,
    pub(crate) terms: Terms,
}

/// The gold reference price: a gram of 24K and the karats priced on their own (minor units).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct GoldReference {
    pub(crate) per_gram_24k: i64,
    #[serde(default)]
    pub(crate) karats: KaratTable,
}

/// The text of a reminder event in a language (codes as in `reminder_templates`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct ReminderText {
    pub(crate) event: String,
    pub(crate) lang: String,
    pub(crate) body: String,
}

/// A holiday for every branch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct HqHoliday {
    pub(crate) on: NaiveDate,
    pub(crate) name: String,
}

/// What a watch-list entry names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum WatchKind {
    /// A customer's ID number.
    IdNumber,
    /// An item's serial number.
    Serial,
}

impl WatchKind {
    /// The code in the database and the forms.
    pub(crate) fn code(self) -> &'static str {
        match self {
            WatchKind::IdNumber => "id_number",
            WatchKind::Serial => "serial",
        }
    }

    pub(crate) fn from_code(code: &str) -> Option<WatchKind> {
        [WatchKind::IdNumber, WatchKind::Serial]
            .into_iter()
            .find(|k| k.code() == code)
    }

    /// The kind for people.
    pub(crate) fn label(self) -> Msg {
        match self {
            WatchKind::IdNumber => Msg::IdNumber,
            WatchKind::Serial => Msg::RefSerialNumber,
        }
    }
}

/// An ID number or serial number reported stolen or fraudulent, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Watched {
    pub(crate) kind: WatchKind,
    /// Normalised: see [`normalise`].
    pub(crate) value: String,
    pub(crate) reason: String,
}

/// A published version as head office sends it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Published {
    pub(crate) version: i64,
    pub(crate) published_at: DateTime<Utc>,
    pub(crate) set: ReferenceSet,
}

/// A branch's acknowledgement of a version it applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Ack {
    pub(crate) version: i64,
}

/// Why a set is refused (at head office when edited or published, at a branch when applied).
#[derive(Debug, thiserror::Error)]
pub(crate) enum RefError {
    #[error("product code {0:?} must be 1 to {MAX_CODE_CHARS} letters, digits or dashes")]
    BadProductCode(String),
    #[error("product code {0} is used twice")]
    DuplicateProduct(String),
    #[error("product {code}: these terms are out of range: {fields:?}")]
    BadTerms {
        code: String,
        fields: Vec<&'static str>,
    },
    #[error("gold price: {0}")]
    Gold(PriceError),
    #[error("reminder text {event}/{lang}: no such event or language")]
    BadReminder { event: String, lang: String },
    #[error("reminder text {event}/{lang}: {error:?}")]
    Template {
        event: String,
        lang: String,
        error: TemplateError,
    },
    #[error("holiday {0}: the name is empty, too long or has a line break")]
    BadHoliday(NaiveDate),
    #[error("holiday {0} is listed twice")]
    DuplicateHoliday(NaiveDate),
    #[error("watch list entry {0:?}: the number is empty or too long, or the reason is")]
    BadWatched(String),
    #[error("database: {0}")]
    Db(#[from] rusqlite::Error),
}

impl RefError {
    /// The refusal for people.
    pub(crate) fn message(&self, lang: Lang) -> String {
        let msg = match self {
            RefError::Template { error, .. } => return error.message(lang),
            RefError::Gold(PriceError::NotPositive) => Msg::PriceInvalid,
            RefError::Gold(PriceError::BadNote) => Msg::PriceNoteInvalid,
            RefError::Gold(_) => Msg::KaratPricesInvalid,
            RefError::BadProductCode(_) => Msg::RefBadProductCode,
            RefError::DuplicateProduct(_) => Msg::RefDuplicateProduct,
            RefError::BadTerms { .. } => Msg::ProductInvalid,
            RefError::BadReminder { .. } => Msg::RefBadReminder,
            RefError::BadHoliday(_) | RefError::DuplicateHoliday(_) => Msg::RefBadHoliday,
            RefError::BadWatched(_) => Msg::RefBadWatched,
            RefError::Db(_) => Msg::ErrInternalBody,
        };
        lang.t(msg).to_owned()
    }
}

/// An ID or serial number as the watch list compares them: letters and digits only, upper case.
pub(crate) fn normalise(number: &str) -> String {
    number
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// Text a person typed: not empty, at most `max` characters, no line break.
fn one_line(text: &str, max: usize) -> bool {
    let text = text.trim();
    !text.is_empty() && text.chars().count() <= max && !text.chars().any(char::is_control)
}

/// Checks the products: codes well formed and unique, terms in the products page's ranges.
pub(crate) fn check_products(products: &[HqProduct]) -> Result<(), RefError> {
    let mut seen = BTreeSet::new();
    for p in products {
        let code_ok = !p.code.is_empty()
            && p.code.chars().count() <= MAX_CODE_CHARS
            && p.code
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-');
        if !code_ok {
            return Err(RefError::BadProductCode(p.code.clone()));
        }
        if !seen.insert(p.code.as_str()) {
            return Err(RefError::DuplicateProduct(p.code.clone()));
        }
        let fields = p.terms.out_of_range();
        if !fields.is_empty() {
            return Err(RefError::BadTerms {
                code: p.code.clone(),
                fields,
            });
        }
    }
    Ok(())
}

/// Checks the gold price as the branch's Gold price page does.
pub(crate) fn check_gold(gold: Option<&GoldReference>) -> Result<(), RefError> {
    let Some(gold) = gold else { return Ok(()) };
    prices::check(&NewPrice {
        per_gram_24k: gold.per_gram_24k,
        karats: &gold.karats,
        effective_on: NaiveDate::MIN,
        note: "",
    })
    .map_err(RefError::Gold)
}

/// The event and language of a reminder text, if both exist.
fn reminder_of(text: &ReminderText) -> Result<(Event, Lang), RefError> {
    let event = Event::ALL.into_iter().find(|e| e.code() == text.event);
    match (event, Lang::from_code(&text.lang)) {
        (Some(event), Some(lang)) => Ok((event, lang)),
        _ => Err(RefError::BadReminder {
            event: text.event.clone(),
            lang: text.lang.clone(),
        }),
    }
}

/// Checks the reminder texts as the branch's Reminders page does.
pub(crate) fn check_reminders(texts: &[ReminderText]) -> Result<(), RefError> {
    for text in texts {
        reminder_of(text)?;
        reminders::check_template(&text.body).map_err(|error| RefError::Template {
            event: text.event.clone(),
            lang: text.lang.clone(),
            error,
        })?;
    }
    Ok(())
}

/// Checks the holidays: a name each, as the branch's Holidays page wants, and no day twice.
pub(crate) fn check_holidays(holidays: &[HqHoliday]) -> Result<(), RefError> {
    let mut seen = BTreeSet::new();
    for h in holidays {
        if !one_line(&h.name, crate::holidays::MAX_NAME_CHARS) {
            return Err(RefError::BadHoliday(h.on));
        }
        if !seen.insert(h.on) {
            return Err(RefError::DuplicateHoliday(h.on));
        }
    }
    Ok(())
}

/// Checks the watch list: each number normalised and not too long, each with a reason.
pub(crate) fn check_watch_list(list: &[Watched]) -> Result<(), RefError> {
    for w in list {
        let number_ok = !w.value.is_empty()
            && w.value.len() <= MAX_WATCHED_CHARS
            && normalise(&w.value) == w.value;
        if !number_ok || !one_line(&w.reason, MAX_REASON_CHARS) {
            return Err(RefError::BadWatched(w.value.clone()));
        }
    }
    Ok(())
}

/// Checks a whole set (head office before it stores a draft or publishes it).
pub(crate) fn check(set: &ReferenceSet) -> Result<(), RefError> {
    check_products(&set.products)?;
    check_gold(set.gold.as_ref())?;
    check_reminders(&set.reminder_texts)?;
    check_holidays(&set.holidays)?;
    check_watch_list(&set.watch_list)
}

/// The version this branch holds, as its Sync page shows it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Held {
    /// 0 when none was received.
    pub(crate) version: i64,
    pub(crate) published_at: Option<DateTime<Utc>>,
    pub(crate) received_at: Option<DateTime<Utc>>,
    pub(crate) acked_at: Option<DateTime<Utc>>,
    pub(crate) branch_products_allowed: bool,
    pub(crate) last_checked_at: Option<DateTime<Utc>>,
    pub(crate) last_error: Option<String>,
    pub(crate) watched: i64,
}

/// The version this branch holds.
pub(crate) fn held(conn: &Connection) -> rusqlite::Result<Held> {
    conn.prepare_cached(
        "SELECT version, published_at, received_at, acked_at, branch_products_allowed, last_checked_at, \
         last_error, (SELECT COUNT(*) FROM watch_list) FROM reference_state WHERE id = 1",
    )?
    .query_row(
        [],
        |r| {
            Ok(Held {
                version: r.get(0)?,
                published_at: r.get(1)?,
                received_at: r.get(2)?,
                acked_at: r.get(3)?,
                branch_products_allowed: r.get(4)?,
                last_checked_at: r.get(5)?,
                last_error: r.get(6)?,
                watched: r.get(7)?,
            })
        },
    )
}

/// Whether head office lets this branch keep products of its own (yes until it says).
pub(crate) fn branch_products_allowed(conn: &Connection) -> rusqlite::Result<bool> {
    conn.prepare_cached("SELECT branch_products_allowed FROM reference_state WHERE id = 1")?
        .query_row([], |r| r.get(0))
}

/// What must follow a change of the holidays in the same transaction: the complaint
/// deadlines, counted in working days, are worked out again. The caller gives it
/// (`complaints::due::refresh_unresolved`), so that sync does not depend on complaints.
pub(crate) type AfterHolidays = fn(&Transaction, &Config) -> rusqlite::Result<usize>;

/// Whether head office sets the gold price (the branch's Gold price page then only shows it).
pub(crate) fn gold_from_head_office(conn: &Connection) -> rusqlite::Result<bool> {
    conn.prepare_cached("SELECT gold_from_head_office FROM reference_state WHERE id = 1")?
        .query_row([], |r| r.get(0))
}

/// What applying a version did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Applied {
    /// The version is now the branch's.
    Now(i64),
    /// The branch already held this version or a later one (`held`): nothing changed.
    AlreadyHeld { held: i64 },
}

/// Applies `published` in the caller's transaction (Immediate): nothing when the branch holds
/// it or a later one; otherwise each part, checked just before it is written, then the new
/// version, audited. An `Err` means the caller must drop the transaction: nothing is applied.
pub(crate) fn apply(
    tx: &Transaction,
    published: &Published,
    config: &Config,
    after_holidays: AfterHolidays,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Applied, RefError> {
    let held = held(tx)?.version;
    if published.version <= held {
        return Ok(Applied::AlreadyHeld { held });
    }
    let set = &published.set;
    apply_products(tx, set, now)?;
    apply_gold(tx, published, config.language(), today, now)?;
    apply_reminders(tx, &set.reminder_texts, now)?;
    apply_holidays(tx, &set.holidays, now)?;
    after_holidays(tx, config)?;
    apply_watch_list(tx, &set.watch_list)?;
    tx.execute(
        "UPDATE reference_state SET version = ?1, published_at = ?2, received_at = ?3, acked_at = NULL, \
         branch_products_allowed = ?4, gold_from_head_office = ?5, last_error = NULL WHERE id = 1",
        params![
            published.version,
            published.published_at,
            now,
            set.branch_products_allowed,
            set.gold.is_some()
        ],
    )?;
    let change = Change {
        action: "reference.apply",
        entity: "reference_data",
        entity_id: &published.version.to_string(),
        before: Some(json!({ "version": held })),
        after: Some(json!({
            "version": published.version,
            "products": set.products.len(),
            "gold": set.gold.as_ref().map(|g| g.per_gram_24k),
            "reminder_texts": set.reminder_texts.len(),
            "holidays": set.holidays.len(),
            "watch_list": set.watch_list.len(),
            "branch_products_allowed": set.branch_products_allowed,
        })),
    };
    audit::record(tx, &Actor::System, &change, now)?;
    Ok(Applied::Now(published.version))
}

/// Head office's products: each written under its code (terms replaced; tickets keep their
/// own copy), those it no longer sends switched off, and the branch's own switched off when
/// head office does not allow them.
fn apply_products(
    tx: &Transaction,
    set: &ReferenceSet,
    now: DateTime<Utc>,
) -> Result<(), RefError> {
    check_products(&set.products)?;
    for p in &set.products {
        let id = match products::by_hq_code(tx, &p.code)? {
            Some(id) => {
                products::update(tx, &id, &p.terms, now)?;
                id
            }
            None => {
                let id = products::insert(tx, &p.terms, now)?;
                products::set_hq_code(tx, &id, &p.code)?;
                id
            }
        };
        products::set_active(tx, &id, p.active, now)?;
    }
    let sent: Vec<&str> = set.products.iter().map(|p| p.code.as_str()).collect();
    products::retire_from_head_office(tx, &sent, !set.branch_products_allowed, now)?;
    Ok(())
}

/// The gold price, as a new row of the price history from today when it differs from the
/// price in force.
fn apply_gold(
    tx: &Transaction,
    published: &Published,
    lang: Lang,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<(), RefError> {
    let Some(gold) = &published.set.gold else {
        return Ok(());
    };
    let current = prices::current(tx, today)?;
    if current.is_some_and(|c| {
        c.reference.per_gram_24k == gold.per_gram_24k && c.reference.karats == gold.karats
    }) {
        return Ok(());
    }
    let note = lang.fill(
        Msg::RefGoldNote,
        &[("version", &published.version.to_string())],
    );
    let new = NewPrice {
        per_gram_24k: gold.per_gram_24k,
        karats: &gold.karats,
        effective_on: today,
        note: &note,
    };
    match prices::set(tx, &Actor::System, &new, now) {
        Ok(_) => Ok(()),
        Err(PriceError::Db(e)) => Err(e.into()),
        Err(e) => Err(RefError::Gold(e)),
    }
}

/// The reminder texts head office sends replace the branch's; the others stay.
fn apply_reminders(
    tx: &Transaction,
    texts: &[ReminderText],
    now: DateTime<Utc>,
) -> Result<(), RefError> {
    check_reminders(texts)?;
    for text in texts {
        let (event, lang) = reminder_of(text)?;
        reminders::save_template(tx, &Actor::System, event, lang, &text.body, now)?;
    }
    Ok(())
}

/// Head office's holidays replace the ones it sent before (a day the branch listed itself
/// becomes head office's); the caller's [`AfterHolidays`] follows.
fn apply_holidays(
    tx: &Transaction,
    holidays: &[HqHoliday],
    now: DateTime<Utc>,
) -> Result<(), RefError> {
    check_holidays(holidays)?;
    tx.execute("DELETE FROM holidays WHERE from_head_office = 1", [])?;
    for h in holidays {
        tx.prepare_cached(
            "INSERT INTO holidays (on_date, name, added_by, added_at, from_head_office) VALUES (?1, ?2, NULL, ?3, 1) \
             ON CONFLICT (on_date) DO UPDATE SET name = excluded.name, from_head_office = 1",
        )?
        .execute(params![h.on, h.name.trim(), now])?;
    }
    Ok(())
}

/// The watch list, replaced as a whole.
fn apply_watch_list(tx: &Transaction, list: &[Watched]) -> Result<(), RefError> {
    check_watch_list(list)?;
    tx.execute("DELETE FROM watch_list", [])?;
    for w in list {
        tx.prepare_cached(
            "INSERT INTO watch_list (kind, value, reason) VALUES (?1, ?2, ?3) ON CONFLICT (kind, value) DO NOTHING",
        )?
        .execute(params![w.kind.code(), w.value, w.reason.trim()])?;
    }
    Ok(())
}

/// Records that head office has heard the branch applied `version`.
pub(crate) fn acknowledged(
    conn: &Connection,
    version: i64,
    now: DateTime<Utc>,
) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE reference_state SET acked_at = ?2 WHERE id = 1 AND version = ?1",
        params![version, now],
    )?;
    Ok(())
}

/// Records a contact with head office about reference data: `error` is why it failed, if it did.
pub(crate) fn checked(
    conn: &Connection,
    error: Option<&str>,
    now: DateTime<Utc>,
) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE reference_state SET last_checked_at = ?1, last_error = ?2 WHERE id = 1",
        params![now, error],
    )?;
    Ok(())
}

/// An entry of the watch list a ticket is written against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Hit {
    pub(crate) kind: WatchKind,
    pub(crate) value: String,
    pub(crate) reason: String,
}

/// The watch-list entries matching a customer's ID number or an item's marks (a serial number
/// is matched as any word of the marks, normalised, as two words together, "SN 12345", or as
/// all of them together).
pub(crate) fn hits(
    conn: &Connection,
    id_number: Option<&str>,
    marks: &[&str],
) -> rusqlite::Result<Vec<Hit>> {
    let mut wanted: Vec<(WatchKind, String)> = Vec::new();
    if let Some(id) = id_number.map(normalise).filter(|n| !n.is_empty()) {
        wanted.push((WatchKind::IdNumber, id));
    }
    for m in marks {
        let words: Vec<String> = m
            .split(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | ':' | '/'))
            .map(normalise)
            .filter(|w| !w.is_empty())
            .collect();
        let pairs = words.windows(2).map(|w| format!("{}{}", w[0], w[1]));
        let candidates: Vec<String> = words.iter().cloned().chain(pairs).collect();
        for n in candidates.into_iter().chain([normalise(m)]) {
            wanted.push((WatchKind::Serial, n));
        }
    }
    wanted.sort();
    wanted.dedup();
    let mut stmt =
        conn.prepare_cached("SELECT reason FROM watch_list WHERE kind = ?1 AND value = ?2")?;
    let mut found = Vec::new();
    for (kind, value) in wanted {
        if let Some(reason) = stmt
            .query_row(params![kind.code(), value], |r| r.get::<_, String>(0))
            .optional()?
        {
            found.push(Hit {
                kind,
                value,
                reason,
            });
        }
    }
    Ok(found)
}

#[cfg(test)]
#[path = "reference_tests.rs"]
mod tests;
