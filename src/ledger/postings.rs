//! The one way into the ledger: [`record`] writes a transaction and its postings, after
//! checking that they balance (every amount positive, debits equal to credits) and that the
//! transaction's amount is their debits. Nothing else inserts into `ledger` or
//! `ledger_postings` (the benchmark's generator aside, which writes the same shapes in bulk
//! and is checked by [`unbalanced`] in its tests).

use rusqlite::{Connection, params};

use super::accounts::{self, Account, Leg, Side};
use super::{EntryKind, Posting};
use crate::plumbing::ids::{LedgerId, PaymentId};

/// Why the ledger refused a transaction (a programming error: callers build balanced ones).
#[derive(Debug, thiserror::Error)]
#[error("the ledger refused a transaction: {0}")]
pub(crate) struct Refused(&'static str);

/// The refusal as the database error type the ledger's callers propagate.
pub(crate) fn refused(why: &'static str) -> rusqlite::Error {
    rusqlite::Error::ToSqlConversionFailure(Box::new(Refused(why)))
}

/// Writes one transaction of `kind` with its postings `legs` (each posting carries the
/// ticket), refusing one that does not balance. A reversal names the transaction it cancels
/// and the reason.
pub(crate) fn record(
    conn: &Connection,
    posting: &Posting,
    kind: EntryKind,
    legs: &[Leg],
    payment: Option<&PaymentId>,
    reverses: Option<(&LedgerId, &str)>,
) -> rusqlite::Result<LedgerId> {
    if !accounts::balanced(legs) {
        return Err(refused("debits and credits differ"));
    }
    let amount: i64 = legs
        .iter()
        .filter(|l| l.side == Side::Debit)
        .map(|l| l.amount)
        .sum();
    let id = LedgerId::new(posting.at);
    let (reverses, note) = reverses.map_or((None, ""), |(row, reason)| (Some(row), reason));
    conn.prepare_cached(
        "INSERT INTO ledger (id, loan_id, customer_id, kind, amount, method, reference, payment_id, reverses, staff_id,
                             on_date, at, note)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    )?
    .execute(params![
        id,
        posting.loan,
        posting.customer,
        kind.code(),
        amount,
        posting.method.code(),
        posting.reference,
        payment,
        reverses,
        posting.staff,
        posting.on,
        posting.at,
        note
    ])?;
    let mut insert = conn.prepare_cached(
        "INSERT INTO ledger_postings (id, transaction_id, line, account, loan_id, side, amount)
         VALUES (?1 || ':' || ?2, ?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    for (line, leg) in (1i64..).zip(legs) {
        insert.execute(params![
            id,
            line,
            leg.account.code(),
            posting.loan,
            leg.side.code(),
            leg.amount
        ])?;
    }
    Ok(id)
}

/// The postings of one transaction, in line order.
pub(crate) fn legs(conn: &Connection, transaction: &LedgerId) -> rusqlite::Result<Vec<Leg>> {
    conn.prepare_cached(
        "SELECT account, side, amount FROM ledger_postings WHERE transaction_id = ?1 ORDER BY line",
    )?
    .query_map([transaction], |r| {
        let (account, side): (String, String) = (r.get(0)?, r.get(1)?);
        Ok((
            Account::from_code(&account),
            Side::from_code(&side),
            r.get(2)?,
        ))
    })?
    .map(|row| {
        let (account, side, amount) = row?;
        match (account, side) {
            (Some(account), Some(side)) => Ok(Leg {
                account,
                side,
                amount,
            }),
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
