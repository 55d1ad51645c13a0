//! The possible duplicate pairs kept in memory between the writes that could change them.
//!
//! [`super::pairs`] reads every customer (half a second at a branch of 100,000), and the
//! manager's dashboard counts the pairs on every visit. The pairs depend only on customers'
//! names, phones, ID numbers, dates of birth and merges, and on the dismissed pairs; the
//! triggers of migration V36 move `duplicates_generation` with every write to those, in the
//! writer's transaction. So the pairs found at one generation stay true until it moves, and
//! [`pairs`] gives them again without reading the customers; the first read after such a write
//! finds them afresh. Other writes (payments, verifications, addresses) leave them kept.
//!
//! One database's pairs are kept (the server has one); a database is known by its file's
//! path, and a restored backup is only ever put in place while the server is stopped.

use std::sync::{Arc, Mutex, PoisonError};

use rusqlite::Connection;

use super::Pair;
use crate::plumbing::db;

/// The pairs found last, with the database and the generation they were found at.
struct Kept {
    path: String,
    generation: i64,
    pairs: Arc<Vec<Pair>>,
}

static KEPT: Mutex<Option<Kept>> = Mutex::new(None);

/// A number that moves with every write the pairs depend on (never back).
pub(crate) fn generation(conn: &Connection) -> rusqlite::Result<i64> {
    conn.prepare_cached("SELECT n FROM duplicates_generation")?
        .query_row([], |r| r.get(0))
}

/// The pairs kept for `path` at `generation`, if they are.
fn kept(path: &str, generation: i64) -> Option<Arc<Vec<Pair>>> {
    let kept = KEPT.lock().unwrap_or_else(PoisonError::into_inner);
    kept.as_ref()
        .filter(|k| k.path == path && k.generation == generation)
        .map(|k| Arc::clone(&k.pairs))
}

/// Keeps `pairs`, unless pairs of a later generation of the same database are kept already
/// (another request found them meanwhile).
fn keep(path: &str, generation: i64, pairs: &Arc<Vec<Pair>>) {
    let mut kept = KEPT.lock().unwrap_or_else(PoisonError::into_inner);
    if kept
        .as_ref()
        .is_some_and(|k| k.path == path && k.generation > generation)
    {
        return;
    }
    *kept = Some(Kept {
        path: path.to_owned(),
        generation,
        pairs: Arc::clone(pairs),
    });
}

/// Every possible duplicate pair of the branch, as [`super::pairs`] finds them: kept from
/// an earlier call while nothing they depend on was written, found afresh otherwise.
pub(crate) fn pairs(conn: &Connection) -> rusqlite::Result<Arc<Vec<Pair>>> {
    // The generation and the pairs from one snapshot of the database: a write between the two
    // reads would otherwise keep pairs found after it under the number before it.
    let tx = match conn.is_autocommit() {
        true => Some(conn.unchecked_transaction()?),
        false => None,
    };
    let generation = generation(conn)?;
    // An in-memory database has no path, and another one may have the same.
    let path = conn.path().filter(|p| !p.is_empty()).map(str::to_owned);
    if let Some(found) = path.as_deref().and_then(|p| kept(p, generation)) {
        return Ok(found);
    }
    let found = Arc::new(super::pairs(conn)?);
    // Pairs found inside a caller's write transaction are not kept: it may roll back, and a
    // later write would then bring the same generation with other customers. A caller's read
    // transaction (a page's `Db::read`) read what is committed, as our own would.
    let keepable = !db::in_write_transaction(conn)?;
    if let Some(tx) = tx {
        tx.commit()?;
    }
    if let (true, Some(p)) = (keepable, &path) {
        keep(p, generation, &found);
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use rusqlite::params;

    use super::*;
    use crate::duplicates::tests::{add, now};
    use crate::plumbing::db::tests::test_db;

    /// The kept pairs are the pairs found afresh after each kind of write they depend on, and
    /// a write they do not depend on leaves the generation where it was.
    #[test]
    fn the_kept_pairs_are_the_pairs_found_afresh_after_every_write() {
        let (_dir, db) = test_db();
        let conn = db.conn().unwrap();
        let same = |why: &str| {
            assert_eq!(
                *pairs(&conn).unwrap(),
                crate::duplicates::pairs(&conn).unwrap(),
                "{why}"
            );
        };
        let a = add(
            &conn,
            "Siti Rahayu",
            "0812 1111 0001",
            Some("3171-01"),
            Some((1990, 1, 2)),
        );
        same("one customer");
        let b = add(
            &conn,
            "Budi Santoso",
            "0812 1111 0002",
            None,
            Some((1985, 5, 6)),
        );
        same("two customers, no pair");
        conn.execute(
            "UPDATE customers SET full_name = 'Siti Rahayuu', date_of_birth = '1990-01-02' WHERE id = ?1",
            [&b],
        )
        .unwrap();
        same("a name and a date of birth edited");
        assert_eq!(pairs(&conn).unwrap().len(), 1);
        conn.execute(
            "UPDATE customers SET id_number = '317101' WHERE id = ?1",
            [&b],
        )
        .unwrap();
        same("an ID number edited");
        let c = add(&conn, "Agus", "0812 1111 0001", None, None);
        same("a customer sharing a phone");
        conn.execute(
            "UPDATE customers SET phone = '+6281211110009' WHERE id = ?1",
            [&c],
        )
        .unwrap();
        same("a phone edited");
        crate::duplicates::dismiss(&conn, &a, &b, None, now()).unwrap();
        same("a pair dismissed");
        conn.execute("DELETE FROM customer_duplicates_dismissed", [])
            .unwrap();
        same("a dismissal undone");
        conn.execute(
            "UPDATE customers SET merged_into = ?1 WHERE id = ?2",
            params![a, b],
        )
        .unwrap();
        same("a merge");
        let before = generation(&conn).unwrap();
        conn.execute(
            "UPDATE customers SET address = 'Jl. Mawar 2', phone_verified_at = NULL",
            [],
        )
        .unwrap();
        assert_eq!(
            generation(&conn).unwrap(),
            before,
            "an address is not a key"
        );
        same("an address edited");
    }

    /// Pairs found inside a page's read transaction are kept like pairs found outside one:
    /// the dashboard reads them in its snapshot, and would otherwise find them afresh on every
    /// visit after a write.
    #[test]
    fn pairs_found_in_a_read_transaction_are_kept() {
        let (_dir, db) = test_db();
        let conn = db.conn().unwrap();
        add(
            &conn,
            "Siti Rahayu",
            "0812 1111 0001",
            None,
            Some((1990, 1, 2)),
        );
        add(
            &conn,
            "Siti Rahayuu",
            "0812 1111 0002",
            None,
            Some((1990, 1, 2)),
        );
        let path = conn.path().unwrap().to_owned();
        let now = generation(&conn).unwrap();
        // One slot is kept for the whole process, and other tests fill it with their own
        // databases: seeing ours there once is enough, and without keeping it never is.
        let seen = (0..50).any(|_| {
            let found = db.read(|conn| pairs(conn).map_err(db::DbError::from));
            assert_eq!(found.unwrap().len(), 1);
            kept(&path, now).is_some()
        });
        assert!(seen, "the pairs of a read transaction were not kept");
    }

    /// Inside a caller's transaction the pairs see the caller's own writes.
    #[test]
    fn in_a_transaction_the_pairs_see_its_writes() {
        let (_dir, db) = test_db();
        let mut conn = db.conn().unwrap();
        add(
            &conn,
            "Siti Rahayu",
            "0812 1111 0001",
            None,
            Some((1990, 1, 2)),
        );
        assert!(pairs(&conn).unwrap().is_empty());
        let tx = conn.transaction().unwrap();
        add(
            &tx,
            "Siti Rahayuu",
            "0812 1111 0002",
            None,
            Some((1990, 1, 2)),
        );
        assert_eq!(pairs(&tx).unwrap().len(), 1);
        tx.rollback().unwrap();
        assert!(
            pairs(&conn).unwrap().is_empty(),
            "the rollback moved it back"
        );
        // The same generation again, with another customer: nothing of the rolled-back
        // transaction was kept.
        add(
            &conn,
            "Budi Santoso",
            "0812 1111 0003",
            None,
            Some((1990, 1, 2)),
        );
        assert_eq!(
            *pairs(&conn).unwrap(),
            crate::duplicates::pairs(&conn).unwrap()
        );
    }
}
