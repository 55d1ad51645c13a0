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

use serde::Deserialize;

use super::reports::{self, ReportRow};
use super::store::StoreError;
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
    Db(#[from] StoreError),
}

/// States of a ticket that still owe principal (the branch's open states).
pub(crate) const OPEN_STATES: &[&str] = &["active", "due", "grace", "notice"];

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

/// A new entry as head office keeps it in the raw change log.
pub(crate) struct Stored<'a> {
    pub(crate) entry: &'a Entry,
    pub(crate) digest: &'a [u8],
    pub(crate) received_at: DateTime<Utc>,
    pub(crate) set_aside: Option<&'a str>,
}

/// A customer as the search across branches keeps it.
pub(crate) struct Customer<'a> {
    pub(crate) full_name: &'a str,
    pub(crate) phone: &'a str,
    pub(crate) id_number: Option<&'a str>,
    pub(crate) date_of_birth: Option<&'a str>,
    pub(crate) merged_into: Option<&'a str>,
}

/// A ticket as the totals per branch keep it.
pub(crate) struct Ticket<'a> {
    pub(crate) customer_id: &'a str,
    pub(crate) ticket_no: &'a str,
    pub(crate) state: &'a str,
}

/// Where a branch's log stands after a batch.
pub(crate) struct Position<'a> {
    pub(crate) acked: i64,
    pub(crate) new_entries: i64,
    pub(crate) at: DateTime<Utc>,
    pub(crate) batch: &'a Batch,
}

/// What the receive rules need from head office's store, all inside one write transaction
/// that the store opened and commits. Each store (`store::sqlite`, `store::postgres`) says
/// only how these are kept; the rules are [`receive`]'s alone.
pub(crate) trait Receiving {
    /// The last entry stored of `branch`, its row locked until the transaction ends, so two
    /// receivers given the same batch store it once.
    fn lock_branch(&mut self, branch: &str) -> Result<i64, StoreError>;
    /// The digest of entry `seq` as stored.
    fn stored_digest(&mut self, branch: &str, seq: i64) -> Result<Option<Vec<u8>>, StoreError>;
    /// Keeps a new entry in the raw change log.
    fn keep_entry(&mut self, branch: &str, stored: &Stored) -> Result<(), StoreError>;
    /// The current state of a record, if head office has one.
    fn record(
        &mut self,
        branch: &str,
        entity: &str,
        id: &str,
    ) -> Result<Option<String>, StoreError>;
    /// Writes the current state of a record (`data`, written by entry `seq`).
    fn keep_record(&mut self, branch: &str, entry: &Entry, data: &str) -> Result<(), StoreError>;
    /// Marks a record deleted by entry `seq` (its last state kept).
    fn mark_deleted(&mut self, branch: &str, entry: &Entry) -> Result<(), StoreError>;
    /// Writes a customer for the search across branches.
    fn keep_customer(&mut self, branch: &str, id: &str, c: &Customer) -> Result<(), StoreError>;
    /// Writes a ticket's state for the totals (its principal untouched).
    fn keep_ticket(&mut self, branch: &str, id: &str, t: &Ticket) -> Result<(), StoreError>;
    /// Adds `delta` to a ticket's principal outstanding.
    fn add_principal(&mut self, branch: &str, loan: &str, delta: i64) -> Result<(), StoreError>;
    /// Writes a record's row of the chain reports, or (`None`) removes it (`reports::project`).
    fn keep_report_row(
        &mut self,
        branch: &str,
        entity: &str,
        id: &str,
        row: Option<&ReportRow>,
    ) -> Result<(), StoreError>;
    /// Moves the branch's position on.
    fn move_position(&mut self, branch: &str, p: &Position) -> Result<(), StoreError>;
    /// The entries from `first` to `last` stored but set aside, in order.
    fn set_aside(
        &mut self,
        branch: &str,
        first: i64,
        last: i64,
    ) -> Result<Vec<SetAside>, StoreError>;
}

/// Stores a checked batch of `branch` through `store` (inside its transaction; the store
/// commits). Returns the reply for the branch.
pub(crate) fn receive<R: Receiving + ?Sized>(
    store: &mut R,
    branch: &str,
    batch: &Batch,
    now: DateTime<Utc>,
) -> Result<Reply, ReceiveError> {
    let (Some(first), Some(last)) = (batch.entries.first(), batch.entries.last()) else {
        return Err(ReceiveError::Malformed(
            "the batch has no entries".to_owned(),
        ));
    };
    let acked = store.lock_branch(branch)?;
    if first.seq > acked + 1 {
        return Err(ReceiveError::Gap {
            acked,
            first: first.seq,
        });
    }
    let mut new = 0i64;
    for entry in &batch.entries {
        let digest = entry.digest();
        if entry.seq <= acked {
            if store.stored_digest(branch, entry.seq)?.as_deref() != Some(digest.as_slice()) {
                return Err(ReceiveError::Conflict {
                    acked,
                    seq: entry.seq,
                });
            }
            continue;
        }
        let set_aside = apply(store, branch, entry)?;
        let stored = Stored {
            entry,
            digest: digest.as_slice(),
            received_at: now,
            set_aside: set_aside.as_deref(),
        };
        store.keep_entry(branch, &stored)?;
        new += 1;
    }
    let acked = acked.max(last.seq);
    let position = Position {
        acked,
        new_entries: new,
        at: now,
        batch,
    };
    store.move_position(branch, &position)?;
    let set_aside = store.set_aside(branch, first.seq, last.seq)?;
    Ok(Reply {
        acked: Some(acked),
        set_aside,
        ..Reply::default()
    })
}

/// The columns of a record head office reads: its key (one of `id`, `code`, `reference`, `loan_id`, `day`) and
/// what the search, totals and report tables keep. Parsed straight from the record's text, skipping
/// the other columns, and borrowing where it can: most of head office's time per entry.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Fields<'a> {
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
    pub(crate) state: Option<Cow<'a, str>>,
    #[serde(borrow)]
    loan_id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub(crate) kind: Option<Cow<'a, str>>,
    pub(crate) amount: Option<i64>,
    #[serde(borrow)]
    pub(crate) reverses: Option<Cow<'a, str>>,
    #[serde(borrow)]
    day: Option<Cow<'a, str>>,
    // The chain reports' columns (`reports::project`).
    #[serde(borrow)]
    pub(crate) product_id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub(crate) name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub(crate) closed_at: Option<Cow<'a, str>>,
    pub(crate) principal: Option<i64>,
    #[serde(borrow)]
    pub(crate) on_date: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub(crate) channel: Option<Cow<'a, str>>,
    pub(crate) price: Option<i64>,
    #[serde(borrow)]
    pub(crate) category: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub(crate) opened_at: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub(crate) resolved_at: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub(crate) breached_at: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub(crate) response_breached_at: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub(crate) delivery: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub(crate) created_at: Option<Cow<'a, str>>,
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
fn apply<R: Receiving + ?Sized>(
    store: &mut R,
    branch: &str,
    entry: &Entry,
) -> Result<Option<String>, StoreError> {
    let Some(spec) = changes::synced(&entry.entity) else {
        return Ok(Some(format!("unknown record type {:?}", entry.entity)));
    };
    if entry.op == "delete" {
        store.mark_deleted(branch, entry)?;
        reports::forget(store, branch, &entry.entity, &entry.id)?;
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
    let existed =
        entry.entity == "ledger" && store.record(branch, &entry.entity, &entry.id)?.is_some();
    store.keep_record(branch, entry, text)?;
    reports::project(store, branch, &entry.entity, &entry.id, &record)?;
    match entry.entity.as_str() {
        "customers" => {
            let customer = Customer {
                full_name: record.full_name.as_deref().unwrap_or_default(),
                phone: record.phone.as_deref().unwrap_or_default(),
                id_number: record.id_number.as_deref(),
                date_of_birth: record.date_of_birth.as_deref(),
                merged_into: record.merged_into.as_deref(),
            };
            store.keep_customer(branch, &entry.id, &customer)?;
        }
        "loans" => {
            let ticket = Ticket {
                customer_id: record.customer_id.as_deref().unwrap_or_default(),
                ticket_no: record.ticket_no.as_deref().unwrap_or_default(),
                state: record.state.as_deref().unwrap_or_default(),
            };
            store.keep_ticket(branch, &entry.id, &ticket)?;
        }
        // Ledger rows are only ever inserted; one seen again (a re-logged table after an
        // upgrade) must not count twice.
        "ledger" if !existed => {
            let delta = principal_delta(store, branch, &record)?;
            if delta != 0
                && let Some(loan) = record.loan_id.as_deref()
            {
                store.add_principal(branch, loan, delta)?;
            }
        }
        _ => {}
    }
    Ok(None)
}

/// How a ledger row changes the principal outstanding: a disbursement adds, a principal
/// payment takes away, a reversal undoes the row it reverses.
fn principal_delta<R: Receiving + ?Sized>(
    store: &mut R,
    branch: &str,
    row: &Fields,
) -> Result<i64, StoreError> {
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
            let kind = ledger_kind(store, branch, reversed)?;
            Ok(-sign(kind.as_deref().unwrap_or("")) * amount)
        }
        Some(kind) => Ok(sign(kind) * amount),
        None => Ok(0),
    }
}

/// The kind of ledger row `id` of `branch` as head office holds it (none for an unknown row).
pub(crate) fn ledger_kind<R: Receiving + ?Sized>(
    store: &mut R,
    branch: &str,
    id: &str,
) -> Result<Option<String>, StoreError> {
    let data = store.record(branch, "ledger", id)?.unwrap_or_default();
    Ok(serde_json::from_str::<Fields>(&data)
        .ok()
        .and_then(|f| f.kind.map(Cow::into_owned)))
}

#[cfg(test)]
pub(crate) mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::hq::store::Store;
    use crate::hq::store::testing::both_stores;
    use crate::plumbing::clock::{Clock, SystemClock};
    use crate::plumbing::db;

    /// `store` with branch BR01 registered.
    pub(crate) fn with_branch(store: &Store) -> &Store {
        store.add_branch("BR01", "One", SystemClock.now()).unwrap();
        store
    }

    pub(crate) fn entry(seq: i64, entity: &str, id: &str, data: &str) -> Entry {
        Entry {
            seq,
            entity: entity.to_owned(),
            id: id.to_owned(),
            op: "insert".to_owned(),
            data: Some(data.to_owned()),
            at: "2026-01-01 00:00:00.000+00:00".to_owned(),
        }
    }

    pub(crate) fn batch(entries: Vec<Entry>) -> Batch {
        Batch {
            branch: "BR01".to_owned(),
            schema: db::known_version(),
            entries,
            waiting_after: 0,
            oldest_waiting_at: None,
        }
    }

    pub(crate) fn store(store: &Store, b: &Batch) -> Result<Reply, ReceiveError> {
        check(b, "BR01", db::known_version())?;
        store.receive("BR01", b, SystemClock.now())
    }

    pub(crate) fn customer(seq: i64, id: &str) -> Entry {
        entry(
            seq,
            "customers",
            id,
            &format!("{{\"id\":\"{id}\",\"full_name\":\"Siti\",\"phone\":\"+628111\"}}"),
        )
    }

    both_stores!(
        stores_in_order_and_replays_are_acknowledged_not_stored,
        refuses_gaps_and_changed_replays,
        malformed_batches_are_refused_whole,
        records_that_cannot_apply_are_set_aside_and_the_rest_flows,
        the_search_across_branches_finds_customers_but_not_merged_records,
        outstanding_principal_follows_the_ledger_and_its_reversals,
        disposals_keyed_by_their_ticket_are_stored_not_set_aside,
    );

    fn stores_in_order_and_replays_are_acknowledged_not_stored(s: &Store) {
        let s = with_branch(s);
        let b = batch(vec![customer(1, "C1"), customer(2, "C2")]);
        assert_eq!(store(s, &b).unwrap().acked, Some(2));
        assert_eq!(store(s, &b).unwrap().acked, Some(2));
        assert_eq!(s.count("SELECT COUNT(*) FROM changes"), 2);
        assert_eq!(s.count("SELECT entries_received FROM branches"), 2);
        // Overlapping: 2 again, then 3.
        let b = batch(vec![customer(2, "C2"), customer(3, "C3")]);
        assert_eq!(store(s, &b).unwrap().acked, Some(3));
        assert_eq!(s.count("SELECT COUNT(*) FROM customers"), 3);
    }

    fn refuses_gaps_and_changed_replays(s: &Store) {
        let s = with_branch(s);
        store(s, &batch(vec![customer(1, "C1")])).unwrap();
        let e = store(s, &batch(vec![customer(3, "C3")])).unwrap_err();
        assert!(matches!(e, ReceiveError::Gap { acked: 1, first: 3 }), "{e}");
        let e = store(s, &batch(vec![customer(1, "C9")])).unwrap_err();
        assert!(
            matches!(e, ReceiveError::Conflict { acked: 1, seq: 1 }),
            "{e}"
        );
        assert_eq!(s.count("SELECT COUNT(*) FROM changes"), 1);
    }

    fn malformed_batches_are_refused_whole(s: &Store) {
        let s = with_branch(s);
        let mut b = batch(vec![customer(1, "C1"), customer(3, "C3")]);
        assert!(matches!(store(s, &b), Err(ReceiveError::Malformed(_))));
        b.entries[1].seq = 2;
        b.entries[1].op = "upsert".to_owned();
        assert!(matches!(store(s, &b), Err(ReceiveError::Malformed(_))));
        let mut b = batch(vec![customer(1, "C1")]);
        b.schema = db::known_version() + 1;
        let e = store(s, &b).unwrap_err().to_string();
        assert!(e.contains("head office first"), "{e}");
        b.schema = db::known_version() - 1;
        assert!(store(s, &b).is_ok(), "the previous version is accepted");
        b.schema = db::known_version() - 2;
        b.entries[0].seq = 2;
        assert!(matches!(store(s, &b), Err(ReceiveError::Malformed(_))));
        let mut b = batch(vec![customer(2, "C2")]);
        b.branch = "BR02".to_owned();
        assert!(matches!(store(s, &b), Err(ReceiveError::Malformed(_))));
        assert_eq!(s.count("SELECT COUNT(*) FROM changes"), 1);
    }

    fn records_that_cannot_apply_are_set_aside_and_the_rest_flows(s: &Store) {
        let s = with_branch(s);
        let b = batch(vec![
            customer(1, "C1"),
            entry(2, "spaceships", "X1", "{\"id\":\"X1\"}"),
            entry(3, "customers", "C2", "[1, 2]"),
            entry(4, "customers", "C3", "{\"id\":\"C4\"}"),
            customer(5, "C5"),
        ]);
        let reply = store(s, &b).unwrap();
        assert_eq!(reply.acked, Some(5));
        let seqs: Vec<i64> = reply.set_aside.iter().map(|s| s.seq).collect();
        assert_eq!(seqs, [2, 3, 4]);
        assert!(reply.set_aside[0].reason.contains("spaceships"));
        assert_eq!(s.count("SELECT COUNT(*) FROM customers"), 2);
        // A replay reports them again (the branch may have missed the first reply).
        assert_eq!(store(s, &b).unwrap().set_aside.len(), 3);
        let listed: Vec<i64> = s
            .set_aside_entries("BR01")
            .unwrap()
            .iter()
            .map(|e| e.seq)
            .collect();
        assert_eq!(listed, [4, 3, 2], "the branch's page, newest first");
    }

    fn the_search_across_branches_finds_customers_but_not_merged_records(s: &Store) {
        let s = with_branch(s);
        let merged = entry(
            2,
            "customers",
            "C2",
            "{\"id\":\"C2\",\"full_name\":\"Siti Dua\",\"phone\":\"+6281300000002\",\"merged_into\":\"C1\"}",
        );
        store(s, &batch(vec![customer(1, "C1"), merged])).unwrap();
        let found = |q: &str| -> Vec<String> {
            s.search_customers(q, "ID")
                .unwrap()
                .into_iter()
                .map(|f| f.record_id)
                .collect()
        };
        assert_eq!(found("siti"), ["C1"], "any case");
        assert!(found("0813-0000-0002").is_empty(), "the merged record");
        assert!(found("100%").is_empty(), "LIKE's wildcards are text");
    }

    fn outstanding_principal_follows_the_ledger_and_its_reversals(s: &Store) {
        let s = with_branch(s);
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
            s,
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
        assert_eq!(s.outstanding("BR01").unwrap(), (1, 900_000));
        // The same row logged again (a table re-logged after an upgrade) counts once.
        let mut again = ledger(9, "G5", "principal", 100_000, "null");
        again.op = "insert".to_owned();
        store(s, &batch(vec![loan(8, "redeemed"), again])).unwrap();
        assert_eq!(s.outstanding("BR01").unwrap(), (0, 0));
        assert_eq!(s.count("SELECT principal_out FROM loans"), 900_000);
    }

    fn disposals_keyed_by_their_ticket_are_stored_not_set_aside(s: &Store) {
        let s = with_branch(s);
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
        let reply = store(s, &batch(vec![stock, sale])).unwrap();
        assert!(reply.set_aside.is_empty(), "{:?}", reply.set_aside);
        assert_eq!(
            s.count("SELECT COUNT(*) FROM records WHERE entity IN ('disposals', 'disposal_sales')"),
            2
        );
    }
}
