//! The customer portal's records and rules, below its pages (`web::portal`): customer
//! sessions (an HttpOnly cookie's token, kept only as its SHA-256; replaced at login, ended
//! after `[portal] session_idle_minutes` idle minutes, as phones are shared, and at logout),
//! the in-memory login state (`attempts`: the `pb_login` cookie's random id and the number it
//! stands for; `otp::Strangers`: the code rules applied to numbers of no customer), the
//! first-login profile's checks, and finding a ticket (or a complaint case) only among the
//! customer's own.

pub(crate) mod attempts;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use crate::customers::{self, Customer};
use crate::email;
use crate::loans::ops::{self, Ticket};
use crate::loans::{self};
use crate::otp::{self};
use crate::plumbing::crypto;
use crate::plumbing::error::AppError;
use crate::plumbing::i18n::Msg;
use crate::plumbing::ids::{ComplaintId, CustomerId, LoanId};
use crate::plumbing::phone::{self, E164};

/// Starts a customer session; returns the cookie token.
pub(crate) fn start_session(
    conn: &Connection,
    customer: &CustomerId,
    now: DateTime<Utc>,
) -> rusqlite::Result<String> {
    let token = crypto::random_token();
    conn.execute(
        "INSERT INTO customer_sessions (token_hash, customer_id, created_at, last_seen_at) VALUES (?1, ?2, ?3, ?3)",
        params![crypto::sha256(token.as_bytes()).as_slice(), customer, now],
    )?;
    Ok(token)
}
/// The customer whose live session has this token; an idle session is deleted.
pub(crate) fn session_customer(
    conn: &Connection,
    token: &str,
    idle_minutes: u32,
    now: DateTime<Utc>,
) -> rusqlite::Result<Option<Customer>> {
    let hash = crypto::sha256(token.as_bytes());
    let found: Option<(CustomerId, DateTime<Utc>)> = conn
        .prepare_cached(
            "SELECT customer_id, last_seen_at FROM customer_sessions WHERE token_hash = ?1",
        )?
        .query_row([hash.as_slice()], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let Some((customer, seen)) = found else {
        return Ok(None);
    };
    if now - seen > Duration::minutes(i64::from(idle_minutes)) {
        conn.execute(
            "DELETE FROM customer_sessions WHERE token_hash = ?1",
            [hash.as_slice()],
        )?;
        return Ok(None);
    }
    if now - seen > Duration::seconds(30) {
        conn.execute(
            "UPDATE customer_sessions SET last_seen_at = ?2 WHERE token_hash = ?1",
            params![hash.as_slice(), now],
        )?;
    }
    customers::get(conn, &customer)
}
/// What the portal keeps in memory between requests (issue 11): the numbers login codes were
/// asked for, behind the `pb_login` cookie, and the code state of numbers that are nobody's.
pub(crate) struct PortalState {
    pub(crate) attempts: attempts::Attempts,
    pub(crate) strangers: otp::Strangers,
}
impl PortalState {
    /// Room for 10,000 login attempts at once and 4,096 strangers' numbers.
    pub(crate) fn new() -> PortalState {
        PortalState {
            attempts: attempts::Attempts::new(10_000),
            strangers: otp::Strangers::new(4_096),
        }
    }
}
/// What was typed into the profile form (the customer's, or the counter's new-customer form),
/// and what was wrong with it.
#[derive(Default)]
pub(crate) struct ProfileForm {
    pub(crate) full_name: String,
    pub(crate) id_number: String,
    pub(crate) date_of_birth: String,
    pub(crate) address: String,
    pub(crate) email: String,
    pub(crate) phone: String,
    pub(crate) errors: Vec<(&'static str, Msg)>,
}
/// A profile that passed [`ProfileForm::check`].
pub(crate) struct CheckedProfile {
    pub(crate) id_number: String,
    pub(crate) date_of_birth: NaiveDate,
    pub(crate) email: Option<String>,
    pub(crate) phone: E164,
}
impl ProfileForm {
    pub(crate) fn error(&self, field: &str) -> Option<Msg> {
        self.errors
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| *m)
    }

    /// The fields as sent.
    pub(crate) fn from_form(form: &crate::plumbing::http::Form) -> ProfileForm {
        ProfileForm {
            full_name: form.text("full_name").to_owned(),
            id_number: form.text("id_number").to_owned(),
            date_of_birth: form.text("date_of_birth").to_owned(),
            address: form.text("address").to_owned(),
            email: form.text("email").to_owned(),
            phone: form.text("phone").to_owned(),
            errors: Vec::new(),
        }
    }

    /// Checks every field, noting what is wrong; the clean values when all is well.
    pub(crate) fn check(&mut self, today: NaiveDate, country: &str) -> Option<CheckedProfile> {
        if self.full_name.chars().count() < 2 || self.full_name.chars().count() > 120 {
            self.errors.push(("full_name", Msg::FullNameInvalid));
        }
        let id_number: String = self
            .id_number
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        if !(6..=20).contains(&id_number.len())
            || !id_number.bytes().all(|b| b.is_ascii_alphanumeric())
        {
            self.errors.push(("id_number", Msg::IdNumberInvalid));
        }
        let dob = NaiveDate::parse_from_str(&self.date_of_birth, "%Y-%m-%d")
            .ok()
            .filter(|d| *d < today && *d > today - Duration::days(130 * 366));
        if dob.is_none() {
            self.errors.push(("date_of_birth", Msg::DateOfBirthInvalid));
        }
        if self.address.chars().count() < 5 || self.address.chars().count() > 300 {
            self.errors.push(("address", Msg::AddressInvalid));
        }
        let email = Some(self.email.clone()).filter(|e| !e.is_empty());
        if email
            .as_deref()
            .is_some_and(|e| !email::plausible_address(e))
        {
            self.errors.push(("email", Msg::EmailInvalid));
        }
        let phone = phone::normalise(&self.phone, country).ok();
        if phone.is_none() {
            self.errors.push(("phone", Msg::PhoneInvalid));
        }
        match (dob, phone) {
            (Some(date_of_birth), Some(phone)) if self.errors.is_empty() => Some(CheckedProfile {
                id_number,
                date_of_birth,
                email,
                phone,
            }),
            _ => None,
        }
    }
}

/// The signed-in customer's own ticket `id` with its terms. Another customer's ticket, an id
/// that is no ticket, and a ticket without terms all answer 404, so the answer never tells
/// whether someone else's ticket exists.
pub(crate) fn own_ticket(
    conn: &Connection,
    customer: &CustomerId,
    id: &LoanId,
) -> Result<(loans::TicketLine, Ticket), AppError> {
    let ticket = loans::of_customer_by_id(conn, customer, id)?.ok_or(AppError::NotFound)?;
    let record = ops::load(conn, &ticket.id)?.ok_or(AppError::NotFound)?;
    Ok((ticket, record))
}

/// The signed-in customer's own complaint case `id`. Another customer's case and an id that
/// is no case both answer 404, so the answer never tells whether someone else's case exists.
pub(crate) fn own_case(
    conn: &Connection,
    customer: &CustomerId,
    id: &ComplaintId,
) -> Result<crate::complaints::Case, AppError> {
    crate::complaints::get(conn, id)?
        .filter(|case| &case.customer_id == customer)
        .ok_or(AppError::NotFound)
}

/// Ends the customer session whose cookie token is `token` (nothing if there is none).
pub(crate) fn end_session(conn: &Connection, token: &str) -> rusqlite::Result<()> {
    conn.execute(
        "DELETE FROM customer_sessions WHERE token_hash = ?1",
        [crypto::sha256(token.as_bytes()).as_slice()],
    )?;
    Ok(())
}
