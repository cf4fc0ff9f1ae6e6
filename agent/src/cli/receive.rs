use anyhow::{Result, anyhow};
use rma_shared::event::{EventKind, Receiving};
use rma_shared::{AreaCode, Reserved, TicketNumber};

use super::{Context, parse_text};

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
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    quantity: Option<u32>,
    /// The model found on the units (default: the registered model).
    #[arg(long, value_parser = parse_text)]
    model: Option<String>,
    /// What the units look like (default: "not noted").
    #[arg(long, value_parser = parse_text)]
    appearance: Option<String>,
    /// What does not match the registration form.
    #[arg(long, value_parser = parse_text)]
    discrepancy: Option<String>,
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
fn parse_reserved(text: &str) -> Result<Reserved, String> {
    let lang = rma_shared::i18n::current();
    match rma_shared::LabelCode::parse(text) {
        Ok(rma_shared::LabelCode::Reserved(code)) => Ok(code),
        Ok(other) => Err(rma_shared::tr!(
            lang,
            "receive-not-pre-printed",
            code = other.to_string()
        )),
        Err(err) => Err(err.message(lang)),
    }
}

pub fn run(ctx: &Context, args: Args) -> Result<()> {
    let registration = ctx.store()?.load(&args.ticket)?.registration()?;
    let quantity = args.quantity.unwrap_or(registration.quantity);
    let model = args.model.unwrap_or_else(|| registration.model.clone());
    let mut noticed = Vec::new();
    if quantity != registration.quantity {
        noticed.push(rma_shared::tr!(
            ctx.lang,
            "receive-quantity-differs",
            arrived = quantity,
            registered = registration.quantity
        ));
    }
    if !model.eq_ignore_ascii_case(&registration.model) {
        noticed.push(rma_shared::tr!(
            ctx.lang,
            "receive-model-differs",
            model = model.as_str(),
            registered = registration.model.as_str()
        ));
    }
    let discrepancy = match (args.discrepancy, noticed.is_empty()) {
        (Some(text), _) => Some(text),
        (None, false) => Some(noticed.join("; ")),
        (None, true) => None,
    };
    let units: Vec<_> = (1..=quantity).map(|k| args.ticket.unit(k)).collect();
    let first = units[0].clone();
    let last = units[units.len() - 1].clone();
    let place = match &args.area {
        Some(area) => rma_shared::tr!(ctx.lang, "receive-stored", area = area.to_string()),
        None => rma_shared::tr!(ctx.lang, "receive-not-stored"),
    };
    let kind = EventKind::Received(Receiving {
        model,
        quantity,
        appearance: args
            .appearance
            .unwrap_or_else(|| rma_shared::tr!(ctx.lang, "receive-appearance-not-noted")),
        discrepancy: discrepancy.clone(),
        units,
        area: args.area,
        labels: args.labels,
    });
    let mut done = rma_shared::tr!(
        ctx.lang,
        "done-received",
        count = quantity,
        first = first.to_string(),
        last = last.to_string(),
        place = place
    );
    if let Some(text) = discrepancy {
        done.push('\n');
        done.push_str(&rma_shared::tr!(
            ctx.lang,
            "receive-discrepancy",
            text = text
        ));
    }
    ctx.record(&args.ticket, kind, &done)?;
    let Some(printer) = args.print_labels else {
        return Ok(());
    };
    let doc = ctx.store()?.load(&args.ticket)?;
    let view = rma_shared::TicketView::build(&doc, &ctx.settings()?.deadlines, ctx.now)?;
    let labels = super::label::unit_labels(&view, ctx.lang);
    super::label::deliver(ctx, labels, &super::label::Output::printer(printer)).map_err(|err| {
        anyhow!(
            "the units are received, but their labels were not printed: {err:#}\nPrint them later with `rma-agent label ticket {} --print`",
            args.ticket
        )
    })
}
