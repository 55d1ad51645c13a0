//! The server's one event-loop thread (on `mio`) and its worker threads.
//!
//! The loop accepts, reads and writes every connection without blocking; a worker
//! (`workers.rs`) only runs the handler on a request the loop has read completely, serialises
//! the response and hands the bytes back (a channel and a [`Waker`]). So the number of threads is fixed whatever the
//! clients do, and a client that sends slowly, or stops, costs a little memory and a slot
//! among `max_connections`, never a thread.
//!
//! Each connection is a small state machine with a deadline in every state where the client
//! owes us something (see [`Phase`]); at the connection limit the one that has waited longest
//! for a complete request is closed to make room (see [`Loop::make_room`]).

use std::collections::HashMap;
use std::io::{ErrorKind, Read, Write};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use log::{error, info, warn};
use mio::net::{TcpListener, TcpStream};
use mio::{Events, Interest, Poll, Token, Waker};

use super::wire::{self, Chunked, Decoded, Framed, Framing, Head, Parsed};
use super::workers::{self, Done, Job, empty};
use super::{Handler, Options, Rejection, RejectionPage, Request};

const LISTENER: Token = Token(usize::MAX - 1);
const WAKER: Token = Token(usize::MAX);
/// How often the loop looks at the shutdown flag when nothing happens.
const TICK: Duration = Duration::from_millis(100);
/// How long a connection is drained after its last response, so that a client still sending
/// (a refused upload) reads the response instead of a reset.
const LINGER: Duration = Duration::from_secs(2);
/// How long a shutdown waits for the requests with a worker and the responses being written.
const SHUTDOWN_WAIT: Duration = Duration::from_secs(30);
/// How long accepting pauses after running out of file descriptors or memory.
const ACCEPT_PAUSE: Duration = Duration::from_millis(100);
/// Bytes read from a socket at a time.
const READ_CHUNK: usize = 16 * 1024;

/// What a connection is doing, and so which deadline applies.
enum Phase {
    /// Waiting for a request head: from accept or from the end of the previous response
    /// (keep-alive idle until the first byte). Deadline: `head_timeout` from the first byte
    /// (from accept for a new connection), or `idle_timeout` while nothing has arrived after
    /// a response.
    Head { idle: bool },
    /// Reading the body; the deadline moves on with the bytes received (see [`body_deadline`]).
    Body(Box<Reading>),
    /// The request is with a worker: no deadline, nothing read.
    Worker,
    /// Writing the response; deadline `write_timeout` from the last progress.
    Writing,
    /// The last response is written and the write side shut: discarding input until the
    /// client closes, for at most [`LINGER`].
    Closing,
}

/// A request whose body is being read.
struct Reading {
    head: Head,
    chunked: Chunked,
    started: Instant,
}

/// One client connection.
struct Conn {
    stream: TcpStream,
    peer: SocketAddr,
    phase: Phase,
    /// Bytes received and not yet used (the start of the next head, pipelined requests).
    input: Vec<u8>,
    output: Vec<u8>,
    written: usize,
    /// When this connection began waiting for its current request; the eviction order.
    waiting_since: Instant,
    deadline: Instant,
    /// Close once the output is written.
    close_after_write: bool,
    /// Bytes of request this connection holds, as last counted in [`Loop::buffered`].
    counted: usize,
}

/// What the loop must do with a connection after driving it.
enum Step {
    Keep,
    Close,
    Dispatch(Box<Job>),
}

/// The loop's state.
pub(super) struct Loop {
    poll: Poll,
    listener: Option<TcpListener>,
    conns: HashMap<Token, Conn>,
    next_token: usize,
    jobs: Option<Sender<Job>>,
    done: Receiver<Done>,
    options: Options,
    shutdown: Arc<AtomicBool>,
    /// Set when the listener failed by itself rather than being asked to stop.
    failed: Arc<AtomicBool>,
    /// Accepting is paused until then after a transient accept error.
    accept_paused_until: Option<Instant>,
    /// No connection's deadline is earlier (it may be later: then a scan finds nothing).
    next_deadline: Instant,
    /// Bytes of requests held by connections still reading them (bodies and input), bounded
    /// by `Options::body_memory_bytes` (see [`Loop::shed`]).
    buffered: usize,
    shedding: bool,
    sheddings: Throttled,
    evictions: Throttled,
}

/// A running loop: its thread, which joins the workers before it ends.
pub(super) struct Running {
    pub(super) thread: JoinHandle<()>,
    /// Set when the listener failed by itself rather than being asked to stop.
    pub(super) failed: Arc<AtomicBool>,
}

/// Starts the workers and the loop on `listener`.
pub(super) fn start(
    listener: std::net::TcpListener,
    options: Options,
    handler: Arc<Handler>,
    rejection: Arc<RejectionPage>,
    shutdown: Arc<AtomicBool>,
) -> std::io::Result<Running> {
    listener.set_nonblocking(true)?;
    let mut listener = TcpListener::from_std(listener);
    let poll = Poll::new()?;
    poll.registry()
        .register(&mut listener, LISTENER, Interest::READABLE)?;
    let waker = Arc::new(Waker::new(poll.registry(), WAKER)?);
    let (jobs_tx, jobs_rx) = std::sync::mpsc::channel::<Job>();
    let (done_tx, done_rx) = std::sync::mpsc::channel::<Done>();
    let jobs_rx = Arc::new(Mutex::new(jobs_rx));
    let mut workers = Vec::with_capacity(options.workers);
    for n in 0..options.workers {
        let (jobs, done, waker) = (Arc::clone(&jobs_rx), done_tx.clone(), Arc::clone(&waker));
        let (handler, rejection, shutdown) = (
            Arc::clone(&handler),
            Arc::clone(&rejection),
            Arc::clone(&shutdown),
        );
        let worker = std::thread::Builder::new()
            .name(format!("http-{n}"))
            .spawn(move || {
                workers::work(&jobs, &done, &waker, &*handler, &*rejection, &shutdown)
            })?;
        workers.push(worker);
    }
    let failed = Arc::new(AtomicBool::new(false));
    let mut event_loop = Loop {
        poll,
        listener: Some(listener),
        conns: HashMap::new(),
        next_token: 0,
        jobs: Some(jobs_tx),
        done: done_rx,
        options,
        shutdown,
        failed: Arc::clone(&failed),
        accept_paused_until: None,
        next_deadline: Instant::now() + TICK,
        buffered: 0,
        shedding: false,
        sheddings: Throttled::default(),
        evictions: Throttled::default(),
    };
    let loop_failed = Arc::clone(&failed);
    let thread = std::thread::Builder::new()
        .name("http".to_owned())
        .spawn(move || {
            if let Err(e) = event_loop.run() {
                error!("http: {e}; shutting down to be restarted");
                loop_failed.store(true, Ordering::SeqCst);
                event_loop.shutdown.store(true, Ordering::SeqCst);
            }
            event_loop.finish();
            for w in workers {
                if w.join().is_err() {
                    error!("an HTTP worker thread ended by panic");
                }
            }
        })?;
    Ok(Running { thread, failed })
}

impl Loop {
    /// Serves until the shutdown flag is set, then until the requests already read are
    /// answered. An error is the poll itself failing.
    fn run(&mut self) -> std::io::Result<()> {
        let mut events = Events::with_capacity(1024);
        let mut stopped_at: Option<Instant> = None;
        loop {
            if self.shutdown.load(Ordering::SeqCst) && stopped_at.is_none() {
                self.stop_accepting();
                stopped_at = Some(Instant::now());
            }
            if let Some(at) = stopped_at {
                if self.conns.is_empty() {
                    return Ok(());
                }
                if at.elapsed() > SHUTDOWN_WAIT {
                    warn!(
                        "http: {} request(s) still unanswered {} s after shutdown began; closing them",
                        self.conns.len(),
                        SHUTDOWN_WAIT.as_secs()
                    );
                    return Ok(());
                }
            }
            let timeout = self.timeout(Instant::now());
            if let Err(e) = self.poll.poll(&mut events, Some(timeout)) {
                if e.kind() == ErrorKind::Interrupted {
                    continue;
                }
                return Err(e);
            }
            for event in &events {
                match event.token() {
                    LISTENER => self.accept(),
                    WAKER => self.take_answers(),
                    token => self.drive(token),
                }
            }
            // Answers may arrive between a wake-up and the read of the channel.
            self.take_answers();
            if self
                .accept_paused_until
                .is_some_and(|t| Instant::now() >= t)
            {
                self.accept_paused_until = None;
                self.accept();
            }
            let now = Instant::now();
            if now >= self.next_deadline {
                self.expire(now);
            }
        }
    }

    /// How long to wait for events: until the next deadline, at most a tick.
    fn timeout(&self, now: Instant) -> Duration {
        std::iter::once(self.next_deadline)
            .chain(self.accept_paused_until)
            .map(|t| t.saturating_duration_since(now))
            .fold(TICK, Duration::min)
    }

    /// Accepts every waiting connection.
    fn accept(&mut self) {
        if self.accept_paused_until.is_some() {
            return;
        }
        loop {
            let Some(listener) = &self.listener else {
                return;
            };
            match listener.accept() {
                Ok((stream, peer)) => self.admit(stream, peer),
                Err(e) if e.kind() == ErrorKind::WouldBlock => return,
                Err(e) if is_transient(&e) => {
                    warn!("http: accepting a connection failed ({e}); trying again shortly");
                    self.accept_paused_until = Some(Instant::now() + ACCEPT_PAUSE);
                    return;
                }
                Err(e) if is_for_one_connection(&e) => {}
                Err(e) => {
                    // Nothing more will be accepted: answer what was read, then stop, so the
                    // service manager starts a fresh process.
                    error!("http: the listener stopped ({e}); shutting down to be restarted");
                    self.failed.store(true, Ordering::SeqCst);
                    self.shutdown.store(true, Ordering::SeqCst);
                    return;
                }
            }
        }
    }

    /// Takes a new connection in, making room for it when at the limit.
    fn admit(&mut self, mut stream: TcpStream, peer: SocketAddr) {
        if self.conns.len() >= self.options.max_connections && !self.make_room() {
            self.evictions.note(|n| {
                warn!(
                    "http: {n} connection(s) refused: all {} connections are being answered",
                    self.options.max_connections
                );
            });
            return;
        }
        // Without it, a response written in two pieces waits for the client's delayed ACK.
        if let Err(e) = stream.set_nodelay(true) {
            warn!("http: cannot set TCP_NODELAY: {e}");
        }
        let token = Token(self.next_token);
        self.next_token = (self.next_token + 1) % (usize::MAX - 2);
        let interest = Interest::READABLE | Interest::WRITABLE;
        if let Err(e) = self.poll.registry().register(&mut stream, token, interest) {
            warn!("http: cannot watch a new connection: {e}");
            return;
        }
        let now = Instant::now();
        let conn = Conn {
            stream,
            peer,
            phase: Phase::Head { idle: false },
            input: Vec::new(),
            output: Vec::new(),
            written: 0,
            waiting_since: now,
            deadline: now + self.options.head_timeout,
            close_after_write: false,
            counted: 0,
        };
        self.conns.insert(token, conn);
        // The request is often there already.
        self.drive(token);
    }

    /// At the connection limit: closes the connection that has waited longest for a complete
    /// request, preferring one that owes us nothing (answered and closing, or kept alive and
    /// idle since its last response) over one with a partial head or body or nothing yet since
    /// accept. Connections whose request is with a worker or whose response is being written
    /// are never chosen. A fresh connection is the youngest, so a flood of stalled ones cannot
    /// push out the counter's before its request arrives. Returns whether one was closed.
    fn make_room(&mut self) -> bool {
        let victim = self
            .conns
            .iter()
            .filter_map(|(token, c)| eviction_rank(c).map(|rank| ((rank, c.waiting_since), *token)))
            .min_by_key(|(key, _)| *key)
            .map(|(_, token)| token);
        let Some(token) = victim else {
            return false;
        };
        if let Some(conn) = self.conns.get(&token) {
            let peer = conn.peer;
            self.evictions.note(|n| {
                info!("http: connection limit reached: closed {n} waiting connection(s), the last from {peer}");
            });
        }
        self.close(token);
        true
    }

    /// Advances one connection as far as it can go without blocking.
    fn drive(&mut self, token: Token) {
        let Some(conn) = self.conns.get_mut(&token) else {
            return;
        };
        let step = conn.advance(&self.options, Instant::now());
        if has_deadline(&conn.phase) {
            self.next_deadline = self.next_deadline.min(conn.deadline);
        }
        let held = conn.held();
        self.buffered = self.buffered - conn.counted + held;
        conn.counted = held;
        match step {
            Step::Keep => {}
            Step::Close => self.close(token),
            Step::Dispatch(mut job) => {
                job.token = token;
                let sent = self
                    .jobs
                    .as_ref()
                    .is_some_and(|jobs| jobs.send(*job).is_ok());
                if !sent {
                    self.close(token);
                }
            }
        }
        if self.buffered > self.options.body_memory_bytes {
            self.shed();
        }
    }

    /// Over the memory bound for requests being read: answers 503 to the connections holding
    /// the largest partial bodies, until the total is within the bound again. Bodies that
    /// fill memory and stall lose first; small requests such as the counter's forms go on.
    fn shed(&mut self) {
        if self.shedding {
            return;
        }
        self.shedding = true;
        while self.buffered > self.options.body_memory_bytes {
            let victim = self
                .conns
                .iter()
                .filter(|(_, c)| matches!(c.phase, Phase::Body(_)))
                .max_by_key(|(_, c)| c.counted)
                .map(|(token, _)| *token);
            let Some(token) = victim else {
                break;
            };
            if let Some(conn) = self.conns.get_mut(&token) {
                self.sheddings.note(|n| {
                    warn!("http: too much request data in memory: {n} upload(s) refused with 503");
                });
                conn.respond(busy_response(), true, Instant::now(), &self.options);
            }
            self.drive(token);
        }
        self.shedding = false;
    }

    /// Queues the workers' answers for writing.
    fn take_answers(&mut self) {
        while let Ok(done) = self.done.try_recv() {
            let Some(conn) = self.conns.get_mut(&done.token) else {
                continue;
            };
            conn.respond(done.bytes, done.close, Instant::now(), &self.options);
            self.drive(done.token);
        }
    }

    /// Acts on the deadlines that have passed, and finds the next one.
    fn expire(&mut self, now: Instant) {
        self.next_deadline = now + TICK;
        let mut expired = Vec::new();
        for (token, conn) in &self.conns {
            if !has_deadline(&conn.phase) {
                continue;
            }
            if conn.deadline <= now {
                expired.push(*token);
            } else {
                self.next_deadline = self.next_deadline.min(conn.deadline);
            }
        }
        for token in expired {
            let Some(conn) = self.conns.get_mut(&token) else {
                continue;
            };
            let owes_a_request = match &conn.phase {
                Phase::Head { .. } => !conn.input.is_empty(),
                Phase::Body(_) => true,
                _ => false,
            };
            if owes_a_request {
                conn.respond(timeout_response(), true, now, &self.options);
                self.drive(token);
            } else {
                self.close(token);
            }
        }
    }

    fn close(&mut self, token: Token) {
        if let Some(mut conn) = self.conns.remove(&token) {
            self.buffered -= conn.counted;
            let _ = self.poll.registry().deregister(&mut conn.stream);
        }
    }

    /// Stops accepting and closes every connection whose request is not complete; the
    /// requests with a worker are answered, then their connections close.
    fn stop_accepting(&mut self) {
        if let Some(mut listener) = self.listener.take() {
            let _ = self.poll.registry().deregister(&mut listener);
        }
        let unfinished: Vec<Token> = self
            .conns
            .iter()
            .filter(|(_, c)| !matches!(c.phase, Phase::Worker | Phase::Writing))
            .map(|(t, _)| *t)
            .collect();
        for token in unfinished {
            self.close(token);
        }
        for conn in self.conns.values_mut() {
            conn.close_after_write = true;
        }
    }

    /// After the loop: lets the workers end (they stop when the job channel closes).
    fn finish(&mut self) {
        self.jobs = None;
        self.listener = None;
        self.conns.clear();
    }
}

/// Which phases have a deadline.
fn has_deadline(phase: &Phase) -> bool {
    !matches!(phase, Phase::Worker)
}

/// Eviction order at the connection limit (lower first); `None` for connections not evicted.
fn eviction_rank(conn: &Conn) -> Option<u8> {
    match &conn.phase {
        Phase::Closing => Some(0),
        Phase::Head { idle: true } => Some(1),
        Phase::Head { idle: false } | Phase::Body(_) => Some(2),
        Phase::Worker | Phase::Writing => None,
    }
}

/// Accept errors that pass: out of descriptors or memory (EMFILE, ENFILE, ENOBUFS, ENOMEM).
/// The numbers are Linux's, where the server runs.
fn is_transient(e: &std::io::Error) -> bool {
    matches!(e.raw_os_error(), Some(24 | 23 | 105 | 12)) || e.kind() == ErrorKind::OutOfMemory
}

/// Accept errors about the one connection being accepted (ECONNABORTED, EPROTO, EPERM by a
/// firewall, a signal): skip it and go on.
fn is_for_one_connection(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        ErrorKind::ConnectionAborted | ErrorKind::ConnectionReset | ErrorKind::Interrupted
    ) || matches!(e.raw_os_error(), Some(71 | 1 | 110))
}

/// The answer to a client that did not finish its request in time.
fn timeout_response() -> Vec<u8> {
    let framed = Framed {
        head_only: false,
        close: true,
    };
    wire::serialise(&empty(408), framed).unwrap_or_default()
}

/// The answer to an upload refused because too much request data is in memory: try again.
fn busy_response() -> Vec<u8> {
    let framed = Framed {
        head_only: false,
        close: true,
    };
    let response = empty(503).with_header("Retry-After", "5");
    wire::serialise(&response, framed).unwrap_or_default()
}

/// The body deadline, in the way of Apache's mod_reqtimeout `MinRate`: `body_timeout` from
/// the end of the head, one second more for every `body_min_rate_bytes` received, but never
/// more than `body_timeout` ahead of now. A slow upload that keeps moving is never cut; a
/// trickle below the rate is, however long it keeps trickling.
pub(super) fn body_deadline(
    options: &Options,
    started: Instant,
    received: usize,
    now: Instant,
) -> Instant {
    let rate = options.body_min_rate_bytes.max(1) as f64;
    let earned = Duration::from_secs_f64(received as f64 / rate);
    (started + options.body_timeout + earned).min(now + options.body_timeout)
}

impl Conn {
    /// Bytes of request held: the body being read and the input not yet used.
    fn held(&self) -> usize {
        let body = match &self.phase {
            Phase::Body(reading) => reading.head.request.body.len(),
            _ => 0,
        };
        body + self.input.len()
    }

    /// Writes, reads and parses until the connection must wait (or close, or go to a worker).
    fn advance(&mut self, options: &Options, now: Instant) -> Step {
        loop {
            if self.written < self.output.len() {
                match self.flush(options, now) {
                    Ok(true) => {}
                    Ok(false) if matches!(self.phase, Phase::Writing) => return Step::Keep,
                    Ok(false) => {}
                    Err(_) => return Step::Close,
                }
            }
            if matches!(self.phase, Phase::Writing) {
                self.response_written(options, now);
            }
            match &self.phase {
                Phase::Worker | Phase::Writing => return Step::Keep,
                Phase::Closing => return self.drain(),
                Phase::Head { .. } | Phase::Body(_) => {}
            }
            if let Some(step) = self.parse(options, now) {
                return step;
            }
            // A `100 Continue` queued by the head just parsed goes out before the body comes.
            if self.written < self.output.len() && self.flush(options, now).is_err() {
                return Step::Close;
            }
            match self.read_some() {
                Ok(true) => self.received(options, now),
                Ok(false) => return Step::Keep,
                Err(()) => return Step::Close,
            }
        }
    }

    /// Uses the input received so far; `None` when more is needed.
    fn parse(&mut self, options: &Options, now: Instant) -> Option<Step> {
        if let Phase::Head { .. } = self.phase {
            if self.input.is_empty() {
                return None;
            }
            let remote = Some(self.peer.ip());
            match wire::parse_head(&self.input, remote, &|path| options.body_limit(path)) {
                Parsed::Partial => return None,
                Parsed::Refused(kind, request, method_name) => {
                    return Some(self.refuse(kind, *request, method_name, now));
                }
                Parsed::Complete(head, used) => {
                    self.input.drain(..used);
                    self.start_body(*head, now, options);
                }
            }
        }
        let Phase::Body(reading) = &mut self.phase else {
            return None;
        };
        let max = options.body_limit(&reading.head.request.path);
        let body = &mut reading.head.request.body;
        let used = match reading.head.framing {
            Framing::Length(n) => {
                let take = (n - body.len()).min(self.input.len());
                body.extend_from_slice(&self.input[..take]);
                Decoded::Used(take)
            }
            Framing::Chunked => reading.chunked.decode(&self.input, body, max),
        };
        match used {
            Decoded::Used(n) => {
                self.input.drain(..n);
            }
            Decoded::Refused(kind) => {
                let Phase::Body(reading) = std::mem::replace(&mut self.phase, Phase::Worker) else {
                    return None;
                };
                let Head {
                    mut request,
                    method_name,
                    ..
                } = reading.head;
                request.body = Vec::new();
                return Some(self.refuse(kind, request, method_name, now));
            }
        }
        let complete = match reading.head.framing {
            Framing::Length(n) => reading.head.request.body.len() == n,
            Framing::Chunked => reading.chunked == Chunked::Done,
        };
        if !complete {
            return None;
        }
        let Phase::Body(reading) = std::mem::replace(&mut self.phase, Phase::Worker) else {
            return None;
        };
        let head = reading.head;
        let framed = Framed {
            head_only: head.request.method == super::Method::Head,
            close: !head.keep_alive,
        };
        Some(Step::Dispatch(Box::new(Job {
            token: Token(0),
            request: head.request,
            method_name: head.method_name,
            problem: None,
            framed,
            started: now,
        })))
    }

    /// A complete head: reads its body next, after `100 Continue` when the client asked.
    fn start_body(&mut self, head: Head, now: Instant, options: &Options) {
        if head.expects_continue {
            self.output
                .extend_from_slice(b"HTTP/1.1 100 Continue\r\n\r\n");
        }
        self.deadline = body_deadline(options, now, 0, now);
        self.phase = Phase::Body(Box::new(Reading {
            head,
            chunked: Chunked::Size,
            started: now,
        }));
    }

    /// Sends a rejection to a worker for its page; the connection closes after it.
    fn refuse(
        &mut self,
        kind: Rejection,
        request: Request,
        method_name: String,
        now: Instant,
    ) -> Step {
        self.phase = Phase::Worker;
        self.close_after_write = true;
        let framed = Framed {
            head_only: request.method == super::Method::Head,
            close: true,
        };
        Step::Dispatch(Box::new(Job {
            token: Token(0),
            request,
            method_name,
            problem: Some(kind),
            framed,
            started: now,
        }))
    }

    /// New bytes arrived: a keep-alive connection starts its head deadline, a body moves its
    /// deadline on.
    fn received(&mut self, options: &Options, now: Instant) {
        match &self.phase {
            Phase::Head { idle: true } => {
                self.phase = Phase::Head { idle: false };
                self.deadline = now + options.head_timeout;
            }
            Phase::Body(reading) => {
                let received = reading.head.request.body.len() + self.input.len();
                self.deadline = body_deadline(options, reading.started, received, now);
            }
            _ => {}
        }
    }

    /// Reads one chunk into the input: `Ok(true)` when bytes came, `Ok(false)` when none are
    /// waiting, `Err` when the client closed or the connection failed.
    fn read_some(&mut self) -> Result<bool, ()> {
        let mut chunk = [0u8; READ_CHUNK];
        loop {
            match self.stream.read(&mut chunk) {
                Ok(0) => return Err(()),
                Ok(n) => {
                    self.input.extend_from_slice(&chunk[..n]);
                    return Ok(true);
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => return Ok(false),
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(_) => return Err(()),
            }
        }
    }

    /// Discards what a closing client still sends, until it closes.
    fn drain(&mut self) -> Step {
        loop {
            self.input.clear();
            match self.read_some() {
                Ok(true) => {}
                Ok(false) => return Step::Keep,
                Err(()) => return Step::Close,
            }
        }
    }

    /// Writes what it can: `Ok(true)` when all of the output is written.
    fn flush(&mut self, options: &Options, now: Instant) -> std::io::Result<bool> {
        while self.written < self.output.len() {
            match self.stream.write(&self.output[self.written..]) {
                Ok(0) => return Err(ErrorKind::WriteZero.into()),
                Ok(n) => {
                    self.written += n;
                    if matches!(self.phase, Phase::Writing) {
                        self.deadline = now + options.write_timeout;
                    }
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => return Ok(false),
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        self.output.clear();
        self.written = 0;
        Ok(true)
    }

    /// Queues a response (replacing a pending `100 Continue`, which it makes moot).
    fn respond(&mut self, bytes: Vec<u8>, close: bool, now: Instant, options: &Options) {
        if !matches!(self.phase, Phase::Worker) {
            // A deadline's 408 ends whatever was being read.
            self.input.clear();
        }
        if self.written == 0 {
            self.output.clear();
        }
        self.output.extend_from_slice(&bytes);
        self.close_after_write |= close;
        self.phase = Phase::Writing;
        self.deadline = now + options.write_timeout;
    }

    /// The response is out: wait for the next request, or close.
    fn response_written(&mut self, options: &Options, now: Instant) {
        if self.close_after_write {
            let _ = self.stream.shutdown(std::net::Shutdown::Write);
            self.phase = Phase::Closing;
            self.deadline = now + LINGER;
        } else {
            self.waiting_since = now;
            self.phase = Phase::Head { idle: true };
            self.deadline = now + options.idle_timeout;
            if !self.input.is_empty() {
                // A pipelined request: its head deadline runs from now.
                self.received(options, now);
            }
        }
    }
}

/// Counts events logged at most once per ten seconds (evictions under a flood).
#[derive(Default)]
struct Throttled {
    last: Option<Instant>,
    count: u64,
}

impl Throttled {
    fn note(&mut self, log: impl FnOnce(u64)) {
        self.count += 1;
        let now = Instant::now();
        if self
            .last
            .is_none_or(|t| now.duration_since(t) >= Duration::from_secs(10))
        {
            log(self.count);
            self.count = 0;
            self.last = Some(now);
        }
    }
}
