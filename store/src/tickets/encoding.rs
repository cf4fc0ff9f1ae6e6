//! How a ticket and its indexes are laid out in the store's keys and values (see the keys in
//! [`super`]): the sortable form of numbers, the encoded ticket, index entries.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rma_shared::SiteCode;
use rma_shared::sync::{Digest, Heads};
use rma_shared::{
    AreaCode, DeadlineSettings, DocError, TicketDoc, TicketId, TicketNumber, TicketSummary,
};
use serde::{Deserialize, Serialize};

use super::{ListFilter, TicketsError};
use crate::kv::Batch;

/// The number with its sequence padded so keys sort in numeric order.
pub fn sortable(number: &TicketNumber) -> String {
    format!(
        "{}-{:04}-{:010}",
        number.site(),
        number.year(),
        number.seq()
    )
}

pub(super) fn ticket_key(number: &TicketNumber) -> String {
    format!("t:{}", sortable(number))
}

pub(super) const ID: &[u8] = b"id:";
pub(super) const FORMAT: &str = "meta:tickets";
/// Version 2: the id index and the digests per part of the id space.
pub(super) const FORMAT_VERSION: u32 = 3;
/// The index of tickets with conflicts nobody has settled yet.
pub(super) const CONFLICTS: &str = "ix:conflict\0";

/// The register holding the digest of the tickets whose id starts with `byte`.
pub(super) fn bucket_key(byte: u8) -> Vec<u8> {
    let mut key = b"meta:digest:".to_vec();
    key.push(byte);
    key
}

/// The register holding the digest of every ticket: the sum of the parts' digests, kept
/// beside them so that a sync that finds nothing new reads one key, not 256.
pub(super) const DIGEST_ALL: &[u8] = b"meta:digest-all";

/// Takes a ticket's term out of its part's digest and the digest of all.
pub(super) fn unindex_digest(batch: &mut Batch, id: TicketId, heads: &Heads) {
    let item = Digest::item(id, heads);
    batch.subtract_from(bucket_key(id.as_bytes()[0]), &item);
    batch.subtract_from(DIGEST_ALL, &item);
}

pub(super) fn id_key(id: TicketId) -> Vec<u8> {
    let mut key = ID.to_vec();
    key.extend_from_slice(id.as_bytes());
    key
}

/// Adds a ticket to the id index and its part's digest (what was there for it is
/// overwritten, and its old term is subtracted by the caller).
pub(super) fn index_id(batch: &mut Batch, id: TicketId, number: &TicketNumber, heads: &Heads) {
    let mut value = heads.to_bytes();
    value.extend_from_slice(sortable(number).as_bytes());
    let count = u8::try_from(heads.len()).expect("a ticket has fewer than 256 heads");
    value.insert(0, count);
    batch.put(id_key(id), value);
    let item = Digest::item(id, heads);
    batch.add_to(bucket_key(id.as_bytes()[0]), &item);
    batch.add_to(DIGEST_ALL, &item);
}

pub(super) fn decode_id_entry(key: &[u8], value: &[u8]) -> Option<(TicketId, TicketNumber, Heads)> {
    let id = TicketId::from_bytes(key.get(ID.len()..)?.try_into().ok()?);
    let (&count, rest) = value.split_first()?;
    let heads = Heads::from_bytes(rest.get(..usize::from(count) * 32)?)?;
    let number = parse_sortable(std::str::from_utf8(&rest[usize::from(count) * 32..]).ok()?)?;
    Some((id, number, heads))
}

pub(super) const GONE: &[u8] = b"gone:";

pub(super) fn gone_key(number: &TicketNumber) -> String {
    format!("gone:{}", sortable(number))
}

/// A ticket whose contents are not in this store (see [`TicketStore::write_gone`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gone {
    pub id: TicketId,
    pub number: TicketNumber,
    /// The server's heads of the ticket when it left.
    pub heads: Heads,
    pub at: DateTime<Utc>,
    /// Disposed of at the end of its retention, rather than kept in the server's archive.
    #[serde(default)]
    pub disposed: bool,
}

/// What a ticket was before a write: its summary (for the indexes) and heads (for the digest).
#[derive(Debug, Clone)]
pub struct Prior {
    pub summary: TicketSummary,
    pub heads: Heads,
}

/// A ticket as stored.
#[derive(Debug, Clone)]
pub struct Stored {
    pub summary: TicketSummary,
    pub heads: Heads,
    /// The saved Automerge document.
    pub doc: Vec<u8>,
}

impl Stored {
    /// The ticket as it is before a change, and its document loaded.
    pub fn into_prior(self, number: &TicketNumber) -> Result<(Prior, TicketDoc), TicketsError> {
        let doc = TicketDoc::load(&self.doc).map_err(|source| TicketsError::Damaged {
            number: number.to_string(),
            source,
        })?;
        let prior = Prior {
            summary: self.summary,
            heads: self.heads,
        };
        Ok((prior, doc))
    }
}

/// A ticket's value: the length of its summary (u32 BE), the summary (JSON), the number of
/// heads (u8) and the heads (32 bytes each), the saved document.
pub(super) fn encode_ticket(summary: &TicketSummary, heads: &Heads, doc: &[u8]) -> Vec<u8> {
    let json = serde_json::to_vec(summary).expect("summaries serialise");
    let len = u32::try_from(json.len()).expect("a summary is far smaller than 4 GiB");
    let heads = heads.to_bytes();
    let count = u8::try_from(heads.len() / 32).expect("a ticket has fewer than 256 heads");
    let mut value = Vec::with_capacity(5 + json.len() + heads.len() + doc.len());
    value.extend_from_slice(&len.to_be_bytes());
    value.extend_from_slice(&json);
    value.push(count);
    value.extend_from_slice(&heads);
    value.extend_from_slice(doc);
    value
}

pub(super) fn decode_ticket(value: &[u8]) -> Result<Stored, DocError> {
    let bad = |what: &str| DocError::Corrupt(format!("its stored record is {what}"));
    let (len, rest) = value
        .split_first_chunk::<4>()
        .ok_or_else(|| bad("truncated"))?;
    let len = u32::from_be_bytes(*len) as usize;
    if rest.len() < len + 1 {
        return Err(bad("truncated"));
    }
    let (json, rest) = rest.split_at(len);
    let summary = serde_json::from_slice(json).map_err(|_| bad("unreadable"))?;
    let count = usize::from(rest[0]) * 32;
    if rest.len() < 1 + count {
        return Err(bad("truncated"));
    }
    let heads = Heads::from_bytes(&rest[1..1 + count]).ok_or_else(|| bad("truncated"))?;
    Ok(Stored {
        summary,
        heads,
        doc: rest[1 + count..].to_vec(),
    })
}

pub(super) fn area_prefix(code: &AreaCode) -> String {
    format!("ix:area:{code}\0")
}

pub(super) fn model_key(model: &str) -> String {
    model.trim().to_lowercase()
}

pub(super) fn millis(at: DateTime<Utc>) -> u64 {
    u64::try_from(at.timestamp_millis()).unwrap_or(0)
}

/// The index entries of one ticket: key, and the display number (of the unit, for areas).
pub(super) fn index_entries(summary: &TicketSummary) -> BTreeMap<Vec<u8>, String> {
    let number = sortable(&summary.number);
    let display = summary.number.to_string();
    let mut entries = BTreeMap::new();
    let status = format!("ix:status:{}\0{number}", summary.status.as_str());
    entries.insert(status.into_bytes(), display.clone());
    let model = format!("ix:model:{}\0{number}", model_key(&summary.model));
    entries.insert(model.into_bytes(), display.clone());
    let mut per_area: BTreeMap<&AreaCode, usize> = BTreeMap::new();
    for unit in &summary.units {
        if let Some(area) = unit.location.area() {
            *per_area.entry(area).or_default() += 1;
        }
    }
    for (area, units) in per_area {
        let key = format!("{}{number}", area_prefix(area));
        entries.insert(key.into_bytes(), format!("{display}\t{units}"));
    }
    if summary.open_conflicts > 0 {
        entries.insert(format!("{CONFLICTS}{number}").into_bytes(), display.clone());
    }
    for pending in &summary.pending {
        let mut key = format!("ix:due:{}\0", pending.deadline.as_str()).into_bytes();
        key.extend_from_slice(&millis(pending.since).to_be_bytes());
        key.extend_from_slice(number.as_bytes());
        entries.insert(key, display.clone());
    }
    entries
}

/// A number from its sortable form (see [`sortable`]).
pub fn parse_sortable(text: &str) -> Option<TicketNumber> {
    let mut parts = text.splitn(3, '-');
    let site = SiteCode::parse(parts.next()?).ok()?;
    let year = parts.next()?.parse().ok()?;
    let seq = parts.next()?.parse().ok()?;
    Some(TicketNumber::new(site, year, seq))
}

/// How many units an `ix:area:` entry counts.
pub(super) fn area_units(value: &[u8]) -> usize {
    let text = String::from_utf8_lossy(value);
    text.split_once('\t')
        .and_then(|(_, n)| n.parse().ok())
        .unwrap_or(0)
}

pub(super) fn parse_number_value(bytes: &[u8]) -> Result<TicketNumber, TicketsError> {
    let text = String::from_utf8_lossy(bytes);
    let text = text.split('\t').next().unwrap_or_default();
    TicketNumber::parse(text)
        .ok()
        .or_else(|| parse_sortable(text))
        .ok_or_else(|| TicketsError::Damaged {
            number: text.to_owned(),
            source: DocError::Missing("number"),
        })
}

pub(super) fn matches(
    summary: &TicketSummary,
    filter: &ListFilter,
    deadlines: &DeadlineSettings,
) -> bool {
    filter.status.is_none_or(|s| summary.status == s)
        && filter
            .model
            .as_ref()
            .is_none_or(|m| model_key(m) == model_key(&summary.model))
        && filter
            .area
            .as_ref()
            .is_none_or(|a| summary.units.iter().any(|u| u.location.area() == Some(a)))
        && filter
            .overdue_at
            .is_none_or(|now| !summary.overdue(deadlines, now).is_empty())
}
