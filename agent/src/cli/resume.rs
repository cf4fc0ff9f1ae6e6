use rma_shared::TicketNumber;
use rma_shared::step::{self, Step};

/// Continue work on a ticket that is on hold.
#[derive(Debug, clap::Args)]
#[command(after_help = "Example:\n  rma-agent resume WH1-2026-00001")]
pub struct Args {
    ticket: TicketNumber,
}

impl From<Args> for Step {
    fn from(args: Args) -> Self {
        Step::Resume(step::Resume {
            ticket: args.ticket,
        })
    }
}
