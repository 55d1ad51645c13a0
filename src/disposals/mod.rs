//! Disposals of forfeited items: what happens to a ticket's items once it is forfeited, and to
//! the money their sale brings (issue 13, point 6). The pages are `web::disposals`.
//!
//! A forfeited ticket's items are first moved to sale stock ([`move_to_stock`]), then sold at
//! auction or in the shop ([`sell`]) for a price, less the costs of the sale. What the ticket
//! owed is its receivable balances in the ledger on the sale date (principal, interest and
//! fees receivable, after posting the charges still due, so the scheduler's pass cannot add
//! one later); the net proceeds (price − costs) settle them in one balanced transaction: the
//! drawer (or bank or mobile-money clearing) debited with the net proceeds, write-offs with the
//! shortfall, the three receivables credited with their balances and the ticket's surplus
//! owed credited with the surplus. So the ticket's statement ends at 0 after its sale.
//!
//! Costs: the sale's price and costs are kept on its row (`disposal_sales`), and only the net
//! proceeds are posted. The auctioneer (or the shop) deducts its costs before the branch is
//! paid, so the drawer only ever sees the net amount; a costs account would add a pair of
//! postings that cancel in the drawer and tell nothing the row does not.
//!
//! A surplus is the customer's until `sale date + [loans] surplus_claim_days` (fixed on the
//! sale's row as `claim_until`). It is paid out at the counter ([`pay_out`]: surplus owed
//! debited, the drawer or clearing account credited, with a payment id made when the form was
//! shown) or, after the last claim day, taken to unclaimed surplus income by the scheduler's
//! daily pass ([`expire_claims`], idempotent). Receipts: the payout is one ledger transaction
//! with its payment id; the receipts module numbers it when it lands (hook: [`Payout`]).
//!
//! Refusals are [`DisposalError`] and write nothing; every write is audited in the same
//! transaction. The three tables are append-only (the schema's triggers) and synced.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::json;

use crate::audit::{self, Actor, Change};
use crate::ledger::accounts::{Account, Leg, Side};
use crate::ledger::{self, Balances, EntryKind, Method, Posting};
use crate::loans::ops::{self, Ticket};
use crate::loans::{LoanState, charges};
use crate::plumbing::ids::{CustomerId, LedgerId, LoanId, PaymentId};
use crate::roles::StaffUser;

pub(crate) mod overview;

#[cfg(test)]
mod tests;

/// How the items were sold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Channel {
    Auction,
    Shop,
}

impl Channel {
    /// Both channels, in the order forms offer them.
    pub(crate) const ALL: [Channel; 2] = [Channel::Auction, Channel::Shop];

    /// The code in the database and forms.
    pub(crate) fn code(self) -> &'static str {
        match self {
            Channel::Auction => "auction",
            Channel::Shop => "shop",
        }
    }

    /// The channel named by its code.
    pub(crate) fn from_code(code: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|c| c.code() == code)
    }
}

/// A sale as staff record it.
#[derive(Debug, Clone)]
pub(crate) struct Sale<'a> {
    pub(crate) channel: Channel,
    pub(crate) price: i64,
    pub(crate) costs: i64,
    pub(crate) buyer: &'a str,
    /// How the net proceeds came in.
    pub(crate) method: Method,
}

/// What a sale came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Sold {
    /// What the ticket owed on the sale date.
    pub(crate) owed: Balances,
    pub(crate) net: i64,
    pub(crate) surplus: i64,
    pub(crate) shortfall: i64,
    /// The last day the surplus can be claimed (only with a surplus).
    pub(crate) claim_until: Option<NaiveDate>,
    /// The ledger transaction (none when nothing moved: sold for its costs, nothing owed).
    pub(crate) ledger: Option<LedgerId>,
}

/// The arithmetic of a sale: net proceeds, then surplus or shortfall against `owed`.
pub(crate) fn settle(price: i64, costs: i64, owed: i64) -> (i64, i64, i64) {
    let net = price - costs;
    (net, (net - owed).max(0), (owed - net).max(0))
}

/// A surplus paid out at the counter: the hook for its receipt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Payout {
    pub(crate) amount: i64,
    pub(crate) payment: PaymentId,
    pub(crate) ledger: LedgerId,
    pub(crate) customer: CustomerId,
    /// Paid by this form before (a form sent twice pays once).
    pub(crate) before: bool,
}

/// Why a disposal was refused.
#[derive(Debug, thiserror::Error)]
pub(crate) enum DisposalError {
    #[error("no such ticket")]
    NotFound,
    #[error("the ticket is not forfeited")]
    NotForfeited,
    #[error("the items are already in sale stock")]
    AlreadyInStock,
    #[error("the items are not in sale stock")]
    NotInStock,
    #[error("the items are already sold")]
    AlreadySold,
    #[error("the price must be above zero")]
    PriceNotPositive,
    #[error("the costs must be zero or more and not above the price")]
    CostsInvalid,
    #[error("the proceeds must come in by cash, bank transfer or mobile money")]
    MethodInvalid,
    #[error("no surplus is owed on this ticket")]
    NoSurplus,
    #[error("the surplus was already paid out or has expired")]
    Settled,
    #[error("the claim period ended on {0}")]
    ClaimOver(NaiveDate),
    #[error(transparent)]
    Db(#[from] rusqlite::Error),
}

/// Moves a forfeited ticket's items to sale stock.
pub(crate) fn move_to_stock(
    conn: &Connection,
    loan: &LoanId,
    user: &StaffUser,
    on: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Ticket, DisposalError> {
    let ticket = forfeited(conn, loan)?;
    if in_stock_on(conn, loan)?.is_some() {
        return Err(DisposalError::AlreadyInStock);
    }
    conn.prepare_cached(
        "INSERT INTO disposals (loan_id, staff_id, on_date, at) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![loan, user.id, on, now])?;
    let change = Change {
        action: "disposal.stock",
        entity: "disposal",
        entity_id: loan.as_str(),
        before: None,
        after: Some(json!({ "ticket": ticket.ticket_no, "on": on.to_string() })),
    };
    audit::record(conn, &Actor::Staff(user), &change, now)?;
    Ok(ticket)
}

/// Records the sale of a ticket's items in stock on `on`: the ledger transaction, the sale's
/// row and its audit entry (see the module documentation). `claim_days` is `[loans]
/// surplus_claim_days`.
pub(crate) fn sell(
    conn: &Connection,
    loan: &LoanId,
    sale: &Sale,
    user: &StaffUser,
    (on, now): (NaiveDate, DateTime<Utc>),
    claim_days: u32,
) -> Result<Sold, DisposalError> {
    check_sale(sale)?;
    let ticket = forfeited(conn, loan)?;
    if in_stock_on(conn, loan)?.is_none() {
        return Err(DisposalError::NotInStock);
    }
    if sold(conn, loan)? {
        return Err(DisposalError::AlreadySold);
    }
    charges::post_due_charges(conn, &ticket, on, now)?;
    let owed = ledger::balances(conn, loan, on)?;
    let (net, surplus, shortfall) = settle(sale.price, sale.costs, owed.owed());
    let claim_until = (surplus > 0).then(|| on + Duration::days(i64::from(claim_days)));
    let legs = sale_legs(&owed, net, surplus, shortfall, sale.method);
    let posting = Posting {
        loan,
        customer: &ticket.customer,
        method: sale.method,
        reference: sale.buyer,
        staff: Some(&user.id),
        on,
        at: now,
    };
    let ledger = match legs.is_empty() {
        true => None,
        false => Some(ledger::record_disposal(
            conn,
            &posting,
            EntryKind::DisposalSale,
            &legs,
            None,
        )?),
    };
    let done = Sold {
        owed,
        net,
        surplus,
        shortfall,
        claim_until,
        ledger,
    };
    insert_sale(conn, loan, sale, &done, user, (on, now))?;
    let change = Change {
        action: "disposal.sell",
        entity: "disposal",
        entity_id: loan.as_str(),
        before: Some(json!({ "ticket": ticket.ticket_no, "owed": owed.owed() })),
        after: Some(json!({
            "channel": sale.channel.code(), "price": sale.price, "costs": sale.costs, "buyer": sale.buyer,
            "method": sale.method.code(), "surplus": surplus, "shortfall": shortfall,
            "claim_until": claim_until.map(|d| d.to_string()),
            "ledger": done.ledger.as_ref().map(LedgerId::as_str),
        })),
    };
    audit::record(conn, &Actor::Staff(user), &change, now)?;
    Ok(done)
}

/// The figures of a sale that can be refused before reading anything.
fn check_sale(sale: &Sale) -> Result<(), DisposalError> {
    if sale.price <= 0 {
        return Err(DisposalError::PriceNotPositive);
    }
    if sale.costs < 0 || sale.costs > sale.price {
        return Err(DisposalError::CostsInvalid);
    }
    if !Method::PAYABLE.contains(&sale.method) {
        return Err(DisposalError::MethodInvalid);
    }
    Ok(())
}

/// The sale's postings: net proceeds and shortfall debited, each receivable's balance and the
/// surplus credited (a receivable in credit, which the charges never leave, would be debited).
fn sale_legs(owed: &Balances, net: i64, surplus: i64, shortfall: i64, method: Method) -> Vec<Leg> {
    let leg = |account, side, amount| Leg {
        account,
        side,
        amount,
    };
    let mut legs = vec![
        leg(Account::for_method(method), Side::Debit, net),
        leg(Account::WriteOffs, Side::Debit, shortfall),
    ];
    for (account, balance) in [
        (Account::PrincipalReceivable, owed.principal),
        (Account::InterestReceivable, owed.interest),
        (Account::FeesReceivable, owed.fees),
    ] {
        let side = if balance >= 0 {
            Side::Credit
        } else {
            Side::Debit
        };
        legs.push(leg(account, side, balance.abs()));
    }
    legs.push(leg(Account::SurplusOwed, Side::Credit, surplus));
    legs.retain(|l| l.amount > 0);
    legs
}

/// Writes the sale's row.
fn insert_sale(
    conn: &Connection,
    loan: &LoanId,
    sale: &Sale,
    done: &Sold,
    user: &StaffUser,
    (on, now): (NaiveDate, DateTime<Utc>),
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO disposal_sales (loan_id, channel, price, costs, buyer, method, owed_principal, owed_interest,
                                     owed_fees, surplus, shortfall, claim_until, ledger_id, staff_id, on_date, at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
    )?
    .execute(params![
        loan,
        sale.channel.code(),
        sale.price,
        sale.costs,
        sale.buyer,
        sale.method.code(),
        done.owed.principal,
        done.owed.interest,
        done.owed.fees,
        done.surplus,
        done.shortfall,
        done.claim_until,
        done.ledger,
        user.id,
        on,
        now
    ])?;
    Ok(())
}

/// A surplus owed and not settled: the sale's surplus, its last claim day, the ticket's
/// customer.
struct OpenClaim {
    amount: i64,
    until: NaiveDate,
    customer: CustomerId,
}

/// The surplus still owed on a ticket, refusing one never owed or already settled.
fn open_claim(conn: &Connection, loan: &LoanId) -> Result<OpenClaim, DisposalError> {
    let row: Option<(i64, Option<NaiveDate>, CustomerId, bool)> = conn
        .prepare_cached(
            "SELECT s.surplus, s.claim_until, l.customer_id,
                    EXISTS (SELECT 1 FROM surplus_settlements x WHERE x.loan_id = s.loan_id)
             FROM disposal_sales s JOIN loans l ON l.id = s.loan_id WHERE s.loan_id = ?1",
        )?
        .query_row([loan], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .optional()?;
    match row {
        Some((amount, Some(until), customer, false)) if amount > 0 => Ok(OpenClaim {
            amount,
            until,
            customer,
        }),
        Some((amount, _, _, true)) if amount > 0 => Err(DisposalError::Settled),
        _ => Err(DisposalError::NoSurplus),
    }
}

/// Pays a ticket's surplus out to its customer at the counter on `on`, by `method`, under the
/// payment id made when the form was shown (the same id again is the same payout).
pub(crate) fn pay_out(
    conn: &Connection,
    loan: &LoanId,
    method: Method,
    payment: &PaymentId,
    user: &StaffUser,
    (on, now): (NaiveDate, DateTime<Utc>),
) -> Result<Payout, DisposalError> {
    if let Some(before) = paid_by(conn, loan, payment)? {
        return Ok(before);
    }
    if !Method::PAYABLE.contains(&method) {
        return Err(DisposalError::MethodInvalid);
    }
    let claim = open_claim(conn, loan)?;
    if on > claim.until {
        return Err(DisposalError::ClaimOver(claim.until));
    }
    let posting = Posting {
        loan,
        customer: &claim.customer,
        method,
        reference: "",
        staff: Some(&user.id),
        on,
        at: now,
    };
    let legs = Leg::pair(
        Account::SurplusOwed,
        Account::for_method(method),
        claim.amount,
    );
    let ledger = ledger::record_disposal(
        conn,
        &posting,
        EntryKind::SurplusPayout,
        &legs,
        Some(payment),
    )?;
    let settled = Settlement {
        outcome: "paid",
        amount: claim.amount,
        method,
        payment: Some(payment),
        ledger: &ledger,
    };
    insert_settlement(conn, loan, &settled, Some(user), (on, now))?;
    Ok(Payout {
        amount: claim.amount,
        payment: payment.clone(),
        ledger,
        customer: claim.customer,
        before: false,
    })
}

/// The payout a payment id already made on a ticket.
fn paid_by(
    conn: &Connection,
    loan: &LoanId,
    payment: &PaymentId,
) -> rusqlite::Result<Option<Payout>> {
    conn.prepare_cached(
        "SELECT s.amount, s.ledger_id, l.customer_id FROM surplus_settlements s JOIN loans l ON l.id = s.loan_id
         WHERE s.loan_id = ?1 AND s.payment_id = ?2",
    )?
    .query_row(
        params![loan, payment],
        |r| {
            Ok(Payout {
                amount: r.get(0)?,
                payment: payment.clone(),
                ledger: r.get(1)?,
                customer: r.get(2)?,
                before: true,
            })
        },
    )
    .optional()
}

/// What became of a surplus.
struct Settlement<'a> {
    outcome: &'static str,
    amount: i64,
    method: Method,
    payment: Option<&'a PaymentId>,
    ledger: &'a LedgerId,
}

/// Writes a settlement's row and audits it (staff paid it, or the system expired it).
fn insert_settlement(
    conn: &Connection,
    loan: &LoanId,
    s: &Settlement,
    user: Option<&StaffUser>,
    (on, now): (NaiveDate, DateTime<Utc>),
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO surplus_settlements (loan_id, outcome, amount, method, payment_id, ledger_id, staff_id, on_date, at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        loan,
        s.outcome,
        s.amount,
        s.method.code(),
        s.payment,
        s.ledger,
        user.map(|u| &u.id),
        on,
        now
    ])?;
    let change = Change {
        action: if s.outcome == "paid" {
            "surplus.pay_out"
        } else {
            "surplus.expire"
        },
        entity: "disposal",
        entity_id: loan.as_str(),
        before: Some(json!({ "surplus_owed": s.amount })),
        after: Some(json!({
            "outcome": s.outcome, "amount": s.amount, "method": s.method.code(),
            "payment": s.payment.map(PaymentId::as_str), "ledger": s.ledger.as_str(),
        })),
    };
    let actor = user.map_or(Actor::System, Actor::Staff);
    audit::record(conn, &actor, &change, now)
}

/// The scheduler's daily pass: every surplus whose last claim day is before `today` and that
/// is still owed is taken to unclaimed surplus income. Idempotent: a settled surplus is not
/// read again. Returns how many expired.
pub(crate) fn expire_claims(
    conn: &Connection,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> rusqlite::Result<usize> {
    let due: Vec<(LoanId, CustomerId, i64)> = conn
        .prepare_cached(
            "SELECT s.loan_id, l.customer_id, s.surplus FROM disposal_sales s JOIN loans l ON l.id = s.loan_id
             WHERE s.surplus > 0 AND s.claim_until < ?1
               AND NOT EXISTS (SELECT 1 FROM surplus_settlements x WHERE x.loan_id = s.loan_id)
             ORDER BY s.claim_until, s.loan_id",
        )?
        .query_map([today], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (loan, customer, amount) in &due {
        let posting = Posting {
            loan,
            customer,
            method: Method::None,
            reference: "",
            staff: None,
            on: today,
            at: now,
        };
        let legs = Leg::pair(
            Account::SurplusOwed,
            Account::UnclaimedSurplusIncome,
            *amount,
        );
        let ledger =
            ledger::record_disposal(conn, &posting, EntryKind::SurplusExpiry, &legs, None)?;
        let settled = Settlement {
            outcome: "expired",
            amount: *amount,
            method: Method::None,
            payment: None,
            ledger: &ledger,
        };
        insert_settlement(conn, loan, &settled, None, (today, now))?;
    }
    Ok(due.len())
}

/// The ticket, refusing one that does not exist or is not forfeited.
fn forfeited(conn: &Connection, loan: &LoanId) -> Result<Ticket, DisposalError> {
    let ticket = ops::load(conn, loan)?.ok_or(DisposalError::NotFound)?;
    if ticket.state != LoanState::Forfeited {
        return Err(DisposalError::NotForfeited);
    }
    Ok(ticket)
}

/// The day a ticket's items went to sale stock, if they did.
fn in_stock_on(conn: &Connection, loan: &LoanId) -> rusqlite::Result<Option<NaiveDate>> {
    conn.prepare_cached("SELECT on_date FROM disposals WHERE loan_id = ?1")?
        .query_row([loan], |r| r.get(0))
        .optional()
}

/// Whether a ticket's items are sold.
fn sold(conn: &Connection, loan: &LoanId) -> rusqlite::Result<bool> {
    conn.prepare_cached("SELECT EXISTS (SELECT 1 FROM disposal_sales WHERE loan_id = ?1)")?
        .query_row([loan], |r| r.get(0))
}
