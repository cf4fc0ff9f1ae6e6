//! The JSON API's one error path: [`ApiError`] answers with a status, a stable code and a
//! sentence ([`ErrorBody`]); a store failure is logged and told as one without its details.

use axum::Json;
use axum::extract::Query;
use axum::extract::rejection::QueryRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use crate::store::ServerStoreError;

/// An error as the client sees it: a status, a stable code and a sentence.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl ApiError {
    pub(crate) fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
        }
    }
}

/// The body of every error answer.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// A stable code for programs, e.g. `unauthorised`, `wrong_site`, `bad_sync_data`.
    pub error: String,
    /// What is wrong and what to do, in a sentence for people.
    pub message: String,
}

impl ErrorBody {
    /// An error answer with this status.
    pub fn answer(status: StatusCode, code: &str, message: impl Into<String>) -> Response {
        let body = Self {
            error: code.to_owned(),
            message: message.into(),
        };
        (status, Json(body)).into_response()
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        ErrorBody::answer(self.status, self.code, self.message)
    }
}

/// A query string that does not fit its endpoint: 400, in the same JSON as every error.
pub(crate) fn query<T>(parsed: Result<Query<T>, QueryRejection>) -> Result<T, ApiError> {
    parsed
        .map(|Query(query)| query)
        .map_err(|err| ApiError::new(StatusCode::BAD_REQUEST, "bad_query", err.body_text()))
}

impl From<ServerStoreError> for ApiError {
    fn from(err: ServerStoreError) -> Self {
        match err {
            ServerStoreError::SiteExists(_) => {
                Self::new(StatusCode::CONFLICT, "site_exists", err.to_string())
            }
            ServerStoreError::UnknownSite(_) => {
                Self::new(StatusCode::NOT_FOUND, "unknown_site", err.to_string())
            }
            ServerStoreError::ActorTaken(_) => {
                Self::new(StatusCode::CONFLICT, "actor_taken", err.to_string())
            }
            ServerStoreError::Backup(_) => {
                Self::new(StatusCode::BAD_REQUEST, "backup", err.to_string())
            }
            ServerStoreError::ReservedSite(_) => {
                Self::new(StatusCode::BAD_REQUEST, "reserved_site", err.to_string())
            }
            ServerStoreError::UnknownTicket(_) => {
                Self::new(StatusCode::NOT_FOUND, "unknown_ticket", err.to_string())
            }
            ServerStoreError::Refused(_) => {
                Self::new(StatusCode::CONFLICT, "refused", err.to_string())
            }
            ServerStoreError::NoReport => {
                Self::new(StatusCode::BAD_REQUEST, "no_report", err.to_string())
            }
            ServerStoreError::Store(_)
            | ServerStoreError::Io { .. }
            | ServerStoreError::InUse(_) => {
                tracing::error!(error = %err, "store failure");
                Self::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "store",
                    "the server could not read or write its store; see its log",
                )
            }
        }
    }
}
