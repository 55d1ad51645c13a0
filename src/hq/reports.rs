//! Head office's chain reports: outstanding loans by branch and product, collections and
//! redemptions per week, forfeits and disposals per week, complaints by category and SLA, and
//! SMS delivery per branch (issue 18, "Head office as a place to work").
//!
//! Why a projection: a report at a chain's size cannot parse every record's JSON when a page
//! is asked for. The receive path ([`super::receive`]) calls [`project`] for every record it
//! applies, in the batch's transaction, and it keeps one narrow row per counted record
//! (`report_rows`, migrations `V4__chain_reports.sql`); a head office that held records
//! before that table existed back-fills it once at start ([`backfill`]) through the same
//! projection. A report is then one grouped query per table ([`Group`], [`Holding`]) that each
//! store answers in its own SQL (`store::reports_sqlite`, `store::reports_postgres`), and the
//! rules below turn the groups into [`Report`]s: detail lines per branch and key (a week, a
//! product, a category, a message kind), which the pages total for the chain and per branch
//! and the CSV lists as they are.
//!
//! What the branches do not send, these reports cannot say: a complaint's deadlines are not
//! synced (`response_due`, `resolution_due`), so its SLA is the branch's own verdict (its
//! breach pass writes `breached_at`); a batch head office refused is not stored anywhere.

use std::borrow::Cow;
use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};

use super::receive::{self, Fields, Receiving};
use super::store::{Store, StoreError};
use crate::plumbing::i18n::Msg;

/// The record types the reports count.
pub(crate) const REPORTED: &[&str] = &[
    "loans",
    "loan_products",
    "ledger",
    "disposals",
    "disposal_sales",
    "complaints",
    "sms_outbox",
];

/// How many weeks a weekly report shows unless asked, and at most.
pub(crate) const DEFAULT_WEEKS: u32 = 12;
pub(crate) const MAX_WEEKS: u32 = 104;

/// A record's row in `report_rows` (see the migration for what each column holds per type).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ReportRow {
    pub(crate) category: String,
    pub(crate) outcome: String,
    pub(crate) week: String,
    pub(crate) amount: i64,
}

/// The Monday of the week of a date or time as branches write them (`YYYY-MM-DD...`: its
/// first ten characters, the day as the branch wrote it).
pub(crate) fn week_of(text: &str) -> Option<NaiveDate> {
    let day = NaiveDate::parse_from_str(text.get(..10)?, "%Y-%m-%d").ok()?;
    Some(monday(day))
}

fn monday(day: NaiveDate) -> NaiveDate {
    day - Duration::days(i64::from(day.weekday().num_days_from_monday()))
}

fn week_text(text: Option<&str>) -> String {
    text.and_then(week_of)
        .map(|d| d.to_string())
        .unwrap_or_default()
}

fn text(value: &Option<Cow<'_, str>>) -> String {
    value.as_deref().unwrap_or_default().to_owned()
}

/// Keeps the report row of a record `receive` applied (`f`, its columns as `receive` read
/// them), in the caller's transaction; a record type the reports do not count is left alone.
pub(crate) fn project<R: Receiving + ?Sized>(
    store: &mut R,
    branch: &str,
    entity: &str,
    id: &str,
    f: &Fields,
) -> Result<(), StoreError> {
    match row_of(store, branch, entity, f)? {
        Some(row) => store.keep_report_row(branch, entity, id, Some(&row)),
        None => Ok(()),
    }
}

/// The report row of a record of type `entity` (none for a type the reports do not count).
fn row_of<R: Receiving + ?Sized>(
    store: &mut R,
    branch: &str,
    entity: &str,
    f: &Fields,
) -> Result<Option<ReportRow>, StoreError> {
    if !REPORTED.contains(&entity) {
        return Ok(None);
    }
    let row = match entity {
        "loans" => ReportRow {
            category: text(&f.product_id),
            outcome: text(&f.state),
            week: week_text(f.closed_at.as_deref()),
            amount: f.principal.unwrap_or(0),
        },
        "loan_products" => ReportRow {
            category: text(&f.name),
            outcome: String::new(),
            week: String::new(),
            amount: 0,
        },
        "ledger" => ledger_row(store, branch, f)?,
        "disposals" => ReportRow {
            category: String::new(),
            outcome: String::new(),
            week: week_text(f.on_date.as_deref()),
            amount: 0,
        },
        "disposal_sales" => ReportRow {
            category: text(&f.channel),
            outcome: String::new(),
            week: week_text(f.on_date.as_deref()),
            amount: f.price.unwrap_or(0),
        },
        "complaints" => ReportRow {
            category: text(&f.category),
            outcome: sla(f).to_owned(),
            week: week_text(f.opened_at.as_deref()),
            amount: 0,
        },
        _ => ReportRow {
            category: text(&f.kind),
            outcome: sms_outcome(f).to_owned(),
            week: week_text(f.created_at.as_deref()),
            amount: 0,
        },
    };
    Ok(Some(row))
}

/// Removes the report row of a record a branch deleted.
pub(crate) fn forget<R: Receiving + ?Sized>(
    store: &mut R,
    branch: &str,
    entity: &str,
    id: &str,
) -> Result<(), StoreError> {
    if REPORTED.contains(&entity) {
        store.keep_report_row(branch, entity, id, None)?;
    }
    Ok(())
}

/// A ledger row: the kind of money it moved, signed; a reversal counts against the kind of
/// the row it undoes, in its own week.
fn ledger_row<R: Receiving + ?Sized>(
    store: &mut R,
    branch: &str,
    f: &Fields,
) -> Result<ReportRow, StoreError> {
    let amount = f.amount.unwrap_or(0);
    let (category, amount) = match (f.kind.as_deref(), f.reverses.as_deref()) {
        (Some("reversal"), Some(reversed)) => (
            receive::ledger_kind(store, branch, reversed)?.unwrap_or_default(),
            -amount,
        ),
        (kind, _) => (kind.unwrap_or_default().to_owned(), amount),
    };
    Ok(ReportRow {
        category,
        outcome: if amount < 0 { "reversal" } else { "" }.to_owned(),
        week: week_text(f.on_date.as_deref()),
        amount,
    })
}

/// A complaint's SLA as its branch judged it: breached once either clock ran out, met when
/// resolved in time, open otherwise.
fn sla(f: &Fields) -> &'static str {
    if f.breached_at.is_some() || f.response_breached_at.is_some() {
        "breached"
    } else if f.resolved_at.is_some() {
        "met"
    } else {
        "open"
    }
}

/// What became of an SMS: the network's delivery report when it has one, else its state.
fn sms_outcome(f: &Fields) -> &'static str {
    match (f.state.as_deref(), f.delivery.as_deref()) {
        (_, Some("delivered")) => "delivered",
        (_, Some("not_delivered")) => "not_delivered",
        (Some("sent"), _) => "sent",
        (Some("failed" | "expired"), _) => "failed",
        (Some("cancelled"), _) => "cancelled",
        _ => "waiting",
    }
}

/// Where the back-fill is: the last record it projected.
#[derive(Debug, Clone, Default)]
pub(crate) struct RecordKey {
    pub(crate) branch: String,
    pub(crate) entity: String,
    pub(crate) record_id: String,
}

/// What the one-time back-fill needs beyond the receive path's storage.
pub(crate) trait Backfilling: Receiving {
    /// Whether the back-fill is still to do (its row locked until the transaction ends).
    fn backfill_pending(&mut self) -> Result<bool, StoreError>;
    /// Up to `limit` live records of the [`REPORTED`] types after `after`, in key order.
    fn records_after(
        &mut self,
        after: &RecordKey,
        limit: i64,
    ) -> Result<Vec<(RecordKey, String)>, StoreError>;
    /// Writes a record's report row unless it has one: a receiver in another process may
    /// have written a newer one since this transaction read the record.
    fn fill_report_row(
        &mut self,
        branch: &str,
        entity: &str,
        id: &str,
        row: &ReportRow,
    ) -> Result<(), StoreError>;
    /// Marks the back-fill done.
    fn backfill_done(&mut self) -> Result<(), StoreError>;
}

/// Projects every record head office already holds, once (inside the caller's
/// transaction); returns how many it projected.
pub(crate) fn backfill<B: Backfilling + ?Sized>(store: &mut B) -> Result<u64, StoreError> {
    const PAGE: i64 = 1000;
    if !store.backfill_pending()? {
        return Ok(0);
    }
    let mut after = RecordKey::default();
    let mut done = 0;
    loop {
        let page = store.records_after(&after, PAGE)?;
        for (key, data) in &page {
            // What the receive path stored it read, so it reads again here.
            let Ok(f) = serde_json::from_str::<Fields>(data) else {
                continue;
            };
            if let Some(row) = row_of(store, &key.branch, &key.entity, &f)? {
                store.fill_report_row(&key.branch, &key.entity, &key.record_id, &row)?;
                done += 1;
            }
        }
        match page.into_iter().last() {
            Some((key, _)) => after = key,
            None => break,
        }
    }
    store.backfill_done()?;
    Ok(done)
}

/// One group of report rows: how many rows of one type share branch, category, outcome and
/// week, and their amounts' sum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Group {
    pub(crate) branch: String,
    pub(crate) category: String,
    pub(crate) outcome: String,
    pub(crate) week: String,
    pub(crate) count: i64,
    pub(crate) amount: i64,
}

/// Open tickets of one branch and product: how many and the principal they still owe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Holding {
    pub(crate) branch: String,
    /// The product's name at the branch (its id when the branch sent no product record).
    pub(crate) product: String,
    pub(crate) tickets: i64,
    pub(crate) principal: i64,
}

/// The weeks a weekly report shows: `count` weeks up to the one of `now`, oldest first.
pub(crate) fn weeks(now: DateTime<Utc>, count: u32) -> Vec<NaiveDate> {
    let last = monday(now.date_naive());
    (0..i64::from(count.clamp(1, MAX_WEEKS)))
        .rev()
        .map(|back| last - Duration::weeks(back))
        .collect()
}

/// How a report's column is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    Count,
    Money,
    /// Column `part` of column `whole`, in per cent (its own value unused).
    Share {
        part: usize,
        whole: usize,
    },
}

/// The report's kinds, in the order the pages list them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Outstanding,
    Collections,
    Forfeits,
    Complaints,
    Sms,
}

impl Kind {
    pub(crate) const ALL: [Kind; 5] = [
        Kind::Outstanding,
        Kind::Collections,
        Kind::Forfeits,
        Kind::Complaints,
        Kind::Sms,
    ];

    /// The report's name in its URL (`/reports/{slug}`, `/reports/{slug}.csv`).
    pub(crate) fn slug(self) -> &'static str {
        match self {
            Kind::Outstanding => "outstanding",
            Kind::Collections => "collections",
            Kind::Forfeits => "forfeits",
            Kind::Complaints => "complaints",
            Kind::Sms => "sms",
        }
    }

    pub(crate) fn from_slug(slug: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.slug() == slug)
    }

    pub(crate) fn title(self) -> Msg {
        match self {
            Kind::Outstanding => Msg::HqReportOutstanding,
            Kind::Collections => Msg::HqReportCollections,
            Kind::Forfeits => Msg::HqReportForfeits,
            Kind::Complaints => Msg::HqReportComplaints,
            Kind::Sms => Msg::HqReportSms,
        }
    }

    /// Whether the report covers a window of weeks (the outstanding loans are as of now).
    pub(crate) fn weekly(self) -> bool {
        self != Kind::Outstanding
    }
}

/// One line of a report: a branch's values under one key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Line {
    pub(crate) branch: String,
    pub(crate) key: String,
    pub(crate) values: Vec<i64>,
}

/// A report: what its keys are, its value columns, and its lines (every branch and key with
/// something to count, in key order then branch).
#[derive(Debug, Clone)]
pub(crate) struct Report {
    pub(crate) kind: Kind,
    pub(crate) key: Msg,
    pub(crate) columns: Vec<(Msg, Format)>,
    /// The charts of the chain's totals by key: each the columns drawn as its series.
    pub(crate) charts: Vec<Vec<usize>>,
    /// Every key the chain's table lists, in order (all the window's weeks, even empty ones).
    pub(crate) keys: Vec<String>,
    pub(crate) lines: Vec<Line>,
}

impl Report {
    /// The chain's totals under each key, in [`Report::keys`] order.
    pub(crate) fn by_key(&self) -> Vec<(String, Vec<i64>)> {
        let mut totals: BTreeMap<&str, Vec<i64>> = BTreeMap::new();
        for line in &self.lines {
            add(totals.entry(&line.key).or_default(), &line.values);
        }
        self.keys
            .iter()
            .map(|k| {
                let values = totals
                    .get(k.as_str())
                    .cloned()
                    .unwrap_or_else(|| vec![0; self.columns.len()]);
                (k.clone(), values)
            })
            .collect()
    }

    /// Each branch's totals over every key, by branch code.
    pub(crate) fn by_branch(&self) -> Vec<(String, Vec<i64>)> {
        let mut totals: BTreeMap<&str, Vec<i64>> = BTreeMap::new();
        for line in &self.lines {
            add(totals.entry(&line.branch).or_default(), &line.values);
        }
        totals.into_iter().map(|(b, v)| (b.to_owned(), v)).collect()
    }
}

fn add(total: &mut Vec<i64>, values: &[i64]) {
    if total.len() < values.len() {
        total.resize(values.len(), 0);
    }
    for (t, v) in total.iter_mut().zip(values) {
        *t += v;
    }
}

/// Adds `values` to the line of (`branch`, `key`) in `lines`.
fn tally(
    lines: &mut BTreeMap<(String, String), Vec<i64>>,
    width: usize,
    branch: &str,
    key: &str,
    values: &[(usize, i64)],
) {
    let line = lines
        .entry((key.to_owned(), branch.to_owned()))
        .or_insert_with(|| vec![0; width]);
    for (column, value) in values {
        line[*column] += value;
    }
}

fn lines_of(lines: BTreeMap<(String, String), Vec<i64>>) -> Vec<Line> {
    lines
        .into_iter()
        .filter(|(_, values)| values.iter().any(|v| *v != 0))
        .map(|((key, branch), values)| Line {
            branch,
            key,
            values,
        })
        .collect()
}

/// Outstanding loans and principal by branch and product (as of now).
pub(crate) fn outstanding(holdings: &[Holding]) -> Report {
    let mut lines = BTreeMap::new();
    for h in holdings {
        tally(
            &mut lines,
            2,
            &h.branch,
            &h.product,
            &[(0, h.tickets), (1, h.principal)],
        );
    }
    let lines = lines_of(lines);
    Report {
        kind: Kind::Outstanding,
        key: Msg::HqProduct,
        columns: vec![
            (Msg::HqOpenTickets, Format::Count),
            (Msg::HqOutstanding, Format::Money),
        ],
        charts: vec![vec![1]],
        keys: keys_of(&lines),
        lines,
    }
}

/// Ledger kinds that are money a customer paid on a ticket.
const COLLECTED: &[&str] = &["interest", "fee", "principal"];

/// Collections (payments of interest, fees and principal, net of their reversals) and
/// redemptions per week; `ledger` and `loans` are the groups of those types in the window.
pub(crate) fn collections(weeks: &[NaiveDate], ledger: &[Group], loans: &[Group]) -> Report {
    let keys = week_keys(weeks);
    let shown = |g: &&Group| keys.contains(&g.week);
    let mut lines = BTreeMap::new();
    for g in ledger
        .iter()
        .filter(shown)
        .filter(|g| COLLECTED.contains(&g.category.as_str()))
    {
        // A reversal takes its payment back out of the count, too.
        let payments = if g.outcome == "reversal" {
            -g.count
        } else {
            g.count
        };
        tally(
            &mut lines,
            3,
            &g.branch,
            &g.week,
            &[(0, g.amount), (1, payments)],
        );
    }
    for g in loans
        .iter()
        .filter(shown)
        .filter(|g| g.outcome == "redeemed")
    {
        tally(&mut lines, 3, &g.branch, &g.week, &[(2, g.count)]);
    }
    Report {
        kind: Kind::Collections,
        key: Msg::HqWeek,
        columns: vec![
            (Msg::HqCollected, Format::Money),
            (Msg::HqPayments, Format::Count),
            (Msg::HqRedemptions, Format::Count),
        ],
        charts: vec![vec![0], vec![2]],
        keys,
        lines: lines_of(lines),
    }
}

/// Forfeited tickets (by the week they closed), items moved to sale stock, and items sold
/// with their proceeds, per week.
pub(crate) fn forfeits(
    weeks: &[NaiveDate],
    loans: &[Group],
    disposals: &[Group],
    sales: &[Group],
) -> Report {
    let keys = week_keys(weeks);
    let shown = |g: &&Group| keys.contains(&g.week);
    let mut lines = BTreeMap::new();
    for g in loans
        .iter()
        .filter(shown)
        .filter(|g| g.outcome == "forfeited")
    {
        tally(
            &mut lines,
            5,
            &g.branch,
            &g.week,
            &[(0, g.count), (1, g.amount)],
        );
    }
    for g in disposals.iter().filter(shown) {
        tally(&mut lines, 5, &g.branch, &g.week, &[(2, g.count)]);
    }
    for g in sales.iter().filter(shown) {
        tally(
            &mut lines,
            5,
            &g.branch,
            &g.week,
            &[(3, g.count), (4, g.amount)],
        );
    }
    Report {
        kind: Kind::Forfeits,
        key: Msg::HqWeek,
        columns: vec![
            (Msg::HqForfeits, Format::Count),
            (Msg::HqForfeitedPrincipal, Format::Money),
            (Msg::HqMovedToSale, Format::Count),
            (Msg::HqSold, Format::Count),
            (Msg::HqSaleProceeds, Format::Money),
        ],
        charts: vec![vec![0, 2, 3], vec![4]],
        keys,
        lines: lines_of(lines),
    }
}

/// The SLA outcomes, in the order of the complaints report's columns.
const SLA: [&str; 3] = ["met", "breached", "open"];

/// Complaints opened in the window by category and SLA (met, breached, open).
pub(crate) fn complaints(groups: &[Group]) -> Report {
    let mut lines = BTreeMap::new();
    for g in groups {
        if let Some(column) = SLA.iter().position(|s| *s == g.outcome) {
            tally(&mut lines, 3, &g.branch, &g.category, &[(column, g.count)]);
        }
    }
    let lines = lines_of(lines);
    Report {
        kind: Kind::Complaints,
        key: Msg::HqCategory,
        columns: vec![
            (Msg::HqSlaMet, Format::Count),
            (Msg::HqSlaBreached, Format::Count),
            (Msg::HqSlaOpen, Format::Count),
        ],
        charts: vec![vec![0, 1, 2]],
        keys: keys_of(&lines),
        lines,
    }
}

/// SMS queued in the window by message kind: sent (left the modem), delivered (the network
/// said so), failed (not sent, or the network said not delivered), and the share delivered.
pub(crate) fn sms(groups: &[Group]) -> Report {
    let mut lines = BTreeMap::new();
    for g in groups {
        let n = g.count;
        let values: &[(usize, i64)] = match g.outcome.as_str() {
            "delivered" => &[(0, n), (1, n)],
            "not_delivered" => &[(0, n), (2, n)],
            "sent" => &[(0, n)],
            "failed" => &[(2, n)],
            _ => continue,
        };
        tally(&mut lines, 4, &g.branch, &g.category, values);
    }
    let lines = lines_of(lines);
    Report {
        kind: Kind::Sms,
        key: Msg::HqMessageKind,
        columns: vec![
            (Msg::HqSmsSent, Format::Count),
            (Msg::HqSmsDelivered, Format::Count),
            (Msg::HqSmsFailed, Format::Count),
            (Msg::HqSmsShare, Format::Share { part: 1, whole: 0 }),
        ],
        charts: vec![vec![0, 1, 2]],
        keys: keys_of(&lines),
        lines,
    }
}

/// Report `kind` over `weeks` weeks up to `now`'s, of one branch or (`None`) every branch.
pub(crate) fn report(
    store: &Store,
    kind: Kind,
    now: DateTime<Utc>,
    weeks_shown: u32,
    branch: Option<&str>,
) -> Result<Report, StoreError> {
    let weeks = weeks(now, weeks_shown);
    let from = weeks.first().map(NaiveDate::to_string).unwrap_or_default();
    let groups = |entity: &str| store.report_groups(entity, &from, branch);
    Ok(match kind {
        Kind::Outstanding => outstanding(&store.holdings(branch)?),
        Kind::Collections => collections(&weeks, &groups("ledger")?, &groups("loans")?),
        Kind::Forfeits => forfeits(
            &weeks,
            &groups("loans")?,
            &groups("disposals")?,
            &groups("disposal_sales")?,
        ),
        Kind::Complaints => complaints(&groups("complaints")?),
        Kind::Sms => sms(&groups("sms_outbox")?),
    })
}

/// The keys of `lines` (in key order already), each once.
fn keys_of(lines: &[Line]) -> Vec<String> {
    let mut keys: Vec<String> = lines.iter().map(|l| l.key.clone()).collect();
    keys.dedup();
    keys
}

fn week_keys(weeks: &[NaiveDate]) -> Vec<String> {
    weeks.iter().map(NaiveDate::to_string).collect()
}

/// A share in per cent with one decimal (`None` when there is nothing to share).
pub(crate) fn per_cent(part: i64, whole: i64) -> Option<String> {
    (whole > 0).then(|| {
        let tenths = (part * 1000 + whole / 2) / whole;
        format!("{}.{}%", tenths / 10, tenths % 10)
    })
}

#[cfg(test)]
#[path = "reports_tests.rs"]
mod tests;
