//! `rma-agent serve`: the long-running agent of a PC. It holds the store (sled lets one
//! process open it) and answers the command line over loopback, so a command costs a request
//! instead of opening the store; background sync will live here too.
//!
//! While it runs, `agent.json` in the data folder says where it listens and the secret a
//! command must show. Commands find it there ([`crate::remote`]) and fall back to opening the
//! store themselves when it is gone, so every command works the same either way.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use thiserror::Error;
use tokio::net::TcpListener;

use std::time::Duration;

use crate::cli::Context;
use crate::settings::Settings;
use crate::store::{Store, StoreError};
use crate::sync_client;

/// The file, in the data folder, that tells commands where `serve` listens.
pub const HANDLE_FILE: &str = "agent.json";

/// What `agent.json` holds.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Handle {
    pub url: String,
    pub token: String,
    pub pid: u32,
    /// Where the bench page is served, if it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub web: Option<String>,
}

/// A command line to run, with what the asking process resolved from its own environment.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunRequest {
    /// The arguments after the program name.
    pub args: Vec<String>,
    pub user: String,
    pub config: Option<PathBuf>,
    /// The asker's `RMA_AGENT_*` variables, which override settings.
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// The asker's working folder, against which relative file names are read.
    #[serde(default)]
    pub cwd: Option<PathBuf>,
    /// What the asker read from its standard input for the command (a new password).
    #[serde(default)]
    pub input: Option<String>,
}

/// What the command printed, or why it failed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunResponse {
    pub stdout: String,
    pub error: Option<String>,
    /// The exit code the command would have had.
    pub code: i32,
}

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

#[derive(Debug)]
pub(crate) struct Agent {
    pub(crate) data: PathBuf,
    pub(crate) store: Store,
    token: String,
    /// Commands run one at a time, as they would from one terminal.
    pub(crate) running: Mutex<()>,
    /// How background sync is doing, and the "sync now" button.
    pub(crate) sync: SyncState,
    /// When the last command came (a serve started by a command stops when idle).
    last_command: Mutex<std::time::Instant>,
}

/// The background sync as the bench page shows it.
#[derive(Debug, Default)]
pub(crate) struct SyncState {
    /// Wakes the background sync at once.
    pub(crate) now: tokio::sync::Notify,
    /// The last round: when, and why it failed if it did.
    pub(crate) last: Mutex<Option<(chrono::DateTime<chrono::Utc>, Option<String>)>>,
}

/// A started agent server: the store is open and `agent.json` announces it.
#[derive(Debug)]
pub struct Server {
    listener: TcpListener,
    /// The bench page's listener, if it is served.
    web: Option<TcpListener>,
    handle: Handle,
    agent: Arc<Agent>,
}

impl Server {
    /// Opens the store in `data` and announces the server; commands go through it from now.
    pub fn start(listener: TcpListener, data: PathBuf) -> Result<Self, ServeError> {
        Self::start_with_page(listener, None, data)
    }

    /// As [`Server::start`], also serving the bench page on `web`.
    pub fn start_with_page(
        listener: TcpListener,
        web: Option<TcpListener>,
        data: PathBuf,
    ) -> Result<Self, ServeError> {
        let store = Store::open(&data)?;
        let address = listener.local_addr()?;
        // 256 random bits.
        let token = format!("{}{}", uuid_hex(), uuid_hex());
        let handle = Handle {
            url: format!("http://{address}"),
            token: token.clone(),
            pid: std::process::id(),
            web: match &web {
                Some(web) => Some(format!("http://{}", web.local_addr()?)),
                None => None,
            },
        };
        write_handle(&data, &handle)?;
        tracing::info!(url = %handle.url, site = %store.site(), "agent serving");
        let agent = Arc::new(Agent {
            data,
            store,
            token,
            running: Mutex::new(()),
            sync: SyncState::default(),
            last_command: Mutex::new(std::time::Instant::now()),
        });
        Ok(Self {
            listener,
            web,
            handle,
            agent,
        })
    }

    pub fn handle(&self) -> &Handle {
        &self.handle
    }

    pub fn site(&self) -> &rma_shared::SiteCode {
        self.agent.store.site()
    }

    /// Completes once no command has come for `limit` (a serve a command started in the
    /// background ends so).
    pub fn idle(&self, limit: std::time::Duration) -> impl Future<Output = ()> + Send + 'static {
        let agent = self.agent.clone();
        async move {
            loop {
                let since = agent
                    .last_command
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .elapsed();
                if since >= limit {
                    tracing::info!(idle = ?since, "no command for a while: serve stops");
                    return;
                }
                tokio::time::sleep(limit - since).await;
            }
        }
    }

    /// Answers until `shutdown` completes, then withdraws the announcement. Meanwhile it
    /// syncs with the server in the background, if the agent is enrolled.
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), ServeError> {
        let data = self.agent.data.clone();
        let syncing = tokio::spawn(background_sync(self.agent.clone()));
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let page = self.web.map(|listener| {
            let app = crate::bench::router(self.agent.clone());
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
            .route("/local/v1/run", post(run))
            .layer(DefaultBodyLimit::max(256 * 1024))
            .with_state(self.agent);
        let result = axum::serve(self.listener, app)
            .with_graceful_shutdown(shutdown)
            .await;
        let _ = stop.send(true);
        if let Some(page) = page {
            let _ = page.await;
        }
        syncing.abort();
        let _ = std::fs::remove_file(data.join(HANDLE_FILE));
        Ok(result?)
    }
}

/// Syncs every `sync_interval_secs`; while the server cannot be reached, waits twice as long
/// each time (up to ten minutes), and goes back to the interval once a sync succeeds.
async fn background_sync(agent: Arc<Agent>) {
    let settings = Settings::load(&agent.data, None).unwrap_or_default();
    let interval = Duration::from_secs(settings.sync_interval_secs.into());
    let mut wait = Duration::ZERO;
    loop {
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            () = agent.sync.now.notified() => {}
        }
        let worker = agent.clone();
        let batch = settings.push_batch as usize;
        let round = tokio::task::spawn_blocking(move || {
            let _one_at_a_time = worker.running.lock().unwrap_or_else(|p| p.into_inner());
            match worker.store.server() {
                Ok(Some(_)) => sync_client::sync_once(&worker.store, batch, &mut |_| {}).map(Some),
                Ok(None) => Ok(None),
                Err(err) => Err(err.into()),
            }
        })
        .await;
        let failure = match &round {
            Ok(Ok(_)) => None,
            Ok(Err(err)) => Some(format!("{err:#}")),
            Err(err) => Some(err.to_string()),
        };
        *agent.sync.last.lock().unwrap_or_else(|p| p.into_inner()) =
            Some((chrono::Utc::now(), failure));
        wait = match round {
            Ok(Ok(Some(report))) => {
                tracing::info!(
                    pushed = report.pushed,
                    pulled = report.pulled,
                    "background sync"
                );
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

fn uuid_hex() -> String {
    rma_shared::TicketId::random().to_string()
}

fn write_handle(data: &Path, handle: &Handle) -> Result<(), ServeError> {
    let path = data.join(HANDLE_FILE);
    rma_store::files::write_private_json(&path, handle)
        .map_err(|source| ServeError::Handle { path, source })
}

async fn health(State(agent): State<Arc<Agent>>) -> Json<serde_json::Value> {
    Json(serde_json::json!({ "site": agent.store.site() }))
}

async fn run(
    State(agent): State<Arc<Agent>>,
    headers: HeaderMap,
    Json(request): Json<RunRequest>,
) -> Result<Json<RunResponse>, (StatusCode, String)> {
    let expected = format!("Bearer {}", agent.token);
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
    let response = tokio::task::spawn_blocking(move || {
        let _one_at_a_time = agent.running.lock().unwrap_or_else(|p| p.into_inner());
        let answer = Context::run_forwarded(&agent.data, agent.store.clone(), request);
        *agent.last_command.lock().unwrap_or_else(|p| p.into_inner()) = std::time::Instant::now();
        answer
    })
    .await
    .map_err(|err| (StatusCode::INTERNAL_SERVER_ERROR, err.to_string()))?;
    Ok(Json(response))
}
