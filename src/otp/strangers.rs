//! The code state of phone numbers that are nobody's (issue 11), so that the portal's login
//! answers a stranger's number exactly as it answers a customer's: the first code, a second
//! request within 30 seconds, wrong codes counting down to the lock, and the lock itself.
//!
//! A stranger's number is kept only in memory, for at most [`Strangers::new`]'s capacity of
//! numbers (the one untouched longest makes room for a new one), and is forgotten at a restart.
//! It goes through the same rules as a customer's ([`super::send`], [`super::check`]): this
//! is only a [`CodeStore`]. Nothing is ever sent to a stranger, and no entered code can be
//! right: the hash kept for a stranger's "code" is random, never the hash of any code.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};

use super::{CodeStore, CodeText, Destination, LiveCode, NewCode, Purpose};
use crate::plumbing::crypto;
use crate::plumbing::ids::CodeId;
use crate::plumbing::phone::E164;

/// The numbers that are nobody's, with their code state.
pub(crate) struct Strangers {
    capacity: usize,
    numbers: Mutex<Numbers>,
}

/// The map behind the lock.
#[derive(Default)]
struct Numbers {
    by_number: HashMap<String, Stranger>,
    /// Counts every use, so the entry untouched longest is the one with the lowest `touched`.
    tick: u64,
}

/// One stranger's number: what a customer's record and codes hold for a customer.
#[derive(Default)]
struct Stranger {
    touched: u64,
    wrong: u32,
    locked: bool,
    /// When codes were "sent" (nothing leaves), and to where.
    sent: Vec<(DateTime<Utc>, String)>,
    codes: Vec<Code>,
}

/// A "code" a stranger was answered as though sent.
struct Code {
    id: CodeId,
    purpose: Purpose,
    binding_hash: [u8; 32],
    /// Random bytes: no entered code hashes to them.
    hash: [u8; 32],
    destination: String,
    created_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    done: bool,
}

impl Strangers {
    /// Room for `capacity` numbers (at least one).
    pub(crate) fn new(capacity: usize) -> Strangers {
        Strangers {
            capacity: capacity.max(1),
            numbers: Mutex::new(Numbers::default()),
        }
    }

    /// Runs `f` on the code state of `phone`, made empty if the number is new here.
    pub(crate) fn with<T>(
        &self,
        phone: &E164,
        now: DateTime<Utc>,
        f: impl FnOnce(&mut StrangerStore<'_>) -> T,
    ) -> T {
        let mut numbers = self
            .numbers
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        numbers.tick += 1;
        let tick = numbers.tick;
        if !numbers.by_number.contains_key(phone.as_str())
            && numbers.by_number.len() >= self.capacity
        {
            let oldest = numbers
                .by_number
                .iter()
                .min_by_key(|(_, s)| s.touched)
                .map(|(number, _)| number.clone());
            if let Some(oldest) = oldest {
                numbers.by_number.remove(&oldest);
            }
        }
        let state = numbers
            .by_number
            .entry(phone.as_str().to_owned())
            .or_default();
        state.touched = tick;
        state.forget_before(now - Duration::days(2));
        f(&mut StrangerStore { state })
    }

    /// How many numbers are kept.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.numbers
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .by_number
            .len()
    }
}

impl Stranger {
    /// Drops what no rule looks at any more (older than a day and a bit).
    fn forget_before(&mut self, cutoff: DateTime<Utc>) {
        self.sent.retain(|(at, _)| *at >= cutoff);
        self.codes.retain(|c| !c.done || c.expires_at >= cutoff);
    }
}

/// One stranger's number, as the rules see it.
pub(crate) struct StrangerStore<'a> {
    state: &'a mut Stranger,
}

impl CodeStore for StrangerStore<'_> {
    fn lock_state(&self) -> rusqlite::Result<(bool, u32)> {
        Ok((self.state.locked, self.state.wrong))
    }

    fn sent_since(
        &self,
        destination: &Destination,
        since: DateTime<Utc>,
    ) -> rusqlite::Result<(u32, Option<DateTime<Utc>>)> {
        // As for a customer: by destination, and by email every code of the number.
        let by_number = matches!(destination, Destination::Email(_));
        let counted = self
            .state
            .sent
            .iter()
            .filter(|(_, to)| by_number || to == destination.as_str());
        let (mut today, mut last) = (0u32, None);
        for (at, _) in counted {
            today += u32::from(*at >= since);
            last = last.max(Some(*at));
        }
        Ok((today, last))
    }

    fn keep(&mut self, code: &NewCode, words: &CodeText) -> rusqlite::Result<()> {
        // The same work as writing a customer's message, and then nothing is sent.
        std::hint::black_box(words.text.replace("{code}", &code.code));
        for old in self
            .state
            .codes
            .iter_mut()
            .filter(|c| c.purpose == code.purpose)
        {
            old.done = true;
        }
        let mut hash = [0u8; 32];
        crypto::fill_random(&mut hash);
        self.state.codes.push(Code {
            id: code.id.clone(),
            purpose: code.purpose,
            binding_hash: code.binding_hash,
            hash,
            destination: code.destination.as_str().to_owned(),
            created_at: code.created_at,
            expires_at: code.expires_at,
            done: false,
        });
        self.state
            .sent
            .push((code.created_at, code.destination.as_str().to_owned()));
        Ok(())
    }

    fn live(
        &self,
        purpose: Purpose,
        binding_hash: &[u8; 32],
    ) -> rusqlite::Result<Option<LiveCode>> {
        Ok(self
            .state
            .codes
            .iter()
            .filter(|c| !c.done && c.purpose == purpose && &c.binding_hash == binding_hash)
            .max_by_key(|c| c.created_at)
            .map(|c| LiveCode {
                id: c.id.clone(),
                hash: c.hash.to_vec(),
                destination: c.destination.clone(),
                expires_at: c.expires_at,
            }))
    }

    fn accept(
        &mut self,
        code: &LiveCode,
        _purpose: Purpose,
        _now: DateTime<Utc>,
    ) -> rusqlite::Result<()> {
        // Unreachable in practice (the kept hash is random); kept true to the rules anyway.
        for c in self.state.codes.iter_mut().filter(|c| c.id == code.id) {
            c.done = true;
        }
        self.state.wrong = 0;
        Ok(())
    }

    fn count_wrong(
        &mut self,
        wrong: u32,
        _max: u32,
        lock: bool,
        _now: DateTime<Utc>,
    ) -> rusqlite::Result<()> {
        self.state.wrong = wrong;
        if lock {
            self.state.locked = true;
            for c in &mut self.state.codes {
                c.done = true;
            }
        }
        Ok(())
    }
}
