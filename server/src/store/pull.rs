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
        Ok(feed::Feed::all(&self.kv).head()?)
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
            .snapshot(|kv| self.within(kv).page(site, cursor, limit, told))?;
        if !page.entries.is_empty() {
            tracing::info!(%site, cursor, tickets = page.entries.len(), "pull");
        }
        self.note_sync(site, page.cursor, told, now)?;
        Ok(page)
    }

    /// One page of the feed after `cursor`, read in one view: the whole feed for a site that
    /// holds every ticket, the site's own feed for one that holds its own work.
    fn page(
        &self,
        site: &SiteCode,
        cursor: u64,
        limit: usize,
        told: &Told,
    ) -> Result<PullResponse, ServerStoreError> {
        let holds = self.holds(site)?;
        let head = self.feed_head()?;
        let cursor = cursor.min(head);
        // The positions read: at most MAX_POSITIONS of the whole feed; a site's own feed
        // holds only what the page may send.
        let (feed, last) = match holds {
            super::Holds::All => (
                feed::Feed::all(&self.kv),
                cursor.saturating_add(MAX_POSITIONS).min(head),
            ),
            super::Holds::Own => (feed::Feed::of_site(&self.kv, site), head),
        };
        // The positions after the cursor, each with the ticket to send for it: none for what
        // the site pushed itself (it holds that) or for a ticket this page sends already (sent
        // as it is now, which covers its later positions too).
        let mut positions: Vec<(u64, Option<TicketNumber>)> = Vec::new();
        let mut wanted: HashSet<TicketNumber> = HashSet::new();
        let mut whole = true;
        for position in feed.positions(cursor + 1, last)? {
            let (seq, text) = position?;
            let mut fields = text.split('\t');
            let (number, origin) = (fields.next().unwrap_or(""), fields.next().unwrap_or(""));
            // What the asking installation pushed itself it holds already; a position of
            // another installation of the site (a second PC) is sent. Without names on either
            // side (versions before them), the site's own positions are left out.
            let own = origin == site.as_str() && fields.next() == told.installation.as_deref();
            let send = match TicketNumber::parse(number) {
                Ok(number) if !own && !wanted.contains(&number) => {
                    if wanted.len() == limit {
                        whole = false;
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
                    whole = false;
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
        if whole {
            // Every position up to `last` was read: those of other sites' tickets too.
            end = last;
        }
        let more = end < head;
        self.pause_at(Point::BeforeDigest);
        let digest = match (more, holds) {
            (true, _) => None,
            (false, super::Holds::All) => Some(self.tickets.digest()?),
            (false, super::Holds::Own) => Some(self.scope_digest(site)?),
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
