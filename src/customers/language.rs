//! A customer's language: chosen on the portal or set at the counter, and the language of what
//! is meant for the customer (SMS, emails, the portal's pages when the browser has not chosen
//! one). A customer who never chose has none, and gets the branch's.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension};
use serde_json::json;

use crate::audit::{self, Actor, Change};
use crate::plumbing::i18n::Lang;
use crate::plumbing::ids::CustomerId;

/// The language a customer chose, if any.
pub(crate) fn chosen(conn: &Connection, id: &CustomerId) -> rusqlite::Result<Option<Lang>> {
    let code: Option<Option<String>> = conn
        .prepare_cached("SELECT language FROM customers WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()?;
    Ok(code.flatten().as_deref().and_then(Lang::from_code))
}

/// Sets a customer's language, audited when it changes; call inside a write transaction.
pub(crate) fn set(
    conn: &Connection,
    actor: &Actor,
    id: &CustomerId,
    lang: Lang,
    now: DateTime<Utc>,
) -> rusqlite::Result<()> {
    let before = chosen(conn, id)?;
    if before == Some(lang) {
        return Ok(());
    }
    conn.execute(
        "UPDATE customers SET language = ?2, updated_at = ?3 WHERE id = ?1",
        rusqlite::params![id, lang.code(), now],
    )?;
    let change = Change {
        action: "customer.language",
        entity: "customer",
        entity_id: id.as_str(),
        before: Some(json!({ "language": before.map(Lang::code) })),
        after: Some(json!({ "language": lang.code() })),
    };
    audit::record(conn, actor, &change, now)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_choice_sticks_and_is_audited_once() {
        let (_dir, db) = crate::plumbing::db::tests::test_db();
        let conn = db.conn().unwrap();
        let now = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        crate::demo::load(
            &mut db.conn().unwrap(),
            "ID",
            Lang::En,
            now.date_naive(),
            now,
        )
        .unwrap();
        let id: CustomerId = conn
            .query_row("SELECT id FROM customers LIMIT 1", [], |r| r.get(0))
            .unwrap();
        assert_eq!(chosen(&conn, &id).unwrap(), None);
        set(&conn, &Actor::Customer, &id, Lang::En, now).unwrap();
        assert_eq!(chosen(&conn, &id).unwrap(), Some(Lang::En));
        let customer = crate::customers::get(&conn, &id).unwrap().unwrap();
        assert_eq!(customer.language, Some(Lang::En), "read with the customer");
        let audited = || -> i64 {
            conn.query_row(
                "SELECT COUNT(*) FROM audit_log WHERE action = 'customer.language'",
                [],
                |r| r.get(0),
            )
            .unwrap()
        };
        assert_eq!(audited(), 1);
        set(&conn, &Actor::Customer, &id, Lang::En, now).unwrap();
        assert_eq!(audited(), 1, "an unchanged choice is not a change");
    }
}
