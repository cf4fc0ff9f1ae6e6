//! The narrow key/value seam. Nothing else names the engine, so the store can change without
//! touching the domain. Two engines sit behind [`Backend`]: sled (here: the agent's store and
//! the server's embedded default) and PostgreSQL (the server's, in `rma-server`).
//!
//! - Every write goes through [`Kv::commit`]: one atomic batch, on disk before it returns, so
//!   a command is acknowledged only once it would survive a crash. [`Kv::apply_unflushed`] is
//!   for bookkeeping that may be lost in a crash.
//! - [`Kv::exclusive`] runs a read-then-write section as the store's only writer (across
//!   processes, for PostgreSQL); [`Kv::snapshot`] reads a view no such section changes
//!   meanwhile. The server's feed relies on both.
//! - 256-bit registers ([`Batch::add_to`]) are changed by addition, read and written with the
//!   batch that changes them.

use std::collections::BTreeMap;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, PoisonError, RwLock};

use rma_shared::i18n::{Lang, Localized};
use rma_shared::sync::{add_u256, sub_u256};
use rma_shared::tr;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum KvError {
    Locked(PathBuf),
    Open {
        path: PathBuf,
        #[source]
        source: sled::Error,
    },
    Store(#[from] sled::Error),
    Database(String),
    Newer {
        found: String,
        known: String,
    },
    /// A section given to [`Kv::exclusive`] or [`Kv::snapshot`] failed; its own error is
    /// returned to the caller instead.
    Aborted,
}

impl Localized for KvError {
    fn message(&self, lang: Lang) -> String {
        let io = |err: &sled::Error| match err {
            sled::Error::Io(io) => crate::files::io_problem(io, lang),
            _ => None,
        };
        match self {
            Self::Locked(path) => tr!(lang, "kv-locked", path = path.display().to_string()),
            Self::Open { path, source } => {
                let opened = tr!(lang, "kv-open", path = path.display().to_string());
                match io(source) {
                    Some(problem) => format!("{opened}: {problem}"),
                    None => opened,
                }
            }
            Self::Store(source) => io(source).unwrap_or_else(|| tr!(lang, "kv-failed")),
            Self::Database(reason) => tr!(lang, "kv-database", reason = reason.as_str()),
            Self::Newer { found, known } => tr!(
                lang,
                "kv-newer",
                found = found.as_str(),
                known = known.as_str()
            ),
            Self::Aborted => "a store section was given up".to_owned(),
        }
    }
}
rma_shared::english_display!(KvError);

/// One key and its value, as read by a scan.
pub type Entry = Result<(Vec<u8>, Vec<u8>), KvError>;

/// A scan's entries, in key order or in reverse.
pub type Entries = Box<dyn Iterator<Item = Entry> + Send>;

/// An ordered key/value engine.
pub trait Backend: Send + Sync + fmt::Debug {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, KvError>;
    /// The values of many keys, in their order: one round trip where the engine has them.
    fn get_many(&self, keys: &[Vec<u8>]) -> Result<Vec<Option<Vec<u8>>>, KvError> {
        keys.iter().map(|key| self.get(key)).collect()
    }
    /// Entries with `from <= key < to` (no `to`: to the end), in key order or reversed.
    fn range(self: Arc<Self>, from: Vec<u8>, to: Option<Vec<u8>>, reverse: bool) -> Entries;
    /// The last entry with `from <= key < to` (none: no key there): one row read where the
    /// engine reads a scan a page of rows at a time.
    fn last(self: Arc<Self>, from: Vec<u8>, to: Option<Vec<u8>>) -> Option<Entry> {
        self.range(from, to, true).next()
    }
    /// Applies `writes` (`None`: delete) and the register changes atomically; with `durable`,
    /// on disk before it returns.
    fn apply(&self, writes: Writes, durable: bool) -> Result<(), KvError>;
    /// Runs `section` as the only writer: its reads (through the [`Kv`] it is given) see every
    /// write committed before, and the batch it returns is committed, durably, before the
    /// next exclusive section starts.
    fn exclusive(
        self: Arc<Self>,
        section: &mut dyn FnMut(&Kv) -> Result<Batch, KvError>,
    ) -> Result<(), KvError>;
    /// Runs `section` over a view no exclusive section changes while it reads.
    fn snapshot(
        self: Arc<Self>,
        section: &mut dyn FnMut(&Kv) -> Result<(), KvError>,
    ) -> Result<(), KvError>;
}

/// What a batch writes: each key's new value (`None`: deleted), and each register's change
/// (what to add, what to subtract); and the rows of derived tables it replaces, for an engine
/// that keeps tables beside its keys (PostgreSQL's report for the office's tools; sled keeps
/// none and ignores them).
#[derive(Debug, Default)]
pub struct Writes {
    pub values: BTreeMap<Vec<u8>, Option<Vec<u8>>>,
    pub registers: BTreeMap<Vec<u8>, ([u8; 32], [u8; 32])>,
    pub rows: BTreeMap<(&'static str, String), Vec<Row>>,
}

/// A row of a derived table: each column's value as text (`None`: NULL), which the engine
/// casts to the column's type.
pub type Row = Vec<Option<String>>;

impl Writes {
    /// The new value of a register now at `current`.
    pub fn register_value(current: [u8; 32], (plus, minus): ([u8; 32], [u8; 32])) -> [u8; 32] {
        sub_u256(&add_u256(&current, &plus), &minus)
    }
}

/// An ordered key/value store; clones share it.
#[derive(Debug, Clone)]
pub struct Kv {
    backend: Arc<dyn Backend>,
}

/// Writes to apply together, all or nothing.
#[derive(Debug, Default)]
pub struct Batch {
    writes: Writes,
}

impl Batch {
    pub fn put(&mut self, key: impl AsRef<[u8]>, value: impl AsRef<[u8]>) {
        self.writes
            .values
            .insert(key.as_ref().to_vec(), Some(value.as_ref().to_vec()));
    }

    pub fn delete(&mut self, key: impl AsRef<[u8]>) {
        self.writes.values.insert(key.as_ref().to_vec(), None);
    }

    /// Adds `value` to the 256-bit register at `key` (a missing register is zero).
    pub fn add_to(&mut self, key: impl AsRef<[u8]>, value: &[u8; 32]) {
        let entry = self
            .writes
            .registers
            .entry(key.as_ref().to_vec())
            .or_default();
        entry.0 = add_u256(&entry.0, value);
    }

    /// Subtracts `value` from the 256-bit register at `key`.
    pub fn subtract_from(&mut self, key: impl AsRef<[u8]>, value: &[u8; 32]) {
        let entry = self
            .writes
            .registers
            .entry(key.as_ref().to_vec())
            .or_default();
        entry.1 = add_u256(&entry.1, value);
    }

    /// Replaces the rows of derived table `table` whose first column is `key` with `rows`
    /// (none: they are deleted). Written with the batch's keys, in the same transaction.
    pub fn replace_rows(&mut self, table: &'static str, key: impl Into<String>, rows: Vec<Row>) {
        self.writes.rows.insert((table, key.into()), rows);
    }

    pub fn is_empty(&self) -> bool {
        self.writes.values.is_empty()
            && self.writes.registers.is_empty()
            && self.writes.rows.is_empty()
    }

    /// What the batch writes, for an engine to apply (see [`Backend::exclusive`]).
    pub fn into_writes(self) -> Writes {
        self.writes
    }

    /// How many keys the batch writes.
    pub fn len(&self) -> usize {
        self.writes.values.len() + self.writes.registers.len()
    }
}

impl Kv {
    /// The sled store in `path`.
    pub fn open(path: &Path) -> Result<Self, KvError> {
        Ok(Self::with(Arc::new(Sled::open(path)?)))
    }

    /// A store on another engine.
    pub fn with(backend: Arc<dyn Backend>) -> Self {
        Self { backend }
    }

    pub fn get(&self, key: impl AsRef<[u8]>) -> Result<Option<Vec<u8>>, KvError> {
        self.backend.get(key.as_ref())
    }

    /// The values of many keys, in their order.
    pub fn get_many(&self, keys: &[Vec<u8>]) -> Result<Vec<Option<Vec<u8>>>, KvError> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        self.backend.get_many(keys)
    }

    /// Every entry whose key starts with `prefix`, in key order.
    pub fn scan(&self, prefix: &[u8]) -> Entries {
        self.backend
            .clone()
            .range(prefix.to_vec(), prefix_end(prefix), false)
    }

    /// As [`Kv::scan`], last key first.
    pub fn scan_rev(&self, prefix: &[u8]) -> Entries {
        self.backend
            .clone()
            .range(prefix.to_vec(), prefix_end(prefix), true)
    }

    /// Entries with `from <= key < to`, in key order.
    pub fn range(&self, from: &[u8], to: &[u8]) -> Entries {
        self.backend
            .clone()
            .range(from.to_vec(), Some(to.to_vec()), false)
    }

    /// Entries with `from <= key < to`, last key first.
    pub fn range_rev(&self, from: &[u8], to: &[u8]) -> Entries {
        self.backend
            .clone()
            .range(from.to_vec(), Some(to.to_vec()), true)
    }

    /// The entry with the last key that starts with `prefix` (none: no such key).
    pub fn last_of(&self, prefix: &[u8]) -> Option<Entry> {
        self.backend
            .clone()
            .last(prefix.to_vec(), prefix_end(prefix))
    }

    /// The entry with the last key `from <= key < to` (none: no such key).
    pub fn last_in(&self, from: &[u8], to: &[u8]) -> Option<Entry> {
        self.backend.clone().last(from.to_vec(), Some(to.to_vec()))
    }

    /// The value of a 256-bit register (zero if it was never written).
    pub fn register(&self, key: impl AsRef<[u8]>) -> Result<[u8; 32], KvError> {
        Ok(self
            .get(key)?
            .and_then(|v| <[u8; 32]>::try_from(v.as_slice()).ok())
            .unwrap_or([0; 32]))
    }

    /// Applies the batch atomically and waits until it is on disk.
    pub fn commit(&self, batch: Batch) -> Result<(), KvError> {
        if batch.is_empty() {
            return Ok(());
        }
        self.backend.apply(batch.writes, true)
    }

    /// Waits until every write applied so far is on disk.
    pub fn flush(&self) -> Result<(), KvError> {
        self.backend.apply(Writes::default(), true)
    }

    /// Applies the batch atomically without waiting for the disk: for bookkeeping that may be
    /// lost in a crash (it is on disk with the next [`Kv::commit`]).
    pub fn apply_unflushed(&self, batch: Batch) -> Result<(), KvError> {
        if batch.is_empty() {
            return Ok(());
        }
        self.backend.apply(batch.writes, false)
    }

    /// Runs `section` as the store's only writer (see [`Backend::exclusive`]): it reads
    /// through the `Kv` it is given and returns the batch to commit with its result.
    pub fn exclusive<T, E: From<KvError>>(
        &self,
        section: impl FnOnce(&Kv) -> Result<(Batch, T), E>,
    ) -> Result<T, E> {
        let backend = self.backend.clone();
        run_once(section, |run| backend.exclusive(run))
    }

    /// Runs `section` over a view no exclusive section changes meanwhile.
    pub fn snapshot<T, E: From<KvError>>(
        &self,
        section: impl FnOnce(&Kv) -> Result<T, E>,
    ) -> Result<T, E> {
        let backend = self.backend.clone();
        run_once(
            |kv: &Kv| section(kv).map(|value| ((), value)),
            |run| backend.snapshot(run),
        )
    }
}

/// Runs a caller's section (its own error and result) through an engine's section, which
/// takes a `FnMut` failing with a [`KvError`]: the caller's error comes back as it was.
fn run_once<W, T, E: From<KvError>>(
    section: impl FnOnce(&Kv) -> Result<(W, T), E>,
    engine: impl FnOnce(&mut dyn FnMut(&Kv) -> Result<W, KvError>) -> Result<(), KvError>,
) -> Result<T, E> {
    let mut section = Some(section);
    let mut out = None;
    let mut failed = None;
    let done = engine(&mut |kv| {
        let section = section.take().expect("a section runs once");
        match section(kv) {
            Ok((written, value)) => {
                out = Some(value);
                Ok(written)
            }
            Err(err) => {
                failed = Some(err);
                Err(KvError::Aborted)
            }
        }
    });
    match (done, failed) {
        (_, Some(err)) => Err(err),
        (Err(err), None) => Err(err.into()),
        (Ok(()), None) => Ok(out.expect("a section that succeeded gave its result")),
    }
}

/// Whether keys at version `known` must be rebuilt from a store at `found` (none: written
/// before versions were kept, or new): a newer or unreadable version is refused, since this
/// program would misread it.
pub fn needs_upgrade(what: &str, found: Option<&[u8]>, known: u32) -> Result<bool, KvError> {
    let Some(found) = found else {
        return Ok(true);
    };
    match std::str::from_utf8(found)
        .ok()
        .and_then(|v| v.parse::<u32>().ok())
    {
        Some(version) if version == known => Ok(false),
        Some(version) if version < known => Ok(true),
        _ => Err(KvError::Newer {
            found: format!("{what} version {}", String::from_utf8_lossy(found)),
            known: format!("{what} version {known}"),
        }),
    }
}

/// The first key after every key that starts with `prefix` (none: no such key).
pub fn prefix_end(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < 0xff {
            end.push(last + 1);
            return Some(end);
        }
    }
    None
}

/// sled: one process per store; the writer lock is this process's.
struct Sled {
    db: sled::Db,
    /// Exclusive sections and batches with registers hold it alone; other batches and
    /// snapshots share it.
    lock: RwLock<()>,
}

impl fmt::Debug for Sled {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sled").finish_non_exhaustive()
    }
}

/// How long an open waits for a store another holder is letting go of (a process finishing,
/// or a child process of this one that has not yet started its own program and still shares
/// the lock's file).
const LOCK_PATIENCE: std::time::Duration = std::time::Duration::from_millis(1500);

impl Sled {
    fn open(path: &Path) -> Result<Self, KvError> {
        let started = std::time::Instant::now();
        loop {
            match Self::open_once(path) {
                Err(KvError::Locked(_)) if started.elapsed() < LOCK_PATIENCE => {
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                other => return other,
            }
        }
    }

    fn open_once(path: &Path) -> Result<Self, KvError> {
        let db = sled::Config::new()
            .path(path)
            // Documents are loaded on demand: a small cache keeps memory flat however many
            // tickets are stored.
            .cache_capacity(16 * 1024 * 1024)
            // Every commit flushes itself; no background flusher thread is needed.
            .flush_every_ms(None)
            .open()
            .map_err(|source| match &source {
                sled::Error::Io(err) if is_lock_error(err) => KvError::Locked(path.to_owned()),
                _ => KvError::Open {
                    path: path.to_owned(),
                    source,
                },
            })?;
        Ok(Self {
            db,
            lock: RwLock::new(()),
        })
    }

    /// Applies writes; the caller holds the lock if there are registers.
    fn write(&self, writes: Writes, durable: bool) -> Result<(), KvError> {
        let mut batch = sled::Batch::default();
        for (key, value) in writes.values {
            match value {
                Some(value) => batch.insert(key, value),
                None => batch.remove(key),
            }
        }
        for (key, change) in writes.registers {
            let current = self
                .db
                .get(&key)?
                .and_then(|v| <[u8; 32]>::try_from(v.as_ref()).ok())
                .unwrap_or([0; 32]);
            batch.insert(key, Writes::register_value(current, change).to_vec());
        }
        self.db.apply_batch(batch)?;
        if durable {
            self.db.flush()?;
        }
        Ok(())
    }
}

impl Backend for Sled {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, KvError> {
        Ok(self.db.get(key)?.map(|v| v.to_vec()))
    }

    fn range(self: Arc<Self>, from: Vec<u8>, to: Option<Vec<u8>>, reverse: bool) -> Entries {
        let iter = match to {
            Some(to) => self.db.range(from..to),
            None => self.db.range(from..),
        };
        let owned = |entry: sled::Result<(sled::IVec, sled::IVec)>| {
            entry
                .map(|(k, v)| (k.to_vec(), v.to_vec()))
                .map_err(KvError::from)
        };
        if reverse {
            Box::new(iter.rev().map(owned))
        } else {
            Box::new(iter.map(owned))
        }
    }

    fn apply(&self, writes: Writes, durable: bool) -> Result<(), KvError> {
        if writes.registers.is_empty() {
            // Alongside other batches and snapshots, never inside an exclusive section (a
            // backup reads in one: nothing lands halfway through it).
            let _shared = self.lock.read().unwrap_or_else(PoisonError::into_inner);
            return self.write(writes, durable);
        }
        // Registers are read, then written: one such batch at a time.
        let _writer = self.lock.write().unwrap_or_else(PoisonError::into_inner);
        self.write(writes, durable)
    }

    fn exclusive(
        self: Arc<Self>,
        section: &mut dyn FnMut(&Kv) -> Result<Batch, KvError>,
    ) -> Result<(), KvError> {
        let _writer = self.lock.write().unwrap_or_else(PoisonError::into_inner);
        let batch = section(&Kv::with(self.clone()))?;
        if batch.is_empty() {
            return Ok(());
        }
        self.write(batch.writes, true)
    }

    fn snapshot(
        self: Arc<Self>,
        section: &mut dyn FnMut(&Kv) -> Result<(), KvError>,
    ) -> Result<(), KvError> {
        let _view = self.lock.read().unwrap_or_else(PoisonError::into_inner);
        section(&Kv::with(self.clone()))
    }
}

fn is_lock_error(err: &io::Error) -> bool {
    err.to_string().contains("could not acquire lock")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_committed_batch_survives_reopening() {
        let dir = tempfile::tempdir().unwrap();
        {
            let kv = Kv::open(dir.path()).unwrap();
            let mut batch = Batch::default();
            batch.put("a:1", "one");
            batch.put("a:2", "two");
            batch.put("b:1", "other");
            kv.commit(batch).unwrap();
            let mut batch = Batch::default();
            batch.delete("a:2");
            kv.commit(batch).unwrap();
        }
        let kv = Kv::open(dir.path()).unwrap();
        let keys: Vec<Vec<u8>> = kv.scan(b"a:").map(|e| e.unwrap().0).collect();
        assert_eq!(keys, vec![b"a:1".to_vec()]);
        assert_eq!(kv.get("b:1").unwrap().as_deref(), Some(&b"other"[..]));
        let ranged: Vec<_> = kv.range(b"a:", b"b:").collect();
        assert_eq!(ranged.len(), 1);
    }

    #[test]
    fn prefixes_end_where_their_keys_do() {
        assert_eq!(prefix_end(b"a:"), Some(b"a;".to_vec()));
        assert_eq!(prefix_end(&[1, 0xff]), Some(vec![2]));
        assert_eq!(prefix_end(&[0xff, 0xff]), None);
        assert_eq!(prefix_end(b""), None);
    }
}
