use rma_shared::TicketOrUnit;
use rma_shared::step::{self, Step};

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

impl From<Args> for Step {
    fn from(args: Args) -> Self {
        Step::Pack(step::Pack { what: args.what })
    }
}
