//! The deadlines each case keeps on its row (`response_due`, `resolution_due`), so that the
//! case list sorts and pages by them in SQL and the breach pass selects only the late cases,
//! instead of walking both clocks of every unresolved case on every request. The value is
//! [`sla::due`]'s, from the case's level, pauses and the holidays list: every write that can
//! change it (opening, a state change, an escalation, the first response) writes it in the
//! same transaction, and a change to the holidays list (or to the configuration's levels,
//! at start) rewrites it for the unresolved cases. Head office does not receive it.

use rusqlite::{Connection, Transaction, params};

use super::sla::{self, Calendar, Due, Timing};
use super::{Case, ComplaintId};
use crate::plumbing::config::Config;

/// The deadlines of `case` as its row should keep them.
pub(crate) fn computed(
    conn: &Connection,
    calendar: &Calendar,
    config: &Config,
    case: &Case,
) -> rusqlite::Result<Due> {
    let pauses = sla::pauses(&super::events(conn, &case.id)?);
    let level = sla::level(
        &config.complaints,
        case.category,
        case.priority,
        case.channel,
    );
    let timing = Timing {
        opened_at: case.opened_at,
        first_response_at: case.first_response_at,
        pauses: &pauses,
    };
    Ok(sla::due(calendar, level, timing))
}

/// Writes the case's deadlines from its row and timeline, in the caller's transaction.
pub(crate) fn refresh(tx: &Transaction, id: &ComplaintId, config: &Config) -> rusqlite::Result<()> {
    let calendar = Calendar::load(tx, config.utc_offset())?;
    refresh_with(tx, &calendar, config, id)
}

fn refresh_with(
    tx: &Transaction,
    calendar: &Calendar,
    config: &Config,
    id: &ComplaintId,
) -> rusqlite::Result<()> {
    let Some(case) = super::get(tx, id)? else {
        return Ok(());
    };
    let due = computed(tx, calendar, config, &case)?;
    tx.prepare_cached(
        "UPDATE complaints SET response_due = ?2, resolution_due = ?3 WHERE id = ?1",
    )?
    .execute(params![id, due.response, due.resolution])?;
    Ok(())
}

/// The first response was given: the response clock has stopped, so it has no deadline.
pub(crate) fn responded(tx: &Transaction, id: &ComplaintId) -> rusqlite::Result<()> {
    tx.prepare_cached("UPDATE complaints SET response_due = NULL WHERE id = ?1")?
        .execute([id])?;
    Ok(())
}

/// Rewrites the deadlines of every unresolved case (the holidays list changed, which moves
/// working-day deadlines), in the caller's transaction; returns how many.
pub(crate) fn refresh_unresolved(tx: &Transaction, config: &Config) -> rusqlite::Result<usize> {
    let calendar = Calendar::load(tx, config.utc_offset())?;
    let ids: Vec<ComplaintId> = tx
        .prepare_cached(
            "SELECT id FROM complaints WHERE state IN ('open', 'waiting_on_customer', 'escalated')",
        )?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for id in &ids {
        refresh_with(tx, &calendar, config, id)?;
    }
    Ok(ids.len())
}

/// Rewrites the deadlines of every unresolved case when the server starts: the levels and
/// the time zone come from the configuration, which may have changed since the last run.
pub(crate) fn refresh_at_start(conn: &mut Connection, config: &Config) -> rusqlite::Result<usize> {
    let tx = crate::plumbing::db::immediate(conn)?;
    let refreshed = refresh_unresolved(&tx, config)?;
    tx.commit()?;
    Ok(refreshed)
}

#[cfg(test)]
#[path = "due_tests.rs"]
pub(crate) mod tests;
