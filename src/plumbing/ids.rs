//! Record ids that stay unique across every branch of the chain.
//!
//! An id is a ULID: 48 bits of milliseconds since 1970 and 80 random bits from the operating
//! system's CSPRNG, written as 26 Crockford base-32 characters. Branches mint ids without asking
//! anyone, head office merges their rows without renumbering, and ids sort by creation time,
//! which keeps SQLite's indexes compact.
//!
//! Each kind of record has its own id type (see [`id_type!`]), so a customer id cannot be passed
//! where a loan id is expected.

use std::fmt;

use chrono::{DateTime, Utc};

/// Crockford's base-32 alphabet (no I, L, O, U).
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// Makes a new ULID for a record created at `now`.
pub(crate) fn new_ulid(now: DateTime<Utc>) -> String {
    let mut random = [0u8; 10];
    crate::plumbing::crypto::fill_random(&mut random);
    let millis = u128::try_from(now.timestamp_millis()).unwrap_or(0) & ((1 << 48) - 1);
    let mut value = millis << 80;
    for (i, b) in random.iter().enumerate() {
        value |= u128::from(*b) << (8 * (9 - i));
    }
    (0..26)
        .rev()
        .map(|i| char::from(ALPHABET[usize::try_from((value >> (5 * i)) & 31).unwrap_or(0)]))
        .collect()
}

/// Whether `text` has the shape of a ULID (used to refuse garbage in URLs early).
pub(crate) fn is_ulid(text: &str) -> bool {
    text.len() == 26 && text.bytes().all(|b| ALPHABET.contains(&b))
}

/// An id that could not be read from a URL or form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BadId;

impl fmt::Display for BadId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("not a record id")
    }
}

/// Declares a typed id: a ULID newtype that converts to and from SQL and text.
macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub(crate) struct $name(String);

        impl $name {
            /// A new id for a record created at `now`.
            #[allow(dead_code)]
            pub(crate) fn new(now: chrono::DateTime<chrono::Utc>) -> Self {
                $name($crate::plumbing::ids::new_ulid(now))
            }

            /// The id as text.
            #[allow(dead_code)]
            pub(crate) fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::plumbing::ids::BadId;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                if $crate::plumbing::ids::is_ulid(s) { Ok($name(s.to_owned())) } else { Err($crate::plumbing::ids::BadId) }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl rusqlite::ToSql for $name {
            fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
                self.0.to_sql()
            }
        }

        impl rusqlite::types::FromSql for $name {
            fn column_result(value: rusqlite::types::ValueRef<'_>) -> rusqlite::types::FromSqlResult<Self> {
                String::column_result(value).map($name)
            }
        }
    };
}

id_type!(
    /// A staff account.
    StaffId
);
id_type!(
    /// A customer.
    CustomerId
);
id_type!(
    /// A pawn loan (its ticket).
    LoanId
);
id_type!(
    /// An audit log entry.
    AuditId
);
id_type!(
    /// A message in the SMS outbox.
    SmsId
);
id_type!(
    /// A message from a customer (or an unknown number), read from the modem.
    SmsInboxId
);
id_type!(
    /// A message in the email outbox.
    EmailId
);
id_type!(
    /// A one-time code sent to a customer.
    CodeId
);
id_type!(
    /// An event in a customer's history.
    EventId
);
id_type!(
    /// A row of the ledger.
    LedgerId
);
id_type!(
    /// The rows of one payment.
    PaymentId
);
id_type!(
    /// A ticket's payout by bank transfer or mobile money, with its state (`loans::disbursements`).
    DisbursementId
);
id_type!(
    /// A clerk's cash drawer, from its opening to its count (`drawers`).
    DrawerId
);
id_type!(
    /// Cash moved between a drawer and the safe, confirmed by a second staff member.
    SafeTransferId
);
id_type!(
    /// A receipt of a money movement (`loans::receipts`).
    ReceiptId
);
id_type!(
    /// A call centre follow-up note (`callcentre::notes`).
    FollowUpId
);
id_type!(
    /// A promise to pay made in a follow-up note (`callcentre::promises`).
    PromiseId
);
id_type!(
    /// A loan product.
    ProductId
);
id_type!(
    /// An event in a ticket's history (state change, extension).
    LoanEventId
);
id_type!(
    /// A gold reference price, as set on a date.
    GoldPriceId
);
id_type!(
    /// A complaint case (`complaints`).
    ComplaintId
);
id_type!(
    /// A file attached to a complaint case (`complaint_attachments`).
    AttachmentId
);

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn ulids_are_unique_sortable_and_valid() {
        let t1 = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let t2 = DateTime::from_timestamp(1_700_000_001, 0).unwrap();
        let a = new_ulid(t1);
        let b = new_ulid(t1);
        let c = new_ulid(t2);
        assert_ne!(a, b);
        assert!(a < c && b < c, "later ids sort after earlier ones");
        assert!(is_ulid(&a), "{a}");
        assert_eq!(&a[..10], &b[..10], "same millisecond, same time part");
        assert!("not-an-id".parse::<CustomerId>().is_err());
        assert_eq!(a.parse::<CustomerId>().unwrap().as_str(), a);
    }
}
