//! Promises to pay, made in follow-up notes: one active per ticket (a new promise replaces the
//! old, which stays, marked replaced and pointing at the new one). The customer gets an SMS
//! when a promise is made and another on the promised day, when the collection rules admit
//! a contact (`super::rules::admit`: the contact hours within the sending hours, no holiday,
//! no "do not contact" mark; a held text waits for the next allowed pass); the
//! scheduler settles each promise the day after its date: kept when the payments on the ticket
//! from the day it was made to the promised day (net of reversals) reached the amount, else
//! broken (a broken promise puts the customer back at the top of the follow-up queue).
//!
//! Time is passed in (`today`, the branch's date, and `now`), so tests move a clock.

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use serde_json::json;

use super::rules::{self, Blocked, ContactRules, Reach};
use crate::audit::{self, Actor, Change};
use crate::ledger;
use crate::plumbing::clock;
use crate::plumbing::i18n::Msg;
use crate::plumbing::ids::{CustomerId, FollowUpId, LoanId, PromiseId, StaffId};
use crate::plumbing::phone::E164;
use crate::sms::outbox::{self, Kind, NewSms};

/// What the messages need: the sending hours, branch time zone, language, currency and name
/// (the reminders' settings, whose hours all SMS to customers keep).
pub(crate) use crate::reminders::Settings as Messaging;

/// Where a promise is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum State {
    Active,
    Kept,
    Broken,
    Replaced,
}

impl State {
    /// The code in the database.
    pub(crate) fn code(self) -> &'static str {
        match self {
            State::Active => "active",
            State::Kept => "kept",
            State::Broken => "broken",
            State::Replaced => "replaced",
        }
    }

    fn from_code(code: &str) -> Option<State> {
        [State::Active, State::Kept, State::Broken, State::Replaced]
            .into_iter()
            .find(|s| s.code() == code)
    }

    /// The state for people.
    pub(crate) fn label(self) -> Msg {
        match self {
            State::Active => Msg::PromiseActive,
            State::Kept => Msg::PromiseKept,
            State::Broken => Msg::PromiseBroken,
            State::Replaced => Msg::PromiseReplaced,
        }
    }
}

/// A promise to make.
pub(crate) struct NewPromise<'a> {
    pub(crate) loan: &'a LoanId,
    pub(crate) customer: &'a CustomerId,
    pub(crate) note: &'a FollowUpId,
    pub(crate) staff: &'a StaffId,
    pub(crate) amount: i64,
    pub(crate) on: NaiveDate,
}

/// A stored promise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Promise {
    pub(crate) id: PromiseId,
    pub(crate) loan: LoanId,
    pub(crate) ticket_no: String,
    pub(crate) amount: i64,
    pub(crate) made_on: NaiveDate,
    pub(crate) on: NaiveDate,
    pub(crate) state: State,
    /// What had been paid when it was settled.
    pub(crate) paid: Option<i64>,
    pub(crate) replaced_by: Option<PromiseId>,
}

/// What a settling pass found.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Settled {
    pub(crate) kept: usize,
    pub(crate) broken: usize,
}

/// The end of today's sending hours: messages not sent by then expire.
pub(crate) fn hours_end(m: &Messaging, now: DateTime<Utc>) -> DateTime<Utc> {
    m.hours_end(clock::local_date(now, m.offset))
}

/// The rules a promise text keeps: the contact rules, their hours narrowed to the sending
/// hours (a text goes when both allow it), admitted as [`Reach::Text`].
fn text_rules(m: &Messaging, contact: &ContactRules) -> ContactRules {
    contact.narrowed(m.send_from, m.send_until)
}

/// Makes a promise on a ticket, replacing its active one, and texts the customer when the
/// collection rules admit it now ([`rules::admit`], [`Reach::Text`]); a text held by the
/// hours waits for the scheduler's next pass within them ([`remind_due`]). Call in the
/// note's transaction.
pub(crate) fn make(
    conn: &Connection,
    new: &NewPromise,
    m: &Messaging,
    contact: &ContactRules,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> rusqlite::Result<PromiseId> {
    let id = PromiseId::new(now);
    conn.prepare_cached(
        "UPDATE promises_to_pay SET state = 'replaced', settled_at = ?2, replaced_by = ?3
         WHERE loan_id = ?1 AND state = 'active'",
    )?
    .execute(params![new.loan, now, id])?;
    conn.prepare_cached(
        "INSERT INTO promises_to_pay (id, loan_id, customer_id, note_id, staff_id, amount, made_on,
           promised_on, made_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        id,
        new.loan,
        new.customer,
        new.note,
        new.staff,
        new.amount,
        today,
        new.on,
        now
    ])?;
    offer(
        conn,
        &id,
        Text::Made,
        m,
        &text_rules(m, contact),
        today,
        now,
    )?;
    Ok(id)
}

/// Which of a promise's two texts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Text {
    /// When it is made.
    Made,
    /// On the promised day.
    Due,
}

impl Text {
    fn msg(self) -> Msg {
        match self {
            Text::Made => Msg::PromiseMadeSms,
            Text::Due => Msg::PromiseDueSms,
        }
    }

    /// The audit action of a text not sent to a customer who must not get it.
    fn withheld(self) -> &'static str {
        match self {
            Text::Made => "promise.made_text_withheld",
            Text::Due => "promise.due_text_withheld",
        }
    }
}

/// What became of a promise text.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Offered {
    Queued,
    /// Not now (the hours, a holiday): it stays pending for a later pass.
    Held,
    /// Never: the customer is marked do not contact or asked not to be texted; recorded in
    /// the audit log (which the pending texts are read against, so it is not tried again).
    Withheld,
}

/// Queues a text about a promise to its customer when the collection rules admit it now,
/// recording it on the promise; records it withheld when the customer must not get it.
fn offer(
    conn: &Connection,
    promise: &PromiseId,
    which: Text,
    m: &Messaging,
    rules: &ContactRules,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> rusqlite::Result<Offered> {
    let row: (CustomerId, String, bool, String, i64, NaiveDate) = conn
        .prepare_cached(
            "SELECT c.id, c.phone, c.do_not_text, l.ticket_no, p.amount, p.promised_on
             FROM promises_to_pay p JOIN customers c ON c.id = p.customer_id JOIN loans l ON l.id = p.loan_id
             WHERE p.id = ?1",
        )?
        .query_row([promise], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?))
        })?;
    let (customer, phone, do_not_text, ticket, amount, on) = row;
    let why = match rules::admit(conn, rules, &customer, Reach::Text, today, now)? {
        Err(Blocked::DoNotContact) => "do_not_contact",
        Err(_) => return Ok(Offered::Held),
        Ok(()) if do_not_text => "do_not_text",
        Ok(()) => {
            let body = m.lang.fill(
                which.msg(),
                &[
                    ("branch", &m.branch),
                    ("ticket", &ticket),
                    ("amount", &m.currency.format(amount, m.lang)),
                    ("date", &m.lang.date(on)),
                ],
            );
            let sms = NewSms {
                to: &E164::from_stored(phone),
                text: &body,
                kind: Kind::FollowUp,
                expires_at: Some(rules.hours_end(today)),
                customer: Some(&customer),
            };
            let sms = outbox::enqueue(conn, &sms, now)?;
            let sql = match which {
                Text::Made => "UPDATE promises_to_pay SET made_sms_id = ?2 WHERE id = ?1",
                Text::Due => "UPDATE promises_to_pay SET due_sms_id = ?2 WHERE id = ?1",
            };
            conn.prepare_cached(sql)?.execute(params![promise, sms])?;
            return Ok(Offered::Queued);
        }
    };
    let change = Change {
        action: which.withheld(),
        entity: "promise",
        entity_id: promise.as_str(),
        before: None,
        after: Some(json!({ "customer": customer.as_str(), "why": why })),
    };
    audit::record(conn, &Actor::System, &change, now)?;
    Ok(Offered::Withheld)
}

/// The texts still to send, when the collection rules admit them ([`rules::admit`],
/// [`Reach::Text`]): every active promise due today, made before today, gets its
/// promised-day SMS; a promise whose text when made was held by the hours gets that one
/// (unless the promised-day text has taken its place). A text held by the hours or a holiday
/// stays pending for the next pass, one withheld from a customer marked do not contact (or
/// who asked not to be texted) is recorded and not tried again. A promised-day text held all
/// day (a holiday) is not sent the day after: the promise is settled by then. Returns how
/// many were queued.
pub(crate) fn remind_due(
    conn: &Connection,
    m: &Messaging,
    contact: &ContactRules,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> rusqlite::Result<usize> {
    let rules = text_rules(m, contact);
    let pending = |sql: &str, which: Text| -> rusqlite::Result<Vec<PromiseId>> {
        conn.prepare_cached(sql)?
            .query_map(params![today, which.withheld()], |r| r.get(0))?
            .collect()
    };
    let made = pending(
        "SELECT id FROM promises_to_pay p
         WHERE state = 'active' AND made_sms_id IS NULL AND (promised_on > ?1 OR made_on = ?1)
           AND NOT EXISTS (SELECT 1 FROM audit_log a
                           WHERE a.entity = 'promise' AND a.entity_id = p.id AND a.action = ?2)",
        Text::Made,
    )?;
    let due = pending(
        "SELECT id FROM promises_to_pay p
         WHERE state = 'active' AND promised_on = ?1 AND made_on < ?1 AND due_sms_id IS NULL
           AND NOT EXISTS (SELECT 1 FROM audit_log a
                           WHERE a.entity = 'promise' AND a.entity_id = p.id AND a.action = ?2)",
        Text::Due,
    )?;
    let mut queued = 0;
    for (which, ids) in [(Text::Made, made), (Text::Due, due)] {
        for id in ids {
            match offer(conn, &id, which, m, &rules, today, now)? {
                Offered::Queued => queued += 1,
                // The hours and the holidays hold every text alike.
                Offered::Held => return Ok(queued),
                Offered::Withheld => (),
            }
        }
    }
    Ok(queued)
}

/// How many promises still open fall due on `day`: the manager's "today" figure.
pub(crate) fn due_on(conn: &Connection, day: NaiveDate) -> rusqlite::Result<u64> {
    conn.prepare_cached(
        "SELECT COUNT(*) FROM promises_to_pay WHERE state = 'active' AND promised_on = ?1",
    )?
    .query_row([day], |r| r.get(0))
}

/// What was paid on a ticket from `from` to `to` (business dates, inclusive), leaving out
/// payments reversed since.
pub(crate) fn paid_between(
    conn: &Connection,
    loan: &LoanId,
    from: NaiveDate,
    to: NaiveDate,
) -> rusqlite::Result<i64> {
    Ok(ledger::movements(conn, loan)?
        .iter()
        .filter(|m| from <= m.on && m.on <= to && m.reversed_on.is_none())
        .map(|m| m.amount)
        .sum())
}

/// Settles every active promise whose date is before `today`: kept or broken. Idempotent.
pub(crate) fn settle(
    conn: &Connection,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> rusqlite::Result<Settled> {
    let due: Vec<(PromiseId, LoanId, i64, NaiveDate, NaiveDate)> = conn
        .prepare_cached(
            "SELECT id, loan_id, amount, made_on, promised_on FROM promises_to_pay
             WHERE state = 'active' AND promised_on < ?1",
        )?
        .query_map([today], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut settled = Settled::default();
    for (id, loan, amount, made_on, on) in due {
        let paid = paid_between(conn, &loan, made_on, on)?;
        let state = if paid >= amount {
            settled.kept += 1;
            State::Kept
        } else {
            settled.broken += 1;
            State::Broken
        };
        conn.prepare_cached(
            "UPDATE promises_to_pay SET state = ?2, paid = ?3, settled_at = ?4 WHERE id = ?1",
        )?
        .execute(params![id, state.code(), paid, now])?;
    }
    Ok(settled)
}

const COLUMNS: &str = "p.id, p.loan_id, l.ticket_no, p.amount, p.made_on, p.promised_on, p.state, p.paid, p.replaced_by";

fn from_row(r: &rusqlite::Row) -> rusqlite::Result<Promise> {
    let state: String = r.get(6)?;
    Ok(Promise {
        id: r.get(0)?,
        loan: r.get(1)?,
        ticket_no: r.get(2)?,
        amount: r.get(3)?,
        made_on: r.get(4)?,
        on: r.get(5)?,
        state: State::from_code(&state).ok_or(rusqlite::Error::InvalidQuery)?,
        paid: r.get(7)?,
        replaced_by: r.get(8)?,
    })
}

/// The ticket's active promise, if any.
pub(crate) fn active_of(conn: &Connection, loan: &LoanId) -> rusqlite::Result<Option<Promise>> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM promises_to_pay p JOIN loans l ON l.id = p.loan_id
         WHERE p.loan_id = ?1 AND p.state = 'active'"
    ))?
    .query_row([loan], from_row)
    .optional()
}

/// Every promise of the customer, newest first.
pub(crate) fn of_customer(
    conn: &Connection,
    customer: &CustomerId,
) -> rusqlite::Result<Vec<Promise>> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM promises_to_pay p JOIN loans l ON l.id = p.loan_id
         WHERE p.customer_id = ?1 ORDER BY p.made_at DESC, p.id DESC"
    ))?
    .query_map([customer], from_row)?
    .collect()
}

#[cfg(test)]
pub(crate) mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::callcentre::notes::tests::{now, pay, reached, today, world};
    use crate::callcentre::notes::{self, NewNote};
    use chrono::Duration;

    pub(crate) fn messaging() -> Messaging {
        Messaging::from_config(&crate::plumbing::config::Config::default())
    }

    /// The default configuration's contact rules.
    fn contact() -> ContactRules {
        ContactRules::from_config(&crate::plumbing::config::Config::default())
    }

    /// The audit entries of texts withheld from the customer, by action.
    fn withheld(conn: &Connection) -> Vec<String> {
        conn.prepare(
            "SELECT action FROM audit_log WHERE action LIKE 'promise.%_withheld' ORDER BY at, id",
        )
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
    }

    /// Branch-local (UTC+7) `hour` o'clock on `day`.
    fn at(day: NaiveDate, hour: u32) -> DateTime<Utc> {
        (day.and_hms_opt(hour, 0, 0).unwrap() - Duration::hours(7)).and_utc()
    }

    fn promise<'a>(w: &'a notes::tests::World, amount: i64, on: NaiveDate) -> NewNote<'a> {
        NewNote {
            loan: Some(&w.loan),
            party_response: "promise_to_pay",
            promised_amount: Some(amount),
            promised_date: Some(on),
            ..reached(&w.customer)
        }
    }

    /// A note made today at `now` with a promise of `amount` by `on`.
    fn promised(
        conn: &Connection,
        w: &notes::tests::World,
        amount: i64,
        on: NaiveDate,
        rules: &notes::NoteRules,
        now: DateTime<Utc>,
    ) -> Result<notes::Added, notes::NoteError> {
        notes::add(conn, &w.agent, &promise(w, amount, on), rules, today(), now)
    }

    fn sms_bodies(conn: &Connection) -> Vec<String> {
        conn.prepare("SELECT body FROM sms_outbox ORDER BY created_at, id")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    }

    #[test]
    fn a_promise_paid_in_full_by_its_date_is_kept_the_day_after() {
        let w = world();
        let conn = w.db.conn().unwrap();
        let m = messaging();
        let on = today() + Duration::days(3);
        let added = promised(&conn, &w, 60_000, on, &notes::tests::rules_with(&m), now()).unwrap();
        let id = added.promise.unwrap();
        // Two payments before the date make up the amount.
        let day1 = today() + Duration::days(1);
        pay(&conn, &w, 30_000, day1, 10);
        pay(&conn, &w, 30_000, on, 15);
        // On the day itself it is still open.
        assert_eq!(settle(&conn, on, at(on, 23)).unwrap(), Settled::default());
        let next = on + Duration::days(1);
        assert_eq!(
            settle(&conn, next, at(next, 0)).unwrap(),
            Settled { kept: 1, broken: 0 }
        );
        let p = &of_customer(&conn, &w.customer).unwrap()[0];
        assert_eq!(
            (p.id.clone(), p.state, p.paid),
            (id, State::Kept, Some(60_000))
        );
        assert_eq!(
            settle(&conn, next, at(next, 1)).unwrap(),
            Settled::default(),
            "once"
        );
        assert!(
            conn.execute("UPDATE promises_to_pay SET state = 'broken'", [])
                .is_err(),
            "stays settled"
        );
    }

    #[test]
    fn a_promise_short_of_its_amount_or_paid_late_is_broken() {
        let w = world();
        let conn = w.db.conn().unwrap();
        let m = messaging();
        let on = today() + Duration::days(2);
        promised(&conn, &w, 60_000, on, &notes::tests::rules_with(&m), now()).unwrap();
        pay(&conn, &w, 59_999, on, 11);
        let late = on + Duration::days(1);
        // Paid the rest the day after: too late for this promise.
        pay(&conn, &w, 10_000, late, 8);
        assert_eq!(
            settle(&conn, late, at(late, 9)).unwrap(),
            Settled { kept: 0, broken: 1 }
        );
        let p = &of_customer(&conn, &w.customer).unwrap()[0];
        assert_eq!((p.state, p.paid), (State::Broken, Some(59_999)));
        assert!(active_of(&conn, &w.loan).unwrap().is_none());
    }

    #[test]
    fn a_new_promise_replaces_the_active_one_which_is_kept_on_record() {
        let w = world();
        let conn = w.db.conn().unwrap();
        let m = messaging();
        let first_on = today() + Duration::days(2);
        let first = promised(
            &conn,
            &w,
            50_000,
            first_on,
            &notes::tests::rules_with(&m),
            now(),
        )
        .unwrap()
        .promise
        .unwrap();
        let later = now() + Duration::hours(1);
        let second_on = today() + Duration::days(5);
        let second = promised(
            &conn,
            &w,
            80_000,
            second_on,
            &notes::tests::rules_with(&m),
            later,
        )
        .unwrap()
        .promise
        .unwrap();
        let all = of_customer(&conn, &w.customer).unwrap();
        assert_eq!(all.len(), 2);
        assert_eq!(
            (all[0].id.clone(), all[0].state),
            (second.clone(), State::Active)
        );
        assert_eq!((all[1].id.clone(), all[1].state), (first, State::Replaced));
        assert_eq!(all[1].replaced_by.as_ref(), Some(&second));
        assert_eq!(active_of(&conn, &w.loan).unwrap().unwrap().id, second);
        // The replaced promise is not settled on its old date.
        let after_first = first_on + Duration::days(1);
        assert_eq!(
            settle(&conn, after_first, at(after_first, 1)).unwrap(),
            Settled::default()
        );
        let after_second = second_on + Duration::days(1);
        assert_eq!(
            settle(&conn, after_second, at(after_second, 1)).unwrap(),
            Settled { kept: 0, broken: 1 }
        );
    }

    #[test]
    fn the_customer_is_texted_when_a_promise_is_made_and_on_its_day_within_the_sending_hours() {
        let w = world();
        let conn = w.db.conn().unwrap();
        let m = messaging();
        let on = today() + Duration::days(2);
        promised(&conn, &w, 75_000, on, &notes::tests::rules_with(&m), now()).unwrap();
        let sent = sms_bodies(&conn);
        assert_eq!(sent.len(), 1, "{sent:?}");
        let amount = m.currency.format(75_000, m.lang);
        assert!(sent[0].contains(&amount), "{} names {amount}", sent[0]);
        // Not before the day, not at night on the day, once in its hours.
        let before = on - Duration::days(1);
        assert_eq!(
            remind_due(&conn, &m, &contact(), before, at(before, 10)).unwrap(),
            0
        );
        assert_eq!(
            remind_due(&conn, &m, &contact(), on, at(on, 6)).unwrap(),
            0,
            "before 08:00"
        );
        let manager =
            crate::loans::ops::tests::staff_member(&conn, crate::roles::Role::Manager, now());
        let holiday = crate::holidays::Holiday {
            on,
            name: "Libur".into(),
        };
        let actor = crate::audit::Actor::Staff(&manager);
        crate::holidays::add(&conn, &actor, &holiday, now()).unwrap();
        assert_eq!(
            remind_due(&conn, &m, &contact(), on, at(on, 9)).unwrap(),
            0,
            "not on a holiday"
        );
        crate::holidays::remove(&conn, &actor, on, now()).unwrap();
        assert_eq!(remind_due(&conn, &m, &contact(), on, at(on, 8)).unwrap(), 1);
        assert_eq!(
            remind_due(&conn, &m, &contact(), on, at(on, 12)).unwrap(),
            0,
            "once"
        );
        assert_eq!(sms_bodies(&conn).len(), 2);
    }

    #[test]
    fn a_promise_made_outside_the_sending_hours_is_texted_at_the_next_allowed_time() {
        let w = world();
        let conn = w.db.conn().unwrap();
        let m = messaging();
        let on = today() + Duration::days(3);
        let night = at(today(), 21);
        // Calls allowed until 23:00 here, messages until 20:00.
        let mut late = notes::tests::rules_with(&m);
        late.contact.until = chrono::NaiveTime::from_hms_opt(23, 0, 0).unwrap();
        let id = promised(&conn, &w, 75_000, on, &late, night)
            .unwrap()
            .promise
            .unwrap();
        assert!(sms_bodies(&conn).is_empty(), "not at night");
        // The next day is a holiday: nothing then either.
        let next = today() + Duration::days(1);
        let manager =
            crate::loans::ops::tests::staff_member(&conn, crate::roles::Role::Manager, now());
        let holiday = crate::holidays::Holiday {
            on: next,
            name: "Libur".into(),
        };
        crate::holidays::add(
            &conn,
            &crate::audit::Actor::Staff(&manager),
            &holiday,
            now(),
        )
        .unwrap();
        let c = late.contact.clone();
        assert_eq!(remind_due(&conn, &m, &c, next, at(next, 10)).unwrap(), 0);
        // The day after, not before the hours, then once.
        let after = next + Duration::days(1);
        assert_eq!(remind_due(&conn, &m, &c, after, at(after, 7)).unwrap(), 0);
        assert_eq!(remind_due(&conn, &m, &c, after, at(after, 8)).unwrap(), 1);
        assert_eq!(remind_due(&conn, &m, &c, after, at(after, 9)).unwrap(), 0);
        let sent = sms_bodies(&conn);
        assert_eq!(sent.len(), 1);
        assert_eq!(
            sent[0],
            m.lang.fill(
                Msg::PromiseMadeSms,
                &[
                    ("branch", &m.branch),
                    (
                        "ticket",
                        &active_of(&conn, &w.loan).unwrap().unwrap().ticket_no
                    ),
                    ("amount", &m.currency.format(75_000, m.lang)),
                    ("date", &m.lang.date(on)),
                ],
            )
        );
        let made: Option<crate::plumbing::ids::SmsId> = conn
            .query_row(
                "SELECT made_sms_id FROM promises_to_pay WHERE id = ?1",
                [&id],
                |r| r.get(0),
            )
            .unwrap();
        assert!(made.is_some());
    }

    #[test]
    fn the_promised_day_text_keeps_the_contact_hours_too() {
        let w = world();
        let conn = w.db.conn().unwrap();
        let m = messaging();
        let on = today() + Duration::days(2);
        promised(&conn, &w, 75_000, on, &notes::tests::rules_with(&m), now()).unwrap();
        // Messages may go from 08:00, calls and messages of the call centre only from 10:00.
        let mut c = contact();
        c.from = chrono::NaiveTime::from_hms_opt(10, 0, 0).unwrap();
        assert_eq!(remind_due(&conn, &m, &c, on, at(on, 9)).unwrap(), 0);
        assert_eq!(sms_bodies(&conn).len(), 1, "only the one when made");
        assert_eq!(remind_due(&conn, &m, &c, on, at(on, 10)).unwrap(), 1);
        assert_eq!(sms_bodies(&conn).len(), 2);
    }

    #[test]
    fn no_promise_text_goes_to_a_customer_marked_do_not_contact_and_that_is_recorded() {
        let w = world();
        let conn = w.db.conn().unwrap();
        let m = messaging();
        let on = today() + Duration::days(2);
        promised(&conn, &w, 75_000, on, &notes::tests::rules_with(&m), now()).unwrap();
        assert_eq!(sms_bodies(&conn).len(), 1);
        crate::callcentre::do_not_contact::set(&conn, &w.agent, &w.customer, "Asked", now())
            .unwrap();
        assert_eq!(remind_due(&conn, &m, &contact(), on, at(on, 9)).unwrap(), 0);
        assert_eq!(sms_bodies(&conn).len(), 1, "no promised-day text");
        assert_eq!(withheld(&conn), ["promise.due_text_withheld"]);
        // Recorded once, not tried again on the next passes.
        assert_eq!(
            remind_due(&conn, &m, &contact(), on, at(on, 10)).unwrap(),
            0
        );
        assert_eq!(withheld(&conn).len(), 1);
        // Not even once the mark is cleared: the text was refused, not put off.
        crate::callcentre::do_not_contact::clear(&conn, &w.agent, &w.customer, now()).unwrap();
        assert_eq!(
            remind_due(&conn, &m, &contact(), on, at(on, 11)).unwrap(),
            0
        );
        assert_eq!(sms_bodies(&conn).len(), 1);
    }

    #[test]
    fn the_promise_texts_are_outside_the_daily_limit_of_attempts() {
        let w = world();
        let conn = w.db.conn().unwrap();
        let m = messaging();
        let r = notes::tests::rules_with(&m);
        let on = today() + Duration::days(1);
        // Two calls, then the third, the day's last attempt, gets a promise: it is texted.
        for hour in [9, 10] {
            notes::add(
                &conn,
                &w.agent,
                &reached(&w.customer),
                &r,
                today(),
                at(today(), hour),
            )
            .unwrap();
        }
        promised(&conn, &w, 75_000, on, &r, at(today(), 11)).unwrap();
        assert_eq!(sms_bodies(&conn).len(), 1);
        // Three calls on the promised day do not hold back its text.
        for hour in [8, 9, 10] {
            notes::add(&conn, &w.agent, &reached(&w.customer), &r, on, at(on, hour)).unwrap();
        }
        assert_eq!(
            remind_due(&conn, &m, &contact(), on, at(on, 11)).unwrap(),
            1
        );
        assert!(withheld(&conn).is_empty());
    }
}
