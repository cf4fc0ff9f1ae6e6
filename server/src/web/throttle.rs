//! Sign-in attempts, limited: a name or a client address with too many wrong passwords in a
//! window must wait (429 with Retry-After, see [`rma_store::people::Throttle`]), and password
//! checks run a few at a time, so guessing and floods of slow Argon2 checks cost an attacker,
//! not the office.

pub use rma_store::people::{PER_NAME, WINDOW};

/// Password checks at once (each takes a core for tens of milliseconds).
pub const CHECKS_AT_ONCE: usize = 2;

/// The failures seen, and the turns for password checks.
#[derive(Debug)]
pub struct Logins {
    pub failures: rma_store::people::Throttle,
    /// Bounds the password checks running at once.
    pub checks: tokio::sync::Semaphore,
}

impl Default for Logins {
    fn default() -> Self {
        Self {
            failures: rma_store::people::Throttle::default(),
            checks: tokio::sync::Semaphore::new(CHECKS_AT_ONCE),
        }
    }
}
