//! The sync protocol between agents and the server, without I/O: wire types, their binary
//! encoding, and the decisions each side makes. Agent and server only move the bytes.
//!
//! - **Push**: for every ticket whose heads differ from what the server last acknowledged, the
//!   agent sends the changes since those heads, or the whole saved document when the server
//!   has acknowledged nothing ([`outgoing`]). The server takes each ticket on its own
//!   ([`accept`]): one bad ticket is refused alone, the rest are kept. Every ticket that gained
//!   changes goes on the server's feed.
//! - **Pull**: the agent asks for the feed after its cursor. Each entry carries the ticket's
//!   whole saved document (compact, and complete whatever the agent already has), which the
//!   agent merges ([`absorb`]); it stores the new cursor only once the entries are stored.
//! - **Idempotent**: Automerge changes are content-addressed, so a push or pull cut anywhere and
//!   retried loses nothing and duplicates nothing.
//! - **Verifiable**: [`Digest`] sums a hash of every ticket's heads; equal digests mean both
//!   sides hold the same changes. The digest on the last page of a pull describes exactly the
//!   feed up to that page's cursor. When they still differ, [`TreeNode`]s narrow the
//!   difference down by ticket id (256 parts, then 256 in each, ...) to the few tickets that
//!   differ ([`compare_leaves`]), which are fetched and pushed alone.
//! - **Bounded**: pages carry at most [`PAGE_BYTES`] of documents (a larger ticket travels
//!   alone), a ticket may hold at most [`MAX_TICKET_BYTES`], and untrusted Automerge bytes are
//!   measured ([`crate::bytes_check`]) before Automerge expands them.
//! - **Attributed**: a site adds only changes of its own Automerge actors, to tickets of its
//!   own or ones it holds; it never renumbers a ticket, removes or rewrites an event, or adds
//!   one in another site's name ([`accept`]).

use std::fmt;

use automerge::ChangeHash;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use thiserror::Error;

use automerge::ActorId;

use crate::ids::{SiteCode, TicketId, TicketNumber};
use crate::ticket::{DocError, TicketDoc};

/// The header naming the installation that sends a push or a pull: its Automerge actor, in
/// hex (at most [`MAX_INSTALLATION`] characters). A pull leaves out only what that
/// installation pushed itself, so a second PC of a site receives what the first pushed.
pub const INSTALLATION_HEADER: &str = "rma-installation";

/// The error code of a sync refused because the office revoked the site: its agent lets go
/// of every ticket the server holds all of, keeps what it has not sent, and stops syncing.
pub const SITE_REVOKED: &str = "site_revoked";

/// The longest installation name a server takes.
pub const MAX_INSTALLATION: usize = 128;

/// The content type of every sync body.
pub const CONTENT_TYPE: &str = "application/vnd.rma.sync+postcard";

/// The most bytes of documents one pull page or one push request carries; a single ticket
/// larger than this travels alone.
pub const PAGE_BYTES: usize = 1024 * 1024;

/// The largest a ticket may grow: its saved document, and the bytes pushed for it at once.
/// A ticket of 11 steps saves to about 1 KB; a ticket with many long texts and printed
/// records stays far below this.
pub const MAX_TICKET_BYTES: usize = 8 * 1024 * 1024;

/// The largest sync body either side accepts: one ticket at its cap, with room for the rest
/// of the message.
pub const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

const _: () = assert!(MAX_BODY_BYTES > MAX_TICKET_BYTES + PAGE_BYTES);

/// A part of the id space with few enough tickets to list one by one.
pub const LEAF_TICKETS: usize = 256;

/// A ticket's heads: the hashes of its latest changes, sorted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Heads(Vec<[u8; 32]>);

impl Heads {
    pub fn of(doc: &mut TicketDoc) -> Self {
        Self::from_hashes(&doc.heads())
    }

    pub fn from_hashes(hashes: &[ChangeHash]) -> Self {
        let mut heads: Vec<[u8; 32]> = hashes.iter().map(|h| h.0).collect();
        heads.sort_unstable();
        Self(heads)
    }

    pub fn hashes(&self) -> Vec<ChangeHash> {
        self.0.iter().map(|h| ChangeHash(*h)).collect()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Raw form for storage.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.0.concat()
    }

    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        if !bytes.len().is_multiple_of(32) {
            return None;
        }
        let mut heads: Vec<[u8; 32]> = bytes
            .chunks_exact(32)
            .map(|c| c.try_into().expect("chunks of 32"))
            .collect();
        heads.sort_unstable();
        Some(Self(heads))
    }
}

/// One ticket in a push.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushDoc {
    pub id: TicketId,
    pub number: TicketNumber,
    /// The heads the server acknowledged, which `bytes` build on; empty: `bytes` is the whole
    /// saved document.
    pub base: Heads,
    #[serde(with = "serde_bytes")]
    pub bytes: Vec<u8>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushRequest {
    pub docs: Vec<PushDoc>,
}

/// What the server did with one ticket of a push.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum PushResult {
    /// Stored; the server now holds these heads. With `archived`, the ticket is in the
    /// server's archive: the agent keeps only that (regulation 8).
    Accepted {
        id: TicketId,
        heads: Heads,
        archived: bool,
    },
    /// Not stored. With `send_whole`, sending the whole document will succeed.
    Refused {
        id: TicketId,
        reason: String,
        send_whole: bool,
    },
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushResponse {
    pub results: Vec<PushResult>,
}

/// One ticket that changed on the server, as of feed position `seq`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedEntry {
    pub seq: u64,
    pub id: TicketId,
    pub number: TicketNumber,
    /// The server's heads for the ticket: what the agent may count as acknowledged.
    pub heads: Heads,
    /// The whole saved document; empty when `archived`.
    #[serde(with = "serde_bytes")]
    pub doc: Vec<u8>,
    /// The ticket is in the server's archive (or was disposed of): its contents stay there,
    /// the agent keeps only its number and heads (regulation 8).
    pub archived: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PullResponse {
    pub entries: Vec<FeedEntry>,
    /// The cursor to store once the entries are stored.
    pub cursor: u64,
    /// More entries wait after `cursor`.
    pub more: bool,
    /// On the last page: the digest of every ticket the server holds, for the agent to check
    /// against its own once it has nothing left to push.
    pub digest: Option<Digest>,
    /// The server's summary of each entry's ticket, in the entries' order (JSON of a
    /// [`crate::TicketSummary`]; empty for an archived one), worked out by the rules of
    /// version `rules`: an agent of the same rules stores a ticket it does not hold with it,
    /// without loading the document. None when not asked for ([`PULL_SUMMARIES`]) or from a
    /// server of an earlier version.
    pub summaries: Option<Summaries>,
}

/// The summaries a pull page carries (see [`PullResponse::summaries`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summaries {
    pub rules: u32,
    pub each: Vec<serde_bytes::ByteBuf>,
}

/// The version of the rules a [`crate::TicketSummary`] is worked out by: raised whenever
/// [`crate::TicketSummary::from_derived`] or what it derives from changes, so that an agent
/// never stores a summary another version worked out differently.
pub const SUMMARY_RULES: u32 = 1;

/// The query a pull asks for the tickets' summaries with. A server answers a pull without it
/// as servers before summaries did, so agents of earlier versions keep syncing.
pub const PULL_SUMMARIES: &str = "summaries=1";

/// A pull page as agents before [`PullResponse::summaries`] read it.
#[derive(Serialize, Deserialize)]
struct PullResponseWithout {
    entries: Vec<FeedEntry>,
    cursor: u64,
    more: bool,
    digest: Option<Digest>,
}

/// Encodes a pull page; without `summaries`, as servers before summaries did (for the agents
/// of earlier versions, which do not ask for them).
pub fn encode_pull(page: PullResponse, summaries: bool) -> Vec<u8> {
    if summaries {
        return encode(&page);
    }
    encode(&PullResponseWithout {
        entries: page.entries,
        cursor: page.cursor,
        more: page.more,
        digest: page.digest,
    })
}

/// Decodes a pull page, also one from a server of an earlier version (no summaries).
pub fn decode_pull(bytes: &[u8]) -> Result<PullResponse, WireError> {
    decode::<PullResponse>(bytes).or_else(|err| match decode::<PullResponseWithout>(bytes) {
        Ok(page) => Ok(PullResponse {
            entries: page.entries,
            cursor: page.cursor,
            more: page.more,
            digest: page.digest,
            summaries: None,
        }),
        Err(_) => Err(err),
    })
}

/// What the server holds of one part of the id space: the tickets whose id starts with the
/// bytes asked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum TreeNode {
    /// The digests of the 256 parts one byte longer.
    Branches(Vec<Digest>),
    /// Few enough tickets ([`LEAF_TICKETS`]) to list: each with its heads, by id.
    Leaves(Vec<(TicketId, Heads)>),
}

/// Tickets the agent asks for by id (a repair), answered with as many as fit in a page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FetchRequest {
    pub ids: Vec<TicketId>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FetchResponse {
    /// The tickets found (`seq` is 0: they are not feed positions).
    pub entries: Vec<FeedEntry>,
    /// Ids asked for that did not fit in this answer: ask again.
    pub rest: Vec<TicketId>,
}

/// Tickets an agent holds that the server's listing of its scope lacks: does the server
/// hold them elsewhere (outside the site's scope) or not at all?
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScopeRequest {
    pub ids: Vec<TicketId>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScopeResponse {
    /// Tickets the server holds that the site does not (any more): the agent lets each go
    /// once it has sent its changes to it. The others asked about are not at the server.
    pub outside: Vec<TicketId>,
}

/// Where a ticket a site does not hold is, as the server tells a site that asks for it by
/// number: its status and the sites that hold it, nothing of the customer (regulation 8.2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Whereabouts {
    pub number: TicketNumber,
    pub status: crate::TicketStatus,
    pub model: String,
    /// The sites that hold it (the office holds every ticket).
    pub holders: Vec<SiteCode>,
    pub updated_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// An agent installation's Automerge actor, bound to the site whose token sends it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BindRequest {
    #[serde(with = "serde_bytes")]
    pub actor: Vec<u8>,
}

/// Where two listings of the same part of the id space differ.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LeafDiff {
    /// Tickets the server holds with heads the agent lacks: fetch them.
    pub fetch: Vec<TicketId>,
    /// Tickets the agent holds that the server lacks entirely: push them whole.
    pub push_whole: Vec<TicketId>,
}

/// The digests of the 256 parts one byte longer than `depth` bytes, from a listing.
pub fn branches(leaves: &[(TicketId, Heads)], depth: usize) -> Vec<Digest> {
    let mut branches = vec![Digest::default(); 256];
    for (id, heads) in leaves {
        branches[usize::from(id.as_bytes()[depth.min(15)])].add(*id, heads);
    }
    branches
}

/// Agent side: compares the server's listing of a part with the agent's own.
pub fn compare_leaves(theirs: &[(TicketId, Heads)], ours: &[(TicketId, Heads)]) -> LeafDiff {
    let ours: std::collections::HashMap<&TicketId, &Heads> =
        ours.iter().map(|(id, heads)| (id, heads)).collect();
    let theirs_ids: std::collections::HashSet<&TicketId> =
        theirs.iter().map(|(id, _)| id).collect();
    let mut diff = LeafDiff::default();
    for (id, heads) in theirs {
        if ours.get(id) != Some(&heads) {
            diff.fetch.push(*id);
        }
    }
    for id in ours.keys() {
        if !theirs_ids.contains(id) {
            diff.push_whole.push(**id);
        }
    }
    diff.push_whole.sort_unstable_by_key(|id| *id.as_bytes());
    diff
}

/// A sync body that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum WireError {
    #[error("the sync data is damaged or not sync data ({0})")]
    Decode(String),
    #[error("the sync data is {0} bytes, more than the {MAX_BODY_BYTES} allowed")]
    TooLarge(usize),
}

/// Encodes a sync body.
pub fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    postcard::to_allocvec(value).expect("sync types always encode")
}

/// Decodes a sync body; trailing bytes are an error.
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, WireError> {
    if bytes.len() > MAX_BODY_BYTES {
        return Err(WireError::TooLarge(bytes.len()));
    }
    match postcard::take_from_bytes(bytes) {
        Ok((value, [])) => Ok(value),
        Ok((_, rest)) => Err(WireError::Decode(format!(
            "{} unexpected bytes at the end",
            rest.len()
        ))),
        Err(err) => Err(WireError::Decode(err.to_string())),
    }
}

/// Agent side: what to push for `doc`, given the heads the server acknowledged; `None` when
/// the server already holds everything.
pub fn outgoing(doc: &mut TicketDoc, acked: &Heads) -> Option<PushDoc> {
    let heads = Heads::of(doc);
    if &heads == acked {
        return None;
    }
    let bytes = if acked.is_empty() {
        doc.save()
    } else {
        doc.save_after(&acked.hashes())
    };
    Some(PushDoc {
        id: doc.id(),
        number: doc.number().clone(),
        base: acked.clone(),
        bytes,
    })
}

/// Why the server refused one ticket of a push.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{reason}")]
pub struct Refusal {
    pub reason: String,
    /// Sending the whole document will succeed.
    pub send_whole: bool,
}

/// Who pushes: the site whose token the request carries, and which Automerge actors are bound
/// to it.
pub struct Pusher<'a> {
    pub site: &'a SiteCode,
    pub owns: &'a dyn Fn(&ActorId) -> bool,
}

impl fmt::Debug for Pusher<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pusher").field("site", self.site).finish()
    }
}

/// Server side: takes one pushed ticket into the server's copy (if any). Returns the merged
/// document and whether it gained changes. Bad bytes, and anything a site may not do, are
/// refused and change nothing:
/// - a new ticket must carry the pushing site's code in its number;
/// - every change the server did not hold must be by an actor bound to the pushing site;
/// - the id and number never change, every event the server held is still there unchanged,
///   and every new event names the pushing site.
pub fn accept(
    existing: Option<TicketDoc>,
    push: &PushDoc,
    pusher: &Pusher<'_>,
) -> Result<(TicketDoc, bool), Refusal> {
    accept_parsed(existing, push, pusher).map(|(doc, changed, _)| (doc, changed))
}

/// What a push's check read of a ticket's steps: every entry of the document's list, in its
/// order (as [`TicketDoc::event_entries`] gives them), and the steps the push added, parsed,
/// by their entry's id. The ticket's derivation reads neither again
/// ([`crate::Derived::of_parsed`]).
#[derive(Debug, Default)]
pub struct Added {
    /// The document's entries when the check read them (none: not read).
    pub entries: Option<Vec<(automerge::ObjId, String)>>,
    pub steps: std::collections::HashMap<automerge::ObjId, crate::Event>,
}

impl Added {
    /// Takes in what the check of a later copy of the same ticket read, once that copy is
    /// accepted: its entries are those of the ticket now.
    pub fn then(&mut self, later: Added) {
        if later.entries.is_some() {
            self.entries = later.entries;
        }
        self.steps.extend(later.steps);
    }
}

/// [`accept`], also giving the steps the push added as the check read them.
pub fn accept_parsed(
    existing: Option<TicketDoc>,
    push: &PushDoc,
    pusher: &Pusher<'_>,
) -> Result<(TicketDoc, bool, Added), Refusal> {
    let refuse = |reason: String, send_whole: bool| Refusal {
        reason: format!("ticket {}: {reason}", push.number),
        send_whole,
    };
    if push.bytes.len() > MAX_TICKET_BYTES {
        return Err(refuse(too_large(push.bytes.len()), false));
    }
    crate::bytes_check::check(&push.bytes).map_err(|err| refuse(err.to_string(), false))?;
    match existing {
        None => {
            if push.number.site() != pusher.site {
                return Err(refuse(
                    format!(
                        "the number belongs to site {}; site {} registers tickets under its own code",
                        push.number.site(),
                        pusher.site
                    ),
                    false,
                ));
            }
            let mut doc = TicketDoc::load(&push.bytes).map_err(|err| {
                let partial = !push.base.is_empty();
                let why = if partial {
                    "the server does not have this ticket yet".to_owned()
                } else {
                    err.to_string()
                };
                refuse(why, partial)
            })?;
            if doc.id() != push.id || doc.number() != &push.number {
                return Err(refuse("the document is another ticket".into(), false));
            }
            let added =
                check_additions(&[], &[], &mut doc, pusher).map_err(|why| refuse(why, false))?;
            Ok((doc, true, added))
        }
        Some(mut doc) => {
            if doc.id() != push.id || doc.number() != &push.number {
                return Err(refuse(
                    "the id does not match the server's ticket".into(),
                    false,
                ));
            }
            let before = Heads::of(&mut doc);
            let events = doc.event_entries();
            doc.apply_bytes(&push.bytes).map_err(|err| match err {
                DocError::MissingDeps => {
                    refuse("the changes build on changes the server lacks".into(), true)
                }
                other => refuse(other.to_string(), false),
            })?;
            let changed = Heads::of(&mut doc) != before;
            let added = if changed {
                check_additions(&before.hashes(), &events, &mut doc, pusher)
                    .map_err(|why| refuse(why, false))?
            } else {
                Added::default()
            };
            Ok((doc, changed, added))
        }
    }
}

/// Checks what `doc` holds beyond `heads` (where it held `events`) against what `pusher` may
/// add. Returns the steps added, or why not, in words.
fn check_additions(
    heads: &[ChangeHash],
    events: &[(automerge::ObjId, String)],
    doc: &mut TicketDoc,
    pusher: &Pusher<'_>,
) -> Result<Added, String> {
    if let Some(actor) = doc
        .actors_since(heads)
        .into_iter()
        .find(|actor| !(pusher.owns)(actor))
    {
        return Err(format!(
            "it holds changes made by an installation that is not enrolled as site {} \
             (Automerge actor {actor}); enrol this agent again with `rma-agent enroll`",
            pusher.site
        ));
    }
    let now = doc.event_entries();
    if !events.is_empty() {
        let entries: std::collections::HashMap<&automerge::ObjId, &str> =
            now.iter().map(|(id, text)| (id, text.as_str())).collect();
        // An overwritten entry gets a new id, like a removed one: both leave an id missing.
        if events
            .iter()
            .any(|(id, text)| entries.get(id) != Some(&text.as_str()))
        {
            return Err(
                "it removes or rewrites a recorded step; recorded steps never change".into(),
            );
        }
    }
    let held: std::collections::HashSet<&automerge::ObjId> =
        events.iter().map(|(id, _)| id).collect();
    let mut steps = std::collections::HashMap::new();
    for (id, text) in &now {
        if held.contains(id) {
            continue;
        }
        let event: crate::Event = serde_json::from_str(text)
            .map_err(|_| "it adds a step the server cannot read".to_owned())?;
        if &event.site != pusher.site {
            return Err(format!(
                "it adds a step in the name of site {}; site {} records steps in its own name",
                event.site, pusher.site
            ));
        }
        steps.insert(id.clone(), event);
    }
    Ok(Added {
        entries: Some(now),
        steps,
    })
}

/// Why a ticket of `bytes` is too large to sync, in words.
pub fn too_large(bytes: usize) -> String {
    format!(
        "it is {:.1} MB, more than the {} MB a ticket may hold; split long texts or attachments off this ticket",
        bytes as f64 / 1e6,
        MAX_TICKET_BYTES / 1_000_000
    )
}

impl FeedEntry {
    /// The entry's document, checked to be the ticket the entry names.
    pub fn load(&self) -> Result<TicketDoc, DocError> {
        crate::bytes_check::check(&self.doc).map_err(|err| DocError::Corrupt(err.to_string()))?;
        let doc = TicketDoc::load(&self.doc)?;
        if doc.id() != self.id || doc.number() != &self.number {
            return Err(DocError::Corrupt(
                "the feed entry holds another ticket".into(),
            ));
        }
        Ok(doc)
    }
}

/// Agent side: merges a pulled ticket into the local copy (if any).
pub fn absorb(local: Option<TicketDoc>, entry: &FeedEntry) -> Result<TicketDoc, DocError> {
    let mut incoming = entry.load()?;
    match local {
        None => Ok(incoming),
        Some(mut doc) => {
            doc.merge(&mut incoming)?;
            Ok(doc)
        }
    }
}

/// An order-independent digest of many tickets' heads: the sum, modulo 2^256, of a hash of each
/// ticket's id and heads. Adding a ticket is O(1), and equal digests mean equal holdings.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Digest([u8; 32]);

impl Digest {
    /// The term one ticket adds to a digest.
    pub fn item(id: TicketId, heads: &Heads) -> [u8; 32] {
        let mut hasher = Sha256::new();
        hasher.update(id.as_bytes());
        for head in &heads.0 {
            hasher.update(head);
        }
        hasher.finalize().into()
    }

    pub fn add(&mut self, id: TicketId, heads: &Heads) {
        self.0 = add_u256(&self.0, &Self::item(id, heads));
    }

    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    pub fn of<'a>(items: impl IntoIterator<Item = (TicketId, &'a Heads)>) -> Self {
        let mut digest = Self::default();
        for (id, heads) in items {
            digest.add(id, heads);
        }
        digest
    }
}

/// `a + b` modulo 2^256, big-endian.
pub fn add_u256(a: &[u8; 32], b: &[u8; 32]) -> [u8; 32] {
    let mut out = [0; 32];
    let mut carry = 0u16;
    for i in (0..32).rev() {
        let sum = u16::from(a[i]) + u16::from(b[i]) + carry;
        out[i] = (sum & 0xff) as u8;
        carry = sum >> 8;
    }
    out
}

/// `a - b` modulo 2^256, big-endian.
pub fn sub_u256(a: &[u8; 32], b: &[u8; 32]) -> [u8; 32] {
    let mut out = [0; 32];
    let mut borrow = 0i16;
    for i in (0..32).rev() {
        let mut diff = i16::from(a[i]) - i16::from(b[i]) - borrow;
        borrow = 0;
        if diff < 0 {
            diff += 256;
            borrow = 1;
        }
        out[i] = diff as u8;
    }
    out
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for byte in self.0 {
            write!(f, "{byte:02x}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use automerge::ActorId;
    use chrono::{DateTime, Utc};

    use super::*;
    use crate::event::{Event, EventKind};
    use crate::ids::SiteCode;

    fn ticket(seq: u32) -> TicketDoc {
        let site = SiteCode::parse("WH1").unwrap();
        let at = DateTime::<Utc>::from_timestamp(1_790_000_000, 0).unwrap();
        crate::testing::ticket(&site, seq, &ActorId::random(), at)
    }

    /// The server taking a push from WH1, whose actors are all bound to it.
    fn take(existing: Option<TicketDoc>, push: &PushDoc) -> Result<(TicketDoc, bool), Refusal> {
        let site = SiteCode::parse("WH1").unwrap();
        accept(
            existing,
            push,
            &Pusher {
                site: &site,
                owns: &|_| true,
            },
        )
    }

    fn hold(doc: &mut TicketDoc) {
        let site = SiteCode::parse("WH1").unwrap();
        let at = DateTime::<Utc>::from_timestamp(1_790_000_100, 0).unwrap();
        let kind = EventKind::Held {
            reason: "parts".into(),
        };
        doc.record(Event::new(kind, site, "ann", at)).unwrap();
    }

    #[test]
    fn a_new_ticket_travels_whole_then_only_its_changes() {
        let mut doc = ticket(1);
        let first = outgoing(&mut doc, &Heads::default()).unwrap();
        let (mut server, changed) = take(None, &first).unwrap();
        assert!(changed);
        let acked = Heads::of(&mut server);
        assert_eq!(
            outgoing(&mut doc, &acked),
            None,
            "nothing new, nothing to push"
        );

        hold(&mut doc);
        let next = outgoing(&mut doc, &acked).unwrap();
        assert!(next.bytes.len() < first.bytes.len());
        let (mut server, changed) = take(Some(server), &next).unwrap();
        assert!(changed);
        assert_eq!(Heads::of(&mut server), Heads::of(&mut doc));
        // The same push again is harmless.
        let (_, changed) = take(Some(server), &next).unwrap();
        assert!(!changed);
    }

    #[test]
    fn the_steps_the_check_read_derive_the_ticket_as_reading_them_again_would() {
        let site = SiteCode::parse("WH1").unwrap();
        let pusher = Pusher {
            site: &site,
            owns: &|_| true,
        };
        let mut doc = ticket(1);
        let first = outgoing(&mut doc, &Heads::default()).unwrap();
        let (server, _, mut read) = accept_parsed(None, &first, &pusher).unwrap();
        assert_eq!(
            read.steps.len(),
            doc.events().len(),
            "a new ticket: every step is added"
        );
        let acked = Heads::of(&mut doc);
        hold(&mut doc);
        let next = outgoing(&mut doc, &acked).unwrap();
        let (server, changed, added) = accept_parsed(Some(server), &next, &pusher).unwrap();
        assert!(changed);
        assert_eq!(added.steps.len(), 1, "then only the step taken since");
        read.then(added);
        // The same copy again (a push may carry a ticket twice) changes nothing and reads
        // nothing: what the copy before read stays.
        let (server, changed, again) = accept_parsed(Some(server), &next, &pusher).unwrap();
        assert!(!changed && again.entries.is_none());
        read.then(again);
        assert_eq!(read.entries.as_ref().map(Vec::len), Some(2));
        let reread = crate::Derived::of(&server).unwrap();
        let parsed = crate::Derived::of_parsed(&server, read).unwrap();
        assert_eq!(parsed.events, reread.events);
        assert_eq!(parsed.flow, reread.flow);
        assert_eq!(parsed.unreadable, reread.unreadable);
    }

    #[test]
    fn changes_the_server_cannot_place_ask_for_the_whole_document() {
        let mut doc = ticket(1);
        let acked = Heads::of(&mut doc);
        hold(&mut doc);
        let partial = outgoing(&mut doc, &acked).unwrap();
        let refusal = take(None, &partial).unwrap_err();
        assert!(refusal.send_whole, "{refusal}");
    }

    #[test]
    fn garbage_is_refused_and_changes_nothing() {
        let mut doc = ticket(1);
        let whole = outgoing(&mut doc, &Heads::default()).unwrap();
        let (mut server, _) = take(None, &whole).unwrap();
        let before = Heads::of(&mut server);
        let mut bad = whole.clone();
        bad.base = before.clone();
        bad.bytes = b"\x85\x6f\x4a\x83 definitely not automerge".to_vec();
        let refusal = take(Some(server.clone()), &bad).unwrap_err();
        assert!(!refusal.send_whole);
        assert_eq!(Heads::of(&mut server), before);
        let mut other = ticket(2);
        let mut wrong = outgoing(&mut other, &Heads::default()).unwrap();
        wrong.id = doc.id();
        wrong.number = doc.number().clone();
        assert!(take(None, &wrong).is_err());
    }

    #[test]
    fn wire_bodies_round_trip_and_reject_damage() {
        let mut doc = ticket(1);
        let request = PushRequest {
            docs: vec![outgoing(&mut doc, &Heads::default()).unwrap()],
        };
        let bytes = encode(&request);
        assert_eq!(decode::<PushRequest>(&bytes).unwrap(), request);
        assert!(decode::<PushRequest>(&bytes[..bytes.len() / 2]).is_err());
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(decode::<PushRequest>(&longer).is_err());
        assert!(decode::<PullResponse>(b"\xff\xff\xff\xff\xff\xff").is_err());
    }

    #[test]
    fn pull_pages_without_summaries_are_read_by_both_versions() {
        let mut doc = ticket(3);
        let page = PullResponse {
            entries: vec![FeedEntry {
                seq: 4,
                id: doc.id(),
                number: doc.number().clone(),
                heads: Heads::of(&mut doc),
                doc: doc.save(),
                archived: false,
            }],
            cursor: 4,
            more: false,
            digest: Some(Digest::of([])),
            summaries: Some(Summaries {
                rules: SUMMARY_RULES,
                each: vec![serde_bytes::ByteBuf::from(
                    serde_json::to_vec(&crate::TicketSummary::build(&doc).unwrap()).unwrap(),
                )],
            }),
        };
        // Asked for: the summaries come, and both versions' readers see the page.
        let with = encode_pull(page.clone(), true);
        assert_eq!(decode_pull(&with).unwrap(), page);
        // Not asked for (an agent of an earlier version): the page as that version reads it.
        let without = encode_pull(page.clone(), false);
        let old: PullResponseWithout = decode(&without).unwrap();
        assert_eq!((old.entries, old.cursor), (page.entries.clone(), 4));
        let read = decode_pull(&without).unwrap();
        assert_eq!(read.summaries, None);
        assert_eq!(read.entries, page.entries);
        // Neither shape: an error, as before.
        assert!(decode_pull(&with[..with.len() - 3]).is_err());
    }

    #[test]
    fn digest_terms_can_be_taken_out_again() {
        let (a, b) = (TicketId::random(), TicketId::random());
        let h1 = Heads::from_bytes(&[1; 32]).unwrap();
        let h2 = Heads::from_bytes(&[2; 32]).unwrap();
        let both = Digest::of([(a, &h1), (b, &h2)]);
        let only_b = sub_u256(&both.0, &Digest::item(a, &h1));
        assert_eq!(Digest::from_bytes(only_b), Digest::of([(b, &h2)]));
        let x = [0xff; 32];
        assert_eq!(sub_u256(&add_u256(&x, &x), &x), x);
    }

    #[test]
    fn digests_ignore_order_and_see_every_difference() {
        let (a, b) = (TicketId::random(), TicketId::random());
        let h1 = Heads::from_bytes(&[1; 32]).unwrap();
        let h2 = Heads::from_bytes(&[2; 32]).unwrap();
        let d1 = Digest::of([(a, &h1), (b, &h2)]);
        let d2 = Digest::of([(b, &h2), (a, &h1)]);
        assert_eq!(d1, d2);
        assert_ne!(d1, Digest::of([(a, &h2), (b, &h1)]));
        assert_ne!(d1, Digest::of([(a, &h1)]));
    }

    #[test]
    fn pulled_tickets_merge_with_local_work() {
        let mut doc = ticket(1);
        let mut local = TicketDoc::load(&doc.save()).unwrap();
        local.set_actor(ActorId::random());
        hold(&mut doc);
        let entry = FeedEntry {
            seq: 1,
            id: doc.id(),
            number: doc.number().clone(),
            heads: Heads::of(&mut doc),
            doc: doc.save(),
            archived: false,
        };
        let mut merged = absorb(Some(local), &entry).unwrap();
        assert_eq!(Heads::of(&mut merged), entry.heads);
        let mut other = ticket(2);
        let wrong = FeedEntry {
            id: other.id(),
            ..entry.clone()
        };
        assert!(absorb(None, &wrong).is_err());
        let _ = Heads::of(&mut other);
    }
}
