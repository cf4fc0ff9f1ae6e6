//! How requests reach the server: the listeners, plain or TLS (rustls), and the limits every
//! connection and request meets.
//!
//! - A connection has [`Limits::handshake`] to finish its TLS handshake and
//!   [`Limits::header_read`] to send each request's headers; at most
//!   [`Limits::max_connections`] are open at once (the next waits to be accepted).
//! - A request has [`Limits::request`] to be answered (408 after) and at most
//!   [`Limits::max_requests`] are handled at once (503 with Retry-After beyond).
//! - Shutting down stops accepting, lets requests in flight finish, then closes.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use rma_shared::i18n::{Lang, Localized};
use rma_shared::tr;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use thiserror::Error;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;

/// The limits of connections and requests (`[limits]` in server.toml).
#[derive(Debug, Clone)]
pub struct Limits {
    pub handshake: Duration,
    pub header_read: Duration,
    pub request: Duration,
    pub max_connections: usize,
    pub max_requests: usize,
}

/// Why the TLS certificate or key cannot be used.
#[derive(Debug, Error)]
pub enum TlsError {
    Read {
        path: PathBuf,
        source: io::Error,
    },
    NoCertificate {
        path: PathBuf,
    },
    NoKey {
        path: PathBuf,
    },
    Mismatch {
        cert: PathBuf,
        key: PathBuf,
        reason: rustls::Error,
    },
    Half,
}

impl Localized for TlsError {
    fn message(&self, lang: Lang) -> String {
        match self {
            Self::Read { path, source } => tr!(
                lang,
                "tls-read",
                path = path.display().to_string(),
                reason = source.to_string()
            ),
            Self::NoCertificate { path } => {
                tr!(
                    lang,
                    "tls-no-certificate",
                    path = path.display().to_string()
                )
            }
            Self::NoKey { path } => tr!(lang, "tls-no-key", path = path.display().to_string()),
            Self::Mismatch { cert, key, reason } => tr!(
                lang,
                "tls-mismatch",
                cert = cert.display().to_string(),
                key = key.display().to_string(),
                reason = reason.to_string()
            ),
            Self::Half => tr!(lang, "tls-half"),
        }
    }
}
rma_shared::english_display!(TlsError);

/// A client builder for the server's own requests (the `rma-server` commands asking a running
/// serve): TLS needs its cryptography chosen once per process (ring).
pub fn http_client() -> reqwest::blocking::ClientBuilder {
    static PROVIDER: std::sync::Once = std::sync::Once::new();
    PROVIDER.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
    reqwest::blocking::Client::builder()
}

/// Reads a PEM certificate chain and its key into an acceptor that speaks HTTP/1.1 over TLS.
pub fn acceptor(cert: &Path, key: &Path) -> Result<TlsAcceptor, TlsError> {
    let read = |path: &Path| {
        std::fs::read(path).map_err(|source| TlsError::Read {
            path: path.to_owned(),
            source,
        })
    };
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&read(cert)?)
        .filter_map(Result::ok)
        .collect();
    if chain.is_empty() {
        return Err(TlsError::NoCertificate {
            path: cert.to_owned(),
        });
    }
    let private = PrivateKeyDer::from_pem_slice(&read(key)?).map_err(|_| TlsError::NoKey {
        path: key.to_owned(),
    })?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .and_then(|builder| {
            builder
                .with_no_client_auth()
                .with_single_cert(chain, private)
        })
        .map_err(|reason| TlsError::Mismatch {
            cert: cert.to_owned(),
            key: key.to_owned(),
            reason,
        })?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}

/// Answers connections on `listener` with `app` until `shutdown` turns true, then lets the
/// requests in flight finish (for at most a minute).
pub async fn serve(
    listener: TcpListener,
    app: Router,
    tls: Option<TlsAcceptor>,
    limits: Limits,
    mut shutdown: watch::Receiver<bool>,
) {
    let graceful = GracefulShutdown::new();
    let open = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let stopping = async move {
        let _ = shutdown.wait_for(|stop| *stop).await;
    };
    tokio::pin!(stopping);
    loop {
        let permit = tokio::select! {
            permit = open.clone().acquire_owned() => permit.expect("the semaphore is never closed"),
            () = &mut stopping => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    // Out of file descriptors, typically: wait for connections to close.
                    tracing::warn!(error = %err, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut stopping => break,
        };
        let app = app.clone();
        let limits = limits.clone();
        let watcher = graceful.watcher();
        match tls.clone() {
            None => {
                tokio::spawn(async move {
                    one_connection(stream, peer, app, &limits, watcher).await;
                    drop(permit);
                });
            }
            Some(acceptor) => {
                tokio::spawn(async move {
                    match tokio::time::timeout(limits.handshake, acceptor.accept(stream)).await {
                        Ok(Ok(stream)) => {
                            one_connection(stream, peer, app, &limits, watcher).await;
                        }
                        Ok(Err(err)) => {
                            tracing::debug!(%peer, error = %err, "TLS handshake failed")
                        }
                        Err(_) => tracing::debug!(%peer, "TLS handshake too slow"),
                    }
                    drop(permit);
                });
            }
        }
    }
    drop(listener);
    if tokio::time::timeout(Duration::from_secs(60), graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("requests still running after a minute; closing anyway");
    }
}

async fn one_connection<S>(
    stream: S,
    peer: SocketAddr,
    app: Router,
    limits: &Limits,
    watcher: hyper_util::server::graceful::Watcher,
) where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let service = hyper::service::service_fn(move |mut request: Request<hyper::body::Incoming>| {
        // Every request knows the address it came from (the sign-in limits count by it).
        request.extensions_mut().insert(ConnectInfo(peer));
        app.clone().oneshot(request)
    });
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_read);
    let connection = http.serve_connection(TokioIo::new(stream), service);
    if let Err(err) = watcher.watch(connection).await {
        tracing::debug!(%peer, error = %err, "connection ended with an error");
    }
}

/// What [`limit_requests`] holds: the request time limit and the free request slots.
#[derive(Debug, Clone)]
pub struct RequestLimits {
    timeout: Duration,
    slots: Arc<Semaphore>,
}

impl RequestLimits {
    pub fn new(limits: &Limits) -> Self {
        Self {
            timeout: limits.request,
            slots: Arc::new(Semaphore::new(limits.max_requests.max(1))),
        }
    }
}

/// Middleware: refuses a request beyond the cap (503, try again in a second) and answers 408
/// when one takes longer than the limit. Work already handed to the store finishes anyway.
pub async fn limit_requests(
    State(limits): State<RequestLimits>,
    request: Request,
    next: Next,
) -> Response {
    let Ok(_slot) = limits.slots.clone().try_acquire_owned() else {
        let mut answer = refusal(
            StatusCode::SERVICE_UNAVAILABLE,
            "busy",
            "the server is busy; try again in a moment",
        );
        answer
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        return answer;
    };
    match tokio::time::timeout(limits.timeout, next.run(request)).await {
        Ok(answer) => answer,
        Err(_) => refusal(
            StatusCode::REQUEST_TIMEOUT,
            "timeout",
            "the request took too long (a very slow connection?); try again",
        ),
    }
}

fn refusal(status: StatusCode, code: &str, message: &str) -> Response {
    crate::error::ErrorBody::answer(status, code, message)
}

/// A shutdown signal several listeners can wait for.
pub fn shutdown_when(signal: impl Future<Output = ()> + Send + 'static) -> watch::Receiver<bool> {
    let (tx, rx) = watch::channel(false);
    tokio::spawn(async move {
        signal.await;
        let _ = tx.send(true);
    });
    rx
}
