//! Enrolment of sites and the office's user accounts, the same whether `rma-server site ...`
//! or `rma-server user ...` opens the store itself or asks the running serve.

use chrono::Utc;
use serde_json::{Value, json};
use thiserror::Error;

use crate::api::AdminRequest;
use crate::audit::AuditKind;
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
        AdminRequest::SiteAdd { code } => {
            let token = store.add_site(&code, Utc::now())?;
            store.audit(BY, AuditKind::SiteAdded, code.as_str(), FROM);
            Ok(json!({ "site": code, "token": token }))
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
