//! Enrolment of sites, the same whether `rma-server site ...` opens the store itself or asks
//! the running serve.

use chrono::Utc;
use serde_json::{Value, json};

use crate::api::AdminRequest;
use crate::store::{ServerStore, ServerStoreError};

pub fn run(store: &ServerStore, request: AdminRequest) -> Result<Value, ServerStoreError> {
    match request {
        AdminRequest::SiteAdd { code } => {
            let token = store.add_site(&code, Utc::now())?;
            Ok(json!({ "site": code, "token": token }))
        }
        AdminRequest::SiteRevoke { code } => {
            let site = store.revoke_site(&code, Utc::now())?;
            Ok(serde_json::to_value(site).expect("sites serialise"))
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
