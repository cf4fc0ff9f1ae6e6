use anyhow::Result;
use rma_shared::TicketNumber;
use rma_shared::event::EventKind;

use super::Context;

/// Pass a registration on to after-sales (regulation 2.2), within the forwarding deadline.
#[derive(Debug, clap::Args)]
#[command(after_help = "Example:\n  rma-agent forward WH1-2026-00001 --note \"urgent customer\"")]
pub struct Args {
    ticket: TicketNumber,
    /// Anything after-sales should know.
    #[arg(long)]
    note: Option<String>,
}

pub fn run(ctx: &Context, args: Args) -> Result<()> {
    let done = rma_shared::tr!(ctx.lang, "done-forwarded", ticket = args.ticket.to_string());
    ctx.record(
        &args.ticket,
        EventKind::Forwarded { note: args.note },
        &done,
    )
}
