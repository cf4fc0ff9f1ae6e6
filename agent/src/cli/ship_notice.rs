use chrono::NaiveDate;
use rma_shared::TicketNumber;
use rma_shared::step::{self, Step, Text};

/// Record the shipping method and date agreed with the customer (regulation 4.1), once every
/// unit passed inspection.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Example:\n  rma-agent ship-notice WH1-2026-00001 --method \"SF Express\" --date 2026-12-01"
)]
pub struct Args {
    ticket: TicketNumber,
    /// How it ships (courier, freight, customer pick-up...).
    #[arg(long)]
    method: Text,
    /// The agreed ship date, YYYY-MM-DD.
    #[arg(long, value_parser = step::parse_date)]
    date: NaiveDate,
    #[arg(long)]
    note: Option<Text>,
}

impl From<Args> for Step {
    fn from(args: Args) -> Self {
        Step::ShipNotice(step::ShipNotice {
            ticket: args.ticket,
            method: args.method,
            date: args.date,
            note: args.note,
        })
    }
}
