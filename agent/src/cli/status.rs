use std::time::Duration;

use anyhow::Result;

use super::Context;
use crate::output;
use rma_shared::tr;

/// Show this agent's sync state: the server, the last successful sync, changes waiting to be
/// sent, and whether the server can be reached now.
#[derive(Debug, clap::Args)]
#[command(after_help = "Example:\n  rma-agent status")]
pub struct Args {}

pub fn run(ctx: &Context, _args: Args) -> Result<()> {
    let store = ctx.store()?;
    let link = store.server()?;
    let last = store.last_sync()?;
    let pending = store.pending()?.len();
    let refused = store.refusals()?;
    let reachable = link.as_ref().map(|link| {
        crate::http::client(link.ca_cert.as_deref(), Duration::from_secs(3))
            .get(format!("{}/api/v1/health", link.url))
            .send()
            .ok()
            .is_some_and(|r| r.status().is_success())
    });
    if ctx.json {
        return ctx.json(&serde_json::json!({
            "site": store.site(),
            "server": link.as_ref().map(|l| &l.url),
            "last_sync": last,
            "pending": pending,
            "refused": refused,
            "reachable": reachable,
        }));
    }
    let lang = ctx.lang;
    let line = |heading: &str, text: String| {
        say!(ctx, "{} {text}", output::pad(&tr!(lang, heading), 10));
    };
    line("status-site", store.site().to_string());
    line(
        "status-server",
        match &link {
            Some(link) if reachable == Some(true) => {
                tr!(lang, "status-reachable", url = link.url.as_str())
            }
            Some(link) => tr!(lang, "status-unreachable", url = link.url.as_str()),
            None => tr!(lang, "status-no-server"),
        },
    );
    line(
        "status-last-sync",
        match &last {
            Some(last) => tr!(
                lang,
                "status-last-sync-line",
                at = output::time(last.at),
                sent = last.pushed,
                received = last.pulled
            ),
            None => tr!(lang, "sites-never"),
        },
    );
    line(
        "status-waiting",
        tr!(lang, "status-waiting-line", count = pending),
    );
    if !refused.is_empty() {
        line(
            "status-refused",
            tr!(lang, "status-refused-line", count = refused.len()),
        );
        for ticket in &refused {
            say!(ctx, "{} {}", output::pad("", 10), ticket.reason);
        }
    }
    Ok(())
}
