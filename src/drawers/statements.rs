//! The day's non-cash totals matched against the imported statements (issue 16): for bank
//! transfers and mobile money, what the statements say came in on a business day against what
//! the method's clearing account of the ledger received that day, the difference (matched,
//! over or short, by how much), and the lines that explain it: the statement lines no payment
//! of the day accounts for, and the payments of the day that no statement line confirms.
//!
//! A statement line and a payment are a pair when they are of the same method and day and
//! either the import applied the line to that payment (`statement_lines.payment_id`), or the
//! line has the payment's reference (as the clerk typed it, compared without regard to case)
//! and its amount. Pairs have equal amounts, so the difference is always the unpaired lines
//! less the unpaired payments, to the unit. A line or payment left over whose reference is
//! on the other side on another day says which day (a transfer booked on one day and
//! credited by the bank the next).
//!
//! A payment reversed on its own day (a correction: the wrong ticket, a transfer that never
//! came) counts on neither side, nor does its reversal: the day's clearing account moves by the
//! same net amount, and a payment taken again with the same reference pairs with the line as
//! the first would have. A reversal on a later day is that day's payout.
//!
//! Statements carry money in only, so the day's payouts by each method (the clearing
//! account's credits) are shown beside it, not matched. A difference is shown, never a reason
//! to refuse the day's close. Read-only plain functions over a connection.

use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension, params};

use super::OF_THE_DAY_AND_METHOD;
use crate::ledger::Method;
use crate::ledger::accounts::{Account, Side};

/// The methods statements are imported for.
pub(crate) const METHODS: [Method; 2] = [Method::BankTransfer, Method::MobileMoney];

/// How a method's day stands against its statements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Standing {
    Matched,
    /// The statements show more than the ledger received, by this much.
    Over(i64),
    /// The statements show less than the ledger received, by this much.
    Short(i64),
}

impl Standing {
    /// The standing of a difference (statements less ledger).
    pub(crate) fn of(difference: i64) -> Standing {
        match difference {
            0 => Standing::Matched,
            d if d > 0 => Standing::Over(d),
            d => Standing::Short(-d),
        }
    }

    /// The code in the CSV.
    pub(crate) fn code(self) -> &'static str {
        match self {
            Standing::Matched => "matched",
            Standing::Over(_) => "over",
            Standing::Short(_) => "short",
        }
    }
}

/// A statement line of the day that no payment of the day accounts for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LoneLine {
    pub(crate) reference: String,
    pub(crate) amount: i64,
    pub(crate) description: String,
    /// What the import made of it: `matched`, `review` or `unmatched`.
    pub(crate) status: String,
    /// Staff marked it resolved on the review page.
    pub(crate) resolved: bool,
    /// A payment with its reference on another day.
    pub(crate) booked_on: Option<NaiveDate>,
}

/// A payment of the day (money into the clearing account) that no statement line confirms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LonePayment {
    /// The payment, or the ledger transaction when it belongs to no payment.
    pub(crate) key: String,
    pub(crate) reference: String,
    pub(crate) amount: i64,
    pub(crate) ticket_no: Option<String>,
    /// Who took it, when a staff member did.
    pub(crate) taken_by: Option<String>,
    /// A statement line with its reference on another day.
    pub(crate) on_statement: Option<NaiveDate>,
}

/// One method's day against its statements.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MethodMatch {
    pub(crate) method: Method,
    /// The statement lines of the day: how many, their total.
    pub(crate) lines: usize,
    pub(crate) statement: i64,
    /// What the clearing account received (debits) and paid out (credits) that day, less the
    /// transactions reversed the same day and their reversals.
    pub(crate) received: i64,
    pub(crate) paid: i64,
    pub(crate) lone_lines: Vec<LoneLine>,
    pub(crate) lone_payments: Vec<LonePayment>,
}

impl MethodMatch {
    /// The statements less the ledger.
    pub(crate) fn difference(&self) -> i64 {
        self.statement - self.received
    }

    pub(crate) fn standing(&self) -> Standing {
        Standing::of(self.difference())
    }
}

/// The day against its statements, for every method.
pub(crate) fn day_match(conn: &Connection, day: NaiveDate) -> rusqlite::Result<Vec<MethodMatch>> {
    METHODS
        .into_iter()
        .map(|method| method_match(conn, method, day))
        .collect()
}

/// How many methods differ from their statements on `day` (for the dashboard), from each
/// method's two sums alone ([`standing`]): the lines and payments that explain a difference
/// are read only by the day's close.
pub(crate) fn differing(conn: &Connection, day: NaiveDate) -> rusqlite::Result<usize> {
    let mut n = 0;
    for method in METHODS {
        if standing(conn, method, day)? != Standing::Matched {
            n += 1;
        }
    }
    Ok(n)
}

/// How a method's day stands: the sum of its statement lines against the sum of the money
/// into its clearing account that stands, the same sums [`method_match`] adds up from the
/// lines and payments it reads.
fn standing(conn: &Connection, method: Method, day: NaiveDate) -> rusqlite::Result<Standing> {
    let statement: i64 = conn
        .prepare_cached(
            "SELECT COALESCE(SUM(amount), 0) FROM statement_lines WHERE on_date = ?1 AND method = ?2",
        )?
        .query_row(params![day, method.code()], |r| r.get(0))?;
    let received = moved(conn, method, day, Side::Debit)?;
    Ok(Standing::of(statement - received))
}

/// A ledger transaction `l` with its postings `p`, read in that order (`CROSS JOIN`: through
/// the day's transactions of the method, [`OF_THE_DAY_AND_METHOD`]).
const POSTINGS: &str = "ledger l CROSS JOIN ledger_postings p ON p.transaction_id = l.id";

/// Of [`POSTINGS`]: the postings on `side` of the clearing account `?1` on day `?2` by method
/// `?3` that stand ([`STANDS`]): its debits are the money received, its credits paid out.
fn standing_on(side: Side) -> String {
    format!(
        "p.account = ?1 AND p.side = '{}' AND {OF_THE_DAY_AND_METHOD} AND {STANDS}",
        side.code()
    )
}

/// Of a ledger transaction `l`: it stands at the end of its day, neither reversed that day nor
/// the reversal of one of that day (a correction made the same day moves no money).
const STANDS: &str =
    "NOT EXISTS (SELECT 1 FROM ledger r WHERE r.reverses = l.id AND r.on_date = l.on_date)
     AND NOT EXISTS (SELECT 1 FROM ledger o WHERE o.id = l.reverses AND o.on_date = l.on_date)";

/// A statement line as read.
struct Line {
    reference: String,
    amount: i64,
    description: String,
    status: String,
    payment: Option<String>,
    resolved: bool,
}

/// A payment into the clearing account, as read.
struct Entry {
    key: String,
    reference: String,
    amount: i64,
    ticket_no: Option<String>,
    taken_by: Option<String>,
}

/// One method's day: its lines and payments read, paired, the rest explained.
fn method_match(
    conn: &Connection,
    method: Method,
    day: NaiveDate,
) -> rusqlite::Result<MethodMatch> {
    let lines = lines_of(conn, method, day)?;
    let entries = entries_of(conn, method, day)?;
    let (lone_lines, lone_entries) = pair(&lines, &entries);
    let statement = lines.iter().map(|l| l.amount).sum();
    let received = entries.iter().map(|e| e.amount).sum();
    let paid = moved(conn, method, day, Side::Credit)?;
    let lone_lines = lone_lines
        .into_iter()
        .map(|l| {
            Ok(LoneLine {
                booked_on: booked_on(conn, method, &l.reference, day)?,
                reference: l.reference.clone(),
                amount: l.amount,
                description: l.description.clone(),
                status: l.status.clone(),
                resolved: l.resolved,
            })
        })
        .collect::<rusqlite::Result<_>>()?;
    let lone_payments = lone_entries
        .into_iter()
        .map(|e| {
            Ok(LonePayment {
                on_statement: on_statement(conn, method, &e.reference, day)?,
                key: e.key.clone(),
                reference: e.reference.clone(),
                amount: e.amount,
                ticket_no: e.ticket_no.clone(),
                taken_by: e.taken_by.clone(),
            })
        })
        .collect::<rusqlite::Result<_>>()?;
    Ok(MethodMatch {
        method,
        lines: lines.len(),
        statement,
        received,
        paid,
        lone_lines,
        lone_payments,
    })
}

/// Pairs lines with entries of their amount (the one the import applied the line to, else the
/// first left with its reference); the lines and the entries left over.
fn pair<'a, 'b>(lines: &'a [Line], entries: &'b [Entry]) -> (Vec<&'a Line>, Vec<&'b Entry>) {
    let mut taken = vec![false; entries.len()];
    let mut left = Vec::new();
    let mut by_reference = Vec::new();
    for line in lines {
        let applied = line
            .payment
            .as_deref()
            .and_then(|p| entries.iter().position(|e| e.key == p));
        match applied {
            Some(i) if !taken[i] && entries[i].amount == line.amount => taken[i] = true,
            _ => by_reference.push(line),
        }
    }
    for line in by_reference {
        let found = entries.iter().enumerate().position(|(i, e)| {
            !taken[i]
                && e.amount == line.amount
                && !e.reference.is_empty()
                && e.reference.eq_ignore_ascii_case(&line.reference)
        });
        match found {
            Some(i) => taken[i] = true,
            None => left.push(line),
        }
    }
    let entries_left = entries
        .iter()
        .zip(&taken)
        .filter_map(|(e, t)| (!t).then_some(e))
        .collect();
    (left, entries_left)
}

/// The statement lines of a method and day, by reference.
fn lines_of(conn: &Connection, method: Method, day: NaiveDate) -> rusqlite::Result<Vec<Line>> {
    conn.prepare_cached(
        "SELECT reference, amount, description, status, payment_id, resolved_at IS NOT NULL
         FROM statement_lines WHERE on_date = ?1 AND method = ?2 ORDER BY reference",
    )?
    .query_map(params![day, method.code()], |r| {
        Ok(Line {
            reference: r.get(0)?,
            amount: r.get(1)?,
            description: r.get(2)?,
            status: r.get(3)?,
            payment: r.get(4)?,
            resolved: r.get(5)?,
        })
    })?
    .collect()
}

/// The money into a method's clearing account on a day that stands, by payment (a payment's
/// rows together; a transaction of no payment on its own), oldest first.
fn entries_of(conn: &Connection, method: Method, day: NaiveDate) -> rusqlite::Result<Vec<Entry>> {
    conn.prepare_cached(&format!(
        "SELECT COALESCE(l.payment_id, l.id) AS key, MAX(l.reference), SUM(p.amount), MAX(t.ticket_no),
                MAX(s.full_name)
         FROM {POSTINGS}
         LEFT JOIN loans t ON t.id = l.loan_id LEFT JOIN staff s ON s.id = l.staff_id
         WHERE {} GROUP BY key ORDER BY MIN(l.at), key",
        standing_on(Side::Debit)
    ))?
    .query_map(params![Account::for_method(method).code(), day, method.code()], |r| {
        Ok(Entry {
            key: r.get(0)?,
            reference: r.get(1)?,
            amount: r.get(2)?,
            ticket_no: r.get(3)?,
            taken_by: r.get(4)?,
        })
    })?
    .collect()
}

/// What moved through a method's clearing account on a day on `side`, of what stands: its
/// debits are what it received, its credits what it paid out.
fn moved(conn: &Connection, method: Method, day: NaiveDate, side: Side) -> rusqlite::Result<i64> {
    conn.prepare_cached(&format!(
        "SELECT COALESCE(SUM(p.amount), 0) FROM {POSTINGS} WHERE {}",
        standing_on(side)
    ))?
    .query_row(
        params![Account::for_method(method).code(), day, method.code()],
        |r| r.get(0),
    )
}

/// The first other day a payment of this method has this reference.
fn booked_on(
    conn: &Connection,
    method: Method,
    reference: &str,
    day: NaiveDate,
) -> rusqlite::Result<Option<NaiveDate>> {
    conn.prepare_cached(
        "SELECT MIN(on_date) FROM ledger
         WHERE reference = ?1 COLLATE NOCASE AND reference <> '' AND method = ?2 AND on_date <> ?3",
    )?
    .query_row(params![reference, method.code(), day], |r| r.get(0))
    .optional()
    .map(Option::flatten)
}

/// The first other day a statement line of this method has this reference.
fn on_statement(
    conn: &Connection,
    method: Method,
    reference: &str,
    day: NaiveDate,
) -> rusqlite::Result<Option<NaiveDate>> {
    if reference.is_empty() {
        return Ok(None);
    }
    conn.prepare_cached(
        "SELECT MIN(on_date) FROM statement_lines
         WHERE reference = ?1 COLLATE NOCASE AND method = ?2 AND on_date <> ?3",
    )?
    .query_row(params![reference, method.code(), day], |r| r.get(0))
    .optional()
    .map(Option::flatten)
}

#[cfg(test)]
mod tests;
