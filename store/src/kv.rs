//! The narrow key/value layer over sled. Nothing else names sled, so the store can change
//! without touching the domain.
//!
//! Every write goes through [`Kv::commit`]: one atomic batch, flushed to disk before it
//! returns, so a command is acknowledged only once it would survive a crash.

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

use rma_shared::sync::{add_u256, sub_u256};
use thiserror::Error;

#[derive(Debug, Error)]
pub enum KvError {
    #[error("the store in {0} is in use by another process; only one can open it at a time")]
    Locked(PathBuf),
    #[error("cannot open the data folder {path}")]
    Open {
        path: PathBuf,
        #[source]
        source: sled::Error,
    },
    #[error("the local store failed")]
    Store(#[from] sled::Error),
}

/// One key and its value, as read by a scan.
pub type Entry = Result<(Vec<u8>, Vec<u8>), KvError>;

/// An ordered key/value store in one folder.
#[derive(Debug, Clone)]
pub struct Kv {
    db: sled::Db,
}

/// Writes to apply together, all or nothing.
#[derive(Debug, Default)]
pub struct Batch {
    inner: sled::Batch,
    len: usize,
    /// 256-bit registers to change by addition and subtraction (modulo 2^256).
    registers: BTreeMap<Vec<u8>, ([u8; 32], [u8; 32])>,
}

impl Batch {
    pub fn put(&mut self, key: impl AsRef<[u8]>, value: impl AsRef<[u8]>) {
        self.inner.insert(key.as_ref(), value.as_ref());
        self.len += 1;
    }

    pub fn delete(&mut self, key: impl AsRef<[u8]>) {
        self.inner.remove(key.as_ref());
        self.len += 1;
    }

    /// Adds `value` to the 256-bit register at `key` (a missing register is zero).
    pub fn add_to(&mut self, key: impl AsRef<[u8]>, value: &[u8; 32]) {
        let entry = self.registers.entry(key.as_ref().to_vec()).or_default();
        entry.0 = add_u256(&entry.0, value);
        self.len += 1;
    }

    /// Subtracts `value` from the 256-bit register at `key`.
    pub fn subtract_from(&mut self, key: impl AsRef<[u8]>, value: &[u8; 32]) {
        let entry = self.registers.entry(key.as_ref().to_vec()).or_default();
        entry.1 = add_u256(&entry.1, value);
        self.len += 1;
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl Kv {
    pub fn open(path: &Path) -> Result<Self, KvError> {
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
        Ok(Self { db })
    }

    pub fn get(&self, key: impl AsRef<[u8]>) -> Result<Option<Vec<u8>>, KvError> {
        Ok(self.db.get(key)?.map(|v| v.to_vec()))
    }

    /// Every entry whose key starts with `prefix`, in key order.
    pub fn scan(&self, prefix: &[u8]) -> impl DoubleEndedIterator<Item = Entry> + use<> {
        self.db.scan_prefix(prefix).map(|entry| {
            entry
                .map(|(k, v)| (k.to_vec(), v.to_vec()))
                .map_err(KvError::from)
        })
    }

    /// Entries with `from <= key < to`, in key order.
    pub fn range(&self, from: &[u8], to: &[u8]) -> impl DoubleEndedIterator<Item = Entry> + use<> {
        self.db.range(from.to_vec()..to.to_vec()).map(|entry| {
            entry
                .map(|(k, v)| (k.to_vec(), v.to_vec()))
                .map_err(KvError::from)
        })
    }

    /// Applies the batch atomically without waiting for the disk: for bookkeeping that may be
    /// lost in a crash (it is on disk with the next [`Kv::commit`]).
    pub fn apply_unflushed(&self, batch: Batch) -> Result<(), KvError> {
        let inner = self.with_registers(batch)?;
        self.db.apply_batch(inner)?;
        Ok(())
    }

    /// The batch's writes plus the new values of its registers. Registers are read here and
    /// written with the batch: callers write one batch at a time.
    fn with_registers(&self, batch: Batch) -> Result<sled::Batch, KvError> {
        let mut inner = batch.inner;
        for (key, (plus, minus)) in batch.registers {
            let current = self.register(&key)?;
            inner.insert(key, sub_u256(&add_u256(&current, &plus), &minus).to_vec());
        }
        Ok(inner)
    }

    /// The value of a 256-bit register (zero if it was never written).
    pub fn register(&self, key: impl AsRef<[u8]>) -> Result<[u8; 32], KvError> {
        Ok(self
            .db
            .get(key)?
            .and_then(|v| <[u8; 32]>::try_from(v.as_ref()).ok())
            .unwrap_or([0; 32]))
    }

    /// Applies the batch atomically and waits until it is on disk.
    pub fn commit(&self, batch: Batch) -> Result<(), KvError> {
        if batch.is_empty() {
            return Ok(());
        }
        let inner = self.with_registers(batch)?;
        self.db.apply_batch(inner)?;
        self.db.flush()?;
        Ok(())
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
}
