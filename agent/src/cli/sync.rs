use std::io::IsTerminal;
use std::time::Instant;

use anyhow::Result;

use super::Context;
use crate::sync_client::{self, Progress};

/// Sync with the server now: push this PC's changes, pull everyone else's. Safe to cut at any
/// point (the next sync finishes the job).
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  rma-agent sync\n  rma-agent sync --json")]
pub struct Args {}

pub fn run(ctx: &Context, _args: Args) -> Result<()> {
    let store = ctx.store()?;
    let started = Instant::now();
    let show = !ctx.json && std::io::stderr().is_terminal();
    let mut shown = false;
    let mut progress = |p: Progress| {
        // Only a sync that takes more than a moment shows progress.
        if !show || started.elapsed().as_millis() < 500 {
            return;
        }
        shown = true;
        match p {
            Progress::Pushed { done, total } => eprint!("\rsending: {done}/{total} tickets      "),
            Progress::Pulled { tickets, more } => {
                eprint!(
                    "\rreceiving: {tickets} tickets{}      ",
                    if more { "..." } else { "" }
                )
            }
        }
    };
    let batch = ctx.settings()?.push_batch as usize;
    let report = sync_client::sync_once(store, batch, &mut progress)?;
    if shown {
        eprintln!();
    }
    if ctx.json {
        return ctx.json(&report);
    }
    say!(
        ctx,
        "Synced in {} ms: sent {} ticket(s) ({}), received {} ticket(s) ({}).",
        report.duration_ms,
        report.pushed,
        size(report.bytes_up),
        report.pulled,
        size(report.bytes_down)
    );
    for reason in &report.refused {
        say!(ctx, "The server refused: {reason}");
    }
    if report.pending > 0 {
        say!(ctx, "{} ticket(s) still wait to be sent.", report.pending);
    }
    Ok(())
}

fn size(bytes: usize) -> String {
    if bytes < 10 * 1024 {
        format!("{bytes} B")
    } else if bytes < 10 * 1024 * 1024 {
        format!("{} KB", bytes / 1024)
    } else {
        format!("{} MB", bytes / 1024 / 1024)
    }
}
