//! `rma-agent serve`: the long-running agent of a PC. It holds the store (sled lets one
//! process open it), answers this PC's commands over loopback ([`crate::local`]), syncs in the
//! background, and serves the bench page.
//!
//! A serve is started by a person (or the system's service), or left behind by a command that
//! had to open the store, so the next commands skip opening it; that one stops after a while
//! without requests. A serve stops when asked (`rma-agent stop`, or a person's serve taking
//! over from one a command left), and when its data folder is removed.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Utc;
use thiserror::Error;
use tokio::net::TcpListener;

use crate::desk::Desk;
use crate::holder::Holder;
use crate::local::{Envelope, HANDLE_FILE, Handle, Reply, Request, StartedBy};
use crate::store::{Store, StoreError};
use crate::sync_client;

#[derive(Debug, Error)]
pub enum ServeError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot write {path}")]
    Handle {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the local server stopped")]
    Io(#[from] std::io::Error),
}

/// How a serve is to run.
#[derive(Debug)]
pub struct Options {
    /// The data folder.
    pub data: PathBuf,
    /// A settings file instead of the data folder's.
    pub config: Option<PathBuf>,
    pub started_by: StartedBy,
    /// Stop after this long without a request (a serve left by a command).
    pub idle: Option<Duration>,
}

/// A started agent server: the store is open and `agent.json` announces it.
#[derive(Debug)]
pub struct Server {
    listener: TcpListener,
    /// The bench page's listener, if it is served.
    web: Option<TcpListener>,
    handle: Handle,
    holder: Arc<Holder>,
    idle: Option<Duration>,
}

impl Server {
    /// Opens the store in `data` and announces the server; commands go through it from now.
    pub fn start(listener: TcpListener, data: PathBuf) -> Result<Self, ServeError> {
        let store = Store::open(&data)?;
        let options = Options {
            data,
            config: None,
            started_by: StartedBy::Person,
            idle: None,
        };
        Self::start_on(store, listener, None, options)
    }

    /// Announces the server of `store`, also serving the bench page on `web`.
    pub fn start_on(
        store: Store,
        listener: TcpListener,
        web: Option<TcpListener>,
        options: Options,
    ) -> Result<Self, ServeError> {
        let address = listener.local_addr()?;
        // 256 random bits.
        let token = format!("{}{}", uuid_hex(), uuid_hex());
        let handle = Handle {
            url: format!("http://{address}"),
            token,
            pid: std::process::id(),
            web: match &web {
                Some(web) => Some(format!("http://{}", web.local_addr()?)),
                None => None,
            },
            started_by: options.started_by,
            since: Some(Utc::now()),
        };
        write_handle(&options.data, &handle)?;
        tracing::info!(url = %handle.url, site = %store.site(), "agent serving");
        let desk = Desk::new(store, &options.data, options.config.as_deref());
        Ok(Self {
            listener,
            web,
            handle,
            holder: Arc::new(Holder::new(desk)),
            idle: options.idle,
        })
    }

    pub fn handle(&self) -> &Handle {
        &self.handle
    }

    pub fn site(&self) -> &rma_shared::SiteCode {
        self.holder.desk.store().site()
    }

    /// Answers until `shutdown` completes, or it is asked to stop, or its data folder is
    /// gone, or (a serve left by a command) no request came for a while; then withdraws the
    /// announcement. Meanwhile it syncs with the server in the background, if enrolled.
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), ServeError> {
        let data = self.holder.desk.data().to_owned();
        let syncing = tokio::spawn(background_sync(self.holder.clone()));
        let moving_files = tokio::spawn(background_files(self.holder.clone()));
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let page = self.web.map(|listener| {
            let app = crate::bench::router(self.holder.clone());
            let mut stopped = stopped.clone();
            tokio::spawn(async move {
                let served = axum::serve(
                    listener,
                    app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
                )
                .with_graceful_shutdown(async move {
                    let _ = stopped.wait_for(|stop| *stop).await;
                })
                .await;
                if let Err(err) = served {
                    tracing::error!(error = %err, "the bench page stopped");
                }
            })
        });
        let app = Router::new()
            .route("/local/v1/health", get(health))
            .route("/local/v2/ask", post(ask))
            .layer(DefaultBodyLimit::max(256 * 1024))
            .with_state((self.holder.clone(), self.handle.token.clone()));
        let holder = self.holder.clone();
        let idle = self.idle;
        let folder = data.clone();
        let result = axum::serve(self.listener, app)
            .with_graceful_shutdown(async move {
                tokio::select! {
                    () = shutdown => {}
                    () = holder.stop.notified() => {
                        tracing::info!("asked to stop: serve stops");
                    }
                    () = gone(&folder) => {
                        tracing::info!(data = %folder.display(), "the data folder is gone: serve stops");
                    }
                    () = idle_for(&holder, idle) => {}
                }
            })
            .await;
        let _ = stop.send(true);
        if let Some(page) = page {
            let _ = page.await;
        }
        syncing.abort();
        moving_files.abort();
        // Only its own announcement: a serve that took over meanwhile wrote its own.
        if Handle::read(&data).is_some_and(|h| h.pid == std::process::id()) {
            let _ = std::fs::remove_file(data.join(HANDLE_FILE));
        }
        Ok(result?)
    }
}

/// Completes once `data`'s store is gone (the folder removed, say): a serve holding it open
/// would keep its files alive and answer for a folder nobody sees any more.
async fn gone(data: &Path) {
    let store = data.join("store");
    loop {
        tokio::time::sleep(Duration::from_secs(2)).await;
        if !store.exists() {
            return;
        }
    }
}

/// Completes once no request has come for `limit` (never without one).
async fn idle_for(holder: &Holder, limit: Option<Duration>) {
    let Some(limit) = limit else {
        return std::future::pending().await;
    };
    loop {
        let since = holder.idle_for();
        if since >= limit {
            tracing::info!(idle = ?since, "no request for a while: serve stops");
            return;
        }
        tokio::time::sleep(limit - since).await;
    }
}

/// Syncs every `sync_interval_secs`; while the server cannot be reached, waits twice as long
/// each time (up to ten minutes), and goes back to the interval once a sync succeeds.
async fn background_sync(holder: Arc<Holder>) {
    let settings = holder.desk.settings().unwrap_or_default();
    let interval = Duration::from_secs(settings.sync_interval_secs.into());
    let mut wait = Duration::ZERO;
    loop {
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            () = holder.sync.now.notified() => {}
        }
        let worker = holder.clone();
        let batch = settings.push_batch as usize;
        let round = tokio::task::spawn_blocking(move || {
            let _turn = worker.turn();
            let store = worker.desk.store();
            match store.server() {
                Ok(Some(_)) => sync_client::sync_once(store, batch, &mut |_| {}).map(Some),
                Ok(None) => Ok(None),
                Err(err) => Err(err.into()),
            }
        })
        .await;
        let lang = settings.language.unwrap_or_default();
        holder.synced(match &round {
            Ok(Ok(_)) => None,
            Ok(Err(err)) => Some(crate::desk::say(err, lang)),
            Err(err) => Some(err.to_string()),
        });
        wait = match round {
            Ok(Ok(Some(report))) => {
                tracing::info!(
                    pushed = report.pushed,
                    pulled = report.pulled,
                    "background sync"
                );
                holder.sync.files.notify_one();
                interval
            }
            Ok(Ok(None)) => interval,
            Ok(Err(err)) if err.retry_helps() => {
                let next = (wait * 2).clamp(interval, Duration::from_secs(600));
                tracing::warn!(error = %err, retry_in = ?next, "background sync failed");
                next
            }
            Ok(Err(err)) => {
                tracing::warn!(error = %err, "background sync failed; trying again later");
                interval * 10
            }
            Err(err) => {
                tracing::error!(error = %err, "background sync stopped unexpectedly");
                interval * 10
            }
        };
    }
}

/// Sends and fetches files after each round of tickets, on its own: a long upload holds up
/// neither the tickets' sync nor the people's commands (it does not take their turn).
async fn background_files(holder: Arc<Holder>) {
    loop {
        holder.sync.files.notified().await;
        let worker = holder.clone();
        let moved =
            tokio::task::spawn_blocking(move || sync_client::sync_files(worker.desk.store())).await;
        match moved {
            Ok(Ok(report)) if report != sync_client::FilesReport::default() => {
                tracing::info!(
                    sent = report.sent,
                    fetched = report.fetched,
                    dropped = report.dropped,
                    "files moved"
                );
            }
            Ok(Ok(_)) => {}
            Ok(Err(err)) => tracing::info!(error = %err, "files wait for the next round"),
            Err(err) => tracing::error!(error = %err, "moving files stopped unexpectedly"),
        }
    }
}

fn uuid_hex() -> String {
    rma_shared::TicketId::random().to_string()
}

fn write_handle(data: &Path, handle: &Handle) -> Result<(), ServeError> {
    let path = data.join(HANDLE_FILE);
    rma_store::files::write_private_json(&path, handle)
        .map_err(|source| ServeError::Handle { path, source })
}

type Shared = (Arc<Holder>, String);

async fn health(State((holder, _)): State<Shared>) -> Json<serde_json::Value> {
    Json(serde_json::json!({ "site": holder.desk.store().site() }))
}

/// A command's request: answered on the open store in the asker's name and language.
async fn ask(
    State((holder, token)): State<Shared>,
    headers: HeaderMap,
    Json(envelope): Json<Envelope>,
) -> Result<Json<Reply>, (StatusCode, String)> {
    let expected = format!("Bearer {token}");
    let authorised = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == expected);
    if !authorised {
        return Err((
            StatusCode::UNAUTHORIZED,
            "this agent only answers commands from its own PC (wrong or missing token)".into(),
        ));
    }
    if let Request::Stop(_) = envelope.request {
        holder.stop.notify_one();
        return Ok(Json(Reply::Answer(serde_json::Value::Null)));
    }
    let reply = tokio::task::spawn_blocking(move || {
        let _turn = holder.turn();
        let Envelope {
            asker,
            settings,
            request,
        } = envelope;
        let desk = match settings {
            Some(settings) => holder.desk.with_settings(settings),
            None => holder.desk.clone(),
        };
        request.reply(&desk, &asker, |err, lang| crate::desk::say(err, lang))
    })
    .await
    .map_err(|err| (StatusCode::INTERNAL_SERVER_ERROR, err.to_string()))?;
    Ok(Json(reply))
}
