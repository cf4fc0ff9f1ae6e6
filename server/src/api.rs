//! The HTTP API: sync for agents, and read-only tickets and sites for the office's people.
//!
//! Every request but the health check carries `Authorization: Bearer TOKEN`. A site's token
//! reads everything and syncs as that site only: a missing or unknown (or revoked) token gets
//! 401, a valid token used for another site's sync gets 403.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Utc;
use rma_shared::automerge::ActorId;
use rma_shared::sync::{self, BindRequest, FetchRequest, PushRequest};
use rma_shared::{AreaCode, SiteCode, TicketList, TicketNumber, TicketStatus, TicketView};
use rma_store::tickets::ListFilter;
use serde::{Deserialize, Serialize};

use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, Schema, SchemaFormat, Type};

use crate::error::{ApiError, ErrorBody, query};
use crate::state::AppState;
use crate::store::{ServerStoreError, Site, TokenCheck};

/// The API's routes.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/v1/health", get(health))
        .route("/api/v1/sync/{site}/push", post(push))
        .route("/api/v1/sync/{site}/pull", get(pull))
        .route("/api/v1/sync/{site}/actor", post(bind_actor))
        .route("/api/v1/sync/{site}/tree", get(tree))
        .route("/api/v1/sync/{site}/fetch", post(fetch))
        .route("/api/v1/sync/{site}/scope", post(scope))
        .route("/api/v1/sync/{site}/lookup/{number}", get(lookup))
        .route("/api/v1/sync/{site}/directory", get(directory))
        .route("/api/v1/tickets", get(tickets))
        .route("/api/v1/tickets/{number}", get(ticket))
        .route("/api/v1/sites", get(sites))
        .route("/api/v1/notices", get(notices))
        .merge(files::routes())
}

pub(crate) mod files;

pub(crate) fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

/// Whether two secrets are the same, compared without stopping at the first difference (the
/// time taken does not tell how much of a guess was right).
pub(crate) fn same_secret(given: &str, secret: &str) -> bool {
    use sha2::Digest as _;
    let (given, secret) = (sha2::Sha256::digest(given), sha2::Sha256::digest(secret));
    given
        .iter()
        .zip(secret.iter())
        .fold(0u8, |differ, (a, b)| differ | (a ^ b))
        == 0
}

/// The site whose token the request carries.
async fn authenticate(state: &Arc<AppState>, headers: &HeaderMap) -> Result<SiteCode, ApiError> {
    let unauthorised = || {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorised",
            "a valid site token is required (Authorization: Bearer TOKEN); ask the office for one with `rma-server site add`",
        )
    };
    let token = bearer(headers).ok_or_else(unauthorised)?.to_owned();
    let store = state.clone();
    match blocking(move || store.store.check_token(&token)).await? {
        TokenCheck::Site(site) => Ok(site),
        TokenCheck::Revoked(site) => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            rma_shared::sync::SITE_REVOKED,
            format!(
                "the office revoked site {site}: it can no longer sync; its agents let go of the tickets they sent"
            ),
        )),
        TokenCheck::Unknown => Err(unauthorised()),
    }
}

/// The office person behind a request to the office API: their session (the pages' cookie,
/// or its token as `Authorization: Bearer`). A site's token is for sync only: it reads no
/// tickets (regulation 8, issue of roles everywhere).
async fn authenticate_person(
    state: &Arc<AppState>,
    headers: &HeaderMap,
) -> Result<crate::users::User, ApiError> {
    let cookie = crate::web::auth::session_token(headers);
    let bearer = bearer(headers).map(str::to_owned);
    let store = state.clone();
    let (person, site) = blocking(move || {
        let people = store.store.people();
        let now = Utc::now();
        for token in cookie.iter().chain(bearer.iter()) {
            // A session read fails only when the store does.
            if let Some(person) = people.session(token, now).ok().flatten() {
                return Ok((Some(person), false));
            }
        }
        let site = match &bearer {
            Some(token) => matches!(store.store.check_token(token)?, TokenCheck::Site(_)),
            None => false,
        };
        Ok((None, site))
    })
    .await?;
    match (person, site) {
        (Some(person), _) => Ok(person),
        (None, true) => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "site_token_sync_only",
            "a site's token is for sync only; to read tickets, sign in as a person (POST /login) and send the session",
        )),
        (None, false) => Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorised",
            "sign in as a person (POST /login) and send the session cookie, or its token as Authorization: Bearer",
        )),
    }
}

/// Authenticates a sync request made in the name of `claimed`.
async fn authenticate_as(
    state: &Arc<AppState>,
    headers: &HeaderMap,
    claimed: &str,
) -> Result<SiteCode, ApiError> {
    let site = authenticate(state, headers).await?;
    let claimed = SiteCode::parse(claimed)
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "bad_site", e.to_string()))?;
    if site != claimed {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "wrong_site",
            format!("this token belongs to site {site}, not {claimed}"),
        ));
    }
    Ok(site)
}

/// The answer of the health check.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Health {
    pub ok: bool,
}

/// Whether the server answers (no token needed).
#[utoipa::path(get, path = "/api/v1/health", tag = "status",
    responses((status = 200, description = "The server answers", body = Health)))]
pub(crate) async fn health() -> Json<Health> {
    Json(Health { ok: true })
}

fn binary(body: Vec<u8>) -> Response {
    let mut response = body.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(sync::CONTENT_TYPE),
    );
    response
}

/// Reads a sync body of at most `limit` bytes, once the request is known to be a site's.
async fn sync_body<T: serde::de::DeserializeOwned>(
    headers: &HeaderMap,
    body: Body,
    limit: usize,
) -> Result<T, ApiError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    if content_type != Some(sync::CONTENT_TYPE) {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "wrong_content_type",
            format!("sync data is sent as {}", sync::CONTENT_TYPE),
        ));
    }
    let bytes = axum::body::to_bytes(body, limit).await.map_err(|_| {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            format!("nothing was stored: the sync data is more than the {limit} bytes allowed"),
        )
    })?;
    sync::decode(&bytes).map_err(|err| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_sync_data",
            format!("nothing was stored: {err}"),
        )
    })
}

/// Runs store work on a blocking thread. It runs to its end even if the client goes away
/// meanwhile: the store's own lock, not the request, keeps its writes in order.
pub(crate) async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, ServerStoreError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "store work panicked");
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "panic",
                "the server failed on this request; see its log",
            )
        })?
        .map_err(ApiError::from)
}

/// Sends tickets: each is merged and taken, or refused alone with a reason.
#[utoipa::path(post, path = "/api/v1/sync/{site}/push", tag = "sync", params(("site" = String, Path, description = "The code of the site the token belongs to, e.g. WH1")),
    request_body(content = SyncData, content_type = "application/vnd.rma.sync+postcard", description = "A PushRequest (rma_shared::sync), postcard-encoded"),
    responses((status = 200, description = "A PushResponse: each ticket taken or refused", body = SyncData, content_type = "application/vnd.rma.sync+postcard"), (status = 400, description = "The site code, the query or the sync data is malformed; nothing was stored", body = ErrorBody), (status = 401, description = "No token, or not a valid one", body = ErrorBody), (status = 403, description = "The token belongs to another site", body = ErrorBody), (status = 413, description = "The body is larger than allowed; nothing was stored", body = ErrorBody), (status = 415, description = "The body is not sync data", body = ErrorBody), (status = 408, description = "The request took too long", body = ErrorBody), (status = 503, description = "Too many requests at once: try again after Retry-After seconds", body = ErrorBody)),
    security(("site_token" = [])))]
pub(crate) async fn push(
    State(state): State<Arc<AppState>>,
    Path(site): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let site = authenticate_as(&state, &headers, &site).await?;
    let installation = installation(&headers)?;
    let request: PushRequest = sync_body(&headers, body, state.settings.max_body_bytes).await?;
    let writer = state.clone();
    let origin = site.clone();
    let response = blocking(move || {
        writer
            .store
            .push_from(&origin, installation.as_deref(), &request)
    })
    .await?;
    let accepted = response
        .results
        .iter()
        .filter(|r| matches!(r, sync::PushResult::Accepted { .. }))
        .count();
    tracing::info!(%site, tickets = response.results.len(), accepted, "push");
    Ok(binary(sync::encode(&response)))
}

/// The small bodies of sync: an actor to bind, ids to fetch.
const SMALL_SYNC_BODY: usize = 1024 * 1024;

/// Binds this installation's Automerge actor to the site: the server takes changes by bound
/// actors only.
#[utoipa::path(post, path = "/api/v1/sync/{site}/actor", tag = "sync", params(("site" = String, Path, description = "The code of the site the token belongs to, e.g. WH1")),
    request_body(content = SyncData, content_type = "application/vnd.rma.sync+postcard", description = "A BindRequest (rma_shared::sync), postcard-encoded"),
    responses((status = 204, description = "Bound"), (status = 400, description = "The site code, the query or the sync data is malformed; nothing was stored", body = ErrorBody), (status = 401, description = "No token, or not a valid one", body = ErrorBody), (status = 403, description = "The token belongs to another site", body = ErrorBody), (status = 409, description = "The installation is bound to another site already", body = ErrorBody), (status = 413, description = "The body is larger than allowed; nothing was stored", body = ErrorBody), (status = 415, description = "The body is not sync data", body = ErrorBody), (status = 408, description = "The request took too long", body = ErrorBody), (status = 503, description = "Too many requests at once: try again after Retry-After seconds", body = ErrorBody)),
    security(("site_token" = [])))]
pub(crate) async fn bind_actor(
    State(state): State<Arc<AppState>>,
    Path(site): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<StatusCode, ApiError> {
    let site = authenticate_as(&state, &headers, &site).await?;
    let request: BindRequest = sync_body(&headers, body, SMALL_SYNC_BODY).await?;
    if request.actor.is_empty() || request.actor.len() > 64 {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_actor",
            "an installation's actor is 1 to 64 bytes",
        ));
    }
    let actor = ActorId::from(request.actor.as_slice());
    let binder = state.clone();
    blocking(move || binder.store.bind_actor(&site, &actor)).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct TreeQuery {
    /// The id prefix, in hex (empty: the whole id space).
    #[serde(default)]
    prefix: String,
}

/// The digests of one part of the id space, to find the tickets on which an agent and the
/// server differ.
#[utoipa::path(get, path = "/api/v1/sync/{site}/tree", tag = "sync", params(("site" = String, Path, description = "The code of the site the token belongs to, e.g. WH1"), TreeQuery),
    responses((status = 200, description = "A TreeNode (rma_shared::sync)", body = SyncData, content_type = "application/vnd.rma.sync+postcard"), (status = 400, description = "The site code, the query or the sync data is malformed; nothing was stored", body = ErrorBody), (status = 401, description = "No token, or not a valid one", body = ErrorBody), (status = 403, description = "The token belongs to another site", body = ErrorBody), (status = 408, description = "The request took too long", body = ErrorBody), (status = 503, description = "Too many requests at once: try again after Retry-After seconds", body = ErrorBody)),
    security(("site_token" = [])))]
pub(crate) async fn tree(
    State(state): State<Arc<AppState>>,
    Path(site): Path<String>,
    headers: HeaderMap,
    parsed: Result<Query<TreeQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let site = authenticate_as(&state, &headers, &site).await?;
    let query = query(parsed)?;
    let prefix = hex_bytes(&query.prefix)
        .filter(|p| p.len() <= 16)
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "bad_prefix",
                "prefix is up to 16 bytes in hex digits",
            )
        })?;
    let reader = state.clone();
    let node = blocking(move || reader.store.scoped_tree(&site, &prefix)).await?;
    Ok(binary(sync::encode(&node)))
}

/// Tickets by id, whole.
#[utoipa::path(post, path = "/api/v1/sync/{site}/fetch", tag = "sync", params(("site" = String, Path, description = "The code of the site the token belongs to, e.g. WH1")),
    request_body(content = SyncData, content_type = "application/vnd.rma.sync+postcard", description = "A FetchRequest (rma_shared::sync), postcard-encoded"),
    responses((status = 200, description = "A FetchResponse (rma_shared::sync)", body = SyncData, content_type = "application/vnd.rma.sync+postcard"), (status = 400, description = "The site code, the query or the sync data is malformed; nothing was stored", body = ErrorBody), (status = 401, description = "No token, or not a valid one", body = ErrorBody), (status = 403, description = "The token belongs to another site", body = ErrorBody), (status = 413, description = "The body is larger than allowed; nothing was stored", body = ErrorBody), (status = 415, description = "The body is not sync data", body = ErrorBody), (status = 408, description = "The request took too long", body = ErrorBody), (status = 503, description = "Too many requests at once: try again after Retry-After seconds", body = ErrorBody)),
    security(("site_token" = [])))]
pub(crate) async fn fetch(
    State(state): State<Arc<AppState>>,
    Path(site): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let site = authenticate_as(&state, &headers, &site).await?;
    let request: FetchRequest = sync_body(&headers, body, SMALL_SYNC_BODY).await?;
    let reader = state.clone();
    let response = blocking(move || reader.store.fetch(&site, &request.ids)).await?;
    Ok(binary(sync::encode(&response)))
}

/// Of the tickets an agent holds that the server's listing of its scope lacks, those the
/// server holds elsewhere: the agent lets them go once their changes are sent (a ticket that
/// moved away, a site no longer set to hold every ticket, an agent of before scopes).
#[utoipa::path(post, path = "/api/v1/sync/{site}/scope", tag = "sync", params(("site" = String, Path, description = "The code of the site the token belongs to, e.g. WH1")),
    request_body(content = SyncData, content_type = "application/vnd.rma.sync+postcard", description = "A ScopeRequest (rma_shared::sync), postcard-encoded"),
    responses((status = 200, description = "A ScopeResponse (rma_shared::sync)", body = SyncData, content_type = "application/vnd.rma.sync+postcard"), (status = 400, description = "The site code, the query or the sync data is malformed; nothing was stored", body = ErrorBody), (status = 401, description = "No token, or not a valid one", body = ErrorBody), (status = 403, description = "The token belongs to another site", body = ErrorBody), (status = 413, description = "The body is larger than allowed; nothing was stored", body = ErrorBody), (status = 415, description = "The body is not sync data", body = ErrorBody), (status = 408, description = "The request took too long", body = ErrorBody), (status = 503, description = "Too many requests at once: try again after Retry-After seconds", body = ErrorBody)),
    security(("site_token" = [])))]
pub(crate) async fn scope(
    State(state): State<Arc<AppState>>,
    Path(site): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let site = authenticate_as(&state, &headers, &site).await?;
    let request: sync::ScopeRequest = sync_body(&headers, body, SMALL_SYNC_BODY).await?;
    let reader = state.clone();
    let outside = blocking(move || reader.store.outside_scope(&site, &request.ids)).await?;
    Ok(binary(sync::encode(&sync::ScopeResponse { outside })))
}

/// The installation a push or pull names ([`sync::INSTALLATION_HEADER`]): hex digits, or
/// none from an agent of an earlier version.
fn installation(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(value) = headers.get(sync::INSTALLATION_HEADER) else {
        return Ok(None);
    };
    match value.to_str() {
        Ok(text)
            if !text.is_empty()
                && text.len() <= sync::MAX_INSTALLATION
                && text.bytes().all(|b| b.is_ascii_hexdigit()) =>
        {
            Ok(Some(text.to_ascii_lowercase()))
        }
        _ => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_installation",
            format!(
                "{} is the installation's actor: 1 to {} hex digits",
                sync::INSTALLATION_HEADER,
                sync::MAX_INSTALLATION
            ),
        )),
    }
}

/// Where a ticket the site does not hold is: its status and the sites that hold it (a
/// bench worker who scans a label of a ticket that went elsewhere). Nothing of the customer.
#[utoipa::path(get, path = "/api/v1/sync/{site}/lookup/{number}", tag = "sync", params(("site" = String, Path, description = "The code of the site the token belongs to, e.g. WH1"), ("number" = String, Path, description = "A ticket number, e.g. WH1-2026-00001")),
    responses((status = 200, description = "Where the ticket is", body = rma_shared::sync::Whereabouts), (status = 400, description = "The site code or the ticket number is malformed", body = ErrorBody), (status = 401, description = "No token, or not a valid one", body = ErrorBody), (status = 403, description = "The token belongs to another site", body = ErrorBody), (status = 404, description = "No such ticket", body = ErrorBody), (status = 408, description = "The request took too long", body = ErrorBody), (status = 503, description = "Too many requests at once: try again after Retry-After seconds", body = ErrorBody)),
    security(("site_token" = [])))]
pub(crate) async fn lookup(
    State(state): State<Arc<AppState>>,
    Path((site, number)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Json<rma_shared::sync::Whereabouts>, ApiError> {
    authenticate_as(&state, &headers, &site).await?;
    let number = TicketNumber::parse(&number).map_err(|err| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_ticket_number",
            err.to_string(),
        )
    })?;
    let reader = state.clone();
    let wanted = number.clone();
    match blocking(move || reader.store.whereabouts(&wanted)).await? {
        Some(found) => Ok(Json(found)),
        None => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "unknown_ticket",
            format!("there is no ticket {number}"),
        )),
    }
}

fn hex_bytes(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct PullQuery {
    /// The feed position pulled up to so far (0: from the start).
    #[serde(default)]
    cursor: u64,
    /// Tickets per page at most (the server's `pull_page` caps it).
    limit: Option<usize>,
    /// Changes the agent still has to push, for the office's view of sites.
    pending: Option<u64>,
    /// 1: the page carries the server's summary of each ticket (agents of earlier versions do
    /// not ask, and get the page without them).
    #[serde(default)]
    summaries: u8,
}

/// The next page of the feed: the tickets other sites changed since `cursor`.
#[utoipa::path(get, path = "/api/v1/sync/{site}/pull", tag = "sync", params(("site" = String, Path, description = "The code of the site the token belongs to, e.g. WH1"), PullQuery),
    responses((status = 200, description = "A PullResponse (rma_shared::sync)", body = SyncData, content_type = "application/vnd.rma.sync+postcard"), (status = 400, description = "The site code, the query or the sync data is malformed; nothing was stored", body = ErrorBody), (status = 401, description = "No token, or not a valid one", body = ErrorBody), (status = 403, description = "The token belongs to another site", body = ErrorBody), (status = 408, description = "The request took too long", body = ErrorBody), (status = 503, description = "Too many requests at once: try again after Retry-After seconds", body = ErrorBody)),
    security(("site_token" = [])))]
pub(crate) async fn pull(
    State(state): State<Arc<AppState>>,
    Path(site): Path<String>,
    headers: HeaderMap,
    parsed: Result<Query<PullQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let site = authenticate_as(&state, &headers, &site).await?;
    let query = query(parsed)?;
    let limit = query
        .limit
        .unwrap_or(state.settings.pull_page)
        .clamp(1, state.settings.pull_page);
    // The agent's own clock: the sites page shows how far each site's is off.
    let local_time = headers
        .get("rma-local-time")
        .and_then(|v| v.to_str().ok())
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&Utc));
    let told = crate::store::Told {
        pending: query.pending,
        local_time,
        installation: installation(&headers)?,
    };
    let reader = state.clone();
    let response = blocking(move || {
        reader
            .store
            .pull(&site, query.cursor, limit, &told, Utc::now())
    })
    .await?;
    Ok(binary(sync::encode_pull(response, query.summaries == 1)))
}

/// The directory of accounts (names, roles, Argon2 hashes; never passwords), for a site's
/// agent to keep: a person signs in at any bench, also offline, and a person removed here is
/// refused at every bench after its next sync. It carries an `ETag`: an agent that sends it
/// back in `If-None-Match` is answered 304 with no body while nothing changed.
#[utoipa::path(get, path = "/api/v1/sync/{site}/directory", tag = "sync", params(("site" = String, Path, description = "The code of the site the token belongs to, e.g. WH1")),
    responses((status = 200, description = "Every account", body = rma_shared::people::Directory, headers(("etag" = String, description = "The directory's version"))), (status = 304, description = "Unchanged since the version in If-None-Match"), (status = 400, description = "The site code is malformed", body = ErrorBody), (status = 401, description = "No token, or not a valid one", body = ErrorBody), (status = 403, description = "The token belongs to another site", body = ErrorBody), (status = 408, description = "The request took too long", body = ErrorBody), (status = 503, description = "Too many requests at once: try again after Retry-After seconds", body = ErrorBody)),
    security(("site_token" = [])))]
pub(crate) async fn directory(
    State(state): State<Arc<AppState>>,
    Path(site): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    authenticate_as(&state, &headers, &site).await?;
    let reader = state.clone();
    let accounts = blocking(move || Ok(reader.store.people().list())).await??;
    let body = serde_json::to_vec(&rma_shared::people::Directory { accounts })
        .expect("accounts serialise");
    let digest = <sha2::Sha256 as sha2::Digest>::digest(&body);
    let tag: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    let tag = format!("\"{tag}\"");
    let unchanged = headers
        .get(axum::http::header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == tag);
    if unchanged {
        return Ok((StatusCode::NOT_MODIFIED, [(axum::http::header::ETAG, tag)]).into_response());
    }
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "application/json".to_owned(),
            ),
            (axum::http::header::ETAG, tag),
        ],
        body,
    )
        .into_response())
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct TicketQuery {
    /// Only tickets in this status, e.g. `registered`, `in_repair`.
    status: Option<String>,
    /// Only tickets of this model.
    model: Option<String>,
    /// Only tickets with a unit in this storage area.
    area: Option<String>,
    /// Only tickets past a deadline of the regulation.
    #[serde(default)]
    overdue: bool,
    /// Tickets per page (default 50).
    limit: Option<usize>,
}

/// Tickets, newest first, with the deadlines each is past.
#[utoipa::path(get, path = "/api/v1/tickets", tag = "office", params(TicketQuery),
    responses((status = 200, description = "One page of tickets", body = TicketList), (status = 400, description = "The site code, the query or the sync data is malformed; nothing was stored", body = ErrorBody), (status = 401, description = "No session: sign in as a person", body = ErrorBody), (status = 403, description = "A site token (sync only), or an archived ticket (read in place on its office page)", body = ErrorBody), (status = 408, description = "The request took too long", body = ErrorBody), (status = 503, description = "Too many requests at once: try again after Retry-After seconds", body = ErrorBody)),
    security(("session" = []), ("session_token" = [])))]
pub(crate) async fn tickets(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    parsed: Result<Query<TicketQuery>, QueryRejection>,
) -> Result<Json<TicketList>, ApiError> {
    authenticate_person(&state, &headers).await?;
    let query = query(parsed)?;
    let bad = |code, message: String| ApiError::new(StatusCode::BAD_REQUEST, code, message);
    let status = match &query.status {
        Some(text) => Some(
            TicketStatus::parse(text)
                .ok_or_else(|| bad("bad_status", format!("{text:?} is not a ticket status")))?,
        ),
        None => None,
    };
    let area = match &query.area {
        Some(text) => Some(AreaCode::parse(text).map_err(|e| bad("bad_area", e.to_string()))?),
        None => None,
    };
    let now = Utc::now();
    let filter = ListFilter {
        status,
        model: query.model,
        area,
        overdue_at: query.overdue.then_some(now),
        limit: query.limit.unwrap_or(50),
        ..ListFilter::default()
    };
    let reader = state.clone();
    let listing = blocking(move || {
        let deadlines = &reader.settings.deadlines;
        Ok(reader.store.tickets().list(&filter, deadlines)?)
    })
    .await?;
    Ok(Json(listing.page(&state.settings.deadlines, now)))
}

/// One ticket with every record of it.
#[utoipa::path(get, path = "/api/v1/tickets/{number}", tag = "office",
    params(("number" = String, Path, description = "The ticket's number, e.g. WH1-2026-00042")),
    responses((status = 200, description = "The ticket", body = TicketView), (status = 400, description = "The site code, the query or the sync data is malformed; nothing was stored", body = ErrorBody), (status = 401, description = "No session: sign in as a person", body = ErrorBody), (status = 403, description = "A site token (sync only), or an archived ticket (read in place on its office page)", body = ErrorBody), (status = 404, description = "No such ticket", body = ErrorBody), (status = 408, description = "The request took too long", body = ErrorBody), (status = 503, description = "Too many requests at once: try again after Retry-After seconds", body = ErrorBody)),
    security(("session" = []), ("session_token" = [])))]
pub(crate) async fn ticket(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Path(number): Path<String>,
) -> Result<Json<TicketView>, ApiError> {
    let person = authenticate_person(&state, &headers).await?;
    let number = TicketNumber::parse(&number)
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "bad_number", e.to_string()))?;
    let not_found = || {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "unknown_ticket",
            format!("the server has no ticket {number}"),
        )
    };
    let reader = state.clone();
    let wanted = number.clone();
    let (_, doc) = blocking(move || Ok(reader.store.tickets().read(&wanted)?))
        .await?
        .ok_or_else(not_found)?;
    let mut view = TicketView::build(&doc, &state.settings.deadlines, Utc::now())
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "damaged", e.to_string()))?;
    if view.status == TicketStatus::Archived {
        // Regulation 8.3: an archive file is read in place, on its office page with a grant;
        // never through the API. The attempt is logged.
        let writer = state.clone();
        let subject = format!("{number} (api)");
        let _ = tokio::task::spawn_blocking(move || {
            writer.store.audit(
                &person.name,
                crate::store::audit::AuditKind::Refused,
                &subject,
                "api",
            );
        })
        .await;
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "archived",
            format!(
                "{number} is in the archive: it is read in place on its office page, with an approved access application, not through the API"
            ),
        ));
    }
    if !person.role.reads_costs() {
        view.hide_costs();
    }
    Ok(Json(view))
}

/// A site as the office sees it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SiteView {
    #[serde(flatten)]
    site: Site,
    /// Feed positions the site has not pulled yet.
    lag: u64,
}

/// Every enrolled site, with its last sync and how far behind the feed it is.
#[utoipa::path(get, path = "/api/v1/sites", tag = "office",
    responses((status = 200, description = "The sites", body = Vec<SiteView>), (status = 401, description = "No session: sign in as a person", body = ErrorBody), (status = 403, description = "A site token (sync only), or an archived ticket (read in place on its office page)", body = ErrorBody), (status = 408, description = "The request took too long", body = ErrorBody), (status = 503, description = "Too many requests at once: try again after Retry-After seconds", body = ErrorBody)),
    security(("session" = []), ("session_token" = [])))]
pub(crate) async fn sites(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
) -> Result<Json<Vec<SiteView>>, ApiError> {
    authenticate_person(&state, &headers).await?;
    let reader = state.clone();
    let (head, sites) =
        blocking(move || Ok((reader.store.feed_head()?, reader.store.sites()?))).await?;
    let views = sites
        .into_iter()
        .map(|site| SiteView {
            lag: head.saturating_sub(site.cursor),
            site,
        })
        .collect();
    Ok(Json(views))
}
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct NoticeQuery {
    /// Only the notices of this ticket, e.g. `WH1-2026-00042`.
    ticket: Option<String>,
    /// Only notices in this state: `waiting`, `sending`, `sent`, `failed`, `not_set_up`.
    state: Option<String>,
    /// At most this many, newest first (default 200, at most 1000).
    limit: Option<usize>,
}

/// Notices to customers, newest first.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct NoticeList {
    notices: Vec<crate::store::outbox::Notice>,
}

/// The notices to customers (shipping agreed, shipped, closed with the survey), by e-mail and
/// SMS, and where each stands.
#[utoipa::path(get, path = "/api/v1/notices", tag = "office", params(NoticeQuery),
    responses((status = 200, description = "The notices, newest first", body = NoticeList), (status = 400, description = "The site code, the query or the sync data is malformed; nothing was stored", body = ErrorBody), (status = 401, description = "No session: sign in as a person", body = ErrorBody), (status = 403, description = "A site token (sync only), or an archived ticket (read in place on its office page)", body = ErrorBody), (status = 408, description = "The request took too long", body = ErrorBody), (status = 503, description = "Too many requests at once: try again after Retry-After seconds", body = ErrorBody)),
    security(("session" = []), ("session_token" = [])))]
pub(crate) async fn notices(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    parsed: Result<Query<NoticeQuery>, QueryRejection>,
) -> Result<Json<NoticeList>, ApiError> {
    authenticate_person(&state, &headers).await?;
    let query = query(parsed)?;
    let bad = |code, message: String| ApiError::new(StatusCode::BAD_REQUEST, code, message);
    let ticket = match &query.ticket {
        Some(text) => {
            Some(TicketNumber::parse(text).map_err(|e| bad("bad_number", e.to_string()))?)
        }
        None => None,
    };
    let wanted = match query.state {
        Some(text) if crate::web::outbox::STATES.contains(&text.as_str()) => Some(text),
        Some(text) => {
            return Err(bad(
                "bad_state",
                format!(
                    "{text:?} is not a notice's state: waiting, sending, sent, failed or not_set_up"
                ),
            ));
        }
        None => None,
    };
    let limit = query.limit.unwrap_or(200).min(1000);
    let reader = state.clone();
    let notices = blocking(move || {
        let keeps = |n: &crate::store::outbox::Notice| {
            wanted
                .as_deref()
                .is_none_or(|s| crate::web::outbox::state_name(&n.state) == s)
        };
        Ok(match ticket {
            Some(number) => {
                let mut all = reader.store.notices_of(&number)?;
                all.retain(keeps);
                all.reverse();
                all.truncate(limit);
                all
            }
            None => reader.store.recent_notices(limit, keeps)?,
        })
    })
    .await?;
    Ok(Json(NoticeList { notices }))
}

/// Sync data: the postcard bytes of a type of `rma_shared::sync`.
#[derive(Debug)]
pub struct SyncData;

impl utoipa::PartialSchema for SyncData {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)))
            .description(Some(
                "postcard-encoded sync data (rma_shared::sync), at most the server's max_body_bytes",
            ))
            .into()
    }
}

impl utoipa::ToSchema for SyncData {}

#[cfg(test)]
#[path = "api_tests.rs"]
mod tests;
