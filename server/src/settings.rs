//! The server's settings: defaults, then a TOML file (`--config`, else `server.toml` in the
//! data folder), then environment variables. `Default` is the one place defaults are written.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rma_shared::DeadlineSettings;
use rma_store::files::{SettingsError, load_file};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Where `serve` listens.
    pub listen: SocketAddr,
    /// The regulation's deadlines, for the overdue filter of the API.
    pub deadlines: DeadlineSettings,
    /// The largest request body accepted.
    pub max_body_bytes: usize,
    /// Feed positions per pull answer.
    pub pull_page: usize,
    /// A site that has not synced for this long is flagged on the sites page.
    pub sync_overdue_minutes: u32,
    /// How far a site's clock may be off the server's: beyond it the sites page flags the
    /// site, and a step dated this far after its arrival counts at its arrival.
    pub clock_tolerance_minutes: u32,
    /// Mark the login cookie `Secure` (set it when the pages are served over HTTPS behind a
    /// reverse proxy; with `[tls]` it always is).
    pub secure_cookies: bool,
    /// Where the store is: the data folder (sled, the default) or a PostgreSQL database.
    pub database: DatabaseSettings,
    /// The pages' language for a person who chose none and whose browser asks for none this
    /// server speaks: "en" or "zh-CN".
    pub language: rma_shared::i18n::Lang,
    /// The company's time zone, e.g. "Asia/Shanghai" (default: this machine's): times on the
    /// pages, analysis months and the days of deadlines count in it.
    pub time_zone: Option<String>,
    /// The company's calendar file: public holidays and make-up working days (default:
    /// `calendar.toml` in the data folder, if there is one).
    pub calendar: Option<PathBuf>,
    /// The address customers reach this server at, e.g. "https://rma.example.com": their
    /// status links start with it (default: the address the office's browser used).
    pub public_url: Option<String>,
    /// `[tls]`: serve HTTPS with this certificate and key.
    pub tls: TlsSettings,
    /// `[limits]`: time and number limits of connections and requests.
    pub limits: LimitSettings,
    /// `[mail]`: where notices to customers are sent by e-mail (none: no e-mail is sent).
    pub mail: Option<MailSettings>,
    /// `[sms]`: the SMS gateway notices to customers go through (none: no SMS is sent).
    pub sms: Option<SmsSettings>,
    /// `[notices]`: how notices are retried.
    pub notices: NoticeSettings,
    /// `[files]`: how large a photo or document may be, and all of a ticket's together.
    pub files: rma_shared::files::FileLimits,
}

/// `[mail]`: the SMTP server that takes the notices to customers.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailSettings {
    /// `smtp://HOST:PORT` (plain), `smtp://HOST:PORT?tls=required` (STARTTLS) or
    /// `smtps://HOST:PORT` (TLS from the start).
    pub smtp: String,
    /// The sender, e.g. `"Acme Service <service@acme.example>"`.
    pub from: String,
    /// The login at the SMTP server, when it asks for one.
    #[serde(default)]
    pub username: Option<String>,
    /// Its password (or set `RMA_SERVER_SMTP_PASSWORD`).
    #[serde(default)]
    pub password: Option<String>,
}

impl std::fmt::Debug for MailSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailSettings")
            .field("smtp", &self.smtp)
            .field("from", &self.from)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "…"))
            .finish()
    }
}

/// `[sms]`: an HTTP gateway in the shape of the SMS services used in China: a signed
/// template the provider approved, its id, and the values of its parameters.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmsSettings {
    /// Where each message is posted (JSON), e.g. the company's relay to its provider.
    pub url: String,
    /// Sent as `Authorization: Bearer TOKEN`, when set.
    #[serde(default)]
    pub token: Option<String>,
    /// The approved signature the messages go out under, e.g. "某某科技".
    pub sign_name: String,
    /// The provider's template id for each kind of notice; a kind without one is not sent
    /// by SMS.
    #[serde(default)]
    pub templates: SmsTemplates,
}

impl std::fmt::Debug for SmsSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmsSettings")
            .field("url", &self.url)
            .field("token", &self.token.as_ref().map(|_| "…"))
            .field("sign_name", &self.sign_name)
            .field("templates", &self.templates)
            .finish()
    }
}

/// `[sms.templates]`: the provider's template ids.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SmsTemplates {
    /// Parameters: `number`, `method`, `date`, `link`.
    pub shipping_agreed: Option<String>,
    /// Parameters: `number`, `carrier`, `tracking`, `link`.
    pub shipped: Option<String>,
    /// Parameters: `number`, `link` (the survey).
    pub closed: Option<String>,
}

/// `[notices]`: how a notice that failed is tried again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NoticeSettings {
    /// Seconds before the first retry; each next wait doubles, up to six hours.
    pub retry_first_secs: u64,
    /// Attempts before a notice is given up (shown as failed on the outbox page).
    pub max_attempts: u32,
}

impl Default for NoticeSettings {
    fn default() -> Self {
        Self {
            retry_first_secs: 60,
            max_attempts: 8,
        }
    }
}

/// `[tls]`: the server's certificate chain and private key, PEM files.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TlsSettings {
    pub cert: Option<PathBuf>,
    pub key: Option<PathBuf>,
}

/// `[limits]`: how long a client may take and how many are served at once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LimitSettings {
    /// Seconds to finish a TLS handshake.
    pub handshake_secs: u64,
    /// Seconds to send a request's headers.
    pub header_read_secs: u64,
    /// Seconds to send a request's body and get the answer (a push of several megabytes on a
    /// slow line needs a while).
    pub request_secs: u64,
    /// Connections open at once; more wait to be accepted.
    pub max_connections: usize,
    /// Requests handled at once; more are answered 503 (try again).
    pub max_requests: usize,
}

impl Default for LimitSettings {
    fn default() -> Self {
        Self {
            handshake_secs: 10,
            header_read_secs: 10,
            request_secs: 120,
            max_connections: 1024,
            max_requests: 256,
        }
    }
}

impl LimitSettings {
    pub fn limits(&self) -> crate::transport::Limits {
        let secs = |n: u64| Duration::from_secs(n.max(1));
        crate::transport::Limits {
            handshake: secs(self.handshake_secs),
            header_read: secs(self.header_read_secs),
            request: secs(self.request_secs),
            max_connections: self.max_connections,
            max_requests: self.max_requests,
        }
    }
}

/// `[database]`: a PostgreSQL database instead of the data folder's sled store.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseSettings {
    /// `postgres://USER:PASSWORD@HOST:PORT/DB`; none: the data folder.
    pub url: Option<String>,
}

impl std::fmt::Debug for DatabaseSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DatabaseSettings")
            .field("url", &self.url.as_deref().map(crate::pg::hide_password))
            .finish()
    }
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            deadlines: DeadlineSettings::default(),
            max_body_bytes: rma_shared::sync::MAX_BODY_BYTES,
            pull_page: 2_000,
            sync_overdue_minutes: 24 * 60,
            clock_tolerance_minutes: 5,
            secure_cookies: false,
            database: DatabaseSettings::default(),
            language: rma_shared::i18n::Lang::En,
            time_zone: None,
            calendar: None,
            public_url: None,
            tls: TlsSettings::default(),
            limits: LimitSettings::default(),
            mail: None,
            sms: None,
            notices: NoticeSettings::default(),
            files: rma_shared::files::FileLimits::default(),
        }
    }
}

impl Settings {
    /// Where the store is: the database if one is set, else the data folder.
    pub fn location(&self, data: &Path) -> crate::store::Location {
        match &self.database.url {
            Some(url) => crate::store::Location::Database(url.clone()),
            None => crate::store::Location::Folder(data.to_owned()),
        }
    }

    /// The TLS acceptor, if `[tls]` names a certificate and key.
    pub fn tls(&self) -> Result<Option<tokio_rustls::TlsAcceptor>, crate::transport::TlsError> {
        match (&self.tls.cert, &self.tls.key) {
            (None, None) => Ok(None),
            (Some(cert), Some(key)) => crate::transport::acceptor(cert, key).map(Some),
            _ => Err(crate::transport::TlsError::Half),
        }
    }

    /// The company's calendar these settings name.
    pub fn company_calendar(
        &self,
        data: &Path,
    ) -> Result<rma_shared::calendar::Calendar, rma_shared::calendar::CalendarError> {
        rma_store::files::company_calendar(
            self.time_zone.as_deref(),
            self.calendar.as_deref(),
            data,
        )
    }

    /// Whether the login cookie is marked `Secure`.
    pub fn cookies_secure(&self) -> bool {
        self.secure_cookies || self.tls.cert.is_some()
    }

    pub fn load(data: &Path, file: Option<&Path>) -> Result<Self, SettingsError> {
        let mut settings: Settings = load_file(data, "server.toml", file)?;
        if let Ok(value) = std::env::var("RMA_SERVER_LISTEN") {
            settings.listen = value.trim().parse().map_err(|_| SettingsError::Env {
                name: "RMA_SERVER_LISTEN",
                value,
                expected: "an address and port, e.g. 127.0.0.1:8080",
            })?;
        }
        if let Ok(value) = std::env::var("RMA_SERVER_DATABASE") {
            settings.database.url = Some(value.trim().to_owned()).filter(|url| !url.is_empty());
        }
        if let Ok(value) = std::env::var("RMA_SERVER_SMTP_PASSWORD")
            && let Some(mail) = settings.mail.as_mut()
        {
            mail.password = Some(value);
        }
        if let Ok(value) = std::env::var("RMA_SERVER_MAX_BODY_BYTES") {
            settings.max_body_bytes = value.trim().parse().map_err(|_| SettingsError::Env {
                name: "RMA_SERVER_MAX_BODY_BYTES",
                value,
                expected: "a number of bytes, e.g. 16777216",
            })?;
        }
        Ok(settings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_overrides_defaults_and_mistakes_are_named() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("server.toml"),
            "pull_page = 10\n[deadlines]\nforward_hours = 2\n",
        )
        .unwrap();
        let settings = Settings::load(dir.path(), None).unwrap();
        assert_eq!(settings.pull_page, 10);
        assert_eq!(settings.deadlines.forward_hours, 2);
        assert_eq!(settings.listen, Settings::default().listen);
        std::fs::write(dir.path().join("server.toml"), "pul_page = 10\n").unwrap();
        let err = Settings::load(dir.path(), None).unwrap_err().to_string();
        assert!(
            err.contains("server.toml") && err.contains("pul_page"),
            "{err}"
        );
    }
}
