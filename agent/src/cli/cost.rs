use anyhow::Result;
use rma_shared::event::{CostKind, CostLine, EventKind, Liability, Payer};
use rma_shared::{Currency, Money, TicketNumber, UnitNumber};

use super::{Context, parse_text};

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
    amount: String,
    /// Three-letter currency code (default: the `currency` setting).
    #[arg(long)]
    currency: Option<String>,
    /// Why the unit failed (regulation 6.1).
    #[arg(long, value_enum)]
    liability: LiabilityArg,
    /// Who pays, if not the one the liability implies.
    #[arg(long, value_enum)]
    payer: Option<PayerArg>,
    /// The unit the cost is for.
    #[arg(long)]
    unit: Option<UnitNumber>,
    #[arg(long, value_parser = parse_text)]
    note: Option<String>,
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

pub fn run(ctx: &Context, args: Args) -> Result<()> {
    let currency = match args.currency {
        Some(code) => Currency::parse(&code)?,
        None => Currency::parse(&ctx.settings()?.currency)?,
    };
    let amount = Money::parse(&args.amount, currency)?;
    let liability = match args.liability {
        LiabilityArg::QualityDefect => Liability::QualityDefect,
        LiabilityArg::Misuse => Liability::Misuse,
    };
    let payer = match args.payer {
        Some(PayerArg::Company) => Payer::Company,
        Some(PayerArg::Customer) => Payer::Customer,
        Some(PayerArg::Supplier) => Payer::Supplier,
        None => liability.default_payer(),
    };
    let kind = match args.kind {
        KindArg::Repair => CostKind::Repair,
        KindArg::Shipping => CostKind::Shipping,
        KindArg::Packaging => CostKind::Packaging,
        KindArg::Parts => CostKind::Parts,
    };
    let done = rma_shared::tr!(
        ctx.lang,
        "cost-added",
        amount = amount.to_string(),
        kind = kind.label(ctx.lang),
        ticket = args.ticket.to_string(),
        payer = payer.label(ctx.lang)
    );
    let line = CostLine {
        kind,
        amount,
        payer,
        liability,
        unit: args.unit,
        note: args.note,
    };
    ctx.record(&args.ticket, EventKind::Cost(line), &done)
}
