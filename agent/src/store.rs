//! The agent's local store: ticket documents, the per-site number counter, storage areas and
//! the indexes listings use, on top of [`crate::kv`].
//!
//! Keys (one ordered keyspace):
//! ```text
//! meta:site                      site code chosen at init
//! meta:actor                     this installation's Automerge actor id
//! meta:counter:{YYYY}            last ticket sequence number allocated that year (u32 BE)
//! t:{number}                     the ticket: its summary (JSON) and its saved Automerge
//!                                document, in one value (see `encode_ticket`)
//! area:{CODE}                    storage area (JSON)
//! ix:status:{status}\0{number}   indexes; the value is the display form of the number
//! ix:model:{model}\0{number}
//! ix:area:{CODE}\0{number}       value: the number and how many of its units are there
//! ix:due:{deadline}\0{since, ms BE}{number}
//! ```
//! `{number}` in keys is a sortable form (sequence padded to 10 digits). A command on one
//! ticket reads and writes only that ticket's keys, so its cost does not grow with the store.
//! Few keys per ticket matter: sled's start-up time grows with the number of tree pages, and
//! a leaf page holds at most 16 keys.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Datelike, Utc};
use rma_shared::automerge::ActorId;
use rma_shared::event::EventKind;
use rma_shared::{
    AreaCode, DeadlineSettings, DocError, Event, RecordError, Refusal, Registration, SiteCode,
    TicketDoc, TicketId, TicketNumber, TicketStatus, TicketSummary, Workflow,
};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::kv::{Batch, Entry, Kv, KvError};

#[derive(Debug, Error)]
pub enum StoreError {
    #[error(
        "there is no agent data in {0} yet: run `rma-agent init --site CODE` first, or point --data at the right folder"
    )]
    NotInitialised(PathBuf),
    #[error(
        "this agent was already set up for site {0}; a site code cannot change once tickets are numbered with it"
    )]
    AlreadyInitialised(SiteCode),
    #[error("there is no ticket {0} here: check the number (`rma-agent list` shows the tickets)")]
    UnknownTicket(TicketNumber),
    #[error("storage area {0} is not set up: add it with `rma-agent area add {0}`")]
    UnknownArea(AreaCode),
    #[error("storage area {0} already exists")]
    AreaExists(AreaCode),
    #[error("not allowed: {0}")]
    Refused(Refusal),
    #[error("ticket {number} is damaged in the local store: {source}")]
    Damaged {
        number: String,
        #[source]
        source: DocError,
    },
    #[error(transparent)]
    Kv(#[from] KvError),
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

/// What `list` asks for. Every filter given must match.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub status: Option<TicketStatus>,
    pub model: Option<String>,
    pub area: Option<AreaCode>,
    /// Only tickets past one of the regulation's deadlines at this instant.
    pub overdue_at: Option<DateTime<Utc>>,
    pub limit: usize,
}

/// One page of a listing, newest ticket first.
#[derive(Debug, Clone, Serialize)]
pub struct Listing {
    pub tickets: Vec<TicketSummary>,
    /// More tickets matched than the limit allowed.
    pub more: bool,
}

/// A handle on the store; clones share it.
#[derive(Debug, Clone)]
pub struct Store {
    kv: Kv,
    site: SiteCode,
    actor: ActorId,
}

impl Store {
    /// Sets up a new data folder for `site`. Running it again with the same site is harmless.
    pub fn init(dir: &Path, site: SiteCode) -> Result<Self, StoreError> {
        let kv = Kv::open(&store_path(dir))?;
        if let Some(existing) = kv.get(META_SITE)? {
            let existing = parse_site(&existing)?;
            if existing != site {
                return Err(StoreError::AlreadyInitialised(existing));
            }
        } else {
            let mut batch = Batch::default();
            batch.put(META_SITE, site.as_str());
            batch.put(META_ACTOR, ActorId::random().to_bytes());
            kv.commit(batch)?;
        }
        Self::from_kv(dir, kv)
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
        Ok(Self { kv, site, actor })
    }

    pub fn site(&self) -> &SiteCode {
        &self.site
    }

    /// Registers a new ticket under the next number of this site and year. The number is
    /// allocated in the same atomic, flushed write as the ticket, so it is never reused.
    pub fn create(
        &self,
        registration: &Registration,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<TicketDoc, StoreError> {
        let year = u16::try_from(now.year()).expect("a year of the common era");
        let counter_key = counter_key(year);
        let last = self.last_seq(year)?;
        let number = TicketNumber::new(self.site.clone(), year, last + 1);
        let registered = Event::new(EventKind::Registered, self.site.clone(), by, now);
        let mut doc = TicketDoc::create(
            TicketId::random(),
            number.clone(),
            registration,
            registered,
            self.actor.clone(),
        );
        let mut batch = Batch::default();
        batch.put(&counter_key, (last + 1).to_be_bytes());
        self.write_doc(&mut batch, &mut doc, None)?;
        self.kv.commit(batch)?;
        Ok(doc)
    }

    /// Loads one ticket.
    pub fn load(&self, number: &TicketNumber) -> Result<TicketDoc, StoreError> {
        self.read(number)?
            .map(|(_, doc)| doc)
            .ok_or_else(|| StoreError::UnknownTicket(number.clone()))
    }

    /// The summary and document of a ticket, if it is here.
    fn read(
        &self,
        number: &TicketNumber,
    ) -> Result<Option<(TicketSummary, TicketDoc)>, StoreError> {
        let Some(bytes) = self.kv.get(ticket_key(number))? else {
            return Ok(None);
        };
        let damaged = |source| StoreError::Damaged {
            number: number.to_string(),
            source,
        };
        let (summary, doc) = decode_ticket(&bytes).map_err(damaged)?;
        let mut doc = TicketDoc::load(doc).map_err(damaged)?;
        doc.set_actor(self.actor.clone());
        Ok(Some((summary, doc)))
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
        for area in areas_named(&kind) {
            self.require_area(area)?;
        }
        let (old, mut doc) = self
            .read(number)?
            .ok_or_else(|| StoreError::UnknownTicket(number.clone()))?;
        let event = Event::new(kind, self.site.clone(), by, now);
        let flow = doc.record(event).map_err(|err| match err {
            RecordError::Refused(refusal) => StoreError::Refused(refusal),
            RecordError::Doc(source) => StoreError::Damaged {
                number: number.to_string(),
                source,
            },
        })?;
        let mut batch = Batch::default();
        self.write_doc(&mut batch, &mut doc, Some(&old))?;
        self.kv.commit(batch)?;
        Ok((doc, flow))
    }

    /// Takes in ticket documents made elsewhere (another replica, a restore, a benchmark),
    /// merging each with the local copy if there is one, in one durable write. This site's
    /// counter moves past any of its own numbers seen, so a restored store never reuses one.
    pub fn import(&self, incoming: Vec<TicketDoc>) -> Result<usize, StoreError> {
        let mut batch = Batch::default();
        let mut counters: BTreeMap<u16, u32> = BTreeMap::new();
        let count = incoming.len();
        for mut doc in incoming {
            let number = doc.number().clone();
            let (old, mut merged) = match self.read(&number)? {
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
            if number.site() == &self.site {
                let top = counters.entry(number.year()).or_default();
                *top = (*top).max(number.seq());
            }
            self.write_doc(&mut batch, &mut merged, old.as_ref())?;
        }
        for (year, seq) in counters {
            if seq > self.last_seq(year)? {
                batch.put(counter_key(year), seq.to_be_bytes());
            }
        }
        self.kv.commit(batch)?;
        Ok(count)
    }

    /// The last sequence number this site allocated in `year`.
    fn last_seq(&self, year: u16) -> Result<u32, StoreError> {
        Ok(self
            .kv
            .get(counter_key(year))?
            .and_then(|v| <[u8; 4]>::try_from(v.as_slice()).ok())
            .map_or(0, u32::from_be_bytes))
    }

    /// The summary of a ticket, without loading its document.
    pub fn summary(&self, number: &TicketNumber) -> Result<Option<TicketSummary>, StoreError> {
        let Some(bytes) = self.kv.get(ticket_key(number))? else {
            return Ok(None);
        };
        decode_ticket(&bytes)
            .map(|(summary, _)| Some(summary))
            .map_err(|source| StoreError::Damaged {
                number: number.to_string(),
                source,
            })
    }

    /// Saves the document and brings its summary and index entries up to date, in `batch`.
    fn write_doc(
        &self,
        batch: &mut Batch,
        doc: &mut TicketDoc,
        old: Option<&TicketSummary>,
    ) -> Result<(), StoreError> {
        let summary = TicketSummary::build(doc).map_err(|source| StoreError::Damaged {
            number: doc.number().to_string(),
            source,
        })?;
        batch.put(
            ticket_key(doc.number()),
            encode_ticket(&summary, &doc.save()),
        );
        let new = index_entries(&summary);
        if let Some(old) = old {
            for key in index_entries(old).keys().filter(|k| !new.contains_key(*k)) {
                batch.delete(key);
            }
        }
        for (key, value) in new {
            batch.put(key, value);
        }
        Ok(())
    }

    /// Tickets matching `filter`, newest first, at most `filter.limit` (0: no limit).
    pub fn list(
        &self,
        filter: &ListFilter,
        deadlines: &DeadlineSettings,
    ) -> Result<Listing, StoreError> {
        let candidates = self.candidates(filter, deadlines)?;
        let limit = if filter.limit == 0 {
            usize::MAX
        } else {
            filter.limit
        };
        let mut tickets = Vec::new();
        let mut more = false;
        for number in candidates {
            let number = number?;
            let Some(summary) = self.summary(&number)? else {
                continue;
            };
            if !matches(&summary, filter, deadlines) {
                continue;
            }
            if tickets.len() == limit {
                more = true;
                break;
            }
            tickets.push(summary);
        }
        Ok(Listing { tickets, more })
    }

    /// Ticket numbers to look at for `filter`, from the most selective index, newest first.
    fn candidates(
        &self,
        filter: &ListFilter,
        deadlines: &DeadlineSettings,
    ) -> Result<Box<dyn Iterator<Item = Result<TicketNumber, StoreError>>>, StoreError> {
        let numbers = |iter: Box<dyn Iterator<Item = Entry>>| {
            iter.map(|entry| {
                let (_, value) = entry?;
                parse_number_value(&value)
            })
        };
        if let Some(area) = &filter.area {
            let prefix = area_prefix(area);
            return Ok(Box::new(numbers(Box::new(
                self.kv.scan(prefix.as_bytes()).rev(),
            ))));
        }
        if let Some(now) = filter.overdue_at {
            let mut seen = BTreeSet::new();
            for deadline in rma_shared::Deadline::ALL {
                let prefix = format!("ix:due:{}\0", deadline.as_str()).into_bytes();
                let mut end = prefix.clone();
                let bound = deadlines.latest_possible_start(deadline, now);
                end.extend_from_slice(&millis(bound).saturating_add(1).to_be_bytes());
                for entry in self.kv.range(&prefix, &end) {
                    let (_, value) = entry?;
                    seen.insert(parse_number_value(&value)?);
                }
            }
            return Ok(Box::new(seen.into_iter().rev().map(Ok)));
        }
        if let Some(status) = filter.status {
            let prefix = format!("ix:status:{}\0", status.as_str());
            return Ok(Box::new(numbers(Box::new(
                self.kv.scan(prefix.as_bytes()).rev(),
            ))));
        }
        if let Some(model) = &filter.model {
            let prefix = format!("ix:model:{}\0", model_key(model));
            return Ok(Box::new(numbers(Box::new(
                self.kv.scan(prefix.as_bytes()).rev(),
            ))));
        }
        Ok(Box::new(self.kv.scan(b"t:").rev().map(|entry| {
            let (key, _) = entry?;
            parse_number_value(&key["t:".len()..])
        })))
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
    pub fn areas(&self) -> Result<Vec<Area>, StoreError> {
        let mut areas = Vec::new();
        for entry in self.kv.scan(b"area:") {
            let (_, value) = entry?;
            let mut area: Area =
                serde_json::from_slice(&value).map_err(|err| StoreError::Damaged {
                    number: "storage areas".into(),
                    source: DocError::Corrupt(err.to_string()),
                })?;
            for entry in self.kv.scan(area_prefix(&area.code).as_bytes()) {
                let (_, value) = entry?;
                area.units += area_units(&value);
            }
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

/// The number with its sequence padded so keys sort in numeric order.
fn sortable(number: &TicketNumber) -> String {
    format!(
        "{}-{:04}-{:010}",
        number.site(),
        number.year(),
        number.seq()
    )
}

fn counter_key(year: u16) -> String {
    format!("meta:counter:{year:04}")
}

fn ticket_key(number: &TicketNumber) -> String {
    format!("t:{}", sortable(number))
}

/// A ticket's value: the length of its summary (u32 BE), the summary (JSON), the document.
fn encode_ticket(summary: &TicketSummary, doc: &[u8]) -> Vec<u8> {
    let json = serde_json::to_vec(summary).expect("summaries serialise");
    let len = u32::try_from(json.len()).expect("a summary is far smaller than 4 GiB");
    let mut value = Vec::with_capacity(4 + json.len() + doc.len());
    value.extend_from_slice(&len.to_be_bytes());
    value.extend_from_slice(&json);
    value.extend_from_slice(doc);
    value
}

fn decode_ticket(value: &[u8]) -> Result<(TicketSummary, &[u8]), DocError> {
    let bad = |what: &str| DocError::Corrupt(format!("its stored record is {what}"));
    let (len, rest) = value
        .split_first_chunk::<4>()
        .ok_or_else(|| bad("truncated"))?;
    let len = u32::from_be_bytes(*len) as usize;
    if rest.len() < len {
        return Err(bad("truncated"));
    }
    let (json, doc) = rest.split_at(len);
    let summary = serde_json::from_slice(json).map_err(|_| bad("unreadable"))?;
    Ok((summary, doc))
}

fn area_key(code: &AreaCode) -> String {
    format!("area:{code}")
}

fn area_prefix(code: &AreaCode) -> String {
    format!("ix:area:{code}\0")
}

fn model_key(model: &str) -> String {
    model.trim().to_lowercase()
}

fn millis(at: DateTime<Utc>) -> u64 {
    u64::try_from(at.timestamp_millis()).unwrap_or(0)
}

/// The index entries of one ticket: key, and the display number (of the unit, for areas).
fn index_entries(summary: &TicketSummary) -> BTreeMap<Vec<u8>, String> {
    let number = sortable(&summary.number);
    let display = summary.number.to_string();
    let mut entries = BTreeMap::new();
    let status = format!("ix:status:{}\0{number}", summary.status.as_str());
    entries.insert(status.into_bytes(), display.clone());
    let model = format!("ix:model:{}\0{number}", model_key(&summary.model));
    entries.insert(model.into_bytes(), display.clone());
    let mut per_area: BTreeMap<&AreaCode, usize> = BTreeMap::new();
    for unit in &summary.units {
        if let Some(area) = unit.location.area() {
            *per_area.entry(area).or_default() += 1;
        }
    }
    for (area, units) in per_area {
        let key = format!("{}{number}", area_prefix(area));
        entries.insert(key.into_bytes(), format!("{display}\t{units}"));
    }
    for pending in &summary.pending {
        let mut key = format!("ix:due:{}\0", pending.deadline.as_str()).into_bytes();
        key.extend_from_slice(&millis(pending.since).to_be_bytes());
        key.extend_from_slice(number.as_bytes());
        entries.insert(key, display.clone());
    }
    entries
}

fn parse_sortable(text: &str) -> Option<TicketNumber> {
    let mut parts = text.splitn(3, '-');
    let site = SiteCode::parse(parts.next()?).ok()?;
    let year = parts.next()?.parse().ok()?;
    let seq = parts.next()?.parse().ok()?;
    Some(TicketNumber::new(site, year, seq))
}

/// How many units an `ix:area:` entry counts.
fn area_units(value: &[u8]) -> usize {
    let text = String::from_utf8_lossy(value);
    text.split_once('\t')
        .and_then(|(_, n)| n.parse().ok())
        .unwrap_or(0)
}

fn parse_number_value(bytes: &[u8]) -> Result<TicketNumber, StoreError> {
    let text = String::from_utf8_lossy(bytes);
    let text = text.split('\t').next().unwrap_or_default();
    TicketNumber::parse(text)
        .ok()
        .or_else(|| parse_sortable(text))
        .ok_or_else(|| StoreError::Damaged {
            number: text.to_owned(),
            source: DocError::Missing("number"),
        })
}

fn matches(summary: &TicketSummary, filter: &ListFilter, deadlines: &DeadlineSettings) -> bool {
    filter.status.is_none_or(|s| summary.status == s)
        && filter
            .model
            .as_ref()
            .is_none_or(|m| model_key(m) == model_key(&summary.model))
        && filter
            .area
            .as_ref()
            .is_none_or(|a| summary.units.iter().any(|u| u.location.area() == Some(a)))
        && filter
            .overdue_at
            .is_none_or(|now| !summary.overdue(deadlines, now).is_empty())
}

#[cfg(test)]
#[path = "store_tests.rs"]
mod tests;
