use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};
use rma_labels::{Fonts, Format, Label, LabelKind, Options, Printer, Sheet};
use rma_shared::event::EventKind;
use rma_shared::i18n::Lang;
use rma_shared::tr;
use rma_shared::{AreaCode, LabelCode, TicketNumber, TicketView, UnitNumber};

use super::Context;
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
    /// Printing on `printer` ("" for the configured one), with the configured format.
    pub fn printer(printer: String) -> Self {
        Self {
            format: None,
            dpi: None,
            size: None,
            sheet: None,
            start: 0,
            output: None,
            print: Some(printer),
            copies: 1,
        }
    }
}

fn parse_size(text: &str) -> Result<(u32, u32), String> {
    let bad = || rma_shared::tr!(rma_shared::i18n::current(), "arg-not-a-size", text = text);
    let (w, h) = text.trim().split_once(['x', 'X']).ok_or_else(bad)?;
    let w: u32 = w.trim().parse().map_err(|_| bad())?;
    let h: u32 = h.trim().parse().map_err(|_| bad())?;
    if !(10..=300).contains(&w) || !(10..=300).contains(&h) {
        return Err(format!("{text:?}: a label is 10 to 300 mm wide and high"));
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

pub fn run(ctx: &Context, args: Args) -> Result<()> {
    let labels = labels(ctx, args.what)?;
    deliver(ctx, labels, &args.output)
}

/// Writes or prints `labels` as `output` says, and tells the person what happened.
pub fn deliver(ctx: &Context, mut labels: Vec<Label>, output: &Output) -> Result<()> {
    let settings = ctx.settings()?.labels;
    if let Some((width_mm, height_mm)) = output.size {
        for label in &mut labels {
            label.width_mm = width_mm;
            label.height_mm = height_mm;
        }
    }
    if let Some(address) = &settings.address {
        let address = address.trim();
        if !(address.starts_with("https://") || address.starts_with("http://")) {
            bail!(
                "{}",
                rma_shared::tr!(ctx.lang, "label-bad-address", address = address.to_string())
            );
        }
        for label in &mut labels {
            label.address = Some(address.to_owned());
        }
    }
    let printing = output.print.is_some();
    let format: Format = match (output.format, printing) {
        (Some(format), _) => format,
        (None, true) => settings.format,
        (None, false) => LabelFormat::Svg,
    }
    .into();
    let sheet = match &output.sheet {
        Some(_) if format != Format::Pdf => {
            bail!("{}", rma_shared::tr!(ctx.lang, "label-sheet-pdf"))
        }
        Some(grid) => Some(Sheet::parse(grid, output.start)?),
        None => None,
    };
    let options = Options {
        dpi: output.dpi.unwrap_or(settings.dpi),
        sheet,
        fonts: Fonts::system_with(
            ctx.var("RMA_LABEL_FONT")
                .as_deref()
                .map(std::ffi::OsStr::new),
        ),
        printer_text: settings.text == crate::settings::LabelText::Printer,
    };
    if let Some(printer) = &output.print {
        let printer = match (printer.as_str(), &settings.printer) {
            ("", Some(configured)) => configured.as_str(),
            ("", None) => bail!("{}", rma_shared::tr!(ctx.lang, "label-no-printer")),
            (named, _) => named,
        };
        return print(ctx, &labels, format, &options, printer, output.copies);
    }
    let documents = rma_labels::render(&labels, format, &options)?;
    let Some(path) = output.output.as_deref().map(|p| ctx.path(p)) else {
        // A drawn TSPL label is a binary bitmap: a file or a printer, not a terminal.
        if !format.is_text() || (format == Format::Tspl && !options.printer_text) {
            bail!("{}", rma_shared::tr!(ctx.lang, "label-needs-file"));
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
        write(file, document)?;
    }
    if ctx.json {
        return ctx.json(&serde_json::json!({ "labels": labels.len(), "files": files }));
    }
    for file in files {
        let line = rma_shared::tr!(ctx.lang, "label-wrote", file = file.display().to_string());
        say!(ctx, "{line}");
    }
    Ok(())
}

/// Prints, then notes in each ticket which of its labels were printed: nothing is noted when
/// the printer did not take the job.
fn print(
    ctx: &Context,
    labels: &[Label],
    format: Format,
    options: &Options,
    printer: &str,
    copies: u32,
) -> Result<()> {
    if format == Format::Svg {
        bail!("{}", rma_shared::tr!(ctx.lang, "label-printer-formats"));
    }
    let target = Printer::parse(printer)
        .with_context(|| "check --print, or printer under [labels] in settings.toml".to_owned())?;
    let documents = rma_labels::render(labels, format, options)?;
    let raw = matches!(format, Format::Zpl | Format::Tspl);
    for document in &documents {
        target.print(document, copies, raw)?;
    }
    let mut by_ticket: BTreeMap<TicketNumber, Vec<LabelCode>> = BTreeMap::new();
    for label in labels {
        if let Some(ticket) = label.code.ticket() {
            by_ticket
                .entry(ticket.clone())
                .or_default()
                .push(label.code.clone());
        }
    }
    let mut notes = Vec::new();
    for (ticket, codes) in by_ticket {
        let kind = EventKind::LabelsPrinted {
            codes,
            copies,
            printer: printer.to_owned(),
        };
        if let Err(err) = ctx.store()?.record(&ticket, kind, &ctx.user(), ctx.now) {
            notes.push(format!("Not noted in ticket {ticket}: {err}"));
        }
    }
    if ctx.json {
        return ctx.json(&serde_json::json!({
            "labels": labels.len(),
            "printed": true,
            "printer": printer,
            "not_noted": notes,
        }));
    }
    let line = rma_shared::tr!(
        ctx.lang,
        "label-sent",
        count = labels.len(),
        printer = printer.to_string(),
        copies = copies
    );
    say!(ctx, "{line}");
    for note in notes {
        say!(ctx, "{note}");
    }
    Ok(())
}

fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    std::fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))
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
                (None, false) => bail!("{}", rma_shared::tr!(ctx.lang, "label-name-area")),
            };
            if chosen.is_empty() {
                bail!("{}", rma_shared::tr!(ctx.lang, "out-no-areas"));
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
                    "{}",
                    rma_shared::Refusal::UnknownUnit { unit: unit.clone() }.message(ctx.lang)
                );
            }
            vec![unit_label(&view, &unit, ctx.lang)]
        }
        What::Ticket { ticket } => {
            let view = view(&ticket)?;
            if view.units.is_empty() {
                bail!(
                    "{}",
                    rma_shared::tr!(ctx.lang, "no-units-yet", ticket = ticket.to_string())
                );
            }
            unit_labels(&view, ctx.lang)
        }
        What::Blank { count } => {
            let caption = tr!(ctx.lang, "label-blank-caption");
            store
                .reserve_labels(count)?
                .into_iter()
                .map(|code| {
                    Label::new(
                        LabelKind::Unit,
                        LabelCode::Reserved(code),
                        vec![caption.clone()],
                    )
                })
                .collect()
        }
        What::Package { ticket } => {
            let view = view(&ticket)?;
            let reg = &view.registration;
            let lang = ctx.lang;
            let date = match view.ship_notice.as_ref().map(|e| &e.kind) {
                Some(EventKind::ShipNoticed { date, .. }) => date.to_string(),
                _ => tr!(lang, "label-date-open"),
            };
            vec![Label::new(
                LabelKind::Package,
                LabelCode::Package(ticket),
                vec![
                    tr!(
                        lang,
                        "label-package-model",
                        model = reg.model.as_str(),
                        quantity = view.units.len().max(reg.quantity as usize)
                    ),
                    tr!(
                        lang,
                        "label-package-customer",
                        customer = reg.customer.as_str()
                    ),
                    tr!(lang, "label-package-date", date = date),
                ],
            )]
        }
    })
}

/// The labels of every unit of a ticket, captioned in `lang`.
pub fn unit_labels(view: &TicketView, lang: Lang) -> Vec<Label> {
    view.units
        .iter()
        .map(|u| unit_label(view, &u.status.number, lang))
        .collect()
}

fn unit_label(view: &TicketView, unit: &UnitNumber, lang: Lang) -> Label {
    let reg = &view.registration;
    Label::new(
        LabelKind::Unit,
        LabelCode::Unit(unit.clone()),
        vec![
            reg.customer.clone(),
            tr!(
                lang,
                "label-unit-line",
                model = reg.model.as_str(),
                k = unit.k(),
                of = view.units.len()
            ),
        ],
    )
}
