//! Backups: a consistent copy of a whole store in one file, and the way back.
//!
//! The copy is read in an exclusive section, so no write lands halfway through it: a running
//! server or agent can be backed up as it works. The file:
//!
//! ```text
//! RMA-BACKUP\n
//! {"format":1,"kind":"server","made_at":"...","entries":N}\n     what it holds (JSON, one line)
//! N x ( key length u32 BE, key, value length u32 BE, value )
//! SHA-256 of everything above (32 bytes)
//! ```
//! The photos and documents travel among the entries too, each whole under the key
//! `0xFF "file:" {sha256, 32 bytes}`, whether the store keeps them in a folder beside it or in
//! itself; a restore puts them back where the restored store keeps them (their hashes checked),
//! so a backup of one engine restores into the other.
//!
//! A restore reads the whole file and checks its checksum before it writes anything, and
//! writes only into a store that holds nothing yet.

use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use thiserror::Error;

use crate::blobs::{BlobError, Blobs};
use crate::kv::{Batch, Kv, KvError};

/// Where a file kept beside the store travels in a backup.
const FILE_KEY: &[u8] = b"\xFFfile:";

const MAGIC: &[u8] = b"RMA-BACKUP\n";
const FORMAT: u32 = 1;
/// Keys written per batch when a store is filled from a backup or another store.
const BATCH: usize = 2_000;

/// What a backup holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub format: u32,
    /// Whose store it is: "server" or "agent".
    pub kind: String,
    pub made_at: DateTime<Utc>,
    pub entries: u64,
}

#[derive(Debug, Error)]
pub enum BackupError {
    Write {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    Read {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    NotABackup {
        path: PathBuf,
        why: String,
    },
    Damaged {
        path: PathBuf,
    },
    WrongKind {
        path: PathBuf,
        found: String,
        wanted: String,
    },
    NotEmpty,
    #[error(transparent)]
    Kv(#[from] KvError),
    #[error(transparent)]
    Files(#[from] BlobError),
}

impl rma_shared::i18n::Localized for BackupError {
    fn message(&self, lang: rma_shared::i18n::Lang) -> String {
        use rma_shared::tr;
        let with_io =
            |said: String, source: &io::Error| match crate::files::io_problem(source, lang) {
                Some(problem) => format!("{said}: {problem}"),
                None => said,
            };
        match self {
            Self::Write { path, source } => with_io(
                tr!(lang, "backup-write", path = path.display().to_string()),
                source,
            ),
            Self::Read { path, source } => with_io(
                tr!(lang, "backup-read", path = path.display().to_string()),
                source,
            ),
            Self::NotABackup { path, why } => tr!(
                lang,
                "backup-not-a-backup",
                path = path.display().to_string(),
                why = why.as_str()
            ),
            Self::Damaged { path } => {
                tr!(lang, "backup-damaged", path = path.display().to_string())
            }
            Self::WrongKind {
                path,
                found,
                wanted,
            } => tr!(
                lang,
                "backup-wrong-kind",
                path = path.display().to_string(),
                found = found.as_str(),
                wanted = wanted.as_str()
            ),
            Self::NotEmpty => tr!(lang, "backup-not-empty"),
            Self::Kv(err) => err.message(lang),
            Self::Files(err) => err.message(lang),
        }
    }
}
rma_shared::english_display!(BackupError);

/// Writes a consistent copy of `kv` to `path` (replaced whole once complete).
pub fn back_up(kv: &Kv, kind: &str, path: &Path) -> Result<Summary, BackupError> {
    back_up_with(kv, None, kind, path)
}

/// As [`back_up`], with the files kept beside the store in `files`.
pub fn back_up_with(
    kv: &Kv,
    files: Option<&dyn Blobs>,
    kind: &str,
    path: &Path,
) -> Result<Summary, BackupError> {
    let write_err = |source| BackupError::Write {
        path: path.to_owned(),
        source,
    };
    let mut temp = path.as_os_str().to_owned();
    temp.push(".partial");
    let temp = PathBuf::from(temp);
    let summary = kv.exclusive(|view| {
        // Count first, in the same section: the header says how many entries follow.
        // With the files given, they travel whole; the keys a store keeps them under (if it
        // keeps them in itself) do not.
        let carried = |key: &[u8]| {
            files.is_none()
                || !crate::blobs::IN_KV_PREFIXES
                    .iter()
                    .any(|prefix| key.starts_with(prefix))
        };
        let mut entries = 0u64;
        for entry in view.scan(b"") {
            if carried(&entry?.0) {
                entries += 1;
            }
        }
        // Files are written once and never change: those listed now are the store's.
        let kept = match files {
            Some(files) => files.list()?,
            None => Vec::new(),
        };
        entries += kept.len() as u64;
        let summary = Summary {
            format: FORMAT,
            kind: kind.to_owned(),
            made_at: Utc::now(),
            entries,
        };
        let file = File::create(&temp).map_err(write_err)?;
        let mut out = Hashing::new(BufWriter::new(file));
        out.write_all(MAGIC).map_err(write_err)?;
        let header = serde_json::to_string(&summary).expect("a summary serialises");
        out.write_all(header.as_bytes()).map_err(write_err)?;
        out.write_all(b"\n").map_err(write_err)?;
        let mut write = |key: &[u8], value: &[u8]| -> Result<(), BackupError> {
            for part in [key, value] {
                let len = u32::try_from(part.len()).expect("a key or value is under 4 GiB");
                out.write_all(&len.to_be_bytes()).map_err(write_err)?;
                out.write_all(part).map_err(write_err)?;
            }
            Ok(())
        };
        for entry in view.scan(b"") {
            let (key, value) = entry?;
            if carried(&key) {
                write(&key, &value)?;
            }
        }
        if let Some(files) = files {
            for hash in &kept {
                let key = [FILE_KEY, hash.as_bytes()].concat();
                write(&key, &files.read_all(hash)?)?;
            }
        }
        let (mut file, hash) = out.finish();
        file.write_all(&hash).map_err(write_err)?;
        let file = file.into_inner().map_err(|e| write_err(e.into_error()))?;
        file.sync_all().map_err(write_err)?;
        Ok::<_, BackupError>((Batch::default(), summary))
    })?;
    std::fs::rename(&temp, path).map_err(write_err)?;
    Ok(summary)
}

/// Reads the summary of the backup at `path` after checking its checksum.
pub fn check(path: &Path) -> Result<Summary, BackupError> {
    let mut summary = None;
    read(
        path,
        &mut |header| {
            summary = Some(header.clone());
            Ok(())
        },
        &mut |_, _| Ok(()),
    )?;
    Ok(summary.expect("a checked backup has a header"))
}

/// Fills the empty store `kv` from the backup at `path`, which must be of `kind`. The file is
/// checked whole before anything is written.
pub fn restore(kv: &Kv, kind: &str, path: &Path) -> Result<Summary, BackupError> {
    restore_with(kv, None, kind, path)
}

/// As [`restore`], the files of the backup put back in `files`.
pub fn restore_with(
    kv: &Kv,
    files: Option<&dyn Blobs>,
    kind: &str,
    path: &Path,
) -> Result<Summary, BackupError> {
    let summary = check(path)?;
    if summary.kind != kind {
        return Err(BackupError::WrongKind {
            path: path.to_owned(),
            found: summary.kind,
            wanted: kind.to_owned(),
        });
    }
    if !is_empty(kv)? {
        return Err(BackupError::NotEmpty);
    }
    let mut batch = Batch::default();
    read(path, &mut |_| Ok(()), &mut |key, value| {
        if let (Some(files), Some(hash)) = (files, key.strip_prefix(FILE_KEY)) {
            let hash = <[u8; 32]>::try_from(hash).map_err(|_| BackupError::Damaged {
                path: path.to_owned(),
            })?;
            files.put(&rma_shared::files::FileHash::from_bytes(hash), &value)?;
            return Ok(());
        }
        batch.put(key, value);
        if batch.len() >= BATCH {
            kv.commit(std::mem::take(&mut batch))?;
        }
        Ok(())
    })?;
    kv.commit(batch)?;
    Ok(summary)
}

/// Copies every key of `from` into the empty store `to` (moving a store to another engine);
/// returns how many keys were copied.
pub fn copy(from: &Kv, to: &Kv) -> Result<u64, BackupError> {
    if !is_empty(to)? {
        return Err(BackupError::NotEmpty);
    }
    from.exclusive(|view| {
        let mut copied = 0;
        let mut batch = Batch::default();
        for entry in view.scan(b"") {
            let (key, value) = entry?;
            batch.put(key, value);
            copied += 1;
            if batch.len() >= BATCH {
                to.commit(std::mem::take(&mut batch))?;
            }
        }
        to.commit(batch)?;
        Ok::<_, BackupError>((Batch::default(), copied))
    })
}

/// A store holds nothing yet but the versions of its keys (written when it is opened).
fn is_empty(kv: &Kv) -> Result<bool, KvError> {
    for entry in kv.scan(b"") {
        let (key, _) = entry?;
        if !key.starts_with(b"meta:") {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Reads a backup: its header, then each entry; the checksum is checked at the end (a caller
/// that writes must check first, see [`restore`]).
fn read(
    path: &Path,
    header: &mut dyn FnMut(&Summary) -> Result<(), BackupError>,
    entry: &mut dyn FnMut(Vec<u8>, Vec<u8>) -> Result<(), BackupError>,
) -> Result<(), BackupError> {
    let read_err = |source| BackupError::Read {
        path: path.to_owned(),
        source,
    };
    let not_ours = |why: &str| BackupError::NotABackup {
        path: path.to_owned(),
        why: why.to_owned(),
    };
    let size = std::fs::metadata(path).map_err(read_err)?.len();
    if size < (MAGIC.len() + 32) as u64 {
        return Err(not_ours("it is too short"));
    }
    let file = File::open(path).map_err(read_err)?;
    // Everything but the last 32 bytes is hashed; those are the checksum.
    let mut input = Hashing::new(BufReader::new(file).take(size - 32));
    let mut magic = vec![0; MAGIC.len()];
    input.read_exact(&mut magic).map_err(read_err)?;
    if magic != MAGIC {
        return Err(not_ours("it does not start as one"));
    }
    let mut line = Vec::new();
    loop {
        let mut byte = [0u8];
        input.read_exact(&mut byte).map_err(read_err)?;
        if byte[0] == b'\n' {
            break;
        }
        line.push(byte[0]);
        if line.len() > 4096 {
            return Err(not_ours("its header never ends"));
        }
    }
    let summary: Summary =
        serde_json::from_slice(&line).map_err(|_| not_ours("its header cannot be read"))?;
    if summary.format > FORMAT {
        return Err(not_ours(&format!(
            "it was made by a newer version (backup format {}); update this program",
            summary.format
        )));
    }
    header(&summary)?;
    let mut part = || -> Result<Vec<u8>, BackupError> {
        let mut len = [0u8; 4];
        input
            .read_exact(&mut len)
            .map_err(|_| not_ours("it ends in the middle"))?;
        let len = u32::from_be_bytes(len) as u64;
        if len > size {
            return Err(not_ours("an entry is longer than the file"));
        }
        let mut bytes = vec![0; len as usize];
        input
            .read_exact(&mut bytes)
            .map_err(|_| not_ours("it ends in the middle"))?;
        Ok(bytes)
    };
    for _ in 0..summary.entries {
        let key = part()?;
        let value = part()?;
        entry(key, value)?;
    }
    let (mut rest, hash) = input.finish();
    if rest.read(&mut [0u8]).map_err(read_err)? != 0 {
        return Err(not_ours("it holds more than its header says"));
    }
    let mut file = rest.into_inner();
    let mut stored = [0u8; 32];
    file.read_exact(&mut stored).map_err(read_err)?;
    if stored != hash {
        return Err(BackupError::Damaged {
            path: path.to_owned(),
        });
    }
    Ok(())
}

/// A reader or writer that hashes what passes through it.
struct Hashing<T> {
    inner: T,
    hash: Sha256,
}

impl<T> Hashing<T> {
    fn new(inner: T) -> Self {
        Self {
            inner,
            hash: Sha256::new(),
        }
    }

    fn finish(self) -> (T, [u8; 32]) {
        (self.inner, self.hash.finalize().into())
    }
}

impl<T: Write> Write for Hashing<T> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hash.update(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

impl<T: Read> Read for Hashing<T> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hash.update(&buf[..n]);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filled(dir: &Path) -> Kv {
        let kv = Kv::open(&dir.join("store")).unwrap();
        let mut batch = Batch::default();
        for i in 0..5_000u32 {
            batch.put(format!("t:{i:06}"), i.to_be_bytes().repeat(40));
        }
        batch.put("meta:tickets", "2");
        batch.add_to("meta:digest:\u{1}", &[7; 32]);
        kv.commit(batch).unwrap();
        kv
    }

    fn all(kv: &Kv) -> Vec<(Vec<u8>, Vec<u8>)> {
        kv.scan(b"").map(Result::unwrap).collect()
    }

    #[test]
    fn a_backup_restores_every_key_and_refuses_damage() {
        let dir = tempfile::tempdir().unwrap();
        let kv = filled(dir.path());
        let file = dir.path().join("store.backup");
        let summary = back_up(&kv, "server", &file).unwrap();
        assert_eq!(summary.entries, 5_002);

        let other = tempfile::tempdir().unwrap();
        let fresh = Kv::open(&other.path().join("store")).unwrap();
        let err = restore(&fresh, "agent", &file).unwrap_err();
        assert!(matches!(err, BackupError::WrongKind { .. }), "{err}");
        restore(&fresh, "server", &file).unwrap();
        assert_eq!(all(&fresh), all(&kv));
        // Not over data.
        assert!(matches!(
            restore(&fresh, "server", &file),
            Err(BackupError::NotEmpty)
        ));

        // A flipped byte anywhere: refused, nothing written.
        let mut bytes = std::fs::read(&file).unwrap();
        let middle = bytes.len() / 2;
        bytes[middle] ^= 1;
        let damaged = dir.path().join("damaged.backup");
        std::fs::write(&damaged, &bytes).unwrap();
        let third = tempfile::tempdir().unwrap();
        let empty = Kv::open(&third.path().join("store")).unwrap();
        assert!(restore(&empty, "server", &damaged).is_err());
        assert!(all(&empty).is_empty());
        // Cut short, or not a backup at all.
        std::fs::write(&damaged, &bytes[..bytes.len() / 3]).unwrap();
        assert!(restore(&empty, "server", &damaged).is_err());
        std::fs::write(&damaged, b"hello").unwrap();
        let err = check(&damaged).unwrap_err();
        assert!(err.to_string().contains("not a backup"), "{err}");
        assert!(all(&empty).is_empty());
    }

    #[test]
    fn a_store_is_copied_whole_into_an_empty_one() {
        let dir = tempfile::tempdir().unwrap();
        let kv = filled(dir.path());
        let other = tempfile::tempdir().unwrap();
        let to = Kv::open(&other.path().join("store")).unwrap();
        assert_eq!(copy(&kv, &to).unwrap(), 5_002);
        assert_eq!(all(&to), all(&kv));
        assert!(matches!(copy(&kv, &to), Err(BackupError::NotEmpty)));
    }
}
