use rma_shared::UnitNumber;
use rma_shared::event::PartLine;
use rma_shared::step::{self, Minutes, Step, Text};

/// Record a repair (regulation 3.2): what was done, parts replaced and minutes spent. The unit
/// then waits for inspection, unless --unfinished says work goes on.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  rma-agent repair WH1-2026-00001-1 --steps \"replaced fuse, tested 2 h\" --part FUSE-5A:1 --minutes 40\n  rma-agent repair WH1-2026-00001-2 --steps \"opened, board burnt\" --minutes 15 --unfinished \\\n    --findings \"needs a new main board\""
)]
pub struct Args {
    unit: UnitNumber,
    /// What was done, following the technical solution.
    #[arg(long)]
    steps: Text,
    /// A part replaced, as PART or PART:QUANTITY (repeat for several).
    #[arg(long, value_parser = step::parse_part)]
    part: Vec<PartLine>,
    /// Minutes spent.
    #[arg(long)]
    minutes: Minutes,
    /// New problems found, reported to after-sales and technical.
    #[arg(long)]
    findings: Option<Text>,
    /// The repair is not finished; the unit stays at the bench.
    #[arg(long)]
    unfinished: bool,
}

impl From<Args> for Step {
    fn from(args: Args) -> Self {
        Step::Repair(step::Repair {
            unit: args.unit,
            steps: args.steps,
            parts: args.part,
            minutes: args.minutes,
            findings: args.findings,
            unfinished: args.unfinished,
        })
    }
}
