//! The office's people: the directory of accounts (rma_store::people), kept in the server's
//! store and sent to every agent with sync, so a person signs in at any bench too; and
//! sign-in attempts, limited: a name or a client address with too many wrong passwords in a
//! window must wait (429 with Retry-After, see [`rma_store::people::Throttle`]), and password
//! checks run a few at a time, so guessing and floods of slow Argon2 checks cost an attacker,
//! not the office.

pub use rma_shared::people::{Account as User, Role};
pub use rma_store::people::{PER_NAME, PeopleError as UserError, SESSION_HOURS, WINDOW};

use rma_store::people::People;

use crate::store::ServerStore;

impl ServerStore {
    /// The accounts and sessions.
    pub fn people(&self) -> People {
        People::over(self.kv().clone())
    }
}

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
