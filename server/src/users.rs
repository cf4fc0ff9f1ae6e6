//! The office's people: the directory of accounts (rma_store::people), kept in the server's
//! store and sent to every agent with sync, so a person signs in at any bench too; and
//! sign-in attempts, limited: a name or a client address with too many wrong passwords in a
//! window must wait (429 with Retry-After, see [`rma_store::people::Throttle`]), and password
//! checks run a few at a time, so guessing and floods of slow Argon2 checks cost an attacker,
//! not the office.

pub use rma_shared::people::{Account as User, Role};
pub use rma_store::people::{Logins, PER_NAME, PeopleError as UserError, SESSION_HOURS, WINDOW};
