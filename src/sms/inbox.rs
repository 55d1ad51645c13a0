//! Messages from customers (issue 17): what the modem read, joined when it came in parts, and
//! kept in `sms_inbox` with the customer whose number sent it (none for an unknown number).
//!
//! A reply from a customer that is only a STOP word (STOP, BERHENTI or one of `[sms]
//! stop_words`, in any case) is handed to the customers' side ([`Customers::stop`]:
//! `customers::sms_replies`) and kept as read. Every other reply waits, unread, for staff on
//! the inbox page and shows on the customer's timeline.

use chrono::{DateTime, FixedOffset, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use super::from_network::DeliverPart;
use crate::plumbing::i18n::Lang;
use crate::plumbing::ids::{CustomerId, SmsInboxId, StaffId};
use crate::plumbing::phone;

/// The words that always stop texts.
const STOP_WORDS: [&str; 2] = ["STOP", "BERHENTI"];

/// What the inbox asks of the customers' records: who has a number, and acting on a STOP.
/// `customers::sms_replies` provides it (the server puts the two together), since customers
/// already send SMS and so sit above this module.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Customers {
    /// The customer whose number this is.
    pub(crate) find: fn(&Connection, &phone::E164) -> rusqlite::Result<Option<CustomerId>>,
    /// Marks the customer "do not text" and queues the confirmation.
    pub(crate) stop: fn(&Connection, &CustomerId, &Replies, DateTime<Utc>) -> rusqlite::Result<()>,
}

impl Customers {
    /// No customers: every number is unknown (before the server sets the real ones).
    pub(crate) const NONE: Customers = Customers {
        find: |_, _| Ok(None),
        stop: |_, _, _, _| Ok(()),
    };
}

/// What the inbox needs from the configuration, and the customers' side.
#[derive(Debug, Clone)]
pub(crate) struct Replies {
    pub(crate) country: String,
    pub(crate) branch_name: String,
    pub(crate) branch_lang: Lang,
    pub(crate) stop_words: Vec<String>,
    pub(crate) customers: Customers,
}

impl Replies {
    /// From the configuration.
    pub(crate) fn from_config(
        config: &crate::plumbing::config::Config,
        customers: Customers,
    ) -> Replies {
        Replies {
            country: config.branch.country.clone(),
            branch_name: config.branch.name.clone(),
            branch_lang: config.language(),
            stop_words: config.sms.stop_words.clone(),
            customers,
        }
    }

    /// Whether `text` is only a STOP word.
    pub(crate) fn is_stop(&self, text: &str) -> bool {
        let word = text.trim().trim_end_matches(['.', '!']).trim();
        STOP_WORDS
            .iter()
            .copied()
            .chain(self.stop_words.iter().map(|w| w.trim()))
            .any(|stop| {
                stop.eq_ignore_ascii_case(word) || stop.to_lowercase() == word.to_lowercase()
            })
    }
}

/// What receiving a part led to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Received {
    /// A part of a longer message; the rest has not come yet (or a copy already kept).
    Nothing,
    /// A message for staff.
    Message(SmsInboxId),
    /// A STOP: the customer is now "do not text"; the confirmation is queued (wake the sender).
    Stopped(SmsInboxId),
}

/// Keeps one part read from the modem, inside the caller's write transaction.
pub(crate) fn receive_part(
    conn: &Connection,
    part: &DeliverPart,
    replies: &Replies,
    now: DateTime<Utc>,
) -> rusqlite::Result<Received> {
    let sender = phone::normalise(&part.sender, &replies.country)
        .map(|n| n.as_str().to_owned())
        .unwrap_or_else(|_| part.sender.clone());
    let text = match part.concat {
        None => part.text.clone(),
        Some((reference, total, seq)) => {
            match join_parts(conn, &sender, (reference, total, seq), part, now)? {
                Some(text) => text,
                None => return Ok(Received::Nothing),
            }
        }
    };
    receive(conn, &sender, &text, part.sent_at, replies, now)
}

/// Keeps a part of a concatenated message; the whole text once every part is in.
fn join_parts(
    conn: &Connection,
    sender: &str,
    (reference, total, seq): (u16, u8, u8),
    part: &DeliverPart,
    now: DateTime<Utc>,
) -> rusqlite::Result<Option<String>> {
    if seq == 0 || seq > total || total < 2 {
        return Ok(None);
    }
    conn.prepare_cached(
        "INSERT INTO sms_inbox_parts (sender, reference, total, seq, body, sent_at, received_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT DO NOTHING",
    )?
    .execute(params![
        sender,
        reference,
        total,
        seq,
        part.text,
        part.sent_at.to_rfc3339(),
        now
    ])?;
    let texts: Vec<String> = conn
        .prepare_cached(
            "SELECT body FROM sms_inbox_parts WHERE sender = ?1 AND reference = ?2 AND total = ?3
             ORDER BY seq",
        )?
        .query_map(params![sender, reference, total], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    if texts.len() < usize::from(total) {
        return Ok(None);
    }
    conn.prepare_cached(
        "DELETE FROM sms_inbox_parts WHERE sender = ?1 AND reference = ?2 AND total = ?3",
    )?
    .execute(params![sender, reference, total])?;
    Ok(Some(texts.concat()))
}

/// Keeps a whole message: a STOP acted on, anything else for staff. A copy of a message
/// already kept (read again after a crash before the SIM's copy was deleted) is ignored.
fn receive(
    conn: &Connection,
    sender: &str,
    text: &str,
    sent_at: DateTime<FixedOffset>,
    replies: &Replies,
    now: DateTime<Utc>,
) -> rusqlite::Result<Received> {
    let sent = sent_at.to_rfc3339();
    let copy: Option<i64> = conn
        .prepare_cached("SELECT 1 FROM sms_inbox WHERE sender = ?1 AND sent_at = ?2 AND body = ?3")?
        .query_row(params![sender, sent, text], |r| r.get(0))
        .optional()?;
    if copy.is_some() {
        return Ok(Received::Nothing);
    }
    let customer = match phone::normalise(sender, &replies.country) {
        Ok(number) => (replies.customers.find)(conn, &number)?,
        Err(_) => None,
    };
    let stop = replies.is_stop(text) && customer.is_some();
    let id = SmsInboxId::new(now);
    conn.prepare_cached(
        "INSERT INTO sms_inbox (id, sender, body, sent_at, received_at, customer_id, stop, read_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, CASE WHEN ?7 THEN ?5 END)",
    )?
    .execute(params![id, sender, text, sent, now, customer, stop])?;
    match customer {
        Some(customer) if stop => {
            (replies.customers.stop)(conn, &customer, replies, now)?;
            Ok(Received::Stopped(id))
        }
        _ => Ok(Received::Message(id)),
    }
}

/// A message as the inbox page shows it.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub(crate) id: SmsInboxId,
    pub(crate) sender: String,
    pub(crate) body: String,
    pub(crate) received_at: DateTime<Utc>,
    pub(crate) customer: Option<(CustomerId, String)>,
    pub(crate) stop: bool,
    pub(crate) read: bool,
}

/// What [`entry`] reads, before a `WHERE`.
const ENTRY_SQL: &str = "SELECT i.id, i.sender, i.body, i.received_at, i.customer_id, c.full_name,
        i.stop, i.read_at IS NOT NULL
    FROM sms_inbox i LEFT JOIN customers c ON c.id = i.customer_id";

/// The latest messages, from customers (`known`) or from unknown numbers.
pub(crate) fn latest(conn: &Connection, known: bool, limit: u32) -> rusqlite::Result<Vec<Entry>> {
    let mut stmt = conn.prepare_cached(&format!(
        "{ENTRY_SQL} WHERE (i.customer_id IS NOT NULL) = ?1
         ORDER BY i.received_at DESC, i.id DESC LIMIT +?2"
    ))?;
    stmt.query_map(params![known, limit], entry)?.collect()
}

/// One message.
pub(crate) fn get(conn: &Connection, id: &SmsInboxId) -> rusqlite::Result<Option<Entry>> {
    conn.prepare_cached(&format!("{ENTRY_SQL} WHERE i.id = ?1"))?
        .query_row([id], entry)
        .optional()
}

fn entry(r: &rusqlite::Row<'_>) -> rusqlite::Result<Entry> {
    let customer: Option<CustomerId> = r.get(4)?;
    let name: Option<String> = r.get(5)?;
    Ok(Entry {
        id: r.get(0)?,
        sender: r.get(1)?,
        body: r.get(2)?,
        received_at: r.get(3)?,
        customer: customer.map(|c| (c, name.unwrap_or_default())),
        stop: r.get(6)?,
        read: r.get(7)?,
    })
}

/// Unread messages: (from customers, from unknown numbers).
pub(crate) fn unread(conn: &Connection) -> rusqlite::Result<(u32, u32)> {
    conn.prepare_cached(
        "SELECT count(*) FILTER (WHERE customer_id IS NOT NULL),
                count(*) FILTER (WHERE customer_id IS NULL)
         FROM sms_inbox WHERE read_at IS NULL",
    )?
    .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
}

/// Marks a message read by `staff` (the first reader is kept).
pub(crate) fn mark_read(
    conn: &Connection,
    id: &SmsInboxId,
    staff: &StaffId,
    now: DateTime<Utc>,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE sms_inbox SET read_at = ?2, read_by = ?3 WHERE id = ?1 AND read_at IS NULL",
    )?
    .execute(params![id, now, staff])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::sms::from_network::{FromNetwork, decode, encode_deliver};

    fn replies() -> Replies {
        Replies {
            country: "ID".to_owned(),
            branch_name: "Cabang Uji".to_owned(),
            branch_lang: Lang::Id,
            stop_words: vec!["UNREG".to_owned()],
            customers: Customers::NONE,
        }
    }

    fn parts(from: &str, text: &str, reference: u8) -> Vec<DeliverPart> {
        let at = DateTime::parse_from_rfc3339("2026-12-01T10:42:00+07:00").unwrap();
        encode_deliver(from, text, at, reference)
            .unwrap()
            .iter()
            .map(|(hex, len)| match decode(hex, *len).unwrap() {
                FromNetwork::Deliver(part) => part,
                other => panic!("{other:?}"),
            })
            .collect()
    }

    #[test]
    fn stop_words() {
        let r = replies();
        for yes in ["STOP", "stop", " Berhenti. ", "unreg", "STOP!"] {
            assert!(r.is_stop(yes), "{yes}");
        }
        for no in ["stop reminders please", "jangan stop", "", "STOPP"] {
            assert!(!r.is_stop(no), "{no}");
        }
    }

    #[test]
    fn parts_in_any_order_make_one_message_and_a_copy_is_ignored() {
        let (_dir, db) = crate::plumbing::db::tests::test_db();
        let conn = db.conn().unwrap();
        let now = DateTime::from_timestamp(1_764_560_000, 0).unwrap();
        let long = "Maaf saya telat, besok saya bayar di cabang ya pak. ".repeat(4);
        let mut got = parts("+6281299990000", &long, 3);
        assert_eq!(got.len(), 2);
        got.reverse();
        assert_eq!(
            receive_part(&conn, &got[0], &replies(), now).unwrap(),
            Received::Nothing
        );
        let Received::Message(id) = receive_part(&conn, &got[1], &replies(), now).unwrap() else {
            panic!()
        };
        let entry = get(&conn, &id).unwrap().unwrap();
        assert_eq!(entry.body, long);
        assert_eq!(entry.sender, "+6281299990000");
        assert!(entry.customer.is_none(), "an unknown number");
        assert_eq!(unread(&conn).unwrap(), (0, 1));
        // Read again (a crash before the SIM's copy was deleted): not kept twice.
        for part in &got {
            assert_eq!(
                receive_part(&conn, part, &replies(), now).unwrap(),
                Received::Nothing
            );
        }
        let again = parts("+6281299990000", "Halo", 0).remove(0);
        assert!(matches!(
            receive_part(&conn, &again, &replies(), now).unwrap(),
            Received::Message(_)
        ));
        assert_eq!(unread(&conn).unwrap(), (0, 2));
    }
}
