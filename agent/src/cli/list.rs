use anyhow::Result;
use rma_shared::{AreaCode, TicketStatus};

use super::Context;
use crate::local::List;
use crate::output;

/// List tickets, newest first. Filters combine.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  rma-agent list\n  rma-agent list --status in_repair\n  rma-agent list --area SHELF-A1\n  rma-agent list --overdue"
)]
pub struct Args {
    /// Only tickets in this status: registered, assessed, received, in_repair, inspected,
    /// shipped, confirmed, closed, archived, on_hold, cancelled.
    #[arg(long, value_parser = parse_status)]
    status: Option<TicketStatus>,
    /// Only tickets of this model.
    #[arg(long)]
    model: Option<String>,
    /// Only tickets with a unit in this storage area.
    #[arg(long)]
    area: Option<AreaCode>,
    /// Only tickets past one of the regulation's deadlines.
    #[arg(long)]
    overdue: bool,
    /// Show at most this many (0: all).
    #[arg(long, default_value_t = 50)]
    limit: usize,
}

fn parse_status(text: &str) -> Result<TicketStatus, String> {
    TicketStatus::parse(text).ok_or_else(|| {
        let names: Vec<_> = TicketStatus::ALL.iter().map(|s| s.as_str()).collect();
        format!("{text:?} is not a status; use one of: {}", names.join(", "))
    })
}

pub fn run(ctx: &Context, args: Args) -> Result<()> {
    let page = ctx.ask(List {
        status: args.status,
        model: args.model,
        area: args.area,
        overdue: args.overdue,
        limit: args.limit,
    })?;
    if ctx.json {
        return ctx.json(&page);
    }
    ctx.write(&output::listing(&page, ctx.lang));
    Ok(())
}
