//! The store held open by `rma-agent serve`, shared by what the serve answers: the commands
//! of this PC and the bench page. They work through one [`Desk`], one request at a time, as
//! from one terminal; the background sync reports here how it is doing.

use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use chrono::{DateTime, Utc};

use crate::desk::Desk;

#[derive(Debug)]
pub struct Holder {
    pub desk: Desk,
    /// Requests run one at a time, as they would from one terminal.
    turn: Mutex<()>,
    /// How background sync is doing, and the "sync now" button.
    pub sync: SyncState,
    /// When the last request came (a serve left by a command stops when idle).
    last_request: Mutex<Instant>,
    /// Asked to stop (`rma-agent stop`, or a person's serve taking over).
    pub stop: tokio::sync::Notify,
}

/// The background sync as the bench page shows it.
#[derive(Debug, Default)]
pub struct SyncState {
    /// Wakes the background sync at once.
    pub now: tokio::sync::Notify,
    /// Wakes the sending and fetching of files (after each round of tickets).
    pub files: tokio::sync::Notify,
    /// The last round: when, and why it failed if it did.
    pub last: Mutex<Option<(DateTime<Utc>, Option<String>)>>,
}

impl Holder {
    pub fn new(desk: Desk) -> Self {
        Self {
            desk,
            turn: Mutex::new(()),
            sync: SyncState::default(),
            last_request: Mutex::new(Instant::now()),
            stop: tokio::sync::Notify::new(),
        }
    }

    /// Waits for this request's turn (call off the async threads); noted as the last request.
    pub fn turn(&self) -> MutexGuard<'_, ()> {
        let turn = self.turn.lock().unwrap_or_else(PoisonError::into_inner);
        *self
            .last_request
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Instant::now();
        turn
    }

    /// How long since the last request.
    pub fn idle_for(&self) -> std::time::Duration {
        self.last_request
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .elapsed()
    }

    /// Notes how the last background sync round went.
    pub fn synced(&self, failure: Option<String>) {
        *self
            .sync
            .last
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some((Utc::now(), failure));
    }

    /// The last background round: when, and why it failed.
    pub fn last_sync(&self) -> Option<(DateTime<Utc>, Option<String>)> {
        self.sync
            .last
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}
