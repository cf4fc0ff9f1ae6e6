use anyhow::Result;
use rma_shared::TicketView;

use super::{Context, TicketOrUnit};
use crate::output;

/// Show every step taken on a ticket, oldest first, with who, which site and when. Steps that
/// conflicted with a concurrent step elsewhere are marked.
#[derive(Debug, clap::Args)]
#[command(after_help = "Example:\n  rma-agent history WH1-2026-00001")]
pub struct Args {
    what: TicketOrUnit,
}

pub fn run(ctx: &Context, args: Args) -> Result<()> {
    let doc = ctx.store()?.load(args.what.ticket())?;
    let view = TicketView::build(&doc, &ctx.settings()?.deadlines, ctx.now)?;
    if ctx.json {
        return ctx.json(&view.events);
    }
    ctx.write(&output::history(&view, ctx.lang));
    Ok(())
}
