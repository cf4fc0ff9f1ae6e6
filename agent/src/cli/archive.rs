use anyhow::{Context as _, Result};
use chrono::Months;
use rma_shared::TicketNumber;
use rma_shared::event::EventKind;

use super::{Context, parse_text};

/// File a closed (or cancelled) ticket in the archive (regulation 8), kept by a named keeper
/// for the retention period.
#[derive(Debug, clap::Args)]
#[command(after_help = "Example:\n  rma-agent archive WH1-2026-00001 --keeper \"Wang Fang\"")]
pub struct Args {
    ticket: TicketNumber,
    /// Who keeps the archive file.
    #[arg(long, value_parser = parse_text)]
    keeper: String,
    /// Years to keep it (default: the `archive_retention_years` setting).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=100))]
    years: Option<u32>,
}

pub fn run(ctx: &Context, args: Args) -> Result<()> {
    let years = match args.years {
        Some(years) => years,
        None => ctx.settings()?.archive_retention_years,
    };
    let retain_until = ctx
        .now
        .date_naive()
        .checked_add_months(Months::new(years * 12))
        .context("the retention date is out of range")?;
    let done = rma_shared::tr!(
        ctx.lang,
        "done-archived",
        ticket = args.ticket.to_string(),
        keeper = args.keeper.as_str(),
        until = retain_until.to_string()
    );
    let kind = EventKind::Archived {
        keeper: args.keeper,
        retain_until,
        covers: Vec::new(),
    };
    ctx.record(&args.ticket, kind, &done)
}
