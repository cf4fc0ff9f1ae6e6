use rma_shared::TicketNumber;
use rma_shared::step::{self, Step, Text};

/// Pause work on a ticket (waiting for the customer, for parts...). Costs and parts requests
/// can still be recorded.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Example:\n  rma-agent hold WH1-2026-00001 --reason \"waiting for customer's approval of the quote\""
)]
pub struct Args {
    ticket: TicketNumber,
    #[arg(long)]
    reason: Text,
}

impl From<Args> for Step {
    fn from(args: Args) -> Self {
        Step::Hold(step::WithReason {
            ticket: args.ticket,
            reason: args.reason,
        })
    }
}
