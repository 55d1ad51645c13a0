//! Head office's reference data (issue 18): the draft managers edit, the versions they publish
//! (numbered 1, 2, 3, ...; never changed once published), the latest one as the branches
//! fetch it, and the version each branch acknowledged. The set's format and its checks are
//! shared with the branches (`sync::reference`), so head office refuses what a branch would.
//!
//! The rules are here once, over [`ReferenceStorage`], which each of head office's stores
//! implements (`store::sqlite`, `store::postgres`) inside a transaction it opened and commits;
//! `Store` offers them in the users' words (`reference_draft`, `publish_reference`, ...).

use chrono::{DateTime, Utc};
use serde_json::json;

use super::store::StoreError;
use crate::sync::reference::{Published, RefError, ReferenceSet};

/// A head office user's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum HqRole {
    /// Reads the pages.
    Viewer,
    /// Also edits and publishes the reference data.
    Manager,
    /// As a manager.
    Admin,
}

impl HqRole {
    pub(crate) fn code(self) -> &'static str {
        match self {
            HqRole::Viewer => "viewer",
            HqRole::Manager => "manager",
            HqRole::Admin => "admin",
        }
    }

    pub(crate) fn from_code(code: &str) -> Option<HqRole> {
        [HqRole::Viewer, HqRole::Manager, HqRole::Admin]
            .into_iter()
            .find(|r| r.code() == code)
    }

    /// Whether the role edits and publishes reference data.
    pub(crate) fn edits_reference(self) -> bool {
        self >= HqRole::Manager
    }
}

/// A published version as stored: its number, the set as JSON, when.
pub(crate) struct StoredVersion {
    pub(crate) version: i64,
    pub(crate) data: String,
    pub(crate) published_at: DateTime<Utc>,
}

/// What the reference data's rules need from head office's store, inside one transaction the
/// store opened (a write transaction for the writes) and commits. Each store says only how
/// these rows are kept; the rules are this module's alone.
pub(crate) trait ReferenceStorage {
    /// The draft as saved (JSON), if one was.
    fn saved_draft(&mut self) -> Result<Option<String>, StoreError>;
    /// Holds the draft against other editors until the transaction ends.
    fn lock_draft(&mut self) -> Result<(), StoreError>;
    /// Saves the draft (JSON).
    fn keep_draft(&mut self, data: &str, by: &str, now: DateTime<Utc>) -> Result<(), StoreError>;
    /// The latest published version, if any.
    fn latest_version(&mut self) -> Result<Option<StoredVersion>, StoreError>;
    /// The latest version's number (0 before the first publish).
    fn latest_number(&mut self) -> Result<i64, StoreError>;
    /// Stores a new version; refused by the store if that number is taken.
    fn keep_version(&mut self, v: &StoredVersion, by: &str) -> Result<(), StoreError>;
    /// Records `version` as `branch`'s, unless it already acknowledged a later one.
    fn keep_ack(
        &mut self,
        branch: &str,
        version: i64,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// Every registered branch with the version it acknowledged, by code.
    fn acks(&mut self) -> Result<Vec<BranchAck>, StoreError>;
    /// A head office user's role code, if there is such a user.
    fn role(&mut self, username: &str) -> Result<Option<String>, StoreError>;
    /// Gives a user a role code; `false` when there is no such user.
    fn keep_role(&mut self, username: &str, role: &str) -> Result<bool, StoreError>;
    /// Writes one line of head office's audit log.
    fn audit(&mut self, line: &AuditLine, now: DateTime<Utc>) -> Result<(), StoreError>;
}

/// One line of head office's audit log about the reference data.
pub(crate) struct AuditLine<'a> {
    pub(crate) username: &'a str,
    pub(crate) action: &'static str,
    pub(crate) address: &'a str,
    pub(crate) detail: serde_json::Value,
}

/// The role of a head office user (none for an unknown name).
pub(crate) fn role_of(
    s: &mut dyn ReferenceStorage,
    username: &str,
) -> Result<Option<HqRole>, StoreError> {
    Ok(s.role(username)?.as_deref().and_then(HqRole::from_code))
}

/// Gives a head office user another role; `false` when there is no such user.
pub(crate) fn set_role(
    s: &mut dyn ReferenceStorage,
    username: &str,
    role: HqRole,
) -> Result<bool, StoreError> {
    s.keep_role(username, role.code())
}

/// Why the reference data could not be changed or published.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ReferenceError {
    #[error("{0}")]
    Refused(#[from] RefError),
    #[error("the stored reference data is not readable: {0}")]
    Unreadable(String),
    #[error("{0}")]
    Db(#[from] StoreError),
}

impl ReferenceError {
    /// The store's failure, if this is one.
    pub(crate) fn store(&self) -> Option<&StoreError> {
        match self {
            ReferenceError::Db(e) => Some(e),
            _ => None,
        }
    }
}

impl From<ReferenceError> for StoreError {
    /// A failure where nothing the user sent was refused (reading, or the store's own).
    fn from(e: ReferenceError) -> StoreError {
        match e {
            ReferenceError::Db(e) => e,
            other => StoreError::Unreadable(other.to_string()),
        }
    }
}

fn parse(data: &str) -> Result<ReferenceSet, ReferenceError> {
    serde_json::from_str(data).map_err(|e| ReferenceError::Unreadable(e.to_string()))
}

fn encode(set: &ReferenceSet) -> Result<String, ReferenceError> {
    serde_json::to_string(set).map_err(|e| ReferenceError::Unreadable(e.to_string()))
}

/// The draft managers edit: the one saved, else the latest published version, else empty.
pub(crate) fn draft(s: &mut dyn ReferenceStorage) -> Result<ReferenceSet, ReferenceError> {
    match s.saved_draft()? {
        Some(data) => parse(&data),
        None => Ok(latest(s)?.map(|p| p.set).unwrap_or_default()),
    }
}

/// Whether the draft holds changes not yet published (always, before the first publish).
pub(crate) fn unpublished(draft: &ReferenceSet, latest: Option<&Published>) -> bool {
    latest.is_none_or(|published| published.set != *draft)
}

/// Who changes the reference data, for the audit.
pub(crate) struct Editor<'a> {
    pub(crate) username: &'a str,
    pub(crate) address: &'a str,
}

/// Saves the draft after checking all of it, audited with `what` changed.
pub(crate) fn save_draft(
    s: &mut dyn ReferenceStorage,
    set: &ReferenceSet,
    editor: &Editor,
    what: &serde_json::Value,
    now: DateTime<Utc>,
) -> Result<(), ReferenceError> {
    crate::sync::reference::check(set)?;
    s.keep_draft(&encode(set)?, editor.username, now)?;
    let line = AuditLine {
        username: editor.username,
        action: "reference.edit",
        address: editor.address,
        detail: what.clone(),
    };
    s.audit(&line, now)?;
    Ok(())
}

/// Changes the draft by `edit` (given the draft, it answers the changed one and what changed,
/// or its refusal) and saves it, the draft held against other editors meanwhile. The outer
/// error is the store's or the checks'; the inner one is `edit`'s refusal, nothing saved.
pub(crate) fn edit_draft<E>(
    s: &mut dyn ReferenceStorage,
    editor: &Editor,
    now: DateTime<Utc>,
    edit: impl FnOnce(ReferenceSet) -> Result<(ReferenceSet, serde_json::Value), E>,
) -> Result<Result<(), E>, ReferenceError> {
    s.lock_draft()?;
    match edit(draft(s)?) {
        Ok((set, what)) => save_draft(s, &set, editor, &what, now).map(Ok),
        Err(refusal) => Ok(Err(refusal)),
    }
}

/// Publishes the draft as the next version (checked again), audited; returns its number.
pub(crate) fn publish(
    s: &mut dyn ReferenceStorage,
    editor: &Editor,
    now: DateTime<Utc>,
) -> Result<i64, ReferenceError> {
    let set = draft(s)?;
    crate::sync::reference::check(&set)?;
    let version = s.latest_number()? + 1;
    let stored = StoredVersion {
        version,
        data: encode(&set)?,
        published_at: now,
    };
    s.keep_version(&stored, editor.username)?;
    let line = AuditLine {
        username: editor.username,
        action: "reference.publish",
        address: editor.address,
        detail: json!({ "version": version }),
    };
    s.audit(&line, now)?;
    Ok(version)
}

/// The latest published version, if any.
pub(crate) fn latest(s: &mut dyn ReferenceStorage) -> Result<Option<Published>, ReferenceError> {
    s.latest_version()?
        .map(|v| {
            Ok(Published {
                version: v.version,
                published_at: v.published_at,
                set: parse(&v.data)?,
            })
        })
        .transpose()
}

/// Records that `branch` applied `version`; `false` when no such version was published.
/// A branch's acknowledgement never moves back.
pub(crate) fn acknowledge(
    s: &mut dyn ReferenceStorage,
    branch: &str,
    version: i64,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    if version < 1 || version > s.latest_number()? {
        return Ok(false);
    }
    s.keep_ack(branch, version, now)?;
    Ok(true)
}

/// The version a branch acknowledged and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BranchAck {
    pub(crate) branch: String,
    pub(crate) name: String,
    pub(crate) version: Option<i64>,
    pub(crate) acked_at: Option<DateTime<Utc>>,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::hq::store::Store;
    use crate::hq::store::testing::{self, both_stores};
    use crate::sync::reference::{WatchKind, Watched};

    fn now() -> DateTime<Utc> {
        "2026-08-03T09:00:00Z".parse().unwrap()
    }

    const EDITOR: Editor<'static> = Editor {
        username: "rina",
        address: "127.0.0.1",
    };

    both_stores!(
        versions_grow_by_one_and_a_refused_draft_is_not_stored,
        an_acknowledgement_names_a_published_version_and_never_moves_back,
        a_role_is_kept_for_a_user_that_exists,
    );

    fn versions_grow_by_one_and_a_refused_draft_is_not_stored(store: &Store) {
        assert!(store.latest_reference().unwrap().is_none());
        let mut set = ReferenceSet::default();
        set.watch_list.push(Watched {
            kind: WatchKind::IdNumber,
            value: "3171".into(),
            reason: "fraud".into(),
        });
        store
            .save_reference_draft(&set, &EDITOR, &json!({}), now())
            .unwrap();
        assert_eq!(store.publish_reference(&EDITOR, now()).unwrap(), 1);
        assert_eq!(store.publish_reference(&EDITOR, now()).unwrap(), 2);
        let mut bad = set.clone();
        bad.watch_list[0].reason = String::new();
        assert!(matches!(
            store.save_reference_draft(&bad, &EDITOR, &json!({}), now()),
            Err(ReferenceError::Refused(_))
        ));
        assert_eq!(store.reference_draft().unwrap(), set);
        let latest = store.latest_reference().unwrap().unwrap();
        assert_eq!((latest.version, latest.set), (2, set));
        assert_eq!(
            store.count("SELECT COUNT(*) FROM audit_log WHERE action = 'reference.publish'"),
            2
        );
        assert_eq!(
            store.count("SELECT COUNT(*) FROM audit_log WHERE action = 'reference.edit'"),
            1,
            "the refused draft is not audited either"
        );
    }

    fn an_acknowledgement_names_a_published_version_and_never_moves_back(store: &Store) {
        store.add_branch("B1", "Branch one", now()).unwrap();
        assert!(
            !store.acknowledge_reference("B1", 1, now()).unwrap(),
            "nothing published"
        );
        store.publish_reference(&EDITOR, now()).unwrap();
        store.publish_reference(&EDITOR, now()).unwrap();
        assert!(store.acknowledge_reference("B1", 2, now()).unwrap());
        assert!(store.acknowledge_reference("B1", 1, now()).unwrap());
        assert!(!store.acknowledge_reference("B1", 3, now()).unwrap());
        let acks = store.reference_acks().unwrap();
        assert_eq!((acks[0].branch.as_str(), acks[0].version), ("B1", Some(2)));
        assert_eq!(acks[0].acked_at, Some(now()));
    }

    fn a_role_is_kept_for_a_user_that_exists(store: &Store) {
        store.add_user("rina", "rina-password-1", now()).unwrap();
        assert_eq!(store.role_of("rina").unwrap(), Some(HqRole::Viewer));
        assert!(store.set_role("rina", HqRole::Manager).unwrap());
        assert_eq!(store.role_of("rina").unwrap(), Some(HqRole::Manager));
        assert!(!store.set_role("nobody", HqRole::Admin).unwrap());
        assert_eq!(store.role_of("nobody").unwrap(), None);
    }

    /// Publishers on several `hq serve` processes share one PostgreSQL database: each of
    /// them at once gets its own next version, none a failure. (Each round of the race has
    /// a winner, so 4 publishers need at most 4 of the store's 5 attempts.)
    #[test]
    fn publishers_at_once_get_one_version_each_on_postgres() {
        const PUBLISHERS: usize = 4;
        let store = testing::postgres();
        let barrier = std::sync::Barrier::new(PUBLISHERS);
        let mut versions: Vec<i64> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..PUBLISHERS)
                .map(|_| {
                    scope.spawn(|| {
                        barrier.wait();
                        store.publish_reference(&EDITOR, now())
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap().unwrap())
                .collect()
        });
        versions.sort_unstable();
        let expected: Vec<i64> = (1..=PUBLISHERS as i64).collect();
        assert_eq!(versions, expected);
        assert_eq!(
            store.count("SELECT COUNT(*) FROM reference_versions"),
            PUBLISHERS as i64
        );
    }

    /// Managers on several receivers editing the draft at once (the first edits among them):
    /// every change is kept, none written over by another.
    #[test]
    fn editors_at_once_keep_every_change_on_postgres() {
        const EDITORS: usize = 4;
        let store = testing::postgres();
        let barrier = std::sync::Barrier::new(EDITORS);
        std::thread::scope(|scope| {
            let handles: Vec<_> = (0..EDITORS)
                .map(|i| {
                    let (store, barrier) = (&store, &barrier);
                    scope.spawn(move || {
                        barrier.wait();
                        store.edit_reference_draft(&EDITOR, now(), |mut draft| {
                            draft.watch_list.push(Watched {
                                kind: WatchKind::Serial,
                                value: format!("SN{i}"),
                                reason: "stolen".into(),
                            });
                            Ok::<_, ()>((draft, json!({ "editor": i })))
                        })
                    })
                })
                .collect();
            for h in handles {
                h.join().unwrap().unwrap().unwrap();
            }
        });
        let mut kept: Vec<String> = store
            .reference_draft()
            .unwrap()
            .watch_list
            .into_iter()
            .map(|w| w.value)
            .collect();
        kept.sort();
        let expected: Vec<String> = (0..EDITORS).map(|i| format!("SN{i}")).collect();
        assert_eq!(kept, expected);
    }
}
