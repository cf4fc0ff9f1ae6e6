use std::path::PathBuf;

use anyhow::Result;
use rma_shared::step::InputError;
use rma_shared::tr;
use rma_shared::{AreaCode, TicketNumber, UnitNumber};

use super::Context;
use crate::local::Printed;
use crate::printing::{self, Drawing, Labels, PrintingError};
use crate::settings::LabelFormat;

/// Make QR labels for storage areas, units, tickets (all their units) and packages: as SVG,
/// PNG or PDF files, or as ZPL / TSPL for label printers. Write them to a file or print them.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  rma-agent label area SHELF-A1 -o shelf-a1.svg
  rma-agent label area --all --format zpl -o areas.zpl
  rma-agent label ticket WH1-2026-00042 --format png --dpi 300 -o unit.png
  rma-agent label ticket WH1-2026-00042 --format pdf --sheet 3x8 --start 5 -o sheet.pdf
  rma-agent label package WH1-2026-00042 --format pdf -o package.pdf
  rma-agent label ticket WH1-2026-00042 --print tcp://192.168.1.50:9100 --format zpl
  rma-agent label unit WH1-2026-00042-1 --print        (the printer in settings.toml [labels])")]
pub struct Args {
    #[command(subcommand)]
    what: What,
    #[command(flatten)]
    output: Output,
}

/// How and where labels go: shared by `label` and `receive --print-labels`.
#[derive(Debug, Clone, clap::Args)]
pub struct Output {
    /// svg, png or pdf files; zpl (Zebra) or tspl (TSC, Gprinter, Xprinter) for label
    /// printers. Default: svg, or the configured printer's format when printing.
    #[arg(long, value_enum, global = true)]
    format: Option<LabelFormat>,
    /// The printer's resolution in dots per inch, for PNG, PDF, ZPL and TSPL (default 203, or
    /// settings.toml [labels] dpi).
    #[arg(long, value_parser = clap::value_parser!(u32).range(100..=1200), global = true)]
    dpi: Option<u32>,
    /// The label size in millimetres, WIDTHxHEIGHT (default: 50x25 for units and tickets,
    /// 100x50 for areas, 100x70 for packages).
    #[arg(long, value_parser = parse_size, global = true)]
    size: Option<(u32, u32)>,
    /// PDF only: A4 sheets of label stock cut in COLUMNSxROWS cells, e.g. 3x8.
    #[arg(long, value_name = "COLUMNSxROWS", global = true)]
    sheet: Option<String>,
    /// With --sheet: how many cells of the first sheet are already used.
    #[arg(long, default_value_t = 0, requires = "sheet", global = true)]
    start: u32,
    /// Write to this file (several SVG or PNG labels: FILE-1.svg, FILE-2.svg, ...).
    #[arg(short, long, global = true, conflicts_with = "print")]
    output: Option<PathBuf>,
    /// Print: a CUPS queue name, or tcp://HOST:9100 for a network printer (ZPL or TSPL).
    /// Alone, the printer in settings.toml [labels].
    #[arg(long, value_name = "PRINTER", num_args = 0..=1, default_missing_value = "", global = true)]
    print: Option<String>,
    /// Copies of each label when printing.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=100), global = true)]
    copies: u32,
}

impl Output {
    fn drawing(&self) -> Drawing {
        Drawing {
            format: self.format,
            dpi: self.dpi,
            size: self.size,
            sheet: self.sheet.clone().map(|grid| (grid, self.start)),
            font: std::env::var_os("RMA_LABEL_FONT"),
        }
    }
}

/// A label size, WIDTHxHEIGHT in millimetres, 10 to 300 each.
fn parse_size(text: &str) -> Result<(u32, u32), InputError> {
    let bad = || InputError::NotASize(text.to_owned());
    let (w, h) = text.trim().split_once(['x', 'X']).ok_or_else(bad)?;
    let w: u32 = w.trim().parse().map_err(|_| bad())?;
    let h: u32 = h.trim().parse().map_err(|_| bad())?;
    if !(10..=300).contains(&w) || !(10..=300).contains(&h) {
        return Err(bad());
    }
    Ok((w, h))
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
    /// Unit labels printed in advance, with codes this site reserves now: scan one onto each
    /// unit at receiving (`rma-agent receive TICKET --label CODE ...`).
    Blank {
        /// How many.
        #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=1000))]
        count: u32,
    },
}

impl From<What> for Labels {
    fn from(what: What) -> Self {
        match what {
            // `--all` or a code: clap requires one.
            What::Area { code, all } => Labels::Areas {
                code: code.filter(|_| !all),
            },
            What::Unit { unit } => Labels::Unit { unit },
            What::Ticket { ticket } => Labels::Ticket { ticket },
            What::Package { ticket } => Labels::Package { ticket },
            What::Blank { count } => Labels::Blank { count },
        }
    }
}

pub fn run(ctx: &Context, args: Args) -> Result<()> {
    let wanted = Labels::from(args.what);
    let data = ctx.ask(wanted.clone())?;
    let labels = printing::make(&wanted, data, ctx.lang);
    deliver(ctx, labels, &args.output)
}

/// Writes or prints `labels` as `output` says, and tells the person what happened.
pub fn deliver(ctx: &Context, labels: Vec<rma_labels::Label>, output: &Output) -> Result<()> {
    let settings = ctx.settings()?.labels;
    let printing = output.print.is_some();
    let prepared = printing::prepare(labels, &settings, &output.drawing(), printing)?;
    if let Some(printer) = &output.print {
        return print(ctx, &prepared, &settings, printer, output.copies);
    }
    let documents = prepared.draw()?;
    let format = prepared.format;
    let Some(path) = output.output.as_deref().map(|p| ctx.path(p)) else {
        // A drawn TSPL label is a binary bitmap: a file or a printer, not a terminal.
        if !format.is_text()
            || (format == rma_labels::Format::Tspl && !prepared.options.printer_text)
        {
            return Err(PrintingError::NeedsFile.into());
        }
        for document in documents {
            ctx.write(&String::from_utf8_lossy(&document));
        }
        return Ok(());
    };
    let files = if documents.len() == 1 {
        vec![path]
    } else {
        let stem = path.with_extension("");
        (1..=documents.len())
            .map(|i| PathBuf::from(format!("{}-{i}.{}", stem.display(), format.extension())))
            .collect()
    };
    for (file, document) in files.iter().zip(&documents) {
        printing::write(file, document)?;
    }
    if ctx.json {
        return ctx.json(&serde_json::json!({ "labels": prepared.labels.len(), "files": files }));
    }
    for file in files {
        let line = tr!(ctx.lang, "label-wrote", file = file.display().to_string());
        say!(ctx, "{line}");
    }
    Ok(())
}

/// Prints, then notes in each ticket which of its labels were printed: nothing is noted when
/// the printer did not take the job.
fn print(
    ctx: &Context,
    prepared: &printing::Prepared,
    settings: &crate::settings::LabelSettings,
    printer: &str,
    copies: u32,
) -> Result<()> {
    let printer = prepared.print(printer, settings, copies)?;
    let missed = ctx.ask(Printed {
        codes: prepared.codes(),
        copies,
        printer: printer.clone(),
    })?;
    if ctx.json {
        let not_noted: Vec<String> = missed.iter().map(|(_, why)| why.clone()).collect();
        return ctx.json(&serde_json::json!({
            "labels": prepared.labels.len(),
            "printed": true,
            "printer": printer,
            "not_noted": not_noted,
        }));
    }
    let line = tr!(
        ctx.lang,
        "label-sent",
        count = prepared.labels.len(),
        printer = printer.as_str(),
        copies = copies
    );
    say!(ctx, "{line}");
    for (ticket, why) in missed {
        let line = tr!(
            ctx.lang,
            "label-not-noted",
            ticket = ticket.to_string(),
            why = why
        );
        say!(ctx, "{line}");
    }
    Ok(())
}
