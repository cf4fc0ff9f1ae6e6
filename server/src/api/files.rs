//! The bytes of photos and documents: a site sends the files its own steps refer to, in pieces
//! it can resume from the last byte kept, and fetches others' (thumbnails with the tickets,
//! full files when someone opens one); a person at the office reads a ticket's file.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use http_body_util::BodyExt as _;
use rma_shared::files::{FileHash, PIECE_BYTES};
use rma_shared::{TicketNumber, TicketStatus};
use serde::Deserialize;

use super::{authenticate_as, authenticate_person};
use crate::error::{ApiError, ErrorBody, query};
use crate::state::AppState;
use crate::store::files::{FilesError, Upload};

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/v1/sync/{site}/files/{sha256}", get(give).put(take))
        .route("/api/v1/sync/{site}/files/{sha256}/upload", get(upload))
        .route("/api/v1/tickets/{number}/files/{sha256}", get(office_file))
}

/// The files being received now, one piece at a time each.
#[derive(Debug, Default)]
pub struct Transfers(
    std::sync::Mutex<std::collections::HashMap<FileHash, Arc<tokio::sync::Mutex<()>>>>,
);

impl Transfers {
    /// The turn of `hash`: held while a piece is taken, and while its progress is read.
    async fn turn(&self, hash: FileHash) -> tokio::sync::OwnedMutexGuard<()> {
        let lock = {
            let mut files = self
                .0
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            // Turns nobody holds or waits for are let go of.
            files.retain(|_, lock| Arc::strong_count(lock) > 1);
            files.entry(hash).or_default().clone()
        };
        lock.lock_owned().await
    }
}

impl From<FilesError> for ApiError {
    fn from(err: FilesError) -> Self {
        let message = err.to_string();
        match err {
            FilesError::NotReferred { .. } => {
                Self::new(StatusCode::FORBIDDEN, "not_referred", message)
            }
            FilesError::TooLarge { .. }
            | FilesError::TicketFull { .. }
            | FilesError::TooLong { .. } => {
                Self::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", message)
            }
            FilesError::Gap { .. } => Self::new(StatusCode::CONFLICT, "gap", message),
            FilesError::Mismatch { .. } => {
                Self::new(StatusCode::UNPROCESSABLE_ENTITY, "hash_mismatch", message)
            }
            FilesError::NotHere(_) => Self::new(StatusCode::NOT_FOUND, "not_here", message),
            FilesError::Archived(_) => Self::new(StatusCode::GONE, "archived", message),
            FilesError::Store(err) => err.into(),
            FilesError::Blob(_) => {
                tracing::error!(error = %message, "file store failure");
                Self::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "store",
                    "the server could not read or write the file; see its log",
                )
            }
        }
    }
}

/// Runs file work on a blocking thread.
async fn off<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, FilesError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|_| {
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "panic",
                "the server failed on this request; see its log",
            )
        })?
        .map_err(ApiError::from)
}

fn hash(text: &str) -> Result<FileHash, ApiError> {
    FileHash::parse(text)
        .map_err(|err| ApiError::new(StatusCode::BAD_REQUEST, "bad_hash", err.to_string()))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct Offset {
    /// The first byte wanted (sent): 0 unless resuming.
    #[serde(default)]
    offset: u64,
}

/// How much of a file this site sends is kept: the next piece starts there.
#[utoipa::path(get, path = "/api/v1/sync/{site}/files/{sha256}/upload", tag = "sync",
    params(("site" = String, Path, description = "The code of the site the token belongs to"), ("sha256" = String, Path, description = "The file's SHA-256 (64 hex digits)")),
    responses((status = 200, description = "How far the file has come", body = Upload), (status = 400, description = "Not a SHA-256", body = ErrorBody), (status = 401, description = "No token, or not a valid one", body = ErrorBody), (status = 403, description = "No step of this site refers to the file", body = ErrorBody), (status = 413, description = "The file, or the ticket's files together, are over the limits", body = ErrorBody), (status = 408, description = "The request took too long", body = ErrorBody), (status = 503, description = "Too many requests at once: try again after Retry-After seconds", body = ErrorBody)),
    security(("site_token" = [])))]
pub(crate) async fn upload(
    State(state): State<Arc<AppState>>,
    Path((site, sha256)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Json<Upload>, ApiError> {
    let site = authenticate_as(&state, &headers, &site).await?;
    let hash = hash(&sha256)?;
    let _turn = state.uploads.turn(hash).await;
    let reader = state.clone();
    let limits = state.settings.files;
    Ok(Json(
        off(move || reader.store.upload(&site, &hash, &limits)).await?,
    ))
}

/// Bytes kept at a time while a piece streams in: a cut connection loses at most what was in
/// flight after the last of these.
const KEEP_EVERY: usize = 64 * 1024;

/// A piece of a file this site's steps refer to, from `offset` (where the bytes kept end).
/// What arrives is kept even if the connection is cut; the whole file's hash is checked when
/// its last byte arrives.
#[utoipa::path(put, path = "/api/v1/sync/{site}/files/{sha256}", tag = "sync",
    params(("site" = String, Path, description = "The code of the site the token belongs to"), ("sha256" = String, Path, description = "The file's SHA-256 (64 hex digits)"), Offset),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "Up to 1 MiB of the file's bytes from `offset`"),
    responses((status = 200, description = "Kept; how far the file has come", body = Upload), (status = 400, description = "Not a SHA-256, or a bad offset", body = ErrorBody), (status = 401, description = "No token, or not a valid one", body = ErrorBody), (status = 403, description = "No step of this site refers to the file", body = ErrorBody), (status = 409, description = "The piece does not start where the bytes kept end", body = ErrorBody), (status = 413, description = "Over the limits, or longer than the file", body = ErrorBody), (status = 422, description = "The whole file's bytes are not the file its hash names: dropped", body = ErrorBody), (status = 408, description = "The request took too long", body = ErrorBody), (status = 503, description = "Too many requests at once: try again after Retry-After seconds", body = ErrorBody)),
    security(("site_token" = [])))]
pub(crate) async fn take(
    State(state): State<Arc<AppState>>,
    Path((site, sha256)): Path<(String, String)>,
    headers: HeaderMap,
    parsed: Result<Query<Offset>, QueryRejection>,
    body: Body,
) -> Result<Json<Upload>, ApiError> {
    let site = authenticate_as(&state, &headers, &site).await?;
    let hash = hash(&sha256)?;
    let at = query(parsed)?.offset;
    // The piece is taken on its own task, which runs to its end even when the connection is
    // dropped: what arrived before a cut is kept, and the next "how far" waits for it.
    let turn = state.uploads.turn(hash).await;
    let taking = tokio::spawn(take_piece(state, site, hash, at, body, turn));
    taking.await.map_err(|_| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "panic",
            "the server failed on this request; see its log",
        )
    })?
}

/// Reads a piece of `hash` from `body` and keeps it, [`KEEP_EVERY`] bytes at a time, holding
/// the file's `turn`.
async fn take_piece(
    state: Arc<AppState>,
    site: rma_shared::SiteCode,
    hash: FileHash,
    mut at: u64,
    mut body: Body,
    _turn: tokio::sync::OwnedMutexGuard<()>,
) -> Result<Json<Upload>, ApiError> {
    let limits = state.settings.files;
    let keep = |at: u64, bytes: Vec<u8>| {
        let writer = state.clone();
        let site = site.clone();
        off(move || writer.store.take_piece(&site, &hash, at, &bytes, &limits))
    };
    // Checked before any byte is read: a site that may not send it sends nothing.
    let mut kept = {
        let reader = state.clone();
        let site = site.clone();
        off(move || reader.store.upload(&site, &hash, &limits)).await?
    };
    if kept.complete {
        return Ok(Json(kept));
    }
    if at != kept.received {
        return Err(FilesError::Gap {
            held: kept.received,
            given: at,
        }
        .into());
    }
    let mut pending: Vec<u8> = Vec::new();
    let mut read = 0usize;
    loop {
        match body.frame().await {
            Some(Ok(frame)) => {
                let Ok(data) = frame.into_data() else {
                    continue;
                };
                read += data.len();
                if read > PIECE_BYTES {
                    return Err(ApiError::new(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        "too_large",
                        format!("a piece is at most {PIECE_BYTES} bytes"),
                    ));
                }
                pending.extend_from_slice(&data);
                if pending.len() >= KEEP_EVERY {
                    let bytes = std::mem::take(&mut pending);
                    let len = bytes.len() as u64;
                    kept = keep(at, bytes).await?;
                    at += len;
                }
            }
            // The connection was cut: what arrived is kept, and the site goes on from there.
            Some(Err(_)) => {
                if !pending.is_empty() {
                    keep(at, pending).await?;
                }
                return Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "cut",
                    "the piece was cut short; the bytes that arrived are kept",
                ));
            }
            None => break,
        }
    }
    if !pending.is_empty() || read == 0 {
        kept = keep(at, pending).await?;
    }
    Ok(Json(kept))
}

/// A file's bytes from `offset`, for a site: a thumbnail with its ticket, a full file when
/// someone opens it. Not for a ticket in the archive.
#[utoipa::path(get, path = "/api/v1/sync/{site}/files/{sha256}", tag = "sync",
    params(("site" = String, Path, description = "The code of the site the token belongs to"), ("sha256" = String, Path, description = "The file's SHA-256 (64 hex digits)"), Offset),
    responses((status = 200, description = "The file's bytes from `offset`", content_type = "application/octet-stream"), (status = 400, description = "Not a SHA-256", body = ErrorBody), (status = 401, description = "No token, or not a valid one", body = ErrorBody), (status = 404, description = "The file is not at the office (yet)", body = ErrorBody), (status = 410, description = "Its ticket is in the archive", body = ErrorBody), (status = 408, description = "The request took too long", body = ErrorBody), (status = 503, description = "Too many requests at once: try again after Retry-After seconds", body = ErrorBody)),
    security(("site_token" = [])))]
pub(crate) async fn give(
    State(state): State<Arc<AppState>>,
    Path((site, sha256)): Path<(String, String)>,
    headers: HeaderMap,
    parsed: Result<Query<Offset>, QueryRejection>,
) -> Result<Response, ApiError> {
    authenticate_as(&state, &headers, &site).await?;
    let hash = hash(&sha256)?;
    let offset = query(parsed)?.offset;
    let reader = state.clone();
    let max = usize::try_from(state.settings.files.max_file()).unwrap_or(usize::MAX);
    let (media_type, bytes) = off(move || reader.store.file_for_site(&hash, offset, max)).await?;
    let mut response = bytes.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(media_type.mime()),
    );
    Ok(response)
}

/// A photo or document of a ticket, for a person whose role reads the ticket. An archived
/// ticket's files are read in place on its office page with a grant, never through the API.
/// Every file given is in the audit log.
#[utoipa::path(get, path = "/api/v1/tickets/{number}/files/{sha256}", tag = "office",
    params(("number" = String, Path, description = "The ticket's number, e.g. WH1-2026-00042"), ("sha256" = String, Path, description = "The file's SHA-256 (64 hex digits)")),
    responses((status = 200, description = "The file", content_type = "application/octet-stream"), (status = 400, description = "Not a ticket number or not a SHA-256", body = ErrorBody), (status = 401, description = "No session: sign in as a person", body = ErrorBody), (status = 403, description = "A site token (sync only), or an archived ticket", body = ErrorBody), (status = 404, description = "No such ticket, the ticket has no such file, or its bytes have not arrived", body = ErrorBody), (status = 408, description = "The request took too long", body = ErrorBody), (status = 503, description = "Too many requests at once: try again after Retry-After seconds", body = ErrorBody)),
    security(("session" = []), ("session_token" = [])))]
pub(crate) async fn office_file(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Path((number, sha256)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let person = authenticate_person(&state, &headers).await?;
    let number = TicketNumber::parse(&number)
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "bad_number", e.to_string()))?;
    let hash = hash(&sha256)?;
    let reader = state.clone();
    let wanted = number.clone();
    let status = off(move || Ok(reader.store.tickets().summary(&wanted)?.map(|s| s.status)))
        .await?
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "unknown_ticket",
                format!("the server has no ticket {number}"),
            )
        })?;
    let subject = format!("{number} {hash}");
    let audit = |kind| {
        let writer = state.clone();
        let name = person.name.clone();
        let subject = subject.clone();
        tokio::task::spawn_blocking(move || writer.store.audit(&name, kind, &subject, "api"))
    };
    if status == TicketStatus::Archived {
        let _ = audit(crate::store::audit::AuditKind::Refused).await;
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "archived",
            format!(
                "{number} is in the archive: its files are read in place on its office page, with an approved access application, not through the API"
            ),
        ));
    }
    let reader = state.clone();
    let (media_type, bytes) = off(move || reader.store.file_of_ticket(&number, &hash)).await?;
    let _ = audit(crate::store::audit::AuditKind::Download).await;
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(media_type.mime()),
    );
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&format!(
            "attachment; filename=\"{sha256}.{}\"",
            media_type.extension()
        ))
        .expect("a file name of hex digits"),
    );
    Ok(response)
}
