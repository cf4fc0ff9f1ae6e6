//! One sync round with the server: push what it has not acknowledged, then pull its feed.
//! The decisions are [`rma_shared::sync`]'s; this module only moves bytes and stores results.
//! Every step is durable before the next: a round cut anywhere is finished by the next one.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use reqwest::StatusCode;
use reqwest::blocking::Client;
use rma_shared::automerge::ActorId;
use rma_shared::clock::Reading;
use rma_shared::i18n::{Lang, Localized};
use rma_shared::sync::{
    self, BindRequest, FetchRequest, FetchResponse, Heads, PAGE_BYTES, PullResponse, PushDoc,
    PushRequest, PushResponse, ScopeRequest, ScopeResponse, TreeNode,
};
use rma_shared::tr;
use rma_shared::{TicketId, TicketNumber};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::store::{LastSync, Refused, ServerLink, Store, StoreError};

mod files;
pub use files::{FilesReport, fetch_file, files_round};

/// What a round did.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
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
    /// They disagreed: how many tickets were found to differ, fetched and sent again.
    pub repaired: usize,
    /// Tickets let go: the server holds them, but no longer for this site (moved away, or
    /// the site no longer holds every ticket).
    #[serde(default)]
    pub let_go: usize,
    /// This PC's clock against the server's, as the round measured it.
    #[serde(default)]
    pub clock: Option<rma_shared::clock::Reading>,
    /// What finding them cost, in bytes both ways.
    pub repair_bytes: usize,
    /// Photos and documents moved after the tickets.
    #[serde(default)]
    pub files: FilesReport,
    /// Why files could not move this round (they wait for the next), if they could not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub files_error: Option<String>,
    /// Files still to send or fetch after the round.
    #[serde(default)]
    pub files_waiting: crate::store::FilesWaiting,
}

/// How far a round has come, for a progress display.
#[derive(Debug, Clone, Copy)]
pub enum Progress {
    Pushed { done: usize, total: usize },
    Pulled { tickets: usize, more: bool },
}

#[derive(Debug, Error)]
pub enum SyncError {
    NotEnrolled,
    Certificate {
        url: String,
        problem: crate::http::CertProblem,
    },
    Unreachable {
        url: String,
        #[source]
        source: reqwest::Error,
    },
    Refused {
        status: StatusCode,
        message: String,
    },
    /// The office revoked this site. A round that hears it lets go of every ticket the server
    /// holds all of and says what it did; other requests only pass it on.
    Revoked(Option<LetGo>),
    BadAnswer(String),
    Lost(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Localized for SyncError {
    fn message(&self, lang: Lang) -> String {
        match self {
            Self::NotEnrolled => tr!(lang, "sync-not-enrolled"),
            Self::Certificate { url, problem } => tr!(
                lang,
                "sync-certificate",
                url = url.as_str(),
                problem = problem.message(lang)
            ),
            Self::Unreachable { url, .. } => tr!(lang, "sync-unreachable", url = url.as_str()),
            Self::Refused { status, message } => tr!(
                lang,
                "sync-server-refused",
                status = status.to_string(),
                message = message.as_str()
            ),
            Self::Revoked(None) => tr!(lang, "sync-revoked"),
            Self::Revoked(Some(LetGo { let_go, kept })) => {
                tr!(lang, "sync-revoked-let-go", let_go = *let_go, kept = *kept)
            }
            Self::BadAnswer(reason) => tr!(lang, "sync-bad-answer", reason = reason.as_str()),
            Self::Lost(reason) => tr!(lang, "sync-lost", reason = reason.as_str()),
            Self::Store(err) => err.message(lang),
        }
    }
}
rma_shared::english_display!(SyncError);

impl From<rma_store::tickets::TicketsError> for SyncError {
    fn from(err: rma_store::tickets::TicketsError) -> Self {
        Self::Store(err.into())
    }
}

impl SyncError {
    /// Whether trying again later can help (the background sync backs off and retries).
    pub fn retry_helps(&self) -> bool {
        match self {
            Self::Unreachable { .. } | Self::BadAnswer(_) | Self::Lost(_) => true,
            Self::Refused { status, .. } => status.is_server_error(),
            Self::NotEnrolled | Self::Certificate { .. } | Self::Revoked(_) | Self::Store(_) => {
                false
            }
        }
    }
}

/// What a round did when it heard the office revoked the site: `let_go` tickets the server
/// holds all of left this PC; `kept` have steps not sent yet and stay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LetGo {
    pub let_go: usize,
    pub kept: usize,
}

/// What a round needs from the server: its sync endpoints. [`Connection`] speaks them over
/// HTTP; a test can answer them in-process, from a server store, and cut them where it likes.
/// Each call returns the decoded answer and the bytes it moved.
pub trait Transport: Sync {
    /// The server's address: this installation's actor is bound once per server.
    fn server(&self) -> &str;
    /// How many pushes may be under way at once: while the server writes one batch it can
    /// check the next. A transport that must answer in a fixed order says 1.
    fn pushes_at_once(&self) -> usize {
        1
    }
    /// Binds this installation's Automerge actor to the site.
    fn bind(&self, actor: &ActorId) -> Result<(), SyncError>;
    /// Returns the answer, the bytes sent and the bytes received.
    fn push(&self, request: &PushRequest) -> Result<(PushResponse, usize, usize), SyncError>;
    fn pull(&self, cursor: u64, pending: usize) -> Result<(PullResponse, usize), SyncError>;
    fn tree(&self, prefix: &[u8]) -> Result<(TreeNode, usize), SyncError>;
    fn fetch(&self, ids: Vec<TicketId>) -> Result<(FetchResponse, usize), SyncError>;
    /// Of tickets held here that the server's listing of this site's scope lacks, those the
    /// server holds elsewhere (see [`sync::ScopeResponse`]).
    fn scope(&self, ids: Vec<TicketId>) -> Result<(ScopeResponse, usize), SyncError>;
    /// This PC's clock against the server's, as the answers so far measured it.
    fn clock(&self) -> Option<Reading> {
        None
    }
}

/// A connection to the server over HTTP, for one round.
#[derive(Debug)]
pub struct Connection {
    client: Client,
    link: ServerLink,
    site: String,
    /// This installation's Automerge actor, in hex ([`INSTALLATION`]).
    installation: String,
    /// This PC's clock against the server's, measured by the last answer with a `Date`.
    clock: std::sync::Mutex<Option<Reading>>,
}

/// The header a pull carries this PC's own clock in: the server notes each site's offset.
pub const LOCAL_TIME: &str = "rma-local-time";

/// The header naming the installation that sends a push or a pull (its Automerge actor, in
/// hex): the server leaves out of a pull only what this installation pushed itself, so a
/// second PC of a site receives what the first one pushed.
pub const INSTALLATION: &str = rma_shared::sync::INSTALLATION_HEADER;

/// Measures this PC's clock against the server's by an answer's `Date` header, the request
/// having been sent at `sent` by this PC's clock.
fn reading(sent: DateTime<Utc>, headers: &reqwest::header::HeaderMap) -> Option<Reading> {
    let answered = Utc::now();
    let date = headers.get(reqwest::header::DATE)?.to_str().ok()?;
    let server = DateTime::parse_from_rfc2822(date).ok()?.with_timezone(&Utc);
    Some(Reading::measure(sent, answered, server))
}

/// An answer and the version the server gave it (`ETag`).
#[derive(Debug)]
pub struct Versioned {
    pub bytes: Vec<u8>,
    pub version: Option<String>,
}

impl Connection {
    /// Connects `store`'s site to the server it is enrolled with.
    pub fn open(store: &Store) -> Result<Self, SyncError> {
        let link = store.server()?.ok_or(SyncError::NotEnrolled)?;
        Ok(Self::with_link(store, link))
    }

    /// Connects `store`'s site to the server at `link`.
    pub fn with_link(store: &Store, link: ServerLink) -> Self {
        Self {
            client: client(&link),
            link,
            site: store.site().to_string(),
            installation: store.actor().to_hex_string(),
            clock: std::sync::Mutex::default(),
        }
    }

    fn url(&self, path: &str) -> String {
        format!(
            "{}/api/v1/sync/{}/{path}",
            self.link.url.trim_end_matches('/'),
            self.site
        )
    }

    fn unreachable(&self, source: reqwest::Error) -> SyncError {
        unreachable(&self.link, source)
    }

    /// Reads a binary answer, or turns an error answer into a `Refused`.
    fn answer(&self, response: reqwest::blocking::Response) -> Result<Vec<u8>, SyncError> {
        let status = response.status();
        let body = response.bytes().map_err(|e| self.unreachable(e))?.to_vec();
        if status.is_success() {
            return Ok(body);
        }
        let answer = serde_json::from_slice::<serde_json::Value>(&body).ok();
        if answer.as_ref().and_then(|v| v["error"].as_str()) == Some(sync::SITE_REVOKED) {
            return Err(SyncError::Revoked(None));
        }
        let message = answer
            .and_then(|v| v["message"].as_str().map(str::to_owned))
            .unwrap_or_else(|| String::from_utf8_lossy(&body).into_owned());
        Err(SyncError::Refused { status, message })
    }

    /// Sends a sync body; returns the answer's bytes and the bytes both ways.
    fn post(&self, path: &str, body: Vec<u8>) -> Result<(Vec<u8>, usize), SyncError> {
        let sent = body.len();
        let response = self
            .client
            .post(self.url(path))
            .bearer_auth(&self.link.token)
            .header("content-type", sync::CONTENT_TYPE)
            .header(INSTALLATION, &self.installation)
            .body(body)
            .send()
            .map_err(|e| self.unreachable(e))?;
        let bytes = self.answer(response)?;
        let moved = sent + bytes.len();
        Ok((bytes, moved))
    }

    /// A GET answered 304 when the server's version is still `held` (`None` then), else the
    /// answer and its version (`ETag`).
    fn get_if_changed(
        &self,
        path: &str,
        held: Option<&str>,
    ) -> Result<Option<Versioned>, SyncError> {
        let mut request = self
            .client
            .get(self.url(path))
            .bearer_auth(&self.link.token);
        if let Some(held) = held {
            request = request.header(reqwest::header::IF_NONE_MATCH, held);
        }
        let response = request.send().map_err(|e| self.unreachable(e))?;
        if response.status() == reqwest::StatusCode::NOT_MODIFIED {
            return Ok(None);
        }
        let version = response
            .headers()
            .get(reqwest::header::ETAG)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        Ok(Some(Versioned {
            bytes: self.answer(response)?,
            version,
        }))
    }

    /// Reads an answer to a GET, measuring this PC's clock by it.
    fn get(&self, path_and_query: &str) -> Result<Vec<u8>, SyncError> {
        let sent = Utc::now();
        let response = self
            .client
            .get(self.url(path_and_query))
            .bearer_auth(&self.link.token)
            .header(LOCAL_TIME, sent.to_rfc3339())
            .header(INSTALLATION, &self.installation)
            .send()
            .map_err(|e| self.unreachable(e))?;
        if let Some(measured) = reading(sent, response.headers()) {
            *self
                .clock
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(measured);
        }
        self.answer(response)
    }
}

fn decoded<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, SyncError> {
    sync::decode(bytes).map_err(|e| SyncError::BadAnswer(e.to_string()))
}

impl Transport for Connection {
    fn server(&self) -> &str {
        &self.link.url
    }

    fn pushes_at_once(&self) -> usize {
        3
    }

    fn bind(&self, actor: &ActorId) -> Result<(), SyncError> {
        let body = sync::encode(&BindRequest {
            actor: actor.to_bytes().to_vec(),
        });
        self.post("actor", body)?;
        Ok(())
    }

    fn push(&self, request: &PushRequest) -> Result<(PushResponse, usize, usize), SyncError> {
        let body = sync::encode(request);
        let up = body.len();
        let (bytes, _) = self.post("push", body)?;
        Ok((decoded(&bytes)?, up, bytes.len()))
    }

    fn pull(&self, cursor: u64, pending: usize) -> Result<(PullResponse, usize), SyncError> {
        let bytes = self.get(&format!(
            "pull?cursor={cursor}&pending={pending}&{}",
            sync::PULL_SUMMARIES
        ))?;
        let page = sync::decode_pull(&bytes).map_err(|e| SyncError::BadAnswer(e.to_string()))?;
        Ok((page, bytes.len()))
    }

    fn tree(&self, prefix: &[u8]) -> Result<(TreeNode, usize), SyncError> {
        let hex: String = prefix.iter().map(|b| format!("{b:02x}")).collect();
        let bytes = self.get(&format!("tree?prefix={hex}"))?;
        Ok((decoded(&bytes)?, bytes.len()))
    }

    fn fetch(&self, ids: Vec<TicketId>) -> Result<(FetchResponse, usize), SyncError> {
        let (bytes, moved) = self.post("fetch", sync::encode(&FetchRequest { ids }))?;
        Ok((decoded(&bytes)?, moved))
    }

    fn scope(&self, ids: Vec<TicketId>) -> Result<(ScopeResponse, usize), SyncError> {
        let (bytes, moved) = self.post("scope", sync::encode(&ScopeRequest { ids }))?;
        Ok((decoded(&bytes)?, moved))
    }

    fn clock(&self) -> Option<Reading> {
        *self
            .clock
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Binds this installation's Automerge actor to its site at the server, once per server: the
/// server takes only changes by actors bound to the pushing site.
pub fn ensure_bound(store: &Store, server: &dyn Transport) -> Result<(), SyncError> {
    if store.bound_to()?.as_deref() == Some(server.server()) {
        return Ok(());
    }
    server.bind(store.actor())?;
    store.set_bound_to(server.server())?;
    Ok(())
}

/// An HTTP client for talking to the server `link` names.
pub fn client(link: &ServerLink) -> Client {
    crate::http::client(link.ca_cert.as_deref(), Duration::from_secs(120))
}

/// A request that got no answer: a certificate problem if it was one, else unreachable.
fn unreachable(link: &ServerLink, source: reqwest::Error) -> SyncError {
    match crate::http::cert_problem(&source) {
        Some(problem) => SyncError::Certificate {
            url: link.url.clone(),
            problem,
        },
        None => SyncError::Unreachable {
            url: link.url.clone(),
            source,
        },
    }
}

/// Runs one round: push every pending ticket, then pull the feed to its end.
pub fn sync_once(
    store: &Store,
    push_batch: usize,
    progress: &mut dyn FnMut(Progress),
) -> Result<Report, SyncError> {
    let conn = Connection::open(store)?;
    let mut report = sync_with(store, &conn, push_batch, progress)?;
    report.bytes_down += take_directory(store, &conn)?;
    if let Some(measured) = conn.clock() {
        store.set_clock(&measured)?;
        report.clock = Some(measured);
    }
    Ok(report)
}

/// Asks the server where a ticket this site does not hold is (none: the server knows no
/// such ticket). Needs the site to be enrolled and the server to answer.
pub fn lookup(
    store: &Store,
    ticket: &TicketNumber,
) -> Result<Option<rma_shared::sync::Whereabouts>, SyncError> {
    let mut conn = Connection::open(store)?;
    // A person waits for the answer: a server that does not answer soon is not asked.
    conn.client = crate::http::client(conn.link.ca_cert.as_deref(), Duration::from_secs(5));
    match conn.get(&format!("lookup/{ticket}")) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| SyncError::BadAnswer(e.to_string())),
        Err(SyncError::Refused { status, .. }) if status == reqwest::StatusCode::NOT_FOUND => {
            Ok(None)
        }
        Err(err) => Err(err),
    }
}

/// Moves the files after the tickets ([`files_round`]): sends this site's, fetches the
/// thumbnails wanted. Called after a round, never inside one, so files never hold up tickets.
pub fn sync_files(store: &Store) -> Result<FilesReport, SyncError> {
    let conn = Connection::open(store)?;
    files_round(store, &conn)
}

/// Keeps the server's directory of accounts: people sign in at this bench with them, also
/// offline, and a person removed at the server is refused here from now on. The server
/// answers "unchanged" to the version this store holds. Returns the bytes it read.
pub fn take_directory(store: &Store, conn: &Connection) -> Result<usize, SyncError> {
    let held = store.directory_version()?;
    let Some(Versioned { bytes, version }) = conn.get_if_changed("directory", held.as_deref())?
    else {
        return Ok(0);
    };
    let directory: rma_shared::people::Directory =
        serde_json::from_slice(&bytes).map_err(|e| SyncError::BadAnswer(e.to_string()))?;
    store
        .people()
        .replace_all(&directory.accounts)
        .map_err(|e| SyncError::Store(e.into()))?;
    store.set_directory_version(version.as_deref())?;
    Ok(bytes.len())
}

/// Runs one round through `server`. A round refused because the office revoked the site lets
/// go of every ticket the server holds all of: the customers' details leave a PC that no
/// longer works for the company, and what it has not sent stays until it is enrolled again.
pub fn sync_with(
    store: &Store,
    server: &dyn Transport,
    push_batch: usize,
    progress: &mut dyn FnMut(Progress),
) -> Result<Report, SyncError> {
    match round(store, server, push_batch, progress) {
        Err(SyncError::Revoked(_)) => {
            let ids: Vec<TicketId> = store
                .tickets()
                .all_indexed()?
                .into_iter()
                .map(|(id, ..)| id)
                .collect();
            let let_go = store.let_go(&ids)?;
            let kept = store.pending()?.len();
            tracing::warn!(let_go, kept, "the office revoked this site");
            Err(SyncError::Revoked(Some(LetGo { let_go, kept })))
        }
        answer => answer,
    }
}

fn round(
    store: &Store,
    server: &dyn Transport,
    push_batch: usize,
    progress: &mut dyn FnMut(Progress),
) -> Result<Report, SyncError> {
    let started = Instant::now();
    let mut report = Report::default();
    ensure_bound(store, server)?;
    push_pending(store, server, push_batch, progress, &mut report)?;
    pull_feed(store, server, progress, &mut report)?;
    if report.repaired > 0 {
        // What the repair found missing at the server goes now, not a round later.
        push_pending(store, server, push_batch, progress, &mut report)?;
    }
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
    conn: &dyn Transport,
    push_batch: usize,
    progress: &mut dyn FnMut(Progress),
    report: &mut Report,
) -> Result<(), SyncError> {
    let mut queue: VecDeque<TicketNumber> = store.pending()?.into();
    let total = queue.len();
    let mut round = Round {
        store,
        conn,
        push_batch: push_batch.max(1),
        total,
        progress,
        report,
    };
    let again = round.push_all(&mut queue)?;
    // Tickets the server could not place are sent again whole, once.
    if !again.is_empty() {
        queue.extend(again);
        round.push_all(&mut queue)?;
    }
    Ok(())
}

/// The pushes of one round, and what they add up to.
struct Round<'a, 'p> {
    store: &'a Store,
    conn: &'a dyn Transport,
    push_batch: usize,
    total: usize,
    progress: &'p mut dyn FnMut(Progress),
    report: &'p mut Report,
}

/// Each ticket of a push as it was when it went: its id, number and heads.
type Sent = Vec<(TicketId, TicketNumber, Heads)>;

/// A push sent, and its answer once it comes.
type InFlight<'s> = (
    Sent,
    std::thread::ScopedJoinHandle<'s, Result<(PushResponse, usize, usize), SyncError>>,
);

impl Round<'_, '_> {
    /// Pushes every ticket in `queue`, a batch a request. The next batch is read from the
    /// store while the server works on the one before, and up to the transport's
    /// [`Transport::pushes_at_once`] batches are under way; each answer is stored as it comes,
    /// in the order sent. Returns the tickets the server asked for whole.
    fn push_all(
        &mut self,
        queue: &mut VecDeque<TicketNumber>,
    ) -> Result<Vec<TicketNumber>, SyncError> {
        let at_once = self.conn.pushes_at_once().max(1);
        let conn = self.conn;
        std::thread::scope(|scope| {
            let mut in_flight: VecDeque<InFlight<'_>> = VecDeque::new();
            let mut again = Vec::new();
            let mut failed = None;
            let mut prepared = self.next_batch(queue)?;
            loop {
                // Every free place takes the batch read meanwhile, and the next is read.
                while in_flight.len() < at_once && failed.is_none() {
                    let Some((docs, sent)) = prepared.take() else {
                        break;
                    };
                    let request = PushRequest { docs };
                    in_flight.push_back((sent, scope.spawn(move || conn.push(&request))));
                    prepared = self.next_batch(queue)?;
                }
                let Some((sent, answer)) = in_flight.pop_front() else {
                    break;
                };
                let answer = answer
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                match answer {
                    Ok(answer) => again.extend(self.take(&sent, answer)?),
                    // The answers of pushes already sent are still taken; nothing more goes.
                    Err(err) => {
                        failed.get_or_insert(err);
                    }
                }
            }
            failed.map_or(Ok(again), Err)
        })
    }

    /// Reads the next batch to send from `queue`: at most `push_batch` tickets and about
    /// [`PAGE_BYTES`], each with what it was when read. None: nothing left to send.
    fn next_batch(
        &mut self,
        queue: &mut VecDeque<TicketNumber>,
    ) -> Result<Option<(Vec<PushDoc>, Sent)>, SyncError> {
        let store = self.store;
        let mut docs = Vec::new();
        let mut sent = Vec::new();
        let mut bytes = 0;
        while docs.len() < self.push_batch && (bytes < PAGE_BYTES || docs.is_empty()) {
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
            if let Some(refused) = store.refused_as(&number, &stored.heads)? {
                // Refused as it is: sent again once it changes.
                self.report.refused.push(refused.reason);
                continue;
            }
            if stored.doc.len() > sync::MAX_TICKET_BYTES {
                let reason = format!("ticket {number}: {}", sync::too_large(stored.doc.len()));
                store.refuse_locally(&Refused {
                    number: number.clone(),
                    reason: reason.clone(),
                    heads: stored.heads.clone(),
                })?;
                self.report.refused.push(reason);
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
        Ok((!docs.is_empty()).then_some((docs, sent)))
    }

    /// Stores the server's answer to one push; returns the tickets it asked for whole.
    fn take(
        &mut self,
        sent: &Sent,
        (answer, up, down): (PushResponse, usize, usize),
    ) -> Result<Vec<TicketNumber>, SyncError> {
        let report = &mut *self.report;
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
        let again = self.store.take_push_results(sent, &answer.results)?;
        (self.progress)(Progress::Pushed {
            done: self.report.pushed,
            total: self.total,
        });
        Ok(again)
    }
}

/// Pulls the feed from the stored cursor to its end, storing each page with its cursor. The
/// next page is asked for while one is stored.
pub fn pull_feed(
    store: &Store,
    conn: &dyn Transport,
    progress: &mut dyn FnMut(Progress),
    report: &mut Report,
) -> Result<(), SyncError> {
    let pending = store.pending()?.len();
    let mut answer = conn.pull(store.cursor()?, pending);
    loop {
        let (page, down) = answer?;
        report.bytes_down += down;
        report.pulled += page.entries.len();
        let next = std::thread::scope(|scope| {
            let next = page
                .more
                .then(|| scope.spawn(|| conn.pull(page.cursor, pending)));
            store.absorb_pulled(&page)?;
            Ok::<_, SyncError>(next.map(|next| {
                next.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            }))
        })?;
        progress(Progress::Pulled {
            tickets: report.pulled,
            more: page.more,
        });
        match next {
            Some(next) => answer = next,
            None => {
                if let Some(theirs) = page.digest
                    && store.pending()?.is_empty()
                {
                    let ours = store.tickets().digest()?;
                    report.verified = ours == theirs;
                    if !report.verified {
                        tracing::warn!(%ours, %theirs, "this agent and the server disagree; finding the tickets that differ");
                        repair(store, conn, report)?;
                    }
                }
                return Ok(());
            }
        }
    }
}

/// Finds the tickets on which this agent and the server differ, by walking down the parts of
/// the id space whose digests differ, then fetches what the server holds of them and marks
/// what it lacks to be pushed whole. Costs a few requests and kilobytes, however many tickets
/// agree.
pub fn repair(store: &Store, conn: &dyn Transport, report: &mut Report) -> Result<(), SyncError> {
    let mut fetch = Vec::new();
    let mut push_whole = Vec::new();
    let mut parts: Vec<Vec<u8>> = vec![Vec::new()];
    while let Some(prefix) = parts.pop() {
        let (theirs, down) = conn.tree(&prefix)?;
        report.repair_bytes += down;
        report.bytes_down += down;
        match theirs {
            TreeNode::Branches(theirs) => {
                if theirs.len() != 256 || prefix.len() >= 16 {
                    return Err(SyncError::BadAnswer(
                        "the server's digests of the id space are malformed".into(),
                    ));
                }
                let ours = match store.tickets().tree(&prefix)? {
                    TreeNode::Branches(ours) => ours,
                    TreeNode::Leaves(leaves) => sync::branches(&leaves, prefix.len()),
                };
                for (byte, (theirs, ours)) in (0..=255u8).zip(theirs.iter().zip(&ours)) {
                    if theirs != ours {
                        let mut part = prefix.clone();
                        part.push(byte);
                        parts.push(part);
                    }
                }
            }
            TreeNode::Leaves(theirs) => {
                let ours = store.tickets().leaves(&prefix)?;
                let diff = sync::compare_leaves(&theirs, &ours);
                fetch.extend(diff.fetch);
                push_whole.extend(diff.push_whole);
            }
        }
    }
    // Held here but not listed: either the server lost it (it is sent whole) or it holds it
    // for other sites only (this site lets it go).
    if !push_whole.is_empty() {
        let (answer, bytes) = conn.scope(push_whole.clone())?;
        report.repair_bytes += bytes;
        report.bytes_down += bytes;
        let outside: std::collections::HashSet<TicketId> = answer.outside.into_iter().collect();
        push_whole.retain(|id| !outside.contains(id));
        let outside: Vec<TicketId> = outside.into_iter().collect();
        report.let_go = store.let_go(&outside)?;
    }
    let mut missing = Vec::new();
    for id in &push_whole {
        if let Some(number) = store.tickets().number_of(*id)? {
            missing.push(number);
        }
    }
    report.repaired = fetch.len() + missing.len();
    tracing::warn!(
        fetched = fetch.len(),
        to_send = missing.len(),
        bytes = report.repair_bytes,
        "tickets that differed from the server found"
    );
    store.push_whole(&missing)?;
    while !fetch.is_empty() {
        let (answer, bytes) = conn.fetch(std::mem::take(&mut fetch))?;
        report.repair_bytes += bytes;
        report.bytes_down += bytes;
        if answer.entries.is_empty() && !answer.rest.is_empty() {
            return Err(SyncError::BadAnswer(
                "the server sent none of the tickets asked for".into(),
            ));
        }
        store.absorb_fetched(&answer.entries)?;
        fetch = answer.rest;
    }
    Ok(())
}

/// Checks a server address and token: `Ok(true)` if the server accepts the token as the
/// site's, `Ok(false)` if it cannot be reached now.
pub fn check_link(
    link: &ServerLink,
    site: &rma_shared::SiteCode,
) -> Result<(bool, Option<Reading>), SyncError> {
    let sent = Utc::now();
    let response = client(link)
        .get(format!(
            "{}/api/v1/sync/{site}/directory",
            link.url.trim_end_matches('/')
        ))
        .bearer_auth(&link.token)
        .send();
    match response {
        Ok(response) if response.status().is_success() => {
            Ok((true, reading(sent, response.headers())))
        }
        Ok(response) => {
            let status = response.status();
            let message = response
                .json::<serde_json::Value>()
                .ok()
                .and_then(|v| v["message"].as_str().map(str::to_owned))
                .unwrap_or_default();
            Err(SyncError::Refused { status, message })
        }
        Err(err) => match unreachable(link, err) {
            err @ SyncError::Certificate { .. } => Err(err),
            _ => Ok((false, None)),
        },
    }
}
