//! The one search box of the counter: a phone number in any local format, a national ID
//! number, or a name, whole, partial or misspelt.
//!
//! The order of the tries is the order of certainty: a query that reads as a phone number is
//! looked up by its E.164 form, one that reads as an ID number by the ID (ignoring spaces and
//! dashes), and a name through the trigram index `customers_search` (FTS5, kept in step with
//! `customers` by triggers): one word by any part of it, and, when no name contains it, names
//! that share most of its three-letter pieces, best first ("Rahmawaty" finds "Rahmawati");
//! several words by names keeping a piece of every word, in any order, scored the same way,
//! so "siti rahma", "Rahmawati Siti" and "Siti Rahmawaty" all find Siti Rahmawati.
//!
//! Records merged into another (aliases, see `duplicates::merge`) are never offered: their
//! survivor is.
//!
//! For speed on a large branch, no name search asks SQLite to sort every match: one word takes
//! the first page of matches in the index's order and sorts that page by name, and the scored
//! search asks the index only for names that keep, in every word of the query, one of that
//! word's pieces intact (one typo spoils at most one piece), then scores the first of them.

use std::collections::HashSet;

use rusqlite::{Connection, params};

use crate::plumbing::ids::CustomerId;
use crate::plumbing::phone::E164;

/// A customer found.
pub(crate) struct Found {
    pub(crate) id: CustomerId,
    pub(crate) full_name: String,
    pub(crate) phone: E164,
    pub(crate) verified: bool,
    pub(crate) locked: bool,
}

/// How many names the misspelt-name search scores at most. A common name misspelt can keep
/// thousands of names in the running; the first hundred or so (in the index's order) are scored,
/// which keeps the answer fast and still offers the page of best matches among them.
const FUZZY_CANDIDATES: u32 = 60;
/// The share of the query's three-letter pieces a name must have to be offered as a
/// misspelling.
const FUZZY_MIN_SHARE: f64 = 0.5;

const SELECT: &str =
    "SELECT c.id, c.full_name, c.phone, c.phone_verified_at IS NOT NULL, c.locked_at IS NOT NULL";

fn found(r: &rusqlite::Row) -> rusqlite::Result<Found> {
    Ok(Found {
        id: r.get(0)?,
        full_name: r.get(1)?,
        phone: E164::from_stored(r.get(2)?),
        verified: r.get(3)?,
        locked: r.get(4)?,
    })
}

/// Customers locked out by wrong codes (the "today" card's figure), by name, at most `limit`
/// from `offset`.
pub(crate) fn locked(conn: &Connection, limit: u32, offset: u32) -> rusqlite::Result<Vec<Found>> {
    conn.prepare_cached(&format!(
        "{SELECT} FROM customers c WHERE c.locked_at IS NOT NULL ORDER BY c.full_name, c.id LIMIT +?1 OFFSET ?2"
    ))?
    .query_map(params![limit, offset], found)?
    .collect()
}

/// Customers matching `query`, at most `limit` from `offset`.
pub(crate) fn find(
    conn: &Connection,
    query: &str,
    country: &str,
    limit: u32,
    offset: u32,
) -> rusqlite::Result<Vec<Found>> {
    let query = query.trim();
    if query.is_empty() {
        return conn
            .prepare_cached(&format!(
                "{SELECT} FROM customers c WHERE c.merged_into IS NULL ORDER BY c.full_name, c.id LIMIT +?1 OFFSET ?2"
            ))?
            .query_map(params![limit, offset], found)?
            .collect();
    }
    if let Ok(phone) = crate::plumbing::phone::normalise(query, country) {
        let rows = by_column(conn, "phone", phone.as_str(), limit, offset)?;
        if !rows.is_empty() {
            return Ok(rows);
        }
    }
    let compact: String = query
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '.' | '/'))
        .collect();
    if compact.len() >= 6 && compact.chars().all(|c| c.is_ascii_alphanumeric()) {
        let rows = by_column(
            conn,
            "id_number",
            &compact.to_ascii_uppercase(),
            limit,
            offset,
        )?;
        if !rows.is_empty() {
            return Ok(rows);
        }
        let rows = by_column(conn, "id_number", &compact, limit, offset)?;
        if !rows.is_empty() {
            return Ok(rows);
        }
    }
    if query.chars().count() < 3 {
        // Too short for the trigram index: names starting with it.
        let prefix = format!("{}%", crate::plumbing::db::escape_like(query));
        return conn
            .prepare_cached(&format!(
                "{SELECT} FROM customers c WHERE c.full_name LIKE ?1 ESCAPE '\\' AND c.merged_into IS NULL ORDER BY c.full_name, c.id LIMIT +?2 OFFSET ?3"
            ))?
            .query_map(params![prefix, limit, offset], found)?
            .collect();
    }
    // Several words: one question to the index (names keeping a piece of every word, in any
    // order), scored; exact and partial names score highest.
    if query.split_whitespace().nth(1).is_some() {
        return by_pieces(conn, query, limit, offset);
    }
    let phrase = quoted(query);
    let mut rows: Vec<Found> = conn
        .prepare_cached(&format!(
            "{SELECT} FROM customers_search s JOIN customers c ON c.rowid = s.rowid
             WHERE customers_search MATCH ?1 AND c.merged_into IS NULL LIMIT +?2 OFFSET ?3"
        ))?
        .query_map(params![phrase, limit, offset], found)?
        .collect::<rusqlite::Result<_>>()?;
    if !rows.is_empty() || offset > 0 {
        rows.sort_by(|a, b| a.full_name.cmp(&b.full_name));
        return Ok(rows);
    }
    by_pieces(conn, query, limit, 0)
}

fn by_column(
    conn: &Connection,
    column: &str,
    value: &str,
    limit: u32,
    offset: u32,
) -> rusqlite::Result<Vec<Found>> {
    conn.prepare_cached(&format!(
        "{SELECT} FROM customers c WHERE c.{column} = ?1 AND c.merged_into IS NULL ORDER BY c.full_name, c.id LIMIT +?2 OFFSET ?3"
    ))?
    .query_map(params![value, limit, offset], found)?
    .collect()
}

/// An FTS5 string: the text in double quotes, so that nothing in it is search syntax.
fn quoted(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "\"\""))
}

/// The pieces of a word a misspelling is unlikely to touch all of: every three letters of a
/// short word; side-by-side pieces of three (or, from eight letters, four) of a longer one, and
/// its end.
fn pieces(word: &str) -> Vec<String> {
    let chars: Vec<char> = word.to_lowercase().chars().collect();
    let len = chars.len();
    if len < 3 {
        return Vec::new();
    }
    if len <= 5 {
        return chars.windows(3).map(|w| w.iter().collect()).collect();
    }
    let size = if len >= 8 { 4 } else { 3 };
    let mut out: Vec<String> = chars
        .chunks_exact(size)
        .map(|c| c.iter().collect())
        .collect();
    if !len.is_multiple_of(size) {
        out.push(chars[len - size..].iter().collect());
    }
    out
}

/// Names keeping a piece of every word of the query and sharing at least half of its
/// three-letter pieces, most shared first.
fn by_pieces(
    conn: &Connection,
    query: &str,
    limit: u32,
    offset: u32,
) -> rusqlite::Result<Vec<Found>> {
    let wanted = trigrams(query);
    let words: Vec<String> = query
        .split_whitespace()
        .map(pieces)
        .filter(|p| !p.is_empty())
        .map(|p| {
            format!(
                "({})",
                p.iter().map(|s| quoted(s)).collect::<Vec<_>>().join(" OR ")
            )
        })
        .collect();
    if wanted.is_empty() || words.is_empty() {
        return Ok(Vec::new());
    }
    let candidates: Vec<Found> = conn
        .prepare_cached(&format!(
            "{SELECT} FROM customers_search s JOIN customers c ON c.rowid = s.rowid
             WHERE customers_search MATCH ?1 AND c.merged_into IS NULL LIMIT +?2"
        ))?
        .query_map(
            params![
                words.join(" AND "),
                FUZZY_CANDIDATES.max(offset.saturating_add(limit))
            ],
            found,
        )?
        .collect::<rusqlite::Result<_>>()?;
    let mut scored: Vec<(f64, Found)> = candidates
        .into_iter()
        .map(|f| (share(&wanted, &trigrams(&f.full_name)), f))
        .filter(|(score, _)| *score >= FUZZY_MIN_SHARE)
        .collect();
    scored.sort_by(|a, b| {
        b.0.total_cmp(&a.0)
            .then_with(|| a.1.full_name.cmp(&b.1.full_name))
    });
    Ok(scored
        .into_iter()
        .skip(offset as usize)
        .take(limit as usize)
        .map(|(_, f)| f)
        .collect())
}

/// The lower-case three-letter pieces of each word (as the trigram index cuts them).
fn trigrams(text: &str) -> HashSet<[char; 3]> {
    let mut set = HashSet::new();
    let mut chars = Vec::with_capacity(32);
    for word in text.split_whitespace() {
        chars.clear();
        chars.extend(word.chars().flat_map(char::to_lowercase));
        for w in chars.windows(3) {
            set.insert([w[0], w[1], w[2]]);
        }
    }
    set
}

/// The share of `wanted` found in `have`.
fn share(wanted: &HashSet<[char; 3]>, have: &HashSet<[char; 3]>) -> f64 {
    wanted.intersection(have).count() as f64 / wanted.len() as f64
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::plumbing::db::tests::test_db;

    fn add(conn: &Connection, name: &str, phone: &str, id_number: Option<&str>) {
        crate::customers::insert(
            conn,
            &crate::customers::NewCustomer {
                full_name: name,
                phone: &E164::from_stored(phone.to_owned()),
                id_number,
                date_of_birth: None,
                address: "",
                email: None,
                phone_verified: false,
            },
            crate::plumbing::clock::Clock::now(&crate::plumbing::clock::SystemClock),
        )
        .unwrap();
    }

    fn names(conn: &Connection, q: &str) -> Vec<String> {
        find(conn, q, "ID", 50, 0)
            .unwrap()
            .into_iter()
            .map(|f| f.full_name)
            .collect()
    }

    #[test]
    fn finds_by_phone_id_partial_and_misspelt_name() {
        let (_dir, db) = test_db();
        let conn = db.conn().unwrap();
        add(
            &conn,
            "Siti Rahmawati",
            "+6281210000001",
            Some("3171100000000001"),
        );
        add(
            &conn,
            "Budi Santoso",
            "+6281210000002",
            Some("3171100000000002"),
        );
        add(&conn, "Rahmat Hidayat", "+6281210000003", None);
        assert_eq!(names(&conn, "0812-1000-0001"), ["Siti Rahmawati"]);
        assert_eq!(names(&conn, "+62 812 1000 0002"), ["Budi Santoso"]);
        assert_eq!(names(&conn, "3171 1000 0000 0002"), ["Budi Santoso"]);
        assert_eq!(names(&conn, "rahma"), ["Rahmat Hidayat", "Siti Rahmawati"]);
        assert_eq!(names(&conn, "SANTO"), ["Budi Santoso"]);
        assert_eq!(names(&conn, "Siti Rahmawaty"), ["Siti Rahmawati"]);
        assert_eq!(names(&conn, "Budi Santosa"), ["Budi Santoso"]);
        assert_eq!(names(&conn, "rahmawati siti"), ["Siti Rahmawati"]);
        assert_eq!(names(&conn, "siti rahma"), ["Siti Rahmawati"]);
        assert_eq!(names(&conn, "Rahmawaty"), ["Siti Rahmawati"]);
        assert!(names(&conn, "Xyzzy Qwerty").is_empty());
        assert_eq!(names(&conn, "Bu"), ["Budi Santoso"]);
        assert_eq!(names(&conn, "").len(), 3);
        // Quotes and operators in the box are words, not search syntax.
        assert!(names(&conn, "\"OR NOT* (").is_empty());
        assert!(names(&conn, "Siti \"OR\" Rahmawaty)").len() <= 1);
    }

    #[test]
    fn a_typo_spoils_at_most_one_piece_of_a_long_word() {
        assert_eq!(pieces("Siti"), ["sit", "iti"]);
        assert_eq!(pieces("Santosa"), ["san", "tos", "osa"]);
        assert_eq!(pieces("Rahmawaty"), ["rahm", "awat", "waty"]);
        assert!(pieces("Bu").is_empty());
    }

    #[test]
    fn the_index_follows_renames() {
        let (_dir, db) = test_db();
        let conn = db.conn().unwrap();
        add(&conn, "Dewi Lestari", "+6281210000009", None);
        conn.execute("UPDATE customers SET full_name = 'Dewi Kusuma'", [])
            .unwrap();
        assert!(names(&conn, "Lestari").is_empty());
        assert_eq!(names(&conn, "kusuma"), ["Dewi Kusuma"]);
    }
}
