//! What each case keeps on its row of its clocks: its deadlines (`response_due`,
//! `resolution_due`), so that the case list sorts and pages by them in SQL and the breach pass
//! selects only the late cases, instead of walking both clocks of every unresolved case on
//! every request; and its pauses (`pauses`, V41), so that a list or a report counts the clocks
//! of its cases from their rows, without reading their timelines. The deadlines are
//! [`sla::due`]'s, from the case's level, pauses and the holidays list; the pauses are
//! [`sla::pauses`] of its timeline. Every write that can change them (opening, a state change,
//! an escalation, the first response) writes them in the same transaction, and a change to
//! the holidays list (or to the configuration's levels, at start) rewrites the deadlines of
//! the unresolved cases. Head office does not receive them.

use rusqlite::types::FromSqlError;
use rusqlite::{Connection, Row, Transaction, params};

use super::sla::{self, Calendar, Due, Pause, Timing};
use super::{Case, ComplaintId};
use crate::plumbing::clock;
use crate::plumbing::config::Config;

/// What the row of a case keeps of its clocks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Kept {
    pub(crate) due: Due,
    pub(crate) pauses: Vec<Pause>,
}

/// The deadlines and pauses of `case` as its row should keep them.
pub(crate) fn computed(
    conn: &Connection,
    calendar: &Calendar,
    config: &Config,
    case: &Case,
) -> rusqlite::Result<Kept> {
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
    let due = sla::due(calendar, level, timing);
    Ok(Kept { due, pauses })
}

/// The pauses as the row keeps them: a JSON array of `[from, until]`, each instant in the
/// database's text form (as the V41 backfill copies it from the timeline), `until` null while
/// the clocks stand still.
pub(crate) fn pauses_text(pauses: &[Pause]) -> rusqlite::Result<String> {
    let pairs: Vec<(String, Option<String>)> = pauses
        .iter()
        .map(|p| (clock::stored(p.from), p.until.map(clock::stored)))
        .collect();
    serde_json::to_string(&pairs).map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))
}

/// The pauses the row keeps, in column `idx` (see [`pauses_text`]).
pub(crate) fn read_pauses(row: &Row<'_>, idx: usize) -> rusqlite::Result<Vec<Pause>> {
    let text = row.get_ref(idx)?.as_str()?;
    let invalid = |e: Box<dyn std::error::Error + Send + Sync>| {
        rusqlite::Error::FromSqlConversionFailure(idx, rusqlite::types::Type::Text, e)
    };
    let pairs: Vec<(&str, Option<&str>)> =
        serde_json::from_str(text).map_err(|e| invalid(Box::new(e)))?;
    let at = |text: &str| {
        clock::parse_stored(text).ok_or_else(|| invalid(Box::new(FromSqlError::InvalidType)))
    };
    pairs
        .into_iter()
        .map(|(from, until)| {
            Ok(Pause {
                from: at(from)?,
                until: until.map(at).transpose()?,
            })
        })
        .collect()
}

/// Writes the case's deadlines and pauses from its row and timeline, in the caller's
/// transaction.
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
    let Kept { due, pauses } = computed(tx, calendar, config, &case)?;
    tx.prepare_cached(
        "UPDATE complaints SET response_due = ?2, resolution_due = ?3, pauses = ?4 WHERE id = ?1",
    )?
    .execute(params![
        id,
        due.response,
        due.resolution,
        pauses_text(&pauses)?
    ])?;
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
