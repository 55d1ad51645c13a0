//! The worker threads of the HTTP server: each takes a request the event loop has read
//! completely, runs the application's handler (or the rejection page) with panics caught,
//! serialises the response through `wire::serialise` (which refuses unsafe headers) and hands
//! the bytes back to the loop. Kept apart from the loop, which never runs application code.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender};
use std::sync::{Mutex, PoisonError};
use std::time::Instant;

use log::{error, info};
use mio::{Token, Waker};

use super::wire::{self, Framed};
use super::{Handler, Rejection, RejectionPage, Request, Response};

/// A fully read request for a worker.
pub(super) struct Job {
    pub(super) token: Token,
    pub(super) request: Request,
    pub(super) method_name: String,
    /// Answer with this rejection page instead of running the handler.
    pub(super) problem: Option<Rejection>,
    pub(super) framed: Framed,
    pub(super) started: Instant,
}

/// A worker's answer: the serialised response.
pub(super) struct Done {
    pub(super) token: Token,
    pub(super) bytes: Vec<u8>,
    pub(super) close: bool,
}

/// One worker: answers jobs until the loop closes the channel.
pub(super) fn work(
    jobs: &Mutex<Receiver<Job>>,
    done: &Sender<Done>,
    waker: &Waker,
    handler: &Handler,
    rejection: &RejectionPage,
    shutdown: &AtomicBool,
) {
    loop {
        let job = match jobs.lock().unwrap_or_else(PoisonError::into_inner).recv() {
            Ok(job) => job,
            Err(_) => return,
        };
        let answer = answer(job, handler, rejection, shutdown);
        if done.send(answer).is_err() {
            return;
        }
        if let Err(e) = waker.wake() {
            error!("http: cannot wake the event loop: {e}");
        }
    }
}

/// Runs the handler (or the rejection page) and serialises the response; logs the access line.
fn answer(job: Job, handler: &Handler, rejection: &RejectionPage, shutdown: &AtomicBool) -> Done {
    let Job {
        token,
        request,
        method_name,
        problem,
        mut framed,
        started,
    } = job;
    framed.close |= shutdown.load(Ordering::SeqCst);
    let response = match problem {
        Some(kind) => page(rejection, kind, &request),
        None => match catch_unwind(AssertUnwindSafe(|| handler(&request))) {
            Ok(response) => response,
            Err(panic) => {
                let what = panic
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_owned())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_default();
                error!(
                    "http: handler panicked on {method_name} {}: {what}",
                    request.path
                );
                page(rejection, Rejection::Panic, &request)
            }
        },
    };
    let (status, bytes) = match wire::serialise(&response, framed) {
        Ok(bytes) => (response.status, bytes),
        Err(bad) => {
            error!(
                "http: refused to write the header {:?} on {method_name} {}: it contains a control character",
                bad.name, request.path
            );
            let page = page(rejection, Rejection::Panic, &request);
            let bytes = wire::serialise(&page, framed)
                .or_else(|_| wire::serialise(&empty(500), framed))
                .unwrap_or_default();
            (500, bytes)
        }
    };
    info!(
        "{method_name} {} {status} {}ms",
        request.path,
        started.elapsed().as_millis()
    );
    Done {
        token,
        bytes,
        close: framed.close,
    }
}

/// The rejection page, or a bare 500 if rendering it panics.
fn page(rejection: &RejectionPage, kind: Rejection, request: &Request) -> Response {
    catch_unwind(AssertUnwindSafe(|| rejection(kind, request))).unwrap_or_else(|_| {
        error!("http: the rejection page panicked");
        empty(500)
    })
}

/// A response with a status and nothing else, for when no page can be had.
pub(super) fn empty(status: u16) -> Response {
    Response {
        status,
        headers: Vec::new(),
        body: super::Body::Static(b""),
    }
}
