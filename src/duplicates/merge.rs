//! Merging two records of one person: staff pick the record that stays (the survivor) and,
//! field by field, which value to keep; everything that hangs off the other record moves to
//! the survivor, and the other record becomes an alias of it.
//!
//! The rules (ARCHITECTURE.md, "A merge"):
//! - Rows of tables that may change move: [`MOVED`] (`customer_id` set to the survivor).
//! - Append-only tables keep their rows ([`KEPT`]): the ledger is read by loan (the loans
//!   move), and the survivor's timeline includes its aliases' events.
//! - The merged record keeps its own values and gets `merged_into`: its staff page redirects
//!   to the survivor, and a login with its phone number reaches the survivor
//!   (`customers::find_by_phone`). Aliases of the merged record become the survivor's, so an
//!   alias is always one step from its record.
//! - Everything happens in the caller's one `BEGIN IMMEDIATE` transaction, audited with the
//!   full previous state of both records; the sync triggers carry it to head office.

use chrono::{DateTime, Utc};
use rusqlite::types::ValueRef;
use rusqlite::{Connection, params};
use serde_json::{Map, Value, json};

use crate::audit::{self, Actor, Change};
use crate::customers::{self, EventKind};
use crate::plumbing::ids::{CustomerId, StaffId};

/// Tables whose rows follow the customer to the survivor.
pub(crate) const MOVED: &[&str] = &[
    "loans",
    "customer_notes",
    "customer_contacts",
    "followup_notes",
    "promises_to_pay",
    "sms_outbox",
    "email_outbox",
    "customer_sessions",
    "otp_codes",
    // A complaint case follows its customer: the survivor's file and portal show it.
    "complaints",
    // A customer's SMS replies: the survivor's timeline and the inbox show them as theirs.
    "sms_inbox",
];

/// Tables with a `customer_id` whose rows stay with the merged record, and why.
#[allow(
    dead_code,
    reason = "states the rule; the test that every table is classified reads it"
)]
pub(crate) const KEPT: &[(&str, &str)] = &[
    (
        "customer_events",
        "append-only; the survivor's timeline includes its aliases' events",
    ),
    (
        "ledger",
        "append-only; a customer's rows are read through the ticket's customer, and tickets move",
    ),
    (
        "customer_contact_changes",
        "append-only; a contact's history is read by the contact, which moves",
    ),
    (
        "customer_ros",
        "the survivor keeps its own RO; a merged record is no one's to follow up",
    ),
    (
        "callcentre_assignments",
        "the survivor keeps its own agent; a merged record leaves the follow-up queue",
    ),
    (
        "receipts",
        "a receipt names the customer it was issued to and never changes",
    ),
];

/// A field staff choose a value for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Field {
    FullName,
    Phone,
    IdNumber,
    DateOfBirth,
    Address,
    Email,
}

impl Field {
    /// Every field, in the order of the form.
    pub(crate) const ALL: [Field; 6] = [
        Field::FullName,
        Field::Phone,
        Field::IdNumber,
        Field::DateOfBirth,
        Field::Address,
        Field::Email,
    ];

    /// The form field's name (also the column's).
    pub(crate) fn name(self) -> &'static str {
        match self {
            Field::FullName => "full_name",
            Field::Phone => "phone",
            Field::IdNumber => "id_number",
            Field::DateOfBirth => "date_of_birth",
            Field::Address => "address",
            Field::Email => "email",
        }
    }

    /// The columns that go with the field's value (a verification goes with its phone or
    /// address).
    fn columns(self) -> &'static [&'static str] {
        match self {
            Field::FullName => &["full_name"],
            Field::Phone => &["phone", "phone_verified_at"],
            Field::IdNumber => &["id_number"],
            Field::DateOfBirth => &["date_of_birth"],
            Field::Address => &["address"],
            Field::Email => &["email", "email_verified_at"],
        }
    }
}

/// Why a merge was refused.
#[derive(Debug, thiserror::Error)]
pub(crate) enum MergeError {
    #[error("no such customer")]
    NotFound,
    #[error("a record cannot be merged into itself")]
    SameRecord,
    #[error("the record was already merged into another")]
    AlreadyMerged,
    /// The merged record's phone number is also a third record's (a pair from before one
    /// number meant one record): the survivor cannot take it until that pair is resolved.
    #[error("the phone number is also another customer's")]
    PhoneTaken,
    #[error(transparent)]
    Db(#[from] rusqlite::Error),
}

/// What a merge moved, table by table.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Moved(pub(crate) Vec<(&'static str, usize)>);

/// The whole row of a customer as JSON (every column, so the audit keeps the full state).
pub(crate) fn state(conn: &Connection, id: &CustomerId) -> rusqlite::Result<Option<Value>> {
    let mut stmt = conn.prepare_cached("SELECT * FROM customers WHERE id = ?1")?;
    let names: Vec<String> = stmt
        .column_names()
        .iter()
        .map(|n| (*n).to_owned())
        .collect();
    let mut rows = stmt.query([id])?;
    let Some(row) = rows.next()? else {
        return Ok(None);
    };
    let mut map = Map::new();
    for (i, name) in names.into_iter().enumerate() {
        let value = match row.get_ref(i)? {
            ValueRef::Null => Value::Null,
            ValueRef::Integer(n) => json!(n),
            ValueRef::Real(x) => json!(x),
            ValueRef::Text(t) | ValueRef::Blob(t) => json!(String::from_utf8_lossy(t)),
        };
        map.insert(name, value);
    }
    Ok(Some(Value::Object(map)))
}

/// Merges `merged` into `survivor`, taking the values of `from_merged` fields from the merged
/// record and every other field from the survivor. Call inside one `db::immediate`
/// transaction; the merge is audited there.
pub(crate) fn merge(
    conn: &Connection,
    survivor: &CustomerId,
    merged: &CustomerId,
    from_merged: &[Field],
    actor: &Actor,
    staff: Option<&StaffId>,
    now: DateTime<Utc>,
) -> Result<Moved, MergeError> {
    if survivor == merged {
        return Err(MergeError::SameRecord);
    }
    let survivor_before = state(conn, survivor)?.ok_or(MergeError::NotFound)?;
    let merged_before = state(conn, merged)?.ok_or(MergeError::NotFound)?;
    if !survivor_before["merged_into"].is_null() || !merged_before["merged_into"].is_null() {
        return Err(MergeError::AlreadyMerged);
    }
    if from_merged.contains(&Field::Phone) {
        let phone = crate::plumbing::phone::E164::from_stored(
            merged_before["phone"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        );
        let others: u32 = conn.prepare_cached(
            "SELECT COUNT(*) FROM customers WHERE phone = ?1 AND COALESCE(merged_into, id) NOT IN (?2, ?3)",
        )?
        .query_row(
            params![phone.as_str(), survivor, merged],
            |r| r.get(0),
        )?;
        if others > 0 {
            return Err(MergeError::PhoneTaken);
        }
    }
    // The merged record becomes an alias first, so that the survivor can take its phone number
    // without two live records holding it for a moment (the unique index, V12).
    conn.execute(
        "UPDATE customers SET merged_into = ?1, updated_at = ?3 WHERE merged_into = ?2",
        params![survivor, merged, now],
    )?;
    conn.execute(
        "UPDATE customers SET merged_into = ?1, merged_at = ?3, updated_at = ?3 WHERE id = ?2",
        params![survivor, merged, now],
    )?;
    for field in from_merged {
        for column in field.columns() {
            // Column names come from `Field::columns`, never from input.
            conn.execute(
                &format!(
                    "UPDATE customers SET {column} = (SELECT m.{column} FROM customers m WHERE m.id = ?2)
                     WHERE id = ?1"
                ),
                params![survivor, merged],
            )?;
        }
    }
    conn.execute(
        "UPDATE customers SET profile_completed_at = COALESCE(profile_completed_at,
                                  (SELECT m.profile_completed_at FROM customers m WHERE m.id = ?2)),
                              updated_at = ?3
         WHERE id = ?1",
        params![survivor, merged, now],
    )?;
    let mut moved = Moved::default();
    for table in MOVED {
        let n = conn.execute(
            &format!("UPDATE {table} SET customer_id = ?1 WHERE customer_id = ?2"),
            params![survivor, merged],
        )?;
        moved.0.push((table, n));
    }
    let detail = format!(
        "{} ({})",
        merged_before["full_name"].as_str().unwrap_or(""),
        merged.as_str()
    );
    customers::record_event(conn, survivor, EventKind::Merged, staff, &detail, now)?;
    let moved_json: Map<String, Value> = moved
        .0
        .iter()
        .map(|(table, n)| ((*table).to_owned(), json!(n)))
        .collect();
    let change = Change {
        action: "customer.merge",
        entity: "customer",
        entity_id: survivor.as_str(),
        before: Some(json!({ "survivor": survivor_before, "merged": merged_before })),
        after: Some(json!({
            "survivor": state(conn, survivor)?,
            "merged": state(conn, merged)?,
            "fields_from_merged": from_merged.iter().map(|f| f.name()).collect::<Vec<_>>(),
            "moved": moved_json,
        })),
    };
    audit::record(conn, actor, &change, now)?;
    Ok(moved)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use chrono::{Duration, NaiveDate};

    use super::*;
    use crate::duplicates::tests::{add, now};
    use crate::ledger::Method;
    use crate::loans::ops::{self, Item};
    use crate::plumbing::ids::{LoanId, ProductId};

    /// A disbursed ticket of `principal` for `customer`, with one partial payment.
    fn ticket(
        conn: &Connection,
        customer: &CustomerId,
        product: &ProductId,
        principal: i64,
    ) -> LoanId {
        let day = NaiveDate::from_ymd_opt(2026, 1, 10).unwrap();
        let item = Item {
            category: "gold".into(),
            description: "Ring".into(),
            marks: String::new(),
            weight_mg: Some(5_000),
            karat: Some(22),
            appraised: principal * 2,
        };
        let id = ops::originate(
            conn,
            &Actor::System,
            "B",
            customer,
            product,
            &[item],
            principal,
            day,
            now(),
        )
        .unwrap();
        let staff = staff(conn);
        let record = ops::load(conn, &id).unwrap().unwrap();
        ops::approve_and_disburse(conn, &record, Method::Cash, "", &staff, day, now()).unwrap();
        let posting = crate::ledger::Posting {
            loan: &id,
            customer,
            method: Method::Cash,
            reference: "",
            staff: Some(&staff),
            on: day,
            at: now() + Duration::seconds(1),
        };
        let split = crate::loans::terms::Allocation {
            interest: 10_000,
            fees: 0,
            principal: 5_000,
        };
        crate::ledger::pay(
            conn,
            &posting,
            &crate::loans::ops::parts(&split),
            &crate::plumbing::ids::PaymentId::new(now()),
        )
        .unwrap();
        id
    }

    /// A staff member for ledger rows.
    fn staff(conn: &Connection) -> StaffId {
        if let Ok(id) = conn.query_row("SELECT id FROM staff LIMIT 1", [], |r| r.get(0)) {
            return id;
        }
        let id = StaffId::new(now());
        conn.execute(
            "INSERT INTO staff (id, username, full_name, role, password_hash, created_at, updated_at)
             VALUES (?1, 'm', 'Manager', 'clerk', '', ?2, ?2)",
            params![id, now()],
        )
        .unwrap();
        let empty = crate::drawers::Counts::default();
        crate::drawers::open(conn, &id, 0, &empty, now().date_naive(), now()).unwrap();
        id
    }

    /// Tickets and the sum of ledger amounts, as the survivor's statement reads them.
    fn totals(conn: &Connection, customer: &CustomerId) -> (usize, i64, usize) {
        let tickets = crate::loans::of_customer(conn, customer).unwrap().len();
        let entries = crate::ledger::entries(conn, customer, None, None, None).unwrap();
        (
            tickets,
            entries.iter().map(|e| e.amount).sum(),
            entries.len(),
        )
    }

    #[test]
    fn a_merge_loses_no_loan_or_transaction_and_the_alias_resolves() {
        let (_dir, db) = crate::plumbing::db::tests::test_db();
        let mut conn = db.conn().unwrap();
        let product =
            crate::loans::products::insert(&conn, &crate::loans::terms::tests::pegadaian(), now())
                .unwrap();
        let keep = add(
            &conn,
            "Siti Rahma",
            "0812-3333-0000",
            Some("A1234567"),
            Some((1990, 5, 1)),
        );
        let other = add(
            &conn,
            "Siti Rahmah",
            "0812-3333-0001",
            None,
            Some((1990, 5, 1)),
        );
        conn.execute(
            "UPDATE customers SET email = 'siti@example.com' WHERE id = ?1",
            [&other],
        )
        .unwrap();
        ticket(&conn, &keep, &product, 1_000_000);
        ticket(&conn, &other, &product, 500_000);
        ticket(&conn, &other, &product, 300_000);
        customers::record_event(&conn, &other, EventKind::PhoneVerified, None, "", now()).unwrap();
        let (k_loans, k_sum, k_rows) = totals(&conn, &keep);
        let (o_loans, o_sum, o_rows) = totals(&conn, &other);
        assert_eq!((k_loans, o_loans), (1, 2));
        let everything: i64 = conn
            .query_row("SELECT SUM(amount) FROM ledger", [], |r| r.get(0))
            .unwrap();

        let tx = crate::plumbing::db::immediate(&mut conn).unwrap();
        let moved = merge(
            &tx,
            &keep,
            &other,
            &[Field::FullName, Field::Email],
            &Actor::System,
            None,
            now(),
        )
        .unwrap();
        tx.commit().unwrap();
        assert!(moved.0.contains(&("loans", 2)));

        // Nothing lost: the survivor has both records' tickets and ledger rows.
        assert_eq!(
            totals(&conn, &keep),
            (k_loans + o_loans, k_sum + o_sum, k_rows + o_rows)
        );
        assert_eq!(totals(&conn, &other), (0, 0, 0));
        let after: i64 = conn
            .query_row("SELECT SUM(amount) FROM ledger", [], |r| r.get(0))
            .unwrap();
        assert_eq!(after, everything);
        // The chosen values, the rest from the survivor.
        let c = customers::get(&conn, &keep).unwrap().unwrap();
        assert_eq!(c.full_name, "Siti Rahmah");
        assert_eq!(c.email.as_deref(), Some("siti@example.com"));
        assert_eq!(c.id_number.as_deref(), Some("A1234567"));
        assert_eq!(c.phone.as_str(), "+6281233330000");
        // The alias resolves: by id, and by its phone at login.
        assert_eq!(
            customers::merged_into(&conn, &other).unwrap(),
            Some(keep.clone())
        );
        let phone = crate::plumbing::phone::normalise("0812-3333-0001", "ID").unwrap();
        assert_eq!(
            customers::find_by_phone(&conn, &phone).unwrap().unwrap().id,
            keep
        );
        // The timeline has the merged record's events and the merge itself.
        let kinds: Vec<String> = customers::timeline::of_customer(&conn, &keep)
            .unwrap()
            .into_iter()
            .filter_map(|e| match e.what {
                customers::timeline::What::Event(kind) => Some(kind),
                _ => None,
            })
            .collect();
        assert!(
            kinds.contains(&"phone_verified".to_owned()) && kinds.contains(&"merged".to_owned()),
            "{kinds:?}"
        );
        // Resolved: no pair left, so the invitation is no longer refused for duplicates.
        assert!(!crate::duplicates::unresolved(&conn, &keep).unwrap());
        assert!(crate::duplicates::pairs(&conn).unwrap().is_empty());
        // Audited with both records' full previous state.
        let before: String = conn
            .query_row(
                "SELECT before_json FROM audit_log WHERE action = 'customer.merge'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        let before: Value = serde_json::from_str(&before).unwrap();
        assert_eq!(before["merged"]["full_name"], "Siti Rahmah");
        assert_eq!(before["survivor"]["full_name"], "Siti Rahma");
        assert!(before["survivor"].get("do_not_text").is_some());
        // A new payment on a moved ticket is the survivor's.
        let reversal_row: crate::plumbing::ids::LedgerId = conn
            .query_row("SELECT l.id FROM ledger l JOIN loans t ON t.id = l.loan_id WHERE l.kind = 'principal' AND l.customer_id = ?1", [&other], |r| r.get(0))
            .unwrap();
        crate::ledger::reverse(
            &conn,
            &reversal_row,
            "test",
            &staff(&conn),
            NaiveDate::from_ymd_opt(2026, 1, 11).unwrap(),
            now(),
        )
        .unwrap();
        let by: CustomerId = conn
            .query_row(
                "SELECT customer_id FROM ledger WHERE reverses = ?1",
                [&reversal_row],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(by, keep);
    }

    #[test]
    fn refused_merges_change_nothing() {
        let (_dir, db) = crate::plumbing::db::tests::test_db();
        let conn = db.conn().unwrap();
        let x = add(&conn, "Agus Salim", "0812-1111-0000", None, None);
        let y = add(&conn, "Agus Salim", "0812-1111-0000", None, None);
        let z = add(&conn, "Agus Salim", "0812-1111-0000", None, None);
        let unknown = CustomerId::new(now());
        let m =
            |s: &CustomerId, o: &CustomerId| merge(&conn, s, o, &[], &Actor::System, None, now());
        assert!(matches!(m(&x, &x), Err(MergeError::SameRecord)));
        assert!(matches!(m(&x, &unknown), Err(MergeError::NotFound)));
        assert!(matches!(m(&unknown, &x), Err(MergeError::NotFound)));
        m(&x, &y).unwrap();
        assert!(matches!(m(&z, &y), Err(MergeError::AlreadyMerged)));
        assert!(matches!(m(&y, &z), Err(MergeError::AlreadyMerged)));
        // An alias of an alias points at the last survivor.
        m(&z, &x).unwrap();
        assert_eq!(customers::merged_into(&conn, &y).unwrap(), Some(z.clone()));
        assert_eq!(customers::merged_into(&conn, &x).unwrap(), Some(z));
    }

    #[test]
    fn every_table_with_a_customer_is_moved_or_kept_on_purpose() {
        let (_dir, db) = crate::plumbing::db::tests::test_db();
        let conn = db.conn().unwrap();
        let tables: Vec<String> = conn
            .prepare(
                "SELECT m.name FROM sqlite_master m JOIN pragma_table_info(m.name) c
                 WHERE m.type = 'table' AND c.name = 'customer_id'",
            )
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert!(tables.contains(&"loans".to_owned()));
        for table in tables {
            assert!(
                MOVED.contains(&table.as_str()) || KEPT.iter().any(|(t, _)| *t == table),
                "{table} has a customer_id: list it in merge::MOVED or merge::KEPT"
            );
        }
    }
}
