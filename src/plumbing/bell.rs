//! A wake-up bell for a background thread that otherwise sleeps between turns: the SMS and
//! email senders and the head office uploader. Ringing it (after committing a queued message,
//! on "Upload now", at shutdown) ends the current sleep at once; a ring that comes while the
//! thread is busy is kept, so the next sleep ends at once instead of being lost.

use std::sync::{Condvar, Mutex, PoisonError};
use std::time::Duration;

/// See the module documentation.
#[derive(Debug, Default)]
pub(crate) struct Bell {
    rung: Mutex<bool>,
    condvar: Condvar,
}

impl Bell {
    /// Rings the bell.
    pub(crate) fn ring(&self) {
        *self.rung.lock().unwrap_or_else(PoisonError::into_inner) = true;
        self.condvar.notify_all();
    }

    /// Sleeps until rung or `timeout` passes.
    pub(crate) fn wait(&self, timeout: Duration) {
        self.wait_unless(timeout, || false);
    }

    /// Sleeps until rung, `timeout` passes, or `done` says so (checked at each wake-up).
    pub(crate) fn wait_unless(&self, timeout: Duration, done: impl Fn() -> bool) {
        let rung = self.rung.lock().unwrap_or_else(PoisonError::into_inner);
        let (mut rung, _) = self
            .condvar
            .wait_timeout_while(rung, timeout, |r| !*r && !done())
            .unwrap_or_else(PoisonError::into_inner);
        *rung = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    #[test]
    fn a_ring_ends_the_next_sleep_even_when_it_comes_first() {
        let bell = Bell::default();
        bell.ring();
        let start = Instant::now();
        bell.wait(Duration::from_secs(5));
        assert!(start.elapsed() < Duration::from_secs(1));
        // The ring was used up: this sleep runs its course.
        let start = Instant::now();
        bell.wait(Duration::from_millis(50));
        assert!(start.elapsed() >= Duration::from_millis(50));
        let start = Instant::now();
        bell.wait_unless(Duration::from_secs(5), || true);
        assert!(start.elapsed() < Duration::from_secs(1));
    }
}
