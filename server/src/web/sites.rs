//! The sites: each enrolled agent installation with what it holds (its own work or every
//! ticket), its last sync, how far behind the feed it is, the changes it reported still to push, how far its clock is off, and whether it is
//! overdue to sync.

use std::sync::Arc;

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use chrono::{Duration, Utc};
use maud::{Markup, html};

use rma_shared::i18n::Lang;
use rma_shared::tr;

use super::auth::Office;
use super::{PageError, age, page, when};
use crate::state::AppState;

pub async fn show(State(state): State<Arc<AppState>>, Office(user, lang): Office) -> Response {
    super::off_thread(move || {
        let read = state.store.sites().and_then(|sites| Ok((sites, state.store.feed_head()?)));
        let (sites, head) = match read {
            Ok(read) => read,
            Err(err) => return PageError::failed(&user, lang, &tr!(lang, "nav-sites"), err).into_response(),
        };
        let now = Utc::now();
        let limit = Duration::minutes(i64::from(state.settings.sync_overdue_minutes));
        let tolerance = Duration::minutes(i64::from(state.settings.clock_tolerance_minutes));
        let body = html! {
            p.muted { (tr!(lang, "sites-explain", age = age(now - limit, now, lang))) " (" code { "sync_overdue_minutes" } ")" }
            @if sites.is_empty() { p.muted { (tr!(lang, "sites-none")) " " code { "rma-server site add CODE" } } }
            table #sites {
                thead { tr { th { (tr!(lang, "col-site")) } th { (tr!(lang, "ticket-state")) } th { (tr!(lang, "sites-holds")) } th { (tr!(lang, "sites-enrolled")) } th { (tr!(lang, "sites-last-sync")) } th.num { (tr!(lang, "sites-not-pulled")) } th.num { (tr!(lang, "sites-waiting")) } th { (tr!(lang, "sites-clock")) } th { (tr!(lang, "sites-sync")) } } }
                tbody { @for site in &sites {
                    @let overdue = site.revoked_at.is_none() && site.last_sync_at.is_none_or(|at| now - at > limit);
                    tr data-site=(site.code.as_str()) {
                        td { (site.code.as_str()) }
                        td { @if let Some(at) = site.revoked_at { (tr!(lang, "sites-revoked", at = when(at))) } @else { (tr!(lang, "sites-active")) } }
                        td.holds { (tr!(lang, "sites-holds-what", holds = site.holds.to_string())) }
                        td { (when(site.added_at)) }
                        td { @match site.last_sync_at { Some(at) => { (when(at)) " (" (tr!(lang, "sites-ago", age = age(at, now, lang))) ")" } None => (tr!(lang, "sites-never")) } }
                        td.num { (head.saturating_sub(site.cursor)) }
                        td.num { (site.pending.map_or_else(|| "-".to_owned(), |p| p.to_string())) }
                        td.clock { (clock(site.clock_offset_ms, tolerance, lang)) }
                        td { @if overdue { span.flag { (tr!(lang, "sites-overdue")) } } @else { (tr!(lang, "sites-ok")) } }
                    }
                } }
            }
            @let refused: Vec<_> = sites.iter().flat_map(|site| {
                state.store.refused(&site.code).unwrap_or_default().into_iter().map(move |r| (site.code.clone(), r))
            }).collect();
            @if !refused.is_empty() {
                h2 { (tr!(lang, "sites-refused")) }
                p.muted { (tr!(lang, "sites-refused-explain")) }
                table #refused {
                    thead { tr { th { (tr!(lang, "col-site")) } th { (tr!(lang, "col-ticket")) } th { (tr!(lang, "col-when")) } th { (tr!(lang, "sites-why")) } } }
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
        page(&tr!(lang, "nav-sites"), &user, lang, "/sites", body).into_response()
    })
    .await
}

/// A site's clock as its last sync showed it: right, or flagged with how far it is off.
fn clock(offset_ms: Option<i64>, tolerance: Duration, lang: Lang) -> Markup {
    let Some(offset_ms) = offset_ms else {
        return html! { "-" };
    };
    let offset = Duration::milliseconds(offset_ms);
    if offset.abs() <= tolerance {
        return html! { (tr!(lang, "sites-clock-right")) };
    }
    let span = rma_shared::clock::span(offset, lang);
    let key = if offset_ms > 0 {
        "sites-clock-ahead"
    } else {
        "sites-clock-behind"
    };
    html! { span.flag { (tr!(lang, key, span = span)) } }
}
