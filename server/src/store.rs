//! The server's store: every site's tickets (with the same summaries and indexes as an
//! agent's, see [`rma_store::tickets`]), the feed of changes agents pull, and the enrolled
//! sites with their hashed tokens and bound Automerge actors.
//!
//! Keys, besides the tickets and their indexes:
//! ```text
//! feed:{seq, u64 BE}           ticket number that gained changes at that position, and the
//!                              site whose push it was ("{number}\t{site}")
//! fpos:{sortable number}       the ticket's last feed position (u64 BE)
//! meta:feed                    the version of the feed's keys
//! site:{CODE}                  enrolled site (JSON)
//! tok:{sha256 of token, hex}   site code
//! actor:{actor id, hex}        the site an Automerge actor is bound to
//! refused:{CODE}\0{number}     why the site's last push of that ticket was refused (JSON)
//! ```
//! The feed has one writer at a time, whatever happens to the request that asked for a push:
//! the lock lives here, and the write runs to its end on its own thread. Positions are taken
//! after the last one written, so none is skipped or written twice.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use chrono::{DateTime, Utc};
use rma_shared::automerge::ActorId;
use rma_shared::i18n::{Lang, Localized};
use rma_shared::sync::{
    self, FeedEntry, FetchResponse, Heads, PAGE_BYTES, PullResponse, PushDoc, PushRequest,
    PushResponse, PushResult, Pusher, TreeNode,
};
use rma_shared::tr;
use rma_shared::{
    Derived, SiteCode, TicketDoc, TicketId, TicketNumber, TicketStatus, TicketSummary,
};
use rma_store::kv::{Batch, Kv};
use rma_store::tickets::TicketsError as StoreError;
use rma_store::tickets::{Prior, Stored, TicketStore, sortable};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use thiserror::Error;

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

/// An enrolled agent installation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Site {
    pub code: SiteCode,
    pub added_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// The last time the site pulled (a sync ends with a pull).
    pub last_sync_at: Option<DateTime<Utc>>,
    /// The feed position the site has pulled up to.
    pub cursor: u64,
    /// Changes the agent reported it still had to push, at its last sync.
    pub pending: Option<u64>,
}

/// A ticket the server refused from a site, and why; kept until a push of it is accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefusedTicket {
    pub number: TicketNumber,
    pub reason: String,
    pub at: DateTime<Utc>,
}

/// Who a token belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenCheck {
    Site(SiteCode),
    Unknown,
}

#[derive(Debug, Clone)]
pub struct ServerStore {
    kv: Kv,
    tickets: TicketStore,
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
    /// The sled store in the data folder `dir` (the embedded default).
    pub fn open(dir: &Path) -> Result<Self, ServerStoreError> {
        rma_store::files::create_private_dir(dir).map_err(|source| ServerStoreError::Io {
            path: dir.to_owned(),
            source,
        })?;
        Self::on(Kv::open(&dir.join("store"))?)
    }

    /// The store in the PostgreSQL database at `url`, its schema created or migrated first.
    pub fn open_database(url: &str) -> Result<Self, ServerStoreError> {
        let backend = crate::pg::Postgres::connect(url)?;
        Self::on(Kv::with(std::sync::Arc::new(backend)))
    }

    /// The store where `location` says.
    pub fn open_at(location: &Location) -> Result<Self, ServerStoreError> {
        match location {
            Location::Folder(dir) => Self::open(dir),
            Location::Database(url) => Self::open_database(url),
        }
    }

    /// The store on `kv`, brought up to this version's keys.
    fn on(kv: Kv) -> Result<Self, ServerStoreError> {
        let tickets = TicketStore::open(kv.clone())?;
        crate::office::ensure(&kv, &tickets)?;
        crate::archive::ensure_cards(&kv, &tickets)?;
        let store = Self {
            tickets,
            kv,
            #[cfg(test)]
            pauses: std::sync::Arc::default(),
        };
        let found = store.kv.get(FEED_FORMAT)?;
        if rma_store::kv::needs_upgrade("feed", found.as_deref(), FEED_VERSION)? {
            store.repair_feed()?;
        }
        Ok(store)
    }

    /// Writes a consistent copy of the whole store to `path`, while the server works.
    pub fn back_up(&self, path: &Path) -> Result<rma_store::backup::Summary, ServerStoreError> {
        Ok(rma_store::backup::back_up(&self.kv, BACKUP_KIND, path)?)
    }

    /// Fills this store, which must hold nothing yet, from a backup file.
    pub fn restore(&self, path: &Path) -> Result<rma_store::backup::Summary, ServerStoreError> {
        Ok(rma_store::backup::restore(&self.kv, BACKUP_KIND, path)?)
    }

    /// Copies this whole store into `target`, which must hold nothing yet (moving a store
    /// from sled to PostgreSQL); returns how many keys were copied.
    pub fn copy_to(&self, target: &ServerStore) -> Result<u64, ServerStoreError> {
        Ok(rma_store::backup::copy(&self.kv, &target.kv)?)
    }

    /// The key/value store, for the office's indexes and the users.
    pub(crate) fn kv(&self) -> &Kv {
        &self.kv
    }

    pub fn tickets(&self) -> &TicketStore {
        &self.tickets
    }

    /// Enrolls a site; returns its token, which is stored only as a hash.
    pub fn add_site(
        &self,
        code: &SiteCode,
        now: DateTime<Utc>,
    ) -> Result<String, ServerStoreError> {
        if code.as_str() == OFFICE_SITE {
            return Err(ServerStoreError::ReservedSite(code.clone()));
        }
        if let Some(site) = self.site(code)?
            && site.revoked_at.is_none()
        {
            return Err(ServerStoreError::SiteExists(code.clone()));
        }
        let token = new_token();
        let site = Site {
            code: code.clone(),
            added_at: now,
            revoked_at: None,
            last_sync_at: None,
            cursor: 0,
            pending: None,
        };
        let mut batch = Batch::default();
        batch.put(
            site_key(code),
            serde_json::to_vec(&site).expect("sites serialise"),
        );
        batch.put(token_key(&token), code.as_str());
        self.kv.commit(batch)?;
        Ok(token)
    }

    /// Revokes a site: its token stops working at once.
    pub fn revoke_site(
        &self,
        code: &SiteCode,
        now: DateTime<Utc>,
    ) -> Result<Site, ServerStoreError> {
        let mut site = self
            .site(code)?
            .ok_or_else(|| ServerStoreError::UnknownSite(code.clone()))?;
        site.revoked_at.get_or_insert(now);
        let mut batch = Batch::default();
        batch.put(
            site_key(code),
            serde_json::to_vec(&site).expect("sites serialise"),
        );
        // The token's hash is found by scanning: revocations are rare.
        for entry in self.kv.scan(b"tok:") {
            let (key, value) = entry?;
            if value == code.as_str().as_bytes() {
                batch.delete(key);
            }
        }
        self.kv.commit(batch)?;
        Ok(site)
    }

    pub fn site(&self, code: &SiteCode) -> Result<Option<Site>, ServerStoreError> {
        Ok(self
            .kv
            .get(site_key(code))?
            .and_then(|bytes| serde_json::from_slice(&bytes).ok()))
    }

    pub fn sites(&self) -> Result<Vec<Site>, ServerStoreError> {
        let mut sites = Vec::new();
        for entry in self.kv.scan(b"site:") {
            let (_, value) = entry?;
            if let Ok(site) = serde_json::from_slice(&value) {
                sites.push(site);
            }
        }
        Ok(sites)
    }

    /// The site a token belongs to, if it is valid.
    pub fn check_token(&self, token: &str) -> Result<TokenCheck, ServerStoreError> {
        let Some(code) = self.kv.get(token_key(token))? else {
            return Ok(TokenCheck::Unknown);
        };
        match SiteCode::parse(&String::from_utf8_lossy(&code)) {
            Ok(code) => Ok(TokenCheck::Site(code)),
            Err(_) => Ok(TokenCheck::Unknown),
        }
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

    /// The last feed position: the last one written.
    pub fn feed_head(&self) -> Result<u64, ServerStoreError> {
        match self.kv.scan_rev(FEED).next() {
            Some(entry) => Ok(feed_seq(&entry?.0)),
            None => Ok(0),
        }
    }

    /// Binds an agent installation's Automerge actor to `site`: its changes count as the
    /// site's. An actor bound to another site stays there.
    pub fn bind_actor(&self, site: &SiteCode, actor: &ActorId) -> Result<(), ServerStoreError> {
        match self.actor_site(actor)? {
            Some(bound) if &bound == site => Ok(()),
            Some(bound) => Err(ServerStoreError::ActorTaken(bound)),
            None => {
                let mut batch = Batch::default();
                batch.put(actor_key(actor), site.as_str());
                self.kv.commit(batch)?;
                tracing::info!(%site, %actor, "agent installation enrolled");
                Ok(())
            }
        }
    }

    /// The site an Automerge actor is bound to.
    pub fn actor_site(&self, actor: &ActorId) -> Result<Option<SiteCode>, ServerStoreError> {
        Ok(self
            .kv
            .get(actor_key(actor))?
            .and_then(|code| SiteCode::parse(&String::from_utf8_lossy(&code)).ok()))
    }

    /// The tickets the server refused from `site` and still does not hold as pushed.
    pub fn refused(&self, site: &SiteCode) -> Result<Vec<RefusedTicket>, ServerStoreError> {
        let mut refused = Vec::new();
        for entry in self.kv.scan(&refused_prefix(site)) {
            if let Ok(ticket) = serde_json::from_slice(&entry?.1) {
                refused.push(ticket);
            }
        }
        Ok(refused)
    }

    /// Takes in a push from site `origin`: each ticket on its own, all stored in one durable
    /// write. The documents are checked and merged before the feed's lock is taken; under it,
    /// only tickets another push changed meanwhile are taken again.
    pub fn push(
        &self,
        origin: &SiteCode,
        request: &PushRequest,
    ) -> Result<PushResponse, ServerStoreError> {
        let mut plan = self.plan(origin, &request.docs)?;
        let mut tickets = self.ticket_writes(&plan)?;
        self.kv.exclusive(|kv| {
            let store = self.within(kv);
            if !store.still_current(&plan)? {
                plan = store.plan(origin, &request.docs)?;
                tickets = store.ticket_writes(&plan)?;
            }
            let mut batch = std::mem::take(&mut tickets);
            store.write_feed(&mut batch, origin, &plan)?;
            self.pause_at(Point::BeforeCommit);
            Ok::<_, ServerStoreError>((batch, ()))
        })?;
        Ok(PushResponse {
            results: plan.answers,
        })
    }

    /// The Automerge actor the central office writes its own records as (finance's audit
    /// marks), made once: its changes reach the agents through the feed like any site's.
    fn office_actor(&self) -> Result<ActorId, ServerStoreError> {
        if let Some(bytes) = self.kv.get(OFFICE_ACTOR)? {
            return Ok(ActorId::from(bytes.as_slice()));
        }
        let actor = ActorId::random();
        let mut batch = Batch::default();
        batch.put(OFFICE_ACTOR, actor.to_bytes());
        self.kv.commit(batch)?;
        Ok(actor)
    }

    /// Records a step taken at the central office (finance's mark on a cost line) in the
    /// ticket, as the office's own actor and site, if the rules allow it; the ticket goes into
    /// the feed, so every site receives the record with its next pull.
    pub fn record_at_office(
        &self,
        number: &TicketNumber,
        kind: rma_shared::EventKind,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<(), ServerStoreError> {
        let actor = self.office_actor()?;
        let office = SiteCode::parse(OFFICE_SITE).expect("a valid site code");
        self.kv.exclusive(|kv| {
            let store = self.within(kv);
            let (prior, mut doc) = store
                .tickets
                .read_prior(number)?
                .ok_or_else(|| ServerStoreError::UnknownTicket(number.clone()))?;
            doc.set_actor(actor.clone());
            let event = rma_shared::Event::new(kind, office, by, now);
            doc.record(event).map_err(|err| match err {
                rma_shared::RecordError::Refused(refusal) => ServerStoreError::Refused(refusal),
                rma_shared::RecordError::Doc(source) => {
                    ServerStoreError::Store(StoreError::Damaged {
                        number: number.to_string(),
                        source,
                    })
                }
            })?;
            let derived = Derived::of(&doc).map_err(|source| {
                ServerStoreError::Store(StoreError::Damaged {
                    number: number.to_string(),
                    source,
                })
            })?;
            let summary = TicketSummary::from_derived(&doc, &derived);
            let saved = doc.save();
            let heads = Heads::of(&mut doc);
            let mut batch = Batch::default();
            store.tickets.write_summarised(
                &mut batch,
                summary.clone(),
                &saved,
                &heads,
                Some(&prior),
            )?;
            crate::office::index(&mut batch, &doc, derived, Some(&prior.summary), &summary);
            let seq = store.feed_head()? + 1;
            batch.put(feed_key(seq), format!("{number}\t{OFFICE_SITE}"));
            batch.put(fpos_key(number), seq.to_be_bytes());
            Ok::<_, ServerStoreError>((batch, ()))
        })
    }

    /// This store, reading through `kv` (a view of an exclusive section or a snapshot).
    pub(crate) fn within(&self, kv: &Kv) -> Self {
        Self {
            kv: kv.clone(),
            tickets: TicketStore::over(kv.clone()),
            #[cfg(test)]
            pauses: self.pauses.clone(),
        }
    }

    /// The writes of a planned push's tickets and the office's indexes of them. They depend
    /// only on the copies the plan read, so they are worked out before the feed's lock.
    fn ticket_writes(&self, plan: &Plan) -> Result<Batch, ServerStoreError> {
        let mut batch = Batch::default();
        for ready in &plan.ready {
            self.tickets.write_summarised(
                &mut batch,
                ready.summary.clone(),
                &ready.saved,
                &ready.heads,
                ready.prior.as_ref(),
            )?;
            ready.office.write(
                &mut batch,
                ready.prior.as_ref().map(|p| &p.summary),
                &ready.summary,
            );
        }
        Ok(batch)
    }

    /// Adds a planned push's feed positions, after the last one written, and the refusals to
    /// show to `batch`. Runs in the feed's exclusive section.
    fn write_feed(
        &self,
        batch: &mut Batch,
        origin: &SiteCode,
        plan: &Plan,
    ) -> Result<(), ServerStoreError> {
        let now = Utc::now();
        // Positions follow the last one written, read in this exclusive section: no other
        // writer can take them meanwhile, so none is overwritten.
        let mut seq = self.feed_head()?;
        for ready in &plan.ready {
            seq += 1;
            batch.put(feed_key(seq), format!("{}\t{origin}", ready.summary.number));
            batch.put(fpos_key(&ready.summary.number), seq.to_be_bytes());
        }
        // A refusal shown for the site goes once its ticket is taken; most pushes have none to
        // take back, and a delete of a key that is not there costs a write all the same.
        let shown: HashSet<Vec<u8>> = self
            .kv
            .scan(&refused_prefix(origin))
            .map(|entry| entry.map(|(key, _)| key))
            .collect::<Result<_, _>>()?;
        for result in &plan.results {
            let (number, reason) = match result {
                Outcome::Accepted(number) => (number, None),
                Outcome::Refused(number, reason) => (number, Some(reason)),
            };
            let key = refused_key(origin, number);
            match reason {
                None if shown.contains(&key) => batch.delete(key),
                None => {}
                Some(reason) => batch.put(
                    key,
                    serde_json::to_vec(&RefusedTicket {
                        number: number.clone(),
                        reason: reason.clone(),
                        at: now,
                    })
                    .expect("refusals serialise"),
                ),
            }
        }
        Ok(())
    }

    /// Checks and merges every ticket of a push against the copies stored now. Tickets are
    /// independent: they are checked on every core, each ticket's copies in push order.
    fn plan(&self, origin: &SiteCode, docs: &[PushDoc]) -> Result<Plan, ServerStoreError> {
        // Every ticket the push names, and every id it carries, read together.
        let numbers: Vec<TicketNumber> = docs.iter().map(|d| d.number.clone()).collect();
        let ids: Vec<TicketId> = docs.iter().map(|d| d.id).collect();
        let mut stored_now: HashMap<TicketNumber, Option<Stored>> = numbers
            .iter()
            .cloned()
            .zip(self.tickets.read_stored_many(&numbers)?)
            .collect();
        let numbered: HashMap<TicketId, Option<TicketNumber>> = ids
            .iter()
            .copied()
            .zip(self.tickets.numbers_of(&ids)?)
            .collect();
        // The push's entries by ticket (a ticket may come twice), in order of first mention,
        // each with the copy stored now.
        let mut group_of: HashMap<TicketId, usize> = HashMap::new();
        let mut jobs: Vec<Job> = Vec::new();
        for (i, push) in docs.iter().enumerate() {
            let group = *group_of.entry(push.id).or_insert_with(|| {
                let stored = stored_now.get_mut(&push.number).and_then(Option::take);
                jobs.push(Job {
                    entries: Vec::new(),
                    stored,
                });
                jobs.len() - 1
            });
            jobs[group].entries.push(i);
        }
        let check = |jobs: Vec<Job>| -> Result<Vec<Checked>, ServerStoreError> {
            // A push's changes come from few actors: each is looked up once.
            let known: std::cell::RefCell<HashMap<ActorId, bool>> = Default::default();
            let owns = |actor: &ActorId| {
                if let Some(owned) = known.borrow().get(actor) {
                    return *owned;
                }
                let owned = self
                    .actor_site(actor)
                    .ok()
                    .flatten()
                    .is_some_and(|site| &site == origin);
                known.borrow_mut().insert(actor.clone(), owned);
                owned
            };
            let pusher = Pusher {
                site: origin,
                owns: &owns,
            };
            jobs.into_iter()
                .map(|job| check_ticket(job, docs, &numbered, &pusher, origin))
                .collect()
        };
        let checked: Vec<Checked> = rma_shared::par::shares(jobs, check)
            .into_iter()
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            .flatten()
            .collect();
        // The answers in the push's order; the tickets to write in order of first mention.
        let mut answers: Vec<Option<(Outcome, PushResult)>> = vec![None; docs.len()];
        let mut plan = Plan::default();
        for ticket in checked {
            for (i, outcome, answer) in ticket.answers {
                answers[i] = Some((outcome, answer));
            }
            plan.current.extend(ticket.current);
            plan.ready.extend(ticket.ready);
        }
        for (outcome, answer) in answers.into_iter().flatten() {
            plan.results.push(outcome);
            plan.answers.push(answer);
        }
        Ok(plan)
    }

    /// Whether every ticket a plan read is still as it read it.
    fn still_current(&self, plan: &Plan) -> Result<bool, ServerStoreError> {
        let numbers: Vec<TicketNumber> = plan.current.iter().map(|(n, _)| n.clone()).collect();
        let now = self.tickets.read_stored_many(&numbers)?;
        Ok(plan
            .current
            .iter()
            .zip(now)
            .all(|((_, heads), now)| &now.map(|stored| stored.heads) == heads))
    }

    /// Feed entries after `cursor`: at most `limit` tickets and [`PAGE_BYTES`] of documents
    /// (a larger ticket alone), each ticket once, whole, as it is now. Read under the feed's
    /// lock, so the digest on the last page is exactly that of the feed up to its cursor.
    pub fn pull(
        &self,
        site: &SiteCode,
        cursor: u64,
        limit: usize,
        pending: Option<u64>,
        now: DateTime<Utc>,
    ) -> Result<PullResponse, ServerStoreError> {
        let page = self
            .kv
            .snapshot(|kv| self.within(kv).page(site, cursor, limit))?;
        if !page.entries.is_empty() {
            tracing::info!(%site, cursor, tickets = page.entries.len(), "pull");
        }
        self.note_sync(site, page.cursor, pending, now)?;
        Ok(page)
    }

    /// One page of the feed after `cursor`, read in one view.
    fn page(
        &self,
        site: &SiteCode,
        cursor: u64,
        limit: usize,
    ) -> Result<PullResponse, ServerStoreError> {
        let head = self.feed_head()?;
        let cursor = cursor.min(head);
        let last = cursor.saturating_add(MAX_POSITIONS).min(head);
        // The positions after the cursor, each with the ticket to send for it: none for what
        // the site pushed itself (it holds that) or for a ticket this page sends already (sent
        // as it is now, which covers its later positions too).
        let mut positions: Vec<(u64, Option<TicketNumber>)> = Vec::new();
        let mut wanted: HashSet<TicketNumber> = HashSet::new();
        for entry in self.kv.range(&feed_key(cursor + 1), &feed_key(last + 1)) {
            let (key, value) = entry?;
            let seq = feed_seq(&key);
            let text = String::from_utf8_lossy(&value);
            let (number, origin) = text.split_once('\t').unwrap_or((&text, ""));
            let send = match TicketNumber::parse(number) {
                Ok(number) if origin != site.as_str() && !wanted.contains(&number) => {
                    if wanted.len() == limit {
                        break;
                    }
                    wanted.insert(number.clone());
                    Some(number)
                }
                _ => None,
            };
            positions.push((seq, send));
        }
        // The tickets read a batch at a time, until the page is full.
        let mut end = cursor;
        let mut entries: Vec<FeedEntry> = Vec::new();
        let mut bytes = 0;
        'page: for chunk in positions.chunks(READ_BATCH) {
            let numbers: Vec<TicketNumber> = chunk.iter().filter_map(|(_, n)| n.clone()).collect();
            let mut held = self.held_many(&numbers)?;
            for (seq, send) in chunk {
                let Some(entry) = send.as_ref().and_then(|n| held.remove(n)) else {
                    end = *seq;
                    continue;
                };
                if !entries.is_empty() && bytes + entry.doc.len() > PAGE_BYTES {
                    break 'page;
                }
                bytes += entry.doc.len();
                entries.push(FeedEntry { seq: *seq, ..entry });
                end = *seq;
            }
        }
        let more = end < head;
        self.pause_at(Point::BeforeDigest);
        let digest = if more {
            None
        } else {
            Some(self.tickets.digest()?)
        };
        Ok(PullResponse {
            entries,
            cursor: end,
            more,
            digest,
        })
    }

    /// What the server holds of the tickets whose id starts with `prefix` (the repair of a
    /// disagreement narrows down to the tickets that differ).
    pub fn tree(&self, prefix: &[u8]) -> Result<TreeNode, ServerStoreError> {
        self.kv
            .snapshot(|kv| Ok::<_, ServerStoreError>(TicketStore::over(kv.clone()).tree(prefix)?))
    }

    /// Tickets by id, as many as fit in a page (at least one).
    pub fn fetch(&self, ids: &[TicketId]) -> Result<FetchResponse, ServerStoreError> {
        self.kv.snapshot(|kv| self.within(kv).fetch_in_view(ids))
    }

    fn fetch_in_view(&self, ids: &[TicketId]) -> Result<FetchResponse, ServerStoreError> {
        let mut response = FetchResponse::default();
        let mut bytes = 0;
        for (i, id) in ids.iter().enumerate() {
            let Some(number) = self.tickets.number_of(*id)? else {
                continue;
            };
            let Some(entry) = self
                .held_many(std::slice::from_ref(&number))?
                .remove(&number)
            else {
                continue;
            };
            if !response.entries.is_empty() && bytes + entry.doc.len() > PAGE_BYTES {
                response.rest = ids[i..].to_vec();
                break;
            }
            bytes += entry.doc.len();
            response.entries.push(entry);
        }
        Ok(response)
    }

    /// What an agent receives of each ticket (position 0): the whole document, or for a ticket
    /// in the archive (or disposed of) only its number and heads, since its contents stay at
    /// the server (regulation 8).
    fn held_many(
        &self,
        numbers: &[TicketNumber],
    ) -> Result<HashMap<TicketNumber, FeedEntry>, ServerStoreError> {
        let stored = self.tickets.read_stored_many(numbers)?;
        let missing: Vec<TicketNumber> = numbers
            .iter()
            .zip(&stored)
            .filter(|(_, stored)| stored.is_none())
            .map(|(number, _)| number.clone())
            .collect();
        let mut held: HashMap<TicketNumber, FeedEntry> = HashMap::new();
        for (number, stored) in numbers.iter().zip(stored) {
            let Some(stored) = stored else { continue };
            let archived = stored.summary.status == TicketStatus::Archived;
            held.insert(
                number.clone(),
                FeedEntry {
                    seq: 0,
                    id: stored.summary.id,
                    number: number.clone(),
                    heads: stored.heads,
                    doc: if archived { Vec::new() } else { stored.doc },
                    archived,
                },
            );
        }
        if !missing.is_empty() {
            for gone in self.tickets.gone_many(&missing)?.into_iter().flatten() {
                held.insert(
                    gone.number.clone(),
                    FeedEntry {
                        seq: 0,
                        id: gone.id,
                        number: gone.number,
                        heads: gone.heads,
                        doc: Vec::new(),
                        archived: true,
                    },
                );
            }
        }
        Ok(held)
    }

    /// Puts every ticket that is missing from the feed back on it (a feed written by an older
    /// version could lose entries when a push was cut off), and notes each ticket's last
    /// position. Returns the tickets put back.
    pub fn repair_feed(&self) -> Result<Vec<TicketNumber>, ServerStoreError> {
        self.kv.exclusive(|kv| self.within(kv).feed_repairs())
    }

    /// What [`ServerStore::repair_feed`] writes, and the tickets put back.
    fn feed_repairs(&self) -> Result<(Batch, Vec<TicketNumber>), ServerStoreError> {
        let mut positions: HashMap<TicketNumber, u64> = HashMap::new();
        for entry in self.kv.scan(FEED) {
            let (key, value) = entry?;
            let text = String::from_utf8_lossy(&value);
            let number = text.split('\t').next().unwrap_or_default();
            if let Ok(number) = TicketNumber::parse(number) {
                positions.insert(number, feed_seq(&key));
            }
        }
        let mut batch = Batch::default();
        let mut seq = self.feed_head()?;
        let mut missing = Vec::new();
        for entry in self.kv.scan(b"t:") {
            let (key, _) = entry?;
            let Some(number) = std::str::from_utf8(&key[2..])
                .ok()
                .and_then(rma_store::tickets::parse_sortable)
            else {
                continue;
            };
            let position = match positions.get(&number) {
                Some(position) => *position,
                None => {
                    seq += 1;
                    tracing::warn!(ticket = %number, position = seq, "the ticket was missing from the feed; put back on it");
                    batch.put(feed_key(seq), format!("{number}\tserver"));
                    missing.push(number.clone());
                    seq
                }
            };
            batch.put(fpos_key(&number), position.to_be_bytes());
        }
        batch.put(FEED_FORMAT, FEED_VERSION.to_string());
        Ok((batch, missing))
    }

    /// Remembers how far a site has pulled, and when.
    fn note_sync(
        &self,
        code: &SiteCode,
        cursor: u64,
        pending: Option<u64>,
        now: DateTime<Utc>,
    ) -> Result<(), ServerStoreError> {
        let Some(mut site) = self.site(code)? else {
            return Ok(());
        };
        site.last_sync_at = Some(now);
        site.cursor = cursor;
        if pending.is_some() {
            site.pending = pending;
        }
        let mut batch = Batch::default();
        batch.put(
            site_key(code),
            serde_json::to_vec(&site).expect("sites serialise"),
        );
        // Bookkeeping only: it rides on the next flush.
        self.kv.apply_unflushed(batch)?;
        Ok(())
    }
}

const FEED: &[u8] = b"feed:";
/// What a server's backups say they are.
const BACKUP_KIND: &str = "server";
const FEED_FORMAT: &str = "meta:feed";
/// Version 2: every ticket on the feed, with its last position in `fpos:`.
const FEED_VERSION: u32 = 2;
/// Tickets read together when a page is filled.
const READ_BATCH: usize = 64;

/// The most feed positions one pull reads (a page of positions the site pushed itself sends
/// nothing, but still costs a read).
const MAX_POSITIONS: u64 = 20_000;

/// The state of one ticket while a push is planned.
struct Taken {
    /// Its heads in the store when the plan read it (none: not stored).
    stored_heads: Option<Heads>,
    prior: Option<Prior>,
    doc: Option<TicketDoc>,
    changed: bool,
    /// The bytes of a first copy, saved and compact: stored as they came.
    first_copy: Option<Vec<u8>>,
}

/// One ticket of a push, checked, merged, summarised and saved, ready to write.
struct Ready {
    /// The office's index entries of it.
    office: crate::office::Entries,
    summary: TicketSummary,
    saved: Vec<u8>,
    heads: Heads,
    prior: Option<Prior>,
}

impl Ready {
    fn of(
        mut doc: TicketDoc,
        heads: Heads,
        prior: Option<Prior>,
        first_copy: Option<Vec<u8>>,
    ) -> Result<Self, String> {
        let number = doc.number().clone();
        let derived = Derived::of(&doc)
            .map_err(|err| format!("ticket {number}: the server cannot read it ({err})"))?;
        let summary = TicketSummary::from_derived(&doc, &derived);
        let saved = first_copy.unwrap_or_else(|| doc.save());
        if saved.len() > sync::MAX_TICKET_BYTES {
            return Err(format!("ticket {number}: {}", sync::too_large(saved.len())));
        }
        Ok(Self {
            office: crate::office::Entries::of(&doc, derived),
            summary,
            saved,
            heads,
            prior,
        })
    }
}

/// What a push will do: the answer per ticket, and the tickets to write.
#[derive(Default)]
struct Plan {
    answers: Vec<PushResult>,
    results: Vec<Outcome>,
    ready: Vec<Ready>,
    /// Every ticket read, with its heads as read (none: not stored).
    current: Vec<(TicketNumber, Option<Heads>)>,
}

#[derive(Clone)]
enum Outcome {
    Accepted(TicketNumber),
    Refused(TicketNumber, String),
}

/// One ticket of a push: the positions of its copies in the push, and the copy stored now.
struct Job {
    entries: Vec<usize>,
    stored: Option<Stored>,
}

/// One ticket checked: the answer to each of its copies (by position in the push), its heads
/// as read, and, if it gained changes, the ticket ready to write.
struct Checked {
    answers: Vec<(usize, Outcome, PushResult)>,
    current: Option<(TicketNumber, Option<Heads>)>,
    ready: Option<Ready>,
}

/// Checks and merges the copies of one ticket, in push order, against the stored copy.
fn check_ticket(
    job: Job,
    docs: &[PushDoc],
    numbered: &HashMap<TicketId, Option<TicketNumber>>,
    pusher: &Pusher<'_>,
    origin: &SiteCode,
) -> Result<Checked, ServerStoreError> {
    let mut answers = Vec::new();
    let mut stored = Some(job.stored);
    let mut taken: Option<Taken> = None;
    for &i in &job.entries {
        let push = &docs[i];
        let mut refuse = |reason: String, send_whole: bool| {
            tracing::info!(site = %origin, ticket = %push.number, %reason, "push refused");
            answers.push((
                i,
                Outcome::Refused(push.number.clone(), reason.clone()),
                PushResult::Refused {
                    id: push.id,
                    reason,
                    send_whole,
                },
            ));
        };
        if taken.is_none() {
            let copy = stored
                .take()
                .flatten()
                .map(|stored| stored.into_prior(&push.number))
                .transpose()?;
            if let Some((prior, _)) = &copy
                && prior.summary.id != push.id
            {
                refuse(
                    format!(
                        "ticket {}: the number belongs to another ticket at the server",
                        push.number
                    ),
                    false,
                );
                continue;
            }
            if copy.is_none()
                && let Some(Some(held)) = numbered.get(&push.id)
            {
                let reason = if held == &push.number {
                    format!(
                        "ticket {}: it was disposed of at the server at the end of its retention (regulation 8.2); changes to it are no longer kept",
                        push.number
                    )
                } else {
                    format!(
                        "ticket {}: the server holds this ticket as {held}; a ticket's number never changes",
                        push.number
                    )
                };
                refuse(reason, false);
                continue;
            }
            let (prior, doc) = match copy {
                Some((prior, doc)) => (Some(prior), Some(doc)),
                None => (None, None),
            };
            taken = Some(Taken {
                stored_heads: prior.as_ref().map(|p| p.heads.clone()),
                prior,
                doc,
                changed: false,
                first_copy: None,
            });
        }
        let state = taken.as_mut().expect("taken above");
        match sync::accept(state.doc.clone(), push, pusher) {
            Ok((doc, changed)) => {
                if changed && state.doc.is_none() && push.base.is_empty() {
                    state.first_copy = Some(push.bytes.clone());
                } else if changed {
                    state.first_copy = None;
                }
                state.changed |= changed;
                state.doc = Some(doc);
                answers.push((
                    i,
                    Outcome::Accepted(push.number.clone()),
                    PushResult::Accepted {
                        id: push.id,
                        heads: Heads::default(),
                        archived: false,
                    },
                ));
            }
            Err(refusal) => refuse(refusal.reason, refusal.send_whole),
        }
    }
    let mut checked = Checked {
        answers,
        current: None,
        ready: None,
    };
    let Some(state) = taken else {
        return Ok(checked);
    };
    let Some(mut doc) = state.doc else {
        return Ok(checked);
    };
    let heads = Heads::of(&mut doc);
    checked.current = Some((doc.number().clone(), state.stored_heads.clone()));
    let archived = if state.changed {
        match Ready::of(doc, heads.clone(), state.prior, state.first_copy) {
            Ok(ready) => {
                let archived = ready.summary.status == TicketStatus::Archived;
                checked.ready = Some(ready);
                archived
            }
            Err(reason) => {
                // Not storable after all (too large once merged): every copy is refused.
                for (_, outcome, answer) in &mut checked.answers {
                    if let PushResult::Accepted { id, .. } = answer {
                        let number = match outcome {
                            Outcome::Accepted(n) | Outcome::Refused(n, _) => n.clone(),
                        };
                        tracing::warn!(site = %origin, ticket = %number, %reason, "push refused");
                        *answer = PushResult::Refused {
                            id: *id,
                            reason: reason.clone(),
                            send_whole: false,
                        };
                        *outcome = Outcome::Refused(number, reason.clone());
                    }
                }
                return Ok(checked);
            }
        }
    } else {
        state
            .prior
            .is_some_and(|p| p.summary.status == TicketStatus::Archived)
    };
    for (_, _, answer) in &mut checked.answers {
        if let PushResult::Accepted {
            heads: now,
            archived: in_archive,
            ..
        } = answer
        {
            *now = heads.clone();
            *in_archive = archived;
        }
    }
    Ok(checked)
}

/// The site code of the central office's own records; no site may take it.
pub const OFFICE_SITE: &str = "OFFICE";
const OFFICE_ACTOR: &str = "meta:office_actor";

fn feed_seq(key: &[u8]) -> u64 {
    key.get(FEED.len()..FEED.len() + 8)
        .and_then(|b| <[u8; 8]>::try_from(b).ok())
        .map_or(0, u64::from_be_bytes)
}

fn fpos_key(number: &TicketNumber) -> String {
    format!("fpos:{}", sortable(number))
}

fn actor_key(actor: &ActorId) -> String {
    format!("actor:{actor}")
}

fn refused_prefix(site: &SiteCode) -> Vec<u8> {
    format!("refused:{site}\0").into_bytes()
}

fn refused_key(site: &SiteCode, number: &TicketNumber) -> Vec<u8> {
    let mut key = refused_prefix(site);
    key.extend_from_slice(sortable(number).as_bytes());
    key
}

fn site_key(code: &SiteCode) -> String {
    format!("site:{code}")
}

fn token_key(token: &str) -> String {
    let hash = Sha256::digest(token.trim().as_bytes());
    let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
    format!("tok:{hex}")
}

fn feed_key(seq: u64) -> Vec<u8> {
    let mut key = b"feed:".to_vec();
    key.extend_from_slice(&seq.to_be_bytes());
    key
}

/// 244 random bits as 64 hex digits.
fn new_token() -> String {
    format!("{}{}", TicketId::random(), TicketId::random())
}

#[cfg(test)]
#[path = "store_tests.rs"]
mod tests;
