use rma_shared::TicketNumber;
use rma_shared::step::{self, Step, Text};

/// Cancel a ticket that will not be repaired (the customer withdrew, the units never came).
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Example:\n  rma-agent cancel WH1-2026-00001 --reason \"customer withdrew the return\""
)]
pub struct Args {
    ticket: TicketNumber,
    #[arg(long)]
    reason: Text,
}

impl From<Args> for Step {
    fn from(args: Args) -> Self {
        Step::Cancel(step::WithReason {
            ticket: args.ticket,
            reason: args.reason,
        })
    }
}
