//! What the store keeps for sync: the server it syncs with, the heads the server
//! acknowledged per ticket, which tickets have changes to push, and the pull cursor.
//!
//! ```text
//! meta:server                    server URL and this site's token (JSON)
//! meta:cursor                    feed position pulled up to (u64 BE)
//! meta:last_sync                 what the last successful sync did (JSON)
//! sync:acked:{number}            heads the server acknowledged (32 bytes each)
//! sync:dirty:{number}            the ticket has changes the server has not acknowledged
//! sync:refused:{number}          why the server (or this agent) would not take the ticket,
//!                                and its heads then (JSON): not sent again until it changes
//! meta:bound                     the server this installation's actor is bound to (its URL)
//! meta:clock                     this PC's clock against the server's, as last measured (JSON)
//! ```

use std::fmt;

use chrono::{DateTime, Utc};
use rma_shared::sync::{FeedEntry, Heads, PullResponse, PushResult, SUMMARY_RULES};
use rma_shared::{DocError, TicketDoc, TicketId, TicketNumber, TicketSummary};
use serde::{Deserialize, Serialize};

use super::{Store, StoreError};
use rma_store::kv::Batch;
use rma_store::tickets::Gone;

pub(super) const CURSOR: &str = "meta:cursor";
/// The version (`ETag`) of the server's directory of accounts held here.
const DIRECTORY_VERSION: &str = "meta:directory-version";
const SERVER: &str = "meta:server";
const LAST_SYNC: &str = "meta:last_sync";
const ACKED: &str = "sync:acked:";
const DIRTY: &str = "sync:dirty:";
const REFUSED: &str = "sync:refused:";
const BOUND: &str = "meta:bound";
const CLOCK: &str = "meta:clock";

/// A ticket the server would not take, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refused {
    pub number: TicketNumber,
    pub reason: String,
    /// The ticket's heads when it was refused: it is sent again once it changes.
    pub heads: Heads,
}

/// The server this agent syncs with.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerLink {
    pub url: String,
    pub token: String,
    /// The company's certificate authority (PEM), trusted besides the system's for https.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_cert: Option<String>,
}

impl ServerLink {
    /// A link trusting only the system's certificate authorities.
    pub fn new(url: impl Into<String>, token: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            token: token.into(),
            ca_cert: None,
        }
    }
}

impl fmt::Debug for ServerLink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerLink")
            .field("url", &self.url)
            .field("token", &"<secret>")
            .field("ca_cert", &self.ca_cert.is_some())
            .finish()
    }
}

/// What the last successful sync did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LastSync {
    pub at: DateTime<Utc>,
    pub pushed: usize,
    pub pulled: usize,
}

fn key(prefix: &str, number: &TicketNumber) -> String {
    format!("{prefix}{}", rma_store::tickets::sortable(number))
}

impl Store {
    /// Marks a ticket as having changes to push.
    pub(super) fn note_changed(&self, batch: &mut Batch, number: &TicketNumber) {
        batch.put(key(DIRTY, number), number.to_string());
    }

    /// Notes the server's heads of a ticket new here, which has no mark to clear.
    pub(super) fn note_acked_new(&self, batch: &mut Batch, number: &TicketNumber, heads: &Heads) {
        batch.put(key(ACKED, number), heads.to_bytes());
    }

    /// Records that the server holds `heads` of a ticket; `pending` if the local copy has more.
    pub(super) fn note_acked(
        &self,
        batch: &mut Batch,
        number: &TicketNumber,
        heads: &Heads,
        pending: bool,
    ) {
        batch.put(key(ACKED, number), heads.to_bytes());
        if pending {
            self.note_changed(batch, number);
        } else {
            batch.delete(key(DIRTY, number));
        }
    }

    pub fn server(&self) -> Result<Option<ServerLink>, StoreError> {
        Ok(self
            .kv
            .get(SERVER)?
            .and_then(|bytes| serde_json::from_slice(&bytes).ok()))
    }

    pub fn set_server(&self, link: &ServerLink) -> Result<(), StoreError> {
        let mut batch = Batch::default();
        batch.put(SERVER, serde_json::to_vec(link).expect("links serialise"));
        Ok(self.kv.commit(batch)?)
    }

    pub fn cursor(&self) -> Result<u64, StoreError> {
        Ok(self
            .kv
            .get(CURSOR)?
            .and_then(|v| <[u8; 8]>::try_from(v.as_slice()).ok())
            .map_or(0, u64::from_be_bytes))
    }

    /// Tickets with changes the server has not acknowledged, oldest number first.
    pub fn pending(&self) -> Result<Vec<TicketNumber>, StoreError> {
        let mut numbers = Vec::new();
        for entry in self.kv.scan(DIRTY.as_bytes()) {
            let (_, value) = entry?;
            if let Ok(number) = TicketNumber::parse(&String::from_utf8_lossy(&value)) {
                numbers.push(number);
            }
        }
        Ok(numbers)
    }

    /// How many tickets have changes to push, counted up to `at_most`.
    pub fn pending_count(&self, at_most: usize) -> Result<usize, StoreError> {
        let mut count = 0;
        for entry in self.kv.scan(DIRTY.as_bytes()).take(at_most) {
            entry?;
            count += 1;
        }
        Ok(count)
    }

    /// Records that a ticket has nothing left to push.
    pub fn clear_pending(&self, number: &TicketNumber) -> Result<(), StoreError> {
        let mut batch = Batch::default();
        batch.delete(key(DIRTY, number));
        Ok(self.kv.commit(batch)?)
    }

    /// The heads the server acknowledged for a ticket (none: it has never acknowledged it).
    pub fn acked(&self, number: &TicketNumber) -> Result<Heads, StoreError> {
        Ok(self
            .kv
            .get(key(ACKED, number))?
            .and_then(|bytes| Heads::from_bytes(&bytes))
            .unwrap_or_default())
    }

    /// Lets go of tickets this site no longer holds (moved away, or the site no longer holds
    /// every ticket): each goes with everything kept for it, its files once none is owed to
    /// the server. A ticket with changes the server has not acknowledged stays until they are
    /// sent. Returns how many went.
    pub fn let_go(&self, ids: &[TicketId]) -> Result<usize, StoreError> {
        let mut gone = 0;
        for id in ids {
            let Some(number) = self.tickets().number_of(*id)? else {
                continue;
            };
            if self.kv.get(key(DIRTY, &number))?.is_some() {
                tracing::info!(ticket = %number, "not held here any more; goes once its changes are sent");
                continue;
            }
            let mut batch = Batch::default();
            self.tickets().remove(&mut batch, *id)?;
            batch.delete(key(ACKED, &number));
            batch.delete(key(REFUSED, &number));
            self.note_files_gone(&mut batch, &number);
            self.kv.commit(batch)?;
            tracing::info!(ticket = %number, "let go: the ticket is no longer held at this site");
            gone += 1;
        }
        if gone > 0 {
            self.drop_gone_files()?;
        }
        Ok(gone)
    }

    /// Takes in the server's answer to a push of `sent` (each ticket with the local heads it
    /// had when sent). Returns the tickets to send again whole.
    pub fn take_push_results(
        &self,
        sent: &[(TicketId, TicketNumber, Heads)],
        results: &[PushResult],
    ) -> Result<Vec<TicketNumber>, StoreError> {
        let mut batch = Batch::default();
        let mut again = Vec::new();
        // A refusal noted here goes once its ticket is taken; most pushes have none to take
        // back, and a delete of a key that is not there costs sled a write all the same.
        let refused: std::collections::HashSet<Vec<u8>> = self
            .kv
            .scan(REFUSED.as_bytes())
            .map(|entry| entry.map(|(key, _)| key))
            .collect::<Result<_, _>>()?;
        for (i, result) in results.iter().enumerate() {
            let id = match result {
                PushResult::Accepted { id, .. } | PushResult::Refused { id, .. } => id,
            };
            // The answers come in the order sent.
            let Some((_, number, local)) = sent
                .get(i)
                .filter(|(sent_id, ..)| sent_id == id)
                .or_else(|| sent.iter().find(|(sent_id, ..)| sent_id == id))
            else {
                continue;
            };
            match result {
                PushResult::Refused {
                    reason,
                    send_whole: false,
                    ..
                } => {
                    let refused = Refused {
                        number: number.clone(),
                        reason: reason.clone(),
                        heads: local.clone(),
                    };
                    self.note_refused(&mut batch, &refused);
                }
                _ if refused.contains(key(REFUSED, number).as_bytes()) => {
                    batch.delete(key(REFUSED, number));
                }
                _ => {}
            }
            match result {
                PushResult::Accepted {
                    archived: true,
                    heads,
                    ..
                } => {
                    // The server holds all of it, in its archive: only the note stays here.
                    let gone = Gone {
                        id: *id,
                        number: number.clone(),
                        heads: heads.clone(),
                        at: Utc::now(),
                        disposed: false,
                    };
                    self.tickets.write_gone(&mut batch, &gone)?;
                    for prefix in [ACKED, DIRTY, REFUSED] {
                        batch.delete(key(prefix, number));
                    }
                    self.note_files_gone(&mut batch, number);
                }
                PushResult::Accepted { .. } => {
                    // The server now holds everything this copy had when it was sent (its
                    // own heads may be ahead, with other sites' changes: those arrive with
                    // the pull). Commands and syncs run one at a time, so nothing changed
                    // locally in between.
                    self.note_acked(&mut batch, number, local, false);
                }
                PushResult::Refused {
                    send_whole: true, ..
                } => {
                    batch.delete(key(ACKED, number));
                    again.push(number.clone());
                }
                PushResult::Refused { .. } => {}
            }
        }
        self.kv.commit(batch)?;
        Ok(again)
    }

    fn note_refused(&self, batch: &mut Batch, refused: &Refused) {
        batch.put(
            key(REFUSED, &refused.number),
            serde_json::to_vec(refused).expect("refusals serialise"),
        );
    }

    /// Records that a ticket cannot be sent as it is (the agent's own check, before sending).
    pub fn refuse_locally(&self, refused: &Refused) -> Result<(), StoreError> {
        let mut batch = Batch::default();
        self.note_refused(&mut batch, refused);
        Ok(self.kv.commit(batch)?)
    }

    /// The tickets the server would not take, with why.
    pub fn refusals(&self) -> Result<Vec<Refused>, StoreError> {
        let mut refused = Vec::new();
        for entry in self.kv.scan(REFUSED.as_bytes()) {
            if let Ok(one) = serde_json::from_slice(&entry?.1) {
                refused.push(one);
            }
        }
        Ok(refused)
    }

    /// Why a ticket was refused, if it was refused as it is now (`heads`).
    pub fn refused_as(
        &self,
        number: &TicketNumber,
        heads: &Heads,
    ) -> Result<Option<Refused>, StoreError> {
        Ok(self
            .kv
            .get(key(REFUSED, number))?
            .and_then(|bytes| serde_json::from_slice::<Refused>(&bytes).ok())
            .filter(|refused| &refused.heads == heads))
    }

    /// The server this installation's actor was bound to.
    pub fn bound_to(&self) -> Result<Option<String>, StoreError> {
        Ok(self
            .kv
            .get(BOUND)?
            .map(|bytes| String::from_utf8_lossy(&bytes).into_owned()))
    }

    pub fn set_bound_to(&self, url: &str) -> Result<(), StoreError> {
        let mut batch = Batch::default();
        batch.put(BOUND, url);
        Ok(self.kv.commit(batch)?)
    }

    /// Marks tickets the server lacks entirely to be pushed whole.
    pub fn push_whole(&self, numbers: &[TicketNumber]) -> Result<(), StoreError> {
        let mut batch = Batch::default();
        for number in numbers {
            batch.delete(key(ACKED, number));
            self.note_changed(&mut batch, number);
        }
        Ok(self.kv.commit(batch)?)
    }

    /// Stores tickets fetched by id (a repair), each counted as held by the server as sent.
    pub fn absorb_fetched(&self, entries: &[FeedEntry]) -> Result<(), StoreError> {
        self.absorb(entries, None, None)
    }

    /// Stores a pulled page and the cursor after it, in one durable write.
    pub fn absorb_pulled(&self, page: &PullResponse) -> Result<(), StoreError> {
        let summaries = page
            .summaries
            .as_ref()
            .filter(|s| s.rules == SUMMARY_RULES && s.each.len() == page.entries.len())
            .map(|s| &s.each[..]);
        self.absorb(&page.entries, summaries, Some(page.cursor))
    }

    /// Stores `entries`; with `summaries` (the server's, by this version's rules, in the
    /// entries' order), a ticket not held here is stored with its summary without loading
    /// its document.
    fn absorb(
        &self,
        entries: &[FeedEntry],
        summaries: Option<&[serde_bytes::ByteBuf]>,
        cursor: Option<u64>,
    ) -> Result<(), StoreError> {
        if entries.is_empty() {
            // Nothing new (or only this site's own pushes): the cursor moves without waiting
            // for the disk; if it is lost in a crash, the next pull reads those positions again.
            if let Some(cursor) = cursor
                && cursor != self.cursor()?
            {
                let mut batch = Batch::default();
                batch.put(CURSOR, cursor.to_be_bytes());
                self.kv.apply_unflushed(batch)?;
            }
            return Ok(());
        }
        let now = Utc::now();
        let gone: Vec<Gone> = entries
            .iter()
            .filter(|entry| entry.archived)
            .map(|entry| Gone {
                id: entry.id,
                number: entry.number.clone(),
                heads: entry.heads.clone(),
                at: now,
                disposed: false,
            })
            .collect();
        // Each document is checked (its size before it is expanded); one the server summarised
        // for a ticket not held here is stored as it is, the others are loaded and summarised
        // here. That is most of a pull's work, and each is on its own: both cores do it.
        let wanted: Vec<(&FeedEntry, Option<&[u8]>)> = entries
            .iter()
            .enumerate()
            .filter(|(_, e)| !e.archived)
            .map(|(i, e)| (e, summaries.and_then(|s| s.get(i)).map(|s| &s[..])))
            .collect();
        let damaged = |entry: &FeedEntry, source: DocError| StoreError::Damaged {
            number: entry.number.to_string(),
            source,
        };
        let read = |(entry, summary): &(&FeedEntry, Option<&[u8]>)| {
            let theirs = summary
                .and_then(|json| serde_json::from_slice::<TicketSummary>(json).ok())
                .filter(|s| s.id == entry.id && s.number == entry.number);
            if let Some(summary) = theirs
                && !self.tickets.holds(&entry.number)?
            {
                rma_shared::bytes_check::check(&entry.doc)
                    .map_err(|err| damaged(entry, DocError::Corrupt(err.to_string())))?;
                return Ok((None, Some(summary)));
            }
            let doc = entry.load().map_err(|source| damaged(entry, source))?;
            let summary = TicketSummary::build(&doc).ok();
            Ok((Some(doc), summary))
        };
        let loaded: Vec<(Option<TicketDoc>, Option<TicketSummary>)> =
            rma_shared::par::map(&wanted, read)
                .into_iter()
                .collect::<Result<_, StoreError>>()?;
        let docs = wanted
            .iter()
            .zip(loaded)
            .map(|((entry, _), (doc, summary))| super::Incoming {
                number: entry.number.clone(),
                doc,
                acked: Some(entry.heads.clone()),
                saved: Some((entry.doc.as_slice(), summary)),
            });
        self.merge_in(docs.into_iter(), &gone, cursor)
    }

    /// Lets go of a ticket's contents, which the server keeps in its archive (regulation 8):
    /// only its number and the server's heads stay. A ticket with changes the server has not
    /// taken yet is kept until they are pushed (the push's answer lets go of it then).
    pub(super) fn note_gone(&self, batch: &mut Batch, gone: &Gone) -> Result<(), StoreError> {
        if self.kv.get(key(DIRTY, &gone.number))?.is_some() {
            return Ok(());
        }
        self.tickets.write_gone(batch, gone)?;
        for prefix in [ACKED, DIRTY, REFUSED] {
            batch.delete(key(prefix, &gone.number));
        }
        self.note_files_gone(batch, &gone.number);
        Ok(())
    }

    pub fn last_sync(&self) -> Result<Option<LastSync>, StoreError> {
        Ok(self
            .kv
            .get(LAST_SYNC)?
            .and_then(|bytes| serde_json::from_slice(&bytes).ok()))
    }

    /// This PC's clock against the server's, as the last sync (or enrolment) measured it.
    pub fn clock(&self) -> Result<Option<rma_shared::clock::Reading>, StoreError> {
        Ok(self
            .kv
            .get(CLOCK)?
            .and_then(|bytes| serde_json::from_slice(&bytes).ok()))
    }

    pub fn set_clock(&self, reading: &rma_shared::clock::Reading) -> Result<(), StoreError> {
        let mut batch = Batch::default();
        batch.put(
            CLOCK,
            serde_json::to_vec(reading).expect("readings serialise"),
        );
        Ok(self.kv.apply_unflushed(batch)?)
    }

    /// Bookkeeping of the last sync, like the clock's reading: written without waiting for
    /// the disk (a sync that found nothing new writes nothing else); on disk with the next
    /// durable write, or when `rma-agent sync` ends ([`Store::flush`]).
    pub fn set_last_sync(&self, last: &LastSync) -> Result<(), StoreError> {
        let mut batch = Batch::default();
        batch.put(
            LAST_SYNC,
            serde_json::to_vec(last).expect("reports serialise"),
        );
        Ok(self.kv.apply_unflushed(batch)?)
    }

    /// The version of the server's directory of accounts this store holds.
    pub fn directory_version(&self) -> Result<Option<String>, StoreError> {
        Ok(self
            .kv
            .get(DIRECTORY_VERSION)?
            .map(|bytes| String::from_utf8_lossy(&bytes).into_owned()))
    }

    /// Notes the version of the directory just taken in (none: ask for it whole next time).
    pub fn set_directory_version(&self, version: Option<&str>) -> Result<(), StoreError> {
        let mut batch = Batch::default();
        match version {
            Some(version) => batch.put(DIRECTORY_VERSION, version),
            None => batch.delete(DIRECTORY_VERSION),
        }
        Ok(self.kv.apply_unflushed(batch)?)
    }

    /// Waits until every write so far is on disk.
    pub fn flush(&self) -> Result<(), StoreError> {
        Ok(self.kv.flush()?)
    }
}
