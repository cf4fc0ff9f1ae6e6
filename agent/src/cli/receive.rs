use anyhow::Result;
use rma_shared::step::{self, InputError, Quantity, Step, Text};
use rma_shared::{AreaCode, LabelCode, Reserved, TicketNumber, tr};

use super::Context;
use crate::printing::{self, Drawing};

/// Receive the units of a ticket (regulation 2.4): check them against the registration,
/// give each unit its number and put them in a storage area.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  rma-agent receive WH1-2026-00001 --area SHELF-A1\n  rma-agent receive WH1-2026-00001 --area SHELF-A1 --print-labels   (the printer in settings.toml [labels])\n  rma-agent receive WH1-2026-00001 --print-labels tcp://192.168.1.50:9100\n  rma-agent receive WH1-2026-00001 --area SHELF-A1 --quantity 1 --appearance \"cracked case\" \\\n    --discrepancy \"only 1 of 2 units in the box\""
)]
pub struct Args {
    ticket: TicketNumber,
    /// The storage area the units go to (see `rma-agent area list`).
    #[arg(long)]
    area: Option<AreaCode>,
    /// How many units arrived (default: the registered quantity).
    #[arg(long)]
    quantity: Option<Quantity>,
    /// The model found on the units (default: the registered model).
    #[arg(long)]
    model: Option<Text>,
    /// What the units look like (default: "not noted").
    #[arg(long)]
    appearance: Option<Text>,
    /// What does not match the registration form.
    #[arg(long)]
    discrepancy: Option<Text>,
    /// Print the units' labels once they are numbered: on this printer (a CUPS queue or
    /// tcp://HOST:9100), or alone on the printer in settings.toml [labels].
    #[arg(long, value_name = "PRINTER", num_args = 0..=1, default_missing_value = "")]
    print_labels: Option<String>,
    /// Pre-printed labels scanned onto the units instead, in the units' order (`L:WH1-000001`;
    /// repeat, or separate with commas): a receiving dock needs no printer.
    #[arg(
        long = "label",
        value_name = "CODE",
        value_delimiter = ',',
        value_parser = parse_reserved,
        conflicts_with = "print_labels"
    )]
    labels: Vec<Reserved>,
}

/// A scanned pre-printed label's code.
fn parse_reserved(text: &str) -> Result<Reserved, InputError> {
    match LabelCode::parse(text) {
        Ok(LabelCode::Reserved(code)) => Ok(code),
        _ => Err(InputError::NotPrePrinted(text.to_owned())),
    }
}

pub fn run(ctx: &Context, args: Args) -> Result<()> {
    let step = Step::Receive(step::Receive {
        ticket: args.ticket.clone(),
        area: args.area,
        quantity: args.quantity,
        model: args.model,
        appearance: args.appearance,
        discrepancy: args.discrepancy,
        labels: args.labels,
    });
    let outcome = ctx.ask(step)?;
    super::steps::say_outcome(ctx, &outcome)?;
    let Some(printer) = args.print_labels else {
        return Ok(());
    };
    // The units are received either way: a printer that fails says so, with what to do.
    let printed = (|| -> Result<()> {
        let settings = ctx.settings()?.labels;
        let labels = printing::unit_labels(&outcome.ticket, ctx.lang);
        let prepared = printing::prepare(labels, &settings, &Drawing::default(), true)?;
        let printer = prepared.print(&printer, &settings, 1)?;
        let line = tr!(
            ctx.lang,
            "label-sent",
            count = prepared.labels.len(),
            printer = printer.as_str(),
            copies = 1
        );
        say!(ctx, "{line}");
        ctx.ask(crate::local::Printed {
            codes: prepared.codes(),
            copies: 1,
            printer,
        })?;
        Ok(())
    })();
    printed.map_err(|err| {
        let why = crate::desk::say(err.as_ref(), ctx.lang);
        super::context::Said(tr!(
            ctx.lang,
            "receive-not-printed",
            why = why,
            ticket = args.ticket.to_string()
        ))
        .into()
    })
}
