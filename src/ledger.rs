//! The ledger: every money movement of a ticket, one row each (disbursement, interest, fee,
//! principal, reversal), in integer minor units, with method, reference, staff member and
//! time. Rows are only inserted (the schema refuses updates and deletes); a correction is a
//! reversal row pointing at the row it cancels, and a reversal restores exactly the state
//! before it, because balances are always sums of the ledger ([`paid`]).

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use crate::loans::terms::{Allocation, Paid};
use crate::plumbing::ids::{CustomerId, LedgerId, LoanId, PaymentId, StaffId};

/// What a ledger row records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EntryKind {
    /// Money paid out to the customer when the ticket is written.
    Disbursement,
    Interest,
    Fee,
    Principal,
    /// Cancels another row.
    Reversal,
}

impl EntryKind {
    /// The code in the database.
    pub(crate) fn code(self) -> &'static str {
        match self {
            EntryKind::Disbursement => "disbursement",
            EntryKind::Interest => "interest",
            EntryKind::Fee => "fee",
            EntryKind::Principal => "principal",
            EntryKind::Reversal => "reversal",
        }
    }

    /// The kind named by its code.
    pub(crate) fn from_code(code: &str) -> Option<EntryKind> {
        [
            EntryKind::Disbursement,
            EntryKind::Interest,
            EntryKind::Fee,
            EntryKind::Principal,
            EntryKind::Reversal,
        ]
        .into_iter()
        .find(|k| k.code() == code)
    }
}

/// How money moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Method {
    Cash,
    BankTransfer,
    MobileMoney,
    /// Bookkeeping only (a reversal).
    None,
}

impl Method {
    /// Every method a customer can pay or be paid by.
    pub(crate) const PAYABLE: [Method; 3] =
        [Method::Cash, Method::BankTransfer, Method::MobileMoney];

    /// The code in the database and forms.
    pub(crate) fn code(self) -> &'static str {
        match self {
            Method::Cash => "cash",
            Method::BankTransfer => "bank_transfer",
            Method::MobileMoney => "mobile_money",
            Method::None => "none",
        }
    }

    /// The method named by its code.
    pub(crate) fn from_code(code: &str) -> Option<Method> {
        [
            Method::Cash,
            Method::BankTransfer,
            Method::MobileMoney,
            Method::None,
        ]
        .into_iter()
        .find(|m| m.code() == code)
    }
}

/// Who, how and when, shared by the rows of one movement.
pub(crate) struct Posting<'a> {
    pub(crate) loan: &'a LoanId,
    pub(crate) customer: &'a CustomerId,
    pub(crate) method: Method,
    pub(crate) reference: &'a str,
    pub(crate) staff: Option<&'a StaffId>,
    /// The branch-local business date.
    pub(crate) on: NaiveDate,
    pub(crate) at: DateTime<Utc>,
}

/// Inserts one row.
fn insert(
    conn: &Connection,
    posting: &Posting,
    kind: EntryKind,
    amount: i64,
    payment: Option<&PaymentId>,
    reverses: Option<(&LedgerId, &str)>,
) -> rusqlite::Result<LedgerId> {
    let id = LedgerId::new(posting.at);
    let (reverses, note) = reverses.map_or((None, ""), |(row, reason)| (Some(row), reason));
    conn.prepare_cached(
        "INSERT INTO ledger (id, loan_id, customer_id, kind, amount, method, reference, payment_id, reverses, staff_id,
                             on_date, at, note)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    )?
    .execute(params![
        id,
        posting.loan,
        posting.customer,
        kind.code(),
        amount,
        posting.method.code(),
        posting.reference,
        payment,
        reverses,
        posting.staff,
        posting.on,
        posting.at,
        note
    ])?;
    Ok(id)
}

/// Records the disbursement of a new ticket.
pub(crate) fn disburse(
    conn: &Connection,
    posting: &Posting,
    amount: i64,
) -> rusqlite::Result<LedgerId> {
    insert(conn, posting, EntryKind::Disbursement, amount, None, None)
}

/// Records a payment split by [`Allocation`]: one row per non-zero part, sharing the payment
/// id (made when the payment form was shown, so a form sent twice is recognised).
pub(crate) fn pay(
    conn: &Connection,
    posting: &Posting,
    split: &Allocation,
    payment: &PaymentId,
) -> rusqlite::Result<()> {
    for (kind, amount) in [
        (EntryKind::Interest, split.interest),
        (EntryKind::Fee, split.fees),
        (EntryKind::Principal, split.principal),
    ] {
        if amount > 0 {
            insert(conn, posting, kind, amount, Some(payment), None)?;
        }
    }
    Ok(())
}

/// What has been paid on a ticket, net of reversals.
pub(crate) fn paid(conn: &Connection, loan: &LoanId) -> rusqlite::Result<Paid> {
    let mut stmt = conn.prepare_cached(
        "SELECT l.kind, l.amount, l.on_date FROM ledger l
         WHERE l.loan_id = ?1 AND l.kind IN ('interest', 'fee', 'principal')
           AND NOT EXISTS (SELECT 1 FROM ledger r WHERE r.reverses = l.id)",
    )?;
    let mut paid = Paid::default();
    let rows = stmt.query_map([loan], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, NaiveDate>(2)?,
        ))
    })?;
    for row in rows {
        let (kind, amount, on) = row?;
        match kind.as_str() {
            "interest" => paid.interest += amount,
            "fee" => paid.fees += amount,
            _ => paid.principal.push((on, amount)),
        }
    }
    Ok(paid)
}

/// One ledger row as listed.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub(crate) id: LedgerId,
    pub(crate) loan: LoanId,
    pub(crate) ticket_no: String,
    pub(crate) kind: EntryKind,
    pub(crate) amount: i64,
    pub(crate) method: Method,
    pub(crate) reference: String,
    pub(crate) on: NaiveDate,
    pub(crate) at: DateTime<Utc>,
    pub(crate) reversed: bool,
    pub(crate) reverses: Option<LedgerId>,
    pub(crate) payment: Option<PaymentId>,
    pub(crate) note: String,
}

impl Entry {
    /// The entry's effect on what the customer owes: a disbursement adds, a payment removes, a
    /// reversal undoes the row it cancels.
    pub(crate) fn debit_credit(&self, reversed_kind: Option<EntryKind>) -> (i64, i64) {
        match (self.kind, reversed_kind) {
            (EntryKind::Disbursement, _) => (self.amount, 0),
            (EntryKind::Reversal, Some(EntryKind::Disbursement)) => (0, self.amount),
            (EntryKind::Reversal, _) => (self.amount, 0),
            _ => (0, self.amount),
        }
    }
}

/// The ledger rows of a customer (all tickets) or of one ticket, oldest first, optionally
/// between two business dates. A customer's rows are those of the customer's tickets (not
/// `ledger.customer_id`, which records whose the ticket was when the row was written): a
/// merge moves tickets to the surviving record, and the ledger itself never changes.
pub(crate) fn entries(
    conn: &Connection,
    customer: &CustomerId,
    loan: Option<&LoanId>,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> rusqlite::Result<Vec<Entry>> {
    conn.prepare_cached(
        "SELECT l.id, l.loan_id, t.ticket_no, l.kind, l.amount, l.method, l.reference, l.on_date, l.at,
                EXISTS (SELECT 1 FROM ledger r WHERE r.reverses = l.id), l.reverses, l.note, l.payment_id
         FROM ledger l JOIN loans t ON t.id = l.loan_id
         WHERE t.customer_id = ?1 AND (?2 IS NULL OR l.loan_id = ?2)
           AND (?3 IS NULL OR l.on_date >= ?3) AND (?4 IS NULL OR l.on_date <= ?4)
         ORDER BY l.at, l.id",
    )?
    .query_map(params![customer, loan, from, to], |r| {
        Ok(Entry {
            id: r.get(0)?,
            loan: r.get(1)?,
            ticket_no: r.get(2)?,
            kind: EntryKind::from_code(&r.get::<_, String>(3)?).unwrap_or(EntryKind::Reversal),
            amount: r.get(4)?,
            method: Method::from_code(&r.get::<_, String>(5)?).unwrap_or(Method::None),
            reference: r.get(6)?,
            on: r.get(7)?,
            at: r.get(8)?,
            reversed: r.get(9)?,
            reverses: r.get(10)?,
            note: r.get(11)?,
            payment: r.get(12)?,
        })
    })?
    .collect()
}

/// Why a reversal was refused.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ReversalError {
    #[error("no such ledger row")]
    NotFound,
    #[error("this row is already reversed")]
    AlreadyReversed,
    #[error("a reversal cannot itself be reversed; record the payment again")]
    IsReversal,
    #[error(transparent)]
    Db(#[from] rusqlite::Error),
}

/// Reverses one row with a reason (a manager's correction). The caller audits it.
pub(crate) fn reverse(
    conn: &Connection,
    row: &LedgerId,
    reason: &str,
    staff: &StaffId,
    on: NaiveDate,
    at: DateTime<Utc>,
) -> Result<(LoanId, i64, Option<PaymentId>), ReversalError> {
    let found: Option<(LoanId, CustomerId, String, i64, bool, Option<PaymentId>)> = conn
        .query_row(
            // The reversal is the ticket's customer's now (a merge may have moved the ticket).
            "SELECT l.loan_id, t.customer_id, l.kind, l.amount, EXISTS (SELECT 1 FROM ledger r WHERE r.reverses = l.id),
                    l.payment_id
             FROM ledger l JOIN loans t ON t.id = l.loan_id WHERE l.id = ?1",
            [row],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)),
        )
        .optional()?;
    let (loan, customer, kind, amount, reversed, payment) = found.ok_or(ReversalError::NotFound)?;
    if kind == "reversal" {
        return Err(ReversalError::IsReversal);
    }
    if reversed {
        return Err(ReversalError::AlreadyReversed);
    }
    let posting = Posting {
        loan: &loan,
        customer: &customer,
        method: Method::None,
        reference: "",
        staff: Some(staff),
        on,
        at,
    };
    insert(
        conn,
        &posting,
        EntryKind::Reversal,
        amount,
        None,
        Some((row, reason)),
    )?;
    Ok((loan, amount, payment))
}
