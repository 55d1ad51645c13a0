//! Pawn loans (tickets): their states and the figures staff see on the dashboard.
//!
//! This first version holds the ticket records and their states; products, interest, the
//! ledger, extensions and the scheduler build on it.

use chrono::{DateTime, NaiveDate, Utc};
use maud::{Markup, html};
use rusqlite::{Connection, params};

use crate::i18n::Msg;
use crate::ids::{CustomerId, LoanId};
use crate::web::Ctx;

/// Where a ticket is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LoanState {
    Origination,
    Active,
    Due,
    Grace,
    Notice,
    Forfeited,
    Redeemed,
    Cancelled,
}

impl LoanState {
    /// Every state, in the order of a ticket's life.
    pub(crate) const ALL: [LoanState; 8] = [
        LoanState::Origination,
        LoanState::Active,
        LoanState::Due,
        LoanState::Grace,
        LoanState::Notice,
        LoanState::Forfeited,
        LoanState::Redeemed,
        LoanState::Cancelled,
    ];

    /// The state's code in the database.
    pub(crate) fn code(self) -> &'static str {
        match self {
            LoanState::Origination => "origination",
            LoanState::Active => "active",
            LoanState::Due => "due",
            LoanState::Grace => "grace",
            LoanState::Notice => "notice",
            LoanState::Forfeited => "forfeited",
            LoanState::Redeemed => "redeemed",
            LoanState::Cancelled => "cancelled",
        }
    }
}

/// A ticket to add.
pub(crate) struct NewLoan<'a> {
    pub(crate) ticket_no: &'a str,
    pub(crate) customer: &'a CustomerId,
    pub(crate) state: LoanState,
    pub(crate) principal: i64,
    pub(crate) item_description: &'a str,
    pub(crate) started_on: NaiveDate,
    pub(crate) matures_on: NaiveDate,
}

/// Adds a ticket.
pub(crate) fn insert(
    conn: &Connection,
    new: &NewLoan,
    now: DateTime<Utc>,
) -> rusqlite::Result<LoanId> {
    let id = LoanId::new(now);
    conn.prepare_cached(
        "INSERT INTO loans (id, ticket_no, customer_id, state, principal, item_description, started_on, matures_on,
                            created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)",
    )?
    .execute(params![
        id,
        new.ticket_no,
        new.customer,
        new.state.code(),
        new.principal,
        new.item_description,
        new.started_on,
        new.matures_on,
        now
    ])?;
    Ok(id)
}

/// The branch's loans in figures.
pub(crate) struct Summary {
    pub(crate) active: i64,
    pub(crate) due_or_overdue: i64,
    pub(crate) outstanding_principal: i64,
}

/// Counts open tickets and sums their principal.
pub(crate) fn summary(conn: &Connection) -> rusqlite::Result<Summary> {
    conn.query_row(
        "SELECT COUNT(*) FILTER (WHERE state = 'active'),
                COUNT(*) FILTER (WHERE state IN ('due', 'grace', 'notice')),
                COALESCE(SUM(principal) FILTER (WHERE state IN ('active', 'due', 'grace', 'notice')), 0)
         FROM loans",
        [],
        |r| Ok(Summary { active: r.get(0)?, due_or_overdue: r.get(1)?, outstanding_principal: r.get(2)? }),
    )
}

/// The dashboard card.
pub(crate) fn card(ctx: &Ctx, conn: &Connection) -> rusqlite::Result<Markup> {
    let s = summary(conn)?;
    let currency = ctx.app.config.currency();
    Ok(html! {
        section class="card" {
            h2 { (ctx.t(Msg::CardLoans)) }
            dl {
                dt { (ctx.t(Msg::CardActiveLoans)) } dd { (s.active) }
                dt { (ctx.t(Msg::CardDueLoans)) } dd { (s.due_or_overdue) }
                dt { (ctx.t(Msg::CardOutstanding)) } dd { (currency.format(s.outstanding_principal, ctx.lang)) }
            }
        }
    })
}
