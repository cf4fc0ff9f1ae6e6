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

use rma_shared::i18n::{Lang, Localized};
use rma_shared::tr;

use super::auth::Office;
use super::{PageError, page, problem, when};
use crate::state::AppState;

pub async fn show(
    State(state): State<Arc<AppState>>,
    Office(user, lang): Office,
    headers: axum::http::HeaderMap,
    Path(number): Path<String>,
) -> Response {
    super::off_thread(move || {
        let Ok(number) = TicketNumber::parse(&number) else {
            return problem(
                StatusCode::BAD_REQUEST,
                &user,
                lang,
                &tr!(lang, "ticket-not-a-number-title"),
                &tr!(lang, "ticket-not-a-number", text = number),
            );
        };
        let unreadable = |err: &dyn std::fmt::Display| {
            let mut failed = PageError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                &user,
                lang,
                &tr!(lang, "ticket-unreadable-title"),
                &tr!(lang, "ticket-unreadable", number = number.to_string()),
            );
            failed.because(format!("ticket {number}: {err}"));
            failed.into_response()
        };
        let doc = match state.store.tickets().read(&number) {
            Ok(Some((_, doc))) => doc,
            Ok(None) => {
                // Regulation 8.2: a ticket disposed of at the end of its retention leaves its
                // card (the tombstone) and nothing else.
                if let Ok(Some(card)) = state.store.archive_card(&number)
                    && let Some(disposal) = &card.disposed
                {
                    return problem(
                        StatusCode::GONE,
                        &user,
                        lang,
                        &tr!(lang, "ticket-none-title"),
                        &tr!(
                            lang,
                            "ticket-disposed",
                            number = number.to_string(),
                            at = when(disposal.at),
                            by = disposal.approved_by.as_str()
                        ),
                    );
                }
                return problem(
                    StatusCode::NOT_FOUND,
                    &user,
                    lang,
                    &tr!(lang, "ticket-none-title"),
                    &tr!(lang, "ticket-none", number = number.to_string()),
                );
            }
            Err(err) => return unreadable(&err),
        };
        let view = match TicketView::build(&doc, &state.settings.deadlines, Utc::now()) {
            Ok(view) => view,
            Err(err) => return unreadable(&err),
        };
        let title = tr!(lang, "ticket-title", number = number.to_string());
        if view.status != rma_shared::TicketStatus::Archived {
            let link = status_link(&state, &number, &headers, &user, lang);
            let base = super::public_base(&state, &headers);
            let notices = super::outbox::of_ticket(&state, &number, &base, lang);
            let files = super::files::section(&state, &view, lang, false);
            let body = html! { (body(&view, user.role.reads_costs(), lang)) (files) (link) (notices) };
            return page(&title, &user, lang, "", body).into_response();
        }
        // Regulation 8.3: an archive file is read only with a grant from an approved
        // application, in place (the reader's name and the time across it, no print), and
        // every read is logged; a refusal (403) is logged by the audit trail.
        let now = Utc::now();
        let card = match state.store.archive_card(&number) {
            Ok(card) => card.or_else(|| crate::store::archive::ArchiveCard::of(&view)),
            Err(err) => return unreadable(&err),
        };
        let today = rma_shared::calendar::company().date(now);
        let grant = match &card {
            Some(card) => match state.store.grant_for(&user.name, card, today) {
                Ok(grant) => grant,
                Err(err) => return unreadable(&err),
            },
            None => None,
        };
        let Some(grant) = grant else {
            return problem(
                StatusCode::FORBIDDEN,
                &user,
                lang,
                &title,
                &tr!(lang, "archive-needs-grant", number = number.to_string()),
            );
        };
        let mark = tr!(lang, "archive-watermark", name = user.name.as_str(), at = when(now));
        let body = html! {
            div.watermark aria-hidden="true" { @for _ in 0..40 { span { (mark) } } }
            p.notice { (tr!(lang, "archive-reading", id = grant.id, until = grant.until.to_string(), name = user.name.as_str(), at = when(now))) }
            div.archived-read {
                (body(&view, user.role.reads_costs(), lang))
                (super::files::section(&state, &view, lang, true))
            }
        };
        let mut response = page(&title, &user, lang, "", body).into_response();
        response.extensions_mut().insert(super::audit::Audited {
            what: crate::store::audit::AuditKind::ArchiveRead,
            subject: format!("{number} (#{})", grant.id),
        });
        response
    })
    .await
}

/// Who deals with customers: they may give a customer a new status link.
fn replaces_links(role: rma_shared::people::Role) -> bool {
    use rma_shared::people::Role;
    matches!(
        role,
        Role::Sales | Role::AfterSales | Role::Head | Role::Admin
    )
}

/// The customer's status link (`/s/TOKEN`), how often it was opened, and for those who deal
/// with customers a button that replaces it.
fn status_link(
    state: &AppState,
    number: &TicketNumber,
    headers: &axum::http::HeaderMap,
    user: &crate::users::User,
    lang: Lang,
) -> Markup {
    let (token, opened) = match (
        state.store.status_token(number),
        state.store.status_opened(number),
    ) {
        (Ok(token), Ok(opened)) => (token, opened),
        (Err(err), _) | (_, Err(err)) => {
            tracing::warn!(ticket = %number, error = %err, "no status link shown");
            return html! {};
        }
    };
    let base = super::public_base(state, headers);
    let link = format!("{base}/s/{token}");
    html! {
        h2 { (tr!(lang, "ticket-status-link")) }
        p #status-link { a href=(link) { (link) } " " span.muted { (tr!(lang, "ticket-status-link-opened", count = opened)) } }
        @if replaces_links(user.role) {
            form method="post" action=(format!("/tickets/{number}/status-link")) {
                button type="submit" { (tr!(lang, "ticket-status-link-replace")) }
            }
        }
    }
}

/// Gives the customer a new status link: the old one stops working at once.
pub async fn replace_status_link(
    State(state): State<Arc<AppState>>,
    Office(user, lang): Office,
    Path(number): Path<String>,
) -> Response {
    super::off_thread(move || {
        let title = tr!(lang, "ticket-status-link");
        if !replaces_links(user.role) {
            return problem(
                StatusCode::FORBIDDEN,
                &user,
                lang,
                &title,
                &tr!(lang, "ticket-status-link-forbidden"),
            );
        }
        let Ok(number) = TicketNumber::parse(&number) else {
            return problem(
                StatusCode::BAD_REQUEST,
                &user,
                lang,
                &tr!(lang, "ticket-not-a-number-title"),
                &tr!(lang, "ticket-not-a-number", text = number),
            );
        };
        match state.store.replace_status_token(&number) {
            Ok(_) => {
                tracing::info!(user = %user.name, ticket = %number, "status link replaced");
                Redirect::to(&format!("/tickets/{number}")).into_response()
            }
            Err(crate::store::ServerStoreError::UnknownTicket(_)) => problem(
                StatusCode::NOT_FOUND,
                &user,
                lang,
                &tr!(lang, "ticket-none-title"),
                &tr!(lang, "ticket-none", number = number.to_string()),
            ),
            Err(err) => PageError::failed(&user, lang, &title, err).into_response(),
        }
    })
    .await
}

fn record(event: &Option<Event>, lang: Lang) -> Markup {
    html! {
        @match event {
            Some(e) => { (e.kind.describe(lang)) " " span.muted { "(" (who(e, lang)) ")" } }
            None => span.muted { (tr!(lang, "not-yet")) },
        }
    }
}

fn who(e: &Event, lang: Lang) -> String {
    tr!(
        lang,
        "ticket-who",
        at = when(e.at),
        by = e.by.as_str(),
        site = e.site.to_string()
    )
}

fn body(view: &TicketView, costs: bool, lang: Lang) -> Markup {
    let reg = &view.registration;
    let t = |id: &str| tr!(lang, id);
    html! {
        @if !view.conflicts.is_empty() || !view.field_conflicts.is_empty() {
            section.conflict #conflicts {
                h2 { (t("ticket-conflicts")) }
                p { (t("ticket-conflicts-explain")) " " code { "rma-agent resolve" } }
                ul {
                    @for c in &view.conflicts {
                        li { (tr!(lang, "ticket-conflict", what = c.what_in(lang), by = c.by.as_str(), site = c.site.to_string(), at = when(c.at), reason = c.reason_in(lang))) }
                    }
                    @for f in &view.field_conflicts {
                        li { (tr!(lang, "out-field-conflict", field = f.field.label(lang), values = f.values.join(" / "))) }
                    }
                }
            }
        }
        @if !view.overdue.is_empty() {
            p { @for o in &view.overdue { span.flag { (tr!(lang, "ticket-overdue", deadline = o.deadline.label(lang), due = when(o.due))) } } }
        }
        dl.record #registration {
            dt { (t("col-status")) } dd #status data-status=(view.status.as_str()) { (view.status.label(lang))
                @if let Some(reason) = &view.on_hold { " (" (tr!(lang, "event-held", reason = reason.as_str())) ")" }
                @if let Some(reason) = &view.cancelled { " (" (tr!(lang, "event-cancelled", reason = reason.as_str())) ")" } }
            dt { (t("col-site")) } dd { (view.site.as_str()) }
            dt { (t("col-customer")) } dd { (reg.customer) }
            dt { (t("ticket-contact")) } dd #contact {
                (reg.contact.as_deref().unwrap_or("-"))
                @if let Some(email) = &reg.email { " · " (email) }
                @if let Some(phone) = &reg.phone { " · " (phone) }
                @if let Some(reads) = reg.customer_lang { " · " (reads.own_name()) }
            }
            dt { (t("col-model")) } dd { (reg.model) }
            dt { (t("ticket-quantity")) } dd { (reg.quantity) }
            dt { (t("out-fault")) } dd { (reg.fault) }
            dt { (t("ticket-request")) } dd { (reg.request.label(lang)) }
            dt { (t("out-registered")) } dd { @if let Some(at) = view.registered_at { (when(at)) } }
            dt { (t("ticket-forwarded")) } dd { @if let Some(at) = view.forwarded_at { (when(at)) } @else { span.muted { (t("not-yet")) } } }
            dt { (t("ticket-assessment")) } dd { (record(&view.assessment, lang)) }
            dt { (t("ticket-receiving")) } dd { (record(&view.receiving, lang)) }
            dt { (t("ticket-ship-notice")) } dd { (record(&view.ship_notice, lang)) }
            dt { (t("ticket-shipments")) } dd {
                @for s in &view.shipments { (s.kind.describe(lang)) " " span.muted { "(" (who(s, lang)) ")" } br; }
                @if view.shipments.is_empty() { span.muted { (t("not-yet")) } }
            }
            dt { (t("ticket-confirmation")) } dd { (record(&view.confirmation, lang)) }
            dt { (t("ticket-closed")) } dd { (record(&view.closing, lang)) }
            dt { (t("ticket-archive")) } dd { (record(&view.archive, lang)) }
        }
        h2 { (t("out-units")) }
        table #units {
            thead { tr { th { (t("ticket-unit")) } th { (t("ticket-state")) } th { (t("ticket-location")) } th { (t("ticket-repairer")) } th.num { (t("ticket-inspections")) } th.num { (t("ticket-repair-minutes")) } th { (t("ticket-records")) } } }
            tbody {
                @for u in &view.units {
                    tr id=(format!("unit-{}", u.status.number.k())) {
                        td { (u.status.number.to_string())
                            @if let Some(label) = &u.status.label { br; span.muted { (tr!(lang, "out-unit-label", code = format!("L:{label}"))) } } }
                        td data-state=(u.status.state.as_str()) { (u.status.state.label(lang)) }
                        td { (u.status.location.label(lang)) }
                        td { (u.status.repairer.as_deref().unwrap_or("-")) }
                        td.num { (u.status.inspections) }
                        td.num { (u.status.repair_minutes) }
                        td { @for e in &u.records { (e.kind.describe(lang)) " " span.muted { "(" (who(e, lang)) ")" } br; } }
                    }
                }
                @if view.units.is_empty() { tr { td colspan="7" { span.muted { (t("ticket-no-units")) } } } }
            }
        }
        @if !view.parts_requests.is_empty() {
            h2 { (t("out-parts-requests")) }
            ul { @for e in &view.parts_requests { li { (e.kind.describe(lang)) " " span.muted { "(" (who(e, lang)) ")" } } } }
        }
        @if costs {
            h2 { (t("out-costs")) }
            @if view.costs.is_empty() { p.muted { (t("ticket-no-costs")) } } @else {
                table #costs {
                    thead { tr { th { (t("col-when")) } th { (t("col-what")) } th { (t("col-who")) } } }
                    tbody { @for e in &view.costs { tr { td { (when(e.at)) } td { (e.kind.describe(lang)) } td { (tr!(lang, "ticket-by-at", by = e.by.as_str(), site = e.site.to_string())) } } } }
                }
                p { (t("ticket-totals")) " " @for total in &view.cost_totals {
                    (tr!(lang, "ticket-total", amount = rma_shared::Money { minor: total.minor, currency: total.currency.clone() }.to_string(), payer = total.payer.label(lang))) "; " } }
            }
        }
        h2 { (t("ticket-history")) }
        table #history {
            thead { tr { th { (t("col-when")) } th { (t("col-site")) } th { (t("col-who")) } th { (t("col-what")) } } }
            tbody {
                @for e in &view.events {
                    tr data-type=(e.kind.name()) {
                        td { (when(e.at)) } td { (e.site.as_str()) } td { (e.by) }
                        td { (e.kind.describe(lang))
                            @if let EventKind::ConflictResolved { .. } = e.kind { " " span.muted { (t("ticket-conflict-settled")) } }
                            @if let Some(ahead) = e.ahead_secs {
                                " " span.flag.ahead { (tr!(lang, "ticket-clock-ahead", span = rma_shared::clock::span(chrono::Duration::seconds(ahead), lang))) }
                            }
                            @if e.clock_unsure { " " span.flag { (t("ticket-clock-unsure")) } } }
                    }
                }
            }
        }
        @if !view.unreadable_events.is_empty() {
            p.problem { (tr!(lang, "out-unreadable", count = view.unreadable_events.len())) }
        }
    }
}

/// A scanned label's address (`/c/U:WH1-2026-00042-1`): the ticket's page, or the board of
/// a storage area.
pub async fn scanned(
    State(state): State<Arc<AppState>>,
    Office(user, lang): Office,
    Path(code): Path<String>,
) -> Response {
    match LabelCode::parse(&code) {
        Ok(LabelCode::Area(area)) => Redirect::to(&format!("/?area={area}")).into_response(),
        Ok(LabelCode::Unit(unit)) => {
            Redirect::to(&format!("/tickets/{}#unit-{}", unit.ticket(), unit.k())).into_response()
        }
        Ok(LabelCode::Ticket(ticket) | LabelCode::Package(ticket)) => {
            Redirect::to(&format!("/tickets/{ticket}")).into_response()
        }
        // A pre-printed label: the unit it was attached to at receiving.
        Ok(LabelCode::Reserved(label)) => {
            super::off_thread(move || match state.store.labelled_unit(&label) {
                Ok(Some(unit)) => Redirect::to(&format!("/c/U:{unit}")).into_response(),
                Ok(None) => problem(
                    StatusCode::NOT_FOUND,
                    &user,
                    lang,
                    &tr!(lang, "ticket-unknown-label"),
                    &tr!(lang, "label-not-attached", code = format!("L:{label}")),
                ),
                Err(err) => PageError::failed(&user, lang, &tr!(lang, "ticket-unknown-label"), err)
                    .into_response(),
            })
            .await
        }
        Err(err) => problem(
            StatusCode::BAD_REQUEST,
            &user,
            lang,
            &tr!(lang, "ticket-unknown-label"),
            &err.message(lang),
        ),
    }
}
