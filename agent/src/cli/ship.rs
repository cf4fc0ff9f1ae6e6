use rma_shared::step::{self, Step, Text};
use rma_shared::{TicketNumber, UnitNumber};

/// Hand the package to the carrier and keep its tracking number (regulation 4.3). Ships every
/// packed unit of the ticket unless --unit names some.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Example:\n  rma-agent ship WH1-2026-00001 --carrier \"SF Express\" --tracking SF1234567890"
)]
pub struct Args {
    ticket: TicketNumber,
    #[arg(long)]
    carrier: Text,
    #[arg(long)]
    tracking: Text,
    /// Ship only these units (repeat for several).
    #[arg(long)]
    unit: Vec<UnitNumber>,
}

impl From<Args> for Step {
    fn from(args: Args) -> Self {
        Step::Ship(step::Ship {
            ticket: args.ticket,
            carrier: args.carrier,
            tracking: args.tracking,
            unit: args.unit,
        })
    }
}
