//! Tests of applying head office's reference data at a branch.
#![allow(clippy::unwrap_used)]

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::Connection;

use super::*;
use crate::loans::products::starter_products;
use crate::plumbing::db::Db;

fn now() -> DateTime<Utc> {
    "2026-08-03T09:00:00Z".parse().unwrap()
}

fn today() -> NaiveDate {
    "2026-08-03".parse().unwrap()
}

fn product(code: &str, name: &str) -> HqProduct {
    let mut terms = starter_products(Lang::En)[0].clone();
    terms.product = name.to_owned();
    HqProduct {
        code: code.to_owned(),
        active: true,
        terms,
    }
}

/// A set with one of everything.
fn full_set() -> ReferenceSet {
    ReferenceSet {
        branch_products_allowed: true,
        products: vec![product("GOLD-15", "Chain gold pawn")],
        gold: Some(GoldReference {
            per_gram_24k: 1_250_000,
            karats: KaratTable([(22, 1_100_000)].into_iter().collect()),
        }),
        reminder_texts: vec![ReminderText {
            event: "on_maturity".into(),
            lang: "en".into(),
            body: "Ticket {ticket} is due today at {branch}.".into(),
        }],
        holidays: vec![HqHoliday {
            on: "2026-08-17".parse().unwrap(),
            name: "Hari Kemerdekaan".into(),
        }],
        watch_list: vec![Watched {
            kind: WatchKind::Serial,
            value: "SN12345".into(),
            reason: "Reported stolen, police report 77/2026".into(),
        }],
    }
}

fn published(version: i64, set: ReferenceSet) -> Published {
    Published {
        version,
        published_at: now(),
        set,
    }
}

/// A clock standing at [`now`].
struct Fixed;

impl crate::plumbing::clock::Clock for Fixed {
    fn now(&self) -> DateTime<Utc> {
        now()
    }
}

/// Applies `p` as the uploader does (`reference_fetch::store`: one Immediate transaction,
/// committed only when the whole version applies).
fn store(db: &Db, p: &Published) -> Result<Applied, RefError> {
    let uploader = super::super::Uploader::new(
        &Config::default(),
        std::sync::Arc::new(Fixed),
        std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false)),
        |_, _| Ok(0),
    );
    let held_before = held(&db.conn().unwrap()).unwrap().version;
    match super::super::reference_fetch::store(&uploader, db, p) {
        Ok(Some(version)) => Ok(Applied::Now(version)),
        Ok(None) => Ok(Applied::AlreadyHeld { held: held_before }),
        Err(super::super::reference_fetch::FetchError::NotApplied { error, .. }) => Err(error),
        Err(e) => panic!("{e}"),
    }
}

fn count(conn: &Connection, sql: &str) -> i64 {
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

fn product_names(conn: &Connection) -> Vec<(String, bool)> {
    let mut stmt = conn
        .prepare("SELECT name, active FROM loan_products ORDER BY name")
        .unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
}

#[test]
fn every_part_of_a_version_reaches_the_branch_tables() {
    let (_dir, db) = crate::plumbing::db::tests::test_db();
    assert_eq!(
        store(&db, &published(1, full_set())).unwrap(),
        Applied::Now(1)
    );
    let conn = db.conn().unwrap();
    let held = held(&conn).unwrap();
    assert_eq!((held.version, held.received_at), (1, Some(now())));
    assert_eq!(held.acked_at, None);
    assert!(
        product_names(&conn).contains(&("Chain gold pawn".to_owned(), true)),
        "{:?}",
        product_names(&conn)
    );
    let price = prices::current(&conn, today()).unwrap().unwrap();
    assert_eq!(price.reference.per_gram_24k, 1_250_000);
    assert_eq!(price.reference.karats.0.get(&22), Some(&1_100_000));
    assert_eq!(
        reminders::template(&conn, Event::OnMaturity, Lang::En).unwrap(),
        "Ticket {ticket} is due today at {branch}."
    );
    assert!(crate::holidays::is_holiday(&conn, "2026-08-17".parse().unwrap()).unwrap());
    let found = hits(&conn, Some("3171-0000"), &["Ring, sn 12345 scratched"]).unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].kind, WatchKind::Serial);
    assert!(hits(&conn, None, &["SN 99"]).unwrap().is_empty());
}

#[test]
fn a_part_that_fails_leaves_nothing_of_the_version_applied() {
    let (_dir, db) = crate::plumbing::db::tests::test_db();
    let products_before = product_names(&db.conn().unwrap());
    let mut set = full_set();
    // Products and the gold price come first and are fine; the reminder text is refused.
    set.reminder_texts[0].body = "Pay {nonsense} now".into();
    let refused = store(&db, &published(1, set));
    assert!(
        matches!(refused, Err(RefError::Template { .. })),
        "{refused:?}"
    );
    let conn = db.conn().unwrap();
    assert_eq!(held(&conn).unwrap().version, 0);
    assert_eq!(product_names(&conn), products_before);
    assert!(prices::current(&conn, today()).unwrap().is_none());
    assert_eq!(count(&conn, "SELECT COUNT(*) FROM holidays"), 0);
    assert_eq!(count(&conn, "SELECT COUNT(*) FROM watch_list"), 0);
    assert_eq!(
        count(
            &conn,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'reference.apply'"
        ),
        0
    );
}

#[test]
fn a_replayed_or_older_version_changes_nothing() {
    let (_dir, db) = crate::plumbing::db::tests::test_db();
    store(&db, &published(2, full_set())).unwrap();
    let conn = db.conn().unwrap();
    let audits = || {
        count(
            &conn,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'reference.apply'",
        )
    };
    let products = product_names(&conn);
    let mut changed = full_set();
    changed.products[0].terms.product = "Renamed".into();
    changed.watch_list.clear();
    for version in [2, 1] {
        assert_eq!(
            store(&db, &published(version, changed.clone())).unwrap(),
            Applied::AlreadyHeld { held: 2 }
        );
    }
    assert_eq!(held(&conn).unwrap().version, 2);
    assert_eq!(product_names(&conn), products);
    assert_eq!(count(&conn, "SELECT COUNT(*) FROM watch_list"), 1);
    assert_eq!(count(&conn, "SELECT COUNT(*) FROM gold_prices"), 1);
    assert_eq!(audits(), 1);
}

#[test]
fn products_head_office_drops_or_forbids_are_switched_off() {
    let (_dir, db) = crate::plumbing::db::tests::test_db();
    {
        let conn = db.conn().unwrap();
        products::insert(&conn, &product("x", "Branch own").terms, now()).unwrap();
    }
    let mut set = full_set();
    set.products.push(product("TV-30", "Chain electronics"));
    store(&db, &published(1, set.clone())).unwrap();
    let conn = db.conn().unwrap();
    assert!(product_names(&conn).contains(&("Branch own".to_owned(), true)));
    assert!(branch_products_allowed(&conn).unwrap());
    // Version 2: electronics dropped, the gold product renamed, branch products not allowed.
    set.products.truncate(1);
    set.products[0].terms.product = "Chain gold pawn, new terms".into();
    set.branch_products_allowed = false;
    store(&db, &published(2, set)).unwrap();
    let names = product_names(&conn);
    assert!(
        names.contains(&("Chain gold pawn, new terms".to_owned(), true)),
        "{names:?}"
    );
    assert!(
        names.contains(&("Chain electronics".to_owned(), false)),
        "{names:?}"
    );
    assert!(
        names.contains(&("Branch own".to_owned(), false)),
        "{names:?}"
    );
    assert!(
        !names.iter().any(|(n, _)| n == "Chain gold pawn"),
        "one row per code"
    );
    assert!(!branch_products_allowed(&conn).unwrap());
}

#[test]
fn the_checks_refuse_what_the_branch_pages_refuse() {
    let mut set = full_set();
    set.products.push(product("GOLD-15", "Twice"));
    assert!(matches!(check(&set), Err(RefError::DuplicateProduct(_))));
    let mut set = full_set();
    set.products[0].terms.term_periods = 0;
    assert!(matches!(check(&set), Err(RefError::BadTerms { .. })));
    let mut set = full_set();
    if let Some(gold) = set.gold.as_mut() {
        gold.karats.0.insert(22, 2_000_000);
    }
    assert!(matches!(check(&set), Err(RefError::Gold(_))));
    let mut set = full_set();
    set.watch_list[0].value = "sn 12345".into();
    assert!(matches!(check(&set), Err(RefError::BadWatched(_))));
    assert_eq!(normalise(" sn-123 45 "), "SN12345");
    assert!(check(&full_set()).is_ok());
}
