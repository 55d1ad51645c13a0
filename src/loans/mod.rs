//! Pawn loans and their tickets: their states, the lists and the dashboard figures (the pages
//! are `web::loans`). A loan is written on a pawn ticket; the module, its table and `LoanId`
//! say "loan" as customers do ("Pay My Loan"), the records say "ticket" as the counter does:
//! `ops::Ticket` a ticket with everything its amounts depend on, `TicketLine` a ticket as a
//! list shows it, and `terms::Facts` the few facts of a ticket the arithmetic needs.
//!
//! `terms` holds the arithmetic (what is owed on a date), `products` the terms managers
//! offer, `ops` what happens to a ticket (origination, disbursement, payments, states),
//! `codes` the payment codes customers pay with (confirmed on the counter's page,
//! `web::loans::counter`). `unconfirmed` the payment codes still waiting for their payment. `items` the pawned items
//! of a ticket. `receipts` the numbered receipt of every money movement. `charges` posts interest and fees to the ledger as they fall due and builds
//! statements on them. `approval` who may approve a ticket (the second pair of eyes above a
//! limit).

pub(crate) mod approval;
pub(crate) mod charges;
pub(crate) mod codes;
pub(crate) mod disbursements;
pub(crate) mod items;
pub(crate) mod ops;
pub(crate) mod products;
pub(crate) mod receipts;
pub(crate) mod terms;
pub(crate) mod today;
pub(crate) mod unconfirmed;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use rusqlite::{Connection, OptionalExtension};

use crate::plumbing::i18n::Msg;
use crate::plumbing::ids::{CustomerId, LoanId};

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

    /// Whether the ticket's life is over (redeemed, forfeited or cancelled).
    pub(crate) fn is_closed(self) -> bool {
        matches!(
            self,
            LoanState::Forfeited | LoanState::Redeemed | LoanState::Cancelled
        )
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

/// An active ticket maturing within this many days is shown to the customer as due.
const DUE_SOON_DAYS: i64 = 3;

/// How pressing a ticket is for its customer, most pressing first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Urgency {
    /// Past the due date (grace or notice).
    Overdue,
    /// Due today, or within [`DUE_SOON_DAYS`].
    Due,
    /// Anything else.
    Later,
}

impl Urgency {
    /// The urgency of a ticket in `state` maturing on `maturity`, seen on `today`.
    pub(crate) fn of(state: LoanState, maturity: NaiveDate, today: NaiveDate) -> Urgency {
        match state {
            LoanState::Grace | LoanState::Notice => Urgency::Overdue,
            LoanState::Due => Urgency::Due,
            LoanState::Active if maturity - today <= Duration::days(DUE_SOON_DAYS) => Urgency::Due,
            _ => Urgency::Later,
        }
    }
}

/// The branch's loans in figures.
pub(crate) struct Summary {
    pub(crate) active: i64,
    pub(crate) due_or_overdue: i64,
    pub(crate) outstanding_principal: i64,
}

/// Counts open tickets and sums their principal.
pub(crate) fn summary(conn: &Connection) -> rusqlite::Result<Summary> {
    // From the per-state totals the triggers of V33 keep, not a count of every ticket.
    conn.prepare_cached(
        "SELECT COALESCE(SUM(tickets) FILTER (WHERE state = 'active'), 0),
                COALESCE(SUM(tickets) FILTER (WHERE state IN ('due', 'grace', 'notice')), 0),
                COALESCE(SUM(principal) FILTER (WHERE state IN ('active', 'due', 'grace', 'notice')), 0)
         FROM loan_state_totals",
    )?
    .query_row(
        [],
        |r| Ok(Summary { active: r.get(0)?, due_or_overdue: r.get(1)?, outstanding_principal: r.get(2)? }),
    )
}

/// A ticket as the customer sees it in the list.
pub(crate) struct TicketLine {
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
fn ticket_from_row(r: &rusqlite::Row) -> rusqlite::Result<TicketLine> {
    let state: String = r.get(2)?;
    Ok(TicketLine {
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
) -> rusqlite::Result<Vec<TicketLine>> {
    conn.prepare_cached(&format!(
        "SELECT {TICKET_COLUMNS} FROM loans WHERE customer_id = ?1
         ORDER BY state IN ('redeemed', 'forfeited', 'cancelled'), matures_on, ticket_no"
    ))?
    .query_map([customer], ticket_from_row)?
    .collect()
}

/// One of a customer's tickets: `None` when there is no such ticket, or when it is another
/// customer's (the two look the same).
pub(crate) fn of_customer_by_id(
    conn: &Connection,
    customer: &CustomerId,
    id: &LoanId,
) -> rusqlite::Result<Option<TicketLine>> {
    conn.prepare_cached(&format!(
        "SELECT {TICKET_COLUMNS} FROM loans WHERE id = ?1 AND customer_id = ?2"
    ))?
    .query_row(rusqlite::params![id, customer], ticket_from_row)
    .optional()
}

/// One of a ticket's extensions or state changes (a `loan_events` row).
pub(crate) struct LoanEvent {
    pub(crate) at: DateTime<Utc>,
    /// `extension`, `extension_reversed`, or a state change.
    pub(crate) kind: String,
    pub(crate) from: String,
    pub(crate) to: String,
}

/// A ticket's extensions and state changes, newest first.
pub(crate) fn events(conn: &Connection, loan: &LoanId) -> rusqlite::Result<Vec<LoanEvent>> {
    conn.prepare_cached(
        "SELECT at, kind, from_value, to_value FROM loan_events WHERE loan_id = ?1 ORDER BY at DESC, id DESC",
    )?
    .query_map([loan], |r| {
        Ok(LoanEvent {
            at: r.get(0)?,
            kind: r.get(1)?,
            from: r.get(2)?,
            to: r.get(3)?,
        })
    })?
    .collect()
}

/// An item of a forfeited ticket, waiting to be sold.
pub(crate) struct ForfeitedItem {
    pub(crate) loan: LoanId,
    pub(crate) ticket: String,
    pub(crate) item: String,
    pub(crate) appraised: i64,
    pub(crate) principal: i64,
    pub(crate) closed: Option<DateTime<Utc>>,
}

/// The items of forfeited tickets, the most recently forfeited first.
pub(crate) fn forfeited_items(conn: &Connection) -> rusqlite::Result<Vec<ForfeitedItem>> {
    conn.prepare(
        "SELECT l.id, l.ticket_no, i.description, i.appraised, l.principal, l.closed_at
         FROM loans l JOIN loan_items i ON i.loan_id = l.id WHERE l.state = 'forfeited' ORDER BY l.closed_at DESC",
    )?
    .query_map([], |r| {
        Ok(ForfeitedItem {
            loan: r.get(0)?,
            ticket: r.get(1)?,
            item: r.get(2)?,
            appraised: r.get(3)?,
            principal: r.get(4)?,
            closed: r.get(5)?,
        })
    })?
    .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn overdue_then_due_then_the_rest() {
        let today = NaiveDate::from_ymd_opt(2026, 3, 10).unwrap();
        let days = |n| today + Duration::days(n);
        assert_eq!(
            Urgency::of(LoanState::Grace, days(-2), today),
            Urgency::Overdue
        );
        assert_eq!(
            Urgency::of(LoanState::Notice, days(-9), today),
            Urgency::Overdue
        );
        assert_eq!(Urgency::of(LoanState::Due, today, today), Urgency::Due);
        assert_eq!(Urgency::of(LoanState::Active, days(3), today), Urgency::Due);
        assert_eq!(
            Urgency::of(LoanState::Active, days(4), today),
            Urgency::Later
        );
        assert_eq!(
            Urgency::of(LoanState::Origination, days(1), today),
            Urgency::Later
        );
        assert_eq!(
            Urgency::of(LoanState::Redeemed, days(-1), today),
            Urgency::Later
        );
        assert!(Urgency::Overdue < Urgency::Due && Urgency::Due < Urgency::Later);
        assert!(LoanState::Forfeited.is_closed() && !LoanState::Notice.is_closed());
    }

    /// The card's figures come from the totals V33's triggers keep; they equal a count of the
    /// tickets after tickets are written, paid out, change state, change principal and go.
    #[test]
    fn the_summary_equals_a_count_of_the_tickets() {
        let (_dir, db) = crate::plumbing::db::tests::test_db();
        let conn = db.conn().unwrap();
        let now = DateTime::from_timestamp(1_780_000_000, 0).unwrap();
        let day = now.date_naive();
        let (customer, product) = ops::tests::customer_and_gold(&conn, "Dewi", now);
        let staff = ops::tests::staff_member(&conn, crate::roles::Role::Manager, now);
        let counted = |conn: &Connection| -> (i64, i64, i64) {
            conn.query_row(
                "SELECT COUNT(*) FILTER (WHERE state = 'active'),
                        COUNT(*) FILTER (WHERE state IN ('due', 'grace', 'notice')),
                        COALESCE(SUM(principal) FILTER (WHERE state IN ('active', 'due', 'grace', 'notice')), 0)
                 FROM loans",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap()
        };
        let check = |conn: &Connection| {
            let s = summary(conn).unwrap();
            assert_eq!(
                (s.active, s.due_or_overdue, s.outstanding_principal),
                counted(conn)
            );
        };
        check(&conn);
        let mut tickets = Vec::new();
        for (i, principal) in [500_000, 750_000, 1_000_000, 250_000]
            .into_iter()
            .enumerate()
        {
            let (id, _) =
                ops::tests::paid_out(&conn, &customer, &product, &staff.id, principal, day, now);
            tickets.push(id);
            check(&conn);
            if i == 3 {
                // One left in origination: counted in neither figure.
                let item = ops::tests::gold(100_000);
                let actor = crate::audit::Actor::System;
                ops::originate(
                    &conn,
                    &actor,
                    "JKT1",
                    &customer,
                    &product,
                    &[item],
                    50_000,
                    day,
                    now,
                )
                .unwrap();
                check(&conn);
            }
        }
        for (id, state) in tickets.iter().zip(["due", "notice", "redeemed"]) {
            conn.execute(
                "UPDATE loans SET state = ?2 WHERE id = ?1",
                rusqlite::params![id, state],
            )
            .unwrap();
            check(&conn);
        }
        conn.execute(
            "UPDATE loans SET principal = principal + 1 WHERE id = ?1",
            [&tickets[0]],
        )
        .unwrap();
        check(&conn);
        let s = summary(&conn).unwrap();
        assert_eq!((s.active, s.due_or_overdue), (1, 2));
        assert_eq!(s.outstanding_principal, 500_001 + 750_000 + 250_000);
    }
}
