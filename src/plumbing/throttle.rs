//! Counting attempts per key (a client address, a phone number) in a sliding time window, in
//! memory. Used against password guessing and SMS pumping; a restart forgets the counts, which
//! the account lockouts kept in the database do not.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};

/// Attempts per key within a window.
pub(crate) struct Throttle {
    window: Duration,
    limit: u32,
    hits: Mutex<HashMap<String, VecDeque<DateTime<Utc>>>>,
}

impl Throttle {
    /// Allows `limit` attempts per key in any `window`.
    pub(crate) fn new(limit: u32, window: Duration) -> Throttle {
        Throttle {
            window,
            limit,
            hits: Mutex::new(HashMap::new()),
        }
    }

    /// Whether another attempt for `key` is allowed at `now`.
    pub(crate) fn allows(&self, key: &str, now: DateTime<Utc>) -> bool {
        let mut hits = self
            .hits
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let Some(times) = hits.get_mut(key) else {
            return true;
        };
        while times.front().is_some_and(|t| *t <= now - self.window) {
            times.pop_front();
        }
        u32::try_from(times.len()).unwrap_or(u32::MAX) < self.limit
    }

    /// Records an attempt for `key` at `now`.
    pub(crate) fn record(&self, key: &str, now: DateTime<Utc>) {
        let mut hits = self
            .hits
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // Forget keys with no recent attempts now and then, so memory stays bounded.
        if hits.len() > 10_000 {
            let cutoff = now - self.window;
            hits.retain(|_, times| times.back().is_some_and(|t| *t > cutoff));
        }
        hits.entry(key.to_owned()).or_default().push_back(now);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn limits_within_the_window_only() {
        let t = Throttle::new(2, Duration::minutes(15));
        let t0 = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        assert!(t.allows("a", t0));
        t.record("a", t0);
        t.record("a", t0 + Duration::minutes(1));
        assert!(!t.allows("a", t0 + Duration::minutes(2)));
        assert!(t.allows("b", t0 + Duration::minutes(2)));
        assert!(t.allows("a", t0 + Duration::minutes(15) + Duration::seconds(1)));
    }
}
