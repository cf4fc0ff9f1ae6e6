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

use super::auth::Office;
use super::chart::bars;
use super::{page, refuse};
use crate::api::AppState;
use crate::users::User;

#[derive(Debug, Deserialize)]
pub struct MonthQuery {
    month: Option<String>,
}

/// The month asked for (this month if none), or a page saying what is wrong.
fn month(user: &User, query: &MonthQuery) -> Result<Month, Box<Response>> {
    match query
        .month
        .as_deref()
        .map(str::trim)
        .filter(|m| !m.is_empty())
    {
        None => Ok(Month::of(Utc::now())),
        Some(text) => Month::parse(text).map_err(|err| {
            refuse(
                StatusCode::BAD_REQUEST,
                user,
                "Monthly analysis",
                &err.to_string(),
            )
        }),
    }
}

/// The analysis of the month the query names.
fn analysis(
    state: &AppState,
    user: &User,
    query: &MonthQuery,
) -> Result<MonthlyAnalysis, Box<Response>> {
    let month = month(user, query)?;
    let facts = state.store.month_facts(month).map_err(|err| {
        tracing::error!(error = %err, "analysis failed");
        refuse(
            StatusCode::INTERNAL_SERVER_ERROR,
            user,
            "Monthly analysis",
            "The server could not read its store; see its log.",
        )
    })?;
    Ok(MonthlyAnalysis::compute(month, &facts))
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
    Office(user): Office,
    Query(query): Query<MonthQuery>,
) -> Response {
    super::off_thread(move || {
        let a = match analysis(&state, &user, &query) {
            Ok(a) => a,
            Err(page) => return *page,
        };
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
            .map(|s| (format!("{s} of 5"), f64::from(a.satisfaction_counts[s - 1])))
            .collect();
        let body = html! {
            form.filters method="get" action="/analysis" {
                a href=(format!("/analysis?month={}", month.previous())) { "\u{2190} " (month.previous().to_string()) }
                label { "Month" input #month type="month" name="month" value=(month.to_string()); }
                button.primary type="submit" { "Show" }
                a href=(format!("/analysis?month={}", month.next())) { (month.next().to_string()) " \u{2192}" }
                a #csv href=(format!("/analysis.csv?month={month}")) download { "Download CSV" }
            }
            p.muted { "Counted over the tickets registered in " (month.to_string()) " (UTC). "
                b { "Repair time" } " is the time from a unit's receipt to the inspection it passed (calendar hours), over the month's units that have passed. "
                b { "First-pass rate" } " is the share of inspected units that passed their first inspection. "
                b { "Fault type" } " is the type set at the first assessment, else the customer's fault description." }
            dl.record #summary {
                dt { "Returns" } dd #returns { (a.total.tickets) " ticket(s), " (a.total.units) " unit(s)" }
                dt { "Repair time" } dd #repair-time { "average " (one(a.repair_hours_average)) " h over " (a.repaired_units) " unit(s); longest "
                    @match &a.repair_hours_longest { Some((unit, h)) => { (format!("{h:.1}")) " h (" (unit.to_string()) ")" } None => "-" } }
                dt { "Bench time" } dd { "average " (one(a.bench_minutes_average)) " min per repaired unit" }
                dt { "First-pass inspections" } dd #first-pass { (one(a.first_pass_percent())) " % (" (a.first_pass_units) " of " (a.inspected_units) " unit(s))" }
                dt { "Customer satisfaction" } dd #satisfaction { "average " (one(a.satisfaction_average)) " of 5 over " (a.confirmations) " confirmation(s); " (a.working) " working" }
            }
            div.charts {
                (bars("Returned units by model", &models, ""))
                (bars("Fault types (tickets)", &faults, ""))
                (bars("Satisfaction scores", &scores, ""))
            }
            h2 { "Returns by model" }
            table #by-model { thead { tr { th { "Model" } th.num { "Tickets" } th.num { "Units" } } }
                tbody { @for (model, r) in &a.by_model { tr { td { (model) } td.num { (r.tickets) } td.num { (r.units) } } } } }
            h2 { "Fault types" }
            table #faults { thead { tr { th { "Fault type" } th.num { "Tickets" } } }
                tbody { @for (fault, n) in &a.fault_types { tr { td { (fault) } td.num { (n) } } } } }
            h2 { "Customer feedback" }
            @if a.feedback.is_empty() { p.muted { "No feedback this month." } }
            ul #feedback { @for (ticket, score, text) in &a.feedback {
                li { a href=(format!("/tickets/{ticket}")) { (ticket.to_string()) } " (" (score) "/5): " (text) } } }
        };
        page(
            &format!("Monthly analysis {month}"),
            &user,
            "/analysis",
            body,
        )
        .into_response()
    })
    .await
}

/// The analysis as rows: section, item, tickets, units, value.
pub fn rows(a: &MonthlyAnalysis) -> Vec<Vec<String>> {
    let mut rows = vec![vec![
        "Section".into(),
        "Item".into(),
        "Tickets".into(),
        "Units".into(),
        "Value".into(),
    ]];
    let mut row = |cells: [String; 5]| rows.push(cells.to_vec());
    let e = String::new;
    row(["Month".into(), a.month.to_string(), e(), e(), e()]);
    row([
        "Returns".into(),
        "all models".into(),
        a.total.tickets.to_string(),
        a.total.units.to_string(),
        e(),
    ]);
    for (model, r) in &a.by_model {
        row([
            "Returns".into(),
            model.clone(),
            r.tickets.to_string(),
            r.units.to_string(),
            e(),
        ]);
    }
    for (fault, n) in &a.fault_types {
        row(["Fault type".into(), fault.clone(), n.to_string(), e(), e()]);
    }
    let hours = |v: Option<f64>| one_decimal(v, "");
    row([
        "Repair time".into(),
        "average hours".into(),
        e(),
        a.repaired_units.to_string(),
        hours(a.repair_hours_average),
    ]);
    if let Some((unit, h)) = &a.repair_hours_longest {
        row([
            "Repair time".into(),
            format!("longest hours ({unit})"),
            e(),
            "1".into(),
            format!("{h:.1}"),
        ]);
    }
    row([
        "Repair time".into(),
        "average bench minutes".into(),
        e(),
        a.repaired_units.to_string(),
        hours(a.bench_minutes_average),
    ]);
    row([
        "Inspection".into(),
        "first-pass rate %".into(),
        e(),
        format!("{} of {}", a.first_pass_units, a.inspected_units),
        hours(a.first_pass_percent()),
    ]);
    row([
        "Satisfaction".into(),
        "average of 5".into(),
        a.confirmations.to_string(),
        e(),
        hours(a.satisfaction_average),
    ]);
    for (i, n) in a.satisfaction_counts.iter().enumerate() {
        row([
            "Satisfaction".into(),
            format!("score {}", i + 1),
            n.to_string(),
            e(),
            e(),
        ]);
    }
    row([
        "Satisfaction".into(),
        "working after repair".into(),
        a.working.to_string(),
        e(),
        e(),
    ]);
    for (ticket, score, text) in &a.feedback {
        row([
            "Feedback".into(),
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
    Office(user): Office,
    Query(query): Query<MonthQuery>,
) -> Response {
    super::off_thread(move || match analysis(&state, &user, &query) {
        Ok(a) => super::csv::download(&format!("rma-analysis-{}.csv", a.month), rows(&a)),
        Err(page) => *page,
    })
    .await
}
