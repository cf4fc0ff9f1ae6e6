use anyhow::Result;
use rma_shared::tr;

use super::Context;
use crate::local::{Handle, Status};
use crate::output;

/// Show this agent's sync state: the server, the last successful sync, changes waiting to be
/// sent, and whether the server can be reached now.
#[derive(Debug, clap::Args)]
#[command(after_help = "Example:\n  rma-agent status")]
pub struct Args {}

pub fn run(ctx: &Context, _args: Args) -> Result<()> {
    // Which serve holds the store (none: this command opens it itself).
    let holder = Handle::read(&ctx.data);
    let report = ctx.ask(Status)?;
    let holder = holder.filter(|_| !ctx.opened_store());
    if ctx.json {
        return ctx.json(&serde_json::json!({
            "site": report.site,
            "server": report.server,
            "last_sync": report.last_sync,
            "pending": report.pending,
            "refused": report.refused,
            "reachable": report.reachable,
            "clock_offset_ms": report.clock.map(|c| c.offset_ms),
            "files": report.files,
            "serve": holder.as_ref().map(|h| serde_json::json!({
                "pid": h.pid,
                "started_by": h.started_by,
                "since": h.since,
                "bench_page": h.web,
            })),
        }));
    }
    let lang = ctx.lang;
    let line = |heading: &str, text: String| {
        say!(ctx, "{} {text}", output::pad(&tr!(lang, heading), 10));
    };
    line("status-site", report.site.to_string());
    line(
        "status-server",
        match &report.server {
            Some(url) if report.reachable == Some(true) => {
                tr!(lang, "status-reachable", url = url.as_str())
            }
            Some(url) => tr!(lang, "status-unreachable", url = url.as_str()),
            None => tr!(lang, "status-no-server"),
        },
    );
    line(
        "status-last-sync",
        match &report.last_sync {
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
        tr!(lang, "status-waiting-line", count = report.pending),
    );
    if report.files.to_send + report.files.to_fetch > 0 {
        line(
            "status-files",
            tr!(
                lang,
                "status-files-line",
                send = report.files.to_send,
                mb = format!("{:.1}", report.files.bytes_to_send as f64 / 1_048_576.0),
                fetch = report.files.to_fetch
            ),
        );
    }
    if !report.refused.is_empty() {
        line(
            "status-refused",
            tr!(lang, "status-refused-line", count = report.refused.len()),
        );
        for ticket in &report.refused {
            say!(ctx, "{} {}", output::pad("", 10), ticket.reason);
        }
    }
    let tolerance = chrono::Duration::minutes(ctx.settings()?.clock_tolerance_minutes.into());
    line(
        "status-clock",
        match &report.clock {
            None => tr!(lang, "clock-not-measured"),
            Some(reading) if reading.off_by_more_than(tolerance) => {
                rma_shared::clock::warning(reading, lang)
            }
            Some(reading) => tr!(lang, "clock-right", at = output::time(reading.local_at)),
        },
    );
    line("status-serve", output::holder(holder.as_ref(), lang));
    Ok(())
}
