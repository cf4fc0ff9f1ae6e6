use anyhow::Result;
use rma_shared::TicketNumber;
use rma_shared::event::EventKind;

use super::{Context, parse_text};

/// Close a ticket once the customer confirmed delivery. The note records how the customer's
/// feedback was handled (regulation 5.3).
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Example:\n  rma-agent close WH1-2026-00001 --note \"told customer about faster courier option\""
)]
pub struct Args {
    ticket: TicketNumber,
    #[arg(long, value_parser = parse_text)]
    note: Option<String>,
}

pub fn run(ctx: &Context, args: Args) -> Result<()> {
    let done = rma_shared::tr!(ctx.lang, "done-closed", ticket = args.ticket.to_string());
    ctx.record(&args.ticket, EventKind::Closed { note: args.note }, &done)
}
