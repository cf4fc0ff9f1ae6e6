//! The bytes of the photos and documents tickets refer to. A ticket's `attached` events name
//! each file (hash, size, the site that took it); the office's indexes keep those references,
//! written with the ticket:
//!
//! ```text
//! fref:{sha256, 32 bytes}{sortable number}   a ticket refers to the file (JSON FileUse)
//! ftk:{sortable number}\0{sha256}            the same, by ticket
//! ```
//! The bytes: in `files/` beside a sled store ([`rma_store::blobs::Folder`]), in the database
//! on PostgreSQL ([`rma_store::blobs::InKv`], so every server on it serves them). Backups,
//! restores and `migrate` carry them either way.
//! A site sends only files its own events refer to, within the limits; the bytes count once
//! their hash is checked. Disposal removes the references, and bytes nobody refers to any
//! more go with them.

use rma_shared::event::EventKind;
use rma_shared::files::{FileHash, FileLimits, MediaType};
use rma_shared::{SiteCode, TicketNumber, TicketStatus, TicketView};
use rma_store::blobs::{BlobError, Blobs};
use rma_store::kv::Batch;
use serde::{Deserialize, Serialize};

use super::{ServerStore, ServerStoreError};
use rma_store::tickets::sortable;

/// One ticket's use of a file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileUse {
    pub ticket: TicketNumber,
    /// The site whose event refers to it: the one that sends the bytes.
    pub site: SiteCode,
    pub size: u64,
    pub media_type: MediaType,
}

/// How far a file's bytes have come.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Upload {
    /// Bytes kept so far: send the rest from here.
    pub received: u64,
    pub size: u64,
    /// The whole file is here and its hash checked.
    pub complete: bool,
}

/// Why a file's bytes were not taken or given.
#[derive(Debug, thiserror::Error)]
pub enum FilesError {
    /// No ticket refers to it in an event of this site.
    #[error("no step of site {site} refers to file {hash}")]
    NotReferred { site: SiteCode, hash: FileHash },
    #[error("file {hash} is {size} bytes, more than the {limit} allowed")]
    TooLarge {
        hash: FileHash,
        size: u64,
        limit: u64,
    },
    #[error("the files of ticket {ticket} would be more than {limit} bytes together")]
    TicketFull { ticket: TicketNumber, limit: u64 },
    #[error("the piece starts at byte {given}, and {held} bytes are kept: send from {held}")]
    Gap { held: u64, given: u64 },
    #[error("the file would be longer than the {size} bytes its ticket names")]
    TooLong { size: u64 },
    #[error("the bytes sent are not file {expected} (they are {got}); they were dropped")]
    Mismatch { expected: FileHash, got: FileHash },
    /// Not here (yet): never sent, or not all of it.
    #[error("file {0} is not at the office (yet)")]
    NotHere(FileHash),
    /// Its ticket is in the archive: read only at the office, with a grant.
    #[error("file {0} belongs to an archived ticket")]
    Archived(FileHash),
    #[error(transparent)]
    Blob(BlobError),
    #[error(transparent)]
    Store(#[from] ServerStoreError),
}

impl From<BlobError> for FilesError {
    fn from(err: BlobError) -> Self {
        match err {
            BlobError::Gap { held, given } => Self::Gap { held, given },
            BlobError::Mismatch { expected, got } => Self::Mismatch { expected, got },
            BlobError::Missing(hash) => Self::NotHere(hash),
            other => Self::Blob(other),
        }
    }
}

impl From<rma_store::tickets::TicketsError> for FilesError {
    fn from(err: rma_store::tickets::TicketsError) -> Self {
        Self::Store(err.into())
    }
}

impl From<rma_store::kv::KvError> for FilesError {
    fn from(err: rma_store::kv::KvError) -> Self {
        Self::Store(err.into())
    }
}

const REF: &[u8] = b"fref:";
const BY_TICKET: &str = "ftk:";

fn ref_key(hash: &FileHash, number: &TicketNumber) -> Vec<u8> {
    [REF, hash.as_bytes(), sortable(number).as_bytes()].concat()
}

fn ticket_prefix(number: &TicketNumber) -> Vec<u8> {
    format!("{BY_TICKET}{}\0", sortable(number)).into_bytes()
}

fn ticket_key(number: &TicketNumber, hash: &FileHash) -> Vec<u8> {
    [ticket_prefix(number), hash.as_bytes().to_vec()].concat()
}

/// The index entries of a ticket's file references (with the other office entries).
pub fn ref_entries(view: &TicketView) -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut entries = Vec::new();
    for event in &view.attachments {
        let EventKind::Attached(file) = &event.kind else {
            continue;
        };
        let thumbnail = file
            .thumbnail
            .iter()
            .map(|t| (t.sha256, t.size, MediaType::Jpeg));
        for (hash, size, media_type) in
            std::iter::once((file.sha256, file.size, file.media_type)).chain(thumbnail)
        {
            let use_ = FileUse {
                ticket: view.number.clone(),
                site: event.site.clone(),
                size,
                media_type,
            };
            let json = serde_json::to_vec(&use_).expect("file uses serialise");
            entries.push((ref_key(&hash, &view.number), json.clone()));
            entries.push((ticket_key(&view.number, &hash), json));
        }
    }
    entries
}

impl ServerStore {
    /// The bytes of files: in a folder beside a sled store, in the database on PostgreSQL.
    pub fn blobs(&self) -> &dyn Blobs {
        &*self.blobs
    }

    /// Every ticket's use of the file.
    pub fn uses_of(&self, hash: &FileHash) -> Result<Vec<FileUse>, FilesError> {
        let prefix = [REF, hash.as_bytes()].concat();
        let mut uses = Vec::new();
        for entry in self.kv().scan(&prefix) {
            let (_, value) = entry?;
            if let Ok(use_) = serde_json::from_slice(&value) {
                uses.push(use_);
            }
        }
        Ok(uses)
    }

    /// The files a ticket refers to.
    pub fn files_of(&self, number: &TicketNumber) -> Result<Vec<(FileHash, FileUse)>, FilesError> {
        let prefix = ticket_prefix(number);
        let mut files = Vec::new();
        for entry in self.kv().scan(&prefix) {
            let (key, value) = entry?;
            let Ok(hash) = <[u8; 32]>::try_from(&key[prefix.len()..]) else {
                continue;
            };
            if let Ok(use_) = serde_json::from_slice(&value) {
                files.push((FileHash::from_bytes(hash), use_));
            }
        }
        Ok(files)
    }

    /// The use by `site` that lets it send the file, checked against the limits.
    fn sendable(
        &self,
        site: &SiteCode,
        hash: &FileHash,
        limits: &FileLimits,
    ) -> Result<FileUse, FilesError> {
        let use_ = self
            .uses_of(hash)?
            .into_iter()
            .find(|u| &u.site == site)
            .ok_or_else(|| FilesError::NotReferred {
                site: site.clone(),
                hash: *hash,
            })?;
        if use_.size > limits.max_file() {
            return Err(FilesError::TooLarge {
                hash: *hash,
                size: use_.size,
                limit: limits.max_file(),
            });
        }
        let total: u64 = self
            .files_of(&use_.ticket)?
            .iter()
            .map(|(_, u)| u.size)
            .sum();
        if total > limits.max_ticket() {
            return Err(FilesError::TicketFull {
                ticket: use_.ticket,
                limit: limits.max_ticket(),
            });
        }
        Ok(use_)
    }

    /// How far the bytes of a file `site` sends have come.
    pub fn upload(
        &self,
        site: &SiteCode,
        hash: &FileHash,
        limits: &FileLimits,
    ) -> Result<Upload, FilesError> {
        let use_ = self.sendable(site, hash, limits)?;
        let blobs = self.blobs();
        let complete = blobs.size(hash)?.is_some();
        Ok(Upload {
            received: blobs.received(hash)?,
            size: use_.size,
            complete,
        })
    }

    /// Keeps a piece of a file `site` sends, from `offset`; once all of it is here, its hash
    /// is checked.
    pub fn take_piece(
        &self,
        site: &SiteCode,
        hash: &FileHash,
        offset: u64,
        bytes: &[u8],
        limits: &FileLimits,
    ) -> Result<Upload, FilesError> {
        let use_ = self.sendable(site, hash, limits)?;
        let blobs = self.blobs();
        if blobs.size(hash)?.is_some() {
            return Ok(Upload {
                received: use_.size,
                size: use_.size,
                complete: true,
            });
        }
        if offset + bytes.len() as u64 > use_.size {
            return Err(FilesError::TooLong { size: use_.size });
        }
        let received = blobs.append(hash, offset, bytes)?;
        if received == use_.size {
            blobs.finish(hash)?;
            return Ok(Upload {
                received,
                size: use_.size,
                complete: true,
            });
        }
        Ok(Upload {
            received,
            size: use_.size,
            complete: false,
        })
    }

    /// Bytes of a file for a site, from `offset`: of a ticket not in the archive.
    pub fn file_for_site(
        &self,
        hash: &FileHash,
        offset: u64,
        max: usize,
    ) -> Result<(MediaType, Vec<u8>), FilesError> {
        let uses = self.uses_of(hash)?;
        let Some(first) = uses.first() else {
            return Err(FilesError::NotHere(*hash));
        };
        let mut open = false;
        for use_ in &uses {
            let status = self.tickets().summary(&use_.ticket)?.map(|s| s.status);
            if status.is_some_and(|s| s != TicketStatus::Archived) {
                open = true;
            }
        }
        if !open {
            return Err(FilesError::Archived(*hash));
        }
        let bytes = self.blobs().read(hash, offset, max)?;
        Ok((first.media_type, bytes))
    }

    /// A file of ticket `number`, whole, for the office.
    pub fn file_of_ticket(
        &self,
        number: &TicketNumber,
        hash: &FileHash,
    ) -> Result<(MediaType, Vec<u8>), FilesError> {
        let use_ = self
            .kv()
            .get(ticket_key(number, hash))?
            .and_then(|v| serde_json::from_slice::<FileUse>(&v).ok())
            .ok_or(FilesError::NotHere(*hash))?;
        Ok((use_.media_type, self.blobs().read_all(hash)?))
    }

    /// Which of a ticket's files are here.
    pub fn files_here(&self, number: &TicketNumber) -> Result<Vec<FileHash>, FilesError> {
        let blobs = self.blobs();
        let mut here = Vec::new();
        for (hash, _) in self.files_of(number)? {
            if blobs.size(&hash)?.is_some() {
                here.push(hash);
            }
        }
        Ok(here)
    }

    /// Removes a disposed ticket's references in `batch`; returns the files it referred to,
    /// to be collected once the batch is written ([`ServerStore::collect_files`]).
    pub(crate) fn forget_files(
        &self,
        batch: &mut Batch,
        number: &TicketNumber,
    ) -> Result<Vec<FileHash>, FilesError> {
        let files = self.files_of(number)?;
        for (hash, _) in &files {
            batch.delete(ticket_key(number, hash));
            batch.delete(ref_key(hash, number));
        }
        Ok(files.into_iter().map(|(hash, _)| hash).collect())
    }

    /// Removes the bytes of those of `files` no ticket refers to any more; returns how many.
    pub fn collect_files(&self, files: &[FileHash]) -> Result<usize, FilesError> {
        let blobs = self.blobs();
        let mut removed = 0;
        for hash in files {
            if self.uses_of(hash)?.is_empty() {
                blobs.remove(hash)?;
                removed += 1;
            }
        }
        Ok(removed)
    }
}
