use rma_shared::TicketNumber;
use rma_shared::event::Severity;
use rma_shared::step::{self, Step, Text};

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
    #[arg(long)]
    handling: Option<Text>,
    /// Who from technical joined the joint review (repeat for several).
    #[arg(long)]
    technical: Vec<Text>,
    /// Who from production joined the joint review (repeat for several).
    #[arg(long)]
    production: Vec<Text>,
    /// The repair plan of the joint review (required for complex faults).
    #[arg(long)]
    plan: Option<Text>,
    /// The kind of fault, counted in the monthly analysis (e.g. "power supply").
    #[arg(long)]
    fault_type: Option<Text>,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum SeverityArg {
    Simple,
    Complex,
}

impl From<Args> for Step {
    fn from(args: Args) -> Self {
        Step::Assess(step::Assess {
            ticket: args.ticket,
            severity: match args.severity {
                SeverityArg::Simple => Severity::Simple,
                SeverityArg::Complex => Severity::Complex,
            },
            handling: args.handling,
            technical: args.technical,
            production: args.production,
            plan: args.plan,
            fault_type: args.fault_type,
        })
    }
}
