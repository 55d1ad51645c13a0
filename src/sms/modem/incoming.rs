//! What the network sends to the modem (issue 17): status reports on the branch's messages and
//! messages from customers.
//!
//! The modem is told (`AT+CNMI=2,1,0,<ds>,0`) to keep incoming messages on the SIM and say so
//! with `+CMTI: "SM",<index>`, and to hand status reports over at once as `+CDS: <length>` and
//! their PDU (PDU mode) or to store them with `+CDSI: "SM",<index>` (text mode). Stored ones
//! are read with `AT+CMGR=<index>`; every message on the SIM is listed with `AT+CMGL=4` when
//! the modem is set up and every minute while it is idle, so that nothing is missed (a code
//! lost in a restart, a SIM that filled up while the branch was off). Reading is always in PDU
//! mode: a text-mode modem is switched to PDU mode for the read and back.
//!
//! A stored message is deleted (`AT+CMGD`) only after the caller has committed what it
//! read ([`Modem::delete_stored`]); a crash in between reads it again, and the inbox ignores
//! the copy.

use log::warn;

use super::{Mode, Modem, ModemError};
use crate::sms::at::Final;
use crate::sms::from_network::{self, FromNetwork};

/// What the network sent, read from the modem.
#[derive(Debug, Default)]
pub(crate) struct Collected {
    pub(crate) events: Vec<FromNetwork>,
    /// The SIM's slots read, to delete once the events are recorded.
    pub(crate) stored: Vec<u16>,
}

/// The `+CMS ERROR` of an empty or invalid slot (TS 27.005 §3.2.5).
const INVALID_INDEX: u16 = 321;

impl Modem {
    /// Asks for incoming messages on the SIM with a notice, and for status reports (best
    /// effort: a modem that refuses one form gets the other; one that refuses both still
    /// sends, and the periodic sweep reads what it stores).
    pub(super) fn enable_indications(&mut self) {
        let first = match self.settings.mode {
            Mode::Pdu => "AT+CNMI=2,1,0,1,0",
            Mode::Text => "AT+CNMI=2,1,0,2,0",
        };
        if self.ok(first).is_err() && self.ok("AT+CNMI=2,1,0,2,0").is_err() {
            warn!("sms: the modem refuses new-message indications; the SIM is swept every minute");
        }
    }

    /// Reads what arrived unasked since the last call (`+CDS`, `+CMTI`, `+CDSI`), including
    /// what came in during a send.
    pub(crate) fn collect(&mut self) -> Result<Collected, ModemError> {
        let urcs = self.at.take_urcs_where(|line| {
            line.starts_with("+CDS:") || line.starts_with("+CMTI:") || line.starts_with("+CDSI:")
        });
        let mut collected = Collected::default();
        let mut lines = urcs.into_iter();
        while let Some(line) = lines.next() {
            if let Some(length) = line.strip_prefix("+CDS:") {
                let pdu = lines.next().unwrap_or_default();
                push_decoded(&mut collected, length.trim(), &pdu);
            } else if let Some(index) = stored_index(&line) {
                self.read_stored(index, &mut collected)?;
            }
        }
        Ok(collected)
    }

    /// Lists every message on the SIM (`AT+CMGL=4`, all of them, read or not).
    pub(crate) fn sweep(&mut self) -> Result<Collected, ModemError> {
        let reply = self.in_pdu_mode(|modem| {
            let reply = modem.at.command("AT+CMGL=4", modem.settings.send_timeout)?;
            Ok(reply)
        })?;
        let mut collected = Collected::default();
        if reply.result != Final::Ok {
            return Ok(collected);
        }
        let mut lines = reply.info.into_iter();
        while let Some(line) = lines.next() {
            let Some(fields) = line.strip_prefix("+CMGL:") else {
                continue;
            };
            let mut fields = fields.split(',').map(str::trim);
            let index = fields.next().and_then(|i| i.parse().ok());
            let length = fields.next_back().unwrap_or_default();
            let pdu = lines.next().unwrap_or_default();
            if let Some(index) = index {
                collected.stored.push(index);
                push_decoded(&mut collected, length, &pdu);
            }
        }
        Ok(collected)
    }

    /// Deletes the SIM's slots read, once what they held is recorded.
    pub(crate) fn delete_stored(&mut self, indexes: &[u16]) -> Result<(), ModemError> {
        for index in indexes {
            let reply = self
                .at
                .command(&format!("AT+CMGD={index}"), self.settings.command_timeout)?;
            if reply.result != Final::Ok {
                warn!(
                    "sms: the modem did not delete message {index}: {:?}",
                    reply.result
                );
            }
        }
        Ok(())
    }

    /// Reads what the modem sent while nobody asked (so that `+CMTI` is seen while idle).
    pub(crate) fn poll(&mut self) -> Result<(), ModemError> {
        Ok(self.at.poll()?)
    }

    /// `AT+CMGR=<index>`: `+CMGR: <stat>,[<alpha>],<length>` and the PDU.
    fn read_stored(&mut self, index: u16, collected: &mut Collected) -> Result<(), ModemError> {
        let command = format!("AT+CMGR={index}");
        let reply = self.in_pdu_mode(|modem| {
            Ok(modem.at.command(&command, modem.settings.command_timeout)?)
        })?;
        match reply.result {
            Final::Ok => {}
            Final::Cms(INVALID_INDEX) => return Ok(()),
            other => {
                warn!("sms: reading message {index} from the SIM failed: {other:?}");
                return Ok(());
            }
        }
        let mut lines = reply.info.into_iter();
        while let Some(line) = lines.next() {
            if let Some(fields) = line.strip_prefix("+CMGR:") {
                let length = fields
                    .rsplit(',')
                    .next()
                    .unwrap_or_default()
                    .trim()
                    .to_owned();
                let pdu = lines.next().unwrap_or_default();
                collected.stored.push(index);
                push_decoded(collected, &length, &pdu);
            }
        }
        Ok(())
    }

    /// Runs `read` in PDU mode, switching a text-mode modem there and back.
    fn in_pdu_mode<T>(
        &mut self,
        read: impl FnOnce(&mut Modem) -> Result<T, ModemError>,
    ) -> Result<T, ModemError> {
        if self.settings.mode == Mode::Pdu {
            return read(self);
        }
        self.ok("AT+CMGF=0")?;
        let result = read(self);
        self.ok("AT+CMGF=1")?;
        result
    }
}

/// The slot of `+CMTI: "SM",3` or `+CDSI: "SM",3`.
fn stored_index(line: &str) -> Option<u16> {
    let rest = line
        .strip_prefix("+CMTI:")
        .or_else(|| line.strip_prefix("+CDSI:"))?;
    rest.rsplit(',').next()?.trim().parse().ok()
}

/// Decodes one PDU into `collected`; one that cannot be read is logged (never its content)
/// and dropped.
fn push_decoded(collected: &mut Collected, length: &str, pdu: &str) {
    let Ok(length) = length.parse::<usize>() else {
        warn!("sms: a message from the network without its length; dropped");
        return;
    };
    match from_network::decode(pdu, length) {
        Ok(event) => collected.events.push(event),
        Err(e) => warn!("sms: a message from the network could not be read ({e}); dropped"),
    }
}

#[cfg(test)]
mod tests {
    use super::stored_index;

    #[test]
    fn slots_of_notices() {
        assert_eq!(stored_index("+CMTI: \"SM\",3"), Some(3));
        assert_eq!(stored_index("+CDSI: \"SR\",12"), Some(12));
        assert_eq!(stored_index("+CMTI: \"SM\""), None);
        assert_eq!(stored_index("RING"), None);
    }
}
