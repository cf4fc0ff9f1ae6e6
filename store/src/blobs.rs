//! The bytes of photos and documents, named by their SHA-256. A file is either complete (its
//! hash checked) or being received: pieces appended in order, so a transfer cut anywhere goes
//! on from the last byte kept; [`Blobs::finish`] checks the hash before the file counts.
//!
//! Two places behind [`Blobs`]: [`Folder`] (files in a folder, the agent's) and [`InKv`]
//! (pieces in the key/value store, the server's: on PostgreSQL in the database, so every
//! server on it serves them).

use std::fmt;
use std::io::{self, Read as _, Seek as _, Write as _};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rma_shared::files::FileHash;
use rma_shared::i18n::{Lang, Localized};
use rma_shared::tr;
use thiserror::Error;

use crate::kv::{Batch, Kv, KvError};

#[derive(Debug, Error)]
pub enum BlobError {
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    Kv(#[from] KvError),
    /// The bytes received are not the file their hash names: they were dropped.
    Mismatch {
        expected: FileHash,
        got: FileHash,
    },
    /// A piece that does not follow the bytes kept.
    Gap {
        held: u64,
        given: u64,
    },
    /// No such complete file here.
    Missing(FileHash),
}

impl Localized for BlobError {
    fn message(&self, lang: Lang) -> String {
        match self {
            Self::Io { path, source } => tr!(
                lang,
                "blob-io",
                path = path.display().to_string(),
                problem =
                    crate::files::io_problem(source, lang).unwrap_or_else(|| source.to_string())
            ),
            Self::Kv(err) => err.message(lang),
            Self::Mismatch { expected, got } => tr!(
                lang,
                "blob-mismatch",
                expected = expected.to_string(),
                got = got.to_string()
            ),
            Self::Gap { held, given } => tr!(lang, "blob-gap", held = *held, given = *given),
            Self::Missing(hash) => tr!(lang, "blob-missing", hash = hash.to_string()),
        }
    }
}
rma_shared::english_display!(BlobError);

/// Where files are kept.
pub trait Blobs: Send + Sync + fmt::Debug {
    /// The size of the complete file, if it is here.
    fn size(&self, hash: &FileHash) -> Result<Option<u64>, BlobError>;
    /// Up to `max` bytes of a complete file from `offset`.
    fn read(&self, hash: &FileHash, offset: u64, max: usize) -> Result<Vec<u8>, BlobError>;
    /// Keeps `bytes` whole, as the file `hash` names (checked).
    fn put(&self, hash: &FileHash, bytes: &[u8]) -> Result<(), BlobError>;
    /// How many bytes of a file being received are here (0 for none, its size when complete).
    fn received(&self, hash: &FileHash) -> Result<u64, BlobError>;
    /// Adds `bytes` at `offset`, which must be where the bytes kept end. Returns the bytes now
    /// kept.
    fn append(&self, hash: &FileHash, offset: u64, bytes: &[u8]) -> Result<u64, BlobError>;
    /// Checks the bytes received against `hash`: the file counts from now on (its size is
    /// returned), or the bytes are dropped ([`BlobError::Mismatch`]).
    fn finish(&self, hash: &FileHash) -> Result<u64, BlobError>;
    /// Drops the file, complete or being received.
    fn remove(&self, hash: &FileHash) -> Result<(), BlobError>;
    /// Every complete file.
    fn list(&self) -> Result<Vec<FileHash>, BlobError>;

    /// The whole complete file.
    fn read_all(&self, hash: &FileHash) -> Result<Vec<u8>, BlobError> {
        let size = self.size(hash)?.ok_or(BlobError::Missing(*hash))?;
        let size = usize::try_from(size).unwrap_or(usize::MAX);
        self.read(hash, 0, size)
    }
}

/// Files in a folder: `ab/abcdef...` complete, `partial/abcdef...` being received.
#[derive(Debug)]
pub struct Folder {
    root: PathBuf,
    /// One change at a time (appends of one file must not interleave).
    writing: Mutex<()>,
}

impl Folder {
    pub fn open(root: &Path) -> Result<Self, BlobError> {
        let partial = root.join("partial");
        std::fs::create_dir_all(&partial).map_err(|source| BlobError::Io {
            path: partial,
            source,
        })?;
        Ok(Self {
            root: root.to_owned(),
            writing: Mutex::new(()),
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where the complete file is kept.
    pub fn path(&self, hash: &FileHash) -> PathBuf {
        let name = hash.to_string();
        self.root.join(&name[..2]).join(name)
    }

    fn partial(&self, hash: &FileHash) -> PathBuf {
        self.root.join("partial").join(hash.to_string())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ()> {
        self.writing
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Moves a checked partial file into place, durably.
    fn settle(&self, from: &Path, hash: &FileHash) -> Result<(), BlobError> {
        let to = self.path(hash);
        let dir = to.parent().expect("a file's folder");
        std::fs::create_dir_all(dir).map_err(io_at(dir))?;
        std::fs::rename(from, &to).map_err(io_at(&to))?;
        if let Ok(dir) = std::fs::File::open(dir) {
            let _ = dir.sync_all();
        }
        Ok(())
    }
}

fn io_at(path: &Path) -> impl FnOnce(io::Error) -> BlobError + '_ {
    move |source| BlobError::Io {
        path: path.to_owned(),
        source,
    }
}

/// The hash of a file read in pieces.
fn hash_file(path: &Path) -> Result<FileHash, BlobError> {
    let mut file = std::fs::File::open(path).map_err(io_at(path))?;
    let mut hasher = FileHash::hasher();
    let mut buffer = vec![0; 1 << 16];
    loop {
        let n = file.read(&mut buffer).map_err(io_at(path))?;
        if n == 0 {
            return Ok(hasher.finish());
        }
        hasher.update(&buffer[..n]);
    }
}

impl Blobs for Folder {
    fn size(&self, hash: &FileHash) -> Result<Option<u64>, BlobError> {
        match std::fs::metadata(self.path(hash)) {
            Ok(meta) => Ok(Some(meta.len())),
            Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(err) => Err(io_at(&self.path(hash))(err)),
        }
    }

    fn read(&self, hash: &FileHash, offset: u64, max: usize) -> Result<Vec<u8>, BlobError> {
        let path = self.path(hash);
        let mut file = match std::fs::File::open(&path) {
            Ok(file) => file,
            Err(err) if err.kind() == io::ErrorKind::NotFound => {
                return Err(BlobError::Missing(*hash));
            }
            Err(err) => return Err(io_at(&path)(err)),
        };
        file.seek(io::SeekFrom::Start(offset))
            .map_err(io_at(&path))?;
        let mut out = Vec::new();
        file.take(max as u64)
            .read_to_end(&mut out)
            .map_err(io_at(&path))?;
        Ok(out)
    }

    fn put(&self, hash: &FileHash, bytes: &[u8]) -> Result<(), BlobError> {
        let got = FileHash::of(bytes);
        if &got != hash {
            return Err(BlobError::Mismatch {
                expected: *hash,
                got,
            });
        }
        let _writing = self.lock();
        if self.size(hash)?.is_some() {
            return Ok(());
        }
        let temp = self
            .root
            .join("partial")
            .join(format!("{hash}.{}", std::process::id()));
        let mut file = std::fs::File::create(&temp).map_err(io_at(&temp))?;
        file.write_all(bytes).map_err(io_at(&temp))?;
        file.sync_all().map_err(io_at(&temp))?;
        self.settle(&temp, hash)
    }

    fn received(&self, hash: &FileHash) -> Result<u64, BlobError> {
        if let Some(size) = self.size(hash)? {
            return Ok(size);
        }
        match std::fs::metadata(self.partial(hash)) {
            Ok(meta) => Ok(meta.len()),
            Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(0),
            Err(err) => Err(io_at(&self.partial(hash))(err)),
        }
    }

    fn append(&self, hash: &FileHash, offset: u64, bytes: &[u8]) -> Result<u64, BlobError> {
        let _writing = self.lock();
        let held = self.received(hash)?;
        if held != offset || self.size(hash)?.is_some() {
            return Err(BlobError::Gap {
                held,
                given: offset,
            });
        }
        let path = self.partial(hash);
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(io_at(&path))?;
        file.write_all(bytes).map_err(io_at(&path))?;
        file.sync_data().map_err(io_at(&path))?;
        Ok(held + bytes.len() as u64)
    }

    fn finish(&self, hash: &FileHash) -> Result<u64, BlobError> {
        let _writing = self.lock();
        if let Some(size) = self.size(hash)? {
            return Ok(size);
        }
        let path = self.partial(hash);
        let got = hash_file(&path)?;
        if &got != hash {
            let _ = std::fs::remove_file(&path);
            return Err(BlobError::Mismatch {
                expected: *hash,
                got,
            });
        }
        let size = std::fs::metadata(&path).map_err(io_at(&path))?.len();
        self.settle(&path, hash)?;
        Ok(size)
    }

    fn remove(&self, hash: &FileHash) -> Result<(), BlobError> {
        let _writing = self.lock();
        for path in [self.path(hash), self.partial(hash)] {
            match std::fs::remove_file(&path) {
                Ok(()) => {}
                Err(err) if err.kind() == io::ErrorKind::NotFound => {}
                Err(err) => return Err(io_at(&path)(err)),
            }
        }
        Ok(())
    }

    fn list(&self) -> Result<Vec<FileHash>, BlobError> {
        let mut out = Vec::new();
        let dirs = std::fs::read_dir(&self.root).map_err(io_at(&self.root))?;
        for dir in dirs.flatten() {
            if dir.file_name() == "partial" || !dir.path().is_dir() {
                continue;
            }
            let files = std::fs::read_dir(dir.path()).map_err(io_at(&dir.path()))?;
            for file in files.flatten() {
                if let Some(hash) = file
                    .file_name()
                    .to_str()
                    .and_then(|name| FileHash::parse(name).ok())
                {
                    out.push(hash);
                }
            }
        }
        out.sort();
        Ok(out)
    }
}

/// Files as pieces in the key/value store: `blob:{hash}{offset}` holds the bytes from
/// `offset`, `blobs:{hash}` the size of a complete (checked) file.
#[derive(Debug, Clone)]
pub struct InKv {
    kv: Kv,
}

const PIECE: &[u8] = b"blob:";
const DONE: &[u8] = b"blobs:";

/// The prefixes of the keys [`InKv`] keeps files under: a backup carries the files themselves
/// instead, whatever keeps them.
pub const IN_KV_PREFIXES: [&[u8]; 2] = [PIECE, DONE];

fn piece_prefix(hash: &FileHash) -> Vec<u8> {
    [PIECE, hash.as_bytes()].concat()
}

fn piece_key(hash: &FileHash, offset: u64) -> Vec<u8> {
    [PIECE, hash.as_bytes(), &offset.to_be_bytes()].concat()
}

fn done_key(hash: &FileHash) -> Vec<u8> {
    [DONE, hash.as_bytes()].concat()
}

impl InKv {
    pub fn new(kv: Kv) -> Self {
        Self { kv }
    }

    /// Where the pieces held end.
    fn held(kv: &Kv, hash: &FileHash) -> Result<u64, BlobError> {
        let prefix = piece_prefix(hash);
        match kv.last_of(&prefix) {
            None => Ok(0),
            Some(entry) => {
                let (key, value) = entry?;
                Ok(offset_of(&key) + value.len() as u64)
            }
        }
    }

    /// Every piece in order, `each` given its bytes.
    fn pieces(
        &self,
        hash: &FileHash,
        from: u64,
        mut each: impl FnMut(u64, &[u8]) -> bool,
    ) -> Result<(), BlobError> {
        let prefix = piece_prefix(hash);
        // The piece holding `from` starts at or before it.
        let start = match self
            .kv
            .last_in(&prefix, &piece_key(hash, from.saturating_add(1)))
        {
            Some(entry) => entry?.0,
            None => prefix.clone(),
        };
        let end = crate::kv::prefix_end(&prefix).expect("a hash's prefix has an end");
        for entry in self.kv.range(&start, &end) {
            let (key, value) = entry?;
            if !each(offset_of(&key), &value) {
                break;
            }
        }
        Ok(())
    }
}

fn offset_of(key: &[u8]) -> u64 {
    let tail: [u8; 8] = key[key.len() - 8..]
        .try_into()
        .expect("an offset's 8 bytes");
    u64::from_be_bytes(tail)
}

impl Blobs for InKv {
    fn size(&self, hash: &FileHash) -> Result<Option<u64>, BlobError> {
        Ok(self.kv.get(done_key(hash))?.and_then(|v| {
            <[u8; 8]>::try_from(v.as_slice())
                .ok()
                .map(u64::from_be_bytes)
        }))
    }

    fn read(&self, hash: &FileHash, offset: u64, max: usize) -> Result<Vec<u8>, BlobError> {
        let size = self.size(hash)?.ok_or(BlobError::Missing(*hash))?;
        let want = usize::try_from(size.saturating_sub(offset))
            .unwrap_or(usize::MAX)
            .min(max);
        let mut out = Vec::with_capacity(want);
        self.pieces(hash, offset, |start, bytes| {
            let skip = usize::try_from(offset.saturating_sub(start))
                .unwrap_or(usize::MAX)
                .min(bytes.len());
            let take = (want - out.len()).min(bytes.len() - skip);
            out.extend_from_slice(&bytes[skip..skip + take]);
            out.len() < want
        })?;
        Ok(out)
    }

    fn put(&self, hash: &FileHash, bytes: &[u8]) -> Result<(), BlobError> {
        let got = FileHash::of(bytes);
        if &got != hash {
            return Err(BlobError::Mismatch {
                expected: *hash,
                got,
            });
        }
        if self.size(hash)?.is_some() {
            return Ok(());
        }
        let mut batch = Batch::default();
        for (i, piece) in bytes.chunks(rma_shared::files::PIECE_BYTES).enumerate() {
            batch.put(
                piece_key(hash, (i * rma_shared::files::PIECE_BYTES) as u64),
                piece,
            );
        }
        batch.put(done_key(hash), (bytes.len() as u64).to_be_bytes());
        Ok(self.kv.commit(batch)?)
    }

    fn received(&self, hash: &FileHash) -> Result<u64, BlobError> {
        if let Some(size) = self.size(hash)? {
            return Ok(size);
        }
        Self::held(&self.kv, hash)
    }

    fn append(&self, hash: &FileHash, offset: u64, bytes: &[u8]) -> Result<u64, BlobError> {
        // Read and written as the store's one writer: two servers taking pieces of one file
        // at once cannot both append at the same place.
        self.kv.exclusive(|kv| {
            let complete = kv.get(done_key(hash))?.is_some();
            let held = Self::held(kv, hash)?;
            if held != offset || complete {
                return Err(BlobError::Gap {
                    held,
                    given: offset,
                });
            }
            let mut batch = Batch::default();
            if !bytes.is_empty() {
                batch.put(piece_key(hash, offset), bytes);
            }
            Ok((batch, held + bytes.len() as u64))
        })
    }

    fn finish(&self, hash: &FileHash) -> Result<u64, BlobError> {
        if let Some(size) = self.size(hash)? {
            return Ok(size);
        }
        let mut hasher = FileHash::hasher();
        let mut size = 0u64;
        self.pieces(hash, 0, |_, bytes| {
            hasher.update(bytes);
            size += bytes.len() as u64;
            true
        })?;
        let got = hasher.finish();
        if &got != hash {
            self.remove(hash)?;
            return Err(BlobError::Mismatch {
                expected: *hash,
                got,
            });
        }
        let mut batch = Batch::default();
        batch.put(done_key(hash), size.to_be_bytes());
        self.kv.commit(batch)?;
        Ok(size)
    }

    fn remove(&self, hash: &FileHash) -> Result<(), BlobError> {
        let mut batch = Batch::default();
        for entry in self.kv.scan(&piece_prefix(hash)) {
            batch.delete(entry?.0);
        }
        batch.delete(done_key(hash));
        Ok(self.kv.commit(batch)?)
    }

    fn list(&self) -> Result<Vec<FileHash>, BlobError> {
        let mut out = Vec::new();
        for entry in self.kv.scan(DONE) {
            let (key, _) = entry?;
            if let Ok(bytes) = <[u8; 32]>::try_from(&key[DONE.len()..]) {
                out.push(FileHash::from_bytes(bytes));
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn each_place(test: impl Fn(&dyn Blobs)) {
        let dir = tempfile::tempdir().unwrap();
        test(&Folder::open(&dir.path().join("files")).unwrap());
        let kv = Kv::open(&dir.path().join("kv")).unwrap();
        test(&InKv::new(kv));
    }

    #[test]
    fn a_file_received_in_pieces_counts_only_once_its_hash_is_right() {
        each_place(|blobs| {
            let bytes: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
            let hash = FileHash::of(&bytes);
            assert_eq!(blobs.received(&hash).unwrap(), 0);
            assert_eq!(blobs.append(&hash, 0, &bytes[..70_000]).unwrap(), 70_000);
            // A piece that does not follow what is kept is refused, naming where it ends.
            assert!(matches!(
                blobs.append(&hash, 10, &bytes[10..20]),
                Err(BlobError::Gap { held: 70_000, .. })
            ));
            assert_eq!(blobs.size(&hash).unwrap(), None);
            blobs.append(&hash, 70_000, &bytes[70_000..]).unwrap();
            assert_eq!(blobs.finish(&hash).unwrap(), 300_000);
            assert_eq!(blobs.size(&hash).unwrap(), Some(300_000));
            assert_eq!(blobs.read_all(&hash).unwrap(), bytes);
            assert_eq!(
                blobs.read(&hash, 69_990, 20).unwrap(),
                &bytes[69_990..70_010]
            );
            assert_eq!(blobs.read(&hash, 299_990, 100).unwrap(), &bytes[299_990..]);
            assert_eq!(blobs.list().unwrap(), vec![hash]);

            // Bytes that are not the file named are dropped at the check.
            let other = FileHash::of(b"something else");
            blobs.append(&other, 0, b"not it").unwrap();
            assert!(matches!(
                blobs.finish(&other),
                Err(BlobError::Mismatch { .. })
            ));
            assert_eq!(blobs.received(&other).unwrap(), 0);
            assert!(blobs.put(&other, b"not it either").is_err());

            blobs.put(&other, b"something else").unwrap();
            blobs.remove(&hash).unwrap();
            assert_eq!(blobs.list().unwrap(), vec![other]);
            assert!(matches!(blobs.read_all(&hash), Err(BlobError::Missing(_))));
        });
    }
}
