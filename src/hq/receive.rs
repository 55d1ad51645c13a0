//! Receiving a branch's batch at head office: check the whole batch, then store it in one
//! transaction (raw log, current state of each record, the search and totals tables), and say
//! how far the branch's log is now stored.
//!
//! The rules: a batch must follow the last stored entry (a gap is refused with where to
//! resume); entries already stored are compared by digest and not stored again (a different
//! entry under a stored number is a conflict); an entry that is well formed but cannot be
//! applied (an unknown record type, data that is not a record) is stored, set aside with its
//! reason, and does not hold up the rest.

use chrono::{DateTime, Utc};
use std::borrow::Cow;

use rusqlite::{OptionalExtension, Transaction, params};
use serde::Deserialize;

use crate::sync::batch::{Batch, Entry, Reply, SetAside};
use crate::sync::changes;

/// Why a batch was not stored.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ReceiveError {
    /// The batch is not what the protocol says; nothing was stored.
    #[error("malformed batch: {0}")]
    Malformed(String),
    /// The batch does not follow the last stored entry.
    #[error("entries {first} onwards do not follow entry {acked}, the last one stored")]
    Gap { acked: i64, first: i64 },
    /// An entry already stored was sent again with different content.
    #[error("entry {seq} differs from the entry {seq} already stored")]
    Conflict { acked: i64, seq: i64 },
    #[error("database: {0}")]
    Db(#[from] rusqlite::Error),
}

/// States of a ticket that still owe principal (the branch's open states).
const OPEN_STATES: &[&str] = &["active", "due", "grace", "notice"];

/// Checks everything about a batch that does not need the database.
pub(crate) fn check(batch: &Batch, branch: &str, schema: i64) -> Result<(), ReceiveError> {
    let bad = |m: String| Err(ReceiveError::Malformed(m));
    if batch.branch != branch {
        return bad(format!(
            "the batch is for branch {:?} but the credential is branch {branch:?}",
            batch.branch
        ));
    }
    if batch.schema != schema && batch.schema != schema - 1 {
        return bad(format!(
            "branch schema version {} is not accepted: head office accepts {} and {schema}; upgrade {}",
            batch.schema,
            schema - 1,
            if batch.schema > schema {
                "head office first"
            } else {
                "the branch"
            }
        ));
    }
    let Some(first) = batch.entries.first() else {
        return bad("the batch has no entries".to_owned());
    };
    if first.seq < 1 {
        return bad(format!("sequence number {} is below 1", first.seq));
    }
    for (i, e) in batch.entries.iter().enumerate() {
        if e.seq != first.seq + i as i64 {
            return bad(format!(
                "sequence numbers must follow each other: {} comes after {}",
                e.seq,
                first.seq + i as i64 - 1
            ));
        }
        if !matches!(e.op.as_str(), "insert" | "update" | "delete") {
            return bad(format!("entry {}: unknown operation {:?}", e.seq, e.op));
        }
        if e.entity.is_empty() || e.id.is_empty() || e.at.is_empty() {
            return bad(format!(
                "entry {}: record type, record id and time are required",
                e.seq
            ));
        }
    }
    Ok(())
}

/// Stores a checked batch of `branch`; the caller commits. Returns the reply for the branch.
pub(crate) fn receive(
    tx: &Transaction,
    branch: &str,
    batch: &Batch,
    now: DateTime<Utc>,
) -> Result<Reply, ReceiveError> {
    let acked: i64 = tx.query_row(
        "SELECT acked_seq FROM branches WHERE code = ?1",
        [branch],
        |r| r.get(0),
    )?;
    let (Some(first), Some(last)) = (batch.entries.first(), batch.entries.last()) else {
        return Err(ReceiveError::Malformed(
            "the batch has no entries".to_owned(),
        ));
    };
    if first.seq > acked + 1 {
        return Err(ReceiveError::Gap {
            acked,
            first: first.seq,
        });
    }
    let mut stored_digest =
        tx.prepare_cached("SELECT digest FROM changes WHERE branch = ?1 AND seq = ?2")?;
    let mut insert = tx.prepare_cached(
        "INSERT INTO changes (branch, seq, entity, record_id, op, data, at, digest, received_at, set_aside) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?;
    let mut new = 0i64;
    for entry in &batch.entries {
        if entry.seq <= acked {
            let digest: Option<Vec<u8>> = stored_digest
                .query_row(params![branch, entry.seq], |r| r.get(0))
                .optional()?;
            if digest.as_deref() != Some(entry.digest().as_slice()) {
                return Err(ReceiveError::Conflict {
                    acked,
                    seq: entry.seq,
                });
            }
            continue;
        }
        let set_aside = apply(tx, branch, entry)?;
        insert.execute(params![
            branch,
            entry.seq,
            entry.entity,
            entry.id,
            entry.op,
            entry.data,
            entry.at,
            entry.digest().as_slice(),
            now,
            set_aside,
        ])?;
        new += 1;
    }
    let acked = acked.max(last.seq);
    tx.execute(
        "UPDATE branches SET acked_seq = ?2, entries_received = entries_received + ?3, last_upload_at = ?4, \
         schema_version = ?5, waiting_after = ?6, oldest_waiting_at = ?7 WHERE code = ?1",
        params![
            branch,
            acked,
            new,
            now,
            batch.schema,
            batch.waiting_after,
            batch.oldest_waiting_at
        ],
    )?;
    let mut aside = tx.prepare_cached(
        "SELECT seq, set_aside FROM changes WHERE branch = ?1 AND seq BETWEEN ?2 AND ?3 AND set_aside IS NOT NULL ORDER BY seq",
    )?;
    let set_aside = aside
        .query_map(params![branch, first.seq, last.seq], |r| {
            Ok(SetAside {
                seq: r.get(0)?,
                reason: r.get(1)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(Reply {
        acked: Some(acked),
        set_aside,
        ..Reply::default()
    })
}

/// The columns of a record head office reads: its key (one of `id`, `code`, `reference`, `loan_id`, `day`) and
/// what the search and totals tables keep. Parsed straight from the record's text, skipping
/// the other columns, and borrowing where it can: most of head office's time per entry.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Fields<'a> {
    #[serde(borrow)]
    id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    code: Option<Cow<'a, str>>,
    #[serde(borrow)]
    reference: Option<Cow<'a, str>>,
    #[serde(borrow)]
    full_name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    phone: Option<Cow<'a, str>>,
    #[serde(borrow)]
    id_number: Option<Cow<'a, str>>,
    #[serde(borrow)]
    date_of_birth: Option<Cow<'a, str>>,
    #[serde(borrow)]
    merged_into: Option<Cow<'a, str>>,
    #[serde(borrow)]
    customer_id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    ticket_no: Option<Cow<'a, str>>,
    #[serde(borrow)]
    state: Option<Cow<'a, str>>,
    #[serde(borrow)]
    loan_id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    kind: Option<Cow<'a, str>>,
    amount: Option<i64>,
    #[serde(borrow)]
    reverses: Option<Cow<'a, str>>,
    #[serde(borrow)]
    day: Option<Cow<'a, str>>,
}

impl Fields<'_> {
    fn key(&self, column: &str) -> Option<&str> {
        match column {
            "id" => self.id.as_deref(),
            "code" => self.code.as_deref(),
            "reference" => self.reference.as_deref(),
            // A ticket's disposal, sale and surplus settlement: one each, keyed by the ticket.
            "loan_id" => self.loan_id.as_deref(),
            // A closed business day.
            "day" => self.day.as_deref(),
            _ => None,
        }
    }
}

/// Applies one entry to the current state; returns why it was set aside, if it was.
fn apply(tx: &Transaction, branch: &str, entry: &Entry) -> rusqlite::Result<Option<String>> {
    let Some(spec) = changes::synced(&entry.entity) else {
        return Ok(Some(format!("unknown record type {:?}", entry.entity)));
    };
    if entry.op == "delete" {
        tx.prepare_cached(
            "UPDATE records SET deleted = 1, seq = ?4 WHERE branch = ?1 AND entity = ?2 AND record_id = ?3",
        )?
        .execute(params![branch, entry.entity, entry.id, entry.seq])?;
        return Ok(None);
    }
    let Some(text) = &entry.data else {
        return Ok(Some("the entry carries no record".to_owned()));
    };
    let record: Fields = match serde_json::from_str(text) {
        Ok(fields) => fields,
        Err(e) => {
            return Ok(Some(format!(
                "the record is not a JSON object of its columns ({e})"
            )));
        }
    };
    let key = record.key(spec.key).unwrap_or("");
    if key != entry.id {
        return Ok(Some(format!(
            "the record's {} ({key:?}) is not the entry's record id {:?}",
            spec.key, entry.id
        )));
    }
    // Only the ledger needs to know (see below); the lookup is not free at a million entries.
    let existed = entry.entity == "ledger"
        && tx
            .prepare_cached(
                "SELECT 1 FROM records WHERE branch = ?1 AND entity = ?2 AND record_id = ?3",
            )?
            .exists(params![branch, entry.entity, entry.id])?;
    tx.prepare_cached(
        "INSERT INTO records (branch, entity, record_id, data, seq, deleted) VALUES (?1, ?2, ?3, ?4, ?5, 0) \
         ON CONFLICT (branch, entity, record_id) DO UPDATE SET data = excluded.data, seq = excluded.seq, deleted = 0",
    )?
    .execute(params![branch, entry.entity, entry.id, text, entry.seq])?;
    match entry.entity.as_str() {
        "customers" => {
            tx.prepare_cached(
                "INSERT INTO customers (branch, record_id, full_name, phone, id_number, date_of_birth, merged_into) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) \
                 ON CONFLICT (branch, record_id) DO UPDATE SET full_name = excluded.full_name, phone = excluded.phone, \
                 id_number = excluded.id_number, date_of_birth = excluded.date_of_birth, merged_into = excluded.merged_into",
            )?
            .execute(params![
                branch,
                entry.id,
                record.full_name.as_deref().unwrap_or_default(),
                record.phone.as_deref().unwrap_or_default(),
                record.id_number.as_deref(),
                record.date_of_birth.as_deref(),
                record.merged_into.as_deref(),
            ])?;
        }
        "loans" => {
            tx.prepare_cached(
                "INSERT INTO loans (branch, record_id, customer_id, ticket_no, state) VALUES (?1, ?2, ?3, ?4, ?5) \
                 ON CONFLICT (branch, record_id) DO UPDATE SET customer_id = excluded.customer_id, \
                 ticket_no = excluded.ticket_no, state = excluded.state",
            )?
            .execute(params![
                branch,
                entry.id,
                record.customer_id.as_deref().unwrap_or_default(),
                record.ticket_no.as_deref().unwrap_or_default(),
                record.state.as_deref().unwrap_or_default(),
            ])?;
        }
        // Ledger rows are only ever inserted; one seen again (a re-logged table after an
        // upgrade) must not count twice.
        "ledger" if !existed => {
            let delta = principal_delta(tx, branch, &record)?;
            if delta != 0
                && let Some(loan) = record.loan_id.as_deref()
            {
                tx.prepare_cached(
                    "INSERT INTO loans (branch, record_id, principal_out) VALUES (?1, ?2, ?3) \
                     ON CONFLICT (branch, record_id) DO UPDATE SET principal_out = principal_out + excluded.principal_out",
                )?
                .execute(params![branch, loan, delta])?;
            }
        }
        _ => {}
    }
    Ok(None)
}

/// How a ledger row changes the principal outstanding: a disbursement adds, a principal
/// payment takes away, a reversal undoes the row it reverses.
fn principal_delta(tx: &Transaction, branch: &str, row: &Fields) -> rusqlite::Result<i64> {
    let amount = row.amount.unwrap_or(0);
    let sign = |kind: &str| match kind {
        "disbursement" => 1,
        "principal" => -1,
        _ => 0,
    };
    match row.kind.as_deref() {
        Some("reversal") => {
            let Some(reversed) = row.reverses.as_deref() else {
                return Ok(0);
            };
            let kind: Option<String> = tx
                .prepare_cached(
                    "SELECT json_extract(data, '$.kind') FROM records WHERE branch = ?1 AND entity = 'ledger' AND record_id = ?2",
                )?
                .query_row(params![branch, reversed], |r| r.get(0))
                .optional()?
                .flatten();
            Ok(-sign(kind.as_deref().unwrap_or("")) * amount)
        }
        Some(kind) => Ok(sign(kind) * amount),
        None => Ok(0),
    }
}

/// Outstanding tickets of one branch: how many, and the principal they still owe.
pub(crate) fn outstanding(
    conn: &rusqlite::Connection,
    branch: &str,
) -> rusqlite::Result<(i64, i64)> {
    let placeholders = OPEN_STATES
        .iter()
        .map(|s| format!("'{s}'"))
        .collect::<Vec<_>>()
        .join(", ");
    conn.query_row(
        &format!(
            "SELECT COUNT(*), COALESCE(SUM(principal_out), 0) FROM loans WHERE branch = ?1 AND state IN ({placeholders})"
        ),
        [branch],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::plumbing::db::{self, Db, Schema};
    use std::time::Duration;

    fn hq() -> (tempfile::TempDir, Db) {
        let dir = tempfile::tempdir().unwrap();
        let db =
            Db::open_schema(dir.path(), Schema::HeadOffice, Duration::from_secs(5), 2).unwrap();
        db.conn()
            .unwrap()
            .execute(
                "INSERT INTO branches (code, name, credential_hash, created_at) VALUES ('BR01', 'One', x'00', '2026-01-01')",
                [],
            )
            .unwrap();
        (dir, db)
    }

    fn entry(seq: i64, entity: &str, id: &str, data: &str) -> Entry {
        Entry {
            seq,
            entity: entity.to_owned(),
            id: id.to_owned(),
            op: "insert".to_owned(),
            data: Some(data.to_owned()),
            at: "2026-01-01 00:00:00.000+00:00".to_owned(),
        }
    }

    fn batch(entries: Vec<Entry>) -> Batch {
        Batch {
            branch: "BR01".to_owned(),
            schema: db::known_version(),
            entries,
            waiting_after: 0,
            oldest_waiting_at: None,
        }
    }

    fn store(db: &Db, b: &Batch) -> Result<Reply, ReceiveError> {
        check(b, "BR01", db::known_version())?;
        let mut conn = db.conn().unwrap();
        let tx = db::immediate(&mut conn).unwrap();
        let reply = receive(
            &tx,
            "BR01",
            b,
            crate::plumbing::clock::Clock::now(&crate::plumbing::clock::SystemClock),
        )?;
        tx.commit().unwrap();
        Ok(reply)
    }

    fn customer(seq: i64, id: &str) -> Entry {
        entry(
            seq,
            "customers",
            id,
            &format!("{{\"id\":\"{id}\",\"full_name\":\"Siti\",\"phone\":\"+628111\"}}"),
        )
    }

    fn count(db: &Db, sql: &str) -> i64 {
        db.conn().unwrap().query_row(sql, [], |r| r.get(0)).unwrap()
    }

    #[test]
    fn stores_in_order_and_replays_are_acknowledged_not_stored() {
        let (_dir, db) = hq();
        let b = batch(vec![customer(1, "C1"), customer(2, "C2")]);
        assert_eq!(store(&db, &b).unwrap().acked, Some(2));
        assert_eq!(store(&db, &b).unwrap().acked, Some(2));
        assert_eq!(count(&db, "SELECT COUNT(*) FROM changes"), 2);
        assert_eq!(count(&db, "SELECT entries_received FROM branches"), 2);
        // Overlapping: 2 again, then 3.
        let b = batch(vec![customer(2, "C2"), customer(3, "C3")]);
        assert_eq!(store(&db, &b).unwrap().acked, Some(3));
        assert_eq!(count(&db, "SELECT COUNT(*) FROM customers"), 3);
    }

    #[test]
    fn refuses_gaps_and_changed_replays() {
        let (_dir, db) = hq();
        store(&db, &batch(vec![customer(1, "C1")])).unwrap();
        let e = store(&db, &batch(vec![customer(3, "C3")])).unwrap_err();
        assert!(matches!(e, ReceiveError::Gap { acked: 1, first: 3 }), "{e}");
        let e = store(&db, &batch(vec![customer(1, "C9")])).unwrap_err();
        assert!(
            matches!(e, ReceiveError::Conflict { acked: 1, seq: 1 }),
            "{e}"
        );
        assert_eq!(count(&db, "SELECT COUNT(*) FROM changes"), 1);
    }

    #[test]
    fn malformed_batches_are_refused_whole() {
        let (_dir, db) = hq();
        let mut b = batch(vec![customer(1, "C1"), customer(3, "C3")]);
        assert!(matches!(store(&db, &b), Err(ReceiveError::Malformed(_))));
        b.entries[1].seq = 2;
        b.entries[1].op = "upsert".to_owned();
        assert!(matches!(store(&db, &b), Err(ReceiveError::Malformed(_))));
        let mut b = batch(vec![customer(1, "C1")]);
        b.schema = db::known_version() + 1;
        let e = store(&db, &b).unwrap_err().to_string();
        assert!(e.contains("head office first"), "{e}");
        b.schema = db::known_version() - 1;
        assert!(store(&db, &b).is_ok(), "the previous version is accepted");
        b.schema = db::known_version() - 2;
        b.entries[0].seq = 2;
        assert!(matches!(store(&db, &b), Err(ReceiveError::Malformed(_))));
        let mut b = batch(vec![customer(2, "C2")]);
        b.branch = "BR02".to_owned();
        assert!(matches!(store(&db, &b), Err(ReceiveError::Malformed(_))));
        assert_eq!(count(&db, "SELECT COUNT(*) FROM changes"), 1);
    }

    #[test]
    fn records_that_cannot_apply_are_set_aside_and_the_rest_flows() {
        let (_dir, db) = hq();
        let b = batch(vec![
            customer(1, "C1"),
            entry(2, "spaceships", "X1", "{\"id\":\"X1\"}"),
            entry(3, "customers", "C2", "[1, 2]"),
            entry(4, "customers", "C3", "{\"id\":\"C4\"}"),
            customer(5, "C5"),
        ]);
        let reply = store(&db, &b).unwrap();
        assert_eq!(reply.acked, Some(5));
        let seqs: Vec<i64> = reply.set_aside.iter().map(|s| s.seq).collect();
        assert_eq!(seqs, [2, 3, 4]);
        assert!(reply.set_aside[0].reason.contains("spaceships"));
        assert_eq!(count(&db, "SELECT COUNT(*) FROM customers"), 2);
        // A replay reports them again (the branch may have missed the first reply).
        assert_eq!(store(&db, &b).unwrap().set_aside.len(), 3);
    }

    #[test]
    fn the_search_across_branches_finds_customers_but_not_merged_records() {
        let (_dir, db) = hq();
        let merged = entry(
            2,
            "customers",
            "C2",
            "{\"id\":\"C2\",\"full_name\":\"Siti Dua\",\"phone\":\"+6281300000002\",\"merged_into\":\"C1\"}",
        );
        store(&db, &batch(vec![customer(1, "C1"), merged])).unwrap();
        let conn = db.conn().unwrap();
        let found = |q: &str| -> Vec<String> {
            super::super::pages::search(&conn, q, "ID")
                .unwrap()
                .into_iter()
                .map(|f| f.record_id)
                .collect()
        };
        assert_eq!(found("siti"), ["C1"]);
        assert!(found("0813-0000-0002").is_empty(), "the merged record");
    }

    #[test]
    fn outstanding_principal_follows_the_ledger_and_its_reversals() {
        let (_dir, db) = hq();
        let loan = |seq, state: &str| {
            entry(
                seq,
                "loans",
                "L1",
                &format!(
                    "{{\"id\":\"L1\",\"customer_id\":\"C1\",\"ticket_no\":\"T1\",\"state\":\"{state}\"}}"
                ),
            )
        };
        let ledger = |seq, id: &str, kind: &str, amount: i64, reverses: &str| {
            entry(
                seq,
                "ledger",
                id,
                &format!(
                    "{{\"id\":\"{id}\",\"loan_id\":\"L1\",\"kind\":\"{kind}\",\"amount\":{amount},\"reverses\":{reverses}}}"
                ),
            )
        };
        store(
            &db,
            &batch(vec![
                customer(1, "C1"),
                loan(2, "active"),
                ledger(3, "G1", "disbursement", 1_000_000, "null"),
                ledger(4, "G2", "interest", 12_500, "null"),
                ledger(5, "G3", "principal", 300_000, "null"),
                ledger(6, "G4", "reversal", 300_000, "\"G3\""),
                ledger(7, "G5", "principal", 100_000, "null"),
            ]),
        )
        .unwrap();
        let conn = db.conn().unwrap();
        assert_eq!(outstanding(&conn, "BR01").unwrap(), (1, 900_000));
        drop(conn);
        // The same row logged again (a table re-logged after an upgrade) counts once.
        let mut again = ledger(9, "G5", "principal", 100_000, "null");
        again.op = "insert".to_owned();
        store(&db, &batch(vec![loan(8, "redeemed"), again])).unwrap();
        let conn = db.conn().unwrap();
        assert_eq!(outstanding(&conn, "BR01").unwrap(), (0, 0));
        let out: i64 = conn
            .query_row("SELECT principal_out FROM loans", [], |r| r.get(0))
            .unwrap();
        assert_eq!(out, 900_000);
    }

    #[test]
    fn disposals_keyed_by_their_ticket_are_stored_not_set_aside() {
        let (_dir, db) = hq();
        let sale = entry(
            2,
            "disposal_sales",
            "L1",
            "{\"loan_id\":\"L1\",\"channel\":\"auction\",\"price\":1500000,\"surplus\":200000}",
        );
        let stock = entry(
            1,
            "disposals",
            "L1",
            "{\"loan_id\":\"L1\",\"on_date\":\"2026-01-02\"}",
        );
        let reply = store(&db, &batch(vec![stock, sale])).unwrap();
        assert!(reply.set_aside.is_empty(), "{:?}", reply.set_aside);
        assert_eq!(
            count(
                &db,
                "SELECT COUNT(*) FROM records WHERE entity IN ('disposals', 'disposal_sales')"
            ),
            2
        );
    }
}
