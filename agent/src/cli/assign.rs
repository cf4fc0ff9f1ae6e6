use anyhow::Result;
use rma_shared::UnitState;
use rma_shared::event::EventKind;

use super::{Context, TicketOrUnit, parse_text};

/// Assign units to a repairer (regulation 3.1), who collects them from storage. Give a ticket
/// to assign all its units waiting for repair, or unit numbers.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  rma-agent assign WH1-2026-00001 --repairer Bob\n  rma-agent assign WH1-2026-00001-2 --repairer Carol"
)]
pub struct Args {
    /// A ticket number, or one or more unit numbers of one ticket.
    #[arg(required = true)]
    what: Vec<TicketOrUnit>,
    /// The repairer.
    #[arg(long, value_parser = parse_text)]
    repairer: String,
}

pub fn run(ctx: &Context, args: Args) -> Result<()> {
    let waiting = |s| {
        matches!(
            s,
            UnitState::Received | UnitState::Stored | UnitState::Failed
        )
    };
    let (ticket, units) = ctx.pick_units(&args.what, waiting)?;
    let done = rma_shared::tr!(
        ctx.lang,
        "done-assigned",
        count = units.len(),
        repairer = args.repairer.as_str()
    );
    let kind = EventKind::Assigned {
        repairer: args.repairer,
        units,
    };
    ctx.record(&ticket, kind, &done)
}
