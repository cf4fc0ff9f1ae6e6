use anyhow::Result;
use rma_shared::TicketNumber;
use rma_shared::event::{Assessment, EventKind, Severity};

use super::{Context, parse_text};

/// Record after-sales' first assessment (regulation 2.3). A simple fault can go straight to a
/// repairer; a complex one needs a joint review with technical and production and a repair plan.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  rma-agent assess WH1-2026-00001 --severity simple --handling \"replace fuse\" --fault-type \"power supply\"\n  rma-agent assess WH1-2026-00002 --severity complex --technical Zhao --production Qian \\\n    --plan \"replace main board, re-flash firmware 2.4\""
)]
pub struct Args {
    ticket: TicketNumber,
    #[arg(long, value_enum)]
    severity: SeverityArg,
    /// How the fault will be handled, in a few words.
    #[arg(long, value_parser = parse_text)]
    handling: Option<String>,
    /// Who from technical joined the joint review (repeat for several).
    #[arg(long, value_parser = parse_text)]
    technical: Vec<String>,
    /// Who from production joined the joint review (repeat for several).
    #[arg(long, value_parser = parse_text)]
    production: Vec<String>,
    /// The repair plan of the joint review (required for complex faults).
    #[arg(long, value_parser = parse_text)]
    plan: Option<String>,
    /// The kind of fault, counted in the monthly analysis (e.g. "power supply").
    #[arg(long, value_parser = parse_text)]
    fault_type: Option<String>,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum SeverityArg {
    Simple,
    Complex,
}

pub fn run(ctx: &Context, args: Args) -> Result<()> {
    let severity = match args.severity {
        SeverityArg::Simple => Severity::Simple,
        SeverityArg::Complex => Severity::Complex,
    };
    let kind = EventKind::Assessed(Assessment {
        severity,
        handling: args.handling,
        technical: args.technical,
        production: args.production,
        plan: args.plan,
        fault_type: args.fault_type,
    });
    let done = rma_shared::tr!(ctx.lang, "done-assessed", ticket = args.ticket.to_string());
    ctx.record(&args.ticket, kind, &done)
}
