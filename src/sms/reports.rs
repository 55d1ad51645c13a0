//! Delivery reports: whether a message reached the phone, by the network's word.
//!
//! Every message asks for a status report (TP-SRR). A report names one part by its message
//! reference (the `+CMGS: <mr>` kept in `sms_outbox.modem_reference`) and the recipient's
//! number; references wrap after 255, so a report goes to the latest sent message to that
//! number whose parts include that reference. Each part's report is kept
//! (`sms_status_reports`); the message is `delivered` once every part reached the phone and
//! `not_delivered` as soon as one part failed for good, with the network's time (TP-DT) and
//! the deciding TP-ST. Reports that say the network is still trying change nothing visible.
//!
//! A one-time code with no report of delivery some minutes after it was sent
//! (`[sms] code_delivery_minutes`) is counted for staff ([`undelivered_codes`]).

use chrono::{DateTime, Duration, FixedOffset, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use super::from_network::StatusReport;
use crate::plumbing::i18n::Msg;
use crate::plumbing::ids::SmsId;
use crate::plumbing::phone;

/// How far back a report may match a message (a network keeps trying for the validity period,
/// 24 hours, and a modem may hold reports while it was unplugged).
const MATCH_WITHIN_DAYS: i64 = 7;

/// What a TP-ST says (TS 23.040 §9.2.3.15).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// 0x00–0x1F: the phone has it.
    Delivered,
    /// 0x20–0x3F: a temporary error; the service centre is still trying.
    Trying,
    /// 0x40 and above: given up (permanent error, or a temporary one no longer retried).
    Failed,
}

/// The meaning of a TP-ST value.
pub(crate) fn outcome(status: u8) -> Outcome {
    match status {
        0x00..=0x1F => Outcome::Delivered,
        0x20..=0x3F => Outcome::Trying,
        _ => Outcome::Failed,
    }
}

/// Why a message did not reach the phone, for staff, from its TP-ST.
pub(crate) fn reason(status: u8) -> Msg {
    match status {
        // Validity period expired: the phone stayed off or out of reach.
        0x46 => Msg::DeliveryExpired,
        // Incompatible destination, not obtainable, no interworking: a wrong or dead number.
        0x41 | 0x43 | 0x45 => Msg::DeliveryNumberUnreachable,
        // Connection rejected by the phone, or it stayed busy or did not answer.
        0x42 | 0x61 | 0x62 | 0x65 => Msg::DeliveryPhoneRefused,
        _ => Msg::DeliveryNetworkError,
    }
}

/// A message's delivery, as pages show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Delivery {
    /// No final report yet (or none asked for: the `log` device, text-mode modems that ignore it).
    Unknown,
    Delivered {
        at: DateTime<FixedOffset>,
    },
    NotDelivered {
        at: DateTime<FixedOffset>,
        status: u8,
    },
}

impl Delivery {
    /// From the columns `delivery`, `delivered_at`, `delivery_status` of a row, from `first`.
    pub(crate) fn read(r: &rusqlite::Row<'_>, first: usize) -> rusqlite::Result<Delivery> {
        Ok(Delivery::from_columns(
            r.get(first)?,
            r.get(first + 1)?,
            r.get(first + 2)?,
        ))
    }

    /// From the stored columns `delivery`, `delivered_at`, `delivery_status`.
    pub(crate) fn from_columns(
        delivery: Option<String>,
        at: Option<String>,
        status: Option<u8>,
    ) -> Delivery {
        let at = at.and_then(|at| DateTime::parse_from_rfc3339(&at).ok());
        match (delivery.as_deref(), at) {
            (Some("delivered"), Some(at)) => Delivery::Delivered { at },
            (Some("not_delivered"), Some(at)) => Delivery::NotDelivered {
                at,
                status: status.unwrap_or(0xFF),
            },
            _ => Delivery::Unknown,
        }
    }
}

/// The delivery of one message.
#[cfg(test)]
pub(crate) fn of_message(conn: &Connection, id: &SmsId) -> rusqlite::Result<Delivery> {
    conn.prepare_cached(
        "SELECT delivery, delivered_at, delivery_status FROM sms_outbox WHERE id = ?1",
    )?
    .query_row([id], |r| Delivery::read(r, 0))
    .optional()
    .map(|d| d.unwrap_or(Delivery::Unknown))
}

/// The delivery of the last message of `kind` (its code, e.g. `test`) sent to the customer.
pub(crate) fn last_sent_to(
    conn: &Connection,
    customer: &crate::plumbing::ids::CustomerId,
    kind: &str,
) -> rusqlite::Result<Option<Delivery>> {
    conn.prepare_cached(
        "SELECT delivery, delivered_at, delivery_status FROM sms_outbox
         WHERE customer_id = ?1 AND kind = ?2 AND state = 'sent'
         ORDER BY sent_at DESC, id DESC LIMIT 1",
    )?
    .query_row(params![customer, kind], |r| Delivery::read(r, 0))
    .optional()
}

/// Records a status report inside the caller's write transaction; returns the message it
/// belongs to, or `None` when no sent message matches (a report for a message sent before a
/// reinstall, or for another program's message: dropped).
pub(crate) fn record(
    conn: &Connection,
    report: &StatusReport,
    (country, modem): (&str, &str),
    now: DateTime<Utc>,
) -> rusqlite::Result<Option<SmsId>> {
    let Ok(recipient) = phone::normalise(&report.recipient, country) else {
        return Ok(None);
    };
    let Some((id, references)) =
        matching_message(conn, (recipient.as_str(), modem), report.reference, now)?
    else {
        return Ok(None);
    };
    conn.prepare_cached(
        "INSERT INTO sms_status_reports (sms_id, reference, status, discharged_at, received_at)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (sms_id, reference) DO UPDATE
           SET status = excluded.status, discharged_at = excluded.discharged_at,
               received_at = excluded.received_at",
    )?
    .execute(params![
        id,
        report.reference,
        report.status,
        report.discharged_at.to_rfc3339(),
        now
    ])?;
    decide(conn, &id, &references, now)?;
    Ok(Some(id))
}

/// The latest message `modem` sent to `recipient` among whose parts is `reference`, with all
/// its references.
fn matching_message(
    conn: &Connection,
    (recipient, modem): (&str, &str),
    reference: u8,
    now: DateTime<Utc>,
) -> rusqlite::Result<Option<(SmsId, Vec<u8>)>> {
    let since = now - Duration::days(MATCH_WITHIN_DAYS);
    // Each modem numbers its own messages. A message without a modem was sent before modems
    // had names (V26): it may be any modem's.
    let mut stmt = conn.prepare_cached(
        "SELECT id, modem_reference FROM sms_outbox
         WHERE recipient = ?1 AND state = 'sent' AND sent_at >= ?2 AND modem_reference IS NOT NULL
           AND (modem = ?3 OR modem IS NULL)
         ORDER BY sent_at DESC, id DESC",
    )?;
    let rows = stmt.query_map(params![recipient, since, modem], |r| {
        Ok((r.get::<_, SmsId>(0)?, r.get::<_, String>(1)?))
    })?;
    for row in rows {
        let (id, kept) = row?;
        let references = parse_references(&kept);
        if references.contains(&reference) {
            return Ok(Some((id, references)));
        }
    }
    Ok(None)
}

/// The references kept by [`super::outbox::references`].
fn parse_references(kept: &str) -> Vec<u8> {
    kept.split(',')
        .filter_map(|r| r.trim().parse().ok())
        .collect()
}

/// Sets the message's delivery from its parts' reports: not delivered as soon as one part
/// failed, delivered once every part was.
fn decide(
    conn: &Connection,
    id: &SmsId,
    references: &[u8],
    now: DateTime<Utc>,
) -> rusqlite::Result<()> {
    let mut stmt = conn.prepare_cached(
        "SELECT reference, status, discharged_at FROM sms_status_reports WHERE sms_id = ?1",
    )?;
    let reports: Vec<(u8, u8, String)> = stmt
        .query_map([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let failed = reports
        .iter()
        .find(|(_, status, _)| outcome(*status) == Outcome::Failed);
    let delivered: Vec<&(u8, u8, String)> = reports
        .iter()
        .filter(|(reference, status, _)| {
            outcome(*status) == Outcome::Delivered && references.contains(reference)
        })
        .collect();
    let all_delivered = references
        .iter()
        .all(|r| delivered.iter().any(|(reference, _, _)| reference == r));
    let decided = match failed {
        Some((_, status, at)) => Some(("not_delivered", *status, at.clone())),
        None if all_delivered => delivered
            .iter()
            .max_by(|a, b| a.2.cmp(&b.2))
            .map(|(_, status, at)| ("delivered", *status, at.clone())),
        None => None,
    };
    if let Some((delivery, status, at)) = decided {
        conn.prepare_cached(
            "UPDATE sms_outbox SET delivery = ?2, delivered_at = ?3, delivery_status = ?4,
                                   updated_at = ?5
             WHERE id = ?1",
        )?
        .execute(params![id, delivery, at, status, now])?;
    }
    Ok(())
}

/// A sent message with its delivery, for the SMS page.
#[derive(Debug, Clone)]
pub(crate) struct Sent {
    pub(crate) recipient: phone::E164,
    pub(crate) kind: String,
    pub(crate) sent_at: DateTime<Utc>,
    pub(crate) delivery: Delivery,
}

/// The latest sent messages, newest first.
pub(crate) fn latest_sent(conn: &Connection, limit: u32) -> rusqlite::Result<Vec<Sent>> {
    let mut stmt = conn.prepare_cached(
        "SELECT recipient, kind, sent_at, delivery, delivered_at, delivery_status FROM sms_outbox
         WHERE state = 'sent' ORDER BY sent_at DESC, id DESC LIMIT +?1",
    )?;
    stmt.query_map([limit], |r| {
        Ok(Sent {
            recipient: phone::E164::from_stored(r.get(0)?),
            kind: r.get(1)?,
            sent_at: r.get(2)?,
            delivery: Delivery::read(r, 3)?,
        })
    })?
    .collect()
}

/// How many one-time codes were sent more than `after` ago (within the last day) and have
/// not been reported delivered: staff are warned, since the customer is probably waiting.
pub(crate) fn undelivered_codes(
    conn: &Connection,
    after: Duration,
    now: DateTime<Utc>,
) -> rusqlite::Result<u32> {
    conn.prepare_cached(
        "SELECT count(*) FROM sms_outbox
         WHERE kind IN ('otp', 'verification') AND state = 'sent'
           AND sent_at <= ?1 AND sent_at >= ?2
           AND (delivery IS NULL OR delivery = 'not_delivered')",
    )?
    .query_row(params![now - after, now - Duration::days(1)], |r| r.get(0))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::sms::outbox::{Kind, NewSms, SMS, enqueue, references};

    fn t(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    /// Queues and "sends" a message to +6281234567890 with these part references.
    fn sent(conn: &mut Connection, kind: Kind, parts: &[u8], at: DateTime<Utc>) -> SmsId {
        let to = phone::normalise("081234567890", "ID").unwrap();
        let sms = NewSms {
            to: &to,
            text: "Kode 123456",
            kind,
            expires_at: None,
            customer: None,
        };
        let id = enqueue(conn, &sms, at).unwrap();
        let message = SMS.take_next(conn, at).unwrap().unwrap();
        SMS.mark_sent(conn, &message, Some(&references(parts)), at)
            .unwrap();
        id
    }

    fn report(reference: u8, status: u8, at: &str) -> StatusReport {
        let at = DateTime::parse_from_rfc3339(at).unwrap();
        StatusReport {
            reference,
            // As networks often write it: national digits.
            recipient: "081234567890".to_owned(),
            submitted_at: at,
            discharged_at: at,
            status,
        }
    }

    #[test]
    fn a_long_message_is_delivered_when_all_its_parts_are() {
        let (_dir, db) = crate::plumbing::db::tests::test_db();
        let mut conn = db.conn().unwrap();
        let now = t("2026-12-01T03:41:00Z");
        let id = sent(&mut conn, Kind::Reminder, &[7, 8], now);
        let first = record(
            &conn,
            &report(8, 0, "2026-12-01T10:42:00+07:00"),
            ("ID", "modem 1"),
            now,
        );
        assert_eq!(first.unwrap(), Some(id.clone()));
        assert_eq!(of_message(&conn, &id).unwrap(), Delivery::Unknown);
        // The network still trying for the other part changes nothing.
        record(
            &conn,
            &report(7, 0x21, "2026-12-01T10:42:30+07:00"),
            ("ID", "modem 1"),
            now,
        )
        .unwrap();
        assert_eq!(of_message(&conn, &id).unwrap(), Delivery::Unknown);
        record(
            &conn,
            &report(7, 0, "2026-12-01T10:43:00+07:00"),
            ("ID", "modem 1"),
            now,
        )
        .unwrap();
        assert_eq!(
            of_message(&conn, &id).unwrap(),
            Delivery::Delivered {
                at: DateTime::parse_from_rfc3339("2026-12-01T10:43:00+07:00").unwrap()
            }
        );
    }

    #[test]
    fn one_failed_part_fails_the_message_and_references_that_wrapped_go_to_the_latest() {
        let (_dir, db) = crate::plumbing::db::tests::test_db();
        let mut conn = db.conn().unwrap();
        let old = sent(&mut conn, Kind::Reminder, &[5], t("2026-11-30T01:00:00Z"));
        let new = sent(&mut conn, Kind::Otp, &[5, 6], t("2026-12-01T01:00:00Z"));
        let now = t("2026-12-01T02:00:00Z");
        record(
            &conn,
            &report(5, 0x46, "2026-12-01T09:00:00+07:00"),
            ("ID", "modem 1"),
            now,
        )
        .unwrap();
        assert_eq!(of_message(&conn, &old).unwrap(), Delivery::Unknown);
        assert!(matches!(
            of_message(&conn, &new).unwrap(),
            Delivery::NotDelivered { status: 0x46, .. }
        ));
        assert_eq!(reason(0x46), Msg::DeliveryExpired);
    }

    /// Each modem numbers its own messages: a report read by one modem is about a message that
    /// modem sent, even when another modem sent a later one to the same phone with the same
    /// reference.
    #[test]
    fn a_report_matches_a_message_of_the_modem_that_read_it() {
        let (_dir, db) = crate::plumbing::db::tests::test_db();
        let mut conn = db.conn().unwrap();
        let by_b = sent(&mut conn, Kind::Reminder, &[5], t("2026-12-01T01:00:00Z"));
        let by_a = sent(&mut conn, Kind::Reminder, &[5], t("2026-12-01T01:01:00Z"));
        for (id, modem) in [(&by_b, "modem b"), (&by_a, "modem a")] {
            conn.execute(
                "UPDATE sms_outbox SET modem = ?2 WHERE id = ?1",
                params![id, modem],
            )
            .unwrap();
        }
        let now = t("2026-12-01T02:00:00Z");
        let matched = record(
            &conn,
            &report(5, 0, "2026-12-01T09:00:00+07:00"),
            ("ID", "modem b"),
            now,
        )
        .unwrap();
        assert_eq!(matched, Some(by_b.clone()));
        assert_eq!(of_message(&conn, &by_a).unwrap(), Delivery::Unknown);
    }

    #[test]
    fn reports_for_no_known_message_are_dropped() {
        let (_dir, db) = crate::plumbing::db::tests::test_db();
        let mut conn = db.conn().unwrap();
        let now = t("2026-12-01T02:00:00Z");
        sent(&mut conn, Kind::Reminder, &[5], now);
        assert_eq!(
            record(
                &conn,
                &report(9, 0, "2026-12-01T09:00:00+07:00"),
                ("ID", "modem 1"),
                now
            )
            .unwrap(),
            None
        );
        let mut other = report(5, 0, "2026-12-01T09:00:00+07:00");
        other.recipient = "+6289999999999".to_owned();
        assert_eq!(record(&conn, &other, ("ID", "modem 1"), now).unwrap(), None);
    }

    #[test]
    fn a_code_not_delivered_within_the_minutes_is_counted() {
        let (_dir, db) = crate::plumbing::db::tests::test_db();
        let mut conn = db.conn().unwrap();
        let sent_at = t("2026-12-01T02:00:00Z");
        let code = sent(&mut conn, Kind::Otp, &[1], sent_at);
        sent(&mut conn, Kind::Reminder, &[2], sent_at);
        let three = Duration::minutes(3);
        let count = |at| undelivered_codes(&conn, three, t(at)).unwrap();
        assert_eq!(count("2026-12-01T02:02:59Z"), 0);
        assert_eq!(count("2026-12-01T02:03:00Z"), 1);
        record(
            &conn,
            &report(1, 0, "2026-12-01T09:04:00+07:00"),
            ("ID", "modem 1"),
            sent_at,
        )
        .unwrap();
        assert!(matches!(
            of_message(&conn, &code).unwrap(),
            Delivery::Delivered { .. }
        ));
        assert_eq!(count("2026-12-01T02:05:00Z"), 0);
    }
}
