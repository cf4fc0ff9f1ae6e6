//! The server's store: every site's tickets (with the same summaries and indexes as an
//! agent's, see [`rma_agent::tickets`]), the feed of changes agents pull, and the enrolled
//! sites with their hashed tokens.
//!
//! Keys, besides the tickets and their indexes:
//! ```text
//! feed:{seq, u64 BE}           ticket number that gained changes at that position
//! meta:seq                     last feed position (u64 BE)
//! site:{CODE}                  enrolled site (JSON)
//! tok:{sha256 of token, hex}   site code
//! ```
//! One writer at a time (the caller holds the lock), so feed positions have no gaps.

use std::collections::HashMap;
use std::path::Path;

use chrono::{DateTime, Utc};
use rma_agent::kv::{Batch, Kv};
use rma_agent::store::StoreError;
use rma_agent::tickets::{Prior, TicketStore};
use rma_shared::sync::{
    self, FeedEntry, Heads, PullResponse, PushRequest, PushResponse, PushResult,
};
use rma_shared::{Derived, SiteCode, TicketDoc, TicketId, TicketNumber, TicketSummary};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use thiserror::Error;

#[derive(Debug, Error)]
pub enum ServerStoreError {
    #[error("site {0} is already enrolled; revoke it first to issue a new token")]
    SiteExists(SiteCode),
    #[error("site {0} is not enrolled")]
    UnknownSite(SiteCode),
    #[error("cannot write {path}")]
    Io {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<rma_agent::kv::KvError> for ServerStoreError {
    fn from(err: rma_agent::kv::KvError) -> Self {
        Self::Store(StoreError::Kv(err))
    }
}

/// An enrolled agent installation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
}

impl ServerStore {
    pub fn open(dir: &Path) -> Result<Self, ServerStoreError> {
        std::fs::create_dir_all(dir).map_err(|source| ServerStoreError::Io {
            path: dir.to_owned(),
            source,
        })?;
        let kv = Kv::open(&dir.join("store"))?;
        let tickets = TicketStore::new(kv.clone());
        crate::office::ensure(&kv, &tickets)?;
        Ok(Self { tickets, kv })
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

    /// The last feed position.
    pub fn feed_head(&self) -> Result<u64, ServerStoreError> {
        Ok(self
            .kv
            .get(META_SEQ)?
            .and_then(|v| <[u8; 8]>::try_from(v.as_slice()).ok())
            .map_or(0, u64::from_be_bytes))
    }

    /// Takes in a push from site `origin`: each ticket on its own, all stored in one durable
    /// write.
    pub fn push(
        &self,
        origin: &SiteCode,
        request: &PushRequest,
    ) -> Result<PushResponse, ServerStoreError> {
        let mut batch = Batch::default();
        let mut seq = self.feed_head()?;
        // Tickets already taken in this request, in case one comes twice.
        let mut taken: HashMap<TicketId, (Option<Prior>, TicketDoc)> = HashMap::new();
        let mut results = Vec::with_capacity(request.docs.len());
        for push in &request.docs {
            let (old, existing) = match taken.remove(&push.id) {
                Some((old, doc)) => (old, Some(doc)),
                None => match self.tickets.read_prior(&push.number)? {
                    Some((prior, _)) if prior.summary.id != push.id => {
                        results.push(PushResult::Refused {
                            id: push.id,
                            reason: format!(
                                "ticket number {} belongs to another ticket",
                                push.number
                            ),
                            send_whole: false,
                        });
                        continue;
                    }
                    Some((prior, doc)) => (Some(prior), Some(doc)),
                    None => (None, None),
                },
            };
            let first_copy = existing.is_none() && push.base.is_empty();
            match sync::accept(existing.clone(), push) {
                Ok((mut doc, changed)) => {
                    let heads = Heads::of(&mut doc);
                    let now = if changed {
                        let saved = first_copy.then_some(push.bytes.as_slice());
                        Some(self.write_changed(
                            &mut batch,
                            &mut doc,
                            saved,
                            &heads,
                            old.as_ref(),
                        )?)
                    } else {
                        None
                    };
                    let prior = match now {
                        Some(summary) => Some(Prior {
                            summary,
                            heads: heads.clone(),
                        }),
                        None => old,
                    };
                    if changed {
                        seq += 1;
                        batch.put(feed_key(seq), format!("{}\t{origin}", push.number));
                    }
                    taken.insert(push.id, (prior, doc));
                    results.push(PushResult::Accepted { id: push.id, heads });
                }
                Err(refusal) => {
                    if let Some(doc) = existing {
                        taken.insert(push.id, (old, doc));
                    }
                    tracing::info!(ticket = %push.number, %refusal, "push refused");
                    results.push(PushResult::Refused {
                        id: push.id,
                        reason: refusal.reason,
                        send_whole: refusal.send_whole,
                    });
                }
            }
        }
        batch.put(META_SEQ, seq.to_be_bytes());
        self.kv.commit(batch)?;
        Ok(PushResponse { results })
    }

    /// Writes a changed ticket with its summary and the office's indexes, all from one
    /// reading of the document. `saved`: the bytes of a first copy, stored as they came
    /// (saved and compact); otherwise the document is saved here.
    fn write_changed(
        &self,
        batch: &mut Batch,
        doc: &mut TicketDoc,
        saved: Option<&[u8]>,
        heads: &Heads,
        old: Option<&Prior>,
    ) -> Result<TicketSummary, ServerStoreError> {
        let derived = Derived::of(doc).map_err(|source| StoreError::Damaged {
            number: doc.number().to_string(),
            source,
        })?;
        let summary = TicketSummary::from_derived(doc, &derived);
        let resaved;
        let saved = match saved {
            Some(bytes) => bytes,
            None => {
                resaved = doc.save();
                &resaved
            }
        };
        let summary = self
            .tickets
            .write_summarised(batch, summary, saved, heads, old)?;
        crate::office::index(batch, doc, derived, old.map(|p| &p.summary), &summary);
        Ok(summary)
    }

    /// Feed entries after `cursor`, at most `limit` positions; each ticket once, whole.
    pub fn pull(
        &self,
        site: &SiteCode,
        cursor: u64,
        limit: usize,
        pending: Option<u64>,
        now: DateTime<Utc>,
    ) -> Result<PullResponse, ServerStoreError> {
        let head = self.feed_head()?;
        let cursor = cursor.min(head);
        let end = cursor.saturating_add(limit as u64).min(head);
        // The tickets changed in (cursor, end], each with whether every change there came
        // from the asking site itself: those it already holds, so they are not sent back.
        let mut changed: HashMap<TicketNumber, (u64, bool)> = HashMap::new();
        for entry in self.kv.range(&feed_key(cursor + 1), &feed_key(end + 1)) {
            let (key, value) = entry?;
            let seq = u64::from_be_bytes(key[5..13].try_into().expect("feed keys hold a u64"));
            let text = String::from_utf8_lossy(&value);
            let (number, origin) = text.split_once('\t').unwrap_or((&text, ""));
            let Ok(number) = TicketNumber::parse(number) else {
                continue;
            };
            let own = origin == site.as_str();
            let slot = changed.entry(number).or_insert((seq, true));
            *slot = (seq, slot.1 && own);
        }
        let mut changed: Vec<(u64, TicketNumber, bool)> = changed
            .into_iter()
            .map(|(number, (seq, all_own))| (seq, number, all_own))
            .collect();
        changed.sort_unstable_by_key(|(seq, ..)| *seq);
        let mut entries: Vec<FeedEntry> = Vec::new();
        for (seq, number, all_own) in changed {
            if all_own {
                continue;
            }
            // Sent as stored: no need to load and save it again.
            let Some(stored) = self.tickets.read_stored(&number)? else {
                continue;
            };
            entries.push(FeedEntry {
                seq,
                id: stored.summary.id,
                number,
                heads: stored.heads,
                doc: stored.doc,
            });
        }
        if !entries.is_empty() {
            tracing::info!(%site, cursor, tickets = entries.len(), "pull");
        }
        self.note_sync(site, end, pending, now)?;
        let more = end < head;
        Ok(PullResponse {
            entries,
            cursor: end,
            more,
            digest: if more {
                None
            } else {
                Some(self.tickets.digest()?)
            },
        })
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

const META_SEQ: &str = "meta:seq";

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
