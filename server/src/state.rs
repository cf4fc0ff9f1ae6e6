//! What every request of the server shares: its store and settings, the local admin
//! endpoint's secret, sign-in limits, and what the office's pages keep for their next readers.

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
    /// What the office's pages work out from many entries, kept for the next readers.
    pub kept: crate::store::office::Kept,
}
