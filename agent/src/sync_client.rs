//! One sync round with the server: push what it has not acknowledged, then pull its feed.
//! The decisions are [`rma_shared::sync`]'s; this module only moves bytes and stores results.
//! Every step is durable before the next: a round cut anywhere is finished by the next one.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use reqwest::blocking::Client;
use rma_shared::sync::{self, Heads, PullResponse, PushDoc, PushRequest, PushResponse};
use rma_shared::{TicketId, TicketNumber};
use serde::Serialize;
use thiserror::Error;

use crate::store::{LastSync, ServerLink, Store, StoreError};

/// The most bytes one push request carries (it also carries at most `push_batch` tickets).
const PUSH_BYTES: usize = 4 * 1024 * 1024;

/// What a round did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    /// Tickets the server took.
    pub pushed: usize,
    /// Tickets it refused, with why.
    pub refused: Vec<String>,
    /// Tickets pulled and merged.
    pub pulled: usize,
    pub bytes_up: usize,
    pub bytes_down: usize,
    pub duration_ms: u64,
    /// Tickets still waiting to be pushed after the round.
    pub pending: usize,
    /// This agent and the server agreed on every ticket's heads at the end of the round.
    pub verified: bool,
    /// They disagreed: the next round pushes and pulls everything again.
    pub repair_started: bool,
}

/// How far a round has come, for a progress display.
#[derive(Debug, Clone, Copy)]
pub enum Progress {
    Pushed { done: usize, total: usize },
    Pulled { tickets: usize, more: bool },
}

#[derive(Debug, Error)]
pub enum SyncError {
    #[error(
        "this agent is not connected to a server yet: ask the office for a token, then run `rma-agent enroll --server URL --token TOKEN`"
    )]
    NotEnrolled,
    #[error("cannot reach the server at {url} (work goes on offline; sync again later)")]
    Unreachable {
        url: String,
        #[source]
        source: reqwest::Error,
    },
    #[error("the server refused the sync ({status}): {message}")]
    Refused { status: StatusCode, message: String },
    #[error("the server's answer could not be read: {0}")]
    BadAnswer(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl SyncError {
    /// Whether trying again later can help (the background sync backs off and retries).
    pub fn retry_helps(&self) -> bool {
        match self {
            Self::Unreachable { .. } | Self::BadAnswer(_) => true,
            Self::Refused { status, .. } => status.is_server_error(),
            Self::NotEnrolled | Self::Store(_) => false,
        }
    }
}

/// A connection to the server for one round.
#[derive(Debug)]
pub struct Connection {
    client: Client,
    link: ServerLink,
    site: String,
}

impl Connection {
    /// Connects `store`'s site to the server it is enrolled with.
    pub fn open(store: &Store) -> Result<Self, SyncError> {
        Ok(Self {
            client: client(),
            link: store.server()?.ok_or(SyncError::NotEnrolled)?,
            site: store.site().to_string(),
        })
    }

    fn url(&self, path: &str) -> String {
        format!(
            "{}/api/v1/sync/{}/{path}",
            self.link.url.trim_end_matches('/'),
            self.site
        )
    }

    fn unreachable(&self, source: reqwest::Error) -> SyncError {
        SyncError::Unreachable {
            url: self.link.url.clone(),
            source,
        }
    }

    /// Reads a binary answer, or turns an error answer into a `Refused`.
    fn answer(&self, response: reqwest::blocking::Response) -> Result<Vec<u8>, SyncError> {
        let status = response.status();
        let body = response.bytes().map_err(|e| self.unreachable(e))?.to_vec();
        if status.is_success() {
            return Ok(body);
        }
        let message = serde_json::from_slice::<serde_json::Value>(&body)
            .ok()
            .and_then(|v| v["message"].as_str().map(str::to_owned))
            .unwrap_or_else(|| String::from_utf8_lossy(&body).into_owned());
        Err(SyncError::Refused { status, message })
    }

    fn push(&self, request: &PushRequest) -> Result<(PushResponse, usize, usize), SyncError> {
        let body = sync::encode(request);
        let sent = body.len();
        let response = self
            .client
            .post(self.url("push"))
            .bearer_auth(&self.link.token)
            .header("content-type", sync::CONTENT_TYPE)
            .body(body)
            .send()
            .map_err(|e| self.unreachable(e))?;
        let bytes = self.answer(response)?;
        let decoded = sync::decode(&bytes).map_err(|e| SyncError::BadAnswer(e.to_string()))?;
        Ok((decoded, sent, bytes.len()))
    }

    fn pull(&self, cursor: u64, pending: usize) -> Result<(PullResponse, usize), SyncError> {
        let response = self
            .client
            .get(format!(
                "{}?cursor={cursor}&pending={pending}",
                self.url("pull")
            ))
            .bearer_auth(&self.link.token)
            .send()
            .map_err(|e| self.unreachable(e))?;
        let bytes = self.answer(response)?;
        let decoded = sync::decode(&bytes).map_err(|e| SyncError::BadAnswer(e.to_string()))?;
        Ok((decoded, bytes.len()))
    }
}

/// An HTTP client for talking to the server.
pub fn client() -> Client {
    Client::builder()
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(120))
        .build()
        .expect("an HTTP client with default TLS settings builds")
}

/// Runs one round: push every pending ticket, then pull the feed to its end.
pub fn sync_once(
    store: &Store,
    push_batch: usize,
    progress: &mut dyn FnMut(Progress),
) -> Result<Report, SyncError> {
    let started = Instant::now();
    let conn = Connection::open(store)?;
    let mut report = Report::default();
    push_pending(store, &conn, push_batch, progress, &mut report)?;
    pull_feed(store, &conn, progress, &mut report)?;
    report.pending = store.pending()?.len();
    report.duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    store.set_last_sync(&LastSync {
        at: chrono::Utc::now(),
        pushed: report.pushed,
        pulled: report.pulled,
    })?;
    Ok(report)
}

/// Pushes every ticket with changes the server has not acknowledged, `push_batch` a request.
pub fn push_pending(
    store: &Store,
    conn: &Connection,
    push_batch: usize,
    progress: &mut dyn FnMut(Progress),
    report: &mut Report,
) -> Result<(), SyncError> {
    let mut queue: std::collections::VecDeque<TicketNumber> = store.pending()?.into();
    let total = queue.len();
    let mut retried_whole = false;
    while !queue.is_empty() {
        let mut docs = Vec::new();
        let mut sent: Vec<(TicketId, TicketNumber, Heads)> = Vec::new();
        let mut bytes = 0;
        while docs.len() < push_batch.max(1) && (bytes <= PUSH_BYTES || docs.is_empty()) {
            let Some(number) = queue.pop_front() else {
                break;
            };
            let acked = store.acked(&number)?;
            let Some(stored) = store.tickets().read_stored(&number)? else {
                // A mark left for a ticket that is not here: nothing to send.
                store.clear_pending(&number)?;
                continue;
            };
            if stored.heads == acked {
                store.clear_pending(&number)?;
                continue;
            }
            let push = if acked.is_empty() {
                // The server has none of it: the stored document goes as it is.
                PushDoc {
                    id: stored.summary.id,
                    number: number.clone(),
                    base: acked,
                    bytes: stored.doc,
                }
            } else {
                let mut doc = store.load(&number)?;
                match sync::outgoing(&mut doc, &acked) {
                    Some(push) => push,
                    None => continue,
                }
            };
            bytes += push.bytes.len();
            sent.push((push.id, number, stored.heads));
            docs.push(push);
        }
        if docs.is_empty() {
            continue;
        }
        let (answer, up, down) = conn.push(&PushRequest { docs })?;
        report.bytes_up += up;
        report.bytes_down += down;
        for result in &answer.results {
            match result {
                sync::PushResult::Accepted { .. } => report.pushed += 1,
                sync::PushResult::Refused {
                    reason,
                    send_whole: false,
                    ..
                } => report.refused.push(reason.clone()),
                sync::PushResult::Refused { .. } => {}
            }
        }
        let again = store.take_push_results(&sent, &answer.results)?;
        // Tickets the server could not place are sent again whole, once per round.
        if !again.is_empty() && !retried_whole {
            retried_whole = true;
            queue.extend(again);
        }
        progress(Progress::Pushed {
            done: report.pushed,
            total,
        });
    }
    Ok(())
}

/// Pulls the feed from the stored cursor to its end, storing each page with its cursor.
pub fn pull_feed(
    store: &Store,
    conn: &Connection,
    progress: &mut dyn FnMut(Progress),
    report: &mut Report,
) -> Result<(), SyncError> {
    let mut cursor = store.cursor()?;
    loop {
        let pending = store.pending()?.len();
        let (page, down) = conn.pull(cursor, pending)?;
        report.bytes_down += down;
        report.pulled += page.entries.len();
        store.absorb_pulled(&page.entries, page.cursor)?;
        cursor = page.cursor;
        progress(Progress::Pulled {
            tickets: report.pulled,
            more: page.more,
        });
        if !page.more {
            if let Some(theirs) = page.digest
                && store.pending()?.is_empty()
            {
                let ours = store.tickets().digest()?;
                report.verified = ours == theirs;
                if !report.verified {
                    tracing::warn!(%ours, %theirs, "this agent and the server disagree; syncing everything again");
                    store.reset_sync()?;
                    report.repair_started = true;
                }
            }
            return Ok(());
        }
    }
}

/// Checks a server address and token: `Ok(true)` if the server accepts the token,
/// `Ok(false)` if it cannot be reached now.
pub fn check_link(link: &ServerLink) -> Result<bool, SyncError> {
    let response = client()
        .get(format!("{}/api/v1/sites", link.url.trim_end_matches('/')))
        .bearer_auth(&link.token)
        .send();
    match response {
        Ok(response) if response.status().is_success() => Ok(true),
        Ok(response) => {
            let status = response.status();
            let message = response
                .json::<serde_json::Value>()
                .ok()
                .and_then(|v| v["message"].as_str().map(str::to_owned))
                .unwrap_or_default();
            Err(SyncError::Refused { status, message })
        }
        Err(_) => Ok(false),
    }
}
