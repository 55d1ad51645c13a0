//! A simulated GSM modem on a pseudo-terminal, for tests and the benchmark.
//!
//! The branch server talks to its modem through a serial device and AT commands (3GPP TS 27.007
//! for the general commands, TS 27.005 for SMS). [`Simulator::start`] creates a pseudo-terminal
//! pair, points a symbolic link at its slave end (the path that goes into `[modem] device`), and
//! answers on the master end the way a SIM800, Huawei E173 or Quectel modem does. Every SMS that
//! the simulated modem accepts is decoded, concatenated parts are joined again, and the text
//! that would have reached the network is kept as a [`ReceivedSms`] for the test to inspect.
//!
//! The simulator reproduces these habits of real modems, which a driver has to live with:
//!
//! - The modem powers up with echo on (`ATE1`), so every command comes back before its answer,
//!   byte for byte and including its CR; `ATE0` turns that off and `ATZ` restores the
//!   configured default.
//! - Answers use the verbose format: `\r\n<line>\r\n` for each information line and for the
//!   final result. `+CME ERROR: <n>` is reported only after `AT+CMEE=1` (or `=2`, which gives
//!   the text instead of the number); before that the modem answers a plain `ERROR`.
//!   `+CMS ERROR: <n>` is always numeric.
//! - `AT+CMGS` answers with the four-byte prompt `\r\n> ` (no line end after it) about 20 ms
//!   after the command line, and every byte the host sends before the prompt is written is lost,
//!   as on real hardware. A driver must therefore wait for the prompt before writing the PDU.
//! - While the modem waits for a message body it echoes what it receives (when echo is on) and
//!   stays in that state until Ctrl-Z (0x1A) sends or ESC (0x1B) cancels; closing and reopening
//!   the port does not end it. A driver that gave up halfway through a send should write ESC
//!   before its next command.
//! - A send can take a while ([`SimConfig::cmgs_delay`]); commands that arrive meanwhile are
//!   answered, and echoed, only after the send has finished.
//! - With [`SimConfig::urc_noise`], unsolicited result codes (`+CMTI: "SM",3`, `^RSSI: 18`,
//!   `RING`, `+CREG: 1`) turn up between an echo and its answer, before the `> ` prompt, between
//!   `+CMGS: <mr>` and `OK`, and now and then while the line is idle.
//! - A SIM that wants its PIN refuses the SMS commands (`+CME ERROR: 11`, or
//!   `+CMS ERROR: 311` for `AT+CMGS`); three wrong PINs lock it until the PUK, which the
//!   simulator never accepts. The network registration ([`SimConfig::registration_delay`])
//!   starts once the SIM is ready; until it completes a send fails with `+CMS ERROR: 331`.
//! - In text mode with `AT+CSCS="UCS2"`, the number, the text, the SMSC address and the
//!   operator name are all hexadecimal UCS-2.
//! - When nobody has the device open, whatever the modem writes is lost, like the output of a
//!   USB modem whose port is closed on the host.
//! - [`Simulator::unplug`] and [`Simulator::replug`] make the device vanish and reappear under
//!   the same path, with the modem back in its power-on state and its power-on messages
//!   (`RDY`, `+CPIN: …`, `SMS Ready`).
//!
//! - What the network sends (issue 17): with [`Simulator::set_reports`], each part sent with
//!   TP-SRR (or `AT+CSMP` first octet 49 in text mode) gets a status report (delivered,
//!   failed, or late), as `+CDS` when `AT+CNMI` says ds 1 or stored on the SIM with `+CDSI`
//!   when it says 2. [`Simulator::send_to_branch`] is a phone writing to the branch: its
//!   SMS-DELIVER parts (GSM 7-bit or UCS-2, concatenated when long) are stored on the SIM
//!   and announced with `+CMTI`, also in the middle of a send; [`Simulator::store_on_sim`]
//!   stores without a notice. The SIM holds [`Simulator::set_sim_capacity`] messages (30);
//!   what comes while it is full waits at the network until `AT+CMGD` makes room. `AT+CMGR`,
//!   `AT+CMGL` and `AT+CPMS?` answer from that store, in PDU form.
//!
//! Faults are injected with [`Simulator::inject`]: rejected sends, commands that never get an
//! answer, and a modem that freezes until [`Simulator::recover`].
//!
//! ```ignore
//! let sim = Simulator::start(&dir.join("modem"), SimConfig::default())?;
//! // Run the server with `[modem] device = "<dir>/modem"`, make it send an SMS, then:
//! let messages = sim.wait_for(1, Duration::from_secs(5));
//! assert_eq!(messages[0].text, "Pinjaman Anda jatuh tempo besok.");
//! ```

// The benchmark uses the simulator as a plain modem; its fault injection (unplug, hangs,
// errors) is used by the integration tests, which compile this file themselves (tests/it/sms).
#![allow(dead_code)]

use std::collections::VecDeque;
use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use serialport::{SerialPort, TTYPort};

use crate::sms::from_network;
use crate::sms::pdu::{self, DecodedSubmit};

/// How long after an `AT+CMGS` line the prompt comes; what the host sends meanwhile is lost.
const PROMPT_DELAY: Duration = Duration::from_millis(20);

/// The longest the serving thread waits for input before it looks at its flags and its clock.
const POLL_INTERVAL: Duration = Duration::from_millis(20);

/// The shortest wait of the serving thread, so that it never spins.
const MIN_WAIT: Duration = Duration::from_millis(1);

/// How long one write to the master may wait for room before its bytes are dropped.
const WRITE_TIMEOUT: Duration = Duration::from_millis(50);

/// How long after a replug the modem reports its SIM and SMS readiness (after `RDY`).
const POWER_ON_URC_DELAY: Duration = Duration::from_millis(50);

/// How long after a correct PIN the modem reports `SMS Ready`.
const SMS_READY_DELAY: Duration = Duration::from_millis(100);

/// How often an idle modem with URC noise reports something unasked.
const IDLE_URC_INTERVAL: Duration = Duration::from_millis(1500);

/// How long the network takes to answer a USSD request.
const USSD_DELAY: Duration = Duration::from_millis(200);

/// How long [`Simulator::unplug`] and [`Simulator::replug`] wait for the serving thread.
const CONTROL_TIMEOUT: Duration = Duration::from_secs(2);

/// A time far enough ahead to stand for "never" when an addition would overflow.
const FAR_FUTURE: Duration = Duration::from_secs(100 * 365 * 24 * 3600);

/// The most characters of one command line; a longer line is answered with `ERROR`.
const MAX_LINE: usize = 1024;

/// The most bytes of one message body that the modem keeps; the rest is ignored.
const MAX_BODY: usize = 4096;

/// The largest `<length>` of `AT+CMGS` in PDU mode: the longest SMS-SUBMIT TPDU in octets.
const MAX_TPDU: usize = 164;

/// How many wrong PINs the SIM accepts before it wants the PUK.
const PIN_ATTEMPTS: u8 = 3;

/// The SMSC address stored on the simulated SIM (Telkomsel's).
const DEFAULT_SMSC: &str = "+6281100000";

/// The most characters a text-mode message may have in the GSM alphabet (one SMS).
const MAX_TEXT_SEPTETS: usize = 160;

/// The most UTF-16 code units a text-mode message may have in UCS-2 (one SMS).
const MAX_TEXT_UCS2_UNITS: usize = 70;

/// The prompt for a message body: CR, LF, `>` and a space, with no line end after it.
const PROMPT: &[u8] = b"\r\n> ";

/// Ctrl-Z, which ends a message body and sends it.
const CTRL_Z: u8 = 0x1A;

/// ESC, which cancels a message body.
const ESC: u8 = 0x1B;

/// Backspace, which removes the last character of a command line (register S5).
const BACKSPACE: u8 = 0x08;

/// Serialises [`TTYPort::pair`], which its documentation says is not thread-safe.
static PAIR_LOCK: Mutex<()> = Mutex::new(());

/// Numbers the temporary names under which links are created before they are renamed.
static LINK_COUNTER: AtomicU64 = AtomicU64::new(0);

/// How the simulated modem behaves; [`Default`] gives a healthy modem with a ready SIM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimConfig {
    /// Whether echo is on at power-on and after `ATZ`; real modems power up with `ATE1`.
    pub echo: bool,
    /// The PIN the SIM wants before it is ready, or `None` for a SIM without PIN.
    pub pin: Option<String>,
    /// Whether the SIM is locked and wants its PUK (which the simulator never accepts).
    pub puk_locked: bool,
    /// How long after the SIM became ready (power-on, replug or PIN) the modem searches for a
    /// network before it is registered.
    pub registration_delay: Duration,
    /// How long the modem takes from the Ctrl-Z of a message to its `+CMGS: <mr>` and `OK`.
    pub cmgs_delay: Duration,
    /// Whether unsolicited result codes turn up at awkward moments.
    pub urc_noise: bool,
    /// The network operator's name, as `AT+COPS?` reports it.
    pub operator: String,
    /// The signal quality that `AT+CSQ` reports (0–31, or 99 for unknown).
    pub csq: u8,
    /// How often an idle modem prints Huawei's `^BOOT:...` heartbeat (some E173/E3131
    /// firmware does so every few seconds), or `None` for a modem that does not.
    pub boot_heartbeat: Option<Duration>,
    /// What the network answers a USSD request (`AT+CUSD=1,...`) with, as the part of the
    /// `+CUSD:` line after the colon (e.g. `0,"Sisa pulsa Rp 12.500",15`), sent
    /// [`USSD_DELAY`] after the `OK`; `None`: the network ends the session (`+CUSD: 4`).
    pub ussd_answer: Option<String>,
}

impl Default for SimConfig {
    /// Echo on, no PIN, no PUK, no delays, no URC noise, Telkomsel, signal quality 20.
    fn default() -> Self {
        Self {
            echo: true,
            pin: None,
            puk_locked: false,
            registration_delay: Duration::ZERO,
            cmgs_delay: Duration::ZERO,
            urc_noise: false,
            operator: "Telkomsel".to_owned(),
            csq: 20,
            boot_heartbeat: None,
            ussd_answer: None,
        }
    }
}

/// A whole message that reached the simulated network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedSms {
    /// The destination as the PDU or the text-mode command gives it, with `+` when international.
    pub to: String,
    /// The whole text, with the parts of a concatenated message joined.
    pub text: String,
    /// How many parts (SMS-SUBMITs) the message took.
    pub parts: usize,
    /// When its last part was sent.
    pub at: Instant,
}

/// A misbehaviour to inject with [`Simulator::inject`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// The next `times` sends are refused with `+CMS ERROR: <code>` once their body is in.
    CmsError {
        /// The error code, for example 500 (unknown error) or 38 (network out of order).
        code: u16,
        /// How many sends fail.
        times: u32,
    },
    /// The next `times` command lines that start with `prefix` (compared without regard to case,
    /// for example `AT+CMGS`, `AT+CSQ` or `AT` for any command) vanish: no echo, no answer.
    NoAnswer {
        /// The start of the command lines to swallow.
        prefix: String,
        /// How many command lines to swallow.
        times: u32,
    },
    /// The modem freezes: it reads and discards everything, writes nothing and forgets what it
    /// was doing, until [`Simulator::recover`]; unplugging and replugging do not thaw it.
    Hang,
}

/// A simulated modem serving one pseudo-terminal at a time behind a fixed link path.
pub struct Simulator {
    /// The symbolic link that points at the slave end of the current pseudo-terminal.
    link: PathBuf,
    /// What the serving thread and the test share.
    shared: Arc<Shared>,
    /// The serving thread, taken when the simulator is dropped.
    thread: Option<JoinHandle<()>>,
}

impl Simulator {
    /// Creates a pseudo-terminal pair, makes `link` a symbolic link to its slave end (replacing
    /// whatever link was there) and starts serving the master end as a modem that has been on
    /// for a while (so without power-on messages).
    pub fn start(link: &Path, config: SimConfig) -> io::Result<Simulator> {
        let (master, slave_path) = open_pair()?;
        point_link(link, &slave_path)?;
        let shared = Arc::new(Shared {
            records: Mutex::new(Records::default()),
            changed: Condvar::new(),
        });
        let spawned = thread::Builder::new().name("modem-sim".to_owned()).spawn({
            let shared = Arc::clone(&shared);
            move || serve(&shared, &config, master)
        });
        let thread = match spawned {
            Ok(thread) => thread,
            Err(err) => {
                remove_link(link);
                return Err(err);
            }
        };
        Ok(Simulator {
            link: link.to_path_buf(),
            shared,
            thread: Some(thread),
        })
    }

    /// Returns the complete messages so far, in the order in which their last parts arrived.
    pub fn received(&self) -> Vec<ReceivedSms> {
        self.shared.lock().received.clone()
    }

    /// Waits until at least `count` complete messages have arrived or `timeout` has passed, and
    /// returns the messages there are then.
    pub fn wait_for(&self, count: usize, timeout: Duration) -> Vec<ReceivedSms> {
        let deadline = Instant::now().checked_add(timeout);
        let mut records = self.shared.lock();
        while records.received.len() < count {
            let left = deadline.map_or(FAR_FUTURE, |d| d.saturating_duration_since(Instant::now()));
            if left.is_zero() {
                break;
            }
            records = self.shared.wait(records, left);
        }
        records.received.clone()
    }

    /// Returns every command line received so far, without its CR and from its `AT` on, with
    /// the time it arrived; lines that came while the modem was frozen are not among them.
    pub fn commands(&self) -> Vec<(Instant, String)> {
        self.shared.lock().commands.clone()
    }

    /// Injects a fault; faults of one kind take effect in the order they were injected.
    pub fn inject(&self, fault: Fault) {
        let mut records = self.shared.lock();
        match fault {
            Fault::CmsError { code, times } => {
                if times > 0 {
                    records.cms_faults.push_back((code, times));
                }
            }
            Fault::NoAnswer { prefix, times } => {
                if times > 0 {
                    records.no_answer.push((prefix, times));
                }
            }
            Fault::Hang => records.hang = true,
        }
    }

    /// From now on the network answers USSD requests with `answer` (see
    /// [`SimConfig::ussd_answer`]): a SIM topped up, or run dry.
    pub fn set_ussd_answer(&self, answer: &str) {
        self.shared.lock().ussd_answer = Some(answer.to_owned());
    }

    /// Ends a [`Fault::Hang`]: the modem answers again, in command mode with its settings kept.
    pub fn recover(&self) {
        self.shared.lock().hang = false;
    }

    /// Makes the device disappear, like a USB modem pulled out: the link goes away and the
    /// master end is closed, so that the host sees a hang-up. Complete messages are kept.
    pub fn unplug(&self) {
        remove_link(&self.link);
        self.control(Control::Unplug);
    }

    /// Makes a new device appear under the same link path, like udev re-creating the modem's
    /// link: a new pseudo-terminal pair, the link replaced atomically, and the modem in its
    /// power-on state, announcing itself with `RDY`, `+CPIN: …` and `SMS Ready` shortly after.
    /// Replugging a plugged simulator unplugs the old device first.
    pub fn replug(&self) -> io::Result<()> {
        let (master, slave_path) = open_pair()?;
        self.control(Control::Plug(master));
        point_link(&self.link, &slave_path)
    }

    /// Restarts the modem behind the same device without unplugging it (a Huawei firmware
    /// crash): its settings are back to power-on and it says only `^BOOT`, like its heartbeat.
    pub fn restart(&self) {
        self.control(Control::Restart);
    }

    /// Returns the link path, which goes into the server's `[modem] device`.
    pub fn link(&self) -> &Path {
        &self.link
    }

    /// Hands a request to the serving thread and waits until it has been carried out, the
    /// thread has ended or [`CONTROL_TIMEOUT`] has passed.
    fn control(&self, control: Control) {
        let deadline = Instant::now().checked_add(CONTROL_TIMEOUT);
        let mut records = self.shared.lock();
        records.controls.push_back(control);
        records.requested += 1;
        let ticket = records.requested;
        self.shared.changed.notify_all();
        while records.handled < ticket {
            if self.thread.as_ref().is_none_or(JoinHandle::is_finished) {
                break;
            }
            let left = deadline.map_or(FAR_FUTURE, |d| d.saturating_duration_since(Instant::now()));
            if left.is_zero() {
                break;
            }
            records = self.shared.wait(records, left.min(POLL_INTERVAL));
        }
    }
}

impl Drop for Simulator {
    /// Stops the serving thread, which closes the master end, and removes the link.
    fn drop(&mut self) {
        self.shared.lock().stop = true;
        self.shared.changed.notify_all();
        if let Some(thread) = self.thread.take() {
            // A panic of the serving thread has already been reported; nothing is left to undo.
            let _ = thread.join();
        }
        remove_link(&self.link);
    }
}

/// What the serving thread and the simulator's handle share.
struct Shared {
    /// The records and requests, behind one lock.
    records: Mutex<Records>,
    /// Signalled when a message arrives, a request is made or a request has been carried out.
    changed: Condvar,
}

impl Shared {
    /// Locks the records, recovering them if a thread panicked while holding the lock.
    fn lock(&self) -> MutexGuard<'_, Records> {
        self.records.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Waits on the condition variable for at most `timeout`.
    fn wait<'a>(
        &self,
        guard: MutexGuard<'a, Records>,
        timeout: Duration,
    ) -> MutexGuard<'a, Records> {
        match self.changed.wait_timeout(guard, timeout) {
            Ok((guard, _)) => guard,
            Err(poisoned) => poisoned.into_inner().0,
        }
    }
}

/// A request to the serving thread.
enum Control {
    /// Close the master end and serve nothing.
    Unplug,
    /// Serve this new master end with a freshly powered-on modem.
    Plug(TTYPort),
    /// Power the modem off and on behind the same device, as Huawei firmware does after a
    /// crash: settings back to power-on, only `^BOOT` said.
    Restart,
}

/// What outlives a modem's power cycles: the network's view, the faults and the requests.
#[derive(Default)]
struct Records {
    /// The complete messages, in the order in which their last parts arrived.
    received: Vec<ReceivedSms>,
    /// The command lines with their arrival times.
    commands: Vec<(Instant, String)>,
    /// The parts of concatenated messages still waiting for their siblings, one group per
    /// message.
    partials: Vec<Vec<DecodedSubmit>>,
    /// Pending [`Fault::CmsError`]s as (code, sends left).
    cms_faults: VecDeque<(u16, u32)>,
    /// Pending [`Fault::NoAnswer`]s as (prefix, commands left).
    no_answer: Vec<(String, u32)>,
    /// Whether the modem is frozen.
    hang: bool,
    /// The USSD answer set by [`Simulator::set_ussd_answer`], replacing the configured one.
    ussd_answer: Option<String>,
    /// The next message reference to hand out; the SIM keeps it, so it survives power cycles.
    message_reference: u8,
    /// Requests not yet taken by the serving thread.
    controls: VecDeque<Control>,
    /// How many requests have been made.
    requested: u64,
    /// How many requests the serving thread has carried out.
    handled: u64,
    /// Whether the serving thread should end.
    stop: bool,
    /// What the network does with status reports ([`Simulator::set_reports`]).
    reports: Reports,
    /// The SIM's message store, by slot ([`Simulator::send_to_branch`]).
    sim_store: Vec<Stored>,
    /// How many messages the SIM holds; 0 stands for [`SIM_CAPACITY`].
    sim_capacity: usize,
    /// What the network has for the SIM and when, kept back while the SIM is full.
    arriving: VecDeque<Arrival>,
    /// The concatenation reference of the next long message from a phone.
    incoming_reference: u8,
}

impl Records {
    /// Consumes one [`Fault::NoAnswer`] matching `command`, if there is one.
    fn swallow(&mut self, command: &str) -> bool {
        let matching = self.no_answer.iter().position(|(prefix, _)| {
            command
                .get(..prefix.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
        });
        let Some(index) = matching else {
            return false;
        };
        if let Some((_, times)) = self.no_answer.get_mut(index) {
            *times = times.saturating_sub(1);
            if *times == 0 {
                self.no_answer.remove(index);
            }
        }
        true
    }

    /// Consumes one [`Fault::CmsError`], returning its code.
    fn take_cms_fault(&mut self) -> Option<u16> {
        let (code, times) = self.cms_faults.front_mut()?;
        let code = *code;
        *times = times.saturating_sub(1);
        if *times == 0 {
            self.cms_faults.pop_front();
        }
        Some(code)
    }

    /// Returns the next message reference, rolling over from 255 to 0.
    fn next_message_reference(&mut self) -> u8 {
        let reference = self.message_reference;
        self.message_reference = reference.wrapping_add(1);
        reference
    }

    /// Records what the network received at `at`.
    fn deliver(&mut self, delivery: Delivery, at: Instant) {
        match delivery {
            Delivery::Text { to, text } => self.received.push(ReceivedSms {
                to,
                text,
                parts: 1,
                at,
            }),
            Delivery::Part(part) => self.deliver_part(part, at),
        }
    }

    /// Records one PDU: a single message at once, a part of a concatenated message once all
    /// its parts are in. A part sent again replaces the earlier copy; a part whose sequence
    /// number lies outside its total is dropped, as the recipient's phone would.
    fn deliver_part(&mut self, part: DecodedSubmit, at: Instant) {
        let Some((reference, total, seq)) = part.concat else {
            self.received.push(ReceivedSms {
                to: part.destination,
                text: part.text,
                parts: 1,
                at,
            });
            return;
        };
        if seq == 0 || seq > total {
            return;
        }
        let same_message = |group: &Vec<DecodedSubmit>| {
            group.first().is_some_and(|first| {
                first.destination == part.destination
                    && first.concat.map(|(r, t, _)| (r, t)) == Some((reference, total))
            })
        };
        let index = match self.partials.iter().position(same_message) {
            Some(index) => index,
            None => {
                self.partials.push(Vec::new());
                self.partials.len() - 1
            }
        };
        let Some(group) = self.partials.get_mut(index) else {
            return;
        };
        group.retain(|earlier| earlier.concat.map(|(_, _, s)| s) != Some(seq));
        group.push(part);
        if group.len() < usize::from(total) {
            return;
        }
        let group = self.partials.remove(index);
        if let (Ok(text), Some(first)) = (pdu::reassemble(&group), group.first()) {
            self.received.push(ReceivedSms {
                to: first.destination.clone(),
                text,
                parts: group.len(),
                at,
            });
        }
    }
}

/// Opens a pseudo-terminal pair and returns its master end, marked close-on-exec so that child
/// processes (such as the server under test) do not keep it open, and the slave's path.
///
/// The slave end that [`TTYPort::pair`] opens is closed again: the device is "open" only while
/// the host has it open, so that the modem's output is lost while it is closed.
fn open_pair() -> io::Result<(TTYPort, PathBuf)> {
    let _guard = PAIR_LOCK.lock().unwrap_or_else(PoisonError::into_inner);
    let (master, slave) = TTYPort::pair()?;
    let name = slave
        .name()
        .ok_or_else(|| io::Error::other("the pseudo-terminal slave has no name"))?;
    drop(slave);
    let master_cloexec = master.try_clone_native()?;
    drop(master);
    Ok((master_cloexec, PathBuf::from(name)))
}

/// Makes `link` a symbolic link to `target` atomically: the link is created under a temporary
/// name beside `link` and renamed over it.
fn point_link(link: &Path, target: &Path) -> io::Result<()> {
    let name = link.file_name().ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            "the link path has no file name",
        )
    })?;
    let temporary = link.with_file_name(format!(
        ".{}.{}.{}.tmp",
        name.to_string_lossy(),
        std::process::id(),
        LINK_COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    // A leftover of a crashed run may sit under the temporary name; it is not needed.
    let _ = fs::remove_file(&temporary);
    std::os::unix::fs::symlink(target, &temporary)?;
    fs::rename(&temporary, link).inspect_err(|_| {
        let _ = fs::remove_file(&temporary);
    })
}

/// Removes `link` if it is a symbolic link, leaving anything else at that path alone.
fn remove_link(link: &Path) {
    if fs::symlink_metadata(link).is_ok_and(|meta| meta.file_type().is_symlink()) {
        // The link may vanish in between; either way it is gone.
        let _ = fs::remove_file(link);
    }
}

/// Returns `at + delay`, or a time far ahead when that cannot be represented.
fn later(at: Instant, delay: Duration) -> Instant {
    at.checked_add(delay)
        .or_else(|| at.checked_add(FAR_FUTURE))
        .unwrap_or(at)
}

/// The serving thread: carries out requests and runs the modem on the current master end.
fn serve(shared: &Shared, config: &SimConfig, master: TTYPort) {
    let mut device = Some(Device {
        port: master,
        modem: Modem::new(config, Instant::now(), false),
    });
    let mut buf = [0u8; 1024];
    loop {
        {
            let mut records = shared.lock();
            loop {
                if records.stop {
                    return;
                }
                let mut acted = false;
                while let Some(control) = records.controls.pop_front() {
                    // Replacing the device drops, and so closes, the previous master end.
                    device = match control {
                        Control::Unplug => None,
                        Control::Plug(port) => Some(Device {
                            port,
                            modem: Modem::new(config, Instant::now(), true),
                        }),
                        Control::Restart => device.map(|d| d.restarted(config)),
                    };
                    records.handled += 1;
                    acted = true;
                }
                if acted {
                    shared.changed.notify_all();
                }
                if device.is_some() {
                    break;
                }
                records = shared.wait(records, POLL_INTERVAL);
            }
        }
        if let Some(device) = device.as_mut() {
            device.step(shared, &mut buf);
        }
    }
}

/// A plugged-in modem: the master end of its pseudo-terminal and the modem's state.
struct Device {
    /// The master end; dropping it hangs up the slave end.
    port: TTYPort,
    /// The modem behind it.
    modem: Modem,
}

impl Device {
    /// Writes what is due, then waits for input until the next thing is due (at most
    /// [`POLL_INTERVAL`]) and feeds what arrived to the modem.
    fn step(&mut self, shared: &Shared, buf: &mut [u8]) {
        let now = Instant::now();
        let output = {
            let mut records = shared.lock();
            let before = records.received.len();
            let output = self.modem.tick(now, &mut records);
            if records.received.len() != before {
                shared.changed.notify_all();
            }
            output
        };
        if !output.is_empty() {
            self.write(&output);
        }
        let wait = self
            .modem
            .next_event()
            .map_or(POLL_INTERVAL, |at| at.saturating_duration_since(now))
            .clamp(MIN_WAIT, POLL_INTERVAL);
        // Setting the timeout of a TTYPort only stores it; it cannot fail.
        let _ = self.port.set_timeout(wait);
        match self.port.read(buf) {
            Ok(0) => thread::sleep(wait),
            Ok(len) => {
                let mut records = shared.lock();
                let bytes = buf.get(..len).unwrap_or_default();
                self.modem.feed(Instant::now(), bytes, &mut records);
            }
            Err(err) if err.kind() == io::ErrorKind::TimedOut => {}
            // The host has not opened the device (the master sees a hang-up) or reading failed
            // otherwise; wait instead of spinning.
            Err(_) => thread::sleep(wait),
        }
    }

    /// The same device with its modem powered on again, saying only `^BOOT`.
    fn restarted(self, config: &SimConfig) -> Device {
        let now = Instant::now();
        let mut modem = Modem::new(config, now, false);
        modem.urc(now, "^BOOT:20952548,0,0,0,75");
        Device {
            port: self.port,
            modem,
        }
    }

    /// Writes `bytes` to the host; what cannot be written (nobody has the device open, or the
    /// host does not read) is lost, as with a real modem.
    fn write(&mut self, bytes: &[u8]) {
        let _ = self.port.set_timeout(WRITE_TIMEOUT);
        let _ = self.port.write_all(bytes);
    }
}

/// The result code that ends an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Final {
    /// `OK`.
    Ok,
    /// `ERROR`.
    Error,
    /// `+CME ERROR: <n>` (TS 27.007 §9.2), shown as `ERROR` unless `AT+CMEE` enabled it.
    Cme(u16),
    /// `+CMS ERROR: <n>` (TS 27.005 §3.2.5).
    Cms(u16),
}

/// The operation of an extended command (V.250 §5.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op<'a> {
    /// `AT+X`.
    Action,
    /// `AT+X?`.
    Read,
    /// `AT+X=?`.
    Test,
    /// `AT+X=<args>`, with the text after `=`.
    Set(&'a str),
}

/// The character set of `AT+CSCS`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Charset {
    /// International Reference Alphabet (ASCII), the power-on default.
    Ira,
    /// The GSM default alphabet; the simulator takes it as ASCII too, as drivers send it.
    Gsm,
    /// Hexadecimal UCS-2, four digits per UTF-16 code unit.
    Ucs2,
}

impl Charset {
    /// Returns the name `AT+CSCS` uses.
    fn name(self) -> &'static str {
        match self {
            Self::Ira => "IRA",
            Self::Gsm => "GSM",
            Self::Ucs2 => "UCS2",
        }
    }

    /// Encodes text for an answer in this character set.
    fn encode(self, text: &str) -> String {
        match self {
            Self::Ira | Self::Gsm => text.to_owned(),
            Self::Ucs2 => ucs2_encode(text),
        }
    }

    /// Decodes a parameter given in this character set.
    fn decode(self, text: &str) -> Option<String> {
        match self {
            Self::Ira | Self::Gsm => Some(text.to_owned()),
            Self::Ucs2 => ucs2_decode(text.as_bytes()),
        }
    }
}

/// The state of the SIM.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sim {
    /// Ready for use.
    Ready,
    /// Waiting for the PIN, with this many attempts left.
    Pin(u8),
    /// Locked; it wants the PUK.
    Puk,
}

/// A send under way: what `AT+CMGS` announced.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Send {
    /// PDU mode, with the TPDU length in octets.
    Pdu(usize),
    /// Text mode, with the destination number.
    Text(String),
}

/// What the modem is doing with its input.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Mode {
    /// Reading command lines.
    Command,
    /// Between an `AT+CMGS` line and its prompt, due at the instant given; input is lost.
    AwaitPrompt(Instant, Send),
    /// Reading a message body until Ctrl-Z or ESC.
    Body(Send, Vec<u8>),
}

/// Something the network receives.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Delivery {
    /// One SMS-SUBMIT sent in PDU mode.
    Part(DecodedSubmit),
    /// One whole message sent in text mode.
    Text {
        /// The destination number.
        to: String,
        /// The text.
        text: String,
    },
}

/// Something the modem does at a given time.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Output {
    /// Write these bytes to the host.
    Bytes(Vec<u8>),
    /// Hand a message to the network.
    Deliver(Delivery),
}

/// The state of one simulated modem from power-on to unplugging.
struct Modem {
    /// The configuration it was powered on with.
    config: SimConfig,
    /// Whether commands are echoed (`ATE`).
    echo: bool,
    /// Whether results are words rather than numbers (`ATV`).
    verbose: bool,
    /// Whether final result codes are suppressed (`ATQ`).
    quiet: bool,
    /// How errors of the mobile equipment are reported (`AT+CMEE`): 0 as `ERROR`, 1 numeric,
    /// 2 verbose.
    cmee: u8,
    /// Whether SMS use text mode (`AT+CMGF=1`) rather than PDU mode.
    text_mode: bool,
    /// The character set of text-mode parameters (`AT+CSCS`).
    charset: Charset,
    /// The SMSC address (`AT+CSCA`), kept on the SIM but reset at power-on for simplicity.
    smsc: String,
    /// The type of address of the SMSC.
    smsc_type: u8,
    /// The registration report mode (`AT+CREG=<n>`).
    creg_mode: u8,
    /// The text-mode parameters (`AT+CSMP`), stored and reported but not used.
    csmp: String,
    /// The new-message indications (`AT+CNMI`), stored and reported but not used.
    cnmi: String,
    /// The SIM's state.
    sim: Sim,
    /// When the network registration completes, once the SIM is ready.
    registered_at: Option<Instant>,
    /// What the modem does with input.
    mode: Mode,
    /// The command line read so far, after backspaces.
    line: Vec<u8>,
    /// The bytes of the command line as received, for the echo.
    raw: Vec<u8>,
    /// Whether the command line grew beyond [`MAX_LINE`].
    overflow: bool,
    /// Whether the last byte ended a command line, so that an LF after it is ignored.
    after_cr: bool,
    /// Whether the last command line was swallowed by [`Fault::NoAnswer`].
    swallowed: bool,
    /// Whether `SMS Ready` is to be announced after the current answer.
    announce_sms_ready: bool,
    /// What is due to happen, in the order of its times.
    out: VecDeque<(Instant, Output)>,
    /// Until when the modem is busy with a send; answers and echoes wait for it.
    busy_until: Instant,
    /// How many command lines the modem has executed, for choosing when to add noise.
    executed: u32,
    /// A counter that picks the next noise line.
    noise: u32,
    /// When an idle modem with URC noise reports something next.
    next_idle_urc: Instant,
    /// When a modem with [`SimConfig::boot_heartbeat`] prints its next `^BOOT`.
    next_boot: Option<Instant>,
}

impl Modem {
    /// Powers a modem on at `now`; with `announce`, it reports `RDY`, the SIM state and
    /// `SMS Ready` as a freshly plugged modem does.
    fn new(config: &SimConfig, now: Instant, announce: bool) -> Modem {
        let sim = if config.puk_locked {
            Sim::Puk
        } else if config.pin.is_some() {
            Sim::Pin(PIN_ATTEMPTS)
        } else {
            Sim::Ready
        };
        let mut modem = Modem {
            config: config.clone(),
            echo: config.echo,
            verbose: true,
            quiet: false,
            cmee: 0,
            text_mode: false,
            charset: Charset::Ira,
            smsc: DEFAULT_SMSC.to_owned(),
            smsc_type: 145,
            creg_mode: 0,
            csmp: "17,167,0,0".to_owned(),
            cnmi: "2,1,0,0,0".to_owned(),
            sim,
            registered_at: (sim == Sim::Ready).then(|| later(now, config.registration_delay)),
            mode: Mode::Command,
            line: Vec::new(),
            raw: Vec::new(),
            overflow: false,
            after_cr: false,
            swallowed: false,
            announce_sms_ready: false,
            out: VecDeque::new(),
            busy_until: now,
            executed: 0,
            noise: 0,
            next_idle_urc: later(now, IDLE_URC_INTERVAL),
            next_boot: config.boot_heartbeat.map(|every| later(now, every)),
        };
        if announce {
            modem.urc(now, "RDY");
            let ready_at = later(now, POWER_ON_URC_DELAY);
            let cpin = modem.cpin_status();
            modem.urc(ready_at, &format!("+CPIN: {cpin}"));
            if sim == Sim::Ready {
                modem.urc(ready_at, "Call Ready");
                modem.urc(ready_at, "SMS Ready");
            }
        }
        modem
    }

    /// Restores the settings of the user profile (`ATZ`, `AT&F`); the SIM is not affected.
    fn reset_profile(&mut self) {
        self.echo = self.config.echo;
        self.verbose = true;
        self.quiet = false;
        self.cmee = 0;
        self.text_mode = false;
        self.charset = Charset::Ira;
        self.creg_mode = 0;
        self.csmp = "17,167,0,0".to_owned();
        self.cnmi = "2,1,0,0,0".to_owned();
    }

    /// Returns when something is next due: an output, a prompt or an idle URC.
    fn next_event(&self) -> Option<Instant> {
        let output = self.out.front().map(|(at, _)| *at);
        let prompt = match &self.mode {
            Mode::AwaitPrompt(at, _) => Some(*at),
            _ => None,
        };
        let idle = self.config.urc_noise.then_some(self.next_idle_urc);
        [output, prompt, idle, self.next_boot]
            .into_iter()
            .flatten()
            .min()
    }

    /// Does what is due at `now` and returns the bytes to write.
    fn tick(&mut self, now: Instant, records: &mut Records) -> Vec<u8> {
        if records.hang {
            self.freeze(now);
            return Vec::new();
        }
        self.take_arrivals(now, records);
        if matches!(&self.mode, Mode::AwaitPrompt(at, _) if *at <= now) {
            if let Mode::AwaitPrompt(_, send) = std::mem::replace(&mut self.mode, Mode::Command) {
                self.mode = Mode::Body(send, Vec::new());
            }
            if self.config.urc_noise && self.noise.is_multiple_of(2) {
                let line = self.noise_line();
                self.urc(now, &line);
            }
            self.schedule(now, Output::Bytes(PROMPT.to_vec()));
        }
        if self.config.urc_noise && now >= self.next_idle_urc {
            self.next_idle_urc = later(now, IDLE_URC_INTERVAL);
            let idle = self.mode == Mode::Command
                && self.raw.is_empty()
                && self.out.is_empty()
                && now >= self.busy_until;
            if idle {
                let line = self.noise_line();
                self.urc(now, &line);
            }
        }
        self.boot_heartbeat(now);
        let mut bytes = Vec::new();
        while self.out.front().is_some_and(|(at, _)| *at <= now) {
            match self.out.pop_front() {
                Some((_, Output::Bytes(chunk))) => bytes.extend_from_slice(&chunk),
                Some((_, Output::Deliver(delivery))) => records.deliver(delivery, now),
                None => break,
            }
        }
        bytes
    }

    /// Forgets everything under way, as a frozen modem does.
    fn freeze(&mut self, now: Instant) {
        self.out.clear();
        self.mode = Mode::Command;
        self.line.clear();
        self.raw.clear();
        self.overflow = false;
        self.after_cr = false;
        self.busy_until = now;
    }

    /// Takes bytes the host sent, which arrived at `now`.
    fn feed(&mut self, now: Instant, bytes: &[u8], records: &mut Records) {
        if records.hang {
            self.freeze(now);
            return;
        }
        let mut index = 0;
        while let Some(&byte) = bytes.get(index) {
            index += 1;
            match self.mode {
                Mode::Command => {
                    // An LF that arrived together with the CR before it is echoed with the line,
                    // as a modem echoing byte by byte would have done before answering.
                    let lf_follows = byte == b'\r' && bytes.get(index) == Some(&b'\n');
                    if lf_follows {
                        index += 1;
                    }
                    self.command_byte(now, byte, lf_follows, records);
                }
                // A real modem loses what comes before its prompt.
                Mode::AwaitPrompt(..) => {}
                Mode::Body(..) => self.body_byte(now, byte, records),
            }
        }
    }

    /// Takes one byte of a command line; `lf_follows` says that an LF came right after this CR
    /// and belongs to the line.
    fn command_byte(&mut self, now: Instant, byte: u8, lf_follows: bool, records: &mut Records) {
        if byte == b'\n' && self.after_cr {
            self.after_cr = false;
            if self.echo && !self.swallowed {
                let at = self.answer_time(now);
                self.schedule(at, Output::Bytes(vec![byte]));
            }
            return;
        }
        self.after_cr = false;
        if self.raw.len() < 2 * MAX_LINE {
            self.raw.push(byte);
        }
        match byte {
            b'\r' => {
                if lf_follows {
                    self.raw.push(b'\n');
                } else {
                    self.after_cr = true;
                }
                self.end_line(now, records);
            }
            BACKSPACE => {
                self.line.pop();
            }
            // Stray control characters outside a message body are ignored.
            b'\n' | 0 | CTRL_Z | ESC => {}
            _ if self.line.len() < MAX_LINE => self.line.push(byte),
            _ => self.overflow = true,
        }
    }

    /// Handles a complete command line.
    fn end_line(&mut self, now: Instant, records: &mut Records) {
        let raw = std::mem::take(&mut self.raw);
        let line = std::mem::take(&mut self.line);
        let overflow = std::mem::replace(&mut self.overflow, false);
        let text = String::from_utf8_lossy(&line);
        // Like a real modem, skip anything before the "AT" that starts a command; a line without
        // one (an empty line, or a PDU sent without waiting for the prompt) gets no answer.
        let start = text
            .as_bytes()
            .windows(2)
            .position(|pair| pair.eq_ignore_ascii_case(b"AT"));
        let command = start.and_then(|start| text.get(start..)).map(str::trim);
        let Some(command) = command else {
            self.swallowed = false;
            if self.echo {
                let at = self.answer_time(now);
                self.schedule(at, Output::Bytes(raw));
            }
            return;
        };
        records.commands.push((now, command.to_owned()));
        if let Some(answer) = &records.ussd_answer {
            self.config.ussd_answer = Some(answer.clone());
        }
        if records.swallow(command) {
            self.swallowed = true;
            return;
        }
        self.swallowed = false;
        if self.echo {
            let at = self.answer_time(now);
            self.schedule(at, Output::Bytes(raw));
        }
        if overflow {
            let at = self.answer_time(now);
            self.respond(at, &[], Final::Error);
            return;
        }
        if self.stored_command(now, command, records) {
            return;
        }
        self.execute(now, command);
    }

    /// Executes one command line (which starts with `AT`) and schedules its answer.
    fn execute(&mut self, now: Instant, command: &str) {
        self.executed = self.executed.wrapping_add(1);
        let rest = command.get(2..).unwrap_or_default();
        let upper = rest.to_ascii_uppercase();
        if upper.starts_with("+CMGS") {
            self.cmgs(now, rest.get(5..).unwrap_or_default());
            return;
        }
        let noisy = self.config.urc_noise
            && (["+CSQ", "+CREG", "+COPS", "+CPIN"]
                .iter()
                .any(|name| upper.contains(name))
                || self.executed.is_multiple_of(4));
        let mut info = Vec::new();
        let result = self.run_line(now, rest, &mut info);
        let at = self.answer_time(now);
        if noisy {
            let line = self.noise_line();
            self.urc(at, &line);
        }
        self.respond(at, &info, result);
        if std::mem::replace(&mut self.announce_sms_ready, false) {
            self.urc(later(at, SMS_READY_DELAY), "SMS Ready");
        }
    }

    /// Runs the commands of a line after its `AT`: basic commands (`E0`, `Z`, `&F`, …) and
    /// extended ones (`+CSQ`, `^CURC=0`, …) separated by `;`, stopping at the first error.
    fn run_line(&mut self, now: Instant, rest: &str, info: &mut Vec<String>) -> Final {
        let bytes = rest.as_bytes();
        let mut index = 0;
        while let Some(&byte) = bytes.get(index) {
            match byte {
                b';' | b' ' => index += 1,
                b'+' | b'^' | b'*' | b'$' | b'#' => {
                    let end = segment_end(bytes, index);
                    let result = match rest.get(index..end) {
                        Some(segment) => self.extended(now, segment, info),
                        None => Final::Error,
                    };
                    if result != Final::Ok {
                        return result;
                    }
                    index = end;
                }
                _ => {
                    let result = self.basic(bytes, &mut index, info);
                    if result != Final::Ok {
                        return result;
                    }
                }
            }
        }
        Final::Ok
    }

    /// Runs one basic command starting at `bytes[*index]` and moves `index` past it.
    fn basic(&mut self, bytes: &[u8], index: &mut usize, info: &mut Vec<String>) -> Final {
        let Some(letter) = bytes.get(*index).map(u8::to_ascii_uppercase) else {
            return Final::Error;
        };
        *index += 1;
        let flag = |value: Option<u32>| match value.unwrap_or(0) {
            0 => Some(false),
            1 => Some(true),
            _ => None,
        };
        match letter {
            b'E' | b'V' | b'Q' => {
                let Some(on) = flag(digits(bytes, index)) else {
                    return Final::Error;
                };
                match letter {
                    b'E' => self.echo = on,
                    b'V' => self.verbose = on,
                    _ => self.quiet = on,
                }
                Final::Ok
            }
            b'Z' => {
                self.reset_profile();
                // V.250 ignores whatever follows Z on the same line.
                *index = bytes.len();
                Final::Ok
            }
            b'&' => {
                let sub = bytes.get(*index).map(u8::to_ascii_uppercase);
                *index += 1;
                let _ = digits(bytes, index);
                match sub {
                    Some(b'F') => {
                        self.reset_profile();
                        Final::Ok
                    }
                    Some(b'W' | b'C' | b'D' | b'K') => Final::Ok,
                    _ => Final::Error,
                }
            }
            b'I' => {
                let _ = digits(bytes, index);
                info.push("SIM800 R14.18".to_owned());
                Final::Ok
            }
            b'X' | b'L' | b'M' | b'H' => {
                let _ = digits(bytes, index);
                Final::Ok
            }
            b'S' => {
                let Some(register) = digits(bytes, index) else {
                    return Final::Error;
                };
                match bytes.get(*index) {
                    Some(b'=') => {
                        *index += 1;
                        match digits(bytes, index) {
                            Some(_) => Final::Ok,
                            None => Final::Error,
                        }
                    }
                    Some(b'?') => {
                        *index += 1;
                        let value = match register {
                            3 => 13,
                            4 => 10,
                            5 => 8,
                            _ => 0,
                        };
                        info.push(format!("{value:03}"));
                        Final::Ok
                    }
                    _ => Final::Error,
                }
            }
            _ => Final::Error,
        }
    }

    /// Runs one extended command such as `+CSQ`, `+CMGF=0` or `+CREG?`.
    fn extended(&mut self, now: Instant, segment: &str, info: &mut Vec<String>) -> Final {
        let Some((name, op)) = split_extended(segment) else {
            return Final::Error;
        };
        match name.as_str() {
            "+CMEE" | "+CPIN" | "+CREG" | "+CSQ" | "+COPS" => self.network(now, &name, op, info),
            "+CMGF" | "+CSCA" | "+CSCS" | "+CSMP" | "+CNMI" => {
                self.message_settings(&name, op, info)
            }
            "+CPMS" | "+CMGD" | "+CMGL" | "+CMGR" => self.sim_store(&name, op, info),
            "+CGMI" | "+GMI" | "+CGMM" | "+GMM" | "+CGMR" | "+GMR" | "+CGSN" | "+GSN" | "+CIMI" => {
                self.identity(&name, op, info)
            }
            "+CFUN" | "+IPR" => self.device(&name, op, info),
            // Huawei's switch for its ^RSSI and ^BOOT reports; harmless to accept.
            "^CURC" => Final::Ok,
            "+CUSD" => self.ussd(now, op),
            _ => Final::Error,
        }
    }

    /// Error reports, the SIM's PIN, registration, signal and operator.
    fn network(&mut self, now: Instant, name: &str, op: Op<'_>, info: &mut Vec<String>) -> Final {
        match name {
            "+CMEE" => match op {
                Op::Read => info_ok(info, format!("+CMEE: {}", self.cmee)),
                Op::Test => info_ok(info, "+CMEE: (0-2)".to_owned()),
                Op::Action => {
                    self.cmee = 0;
                    Final::Ok
                }
                Op::Set(args) => match parse_number(args) {
                    Some(value @ 0..=2) => {
                        self.cmee = u8::try_from(value).unwrap_or(0);
                        Final::Ok
                    }
                    _ => Final::Cme(3),
                },
            },
            "+CPIN" => match op {
                Op::Read => info_ok(info, format!("+CPIN: {}", self.cpin_status())),
                Op::Test => Final::Ok,
                Op::Action => Final::Error,
                Op::Set(args) => self.enter_pin(now, args),
            },
            "+CREG" => match op {
                Op::Read => info_ok(info, self.creg_status(now)),
                Op::Test => info_ok(info, "+CREG: (0-2)".to_owned()),
                Op::Action => {
                    self.creg_mode = 0;
                    Final::Ok
                }
                Op::Set(args) => match parse_number(args) {
                    Some(value @ 0..=2) => {
                        self.creg_mode = u8::try_from(value).unwrap_or(0);
                        Final::Ok
                    }
                    _ => Final::Cme(3),
                },
            },
            "+CSQ" => match op {
                Op::Action => info_ok(info, format!("+CSQ: {},99", self.config.csq)),
                Op::Test => info_ok(info, "+CSQ: (0-31,99),(0-7,99)".to_owned()),
                _ => Final::Error,
            },
            "+COPS" => match op {
                Op::Read if self.registered(now) => {
                    let operator = self.charset.encode(&self.config.operator);
                    info_ok(info, format!("+COPS: 0,0,\"{operator}\""))
                }
                Op::Read => info_ok(info, "+COPS: 0".to_owned()),
                Op::Test => {
                    let operator = self.charset.encode(&self.config.operator);
                    info_ok(
                        info,
                        format!("+COPS: (2,\"{operator}\",\"{operator}\",\"51010\"),,(0-4),(0-2)"),
                    )
                }
                Op::Set(_) => Final::Ok,
                Op::Action => Final::Error,
            },
            _ => Final::Error,
        }
    }

    /// The message format, service centre, character set and message parameters.
    fn message_settings(&mut self, name: &str, op: Op<'_>, info: &mut Vec<String>) -> Final {
        match name {
            "+CMGF" => {
                if let Some(refusal) = self.sim_refusal() {
                    return refusal;
                }
                match op {
                    Op::Read => info_ok(info, format!("+CMGF: {}", u8::from(self.text_mode))),
                    Op::Test => info_ok(info, "+CMGF: (0,1)".to_owned()),
                    Op::Action => {
                        self.text_mode = false;
                        Final::Ok
                    }
                    Op::Set(args) => match parse_number(args) {
                        Some(value @ 0..=1) => {
                            self.text_mode = value == 1;
                            Final::Ok
                        }
                        _ => Final::Error,
                    },
                }
            }
            "+CSCA" => {
                if let Some(refusal) = self.sim_refusal() {
                    return refusal;
                }
                match op {
                    Op::Read => {
                        let address = self.charset.encode(&self.smsc);
                        info_ok(info, format!("+CSCA: \"{address}\",{}", self.smsc_type))
                    }
                    Op::Test => Final::Ok,
                    Op::Action => Final::Error,
                    Op::Set(args) => self.set_smsc(args),
                }
            }
            "+CSCS" => match op {
                Op::Read => info_ok(info, format!("+CSCS: \"{}\"", self.charset.name())),
                Op::Test => info_ok(info, "+CSCS: (\"IRA\",\"GSM\",\"UCS2\")".to_owned()),
                Op::Action => Final::Error,
                Op::Set(args) => {
                    let charset = unquote(args.trim()).to_ascii_uppercase();
                    self.charset = match charset.as_str() {
                        "IRA" => Charset::Ira,
                        "GSM" => Charset::Gsm,
                        "UCS2" => Charset::Ucs2,
                        _ => return Final::Error,
                    };
                    Final::Ok
                }
            },
            "+CSMP" | "+CNMI" => {
                let stored = if name == "+CSMP" {
                    &mut self.csmp
                } else {
                    &mut self.cnmi
                };
                match op {
                    Op::Read => info_ok(info, format!("{name}: {stored}")),
                    Op::Set(args) => {
                        args.trim().clone_into(stored);
                        Final::Ok
                    }
                    Op::Test => Final::Ok,
                    Op::Action => Final::Error,
                }
            }
            _ => Final::Error,
        }
    }

    /// The SIM's message store, which is always empty.
    fn sim_store(&mut self, name: &str, op: Op<'_>, info: &mut Vec<String>) -> Final {
        match name {
            "+CPMS" | "+CMGD" | "+CMGL" | "+CMGR" => {
                if let Some(refusal) = self.sim_refusal() {
                    return refusal;
                }
                match (name, op) {
                    ("+CPMS", Op::Read) => info_ok(
                        info,
                        "+CPMS: \"SM\",0,30,\"SM\",0,30,\"SM\",0,30".to_owned(),
                    ),
                    ("+CPMS", Op::Set(_)) => info_ok(info, "+CPMS: 0,30,0,30,0,30".to_owned()),
                    // The SIM's message store is always empty.
                    ("+CMGR", Op::Set(_)) => Final::Cms(321),
                    ("+CMGL" | "+CMGD", Op::Set(_) | Op::Action) | (_, Op::Test) => Final::Ok,
                    _ => Final::Error,
                }
            }
            _ => Final::Error,
        }
    }

    /// Who made the modem, its model, revision, serial and the SIM's identity.
    fn identity(&mut self, name: &str, op: Op<'_>, info: &mut Vec<String>) -> Final {
        match name {
            "+CGMI" | "+GMI" | "+CGMM" | "+GMM" | "+CGMR" | "+GMR" | "+CGSN" | "+GSN" => {
                let answer = match name {
                    "+CGMI" | "+GMI" => "SIMCOM_Ltd",
                    "+CGMM" | "+GMM" => "SIMCOM_SIM800L",
                    "+CGMR" | "+GMR" => "Revision:1418B05SIM800L24",
                    _ => "867856030123456",
                };
                match op {
                    Op::Action => info_ok(info, answer.to_owned()),
                    Op::Test => Final::Ok,
                    _ => Final::Error,
                }
            }
            "+CIMI" => {
                if let Some(refusal) = self.sim_refusal() {
                    return refusal;
                }
                match op {
                    Op::Action => info_ok(info, "510101234567890".to_owned()),
                    Op::Test => Final::Ok,
                    _ => Final::Error,
                }
            }
            _ => Final::Error,
        }
    }

    /// The modem's function level and serial speed.
    fn device(&mut self, name: &str, op: Op<'_>, info: &mut Vec<String>) -> Final {
        match name {
            "+CFUN" => match op {
                Op::Read => info_ok(info, "+CFUN: 1".to_owned()),
                Op::Test => info_ok(info, "+CFUN: (0,1,4),(0,1)".to_owned()),
                Op::Set(_) => Final::Ok,
                Op::Action => Final::Error,
            },
            "+IPR" => match op {
                Op::Read => info_ok(info, "+IPR: 115200".to_owned()),
                Op::Test => info_ok(
                    info,
                    "+IPR: (),(0,1200,2400,4800,9600,19200,38400,57600,115200)".to_owned(),
                ),
                Op::Set(_) => Final::Ok,
                Op::Action => Final::Error,
            },
            _ => Final::Error,
        }
    }

    /// Handles `AT+CPIN=<pin>[,<new pin>]`.
    fn enter_pin(&mut self, now: Instant, args: &str) -> Final {
        let args = split_args(args);
        match self.sim {
            Sim::Ready => Final::Cme(3),
            Sim::Puk if args.len() >= 2 => Final::Cme(16),
            Sim::Puk => Final::Cme(12),
            Sim::Pin(attempts) => {
                let given = args.first().map(|arg| unquote(arg));
                if given.is_some() && given == self.config.pin.as_deref() {
                    self.sim = Sim::Ready;
                    self.registered_at = Some(later(now, self.config.registration_delay));
                    self.announce_sms_ready = true;
                    Final::Ok
                } else {
                    let left = attempts.saturating_sub(1);
                    self.sim = if left == 0 { Sim::Puk } else { Sim::Pin(left) };
                    Final::Cme(16)
                }
            }
        }
    }

    /// Handles `AT+CSCA=<address>[,<type>]`.
    fn set_smsc(&mut self, args: &str) -> Final {
        let args = split_args(args);
        let Some(address) = args
            .first()
            .and_then(|arg| self.charset.decode(unquote(arg)))
        else {
            return Final::Error;
        };
        let kind = match args.get(1) {
            Some(kind) => match parse_number(kind).and_then(|k| u8::try_from(k).ok()) {
                Some(kind) => kind,
                None => return Final::Error,
            },
            None if address.starts_with('+') => 145,
            None => 129,
        };
        if address.is_empty() || !address.chars().all(|c| c.is_ascii_digit() || c == '+') {
            return Final::Error;
        }
        self.smsc = address;
        self.smsc_type = kind;
        Final::Ok
    }

    /// Handles `AT+CMGS`, given what follows `+CMGS`: checks it and arranges for the prompt.
    fn cmgs(&mut self, now: Instant, args: &str) {
        let at = self.answer_time(now);
        let args = args.trim();
        if args == "=?" {
            self.respond(at, &[], Final::Ok);
            return;
        }
        let Some(args) = args.strip_prefix('=') else {
            self.respond(at, &[], Final::Error);
            return;
        };
        match self.sim {
            Sim::Ready => {}
            Sim::Pin(_) => return self.respond(at, &[], Final::Cms(311)),
            Sim::Puk => return self.respond(at, &[], Final::Cms(316)),
        }
        let send = if self.text_mode {
            let args = split_args(args);
            let to = args
                .first()
                .and_then(|arg| self.charset.decode(unquote(arg)));
            let kind_ok = args.get(1).is_none_or(|kind| parse_number(kind).is_some());
            match to {
                Some(to)
                    if kind_ok
                        && !to.is_empty()
                        && to.chars().all(|c| c.is_ascii_digit() || c == '+') =>
                {
                    Send::Text(to)
                }
                _ => return self.respond(at, &[], Final::Cms(305)),
            }
        } else {
            match parse_number(args).and_then(|n| usize::try_from(n).ok()) {
                Some(length @ 1..=MAX_TPDU) => Send::Pdu(length),
                _ => return self.respond(at, &[], Final::Cms(304)),
            }
        };
        self.mode = Mode::AwaitPrompt(later(at, PROMPT_DELAY), send);
    }

    /// Takes one byte of a message body.
    fn body_byte(&mut self, now: Instant, byte: u8, records: &mut Records) {
        match byte {
            CTRL_Z => self.finish_send(now, records),
            ESC => {
                self.mode = Mode::Command;
                let at = self.answer_time(now);
                self.respond(at, &[], Final::Ok);
            }
            _ => {
                let text_mode = matches!(&self.mode, Mode::Body(Send::Text(_), _));
                if let Mode::Body(_, body) = &mut self.mode
                    && body.len() < MAX_BODY
                {
                    body.push(byte);
                }
                let at = self.answer_time(now);
                if self.echo {
                    self.schedule(at, Output::Bytes(vec![byte]));
                }
                // In text mode every CR starts a new line of the message with a new prompt
                // (TS 27.005 §3.5.1).
                if text_mode && byte == b'\r' {
                    self.schedule(at, Output::Bytes(PROMPT.to_vec()));
                }
            }
        }
    }

    /// Handles the Ctrl-Z that ends a message body: checks the message, then sends it or
    /// refuses it.
    fn finish_send(&mut self, now: Instant, records: &mut Records) {
        let Mode::Body(send, body) = std::mem::replace(&mut self.mode, Mode::Command) else {
            return;
        };
        let at = self.answer_time(now);
        let checked = match send {
            Send::Pdu(length) => self.check_pdu(length, &body).map(Delivery::Part),
            Send::Text(to) => self
                .check_text(&body)
                .map(|text| Delivery::Text { to, text }),
        };
        let delivery = match checked {
            Ok(delivery) => delivery,
            Err(refusal) => return self.respond(at, &[], refusal),
        };
        if !self.registered(now) {
            return self.respond(at, &[], Final::Cms(331));
        }
        let done = later(at, self.config.cmgs_delay);
        self.busy_until = done;
        if let Some(code) = records.take_cms_fault() {
            return self.respond(done, &[], Final::Cms(code));
        }
        let reference = records.next_message_reference();
        self.report_on(done, reference, &delivery, records);
        self.schedule(done, Output::Deliver(delivery));
        let info = self.format_info(&format!("+CMGS: {reference}"));
        self.schedule(done, Output::Bytes(info));
        if self.config.urc_noise {
            let line = self.noise_line();
            self.urc(done, &line);
        }
        self.respond(done, &[], Final::Ok);
    }

    /// Checks a PDU-mode body against the announced TPDU length and decodes it; a mismatch or
    /// an undecodable PDU gives `+CMS ERROR: 304`.
    fn check_pdu(&self, length: usize, body: &[u8]) -> Result<DecodedSubmit, Final> {
        let invalid = Final::Cms(304);
        let hex: String = body
            .iter()
            .filter(|byte| !byte.is_ascii_whitespace())
            .map(|&byte| char::from(byte))
            .collect();
        if !hex.len().is_multiple_of(2) || !hex.bytes().all(|byte| byte.is_ascii_hexdigit()) {
            return Err(invalid);
        }
        let smsc_len = hex
            .get(..2)
            .and_then(|first| usize::from_str_radix(first, 16).ok())
            .ok_or(invalid)?;
        let tpdu_len = (hex.len() / 2).checked_sub(1 + smsc_len).ok_or(invalid)?;
        if tpdu_len != length {
            return Err(invalid);
        }
        if smsc_len == 0 && self.smsc.is_empty() {
            // The PDU leaves the SMSC to the SIM, and the SIM has none.
            return Err(Final::Cms(330));
        }
        pdu::decode_submit(&hex, true).map_err(|_| invalid)
    }

    /// Decodes a text-mode body in the current character set; text that does not fit one SMS
    /// or is not valid UCS-2 gives `+CMS ERROR: 305`.
    fn check_text(&self, body: &[u8]) -> Result<String, Final> {
        let invalid = Final::Cms(305);
        match self.charset {
            Charset::Ucs2 => {
                let text = ucs2_decode(body).ok_or(invalid)?;
                if text.encode_utf16().count() > MAX_TEXT_UCS2_UNITS {
                    return Err(invalid);
                }
                Ok(text)
            }
            Charset::Ira | Charset::Gsm => {
                let text = String::from_utf8_lossy(body)
                    .replace("\r\n", "\n")
                    .replace('\r', "\n");
                let septets =
                    pdu::gsm7_encode(&text).map_or_else(|| text.chars().count(), |s| s.len());
                if septets > MAX_TEXT_SEPTETS {
                    return Err(invalid);
                }
                Ok(text)
            }
        }
    }

    /// Returns the error with which SMS and SIM commands are refused while the SIM is locked.
    fn sim_refusal(&self) -> Option<Final> {
        match self.sim {
            Sim::Ready => None,
            Sim::Pin(_) => Some(Final::Cme(11)),
            Sim::Puk => Some(Final::Cme(12)),
        }
    }

    /// Returns the `<code>` of `+CPIN: <code>`.
    fn cpin_status(&self) -> &'static str {
        match self.sim {
            Sim::Ready => "READY",
            Sim::Pin(_) => "SIM PIN",
            Sim::Puk => "SIM PUK",
        }
    }

    /// Returns whether the modem is registered with the network at `now`.
    fn registered(&self, now: Instant) -> bool {
        self.registered_at.is_some_and(|at| now >= at)
    }

    /// Returns the answer to `AT+CREG?`.
    fn creg_status(&self, now: Instant) -> String {
        let stat = match self.registered_at {
            None => 0,
            Some(at) if now >= at => 1,
            Some(_) => 2,
        };
        if self.creg_mode == 2 && stat == 1 {
            format!("+CREG: 2,{stat},\"2B5C\",\"4E21\"")
        } else {
            format!("+CREG: {},{stat}", self.creg_mode)
        }
    }

    /// Returns when an answer to input that arrives at `now` can start: after any send under
    /// way.
    fn answer_time(&self, now: Instant) -> Instant {
        now.max(self.busy_until)
    }

    /// Schedules the information lines and the final result of an answer at `at`.
    fn respond(&mut self, at: Instant, info: &[String], result: Final) {
        let mut bytes = Vec::new();
        for line in info {
            bytes.extend(self.format_info(line));
        }
        if !self.quiet {
            bytes.extend(self.format_final(result));
        }
        self.schedule(at, Output::Bytes(bytes));
    }

    /// Formats an information line.
    fn format_info(&self, line: &str) -> Vec<u8> {
        if self.verbose {
            format!("\r\n{line}\r\n").into_bytes()
        } else {
            format!("{line}\r\n").into_bytes()
        }
    }

    /// Formats a final result code, heeding `ATV` and `AT+CMEE`.
    fn format_final(&self, result: Final) -> Vec<u8> {
        let text = match result {
            Final::Ok if self.verbose => "OK".to_owned(),
            Final::Ok => "0".to_owned(),
            Final::Error if self.verbose => "ERROR".to_owned(),
            Final::Error => "4".to_owned(),
            Final::Cme(_) if self.cmee == 0 && self.verbose => "ERROR".to_owned(),
            Final::Cme(_) if self.cmee == 0 => "4".to_owned(),
            Final::Cme(code) => match cme_text(code) {
                Some(text) if self.cmee == 2 => format!("+CME ERROR: {text}"),
                _ => format!("+CME ERROR: {code}"),
            },
            Final::Cms(code) => format!("+CMS ERROR: {code}"),
        };
        if self.verbose {
            format!("\r\n{text}\r\n").into_bytes()
        } else {
            format!("{text}\r").into_bytes()
        }
    }

    /// Schedules an unsolicited result code at `at`.
    fn urc(&mut self, at: Instant, line: &str) {
        self.schedule(at, Output::Bytes(format!("\r\n{line}\r\n").into_bytes()));
    }

    /// `AT+CUSD=1,"<code>"[,<dcs>]`: `OK` at once (with a ready SIM), the network's answer as
    /// a `+CUSD:` report a moment later ([`SimConfig::ussd_answer`]).
    fn ussd(&mut self, now: Instant, op: Op<'_>) -> Final {
        match op {
            Op::Read => Final::Ok,
            Op::Test => Final::Ok,
            Op::Action => Final::Error,
            Op::Set(args) => {
                if let Some(refusal) = self.sim_refusal() {
                    return refusal;
                }
                if !args.trim_start().starts_with('1') {
                    return Final::Ok;
                }
                let answer = self
                    .config
                    .ussd_answer
                    .clone()
                    .unwrap_or_else(|| "4".to_owned());
                let at = later(self.answer_time(now), USSD_DELAY);
                self.urc(at, &format!("+CUSD: {answer}"));
                Final::Ok
            }
        }
    }

    /// Prints Huawei's periodic `^BOOT:<id>,0,0,0,<n>` when it is due and the line is idle
    /// (like other reports, it waits while a command or a message body is under way): a
    /// heartbeat, not a restart; the modem keeps every setting.
    fn boot_heartbeat(&mut self, now: Instant) {
        let (Some(due), Some(every)) = (self.next_boot, self.config.boot_heartbeat) else {
            return;
        };
        let idle = self.mode == Mode::Command
            && self.raw.is_empty()
            && self.out.is_empty()
            && now >= self.busy_until;
        if now < due {
            return;
        }
        if idle {
            self.next_boot = Some(later(now, every));
            self.urc(now, "^BOOT:20952548,0,0,0,75");
        } else {
            self.next_boot = Some(later(now, POLL_INTERVAL));
        }
    }

    /// Picks the next unsolicited result code for URC noise.
    fn noise_line(&mut self) -> String {
        self.noise = self.noise.wrapping_add(1);
        match self.noise % 4 {
            0 => format!("+CMTI: \"SM\",{}", self.noise % 30 + 1),
            1 => format!("^RSSI: {}", self.config.csq.saturating_sub(2)),
            2 => "RING".to_owned(),
            _ => "+CREG: 1".to_owned(),
        }
    }

    /// Adds an output at `at`, after everything due at or before that time, merging it with the
    /// previous bytes when both are due at once.
    fn schedule(&mut self, at: Instant, output: Output) {
        let index = self
            .out
            .iter()
            .rposition(|(due, _)| *due <= at)
            .map_or(0, |found| found + 1);
        if let (Output::Bytes(new), Some((due, Output::Bytes(old)))) = (
            &output,
            index.checked_sub(1).and_then(|prev| self.out.get_mut(prev)),
        ) && *due == at
        {
            old.extend_from_slice(new);
            return;
        }
        self.out.insert(index, (at, output));
    }
}

/// Returns an information line with `OK`, for the common case of a one-line answer.
fn info_ok(info: &mut Vec<String>, line: String) -> Final {
    info.push(line);
    Final::Ok
}

/// Returns the text of a `+CME ERROR` code for `AT+CMEE=2` (TS 27.007 §9.2.1).
fn cme_text(code: u16) -> Option<&'static str> {
    Some(match code {
        3 => "operation not allowed",
        4 => "operation not supported",
        10 => "SIM not inserted",
        11 => "SIM PIN required",
        12 => "SIM PUK required",
        16 => "incorrect password",
        30 => "no network service",
        100 => "unknown",
        _ => return None,
    })
}

/// Reads decimal digits at `bytes[*index..]`, moving `index` past them; `None` if there are
/// none. Values too large for a `u32` saturate.
fn digits(bytes: &[u8], index: &mut usize) -> Option<u32> {
    let mut value: Option<u32> = None;
    while let Some(&byte) = bytes.get(*index)
        && byte.is_ascii_digit()
    {
        let digit = u32::from(byte - b'0');
        value = Some(value.unwrap_or(0).saturating_mul(10).saturating_add(digit));
        *index += 1;
    }
    value
}

/// Returns the index of the `;` that ends the extended command starting at `start`, or the
/// length of the line; a `;` between double quotes does not count.
fn segment_end(bytes: &[u8], start: usize) -> usize {
    let mut quoted = false;
    for (index, &byte) in bytes.iter().enumerate().skip(start) {
        match byte {
            b'"' => quoted = !quoted,
            b';' if !quoted => return index,
            _ => {}
        }
    }
    bytes.len()
}

/// Splits an extended command into its upper-case name and its operation.
fn split_extended(segment: &str) -> Option<(String, Op<'_>)> {
    let end = segment.find(['=', '?']).unwrap_or(segment.len());
    let name = segment.get(..end)?.trim().to_ascii_uppercase();
    let op = match segment.get(end..)? {
        "" => Op::Action,
        "?" => Op::Read,
        "=?" => Op::Test,
        rest => Op::Set(rest.strip_prefix('=')?),
    };
    Some((name, op))
}

/// Splits parameters at the commas outside double quotes and trims each.
fn split_args(args: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut quoted = false;
    let mut start = 0;
    for (index, c) in args.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => {
                parts.push(args.get(start..index).unwrap_or_default().trim());
                start = index + 1;
            }
            _ => {}
        }
    }
    parts.push(args.get(start..).unwrap_or_default().trim());
    parts
}

/// Removes the double quotes around a parameter, if it has both.
fn unquote(arg: &str) -> &str {
    arg.strip_prefix('"')
        .and_then(|inner| inner.strip_suffix('"'))
        .unwrap_or(arg)
}

/// Parses a decimal parameter.
fn parse_number(arg: &str) -> Option<u32> {
    let arg = arg.trim();
    if arg.is_empty() || !arg.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    arg.parse().ok()
}

/// Encodes text as hexadecimal UCS-2, four upper-case digits per UTF-16 code unit.
fn ucs2_encode(text: &str) -> String {
    text.encode_utf16()
        .map(|unit| format!("{unit:04X}"))
        .collect()
}

/// Decodes hexadecimal UCS-2 (UTF-16 code units, surrogate pairs allowed), ignoring white
/// space; `None` if it is not whole code units of hexadecimal digits or not valid UTF-16.
fn ucs2_decode(hex: &[u8]) -> Option<String> {
    let digits: Vec<u8> = hex
        .iter()
        .copied()
        .filter(|byte| !byte.is_ascii_whitespace())
        .collect();
    let (units, rest) = digits.as_chunks::<4>();
    if !rest.is_empty() {
        return None;
    }
    let units = units
        .iter()
        .map(|unit| {
            unit.iter().try_fold(0u16, |value, &digit| {
                let nibble = char::from(digit).to_digit(16)?;
                Some((value << 4) | u16::try_from(nibble).ok()?)
            })
        })
        .collect::<Option<Vec<u16>>>()?;
    char::decode_utf16(units)
        .collect::<Result<String, _>>()
        .ok()
}

// What the network sends to the modem (issue 17): status reports on the messages sent,
// messages from phones, and the SIM's store they land in.

/// How many messages the simulated SIM holds, unless [`Simulator::set_sim_capacity`] says.
const SIM_CAPACITY: usize = 30;

/// The time zone of the simulated network's time stamps (WIB).
const NETWORK_ZONE_SECONDS: i32 = 7 * 3600;

/// What the simulated network reports on each part sent with TP-SRR.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Reports {
    /// No status reports (the power-on default).
    #[default]
    Never,
    /// "Received by the phone" `after` the part was sent (a long `after` is a late report).
    Delivered {
        /// How long after the send.
        after: Duration,
    },
    /// A final failure with this TP-ST (e.g. 0x46, validity period expired), `after` the send.
    Failed {
        /// TP-ST.
        status: u8,
        /// How long after the send.
        after: Duration,
    },
}

/// A message in a slot of the SIM's store.
#[derive(Debug, Clone)]
struct Stored {
    index: u16,
    /// `0` unread, `1` read (`+CMGL` and `+CMGR` status).
    stat: u8,
    hex: String,
    tpdu_len: usize,
}

/// A PDU on its way to the SIM.
#[derive(Debug, Clone)]
struct Arrival {
    due: Instant,
    hex: String,
    tpdu_len: usize,
    /// A status report (`+CDSI`) rather than a message (`+CMTI`).
    report: bool,
    /// Whether the modem says so (`false`: it came while the branch was not listening).
    announce: bool,
}

impl Simulator {
    /// Sets what the network reports on the parts sent from now on.
    pub fn set_reports(&self, reports: Reports) {
        self.shared.lock().reports = reports;
    }

    /// Sets how many messages the SIM holds.
    pub fn set_sim_capacity(&self, capacity: usize) {
        self.shared.lock().sim_capacity = capacity.max(1);
    }

    /// A phone sends `text` to the branch's SIM: one SMS-DELIVER per part (UCS-2 when the text
    /// needs it), stored on the SIM and announced with `+CMTI` — or kept back by the network
    /// while the SIM is full, until the host deletes something.
    pub fn send_to_branch(&self, from: &str, text: &str) {
        self.queue_incoming(from, text, true);
    }

    /// Like [`Simulator::send_to_branch`], but the message reached the SIM while nobody was
    /// listening: stored without a notice, for the start-up sweep to find.
    pub fn store_on_sim(&self, from: &str, text: &str) {
        self.queue_incoming(from, text, false);
    }

    /// How many messages the SIM holds now, and how many the network still keeps back.
    pub fn sim_messages(&self) -> (usize, usize) {
        let records = self.shared.lock();
        (records.sim_store.len(), records.arriving.len())
    }

    /// Waits until the SIM is empty and the network keeps nothing back, or `timeout`.
    pub fn wait_sim_empty(&self, timeout: Duration) -> (usize, usize) {
        let deadline = Instant::now() + timeout;
        loop {
            let counts = self.sim_messages();
            if counts == (0, 0) || Instant::now() >= deadline {
                return counts;
            }
            thread::sleep(POLL_INTERVAL);
        }
    }

    fn queue_incoming(&self, from: &str, text: &str, announce: bool) {
        let sent_at = network_now(Duration::ZERO);
        let mut records = self.shared.lock();
        let reference = records.incoming_reference;
        records.incoming_reference = reference.wrapping_add(1);
        let Ok(parts) = from_network::encode_deliver(from, text, sent_at, reference) else {
            return;
        };
        let due = Instant::now();
        for (hex, tpdu_len) in parts {
            records.arriving.push_back(Arrival {
                due,
                hex,
                tpdu_len,
                report: false,
                announce,
            });
        }
        if !announce {
            // Nobody listening: straight onto the SIM, if there is room.
            records.store_arrivals(due, false);
        }
        self.shared.changed.notify_all();
    }
}

/// The network's clock at `after` from now, in its time zone.
#[allow(
    clippy::disallowed_methods,
    reason = "the simulated network keeps its own time, as a real one does; the server's clock is not its"
)]
fn network_now(after: Duration) -> chrono::DateTime<chrono::FixedOffset> {
    use chrono::Offset;
    let zone = chrono::FixedOffset::east_opt(NETWORK_ZONE_SECONDS).unwrap_or(chrono::Utc.fix());
    let after = chrono::Duration::from_std(after).unwrap_or(chrono::Duration::zero());
    (chrono::Utc::now() + after).with_timezone(&zone)
}

impl Records {
    /// Moves arrivals that are due onto the SIM while it has room; returns the slots filled
    /// that the modem announces, with whether each holds a report. A modem that is on
    /// (`listening`) announces everything, including what the network kept back while the
    /// SIM was full.
    fn store_arrivals(&mut self, now: Instant, listening: bool) -> Vec<(u16, bool)> {
        let capacity = if self.sim_capacity == 0 {
            SIM_CAPACITY
        } else {
            self.sim_capacity
        };
        let mut announced = Vec::new();
        while self.sim_store.len() < capacity && self.arriving.front().is_some_and(|a| a.due <= now)
        {
            let Some(arrival) = self.arriving.pop_front() else {
                break;
            };
            let index = (1..)
                .find(|i| !self.sim_store.iter().any(|s| s.index == *i))
                .unwrap_or(0);
            self.sim_store.push(Stored {
                index,
                stat: 0,
                hex: arrival.hex,
                tpdu_len: arrival.tpdu_len,
            });
            if arrival.announce || listening {
                announced.push((index, arrival.report));
            }
        }
        announced
    }

    /// `AT+CMGR=<index>`: the message, now read.
    fn sim_read(&mut self, args: &str, info: &mut Vec<String>) -> Final {
        let Some(index) = parse_number(args).and_then(|i| u16::try_from(i).ok()) else {
            return Final::Cms(321);
        };
        match self.sim_store.iter_mut().find(|s| s.index == index) {
            Some(stored) => {
                info.push(format!("+CMGR: {},,{}", stored.stat, stored.tpdu_len));
                info.push(stored.hex.clone());
                stored.stat = 1;
                Final::Ok
            }
            None => Final::Cms(321),
        }
    }

    /// `AT+CMGL=<stat>`: 4 (or "ALL") every message, 0 unread, 1 read.
    fn sim_list(&mut self, args: &str, info: &mut Vec<String>) -> Final {
        let wanted = match unquote(args.trim()).to_ascii_uppercase().as_str() {
            "4" | "ALL" => None,
            "0" | "REC UNREAD" => Some(0),
            "1" | "REC READ" => Some(1),
            _ => return Final::Cms(302),
        };
        for stored in &mut self.sim_store {
            if wanted.is_none_or(|w| w == stored.stat) {
                info.push(format!(
                    "+CMGL: {},{},,{}",
                    stored.index, stored.stat, stored.tpdu_len
                ));
                info.push(stored.hex.clone());
                stored.stat = 1;
            }
        }
        Final::Ok
    }
}

impl Modem {
    /// Answers `AT+CMGR`, `AT+CMGL`, `AT+CMGD` and `AT+CPMS?` from the SIM's store when the
    /// line is that one command; `false` leaves the line to [`Modem::execute`].
    fn stored_command(&mut self, now: Instant, command: &str, records: &mut Records) -> bool {
        let upper = command.to_ascii_uppercase();
        let Some(rest) = upper.get(2..) else {
            return false;
        };
        let (name, args) = rest.split_once('=').unwrap_or((rest, ""));
        let known = matches!(name, "+CMGR" | "+CMGL" | "+CMGD") && !args.is_empty() && args != "?";
        if !known && rest != "+CPMS?" {
            return false;
        }
        self.executed = self.executed.wrapping_add(1);
        let at = self.answer_time(now);
        if let Some(refusal) = self.sim_refusal() {
            self.respond(at, &[], refusal);
            return true;
        }
        let mut info = Vec::new();
        let result = match name {
            "+CMGR" => records.sim_read(args, &mut info),
            "+CMGL" => records.sim_list(args, &mut info),
            "+CMGD" => {
                let index = parse_number(args.split(',').next().unwrap_or_default());
                records
                    .sim_store
                    .retain(|s| index.is_none_or(|i| u32::from(s.index) != i));
                Final::Ok
            }
            _ => {
                let used = records.sim_store.len();
                let total = if records.sim_capacity == 0 {
                    SIM_CAPACITY
                } else {
                    records.sim_capacity
                };
                info.push(format!(
                    "+CPMS: \"SM\",{used},{total},\"SM\",{used},{total},\"SM\",{used},{total}"
                ));
                Final::Ok
            }
        };
        self.respond(at, &info, result);
        true
    }

    /// Puts what is due onto the SIM and announces it as `AT+CNMI` asks.
    fn take_arrivals(&mut self, now: Instant, records: &mut Records) {
        if self.sim != Sim::Ready {
            return;
        }
        let mt = self.cnmi_field(1);
        let ds = self.cnmi_field(3);
        for (index, report) in records.store_arrivals(now, true) {
            match (report, mt, ds) {
                (false, 1.., _) => self.urc(now, &format!("+CMTI: \"SM\",{index}")),
                (true, _, 2) => self.urc(now, &format!("+CDSI: \"SM\",{index}")),
                _ => {}
            }
        }
    }

    /// A field of the `AT+CNMI` setting (0 mode, 1 mt, 2 bm, 3 ds, 4 bfr).
    fn cnmi_field(&self, field: usize) -> u8 {
        self.cnmi
            .split(',')
            .nth(field)
            .and_then(|f| f.trim().parse().ok())
            .unwrap_or(0)
    }

    /// Arranges the status report on a part just sent, if it asked for one (TP-SRR, or
    /// `AT+CSMP` in text mode) and the network gives them: as `+CDS` when `AT+CNMI` says
    /// ds 1, stored with `+CDSI` when it says 2.
    fn report_on(
        &mut self,
        done: Instant,
        reference: u8,
        delivery: &Delivery,
        records: &mut Records,
    ) {
        let (to, asked) = match delivery {
            Delivery::Part(part) => (part.destination.clone(), part.status_report),
            Delivery::Text { to, .. } => {
                let first: u8 = self
                    .csmp
                    .split(',')
                    .next()
                    .and_then(|f| f.trim().parse().ok())
                    .unwrap_or(0);
                (to.clone(), first & 0x20 != 0)
            }
        };
        let (status, after) = match records.reports {
            Reports::Never => return,
            Reports::Delivered { after } => (0x00, after),
            Reports::Failed { status, after } => (status, after),
        };
        if !asked {
            return;
        }
        let report = from_network::StatusReport {
            reference,
            recipient: to,
            submitted_at: network_now(Duration::ZERO),
            discharged_at: network_now(after),
            status,
        };
        let Ok((hex, tpdu_len)) = from_network::encode_status_report(&report) else {
            return;
        };
        let due = later(done, after);
        match self.cnmi_field(3) {
            1 => self.schedule(
                due,
                Output::Bytes(format!("\r\n+CDS: {tpdu_len}\r\n{hex}\r\n").into_bytes()),
            ),
            2 => records.arriving.push_back(Arrival {
                due,
                hex,
                tpdu_len,
                report: true,
                announce: true,
            }),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::sms::pdu::{SubmitOptions, encode_submit};

    /// The destination of most tests, an Indonesian mobile number in international form.
    const TO: &str = "+6281234567890";

    /// How long a test waits for an answer that should come.
    const ANSWER_TIMEOUT: Duration = Duration::from_secs(3);

    /// A scratch directory for one test's link, removed when dropped.
    struct TestDir(PathBuf);

    impl TestDir {
        /// Creates a fresh directory under the system's temporary directory.
        fn new() -> TestDir {
            static COUNTER: AtomicU64 = AtomicU64::new(0);
            let dir = std::env::temp_dir().join(format!(
                "modem-sim-test-{}-{}",
                std::process::id(),
                COUNTER.fetch_add(1, Ordering::Relaxed)
            ));
            fs::create_dir_all(&dir).unwrap();
            TestDir(dir)
        }

        /// Returns the link path inside the directory.
        fn link(&self) -> PathBuf {
            self.0.join("modem")
        }
    }

    impl Drop for TestDir {
        /// Removes the directory and the link in it.
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    /// The host side of the serial line, as the driver would use it.
    struct Host {
        /// The opened slave end.
        port: Box<dyn SerialPort>,
        /// Bytes read but not yet consumed by a test.
        pending: Vec<u8>,
    }

    impl Host {
        /// Opens the device behind `link`.
        fn open(link: &Path) -> Host {
            let port = serialport::new(link.to_string_lossy(), 115_200)
                .timeout(Duration::from_millis(20))
                .open()
                .unwrap();
            Host {
                port,
                pending: Vec::new(),
            }
        }

        /// Writes bytes to the modem.
        fn send(&mut self, bytes: &[u8]) {
            self.port.write_all(bytes).unwrap();
        }

        /// Reads until `done` holds for what has arrived or `timeout` passes, and returns (and
        /// consumes) everything that arrived.
        fn read_until(&mut self, timeout: Duration, done: impl Fn(&str) -> bool) -> String {
            let deadline = Instant::now() + timeout;
            let mut buf = [0u8; 512];
            while !done(&String::from_utf8_lossy(&self.pending)) && Instant::now() < deadline {
                match self.port.read(&mut buf) {
                    Ok(len) => self.pending.extend_from_slice(&buf[..len]),
                    Err(err) if err.kind() == io::ErrorKind::TimedOut => {}
                    Err(err) => panic!("reading the modem failed: {err}"),
                }
            }
            String::from_utf8_lossy(&std::mem::take(&mut self.pending)).into_owned()
        }

        /// Reads whatever arrives within `duration`.
        fn read_for(&mut self, duration: Duration) -> String {
            self.read_until(duration, |_| false)
        }

        /// Sends a command line and returns everything up to its final result code.
        fn command(&mut self, line: &str) -> String {
            self.send(format!("{line}\r").as_bytes());
            self.read_until(ANSWER_TIMEOUT, has_final)
        }

        /// Sends one message in PDU mode the way a careful driver does, and returns the answer
        /// after the body.
        fn send_pdu(&mut self, hex: &str, length: usize) -> String {
            self.send(format!("AT+CMGS={length}\r").as_bytes());
            let prompt = self.read_until(ANSWER_TIMEOUT, |seen| {
                seen.ends_with("\r\n> ") || has_final(seen)
            });
            assert!(prompt.ends_with("\r\n> "), "no prompt: {prompt:?}");
            self.send(hex.as_bytes());
            self.send(&[CTRL_Z]);
            self.read_until(ANSWER_TIMEOUT, has_final)
        }
    }

    /// Returns whether `seen` holds a final result code.
    fn has_final(seen: &str) -> bool {
        seen.contains("\r\nOK\r\n")
            || seen.contains("\r\nERROR\r\n")
            || ["+CME ERROR: ", "+CMS ERROR: "].iter().any(|code| {
                seen.find(code)
                    .is_some_and(|at| seen[at..].contains("\r\n"))
            })
    }

    /// Starts a simulator in a fresh directory.
    fn start(config: SimConfig) -> (TestDir, Simulator) {
        let dir = TestDir::new();
        let sim = Simulator::start(&dir.link(), config).unwrap();
        (dir, sim)
    }

    /// Encodes `text` to [`TO`] with the given concatenation reference.
    fn pdus(text: &str, reference: u8) -> Vec<pdu::SubmitPdu> {
        let opts = SubmitOptions {
            reference,
            ..SubmitOptions::default()
        };
        encode_submit(TO, text, &opts).unwrap()
    }

    /// Echo follows ATE and ATZ, split commands are joined, and a line of several commands
    /// answers once.
    #[test]
    fn echo_on_then_off() {
        let (_dir, sim) = start(SimConfig::default());
        let mut host = Host::open(sim.link());
        assert_eq!(host.command("AT"), "AT\r\r\nOK\r\n");
        assert_eq!(host.command("ATE0"), "ATE0\r\r\nOK\r\n");
        assert_eq!(host.command("AT"), "\r\nOK\r\n");
        // A command split over several writes is put together again.
        host.send(b"AT+C");
        thread::sleep(Duration::from_millis(40));
        host.send(b"SQ\r\n");
        assert_eq!(
            host.read_until(ANSWER_TIMEOUT, has_final),
            "\r\n+CSQ: 20,99\r\n\r\nOK\r\n"
        );
        assert_eq!(host.command("ATE1"), "\r\nOK\r\n");
        // A CR LF terminator is echoed whole before the answer.
        host.send(b"AT\r\n");
        assert_eq!(
            host.read_until(ANSWER_TIMEOUT, has_final),
            "AT\r\n\r\nOK\r\n"
        );
        assert_eq!(
            host.command("at+cgmi"),
            "at+cgmi\r\r\nSIMCOM_Ltd\r\n\r\nOK\r\n"
        );
        assert_eq!(host.command("AT+NOSUCH"), "AT+NOSUCH\r\r\nERROR\r\n");
        // ATZ brings back the configured echo; a line of several commands answers once.
        assert_eq!(host.command("ATE0;Z"), "ATE0;Z\r\r\nOK\r\n");
        assert_eq!(host.command("AT"), "AT\r\r\nOK\r\n");
        assert_eq!(
            host.command("ATE0;+CMGF=0;+CMGF?"),
            "ATE0;+CMGF=0;+CMGF?\r\r\n+CMGF: 0\r\n\r\nOK\r\n"
        );
        let commands: Vec<String> = sim.commands().into_iter().map(|(_, c)| c).collect();
        assert_eq!(commands.first().map(String::as_str), Some("AT"));
        assert!(commands.contains(&"AT+CSQ".to_owned()));
        assert!(sim.commands().windows(2).all(|w| w[0].0 <= w[1].0));
    }

    /// A two-part message sent in PDU mode arrives as one text, and the AT+CMGS lines are recorded.
    #[test]
    fn concatenated_pdu_send_arrives_reassembled() {
        let (_dir, sim) = start(SimConfig::default());
        let mut host = Host::open(sim.link());
        let text = "Yth. Bapak Budi, pinjaman gadai No. 2024-0042 atas emas 10 gram jatuh tempo \
                    15/07. Mohon perpanjang atau tebus sebelum tanggal tsb. Bunga {1,25%} per 15 \
                    hari = €12. Terima kasih [Cabang 07]";
        let parts = pdus(text, 42);
        assert_eq!(parts.len(), 2);
        assert!(host.command("AT+CMGF=0").ends_with("\r\nOK\r\n"));
        for (index, part) in parts.iter().enumerate() {
            let answer = host.send_pdu(&part.hex, part.tpdu_len);
            // With echo on, the body comes back before the result.
            assert!(answer.starts_with(&part.hex), "{answer:?}");
            assert!(
                answer.ends_with(&format!("\r\n+CMGS: {index}\r\n\r\nOK\r\n")),
                "{answer:?}"
            );
            if index == 0 {
                assert!(sim.received().is_empty());
            }
        }
        let received = sim.wait_for(1, ANSWER_TIMEOUT);
        assert_eq!(received.len(), 1);
        assert_eq!(received[0].text, text);
        assert_eq!(received[0].to, TO);
        assert_eq!(received[0].parts, 2);
        let cmgs: Vec<String> = sim
            .commands()
            .into_iter()
            .map(|(_, c)| c)
            .filter(|c| c.starts_with("AT+CMGS="))
            .collect();
        let expected: Vec<String> = parts
            .iter()
            .map(|p| format!("AT+CMGS={}", p.tpdu_len))
            .collect();
        assert_eq!(cmgs, expected);
    }

    /// A PDU written without waiting for the prompt is lost, and ESC gets the modem out of the
    /// wait.
    #[test]
    fn bytes_before_the_prompt_are_lost() {
        let (_dir, sim) = start(SimConfig {
            echo: false,
            ..SimConfig::default()
        });
        let mut host = Host::open(sim.link());
        let part = &pdus("Gadai jatuh tempo besok", 0)[0];
        let mut hasty = format!("AT+CMGS={}\r{}", part.tpdu_len, part.hex).into_bytes();
        hasty.push(CTRL_Z);
        host.send(&hasty);
        let answer = host.read_until(ANSWER_TIMEOUT, |seen| seen.ends_with("\r\n> "));
        assert_eq!(answer, "\r\n> ");
        // The modem still waits for the body it never got.
        assert_eq!(host.read_for(Duration::from_millis(200)), "");
        assert!(sim.received().is_empty());
        host.send(&[ESC]);
        assert_eq!(host.read_until(ANSWER_TIMEOUT, has_final), "\r\nOK\r\n");
        assert!(sim.received().is_empty());
        // Waiting for the prompt works.
        assert_eq!(
            host.send_pdu(&part.hex, part.tpdu_len),
            "\r\n+CMGS: 0\r\n\r\nOK\r\n"
        );
        let received = sim.wait_for(1, ANSWER_TIMEOUT);
        assert_eq!(received[0].text, "Gadai jatuh tempo besok");
    }

    /// Bad lengths, bad PDUs, bad parameters and junk get error answers and never a panic.
    #[test]
    fn malformed_pdus_are_refused() {
        let (_dir, sim) = start(SimConfig {
            echo: false,
            ..SimConfig::default()
        });
        let mut host = Host::open(sim.link());
        let part = &pdus("Halo", 0)[0];
        // A length that does not match the TPDU.
        assert_eq!(
            host.send_pdu(&part.hex, part.tpdu_len + 1),
            "\r\n+CMS ERROR: 304\r\n"
        );
        // Not hexadecimal, and an odd number of digits.
        assert_eq!(host.send_pdu("ZZ", 1), "\r\n+CMS ERROR: 304\r\n");
        assert_eq!(host.send_pdu("001", 1), "\r\n+CMS ERROR: 304\r\n");
        // The right length but not an SMS-SUBMIT.
        assert_eq!(host.send_pdu("000000", 2), "\r\n+CMS ERROR: 304\r\n");
        assert_eq!(host.command("AT+CMGS=abc"), "\r\n+CMS ERROR: 304\r\n");
        assert_eq!(host.command("AT+CMGS=0"), "\r\n+CMS ERROR: 304\r\n");
        assert_eq!(host.command("AT+CMGS"), "\r\nERROR\r\n");
        assert_eq!(host.command("AT+CPIN=\""), "\r\nERROR\r\n");
        assert_eq!(host.command("AT+CMGF=7"), "\r\nERROR\r\n");
        assert_eq!(host.command("ATS"), "\r\nERROR\r\n");
        let mut junk: Vec<u8> = (0..=255u8).collect();
        junk.extend_from_slice(b"\r\n\xff\xfe\"\";;\r");
        host.send(&junk);
        host.read_for(Duration::from_millis(100));
        let long = format!("AT{}\r", "A".repeat(3 * MAX_LINE));
        host.send(long.as_bytes());
        assert_eq!(host.read_until(ANSWER_TIMEOUT, has_final), "\r\nERROR\r\n");
        assert_eq!(host.command("AT"), "\r\nOK\r\n");
        assert!(sim.received().is_empty());
    }

    /// Text mode takes plain text with the GSM character set and hexadecimal UCS-2 with UCS2.
    #[test]
    fn text_mode_gsm_and_ucs2() {
        let (_dir, sim) = start(SimConfig {
            echo: false,
            ..SimConfig::default()
        });
        let mut host = Host::open(sim.link());
        assert_eq!(host.command("AT+CMGF=1"), "\r\nOK\r\n");
        assert_eq!(host.command("AT+CSCS=\"GSM\""), "\r\nOK\r\n");
        assert_eq!(host.command("AT+CSCS?"), "\r\n+CSCS: \"GSM\"\r\n\r\nOK\r\n");
        host.send(format!("AT+CMGS=\"{TO}\",145\r").as_bytes());
        assert_eq!(
            host.read_until(ANSWER_TIMEOUT, |s| s.ends_with("> ")),
            "\r\n> "
        );
        host.send(b"Tebus sebelum 15/07, ya.\x1A");
        assert_eq!(
            host.read_until(ANSWER_TIMEOUT, has_final),
            "\r\n+CMGS: 0\r\n\r\nOK\r\n"
        );

        assert_eq!(host.command("AT+CSCS=\"UCS2\""), "\r\nOK\r\n");
        assert_eq!(
            host.command("AT+CSCA?"),
            format!(
                "\r\n+CSCA: \"{}\",145\r\n\r\nOK\r\n",
                ucs2_encode(DEFAULT_SMSC)
            )
        );
        let text = "Terima kasih 🙏 — €5";
        host.send(format!("AT+CMGS=\"{}\"\r", ucs2_encode("081234567890")).as_bytes());
        assert_eq!(
            host.read_until(ANSWER_TIMEOUT, |s| s.ends_with("> ")),
            "\r\n> "
        );
        host.send(ucs2_encode(text).as_bytes());
        host.send(&[CTRL_Z]);
        assert_eq!(
            host.read_until(ANSWER_TIMEOUT, has_final),
            "\r\n+CMGS: 1\r\n\r\nOK\r\n"
        );
        // Invalid UCS-2 and an overlong text are refused.
        host.send(format!("AT+CMGS=\"{}\"\r", ucs2_encode(TO)).as_bytes());
        host.read_until(ANSWER_TIMEOUT, |s| s.ends_with("> "));
        host.send(b"D83D\x1A");
        assert_eq!(
            host.read_until(ANSWER_TIMEOUT, has_final),
            "\r\n+CMS ERROR: 305\r\n"
        );
        assert_eq!(
            host.command("AT+CMGS=\"+62812\""),
            "\r\n+CMS ERROR: 305\r\n"
        );

        let received = sim.wait_for(2, ANSWER_TIMEOUT);
        assert_eq!(received.len(), 2);
        assert_eq!(received[0].to, TO);
        assert_eq!(received[0].text, "Tebus sebelum 15/07, ya.");
        assert_eq!(received[0].parts, 1);
        assert_eq!(received[1].to, "081234567890");
        assert_eq!(received[1].text, text);
    }

    /// A SIM with a PIN refuses SMS commands until the right PIN, and a wrong one costs an attempt.
    #[test]
    fn pin_flow() {
        let (_dir, sim) = start(SimConfig {
            echo: false,
            pin: Some("1234".to_owned()),
            ..SimConfig::default()
        });
        let mut host = Host::open(sim.link());
        assert_eq!(host.command("AT+CPIN?"), "\r\n+CPIN: SIM PIN\r\n\r\nOK\r\n");
        // Without AT+CMEE the refusals are a plain ERROR.
        assert_eq!(host.command("AT+CMGF=0"), "\r\nERROR\r\n");
        assert_eq!(host.command("AT+CMEE=1"), "\r\nOK\r\n");
        assert_eq!(host.command("AT+CMGF=0"), "\r\n+CME ERROR: 11\r\n");
        assert_eq!(host.command("AT+CSCA?"), "\r\n+CME ERROR: 11\r\n");
        assert_eq!(host.command("AT+CMGS=20"), "\r\n+CMS ERROR: 311\r\n");
        assert_eq!(host.command("AT+CREG?"), "\r\n+CREG: 0,0\r\n\r\nOK\r\n");
        assert_eq!(host.command("AT+CPIN=\"0000\""), "\r\n+CME ERROR: 16\r\n");
        assert_eq!(host.command("AT+CPIN?"), "\r\n+CPIN: SIM PIN\r\n\r\nOK\r\n");
        assert_eq!(host.command("AT+CPIN=\"1234\""), "\r\nOK\r\n");
        // Like a SIM800, the modem reports its SMS readiness shortly after the PIN.
        assert_eq!(
            host.read_until(ANSWER_TIMEOUT, |s| s.ends_with("SMS Ready\r\n")),
            "\r\nSMS Ready\r\n"
        );
        assert_eq!(host.command("AT+CPIN?"), "\r\n+CPIN: READY\r\n\r\nOK\r\n");
        assert_eq!(host.command("AT+CREG?"), "\r\n+CREG: 0,1\r\n\r\nOK\r\n");
        assert_eq!(host.command("AT+CMEE=2"), "\r\nOK\r\n");
        assert_eq!(
            host.command("AT+CPIN=\"1234\""),
            "\r\n+CME ERROR: operation not allowed\r\n"
        );
        assert_eq!(host.read_for(Duration::from_millis(150)), "");
    }

    /// Three wrong PINs lock the SIM until the PUK.
    #[test]
    fn wrong_pins_lock_the_sim() {
        let (_dir, sim) = start(SimConfig {
            echo: false,
            pin: Some("1234".to_owned()),
            ..SimConfig::default()
        });
        let mut host = Host::open(sim.link());
        assert_eq!(host.command("AT+CMEE=1"), "\r\nOK\r\n");
        for _ in 0..PIN_ATTEMPTS {
            assert_eq!(host.command("AT+CPIN=9999"), "\r\n+CME ERROR: 16\r\n");
        }
        assert_eq!(host.command("AT+CPIN?"), "\r\n+CPIN: SIM PUK\r\n\r\nOK\r\n");
        assert_eq!(host.command("AT+CPIN=\"1234\""), "\r\n+CME ERROR: 12\r\n");
        assert_eq!(host.command("AT+CMGF=0"), "\r\n+CME ERROR: 12\r\n");
        assert_eq!(host.command("AT+CMGS=20"), "\r\n+CMS ERROR: 316\r\n");
    }

    /// A SIM locked from the start wants its PUK and accepts none.
    #[test]
    fn puk_locked_sim() {
        let (_dir, sim) = start(SimConfig {
            echo: false,
            puk_locked: true,
            ..SimConfig::default()
        });
        let mut host = Host::open(sim.link());
        assert_eq!(host.command("AT+CPIN?"), "\r\n+CPIN: SIM PUK\r\n\r\nOK\r\n");
        assert_eq!(
            host.command("AT+CPIN=\"12345678\",\"1234\""),
            "\r\nERROR\r\n"
        );
    }

    /// Sends fail until registration, and a slow send delays the answers to later commands.
    #[test]
    fn registration_delay_and_send_delay() {
        let (_dir, sim) = start(SimConfig {
            echo: false,
            registration_delay: Duration::from_millis(300),
            cmgs_delay: Duration::from_millis(250),
            ..SimConfig::default()
        });
        let mut host = Host::open(sim.link());
        assert_eq!(host.command("AT+CREG?"), "\r\n+CREG: 0,2\r\n\r\nOK\r\n");
        assert_eq!(host.command("AT+COPS?"), "\r\n+COPS: 0\r\n\r\nOK\r\n");
        let part = &pdus("Halo", 0)[0];
        assert_eq!(
            host.send_pdu(&part.hex, part.tpdu_len),
            "\r\n+CMS ERROR: 331\r\n"
        );
        thread::sleep(Duration::from_millis(300));
        assert_eq!(host.command("AT+CREG?"), "\r\n+CREG: 0,1\r\n\r\nOK\r\n");
        assert_eq!(
            host.command("AT+COPS?"),
            "\r\n+COPS: 0,0,\"Telkomsel\"\r\n\r\nOK\r\n"
        );
        host.send(format!("AT+CMGS={}\r", part.tpdu_len).as_bytes());
        host.read_until(ANSWER_TIMEOUT, |s| s.ends_with("> "));
        host.send(part.hex.as_bytes());
        let sent = Instant::now();
        host.send(&[CTRL_Z]);
        // A command sent during the send is answered after it.
        host.send(b"AT\r");
        let answer = host.read_until(ANSWER_TIMEOUT, |s| s.matches("OK").count() == 2);
        assert!(sent.elapsed() >= Duration::from_millis(250));
        assert_eq!(answer, "\r\n+CMGS: 0\r\n\r\nOK\r\n\r\nOK\r\n");
        assert_eq!(sim.received().len(), 1);
    }

    /// URC noise comes between an echo and its answer and between +CMGS and OK.
    #[test]
    fn urc_noise_between_echo_and_answer() {
        let (_dir, sim) = start(SimConfig {
            urc_noise: true,
            ..SimConfig::default()
        });
        let mut host = Host::open(sim.link());
        let answer = host.command("AT+CSQ");
        // Something comes between the echo and the answer (and an idle report may come before
        // the echo on a slow machine).
        let (_, after_echo) = answer.split_once("AT+CSQ\r").unwrap();
        let noise = after_echo
            .strip_suffix("\r\n+CSQ: 20,99\r\n\r\nOK\r\n")
            .unwrap();
        assert!(
            noise.starts_with("\r\n") && noise.ends_with("\r\n") && noise.len() > 4,
            "{answer:?}"
        );
        let part = &pdus("Halo", 0)[0];
        let answer = host.send_pdu(&part.hex, part.tpdu_len);
        let after_info = answer.split("\r\n+CMGS: 0\r\n").nth(1).unwrap_or_default();
        assert!(
            after_info.ends_with("\r\nOK\r\n") && after_info.len() > 6,
            "{answer:?}"
        );
        assert_eq!(sim.wait_for(1, ANSWER_TIMEOUT).len(), 1);
    }

    /// Injected +CMS errors refuse the given number of sends, which reach no one.
    #[test]
    fn cms_error_fault() {
        let (_dir, sim) = start(SimConfig {
            echo: false,
            ..SimConfig::default()
        });
        let mut host = Host::open(sim.link());
        sim.inject(Fault::CmsError {
            code: 500,
            times: 2,
        });
        let part = &pdus("Halo", 0)[0];
        for _ in 0..2 {
            assert_eq!(
                host.send_pdu(&part.hex, part.tpdu_len),
                "\r\n+CMS ERROR: 500\r\n"
            );
        }
        assert!(sim.received().is_empty());
        assert_eq!(
            host.send_pdu(&part.hex, part.tpdu_len),
            "\r\n+CMGS: 0\r\n\r\nOK\r\n"
        );
        assert_eq!(sim.wait_for(1, ANSWER_TIMEOUT).len(), 1);
    }

    /// A swallowed command gets no answer at all, and a hung modem answers again after recover.
    #[test]
    fn no_answer_and_hang_faults() {
        let (_dir, sim) = start(SimConfig::default());
        let mut host = Host::open(sim.link());
        sim.inject(Fault::NoAnswer {
            prefix: "at+csq".to_owned(),
            times: 1,
        });
        host.send(b"AT+CSQ\r");
        assert_eq!(host.read_for(Duration::from_millis(150)), "");
        assert_eq!(
            host.command("AT+CSQ"),
            "AT+CSQ\r\r\n+CSQ: 20,99\r\n\r\nOK\r\n"
        );
        let csq = sim.commands().iter().filter(|(_, c)| c == "AT+CSQ").count();
        assert_eq!(csq, 2);

        sim.inject(Fault::Hang);
        host.send(b"AT\r");
        assert_eq!(host.read_for(Duration::from_millis(150)), "");
        sim.recover();
        assert_eq!(host.command("AT"), "AT\r\r\nOK\r\n");
    }

    /// Unplugging hangs up the host and removes the link; replugging brings a modem in its
    /// power-on state.
    #[test]
    fn unplug_and_replug() {
        let (_dir, sim) = start(SimConfig {
            pin: Some("1234".to_owned()),
            ..SimConfig::default()
        });
        let mut host = Host::open(sim.link());
        assert_eq!(host.command("ATE0"), "ATE0\r\r\nOK\r\n");
        assert_eq!(host.command("AT+CPIN=1234"), "\r\nOK\r\n");
        let part = &pdus("Halo", 0)[0];
        assert!(host.send_pdu(&part.hex, part.tpdu_len).contains("+CMGS: 0"));

        sim.unplug();
        assert!(fs::symlink_metadata(sim.link()).is_err());
        let mut buf = [0u8; 16];
        let read = host.port.read(&mut buf);
        assert!(
            matches!(read, Ok(0) | Err(_))
                && !matches!(&read, Err(e) if e.kind() == io::ErrorKind::TimedOut),
            "{read:?}"
        );
        drop(host);

        sim.replug().unwrap();
        // The kernel may hand out the same pseudo-terminal number again, so only the link's
        // presence is checked; the modem's reset state below shows that the device is new.
        assert!(fs::read_link(sim.link()).is_ok());
        let mut host = Host::open(sim.link());
        // The new modem is in its power-on state: echo on, PIN needed again.
        let answer = host.command("AT");
        assert!(answer.ends_with("AT\r\r\nOK\r\n"), "{answer:?}");
        let answer = host.command("AT+CPIN?");
        assert!(
            answer.contains("\r\n+CPIN: SIM PIN\r\n\r\nOK\r\n"),
            "{answer:?}"
        );
        assert_eq!(sim.received().len(), 1);
    }

    /// A replugged modem announces itself, and the host sees what it said after it opened the
    /// device.
    #[test]
    fn replug_announces_power_on() {
        let (_dir, sim) = start(SimConfig::default());
        sim.unplug();
        sim.replug().unwrap();
        let mut host = Host::open(sim.link());
        // What the modem said before the host opened the device is lost, so the host sees the
        // end of the power-on messages: all of them unless this machine is very slow.
        let seen = host.read_for(Duration::from_millis(200));
        let power_on = "\r\nRDY\r\n\r\n+CPIN: READY\r\n\r\nCall Ready\r\n\r\nSMS Ready\r\n";
        assert!(power_on.ends_with(&seen), "{seen:?}");
        assert_eq!(host.command("AT"), "AT\r\r\nOK\r\n");
    }

    /// The power-on messages and SMS Ready after the PIN come in order and on time.
    #[test]
    fn power_on_messages_come_in_order() {
        let config = SimConfig {
            pin: Some("1234".to_owned()),
            ..SimConfig::default()
        };
        let start = Instant::now();
        let mut records = Records::default();
        let mut modem = Modem::new(&config, start, true);
        assert_eq!(modem.tick(start, &mut records), b"\r\nRDY\r\n");
        let ready = start + POWER_ON_URC_DELAY;
        assert_eq!(
            modem.tick(ready - Duration::from_millis(1), &mut records),
            b""
        );
        assert_eq!(modem.tick(ready, &mut records), b"\r\n+CPIN: SIM PIN\r\n");
        modem.feed(ready, b"AT+CPIN=1234\r", &mut records);
        assert_eq!(modem.tick(ready, &mut records), b"AT+CPIN=1234\r\r\nOK\r\n");
        let sms_ready = ready + SMS_READY_DELAY;
        assert_eq!(modem.tick(sms_ready, &mut records), b"\r\nSMS Ready\r\n");
        assert_eq!(modem.next_event(), None);
    }

    /// Dropping the simulator removes its link.
    #[test]
    fn drop_removes_the_link() {
        let (dir, sim) = start(SimConfig::default());
        assert!(fs::symlink_metadata(dir.link()).is_ok());
        drop(sim);
        assert!(fs::symlink_metadata(dir.link()).is_err());
    }

    /// Random input with AT fragments, Ctrl-Z and ESC never makes the modem panic.
    #[test]
    fn modem_survives_random_input() {
        let config = SimConfig {
            urc_noise: true,
            pin: Some("1".to_owned()),
            ..SimConfig::default()
        };
        let start = Instant::now();
        let mut modem = Modem::new(&config, start, true);
        let mut records = Records::default();
        let pieces: [&[u8]; 12] = [
            b"AT+CMGS=",
            b"AT+CMGF=1\r",
            b"AT+CPIN=1\r",
            b"AT+CSCS=\"UCS2\"\r",
            b"AT+CMGS=\"00\"\r",
            b"\x1A",
            b"\x1B",
            b"\r",
            b"00",
            b";E0&F+",
            b"\"",
            b"ATS99999999999999=",
        ];
        let mut state: u64 = 0x2545_F491_4F6C_DD1D;
        let mut now = start;
        for _ in 0..20_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let choice = usize::try_from(state % 16).unwrap();
            let bytes: Vec<u8> = match pieces.get(choice) {
                Some(piece) => piece.to_vec(),
                None => state.to_le_bytes().to_vec(),
            };
            modem.feed(now, &bytes, &mut records);
            now += Duration::from_millis(state % 30);
            let _ = modem.tick(now, &mut records);
        }
    }

    /// The UCS-2 and parameter helpers round-trip and reject malformed input.
    #[test]
    fn ucs2_helpers_round_trip() {
        let text = "Rp 1.000 — 👋";
        assert_eq!(ucs2_decode(ucs2_encode(text).as_bytes()).unwrap(), text);
        assert_eq!(ucs2_encode("+62"), "002B00360032");
        assert_eq!(ucs2_decode(b"+02B"), None);
        assert_eq!(ucs2_decode(b"D83D"), None);
        assert_eq!(split_args("\"a,b\", 145"), vec!["\"a,b\"", "145"]);
    }
}
