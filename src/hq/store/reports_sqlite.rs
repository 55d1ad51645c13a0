//! The chain reports' rows in head office's SQLite store: the projection the receive path
//! and the back-fill write (`reports::project`, `reports::backfill`), and the two grouped
//! queries every report is made of.

use rusqlite::{Connection, OptionalExtension, Transaction, params};

use super::StoreError;
use super::sqlite::{self, Receiver};
use crate::hq::reports::{self, Backfilling, Group, Holding, RecordKey, ReportRow};

/// Writes (or with `None` removes) one record's report row.
pub(crate) fn keep_row(
    tx: &Transaction,
    branch: &str,
    entity: &str,
    id: &str,
    row: Option<&ReportRow>,
) -> rusqlite::Result<()> {
    match row {
        Some(r) => tx
            .prepare_cached(
                "INSERT INTO report_rows (branch, entity, record_id, category, outcome, week, amount) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) \
                 ON CONFLICT (branch, entity, record_id) DO UPDATE SET category = excluded.category, \
                 outcome = excluded.outcome, week = excluded.week, amount = excluded.amount",
            )?
            .execute(params![branch, entity, id, r.category, r.outcome, r.week, r.amount])?,
        None => tx
            .prepare_cached(
                "DELETE FROM report_rows WHERE branch = ?1 AND entity = ?2 AND record_id = ?3",
            )?
            .execute(params![branch, entity, id])?,
    };
    Ok(())
}

impl Backfilling for Receiver<'_, '_> {
    fn backfill_pending(&mut self) -> Result<bool, StoreError> {
        Ok(self
            .tx
            .prepare_cached("SELECT pending FROM report_backfill")?
            .query_row([], |r| r.get::<_, i64>(0))
            .optional()?
            .is_some())
    }

    fn records_after(
        &mut self,
        after: &RecordKey,
        limit: i64,
    ) -> Result<Vec<(RecordKey, String)>, StoreError> {
        let types = reports::REPORTED
            .iter()
            .map(|t| format!("'{t}'"))
            .collect::<Vec<_>>()
            .join(", ");
        let mut stmt = self.tx.prepare(&format!(
            "SELECT branch, entity, record_id, data FROM records \
             WHERE (branch, entity, record_id) > (?1, ?2, ?3) AND entity IN ({types}) AND deleted = 0 \
             ORDER BY branch, entity, record_id LIMIT +?4"
        ))?;
        let rows = stmt
            .query_map(
                params![after.branch, after.entity, after.record_id, limit],
                |r| {
                    Ok((
                        RecordKey {
                            branch: r.get(0)?,
                            entity: r.get(1)?,
                            record_id: r.get(2)?,
                        },
                        r.get(3)?,
                    ))
                },
            )?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    fn fill_report_row(
        &mut self,
        branch: &str,
        entity: &str,
        id: &str,
        r: &ReportRow,
    ) -> Result<(), StoreError> {
        self.tx
            .prepare_cached(
                "INSERT INTO report_rows (branch, entity, record_id, category, outcome, week, amount) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (branch, entity, record_id) DO NOTHING",
            )?
            .execute(params![branch, entity, id, r.category, r.outcome, r.week, r.amount])?;
        Ok(())
    }

    fn backfill_done(&mut self) -> Result<(), StoreError> {
        self.tx.execute("DELETE FROM report_backfill", [])?;
        Ok(())
    }
}

/// The report rows of `entity` from week `from` on (of `branch`, or every branch), grouped.
pub(crate) fn groups(
    conn: &Connection,
    entity: &str,
    from: &str,
    branch: Option<&str>,
) -> rusqlite::Result<Vec<Group>> {
    // One branch's by its key (the branch first), the chain's by the covering week index.
    let sql = match branch {
        Some(_) => {
            "SELECT branch, category, outcome, week, COUNT(*), COALESCE(SUM(amount), 0) FROM report_rows \
             WHERE branch = ?3 AND entity = ?1 AND week >= ?2 \
             GROUP BY branch, category, outcome, week ORDER BY week, branch"
        }
        None => {
            "SELECT branch, category, outcome, week, COUNT(*), COALESCE(SUM(amount), 0) FROM report_rows \
             WHERE entity = ?1 AND week >= ?2 AND ?3 IS NULL \
             GROUP BY branch, category, outcome, week ORDER BY week, branch"
        }
    };
    let mut stmt = conn.prepare_cached(sql)?;
    stmt.query_map(params![entity, from, branch], |r| {
        Ok(Group {
            branch: r.get(0)?,
            category: r.get(1)?,
            outcome: r.get(2)?,
            week: r.get(3)?,
            count: r.get(4)?,
            amount: r.get(5)?,
        })
    })?
    .collect()
}

/// Open tickets by branch and product (of `branch`, or every branch).
pub(crate) fn holdings(conn: &Connection, branch: Option<&str>) -> rusqlite::Result<Vec<Holding>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT l.branch, COALESCE(p.category, r.category, ''), COUNT(*), COALESCE(SUM(l.principal_out), 0) \
         FROM loans l \
         LEFT JOIN report_rows r ON r.branch = l.branch AND r.entity = 'loans' AND r.record_id = l.record_id \
         LEFT JOIN report_rows p ON p.branch = l.branch AND p.entity = 'loan_products' AND p.record_id = r.category \
         WHERE l.state IN ({}) AND (?1 IS NULL OR l.branch = ?1) \
         GROUP BY l.branch, COALESCE(p.category, r.category, '') ORDER BY 1, 2",
        sqlite::open_states()
    ))?;
    stmt.query_map(params![branch], |r| {
        Ok(Holding {
            branch: r.get(0)?,
            product: r.get(1)?,
            tickets: r.get(2)?,
            principal: r.get(3)?,
        })
    })?
    .collect()
}
