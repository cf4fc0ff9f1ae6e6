//! A ticket's photos and documents on its office page: by step, thumbnails that open the full
//! photo, and a file whose bytes never arrived marked missing. An archived ticket's files are
//! shown in place under the reader's name (with a grant), never offered for download; every
//! file given is in the audit log.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use rma_shared::event::EventKind;
use rma_shared::files::{Evidence, FileHash};
use rma_shared::i18n::Lang;
use rma_shared::{TicketNumber, TicketStatus, TicketView, tr};

use super::auth::Office;
use super::{problem, when};
use crate::state::AppState;
use crate::store::audit::AuditKind;

/// The files section of a ticket's page; `in_place`: an archived ticket read with a grant
/// (the photos shown whole on the page, nothing to open or download).
pub fn section(state: &AppState, view: &TicketView, lang: Lang, in_place: bool) -> Markup {
    if view.attachments.is_empty() {
        return html! {};
    }
    let here: std::collections::HashSet<FileHash> = match state.store.files_here(&view.number) {
        Ok(here) => here.into_iter().collect(),
        Err(err) => {
            tracing::warn!(ticket = %view.number, error = %err, "a ticket's files were not shown");
            return html! {};
        }
    };
    let url = |hash: &FileHash| format!("/tickets/{}/files/{hash}", view.number);
    html! {
        h2 { (tr!(lang, "ticket-files")) }
        @for step in Evidence::ALL {
            @let files: Vec<_> = view.attachments.iter().filter_map(|e| match &e.kind {
                EventKind::Attached(file) if file.step == step => Some((e, file)),
                _ => None,
            }).collect();
            @if !files.is_empty() {
                h3 { (step.label(lang)) }
                ul.files {
                    @for (event, file) in files {
                        li.file data-sha256=(file.sha256.to_string()) {
                            @if !here.contains(&file.sha256) {
                                span.flag.missing { (tr!(lang, "ticket-file-missing")) }
                            } @else if file.media_type.is_image() && in_place {
                                img.in-place src=(url(&file.sha256)) alt=(file.caption.as_deref().unwrap_or(""));
                            } @else if file.media_type.is_image() {
                                a href=(url(&file.sha256)) {
                                    @match &file.thumbnail {
                                        Some(thumb) if here.contains(&thumb.sha256) => {
                                            img.thumb src=(url(&thumb.sha256)) alt=(file.caption.as_deref().unwrap_or("")) loading="lazy";
                                        }
                                        _ => { (tr!(lang, "ticket-file-open")) }
                                    }
                                }
                            } @else if in_place {
                                embed.in-place type="application/pdf" src=(url(&file.sha256));
                            } @else {
                                a href=(url(&file.sha256)) { (file.name.as_deref().unwrap_or("PDF")) }
                            }
                            div {
                                @if let Some(caption) = &file.caption { strong { (caption) } " " }
                                @if let Some(unit) = &file.unit { (unit.to_string()) " · " }
                                span.muted { (event.by) " · " (event.site.as_str()) " · " (when(event.at)) " · " (format!("{:.1} MB", file.size as f64 / 1_048_576.0)) }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// One file of a ticket, for a person at the office: shown in the browser. An archived
/// ticket's only with a grant, and never to keep (no caching, no download name).
pub async fn file(
    State(state): State<Arc<AppState>>,
    Office(user, lang): Office,
    Path((number, sha256)): Path<(String, String)>,
) -> Response {
    super::off_thread(move || {
        let title = tr!(lang, "ticket-files");
        let (Ok(number), Ok(hash)) = (TicketNumber::parse(&number), FileHash::parse(&sha256))
        else {
            return problem(
                StatusCode::BAD_REQUEST,
                &user,
                lang,
                &title,
                &tr!(lang, "ticket-file-none"),
            );
        };
        let status = state
            .store
            .tickets()
            .summary(&number)
            .ok()
            .flatten()
            .map(|s| s.status);
        let mut audited = (AuditKind::Download, format!("{number} {hash}"));
        if status == Some(TicketStatus::Archived) {
            let today = rma_shared::calendar::company().date(chrono::Utc::now());
            let grant = state
                .store
                .archive_card(&number)
                .ok()
                .flatten()
                .and_then(|card| {
                    state
                        .store
                        .grant_for(&user.name, &card, today)
                        .ok()
                        .flatten()
                });
            let Some(grant) = grant else {
                return problem(
                    StatusCode::FORBIDDEN,
                    &user,
                    lang,
                    &title,
                    &tr!(lang, "archive-needs-grant", number = number.to_string()),
                );
            };
            audited = (
                AuditKind::ArchiveRead,
                format!("{number} {hash} (#{})", grant.id),
            );
        }
        let (media_type, bytes) = match state.store.file_of_ticket(&number, &hash) {
            Ok(found) => found,
            Err(_) => {
                return problem(
                    StatusCode::NOT_FOUND,
                    &user,
                    lang,
                    &title,
                    &tr!(lang, "ticket-file-none"),
                );
            }
        };
        let mut response = bytes.into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(media_type.mime()),
        );
        headers.insert(
            header::CONTENT_DISPOSITION,
            HeaderValue::from_static("inline"),
        );
        if audited.0 == AuditKind::ArchiveRead {
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        }
        response.extensions_mut().insert(super::audit::Audited {
            what: audited.0,
            subject: audited.1,
        });
        response
    })
    .await
}
