//! What the central office reads, kept up to date in the same write as every accepted change,
//! so no page loads every document:
//!
//! ```text
//! count:status:{status}          tickets in that status (256-bit register, big-endian)
//! an:{YYYY-MM}\0{number}         the ticket's analysis facts (JSON), by month of registration
//! co:{YYYY-MM}\0{number}\0{id}   one cost line (JSON), by month it was recorded
//! lbl:{code}                     the unit a pre-printed label was attached to
//! meta:office                    the version of these indexes
//! meta:office:zone               the time zone months were cut in
//! ```
//! A store written by an older version, or whose months were cut in another time zone than
//! the company's now, has its indexes rebuilt when it is opened.

use std::collections::BTreeMap;

use chrono::Utc;
use rma_shared::analysis::{CostEntry, Month, MonthlyAnalysis, TicketFacts, cost_entries};
use rma_shared::{DeadlineSettings, Derived, TicketDoc, TicketStatus, TicketSummary, TicketView};
use rma_store::kv::{Batch, Kv};
use rma_store::tickets::TicketsError as StoreError;
use rma_store::tickets::{ListFilter, TicketStore, sortable};

/// Bump when the indexes change shape: stores are rebuilt on open.
const VERSION: u32 = 2;
const META: &str = "meta:office";
const ZONE: &str = "meta:office:zone";

fn count_key(status: TicketStatus) -> String {
    format!("count:status:{}", status.as_str())
}

/// The register value 1, to count with.
pub(crate) fn one() -> [u8; 32] {
    let mut value = [0; 32];
    value[31] = 1;
    value
}

/// The count a register holds (its last 8 bytes; counts never reach more).
pub(crate) fn counted(register: &[u8; 32]) -> u64 {
    u64::from_be_bytes(register[24..].try_into().expect("8 bytes"))
}

/// Brings the office indexes of one ticket up to date, in `batch`; `derived` is `doc` read.
/// With `report`, its rows in the report's tables too.
pub fn index(
    batch: &mut Batch,
    doc: &TicketDoc,
    derived: Derived,
    old: Option<&TicketSummary>,
    new: &TicketSummary,
    report: bool,
) {
    Entries::of(doc, derived, report).write(batch, old, new);
}

/// What the office's indexes hold of one ticket, worked out from its document (CPU work a
/// push does for each ticket before it takes the feed's lock).
#[derive(Debug, Clone, Default)]
pub struct Entries {
    puts: Vec<(Vec<u8>, Vec<u8>)>,
    /// The ticket, and what of it the office's kept answers hold: its analysis facts and its
    /// cost lines (see [`Kept::absorb`]).
    number: Option<rma_shared::TicketNumber>,
    facts: Option<TicketFacts>,
    costs: Vec<CostEntry>,
    /// The ticket's rows in the report's tables, for a store that keeps them.
    report: Option<crate::report::TicketRows>,
}

impl Entries {
    pub fn of(doc: &TicketDoc, derived: Derived, report: bool) -> Self {
        // Overdue flags are not part of the facts, so any deadlines and time will do.
        let view = TicketView::from_derived(doc, derived, &DeadlineSettings::default(), Utc::now());
        let number = sortable(&view.number);
        let mut puts = Vec::new();
        let facts = TicketFacts::from_view(&view);
        if let Some(facts) = &facts {
            puts.push((
                format!("an:{}\0{number}", Month::of(facts.registered_at)).into_bytes(),
                serde_json::to_vec(facts).expect("facts serialise"),
            ));
        }
        for unit in &view.units {
            if let Some(label) = &unit.status.label {
                puts.push((
                    format!("lbl:{label}").into_bytes(),
                    unit.status.number.to_string().into_bytes(),
                ));
            }
        }
        let costs = cost_entries(&view);
        for entry in &costs {
            puts.push((
                cost_key(entry).into_bytes(),
                serde_json::to_vec(entry).expect("cost lines serialise"),
            ));
        }
        puts.extend(crate::store::archive::card_entry(&view));
        puts.extend(crate::store::files::ref_entries(&view));
        Self {
            puts,
            report: report.then(|| crate::report::TicketRows::of(&view, facts.as_ref())),
            number: Some(view.number),
            facts,
            costs,
        }
    }

    /// Writes them, with the counts per status moved from `old` to `new`.
    pub fn write(&self, batch: &mut Batch, old: Option<&TicketSummary>, new: &TicketSummary) {
        if old.map(|o| o.status) != Some(new.status) {
            if let Some(old) = old {
                batch.subtract_from(count_key(old.status), &one());
            }
            batch.add_to(count_key(new.status), &one());
        }
        for (key, value) in &self.puts {
            batch.put(key, value);
        }
        if let Some(rows) = &self.report {
            crate::report::write_ticket(batch, rows.clone());
        }
    }
}

/// Where a cost line is kept: by the month it was recorded, then ticket and event (the
/// ledger's order).
fn cost_key(entry: &CostEntry) -> String {
    format!(
        "co:{}\0{}\0{}",
        Month::of(entry.at),
        sortable(&entry.ticket),
        entry.event
    )
}

/// Rebuilds the indexes if the store was written by a version without them (or older ones).
pub fn ensure(kv: &Kv, tickets: &TicketStore) -> Result<(), StoreError> {
    let found = kv.get(META)?;
    let zone = rma_shared::calendar::company().zone_name();
    let same_zone = kv.get(ZONE)?.as_deref() == Some(zone.as_bytes());
    if !rma_store::kv::needs_upgrade("office index", found.as_deref(), VERSION)? && same_zone {
        return Ok(());
    }
    let started = std::time::Instant::now();
    let mut batch = Batch::default();
    for prefix in ["count:", "an:", "co:", "lbl:"] {
        for entry in kv.scan(prefix.as_bytes()) {
            batch.delete(entry?.0);
        }
    }
    kv.commit(batch)?;
    let all = tickets.list(&ListFilter::default(), &DeadlineSettings::default())?;
    let mut batch = Batch::default();
    for summary in &all.tickets {
        if let Some((_, doc)) = tickets.read_prior(&summary.number)?
            && let Ok(derived) = Derived::of(&doc)
        {
            index(&mut batch, &doc, derived, None, summary, false);
        }
    }
    batch.put(META, VERSION.to_string());
    batch.put(ZONE, zone);
    kv.commit(batch)?;
    tracing::info!(
        tickets = all.tickets.len(),
        zone,
        ms = started.elapsed().as_millis() as u64,
        "office indexes rebuilt"
    );
    Ok(())
}

impl crate::store::ServerStore {
    /// The unit a pre-printed label was attached to at receiving, once that ticket reached
    /// the server.
    pub fn labelled_unit(
        &self,
        label: &rma_shared::Reserved,
    ) -> Result<Option<rma_shared::UnitNumber>, StoreError> {
        Ok(self
            .kv()
            .get(format!("lbl:{label}"))?
            .and_then(|v| rma_shared::UnitNumber::parse(&String::from_utf8_lossy(&v)).ok()))
    }

    /// How many tickets are in each status (statuses with none left out).
    pub fn status_counts(&self) -> Result<BTreeMap<TicketStatus, u64>, StoreError> {
        status_counts(self.kv())
    }

    /// The facts of the tickets registered in `month`.
    pub fn month_facts(&self, month: Month) -> Result<Vec<TicketFacts>, StoreError> {
        month_facts(self.kv(), month)
    }

    /// The cost lines recorded in the months `from` to `to`, both included.
    pub fn cost_lines(&self, from: Month, to: Month) -> Result<Vec<CostEntry>, StoreError> {
        cost_lines(self.kv(), from, to)
    }
}

/// How many tickets are in each status.
fn status_counts(kv: &Kv) -> Result<BTreeMap<TicketStatus, u64>, StoreError> {
    let mut counts = BTreeMap::new();
    for status in TicketStatus::ALL {
        let register = kv.register(count_key(status))?;
        let count = counted(&register);
        if count > 0 {
            counts.insert(status, count);
        }
    }
    Ok(counts)
}

fn month_facts(kv: &Kv, month: Month) -> Result<Vec<TicketFacts>, StoreError> {
    scan_json(kv, &format!("an:{month}\0"))
}

fn cost_lines(kv: &Kv, from: Month, to: Month) -> Result<Vec<CostEntry>, StoreError> {
    let start = format!("co:{from}\0");
    let end = format!("co:{}\0", to.next());
    let mut lines = Vec::new();
    for entry in kv.range(start.as_bytes(), end.as_bytes()) {
        let (key, value) = entry?;
        match serde_json::from_slice(&value) {
            Ok(line) => lines.push(line),
            Err(err) => {
                tracing::warn!(key = %String::from_utf8_lossy(&key), %err, "unreadable cost line")
            }
        }
    }
    Ok(lines)
}

fn scan_json<T: serde::de::DeserializeOwned>(kv: &Kv, prefix: &str) -> Result<Vec<T>, StoreError> {
    let mut out = Vec::new();
    for entry in kv.scan(prefix.as_bytes()) {
        let (key, value) = entry?;
        match serde_json::from_slice(&value) {
            Ok(item) => out.push(item),
            Err(err) => {
                tracing::warn!(key = %String::from_utf8_lossy(&key), %err, "unreadable index entry")
            }
        }
    }
    Ok(out)
}

/// What the office's pages work out from many index entries (the overdue tickets, a month's
/// analysis, a ledger's lines), kept for the people who ask next: with 100,000 tickets each
/// costs 10-25 ms, and twenty people reloading pages would each pay it. An answer serves while
/// nothing was pushed (the feed's head is the same) for up to a minute, and, where a page may
/// lag a little (the board reloads itself every 15 s), for `fresh` whatever changed.
#[derive(Debug)]
pub struct Recent<K, V> {
    fresh: std::time::Duration,
    kept: std::sync::Mutex<Vec<(K, Worked<V>)>>,
    /// How many answers were worked out from the store (not kept, not brought up to date).
    worked_out: std::sync::atomic::AtomicU64,
}

#[derive(Debug)]
struct Worked<V> {
    feed_head: u64,
    at: std::time::Instant,
    value: std::sync::Arc<V>,
}

impl<K: PartialEq, V> Recent<K, V> {
    const UNCHANGED: std::time::Duration = std::time::Duration::from_secs(60);
    /// Answers kept at once (months, ranges).
    const KEPT: usize = 16;

    pub fn new(fresh: std::time::Duration) -> Self {
        Self {
            fresh,
            kept: std::sync::Mutex::new(Vec::new()),
            worked_out: std::sync::atomic::AtomicU64::new(0),
        }
    }

    /// How many answers were worked out from the store so far.
    pub fn worked_out(&self) -> u64 {
        self.worked_out.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Brings the answers worked out at feed position `before` up to `after` with `change`
    /// (a write of this process that took the positions between); answers of another
    /// position are left to be worked out again at their next reading.
    /// An answer `change` cannot bring up to date (it returns false) is dropped.
    fn update(&self, before: u64, after: u64, change: impl Fn(&K, &mut V) -> bool)
    where
        V: Clone,
    {
        let mut kept = self.kept.lock().unwrap_or_else(|p| p.into_inner());
        kept.retain_mut(|(key, worked)| {
            if worked.feed_head != before {
                return true;
            }
            worked.feed_head = after;
            change(key, std::sync::Arc::make_mut(&mut worked.value))
        });
    }

    /// The answer kept for `key` as of feed position `head`, if there is one.
    fn peek(&self, key: &K, head: u64) -> Option<std::sync::Arc<V>> {
        let kept = self.kept.lock().unwrap_or_else(|p| p.into_inner());
        kept.iter()
            .find(|(k, worked)| k == key && worked.feed_head == head)
            .map(|(_, worked)| worked.value.clone())
    }

    /// The answer for `key`: kept, or worked out by `work` now (one person works it out; the
    /// others asking meanwhile wait for that answer rather than repeat the work).
    pub fn get<E: From<crate::store::ServerStoreError>>(
        &self,
        store: &crate::store::ServerStore,
        key: K,
        work: impl FnOnce() -> Result<V, E>,
    ) -> Result<std::sync::Arc<V>, E> {
        let feed_head = store.feed_head()?;
        let mut kept = self.kept.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((_, worked)) = kept.iter().find(|(k, _)| k == &key) {
            let age = worked.at.elapsed();
            if age < self.fresh || (worked.feed_head == feed_head && age < Self::UNCHANGED) {
                return Ok(worked.value.clone());
            }
        }
        let value = std::sync::Arc::new(work()?);
        self.worked_out
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        kept.retain(|(k, _)| k != &key);
        if kept.len() == Self::KEPT {
            kept.remove(0);
        }
        kept.push((
            key,
            Worked {
                feed_head,
                at: std::time::Instant::now(),
                value: value.clone(),
            },
        ));
        Ok(value)
    }
}

/// The office's kept answers ([`Recent`]).
#[derive(Debug)]
pub struct Kept {
    /// The overdue tickets (see [`TicketStore::overdue`]), for 5 s whatever changed.
    pub overdue: Recent<(), Vec<Vec<u8>>>,
    /// Each month's analysis facts.
    pub facts: Recent<Month, Vec<TicketFacts>>,
    /// Each month's analysis, worked out from its facts.
    pub analysis: Recent<Month, MonthlyAnalysis>,
    /// The cost lines of a range of months.
    pub costs: Recent<(Month, Month), Vec<CostEntry>>,
}

impl Kept {
    /// Brings the kept answers up to date with tickets this process just wrote at feed
    /// positions `before + 1 ..= after`, instead of working them out again: a push changes a
    /// few tickets of a month's thousands.
    pub fn absorb<'a>(
        &self,
        before: u64,
        after: u64,
        written: impl Iterator<Item = &'a Entries> + Clone,
    ) {
        // One pass over a kept answer takes the written tickets' old entries out; their new
        // ones go in after.
        let numbers: std::collections::HashSet<&rma_shared::TicketNumber> =
            written.clone().filter_map(|e| e.number.as_ref()).collect();
        self.facts.update(before, after, |month, facts| {
            facts.retain(|f| !numbers.contains(&f.number));
            facts.extend(
                written
                    .clone()
                    .filter_map(|e| e.facts.as_ref())
                    .filter(|new| Month::of(new.registered_at) == *month)
                    .cloned(),
            );
            true
        });
        // A month's analysis is worked out again from its facts just brought up to date, once
        // for everyone who reads it next.
        self.analysis.update(before, after, |month, analysis| {
            match self.facts.peek(month, after) {
                Some(facts) => {
                    *analysis = MonthlyAnalysis::compute(*month, facts.iter());
                    true
                }
                None => false,
            }
        });
        self.costs.update(before, after, |(from, to), lines| {
            lines.retain(|l| !numbers.contains(&l.ticket));
            // The lines stay in the ledger's order: each new one goes where its key sorts.
            for line in written.clone().flat_map(|e| e.costs.iter()) {
                let month = Month::of(line.at);
                if month < *from || *to < month {
                    continue;
                }
                let key = cost_key(line);
                let at = lines.partition_point(|l| cost_key(l) < key);
                lines.insert(at, line.clone());
            }
            true
        });
    }
}

impl Default for Kept {
    fn default() -> Self {
        Self {
            overdue: Recent::new(std::time::Duration::from_secs(5)),
            facts: Recent::new(std::time::Duration::ZERO),
            analysis: Recent::new(std::time::Duration::ZERO),
            costs: Recent::new(std::time::Duration::ZERO),
        }
    }
}
