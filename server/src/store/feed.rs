//! The feed: every write of a ticket at the server takes the next position (1, 2, ...), and a
//! site pulls the positions after its cursor. Positions written together (a push's tickets)
//! share one key, a page: the key names the page's first position, each line of its value the
//! next one. A push of 500 tickets writes one key for the feed and one for each site that
//! holds them, not a thousand: sled's cost is by the key, whatever its size.
//!
//! ```text
//! feed:{seq, u64 BE}            positions seq, seq+1, ...: "{number}\t{origin}" a line
//! sfeed:{SITE}\0{seq, u64 BE}   the site's own feed: a run of consecutive positions whose
//!                               tickets it holds, lines as on the feed
//! ```
//! `origin` is who wrote the position: a site and the installation that pushed
//! ("WH1\t{actor}"), a site alone, the office or the server. A key written before pages holds
//! one line: a page of one.

use std::collections::BTreeMap;

use rma_shared::{SiteCode, TicketNumber};
use rma_store::kv::{Batch, Kv, KvError};

/// The most positions one page holds: a larger push writes several.
const PAGE_LINES: usize = 1_000;

/// One position: its sequence number and its line ("{number}\t{origin}").
pub(crate) type Position = Result<(u64, String), KvError>;

/// The whole feed, or one site's.
pub(crate) struct Feed<'a> {
    kv: &'a Kv,
    prefix: Vec<u8>,
}

impl<'a> Feed<'a> {
    /// The feed of every position.
    pub(crate) fn all(kv: &'a Kv) -> Self {
        Self {
            kv,
            prefix: FEED.to_vec(),
        }
    }

    /// The positions whose ticket `site` holds.
    pub(crate) fn of_site(kv: &'a Kv, site: &SiteCode) -> Self {
        Self {
            kv,
            prefix: site_prefix(site),
        }
    }

    fn key(&self, seq: u64) -> Vec<u8> {
        let mut key = self.prefix.clone();
        key.extend_from_slice(&seq.to_be_bytes());
        key
    }

    /// The last position on this feed (0: none).
    pub(crate) fn head(&self) -> Result<u64, KvError> {
        match self.kv.last_of(&self.prefix) {
            Some(entry) => {
                let (key, value) = entry?;
                Ok(first_of(self.prefix.len(), &key) + line_breaks(&value))
            }
            None => Ok(0),
        }
    }

    /// The positions from `from` to `to` (both included), in order, read as they are used.
    pub(crate) fn positions(
        &self,
        from: u64,
        to: u64,
    ) -> Result<impl Iterator<Item = Position> + Send + use<>, KvError> {
        // The page that starts before `from` may run past it (a site that is up to date reads
        // it on every pull: its lines are split only when it does).
        let before = match self.kv.last_in(&self.key(0), &self.key(from)) {
            Some(entry) => {
                let (key, value) = entry?;
                let first = first_of(self.prefix.len(), &key);
                if first + line_breaks(&value) >= from {
                    lines(first, &value)
                } else {
                    Vec::new()
                }
            }
            None => Vec::new(),
        };
        let prefix = self.prefix.len();
        let pages = self
            .kv
            .range(&self.key(from), &self.key(to.saturating_add(1)))
            .flat_map(move |entry| page(prefix, entry));
        Ok(before
            .into_iter()
            .map(Ok)
            .chain(pages)
            .filter(move |position| {
                position
                    .as_ref()
                    .map_or(true, |(seq, _)| (from..=to).contains(seq))
            }))
    }

    /// Every position on this feed, in order.
    pub(crate) fn every(&self) -> impl Iterator<Item = Position> + Send + use<> {
        let prefix = self.prefix.len();
        self.kv
            .scan(&self.prefix)
            .flat_map(move |entry| page(prefix, entry))
    }
}

/// Puts `tickets` (each with the sites that hold it) at positions `first`, `first + 1`, ...,
/// written by `origin`: on the feed, and each on the feed of every site that holds it.
pub(crate) fn put(
    batch: &mut Batch,
    first: u64,
    origin: &str,
    tickets: &[(&TicketNumber, &[SiteCode])],
) {
    let mut by_site: BTreeMap<&SiteCode, Vec<(u64, String)>> = BTreeMap::new();
    let mut all = Vec::with_capacity(tickets.len());
    for (seq, (number, holders)) in (first..).zip(tickets) {
        let line = format!("{number}\t{origin}");
        for site in *holders {
            by_site.entry(site).or_default().push((seq, line.clone()));
        }
        all.push((seq, line));
    }
    put_runs(batch, FEED, &all);
    for (site, positions) in by_site {
        put_runs(batch, &site_prefix(site), &positions);
    }
}

/// Puts position `seq`, `line` as it is on the feed, on `site`'s own feed.
pub(crate) fn put_on_site(batch: &mut Batch, site: &SiteCode, seq: u64, line: &str) {
    put_runs(batch, &site_prefix(site), &[(seq, line.to_owned())]);
}

/// Writes `positions` (in order) under `prefix`: a page for each run of consecutive ones.
fn put_runs(batch: &mut Batch, prefix: &[u8], positions: &[(u64, String)]) {
    let mut rest = positions;
    while let Some(&(first, _)) = rest.first() {
        let run = rest
            .iter()
            .zip(first..)
            .take(PAGE_LINES)
            .take_while(|((seq, _), expected)| seq == expected)
            .count();
        let mut key = prefix.to_vec();
        key.extend_from_slice(&first.to_be_bytes());
        let page: Vec<&str> = rest[..run].iter().map(|(_, line)| line.as_str()).collect();
        batch.put(key, page.join("\n"));
        rest = &rest[run..];
    }
}

const FEED: &[u8] = b"feed:";

fn site_prefix(site: &SiteCode) -> Vec<u8> {
    format!("sfeed:{site}\0").into_bytes()
}

/// The first position of the page at `key`.
fn first_of(prefix: usize, key: &[u8]) -> u64 {
    key.get(prefix..prefix + 8)
        .and_then(|b| <[u8; 8]>::try_from(b).ok())
        .map_or(0, u64::from_be_bytes)
}

/// The positions of the page a scan read (keys of `prefix` bytes, then the first position).
fn page(prefix: usize, entry: rma_store::kv::Entry) -> Vec<Position> {
    match entry {
        Ok((key, value)) => lines(first_of(prefix, &key), &value)
            .into_iter()
            .map(Ok)
            .collect(),
        Err(err) => vec![Err(err)],
    }
}

/// How many positions a page holds after its first.
fn line_breaks(value: &[u8]) -> u64 {
    value.iter().filter(|&&b| b == b'\n').count() as u64
}

/// A page's positions, from `first`.
fn lines(first: u64, value: &[u8]) -> Vec<(u64, String)> {
    String::from_utf8_lossy(value)
        .split('\n')
        .zip(first..)
        .map(|(line, seq)| (seq, line.to_owned()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numbers(n: u32) -> Vec<TicketNumber> {
        (1..=n)
            .map(|seq| TicketNumber::new(SiteCode::parse("WH1").unwrap(), 2026, seq))
            .collect()
    }

    fn read(feed: &Feed<'_>, from: u64, to: u64) -> Vec<(u64, String)> {
        feed.positions(from, to)
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    #[test]
    fn positions_read_the_same_whether_written_one_by_one_or_as_pages() {
        let wh1 = SiteCode::parse("WH1").unwrap();
        let rc1 = SiteCode::parse("RC1").unwrap();
        let numbers = numbers(2_500);
        // Every third ticket is held at the repair centre too: its feed gets runs.
        let holders: Vec<Vec<SiteCode>> = (0..numbers.len())
            .map(|i| match i % 3 {
                0 => vec![wh1.clone(), rc1.clone()],
                _ => vec![wh1.clone()],
            })
            .collect();
        let tickets: Vec<(&TicketNumber, &[SiteCode])> = numbers
            .iter()
            .zip(&holders)
            .map(|(n, h)| (n, h.as_slice()))
            .collect();
        let (one, paged) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let (one, paged) = (
            Kv::open(one.path()).unwrap(),
            Kv::open(paged.path()).unwrap(),
        );
        let mut batch = Batch::default();
        for (seq, ticket) in (1..).zip(&tickets) {
            put(&mut batch, seq, "WH1", std::slice::from_ref(ticket));
        }
        one.commit(batch).unwrap();
        let mut batch = Batch::default();
        put(&mut batch, 1, "WH1", &tickets[..7]);
        put(&mut batch, 8, "WH1", &tickets[7..]);
        paged.commit(batch).unwrap();
        assert!(
            paged.scan(FEED).count() < 10,
            "a push's positions share keys"
        );
        for kv in [&one, &paged] {
            for feed in [Feed::all(kv), Feed::of_site(kv, &wh1)] {
                assert_eq!(feed.head().unwrap(), 2_500);
                assert_eq!(feed.every().count(), 2_500);
            }
            // Positions 1, 4, 7, ..., 2,500.
            assert_eq!(Feed::of_site(kv, &rc1).head().unwrap(), 2_500);
            assert_eq!(Feed::of_site(kv, &rc1).every().count(), 834);
        }
        for (from, to) in [(1, 2_500), (5, 9), (8, 8), (1_000, 1_001), (2_400, 9_999)] {
            for site in [None, Some(&wh1), Some(&rc1)] {
                let feed = |kv| site.map_or_else(|| Feed::all(kv), |s| Feed::of_site(kv, s));
                let expected = read(&feed(&one), from, to);
                assert_eq!(read(&feed(&paged), from, to), expected, "{from}..={to}");
                assert!(expected.iter().all(|(seq, _)| (from..=to).contains(seq)));
            }
        }
        let read_back = read(&Feed::all(&paged), 1_999, 2_001);
        assert_eq!(
            read_back,
            vec![
                (1_999, "WH1-2026-01999\tWH1".to_owned()),
                (2_000, "WH1-2026-02000\tWH1".to_owned()),
                (2_001, "WH1-2026-02001\tWH1".to_owned()),
            ]
        );
    }

    #[test]
    fn an_empty_feed_has_no_positions() {
        let dir = tempfile::tempdir().unwrap();
        let kv = Kv::open(dir.path()).unwrap();
        assert_eq!(Feed::all(&kv).head().unwrap(), 0);
        assert_eq!(Feed::all(&kv).positions(1, 10).unwrap().count(), 0);
    }
}
