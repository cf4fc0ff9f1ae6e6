use std::time::Duration;

use anyhow::Result;

use super::Context;
use crate::output;

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
    say!(ctx, "Site       {}", store.site());
    match &link {
        Some(link) => say!(
            ctx,
            "Server     {} ({})",
            link.url,
            if reachable == Some(true) {
                "reachable"
            } else {
                "NOT reachable now"
            }
        ),
        None => say!(
            ctx,
            "Server     none yet (`rma-agent enroll --server URL --token TOKEN`)"
        ),
    }
    match &last {
        Some(last) => say!(
            ctx,
            "Last sync  {} (sent {}, received {})",
            output::time(last.at),
            last.pushed,
            last.pulled
        ),
        None => say!(ctx, "Last sync  never"),
    }
    say!(ctx, "Waiting    {pending} ticket(s) with changes to send");
    if !refused.is_empty() {
        say!(
            ctx,
            "Refused    {} ticket(s) the server will not take as they are:",
            refused.len()
        );
        for ticket in &refused {
            say!(ctx, "           {}", ticket.reason);
        }
    }
    Ok(())
}
