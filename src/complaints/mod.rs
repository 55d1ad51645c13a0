//! Complaints (issue 14; seeds 003 and 002): a case for each complaint a customer makes, by
//! phone, chat, email, at the counter or on the portal. A case names the customer (the caller
//! verified as "Verify caller" records it), its channel, its category (the four procedures of
//! seed 003, one-time codes from seed 002, or other), what it concerns, its priority, owner and
//! state; everything done on it is an event with who and when, shown on the case and on the
//! customer's timeline, so a complaint cannot be forgotten and each week's can be evaluated.
//!
//! - this file: the records and their codes, and what the pages read;
//! - [`cases`]: opening a case and every change to it, each rule refused with a typed error;
//! - [`checklist`]: each category's steps from the seeds, recorded as done;
//! - [`sla`]: the service-level clocks (working days, holidays, pauses);
//! - [`attachments`]: files attached to a case (metadata synced, bytes in the data directory).

pub(crate) mod attachments;
pub(crate) mod breach;
pub(crate) mod cases;
pub(crate) mod checklist;
pub(crate) mod due;
pub(crate) mod list;
pub(crate) mod messages;
pub(crate) mod payouts;
pub(crate) mod report;
pub(crate) mod sla;
pub(crate) mod typos;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension};

use crate::plumbing::db;
use crate::plumbing::i18n::Msg;
use crate::plumbing::ids::{ComplaintId, CustomerId, LoanId, StaffId};

/// Declares an enum stored as a code: its variants with their code and label, `ALL`,
/// `code`, `from_code`, `label` and the SQL conversions.
macro_rules! coded {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident => $code:literal, $label:ident;)* }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub(crate) enum $name { $($(#[$vdoc])* $variant,)* }

        impl $name {
            /// Every value, in the order forms offer them.
            #[allow(dead_code, reason = "not every coded value is offered in a form")]
            pub(crate) const ALL: &'static [$name] = &[$($name::$variant,)*];

            /// The code in the database, forms and URLs.
            pub(crate) fn code(self) -> &'static str {
                match self { $($name::$variant => $code,)* }
            }

            /// The value of a code.
            pub(crate) fn from_code(code: &str) -> Option<$name> {
                match code { $($code => Some($name::$variant),)* _ => None }
            }

            /// The value's name for people.
            pub(crate) fn label(self) -> Msg {
                match self { $($name::$variant => Msg::$label,)* }
            }
        }

        impl rusqlite::ToSql for $name {
            fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
                Ok(self.code().into())
            }
        }

        impl rusqlite::types::FromSql for $name {
            fn column_result(
                value: rusqlite::types::ValueRef<'_>,
            ) -> rusqlite::types::FromSqlResult<Self> {
                let code = value.as_str()?;
                $name::from_code(code).ok_or_else(|| {
                    rusqlite::types::FromSqlError::Other(format!("unknown code {code}").into())
                })
            }
        }
    };
}

coded!(
    /// How the complaint reached the branch.
    Channel {
        Hotline => "hotline", ChannelHotline;
        SocialMedia => "social_media", ChannelSocialMedia;
        LiveChat => "live_chat", ChannelLiveChat;
        Email => "email", ChannelEmail;
        Counter => "counter", ChannelCounter;
        /// Opened by the customer on the portal.
        Portal => "portal", ChannelPortal;
    }
);

impl Channel {
    /// Whether a complaint on this channel is made in writing (the regulator's limit for those
    /// is longer than for one made orally, on the phone or at the counter).
    pub(crate) fn is_written(self) -> bool {
        !matches!(self, Channel::Hotline | Channel::Counter)
    }
}

coded!(
    /// What the complaint is about: seed 003's four procedures (A to D), seed 002's one-time
    /// codes, or anything else.
    Category {
        Billing => "billing", CategoryBilling;
        Disbursement => "disbursement", CategoryDisbursement;
        PaymentConfirmation => "payment_confirmation", CategoryPaymentConfirmation;
        PaymentMethod => "payment_method", CategoryPaymentMethod;
        OneTimeCode => "one_time_code", CategoryOneTimeCode;
        Other => "other", CategoryOther;
    }
);

coded!(
    /// How urgent the case is; the service levels may differ by it.
    Priority {
        Normal => "normal", PriorityNormal;
        High => "high", PriorityHigh;
    }
);

coded!(
    /// Where the case is.
    State {
        Open => "open", StateOpen;
        /// The clocks pause until the customer answers.
        WaitingOnCustomer => "waiting_on_customer", StateWaitingOnCustomer;
        /// Reported to the CS manager (seed 003 A.4, B.5, C.5).
        Escalated => "escalated", StateEscalated;
        Resolved => "resolved", StateResolved;
        Closed => "closed", StateClosed;
    }
);

impl State {
    /// Whether the case still needs work (its clocks run, the list shows it first).
    pub(crate) fn is_open(self) -> bool {
        !matches!(self, State::Resolved | State::Closed)
    }
}

coded!(
    /// How a resolved case ended.
    Outcome {
        /// The customer was right and it was put right.
        Upheld => "upheld", OutcomeUpheld;
        /// Nothing was wrong; it was explained to the customer.
        Explained => "explained", OutcomeExplained;
        /// The complaint was not accepted, with the reason in the notes.
        Rejected => "rejected", OutcomeRejected;
        /// The customer withdrew it.
        Withdrawn => "withdrawn", OutcomeWithdrawn;
    }
);

/// A case as the pages show it.
#[derive(Debug, Clone)]
pub(crate) struct Case {
    pub(crate) id: ComplaintId,
    pub(crate) customer_id: CustomerId,
    pub(crate) customer_name: String,
    /// The caller details compared with the record (names of `customers::caller::DETAILS`).
    pub(crate) checked_details: Vec<String>,
    pub(crate) channel: Channel,
    pub(crate) category: Category,
    pub(crate) priority: Priority,
    pub(crate) loan_id: Option<LoanId>,
    pub(crate) ticket_no: Option<String>,
    pub(crate) payment_code: Option<String>,
    pub(crate) description: String,
    pub(crate) owner_id: Option<StaffId>,
    pub(crate) owner_name: Option<String>,
    pub(crate) state: State,
    pub(crate) outcome: Option<Outcome>,
    pub(crate) opened_at: DateTime<Utc>,
    pub(crate) first_response_at: Option<DateTime<Utc>>,
    pub(crate) resolved_at: Option<DateTime<Utc>>,
    pub(crate) closed_at: Option<DateTime<Utc>>,
    /// When the breach pass found the first response late.
    pub(crate) response_breached_at: Option<DateTime<Utc>>,
    /// When the breach pass found the resolution late.
    pub(crate) breached_at: Option<DateTime<Utc>>,
    /// The deadlines the row keeps (`due::refresh` writes them).
    pub(crate) due: sla::Due,
}

/// The columns [`read_case`] reads, for every query that lists cases.
pub(crate) const CASE_COLUMNS: &str = "c.id, c.customer_id, cu.full_name, c.checked_details, \
     c.channel, c.category, c.priority, c.loan_id, l.ticket_no, c.payment_code, c.description, \
     c.owner_id, s.full_name, c.state, c.outcome, c.opened_at, c.first_response_at, \
     c.resolved_at, c.closed_at, c.response_breached_at, c.breached_at, c.response_due, \
     c.resolution_due";

/// The joins [`CASE_COLUMNS`] needs, after `FROM complaints c`.
pub(crate) const CASE_JOINS: &str = "JOIN customers cu ON cu.id = c.customer_id \
     LEFT JOIN loans l ON l.id = c.loan_id LEFT JOIN staff s ON s.id = c.owner_id";

/// A case from a row of [`CASE_COLUMNS`].
pub(crate) fn read_case(r: &rusqlite::Row<'_>) -> rusqlite::Result<Case> {
    let checked: String = r.get(3)?;
    Ok(Case {
        id: r.get(0)?,
        customer_id: r.get(1)?,
        customer_name: r.get(2)?,
        checked_details: checked
            .split(',')
            .filter(|d| !d.is_empty())
            .map(str::to_owned)
            .collect(),
        channel: r.get(4)?,
        category: r.get(5)?,
        priority: r.get(6)?,
        loan_id: r.get(7)?,
        ticket_no: r.get(8)?,
        payment_code: r.get(9)?,
        description: r.get(10)?,
        owner_id: r.get(11)?,
        owner_name: r.get(12)?,
        state: r.get(13)?,
        outcome: r.get(14)?,
        opened_at: db::instant(r, 15)?,
        first_response_at: db::maybe_instant(r, 16)?,
        resolved_at: db::maybe_instant(r, 17)?,
        closed_at: db::maybe_instant(r, 18)?,
        response_breached_at: db::maybe_instant(r, 19)?,
        breached_at: db::maybe_instant(r, 20)?,
        due: sla::Due {
            response: db::maybe_instant(r, 21)?,
            resolution: db::maybe_instant(r, 22)?,
        },
    })
}

/// The case, if there is one with this id.
pub(crate) fn get(conn: &Connection, id: &ComplaintId) -> rusqlite::Result<Option<Case>> {
    conn.prepare_cached(&format!(
        "SELECT {CASE_COLUMNS} FROM complaints c {CASE_JOINS} WHERE c.id = ?1"
    ))?
    .query_row([id], read_case)
    .optional()
}

/// How many cases are not yet resolved.
pub(crate) fn unresolved_count(conn: &Connection) -> rusqlite::Result<u64> {
    conn.prepare_cached(
        "SELECT count(*) FROM complaints WHERE state IN ('open', 'waiting_on_customer', 'escalated')",
    )?
    .query_row([], |r| r.get(0))
}

/// A customer's cases, newest first.
pub(crate) fn of_customer(conn: &Connection, customer: &CustomerId) -> rusqlite::Result<Vec<Case>> {
    conn.prepare_cached(&format!(
        "SELECT {CASE_COLUMNS} FROM complaints c {CASE_JOINS}
         WHERE c.customer_id = ?1 ORDER BY c.opened_at DESC"
    ))?
    .query_map([customer], read_case)?
    .collect()
}

coded!(
    /// What an event on a case is.
    EventKind {
        Opened => "opened", ComplaintEventOpened;
        StateChanged => "state", ComplaintEventState;
        Note => "note", ComplaintEventNote;
        Step => "step", ComplaintEventStep;
        Escalated => "escalated", ComplaintEventEscalated;
        Owner => "owner", ComplaintEventOwner;
        Message => "message", ComplaintEventMessage;
        /// A payout of the case's ticket marked failed or made again (B.7).
        Disbursement => "disbursement", ComplaintEventDisbursement;
        /// The customer's email address corrected for an allowed typo (seed 002 step 3).
        EmailCorrected => "email_corrected", ComplaintEventEmailCorrected;
    }
);

/// One line of a case's timeline.
#[derive(Debug, Clone)]
pub(crate) struct Event {
    pub(crate) at: DateTime<Utc>,
    pub(crate) kind: EventKind,
    /// The staff member, or none for the customer (portal) or the system.
    pub(crate) who: Option<String>,
    pub(crate) from_state: Option<State>,
    pub(crate) to_state: Option<State>,
    pub(crate) detail: String,
}

/// The case's timeline, oldest first.
pub(crate) fn events(conn: &Connection, id: &ComplaintId) -> rusqlite::Result<Vec<Event>> {
    conn.prepare_cached(
        "SELECT e.at, e.kind, s.full_name, e.from_state, e.to_state, e.detail
         FROM complaint_events e LEFT JOIN staff s ON s.id = e.staff_id
         WHERE e.complaint_id = ?1 ORDER BY e.at, e.rowid",
    )?
    .query_map([id], |r| {
        Ok(Event {
            at: db::instant(r, 0)?,
            kind: r.get(1)?,
            who: r.get(2)?,
            from_state: r.get(3)?,
            to_state: r.get(4)?,
            detail: r.get(5)?,
        })
    })?
    .collect()
}

/// An escalation: to whom, why, and who must contact the customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Escalation {
    pub(crate) to_whom: String,
    pub(crate) reason: String,
    pub(crate) contact_by: String,
}

/// A recorded escalation, with when and by whom (none: the breach pass).
#[derive(Debug, Clone)]
pub(crate) struct Escalated {
    pub(crate) at: DateTime<Utc>,
    pub(crate) by: Option<String>,
    pub(crate) escalation: Escalation,
}

/// The case's escalations, oldest first.
pub(crate) fn escalations(conn: &Connection, id: &ComplaintId) -> rusqlite::Result<Vec<Escalated>> {
    conn.prepare_cached(
        "SELECT e.at, s.full_name, e.to_whom, e.reason, e.contact_by
         FROM complaint_escalations e LEFT JOIN staff s ON s.id = e.by_staff
         WHERE e.complaint_id = ?1 ORDER BY e.at, e.rowid",
    )?
    .query_map([id], |r| {
        Ok(Escalated {
            at: r.get(0)?,
            by: r.get(1)?,
            escalation: Escalation {
                to_whom: r.get(2)?,
                reason: r.get(3)?,
                contact_by: r.get(4)?,
            },
        })
    })?
    .collect()
}
