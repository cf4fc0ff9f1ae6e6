//! The repair of a disagreement: the digest tree narrowed down to the tickets that differ,
//! the documents fetched; and the feed mended when its keys are of an older version.

use std::collections::{HashMap, HashSet};

use rma_shared::sync::{FeedEntry, FetchResponse, PAGE_BYTES, TreeNode};
use rma_shared::{SiteCode, TicketId, TicketNumber, TicketStatus, TicketSummary};
use rma_store::kv::Batch;

use super::*;

impl ServerStore {
    /// What the server holds of the tickets whose id starts with `prefix` (the repair of a
    /// disagreement narrows down to the tickets that differ).
    pub fn tree(&self, prefix: &[u8]) -> Result<TreeNode, ServerStoreError> {
        self.kv
            .snapshot(|kv| Ok::<_, ServerStoreError>(TicketStore::over(kv.clone()).tree(prefix)?))
    }

    /// Tickets by id that `site` holds, as many as fit in a page (at least one).
    pub fn fetch(
        &self,
        site: &SiteCode,
        ids: &[TicketId],
    ) -> Result<FetchResponse, ServerStoreError> {
        self.kv
            .snapshot(|kv| self.within(kv).fetch_in_view(site, ids))
    }

    fn fetch_in_view(
        &self,
        site: &SiteCode,
        ids: &[TicketId],
    ) -> Result<FetchResponse, ServerStoreError> {
        let mut response = FetchResponse::default();
        let mut bytes = 0;
        let holds_all = self.holds(site)? == super::Holds::All;
        for (i, id) in ids.iter().enumerate() {
            if !holds_all && !self.holds_ticket(site, *id)? {
                continue;
            }
            let Some(number) = self.tickets.number_of(*id)? else {
                continue;
            };
            let Some((entry, _)) = self
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

    /// What an agent receives of each ticket (position 0): the whole document with its
    /// summary, or for a ticket in the archive (or disposed of) only its number and heads,
    /// since its contents stay at the server (regulation 8).
    pub(super) fn held_many(
        &self,
        numbers: &[TicketNumber],
    ) -> Result<HashMap<TicketNumber, (FeedEntry, Option<TicketSummary>)>, ServerStoreError> {
        let stored = self.tickets.read_stored_many(numbers)?;
        let missing: Vec<TicketNumber> = numbers
            .iter()
            .zip(&stored)
            .filter(|(_, stored)| stored.is_none())
            .map(|(number, _)| number.clone())
            .collect();
        let mut held: HashMap<TicketNumber, (FeedEntry, Option<TicketSummary>)> = HashMap::new();
        for (number, stored) in numbers.iter().zip(stored) {
            let Some(stored) = stored else { continue };
            let archived = stored.summary.status == TicketStatus::Archived;
            let entry = FeedEntry {
                seq: 0,
                id: stored.summary.id,
                number: number.clone(),
                heads: stored.heads,
                doc: if archived { Vec::new() } else { stored.doc },
                archived,
            };
            held.insert(
                number.clone(),
                (entry, (!archived).then_some(stored.summary)),
            );
        }
        if !missing.is_empty() {
            for gone in self.tickets.gone_many(&missing)?.into_iter().flatten() {
                let entry = FeedEntry {
                    seq: 0,
                    id: gone.id,
                    number: gone.number.clone(),
                    heads: gone.heads,
                    doc: Vec::new(),
                    archived: true,
                };
                held.insert(gone.number, (entry, None));
            }
        }
        Ok(held)
    }

    /// Puts every ticket that is missing from the feed back on it (a feed written by an older
    /// version could lose entries when a push was cut off). Returns the tickets put back.
    pub fn repair_feed(&self) -> Result<Vec<TicketNumber>, ServerStoreError> {
        self.kv.exclusive(|kv| self.within(kv).feed_repairs())
    }

    /// What [`ServerStore::repair_feed`] writes, and the tickets put back.
    fn feed_repairs(&self) -> Result<(Batch, Vec<TicketNumber>), ServerStoreError> {
        let mut on_feed: HashSet<TicketNumber> = HashSet::new();
        for position in feed::Feed::all(&self.kv).every() {
            let (_, text) = position?;
            let number = text.split('\t').next().unwrap_or_default();
            if let Ok(number) = TicketNumber::parse(number) {
                on_feed.insert(number);
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
            if !on_feed.contains(&number) {
                seq += 1;
                tracing::warn!(ticket = %number, position = seq, "the ticket was missing from the feed; put back on it");
                Self::put_on_feed(&mut batch, seq, &number, "server", &self.holders(&number)?);
                missing.push(number);
            }
        }
        batch.put(FEED_FORMAT, FEED_VERSION.to_string());
        Ok((batch, missing))
    }
}
