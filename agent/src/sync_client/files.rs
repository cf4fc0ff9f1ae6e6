//! Files after documents: this site's photos and documents sent to the server in pieces, each
//! piece going on from the last byte the server kept (so a connection cut every few hundred
//! KB still gets a 20 MB photo there, no byte sent more than twice); thumbnails of the tickets
//! held here fetched; a full file fetched when someone opens it. A round of files never holds
//! up the documents: it runs after them, and what it cannot do now waits for the next.

use rma_shared::TicketNumber;
use rma_shared::files::{FileHash, PIECE_BYTES};
use rma_store::blobs::Blobs as _;
use serde::{Deserialize, Serialize};

use super::{Connection, SyncError, unreachable};
use crate::store::{ServerLink, Store, StoreError};

/// What a round of files did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FilesReport {
    /// Files the server now has whole.
    pub sent: usize,
    /// Thumbnails fetched.
    pub fetched: usize,
    /// Files that left this PC with their tickets.
    pub dropped: usize,
    /// Bytes sent and received.
    pub bytes: u64,
}

/// How far the server has a file (its answer to `…/upload` and to each piece).
#[derive(Debug, Deserialize)]
struct Upload {
    received: u64,
    complete: bool,
}

/// Tries a piece this many times in a row while the server keeps more of the file each
/// time; a file that gets nowhere waits for the next round.
const STALLED_TRIES: usize = 3;

/// Sends what the server is owed, fetches the thumbnails wanted, lets go of the files of
/// tickets that left. A file that cannot move now stays owed.
pub fn files_round(store: &Store, conn: &Connection) -> Result<FilesReport, SyncError> {
    let mut report = FilesReport::default();
    for owed in store.files_to_send()? {
        match send_file(store, conn, &owed.hash) {
            Ok(bytes) => {
                report.sent += 1;
                report.bytes += bytes;
                store.file_sent(&owed.hash)?;
            }
            // The server cannot be reached: the rest waits too.
            Err(err @ (SyncError::Unreachable { .. } | SyncError::Certificate { .. })) => {
                return Err(err);
            }
            Err(err) => {
                tracing::info!(file = %owed.hash, ticket = %owed.ticket, error = %err, "a file was not sent this round");
            }
        }
    }
    for wanted in store.files_to_fetch()? {
        match fetch_into(store, conn, &wanted.ticket, &wanted.hash) {
            Ok(bytes) => {
                report.fetched += 1;
                report.bytes += bytes;
            }
            Err(err @ (SyncError::Unreachable { .. } | SyncError::Certificate { .. })) => {
                return Err(err);
            }
            // Not at the office yet (its site has not sent it): asked for again next round.
            Err(err) => {
                tracing::debug!(file = %wanted.hash, error = %err, "a thumbnail is not at the office yet");
            }
        }
    }
    report.dropped = store.drop_gone_files()?;
    Ok(report)
}

/// Sends one file from where the server's copy ends; returns the bytes sent.
fn send_file(store: &Store, conn: &Connection, hash: &FileHash) -> Result<u64, SyncError> {
    let blobs = store.blobs();
    let size = blobs
        .size(hash)
        .map_err(|e| SyncError::Store(StoreError::Files(e)))?
        .ok_or_else(|| SyncError::Lost(format!("file {hash} is owed but not here")))?;
    let mut sent = 0u64;
    let mut state: Upload =
        conn.json(conn.client.get(conn.url(&format!("files/{hash}/upload"))))?;
    let mut stalled = 0;
    while !state.complete {
        let from = state.received;
        let piece = blobs
            .read(hash, from, PIECE_BYTES)
            .map_err(|e| SyncError::Store(StoreError::Files(e)))?;
        sent += piece.len() as u64;
        let put = conn
            .client
            .put(conn.url(&format!("files/{hash}?offset={from}")))
            .header("content-type", "application/octet-stream")
            .body(piece);
        state = match conn.json::<Upload>(put) {
            Ok(state) => state,
            // Cut on the way: ask where the server's copy ends now, and go on from there.
            Err(SyncError::Unreachable { .. } | SyncError::Lost(_)) => {
                conn.json(conn.client.get(conn.url(&format!("files/{hash}/upload"))))?
            }
            Err(SyncError::Refused { status, .. }) if status == reqwest::StatusCode::CONFLICT => {
                conn.json(conn.client.get(conn.url(&format!("files/{hash}/upload"))))?
            }
            Err(err) => return Err(err),
        };
        if state.received <= from && !state.complete {
            stalled += 1;
            if stalled >= STALLED_TRIES {
                return Err(SyncError::Lost(format!(
                    "file {hash}: the server kept no more of it after {STALLED_TRIES} tries"
                )));
            }
        } else {
            stalled = 0;
        }
        if state.received > size {
            return Err(SyncError::BadAnswer(format!(
                "the server says it has {} bytes of a {size}-byte file",
                state.received
            )));
        }
    }
    Ok(sent)
}

/// Fetches a file of `ticket` from the office into this PC's files, going on from the bytes
/// a cut fetch kept; returns the bytes received.
fn fetch_into(
    store: &Store,
    conn: &Connection,
    ticket: &TicketNumber,
    hash: &FileHash,
) -> Result<u64, SyncError> {
    let blobs = store.blobs();
    let files = |e| SyncError::Store(StoreError::Files(e));
    let mut received = 0u64;
    let mut stalled = 0;
    loop {
        let from = blobs.received(hash).map_err(files)?;
        if blobs.size(hash).map_err(files)?.is_some() {
            break;
        }
        let response = conn
            .client
            .get(conn.url(&format!("files/{hash}?offset={from}")))
            .bearer_auth(&conn.link.token)
            .send()
            .map_err(|e| conn.unreachable(e))?;
        let status = response.status();
        if !status.is_success() {
            let body = response.bytes().map(|b| b.to_vec()).unwrap_or_default();
            return Err(SyncError::Refused {
                status,
                message: String::from_utf8_lossy(&body).into_owned(),
            });
        }
        let whole = response.content_length().map(|rest| from + rest);
        // What arrives before a cut is kept: the next try goes on after it.
        let mut body = response;
        let mut buffer = vec![0u8; 64 * 1024];
        let mut at = from;
        loop {
            match std::io::Read::read(&mut body, &mut buffer) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    at = blobs.append(hash, at, &buffer[..n]).map_err(files)?;
                    received += n as u64;
                }
            }
        }
        if whole == Some(at) {
            // All of it: checked (bytes that are not the file are dropped, and refused).
            blobs.finish(hash).map_err(|err| match err {
                rma_store::blobs::BlobError::Mismatch { .. } => {
                    SyncError::BadAnswer(format!("file {hash} came back different"))
                }
                other => files(other),
            })?;
            break;
        }
        if at == from {
            stalled += 1;
            if stalled >= STALLED_TRIES {
                return Err(SyncError::Lost(format!("file {hash}: nothing arrived")));
            }
        }
    }
    store.file_fetched(ticket, hash)?;
    Ok(received)
}

/// Fetches one file of `ticket` from the office (when someone opens it), and keeps it.
pub fn fetch_file(
    store: &Store,
    link: &ServerLink,
    ticket: &TicketNumber,
    hash: &FileHash,
) -> Result<u64, SyncError> {
    let conn = Connection::with_link(store, link.clone());
    fetch_into(store, &conn, ticket, hash).map_err(|err| match err {
        SyncError::Unreachable { source, .. } => unreachable(link, source),
        other => other,
    })
}

impl Connection {
    /// A JSON answer, or the refusal it was.
    fn json<T: serde::de::DeserializeOwned>(
        &self,
        request: reqwest::blocking::RequestBuilder,
    ) -> Result<T, SyncError> {
        let response = request
            .bearer_auth(&self.link.token)
            .send()
            .map_err(|e| self.unreachable(e))?;
        let bytes = self.answer(response)?;
        serde_json::from_slice(&bytes).map_err(|e| SyncError::BadAnswer(e.to_string()))
    }
}
