use anyhow::Result;
use rma_shared::event::EventKind;
use rma_shared::{AreaCode, UnitNumber};

use super::Context;

/// Put a unit in a storage area (regulation 2.4), e.g. after scanning the shelf's label.
#[derive(Debug, clap::Args)]
#[command(after_help = "Example:\n  rma-agent move WH1-2026-00001-2 --to SHELF-B3")]
pub struct Args {
    unit: UnitNumber,
    /// The storage area.
    #[arg(long)]
    to: AreaCode,
}

pub fn run(ctx: &Context, args: Args) -> Result<()> {
    let done = rma_shared::tr!(
        ctx.lang,
        "done-moved",
        unit = args.unit.to_string(),
        to = args.to.to_string()
    );
    let kind = EventKind::Moved {
        unit: args.unit.clone(),
        to: args.to,
    };
    ctx.record(args.unit.ticket(), kind, &done)
}
