//! What each modem costs: the messages and parts it sent per branch-local day with their
//! cost, and the last SIM balance it read. Written by the modem's sender thread, read by the
//! SMS page and the dashboard, synced to head office (`sms_modem_days`, `sms_modem_balances`).

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use crate::plumbing::ids::SmsId;

/// One modem's messages on one day.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Day {
    pub(crate) messages: i64,
    pub(crate) parts: i64,
    /// In the branch currency's minor units.
    pub(crate) cost: i64,
}

/// A modem's last balance check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Balance {
    /// The amount read, in minor units; `None` when the check failed.
    pub(crate) amount: Option<i64>,
    /// The operator's answer, or why the check failed.
    pub(crate) answer: String,
    pub(crate) checked_at: DateTime<Utc>,
}

/// The branch-local day of `now`.
pub(crate) fn day_of(now: DateTime<Utc>, offset: FixedOffset) -> NaiveDate {
    now.with_timezone(&offset).date_naive()
}

/// Records that `modem` sent message `id` in `parts` parts at `price_per_part` each: on the
/// message, and in the modem's count for `day`. Call inside an immediate transaction.
pub(crate) fn record_sent(
    conn: &Connection,
    id: &SmsId,
    modem: &str,
    parts: i64,
    price_per_part: i64,
    day: NaiveDate,
    now: DateTime<Utc>,
) -> rusqlite::Result<()> {
    conn.prepare_cached("UPDATE sms_outbox SET modem = ?2, parts = ?3 WHERE id = ?1")?
        .execute(params![id, modem, parts])?;
    let cost = parts.saturating_mul(price_per_part);
    conn.prepare_cached(
        "INSERT INTO sms_modem_days (id, modem, day, messages, parts, cost, updated_at)
         VALUES (?1 || '/' || ?2, ?1, ?2, 1, ?3, ?4, ?5)
         ON CONFLICT (id) DO UPDATE SET messages = messages + 1, parts = parts + ?3,
                                        cost = cost + ?4, updated_at = ?5",
    )?
    .execute(params![modem, day.to_string(), parts, cost, now])?;
    Ok(())
}

/// `modem`'s count for `day` (zero when it sent nothing).
pub(crate) fn day(conn: &Connection, modem: &str, day: NaiveDate) -> rusqlite::Result<Day> {
    conn.prepare_cached(
        "SELECT messages, parts, cost FROM sms_modem_days WHERE modem = ?1 AND day = ?2",
    )?
    .query_row(params![modem, day.to_string()], |r| {
        Ok(Day {
            messages: r.get(0)?,
            parts: r.get(1)?,
            cost: r.get(2)?,
        })
    })
    .optional()
    .map(Option::unwrap_or_default)
}

/// Records a balance check of `modem`: the amount and the operator's answer, or the error.
pub(crate) fn record_balance(
    conn: &Connection,
    modem: &str,
    outcome: &Result<(i64, String), String>,
    now: DateTime<Utc>,
) -> rusqlite::Result<()> {
    let (amount, answer, failed) = match outcome {
        Ok((amount, answer)) => (Some(*amount), answer.as_str(), false),
        Err(error) => (None, error.as_str(), true),
    };
    conn.prepare_cached(
        "INSERT INTO sms_modem_balances (modem, balance, answer, failed, checked_at)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (modem) DO UPDATE SET balance = ?2, answer = ?3, failed = ?4, checked_at = ?5",
    )?
    .execute(params![modem, amount, answer, failed, now])?;
    Ok(())
}

/// `modem`'s last balance check, if any.
pub(crate) fn balance(conn: &Connection, modem: &str) -> rusqlite::Result<Option<Balance>> {
    conn.prepare_cached(
        "SELECT balance, answer, checked_at FROM sms_modem_balances WHERE modem = ?1",
    )?
    .query_row([modem], |r| {
        Ok(Balance {
            amount: r.get(0)?,
            answer: r.get(1)?,
            checked_at: r.get(2)?,
        })
    })
    .optional()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::plumbing::phone;
    use crate::sms::outbox::{self, Kind, NewSms, SMS};

    #[test]
    fn sends_add_up_per_modem_and_day_and_balances_keep_the_last_check() {
        let (_dir, db) = crate::plumbing::db::tests::test_db();
        let mut conn = db.conn().unwrap();
        let t0 = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let today = day_of(t0, FixedOffset::east_opt(7 * 3600).unwrap());
        let to = phone::normalise("081299990000", "ID").unwrap();
        for (modem, parts) in [("left", 1), ("left", 2), ("right", 3)] {
            let text = format!("{parts} part(s) through {modem}");
            let new = NewSms {
                to: &to,
                text: &text,
                kind: Kind::Test,
                expires_at: None,
                customer: None,
            };
            let id = outbox::enqueue(&conn, &new, t0).unwrap();
            let tx = crate::plumbing::db::immediate(&mut conn).unwrap();
            record_sent(&tx, &id, modem, parts, 150, today, t0).unwrap();
            tx.commit().unwrap();
        }
        let left = day(&conn, "left", today).unwrap();
        assert_eq!(
            left,
            Day {
                messages: 2,
                parts: 3,
                cost: 450
            }
        );
        assert_eq!(day(&conn, "right", today).unwrap().cost, 450);
        assert_eq!(
            day(&conn, "left", today.succ_opt().unwrap()).unwrap(),
            Day::default()
        );
        let listed = SMS.recent(&conn, 10).unwrap();
        assert_eq!(listed.len(), 3);

        assert_eq!(balance(&conn, "left").unwrap(), None);
        record_balance(&conn, "left", &Ok((12_500, "Pulsa Rp 12.500".into())), t0).unwrap();
        record_balance(&conn, "left", &Err("no answer".into()), t0).unwrap();
        let last = balance(&conn, "left").unwrap().unwrap();
        assert_eq!((last.amount, last.answer.as_str()), (None, "no answer"));
    }

    #[test]
    fn head_office_receives_the_counts_the_balances_and_which_modem_sent() {
        let dir = tempfile::tempdir().unwrap();
        let db =
            crate::sync::changes::open_logged(dir.path(), std::time::Duration::from_secs(5), 2)
                .unwrap();
        let mut conn = db.conn().unwrap();
        let t0 = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let to = phone::normalise("081299990000", "ID").unwrap();
        let new = NewSms {
            to: &to,
            text: "Test",
            kind: Kind::Test,
            expires_at: None,
            customer: None,
        };
        let id = outbox::enqueue(&conn, &new, t0).unwrap();
        let tx = crate::plumbing::db::immediate(&mut conn).unwrap();
        record_sent(
            &tx,
            &id,
            "left",
            2,
            150,
            day_of(t0, FixedOffset::east_opt(0).unwrap()),
            t0,
        )
        .unwrap();
        record_balance(&tx, "left", &Ok((9_000, "Pulsa Rp 9.000".into())), t0).unwrap();
        tx.commit().unwrap();
        let logged = |entity: &str| -> Vec<serde_json::Value> {
            conn.prepare("SELECT data FROM sync_log WHERE entity = ?1 ORDER BY seq")
                .unwrap()
                .query_map([entity], |r| r.get::<_, String>(0))
                .unwrap()
                .map(|d| serde_json::from_str(&d.unwrap()).unwrap())
                .collect()
        };
        let days = logged("sms_modem_days");
        assert_eq!(days.len(), 1);
        assert_eq!(
            (days[0]["messages"].as_i64(), days[0]["cost"].as_i64()),
            (Some(1), Some(300))
        );
        assert_eq!(
            logged("sms_modem_balances")[0]["balance"].as_i64(),
            Some(9_000)
        );
        let outbox = logged("sms_outbox");
        let last = outbox.last().unwrap();
        assert_eq!(
            (last["modem"].as_str(), last["parts"].as_i64()),
            (Some("left"), Some(2))
        );
    }
}
