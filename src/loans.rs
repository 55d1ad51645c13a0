//! Pawn loans (tickets): their states and the figures staff see on the dashboard.
//!
//! This first version holds the ticket records and their states; products, interest, the
//! ledger, extensions and the scheduler build on it.

use chrono::{DateTime, NaiveDate, Utc};
use maud::{Markup, html};
use rusqlite::{Connection, OptionalExtension, params};

use crate::auth::Permission;
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

    /// The state for people.
    pub(crate) fn label(self) -> Msg {
        match self {
            LoanState::Origination => Msg::StateOrigination,
            LoanState::Active => Msg::StateActive,
            LoanState::Due => Msg::StateDue,
            LoanState::Grace => Msg::StateGrace,
            LoanState::Notice => Msg::StateNotice,
            LoanState::Forfeited => Msg::StateForfeited,
            LoanState::Redeemed => Msg::StateRedeemed,
            LoanState::Cancelled => Msg::StateCancelled,
        }
    }

    /// The state named by its code.
    pub(crate) fn from_code(code: &str) -> Option<LoanState> {
        LoanState::ALL.into_iter().find(|s| s.code() == code)
    }

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

/// A ticket as the customer sees it in the list.
pub(crate) struct Ticket {
    pub(crate) id: LoanId,
    pub(crate) ticket_no: String,
    pub(crate) state: LoanState,
    pub(crate) principal: i64,
    pub(crate) item_description: String,
    pub(crate) matures_on: NaiveDate,
}

/// The columns [`ticket_from_row`] reads, first in a query.
const TICKET_COLUMNS: &str = "id, ticket_no, state, principal, item_description, matures_on";

/// A ticket from a row starting with [`TICKET_COLUMNS`].
fn ticket_from_row(r: &rusqlite::Row) -> rusqlite::Result<Ticket> {
    let state: String = r.get(2)?;
    Ok(Ticket {
        id: r.get(0)?,
        ticket_no: r.get(1)?,
        state: LoanState::from_code(&state).unwrap_or(LoanState::Cancelled),
        principal: r.get(3)?,
        item_description: r.get(4)?,
        matures_on: r.get(5)?,
    })
}

/// A customer's tickets, open ones first, then by maturity.
pub(crate) fn of_customer(
    conn: &Connection,
    customer: &CustomerId,
) -> rusqlite::Result<Vec<Ticket>> {
    conn.prepare_cached(&format!(
        "SELECT {TICKET_COLUMNS} FROM loans WHERE customer_id = ?1
         ORDER BY state IN ('redeemed', 'forfeited', 'cancelled'), matures_on, ticket_no"
    ))?
    .query_map([customer], ticket_from_row)?
    .collect()
}

// ----- Staff pages -----

/// A ticket as staff see it.
struct Detail {
    ticket: Ticket,
    customer: crate::customers::Customer,
    started_on: NaiveDate,
}

/// One ticket with its customer.
fn detail(conn: &Connection, id: &LoanId) -> rusqlite::Result<Option<Detail>> {
    let row: Option<(Ticket, CustomerId, NaiveDate)> = conn
        .prepare_cached(&format!(
            "SELECT {TICKET_COLUMNS}, customer_id, started_on FROM loans WHERE id = ?1"
        ))?
        .query_row([id], |r| Ok((ticket_from_row(r)?, r.get(6)?, r.get(7)?)))
        .optional()?;
    let Some((ticket, customer_id, started_on)) = row else {
        return Ok(None);
    };
    let Some(customer) = crate::customers::get(conn, &customer_id)? else {
        return Ok(None);
    };
    Ok(Some(Detail {
        ticket,
        customer,
        started_on,
    }))
}

/// GET /staff/loans/{id}: the ticket; a ticket awaiting approval shows the customer's phone
/// verification and, while it is unverified, the counter verification form.
pub(crate) fn show_page(
    ctx: &Ctx,
    id: &str,
) -> Result<crate::http::Response, crate::error::AppError> {
    let user = ctx.require_any(&[
        Permission::LoanOrigination,
        Permission::Payments,
        Permission::CustomerManagement,
    ])?;
    let id: LoanId = id.parse().map_err(|_| crate::error::AppError::NotFound)?;
    let d = detail(&*ctx.app.db.conn()?, &id)?.ok_or(crate::error::AppError::NotFound)?;
    let currency = ctx.app.config.currency();
    let c = &d.customer;
    let verified = c.phone_verified_at.is_some();
    let body = html! {
        section class="card" {
            dl {
                dt { (ctx.t(Msg::Status)) } dd { (ctx.t(d.ticket.state.label())) }
                dt { (ctx.t(Msg::CardCustomers)) } dd {
                    a href={ "/staff/customers/" (c.id) } { (c.full_name) } " "
                    (crate::customers::verification_badge(ctx, verified, c.locked_at.is_some()))
                }
                dt { (ctx.t(Msg::Item)) } dd { (d.ticket.item_description) }
                dt { (ctx.t(Msg::Principal)) } dd { (currency.format(d.ticket.principal, ctx.lang)) }
                dt { (ctx.t(Msg::StartDate)) } dd { (d.started_on) }
                dt { (ctx.t(Msg::Maturity)) } dd { (d.ticket.matures_on) }
            }
        }
        @if d.ticket.state == LoanState::Origination {
            @if !verified {
                p class="warning" { (ctx.t(Msg::ApprovalNeedsVerifiedPhone)) }
                @if c.locked_at.is_none() && user.role.has(Permission::LoanOrigination) {
                    (crate::customers::verification_form(ctx, c, &format!("/staff/loans/{}", d.ticket.id)))
                }
            }
            @if user.role.has(Permission::LoanOrigination) {
                form method="post" action={ "/staff/loans/" (d.ticket.id) "/approve" } {
                    (crate::ui::csrf_input(&ctx.csrf()))
                    button type="submit" disabled[!verified] { (ctx.t(Msg::Approve)) }
                }
            }
        }
    };
    Ok(ctx.staff_page(user, &d.ticket.ticket_no, body))
}

/// POST /staff/loans/{id}/approve: needs Loan Origination and a verified phone.
pub(crate) fn approve(
    ctx: &Ctx,
    id: &str,
) -> Result<crate::http::Response, crate::error::AppError> {
    let user = ctx.require(Permission::LoanOrigination)?;
    let id: LoanId = id.parse().map_err(|_| crate::error::AppError::NotFound)?;
    let mut conn = ctx.app.db.conn()?;
    let tx = crate::db::immediate(&mut conn)?;
    let d = detail(&tx, &id)?.ok_or(crate::error::AppError::NotFound)?;
    if d.ticket.state != LoanState::Origination {
        return Err(crate::error::AppError::BadRequest(
            ctx.t(Msg::NotAwaitingApproval).to_owned(),
        ));
    }
    if d.customer.phone_verified_at.is_none() {
        return Err(crate::error::AppError::BadRequest(
            ctx.t(Msg::ApprovalNeedsVerifiedPhone).to_owned(),
        ));
    }
    tx.execute(
        "UPDATE loans SET state = 'active', updated_at = ?2 WHERE id = ?1",
        params![id, ctx.now],
    )?;
    let change = crate::audit::Change {
        action: "loan.approve",
        entity: "loan",
        entity_id: id.as_str(),
        before: Some(serde_json::json!({ "state": "origination" })),
        after: Some(serde_json::json!({ "state": "active" })),
    };
    crate::audit::record(&tx, &crate::audit::Actor::Staff(user), &change, ctx.now)?;
    tx.commit()?;
    ctx.flash(ctx.t(Msg::LoanApproved));
    Ok(crate::http::Response::see_other(&format!(
        "/staff/loans/{id}"
    )))
}
