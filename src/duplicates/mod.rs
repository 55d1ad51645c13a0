//! Duplicate customer records (issue 7; seed 000, step 10: "if a duplicate record error
//! occurs, resolve it before sending invitations"): finding pairs of records that may be one
//! person, dismissing a pair staff judged "not a duplicate", and merging a pair
//! ([`merge`]); the staff pages are in [`pages`].
//!
//! Two records are a possible duplicate when they have the same phone number (numbers are
//! stored normalised, E.164), the same ID number (compared without spaces and dashes, in any
//! case), or a similar name (see [`similar_names`]) and the same date of birth. Merged
//! records (aliases) and dismissed pairs are never listed.
//!
//! *Why computed on demand, not kept in a table:* the pairs depend on every edit of a name,
//! phone, ID number or date of birth, wherever it happens (the profile, the counter, an
//! import, a merge); a table of pairs would have to be kept in step by all of them, and a
//! stale pair would refuse an invitation wrongly or let one through. Computing them is cheap
//! enough: [`pairs`] groups by phone, by ID number and by date of birth in SQL (indexes
//! `customers_phone`, `customers_id_key`, `customers_date_of_birth`) and compares names only
//! within a date of birth, so 100,000 customers cost one scan of each index, never all pairs;
//! [`of_customer`] (the customer page, the invitation) looks up only the records sharing one
//! of the customer's three keys; pages that need them all read [`kept::pairs`], which keeps
//! them in memory until a write they depend on. Only the staff's decisions are stored: dismissed pairs (in
//! `customer_duplicates_dismissed`) and merges (`customers.merged_into`), both synced.

pub(crate) mod kept;
pub(crate) mod merge;

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Utc};
use rusqlite::{Connection, params};

use crate::plumbing::i18n::Msg;
use crate::plumbing::ids::{CustomerId, StaffId};

/// Why two records may be one person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Reason {
    SamePhone,
    SameIdNumber,
    SimilarNameSameBirth,
}

impl Reason {
    /// The reason for people.
    pub(crate) fn label(self) -> Msg {
        match self {
            Reason::SamePhone => Msg::DuplicateSamePhone,
            Reason::SameIdNumber => Msg::DuplicateSameIdNumber,
            Reason::SimilarNameSameBirth => Msg::DuplicateSimilarName,
        }
    }
}

/// Two records that may be one person; `a` sorts before `b`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Pair {
    pub(crate) a: CustomerId,
    pub(crate) b: CustomerId,
    pub(crate) reasons: Vec<Reason>,
}

/// The two ids in the order a pair keeps them.
pub(crate) fn ordered(x: CustomerId, y: CustomerId) -> (CustomerId, CustomerId) {
    if x.as_str() <= y.as_str() {
        (x, y)
    } else {
        (y, x)
    }
}

/// The key of a pair in `customer_duplicates_dismissed`.
fn pair_key(a: &CustomerId, b: &CustomerId) -> String {
    format!("{}:{}", a.as_str(), b.as_str())
}

/// The ID number of table alias `t` as compared: without spaces and dashes, upper case. The
/// index `customers_id_key` is on exactly this expression.
fn id_key_sql(t: &str) -> String {
    format!("REPLACE(REPLACE(UPPER({t}.id_number), ' ', ''), '-', '')")
}

/// A name as compared: lower case, letters and digits only (no spaces or punctuation).
pub(crate) fn name_key(name: &str) -> String {
    name.chars()
        .flat_map(char::to_lowercase)
        .filter(|c| c.is_alphanumeric())
        .collect()
}

/// Whether two names may be one person's: after [`name_key`], equal, one containing the
/// other (at least 3 letters), or at most 2 edits apart (Levenshtein; names of at least 4
/// letters, so "Ani" and "Adi" are not taken for one).
pub(crate) fn similar_names(x: &str, y: &str) -> bool {
    let (x, y) = (name_key(x), name_key(y));
    let (short, long) = if x.chars().count() <= y.chars().count() {
        (&x, &y)
    } else {
        (&y, &x)
    };
    let short_len = short.chars().count();
    if short_len == 0 {
        return false;
    }
    if short == long || (short_len >= 3 && long.contains(short.as_str())) {
        return true;
    }
    short_len >= 4 && levenshtein(short, long) <= 2
}

/// The number of single-character insertions, deletions and substitutions from `x` to `y`.
fn levenshtein(x: &str, y: &str) -> usize {
    let y: Vec<char> = y.chars().collect();
    let mut row: Vec<usize> = (0..=y.len()).collect();
    for (i, cx) in x.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cy) in y.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(cx != *cy));
            diagonal = above;
        }
    }
    row[y.len()]
}

/// Every pair staff have dismissed.
fn dismissed(conn: &Connection) -> rusqlite::Result<HashSet<String>> {
    conn.prepare_cached("SELECT pair FROM customer_duplicates_dismissed")?
        .query_map([], |r| r.get(0))?
        .collect()
}

/// Adds `reason` to the pair `(x, y)`.
fn note(
    found: &mut BTreeMap<(CustomerId, CustomerId), Vec<Reason>>,
    x: CustomerId,
    y: CustomerId,
    reason: Reason,
) {
    let reasons = found.entry(ordered(x, y)).or_default();
    if !reasons.contains(&reason) {
        reasons.push(reason);
    }
}

/// Every possible duplicate pair of the branch (aliases and dismissed pairs left out), by
/// the first record's id.
pub(crate) fn pairs(conn: &Connection) -> rusqlite::Result<Vec<Pair>> {
    let mut found = BTreeMap::new();
    let mut same = |sql: &str, reason: Reason| -> rusqlite::Result<()> {
        let mut stmt = conn.prepare_cached(sql)?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        for row in rows {
            let (x, y) = row?;
            note(&mut found, x, y, reason);
        }
        Ok(())
    };
    same(
        "SELECT a.id, b.id FROM customers a JOIN customers b ON b.phone = a.phone AND b.id > a.id
         WHERE a.merged_into IS NULL AND b.merged_into IS NULL
           AND a.phone IN (SELECT phone FROM customers WHERE merged_into IS NULL
                           GROUP BY phone HAVING COUNT(*) > 1)",
        Reason::SamePhone,
    )?;
    let (ka, kb, kc) = (id_key_sql("a"), id_key_sql("b"), id_key_sql("c"));
    same(
        &format!(
            "WITH g AS (SELECT {kc} AS k FROM customers c
                        WHERE c.merged_into IS NULL AND c.id_number IS NOT NULL
                        GROUP BY k HAVING COUNT(*) > 1 AND k <> '')
             SELECT a.id, b.id FROM g JOIN customers a ON {ka} = g.k
                  JOIN customers b ON {kb} = g.k AND b.id > a.id
             WHERE a.merged_into IS NULL AND b.merged_into IS NULL"
        ),
        Reason::SameIdNumber,
    )?;
    // Names are compared only within one date of birth.
    let mut stmt = conn.prepare_cached(
        "SELECT id, full_name, date_of_birth FROM customers
         WHERE merged_into IS NULL
           AND date_of_birth IN (SELECT date_of_birth FROM customers
                                 WHERE merged_into IS NULL AND date_of_birth IS NOT NULL
                                 GROUP BY date_of_birth HAVING COUNT(*) > 1)
         ORDER BY date_of_birth, id",
    )?;
    let rows: Vec<(CustomerId, String, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for group in rows.chunk_by(|x, y| x.2 == y.2) {
        for (i, (x, x_name, _)) in group.iter().enumerate() {
            for (y, y_name, _) in &group[i + 1..] {
                if similar_names(x_name, y_name) {
                    note(
                        &mut found,
                        x.clone(),
                        y.clone(),
                        Reason::SimilarNameSameBirth,
                    );
                }
            }
        }
    }
    let dismissed = dismissed(conn)?;
    Ok(found
        .into_iter()
        .filter(|((a, b), _)| !dismissed.contains(&pair_key(a, b)))
        .map(|((a, b), mut reasons)| {
            reasons.sort();
            Pair { a, b, reasons }
        })
        .collect())
}

/// The possible duplicates of one customer (none for an alias), by the other record's id.
pub(crate) fn of_customer(conn: &Connection, customer: &CustomerId) -> rusqlite::Result<Vec<Pair>> {
    let (ko, kc) = (id_key_sql("o"), id_key_sql("c"));
    // One indexed look-up per key, rather than one OR the planner may scan for.
    let sql = format!(
        "SELECT o.id, o.phone = c.phone, {ko} = {kc} AND {kc} <> '', o.date_of_birth = c.date_of_birth,
                o.full_name, c.full_name
         FROM customers c JOIN customers o ON o.id IN (
             SELECT x.id FROM customers x WHERE x.phone = c.phone
             UNION SELECT x.id FROM customers x WHERE {kx} = {kc} AND {kc} <> ''
             UNION SELECT x.id FROM customers x WHERE x.date_of_birth = c.date_of_birth)
         WHERE c.id = ?1 AND c.merged_into IS NULL AND o.merged_into IS NULL AND o.id <> c.id
         ORDER BY o.id",
        kx = id_key_sql("x"),
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([customer], |r| {
        Ok((
            r.get::<_, CustomerId>(0)?,
            r.get::<_, Option<bool>>(1)?.unwrap_or(false),
            r.get::<_, Option<bool>>(2)?.unwrap_or(false),
            r.get::<_, Option<bool>>(3)?.unwrap_or(false),
            r.get::<_, String>(4)?,
            r.get::<_, String>(5)?,
        ))
    })?;
    let dismissed = dismissed(conn)?;
    let mut pairs = Vec::new();
    for row in rows {
        let (other, phone, id_number, birth, other_name, name) = row?;
        let mut reasons = Vec::new();
        if phone {
            reasons.push(Reason::SamePhone);
        }
        if id_number {
            reasons.push(Reason::SameIdNumber);
        }
        if birth && similar_names(&name, &other_name) {
            reasons.push(Reason::SimilarNameSameBirth);
        }
        let (a, b) = ordered(customer.clone(), other);
        if !reasons.is_empty() && !dismissed.contains(&pair_key(&a, &b)) {
            pairs.push(Pair { a, b, reasons });
        }
    }
    Ok(pairs)
}

/// Whether the customer has possible duplicate records that staff have neither merged nor
/// dismissed (seed 000, step 10: resolve duplicates before sending invitations).
pub(crate) fn unresolved(conn: &Connection, customer: &CustomerId) -> rusqlite::Result<bool> {
    Ok(!of_customer(conn, customer)?.is_empty())
}

/// Records that two records are not one person, for good. `false` when it already was.
/// The caller audits it.
pub(crate) fn dismiss(
    conn: &Connection,
    x: &CustomerId,
    y: &CustomerId,
    staff: Option<&StaffId>,
    now: DateTime<Utc>,
) -> rusqlite::Result<bool> {
    let (a, b) = ordered(x.clone(), y.clone());
    let added = conn
        .prepare_cached(
            "INSERT OR IGNORE INTO customer_duplicates_dismissed (pair, customer_a, customer_b, staff_id, dismissed_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?
        .execute(params![pair_key(&a, &b), a, b, staff, now])?;
    Ok(added > 0)
}

#[cfg(test)]
pub(crate) mod tests {
    #![allow(clippy::unwrap_used)]
    use chrono::NaiveDate;

    use super::*;
    use crate::customers::{self, NewCustomer};

    /// The test clock.
    pub(crate) fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_700_000_000, 0).unwrap()
    }

    /// Adds a customer.
    pub(crate) fn add(
        conn: &Connection,
        name: &str,
        phone: &str,
        id_number: Option<&str>,
        born: Option<(i32, u32, u32)>,
    ) -> CustomerId {
        let phone = crate::plumbing::phone::normalise(phone, "ID").unwrap();
        let new = NewCustomer {
            full_name: name,
            phone: &phone,
            id_number,
            date_of_birth: born.and_then(|(y, m, d)| NaiveDate::from_ymd_opt(y, m, d)),
            address: "Jl. Melati 1",
            email: None,
            phone_verified: true,
        };
        if customers::phone_taken(conn, &phone, None).unwrap() {
            // Two records of one number exist only from before one number meant one record.
            return customers::insert_sharing_phone(conn, &new, now()).unwrap();
        }
        customers::insert(conn, &new, now()).unwrap()
    }

    /// The pairs as (first, second, reasons) for comparing.
    fn found(conn: &Connection) -> Vec<(CustomerId, CustomerId, Vec<Reason>)> {
        pairs(conn)
            .unwrap()
            .into_iter()
            .map(|p| (p.a, p.b, p.reasons))
            .collect()
    }

    #[test]
    fn names_compare_without_case_spaces_and_punctuation() {
        for (x, y, similar) in [
            ("Siti Rahma", "SITI  RAHMA.", true),
            ("Siti Rahma", "Siti Rahmah", true),
            ("Siti Rahma", "Sity Rahmah", true),
            ("Budi", "Budi Santoso", true),
            ("Budi Santoso", "Budi Sentosa", true),
            ("Dewi Lestari", "Budi Santoso", false),
            ("Ani", "Adi", false),
            ("Siti Rahma", "Siti Aminah", false),
            ("", "Budi", false),
        ] {
            assert_eq!(similar_names(x, y), similar, "{x} / {y}");
        }
        assert_eq!(levenshtein("kitten", "sitting"), 3);
    }

    #[test]
    fn each_rule_finds_its_pairs() {
        let (_dir, db) = crate::plumbing::db::tests::test_db();
        let conn = db.conn().unwrap();
        // Same phone, written differently.
        let p1 = add(&conn, "Agus Salim", "0812-1111-0000", None, None);
        let p2 = add(&conn, "Rina Wati", "+62 812 1111 0000", None, None);
        // Same ID number with and without spaces and dashes.
        let i1 = add(
            &conn,
            "Joko Widodo",
            "0812-2222-0000",
            Some("3171-0101-8800-0001"),
            None,
        );
        let i2 = add(
            &conn,
            "Joko W",
            "0812-2222-0001",
            Some("3171010188000001"),
            None,
        );
        // Similar name, same date of birth.
        let n1 = add(
            &conn,
            "Siti Rahma",
            "0812-3333-0000",
            None,
            Some((1990, 5, 1)),
        );
        let n2 = add(
            &conn,
            "siti rahmah",
            "0812-3333-0001",
            None,
            Some((1990, 5, 1)),
        );
        // Not duplicates: a similar name born another day, another name born the same day.
        add(
            &conn,
            "Siti Rahma",
            "0812-3333-0002",
            None,
            Some((1991, 5, 1)),
        );
        add(
            &conn,
            "Bambang Pamungkas",
            "0812-3333-0003",
            None,
            Some((1990, 5, 1)),
        );
        let mut expected = vec![
            (ordered(p1.clone(), p2.clone()), vec![Reason::SamePhone]),
            (ordered(i1.clone(), i2.clone()), vec![Reason::SameIdNumber]),
            (
                ordered(n1.clone(), n2.clone()),
                vec![Reason::SimilarNameSameBirth],
            ),
        ];
        expected.sort_by(|x, y| x.0.0.as_str().cmp(y.0.0.as_str()));
        let expected: Vec<_> = expected.into_iter().map(|((a, b), r)| (a, b, r)).collect();
        assert_eq!(found(&conn), expected);
        // Each customer sees its own pair, and only it.
        for (x, y) in [(&p1, &p2), (&i1, &i2), (&n1, &n2)] {
            let mine = of_customer(&conn, x).unwrap();
            assert_eq!(mine.len(), 1, "{x}");
            assert_eq!(
                ordered(mine[0].a.clone(), mine[0].b.clone()),
                ordered(x.clone(), y.clone())
            );
            assert!(unresolved(&conn, y).unwrap());
            assert!(unresolved(&conn, x).unwrap());
        }
    }

    #[test]
    fn several_reasons_make_one_pair() {
        let (_dir, db) = crate::plumbing::db::tests::test_db();
        let conn = db.conn().unwrap();
        add(
            &conn,
            "Dewi Lestari",
            "0812-4444-0000",
            Some("A123456"),
            Some((1985, 2, 3)),
        );
        add(
            &conn,
            "Dewi Lestari",
            "0812-4444-0000",
            Some("a-123456"),
            Some((1985, 2, 3)),
        );
        let all = found(&conn);
        assert_eq!(all.len(), 1);
        assert_eq!(
            all[0].2,
            vec![
                Reason::SamePhone,
                Reason::SameIdNumber,
                Reason::SimilarNameSameBirth
            ]
        );
    }

    #[test]
    fn dismissed_pairs_stay_dismissed() {
        let (_dir, db) = crate::plumbing::db::tests::test_db();
        let conn = db.conn().unwrap();
        let x = add(
            &conn,
            "Agus Salim",
            "0812-1111-0000",
            None,
            Some((1970, 1, 1)),
        );
        let y = add(
            &conn,
            "Agus Salim",
            "0812-1111-0000",
            None,
            Some((1970, 1, 1)),
        );
        assert_eq!(found(&conn).len(), 1);
        // Either way round, once.
        assert!(dismiss(&conn, &y, &x, None, now()).unwrap());
        assert!(!dismiss(&conn, &x, &y, None, now()).unwrap());
        assert!(found(&conn).is_empty());
        assert!(!unresolved(&conn, &x).unwrap() && !unresolved(&conn, &y).unwrap());
        // Still dismissed after an edit, but a third record is a new pair with each.
        conn.execute(
            "UPDATE customers SET full_name = 'Agus Salim.' WHERE id = ?1",
            [&x],
        )
        .unwrap();
        assert!(found(&conn).is_empty());
        let z = add(&conn, "Agus Salim", "0812-1111-0000", None, None);
        let all = found(&conn);
        assert_eq!(all.len(), 2);
        assert!(all.iter().all(|(a, b, _)| a == &z || b == &z));
    }
}
