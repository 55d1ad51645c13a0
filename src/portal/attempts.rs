//! Login attempts: which number a login code was asked for, kept on the server behind the
//! `pb_login` cookie (issue 11). The cookie holds only a random id; the number, the browser it
//! was asked from and when stay here, in memory, for 15 minutes and for a bounded number of
//! attempts (the oldest makes room). A restart forgets them: the customer types the number
//! again.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};

use crate::plumbing::crypto;
use crate::plumbing::phone::E164;

/// How long the code page remembers the number.
pub(crate) const ATTEMPT_MINUTES: i64 = 15;

/// One attempt: the number, and the browser that asked.
struct Attempt {
    phone: E164,
    binding_hash: [u8; 32],
    issued: DateTime<Utc>,
}

/// The login attempts in progress, by the SHA-256 of their cookie's id.
pub(crate) struct Attempts {
    capacity: usize,
    by_id: Mutex<HashMap<[u8; 32], Attempt>>,
}

impl Attempts {
    /// Room for `capacity` attempts at once (at least one).
    pub(crate) fn new(capacity: usize) -> Attempts {
        Attempts {
            capacity: capacity.max(1),
            by_id: Mutex::new(HashMap::new()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<[u8; 32], Attempt>> {
        self.by_id
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Starts an attempt for `phone` from the browser `binding` (replacing `previous`, its
    /// cookie's id, if any); returns the new id for the cookie.
    pub(crate) fn start(
        &self,
        phone: &E164,
        binding: &str,
        previous: Option<&str>,
        now: DateTime<Utc>,
    ) -> String {
        let id = crypto::random_token();
        let mut by_id = self.lock();
        if let Some(previous) = previous {
            by_id.remove(&crypto::sha256(previous.as_bytes()));
        }
        if by_id.len() >= self.capacity {
            let cutoff = now - Duration::minutes(ATTEMPT_MINUTES);
            by_id.retain(|_, a| a.issued > cutoff);
        }
        if by_id.len() >= self.capacity {
            let oldest = by_id.iter().min_by_key(|(_, a)| a.issued).map(|(k, _)| *k);
            if let Some(oldest) = oldest {
                by_id.remove(&oldest);
            }
        }
        by_id.insert(
            crypto::sha256(id.as_bytes()),
            Attempt {
                phone: phone.clone(),
                binding_hash: crypto::sha256(binding.as_bytes()),
                issued: now,
            },
        );
        id
    }

    /// The number of the attempt `id`, if it is fresh and was started in the browser `binding`.
    pub(crate) fn phone(&self, id: &str, binding: &str, now: DateTime<Utc>) -> Option<E164> {
        let by_id = self.lock();
        let attempt = by_id.get(&crypto::sha256(id.as_bytes()))?;
        let fresh = now - attempt.issued < Duration::minutes(ATTEMPT_MINUTES);
        (fresh && crypto::ct_eq(&attempt.binding_hash, &crypto::sha256(binding.as_bytes())))
            .then(|| attempt.phone.clone())
    }

    /// Ends the attempt `id` (at login).
    pub(crate) fn end(&self, id: &str) {
        self.lock().remove(&crypto::sha256(id.as_bytes()));
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + seconds, 0).unwrap()
    }

    #[test]
    fn an_attempt_leads_to_its_number_only_in_its_browser_for_fifteen_minutes() {
        let attempts = Attempts::new(10);
        let phone = crate::plumbing::phone::normalise("081234567890", "ID").unwrap();
        let id = attempts.start(&phone, "browser-a", None, at(0));
        assert!(!id.contains("81234567890"));
        assert_eq!(
            attempts.phone(&id, "browser-a", at(60)),
            Some(phone.clone())
        );
        assert_eq!(
            attempts.phone(&id, "browser-b", at(60)),
            None,
            "another browser"
        );
        assert_eq!(
            attempts.phone(&id, "browser-a", at(15 * 60)),
            None,
            "too late"
        );
        let again = attempts.start(&phone, "browser-a", Some(&id), at(61));
        assert_eq!(attempts.phone(&id, "browser-a", at(62)), None, "replaced");
        attempts.end(&again);
        assert_eq!(attempts.phone(&again, "browser-a", at(62)), None, "ended");
    }

    #[test]
    fn the_oldest_attempt_makes_room() {
        let attempts = Attempts::new(2);
        let phone = crate::plumbing::phone::normalise("081234567890", "ID").unwrap();
        let first = attempts.start(&phone, "a", None, at(0));
        let second = attempts.start(&phone, "b", None, at(1));
        let third = attempts.start(&phone, "c", None, at(2));
        assert_eq!(attempts.phone(&first, "a", at(3)), None);
        assert!(attempts.phone(&second, "b", at(3)).is_some());
        assert!(attempts.phone(&third, "c", at(3)).is_some());
    }
}
