//! The customer's status page, `/s/{token}` (regulation 4.1, 4.3): no account, one
//! unguessable link per ticket. It says where the return stands in plain words (received, in
//! repair, shipping agreed, shipped with the tracking number, delivered) and nothing else: no
//! costs, notes, staff names or anything of another ticket. It is not indexed, and an address
//! that tries many links that do not exist is told to wait.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use chrono::Utc;
use maud::{DOCTYPE, Markup, html};
use rma_shared::event::EventKind;
use rma_shared::i18n::Lang;
use rma_shared::{TicketStatus, TicketView, tr};

use crate::state::AppState;

/// Links that do not exist an address may try in [`WINDOW`] before it is told to wait.
const UNKNOWN_ALLOWED: u32 = 10;
/// Pages an address may open in [`WINDOW`] at all.
const PAGES_ALLOWED: u32 = 120;
const WINDOW: Duration = Duration::from_secs(10 * 60);

/// What each address asked of the status pages lately.
#[derive(Debug, Default)]
pub struct Limits {
    seen: Mutex<HashMap<Option<IpAddr>, Tries>>,
}

#[derive(Debug, Clone, Copy)]
struct Tries {
    since: Instant,
    pages: u32,
    unknown: u32,
}

impl Limits {
    /// Whether `from` may open a page now; counts it.
    fn allow(&self, from: Option<IpAddr>) -> bool {
        let mut seen = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
        let now = Instant::now();
        if seen.len() > 10_000 {
            seen.retain(|_, tries| now - tries.since < WINDOW);
        }
        let tries = seen.entry(from).or_insert(Tries {
            since: now,
            pages: 0,
            unknown: 0,
        });
        if now - tries.since >= WINDOW {
            *tries = Tries {
                since: now,
                pages: 0,
                unknown: 0,
            };
        }
        tries.pages += 1;
        tries.pages <= PAGES_ALLOWED && tries.unknown < UNKNOWN_ALLOWED
    }

    /// Counts a link that does not exist, tried from `from`.
    fn unknown(&self, from: Option<IpAddr>) {
        let mut seen = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(tries) = seen.get_mut(&from) {
            tries.unknown += 1;
        }
    }
}

/// Where a customer's request comes from, and the language their browser asks for (else the
/// server's).
fn reader(
    state: &AppState,
    peer: Option<axum::Extension<ConnectInfo<SocketAddr>>>,
    headers: &HeaderMap,
) -> (Option<IpAddr>, Lang) {
    let from = peer.map(|axum::Extension(ConnectInfo(peer))| peer.ip());
    let lang = super::browser_lang(headers).unwrap_or(state.settings.language);
    (from, lang)
}

/// `/s/{token}`: how the return stands, in the reader's language.
pub async fn show(
    State(state): State<Arc<AppState>>,
    peer: Option<axum::Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Response {
    let (from, lang) = reader(&state, peer, &headers);
    if !state.status_limits.allow(from) {
        let body = page(
            lang,
            &tr!(lang, "status-page-unknown-title"),
            html! {
                p { (tr!(lang, "status-page-limited")) }
            },
        );
        return answer(StatusCode::TOO_MANY_REQUESTS, body);
    }
    super::off_thread(move || {
        let found = state.store.status_ticket(&token).ok().flatten().and_then(|number| {
            let (_, doc) = state.store.tickets().read(&number).ok().flatten()?;
            TicketView::build(&doc, &state.settings.deadlines, Utc::now()).ok()
        });
        match found {
            Some(view) => {
                // The customer's own language, when the site recorded it.
                let lang = view.registration.customer_lang.unwrap_or(lang);
                if let Err(err) = state.store.note_status_opened(&view.number) {
                    tracing::warn!(ticket = %view.number, error = %err, "a status page's opening was not counted");
                }
                answer(StatusCode::OK, status_page(&view, &token, lang))
            }
            None => {
                state.status_limits.unknown(from);
                let body = page(lang, &tr!(lang, "status-page-unknown-title"), html! {
                    p { (tr!(lang, "status-page-unknown")) }
                });
                answer(StatusCode::NOT_FOUND, body)
            }
        }
    })
    .await
}

/// A status page's answer: never indexed, never kept by a browser or a proxy.
fn answer(status: StatusCode, body: Html<String>) -> Response {
    let mut response = (status, body).into_response();
    response.headers_mut().insert(
        header::HeaderName::from_static("x-robots-tag"),
        HeaderValue::from_static("noindex, nofollow"),
    );
    response
}

/// The page around `body`: the company's stylesheet, sized for a phone.
fn page(lang: Lang, title: &str, body: Markup) -> Html<String> {
    Html(
        html! {
            (DOCTYPE)
            html lang=(lang.code()) {
                head {
                    meta charset="utf-8";
                    meta name="viewport" content="width=device-width, initial-scale=1";
                    meta name="robots" content="noindex, nofollow";
                    title { (title) }
                    link rel="stylesheet" href="/static/style.css";
                }
                body.customer { main { h1 { (title) } (body) } }
            }
        }
        .into_string(),
    )
}

/// What the customer reads of their return: its number, model and quantity, where it stands,
/// and the dates and tracking of the steps that concern them.
fn status_page(view: &TicketView, token: &str, lang: Lang) -> Html<String> {
    let day = |at| rma_shared::calendar::company().date(at).to_string();
    let status = match view.status {
        TicketStatus::Archived => TicketStatus::Closed,
        other => other,
    };
    let mut facts: Vec<String> = Vec::new();
    if let Some(received) = &view.receiving {
        facts.push(tr!(lang, "status-page-received", date = day(received.at)));
    }
    if let Some(EventKind::ShipNoticed { method, date, .. }) =
        view.ship_notice.as_ref().map(|e| &e.kind)
    {
        facts.push(tr!(
            lang,
            "status-page-shipping-agreed",
            date = date.to_string(),
            method = method.as_str()
        ));
    }
    for shipment in &view.shipments {
        if let EventKind::Shipped {
            carrier, tracking, ..
        } = &shipment.kind
        {
            facts.push(tr!(
                lang,
                "status-page-shipped",
                date = day(shipment.at),
                carrier = carrier.as_str(),
                tracking = tracking.as_str()
            ));
        }
    }
    if let Some(EventKind::Confirmed(confirmation)) = view.confirmation.as_ref().map(|e| &e.kind) {
        facts.push(tr!(
            lang,
            "status-page-delivered",
            date = confirmation.delivered_on.to_string()
        ));
    }
    let title = tr!(lang, "status-page-title", number = view.number.to_string());
    page(
        lang,
        &title,
        html! {
            p.muted #model { (tr!(lang, "status-page-model", model = view.registration.model.as_str(), quantity = view.registration.quantity)) }
            p.now #now { (tr!(lang, "status-page-now", status = status.as_str())) }
            @if !facts.is_empty() { ul #steps { @for fact in &facts { li { (fact) } } } }
            (survey(view, token, lang))
            p.muted { (tr!(lang, "status-page-note")) }
        },
    )
}

/// The satisfaction survey (regulation 5.1-5.2), once the units are on their way back, until
/// the customer has answered it.
fn survey(view: &TicketView, token: &str, lang: Lang) -> Markup {
    let answered = view
        .events
        .iter()
        .any(|e| matches!(e.kind, EventKind::SurveyAnswered { .. }));
    if answered {
        return html! { p #survey-answered { (tr!(lang, "status-survey-answered")) } };
    }
    if view.shipments.is_empty() || view.status == TicketStatus::Cancelled {
        return html! {};
    }
    html! {
        form #survey method="post" action=(format!("/s/{token}/survey")) {
            h2 { (tr!(lang, "status-survey-title")) }
            fieldset {
                legend { (tr!(lang, "status-survey-rating")) }
                @for rating in 1..=5 {
                    label.rating { input type="radio" name="rating" value=(rating) required; " " (rating) }
                }
            }
            label { (tr!(lang, "status-survey-comment")) textarea name="comment" maxlength="2000" {} }
            button.primary type="submit" { (tr!(lang, "status-survey-send")) }
        }
    }
}

#[derive(Debug, serde::Deserialize)]
pub struct SurveyForm {
    #[serde(default)]
    rating: String,
    #[serde(default)]
    comment: String,
}

/// `POST /s/{token}/survey`: the customer's answer, recorded in the ticket by the server as
/// the office's own record; it reaches the sites with their next sync. Once a return.
pub async fn answer_survey(
    State(state): State<Arc<AppState>>,
    peer: Option<axum::Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    Path(token): Path<String>,
    axum::Form(form): axum::Form<SurveyForm>,
) -> Response {
    let (from, lang) = reader(&state, peer, &headers);
    let said = move |status: StatusCode, text: String| {
        let body = page(
            lang,
            &tr!(lang, "status-survey-title"),
            html! { p { (text) } },
        );
        answer(status, body)
    };
    if !state.status_limits.allow(from) {
        return said(
            StatusCode::TOO_MANY_REQUESTS,
            tr!(lang, "status-page-limited"),
        );
    }
    let Some(rating) = form
        .rating
        .trim()
        .parse::<u8>()
        .ok()
        .filter(|r| (1..=5).contains(r))
    else {
        return said(StatusCode::BAD_REQUEST, tr!(lang, "status-survey-bad"));
    };
    let comment: String = form.comment.trim().chars().take(2_000).collect();
    let comment = Some(comment).filter(|c| !c.is_empty());
    super::off_thread(move || {
        let Some(number) = state.store.status_ticket(&token).ok().flatten() else {
            state.status_limits.unknown(from);
            return said(StatusCode::NOT_FOUND, tr!(lang, "status-page-unknown"));
        };
        let kind = EventKind::SurveyAnswered { rating, comment };
        match state
            .store
            .record_at_office(&number, kind, "customer", Utc::now())
        {
            Ok(()) => {
                tracing::info!(ticket = %number, rating, "the customer answered the survey");
                said(StatusCode::OK, tr!(lang, "status-survey-thanks"))
            }
            Err(crate::store::ServerStoreError::Refused(refusal)) => said(
                StatusCode::CONFLICT,
                rma_shared::i18n::Localized::message(&refusal, lang),
            ),
            Err(err) => {
                tracing::error!(ticket = %number, error = %err, "a survey answer was not recorded");
                said(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    tr!(lang, "status-page-unknown"),
                )
            }
        }
    })
    .await
}
