//! rma-labels: QR labels for storage areas, units, tickets and packages.
//!
//! - [`layout`]: the format-neutral label: its code, its text, its size, and where the QR
//!   code and the text go.
//! - [`svg`], [`zpl`], [`tspl`]: one module per text output; ZPL (Zebra) and TSPL (TSC,
//!   Gprinter, Xprinter) are printer languages.
//! - [`raster`] draws a label in printer dots with the installed [`font`]s; [`png`] and
//!   [`pdf`] carry that image (PDF: a page per label, or A4 sheets of labels).
//! - [`print`]: sending a job to a network printer (raw port 9100) or a CUPS queue.

pub mod font;
pub mod layout;
pub mod pdf;
pub mod png;
pub mod print;
pub mod raster;
pub mod svg;
pub mod tspl;
pub mod zpl;

pub use font::Fonts;
pub use layout::{Label, LabelError, LabelKind, Qr};
pub use pdf::Sheet;
pub use print::{PrintError, Printer};

/// The errors of this crate a person may read, in `lang`: for a front end's
/// [`rma_shared::i18n::error_chain`].
pub fn localize(
    err: &(dyn std::error::Error + 'static),
    lang: rma_shared::i18n::Lang,
) -> Option<String> {
    use rma_shared::i18n::say;
    say::<LabelError>(err, lang).or_else(|| say::<PrintError>(err, lang))
}

/// The output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Svg,
    Png,
    Pdf,
    Zpl,
    Tspl,
}

impl Format {
    /// The file name extension.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Svg => "svg",
            Self::Png => "png",
            Self::Pdf => "pdf",
            Self::Zpl => "zpl",
            Self::Tspl => "tspl",
        }
    }

    /// Whether one document holds many labels (otherwise: one file a label).
    pub fn holds_many(self) -> bool {
        !matches!(self, Self::Svg | Self::Png)
    }

    /// Whether the output is text a terminal can show.
    pub fn is_text(self) -> bool {
        !matches!(self, Self::Png | Self::Pdf)
    }
}

/// How to render.
#[derive(Debug, Default)]
pub struct Options {
    /// The printer's resolution (dots per inch): PNG, PDF, ZPL and TSPL.
    pub dpi: u32,
    /// PDF only: A4 sheets of labels instead of a page a label.
    pub sheet: Option<Sheet>,
    /// The fonts text is drawn with (PNG, PDF, and ZPL / TSPL unless `printer_text`).
    pub fonts: Fonts,
    /// ZPL and TSPL: send the printer's own QR code and text instead of a drawn label, for a
    /// printer with a font for every character printed.
    pub printer_text: bool,
}

/// Renders `labels`: one document for the formats that hold many labels, one a label for SVG
/// and PNG.
pub fn render(
    labels: &[Label],
    format: Format,
    options: &Options,
) -> Result<Vec<Vec<u8>>, LabelError> {
    let dpi = options.dpi;
    match format {
        Format::Svg => labels
            .iter()
            .map(|l| svg::render(l).map(String::into_bytes))
            .collect(),
        Format::Zpl | Format::Tspl => {
            let mut job = Vec::new();
            for label in labels {
                job.extend(match (format, options.printer_text) {
                    (Format::Zpl, true) => zpl::render(label, dpi)?.into_bytes(),
                    (_, true) => tspl::render(label, dpi)?.into_bytes(),
                    (Format::Zpl, false) => {
                        zpl::graphic(&raster::render(label, dpi, &options.fonts)?).into_bytes()
                    }
                    (_, false) => tspl::graphic(
                        &raster::render(label, dpi, &options.fonts)?,
                        label.width_mm,
                        label.height_mm,
                    ),
                });
            }
            Ok(vec![job])
        }
        Format::Png => labels
            .iter()
            .map(|l| png::encode(&raster::render(l, dpi, &options.fonts)?))
            .collect(),
        Format::Pdf => {
            let bitmaps = labels
                .iter()
                .map(|l| raster::render(l, dpi, &options.fonts))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(vec![match options.sheet {
                Some(sheet) => pdf::sheets(&bitmaps, sheet)?,
                None => pdf::pages(&bitmaps),
            }])
        }
    }
}
