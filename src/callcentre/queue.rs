//! The "Customer Follow-Up" queue: the customers a call agent should ring, one row each: those
//! with an overdue ticket, a ticket due within [`DUE_SOON_DAYS`], a promise to pay due today,
//! a broken promise nobody has followed up since it broke (those first, by default), or a new
//! application waiting for information approval (`super::approval`).
//! Searchable by name, phone or ticket number, filtered by reason, sorted by days overdue,
//! amount overdue, last contact or promise state, paged; each row names the agent assigned.
//!
//! Who follows a customer up is [`assign`]ed by a manager or [`take`]n by an agent (only an
//! unassigned customer, or one already theirs), audited.
//!
//! The amount overdue is the balance of the overdue tickets' receivables in the ledger (what
//! the charges pass has posted, kept per ticket in `loan_receivables`), so the queue's rows are one query ([`candidates`]), not a
//! calculation per ticket; filtering, sorting and paging them ([`pick`]) is done in memory,
//! so the pages can keep the rows while [`generation`] stays the same.

use std::collections::HashSet;
use std::sync::{Arc, OnceLock};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use rusqlite::{Connection, params};

use super::duties::{self, Duty};
use super::queue_search::{Entry, SearchIndex};
use crate::plumbing::ids::{CustomerId, StaffId};
use crate::plumbing::phone::E164;
use crate::roles::{Permission, StaffUser};

/// A ticket maturing within this many days puts its customer in the queue.
pub(crate) const DUE_SOON_DAYS: i64 = 7;
/// Rows per page.
pub(crate) const PAGE_SIZE: u32 = 25;

/// Why a customer is in the queue (the filter).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reason {
    Overdue,
    DueSoon,
    PromiseToday,
    BrokenPromise,
    /// A new application waiting for information approval (`super::approval`).
    NewApplication,
}

impl Reason {
    pub(crate) const ALL: [Reason; 5] = [
        Reason::Overdue,
        Reason::DueSoon,
        Reason::PromiseToday,
        Reason::BrokenPromise,
        Reason::NewApplication,
    ];

    /// The code in the query string.
    pub(crate) fn code(self) -> &'static str {
        match self {
            Reason::Overdue => "overdue",
            Reason::DueSoon => "due_soon",
            Reason::PromiseToday => "promise_today",
            Reason::BrokenPromise => "broken",
            Reason::NewApplication => "new_application",
        }
    }

    pub(crate) fn from_code(code: &str) -> Option<Reason> {
        Reason::ALL.into_iter().find(|r| r.code() == code)
    }

    /// Whether a row is in the queue for this reason.
    fn holds(self, row: &Row) -> bool {
        match self {
            Reason::Overdue => row.days_overdue > 0,
            Reason::DueSoon => row.days_overdue == 0 && row.next_due.is_some(),
            Reason::PromiseToday => row.promise == PromiseState::DueToday,
            Reason::BrokenPromise => row.promise == PromiseState::Broken,
            Reason::NewApplication => row.new_application,
        }
    }
}

/// The order of the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sort {
    /// Broken promises, then promises due today, then most days overdue.
    Priority,
    DaysOverdue,
    AmountOverdue,
    /// Longest since the last contact (never contacted first).
    LastContact,
    PromiseState,
}

impl Sort {
    pub(crate) const ALL: [Sort; 5] = [
        Sort::Priority,
        Sort::DaysOverdue,
        Sort::AmountOverdue,
        Sort::LastContact,
        Sort::PromiseState,
    ];

    /// The code in the query string.
    pub(crate) fn code(self) -> &'static str {
        match self {
            Sort::Priority => "priority",
            Sort::DaysOverdue => "days",
            Sort::AmountOverdue => "amount",
            Sort::LastContact => "contact",
            Sort::PromiseState => "promise",
        }
    }

    pub(crate) fn from_code(code: &str) -> Option<Sort> {
        Sort::ALL.into_iter().find(|s| s.code() == code)
    }

    /// The order of two rows: the sort's keys, then the customer's id, so that pages never
    /// overlap.
    fn compare(self, a: &Row, b: &Row) -> std::cmp::Ordering {
        let urgent = |r: &Row| matches!(r.promise, PromiseState::DueToday | PromiseState::Broken);
        let days = b.days_overdue.cmp(&a.days_overdue);
        let amount = b.amount_overdue.cmp(&a.amount_overdue);
        let by = match self {
            Sort::Priority => urgent(b)
                .cmp(&urgent(a))
                .then(b.promise.cmp(&a.promise))
                .then(days)
                .then(amount),
            Sort::DaysOverdue => days.then(amount),
            Sort::AmountOverdue => amount.then(days),
            // Never contacted first, then the longest since.
            Sort::LastContact => (a.last_contact.is_some(), a.last_contact)
                .cmp(&(b.last_contact.is_some(), b.last_contact))
                .then(days),
            Sort::PromiseState => b.promise.cmp(&a.promise).then(days),
        };
        by.then_with(|| a.customer.cmp(&b.customer))
    }
}

/// A customer's promise state as the queue shows it, least pressing first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum PromiseState {
    None,
    Active,
    DueToday,
    /// Broken and not followed up since.
    Broken,
}

impl PromiseState {
    fn from_rank(rank: i64) -> PromiseState {
        match rank {
            3 => PromiseState::Broken,
            2 => PromiseState::DueToday,
            1 => PromiseState::Active,
            _ => PromiseState::None,
        }
    }
}

/// What the agent asked for.
#[derive(Debug, Clone)]
pub(crate) struct Query<'a> {
    /// A name (part), phone number (part) or ticket number; empty for all.
    pub(crate) search: &'a str,
    pub(crate) reason: Option<Reason>,
    pub(crate) sort: Sort,
    /// Only the customers assigned to this agent.
    pub(crate) assigned_to: Option<&'a StaffId>,
    /// From 1.
    pub(crate) page: u32,
}

/// One customer in the queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Row {
    pub(crate) customer: CustomerId,
    pub(crate) name: String,
    pub(crate) phone: E164,
    pub(crate) do_not_text: bool,
    /// Marked "do not contact" (`super::do_not_contact`).
    pub(crate) do_not_contact: bool,
    /// A new application waiting for information approval.
    pub(crate) new_application: bool,
    /// The customer has an unresolved billing (collections) complaint (seed 003, category A):
    /// the agent calls knowing it.
    pub(crate) open_complaint: bool,
    pub(crate) days_overdue: i64,
    pub(crate) amount_overdue: i64,
    pub(crate) next_due: Option<NaiveDate>,
    pub(crate) tickets: String,
    pub(crate) last_contact: Option<DateTime<Utc>>,
    pub(crate) promise: PromiseState,
    pub(crate) agent: Option<(StaffId, String)>,
}

/// A page of the queue.
#[derive(Debug, Clone)]
pub(crate) struct Page {
    pub(crate) rows: Vec<Row>,
    /// Rows matching, on every page.
    pub(crate) total: u32,
}

/// The queue's rows, before filtering, sorting and paging. ?1 today, ?2 the last day "due
/// soon" reaches, ?3 the first registration day a new application may have; `{only…}` are
/// empty for every customer, or (with [`queue_sql`]) keep only the customers of the JSON
/// array ?4 (the ones a write touched). The tickets, last contacts and promises are gathered once each
/// (MATERIALIZED: SQLite would otherwise run them again for every row that joins them). The
/// tickets are read from the covering index `loans_open_queue` (named: the planner otherwise
/// walks every open ticket by customer to skip a sort, 2-3 times slower at 100,000) and each
/// one's receivable from `loan_receivables`, the balance a trigger keeps per ticket as its
/// postings are written (V30), not summed from the postings at every read. A ticket whose
/// payout failed and waits to be made again is neither overdue nor due soon (the customer
/// never got the money): `{paid_out}` is [`crate::loans::today::PAID_OUT`].
const QUEUE: &str = "
WITH tix AS MATERIALIZED (
    SELECT l.customer_id,
           MAX(CASE WHEN l.matures_on < ?1
                    THEN CAST(julianday(?1) - julianday(l.matures_on) AS INTEGER) ELSE 0 END) AS days_overdue,
           SUM(CASE WHEN l.matures_on < ?1 THEN COALESCE(r.balance, 0) ELSE 0 END) AS amount_overdue,
           MIN(l.matures_on) AS next_due,
           group_concat(l.ticket_no, ' ') AS tickets
    FROM loans l {index}
    LEFT JOIN loan_receivables r ON r.loan_id = l.id
    WHERE l.state IN ('active', 'due', 'grace', 'notice') AND l.matures_on <= ?2 AND {paid_out} {only_l}
    GROUP BY l.customer_id
),
contact AS MATERIALIZED (
    SELECT customer_id, MAX(at) AS last_contact FROM followup_notes WHERE 1 {only} GROUP BY customer_id
),
prom AS MATERIALIZED (
    SELECT customer_id,
           MAX(CASE WHEN state = 'broken' THEN settled_at END) AS broken_at,
           MAX(state = 'active' AND promised_on = ?1) AS due_today,
           MAX(state = 'active') AS active
    FROM promises_to_pay WHERE state IN ('active', 'broken') {only}
    GROUP BY customer_id
),
apps AS MATERIALIZED (
    SELECT id AS customer_id FROM customers
    WHERE info_approved_at IS NULL AND merged_into IS NULL AND created_at >= ?3 {only_id}
    UNION
    SELECT c.id FROM loans l JOIN customers c ON c.id = l.customer_id
    WHERE l.state = 'origination' AND c.info_approved_at IS NULL AND c.merged_into IS NULL {only_l}
),
ids AS MATERIALIZED (
    SELECT customer_id FROM tix
    UNION SELECT customer_id FROM prom WHERE due_today OR broken_at IS NOT NULL
    UNION SELECT customer_id FROM apps
),
rows AS (
    SELECT c.id, c.full_name, c.phone, c.do_not_text,
           c.do_not_contact_reason IS NOT NULL AS do_not_contact, ap.customer_id IS NOT NULL AS new_application,
           COALESCE(t.days_overdue, 0) AS days_overdue, COALESCE(t.amount_overdue, 0) AS amount_overdue,
           t.next_due, COALESCE(t.tickets, '') AS tickets,
           lc.last_contact,
           EXISTS (SELECT 1 FROM complaints k WHERE k.customer_id = c.id AND k.category = 'billing'
                     AND k.state NOT IN ('resolved', 'closed')) AS open_complaint,
           pr.broken_at, pr.due_today, pr.active,
           a.staff_id, s.full_name AS agent
    FROM ids JOIN customers c ON c.id = ids.customer_id
    LEFT JOIN tix t ON t.customer_id = c.id
    LEFT JOIN prom pr ON pr.customer_id = c.id
    LEFT JOIN contact lc ON lc.customer_id = c.id
    LEFT JOIN apps ap ON ap.customer_id = c.id
    LEFT JOIN callcentre_assignments a ON a.customer_id = c.id
    LEFT JOIN staff s ON s.id = a.staff_id
    WHERE c.merged_into IS NULL
),
ranked AS (
    SELECT *,
           CASE WHEN broken_at IS NOT NULL AND broken_at > COALESCE(last_contact, '') THEN 3
                WHEN due_today THEN 2 WHEN active THEN 1 ELSE 0 END AS promise
    FROM rows
)
SELECT id, full_name, phone, do_not_text, days_overdue, amount_overdue, next_due, tickets,
       last_contact, promise, staff_id, agent, open_complaint, do_not_contact, new_application
FROM ranked
WHERE promise IN (2, 3) OR days_overdue > 0 OR next_due IS NOT NULL OR new_application";

/// [`QUEUE`] for every customer (`some` false) or for the customers of ?4 only. For all, the
/// tickets come from the covering index; for a few, by customer (`loans_customer`).
fn queue_sql(some: bool) -> &'static str {
    static SQL: [OnceLock<String>; 2] = [OnceLock::new(), OnceLock::new()];
    SQL[usize::from(some)].get_or_init(|| {
        let only = |column: &str| {
            if some {
                format!("AND {column} IN (SELECT value FROM json_each(?4))")
            } else {
                String::new()
            }
        };
        QUEUE
            .replace(
                "{index}",
                if some {
                    "INDEXED BY loans_customer"
                } else {
                    "INDEXED BY loans_open_queue"
                },
            )
            .replace("{paid_out}", crate::loans::today::PAID_OUT)
            .replace("{only_l}", &only("l.customer_id"))
            .replace("{only_id}", &only("id"))
            .replace("{only}", &only("customer_id"))
    })
}

/// Every customer in the queue on `today`, in no order: what [`pick`] filters, sorts and pages
/// (and what a cache may keep while the data it reads does not change).
pub(crate) fn candidates(conn: &Connection, today: NaiveDate) -> rusqlite::Result<Vec<Row>> {
    let (day, soon, since) = days(today);
    read_rows(conn, queue_sql(false), params![day, soon, since])
}

/// The rows of `customers` only (those of them in the queue on `today`), as [`candidates`]
/// reads them: what a write to those customers changes in the kept rows ([`Rows::updated`]).
pub(crate) fn candidates_of(
    conn: &Connection,
    today: NaiveDate,
    customers: &HashSet<CustomerId>,
) -> rusqlite::Result<Vec<Row>> {
    if customers.is_empty() {
        return Ok(Vec::new());
    }
    let ids = serde_json::Value::from(
        customers
            .iter()
            .map(|c| c.as_str().to_owned())
            .collect::<Vec<_>>(),
    )
    .to_string();
    let (day, soon, since) = days(today);
    read_rows(conn, queue_sql(true), params![day, soon, since, ids])
}

/// Today, the last day "due soon" reaches and the first day a new application may have.
fn days(today: NaiveDate) -> (NaiveDate, NaiveDate, NaiveDate) {
    (
        today,
        today + Duration::days(DUE_SOON_DAYS),
        super::approval::new_since(today),
    )
}

fn read_rows(
    conn: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
) -> rusqlite::Result<Vec<Row>> {
    conn.prepare_cached(sql)?
        .query_map(params, |r| {
            let staff: Option<StaffId> = r.get(10)?;
            let agent: Option<String> = r.get(11)?;
            Ok(Row {
                customer: r.get(0)?,
                name: r.get(1)?,
                phone: E164::from_stored(r.get(2)?),
                do_not_text: r.get(3)?,
                do_not_contact: r.get(13)?,
                new_application: r.get(14)?,
                open_complaint: r.get(12)?,
                days_overdue: r.get(4)?,
                amount_overdue: r.get(5)?,
                next_due: r.get(6)?,
                tickets: r.get(7)?,
                last_contact: r.get(8)?,
                promise: PromiseState::from_rank(r.get(9)?),
                agent: staff.zip(agent),
            })
        })?
        .collect()
}

/// A kept row and its name in lower case (for the search).
struct Kept {
    row: Row,
    name: String,
}

impl Kept {
    fn new(row: Row) -> Arc<Kept> {
        Arc::new(Kept {
            name: row.name.to_lowercase(),
            row,
        })
    }
}

/// The search index of the kept rows: `base` built at the first search over the positions
/// then kept (shared by the rows updated from them), `added` over the positions added since.
/// A position emptied since stays in `base` and is skipped.
struct Search {
    base: Arc<SearchIndex>,
    added: SearchIndex,
}

/// The queue's rows with each order worked out once, when first asked for: what the pages keep
/// between reads, so that a page only walks an order already sorted.
///
/// A write changes the rows of the customers it touched only: [`Rows::updated`] empties their
/// positions and adds their rows read afresh ([`candidates_of`]) at the end, and keeps each
/// order already sorted (the untouched rows stay in order; the new ones are merged in) and the
/// search index (the new rows indexed apart). When the emptied and added positions grow past a
/// quarter of the rows, the rows are laid out again in memory (orders sorted and the index
/// built again when next asked for).
pub(crate) struct Rows {
    /// By position; `None` where a customer's row was replaced since (its new row, if it is
    /// still in the queue, is further on).
    rows: Vec<Option<Arc<Kept>>>,
    /// Rows kept (not `None`).
    live: usize,
    /// The positions from here on were added by updates since the rows were laid out.
    added_from: usize,
    /// Each order's positions (of kept rows only).
    orders: [OnceLock<Vec<usize>>; Sort::ALL.len()],
    /// Built at the first search of these rows.
    search: OnceLock<Search>,
}

impl Rows {
    pub(crate) fn new(rows: Vec<Row>) -> Rows {
        Rows::laid_out(rows.into_iter().map(|r| Some(Kept::new(r))).collect())
    }

    fn laid_out(rows: Vec<Option<Arc<Kept>>>) -> Rows {
        Rows {
            live: rows.iter().flatten().count(),
            added_from: rows.len(),
            rows,
            orders: Default::default(),
            search: OnceLock::new(),
        }
    }

    /// These rows after a write that touched `touched` (customers): their rows are replaced by
    /// `fresh` (what [`candidates_of`] read of them; a customer without one left the queue).
    pub(crate) fn updated(&self, touched: &HashSet<CustomerId>, fresh: Vec<Row>) -> Rows {
        let mut rows = self.rows.clone();
        let mut live = self.live;
        for slot in &mut rows {
            if slot
                .as_ref()
                .is_some_and(|k| touched.contains(&k.row.customer))
            {
                *slot = None;
                live -= 1;
            }
        }
        let first_new = rows.len();
        live += fresh.len();
        rows.extend(fresh.into_iter().map(|r| Some(Kept::new(r))));
        let (emptied, added) = (rows.len() - live, rows.len() - self.added_from);
        if emptied.max(added) > (live / 4).max(1_000) {
            return Rows::laid_out(rows.into_iter().filter(Option::is_some).collect());
        }
        let updated = Rows {
            rows,
            live,
            added_from: self.added_from,
            orders: Default::default(),
            search: OnceLock::new(),
        };
        for (slot, sort) in Sort::ALL.iter().enumerate() {
            if let Some(old) = self.orders[slot].get() {
                let _ = updated.orders[slot].set(updated.merged(*sort, old, first_new));
            }
        }
        if let Some(search) = self.search.get() {
            let base = Arc::clone(&search.base);
            let added = updated.index(base.rows() as usize..updated.rows.len());
            let _ = updated.search.set(Search { base, added });
        }
        updated
    }

    /// `old`, an order of the rows before the update, without the positions emptied since and
    /// with the rows from `first_new` on merged in.
    fn merged(&self, sort: Sort, old: &[usize], first_new: usize) -> Vec<usize> {
        let row = |i: usize| self.rows[i].as_ref().map(|k| &k.row);
        let mut new: Vec<usize> = (first_new..self.rows.len()).collect();
        let cmp = |a: &usize, b: &usize| match (row(*a), row(*b)) {
            (Some(a), Some(b)) => sort.compare(a, b),
            _ => std::cmp::Ordering::Equal,
        };
        new.sort_by(cmp);
        let mut kept = old.iter().copied().filter(|i| row(*i).is_some()).peekable();
        let mut new = new.into_iter().peekable();
        let mut order = Vec::with_capacity(self.live);
        loop {
            let from_kept = match (kept.peek(), new.peek()) {
                (Some(a), Some(b)) => cmp(a, b).is_le(),
                (Some(_), None) => true,
                (None, Some(_)) => false,
                (None, None) => break,
            };
            order.extend(if from_kept { kept.next() } else { new.next() });
        }
        order
    }

    /// The search index of the positions `range`.
    fn index(&self, range: std::ops::Range<usize>) -> SearchIndex {
        let first = u32::try_from(range.start).unwrap_or(u32::MAX);
        SearchIndex::build(
            first,
            self.rows[range].iter().map(|slot| match slot {
                Some(k) => Entry {
                    name: &k.name,
                    phone: k.row.phone.as_str(),
                    tickets: &k.row.tickets,
                },
                None => Entry {
                    name: "",
                    phone: "",
                    tickets: "",
                },
            }),
        )
    }

    /// Which rows match `search` (in lower case; `digits` its phone digits), by position:
    /// a part of the name, a part of the phone number, or one of the ticket numbers whole.
    fn matching(&self, search: &str, digits: &str) -> Vec<bool> {
        let index = self.search.get_or_init(|| Search {
            base: Arc::new(self.index(0..self.rows.len())),
            added: self.index(self.rows.len()..self.rows.len()),
        });
        let mut kept = vec![false; self.rows.len()];
        let kept_row = |r: u32| self.rows.get(r as usize).and_then(Option::as_ref);
        let name = |r: u32| kept_row(r).map_or("", |k| k.name.as_str());
        let phone = |r: u32| kept_row(r).map_or("", |k| k.row.phone.as_str());
        for part in [&*index.base, &index.added] {
            for r in part.matching(search, digits, name, phone) {
                if kept_row(r).is_some() {
                    kept[r as usize] = true;
                }
            }
        }
        kept
    }

    /// The rows' positions in `sort`'s order.
    fn order(&self, sort: Sort) -> &[usize] {
        let slot = Sort::ALL.iter().position(|s| *s == sort).unwrap_or(0);
        self.orders[slot].get_or_init(|| {
            let mut order: Vec<usize> = (0..self.rows.len())
                .filter(|i| self.rows[*i].is_some())
                .collect();
            let row = |i: usize| self.rows[i].as_ref().map(|k| &k.row);
            order.sort_by(|a, b| match (row(*a), row(*b)) {
                (Some(a), Some(b)) => sort.compare(a, b),
                _ => std::cmp::Ordering::Equal,
            });
            order
        })
    }

    /// The kept row at a position of an order.
    fn at(&self, i: usize) -> Option<&Row> {
        self.rows.get(i).and_then(Option::as_ref).map(|k| &k.row)
    }
}

/// The page `query` asks for of `rows` ([`candidates`]).
pub(crate) fn pick(rows: &Rows, query: &Query) -> Page {
    let search = query.search.trim().to_lowercase();
    let digits = phone_digits(&search);
    let offset = query
        .page
        .max(1)
        .saturating_sub(1)
        .saturating_mul(PAGE_SIZE) as usize;
    let found = (!search.is_empty()).then(|| rows.matching(&search, &digits));
    let mut total = 0usize;
    let mut page = Vec::new();
    for i in rows.order(query.sort) {
        let Some(row) = rows.at(*i) else { continue };
        let kept = query.reason.is_none_or(|reason| reason.holds(row))
            && query
                .assigned_to
                .is_none_or(|agent| row.agent.as_ref().is_some_and(|(id, _)| id == agent))
            && found.as_ref().is_none_or(|found| found[*i]);
        if kept {
            if total >= offset && page.len() < PAGE_SIZE as usize {
                page.push(row.clone());
            }
            total += 1;
        }
    }
    Page {
        rows: page,
        total: u32::try_from(total).unwrap_or(u32::MAX),
    }
}

/// One page of the queue on `today`, read afresh (the pages keep the rows between reads).
#[cfg(test)]
pub(crate) fn page(conn: &Connection, query: &Query, today: NaiveDate) -> rusqlite::Result<Page> {
    Ok(pick(&Rows::new(candidates(conn, today)?), query))
}

/// A number that changes whenever anything the queue reads changes: the change log's last
/// sequence number (every table the queue reads is synced, so each write to it is logged by
/// a trigger, in its transaction; the sequence is never reused).
pub(crate) fn generation(conn: &Connection) -> rusqlite::Result<i64> {
    conn.prepare_cached(
        "SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'sync_log'), 0)",
    )?
    .query_row([], |r| r.get(0))
}

/// More changes than this since the rows were read: read them all afresh.
const MOST_CHANGES: i64 = 20_000;

/// The customers whose queue rows the changes after `since` up to `to` (generations,
/// [`generation`]) may have changed, from the change log: the customer a record of a table
/// the queue reads belongs to (a ticket's posting through its ticket; a staff member's change,
/// such as a new name, every customer assigned to them). `None` when the log cannot tell:
/// entries missing (compacted or renumbered since), a record deleted that names no customer,
/// or too many changes (reading every row afresh is then as quick). Read in the snapshot
/// that [`candidates_of`] reads.
pub(crate) fn touched_since(
    conn: &Connection,
    since: i64,
    to: i64,
) -> rusqlite::Result<Option<HashSet<CustomerId>>> {
    if to <= since || to - since > MOST_CHANGES {
        return Ok(None);
    }
    let logged: i64 = conn
        .prepare_cached("SELECT count(*) FROM sync_log WHERE seq > ?1 AND seq <= ?2")?
        .query_row(params![since, to], |r| r.get(0))?;
    if logged != to - since {
        return Ok(None);
    }
    let mut touched = HashSet::new();
    let mut stmt = conn.prepare_cached(
        "SELECT entity, op, record_id,
                CASE entity
                  WHEN 'customers' THEN record_id
                  WHEN 'callcentre_assignments' THEN record_id
                  WHEN 'ledger_postings' THEN
                    (SELECT customer_id FROM loans WHERE id = json_extract(data, '$.loan_id'))
                  WHEN 'disbursements' THEN
                    (SELECT customer_id FROM loans WHERE id = json_extract(data, '$.loan_id'))
                  ELSE json_extract(data, '$.customer_id') END
         FROM sync_log
         WHERE seq > ?1 AND seq <= ?2
           AND entity IN ('customers', 'callcentre_assignments', 'loans', 'ledger_postings',
                          'disbursements', 'followup_notes', 'promises_to_pay', 'complaints',
                          'staff')",
    )?;
    let mut rows = stmt.query(params![since, to])?;
    while let Some(r) = rows.next()? {
        let entity: String = r.get(0)?;
        let op: String = r.get(1)?;
        let record: String = r.get(2)?;
        let customer: Option<CustomerId> = r.get(3)?;
        match entity.as_str() {
            "staff" => {
                let assigned = conn
                    .prepare_cached(
                        "SELECT customer_id FROM callcentre_assignments WHERE staff_id = ?1",
                    )?
                    .query_map([&record], |r| r.get::<_, CustomerId>(0))?
                    .collect::<rusqlite::Result<Vec<_>>>()?;
                touched.extend(assigned);
            }
            "customers" | "callcentre_assignments" => touched.extend(customer),
            // A deleted record's entry holds no data: whose it was is not known.
            _ if op == "delete" => return Ok(None),
            _ => touched.extend(customer),
        }
    }
    Ok(Some(touched))
}

/// The digits of a phone number as typed, without the trunk 0 ("0812-3456" is "8123456"), to
/// find inside stored E.164 numbers; empty when too few to mean a phone number.
fn phone_digits(search: &str) -> String {
    let digits: String = search.chars().filter(char::is_ascii_digit).collect();
    let digits = digits.trim_start_matches('0');
    if digits.len() < 4 || search.chars().any(char::is_alphabetic) {
        String::new()
    } else {
        digits.to_owned()
    }
}

/// Why an assignment was refused, or the database failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum AssignError {
    #[error("only a manager assigns customers to agents")]
    NotManager,
    #[error("the staff member is not a call agent")]
    NotAnAgent,
    #[error("the customer is already assigned to {0}")]
    Taken(String),
    #[error("no such customer")]
    NoSuchCustomer,
    #[error("database: {0}")]
    Db(#[from] rusqlite::Error),
}

/// Whether `user` may assign customers to any agent (a manager).
pub(crate) fn may_assign(user: &StaffUser) -> bool {
    user.role.has(Permission::CallCentre) && user.role.has(Permission::CustomerManagement)
}

/// The agent assigned to a customer, if any.
pub(crate) fn assigned(
    conn: &Connection,
    customer: &CustomerId,
) -> rusqlite::Result<Option<(StaffId, String)>> {
    duties::holder(conn, Duty::FollowUp, customer)
}

/// The staff who may follow customers up (active, with the Call Centre permission), by name.
pub(crate) fn agents(conn: &Connection) -> rusqlite::Result<Vec<(StaffId, String)>> {
    let codes: Vec<&str> = crate::roles::Role::ALL
        .into_iter()
        .filter(|r| r.has(Permission::CallCentre))
        .map(crate::roles::Role::code)
        .collect();
    let list = codes
        .iter()
        .map(|c| format!("'{c}'"))
        .collect::<Vec<_>>()
        .join(", ");
    conn.prepare_cached(&format!(
        "SELECT id, full_name FROM staff WHERE role IN ({list}) AND disabled = 0 ORDER BY full_name, id"
    ))?
    .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
    .collect()
}

/// A manager assigns a customer to an agent (replacing any assignment), audited.
pub(crate) fn assign(
    conn: &Connection,
    manager: &StaffUser,
    customer: &CustomerId,
    agent: &StaffId,
    now: DateTime<Utc>,
) -> Result<(), AssignError> {
    if !may_assign(manager) {
        return Err(AssignError::NotManager);
    }
    if !agents(conn)?.iter().any(|(id, _)| id == agent) {
        return Err(AssignError::NotAnAgent);
    }
    write(conn, manager, customer, agent, now)
}

/// An agent takes an unassigned customer (or one already theirs), audited.
pub(crate) fn take(
    conn: &Connection,
    agent: &StaffUser,
    customer: &CustomerId,
    now: DateTime<Utc>,
) -> Result<(), AssignError> {
    if !agent.role.has(Permission::CallCentre) {
        return Err(AssignError::NotAnAgent);
    }
    match assigned(conn, customer)? {
        Some((id, _)) if id == agent.id => Ok(()),
        Some((_, name)) => Err(AssignError::Taken(name)),
        None => write(conn, agent, customer, &agent.id, now),
    }
}

fn write(
    conn: &Connection,
    by: &StaffUser,
    customer: &CustomerId,
    agent: &StaffId,
    now: DateTime<Utc>,
) -> Result<(), AssignError> {
    if crate::customers::get(conn, customer)?.is_none() {
        return Err(AssignError::NoSuchCustomer);
    }
    Ok(duties::hand_over(
        conn,
        Duty::FollowUp,
        by,
        customer,
        agent,
        now,
    )?)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::callcentre::notes::tests::{now, reached, today};
    use crate::callcentre::{notes, promises};
    use crate::customers::NewCustomer;
    use crate::loans::ops::tests::{paid_out, staff_member};
    use crate::roles::Role;

    struct Shop {
        _dir: tempfile::TempDir,
        db: crate::plumbing::db::Db,
        product: crate::plumbing::ids::ProductId,
        agent: StaffUser,
    }

    fn shop() -> Shop {
        let (dir, db) = crate::plumbing::db::tests::test_db();
        shop_in(dir, db)
    }

    fn shop_in(dir: tempfile::TempDir, db: crate::plumbing::db::Db) -> Shop {
        let conn = db.conn().unwrap();
        let product =
            crate::loans::products::insert(&conn, &crate::loans::terms::tests::pegadaian(), now())
                .unwrap();
        let agent = staff_member(&conn, Role::CallAgent, now());
        drop(conn);
        Shop {
            _dir: dir,
            db,
            product,
            agent,
        }
    }

    /// A customer whose ticket of `principal` was paid out on `start` (30-day term).
    fn customer(
        conn: &Connection,
        s: &Shop,
        name: &str,
        phone: &str,
        principal: i64,
        start: NaiveDate,
    ) -> (CustomerId, crate::plumbing::ids::LoanId) {
        let phone = crate::plumbing::phone::normalise(phone, "ID").unwrap();
        let new = NewCustomer {
            full_name: name,
            phone: &phone,
            id_number: None,
            date_of_birth: None,
            address: "",
            email: None,
            phone_verified: true,
        };
        let id = crate::customers::insert(conn, &new, now()).unwrap();
        // A customer being served: their information approved (a new application is not).
        super::super::approval::approve(conn, &s.agent, &id, now()).unwrap();
        let (loan, _) = paid_out(conn, &id, &s.product, &s.agent.id, principal, start, now());
        (id, loan)
    }

    #[test]
    fn new_applications_waiting_for_approval_are_in_the_queue_until_approved() {
        let s = shop();
        let conn = s.db.conn().unwrap();
        customer(
            &conn,
            &s,
            "Ani",
            "081200000001",
            1_000_000,
            today() - Duration::days(132),
        );
        let phone = crate::plumbing::phone::normalise("081200000009", "ID").unwrap();
        let new = NewCustomer {
            full_name: "Nia Baru",
            phone: &phone,
            id_number: None,
            date_of_birth: None,
            address: "",
            email: None,
            phone_verified: true,
        };
        let nia = crate::customers::insert(&conn, &new, now()).unwrap();
        let apps = Query {
            reason: Some(Reason::NewApplication),
            ..query(Sort::Priority)
        };
        let page_of = |q: &Query, day: NaiveDate| page(&conn, q, day).unwrap();
        let found = page_of(&apps, today());
        assert_eq!(names(&found), ["Nia Baru"]);
        assert!(found.rows[0].new_application);
        assert_eq!(
            names(&page_of(&query(Sort::Priority), today())),
            ["Ani", "Nia Baru"],
            "overdue first"
        );
        let weeks_later =
            now().date_naive() + Duration::days(super::super::approval::NEW_APPLICATION_DAYS + 1);
        assert_eq!(page_of(&apps, weeks_later).total, 0, "not new any more");
        super::super::approval::approve(&conn, &s.agent, &nia, now()).unwrap();
        assert_eq!(page_of(&apps, today()).total, 0, "approved");
        assert_eq!(names(&page_of(&query(Sort::Priority), today())), ["Ani"]);
    }

    #[test]
    fn a_customer_marked_do_not_contact_shows_it_on_the_row() {
        let s = shop();
        let conn = s.db.conn().unwrap();
        let (ani, _) = customer(
            &conn,
            &s,
            "Ani",
            "081200000001",
            1_000_000,
            today() - Duration::days(132),
        );
        let marked = |conn: &Connection| {
            page(conn, &query(Sort::Priority), today()).unwrap().rows[0].do_not_contact
        };
        assert!(!marked(&conn));
        super::super::do_not_contact::set(&conn, &s.agent, &ani, "Asked by letter", now()).unwrap();
        assert!(marked(&conn));
        super::super::do_not_contact::clear(&conn, &s.agent, &ani, now()).unwrap();
        assert!(!marked(&conn));
    }

    fn names(page: &Page) -> Vec<&str> {
        page.rows.iter().map(|r| r.name.as_str()).collect()
    }

    fn query(sort: Sort) -> Query<'static> {
        Query {
            search: "",
            reason: None,
            sort,
            assigned_to: None,
            page: 1,
        }
    }

    #[test]
    fn the_queue_holds_overdue_due_soon_and_promised_customers_in_their_order() {
        let s = shop();
        let conn = s.db.conn().unwrap();
        let day = |d: i64| today() + Duration::days(d);
        // The test product's term is 120 days: matured 12 and 5 days ago, due in 3 and in 20.
        customer(&conn, &s, "Ani", "081200000001", 1_000_000, day(-132));
        let (budi, loan) = customer(&conn, &s, "Budi", "081200000002", 3_000_000, day(-125));
        customer(&conn, &s, "Citra", "081200000003", 500_000, day(-117));
        customer(&conn, &s, "Dewi", "081200000004", 500_000, day(-100));
        crate::loans::charges::post_all(
            &conn,
            &crate::loans::charges::open_tickets(&conn, None, 100).unwrap(),
            today(),
            now(),
        )
        .unwrap();
        let all = page(&conn, &query(Sort::DaysOverdue), today()).unwrap();
        assert_eq!(
            names(&all),
            ["Ani", "Budi", "Citra"],
            "Dewi is due in 20 days"
        );
        assert_eq!(all.total, 3);
        assert_eq!(all.rows[0].days_overdue, 12);
        assert_eq!(all.rows[1].days_overdue, 5);
        assert_eq!(all.rows[2].days_overdue, 0);
        let by_amount = page(&conn, &query(Sort::AmountOverdue), today()).unwrap();
        assert_eq!(names(&by_amount), ["Budi", "Ani", "Citra"]);
        assert!(by_amount.rows[0].amount_overdue >= 3_000_000);
        assert_eq!(by_amount.rows[2].amount_overdue, 0, "not overdue");
        let overdue = Query {
            reason: Some(Reason::Overdue),
            ..query(Sort::Priority)
        };
        assert_eq!(
            names(&page(&conn, &overdue, today()).unwrap()),
            ["Ani", "Budi"]
        );
        let soon = Query {
            reason: Some(Reason::DueSoon),
            ..query(Sort::Priority)
        };
        assert_eq!(names(&page(&conn, &soon, today()).unwrap()), ["Citra"]);
        // Budi is called: last contact puts Ani (never called) first; a broken promise puts
        // Budi on top until he is called again.
        let m = notes::tests::rules();
        let promise = notes::NewNote {
            loan: Some(&loan),
            party_response: "promise_to_pay",
            promised_amount: Some(100_000),
            promised_date: Some(today()),
            ..reached(&budi)
        };
        notes::add(&conn, &s.agent, &promise, &m, today(), now()).unwrap();
        let by_contact = page(&conn, &query(Sort::LastContact), today()).unwrap();
        assert_eq!(
            names(&by_contact),
            ["Ani", "Citra", "Budi"],
            "never called first"
        );
        let first = page(&conn, &query(Sort::Priority), today()).unwrap();
        assert_eq!(first.rows[0].name, "Budi");
        assert_eq!(first.rows[0].promise, PromiseState::DueToday);
        let tomorrow = day(1);
        promises::settle(&conn, tomorrow, now() + Duration::days(1)).unwrap();
        let next = page(&conn, &query(Sort::Priority), tomorrow).unwrap();
        assert_eq!(
            (next.rows[0].name.as_str(), next.rows[0].promise),
            ("Budi", PromiseState::Broken)
        );
        let broken = Query {
            reason: Some(Reason::BrokenPromise),
            ..query(Sort::Priority)
        };
        assert_eq!(names(&page(&conn, &broken, tomorrow).unwrap()), ["Budi"]);
        let later = now() + Duration::days(1) + Duration::hours(1);
        notes::add(&conn, &s.agent, &reached(&budi), &m, tomorrow, later).unwrap();
        let after_call = page(&conn, &query(Sort::Priority), tomorrow).unwrap();
        assert_eq!(after_call.rows[0].name, "Ani", "followed up: back in line");
        assert_eq!(page(&conn, &broken, tomorrow).unwrap().total, 0);
    }

    /// Each ticket's receivable (ticket id, amount), by ticket.
    type Balances = Vec<(String, i64)>;

    /// Each ticket's receivable as the postings say, and as `loan_receivables` keeps it.
    fn receivables(conn: &Connection) -> (Balances, Balances) {
        let read = |sql: &str| -> Vec<(String, i64)> {
            let mut st = conn.prepare(sql).unwrap();
            st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                .unwrap()
                .map(Result::unwrap)
                .collect()
        };
        (
            read(
                "SELECT loan_id, SUM(CASE side WHEN 'debit' THEN amount ELSE -amount END)
                 FROM ledger_postings WHERE loan_id IS NOT NULL
                   AND account IN ('principal_receivable', 'interest_receivable', 'fees_receivable')
                 GROUP BY loan_id ORDER BY loan_id",
            ),
            read("SELECT loan_id, balance FROM loan_receivables ORDER BY loan_id"),
        )
    }

    #[test]
    fn the_kept_receivable_of_each_ticket_follows_its_postings() {
        use crate::loans::ops::Purpose;
        let s = shop();
        let conn = s.db.conn().unwrap();
        let day = |d: i64| today() + Duration::days(d);
        let (_, ani) = customer(&conn, &s, "Ani", "081200000001", 1_000_000, day(-132));
        customer(&conn, &s, "Budi", "081200000002", 3_000_000, day(-125));
        let (sums, kept) = receivables(&conn);
        assert_eq!(sums.len(), 2);
        assert_eq!(kept, sums, "paid out");
        crate::loans::charges::post_all(
            &conn,
            &crate::loans::charges::open_tickets(&conn, None, 100).unwrap(),
            today(),
            now(),
        )
        .unwrap();
        let (sums, kept) = receivables(&conn);
        assert!(
            sums.iter().map(|s| s.1).sum::<i64>() > 4_000_000,
            "charges posted"
        );
        assert_eq!(kept, sums, "after the charges");
        crate::loans::ops::tests::pay_cash(
            &conn,
            &ani,
            &s.agent.id,
            250_000,
            Purpose::Partial,
            today(),
            now(),
        )
        .unwrap();
        let (sums, kept) = receivables(&conn);
        assert_eq!(kept, sums, "after a payment");
        let first = page(&conn, &query(Sort::AmountOverdue), today()).unwrap();
        let shown: i64 = first.rows.iter().map(|r| r.amount_overdue).sum();
        assert_eq!(shown, sums.iter().map(|s| s.1).sum::<i64>(), "both overdue");
    }

    #[test]
    fn an_open_billing_complaint_is_shown_until_it_is_resolved() {
        use crate::complaints::cases::{self, NewCase, Opener};
        use crate::complaints::{Category, Channel, Outcome, Priority, State};
        let s = shop();
        let mut conn = s.db.conn().unwrap();
        let day = |d: i64| today() + Duration::days(d);
        let (ani, _) = customer(&conn, &s, "Ani", "081200000001", 1_000_000, day(-132));
        customer(&conn, &s, "Budi", "081200000002", 1_000_000, day(-130));
        let flagged = |conn: &Connection| -> Vec<(String, bool)> {
            page(conn, &query(Sort::DaysOverdue), today())
                .unwrap()
                .rows
                .into_iter()
                .map(|r| (r.name, r.open_complaint))
                .collect()
        };
        assert_eq!(
            flagged(&conn),
            [("Ani".into(), false), ("Budi".into(), false)]
        );
        let open = |category| NewCase {
            customer: &ani,
            channel: Channel::Portal,
            category,
            priority: Priority::Normal,
            loan: None,
            payment_code: None,
            description: "I was charged twice.",
            owner: None,
        };
        // A complaint of another category is not a collections complaint.
        let config = crate::plumbing::config::Config::default();
        let opened = |conn: &mut crate::plumbing::db::PooledConn, category| {
            let tx = crate::plumbing::db::immediate(conn).unwrap();
            let id = cases::open(&tx, &open(category), &Opener::Customer, &config, now()).unwrap();
            tx.commit().unwrap();
            id
        };
        opened(&mut conn, Category::PaymentMethod);
        assert_eq!(flagged(&conn)[0], ("Ani".into(), false));
        let case = opened(&mut conn, Category::Billing);
        assert_eq!(
            flagged(&conn),
            [("Ani".into(), true), ("Budi".into(), false)]
        );
        let tx = crate::plumbing::db::immediate(&mut conn).unwrap();
        let resolved = Some(Outcome::Explained);
        cases::change_state(
            &tx,
            &case,
            State::Resolved,
            resolved,
            &s.agent,
            &config,
            now(),
        )
        .unwrap();
        tx.commit().unwrap();
        assert_eq!(flagged(&conn)[0], ("Ani".into(), false), "resolved");
    }

    #[test]
    fn managers_assign_agents_take_only_unassigned_customers_and_each_is_audited() {
        let s = shop();
        let conn = s.db.conn().unwrap();
        let (ani, _) = customer(
            &conn,
            &s,
            "Ani",
            "081200000001",
            1_000_000,
            today() - Duration::days(125),
        );
        let manager = staff_member(&conn, Role::Manager, now());
        let clerk = staff_member(&conn, Role::Clerk, now());
        let other = StaffUser {
            id: StaffId::new(now()),
            username: "agent2".into(),
            full_name: "Second agent".into(),
            role: Role::CallAgent,
        };
        conn.execute(
            "INSERT INTO staff (id, username, full_name, role, password_hash, created_at, updated_at)
             VALUES (?1, 'agent2', 'Second agent', 'call_agent', '', ?2, ?2)",
            params![other.id, now()],
        )
        .unwrap();
        assert!(matches!(
            assign(&conn, &s.agent, &ani, &s.agent.id, now()),
            Err(AssignError::NotManager)
        ));
        assert!(matches!(
            assign(&conn, &manager, &ani, &clerk.id, now()),
            Err(AssignError::NotAnAgent)
        ));
        assert!(matches!(
            take(&conn, &clerk, &ani, now()),
            Err(AssignError::NotAnAgent)
        ));
        take(&conn, &s.agent, &ani, now()).unwrap();
        take(&conn, &s.agent, &ani, now()).unwrap();
        assert!(
            matches!(take(&conn, &other, &ani, now()), Err(AssignError::Taken(name)) if name == s.agent.full_name)
        );
        assign(&conn, &manager, &ani, &other.id, now()).unwrap();
        assert_eq!(
            assigned(&conn, &ani).unwrap().map(|a| a.0),
            Some(other.id.clone())
        );
        let mine = Query {
            assigned_to: Some(&other.id),
            ..query(Sort::Priority)
        };
        assert_eq!(names(&page(&conn, &mine, today()).unwrap()), ["Ani"]);
        let theirs = Query {
            assigned_to: Some(&s.agent.id),
            ..query(Sort::Priority)
        };
        assert_eq!(page(&conn, &theirs, today()).unwrap().total, 0);
        let audits: i64 = conn
            .query_row(
                "SELECT count(*) FROM audit_log WHERE action = 'customer.callcentre_assign'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(audits, 2, "the take (once) and the assignment");
    }

    #[test]
    fn the_queue_is_searched_by_name_phone_or_ticket_and_paged() {
        let s = shop();
        let conn = s.db.conn().unwrap();
        let start = today() - Duration::days(125);
        for i in 0..30 {
            customer(
                &conn,
                &s,
                &format!("Customer {i:02}"),
                &format!("0812000001{i:02}"),
                100_000 + i,
                start,
            );
        }
        let (_, loan) = customer(&conn, &s, "Siti 50%_x", "081299998888", 100_000, start);
        let ticket = crate::loans::ops::load(&conn, &loan)
            .unwrap()
            .unwrap()
            .ticket_no;
        let find = |search: &str| -> Vec<String> {
            let q = Query {
                search,
                ..query(Sort::DaysOverdue)
            };
            page(&conn, &q, today())
                .unwrap()
                .rows
                .into_iter()
                .map(|r| r.name)
                .collect()
        };
        assert_eq!(find("siti"), ["Siti 50%_x"]);
        assert_eq!(find("0812-9999-8888"), ["Siti 50%_x"]);
        assert_eq!(find(&ticket), ["Siti 50%_x"]);
        assert_eq!(
            find("50%_"),
            ["Siti 50%_x"],
            "% and _ are letters, not wildcards"
        );
        assert_eq!(find("%").len(), 1);
        assert!(find("nobody").is_empty());
        let first = page(&conn, &query(Sort::AmountOverdue), today()).unwrap();
        assert_eq!((first.rows.len(), first.total), (25, 31));
        let second = page(
            &conn,
            &Query {
                page: 2,
                ..query(Sort::AmountOverdue)
            },
            today(),
        )
        .unwrap();
        assert_eq!(second.rows.len(), 6);
        assert!(
            second.rows.iter().all(|r| !first.rows.contains(r)),
            "no row twice"
        );
    }

    /// Every row of `rows` in each order, what a few searches find, and each filter's count:
    /// all a page can show.
    fn everything(rows: &Rows) -> Vec<(String, Vec<Row>)> {
        let mut seen = Vec::new();
        for sort in Sort::ALL {
            for search in ["", "an", "budi", "0812-0000-0003", "nobody"] {
                let mut all = Vec::new();
                for page in 1.. {
                    let q = Query {
                        search,
                        page,
                        ..query(sort)
                    };
                    let p = pick(rows, &q);
                    if p.rows.is_empty() {
                        break;
                    }
                    all.extend(p.rows);
                }
                seen.push((format!("{sort:?} {search:?}"), all));
            }
        }
        for reason in Reason::ALL {
            let q = Query {
                reason: Some(reason),
                ..query(Sort::Priority)
            };
            seen.push((format!("{reason:?}"), pick(rows, &q).rows));
        }
        seen
    }

    #[test]
    fn the_rows_kept_and_updated_after_each_write_are_the_rows_read_afresh() {
        let dir = tempfile::tempdir().unwrap();
        let db =
            crate::sync::changes::open_logged(dir.path(), std::time::Duration::from_secs(5), 2)
                .unwrap();
        let s = shop_in(dir, db);
        let conn = s.db.conn().unwrap();
        let day = |d: i64| today() + Duration::days(d);
        let (ani, ani_loan) = customer(&conn, &s, "Ani", "081200000001", 1_000_000, day(-132));
        let (budi, _) = customer(&conn, &s, "Budi", "081200000002", 2_000_000, day(-125));
        let (citra, _) = customer(&conn, &s, "Citra", "081200000003", 500_000, day(-115));
        customer(&conn, &s, "Dewi", "081200000004", 700_000, day(-1));
        let mut kept = Rows::new(candidates(&conn, today()).unwrap());
        // Every order sorted and the search index built, as pages would have them.
        let first = everything(&kept);
        assert_eq!(
            first
                .iter()
                .find(|(k, _)| k == "Priority \"\"")
                .unwrap()
                .1
                .len(),
            3
        );
        let mut at = generation(&conn).unwrap();
        let mut step = |what: &str, conn: &Connection| {
            let now_at = generation(conn).unwrap();
            let touched = touched_since(conn, at, now_at).unwrap().unwrap();
            assert!(!touched.is_empty(), "{what}: someone touched");
            kept = kept.updated(&touched, candidates_of(conn, today(), &touched).unwrap());
            at = now_at;
            let afresh = Rows::new(candidates(conn, today()).unwrap());
            assert_eq!(everything(&kept), everything(&afresh), "after {what}");
            touched.len()
        };
        crate::loans::ops::tests::pay_cash(
            &conn,
            &ani_loan,
            &s.agent.id,
            300_000,
            crate::loans::ops::Purpose::Partial,
            today(),
            now(),
        )
        .unwrap();
        assert_eq!(step("a payment", &conn), 1, "only Ani's row read again");
        let rules = notes::tests::rules();
        notes::add(&conn, &s.agent, &reached(&budi), &rules, today(), now()).unwrap();
        step("a note", &conn);
        let promise = notes::NewNote {
            loan: Some(&ani_loan),
            party_response: "promise_to_pay",
            promised_amount: Some(250_000),
            promised_date: Some(today()),
            ..reached(&ani)
        };
        notes::add(&conn, &s.agent, &promise, &rules, today(), now()).unwrap();
        step("a promise due today", &conn);
        promises::settle(&conn, day(1), now()).unwrap();
        step("the promise broken", &conn);
        take(&conn, &s.agent, &citra, now()).unwrap();
        step("an agent takes a customer", &conn);
        let manager = staff_member(&conn, Role::Manager, now());
        assign(&conn, &manager, &budi, &s.agent.id, now()).unwrap();
        step("a manager assigns one", &conn);
        conn.execute(
            "UPDATE staff SET full_name = 'Agent Renamed' WHERE id = ?1",
            [&s.agent.id],
        )
        .unwrap();
        assert_eq!(step("the agent's new name", &conn), 2, "both of theirs");
        super::super::do_not_contact::set(&conn, &s.agent, &citra, "Asked by letter", now())
            .unwrap();
        step("do not contact", &conn);
        super::super::do_not_contact::clear(&conn, &s.agent, &citra, now()).unwrap();
        step("do not contact cleared", &conn);
        let phone = crate::plumbing::phone::normalise("081200000009", "ID").unwrap();
        let new = NewCustomer {
            full_name: "Nia Baru",
            phone: &phone,
            id_number: None,
            date_of_birth: None,
            address: "",
            email: None,
            phone_verified: true,
        };
        let nia = crate::customers::insert(&conn, &new, now()).unwrap();
        step("a new application", &conn);
        super::super::approval::approve(&conn, &s.agent, &nia, now()).unwrap();
        step("its information approved (out of the queue)", &conn);
        let touched = touched_since(&conn, at, at).unwrap();
        assert!(touched.is_none(), "nothing changed: nothing to read");
    }

    #[test]
    fn rows_updated_many_times_are_laid_out_again_and_still_the_same() {
        let ids: Vec<CustomerId> = (0..40).map(|_| CustomerId::new(now())).collect();
        let row = |i: i64, amount: i64| Row {
            customer: ids[i as usize].clone(),
            name: format!("Customer {i}"),
            phone: E164::from_stored(format!("+62812000000{i:02}")),
            do_not_text: false,
            do_not_contact: false,
            new_application: false,
            open_complaint: false,
            days_overdue: i % 7,
            amount_overdue: amount,
            next_due: None,
            tickets: format!("T-{i}"),
            last_contact: None,
            promise: PromiseState::None,
            agent: None,
        };
        let mut current: Vec<Row> = (0..40).map(|i| row(i, 1_000 * i)).collect();
        let mut kept = Rows::new(current.clone());
        everything(&kept);
        for n in 0..1_200 {
            let i = (n * 7) % 40;
            let changed = row(i, (n * 37) % 5_000);
            let touched = HashSet::from([changed.customer.clone()]);
            current[i as usize] = changed.clone();
            // One in five leaves the queue, and comes back at the next change.
            let fresh = if n % 5 == 0 { vec![] } else { vec![changed] };
            if n % 5 == 0 {
                current[i as usize].amount_overdue = -1;
            }
            kept = kept.updated(&touched, fresh);
            if n % 100 == 0 || n > 1_195 {
                let live: Vec<Row> = current
                    .iter()
                    .filter(|r| r.amount_overdue >= 0)
                    .cloned()
                    .collect();
                assert_eq!(everything(&kept), everything(&Rows::new(live)), "after {n}");
            }
        }
        assert!(
            kept.rows.len() < 1_100,
            "laid out again: {}",
            kept.rows.len()
        );
    }

    #[test]
    fn the_generation_moves_with_every_write_to_what_the_queue_reads() {
        let dir = tempfile::tempdir().unwrap();
        let db =
            crate::sync::changes::open_logged(dir.path(), std::time::Duration::from_secs(5), 2)
                .unwrap();
        let conn = db.conn().unwrap();
        let g0 = generation(&conn).unwrap();
        let (customer, _) = crate::loans::ops::tests::customer_and_gold(&conn, "Siti", now());
        let g1 = generation(&conn).unwrap();
        assert!(g1 > g0, "a new customer");
        let agent = staff_member(&conn, Role::CallAgent, now());
        let g2 = generation(&conn).unwrap();
        take(&conn, &agent, &customer, now()).unwrap();
        assert!(generation(&conn).unwrap() > g2, "an assignment");
        let g3 = generation(&conn).unwrap();
        assert_eq!(generation(&conn).unwrap(), g3, "reading changes nothing");
        assert!(g2 > g1);
    }

    #[test]
    fn a_ticket_whose_payout_waits_to_be_made_again_is_not_overdue() {
        use crate::ledger::Method;
        use crate::loans::disbursements::{self, Again};
        let dir = tempfile::tempdir().unwrap();
        let db =
            crate::sync::changes::open_logged(dir.path(), std::time::Duration::from_secs(5), 2)
                .unwrap();
        let s = shop_in(dir, db);
        let conn = s.db.conn().unwrap();
        let day = |d: i64| today() + Duration::days(d);
        customer(&conn, &s, "Ani", "081200000001", 1_000_000, day(-132));
        // Eka's first ticket is not due for four months (a 120-day term); the second, paid out
        // by transfer, is ten days overdue.
        let (eka, _) = customer(&conn, &s, "Eka", "081200000005", 500_000, today());
        let (transfer, _) = crate::loans::ops::tests::paid_out_by(
            &conn,
            &eka,
            &s.product,
            &s.agent.id,
            800_000,
            (Method::BankTransfer, "TRF-7"),
            day(-130),
            now(),
        );
        let mut kept = Rows::new(candidates(&conn, today()).unwrap());
        let row = |rows: &Rows, who: &CustomerId| {
            pick(rows, &query(Sort::Priority))
                .rows
                .into_iter()
                .find(|r| &r.customer == who)
        };
        assert_eq!(row(&kept, &eka).unwrap().days_overdue, 10);
        let mut at = generation(&conn).unwrap();
        let mut step = |what: &str, conn: &Connection| {
            let now_at = generation(conn).unwrap();
            let touched = touched_since(conn, at, now_at).unwrap().unwrap();
            assert!(touched.contains(&eka), "{what}");
            kept = kept.updated(&touched, candidates_of(conn, today(), &touched).unwrap());
            at = now_at;
            let afresh = Rows::new(candidates(conn, today()).unwrap());
            assert_eq!(
                pick(&kept, &query(Sort::Priority)).rows,
                pick(&afresh, &query(Sort::Priority)).rows,
                "after {what}"
            );
            row(&kept, &eka)
        };
        let manager = staff_member(&conn, Role::Manager, now());
        let payout = disbursements::of_ticket(&conn, &transfer)
            .unwrap()
            .remove(0);
        disbursements::mark_failed(&conn, &payout.id, "wrong account", &manager, today(), now())
            .unwrap();
        assert!(
            crate::loans::ops::load(&conn, &transfer)
                .unwrap()
                .unwrap()
                .payout_waits
        );
        assert!(
            step("the payout failed", &conn).is_none(),
            "the customer never got the money: nothing is overdue or due"
        );
        assert!(row(&Rows::new(candidates(&conn, today()).unwrap()), &eka).is_none());
        let again = Again {
            method: Method::MobileMoney,
            reference: "WALLET-7",
        };
        // Made again 125 days ago (the periods count from then): five days overdue.
        disbursements::make_again(&conn, &payout.id, &again, &manager, day(-125), now()).unwrap();
        let back = step("the payout made again", &conn).unwrap();
        assert_eq!(
            back.days_overdue, 5,
            "overdue from the day it was made again"
        );
    }
}
