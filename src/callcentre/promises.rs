//! Promises to pay, made in follow-up notes: one active per ticket (a new promise replaces the
//! old, which stays, marked replaced and pointing at the new one). The customer gets an SMS
//! when a promise is made and another on the promised day, within the sending hours; the
//! scheduler settles each promise the day after its date: kept when the payments on the ticket
//! from the day it was made to the promised day (net of reversals) reached the amount, else
//! broken (a broken promise puts the customer back at the top of the follow-up queue).
//!
//! Time is passed in (`today`, the branch's date, and `now`), so tests move a clock.

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use crate::ledger;
use crate::plumbing::clock;
use crate::plumbing::i18n::Msg;
use crate::plumbing::ids::{CustomerId, FollowUpId, LoanId, PromiseId, SmsId, StaffId};
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

/// Makes a promise on a ticket, replacing its active one, and texts the customer when within
/// the sending hours (and they may be texted). Call in the note's transaction.
pub(crate) fn make(
    conn: &Connection,
    new: &NewPromise,
    m: &Messaging,
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
    if m.in_hours(now)
        && let Some(sms) = text(conn, &id, Msg::PromiseMadeSms, m, now)?
    {
        conn.prepare_cached("UPDATE promises_to_pay SET made_sms_id = ?2 WHERE id = ?1")?
            .execute(params![id, sms])?;
    }
    Ok(id)
}

/// Queues `msg` about a promise to its customer, unless they asked not to be texted.
fn text(
    conn: &Connection,
    promise: &PromiseId,
    msg: Msg,
    m: &Messaging,
    now: DateTime<Utc>,
) -> rusqlite::Result<Option<SmsId>> {
    let row: (CustomerId, String, bool, String, i64, NaiveDate) = conn
        .prepare_cached(
            "SELECT c.id, c.phone, c.do_not_text OR c.do_not_contact_reason IS NOT NULL, l.ticket_no,
                    p.amount, p.promised_on
             FROM promises_to_pay p JOIN customers c ON c.id = p.customer_id JOIN loans l ON l.id = p.loan_id
             WHERE p.id = ?1",
        )?
        .query_row([promise], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?))
        })?;
    // Neither to a customer who asked not to be texted nor to one marked do not contact.
    let (customer, phone, quiet, ticket, amount, on) = row;
    if quiet {
        return Ok(None);
    }
    let body = m.lang.fill(
        msg,
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
        expires_at: Some(hours_end(m, now)),
        customer: Some(&customer),
    };
    outbox::enqueue(conn, &sms, now).map(Some)
}

/// The promised-day messages: every active promise due today, made before today, not yet
/// reminded, gets its SMS, when within the sending hours and not on a holiday of the branch's.
/// Returns how many were queued.
pub(crate) fn remind_due(
    conn: &Connection,
    m: &Messaging,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> rusqlite::Result<usize> {
    if !m.in_hours(now) || crate::holidays::is_holiday(conn, today)? {
        return Ok(0);
    }
    let due: Vec<PromiseId> = conn
        .prepare_cached(
            "SELECT id FROM promises_to_pay
             WHERE state = 'active' AND promised_on = ?1 AND made_on < ?1 AND due_sms_id IS NULL",
        )?
        .query_map([today], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut queued = 0;
    for id in due {
        if let Some(sms) = text(conn, &id, Msg::PromiseDueSms, m, now)? {
            conn.prepare_cached("UPDATE promises_to_pay SET due_sms_id = ?2 WHERE id = ?1")?
                .execute(params![id, sms])?;
            queued += 1;
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
        assert_eq!(remind_due(&conn, &m, before, at(before, 10)).unwrap(), 0);
        assert_eq!(
            remind_due(&conn, &m, on, at(on, 6)).unwrap(),
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
            remind_due(&conn, &m, on, at(on, 9)).unwrap(),
            0,
            "not on a holiday"
        );
        crate::holidays::remove(&conn, &actor, on, now()).unwrap();
        assert_eq!(remind_due(&conn, &m, on, at(on, 8)).unwrap(), 1);
        assert_eq!(remind_due(&conn, &m, on, at(on, 12)).unwrap(), 0, "once");
        assert_eq!(sms_bodies(&conn).len(), 2);
    }

    #[test]
    fn a_promise_made_outside_the_sending_hours_is_not_texted_then() {
        let w = world();
        let conn = w.db.conn().unwrap();
        let m = messaging();
        let on = today() + Duration::days(2);
        let night = at(today(), 21);
        // Calls allowed until 23:00 here, messages until 20:00.
        let mut late = notes::tests::rules_with(&m);
        late.contact.until = chrono::NaiveTime::from_hms_opt(23, 0, 0).unwrap();
        promised(&conn, &w, 75_000, on, &late, night).unwrap();
        assert!(sms_bodies(&conn).is_empty());
    }
}
