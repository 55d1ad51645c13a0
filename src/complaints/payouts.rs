//! A disbursement case's payout (seed 003 B.7): marking the ticket's payout failed and making
//! it again from the case, through `loans::disbursements` (the ledger, the ticket, the audit),
//! with each step on the case's timeline. The event's detail is the payout's new state and
//! the reason (failed) or the method (made again), shown in the reader's language.

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::Transaction;

use super::cases::{self, CaseError};
use super::{Case, EventKind};
use crate::loans::disbursements::{self, Again, State};
use crate::plumbing::ids::{ComplaintId, DisbursementId};
use crate::roles::StaffUser;

/// The open case and the payout, which must be of the case's ticket.
fn case_and_payout(
    tx: &Transaction,
    id: &ComplaintId,
    payout: &DisbursementId,
) -> Result<Case, CaseError> {
    let case = super::get(tx, id)?.ok_or(CaseError::NoSuchCase)?;
    if !case.state.is_open() {
        return Err(CaseError::Closed);
    }
    let found = disbursements::get(tx, payout)?;
    match (found, &case.loan_id) {
        (Some(p), Some(loan)) if &p.loan == loan => Ok(case),
        _ => Err(CaseError::NoTicket),
    }
}

/// Marks the case's payout failed with a reason.
pub(crate) fn mark_failed(
    tx: &Transaction,
    id: &ComplaintId,
    payout: &DisbursementId,
    reason: &str,
    user: &StaffUser,
    (today, now): (NaiveDate, DateTime<Utc>),
) -> Result<(), CaseError> {
    case_and_payout(tx, id, payout)?;
    disbursements::mark_failed(tx, payout, reason, user, today, now)?;
    let detail = format!("{}:{}", State::Failed.code(), reason.trim());
    cases::record(
        tx,
        id,
        EventKind::Disbursement,
        Some(&user.id),
        (None, None),
        &detail,
        now,
    )?;
    cases::responded(tx, id, now)
}

/// Makes the case's failed payout again.
pub(crate) fn make_again(
    tx: &Transaction,
    id: &ComplaintId,
    payout: &DisbursementId,
    again: &Again,
    user: &StaffUser,
    (today, now): (NaiveDate, DateTime<Utc>),
) -> Result<(), CaseError> {
    case_and_payout(tx, id, payout)?;
    disbursements::make_again(tx, payout, again, user, today, now)?;
    let detail = format!("{}:{}", State::MadeAgain.code(), again.method.code());
    cases::record(
        tx,
        id,
        EventKind::Disbursement,
        Some(&user.id),
        (None, None),
        &detail,
        now,
    )?;
    cases::responded(tx, id, now)
}
