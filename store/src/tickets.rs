//! Tickets in an ordered key/value store, with the summary and indexes listings need. The
//! agent's store builds on it, and so does the server's.
//!
//! Keys:
//! ```text
//! t:{number}                     the ticket: its summary (JSON) and its saved Automerge
//!                                document, in one value (see `encode_ticket`)
//! ix:status:{status}\0{number}   indexes; the value is the display form of the number
//! ix:model:{model}\0{number}
//! ix:area:{CODE}\0{number}       value: the number and how many of its units are there
//! ix:due:{deadline}\0{since, ms BE}{number}
//! ix:conflict\0{number}          tickets with conflicts not yet settled
//! gone:{number}                  a ticket whose contents are not here (JSON, see [`Gone`]):
//!                                archived at the server (what an agent keeps of it), or
//!                                disposed of (the server's tombstone); its `id:` entry stays
//! id:{ticket id, 16 bytes}       the number (sortable form) and heads, for the repair of sync
//! meta:digest:{byte}             the digest of the tickets whose id starts with that byte
//!                                (256-bit register); their sum is the digest of all
//! meta:tickets                   the version of these keys
//! ```
//! `{number}` in keys is a sortable form (sequence padded to 10 digits). A command on one
//! ticket reads and writes only that ticket's keys, so its cost does not grow with the store.
//! Few keys per ticket matter: sled's start-up time grows with the number of tree pages, and
//! a leaf page holds at most 16 keys.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use rma_shared::{
    AreaCode, DeadlineSettings, DocError, ListedTicket, SiteCode, TicketDoc, TicketList,
    TicketNumber, TicketStatus, TicketSummary,
};
use serde::Serialize;

use rma_shared::TicketId;
use rma_shared::sync::{Digest, Heads, LEAF_TICKETS, TreeNode};

use thiserror::Error;

use crate::kv::{Batch, Entry, Kv, KvError};

mod encoding;

use encoding::*;
pub use encoding::{Gone, Prior, Stored, parse_sortable, sortable};

/// The tickets of a store cannot be read or written.
#[derive(Debug, Error)]
pub enum TicketsError {
    Damaged {
        number: String,
        #[source]
        source: DocError,
    },
    #[error(transparent)]
    Kv(#[from] KvError),
}

impl rma_shared::i18n::Localized for TicketsError {
    fn message(&self, lang: rma_shared::i18n::Lang) -> String {
        match self {
            Self::Damaged { number, source } => rma_shared::tr!(
                lang,
                "store-damaged",
                ticket = number.as_str(),
                why = source.to_string()
            ),
            Self::Kv(err) => err.message(lang),
        }
    }
}
rma_shared::english_display!(TicketsError);

/// What `list` asks for. Every filter given must match.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub status: Option<TicketStatus>,
    pub model: Option<String>,
    pub area: Option<AreaCode>,
    /// Only tickets past one of the regulation's deadlines at this instant.
    pub overdue_at: Option<DateTime<Utc>>,
    /// The overdue tickets worked out already ([`TicketStore::overdue`], a few seconds ago):
    /// `overdue_at` then lists from them instead of walking the deadline index again.
    pub late: Option<std::sync::Arc<Vec<Vec<u8>>>>,
    /// Only tickets numbered by this site.
    pub site: Option<SiteCode>,
    /// Matching tickets to skip before the first one listed (for pages).
    pub offset: usize,
    pub limit: usize,
}

/// One page of a listing, newest ticket first.
#[derive(Debug, Clone, Serialize)]
pub struct Listing {
    pub tickets: Vec<TicketSummary>,
    /// More tickets matched than the limit allowed.
    pub more: bool,
}

impl Listing {
    /// The page as `rma-agent list --json` and the server's `GET /api/v1/tickets` give it:
    /// each summary with the deadlines it is past at `now`.
    pub fn page(&self, deadlines: &DeadlineSettings, now: DateTime<Utc>) -> TicketList {
        TicketList {
            tickets: self
                .tickets
                .iter()
                .map(|summary| ListedTicket {
                    overdue: summary.overdue(deadlines, now),
                    summary: summary.clone(),
                })
                .collect(),
            more: self.more,
        }
    }
}

/// The tickets of one store.
#[derive(Debug, Clone)]
pub struct TicketStore {
    kv: Kv,
}

impl TicketStore {
    /// The tickets of `kv` as they are (a view of a store opened already).
    pub fn over(kv: Kv) -> Self {
        Self { kv }
    }

    /// The tickets of `kv`, brought up to this version's keys (see [`TicketStore::upgrade`]).
    pub fn open(kv: Kv) -> Result<Self, TicketsError> {
        let tickets = Self { kv };
        if tickets.upgrade()? {
            tracing::info!("ticket indexes brought up to date");
        }
        if tickets.kv.get(DIGEST_ALL)?.is_none() {
            let mut batch = Batch::default();
            batch.add_to(DIGEST_ALL, &tickets.digest_of_parts()?);
            tickets.kv.commit(batch)?;
        }
        Ok(tickets)
    }

    /// The summary and document of a ticket, if it is here.
    pub fn read(
        &self,
        number: &TicketNumber,
    ) -> Result<Option<(TicketSummary, TicketDoc)>, TicketsError> {
        Ok(self
            .read_prior(number)?
            .map(|(prior, doc)| (prior.summary, doc)))
    }

    /// A ticket as stored: its summary, heads and saved document, without loading it.
    pub fn read_stored(&self, number: &TicketNumber) -> Result<Option<Stored>, TicketsError> {
        let Some(bytes) = self.kv.get(ticket_key(number))? else {
            return Ok(None);
        };
        decode_ticket(&bytes)
            .map(Some)
            .map_err(|source| TicketsError::Damaged {
                number: number.to_string(),
                source,
            })
    }

    /// Many tickets as stored, in the order asked (none: not here), read together.
    pub fn read_stored_many(
        &self,
        numbers: &[TicketNumber],
    ) -> Result<Vec<Option<Stored>>, TicketsError> {
        let keys: Vec<Vec<u8>> = numbers
            .iter()
            .map(|number| ticket_key(number).into_bytes())
            .collect();
        let values = self.kv.get_many(&keys)?;
        numbers
            .iter()
            .zip(values)
            .map(|(number, value)| {
                value
                    .map(|bytes| {
                        decode_ticket(&bytes).map_err(|source| TicketsError::Damaged {
                            number: number.to_string(),
                            source,
                        })
                    })
                    .transpose()
            })
            .collect()
    }

    /// The numbers of many tickets by id, in the order asked (none: not here).
    pub fn numbers_of(&self, ids: &[TicketId]) -> Result<Vec<Option<TicketNumber>>, TicketsError> {
        Ok(self
            .indexed(ids)?
            .into_iter()
            .map(|found| found.map(|(number, _)| number))
            .collect())
    }

    /// The number and heads of many tickets by id (archived ones too), in the order asked
    /// (none: not here).
    pub fn indexed(
        &self,
        ids: &[TicketId],
    ) -> Result<Vec<Option<(TicketNumber, Heads)>>, TicketsError> {
        let keys: Vec<Vec<u8>> = ids.iter().map(|id| id_key(*id)).collect();
        let values = self.kv.get_many(&keys)?;
        Ok(keys
            .iter()
            .zip(values)
            .map(|(key, value)| {
                value
                    .and_then(|value| decode_id_entry(key, &value))
                    .map(|(_, number, heads)| (number, heads))
            })
            .collect())
    }

    /// Every ticket's id, number and heads (archived ones too), in id order.
    pub fn all_indexed(&self) -> Result<Vec<(TicketId, TicketNumber, Heads)>, TicketsError> {
        let mut all = Vec::new();
        for entry in self.kv.scan(ID) {
            let (key, value) = entry?;
            if let Some(found) = decode_id_entry(&key, &value) {
                all.push(found);
            }
        }
        Ok(all)
    }

    /// The digest of every ticket's heads: the sum of the digests of the 256 parts of the id
    /// space (see [`TicketStore::tree`]), which every write keeps up to date. One sum, so the
    /// whole and its parts can never disagree.
    pub fn digest(&self) -> Result<Digest, TicketsError> {
        Ok(Digest::from_bytes(self.kv.register(DIGEST_ALL)?))
    }

    /// The digest of every ticket worked out from the parts' (for a store written before
    /// the digest of all was kept beside them, and for checks that both agree).
    pub fn digest_of_parts(&self) -> Result<[u8; 32], TicketsError> {
        Ok(self.parts()?.iter().fold([0; 32], |sum, part| {
            rma_shared::sync::add_u256(&sum, part.as_bytes())
        }))
    }

    /// The digests of the 256 parts of the id space, read together (every pull's last page
    /// and every repair start here).
    fn parts(&self) -> Result<Vec<Digest>, TicketsError> {
        let keys: Vec<Vec<u8>> = (0..=255u8).map(bucket_key).collect();
        Ok(self
            .kv
            .get_many(&keys)?
            .into_iter()
            .map(|value| {
                Digest::from_bytes(
                    value
                        .and_then(|v| <[u8; 32]>::try_from(v.as_slice()).ok())
                        .unwrap_or([0; 32]),
                )
            })
            .collect())
    }

    /// What this store holds of the tickets whose id starts with `prefix`: the digests of the
    /// 256 parts one byte longer, or, when few enough, each ticket with its heads.
    pub fn tree(&self, prefix: &[u8]) -> Result<TreeNode, TicketsError> {
        if prefix.is_empty() {
            return Ok(TreeNode::Branches(self.parts()?));
        }
        let leaves = self.leaves(prefix)?;
        if leaves.len() <= LEAF_TICKETS || prefix.len() >= 16 {
            return Ok(TreeNode::Leaves(leaves));
        }
        Ok(TreeNode::Branches(rma_shared::sync::branches(
            &leaves,
            prefix.len(),
        )))
    }

    /// Every ticket whose id starts with `prefix`, with its heads.
    pub fn leaves(&self, prefix: &[u8]) -> Result<Vec<(TicketId, Heads)>, TicketsError> {
        let mut key = ID.to_vec();
        key.extend_from_slice(prefix);
        let mut leaves = Vec::new();
        for entry in self.kv.scan(&key) {
            let (key, value) = entry?;
            if let Some((id, _, heads)) = decode_id_entry(&key, &value) {
                leaves.push((id, heads));
            }
        }
        Ok(leaves)
    }

    /// Replaces what is here of a ticket by the note that its contents are elsewhere (or
    /// gone), in `batch`: the document and its index entries go, the id entry stays with
    /// `gone.heads`, so the digests of the stores that agree on the ticket still agree.
    pub fn write_gone(&self, batch: &mut Batch, gone: &Gone) -> Result<(), TicketsError> {
        if let Some(stored) = self.read_stored(&gone.number)? {
            unindex_digest(batch, gone.id, &stored.heads);
            for key in index_entries(&stored.summary).into_keys() {
                batch.delete(key);
            }
            batch.delete(ticket_key(&gone.number));
        } else if let Some(value) = self.kv.get(id_key(gone.id))?
            && let Some((_, _, heads)) = decode_id_entry(&id_key(gone.id), &value)
        {
            unindex_digest(batch, gone.id, &heads);
        }
        index_id(batch, gone.id, &gone.number, &gone.heads);
        batch.put(
            gone_key(&gone.number),
            serde_json::to_vec(gone).expect("notes serialise"),
        );
        Ok(())
    }

    /// Removes every trace of ticket `id` here, in `batch`: its document, its index entries,
    /// its id entry and its share of the digests (a ticket this store no longer holds).
    /// Returns its number, or none if it is not here.
    pub fn remove(
        &self,
        batch: &mut Batch,
        id: TicketId,
    ) -> Result<Option<TicketNumber>, TicketsError> {
        let Some(value) = self.kv.get(id_key(id))? else {
            return Ok(None);
        };
        let Some((_, number, heads)) = decode_id_entry(&id_key(id), &value) else {
            return Ok(None);
        };
        if let Some(stored) = self.read_stored(&number)? {
            for key in index_entries(&stored.summary).into_keys() {
                batch.delete(key);
            }
            batch.delete(ticket_key(&number));
        }
        unindex_digest(batch, id, &heads);
        batch.delete(id_key(id));
        batch.delete(gone_key(&number));
        Ok(Some(number))
    }

    /// What is known of a ticket whose contents are not here.
    pub fn gone(&self, number: &TicketNumber) -> Result<Option<Gone>, TicketsError> {
        Ok(self
            .kv
            .get(gone_key(number))?
            .and_then(|bytes| serde_json::from_slice(&bytes).ok()))
    }

    /// The notes of many tickets, in the order asked.
    pub fn gone_many(&self, numbers: &[TicketNumber]) -> Result<Vec<Option<Gone>>, TicketsError> {
        let keys: Vec<Vec<u8>> = numbers.iter().map(|n| gone_key(n).into_bytes()).collect();
        Ok(self
            .kv
            .get_many(&keys)?
            .into_iter()
            .map(|value| value.and_then(|bytes| serde_json::from_slice(&bytes).ok()))
            .collect())
    }

    /// The number of the ticket with this id, if it is here.
    pub fn number_of(&self, id: TicketId) -> Result<Option<TicketNumber>, TicketsError> {
        let Some(value) = self.kv.get(id_key(id))? else {
            return Ok(None);
        };
        Ok(decode_id_entry(&id_key(id), &value).map(|(_, number, _)| number))
    }

    /// Brings a store written by an older version up to date: the id index and the digests
    /// per part of the id space are built from the tickets, and the digest of all is computed
    /// again. Returns whether anything had to be done.
    pub fn upgrade(&self) -> Result<bool, TicketsError> {
        let found = self.kv.get(FORMAT)?;
        if !crate::kv::needs_upgrade("ticket store", found.as_deref(), FORMAT_VERSION)? {
            return Ok(false);
        }
        let mut batch = Batch::default();
        for prefix in [ID, b"meta:digest".as_slice()] {
            for entry in self.kv.scan(prefix) {
                batch.delete(entry?.0);
            }
        }
        self.kv.commit(batch)?;
        let mut batch = Batch::default();
        for entry in self.kv.scan(b"t:") {
            let (key, value) = entry?;
            let stored = decode_ticket(&value).map_err(|source| TicketsError::Damaged {
                number: String::from_utf8_lossy(&key[2..]).into_owned(),
                source,
            })?;
            index_id(
                &mut batch,
                stored.summary.id,
                &stored.summary.number,
                &stored.heads,
            );
            // Indexes added since: the summary has what they need.
            for (key, value) in index_entries(&stored.summary) {
                batch.put(key, value);
            }
        }
        for entry in self.kv.scan(GONE) {
            if let Ok(gone) = serde_json::from_slice::<Gone>(&entry?.1) {
                index_id(&mut batch, gone.id, &gone.number, &gone.heads);
            }
        }
        batch.put(FORMAT, FORMAT_VERSION.to_string());
        self.kv.commit(batch)?;
        Ok(true)
    }

    /// A ticket as it is before a change, and its document.
    pub fn read_prior(
        &self,
        number: &TicketNumber,
    ) -> Result<Option<(Prior, TicketDoc)>, TicketsError> {
        self.read_stored(number)?
            .map(|stored| stored.into_prior(number))
            .transpose()
    }

    /// The summary of a ticket, without loading its document.
    /// Whether the ticket's document is here (without reading its summary).
    pub fn holds(&self, number: &TicketNumber) -> Result<bool, TicketsError> {
        Ok(self.kv.get(ticket_key(number))?.is_some())
    }

    pub fn summary(&self, number: &TicketNumber) -> Result<Option<TicketSummary>, TicketsError> {
        Ok(self.read_stored(number)?.map(|stored| stored.summary))
    }

    /// Saves the document and brings its summary and index entries up to date, in `batch`.
    pub fn write(
        &self,
        batch: &mut Batch,
        doc: &mut TicketDoc,
        old: Option<&Prior>,
    ) -> Result<TicketSummary, TicketsError> {
        let saved = doc.save();
        let heads = Heads::of(doc);
        self.write_saved(batch, doc, &saved, &heads, old)
    }

    /// As [`TicketStore::write`], for a document whose saved form and heads are at hand
    /// (`saved` must be a save of `doc`): no need to save it again.
    pub fn write_saved(
        &self,
        batch: &mut Batch,
        doc: &TicketDoc,
        saved: &[u8],
        heads: &Heads,
        old: Option<&Prior>,
    ) -> Result<TicketSummary, TicketsError> {
        let summary = TicketSummary::build(doc).map_err(|source| TicketsError::Damaged {
            number: doc.number().to_string(),
            source,
        })?;
        self.write_summarised(batch, summary, saved, heads, old)
    }

    /// As [`TicketStore::write_saved`], with the document's summary built already.
    pub fn write_summarised(
        &self,
        batch: &mut Batch,
        summary: TicketSummary,
        saved: &[u8],
        heads: &Heads,
        old: Option<&Prior>,
    ) -> Result<TicketSummary, TicketsError> {
        batch.put(
            ticket_key(&summary.number),
            encode_ticket(&summary, heads, saved),
        );
        let new = index_entries(&summary);
        index_id(batch, summary.id, &summary.number, heads);
        let mut had = BTreeMap::new();
        if let Some(old) = old {
            unindex_digest(batch, old.summary.id, &old.heads);
            had = index_entries(&old.summary);
            for key in had.keys().filter(|k| !new.contains_key(*k)) {
                batch.delete(key);
            }
        }
        // An entry the ticket had already, as it is, stays as written: most steps move no
        // index (a write costs sled the same whether or not the value changed). This relies on
        // the stored entries being those `index_entries` gives for the stored summary: a change
        // to the indexes comes with a new FORMAT_VERSION, whose upgrade writes them all again.
        for (key, value) in new {
            if had.get(&key) != Some(&value) {
                batch.put(key, value);
            }
        }
        Ok(summary)
    }

    /// Tickets matching `filter`, newest first, at most `filter.limit` (0: no limit).
    pub fn list(
        &self,
        filter: &ListFilter,
        deadlines: &DeadlineSettings,
    ) -> Result<Listing, TicketsError> {
        let candidates = self.candidates(filter, deadlines)?;
        let limit = if filter.limit == 0 {
            usize::MAX
        } else {
            filter.limit
        };
        let mut tickets = Vec::new();
        let mut more = false;
        let mut skip = filter.offset;
        for number in candidates {
            let number = number?;
            if filter.site.as_ref().is_some_and(|s| number.site() != s) {
                continue;
            }
            let Some(summary) = self.summary(&number)? else {
                continue;
            };
            if !matches(&summary, filter, deadlines) {
                continue;
            }
            if skip > 0 {
                skip -= 1;
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

    /// The tickets past a deadline at `now` (as their index values, not parsed, in number
    /// order), read from the deadline index alone: the time a deadline runs from is in each
    /// key.
    pub fn overdue(
        &self,
        deadlines: &DeadlineSettings,
        now: DateTime<Utc>,
    ) -> Result<Vec<Vec<u8>>, TicketsError> {
        Ok(self.overdue_set(deadlines, now)?.into_iter().collect())
    }

    fn overdue_set(
        &self,
        deadlines: &DeadlineSettings,
        now: DateTime<Utc>,
    ) -> Result<BTreeSet<Vec<u8>>, TicketsError> {
        let mut late = BTreeSet::new();
        for deadline in rma_shared::Deadline::ALL {
            let prefix = format!("ix:due:{}\0", deadline.as_str()).into_bytes();
            let mut end = prefix.clone();
            let bound = deadlines.latest_possible_start(deadline, now);
            end.extend_from_slice(&millis(bound).saturating_add(1).to_be_bytes());
            for entry in self.kv.range(&prefix, &end) {
                let (key, value) = entry?;
                let since = key
                    .get(prefix.len()..prefix.len() + 8)
                    .and_then(|b| <[u8; 8]>::try_from(b).ok())
                    .and_then(|b| i64::try_from(u64::from_be_bytes(b)).ok())
                    .and_then(DateTime::from_timestamp_millis);
                let Some(since) = since else { continue };
                if deadlines.is_overdue(&rma_shared::Pending { deadline, since }, now) {
                    late.insert(value);
                }
            }
        }
        Ok(late)
    }

    /// Ticket numbers to look at for `filter`, from the most selective index, newest first.
    fn candidates(
        &self,
        filter: &ListFilter,
        deadlines: &DeadlineSettings,
    ) -> Result<Box<dyn Iterator<Item = Result<TicketNumber, TicketsError>>>, TicketsError> {
        let numbers = |iter: Box<dyn Iterator<Item = Entry>>| {
            iter.map(|entry| {
                let (_, value) = entry?;
                parse_number_value(&value)
            })
        };
        if let Some(area) = &filter.area {
            let prefix = area_prefix(area);
            return Ok(Box::new(numbers(Box::new(
                self.kv.scan_rev(prefix.as_bytes()),
            ))));
        }
        if let Some(now) = filter.overdue_at {
            // Display numbers sort as the numbers do (up to 99,999 a year): parse only the
            // ones a page reads.
            let late = match &filter.late {
                Some(late) => late.clone(),
                None => std::sync::Arc::new(self.overdue(deadlines, now)?),
            };
            return Ok(Box::new(
                (0..late.len())
                    .rev()
                    .map(move |i| parse_number_value(&late[i])),
            ));
        }
        if let Some(status) = filter.status {
            let prefix = format!("ix:status:{}\0", status.as_str());
            return Ok(Box::new(numbers(Box::new(
                self.kv.scan_rev(prefix.as_bytes()),
            ))));
        }
        if let Some(model) = &filter.model {
            let prefix = format!("ix:model:{}\0", model_key(model));
            return Ok(Box::new(numbers(Box::new(
                self.kv.scan_rev(prefix.as_bytes()),
            ))));
        }
        let prefix = match &filter.site {
            Some(site) => format!("t:{site}-"),
            None => "t:".to_owned(),
        };
        Ok(Box::new(self.kv.scan_rev(prefix.as_bytes()).map(|entry| {
            let (key, _) = entry?;
            parse_number_value(&key["t:".len()..])
        })))
    }

    /// The tickets with conflicts nobody has settled yet, newest first.
    pub fn with_conflicts(&self) -> Result<Vec<TicketNumber>, TicketsError> {
        self.kv
            .scan_rev(CONFLICTS.as_bytes())
            .map(|entry| parse_number_value(&entry?.1))
            .collect()
    }

    /// How many units are in a storage area now.
    pub fn units_in_area(&self, area: &AreaCode) -> Result<usize, TicketsError> {
        let mut units = 0;
        for entry in self.kv.scan(area_prefix(area).as_bytes()) {
            let (_, value) = entry?;
            units += area_units(&value);
        }
        Ok(units)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rma_shared::TicketStatus;
    use rma_shared::automerge::ActorId;

    #[test]
    fn a_write_that_moves_no_index_writes_no_index_entry() {
        let dir = tempfile::tempdir().unwrap();
        let tickets = TicketStore::over(Kv::open(dir.path()).unwrap());
        let site = SiteCode::parse("WH1").unwrap();
        let mut doc = rma_shared::testing::ticket(&site, 1, &ActorId::random(), Utc::now());
        let saved = doc.save();
        let heads = Heads::of(&mut doc);
        let summary = TicketSummary::build(&doc).unwrap();
        // The index entries a write puts (Some) and deletes (None).
        let index_writes = |old: Option<&Prior>, summary: TicketSummary, heads: &Heads| {
            let mut batch = Batch::default();
            tickets
                .write_summarised(&mut batch, summary, &saved, heads, old)
                .unwrap();
            let writes = batch.into_writes().values;
            writes
                .into_iter()
                .filter(|(key, _)| key.starts_with(b"ix:"))
                .map(|(key, value)| (String::from_utf8_lossy(&key).into_owned(), value))
                .collect::<Vec<_>>()
        };
        assert!(!index_writes(None, summary.clone(), &heads).is_empty());
        let prior = Prior {
            summary: summary.clone(),
            heads: heads.clone(),
        };
        let later = Heads::from_bytes(&[7; 32]).unwrap();
        assert_eq!(
            index_writes(Some(&prior), summary.clone(), &later),
            vec![],
            "a step that moved no index"
        );
        let mut held = summary;
        held.status = TicketStatus::OnHold;
        let moved = index_writes(Some(&prior), held, &later);
        assert_eq!(moved.len(), 2, "{moved:?}");
        assert!(moved.iter().all(|(key, _)| key.starts_with("ix:status:")));
        assert!(
            moved
                .iter()
                .any(|(key, value)| value.is_none() && key.contains("registered"))
        );
        assert!(
            moved
                .iter()
                .any(|(key, value)| value.is_some() && key.contains("on_hold"))
        );
    }
}
