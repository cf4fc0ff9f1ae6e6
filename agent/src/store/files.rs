//! The photos and documents this PC keeps, and what sync still owes for them. The bytes are
//! content-addressed files in the data folder's `files/` ([`rma_store::blobs::Folder`]);
//! the store notes:
//!
//! ```text
//! file:up:{sha256}               a file of this site's the server does not have yet (JSON Owed)
//! file:want:{sha256}             a thumbnail of a ticket held here, to fetch (JSON Owed)
//! file:of:{number}\0{sha256}     the ticket's file is kept here
//! file:by:{sha256}\0{number}     the same, by file (a photo on two tickets is kept once)
//! file:gone:{number}             the ticket left this PC: its files go once none is owed
//! ```

use rma_shared::TicketNumber;
use rma_shared::files::FileHash;
use rma_store::blobs::{Blobs, Folder};
use rma_store::kv::Batch;
use serde::{Deserialize, Serialize};

use super::{Store, StoreError};

const UP: &str = "file:up:";
const WANT: &str = "file:want:";
const OF: &str = "file:of:";
const BY: &str = "file:by:";
const GONE: &str = "file:gone:";

/// A file sync still has to move, and the ticket it belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Owed {
    pub hash: FileHash,
    pub ticket: TicketNumber,
    pub size: u64,
}

/// What sync still has to move of files.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FilesWaiting {
    /// Files of this site's the server does not have yet, and their bytes.
    pub to_send: usize,
    pub bytes_to_send: u64,
    /// Thumbnails of tickets held here still to fetch.
    pub to_fetch: usize,
}

fn of_prefix(number: &TicketNumber) -> String {
    format!("{OF}{number}\0")
}

fn of_key(number: &TicketNumber, hash: &FileHash) -> String {
    format!("{}{hash}", of_prefix(number))
}

impl Store {
    /// Where the bytes are.
    pub fn blobs(&self) -> &Folder {
        &self.blobs
    }

    /// Keeps the bytes of a file of `ticket` (its hash checked) and notes it as the ticket's;
    /// with `send`, the server is owed it.
    pub fn keep_file(
        &self,
        ticket: &TicketNumber,
        hash: &FileHash,
        bytes: &[u8],
        send: bool,
    ) -> Result<(), StoreError> {
        self.blobs.put(hash, bytes).map_err(blob_error)?;
        let mut batch = Batch::default();
        self.note_file(&mut batch, ticket, hash);
        if send {
            let owed = Owed {
                hash: *hash,
                ticket: ticket.clone(),
                size: bytes.len() as u64,
            };
            batch.put(
                format!("{UP}{hash}"),
                serde_json::to_vec(&owed).expect("owed files serialise"),
            );
        }
        Ok(self.kv.commit(batch)?)
    }

    /// A file fetched from the office for `ticket`: kept here from now on.
    pub fn file_fetched(&self, ticket: &TicketNumber, hash: &FileHash) -> Result<(), StoreError> {
        let mut batch = Batch::default();
        self.note_file(&mut batch, ticket, hash);
        Ok(self.kv.commit(batch)?)
    }

    /// Notes a file kept here as `ticket`'s (it goes when the ticket leaves).
    pub(super) fn note_file(&self, batch: &mut Batch, ticket: &TicketNumber, hash: &FileHash) {
        batch.put(of_key(ticket, hash), b"");
        batch.put(format!("{BY}{hash}\0{ticket}"), b"");
        batch.delete(format!("{WANT}{hash}"));
    }

    /// Notes the thumbnails of a ticket held here that are not here yet, to fetch.
    pub(super) fn want_thumbnails(
        &self,
        batch: &mut Batch,
        ticket: &TicketNumber,
        thumbnails: &[FileHash],
    ) -> Result<(), StoreError> {
        for hash in thumbnails {
            if self.blobs.size(hash).map_err(blob_error)?.is_none() {
                let owed = Owed {
                    hash: *hash,
                    ticket: ticket.clone(),
                    size: 0,
                };
                batch.put(
                    format!("{WANT}{hash}"),
                    serde_json::to_vec(&owed).expect("owed files serialise"),
                );
            }
        }
        Ok(())
    }

    fn owed(&self, prefix: &str) -> Result<Vec<Owed>, StoreError> {
        let mut owed = Vec::new();
        for entry in self.kv.scan(prefix.as_bytes()) {
            let (_, value) = entry?;
            if let Ok(one) = serde_json::from_slice(&value) {
                owed.push(one);
            }
        }
        Ok(owed)
    }

    /// The files of this site's the server does not have yet.
    pub fn files_to_send(&self) -> Result<Vec<Owed>, StoreError> {
        self.owed(UP)
    }

    /// The thumbnails of tickets held here still to fetch.
    pub fn files_to_fetch(&self) -> Result<Vec<Owed>, StoreError> {
        self.owed(WANT)
    }

    /// The server has the whole file.
    pub fn file_sent(&self, hash: &FileHash) -> Result<(), StoreError> {
        let mut batch = Batch::default();
        batch.delete(format!("{UP}{hash}"));
        Ok(self.kv.commit(batch)?)
    }

    /// A thumbnail the server does not have (its site has not sent it yet, or never will):
    /// asked for again at a later sync only if still wanted, so nothing to note.
    pub fn files_waiting(&self) -> Result<FilesWaiting, StoreError> {
        let to_send = self.files_to_send()?;
        Ok(FilesWaiting {
            to_send: to_send.len(),
            bytes_to_send: to_send.iter().map(|o| o.size).sum(),
            to_fetch: self.kv.scan(WANT.as_bytes()).count(),
        })
    }

    /// Notes that `ticket` left this PC: its files go once none of them is owed.
    pub(super) fn note_files_gone(&self, batch: &mut Batch, ticket: &TicketNumber) {
        batch.put(format!("{GONE}{ticket}"), b"");
    }

    /// Removes the files of tickets that left this PC, except those still owed to the server
    /// (they go after they are sent); returns how many files went.
    pub fn drop_gone_files(&self) -> Result<usize, StoreError> {
        let owed: std::collections::HashSet<FileHash> =
            self.files_to_send()?.into_iter().map(|o| o.hash).collect();
        let mut removed = 0;
        let gone: Vec<Vec<u8>> = self
            .kv
            .scan(GONE.as_bytes())
            .map(|entry| entry.map(|(key, _)| key))
            .collect::<Result<_, _>>()?;
        for key in gone {
            let Some(number) = std::str::from_utf8(&key[GONE.len()..])
                .ok()
                .and_then(|text| TicketNumber::parse(text).ok())
            else {
                continue;
            };
            let prefix = of_prefix(&number);
            let mut batch = Batch::default();
            let mut waiting = false;
            for entry in self.kv.scan(prefix.as_bytes()) {
                let (file_key, _) = entry?;
                let Some(hash) = std::str::from_utf8(&file_key[prefix.len()..])
                    .ok()
                    .and_then(|text| FileHash::parse(text).ok())
                else {
                    continue;
                };
                if owed.contains(&hash) {
                    waiting = true;
                    continue;
                }
                batch.delete(file_key);
                let by = format!("{BY}{hash}\0{number}");
                // Another ticket here keeps the same file: the bytes stay for it.
                let others = self
                    .kv
                    .scan(format!("{BY}{hash}\0").as_bytes())
                    .filter(|entry| entry.as_ref().map_or(true, |(key, _)| key != by.as_bytes()))
                    .count();
                batch.delete(by);
                if others == 0 {
                    self.blobs.remove(&hash).map_err(blob_error)?;
                    batch.delete(format!("{WANT}{hash}"));
                    removed += 1;
                }
            }
            if !waiting {
                batch.delete(key);
            }
            self.kv.commit(batch)?;
        }
        Ok(removed)
    }

    /// Whether a file is here, whole.
    pub fn has_file(&self, hash: &FileHash) -> Result<bool, StoreError> {
        Ok(self.blobs.size(hash).map_err(blob_error)?.is_some())
    }
}

pub(super) fn blob_error(err: rma_store::blobs::BlobError) -> StoreError {
    StoreError::Files(err)
}
