//! Scopes: which sites hold each ticket. A site holds the tickets it takes part in (registered
//! there, or handed over to it, see [`rma_shared::scope::holders`]); the central office holds
//! all, and so does a site set to hold all ([`Holds::All`]). The server decides a ticket's
//! sites when it writes the ticket, so a site's pull reads its own feed and costs what changed
//! in its scope, not in the company.
//!
//! Keys, beside the feed's:
//! ```text
//! scope:{number}             the sites that hold the ticket ("RC1,WH1"); none: only the site
//!                            that registered it
//! held:{SITE}\0{id}          the site holds the ticket (id: 16 bytes; value: the number)
//! sfeed:{SITE}\0{seq, u64 BE} the site's own feed: the positions of the feed whose ticket it
//!                            holds (see [`super::feed`])
//! sdig:{SITE}                the digest of the tickets the site holds (256-bit register)
//! meta:scopes                the version of these keys
//! ```

use rma_shared::sync::{Digest, Heads, LEAF_TICKETS, TreeNode};
use rma_shared::{SiteCode, TicketId, TicketNumber};
use rma_store::kv::Batch;
use serde::{Deserialize, Serialize};

use super::*;

/// Which tickets a site holds.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
    clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum Holds {
    /// Its own work: the tickets registered there and those handed over to it.
    #[default]
    Own,
    /// Every ticket of every site (a repair centre serving every branch, or a second PC of a
    /// site that shares a building with another).
    All,
}

impl Holds {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "own" => Some(Self::Own),
            "all" => Some(Self::All),
            _ => None,
        }
    }
}

impl std::fmt::Display for Holds {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Own => "own",
            Self::All => "all",
        })
    }
}

/// Where a ticket is held, before and after a write.
pub(crate) struct Holding<'a> {
    pub id: TicketId,
    pub number: &'a TicketNumber,
    /// The sites and heads as stored (none: a new ticket).
    pub before: Option<(&'a [SiteCode], &'a Heads)>,
    pub after: (&'a [SiteCode], &'a Heads),
}

impl ServerStore {
    /// What `site` holds: its own work unless it was set to hold every ticket (an unknown
    /// site: its own).
    pub fn holds(&self, site: &SiteCode) -> Result<Holds, ServerStoreError> {
        Ok(self.site(site)?.map(|s| s.holds).unwrap_or_default())
    }

    /// Sets what a site holds. From its next sync it receives the tickets it now holds and
    /// lets go of those it no longer does (once it has sent its changes to them).
    pub fn set_holds(&self, code: &SiteCode, holds: Holds) -> Result<Site, ServerStoreError> {
        let mut site = self
            .site(code)?
            .ok_or_else(|| ServerStoreError::UnknownSite(code.clone()))?;
        site.holds = holds;
        let mut batch = Batch::default();
        sites::put_site(&mut batch, &site);
        self.kv.commit(batch)?;
        Ok(site)
    }

    /// The sites that hold each ticket, in the order asked (none: not stored).
    pub(crate) fn holders_many(
        &self,
        numbers: &[TicketNumber],
    ) -> Result<Vec<Option<Vec<SiteCode>>>, ServerStoreError> {
        let keys: Vec<Vec<u8>> = numbers.iter().map(scope_key).collect();
        Ok(self
            .kv
            .get_many(&keys)?
            .into_iter()
            .map(|value| value.map(|bytes| parse_sites(&bytes)))
            .collect())
    }

    /// The sites that hold a ticket; one stored before scopes: the site that registered it.
    pub fn holders(&self, number: &TicketNumber) -> Result<Vec<SiteCode>, ServerStoreError> {
        Ok(self
            .holders_many(std::slice::from_ref(number))?
            .pop()
            .flatten()
            .unwrap_or_else(|| vec![number.site().clone()]))
    }

    /// Where a ticket is, for a site that asks by number (none: no such ticket here).
    pub fn whereabouts(
        &self,
        number: &TicketNumber,
    ) -> Result<Option<rma_shared::sync::Whereabouts>, ServerStoreError> {
        let summary = match self.tickets.summary(number)? {
            Some(summary) => summary,
            None if self.tickets.gone(number)?.is_some() => {
                return Ok(Some(rma_shared::sync::Whereabouts {
                    number: number.clone(),
                    status: rma_shared::TicketStatus::Archived,
                    model: String::new(),
                    holders: Vec::new(),
                    updated_at: None,
                }));
            }
            None => return Ok(None),
        };
        Ok(Some(rma_shared::sync::Whereabouts {
            number: number.clone(),
            status: summary.status,
            model: summary.model,
            holders: self.holders(number)?,
            updated_at: summary.updated_at,
        }))
    }

    /// Whether the ticket with this id is in the scope of `site`'s own work (a site set to
    /// hold all holds every ticket besides).
    pub(crate) fn holds_ticket(
        &self,
        site: &SiteCode,
        id: TicketId,
    ) -> Result<bool, ServerStoreError> {
        Ok(self.kv.get(held_key(site, id))?.is_some())
    }

    /// Of `ids`, those the server holds but `site` does not: the site lets them go once it
    /// has sent its changes to them.
    pub fn outside_scope(
        &self,
        site: &SiteCode,
        ids: &[TicketId],
    ) -> Result<Vec<TicketId>, ServerStoreError> {
        if self.holds(site)? == Holds::All {
            return Ok(Vec::new());
        }
        let held: Vec<Vec<u8>> = ids.iter().map(|id| held_key(site, *id)).collect();
        let held = self.kv.get_many(&held)?;
        let known = self.tickets.numbers_of(ids)?;
        Ok(ids
            .iter()
            .zip(held.iter().zip(known))
            .filter(|(_, (held, known))| held.is_none() && known.is_some())
            .map(|(id, _)| *id)
            .collect())
    }

    /// The digest of the tickets `site` holds (of its own work, whatever it is set to hold).
    pub fn scope_digest(&self, site: &SiteCode) -> Result<Digest, ServerStoreError> {
        Ok(Digest::from_bytes(self.kv.register(digest_key(site))?))
    }

    /// What `site` holds of the tickets whose id starts with `prefix` (the repair of a
    /// disagreement narrows down to the tickets that differ).
    pub fn scoped_tree(
        &self,
        site: &SiteCode,
        prefix: &[u8],
    ) -> Result<TreeNode, ServerStoreError> {
        if self.holds(site)? == Holds::All {
            return self.tree(prefix);
        }
        self.kv.snapshot(|kv| {
            let store = self.within(kv);
            let mut from = held_prefix(site);
            from.extend_from_slice(prefix);
            let mut ids = Vec::new();
            for entry in store.kv.scan(&from) {
                let (key, _) = entry?;
                if let Some(id) = key
                    .get(key.len().saturating_sub(16)..)
                    .and_then(|b| <[u8; 16]>::try_from(b).ok())
                {
                    ids.push(TicketId::from_bytes(id));
                }
            }
            let leaves: Vec<(TicketId, Heads)> = ids
                .iter()
                .zip(store.tickets.indexed(&ids)?)
                .filter_map(|(id, found)| found.map(|(_, heads)| (*id, heads)))
                .collect();
            if leaves.len() <= LEAF_TICKETS || prefix.len() >= 16 {
                return Ok::<_, ServerStoreError>(TreeNode::Leaves(leaves));
            }
            Ok(TreeNode::Branches(rma_shared::sync::branches(
                &leaves,
                prefix.len(),
            )))
        })
    }

    /// Writes where a ticket is held: its sites, each site's index of it and each site's
    /// digest (the ticket's old heads taken out where it was, its new heads added where it
    /// is).
    pub(crate) fn write_holding(batch: &mut Batch, holding: &Holding<'_>) {
        let (sites, heads) = holding.after;
        let item = Digest::item(holding.id, heads);
        if let Some((before, old_heads)) = holding.before {
            let old = Digest::item(holding.id, old_heads);
            for site in before {
                batch.subtract_from(digest_key(site), &old);
                if !sites.contains(site) {
                    batch.delete(held_key(site, holding.id));
                }
            }
        }
        let before = holding.before.map_or(&[][..], |(sites, _)| sites);
        for site in sites {
            batch.add_to(digest_key(site), &item);
            if !before.contains(site) {
                batch.put(
                    held_key(site, holding.id),
                    rma_store::tickets::sortable(holding.number),
                );
            }
        }
        // Most tickets stay with the site that registered them: for those no key is kept
        // (a ticket without one is held there, see `holders`), which spares every new
        // ticket's push a write.
        let registered_only = sites == std::slice::from_ref(holding.number.site());
        match holding.before {
            Some((before, _)) if before == sites => {}
            // Held elsewhere before: the key that said so goes.
            Some(_) if registered_only => batch.delete(scope_key(holding.number)),
            None if registered_only => {}
            _ => batch.put(scope_key(holding.number), join_sites(sites)),
        }
    }

    /// Puts a ticket at feed position `seq`, on the feed and on the feed of each site that
    /// holds it; `origin` is who wrote it: a site and the installation that pushed
    /// ("WH1\t{actor}"), a site alone, the office or the server.
    pub(crate) fn put_on_feed(
        batch: &mut Batch,
        seq: u64,
        number: &TicketNumber,
        origin: &str,
        holders: &[SiteCode],
    ) {
        feed::put(batch, seq, origin, &[(number, holders)]);
    }
}

/// Files every ticket of a store written before scopes under the site that registered it
/// (no ticket was handed over then), with the site feeds of its feed positions. Returns how
/// many tickets were filed.
pub(crate) fn ensure(kv: &Kv, tickets: &TicketStore) -> Result<usize, ServerStoreError> {
    let found = kv.get(SCOPES_FORMAT)?;
    if !rma_store::kv::needs_upgrade("scopes", found.as_deref(), SCOPES_VERSION)? {
        return Ok(0);
    }
    let all = tickets.all_indexed()?;
    let mut batch = Batch::default();
    for (id, number, heads) in &all {
        let sites = [number.site().clone()];
        ServerStore::write_holding(
            &mut batch,
            &Holding {
                id: *id,
                number,
                before: None,
                after: (&sites, heads),
            },
        );
    }
    for position in feed::Feed::all(kv).every() {
        let (seq, text) = position?;
        let number = text.split('\t').next().unwrap_or_default();
        if let Ok(number) = TicketNumber::parse(number) {
            feed::put_on_site(&mut batch, number.site(), seq, &text);
        }
    }
    batch.put(SCOPES_FORMAT, SCOPES_VERSION.to_string());
    kv.commit(batch)?;
    if !all.is_empty() {
        tracing::info!(
            tickets = all.len(),
            "every ticket filed under the site that registered it (sync scopes)"
        );
    }
    Ok(all.len())
}

const SCOPES_FORMAT: &str = "meta:scopes";
const SCOPES_VERSION: u32 = 1;

fn scope_key(number: &TicketNumber) -> Vec<u8> {
    format!("scope:{}", rma_store::tickets::sortable(number)).into_bytes()
}

fn held_prefix(site: &SiteCode) -> Vec<u8> {
    format!("held:{site}\0").into_bytes()
}

fn held_key(site: &SiteCode, id: TicketId) -> Vec<u8> {
    let mut key = held_prefix(site);
    key.extend_from_slice(id.as_bytes());
    key
}

fn digest_key(site: &SiteCode) -> Vec<u8> {
    format!("sdig:{site}").into_bytes()
}

fn parse_sites(bytes: &[u8]) -> Vec<SiteCode> {
    String::from_utf8_lossy(bytes)
        .split(',')
        .filter_map(|code| SiteCode::parse(code).ok())
        .collect()
}

fn join_sites(sites: &[SiteCode]) -> String {
    sites
        .iter()
        .map(SiteCode::as_str)
        .collect::<Vec<_>>()
        .join(",")
}
