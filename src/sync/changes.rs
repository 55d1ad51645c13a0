//! The change log: which tables head office receives, the triggers that log every change to
//! them, and the queries the uploader and the Sync page run on the log.
//!
//! Why triggers and not code: a trigger runs inside the statement that changes the row, so
//! its log entry commits or rolls back with the change, and no write path (a page, an import,
//! the scheduler, a manual `sqlite3` session) can forget it. The triggers are generated from
//! the live schema at every start ([`install_triggers`]): each logs every column of its table
//! except the few [`SYNCED`] names as private, so a column a later migration adds is logged
//! without anyone editing a trigger. A test fails when a table is neither in [`SYNCED`] nor in
//! [`LOCAL`], so a new table cannot be forgotten either.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Transaction, params};

use crate::plumbing::db;

/// A table whose records head office receives.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Synced {
    pub(crate) table: &'static str,
    /// The column that identifies a record.
    pub(crate) key: &'static str,
    /// Columns that never leave the branch (secrets, or noise head office has no use for).
    pub(crate) omit: &'static [&'static str],
}

/// Every table head office receives.
pub(crate) const SYNCED: &[Synced] = &[
    Synced {
        table: "staff",
        key: "id",
        omit: &[
            "password_hash",
            "failed_attempts",
            "locked_until",
            "last_sign_in_at",
        ],
    },
    Synced {
        table: "audit_log",
        key: "id",
        omit: &[],
    },
    Synced {
        table: "customers",
        key: "id",
        omit: &[],
    },
    Synced {
        table: "customer_events",
        key: "id",
        omit: &[],
    },
    Synced {
        table: "customer_contacts",
        key: "id",
        omit: &[],
    },
    Synced {
        table: "customer_notes",
        key: "id",
        omit: &[],
    },
    Synced {
        table: "followup_notes",
        key: "id",
        omit: &[],
    },
    Synced {
        table: "promises_to_pay",
        key: "id",
        omit: &[],
    },
    Synced {
        table: "callcentre_assignments",
        key: "customer_id",
        omit: &[],
    },
    Synced {
        table: "customer_contact_changes",
        key: "id",
        omit: &[],
    },
    Synced {
        table: "customer_ros",
        key: "customer_id",
        omit: &[],
    },
    // Pairs staff judged "not a duplicate" (merges are `customers.merged_into`).
    Synced {
        table: "customer_duplicates_dismissed",
        key: "pair",
        omit: &[],
    },
    // Complaint cases, their timelines, the procedure steps done and the escalations
    // (issue 14): head office evaluates them across branches.
    Synced {
        table: "complaints",
        key: "id",
        // The deadlines and pauses kept for the list, the reports and the breach pass: worked
        // out from the rest (the pauses from the timeline head office receives), and the
        // deadlines rewritten for every unresolved case when the holidays list changes.
        omit: &["response_due", "resolution_due", "pauses"],
    },
    Synced {
        table: "complaint_events",
        key: "id",
        omit: &[],
    },
    Synced {
        table: "complaint_steps",
        key: "id",
        omit: &[],
    },
    Synced {
        table: "complaint_escalations",
        key: "id",
        omit: &[],
    },
    // Attachments' metadata only: the bytes stay in the branch's data directory.
    Synced {
        table: "complaint_attachments",
        key: "id",
        omit: &[],
    },
    // Head office will later send the list; today each branch keeps its own.
    Synced {
        table: "holidays",
        key: "on_date",
        omit: &[],
    },
    Synced {
        table: "loan_products",
        key: "id",
        omit: &[],
    },
    Synced {
        table: "loans",
        key: "id",
        omit: &[],
    },
    Synced {
        table: "loan_items",
        key: "id",
        omit: &[],
    },
    // The gold reference price history (append-only).
    Synced {
        table: "gold_prices",
        key: "id",
        omit: &[],
    },
    Synced {
        table: "loan_events",
        key: "id",
        omit: &[],
    },
    Synced {
        table: "ledger",
        key: "id",
        omit: &[],
    },
    // The postings of each ledger transaction (head office's accounting is a view of them).
    Synced {
        table: "ledger_postings",
        key: "id",
        omit: &[],
    },
    // Payouts by bank transfer or mobile money and their state: sent, failed, made again.
    Synced {
        table: "disbursements",
        key: "id",
        omit: &[],
    },
    // Receipts of money movements: number, kind, cashier, views (copies are counted).
    Synced {
        table: "receipts",
        key: "id",
        omit: &[],
    },
    // Forfeited items moved to sale stock, their sales, and what became of each surplus
    // (append-only; the money is in the ledger).
    Synced {
        table: "disposals",
        key: "loan_id",
        omit: &[],
    },
    Synced {
        table: "disposal_sales",
        key: "loan_id",
        omit: &[],
    },
    Synced {
        table: "surplus_settlements",
        key: "loan_id",
        omit: &[],
    },
    // Cash drawers, their counts and sign-offs, and cash moved with the safe (the money is in
    // the ledger).
    Synced {
        table: "cash_drawers",
        key: "id",
        omit: &[],
    },
    Synced {
        table: "safe_transfers",
        key: "id",
        omit: &[],
    },
    Synced {
        table: "day_closes",
        key: "day",
        omit: &[],
    },
    Synced {
        table: "payment_codes",
        key: "code",
        omit: &[],
    },
    Synced {
        table: "statement_lines",
        key: "reference",
        omit: &[],
    },
    // Delivery states of SMS; the text stays at the branch (it held a login code until sent).
    Synced {
        table: "sms_outbox",
        key: "id",
        omit: &["body"],
    },
    // Each modem's daily messages, parts and cost, and its SIM's last balance (issue 17).
    Synced {
        table: "sms_modem_days",
        key: "id",
        omit: &[],
    },
    Synced {
        table: "sms_modem_balances",
        key: "modem",
        omit: &[],
    },
    // Delivery states of emails, likewise without their text.
    Synced {
        table: "email_outbox",
        key: "id",
        omit: &["body"],
    },
    // Messages from customers (issue 17): who wrote, when, whether it was a STOP and who read
    // it; their words stay at the branch like the outbox's.
    Synced {
        table: "sms_inbox",
        key: "id",
        omit: &["body"],
    },
];

/// Tables that stay at the branch, each with the reason.
pub(crate) const LOCAL: &[(&str, &str)] = &[
    (
        "kept_counts",
        "counts the branch's triggers keep of its own rows, for its dashboard",
    ),
    ("settings", "installation settings of this box"),
    ("staff_sessions", "signed-in browsers of this branch"),
    ("customer_sessions", "signed-in phones of this branch"),
    (
        "otp_codes",
        "keyed hashes of one-time codes never leave the branch",
    ),
    ("reminder_templates", "the branch's own reminder wording"),
    (
        "contact_codes",
        "keyed hashes of contacts' one-time codes never leave the branch",
    ),
    (
        "callcentre_choices",
        "the branch's own follow-up note choices (seeded by the migration, so not a change); notes carry their codes",
    ),
    (
        "reminders_sent",
        "bookkeeping of the reminder pass; the SMS themselves are synced",
    ),
    (
        "customers_search",
        "the name search index, rebuilt from customers",
    ),
    (
        "customers_search_data",
        "SQLite's part of the name search index",
    ),
    (
        "customers_search_idx",
        "SQLite's part of the name search index",
    ),
    (
        "customers_search_docsize",
        "SQLite's part of the name search index",
    ),
    (
        "customers_search_config",
        "SQLite's part of the name search index",
    ),
    (
        "sms_status_reports",
        "the network's report per part; the message's delivery is synced on sms_outbox",
    ),
    (
        "sms_inbox_parts",
        "parts of a customer's long message until the whole is in sms_inbox",
    ),
    (
        "ledger_day_totals",
        "per-day sums of the postings for the dashboard, kept by a trigger from ledger_postings",
    ),
    (
        "loan_state_totals",
        "per-state ticket counts and principal for the dashboard, kept by triggers from loans",
    ),
    (
        "duplicates_generation",
        "a number moved by triggers when customers' keys or dismissed pairs change (duplicates::kept)",
    ),
    (
        "loan_receivables",
        "each ticket's receivable balance for the follow-up queue, kept by a trigger from ledger_postings",
    ),
    ("sync_log", "the change log itself"),
    ("sync_state", "the uploader's position"),
    ("sync_set_aside", "head office's replies"),
    (
        "reference_state",
        "the version of head office's reference data held here",
    ),
    (
        "watch_list",
        "head office's own list, sent down with the reference data",
    ),
    ("refinery_schema_history", "migration bookkeeping"),
];

/// The synced table of this name.
pub(crate) fn synced(table: &str) -> Option<&'static Synced> {
    SYNCED.iter().find(|s| s.table == table)
}

/// Opens the branch's database with its change log live: migrated, and the triggers made to
/// match the schema. Every command that writes to a branch database opens it here, so no write
/// escapes the log (the database layer itself knows nothing of head office).
pub(crate) fn open_logged(
    data_dir: &std::path::Path,
    busy_timeout: std::time::Duration,
    max_idle: usize,
) -> Result<db::Db, db::DbError> {
    let db = db::Db::open(data_dir, busy_timeout, max_idle)?;
    let mut conn = db.conn()?;
    install_triggers(&mut conn)?;
    drop(conn);
    Ok(db)
}

/// Creates or replaces the change-log triggers so that they match the schema. When a table
/// gets its triggers for the first time (an upgraded branch with records), or loses a logged
/// column, every existing record is logged, so head office starts from the whole of it. When
/// it only gains columns, only the records with a value in one of them are (see [`Resend`]).
pub(crate) fn install_triggers(conn: &mut Connection) -> rusqlite::Result<()> {
    let tx = db::immediate(conn)?;
    for synced in SYNCED {
        let columns = logged_columns(&tx, synced)?;
        if columns.is_empty() {
            continue; // not created by this schema version
        }
        let wanted = trigger_sql(synced, &columns);
        let resend = Resend::after(previous_columns(&tx, synced)?, &columns);
        let mut changed = false;
        for (name, sql) in &wanted {
            let existing: Option<String> = tx
                .prepare_cached(
                    "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?1",
                )?
                .query_row([name], |r| r.get(0))
                .optional()?;
            if existing.as_deref() != Some(sql.as_str()) {
                tx.execute_batch(&format!("DROP TRIGGER IF EXISTS {name}; {sql};"))?;
                changed = true;
            }
        }
        if changed {
            resend_existing(&tx, synced, &columns, resend)?;
        }
    }
    for table in unclassified(&tx)? {
        // Caught by a test before release; said loudly should a build slip through.
        log::error!(
            "sync: table {table} is neither synced nor declared local: head office will not receive it"
        );
    }
    tx.commit()
}

/// Logs every record of every synced table as an insert, as the triggers would (a re-seed:
/// head office learns the branch's whole current state); returns how many were logged.
pub(crate) fn log_every_record(tx: &Transaction) -> rusqlite::Result<usize> {
    let mut logged = 0;
    for synced in SYNCED {
        let columns = logged_columns(tx, synced)?;
        if !columns.is_empty() {
            logged += resend_existing(tx, synced, &columns, Resend::All)?;
        }
    }
    Ok(logged)
}

/// Gives the entries after `acked` new numbers after `from` (in the same order), and makes
/// `from` the log's last number when nothing follows it; returns how many moved.
pub(crate) fn renumber_after(tx: &Transaction, acked: i64, from: i64) -> rusqlite::Result<usize> {
    let head = head(tx)?;
    let moved_to = from.max(head);
    let updated = tx.execute(
        "UPDATE sqlite_sequence SET seq = ?1 WHERE name = 'sync_log'",
        [moved_to],
    )?;
    if updated == 0 {
        tx.execute(
            "INSERT INTO sqlite_sequence (name, seq) VALUES ('sync_log', ?1)",
            [moved_to],
        )?;
    }
    let moved = tx.execute(
        "INSERT INTO sync_log (entity, record_id, op, data, at) \
         SELECT entity, record_id, op, data, at FROM sync_log WHERE seq > ?1 AND seq <= ?2 ORDER BY seq",
        params![acked, head],
    )?;
    tx.execute(
        "DELETE FROM sync_log WHERE seq > ?1 AND seq <= ?2",
        params![acked, head],
    )?;
    Ok(moved)
}

/// Logs the existing records of `synced` that `resend` names, as the new triggers would.
fn resend_existing(
    tx: &Transaction,
    synced: &Synced,
    columns: &[String],
    resend: Resend,
) -> rusqlite::Result<usize> {
    let filter = match resend {
        Resend::Nothing => return Ok(0),
        Resend::All => String::new(),
        Resend::WithAValueIn(added) => {
            let any: Vec<String> = added
                .iter()
                .map(|c| format!("\"{c}\" IS NOT NULL"))
                .collect();
            format!(" WHERE {}", any.join(" OR "))
        }
    };
    let logged = tx.execute(
        &format!(
            "INSERT INTO sync_log (entity, record_id, op, data, at) \
             SELECT '{table}', {key}, 'insert', {object}, {now} FROM {table}{filter} ORDER BY rowid",
            table = synced.table,
            key = synced.key,
            object = json_object(columns, ""),
            now = NOW_SQL,
        ),
        [],
    )?;
    if logged > 0 {
        log::info!(
            "sync: logged {logged} existing records of {} for head office",
            synced.table
        );
    }
    Ok(logged)
}

/// Which records a table's new triggers send again.
#[derive(Debug, PartialEq, Eq)]
enum Resend {
    /// Every record: the table had no triggers, or lost a logged column.
    All,
    /// Only those with a value in one of these columns, which the table gained: head office
    /// reads a column a record lacks as empty, which every older record's new column is.
    WithAValueIn(Vec<String>),
    /// None: the same columns.
    Nothing,
}

impl Resend {
    fn after(previous: Option<Vec<String>>, columns: &[String]) -> Resend {
        let Some(previous) = previous else {
            return Resend::All;
        };
        if previous.iter().any(|c| !columns.contains(c)) {
            return Resend::All;
        }
        let added: Vec<String> = columns
            .iter()
            .filter(|c| !previous.contains(c))
            .cloned()
            .collect();
        if added.is_empty() {
            Resend::Nothing
        } else {
            Resend::WithAValueIn(added)
        }
    }
}

/// The columns the table's current insert trigger logs (none when it has no trigger), read
/// back from the `json_object('c', NEW."c", ...)` that [`trigger_sql`] wrote.
fn previous_columns(conn: &Connection, synced: &Synced) -> rusqlite::Result<Option<Vec<String>>> {
    let sql: Option<String> = conn
        .prepare_cached("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?1")?
        .query_row([format!("sync_{}_insert", synced.table)], |r| r.get(0))
        .optional()?;
    Ok(sql.map(|sql| {
        let object = sql.split_once("json_object(").map_or("", |(_, rest)| rest);
        object
            .split(", NEW.\"")
            .skip(1)
            .filter_map(|rest| rest.split('"').next())
            .map(str::to_owned)
            .collect()
    }))
}

/// Tables in the schema that are in neither [`SYNCED`] nor [`LOCAL`] (SQLite's own `sqlite_`
/// tables, such as the statistics `ANALYZE` keeps, are its business).
pub(crate) fn unclassified(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut stmt =
        conn.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")?;
    let tables = stmt
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(tables
        .into_iter()
        .filter(|t| {
            !t.starts_with("sqlite_") && synced(t).is_none() && !LOCAL.iter().any(|(l, _)| l == t)
        })
        .collect())
}

/// The time of a change, as chrono writes UTC times (so it sorts and parses like every other).
const NOW_SQL: &str = "strftime('%Y-%m-%d %H:%M:%f+00:00', 'now')";

/// The columns of a synced table that its log entries carry, in table order.
fn logged_columns(conn: &Connection, synced: &Synced) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare("SELECT name FROM pragma_table_info(?1) ORDER BY cid")?;
    let all = stmt
        .query_map([synced.table], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(all
        .into_iter()
        .filter(|c| !synced.omit.contains(&c.as_str()))
        .collect())
}

/// `json_object('a', NEW.a, ...)` over `columns`, with `prefix` (`NEW.` or nothing).
fn json_object(columns: &[String], prefix: &str) -> String {
    let pairs: Vec<String> = columns
        .iter()
        .map(|c| format!("'{c}', {prefix}\"{c}\""))
        .collect();
    format!("json_object({})", pairs.join(", "))
}

/// The three triggers of a synced table: (name, CREATE statement as SQLite stores it).
fn trigger_sql(synced: &Synced, columns: &[String]) -> [(String, String); 3] {
    let table = synced.table;
    let key = synced.key;
    let insert = |op: &str, source: &str, data: &str| {
        format!(
            "INSERT INTO sync_log (entity, record_id, op, data, at) \
             VALUES ('{table}', {source}.\"{key}\", '{op}', {data}, {NOW_SQL})"
        )
    };
    let changed: Vec<String> = columns
        .iter()
        .map(|c| format!("NEW.\"{c}\" IS NOT OLD.\"{c}\""))
        .collect();
    let on_insert = format!("sync_{table}_insert");
    let on_update = format!("sync_{table}_update");
    let on_delete = format!("sync_{table}_delete");
    [
        (
            on_insert.clone(),
            format!(
                "CREATE TRIGGER {on_insert} AFTER INSERT ON {table} BEGIN {}; END",
                insert("insert", "NEW", &json_object(columns, "NEW."))
            ),
        ),
        (
            on_update.clone(),
            format!(
                "CREATE TRIGGER {on_update} AFTER UPDATE ON {table} WHEN {} BEGIN {}; END",
                changed.join(" OR "),
                insert("update", "NEW", &json_object(columns, "NEW."))
            ),
        ),
        (
            on_delete.clone(),
            format!(
                "CREATE TRIGGER {on_delete} AFTER DELETE ON {table} BEGIN {}; END",
                insert("delete", "OLD", "NULL")
            ),
        ),
    ]
}

/// One entry of the change log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Change {
    pub(crate) seq: i64,
    pub(crate) entity: String,
    pub(crate) record_id: String,
    pub(crate) op: String,
    pub(crate) data: Option<String>,
    pub(crate) at: String,
}

impl Change {
    /// The entry's size in a batch, roughly (for the byte bound).
    pub(crate) fn size(&self) -> usize {
        64 + self.entity.len()
            + self.record_id.len()
            + self.data.as_ref().map_or(0, String::len)
            + self.at.len()
    }
}

/// The entries after `after`, oldest first: at most `max_entries`, and no more than
/// `max_bytes` in all (but always at least one).
pub(crate) fn next_batch(
    conn: &Connection,
    after: i64,
    max_entries: usize,
    max_bytes: usize,
) -> rusqlite::Result<Vec<Change>> {
    let mut stmt = conn.prepare_cached(
        "SELECT seq, entity, record_id, op, data, at FROM sync_log WHERE seq > ?1 ORDER BY seq LIMIT +?2",
    )?;
    let mut rows = stmt.query(params![after, max_entries as i64])?;
    let mut batch = Vec::new();
    let mut bytes = 0;
    while let Some(row) = rows.next()? {
        let change = Change {
            seq: row.get(0)?,
            entity: row.get(1)?,
            record_id: row.get(2)?,
            op: row.get(3)?,
            data: row.get(4)?,
            at: row.get(5)?,
        };
        bytes += change.size();
        if bytes > max_bytes && !batch.is_empty() {
            break;
        }
        batch.push(change);
    }
    Ok(batch)
}

/// The highest sequence number written (0 when the log was never written).
pub(crate) fn head(conn: &Connection) -> rusqlite::Result<i64> {
    conn.prepare_cached(
        "SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'sync_log'), 0)",
    )?
    .query_row([], |r| r.get(0))
}

/// The lowest sequence number still in the log (compaction removes older ones).
pub(crate) fn first_kept(conn: &Connection) -> rusqlite::Result<Option<i64>> {
    conn.prepare_cached("SELECT MIN(seq) FROM sync_log")?
        .query_row([], |r| r.get(0))
}

/// How many entries wait after `acked`, and when the oldest of them was written.
pub(crate) fn waiting(conn: &Connection, acked: i64) -> rusqlite::Result<(i64, Option<String>)> {
    let count = head(conn)? - acked;
    let oldest = conn
        .prepare_cached("SELECT at FROM sync_log WHERE seq > ?1 ORDER BY seq LIMIT 1")?
        .query_row([acked], |r| r.get(0))
        .optional()?;
    Ok((count.max(0), oldest))
}

/// Deletes uploaded entries written before `before`; returns how many went.
pub(crate) fn compact(
    tx: &Transaction,
    acked: i64,
    before: DateTime<Utc>,
) -> rusqlite::Result<usize> {
    tx.execute(
        "DELETE FROM sync_log WHERE seq <= ?1 AND at < ?2",
        params![
            acked,
            before.format("%Y-%m-%d %H:%M:%S%.3f+00:00").to_string()
        ],
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// A test database with the change log live.
    fn test_db() -> (tempfile::TempDir, db::Db) {
        let dir = tempfile::tempdir().unwrap();
        let db = open_logged(dir.path(), std::time::Duration::from_secs(5), 4).unwrap();
        (dir, db)
    }

    fn tables(conn: &Connection) -> Vec<String> {
        let mut stmt = conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            .unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    }

    /// A table added by a migration must be declared synced or local: this is what makes
    /// "a write path that forgets the log" impossible for new tables.
    #[test]
    fn every_table_is_synced_or_local() {
        let (_dir, db) = test_db();
        let conn = db.conn().unwrap();
        assert_eq!(
            unclassified(&conn).unwrap(),
            Vec::<String>::new(),
            "add each to sync::changes::SYNCED or LOCAL"
        );
        for s in SYNCED {
            assert!(!LOCAL.iter().any(|(l, _)| *l == s.table), "{}", s.table);
            assert!(tables(&conn).contains(&s.table.to_owned()), "{}", s.table);
        }
    }

    #[test]
    fn every_synced_table_logs_every_column_but_the_omitted() {
        let (_dir, db) = test_db();
        let conn = db.conn().unwrap();
        for s in SYNCED {
            let columns = logged_columns(&conn, s).unwrap();
            for (name, sql) in trigger_sql(s, &columns) {
                let stored: String = conn
                    .query_row(
                        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?1",
                        [&name],
                        |r| r.get(0),
                    )
                    .unwrap();
                assert_eq!(stored, sql);
            }
            // Every omitted name must be a real column: a misspelt one would leave the real
            // column (a text that held a login code, a password hash) logged, with no error.
            let all: Vec<String> = conn
                .prepare("SELECT name FROM pragma_table_info(?1)")
                .unwrap()
                .query_map([s.table], |r| r.get(0))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            for omitted in s.omit {
                assert!(
                    all.iter().any(|c| c == omitted),
                    "{}.{omitted} is not a column",
                    s.table
                );
                assert!(!columns.iter().any(|c| c == omitted));
            }
            let key_is_column = columns.iter().any(|c| c == s.key);
            assert!(key_is_column, "{} key {}", s.table, s.key);
        }
    }

    #[test]
    fn changes_are_logged_in_the_same_transaction() {
        let (_dir, db) = test_db();
        let mut conn = db.conn().unwrap();
        let at = "2026-01-01 00:00:00.000000+00:00";
        let tx = db::immediate(&mut conn).unwrap();
        tx.execute(
            "INSERT INTO customers (id, full_name, phone, created_at, updated_at) VALUES ('C1', 'Siti', '+628111', ?1, ?1)",
            [at],
        )
        .unwrap();
        tx.execute(
            "UPDATE customers SET full_name = 'Siti A' WHERE id = 'C1'",
            [],
        )
        .unwrap();
        // An update that changes nothing logged is not an entry.
        tx.execute(
            "UPDATE customers SET full_name = 'Siti A' WHERE id = 'C1'",
            [],
        )
        .unwrap();
        tx.commit().unwrap();
        let tx = db::immediate(&mut conn).unwrap();
        tx.execute(
            "UPDATE customers SET full_name = 'Rolled back' WHERE id = 'C1'",
            [],
        )
        .unwrap();
        drop(tx);

        let batch = next_batch(&conn, 0, 100, 1 << 20).unwrap();
        let ops: Vec<&str> = batch.iter().map(|c| c.op.as_str()).collect();
        assert_eq!(ops, ["insert", "update"]);
        let data: serde_json::Value =
            serde_json::from_str(batch[1].data.as_deref().unwrap()).unwrap();
        assert_eq!(data["full_name"], "Siti A");
        assert_eq!(data["phone"], "+628111");
        assert_eq!(batch[1].record_id, "C1");
        assert_eq!(head(&conn).unwrap(), batch[1].seq);
        assert_eq!(waiting(&conn, batch[0].seq).unwrap().0, 1);
    }

    #[test]
    fn omitted_columns_never_reach_the_log() {
        let (_dir, db) = test_db();
        let conn = db.conn().unwrap();
        let at = "2026-01-01 00:00:00.000000+00:00";
        conn.execute(
            "INSERT INTO staff (id, username, full_name, role, password_hash, created_at, updated_at) VALUES ('S1', 'ana', 'Ana', 'clerk', '$argon2id$secret', ?1, ?1)",
            [at],
        )
        .unwrap();
        // A sign-in touches only omitted columns: nothing to send.
        conn.execute(
            "UPDATE staff SET last_sign_in_at = ?1, failed_attempts = 0 WHERE id = 'S1'",
            [at],
        )
        .unwrap();
        let batch = next_batch(&conn, 0, 100, 1 << 20).unwrap();
        assert_eq!(batch.len(), 1);
        assert!(!batch[0].data.as_deref().unwrap().contains("argon2"));
    }

    #[test]
    fn records_written_before_the_triggers_are_logged_once_when_they_arrive() {
        let (dir, db) = test_db();
        let mut conn = db.conn().unwrap();
        // An upgraded branch: records exist, the triggers do not yet.
        conn.execute_batch(
            "DROP TRIGGER sync_customers_insert; DROP TRIGGER sync_customers_update; DROP TRIGGER sync_customers_delete;",
        )
        .unwrap();
        let at = "2026-01-01 00:00:00.000000+00:00";
        for id in ["C1", "C2"] {
            conn.execute(
                "INSERT INTO customers (id, full_name, phone, created_at, updated_at) VALUES (?1, 'X', '+628111' || ?1, ?2, ?2)",
                [id, at],
            )
            .unwrap();
        }
        assert_eq!(head(&conn).unwrap(), 0);
        install_triggers(&mut conn).unwrap();
        install_triggers(&mut conn).unwrap(); // a second start changes nothing
        let batch = next_batch(&conn, 0, 100, 1 << 20).unwrap();
        let ids: Vec<&str> = batch.iter().map(|c| c.record_id.as_str()).collect();
        assert_eq!(ids, ["C1", "C2"]);
        drop(conn);
        drop(db);
        drop(dir);
    }

    /// A column an upgrade adds holds nothing in the records written before it, and head office
    /// treats a column a record lacks as empty: only the records that have a value in the new
    /// column are sent again, not every record of the table (millions of ledger postings).
    #[test]
    fn a_column_added_to_a_synced_table_resends_only_the_records_with_a_value_in_it() {
        let (_dir, db) = test_db();
        let mut conn = db.conn().unwrap();
        let at = "2026-01-01 00:00:00.000000+00:00";
        for id in ["C1", "C2", "C3"] {
            conn.execute(
                "INSERT INTO customers (id, full_name, phone, created_at, updated_at) VALUES (?1, 'X', '+628111' || ?1, ?2, ?2)",
                [id, at],
            )
            .unwrap();
        }
        let logged = head(&conn).unwrap();
        // An upgrade adds a column and fills it for one record (the old triggers do not see it).
        conn.execute_batch(
            "ALTER TABLE customers ADD COLUMN upgrade_note TEXT; \
             UPDATE customers SET upgrade_note = 'moved' WHERE id = 'C2';",
        )
        .unwrap();
        assert_eq!(head(&conn).unwrap(), logged);
        install_triggers(&mut conn).unwrap();
        let batch = next_batch(&conn, logged, 100, 1 << 20).unwrap();
        let ids: Vec<&str> = batch.iter().map(|c| c.record_id.as_str()).collect();
        assert_eq!(
            ids,
            ["C2"],
            "only the record with a value in the new column"
        );
        assert!(batch[0].data.as_deref().unwrap().contains("moved"));
        // The new triggers carry the column from now on.
        conn.execute(
            "UPDATE customers SET upgrade_note = 'again' WHERE id = 'C3'",
            [],
        )
        .unwrap();
        let batch = next_batch(&conn, logged, 100, 1 << 20).unwrap();
        assert_eq!(batch.len(), 2);
        assert!(batch[1].data.as_deref().unwrap().contains("again"));
        // The columns read back from the triggers are the ones they were made with.
        let spec = synced("customers").unwrap();
        assert_eq!(
            previous_columns(&conn, spec).unwrap(),
            Some(logged_columns(&conn, spec).unwrap())
        );
    }

    #[test]
    fn a_table_that_lost_a_column_or_had_no_triggers_is_sent_again_whole() {
        let cols = |c: &[&str]| c.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(Resend::after(None, &cols(&["id", "a"])), Resend::All);
        assert_eq!(
            Resend::after(Some(cols(&["id", "a", "b"])), &cols(&["id", "a"])),
            Resend::All
        );
        assert_eq!(
            Resend::after(Some(cols(&["id", "a"])), &cols(&["id", "a"])),
            Resend::Nothing
        );
        assert_eq!(
            Resend::after(Some(cols(&["id", "a"])), &cols(&["id", "b", "a", "c"])),
            Resend::WithAValueIn(cols(&["b", "c"]))
        );
    }

    #[test]
    fn a_reseed_renumbers_what_was_not_acknowledged_after_head_office_and_logs_every_record() {
        let (_dir, db) = test_db();
        let mut conn = db.conn().unwrap();
        for i in 0..3 {
            conn.execute(
                "INSERT INTO sync_log (entity, record_id, op, data, at) VALUES ('customers', ?1, 'insert', '{}', '2026-01-01 00:00:00.000+00:00')",
                [format!("C{i}")],
            )
            .unwrap();
        }
        let tx = db::immediate(&mut conn).unwrap();
        // Acknowledged up to 1; head office holds up to 10 (a backup's future).
        assert_eq!(renumber_after(&tx, 1, 10).unwrap(), 2);
        let log: Vec<(i64, String)> = next_batch(&tx, 0, 10, 1 << 20)
            .unwrap()
            .into_iter()
            .map(|c| (c.seq, c.record_id))
            .collect();
        assert_eq!(
            log,
            [
                (1, "C0".to_owned()),
                (11, "C1".to_owned()),
                (12, "C2".to_owned())
            ],
            "the same order, after head office's number"
        );
        // Nothing unacknowledged: the next entry still comes after head office's number.
        assert_eq!(renumber_after(&tx, 12, 20).unwrap(), 0);
        let change = crate::audit::Change {
            action: "test",
            entity: "test",
            entity_id: "1",
            before: None,
            after: None,
        };
        crate::audit::record(
            &tx,
            &crate::audit::Actor::System,
            &change,
            crate::plumbing::clock::Clock::now(&crate::plumbing::clock::SystemClock),
        )
        .unwrap();
        assert_eq!(head(&tx).unwrap(), 21);
        // Every record of every synced table, as inserts after that: here the one audit line.
        assert_eq!(log_every_record(&tx).unwrap(), 1);
        let last = &next_batch(&tx, 21, 10, 1 << 20).unwrap()[0];
        assert_eq!(
            (last.seq, last.entity.as_str(), last.op.as_str()),
            (22, "audit_log", "insert")
        );
    }

    #[test]
    fn compaction_removes_only_acknowledged_entries_past_the_retention() {
        let (_dir, db) = test_db();
        let mut conn = db.conn().unwrap();
        for (i, at) in [
            "2026-01-01 00:00:00.000+00:00",
            "2026-01-02 00:00:00.000+00:00",
            "2026-03-01 00:00:00.000+00:00",
            "2026-01-01 00:00:00.000+00:00",
        ]
        .iter()
        .enumerate()
        {
            conn.execute(
                "INSERT INTO sync_log (entity, record_id, op, data, at) VALUES ('customers', ?1, 'insert', '{}', ?2)",
                params![format!("C{i}"), at],
            )
            .unwrap();
        }
        let before = chrono::DateTime::parse_from_rfc3339("2026-02-01T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let tx = db::immediate(&mut conn).unwrap();
        // Acknowledged up to 3: entries 1 and 2 are old enough, 3 is recent, 4 not acknowledged.
        assert_eq!(compact(&tx, 3, before).unwrap(), 2);
        tx.commit().unwrap();
        assert_eq!(first_kept(&conn).unwrap(), Some(3));
        assert_eq!(head(&conn).unwrap(), 4, "numbers are never reused");
        let rest: Vec<i64> = next_batch(&conn, 0, 10, 1 << 20)
            .unwrap()
            .iter()
            .map(|c| c.seq)
            .collect();
        assert_eq!(rest, [3, 4]);
    }

    #[test]
    fn batches_are_bounded_by_count_and_bytes() {
        let (_dir, db) = test_db();
        let conn = db.conn().unwrap();
        let at = "2026-01-01 00:00:00.000000+00:00";
        for i in 0..10 {
            conn.execute(
                "INSERT INTO customers (id, full_name, phone, created_at, updated_at) VALUES (?1, 'X', '+628111' || ?1, ?2, ?2)",
                params![format!("C{i}"), at],
            )
            .unwrap();
        }
        assert_eq!(next_batch(&conn, 0, 4, 1 << 20).unwrap().len(), 4);
        let one = next_batch(&conn, 0, 1, 1 << 20).unwrap()[0].size();
        assert_eq!(next_batch(&conn, 0, 10, one * 3).unwrap().len(), 3);
        assert_eq!(next_batch(&conn, 0, 10, 1).unwrap().len(), 1, "never empty");
        let after = next_batch(&conn, 8, 10, 1 << 20).unwrap();
        assert_eq!(after.len(), 2);
    }
}
