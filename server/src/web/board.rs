//! The board: every site's tickets, newest first, a page at a time, answered from the summary
//! index (no document is loaded), with counts per status and overdue.

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use maud::html;
use rma_shared::{AreaCode, LabelCode, SiteCode, TicketNumber, TicketStatus, UnitNumber};
use rma_store::tickets::ListFilter;
use serde::Deserialize;

use super::auth::Office;
use super::{age, page, problem};
use crate::api::AppState;

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
    Office(user): Office,
    Query(query): Query<BoardQuery>,
) -> Response {
    super::off_thread(move || {
        let now = Utc::now();
        let mut notes: Vec<String> = Vec::new();
        if let Some(text) = present(&query.q) {
            match searched(text) {
                Some(number) => match state.store.tickets().summary(&number) {
                    Ok(Some(_)) => return Redirect::to(&format!("/tickets/{number}")).into_response(),
                    Ok(None) => notes.push(format!("No ticket {number} has reached the server.")),
                    Err(err) => {
                        tracing::error!(error = %err, "search failed");
                        notes.push("The search could not be run; see the server's log.".into());
                    }
                },
                None => notes.push(format!(
                    "\u{201c}{text}\u{201d} is not a ticket or unit number (they look like WH1-2026-00042 or WH1-2026-00042-1)."
                )),
            }
        }
        let status = match present(&query.status) {
            Some(text) => match TicketStatus::parse(text) {
                Some(status) => Some(status),
                None => {
                    notes.push(format!(
                        "\u{201c}{text}\u{201d} is not a status; showing every status."
                    ));
                    None
                }
            },
            None => None,
        };
        let site = present(&query.site).and_then(|text| match SiteCode::parse(text) {
            Ok(site) => Some(site),
            Err(err) => {
                notes.push(err.to_string());
                None
            }
        });
        let area = present(&query.area).and_then(|text| match AreaCode::parse(text) {
            Ok(area) => Some(area),
            Err(err) => {
                notes.push(err.to_string());
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
        let filter = ListFilter {
            status,
            model: present(&query.model).map(str::to_owned),
            area,
            overdue_at: overdue.then_some(now),
            site,
            offset: (page_number - 1) * PAGE_SIZE,
            limit: PAGE_SIZE,
        };
        let deadlines = &state.settings.deadlines;
        let tickets = state.store.tickets();
        let listing = tickets.list(&filter, deadlines);
        let overdue_count = tickets.count_overdue(deadlines, now);
        let counts = state.store.status_counts();
        let sites = state.store.sites();
        let (Ok(listing), Ok(overdue_count), Ok(counts), Ok(sites)) =
            (listing, overdue_count, counts, sites)
        else {
            return problem(
                StatusCode::INTERNAL_SERVER_ERROR,
                &user,
                "Board",
                "The server could not read its store; see its log.",
            );
        };
        let total: u64 = counts.values().sum();
        let body = html! {
            @for note in &notes { p.problem { (note) } }
            div.counts #counts {
                a href="/" { "All" b { (total) } }
                @for (status, count) in &counts {
                    a href=(format!("/?status={}", status.as_str())) data-status=(status.as_str()) {
                        (status.to_string()) b { (count) }
                    }
                }
                a.overdue #overdue-count href="/?overdue=on" { "Overdue" b { (overdue_count) } }
            }
            form.filters method="get" action="/" {
                label { "Ticket or unit"
                    input name="q" placeholder="WH1-2026-00042-1" value=[present(&query.q)]; }
                label { "Status"
                    select name="status" {
                        option value="" { "any" }
                        @for s in TicketStatus::ALL {
                            option value=(s.as_str()) selected[status == Some(s)] { (s.to_string()) }
                        }
                    }
                }
                label { "Site"
                    select name="site" {
                        option value="" { "any" }
                        @for s in &sites {
                            option value=(s.code.as_str()) selected[filter.site.as_ref() == Some(&s.code)] { (s.code.as_str()) }
                        }
                    }
                }
                label { "Model" input name="model" value=[present(&query.model)]; }
                label { "Storage area" input name="area" value=[present(&query.area)]; }
                label { "Overdue only" input #overdue type="checkbox" name="overdue" checked[overdue]; }
                button.primary type="submit" { "Show" }
                a href="/" { "Clear" }
            }
            @if listing.tickets.is_empty() {
                p.muted #empty { "No tickets match." }
            } @else {
                table #board {
                    thead { tr {
                        th { "Ticket" } th { "Customer" } th { "Model" } th.num { "Qty" }
                        th { "Status" } th { "Units (state, location)" } th { "Site" } th { "Age" }
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
                                    (t.status.to_string())
                                    @for o in &late { br; span.flag title=(o.deadline.label()) { "overdue: " (o.deadline.as_str()) } }
                                    @if t.open_conflicts > 0 { br; span.flag { (t.open_conflicts) " conflict(s)" } }
                                }
                                td {
                                    @for u in &t.units {
                                        span { (u.number.to_string()) ": " (u.state.as_str().replace('_', " ")) " @ " (u.location.to_string()) } br;
                                    }
                                }
                                td { (t.number.site().as_str()) }
                                td { @if let Some(at) = t.registered_at { (age(at, now)) } }
                            }
                        }
                    }
                }
            }
            div.pager {
                @if page_number > 1 { a href=(query.keep(page_number - 1)) { "\u{2190} Newer" } }
                span.muted { "Page " (page_number) }
                @if listing.more { a #next href=(query.keep(page_number + 1)) { "Older \u{2192}" } }
                span.muted #updated { "Updated " (now.format("%H:%M:%S")) " UTC; the board reloads itself every 15 s." }
            }
            // Keeps the board current without a manual reload, unless someone is typing.
            script src="/static/board.js" {}
        };
        page("Board", &user, "/", body).into_response()
    })
    .await
}
