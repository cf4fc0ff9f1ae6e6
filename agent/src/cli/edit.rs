use rma_shared::TicketNumber;
use rma_shared::step::{self, Step, Text};

/// Correct a descriptive field of the registration. If two sites correct the same field
/// while offline, both values are kept and shown as a conflict.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Example:\n  rma-agent edit WH1-2026-00001 --contact \"Li Wei, 139 1111 2222\""
)]
pub struct Args {
    ticket: TicketNumber,
    #[arg(long)]
    customer: Option<Text>,
    #[arg(long)]
    contact: Option<Text>,
    #[arg(long)]
    fault: Option<Text>,
}

impl From<Args> for Step {
    fn from(args: Args) -> Self {
        Step::Edit(step::Edit {
            ticket: args.ticket,
            customer: args.customer,
            contact: args.contact,
            fault: args.fault,
        })
    }
}
