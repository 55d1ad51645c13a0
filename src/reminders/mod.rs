//! SMS reminders about pawn tickets: before the due date (`[reminders] days_before`, e.g. five,
//! three and one day before and on the day), once overdue, and the final notice when a ticket's
//! grace days are over, from texts managers edit in both languages on the "Reminders" page.
//!
//! The scheduler thread calls [`run`] after the daily state changes and every few minutes. A
//! pass queues only within the sending hours (`send_from` to `send_until`, branch time), so a
//! reminder that falls due at midnight goes at 08:00; each message expires at the end of that
//! day's hours, and one the modem did not send by then is queued again in the next day's hours
//! if it is still the ticket's latest reminder. Each reminder queued is a `reminders_sent` row,
//! written in the same transaction as its outbox row, so it exists exactly when the message
//! does, and its key (ticket, event, the day it fell due) keeps the reminder from being queued
//! twice, across restarts too. Customers marked "do not text" get none.
//!
//! Which reminder a ticket is due is worked out from its dates on the day ([`due`]), not stored
//! day by day: the latest one whose day has come in the stage the ticket is in. A reminder
//! missed while the server was off therefore goes the next day, unless a later one has come due
//! meanwhile, and an extension (a new due date) brings new reminders.

pub(crate) mod schedule;

use std::collections::HashMap;

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, NaiveTime, TimeZone, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::json;

use crate::audit::{self, Actor, Change};
use crate::loans::LoanState;
use crate::loans::ops::{self, Ticket};
use crate::plumbing::clock;
use crate::plumbing::config::Config;
use crate::plumbing::i18n::{Lang, Msg};
use crate::plumbing::ids::{LoanId, SmsId};
use crate::plumbing::money::Currency;
use crate::plumbing::phone::E164;
use crate::sms::outbox::{self, Kind, NewSms};

/// The placeholders a text may use, filled in when a reminder is queued.
pub(crate) const PLACEHOLDERS: [&str; 5] = ["name", "ticket", "date", "amount", "branch"];

/// The longest text a manager may save, in characters.
pub(crate) const MAX_TEMPLATE_CHARS: usize = 300;

/// The `settings` key holding the first day reminders may fall due on (`YYYY-MM-DD`); reminders
/// that fell due before it are not sent. The demo sets it to the day after it is loaded, so
/// that starting the demo does not text its invented customers about their invented past.
pub(crate) const FROM_KEY: &str = "reminders_from";

/// What a reminder is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Event {
    /// Some days before the due date.
    BeforeMaturity,
    /// On the due date.
    OnMaturity,
    /// Some days after the due date, during the grace days.
    Overdue,
    /// The final notice: the grace days are over and the item will be forfeited.
    Notice,
}

impl Event {
    /// Every event, in the order of a ticket's life.
    pub(crate) const ALL: [Event; 4] = [
        Event::BeforeMaturity,
        Event::OnMaturity,
        Event::Overdue,
        Event::Notice,
    ];

    /// The event's code in the database.
    pub(crate) fn code(self) -> &'static str {
        match self {
            Event::BeforeMaturity => "before_maturity",
            Event::OnMaturity => "on_maturity",
            Event::Overdue => "overdue",
            Event::Notice => "notice",
        }
    }

    /// The event for people.
    pub(crate) fn label(self) -> Msg {
        match self {
            Event::BeforeMaturity => Msg::ReminderBeforeMaturity,
            Event::OnMaturity => Msg::ReminderOnMaturity,
            Event::Overdue => Msg::ReminderOverdue,
            Event::Notice => Msg::ReminderNotice,
        }
    }

    /// The built-in text, used until a manager saves another.
    pub(crate) fn default_text(self) -> Msg {
        match self {
            Event::BeforeMaturity => Msg::ReminderTextBeforeMaturity,
            Event::OnMaturity => Msg::ReminderTextOnMaturity,
            Event::Overdue => Msg::ReminderTextOverdue,
            Event::Notice => Msg::ReminderTextNotice,
        }
    }

    /// The outbox kind: the final notice goes before the reminders.
    pub(crate) fn kind(self) -> Kind {
        match self {
            Event::Notice => Kind::Notice,
            _ => Kind::Reminder,
        }
    }
}

/// What a pass needs from the configuration.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    /// Days before the due date, largest first; 0 is the due date itself.
    pub(crate) days_before: Vec<u32>,
    pub(crate) overdue_after_days: u32,
    /// The sending hours, branch time: from `send_from` up to (not including) `send_until`.
    pub(crate) send_from: NaiveTime,
    pub(crate) send_until: NaiveTime,
    pub(crate) offset: FixedOffset,
    /// The language messages are sent in (the branch's).
    pub(crate) lang: Lang,
    pub(crate) currency: Currency,
    pub(crate) branch: String,
}

impl Settings {
    /// The settings of a (validated) configuration.
    pub(crate) fn from_config(config: &Config) -> Settings {
        let r = &config.reminders;
        Settings {
            days_before: r.days(),
            overdue_after_days: r.overdue_after_days,
            send_from: r.window_start(),
            send_until: r.window_end(),
            offset: config.utc_offset(),
            lang: config.language(),
            currency: config.currency(),
            branch: config.branch.name.clone(),
        }
    }

    /// Whether `now` is within the sending hours.
    pub(crate) fn in_hours(&self, now: DateTime<Utc>) -> bool {
        let time = now.with_timezone(&self.offset).time();
        self.send_from <= time && time < self.send_until
    }

    /// The end of the sending hours on a branch-local day.
    pub(crate) fn hours_end(&self, day: NaiveDate) -> DateTime<Utc> {
        let local = day.and_time(self.send_until);
        self.offset
            .from_local_datetime(&local)
            .single()
            .map_or_else(|| local.and_utc(), |t| t.with_timezone(&Utc))
    }
}

/// A reminder a ticket is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Due {
    pub(crate) event: Event,
    /// The day it fell due: with the ticket and the event, the key that is sent only once.
    pub(crate) on: NaiveDate,
    /// The date the text gives: the due date, or for the final notice the last day before the
    /// item is forfeited.
    pub(crate) date: NaiveDate,
}

/// The reminder a ticket is due on `today`, if any: the latest whose day has come in the stage
/// the ticket is in. Before the due date, the nearest of `days_before` that has been reached
/// (so D-5 is due on D-5 and D-4, then D-3 on D-3 and D-2, ...); on it, the on-the-day reminder
/// when 0 is one of `days_before`; in grace, the overdue reminder from `overdue_after_days`
/// after the due date; under notice, the final notice. Nothing once the ticket is forfeited,
/// nor while its payout failed and waits to be made again (the customer owes nothing).
pub(crate) fn due(record: &Ticket, settings: &Settings, today: NaiveDate) -> Option<Due> {
    if record.payout_waits {
        return None;
    }
    let maturity = record.maturity;
    let t = &record.terms;
    match ops::state_on(record, today) {
        LoanState::Active => {
            let left = (maturity - today).num_days();
            let days = settings
                .days_before
                .iter()
                .copied()
                .filter(|d| *d > 0 && i64::from(*d) >= left)
                .min()?;
            Some(Due {
                event: Event::BeforeMaturity,
                on: maturity - Duration::days(i64::from(days)),
                date: maturity,
            })
        }
        LoanState::Due => settings.days_before.contains(&0).then_some(Due {
            event: Event::OnMaturity,
            on: maturity,
            date: maturity,
        }),
        LoanState::Grace => {
            let on = maturity + Duration::days(i64::from(settings.overdue_after_days));
            (today >= on).then_some(Due {
                event: Event::Overdue,
                on,
                date: maturity,
            })
        }
        LoanState::Notice => Some(Due {
            event: Event::Notice,
            on: maturity + Duration::days(i64::from(t.grace_days) + 1),
            date: maturity
                + Duration::days(
                    i64::from(t.grace_days) + i64::from(t.notice_days) + i64::from(t.forfeit_days),
                ),
        }),
        _ => None,
    }
}

/// One pass: queues every reminder that is due now and not yet queued, for open tickets of
/// customers who may be texted; nothing outside the sending hours. Returns how many were
/// queued. Call inside a write transaction, and wake the sender after the commit.
pub(crate) fn run(
    conn: &Connection,
    settings: &Settings,
    now: DateTime<Utc>,
) -> rusqlite::Result<usize> {
    if !settings.in_hours(now) {
        return Ok(0);
    }
    let today = clock::local_date(now, settings.offset);
    let from = reminders_from(conn)?;
    let expires = settings.hours_end(today);
    // No reminder is due for a ticket maturing later than the earliest "days before": only
    // tickets up to that horizon are read.
    let lead = settings.days_before.iter().copied().max().unwrap_or(0);
    let horizon = today + chrono::Duration::days(i64::from(lead));
    let mut texts: HashMap<(Event, Lang), String> = HashMap::new();
    let mut queued = 0;
    for ToRemind {
        loan: id,
        name,
        phone,
        language,
    } in open_tickets_maturing_by(conn, horizon)?
    {
        // In the customer's language, else the branch's.
        let lang = language.unwrap_or(settings.lang);
        let Some(record) = ops::load(conn, &id)? else {
            continue;
        };
        let Some(due) = due(&record, settings, today) else {
            continue;
        };
        if from.is_some_and(|from| due.on < from) {
            continue;
        }
        let earlier = earlier_reminder(conn, &id, &due)?;
        // Queued once; again only if that message expired unsent at the end of the hours.
        if let Some((_, state)) = &earlier
            && state.as_deref() != Some(outbox::State::Expired.code())
        {
            continue;
        }
        let template = match texts.get(&(due.event, lang)) {
            Some(text) => text.clone(),
            None => {
                let text = template(conn, due.event, lang)?;
                texts.insert((due.event, lang), text.clone());
                text
            }
        };
        let amount = ops::owed_on(conn, &record, today)?.due_now();
        let text = fill(
            &template,
            &[
                ("name", &name),
                ("ticket", &record.ticket_no),
                ("date", &lang.date(due.date)),
                ("amount", &settings.currency.format(amount, lang)),
                ("branch", &settings.branch),
            ],
        );
        let to = E164::from_stored(phone);
        let sms = outbox::enqueue(
            conn,
            &NewSms {
                to: &to,
                text: &text,
                kind: due.event.kind(),
                expires_at: Some(expires),
                customer: Some(&record.customer),
            },
            now,
        )?;
        remember_sent(conn, &id, &due, &sms, earlier.map(|(sms, _)| sms), now)?;
        queued += 1;
    }
    Ok(queued)
}

/// The first day whose reminders are sent, if set (the demo sets it: its past is not texted).
fn reminders_from(conn: &Connection) -> rusqlite::Result<Option<NaiveDate>> {
    Ok(conn
        .prepare_cached("SELECT value FROM settings WHERE key = ?1")?
        .query_row([FROM_KEY], |r| r.get::<_, String>(0))
        .optional()?
        .and_then(|v| v.parse().ok()))
}

/// An open ticket to remind about, and who to write to.
struct ToRemind {
    loan: LoanId,
    name: String,
    phone: String,
    /// The customer's language, if they chose one.
    language: Option<Lang>,
}

/// The open tickets maturing by `horizon` whose customers accept texts.
fn open_tickets_maturing_by(
    conn: &Connection,
    horizon: NaiveDate,
) -> rusqlite::Result<Vec<ToRemind>> {
    conn.prepare_cached(
        "SELECT l.id, c.full_name, c.phone, c.language FROM loans l JOIN customers c ON c.id = l.customer_id
         WHERE l.state IN ('active', 'due', 'grace', 'notice') AND l.terms IS NOT NULL AND c.do_not_text = 0
           AND l.matures_on <= ?1
         ORDER BY l.matures_on, l.ticket_no",
    )?
    .query_map([horizon], |r| {
        Ok(ToRemind {
            loan: r.get(0)?,
            name: r.get(1)?,
            phone: r.get(2)?,
            language: r.get::<_, Option<String>>(3)?.as_deref().and_then(Lang::from_code),
        })
    })?
    .collect()
}

/// The reminder queued before for this ticket and event, with its message's state.
fn earlier_reminder(
    conn: &Connection,
    id: &LoanId,
    due: &Due,
) -> rusqlite::Result<Option<(SmsId, Option<String>)>> {
    conn.prepare_cached(
        "SELECT r.sms_id, o.state FROM reminders_sent r LEFT JOIN sms_outbox o ON o.id = r.sms_id
         WHERE r.loan_id = ?1 AND r.event = ?2 AND r.due_on = ?3",
    )?
    .query_row(params![id, due.event.code(), due.on], |r| {
        Ok((r.get(0)?, r.get(1)?))
    })
    .optional()
}

/// Records that the reminder went out as `sms`, replacing the `expired` message if any.
fn remember_sent(
    conn: &Connection,
    id: &LoanId,
    due: &Due,
    sms: &SmsId,
    expired: Option<SmsId>,
    now: DateTime<Utc>,
) -> rusqlite::Result<()> {
    match expired {
        None => conn
            .prepare_cached(
                "INSERT INTO reminders_sent (loan_id, event, due_on, sms_id, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![id, due.event.code(), due.on, sms, now])?,
        Some(expired) => conn
            .prepare_cached(
                "UPDATE reminders_sent SET sms_id = ?4 WHERE loan_id = ?1 AND event = ?2 AND due_on = ?3 AND sms_id = ?5",
            )?
            .execute(params![id, due.event.code(), due.on, sms, expired])?,
    };
    Ok(())
}

/// Fills a text's `{placeholder}`s in one pass (a value that itself looks like a placeholder
/// stays as it is); anything else in braces is kept.
pub(crate) fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 64);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let found = after.find('}').and_then(|close| {
            let name = &after[..close];
            values
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, value)| (*value, &after[close + 1..]))
        });
        match found {
            Some((value, tail)) => {
                out.push_str(value);
                rest = tail;
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Why a text cannot be saved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TemplateError {
    Empty,
    TooLong {
        count: usize,
    },
    /// A `{...}` that is not one of [`PLACEHOLDERS`] (or a `{` never closed), as written.
    UnknownPlaceholder(String),
}

impl TemplateError {
    /// The refusal for people.
    pub(crate) fn message(&self, lang: Lang) -> String {
        match self {
            TemplateError::Empty => lang.t(Msg::FieldRequired).to_owned(),
            TemplateError::TooLong { count } => lang.fill(
                Msg::TemplateTooLong,
                &[
                    ("max", &MAX_TEMPLATE_CHARS.to_string()),
                    ("count", &count.to_string()),
                ],
            ),
            TemplateError::UnknownPlaceholder(written) => {
                let allowed = PLACEHOLDERS
                    .iter()
                    .map(|p| format!("{{{p}}}"))
                    .collect::<Vec<_>>()
                    .join(", ");
                // `allowed` first: what the manager wrote is put in last, as it is.
                lang.fill(Msg::TemplateUnknownPlaceholder, &[("allowed", &allowed)])
                    .replace("{placeholder}", written)
            }
        }
    }
}

/// Checks a text a manager wants to save: not empty, at most [`MAX_TEMPLATE_CHARS`], and no
/// placeholder but [`PLACEHOLDERS`].
pub(crate) fn check_template(text: &str) -> Result<(), TemplateError> {
    if text.trim().is_empty() {
        return Err(TemplateError::Empty);
    }
    let count = text.chars().count();
    if count > MAX_TEMPLATE_CHARS {
        return Err(TemplateError::TooLong { count });
    }
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            let written: String = rest[open..]
                .chars()
                .take_while(|c| !c.is_whitespace())
                .take(20)
                .collect();
            return Err(TemplateError::UnknownPlaceholder(written));
        };
        let name = &after[..close];
        if !PLACEHOLDERS.contains(&name) {
            return Err(TemplateError::UnknownPlaceholder(format!("{{{name}}}")));
        }
        rest = &after[close + 1..];
    }
    Ok(())
}

/// The text of an event in a language: the one a manager saved, else the built-in one.
pub(crate) fn template(conn: &Connection, event: Event, lang: Lang) -> rusqlite::Result<String> {
    let saved: Option<String> = conn
        .prepare_cached("SELECT body FROM reminder_templates WHERE event = ?1 AND lang = ?2")?
        .query_row([event.code(), lang.code()], |r| r.get(0))
        .optional()?;
    Ok(saved.unwrap_or_else(|| lang.t(event.default_text()).to_owned()))
}

/// Saves the text of an event in a language (already checked), audited; returns whether it
/// changed.
pub(crate) fn save_template(
    conn: &Connection,
    actor: &Actor,
    event: Event,
    lang: Lang,
    body: &str,
    now: DateTime<Utc>,
) -> rusqlite::Result<bool> {
    let before = template(conn, event, lang)?;
    if before == body {
        return Ok(false);
    }
    conn.execute(
        "INSERT INTO reminder_templates (event, lang, body, updated_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (event, lang) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at",
        params![event.code(), lang.code(), body, now],
    )?;
    let id = format!("{}.{}", event.code(), lang.code());
    let change = Change {
        action: "reminders.template",
        entity: "reminder_template",
        entity_id: &id,
        before: Some(json!({ "body": before })),
        after: Some(json!({ "body": body })),
    };
    audit::record(conn, actor, &change, now)?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::ledger::Method;
    use crate::plumbing::ids::CustomerId;

    /// The defaults: 5, 3, 1 and 0 days before, overdue after 1 day, 08:00 to 20:00 in Jakarta.
    fn settings() -> Settings {
        Settings::from_config(&Config::default())
    }

    /// Branch-local (UTC+7) time on a day.
    fn at(day: NaiveDate, hour: u32, minute: u32) -> DateTime<Utc> {
        (day.and_hms_opt(hour, minute, 0).unwrap() - Duration::hours(7)).and_utc()
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    /// A customer (Siti) with a 500,000 gold ticket written and paid out on 2026-01-10 under
    /// the Pegadaian-like terms (15-day periods, 120 days, 5 grace days, notice to day 29):
    /// due on 2026-05-10.
    fn ticket() -> (
        tempfile::TempDir,
        crate::plumbing::db::Db,
        LoanId,
        CustomerId,
    ) {
        let (dir, db) = crate::plumbing::db::tests::test_db();
        let conn = db.conn().unwrap();
        let now = at(date(2026, 1, 10), 10, 0);
        let (customer, product) =
            crate::loans::ops::tests::customer_and_gold(&conn, "Siti Rahmawati", now);
        let item = ops::Item {
            category: "gold".into(),
            description: "Ring".into(),
            marks: String::new(),
            weight_mg: Some(5_000),
            karat: Some(22),
            appraised: 1_000_000,
        };
        let day = date(2026, 1, 10);
        let id = ops::originate(
            &conn,
            &Actor::System,
            "B",
            &customer,
            &product,
            &[item],
            500_000,
            day,
            now,
        )
        .unwrap();
        let staff =
            crate::loans::ops::tests::staff_member(&conn, crate::roles::Role::Clerk, now).id;
        let record = ops::load(&conn, &id).unwrap().unwrap();
        ops::approve_and_disburse(&conn, &record, Method::Cash, "", &staff, day, now).unwrap();
        assert_eq!(
            ops::load(&conn, &id).unwrap().unwrap().maturity,
            date(2026, 5, 10)
        );
        drop(conn);
        (dir, db, id, customer)
    }

    /// The queued messages, oldest first: kind, recipient, text, expiry.
    fn outbox(conn: &Connection) -> Vec<(String, String, String, Option<DateTime<Utc>>)> {
        conn.prepare("SELECT kind, recipient, body, expires_at FROM sms_outbox ORDER BY id")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    /// Moves the ticket's state to `day` (as the scheduler does at midnight), then runs a pass
    /// at `hour:minute` that day.
    fn pass(conn: &Connection, day: NaiveDate, hour: u32, minute: u32) -> usize {
        ops::advance_states(conn, day, at(day, 0, 0)).unwrap();
        run(conn, &settings(), at(day, hour, minute)).unwrap()
    }

    #[test]
    fn the_calendar_of_a_ticket() {
        let (_dir, db, id, _) = ticket();
        let conn = db.conn().unwrap();
        let record = ops::load(&conn, &id).unwrap().unwrap();
        let s = settings();
        let m = date(2026, 5, 10);
        let day = |offset: i64| m + Duration::days(offset);
        let expect = |offset: i64, wanted: Option<(Event, i64, i64)>| {
            let got = due(&record, &s, day(offset));
            let wanted = wanted.map(|(event, on, date)| Due {
                event,
                on: day(on),
                date: day(date),
            });
            assert_eq!(got, wanted, "on D{offset:+}");
        };
        expect(-7, None);
        expect(-6, None);
        expect(-5, Some((Event::BeforeMaturity, -5, 0)));
        expect(-4, Some((Event::BeforeMaturity, -5, 0)));
        expect(-3, Some((Event::BeforeMaturity, -3, 0)));
        expect(-2, Some((Event::BeforeMaturity, -3, 0)));
        expect(-1, Some((Event::BeforeMaturity, -1, 0)));
        expect(0, Some((Event::OnMaturity, 0, 0)));
        expect(1, Some((Event::Overdue, 1, 0)));
        expect(5, Some((Event::Overdue, 1, 0)));
        // Grace ends after day 5; the item is forfeited after day 5 + 10 + 14 = 29.
        expect(6, Some((Event::Notice, 6, 29)));
        expect(29, Some((Event::Notice, 6, 29)));
        expect(30, None);

        let only_on_the_day = Settings {
            days_before: vec![0],
            overdue_after_days: 3,
            ..s.clone()
        };
        assert_eq!(due(&record, &only_on_the_day, day(-1)), None);
        assert_eq!(due(&record, &only_on_the_day, day(2)), None);
        assert_eq!(
            due(&record, &only_on_the_day, day(3)).map(|d| d.on),
            Some(day(3))
        );
    }

    /// A ticket whose payout failed and waits to be made again owes nothing: no reminder at
    /// any stage of its dates, which count again once it is made again.
    #[test]
    fn no_reminder_while_the_payout_waits() {
        let (_dir, db, id, _) = ticket();
        let conn = db.conn().unwrap();
        let record = ops::load(&conn, &id).unwrap().unwrap();
        let waiting = ops::Ticket {
            payout_waits: true,
            ..record.clone()
        };
        let m = date(2026, 5, 10);
        for offset in [-5, -1, 0, 1, 6, 29] {
            let day = m + Duration::days(offset);
            assert!(due(&record, &settings(), day).is_some(), "D{offset:+}");
            assert_eq!(due(&waiting, &settings(), day), None, "D{offset:+}");
        }
    }

    #[test]
    fn each_reminder_once_and_only_within_the_hours() {
        let (_dir, db, id, customer) = ticket();
        let conn = db.conn().unwrap();
        assert_eq!(pass(&conn, date(2026, 5, 4), 10, 0), 0, "D-6: nothing yet");
        assert_eq!(
            pass(&conn, date(2026, 5, 5), 6, 0),
            0,
            "D-5 at 06:00: quiet hours"
        );
        assert_eq!(pass(&conn, date(2026, 5, 5), 7, 59), 0);
        assert_eq!(pass(&conn, date(2026, 5, 5), 8, 0), 1, "D-5 at 08:00");
        assert_eq!(
            pass(&conn, date(2026, 5, 5), 8, 5),
            0,
            "a second pass: nothing new"
        );
        assert_eq!(pass(&conn, date(2026, 5, 5), 19, 59), 0);
        assert_eq!(pass(&conn, date(2026, 5, 6), 10, 0), 0, "D-4: D-5 was sent");
        assert_eq!(pass(&conn, date(2026, 5, 7), 10, 0), 1, "D-3");
        assert_eq!(
            pass(&conn, date(2026, 5, 7), 20, 0),
            0,
            "20:00: quiet hours"
        );
        let sent = outbox(&conn);
        assert_eq!(sent.len(), 2);
        // 8 periods of 1.15% of 500,000 have started by D-5 (46,000) plus the 5,000 ticket fee;
        // the principal is not due before the due date.
        assert_eq!(
            sent[0],
            (
                "reminder".to_owned(),
                "+6281234567890".to_owned(),
                "Pawnbranch: Siti Rahmawati, your pawn ticket B-2026-000001 is due on 10 May 2026. Amount due: IDR 51,000. Extend or redeem at the branch or on Pay My Loan.".to_owned(),
                Some(at(date(2026, 5, 5), 20, 0)),
            ),
            "expires at the end of the day's hours"
        );
        assert!(sent[1].2.contains("is due on 10 May 2026"), "{}", sent[1].2);

        // A customer marked "do not text" gets nothing, however often the pass runs.
        conn.execute(
            "UPDATE customers SET do_not_text = 1 WHERE id = ?1",
            [&customer],
        )
        .unwrap();
        assert_eq!(pass(&conn, date(2026, 5, 9), 10, 0), 0, "D-1");
        assert_eq!(pass(&conn, date(2026, 5, 10), 10, 0), 0, "D0");
        conn.execute(
            "UPDATE customers SET do_not_text = 0 WHERE id = ?1",
            [&customer],
        )
        .unwrap();
        assert_eq!(
            pass(&conn, date(2026, 5, 10), 10, 5),
            1,
            "D0 once allowed again"
        );
        let sent = outbox(&conn);
        assert_eq!(sent.len(), 3);
        // On the day the principal is due too; the due date is in the 8th and last period of the
        // term, so no more interest than on D-5.
        assert!(
            sent[2]
                .2
                .contains("is due today, 10 May 2026. Amount due: IDR 551,000."),
            "{}",
            sent[2].2
        );
        let keys: Vec<(String, NaiveDate)> = conn
            .prepare("SELECT event, due_on FROM reminders_sent WHERE loan_id = ?1 ORDER BY due_on")
            .unwrap()
            .query_map([&id], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(
            keys,
            [
                ("before_maturity".to_owned(), date(2026, 5, 5)),
                ("before_maturity".to_owned(), date(2026, 5, 7)),
                ("on_maturity".to_owned(), date(2026, 5, 10)),
            ]
        );
    }

    #[test]
    fn a_reminder_is_written_in_the_customers_language() {
        let (_dir, db, _, customer) = ticket();
        let conn = db.conn().unwrap();
        let now = at(date(2026, 5, 1), 10, 0);
        crate::customers::language::set(&conn, &Actor::Customer, &customer, Lang::Id, now).unwrap();
        assert_eq!(settings().lang, Lang::En, "the branch writes English");
        assert_eq!(pass(&conn, date(2026, 5, 5), 8, 0), 1);
        let (_, _, text, _) = outbox(&conn).remove(0);
        assert!(
            text.contains("10 Mei 2026") && text.contains("Rp 51.000"),
            "{text}"
        );
        assert_eq!(text, {
            let template = template(&conn, Event::BeforeMaturity, Lang::Id).unwrap();
            fill(
                &template,
                &[
                    ("name", "Siti Rahmawati"),
                    ("ticket", "B-2026-000001"),
                    ("date", "10 Mei 2026"),
                    ("amount", "Rp 51.000"),
                    ("branch", "Pawnbranch"),
                ],
            )
        });
    }

    #[test]
    fn the_final_notice_when_a_ticket_enters_notice() {
        let (_dir, db, _, _) = ticket();
        let conn = db.conn().unwrap();
        assert_eq!(pass(&conn, date(2026, 5, 11), 9, 0), 1, "overdue on D+1");
        assert_eq!(pass(&conn, date(2026, 5, 15), 9, 0), 0, "still in grace");
        // The scheduler moves the ticket into Notice at midnight; the notice waits for 08:00.
        let day = date(2026, 5, 16);
        let changed = ops::advance_states(&conn, day, at(day, 0, 0)).unwrap();
        assert_eq!(changed[0].1, LoanState::Notice);
        assert_eq!(run(&conn, &settings(), at(day, 0, 1)).unwrap(), 0);
        assert_eq!(run(&conn, &settings(), at(day, 8, 0)).unwrap(), 1);
        assert_eq!(run(&conn, &settings(), at(day, 8, 5)).unwrap(), 0);
        assert_eq!(pass(&conn, date(2026, 5, 20), 9, 0), 0);
        let sent = outbox(&conn);
        assert_eq!(sent.len(), 2);
        assert_eq!(sent[0].0, "reminder");
        assert!(sent[0].2.contains("was due on 10 May 2026 and is overdue"));
        assert_eq!(sent[1].0, "notice");
        assert!(
            sent[1].2.starts_with(
                "Pawnbranch: FINAL NOTICE. Siti Rahmawati, pawn ticket B-2026-000001 is overdue."
            ) && sent[1]
                .2
                .ends_with("Extend or redeem by 8 Jun 2026; after that the item is forfeited."),
            "{}",
            sent[1].2
        );
        assert_eq!(pass(&conn, date(2026, 6, 9), 9, 0), 0, "forfeited: nothing");
    }

    #[test]
    fn a_reminder_not_sent_within_the_hours_is_queued_again_the_next_day() {
        let (_dir, db, id, _) = ticket();
        let conn = db.conn().unwrap();
        assert_eq!(pass(&conn, date(2026, 5, 5), 19, 59), 1);
        // The modem was away: at 20:00 the message expires unsent.
        let day = date(2026, 5, 5);
        assert_eq!(outbox::SMS.expire_codes(&conn, at(day, 20, 0)).unwrap(), 1);
        assert_eq!(pass(&conn, day, 20, 30), 0, "the hours are over");
        assert_eq!(pass(&conn, date(2026, 5, 6), 8, 0), 1, "again on D-4");
        assert_eq!(pass(&conn, date(2026, 5, 6), 9, 0), 0);
        let states: Vec<String> = conn
            .prepare("SELECT state FROM sms_outbox ORDER BY id")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(states, ["expired", "queued"]);
        let expired: String = conn
            .query_row(
                "SELECT body FROM sms_outbox WHERE state = 'expired'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert!(
            expired.contains("B-2026-000001"),
            "a reminder's text is not masked"
        );
        let (rows, sms): (i64, SmsId) = conn
            .query_row(
                "SELECT COUNT(*), MAX(sms_id) FROM reminders_sent WHERE loan_id = ?1",
                [&id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!(rows, 1);
        let state: String = conn
            .query_row("SELECT state FROM sms_outbox WHERE id = ?1", [&sms], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(state, "queued", "the row points at the new message");
    }

    #[test]
    fn saved_texts_in_the_branch_language_and_the_from_day() {
        let (_dir, db, _, _) = ticket();
        let conn = db.conn().unwrap();
        let now = at(date(2026, 1, 10), 10, 0);
        let text = "{branch}: {name}, gadai {ticket} jatuh tempo {date}, bayar {amount}.";
        assert!(
            save_template(
                &conn,
                &Actor::System,
                Event::BeforeMaturity,
                Lang::Id,
                text,
                now
            )
            .unwrap()
        );
        assert!(
            !save_template(
                &conn,
                &Actor::System,
                Event::BeforeMaturity,
                Lang::Id,
                text,
                now
            )
            .unwrap()
        );
        let audited: i64 = conn
            .query_row(
                "SELECT COUNT(*) FROM audit_log WHERE action = 'reminders.template' AND entity_id = 'before_maturity.id'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(audited, 1, "audited once, when it changed");
        conn.execute(
            "INSERT INTO settings (key, value) VALUES (?1, '2026-05-06')",
            [FROM_KEY],
        )
        .unwrap();
        let indonesian = Settings {
            lang: Lang::Id,
            ..settings()
        };
        let day = date(2026, 5, 5);
        ops::advance_states(&conn, day, at(day, 0, 0)).unwrap();
        assert_eq!(
            run(&conn, &indonesian, at(day, 9, 0)).unwrap(),
            0,
            "before the from day"
        );
        let day = date(2026, 5, 7);
        ops::advance_states(&conn, day, at(day, 0, 0)).unwrap();
        assert_eq!(run(&conn, &indonesian, at(day, 9, 0)).unwrap(), 1);
        assert_eq!(
            outbox(&conn)[0].2,
            "Pawnbranch: Siti Rahmawati, gadai B-2026-000001 jatuh tempo 10 Mei 2026, bayar Rp 51.000."
        );
    }

    #[test]
    fn texts_are_checked_and_filled_once() {
        assert_eq!(
            check_template("{name}, {ticket} {date} {amount} {branch}"),
            Ok(())
        );
        assert_eq!(check_template("  "), Err(TemplateError::Empty));
        assert_eq!(
            check_template(&"x".repeat(301)),
            Err(TemplateError::TooLong { count: 301 })
        );
        assert_eq!(
            check_template(&"é".repeat(300)),
            Ok(()),
            "characters, not bytes"
        );
        assert_eq!(
            check_template("Hi {nama}"),
            Err(TemplateError::UnknownPlaceholder("{nama}".into()))
        );
        assert_eq!(
            check_template("Pay {amount by today"),
            Err(TemplateError::UnknownPlaceholder("{amount".into()))
        );
        assert_eq!(
            TemplateError::UnknownPlaceholder("{allowed}".into()).message(Lang::En),
            "{allowed} is not a placeholder. Use only {name}, {ticket}, {date}, {amount}, {branch}."
        );
        assert_eq!(
            TemplateError::TooLong { count: 301 }.message(Lang::Id),
            "Paling banyak 300 karakter; teks ini 301."
        );
        assert_eq!(
            fill(
                "{name} owes {amount} on {ticket}",
                &[("name", "{ticket}"), ("amount", "5"), ("ticket", "T1")]
            ),
            "{ticket} owes 5 on T1"
        );
        for event in Event::ALL {
            for lang in Lang::ALL {
                assert_eq!(
                    check_template(lang.t(event.default_text())),
                    Ok(()),
                    "{event:?}"
                );
            }
        }
    }
}
