use anyhow::Result;
use chrono::NaiveDate;
use rma_shared::TicketNumber;
use rma_shared::event::EventKind;

use super::{Context, parse_date, parse_text};

/// Record the shipping method and date agreed with the customer (regulation 4.1), once every
/// unit passed inspection.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Example:\n  rma-agent ship-notice WH1-2026-00001 --method \"SF Express\" --date 2026-12-01"
)]
pub struct Args {
    ticket: TicketNumber,
    /// How it ships (courier, freight, customer pick-up...).
    #[arg(long, value_parser = parse_text)]
    method: String,
    /// The agreed ship date, YYYY-MM-DD.
    #[arg(long, value_parser = parse_date)]
    date: NaiveDate,
    #[arg(long, value_parser = parse_text)]
    note: Option<String>,
}

pub fn run(ctx: &Context, args: Args) -> Result<()> {
    let done = rma_shared::tr!(
        ctx.lang,
        "done-ship-notice",
        ticket = args.ticket.to_string(),
        method = args.method.as_str(),
        date = args.date.to_string()
    );
    let kind = EventKind::ShipNoticed {
        method: args.method,
        date: args.date,
        note: args.note,
    };
    ctx.record(&args.ticket, kind, &done)
}
