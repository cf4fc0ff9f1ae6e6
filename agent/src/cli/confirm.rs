use chrono::NaiveDate;
use rma_shared::TicketNumber;
use rma_shared::step::{self, Satisfaction, Step, Text};

/// Record the customer's confirmation (regulation 5.2): delivery date, whether the unit works,
/// satisfaction from 1 to 5, and feedback.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Example:\n  rma-agent confirm WH1-2026-00001 --delivered-on 2026-12-03 --satisfaction 4 \\\n    --feedback \"works, but delivery was slow\""
)]
pub struct Args {
    ticket: TicketNumber,
    /// The day the customer received it, YYYY-MM-DD.
    #[arg(long, value_parser = step::parse_date)]
    delivered_on: NaiveDate,
    /// 1 (very unhappy) to 5 (very satisfied).
    #[arg(long)]
    satisfaction: Satisfaction,
    /// The unit does not work as expected at the customer's.
    #[arg(long)]
    not_working: bool,
    /// What the customer said.
    #[arg(long)]
    feedback: Option<Text>,
}

impl From<Args> for Step {
    fn from(args: Args) -> Self {
        Step::Confirm(step::Confirm {
            ticket: args.ticket,
            delivered_on: args.delivered_on,
            satisfaction: args.satisfaction,
            not_working: args.not_working,
            feedback: args.feedback,
        })
    }
}
