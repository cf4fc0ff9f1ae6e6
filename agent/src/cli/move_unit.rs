use rma_shared::step::{self, Step};
use rma_shared::{AreaCode, UnitNumber};

/// Put a unit in a storage area (regulation 2.4), e.g. after scanning the shelf's label.
#[derive(Debug, clap::Args)]
#[command(after_help = "Example:\n  rma-agent move WH1-2026-00001-2 --to SHELF-B3")]
pub struct Args {
    unit: UnitNumber,
    /// The storage area.
    #[arg(long)]
    to: AreaCode,
}

impl From<Args> for Step {
    fn from(args: Args) -> Self {
        Step::Move(step::Move {
            unit: args.unit,
            to: args.to,
        })
    }
}
