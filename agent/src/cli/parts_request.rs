use rma_shared::TicketOrUnit;
use rma_shared::event::PartLine;
use rma_shared::step::{self, Step, Text};

/// Ask procurement for parts a repair needs (regulation 3.2).
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Example:\n  rma-agent parts-request WH1-2026-00001-2 --part MAINBOARD-X200:1 --note \"urgent\""
)]
pub struct Args {
    /// The ticket, or the unit the parts are for.
    what: TicketOrUnit,
    /// A part, as PART or PART:QUANTITY (repeat for several).
    #[arg(long, required = true, value_parser = step::parse_part)]
    part: Vec<PartLine>,
    #[arg(long)]
    note: Option<Text>,
}

impl From<Args> for Step {
    fn from(args: Args) -> Self {
        Step::PartsRequest(step::PartsRequest {
            what: args.what,
            parts: args.part,
            note: args.note,
        })
    }
}
