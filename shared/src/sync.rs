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
//!   sides hold the same changes.

use std::fmt;

use automerge::ChangeHash;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use thiserror::Error;

use crate::ids::{TicketId, TicketNumber};
use crate::ticket::{DocError, TicketDoc};

/// The content type of every sync body.
pub const CONTENT_TYPE: &str = "application/vnd.rma.sync+postcard";

/// The largest sync body either side accepts.
pub const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

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
    /// Stored; the server now holds these heads.
    Accepted { id: TicketId, heads: Heads },
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
    /// The whole saved document.
    #[serde(with = "serde_bytes")]
    pub doc: Vec<u8>,
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

/// Server side: takes one pushed ticket into the server's copy (if any). Returns the merged
/// document and whether it gained changes. Bad bytes are refused and change nothing.
pub fn accept(existing: Option<TicketDoc>, push: &PushDoc) -> Result<(TicketDoc, bool), Refusal> {
    let refuse = |reason: String, send_whole: bool| Refusal { reason, send_whole };
    match existing {
        None => {
            let doc = TicketDoc::load(&push.bytes).map_err(|err| {
                let partial = !push.base.is_empty();
                let why = if partial {
                    "the server does not have this ticket yet".to_owned()
                } else {
                    err.to_string()
                };
                refuse(format!("ticket {}: {why}", push.number), partial)
            })?;
            if doc.id() != push.id || doc.number() != &push.number {
                return Err(refuse(
                    format!("ticket {}: the document is another ticket", push.number),
                    false,
                ));
            }
            Ok((doc, true))
        }
        Some(mut doc) => {
            if doc.id() != push.id || doc.number() != &push.number {
                return Err(refuse(
                    format!(
                        "ticket {}: the id does not match the server's ticket",
                        push.number
                    ),
                    false,
                ));
            }
            let before = Heads::of(&mut doc);
            doc.apply_bytes(&push.bytes).map_err(|err| match err {
                DocError::MissingDeps => refuse(
                    format!(
                        "ticket {}: the changes build on changes the server lacks",
                        push.number
                    ),
                    true,
                ),
                other => refuse(format!("ticket {}: {other}", push.number), false),
            })?;
            let changed = Heads::of(&mut doc) != before;
            Ok((doc, changed))
        }
    }
}

impl FeedEntry {
    /// The entry's document, checked to be the ticket the entry names.
    pub fn load(&self) -> Result<TicketDoc, DocError> {
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
    use crate::event::{CustomerRequest, Event, EventKind};
    use crate::ids::SiteCode;
    use crate::ticket::Registration;

    fn ticket(seq: u32) -> TicketDoc {
        let site = SiteCode::parse("WH1").unwrap();
        let at = DateTime::<Utc>::from_timestamp(1_790_000_000, 0).unwrap();
        TicketDoc::create(
            TicketId::random(),
            TicketNumber::new(site.clone(), 2026, seq),
            &Registration {
                customer: "Acme".into(),
                contact: None,
                model: "X200".into(),
                quantity: 1,
                fault: "dead".into(),
                request: CustomerRequest::Repair,
            },
            Event::new(EventKind::Registered, site, "ann", at),
            ActorId::random(),
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
        let (mut server, changed) = accept(None, &first).unwrap();
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
        let (mut server, changed) = accept(Some(server), &next).unwrap();
        assert!(changed);
        assert_eq!(Heads::of(&mut server), Heads::of(&mut doc));
        // The same push again is harmless.
        let (_, changed) = accept(Some(server), &next).unwrap();
        assert!(!changed);
    }

    #[test]
    fn changes_the_server_cannot_place_ask_for_the_whole_document() {
        let mut doc = ticket(1);
        let acked = Heads::of(&mut doc);
        hold(&mut doc);
        let partial = outgoing(&mut doc, &acked).unwrap();
        let refusal = accept(None, &partial).unwrap_err();
        assert!(refusal.send_whole, "{refusal}");
    }

    #[test]
    fn garbage_is_refused_and_changes_nothing() {
        let mut doc = ticket(1);
        let whole = outgoing(&mut doc, &Heads::default()).unwrap();
        let (mut server, _) = accept(None, &whole).unwrap();
        let before = Heads::of(&mut server);
        let mut bad = whole.clone();
        bad.base = before.clone();
        bad.bytes = b"\x85\x6f\x4a\x83 definitely not automerge".to_vec();
        let refusal = accept(Some(server.clone()), &bad).unwrap_err();
        assert!(!refusal.send_whole);
        assert_eq!(Heads::of(&mut server), before);
        let mut other = ticket(2);
        let mut wrong = outgoing(&mut other, &Heads::default()).unwrap();
        wrong.id = doc.id();
        wrong.number = doc.number().clone();
        assert!(accept(None, &wrong).is_err());
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
