//! Enrolled sites: their hashed tokens, the Automerge actors bound to them, what each last
//! pushed that was refused, and how far each has pulled.

use chrono::{DateTime, Utc};
use rma_shared::automerge::ActorId;
use rma_shared::{SiteCode, TicketId, TicketNumber};
use rma_store::kv::Batch;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use super::*;

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
    /// The site's clock minus the server's, in milliseconds, at its last sync.
    #[serde(default)]
    pub clock_offset_ms: Option<i64>,
    /// Which tickets it holds: its own work (the default) or every ticket.
    #[serde(default)]
    pub holds: super::scopes::Holds,
}

/// A ticket the server refused from a site, and why; kept until a push of it is accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefusedTicket {
    pub number: TicketNumber,
    pub reason: String,
    pub at: DateTime<Utc>,
}

/// What an agent tells of itself with a pull.
#[derive(Debug, Clone, Default)]
pub struct Told {
    /// Changes it still has to push.
    pub pending: Option<u64>,
    /// Its own clock when it asked.
    pub local_time: Option<DateTime<Utc>>,
    /// Which installation of the site asks (see [`rma_shared::sync::INSTALLATION_HEADER`]).
    pub installation: Option<String>,
}

/// Who a token belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenCheck {
    Site(SiteCode),
    /// A site's token the office revoked: its agent is told so, and lets go of what it sent.
    Revoked(SiteCode),
    Unknown,
}

impl ServerStore {
    /// Enrolls a site that holds its own work; returns its token, which is stored only as a
    /// hash.
    pub fn add_site(
        &self,
        code: &SiteCode,
        now: DateTime<Utc>,
    ) -> Result<String, ServerStoreError> {
        self.add_site_holding(code, super::scopes::Holds::Own, now)
    }

    /// Enrolls a site that holds `holds`; returns its token, which is stored only as a hash.
    pub fn add_site_holding(
        &self,
        code: &SiteCode,
        holds: super::scopes::Holds,
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
            clock_offset_ms: None,
            holds,
        };
        let mut batch = Batch::default();
        put_site(&mut batch, &site);
        batch.put(token_key(&token), code.as_str());
        self.kv.commit(batch)?;
        Ok(token)
    }

    /// Revokes a site: its token stops working at once. The token is kept as revoked, so the
    /// site's agents are told at their next sync and let go of the tickets they sent.
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
        put_site(&mut batch, &site);
        // The token's hash is found by scanning: revocations are rare.
        for entry in self.kv.scan(TOKEN.as_bytes()) {
            let (key, value) = entry?;
            if value == code.as_str().as_bytes() {
                let hash = &key[TOKEN.len()..];
                batch.put([REVOKED_TOKEN.as_bytes(), hash].concat(), value);
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
        let hash = token_hash(token);
        let site = |code: Vec<u8>| SiteCode::parse(&String::from_utf8_lossy(&code)).ok();
        if let Some(code) = self.kv.get(format!("{TOKEN}{hash}"))?.and_then(site) {
            return Ok(TokenCheck::Site(code));
        }
        if let Some(code) = self
            .kv
            .get(format!("{REVOKED_TOKEN}{hash}"))?
            .and_then(site)
        {
            return Ok(TokenCheck::Revoked(code));
        }
        Ok(TokenCheck::Unknown)
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

    /// Remembers how far a site has pulled, and when.
    pub(super) fn note_sync(
        &self,
        code: &SiteCode,
        cursor: u64,
        told: &Told,
        now: DateTime<Utc>,
    ) -> Result<(), ServerStoreError> {
        let Some(mut site) = self.site(code)? else {
            return Ok(());
        };
        // A site syncing every few minutes with nothing new is noted once a minute: its
        // position, what it has waiting and its clock are as noted.
        let offset = told
            .local_time
            .map(|local| (local - now).num_milliseconds());
        let same = site.cursor == cursor
            && (told.pending.is_none() || site.pending == told.pending)
            && match (offset, site.clock_offset_ms) {
                (Some(new), Some(old)) => (new - old).abs() < 1_000,
                (None, _) => true,
                (Some(_), None) => false,
            }
            && site
                .last_sync_at
                .is_some_and(|at| now - at < chrono::Duration::minutes(1) && at <= now);
        if same {
            return Ok(());
        }
        site.last_sync_at = Some(now);
        site.cursor = cursor;
        if told.pending.is_some() {
            site.pending = told.pending;
        }
        if let Some(local) = told.local_time {
            site.clock_offset_ms = Some((local - now).num_milliseconds());
        }
        let mut batch = Batch::default();
        put_site(&mut batch, &site);
        // Bookkeeping only: it rides on the next flush.
        self.kv.apply_unflushed(batch)?;
        Ok(())
    }
}

fn actor_key(actor: &ActorId) -> String {
    format!("actor:{actor}")
}

/// Writes a site, and its row in the report.
pub(super) fn put_site(batch: &mut Batch, site: &Site) {
    batch.put(
        site_key(&site.code),
        serde_json::to_vec(site).expect("sites serialise"),
    );
    crate::report::write_site(batch, site);
}

fn site_key(code: &SiteCode) -> String {
    format!("site:{code}")
}

/// A site's token, by its hash: the site's code.
const TOKEN: &str = "tok:";
/// A token the office revoked, by its hash: the site's code.
const REVOKED_TOKEN: &str = "rtok:";

fn token_key(token: &str) -> String {
    format!("{TOKEN}{}", token_hash(token))
}

fn token_hash(token: &str) -> String {
    let hash = Sha256::digest(token.trim().as_bytes());
    hash.iter().map(|b| format!("{b:02x}")).collect()
}

/// 244 random bits as 64 hex digits.
fn new_token() -> String {
    format!("{}{}", TicketId::random(), TicketId::random())
}
