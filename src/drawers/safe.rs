//! Cash between a drawer and the safe, with a second pair of eyes: one staff member asks
//! (how much, which way), another confirms, and only the confirmation moves the money (a
//! `safe_transfer` transaction between the drawer's cash and the safe). As with the second
//! approval of a large ticket (`loans::approval`), the one who asked cannot confirm.

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use super::DrawerError;
use crate::ledger::EntryKind;
use crate::ledger::accounts::{Account, Leg};
use crate::ledger::postings::{self, DrawerPosting};
use crate::plumbing::ids::{DrawerId, SafeTransferId, StaffId};

/// Which way the cash goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Direction {
    /// Dropped from the drawer into the safe.
    ToSafe,
    /// Taken from the safe into the drawer.
    FromSafe,
}

impl Direction {
    pub(crate) const ALL: [Direction; 2] = [Direction::ToSafe, Direction::FromSafe];

    /// The code in the database and forms.
    pub(crate) fn code(self) -> &'static str {
        match self {
            Direction::ToSafe => "to_safe",
            Direction::FromSafe => "from_safe",
        }
    }

    /// The direction named by its code.
    pub(crate) fn from_code(code: &str) -> Option<Direction> {
        Direction::ALL.into_iter().find(|d| d.code() == code)
    }

    /// The postings of `amount` moved this way.
    fn legs(self, amount: i64) -> [Leg; 2] {
        match self {
            Direction::ToSafe => Leg::pair(Account::Safe, Account::CashDrawer, amount),
            Direction::FromSafe => Leg::pair(Account::CashDrawer, Account::Safe, amount),
        }
    }
}

/// A transfer asked for, confirmed or not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Transfer {
    pub(crate) id: SafeTransferId,
    pub(crate) drawer: DrawerId,
    pub(crate) direction: Direction,
    pub(crate) amount: i64,
    pub(crate) asked_by: StaffId,
    pub(crate) asked_at: DateTime<Utc>,
    pub(crate) confirmed_by: Option<StaffId>,
}

/// Asks for `amount` to move between the open drawer and the safe.
pub(crate) fn ask(
    conn: &Connection,
    drawer: &super::Drawer,
    direction: Direction,
    amount: i64,
    asked_by: &StaffId,
    at: DateTime<Utc>,
) -> Result<SafeTransferId, DrawerError> {
    if !drawer.is_open() {
        return Err(DrawerError::Closed);
    }
    if amount <= 0 {
        return Err(DrawerError::Negative);
    }
    let id = SafeTransferId::new(at);
    conn.prepare_cached(
        "INSERT INTO safe_transfers (id, drawer_id, direction, amount, asked_by, asked_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![id, drawer.id, direction.code(), amount, asked_by, at])?;
    Ok(id)
}

/// Confirms a transfer asked for by someone else: the money moves now. The drawer must still
/// be open.
pub(crate) fn confirm(
    conn: &Connection,
    id: &SafeTransferId,
    by: &StaffId,
    on: NaiveDate,
    at: DateTime<Utc>,
) -> Result<Transfer, DrawerError> {
    let transfer = load(conn, id)?.ok_or(DrawerError::NotFound)?;
    if transfer.confirmed_by.is_some() {
        return Err(DrawerError::SignedOff);
    }
    if &transfer.asked_by == by {
        return Err(DrawerError::OwnCount);
    }
    let posting = DrawerPosting {
        drawer: &transfer.drawer,
        staff: by,
        note: "",
        on,
        at,
    };
    let legs = transfer.direction.legs(transfer.amount);
    let row =
        postings::record_drawer(conn, &posting, EntryKind::SafeTransfer, &legs).map_err(|e| {
            match postings::is_no_open_drawer(&e) {
                true => DrawerError::Closed,
                false => DrawerError::Db(e),
            }
        })?;
    conn.prepare_cached(
        "UPDATE safe_transfers SET confirmed_by = ?2, confirmed_at = ?3, ledger_id = ?4 WHERE id = ?1 AND confirmed_by IS NULL",
    )?
    .execute(params![id, by, at, row])?;
    Ok(Transfer {
        confirmed_by: Some(by.clone()),
        ..transfer
    })
}

const COLUMNS: &str = "id, drawer_id, direction, amount, asked_by, asked_at, confirmed_by";

fn from_row(r: &rusqlite::Row) -> rusqlite::Result<Transfer> {
    Ok(Transfer {
        id: r.get(0)?,
        drawer: r.get(1)?,
        direction: Direction::from_code(&r.get::<_, String>(2)?).unwrap_or(Direction::ToSafe),
        amount: r.get(3)?,
        asked_by: r.get(4)?,
        asked_at: r.get(5)?,
        confirmed_by: r.get(6)?,
    })
}

/// The transfer of this id.
pub(crate) fn load(conn: &Connection, id: &SafeTransferId) -> rusqlite::Result<Option<Transfer>> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM safe_transfers WHERE id = ?1"
    ))?
    .query_row([id], from_row)
    .optional()
}

/// Transfers waiting for a second person, on drawers still open, oldest first.
pub(crate) fn waiting(conn: &Connection) -> rusqlite::Result<Vec<Transfer>> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM safe_transfers
         WHERE confirmed_by IS NULL AND drawer_id IN (SELECT id FROM cash_drawers WHERE closed_at IS NULL)
         ORDER BY asked_at, id"
    ))?
    .query_map([], from_row)?
    .collect()
}
