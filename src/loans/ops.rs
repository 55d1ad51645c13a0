//! What happens to a ticket, as plain functions over a transaction: writing it (origination),
//! approval and disbursement, payments (partial, extension, redemption) and the daily state
//! changes. Every amount comes from `terms::owed` on the branch-local business date; every
//! money movement is a ledger transaction with its receipt (`receipts`, in the same
//! transaction); every change of maturity or state is a `loan_events` row.

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::json;

use super::LoanState;
use super::receipts;
use super::terms::{self, Allocation, Facts, Owed, Terms};
use crate::audit::{self, Actor, Change};
use crate::ledger::{self, Method, Posting};
use crate::plumbing::db;
use crate::plumbing::ids::{
    CustomerId, LoanEventId, LoanId, PaymentId, ProductId, ReceiptId, StaffId,
};

/// A ticket with everything its amounts depend on.
#[derive(Debug, Clone)]
pub(crate) struct Ticket {
    pub(crate) id: LoanId,
    pub(crate) ticket_no: String,
    pub(crate) customer: CustomerId,
    pub(crate) state: LoanState,
    pub(crate) principal: i64,
    pub(crate) start: NaiveDate,
    pub(crate) maturity: NaiveDate,
    pub(crate) terms: Terms,
    pub(crate) ticket_lost: bool,
    /// Its payout failed and waits to be made again (`disbursements`): the customer never got
    /// the money, so nothing is owed and the ticket stays Active meanwhile.
    pub(crate) payout_waits: bool,
}

impl Ticket {
    /// The facts `terms::owed` needs.
    pub(crate) fn facts(&self) -> Facts<'_> {
        Facts {
            terms: &self.terms,
            principal: self.principal,
            start: self.start,
            maturity: self.maturity,
            ticket_lost: self.ticket_lost,
            payout_waits: self.payout_waits,
        }
    }

    /// Whether the ticket is still open (money can be paid on it).
    pub(crate) fn is_open(&self) -> bool {
        matches!(
            self.state,
            LoanState::Active | LoanState::Due | LoanState::Grace | LoanState::Notice
        )
    }
}

/// The columns [`from_row`] reads, on `loans t`.
const COLUMNS: &str =
    "t.id, t.ticket_no, t.customer_id, t.state, t.principal, t.started_on, t.matures_on,
     t.terms, t.ticket_lost,
     EXISTS (SELECT 1 FROM disbursements d WHERE d.loan_id = t.id AND d.state = 'failed')";

/// A ticket from a row of [`COLUMNS`]; `None` for one without terms.
fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Option<Ticket>> {
    let Some(terms) = r
        .get_ref(7)?
        .as_str_or_null()?
        .and_then(|t| serde_json::from_str::<Terms>(t).ok())
    else {
        return Ok(None);
    };
    Ok(Some(Ticket {
        id: r.get(0)?,
        ticket_no: r.get(1)?,
        customer: r.get(2)?,
        state: LoanState::from_code(r.get_ref(3)?.as_str()?).unwrap_or(LoanState::Cancelled),
        principal: r.get(4)?,
        start: db::date(r, 5)?,
        maturity: db::date(r, 6)?,
        terms,
        ticket_lost: r.get(8)?,
        payout_waits: r.get(9)?,
    }))
}

/// Loads a ticket written with terms (tickets without terms, from before products, give
/// `None`).
pub(crate) fn load(conn: &Connection, id: &LoanId) -> rusqlite::Result<Option<Ticket>> {
    conn.prepare_cached(&format!("SELECT {COLUMNS} FROM loans t WHERE t.id = ?1"))?
        .query_row([id], from_row)
        .optional()
        .map(Option::flatten)
}

/// The tickets a customer holds that were written with terms, or the one of them `loan`
/// names, by id: what [`load`] gives of each, in one read.
pub(crate) fn of_customer(
    conn: &Connection,
    customer: &CustomerId,
    loan: Option<&LoanId>,
) -> rusqlite::Result<Vec<Ticket>> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM loans t WHERE t.customer_id = ?1 AND (?2 IS NULL OR t.id = ?2) ORDER BY t.id"
    ))?
    .query_map(params![customer, loan], from_row)?
    .filter_map(Result::transpose)
    .collect()
}

/// What the ticket owes on `date`.
pub(crate) fn owed_on(
    conn: &Connection,
    record: &Ticket,
    date: NaiveDate,
) -> rusqlite::Result<Owed> {
    Ok(terms::owed(
        &record.facts(),
        &super::charges::paid(conn, &record.id)?,
        date,
    ))
}

/// A payment's split as the ledger's payment parts.
pub(crate) fn parts(split: &Allocation) -> [(ledger::EntryKind, i64); 3] {
    [
        (ledger::EntryKind::Interest, split.interest),
        (ledger::EntryKind::Fee, split.fees),
        (ledger::EntryKind::Principal, split.principal),
    ]
}

/// A change to record in `loan_events`.
struct Event<'a> {
    kind: &'a str,
    from: &'a str,
    to: &'a str,
    payment: Option<&'a PaymentId>,
}

/// Records a state or maturity change.
fn event(
    conn: &Connection,
    loan: &LoanId,
    e: &Event,
    staff: Option<&StaffId>,
    at: DateTime<Utc>,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO loan_events (id, loan_id, at, kind, from_value, to_value, staff_id, payment_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![LoanEventId::new(at), loan, at, e.kind, e.from, e.to, staff, e.payment])?;
    Ok(())
}

/// Sets a ticket's state, recording the change.
fn set_state(
    conn: &Connection,
    record: &Ticket,
    state: LoanState,
    staff: Option<&StaffId>,
    at: DateTime<Utc>,
) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE loans SET state = ?2, updated_at = ?3 WHERE id = ?1",
        params![record.id, state.code(), at],
    )?;
    event(
        conn,
        &record.id,
        &Event {
            kind: "state",
            from: record.state.code(),
            to: state.code(),
            payment: None,
        },
        staff,
        at,
    )
}

/// A collateral item to pawn.
#[derive(Debug, Clone)]
pub(crate) struct Item {
    pub(crate) category: String,
    pub(crate) description: String,
    pub(crate) marks: String,
    pub(crate) weight_mg: Option<i64>,
    pub(crate) karat: Option<i64>,
    pub(crate) appraised: i64,
}

/// Why a ticket could not be written, or the database failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum OriginationError {
    #[error("choose an active product")]
    NoProduct,
    #[error("add at least one item")]
    NoItems,
    #[error("every item needs a description and an appraised value above zero")]
    BadItem,
    #[error("the principal must be above zero")]
    NoPrincipal,
    #[error("the principal is above the product's loan-to-value limit of {max}")]
    AboveLtv { max: i64 },
    #[error("database: {0}")]
    Db(#[from] rusqlite::Error),
}

/// Writes a ticket in Origination for a customer: items, principal, a copy of the product's
/// terms, and a ticket number unique in the chain (`<branch>-<year>-<sequence>`).
#[allow(clippy::too_many_arguments)]
pub(crate) fn originate(
    conn: &Connection,
    actor: &Actor,
    branch: &str,
    customer: &CustomerId,
    product: &ProductId,
    items: &[Item],
    principal: i64,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<LoanId, OriginationError> {
    let Some(product) = super::products::get(conn, product)?.filter(|p| p.active) else {
        return Err(OriginationError::NoProduct);
    };
    if items.is_empty() {
        return Err(OriginationError::NoItems);
    }
    if items
        .iter()
        .any(|i| i.appraised <= 0 || i.description.trim().is_empty())
    {
        return Err(OriginationError::BadItem);
    }
    if principal <= 0 {
        return Err(OriginationError::NoPrincipal);
    }
    let appraised: i64 = items.iter().map(|i| i.appraised).sum();
    let max = terms::rate_of(appraised, product.terms.max_ltv_bp, terms::Rounding::Down);
    if principal > max {
        return Err(OriginationError::AboveLtv { max });
    }
    let year = today.format("%Y").to_string();
    let prefix = format!("{branch}-{year}-");
    let last: Option<String> = conn
        .prepare_cached("SELECT MAX(ticket_no) FROM loans WHERE ticket_no LIKE ?1 || '%'")?
        .query_row([&prefix], |r| r.get(0))
        .optional()?
        .flatten();
    let next = last
        .and_then(|t| t.strip_prefix(&prefix).and_then(|n| n.parse::<u64>().ok()))
        .unwrap_or(0)
        + 1;
    let ticket_no = format!("{prefix}{next:06}");
    let id = LoanId::new(now);
    let description = items
        .iter()
        .map(|i| i.description.trim())
        .collect::<Vec<_>>()
        .join("; ");
    let terms_json = serde_json::to_string(&product.terms)
        .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
    // Who wrote it, for the second pair of eyes (`approval`).
    let written_by = match actor {
        Actor::Staff(user) => Some(&user.id),
        _ => None,
    };
    conn.execute(
        "INSERT INTO loans (id, ticket_no, customer_id, state, principal, item_description, started_on, matures_on,
                            product_id, terms, created_at, updated_at, written_by)
         VALUES (?1, ?2, ?3, 'origination', ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10, ?11)",
        params![id, ticket_no, customer, principal, description, today, terms::first_maturity(&product.terms, today), product.id, terms_json, now, written_by],
    )?;
    for item in items {
        conn.execute(
            "INSERT INTO loan_items (id, loan_id, category, description, marks, weight_mg, karat, appraised)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![crate::plumbing::ids::new_ulid(now), id, item.category, item.description.trim(), item.marks, item.weight_mg, item.karat, item.appraised],
        )?;
    }
    let change = Change {
        action: "loan.originate",
        entity: "loan",
        entity_id: id.as_str(),
        before: None,
        after: Some(
            json!({ "ticket_no": ticket_no, "principal": principal, "product": product.terms.product, "items": items.len() }),
        ),
    };
    audit::record(conn, actor, &change, now)?;
    Ok(id)
}

/// Approves a ticket in Origination and pays the principal out: the ledger's disbursement,
/// the periods counted from today, the state Active, and the payout's receipt (returned). The
/// caller checks the customer's phone.
pub(crate) fn approve_and_disburse(
    conn: &Connection,
    record: &Ticket,
    method: Method,
    reference: &str,
    staff: &StaffId,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> rusqlite::Result<ReceiptId> {
    let maturity = terms::first_maturity(&record.terms, today);
    conn.execute(
        "UPDATE loans SET started_on = ?2, matures_on = ?3, approved_at = ?4, updated_at = ?4 WHERE id = ?1",
        params![record.id, today, maturity, now],
    )?;
    let posting = Posting {
        loan: &record.id,
        customer: &record.customer,
        method,
        reference,
        staff: Some(staff),
        on: today,
        at: now,
    };
    let row = ledger::disburse(conn, &posting, record.principal)?;
    super::disbursements::record_sent(conn, record, &posting, &row, None)?;
    set_state(conn, record, LoanState::Active, Some(staff), now)?;
    let payout = receipts::Issue {
        kind: receipts::Kind::Disbursement,
        movement: receipts::Movement::Disbursement(&row),
        loan: &record.id,
        customer: &record.customer,
        staff: Some(staff),
        due_after: Some(maturity),
        principal_after: record.principal,
        on: today,
    };
    Ok(receipts::issue(conn, &payout, now)?.0)
}

/// Counts a ticket's periods again from `today`, the day its principal was paid out again
/// after a failed payout (`disbursements::make_again`): the start and maturity move, recorded
/// as a `restart` event, and the ticket is Active again if the states pass moved it on.
pub(crate) fn restart(
    conn: &Connection,
    record: &Ticket,
    staff: &StaffId,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> rusqlite::Result<()> {
    let maturity = terms::first_maturity(&record.terms, today);
    conn.execute(
        "UPDATE loans SET started_on = ?2, matures_on = ?3, updated_at = ?4 WHERE id = ?1",
        params![record.id, today, maturity, now],
    )?;
    let restarted = Event {
        kind: "restart",
        from: &record.start.to_string(),
        to: &today.to_string(),
        payment: None,
    };
    event(conn, &record.id, &restarted, Some(staff), now)?;
    if record.state != LoanState::Active {
        set_state(conn, record, LoanState::Active, Some(staff), now)?;
    }
    Ok(())
}

/// An open ticket brought over from the branch's previous system.
pub(crate) struct Imported<'a> {
    /// The previous system's ticket number, kept as it is.
    pub(crate) ticket_no: &'a str,
    pub(crate) customer: &'a CustomerId,
    pub(crate) product: &'a super::products::Product,
    pub(crate) items: &'a [Item],
    pub(crate) principal: i64,
    pub(crate) start: NaiveDate,
    pub(crate) maturity: NaiveDate,
    /// What the customer had already paid in the previous system.
    pub(crate) paid: Allocation,
}

/// The reference of the ledger rows that bring an imported ticket's disbursement over.
const IMPORTED_REFERENCE: &str = "imported";

/// The reference of the payment that brings over what was paid in the previous system.
const PAID_BEFORE_REFERENCE: &str = "imported: paid before";

/// Writes an imported ticket as Active: a copy of its product's terms, its items, the
/// disbursement (cash, dated `start`) and, when something was already paid, one payment
/// dated `start` split as `paid` says. The caller checks the values, moves the ticket to the
/// state its dates call for (`advance_states`) and audits the import.
pub(crate) fn import_ticket(
    conn: &Connection,
    t: &Imported,
    now: DateTime<Utc>,
) -> rusqlite::Result<LoanId> {
    let id = LoanId::new(now);
    let description = t
        .items
        .iter()
        .map(|i| i.description.trim())
        .collect::<Vec<_>>()
        .join("; ");
    let terms_json = serde_json::to_string(&t.product.terms)
        .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
    conn.prepare_cached(
        "INSERT INTO loans (id, ticket_no, customer_id, state, principal, item_description, started_on, matures_on,
                            product_id, terms, approved_at, created_at, updated_at)
         VALUES (?1, ?2, ?3, 'active', ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10, ?10)",
    )?
    .execute(params![id, t.ticket_no, t.customer, t.principal, description, t.start, t.maturity, t.product.id, terms_json, now])?;
    let mut item_insert = conn.prepare_cached(
        "INSERT INTO loan_items (id, loan_id, category, description, marks, weight_mg, karat, appraised)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?;
    for item in t.items {
        item_insert.execute(params![
            crate::plumbing::ids::new_ulid(now),
            id,
            item.category,
            item.description.trim(),
            item.marks,
            item.weight_mg,
            item.karat,
            item.appraised
        ])?;
    }
    event(
        conn,
        &id,
        &Event {
            kind: "imported",
            from: "",
            to: LoanState::Active.code(),
            payment: None,
        },
        None,
        now,
    )?;
    let posting = Posting {
        loan: &id,
        customer: t.customer,
        method: Method::Cash,
        reference: IMPORTED_REFERENCE,
        staff: None,
        on: t.start,
        at: now,
    };
    ledger::disburse(conn, &posting, t.principal)?;
    if t.paid.interest + t.paid.fees + t.paid.principal > 0 {
        // A millisecond later, so the payment lists after the disbursement.
        let at = now + chrono::Duration::milliseconds(1);
        let posting = Posting {
            reference: PAID_BEFORE_REFERENCE,
            at,
            ..posting
        };
        ledger::pay(conn, &posting, &parts(&t.paid), &PaymentId::new(at))?;
    }
    Ok(id)
}

/// Cancels a ticket still in Origination (nothing was paid out).
pub(crate) fn cancel(
    conn: &Connection,
    record: &Ticket,
    staff: &StaffId,
    now: DateTime<Utc>,
) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE loans SET closed_at = ?2 WHERE id = ?1",
        params![record.id, now],
    )?;
    set_state(conn, record, LoanState::Cancelled, Some(staff), now)
}

/// What a payment is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Purpose {
    /// Any amount up to the balance: interest, then fees, then principal.
    Partial,
    /// Exactly the interest and fees owed; maturity moves on by whole periods.
    Extension { periods: u32 },
    /// Everything owed; the ticket closes. `released`: the item goes back to the customer now
    /// (at the counter); a redemption paid from afar leaves it on the shelf until collected.
    Redemption { released: bool },
}

/// Why a payment was refused, or the database failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum PaymentError {
    #[error("the ticket is not open")]
    Closed,
    /// The payout failed and waits to be made again: the customer owes nothing yet.
    #[error("the ticket's payout failed and waits to be made again")]
    PayoutOutstanding,
    #[error("the amount is more than everything owed ({payoff})")]
    TooMuch { payoff: i64 },
    #[error("the amount must be above zero")]
    Nothing,
    #[error("an extension needs exactly the interest and fees owed ({expected})")]
    WrongExtensionAmount { expected: i64 },
    #[error("a redemption needs exactly everything owed ({expected})")]
    WrongRedemptionAmount { expected: i64 },
    #[error("an extension is for 1 to {max} periods")]
    BadPeriods { max: u32 },
    /// The same payment (its id, from the form) was recorded before: a form sent twice.
    #[error("this payment was recorded already")]
    AlreadyRecorded { loan: LoanId },
    #[error("database: {0}")]
    Db(#[from] rusqlite::Error),
}

/// What a payment did, for the receipt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Receipt {
    pub(crate) payment: PaymentId,
    pub(crate) split: Allocation,
    pub(crate) owed_after: Owed,
    pub(crate) maturity: NaiveDate,
    pub(crate) state: LoanState,
    /// The receipt issued for it, and its number.
    pub(crate) receipt: ReceiptId,
    pub(crate) number: receipts::Number,
}

/// A payment about to be recorded.
pub(crate) struct Payment<'a> {
    pub(crate) amount: i64,
    pub(crate) method: Method,
    pub(crate) reference: &'a str,
    pub(crate) purpose: Purpose,
    pub(crate) staff: Option<&'a StaffId>,
}

/// The ticket a payment id was recorded on, if it was.
pub(crate) fn recorded_payment(
    conn: &Connection,
    id: &PaymentId,
) -> rusqlite::Result<Option<LoanId>> {
    conn.prepare_cached("SELECT loan_id FROM ledger WHERE payment_id = ?1 LIMIT 1")?
        .query_row([id], |r| r.get(0))
        .optional()
}

/// Takes a payment on a ticket on business date `today`, once: a payment id recorded before is
/// refused with [`PaymentError::AlreadyRecorded`] (the same form sent twice), writing nothing.
pub(crate) fn take_payment(
    conn: &Connection,
    record: &Ticket,
    payment: &Payment,
    id: &PaymentId,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Receipt, PaymentError> {
    let split = check_payment(conn, record, payment, id, today)?;
    let posting = Posting {
        loan: &record.id,
        customer: &record.customer,
        method: payment.method,
        reference: payment.reference,
        staff: payment.staff,
        on: today,
        at: now,
    };
    ledger::pay(conn, &posting, &parts(&split), id)?;
    let (maturity, mut state) = match payment.purpose {
        Purpose::Extension { periods } => {
            extend(conn, record, periods, id, payment.staff, today, now)?
        }
        _ => (record.maturity, record.state),
    };
    let after = Ticket {
        maturity,
        state,
        ..record.clone()
    };
    let owed_after = owed_on(conn, &after, today)?;
    if owed_after.principal == 0 && owed_after.interest == 0 && owed_after.fees == 0 {
        let released = payment.purpose == (Purpose::Redemption { released: true });
        close_redeemed(conn, &after, released, payment.staff, now)?;
        state = LoanState::Redeemed;
    }
    let kind = match payment.purpose {
        _ if state == LoanState::Redeemed => receipts::Kind::Redemption,
        Purpose::Extension { .. } => receipts::Kind::Extension,
        _ => receipts::Kind::Payment,
    };
    let issue = receipts::Issue {
        kind,
        movement: receipts::Movement::Payment(id),
        loan: &record.id,
        customer: &record.customer,
        staff: payment.staff,
        due_after: (state != LoanState::Redeemed).then_some(maturity),
        principal_after: owed_after.principal,
        on: today,
    };
    let (receipt, number) = receipts::issue(conn, &issue, now)?;
    Ok(Receipt {
        payment: id.clone(),
        split,
        owed_after,
        maturity,
        state,
        receipt,
        number,
    })
}

/// The refusals of a payment, checked before anything is written; the split of the amount
/// between interest, fees and principal when it is taken.
fn check_payment(
    conn: &Connection,
    record: &Ticket,
    payment: &Payment,
    id: &PaymentId,
    today: NaiveDate,
) -> Result<Allocation, PaymentError> {
    if let Some(loan) = recorded_payment(conn, id)? {
        return Err(PaymentError::AlreadyRecorded { loan });
    }
    if !record.is_open() {
        return Err(PaymentError::Closed);
    }
    if record.payout_waits {
        return Err(PaymentError::PayoutOutstanding);
    }
    if payment.amount <= 0 {
        return Err(PaymentError::Nothing);
    }
    let owed = owed_on(conn, record, today)?;
    match payment.purpose {
        Purpose::Extension { periods } => {
            if periods == 0 || periods > record.terms.term_periods {
                return Err(PaymentError::BadPeriods {
                    max: record.terms.term_periods,
                });
            }
            let expected = owed.interest + owed.fees;
            if payment.amount != expected {
                return Err(PaymentError::WrongExtensionAmount { expected });
            }
        }
        Purpose::Redemption { .. } if payment.amount != owed.payoff() => {
            return Err(PaymentError::WrongRedemptionAmount {
                expected: owed.payoff(),
            });
        }
        _ => (),
    }
    owed.allocate(payment.amount).ok_or(PaymentError::TooMuch {
        payoff: owed.payoff(),
    })
}

/// Moves a ticket's maturity on by `periods` after the extension payment `id`, and makes a
/// ticket past maturity Active again when the new maturity is ahead. Returns the new maturity
/// and state.
fn extend(
    conn: &Connection,
    record: &Ticket,
    periods: u32,
    id: &PaymentId,
    staff: Option<&StaffId>,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> rusqlite::Result<(NaiveDate, LoanState)> {
    let maturity = terms::extended_maturity(&record.facts(), today, periods);
    conn.execute(
        "UPDATE loans SET matures_on = ?2, updated_at = ?3 WHERE id = ?1",
        params![record.id, maturity, now],
    )?;
    let (from, to) = (record.maturity.to_string(), maturity.to_string());
    event(
        conn,
        &record.id,
        &Event {
            kind: "extension",
            from: &from,
            to: &to,
            payment: Some(id),
        },
        staff,
        now,
    )?;
    let mut state = record.state;
    if state != LoanState::Active && today < maturity {
        set_state(conn, record, LoanState::Active, staff, now)?;
        state = LoanState::Active;
    }
    Ok((maturity, state))
}

/// Closes a ticket that owes nothing any more as Redeemed; `released` when the item was
/// handed back at the same time.
fn close_redeemed(
    conn: &Connection,
    record: &Ticket,
    released: bool,
    staff: Option<&StaffId>,
    now: DateTime<Utc>,
) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE loans SET closed_at = ?2 WHERE id = ?1",
        params![record.id, now],
    )?;
    set_state(conn, record, LoanState::Redeemed, staff, now)?;
    if released {
        conn.execute(
            "UPDATE loans SET released_at = ?2 WHERE id = ?1",
            params![record.id, now],
        )?;
    }
    Ok(())
}

/// After a payment row was reversed: an extension paid by it is undone (the maturity goes back)
/// and a closed ticket that owes money again is reopened, in the state its dates call for.
pub(crate) fn undo_payment(
    conn: &Connection,
    loan: &LoanId,
    payment: Option<&PaymentId>,
    staff: &StaffId,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> rusqlite::Result<()> {
    if let Some(payment) = payment {
        let extension: Option<(String, String)> = conn
            .prepare_cached(
                "SELECT from_value, to_value FROM loan_events WHERE loan_id = ?1 AND payment_id = ?2 AND kind = 'extension'",
            )?
            .query_row(
                params![loan, payment],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        if let Some((from, to)) = extension {
            let changed = conn.execute(
                "UPDATE loans SET matures_on = ?2, updated_at = ?4 WHERE id = ?1 AND matures_on = ?3",
                params![loan, from, to, now],
            )?;
            if changed > 0 {
                event(
                    conn,
                    loan,
                    &Event {
                        kind: "extension_reversed",
                        from: &to,
                        to: &from,
                        payment: Some(payment),
                    },
                    Some(staff),
                    now,
                )?;
            }
        }
    }
    let Some(record) = load(conn, loan)? else {
        return Ok(());
    };
    let owes = owed_on(conn, &record, today)?.payoff() > 0;
    let state = state_on(&record, today);
    if record.state == LoanState::Redeemed && owes {
        conn.execute(
            "UPDATE loans SET closed_at = NULL, released_at = NULL WHERE id = ?1",
            [loan],
        )?;
        set_state(conn, &record, state, Some(staff), now)?;
    } else if record.is_open() && record.state != state {
        set_state(conn, &record, state, Some(staff), now)?;
    }
    Ok(())
}

/// The state a ticket should be in on `today`: due on its maturity date, in grace for the
/// grace days after it, under notice for the notice days after that, forfeited once the pull
/// days after the notice have also passed. A ticket whose payout failed and waits to be made
/// again stays Active however late its dates (the customer never got the money); making the
/// payout again counts its periods from then ([`restart`]).
pub(crate) fn state_on(record: &Ticket, today: NaiveDate) -> LoanState {
    if record.payout_waits {
        return LoanState::Active;
    }
    let t = &record.terms;
    let late = (today - record.maturity).num_days();
    let grace = i64::from(t.grace_days);
    let notice = grace + i64::from(t.notice_days);
    let pull = notice + i64::from(t.forfeit_days);
    match late {
        ..0 => LoanState::Active,
        0 => LoanState::Due,
        d if d <= grace => LoanState::Grace,
        d if d <= pull => LoanState::Notice,
        _ => LoanState::Forfeited,
    }
}

/// Moves every open ticket to the state its dates call for; returns the tickets that changed
/// and their new state. (The final notice to those entering Notice is queued by the reminder
/// pass that follows, within the sending hours: `reminders::run`.)
pub(crate) fn advance_states(
    conn: &Connection,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> rusqlite::Result<Vec<(Ticket, LoanState)>> {
    // An active ticket whose maturity is still ahead keeps its state: only tickets at or past
    // maturity (and any not active) are read, so a large branch's pass stays short.
    let ids: Vec<LoanId> = conn
        .prepare_cached(
            "SELECT id FROM loans WHERE state IN ('active', 'due', 'grace', 'notice') AND terms IS NOT NULL
               AND (matures_on <= ?1 OR state <> 'active')",
        )?
        .query_map([today], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let mut changed = Vec::new();
    for id in ids {
        let Some(record) = load(conn, &id)? else {
            continue;
        };
        let state = state_on(&record, today);
        if state != record.state {
            set_state(conn, &record, state, None, now)?;
            if state == LoanState::Forfeited {
                conn.execute(
                    "UPDATE loans SET closed_at = ?2 WHERE id = ?1",
                    params![record.id, now],
                )?;
            }
            changed.push((record, state));
        }
    }
    Ok(changed)
}

#[cfg(test)]
pub(crate) mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::customers::{self, NewCustomer};
    use crate::loans::products;

    /// A customer with a verified phone (0812-3456-7890) and the gold pawn product of the worked
    /// examples, for tests of anything built on tickets.
    pub(crate) fn customer_and_gold(
        conn: &Connection,
        name: &str,
        now: DateTime<Utc>,
    ) -> (CustomerId, ProductId) {
        let phone = crate::plumbing::phone::normalise("081234567890", "ID").unwrap();
        let new = NewCustomer {
            full_name: name,
            phone: &phone,
            id_number: None,
            date_of_birth: None,
            address: "",
            email: None,
            phone_verified: true,
        };
        let customer = customers::insert(conn, &new, now).unwrap();
        let product =
            products::insert(conn, &crate::loans::terms::tests::pegadaian(), now).unwrap();
        (customer, product)
    }

    /// A staff member with `role`, as a row (for the foreign keys) and as the signed-in user,
    /// with a cash drawer open (no float), as the counter needs before any cash movement.
    pub(crate) fn staff_member(
        conn: &Connection,
        role: crate::roles::Role,
        now: DateTime<Utc>,
    ) -> crate::roles::StaffUser {
        let user = staff_without_drawer(conn, role, now);
        // As `drawers::open` writes a drawer with no float (the loans sit below the drawers).
        conn.execute(
            "INSERT INTO cash_drawers (id, staff_id, opened_on, opened_at, float) VALUES (?1, ?2, ?3, ?4, 0)",
            params![crate::plumbing::ids::DrawerId::new(now), user.id, now.date_naive(), now],
        )
        .unwrap();
        user
    }

    /// A staff member with `role` and no drawer open.
    pub(crate) fn staff_without_drawer(
        conn: &Connection,
        role: crate::roles::Role,
        now: DateTime<Utc>,
    ) -> crate::roles::StaffUser {
        let user = crate::roles::StaffUser {
            id: StaffId::new(now),
            username: role.code().to_owned(),
            full_name: format!("Test {}", role.code()),
            role,
        };
        conn.execute(
            "INSERT INTO staff (id, username, full_name, role, password_hash, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, '', ?5, ?5)",
            params![user.id, user.username, user.full_name, role.code(), now],
        )
        .unwrap();
        user
    }

    /// A ticket of `principal` on `product` for `customer` (one item appraised at twice it),
    /// written and paid out in cash by `staff` on `day`; returns it and the payout's receipt.
    pub(crate) fn paid_out(
        conn: &Connection,
        customer: &CustomerId,
        product: &ProductId,
        staff: &StaffId,
        principal: i64,
        day: NaiveDate,
        now: DateTime<Utc>,
    ) -> (LoanId, ReceiptId) {
        let payout = (Method::Cash, "");
        paid_out_by(conn, customer, product, staff, principal, payout, day, now)
    }

    /// As [`paid_out`], the principal paid out by `method` with its reference.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn paid_out_by(
        conn: &Connection,
        customer: &CustomerId,
        product: &ProductId,
        staff: &StaffId,
        principal: i64,
        (method, reference): (Method, &str),
        day: NaiveDate,
        now: DateTime<Utc>,
    ) -> (LoanId, ReceiptId) {
        let item = Item {
            appraised: principal * 2,
            weight_mg: None,
            karat: None,
            ..gold(0)
        };
        let actor = Actor::System;
        let id = originate(
            conn,
            &actor,
            "JKT1",
            customer,
            product,
            &[item],
            principal,
            day,
            now,
        )
        .unwrap();
        let record = load(conn, &id).unwrap().unwrap();
        let receipt =
            approve_and_disburse(conn, &record, method, reference, staff, day, now).unwrap();
        (id, receipt)
    }

    /// A cash payment of `amount` for `purpose` taken by `staff` on business date `on`.
    pub(crate) fn pay_cash(
        conn: &Connection,
        loan: &LoanId,
        staff: &StaffId,
        amount: i64,
        purpose: Purpose,
        on: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<Receipt, PaymentError> {
        let record = load(conn, loan).unwrap().unwrap();
        let payment = Payment {
            amount,
            method: Method::Cash,
            reference: "",
            purpose,
            staff: Some(staff),
        };
        take_payment(conn, &record, &payment, &PaymentId::new(now), on, now)
    }

    fn setup() -> (
        tempfile::TempDir,
        crate::plumbing::db::Db,
        CustomerId,
        ProductId,
    ) {
        let (dir, db) = crate::plumbing::db::tests::test_db();
        let conn = db.conn().unwrap();
        let now = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let (customer, product) = crate::loans::ops::tests::customer_and_gold(&conn, "Siti", now);
        drop(conn);
        (dir, db, customer, product)
    }

    pub(crate) fn gold(appraised: i64) -> Item {
        Item {
            category: "gold".into(),
            description: "Ring".into(),
            marks: String::new(),
            weight_mg: Some(5_000),
            karat: Some(22),
            appraised,
        }
    }

    #[test]
    fn originate_disburse_extend_pay_and_redeem() {
        let (_dir, db, customer, product) = setup();
        let conn = db.conn().unwrap();
        let now = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let day = NaiveDate::from_ymd_opt(2026, 1, 10).unwrap();
        let staff = staff_member(&conn, crate::roles::Role::Clerk, now).id;
        let refused = originate(
            &conn,
            &Actor::System,
            "JKT1",
            &customer,
            &product,
            &[gold(1_000_000)],
            950_000,
            day,
            now,
        );
        assert!(matches!(
            refused,
            Err(OriginationError::AboveLtv { max: 900_000 })
        ));
        let id = originate(
            &conn,
            &Actor::System,
            "JKT1",
            &customer,
            &product,
            &[gold(1_000_000)],
            900_000,
            day,
            now,
        )
        .unwrap();
        let second = originate(
            &conn,
            &Actor::System,
            "JKT1",
            &customer,
            &product,
            &[gold(500_000)],
            100_000,
            day,
            now,
        )
        .unwrap();
        let record = load(&conn, &id).unwrap().unwrap();
        assert_eq!(record.ticket_no, "JKT1-2026-000001");
        assert_eq!(
            load(&conn, &second).unwrap().unwrap().ticket_no,
            "JKT1-2026-000002"
        );
        approve_and_disburse(&conn, &record, Method::Cash, "", &staff, day, now).unwrap();
        let record = load(&conn, &id).unwrap().unwrap();
        assert_eq!(record.state, LoanState::Active);
        // 1.15% of 900,000 = 10,350 a period, plus the 5,000 ticket fee.
        let owed = owed_on(&conn, &record, day).unwrap();
        assert_eq!((owed.interest, owed.fees), (10_350, 5_000));
        let wrong = Payment {
            amount: 10_000,
            method: Method::Cash,
            reference: "",
            purpose: Purpose::Extension { periods: 8 },
            staff: Some(&staff),
        };
        assert!(matches!(
            take_payment(&conn, &record, &wrong, &PaymentId::new(now), day, now),
            Err(PaymentError::WrongExtensionAmount { expected: 15_350 })
        ));
        let extend = Payment {
            amount: 15_350,
            ..wrong
        };
        let receipt =
            take_payment(&conn, &record, &extend, &PaymentId::new(now), day, now).unwrap();
        assert_eq!(
            receipt.split,
            Allocation {
                interest: 10_350,
                fees: 5_000,
                principal: 0
            }
        );
        assert_eq!(
            receipt.maturity,
            NaiveDate::from_ymd_opt(2026, 9, 7).unwrap(),
            "8 more periods of 15 days"
        );
        let record = load(&conn, &id).unwrap().unwrap();
        let partial = Payment {
            amount: 100_000,
            method: Method::MobileMoney,
            reference: "MP123",
            purpose: Purpose::Partial,
            staff: None,
        };
        let receipt =
            take_payment(&conn, &record, &partial, &PaymentId::new(now), day, now).unwrap();
        assert_eq!(receipt.split.principal, 100_000);
        assert_eq!(receipt.owed_after.principal, 800_000);
        let too_much = Payment {
            amount: 10_000_000,
            ..partial
        };
        assert!(matches!(
            take_payment(&conn, &record, &too_much, &PaymentId::new(now), day, now),
            Err(PaymentError::TooMuch { .. })
        ));
        let later = day + chrono::Duration::days(20);
        let payoff = owed_on(&conn, &record, later).unwrap().payoff();
        let redeem = Payment {
            amount: payoff,
            method: Method::Cash,
            reference: "",
            purpose: Purpose::Redemption { released: true },
            staff: Some(&staff),
        };
        let redeem_id = PaymentId::new(now);
        let receipt = take_payment(&conn, &record, &redeem, &redeem_id, later, now).unwrap();
        assert_eq!(receipt.state, LoanState::Redeemed);
        assert_eq!(released_at(&conn, &id), Some(now), "the item went back");
        let record = load(&conn, &id).unwrap().unwrap();
        // The same form sent twice: refused as recorded before, nothing written.
        let rows = ledger::entries(&conn, &customer, Some(&id), None, None)
            .unwrap()
            .len();
        assert!(matches!(
            take_payment(&conn, &record, &redeem, &redeem_id, later, now),
            Err(PaymentError::AlreadyRecorded { loan }) if loan == id
        ));
        assert_eq!(
            ledger::entries(&conn, &customer, Some(&id), None, None)
                .unwrap()
                .len(),
            rows
        );
        assert!(matches!(
            take_payment(&conn, &record, &partial, &PaymentId::new(now), later, now),
            Err(PaymentError::Closed)
        ));
        // The ledger balances: disbursed = principal repaid; every payment row reversible.
        let rows = ledger::entries(&conn, &customer, Some(&id), None, None).unwrap();
        let principal_paid: i64 = rows
            .iter()
            .filter(|r| r.kind == ledger::EntryKind::Principal)
            .map(|r| r.amount)
            .sum();
        assert_eq!(principal_paid, 900_000);
    }

    /// When the ticket's item went back to the customer.
    fn released_at(conn: &Connection, id: &LoanId) -> Option<DateTime<Utc>> {
        conn.query_row("SELECT released_at FROM loans WHERE id = ?1", [id], |r| {
            r.get(0)
        })
        .unwrap()
    }

    #[test]
    fn a_redemption_paid_from_afar_leaves_the_item_on_the_shelf() {
        let (_dir, db, customer, product) = setup();
        let conn = db.conn().unwrap();
        let now = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let day = NaiveDate::from_ymd_opt(2026, 1, 10).unwrap();
        let staff = staff_member(&conn, crate::roles::Role::Clerk, now).id;
        let id = originate(
            &conn,
            &Actor::System,
            "JKT1",
            &customer,
            &product,
            &[gold(1_000_000)],
            500_000,
            day,
            now,
        )
        .unwrap();
        let record = load(&conn, &id).unwrap().unwrap();
        approve_and_disburse(&conn, &record, Method::Cash, "", &staff, day, now).unwrap();
        let record = load(&conn, &id).unwrap().unwrap();
        let payoff = owed_on(&conn, &record, day).unwrap().payoff();
        let by_transfer = Payment {
            amount: payoff,
            method: Method::BankTransfer,
            reference: "TRF-1",
            purpose: Purpose::Redemption { released: false },
            staff: None,
        };
        let receipt =
            take_payment(&conn, &record, &by_transfer, &PaymentId::new(now), day, now).unwrap();
        assert_eq!(receipt.state, LoanState::Redeemed);
        assert_eq!(released_at(&conn, &id), None, "still on the shelf");
    }

    #[test]
    fn states_follow_the_calendar() {
        let (_dir, db, customer, product) = setup();
        let conn = db.conn().unwrap();
        let now = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let day = NaiveDate::from_ymd_opt(2026, 1, 10).unwrap();
        let id = originate(
            &conn,
            &Actor::System,
            "B",
            &customer,
            &product,
            &[gold(1_000_000)],
            500_000,
            day,
            now,
        )
        .unwrap();
        let staff = staff_member(&conn, crate::roles::Role::Clerk, now).id;
        approve_and_disburse(
            &conn,
            &load(&conn, &id).unwrap().unwrap(),
            Method::Cash,
            "",
            &staff,
            day,
            now,
        )
        .unwrap();
        let maturity = day + chrono::Duration::days(120);
        let check = |date: NaiveDate, expected: LoanState| {
            advance_states(&conn, date, now).unwrap();
            assert_eq!(
                load(&conn, &id).unwrap().unwrap().state,
                expected,
                "on {date}"
            );
        };
        check(maturity - chrono::Duration::days(1), LoanState::Active);
        check(maturity, LoanState::Due);
        check(maturity + chrono::Duration::days(5), LoanState::Grace);
        check(maturity + chrono::Duration::days(6), LoanState::Notice);
        check(maturity + chrono::Duration::days(29), LoanState::Notice);
        check(maturity + chrono::Duration::days(30), LoanState::Forfeited);
    }
}
