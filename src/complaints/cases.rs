//! Opening a case and every change to it. Each write is an event on the case (who, when, from
//! and to which state) in the caller's transaction; a change the rules do not allow is refused
//! with a [`CaseError`] and writes nothing. The allowed state changes are [`allowed`]; an
//! escalation goes through [`escalate`], which records to whom, why and who contacts the
//! customer. The first thing staff do on a case is its first response (the response clock).

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Transaction, params};

use super::{Category, Channel, ComplaintId, Escalation, EventKind, Outcome, Priority, State};
use super::{checklist, due, get};
use crate::audit::{self, Actor, Change};
use crate::customers::caller::{self, CallerError};
use crate::plumbing::config::Config;
use crate::plumbing::ids::{CustomerId, LoanId, StaffId, new_ulid};
use crate::roles::{Permission, StaffUser};

/// The longest description or note, in characters.
pub(crate) const MAX_TEXT_CHARS: usize = 2000;
/// The longest "to whom" or "who contacts the customer" of an escalation.
pub(crate) const MAX_NAME_CHARS: usize = 200;

/// Why a case was not opened or changed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CaseError {
    #[error("no such case")]
    NoSuchCase,
    #[error("no such customer")]
    NoSuchCustomer,
    #[error("no caller detail was checked")]
    CallerNotVerified,
    #[error("the description needs 1 to {MAX_TEXT_CHARS} characters")]
    Description,
    #[error("a note needs 1 to {MAX_TEXT_CHARS} characters")]
    Note,
    #[error("the ticket is not one of the customer's")]
    NotCustomersTicket,
    #[error("the payment code is not one of the customer's")]
    NotCustomersPaymentCode,
    #[error("only a customer opens a case on the portal, and a customer only there")]
    WrongChannel,
    #[error("a case cannot go from {from:?} to {to:?}")]
    NotAllowed { from: State, to: State },
    #[error("a resolved case needs its outcome")]
    OutcomeNeeded,
    #[error("the case is closed")]
    Closed,
    #[error("{0} is not a step of this category")]
    UnknownStep(String),
    #[error("the step is already recorded as done")]
    StepDone,
    #[error("an escalation needs to whom, why and who contacts the customer")]
    Escalation,
    #[error("the case has no payment code that can still be paid")]
    NoLiveCode,
    #[error("the case concerns no ticket")]
    NoTicket,
    #[error("no payment code can be made for the ticket: {0}")]
    NoCode(#[from] crate::loans::codes::CodeError),
    #[error("the owner is not an active staff member")]
    NoSuchOwner,
    #[error("the new email address is not the old one with exactly one allowed typo corrected")]
    NotAllowedTypo,
    #[error("the customer has no email address")]
    NoEmail,
    #[error("the reader's role may not do this")]
    Forbidden,
    #[error("the payout: {0}")]
    Disbursement(#[from] crate::loans::disbursements::DisbursementError),
    #[error("database: {0}")]
    Db(#[from] rusqlite::Error),
}

/// Who opens a case: a staff member (after verifying the caller) or the customer on the portal.
pub(crate) enum Opener<'a> {
    Staff {
        user: &'a StaffUser,
        /// The caller details checked (names of `customers::caller::DETAILS`).
        checked: &'a [&'a str],
    },
    Customer,
}

/// A new case as the form (or the portal) gives it.
pub(crate) struct NewCase<'a> {
    pub(crate) customer: &'a CustomerId,
    pub(crate) channel: Channel,
    pub(crate) category: Category,
    pub(crate) priority: Priority,
    pub(crate) loan: Option<&'a LoanId>,
    pub(crate) payment_code: Option<&'a str>,
    pub(crate) description: &'a str,
    pub(crate) owner: Option<&'a StaffId>,
}

/// Whether a case may go from `from` to `to` by [`change_state`]. Escalating is
/// [`escalate`]'s; a closed case stays closed; a resolved one may be reopened or closed.
pub(crate) fn allowed(from: State, to: State) -> bool {
    use State::*;
    matches!(
        (from, to),
        (Open, WaitingOnCustomer | Resolved)
            | (WaitingOnCustomer, Open | Resolved)
            | (Escalated, Open | WaitingOnCustomer | Resolved)
            | (Resolved, Open | Closed)
    )
}

/// The permission a state change needs: the CS manager's for anything on an escalated case
/// (the manager coordinates with the departments, seed 003 A.5, B.6, C.6) and for closing;
/// anyone who handles complaints for the rest.
pub(crate) fn permission_for(from: State, to: State) -> Permission {
    if from == State::Escalated || to == State::Closed {
        Permission::ComplaintEscalations
    } else {
        Permission::Complaints
    }
}

/// Opens a case. A staff member's case records the caller check (`customers::caller`) and its
/// checklist's first step; the customer's comes from the portal.
pub(crate) fn open(
    tx: &Transaction,
    new: &NewCase,
    opener: &Opener,
    config: &Config,
    now: DateTime<Utc>,
) -> Result<ComplaintId, CaseError> {
    let description = new.description.trim();
    if description.is_empty() || description.chars().count() > MAX_TEXT_CHARS {
        return Err(CaseError::Description);
    }
    let (staff, checked) = match opener {
        Opener::Staff { user, checked } if new.channel != Channel::Portal => {
            (Some(*user), *checked)
        }
        Opener::Customer if new.channel == Channel::Portal => (None, &[][..]),
        _ => return Err(CaseError::WrongChannel),
    };
    check_concerns(tx, new)?;
    if let Some(owner) = new.owner {
        check_owner(tx, owner)?;
    }
    let checked = match staff {
        Some(user) => verify_caller(tx, new.customer, checked, user, now)?,
        None => customer_exists(tx, new.customer).map(|()| String::new())?,
    };
    let id = ComplaintId::new(now);
    tx.prepare_cached(
        "INSERT INTO complaints (id, customer_id, checked_details, channel, category, priority,
           loan_id, payment_code, description, owner_id, state, opened_by, opened_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 'open', ?11, ?12, ?12)",
    )?
    .execute(params![
        id,
        new.customer,
        checked,
        new.channel,
        new.category,
        new.priority,
        new.loan,
        new.payment_code,
        description,
        new.owner,
        staff.map(|s| &s.id),
        now
    ])?;
    let staff_id = staff.map(|s| &s.id);
    record(
        tx,
        &id,
        EventKind::Opened,
        staff_id,
        (None, Some(State::Open)),
        new.category.code(),
        now,
    )?;
    if staff.is_some() {
        insert_step(tx, &id, checklist::VERIFY_CALLER, staff_id, now)?;
    }
    due::refresh(tx, &id, config)?;
    let actor = staff.map_or(Actor::Customer, Actor::Staff);
    let after =
        serde_json::json!({ "category": new.category.code(), "channel": new.channel.code() });
    audited(tx, &actor, "complaint.open", &id, after, now)?;
    Ok(id)
}

/// Records the caller check and returns the details checked, as stored.
fn verify_caller(
    tx: &Transaction,
    customer: &CustomerId,
    checked: &[&str],
    user: &StaffUser,
    now: DateTime<Utc>,
) -> Result<String, CaseError> {
    caller::record_check(tx, customer, checked, user, now).map_err(|e| match e {
        CallerError::NothingChecked => CaseError::CallerNotVerified,
        CallerError::NoSuchCustomer => CaseError::NoSuchCustomer,
        CallerError::Db(e) => CaseError::Db(e),
    })?;
    Ok(caller::DETAILS
        .iter()
        .map(|(name, _)| *name)
        .filter(|name| checked.contains(name))
        .collect::<Vec<_>>()
        .join(","))
}

fn customer_exists(conn: &Connection, customer: &CustomerId) -> Result<(), CaseError> {
    crate::customers::get(conn, customer)?
        .map(|_| ())
        .ok_or(CaseError::NoSuchCustomer)
}

/// The ticket and payment code a case concerns must be the customer's.
fn check_concerns(conn: &Connection, new: &NewCase) -> Result<(), CaseError> {
    if let Some(loan) = new.loan {
        let owner: Option<CustomerId> = conn
            .prepare_cached("SELECT customer_id FROM loans WHERE id = ?1")?
            .query_row([loan], |r| r.get(0))
            .optional()?;
        if owner.as_ref() != Some(new.customer) {
            return Err(CaseError::NotCustomersTicket);
        }
    }
    if let Some(code) = new.payment_code {
        let owner: Option<CustomerId> = conn
            .prepare_cached(
                "SELECT l.customer_id FROM payment_codes p JOIN loans l ON l.id = p.loan_id
                 WHERE p.code = ?1",
            )?
            .query_row([code], |r| r.get(0))
            .optional()?;
        if owner.as_ref() != Some(new.customer) {
            return Err(CaseError::NotCustomersPaymentCode);
        }
    }
    Ok(())
}

fn check_owner(conn: &Connection, owner: &StaffId) -> Result<(), CaseError> {
    conn.prepare_cached("SELECT 1 FROM staff WHERE id = ?1 AND disabled = 0")?
        .query_row([owner], |_| Ok(()))
        .optional()?
        .ok_or(CaseError::NoSuchOwner)
}

/// The case's state, refusing a closed case.
fn open_state(conn: &Connection, id: &ComplaintId) -> Result<State, CaseError> {
    let state = get(conn, id)?.ok_or(CaseError::NoSuchCase)?.state;
    if state == State::Closed {
        return Err(CaseError::Closed);
    }
    Ok(state)
}

/// Moves the case to `to` (see [`allowed`]); resolving needs the outcome, reopening clears it.
pub(crate) fn change_state(
    tx: &Transaction,
    id: &ComplaintId,
    to: State,
    outcome: Option<Outcome>,
    user: &StaffUser,
    config: &Config,
    now: DateTime<Utc>,
) -> Result<(), CaseError> {
    let from = get(tx, id)?.ok_or(CaseError::NoSuchCase)?.state;
    if !allowed(from, to) {
        return Err(CaseError::NotAllowed { from, to });
    }
    let outcome = match to {
        State::Resolved => Some(outcome.ok_or(CaseError::OutcomeNeeded)?),
        State::Closed => get(tx, id)?.and_then(|c| c.outcome),
        _ => None,
    };
    tx.prepare_cached(
        "UPDATE complaints SET state = ?2, outcome = ?3,
           resolved_at = CASE WHEN ?2 = 'resolved' THEN ?4 WHEN ?2 = 'closed' THEN resolved_at END,
           closed_at = CASE WHEN ?2 = 'closed' THEN ?4 END,
           first_response_at = COALESCE(first_response_at, ?4), updated_at = ?4
         WHERE id = ?1",
    )?
    .execute(params![id, to, outcome, now])?;
    let detail = outcome.map_or("", Outcome::code);
    record(
        tx,
        id,
        EventKind::StateChanged,
        Some(&user.id),
        (Some(from), Some(to)),
        detail,
        now,
    )?;
    due::refresh(tx, id, config)?;
    let after = serde_json::json!({ "from": from.code(), "to": to.code(), "outcome": detail });
    audited(tx, &Actor::Staff(user), "complaint.state", id, after, now)
}

/// Escalates the case (again, if it already is): to whom, why and who contacts the customer.
/// `by` is none for the scheduler's breach pass.
pub(crate) fn escalate(
    tx: &Transaction,
    id: &ComplaintId,
    escalation: &Escalation,
    by: Option<&StaffUser>,
    config: &Config,
    now: DateTime<Utc>,
) -> Result<(), CaseError> {
    let from = get(tx, id)?.ok_or(CaseError::NoSuchCase)?.state;
    if !from.is_open() {
        return Err(CaseError::NotAllowed {
            from,
            to: State::Escalated,
        });
    }
    let fields = [&escalation.to_whom, &escalation.contact_by];
    let names_ok = fields.iter().all(|f| one_line(f, MAX_NAME_CHARS));
    if !names_ok || !text_ok(&escalation.reason) {
        return Err(CaseError::Escalation);
    }
    let staff_id = by.map(|s| &s.id);
    tx.prepare_cached(
        "INSERT INTO complaint_escalations (id, complaint_id, at, by_staff, to_whom, reason, contact_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        new_ulid(now),
        id,
        now,
        staff_id,
        escalation.to_whom.trim(),
        escalation.reason.trim(),
        escalation.contact_by.trim()
    ])?;
    tx.prepare_cached(
        "UPDATE complaints SET state = 'escalated', updated_at = ?2,
           first_response_at = CASE WHEN ?3 THEN COALESCE(first_response_at, ?2) ELSE first_response_at END
         WHERE id = ?1",
    )?
    .execute(params![id, now, by.is_some()])?;
    let states = (Some(from), Some(State::Escalated));
    record(
        tx,
        id,
        EventKind::Escalated,
        staff_id,
        states,
        escalation.to_whom.trim(),
        now,
    )?;
    due::refresh(tx, id, config)?;
    let actor = by.map_or(Actor::System, Actor::Staff);
    let after = serde_json::json!({ "to": escalation.to_whom.trim(), "contact_by": escalation.contact_by.trim() });
    audited(tx, &actor, "complaint.escalate", id, after, now)
}

/// Adds a note to the case's timeline.
pub(crate) fn add_note(
    tx: &Transaction,
    id: &ComplaintId,
    body: &str,
    user: &StaffUser,
    now: DateTime<Utc>,
) -> Result<(), CaseError> {
    open_state(tx, id)?;
    if !text_ok(body) {
        return Err(CaseError::Note);
    }
    record(
        tx,
        id,
        EventKind::Note,
        Some(&user.id),
        (None, None),
        body.trim(),
        now,
    )?;
    responded(tx, id, now)
}

/// Records a step of the case's checklist as done.
pub(crate) fn mark_step(
    tx: &Transaction,
    id: &ComplaintId,
    code: &str,
    user: &StaffUser,
    now: DateTime<Utc>,
) -> Result<(), CaseError> {
    open_state(tx, id)?;
    let category = get(tx, id)?.ok_or(CaseError::NoSuchCase)?.category;
    let step =
        checklist::find(category, code).ok_or_else(|| CaseError::UnknownStep(code.to_owned()))?;
    if step.code == checklist::VERIFY_CALLER {
        return Err(CaseError::StepDone); // recorded by the caller check when the case opened
    }
    if steps_done(tx, id)?
        .iter()
        .any(|done| done.code == step.code)
    {
        return Err(CaseError::StepDone);
    }
    insert_step(tx, id, step.code, Some(&user.id), now)?;
    record(
        tx,
        id,
        EventKind::Step,
        Some(&user.id),
        (None, None),
        step.code,
        now,
    )?;
    responded(tx, id, now)
}

/// Gives the case to another owner.
pub(crate) fn set_owner(
    tx: &Transaction,
    id: &ComplaintId,
    owner: &StaffId,
    user: &StaffUser,
    now: DateTime<Utc>,
) -> Result<(), CaseError> {
    open_state(tx, id)?;
    check_owner(tx, owner)?;
    tx.prepare_cached("UPDATE complaints SET owner_id = ?2, updated_at = ?3 WHERE id = ?1")?
        .execute(params![id, owner, now])?;
    record(
        tx,
        id,
        EventKind::Owner,
        Some(&user.id),
        (None, None),
        owner.as_str(),
        now,
    )?;
    let after = serde_json::json!({ "owner": owner.as_str() });
    audited(tx, &Actor::Staff(user), "complaint.owner", id, after, now)
}

/// A step recorded as done.
#[derive(Debug, Clone)]
pub(crate) struct StepDone {
    pub(crate) code: String,
    /// The staff member's name.
    pub(crate) by: Option<String>,
    pub(crate) at: DateTime<Utc>,
}

/// The steps recorded as done, in order.
pub(crate) fn steps_done(conn: &Connection, id: &ComplaintId) -> rusqlite::Result<Vec<StepDone>> {
    conn.prepare_cached(
        "SELECT p.step, s.full_name, p.done_at FROM complaint_steps p
         LEFT JOIN staff s ON s.id = p.done_by WHERE p.complaint_id = ?1 ORDER BY p.done_at, p.rowid",
    )?
    .query_map([id], |r| {
        Ok(StepDone {
            code: r.get(0)?,
            by: r.get(1)?,
            at: r.get(2)?,
        })
    })?
    .collect()
}

fn insert_step(
    tx: &Transaction,
    id: &ComplaintId,
    code: &str,
    staff: Option<&StaffId>,
    now: DateTime<Utc>,
) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT INTO complaint_steps (id, complaint_id, step, done_by, done_at) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![new_ulid(now), id, code, staff, now])?;
    Ok(())
}

/// Appends an event to the case's timeline.
pub(crate) fn record(
    tx: &Transaction,
    id: &ComplaintId,
    kind: EventKind,
    staff: Option<&StaffId>,
    (from, to): (Option<State>, Option<State>),
    detail: &str,
    now: DateTime<Utc>,
) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT INTO complaint_events (id, complaint_id, at, staff_id, kind, from_state, to_state, detail)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![new_ulid(now), id, now, staff, kind, from, to, detail])?;
    Ok(())
}

/// Staff did something on the case: its first response, if it had none.
pub(crate) fn responded(
    tx: &Transaction,
    id: &ComplaintId,
    now: DateTime<Utc>,
) -> Result<(), CaseError> {
    tx.prepare_cached(
        "UPDATE complaints SET first_response_at = COALESCE(first_response_at, ?2), updated_at = ?2
         WHERE id = ?1",
    )?
    .execute(params![id, now])?;
    due::responded(tx, id)?;
    Ok(())
}

fn audited(
    tx: &Transaction,
    actor: &Actor,
    action: &str,
    id: &ComplaintId,
    after: serde_json::Value,
    now: DateTime<Utc>,
) -> Result<(), CaseError> {
    let change = Change {
        action,
        entity: "complaint",
        entity_id: id.as_str(),
        before: None,
        after: Some(after),
    };
    audit::record(tx, actor, &change, now)?;
    Ok(())
}

fn text_ok(text: &str) -> bool {
    let text = text.trim();
    !text.is_empty() && text.chars().count() <= MAX_TEXT_CHARS
}

fn one_line(text: &str, max: usize) -> bool {
    let text = text.trim();
    !text.is_empty() && text.chars().count() <= max && !text.chars().any(char::is_control)
}

#[cfg(test)]
#[path = "cases_tests.rs"]
pub(crate) mod tests;
