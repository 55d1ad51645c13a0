//! The branch's trends for the dashboard (issue 16): per day for the last 30 days, the
//! principal outstanding at the end of the day (the balance of the ledger's principal
//! receivable) and the collections (what customers paid, as the day's close counts it:
//! [`PAYMENT_PARTS`]); per week for the last 8 weeks, tickets written, redeemed and forfeited.
//!
//! Read from `ledger_day_totals` (V28: per day, account, kind and side, kept by a trigger on
//! the postings; the tickets written too, as the count of the days' disbursement postings)
//! and one index range of the tickets' state events, so a request costs a few hundred rows
//! whatever the size of the ledger.

use std::collections::BTreeMap;

use chrono::{Duration, FixedOffset, NaiveDate};
use rusqlite::{Connection, params};

use super::bounds;
use crate::ledger::EntryKind;
use crate::ledger::accounts::{Account, Side};

/// How many days the daily trend covers, today included.
pub(crate) const DAYS: i64 = 30;
/// How many weeks the weekly trend covers, the week ending today included.
pub(crate) const WEEKS: i64 = 8;

/// What a customer's payment pays: each receivable with the kind of transaction paying it.
/// The day's close counts what was taken the same way: the credits of those transactions,
/// less the debits of the day's reversals, on each receivable.
pub(crate) const PAYMENT_PARTS: [(Account, EntryKind); 3] = [
    (Account::PrincipalReceivable, EntryKind::Principal),
    (Account::InterestReceivable, EntryKind::Interest),
    (Account::FeesReceivable, EntryKind::Fee),
];

/// What one row of `ledger_day_totals` adds to what customers paid: on each receivable of
/// [`PAYMENT_PARTS`], the credits of the transactions paying it, less the debits of reversals.
/// The one definition of "taken", for the day's close and the collections alike; worked out
/// here rather than in SQL, where its string comparisons on every row were the costliest part
/// of the full branch's dashboard.
pub(crate) fn taken(account: &str, kind: &str, side: &str, amount: i64) -> i64 {
    let Some((_, paying)) = PAYMENT_PARTS.iter().find(|(a, _)| a.code() == account) else {
        return 0;
    };
    match (kind, side) {
        (k, "credit") if k == paying.code() => amount,
        ("reversal", "debit") => -amount,
        _ => 0,
    }
}

/// One day of the daily trend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Day {
    pub(crate) day: NaiveDate,
    /// The principal receivable's balance at the end of the day.
    pub(crate) outstanding: i64,
    /// What customers paid during the day (principal, interest and fees), net of reversals.
    pub(crate) collected: i64,
}

/// One week of the weekly trend: the seven days ending `last`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Week {
    pub(crate) last: NaiveDate,
    pub(crate) written: i64,
    pub(crate) redeemed: i64,
    pub(crate) forfeited: i64,
}

/// The principal receivable's balance at the end of `day`.
fn outstanding_at(conn: &Connection, day: NaiveDate) -> rusqlite::Result<i64> {
    conn.prepare_cached(
        "SELECT COALESCE(SUM(CASE side WHEN 'debit' THEN amount ELSE -amount END), 0)
         FROM ledger_day_totals WHERE account = ?1 AND on_date <= ?2",
    )?
    .query_row(params![Account::PrincipalReceivable.code(), day], |r| {
        r.get(0)
    })
}

/// Per day from `first` to `last`, the change of the principal receivable and the collections.
/// The rows of the three accounts are read as they are kept, in the order of
/// `ledger_day_totals`' key (three ranges, nothing sorted), and added up here by day: the
/// days are keyed by their text (ISO, so in date order) and each parsed once.
fn day_sums(
    conn: &Connection,
    first: NaiveDate,
    last: NaiveDate,
) -> rusqlite::Result<Vec<(NaiveDate, i64, i64)>> {
    let [(a, _), (b, _), (c, _)] = PAYMENT_PARTS;
    let principal = Account::PrincipalReceivable.code();
    let mut days: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    let mut stmt = conn.prepare_cached(DAY_SUMS)?;
    let mut rows = stmt.query(params![a.code(), b.code(), c.code(), first, last])?;
    while let Some(r) = rows.next()? {
        let (day, account) = (r.get_ref(0)?.as_str()?, r.get_ref(1)?.as_str()?);
        let (kind, side, amount) = (
            r.get_ref(2)?.as_str()?,
            r.get_ref(3)?.as_str()?,
            r.get::<_, i64>(4)?,
        );
        let sums = match days.get_mut(day) {
            Some(sums) => sums,
            None => days.entry(day.to_owned()).or_default(),
        };
        if account == principal {
            sums.0 += if side == Side::Debit.code() {
                amount
            } else {
                -amount
            };
        }
        sums.1 += taken(account, kind, side, amount);
    }
    days.into_iter()
        .map(|(day, (change, collected))| {
            let day = day.parse().map_err(|e| {
                rusqlite::Error::FromSqlConversionFailure(
                    0,
                    rusqlite::types::Type::Text,
                    Box::new(e),
                )
            })?;
            Ok((day, change, collected))
        })
        .collect()
}

/// [`day_sums`]' query: ?1 to ?3 the receivables of [`PAYMENT_PARTS`], ?4 and ?5 the days.
const DAY_SUMS: &str = "SELECT on_date, account, kind, side, amount FROM ledger_day_totals
     WHERE account IN (?1, ?2, ?3) AND on_date BETWEEN ?4 AND ?5";

/// The last [`DAYS`] days up to `today`, oldest first: today's balance, then back a day at a
/// time by that day's change.
pub(crate) fn daily(conn: &Connection, today: NaiveDate) -> rusqlite::Result<Vec<Day>> {
    let first = today - Duration::days(DAYS - 1);
    let sums = day_sums(conn, first, today)?;
    let mut outstanding = outstanding_at(conn, today)?;
    let mut days = Vec::new();
    for back in 0..DAYS {
        let day = today - Duration::days(back);
        let (change, collected) = sums
            .iter()
            .find(|(d, _, _)| *d == day)
            .map_or((0, 0), |(_, change, collected)| (*change, *collected));
        days.push(Day {
            day,
            outstanding,
            collected,
        });
        outstanding -= change;
    }
    days.reverse();
    Ok(days)
}

/// The last [`WEEKS`] weeks, each of seven days, the last ending `today` (branch-local,
/// `offset` from UTC); oldest first. Each figure is one index range read once for all the
/// weeks, each week counted by its bounds (`FILTER`), rather than a statement per week.
/// Before, the tickets written were counted from the ledger's rows (168,000 in eight weeks of
/// the full branch, 28% of its dashboard); the day totals hold them as a few rows a day.
pub(crate) fn weekly(
    conn: &Connection,
    today: NaiveDate,
    offset: FixedOffset,
) -> rusqlite::Result<Vec<Week>> {
    // Week w (0 the oldest) runs from day firsts[w] to lasts[w]; its instants from the start
    // of its first day to the start of the next week's.
    let lasts: Vec<NaiveDate> = (0..WEEKS)
        .rev()
        .map(|back| today - Duration::days(7 * back))
        .collect();
    let firsts: Vec<NaiveDate> = lasts.iter().map(|l| *l - Duration::days(6)).collect();
    let mut instants: Vec<_> = firsts.iter().map(|f| bounds(*f, offset).0).collect();
    instants.push(bounds(today, offset).1);
    let weeks = lasts.len();
    let per_week = |column: &dyn Fn(usize) -> String| -> String {
        (0..weeks).map(column).collect::<Vec<_>>().join(", ")
    };
    // Tickets written: each is one disbursement, one debit of the principal receivable
    // (`ledger::disburse`), so a week's count is the sum of the days' posting counts.
    // Parameters: ?1 to ?3 the account, kind and side, then the weeks' first and last days.
    let written_sql = format!(
        "SELECT {} FROM ledger_day_totals
         WHERE account = ?1 AND kind = ?2 AND side = ?3 AND on_date BETWEEN ?4 AND ?{}",
        per_week(&|w| format!(
            "COALESCE(SUM(n) FILTER (WHERE on_date BETWEEN ?{} AND ?{}), 0)",
            w + 4,
            w + 4 + weeks
        )),
        3 + 2 * weeks,
    );
    let (account, kind, side) = (
        Account::PrincipalReceivable.code(),
        EntryKind::Disbursement.code(),
        Side::Debit.code(),
    );
    let mut dates: Vec<&dyn rusqlite::ToSql> = vec![&account, &kind, &side];
    dates.extend(firsts.iter().map(|d| d as &dyn rusqlite::ToSql));
    dates.extend(lasts.iter().map(|d| d as &dyn rusqlite::ToSql));
    let written: Vec<i64> = conn
        .prepare_cached(&written_sql)?
        .query_row(dates.as_slice(), |r| (0..weeks).map(|w| r.get(w)).collect())?;
    let became_sql = format!(
        "SELECT {} FROM loan_events WHERE kind = 'state' AND to_value = ?1 AND at >= ?2 AND at < ?{}",
        per_week(&|w| format!(
            "COUNT(*) FILTER (WHERE at >= ?{} AND at < ?{})",
            w + 2,
            w + 3
        )),
        2 + weeks,
    );
    let became = |state: &str| -> rusqlite::Result<Vec<i64>> {
        let mut bound: Vec<&dyn rusqlite::ToSql> = vec![&state];
        bound.extend(instants.iter().map(|i| i as &dyn rusqlite::ToSql));
        conn.prepare_cached(&became_sql)?
            .query_row(bound.as_slice(), |r| (0..weeks).map(|w| r.get(w)).collect())
    };
    let (redeemed, forfeited) = (became("redeemed")?, became("forfeited")?);
    Ok((0..weeks)
        .map(|w| Week {
            last: lasts[w],
            written: written[w],
            redeemed: redeemed[w],
            forfeited: forfeited[w],
        })
        .collect())
}

#[cfg(test)]
mod tests;
