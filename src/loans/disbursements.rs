//! A ticket's payout by bank transfer or mobile money and its state (seed 003 B.7): sent (when,
//! by whom), marked failed (when, by whom, why) and made again (the new payout, linked to the
//! failed one). Cash is handed over at the counter and has no state: a mistake in it is a
//! ledger correction, not a failed payout, so it cannot be marked failed.
//!
//! What the customer owes while a payout has failed: nothing. They never received the money,
//! so marking it failed reverses the payout in the ledger (the principal receivable back to
//! zero, the bank or mobile-money clearing account restored) and credits back the interest and
//! fees already charged on the ticket; no charge falls due while the payout waits
//! (`charges::due` asks `Ticket::payout_waits`, read with the ticket). The ticket stays
//! Active, its items held, and its page and the complaint case show the payout outstanding. Making it again pays the principal
//! out anew (same or another method, with a receipt) and counts the ticket's periods from that
//! day (`ops::restart`), so interest runs only on money the customer received; the charges of
//! the new first period are then due as for a new ticket, and `terms::owed` and the statement
//! agree again.
//!
//! While it waits, `ops::load` reads it as the ticket's `payout_waits`: `terms::owed` is 0,
//! the states pass keeps the ticket Active however late its dates (`ops::state_on`), no
//! reminder is due, no payment code is made, and the portal shows the payout waiting.
//!
//! Refused: a payout already failed or made again, a ticket no longer open, and a ticket on
//! which something was paid (a customer who paid has the money; that is a correction). The
//! other way round, a payout with a state is never reversed by a manager's general correction
//! (`ledger::reverse` refuses it and the reversal that marked it failed): its state would no
//! longer say what the ledger does. [`mark_failed`] reverses it through
//! `ledger::reverse_failed_payout`.

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::json;

use super::ops::{self, Ticket};
use super::receipts;
use crate::audit::{self, Actor, Change};
use crate::ledger::{self, Method, Posting, ReversalError, postings};
use crate::plumbing::i18n::Msg;
use crate::plumbing::ids::{DisbursementId, LedgerId, LoanId, ReceiptId};
use crate::roles::StaffUser;

/// The longest reason for marking a payout failed.
pub(crate) const MAX_REASON_CHARS: usize = 500;

/// Where a payout is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum State {
    /// Sent to the customer's bank account or wallet.
    Sent,
    /// Did not reach the customer; waits to be made again.
    Failed,
    /// Failed, and paid out again by a later payout.
    MadeAgain,
}

impl State {
    /// The code in the database.
    pub(crate) fn code(self) -> &'static str {
        match self {
            State::Sent => "sent",
            State::Failed => "failed",
            State::MadeAgain => "made_again",
        }
    }

    /// The state named by its code.
    pub(crate) fn from_code(code: &str) -> Option<State> {
        [State::Sent, State::Failed, State::MadeAgain]
            .into_iter()
            .find(|s| s.code() == code)
    }

    /// The state for people.
    pub(crate) fn label(self) -> Msg {
        match self {
            State::Sent => Msg::DisbursementSent,
            State::Failed => Msg::DisbursementFailed,
            State::MadeAgain => Msg::DisbursementMadeAgain,
        }
    }
}

/// One payout of a ticket with its state.
#[derive(Debug, Clone)]
pub(crate) struct Disbursement {
    pub(crate) id: DisbursementId,
    pub(crate) loan: LoanId,
    /// The payout's ledger transaction.
    pub(crate) ledger: LedgerId,
    pub(crate) method: Method,
    pub(crate) reference: String,
    pub(crate) amount: i64,
    pub(crate) state: State,
    pub(crate) sent_at: DateTime<Utc>,
    /// The staff member's name.
    pub(crate) sent_by: Option<String>,
    pub(crate) failed_at: Option<DateTime<Utc>>,
    pub(crate) failed_by: Option<String>,
    pub(crate) failed_reason: String,
    /// The failed payout this one made again.
    pub(crate) replaces: Option<DisbursementId>,
}

/// Why a payout was not marked failed or made again.
#[derive(Debug, thiserror::Error)]
pub(crate) enum DisbursementError {
    #[error("no such payout")]
    NotFound,
    #[error("cash was handed over at the counter; a mistake in it is a ledger correction")]
    Cash,
    #[error("only a payout that was sent can be marked failed")]
    NotSent,
    #[error("only a failed payout can be made again")]
    NotFailed,
    #[error("the ticket is no longer open")]
    TicketClosed,
    #[error("something was paid on the ticket; correct the ledger instead")]
    PaidOn,
    #[error("a reason needs 3 to {MAX_REASON_CHARS} characters on one line")]
    Reason,
    #[error("a payout needs a method: cash, bank transfer or mobile money")]
    Method,
    #[error("no open cash drawer to pay the cash from")]
    NoOpenDrawer,
    #[error("the payout's ledger row cannot be reversed: {0}")]
    Reversal(ReversalError),
    #[error("database: {0}")]
    Db(#[from] rusqlite::Error),
}

impl DisbursementError {
    /// The message for staff; none for a missing payout (404) or the database (500).
    pub(crate) fn message(&self) -> Option<Msg> {
        Some(match self {
            DisbursementError::Cash => Msg::DisbursementCashCannotFail,
            DisbursementError::NotSent => Msg::DisbursementNotSent,
            DisbursementError::NotFailed => Msg::DisbursementNotFailed,
            DisbursementError::TicketClosed => Msg::DisbursementTicketClosed,
            DisbursementError::PaidOn => Msg::DisbursementPaidOn,
            DisbursementError::Reason => Msg::DisbursementReasonNeeded,
            DisbursementError::Method => Msg::DisbursementChooseMethod,
            DisbursementError::NoOpenDrawer => Msg::NoOpenDrawer,
            DisbursementError::Reversal(_) => Msg::AlreadyReversed,
            DisbursementError::NotFound | DisbursementError::Db(_) => return None,
        })
    }
}

/// Records a payout just posted (`row`) with the state sent: a bank transfer or mobile money,
/// or any method when it makes a failed payout again (`replaces`). A first payout in cash
/// gets no row. Returns the payout's id when it got one.
pub(crate) fn record_sent(
    conn: &Connection,
    record: &Ticket,
    posting: &Posting,
    row: &LedgerId,
    replaces: Option<&DisbursementId>,
) -> rusqlite::Result<Option<DisbursementId>> {
    if posting.method == Method::Cash && replaces.is_none() {
        return Ok(None);
    }
    let id = DisbursementId::new(posting.at);
    conn.prepare_cached(
        "INSERT INTO disbursements (id, loan_id, ledger_id, method, reference, amount, state, sent_at, sent_by,
                                    replaces, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'sent', ?7, ?8, ?9, ?7)",
    )?
    .execute(params![
        id,
        record.id,
        row,
        posting.method.code(),
        posting.reference,
        record.principal,
        posting.at,
        posting.staff,
        replaces
    ])?;
    Ok(Some(id))
}

const COLUMNS: &str = "d.id, d.loan_id, d.ledger_id, d.method, d.reference, d.amount, d.state, d.sent_at,
     s.full_name, d.failed_at, f.full_name, d.failed_reason, d.replaces
     FROM disbursements d LEFT JOIN staff s ON s.id = d.sent_by LEFT JOIN staff f ON f.id = d.failed_by";

fn read(r: &rusqlite::Row<'_>) -> rusqlite::Result<Disbursement> {
    Ok(Disbursement {
        id: r.get(0)?,
        loan: r.get(1)?,
        ledger: r.get(2)?,
        method: Method::from_code(&r.get::<_, String>(3)?).unwrap_or(Method::None),
        reference: r.get(4)?,
        amount: r.get(5)?,
        state: State::from_code(&r.get::<_, String>(6)?).unwrap_or(State::Sent),
        sent_at: r.get(7)?,
        sent_by: r.get(8)?,
        failed_at: r.get(9)?,
        failed_by: r.get(10)?,
        failed_reason: r.get(11)?,
        replaces: r.get(12)?,
    })
}

/// A payout by its id.
pub(crate) fn get(
    conn: &Connection,
    id: &DisbursementId,
) -> rusqlite::Result<Option<Disbursement>> {
    conn.prepare_cached(&format!("SELECT {COLUMNS} WHERE d.id = ?1"))?
        .query_row([id], read)
        .optional()
}

/// A ticket's payouts with a state, oldest first (none for a ticket paid out in cash).
pub(crate) fn of_ticket(conn: &Connection, loan: &LoanId) -> rusqlite::Result<Vec<Disbursement>> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} WHERE d.loan_id = ?1 ORDER BY d.sent_at, d.rowid"
    ))?
    .query_map([loan], read)?
    .collect()
}

/// The payout and its ticket, open and with nothing paid on it.
fn payout_and_ticket(
    conn: &Connection,
    id: &DisbursementId,
) -> Result<(Disbursement, Ticket), DisbursementError> {
    let payout = get(conn, id)?.ok_or(DisbursementError::NotFound)?;
    let ticket = ops::load(conn, &payout.loan)?.ok_or(DisbursementError::NotFound)?;
    if !ticket.is_open() {
        return Err(DisbursementError::TicketClosed);
    }
    let paid = super::charges::paid(conn, &ticket.id)?;
    if paid.interest + paid.fees + paid.principal.iter().map(|(_, a)| a).sum::<i64>() > 0 {
        return Err(DisbursementError::PaidOn);
    }
    Ok((payout, ticket))
}

/// Marks a sent payout failed with a reason: its ledger transaction reversed, the charges
/// posted on the ticket credited back (see the module documentation), audited. In the
/// caller's transaction.
pub(crate) fn mark_failed(
    conn: &Connection,
    id: &DisbursementId,
    reason: &str,
    staff: &StaffUser,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<(), DisbursementError> {
    let (payout, ticket) = payout_and_ticket(conn, id)?;
    if payout.method == Method::Cash {
        return Err(DisbursementError::Cash);
    }
    if payout.state != State::Sent {
        return Err(DisbursementError::NotSent);
    }
    let reason = reason.trim();
    let length = reason.chars().count();
    if !(3..=MAX_REASON_CHARS).contains(&length) || reason.chars().any(char::is_control) {
        return Err(DisbursementError::Reason);
    }
    let reversed =
        ledger::reverse_failed_payout(conn, &payout.ledger, reason, &staff.id, today, now);
    reversed.map_err(|e| match e {
        ReversalError::Db(e) => DisbursementError::Db(e),
        other => DisbursementError::Reversal(other),
    })?;
    let reversal: LedgerId = conn
        .prepare_cached("SELECT id FROM ledger WHERE reverses = ?1")?
        .query_row([&payout.ledger], |r| r.get(0))?;
    credit_charges(conn, &ticket, staff, today, now)?;
    conn.prepare_cached(
        "UPDATE disbursements SET state = 'failed', failed_at = ?2, failed_by = ?3, failed_reason = ?4,
                reversal_id = ?5, updated_at = ?2 WHERE id = ?1",
    )?
    .execute(params![id, now, staff.id, reason, reversal])?;
    let change = Change {
        action: "disbursement.failed",
        entity: "disbursement",
        entity_id: id.as_str(),
        before: Some(
            json!({ "state": "sent", "loan": ticket.id.as_str(), "amount": payout.amount }),
        ),
        after: Some(json!({ "state": "failed", "reason": reason, "reversal": reversal.as_str() })),
    };
    audit::record(conn, &Actor::Staff(staff), &change, now)?;
    Ok(())
}

/// Credits back what has been charged on the ticket (interest and fees), dated `today`.
fn credit_charges(
    conn: &Connection,
    ticket: &Ticket,
    staff: &StaffUser,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> rusqlite::Result<()> {
    let charged = ledger::charged(conn, &ticket.id)?;
    let posting = Posting {
        loan: &ticket.id,
        customer: &ticket.customer,
        method: Method::None,
        reference: "",
        staff: Some(&staff.id),
        on: today,
        at: now,
    };
    ledger::charge(conn, &posting, true, -charged.interest)?;
    ledger::charge(conn, &posting, false, -charged.fees)?;
    Ok(())
}

/// How a failed payout is made again.
pub(crate) struct Again<'a> {
    pub(crate) method: Method,
    /// The transfer's or wallet's reference, as staff typed it.
    pub(crate) reference: &'a str,
}

/// Makes a failed payout again: the principal paid out anew by `again`'s method, the ticket's
/// periods counted from `today`, the new payout linked to the failed one (which becomes made
/// again), a receipt, audited. In the caller's transaction; returns the new payout's receipt.
pub(crate) fn make_again(
    conn: &Connection,
    id: &DisbursementId,
    again: &Again,
    staff: &StaffUser,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<ReceiptId, DisbursementError> {
    if !Method::PAYABLE.contains(&again.method) {
        return Err(DisbursementError::Method);
    }
    let (payout, ticket) = payout_and_ticket(conn, id)?;
    if payout.state != State::Failed {
        return Err(DisbursementError::NotFailed);
    }
    ops::restart(conn, &ticket, &staff.id, today, now)?;
    let ticket = ops::load(conn, &ticket.id)?.ok_or(DisbursementError::NotFound)?;
    let reference = again.reference.trim();
    let posting = Posting {
        loan: &ticket.id,
        customer: &ticket.customer,
        method: again.method,
        reference,
        staff: Some(&staff.id),
        on: today,
        at: now,
    };
    let row = ledger::disburse(conn, &posting, ticket.principal).map_err(|e| {
        match postings::is_no_open_drawer(&e) {
            true => DisbursementError::NoOpenDrawer,
            false => DisbursementError::Db(e),
        }
    })?;
    let new = record_sent(conn, &ticket, &posting, &row, Some(id))?;
    conn.prepare_cached(
        "UPDATE disbursements SET state = 'made_again', updated_at = ?2 WHERE id = ?1",
    )?
    .execute(params![id, now])?;
    let change = Change {
        action: "disbursement.made_again",
        entity: "disbursement",
        entity_id: id.as_str(),
        before: Some(json!({ "state": "failed", "method": payout.method.code() })),
        after: Some(json!({
            "state": "made_again", "by": new.as_ref().map(DisbursementId::as_str),
            "method": again.method.code(), "reference": reference, "started_on": today.to_string(),
        })),
    };
    audit::record(conn, &Actor::Staff(staff), &change, now)?;
    let receipt = receipts::Issue {
        kind: receipts::Kind::Disbursement,
        movement: receipts::Movement::Disbursement(&row),
        loan: &ticket.id,
        customer: &ticket.customer,
        staff: Some(&staff.id),
        due_after: Some(ticket.maturity),
        principal_after: ticket.principal,
        on: today,
    };
    Ok(receipts::issue(conn, &receipt, now)?.0)
}

#[cfg(test)]
#[path = "disbursements_tests.rs"]
mod tests;
