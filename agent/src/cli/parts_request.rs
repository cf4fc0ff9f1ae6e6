use anyhow::Result;
use rma_shared::event::{EventKind, PartLine};

use super::{Context, TicketOrUnit, parse_part, parse_text};

/// Ask procurement for parts a repair needs (regulation 3.2).
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Example:\n  rma-agent parts-request WH1-2026-00001-2 --part MAINBOARD-X200:1 --note \"urgent\""
)]
pub struct Args {
    /// The ticket, or the unit the parts are for.
    what: TicketOrUnit,
    /// A part, as PART or PART:QUANTITY (repeat for several).
    #[arg(long, required = true, value_parser = parse_part)]
    part: Vec<PartLine>,
    #[arg(long, value_parser = parse_text)]
    note: Option<String>,
}

pub fn run(ctx: &Context, args: Args) -> Result<()> {
    let unit = match &args.what {
        TicketOrUnit::Unit(u) => Some(u.clone()),
        TicketOrUnit::Ticket(_) => None,
    };
    let done = rma_shared::tr!(ctx.lang, "done-parts", count = args.part.len());
    let kind = EventKind::PartsRequested {
        unit,
        parts: args.part,
        note: args.note,
    };
    ctx.record(args.what.ticket(), kind, &done)
}
