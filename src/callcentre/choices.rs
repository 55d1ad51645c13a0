//! The choices of a follow-up note and how they depend on each other: one table
//! (`callcentre_choices`) that the migration fills with the seed's defaults and managers edit.
//! The fields form a chain, each narrowed by the one before: Call Results, Call Status, Call
//! Status Action, Party Response; Client Status stands alone. A choice is a row allowed after
//! one choice (its parent) of the field before, so the server can refuse a note whose fields do
//! not fit ([`fits`]) and the page can narrow the lists as the agent picks. Choices are retired,
//! never deleted, so old notes keep their words; every change is audited.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::json;

use crate::audit::{self, Actor, Change};
use crate::plumbing::i18n::{Lang, Msg};

/// The longest label, in characters.
pub(crate) const MAX_LABEL_CHARS: usize = 80;

/// A field of a follow-up note whose value is a choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Field {
    CallResult,
    CallStatus,
    StatusAction,
    PartyResponse,
    ClientStatus,
}

impl Field {
    /// Every field, in the order of the form.
    pub(crate) const ALL: [Field; 5] = [
        Field::CallResult,
        Field::CallStatus,
        Field::StatusAction,
        Field::PartyResponse,
        Field::ClientStatus,
    ];

    /// The field's code in the database and in forms.
    pub(crate) fn code(self) -> &'static str {
        match self {
            Field::CallResult => "call_result",
            Field::CallStatus => "call_status",
            Field::StatusAction => "status_action",
            Field::PartyResponse => "party_response",
            Field::ClientStatus => "client_status",
        }
    }

    /// The field of this code.
    pub(crate) fn from_code(code: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| f.code() == code)
    }

    /// The field whose choice narrows this one's, if any.
    pub(crate) fn narrowed_by(self) -> Option<Field> {
        match self {
            Field::CallResult | Field::ClientStatus => None,
            Field::CallStatus => Some(Field::CallResult),
            Field::StatusAction => Some(Field::CallStatus),
            Field::PartyResponse => Some(Field::StatusAction),
        }
    }

    /// The seed's name of the field, as the form labels it.
    pub(crate) fn label(self) -> Msg {
        match self {
            Field::CallResult => Msg::FollowUpCallResults,
            Field::CallStatus => Msg::FollowUpCallStatus,
            Field::StatusAction => Msg::FollowUpCallStatusAction,
            Field::PartyResponse => Msg::FollowUpPartyResponse,
            Field::ClientStatus => Msg::FollowUpClientStatus,
        }
    }
}

impl std::fmt::Display for Field {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

/// A choice of a field, allowed after `parent` (a code of the field before; empty for the
/// fields nothing narrows).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Choice {
    pub(crate) field: Field,
    pub(crate) parent: String,
    pub(crate) code: String,
    pub(crate) label_en: String,
    pub(crate) label_id: String,
    /// A Party Response after which the note must carry a promise to pay.
    pub(crate) takes_promise: bool,
    pub(crate) retired: bool,
}

impl Choice {
    /// The row's key: `field/parent/code`.
    pub(crate) fn id(&self) -> String {
        key(self.field, &self.parent, &self.code)
    }

    /// The label in `lang`.
    pub(crate) fn label(&self, lang: Lang) -> &str {
        match lang {
            Lang::En => &self.label_en,
            Lang::Id => &self.label_id,
        }
    }
}

/// Why a change to the choices was refused, or the database failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ChoiceError {
    #[error("a label needs 1 to {MAX_LABEL_CHARS} characters without line breaks")]
    BadLabel,
    #[error("a code is 1 to 40 lower-case letters, digits or underscores")]
    BadCode,
    #[error("{0} has no choice {1} to follow")]
    NoSuchParent(Field, String),
    #[error("{0} already has the choice {1} there")]
    AlreadyThere(Field, String),
    #[error("no such choice")]
    NotFound,
    #[error("database: {0}")]
    Db(#[from] rusqlite::Error),
}

fn key(field: Field, parent: &str, code: &str) -> String {
    format!("{}/{parent}/{code}", field.code())
}

const COLUMNS: &str =
    "field, parent, code, label_en, label_id, takes_promise, retired_at IS NOT NULL";

fn from_row(r: &rusqlite::Row) -> rusqlite::Result<Choice> {
    let field: String = r.get(0)?;
    Ok(Choice {
        field: Field::from_code(&field).ok_or(rusqlite::Error::InvalidQuery)?,
        parent: r.get(1)?,
        code: r.get(2)?,
        label_en: r.get(3)?,
        label_id: r.get(4)?,
        takes_promise: r.get(5)?,
        retired: r.get(6)?,
    })
}

/// Every choice, retired ones too, in the form's order (field, then position).
pub(crate) fn all(conn: &Connection) -> rusqlite::Result<Vec<Choice>> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM callcentre_choices ORDER BY
           CASE field WHEN 'call_result' THEN 1 WHEN 'call_status' THEN 2 WHEN 'status_action' THEN 3
                      WHEN 'party_response' THEN 4 ELSE 5 END, position, code, parent"
    ))?
    .query_map([], from_row)?
    .collect()
}

/// The choice `code` of `field` after `parent`, retired or not.
pub(crate) fn find(
    conn: &Connection,
    field: Field,
    parent: &str,
    code: &str,
) -> rusqlite::Result<Option<Choice>> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM callcentre_choices WHERE id = ?1"
    ))?
    .query_row([key(field, parent, code)], from_row)
    .optional()
}

/// The label of `code` of `field` in `lang` (any parent), for showing stored notes; the code
/// itself when the table no longer knows it.
pub(crate) fn label_of(
    conn: &Connection,
    field: Field,
    code: &str,
    lang: Lang,
) -> rusqlite::Result<String> {
    let column = match lang {
        Lang::En => "label_en",
        Lang::Id => "label_id",
    };
    let label: Option<String> = conn
        .prepare_cached(&format!(
            "SELECT {column} FROM callcentre_choices WHERE field = ?1 AND code = ?2 ORDER BY retired_at IS NOT NULL LIMIT 1"
        ))?
        .query_row([field.code(), code], |r| r.get(0))
        .optional()?;
    Ok(label.unwrap_or_else(|| code.to_owned()))
}

/// Whether `code` is a current (not retired) choice of `field` after `parent`.
pub(crate) fn fits(
    conn: &Connection,
    field: Field,
    parent: &str,
    code: &str,
) -> rusqlite::Result<Option<Choice>> {
    Ok(find(conn, field, parent, code)?.filter(|c| !c.retired))
}

/// A choice to add.
pub(crate) struct NewChoice<'a> {
    pub(crate) field: Field,
    pub(crate) parent: &'a str,
    pub(crate) code: &'a str,
    pub(crate) label_en: &'a str,
    pub(crate) label_id: &'a str,
    pub(crate) takes_promise: bool,
}

fn check_label(label: &str) -> Result<&str, ChoiceError> {
    let label = label.trim();
    if label.is_empty()
        || label.chars().count() > MAX_LABEL_CHARS
        || label.chars().any(char::is_control)
    {
        return Err(ChoiceError::BadLabel);
    }
    Ok(label)
}

/// Adds a choice at the end of its field (audited). Its parent must be a choice of the field
/// before; a retired one of the same place comes back instead, with the new labels.
pub(crate) fn add(
    conn: &Connection,
    actor: &Actor,
    new: &NewChoice,
    now: DateTime<Utc>,
) -> Result<(), ChoiceError> {
    let (en, id) = (check_label(new.label_en)?, check_label(new.label_id)?);
    let code = new.code.trim();
    if code.is_empty()
        || code.len() > 40
        || !code
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        return Err(ChoiceError::BadCode);
    }
    let parent = match new.field.narrowed_by() {
        None => "",
        Some(before) => {
            let exists: bool = conn
                .prepare_cached(
                    "SELECT EXISTS (SELECT 1 FROM callcentre_choices WHERE field = ?1 AND code = ?2)",
                )?
                .query_row([before.code(), new.parent], |r| r.get(0))?;
            if !exists {
                return Err(ChoiceError::NoSuchParent(before, new.parent.to_owned()));
            }
            new.parent
        }
    };
    let staff = staff_of(actor);
    let id_key = key(new.field, parent, code);
    match find(conn, new.field, parent, code)? {
        Some(c) if !c.retired => return Err(ChoiceError::AlreadyThere(new.field, code.into())),
        Some(_) => {
            conn.prepare_cached(
                "UPDATE callcentre_choices SET label_en = ?2, label_id = ?3, takes_promise = ?4,
                   retired_at = NULL, updated_by = ?5, updated_at = ?6 WHERE id = ?1",
            )?
            .execute(params![id_key, en, id, new.takes_promise, staff, now])?;
        }
        None => {
            conn.prepare_cached(
                "INSERT INTO callcentre_choices (id, field, parent, code, label_en, label_id, takes_promise,
                   position, updated_by, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7,
                   (SELECT COALESCE(MAX(position), 0) + 1 FROM callcentre_choices WHERE field = ?2), ?8, ?9)",
            )?
            .execute(params![id_key, new.field.code(), parent, code, en, id, new.takes_promise, staff, now])?;
        }
    }
    let after = json!({ "en": en, "id": id, "takes_promise": new.takes_promise });
    audited(
        conn,
        actor,
        "callcentre.choice_add",
        &id_key,
        None,
        Some(after),
        now,
    )
}

/// Changes the labels of a choice (audited).
pub(crate) fn relabel(
    conn: &Connection,
    actor: &Actor,
    choice: &str,
    label_en: &str,
    label_id: &str,
    now: DateTime<Utc>,
) -> Result<(), ChoiceError> {
    let (en, id) = (check_label(label_en)?, check_label(label_id)?);
    let before: Option<(String, String)> = conn
        .prepare_cached("SELECT label_en, label_id FROM callcentre_choices WHERE id = ?1")?
        .query_row([choice], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let Some((old_en, old_id)) = before else {
        return Err(ChoiceError::NotFound);
    };
    conn.prepare_cached(
        "UPDATE callcentre_choices SET label_en = ?2, label_id = ?3, updated_by = ?4, updated_at = ?5 WHERE id = ?1",
    )?
    .execute(params![choice, en, id, staff_of(actor), now])?;
    let (before, after) = (
        json!({ "en": old_en, "id": old_id }),
        json!({ "en": en, "id": id }),
    );
    audited(
        conn,
        actor,
        "callcentre.choice_relabel",
        choice,
        Some(before),
        Some(after),
        now,
    )
}

/// Retires a choice (audited): new notes can no longer pick it; old ones keep its label.
pub(crate) fn retire(
    conn: &Connection,
    actor: &Actor,
    choice: &str,
    now: DateTime<Utc>,
) -> Result<(), ChoiceError> {
    let changed = conn
        .prepare_cached(
            "UPDATE callcentre_choices SET retired_at = ?2, updated_by = ?3, updated_at = ?2
             WHERE id = ?1 AND retired_at IS NULL",
        )?
        .execute(params![choice, now, staff_of(actor)])?;
    if changed == 0 {
        return Err(ChoiceError::NotFound);
    }
    audited(
        conn,
        actor,
        "callcentre.choice_retire",
        choice,
        None,
        None,
        now,
    )
}

fn staff_of<'a>(actor: &Actor<'a>) -> Option<&'a crate::plumbing::ids::StaffId> {
    match actor {
        Actor::Staff(user) => Some(&user.id),
        _ => None,
    }
}

fn audited(
    conn: &Connection,
    actor: &Actor,
    action: &'static str,
    entity_id: &str,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
    now: DateTime<Utc>,
) -> Result<(), ChoiceError> {
    let change = Change {
        action,
        entity: "callcentre_choice",
        entity_id,
        before,
        after,
    };
    audit::record(conn, actor, &change, now)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn now() -> DateTime<Utc> {
        "2026-12-01T09:00:00Z".parse().unwrap()
    }

    #[test]
    fn the_seeded_chain_narrows_each_field_by_the_one_before() {
        let (_dir, db) = crate::plumbing::db::tests::test_db();
        let conn = db.conn().unwrap();
        let all = all(&conn).unwrap();
        for field in Field::ALL {
            assert!(all.iter().any(|c| c.field == field), "{field} has choices");
        }
        // Every parent is a choice of the field before.
        for c in &all {
            match c.field.narrowed_by() {
                None => assert_eq!(c.parent, ""),
                Some(before) => assert!(
                    all.iter().any(|p| p.field == before && p.code == c.parent),
                    "{} follows a {before} that exists",
                    c.id()
                ),
            }
        }
        assert!(
            fits(&conn, Field::CallStatus, "answered", "connected")
                .unwrap()
                .is_some()
        );
        assert!(
            fits(&conn, Field::CallStatus, "not_answered", "connected")
                .unwrap()
                .is_none(),
            "an unanswered call is not connected"
        );
        let promise = fits(&conn, Field::PartyResponse, "right_party", "promise_to_pay")
            .unwrap()
            .unwrap();
        assert!(promise.takes_promise);
        assert!(
            fits(&conn, Field::PartyResponse, "try_later", "promise_to_pay")
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn managers_add_relabel_and_retire_choices_and_each_is_audited() {
        let (_dir, db) = crate::plumbing::db::tests::test_db();
        let conn = db.conn().unwrap();
        let manager =
            crate::loans::ops::tests::staff_member(&conn, crate::roles::Role::Manager, now());
        let actor = Actor::Staff(&manager);
        let audits = || -> i64 {
            conn.query_row(
                "SELECT count(*) FROM audit_log WHERE entity = 'callcentre_choice'",
                [],
                |r| r.get(0),
            )
            .unwrap()
        };
        let new = NewChoice {
            field: Field::PartyResponse,
            parent: "try_later",
            code: "promise_to_pay",
            label_en: "Promised to pay (by message)",
            label_id: "Berjanji membayar (lewat pesan)",
            takes_promise: true,
        };
        add(&conn, &actor, &new, now()).unwrap();
        assert!(
            fits(&conn, Field::PartyResponse, "try_later", "promise_to_pay")
                .unwrap()
                .is_some()
        );
        assert!(matches!(
            add(&conn, &actor, &new, now()),
            Err(ChoiceError::AlreadyThere(..))
        ));
        let orphan = NewChoice {
            parent: "nothing_like_it",
            ..new
        };
        assert!(matches!(
            add(&conn, &actor, &orphan, now()),
            Err(ChoiceError::NoSuchParent(Field::StatusAction, _))
        ));
        let id = "party_response/try_later/promise_to_pay";
        assert!(matches!(
            relabel(&conn, &actor, id, " ", "x", now()),
            Err(ChoiceError::BadLabel)
        ));
        relabel(
            &conn,
            &actor,
            id,
            "Promised by text",
            "Janji lewat SMS",
            now(),
        )
        .unwrap();
        retire(&conn, &actor, id, now()).unwrap();
        assert!(
            fits(&conn, Field::PartyResponse, "try_later", "promise_to_pay")
                .unwrap()
                .is_none(),
            "a retired choice no longer fits"
        );
        assert_eq!(
            label_of(&conn, Field::PartyResponse, "promise_to_pay", Lang::En).unwrap(),
            "Promised to pay",
            "the current choice's label before the retired one's"
        );
        assert!(matches!(
            retire(&conn, &actor, id, now()),
            Err(ChoiceError::NotFound)
        ));
        assert_eq!(audits(), 3, "add, relabel, retire");
        assert!(
            conn.execute("DELETE FROM callcentre_choices WHERE id = ?1", [id])
                .is_err(),
            "never deleted"
        );
    }
}
