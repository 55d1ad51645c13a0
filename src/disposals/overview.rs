//! What the "Disposals" page, the customer's file and the portal read of disposals: forfeited
//! tickets not yet in stock, items in stock, sales with their figures and totals, and the
//! surplus still owed to a customer.

use chrono::NaiveDate;
use rusqlite::Connection;

use super::Channel;
use crate::plumbing::ids::{CustomerId, LoanId};

/// A forfeited ticket waiting for a step: not yet in stock, or in stock and not sold.
#[derive(Debug, Clone)]
pub(crate) struct Waiting {
    pub(crate) loan: LoanId,
    pub(crate) ticket: String,
    pub(crate) items: String,
    pub(crate) principal: i64,
    /// The day the items went to stock (none: not yet).
    pub(crate) stocked_on: Option<NaiveDate>,
}

/// What became of a sale's surplus.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SurplusState {
    /// No surplus.
    None,
    Owed,
    Paid,
    Expired,
}

/// A sale as the page lists it.
#[derive(Debug, Clone)]
pub(crate) struct SaleLine {
    pub(crate) loan: LoanId,
    pub(crate) ticket: String,
    pub(crate) items: String,
    pub(crate) channel: Channel,
    pub(crate) price: i64,
    pub(crate) costs: i64,
    pub(crate) owed: i64,
    pub(crate) surplus: i64,
    pub(crate) shortfall: i64,
    pub(crate) claim_until: Option<NaiveDate>,
    pub(crate) state: SurplusState,
    pub(crate) on: NaiveDate,
}

/// The page's totals over every sale.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Totals {
    pub(crate) sold: i64,
    /// Net proceeds (price − costs).
    pub(crate) proceeds: i64,
    /// Surplus not yet paid out or expired.
    pub(crate) surplus_owed: i64,
    pub(crate) written_off: i64,
}

/// Forfeited tickets not sold yet, those not in stock first, then by ticket number.
pub(crate) fn waiting(conn: &Connection) -> rusqlite::Result<Vec<Waiting>> {
    conn.prepare_cached(
        "SELECT l.id, l.ticket_no,
                COALESCE((SELECT group_concat(i.description, '; ') FROM loan_items i WHERE i.loan_id = l.id), ''),
                l.principal, d.on_date
         FROM loans l LEFT JOIN disposals d ON d.loan_id = l.id
         WHERE l.state = 'forfeited' AND NOT EXISTS (SELECT 1 FROM disposal_sales s WHERE s.loan_id = l.id)
         ORDER BY d.on_date IS NOT NULL, l.ticket_no",
    )?
    .query_map([], |r| {
        Ok(Waiting {
            loan: r.get(0)?,
            ticket: r.get(1)?,
            items: r.get(2)?,
            principal: r.get(3)?,
            stocked_on: r.get(4)?,
        })
    })?
    .collect()
}

/// Every sale, newest first.
pub(crate) fn sales(conn: &Connection) -> rusqlite::Result<Vec<SaleLine>> {
    conn.prepare_cached(
        "SELECT s.loan_id, l.ticket_no,
                COALESCE((SELECT group_concat(i.description, '; ') FROM loan_items i WHERE i.loan_id = l.id), ''),
                s.channel, s.price, s.costs, s.owed_principal + s.owed_interest + s.owed_fees, s.surplus,
                s.shortfall, s.claim_until, x.outcome, s.on_date
         FROM disposal_sales s JOIN loans l ON l.id = s.loan_id
         LEFT JOIN surplus_settlements x ON x.loan_id = s.loan_id
         ORDER BY s.on_date DESC, s.at DESC",
    )?
    .query_map([], |r| {
        let surplus: i64 = r.get(7)?;
        let outcome: Option<String> = r.get(10)?;
        Ok(SaleLine {
            loan: r.get(0)?,
            ticket: r.get(1)?,
            items: r.get(2)?,
            channel: Channel::from_code(&r.get::<_, String>(3)?).unwrap_or(Channel::Auction),
            price: r.get(4)?,
            costs: r.get(5)?,
            owed: r.get(6)?,
            surplus,
            shortfall: r.get(8)?,
            claim_until: r.get(9)?,
            state: surplus_state(surplus, outcome.as_deref()),
            on: r.get(11)?,
        })
    })?
    .collect()
}

/// The state of a surplus from its amount and its settlement's outcome.
fn surplus_state(surplus: i64, outcome: Option<&str>) -> SurplusState {
    match (surplus > 0, outcome) {
        (false, _) => SurplusState::None,
        (true, None) => SurplusState::Owed,
        (true, Some("paid")) => SurplusState::Paid,
        (true, Some(_)) => SurplusState::Expired,
    }
}

/// The totals of `sales`.
pub(crate) fn totals(sales: &[SaleLine]) -> Totals {
    sales.iter().fold(Totals::default(), |mut t, s| {
        t.sold += 1;
        t.proceeds += s.price - s.costs;
        if s.state == SurplusState::Owed {
            t.surplus_owed += s.surplus;
        }
        t.written_off += s.shortfall;
        t
    })
}

/// A surplus still owed to a customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Claim {
    pub(crate) loan: LoanId,
    pub(crate) ticket: String,
    pub(crate) amount: i64,
    pub(crate) until: NaiveDate,
}

/// The surpluses a customer can still claim (owed, not settled), the soonest deadline first.
pub(crate) fn claims_of(conn: &Connection, customer: &CustomerId) -> rusqlite::Result<Vec<Claim>> {
    conn.prepare_cached(
        "SELECT s.loan_id, l.ticket_no, s.surplus, s.claim_until
         FROM disposal_sales s JOIN loans l ON l.id = s.loan_id
         WHERE l.customer_id = ?1 AND s.surplus > 0 AND s.claim_until IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM surplus_settlements x WHERE x.loan_id = s.loan_id)
         ORDER BY s.claim_until, l.ticket_no",
    )?
    .query_map([customer], |r| {
        Ok(Claim {
            loan: r.get(0)?,
            ticket: r.get(1)?,
            amount: r.get(2)?,
            until: r.get(3)?,
        })
    })?
    .collect()
}
