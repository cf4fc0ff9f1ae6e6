use rma_shared::UnitNumber;
use rma_shared::event::Verdict;
use rma_shared::step::{self, Step, Text};

/// Inspect a repaired unit against the quality standard (regulation 3.4). A pass is the
/// inspector's signature; a fail sends the unit back to its repairer.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  rma-agent inspect WH1-2026-00001-1 --pass\n  rma-agent inspect WH1-2026-00001-2 --fail --note \"still resets under load\""
)]
#[command(group(clap::ArgGroup::new("verdict").required(true).args(["pass", "fail"])))]
pub struct Args {
    unit: UnitNumber,
    /// The unit meets the quality standard.
    #[arg(long)]
    pass: bool,
    /// The unit goes back to repair.
    #[arg(long)]
    fail: bool,
    /// The inspector signing (default: you).
    #[arg(long)]
    inspector: Option<Text>,
    #[arg(long)]
    note: Option<Text>,
}

impl From<Args> for Step {
    fn from(args: Args) -> Self {
        Step::Inspect(step::Inspect {
            unit: args.unit,
            verdict: if args.pass {
                Verdict::Pass
            } else {
                Verdict::Fail
            },
            inspector: args.inspector,
            note: args.note,
        })
    }
}
