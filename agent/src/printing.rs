//! Labels from what the store holds ([`LabelData`]), made up in the
//! person's language, then written out or printed the way this bench's settings say. The
//! command line and the bench page both come here; [`rma_labels`] draws them.

use rma_labels::{Fonts, Format, Label, LabelKind, Options, Printer, Sheet};
use rma_shared::event::EventKind;
use rma_shared::i18n::{Lang, Localized};
use rma_shared::{AreaCode, LabelCode, Reserved, TicketNumber, TicketView, UnitNumber, tr};
use serde::{Deserialize, Serialize};

use crate::store::Area;

use crate::settings::{LabelFormat, LabelSettings, LabelText};

/// Why labels were not made or printed.
#[derive(Debug, thiserror::Error)]
pub enum PrintingError {
    BadAddress(String),
    SheetNeedsPdf,
    NoPrinter,
    PrinterFormats,
    NeedsFile,
    Write {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Layout(#[from] rma_labels::LabelError),
    #[error(transparent)]
    Print(#[from] rma_labels::PrintError),
}

impl Localized for PrintingError {
    fn message(&self, lang: Lang) -> String {
        match self {
            Self::BadAddress(address) => {
                tr!(lang, "label-bad-address", address = address.as_str())
            }
            Self::SheetNeedsPdf => tr!(lang, "label-sheet-pdf"),
            Self::NoPrinter => tr!(lang, "label-no-printer"),
            Self::PrinterFormats => tr!(lang, "label-printer-formats"),
            Self::NeedsFile => tr!(lang, "label-needs-file"),
            Self::Write { path, source } => {
                let said = tr!(lang, "label-write", file = path.display().to_string());
                match rma_store::files::io_problem(source, lang) {
                    Some(problem) => format!("{said}: {problem}"),
                    None => said,
                }
            }
            Self::Layout(err) => err.message(lang),
            Self::Print(err) => err.message(lang),
        }
    }
}
rma_shared::english_display!(PrintingError);

/// Which labels: the data they are made from is read from the store.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "of", rename_all = "snake_case")]
pub enum Labels {
    /// One storage area's, or every area's.
    Areas { code: Option<AreaCode> },
    /// One unit's.
    Unit { unit: UnitNumber },
    /// Every unit's of a ticket.
    Ticket { ticket: TicketNumber },
    /// The package's (4.2).
    Package { ticket: TicketNumber },
    /// Unit labels printed in advance, with codes reserved now.
    Blank { count: u32 },
}

/// What labels are made from.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "from", rename_all = "snake_case")]
pub enum LabelData {
    Areas { areas: Vec<Area> },
    Ticket { ticket: Box<TicketView> },
    Blank { codes: Vec<Reserved> },
}

/// The labels `wanted` asked for, made from `data` with captions in `lang`.
pub fn make(wanted: &Labels, data: LabelData, lang: Lang) -> Vec<Label> {
    match data {
        LabelData::Areas { areas } => areas
            .into_iter()
            .map(|a| {
                Label::new(
                    LabelKind::Area,
                    LabelCode::Area(a.code),
                    a.name.into_iter().collect(),
                )
            })
            .collect(),
        LabelData::Blank { codes } => {
            let caption = tr!(lang, "label-blank-caption");
            codes
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
        LabelData::Ticket { ticket } => match wanted {
            Labels::Unit { unit } => vec![unit_label(&ticket, unit, lang)],
            Labels::Package { .. } => vec![package_label(&ticket, lang)],
            _ => unit_labels(&ticket, lang),
        },
    }
}

/// The labels of every unit of a ticket.
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

/// The package label (4.2): model, quantity, customer, ship date.
fn package_label(view: &TicketView, lang: Lang) -> Label {
    let reg = &view.registration;
    let date = match view.ship_notice.as_ref().map(|e| &e.kind) {
        Some(EventKind::ShipNoticed { date, .. }) => date.to_string(),
        _ => tr!(lang, "label-date-open"),
    };
    Label::new(
        LabelKind::Package,
        LabelCode::Package(view.number.clone()),
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
    )
}

/// Writes a drawn label (or sheet) to `path`.
pub fn write(path: &std::path::Path, bytes: &[u8]) -> Result<(), PrintingError> {
    std::fs::write(path, bytes).map_err(|source| PrintingError::Write {
        path: path.to_owned(),
        source,
    })
}

/// How labels are drawn at this bench.
#[derive(Debug, Clone, Default)]
pub struct Drawing {
    /// The format (default: the printer's when printing, else SVG).
    pub format: Option<LabelFormat>,
    pub dpi: Option<u32>,
    /// Width and height in millimetres, instead of each kind's own.
    pub size: Option<(u32, u32)>,
    /// PDF only: A4 sheets of label stock, COLUMNSxROWS, with `start` cells used.
    pub sheet: Option<(String, u32)>,
    /// A font file to draw with (`RMA_LABEL_FONT`).
    pub font: Option<std::ffi::OsString>,
}

/// Labels ready to draw: sized, with the server's address in their codes if one is set, in
/// the format and with the options to draw them.
#[derive(Debug)]
pub struct Prepared {
    pub labels: Vec<Label>,
    pub format: Format,
    pub options: Options,
}

/// Prepares `labels` for a file (or, `printing`, for the printer) as `settings` and
/// `drawing` say.
pub fn prepare(
    mut labels: Vec<Label>,
    settings: &LabelSettings,
    drawing: &Drawing,
    printing: bool,
) -> Result<Prepared, PrintingError> {
    if let Some((width_mm, height_mm)) = drawing.size {
        for label in &mut labels {
            label.width_mm = width_mm;
            label.height_mm = height_mm;
        }
    }
    if let Some(address) = &settings.address {
        let address = address.trim();
        if !(address.starts_with("https://") || address.starts_with("http://")) {
            return Err(PrintingError::BadAddress(address.to_owned()));
        }
        for label in &mut labels {
            label.address = Some(address.to_owned());
        }
    }
    let format: Format = match (drawing.format, printing) {
        (Some(format), _) => format,
        (None, true) => settings.format,
        (None, false) => LabelFormat::Svg,
    }
    .into();
    let sheet = match &drawing.sheet {
        Some(_) if format != Format::Pdf => return Err(PrintingError::SheetNeedsPdf),
        Some((grid, start)) => Some(Sheet::parse(grid, *start)?),
        None => None,
    };
    let options = Options {
        dpi: drawing.dpi.unwrap_or(settings.dpi),
        sheet,
        fonts: Fonts::system_with(drawing.font.as_deref()),
        printer_text: settings.text == LabelText::Printer,
    };
    Ok(Prepared {
        labels,
        format,
        options,
    })
}

impl Prepared {
    /// The drawn labels: one document each, or one for a sheet or a PDF of several.
    pub fn draw(&self) -> Result<Vec<Vec<u8>>, PrintingError> {
        Ok(rma_labels::render(
            &self.labels,
            self.format,
            &self.options,
        )?)
    }

    /// Prints on `printer` (`""`: the one in the settings); returns the printer's name.
    pub fn print(
        &self,
        printer: &str,
        settings: &LabelSettings,
        copies: u32,
    ) -> Result<String, PrintingError> {
        let printer = match (printer, &settings.printer) {
            ("", Some(configured)) => configured.clone(),
            ("", None) => return Err(PrintingError::NoPrinter),
            (named, _) => named.to_owned(),
        };
        if self.format == Format::Svg {
            return Err(PrintingError::PrinterFormats);
        }
        let target = Printer::parse(&printer)?;
        let raw = matches!(self.format, Format::Zpl | Format::Tspl);
        for document in self.draw()? {
            target.print(&document, copies, raw)?;
        }
        Ok(printer)
    }

    /// The codes of the labels, to note in their tickets once printed.
    pub fn codes(&self) -> Vec<LabelCode> {
        self.labels.iter().map(|l| l.code.clone()).collect()
    }
}
