//! What the seeds have staff send from a case: the customer's own payment code by SMS to
//! their registered number (seed 003 D.4, instead of reading it out), and, for a one-time code
//! case (seed 002), the delivery states of the last test SMS and test email sent to the
//! customer (the first-level check). Each message sent is an event on the case.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use rusqlite::{Connection, OptionalExtension, Transaction};

use super::cases::CaseError;
use super::{Case, EventKind, get};
use crate::loans::codes::{self, PaymentCode, Status};
use crate::plumbing::i18n::{Lang, Msg};
use crate::plumbing::ids::{ComplaintId, CustomerId};
use crate::plumbing::money::Currency;
use crate::roles::StaffUser;
use crate::sms::outbox::{self as sms, Kind, NewSms};

/// Sends the case's payment code to the customer's registered number, in their language
/// (`branch_lang` when they chose none). Only a code still payable is sent.
pub(crate) fn send_payment_code(
    tx: &Transaction,
    id: &ComplaintId,
    user: &StaffUser,
    branch: (Lang, &Currency),
    now: DateTime<Utc>,
) -> Result<(), CaseError> {
    let case = open_case(tx, id)?;
    let code = match &case.payment_code {
        Some(code) => codes::get(tx, code)?,
        None => None,
    };
    let code = code
        .filter(|c| c.status(now) == Status::Live)
        .ok_or(CaseError::NoLiveCode)?;
    send(tx, &case, &code, user, branch, now)
}

/// Makes a payment code for the ticket the case concerns (the extension's, as the customer's
/// own "Pay My Loan" makes it: a live code for the same amount is kept, not doubled), makes
/// it the case's code, and sends it as [`send_payment_code`] does (seed 003 D: an agent issues
/// the code when the customer has none; the ticket changes only once the payment is confirmed).
pub(crate) fn issue_payment_code(
    tx: &Transaction,
    id: &ComplaintId,
    user: &StaffUser,
    branch: (Lang, &Currency),
    (validity, today): (Duration, NaiveDate),
    now: DateTime<Utc>,
) -> Result<(), CaseError> {
    let case = open_case(tx, id)?;
    let loan = case.loan_id.as_ref().ok_or(CaseError::NoTicket)?;
    let record = crate::loans::ops::load(tx, loan)?.ok_or(CaseError::NoTicket)?;
    let code = codes::extension_code(tx, &record, today, now, validity)?;
    tx.prepare_cached("UPDATE complaints SET payment_code = ?1, updated_at = ?2 WHERE id = ?3")?
        .execute(rusqlite::params![code.code, now, id])?;
    send(tx, &case, &code, user, branch, now)
}

/// The case, refused once it is no longer open.
fn open_case(tx: &Transaction, id: &ComplaintId) -> Result<Case, CaseError> {
    let case = get(tx, id)?.ok_or(CaseError::NoSuchCase)?;
    if !case.state.is_open() {
        return Err(CaseError::Closed);
    }
    Ok(case)
}

/// Queues `code` by SMS to the case's customer, records it on the case as a message, and
/// counts it as the case's response.
fn send(
    tx: &Transaction,
    case: &Case,
    code: &PaymentCode,
    user: &StaffUser,
    (branch_lang, currency): (Lang, &Currency),
    now: DateTime<Utc>,
) -> Result<(), CaseError> {
    let customer =
        crate::customers::get(tx, &case.customer_id)?.ok_or(CaseError::NoSuchCustomer)?;
    let lang = crate::customers::language::chosen(tx, &customer.id)?.unwrap_or(branch_lang);
    let shown = codes::display(&code.code);
    let text = lang.fill(
        Msg::ComplaintPaymentCodeSms,
        &[
            ("code", &shown),
            ("amount", &currency.format(code.amount, lang)),
            ("ticket", case.ticket_no.as_deref().unwrap_or("")),
        ],
    );
    let message = NewSms {
        to: &customer.phone,
        text: &text,
        kind: Kind::Notice,
        expires_at: Some(code.expires_at),
        customer: Some(&customer.id),
    };
    sms::enqueue(tx, &message, now)?;
    super::cases::record(
        tx,
        &case.id,
        EventKind::Message,
        Some(&user.id),
        (None, None),
        &shown,
        now,
    )?;
    super::cases::responded(tx, &case.id, now)
}

/// The delivery state of the last test message of each channel sent to the customer: SMS,
/// then email (none: never sent).
pub(crate) fn test_message_states(
    conn: &Connection,
    customer: &CustomerId,
) -> rusqlite::Result<(Option<String>, Option<String>)> {
    let last = |table: &str| -> rusqlite::Result<Option<String>> {
        conn.prepare_cached(&format!(
            "SELECT state FROM {table} WHERE customer_id = ?1 AND kind = 'test'
             ORDER BY created_at DESC LIMIT 1"
        ))?
        .query_row([customer], |r| r.get(0))
        .optional()
    };
    Ok((last("sms_outbox")?, last("email_outbox")?))
}
