//! The agent's HTTP clients. https trusts the system's roots plus the company's own certificate
//! authority, if the agent was enrolled with one (`--ca-cert`); a certificate problem is told
//! as one, with what to do, never as "cannot reach the server".

use std::sync::Once;
use std::time::Duration;

use reqwest::blocking::{Client, ClientBuilder};

/// A client builder; every HTTP client of the agent starts here (TLS needs its cryptography
/// chosen once per process: ring).
pub fn builder() -> ClientBuilder {
    static PROVIDER: Once = Once::new();
    PROVIDER.call_once(|| {
        // Fails only if another provider was installed first, which then serves as well.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
    Client::builder()
}

/// A client builder for this PC's own `rma-agent serve`: plain http on loopback, so it loads
/// no certificate roots (reading the system's roots costs a command a few milliseconds) and
/// takes no proxy.
pub fn local_builder() -> ClientBuilder {
    builder()
        .no_proxy()
        .https_only(false)
        .tls_certs_only(Vec::new())
}

/// Why a company CA file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum CaError {
    Read {
        path: String,
        source: std::io::Error,
    },
    Empty {
        path: String,
    },
}

impl rma_shared::i18n::Localized for CaError {
    fn message(&self, lang: rma_shared::i18n::Lang) -> String {
        use rma_shared::tr;
        match self {
            Self::Read { path, source } => tr!(
                lang,
                "ca-unreadable",
                path = path.as_str(),
                reason = source.to_string()
            ),
            Self::Empty { path } => tr!(lang, "ca-empty", path = path.as_str()),
        }
    }
}
rma_shared::english_display!(CaError);

/// Reads a company CA file (PEM, one or more certificates) and returns its text.
pub fn read_ca(path: &std::path::Path) -> Result<String, CaError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| CaError::Read {
        path: shown.clone(),
        source,
    })?;
    match reqwest::Certificate::from_pem_bundle(text.as_bytes()) {
        Ok(certs) if !certs.is_empty() => Ok(text),
        _ => Err(CaError::Empty { path: shown }),
    }
}

/// A client for the server: https trusts the system's roots and `ca` (PEM text).
pub fn client(ca: Option<&str>, timeout: Duration) -> Client {
    // Built once a process for each company CA and timeout: loading the system's certificate
    // roots costs a few milliseconds, and a serve syncs every few minutes. Clones share the
    // client's connections.
    type Built = std::collections::HashMap<(Option<String>, Duration), Client>;
    static BUILT: std::sync::OnceLock<std::sync::Mutex<Built>> = std::sync::OnceLock::new();
    let mut built = BUILT
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    built
        .entry((ca.map(str::to_owned), timeout))
        .or_insert_with(|| build_client(ca, timeout))
        .clone()
}

fn build_client(ca: Option<&str>, timeout: Duration) -> Client {
    let mut builder = builder()
        .connect_timeout(Duration::from_secs(5))
        .timeout(timeout);
    // The text was checked when it was saved; a certificate that no longer parses is left
    // out, and the server's certificate is then reported as untrusted.
    for cert in ca
        .and_then(|pem| reqwest::Certificate::from_pem_bundle(pem.as_bytes()).ok())
        .unwrap_or_default()
    {
        builder = builder.add_root_certificate(cert);
    }
    builder
        .build()
        .expect("an HTTP client with these TLS settings builds")
}

/// What is wrong with the server's certificate (or with speaking https to it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CertProblem {
    /// Signed by an authority this PC does not trust (the company's own CA, say).
    UnknownIssuer,
    /// Made for another name than the address used.
    WrongName,
    /// Expired, or not valid yet (or this PC's clock is wrong).
    Expired,
    /// Nothing at that address speaks TLS (an http server, or the wrong port).
    NotTls,
    /// The server presents a CA certificate as its own (a self-signed one made with
    /// `openssl req -x509`, typically).
    CaAsServer,
    /// Any other refusal, as rustls words it.
    Other(String),
}

impl rma_shared::i18n::Localized for CertProblem {
    fn message(&self, lang: rma_shared::i18n::Lang) -> String {
        use rma_shared::tr;
        match self {
            Self::UnknownIssuer => tr!(lang, "cert-unknown-issuer"),
            Self::WrongName => tr!(lang, "cert-wrong-name"),
            Self::Expired => tr!(lang, "cert-expired"),
            Self::CaAsServer => tr!(lang, "cert-ca-as-server"),
            Self::NotTls => tr!(lang, "cert-not-tls"),
            Self::Other(reason) => tr!(lang, "cert-other", reason = reason.as_str()),
        }
    }
}

rma_shared::english_display!(CertProblem);

/// The certificate problem behind a failed request, if that is what it was.
pub fn cert_problem(err: &reqwest::Error) -> Option<CertProblem> {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(error) = cause {
        if let Some(tls) = error.downcast_ref::<rustls::Error>() {
            return Some(classify(tls));
        }
        // An I/O error's `source` skips the error it wraps: step into it instead.
        cause = match error.downcast_ref::<std::io::Error>() {
            Some(io) => io.get_ref().map(|inner| inner as _),
            None => error.source(),
        };
    }
    None
}

fn classify(error: &rustls::Error) -> CertProblem {
    use rustls::CertificateError as Cert;
    match error {
        rustls::Error::InvalidCertificate(cert) => match cert {
            Cert::UnknownIssuer | Cert::BadSignature | Cert::InvalidPurpose => {
                CertProblem::UnknownIssuer
            }
            Cert::NotValidForName | Cert::NotValidForNameContext { .. } => CertProblem::WrongName,
            Cert::Expired
            | Cert::ExpiredContext { .. }
            | Cert::NotValidYet
            | Cert::NotValidYetContext { .. } => CertProblem::Expired,
            other if format!("{other:?}").contains("CaUsedAsEndEntity") => CertProblem::CaAsServer,
            other => CertProblem::Other(format!("{other:?}")),
        },
        rustls::Error::InvalidMessage(_) | rustls::Error::InappropriateMessage { .. } => {
            CertProblem::NotTls
        }
        other => CertProblem::Other(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_problem_says_what_to_do() {
        let unknown = classify(&rustls::Error::InvalidCertificate(
            rustls::CertificateError::UnknownIssuer,
        ));
        assert_eq!(unknown, CertProblem::UnknownIssuer);
        assert!(unknown.to_string().contains("--ca-cert"));
        let expired = classify(&rustls::Error::InvalidCertificate(
            rustls::CertificateError::Expired,
        ));
        assert!(expired.to_string().contains("date and time"));
        let name = classify(&rustls::Error::InvalidCertificate(
            rustls::CertificateError::NotValidForName,
        ));
        assert!(name.to_string().contains("another name"));
    }

    #[test]
    fn a_ca_file_must_hold_a_certificate() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("ca.pem");
        std::fs::write(&file, "not a certificate").unwrap();
        let err = read_ca(&file).unwrap_err().to_string();
        assert!(
            err.contains("ca.pem") && err.contains("BEGIN CERTIFICATE"),
            "{err}"
        );
        let err = read_ca(&dir.path().join("missing.pem"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("missing.pem"), "{err}");
    }
}
