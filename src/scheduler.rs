//! The scheduler thread, above the features it drives: moves tickets to the state their dates
//! call for (due on maturity, in grace, under notice, forfeited) when the branch-local day
//! changes, and at start-up, so the states are right even when nobody opens a page. Each change is a `loan_events` row.
//!
//! After the states it posts the interest and fees that have fallen due to the ledger
//! ([`super::charges::post_all`], idempotent, in batches so no transaction holds the database
//! long). After that, and then every few minutes, it runs the reminder pass
//! ([`crate::reminders::run`]), which queues the reminders and final notices that are due
//! while the sending hours last, and wakes the SMS sender when it queued any. Once a day it
//! also takes the surplus of forfeited items' sales not claimed within their claim period to
//! income ([`crate::disposals::expire_claims`]), settles the promises to pay whose day is
//! over ([`crate::callcentre::promises::settle`]), and flags the cash drawers still open from
//! a day that has ended ([`crate::drawers::flag_left_open`]), and asks every modem to read
//! its SIM balance ([`Sms::want_balances`]). With the reminder pass it runs
//! the complaint breach pass ([`crate::complaints::breach::run`]), which escalates the cases
//! past their service level (once each) and tells the CS managers, and sends the
//! promise texts still to send ([`crate::callcentre::promises::remind_due`]).

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use log::{info, warn};

use crate::audit;
use crate::callcentre::promises;
use crate::complaints::breach::{self, Pass};
use crate::disposals;
use crate::drawers;
use crate::loans::{charges, ops};
use crate::plumbing::clock::{self, Clock};
use crate::plumbing::config::Config;
use crate::plumbing::db::{self, Db};
use crate::reminders::{self, Settings};
use crate::sms::Sms;

/// How often the thread looks at the calendar.
const TICK: Duration = Duration::from_millis(500);

/// How often the reminder pass runs, in seconds of the clock: at every multiple of it (so at
/// 08:00 sharp when the sending hours start then).
const REMIND_EVERY_SECONDS: i64 = 300;

/// What the scheduler last did, for `/healthz` (and so for monitoring, and for tests that
/// must know a pass has run before they check that it queued nothing).
#[derive(Debug, Default)]
pub(crate) struct Status {
    /// The clock's time of the last reminder pass, whether it queued anything or not.
    last_reminder_pass: Mutex<Option<DateTime<Utc>>>,
}

impl Status {
    /// The clock's time of the last reminder pass.
    pub(crate) fn last_reminder_pass(&self) -> Option<DateTime<Utc>> {
        *self
            .last_reminder_pass
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn reminder_pass_done(&self, at: DateTime<Utc>) {
        *self
            .last_reminder_pass
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(at);
    }
}

/// Runs until shutdown.
#[allow(
    clippy::too_many_arguments,
    reason = "the senders it wakes are two of them"
)]
pub(crate) fn run(
    db: &Db,
    clock: &dyn Clock,
    settings: &Settings,
    config: &Config,
    sms: &Sms,
    email: &crate::email::Email,
    status: &Status,
    shutdown: &AtomicBool,
) {
    let mut done: Option<NaiveDate> = None;
    let mut reminded: Option<i64> = None;
    while !shutdown.load(Ordering::SeqCst) {
        let now = clock.now();
        let today = clock::local_date(now, settings.offset);
        if done != Some(today) {
            match advance(db, today, now) {
                Ok(n) => {
                    if n > 0 {
                        info!("scheduler: {n} ticket(s) changed state for {today}");
                    }
                    match post_charges(db, today, now) {
                        Ok(0) => (),
                        Ok(n) => info!("scheduler: {n} charge(s) posted for {today}"),
                        Err(e) => warn!("scheduler: could not post charges: {e}"),
                    }
                    match expire_surplus(db, today, now) {
                        Ok(0) => (),
                        Ok(n) => info!("scheduler: {n} unclaimed surplus(es) expired"),
                        Err(e) => warn!("scheduler: could not expire surplus claims: {e}"),
                    }
                    match flag_drawers(db, today, now) {
                        Ok(0) => (),
                        Ok(n) => warn!("scheduler: {n} cash drawer(s) left open past midnight"),
                        Err(e) => warn!("scheduler: could not flag open drawers: {e}"),
                    }
                    match settle_promises(db, today, now) {
                        Ok(s) if s == promises::Settled::default() => (),
                        Ok(s) => info!(
                            "scheduler: promises to pay settled: {} kept, {} broken",
                            s.kept, s.broken
                        ),
                        Err(e) => warn!("scheduler: could not settle promises to pay: {e}"),
                    }
                    // Each modem's sender reads its SIM balance when next free.
                    sms.want_balances();
                    done = Some(today);
                    reminded = None;
                }
                Err(e) => warn!("scheduler: could not update ticket states: {e}"),
            }
        }
        // The slot of the clock (which tests move, in either direction) this pass belongs to.
        let slot = now.timestamp().div_euclid(REMIND_EVERY_SECONDS);
        if done == Some(today) && reminded != Some(slot) {
            match remind(db, settings, config, now) {
                Ok(0) => (),
                Ok(n) => {
                    info!("scheduler: {n} reminder(s) queued");
                    sms.wake();
                }
                Err(e) => warn!("scheduler: could not queue reminders: {e}"),
            }
            match escalate_breaches(db, config, now) {
                Ok(pass) if pass.escalated > 0 => {
                    info!(
                        "scheduler: {} complaint(s) escalated past their level",
                        pass.escalated
                    );
                    if pass.sms > 0 {
                        sms.wake();
                    }
                    if pass.email > 0 {
                        email.wake();
                    }
                }
                Ok(_) => (),
                Err(e) => warn!("scheduler: could not escalate late complaints: {e}"),
            }
            // A failed pass is tried again in the next slot, not at every tick.
            reminded = Some(slot);
            status.reminder_pass_done(now);
        }
        std::thread::sleep(TICK);
    }
}

/// One pass, in one transaction.
fn advance(db: &Db, today: NaiveDate, now: DateTime<Utc>) -> Result<usize, String> {
    let mut conn = db.conn().map_err(|e| e.to_string())?;
    let tx = db::immediate(&mut conn).map_err(|e| e.to_string())?;
    let changed = ops::advance_states(&tx, today, now).map_err(|e| e.to_string())?;
    tx.commit().map_err(|e| e.to_string())?;
    Ok(changed.len())
}

/// How many tickets one transaction of the charges pass covers.
const CHARGES_BATCH: usize = 100;

/// The charges pass: the due charges of every open ticket, a batch per transaction (each
/// batch is complete or absent; a pass run again posts only what is missing), once a business
/// day (a restart the same day does not scan every ticket again).
fn post_charges(db: &Db, today: NaiveDate, now: DateTime<Utc>) -> Result<usize, String> {
    let mut conn = db.conn().map_err(|e| e.to_string())?;
    if charges::pass_done_on(&conn).map_err(|e| e.to_string())? == Some(today) {
        return Ok(0);
    }
    let mut after = None;
    let mut posted = 0;
    loop {
        let tx = db::immediate(&mut conn).map_err(|e| e.to_string())?;
        let batch =
            charges::open_tickets(&tx, after.as_ref(), CHARGES_BATCH).map_err(|e| e.to_string())?;
        posted += charges::post_all(&tx, &batch, today, now).map_err(|e| e.to_string())?;
        let complete = batch.len() < CHARGES_BATCH;
        if complete {
            charges::mark_pass_done(&tx, today).map_err(|e| e.to_string())?;
        }
        tx.commit().map_err(|e| e.to_string())?;
        match batch.last() {
            Some(last) if !complete => after = Some(last.clone()),
            _ => return Ok(posted),
        }
    }
}

/// The surplus claims past their last day taken to income, in one transaction (idempotent:
/// [`crate::disposals::expire_claims`] reads only what is still owed).
fn expire_surplus(db: &Db, today: NaiveDate, now: DateTime<Utc>) -> Result<usize, String> {
    let mut conn = db.conn().map_err(|e| e.to_string())?;
    let tx = db::immediate(&mut conn).map_err(|e| e.to_string())?;
    let expired = disposals::expire_claims(&tx, today, now).map_err(|e| e.to_string())?;
    tx.commit().map_err(|e| e.to_string())?;
    Ok(expired)
}

/// The drawers left open past midnight flagged and audited, in one transaction (flagging
/// twice changes nothing).
fn flag_drawers(db: &Db, today: NaiveDate, now: DateTime<Utc>) -> Result<usize, String> {
    let mut conn = db.conn().map_err(|e| e.to_string())?;
    let tx = db::immediate(&mut conn).map_err(|e| e.to_string())?;
    let flagged = drawers::flag_left_open(&tx, today).map_err(|e| e.to_string())?;
    for id in &flagged {
        let change = audit::Change {
            action: "drawer.left_open",
            entity: "cash_drawer",
            entity_id: id.as_str(),
            before: None,
            after: Some(serde_json::json!({ "flagged_on": today.to_string() })),
        };
        audit::record(&tx, &audit::Actor::System, &change, now).map_err(|e| e.to_string())?;
    }
    tx.commit().map_err(|e| e.to_string())?;
    Ok(flagged.len())
}

/// The complaint breach pass, in one transaction (idempotent: a case escalates once a clock).
fn escalate_breaches(db: &Db, config: &Config, now: DateTime<Utc>) -> Result<Pass, String> {
    let mut conn = db.conn().map_err(|e| e.to_string())?;
    let tx = db::immediate(&mut conn).map_err(|e| e.to_string())?;
    let pass = breach::run(&tx, config, now).map_err(|e| e.to_string())?;
    tx.commit().map_err(|e| e.to_string())?;
    Ok(pass)
}

/// The promises to pay whose day is over found kept or broken, in one transaction
/// (idempotent: [`promises::settle`] reads only active promises).
fn settle_promises(
    db: &Db,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<promises::Settled, String> {
    let mut conn = db.conn().map_err(|e| e.to_string())?;
    let tx = db::immediate(&mut conn).map_err(|e| e.to_string())?;
    let settled = promises::settle(&tx, today, now).map_err(|e| e.to_string())?;
    tx.commit().map_err(|e| e.to_string())?;
    Ok(settled)
}

/// One reminder pass, in one transaction: the messages exist exactly when their
/// `reminders_sent` rows do. The promised-day messages of promises to pay go in the same pass.
/// The schedule saved on the Reminders page, if any, replaces the file's from this pass on.
fn remind(
    db: &Db,
    settings: &Settings,
    config: &Config,
    now: DateTime<Utc>,
) -> Result<usize, String> {
    let mut conn = db.conn().map_err(|e| e.to_string())?;
    let settings = settings.as_saved(&conn).map_err(|e| e.to_string())?;
    if !settings.in_hours(now) {
        return Ok(0);
    }
    let tx = db::immediate(&mut conn).map_err(|e| e.to_string())?;
    let mut queued = reminders::run(&tx, &settings, now).map_err(|e| e.to_string())?;
    let today = clock::local_date(now, settings.offset);
    let contact = crate::callcentre::rules::ContactRules::from_config(config);
    queued +=
        promises::remind_due(&tx, &settings, &contact, today, now).map_err(|e| e.to_string())?;
    tx.commit().map_err(|e| e.to_string())?;
    Ok(queued)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_charges_pass_posts_what_is_due_once() {
        let (_dir, db) = crate::plumbing::db::tests::test_db();
        let now = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let today = now.date_naive();
        crate::demo::load(
            &mut db.conn().unwrap(),
            "ID",
            crate::plumbing::i18n::Lang::En,
            today,
            now,
        )
        .unwrap();
        let charges = |db: &Db| -> i64 {
            db.conn()
                .unwrap()
                .query_row(
                    "SELECT COUNT(*) FROM ledger WHERE kind LIKE '%_charge'",
                    [],
                    |r| r.get(0),
                )
                .unwrap()
        };
        assert!(post_charges(&db, today, now).unwrap() > 0);
        let posted = charges(&db);
        assert_eq!(post_charges(&db, today, now).unwrap(), 0, "done for today");
        // Thirty days on, the periods started since are posted, once.
        let later = today + chrono::Duration::days(30);
        assert!(post_charges(&db, later, now).unwrap() > 0);
        assert!(charges(&db) > posted);
        assert_eq!(post_charges(&db, later, now).unwrap(), 0);
    }
}
