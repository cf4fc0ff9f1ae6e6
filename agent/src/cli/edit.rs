use anyhow::{Result, bail};
use rma_shared::TicketNumber;
use rma_shared::event::{EventKind, RegistrationField};

use super::{Context, parse_text};

/// Correct a descriptive field of the registration. If two sites correct the same field
/// while offline, both values are kept and shown as a conflict.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Example:\n  rma-agent edit WH1-2026-00001 --contact \"Li Wei, 139 1111 2222\""
)]
pub struct Args {
    ticket: TicketNumber,
    #[arg(long, value_parser = parse_text)]
    customer: Option<String>,
    #[arg(long, value_parser = parse_text)]
    contact: Option<String>,
    #[arg(long, value_parser = parse_text)]
    fault: Option<String>,
}

pub fn run(ctx: &Context, args: Args) -> Result<()> {
    let changes = [
        (RegistrationField::Customer, args.customer),
        (RegistrationField::Contact, args.contact),
        (RegistrationField::Fault, args.fault),
    ];
    let changes: Vec<_> = changes
        .into_iter()
        .filter_map(|(field, value)| value.map(|v| (field, v)))
        .collect();
    if changes.is_empty() {
        bail!("{}", rma_shared::tr!(ctx.lang, "edit-nothing"));
    }
    for (field, value) in changes {
        let done = rma_shared::tr!(
            ctx.lang,
            "edit-changed",
            field = field.label(ctx.lang),
            ticket = args.ticket.to_string()
        );
        ctx.record(&args.ticket, EventKind::Edited { field, value }, &done)?;
    }
    Ok(())
}
