//! The office's people: the directory of accounts (rma_store::people), kept in the server's
//! store and sent to every agent with sync, so a person signs in at any bench too.

pub use rma_shared::people::{Account as User, Role};
pub use rma_store::people::{PeopleError as UserError, SESSION_HOURS};

use rma_store::people::People;

use crate::store::ServerStore;

impl ServerStore {
    /// The accounts and sessions.
    pub fn people(&self) -> People {
        People::over(self.kv().clone())
    }
}
