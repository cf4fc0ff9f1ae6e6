//! The notices to customers, as the office sees them: the outbox page (`/outbox`, newest
//! first, by state) and the list on a ticket's page. Each row says what it is about, to whom,
//! where it stands and, folded, what it says (for a channel not set up: what it would say).

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use rma_shared::TicketNumber;
use rma_shared::i18n::Lang;
use rma_shared::tr;

use super::auth::Office;
use super::{PageError, page, when};
use crate::notices::{compose, link};
use crate::state::AppState;
use crate::store::outbox::{Notice, NoticeState};

/// The most notices the page lists.
const SHOWN: usize = 200;

/// The states a person can pick on the outbox page.
pub const STATES: [&str; 5] = ["waiting", "sending", "sent", "failed", "not_set_up"];

/// The name of a notice's state, as on the page's filter.
pub fn state_name(state: &NoticeState) -> &'static str {
    match state {
        NoticeState::Waiting { .. } => "waiting",
        NoticeState::Sending { .. } => "sending",
        NoticeState::Sent { .. } => "sent",
        NoticeState::Failed { .. } => "failed",
        NoticeState::NotSetUp { .. } => "not_set_up",
    }
}

#[derive(Debug, serde::Deserialize)]
pub struct OutboxQuery {
    #[serde(default)]
    state: Option<String>,
}

/// `/outbox`: the newest notices, those in one state if asked.
pub async fn show(
    State(state): State<Arc<AppState>>,
    Office(user, lang): Office,
    headers: HeaderMap,
    Query(query): Query<OutboxQuery>,
) -> Response {
    super::off_thread(move || {
        let title = tr!(lang, "outbox-title");
        let wanted = query
            .state
            .filter(|s| STATES.contains(&s.as_str()))
            .unwrap_or_default();
        let notices = match state
            .store
            .recent_notices(SHOWN, |n| wanted.is_empty() || state_name(&n.state) == wanted)
        {
            Ok(notices) => notices,
            Err(err) => return PageError::failed(&user, lang, &title, err).into_response(),
        };
        let base = super::public_base(&state, &headers);
        let body = html! {
            p.muted { (tr!(lang, "outbox-explain")) }
            form.filters method="get" action="/outbox" {
                select name="state" {
                    option value="" { (tr!(lang, "outbox-any")) }
                    @for name in STATES {
                        option value=(name) selected[wanted == name] { (tr!(lang, "outbox-state-name", state = name)) }
                    }
                }
                button type="submit" { (tr!(lang, "outbox-show")) }
            }
            (table(&state, &notices, &base, lang, true))
        };
        page(&title, &user, lang, "/outbox", body).into_response()
    })
    .await
}

/// A ticket's notices, for its page.
pub fn of_ticket(state: &AppState, number: &TicketNumber, base: &str, lang: Lang) -> Markup {
    match state.store.notices_of(number) {
        Ok(notices) if notices.is_empty() => html! {},
        Ok(notices) => html! {
            h2 { (tr!(lang, "ticket-notices")) }
            (table(state, &notices, base, lang, false))
        },
        Err(err) => {
            tracing::warn!(ticket = %number, error = %err, "a ticket's notices were not shown");
            html! {}
        }
    }
}

fn table(state: &AppState, notices: &[Notice], base: &str, lang: Lang, tickets: bool) -> Markup {
    if notices.is_empty() {
        return html! { p.muted #notices { (tr!(lang, "outbox-none")) } };
    }
    // Each ticket's status link, read once however many notices it has.
    let mut links: std::collections::HashMap<&TicketNumber, Option<String>> = Default::default();
    for notice in notices {
        links
            .entry(&notice.ticket)
            .or_insert_with(|| state.store.status_token(&notice.ticket).ok());
    }
    html! {
        div.scroll { table #notices {
            thead { tr {
                th { (tr!(lang, "outbox-col-made")) }
                @if tickets { th { (tr!(lang, "outbox-col-ticket")) } }
                th { (tr!(lang, "outbox-col-about")) }
                th { (tr!(lang, "outbox-col-channel")) }
                th { (tr!(lang, "outbox-col-to")) }
                th { (tr!(lang, "outbox-col-state")) }
                th.num { (tr!(lang, "outbox-col-attempts")) }
            } }
            tbody {
                @for notice in notices {
                    tr data-state=(state_name(&notice.state)) {
                        td { (when(notice.made)) }
                        @if tickets { td { a href=(format!("/tickets/{}", notice.ticket)) { (notice.ticket) } } }
                        td { (tr!(lang, "outbox-about", about = notice.about.name())) }
                        td { (tr!(lang, "outbox-channel", channel = notice.channel.as_str())) }
                        td { (notice.to) }
                        td {
                            (standing(notice, lang))
                            @if let Some(error) = &notice.error { br; span.muted { (tr!(lang, "outbox-error", error = error.as_str())) } }
                            (says(state, notice, links.get(&notice.ticket).cloned().flatten(), base, lang))
                        }
                        td.num { (notice.attempts) }
                    }
                }
            }
        } }
    }
}

/// Where a notice stands, in words.
fn standing(notice: &Notice, lang: Lang) -> String {
    let name = state_name(&notice.state);
    let (at, by) = match &notice.state {
        NoticeState::Waiting { due } => (when(*due), ""),
        NoticeState::Sending { by, since, .. } => (when(*since), by.as_str()),
        NoticeState::Sent { at, .. } => (when(*at), ""),
        NoticeState::Failed { at } | NoticeState::NotSetUp { at } => (when(*at), ""),
    };
    tr!(lang, "outbox-state", state = name, at = at, by = by)
}

/// What the notice says (or would say), folded: in the customer's language, as sent.
fn says(
    state: &AppState,
    notice: &Notice,
    token: Option<String>,
    base: &str,
    reader: Lang,
) -> Markup {
    let Some(token) = token else {
        return html! {};
    };
    let lang = notice.lang.unwrap_or(state.settings.language);
    let text = compose(notice, lang, &link(base, &token, &notice.about));
    html! {
        details.says {
            summary { (tr!(reader, "outbox-text")) }
            p { strong { (text.subject) } }
            pre { (text.body) }
        }
    }
}
