//! A poor link on loopback: a TCP proxy that carries each direction at a fixed bandwidth and
//! delivers every byte half a round trip after it has left, as a GPRS or a congested satellite
//! link does. `bench sync` runs one in this process between a branch and head office;
//! `pawnbranch bench link` runs one on its own (the integration tests start it as a child
//! process, and a person can put it in front of a head office to try a branch by hand).
//!
//! Each direction is one lane shared by every connection, so two uploads at once share the
//! bandwidth as they would share a modem. A lane reads what arrives in small chunks, keeps each
//! chunk until the bandwidth allows it to leave, then holds it for the one-way delay before
//! writing it on; since it reads no faster than it sends, a fast sender is held back by TCP
//! flow control, as behind a slow modem. An end of stream (or a reset, passed on as an end)
//! follows the bytes before it.

use std::io::{BufRead, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

/// Bytes read at once: small enough that a chunk takes well under a round trip at 12 kbit/s.
const CHUNK: usize = 256;
/// A connection that carries nothing either way for this long is closed, so that no thread
/// outlives a run by much.
const IDLE: Duration = Duration::from_secs(300);
/// The receive buffer of the proxy's sockets. Loopback would otherwise let the kernel take a
/// whole upload at once (megabytes), which would then still cross the link after the sender
/// gave up on it; a modem's link holds a few kilobytes in flight.
const RECEIVE_BUFFER: usize = 16 * 1024;

/// The bandwidth of each direction and the round-trip time of a link.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Shape {
    /// Kilobits (1,000 bits) per second, each direction.
    pub(crate) kbit: u32,
    /// Round-trip time; each direction delays by half of it.
    pub(crate) rtt: Duration,
}

impl Shape {
    /// Bytes per second, each direction.
    pub(crate) fn bytes_per_second(self) -> f64 {
        f64::from(self.kbit) * 1000.0 / 8.0
    }

    /// How long the link alone needs to carry `bytes` one way.
    pub(crate) fn carrying(self, bytes: u64) -> Duration {
        Duration::from_secs_f64(bytes as f64 / self.bytes_per_second())
    }
}

/// One direction of the link.
struct Lane {
    shape: Shape,
    /// When the lane is free to send the next chunk.
    free_at: Mutex<Instant>,
    /// Bytes delivered at the far end.
    carried: AtomicU64,
}

impl Lane {
    fn new(shape: Shape) -> Arc<Lane> {
        Arc::new(Lane {
            shape,
            free_at: Mutex::new(Instant::now()),
            carried: AtomicU64::new(0),
        })
    }

    /// Books the lane for `len` bytes after what is already booked; returns when they have
    /// all left.
    fn book(&self, len: usize) -> Instant {
        let mut free_at = self.free_at.lock().unwrap_or_else(|e| e.into_inner());
        let start = (*free_at).max(Instant::now());
        *free_at = start + self.shape.carrying(len as u64);
        *free_at
    }
}

/// The proxy: listening on loopback, forwarding to `upstream`.
pub(crate) struct Link {
    pub(crate) addr: SocketAddr,
    up: Arc<Lane>,
    down: Arc<Lane>,
    stop: Arc<AtomicBool>,
}

impl Link {
    /// Starts the proxy on an ephemeral loopback port.
    pub(crate) fn start(upstream: SocketAddr, shape: Shape) -> std::io::Result<Link> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let link = Link {
            addr: listener.local_addr()?,
            up: Lane::new(shape),
            down: Lane::new(shape),
            stop: Arc::new(AtomicBool::new(false)),
        };
        let (up, down, stop) = (
            Arc::clone(&link.up),
            Arc::clone(&link.down),
            Arc::clone(&link.stop),
        );
        std::thread::Builder::new()
            .name("link-accept".to_owned())
            .spawn(move || {
                for client in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(client) = client else { continue };
                    let (up, down) = (Arc::clone(&up), Arc::clone(&down));
                    std::thread::spawn(move || connect(client, upstream, &up, &down));
                }
            })?;
        Ok(link)
    }

    /// Bytes delivered so far: towards upstream, and back.
    pub(crate) fn carried(&self) -> (u64, u64) {
        (
            self.up.carried.load(Ordering::SeqCst),
            self.down.carried.load(Ordering::SeqCst),
        )
    }
}

impl Drop for Link {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr);
    }
}

/// Carries one connection both ways until both directions end.
fn connect(client: TcpStream, upstream: SocketAddr, up: &Arc<Lane>, down: &Arc<Lane>) {
    let Ok(server) = TcpStream::connect(upstream) else {
        return;
    };
    for stream in [&client, &server] {
        let _ = socket2::SockRef::from(stream).set_recv_buffer_size(RECEIVE_BUFFER);
    }
    let (Ok(c2), Ok(s2)) = (client.try_clone(), server.try_clone()) else {
        return;
    };
    let up = Arc::clone(up);
    let upward = std::thread::spawn(move || carry(c2, s2, &up));
    carry(server, client, down);
    let _ = upward.join();
}

/// Reads from `from` and, through the lane, writes to `to`.
fn carry(mut from: TcpStream, to: TcpStream, lane: &Arc<Lane>) {
    let _ = from.set_read_timeout(Some(IDLE));
    let (chunks, arrivals) = mpsc::channel::<(Instant, Vec<u8>)>();
    let far = Arc::clone(lane);
    let Ok(reader) = from.try_clone() else { return };
    let delivery = std::thread::spawn(move || deliver(&arrivals, to, &reader, &far));
    let mut buf = [0u8; CHUNK];
    loop {
        // An empty chunk is the end of the stream (or a reset), passed on in order.
        let n = from.read(&mut buf).unwrap_or(0);
        let left = lane.book(n);
        std::thread::sleep(left.saturating_duration_since(Instant::now()));
        if chunks
            .send((left + lane.shape.rtt / 2, buf[..n].to_vec()))
            .is_err()
            || n == 0
        {
            break;
        }
    }
    drop(chunks);
    let _ = delivery.join();
}

/// Writes each chunk when it arrives at the far end.
fn deliver(
    arrivals: &mpsc::Receiver<(Instant, Vec<u8>)>,
    mut to: TcpStream,
    from: &TcpStream,
    lane: &Lane,
) {
    for (at, bytes) in arrivals {
        std::thread::sleep(at.saturating_duration_since(Instant::now()));
        if bytes.is_empty() {
            break;
        }
        if to.write_all(&bytes).is_err() {
            let _ = from.shutdown(Shutdown::Both);
            break;
        }
        lane.carried.fetch_add(bytes.len() as u64, Ordering::SeqCst);
    }
    let _ = to.shutdown(Shutdown::Write);
}

/// The flags of `pawnbranch bench link`.
#[derive(Debug, clap::Args)]
pub(crate) struct LinkArgs {
    /// Where to forward connections, e.g. head office's `127.0.0.1:8081`.
    #[arg(long)]
    upstream: SocketAddr,
    /// Bandwidth of each direction in kbit/s.
    #[arg(long, default_value_t = 12, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    kbit: u32,
    /// Round-trip time in milliseconds (each direction delays by half).
    #[arg(long, default_value_t = 300, value_parser = clap::value_parser!(u64).range(0..=60_000))]
    rtt_ms: u64,
    /// The proxy stops after this many seconds at the latest.
    #[arg(long, default_value_t = 3600, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    seconds: u64,
}

/// `pawnbranch bench link`: prints `listening on http://ADDR`, then the bytes carried each
/// time a line arrives on standard input; stops when standard input closes or after
/// `--seconds`.
pub(crate) fn run(args: &LinkArgs) -> Result<(), String> {
    let shape = Shape {
        kbit: args.kbit,
        rtt: Duration::from_millis(args.rtt_ms),
    };
    let link = Link::start(args.upstream, shape).map_err(|e| format!("cannot listen: {e}"))?;
    println!(
        "pawnbranch bench link ({} kbit/s, {} ms round trip) listening on http://{}",
        args.kbit, args.rtt_ms, link.addr
    );
    let seconds = args.seconds;
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(seconds));
        println!("stopping after {seconds} s");
        std::process::exit(0);
    });
    for line in std::io::stdin().lock().lines() {
        if line.is_err() {
            break;
        }
        let (up, down) = link.carried();
        println!("carried up={up} down={down}");
        let _ = std::io::stdout().flush();
    }
    Ok(())
}
