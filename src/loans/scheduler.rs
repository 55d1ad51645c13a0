//! The scheduler thread: moves tickets to the state their dates call for (due on maturity, in
//! grace, under notice, forfeited) when the branch-local day changes, and at start-up, so the
//! states are right even when nobody opens a page. Each change is a `loan_events` row.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use chrono::{FixedOffset, NaiveDate};
use log::{info, warn};

use super::ops;
use crate::clock::{self, Clock};
use crate::db::{self, Db};

/// How often the thread looks at the calendar.
const TICK: Duration = Duration::from_millis(500);

/// Runs until shutdown.
pub(crate) fn run(db: &Db, clock: &dyn Clock, offset: FixedOffset, shutdown: &AtomicBool) {
    let mut done: Option<NaiveDate> = None;
    while !shutdown.load(Ordering::SeqCst) {
        let now = clock.now();
        let today = clock::local_date(now, offset);
        if done != Some(today) {
            match advance(db, today, now) {
                Ok(n) => {
                    if n > 0 {
                        info!("scheduler: {n} ticket(s) changed state for {today}");
                    }
                    done = Some(today);
                }
                Err(e) => warn!("scheduler: could not update ticket states: {e}"),
            }
        }
        std::thread::sleep(TICK);
    }
}

/// One pass, in one transaction.
fn advance(db: &Db, today: NaiveDate, now: chrono::DateTime<chrono::Utc>) -> Result<usize, String> {
    let mut conn = db.conn().map_err(|e| e.to_string())?;
    let tx = db::immediate(&mut conn).map_err(|e| e.to_string())?;
    let changed = ops::advance_states(&tx, today, now).map_err(|e| e.to_string())?;
    tx.commit().map_err(|e| e.to_string())?;
    Ok(changed.len())
}
