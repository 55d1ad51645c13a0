//! One-time codes: the portal login and phone verification (seed 001), at the portal and at
//! the counter. Where is the 3-attempt lock? Here, in [`check_code`].
//!
//! The rules (each a `[otp]` key): a code is valid for 5 minutes; at most 5 codes per phone
//! number per branch-local day; at least 30 seconds between two codes to the same number;
//! 3 wrong codes in a row lock the customer until staff with Customer Management unlock them
//! (and wrong codes after an unlock lock again). A new code voids the previous one, a used
//! code cannot be used again, and a code works only in the browser (or counter screen) that
//! asked for it. Sending a new code never resets the count of wrong entries.
//!
//! A code goes by SMS to the phone, or by email to a verified address when the customer asks
//! for it there instead (issue 7, seed 002). A code by email counts the customer's codes on
//! both channels against the spacing and the daily count, so asking by email never gets round
//! them; the wrong-code lock is the customer's, whatever channel the code took.
//!
//! The rules ([`send`], [`check`], [`admits`]) are written once and work on a [`CodeStore`]:
//! a customer's state is in the database ([`CustomerStore`]); a number that is nobody's has
//! the same state in memory ([`Strangers`], issue 11), so that the portal answers a stranger's
//! number exactly as a customer's, step by step.
//!
//! Codes are 6 digits from the operating system's CSPRNG. Only HMAC-SHA256(installation
//! secret, code id, code) is stored, compared in constant time; the code itself exists only in
//! the SMS or email (whose text the outbox blanks once it has left) and is never logged.

use chrono::{DateTime, Duration, FixedOffset, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use crate::customers::{self, EventKind};
use crate::email::outbox::{self as email_outbox, NewEmail};
use crate::plumbing::config::OtpConfig;
use crate::plumbing::crypto::{self, InstallationKey};
use crate::plumbing::i18n::{Lang, Msg};
use crate::plumbing::ids::{CodeId, CustomerId, StaffId};
use crate::plumbing::phone::E164;
use crate::sms::outbox::{self, Kind, NewSms};

mod strangers;

pub(crate) use strangers::Strangers;

/// What a code is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Purpose {
    /// Signing in to the portal (which also proves the phone).
    Login,
    /// Verifying a phone number (portal reminder or counter).
    Verification,
    /// Proving a new number the customer gave at the portal before it replaces the old one.
    NewPhone,
}

impl Purpose {
    /// The purpose of a stored code, for people (the customer's timeline stores the code).
    pub(crate) fn label_of(code: &str) -> Option<Msg> {
        [Purpose::Login, Purpose::Verification, Purpose::NewPhone]
            .into_iter()
            .find(|p| p.code() == code)
            .map(|p| match p {
                Purpose::Login => Msg::KindLoginCode,
                Purpose::Verification => Msg::KindVerificationCode,
                Purpose::NewPhone => Msg::PurposeNewPhone,
            })
    }

    fn code(self) -> &'static str {
        match self {
            Purpose::Login => "login",
            Purpose::Verification => "verification",
            Purpose::NewPhone => "new_phone",
        }
    }
}

/// The rules in force.
#[derive(Debug, Clone)]
pub(crate) struct Rules {
    pub(crate) validity: Duration,
    pub(crate) per_day: u32,
    pub(crate) max_wrong: u32,
    pub(crate) resend: Duration,
    /// The branch's offset from UTC, for "per day".
    pub(crate) offset: FixedOffset,
}

impl Rules {
    /// The rules from the configuration.
    pub(crate) fn from_config(config: &OtpConfig, offset: FixedOffset) -> Rules {
        Rules {
            validity: Duration::minutes(i64::from(config.validity_minutes)),
            per_day: config.per_day,
            max_wrong: config.max_wrong,
            resend: Duration::seconds(i64::from(config.resend_seconds)),
            offset,
        }
    }
}

/// Why no code was sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// The customer is locked after wrong codes; staff must unlock.
    Locked,
    /// Today's codes for this number are used up.
    DailyLimit,
    /// The last code went less than `[otp] resend_seconds` ago.
    TooSoon { wait_seconds: i64 },
}

/// Why no code was sent: a rule refused it ([`Refusal`], answered on the page), or the
/// database failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum SendError {
    #[error("refused: {0:?}")]
    Refused(Refusal),
    #[error("database: {0}")]
    Db(#[from] rusqlite::Error),
}

/// The installation secret and the rules that codes are made and checked with.
pub(crate) struct Codes<'a> {
    pub(crate) key: &'a InstallationKey,
    pub(crate) rules: &'a Rules,
}

/// What a code is for, and the screen it works on.
pub(crate) struct Requester<'a> {
    pub(crate) purpose: Purpose,
    /// The browser or counter screen the code will work in (its cookie value).
    pub(crate) binding: &'a str,
    /// The staff member at the counter, when asked from the counter.
    pub(crate) staff: Option<&'a StaffId>,
}

/// Where a code goes.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Destination<'a> {
    /// By SMS to a phone.
    Phone(&'a E164),
    /// By email to an address (a login code only to a verified one: the caller checks).
    Email(&'a str),
}

impl Destination<'_> {
    /// The destination as stored in `otp_codes`.
    fn as_str(&self) -> &str {
        match self {
            Destination::Phone(phone) => phone.as_str(),
            Destination::Email(address) => address,
        }
    }

    /// The `otp_codes.channel` value.
    fn channel(&self) -> &'static str {
        match self {
            Destination::Phone(_) => "sms",
            Destination::Email(_) => "email",
        }
    }

    /// The destination for the customer's history, partly hidden.
    fn masked(&self) -> String {
        match self {
            Destination::Phone(phone) => phone.masked(),
            Destination::Email(address) => mask_email(address),
        }
    }
}

/// An address with most of its local part hidden: `s•••@example.com`.
pub(crate) fn mask_email(address: &str) -> String {
    match address.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}•••@{domain}")
        }
        None => "•••".to_owned(),
    }
}

/// The words that carry a code: `{code}` in them is replaced by the code.
pub(crate) struct CodeText<'a> {
    /// The SMS text, or the email's body.
    pub(crate) text: &'a str,
    /// The email's subject (unused for SMS).
    pub(crate) subject: &'a str,
}

/// The start of the branch-local day containing `now`, in UTC.
fn local_midnight(now: DateTime<Utc>, offset: FixedOffset) -> DateTime<Utc> {
    let local_day = now.with_timezone(&offset).date_naive();
    local_day
        .and_hms_opt(0, 0, 0)
        .and_then(|t| t.and_local_timezone(offset).single())
        .map_or(now, |t| t.with_timezone(&Utc))
}

// ----- Where a number's code state lives -----

/// A code as [`send`] makes it, for the store to keep (and, for a customer, deliver).
pub(crate) struct NewCode<'a> {
    pub(crate) id: CodeId,
    /// The code itself: only the customer's store uses it, to write the SMS or email.
    pub(crate) code: String,
    pub(crate) hash: [u8; 32],
    pub(crate) purpose: Purpose,
    pub(crate) destination: Destination<'a>,
    pub(crate) binding_hash: [u8; 32],
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) expires_at: DateTime<Utc>,
}

/// The newest live code of a purpose on one screen, as a store finds it.
pub(crate) struct LiveCode {
    pub(crate) id: CodeId,
    pub(crate) hash: Vec<u8>,
    pub(crate) destination: String,
    pub(crate) expires_at: DateTime<Utc>,
}

/// Where the state the rules work on is kept: the codes sent to a destination, the live
/// codes, the wrong-code count and the lock. A customer's is in the database
/// ([`CustomerStore`]); a number that is nobody's is kept in memory ([`Strangers`]), so that
/// the portal answers a stranger's number exactly as a customer's. [`send`] and [`check`] are
/// the rules, written once for both.
pub(crate) trait CodeStore {
    /// Whether the number is locked, and its wrong codes in a row so far.
    fn lock_state(&self) -> rusqlite::Result<(bool, u32)>;
    /// Codes sent since `since` and the time of the last one: to `destination`, and for a code
    /// by email every code of the customer as well.
    fn sent_since(
        &self,
        destination: &Destination,
        since: DateTime<Utc>,
    ) -> rusqlite::Result<(u32, Option<DateTime<Utc>>)>;
    /// Voids the live codes of the purpose and keeps the new one (delivering it, if real).
    fn keep(&mut self, code: &NewCode, words: &CodeText) -> rusqlite::Result<()>;
    /// The newest code of `purpose` for the screen `binding_hash` not used nor voided.
    fn live(&self, purpose: Purpose, binding_hash: &[u8; 32])
    -> rusqlite::Result<Option<LiveCode>>;
    /// The right code was entered: use it up, reset the wrong codes, verify its destination.
    fn accept(
        &mut self,
        code: &LiveCode,
        purpose: Purpose,
        now: DateTime<Utc>,
    ) -> rusqlite::Result<()>;
    /// A wrong code: `wrong` in a row now (of `max`); `lock` when that was the last try.
    fn count_wrong(
        &mut self,
        wrong: u32,
        max: u32,
        lock: bool,
        now: DateTime<Utc>,
    ) -> rusqlite::Result<()>;
    /// The language the code's reader chose, if known (a stranger's is not).
    fn language(&self) -> rusqlite::Result<Option<Lang>> {
        Ok(None)
    }
}

/// Whether a code to `destination` may go now: the lock, the spacing and the daily count.
pub(crate) fn admits(
    store: &impl CodeStore,
    rules: &Rules,
    destination: &Destination,
    now: DateTime<Utc>,
) -> Result<(), SendError> {
    if store.lock_state()?.0 {
        return Err(SendError::Refused(Refusal::Locked));
    }
    let (today, last) = store.sent_since(destination, local_midnight(now, rules.offset))?;
    if let Some(last) = last
        && now - last < rules.resend
    {
        return Err(SendError::Refused(Refusal::TooSoon {
            wait_seconds: (rules.resend - (now - last)).num_seconds().max(1),
        }));
    }
    if today >= rules.per_day {
        return Err(SendError::Refused(Refusal::DailyLimit));
    }
    Ok(())
}

/// Issues a code to `destination` within the rules and has `store` keep it (a customer's
/// store queues its SMS or email with `words`, whose text must contain `{code}`). Voids the
/// previous codes of the purpose.
pub(crate) fn send(
    store: &mut impl CodeStore,
    codes: &Codes,
    destination: Destination,
    requester: &Requester,
    words: &CodeText,
    now: DateTime<Utc>,
) -> Result<(), SendError> {
    admits(store, codes.rules, &destination, now)?;
    let id = CodeId::new(now);
    let code = new_code();
    let new = NewCode {
        hash: code_hash(codes.key, &id, &code),
        id,
        code,
        purpose: requester.purpose,
        destination,
        binding_hash: crypto::sha256(requester.binding.as_bytes()),
        created_at: now,
        expires_at: now + codes.rules.validity,
    };
    store.keep(&new, words)?;
    Ok(())
}

/// Checks a code entered on the screen of `requester`.
pub(crate) fn check(
    store: &mut impl CodeStore,
    codes: &Codes,
    requester: &Requester,
    entered: &str,
    now: DateTime<Utc>,
) -> rusqlite::Result<Checked> {
    let (locked, wrong) = store.lock_state()?;
    if locked {
        return Ok(Checked::Locked);
    }
    let entered: String = entered
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    if entered.len() != 6 || !entered.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(Checked::Malformed);
    }
    let binding_hash = crypto::sha256(requester.binding.as_bytes());
    let Some(live) = store
        .live(requester.purpose, &binding_hash)?
        .filter(|live| live.expires_at > now)
    else {
        return Ok(Checked::Expired);
    };
    if crypto::ct_eq(&code_hash(codes.key, &live.id, &entered), &live.hash) {
        store.accept(&live, requester.purpose, now)?;
        return Ok(Checked::Accepted {
            destination: live.destination,
        });
    }
    let wrong = wrong + 1;
    let max = codes.rules.max_wrong;
    store.count_wrong(wrong, max, wrong >= max, now)?;
    Ok(if wrong >= max {
        Checked::NowLocked
    } else {
        Checked::Wrong {
            remaining: max - wrong,
        }
    })
}

/// A customer's code state: `customers` (lock, wrong codes) and `otp_codes`, in the caller's
/// transaction; codes go out through the SMS or email outbox, and every step is an event in
/// the customer's history.
pub(crate) struct CustomerStore<'a> {
    pub(crate) conn: &'a Connection,
    pub(crate) customer: &'a CustomerId,
    /// The staff member at the counter, when asked from the counter.
    pub(crate) staff: Option<&'a StaffId>,
}

impl CustomerStore<'_> {
    fn deliver(&self, code: &NewCode, words: &CodeText) -> rusqlite::Result<()> {
        let body = words.text.replace("{code}", &code.code);
        match code.destination {
            Destination::Phone(phone) => {
                let kind = if code.purpose == Purpose::Login {
                    Kind::Otp
                } else {
                    Kind::Verification
                };
                let sms = NewSms {
                    to: phone,
                    text: &body,
                    kind,
                    expires_at: Some(code.expires_at),
                    customer: Some(self.customer),
                };
                outbox::enqueue(self.conn, &sms, code.created_at)?;
            }
            Destination::Email(address) => {
                let email = NewEmail {
                    to: address,
                    subject: Some(words.subject),
                    body: &body,
                    kind: email_outbox::Kind::Otp,
                    expires_at: Some(code.expires_at),
                    customer: Some(self.customer),
                };
                email_outbox::enqueue(self.conn, &email, code.created_at)?;
            }
        }
        Ok(())
    }

    fn event(&self, kind: EventKind, detail: &str, now: DateTime<Utc>) -> rusqlite::Result<()> {
        customers::record_event(self.conn, self.customer, kind, self.staff, detail, now)
    }
}

impl CodeStore for CustomerStore<'_> {
    fn language(&self) -> rusqlite::Result<Option<Lang>> {
        crate::customers::language::chosen(self.conn, self.customer)
    }

    fn lock_state(&self) -> rusqlite::Result<(bool, u32)> {
        self.conn
            .prepare_cached(
                "SELECT locked_at IS NOT NULL, wrong_codes FROM customers WHERE id = ?1",
            )?
            .query_row([self.customer], |r| Ok((r.get(0)?, r.get(1)?)))
    }

    fn sent_since(
        &self,
        destination: &Destination,
        since: DateTime<Utc>,
    ) -> rusqlite::Result<(u32, Option<DateTime<Utc>>)> {
        // Counted per destination (against pumping one number). A code by email also counts all
        // the customer's codes, so asking by email gets round neither the spacing nor the daily
        // count of the SMS codes; an SMS code counts only its number, so a new phone can be
        // verified straight after a login.
        let by_customer = matches!(destination, Destination::Email(_));
        self.conn
            .prepare_cached("SELECT COUNT(*) FILTER (WHERE created_at >= ?2), MAX(created_at) FROM otp_codes WHERE destination = ?1 OR (?4 AND customer_id = ?3)")?
            .query_row(params![destination.as_str(), since, self.customer, by_customer], |r| Ok((r.get(0)?, r.get(1)?)))
    }

    fn keep(&mut self, code: &NewCode, words: &CodeText) -> rusqlite::Result<()> {
        self.conn.execute(
            "UPDATE otp_codes SET voided_at = ?3 WHERE customer_id = ?1 AND purpose = ?2 AND used_at IS NULL AND voided_at IS NULL",
            params![self.customer, code.purpose.code(), code.created_at],
        )?;
        self.conn
            .prepare_cached(
                "INSERT INTO otp_codes (id, customer_id, purpose, channel, destination, code_hash, binding_hash, staff_id,
                                        created_at, expires_at)
                 VALUES (?1, ?2, ?3, ?10, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?
            .execute(params![
                code.id,
                self.customer,
                code.purpose.code(),
                code.destination.as_str(),
                code.hash.as_slice(),
                code.binding_hash.as_slice(),
                self.staff,
                code.created_at,
                code.expires_at,
                code.destination.channel()
            ])?;
        self.deliver(code, words)?;
        let detail = format!("{} to {}", code.purpose.code(), code.destination.masked());
        self.event(EventKind::CodeSent, &detail, code.created_at)
    }

    fn live(
        &self,
        purpose: Purpose,
        binding_hash: &[u8; 32],
    ) -> rusqlite::Result<Option<LiveCode>> {
        self.conn
            .prepare_cached(
                "SELECT id, code_hash, destination, expires_at FROM otp_codes
                 WHERE customer_id = ?1 AND purpose = ?2 AND binding_hash = ?3 AND used_at IS NULL AND voided_at IS NULL
                 ORDER BY created_at DESC LIMIT 1",
            )?
            .query_row(
                params![self.customer, purpose.code(), binding_hash.as_slice()],
                |r| {
                    Ok(LiveCode {
                        id: r.get(0)?,
                        hash: r.get(1)?,
                        destination: r.get(2)?,
                        expires_at: r.get(3)?,
                    })
                },
            )
            .optional()
    }

    fn accept(
        &mut self,
        code: &LiveCode,
        purpose: Purpose,
        now: DateTime<Utc>,
    ) -> rusqlite::Result<()> {
        let conn = self.conn;
        conn.execute(
            "UPDATE otp_codes SET used_at = ?2 WHERE id = ?1",
            params![code.id, now],
        )?;
        conn.execute(
            "UPDATE customers SET wrong_codes = 0 WHERE id = ?1",
            [self.customer],
        )?;
        let (phone, email): (String, Option<String>) = conn
            .prepare_cached("SELECT phone, email FROM customers WHERE id = ?1")?
            .query_row([self.customer], |r| Ok((r.get(0)?, r.get(1)?)))?;
        if phone == code.destination {
            customers::mark_phone_verified(conn, self.customer, self.staff, now)?;
        } else if email.as_deref() == Some(code.destination.as_str()) {
            customers::mark_email_verified(conn, self.customer, self.staff, now)?;
        }
        self.event(EventKind::CodeAccepted, purpose.code(), now)
    }

    fn count_wrong(
        &mut self,
        wrong: u32,
        max: u32,
        lock: bool,
        now: DateTime<Utc>,
    ) -> rusqlite::Result<()> {
        self.event(EventKind::CodeFailed, &format!("{wrong} of {max}"), now)?;
        self.conn.execute(
            "UPDATE customers SET wrong_codes = ?2, locked_at = CASE WHEN ?3 THEN ?4 ELSE locked_at END WHERE id = ?1",
            params![self.customer, wrong, lock, now],
        )?;
        if lock {
            self.conn.execute(
                "UPDATE otp_codes SET voided_at = ?2 WHERE customer_id = ?1 AND used_at IS NULL AND voided_at IS NULL",
                params![self.customer, now],
            )?;
            self.event(EventKind::Locked, "", now)?;
        }
        Ok(())
    }
}

/// Issues a code for `customer` to `destination` and queues its SMS or email with `words`
/// (whose text must contain `{code}`), within the rules. Voids the customer's previous codes of
/// the purpose.
pub(crate) fn send_code(
    conn: &Connection,
    codes: &Codes,
    customer: &CustomerId,
    destination: Destination,
    requester: &Requester,
    words: &CodeText,
    now: DateTime<Utc>,
) -> Result<(), SendError> {
    let mut store = CustomerStore {
        conn,
        customer,
        staff: requester.staff,
    };
    send(&mut store, codes, destination, requester, words, now)
}

/// Checks a code entered for `customer` on the screen of `requester`.
pub(crate) fn check_code(
    conn: &Connection,
    codes: &Codes,
    customer: &CustomerId,
    requester: &Requester,
    entered: &str,
    now: DateTime<Utc>,
) -> rusqlite::Result<Checked> {
    let mut store = CustomerStore {
        conn,
        customer,
        staff: requester.staff,
    };
    check(&mut store, codes, requester, entered, now)
}

/// Six random digits, uniformly (rejection sampling avoids modulo bias).
fn new_code() -> String {
    loop {
        let mut bytes = [0u8; 4];
        crypto::fill_random(&mut bytes);
        let n = u32::from_be_bytes(bytes);
        // 4_294_000_000 is the largest multiple of 1_000_000 below 2^32.
        if n < 4_294_000_000 {
            return format!("{:06}", n % 1_000_000);
        }
    }
}

/// The stored form of a code.
fn code_hash(key: &InstallationKey, id: &CodeId, code: &str) -> [u8; 32] {
    key.mac("otp", &[id.as_str().as_bytes(), code.as_bytes()])
}

/// What entering a code did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Checked {
    /// Right code: used up now; the phone (or email address) it went to is verified.
    Accepted { destination: String },
    /// Wrong code; `remaining` tries before the lock.
    Wrong { remaining: u32 },
    /// Wrong code, and that was the last try: the customer is now locked.
    NowLocked,
    /// The customer was already locked.
    Locked,
    /// No live code for this screen: it expired, was replaced, used, or never sent here.
    Expired,
    /// Not six digits; not counted as a try.
    Malformed,
}

#[cfg(test)]
impl SendError {
    /// The refusal, in tests where the database does not fail.
    fn refusal(self) -> Refusal {
        match self {
            SendError::Refused(refusal) => refusal,
            SendError::Db(e) => panic!("database: {e}"),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::customers::NewCustomer;
    use crate::plumbing::phone;

    struct Fixture {
        _dir: tempfile::TempDir,
        db: crate::plumbing::db::Db,
        key: InstallationKey,
        customer: CustomerId,
        phone: E164,
        rules: Rules,
        t0: DateTime<Utc>,
    }

    fn fixture() -> Fixture {
        let (dir, db) = crate::plumbing::db::tests::test_db();
        let key = InstallationKey::load_or_create(dir.path()).unwrap();
        let phone = phone::normalise("081234567890", "ID").unwrap();
        // 2026-11-24 10:00 UTC is 17:00 in Jakarta.
        let t0 = DateTime::parse_from_rfc3339("2026-11-24T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let conn = db.conn().unwrap();
        let new = NewCustomer {
            full_name: "Siti",
            phone: &phone,
            id_number: None,
            date_of_birth: None,
            address: "",
            email: None,
            phone_verified: false,
        };
        let customer = customers::insert(&conn, &new, t0).unwrap();
        drop(conn);
        let rules = Rules::from_config(
            &OtpConfig::default(),
            FixedOffset::east_opt(7 * 3600).unwrap(),
        );
        Fixture {
            _dir: dir,
            db,
            key,
            customer,
            phone,
            rules,
            t0,
        }
    }

    impl Fixture {
        /// Sends a code; returns it as read back from the SMS queued for it.
        fn send(&self, binding: &str, at: DateTime<Utc>) -> Result<String, Refusal> {
            let conn = self.db.conn().unwrap();
            let requester = Requester {
                purpose: Purpose::Login,
                binding,
                staff: None,
            };
            let codes = Codes {
                key: &self.key,
                rules: &self.rules,
            };
            let words = CodeText {
                text: "Code {code}",
                subject: "",
            };
            send_code(
                &conn,
                &codes,
                &self.customer,
                Destination::Phone(&self.phone),
                &requester,
                &words,
                at,
            )
            .map_err(SendError::refusal)?;
            let body: String = conn
                .query_row(
                    "SELECT body FROM sms_outbox ORDER BY created_at DESC, id DESC LIMIT 1",
                    [],
                    |r| r.get(0),
                )
                .unwrap();
            Ok(body.trim_start_matches("Code ").to_owned())
        }

        fn check(&self, binding: &str, code: &str, at: DateTime<Utc>) -> Checked {
            let conn = self.db.conn().unwrap();
            let requester = Requester {
                purpose: Purpose::Login,
                binding,
                staff: None,
            };
            let codes = Codes {
                key: &self.key,
                rules: &self.rules,
            };
            check_code(&conn, &codes, &self.customer, &requester, code, at).unwrap()
        }
    }

    /// A code that is surely wrong.
    fn other(code: &str) -> String {
        format!("{:06}", (code.parse::<u32>().unwrap() + 1) % 1_000_000)
    }

    #[test]
    fn a_code_works_once_in_its_own_browser_before_it_expires() {
        let f = fixture();
        let issued = f.send("browser-a", f.t0).unwrap();
        assert_eq!(issued.len(), 6);
        assert_eq!(
            f.check("browser-b", &issued, f.t0),
            Checked::Expired,
            "another browser"
        );
        assert_eq!(
            f.check("browser-a", &issued, f.t0 + Duration::minutes(5)),
            Checked::Expired,
            "too late"
        );
        let issued = f.send("browser-a", f.t0 + Duration::minutes(6)).unwrap();
        assert!(matches!(
            f.check("browser-a", &issued, f.t0 + Duration::minutes(7)),
            Checked::Accepted { .. }
        ));
        assert_eq!(
            f.check("browser-a", &issued, f.t0 + Duration::minutes(7)),
            Checked::Expired,
            "used"
        );
        let conn = f.db.conn().unwrap();
        let verified: Option<DateTime<Utc>> = conn
            .query_row("SELECT phone_verified_at FROM customers", [], |r| r.get(0))
            .unwrap();
        assert!(verified.is_some(), "a login proves the phone");
        let stored: Vec<u8> = conn
            .query_row("SELECT code_hash FROM otp_codes LIMIT 1", [], |r| r.get(0))
            .unwrap();
        assert_eq!(stored.len(), 32, "only a hash is stored");
    }

    #[test]
    fn a_new_code_voids_the_old_and_does_not_reset_wrong_entries() {
        let f = fixture();
        let first = f.send("b", f.t0).unwrap();
        assert_eq!(
            f.check("b", &other(&first), f.t0),
            Checked::Wrong { remaining: 2 }
        );
        let second = f.send("b", f.t0 + Duration::seconds(30)).unwrap();
        assert_eq!(
            f.check("b", &first, f.t0 + Duration::seconds(31)),
            Checked::Wrong { remaining: 1 },
            "old code void"
        );
        assert_eq!(
            f.check("b", &other(&second), f.t0 + Duration::seconds(32)),
            Checked::NowLocked
        );
        assert_eq!(
            f.check("b", &second, f.t0 + Duration::seconds(33)),
            Checked::Locked
        );
        assert_eq!(
            f.send("b", f.t0 + Duration::minutes(2)).unwrap_err(),
            Refusal::Locked
        );
        assert_eq!(f.check("b", "12ab", f.t0), Checked::Locked);
    }

    #[test]
    fn spacing_and_the_daily_limit_reset_at_local_midnight() {
        let f = fixture();
        f.send("b", f.t0).unwrap();
        assert_eq!(
            f.send("b", f.t0 + Duration::seconds(10)).unwrap_err(),
            Refusal::TooSoon { wait_seconds: 20 }
        );
        for i in 1..5 {
            f.send("b", f.t0 + Duration::minutes(i)).unwrap();
        }
        assert_eq!(
            f.send("b", f.t0 + Duration::minutes(10)).unwrap_err(),
            Refusal::DailyLimit
        );
        // 16:59 UTC is 23:59 in Jakarta: still the same day.
        assert_eq!(
            f.send("b", f.t0 + Duration::minutes(419)).unwrap_err(),
            Refusal::DailyLimit
        );
        // 17:00 UTC is midnight in Jakarta: a new day.
        assert!(f.send("b", f.t0 + Duration::minutes(420)).is_ok());
    }

    #[test]
    fn a_code_by_email_shares_the_limits_and_lock_and_verifies_the_address() {
        let f = fixture();
        let conn = f.db.conn().unwrap();
        conn.execute("UPDATE customers SET email = 'siti@example.com'", [])
            .unwrap();
        let requester = Requester {
            purpose: Purpose::Verification,
            binding: "counter",
            staff: None,
        };
        let codes = Codes {
            key: &f.key,
            rules: &f.rules,
        };
        let words = CodeText {
            text: "Code {code}",
            subject: "Your code",
        };
        let by_email = |at| {
            send_code(
                &conn,
                &codes,
                &f.customer,
                Destination::Email("siti@example.com"),
                &requester,
                &words,
                at,
            )
            .map_err(SendError::refusal)
        };
        f.send("counter", f.t0).unwrap();
        assert_eq!(
            by_email(f.t0 + Duration::seconds(10)).unwrap_err(),
            Refusal::TooSoon { wait_seconds: 20 },
            "switching channel does not skip the spacing"
        );
        by_email(f.t0 + Duration::seconds(30)).unwrap();
        let (to, subject, body, channel): (String, String, String, String) = conn
            .query_row(
                "SELECT e.recipient, e.subject, e.body, c.channel FROM email_outbox e, otp_codes c
                 WHERE c.destination = e.recipient",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .unwrap();
        assert_eq!(
            (to.as_str(), subject.as_str(), channel.as_str()),
            ("siti@example.com", "Your code", "email")
        );
        let code = body.trim_start_matches("Code ").to_owned();
        let checked = check_code(
            &conn,
            &codes,
            &f.customer,
            &requester,
            &code,
            f.t0 + Duration::minutes(1),
        )
        .unwrap();
        assert_eq!(
            checked,
            Checked::Accepted {
                destination: "siti@example.com".to_owned()
            }
        );
        let (email_verified, phone_verified): (Option<DateTime<Utc>>, Option<DateTime<Utc>>) = conn
            .query_row(
                "SELECT email_verified_at, phone_verified_at FROM customers",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert!(email_verified.is_some(), "the code proved the address");
        assert!(phone_verified.is_none(), "but not the phone");
        for i in 3..6 {
            by_email(f.t0 + Duration::minutes(i)).unwrap();
        }
        assert_eq!(
            by_email(f.t0 + Duration::minutes(10)).unwrap_err(),
            Refusal::DailyLimit,
            "five codes a day, counting the SMS code"
        );
        assert_eq!(mask_email("siti@example.com"), "s•••@example.com");
    }

    /// One step of the rules, as the portal's login takes it.
    #[derive(Debug, Clone, Copy)]
    enum Step {
        Send(i64),
        Check(i64),
    }

    /// What a step answered, the same type for both stores.
    #[derive(Debug, PartialEq, Eq)]
    enum Answer {
        Sent(Result<(), Refusal>),
        Checked(Checked),
    }

    /// Runs `steps` (seconds after `t0`) on one store, entering `wrong_code()` at every check.
    fn run(
        store: &mut impl CodeStore,
        f: &Fixture,
        steps: &[Step],
        wrong_code: &dyn Fn() -> String,
    ) -> Vec<Answer> {
        let codes = Codes {
            key: &f.key,
            rules: &f.rules,
        };
        let requester = Requester {
            purpose: Purpose::Login,
            binding: "browser",
            staff: None,
        };
        let words = CodeText {
            text: "Code {code}",
            subject: "",
        };
        let at = |s: i64| f.t0 + Duration::seconds(s);
        steps
            .iter()
            .map(|step| match *step {
                Step::Send(s) => Answer::Sent(
                    send(
                        store,
                        &codes,
                        Destination::Phone(&f.phone),
                        &requester,
                        &words,
                        at(s),
                    )
                    .map_err(SendError::refusal),
                ),
                Step::Check(s) => {
                    Answer::Checked(check(store, &codes, &requester, &wrong_code(), at(s)).unwrap())
                }
            })
            .collect()
    }

    #[test]
    fn a_strangers_number_follows_the_same_rules_as_a_customers() {
        let f = fixture();
        let steps = [
            Step::Check(0),
            Step::Send(0),
            Step::Send(10),
            Step::Check(11),
            Step::Send(40),
            Step::Check(41),
            Step::Check(42),
            Step::Check(43),
            Step::Send(100),
        ];
        let conn = f.db.conn().unwrap();
        let mut customer = CustomerStore {
            conn: &conn,
            customer: &f.customer,
            staff: None,
        };
        // Wrong for the customer: one more than the last code sent (read from its SMS).
        let wrong_code = || {
            conn.query_row(
                "SELECT body FROM sms_outbox ORDER BY created_at DESC, id DESC LIMIT 1",
                [],
                |r| r.get::<_, String>(0),
            )
            .map_or_else(
                |_| "000000".to_owned(),
                |body| other(body.trim_start_matches("Code ")),
            )
        };
        let known = run(&mut customer, &f, &steps, &wrong_code);
        let strangers = Strangers::new(10);
        let phone = phone::normalise("081399990000", "ID").unwrap();
        let unknown = strangers.with(&phone, f.t0, |store| run(store, &f, &steps, &wrong_code));
        assert_eq!(known, unknown);
        assert_eq!(
            known,
            [
                Answer::Checked(Checked::Expired),
                Answer::Sent(Ok(())),
                Answer::Sent(Err(Refusal::TooSoon { wait_seconds: 20 })),
                Answer::Checked(Checked::Wrong { remaining: 2 }),
                Answer::Sent(Ok(())),
                Answer::Checked(Checked::Wrong { remaining: 1 }),
                Answer::Checked(Checked::NowLocked),
                Answer::Checked(Checked::Locked),
                Answer::Sent(Err(Refusal::Locked)),
            ]
        );
        let texts: i64 = conn
            .query_row("SELECT COUNT(*) FROM sms_outbox", [], |r| r.get(0))
            .unwrap();
        assert_eq!(texts, 2, "only the customer's codes went out");
    }

    #[test]
    fn strangers_are_bounded_and_the_longest_untouched_makes_room() {
        let f = fixture();
        let strangers = Strangers::new(2);
        let number = |n: u32| phone::normalise(&format!("08139999{n:04}"), "ID").unwrap();
        let lock = |n: u32| {
            strangers.with(&number(n), f.t0, |store| {
                store.count_wrong(3, 3, true, f.t0).unwrap();
            });
        };
        let locked =
            |n: u32| strangers.with(&number(n), f.t0, |store| store.lock_state().unwrap().0);
        lock(1);
        lock(2);
        assert!(locked(1), "touched again, so number 2 is now the oldest");
        lock(3);
        assert_eq!(strangers.len(), 2);
        assert!(locked(1) && locked(3));
        assert!(!locked(2), "number 2 made room and starts afresh");
    }

    #[test]
    fn codes_are_uniform_six_digit_strings() {
        let codes: std::collections::HashSet<String> = (0..200).map(|_| new_code()).collect();
        assert!(codes.len() > 190);
        assert!(
            codes
                .iter()
                .all(|c| c.len() == 6 && c.bytes().all(|b| b.is_ascii_digit()))
        );
    }
}
