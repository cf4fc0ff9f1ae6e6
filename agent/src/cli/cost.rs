use rma_shared::event::{CostKind, Liability, Payer};
use rma_shared::money::Currency;
use rma_shared::step::{self, Amount, Step, Text};
use rma_shared::{TicketNumber, UnitNumber};

/// Add a line to the ticket's cost ledger (regulation 6). The payer follows the liability
/// unless given: a quality defect is paid by the company, misuse by the customer.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  rma-agent cost WH1-2026-00001 --kind repair --amount 120.50 --liability quality-defect\n  rma-agent cost WH1-2026-00001 --kind shipping --amount 25 --currency EUR --liability misuse\n  rma-agent cost WH1-2026-00001 --kind parts --amount 80 --liability quality-defect --payer supplier"
)]
pub struct Args {
    ticket: TicketNumber,
    #[arg(long, value_enum)]
    kind: KindArg,
    /// The amount, e.g. 120 or 120.50.
    #[arg(long, allow_hyphen_values = true)]
    amount: Amount,
    /// Three-letter currency code (default: the `currency` setting).
    #[arg(long)]
    currency: Option<Currency>,
    /// Why the unit failed (regulation 6.1).
    #[arg(long, value_enum)]
    liability: LiabilityArg,
    /// Who pays, if not the one the liability implies.
    #[arg(long, value_enum)]
    payer: Option<PayerArg>,
    /// The unit the cost is for.
    #[arg(long)]
    unit: Option<UnitNumber>,
    #[arg(long)]
    note: Option<Text>,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum KindArg {
    Repair,
    Shipping,
    Packaging,
    Parts,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum LiabilityArg {
    QualityDefect,
    Misuse,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum PayerArg {
    Company,
    Customer,
    Supplier,
}

impl From<Args> for Step {
    fn from(args: Args) -> Self {
        Step::Cost(step::Cost {
            ticket: args.ticket,
            kind: match args.kind {
                KindArg::Repair => CostKind::Repair,
                KindArg::Shipping => CostKind::Shipping,
                KindArg::Packaging => CostKind::Packaging,
                KindArg::Parts => CostKind::Parts,
            },
            amount: args.amount,
            currency: args.currency,
            liability: match args.liability {
                LiabilityArg::QualityDefect => Liability::QualityDefect,
                LiabilityArg::Misuse => Liability::Misuse,
            },
            payer: args.payer.map(|payer| match payer {
                PayerArg::Company => Payer::Company,
                PayerArg::Customer => Payer::Customer,
                PayerArg::Supplier => Payer::Supplier,
            }),
            unit: args.unit,
            note: args.note,
        })
    }
}
