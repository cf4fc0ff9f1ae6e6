//! The API's OpenAPI document, built from the handlers' annotations and the types they answer
//! with, so it cannot drift from the code. Served at `/api/v1/openapi.json`.

use std::sync::OnceLock;

use utoipa::openapi::OpenApi as Document;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::api;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "rma-server",
        description = "The central return-for-repair server: agents sync their sites' tickets \
            (postcard-encoded bodies, `application/vnd.rma.sync+postcard`, types in \
            `rma_shared::sync`); the office reads tickets and sites as JSON. Every request but \
            the health check and this document carries a site's token: \
            `Authorization: Bearer TOKEN` (from `rma-server site add`). Keys, codes and times \
            (RFC 3339, UTC) are the same whatever the language of the pages."
    ),
    paths(
        api::health,
        serve,
        api::push,
        api::pull,
        api::bind_actor,
        api::tree,
        api::fetch,
        api::scope,
        api::lookup,
        api::directory,
        api::tickets,
        api::ticket,
        api::sites,
        api::notices,
        api::files::upload,
        api::files::take,
        api::files::give,
        api::files::office_file,
    ),
    components(schemas(crate::error::ErrorBody)),
    modifiers(&SiteToken),
    tags(
        (name = "status", description = "Whether the server answers, and this document"),
        (name = "sync", description = "What agents use: push, pull, bind, repair"),
        (name = "office", description = "Tickets and sites, read-only, for a person signed in (a site token reads only sync); costs only for the roles that keep or audit them; archived tickets never"),
    )
)]
struct Api;

/// The document, built once.
pub fn document() -> Document {
    static DOCUMENT: OnceLock<Document> = OnceLock::new();
    DOCUMENT.get_or_init(Api::openapi).clone()
}

/// The site token every request but the health check carries.
struct SiteToken;

impl Modify for SiteToken {
    fn modify(&self, openapi: &mut Document) {
        openapi
            .components
            .get_or_insert_with(Default::default)
            .add_security_scheme(
                "site_token",
                SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
            );
        // The office API reads as a person: the pages' session cookie, or its token.
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(crate::web::auth::COOKIE))),
        );
        components.add_security_scheme(
            "session_token",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

/// The OpenAPI document of this API.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "status",
    responses((status = 200, description = "This document", content_type = "application/json")))]
pub(crate) async fn serve() -> axum::Json<Document> {
    axum::Json(document())
}
