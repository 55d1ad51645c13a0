//! The one way into the ledger: [`record`] (and, for reversals and drawers' own transactions,
//! [`record_reversal`] and [`record_drawer`]) writes a transaction and its postings, after
//! checking that they balance (every amount positive, debits equal to credits) and that the
//! transaction's amount is their debits. Nothing else inserts into `ledger` or
//! `ledger_postings` (the benchmark's generator aside, which writes the same shapes in bulk
//! and is checked by [`unbalanced`] in its tests).

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use super::accounts::{self, Account, Leg, Side};
use super::{EntryKind, Method, Posting};
use crate::plumbing::ids::{CustomerId, DrawerId, LedgerId, LoanId, PaymentId, StaffId};

/// Why the ledger refused a transaction (a programming error: callers build balanced ones).
#[derive(Debug, thiserror::Error)]
#[error("the ledger refused a transaction: {0}")]
pub(crate) struct Refused(&'static str);

/// The refusal as the database error type the ledger's callers propagate.
pub(crate) fn refused(why: &'static str) -> rusqlite::Error {
    rusqlite::Error::ToSqlConversionFailure(Box::new(Refused(why)))
}

/// Why the ledger refused a cash movement: the staff member making it has no open drawer (none
/// opened, or theirs is closed), so the cash would be counted to no one.
#[derive(Debug, thiserror::Error)]
#[error("no open cash drawer to count this cash movement to")]
pub(crate) struct NoOpenDrawer;

/// Whether a database error is the ledger's [`NoOpenDrawer`] (the forms show it on the page).
pub(crate) fn is_no_open_drawer(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::ToSqlConversionFailure(b) if b.is::<NoOpenDrawer>())
}

/// The open drawer of a staff member, if there is one.
pub(crate) fn open_drawer(
    conn: &Connection,
    staff: &StaffId,
) -> rusqlite::Result<Option<DrawerId>> {
    conn.prepare_cached("SELECT id FROM cash_drawers WHERE staff_id = ?1 AND closed_at IS NULL")?
        .query_row([staff], |r| r.get(0))
        .optional()
}

/// Whether a drawer is open.
fn is_open(conn: &Connection, drawer: &DrawerId) -> rusqlite::Result<bool> {
    conn.prepare_cached(
        "SELECT EXISTS (SELECT 1 FROM cash_drawers WHERE id = ?1 AND closed_at IS NULL)",
    )?
    .query_row([drawer], |r| r.get(0))
}

/// One transaction's row: who, what, on which ticket (none for a drawer's own).
struct Row<'a> {
    loan: Option<&'a LoanId>,
    customer: Option<&'a CustomerId>,
    kind: EntryKind,
    method: Method,
    reference: &'a str,
    staff: Option<&'a StaffId>,
    on: NaiveDate,
    at: DateTime<Utc>,
    payment: Option<&'a PaymentId>,
    reverses: Option<&'a LedgerId>,
    /// A reversal's or a count's reason.
    note: &'a str,
}

impl<'a> Row<'a> {
    fn of(posting: &Posting<'a>, kind: EntryKind) -> Row<'a> {
        Row {
            loan: Some(posting.loan),
            customer: Some(posting.customer),
            kind,
            method: posting.method,
            reference: posting.reference,
            staff: posting.staff,
            on: posting.on,
            at: posting.at,
            payment: None,
            reverses: None,
            note: "",
        }
    }
}

/// Writes one transaction of `kind` with its postings `legs` (each posting carries the
/// ticket), refusing one that does not balance. A reversal names the transaction it cancels
/// and the reason.
///
/// Cash is counted to a drawer: the cash-drawer postings of a movement made by a staff member
/// carry that member's open drawer, and the movement is refused ([`NoOpenDrawer`]) when they
/// have none. A movement with no staff member (a ticket brought over from the previous
/// system by the import command) is history, not cash at this counter, and has no drawer.
pub(crate) fn record(
    conn: &Connection,
    posting: &Posting,
    kind: EntryKind,
    legs: &[Leg],
    payment: Option<&PaymentId>,
    reverses: Option<(&LedgerId, &str)>,
) -> rusqlite::Result<LedgerId> {
    let drawer = match posting.staff {
        Some(staff) if legs.iter().any(|l| l.account == Account::CashDrawer) => Some(
            open_drawer(conn, staff)?
                .ok_or_else(|| rusqlite::Error::ToSqlConversionFailure(Box::new(NoOpenDrawer)))?,
        ),
        _ => None,
    };
    let row = Row {
        payment,
        reverses: reverses.map(|(r, _)| r),
        note: reverses.map_or("", |(_, why)| why),
        ..Row::of(posting, kind)
    };
    let posted: Vec<(Leg, Option<DrawerId>)> = legs
        .iter()
        .map(|l| (*l, drawer_of(l, drawer.as_ref())))
        .collect();
    insert(conn, &row, &posted)
}

/// The drawer of a leg: `drawer` for a cash-drawer posting, none for any other account.
fn drawer_of(leg: &Leg, drawer: Option<&DrawerId>) -> Option<DrawerId> {
    (leg.account == Account::CashDrawer)
        .then(|| drawer.cloned())
        .flatten()
}

/// Writes the reversal of `reverses` with the postings `mirrored` (each with the drawer of the
/// posting it mirrors): cash goes back through the drawer it came through, which must still be
/// open (a closed drawer takes no more movements).
pub(crate) fn record_reversal(
    conn: &Connection,
    posting: &Posting,
    mirrored: &[(Leg, Option<DrawerId>)],
    reverses: (&LedgerId, &str),
) -> rusqlite::Result<LedgerId> {
    for drawer in mirrored.iter().filter_map(|(_, d)| d.as_ref()) {
        if !is_open(conn, drawer)? {
            return Err(rusqlite::Error::ToSqlConversionFailure(Box::new(
                NoOpenDrawer,
            )));
        }
    }
    let row = Row {
        reverses: Some(reverses.0),
        note: reverses.1,
        ..Row::of(posting, EntryKind::Reversal)
    };
    insert(conn, &row, mirrored)
}

/// What a drawer's own transaction records: by whom, when, why.
pub(crate) struct DrawerPosting<'a> {
    pub(crate) drawer: &'a DrawerId,
    pub(crate) staff: &'a StaffId,
    pub(crate) note: &'a str,
    pub(crate) on: NaiveDate,
    pub(crate) at: DateTime<Utc>,
}

/// Writes a drawer's own transaction (a float, a transfer with the safe, a count's
/// over/short): no ticket, its cash-drawer postings on `posting.drawer`, which must be open.
pub(crate) fn record_drawer(
    conn: &Connection,
    posting: &DrawerPosting,
    kind: EntryKind,
    legs: &[Leg],
) -> rusqlite::Result<LedgerId> {
    if !kind.is_drawer() {
        return Err(refused("not a drawer's kind of transaction"));
    }
    if !is_open(conn, posting.drawer)? {
        return Err(rusqlite::Error::ToSqlConversionFailure(Box::new(
            NoOpenDrawer,
        )));
    }
    let row = Row {
        loan: None,
        customer: None,
        kind,
        method: Method::Cash,
        reference: "",
        staff: Some(posting.staff),
        on: posting.on,
        at: posting.at,
        payment: None,
        reverses: None,
        note: posting.note,
    };
    let posted: Vec<(Leg, Option<DrawerId>)> = legs
        .iter()
        .map(|l| (*l, drawer_of(l, Some(posting.drawer))))
        .collect();
    insert(conn, &row, &posted)
}

/// The one insert: the transaction's row and its postings, refused unless they balance; its
/// amount is their debits.
fn insert(
    conn: &Connection,
    row: &Row,
    posted: &[(Leg, Option<DrawerId>)],
) -> rusqlite::Result<LedgerId> {
    let legs: Vec<Leg> = posted.iter().map(|(l, _)| *l).collect();
    if !accounts::balanced(&legs) {
        return Err(refused("debits and credits differ"));
    }
    let amount: i64 = legs
        .iter()
        .filter(|l| l.side == Side::Debit)
        .map(|l| l.amount)
        .sum();
    let id = LedgerId::new(row.at);
    conn.prepare_cached(
        "INSERT INTO ledger (id, loan_id, customer_id, kind, amount, method, reference, payment_id, reverses, staff_id,
                             on_date, at, note)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    )?
    .execute(params![
        id,
        row.loan,
        row.customer,
        row.kind.code(),
        amount,
        row.method.code(),
        row.reference,
        row.payment,
        row.reverses,
        row.staff,
        row.on,
        row.at,
        row.note
    ])?;
    let mut insert = conn.prepare_cached(
        "INSERT INTO ledger_postings (id, transaction_id, line, account, loan_id, side, amount, drawer_id)
         VALUES (?1 || ':' || ?2, ?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    for (line, (leg, drawer)) in (1i64..).zip(posted) {
        insert.execute(params![
            id,
            line,
            leg.account.code(),
            row.loan,
            leg.side.code(),
            leg.amount,
            drawer
        ])?;
    }
    Ok(id)
}

/// The postings of one transaction, in line order.
#[cfg(test)]
pub(crate) fn legs(conn: &Connection, transaction: &LedgerId) -> rusqlite::Result<Vec<Leg>> {
    Ok(posted(conn, transaction)?
        .into_iter()
        .map(|(l, _)| l)
        .collect())
}

/// The postings of one transaction, in line order, each with its drawer (a cash posting's).
pub(crate) fn posted(
    conn: &Connection,
    transaction: &LedgerId,
) -> rusqlite::Result<Vec<(Leg, Option<DrawerId>)>> {
    conn.prepare_cached(
        "SELECT account, side, amount, drawer_id FROM ledger_postings WHERE transaction_id = ?1 ORDER BY line",
    )?
    .query_map([transaction], |r| {
        let (account, side): (String, String) = (r.get(0)?, r.get(1)?);
        Ok((
            Account::from_code(&account),
            Side::from_code(&side),
            r.get(2)?,
            r.get(3)?,
        ))
    })?
    .map(|row| {
        let (account, side, amount, drawer) = row?;
        match (account, side) {
            (Some(account), Some(side)) => Ok((
                Leg {
                    account,
                    side,
                    amount,
                },
                drawer,
            )),
            _ => Err(refused("a posting with an unknown account or side")),
        }
    })
    .collect()
}

/// Every transaction whose postings do not balance or do not add up to its amount (none, if
/// everything went through [`record`] and the migration).
#[cfg(test)]
pub(crate) fn unbalanced(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    conn.prepare(
        "SELECT l.id FROM ledger l LEFT JOIN ledger_postings p ON p.transaction_id = l.id
         GROUP BY l.id
         HAVING COUNT(p.id) = 0
             OR COALESCE(SUM(CASE p.side WHEN 'debit' THEN p.amount END), 0) <> COALESCE(SUM(CASE p.side WHEN 'credit' THEN p.amount END), 0)
             OR COALESCE(SUM(CASE p.side WHEN 'debit' THEN p.amount END), 0) <> l.amount",
    )?
    .query_map([], |r| r.get(0))?
    .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn only_balanced_postings_are_accepted() {
        let pair = Leg::pair(Account::CashDrawer, Account::PrincipalReceivable, 500);
        assert!(accounts::balanced(&pair));
        let mut short = pair;
        short[1].amount = 499;
        assert!(!accounts::balanced(&short));
        let mut negative = pair;
        negative[0].amount = -500;
        negative[1].amount = -500;
        assert!(!accounts::balanced(&negative));
        assert!(!accounts::balanced(&[]));
    }
}
