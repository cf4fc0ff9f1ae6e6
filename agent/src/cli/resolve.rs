use anyhow::Result;
use rma_shared::event::EventKind;
use rma_shared::{EventId, TicketNumber};

use super::{Context, parse_text};

/// Settle a conflict between steps two sites took offline. `rma-agent show` lists open
/// conflicts with the id of the event that could not take effect.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Example:\n  rma-agent resolve WH1-2026-00001 --event 3f9a0c1d2e4b5a69 --note \"re-inspected: passes\""
)]
pub struct Args {
    ticket: TicketNumber,
    /// The id of the conflicting event, as shown by `rma-agent show`.
    #[arg(long)]
    event: String,
    /// What was decided.
    #[arg(long, value_parser = parse_text)]
    note: String,
}

pub fn run(ctx: &Context, args: Args) -> Result<()> {
    let done = rma_shared::tr!(ctx.lang, "done-resolved", ticket = args.ticket.to_string());
    let kind = EventKind::ConflictResolved {
        event: EventId::from(args.event.as_str()),
        note: args.note,
    };
    ctx.record(&args.ticket, kind, &done)
}
