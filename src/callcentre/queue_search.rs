//! The follow-up queue's search index: which of the kept queue rows ([`super::queue::Rows`])
//! match a search, without testing every row. A search matched each of the 30,000 rows of a
//! large branch by a substring test per name (154 ms p99 under load, `bench callcentre`); the
//! index answers from the three-letter pieces of the names and phone numbers and a table of the
//! ticket numbers, then confirms only the few rows that keep the rarest piece of the search.
//!
//! The answer is exactly the rows the substring test kept: a part of the name (in lower case),
//! a part of the phone number (digits as typed, [`super::queue`] reads them), or one ticket
//! number whole (ASCII case ignored). It is built once per set of rows, when first searched;
//! the rows a write added since are indexed apart, over their own positions.

use std::collections::HashMap;

/// The pieces of the kept rows, each with the rows (their positions) that contain it.
pub(crate) struct SearchIndex {
    /// The positions indexed: `first` and the `count` after it.
    first: u32,
    count: u32,
    names: HashMap<[char; 3], Vec<u32>>,
    phones: HashMap<[u8; 3], Vec<u32>>,
    tickets: HashMap<String, Vec<u32>>,
}

/// What one row brings to the index.
pub(crate) struct Entry<'a> {
    /// The name in lower case.
    pub(crate) name: &'a str,
    pub(crate) phone: &'a str,
    /// Ticket numbers separated by spaces.
    pub(crate) tickets: &'a str,
}

fn add<K: std::hash::Hash + Eq>(map: &mut HashMap<K, Vec<u32>>, key: K, row: u32) {
    let rows = map.entry(key).or_default();
    // A piece twice in one name is listed once.
    if rows.last() != Some(&row) {
        rows.push(row);
    }
}

fn char_pieces(text: &str) -> Vec<[char; 3]> {
    let chars: Vec<char> = text.chars().collect();
    chars.windows(3).map(|w| [w[0], w[1], w[2]]).collect()
}

fn byte_pieces(text: &str) -> impl Iterator<Item = [u8; 3]> + '_ {
    text.as_bytes().windows(3).map(|w| [w[0], w[1], w[2]])
}

impl SearchIndex {
    /// The index of the rows at positions `first`, `first + 1`, ... (one entry each).
    pub(crate) fn build<'a>(first: u32, entries: impl Iterator<Item = Entry<'a>>) -> SearchIndex {
        let mut index = SearchIndex {
            first,
            count: 0,
            names: HashMap::new(),
            phones: HashMap::new(),
            tickets: HashMap::new(),
        };
        for entry in entries {
            let row = first.saturating_add(index.count);
            index.count = index.count.saturating_add(1);
            for piece in char_pieces(entry.name) {
                add(&mut index.names, piece, row);
            }
            for piece in byte_pieces(entry.phone) {
                add(&mut index.phones, piece, row);
            }
            for ticket in entry.tickets.split(' ').filter(|t| !t.is_empty()) {
                add(&mut index.tickets, ticket.to_ascii_lowercase(), row);
            }
        }
        index
    }

    /// The position after the last one indexed.
    pub(crate) fn rows(&self) -> u32 {
        self.first.saturating_add(self.count)
    }

    /// The rows matching `search` (in lower case, not empty): the name contains it, the phone
    /// contains `digits` (when not empty), or a ticket number is it; `name` and `phone` give a
    /// row's name (lower case) and phone for the final test. In no order, each once.
    pub(crate) fn matching<'r>(
        &self,
        search: &str,
        digits: &str,
        name: impl Fn(u32) -> &'r str,
        phone: impl Fn(u32) -> &'r str,
    ) -> Vec<u32> {
        let mut found = Vec::new();
        let pieces = char_pieces(search);
        if pieces.is_empty() {
            // Shorter than a piece: every name is a candidate.
            found.extend((self.first..self.rows()).filter(|r| name(*r).contains(search)));
        } else if let Some(rarest) = rarest(pieces.iter().map(|p| self.names.get(p))) {
            found.extend(rarest.iter().filter(|r| name(**r).contains(search)));
        }
        if !digits.is_empty()
            && let Some(rarest) = rarest(byte_pieces(digits).map(|p| self.phones.get(&p)))
        {
            found.extend(rarest.iter().filter(|r| phone(**r).contains(digits)));
        }
        if let Some(rows) = self.tickets.get(&search.to_ascii_lowercase()) {
            found.extend(rows);
        }
        found.sort_unstable();
        found.dedup();
        found
    }
}

/// The shortest of the pieces' lists; none when a piece is in no row (so nothing matches).
fn rarest<'a>(lists: impl Iterator<Item = Option<&'a Vec<u32>>>) -> Option<&'a Vec<u32>> {
    let mut best: Option<&Vec<u32>> = None;
    for list in lists {
        let list = list?;
        if best.is_none_or(|b| list.len() < b.len()) {
            best = Some(list);
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROWS: [(&str, &str, &str); 4] = [
        ("siti rahmawati", "+6281234567890", "T-1 T-2"),
        ("budi", "+6281299998888", "T-3"),
        ("ani ani", "+6285500001111", ""),
        ("50%_x", "+6285500002222", "t-9"),
    ];

    fn search(search: &str, digits: &str) -> Vec<u32> {
        let index = SearchIndex::build(
            0,
            ROWS.iter().map(|(name, phone, tickets)| Entry {
                name,
                phone,
                tickets,
            }),
        );
        index.matching(
            search,
            digits,
            |r| ROWS[r as usize].0,
            |r| ROWS[r as usize].1,
        )
    }

    #[test]
    fn finds_a_part_of_a_name_a_part_of_a_phone_or_a_whole_ticket() {
        assert_eq!(search("rahma", ""), [0]);
        assert_eq!(search("ani", ""), [2]);
        assert_eq!(search("i", ""), [0, 1, 2], "shorter than a piece");
        assert_eq!(search("ti r", ""), [0], "across a space");
        assert_eq!(search("0812", "812"), [0, 1], "a phone's part");
        assert_eq!(search("99998888", "99998888"), [1]);
        assert_eq!(search("t-2", ""), [0], "a ticket whole, any case");
        assert_eq!(
            search("t-", ""),
            Vec::<u32>::new(),
            "not a part of a ticket"
        );
        assert_eq!(search("t-9", ""), [3]);
        assert_eq!(search("50%_", ""), [3]);
        assert_eq!(
            search("rahmx", ""),
            Vec::<u32>::new(),
            "every piece must be there"
        );
        assert_eq!(
            search("tir", ""),
            Vec::<u32>::new(),
            "pieces apart are not a part"
        );
    }
}
