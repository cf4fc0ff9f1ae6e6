use anyhow::{Result, bail};
use rma_shared::event::EventKind;
use rma_shared::{UnitNumber, UnitState};

use super::{Context, TicketOrUnit, parse_text};

/// Assign units to a repairer (regulation 3.1), who collects them from storage. Give a ticket
/// to assign all its units waiting for repair, or unit numbers.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  rma-agent assign WH1-2026-00001 --repairer Bob\n  rma-agent assign WH1-2026-00001-2 --repairer Carol"
)]
pub struct Args {
    /// A ticket number, or one or more unit numbers of one ticket.
    #[arg(required = true)]
    what: Vec<TicketOrUnit>,
    /// The repairer.
    #[arg(long, value_parser = parse_text)]
    repairer: String,
}

pub fn run(ctx: &Context, args: Args) -> Result<()> {
    let ticket = args.what[0].ticket().clone();
    if args.what.iter().any(|w| w.ticket() != &ticket) {
        bail!("give units of one ticket at a time");
    }
    let units: Vec<UnitNumber> = match &args.what[..] {
        [TicketOrUnit::Ticket(_)] => {
            let flow = ctx.store()?.load(&ticket)?.workflow();
            let waiting: Vec<_> = flow
                .units
                .iter()
                .filter(|u| {
                    matches!(
                        u.state,
                        UnitState::Received | UnitState::Stored | UnitState::Failed
                    )
                })
                .map(|u| u.number.clone())
                .collect();
            if waiting.is_empty() && flow.units.is_empty() {
                bail!(
                    "ticket {ticket} has no units yet: receive them first with `rma-agent receive`"
                );
            }
            if waiting.is_empty() {
                bail!("no unit of {ticket} is waiting for repair (see `rma-agent show {ticket}`)");
            }
            waiting
        }
        what => what
            .iter()
            .map(|w| match w {
                TicketOrUnit::Unit(u) => Ok(u.clone()),
                TicketOrUnit::Ticket(t) => {
                    bail!("give either the ticket {t} alone or unit numbers")
                }
            })
            .collect::<Result<_>>()?,
    };
    let done = format!("Assigned {} unit(s) to {}.", units.len(), args.repairer);
    let kind = EventKind::Assigned {
        repairer: args.repairer,
        units,
    };
    ctx.record(&ticket, kind, &done)
}
