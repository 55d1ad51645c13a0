//! Head office's SQLite store (`hq.sqlite`, migrations in `migrations/hq/`): how the receive
//! rules' rows ([`Receiver`]), the reference data's ([`Reference`]) and the pages' reads are
//! kept in SQLite. Branches, users and sessions are in `access`, which is SQLite's too.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Transaction, params};

use super::{Found, Search, SetAsideEntry, StoreError};
use crate::auth::SignInError;
use crate::hq::compact::{Candidate, Compacting};
use crate::hq::receive::{self, Customer, Position, Receiving, Stored, Ticket};
use crate::hq::reference::{AuditLine, BranchAck, ReferenceStorage, StoredVersion};
use crate::hq::reports::ReportRow;
use crate::hq::reseed::Reseeding;
use crate::sync::batch::{Entry, SetAside};

/// The receive rules' storage inside one immediate transaction (the write lock is the
/// database's, so the branch's row needs no lock of its own).
pub(crate) struct Receiver<'t, 'c> {
    pub(super) tx: &'t Transaction<'c>,
}

impl<'t, 'c> Receiver<'t, 'c> {
    pub(crate) fn new(tx: &'t Transaction<'c>) -> Self {
        Receiver { tx }
    }
}

impl Receiving for Receiver<'_, '_> {
    fn lock_branch(&mut self, branch: &str) -> Result<i64, StoreError> {
        Ok(self
            .tx
            .prepare_cached("SELECT acked_seq FROM branches WHERE code = ?1")?
            .query_row([branch], |r| r.get(0))?)
    }

    fn stored_digest(&mut self, branch: &str, seq: i64) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self
            .tx
            .prepare_cached(
                "SELECT digest FROM changes WHERE branch = ?1 AND seq = ?2 \
                 UNION ALL SELECT digest FROM compacted_changes WHERE branch = ?1 AND seq = ?2",
            )?
            .query_row(params![branch, seq], |r| r.get(0))
            .optional()?)
    }

    fn keep_entry(&mut self, branch: &str, s: &Stored) -> Result<(), StoreError> {
        let e = s.entry;
        self.tx
            .prepare_cached(
                "INSERT INTO changes (branch, seq, entity, record_id, op, data, at, digest, received_at, set_aside) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )?
            .execute(params![
                branch, e.seq, e.entity, e.id, e.op, e.data, e.at, s.digest, s.received_at, s.set_aside
            ])?;
        Ok(())
    }

    fn record(
        &mut self,
        branch: &str,
        entity: &str,
        id: &str,
    ) -> Result<Option<String>, StoreError> {
        Ok(self
            .tx
            .prepare_cached(
                "SELECT data FROM records WHERE branch = ?1 AND entity = ?2 AND record_id = ?3",
            )?
            .query_row(params![branch, entity, id], |r| r.get(0))
            .optional()?)
    }

    fn keep_record(&mut self, branch: &str, e: &Entry, data: &str) -> Result<(), StoreError> {
        self.tx
            .prepare_cached(
                "INSERT INTO records (branch, entity, record_id, data, seq, deleted) VALUES (?1, ?2, ?3, ?4, ?5, 0) \
                 ON CONFLICT (branch, entity, record_id) DO UPDATE SET data = excluded.data, seq = excluded.seq, deleted = 0",
            )?
            .execute(params![branch, e.entity, e.id, data, e.seq])?;
        Ok(())
    }

    fn mark_deleted(&mut self, branch: &str, e: &Entry) -> Result<(), StoreError> {
        self.tx
            .prepare_cached(
                "UPDATE records SET deleted = 1, seq = ?4 WHERE branch = ?1 AND entity = ?2 AND record_id = ?3",
            )?
            .execute(params![branch, e.entity, e.id, e.seq])?;
        Ok(())
    }

    fn keep_customer(&mut self, branch: &str, id: &str, c: &Customer) -> Result<(), StoreError> {
        self.tx
            .prepare_cached(
                "INSERT INTO customers (branch, record_id, full_name, phone, id_number, date_of_birth, merged_into) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) \
                 ON CONFLICT (branch, record_id) DO UPDATE SET full_name = excluded.full_name, phone = excluded.phone, \
                 id_number = excluded.id_number, date_of_birth = excluded.date_of_birth, merged_into = excluded.merged_into",
            )?
            .execute(params![
                branch, id, c.full_name, c.phone, c.id_number, c.date_of_birth, c.merged_into
            ])?;
        Ok(())
    }

    fn keep_ticket(&mut self, branch: &str, id: &str, t: &Ticket) -> Result<(), StoreError> {
        self.tx
            .prepare_cached(
                "INSERT INTO loans (branch, record_id, customer_id, ticket_no, state) VALUES (?1, ?2, ?3, ?4, ?5) \
                 ON CONFLICT (branch, record_id) DO UPDATE SET customer_id = excluded.customer_id, \
                 ticket_no = excluded.ticket_no, state = excluded.state",
            )?
            .execute(params![branch, id, t.customer_id, t.ticket_no, t.state])?;
        Ok(())
    }

    fn add_principal(&mut self, branch: &str, loan: &str, delta: i64) -> Result<(), StoreError> {
        self.tx
            .prepare_cached(
                "INSERT INTO loans (branch, record_id, principal_out) VALUES (?1, ?2, ?3) \
                 ON CONFLICT (branch, record_id) DO UPDATE SET principal_out = principal_out + excluded.principal_out",
            )?
            .execute(params![branch, loan, delta])?;
        Ok(())
    }

    fn keep_report_row(
        &mut self,
        branch: &str,
        entity: &str,
        id: &str,
        row: Option<&ReportRow>,
    ) -> Result<(), StoreError> {
        Ok(super::reports_sqlite::keep_row(
            self.tx, branch, entity, id, row,
        )?)
    }

    fn move_position(&mut self, branch: &str, p: &Position) -> Result<(), StoreError> {
        self.tx.execute(
            "UPDATE branches SET acked_seq = ?2, entries_received = entries_received + ?3, last_upload_at = ?4, \
             schema_version = ?5, waiting_after = ?6, oldest_waiting_at = ?7 WHERE code = ?1",
            params![
                branch,
                p.acked,
                p.new_entries,
                p.at,
                p.batch.schema,
                p.batch.waiting_after,
                p.batch.oldest_waiting_at
            ],
        )?;
        Ok(())
    }

    fn set_aside(
        &mut self,
        branch: &str,
        first: i64,
        last: i64,
    ) -> Result<Vec<SetAside>, StoreError> {
        let mut aside = self.tx.prepare_cached(
            "SELECT seq, set_aside FROM changes WHERE branch = ?1 AND seq BETWEEN ?2 AND ?3 AND set_aside IS NOT NULL ORDER BY seq",
        )?;
        let rows = aside
            .query_map(params![branch, first, last], |r| {
                Ok(SetAside {
                    seq: r.get(0)?,
                    reason: r.get(1)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }
}

impl Reseeding for Receiver<'_, '_> {
    fn lock_position(&mut self, branch: &str) -> Result<i64, StoreError> {
        self.lock_branch(branch)
    }

    fn move_to(&mut self, branch: &str, acked: i64) -> Result<(), StoreError> {
        self.tx.execute(
            "UPDATE branches SET acked_seq = ?2 WHERE code = ?1",
            params![branch, acked],
        )?;
        Ok(())
    }

    fn audit(&mut self, line: &AuditLine, now: DateTime<Utc>) -> Result<(), StoreError> {
        Reference::new(self.tx).audit(line, now)
    }
}

/// Compaction's storage inside one immediate transaction.
pub(crate) struct Compactor<'t, 'c> {
    tx: &'t Transaction<'c>,
}

impl<'t, 'c> Compactor<'t, 'c> {
    pub(crate) fn new(tx: &'t Transaction<'c>) -> Self {
        Compactor { tx }
    }
}

impl Compacting for Compactor<'_, '_> {
    fn acked(&mut self, branch: &str) -> Result<i64, StoreError> {
        Receiver::new(self.tx).lock_branch(branch)
    }

    fn entries_after(
        &mut self,
        branch: &str,
        after: i64,
        limit: i64,
    ) -> Result<Vec<Candidate>, StoreError> {
        let mut stmt = self.tx.prepare_cached(
            "SELECT c.seq, c.received_at, c.set_aside IS NOT NULL, r.seq FROM changes c \
             LEFT JOIN records r ON r.branch = c.branch AND r.entity = c.entity AND r.record_id = c.record_id \
             WHERE c.branch = ?1 AND c.seq > ?2 ORDER BY c.seq LIMIT +?3",
        )?;
        let rows = stmt
            .query_map(params![branch, after, limit], |r| {
                Ok(Candidate {
                    seq: r.get(0)?,
                    received_at: r.get(1)?,
                    set_aside: r.get(2)?,
                    record_seq: r.get(3)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    fn forget(&mut self, branch: &str, seq: i64) -> Result<(), StoreError> {
        self.tx
            .prepare_cached(
                "INSERT INTO compacted_changes (branch, seq, digest) \
                 SELECT branch, seq, digest FROM changes WHERE branch = ?1 AND seq = ?2",
            )?
            .execute(params![branch, seq])?;
        self.tx
            .prepare_cached("DELETE FROM changes WHERE branch = ?1 AND seq = ?2")?
            .execute(params![branch, seq])?;
        Ok(())
    }
}

/// A sign-in refusal of the SQLite store as the store's.
pub(crate) fn store_refusal(e: SignInError) -> SignInError<StoreError> {
    match e {
        SignInError::Wrong => SignInError::Wrong,
        SignInError::Locked(until) => SignInError::Locked(until),
        SignInError::Disabled => SignInError::Disabled,
        SignInError::Db(e) => SignInError::Db(e.into()),
    }
}

/// How many branches are registered.
pub(crate) fn branch_count(conn: &Connection) -> rusqlite::Result<i64> {
    conn.prepare_cached("SELECT COUNT(*) FROM branches")?
        .query_row([], |r| r.get(0))
}

/// Outstanding tickets of one branch: how many, and the principal they still owe.
pub(crate) fn outstanding(conn: &Connection, branch: &str) -> rusqlite::Result<(i64, i64)> {
    conn.prepare_cached(
        &format!(
            "SELECT COUNT(*), COALESCE(SUM(principal_out), 0) FROM loans WHERE branch = ?1 AND state IN ({})",
            open_states()
        ),
    )?
    .query_row(
        [branch],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
}

/// The open states as an SQL list (constants, not input).
pub(crate) fn open_states() -> String {
    receive::OPEN_STATES
        .iter()
        .map(|s| format!("'{s}'"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The latest 200 entries of one branch set aside, newest first.
pub(crate) fn set_aside_entries(
    conn: &Connection,
    branch: &str,
) -> rusqlite::Result<Vec<SetAsideEntry>> {
    let mut stmt = conn.prepare(
        "SELECT seq, entity, record_id, set_aside, received_at FROM changes \
         WHERE branch = ?1 AND set_aside IS NOT NULL ORDER BY seq DESC LIMIT 200",
    )?;
    stmt.query_map([branch], |r| {
        Ok(SetAsideEntry {
            seq: r.get(0)?,
            entity: r.get(1)?,
            record_id: r.get(2)?,
            reason: r.get(3)?,
            received_at: r.get::<_, DateTime<Utc>>(4)?,
        })
    })?
    .collect()
}

/// The customer search across branches.
pub(crate) fn search(conn: &Connection, s: &Search) -> rusqlite::Result<Vec<Found>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT c.branch, c.record_id, c.full_name, c.phone, c.id_number, c.date_of_birth, \
         (SELECT COUNT(*) FROM loans l WHERE l.branch = c.branch AND l.customer_id = c.record_id \
          AND l.state IN ({})) \
         FROM customers c \
         WHERE (c.phone = ?1 OR c.id_number = ?2 OR c.full_name LIKE ?3 ESCAPE '\\') AND c.merged_into IS NULL \
         ORDER BY c.full_name, c.branch LIMIT 200",
        open_states()
    ))?;
    stmt.query_map(params![s.phone, s.text, s.like], |r| {
        Ok(Found {
            branch: r.get(0)?,
            record_id: r.get(1)?,
            full_name: r.get(2)?,
            phone: r.get(3)?,
            id_number: r.get(4)?,
            date_of_birth: r.get(5)?,
            open_tickets: r.get(6)?,
        })
    })?
    .collect()
}

/// The reference data's rows (`reference::ReferenceStorage`) on one connection; the writes
/// inside one immediate transaction, whose write lock holds the draft and the version numbers.
pub(crate) struct Reference<'c> {
    conn: &'c Connection,
}

impl<'c> Reference<'c> {
    pub(crate) fn new(conn: &'c Connection) -> Self {
        Reference { conn }
    }
}

impl ReferenceStorage for Reference<'_> {
    fn saved_draft(&mut self) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn
            .prepare_cached("SELECT data FROM reference_draft WHERE id = 1")?
            .query_row([], |r| r.get(0))
            .optional()?)
    }

    fn lock_draft(&mut self) -> Result<(), StoreError> {
        Ok(())
    }

    fn keep_draft(&mut self, data: &str, by: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO reference_draft (id, data, updated_at, updated_by) VALUES (1, ?1, ?2, ?3) \
             ON CONFLICT (id) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at, updated_by = excluded.updated_by",
            params![data, now, by],
        )?;
        Ok(())
    }

    fn latest_version(&mut self) -> Result<Option<StoredVersion>, StoreError> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT version, data, published_at FROM reference_versions ORDER BY version DESC LIMIT 1",
            )?
            .query_row(
                [],
                |r| {
                    Ok(StoredVersion {
                        version: r.get(0)?,
                        data: r.get(1)?,
                        published_at: r.get(2)?,
                    })
                },
            )
            .optional()?)
    }

    fn latest_number(&mut self) -> Result<i64, StoreError> {
        Ok(self
            .conn
            .prepare_cached("SELECT COALESCE(MAX(version), 0) FROM reference_versions")?
            .query_row([], |r| r.get(0))?)
    }

    fn keep_version(&mut self, v: &StoredVersion, by: &str) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO reference_versions (version, data, published_at, published_by) VALUES (?1, ?2, ?3, ?4)",
            params![v.version, v.data, v.published_at, by],
        )?;
        Ok(())
    }

    fn keep_ack(
        &mut self,
        branch: &str,
        version: i64,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO reference_acks (branch, version, acked_at) VALUES (?1, ?2, ?3) \
             ON CONFLICT (branch) DO UPDATE SET version = excluded.version, acked_at = excluded.acked_at \
             WHERE reference_acks.version < excluded.version",
            params![branch, version, now],
        )?;
        Ok(())
    }

    fn acks(&mut self) -> Result<Vec<BranchAck>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT b.code, b.name, a.version, a.acked_at FROM branches b \
             LEFT JOIN reference_acks a ON a.branch = b.code ORDER BY b.code",
        )?;
        let acks = stmt
            .query_map([], |r| {
                Ok(BranchAck {
                    branch: r.get(0)?,
                    name: r.get(1)?,
                    version: r.get(2)?,
                    acked_at: r.get(3)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(acks)
    }

    fn role(&mut self, username: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn
            .prepare_cached("SELECT role FROM users WHERE username = ?1")?
            .query_row([username], |r| r.get(0))
            .optional()?)
    }

    fn keep_role(&mut self, username: &str, role: &str) -> Result<bool, StoreError> {
        Ok(self.conn.execute(
            "UPDATE users SET role = ?2 WHERE username = ?1",
            params![username, role],
        )? == 1)
    }

    fn audit(&mut self, line: &AuditLine, now: DateTime<Utc>) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO audit_log (at, username, action, address, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![now, line.username, line.action, line.address, line.detail.to_string()],
        )?;
        Ok(())
    }
}
