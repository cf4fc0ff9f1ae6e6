//! What a posted form does: a step of the regulation read into its typed request and applied
//! by the same core as the command line (a refusal reads the same and changes nothing; a
//! field the step does not have is refused, naming it); a registration; the labels of a
//! ticket as a PDF or on the bench's printer.

use std::sync::Arc;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use rma_shared::i18n::Localized;
use rma_shared::people::Action;
use rma_shared::step::{Decode, Step};
use rma_shared::{TicketNumber, tr};
use serde::Deserialize;

use super::forms::{PRINT_LABELS, intake_form, on_ticket_page};
use super::{Bench, Flash, Person, pages};
use crate::desk::{Asker, Desk, DeskError};
use crate::printing::{self, Drawing, Labels};
use crate::settings::LabelFormat;

/// A posted form, read into a step's request. Empty fields are fields not given; the part
/// rows (a part and how many) are `PART:QUANTITY` lines; pre-printed labels typed into one
/// field are one each.
#[derive(Debug)]
struct Posted(String);

impl Posted {
    fn new(fields: &[(String, String)]) -> Self {
        let value = |key: &str| -> Vec<&str> {
            fields
                .iter()
                .filter(|(k, _)| k == key)
                .map(|(_, v)| v.trim())
                .collect()
        };
        let quantities = value("qty");
        let mut pairs: Vec<(String, String)> = Vec::new();
        for (i, part) in value("part").into_iter().enumerate() {
            if !part.is_empty() {
                let quantity = quantities.get(i).copied().filter(|q| !q.is_empty());
                pairs.push(("part".into(), format!("{part}:{}", quantity.unwrap_or("1"))));
            }
        }
        for (key, value) in fields {
            let value = value.trim();
            match key.as_str() {
                "part" | "qty" => {}
                _ if value.is_empty() => {}
                "label" => pairs.extend(
                    value
                        .split([',', ' ', '\n'])
                        .filter(|code| !code.trim().is_empty())
                        .map(|code| ("label".to_owned(), code.trim().to_owned())),
                ),
                _ => pairs.push((key.clone(), value.to_owned())),
            }
        }
        Self(serde_html_form::to_string(&pairs).expect("pairs of text encode"))
    }
}

impl Decode for Posted {
    fn decode<T: serde::de::DeserializeOwned>(&self) -> Result<T, String> {
        serde_html_form::from_str(&self.0).map_err(|err| err.to_string())
    }
}

/// The step a form posted to `/do/{command}` is for.
fn step_of(command: &str) -> Option<Action> {
    Action::parse(command).filter(|a| on_ticket_page(*a))
}

/// A step posted from a ticket's or unit's page, applied in the person's name: done, back to
/// the page with what was recorded; refused, the page again with the regulation's reason
/// (409); a form that does not fit its step, 400 with what is wrong.
pub(crate) async fn step(
    State(bench): State<Arc<Bench>>,
    person: Person,
    Path(command): Path<String>,
    headers: HeaderMap,
    request: axum::extract::Request,
) -> Response {
    let lang = person.lang;
    let Some(action) = step_of(&command) else {
        return (StatusCode::NOT_FOUND, tr!(lang, "bench-not-found")).into_response();
    };
    // The photos a form of receiving, repair, inspection or packing takes along.
    let (mut fields, files) = match super::files::read_posted(request, lang).await {
        Ok(posted) => posted,
        Err(response) => return response,
    };
    // The receiving form's printing box: the bench's own printer only (a page may not send
    // labels elsewhere).
    let print_labels = action == Action::Receive && fields.iter().any(|(k, _)| k == PRINT_LABELS);
    // What the form's photos show: the page's, not a field of the step.
    let caption = fields
        .iter()
        .find(|(k, v)| k == super::files::CAPTION && !v.trim().is_empty())
        .and_then(|(_, v)| v.parse::<rma_shared::step::Text>().ok());
    fields.retain(|(k, _)| k != PRINT_LABELS && k != super::files::CAPTION);
    let step = match Step::decode(action, &Posted::new(&fields)) {
        Ok(step) => step,
        Err(bad) => return (StatusCode::BAD_REQUEST, bad.message(lang)).into_response(),
    };
    let Some(ticket) = step.ticket().cloned() else {
        return (StatusCode::BAD_REQUEST, tr!(lang, "bench-no-target")).into_response();
    };
    let focus = step.unit().cloned();
    // Files are checked and made safe before the step is taken: a bad one refuses the form.
    let evidence = super::files::evidence_of(action).filter(|_| !files.is_empty());
    let prepared = match evidence {
        Some(_) => {
            let worker = bench.clone();
            match tokio::task::spawn_blocking(move || worker.holder.desk.prepare_files(files)).await
            {
                Ok(Ok(prepared)) => prepared,
                Ok(Err(err)) => {
                    bench.say(&person, Flash::Refused(crate::desk::say(&err, lang)));
                    return pages::ticket_page(bench, person, ticket, focus, StatusCode::CONFLICT)
                        .await;
                }
                Err(_) => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
            }
        }
        None => Vec::new(),
    };
    let attach_to = match &focus {
        Some(unit) => rma_shared::TicketOrUnit::Unit(unit.clone()),
        None => rma_shared::TicketOrUnit::Ticket(ticket.clone()),
    };
    let done = super::at_desk(&bench, &person, move |desk, asker| {
        let outcome = desk.step(asker, step)?;
        let mut lines = outcome.lines(asker.lang);
        if print_labels {
            lines.push(print_units(desk, asker, &outcome.ticket));
        }
        if let Some(step) = evidence {
            let request = rma_shared::step::Attach {
                what: attach_to,
                step,
                caption,
            };
            // The step stands; files that cannot be kept now are said.
            match desk.attach_prepared(asker, request, prepared) {
                Ok(attached) => lines.extend(attached.lines(asker.lang)),
                Err(err) => lines.push(crate::desk::say(&err, asker.lang)),
            }
        }
        Ok(lines.join("\n"))
    })
    .await;
    match done {
        Ok(Ok(said)) => {
            bench.say(&person, Flash::Done(said));
            // Back to the ticket's or unit's page the form was on, else the step's.
            let back = super::back(&headers);
            let page = match focus {
                _ if back.starts_with(&format!("/t/{ticket}"))
                    || back.starts_with(&format!("/u/{ticket}-")) =>
                {
                    back
                }
                Some(unit) => format!("/u/{unit}"),
                None => format!("/t/{ticket}"),
            };
            Redirect::to(&page).into_response()
        }
        Ok(Err(refused)) => {
            bench.say(&person, Flash::Refused(refused));
            pages::ticket_page(bench, person, ticket, focus, StatusCode::CONFLICT).await
        }
        Err(response) => response,
    }
}

/// The units' labels of a ticket just received, on this bench's printer: what happened, in
/// the person's words (the units are received either way).
fn print_units(desk: &Desk, asker: &Asker, view: &rma_shared::TicketView) -> String {
    let printed = (|| -> Result<String, Box<dyn std::error::Error + Send + Sync>> {
        let settings = desk.settings()?.labels;
        let labels = printing::unit_labels(view, asker.lang);
        let prepared = printing::prepare(labels, &settings, &Drawing::default(), true)?;
        let printer = prepared.print("", &settings, 1)?;
        desk.note_printed(asker, &prepared.codes(), 1, &printer);
        Ok(tr!(
            asker.lang,
            "label-sent",
            count = prepared.labels.len(),
            printer = printer.as_str(),
            copies = 1
        ))
    })();
    printed.unwrap_or_else(|err| {
        tr!(
            asker.lang,
            "receive-not-printed",
            why = crate::desk::say(err.as_ref(), asker.lang),
            ticket = view.number.to_string()
        )
    })
}

/// The registration form, posted: a new ticket, and its page.
pub(crate) async fn intake(
    State(bench): State<Arc<Bench>>,
    person: Person,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let lang = person.lang;
    let step = match Step::decode(Action::Intake, &Posted::new(&fields)) {
        Ok(step) => step,
        Err(bad) => return (StatusCode::BAD_REQUEST, bad.message(lang)).into_response(),
    };
    let done = super::at_desk(&bench, &person, move |desk, asker| {
        Ok(desk.step(asker, step)?.ticket.number)
    })
    .await;
    match done {
        Ok(Ok(number)) => {
            let done = tr!(lang, "bench-registered", ticket = number.to_string());
            bench.say(&person, Flash::Done(done));
            Redirect::to(&format!("/t/{number}")).into_response()
        }
        Ok(Err(refused)) => {
            bench.say(&person, Flash::Refused(refused));
            let worker = bench.clone();
            let status = match super::blocking(move || pages::SyncLine::read(&worker)).await {
                Ok(status) => status,
                Err(response) => return response,
            };
            let title = tr!(lang, "bench-new-ticket");
            let page = super::page(&bench, &person, &title, &status, intake_form(lang));
            (StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
        }
        Err(response) => response,
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct LabelQuery {
    what: Option<String>,
}

/// Which labels: the units' (`ticket`) or the package's.
fn labels_of(what: Option<&str>, ticket: TicketNumber) -> Labels {
    match what {
        Some("package") => Labels::Package { ticket },
        _ => Labels::Ticket { ticket },
    }
}

/// The labels of a ticket drawn as `drawing` says, from the desk.
fn prepared(
    desk: &Desk,
    asker: &Asker,
    wanted: Labels,
    drawing: &Drawing,
    printing: bool,
) -> Result<printing::Prepared, crate::desk::DeskError> {
    let data = desk.labels(wanted.clone())?;
    let settings = desk.settings()?.labels;
    let labels = printing::make(&wanted, data, asker.lang);
    Ok(printing::prepare(labels, &settings, drawing, printing)?)
}

/// The ticket's labels as a PDF to download and print anywhere.
pub(crate) async fn labels_pdf(
    State(bench): State<Arc<Bench>>,
    person: Person,
    Path(number): Path<String>,
    Query(query): Query<LabelQuery>,
) -> Response {
    let Ok(number) = TicketNumber::parse(&number) else {
        return (StatusCode::NOT_FOUND, tr!(person.lang, "bench-not-found")).into_response();
    };
    let wanted = labels_of(query.what.as_deref(), number.clone());
    let kind = match wanted {
        Labels::Package { .. } => "package",
        _ => "ticket",
    };
    let drawn = super::at_desk(&bench, &person, move |desk, asker| {
        let drawing = Drawing {
            format: Some(LabelFormat::Pdf),
            ..Drawing::default()
        };
        let mut documents = prepared(desk, asker, wanted, &drawing, false)?.draw()?;
        Ok(documents.swap_remove(0))
    })
    .await;
    match drawn {
        Ok(Ok(pdf)) => (
            [
                (header::CONTENT_TYPE, "application/pdf".to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{number}-{kind}.pdf\""),
                ),
            ],
            pdf,
        )
            .into_response(),
        Ok(Err(refused)) => {
            bench.say(&person, Flash::Refused(refused));
            Redirect::to(&format!("/t/{number}")).into_response()
        }
        Err(response) => response,
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct PrintForm {
    what: Option<String>,
}

/// The ticket's labels on the bench's printer.
pub(crate) async fn print(
    State(bench): State<Arc<Bench>>,
    person: Person,
    Path(number): Path<String>,
    headers: HeaderMap,
    Form(form): Form<PrintForm>,
) -> Response {
    let Ok(number) = TicketNumber::parse(&number) else {
        return (StatusCode::NOT_FOUND, tr!(person.lang, "bench-not-found")).into_response();
    };
    let wanted = labels_of(form.what.as_deref(), number);
    let printed = super::at_desk(&bench, &person, move |desk, asker| {
        let prepared = prepared(desk, asker, wanted, &Drawing::default(), true)?;
        let settings = desk.settings()?.labels;
        let printer = prepared.print("", &settings, 1).map_err(DeskError::from)?;
        desk.note_printed(asker, &prepared.codes(), 1, &printer);
        Ok(tr!(
            asker.lang,
            "label-sent",
            count = prepared.labels.len(),
            printer = printer.as_str(),
            copies = 1
        ))
    })
    .await;
    match printed {
        Ok(Ok(said)) => bench.say(&person, Flash::Done(said)),
        Ok(Err(refused)) => bench.say(&person, Flash::Refused(refused)),
        Err(response) => return response,
    }
    Redirect::to(&super::back(&headers)).into_response()
}
