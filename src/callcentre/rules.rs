//! The collection rules every contact attempt keeps (issue 15; OJK's SEOJK 19/2023): calls and
//! messages only within the contact hours (`[callcentre] contact_from` to `contact_until`,
//! branch time), none on the branch's holidays (`holidays`), and at most
//! `[callcentre] attempts_per_day` attempts per customer per branch-local day. Each attempt is
//! a follow-up note, so the notes are the log of every contact and the count of the day's.
//! A customer marked "do not contact" (`super::do_not_contact`) is not reached at all.
//!
//! [`admit`] is the one check of every contact the call centre makes: a follow-up note (and
//! its message), a code sent to a contact's phone (`super::contact_codes`) and the promise
//! texts (`super::promises`: the one when a promise is made, the one on the promised day),
//! which [`Reach::Text`] admits within the contact hours narrowed to the SMS sending hours
//! ([`ContactRules::narrowed`]), none on a holiday, none to a customer marked do not contact,
//! and outside the day's limit (see [`Reach::Text`]).

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, NaiveTime, TimeZone, Utc};
use rusqlite::Connection;

use crate::plumbing::config::Config;
use crate::plumbing::i18n::{Lang, Msg};
use crate::plumbing::ids::CustomerId;

/// The rules, from the configuration.
#[derive(Debug, Clone)]
pub(crate) struct ContactRules {
    pub(crate) from: NaiveTime,
    pub(crate) until: NaiveTime,
    pub(crate) offset: FixedOffset,
    pub(crate) per_day: u32,
}

/// Why no contact may be made now.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum Blocked {
    #[error("outside the contact hours {from} to {until}")]
    OutsideHours { from: NaiveTime, until: NaiveTime },
    #[error("{0} is one of the branch's holidays")]
    Holiday(NaiveDate),
    #[error("the customer was contacted {0} times today, the most allowed")]
    DailyLimit(u32),
    /// The customer is marked do not contact (`super::do_not_contact`).
    #[error("the customer is marked do not contact")]
    DoNotContact,
}

impl Blocked {
    /// Why, in the staff's words (what was not done is the caller's to add).
    pub(crate) fn message(&self, lang: Lang) -> String {
        match self {
            Blocked::OutsideHours { from, until } => lang.fill(
                Msg::FollowUpOutsideHours,
                &[
                    ("from", &from.format("%H:%M").to_string()),
                    ("until", &until.format("%H:%M").to_string()),
                ],
            ),
            Blocked::Holiday(_) => lang.t(Msg::FollowUpHoliday).to_owned(),
            Blocked::DailyLimit(n) => lang.fill(Msg::FollowUpDailyLimit, &[("n", &n.to_string())]),
            Blocked::DoNotContact => lang.t(Msg::FollowUpDncRefused).to_owned(),
        }
    }
}

/// Whom a contact reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reach {
    /// The customer, a guarantor or an alternative contact: the "do not contact" mark applies.
    CustomersSide,
    /// The customer's RO, a colleague: only the hours and the day's limit apply.
    Colleague,
    /// A text to the customer the call centre sends on its own, about a promise to pay: the
    /// hours, the holidays and the "do not contact" mark apply, the day's limit does not. The
    /// limit counts the agents' attempts to reach the customer (the follow-up notes); a promise
    /// text is no attempt of its own but part of one already counted: the confirmation of the
    /// promise the note just logged, or the reminder on the day the customer chose in it. A
    /// customer called three times that day would otherwise never be told of the promise they
    /// just made, and the promised-day reminder would depend on how busy the agents were.
    Text,
}

impl ContactRules {
    /// The rules of a (validated) configuration.
    pub(crate) fn from_config(config: &Config) -> ContactRules {
        let c = &config.callcentre;
        ContactRules {
            from: c.hours_start(),
            until: c.hours_end(),
            offset: config.utc_offset(),
            per_day: c.attempts_per_day,
        }
    }

    /// These rules with the hours narrowed to `from`..`until` as well (the SMS sending hours,
    /// for texts: a text goes only when both allow it).
    pub(crate) fn narrowed(&self, from: NaiveTime, until: NaiveTime) -> ContactRules {
        ContactRules {
            from: self.from.max(from),
            until: self.until.min(until),
            ..self.clone()
        }
    }

    /// The UTC instant the contact hours of a branch-local day end (a message not sent by
    /// then expires).
    pub(crate) fn hours_end(&self, day: NaiveDate) -> DateTime<Utc> {
        let local = day.and_time(self.until);
        self.offset
            .from_local_datetime(&local)
            .single()
            .map_or_else(|| local.and_utc(), |t| t.with_timezone(&Utc))
    }

    /// The UTC instant a branch-local day starts.
    fn day_start(&self, day: NaiveDate) -> DateTime<Utc> {
        let local = day.and_time(NaiveTime::MIN);
        self.offset
            .from_local_datetime(&local)
            .single()
            .map_or_else(|| local.and_utc(), |t| t.with_timezone(&Utc))
    }
}

/// Whether a contact about the customer reaching `reach` may be made at `now` (`today` is
/// its branch-local date); the first rule broken, if any.
pub(crate) fn admit(
    conn: &Connection,
    rules: &ContactRules,
    customer: &CustomerId,
    reach: Reach,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> rusqlite::Result<Result<(), Blocked>> {
    let time = now.with_timezone(&rules.offset).time();
    if !(rules.from <= time && time < rules.until) {
        return Ok(Err(Blocked::OutsideHours {
            from: rules.from,
            until: rules.until,
        }));
    }
    if crate::holidays::is_holiday(conn, today)? {
        return Ok(Err(Blocked::Holiday(today)));
    }
    if reach != Reach::Text {
        let start = rules.day_start(today);
        let attempts: u32 = conn
            .prepare_cached(
                "SELECT count(*) FROM followup_notes WHERE customer_id = ?1 AND at >= ?2 AND at < ?3",
            )?
            .query_row(
                rusqlite::params![customer, start, start + Duration::days(1)],
                |r| r.get(0),
            )?;
        if attempts >= rules.per_day {
            return Ok(Err(Blocked::DailyLimit(attempts)));
        }
    }
    if reach != Reach::Colleague && super::do_not_contact::is_marked(conn, customer)? {
        return Ok(Err(Blocked::DoNotContact));
    }
    Ok(Ok(()))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::callcentre::notes::tests::{reached, rules, today, world};
    use crate::callcentre::notes::{self, NoteError};

    /// Branch-local (UTC+7) time on a day.
    fn at(day: NaiveDate, hour: u32, minute: u32) -> DateTime<Utc> {
        (day.and_hms_opt(hour, minute, 0).unwrap() - Duration::hours(7)).and_utc()
    }

    #[test]
    fn contacts_only_within_the_hours_not_on_holidays_and_up_to_the_daily_limit() {
        let w = world();
        let conn = w.db.conn().unwrap();
        let r = rules();
        let note = reached(&w.customer);
        let add =
            |now: DateTime<Utc>, day: NaiveDate| notes::add(&conn, &w.agent, &note, &r, day, now);
        let blocked = |result: Result<notes::Added, NoteError>| match result {
            Err(NoteError::Blocked(b)) => b,
            other => panic!("{other:?}"),
        };
        let day = today();
        let hours = Blocked::OutsideHours {
            from: r.contact.from,
            until: r.contact.until,
        };
        assert_eq!(blocked(add(at(day, 7, 59), day)), hours);
        assert_eq!(
            blocked(add(at(day, 20, 0), day)),
            hours,
            "until is not included"
        );
        add(at(day, 8, 0), day).unwrap();
        add(at(day, 12, 0), day).unwrap();
        add(at(day, 19, 59), day).unwrap();
        assert_eq!(blocked(add(at(day, 19, 59), day)), Blocked::DailyLimit(3));
        // The next day counts again from zero, unless it is a holiday.
        let next = day.succ_opt().unwrap();
        let manager = crate::loans::ops::tests::staff_member(
            &conn,
            crate::roles::Role::Manager,
            at(day, 9, 0),
        );
        crate::holidays::add(
            &conn,
            &crate::audit::Actor::Staff(&manager),
            &crate::holidays::Holiday {
                on: next,
                name: "Hari libur".into(),
            },
            at(day, 9, 0),
        )
        .unwrap();
        assert_eq!(blocked(add(at(next, 9, 0), next)), Blocked::Holiday(next));
        let after = next.succ_opt().unwrap();
        add(at(after, 9, 0), after).unwrap();
        let logged: i64 = conn
            .query_row("SELECT count(*) FROM followup_notes", [], |r| r.get(0))
            .unwrap();
        assert_eq!(logged, 4, "every contact made is logged, none refused");
    }

    #[test]
    fn a_text_keeps_the_hours_holidays_and_mark_but_not_the_daily_limit() {
        let w = world();
        let conn = w.db.conn().unwrap();
        let r = rules();
        let day = today();
        for hour in [8, 9, 10] {
            notes::add(
                &conn,
                &w.agent,
                &reached(&w.customer),
                &r,
                day,
                at(day, hour, 0),
            )
            .unwrap();
        }
        let admit = |reach: Reach, now: DateTime<Utc>| {
            admit(&conn, &r.contact, &w.customer, reach, day, now).unwrap()
        };
        assert_eq!(
            admit(Reach::CustomersSide, at(day, 11, 0)),
            Err(Blocked::DailyLimit(3))
        );
        assert_eq!(admit(Reach::Text, at(day, 11, 0)), Ok(()));
        assert!(matches!(
            admit(Reach::Text, at(day, 20, 0)),
            Err(Blocked::OutsideHours { .. })
        ));
        // Narrowed to sending hours from 12:00.
        let noon = chrono::NaiveTime::from_hms_opt(12, 0, 0).unwrap();
        let narrowed = r.contact.narrowed(noon, r.contact.until);
        assert_eq!(
            super::admit(
                &conn,
                &narrowed,
                &w.customer,
                Reach::Text,
                day,
                at(day, 11, 0)
            )
            .unwrap(),
            Err(Blocked::OutsideHours {
                from: noon,
                until: r.contact.until
            })
        );
        crate::callcentre::do_not_contact::set(
            &conn,
            &w.agent,
            &w.customer,
            "Asked",
            at(day, 11, 0),
        )
        .unwrap();
        assert_eq!(
            admit(Reach::Text, at(day, 11, 0)),
            Err(Blocked::DoNotContact)
        );
    }
}
