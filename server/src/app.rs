//! The server's routes put together: the JSON API, its OpenAPI document and the office's
//! pages on the public listener; the admin endpoint for `rma-server` commands on a loopback
//! listener of its own (see [`crate::serve`]).

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

use crate::state::AppState;

/// The largest body of any request but a push: a form, a login, an admin command. A push
/// reads its own (large) body, with `max_body_bytes`, once its token is checked.
pub const SMALL_BODY: usize = 64 * 1024;

pub fn router(state: Arc<AppState>) -> Router {
    crate::api::routes()
        .route("/api/v1/openapi.json", get(crate::openapi::serve))
        .merge(crate::web::router(state.clone()))
        .layer(DefaultBodyLimit::max(SMALL_BODY))
        .with_state(state)
}

/// The admin endpoint, for `rma-server` commands on this machine: served on its own
/// loopback listener, never on the public one.
pub fn admin_router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/local/v1/admin", post(crate::admin::endpoint))
        .layer(DefaultBodyLimit::max(SMALL_BODY))
        .with_state(state)
}
