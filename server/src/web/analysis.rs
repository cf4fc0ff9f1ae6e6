//! The monthly analysis (regulation 7), computed from the tickets registered in the month:
//! returns by model, fault types, repair time, first-pass inspections, customer satisfaction
//! and feedback; charts drawn here, and a CSV download.

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use maud::html;
use rma_shared::analysis::{Month, MonthlyAnalysis};
use serde::Deserialize;

use rma_shared::i18n::{Lang, Localized};
use rma_shared::tr;

use super::auth::Office;
use super::chart::bars;
use super::xlsx::{Cell, Sheet};
use super::{PageError, page};
use crate::state::AppState;
use crate::users::User;

#[derive(Debug, Deserialize)]
pub struct MonthQuery {
    month: Option<String>,
}

/// The month asked for (this month if none), or a page saying what is wrong.
fn month(user: &User, lang: Lang, query: &MonthQuery) -> Result<Month, PageError> {
    match query
        .month
        .as_deref()
        .map(str::trim)
        .filter(|m| !m.is_empty())
    {
        None => Ok(Month::of(Utc::now())),
        Some(text) => Month::parse(text).map_err(|err| {
            PageError::new(
                StatusCode::BAD_REQUEST,
                user,
                lang,
                &tr!(lang, "nav-analysis"),
                &err.message(lang),
            )
        }),
    }
}

/// The analysis of the month the query names: kept, or worked out from the month's facts
/// (themselves kept).
fn analysis(
    state: &AppState,
    user: &User,
    lang: Lang,
    query: &MonthQuery,
) -> Result<Arc<MonthlyAnalysis>, PageError> {
    let month = month(user, lang, query)?;
    let kept = state.store.kept();
    kept.analysis
        .get(&state.store, month, || {
            let facts = kept.facts.get(&state.store, month, || {
                state
                    .store
                    .month_facts(month)
                    .map_err(crate::store::ServerStoreError::from)
            })?;
            Ok::<_, crate::store::ServerStoreError>(MonthlyAnalysis::compute(
                month,
                facts.as_slice(),
            ))
        })
        .map_err(|err| PageError::failed(user, lang, &tr!(lang, "nav-analysis"), err))
}

/// A figure to one decimal, or `none` when there is nothing to count.
fn one_decimal(value: Option<f64>, none: &str) -> String {
    value.map_or_else(|| none.into(), |v| format!("{v:.1}"))
}

fn one(value: Option<f64>) -> String {
    one_decimal(value, "-")
}

pub async fn show(
    State(state): State<Arc<AppState>>,
    Office(user, lang): Office,
    Query(query): Query<MonthQuery>,
) -> Response {
    super::off_thread(move || {
        let a = match analysis(&state, &user, lang, &query) {
            Ok(a) => a,
            Err(refused) => return refused.into_response(),
        };
        let t = |id: &str| tr!(lang, id);
        let month = a.month;
        let models: Vec<(String, f64)> = a
            .by_model
            .iter()
            .map(|(m, r)| (m.clone(), f64::from(r.units)))
            .collect();
        let faults: Vec<(String, f64)> = a
            .fault_types
            .iter()
            .take(12)
            .map(|(f, n)| (f.clone(), f64::from(*n)))
            .collect();
        let scores: Vec<(String, f64)> = (1..=5)
            .map(|s| (tr!(lang, "analysis-score", score = s), f64::from(a.satisfaction_counts[s - 1])))
            .collect();
        let longest = match &a.repair_hours_longest {
            Some((unit, h)) => tr!(lang, "analysis-longest", hours = format!("{h:.1}"), unit = unit.to_string()),
            None => "-".to_owned(),
        };
        let body = html! {
            form.filters method="get" action="/analysis" {
                a href=(format!("/analysis?month={}", month.previous())) { "\u{2190} " (month.previous().to_string()) }
                label { (t("analysis-month")) input #month type="month" name="month" value=(month.to_string()); }
                button.primary type="submit" { (t("board-show")) }
                a href=(format!("/analysis?month={}", month.next())) { (month.next().to_string()) " \u{2192}" }
                a #csv href=(format!("/analysis.csv?month={month}")) download { (t("download-csv")) }
                a #xlsx href=(format!("/analysis.xlsx?month={month}")) download { (t("download-xlsx")) }
            }
            p.muted { (tr!(lang, "analysis-explain", month = month.to_string())) }
            dl.record #summary {
                dt { (t("analysis-returns")) } dd #returns { (tr!(lang, "analysis-returns-line", tickets = a.total.tickets, units = a.total.units)) }
                dt { (t("analysis-repair-time")) } dd #repair-time { (tr!(lang, "analysis-repair-line", average = one(a.repair_hours_average), units = a.repaired_units, longest = longest)) }
                dt { (t("analysis-bench-time")) } dd { (tr!(lang, "analysis-bench-line", average = one(a.bench_minutes_average))) }
                dt { (t("analysis-first-pass")) } dd #first-pass { (tr!(lang, "analysis-first-pass-line", percent = one(a.first_pass_percent()), passed = a.first_pass_units, inspected = a.inspected_units)) }
                dt { (t("analysis-satisfaction")) } dd #satisfaction { (tr!(lang, "analysis-satisfaction-line", average = one(a.satisfaction_average), confirmations = a.confirmations, working = a.working)) }
                dt { (t("analysis-surveys")) } dd #surveys { (tr!(lang, "analysis-surveys-line", average = one(a.survey_average), answers = a.surveys)) }
            }
            div.charts {
                (bars(&t("chart-by-model"), &models, "", lang))
                (bars(&t("chart-faults"), &faults, "", lang))
                (bars(&t("chart-scores"), &scores, "", lang))
            }
            h2 { (t("analysis-by-model")) }
            table #by-model { thead { tr { th { (t("col-model")) } th.num { (t("analysis-tickets")) } th.num { (t("analysis-units")) } } }
                tbody { @for (model, r) in &a.by_model { tr { td { (model) } td.num { (r.tickets) } td.num { (r.units) } } } } }
            h2 { (t("analysis-fault-types")) }
            table #faults { thead { tr { th { (t("analysis-fault-type")) } th.num { (t("analysis-tickets")) } } }
                tbody { @for (fault, n) in &a.fault_types { tr { td { (fault) } td.num { (n) } } } } }
            h2 { (t("analysis-feedback")) }
            @if a.feedback.is_empty() { p.muted { (t("analysis-no-feedback")) } }
            ul #feedback { @for (ticket, score, text) in &a.feedback {
                li { a href=(format!("/tickets/{ticket}")) { (ticket.to_string()) } " (" (score) "/5): " (text) } } }
        };
        page(
            &tr!(lang, "analysis-title", month = month.to_string()),
            &user,
            lang,
            "/analysis",
            body,
        )
        .into_response()
    })
    .await
}

/// The analysis as rows: section, item, tickets, units, value (headings in `lang`; figures
/// and codes as they are).
pub fn rows(a: &MonthlyAnalysis, lang: Lang) -> Vec<Vec<String>> {
    let t = |id: &str| tr!(lang, id);
    let mut rows = vec![vec![
        t("csv-section"),
        t("csv-item"),
        t("analysis-tickets"),
        t("analysis-units"),
        t("csv-value"),
    ]];
    let mut row = |cells: [String; 5]| rows.push(cells.to_vec());
    let e = String::new;
    row([t("analysis-month"), a.month.to_string(), e(), e(), e()]);
    row([
        t("analysis-returns"),
        t("csv-all-models"),
        a.total.tickets.to_string(),
        a.total.units.to_string(),
        e(),
    ]);
    for (model, r) in &a.by_model {
        row([
            t("analysis-returns"),
            model.clone(),
            r.tickets.to_string(),
            r.units.to_string(),
            e(),
        ]);
    }
    for (fault, n) in &a.fault_types {
        row([
            t("analysis-fault-type"),
            fault.clone(),
            n.to_string(),
            e(),
            e(),
        ]);
    }
    let hours = |v: Option<f64>| one_decimal(v, "");
    row([
        t("analysis-repair-time"),
        t("csv-average-hours"),
        e(),
        a.repaired_units.to_string(),
        hours(a.repair_hours_average),
    ]);
    if let Some((unit, h)) = &a.repair_hours_longest {
        row([
            t("analysis-repair-time"),
            tr!(lang, "csv-longest-hours", unit = unit.to_string()),
            e(),
            "1".into(),
            format!("{h:.1}"),
        ]);
    }
    row([
        t("analysis-repair-time"),
        t("csv-bench-minutes"),
        e(),
        a.repaired_units.to_string(),
        hours(a.bench_minutes_average),
    ]);
    row([
        t("csv-inspection"),
        t("csv-first-pass"),
        e(),
        tr!(
            lang,
            "csv-of",
            part = a.first_pass_units,
            whole = a.inspected_units
        ),
        hours(a.first_pass_percent()),
    ]);
    row([
        t("analysis-satisfaction"),
        t("csv-average-of-5"),
        a.confirmations.to_string(),
        e(),
        hours(a.satisfaction_average),
    ]);
    for (i, n) in a.satisfaction_counts.iter().enumerate() {
        row([
            t("analysis-satisfaction"),
            tr!(lang, "analysis-score", score = i + 1),
            n.to_string(),
            e(),
            e(),
        ]);
    }
    row([
        t("analysis-satisfaction"),
        t("analysis-surveys"),
        a.surveys.to_string(),
        e(),
        hours(a.survey_average),
    ]);
    row([
        t("analysis-satisfaction"),
        t("csv-working"),
        a.working.to_string(),
        e(),
        e(),
    ]);
    for (ticket, score, text) in &a.feedback {
        row([
            t("analysis-feedback"),
            ticket.to_string(),
            e(),
            e(),
            format!("{score}/5: {text}"),
        ]);
    }
    rows
}

pub async fn download(
    State(state): State<Arc<AppState>>,
    Office(user, lang): Office,
    Query(query): Query<MonthQuery>,
) -> Response {
    super::off_thread(move || match analysis(&state, &user, lang, &query) {
        Ok(a) => super::csv::download(&format!("rma-analysis-{}.csv", a.month), rows(&a, lang)),
        Err(refused) => refused.into_response(),
    })
    .await
}

/// The analysis as sheets, one a table of the page, figures as numbers.
pub fn sheets(a: &MonthlyAnalysis, lang: Lang) -> Vec<Sheet> {
    let t = |id: &str| tr!(lang, id);
    let count = |n: u32| Cell::Number(f64::from(n));
    let decimal = |v: Option<f64>| v.map_or(Cell::Empty, Cell::Decimal);
    let mut summary = Sheet::new(
        tr!(lang, "analysis-title", month = a.month.to_string()),
        vec![
            t("csv-item"),
            t("analysis-tickets"),
            t("analysis-units"),
            t("csv-value"),
        ],
    );
    summary.push(vec![
        Cell::text(t("analysis-returns")),
        count(a.total.tickets),
        count(a.total.units),
        Cell::Empty,
    ]);
    summary.push(vec![
        Cell::text(t("csv-average-hours")),
        Cell::Empty,
        count(a.repaired_units),
        decimal(a.repair_hours_average),
    ]);
    if let Some((unit, hours)) = &a.repair_hours_longest {
        summary.push(vec![
            Cell::text(tr!(lang, "csv-longest-hours", unit = unit.to_string())),
            Cell::Empty,
            count(1),
            Cell::Decimal(*hours),
        ]);
    }
    summary.push(vec![
        Cell::text(t("csv-bench-minutes")),
        Cell::Empty,
        count(a.repaired_units),
        decimal(a.bench_minutes_average),
    ]);
    summary.push(vec![
        Cell::text(t("csv-first-pass")),
        Cell::Empty,
        count(a.inspected_units),
        decimal(a.first_pass_percent()),
    ]);
    summary.push(vec![
        Cell::text(t("csv-average-of-5")),
        count(a.confirmations),
        Cell::Empty,
        decimal(a.satisfaction_average),
    ]);
    summary.push(vec![
        Cell::text(t("csv-working")),
        count(a.working),
        Cell::Empty,
        Cell::Empty,
    ]);
    summary.push(vec![
        Cell::text(t("analysis-surveys")),
        count(a.surveys),
        Cell::Empty,
        decimal(a.survey_average),
    ]);

    let mut models = Sheet::new(
        t("analysis-by-model"),
        vec![t("col-model"), t("analysis-tickets"), t("analysis-units")],
    );
    for (model, r) in &a.by_model {
        models.push(vec![Cell::text(model), count(r.tickets), count(r.units)]);
    }
    let mut faults = Sheet::new(
        t("analysis-fault-types"),
        vec![t("analysis-fault-type"), t("analysis-tickets")],
    );
    for (fault, n) in &a.fault_types {
        faults.push(vec![Cell::text(fault), count(*n)]);
    }
    let mut scores = Sheet::new(
        t("analysis-satisfaction"),
        vec![t("analysis-score-column"), t("analysis-confirmations")],
    );
    for (i, n) in a.satisfaction_counts.iter().enumerate() {
        scores.push(vec![Cell::Number(i as f64 + 1.0), count(*n)]);
    }
    let mut feedback = Sheet::new(
        t("analysis-feedback"),
        vec![
            t("col-ticket"),
            t("analysis-score-column"),
            t("analysis-feedback"),
        ],
    );
    for (ticket, score, text) in &a.feedback {
        feedback.push(vec![
            Cell::text(ticket.to_string()),
            Cell::Number(f64::from(*score)),
            Cell::text(text),
        ]);
    }
    vec![summary, models, faults, scores, feedback]
}

/// `/analysis.xlsx?month=YYYY-MM`: the month's analysis as a workbook.
pub async fn workbook(
    State(state): State<Arc<AppState>>,
    Office(user, lang): Office,
    Query(query): Query<MonthQuery>,
) -> Response {
    super::off_thread(move || match analysis(&state, &user, lang, &query) {
        Ok(a) => {
            super::xlsx::download(&format!("rma-analysis-{}.xlsx", a.month), &sheets(&a, lang))
        }
        Err(refused) => refused.into_response(),
    })
    .await
}
