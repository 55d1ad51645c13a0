//! Compaction of head office's raw change log (`[hq] compact_after_days`): `changes` keeps
//! every entry ever received, `records` each record's latest state, so an old entry whose
//! record has moved on (or that is the record's state itself) is only history. Compaction
//! removes such entries, branch by branch in pages of bounded size (one short transaction
//! each, so receivers wait little), and keeps each removed entry's digest in
//! `compacted_changes`: the receive rules still answer a compacted sequence number sent again
//! as a replay, and one sent with different content as a conflict.
//!
//! The rules are [`verdict`]'s alone; each store (`store::sqlite`, `store::postgres`) says only
//! how it reads a page of entries and forgets one ([`Compacting`]).

use chrono::{DateTime, Utc};

use super::store::StoreError;

/// How many entries one compaction transaction looks at, at most.
pub(crate) const PAGE: i64 = 2_000;

/// An entry of the raw change log as compaction sees it.
#[derive(Debug, Clone)]
pub(crate) struct Candidate {
    pub(crate) seq: i64,
    pub(crate) received_at: DateTime<Utc>,
    /// Whether the entry was stored but set aside (never compacted: the branch's page lists it).
    pub(crate) set_aside: bool,
    /// The sequence number of the entry that wrote its record's current state, if head office
    /// has the record.
    pub(crate) record_seq: Option<i64>,
}

/// What compaction does with one entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Remove it, keeping its digest.
    Forget,
    /// Keep it, and look at the next.
    Keep,
    /// Keep it and stop at this branch: it and every later entry are younger than the age.
    Stop,
}

/// The rules: an entry goes when it was received before `before`, is within what the branch
/// has stored (`acked`), was applied (not set aside), and its record's current state is this
/// entry's or a later one's.
pub(crate) fn verdict(c: &Candidate, acked: i64, before: DateTime<Utc>) -> Verdict {
    if c.received_at >= before || c.seq > acked {
        return Verdict::Stop;
    }
    let reflected = c.record_seq.is_some_and(|r| r >= c.seq);
    if c.set_aside || !reflected {
        return Verdict::Keep;
    }
    Verdict::Forget
}

/// What compaction needs from head office's store, inside one write transaction the store
/// opened and commits.
pub(crate) trait Compacting {
    /// The last entry stored of `branch`.
    fn acked(&mut self, branch: &str) -> Result<i64, StoreError>;
    /// At most `limit` entries of `branch` after `after`, in order.
    fn entries_after(
        &mut self,
        branch: &str,
        after: i64,
        limit: i64,
    ) -> Result<Vec<Candidate>, StoreError>;
    /// Removes entry `seq` from the raw change log, keeping its digest.
    fn forget(&mut self, branch: &str, seq: i64) -> Result<(), StoreError>;
}

/// One page of one branch: how many entries went, and where the next page starts (`None`
/// when the branch is done).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Page {
    pub(crate) removed: u64,
    pub(crate) next: Option<i64>,
}

/// Compacts the page of `branch` after entry `after` by [`verdict`].
pub(crate) fn compact_page<C: Compacting + ?Sized>(
    store: &mut C,
    branch: &str,
    after: i64,
    before: DateTime<Utc>,
    limit: i64,
) -> Result<Page, StoreError> {
    let acked = store.acked(branch)?;
    let entries = store.entries_after(branch, after, limit)?;
    let mut removed = 0;
    for c in &entries {
        match verdict(c, acked, before) {
            Verdict::Stop => {
                return Ok(Page {
                    removed,
                    next: None,
                });
            }
            Verdict::Keep => {}
            Verdict::Forget => {
                store.forget(branch, c.seq)?;
                removed += 1;
            }
        }
    }
    let full = entries.len() as i64 >= limit;
    Ok(Page {
        removed,
        next: entries.last().filter(|_| full).map(|c| c.seq),
    })
}

/// The age before which entries may go, by `[hq] compact_after_days` (`None`: 0, never).
pub(crate) fn cutoff(days: u32, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    (days > 0).then(|| now - chrono::Duration::days(i64::from(days)))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn at(day: u32) -> DateTime<Utc> {
        format!("2026-01-{day:02}T00:00:00Z").parse().unwrap()
    }

    fn candidate(seq: i64, day: u32, record_seq: Option<i64>) -> Candidate {
        Candidate {
            seq,
            received_at: at(day),
            set_aside: false,
            record_seq,
        }
    }

    #[test]
    fn only_old_applied_entries_already_reflected_go() {
        let before = at(10);
        assert_eq!(
            verdict(&candidate(1, 1, Some(1)), 9, before),
            Verdict::Forget
        );
        assert_eq!(
            verdict(&candidate(1, 1, Some(5)), 9, before),
            Verdict::Forget
        );
        // Its record's state is not (yet) this entry's: a delete of a record head office never had.
        assert_eq!(verdict(&candidate(1, 1, None), 9, before), Verdict::Keep);
        assert_eq!(verdict(&candidate(6, 1, Some(5)), 9, before), Verdict::Keep);
        let aside = Candidate {
            set_aside: true,
            ..candidate(2, 1, Some(2))
        };
        assert_eq!(verdict(&aside, 9, before), Verdict::Keep);
        assert_eq!(
            verdict(&candidate(3, 10, Some(3)), 9, before),
            Verdict::Stop
        );
        assert_eq!(
            verdict(&candidate(12, 1, Some(12)), 9, before),
            Verdict::Stop
        );
    }

    #[test]
    fn zero_days_never_compacts() {
        assert_eq!(cutoff(0, at(10)), None);
        assert_eq!(cutoff(3, at(10)), Some(at(7)));
    }

    use crate::hq::receive::ReceiveError;
    use crate::hq::receive::tests::{batch, customer, entry, store, with_branch};
    use crate::hq::store::Store;
    use crate::hq::store::testing::both_stores;
    use crate::plumbing::clock::{Clock, SystemClock};

    both_stores!(
        old_reflected_entries_go_and_their_replays_are_still_replays_or_conflicts,
        young_set_aside_and_unacknowledged_entries_stay,
    );

    /// Compacts everything received before a day from now, three entries a page.
    fn compact_all(s: &Store) -> u64 {
        let before = SystemClock.now() + chrono::Duration::days(1);
        s.compact(before, 3, &|| true).unwrap()
    }

    fn changes(s: &Store) -> Vec<i64> {
        s.texts("SELECT CAST(seq AS TEXT) FROM changes ORDER BY seq")
            .iter()
            .map(|t| t.parse().unwrap())
            .collect()
    }

    fn old_reflected_entries_go_and_their_replays_are_still_replays_or_conflicts(s: &Store) {
        let s = with_branch(s);
        let mut delete = customer(5, "C9");
        delete.op = "delete".to_owned();
        let b = batch(vec![
            customer(1, "C1"),
            customer(2, "C1"),
            customer(3, "C2"),
            entry(4, "spaceships", "X1", "{\"id\":\"X1\"}"),
            delete,
            customer(6, "C3"),
            customer(7, "C4"),
        ]);
        store(s, &b).unwrap();
        assert_eq!(compact_all(s), 5, "1, 2, 3, 6 and 7, over three pages");
        assert_eq!(
            changes(s),
            [4, 5],
            "kept: the set-aside entry, and the delete of a record head office never had"
        );
        assert_eq!(s.count("SELECT COUNT(*) FROM compacted_changes"), 5);
        assert_eq!(
            s.count("SELECT COUNT(*) FROM records"),
            4,
            "current state kept"
        );

        // The whole batch again: a replay, nothing stored or counted twice.
        let reply = store(s, &b).unwrap();
        assert_eq!(reply.acked, Some(7));
        assert_eq!(changes(s), [4, 5]);
        assert_eq!(s.count("SELECT entries_received FROM branches"), 7);
        // A compacted number with different content is still a conflict.
        let e = store(s, &batch(vec![customer(2, "C7")])).unwrap_err();
        assert!(
            matches!(e, ReceiveError::Conflict { acked: 7, seq: 2 }),
            "{e}"
        );
        // And the log goes on after it.
        assert_eq!(
            store(s, &batch(vec![customer(8, "C5")])).unwrap().acked,
            Some(8)
        );
        assert_eq!(compact_all(s), 1);
    }

    fn young_set_aside_and_unacknowledged_entries_stay(s: &Store) {
        let s = with_branch(s);
        store(s, &batch(vec![customer(1, "C1"), customer(2, "C2")])).unwrap();
        let an_hour_ago = SystemClock.now() - chrono::Duration::hours(1);
        assert_eq!(
            s.compact(an_hour_ago, 100, &|| true).unwrap(),
            0,
            "too young"
        );
        assert_eq!(changes(s), [1, 2]);
        // Nothing after the branch's acknowledged position goes, whatever its age.
        s.run("UPDATE branches SET acked_seq = 1");
        assert_eq!(compact_all(s), 1);
        assert_eq!(changes(s), [2]);
        // Stopped before the first page: nothing goes.
        s.run("UPDATE branches SET acked_seq = 2");
        let before = SystemClock.now() + chrono::Duration::days(1);
        assert_eq!(s.compact(before, 100, &|| false).unwrap(), 0);
        assert_eq!(changes(s), [2]);
    }
}
