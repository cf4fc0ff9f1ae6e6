//! A pull: the feed from a site's cursor, a page bounded by bytes and count, with the digest
//! that matches its end.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use rma_shared::sync::{FeedEntry, PAGE_BYTES, PullResponse, SUMMARY_RULES, Summaries};
use rma_shared::{SiteCode, TicketNumber};

use super::*;

impl ServerStore {
    /// The last feed position: the last one written.
    pub fn feed_head(&self) -> Result<u64, ServerStoreError> {
        match self.kv.scan_rev(FEED).next() {
            Some(entry) => Ok(feed_seq(&entry?.0)),
            None => Ok(0),
        }
    }

    /// Feed entries after `cursor`: at most `limit` tickets and [`PAGE_BYTES`] of documents
    /// (a larger ticket alone), each ticket once, whole, as it is now. Read under the feed's
    /// lock, so the digest on the last page is exactly that of the feed up to its cursor.
    pub fn pull(
        &self,
        site: &SiteCode,
        cursor: u64,
        limit: usize,
        told: &Told,
        now: DateTime<Utc>,
    ) -> Result<PullResponse, ServerStoreError> {
        let page = self
            .kv
            .snapshot(|kv| self.within(kv).page(site, cursor, limit))?;
        if !page.entries.is_empty() {
            tracing::info!(%site, cursor, tickets = page.entries.len(), "pull");
        }
        self.note_sync(site, page.cursor, told, now)?;
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
        let mut summaries = Vec::new();
        let mut bytes = 0;
        'page: for chunk in positions.chunks(READ_BATCH) {
            let numbers: Vec<TicketNumber> = chunk.iter().filter_map(|(_, n)| n.clone()).collect();
            let mut held = self.held_many(&numbers)?;
            for (seq, send) in chunk {
                let Some((entry, summary)) = send.as_ref().and_then(|n| held.remove(n)) else {
                    end = *seq;
                    continue;
                };
                if !entries.is_empty() && bytes + entry.doc.len() > PAGE_BYTES {
                    break 'page;
                }
                bytes += entry.doc.len();
                entries.push(FeedEntry { seq: *seq, ..entry });
                summaries.push(serde_bytes::ByteBuf::from(
                    summary.map_or_else(Vec::new, |s| {
                        serde_json::to_vec(&s).expect("summaries serialise")
                    }),
                ));
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
            summaries: Some(Summaries {
                rules: SUMMARY_RULES,
                each: summaries,
            }),
        })
    }
}
