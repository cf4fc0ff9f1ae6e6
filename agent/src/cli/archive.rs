use rma_shared::TicketNumber;
use rma_shared::step::{self, Step, Text, Years};

/// File a closed (or cancelled) ticket in the archive (regulation 8), kept by a named keeper
/// for the retention period.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  rma-agent archive WH1-2026-00001 --keeper \"Wang Fang\"\n  rma-agent archive WH1-2019-00007 --keeper \"Wang Fang\" --until 2025-06-30   # a file archived late: kept until 5 years after its closing"
)]
pub struct Args {
    ticket: TicketNumber,
    /// Who keeps the archive file.
    #[arg(long)]
    keeper: Text,
    /// Years to keep it (default: the `archive_retention_years` setting).
    #[arg(long)]
    years: Option<Years>,
    /// The last day it is kept, instead of counting years from today (a file archived late
    /// counts from its closing; a day already past lists it for disposal at once).
    #[arg(long, value_name = "YYYY-MM-DD", conflicts_with = "years", value_parser = step::parse_date)]
    until: Option<chrono::NaiveDate>,
}

impl From<Args> for Step {
    fn from(args: Args) -> Self {
        Step::Archive(step::Archive {
            ticket: args.ticket,
            keeper: args.keeper,
            years: args.years,
            until: args.until,
        })
    }
}
