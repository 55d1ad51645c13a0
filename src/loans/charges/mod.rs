//! Interest and fees as charges in the ledger, and the statements built on them.
//!
//! A charge is posted on the day it falls due: each period's interest (and storage fee) on the
//! period's first day, the ticket fee on the start day, the late fee the day after the grace
//! days, the lost-ticket fee on the day it is known. What is due comes from
//! [`terms::accrued`], the same arithmetic as [`terms::owed`], with what had been paid by that
//! day (so a principal payment lowers the interest of the periods that start after it, as
//! `owed` says). A charge is never less than what has been paid of it (a payment is not undone
//! by a later lower figure), so the receivables always add up to `owed`'s payoff.
//!
//! Chosen: posted, and derived identically. [`due`] is the one function that says which
//! charges the ledger lacks on a date: those of the days after the last posted charge, plus
//! whatever difference is left today (a reversal or a backdated payment changes what was due
//! before). [`post_due_charges`] writes exactly those, so running it twice writes nothing the
//! second time; the scheduler's daily pass runs it for every open ticket ([`post_all`]).
//! Statements ([`statement_of`]) add [`due`]'s charges to what is posted without writing, so a
//! page never writes and never depends on whether today's pass has run; after it has, the
//! same lines are posted ones. A closed ticket is charged up to its redemption (the date of its
//! last movement) or its forfeiture.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use rusqlite::{Connection, OptionalExtension};

use super::LoanState;
use super::ops::{self, Ticket};
use super::terms::{self, Paid};
use crate::ledger::statement::{self, Pending, Period, Statement};
use crate::ledger::{self, EntryKind, History, Method, Movement, Posting};
use crate::plumbing::ids::{CustomerId, LoanId};

/// What has been paid on a ticket, net of reversals: the loans' view of the ledger's payments.
pub(crate) fn paid(conn: &Connection, loan: &LoanId) -> rusqlite::Result<Paid> {
    Ok(paid_by(&ledger::movements(conn, loan)?, None))
}

/// What had been paid on `date` (every payment when `None`), net of reversals made by then.
fn paid_by(moves: &[Movement], date: Option<NaiveDate>) -> Paid {
    let mut paid = Paid::default();
    let counts = |d: NaiveDate| date.is_none_or(|date| d <= date);
    for m in moves {
        if !counts(m.on) || m.reversed_on.is_some_and(counts) {
            continue;
        }
        match m.kind {
            EntryKind::Interest => paid.interest += m.amount,
            EntryKind::Fee => paid.fees += m.amount,
            _ => paid.principal.push((m.on, m.amount)),
        }
    }
    paid
}

/// The last day a ticket is charged for, on `today`: today while it is open, its redemption
/// day or forfeiture day once closed; `None` when it never lent anything or its payout failed
/// and waits to be made again.
fn charged_through(
    conn: &Connection,
    record: &Ticket,
    today: NaiveDate,
) -> rusqlite::Result<Option<NaiveDate>> {
    let t = &record.terms;
    if record.is_open() && record.payout_waits {
        // The customer has not received the money (`disbursements`).
        return Ok(None);
    }
    Ok(match record.state {
        LoanState::Origination | LoanState::Cancelled => None,
        LoanState::Redeemed => ledger::last_movement(conn, &record.id)?.map(|d| d.min(today)),
        LoanState::Forfeited => {
            let days =
                i64::from(t.grace_days) + i64::from(t.notice_days) + i64::from(t.forfeit_days) + 1;
            Some((record.maturity + Duration::days(days)).min(today))
        }
        _ => Some(today),
    })
}

/// The charges the ledger lacks for a ticket on `today`, oldest first (see the module
/// documentation): what [`post_due_charges`] posts and statements add.
pub(crate) fn due(
    conn: &Connection,
    record: &Ticket,
    today: NaiveDate,
) -> rusqlite::Result<Vec<Pending>> {
    let Some(through) = charged_through(conn, record, today)? else {
        return Ok(Vec::new());
    };
    let history = ledger::movements_and_charged(conn, &record.id)?;
    Ok(falling_due(record, through, &history))
}

/// The charges a ticket's `history` lacks when it is charged `through` that day: [`due`]'s
/// arithmetic, for the ledger's history of the ticket or a statement's.
fn falling_due(record: &Ticket, through: NaiveDate, history: &History) -> Vec<Pending> {
    let (moves, posted) = (&history.moves, history.charged);
    let ticket = record.facts();
    let mut dates = terms::charge_dates(&ticket, through);
    dates.extend(
        moves
            .iter()
            .flat_map(|m| [Some(m.on), m.reversed_on])
            .flatten()
            .filter(|d| *d <= through),
    );
    let last = posted.through.map_or(through, |p| through.max(p));
    dates.push(last);
    dates.retain(|d| posted.through.is_none_or(|p| *d > p) || *d == last);
    dates.sort_unstable();
    dates.dedup();
    let (mut interest, mut fees) = (posted.interest, posted.fees);
    let mut pending = Vec::new();
    for on in dates {
        // The last date settles what is owed now, every movement counted (a closed ticket's
        // may have been reversed after it stopped being charged).
        let paid = paid_by(moves, (on != last).then_some(on));
        let accrued = terms::accrued(&ticket, &paid, on.min(through));
        let (due_interest, due_fees) = (
            accrued.interest.max(paid.interest),
            accrued.fees.max(paid.fees),
        );
        for (is_interest, amount) in [(true, due_interest - interest), (false, due_fees - fees)] {
            if amount != 0 {
                pending.push(Pending {
                    loan: record.id.clone(),
                    ticket_no: record.ticket_no.clone(),
                    on,
                    interest: is_interest,
                    amount,
                });
            }
        }
        (interest, fees) = (due_interest, due_fees);
    }
    pending
}

/// Posts the charges the ledger lacks for a ticket on `today`; idempotent. Returns how many
/// transactions it wrote.
pub(crate) fn post_due_charges(
    conn: &Connection,
    record: &Ticket,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> rusqlite::Result<usize> {
    let pending = due(conn, record, today)?;
    for p in &pending {
        let posting = Posting {
            loan: &record.id,
            customer: &record.customer,
            method: Method::None,
            reference: "",
            staff: None,
            on: p.on,
            at: now,
        };
        ledger::charge(conn, &posting, p.interest, p.amount)?;
    }
    Ok(pending.len())
}

/// The open tickets, oldest first, after `after` (for passes in batches).
pub(crate) fn open_tickets(
    conn: &Connection,
    after: Option<&LoanId>,
    limit: usize,
) -> rusqlite::Result<Vec<LoanId>> {
    conn.prepare_cached(
        "SELECT id FROM loans WHERE state IN ('active', 'due', 'grace', 'notice') AND terms IS NOT NULL
           AND (?1 IS NULL OR id > ?1) ORDER BY id LIMIT +?2",
    )?
    .query_map(rusqlite::params![after, i64::try_from(limit).unwrap_or(i64::MAX)], |r| r.get(0))?
    .collect()
}

/// Posts the due charges of `tickets`; returns the transactions written.
pub(crate) fn post_all(
    conn: &Connection,
    tickets: &[LoanId],
    today: NaiveDate,
    now: DateTime<Utc>,
) -> rusqlite::Result<usize> {
    let mut written = 0;
    for id in tickets {
        if let Some(record) = ops::load(conn, id)? {
            written += post_due_charges(conn, &record, today, now)?;
        }
    }
    Ok(written)
}

/// The settings key of the last business day whose charges pass went through every ticket.
const PASS_DONE_KEY: &str = "charges_pass_done_on";

/// The last business day whose charges pass was complete.
pub(crate) fn pass_done_on(conn: &Connection) -> rusqlite::Result<Option<NaiveDate>> {
    Ok(conn
        .prepare_cached("SELECT value FROM settings WHERE key = ?1")?
        .query_row([PASS_DONE_KEY], |r| r.get::<_, String>(0))
        .optional()?
        .and_then(|v| v.parse().ok()))
}

/// Records that today's charges pass went through every ticket (a restart the same day skips
/// it; pages never depend on it).
pub(crate) fn mark_pass_done(conn: &Connection, today: NaiveDate) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        rusqlite::params![PASS_DONE_KEY, today.to_string()],
    )?;
    Ok(())
}

/// The statement of a customer's tickets (or one of them) on `today`: the posted
/// transactions on their receivables and the charges not posted yet, worked out from those
/// same lines (one read of the tickets' transactions, not one for the charges and another for
/// the statement).
pub(crate) fn statement_of(
    conn: &Connection,
    customer: &CustomerId,
    loan: Option<&LoanId>,
    (from, to): (Option<NaiveDate>, Option<NaiveDate>),
    today: NaiveDate,
) -> rusqlite::Result<Statement> {
    let tickets = ops::of_customer(conn, customer, loan)?;
    let posted = statement::posted(conn, customer, loan)?;
    let mut pending = Vec::new();
    for record in &tickets {
        if let Some(through) = charged_through(conn, record, today)? {
            pending.extend(falling_due(
                record,
                through,
                &statement::history(&posted, &record.id),
            ));
        }
    }
    pending.sort_by_key(|p| p.on);
    Ok(statement::statement(Period { from, to }, posted, &pending))
}

#[cfg(test)]
mod tests;
