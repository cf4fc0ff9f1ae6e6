use rma_shared::TicketNumber;
use rma_shared::step::{self, Step, Text};

/// Close a ticket once the customer confirmed delivery. The note records how the customer's
/// feedback was handled (regulation 5.3).
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Example:\n  rma-agent close WH1-2026-00001 --note \"told customer about faster courier option\""
)]
pub struct Args {
    ticket: TicketNumber,
    #[arg(long)]
    note: Option<Text>,
}

impl From<Args> for Step {
    fn from(args: Args) -> Self {
        Step::Close(step::Close {
            ticket: args.ticket,
            note: args.note,
        })
    }
}
