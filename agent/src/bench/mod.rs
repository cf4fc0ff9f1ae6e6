//! The bench page: the agent's own web page for bench workers, warehouse staff and phones,
//! served by `rma-agent serve` (see [`crate::serve`]), so it works with no server and no
//! internet. A posted form is the step's typed request ([`rma_shared::step::Step`]), applied
//! by the same core as the command line ([`crate::desk`]): a refusal reads the same and
//! changes nothing.
//!
//! - [`pages`]: home (scan box, my work, storage areas), a ticket's page, scanning.
//! - [`forms`]: one form per step of the regulation, its fields named as the request's;
//!   [`steps`]: what a posted form does.
//! - sign-in with the accounts of [`rma_store::people`] (the server's directory, synced),
//!   sessions in a cookie, sign-in attempts limited, forms from other sites refused.
//!
//! No JavaScript: plain forms and links, one small stylesheet, readable on a 390 px phone.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use axum::extract::DefaultBodyLimit;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use chrono::Utc;
use maud::{DOCTYPE, Markup, html};
use rma_shared::AreaCode;
use rma_shared::i18n::Lang;
use rma_shared::people::Account;
use rma_shared::tr;
use rma_shared::web::{self, safe_next};
use rma_store::people::{Logins, SESSION_HOURS, SignIn};
use serde::Deserialize;

use crate::desk::{Asker, Desk, DeskError};
use crate::holder::Holder;

mod files;
mod forms;
mod pages;
mod steps;

/// The session cookie.
const COOKIE: &str = "rma_bench";
/// The language cookie (the switch on every page).
const LANG_COOKIE: &str = "rma_lang";
const STYLE: &str = include_str!("style.css");

/// What the page's handlers share.
#[derive(Debug)]
pub(crate) struct Bench {
    pub(crate) holder: Arc<Holder>,
    /// Sign-in attempts and password checks, limited.
    logins: Logins,
    /// Per session: the storage area scanned last and what the last step said.
    places: Mutex<HashMap<String, Place>>,
}

/// A person's place at the bench, kept while the agent runs.
#[derive(Debug, Default, Clone)]
pub(crate) struct Place {
    /// The area the next units scanned go to.
    pub(crate) area: Option<AreaCode>,
    /// What the last step said, shown once on the next page.
    pub(crate) flash: Option<Flash>,
}

/// A message shown at the top of the next page.
#[derive(Debug, Clone)]
pub(crate) enum Flash {
    Done(String),
    Refused(String),
}

/// The bench page's routes.
pub(crate) fn router(holder: Arc<Holder>) -> Router {
    let bench = Arc::new(Bench {
        holder,
        logins: Logins::default(),
        places: Mutex::default(),
    });
    Router::new()
        .route("/", get(pages::home))
        .route("/login", get(login_page).post(log_in))
        .route("/logout", post(log_out))
        .route("/language", post(choose_language))
        .route("/style.css", get(style))
        .route("/scan", post(pages::scan))
        .route("/c/{*code}", get(pages::camera))
        .route("/t/{number}", get(pages::ticket))
        .route("/u/{unit}", get(pages::unit))
        .route("/new", get(pages::new_ticket))
        .route("/tickets", post(steps::intake))
        .route(
            "/do/{command}",
            post(steps::step).layer(DefaultBodyLimit::max(files::BODY_LIMIT)),
        )
        .route(
            "/attach",
            post(files::attach).layer(DefaultBodyLimit::max(files::BODY_LIMIT)),
        )
        .route("/t/{number}/files/{sha256}", get(files::file))
        .route("/t/{number}/labels.pdf", get(steps::labels_pdf))
        .route("/t/{number}/print", post(steps::print))
        .route("/sync", post(pages::sync_now))
        .layer(axum::middleware::from_fn(guard))
        .with_state(bench)
}

/// Every answer: no caching of pages with tickets, no framing, nothing from elsewhere; and a
/// form posted from another site's page is refused before it reaches a handler.
async fn guard(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let headers = request.headers();
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let refused = (request.method() == axum::http::Method::POST
        && web::cross_site(text("sec-fetch-site"), text("origin"), text("host")))
    .then(|| {
        text("accept-language")
            .and_then(Lang::from_accept_language)
            .unwrap_or_default()
    });
    if let Some(lang) = refused {
        tracing::info!(path = %request.uri().path(), "a form from another site refused");
        return (StatusCode::FORBIDDEN, tr!(lang, "cross-site")).into_response();
    }
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        header::HeaderValue::from_static(
            "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    for (name, value) in web::SECURITY_HEADERS {
        headers.insert(name, header::HeaderValue::from_static(value));
    }
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(
            header::CACHE_CONTROL,
            header::HeaderValue::from_static(web::NO_STORE),
        );
    }
    response
}

async fn style() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=3600"),
        ],
        STYLE,
    )
        .into_response()
}

/// A cookie's value.
fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    let values = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok());
    web::cookie(values, name)
}

/// The language of a page: the switch's cookie, else the person's choice, else the
/// browser's, else the agent's setting.
fn page_lang(headers: &HeaderMap, bench: &Bench, account: Option<&Account>) -> Lang {
    let accept = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok());
    web::page_lang(
        cookie(headers, LANG_COOKIE),
        account.and_then(|a| a.language),
        accept,
        || {
            bench
                .holder
                .desk
                .settings()
                .ok()
                .and_then(|s| s.language)
                .unwrap_or_default()
        },
    )
}

/// A signed-in person, for handlers that need one: others are sent to sign in.
#[derive(Debug, Clone)]
pub(crate) struct Person {
    pub(crate) account: Account,
    pub(crate) token: String,
    pub(crate) lang: Lang,
}

impl FromRequestParts<Arc<Bench>> for Person {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        bench: &Arc<Bench>,
    ) -> Result<Self, Self::Rejection> {
        let token = cookie(&parts.headers, COOKIE).map(str::to_owned);
        let account = match token.clone() {
            Some(token) => {
                let store = bench.holder.desk.store().clone();
                tokio::task::spawn_blocking(move || store.people().session(&token, Utc::now()))
                    .await
                    .ok()
                    .and_then(Result::ok)
                    .flatten()
            }
            None => None,
        };
        match (account, token) {
            (Some(account), Some(token)) => {
                let lang = page_lang(&parts.headers, bench, Some(&account));
                Ok(Self {
                    account,
                    token,
                    lang,
                })
            }
            _ => {
                let wanted = parts.uri.path_and_query().map_or("/", |p| p.as_str());
                let next = percent_encode(wanted);
                Err(Redirect::to(&format!("/login?next={next}")).into_response())
            }
        }
    }
}

impl Bench {
    /// This person's place at the bench, changed by `change`; returns what `change` returns.
    pub(crate) fn place<T>(&self, person: &Person, change: impl FnOnce(&mut Place) -> T) -> T {
        let mut places = self.places.lock().unwrap_or_else(PoisonError::into_inner);
        change(places.entry(person.token.clone()).or_default())
    }

    /// Keeps `flash` for the person's next page.
    pub(crate) fn say(&self, person: &Person, flash: Flash) {
        self.place(person, |place| place.flash = Some(flash));
    }
}

/// A path or query value made safe to put in a URL.
pub(crate) fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The head of every page: the viewport for phones and the stylesheet.
fn head(lang: Lang, title: &str) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            title { (title) " · " (tr!(lang, "bench-title")) }
            link rel="stylesheet" href="/style.css";
        }
    }
}

/// The language switch: a form per language, so it works without JavaScript.
fn switch(lang: Lang) -> Markup {
    html! {
        div.switch {
            @for other in [Lang::En, Lang::ZhCn] {
                @if other != lang {
                    form method="post" action="/language" {
                        input type="hidden" name="lang" value=(other.code());
                        button.link type="submit" lang=(other.code()) { (other.own_name()) }
                    }
                }
            }
        }
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct LoginQuery {
    next: Option<String>,
}

async fn login_page(
    State(bench): State<Arc<Bench>>,
    headers: HeaderMap,
    axum::extract::Query(query): axum::extract::Query<LoginQuery>,
) -> Response {
    let lang = page_lang(&headers, &bench, None);
    let accounts = {
        let store = bench.holder.desk.store().clone();
        tokio::task::spawn_blocking(move || store.people().any().unwrap_or(true))
            .await
            .unwrap_or(true)
    };
    login_form(lang, safe_next(query.next.as_deref()), None, accounts).into_response()
}

fn login_form(lang: Lang, next: &str, problem: Option<&str>, accounts: bool) -> Html<String> {
    let title = tr!(lang, "bench-sign-in");
    Html(
        html! {
            (DOCTYPE)
            html lang=(lang.code()) {
                (head(lang, &title))
                body {
                    main.narrow {
                        h1 { (tr!(lang, "bench-title")) }
                        @if let Some(problem) = problem {
                            p.refused role="alert" { (problem) }
                        }
                        @if !accounts {
                            p.note { (tr!(lang, "bench-no-accounts")) }
                        }
                        form method="post" action="/login" {
                            input type="hidden" name="next" value=(next);
                            label for="name" { (tr!(lang, "login-name")) }
                            input #name name="name" autocomplete="username" required autofocus;
                            label for="password" { (tr!(lang, "login-password")) }
                            input #password name="password" type="password" autocomplete="current-password" required;
                            button type="submit" { (title) }
                        }
                        (switch(lang))
                    }
                }
            }
        }
        .into_string(),
    )
}

#[derive(Debug, Deserialize)]
pub(crate) struct LoginForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

async fn log_in(
    State(bench): State<Arc<Bench>>,
    headers: HeaderMap,
    peer: Option<axum::Extension<axum::extract::ConnectInfo<std::net::SocketAddr>>>,
    Form(form): Form<LoginForm>,
) -> Response {
    let lang = page_lang(&headers, &bench, None);
    let next = safe_next(form.next.as_deref()).to_owned();
    let address = peer.map_or_else(
        || "unknown".to_owned(),
        |axum::Extension(axum::extract::ConnectInfo(peer))| peer.ip().to_string(),
    );
    let worker = bench.clone();
    let name = form.name.clone();
    let outcome = tokio::task::spawn_blocking(move || {
        worker.holder.desk.store().people().sign_in(
            &worker.logins,
            &name,
            &form.password,
            &address,
            Utc::now(),
        )
    })
    .await;
    match outcome {
        Ok(Ok(SignIn::Welcome(token, account))) => {
            tracing::info!(user = %account.name, "signed in at the bench page");
            // Plain http on the warehouse network: no `Secure`.
            let cookie = web::session_cookie(COOKIE, &token, SESSION_HOURS, false);
            ([(header::SET_COOKIE, cookie)], Redirect::to(&next)).into_response()
        }
        Ok(Ok(SignIn::Wait(wait))) => {
            tracing::info!(user = %form.name, "sign-in attempts limited");
            let minutes = wait.as_secs().div_ceil(60).max(1);
            (
                StatusCode::TOO_MANY_REQUESTS,
                [(header::RETRY_AFTER, wait.as_secs().max(1).to_string())],
                login_form(
                    lang,
                    &next,
                    Some(&tr!(lang, "login-too-many", minutes = minutes)),
                    true,
                ),
            )
                .into_response()
        }
        Ok(Ok(SignIn::Wrong)) => {
            tracing::info!(user = %form.name, "sign-in refused");
            (
                StatusCode::UNAUTHORIZED,
                login_form(lang, &next, Some(&tr!(lang, "login-wrong")), true),
            )
                .into_response()
        }
        Ok(Err(err)) => {
            tracing::error!(error = %err, "sign-in failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                login_form(lang, &next, Some(&tr!(lang, "login-failed")), true),
            )
                .into_response()
        }
        Err(err) => {
            tracing::error!(error = %err, "sign-in task failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

async fn log_out(State(bench): State<Arc<Bench>>, headers: HeaderMap) -> Response {
    if let Some(token) = cookie(&headers, COOKIE).map(str::to_owned) {
        bench
            .places
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&token);
        let store = bench.holder.desk.store().clone();
        let _ = tokio::task::spawn_blocking(move || store.people().log_out(&token)).await;
    }
    let cookie = web::ended_cookie(COOKIE);
    ([(header::SET_COOKIE, cookie)], Redirect::to("/login")).into_response()
}

#[derive(Debug, Deserialize)]
pub(crate) struct LanguageForm {
    lang: String,
}

/// The language switch: kept in a cookie and with the account here; back to the same page.
async fn choose_language(
    State(bench): State<Arc<Bench>>,
    headers: HeaderMap,
    Form(form): Form<LanguageForm>,
) -> Response {
    let Some(lang) = Lang::parse(&form.lang) else {
        return (StatusCode::BAD_REQUEST, "en or zh-CN").into_response();
    };
    if let Some(token) = cookie(&headers, COOKIE).map(str::to_owned) {
        let store = bench.holder.desk.store().clone();
        let _ = tokio::task::spawn_blocking(move || {
            let people = store.people();
            if let Ok(Some(account)) = people.session(&token, Utc::now()) {
                let _ = people.set_language(&account.name, lang);
            }
        })
        .await;
    }
    let cookie = web::language_cookie(LANG_COOKIE, lang);
    (
        [(header::SET_COOKIE, cookie)],
        Redirect::to(&back(&headers)),
    )
        .into_response()
}

/// The page a form was sent from (the referrer, sent for this site's pages only), or home.
pub(crate) fn back(headers: &HeaderMap) -> String {
    let referer = headers.get(header::REFERER).and_then(|v| v.to_str().ok());
    web::back(referer).to_owned()
}

/// A page of the bench: the header with the person, the sync state and the scan box, the
/// message of the last step, then `body`.
pub(crate) fn page(
    bench: &Bench,
    person: &Person,
    title: &str,
    status: &pages::SyncLine,
    body: Markup,
) -> Html<String> {
    let lang = person.lang;
    let (flash, area) = bench.place(person, |place| (place.flash.take(), place.area.clone()));
    Html(
        html! {
            (DOCTYPE)
            html lang=(lang.code()) {
                (head(lang, title))
                body {
                    header {
                        a.home href="/" { (bench.holder.desk.store().site().as_str()) " · " (tr!(lang, "bench-title")) }
                        span.who { (person.account.name) " (" (person.account.role.label(lang)) ")" }
                        form.inline method="post" action="/logout" {
                            button.link type="submit" { (tr!(lang, "log-out")) }
                        }
                        (switch(lang))
                    }
                    (status.markup(lang))
                    form.scan method="post" action="/scan" {
                        label for="code" { (tr!(lang, "bench-scan")) }
                        div.row {
                            input #code name="code" autocomplete="off" autofocus
                                placeholder=(tr!(lang, "bench-scan-hint"));
                            button type="submit" { (tr!(lang, "bench-scan-go")) }
                        }
                        @if let Some(area) = &area {
                            p.area { (tr!(lang, "bench-scan-area", area = area.to_string())) }
                        }
                    }
                    @match flash {
                        Some(Flash::Done(text)) => p.done role="status" { (multiline(&text)) },
                        Some(Flash::Refused(text)) => p.refused role="alert" { (multiline(&text)) },
                        None => {},
                    }
                    main { (body) }
                }
            }
        }
        .into_string(),
    )
}

/// Text with line breaks kept.
pub(crate) fn multiline(text: &str) -> Markup {
    html! {
        @for (i, line) in text.trim_end().lines().enumerate() {
            @if i > 0 { br; }
            (line)
        }
    }
}

/// Runs `work` on the desk in `person`'s name when its turn comes (one request at a time),
/// off the async threads: its answer, or why it was refused in the person's words. A store
/// that failed is logged; a task that failed is a plain error page.
pub(crate) async fn at_desk<T: Send + 'static>(
    bench: &Arc<Bench>,
    person: &Person,
    work: impl FnOnce(&Desk, &Asker) -> Result<T, DeskError> + Send + 'static,
) -> Result<Result<T, String>, Response> {
    let holder = bench.holder.clone();
    let asker = Asker {
        user: person.account.name.clone(),
        lang: person.lang,
        force: false,
    };
    let done = tokio::task::spawn_blocking(move || {
        let _turn = holder.turn();
        work(&holder.desk, &asker).map_err(|err| {
            if err.is_failure() {
                tracing::error!(error = %crate::desk::say(&err, Lang::En), "bench page failed");
            }
            crate::desk::say(&err, asker.lang)
        })
    })
    .await;
    done.map_err(|err| {
        tracing::error!(error = %err, "bench page task failed");
        StatusCode::INTERNAL_SERVER_ERROR.into_response()
    })
}

/// Store work off the async threads; a failure is logged and shown as a plain error page.
pub(crate) async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> anyhow::Result<T> + Send + 'static,
) -> Result<T, Response> {
    match tokio::task::spawn_blocking(work).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(err)) => {
            tracing::error!(error = %format!("{err:#}"), "bench page failed");
            Err((StatusCode::INTERNAL_SERVER_ERROR, format!("{err:#}")).into_response())
        }
        Err(err) => {
            tracing::error!(error = %err, "bench page task failed");
            Err(StatusCode::INTERNAL_SERVER_ERROR.into_response())
        }
    }
}
