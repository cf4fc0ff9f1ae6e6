use anyhow::Result;
use rma_shared::i18n::Lang;
use rma_shared::tr;

use super::Context;
use crate::local::{Handle, StartedBy};

/// Stop the `rma-agent serve` that holds this data folder: one a person started, or one a
/// command left in the background. It finishes the request it is answering first. Commands
/// then open the store themselves.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  rma-agent stop\n  rma-agent --data /srv/rma stop")]
pub struct Args {}

pub fn run(ctx: &Context, _args: Args) -> Result<()> {
    let holder = Handle::read(&ctx.data);
    let stopped = super::serve::stop(&ctx.data, &ctx.asker)?;
    let line = match holder {
        Some(holder) if stopped => {
            // Stopped once the store is free again.
            drop(super::serve::wait_for_store(ctx)?);
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
