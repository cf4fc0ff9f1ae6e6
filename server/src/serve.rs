//! `rma-server serve`: opens the store, announces itself in `server.json` (for the
//! `rma-server site ...` commands on this machine) and answers until shut down.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tokio::net::TcpListener;
use tokio::sync::Mutex;
use tokio_rustls::TlsAcceptor;

use crate::app::{admin_router, router};
use crate::settings::Settings;
use crate::state::AppState;
use crate::store::{ServerStore, ServerStoreError};
use crate::transport;

/// The file, in the data folder, that tells `rma-server` commands where serve listens.
pub const HANDLE_FILE: &str = "server.json";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Handle {
    /// The admin endpoint, on loopback.
    pub url: String,
    pub admin_token: String,
    /// Where the office and the sites reach this server.
    #[serde(default)]
    pub public: Option<String>,
}

pub struct Server {
    listener: TcpListener,
    /// `rma-server` commands on this machine reach the admin endpoint here: plain HTTP on
    /// loopback, whatever the public listener speaks.
    admin: std::net::TcpListener,
    tls: Option<TlsAcceptor>,
    state: Arc<AppState>,
    data: PathBuf,
    url: String,
    /// Sends the notices to customers.
    notices: Arc<crate::notices::Sender>,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("url", &self.url)
            .field("data", &self.data)
            .finish_non_exhaustive()
    }
}

impl Server {
    pub fn start(listener: TcpListener, data: PathBuf, settings: Settings) -> anyhow::Result<Self> {
        let tls = settings.tls()?;
        rma_store::files::create_private_dir(&data).map_err(|source| ServerStoreError::Io {
            path: data.clone(),
            source,
        })?;
        let mut store = ServerStore::open_at(&settings.location(&data))?;
        store.set_clock_tolerance(chrono::Duration::minutes(
            settings.clock_tolerance_minutes.into(),
        ));
        let scheme = if tls.is_some() { "https" } else { "http" };
        let url = format!("{scheme}://{}", listener.local_addr()?);
        let notices = Arc::new(crate::notices::Sender::new(&settings, &url)?);
        let admin = std::net::TcpListener::bind((std::net::Ipv4Addr::LOCALHOST, 0))?;
        admin.set_nonblocking(true)?;
        let admin_token = format!(
            "{}{}",
            rma_shared::TicketId::random(),
            rma_shared::TicketId::random()
        );
        write_handle(
            &data,
            &Handle {
                url: format!("http://{}", admin.local_addr()?),
                admin_token: admin_token.clone(),
                public: Some(url.clone()),
            },
        )?;
        let state = Arc::new(AppState {
            store,
            settings,
            admin_token,
            admin_lock: Mutex::new(()),
            logins: Default::default(),
            status_limits: Default::default(),
            uploads: Default::default(),
        });
        Ok(Self {
            listener,
            admin,
            tls,
            state,
            data,
            url,
            notices,
        })
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        tracing::info!(url = %self.url, "server listening");
        let limits = self.state.settings.limits.limits();
        let app = router(self.state.clone()).layer(axum::middleware::from_fn_with_state(
            transport::RequestLimits::new(&limits),
            transport::limit_requests,
        ));
        let admin = TcpListener::from_std(self.admin)?;
        let stop = transport::shutdown_when(shutdown);
        let sender = tokio::spawn(self.notices.run(self.state.clone()));
        tokio::join!(
            transport::serve(self.listener, app, self.tls, limits.clone(), stop.clone()),
            transport::serve(admin, admin_router(self.state), None, limits, stop),
        );
        sender.abort();
        let _ = std::fs::remove_file(self.data.join(HANDLE_FILE));
        Ok(())
    }
}

fn write_handle(data: &Path, handle: &Handle) -> Result<(), ServerStoreError> {
    let path = data.join(HANDLE_FILE);
    rma_store::files::write_private_json(&path, handle)
        .map_err(|source| ServerStoreError::Io { path, source })
}
