//! The cost ledger (regulation 6): every cost line of the chosen months, with totals by payer,
//! kind, model and month, and a CSV download. After-sales keeps it, finance audits it: only
//! those roles (and the head and administrators) see it.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use maud::{Markup, html};
use rma_shared::analysis::{CostEntry, Month};
use rma_shared::{Currency, Money};
use serde::Deserialize;

use super::auth::Office;
use super::{page, refuse, when};
use crate::api::AppState;
use crate::users::User;

#[derive(Debug, Deserialize)]
pub struct RangeQuery {
    from: Option<String>,
    to: Option<String>,
    /// The page of lines shown (the totals are always over every line); read leniently.
    page: Option<String>,
}

/// Lines shown a page; the CSV has them all.
const LINES_PER_PAGE: usize = 200;

/// The ledger of the months asked for (this month if none), or a page saying what is wrong.
fn ledger(
    state: &AppState,
    user: &User,
    query: &RangeQuery,
) -> Result<(Month, Month, Vec<CostEntry>), Box<Response>> {
    if !user.role.reads_costs() {
        return Err(refuse(
            StatusCode::FORBIDDEN,
            user,
            "Cost ledger",
            "The cost ledger is kept by after-sales and audited by finance (regulation 6); ask one of them, or the head, for what you need.",
        ));
    }
    let read = |text: &Option<String>| -> Result<Option<Month>, Box<Response>> {
        match text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            None => Ok(None),
            Some(t) => Month::parse(t).map(Some).map_err(|err| {
                refuse(
                    StatusCode::BAD_REQUEST,
                    user,
                    "Cost ledger",
                    &err.to_string(),
                )
            }),
        }
    };
    let this = Month::of(Utc::now());
    let to = read(&query.to)?.unwrap_or(this);
    let from = read(&query.from)?.unwrap_or(to);
    if from > to {
        return Err(refuse(
            StatusCode::BAD_REQUEST,
            user,
            "Cost ledger",
            &format!("The range starts ({from}) after it ends ({to})."),
        ));
    }
    let lines = state.store.cost_lines(from, to).map_err(|err| {
        tracing::error!(error = %err, "cost ledger failed");
        refuse(
            StatusCode::INTERNAL_SERVER_ERROR,
            user,
            "Cost ledger",
            "The server could not read its store; see its log.",
        )
    })?;
    Ok((from, to, lines))
}

/// Sums by a key, per currency.
fn totals(
    lines: &[CostEntry],
    key: impl Fn(&CostEntry) -> String,
) -> BTreeMap<(String, Currency), i64> {
    let mut sums = BTreeMap::new();
    for line in lines {
        *sums
            .entry((key(line), line.amount.currency.clone()))
            .or_insert(0) += line.amount.minor;
    }
    sums
}

fn money(minor: i64, currency: &Currency) -> String {
    Money {
        minor,
        currency: currency.clone(),
    }
    .to_string()
}

fn totals_table(id: &str, title: &str, sums: &BTreeMap<(String, Currency), i64>) -> Markup {
    html! {
        table id=(id) {
            thead { tr { th { (title) } th.num { "Total" } } }
            tbody { @for ((key, currency), minor) in sums { tr { td { (key) } td.num { (money(*minor, currency)) } } } }
        }
    }
}

type Key = fn(&CostEntry) -> String;
const GROUPS: [(&str, &str, Key); 4] = [
    ("by-payer", "Payer", |l| l.payer.label().to_owned()),
    ("by-kind", "Kind", |l| l.kind.label().to_owned()),
    ("by-model", "Model", |l| l.model.clone()),
    ("by-month", "Month", |l| Month::of(l.at).to_string()),
];

pub async fn show(
    State(state): State<Arc<AppState>>,
    Office(user): Office,
    Query(query): Query<RangeQuery>,
) -> Response {
    super::off_thread(move || {
        let (from, to, lines) = match ledger(&state, &user, &query) {
            Ok(ledger) => ledger,
            Err(page) => return *page,
        };
        let pages = lines.len().div_ceil(LINES_PER_PAGE).max(1);
        let page_number = query
            .page
            .as_deref()
            .and_then(|p| p.trim().parse::<usize>().ok())
            .unwrap_or(1)
            .clamp(1, pages);
        let shown = lines
            .iter()
            .skip((page_number - 1) * LINES_PER_PAGE)
            .take(LINES_PER_PAGE);
        let body = html! {
            form.filters method="get" action="/costs" {
                label { "From" input type="month" name="from" value=(from.to_string()); }
                label { "To" input type="month" name="to" value=(to.to_string()); }
                button.primary type="submit" { "Show" }
                a #csv href=(format!("/costs.csv?from={from}&to={to}")) download { "Download CSV" }
            }
            p.muted { (lines.len()) " cost line(s) recorded from " (from.to_string()) " to " (to.to_string()) "." }
            div.charts {
                @for (id, title, key) in GROUPS { figure { (totals_table(id, title, &totals(&lines, key))) } }
            }
            h2 { "Lines" }
            @if pages > 1 {
                p.pager {
                    @if page_number > 1 { a href=(format!("/costs?from={from}&to={to}&page={}", page_number - 1)) { "\u{2190} Earlier" } }
                    span.muted { "Page " (page_number) " of " (pages) }
                    @if page_number < pages { a #later href=(format!("/costs?from={from}&to={to}&page={}", page_number + 1)) { "Later \u{2192}" } }
                }
            }
            table #lines {
                thead { tr { th { "When" } th { "Ticket" } th { "Model" } th { "Unit" } th { "Kind" } th.num { "Amount" } th { "Payer" } th { "Liability" } th { "Recorded by" } th { "Note" } } }
                tbody { @for l in shown { tr {
                    td { (when(l.at)) }
                    td { a href=(format!("/tickets/{}", l.ticket)) { (l.ticket.to_string()) } }
                    td { (l.model) }
                    td { (l.unit.as_ref().map(ToString::to_string).unwrap_or_default()) }
                    td { (l.kind.label()) }
                    td.num { (l.amount.to_string()) }
                    td { (l.payer.label()) }
                    td { (l.liability.label()) }
                    td { (l.by) " at " (l.site.as_str()) }
                    td { (l.note.as_deref().unwrap_or("")) }
                } } }
            }
        };
        page("Cost ledger", &user, "/costs", body).into_response()
    })
    .await
}

pub async fn download(
    State(state): State<Arc<AppState>>,
    Office(user): Office,
    Query(query): Query<RangeQuery>,
) -> Response {
    super::off_thread(move || {
        let (from, to, lines) = match ledger(&state, &user, &query) {
            Ok(ledger) => ledger,
            Err(page) => return *page,
        };
        let mut rows = vec![
            [
                "Recorded at",
                "Ticket",
                "Model",
                "Unit",
                "Kind",
                "Amount",
                "Currency",
                "Payer",
                "Liability",
                "Site",
                "Recorded by",
                "Note",
            ]
            .map(String::from)
            .to_vec(),
        ];
        for l in &lines {
            let amount = l.amount.to_string();
            let number = amount.split(' ').next().unwrap_or_default().to_owned();
            rows.push(vec![
                l.at.to_rfc3339(),
                l.ticket.to_string(),
                l.model.clone(),
                l.unit.as_ref().map(ToString::to_string).unwrap_or_default(),
                l.kind.label().into(),
                number,
                l.amount.currency.to_string(),
                l.payer.label().into(),
                l.liability.label().into(),
                l.site.to_string(),
                l.by.clone(),
                l.note.clone().unwrap_or_default(),
            ]);
        }
        super::csv::download(&format!("rma-costs-{from}-to-{to}.csv"), rows)
    })
    .await
}
