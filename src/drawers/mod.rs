//! Cash drawers (issue 16): a clerk opens a drawer with a counted float before the first cash
//! movement, every cash posting of theirs is counted to it (the ledger attaches the drawer,
//! `ledger::postings::record`), and at closing the clerk counts it; a manager other than the
//! clerk signs the count off. A drawer is an account of the ledger: its expected balance is
//! the balance of its cash-drawer postings, the float comes from the safe and a count's
//! over/short is posted to cash over/short with its reason, so nothing here keeps money
//! beside the ledger. A drawer still open when its day ended is flagged by the scheduler.
//!
//! Plain functions over a connection; the caller owns the transaction and audits.

pub(crate) mod counts;
#[cfg(test)]
mod migration_tests;
pub(crate) mod safe;
pub(crate) mod statements;
#[cfg(test)]
mod tests;

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use crate::ledger::EntryKind;
use crate::ledger::accounts::{Account, Leg};
use crate::ledger::postings::{self, DrawerPosting};
use crate::plumbing::ids::{DrawerId, LedgerId, StaffId};
pub(crate) use counts::Counts;

/// Why a drawer action was refused.
#[derive(Debug, thiserror::Error)]
pub(crate) enum DrawerError {
    #[error("this staff member has a drawer open already")]
    AlreadyOpen,
    #[error("no such drawer")]
    NotFound,
    #[error("the drawer is closed and takes no more movements")]
    Closed,
    #[error("the drawer is still open")]
    StillOpen,
    #[error("the count differs from the expected balance; give the reason")]
    ReasonNeeded,
    #[error("a count is signed off by someone other than the clerk who made it")]
    OwnCount,
    #[error("the count is signed off already")]
    SignedOff,
    #[error("the amount must be zero or more (above zero for a transfer)")]
    Negative,
    #[error(transparent)]
    Db(#[from] rusqlite::Error),
}

/// A drawer as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Drawer {
    pub(crate) id: DrawerId,
    pub(crate) staff: StaffId,
    pub(crate) opened_on: NaiveDate,
    pub(crate) opened_at: DateTime<Utc>,
    pub(crate) float: i64,
    pub(crate) float_counts: Counts,
    pub(crate) closed_at: Option<DateTime<Utc>>,
    /// The ledger's balance when the drawer was counted.
    pub(crate) expected: Option<i64>,
    pub(crate) counted: Option<i64>,
    pub(crate) counted_counts: Counts,
    pub(crate) reason: String,
    pub(crate) signed_off_by: Option<StaffId>,
    pub(crate) signed_off_at: Option<DateTime<Utc>>,
    /// The day it was still open at the end of.
    pub(crate) left_open_on: Option<NaiveDate>,
    /// The clerk's name.
    pub(crate) clerk: String,
}

impl Drawer {
    /// Whether it still takes movements.
    pub(crate) fn is_open(&self) -> bool {
        self.closed_at.is_none()
    }

    /// What the count found over (positive) or short (negative), once counted.
    pub(crate) fn over_short(&self) -> Option<i64> {
        Some(self.counted? - self.expected?)
    }
}

/// The columns of a drawer with its clerk's name, and the tables they come from.
const COLUMNS: &str = "d.id, d.staff_id, d.opened_on, d.opened_at, d.float, d.float_counts, d.closed_at, d.expected,
                       d.counted, d.counted_counts, d.reason, d.signed_off_by, d.signed_off_at, d.left_open_on,
                       s.full_name FROM cash_drawers d JOIN staff s ON s.id = d.staff_id";

fn from_row(r: &rusqlite::Row) -> rusqlite::Result<Drawer> {
    Ok(Drawer {
        id: r.get(0)?,
        staff: r.get(1)?,
        opened_on: r.get(2)?,
        opened_at: r.get(3)?,
        float: r.get(4)?,
        float_counts: Counts::decode(&r.get::<_, String>(5)?),
        closed_at: r.get(6)?,
        expected: r.get(7)?,
        counted: r.get(8)?,
        counted_counts: Counts::decode(&r.get::<_, String>(9)?),
        reason: r.get(10)?,
        signed_off_by: r.get(11)?,
        signed_off_at: r.get(12)?,
        left_open_on: r.get(13)?,
        clerk: r.get(14)?,
    })
}

/// The drawer of this id.
pub(crate) fn load(conn: &Connection, id: &DrawerId) -> rusqlite::Result<Option<Drawer>> {
    conn.prepare_cached(&format!("SELECT {COLUMNS} WHERE d.id = ?1"))?
        .query_row([id], from_row)
        .optional()
}

/// The open drawer of a staff member, if any.
pub(crate) fn open_of(conn: &Connection, staff: &StaffId) -> rusqlite::Result<Option<Drawer>> {
    match postings::open_drawer(conn, staff)? {
        Some(id) => load(conn, &id),
        None => Ok(None),
    }
}

/// The drawers opened on a business day, oldest first, and any still open from before.
pub(crate) fn of_day(conn: &Connection, day: NaiveDate) -> rusqlite::Result<Vec<Drawer>> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} WHERE d.opened_on = ?1 OR (d.closed_at IS NULL AND d.opened_on < ?1)
         ORDER BY d.opened_at, d.id"
    ))?
    .query_map([day], from_row)?
    .collect()
}

/// Opens a drawer for `staff` with the float counted (`float`, and by denomination when
/// `counts` is not empty, in which case they must add up to it): the float is taken from the
/// safe as the drawer's first transaction.
pub(crate) fn open(
    conn: &Connection,
    staff: &StaffId,
    float: i64,
    counts: &Counts,
    on: NaiveDate,
    at: DateTime<Utc>,
) -> Result<DrawerId, DrawerError> {
    if float < 0 {
        return Err(DrawerError::Negative);
    }
    if postings::open_drawer(conn, staff)?.is_some() {
        return Err(DrawerError::AlreadyOpen);
    }
    let id = DrawerId::new(at);
    conn.prepare_cached(
        "INSERT INTO cash_drawers (id, staff_id, opened_on, opened_at, float, float_counts) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![id, staff, on, at, float, counts.encode()])?;
    if float > 0 {
        let posting = DrawerPosting {
            drawer: &id,
            staff,
            note: "",
            on,
            at,
        };
        let legs = Leg::pair(Account::CashDrawer, Account::Safe, float);
        postings::record_drawer(conn, &posting, EntryKind::DrawerFloat, &legs)?;
    }
    Ok(id)
}

/// The drawer's expected balance: the balance of its cash-drawer postings (debits minus
/// credits), every transaction counted.
pub(crate) fn expected(conn: &Connection, drawer: &DrawerId) -> rusqlite::Result<i64> {
    conn.prepare_cached(
        "SELECT COALESCE(SUM(CASE side WHEN 'debit' THEN amount ELSE -amount END), 0)
         FROM ledger_postings WHERE drawer_id = ?1 AND account = 'cash_drawer'",
    )?
    .query_row([drawer], |r| r.get(0))
}

/// One movement of a drawer's cash, as its page lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Movement {
    pub(crate) ledger: LedgerId,
    pub(crate) kind: EntryKind,
    /// Into the drawer (positive) or out of it (negative).
    pub(crate) amount: i64,
    pub(crate) ticket_no: Option<String>,
    pub(crate) at: DateTime<Utc>,
}

/// The movements of a drawer's cash, oldest first.
pub(crate) fn movements(conn: &Connection, drawer: &DrawerId) -> rusqlite::Result<Vec<Movement>> {
    conn.prepare_cached(
        "SELECT l.id, l.kind, CASE p.side WHEN 'debit' THEN p.amount ELSE -p.amount END, t.ticket_no, l.at
         FROM ledger_postings p JOIN ledger l ON l.id = p.transaction_id LEFT JOIN loans t ON t.id = l.loan_id
         WHERE p.drawer_id = ?1 AND p.account = 'cash_drawer'
         ORDER BY l.at, l.id, p.line",
    )?
    .query_map([drawer], |r| {
        Ok(Movement {
            ledger: r.get(0)?,
            kind: EntryKind::from_code(&r.get::<_, String>(1)?).unwrap_or(EntryKind::Reversal),
            amount: r.get(2)?,
            ticket_no: r.get(3)?,
            at: r.get(4)?,
        })
    })?
    .collect()
}

/// A drawer's count at closing.
pub(crate) struct Count<'a> {
    pub(crate) counted: i64,
    pub(crate) counts: &'a Counts,
    /// Why the count differs from the expected balance (required when it does).
    pub(crate) reason: &'a str,
}

/// Closes an open drawer with its count: the difference from the expected balance is posted
/// to cash over/short with the reason (the drawer then holds what was counted), and the drawer
/// takes no more movements. Returns the over (positive) or short (negative).
pub(crate) fn close(
    conn: &Connection,
    drawer: &Drawer,
    count: &Count,
    staff: &StaffId,
    on: NaiveDate,
    at: DateTime<Utc>,
) -> Result<i64, DrawerError> {
    if !drawer.is_open() {
        return Err(DrawerError::Closed);
    }
    if count.counted < 0 {
        return Err(DrawerError::Negative);
    }
    let expected = expected(conn, &drawer.id)?;
    let difference = count.counted - expected;
    let reason = count.reason.trim();
    if difference != 0 && reason.is_empty() {
        return Err(DrawerError::ReasonNeeded);
    }
    let posted = match difference {
        0 => None,
        d => {
            let legs = match d > 0 {
                true => Leg::pair(Account::CashDrawer, Account::CashOverShort, d),
                false => Leg::pair(Account::CashOverShort, Account::CashDrawer, -d),
            };
            let posting = DrawerPosting {
                drawer: &drawer.id,
                staff,
                note: reason,
                on,
                at,
            };
            Some(postings::record_drawer(
                conn,
                &posting,
                EntryKind::DrawerCount,
                &legs,
            )?)
        }
    };
    conn.prepare_cached(
        "UPDATE cash_drawers SET closed_at = ?2, expected = ?3, counted = ?4, counted_counts = ?5, reason = ?6,
                                 count_id = ?7
         WHERE id = ?1 AND closed_at IS NULL",
    )?
    .execute(params![drawer.id, at, expected, count.counted, count.counts.encode(), reason, posted])?;
    Ok(difference)
}

/// A manager's sign-off of a closed drawer's count; never the clerk whose drawer it is. The
/// caller checks the manager's permission.
pub(crate) fn sign_off(
    conn: &Connection,
    drawer: &Drawer,
    manager: &StaffId,
    at: DateTime<Utc>,
) -> Result<(), DrawerError> {
    if drawer.is_open() {
        return Err(DrawerError::StillOpen);
    }
    if drawer.signed_off_by.is_some() {
        return Err(DrawerError::SignedOff);
    }
    if &drawer.staff == manager {
        return Err(DrawerError::OwnCount);
    }
    conn.prepare_cached(
        "UPDATE cash_drawers SET signed_off_by = ?2, signed_off_at = ?3 WHERE id = ?1 AND signed_off_by IS NULL",
    )?
    .execute(params![drawer.id, manager, at])?;
    Ok(())
}

/// Flags every drawer opened before `today` and still open (left open at midnight); returns
/// the drawers flagged now. Run by the scheduler; flagging twice changes nothing.
pub(crate) fn flag_left_open(
    conn: &Connection,
    today: NaiveDate,
) -> rusqlite::Result<Vec<DrawerId>> {
    conn.prepare_cached(
        "UPDATE cash_drawers SET left_open_on = opened_on
         WHERE closed_at IS NULL AND left_open_on IS NULL AND opened_on < ?1 RETURNING id",
    )?
    .query_map([today], |r| r.get(0))?
    .collect()
}

/// What the non-cash methods moved on a business day: for bank transfers and mobile money,
/// what came in (debits of the clearing account) and went out (credits), reversals counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct MethodTotal {
    pub(crate) method: crate::ledger::Method,
    pub(crate) received: i64,
    pub(crate) paid: i64,
}

/// Of a ledger transaction `l`: it is one of day `?2`'s that can move money through method
/// `?3`'s clearing account: those made with the method, and the day's reversals (a reversal is
/// recorded with no method of its own). Found through V33's `ledger_day` (day, method) and
/// `ledger_kind_day`, not the day's every transaction nor the account's whole history.
pub(crate) const OF_THE_DAY_AND_METHOD: &str =
    "l.id IN (SELECT id FROM ledger WHERE on_date = ?2 AND method = ?3
              UNION ALL SELECT id FROM ledger WHERE kind = 'reversal' AND on_date = ?2)";

/// The day's totals of the non-cash methods, from their clearing accounts, read through the
/// day's transactions of each method ([`OF_THE_DAY_AND_METHOD`]).
pub(crate) fn method_totals(
    conn: &Connection,
    day: NaiveDate,
) -> rusqlite::Result<Vec<MethodTotal>> {
    use crate::ledger::Method;
    let mut out = Vec::new();
    for method in [Method::BankTransfer, Method::MobileMoney] {
        let (received, paid) = conn
            .prepare_cached(&format!(
                "SELECT COALESCE(SUM(CASE p.side WHEN 'debit' THEN p.amount END), 0),
                        COALESCE(SUM(CASE p.side WHEN 'credit' THEN p.amount END), 0)
                 FROM ledger l CROSS JOIN ledger_postings p ON p.transaction_id = l.id
                 WHERE p.account = ?1 AND {OF_THE_DAY_AND_METHOD}"
            ))?
            .query_row(
                params![Account::for_method(method).code(), day, method.code()],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
        out.push(MethodTotal {
            method,
            received,
            paid,
        });
    }
    Ok(out)
}
