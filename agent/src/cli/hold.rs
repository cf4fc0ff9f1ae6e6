use anyhow::Result;
use rma_shared::TicketNumber;
use rma_shared::event::EventKind;

use super::{Context, parse_text};

/// Pause work on a ticket (waiting for the customer, for parts...). Costs and parts requests
/// can still be recorded.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Example:\n  rma-agent hold WH1-2026-00001 --reason \"waiting for customer's approval of the quote\""
)]
pub struct Args {
    ticket: TicketNumber,
    #[arg(long, value_parser = parse_text)]
    reason: String,
}

pub fn run(ctx: &Context, args: Args) -> Result<()> {
    let done = rma_shared::tr!(ctx.lang, "done-held", ticket = args.ticket.to_string());
    ctx.record(
        &args.ticket,
        EventKind::Held {
            reason: args.reason,
        },
        &done,
    )
}
