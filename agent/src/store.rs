//! The agent's local store: ticket documents, the per-site number counter, storage areas and
//! the indexes listings use, on top of [`rma_store::kv`].
//!
//! Keys, besides the tickets and their indexes (see [`rma_store::tickets`]):
//! ```text
//! meta:site                      site code chosen at init
//! meta:actor                     this installation's Automerge actor id
//! meta:counter:{YYYY}            last ticket sequence number allocated that year (u32 BE)
//! area:{CODE}                    storage area (JSON)
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use rma_shared::automerge::ActorId;
use rma_shared::event::{EventKind, Receiving};
use rma_shared::i18n::{Lang, Localized};
use rma_shared::tr;
use rma_shared::{
    AreaCode, DeadlineSettings, DocError, Event, RecordError, Refusal, Registration, Reserved,
    SiteCode, TicketDoc, TicketId, TicketNumber, TicketSummary, UnitNumber, Workflow,
};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use rma_shared::sync::Heads;

use rma_shared::people::Action;
use rma_store::kv::{Batch, Kv, KvError};
use rma_store::people::People;
pub use rma_store::tickets::{ListFilter, Listing};
use rma_store::tickets::{Prior, TicketStore, TicketsError};
pub use sync::{LastSync, Refused, ServerLink};

/// A document to merge into the store ([`Store::merge_in`]): with the heads the server is
/// known to hold, and its saved form (with its summary, when worked out already).
struct Incoming<'a> {
    number: TicketNumber,
    /// None: the document arrived with the server's summary (`saved` holds both, `acked` its
    /// heads) and is loaded only if a copy here has to be merged with it.
    doc: Option<TicketDoc>,
    acked: Option<Heads>,
    saved: Option<(&'a [u8], Option<TicketSummary>)>,
}

#[derive(Debug, Error)]
pub enum StoreError {
    NotInitialised(PathBuf),
    AlreadyInitialised(SiteCode),
    UnknownTicket(TicketNumber),
    ArchivedAtServer(TicketNumber),
    UnknownArea(AreaCode),
    AreaExists(AreaCode),
    Refused(Refusal),
    Damaged {
        number: String,
        #[source]
        source: DocError,
    },
    InUse(PathBuf),
    NotReserved(String),
    LabelUsed {
        code: String,
        unit: UnitNumber,
    },
    NoAccount(String),
    NotYourDuty {
        name: String,
        role: rma_shared::people::Role,
        action: rma_shared::people::Action,
    },
    #[error(transparent)]
    People(#[from] rma_store::people::PeopleError),
    Folder {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Backup(#[from] rma_store::backup::BackupError),
    #[error(transparent)]
    Files(rma_store::blobs::BlobError),
    #[error(transparent)]
    Kv(KvError),
}

impl Localized for StoreError {
    fn message(&self, lang: Lang) -> String {
        let what = |id: &str, what: String| tr!(lang, id, what = what);
        match self {
            Self::NotInitialised(dir) => what("store-not-initialised", dir.display().to_string()),
            Self::AlreadyInitialised(site) => what("store-already-initialised", site.to_string()),
            Self::UnknownTicket(ticket) => what("store-unknown-ticket", ticket.to_string()),
            Self::ArchivedAtServer(ticket) => what("store-archived-at-server", ticket.to_string()),
            Self::UnknownArea(area) => what("store-unknown-area", area.to_string()),
            Self::AreaExists(area) => what("store-area-exists", area.to_string()),
            Self::Refused(refusal) => {
                tr!(lang, "refusal-not-allowed", reason = refusal.message(lang))
            }
            Self::Damaged { number, source } => tr!(
                lang,
                "store-damaged",
                ticket = number.as_str(),
                why = source.to_string()
            ),
            Self::InUse(dir) => what("store-in-use", dir.display().to_string()),
            Self::NotReserved(code) => what("store-not-reserved", code.clone()),
            Self::LabelUsed { code, unit } => tr!(
                lang,
                "store-label-used",
                code = code.as_str(),
                unit = unit.to_string()
            ),
            Self::NoAccount(name) => what("store-no-account", name.clone()),
            Self::NotYourDuty { name, role, action } => tr!(
                lang,
                "store-not-your-duty",
                name = name.as_str(),
                role = role.label(lang),
                action = action.label(lang)
            ),
            Self::People(err) => err.message(lang),
            Self::Folder { path, source } => {
                let said = tr!(lang, "store-folder", path = path.display().to_string());
                match rma_store::files::io_problem(source, lang) {
                    Some(problem) => format!("{said}: {problem}"),
                    None => said,
                }
            }
            Self::Backup(err) => err.message(lang),
            Self::Files(err) => err.message(lang),
            Self::Kv(err) => err.message(lang),
        }
    }
}
rma_shared::english_display!(StoreError);

impl From<KvError> for StoreError {
    fn from(err: KvError) -> Self {
        match err {
            KvError::Locked(path) => {
                Self::InUse(path.parent().map_or(path.clone(), Path::to_owned))
            }
            other => Self::Kv(other),
        }
    }
}

impl From<TicketsError> for StoreError {
    fn from(err: TicketsError) -> Self {
        match err {
            TicketsError::Damaged { number, source } => Self::Damaged { number, source },
            TicketsError::Kv(err) => err.into(),
        }
    }
}

/// A storage area as listed by `area list`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Area {
    pub code: AreaCode,
    pub name: Option<String>,
    pub added_at: DateTime<Utc>,
    /// Units stored there now (filled in by [`Store::areas`]).
    #[serde(default)]
    pub units: usize,
}

/// A handle on the store; clones share it.
#[derive(Debug, Clone)]
pub struct Store {
    kv: Kv,
    /// The bytes of photos and documents (`files/` in the data folder).
    blobs: std::sync::Arc<rma_store::blobs::Folder>,
    tickets: TicketStore,
    site: SiteCode,
    actor: ActorId,
}

impl Store {
    /// Sets up a new data folder for `site`. Running it again with the same site is harmless.
    pub fn init(dir: &Path, site: SiteCode) -> Result<Self, StoreError> {
        Self::init_as(dir, site, ActorId::random())
    }

    /// As [`Store::init`], with the Automerge actor given (a test replaying a run).
    pub fn init_as(dir: &Path, site: SiteCode, actor: ActorId) -> Result<Self, StoreError> {
        let kv = Kv::open(&store_path(dir))?;
        if let Some(existing) = kv.get(META_SITE)? {
            let existing = parse_site(&existing)?;
            if existing != site {
                return Err(StoreError::AlreadyInitialised(existing));
            }
        } else {
            let mut batch = Batch::default();
            batch.put(META_SITE, site.as_str());
            batch.put(META_ACTOR, actor.to_bytes());
            kv.commit(batch)?;
        }
        Self::from_kv(dir, kv)
    }

    /// Fills the data folder `dir`, which must hold no store yet, from a backup file, and
    /// opens it.
    pub fn restore(dir: &Path, backup: &Path) -> Result<Self, StoreError> {
        rma_store::files::create_private_dir(dir).map_err(|source| StoreError::Folder {
            path: dir.to_owned(),
            source,
        })?;
        let kv = Kv::open(&store_path(dir))?;
        if kv.get(META_SITE)?.is_some() {
            return Err(StoreError::Backup(rma_store::backup::BackupError::NotEmpty));
        }
        let files =
            rma_store::blobs::Folder::open(&dir.join("files")).map_err(StoreError::Files)?;
        rma_store::backup::restore_with(&kv, Some(&files), BACKUP_KIND, backup)?;
        Self::from_kv(dir, kv)
    }

    /// Writes a consistent copy of the whole store to `path` (see [`rma_store::backup`]).
    pub fn back_up(&self, path: &Path) -> Result<rma_store::backup::Summary, StoreError> {
        Ok(rma_store::backup::back_up_with(
            &self.kv,
            Some(&*self.blobs),
            BACKUP_KIND,
            path,
        )?)
    }

    /// Whether `dir` holds a store (set up by [`Store::init`], or being set up).
    pub fn exists(dir: &Path) -> bool {
        store_path(dir).exists()
    }

    /// Opens a data folder set up by [`Store::init`].
    pub fn open(dir: &Path) -> Result<Self, StoreError> {
        let path = store_path(dir);
        if !path.exists() {
            return Err(StoreError::NotInitialised(dir.to_owned()));
        }
        Self::from_kv(dir, Kv::open(&path)?)
    }

    fn from_kv(dir: &Path, kv: Kv) -> Result<Self, StoreError> {
        let site = kv
            .get(META_SITE)?
            .ok_or_else(|| StoreError::NotInitialised(dir.to_owned()))?;
        let site = parse_site(&site)?;
        let actor = kv
            .get(META_ACTOR)?
            .map(|bytes| ActorId::from(bytes.as_slice()))
            .ok_or_else(|| StoreError::NotInitialised(dir.to_owned()))?;
        let files = dir.join("files");
        let blobs = rma_store::blobs::Folder::open(&files).map_err(StoreError::Files)?;
        Ok(Self {
            tickets: TicketStore::open(kv.clone())?,
            kv,
            blobs: std::sync::Arc::new(blobs),
            site,
            actor,
        })
    }

    pub fn site(&self) -> &SiteCode {
        &self.site
    }

    /// This installation's Automerge actor: every change it makes carries it.
    pub fn actor(&self) -> &ActorId {
        &self.actor
    }

    /// The tickets and their indexes.
    pub fn tickets(&self) -> &TicketStore {
        &self.tickets
    }

    /// A ticket as it is, ready for this installation to change.
    fn read(&self, number: &TicketNumber) -> Result<Option<(Prior, TicketDoc)>, StoreError> {
        let found = self.tickets.read_prior(number)?;
        Ok(found.map(|(prior, mut doc)| {
            doc.set_actor(self.actor.clone());
            (prior, doc)
        }))
    }

    /// The summary of a ticket, without loading its document.
    pub fn summary(&self, number: &TicketNumber) -> Result<Option<TicketSummary>, StoreError> {
        Ok(self.tickets.summary(number)?)
    }

    /// Tickets matching `filter`, newest first.
    pub fn list(
        &self,
        filter: &ListFilter,
        deadlines: &DeadlineSettings,
    ) -> Result<Listing, StoreError> {
        Ok(self.tickets.list(filter, deadlines)?)
    }

    /// Registers a new ticket under the next number of this site and year. The number is
    /// allocated in the same atomic, flushed write as the ticket, so it is never reused.
    pub fn create(
        &self,
        registration: &Registration,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<TicketDoc, StoreError> {
        self.check_duty(by, Action::Intake)?;
        let registered = Event::new(EventKind::Registered, self.site.clone(), by, now);
        self.create_as(TicketId::random(), registration, registered)
    }

    /// As [`Store::create`], with the ticket's id and its `registered` event given (a test
    /// replaying a run).
    pub fn create_as(
        &self,
        id: TicketId,
        registration: &Registration,
        registered: Event,
    ) -> Result<TicketDoc, StoreError> {
        let now = registered.at;
        // The company's year: a return registered on 1 January local time is next year's.
        let year = u16::try_from(rma_shared::calendar::company().year(now))
            .expect("a year of the common era");
        let counter_key = counter_key(year);
        let last = self.last_seq(year)?;
        let number = TicketNumber::new(self.site.clone(), year, last + 1);
        let mut doc = TicketDoc::create(
            id,
            number.clone(),
            registration,
            registered,
            self.actor.clone(),
        );
        let mut batch = Batch::default();
        batch.put(&counter_key, (last + 1).to_be_bytes());
        self.tickets.write(&mut batch, &mut doc, None)?;
        self.note_changed(&mut batch, &number);
        self.kv.commit(batch)?;
        Ok(doc)
    }

    /// Loads one ticket.
    pub fn load(&self, number: &TicketNumber) -> Result<TicketDoc, StoreError> {
        match self.read(number)? {
            Some((_, doc)) => Ok(doc),
            None => Err(self.missing(number)),
        }
    }

    /// Why a ticket is not here: it never was, or its contents are in the server's archive.
    fn missing(&self, number: &TicketNumber) -> StoreError {
        match self.tickets.gone(number) {
            Ok(Some(_)) => StoreError::ArchivedAtServer(number.clone()),
            Ok(None) => StoreError::UnknownTicket(number.clone()),
            Err(err) => err.into(),
        }
    }

    /// Records one step on a ticket if the regulation allows it, and saves it durably.
    /// A refused step changes nothing.
    pub fn record(
        &self,
        number: &TicketNumber,
        kind: EventKind,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<(TicketDoc, Workflow), StoreError> {
        self.check_duty(by, Action::of(&kind))?;
        self.record_event(number, Event::new(kind, self.site.clone(), by, now))
    }

    /// The accounts people sign in with here: the server's directory as the last sync brought
    /// it, or this agent's own when it has no server.
    pub fn people(&self) -> People {
        People::over(self.kv.clone())
    }

    /// Once there are accounts, a step is taken only by a person with an account whose role
    /// has it as a duty (regulation section 1); without accounts anyone may.
    pub fn check_duty(&self, by: &str, action: Action) -> Result<(), StoreError> {
        let people = self.people();
        if !people.any()? {
            return Ok(());
        }
        let account = people
            .get(by)?
            .ok_or_else(|| StoreError::NoAccount(by.to_owned()))?;
        if account.role.may(action) {
            Ok(())
        } else {
            Err(StoreError::NotYourDuty {
                name: account.name,
                role: account.role,
                action,
            })
        }
    }

    /// As [`Store::record`], with the event made by the caller (a test replaying a run); it
    /// must name this site.
    pub fn record_event(
        &self,
        number: &TicketNumber,
        event: Event,
    ) -> Result<(TicketDoc, Workflow), StoreError> {
        for area in areas_named(&event.kind) {
            self.require_area(area)?;
        }
        let (old, mut doc) = self.read(number)?.ok_or_else(|| self.missing(number))?;
        let labels = match &event.kind {
            EventKind::Received(receiving) => self.check_labels(receiving)?,
            _ => Vec::new(),
        };
        let flow = doc.record(event).map_err(|err| match err {
            RecordError::Refused(refusal) => StoreError::Refused(refusal),
            RecordError::Doc(source) => StoreError::Damaged {
                number: number.to_string(),
                source,
            },
        })?;
        let mut batch = Batch::default();
        self.tickets.write(&mut batch, &mut doc, Some(&old))?;
        self.note_changed(&mut batch, number);
        for (key, unit) in labels {
            batch.put(key, unit.to_string());
        }
        self.kv.commit(batch)?;
        Ok((doc, flow))
    }

    /// Reserves `count` pre-printed label codes from this site's own counter (durably, before
    /// they are printed): no other site and no later reservation can make the same code.
    pub fn reserve_labels(&self, count: u32) -> Result<Vec<Reserved>, StoreError> {
        self.kv.exclusive(|kv| {
            let next = reserved_count(kv.get(LABEL_COUNTER)?.as_deref());
            let end = next.saturating_add(count);
            let mut batch = Batch::default();
            batch.put(LABEL_COUNTER, end.to_be_bytes());
            let codes = (next + 1..=end)
                .map(|seq| Reserved {
                    site: self.site.clone(),
                    seq,
                })
                .collect();
            Ok::<_, StoreError>((batch, codes))
        })
    }

    /// The unit a pre-printed label was attached to here, if any.
    pub fn unit_of_label(&self, label: &Reserved) -> Result<Option<UnitNumber>, StoreError> {
        Ok(self
            .kv
            .get(label_key(label))?
            .and_then(|v| UnitNumber::parse(&String::from_utf8_lossy(&v)).ok()))
    }

    /// The pre-printed labels of a receiving, checked against this site's reservations and
    /// the units that carry labels already: the index entries to write with it.
    fn check_labels(&self, receiving: &Receiving) -> Result<Vec<(String, UnitNumber)>, StoreError> {
        let reserved = reserved_count(self.kv.get(LABEL_COUNTER)?.as_deref());
        let mut entries = Vec::new();
        for (label, unit) in receiving.labels.iter().zip(&receiving.units) {
            if label.site == self.site && label.seq > reserved {
                return Err(StoreError::NotReserved(format!("L:{label}")));
            }
            if let Some(carrier) = self.unit_of_label(label)? {
                return Err(StoreError::LabelUsed {
                    code: format!("L:{label}"),
                    unit: carrier,
                });
            }
            entries.push((label_key(label), unit.clone()));
        }
        Ok(entries)
    }

    /// Takes in ticket documents made elsewhere (a restore, a benchmark), merging each with
    /// the local copy if there is one, in one durable write. They count as not yet synced.
    pub fn import(&self, incoming: Vec<TicketDoc>) -> Result<usize, StoreError> {
        // A ticket in the server's archive does not come back here (a restore of an older
        // backup, say): its file is kept at the office.
        let mut kept = Vec::with_capacity(incoming.len());
        for doc in incoming {
            if self.tickets.gone(doc.number())?.is_none() {
                kept.push(doc);
            }
        }
        let count = kept.len();
        let incoming = kept.into_iter().map(|doc| Incoming {
            number: doc.number().clone(),
            doc: Some(doc),
            acked: None,
            saved: None,
        });
        self.merge_in(incoming, &[], None)?;
        Ok(count)
    }

    /// Merges documents into the store in one durable write, and lets go of the contents of
    /// tickets the server has archived (`gone`) unless they have changes to push. With `acked`, the server is
    /// known to hold those heads (the ticket stays to be pushed only if the merge added
    /// local changes); with `saved`, the document's saved form is at hand (stored as it is
    /// when the ticket is new here); with `cursor`, the pull cursor moves in the same write.
    /// This site's counter moves past any of its own numbers seen, so a restored store never
    /// reuses one.
    fn merge_in<'a>(
        &self,
        incoming: impl Iterator<Item = Incoming<'a>>,
        gone: &[rma_store::tickets::Gone],
        cursor: Option<u64>,
    ) -> Result<(), StoreError> {
        let mut batch = Batch::default();
        for gone in gone {
            self.note_gone(&mut batch, gone)?;
        }
        let mut counters: BTreeMap<u16, u32> = BTreeMap::new();
        for Incoming {
            number,
            doc,
            acked,
            saved,
        } in incoming
        {
            let local = self.read(&number)?;
            if number.site() == &self.site {
                let top = counters.entry(number.year()).or_default();
                *top = (*top).max(number.seq());
            }
            let (mut doc, saved) = match (doc, saved, &acked, local.is_some()) {
                // New here, summarised by the server: stored as it came, never loaded.
                (None, Some((bytes, Some(summary))), Some(heads), false) => {
                    let summary = self
                        .tickets
                        .write_summarised(&mut batch, summary, bytes, heads, None)?;
                    if !summary.thumbnails.is_empty() {
                        self.want_thumbnails(&mut batch, &number, &summary.thumbnails)?;
                    }
                    self.note_acked_new(&mut batch, &number, heads);
                    continue;
                }
                (Some(doc), saved, ..) => (doc, saved),
                // Summarised by the server, but a copy is here to merge with: loaded after all.
                (None, saved, ..) => {
                    let bytes = saved.as_ref().map_or(&[][..], |(bytes, _)| bytes);
                    let damaged = |source| StoreError::Damaged {
                        number: number.to_string(),
                        source,
                    };
                    let doc = TicketDoc::load(bytes).map_err(damaged)?;
                    if doc.number() != &number {
                        return Err(damaged(DocError::Corrupt(
                            "the feed entry holds another ticket".into(),
                        )));
                    }
                    (doc, saved)
                }
            };
            let (old, mut merged) = match local {
                Some((old, mut local)) => {
                    local
                        .merge(&mut doc)
                        .map_err(|source| StoreError::Damaged {
                            number: number.to_string(),
                            source,
                        })?;
                    (Some(old), local)
                }
                None => (None, doc),
            };
            let summary = match (&old, saved) {
                (None, Some((saved, Some(summary)))) => {
                    let heads = Heads::of(&mut merged);
                    self.tickets
                        .write_summarised(&mut batch, summary, saved, &heads, None)?
                }
                (None, Some((saved, None))) => {
                    let heads = Heads::of(&mut merged);
                    self.tickets
                        .write_saved(&mut batch, &merged, saved, &heads, None)?
                }
                _ => self.tickets.write(&mut batch, &mut merged, old.as_ref())?,
            };
            let had = old.as_ref().map_or(&[][..], |o| &o.summary.thumbnails[..]);
            if summary.thumbnails.len() > had.len() {
                self.want_thumbnails(&mut batch, &number, &summary.thumbnails)?;
            }
            match acked {
                Some(heads) => {
                    let pending = Heads::of(&mut merged) != heads;
                    self.note_acked(&mut batch, &number, &heads, pending);
                }
                None => self.note_changed(&mut batch, &number),
            }
        }
        for (year, seq) in counters {
            if seq > self.last_seq(year)? {
                batch.put(counter_key(year), seq.to_be_bytes());
            }
        }
        if let Some(cursor) = cursor {
            batch.put(sync::CURSOR, cursor.to_be_bytes());
        }
        self.kv.commit(batch).map_err(StoreError::from)
    }

    /// The last sequence number this site allocated in `year`.
    fn last_seq(&self, year: u16) -> Result<u32, StoreError> {
        Ok(self
            .kv
            .get(counter_key(year))?
            .and_then(|v| <[u8; 4]>::try_from(v.as_slice()).ok())
            .map_or(0, u32::from_be_bytes))
    }

    pub fn add_area(
        &self,
        code: &AreaCode,
        name: Option<String>,
        now: DateTime<Utc>,
    ) -> Result<Area, StoreError> {
        if self.kv.get(area_key(code))?.is_some() {
            return Err(StoreError::AreaExists(code.clone()));
        }
        let area = Area {
            code: code.clone(),
            name,
            added_at: now,
            units: 0,
        };
        let mut batch = Batch::default();
        batch.put(
            area_key(code),
            serde_json::to_vec(&area).expect("areas serialise"),
        );
        self.kv.commit(batch)?;
        Ok(area)
    }

    /// Every storage area with the number of units stored in it now.
    /// The storage areas, with how many units each holds (which reads the area index whole:
    /// see [`Store::area_names`] for the areas alone).
    pub fn areas(&self) -> Result<Vec<Area>, StoreError> {
        let mut areas = self.area_names()?;
        for area in &mut areas {
            area.units = self.tickets.units_in_area(&area.code)?;
        }
        Ok(areas)
    }

    /// The storage areas, without counting their units.
    pub fn area_names(&self) -> Result<Vec<Area>, StoreError> {
        let mut areas = Vec::new();
        for entry in self.kv.scan(b"area:") {
            let (_, value) = entry?;
            let area: Area = serde_json::from_slice(&value).map_err(|err| StoreError::Damaged {
                number: "storage areas".into(),
                source: DocError::Corrupt(err.to_string()),
            })?;
            areas.push(area);
        }
        Ok(areas)
    }

    pub fn require_area(&self, code: &AreaCode) -> Result<(), StoreError> {
        match self.kv.get(area_key(code))? {
            Some(_) => Ok(()),
            None => Err(StoreError::UnknownArea(code.clone())),
        }
    }
}

const META_SITE: &str = "meta:site";
/// What an agent's backups say they are.
const BACKUP_KIND: &str = "agent";
const META_ACTOR: &str = "meta:actor";

fn store_path(dir: &Path) -> PathBuf {
    dir.join("store")
}

fn parse_site(bytes: &[u8]) -> Result<SiteCode, StoreError> {
    SiteCode::parse(&String::from_utf8_lossy(bytes)).map_err(|e| StoreError::Damaged {
        number: "site settings".into(),
        source: DocError::Corrupt(e.to_string()),
    })
}

/// The areas an event puts units into; they must be set up first.
fn areas_named(kind: &EventKind) -> Vec<&AreaCode> {
    match kind {
        EventKind::Moved { to, .. } => vec![to],
        EventKind::Received(r) => r.area.iter().collect(),
        _ => vec![],
    }
}

/// How many pre-printed label codes this site has reserved.
const LABEL_COUNTER: &str = "meta:labels";

fn reserved_count(bytes: Option<&[u8]>) -> u32 {
    bytes
        .and_then(|v| <[u8; 4]>::try_from(v).ok())
        .map_or(0, u32::from_be_bytes)
}

fn label_key(label: &Reserved) -> String {
    format!("lbl:{label}")
}

fn counter_key(year: u16) -> String {
    format!("meta:counter:{year:04}")
}

fn area_key(code: &AreaCode) -> String {
    format!("area:{code}")
}

mod files;
mod sync;

pub use files::{FilesWaiting, Owed};

#[cfg(test)]
#[path = "store_tests.rs"]
mod tests;
