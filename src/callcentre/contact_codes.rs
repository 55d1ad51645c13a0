//! A contact's phone checked by a one-time code (issue 15, seed 004 "Alternative contacts"):
//! the call agent sends a code to the guarantor's or alternative contact's number and types in
//! the code the contact reads out. The rules are the customers' (`otp::send` and `otp::check`
//! on a [`CodeStore`]): validity, spacing, daily count per number, three wrong codes lock the
//! contact (until its phone is changed). Only keyed hashes are stored (`contact_codes`, which
//! never leaves the branch); the code exists only in the SMS. It lives with the call centre,
//! above `otp` and `customers` (which `otp` itself uses).
//!
//! A code is a message to the customer's side, so it is sent ([`send`]) only when the
//! collection rules admit a contact about the customer now (`super::rules::admit`, the check
//! of every follow-up note and its message): within the contact hours, not on a holiday,
//! within the day's attempts, and not to a customer marked "do not contact".

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use super::rules::{self, Blocked, ContactRules, Reach};
use crate::otp::{
    self, CodeStore, CodeText, Codes, Destination, LiveCode, NewCode, Purpose, Refusal, Requester,
    SendError,
};
use crate::plumbing::ids::{CustomerId, StaffId};
use crate::sms::outbox::{self, Kind, NewSms};

/// The code state of one contact of one customer.
pub(crate) struct ContactStore<'a> {
    pub(crate) conn: &'a Connection,
    pub(crate) customer: &'a CustomerId,
    pub(crate) contact: &'a str,
    pub(crate) staff: Option<&'a StaffId>,
}

impl ContactStore<'_> {
    /// The contact's phone, when it is a current contact of this customer.
    pub(crate) fn phone(&self) -> rusqlite::Result<Option<crate::plumbing::phone::E164>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT phone FROM customer_contacts WHERE id = ?1 AND customer_id = ?2 AND removed_at IS NULL",
            )?
            .query_row(params![self.contact, self.customer], |r| r.get::<_, String>(0))
            .optional()?
            .map(crate::plumbing::phone::E164::from_stored))
    }
}

/// Why no code was sent, or the database failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum NotSent {
    /// No contact about the customer now (the collection rules).
    #[error("no contact now: {0}")]
    Blocked(Blocked),
    /// The code rules (`otp`): spacing, the day's count, a locked contact.
    #[error("refused: {0:?}")]
    Refused(Refusal),
    #[error("database: {0}")]
    Db(#[from] rusqlite::Error),
}

/// Sends a code to the contact's `phone` when the collection rules admit a contact about the
/// customer at `now` (`today` its branch-local date), then by the code rules of `otp`. Call
/// inside the caller's immediate transaction; wake the SMS sender after the commit.
#[allow(clippy::too_many_arguments)]
pub(crate) fn send(
    store: &mut ContactStore,
    codes: &Codes,
    phone: &crate::plumbing::phone::E164,
    requester: &Requester,
    words: &CodeText,
    contact: &ContactRules,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<(), NotSent> {
    rules::admit(
        store.conn,
        contact,
        store.customer,
        Reach::CustomersSide,
        today,
        now,
    )?
    .map_err(NotSent::Blocked)?;
    otp::send(
        store,
        codes,
        Destination::Phone(phone),
        requester,
        words,
        now,
    )
    .map_err(|e| match e {
        SendError::Refused(refusal) => NotSent::Refused(refusal),
        SendError::Db(e) => NotSent::Db(e),
    })
}

impl CodeStore for ContactStore<'_> {
    fn lock_state(&self) -> rusqlite::Result<(bool, u32)> {
        self.conn
            .prepare_cached(
                "SELECT locked_at IS NOT NULL, wrong_codes FROM customer_contacts WHERE id = ?1",
            )?
            .query_row([self.contact], |r| Ok((r.get(0)?, r.get(1)?)))
    }

    fn sent_since(
        &self,
        destination: &Destination,
        since: DateTime<Utc>,
    ) -> rusqlite::Result<(u32, Option<DateTime<Utc>>)> {
        let Destination::Phone(phone) = destination else {
            return Ok((0, None));
        };
        // The customers' codes to the same number count too: a number is not pumped twice.
        self.conn
            .prepare_cached(
                "SELECT COUNT(*) FILTER (WHERE created_at >= ?2), MAX(created_at) FROM (
                   SELECT created_at FROM contact_codes WHERE destination = ?1
                   UNION ALL SELECT created_at FROM otp_codes WHERE destination = ?1)",
            )?
            .query_row(params![phone.as_str(), since], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
    }

    fn keep(&mut self, code: &NewCode, words: &CodeText) -> rusqlite::Result<()> {
        let Destination::Phone(phone) = code.destination else {
            return Err(rusqlite::Error::InvalidQuery);
        };
        self.conn.execute(
            "UPDATE contact_codes SET voided_at = ?2 WHERE contact_id = ?1 AND used_at IS NULL AND voided_at IS NULL",
            params![self.contact, code.created_at],
        )?;
        self.conn
            .prepare_cached(
                "INSERT INTO contact_codes (id, contact_id, destination, code_hash, binding_hash, staff_id,
                   created_at, expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?
            .execute(params![
                code.id,
                self.contact,
                phone.as_str(),
                code.hash.as_slice(),
                code.binding_hash.as_slice(),
                self.staff,
                code.created_at,
                code.expires_at
            ])?;
        let body = words.text.replace("{code}", &code.code);
        let sms = NewSms {
            to: phone,
            text: &body,
            kind: Kind::Verification,
            expires_at: Some(code.expires_at),
            customer: None,
        };
        outbox::enqueue(self.conn, &sms, code.created_at)?;
        Ok(())
    }

    fn live(
        &self,
        _purpose: Purpose,
        binding_hash: &[u8; 32],
    ) -> rusqlite::Result<Option<LiveCode>> {
        self.conn
            .prepare_cached(
                "SELECT id, code_hash, destination, expires_at FROM contact_codes
                 WHERE contact_id = ?1 AND binding_hash = ?2 AND used_at IS NULL AND voided_at IS NULL
                 ORDER BY created_at DESC LIMIT 1",
            )?
            .query_row(params![self.contact, binding_hash.as_slice()], |r| {
                Ok(LiveCode {
                    id: r.get(0)?,
                    hash: r.get(1)?,
                    destination: r.get(2)?,
                    expires_at: r.get(3)?,
                })
            })
            .optional()
    }

    fn accept(
        &mut self,
        code: &LiveCode,
        _purpose: Purpose,
        now: DateTime<Utc>,
    ) -> rusqlite::Result<()> {
        self.conn.execute(
            "UPDATE contact_codes SET used_at = ?2 WHERE id = ?1",
            params![code.id, now],
        )?;
        // Verified only if the number is still the contact's.
        self.conn.execute(
            "UPDATE customer_contacts SET wrong_codes = 0,
               phone_verified_at = CASE WHEN phone = ?2 THEN ?3 ELSE phone_verified_at END
             WHERE id = ?1",
            params![self.contact, code.destination, now],
        )?;
        Ok(())
    }

    fn count_wrong(
        &mut self,
        wrong: u32,
        _max: u32,
        lock: bool,
        now: DateTime<Utc>,
    ) -> rusqlite::Result<()> {
        self.conn.execute(
            "UPDATE customer_contacts SET wrong_codes = ?2, locked_at = CASE WHEN ?3 THEN ?4 ELSE locked_at END
             WHERE id = ?1",
            params![self.contact, wrong, lock, now],
        )?;
        if lock {
            self.conn.execute(
                "UPDATE contact_codes SET voided_at = ?2 WHERE contact_id = ?1 AND used_at IS NULL AND voided_at IS NULL",
                params![self.contact, now],
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::customers::alternative_contacts::{self, Kind as ContactKind, NewContact};
    use crate::otp::{self, Checked, Codes, Requester, Rules};
    use crate::plumbing::crypto::InstallationKey;
    use crate::plumbing::phone::E164;

    #[test]
    fn a_contacts_phone_is_verified_by_the_code_it_received_and_locked_after_three_wrong() {
        let (dir, db) = crate::plumbing::db::tests::test_db();
        let conn = db.conn().unwrap();
        let key = InstallationKey::load_or_create(dir.path()).unwrap();
        let now: DateTime<Utc> = "2026-12-01T02:00:00Z".parse().unwrap();
        let (customer, _) = crate::loans::ops::tests::customer_and_gold(&conn, "Siti", now);
        let phone = E164::from_stored("+6281299990000".into());
        let new = NewContact {
            kind: ContactKind::Guarantor,
            full_name: "Budi",
            relationship: "brother",
            phone: &phone,
            email: None,
        };
        let contact = alternative_contacts::add(&conn, &customer, &new, None, now).unwrap();
        let rules = Rules::from_config(
            &crate::plumbing::config::Config::default().otp,
            chrono::FixedOffset::east_opt(7 * 3600).unwrap(),
        );
        let codes = Codes {
            key: &key,
            rules: &rules,
        };
        let requester = Requester {
            purpose: Purpose::Verification,
            binding: "browser-1",
            staff: None,
        };
        let words = CodeText {
            text: "Code {code}",
            subject: "",
        };
        let mut store = ContactStore {
            conn: &conn,
            customer: &customer,
            contact: &contact,
            staff: None,
        };
        otp::send(
            &mut store,
            &codes,
            Destination::Phone(&phone),
            &requester,
            &words,
            now,
        )
        .unwrap();
        let last_code = |to: &E164| -> String {
            let body: String = conn
                .query_row(
                    "SELECT body FROM sms_outbox WHERE recipient = ?1 ORDER BY created_at DESC, id DESC LIMIT 1",
                    [to.as_str()],
                    |r| r.get(0),
                )
                .unwrap();
            body.trim_start_matches("Code ").to_owned()
        };
        let not = |code: &str| if code == "000000" { "111111" } else { "000000" }.to_owned();
        let code = last_code(&phone);
        let stored: i64 = conn
            .query_row(
                "SELECT count(*) FROM contact_codes WHERE code_hash = ?1",
                [code.as_bytes()],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(stored, 0, "only a keyed hash is stored");
        let wrong = not(&code);
        let wrong = wrong.as_str();
        let later = now + chrono::Duration::seconds(10);
        assert_eq!(
            otp::check(&mut store, &codes, &requester, wrong, later).unwrap(),
            Checked::Wrong { remaining: 2 }
        );
        assert!(!alternative_contacts::of_customer(&conn, &customer).unwrap()[0].phone_verified);
        assert!(matches!(
            otp::check(&mut store, &codes, &requester, &code, later).unwrap(),
            Checked::Accepted { .. }
        ));
        assert!(alternative_contacts::of_customer(&conn, &customer).unwrap()[0].phone_verified);
        // A changed phone is unverified again.
        let other = E164::from_stored("+6281377770000".into());
        let edited = NewContact {
            phone: &other,
            ..new
        };
        alternative_contacts::edit(&conn, &customer, &contact, &edited, None, later).unwrap();
        assert!(!alternative_contacts::of_customer(&conn, &customer).unwrap()[0].phone_verified);
        // Three wrong codes lock the contact.
        let t = later + chrono::Duration::minutes(1);
        otp::send(
            &mut store,
            &codes,
            Destination::Phone(&other),
            &requester,
            &words,
            t,
        )
        .unwrap();
        let wrong = not(&last_code(&other));
        for remaining in [2, 1] {
            assert_eq!(
                otp::check(&mut store, &codes, &requester, &wrong, t).unwrap(),
                Checked::Wrong { remaining }
            );
        }
        assert_eq!(
            otp::check(&mut store, &codes, &requester, &wrong, t).unwrap(),
            Checked::NowLocked
        );
        assert!(alternative_contacts::of_customer(&conn, &customer).unwrap()[0].locked);
        let refused = otp::send(
            &mut store,
            &codes,
            Destination::Phone(&other),
            &requester,
            &words,
            t + chrono::Duration::minutes(5),
        );
        assert!(matches!(
            refused,
            Err(otp::SendError::Refused(otp::Refusal::Locked))
        ));
    }

    #[test]
    fn no_code_goes_to_a_contact_when_no_contact_about_the_customer_is_admitted() {
        use crate::callcentre::notes::tests::{now, reached, rules as note_rules, today, world};
        let w = world();
        let conn = w.db.conn().unwrap();
        let key = InstallationKey::load_or_create(w._dir.path()).unwrap();
        let phone = E164::from_stored("+6281299990000".into());
        let new = NewContact {
            kind: ContactKind::Guarantor,
            full_name: "Budi",
            relationship: "brother",
            phone: &phone,
            email: None,
        };
        let contact = alternative_contacts::add(&conn, &w.customer, &new, None, now()).unwrap();
        let rules = Rules::from_config(
            &crate::plumbing::config::Config::default().otp,
            chrono::FixedOffset::east_opt(7 * 3600).unwrap(),
        );
        let codes = Codes {
            key: &key,
            rules: &rules,
        };
        let requester = Requester {
            purpose: Purpose::Verification,
            binding: "browser-1",
            staff: None,
        };
        let words = CodeText {
            text: "Code {code}",
            subject: "",
        };
        let contact_rules = note_rules().contact;
        let mut store = ContactStore {
            conn: &conn,
            customer: &w.customer,
            contact: &contact,
            staff: None,
        };
        let mut send_at = |at: DateTime<Utc>| {
            send(
                &mut store,
                &codes,
                &phone,
                &requester,
                &words,
                &contact_rules,
                today(),
                at,
            )
        };
        let texts = |conn: &Connection| -> i64 {
            conn.query_row("SELECT count(*) FROM sms_outbox", [], |r| r.get(0))
                .unwrap()
        };
        let agent = w.agent.clone();
        crate::callcentre::do_not_contact::set(
            &conn,
            &agent,
            &w.customer,
            "Lawyer's letter",
            now(),
        )
        .unwrap();
        assert!(matches!(
            send_at(now()),
            Err(NotSent::Blocked(Blocked::DoNotContact))
        ));
        assert_eq!(
            texts(&conn),
            0,
            "no message to a marked customer's guarantor"
        );
        crate::callcentre::do_not_contact::clear(&conn, &agent, &w.customer, now()).unwrap();
        // 06:00 branch time (UTC+7): before the contact hours.
        let early: DateTime<Utc> = "2026-11-30T23:00:00Z".parse().unwrap();
        assert!(matches!(
            send_at(early),
            Err(NotSent::Blocked(Blocked::OutsideHours { .. }))
        ));
        assert_eq!(texts(&conn), 0);
        send_at(now()).unwrap();
        assert_eq!(texts(&conn), 1, "admitted: sent");
        // The day's attempts used up by notes: no more contact, by code either.
        let note_rules = note_rules();
        for minutes in 1..=3 {
            let at = now() + chrono::Duration::minutes(minutes);
            crate::callcentre::notes::add(
                &conn,
                &agent,
                &reached(&w.customer),
                &note_rules,
                today(),
                at,
            )
            .unwrap();
        }
        assert!(matches!(
            send_at(now() + chrono::Duration::minutes(10)),
            Err(NotSent::Blocked(Blocked::DailyLimit(3)))
        ));
        assert_eq!(texts(&conn), 1);
    }
}
