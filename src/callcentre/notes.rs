//! Follow-up notes: one for every call (or attempt) a call agent makes, with every property of
//! seed 004: Action (whom the agent called: the customer, a guarantor, an alternative contact,
//! the RO), Call Results, Call Status, Call Status Action, Party Response, Promised Amount,
//! Promised Date, Set Visit Date, Comments, Client Status and Send Client A Message?.
//!
//! The choices are checked on the server against the table managers edit
//! ([`super::choices`]): a note whose fields do not fit each other is refused with a
//! [`NoteError`] naming the field, and nothing is written. A note that carries a promise makes
//! it ([`super::promises::make`]) in the same transaction. Notes are immutable (the table
//! refuses updates and deletes), show in the Interaction History and on the customer's
//! timeline, and go to head office with the sync.

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::json;

use super::choices::{self, Field};
use super::promises;
use super::rules::{self, Blocked, ContactRules, Reach};
use crate::audit::{self, Actor, Change};
use crate::customers::alternative_contacts::Kind as ContactKind;
use crate::plumbing::ids::{CustomerId, FollowUpId, LoanId, PromiseId, SmsId};
use crate::plumbing::phone::E164;
use crate::roles::StaffUser;
use crate::sms::outbox::{self, Kind, NewSms};

/// The longest Comments, in characters.
pub(crate) const MAX_COMMENT_CHARS: usize = 2000;
/// The longest message to the client, in characters (three SMS parts).
pub(crate) const MAX_MESSAGE_CHARS: usize = 459;

/// Whom the agent contacted (the seed's "Action").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Whom {
    Customer,
    Guarantor,
    Alternative,
    Ro,
}

impl Whom {
    /// Every choice, in the form's order.
    pub(crate) const ALL: [Whom; 4] =
        [Whom::Customer, Whom::Guarantor, Whom::Alternative, Whom::Ro];

    /// The code in the database and in forms.
    pub(crate) fn code(self) -> &'static str {
        match self {
            Whom::Customer => "customer",
            Whom::Guarantor => "guarantor",
            Whom::Alternative => "alternative",
            Whom::Ro => "ro",
        }
    }

    /// The choice of this code.
    pub(crate) fn from_code(code: &str) -> Option<Whom> {
        Whom::ALL.into_iter().find(|w| w.code() == code)
    }

    /// The kind of contact this choice calls, for a guarantor or an alternative contact.
    fn contact_kind(self) -> Option<ContactKind> {
        match self {
            Whom::Guarantor => Some(ContactKind::Guarantor),
            Whom::Alternative => Some(ContactKind::Alternative),
            Whom::Customer | Whom::Ro => None,
        }
    }
}

/// A promise a note carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Promised {
    pub(crate) amount: i64,
    pub(crate) on: NaiveDate,
}

/// A note to add, as the agent filled it in.
#[derive(Debug, Clone)]
pub(crate) struct NewNote<'a> {
    pub(crate) customer: &'a CustomerId,
    /// The ticket talked about; needed for a promise.
    pub(crate) loan: Option<&'a LoanId>,
    pub(crate) whom: Whom,
    /// The guarantor or alternative contact called.
    pub(crate) contact: Option<&'a str>,
    pub(crate) call_result: &'a str,
    pub(crate) call_status: &'a str,
    pub(crate) status_action: &'a str,
    pub(crate) party_response: &'a str,
    pub(crate) client_status: &'a str,
    pub(crate) promised_amount: Option<i64>,
    pub(crate) promised_date: Option<NaiveDate>,
    pub(crate) visit_date: Option<NaiveDate>,
    pub(crate) comments: &'a str,
    /// The message to send the client ("Send Client A Message?" yes), already edited.
    pub(crate) message: Option<&'a str>,
}

/// Why a note was refused (nothing was written), or the database failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum NoteError {
    #[error("{0} is missing")]
    Missing(Field),
    #[error("{field} {value:?} does not fit {} {after:?}", field.narrowed_by().map_or("", |f| f.code()))]
    DoesNotFit {
        field: Field,
        value: String,
        /// The choice of the field before that it does not follow (empty when none narrows it).
        after: String,
    },
    #[error("the contact called is not one of this customer's {0:?}s")]
    NoSuchContact(Whom),
    #[error("the ticket is not one of this customer's open tickets")]
    NoSuchTicket,
    #[error("the party response {0:?} needs a promised amount, a promised date and the ticket")]
    PromiseNeeded(String),
    #[error("the party response {0:?} takes no promise")]
    PromiseNotExpected(String),
    #[error("a promised amount is more than zero")]
    PromisedAmount,
    #[error("the promised date is before today")]
    PromisedDate,
    #[error("the visit date is before today")]
    VisitDate,
    #[error("comments are at most {MAX_COMMENT_CHARS} characters")]
    Comments,
    #[error("a message is 1 to {MAX_MESSAGE_CHARS} characters")]
    Message,
    #[error("the customer asked not to be texted")]
    DoNotText,
    #[error("no contact now: {0}")]
    Blocked(#[from] Blocked),
    #[error("database: {0}")]
    Db(#[from] rusqlite::Error),
}

/// A stored note, as the Interaction History shows it.
#[derive(Debug, Clone)]
pub(crate) struct Note {
    pub(crate) id: FollowUpId,
    pub(crate) at: DateTime<Utc>,
    pub(crate) staff: String,
    /// The ticket talked about, by its number.
    pub(crate) ticket: Option<String>,
    pub(crate) whom: Whom,
    /// The guarantor's or contact's name.
    pub(crate) contact: Option<String>,
    pub(crate) call_result: String,
    pub(crate) call_status: String,
    pub(crate) status_action: String,
    pub(crate) party_response: String,
    pub(crate) client_status: String,
    pub(crate) promised: Option<Promised>,
    pub(crate) visit_date: Option<NaiveDate>,
    pub(crate) comments: String,
    pub(crate) message: Option<String>,
    /// The network's report on the message sent with the note (issue 17).
    pub(crate) delivery: crate::sms::reports::Delivery,
}

/// What [`add`] checks a note against besides its fields: the sending hours and wording of
/// its messages, and the collection rules of the contact it logs.
#[derive(Debug, Clone)]
pub(crate) struct NoteRules {
    pub(crate) messaging: promises::Messaging,
    pub(crate) contact: ContactRules,
}

/// What [`add`] wrote.
#[derive(Debug, Clone)]
pub(crate) struct Added {
    pub(crate) note: FollowUpId,
    pub(crate) promise: Option<PromiseId>,
    pub(crate) sms: Option<SmsId>,
}

/// Checks a note against the collection rules ([`rules::admit`]), the choices table and the
/// customer's file, then stores it (audited), with its promise and its message. `today` is the branch's date; call inside the caller's
/// immediate transaction and wake the SMS sender after the commit when `sms` is some.
pub(crate) fn add(
    conn: &Connection,
    staff: &StaffUser,
    new: &NewNote,
    rules: &NoteRules,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Added, NoteError> {
    // The RO is a colleague: a call to them is not a contact with the customer's side.
    let reach = if new.whom != Whom::Ro || new.message.is_some() {
        Reach::CustomersSide
    } else {
        Reach::Colleague
    };
    rules::admit(conn, &rules.contact, new.customer, reach, today, now)??;
    let messaging = &rules.messaging;
    let takes_promise = check_choices(conn, new)?;
    check_whom(conn, new)?;
    let promised = check_promise(conn, new, takes_promise, today)?;
    check_rest(new, today)?;
    let sms = match new.message {
        Some(text) => Some(send_message(conn, new.customer, text, messaging, now)?),
        None => None,
    };
    let id = FollowUpId::new(now);
    insert(conn, &id, staff, new, promised, sms.as_ref(), now)?;
    let promise = match (promised, new.loan) {
        (Some(p), Some(loan)) => {
            let made = promises::NewPromise {
                loan,
                customer: new.customer,
                note: &id,
                staff: &staff.id,
                amount: p.amount,
                on: p.on,
            };
            Some(promises::make(
                conn,
                &made,
                messaging,
                &rules.contact,
                today,
                now,
            )?)
        }
        _ => None,
    };
    let change = Change {
        action: "customer.followup",
        entity: "customer",
        entity_id: new.customer.as_str(),
        before: None,
        after: Some(
            json!({ "followup": id.as_str(), "promise": promise.as_ref().map(PromiseId::as_str) }),
        ),
    };
    audit::record(conn, &Actor::Staff(staff), &change, now)?;
    Ok(Added {
        note: id,
        promise,
        sms,
    })
}

/// The four chained fields and Client Status against the table; whether the Party Response
/// takes a promise.
fn check_choices(conn: &Connection, new: &NewNote) -> Result<bool, NoteError> {
    let chain = [
        (Field::CallResult, new.call_result),
        (Field::CallStatus, new.call_status),
        (Field::StatusAction, new.status_action),
        (Field::PartyResponse, new.party_response),
    ];
    let mut parent = "";
    let mut takes_promise = false;
    for (field, value) in chain {
        let choice = fitting(conn, field, parent, value)?;
        takes_promise = choice.takes_promise;
        parent = value;
    }
    fitting(conn, Field::ClientStatus, "", new.client_status)?;
    Ok(takes_promise)
}

fn fitting(
    conn: &Connection,
    field: Field,
    parent: &str,
    value: &str,
) -> Result<choices::Choice, NoteError> {
    if value.is_empty() {
        return Err(NoteError::Missing(field));
    }
    choices::fits(conn, field, parent, value)?.ok_or_else(|| NoteError::DoesNotFit {
        field,
        value: value.to_owned(),
        after: parent.to_owned(),
    })
}

/// A guarantor or alternative contact called is a current one of this customer's, of that
/// kind; the customer and the RO need none.
fn check_whom(conn: &Connection, new: &NewNote) -> Result<(), NoteError> {
    match (new.whom.contact_kind(), new.contact) {
        (None, None) => Ok(()),
        (None, Some(_)) | (Some(_), None) => Err(NoteError::NoSuchContact(new.whom)),
        (Some(kind), Some(contact)) => {
            let found = conn
                .prepare_cached(
                    "SELECT 1 FROM customer_contacts
                     WHERE id = ?1 AND customer_id = ?2 AND kind = ?3 AND removed_at IS NULL",
                )?
                .query_row(params![contact, new.customer, kind.code()], |_| Ok(()))
                .optional()?;
            found.ok_or(NoteError::NoSuchContact(new.whom))
        }
    }
}

/// The promise, present exactly when the Party Response takes one, on an open ticket of the
/// customer's, of more than zero, on today or later.
fn check_promise(
    conn: &Connection,
    new: &NewNote,
    takes_promise: bool,
    today: NaiveDate,
) -> Result<Option<Promised>, NoteError> {
    if let Some(loan) = new.loan {
        let open = conn
            .prepare_cached(
                "SELECT 1 FROM loans WHERE id = ?1 AND customer_id = ?2
                   AND state IN ('active', 'due', 'grace', 'notice')",
            )?
            .query_row(params![loan, new.customer], |_| Ok(()))
            .optional()?;
        open.ok_or(NoteError::NoSuchTicket)?;
    }
    let response = || new.party_response.to_owned();
    match (new.promised_amount, new.promised_date) {
        (None, None) if takes_promise => Err(NoteError::PromiseNeeded(response())),
        (None, None) => Ok(None),
        _ if !takes_promise => Err(NoteError::PromiseNotExpected(response())),
        (Some(amount), Some(on)) => {
            if amount <= 0 {
                Err(NoteError::PromisedAmount)
            } else if on < today {
                Err(NoteError::PromisedDate)
            } else if new.loan.is_none() {
                Err(NoteError::PromiseNeeded(response()))
            } else {
                Ok(Some(Promised { amount, on }))
            }
        }
        _ => Err(NoteError::PromiseNeeded(response())),
    }
}

/// Set Visit Date not in the past; Comments and the message within their lengths.
fn check_rest(new: &NewNote, today: NaiveDate) -> Result<(), NoteError> {
    if new.visit_date.is_some_and(|d| d < today) {
        return Err(NoteError::VisitDate);
    }
    if new.comments.trim().chars().count() > MAX_COMMENT_CHARS {
        return Err(NoteError::Comments);
    }
    if let Some(text) = new.message {
        let n = text.trim().chars().count();
        if n == 0 || n > MAX_MESSAGE_CHARS {
            return Err(NoteError::Message);
        }
    }
    Ok(())
}

/// Queues the message to the customer's phone, unless they asked not to be texted.
fn send_message(
    conn: &Connection,
    customer: &CustomerId,
    text: &str,
    messaging: &promises::Messaging,
    now: DateTime<Utc>,
) -> Result<SmsId, NoteError> {
    if crate::customers::do_not_text(conn, customer)? {
        return Err(NoteError::DoNotText);
    }
    let phone: String = conn
        .prepare_cached("SELECT phone FROM customers WHERE id = ?1")?
        .query_row([customer], |r| r.get(0))?;
    let sms = NewSms {
        to: &E164::from_stored(phone),
        text: text.trim(),
        kind: Kind::FollowUp,
        expires_at: Some(promises::hours_end(messaging, now)),
        customer: Some(customer),
    };
    Ok(outbox::enqueue(conn, &sms, now)?)
}

fn insert(
    conn: &Connection,
    id: &FollowUpId,
    staff: &StaffUser,
    new: &NewNote,
    promised: Option<Promised>,
    sms: Option<&SmsId>,
    now: DateTime<Utc>,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO followup_notes (id, customer_id, loan_id, at, staff_id, action, contact_id,
           call_result, call_status, status_action, party_response, promised_amount, promised_date,
           visit_date, comments, client_status, message, sms_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
    )?
    .execute(params![
        id,
        new.customer,
        new.loan,
        now,
        staff.id,
        new.whom.code(),
        new.contact,
        new.call_result,
        new.call_status,
        new.status_action,
        new.party_response,
        promised.map(|p| p.amount),
        promised.map(|p| p.on),
        new.visit_date,
        new.comments.trim(),
        new.client_status,
        sms.and(new.message.map(str::trim)),
        sms,
    ])?;
    Ok(())
}

/// The customer's follow-up notes, newest first (those of records merged into it too, as they
/// moved with the merge).
pub(crate) fn of_customer(conn: &Connection, customer: &CustomerId) -> rusqlite::Result<Vec<Note>> {
    conn.prepare_cached(
        "SELECT n.id, n.at, s.full_name, l.ticket_no, n.action, c.full_name, n.call_result, n.call_status,
           n.status_action, n.party_response, n.client_status, n.promised_amount, n.promised_date,
           n.visit_date, n.comments, n.message, o.delivery, o.delivered_at, o.delivery_status
         FROM followup_notes n JOIN staff s ON s.id = n.staff_id
         LEFT JOIN sms_outbox o ON o.id = n.sms_id
         LEFT JOIN customer_contacts c ON c.id = n.contact_id
         LEFT JOIN loans l ON l.id = n.loan_id
         WHERE n.customer_id = ?1 ORDER BY n.at DESC, n.id DESC",
    )?
    .query_map([customer], |r| {
        let amount: Option<i64> = r.get(11)?;
        let on: Option<NaiveDate> = r.get(12)?;
        let whom: String = r.get(4)?;
        Ok(Note {
            id: r.get(0)?,
            at: r.get(1)?,
            staff: r.get(2)?,
            ticket: r.get(3)?,
            whom: Whom::from_code(&whom).unwrap_or(Whom::Customer),
            contact: r.get(5)?,
            call_result: r.get(6)?,
            call_status: r.get(7)?,
            status_action: r.get(8)?,
            party_response: r.get(9)?,
            client_status: r.get(10)?,
            promised: amount.zip(on).map(|(amount, on)| Promised { amount, on }),
            visit_date: r.get(13)?,
            comments: r.get(14)?,
            message: r.get(15)?,
            delivery: crate::sms::reports::Delivery::read(r, 16)?,
        })
    })?
    .collect()
}

#[cfg(test)]
pub(crate) mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::callcentre::do_not_contact;
    use crate::customers::timeline::What;
    use crate::loans::ops::tests::{customer_and_gold, paid_out, staff_member};
    use crate::roles::Role;

    pub(crate) fn now() -> DateTime<Utc> {
        // 09:00 in Jakarta, within the sending hours.
        "2026-12-01T02:00:00Z".parse().unwrap()
    }

    /// The default configuration's rules.
    pub(crate) fn rules() -> NoteRules {
        rules_with(&promises::tests::messaging())
    }

    /// The default configuration's contact rules with these messaging settings.
    pub(crate) fn rules_with(m: &promises::Messaging) -> NoteRules {
        NoteRules {
            messaging: m.clone(),
            contact: ContactRules::from_config(&crate::plumbing::config::Config::default()),
        }
    }

    pub(crate) fn today() -> NaiveDate {
        "2026-12-01".parse().unwrap()
    }

    /// A note of a call that reached the customer, who gave no promise.
    pub(crate) fn reached<'a>(customer: &'a CustomerId) -> NewNote<'a> {
        NewNote {
            customer,
            loan: None,
            whom: Whom::Customer,
            contact: None,
            call_result: "answered",
            call_status: "connected",
            status_action: "right_party",
            party_response: "asks_extension",
            client_status: "willing",
            promised_amount: None,
            promised_date: None,
            visit_date: None,
            comments: "Will come on Friday to extend.",
            message: None,
        }
    }

    /// A cash payment on the world's ticket of `amount` on `day` at `hour` o'clock branch time.
    pub(crate) fn pay(conn: &Connection, w: &World, amount: i64, day: NaiveDate, hour: u32) {
        let at = (day.and_hms_opt(hour, 0, 0).unwrap() - chrono::Duration::hours(7)).and_utc();
        let purpose = crate::loans::ops::Purpose::Partial;
        crate::loans::ops::tests::pay_cash(conn, &w.loan, &w.agent.id, amount, purpose, day, at)
            .unwrap();
    }

    pub(crate) struct World {
        pub(crate) _dir: tempfile::TempDir,
        pub(crate) db: crate::plumbing::db::Db,
        pub(crate) customer: CustomerId,
        pub(crate) loan: LoanId,
        pub(crate) agent: StaffUser,
    }

    /// A customer with one open ticket of 1,000,000 paid out on 1 November, and a call agent.
    pub(crate) fn world() -> World {
        let (dir, db) = crate::plumbing::db::tests::test_db();
        let conn = db.conn().unwrap();
        let (customer, product) = customer_and_gold(&conn, "Siti", now());
        let agent = staff_member(&conn, Role::CallAgent, now());
        let start = "2026-11-01".parse().unwrap();
        let (loan, _) = paid_out(
            &conn,
            &customer,
            &product,
            &agent.id,
            1_000_000,
            start,
            now(),
        );
        drop(conn);
        World {
            _dir: dir,
            db,
            customer,
            loan,
            agent,
        }
    }

    fn count(conn: &Connection, table: &str) -> i64 {
        conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
            .unwrap()
    }

    #[test]
    fn a_note_with_every_property_is_stored_audited_and_read_back() {
        let w = world();
        let conn = w.db.conn().unwrap();
        let guarantor = crate::customers::alternative_contacts::add(
            &conn,
            &w.customer,
            &crate::customers::alternative_contacts::NewContact {
                kind: ContactKind::Guarantor,
                full_name: "Budi",
                relationship: "brother",
                phone: &E164::from_stored("+6281299990000".into()),
                email: None,
            },
            None,
            now(),
        )
        .unwrap();
        let promised_on = today() + chrono::Duration::days(3);
        let note = NewNote {
            loan: Some(&w.loan),
            whom: Whom::Guarantor,
            contact: Some(&guarantor),
            party_response: "promise_to_pay",
            promised_amount: Some(250_000),
            promised_date: Some(promised_on),
            visit_date: Some(today() + chrono::Duration::days(7)),
            message: Some("  Thank you, we expect 250,000 on Friday. "),
            ..reached(&w.customer)
        };
        let audits = count(&conn, "audit_log");
        let added = add(&conn, &w.agent, &note, &rules(), today(), now()).unwrap();
        assert!(added.promise.is_some() && added.sms.is_some());
        assert_eq!(count(&conn, "audit_log"), audits + 1);
        let stored = of_customer(&conn, &w.customer).unwrap();
        assert_eq!(stored.len(), 1);
        let n = &stored[0];
        assert_eq!(n.whom, Whom::Guarantor);
        assert_eq!(n.contact.as_deref(), Some("Budi"));
        assert_eq!(
            (
                n.call_result.as_str(),
                n.call_status.as_str(),
                n.status_action.as_str()
            ),
            ("answered", "connected", "right_party")
        );
        assert_eq!(n.party_response, "promise_to_pay");
        assert_eq!(n.client_status, "willing");
        assert_eq!(
            n.promised,
            Some(Promised {
                amount: 250_000,
                on: promised_on
            })
        );
        assert_eq!(n.visit_date, Some(today() + chrono::Duration::days(7)));
        assert_eq!(n.comments, "Will come on Friday to extend.");
        assert_eq!(
            n.message.as_deref(),
            Some("Thank you, we expect 250,000 on Friday.")
        );
        let ticket = crate::loans::ops::load(&conn, &w.loan)
            .unwrap()
            .unwrap()
            .ticket_no;
        assert_eq!(n.ticket.as_ref(), Some(&ticket));
        let text: String = conn
            .query_row(
                "SELECT body FROM sms_outbox WHERE id = ?1",
                [added.sms.unwrap()],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(text, "Thank you, we expect 250,000 on Friday.");
    }

    #[test]
    fn a_note_whose_fields_do_not_fit_is_refused_naming_the_field_and_nothing_is_written() {
        let w = world();
        let conn = w.db.conn().unwrap();
        let m = rules();
        let base = reached(&w.customer);
        let refused = |note: NewNote| add(&conn, &w.agent, &note, &m, today(), now()).unwrap_err();
        let cases: Vec<(NewNote, Field, &str, &str)> = vec![
            (
                NewNote {
                    call_status: "connected",
                    call_result: "busy",
                    ..base.clone()
                },
                Field::CallStatus,
                "connected",
                "busy",
            ),
            (
                NewNote {
                    status_action: "try_later",
                    ..base.clone()
                },
                Field::StatusAction,
                "try_later",
                "connected",
            ),
            (
                NewNote {
                    party_response: "will_pass_on",
                    ..base.clone()
                },
                Field::PartyResponse,
                "will_pass_on",
                "right_party",
            ),
            (
                NewNote {
                    call_result: "shouted",
                    ..base.clone()
                },
                Field::CallResult,
                "shouted",
                "",
            ),
            (
                NewNote {
                    client_status: "happy",
                    ..base.clone()
                },
                Field::ClientStatus,
                "happy",
                "",
            ),
        ];
        for (note, field, value, after) in cases {
            match refused(note) {
                NoteError::DoesNotFit {
                    field: f,
                    value: v,
                    after: a,
                } => {
                    assert_eq!((f, v.as_str(), a.as_str()), (field, value, after));
                }
                other => panic!("{field}: {other:?}"),
            }
        }
        assert!(matches!(
            refused(NewNote {
                party_response: "",
                ..base.clone()
            }),
            NoteError::Missing(Field::PartyResponse)
        ));
        // A promise only where the Party Response takes one, with everything it needs.
        let promise = NewNote {
            loan: Some(&w.loan),
            party_response: "promise_to_pay",
            ..base.clone()
        };
        assert!(matches!(
            refused(promise.clone()),
            NoteError::PromiseNeeded(_)
        ));
        let day = Some(today());
        assert!(matches!(
            refused(NewNote { promised_amount: Some(1), promised_date: day, ..base.clone() }),
            NoteError::PromiseNotExpected(r) if r == "asks_extension"
        ));
        assert!(matches!(
            refused(NewNote {
                promised_amount: Some(0),
                promised_date: day,
                ..promise.clone()
            }),
            NoteError::PromisedAmount
        ));
        assert!(matches!(
            refused(NewNote {
                promised_amount: Some(5),
                promised_date: today().pred_opt(),
                ..promise.clone()
            }),
            NoteError::PromisedDate
        ));
        assert!(matches!(
            refused(NewNote {
                promised_amount: Some(5),
                promised_date: day,
                loan: None,
                ..promise.clone()
            }),
            NoteError::PromiseNeeded(_)
        ));
        assert!(matches!(
            refused(NewNote {
                whom: Whom::Guarantor,
                ..base.clone()
            }),
            NoteError::NoSuchContact(Whom::Guarantor)
        ));
        assert!(matches!(
            refused(NewNote {
                whom: Whom::Alternative,
                contact: Some("01JNOSUCHCONTACT000000000"),
                ..base.clone()
            }),
            NoteError::NoSuchContact(Whom::Alternative)
        ));
        assert!(matches!(
            refused(NewNote {
                visit_date: today().pred_opt(),
                ..base.clone()
            }),
            NoteError::VisitDate
        ));
        let long = "x".repeat(MAX_COMMENT_CHARS + 1);
        assert!(matches!(
            refused(NewNote {
                comments: &long,
                ..base.clone()
            }),
            NoteError::Comments
        ));
        assert!(matches!(
            refused(NewNote {
                message: Some("  "),
                ..base.clone()
            }),
            NoteError::Message
        ));
        for table in ["followup_notes", "promises_to_pay", "sms_outbox"] {
            assert_eq!(count(&conn, table), 0, "nothing written to {table}");
        }
    }

    #[test]
    fn a_note_shows_on_the_customers_timeline_once_with_its_party_response() {
        let w = world();
        let conn = w.db.conn().unwrap();
        let m = rules();
        add(&conn, &w.agent, &reached(&w.customer), &m, today(), now()).unwrap();
        let timeline = crate::customers::timeline::of_customer(&conn, &w.customer).unwrap();
        let shown: Vec<_> = timeline
            .iter()
            .filter(|e| matches!(e.what, What::FollowUp { .. } | What::Edit(_)) && e.at == now())
            .collect();
        assert_eq!(
            shown.len(),
            1,
            "the note, not its audit entry too: {shown:?}"
        );
        assert_eq!(
            shown[0].what,
            What::FollowUp {
                response_en: "Asks for an extension".into(),
                response_id: "Meminta perpanjangan".into()
            }
        );
        assert_eq!(shown[0].detail, "Will come on Friday to extend.");
        assert_eq!(shown[0].who.as_deref(), Some(w.agent.full_name.as_str()));
    }

    #[test]
    fn a_note_is_never_edited_or_deleted() {
        let w = world();
        let conn = w.db.conn().unwrap();
        let m = rules();
        let added = add(&conn, &w.agent, &reached(&w.customer), &m, today(), now()).unwrap();
        for sql in [
            "UPDATE followup_notes SET comments = 'changed' WHERE id = ?1",
            "UPDATE followup_notes SET party_response = 'refuses' WHERE id = ?1",
            "DELETE FROM followup_notes WHERE id = ?1",
        ] {
            assert!(conn.execute(sql, [&added.note]).is_err(), "{sql} refused");
        }
        assert_eq!(
            of_customer(&conn, &w.customer).unwrap()[0].comments,
            "Will come on Friday to extend."
        );
    }

    #[test]
    fn a_customer_marked_do_not_contact_gets_no_note_of_a_contact_and_no_message() {
        let w = world();
        let conn = w.db.conn().unwrap();
        let m = rules();
        do_not_contact::set(&conn, &w.agent, &w.customer, "Lawyer's letter", now()).unwrap();
        assert!(matches!(
            add(&conn, &w.agent, &reached(&w.customer), &m, today(), now()),
            Err(NoteError::Blocked(Blocked::DoNotContact))
        ));
        let ro_with_message = NewNote {
            whom: Whom::Ro,
            message: Some("Hello"),
            ..reached(&w.customer)
        };
        assert!(matches!(
            add(&conn, &w.agent, &ro_with_message, &m, today(), now()),
            Err(NoteError::Blocked(Blocked::DoNotContact))
        ));
        assert_eq!(count(&conn, "followup_notes"), 0);
        assert_eq!(count(&conn, "sms_outbox"), 0);
        let ro = NewNote {
            whom: Whom::Ro,
            ..reached(&w.customer)
        };
        add(&conn, &w.agent, &ro, &m, today(), now()).unwrap();
        assert_eq!(
            count(&conn, "followup_notes"),
            1,
            "a call to the RO is kept"
        );
        do_not_contact::clear(&conn, &w.agent, &w.customer, now()).unwrap();
        add(&conn, &w.agent, &reached(&w.customer), &m, today(), now()).unwrap();
        assert_eq!(count(&conn, "followup_notes"), 2, "cleared");
    }

    #[test]
    fn a_customer_who_asked_not_to_be_texted_gets_no_message() {
        let w = world();
        let conn = w.db.conn().unwrap();
        conn.execute(
            "UPDATE customers SET do_not_text = 1 WHERE id = ?1",
            [&w.customer],
        )
        .unwrap();
        let note = NewNote {
            message: Some("Hello"),
            ..reached(&w.customer)
        };
        let m = rules();
        assert!(matches!(
            add(&conn, &w.agent, &note, &m, today(), now()),
            Err(NoteError::DoNotText)
        ));
        assert_eq!(count(&conn, "followup_notes"), 0);
    }
}
