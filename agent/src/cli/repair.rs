use anyhow::Result;
use rma_shared::UnitNumber;
use rma_shared::event::{EventKind, PartLine, RepairRecord};

use super::{Context, parse_part, parse_text};

/// Record a repair (regulation 3.2): what was done, parts replaced and minutes spent. The unit
/// then waits for inspection, unless --unfinished says work goes on.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  rma-agent repair WH1-2026-00001-1 --steps \"replaced fuse, tested 2 h\" --part FUSE-5A:1 --minutes 40\n  rma-agent repair WH1-2026-00001-2 --steps \"opened, board burnt\" --minutes 15 --unfinished \\\n    --findings \"needs a new main board\""
)]
pub struct Args {
    unit: UnitNumber,
    /// What was done, following the technical solution.
    #[arg(long, value_parser = parse_text)]
    steps: String,
    /// A part replaced, as PART or PART:QUANTITY (repeat for several).
    #[arg(long, value_parser = parse_part)]
    part: Vec<PartLine>,
    /// Minutes spent.
    #[arg(long)]
    minutes: u32,
    /// New problems found, reported to after-sales and technical.
    #[arg(long, value_parser = parse_text)]
    findings: Option<String>,
    /// The repair is not finished; the unit stays at the bench.
    #[arg(long)]
    unfinished: bool,
}

pub fn run(ctx: &Context, args: Args) -> Result<()> {
    let done = rma_shared::tr!(
        ctx.lang,
        if args.unfinished {
            "done-repair-continues"
        } else {
            "done-repaired"
        },
        minutes = args.minutes,
        unit = args.unit.to_string()
    );
    let kind = EventKind::Repaired(RepairRecord {
        unit: args.unit.clone(),
        steps: args.steps,
        parts: args.part,
        minutes: args.minutes,
        findings: args.findings,
        finished: !args.unfinished,
    });
    ctx.record(args.unit.ticket(), kind, &done)
}
