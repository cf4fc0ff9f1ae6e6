//! The central office's web pages, served by `rma-server` itself (no CDN: plants run on
//! closed LANs): login, the board of every site's tickets, a ticket's whole record, the
//! monthly analysis, the cost ledger and the sites. Every page but the login page needs a
//! session; pages are rendered from the summary and office indexes on each request, so a
//! sync shows on the next load.
//!
//! - [`auth`]: login, logout, the session extractor.
//! - [`board`], [`ticket`], [`analysis`], [`costs`], [`sites`], [`archive`], [`audit`]: one
//!   module a page (or a few);
//!   [`audit::trail`] writes the audit log's entries for downloads, refusals and archive reads.
//! - [`chart`]: bar charts as SVG, drawn here; [`csv`]: downloads Excel opens; [`xlsx`]: Excel
//!   workbooks, typed.

pub mod analysis;
pub mod archive;
pub mod audit;
pub mod auth;
pub mod board;
pub mod chart;
pub mod costs;
pub mod csv;
pub mod files;
pub mod outbox;
pub mod sites;
pub mod status;
pub mod ticket;
pub mod xlsx;

use std::sync::Arc;

use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use maud::{DOCTYPE, Markup, html};

use rma_shared::i18n::Lang;
use rma_shared::tr;

use crate::state::AppState;
use crate::users::User;

pub fn router(state: Arc<AppState>) -> Router<Arc<AppState>> {
    let pages = Router::new()
        .route("/", get(board::show))
        .route("/login", get(auth::login_page).post(auth::log_in))
        .route("/logout", post(auth::log_out))
        .route("/language", post(auth::choose_language))
        .route("/tickets/{number}", get(ticket::show))
        .route("/tickets/{number}/files/{sha256}", get(files::file))
        .route(
            "/tickets/{number}/status-link",
            post(ticket::replace_status_link),
        )
        .route("/s/{token}", get(status::show))
        .route("/s/{token}/survey", post(status::answer_survey))
        .route("/c/{*code}", get(ticket::scanned))
        .route("/analysis", get(analysis::show))
        .route("/analysis.csv", get(analysis::download))
        .route("/analysis.xlsx", get(analysis::workbook))
        .route("/costs", get(costs::show))
        .route("/costs.csv", get(costs::download))
        .route("/costs.xlsx", get(costs::workbook))
        .route("/costs/audit", post(costs::audit_line))
        .route("/sites", get(sites::show))
        .route("/archive", get(archive::search))
        .route("/archive.xlsx", get(archive::workbook))
        .route("/archive/apply", post(archive::apply))
        .route("/archive/applications", get(archive::applications))
        .route("/archive/applications/{id}", post(archive::decide))
        .route("/archive/disposal", get(archive::disposal))
        .route("/archive/dispose", post(archive::dispose))
        .route("/outbox", get(outbox::show))
        .route("/audit", get(audit::show))
        .route("/audit.csv", get(audit::download))
        .route("/static/style.css", get(style))
        .route("/static/board.js", get(board_script));
    pages
        .layer(axum::middleware::from_fn_with_state(state, audit::trail))
        .layer(axum::middleware::from_fn(same_site_forms))
        .layer(axum::middleware::map_response(protect))
}

/// What every page says to the browser: scripts, styles and images from this server only,
/// and what every set of pages says ([`rma_shared::web::SECURITY_HEADERS`]: no framing, no
/// referrer beyond this site, no sniffing; no copy kept of a page with customer data).
async fn protect(mut response: Response) -> Response {
    let headers = response.headers_mut();
    let set = |headers: &mut axum::http::HeaderMap, name, value: &'static str| {
        headers.insert(name, axum::http::HeaderValue::from_static(value));
    };
    set(
        headers,
        header::CONTENT_SECURITY_POLICY,
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    );
    for (name, value) in rma_shared::web::SECURITY_HEADERS {
        set(headers, axum::http::HeaderName::from_static(name), value);
    }
    if !headers.contains_key(header::CACHE_CONTROL) {
        set(headers, header::CACHE_CONTROL, rma_shared::web::NO_STORE);
    }
    response
}

/// Refuses a form sent to this server from another site's page: a browser says where a
/// request comes from (`Sec-Fetch-Site`, else `Origin`), and a session cookie must not let
/// another site log a person out or in.
async fn same_site_forms(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    if request.method() == axum::http::Method::POST && crosses_sites(request.headers()) {
        tracing::info!(path = %request.uri().path(), "a form from another site refused");
        let lang = browser_lang(request.headers()).unwrap_or_default();
        return (StatusCode::FORBIDDEN, tr!(lang, "cross-site")).into_response();
    }
    next.run(request).await
}

/// Where customers reach this server: `public_url`, else the address the office's browser
/// used.
pub fn public_base(state: &AppState, headers: &axum::http::HeaderMap) -> String {
    if let Some(url) = &state.settings.public_url {
        return url.trim_end_matches('/').to_owned();
    }
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("localhost");
    let scheme = if state.settings.cookies_secure() {
        "https"
    } else {
        "http"
    };
    format!("{scheme}://{host}")
}

/// The language the browser asks for (`Accept-Language`), if this server speaks it.
pub fn browser_lang(headers: &axum::http::HeaderMap) -> Option<Lang> {
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(Lang::from_accept_language)
}

/// Whether a request's headers say it was sent from another site's page.
fn crosses_sites(headers: &axum::http::HeaderMap) -> bool {
    let text = |name| headers.get(name).and_then(|v| v.to_str().ok());
    rma_shared::web::cross_site(
        text(axum::http::HeaderName::from_static("sec-fetch-site")),
        text(header::ORIGIN),
        text(header::HOST),
    )
}

/// A page with the office's header, navigation and language switch.
pub fn page(title: &str, user: &User, lang: Lang, active: &str, body: Markup) -> Html<String> {
    let mut nav = vec![
        ("/", "nav-board"),
        ("/analysis", "nav-analysis"),
        ("/costs", "nav-costs"),
        ("/sites", "nav-sites"),
        ("/archive", "nav-archive"),
        ("/outbox", "nav-outbox"),
    ];
    if matches!(
        user.role,
        rma_shared::people::Role::Head | rma_shared::people::Role::Admin
    ) {
        nav.push(("/audit", "nav-audit"));
    }
    Html(
        html! {
            (DOCTYPE)
            html lang=(lang.code()) {
                (head(lang, title))
                body {
                    header {
                        a.brand href="/" { (tr!(lang, "brand")) }
                        nav {
                            @for (href, label) in nav {
                                a href=(href) class=[(active == href).then_some("active")] { (tr!(lang, label)) }
                            }
                        }
                        form.who method="post" action="/logout" {
                            span { (user.name) " · " (user.role.label(lang)) }
                            button type="submit" { (tr!(lang, "log-out")) }
                        }
                    }
                    main { h1 { (title) } (body) }
                    (switch(lang))
                }
            }
        }
        .into_string(),
    )
}

/// The language switch every page carries: a form, so it works without script.
pub fn switch(lang: Lang) -> Markup {
    html! {
        form.lang method="post" action="/language" {
            @for other in Lang::ALL {
                @if other == lang {
                    span.current lang=(other.code()) { (other.own_name()) }
                } @else {
                    button type="submit" name="lang" value=(other.code()) lang=(other.code()) { (other.own_name()) }
                }
            }
        }
    }
}

/// The `<head>` every page shares.
pub fn head(lang: Lang, title: &str) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            title { (title) " · " (tr!(lang, "brand")) }
            link rel="stylesheet" href="/static/style.css";
        }
    }
}

/// Why an office page is not shown: a page of its own that says so in the person's words,
/// with its status. A failure of the server itself (a 5xx) is logged with its cause, which
/// the page never shows. Every page's refusals and failures go through this one type.
#[derive(Debug)]
pub struct PageError(Box<Refused>);

#[derive(Debug)]
struct Refused {
    status: StatusCode,
    user: User,
    lang: Lang,
    title: String,
    message: String,
    /// What failed, for the log.
    cause: Option<String>,
}

impl PageError {
    /// The page refused with `status`, and why.
    pub fn new(status: StatusCode, user: &User, lang: Lang, title: &str, message: &str) -> Self {
        Self(Box::new(Refused {
            status,
            user: user.clone(),
            lang,
            title: title.to_owned(),
            message: message.to_owned(),
            cause: None,
        }))
    }

    /// Notes what failed, for the log.
    pub fn because(&mut self, cause: String) {
        self.0.cause = Some(cause);
    }

    /// The store (or the work behind the page) failed: a 500 that says the records cannot be
    /// read now, and logs `cause`.
    pub fn failed(user: &User, lang: Lang, title: &str, cause: impl std::fmt::Display) -> Self {
        let mut failed = Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            user,
            lang,
            title,
            &tr!(lang, "store-unreadable"),
        );
        failed.because(cause.to_string());
        failed
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let Refused {
            status,
            user,
            lang,
            title,
            message,
            cause,
        } = *self.0;
        if status.is_server_error() {
            tracing::error!(%status, page = %title, user = %user.name, cause = cause.as_deref().unwrap_or(&message), "an office page failed");
        }
        let body =
            html! { p.problem { (message) } p { a href="/" { (tr!(lang, "back-to-board")) } } };
        (status, page(&title, &user, lang, "", body)).into_response()
    }
}

/// A page that says what went wrong, in words, with a status ([`PageError`]).
pub fn problem(
    status: StatusCode,
    user: &User,
    lang: Lang,
    title: &str,
    message: &str,
) -> Response {
    PageError::new(status, user, lang, title, message).into_response()
}

/// A time as the office reads it: in the company's time zone, to the minute.
pub fn when(at: DateTime<Utc>) -> String {
    rma_shared::calendar::company().show(at)
}

/// How long ago, in the largest unit that fits.
pub fn age(since: DateTime<Utc>, now: DateTime<Utc>, lang: Lang) -> String {
    let minutes = (now - since).num_minutes().max(0);
    match minutes {
        m if m < 60 => tr!(lang, "age-minutes", count = m),
        m if m < 48 * 60 => tr!(lang, "age-hours", count = m / 60),
        m => tr!(lang, "age-days", count = m / (24 * 60)),
    }
}

/// Percent-encodes all but unreserved characters and `/`: for a value in a query string or
/// a path kept in one.
pub fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

const STYLE: &str = include_str!("style.css");
const BOARD_SCRIPT: &str = include_str!("board.js");

async fn board_script() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=3600"),
        ],
        BOARD_SCRIPT,
    )
}

async fn style() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=3600"),
        ],
        STYLE,
    )
}

#[cfg(test)]
mod tests;

/// Runs a page's work (store reads, documents, rendering) off the async threads: the store
/// may block (a flush, a database round trip) and Automerge is CPU work.
pub async fn off_thread<R>(work: impl FnOnce() -> R + Send + 'static) -> Response
where
    R: IntoResponse + Send + 'static,
{
    match tokio::task::spawn_blocking(work).await {
        Ok(answer) => answer.into_response(),
        Err(err) => {
            tracing::error!(error = %err, "an office page's work failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}
