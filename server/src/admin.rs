//! Enrolment of sites and the office's user accounts, the same whether `rma-server site ...`
//! or `rma-server user ...` opens the store itself or asks the running serve.

use chrono::Utc;
use serde_json::{Value, json};
use thiserror::Error;

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde::{Deserialize, Serialize};

use rma_shared::SiteCode;

use crate::api::{bearer, same_secret};
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::audit::AuditKind;
use crate::store::{ServerStore, ServerStoreError};
use crate::users::UserError;

#[derive(Debug, Error)]
pub enum AdminError {
    #[error(transparent)]
    Store(#[from] ServerStoreError),
    #[error(transparent)]
    User(#[from] UserError),
    DepartmentNotHead(crate::users::Role),
}

impl rma_shared::i18n::Localized for AdminError {
    fn message(&self, lang: rma_shared::i18n::Lang) -> String {
        match self {
            Self::Store(err) => err.message(lang),
            Self::User(err) => err.message(lang),
            Self::DepartmentNotHead(role) => {
                rma_shared::tr!(lang, "server-department-not-head", role = role.label(lang))
            }
        }
    }
}
rma_shared::english_display!(AdminError);

/// Who the audit log says made a change through `rma-server` on the server's machine.
const BY: &str = "admin";
/// Where it came from.
const FROM: &str = "local";

pub fn run(store: &ServerStore, request: AdminRequest) -> Result<Value, AdminError> {
    match request {
        AdminRequest::UserAdd {
            name,
            role,
            password,
            department,
        } => {
            if department.is_some() && role != crate::users::Role::Head {
                return Err(AdminError::DepartmentNotHead(role));
            }
            let user = store.people().add(&name, role, &password, Utc::now())?;
            if department.is_some() {
                store.people().set_department(&user.name, department)?;
            }
            let subject = match department {
                Some(department) => format!("{} ({}, {department})", user.name, user.role),
                None => format!("{} ({})", user.name, user.role),
            };
            store.audit(BY, AuditKind::UserAdded, &subject, FROM);
            Ok(json!({ "name": user.name, "role": user.role }))
        }
        AdminRequest::UserRemove { name } => {
            store.people().remove(&name)?;
            store.audit(BY, AuditKind::UserRemoved, &name, FROM);
            Ok(json!({ "removed": name }))
        }
        AdminRequest::UserList => {
            let users: Vec<Value> = store
                .people()
                .list()?
                .into_iter()
                .map(|u| json!({ "name": u.name, "role": u.role, "added_at": u.added_at }))
                .collect();
            Ok(Value::Array(users))
        }
        AdminRequest::SiteAdd { code, holds } => {
            let token = store.add_site_holding(&code, holds, Utc::now())?;
            store.audit(BY, AuditKind::SiteAdded, code.as_str(), FROM);
            Ok(json!({ "site": code, "token": token, "holds": holds }))
        }
        AdminRequest::SiteHolds { code, holds } => {
            let site = store.set_holds(&code, holds)?;
            store.audit(BY, AuditKind::SiteHolds, &format!("{code}: {holds}"), FROM);
            Ok(serde_json::to_value(site).expect("sites serialise"))
        }
        AdminRequest::SiteRevoke { code } => {
            let site = store.revoke_site(&code, Utc::now())?;
            store.audit(BY, AuditKind::SiteRevoked, code.as_str(), FROM);
            Ok(serde_json::to_value(site).expect("sites serialise"))
        }
        AdminRequest::Backup { to } => {
            let summary = store.back_up(&to)?;
            store.audit(BY, AuditKind::Backup, &to.display().to_string(), FROM);
            Ok(serde_json::to_value(summary).expect("summaries serialise"))
        }
        AdminRequest::ReportRebuild => {
            let counts = store.rebuild_report()?;
            Ok(json!({ "tickets": counts.tickets, "sites": counts.sites }))
        }
        AdminRequest::ReportGrant { role } => {
            store.grant_report(&role)?;
            store.audit(BY, AuditKind::ReportGranted, &role, FROM);
            Ok(json!({ "granted": role }))
        }
        AdminRequest::ReportExport { to } => {
            let counts = store.export_report(&to)?;
            store.audit(
                BY,
                AuditKind::Download,
                &format!("report export to {}", to.display()),
                FROM,
            );
            Ok(json!({ "tickets": counts.tickets, "sites": counts.sites, "to": to }))
        }
        AdminRequest::SiteList => {
            let head = store.feed_head()?;
            let sites: Vec<Value> = store
                .sites()?
                .into_iter()
                .map(|site| {
                    let lag = head.saturating_sub(site.cursor);
                    let mut value = serde_json::to_value(site).expect("sites serialise");
                    value["lag"] = lag.into();
                    value
                })
                .collect();
            Ok(Value::Array(sites))
        }
    }
}

/// What `rma-server site ...` asks a running serve to do.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "do", rename_all = "snake_case")]
pub enum AdminRequest {
    SiteAdd {
        code: SiteCode,
        /// Which tickets the site holds (its own work unless said).
        #[serde(default)]
        holds: crate::store::Holds,
    },
    SiteHolds {
        code: SiteCode,
        holds: crate::store::Holds,
    },
    SiteRevoke {
        code: SiteCode,
    },
    SiteList,
    UserAdd {
        name: String,
        role: crate::users::Role,
        password: String,
        /// For a head: the department they lead.
        #[serde(default)]
        department: Option<crate::users::Role>,
    },
    UserRemove {
        name: String,
    },
    UserList,
    /// A consistent copy of the whole store into this file (on the server's machine).
    Backup {
        to: std::path::PathBuf,
    },
    /// The report's tables made again from the store (PostgreSQL).
    ReportRebuild,
    /// A database role allowed to read the report's tables (PostgreSQL).
    ReportGrant {
        role: String,
    },
    /// The report's tables as CSV files in this folder (on the server's machine).
    ReportExport {
        to: std::path::PathBuf,
    },
}

pub(crate) async fn endpoint(
    State(state): State<Arc<AppState>>,
    peer: Option<axum::Extension<axum::extract::ConnectInfo<std::net::SocketAddr>>>,
    headers: HeaderMap,
    Json(request): Json<AdminRequest>,
) -> Result<Json<serde_json::Value>, ApiError> {
    // For `rma-server` commands on this machine only, whatever address the server listens on.
    if peer
        .is_some_and(|axum::Extension(axum::extract::ConnectInfo(peer))| !peer.ip().is_loopback())
    {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "not_local",
            "the admin endpoint answers only `rma-server` commands on the server's own machine",
        ));
    }
    if !bearer(&headers).is_some_and(|token| same_secret(token, &state.admin_token)) {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorised",
            "the admin endpoint answers only `rma-server` commands on this machine",
        ));
    }
    let _one_at_a_time = state.admin_lock.lock().await;
    let store = state.clone();
    let answer = tokio::task::spawn_blocking(move || crate::admin::run(&store.store, request))
        .await
        .map_err(|err| {
            tracing::error!(error = %err, "an admin command failed");
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "panic",
                "the server failed on this request; see its log",
            )
        })??;
    Ok(Json(answer))
}

impl From<crate::users::UserError> for ApiError {
    fn from(err: crate::users::UserError) -> Self {
        crate::admin::AdminError::User(err).into()
    }
}

impl From<crate::admin::AdminError> for ApiError {
    fn from(err: crate::admin::AdminError) -> Self {
        use crate::users::UserError;
        match err {
            crate::admin::AdminError::Store(err) => err.into(),
            crate::admin::AdminError::User(UserError::Kv(err)) => {
                ServerStoreError::from(err).into()
            }
            crate::admin::AdminError::User(err @ UserError::Exists(_)) => {
                Self::new(StatusCode::CONFLICT, "user_exists", err.to_string())
            }
            crate::admin::AdminError::User(err @ UserError::Unknown(_)) => {
                Self::new(StatusCode::NOT_FOUND, "unknown_user", err.to_string())
            }
            crate::admin::AdminError::User(err) => {
                Self::new(StatusCode::BAD_REQUEST, "bad_user", err.to_string())
            }
            err @ crate::admin::AdminError::DepartmentNotHead(_) => {
                Self::new(StatusCode::BAD_REQUEST, "bad_user", err.to_string())
            }
        }
    }
}
