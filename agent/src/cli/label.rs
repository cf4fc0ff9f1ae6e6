use std::path::PathBuf;

use anyhow::{Context as _, Result, bail};
use rma_labels::{Format, Label, LabelKind, Printer};
use rma_shared::event::EventKind;
use rma_shared::{AreaCode, LabelCode, TicketNumber, TicketView, UnitNumber};

use super::Context;

/// Make QR labels for storage areas, units, tickets (all their units) and packages, as SVG or
/// as ZPL / TSPL for label printers. Write them to a file or the screen, or print them.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  rma-agent label area SHELF-A1 -o shelf-a1.svg\n  rma-agent label area --all --format zpl -o areas.zpl\n  rma-agent label ticket WH1-2026-00042 --format tspl --dpi 300 -o units.tspl\n  rma-agent label package WH1-2026-00042 -o package.svg"
)]
pub struct Args {
    #[command(subcommand)]
    what: What,
    /// The output format.
    #[arg(long, value_enum, default_value = "svg", global = true)]
    format: FormatArg,
    /// The printer's resolution in dots per inch (ZPL and TSPL): 203 or 300 for most.
    #[arg(long, default_value_t = 203, value_parser = clap::value_parser!(u32).range(100..=1200), global = true)]
    dpi: u32,
    /// Write to this file (several SVG labels: FILE-1.svg, FILE-2.svg, ...).
    #[arg(short, long, global = true, conflicts_with = "print")]
    output: Option<PathBuf>,
    /// Print: a CUPS queue name, or tcp://HOST:9100 for a network printer (ZPL or TSPL).
    #[arg(long, global = true, value_parser = parse_printer)]
    print: Option<Printer>,
    /// Copies of each label when printing.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=100), global = true)]
    copies: u32,
}

fn parse_printer(text: &str) -> Result<Printer, String> {
    Printer::parse(text).map_err(|e| e.to_string())
}

#[derive(Debug, clap::Subcommand)]
enum What {
    /// A storage area's label (100 x 50 mm), or every area's with --all.
    Area {
        #[arg(required_unless_present = "all")]
        code: Option<AreaCode>,
        #[arg(long)]
        all: bool,
    },
    /// One unit's label (50 x 25 mm).
    Unit { unit: UnitNumber },
    /// The labels of every unit of a ticket.
    Ticket { ticket: TicketNumber },
    /// The package label (100 x 70 mm): model, quantity, customer, ship date (4.2).
    Package { ticket: TicketNumber },
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum FormatArg {
    Svg,
    Zpl,
    Tspl,
}

pub fn run(ctx: &Context, args: Args) -> Result<()> {
    let labels = labels(ctx, args.what)?;
    let format = match args.format {
        FormatArg::Svg => Format::Svg,
        FormatArg::Zpl => Format::Zpl,
        FormatArg::Tspl => Format::Tspl,
    };
    if let Some(printer) = &args.print {
        if format == Format::Svg {
            bail!("printers take ZPL or TSPL: add --format zpl or --format tspl");
        }
        let job = rma_labels::render(&labels, format, args.dpi)?;
        printer.print(job.as_bytes(), args.copies)?;
        if ctx.json {
            return ctx.json(&serde_json::json!({ "labels": labels.len(), "printed": true }));
        }
        say!(
            ctx,
            "Sent {} label(s) to the printer ({} cop(ies) each).",
            labels.len(),
            args.copies
        );
        return Ok(());
    }
    let output = args.output.as_deref().map(|p| ctx.path(p));
    let written = match (&output, format, labels.len()) {
        (Some(path), Format::Svg, n) if n > 1 => {
            let stem = path.with_extension("");
            let mut files = Vec::new();
            for (i, label) in labels.iter().enumerate() {
                let file = PathBuf::from(format!("{}-{}.svg", stem.display(), i + 1));
                write(
                    &file,
                    &rma_labels::render(std::slice::from_ref(label), format, args.dpi)?,
                )?;
                files.push(file);
            }
            files
        }
        (Some(path), _, _) => {
            write(path, &rma_labels::render(&labels, format, args.dpi)?)?;
            vec![path.clone()]
        }
        (None, _, _) => {
            ctx.write(&rma_labels::render(&labels, format, args.dpi)?);
            return Ok(());
        }
    };
    if ctx.json {
        return ctx.json(&serde_json::json!({ "labels": labels.len(), "files": written }));
    }
    for file in written {
        say!(ctx, "Wrote {}.", file.display());
    }
    Ok(())
}

fn write(path: &PathBuf, text: &str) -> Result<()> {
    std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
}

fn labels(ctx: &Context, what: What) -> Result<Vec<Label>> {
    let store = ctx.store()?;
    let view = |ticket: &TicketNumber| -> Result<TicketView> {
        let doc = store.load(ticket)?;
        Ok(TicketView::build(
            &doc,
            &ctx.settings()?.deadlines,
            ctx.now,
        )?)
    };
    Ok(match what {
        What::Area { code, all } => {
            let areas = store.areas()?;
            let chosen: Vec<_> = match (code, all) {
                (_, true) => areas,
                (Some(code), false) => {
                    store.require_area(&code)?;
                    areas.into_iter().filter(|a| a.code == code).collect()
                }
                (None, false) => bail!("name an area, or give --all"),
            };
            if chosen.is_empty() {
                bail!("there are no storage areas yet: add one with `rma-agent area add CODE`");
            }
            chosen
                .into_iter()
                .map(|a| {
                    Label::new(
                        LabelKind::Area,
                        LabelCode::Area(a.code),
                        a.name.into_iter().collect(),
                    )
                })
                .collect()
        }
        What::Unit { unit } => {
            let view = view(unit.ticket())?;
            if !view.units.iter().any(|u| u.status.number == unit) {
                bail!(
                    "unit {unit} has not been received (see `rma-agent show {}`)",
                    unit.ticket()
                );
            }
            vec![unit_label(&view, &unit)]
        }
        What::Ticket { ticket } => {
            let view = view(&ticket)?;
            if view.units.is_empty() {
                bail!(
                    "ticket {ticket} has no units yet: receive them first with `rma-agent receive`"
                );
            }
            view.units
                .iter()
                .map(|u| unit_label(&view, &u.status.number))
                .collect()
        }
        What::Package { ticket } => {
            let view = view(&ticket)?;
            let reg = &view.registration;
            let date = match view.ship_notice.as_ref().map(|e| &e.kind) {
                Some(EventKind::ShipNoticed { date, .. }) => date.to_string(),
                _ => "not agreed yet".into(),
            };
            vec![Label::new(
                LabelKind::Package,
                LabelCode::Package(ticket),
                vec![
                    format!(
                        "Model {} x{}",
                        reg.model,
                        view.units.len().max(reg.quantity as usize)
                    ),
                    format!("Customer: {}", reg.customer),
                    format!("Ship date: {date}"),
                ],
            )]
        }
    })
}

fn unit_label(view: &TicketView, unit: &UnitNumber) -> Label {
    let reg = &view.registration;
    Label::new(
        LabelKind::Unit,
        LabelCode::Unit(unit.clone()),
        vec![
            reg.customer.clone(),
            format!("{} - unit {} of {}", reg.model, unit.k(), view.units.len()),
        ],
    )
}
