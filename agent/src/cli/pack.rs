use anyhow::{Result, bail};
use rma_shared::event::EventKind;
use rma_shared::{UnitNumber, UnitState};

use super::{Context, TicketOrUnit};

/// Pack units that passed inspection (regulation 4.2). Give a ticket to pack all its passed
/// units, or unit numbers.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  rma-agent pack WH1-2026-00001\n  rma-agent pack WH1-2026-00001-1 WH1-2026-00001-2"
)]
pub struct Args {
    #[arg(required = true)]
    what: Vec<TicketOrUnit>,
}

pub fn run(ctx: &Context, args: Args) -> Result<()> {
    let ticket = args.what[0].ticket().clone();
    if args.what.iter().any(|w| w.ticket() != &ticket) {
        bail!("give units of one ticket at a time");
    }
    let units: Vec<UnitNumber> = match &args.what[..] {
        [TicketOrUnit::Ticket(_)] => {
            let flow = ctx.store()?.load(&ticket)?.workflow();
            let passed: Vec<_> = flow
                .units
                .iter()
                .filter(|u| u.state == UnitState::Passed)
                .map(|u| u.number.clone())
                .collect();
            match (
                passed.is_empty(),
                flow.units.iter().find(|u| {
                    !matches!(
                        u.state,
                        UnitState::Passed | UnitState::Packed | UnitState::Shipped
                    )
                }),
            ) {
                (true, Some(unit)) => bail!(
                    "regulation 3.4 and 4.1: only units that passed inspection can be packed; unit {} is {}",
                    unit.number,
                    unit.state
                ),
                (true, None) => bail!("no unit of {ticket} is waiting to be packed"),
                _ => passed,
            }
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
    let done = format!("Packed {} unit(s) of {ticket}.", units.len());
    ctx.record(&ticket, EventKind::Packed { units }, &done)
}
