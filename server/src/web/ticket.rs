//! One ticket's whole record: registration to archive, its units with their locations and
//! repair / inspection rounds, the history with who / which site / when, and conflicts from
//! concurrent offline edits. The one page that loads a document.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use maud::{Markup, html};
use rma_shared::event::EventKind;
use rma_shared::{Event, LabelCode, TicketNumber, TicketView};

use super::auth::Office;
use super::{page, problem, when};
use crate::api::AppState;

pub async fn show(
    State(state): State<Arc<AppState>>,
    Office(user): Office,
    Path(number): Path<String>,
) -> Response {
    super::off_thread(move || {
        let Ok(number) = TicketNumber::parse(&number) else {
            return problem(
                StatusCode::BAD_REQUEST,
                &user,
                "Not a ticket number",
                &format!(
                    "\u{201c}{number}\u{201d} is not a ticket number (they look like WH1-2026-00042)."
                ),
            );
        };
        let unreadable = |err: &dyn std::fmt::Display| {
            tracing::error!(ticket = %number, error = %err, "ticket unreadable");
            problem(
                StatusCode::INTERNAL_SERVER_ERROR,
                &user,
                "Ticket unreadable",
                &format!("Ticket {number} could not be read; see the server's log."),
            )
        };
        let doc = match state.store.tickets().read(&number) {
            Ok(Some((_, doc))) => doc,
            Ok(None) => {
                return problem(
                    StatusCode::NOT_FOUND,
                    &user,
                    "No such ticket",
                    &format!(
                        "No ticket {number} has reached the server. If a site created it offline, it appears after that site syncs."
                    ),
                );
            }
            Err(err) => return unreadable(&err),
        };
        let view = match TicketView::build(&doc, &state.settings.deadlines, Utc::now()) {
            Ok(view) => view,
            Err(err) => return unreadable(&err),
        };
        let title = format!("Ticket {number}");
        page(&title, &user, "", body(&view, user.role.reads_costs())).into_response()
    })
    .await
}

fn record(event: &Option<Event>) -> Markup {
    html! {
        @match event {
            Some(e) => { (e.kind.describe()) " " span.muted { "(" (who(e)) ")" } }
            None => span.muted { "not yet" },
        }
    }
}

fn who(e: &Event) -> String {
    format!("{}, {} at {}", when(e.at), e.by, e.site)
}

fn body(view: &TicketView, costs: bool) -> Markup {
    let reg = &view.registration;
    html! {
        @if !view.conflicts.is_empty() || !view.field_conflicts.is_empty() {
            section.conflict #conflicts {
                h2 { "Conflicts between offline edits" }
                p { "Two sites recorded steps that cannot both hold. Nothing was dropped: a person at a site settles each with "
                    code { "rma-agent resolve" } "." }
                ul {
                    @for c in &view.conflicts {
                        li { b { (c.what) } " by " (c.by) " at " (c.site) ", " (when(c.at)) ": not applied, because " (c.reason) "." }
                    }
                    @for f in &view.field_conflicts {
                        li { "The " (f.field.label()) " was changed at two sites at once: " (f.values.join(" / ")) }
                    }
                }
            }
        }
        @if !view.overdue.is_empty() {
            p { @for o in &view.overdue { span.flag { "overdue: " (o.deadline.label()) ", due " (when(o.due)) } } }
        }
        dl.record #registration {
            dt { "Status" } dd #status { (view.status.to_string())
                @if let Some(reason) = &view.on_hold { " (on hold: " (reason) ")" }
                @if let Some(reason) = &view.cancelled { " (cancelled: " (reason) ")" } }
            dt { "Site" } dd { (view.site.as_str()) }
            dt { "Customer" } dd { (reg.customer) }
            dt { "Contact" } dd { (reg.contact.as_deref().unwrap_or("-")) }
            dt { "Model" } dd { (reg.model) }
            dt { "Quantity" } dd { (reg.quantity) }
            dt { "Fault" } dd { (reg.fault) }
            dt { "Customer asks for" } dd { (reg.request.label()) }
            dt { "Registered" } dd { @if let Some(at) = view.registered_at { (when(at)) } }
            dt { "Passed to after-sales" } dd { @if let Some(at) = view.forwarded_at { (when(at)) } @else { span.muted { "not yet" } } }
            dt { "First assessment" } dd { (record(&view.assessment)) }
            dt { "Receiving" } dd { (record(&view.receiving)) }
            dt { "Shipping notice" } dd { (record(&view.ship_notice)) }
            dt { "Shipments" } dd {
                @for s in &view.shipments { (s.kind.describe()) " " span.muted { "(" (who(s)) ")" } br; }
                @if view.shipments.is_empty() { span.muted { "not yet" } }
            }
            dt { "Customer confirmation" } dd { (record(&view.confirmation)) }
            dt { "Closed" } dd { (record(&view.closing)) }
            dt { "Archive" } dd { (record(&view.archive)) }
        }
        h2 { "Units" }
        table #units {
            thead { tr { th { "Unit" } th { "State" } th { "Location" } th { "Repairer" } th.num { "Inspections" } th.num { "Repair minutes" } th { "Records" } } }
            tbody {
                @for u in &view.units {
                    tr id=(format!("unit-{}", u.status.number.k())) {
                        td { (u.status.number.to_string()) }
                        td { (u.status.state.as_str().replace('_', " ")) }
                        td { (u.status.location.to_string()) }
                        td { (u.status.repairer.as_deref().unwrap_or("-")) }
                        td.num { (u.status.inspections) }
                        td.num { (u.status.repair_minutes) }
                        td { @for e in &u.records { (e.kind.describe()) " " span.muted { "(" (who(e)) ")" } br; } }
                    }
                }
                @if view.units.is_empty() { tr { td colspan="7" { span.muted { "No units received yet." } } } }
            }
        }
        @if !view.parts_requests.is_empty() {
            h2 { "Parts requests" }
            ul { @for e in &view.parts_requests { li { (e.kind.describe()) " " span.muted { "(" (who(e)) ")" } } } }
        }
        @if costs {
            h2 { "Costs" }
            @if view.costs.is_empty() { p.muted { "No cost lines." } } @else {
                table #costs {
                    thead { tr { th { "When" } th { "What" } th { "Who" } } }
                    tbody { @for e in &view.costs { tr { td { (when(e.at)) } td { (e.kind.describe()) } td { (e.by) " at " (e.site) } } } }
                }
                p { "Totals: " @for t in &view.cost_totals {
                    (rma_shared::Money { minor: t.minor, currency: t.currency.clone() }.to_string()) " paid by " (t.payer.label()) "; " } }
            }
        }
        h2 { "History" }
        table #history {
            thead { tr { th { "When" } th { "Site" } th { "Who" } th { "What" } } }
            tbody {
                @for e in &view.events {
                    tr data-type=(e.kind.name()) {
                        td { (when(e.at)) } td { (e.site.as_str()) } td { (e.by) }
                        td { (e.kind.describe())
                            @if let EventKind::ConflictResolved { .. } = e.kind { " " span.muted { "(conflict settled)" } } }
                    }
                }
            }
        }
        @if !view.unreadable_events.is_empty() {
            p.problem { (view.unreadable_events.len()) " event(s) were written by a newer version and are not shown." }
        }
    }
}

/// A scanned label's address (`/c/U:WH1-2026-00042-1`): the ticket's page, or the board of
/// a storage area.
pub async fn scanned(Office(user): Office, Path(code): Path<String>) -> Response {
    match LabelCode::parse(&code) {
        Ok(LabelCode::Area(area)) => Redirect::to(&format!("/?area={area}")).into_response(),
        Ok(LabelCode::Unit(unit)) => {
            Redirect::to(&format!("/tickets/{}#unit-{}", unit.ticket(), unit.k())).into_response()
        }
        Ok(LabelCode::Ticket(ticket) | LabelCode::Package(ticket)) => {
            Redirect::to(&format!("/tickets/{ticket}")).into_response()
        }
        Err(err) => problem(
            StatusCode::BAD_REQUEST,
            &user,
            "Unknown label",
            &err.to_string(),
        ),
    }
}
