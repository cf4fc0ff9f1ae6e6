//! The pages: home (my work, storage areas, conflicts), a ticket's or a unit's page with the
//! steps allowed now, the scan box and the phone camera's `/c/CODE`, and sync at a glance.

use std::sync::Arc;

use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use maud::{Markup, html};
use rma_shared::i18n::{Lang, Localized};
use rma_shared::people::{Action, Role};
use rma_shared::work::{Work, waiting};
use rma_shared::{
    LabelCode, TicketNumber, TicketStatus, TicketSummary, TicketView, UnitNumber, tr,
};
use serde::Deserialize;

use super::{Bench, Flash, Person, blocking, forms, page};
use crate::desk::scan::Scanned;
use crate::store::{ListFilter, Store};

/// Tickets read per status for "my work": the oldest waiting come first within it.
const WORK_PER_STATUS: usize = 200;
/// Changes waiting are counted up to this many ("999+" beyond): the page stays fast with a
/// store full of unsynced tickets.
const WAITING_COUNTED: usize = 1000;
/// Tickets listed per storage area on the home page.
const PER_AREA: usize = 20;

/// Sync at a glance, on every page.
#[derive(Debug)]
pub(crate) struct SyncLine {
    server: Option<String>,
    /// The last background round: when, and why it failed.
    attempt: Option<(DateTime<Utc>, Option<String>)>,
    last: Option<DateTime<Utc>>,
    waiting: usize,
    conflicts: usize,
    /// Photos and documents still to send or fetch.
    files: crate::store::FilesWaiting,
    /// This PC's clock, when it is off the server's by more than the tolerance.
    clock: Option<rma_shared::clock::Reading>,
}

impl SyncLine {
    pub(crate) fn read(bench: &Bench) -> anyhow::Result<Self> {
        let store = bench.holder.desk.store();
        Ok(Self {
            server: store.server()?.map(|link| link.url),
            attempt: bench.holder.last_sync(),
            last: store.last_sync()?.map(|l| l.at),
            waiting: store.pending_count(WAITING_COUNTED)?,
            conflicts: store.tickets().with_conflicts()?.len(),
            files: store.files_waiting()?,
            clock: bench.holder.desk.clock_warning()?,
        })
    }

    pub(crate) fn markup(&self, lang: Lang) -> Markup {
        let (class, state) = match (&self.server, &self.attempt) {
            (None, _) => ("alone", tr!(lang, "bench-sync-alone")),
            (Some(_), Some((_, Some(_)))) => ("offline", tr!(lang, "bench-sync-offline")),
            (Some(_), Some((_, None))) => ("online", tr!(lang, "bench-sync-online")),
            (Some(_), None) => ("unknown", tr!(lang, "bench-sync-starting")),
        };
        html! {
            div.sync {
                span class=(format!("state {class}")) { (state) }
                @if self.waiting >= WAITING_COUNTED {
                    span { (tr!(lang, "bench-sync-waiting-many", count = WAITING_COUNTED - 1)) }
                } @else {
                    span { (tr!(lang, "bench-sync-waiting", count = self.waiting)) }
                }
                @if self.server.is_some() {
                    span {
                        (tr!(lang, "bench-sync-last"))
                        " "
                        @match self.last {
                            Some(at) => (crate::output::time(at)),
                            None => (tr!(lang, "sites-never")),
                        }
                    }
                }
                @if self.files.to_send + self.files.to_fetch > 0 {
                    span.files { (tr!(lang, "bench-sync-files", send = self.files.to_send, fetch = self.files.to_fetch)) }
                }
                @if self.conflicts > 0 {
                    a.conflicts href="/#conflicts" { (tr!(lang, "bench-sync-conflicts", count = self.conflicts)) }
                }
                @if let Some((_, Some(reason))) = &self.attempt {
                    span.reason { (reason) }
                }
                @if let Some(reading) = &self.clock {
                    span.clock role="alert" { (rma_shared::clock::warning(reading, lang)) }
                }
                @if self.server.is_some() {
                    form.inline method="post" action="/sync" {
                        button.small type="submit" { (tr!(lang, "bench-sync-now")) }
                    }
                }
            }
        }
    }
}

/// One thing waiting for the person, with its ticket.
struct Waiting {
    work: Work,
    summary: TicketSummary,
    overdue: bool,
}

/// Home: what waits for me, the storage areas and what they hold, open conflicts.
pub(crate) async fn home(State(bench): State<Arc<Bench>>, person: Person) -> Response {
    let worker = bench.clone();
    let me = person.account.clone();
    let read = blocking(move || {
        let store = worker.holder.desk.store();
        let deadlines = crate::settings::Settings::load(worker.holder.desk.data(), None)
            .unwrap_or_default()
            .deadlines;
        let now = Utc::now();
        let mut work = Vec::new();
        for status in [
            TicketStatus::Registered,
            TicketStatus::Assessed,
            TicketStatus::Received,
            TicketStatus::InRepair,
            TicketStatus::Inspected,
            TicketStatus::Shipped,
        ] {
            let filter = ListFilter {
                status: Some(status),
                limit: WORK_PER_STATUS,
                ..ListFilter::default()
            };
            for summary in store.list(&filter, &deadlines)?.tickets {
                // The summary does not say whether shipping was agreed: the document does.
                let notice = if status == TicketStatus::Inspected {
                    Some(
                        store
                            .load(&summary.number)?
                            .workflow()
                            .ship_notice
                            .is_some(),
                    )
                } else {
                    None
                };
                let overdue = !summary.overdue(&deadlines, now).is_empty();
                for item in waiting(&summary, me.role, &me.name, notice) {
                    work.push(Waiting {
                        work: item,
                        summary: summary.clone(),
                        overdue,
                    });
                }
            }
        }
        // Overdue first, then the oldest.
        work.sort_by(|a, b| {
            b.overdue
                .cmp(&a.overdue)
                .then(a.summary.registered_at.cmp(&b.summary.registered_at))
        });
        let mut areas = Vec::new();
        for area in store.area_names()? {
            let filter = ListFilter {
                area: Some(area.code.clone()),
                limit: PER_AREA,
                ..ListFilter::default()
            };
            let tickets = store.list(&filter, &deadlines)?;
            areas.push((area, tickets));
        }
        let conflicts = store.tickets().with_conflicts()?;
        Ok((work, areas, conflicts, SyncLine::read(&worker)?))
    })
    .await;
    let (work, areas, conflicts, status) = match read {
        Ok(read) => read,
        Err(response) => return response,
    };
    let lang = person.lang;
    let role = person.account.role;
    let body = html! {
        @if role.may(Action::Intake) {
            p { a.button href="/new" { (tr!(lang, "bench-new-ticket")) } }
        }
        section {
            h2 { (tr!(lang, "bench-my-work")) " (" (work.len()) ")" }
            @if work.is_empty() {
                p.note { (tr!(lang, "bench-no-work", role = role.label(lang))) }
            } @else {
                ul.work {
                    @for item in &work {
                        li class=(if item.overdue { "overdue" } else { "" }) {
                            a href=(format!("/t/{}", item.summary.number)) {
                                strong { (item.work.action.label(lang)) }
                                " " (item.summary.number.to_string())
                            }
                            @if item.overdue { " " span.badge { (tr!(lang, "bench-overdue")) } }
                            br;
                            span.small {
                                (item.summary.customer) " · " (item.summary.model)
                                @if !item.work.units.is_empty() {
                                    " · "
                                    @for (i, unit) in item.work.units.iter().enumerate() {
                                        @if i > 0 { ", " }
                                        a href=(format!("/u/{unit}")) { (unit.to_string()) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        @if !conflicts.is_empty() {
            section #conflicts {
                h2 { (tr!(lang, "bench-conflicts")) }
                ul {
                    @for number in &conflicts {
                        li { a href=(format!("/t/{number}")) { (number.to_string()) } }
                    }
                }
            }
        }
        section {
            h2 { (tr!(lang, "bench-areas")) }
            @if areas.is_empty() {
                p.note { (tr!(lang, "bench-no-areas")) }
            }
            ul.areas {
                @for (area, tickets) in &areas {
                    li {
                        strong { (area.code.to_string()) }
                        @if let Some(name) = &area.name { " · " (name) }
                        " · "
                        @if tickets.more {
                            (tr!(lang, "bench-area-many", count = PER_AREA))
                        } @else {
                            (tr!(lang, "tickets-count", count = tickets.tickets.len()))
                        }
                        @if !tickets.tickets.is_empty() {
                            br;
                            span.small {
                                @for (i, summary) in tickets.tickets.iter().enumerate() {
                                    @if i > 0 { ", " }
                                    a href=(format!("/t/{}", summary.number)) { (summary.number.to_string()) }
                                }
                                @if tickets.more { " …" }
                            }
                        }
                    }
                }
            }
        }
    };
    page(&bench, &person, &tr!(lang, "bench-home"), &status, body).into_response()
}

#[derive(Debug, Deserialize)]
pub(crate) struct ScanForm {
    #[serde(default)]
    code: String,
}

/// The scan box: a storage area then units moves them there (as `rma-agent scan` does); a
/// unit or ticket alone opens its page; a code read twice is said once; garbage is explained.
pub(crate) async fn scan(
    State(bench): State<Arc<Bench>>,
    person: Person,
    headers: HeaderMap,
    Form(form): Form<ScanForm>,
) -> Response {
    let code = form.code.trim().to_owned();
    let back = super::back(&headers);
    if code.is_empty() {
        return Redirect::to(&back).into_response();
    }
    let area = bench.place(&person, |place| place.area.clone());
    let scanned = super::at_desk(&bench, &person, move |desk, asker| {
        desk.scan(asker, &code, area.as_ref())
    })
    .await;
    match scanned {
        Ok(Ok(scanned)) => {
            if let Scanned::Area { area } = &scanned {
                let area = area.clone();
                bench.place(&person, |place| place.area = Some(area));
            }
            bench.say(&person, Flash::Done(scanned.message(person.lang)));
            Redirect::to(&scanned.page().unwrap_or(back)).into_response()
        }
        Ok(Err(refused)) => {
            let message = tr!(person.lang, "scan-not-used", message = refused);
            bench.say(&person, Flash::Refused(message));
            Redirect::to(&back).into_response()
        }
        Err(response) => response,
    }
}

/// The page a scanned code stands for.
fn place_of(bench: &Bench, code: &str) -> String {
    match LabelCode::parse(code) {
        Ok(LabelCode::Unit(unit)) => format!("/u/{unit}"),
        Ok(LabelCode::Reserved(label)) => match bench.holder.desk.store().unit_of_label(&label) {
            Ok(Some(unit)) => format!("/u/{unit}"),
            _ => "/".to_owned(),
        },
        Ok(code) => match code.ticket() {
            Some(ticket) => format!("/t/{ticket}"),
            None => "/".to_owned(),
        },
        Err(_) => "/".to_owned(),
    }
}

/// `/c/CODE`: what a phone's camera app opens from a label that carries the bench's address.
/// An area's label sets the area for the units scanned next; a unit's label opens its page,
/// with the move into that area one tap away.
pub(crate) async fn camera(
    State(bench): State<Arc<Bench>>,
    person: Person,
    Path(code): Path<String>,
) -> Response {
    match LabelCode::parse(&code) {
        Ok(LabelCode::Area(area)) => {
            let message = tr!(person.lang, "bench-area-set", area = area.to_string());
            bench.place(&person, |place| place.area = Some(area));
            bench.say(&person, Flash::Done(message));
            Redirect::to("/").into_response()
        }
        Ok(_) => Redirect::to(&place_of(&bench, &code)).into_response(),
        Err(err) => {
            let message = tr!(
                person.lang,
                "scan-not-used",
                message = err.message(person.lang)
            );
            bench.say(&person, Flash::Refused(message));
            Redirect::to("/").into_response()
        }
    }
}

/// A ticket's page: every record, and the steps allowed now for this person.
pub(crate) async fn ticket(
    State(bench): State<Arc<Bench>>,
    person: Person,
    Path(number): Path<String>,
) -> Response {
    match TicketNumber::parse(&number) {
        Ok(number) => ticket_page(bench, person, number, None, StatusCode::OK).await,
        Err(err) => not_found(&bench, &person, &err.to_string()).await,
    }
}

/// A unit's page: its ticket, with the steps for this unit first.
pub(crate) async fn unit(
    State(bench): State<Arc<Bench>>,
    person: Person,
    Path(unit): Path<String>,
) -> Response {
    match UnitNumber::parse(&unit) {
        Ok(unit) => {
            let number = unit.ticket().clone();
            ticket_page(bench, person, number, Some(unit), StatusCode::OK).await
        }
        Err(err) => not_found(&bench, &person, &err.to_string()).await,
    }
}

async fn not_found(bench: &Arc<Bench>, person: &Person, problem: &str) -> Response {
    let worker = bench.clone();
    let status = match blocking(move || SyncLine::read(&worker)).await {
        Ok(status) => status,
        Err(response) => return response,
    };
    let body = html! {
        div.refused role="alert" { @for line in problem.lines() { p { (line.trim()) } } }
    };
    (
        StatusCode::NOT_FOUND,
        page(
            bench,
            person,
            &tr!(person.lang, "bench-not-found"),
            &status,
            body,
        ),
    )
        .into_response()
}

/// Renders a ticket's page (also after a refused step: with `status` 409 and the message).
pub(crate) async fn ticket_page(
    bench: Arc<Bench>,
    person: Person,
    number: TicketNumber,
    focus: Option<UnitNumber>,
    status_code: StatusCode,
) -> Response {
    let worker = bench.clone();
    let wanted = number.clone();
    let read = blocking(move || {
        let store: &Store = worker.holder.desk.store();
        let settings =
            crate::settings::Settings::load(worker.holder.desk.data(), None).unwrap_or_default();
        let doc = match store.load(&wanted) {
            Ok(doc) => doc,
            Err(crate::store::StoreError::UnknownTicket(_)) => {
                return Ok(Err("store-unknown-ticket"));
            }
            // Regulation 8: its file is at the central office now.
            Err(crate::store::StoreError::ArchivedAtServer(_)) => {
                return Ok(Err("store-archived-at-server"));
            }
            Err(err) => return Err(err.into()),
        };
        let view = TicketView::build(&doc, &settings.deadlines, Utc::now())?;
        let mut here = std::collections::HashSet::new();
        for (hash, _) in view.files() {
            if store.has_file(&hash)? {
                here.insert(hash);
            }
        }
        let flow = doc.workflow();
        let people = store.people().list()?;
        let areas = store.area_names()?;
        Ok(Ok((
            view,
            here,
            flow,
            people,
            areas,
            settings,
            SyncLine::read(&worker)?,
        )))
    })
    .await;
    let (view, here, flow, people, areas, settings, status) = match read {
        Ok(Ok(read)) => read,
        Ok(Err(why)) => {
            let mut problem = rma_shared::tr!(person.lang, why, what = number.to_string());
            if why == "store-unknown-ticket" {
                // Held at another site: where the server says it is.
                let asker = bench.clone();
                let wanted = number.clone();
                if let Ok(Some(found)) =
                    blocking(move || Ok(asker.holder.desk.whereabouts(&wanted))).await
                {
                    problem = crate::output::whereabouts(&found, person.lang);
                }
            }
            return not_found(&bench, &person, &problem).await;
        }
        Err(response) => return response,
    };
    let lang = person.lang;
    let role = person.account.role;
    let offered: Vec<Action> = flow
        .offers_at(bench.holder.desk.store().site())
        .into_iter()
        .filter(|a| role.may(*a) && forms::on_ticket_page(*a))
        .collect();
    let context = forms::FormContext {
        view: &view,
        flow: &flow,
        focus: focus.as_ref(),
        me: &person.account.name,
        repairers: people
            .iter()
            .filter(|p| matches!(p.role, Role::Production | Role::Technical))
            .map(|p| p.name.clone())
            .collect(),
        areas: &areas,
        printer: settings.labels.printer.is_some(),
        lang,
    };
    let reg = &view.registration;
    let body = html! {
        h1 { (view.number.to_string()) " " span.status { (view.status.label(lang)) } }
        @for late in &view.overdue {
            p.refused { (tr!(lang, "out-was-due", deadline = late.deadline.label(lang), due = crate::output::time(late.due))) }
        }
        dl.facts {
            dt { (tr!(lang, "bench-customer")) } dd {
                (reg.customer)
                @for reach in [&reg.contact, &reg.email, &reg.phone].into_iter().flatten() { " · " (reach) }
                @if let Some(reads) = reg.customer_lang { " · " (reads.own_name()) }
            }
            dt { (tr!(lang, "bench-model")) } dd { (reg.model) " × " (reg.quantity) }
            dt { (tr!(lang, "bench-fault")) } dd { (reg.fault) }
            dt { (tr!(lang, "bench-request")) } dd { (reg.request.label(lang)) }
            @if let Some(reason) = &view.on_hold { dt { (tr!(lang, "status", status = "on_hold")) } dd { (reason) } }
            @if let Some(reason) = &view.cancelled { dt { (tr!(lang, "status", status = "cancelled")) } dd { (reason) } }
        }
        @if !view.units.is_empty() {
            h2 { (tr!(lang, "bench-units")) }
            table.units {
                tbody {
                    @for unit in &view.units {
                        tr class=(if focus.as_ref() == Some(&unit.status.number) { "focus" } else { "" }) {
                            td { a href=(format!("/u/{}", unit.status.number)) { (unit.status.number.to_string()) } }
                            td { (unit.status.state.label(lang)) }
                            td { (unit.status.location.label(lang)) }
                        }
                    }
                }
            }
        }
        @if let Some(unit) = &focus {
            @let area = bench.place(&person, |place| place.area.clone());
            @if let Some(area) = area {
                @if view.units.iter().any(|u| &u.status.number == unit && Action::Move.takes_unit(u.status.state) && u.status.location.area() != Some(&area)) {
                    form method="post" action="/scan" {
                        input type="hidden" name="code" value=(format!("U:{unit}"));
                        button.big type="submit" { (tr!(lang, "bench-move-here", unit = unit.to_string(), area = area.to_string())) }
                    }
                }
            }
        }
        section.steps {
            h2 { (tr!(lang, "bench-steps")) }
            @if offered.is_empty() {
                p.note { (tr!(lang, "bench-no-steps", role = role.label(lang))) }
            }
            @for action in &offered {
                (forms::form(&context, *action))
            }
            (forms::printing(&context))
        }
        (super::files::section(&view, &here, focus.as_ref(), role.may(Action::Attach), lang))
        section {
            h2 { (tr!(lang, "bench-records")) }
            ol.records {
                @for event in &view.events {
                    li {
                        span.small { (crate::output::time(event.at)) " · " (event.by) " · " (event.site.as_str()) }
                        br;
                        (event.kind.describe(lang))
                    }
                }
            }
        }
    };
    let title = view.number.to_string();
    (status_code, page(&bench, &person, &title, &status, body)).into_response()
}

/// The intake form: the registration form of regulation 2.1.
pub(crate) async fn new_ticket(State(bench): State<Arc<Bench>>, person: Person) -> Response {
    let worker = bench.clone();
    let status = match blocking(move || SyncLine::read(&worker)).await {
        Ok(status) => status,
        Err(response) => return response,
    };
    let lang = person.lang;
    let body = forms::intake_form(lang);
    page(
        &bench,
        &person,
        &tr!(lang, "bench-new-ticket"),
        &status,
        body,
    )
    .into_response()
}

/// "Sync now": wakes the background sync, back to the same page.
pub(crate) async fn sync_now(
    State(bench): State<Arc<Bench>>,
    person: Person,
    headers: HeaderMap,
) -> Response {
    bench.holder.sync.now.notify_one();
    bench.say(&person, Flash::Done(tr!(person.lang, "bench-sync-started")));
    Redirect::to(&super::back(&headers)).into_response()
}
