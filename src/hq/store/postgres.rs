//! Head office's PostgreSQL store (`[hq] database = "postgres://..."`, migrations in
//! `migrations/hq_pg/`), which several `hq serve` processes may share.
//!
//! Connections come from a small pool, each with a connect timeout, TCP keepalive and a
//! statement timeout. A batch is received in one transaction that first locks its branch's
//! row (`SELECT ... FOR UPDATE`), so a second receiver given the same batch waits, then
//! finds it stored and answers it as a replay; a transaction the database aborts as a
//! serialisation failure or deadlock is retried whole. The SQL keeps to what CockroachDB and
//! YugabyteDB accept too: no advisory locks, no LISTEN/NOTIFY, no stored procedures or
//! triggers, `ON CONFLICT` upserts, `FOR UPDATE`, an identity column.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, Utc};
use postgres::error::SqlState;
use postgres::types::ToSql;
use postgres::{Client, NoTls, Statement, Transaction};

use super::{Found, Search, SetAsideEntry, StoreError};
use crate::auth::{self, Account, Attempt, Found as Lookup, SignInError};
use crate::hq::access::{self, Branch};
use crate::hq::compact::{self, Candidate, Compacting, Page};
use crate::hq::receive::{self, Customer, Position, ReceiveError, Receiving, Stored, Ticket};
use crate::hq::reference::{AuditLine, BranchAck, ReferenceStorage, StoredVersion};
use crate::hq::reports::ReportRow;
use crate::hq::reseed::{self, ReseedError, Reseeding};
use crate::plumbing::config::StaffConfig;
use crate::plumbing::crypto;
use crate::sync::batch::{Batch, Entry, Reply, SetAside};

mod migrations {
    refinery::embed_migrations!("migrations/hq_pg");
}

/// Longest any one statement may run (a lock wait included).
const STATEMENT_TIMEOUT_MS: u32 = 30_000;
/// How long connecting may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How many times a transaction the database aborted (serialisation, deadlock) is tried.
const ATTEMPTS: u32 = 5;

/// One connection with the statements prepared on it.
pub(crate) struct PgConn {
    pub(super) client: Client,
    prepared: HashMap<&'static str, Statement>,
}

/// A prepared statement of `prepared`, prepared on first use.
fn statement(
    prepared: &mut HashMap<&'static str, Statement>,
    tx: &mut Transaction<'_>,
    sql: &'static str,
) -> Result<Statement, StoreError> {
    if let Some(s) = prepared.get(sql) {
        return Ok(s.clone());
    }
    let s = tx.prepare(sql)?;
    prepared.insert(sql, s.clone());
    Ok(s)
}

/// Head office's PostgreSQL database: where to connect and the idle connections.
pub(crate) struct PgStore {
    config: postgres::Config,
    idle: Mutex<Vec<PgConn>>,
    keep_idle: usize,
}

/// A connection lent by the pool; back to it when dropped, unless it broke.
pub(super) struct Lent<'p> {
    pool: &'p PgStore,
    conn: Option<PgConn>,
}

impl std::ops::Deref for Lent<'_> {
    type Target = PgConn;
    fn deref(&self) -> &PgConn {
        self.conn.as_ref().expect("lent until dropped")
    }
}

impl std::ops::DerefMut for Lent<'_> {
    fn deref_mut(&mut self) -> &mut PgConn {
        self.conn.as_mut().expect("lent until dropped")
    }
}

impl Drop for Lent<'_> {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take()
            && !conn.client.is_closed()
            && let Ok(mut idle) = self.pool.idle.lock()
            && idle.len() < self.pool.keep_idle
        {
            idle.push(conn);
        }
    }
}

/// Whether the database aborted a transaction that may simply be tried again, or another
/// writer took first what it was writing.
pub(crate) fn retryable(e: &StoreError) -> bool {
    match e {
        StoreError::Raced(_) => true,
        StoreError::Postgres(e) => matches!(
            e.code(),
            Some(c) if *c == SqlState::T_R_SERIALIZATION_FAILURE || *c == SqlState::T_R_DEADLOCK_DETECTED
        ),
        _ => false,
    }
}

impl PgStore {
    /// Connects to `url` (checked at start-up by the configuration) and brings the schema up
    /// to date; keeps up to `keep_idle` idle connections.
    pub(crate) fn open(url: &str, keep_idle: usize) -> Result<PgStore, StoreError> {
        let mut config: postgres::Config = url.parse()?;
        config
            .connect_timeout(CONNECT_TIMEOUT)
            .keepalives(true)
            .keepalives_idle(Duration::from_secs(60))
            .application_name("pawnbranch hq");
        let store = PgStore {
            config,
            idle: Mutex::new(Vec::new()),
            keep_idle,
        };
        {
            let mut conn = store.conn()?;
            migrations::migrations::runner()
                .run(&mut conn.client)
                .map_err(|e| StoreError::Migration(e.to_string()))?;
        }
        Ok(store)
    }

    fn connect(&self) -> Result<PgConn, StoreError> {
        let mut client = self.config.connect(NoTls)?;
        client.batch_execute(&format!("SET statement_timeout = {STATEMENT_TIMEOUT_MS}"))?;
        Ok(PgConn {
            client,
            prepared: HashMap::new(),
        })
    }

    pub(super) fn conn(&self) -> Result<Lent<'_>, StoreError> {
        let idle = self.idle.lock().ok().and_then(|mut idle| idle.pop());
        let conn = match idle {
            Some(conn) => conn,
            None => self.connect()?,
        };
        Ok(Lent {
            pool: self,
            conn: Some(conn),
        })
    }

    /// Runs `work` in one transaction, tried again whole if the database aborts it as a
    /// serialisation failure or deadlock.
    pub(super) fn transaction<T, E: From<StoreError>>(
        &self,
        mut work: impl FnMut(
            &mut Transaction<'_>,
            &mut HashMap<&'static str, Statement>,
        ) -> Result<T, E>,
        is_retryable: impl Fn(&E) -> bool,
    ) -> Result<T, E> {
        let mut attempt = 1;
        loop {
            let mut lent = self.conn()?;
            let PgConn { client, prepared } = &mut *lent;
            let mut tx = client.transaction().map_err(StoreError::from)?;
            let result = work(&mut tx, prepared).and_then(|t| {
                tx.commit().map_err(StoreError::from)?;
                Ok(t)
            });
            match result {
                Err(e) if attempt < ATTEMPTS && is_retryable(&e) => attempt += 1,
                other => return other,
            }
        }
    }

    /// Runs one statement outside a transaction; returns the rows it changed.
    fn execute(&self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<u64, StoreError> {
        Ok(self.conn()?.client.execute(sql, params)?)
    }

    /// Stores a checked batch by the receive rules.
    pub(crate) fn receive(
        &self,
        branch: &str,
        batch: &Batch,
        now: DateTime<Utc>,
    ) -> Result<Reply, ReceiveError> {
        self.transaction(
            |tx, prepared| {
                let mut receiver = Receiver { tx, prepared };
                receive::receive(&mut receiver, branch, batch, now)
            },
            |e| matches!(e, ReceiveError::Db(e) if retryable(e)),
        )
    }

    /// Compacts one page of `branch`'s raw change log by the compaction rules, in one
    /// transaction.
    pub(crate) fn compact_page(
        &self,
        branch: &str,
        after: i64,
        before: DateTime<Utc>,
        limit: i64,
    ) -> Result<Page, StoreError> {
        self.transaction(
            |tx, prepared| {
                let mut compactor = Compactor {
                    receiver: Receiver { tx, prepared },
                };
                compact::compact_page(&mut compactor, branch, after, before, limit)
            },
            retryable,
        )
    }

    /// Re-seeds `branch` by the re-seed rules, in one transaction.
    pub(crate) fn reseed(
        &self,
        branch: &str,
        request: reseed::Request,
        address: &str,
        now: DateTime<Utc>,
    ) -> Result<i64, ReseedError> {
        self.transaction(
            |tx, prepared| {
                reseed::reseed(
                    &mut Receiver { tx, prepared },
                    branch,
                    request,
                    address,
                    now,
                )
            },
            |e| e.store().is_some_and(retryable),
        )
    }

    /// Runs `work` over the reference data's rows in one transaction, tried again whole when
    /// `is_retryable` says so.
    pub(crate) fn reference<T, E: From<StoreError>>(
        &self,
        mut work: impl FnMut(&mut dyn ReferenceStorage) -> Result<T, E>,
        is_retryable: impl Fn(&E) -> bool,
    ) -> Result<T, E> {
        self.transaction(
            |tx, _| {
                work(&mut Reference {
                    tx,
                    draft_held: false,
                })
            },
            is_retryable,
        )
    }

    pub(crate) fn credential_hash(&self, code: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let row = self.conn()?.client.query_opt(
            "SELECT credential_hash FROM branches WHERE code = $1 AND revoked_at IS NULL",
            &[&code],
        )?;
        Ok(row.map(|r| r.get(0)))
    }

    pub(crate) fn insert_branch(
        &self,
        code: &str,
        name: &str,
        hash: &[u8],
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let added = self.execute(
            "INSERT INTO branches (code, name, credential_hash, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (code) DO NOTHING",
            &[&code, &name, &hash, &now],
        )?;
        Ok(added > 0)
    }

    pub(crate) fn revoke_branch(&self, code: &str, now: DateTime<Utc>) -> Result<bool, StoreError> {
        let changed = self.execute(
            "UPDATE branches SET revoked_at = COALESCE(revoked_at, $2) WHERE code = $1",
            &[&code, &now],
        )?;
        Ok(changed > 0)
    }

    pub(crate) fn branches(&self) -> Result<Vec<Branch>, StoreError> {
        let rows = self.conn()?.client.query(
            "SELECT code, name, revoked_at, acked_seq, entries_received, last_upload_at, schema_version, \
             waiting_after, oldest_waiting_at, \
             (SELECT COUNT(*) FROM changes c WHERE c.branch = b.code AND c.set_aside IS NOT NULL) \
             FROM branches b ORDER BY code",
            &[],
        )?;
        Ok(rows
            .iter()
            .map(|r| Branch {
                code: r.get(0),
                name: r.get(1),
                revoked_at: r.get(2),
                acked_seq: r.get(3),
                entries_received: r.get(4),
                last_upload_at: r.get(5),
                schema_version: r.get(6),
                waiting_after: r.get(7),
                oldest_waiting_at: r.get(8),
                set_aside: r.get(9),
            })
            .collect())
    }

    pub(crate) fn branch_count(&self) -> Result<i64, StoreError> {
        let row = self
            .conn()?
            .client
            .query_one("SELECT COUNT(*) FROM branches", &[])?;
        Ok(row.get(0))
    }

    pub(crate) fn outstanding(&self, branch: &str) -> Result<(i64, i64), StoreError> {
        let row = self.conn()?.client.query_one(
            "SELECT COUNT(*), COALESCE(SUM(principal_out), 0)::BIGINT FROM loans WHERE branch = $1 AND state = ANY($2)",
            &[&branch, &receive::OPEN_STATES],
        )?;
        Ok((row.get(0), row.get(1)))
    }

    pub(crate) fn set_aside_entries(&self, branch: &str) -> Result<Vec<SetAsideEntry>, StoreError> {
        let rows = self.conn()?.client.query(
            "SELECT seq, entity, record_id, set_aside, received_at FROM changes \
             WHERE branch = $1 AND set_aside IS NOT NULL ORDER BY seq DESC LIMIT 200",
            &[&branch],
        )?;
        Ok(rows
            .iter()
            .map(|r| SetAsideEntry {
                seq: r.get(0),
                entity: r.get(1),
                record_id: r.get(2),
                reason: r.get(3),
                received_at: r.get(4),
            })
            .collect())
    }

    pub(crate) fn search(&self, s: &Search) -> Result<Vec<Found>, StoreError> {
        // SQLite's LIKE ignores ASCII case; lower() on both sides does the same here.
        let rows = self.conn()?.client.query(
            "SELECT c.branch, c.record_id, c.full_name, c.phone, c.id_number, c.date_of_birth, \
             (SELECT COUNT(*) FROM loans l WHERE l.branch = c.branch AND l.customer_id = c.record_id \
              AND l.state = ANY($4)) \
             FROM customers c \
             WHERE (c.phone = $1 OR c.id_number = $2 OR lower(c.full_name) LIKE lower($3) ESCAPE '\\') \
             AND c.merged_into IS NULL \
             ORDER BY c.full_name, c.branch LIMIT 200",
            &[&s.phone, &s.text, &s.like, &receive::OPEN_STATES],
        )?;
        Ok(rows
            .iter()
            .map(|r| Found {
                branch: r.get(0),
                record_id: r.get(1),
                full_name: r.get(2),
                phone: r.get(3),
                id_number: r.get(4),
                date_of_birth: r.get(5),
                open_tickets: r.get(6),
            })
            .collect())
    }

    pub(crate) fn insert_user(
        &self,
        username: &str,
        hash: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        // The case-insensitive unique index refuses "Rina" beside "rina" as a conflict too.
        let added = self.execute(
            "INSERT INTO users (username, password_hash, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            &[&username, &hash, &now],
        )?;
        Ok(added > 0)
    }

    pub(crate) fn sign_in(
        &self,
        username: &str,
        password: &str,
        address: &str,
        rules: &StaffConfig,
        now: DateTime<Utc>,
    ) -> Result<String, SignInError<StoreError>> {
        let users = Users { address };
        let mut conn = self.conn()?;
        auth::check_password(&mut *conn, &users, username, password, rules, now)
    }

    pub(crate) fn start_session(
        &self,
        username: &str,
        now: DateTime<Utc>,
    ) -> Result<String, StoreError> {
        let token = crypto::random_token();
        let hash = crypto::sha256(token.as_bytes());
        self.execute(
            "INSERT INTO sessions (token_hash, username, created_at, last_seen_at) VALUES ($1, $2, $3, $3)",
            &[&hash.as_slice(), &username, &now],
        )?;
        Ok(token)
    }

    pub(crate) fn end_session(&self, token: &str) -> Result<(), StoreError> {
        let hash = crypto::sha256(token.as_bytes());
        self.execute(
            "DELETE FROM sessions WHERE token_hash = $1",
            &[&hash.as_slice()],
        )?;
        Ok(())
    }

    pub(crate) fn sign_out(
        &self,
        token: &str,
        address: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<String>, StoreError> {
        let hash = crypto::sha256(token.as_bytes());
        self.transaction(
            |tx, _| {
                let ended: Option<String> = tx
                    .query_opt(
                        "DELETE FROM sessions WHERE token_hash = $1 RETURNING username",
                        &[&hash.as_slice()],
                    )?
                    .map(|r| r.get(0));
                if let Some(username) = &ended {
                    audit(tx, username, "sign_out", address, None, now)?;
                }
                Ok(ended)
            },
            retryable,
        )
    }

    pub(crate) fn session_user(
        &self,
        token: &str,
        rules: &StaffConfig,
        now: DateTime<Utc>,
    ) -> Result<Option<String>, StoreError> {
        let hash = crypto::sha256(token.as_bytes());
        let mut conn = self.conn()?;
        let found = conn.client.query_opt(
            "SELECT s.created_at, s.last_seen_at, u.disabled_at IS NOT NULL, u.username \
             FROM sessions s JOIN users u ON u.username = s.username WHERE s.token_hash = $1",
            &[&hash.as_slice()],
        )?;
        let Some(row) = found else {
            return Ok(None);
        };
        let disabled: bool = row.get(2);
        match auth::session_age(row.get(0), row.get(1), rules, now) {
            auth::SessionAge::Live { touch } if !disabled => {
                if touch {
                    conn.client.execute(
                        "UPDATE sessions SET last_seen_at = $2 WHERE token_hash = $1",
                        &[&hash.as_slice(), &now],
                    )?;
                }
                Ok(Some(row.get(3)))
            }
            _ => {
                conn.client.execute(
                    "DELETE FROM sessions WHERE token_hash = $1",
                    &[&hash.as_slice()],
                )?;
                Ok(None)
            }
        }
    }
}

/// The receive rules' storage inside one PostgreSQL transaction.
pub(super) struct Receiver<'a, 't> {
    pub(super) tx: &'a mut Transaction<'t>,
    pub(super) prepared: &'a mut HashMap<&'static str, Statement>,
}

impl Receiver<'_, '_> {
    pub(super) fn execute(
        &mut self,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<(), StoreError> {
        let s = statement(self.prepared, self.tx, sql)?;
        self.tx.execute(&s, params)?;
        Ok(())
    }

    pub(super) fn query_opt(
        &mut self,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Option<postgres::Row>, StoreError> {
        let s = statement(self.prepared, self.tx, sql)?;
        Ok(self.tx.query_opt(&s, params)?)
    }
}

impl Receiving for Receiver<'_, '_> {
    fn lock_branch(&mut self, branch: &str) -> Result<i64, StoreError> {
        let row = self.query_opt(
            "SELECT acked_seq FROM branches WHERE code = $1 FOR UPDATE",
            &[&branch],
        )?;
        row.map(|r| r.get(0))
            .ok_or_else(|| StoreError::NoBranch(branch.to_owned()))
    }

    fn stored_digest(&mut self, branch: &str, seq: i64) -> Result<Option<Vec<u8>>, StoreError> {
        let row = self.query_opt(
            "SELECT digest FROM changes WHERE branch = $1 AND seq = $2 \
             UNION ALL SELECT digest FROM compacted_changes WHERE branch = $1 AND seq = $2",
            &[&branch, &seq],
        )?;
        Ok(row.map(|r| r.get(0)))
    }

    fn keep_entry(&mut self, branch: &str, s: &Stored) -> Result<(), StoreError> {
        let e = s.entry;
        self.execute(
            "INSERT INTO changes (branch, seq, entity, record_id, op, data, at, digest, received_at, set_aside) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            &[&branch, &e.seq, &e.entity, &e.id, &e.op, &e.data, &e.at, &s.digest, &s.received_at, &s.set_aside],
        )
    }

    fn record(
        &mut self,
        branch: &str,
        entity: &str,
        id: &str,
    ) -> Result<Option<String>, StoreError> {
        let row = self.query_opt(
            "SELECT data FROM records WHERE branch = $1 AND entity = $2 AND record_id = $3",
            &[&branch, &entity, &id],
        )?;
        Ok(row.map(|r| r.get(0)))
    }

    fn keep_record(&mut self, branch: &str, e: &Entry, data: &str) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO records (branch, entity, record_id, data, seq, deleted) VALUES ($1, $2, $3, $4, $5, FALSE) \
             ON CONFLICT (branch, entity, record_id) DO UPDATE SET data = excluded.data, seq = excluded.seq, deleted = FALSE",
            &[&branch, &e.entity, &e.id, &data, &e.seq],
        )
    }

    fn mark_deleted(&mut self, branch: &str, e: &Entry) -> Result<(), StoreError> {
        self.execute(
            "UPDATE records SET deleted = TRUE, seq = $4 WHERE branch = $1 AND entity = $2 AND record_id = $3",
            &[&branch, &e.entity, &e.id, &e.seq],
        )
    }

    fn keep_customer(&mut self, branch: &str, id: &str, c: &Customer) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO customers (branch, record_id, full_name, phone, id_number, date_of_birth, merged_into) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (branch, record_id) DO UPDATE SET full_name = excluded.full_name, phone = excluded.phone, \
             id_number = excluded.id_number, date_of_birth = excluded.date_of_birth, merged_into = excluded.merged_into",
            &[&branch, &id, &c.full_name, &c.phone, &c.id_number, &c.date_of_birth, &c.merged_into],
        )
    }

    fn keep_ticket(&mut self, branch: &str, id: &str, t: &Ticket) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO loans (branch, record_id, customer_id, ticket_no, state) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (branch, record_id) DO UPDATE SET customer_id = excluded.customer_id, \
             ticket_no = excluded.ticket_no, state = excluded.state",
            &[&branch, &id, &t.customer_id, &t.ticket_no, &t.state],
        )
    }

    fn add_principal(&mut self, branch: &str, loan: &str, delta: i64) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO loans (branch, record_id, principal_out) VALUES ($1, $2, $3) \
             ON CONFLICT (branch, record_id) DO UPDATE SET principal_out = loans.principal_out + excluded.principal_out",
            &[&branch, &loan, &delta],
        )
    }

    fn keep_report_row(
        &mut self,
        branch: &str,
        entity: &str,
        id: &str,
        row: Option<&ReportRow>,
    ) -> Result<(), StoreError> {
        super::reports_postgres::keep_row(self, branch, entity, id, row)
    }

    fn move_position(&mut self, branch: &str, p: &Position) -> Result<(), StoreError> {
        self.execute(
            "UPDATE branches SET acked_seq = $2, entries_received = entries_received + $3, last_upload_at = $4, \
             schema_version = $5, waiting_after = $6, oldest_waiting_at = $7 WHERE code = $1",
            &[
                &branch,
                &p.acked,
                &p.new_entries,
                &p.at,
                &p.batch.schema,
                &p.batch.waiting_after,
                &p.batch.oldest_waiting_at,
            ],
        )
    }

    fn set_aside(
        &mut self,
        branch: &str,
        first: i64,
        last: i64,
    ) -> Result<Vec<SetAside>, StoreError> {
        let s = statement(
            self.prepared,
            self.tx,
            "SELECT seq, set_aside FROM changes WHERE branch = $1 AND seq BETWEEN $2 AND $3 AND set_aside IS NOT NULL ORDER BY seq",
        )?;
        let rows = self.tx.query(&s, &[&branch, &first, &last])?;
        Ok(rows
            .iter()
            .map(|r| SetAside {
                seq: r.get(0),
                reason: r.get(1),
            })
            .collect())
    }
}

impl Reseeding for Receiver<'_, '_> {
    fn lock_position(&mut self, branch: &str) -> Result<i64, StoreError> {
        self.lock_branch(branch)
    }

    fn move_to(&mut self, branch: &str, acked: i64) -> Result<(), StoreError> {
        self.execute(
            "UPDATE branches SET acked_seq = $2 WHERE code = $1",
            &[&branch, &acked],
        )
    }

    fn audit(&mut self, line: &AuditLine, now: DateTime<Utc>) -> Result<(), StoreError> {
        let mut reference = Reference {
            tx: self.tx,
            draft_held: false,
        };
        reference.audit(line, now)
    }
}

/// Compaction's storage inside one PostgreSQL transaction (its statements prepared once per
/// connection, as the receiver's are).
struct Compactor<'a, 't> {
    receiver: Receiver<'a, 't>,
}

impl Compacting for Compactor<'_, '_> {
    fn acked(&mut self, branch: &str) -> Result<i64, StoreError> {
        let row = self
            .receiver
            .query_opt("SELECT acked_seq FROM branches WHERE code = $1", &[&branch])?;
        row.map(|r| r.get(0))
            .ok_or_else(|| StoreError::NoBranch(branch.to_owned()))
    }

    fn entries_after(
        &mut self,
        branch: &str,
        after: i64,
        limit: i64,
    ) -> Result<Vec<Candidate>, StoreError> {
        let Receiver { tx, prepared } = &mut self.receiver;
        let s = statement(
            prepared,
            tx,
            "SELECT c.seq, c.received_at, c.set_aside IS NOT NULL, r.seq FROM changes c \
             LEFT JOIN records r ON r.branch = c.branch AND r.entity = c.entity AND r.record_id = c.record_id \
             WHERE c.branch = $1 AND c.seq > $2 ORDER BY c.seq LIMIT $3",
        )?;
        let rows = tx.query(&s, &[&branch, &after, &limit])?;
        Ok(rows
            .iter()
            .map(|r| Candidate {
                seq: r.get(0),
                received_at: r.get(1),
                set_aside: r.get(2),
                record_seq: r.get(3),
            })
            .collect())
    }

    fn forget(&mut self, branch: &str, seq: i64) -> Result<(), StoreError> {
        self.receiver.execute(
            "INSERT INTO compacted_changes (branch, seq, digest) \
             SELECT branch, seq, digest FROM changes WHERE branch = $1 AND seq = $2",
            &[&branch, &seq],
        )?;
        self.receiver.execute(
            "DELETE FROM changes WHERE branch = $1 AND seq = $2",
            &[&branch, &seq],
        )
    }
}

/// The reference data's rows (`reference::ReferenceStorage`) inside one PostgreSQL
/// transaction: an edit holds the draft's row (`FOR UPDATE`); before the first draft there is
/// no row to hold, so a first draft another editor saved first is [`StoreError::Raced`], as
/// is a version number another publisher took first, and the edit or publish is tried again
/// whole (then holding the row, or with the next number).
struct Reference<'a, 't> {
    tx: &'a mut Transaction<'t>,
    /// Whether `lock_draft` holds the draft's row.
    draft_held: bool,
}

impl ReferenceStorage for Reference<'_, '_> {
    fn saved_draft(&mut self) -> Result<Option<String>, StoreError> {
        let row = self
            .tx
            .query_opt("SELECT data FROM reference_draft WHERE id = 1", &[])?;
        Ok(row.map(|r| r.get(0)))
    }

    fn lock_draft(&mut self) -> Result<(), StoreError> {
        let held = self.tx.query_opt(
            "SELECT id FROM reference_draft WHERE id = 1 FOR UPDATE",
            &[],
        )?;
        self.draft_held = held.is_some();
        Ok(())
    }

    fn keep_draft(&mut self, data: &str, by: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
        if self.draft_held {
            self.tx.execute(
                "UPDATE reference_draft SET data = $1, updated_at = $2, updated_by = $3 WHERE id = 1",
                &[&data, &now, &by],
            )?;
            return Ok(());
        }
        let added = self.tx.execute(
            "INSERT INTO reference_draft (id, data, updated_at, updated_by) VALUES (1, $1, $2, $3) \
             ON CONFLICT (id) DO NOTHING",
            &[&data, &now, &by],
        )?;
        if added == 0 {
            return Err(StoreError::Raced("reference data draft"));
        }
        Ok(())
    }

    fn latest_version(&mut self) -> Result<Option<StoredVersion>, StoreError> {
        let row = self.tx.query_opt(
            "SELECT version, data, published_at FROM reference_versions ORDER BY version DESC LIMIT 1",
            &[],
        )?;
        Ok(row.map(|r| StoredVersion {
            version: r.get(0),
            data: r.get(1),
            published_at: r.get(2),
        }))
    }

    fn latest_number(&mut self) -> Result<i64, StoreError> {
        let row = self.tx.query_one(
            "SELECT COALESCE(MAX(version), 0)::BIGINT FROM reference_versions",
            &[],
        )?;
        Ok(row.get(0))
    }

    fn keep_version(&mut self, v: &StoredVersion, by: &str) -> Result<(), StoreError> {
        let added = self.tx.execute(
            "INSERT INTO reference_versions (version, data, published_at, published_by) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (version) DO NOTHING",
            &[&v.version, &v.data, &v.published_at, &by],
        )?;
        if added == 0 {
            return Err(StoreError::Raced("reference data version"));
        }
        Ok(())
    }

    fn keep_ack(
        &mut self,
        branch: &str,
        version: i64,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.tx.execute(
            "INSERT INTO reference_acks (branch, version, acked_at) VALUES ($1, $2, $3) \
             ON CONFLICT (branch) DO UPDATE SET version = excluded.version, acked_at = excluded.acked_at \
             WHERE reference_acks.version < excluded.version",
            &[&branch, &version, &now],
        )?;
        Ok(())
    }

    fn acks(&mut self) -> Result<Vec<BranchAck>, StoreError> {
        let rows = self.tx.query(
            "SELECT b.code, b.name, a.version, a.acked_at FROM branches b \
             LEFT JOIN reference_acks a ON a.branch = b.code ORDER BY b.code",
            &[],
        )?;
        Ok(rows
            .iter()
            .map(|r| BranchAck {
                branch: r.get(0),
                name: r.get(1),
                version: r.get(2),
                acked_at: r.get(3),
            })
            .collect())
    }

    fn role(&mut self, username: &str) -> Result<Option<String>, StoreError> {
        let row = self
            .tx
            .query_opt("SELECT role FROM users WHERE username = $1", &[&username])?;
        Ok(row.map(|r| r.get(0)))
    }

    fn keep_role(&mut self, username: &str, role: &str) -> Result<bool, StoreError> {
        let changed = self.tx.execute(
            "UPDATE users SET role = $2 WHERE username = $1",
            &[&username, &role],
        )?;
        Ok(changed == 1)
    }

    fn audit(&mut self, line: &AuditLine, now: DateTime<Utc>) -> Result<(), StoreError> {
        let detail = Some(line.detail.clone());
        audit(
            self.tx,
            line.username,
            line.action,
            line.address,
            detail,
            now,
        )
    }
}

/// Writes one row of head office's audit log.
fn audit(
    tx: &mut Transaction<'_>,
    username: &str,
    action: &str,
    address: &str,
    detail: Option<serde_json::Value>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO audit_log (at, username, action, address, detail) VALUES ($1, $2, $3, $4, $5)",
        &[
            &now,
            &username,
            &action,
            &address,
            &detail.map(|d| d.to_string()),
        ],
    )?;
    Ok(())
}

/// Head office users as `auth::check_password` needs them, in PostgreSQL: failures and locks
/// per username as typed (in lower case), whether a user has it or not.
struct Users<'a> {
    /// The client address, for the audit.
    address: &'a str,
}

impl auth::Accounts for Users<'_> {
    type User = String;
    type Conn = PgConn;
    type Tx<'c> = Transaction<'c>;
    type Error = StoreError;

    fn find(&self, conn: &mut PgConn, username: &str) -> Result<Lookup<String>, StoreError> {
        let account = conn
            .client
            .query_opt(
                "SELECT username, password_hash, disabled_at IS NOT NULL FROM users WHERE lower(username) = lower($1)",
                &[&username],
            )?
            .map(|r| Account {
                user: r.get(0),
                password_hash: r.get(1),
                disabled: r.get(2),
            });
        let locked_until = conn
            .client
            .query_opt(
                "SELECT locked_until FROM sign_in_failures WHERE username = lower($1)",
                &[&username],
            )?
            .and_then(|r| r.get(0));
        Ok(Lookup {
            account,
            locked_until,
        })
    }

    fn begin<'c>(&self, conn: &'c mut PgConn) -> Result<Transaction<'c>, StoreError> {
        Ok(conn.client.transaction()?)
    }

    fn commit(&self, tx: Transaction<'_>) -> Result<(), StoreError> {
        Ok(tx.commit()?)
    }

    fn count_failure(
        &self,
        tx: &mut Transaction<'_>,
        username: &str,
        _found: &Lookup<String>,
        now: DateTime<Utc>,
    ) -> Result<u32, StoreError> {
        let forget_before = now - chrono::Duration::hours(access::FAILURES_KEPT_HOURS);
        tx.execute(
            "DELETE FROM sign_in_failures WHERE last_failed_at < $1 AND (locked_until IS NULL OR locked_until < $2)",
            &[&forget_before, &now],
        )?;
        let failed: i64 = tx
            .query_one(
                "INSERT INTO sign_in_failures (username, failed_attempts, last_failed_at) VALUES (lower($1), 1, $2) \
                 ON CONFLICT (username) DO UPDATE SET failed_attempts = sign_in_failures.failed_attempts + 1, \
                 last_failed_at = excluded.last_failed_at RETURNING failed_attempts",
                &[&username, &now],
            )?
            .get(0);
        Ok(u32::try_from(failed).unwrap_or(u32::MAX))
    }

    fn lock(
        &self,
        tx: &mut Transaction<'_>,
        username: &str,
        _found: &Lookup<String>,
        until: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        tx.execute(
            "UPDATE sign_in_failures SET failed_attempts = 0, locked_until = $2 WHERE username = lower($1)",
            &[&username, &until],
        )?;
        Ok(())
    }

    fn signed_in(
        &self,
        tx: &mut Transaction<'_>,
        username: &str,
        _found: &Lookup<String>,
        _now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        tx.execute(
            "DELETE FROM sign_in_failures WHERE username = lower($1)",
            &[&username],
        )?;
        Ok(())
    }

    fn record(
        &self,
        tx: &mut Transaction<'_>,
        username: &str,
        found: &Lookup<String>,
        attempt: Attempt,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let who = access::audited_name(username, found);
        let detail = access::attempt_detail(attempt);
        audit(tx, who, attempt.action(), self.address, detail, now)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
impl PgStore {
    pub(crate) fn run(&self, sql: &str) {
        self.conn().unwrap().client.batch_execute(sql).unwrap();
    }

    pub(crate) fn count(&self, sql: &str) -> i64 {
        let row = self.conn().unwrap().client.query_one(sql, &[]).unwrap();
        row.try_get::<_, i64>(0)
            .or_else(|_| row.try_get::<_, i32>(0).map(i64::from))
            .or_else(|_| row.try_get::<_, bool>(0).map(i64::from))
            .unwrap()
    }

    pub(crate) fn column<T: for<'a> postgres::types::FromSql<'a>>(&self, sql: &str) -> Vec<T> {
        let rows = self.conn().unwrap().client.query(sql, &[]).unwrap();
        rows.iter().map(|r| r.get(0)).collect()
    }
}
