//! The audit log in the pages: the trail every page leaves (downloads, refusals, reads of
//! archived tickets, written by one middleware), and `/audit` for the head and the
//! administrator, filterable; the administrator can export it.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, Query, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::{NaiveDate, Utc};
use maud::html;
use rma_shared::people::Role;
use rma_shared::tr;
use serde::Deserialize;

use super::auth::Office;
use super::{PageError, page, when};
use crate::state::AppState;
use crate::store::audit::{AuditFilter, AuditKind};

/// A note a handler leaves on its answer for the audit log (e.g. an archived ticket read).
#[derive(Debug, Clone)]
pub struct Audited {
    pub what: AuditKind,
    pub subject: String,
}

/// Entries shown on a page; the export has them all.
const SHOWN: usize = 500;

/// Writes the trail of a page's answer: a download (an attachment), a refusal (403), or what
/// the handler noted; with the person signed in and the client's address.
pub async fn trail(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let place = request.uri().path_and_query().map_or_else(
        || request.uri().path().to_owned(),
        |p| p.as_str().to_owned(),
    );
    let from = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or_else(|| "unknown".to_owned(), |c| c.0.ip().to_string());
    let token = super::auth::session_token(request.headers());
    let response = next.run(request).await;
    let attachment = response
        .headers()
        .get(header::CONTENT_DISPOSITION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("attachment"));
    let note = match response.extensions().get::<Audited>() {
        Some(note) => Some(note.clone()),
        None if response.status() == StatusCode::FORBIDDEN => Some(Audited {
            what: AuditKind::Refused,
            subject: place,
        }),
        None if attachment => Some(Audited {
            what: AuditKind::Download,
            subject: place,
        }),
        None => None,
    };
    if let Some(note) = note {
        let store = state.clone();
        let _ = tokio::task::spawn_blocking(move || {
            let who = token
                .and_then(|t| store.store.people().session(&t, Utc::now()).ok().flatten())
                .map_or_else(|| "-".to_owned(), |user| user.name);
            store.store.audit(&who, note.what, &note.subject, &from);
        })
        .await;
    }
    response
}

#[derive(Debug, Default, Deserialize)]
pub struct AuditQuery {
    who: Option<String>,
    what: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

impl AuditQuery {
    fn filter(&self, limit: usize) -> AuditFilter {
        let text = |t: &Option<String>| {
            t.as_deref()
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_owned)
        };
        let day = |t: &Option<String>| {
            text(t).and_then(|t| NaiveDate::parse_from_str(&t, "%Y-%m-%d").ok())
        };
        AuditFilter {
            who: text(&self.who),
            what: text(&self.what).and_then(|w| AuditKind::parse(&w)),
            from: day(&self.from),
            to: day(&self.to),
            limit,
        }
    }

    fn query_string(&self) -> String {
        let mut parts = Vec::new();
        for (name, value) in [
            ("who", &self.who),
            ("what", &self.what),
            ("from", &self.from),
            ("to", &self.to),
        ] {
            if let Some(value) = value.as_deref().filter(|v| !v.is_empty()) {
                parts.push(format!("{name}={}", super::percent_encode(value)));
            }
        }
        parts.join("&")
    }
}

/// `/audit`: the head and the administrator read it.
pub async fn show(
    State(state): State<Arc<AppState>>,
    Office(user, lang): Office,
    Query(query): Query<AuditQuery>,
) -> Response {
    super::off_thread(move || {
        let t = |id: &str| tr!(lang, id);
        if !matches!(user.role, Role::Head | Role::Admin) {
            return PageError::new(StatusCode::FORBIDDEN, &user, lang, &t("nav-audit"), &t("audit-forbidden")).into_response();
        }
        let (entries, more) = match state.store.audit_log(&query.filter(SHOWN)) {
            Ok(found) => found,
            Err(err) => {
                return PageError::failed(&user, lang, &t("nav-audit"), err).into_response();
            }
        };
        let chosen = query.what.clone().unwrap_or_default();
        let body = html! {
            form.filters method="get" action="/audit" {
                label { (t("audit-who")) input name="who" value=(query.who.clone().unwrap_or_default()); }
                label { (t("audit-what"))
                    select name="what" {
                        option value="" { (t("audit-any")) }
                        @for kind in AuditKind::ALL {
                            option value=(kind.key()) selected[chosen == kind.key()] { (kind.label(lang)) }
                        }
                    }
                }
                label { (t("costs-from")) input type="date" name="from" value=(query.from.clone().unwrap_or_default()); }
                label { (t("costs-to")) input type="date" name="to" value=(query.to.clone().unwrap_or_default()); }
                button.primary type="submit" { (t("board-show")) }
                @if user.role == Role::Admin {
                    a #csv href=(format!("/audit.csv?{}", query.query_string())) download { (t("download-csv")) }
                }
            }
            @if more { p.muted { (tr!(lang, "audit-more", count = SHOWN)) } }
            table #audit {
                thead { tr { th { (t("col-when")) } th { (t("audit-who")) } th { (t("audit-what")) } th { (t("audit-subject")) } th { (t("audit-from")) } } }
                tbody { @for e in &entries { tr {
                    td { (when(e.at)) } td { (e.who) } td { (e.what.label(lang)) } td { (e.subject) } td { (e.from) }
                } } }
            }
        };
        page(&t("nav-audit"), &user, lang, "/audit", body).into_response()
    })
    .await
}

/// `/audit.csv`: the administrator exports the log (this download is logged too).
pub async fn download(
    State(state): State<Arc<AppState>>,
    Office(user, lang): Office,
    Query(query): Query<AuditQuery>,
) -> Response {
    super::off_thread(move || {
        let t = |id: &str| tr!(lang, id);
        if user.role != Role::Admin {
            return PageError::new(
                StatusCode::FORBIDDEN,
                &user,
                lang,
                &t("nav-audit"),
                &t("audit-export-forbidden"),
            )
            .into_response();
        }
        let entries = match state.store.audit_log(&query.filter(0)) {
            Ok((entries, _)) => entries,
            Err(err) => {
                return PageError::failed(&user, lang, &t("nav-audit"), err).into_response();
            }
        };
        let mut rows = vec![
            [
                "col-when",
                "audit-who",
                "audit-what",
                "audit-subject",
                "audit-from",
            ]
            .map(t)
            .to_vec(),
        ];
        for e in entries {
            rows.push(vec![
                e.at.to_rfc3339(),
                e.who,
                e.what.key().to_owned(),
                e.subject,
                e.from,
            ]);
        }
        super::csv::download("rma-audit.csv", rows)
    })
    .await
}
