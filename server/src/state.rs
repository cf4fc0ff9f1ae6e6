//! What every request of the server shares: its store and settings, the local admin
//! endpoint's secret and sign-in limits (what the office's pages keep for their next readers
//! is the store's: [`ServerStore::kept`]).

use tokio::sync::Mutex;

use crate::settings::Settings;
use crate::store::ServerStore;

/// What every handler shares.
#[derive(Debug)]
pub struct AppState {
    pub store: ServerStore,
    pub settings: Settings,
    /// The secret of the local admin endpoint (in `server.json`, readable only by the owner).
    pub admin_token: String,
    /// One `rma-server site ...` or `user ...` command at a time (the feed keeps its own
    /// writer lock, in the store).
    pub admin_lock: Mutex<()>,
    /// Sign-in attempts and password checks, limited.
    pub logins: crate::users::Logins,
    /// What each address asked of the customers' status pages lately.
    pub status_limits: crate::web::status::Limits,
    /// One piece of a file taken at a time, and "how far has it come" answered only once the
    /// piece before has kept what arrived.
    pub uploads: crate::api::files::Transfers,
}
