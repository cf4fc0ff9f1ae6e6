//! The archive's pages (regulation 8): find archived tickets by their index fields, apply to
//! read them, decide applications (the head of the applicant's department), and dispose of
//! tickets past their retention with the head's approval. Contents are read only on a
//! ticket's own page, in place, with a grant ([`super::ticket`]).

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{NaiveDate, Utc};
use maud::{Markup, html};
use rma_shared::TicketNumber;
use rma_shared::i18n::Lang;
use rma_shared::people::Role;
use rma_shared::tr;
use serde::Deserialize;

use super::audit::Audited;
use super::auth::Office;
use super::xlsx::{Cell, Sheet};
use super::{PageError, page, when};
use crate::state::AppState;
use crate::store::archive::{Application, ArchiveCard, ArchiveError, ArchiveSearch};
use crate::store::audit::AuditKind;
use crate::users::User;

/// Cards shown on a page.
const SHOWN: usize = 200;

/// The search form's fields, as typed.
#[derive(Debug, Default, Deserialize)]
pub struct SearchQuery {
    #[serde(default)]
    model: String,
    #[serde(default)]
    customer: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    registered_from: String,
    #[serde(default)]
    registered_to: String,
    #[serde(default)]
    closed_from: String,
    #[serde(default)]
    closed_to: String,
}

impl SearchQuery {
    /// The search as a query string, for a link to its workbook.
    fn query_string(&self) -> String {
        [
            ("model", &self.model),
            ("customer", &self.customer),
            ("unit", &self.unit),
            ("registered_from", &self.registered_from),
            ("registered_to", &self.registered_to),
            ("closed_from", &self.closed_from),
            ("closed_to", &self.closed_to),
        ]
        .into_iter()
        .filter(|(_, value)| !value.trim().is_empty())
        .map(|(name, value)| format!("{name}={}", super::percent_encode(value)))
        .collect::<Vec<_>>()
        .join("&")
    }

    /// The search, or the field whose date cannot be read.
    fn search(&self) -> Result<ArchiveSearch, String> {
        let text = |t: &str| Some(t.trim().to_owned()).filter(|t| !t.is_empty());
        let day = |t: &str| match text(t) {
            None => Ok(None),
            Some(t) => NaiveDate::parse_from_str(&t, "%Y-%m-%d")
                .map(Some)
                .map_err(|_| t),
        };
        Ok(ArchiveSearch {
            model: text(&self.model),
            customer: text(&self.customer),
            unit: text(&self.unit),
            registered_from: day(&self.registered_from)?,
            registered_to: day(&self.registered_to)?,
            closed_from: day(&self.closed_from)?,
            closed_to: day(&self.closed_to)?,
        })
    }
}

fn today() -> NaiveDate {
    rma_shared::calendar::company().date(Utc::now())
}

fn failed(user: &User, lang: Lang, err: &dyn std::fmt::Display) -> Response {
    PageError::failed(user, lang, &tr!(lang, "nav-archive"), err).into_response()
}

/// `/archive`: the archive's index, searched; and the application form.
pub async fn search(
    State(state): State<Arc<AppState>>,
    Office(user, lang): Office,
    Query(query): Query<SearchQuery>,
) -> Response {
    super::off_thread(move || {
        let t = |id: &str| tr!(lang, id);
        let (search, notice) = match query.search() {
            Ok(search) => (search, None),
            Err(text) => (
                ArchiveSearch::default(),
                Some(tr!(lang, "archive-bad-date", text = text)),
            ),
        };
        let cards = match state.store.archive_cards(&search) {
            Ok(cards) => cards,
            Err(err) => return failed(&user, lang, &err),
        };
        let today = today();
        let numbers: Vec<String> = cards
            .iter()
            .filter(|c| c.disposed.is_none())
            .take(20)
            .map(|c| c.number.to_string())
            .collect();
        let field = |name: &str, label: &str, value: &str, kind: &str| {
            html! { label { (t(label)) input type=(kind) name=(name) value=(value); } }
        };
        let body = html! {
            p.muted { (t("archive-explain")) }
            @if let Some(notice) = &notice { p.problem { (notice) } }
            form.filters method="get" action="/archive" {
                (field("model", "archive-model", &query.model, "text"))
                (field("customer", "archive-customer", &query.customer, "text"))
                (field("unit", "archive-unit", &query.unit, "text"))
                (field("registered_from", "archive-registered-from", &query.registered_from, "date"))
                (field("registered_to", "archive-registered-to", &query.registered_to, "date"))
                (field("closed_from", "archive-closed-from", &query.closed_from, "date"))
                (field("closed_to", "archive-closed-to", &query.closed_to, "date"))
                button.primary type="submit" { (t("archive-find")) }
            }
            p { (tr!(lang, "archive-found", count = cards.len())) " "
                a #xlsx href=(format!("/archive.xlsx?{}", query.query_string())) download { (t("download-xlsx")) } " · "
                a href="/archive/applications" { (t("archive-applications")) } " · "
                a href="/archive/disposal" { (t("archive-disposal")) } }
            (cards_table(&cards, today, lang))
            h2 { (t("archive-apply")) }
            form.stack method="post" action="/archive/apply" {
                label { (t("archive-apply-tickets")) input name="tickets" value=(numbers.join(" ")); }
                label.check { input type="checkbox" name="whole_search" value="1"; " " (t("archive-apply-search")) }
                @for (name, value) in [("model", &query.model), ("customer", &query.customer), ("unit", &query.unit), ("registered_from", &query.registered_from), ("registered_to", &query.registered_to), ("closed_from", &query.closed_from), ("closed_to", &query.closed_to)] {
                    input type="hidden" name=(name) value=(value);
                }
                label { (t("archive-apply-reason")) textarea name="reason" required {} }
                label { (t("archive-apply-from")) input type="date" name="from" value=(today.to_string()) required; }
                label { (t("archive-apply-until")) input type="date" name="until" value=((today + chrono::Days::new(7)).to_string()) required; }
                button.primary type="submit" { (t("archive-apply-send")) }
            }
        };
        page(&t("nav-archive"), &user, lang, "/archive", body).into_response()
    })
    .await
}

/// `/archive.xlsx`: the cards the search finds, as a workbook: their index fields only (no
/// customer, no contents). A download: the audit log keeps who took it.
pub async fn workbook(
    State(state): State<Arc<AppState>>,
    Office(user, lang): Office,
    Query(query): Query<SearchQuery>,
) -> Response {
    super::off_thread(move || {
        let search = match query.search() {
            Ok(search) => search,
            Err(text) => {
                return PageError::new(
                    StatusCode::BAD_REQUEST,
                    &user,
                    lang,
                    &tr!(lang, "nav-archive"),
                    &tr!(lang, "archive-bad-date", text = text),
                )
                .into_response();
            }
        };
        let cards = match state.store.archive_cards(&search) {
            Ok(cards) => cards,
            Err(err) => return failed(&user, lang, &err),
        };
        let t = |id: &str| tr!(lang, id);
        let mut sheet = Sheet::new(
            t("nav-archive"),
            vec![
                t("col-ticket"),
                t("archive-model"),
                t("archive-registered"),
                t("archive-closed"),
                t("archive-keeper"),
                t("archive-retain-until"),
                t("archive-disposed"),
            ],
        );
        for card in &cards {
            sheet.push(vec![
                Cell::text(card.number.to_string()),
                Cell::text(&card.model),
                Cell::optional_date(card.registered),
                Cell::optional_date(card.closed),
                Cell::text(&card.keeper),
                Cell::Date(card.retain_until),
                card.disposed
                    .as_ref()
                    .map_or(Cell::Empty, |d| Cell::Time(d.at)),
            ]);
        }
        super::xlsx::download("rma-archive.xlsx", &[sheet])
    })
    .await
}

/// The index fields of archived tickets: never their contents.
fn cards_table(cards: &[ArchiveCard], today: NaiveDate, lang: Lang) -> Markup {
    let t = |id: &str| tr!(lang, id);
    let day = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    html! {
        table #archive {
            thead { tr {
                th { (t("col-ticket")) } th { (t("archive-model")) } th { (t("archive-registered")) }
                th { (t("archive-closed")) } th { (t("archive-keeper")) } th { (t("archive-retain-until")) } th {}
            } }
            tbody { @for card in cards.iter().take(SHOWN) { tr {
                td { @if card.disposed.is_none() { a href=(format!("/tickets/{}", card.number)) { (card.number) } } @else { (card.number) } }
                td { (card.model) }
                td { (day(card.registered)) }
                td { (day(card.closed)) }
                td { (card.keeper) }
                td { (card.retain_until) }
                td { @if let Some(d) = &card.disposed {
                        span.muted { (tr!(lang, "archive-disposed-on", at = when(d.at), by = d.approved_by.as_str())) }
                    } @else if card.retain_until < today {
                        span.overdue { (t("archive-past-retention")) }
                    } }
            } } }
        }
        @if cards.len() > SHOWN { p.muted { (tr!(lang, "archive-more", count = SHOWN)) } }
    }
}

#[derive(Debug, Deserialize)]
pub struct ApplyForm {
    #[serde(default)]
    tickets: String,
    #[serde(default)]
    whole_search: Option<String>,
    #[serde(flatten)]
    search: SearchQuery,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    until: String,
}

/// Files an application to read archived tickets; the head of the applicant's department
/// decides it.
pub async fn apply(
    State(state): State<Arc<AppState>>,
    Office(user, lang): Office,
    axum::Form(form): axum::Form<ApplyForm>,
) -> Response {
    super::off_thread(move || {
        let title = tr!(lang, "archive-apply");
        let bad = |message: String| {
            PageError::new(StatusCode::BAD_REQUEST, &user, lang, &title, &message).into_response()
        };
        let mut tickets = Vec::new();
        for text in form.tickets.split([' ', ',', '\n', '\r', '\t']) {
            if text.is_empty() {
                continue;
            }
            match TicketNumber::parse(text) {
                Ok(number) => tickets.push(number),
                Err(_) => return bad(tr!(lang, "ticket-not-a-number", text = text)),
            }
        }
        let search = match form.search.search() {
            Ok(search) => form.whole_search.is_some().then_some(search),
            Err(text) => return bad(tr!(lang, "archive-bad-date", text = text)),
        };
        let day = |t: &str| NaiveDate::parse_from_str(t.trim(), "%Y-%m-%d");
        let (Ok(from), Ok(until)) = (day(&form.from), day(&form.until)) else {
            return bad(tr!(lang, "archive-bad-period"));
        };
        match state.store.apply(
            &user,
            tickets,
            search,
            &form.reason,
            from,
            until,
            Utc::now(),
        ) {
            Ok(application) => {
                let mut response = applications_page(
                    &state,
                    &user,
                    lang,
                    Some(tr!(lang, "archive-applied", id = application.id)),
                );
                response.extensions_mut().insert(Audited {
                    what: AuditKind::ApplicationFiled,
                    subject: format!(
                        "#{} {}: {}",
                        application.id,
                        application.scope(),
                        application.reason
                    ),
                });
                response
            }
            Err(err @ ArchiveError::Incomplete) => bad(err.message(lang)),
            Err(err) => failed(&user, lang, &err),
        }
    })
    .await
}

/// `/archive/applications`: the person's own applications, and those they decide.
pub async fn applications(
    State(state): State<Arc<AppState>>,
    Office(user, lang): Office,
) -> Response {
    super::off_thread(move || applications_page(&state, &user, lang, None)).await
}

fn applications_page(
    state: &AppState,
    user: &User,
    lang: Lang,
    notice: Option<String>,
) -> Response {
    let t = |id: &str| tr!(lang, id);
    let all = match state.store.applications() {
        Ok(all) => all,
        Err(err) => return failed(user, lang, &err),
    };
    let mine: Vec<&Application> = all.iter().filter(|a| a.applicant == user.name).collect();
    let to_decide: Vec<&Application> = all
        .iter()
        .filter(|a| a.decision.is_none() && a.decided_by(user))
        .collect();
    let today = today();
    let row = |a: &Application, decide: bool| {
        html! { tr {
            td { "#" (a.id) }
            td { (a.applicant) " · " (a.department.label(lang)) }
            td { (a.scope()) }
            td { (a.reason) }
            td { (a.from) " – " (a.until) }
            td { (status(a, today, lang)) }
            @if decide { td {
                form.inline method="post" action=(format!("/archive/applications/{}", a.id)) {
                    input name="note" placeholder=(t("archive-decision-note"));
                    button.primary type="submit" name="decision" value="approve" { (t("archive-approve")) }
                    button type="submit" name="decision" value="refuse" { (t("archive-refuse")) }
                }
            } }
        } }
    };
    let head = html! { thead { tr {
        th { "#" } th { (t("archive-applicant")) } th { (t("archive-scope")) } th { (t("archive-apply-reason")) }
        th { (t("archive-period")) } th { (t("col-status")) }
    } } };
    let body = html! {
        @if let Some(notice) = &notice { p.notice { (notice) } }
        p { a href="/archive" { (t("nav-archive")) } }
        @if user.role == Role::Head {
            h2 { (t("archive-to-decide")) }
            @if to_decide.is_empty() { p.muted { (t("archive-none-to-decide")) } }
            @else { table #to-decide { (head) tbody { @for a in &to_decide { (row(a, true)) } } } }
        }
        h2 { (t("archive-mine")) }
        @if mine.is_empty() { p.muted { (t("archive-none-mine")) } }
        @else { table #mine { (head) tbody { @for a in &mine { (row(a, false)) } } } }
    };
    page(&t("archive-applications"), user, lang, "/archive", body).into_response()
}

fn status(a: &Application, today: NaiveDate, lang: Lang) -> String {
    match &a.decision {
        None => tr!(lang, "archive-waiting"),
        Some(d) if !d.approved => tr!(
            lang,
            "archive-refused-by",
            by = d.by.as_str(),
            note = d.note.clone().unwrap_or_default()
        ),
        Some(d) if today > a.until => tr!(lang, "archive-expired", by = d.by.as_str()),
        Some(d) => tr!(lang, "archive-approved-by", by = d.by.as_str()),
    }
}

#[derive(Debug, Deserialize)]
pub struct DecideForm {
    decision: String,
    #[serde(default)]
    note: String,
}

/// The head of the applicant's department approves or refuses an application.
pub async fn decide(
    State(state): State<Arc<AppState>>,
    Office(user, lang): Office,
    Path(id): Path<u64>,
    axum::Form(form): axum::Form<DecideForm>,
) -> Response {
    super::off_thread(move || {
        let title = tr!(lang, "archive-applications");
        let approved = match form.decision.as_str() {
            "approve" => true,
            "refuse" => false,
            other => {
                return PageError::new(
                    StatusCode::BAD_REQUEST,
                    &user,
                    lang,
                    &title,
                    &tr!(lang, "archive-bad-decision", text = other),
                )
                .into_response();
            }
        };
        let note = Some(form.note.clone());
        match state.store.decide(id, &user, approved, note, Utc::now()) {
            Ok(application) => {
                let notice = tr!(
                    lang,
                    if approved {
                        "archive-approved-notice"
                    } else {
                        "archive-refused-notice"
                    },
                    id = id
                );
                let mut response = applications_page(&state, &user, lang, Some(notice));
                response.extensions_mut().insert(Audited {
                    what: if approved {
                        AuditKind::ApplicationApproved
                    } else {
                        AuditKind::ApplicationRefused
                    },
                    subject: format!("#{id} {} ({})", application.applicant, application.scope()),
                });
                response
            }
            Err(err @ ArchiveError::NotTheirHead(_)) => PageError::new(
                StatusCode::FORBIDDEN,
                &user,
                lang,
                &title,
                &err.message(lang),
            )
            .into_response(),
            Err(err @ (ArchiveError::UnknownApplication(_) | ArchiveError::Decided(_))) => {
                PageError::new(
                    StatusCode::CONFLICT,
                    &user,
                    lang,
                    &title,
                    &err.message(lang),
                )
                .into_response()
            }
            Err(err) => failed(&user, lang, &err),
        }
    })
    .await
}

/// `/archive/disposal`: tickets past their retention, and the disposals put forward.
pub async fn disposal(State(state): State<Arc<AppState>>, Office(user, lang): Office) -> Response {
    super::off_thread(move || disposal_page(&state, &user, lang, None, StatusCode::OK)).await
}

fn disposal_page(
    state: &AppState,
    user: &User,
    lang: Lang,
    notice: Option<String>,
    code: StatusCode,
) -> Response {
    let t = |id: &str| tr!(lang, id);
    if !user.role.sees_disposal() {
        return PageError::new(
            StatusCode::FORBIDDEN,
            user,
            lang,
            &t("archive-disposal"),
            &t("archive-disposal-forbidden"),
        )
        .into_response();
    }
    let today = today();
    let (cards, proposals) = match (
        state.store.archive_cards(&ArchiveSearch::default()),
        state.store.proposals(),
    ) {
        (Ok(cards), Ok(proposals)) => (cards, proposals),
        (Err(err), _) | (_, Err(err)) => return failed(user, lang, &err),
    };
    let due: Vec<&ArchiveCard> = cards
        .iter()
        .filter(|c| c.disposed.is_none() && c.retain_until < today)
        .collect();
    let body = html! {
        @if let Some(notice) = &notice { p.notice { (notice) } }
        p.muted { (t("archive-disposal-explain")) }
        table #disposal {
            thead { tr { th { (t("col-ticket")) } th { (t("archive-model")) } th { (t("archive-keeper")) } th { (t("archive-retain-until")) } th { (t("col-status")) } th {} } }
            tbody { @for card in &due {
                @let proposal = proposals.iter().find(|p| p.number == card.number);
                tr {
                    td { (card.number) } td { (card.model) } td { (card.keeper) } td { (card.retain_until) }
                    td { @match proposal {
                        Some(p) => { (tr!(lang, "archive-proposed-by", by = p.by.as_str(), at = when(p.at))) }
                        None => { (t("archive-past-retention")) }
                    } }
                    td {
                        form.inline method="post" action="/archive/dispose" {
                            input type="hidden" name="ticket" value=(card.number.to_string());
                            @if proposal.is_none() && user.role.proposes_disposal() {
                                button type="submit" name="step" value="propose" { (t("archive-propose")) }
                            }
                            @if proposal.is_some() && user.role.approves_disposal() {
                                button.primary type="submit" name="step" value="approve" { (t("archive-approve-disposal")) }
                            }
                        }
                    }
                }
            } }
        }
        @if due.is_empty() { p.muted { (t("archive-none-due")) } }
    };
    (
        code,
        page(&t("archive-disposal"), user, lang, "/archive", body),
    )
        .into_response()
}

#[derive(Debug, Deserialize)]
pub struct DisposeForm {
    ticket: String,
    step: String,
}

/// Puts a ticket forward for disposal, or (the head) approves the disposal: the contents go,
/// the card stays as its tombstone, and the audit log keeps both steps.
pub async fn dispose(
    State(state): State<Arc<AppState>>,
    Office(user, lang): Office,
    axum::Form(form): axum::Form<DisposeForm>,
) -> Response {
    super::off_thread(move || {
        let title = tr!(lang, "archive-disposal");
        let Ok(number) = TicketNumber::parse(form.ticket.trim()) else {
            return PageError::new(
                StatusCode::BAD_REQUEST,
                &user,
                lang,
                &title,
                &tr!(lang, "ticket-not-a-number", text = form.ticket.as_str()),
            )
            .into_response();
        };
        let now = Utc::now();
        let (allowed, outcome) = match form.step.as_str() {
            "propose" => (user.role.proposes_disposal(), AuditKind::DisposalProposed),
            "approve" => (user.role.approves_disposal(), AuditKind::Disposed),
            other => {
                return PageError::new(
                    StatusCode::BAD_REQUEST,
                    &user,
                    lang,
                    &title,
                    &tr!(lang, "archive-bad-decision", text = other),
                )
                .into_response();
            }
        };
        if !allowed {
            return PageError::new(
                StatusCode::FORBIDDEN,
                &user,
                lang,
                &title,
                &tr!(lang, "archive-disposal-forbidden"),
            )
            .into_response();
        }
        let done = match outcome {
            AuditKind::DisposalProposed => state
                .store
                .propose_disposal(&number, &user.name, today(), now)
                .map(|_| ()),
            _ => state
                .store
                .dispose(&number, &user, today(), now)
                .map(|_| ()),
        };
        match done {
            Ok(()) => {
                let id = if outcome == AuditKind::Disposed {
                    "archive-disposed-notice"
                } else {
                    "archive-proposed-notice"
                };
                let mut response = disposal_page(
                    &state,
                    &user,
                    lang,
                    Some(tr!(lang, id, number = number.to_string())),
                    StatusCode::OK,
                );
                response.extensions_mut().insert(Audited {
                    what: outcome,
                    subject: number.to_string(),
                });
                response
            }
            Err(err @ ArchiveError::Store(_)) => failed(&user, lang, &err),
            Err(err) => disposal_page(
                &state,
                &user,
                lang,
                Some(err.message(lang)),
                StatusCode::CONFLICT,
            ),
        }
    })
    .await
}
