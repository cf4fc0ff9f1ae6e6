use anyhow::Result;
use chrono::NaiveDate;
use rma_shared::TicketNumber;
use rma_shared::event::{Confirmation, EventKind};

use super::{Context, parse_date, parse_text};

/// Record the customer's confirmation (regulation 5.2): delivery date, whether the unit works,
/// satisfaction from 1 to 5, and feedback.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Example:\n  rma-agent confirm WH1-2026-00001 --delivered-on 2026-12-03 --satisfaction 4 \\\n    --feedback \"works, but delivery was slow\""
)]
pub struct Args {
    ticket: TicketNumber,
    /// The day the customer received it, YYYY-MM-DD.
    #[arg(long, value_parser = parse_date)]
    delivered_on: NaiveDate,
    /// 1 (very unhappy) to 5 (very satisfied).
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..=5))]
    satisfaction: u8,
    /// The unit does not work as expected at the customer's.
    #[arg(long)]
    not_working: bool,
    /// What the customer said.
    #[arg(long, value_parser = parse_text)]
    feedback: Option<String>,
}

pub fn run(ctx: &Context, args: Args) -> Result<()> {
    let done = rma_shared::tr!(
        ctx.lang,
        "done-confirmed",
        ticket = args.ticket.to_string(),
        satisfaction = args.satisfaction
    );
    let kind = EventKind::Confirmed(Confirmation {
        delivered_on: args.delivered_on,
        working: !args.not_working,
        satisfaction: args.satisfaction,
        feedback: args.feedback,
    });
    ctx.record(&args.ticket, kind, &done)
}
