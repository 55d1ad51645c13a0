//! Payment codes (seed 003): a short reference for one ticket and one amount, valid for a
//! while, that a customer pays with at the counter, by bank transfer or by mobile money.
//!
//! A customer makes one in the portal to extend a loan ([`extension_code`]); nothing happens
//! to the ticket until staff confirm the payment ([`confirm`]), which takes the extension
//! through `ops::take_payment` with the code as the ledger reference, exactly once. A code is
//! good only for the amount it was made for: when a new interest period starts, the amount
//! owed changes, and the customer needs a new code.
//!
//! A code is 8 characters of Crockford's base-32 alphabet without the digits 0 and 1 (which
//! read like O and I), so one read out over the phone or copied from a transfer slip is
//! unambiguous. It is stored as 8 characters, shown as `ABCD-EFGH`, and accepted with or
//! without the dash, in either case.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::LoanState;
use super::ops::{self, Payment, PaymentError, Purpose, Receipt, Ticket};
use super::terms::{self, ProductKind};
use crate::ledger::Method;
use crate::plumbing::ids::{LoanId, PaymentId, StaffId};
use crate::plumbing::phone::E164;

/// The characters of a code: Crockford's base 32 (no I, L, O, U) without 0 and 1.
pub(crate) const ALPHABET: &[u8; 30] = b"23456789ABCDEFGHJKMNPQRSTVWXYZ";
/// The characters in a code.
pub(crate) const LENGTH: usize = 8;
/// The purpose of an extension code in the database.
const EXTENSION: &str = "extension";

/// A new random code (not yet checked for uniqueness).
pub(crate) fn generate() -> String {
    let mut code = String::with_capacity(LENGTH);
    while code.len() < LENGTH {
        let mut bytes = [0u8; 16];
        crate::plumbing::crypto::fill_random(&mut bytes);
        // 240 is 8 × 30: taking bytes above it would favour the first characters.
        for b in bytes.into_iter().filter(|b| *b < 240) {
            if code.len() < LENGTH {
                code.push(char::from(ALPHABET[usize::from(b % 30)]));
            }
        }
    }
    code
}

/// The stored form of a code as typed ("abcd-efgh", "ABCD EFGH"); `None` when it is not one.
pub(crate) fn normalise(input: &str) -> Option<String> {
    let code: String = input
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    (code.len() == LENGTH && code.bytes().all(|b| ALPHABET.contains(&b))).then_some(code)
}

/// A code as people read it: `ABCD-EFGH`.
pub(crate) fn display(code: &str) -> String {
    match (code.get(..LENGTH / 2), code.get(LENGTH / 2..)) {
        (Some(head), Some(tail)) if code.len() == LENGTH => format!("{head}-{tail}"),
        _ => code.to_owned(),
    }
}

/// A payment code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PaymentCode {
    /// The stored form (8 characters, no dash).
    pub(crate) code: String,
    pub(crate) loan: LoanId,
    pub(crate) purpose: String,
    pub(crate) amount: i64,
    /// Periods an extension adds.
    pub(crate) periods: u32,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) expires_at: DateTime<Utc>,
    pub(crate) paid_at: Option<DateTime<Utc>>,
    pub(crate) payment: Option<PaymentId>,
    pub(crate) cancelled_at: Option<DateTime<Utc>>,
}

/// Where a code is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Status {
    /// Waiting for the payment.
    Live,
    Paid,
    Expired,
    Cancelled,
}

impl PaymentCode {
    /// The code's status at `now`.
    pub(crate) fn status(&self, now: DateTime<Utc>) -> Status {
        if self.paid_at.is_some() {
            Status::Paid
        } else if self.cancelled_at.is_some() {
            Status::Cancelled
        } else if now >= self.expires_at {
            Status::Expired
        } else {
            Status::Live
        }
    }
}

/// The columns [`from_row`] reads.
const COLUMNS: &str = "code, loan_id, purpose, amount, periods, created_at, expires_at, paid_at, payment_id, cancelled_at";

/// A code from a row of [`COLUMNS`].
fn from_row(r: &Row) -> rusqlite::Result<PaymentCode> {
    Ok(PaymentCode {
        code: r.get(0)?,
        loan: r.get(1)?,
        purpose: r.get(2)?,
        amount: r.get(3)?,
        periods: r.get(4)?,
        created_at: r.get(5)?,
        expires_at: r.get(6)?,
        paid_at: r.get(7)?,
        payment: r.get(8)?,
        cancelled_at: r.get(9)?,
    })
}

/// Records that a code was paid by `payment` (once: a paid code keeps its first payment).
pub(crate) fn mark_paid(
    conn: &Connection,
    code: &str,
    payment: &PaymentId,
    now: DateTime<Utc>,
) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE payment_codes SET paid_at = ?2, payment_id = ?3 WHERE code = ?1 AND paid_at IS NULL",
        params![code, now, payment],
    )?;
    Ok(())
}

/// One code by its stored form.
pub(crate) fn get(conn: &Connection, code: &str) -> rusqlite::Result<Option<PaymentCode>> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM payment_codes WHERE code = ?1"
    ))?
    .query_row([code], from_row)
    .optional()
}

/// A ticket's codes, newest first.
pub(crate) fn of_loan(conn: &Connection, loan: &LoanId) -> rusqlite::Result<Vec<PaymentCode>> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM payment_codes WHERE loan_id = ?1 ORDER BY created_at DESC, code"
    ))?
    .query_map([loan], from_row)?
    .collect()
}

/// Why a ticket cannot be extended with a payment code, or the database failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CodeError {
    #[error("the ticket is not open")]
    Closed,
    #[error("only pawn tickets are extended; an installment loan follows its schedule")]
    NotExtendable,
    #[error("the interest and fees are paid up: there is nothing to pay for an extension today")]
    NothingOwed,
    #[error("the payout failed and waits to be made again: nothing is owed")]
    PayoutWaits,
    #[error("database: {0}")]
    Db(#[from] rusqlite::Error),
}

/// The extension a customer can pay for on a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Extension {
    /// The interest and fees owed: exactly what an extension pays.
    pub(crate) amount: i64,
    /// Periods it adds: the product's term.
    pub(crate) periods: u32,
    /// The due date after it.
    pub(crate) maturity: NaiveDate,
}

/// What extending the ticket costs on `today`, and the due date it gives.
pub(crate) fn extension_on(
    conn: &Connection,
    record: &Ticket,
    today: NaiveDate,
) -> Result<Extension, CodeError> {
    if !record.is_open() {
        return Err(CodeError::Closed);
    }
    if record.payout_waits {
        return Err(CodeError::PayoutWaits);
    }
    if record.terms.kind != ProductKind::Pawn {
        return Err(CodeError::NotExtendable);
    }
    let owed = ops::owed_on(conn, record, today)?;
    let amount = owed.interest + owed.fees;
    if amount <= 0 {
        return Err(CodeError::NothingOwed);
    }
    let periods = record.terms.term_periods;
    Ok(Extension {
        amount,
        periods,
        maturity: terms::extended_maturity(&record.facts(), today, periods),
    })
}

/// The code to pay for extending the ticket on `today`: a live unpaid code for the same
/// amount if there is one, else a new code valid for `validity`. Call inside a write
/// transaction, so two requests cannot make two codes.
pub(crate) fn extension_code(
    conn: &Connection,
    record: &Ticket,
    today: NaiveDate,
    now: DateTime<Utc>,
    validity: Duration,
) -> Result<PaymentCode, CodeError> {
    let extension = extension_on(conn, record, today)?;
    let live = of_loan(conn, &record.id)?.into_iter().find(|c| {
        c.purpose == EXTENSION && c.amount == extension.amount && c.status(now) == Status::Live
    });
    if let Some(live) = live {
        return Ok(live);
    }
    // 30^8 codes: a collision is rare, and another try is always likely to succeed.
    let code = loop {
        let candidate = generate();
        if get(conn, &candidate)?.is_none() {
            break candidate;
        }
    };
    let made = PaymentCode {
        code,
        loan: record.id.clone(),
        purpose: EXTENSION.to_owned(),
        amount: extension.amount,
        periods: extension.periods,
        created_at: now,
        expires_at: now + validity,
        paid_at: None,
        payment: None,
        cancelled_at: None,
    };
    conn.prepare_cached(
        "INSERT INTO payment_codes (code, loan_id, purpose, amount, periods, created_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        made.code,
        made.loan,
        made.purpose,
        made.amount,
        made.periods,
        made.created_at,
        made.expires_at
    ])?;
    Ok(made)
}

/// What a confirmation did.
#[derive(Debug, Clone)]
pub(crate) enum Confirmed {
    /// The payment is taken now; `record` is the ticket as it was before.
    Now {
        record: Box<Ticket>,
        receipt: Receipt,
    },
    /// The code was paid before (confirmed twice): nothing more was done.
    Before { loan: LoanId, payment: PaymentId },
}

/// Why a code could not be confirmed, or the database failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ConfirmError {
    /// No such code (or one for a purpose this version does not confirm).
    #[error("no such payment code")]
    NotFound,
    #[error("the payment code was cancelled")]
    Cancelled,
    #[error("the payment code has expired")]
    Expired,
    #[error("the ticket is not open")]
    Closed,
    /// A new period started (or a fee fell due) since the code was made.
    #[error("the amount owed is now {owed}, not the code's {code}")]
    AmountChanged { owed: i64, code: i64 },
    /// A refusal of the payment itself (never its [`PaymentError::Db`], which is [`Self::Db`]).
    #[error(transparent)]
    Payment(PaymentError),
    #[error("database: {0}")]
    Db(#[from] rusqlite::Error),
}

/// Confirms that a code was paid, by `method`, on business date `today`: takes the extension
/// payment with the code as its reference and marks the code paid. A code already paid is not
/// paid again. Call inside a write transaction; the caller audits it and tells the customer.
pub(crate) fn confirm(
    conn: &Connection,
    code: &str,
    method: Method,
    staff: &StaffId,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Confirmed, ConfirmError> {
    let Some(found) = get(conn, code)?.filter(|c| c.purpose == EXTENSION) else {
        return Err(ConfirmError::NotFound);
    };
    match found.status(now) {
        // Paid codes always have their payment (both are set together); never pay twice.
        Status::Paid => {
            return found
                .payment
                .map(|payment| Confirmed::Before {
                    loan: found.loan,
                    payment,
                })
                .ok_or(ConfirmError::NotFound);
        }
        Status::Cancelled => return Err(ConfirmError::Cancelled),
        Status::Expired => return Err(ConfirmError::Expired),
        Status::Live => (),
    }
    let Some(record) = ops::load(conn, &found.loan)? else {
        return Err(ConfirmError::NotFound);
    };
    if !record.is_open() {
        return Err(ConfirmError::Closed);
    }
    let owed = ops::owed_on(conn, &record, today)?;
    if owed.interest + owed.fees != found.amount {
        return Err(ConfirmError::AmountChanged {
            owed: owed.interest + owed.fees,
            code: found.amount,
        });
    }
    let reference = display(&found.code);
    let payment = Payment {
        amount: found.amount,
        method,
        reference: &reference,
        purpose: Purpose::Extension {
            periods: found.periods,
        },
        staff: Some(staff),
    };
    let id = PaymentId::new(now);
    let receipt =
        ops::take_payment(conn, &record, &payment, &id, today, now).map_err(|e| match e {
            PaymentError::Db(e) => ConfirmError::Db(e),
            refused => ConfirmError::Payment(refused),
        })?;
    mark_paid(conn, &found.code, &id, now)?;
    Ok(Confirmed::Now {
        record: Box::new(record),
        receipt,
    })
}

/// An open ticket as the counter finds it.
#[derive(Debug, Clone)]
pub(crate) struct CounterTicket {
    pub(crate) id: LoanId,
    pub(crate) ticket_no: String,
    pub(crate) customer_name: String,
    pub(crate) phone: E164,
    pub(crate) state: LoanState,
    pub(crate) maturity: NaiveDate,
}

/// The most tickets the counter search lists.
const COUNTER_LIMIT: u32 = 50;

/// Open tickets whose number is `query` (in any case), or whose customer's name contains it,
/// or whose customer's phone it is; by customer, then due date.
pub(crate) fn counter_search(
    conn: &Connection,
    query: &str,
    country: &str,
) -> rusqlite::Result<Vec<CounterTicket>> {
    let query = query.trim();
    if query.is_empty() {
        return Ok(Vec::new());
    }
    let phone = crate::plumbing::phone::normalise(query, country)
        .map(|p| p.as_str().to_owned())
        .unwrap_or_default();
    let like = format!("%{}%", crate::plumbing::db::escape_like(query));
    conn.prepare_cached(
        "SELECT l.id, l.ticket_no, c.full_name, c.phone, l.state, l.matures_on
         FROM loans l JOIN customers c ON c.id = l.customer_id
         WHERE l.state IN ('active', 'due', 'grace', 'notice')
           AND (UPPER(l.ticket_no) = UPPER(?1) OR c.full_name LIKE ?2 ESCAPE '\\' OR c.phone = ?3)
         ORDER BY c.full_name, l.matures_on, l.ticket_no LIMIT +?4",
    )?
    .query_map(params![query, like, phone, COUNTER_LIMIT], |r| {
        let state: String = r.get(4)?;
        Ok(CounterTicket {
            id: r.get(0)?,
            ticket_no: r.get(1)?,
            customer_name: r.get(2)?,
            phone: E164::from_stored(r.get(3)?),
            state: LoanState::from_code(&state).unwrap_or(LoanState::Cancelled),
            maturity: r.get(5)?,
        })
    })?
    .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::audit::Actor;
    use crate::ledger;

    /// A database with an active Rp 1,000,000 gold ticket started on `day`.
    fn setup(day: NaiveDate) -> (tempfile::TempDir, crate::plumbing::db::Db, LoanId, StaffId) {
        let (dir, db) = crate::plumbing::db::tests::test_db();
        let conn = db.conn().unwrap();
        let now = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let (customer, product) =
            crate::loans::ops::tests::customer_and_gold(&conn, "Siti Rahma", now);
        let item = ops::Item {
            category: "gold".into(),
            description: "Ring".into(),
            marks: String::new(),
            weight_mg: None,
            karat: None,
            appraised: 2_000_000,
        };
        let id = ops::originate(
            &conn,
            &Actor::System,
            "B",
            &customer,
            &product,
            &[item],
            1_000_000,
            day,
            now,
        )
        .unwrap();
        let staff =
            crate::loans::ops::tests::staff_member(&conn, crate::roles::Role::Clerk, now).id;
        let record = ops::load(&conn, &id).unwrap().unwrap();
        ops::approve_and_disburse(&conn, &record, Method::Cash, "", &staff, day, now).unwrap();
        drop(conn);
        (dir, db, id, staff)
    }

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn codes_are_short_unambiguous_and_read_back_however_typed() {
        let mut seen = std::collections::HashSet::new();
        for _ in 0..2_000 {
            let code = generate();
            assert_eq!(code.len(), 8);
            assert!(
                !code.contains(['0', '1', 'I', 'L', 'O', 'U']),
                "{code} has a confusable character"
            );
            assert_eq!(normalise(&code).as_deref(), Some(code.as_str()));
            assert_eq!(normalise(&display(&code)).as_deref(), Some(code.as_str()));
            seen.insert(code);
        }
        assert!(seen.len() > 1_990, "codes repeat: {} distinct", seen.len());
        assert_eq!(display("ABCDEFGH"), "ABCD-EFGH");
        assert_eq!(normalise(" abcd-efgh ").as_deref(), Some("ABCDEFGH"));
        assert_eq!(normalise("ABCD EFGH").as_deref(), Some("ABCDEFGH"));
        assert_eq!(normalise("ABCD-EFG0"), None, "0 is not in the alphabet");
        assert_eq!(normalise("ABCD-EFGI"), None, "I is not in the alphabet");
        assert_eq!(normalise("ABCDEFG"), None);
        assert_eq!(normalise("ABCDEFGHJ"), None);
        assert_eq!(
            normalise("DEMO-2026-000001"),
            None,
            "a ticket number is no code"
        );
        assert_eq!(normalise("ÄBCDEFGH"), None);
    }

    #[test]
    fn one_code_per_ticket_and_amount_until_it_expires() {
        let day = date("2026-01-10");
        let (_dir, db, id, _staff) = setup(day);
        let conn = db.conn().unwrap();
        let now = DateTime::from_timestamp(1_768_000_000, 0).unwrap();
        let record = ops::load(&conn, &id).unwrap().unwrap();
        let hours = Duration::hours(24);
        let first = extension_code(&conn, &record, day, now, hours).unwrap();
        // Rp 11,500 interest for the first 15-day period and the Rp 5,000 ticket fee.
        assert_eq!(first.amount, 16_500);
        assert_eq!(first.periods, 8);
        assert_eq!(first.expires_at, now + hours);
        assert_eq!(get(&conn, &first.code).unwrap().unwrap(), first);
        let again = extension_code(&conn, &record, day, now + Duration::hours(1), hours).unwrap();
        assert_eq!(again.code, first.code, "the live code is shown again");
        // Once expired, a new code.
        let later = now + hours;
        let fresh = extension_code(&conn, &record, day, later, hours).unwrap();
        assert_ne!(fresh.code, first.code);
        assert_eq!(
            get(&conn, &first.code).unwrap().unwrap().status(later),
            Status::Expired
        );
        // A new period: a new amount, a new code.
        let next_period = day + Duration::days(16);
        let dearer = extension_code(&conn, &record, next_period, later, hours).unwrap();
        assert_eq!(dearer.amount, 16_500 + 11_500);
        assert_ne!(dearer.code, fresh.code);
        assert_eq!(of_loan(&conn, &id).unwrap().len(), 3);
        // The extension shown before anything happens: 8 more periods from the current end.
        let shown = extension_on(&conn, &record, day).unwrap();
        assert_eq!(shown.maturity, date("2026-09-07"));
    }

    #[test]
    fn confirming_extends_once_with_the_code_as_reference() {
        let day = date("2026-01-10");
        let (_dir, db, id, staff) = setup(day);
        let conn = db.conn().unwrap();
        let now = DateTime::from_timestamp(1_768_000_000, 0).unwrap();
        let record = ops::load(&conn, &id).unwrap().unwrap();
        let code = extension_code(&conn, &record, day, now, Duration::hours(24)).unwrap();
        let at = now + Duration::minutes(30);
        let done = confirm(&conn, &code.code, Method::BankTransfer, &staff, day, at).unwrap();
        let Confirmed::Now {
            record: before,
            receipt,
        } = done
        else {
            panic!("not taken now");
        };
        assert_eq!(before.maturity, date("2026-05-10"));
        assert_eq!(receipt.maturity, date("2026-09-07"));
        assert_eq!(receipt.split.interest + receipt.split.fees, 16_500);
        assert_eq!(receipt.split.principal, 0);
        let after = ops::load(&conn, &id).unwrap().unwrap();
        assert_eq!(after.maturity, date("2026-09-07"));
        let paid = get(&conn, &code.code).unwrap().unwrap();
        assert_eq!(paid.status(at), Status::Paid);
        assert_eq!(paid.payment.as_ref(), Some(&receipt.payment));
        let rows = ledger::entries(&conn, &record.customer, Some(&id), None, None).unwrap();
        let paid_rows: Vec<_> = rows
            .iter()
            .filter(|r| r.payment.as_ref() == Some(&receipt.payment))
            .collect();
        assert_eq!(paid_rows.len(), 2, "interest and fee");
        assert!(
            paid_rows
                .iter()
                .all(|r| r.reference == display(&code.code) && r.method == Method::BankTransfer)
        );

        // Twice: the same payment, applied once.
        let twice = confirm(&conn, &code.code, Method::Cash, &staff, day, at).unwrap();
        assert!(
            matches!(twice, Confirmed::Before { ref payment, .. } if *payment == receipt.payment)
        );
        let rows_after = ledger::entries(&conn, &record.customer, Some(&id), None, None).unwrap();
        assert_eq!(rows_after.len(), rows.len());
        // One receipt, the extension's, with the code as its reference and the cashier's name.
        let issued = crate::loans::receipts::read(&conn, &receipt.receipt)
            .unwrap()
            .unwrap();
        assert_eq!(issued.kind, crate::loans::receipts::Kind::Extension);
        assert_eq!(issued.reference, display(&code.code));
        assert_eq!(issued.due_after, Some(date("2026-09-07")));
        assert!(issued.cashier.is_some());
        let receipts: i64 = conn
            .query_row(
                "SELECT COUNT(*) FROM receipts WHERE payment_id IS NOT NULL",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(receipts, 1, "confirmed twice, one receipt");
        assert_eq!(
            ops::load(&conn, &id).unwrap().unwrap().maturity,
            date("2026-09-07")
        );
        // Paid up for now: nothing to extend with until the next period starts.
        assert!(matches!(
            extension_code(&conn, &after, day, at, Duration::hours(24)),
            Err(CodeError::NothingOwed)
        ));
        assert!(matches!(
            confirm(&conn, "ZZZZZZZZ", Method::Cash, &staff, day, at),
            Err(ConfirmError::NotFound)
        ));
    }

    #[test]
    fn expired_cancelled_and_outdated_codes_are_refused() {
        let day = date("2026-01-10");
        let (_dir, db, id, staff) = setup(day);
        let conn = db.conn().unwrap();
        let now = DateTime::from_timestamp(1_768_000_000, 0).unwrap();
        let record = ops::load(&conn, &id).unwrap().unwrap();
        let hours = Duration::hours(2);
        let code = extension_code(&conn, &record, day, now, hours).unwrap();
        let expired = confirm(&conn, &code.code, Method::Cash, &staff, day, now + hours);
        assert!(matches!(expired, Err(ConfirmError::Expired)));
        // A new period started after the code was made: the amount owed is no longer its amount.
        let code = extension_code(&conn, &record, day, now + hours, Duration::days(30)).unwrap();
        let next_period = day + Duration::days(16);
        let outdated = confirm(
            &conn,
            &code.code,
            Method::Cash,
            &staff,
            next_period,
            now + hours,
        );
        assert!(matches!(
            outdated,
            Err(ConfirmError::AmountChanged {
                owed: 28_000,
                code: 16_500
            })
        ));
        conn.execute(
            "UPDATE payment_codes SET cancelled_at = ?2 WHERE code = ?1",
            params![code.code, now],
        )
        .unwrap();
        let cancelled = confirm(&conn, &code.code, Method::Cash, &staff, day, now + hours);
        assert!(matches!(cancelled, Err(ConfirmError::Cancelled)));
        // Nothing was paid.
        assert_eq!(
            ops::load(&conn, &id).unwrap().unwrap().maturity,
            record.maturity
        );
        assert!(
            ledger::entries(&conn, &record.customer, Some(&id), None, None)
                .unwrap()
                .iter()
                .all(|r| r.payment.is_none())
        );
    }

    #[test]
    fn the_counter_finds_open_tickets_by_number_name_or_phone() {
        let day = date("2026-01-10");
        let (_dir, db, id, _staff) = setup(day);
        let conn = db.conn().unwrap();
        let record = ops::load(&conn, &id).unwrap().unwrap();
        for query in [
            record.ticket_no.to_lowercase(),
            "siti".to_owned(),
            "0812-3456-7890".to_owned(),
        ] {
            let found = counter_search(&conn, &query, "ID").unwrap();
            assert_eq!(found.len(), 1, "{query}");
            assert_eq!(found[0].id, id);
            assert_eq!(found[0].state, LoanState::Active);
        }
        assert!(counter_search(&conn, "", "ID").unwrap().is_empty());
        assert!(counter_search(&conn, "%", "ID").unwrap().is_empty());
        assert!(counter_search(&conn, "Budi", "ID").unwrap().is_empty());
    }
}
