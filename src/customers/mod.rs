//! Customers of the branch: who they are, how to reach them, whether their phone is verified,
//! and what happened to them (the event history staff see).
//!
//! A phone number that changes, whoever changes it, becomes unverified (seed 001): see
//! [`change_phone`].

pub(crate) mod alternative_contacts;
pub(crate) mod caller;
pub(crate) mod language;
pub(crate) mod notes;
pub(crate) mod phone_and_email;
pub(crate) mod search;
pub(crate) mod sms_replies;
pub(crate) mod timeline;

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::plumbing::i18n::{Lang, Msg};
use crate::plumbing::ids::{CustomerId, EventId, StaffId};
use crate::plumbing::phone::E164;

/// A customer to add.
pub(crate) struct NewCustomer<'a> {
    pub(crate) full_name: &'a str,
    pub(crate) phone: &'a E164,
    pub(crate) id_number: Option<&'a str>,
    pub(crate) date_of_birth: Option<NaiveDate>,
    pub(crate) address: &'a str,
    pub(crate) email: Option<&'a str>,
    pub(crate) phone_verified: bool,
}

/// Adds a customer.
pub(crate) fn insert(
    conn: &Connection,
    new: &NewCustomer,
    now: DateTime<Utc>,
) -> rusqlite::Result<CustomerId> {
    let id = CustomerId::new(now);
    let completed =
        (!new.full_name.is_empty() && new.id_number.is_some() && new.date_of_birth.is_some())
            .then_some(now);
    conn.prepare_cached(
        "INSERT INTO customers (id, full_name, phone, phone_verified_at, id_number, date_of_birth, address, email,
                                profile_completed_at, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10)",
    )?
    .execute(params![
        id,
        new.full_name,
        new.phone.as_str(),
        new.phone_verified.then_some(now),
        new.id_number,
        new.date_of_birth,
        new.address,
        new.email,
        completed,
        now
    ])?;
    Ok(id)
}

/// Adds a customer whose number another live record already holds, as a pair from before one
/// number meant one record (V12) would be: left out of the unique index (`phone_shared`).
#[cfg(test)]
pub(crate) fn insert_sharing_phone(
    conn: &Connection,
    new: &NewCustomer,
    now: DateTime<Utc>,
) -> rusqlite::Result<CustomerId> {
    let mut random = [0u8; 8];
    crate::plumbing::crypto::fill_random(&mut random);
    let digits = u64::from_be_bytes(random) % 1_000_000_000_000;
    let placeholder = E164::from_stored(format!("+99{digits:012}"));
    let id = insert(
        conn,
        &NewCustomer {
            phone: &placeholder,
            ..*new
        },
        now,
    )?;
    conn.execute(
        "UPDATE customers SET phone = ?2, phone_shared = 1 WHERE id = ?1",
        params![id, new.phone.as_str()],
    )?;
    Ok(id)
}

/// How many customers the branch has: the count the triggers of V42 keep with each insert and
/// delete, not every customer counted on each dashboard.
pub(crate) fn count(conn: &Connection) -> rusqlite::Result<i64> {
    conn.prepare_cached("SELECT n FROM kept_counts WHERE name = 'customers'")?
        .query_row([], |r| r.get(0))
}

/// How many customers are locked out of the portal (too many wrong codes) until staff unlock them.
/// Read from the partial index `customers_locked` (V38): the statistics cannot tell the
/// planner how few they are, and it read all 100,000 customers of a full branch.
pub(crate) fn locked_count(conn: &Connection) -> rusqlite::Result<u64> {
    conn.prepare_cached(
        "SELECT COUNT(*) FROM customers INDEXED BY customers_locked WHERE locked_at IS NOT NULL",
    )?
    .query_row([], |r| r.get(0))
}

/// A customer record.
#[derive(Debug, Clone)]
pub(crate) struct Customer {
    pub(crate) id: CustomerId,
    pub(crate) full_name: String,
    pub(crate) phone: E164,
    pub(crate) phone_verified_at: Option<DateTime<Utc>>,
    pub(crate) id_number: Option<String>,
    pub(crate) date_of_birth: Option<NaiveDate>,
    pub(crate) address: String,
    pub(crate) email: Option<String>,
    /// When a code sent to `email` proved it (cleared when the address changes).
    pub(crate) email_verified_at: Option<DateTime<Utc>>,
    pub(crate) profile_completed_at: Option<DateTime<Utc>>,
    pub(crate) locked_at: Option<DateTime<Utc>>,
    pub(crate) wrong_codes: u32,
    /// A new number the customer gave at the portal, waiting for its code
    /// (`phone_and_email::confirm_pending_phone`); `phone` stays until then.
    pub(crate) pending_phone: Option<E164>,
    /// The language the customer chose (`language`); none: the branch's.
    pub(crate) language: Option<Lang>,
}

/// The columns [`from_row`] reads.
const COLUMNS: &str =
    "id, full_name, phone, phone_verified_at, id_number, date_of_birth, address, email,
                       profile_completed_at, locked_at, wrong_codes, email_verified_at, pending_phone, language";

/// A customer from a row of [`COLUMNS`].
fn from_row(r: &Row) -> rusqlite::Result<Customer> {
    Ok(Customer {
        id: r.get(0)?,
        full_name: r.get(1)?,
        phone: E164::from_stored(r.get(2)?),
        phone_verified_at: r.get(3)?,
        id_number: r.get(4)?,
        date_of_birth: r.get(5)?,
        address: r.get(6)?,
        email: r.get(7)?,
        profile_completed_at: r.get(8)?,
        locked_at: r.get(9)?,
        wrong_codes: r.get(10)?,
        email_verified_at: r.get(11)?,
        pending_phone: r.get::<_, Option<String>>(12)?.map(E164::from_stored),
        language: r
            .get::<_, Option<String>>(13)?
            .as_deref()
            .and_then(Lang::from_code),
    })
}

/// One customer by id.
pub(crate) fn get(conn: &Connection, id: &CustomerId) -> rusqlite::Result<Option<Customer>> {
    conn.prepare_cached(&format!("SELECT {COLUMNS} FROM customers WHERE id = ?1"))?
        .query_row([id], from_row)
        .optional()
}

/// The customer with this phone number (the oldest record, if there are duplicates). A
/// merged record's number reaches the record it was merged into.
pub(crate) fn find_by_phone(conn: &Connection, phone: &E164) -> rusqlite::Result<Option<Customer>> {
    let found: Option<CustomerId> = conn
        .prepare_cached(
            "SELECT COALESCE(merged_into, id) FROM customers WHERE phone = ?1
             ORDER BY merged_into IS NOT NULL, created_at, id LIMIT 1",
        )?
        .query_row([phone.as_str()], |r| r.get(0))
        .optional()?;
    match found {
        Some(id) => get(conn, &id),
        None => Ok(None),
    }
}

/// Who a phone number leads to at the portal's login.
#[derive(Debug)]
pub(crate) enum Holder {
    /// Nobody: a stranger's number.
    Nobody,
    /// One customer (through an alias, the record it was merged into).
    One(Box<Customer>),
    /// Records of more than one customer, from before one number meant one record (issue 11):
    /// staff must resolve the pair before the number logs in.
    Shared,
}

/// Who `phone` leads to: nobody, one customer, or a pair staff have not resolved.
pub(crate) fn holder_of(conn: &Connection, phone: &E164) -> rusqlite::Result<Holder> {
    let records: u32 = conn
        .prepare_cached(
            "SELECT COUNT(DISTINCT COALESCE(merged_into, id)) FROM customers WHERE phone = ?1",
        )?
        .query_row([phone.as_str()], |r| r.get(0))?;
    if records > 1 {
        return Ok(Holder::Shared);
    }
    Ok(find_by_phone(conn, phone)?.map_or(Holder::Nobody, |c| Holder::One(Box::new(c))))
}

/// Why a customer's phone number or email could not change.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ContactError {
    /// The number leads to a customer other than this one (issue 11): it cannot become theirs.
    #[error("the phone number belongs to another customer")]
    PhoneTaken,
    #[error("database: {0}")]
    Db(#[from] rusqlite::Error),
}

/// Whether `phone` is held by a record that is not `by` (nor an alias of it): the check every
/// path that gives a record a number makes first, so that the unique index
/// `customers_live_phone` (V12) is never what refuses it.
pub(crate) fn phone_taken(
    conn: &Connection,
    phone: &E164,
    by: Option<&CustomerId>,
) -> rusqlite::Result<bool> {
    conn.prepare_cached(
        "SELECT EXISTS (SELECT 1 FROM customers WHERE phone = ?1 AND COALESCE(merged_into, id) IS NOT ?2)",
    )?
    .query_row(params![phone.as_str(), by], |r| r.get(0))
}

/// The record a merged record was merged into (`None` for a record in its own right, or no
/// such record). An alias is always one step from its record (`duplicates::merge`).
pub(crate) fn merged_into(
    conn: &Connection,
    id: &CustomerId,
) -> rusqlite::Result<Option<CustomerId>> {
    conn.prepare_cached("SELECT merged_into FROM customers WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()
        .map(Option::flatten)
}

/// The customer with this ID number (KTP), if any.
pub(crate) fn find_by_id_number(
    conn: &Connection,
    id_number: &str,
) -> rusqlite::Result<Option<Customer>> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM customers WHERE id_number = ?1"
    ))?
    .query_row([id_number], from_row)
    .optional()
}

/// Records that the customer asked for no more reminders (or for them again), audited with
/// who did it. Codes the customer asks for are still sent.
pub(crate) fn set_do_not_text_by(
    conn: &Connection,
    id: &CustomerId,
    value: bool,
    staff: &crate::roles::StaffUser,
    now: DateTime<Utc>,
) -> rusqlite::Result<()> {
    set_do_not_text_as(conn, id, value, &crate::audit::Actor::Staff(staff), now)
}

/// [`set_do_not_text_by`] for any actor: the customer themselves when they reply STOP by SMS.
pub(crate) fn set_do_not_text_as(
    conn: &Connection,
    id: &CustomerId,
    value: bool,
    actor: &crate::audit::Actor,
    now: DateTime<Utc>,
) -> rusqlite::Result<()> {
    let before = do_not_text(conn, id)?;
    conn.execute(
        "UPDATE customers SET do_not_text = ?2, updated_at = ?3 WHERE id = ?1",
        params![id, value, now],
    )?;
    let change = crate::audit::Change {
        action: "customer.do_not_text",
        entity: "customer",
        entity_id: id.as_str(),
        before: Some(serde_json::json!({ "do_not_text": before })),
        after: Some(serde_json::json!({ "do_not_text": value })),
    };
    crate::audit::record(conn, actor, &change, now)
}

/// Whether the customer asked not to be sent text messages (notices are then not queued).
pub(crate) fn do_not_text(conn: &Connection, id: &CustomerId) -> rusqlite::Result<bool> {
    conn.prepare_cached("SELECT do_not_text FROM customers WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()
        .map(|v| v.unwrap_or(false))
}

/// Something that happened to a customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EventKind {
    CodeSent,
    CodeAccepted,
    CodeFailed,
    Locked,
    Unlocked,
    PhoneVerified,
    PhoneChanged,
    ProfileCompleted,
    EmailVerified,
    EmailChanged,
    CallerVerified,
    /// Another record of the customer was merged into this one (`duplicates::merge`).
    Merged,
    /// A call agent approved the customer's information (`callcentre::approval`).
    InfoApproved,
    /// Marked, or cleared, "do not contact" (`callcentre::do_not_contact`).
    DoNotContactSet,
    DoNotContactCleared,
}

impl EventKind {
    fn code(self) -> &'static str {
        match self {
            EventKind::CodeSent => "code_sent",
            EventKind::CodeAccepted => "code_accepted",
            EventKind::CodeFailed => "code_failed",
            EventKind::Locked => "locked",
            EventKind::Unlocked => "unlocked",
            EventKind::PhoneVerified => "phone_verified",
            EventKind::PhoneChanged => "phone_changed",
            EventKind::ProfileCompleted => "profile_completed",
            EventKind::EmailVerified => "email_verified",
            EventKind::EmailChanged => "email_changed",
            EventKind::CallerVerified => "caller_verified",
            EventKind::Merged => "merged",
            EventKind::InfoApproved => "info_approved",
            EventKind::DoNotContactSet => "do_not_contact",
            EventKind::DoNotContactCleared => "do_not_contact_cleared",
        }
    }

    /// The event for people.
    pub(crate) fn label(code: &str) -> Msg {
        match code {
            "code_sent" => Msg::EventCodeSent,
            "code_accepted" => Msg::EventCodeAccepted,
            "code_failed" => Msg::EventCodeFailed,
            "locked" => Msg::EventLocked,
            "unlocked" => Msg::EventUnlocked,
            "phone_verified" => Msg::EventPhoneVerified,
            "phone_changed" => Msg::EventPhoneChanged,
            "email_verified" => Msg::EventEmailVerified,
            "email_changed" => Msg::EventEmailChanged,
            "caller_verified" => Msg::EventCallerVerified,
            "merged" => Msg::EventMerged,
            "info_approved" => Msg::EventInfoApproved,
            "do_not_contact" => Msg::EventDoNotContact,
            "do_not_contact_cleared" => Msg::EventDoNotContactCleared,
            _ => Msg::EventProfileCompleted,
        }
    }
}

/// Records an event in the customer's history.
pub(crate) fn record_event(
    conn: &Connection,
    customer: &CustomerId,
    kind: EventKind,
    staff: Option<&StaffId>,
    detail: &str,
    now: DateTime<Utc>,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO customer_events (id, customer_id, at, kind, staff_id, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![EventId::new(now), customer, now, kind.code(), staff, detail])?;
    Ok(())
}

/// Marks the customer's current phone as verified.
pub(crate) fn mark_phone_verified(
    conn: &Connection,
    customer: &CustomerId,
    staff: Option<&StaffId>,
    now: DateTime<Utc>,
) -> rusqlite::Result<()> {
    let changed = conn.execute(
        "UPDATE customers SET phone_verified_at = ?2, updated_at = ?2 WHERE id = ?1 AND phone_verified_at IS NULL",
        params![customer, now],
    )?;
    if changed > 0 {
        record_event(conn, customer, EventKind::PhoneVerified, staff, "", now)?;
    }
    Ok(())
}

/// Marks the customer's current email address as verified.
pub(crate) fn mark_email_verified(
    conn: &Connection,
    customer: &CustomerId,
    staff: Option<&StaffId>,
    now: DateTime<Utc>,
) -> rusqlite::Result<()> {
    let changed = conn.execute(
        "UPDATE customers SET email_verified_at = ?2, updated_at = ?2
         WHERE id = ?1 AND email IS NOT NULL AND email_verified_at IS NULL",
        params![customer, now],
    )?;
    if changed > 0 {
        record_event(conn, customer, EventKind::EmailVerified, staff, "", now)?;
    }
    Ok(())
}

/// Changes the phone number; a new number is unverified until a code proves it. Refused when
/// the number is another customer's. `Ok(false)`: the number was already this one.
pub(crate) fn change_phone(
    conn: &Connection,
    customer: &Customer,
    phone: &E164,
    staff: Option<&StaffId>,
    now: DateTime<Utc>,
) -> Result<bool, ContactError> {
    if &customer.phone == phone {
        return Ok(false);
    }
    if phone_taken(conn, phone, Some(&customer.id))? {
        return Err(ContactError::PhoneTaken);
    }
    conn.execute(
        "UPDATE customers SET phone = ?2, phone_verified_at = NULL, updated_at = ?3 WHERE id = ?1",
        params![customer.id, phone.as_str(), now],
    )?;
    let detail = format!("{} → {}", customer.phone.masked(), phone.masked());
    record_event(
        conn,
        &customer.id,
        EventKind::PhoneChanged,
        staff,
        &detail,
        now,
    )?;
    Ok(true)
}

/// Unlocks a customer locked after wrong codes; wrong codes count from zero again.
pub(crate) fn unlock(
    conn: &Connection,
    customer: &CustomerId,
    staff: &StaffId,
    now: DateTime<Utc>,
) -> rusqlite::Result<bool> {
    let changed = conn.execute(
        "UPDATE customers SET locked_at = NULL, wrong_codes = 0, updated_at = ?2 WHERE id = ?1 AND locked_at IS NOT NULL",
        params![customer, now],
    )?;
    if changed > 0 {
        record_event(conn, customer, EventKind::Unlocked, Some(staff), "", now)?;
    }
    Ok(changed > 0)
}

/// The profile a customer completes on first login.
pub(crate) struct Profile<'a> {
    pub(crate) full_name: &'a str,
    pub(crate) id_number: &'a str,
    pub(crate) date_of_birth: NaiveDate,
    pub(crate) address: &'a str,
    pub(crate) email: Option<&'a str>,
}

/// Saves the profile and marks it complete.
pub(crate) fn save_profile(
    conn: &Connection,
    customer: &CustomerId,
    p: &Profile,
    now: DateTime<Utc>,
) -> rusqlite::Result<()> {
    // A changed email address is unverified until a code proves it, as a phone number is.
    let first = conn.execute(
        "UPDATE customers SET full_name = ?2, id_number = ?3, date_of_birth = ?4, address = ?5, email = ?6,
                              email_verified_at = CASE WHEN email IS ?6 THEN email_verified_at END,
                              profile_completed_at = COALESCE(profile_completed_at, ?7), updated_at = ?7
         WHERE id = ?1",
        params![customer, p.full_name, p.id_number, p.date_of_birth, p.address, p.email, now],
    )?;
    if first > 0 {
        record_event(conn, customer, EventKind::ProfileCompleted, None, "", now)?;
    }
    Ok(())
}

// ----- Staff pages -----

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::audit::Actor;
    use crate::duplicates::merge::{self, Field, MergeError};

    fn number(local: &str) -> E164 {
        crate::plumbing::phone::normalise(local, "ID").unwrap()
    }

    fn customer<'a>(name: &'a str, phone: &'a E164) -> NewCustomer<'a> {
        NewCustomer {
            full_name: name,
            phone,
            id_number: None,
            date_of_birth: None,
            address: "",
            email: None,
            phone_verified: true,
        }
    }

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).unwrap()
    }

    fn unique_refusal(e: rusqlite::Error) -> bool {
        e.to_string()
            .contains("UNIQUE constraint failed: customers.phone")
    }

    /// The kept count is the customers' count: from the rows there before V42, then after
    /// each insert and delete (a refused insert leaves it alone).
    #[test]
    fn the_kept_count_is_the_number_of_customers() {
        use crate::plumbing::db::tests::migrate_branch_to;
        let mut conn = Connection::open_in_memory().unwrap();
        migrate_branch_to(&mut conn, Some(41));
        let counted = |conn: &Connection| -> i64 {
            conn.query_row("SELECT count(*) FROM customers", [], |r| r.get(0))
                .unwrap()
        };
        let (a, b, c) = (
            number("0812 1111 0001"),
            number("0812 1111 0002"),
            number("0812 1111 0003"),
        );
        insert(&conn, &customer("Siti", &a), now()).unwrap();
        insert(&conn, &customer("Budi", &b), now()).unwrap();
        migrate_branch_to(&mut conn, None);
        assert_eq!(count(&conn).unwrap(), 2);
        let ani = insert(&conn, &customer("Ani", &c), now()).unwrap();
        assert!(insert(&conn, &customer("Ani again", &c), now()).is_err());
        assert_eq!(count(&conn).unwrap(), 3);
        conn.execute("DELETE FROM customers WHERE id = ?1", [&ani])
            .unwrap();
        assert_eq!(count(&conn).unwrap(), counted(&conn));
        assert_eq!(count(&conn).unwrap(), 2);
    }

    fn phone_of(conn: &Connection, id: &CustomerId) -> String {
        get(conn, id).unwrap().unwrap().phone.as_str().to_owned()
    }

    #[test]
    fn a_contact_change_at_the_counter_is_audited_unverifies_and_tells_the_old_number() {
        use super::phone_and_email::{Changed, ContactChange, Notice, change_contact};
        let (_dir, db) = crate::plumbing::db::tests::test_db();
        let conn = db.conn().unwrap();
        let (p1, p2, p3) = (
            number("081211110001"),
            number("081211110002"),
            number("081211110003"),
        );
        let ani = insert(&conn, &customer("Ani", &p1), now()).unwrap();
        insert(&conn, &customer("Budi", &p2), now()).unwrap();
        let staff =
            crate::loans::ops::tests::staff_member(&conn, crate::roles::Role::Manager, now());
        let notice = Notice {
            lang: crate::plumbing::i18n::Lang::En,
            branch: "Pawnbranch",
        };
        let count = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
        let before = get(&conn, &ani).unwrap().unwrap();
        let (audit, sms) = (
            count("SELECT count(*) FROM audit_log"),
            count("SELECT count(*) FROM sms_outbox"),
        );
        // Budi's number: refused, nothing written.
        let taken = ContactChange {
            phone: &p2,
            email: None,
            reason: "typo",
        };
        assert!(matches!(
            change_contact(&conn, &before, &taken, &staff, &notice, now()),
            Err(ContactError::PhoneTaken)
        ));
        // As it is: nothing to do.
        let same = ContactChange {
            phone: &p1,
            email: None,
            reason: "checked",
        };
        assert_eq!(
            change_contact(&conn, &before, &same, &staff, &notice, now()).unwrap(),
            Changed::Nothing
        );
        assert_eq!(count("SELECT count(*) FROM audit_log"), audit);
        assert_eq!(count("SELECT count(*) FROM sms_outbox"), sms);
        // A new number: unverified, audited, the old number told.
        let new = ContactChange {
            phone: &p3,
            email: Some("ani@example.com"),
            reason: "new SIM",
        };
        assert_eq!(
            change_contact(&conn, &before, &new, &staff, &notice, now()).unwrap(),
            Changed::Changed { told: true }
        );
        let after = get(&conn, &ani).unwrap().unwrap();
        assert_eq!(after.phone, p3);
        assert!(after.phone_verified_at.is_none());
        assert_eq!(after.email.as_deref(), Some("ani@example.com"));
        assert_eq!(count("SELECT count(*) FROM audit_log"), audit + 1);
        let told: String = conn
            .query_row(
                "SELECT recipient FROM sms_outbox ORDER BY created_at DESC LIMIT 1",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(told, p1.as_str(), "the SMS goes to the number we had");
    }

    #[test]
    fn every_path_refuses_a_second_live_record_of_a_number() {
        let (_dir, db) = crate::plumbing::db::tests::test_db();
        let conn = db.conn().unwrap();
        let (p1, p2) = (number("081211110001"), number("081211110002"));
        let ani = insert(&conn, &customer("Ani", &p1), now()).unwrap();
        let budi = insert(&conn, &customer("Budi", &p2), now()).unwrap();
        // The database, whatever the path.
        let err = insert(&conn, &customer("Copy", &p1), now()).unwrap_err();
        assert!(unique_refusal(err));
        // A change of number, cleanly.
        let b = get(&conn, &budi).unwrap().unwrap();
        assert!(matches!(
            change_phone(&conn, &b, &p1, None, now()),
            Err(ContactError::PhoneTaken)
        ));
        assert_eq!(phone_of(&conn, &budi), p2.as_str());
        // A merge that gives the survivor the merged record's number.
        merge::merge(
            &conn,
            &ani,
            &budi,
            &[Field::Phone],
            &Actor::System,
            None,
            now(),
        )
        .unwrap();
        assert_eq!(phone_of(&conn, &ani), p2.as_str());
        // Her old number is free; the kept one (also her alias's) is hers, and taken for others.
        assert!(!phone_taken(&conn, &p1, None).unwrap());
        assert!(!phone_taken(&conn, &p2, Some(&ani)).unwrap());
        assert!(phone_taken(&conn, &p2, None).unwrap());
    }

    #[test]
    fn a_pair_from_before_stays_until_resolved_and_no_third_record_joins_it() {
        let (_dir, db) = crate::plumbing::db::tests::test_db();
        let conn = db.conn().unwrap();
        let p = number("081222220000");
        let older = insert(&conn, &customer("Dewi", &p), now()).unwrap();
        let newer = insert_sharing_phone(&conn, &customer("Dewi R", &p), now()).unwrap();
        assert!(matches!(holder_of(&conn, &p).unwrap(), Holder::Shared));
        assert!(unique_refusal(
            insert(&conn, &customer("Third", &p), now()).unwrap_err()
        ));
        // A merge of a third record that would take the number is refused cleanly.
        let q = number("081222220001");
        let other = insert(&conn, &customer("Eka", &q), now()).unwrap();
        let outcome = merge::merge(
            &conn,
            &other,
            &older,
            &[Field::Phone],
            &Actor::System,
            None,
            now(),
        );
        assert!(matches!(outcome, Err(MergeError::PhoneTaken)));
        // The indexed record merged into the grandfathered one: that one takes its place.
        merge::merge(&conn, &newer, &older, &[], &Actor::System, None, now()).unwrap();
        match holder_of(&conn, &p).unwrap() {
            Holder::One(c) => assert_eq!(c.id, newer),
            other => panic!("{other:?}"),
        }
        assert!(unique_refusal(
            insert(&conn, &customer("Third", &p), now()).unwrap_err()
        ));
    }

    #[test]
    fn a_grandfathered_record_that_changes_its_number_cannot_go_back() {
        let (_dir, db) = crate::plumbing::db::tests::test_db();
        let conn = db.conn().unwrap();
        let (p, q) = (number("081233330000"), number("081233330001"));
        insert(&conn, &customer("Fajar", &p), now()).unwrap();
        let newer = insert_sharing_phone(&conn, &customer("Fajar S", &p), now()).unwrap();
        conn.execute(
            "UPDATE customers SET phone = ?2 WHERE id = ?1",
            params![newer, q.as_str()],
        )
        .unwrap();
        assert!(matches!(holder_of(&conn, &p).unwrap(), Holder::One(_)));
        let back = conn.execute(
            "UPDATE customers SET phone = ?2 WHERE id = ?1",
            params![newer, p.as_str()],
        );
        assert!(unique_refusal(back.unwrap_err()));
    }
}
