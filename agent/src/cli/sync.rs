use std::time::Instant;

use anyhow::Result;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::Context;
use crate::local::Sync;
use crate::sync_client::{Progress, Report};

/// Sync with the server now: push this PC's changes, pull everyone else's. Safe to cut at any
/// point (the next sync finishes the job).
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  rma-agent sync\n  rma-agent sync --json")]
pub struct Args {}

pub fn run(ctx: &Context, _args: Args) -> Result<()> {
    let report = if ctx.watched() && crate::local::Handle::read(&ctx.data).is_none() {
        // This process syncs itself: a person watching sees how far it is.
        with_progress(ctx)?
    } else {
        ctx.ask(Sync)?
    };
    if ctx.json {
        return ctx.json(&report);
    }
    let lang = ctx.lang;
    let line = rma_shared::tr!(
        lang,
        "sync-done",
        ms = report.duration_ms,
        sent = report.pushed,
        up = size(report.bytes_up),
        received = report.pulled,
        down = size(report.bytes_down)
    );
    say!(ctx, "{line}");
    for reason in &report.refused {
        let line = rma_shared::tr!(lang, "sync-refused", reason = reason.as_str());
        say!(ctx, "{line}");
    }
    if report.pending > 0 {
        let line = rma_shared::tr!(lang, "sync-pending", count = report.pending);
        say!(ctx, "{line}");
    }
    let tolerance = chrono::Duration::minutes(ctx.settings()?.clock_tolerance_minutes.into());
    if let Some(reading) = report.clock.filter(|r| r.off_by_more_than(tolerance)) {
        say!(ctx, "{}", rma_shared::clock::warning(&reading, lang));
    }
    Ok(())
}

/// A round on the store this process opened, with a bar once it takes more than a moment.
fn with_progress(ctx: &Context) -> Result<Report> {
    let started = Instant::now();
    let bar = ProgressBar::hidden();
    let mut progress = |p: Progress| {
        if started.elapsed().as_millis() < 500 {
            return;
        }
        if bar.is_hidden() {
            bar.set_draw_target(ProgressDrawTarget::stderr());
        }
        match p {
            Progress::Pushed { done, total } => {
                bar.set_style(
                    ProgressStyle::with_template("sending   {bar:30} {pos}/{len} tickets")
                        .expect("a valid template"),
                );
                bar.set_length(total as u64);
                bar.set_position(done as u64);
            }
            Progress::Pulled { tickets, .. } => {
                bar.set_style(
                    ProgressStyle::with_template("receiving {spinner} {pos} tickets")
                        .expect("a valid template"),
                );
                bar.set_position(tickets as u64);
                bar.tick();
            }
        }
    };
    let report = ctx.desk()?.sync(&mut progress);
    bar.finish_and_clear();
    Ok(report?)
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
