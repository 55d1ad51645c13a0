//! The chain reports' rows in head office's PostgreSQL store: the projection the receive
//! path and the back-fill write (`reports::project`, `reports::backfill`), and the two grouped
//! queries every report is made of, in SQL CockroachDB and YugabyteDB accept too.

use super::StoreError;
use super::postgres::{PgStore, Receiver, retryable};
use crate::hq::receive::{self};
use crate::hq::reports::{self, Backfilling, Group, Holding, RecordKey, ReportRow};

/// Writes (or with `None` removes) one record's report row.
pub(super) fn keep_row(
    rx: &mut Receiver,
    branch: &str,
    entity: &str,
    id: &str,
    row: Option<&ReportRow>,
) -> Result<(), StoreError> {
    match row {
        Some(r) => rx.execute(
            "INSERT INTO report_rows (branch, entity, record_id, category, outcome, week, amount) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (branch, entity, record_id) DO UPDATE SET category = excluded.category, \
             outcome = excluded.outcome, week = excluded.week, amount = excluded.amount",
            &[
                &branch,
                &entity,
                &id,
                &r.category,
                &r.outcome,
                &r.week,
                &r.amount,
            ],
        ),
        None => rx.execute(
            "DELETE FROM report_rows WHERE branch = $1 AND entity = $2 AND record_id = $3",
            &[&branch, &entity, &id],
        ),
    }
}

impl Backfilling for Receiver<'_, '_> {
    fn backfill_pending(&mut self) -> Result<bool, StoreError> {
        // Locked, so a second `hq serve` starting at the same time waits and finds it done.
        Ok(self
            .query_opt("SELECT pending FROM report_backfill FOR UPDATE", &[])?
            .is_some())
    }

    fn records_after(
        &mut self,
        after: &RecordKey,
        limit: i64,
    ) -> Result<Vec<(RecordKey, String)>, StoreError> {
        let rows = self.tx.query(
            "SELECT branch, entity, record_id, data FROM records \
             WHERE (branch, entity, record_id) > ($1, $2, $3) AND entity = ANY($4) AND NOT deleted \
             ORDER BY branch, entity, record_id LIMIT $5",
            &[
                &after.branch,
                &after.entity,
                &after.record_id,
                &reports::REPORTED,
                &limit,
            ],
        )?;
        Ok(rows
            .iter()
            .map(|r| {
                (
                    RecordKey {
                        branch: r.get(0),
                        entity: r.get(1),
                        record_id: r.get(2),
                    },
                    r.get(3),
                )
            })
            .collect())
    }

    fn fill_report_row(
        &mut self,
        branch: &str,
        entity: &str,
        id: &str,
        r: &ReportRow,
    ) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO report_rows (branch, entity, record_id, category, outcome, week, amount) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (branch, entity, record_id) DO NOTHING",
            &[&branch, &entity, &id, &r.category, &r.outcome, &r.week, &r.amount],
        )
    }

    fn backfill_done(&mut self) -> Result<(), StoreError> {
        self.execute("DELETE FROM report_backfill", &[])
    }
}

impl PgStore {
    /// Back-fills the report rows from the records, once, in one transaction.
    pub(crate) fn backfill_reports(&self) -> Result<u64, StoreError> {
        self.transaction(
            |tx, prepared| reports::backfill(&mut Receiver { tx, prepared }),
            retryable,
        )
    }

    /// The report rows of `entity` from week `from` on (of `branch`, or every branch), grouped.
    pub(crate) fn report_groups(
        &self,
        entity: &str,
        from: &str,
        branch: Option<&str>,
    ) -> Result<Vec<Group>, StoreError> {
        let rows = self.conn()?.client.query(
            "SELECT branch, category, outcome, week, COUNT(*), COALESCE(SUM(amount), 0)::BIGINT FROM report_rows \
             WHERE entity = $1 AND week >= $2 AND ($3::TEXT IS NULL OR branch = $3) \
             GROUP BY branch, category, outcome, week ORDER BY week, branch",
            &[&entity, &from, &branch],
        )?;
        Ok(rows
            .iter()
            .map(|r| Group {
                branch: r.get(0),
                category: r.get(1),
                outcome: r.get(2),
                week: r.get(3),
                count: r.get(4),
                amount: r.get(5),
            })
            .collect())
    }

    /// Open tickets by branch and product (of `branch`, or every branch).
    pub(crate) fn holdings(&self, branch: Option<&str>) -> Result<Vec<Holding>, StoreError> {
        let rows = self.conn()?.client.query(
            "SELECT l.branch, COALESCE(p.category, r.category, '') AS product, COUNT(*), \
             COALESCE(SUM(l.principal_out), 0)::BIGINT \
             FROM loans l \
             LEFT JOIN report_rows r ON r.branch = l.branch AND r.entity = 'loans' AND r.record_id = l.record_id \
             LEFT JOIN report_rows p ON p.branch = l.branch AND p.entity = 'loan_products' AND p.record_id = r.category \
             WHERE l.state = ANY($1) AND ($2::TEXT IS NULL OR l.branch = $2) \
             GROUP BY l.branch, COALESCE(p.category, r.category, '') ORDER BY 1, 2",
            &[&receive::OPEN_STATES, &branch],
        )?;
        Ok(rows
            .iter()
            .map(|r| Holding {
                branch: r.get(0),
                product: r.get(1),
                tickets: r.get(2),
                principal: r.get(3),
            })
            .collect())
    }
}
