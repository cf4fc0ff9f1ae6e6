use rma_shared::TicketNumber;
use rma_shared::step::{self, Step, Text};

/// Pass a registration on to after-sales (regulation 2.2), within the forwarding deadline.
#[derive(Debug, clap::Args)]
#[command(after_help = "Example:\n  rma-agent forward WH1-2026-00001 --note \"urgent customer\"")]
pub struct Args {
    ticket: TicketNumber,
    /// Anything after-sales should know.
    #[arg(long)]
    note: Option<Text>,
}

impl From<Args> for Step {
    fn from(args: Args) -> Self {
        Step::Forward(step::Forward {
            ticket: args.ticket,
            note: args.note,
        })
    }
}
