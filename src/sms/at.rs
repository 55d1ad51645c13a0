//! The AT command channel (3GPP TS 27.007 §4–5, TS 27.005): writes a command, reads the
//! modem's answer correctly on real modems.
//!
//! What real modems do that this reader copes with:
//! - echo on or off (a modem powers up with `ATE1`, and even after `ATE0` the first answer may
//!   repeat the command): lines equal to the command just sent are dropped;
//! - unsolicited result codes (`RING`, `+CMTI`, `+CREG`, `+CDS`, `^RSSI`, `^BOOT`, `^MODE`,
//!   `Call Ready`, `SMS Ready`, ...) at any moment, even between a command's echo and its
//!   result: they are recognised and set aside ([`AtChannel::take_urcs`]), never taken as the
//!   answer; `+CMT:` and `+CDS:` carry their PDU on the next line, which goes with them;
//! - lines split across reads: bytes are buffered until a line ends;
//! - the `> ` prompt of `AT+CMGS`, which ends with no newline: the message body is written
//!   only after it arrives, because a modem drops bytes sent before its prompt;
//! - final results `OK`, `ERROR`, `+CME ERROR: n`, `+CMS ERROR: n` and Huawei's
//!   `COMMAND NOT SUPPORT`.
//!
//! Every command has a deadline; a modem that does not answer in time gives
//! [`AtError::Timeout`], and the caller closes and reopens it.

use std::collections::VecDeque;
use std::io::{self, Read, Write};
use std::time::{Duration, Instant};

/// How a command ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Final {
    Ok,
    Error,
    /// `+CME ERROR: n` (equipment and SIM errors, TS 27.007 §9.2).
    Cme(u16),
    /// `+CMS ERROR: n` (message service errors, TS 27.005 §3.2.5).
    Cms(u16),
    /// Huawei's answer to a command it does not know.
    NotSupported,
}

/// A command's answer: its information lines and its final result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Reply {
    pub(crate) info: Vec<String>,
    pub(crate) result: Final,
}

impl Reply {
    /// The first information line starting with `prefix` (e.g. `+CSQ:`), without the prefix.
    pub(crate) fn field(&self, prefix: &str) -> Option<&str> {
        self.info
            .iter()
            .find_map(|l| l.strip_prefix(prefix))
            .map(str::trim)
    }
}

/// Why a command got no answer.
#[derive(Debug, thiserror::Error)]
pub(crate) enum AtError {
    #[error("no answer to {command} within {timeout_ms} ms")]
    Timeout { command: String, timeout_ms: u128 },
    #[error("no > prompt after {command}")]
    NoPrompt { command: String },
    #[error("the modem connection failed: {0}")]
    Io(#[from] io::Error),
}

/// Unsolicited result codes, by prefix. A line starting with one of these is never the answer
/// to a command, except to the command that asks for it (e.g. `+CREG:` answers `AT+CREG?`).
const URC_PREFIXES: &[&str] = &[
    "RING",
    "NO CARRIER",
    "+CMTI:",
    "+CMT:",
    "+CDS:",
    "+CDSI:",
    "+CBM:",
    "+CREG:",
    "+CGREG:",
    "+CEREG:",
    "+CLIP:",
    "+CUSD:",
    "+CPIN:",
    "+CFUN:",
    "+CSQN:",
    "+QIND:",
    "^RSSI:",
    "^HCSQ:",
    "^BOOT:",
    "^MODE:",
    "^SRVST:",
    "^SIMST:",
    "^DSFLOWRPT:",
    "^SYSSTART",
    "RDY",
    "Call Ready",
    "SMS Ready",
    "PB DONE",
    "NORMAL POWER DOWN",
    "UNDER-VOLTAGE",
    "OVER-VOLTAGE",
];

/// URCs followed by one more line (a PDU) that belongs to them.
const TWO_LINE_URCS: &[&str] = &["+CMT:", "+CDS:", "+CBM:"];

/// Somewhere to put lines: the taken list or the kept queue of [`AtChannel::take_urcs_where`].
trait PushLine {
    fn push_back_line(&mut self, line: String);
}

impl PushLine for Vec<String> {
    fn push_back_line(&mut self, line: String) {
        self.push(line);
    }
}

impl PushLine for VecDeque<String> {
    fn push_back_line(&mut self, line: String) {
        self.push_back(line);
    }
}

/// Parses a final result line.
fn final_result(line: &str) -> Option<Final> {
    match line {
        "OK" => Some(Final::Ok),
        "ERROR" => Some(Final::Error),
        "COMMAND NOT SUPPORT" => Some(Final::NotSupported),
        _ => {
            if let Some(code) = line.strip_prefix("+CME ERROR:") {
                Some(code.trim().parse().map_or(Final::Error, Final::Cme))
            } else {
                line.strip_prefix("+CMS ERROR:")
                    .map(|code| code.trim().parse().map_or(Final::Error, Final::Cms))
            }
        }
    }
}

/// Whether `line` is an unsolicited result code while `command` is pending.
pub(crate) fn is_urc(line: &str, command: &str) -> bool {
    URC_PREFIXES.iter().any(|prefix| {
        line.starts_with(prefix) && {
            // `AT+CREG?` is answered by `+CREG: ...`: the answer, not a URC.
            let asked = prefix.trim_end_matches(':');
            !(asked.starts_with(['+', '^']) && command.starts_with(&format!("AT{asked}")))
        }
    })
}

/// An AT command channel over a serial port (or anything readable and writable whose reads
/// time out).
pub(crate) struct AtChannel<P> {
    port: P,
    buffer: Vec<u8>,
    urcs: VecDeque<String>,
    /// The next line continues a two-line URC.
    urc_continues: bool,
}

impl<P: Read + Write> AtChannel<P> {
    /// Wraps a port whose reads return `TimedOut` (or `WouldBlock`) after a short time.
    pub(crate) fn new(port: P) -> AtChannel<P> {
        AtChannel {
            port,
            buffer: Vec::with_capacity(512),
            urcs: VecDeque::new(),
            urc_continues: false,
        }
    }

    /// The unsolicited result codes seen so far, oldest first.
    pub(crate) fn take_urcs(&mut self) -> Vec<String> {
        self.urcs.drain(..).collect()
    }

    /// Takes out the unsolicited codes `wanted` accepts, each with the PDU line of a two-line
    /// code, and leaves the others for [`AtChannel::take_urcs`]. A two-line code whose PDU
    /// has not arrived yet stays until it has.
    pub(crate) fn take_urcs_where(&mut self, wanted: impl Fn(&str) -> bool) -> Vec<String> {
        let mut taken = Vec::new();
        let mut kept = VecDeque::with_capacity(self.urcs.len());
        let mut lines = std::mem::take(&mut self.urcs).into_iter().peekable();
        while let Some(line) = lines.next() {
            let two_line = TWO_LINE_URCS.iter().any(|p| line.starts_with(p));
            let waiting = two_line && lines.peek().is_none() && self.urc_continues;
            let target: &mut dyn PushLine = if wanted(&line) && !waiting {
                &mut taken
            } else {
                &mut kept
            };
            if two_line && let Some(next) = lines.next() {
                target.push_back_line(line);
                target.push_back_line(next);
            } else {
                target.push_back_line(line);
            }
        }
        self.urcs = kept;
        taken
    }

    /// Reads whatever the modem sent unasked (unsolicited codes are set aside), without waiting.
    pub(crate) fn poll(&mut self) -> Result<(), AtError> {
        self.drain_pending()
    }

    /// Waits for the unsolicited code starting with `prefix` (a `+CUSD:` answer that follows
    /// the `OK` of its request), setting other codes aside; `None` when `timeout` passes.
    pub(crate) fn wait_urc(
        &mut self,
        prefix: &str,
        timeout: Duration,
    ) -> Result<Option<String>, AtError> {
        let deadline = Instant::now() + timeout;
        loop {
            while let Some(line) = self.next_line() {
                if self.classify(line, "", &[], &mut Vec::new()).is_some() {
                    log::debug!("modem: ignoring a stray result while waiting for {prefix}");
                }
            }
            if let Some(found) = self.urcs.iter().position(|u| u.starts_with(prefix)) {
                return Ok(self.urcs.remove(found));
            }
            if !self.read_more(deadline)? {
                return Ok(None);
            }
        }
    }

    /// Writes raw bytes (e.g. ESC to abandon a dangling prompt).
    pub(crate) fn write_raw(&mut self, bytes: &[u8]) -> Result<(), AtError> {
        self.port.write_all(bytes)?;
        self.port.flush()?;
        Ok(())
    }

    /// Sends `command` and reads until its final result.
    pub(crate) fn command(&mut self, command: &str, timeout: Duration) -> Result<Reply, AtError> {
        self.drain_pending()?;
        self.write_raw(format!("{command}\r").as_bytes())?;
        self.read_reply(command, &[], Instant::now() + timeout, timeout)
    }

    /// Sends a command that answers with the `> ` prompt (`AT+CMGS`), then `body` and Ctrl-Z,
    /// and reads until the final result. When no prompt comes, ESC cancels the command.
    pub(crate) fn command_with_body(
        &mut self,
        command: &str,
        body: &str,
        prompt_timeout: Duration,
        result_timeout: Duration,
    ) -> Result<Reply, AtError> {
        self.drain_pending()?;
        self.write_raw(format!("{command}\r").as_bytes())?;
        let deadline = Instant::now() + prompt_timeout;
        let mut info = Vec::new();
        loop {
            while let Some(line) = self.next_line() {
                if let Some(result) = self.classify(line, command, &[], &mut info) {
                    // The modem refused at once (e.g. `+CMS ERROR: 311`); no prompt will come.
                    return Ok(Reply { info, result });
                }
            }
            if self.take_prompt() {
                break;
            }
            if !self.read_more(deadline)? {
                let _ = self.write_raw(&[0x1b]);
                return Err(AtError::NoPrompt {
                    command: command.to_owned(),
                });
            }
        }
        let mut payload = body.as_bytes().to_vec();
        payload.push(0x1a);
        self.write_raw(&payload)?;
        let echo = [
            body.to_owned(),
            format!("{body}\u{1a}"),
            format!("> {body}"),
            format!("> {body}\u{1a}"),
        ];
        let reply = self.read_reply(
            command,
            &echo,
            Instant::now() + result_timeout,
            result_timeout,
        )?;
        let mut all = info;
        all.extend(reply.info);
        Ok(Reply {
            info: all,
            result: reply.result,
        })
    }

    /// Reads lines until a final result or the deadline.
    fn read_reply(
        &mut self,
        command: &str,
        echoes: &[String],
        deadline: Instant,
        timeout: Duration,
    ) -> Result<Reply, AtError> {
        let mut info = Vec::new();
        loop {
            while let Some(line) = self.next_line() {
                if let Some(result) = self.classify(line, command, echoes, &mut info) {
                    return Ok(Reply { info, result });
                }
            }
            if !self.read_more(deadline)? {
                return Err(AtError::Timeout {
                    command: command.to_owned(),
                    timeout_ms: timeout.as_millis(),
                });
            }
        }
    }

    /// Sorts one line: echo (dropped), URC (set aside), final result (returned) or
    /// information (collected).
    fn classify(
        &mut self,
        line: String,
        command: &str,
        echoes: &[String],
        info: &mut Vec<String>,
    ) -> Option<Final> {
        if self.urc_continues {
            self.urc_continues = false;
            self.urcs.push_back(line);
            return None;
        }
        let trimmed = line.trim_start_matches("> ");
        if line == command || echoes.iter().any(|e| e == &line || e == trimmed) {
            return None;
        }
        if let Some(result) = final_result(&line) {
            return Some(result);
        }
        if is_urc(&line, command) {
            self.urc_continues = TWO_LINE_URCS.iter().any(|p| line.starts_with(p));
            self.urcs.push_back(line);
            return None;
        }
        info.push(line);
        None
    }

    /// Before a new command: whatever complete lines arrived unasked are URCs; a partial line
    /// is kept, and stale bytes that never end are dropped.
    fn drain_pending(&mut self) -> Result<(), AtError> {
        let _ = self.read_more(Instant::now())?;
        while let Some(line) = self.next_line() {
            if self.urc_continues || is_urc(&line, "") {
                self.urc_continues =
                    !self.urc_continues && TWO_LINE_URCS.iter().any(|p| line.starts_with(p));
                self.urcs.push_back(line);
            } else {
                log::debug!("modem: ignoring stray line {line:?}");
            }
        }
        if self.buffer.len() > 4096 {
            self.buffer.clear();
        }
        Ok(())
    }

    /// Takes the next complete non-empty line from the buffer.
    fn next_line(&mut self) -> Option<String> {
        loop {
            let end = self
                .buffer
                .iter()
                .position(|b| *b == b'\r' || *b == b'\n')?;
            let line: Vec<u8> = self.buffer.drain(..=end).collect();
            let text = String::from_utf8_lossy(&line[..line.len() - 1])
                .trim()
                .to_owned();
            if !text.is_empty() {
                return Some(text);
            }
        }
    }

    /// Consumes the `> ` prompt if the buffer (after line breaks) starts with it.
    fn take_prompt(&mut self) -> bool {
        let start = self
            .buffer
            .iter()
            .position(|b| *b != b'\r' && *b != b'\n')
            .unwrap_or(self.buffer.len());
        if self.buffer.get(start) == Some(&b'>') {
            let end = if self.buffer.get(start + 1) == Some(&b' ') {
                start + 2
            } else {
                start + 1
            };
            self.buffer.drain(..end);
            return true;
        }
        false
    }

    /// Reads what is available, waiting at most until `deadline`; `false` when nothing came.
    fn read_more(&mut self, deadline: Instant) -> Result<bool, AtError> {
        let mut chunk = [0u8; 256];
        loop {
            match self.port.read(&mut chunk) {
                Ok(0) => {
                    return Err(AtError::Io(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "the device closed",
                    )));
                }
                Ok(n) => {
                    self.buffer.extend_from_slice(&chunk[..n]);
                    return Ok(true);
                }
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock
                    ) =>
                {
                    if Instant::now() >= deadline {
                        return Ok(false);
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => (),
                Err(e) => return Err(AtError::Io(e)),
            }
        }
    }
}

/// A readable reason for a `+CMS ERROR` code (TS 27.005 §3.2.5; 1–127 are network causes from
/// TS 24.011 Annex E-2).
pub(crate) fn cms_reason(code: u16) -> &'static str {
    match code {
        1 => "unassigned (unallocated) number",
        8 => "operator determined barring",
        10 => "call barred",
        21 => "short message transfer rejected",
        22 => "network congestion",
        27 => "destination out of service",
        28 => "unidentified subscriber",
        29 => "facility rejected",
        30 => "unknown subscriber",
        38 => "network out of order",
        41 => "temporary network failure",
        42 => "congestion",
        47 => "network resources unavailable",
        50 => "requested facility not subscribed",
        69 => "requested facility not implemented",
        96 => "invalid message",
        111 => "protocol error",
        127 => "interworking error",
        300 => "modem failure",
        301 => "SMS service reserved",
        302 => "operation not allowed",
        303 => "operation not supported",
        304 => "invalid PDU mode parameter",
        305 => "invalid text mode parameter",
        310 => "SIM not inserted",
        311 => "SIM PIN required",
        312 => "PH-SIM PIN required",
        313 => "SIM failure",
        314 => "SIM busy",
        315 => "SIM wrong",
        316 => "SIM PUK required",
        320 => "memory failure",
        322 => "memory full",
        330 => "SMS centre address unknown",
        331 => "no network service",
        332 => "network timeout",
        340 => "no acknowledgement expected",
        500 => "unknown error",
        512..=u16::MAX => "manufacturer-specific error",
        _ => "network or modem error",
    }
}

/// A readable reason for a `+CME ERROR` code (TS 27.007 §9.2).
pub(crate) fn cme_reason(code: u16) -> &'static str {
    match code {
        0 => "phone failure",
        3 => "operation not allowed",
        4 => "operation not supported",
        10 => "SIM not inserted",
        11 => "SIM PIN required",
        12 => "SIM PUK required",
        13 => "SIM failure",
        14 => "SIM busy",
        15 => "SIM wrong",
        16 => "incorrect PIN",
        17 => "SIM PIN2 required",
        18 => "SIM PUK2 required",
        20 => "memory full",
        30 => "no network service",
        31 => "network timeout",
        32 => "network not allowed, emergency calls only",
        100 => "unknown error",
        _ => "modem error",
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// A port that plays a scripted answer in small chunks, once something has been written
    /// (as a modem answers only when asked), and records what was written.
    struct Script {
        input: VecDeque<Vec<u8>>,
        written: Vec<u8>,
    }

    impl Script {
        fn new(chunks: &[&[u8]]) -> Script {
            Script {
                input: chunks.iter().map(|c| c.to_vec()).collect(),
                written: Vec::new(),
            }
        }
    }

    impl Read for Script {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.written.is_empty() {
                return Err(io::Error::new(io::ErrorKind::TimedOut, "not asked yet"));
            }
            match self.input.pop_front() {
                Some(chunk) => {
                    buf[..chunk.len()].copy_from_slice(&chunk);
                    Ok(chunk.len())
                }
                None => Err(io::Error::new(io::ErrorKind::TimedOut, "nothing")),
            }
        }
    }

    impl Write for Script {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.written.extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    fn check(chunks: &[&[u8]], command: &str, info: &[&str], result: Final, urcs: &[&str]) {
        let mut at = AtChannel::new(Script::new(chunks));
        let reply = at.command(command, Duration::from_millis(10)).unwrap();
        assert_eq!(reply.info, info, "{chunks:?}");
        assert_eq!(reply.result, result);
        assert_eq!(at.take_urcs(), urcs);
    }

    #[test]
    fn network_notices_are_taken_apart_with_their_pdu_lines() {
        let answer: &[u8] = b"\r\n+CDS: 26\r\n0006\r\n\r\n^BOOT:1,0,0,0,0\r\n\r\n+CMTI: \"SM\",4\r\n\r\nRING\r\n\r\nOK\r\n";
        let mut at = AtChannel::new(Script::new(&[answer, b"\r\n+CDS: 6\r\n00", b"07\r\n"]));
        at.command("AT", Duration::from_millis(10)).unwrap();
        let wanted = |l: &str| l.starts_with("+CDS:") || l.starts_with("+CMTI:");
        assert_eq!(
            at.take_urcs_where(wanted),
            ["+CDS: 26", "0006", "+CMTI: \"SM\",4"]
        );
        assert_eq!(at.take_urcs(), ["^BOOT:1,0,0,0,0", "RING"]);
        // A +CDS whose PDU line has not come whole stays until it has.
        at.poll().unwrap();
        assert!(at.take_urcs_where(wanted).is_empty());
        at.poll().unwrap();
        assert_eq!(at.take_urcs_where(wanted), ["+CDS: 6", "0007"]);
    }

    #[test]
    fn echo_urcs_and_split_lines() {
        check(&[b"\r\nOK\r\n"], "AT", &[], Final::Ok, &[]);
        check(&[b"AT\r\r\nOK\r\n"], "AT", &[], Final::Ok, &[]);
        check(
            &[b"AT+C", b"SQ\r\r\n+CSQ: 2", b"0,99\r\n\r\nO", b"K\r\n"],
            "AT+CSQ",
            &["+CSQ: 20,99"],
            Final::Ok,
            &[],
        );
        check(
            &[b"AT+CSQ\r\r\n+CMTI: \"SM\",3\r\n\r\n+CSQ: 17,99\r\n\r\n^RSSI: 18\r\n\r\nOK\r\n"],
            "AT+CSQ",
            &["+CSQ: 17,99"],
            Final::Ok,
            &["+CMTI: \"SM\",3", "^RSSI: 18"],
        );
        check(
            &[b"\r\n+CREG: 0,1\r\n\r\nOK\r\n"],
            "AT+CREG?",
            &["+CREG: 0,1"],
            Final::Ok,
            &[],
        );
        check(
            &[b"\r\n+CREG: 1\r\n\r\n+CSQ: 9,99\r\n\r\nOK\r\n"],
            "AT+CSQ",
            &["+CSQ: 9,99"],
            Final::Ok,
            &["+CREG: 1"],
        );
        check(
            &[b"\r\n+CME ERROR: 11\r\n"],
            "AT+CMGF=0",
            &[],
            Final::Cme(11),
            &[],
        );
        check(
            &[b"\r\nCOMMAND NOT SUPPORT\r\n"],
            "AT^CURC=0",
            &[],
            Final::NotSupported,
            &[],
        );
        check(
            &[b"\r\n+CDS: 25\r\n0006D60B911326880736F4111011719551401110117195714000\r\n\r\nOK\r\n"],
            "AT",
            &[],
            Final::Ok,
            &["+CDS: 25", "0006D60B911326880736F4111011719551401110117195714000"],
        );
    }

    #[test]
    fn prompt_is_awaited_before_the_body() {
        let chunks: &[&[u8]] = &[
            b"AT+CMGS=18\r",
            b"\r\n> ",
            b"0011\x1a",
            b"\r\n+CMGS: 7\r\n\r\n+CREG: 1\r\n\r\nOK\r\n",
        ];
        let mut at = AtChannel::new(Script::new(chunks));
        let reply = at
            .command_with_body(
                "AT+CMGS=18",
                "0011",
                Duration::from_millis(10),
                Duration::from_millis(10),
            )
            .unwrap();
        assert_eq!(reply.field("+CMGS:"), Some("7"));
        assert_eq!(reply.result, Final::Ok);
        assert_eq!(at.take_urcs(), ["+CREG: 1"]);
        assert_eq!(at.port.written, b"AT+CMGS=18\r0011\x1a");
    }

    #[test]
    fn no_prompt_cancels_with_escape_and_errors_come_back() {
        let mut at = AtChannel::new(Script::new(&[]));
        let e = at
            .command_with_body(
                "AT+CMGS=18",
                "00",
                Duration::from_millis(5),
                Duration::from_millis(5),
            )
            .unwrap_err();
        assert!(matches!(e, AtError::NoPrompt { .. }));
        assert_eq!(at.port.written, b"AT+CMGS=18\r\x1b");
        let mut at = AtChannel::new(Script::new(&[b"\r\n+CMS ERROR: 331\r\n"]));
        let reply = at
            .command_with_body(
                "AT+CMGS=18",
                "00",
                Duration::from_millis(5),
                Duration::from_millis(5),
            )
            .unwrap();
        assert_eq!(reply.result, Final::Cms(331));
        let mut at = AtChannel::new(Script::new(&[b"\r\n> ", b"\r\n+CMS ERROR: 500\r\n"]));
        let reply = at
            .command_with_body(
                "AT+CMGS=18",
                "00",
                Duration::from_millis(5),
                Duration::from_millis(5),
            )
            .unwrap();
        assert_eq!(reply.result, Final::Cms(500));
    }

    #[test]
    fn silence_is_a_timeout() {
        let mut at = AtChannel::new(Script::new(&[b"AT\r"]));
        assert!(matches!(
            at.command("AT", Duration::from_millis(5)),
            Err(AtError::Timeout { .. })
        ));
    }

    #[test]
    fn readable_reasons() {
        assert_eq!(cms_reason(331), "no network service");
        assert_eq!(cme_reason(11), "SIM PIN required");
    }
}
