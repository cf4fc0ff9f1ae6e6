//! Sign-in attempts, limited: a name or a client address with too many wrong passwords in a
//! window must wait (429 with Retry-After), and password checks run a few at a time, so
//! guessing and floods of slow Argon2 checks cost an attacker, not the office.

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// Wrong passwords a name may have in a window.
pub const PER_NAME: usize = 10;
/// Wrong passwords one client address may have in a window (an office behind one router
/// shares an address).
pub const PER_ADDRESS: usize = 30;
/// The window.
pub const WINDOW: Duration = Duration::from_secs(15 * 60);
/// Password checks at once (each takes a core for tens of milliseconds).
pub const CHECKS_AT_ONCE: usize = 2;

/// The failures seen, per name and per address.
#[derive(Debug)]
pub struct Throttle {
    failures: Mutex<HashMap<String, VecDeque<Instant>>>,
    /// Bounds the password checks running at once.
    pub checks: tokio::sync::Semaphore,
}

impl Default for Throttle {
    fn default() -> Self {
        Self {
            failures: Mutex::default(),
            checks: tokio::sync::Semaphore::new(CHECKS_AT_ONCE),
        }
    }
}

fn keys(name: &str, address: &str) -> [(String, usize); 2] {
    [
        (format!("name:{}", name.trim().to_lowercase()), PER_NAME),
        (format!("addr:{address}"), PER_ADDRESS),
    ]
}

impl Throttle {
    /// How long the caller must wait before trying `name` from `address` again (none: it
    /// may try now).
    pub fn wait(&self, name: &str, address: &str, now: Instant) -> Option<Duration> {
        let mut failures = self.failures.lock().unwrap_or_else(PoisonError::into_inner);
        keys(name, address)
            .into_iter()
            .filter_map(|(key, limit)| {
                let seen = failures.get_mut(&key)?;
                while seen
                    .front()
                    .is_some_and(|at| now.duration_since(*at) >= WINDOW)
                {
                    seen.pop_front();
                }
                (seen.len() >= limit).then(|| WINDOW - now.duration_since(seen[0]))
            })
            .max()
    }

    /// Notes a wrong password.
    pub fn failed(&self, name: &str, address: &str, now: Instant) {
        let mut failures = self.failures.lock().unwrap_or_else(PoisonError::into_inner);
        for (key, _) in keys(name, address) {
            failures.entry(key).or_default().push_back(now);
        }
    }

    /// A right password clears the name's failures (not the address's).
    pub fn succeeded(&self, name: &str) {
        let mut failures = self.failures.lock().unwrap_or_else(PoisonError::into_inner);
        failures.remove(&keys(name, "")[0].0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_waits_after_too_many_wrong_passwords_until_the_window_passes() {
        let throttle = Throttle::default();
        let start = Instant::now();
        for i in 0..PER_NAME {
            assert_eq!(throttle.wait("li.wei", "a", start), None, "attempt {i}");
            throttle.failed("li.wei", "a", start);
        }
        let wait = throttle
            .wait("LI.WEI", "b", start)
            .expect("the name must wait");
        assert_eq!(wait, WINDOW);
        assert_eq!(
            throttle.wait("fiona", "b", start),
            None,
            "other names may go on"
        );
        let later = start + WINDOW;
        assert_eq!(
            throttle.wait("li.wei", "a", later),
            None,
            "after the window"
        );
    }

    #[test]
    fn an_address_waits_after_too_many_wrong_passwords_over_any_names() {
        let throttle = Throttle::default();
        let now = Instant::now();
        for i in 0..PER_ADDRESS {
            throttle.failed(&format!("guess{i}"), "client-a", now);
        }
        assert!(throttle.wait("anyone", "client-a", now).is_some());
        assert_eq!(throttle.wait("anyone", "elsewhere", now), None);
        throttle.succeeded("guess1");
        assert!(
            throttle.wait("guess1", "client-a", now).is_some(),
            "the address still waits"
        );
    }
}
