use anyhow::Result;

use super::{Context, TicketOrUnit};

/// Show a ticket with every record: registration, assessment, units and where they are,
/// repairs, inspections, shipping, follow-up, costs, archive, deadlines and conflicts.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  rma-agent show WH1-2026-00001\n  rma-agent show WH1-2026-00001-2 --json"
)]
pub struct Args {
    /// A ticket number, or a unit number to show its ticket.
    what: TicketOrUnit,
}

pub fn run(ctx: &Context, args: Args) -> Result<()> {
    let doc = ctx.store()?.load(args.what.ticket())?;
    ctx.print_ticket(&doc)
}
