//! Receipts (issue 13, point 4): every money movement of a ticket gets one, written in the
//! transaction of the movement itself: a payment at the counter (partial, extension,
//! redemption), a payment code confirmed at the counter and a statement line applied by an
//! import (all through `ops::take_payment`), and the payout of a new ticket
//! (`ops::approve_and_disburse`). A ticket brought over from the previous system gets none for
//! its bookkeeping rows: those receipts were the previous system's.
//!
//! **The number** is per branch and business year (`JKT1-R-2026-000042`, like the ticket's
//! `JKT1-2026-000042`): 1, 2, 3 ... without gaps, never reused. It is allocated as
//! `MAX(seq) + 1` of the year by the one `INSERT` that writes the receipt, inside the caller's
//! `BEGIN IMMEDIATE` transaction: that transaction holds the database's only write lock, so no
//! two movements read the same maximum, and a movement that fails or rolls back takes its
//! number with it (no gap). A counter table would add a second row to keep in step for nothing:
//! `UNIQUE (year, seq)` refuses a duplicate even from a caller that forgot the lock, and the
//! table's triggers refuse deleting a receipt or changing its number, so the maximum never goes
//! down and no number comes round again. The year is the movement's business date's (the
//! ledger's `on_date`: a statement line of 31 December imported on 2 January is last year's).
//! The branch code is not stored: a branch's rows are its own, and head office knows whose
//! batch it receives, so `Number::display` puts it in front.
//!
//! **What it says** comes from the ledger (the movement's rows: the parts, the method and the
//! reference, and whether a part was reversed) and from the receipt (kind, cashier, the due date
//! and principal outstanding right after it, when it was issued). A reversal never deletes or
//! renumbers a receipt: it stays, and shows "Reversed", read from the ledger's reversal rows.
//!
//! **Original or copy**: every showing of the receipt page counts (`views`, raised in the
//! transaction that reads it, [`show`]); the first showing is the original, every later one says
//! "Copy". A showing is what can be printed, so counting showings rather than print dialogs
//! (which the server never sees) means no second piece of paper can claim to be the original;
//! changing paper on screen (`assets/receipt.js`) does not reload the page, so it is not one,
//! and neither is a HEAD request, which shows nothing.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use crate::ledger::{self, EntryKind, Method};
use crate::plumbing::i18n::Msg;
use crate::plumbing::ids::{CustomerId, LedgerId, LoanId, PaymentId, ReceiptId, StaffId};

/// What a receipt is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A payment that neither extended nor closed the ticket.
    Payment,
    Extension,
    /// The payment that closed the ticket.
    Redemption,
    /// The payout of a new ticket to the customer.
    Disbursement,
}

impl Kind {
    const ALL: [Kind; 4] = [
        Kind::Payment,
        Kind::Extension,
        Kind::Redemption,
        Kind::Disbursement,
    ];

    /// The code in the database.
    pub(crate) fn code(self) -> &'static str {
        match self {
            Kind::Payment => "payment",
            Kind::Extension => "extension",
            Kind::Redemption => "redemption",
            Kind::Disbursement => "disbursement",
        }
    }

    fn from_code(code: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.code() == code)
    }

    /// The kind for people.
    pub(crate) fn label(self) -> Msg {
        match self {
            Kind::Payment => Msg::ReceiptKindPayment,
            Kind::Extension => Msg::ReceiptKindExtension,
            Kind::Redemption => Msg::ReceiptKindRedemption,
            Kind::Disbursement => Msg::EntryDisbursement,
        }
    }
}

/// A receipt's number: its business year and its place in the year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Number {
    pub(crate) year: i32,
    pub(crate) seq: i64,
}

impl Number {
    /// The number as printed, after the branch code: `JKT1-R-2026-000042`.
    pub(crate) fn display(self, branch: &str) -> String {
        format!("{branch}-R-{}-{:06}", self.year, self.seq)
    }
}

/// The money movement a receipt is for.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Movement<'a> {
    /// The ledger rows of a payment.
    Payment(&'a PaymentId),
    /// The ledger row of a disbursement.
    Disbursement(&'a LedgerId),
}

/// A receipt about to be issued.
pub(crate) struct Issue<'a> {
    pub(crate) kind: Kind,
    pub(crate) movement: Movement<'a>,
    pub(crate) loan: &'a LoanId,
    pub(crate) customer: &'a CustomerId,
    /// The cashier; `None` for a payment applied from a statement import.
    pub(crate) staff: Option<&'a StaffId>,
    /// The ticket's due date after the movement; `None` once redeemed.
    pub(crate) due_after: Option<NaiveDate>,
    pub(crate) principal_after: i64,
    /// The movement's business date.
    pub(crate) on: NaiveDate,
}

/// Issues the receipt of a movement with the next number of its business year. The caller
/// runs it in the movement's own write transaction (see the module documentation).
pub(crate) fn issue(
    conn: &Connection,
    issue: &Issue,
    now: DateTime<Utc>,
) -> rusqlite::Result<(ReceiptId, Number)> {
    let id = ReceiptId::new(now);
    let year = issue.on.year();
    let (payment, disbursement) = match issue.movement {
        Movement::Payment(p) => (Some(p), None),
        Movement::Disbursement(l) => (None, Some(l)),
    };
    let seq: i64 = conn
        .prepare_cached(
            "INSERT INTO receipts (id, year, seq, kind, loan_id, customer_id, payment_id, disbursement_id, staff_id,
                                   due_after, principal_after, on_date, issued_at)
             SELECT ?1, ?2, COALESCE(MAX(seq), 0) + 1, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12
             FROM receipts WHERE year = ?2
             RETURNING seq",
        )?
        .query_row(
            params![
                id,
                year,
                issue.kind.code(),
                issue.loan,
                issue.customer,
                payment,
                disbursement,
                issue.staff,
                issue.due_after,
                issue.principal_after,
                issue.on,
                now
            ],
            |r| r.get(0),
        )?;
    Ok((id, Number { year, seq }))
}

/// One part of the movement, as the receipt lists it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Part {
    /// Interest, fee or principal (a payment), or disbursement.
    pub(crate) kind: EntryKind,
    pub(crate) amount: i64,
    pub(crate) reversed: bool,
}

/// A receipt with everything it prints.
#[derive(Debug, Clone)]
pub(crate) struct Receipt {
    pub(crate) number: Number,
    pub(crate) kind: Kind,
    pub(crate) loan: LoanId,
    pub(crate) ticket_no: String,
    pub(crate) customer_name: String,
    /// The cashier's full name; `None` when no staff member took it.
    pub(crate) cashier: Option<String>,
    /// Whether a statement import applied it.
    pub(crate) from_statement: bool,
    pub(crate) due_after: Option<NaiveDate>,
    pub(crate) principal_after: i64,
    /// When the money moved (the ledger's time; the receipt was issued in the same moment).
    pub(crate) at: DateTime<Utc>,
    /// The parts with an amount, in the ledger's order (interest, fees, principal).
    pub(crate) parts: Vec<Part>,
    pub(crate) method: Method,
    pub(crate) reference: String,
    /// How often the receipt has been shown, this showing included.
    pub(crate) views: i64,
}

impl Receipt {
    /// What moved, all parts together.
    pub(crate) fn total(&self) -> i64 {
        self.parts.iter().map(|p| p.amount).sum()
    }

    /// What the parts of `kind` come to.
    pub(crate) fn part(&self, kind: EntryKind) -> i64 {
        self.parts
            .iter()
            .filter(|p| p.kind == kind)
            .map(|p| p.amount)
            .sum()
    }

    /// Whether this showing is a copy: the receipt was shown before.
    pub(crate) fn is_copy(&self) -> bool {
        self.views > 1
    }

    /// Whether a part of the movement was reversed.
    pub(crate) fn reversed(&self) -> bool {
        self.parts.iter().any(|p| p.reversed)
    }
}

/// The receipt of a payment, if it has one.
pub(crate) fn of_payment(
    conn: &Connection,
    payment: &PaymentId,
) -> rusqlite::Result<Option<ReceiptId>> {
    conn.prepare_cached("SELECT id FROM receipts WHERE payment_id = ?1")?
        .query_row([payment], |r| r.get(0))
        .optional()
}

/// Shows a receipt: counts this showing and returns the receipt as it prints now. The caller
/// runs it in a write transaction and commits, so every showing is counted exactly once.
pub(crate) fn show(conn: &Connection, id: &ReceiptId) -> rusqlite::Result<Option<Receipt>> {
    if conn.execute("UPDATE receipts SET views = views + 1 WHERE id = ?1", [id])? == 0 {
        return Ok(None);
    }
    read(conn, id)
}

/// A receipt as stored, without counting a showing.
pub(crate) fn read(conn: &Connection, id: &ReceiptId) -> rusqlite::Result<Option<Receipt>> {
    type Stored = (Receipt, Option<PaymentId>, Option<LedgerId>);
    let stored: Option<Stored> = conn
        .prepare_cached(
            "SELECT r.year, r.seq, r.kind, r.loan_id, t.ticket_no, c.full_name, s.full_name,
                    EXISTS (SELECT 1 FROM statement_lines sl WHERE sl.payment_id = r.payment_id),
                    r.due_after, r.principal_after, r.issued_at, r.views, r.payment_id, r.disbursement_id
             FROM receipts r JOIN loans t ON t.id = r.loan_id JOIN customers c ON c.id = r.customer_id
                  LEFT JOIN staff s ON s.id = r.staff_id
             WHERE r.id = ?1",
        )?
        .query_row([id], |r| {
            let receipt = Receipt {
                number: Number {
                    year: r.get(0)?,
                    seq: r.get(1)?,
                },
                kind: Kind::from_code(&r.get::<_, String>(2)?).unwrap_or(Kind::Payment),
                loan: r.get(3)?,
                ticket_no: r.get(4)?,
                customer_name: r.get(5)?,
                cashier: r.get(6)?,
                from_statement: r.get(7)?,
                due_after: r.get(8)?,
                principal_after: r.get(9)?,
                at: r.get(10)?,
                parts: Vec::new(),
                method: Method::None,
                reference: String::new(),
                views: r.get(11)?,
            };
            Ok((receipt, r.get(12)?, r.get(13)?))
        })
        .optional()?;
    let Some((mut receipt, payment, disbursement)) = stored else {
        return Ok(None);
    };
    let rows = ledger::movement(conn, payment.as_ref(), disbursement.as_ref())?;
    if let Some(first) = rows.first() {
        receipt.at = first.at;
        receipt.method = first.method;
        receipt.reference.clone_from(&first.reference);
    }
    receipt.parts = rows
        .iter()
        .map(|e| Part {
            kind: e.kind,
            amount: e.amount,
            reversed: e.reversed,
        })
        .collect();
    Ok(Some(receipt))
}

/// A receipt as a ticket's list shows it.
#[derive(Debug, Clone)]
pub(crate) struct Line {
    pub(crate) id: ReceiptId,
    pub(crate) number: Number,
    pub(crate) kind: Kind,
    pub(crate) issued_at: DateTime<Utc>,
}

/// A ticket's receipts, oldest first.
pub(crate) fn of_ticket(conn: &Connection, loan: &LoanId) -> rusqlite::Result<Vec<Line>> {
    conn.prepare_cached(
        "SELECT id, year, seq, kind, issued_at FROM receipts WHERE loan_id = ?1 ORDER BY issued_at, year, seq",
    )?
    .query_map([loan], |r| {
        Ok(Line {
            id: r.get(0)?,
            number: Number {
                year: r.get(1)?,
                seq: r.get(2)?,
            },
            kind: Kind::from_code(&r.get::<_, String>(3)?).unwrap_or(Kind::Payment),
            issued_at: r.get(4)?,
        })
    })?
    .collect()
}

#[cfg(test)]
mod tests;
