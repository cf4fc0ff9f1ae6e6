use anyhow::Result;
use rma_shared::event::EventKind;
use rma_shared::{TicketNumber, UnitNumber, UnitState};

use super::{Context, parse_text};

/// Hand the package to the carrier and keep its tracking number (regulation 4.3). Ships every
/// packed unit of the ticket unless --unit names some.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Example:\n  rma-agent ship WH1-2026-00001 --carrier \"SF Express\" --tracking SF1234567890"
)]
pub struct Args {
    ticket: TicketNumber,
    #[arg(long, value_parser = parse_text)]
    carrier: String,
    #[arg(long, value_parser = parse_text)]
    tracking: String,
    /// Ship only these units (repeat for several).
    #[arg(long)]
    unit: Vec<UnitNumber>,
}

pub fn run(ctx: &Context, args: Args) -> Result<()> {
    let units = if args.unit.is_empty() {
        // Every unit not shipped yet: the rules refuse the step if one is not packed.
        let flow = ctx.store()?.load(&args.ticket)?.workflow();
        flow.units
            .iter()
            .filter(|u| u.state != UnitState::Shipped)
            .map(|u| u.number.clone())
            .collect()
    } else {
        args.unit
    };
    let done = rma_shared::tr!(
        ctx.lang,
        "done-shipped",
        count = units.len(),
        ticket = args.ticket.to_string(),
        carrier = args.carrier.as_str(),
        tracking = args.tracking.as_str()
    );
    let kind = EventKind::Shipped {
        carrier: args.carrier,
        tracking: args.tracking,
        units,
    };
    ctx.record(&args.ticket, kind, &done)
}
