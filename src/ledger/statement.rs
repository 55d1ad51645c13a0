//! A statement: the customer's receivable accounts (principal, interest and fees receivable of
//! each of their tickets, or of one), one line per transaction that touches them, with what it
//! added (debit) or took off (credit) and the running balance, which is what the customer owed
//! after it. Charges not posted yet are passed in by the caller (`loans::charges` computes
//! them exactly as it would post them, from the same posted lines: [`history`]), so a
//! statement never depends on whether today's charges pass has run and reads each ticket's
//! transactions once. The staff statement, its printed form, the portal's statement and the
//! ticket page's transactions all come from [`statement`].

use std::collections::HashMap;

use chrono::NaiveDate;
use rusqlite::{Connection, params};

use super::{EntryKind, History, Method};
use crate::plumbing::db;
use crate::plumbing::ids::{CustomerId, LedgerId, LoanId};

/// A charge not posted yet (see `loans::charges`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Pending {
    pub(crate) loan: LoanId,
    pub(crate) ticket_no: String,
    pub(crate) on: NaiveDate,
    /// Interest (or else fees).
    pub(crate) interest: bool,
    /// Positive charges, negative credits back.
    pub(crate) amount: i64,
}

/// One line of a statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Line {
    /// The transaction; `None` for a charge not posted yet.
    pub(crate) id: Option<LedgerId>,
    pub(crate) loan: LoanId,
    pub(crate) ticket_no: String,
    pub(crate) on: NaiveDate,
    pub(crate) kind: EntryKind,
    pub(crate) method: Method,
    pub(crate) reference: String,
    pub(crate) note: String,
    /// The day it was reversed, if it was.
    pub(crate) reversed_on: Option<NaiveDate>,
    /// A payout by bank transfer or mobile money with a state, which [`super::reverse`]
    /// refuses: it is marked failed instead.
    pub(crate) payout_with_state: bool,
    pub(crate) debit: i64,
    pub(crate) credit: i64,
    /// What the customer owed after this line.
    pub(crate) balance: i64,
}

impl Line {
    /// Whether the transaction was reversed.
    pub(crate) fn reversed(&self) -> bool {
        self.reversed_on.is_some()
    }
}

/// A statement over a period: what was owed before it, its lines, their totals and what was
/// owed at its end.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Statement {
    pub(crate) opening: i64,
    pub(crate) lines: Vec<Line>,
    pub(crate) debits: i64,
    pub(crate) credits: i64,
    pub(crate) closing: i64,
}

/// The days a statement covers: what was owed before `from` is its opening balance, nothing
/// after `to` is shown. Open at either end when `None`.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Period {
    pub(crate) from: Option<NaiveDate>,
    pub(crate) to: Option<NaiveDate>,
}

/// The statement over `period` from the `posted` lines of the tickets it covers ([`posted`],
/// every date), with `pending` charges (oldest first) added after the posted transactions of
/// their date.
pub(crate) fn statement(period: Period, posted: Vec<Line>, pending: &[Pending]) -> Statement {
    let mut lines = posted;
    lines.extend(pending.iter().map(pending_line));
    // Stable, so posted lines keep their order and pending ones follow: whenever a charge was
    // posted, a day reads charges, then money moved, then charges credited back.
    lines.sort_by_key(|l| (l.on, rank(l.kind)));
    let mut statement = Statement::default();
    let mut balance = 0;
    for mut line in lines {
        if period.to.is_some_and(|to| line.on > to) {
            break;
        }
        balance += line.debit - line.credit;
        line.balance = balance;
        if period.from.is_some_and(|from| line.on < from) {
            statement.opening = balance;
            continue;
        }
        statement.debits += line.debit;
        statement.credits += line.credit;
        statement.lines.push(line);
    }
    statement.closing = balance;
    statement
}

/// What the receivables' postings of the tickets add up to, per transaction (?1 the
/// customer, ?2 one of their tickets or NULL): read from `ledger_postings_loan`, which holds
/// every column read (V32), without a row of the table.
const RECEIVABLE_POSTINGS: &str = "SELECT p.transaction_id, p.side, p.amount
     FROM loans t
     JOIN ledger_postings p ON p.loan_id = t.id
          AND p.account IN ('principal_receivable', 'interest_receivable', 'fees_receivable')
     WHERE t.customer_id = ?1 AND (?2 IS NULL OR t.id = ?2)";

/// The tickets' transactions (?1 the customer, ?2 one of their tickets or NULL), from
/// `ledger_loan`, with what orders them (day, time, then as written) and whether a payout
/// has a state (a disbursement by bank transfer or mobile money).
const TRANSACTIONS: &str = "SELECT l.id, l.loan_id, t.ticket_no, l.on_date, l.kind, l.method, l.reference, l.note,
            l.reverses,
            CASE WHEN l.kind = 'disbursement'
                 THEN EXISTS (SELECT 1 FROM disbursements d WHERE d.ledger_id = l.id AND d.method <> 'cash')
                 ELSE 0 END,
            l.at, l.rowid
     FROM loans t
     JOIN ledger l ON l.loan_id = t.id
     WHERE t.customer_id = ?1 AND (?2 IS NULL OR t.id = ?2)";

/// A transaction as [`TRANSACTIONS`] reads it: its line (without its sums yet), the row it
/// reverses, and what orders it within its day (the time it was written, then its rowid).
struct Read {
    line: Line,
    reverses: Option<LedgerId>,
    order: (String, i64),
}

/// The posted transactions on the receivables of a customer's tickets (those they hold now:
/// a merge moves tickets, the ledger never changes), or of one of them, oldest first. Two
/// plain reads, each along one index, put together here: the receivables' sums per
/// transaction ([`RECEIVABLE_POSTINGS`]) and the tickets' transactions ([`TRANSACTIONS`]).
/// A posting carries its transaction's ticket, so both find the same transactions; a
/// transaction with no posting on a receivable (a surplus payout or expiry, which moves the
/// surplus owed) has no line. A reversal is written on the ticket of the row it reverses
/// (`super::reverse`), so the day a line was reversed is among the same transactions. The
/// same join, grouping and order in one SQL statement cost three times as much in SQLite's
/// temporary B-trees and an automatic index built on every run.
pub(crate) fn posted(
    conn: &Connection,
    customer: &CustomerId,
    loan: Option<&LoanId>,
) -> rusqlite::Result<Vec<Line>> {
    let mut sums: HashMap<LedgerId, (i64, i64)> = HashMap::new();
    let mut postings = conn.prepare_cached(RECEIVABLE_POSTINGS)?;
    let mut rows = postings.query(params![customer, loan])?;
    while let Some(r) = rows.next()? {
        let (debit, credit) = sums.entry(r.get(0)?).or_default();
        match r.get_ref(1)?.as_str()? {
            "debit" => *debit += r.get::<_, i64>(2)?,
            _ => *credit += r.get::<_, i64>(2)?,
        }
    }
    let mut read: Vec<Read> = conn
        .prepare_cached(TRANSACTIONS)?
        .query_map(params![customer, loan], |r| {
            Ok(Read {
                line: Line {
                    id: Some(r.get(0)?),
                    loan: r.get(1)?,
                    ticket_no: r.get(2)?,
                    on: db::date(r, 3)?,
                    kind: EntryKind::from_code(r.get_ref(4)?.as_str()?)
                        .unwrap_or(EntryKind::Reversal),
                    method: Method::from_code(r.get_ref(5)?.as_str()?).unwrap_or(Method::None),
                    reference: r.get(6)?,
                    note: r.get(7)?,
                    reversed_on: None,
                    payout_with_state: r.get(9)?,
                    debit: 0,
                    credit: 0,
                    balance: 0,
                },
                reverses: r.get(8)?,
                order: (r.get(10)?, r.get(11)?),
            })
        })?
        .collect::<Result<_, _>>()?;
    read.sort_unstable_by(|a, b| (a.line.on, &a.order).cmp(&(b.line.on, &b.order)));
    let reversed_on: HashMap<LedgerId, NaiveDate> = read
        .iter_mut()
        .filter_map(|r| Some((r.reverses.take()?, r.line.on)))
        .collect();
    Ok(read
        .into_iter()
        .filter_map(|Read { mut line, .. }| {
            let id = line.id.as_ref()?;
            let (debit, credit) = *sums.get(id)?;
            line.reversed_on = reversed_on.get(id).copied();
            (line.debit, line.credit) = (debit, credit);
            Some(line)
        })
        .collect())
}

/// A ticket's [`History`] from its posted lines, as `super::movements_and_charged` reads it
/// from the ledger. A payment part, a charge or a credit moves one receivable one way, so its
/// amount is the line's debit or credit.
pub(crate) fn history(posted: &[Line], loan: &LoanId) -> History {
    let mut history = History::default();
    for line in posted.iter().filter(|l| &l.loan == loan) {
        let amount = line.debit + line.credit;
        history.add(line.kind, amount, line.on, line.reversed_on);
    }
    history
}

/// Where a kind of line stands within its day.
fn rank(kind: EntryKind) -> u8 {
    match kind {
        EntryKind::InterestCharge | EntryKind::FeeCharge => 0,
        EntryKind::InterestCredit | EntryKind::FeeCredit => 2,
        _ => 1,
    }
}

/// A pending charge as a line.
fn pending_line(p: &Pending) -> Line {
    Line {
        id: None,
        loan: p.loan.clone(),
        ticket_no: p.ticket_no.clone(),
        on: p.on,
        kind: EntryKind::charge(p.interest, p.amount),
        method: Method::None,
        reference: String::new(),
        note: String::new(),
        reversed_on: None,
        payout_with_state: false,
        debit: p.amount.max(0),
        credit: (-p.amount).max(0),
        balance: 0,
    }
}
