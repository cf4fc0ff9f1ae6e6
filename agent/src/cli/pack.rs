use anyhow::Result;
use rma_shared::UnitState;
use rma_shared::event::EventKind;

use super::{Context, TicketOrUnit};

/// Pack units that passed inspection (regulation 4.2). Give a ticket to pack all its passed
/// units, or unit numbers.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  rma-agent pack WH1-2026-00001\n  rma-agent pack WH1-2026-00001-1 WH1-2026-00001-2"
)]
pub struct Args {
    #[arg(required = true)]
    what: Vec<TicketOrUnit>,
}

pub fn run(ctx: &Context, args: Args) -> Result<()> {
    let (ticket, units) = ctx.pick_units(&args.what, |s| s == UnitState::Passed)?;
    let done = rma_shared::tr!(
        ctx.lang,
        "done-packed",
        count = units.len(),
        ticket = ticket.to_string()
    );
    ctx.record(&ticket, EventKind::Packed { units }, &done)
}
