use anyhow::Result;
use rma_shared::TicketOrUnit;

use super::Context;
use crate::desk::queries::Shown;
use crate::local::Show;
use crate::output;

/// Show every step taken on a ticket, oldest first, with who, which site and when. Steps that
/// conflicted with a concurrent step elsewhere are marked.
#[derive(Debug, clap::Args)]
#[command(after_help = "Example:\n  rma-agent history WH1-2026-00001")]
pub struct Args {
    what: TicketOrUnit,
}

pub fn run(ctx: &Context, args: Args) -> Result<()> {
    let view = match ctx.ask(Show { what: args.what })? {
        Shown::Here(view) => view,
        Shown::AtServer(gone) => {
            return Err(crate::store::StoreError::ArchivedAtServer(gone.number).into());
        }
        // Its steps are read where it is held.
        Shown::Elsewhere(found) => {
            ctx.write(&output::whereabouts(&found, ctx.lang));
            return Err(crate::store::StoreError::UnknownTicket(found.number).into());
        }
    };
    if ctx.json {
        return ctx.json(&view.events);
    }
    ctx.write(&output::history(&view, ctx.lang));
    Ok(())
}
