//! The server's store: every site's tickets (with the same summaries and indexes as an
//! agent's, see [`rma_store::tickets`]), the feed of changes agents pull, and the enrolled
//! sites with their hashed tokens and bound Automerge actors.
//!
//! Keys, besides the tickets and their indexes:
//! ```text
//! feed:{seq, u64 BE}           the feed: the tickets that gained changes, a position each,
//!                              the positions of one push a key (see [`feed`])
//! meta:feed                    the version of the feed's keys
//! site:{CODE}                  enrolled site (JSON)
//! tok:{sha256 of token, hex}   site code
//! rtok:{sha256 of token, hex}  site code (a token the office revoked)
//! actor:{actor id, hex}        the site an Automerge actor is bound to
//! refused:{CODE}\0{number}     why the site's last push of that ticket was refused (JSON)
//! ```
//! - [`sites`](self): enrolment, tokens, actors; push and pull; the repair of a disagreement;
//!   [`office`]: the indexes the office's pages read; [`archive`]: the archive's cards,
//!   applications, grants and disposal; [`audit`]: the append-only audit log; [`files`]: the
//!   bytes of the photos and documents tickets refer to.
//!
//! The feed has one writer at a time, whatever happens to the request that asked for a push:
//! the lock lives here, and the write runs to its end on its own thread. Positions are taken
//! after the last one written, so none is skipped or written twice.

use std::path::Path;

use rma_shared::i18n::{Lang, Localized};
use rma_shared::tr;
use rma_shared::{SiteCode, TicketNumber};
use rma_store::kv::Kv;
use rma_store::tickets::TicketsError as StoreError;
use rma_store::tickets::{TicketStore, sortable};

use thiserror::Error;

pub mod archive;
pub mod audit;
pub(crate) mod feed;
pub mod files;
pub mod office;
pub mod outbox;
mod pull;
mod push;
mod repair;
mod report;
mod scopes;
mod sites;
mod status_link;

pub use push::OFFICE_SITE;
pub use scopes::Holds;
pub use sites::{RefusedTicket, Site, TokenCheck, Told};

#[derive(Debug, Error)]
pub enum ServerStoreError {
    SiteExists(SiteCode),
    UnknownSite(SiteCode),
    ReservedSite(SiteCode),
    UnknownTicket(TicketNumber),
    Refused(rma_shared::Refusal),
    ActorTaken(SiteCode),
    Io {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
    InUse(std::path::PathBuf),
    /// The report's tables are kept in PostgreSQL only.
    NoReport,
    #[error(transparent)]
    Backup(#[from] rma_store::backup::BackupError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Localized for ServerStoreError {
    fn message(&self, lang: Lang) -> String {
        let what = |id: &str, what: String| tr!(lang, id, what = what);
        match self {
            Self::SiteExists(site) => what("server-site-exists", site.to_string()),
            Self::UnknownSite(site) => what("server-unknown-site", site.to_string()),
            Self::ReservedSite(site) => what("server-reserved-site", site.to_string()),
            Self::UnknownTicket(ticket) => what("server-unknown-ticket", ticket.to_string()),
            Self::Refused(refusal) => refusal.message(lang),
            Self::ActorTaken(site) => what("server-actor-taken", site.to_string()),
            Self::Io { path, source } => {
                let said = what("server-cannot-write", path.display().to_string());
                match rma_store::files::io_problem(source, lang) {
                    Some(problem) => format!("{said}: {problem}"),
                    None => said,
                }
            }
            Self::InUse(dir) => what("server-in-use", dir.display().to_string()),
            Self::NoReport => tr!(lang, "report-needs-database"),
            Self::Backup(err) => err.message(lang),
            Self::Store(err) => err.message(lang),
        }
    }
}
rma_shared::english_display!(ServerStoreError);

impl From<rma_store::kv::KvError> for ServerStoreError {
    fn from(err: rma_store::kv::KvError) -> Self {
        match err {
            rma_store::kv::KvError::Locked(path) => {
                Self::InUse(path.parent().map_or(path.clone(), Path::to_owned))
            }
            other => Self::Store(StoreError::Kv(other)),
        }
    }
}

/// Where a server keeps its store.
#[derive(Clone, PartialEq, Eq)]
pub enum Location {
    /// sled in the data folder: the embedded default, no set-up.
    Folder(std::path::PathBuf),
    /// A PostgreSQL database (`postgres://USER:PASSWORD@HOST:PORT/DB`), which several
    /// servers can share.
    Database(String),
}

impl std::fmt::Debug for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Folder(dir) => write!(f, "Folder({})", dir.display()),
            Self::Database(url) => write!(f, "Database({})", crate::pg::hide_password(url)),
        }
    }
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Folder(dir) => write!(f, "{}", dir.join("store").display()),
            Self::Database(url) => write!(f, "{}", crate::pg::hide_password(url)),
        }
    }
}

#[derive(Debug, Clone)]
pub struct ServerStore {
    kv: Kv,
    /// The bytes of photos and documents: in `files/` beside a sled store, in the database on
    /// PostgreSQL (see [`files`]).
    blobs: std::sync::Arc<dyn rma_store::blobs::Blobs>,
    tickets: TicketStore,
    /// How far after the server's own time a pushed step may be dated before it counts at
    /// its arrival instead (see [`rma_shared::EventKind::ClockCorrected`]).
    clock_tolerance: chrono::Duration,
    /// The database whose report tables the store keeps (PostgreSQL only; see
    /// [`crate::report`]).
    report: Option<std::sync::Arc<crate::pg::Postgres>>,
    /// What the office's pages work out from many entries, kept for their next readers and
    /// brought up to date by this process's own writes.
    kept: std::sync::Arc<office::Kept>,
    /// Rung when a push put notices in the outbox: the sender wakes at once.
    outbox_bell: std::sync::Arc<tokio::sync::Notify>,
    /// Taken by a large push while it checks its tickets on every core: one such check at a
    /// time, so that each push is written while the next is checked (`store/push.rs`).
    checking: std::sync::Arc<std::sync::Mutex<()>>,
    /// Points where a test can hold a push or a pull (see [`Pause`]).
    #[cfg(test)]
    pauses: std::sync::Arc<std::sync::Mutex<Vec<(Point, Pause)>>>,
}

/// Where a test holds the store's work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Point {
    /// A push holds the feed's lock and is about to write.
    BeforeCommit,
    /// A pull has read its page and is about to read the digest.
    BeforeDigest,
}

/// A held point: the store says when it got there, and waits to be let go.
#[cfg(test)]
#[derive(Debug)]
pub(crate) struct Pause {
    reached: std::sync::mpsc::SyncSender<()>,
    release: std::sync::mpsc::Receiver<()>,
}

/// The test's side of a [`Pause`].
#[cfg(test)]
#[derive(Debug)]
pub(crate) struct Held {
    pub reached: std::sync::mpsc::Receiver<()>,
    pub release: std::sync::mpsc::SyncSender<()>,
}

impl ServerStore {
    /// How far after the server's own time a pushed step may be dated (the setting
    /// `clock_tolerance_minutes`; 5 minutes unless set).
    pub fn set_clock_tolerance(&mut self, tolerance: chrono::Duration) {
        self.clock_tolerance = tolerance;
    }

    /// The accounts and sessions (the directory of people).
    pub fn people(&self) -> rma_store::people::People {
        rma_store::people::People::over(self.kv().clone())
    }

    /// The sled store in the data folder `dir` (the embedded default).
    pub fn open(dir: &Path) -> Result<Self, ServerStoreError> {
        rma_store::files::create_private_dir(dir).map_err(|source| ServerStoreError::Io {
            path: dir.to_owned(),
            source,
        })?;
        let files =
            rma_store::blobs::Folder::open(&dir.join("files")).map_err(|err| match err {
                rma_store::blobs::BlobError::Io { path, source } => {
                    ServerStoreError::Io { path, source }
                }
                other => ServerStoreError::Backup(rma_store::backup::BackupError::Files(other)),
            })?;
        Self::on(
            Kv::open(&dir.join("store"))?,
            None,
            std::sync::Arc::new(files),
        )
    }

    /// The store in the PostgreSQL database at `url`, its schema created or migrated first.
    pub fn open_database(url: &str) -> Result<Self, ServerStoreError> {
        let backend = std::sync::Arc::new(crate::pg::Postgres::connect(url)?);
        let kv = Kv::with(backend.clone());
        let files = std::sync::Arc::new(rma_store::blobs::InKv::new(kv.clone()));
        let store = Self::on(kv, Some(backend), files)?;
        store.ensure_report()?;
        Ok(store)
    }

    /// The store where `location` says.
    pub fn open_at(location: &Location) -> Result<Self, ServerStoreError> {
        match location {
            Location::Folder(dir) => Self::open(dir),
            Location::Database(url) => Self::open_database(url),
        }
    }

    /// The store on `kv`, brought up to this version's keys.
    fn on(
        kv: Kv,
        report: Option<std::sync::Arc<crate::pg::Postgres>>,
        blobs: std::sync::Arc<dyn rma_store::blobs::Blobs>,
    ) -> Result<Self, ServerStoreError> {
        let tickets = TicketStore::open(kv.clone())?;
        crate::store::office::ensure(&kv, &tickets)?;
        crate::store::archive::ensure_cards(&kv, &tickets)?;
        scopes::ensure(&kv, &tickets)?;
        let store = Self {
            tickets,
            kv,
            blobs,
            clock_tolerance: chrono::Duration::minutes(5),
            report,
            kept: std::sync::Arc::default(),
            outbox_bell: std::sync::Arc::default(),
            checking: std::sync::Arc::default(),
            #[cfg(test)]
            pauses: std::sync::Arc::default(),
        };
        let found = store.kv.get(FEED_FORMAT)?;
        if found.as_deref() == Some(b"2") {
            // Its keys read as pages of one: only the version changes.
            let mut batch = rma_store::kv::Batch::default();
            batch.put(FEED_FORMAT, FEED_VERSION.to_string());
            store.kv.commit(batch)?;
        } else if rma_store::kv::needs_upgrade("feed", found.as_deref(), FEED_VERSION)? {
            store.repair_feed()?;
        }
        Ok(store)
    }

    /// Writes a consistent copy of the whole store to `path`, while the server works.
    pub fn back_up(&self, path: &Path) -> Result<rma_store::backup::Summary, ServerStoreError> {
        Ok(rma_store::backup::back_up_with(
            &self.kv,
            Some(&*self.blobs),
            BACKUP_KIND,
            path,
        )?)
    }

    /// Fills this store, which must hold nothing yet, from a backup file.
    pub fn restore(&self, path: &Path) -> Result<rma_store::backup::Summary, ServerStoreError> {
        Ok(rma_store::backup::restore_with(
            &self.kv,
            Some(&*self.blobs),
            BACKUP_KIND,
            path,
        )?)
    }

    /// Copies this whole store into `target`, which must hold nothing yet (moving a store
    /// from sled to PostgreSQL); returns how many keys were copied.
    pub fn copy_to(&self, target: &ServerStore) -> Result<u64, ServerStoreError> {
        let copied = rma_store::backup::copy(&self.kv, &target.kv)?;
        // The photos and documents, from where this store keeps them to where the target does.
        let moved = |err: rma_store::blobs::BlobError| {
            ServerStoreError::Backup(rma_store::backup::BackupError::Files(err))
        };
        for hash in self.blobs.list().map_err(moved)? {
            let bytes = self.blobs.read_all(&hash).map_err(moved)?;
            target.blobs.put(&hash, &bytes).map_err(moved)?;
        }
        Ok(copied)
    }

    /// The key/value store, for the office's indexes and the users.
    /// What the office's pages keep for their next readers ([`office::Kept`]).
    pub fn kept(&self) -> &office::Kept {
        &self.kept
    }

    /// Rung when a push put notices in the outbox.
    pub fn outbox_bell(&self) -> std::sync::Arc<tokio::sync::Notify> {
        self.outbox_bell.clone()
    }

    pub(crate) fn kv(&self) -> &Kv {
        &self.kv
    }

    pub fn tickets(&self) -> &TicketStore {
        &self.tickets
    }

    /// Holds the next push or pull that reaches `point` until the test lets it go.
    #[cfg(test)]
    pub(crate) fn hold(&self, point: Point) -> Held {
        let (reached, reached_rx) = std::sync::mpsc::sync_channel(1);
        let (release_tx, release) = std::sync::mpsc::sync_channel(1);
        self.pauses
            .lock()
            .unwrap()
            .push((point, Pause { reached, release }));
        Held {
            reached: reached_rx,
            release: release_tx,
        }
    }

    #[cfg(test)]
    fn pause_at(&self, point: Point) {
        let pause = {
            let mut pauses = self.pauses.lock().unwrap();
            let found = pauses.iter().position(|(p, _)| *p == point);
            found.map(|i| pauses.remove(i).1)
        };
        if let Some(pause) = pause {
            let _ = pause.reached.send(());
            let _ = pause.release.recv();
        }
    }

    #[cfg(not(test))]
    fn pause_at(&self, _point: Point) {}
}

/// What a server's backups say they are.
const BACKUP_KIND: &str = "server";

const FEED_FORMAT: &str = "meta:feed";

/// Version 2: every ticket on the feed. (Stores of its first days also note each ticket's last
/// position under `fpos:`, which nothing reads: no longer written.) Version 3: the positions
/// of a push share a key (a page); a key of version 2 reads as a page of one, and an older
/// server refuses the store rather than misread a page.
const FEED_VERSION: u32 = 3;

/// Tickets read together when a page is filled.
const READ_BATCH: usize = 64;

/// The most feed positions one pull reads (a page of positions the site pushed itself sends
/// nothing, but still costs a read).
const MAX_POSITIONS: u64 = 20_000;

#[cfg(test)]
#[path = "store_tests.rs"]
mod tests;

fn refused_prefix(site: &SiteCode) -> Vec<u8> {
    format!("refused:{site}\0").into_bytes()
}

fn refused_key(site: &SiteCode, number: &TicketNumber) -> Vec<u8> {
    let mut key = refused_prefix(site);
    key.extend_from_slice(sortable(number).as_bytes());
    key
}
