use std::time::{Duration, Instant};

use anyhow::Result;
use rma_shared::i18n::Lang;
use rma_shared::tr;

use super::Context;
use super::context::Said;
use crate::desk::Asker;
use crate::local::{self, Handle, Sent, StartedBy, Stop};
use crate::store::{Store, StoreError};

/// Stop the `rma-agent serve` that holds this data folder: one a person started, or one a
/// command left in the background. It finishes the request it is answering first. Commands
/// then open the store themselves.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  rma-agent stop\n  rma-agent --data /srv/rma stop")]
pub struct Args {}

pub fn run(ctx: &Context, _args: Args) -> Result<()> {
    let holder = Handle::read(&ctx.data);
    let stopped = stop(&ctx.data, &ctx.asker)?;
    let line = match holder {
        Some(holder) if stopped => {
            // Stopped once the store is free again.
            drop(wait_for_store(ctx)?);
            tr!(
                ctx.lang,
                "stop-done",
                pid = holder.pid,
                who = started_by(holder.started_by, ctx.lang)
            )
        }
        _ => tr!(ctx.lang, "stop-none"),
    };
    if ctx.json {
        return ctx.json(&serde_json::json!({ "stopped": stopped }));
    }
    say!(ctx, "{line}");
    Ok(())
}

/// Who started a serve, in words.
pub fn started_by(who: StartedBy, lang: Lang) -> String {
    match who {
        StartedBy::Person => tr!(lang, "serve-by-person"),
        StartedBy::Command => tr!(lang, "serve-by-command"),
    }
}

/// Why a new serve does not start: a person's serve holds the store.
pub fn held_by(holder: &Handle, lang: Lang) -> String {
    tr!(
        lang,
        "serve-held",
        pid = holder.pid,
        since = holder.since.map(crate::output::time).unwrap_or_default(),
        page = holder
            .web
            .clone()
            .unwrap_or_else(|| tr!(lang, "serve-no-page"))
    )
}

/// Asks the serve announced in `data` to stop. Returns whether one was running.
pub fn stop(data: &std::path::Path, asker: &Asker) -> Result<bool> {
    match local::send(data, asker, None, Stop) {
        Sent::Answered(()) => Ok(true),
        Sent::NotRunning => Ok(false),
        Sent::Refused(reason) => Err(Said(reason).into()),
    }
}

/// Opens the store once the process that holds it lets go (a serve stopping finishes the
/// requests it has), waiting up to half a minute.
pub fn wait_for_store(ctx: &Context) -> Result<Store> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        match Store::open(&ctx.data) {
            Err(StoreError::InUse(_)) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(50));
            }
            Ok(store) => {
                local::clear_stale(&ctx.data);
                return Ok(store);
            }
            Err(err) => return Err(err.into()),
        }
    }
}
