//! The sites: each enrolled agent installation with its last sync, how far behind the feed it
//! is, the changes it reported still to push, and whether it is overdue to sync.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{Duration, Utc};
use maud::html;

use super::auth::Office;
use super::{age, page, problem, when};
use crate::api::AppState;

pub async fn show(State(state): State<Arc<AppState>>, Office(user): Office) -> Response {
    super::off_thread(move || {
        let (Ok(sites), Ok(head)) = (state.store.sites(), state.store.feed_head()) else {
            return problem(
                StatusCode::INTERNAL_SERVER_ERROR,
                &user,
                "Sites",
                "The server could not read its store; see its log.",
            );
        };
        let now = Utc::now();
        let limit = Duration::minutes(i64::from(state.settings.sync_overdue_minutes));
        let body = html! {
            p.muted { "A site is overdue to sync when it has not synced for "
                (age(now - limit, now)) " (setting " code { "sync_overdue_minutes" } ")." }
            @if sites.is_empty() { p.muted { "No sites enrolled yet: " code { "rma-server site add CODE" } "." } }
            table #sites {
                thead { tr { th { "Site" } th { "State" } th { "Enrolled" } th { "Last sync" } th.num { "Changes not yet pulled" } th.num { "Changes waiting to push" } th { "Sync" } } }
                tbody { @for site in &sites {
                    @let overdue = site.revoked_at.is_none() && site.last_sync_at.is_none_or(|at| now - at > limit);
                    tr data-site=(site.code.as_str()) {
                        td { (site.code.as_str()) }
                        td { @if let Some(at) = site.revoked_at { "revoked " (when(at)) } @else { "active" } }
                        td { (when(site.added_at)) }
                        td { @match site.last_sync_at { Some(at) => { (when(at)) " (" (age(at, now)) " ago)" } None => "never" } }
                        td.num { (head.saturating_sub(site.cursor)) }
                        td.num { (site.pending.map_or_else(|| "-".to_owned(), |p| p.to_string())) }
                        td { @if overdue { span.flag { "overdue" } } @else { "ok" } }
                    }
                } }
            }
            @let refused: Vec<_> = sites.iter().flat_map(|site| {
                state.store.refused(&site.code).unwrap_or_default().into_iter().map(move |r| (site.code.clone(), r))
            }).collect();
            @if !refused.is_empty() {
                h2 { "Tickets the server refused" }
                p.muted { "These stay at the site until they are corrected there; the rest of each sync went through." }
                table #refused {
                    thead { tr { th { "Site" } th { "Ticket" } th { "When" } th { "Why" } } }
                    tbody { @for (code, ticket) in &refused {
                        tr data-site=(code.as_str()) {
                            td { (code.as_str()) }
                            td { (ticket.number.to_string()) }
                            td { (when(ticket.at)) }
                            td { (ticket.reason) }
                        }
                    } }
                }
            }
        };
        page("Sites", &user, "/sites", body).into_response()
    })
    .await
}
