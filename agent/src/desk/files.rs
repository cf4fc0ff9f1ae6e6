//! Photos and documents: kept with a ticket in a person's name (the bytes made safe and
//! stored, then the reference recorded as a step), and opened: from this PC, or fetched from
//! the office once and kept.

use rma_shared::TicketOrUnit;
use rma_shared::event::EventKind;
use rma_shared::files::{Attachment, FileError, FileHash, MediaType, Thumbnail};
use rma_shared::people::Action;
use rma_shared::step::{self, Outcome};
use serde::{Deserialize, Serialize};

use super::{Asker, Desk, DeskError};

/// A file as a person gives it: its name where it came from, and its bytes.
#[derive(Debug, Clone)]
pub struct Given {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// A file checked and made safe, not stored yet.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub name: String,
    ready: crate::photos::Prepared,
}

impl Prepared {
    /// Its bytes and its thumbnail's.
    fn size(&self) -> u64 {
        self.ready.bytes.len() as u64 + self.ready.thumbnail.as_ref().map_or(0, |t| t.len() as u64)
    }
}

/// Where an opened file is, and what it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Opened {
    pub path: std::path::PathBuf,
    pub media_type: MediaType,
    /// Fetched from the office just now (it is kept here from now on).
    pub fetched: bool,
}

impl Desk {
    /// Checks and makes safe each file a person gives, before anything is stored: if one is
    /// refused, none is kept.
    pub fn prepare_files(&self, files: Vec<Given>) -> Result<Vec<Prepared>, DeskError> {
        if files.is_empty() {
            return Err(DeskError::NoFiles);
        }
        let limits = self.settings()?.files;
        files
            .into_iter()
            .map(|given| {
                let ready = crate::photos::prepare(&given.name, &given.bytes, &limits)?;
                Ok(Prepared {
                    name: given.name,
                    ready,
                })
            })
            .collect()
    }

    /// Keeps `files` with the ticket or unit `request` names, in the asker's name: every file
    /// is checked and made safe first, and if one is refused, none is kept.
    pub fn attach(
        &self,
        asker: &Asker,
        request: step::Attach,
        files: Vec<Given>,
    ) -> Result<Outcome, DeskError> {
        self.store().check_duty(&asker.user, Action::Attach)?;
        let prepared = self.prepare_files(files)?;
        self.attach_prepared(asker, request, prepared)
    }

    /// Keeps files made safe already ([`Desk::prepare_files`]): the bytes first, then each
    /// file's reference recorded as a step.
    pub fn attach_prepared(
        &self,
        asker: &Asker,
        request: step::Attach,
        prepared: Vec<Prepared>,
    ) -> Result<Outcome, DeskError> {
        if prepared.is_empty() {
            return Err(DeskError::NoFiles);
        }
        self.store().check_duty(&asker.user, Action::Attach)?;
        let ticket = request.what.ticket().clone();
        let unit = match &request.what {
            TicketOrUnit::Unit(unit) => Some(unit.clone()),
            TicketOrUnit::Ticket(_) => None,
        };
        let view = self.view(&ticket)?;
        let limits = self.settings()?.files;
        let adding: u64 = prepared.iter().map(Prepared::size).sum();
        let held: u64 = view.files().map(|(_, size)| size).sum();
        if held + adding > limits.max_ticket() {
            return Err(FileError::TicketFull {
                ticket: ticket.to_string(),
                limit: limits.max_ticket(),
            }
            .into());
        }
        let mut doc = None;
        let mut recorded = Vec::new();
        for Prepared { name, ready } in prepared {
            let sha256 = FileHash::of(&ready.bytes);
            self.store()
                .keep_file(&ticket, &sha256, &ready.bytes, true)?;
            let thumbnail = match &ready.thumbnail {
                Some(bytes) => {
                    let hash = FileHash::of(bytes);
                    self.store().keep_file(&ticket, &hash, bytes, true)?;
                    Some(Thumbnail {
                        sha256: hash,
                        size: bytes.len() as u64,
                    })
                }
                None => None,
            };
            let kind = EventKind::Attached(Attachment {
                sha256,
                size: ready.bytes.len() as u64,
                media_type: ready.media_type,
                thumbnail,
                name: Some(name).filter(|n| !n.is_empty()),
                caption: request.caption.clone().map(String::from),
                step: request.step,
                unit: unit.clone(),
            });
            let (id, after) = self.record(asker, &ticket, kind)?;
            recorded.push(id);
            doc = Some(after);
        }
        self.outcome(&doc.expect("at least one file was kept"), &recorded)
    }

    /// A file of ticket `ticket`: from this PC, or fetched from the office now (and kept
    /// from then on).
    pub fn open_file(
        &self,
        ticket: &rma_shared::TicketNumber,
        hash: &FileHash,
    ) -> Result<Opened, DeskError> {
        let store = self.store();
        let view = self.view(ticket)?;
        let media_type = view
            .attachments
            .iter()
            .find_map(|event| match &event.kind {
                EventKind::Attached(file) if &file.sha256 == hash => Some(file.media_type),
                EventKind::Attached(file)
                    if file.thumbnail.as_ref().is_some_and(|t| &t.sha256 == hash) =>
                {
                    Some(MediaType::Jpeg)
                }
                _ => None,
            })
            .ok_or_else(|| DeskError::NoSuchFile(ticket.clone(), *hash))?;
        let mut fetched = false;
        if !store.has_file(hash)? {
            let not_here = || DeskError::FileNotHere(ticket.clone());
            let link = store.server()?.ok_or_else(not_here)?;
            crate::sync_client::fetch_file(store, &link, ticket, hash).map_err(|err| {
                tracing::info!(%ticket, %hash, error = %err, "a file could not be fetched");
                not_here()
            })?;
            fetched = true;
        }
        Ok(Opened {
            path: store.blobs().path(hash),
            media_type,
            fetched,
        })
    }
}
