use anyhow::Result;
use rma_shared::TicketNumber;
use rma_shared::event::EventKind;

use super::{Context, parse_text};

/// Cancel a ticket that will not be repaired (the customer withdrew, the units never came).
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Example:\n  rma-agent cancel WH1-2026-00001 --reason \"customer withdrew the return\""
)]
pub struct Args {
    ticket: TicketNumber,
    #[arg(long, value_parser = parse_text)]
    reason: String,
}

pub fn run(ctx: &Context, args: Args) -> Result<()> {
    let done = rma_shared::tr!(ctx.lang, "done-cancelled", ticket = args.ticket.to_string());
    ctx.record(
        &args.ticket,
        EventKind::Cancelled {
            reason: args.reason,
        },
        &done,
    )
}
