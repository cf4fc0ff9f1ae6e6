//! Logging in and out, and the session every other page requires.

use std::sync::Arc;

use axum::Form;
use axum::extract::{FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::Utc;
use maud::{DOCTYPE, html};
use serde::Deserialize;

use rma_shared::i18n::Lang;
use rma_shared::tr;

use crate::state::AppState;
use crate::users::{SESSION_HOURS, User};
use rma_shared::web::{self, safe_next};
use rma_store::people::SignIn;

use crate::store::audit::AuditKind;

pub const COOKIE: &str = "rma_session";

/// The person behind a request and their language: a page handler that takes it answers only
/// with a session; without one the browser is sent to the login page, and back here after it.
#[derive(Debug, Clone)]
pub struct Office(pub User, pub Lang);

/// The cookie that keeps the language chosen with the switch.
pub const LANG_COOKIE: &str = "rma_lang";

fn cookie<'a>(headers: &'a HeaderMap, wanted: &str) -> Option<&'a str> {
    let values = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok());
    web::cookie(values, wanted)
}

/// A page's language: the person's choice (the switch's cookie, else their account's
/// setting), else the browser's `Accept-Language`, else the server's `language`.
pub fn page_lang(headers: &HeaderMap, state: &AppState, user: Option<&User>) -> Lang {
    let accept = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok());
    web::page_lang(
        cookie(headers, LANG_COOKIE),
        user.and_then(|u| u.language),
        accept,
        || state.settings.language,
    )
}

/// The language of a page anyone may see (the login page).
#[derive(Debug, Clone, Copy)]
pub struct Speak(pub Lang);

impl FromRequestParts<Arc<AppState>> for Speak {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        Ok(Self(page_lang(&parts.headers, state, None)))
    }
}

pub fn session_token(headers: &HeaderMap) -> Option<String> {
    cookie(headers, COOKIE).map(str::to_owned)
}

impl FromRequestParts<Arc<AppState>> for Office {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        let user = match session_token(&parts.headers) {
            Some(token) => {
                let store = state.clone();
                let found = tokio::task::spawn_blocking(move || {
                    store.store.people().session(&token, Utc::now())
                })
                .await;
                match found {
                    Ok(Ok(user)) => user,
                    Ok(Err(err)) => {
                        tracing::error!(error = %err, "session lookup failed");
                        return Err(StatusCode::INTERNAL_SERVER_ERROR.into_response());
                    }
                    Err(err) => {
                        tracing::error!(error = %err, "session lookup failed");
                        return Err(StatusCode::INTERNAL_SERVER_ERROR.into_response());
                    }
                }
            }
            None => None,
        };
        match user {
            Some(user) => {
                let lang = page_lang(&parts.headers, state, Some(&user));
                Ok(Self(user, lang))
            }
            None => {
                let wanted = parts
                    .uri
                    .path_and_query()
                    .map_or("/", |p| p.as_str())
                    .to_owned();
                let next = super::percent_encode(&wanted);
                Err(Redirect::to(&format!("/login?next={next}")).into_response())
            }
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
}

pub async fn login_page(Speak(lang): Speak, Query(query): Query<LoginQuery>) -> Html<String> {
    login_form(lang, safe_next(query.next.as_deref()), None)
}

fn login_form(lang: Lang, next: &str, problem: Option<&str>) -> Html<String> {
    Html(
        html! {
            (DOCTYPE)
            html lang=(lang.code()) {
                (super::head(lang, &tr!(lang, "login-title")))
                body {
                    form.login method="post" action="/login" {
                        h1 { (tr!(lang, "brand")) }
                        @if let Some(problem) = problem { p.problem #problem { (problem) } }
                        input type="hidden" name="next" value=(next);
                        label { (tr!(lang, "login-name")) input #name name="name" autocomplete="username" required autofocus; }
                        label { (tr!(lang, "login-password")) input #password type="password" name="password" autocomplete="current-password" required; }
                        button.primary #login type="submit" { (tr!(lang, "login-button")) }
                        p.muted { (tr!(lang, "login-no-account")) " "
                            code { "rma-server user add NAME --role ROLE" } }
                    }
                    (super::switch(lang))
                }
            }
        }
        .into_string(),
    )
}

#[derive(Debug, Deserialize)]
pub struct LanguageForm {
    lang: String,
}

/// The language switch: kept in a cookie, and with the person's account when signed in; back
/// to the page it was pressed on.
pub async fn choose_language(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Form(form): Form<LanguageForm>,
) -> Response {
    let Some(lang) = Lang::parse(&form.lang) else {
        return (StatusCode::BAD_REQUEST, "en or zh-CN").into_response();
    };
    if let Some(token) = session_token(&headers) {
        let store = state.clone();
        let saved = tokio::task::spawn_blocking(move || {
            let people = store.store.people();
            match people.session(&token, Utc::now())? {
                Some(user) => people.set_language(&user.name, lang),
                None => Ok(()),
            }
        })
        .await;
        if !matches!(saved, Ok(Ok(()))) {
            tracing::warn!("the language could not be kept with the account");
        }
    }
    // Back where the switch was pressed (the referrer is sent for this site's pages only).
    let referer = headers.get(header::REFERER).and_then(|v| v.to_str().ok());
    let back = web::back(referer).to_owned();
    let cookie = web::language_cookie(LANG_COOKIE, lang);
    ([(header::SET_COOKIE, cookie)], Redirect::to(&back)).into_response()
}

/// Missing fields read as empty: the answer is the usual "wrong name or password".
#[derive(Debug, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

pub async fn log_in(
    State(state): State<Arc<AppState>>,
    Speak(lang): Speak,
    peer: Option<axum::Extension<axum::extract::ConnectInfo<std::net::SocketAddr>>>,
    Form(form): Form<LoginForm>,
) -> Response {
    let next = safe_next(form.next.as_deref()).to_owned();
    let address = peer.map_or_else(
        || "unknown".to_owned(),
        |axum::Extension(axum::extract::ConnectInfo(peer))| peer.ip().to_string(),
    );
    // Checking a password is slow on purpose: a few at a time, off the async threads.
    let store = state.clone();
    let (name, password) = (form.name.clone(), form.password);
    let outcome = tokio::task::spawn_blocking(move || {
        let outcome =
            store
                .store
                .people()
                .sign_in(&store.logins, &name, &password, &address, Utc::now());
        let what = match &outcome {
            Ok(SignIn::Welcome(..)) => Some(AuditKind::SignIn),
            Ok(SignIn::Wrong) => Some(AuditKind::SignInRefused),
            Ok(SignIn::Wait(_)) => Some(AuditKind::SignInLimited),
            Err(_) => None,
        };
        if let Some(what) = what {
            store.store.audit(name.trim(), what, "/login", &address);
        }
        outcome
    })
    .await;
    match outcome {
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
                ),
            )
                .into_response()
        }
        Ok(Ok(SignIn::Welcome(token, user))) => {
            tracing::info!(user = %user.name, "logged in");
            let secure = state.settings.cookies_secure();
            let cookie = web::session_cookie(COOKIE, &token, SESSION_HOURS, secure);
            ([(header::SET_COOKIE, cookie)], Redirect::to(&next)).into_response()
        }
        Ok(Ok(SignIn::Wrong)) => {
            tracing::info!(user = %form.name, "login refused");
            (
                StatusCode::UNAUTHORIZED,
                login_form(lang, &next, Some(&tr!(lang, "login-wrong"))),
            )
                .into_response()
        }
        Ok(Err(err)) => {
            tracing::error!(error = %err, "login failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                login_form(lang, &next, Some(&tr!(lang, "login-failed"))),
            )
                .into_response()
        }
        Err(err) => {
            tracing::error!(error = %err, "login task failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

pub async fn log_out(
    State(state): State<Arc<AppState>>,
    peer: Option<axum::Extension<axum::extract::ConnectInfo<std::net::SocketAddr>>>,
    headers: HeaderMap,
) -> Response {
    if let Some(token) = session_token(&headers) {
        let store = state.clone();
        let address = peer.map_or_else(
            || "unknown".to_owned(),
            |axum::Extension(axum::extract::ConnectInfo(peer))| peer.ip().to_string(),
        );
        let ended = tokio::task::spawn_blocking(move || {
            let people = store.store.people();
            if let Ok(Some(user)) = people.session(&token, Utc::now()) {
                store
                    .store
                    .audit(&user.name, AuditKind::SignOut, "/logout", &address);
            }
            people.log_out(&token)
        });
        match ended.await {
            Ok(Ok(())) => {}
            Ok(Err(err)) => tracing::error!(error = %err, "logout failed"),
            Err(err) => tracing::error!(error = %err, "logout failed"),
        }
    }
    let cookie = web::ended_cookie(COOKIE);
    ([(header::SET_COOKIE, cookie)], Redirect::to("/login")).into_response()
}
