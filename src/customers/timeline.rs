//! The customer's timeline: everything that happened to the customer, newest first, with who
//! and when: codes requested, entered and refused, locks and unlocks, verifications, callers
//! verified, SMS and emails sent (with their delivery state), notes, the call centre's follow-up
//! notes, what happened on their complaint cases (`complaints`), and staff edits from the audit
//! log. Each source keeps its own table; this module only reads and merges them.
//! Events and audit entries are append-only and keep the record they were written for, so a
//! survivor's timeline also reads those of the records merged into it (`duplicates::merge`).

use crate::plumbing::ids::CustomerId;
use chrono::{DateTime, Utc};
use rusqlite::Connection;

/// How many entries of each source the page reads.
const PER_SOURCE: u32 = 100;
/// What an entry is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum What {
    /// A customer event, by its code (see [`EventKind`]).
    Event(String),
    /// An SMS of this kind, in this state, with the network's report of its delivery.
    Sms {
        kind: String,
        state: String,
        delivery: crate::sms::reports::Delivery,
    },
    /// An SMS from the customer (issue 17); the detail is its text.
    SmsReply,
    /// An email of this kind, in this state.
    Email {
        kind: String,
        state: String,
    },
    Note,
    /// An event on one of the customer's complaint cases, by its code (`complaints::EventKind`).
    Complaint {
        case: String,
        kind: String,
    },
    /// A call centre follow-up note (`callcentre::notes`), by its Party Response's labels in
    /// English and Indonesian; the detail is its Comments.
    FollowUp {
        response_en: String,
        response_id: String,
    },
    /// A staff change from the audit log, by its action.
    Edit(String),
}
/// One line of the timeline.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub(crate) at: DateTime<Utc>,
    pub(crate) what: What,
    /// The staff member, or none for the customer or the system.
    pub(crate) who: Option<String>,
    pub(crate) detail: String,
}
/// The customer's SMS, with their delivery.
fn sms(conn: &Connection, customer: &CustomerId, entries: &mut Vec<Entry>) -> rusqlite::Result<()> {
    let mut stmt = conn.prepare_cached(
        "SELECT created_at, kind, state, COALESCE(last_error, ''), delivery, delivered_at,
                delivery_status
         FROM sms_outbox WHERE customer_id = ?1 ORDER BY created_at DESC LIMIT +?2",
    )?;
    let rows = stmt.query_map(rusqlite::params![customer, PER_SOURCE], |r| {
        Ok(Entry {
            at: r.get(0)?,
            what: What::Sms {
                kind: r.get(1)?,
                state: r.get(2)?,
                delivery: crate::sms::reports::Delivery::read(r, 4)?,
            },
            who: None,
            detail: r.get(3)?,
        })
    })?;
    for row in rows {
        entries.push(row?);
    }
    Ok(())
}

/// The customer's timeline, newest first.
pub(crate) fn of_customer(
    conn: &Connection,
    customer: &CustomerId,
) -> rusqlite::Result<Vec<Entry>> {
    let mut entries = Vec::new();
    sms(conn, customer, &mut entries)?;
    let mut read = |sql: &str, make: &dyn Fn(String, String) -> What| -> rusqlite::Result<()> {
        let mut stmt = conn.prepare_cached(sql)?;
        let rows = stmt.query_map(rusqlite::params![customer, PER_SOURCE], |r| {
            Ok(Entry {
                at: r.get(0)?,
                what: make(r.get(1)?, r.get(2)?),
                who: r.get(3)?,
                detail: r.get(4)?,
            })
        })?;
        for row in rows {
            entries.push(row?);
        }
        Ok(())
    };
    read(
        "SELECT e.at, e.kind, '', s.full_name, e.detail FROM customer_events e LEFT JOIN staff s ON s.id = e.staff_id
         WHERE e.customer_id = ?1 OR e.customer_id IN (SELECT id FROM customers WHERE merged_into = ?1)
         ORDER BY e.at DESC LIMIT +?2",
        &|kind, _| What::Event(kind),
    )?;
    read(
        "SELECT received_at, '', '', NULL, body FROM sms_inbox
         WHERE customer_id = ?1 AND stop = 0 ORDER BY received_at DESC LIMIT +?2",
        &|_, _| What::SmsReply,
    )?;
    read(
        "SELECT created_at, kind, state, NULL, COALESCE(last_error, '') FROM email_outbox
         WHERE customer_id = ?1 ORDER BY created_at DESC LIMIT +?2",
        &|kind, state| What::Email { kind, state },
    )?;
    read(
        "SELECT n.at, '', '', s.full_name, n.body FROM customer_notes n LEFT JOIN staff s ON s.id = n.staff_id
         WHERE n.customer_id = ?1 ORDER BY n.at DESC LIMIT +?2",
        &|_, _| What::Note,
    )?;
    read(
        "SELECT e.at, e.complaint_id, e.kind, s.full_name, COALESCE(e.to_state, e.detail)
         FROM complaint_events e JOIN complaints c ON c.id = e.complaint_id
         LEFT JOIN staff s ON s.id = e.staff_id
         WHERE c.customer_id = ?1 ORDER BY e.at DESC LIMIT +?2",
        &|case, kind| What::Complaint { case, kind },
    )?;
    read(
        "SELECT n.at, COALESCE(c.label_en, n.party_response), COALESCE(c.label_id, n.party_response),
           s.full_name, n.comments
         FROM followup_notes n JOIN staff s ON s.id = n.staff_id
         LEFT JOIN callcentre_choices c
           ON c.id = 'party_response/' || n.status_action || '/' || n.party_response
         WHERE n.customer_id = ?1 ORDER BY n.at DESC LIMIT +?2",
        &|response_en, response_id| What::FollowUp {
            response_en,
            response_id,
        },
    )?;
    read(
        "SELECT a.at, a.action, '', COALESCE(s.full_name, a.actor), '' FROM audit_log a LEFT JOIN staff s ON s.id = a.staff_id
         WHERE a.entity = 'customer'
           -- Notes and caller checks are audited too, but shown from their own rows above.
           AND a.action NOT IN ('customer.note', 'customer.followup', 'customer.caller_verified')
           AND (a.entity_id = ?1 OR a.entity_id IN (SELECT id FROM customers WHERE merged_into = ?1))
         ORDER BY a.at DESC LIMIT +?2",
        &|action, _| What::Edit(action),
    )?;
    entries.sort_by_key(|e| std::cmp::Reverse(e.at));
    Ok(entries)
}
