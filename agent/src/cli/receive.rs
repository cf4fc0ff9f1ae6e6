use anyhow::Result;
use rma_shared::step::{self, Step};
use rma_shared::tr;

use super::Context;
use crate::printing::{self, Drawing};

/// Receive the units of a ticket (regulation 2.4): check them against the registration,
/// give each unit its number and put them in a storage area; print their labels if asked.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  rma-agent receive WH1-2026-00001 --area SHELF-A1\n  rma-agent receive WH1-2026-00001 --area SHELF-A1 --print-labels   (the printer in settings.toml [labels])\n  rma-agent receive WH1-2026-00001 --print-labels tcp://192.168.1.50:9100\n  rma-agent receive WH1-2026-00001 --area SHELF-A1 --quantity 1 --appearance \"cracked case\" \\\n    --discrepancy \"only 1 of 2 units in the box\""
)]
pub struct Args {
    #[command(flatten)]
    step: step::Receive,
    /// Print the units' labels once they are numbered: on this printer (a CUPS queue or
    /// tcp://HOST:9100), or alone on the printer in settings.toml [labels].
    #[arg(
        long,
        value_name = "PRINTER",
        num_args = 0..=1,
        default_missing_value = "",
        conflicts_with = "labels"
    )]
    print_labels: Option<String>,
}

pub fn run(ctx: &Context, args: Args) -> Result<()> {
    let ticket = args.step.ticket.clone();
    let outcome = ctx.ask(Step::Receive(args.step))?;
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
            ticket = ticket.to_string()
        ))
        .into()
    })
}
