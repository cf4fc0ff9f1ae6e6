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

use crate::api::AppState;
use crate::users::{SESSION_HOURS, User};

pub const COOKIE: &str = "rma_session";

/// The person behind a request: a page handler that takes it answers only with a session;
/// without one the browser is sent to the login page, and back here after it.
#[derive(Debug, Clone)]
pub struct Office(pub User);

fn session_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.to_owned())
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
                let found =
                    tokio::task::spawn_blocking(move || store.store.session(&token, Utc::now()))
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
            Some(user) => Ok(Self(user)),
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

/// Only a path on this server is a place to go back to after logging in: one slash first,
/// and no backslash or control character (browsers drop tabs and newlines, so `/\t/evil`
/// would become `//evil`, another site).
fn safe_next(next: Option<&str>) -> &str {
    match next {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.chars().any(|c| c == '\\' || c.is_control()) =>
        {
            path
        }
        _ => "/",
    }
}

#[derive(Debug, Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
}

pub async fn login_page(Query(query): Query<LoginQuery>) -> Html<String> {
    login_form(safe_next(query.next.as_deref()), None)
}

fn login_form(next: &str, problem: Option<&str>) -> Html<String> {
    Html(
        html! {
            (DOCTYPE)
            html lang="en" {
                (super::head("Log in"))
                body {
                    form.login method="post" action="/login" {
                        h1 { "RMA office" }
                        @if let Some(problem) = problem { p.problem #problem { (problem) } }
                        input type="hidden" name="next" value=(next);
                        label { "Name" input #name name="name" autocomplete="username" required autofocus; }
                        label { "Password" input #password type="password" name="password" autocomplete="current-password" required; }
                        button.primary #login type="submit" { "Log in" }
                        p.muted { "No account? The administrator adds people with "
                            code { "rma-server user add NAME --role ROLE" } "." }
                    }
                }
            }
        }
        .into_string(),
    )
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
    peer: Option<axum::Extension<axum::extract::ConnectInfo<std::net::SocketAddr>>>,
    Form(form): Form<LoginForm>,
) -> Response {
    let next = safe_next(form.next.as_deref()).to_owned();
    let address = peer.map_or_else(
        || "unknown".to_owned(),
        |axum::Extension(axum::extract::ConnectInfo(peer))| peer.ip().to_string(),
    );
    if let Some(wait) = state
        .logins
        .wait(&form.name, &address, std::time::Instant::now())
    {
        tracing::info!(user = %form.name, %address, "sign-in attempts limited");
        let minutes = wait.as_secs().div_ceil(60).max(1);
        return (
            StatusCode::TOO_MANY_REQUESTS,
            [(header::RETRY_AFTER, wait.as_secs().max(1).to_string())],
            login_form(
                &next,
                Some(&format!(
                    "Too many wrong passwords. Wait {minutes} minute(s), then try again."
                )),
            ),
        )
            .into_response();
    }
    // Checking a password is slow on purpose: a few at a time, off the async threads.
    let Ok(_turn) = state.logins.checks.acquire().await else {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    };
    let store = state.clone();
    let (name, password) = (form.name.clone(), form.password);
    let outcome =
        tokio::task::spawn_blocking(move || store.store.log_in(&name, &password, Utc::now())).await;
    match &outcome {
        Ok(Ok(Some(_))) => state.logins.succeeded(&form.name),
        Ok(Ok(None)) => state
            .logins
            .failed(&form.name, &address, std::time::Instant::now()),
        _ => {}
    }
    match outcome {
        Ok(Ok(Some((token, user)))) => {
            tracing::info!(user = %user.name, "logged in");
            let secure = if state.settings.cookies_secure() {
                "; Secure"
            } else {
                ""
            };
            let cookie = format!(
                "{COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{secure}",
                SESSION_HOURS * 3600
            );
            ([(header::SET_COOKIE, cookie)], Redirect::to(&next)).into_response()
        }
        Ok(Ok(None)) => {
            tracing::info!(user = %form.name, "login refused");
            (
                StatusCode::UNAUTHORIZED,
                login_form(&next, Some("Wrong name or password. Try again.")),
            )
                .into_response()
        }
        Ok(Err(err)) => {
            tracing::error!(error = %err, "login failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                login_form(
                    &next,
                    Some("The server could not check the password; see its log."),
                ),
            )
                .into_response()
        }
        Err(err) => {
            tracing::error!(error = %err, "login task failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

pub async fn log_out(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    if let Some(token) = session_token(&headers) {
        let store = state.clone();
        match tokio::task::spawn_blocking(move || store.store.log_out(&token)).await {
            Ok(Ok(())) => {}
            Ok(Err(err)) => tracing::error!(error = %err, "logout failed"),
            Err(err) => tracing::error!(error = %err, "logout failed"),
        }
    }
    let cookie = format!("{COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0");
    ([(header::SET_COOKIE, cookie)], Redirect::to("/login")).into_response()
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_paths_of_this_server_are_places_to_go_back_to() {
        for (given, expected) in [
            (Some("/tickets/WH1-2026-00001"), "/tickets/WH1-2026-00001"),
            (Some("/?status=received&page=2"), "/?status=received&page=2"),
            (Some("//evil.example"), "/"),
            (Some("/\t/evil.example"), "/"),
            (Some("/\n/evil.example"), "/"),
            (Some("/\\evil.example"), "/"),
            (Some("https://evil.example/"), "/"),
            (Some("evil"), "/"),
            (None, "/"),
        ] {
            assert_eq!(safe_next(given), expected, "{given:?}");
        }
    }
}
