//! Sends the outbox's notices to customers (see [`crate::store::outbox`]): e-mail through the
//! SMTP server of `[mail]`, SMS through the HTTP gateway of `[sms]`, in the customer's
//! language, each with the link to their status page. A notice whose channel is not set up
//! is marked so (the outbox page shows what it would have said); one that fails is tried
//! again later, each wait twice the last, until `[notices] max_attempts`.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use lettre::Transport as _;
use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use rma_shared::i18n::{Lang, Localized};
use rma_shared::tr;
use thiserror::Error;

use crate::settings::{MailSettings, NoticeSettings, Settings, SmsSettings};
use crate::state::AppState;
use crate::store::outbox::{About, Channel, Notice, Sent};
use crate::store::{ServerStore, ServerStoreError};

/// How long a server may take over one notice before another takes it again.
const LEASE_SECS: i64 = 5 * 60;
/// How long one SMTP session or gateway request may take.
const SEND_TIMEOUT: Duration = Duration::from_secs(30);
/// Notices taken at once.
const BATCH: usize = 16;
/// How often the outbox is looked at when no push rang (another server on the database may
/// have filled it).
const IDLE: Duration = Duration::from_secs(30);
/// The longest wait between two attempts.
const LONGEST_WAIT_SECS: u64 = 6 * 60 * 60;

/// `[mail]` or `[sms]` cannot be used as written.
#[derive(Debug, Error)]
pub enum NoticeSetupError {
    SmtpUrl { url: String, reason: String },
    From { from: String },
    SmsUrl { url: String },
}

impl Localized for NoticeSetupError {
    fn message(&self, lang: Lang) -> String {
        match self {
            Self::SmtpUrl { url, reason } => tr!(
                lang,
                "notice-setup-smtp",
                url = url.as_str(),
                reason = reason.as_str()
            ),
            Self::From { from } => tr!(lang, "notice-setup-from", from = from.as_str()),
            Self::SmsUrl { url } => tr!(lang, "notice-setup-sms", url = url.as_str()),
        }
    }
}
rma_shared::english_display!(NoticeSetupError);

/// What a notice says, in its customer's language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text {
    pub subject: String,
    /// The e-mail's body.
    pub body: String,
    /// The SMS, as the template would read (the provider keeps the template itself).
    pub short: String,
}

/// The link a notice gives: the status page (with the survey, for the closing notice).
pub fn link(base: &str, token: &str, about: &About) -> String {
    let base = base.trim_end_matches('/');
    match about {
        About::Closed => format!("{base}/s/{token}#survey"),
        _ => format!("{base}/s/{token}"),
    }
}

/// The words of `notice` in `lang`, with `link`.
pub fn compose(notice: &Notice, lang: Lang, link: &str) -> Text {
    let number = notice.ticket.to_string();
    let (subject, said) = match &notice.about {
        About::ShippingAgreed { method, date } => (
            tr!(
                lang,
                "notice-subject-shipping-agreed",
                number = number.as_str()
            ),
            tr!(
                lang,
                "notice-shipping-agreed",
                number = number.as_str(),
                date = date.to_string(),
                method = method.as_str()
            ),
        ),
        About::Shipped { carrier, tracking } => (
            tr!(lang, "notice-subject-shipped", number = number.as_str()),
            tr!(
                lang,
                "notice-shipped",
                number = number.as_str(),
                carrier = carrier.as_str(),
                tracking = tracking.as_str()
            ),
        ),
        About::Closed => (
            tr!(lang, "notice-subject-closed", number = number.as_str()),
            tr!(lang, "notice-closed", number = number.as_str()),
        ),
    };
    let follow = match notice.about {
        About::Closed => tr!(lang, "notice-survey-link", link = link),
        _ => tr!(lang, "notice-follow-link", link = link),
    };
    Text {
        body: format!("{said}\n\n{follow}\n\n{}\n", tr!(lang, "notice-footer")),
        short: format!("{said} {follow}"),
        subject,
    }
}

/// The values of an SMS template's parameters.
pub fn template_params(notice: &Notice, link: &str) -> serde_json::Value {
    let number = notice.ticket.to_string();
    match &notice.about {
        About::ShippingAgreed { method, date } => serde_json::json!({
            "number": number, "method": method, "date": date.to_string(), "link": link,
        }),
        About::Shipped { carrier, tracking } => serde_json::json!({
            "number": number, "carrier": carrier, "tracking": tracking, "link": link,
        }),
        About::Closed => serde_json::json!({ "number": number, "link": link }),
    }
}

/// The server's mail and SMS, checked once at start.
#[derive(Debug)]
pub struct Sender {
    mail: Option<Mail>,
    sms: Option<Sms>,
    retry: NoticeSettings,
    /// Where customers reach this server: the links start with it.
    base: String,
    /// Which server this is, on the outbox page.
    me: String,
    /// The customers' language when their ticket names none.
    lang: Lang,
}

struct Mail {
    transport: lettre::SmtpTransport,
    from: Mailbox,
    /// The right-hand side of the Message-IDs.
    domain: String,
}

impl std::fmt::Debug for Mail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mail").field("from", &self.from).finish()
    }
}

#[derive(Debug)]
struct Sms {
    settings: SmsSettings,
    client: reqwest::blocking::Client,
}

impl Sender {
    /// The sender `settings` describe, for the server at `url` (the links' start when
    /// `public_url` is not set).
    pub fn new(settings: &Settings, url: &str) -> Result<Self, NoticeSetupError> {
        let mail = settings.mail.as_ref().map(Mail::new).transpose()?;
        let sms = settings.sms.as_ref().map(Sms::new).transpose()?;
        let base = settings
            .public_url
            .clone()
            .unwrap_or_else(|| url.to_owned());
        if settings.public_url.is_none() && (mail.is_some() || sms.is_some()) {
            tracing::warn!(
                %base,
                "public_url is not set: the links in notices to customers start with this server's own address"
            );
        }
        Ok(Self {
            mail,
            sms,
            retry: settings.notices.clone(),
            base,
            me: format!("{url} (pid {})", std::process::id()),
            lang: settings.language,
        })
    }

    /// Sends notices as they come due, until the task is dropped.
    pub async fn run(self: Arc<Self>, state: Arc<AppState>) {
        let bell = state.store.outbox_bell();
        loop {
            let (sender, store) = (self.clone(), state.clone());
            let next = tokio::task::spawn_blocking(move || sender.send_due(&store.store)).await;
            let wait = match next {
                Ok(Ok(Some(due))) => (due - Utc::now()).to_std().unwrap_or_default().min(IDLE),
                Ok(Ok(None)) => IDLE,
                Ok(Err(err)) => {
                    tracing::error!(error = %err, "the outbox could not be read; trying again shortly");
                    IDLE
                }
                Err(err) => {
                    tracing::error!(error = %err, "sending notices failed");
                    IDLE
                }
            };
            if wait.is_zero() {
                continue;
            }
            tokio::select! {
                () = bell.notified() => {}
                () = tokio::time::sleep(wait) => {}
            }
        }
    }

    /// Sends the notices due now; returns when the next one is due.
    pub fn send_due(&self, store: &ServerStore) -> Result<Option<DateTime<Utc>>, ServerStoreError> {
        let now = Utc::now();
        // A look first, outside the store's one writer: most wakings find nothing due.
        let next = store.next_notice_due()?;
        if next.is_none_or(|due| due > now) {
            return Ok(next);
        }
        let lease = chrono::Duration::seconds(LEASE_SECS);
        for notice in store.take_notices(&self.me, now, lease, BATCH)? {
            let sent = self.deliver(store, &notice);
            self.log(&notice, &sent);
            store.finish_notice(&notice, &self.me, sent, Utc::now())?;
        }
        store.next_notice_due()
    }

    fn log(&self, notice: &Notice, sent: &Sent) {
        let (ticket, channel, about) =
            (&notice.ticket, notice.channel.as_str(), notice.about.name());
        match sent {
            Sent::Taken => tracing::info!(%ticket, channel, about, "notice sent to the customer"),
            Sent::Again { error, due } => {
                tracing::warn!(%ticket, channel, about, %error, %due, "a notice was not sent; it is tried again later")
            }
            Sent::GaveUp { error } => {
                tracing::warn!(%ticket, channel, about, %error, "a notice could not be sent and was given up")
            }
            Sent::NotSetUp => {
                tracing::info!(%ticket, channel, about, "a notice was not sent: its channel is not set up (the outbox shows what it would say)")
            }
        }
    }

    /// Sends one notice.
    fn deliver(&self, store: &ServerStore, notice: &Notice) -> Sent {
        let set_up = match notice.channel {
            Channel::Email => self.mail.is_some(),
            Channel::Sms => self
                .sms
                .as_ref()
                .is_some_and(|sms| sms.template(&notice.about).is_some()),
        };
        if !set_up {
            return Sent::NotSetUp;
        }
        let token = match store.status_token(&notice.ticket) {
            Ok(token) => token,
            Err(err) => return self.again(notice, format!("no status link: {err}")),
        };
        let link = link(&self.base, &token, &notice.about);
        let lang = notice.lang.unwrap_or(self.lang);
        let tried = match (notice.channel, &self.mail, &self.sms) {
            (Channel::Email, Some(mail), _) => mail.send(notice, &compose(notice, lang, &link)),
            (Channel::Sms, _, Some(sms)) => sms.send(notice, &link),
            _ => return Sent::NotSetUp,
        };
        match tried {
            Ok(()) => Sent::Taken,
            Err(Failure::ForGood(error)) => Sent::GaveUp { error },
            Err(Failure::ForNow(error)) => self.again(notice, error),
        }
    }

    /// A failure for now: tried again after a wait that doubles with each attempt, or given
    /// up after the last.
    fn again(&self, notice: &Notice, error: String) -> Sent {
        if notice.attempts >= self.retry.max_attempts {
            return Sent::GaveUp { error };
        }
        let doubling = 1u64 << notice.attempts.saturating_sub(1).min(20);
        let secs = self
            .retry
            .retry_first_secs
            .max(1)
            .saturating_mul(doubling)
            .min(LONGEST_WAIT_SECS);
        let due = Utc::now() + chrono::Duration::seconds(i64::try_from(secs).unwrap_or(60));
        Sent::Again { error, due }
    }
}

/// Why a send failed.
enum Failure {
    /// Try again later (the server is down, busy, the line dropped).
    ForNow(String),
    /// It will never go (a refused address, a refused template).
    ForGood(String),
}

impl Mail {
    fn new(settings: &MailSettings) -> Result<Self, NoticeSetupError> {
        let mut builder = lettre::SmtpTransport::from_url(&settings.smtp).map_err(|err| {
            NoticeSetupError::SmtpUrl {
                url: settings.smtp.clone(),
                reason: err.to_string(),
            }
        })?;
        if let Some(username) = &settings.username {
            builder = builder.credentials(Credentials::new(
                username.clone(),
                settings.password.clone().unwrap_or_default(),
            ));
        }
        let from: Mailbox = settings.from.parse().map_err(|_| NoticeSetupError::From {
            from: settings.from.clone(),
        })?;
        Ok(Self {
            transport: builder.timeout(Some(SEND_TIMEOUT)).build(),
            domain: from.email.domain().to_owned(),
            from,
        })
    }

    fn send(&self, notice: &Notice, text: &Text) -> Result<(), Failure> {
        let to: Mailbox = notice
            .to
            .parse()
            .map_err(|_| Failure::ForGood(format!("“{}” is not an e-mail address", notice.to)))?;
        let message = lettre::Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(&text.subject)
            .message_id(Some(format!("<{}@{}>", notice.id(), self.domain)))
            .header(ContentType::TEXT_PLAIN)
            .body(text.body.clone())
            .map_err(|err| Failure::ForGood(err.to_string()))?;
        match self.transport.send(&message) {
            Ok(_) => Ok(()),
            Err(err) if err.is_permanent() => Err(Failure::ForGood(err.to_string())),
            Err(err) => Err(Failure::ForNow(err.to_string())),
        }
    }
}

impl Sms {
    fn new(settings: &SmsSettings) -> Result<Self, NoticeSetupError> {
        let bad = || NoticeSetupError::SmsUrl {
            url: settings.url.clone(),
        };
        let url = reqwest::Url::parse(&settings.url).map_err(|_| bad())?;
        if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
            return Err(bad());
        }
        let client = crate::transport::http_client()
            .timeout(SEND_TIMEOUT)
            .build()
            .map_err(|_| bad())?;
        Ok(Self {
            settings: settings.clone(),
            client,
        })
    }

    fn template(&self, about: &About) -> Option<&String> {
        let templates = &self.settings.templates;
        match about {
            About::ShippingAgreed { .. } => templates.shipping_agreed.as_ref(),
            About::Shipped { .. } => templates.shipped.as_ref(),
            About::Closed => templates.closed.as_ref(),
        }
    }

    /// Posts the message in the shape of the SMS services used in China (Aliyun's field
    /// names): the numbers, the approved signature, the template and its parameters (a JSON
    /// text), and an id of ours the provider reports back with.
    fn send(&self, notice: &Notice, link: &str) -> Result<(), Failure> {
        let template = self
            .template(&notice.about)
            .ok_or_else(|| Failure::ForGood("no SMS template".to_owned()))?;
        let body = serde_json::json!({
            "PhoneNumbers": notice.to.replace([' ', '-'], ""),
            "SignName": self.settings.sign_name,
            "TemplateCode": template,
            "TemplateParam": template_params(notice, link).to_string(),
            "OutId": notice.id(),
        });
        let mut request = self.client.post(&self.settings.url).json(&body);
        if let Some(token) = &self.settings.token {
            request = request.bearer_auth(token);
        }
        let answer = request
            .send()
            .map_err(|err| Failure::ForNow(format!("the SMS gateway did not answer: {err}")))?;
        let status = answer.status();
        let said: serde_json::Value = answer.json().unwrap_or_default();
        let code = said.get("Code").and_then(serde_json::Value::as_str);
        let reason = || {
            let message = said
                .get("Message")
                .and_then(serde_json::Value::as_str)
                .unwrap_or_default();
            format!(
                "the SMS gateway answered {status} {} {message}",
                code.unwrap_or_default()
            )
            .trim()
            .to_owned()
        };
        if status.is_success() && code.is_none_or(|code| code == "OK") {
            return Ok(());
        }
        if status.is_client_error()
            && status != reqwest::StatusCode::REQUEST_TIMEOUT
            && status != reqwest::StatusCode::TOO_MANY_REQUESTS
        {
            return Err(Failure::ForGood(reason()));
        }
        Err(Failure::ForNow(reason()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::outbox::NoticeState;

    fn notice(about: About) -> Notice {
        Notice {
            ticket: rma_shared::TicketNumber::parse("WH1-2026-00007").unwrap(),
            event: "e1".into(),
            channel: Channel::Email,
            about,
            to: "li.wei@acme.cn".into(),
            lang: None,
            made: Utc::now(),
            state: NoticeState::Waiting { due: Utc::now() },
            attempts: 0,
            error: None,
        }
    }

    #[test]
    fn a_notice_says_the_step_and_the_link_in_the_customers_language() {
        let shipped = notice(About::Shipped {
            carrier: "SF Express".into(),
            tracking: "SF123".into(),
        });
        let en = compose(&shipped, Lang::En, "https://rma.example/s/abc");
        assert!(en.subject.contains("WH1-2026-00007"), "{en:?}");
        for part in ["SF Express", "SF123", "https://rma.example/s/abc"] {
            assert!(en.body.contains(part) && en.short.contains(part), "{en:?}");
        }
        let zh = compose(&shipped, Lang::ZhCn, "https://rma.example/s/abc");
        assert!(zh.body.contains("运单号"), "{zh:?}");
        let closed = notice(About::Closed);
        assert_eq!(
            link("https://rma.example/", "abc", &closed.about),
            "https://rma.example/s/abc#survey"
        );
        let params = template_params(&shipped, "L");
        assert_eq!(params["tracking"], "SF123");
        assert_eq!(params["link"], "L");
    }

    #[test]
    fn waits_double_and_end_in_giving_up() {
        let settings = Settings {
            notices: NoticeSettings {
                retry_first_secs: 10,
                max_attempts: 3,
            },
            ..Settings::default()
        };
        let sender = Sender::new(&settings, "http://127.0.0.1:1").unwrap();
        let mut tried = notice(About::Closed);
        let mut waits = Vec::new();
        for attempts in 1..=3 {
            tried.attempts = attempts;
            match sender.again(&tried, "down".into()) {
                Sent::Again { due, .. } => waits.push((due - Utc::now()).num_seconds()),
                Sent::GaveUp { .. } => waits.push(-1),
                other => panic!("{other:?}"),
            }
        }
        assert!(
            (9..=10).contains(&waits[0]) && (19..=20).contains(&waits[1]),
            "{waits:?}"
        );
        assert_eq!(waits[2], -1);
    }

    #[test]
    fn settings_that_cannot_work_are_refused_at_start_with_the_reason() {
        let mail = |smtp: &str, from: &str| Settings {
            mail: Some(MailSettings {
                smtp: smtp.into(),
                from: from.into(),
                username: None,
                password: None,
            }),
            ..Settings::default()
        };
        let err = Sender::new(&mail("smtp.acme.cn", "a@acme.cn"), "http://x").unwrap_err();
        assert!(err.to_string().contains("smtp.acme.cn"), "{err}");
        let err = Sender::new(&mail("smtp://127.0.0.1:25", "nobody"), "http://x").unwrap_err();
        assert!(err.to_string().contains("nobody"), "{err}");
        assert!(
            Sender::new(
                &mail("smtp://127.0.0.1:25", "Service <s@acme.cn>"),
                "http://x"
            )
            .is_ok()
        );
    }
}
