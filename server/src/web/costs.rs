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
use rma_shared::event::{AuditVerdict, EventKind};
use rma_shared::people::Action;
use rma_shared::{Currency, EventId, Money, TicketNumber};
use serde::Deserialize;

use rma_shared::i18n::{Lang, Localized};
use rma_shared::tr;

use super::auth::Office;
use super::xlsx::{Cell, Sheet};
use super::{PageError, page, when};
use crate::state::AppState;
use crate::users::User;

#[derive(Debug, Deserialize)]
pub struct RangeQuery {
    from: Option<String>,
    to: Option<String>,
    /// The page of lines shown (the totals are always over every line); read leniently.
    page: Option<String>,
    /// Only lines finance has not audited yet (`none`), audited, or queried.
    audit: Option<String>,
}

/// Lines shown a page; the CSV has them all.
const LINES_PER_PAGE: usize = 200;

/// The months of a ledger and its lines (kept for the next readers, see `office::Kept`).
type Ledger = (Month, Month, std::sync::Arc<Vec<CostEntry>>);

/// The ledger of the months asked for (this month if none), or a page saying what is wrong.
fn ledger(
    state: &AppState,
    user: &User,
    lang: Lang,
    query: &RangeQuery,
) -> Result<Ledger, PageError> {
    if !user.role.reads_costs() {
        return Err(PageError::new(
            StatusCode::FORBIDDEN,
            user,
            lang,
            &tr!(lang, "nav-costs"),
            &tr!(lang, "costs-forbidden"),
        ));
    }
    let read = |text: &Option<String>| -> Result<Option<Month>, PageError> {
        match text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            None => Ok(None),
            Some(t) => Month::parse(t).map(Some).map_err(|err| {
                PageError::new(
                    StatusCode::BAD_REQUEST,
                    user,
                    lang,
                    &tr!(lang, "nav-costs"),
                    &err.message(lang),
                )
            }),
        }
    };
    let this = Month::of(Utc::now());
    let to = read(&query.to)?.unwrap_or(this);
    let from = read(&query.from)?.unwrap_or(to);
    if from > to {
        return Err(PageError::new(
            StatusCode::BAD_REQUEST,
            user,
            lang,
            &tr!(lang, "nav-costs"),
            &tr!(
                lang,
                "costs-backwards",
                from = from.to_string(),
                to = to.to_string()
            ),
        ));
    }
    let lines = state
        .store
        .kept()
        .costs
        .get(&state.store, (from, to), || {
            state
                .store
                .cost_lines(from, to)
                .map_err(crate::store::ServerStoreError::from)
        })
        .map_err(|err| PageError::failed(user, lang, &tr!(lang, "nav-costs"), err))?;
    let wanted = query.audit.as_deref().unwrap_or("");
    if !matches!(wanted, "none" | "audited" | "queried") {
        return Ok((from, to, lines));
    }
    let mut lines = lines.as_ref().clone();
    lines.retain(|line| {
        let verdict = line.audit.as_ref().map(|a| a.verdict);
        match wanted {
            "none" => verdict.is_none(),
            "audited" => verdict == Some(AuditVerdict::Audited),
            _ => verdict == Some(AuditVerdict::Queried),
        }
    });
    Ok((from, to, std::sync::Arc::new(lines)))
}

/// The audit state of a line, in words.
fn audit_state(line: &CostEntry, lang: Lang) -> String {
    match &line.audit {
        None => tr!(lang, "costs-not-audited"),
        Some(mark) => {
            let mut text = format!(
                "{} ({}, {})",
                mark.verdict.label(lang),
                mark.by,
                when(mark.at)
            );
            if let Some(note) = &mark.note {
                text.push_str(": ");
                text.push_str(note);
            }
            text
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct AuditForm {
    ticket: String,
    event: String,
    verdict: String,
    #[serde(default)]
    note: String,
    /// The ledger's query string, to go back to.
    #[serde(default)]
    back: String,
}

/// Finance marks a cost line audited or queried (regulation 6.2): recorded in the ticket by
/// the office's own actor, so it reaches the sites with sync.
pub async fn audit_line(
    State(state): State<Arc<AppState>>,
    Office(user, lang): Office,
    axum::Form(form): axum::Form<AuditForm>,
) -> Response {
    super::off_thread(move || {
        let title = tr!(lang, "nav-costs");
        if !user.role.may(Action::AuditCost) {
            return PageError::new(
                StatusCode::FORBIDDEN,
                &user,
                lang,
                &title,
                &tr!(lang, "costs-audit-forbidden"),
            )
            .into_response();
        }
        let verdict = match form.verdict.as_str() {
            "audited" => AuditVerdict::Audited,
            "queried" => AuditVerdict::Queried,
            _ => {
                return PageError::new(
                    StatusCode::BAD_REQUEST,
                    &user,
                    lang,
                    &title,
                    &tr!(lang, "costs-audit-refused", reason = form.verdict),
                )
                .into_response();
            }
        };
        let Ok(number) = TicketNumber::parse(form.ticket.trim()) else {
            return PageError::new(
                StatusCode::BAD_REQUEST,
                &user,
                lang,
                &title,
                &tr!(lang, "ticket-not-a-number", text = form.ticket),
            )
            .into_response();
        };
        let note = Some(form.note.trim().to_owned()).filter(|n| !n.is_empty());
        let kind = EventKind::CostAudited {
            cost: EventId::from(form.event.trim()),
            verdict,
            note,
        };
        match state
            .store
            .record_at_office(&number, kind, &user.name, Utc::now())
        {
            Ok(()) => {
                tracing::info!(user = %user.name, ticket = %number, ?verdict, "cost line audited");
                let back = if form.back.starts_with("from=") || form.back.is_empty() {
                    format!("/costs?{}", form.back)
                } else {
                    "/costs".to_owned()
                };
                axum::response::Redirect::to(&back).into_response()
            }
            Err(crate::store::ServerStoreError::Refused(refusal)) => PageError::new(
                StatusCode::CONFLICT,
                &user,
                lang,
                &title,
                &tr!(lang, "costs-audit-refused", reason = refusal.message(lang)),
            )
            .into_response(),
            Err(crate::store::ServerStoreError::UnknownTicket(_)) => PageError::new(
                StatusCode::NOT_FOUND,
                &user,
                lang,
                &title,
                &tr!(lang, "store-unknown-ticket", what = number.to_string()),
            )
            .into_response(),
            Err(err) => PageError::failed(&user, lang, &title, err).into_response(),
        }
    })
    .await
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

fn totals_table(
    id: &str,
    title: &str,
    sums: &BTreeMap<(String, Currency), i64>,
    lang: Lang,
) -> Markup {
    html! {
        table id=(id) {
            thead { tr { th { (title) } th.num { (tr!(lang, "costs-total")) } } }
            tbody { @for ((key, currency), minor) in sums { tr { td { (key) } td.num { (money(*minor, currency)) } } } }
        }
    }
}

type Key = fn(&CostEntry, Lang) -> String;
const GROUPS: [(&str, &str, Key); 4] = [
    ("by-payer", "costs-payer", |l, lang| l.payer.label(lang)),
    ("by-kind", "costs-kind", |l, lang| l.kind.label(lang)),
    ("by-model", "col-model", |l, _| l.model.clone()),
    ("by-month", "analysis-month", |l, _| {
        Month::of(l.at).to_string()
    }),
];

pub async fn show(
    State(state): State<Arc<AppState>>,
    Office(user, lang): Office,
    Query(query): Query<RangeQuery>,
) -> Response {
    super::off_thread(move || {
        let (from, to, lines) = match ledger(&state, &user, lang, &query) {
            Ok(ledger) => ledger,
            Err(refused) => return refused.into_response(),
        };
        let t = |id: &str| tr!(lang, id);
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
        let audit = query.audit.clone().unwrap_or_default();
        let auditor = user.role.may(Action::AuditCost);
        let back = format!("from={from}&to={to}&audit={audit}");
        let body = html! {
            form.filters method="get" action="/costs" {
                label { (t("costs-from")) input type="month" name="from" value=(from.to_string()); }
                label { (t("costs-to")) input type="month" name="to" value=(to.to_string()); }
                label { (t("costs-show-audit"))
                    select name="audit" {
                        @for (value, key) in [("", "costs-audit-any"), ("none", "costs-audit-none"), ("audited", "costs-audit-done"), ("queried", "costs-audit-queried")] {
                            option value=(value) selected[audit == value] { (t(key)) }
                        }
                    }
                }
                button.primary type="submit" { (t("board-show")) }
                a #csv href=(format!("/costs.csv?from={from}&to={to}&audit={audit}")) download { (t("download-csv")) }
                a #xlsx href=(format!("/costs.xlsx?from={from}&to={to}&audit={audit}")) download { (t("download-xlsx")) }
            }
            p.muted { (tr!(lang, "costs-count", count = lines.len(), from = from.to_string(), to = to.to_string())) }
            div.charts {
                @for (id, title, key) in GROUPS { figure { (totals_table(id, &t(title), &totals(lines.as_slice(), |l| key(l, lang)), lang)) } }
            }
            h2 { (t("costs-lines")) }
            @if pages > 1 {
                p.pager {
                    @if page_number > 1 { a href=(format!("/costs?from={from}&to={to}&audit={audit}&page={}", page_number - 1)) { "\u{2190} " (t("costs-earlier")) } }
                    span.muted { (tr!(lang, "costs-page", page = page_number, pages = pages)) }
                    @if page_number < pages { a #later href=(format!("/costs?from={from}&to={to}&audit={audit}&page={}", page_number + 1)) { (t("costs-later")) " \u{2192}" } }
                }
            }
            table #lines {
                thead { tr { th { (t("col-when")) } th { (t("col-ticket")) } th { (t("col-model")) } th { (t("ticket-unit")) } th { (t("costs-kind")) } th.num { (t("costs-amount")) } th { (t("costs-payer")) } th { (t("costs-liability")) } th { (t("costs-recorded-by")) } th { (t("costs-note")) } th { (t("costs-audit")) } } }
                tbody { @for l in shown { tr {
                    td { (when(l.at)) }
                    td { a href=(format!("/tickets/{}", l.ticket)) { (l.ticket.to_string()) } }
                    td { (l.model) }
                    td { (l.unit.as_ref().map(ToString::to_string).unwrap_or_default()) }
                    td { (l.kind.label(lang)) }
                    td.num { (l.amount.to_string()) }
                    td { (l.payer.label(lang)) }
                    td { (l.liability.label(lang)) }
                    td { (tr!(lang, "ticket-by-at", by = l.by.as_str(), site = l.site.to_string())) }
                    td { (l.note.as_deref().unwrap_or("")) }
                    td.audit {
                        (audit_state(l, lang))
                        @if auditor {
                            form.audit method="post" action="/costs/audit" {
                                input type="hidden" name="ticket" value=(l.ticket.to_string());
                                input type="hidden" name="event" value=(l.event.to_string());
                                input type="hidden" name="back" value=(back);
                                button type="submit" name="verdict" value="audited" { (t("costs-mark-audited")) }
                                input name="note" placeholder=(t("costs-query-note")) aria-label=(t("costs-query-note"));
                                button type="submit" name="verdict" value="queried" { (t("costs-mark-queried")) }
                            }
                        }
                    }
                } } }
            }
        };
        page(&t("nav-costs"), &user, lang, "/costs", body).into_response()
    })
    .await
}

/// The columns of a line in the downloads.
const LINE_COLUMNS: [&str; 13] = [
    "costs-recorded-at",
    "col-ticket",
    "col-model",
    "ticket-unit",
    "costs-kind",
    "costs-amount",
    "costs-currency",
    "costs-payer",
    "costs-liability",
    "col-site",
    "costs-recorded-by",
    "costs-note",
    "costs-audit-state",
];

/// Where the amount, currency, payer and liability are among [`LINE_COLUMNS`].
const AMOUNT: usize = 5;
const CURRENCY: usize = 6;
const PAYER: usize = 7;
const LIABILITY: usize = 8;

pub async fn download(
    State(state): State<Arc<AppState>>,
    Office(user, lang): Office,
    Query(query): Query<RangeQuery>,
) -> Response {
    super::off_thread(move || {
        let (from, to, lines) = match ledger(&state, &user, lang, &query) {
            Ok(ledger) => ledger,
            Err(refused) => return refused.into_response(),
        };
        let mut rows = vec![LINE_COLUMNS.map(|id| tr!(lang, id)).to_vec()];
        for l in lines.iter() {
            rows.push(vec![
                l.at.to_rfc3339(),
                l.ticket.to_string(),
                l.model.clone(),
                l.unit.as_ref().map(ToString::to_string).unwrap_or_default(),
                l.kind.label(lang),
                l.amount.amount(),
                l.amount.currency.to_string(),
                l.payer.label(lang),
                l.liability.label(lang),
                l.site.to_string(),
                l.by.clone(),
                l.note.clone().unwrap_or_default(),
                audit_state(l, lang),
            ]);
        }
        super::csv::download(&format!("rma-costs-{from}-to-{to}.csv"), rows)
    })
    .await
}

/// `/costs.xlsx`: the ledger as the page filters it, a row a cost line, and its totals by
/// payer and by liability as formulas over those rows.
pub async fn workbook(
    State(state): State<Arc<AppState>>,
    Office(user, lang): Office,
    Query(query): Query<RangeQuery>,
) -> Response {
    super::off_thread(move || {
        let (from, to, lines) = match ledger(&state, &user, lang, &query) {
            Ok(ledger) => ledger,
            Err(refused) => return refused.into_response(),
        };
        let mut sheet = Sheet::new(
            tr!(lang, "costs-lines"),
            LINE_COLUMNS.map(|id| tr!(lang, id)).to_vec(),
        );
        for l in lines.iter() {
            sheet.push(vec![
                Cell::Time(l.at),
                Cell::text(l.ticket.to_string()),
                Cell::text(&l.model),
                Cell::optional_text(l.unit.as_ref()),
                Cell::text(l.kind.label(lang)),
                Cell::Money(l.amount.clone()),
                Cell::text(l.amount.currency.to_string()),
                Cell::text(l.payer.label(lang)),
                Cell::text(l.liability.label(lang)),
                Cell::text(l.site.to_string()),
                Cell::text(&l.by),
                Cell::optional_text(l.note.as_ref()),
                Cell::text(audit_state(l, lang)),
            ]);
        }
        let by_payer = sums_sheet(
            &sheet,
            lines.as_slice(),
            PAYER,
            "costs-by-payer",
            "costs-payer",
            lang,
            |l| l.payer.label(lang),
        );
        let by_liability = sums_sheet(
            &sheet,
            lines.as_slice(),
            LIABILITY,
            "costs-by-liability",
            "costs-liability",
            lang,
            |l| l.liability.label(lang),
        );
        super::xlsx::download(
            &format!("rma-costs-{from}-to-{to}.xlsx"),
            &[sheet, by_payer, by_liability],
        )
    })
    .await
}

/// A sheet of totals per `key` and currency: each a `SUMIFS` over the lines' sheet, so a
/// line corrected there changes its total.
fn sums_sheet(
    lines_sheet: &Sheet,
    lines: &[CostEntry],
    key_column: usize,
    title: &str,
    heading: &str,
    lang: Lang,
    key: impl Fn(&CostEntry) -> String,
) -> Sheet {
    let mut sheet = Sheet::new(
        tr!(lang, title),
        vec![
            tr!(lang, heading),
            tr!(lang, "costs-currency"),
            tr!(lang, "costs-total"),
        ],
    );
    let last = lines.len() + 1;
    let range = |col| super::xlsx::range(&lines_sheet.name, col, last);
    for (index, ((label, currency), minor)) in totals(lines, key).into_iter().enumerate() {
        let row = index + 2;
        let formula = format!(
            "=SUMIFS({}, {}, $A${row}, {}, $B${row})",
            range(AMOUNT),
            range(key_column),
            range(CURRENCY)
        );
        sheet.push(vec![
            Cell::text(label),
            Cell::text(currency.to_string()),
            Cell::Sum {
                formula,
                total: Money { minor, currency },
            },
        ]);
    }
    sheet
}
