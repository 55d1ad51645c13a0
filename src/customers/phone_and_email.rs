//! Changing a customer's phone number or email address at the counter. Only staff with
//! Customer Management may, and only with a reason. A changed phone or email becomes
//! unverified until a code proves it (seed 001); the customer is told by SMS at the old number,
//! so a change they did not ask for does not go unnoticed; everything is in the audit log.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, params};
use serde_json::json;

use crate::audit::{self, Actor};
use crate::customers::{ContactError, Customer, EventKind, change_phone, record_event};
use crate::plumbing::config::Config;
use crate::plumbing::i18n::{Lang, Msg};
use crate::plumbing::ids::CustomerId;
use crate::plumbing::phone::E164;
use crate::roles::StaffUser;
use crate::sms::outbox::{self as sms_outbox, Kind as SmsKind, NewSms};

/// A change of contact details at the counter, with its reason.
pub(crate) struct ContactChange<'a> {
    pub(crate) phone: &'a E164,
    pub(crate) email: Option<&'a str>,
    pub(crate) reason: &'a str,
}
/// What [`change_contact`] did.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Changed {
    /// Both were as they are: nothing written.
    Nothing,
    /// Changed and audited; `told`: an SMS to the old number was queued.
    Changed { told: bool },
}
/// What the SMS to the old number says, and in which language when the customer chose none
/// (the branch's).
pub(crate) struct Notice<'a> {
    pub(crate) lang: Lang,
    pub(crate) branch: &'a str,
}
impl Notice<'_> {
    /// The notice of a branch.
    pub(crate) fn of(config: &Config) -> Notice<'_> {
        Notice {
            lang: config.language(),
            branch: &config.branch.name,
        }
    }
}
/// Changes a customer's phone and email as staff typed them, with a reason: a changed phone or
/// email is unverified after, a new number waiting at the portal is dropped, the change is
/// audited, and the customer is told at the number we had. Refused when the number is another
/// customer's.
pub(crate) fn change_contact(
    conn: &Connection,
    before: &Customer,
    change: &ContactChange,
    staff: &StaffUser,
    notice: &Notice,
    now: DateTime<Utc>,
) -> Result<Changed, ContactError> {
    let phone_changed = change_phone(conn, before, change.phone, Some(&staff.id), now)?;
    if phone_changed {
        // The counter's change replaces a new number waiting at the portal.
        cancel_pending_phone(conn, &before.id, now)?;
    }
    let email_changed = before.email.as_deref() != change.email;
    if email_changed {
        conn.execute(
            "UPDATE customers SET email = ?2, email_verified_at = NULL, updated_at = ?3 WHERE id = ?1",
            params![before.id, change.email, now],
        )?;
        record_event(
            conn,
            &before.id,
            EventKind::EmailChanged,
            Some(&staff.id),
            change.reason,
            now,
        )?;
    }
    if !phone_changed && !email_changed {
        return Ok(Changed::Nothing);
    }
    let audited = audit::Change {
        action: "customer.contact_change",
        entity: "customer",
        entity_id: before.id.as_str(),
        before: Some(json!({
            "phone": before.phone.as_str(), "phone_verified": before.phone_verified_at.is_some(),
            "email": before.email, "email_verified": before.email_verified_at.is_some(),
        })),
        after: Some(json!({
            "phone": change.phone.as_str(), "email": change.email, "reason": change.reason,
        })),
    };
    audit::record(conn, &Actor::Staff(staff), &audited, now)?;
    let told = tell_old_number(conn, before, notice, phone_changed, email_changed, now)?;
    Ok(Changed::Changed { told })
}
/// Tells the customer at the number we had that their contact details changed (unless they
/// asked not to get texts), so a change they did not ask for does not go unnoticed. Whether an
/// SMS was queued.
fn tell_old_number(
    conn: &Connection,
    before: &Customer,
    notice: &Notice,
    phone_changed: bool,
    email_changed: bool,
    now: DateTime<Utc>,
) -> rusqlite::Result<bool> {
    if crate::customers::do_not_text(conn, &before.id)? {
        return Ok(false);
    }
    let lang = before.language.unwrap_or(notice.lang);
    let what = match (phone_changed, email_changed) {
        (true, true) => lang.t(Msg::ContactChangedBoth),
        (true, false) => lang.t(Msg::ContactChangedPhone),
        _ => lang.t(Msg::ContactChangedEmail),
    };
    let text = lang.fill(
        Msg::ContactChangedSms,
        &[("what", what), ("branch", notice.branch)],
    );
    sms_outbox::enqueue(
        conn,
        &NewSms {
            to: &before.phone,
            text: &text,
            kind: SmsKind::Notice,
            expires_at: None,
            customer: Some(&before.id),
        },
        now,
    )?;
    Ok(true)
}
/// Keeps `phone` as the customer's pending new number; the record's number stays until the
/// code sent to it is entered ([`confirm_pending_phone`]).
pub(crate) fn set_pending_phone(
    conn: &Connection,
    customer: &CustomerId,
    phone: &E164,
    now: DateTime<Utc>,
) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE customers SET pending_phone = ?2, pending_phone_at = ?3, updated_at = ?3 WHERE id = ?1",
        params![customer, phone.as_str(), now],
    )?;
    Ok(())
}
/// Forgets the pending new number; the record keeps its number.
pub(crate) fn cancel_pending_phone(
    conn: &Connection,
    customer: &CustomerId,
    now: DateTime<Utc>,
) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE customers SET pending_phone = NULL, pending_phone_at = NULL, updated_at = ?2
         WHERE id = ?1 AND pending_phone IS NOT NULL",
        params![customer, now],
    )?;
    Ok(())
}
/// The code sent to the pending number `proved` was entered: the number becomes the
/// customer's, verified, audited, and the old number is told. Refused (and the pending number
/// forgotten) when the number became another customer's meanwhile. `Ok(false)`: `proved` is
/// not the pending number (any more).
pub(crate) fn confirm_pending_phone(
    conn: &Connection,
    before: &Customer,
    proved: &str,
    notice: &Notice,
    now: DateTime<Utc>,
) -> Result<bool, ContactError> {
    let Some(phone) = before
        .pending_phone
        .as_ref()
        .filter(|p| p.as_str() == proved)
    else {
        return Ok(false);
    };
    cancel_pending_phone(conn, &before.id, now)?;
    change_phone(conn, before, phone, None, now)?;
    crate::customers::mark_phone_verified(conn, &before.id, None, now)?;
    let change = audit::Change {
        action: "customer.phone_change",
        entity: "customer",
        entity_id: before.id.as_str(),
        before: Some(json!({
            "phone": before.phone.as_str(), "phone_verified": before.phone_verified_at.is_some(),
        })),
        after: Some(json!({
            "phone": phone.as_str(), "phone_verified": true, "proved_by": "code to the new number",
        })),
    };
    audit::record(conn, &Actor::Customer, &change, now)?;
    tell_old_number(conn, before, notice, true, false, now)?;
    Ok(true)
}
