//! Head office's reference data (issue 18): the draft managers edit, the versions they publish
//! (numbered 1, 2, 3, ...; never changed once published), the latest one as the branches
//! fetch it, and the version each branch acknowledged. The set's format and its checks are
//! shared with the branches (`sync::reference`), so head office refuses what a branch would.
//!
//! Each function is a few plain, portable SQL statements over a `&Connection`/`&Transaction`
//! (the caller owns the transaction), so that the lead can move them behind head office's
//! storage interface unchanged.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde_json::json;

/// What the store calls the reference data where it is not yet kept (see `Store::sqlite`).
pub(crate) const REFERENCE: &str = "the reference data";

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

/// The role of a head office user (none for an unknown name).
pub(crate) fn role_of(conn: &Connection, username: &str) -> rusqlite::Result<Option<HqRole>> {
    let code: Option<String> = conn
        .query_row(
            "SELECT role FROM users WHERE username = ?1",
            [username],
            |r| r.get(0),
        )
        .optional()?;
    Ok(code.as_deref().and_then(HqRole::from_code))
}

/// Gives a head office user another role; `false` when there is no such user.
pub(crate) fn set_role(conn: &Connection, username: &str, role: HqRole) -> rusqlite::Result<bool> {
    Ok(conn.execute(
        "UPDATE users SET role = ?2 WHERE username = ?1",
        params![username, role.code()],
    )? == 1)
}

/// Why the reference data could not be changed or published.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ReferenceError {
    #[error("{0}")]
    Refused(#[from] RefError),
    #[error("the stored reference data is not readable: {0}")]
    Unreadable(String),
    #[error("database: {0}")]
    Db(#[from] rusqlite::Error),
}

fn parse(data: &str) -> Result<ReferenceSet, ReferenceError> {
    serde_json::from_str(data).map_err(|e| ReferenceError::Unreadable(e.to_string()))
}

fn encode(set: &ReferenceSet) -> Result<String, ReferenceError> {
    serde_json::to_string(set).map_err(|e| ReferenceError::Unreadable(e.to_string()))
}

/// The draft managers edit: the one saved, else the latest published version, else empty.
pub(crate) fn draft(conn: &Connection) -> Result<ReferenceSet, ReferenceError> {
    let saved: Option<String> = conn
        .query_row("SELECT data FROM reference_draft WHERE id = 1", [], |r| {
            r.get(0)
        })
        .optional()?;
    match saved {
        Some(data) => parse(&data),
        None => Ok(latest(conn)?.map(|p| p.set).unwrap_or_default()),
    }
}

/// Whether the draft holds changes not yet published (always, before the first publish).
pub(crate) fn draft_unpublished(conn: &Connection) -> Result<bool, ReferenceError> {
    match latest(conn)? {
        Some(published) => Ok(published.set != draft(conn)?),
        None => Ok(true),
    }
}

/// Writes one line of head office's audit log.
fn audit(
    tx: &Transaction,
    username: &str,
    action: &str,
    address: &str,
    detail: &serde_json::Value,
    now: DateTime<Utc>,
) -> rusqlite::Result<()> {
    tx.execute(
        "INSERT INTO audit_log (at, username, action, address, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![now, username, action, address, detail.to_string()],
    )?;
    Ok(())
}

/// Who changes the reference data, for the audit.
pub(crate) struct Editor<'a> {
    pub(crate) username: &'a str,
    pub(crate) address: &'a str,
}

/// Saves the draft after checking all of it, audited with `what` changed.
pub(crate) fn save_draft(
    tx: &Transaction,
    set: &ReferenceSet,
    editor: &Editor,
    what: &serde_json::Value,
    now: DateTime<Utc>,
) -> Result<(), ReferenceError> {
    crate::sync::reference::check(set)?;
    tx.execute(
        "INSERT INTO reference_draft (id, data, updated_at, updated_by) VALUES (1, ?1, ?2, ?3) \
         ON CONFLICT (id) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at, updated_by = excluded.updated_by",
        params![encode(set)?, now, editor.username],
    )?;
    audit(
        tx,
        editor.username,
        "reference.edit",
        editor.address,
        what,
        now,
    )?;
    Ok(())
}

/// Publishes the draft as the next version (checked again), audited; returns its number.
pub(crate) fn publish(
    tx: &Transaction,
    editor: &Editor,
    now: DateTime<Utc>,
) -> Result<i64, ReferenceError> {
    let set = draft(tx)?;
    crate::sync::reference::check(&set)?;
    let version: i64 = tx.query_row(
        "SELECT COALESCE(MAX(version), 0) + 1 FROM reference_versions",
        [],
        |r| r.get(0),
    )?;
    tx.execute(
        "INSERT INTO reference_versions (version, data, published_at, published_by) VALUES (?1, ?2, ?3, ?4)",
        params![version, encode(&set)?, now, editor.username],
    )?;
    audit(
        tx,
        editor.username,
        "reference.publish",
        editor.address,
        &json!({ "version": version }),
        now,
    )?;
    Ok(version)
}

/// The latest published version, if any.
pub(crate) fn latest(conn: &Connection) -> Result<Option<Published>, ReferenceError> {
    let row: Option<(i64, String, DateTime<Utc>)> = conn
        .query_row(
            "SELECT version, data, published_at FROM reference_versions ORDER BY version DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    row.map(|(version, data, published_at)| {
        Ok(Published {
            version,
            published_at,
            set: parse(&data)?,
        })
    })
    .transpose()
}

/// The latest version's number (0 before the first publish).
pub(crate) fn latest_version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row(
        "SELECT COALESCE(MAX(version), 0) FROM reference_versions",
        [],
        |r| r.get(0),
    )
}

/// Records that `branch` applied `version`; `false` when no such version was published.
/// A branch's acknowledgement never moves back.
pub(crate) fn acknowledge(
    conn: &Connection,
    branch: &str,
    version: i64,
    now: DateTime<Utc>,
) -> rusqlite::Result<bool> {
    if version < 1 || version > latest_version(conn)? {
        return Ok(false);
    }
    conn.execute(
        "INSERT INTO reference_acks (branch, version, acked_at) VALUES (?1, ?2, ?3) \
         ON CONFLICT (branch) DO UPDATE SET version = excluded.version, acked_at = excluded.acked_at \
         WHERE reference_acks.version < excluded.version",
        params![branch, version, now],
    )?;
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

/// Every registered branch with the version it acknowledged, by code.
pub(crate) fn acks(conn: &Connection) -> rusqlite::Result<Vec<BranchAck>> {
    let mut stmt = conn.prepare(
        "SELECT b.code, b.name, a.version, a.acked_at FROM branches b \
         LEFT JOIN reference_acks a ON a.branch = b.code ORDER BY b.code",
    )?;
    stmt.query_map([], |r| {
        Ok(BranchAck {
            branch: r.get(0)?,
            name: r.get(1)?,
            version: r.get(2)?,
            acked_at: r.get(3)?,
        })
    })?
    .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::hq::store::testing;
    use crate::plumbing::db;
    use crate::sync::reference::{WatchKind, Watched};

    fn now() -> DateTime<Utc> {
        "2026-08-03T09:00:00Z".parse().unwrap()
    }

    const EDITOR: Editor<'static> = Editor {
        username: "rina",
        address: "127.0.0.1",
    };

    #[test]
    fn versions_grow_by_one_and_a_refused_draft_is_not_stored() {
        let store = testing::sqlite();
        let mut conn = store.sqlite(REFERENCE).unwrap().conn().unwrap();
        assert!(latest(&conn).unwrap().is_none());
        let mut set = ReferenceSet::default();
        set.watch_list.push(Watched {
            kind: WatchKind::IdNumber,
            value: "3171".into(),
            reason: "fraud".into(),
        });
        let tx = db::immediate(&mut conn).unwrap();
        save_draft(&tx, &set, &EDITOR, &json!({}), now()).unwrap();
        assert_eq!(publish(&tx, &EDITOR, now()).unwrap(), 1);
        assert_eq!(publish(&tx, &EDITOR, now()).unwrap(), 2);
        let mut bad = set.clone();
        bad.watch_list[0].reason = String::new();
        assert!(matches!(
            save_draft(&tx, &bad, &EDITOR, &json!({}), now()),
            Err(ReferenceError::Refused(_))
        ));
        tx.commit().unwrap();
        assert_eq!(draft(&conn).unwrap(), set);
        let latest = latest(&conn).unwrap().unwrap();
        assert_eq!((latest.version, latest.set), (2, set));
        let published: i64 = conn
            .query_row(
                "SELECT COUNT(*) FROM audit_log WHERE action = 'reference.publish'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(published, 2);
    }

    #[test]
    fn an_acknowledgement_names_a_published_version_and_never_moves_back() {
        let store = testing::sqlite();
        store.add_branch("B1", "Branch one", now()).unwrap();
        let mut conn = store.sqlite(REFERENCE).unwrap().conn().unwrap();
        assert!(
            !acknowledge(&conn, "B1", 1, now()).unwrap(),
            "nothing published"
        );
        let tx = db::immediate(&mut conn).unwrap();
        publish(&tx, &EDITOR, now()).unwrap();
        publish(&tx, &EDITOR, now()).unwrap();
        tx.commit().unwrap();
        assert!(acknowledge(&conn, "B1", 2, now()).unwrap());
        assert!(acknowledge(&conn, "B1", 1, now()).unwrap());
        assert!(!acknowledge(&conn, "B1", 3, now()).unwrap());
        let acks = acks(&conn).unwrap();
        assert_eq!(acks[0].version, Some(2));
    }
}
