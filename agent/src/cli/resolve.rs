use rma_shared::step::{self, Step, Text};
use rma_shared::{EventId, TicketNumber};

/// Settle a conflict between steps two sites took offline. `rma-agent show` lists open
/// conflicts with the id of the event that could not take effect.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Example:\n  rma-agent resolve WH1-2026-00001 --event 3f9a0c1d2e4b5a69 --note \"re-inspected: passes\""
)]
pub struct Args {
    ticket: TicketNumber,
    /// The id of the conflicting event, as shown by `rma-agent show`.
    #[arg(long)]
    event: EventId,
    /// What was decided.
    #[arg(long)]
    note: Text,
}

impl From<Args> for Step {
    fn from(args: Args) -> Self {
        Step::Resolve(step::Resolve {
            ticket: args.ticket,
            event: args.event,
            note: args.note,
        })
    }
}
