//! What the sender thread does with what the network sent (issue 17): status reports recorded
//! against the messages they name, customers' messages kept in the inbox (a STOP acted on),
//! all in one write transaction; only after it commits are the SIM's copies deleted, and the
//! sender woken when a STOP queued its confirmation.

use log::warn;

use super::from_network::FromNetwork;
use super::inbox::{self, Received};
use super::modem::{Collected, Modem, ModemError};
use super::reports;
use super::{Sms, SmsModem};
use crate::plumbing::db::{self, Db};

/// Reads the modem's notices (and, with `sweep`, every message on the SIM) and records them.
/// An error of the modem is returned (the caller may set it up again); a database error is
/// logged and the SIM's copies kept, to be read again at the next sweep.
pub(crate) fn pick_up(
    modem: &mut Modem,
    (sms, slot): (&Sms, &SmsModem),
    db: &Db,
    sweep: bool,
) -> Result<(), ModemError> {
    let mut collected = modem.collect()?;
    if sweep {
        let swept = modem.sweep()?;
        collected.events.extend(swept.events);
        collected.stored.extend(swept.stored);
    }
    if collected.events.is_empty() && collected.stored.is_empty() {
        return Ok(());
    }
    match record(&collected, (sms, slot), db) {
        Ok(wake) => {
            collected.stored.sort_unstable();
            collected.stored.dedup();
            modem.delete_stored(&collected.stored)?;
            if wake {
                sms.wake();
            }
        }
        Err(e) => warn!("sms: cannot record what the network sent: {e}"),
    }
    Ok(())
}

/// Records every event in one transaction; whether a confirmation was queued.
fn record(collected: &Collected, (sms, slot): (&Sms, &SmsModem), db: &Db) -> Result<bool, String> {
    let now = slot.sender.clock.now();
    let mut conn = db.conn().map_err(|e| e.to_string())?;
    let tx = db::immediate(&mut conn).map_err(|e| e.to_string())?;
    let mut wake = false;
    for event in &collected.events {
        match event {
            FromNetwork::StatusReport(report) => {
                reports::record(&tx, report, (&sms.replies.country, &slot.name), now)
                    .map_err(|e| e.to_string())?;
            }
            FromNetwork::Deliver(part) => {
                let received =
                    inbox::receive_part(&tx, part, &sms.replies, now).map_err(|e| e.to_string())?;
                wake |= matches!(received, Received::Stopped(_));
            }
        }
    }
    tx.commit().map_err(|e| e.to_string())?;
    Ok(wake)
}
