use rma_shared::TicketOrUnit;
use rma_shared::step::{self, Step, Text};

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
    #[arg(long)]
    repairer: Text,
}

impl From<Args> for Step {
    fn from(args: Args) -> Self {
        Step::Assign(step::Assign {
            what: args.what,
            repairer: args.repairer,
        })
    }
}
