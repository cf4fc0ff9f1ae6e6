//! Photos and documents on the bench page: a phone's camera takes the picture straight into a
//! form (the ticket's and unit's pages, and the receiving, repair, inspection and packing
//! forms); the ticket's page lists them by step, thumbnails opening the photo, which comes
//! from the office the first time it is opened here.

use std::collections::HashSet;
use std::sync::Arc;

use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Form, RequestExt as _};
use maud::{Markup, html};
use rma_shared::event::EventKind;
use rma_shared::files::{Evidence, FileHash};
use rma_shared::i18n::Lang;
use rma_shared::people::Action;
use rma_shared::step::{self, Text};
use rma_shared::{TicketNumber, TicketOrUnit, TicketView, UnitNumber, tr};

use super::{Bench, Flash, Person};
use crate::desk::files::Given;

/// The form field files come in.
pub(crate) const FIELD: &str = "photo";

/// The field of a step's form that says what its photos show.
pub(crate) const CAPTION: &str = "photo-caption";

/// The most a form with files may carry.
pub(crate) const BODY_LIMIT: usize = 256 << 20;

/// What the files of a step's form are evidence of.
pub(crate) fn evidence_of(action: Action) -> Option<Evidence> {
    match action {
        Action::Receive => Some(Evidence::Receiving),
        Action::Repair => Some(Evidence::Repair),
        Action::Inspect => Some(Evidence::Inspection),
        Action::Pack => Some(Evidence::Packing),
        _ => None,
    }
}

/// The file field of a form: a phone's camera, or photos and PDFs chosen.
pub(crate) fn field(lang: Lang, id: &str) -> Markup {
    html! {
        label for=(id) { (tr!(lang, "bench-f-photos")) }
        input id=(id) type="file" name=(FIELD) accept="image/*,application/pdf" capture="environment" multiple;
    }
}

/// A step form's photos with what they show.
pub(crate) fn step_field(lang: Lang, id: &str) -> Markup {
    let caption = format!("{id}-caption");
    html! {
        (field(lang, id))
        label for=(caption) { (tr!(lang, "bench-f-caption")) }
        input id=(caption) name=(CAPTION);
    }
}

/// A posted form's text fields and files: a form with files comes as multipart, one without as
/// a plain form.
pub(crate) async fn read_posted(
    request: Request,
    lang: Lang,
) -> Result<(Vec<(String, String)>, Vec<Given>), Response> {
    let multipart = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    let bad = |reason: String| {
        (
            StatusCode::BAD_REQUEST,
            tr!(lang, "bench-bad-form", reason = reason),
        )
            .into_response()
    };
    if !multipart {
        let Form(fields) = request
            .extract::<Form<Vec<(String, String)>>, _>()
            .await
            .map_err(|e| bad(e.body_text()))?;
        return Ok((fields, Vec::new()));
    }
    let mut form = Multipart::from_request(request, &())
        .await
        .map_err(|e| bad(e.body_text()))?;
    let mut fields = Vec::new();
    let mut files = Vec::new();
    while let Some(part) = form.next_field().await.map_err(|e| bad(e.body_text()))? {
        let name = part.name().unwrap_or_default().to_owned();
        if name == FIELD {
            let file_name = part.file_name().unwrap_or_default().to_owned();
            let bytes = part.bytes().await.map_err(|e| bad(e.body_text()))?;
            // A file field left empty comes as a part with no name and no bytes.
            if !bytes.is_empty() || !file_name.is_empty() {
                files.push(Given {
                    name: file_name,
                    bytes: bytes.to_vec(),
                });
            }
        } else {
            let value = part.text().await.map_err(|e| bad(e.body_text()))?;
            fields.push((name, value));
        }
    }
    Ok((fields, files))
}

/// Photos or documents posted on their own, from a ticket's or unit's page.
pub(crate) async fn attach(
    State(bench): State<Arc<Bench>>,
    person: Person,
    headers: HeaderMap,
    request: Request,
) -> Response {
    let lang = person.lang;
    let (fields, files) = match read_posted(request, lang).await {
        Ok(posted) => posted,
        Err(response) => return response,
    };
    let value = |key: &str| {
        fields
            .iter()
            .find(|(k, v)| k == key && !v.trim().is_empty())
            .map(|(_, v)| v.trim().to_owned())
    };
    let what = match value("what").map(|w| w.parse::<TicketOrUnit>()) {
        Some(Ok(what)) => what,
        _ => return (StatusCode::BAD_REQUEST, tr!(lang, "bench-no-target")).into_response(),
    };
    let request = step::Attach {
        what: what.clone(),
        step: value("step")
            .and_then(|s| Evidence::parse(&s))
            .unwrap_or_default(),
        caption: value("caption").and_then(|c| c.parse::<Text>().ok()),
    };
    let done = attach_files(&bench, &person, request, files).await;
    let page = match &what {
        TicketOrUnit::Unit(unit) => format!("/u/{unit}"),
        TicketOrUnit::Ticket(ticket) => format!("/t/{ticket}"),
    };
    match done {
        Ok(Ok(said)) => bench.say(&person, Flash::Done(said)),
        Ok(Err(refused)) => bench.say(&person, Flash::Refused(refused)),
        Err(response) => return response,
    }
    let back = super::back(&headers);
    Redirect::to(if back.starts_with(&page) {
        &back
    } else {
        &page
    })
    .into_response()
}

/// Checks and makes the files safe (without holding up the bench's other requests), then keeps
/// them in the person's name: what was recorded, or why not, in their words.
pub(crate) async fn attach_files(
    bench: &Arc<Bench>,
    person: &Person,
    request: step::Attach,
    files: Vec<Given>,
) -> Result<Result<String, String>, Response> {
    let worker = bench.clone();
    let lang = person.lang;
    let prepared = tokio::task::spawn_blocking(move || worker.holder.desk.prepare_files(files))
        .await
        .map_err(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())?;
    let prepared = match prepared {
        Ok(prepared) => prepared,
        Err(err) => return Ok(Err(crate::desk::say(&err, lang))),
    };
    super::at_desk(bench, person, move |desk, asker| {
        let outcome = desk.attach_prepared(asker, request, prepared)?;
        Ok(outcome.lines(asker.lang).join("\n"))
    })
    .await
}

/// A file of a ticket: from this PC, or fetched from the office the first time; offline and
/// not here, a page that says so.
pub(crate) async fn file(
    State(bench): State<Arc<Bench>>,
    person: Person,
    Path((number, sha256)): Path<(String, String)>,
) -> Response {
    let lang = person.lang;
    let (Ok(number), Ok(hash)) = (TicketNumber::parse(&number), FileHash::parse(&sha256)) else {
        return (StatusCode::NOT_FOUND, tr!(lang, "bench-not-found")).into_response();
    };
    let worker = bench.clone();
    let opened = tokio::task::spawn_blocking(move || {
        let desk = &worker.holder.desk;
        let opened = desk.open_file(&number, &hash)?;
        let bytes =
            std::fs::read(&opened.path).map_err(|source| crate::desk::DeskError::ReadFile {
                path: opened.path.clone(),
                source,
            })?;
        Ok::<_, crate::desk::DeskError>((opened.media_type, bytes))
    })
    .await;
    match opened {
        Ok(Ok((media_type, bytes))) => {
            let mut response = bytes.into_response();
            let headers = response.headers_mut();
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static(media_type.mime()),
            );
            // A file never changes (its name is its hash): the phone may keep it.
            headers.insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, max-age=86400, immutable"),
            );
            response
        }
        Ok(Err(err @ crate::desk::DeskError::FileNotHere(_))) => (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            crate::desk::say(&err, lang),
        )
            .into_response(),
        Ok(Err(err)) => (StatusCode::NOT_FOUND, crate::desk::say(&err, lang)).into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// The ticket's files by step, and (for those who may) a form to add more: to the unit in
/// `focus`, else to the ticket.
pub(crate) fn section(
    view: &TicketView,
    here: &HashSet<FileHash>,
    focus: Option<&UnitNumber>,
    may_attach: bool,
    lang: Lang,
) -> Markup {
    let url = |hash: &FileHash| format!("/t/{}/files/{hash}", view.number);
    let what = focus.map_or_else(|| view.number.to_string(), ToString::to_string);
    html! {
        section.files #files {
            h2 { (tr!(lang, "bench-files")) }
            @for step in Evidence::ALL {
                @let files: Vec<_> = view.attachments.iter().filter_map(|e| match &e.kind {
                    EventKind::Attached(file) if file.step == step => Some((e, file)),
                    _ => None,
                }).collect();
                @if !files.is_empty() {
                    h3 { (step.label(lang)) }
                    ul.files {
                        @for (event, file) in files {
                            li data-sha256=(file.sha256.to_string()) {
                                a href=(url(&file.sha256)) {
                                    @match &file.thumbnail {
                                        Some(thumb) if here.contains(&thumb.sha256) => {
                                            img.thumb src=(url(&thumb.sha256)) alt=(file.caption.as_deref().unwrap_or("")) loading="lazy";
                                        }
                                        _ => { (file.name.as_deref().unwrap_or(file.media_type.extension())) }
                                    }
                                }
                                @if !here.contains(&file.sha256) {
                                    " " span.small { (tr!(lang, "bench-file-at-office")) }
                                }
                                br;
                                span.small {
                                    @if let Some(caption) = &file.caption { (caption) " · " }
                                    @if let Some(unit) = &file.unit { (unit.to_string()) " · " }
                                    (event.by) " · " (crate::output::time(event.at))
                                }
                            }
                        }
                    }
                }
            }
            @if may_attach {
                details.step {
                    summary { (tr!(lang, "bench-add-files", what = what.as_str())) }
                    form method="post" action="/attach" enctype="multipart/form-data" {
                        input type="hidden" name="what" value=(what);
                        (field(lang, "attach-photo"))
                        label for="attach-step" { (tr!(lang, "bench-f-evidence")) }
                        select #attach-step name="step" {
                            @for step in Evidence::ALL {
                                option value=(step.key()) selected[step == Evidence::Other] { (step.label(lang)) }
                            }
                        }
                        label for="attach-caption" { (tr!(lang, "bench-f-caption")) }
                        input #attach-caption name="caption";
                        button type="submit" { (tr!(lang, "bench-attach")) }
                    }
                }
            }
        }
    }
}
