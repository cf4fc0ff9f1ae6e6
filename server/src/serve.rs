//! `rma-server serve`: opens the store, announces itself in `server.json` (for the
//! `rma-server site ...` commands on this machine) and answers until shut down.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tokio::net::TcpListener;
use tokio::sync::Mutex;

use crate::api::{AppState, router};
use crate::settings::Settings;
use crate::store::{ServerStore, ServerStoreError};

/// The file, in the data folder, that tells `rma-server` commands where serve listens.
pub const HANDLE_FILE: &str = "server.json";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Handle {
    pub url: String,
    pub admin_token: String,
}

#[derive(Debug)]
pub struct Server {
    listener: TcpListener,
    state: Arc<AppState>,
    data: PathBuf,
    url: String,
}

impl Server {
    pub fn start(listener: TcpListener, data: PathBuf, settings: Settings) -> anyhow::Result<Self> {
        rma_store::files::create_private_dir(&data).map_err(|source| ServerStoreError::Io {
            path: data.clone(),
            source,
        })?;
        let store = ServerStore::open_at(&settings.location(&data))?;
        let url = format!("http://{}", listener.local_addr()?);
        let admin_token = format!(
            "{}{}",
            rma_shared::TicketId::random(),
            rma_shared::TicketId::random()
        );
        write_handle(
            &data,
            &Handle {
                url: url.clone(),
                admin_token: admin_token.clone(),
            },
        )?;
        let state = Arc::new(AppState {
            store,
            settings,
            admin_token,
            admin_lock: Mutex::new(()),
            logins: Default::default(),
        });
        Ok(Self {
            listener,
            state,
            data,
            url,
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
        // Every request knows the address it came from: the admin endpoint answers loopback only.
        let app = router(self.state).into_make_service_with_connect_info::<std::net::SocketAddr>();
        let result = axum::serve(self.listener, app)
            .with_graceful_shutdown(shutdown)
            .await;
        let _ = std::fs::remove_file(self.data.join(HANDLE_FILE));
        Ok(result?)
    }
}

fn write_handle(data: &Path, handle: &Handle) -> Result<(), ServerStoreError> {
    let path = data.join(HANDLE_FILE);
    rma_store::files::write_private_json(&path, handle)
        .map_err(|source| ServerStoreError::Io { path, source })
}
