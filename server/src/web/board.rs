//! The board: every site's tickets, newest first, a page at a time, answered from the summary
//! index (no document is loaded), with counts per status and overdue.

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use maud::html;
use rma_shared::{AreaCode, LabelCode, SiteCode, TicketNumber, TicketStatus, UnitNumber};
use rma_store::tickets::ListFilter;
use serde::Deserialize;

use rma_shared::i18n::Localized;
use rma_shared::tr;

use super::auth::Office;
use super::{PageError, age, page};
use crate::state::AppState;

pub const PAGE_SIZE: usize = 50;

#[derive(Debug, Default, Deserialize)]
pub struct BoardQuery {
    status: Option<String>,
    site: Option<String>,
    model: Option<String>,
    area: Option<String>,
    overdue: Option<String>,
    /// A ticket or unit number (or a scanned code) to open.
    q: Option<String>,
    /// Read leniently: a page that is not a number is the first.
    page: Option<String>,
}

impl BoardQuery {
    /// The query string of these filters, for links that keep them.
    fn keep(&self, page: usize) -> String {
        let mut parts = Vec::new();
        let mut add = |name: &str, value: &Option<String>| {
            if let Some(v) = value.as_deref().filter(|v| !v.is_empty()) {
                parts.push(format!("{name}={}", super::percent_encode(v)));
            }
        };
        add("status", &self.status);
        add("site", &self.site);
        add("model", &self.model);
        add("area", &self.area);
        add("overdue", &self.overdue);
        if page > 1 {
            parts.push(format!("page={page}"));
        }
        format!("/?{}", parts.join("&"))
    }
}

fn present(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// The ticket a search names: a ticket or unit number, or a scanned code.
fn searched(text: &str) -> Option<TicketNumber> {
    if let Ok(number) = TicketNumber::parse(text) {
        return Some(number);
    }
    if let Ok(unit) = UnitNumber::parse(text) {
        return Some(unit.ticket().clone());
    }
    LabelCode::parse(text).ok()?.ticket().cloned()
}

pub async fn show(
    State(state): State<Arc<AppState>>,
    Office(user, lang): Office,
    Query(query): Query<BoardQuery>,
) -> Response {
    super::off_thread(move || {
        let now = Utc::now();
        let mut notes: Vec<String> = Vec::new();
        if let Some(text) = present(&query.q) {
            match searched(text) {
                Some(number) => match state.store.tickets().summary(&number) {
                    Ok(Some(_)) => return Redirect::to(&format!("/tickets/{number}")).into_response(),
                    Ok(None) => notes.push(tr!(lang, "board-no-such-ticket", number = number.to_string())),
                    Err(err) => {
                        tracing::error!(error = %err, "search failed");
                        notes.push(tr!(lang, "board-search-failed"));
                    }
                },
                None => notes.push(tr!(lang, "board-not-a-number", text = text)),
            }
        }
        let status = match present(&query.status) {
            Some(text) => match TicketStatus::parse(text) {
                Some(status) => Some(status),
                None => {
                    notes.push(tr!(lang, "board-not-a-status", text = text));
                    None
                }
            },
            None => None,
        };
        let site = present(&query.site).and_then(|text| match SiteCode::parse(text) {
            Ok(site) => Some(site),
            Err(err) => {
                notes.push(err.message(lang));
                None
            }
        });
        let area = present(&query.area).and_then(|text| match AreaCode::parse(text) {
            Ok(area) => Some(area),
            Err(err) => {
                notes.push(err.message(lang));
                None
            }
        });
        let overdue = query.overdue.is_some();
        let page_number = query
            .page
            .as_deref()
            .and_then(|p| p.trim().parse::<usize>().ok())
            .unwrap_or(1)
            .clamp(1, 100_000);
        let deadlines = &state.settings.deadlines;
        let late = state.store.kept().overdue.get(&state.store, (), || {
            state.store.tickets().overdue(deadlines, now).map_err(crate::store::ServerStoreError::from)
        });
        let filter = ListFilter {
            status,
            model: present(&query.model).map(str::to_owned),
            area,
            overdue_at: overdue.then_some(now),
            late: late.as_ref().ok().cloned(),
            site,
            offset: (page_number - 1) * PAGE_SIZE,
            limit: PAGE_SIZE,
        };
        let tickets = state.store.tickets();
        let listing = tickets.list(&filter, deadlines);
        let counts = state.store.status_counts();
        let sites = state.store.sites();
        let read = (|| Ok::<_, crate::store::ServerStoreError>((listing?, late?, counts?, sites?)))();
        let (listing, late, counts, sites) = match read {
            Ok(read) => read,
            Err(err) => return PageError::failed(&user, lang, &tr!(lang, "nav-board"), err).into_response(),
        };
        let total: u64 = counts.values().sum();
        let body = html! {
            @for note in &notes { p.problem { (note) } }
            div.counts #counts {
                a href="/" { (tr!(lang, "board-all")) b { (total) } }
                @for (status, count) in &counts {
                    a href=(format!("/?status={}", status.as_str())) data-status=(status.as_str()) {
                        (status.label(lang)) b { (count) }
                    }
                }
                a.overdue #overdue-count href="/?overdue=on" { (tr!(lang, "board-overdue")) b { (late.len()) } }
            }
            form.filters method="get" action="/" {
                label { (tr!(lang, "board-ticket-or-unit"))
                    input name="q" placeholder="WH1-2026-00042-1" value=[present(&query.q)]; }
                label { (tr!(lang, "col-status"))
                    select name="status" {
                        option value="" { (tr!(lang, "board-any")) }
                        @for s in TicketStatus::ALL {
                            option value=(s.as_str()) selected[status == Some(s)] { (s.label(lang)) }
                        }
                    }
                }
                label { (tr!(lang, "col-site"))
                    select name="site" {
                        option value="" { (tr!(lang, "board-any")) }
                        @for s in &sites {
                            option value=(s.code.as_str()) selected[filter.site.as_ref() == Some(&s.code)] { (s.code.as_str()) }
                        }
                    }
                }
                label { (tr!(lang, "col-model")) input name="model" value=[present(&query.model)]; }
                label { (tr!(lang, "col-area")) input name="area" value=[present(&query.area)]; }
                label { (tr!(lang, "board-overdue-only")) input #overdue type="checkbox" name="overdue" checked[overdue]; }
                button.primary type="submit" { (tr!(lang, "board-show")) }
                a href="/" { (tr!(lang, "board-clear")) }
            }
            @if listing.tickets.is_empty() {
                p.muted #empty { (tr!(lang, "out-no-tickets")) }
            } @else {
                table #board {
                    thead { tr {
                        th { (tr!(lang, "col-ticket")) } th { (tr!(lang, "col-customer")) } th { (tr!(lang, "col-model")) } th.num { (tr!(lang, "col-quantity")) }
                        th { (tr!(lang, "col-status")) } th { (tr!(lang, "board-units")) } th { (tr!(lang, "col-site")) } th { (tr!(lang, "board-age")) }
                    } }
                    tbody {
                        @for t in &listing.tickets {
                            @let late = t.overdue(deadlines, now);
                            tr data-ticket=(t.number.to_string()) {
                                td { a href=(format!("/tickets/{}", t.number)) { (t.number.to_string()) } }
                                td { (t.customer) }
                                td { (t.model) }
                                td.num { (t.quantity) }
                                td {
                                    (t.status.label(lang))
                                    @for o in &late { br; span.flag data-deadline=(o.deadline.as_str()) { (tr!(lang, "board-overdue-flag", deadline = o.deadline.label(lang))) } }
                                    @if t.open_conflicts > 0 { br; span.flag { (tr!(lang, "out-flag-conflicts", count = t.open_conflicts)) } }
                                }
                                td {
                                    @for u in &t.units {
                                        span { (u.number.to_string()) ": " (u.state.label(lang)) " @ " (u.location.label(lang)) } br;
                                    }
                                }
                                td { (t.number.site().as_str()) }
                                td { @if let Some(at) = t.registered_at { (age(at, now, lang)) } }
                            }
                        }
                    }
                }
            }
            div.pager {
                @if page_number > 1 { a href=(query.keep(page_number - 1)) { "\u{2190} " (tr!(lang, "board-newer")) } }
                span.muted { (tr!(lang, "board-page", page = page_number)) }
                @if listing.more { a #next href=(query.keep(page_number + 1)) { (tr!(lang, "board-older")) " \u{2192}" } }
                span.muted #updated { (tr!(lang, "board-updated",
                    time = rma_shared::calendar::company().local(now).format("%H:%M:%S").to_string(),
                    zone = rma_shared::calendar::company().zone_name())) }
            }
            // Keeps the board current without a manual reload, unless someone is typing.
            script src="/static/board.js" {}
        };
        page(&tr!(lang, "nav-board"), &user, lang, "/", body).into_response()
    })
    .await
}
