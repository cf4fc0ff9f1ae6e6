use anyhow::{Context as _, Result};
use chrono::Months;
use rma_shared::TicketNumber;
use rma_shared::event::EventKind;

use super::{Context, parse_text};

/// File a closed (or cancelled) ticket in the archive (regulation 8), kept by a named keeper
/// for the retention period.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  rma-agent archive WH1-2026-00001 --keeper \"Wang Fang\"\n  rma-agent archive WH1-2019-00007 --keeper \"Wang Fang\" --until 2025-06-30   # a file archived late: kept until 5 years after its closing"
)]
pub struct Args {
    ticket: TicketNumber,
    /// Who keeps the archive file.
    #[arg(long, value_parser = parse_text)]
    keeper: String,
    /// Years to keep it (default: the `archive_retention_years` setting).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=100))]
    years: Option<u32>,
    /// The last day it is kept, instead of counting years from today (a file archived late
    /// counts from its closing; a day already past lists it for disposal at once).
    #[arg(long, value_name = "YYYY-MM-DD", conflicts_with = "years")]
    until: Option<chrono::NaiveDate>,
}

pub fn run(ctx: &Context, args: Args) -> Result<()> {
    let retain_until = match (args.until, args.years) {
        (Some(until), _) => until,
        (None, years) => {
            let years = match years {
                Some(years) => years,
                None => ctx.settings()?.archive_retention_years,
            };
            ctx.now
                .date_naive()
                .checked_add_months(Months::new(years * 12))
                .context("the retention date is out of range")?
        }
    };
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
