use anyhow::Result;
use rma_shared::UnitNumber;
use rma_shared::event::{EventKind, Verdict};

use super::{Context, parse_text};

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
    #[arg(long, value_parser = parse_text)]
    inspector: Option<String>,
    #[arg(long, value_parser = parse_text)]
    note: Option<String>,
}

pub fn run(ctx: &Context, args: Args) -> Result<()> {
    let verdict = if args.pass {
        Verdict::Pass
    } else {
        Verdict::Fail
    };
    let done = rma_shared::tr!(
        ctx.lang,
        match verdict {
            Verdict::Pass => "done-passed",
            Verdict::Fail => "done-failed",
        },
        unit = args.unit.to_string()
    );
    let kind = EventKind::Inspected {
        unit: args.unit.clone(),
        verdict,
        inspector: args.inspector.unwrap_or_else(|| ctx.user()),
        note: args.note,
    };
    ctx.record(args.unit.ticket(), kind, &done)
}
