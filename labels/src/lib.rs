//! rma-labels: QR labels for storage areas, units, tickets and packages.
//!
//! - [`layout`]: the format-neutral label: its code, its text, its size, and where the QR
//!   code and the text go.
//! - [`svg`], [`zpl`], [`tspl`]: one module per output; ZPL (Zebra) and TSPL (TSC,
//!   Gprinter, Xprinter) are printer languages, sent as text.
//!
//! - [`print`]: sending a job to a network printer (raw port 9100) or a CUPS queue.
//!
//! PNG and PDF output come next (see the labels issue).

pub mod layout;
pub mod print;
pub mod svg;
pub mod tspl;
pub mod zpl;

pub use layout::{Label, LabelError, LabelKind, Qr};
pub use print::{PrintError, Printer};

/// The output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Svg,
    Zpl,
    Tspl,
}

/// Renders labels, one after the other, in `format` (`dpi` for the printer languages).
pub fn render(labels: &[Label], format: Format, dpi: u32) -> Result<String, LabelError> {
    let mut out = String::new();
    for label in labels {
        let one = match format {
            Format::Svg => svg::render(label)?,
            Format::Zpl => zpl::render(label, dpi)?,
            Format::Tspl => tspl::render(label, dpi)?,
        };
        out.push_str(&one);
    }
    Ok(out)
}
