use anyhow::Result;
use rma_shared::TicketNumber;
use rma_shared::event::EventKind;

use super::Context;

/// Continue work on a ticket that is on hold.
#[derive(Debug, clap::Args)]
#[command(after_help = "Example:\n  rma-agent resume WH1-2026-00001")]
pub struct Args {
    ticket: TicketNumber,
}

pub fn run(ctx: &Context, args: Args) -> Result<()> {
    let done = rma_shared::tr!(ctx.lang, "done-resumed", ticket = args.ticket.to_string());
    ctx.record(&args.ticket, EventKind::Resumed, &done)
}
