//! The format-neutral label. Every output places the same things in the same places: the QR
//! code on the left with a 4-module quiet zone, the human-readable code and the text lines to
//! its right.

use qrcode::{Color, EcLevel, QrCode};
use rma_shared::LabelCode;
use rma_shared::i18n::{Lang, Localized};
use rma_shared::tr;
use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum LabelError {
    TooLong(String),
    TooSmall {
        width_mm: u32,
        height_mm: u32,
        dpi: u32,
    },
    NoFont {
        text: String,
    },
    Font {
        path: String,
        message: String,
    },
    BadSheet(String),
    BadStart {
        start: u32,
        cells: u32,
    },
    CellTooSmall {
        label: String,
        cell: String,
        grid: String,
    },
    Encode(String),
}

impl Localized for LabelError {
    fn message(&self, lang: Lang) -> String {
        match self {
            Self::TooLong(code) => tr!(lang, "labels-too-long", code = code.as_str()),
            Self::TooSmall {
                width_mm,
                height_mm,
                dpi,
            } => tr!(
                lang,
                "labels-too-small",
                width = *width_mm,
                height = *height_mm,
                dpi = *dpi
            ),
            Self::NoFont { text } => tr!(lang, "labels-no-font", text = text.as_str()),
            Self::Font { path, message } => tr!(
                lang,
                "labels-bad-font",
                path = path.as_str(),
                message = message.as_str()
            ),
            Self::BadSheet(text) => tr!(lang, "labels-bad-sheet", text = text.as_str()),
            Self::BadStart { start, cells } => tr!(
                lang,
                "labels-bad-start",
                cells = *cells,
                number = *start + 1,
                last = *cells - 1
            ),
            Self::CellTooSmall { label, cell, grid } => tr!(
                lang,
                "labels-cell-too-small",
                label = label.as_str(),
                cell = cell.as_str(),
                grid = grid.as_str()
            ),
            Self::Encode(reason) => tr!(lang, "labels-encode", reason = reason.as_str()),
        }
    }
}
rma_shared::english_display!(LabelError);

/// The kinds of label, with their default sizes (mm) and error correction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LabelKind {
    /// 50 x 25 mm, error correction M.
    Unit,
    /// 100 x 50 mm, error correction Q: a bigger code that survives scuffed shelves.
    Area,
    /// 50 x 25 mm, like a unit label.
    Ticket,
    /// 100 x 70 mm: model, quantity, customer and ship date (regulation 4.2).
    Package,
}

impl LabelKind {
    pub fn size_mm(self) -> (u32, u32) {
        match self {
            Self::Unit | Self::Ticket => (50, 25),
            Self::Area => (100, 50),
            Self::Package => (100, 70),
        }
    }

    /// The other lines' size against the code's: an area label's name is a caption under
    /// a code read from afar.
    pub fn line_scale(self) -> f32 {
        match self {
            Self::Area => 0.45,
            _ => 0.8,
        }
    }

    fn ec(self) -> EcLevel {
        match self {
            Self::Area => EcLevel::Q,
            _ => EcLevel::M,
        }
    }
}

/// One label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    pub kind: LabelKind,
    pub code: LabelCode,
    /// Text printed under the human-readable code.
    pub lines: Vec<String>,
    pub width_mm: u32,
    pub height_mm: u32,
    /// The server's address: when set, the QR code holds `ADDRESS/c/CODE`, so a phone camera
    /// opens the ticket's page (the reader takes either form). The printed text stays the code.
    pub address: Option<String>,
}

impl Label {
    /// A label of the kind's default size.
    pub fn new(kind: LabelKind, code: LabelCode, lines: Vec<String>) -> Self {
        let (width_mm, height_mm) = kind.size_mm();
        Self {
            kind,
            code,
            lines,
            width_mm,
            height_mm,
            address: None,
        }
    }

    /// What the QR code holds: the code, or its address on the server.
    pub fn payload(&self) -> String {
        match &self.address {
            Some(base) => self.code.url(base),
            None => self.code.to_string(),
        }
    }

    /// The QR code of the label's code.
    pub fn qr(&self) -> Result<Qr, LabelError> {
        Qr::encode(&self.payload(), self.kind.ec())
    }

    /// The margin around the label's content, in mm.
    pub const MARGIN_MM: f64 = 2.0;

    /// The side of the square (quiet zone included) the QR code takes, in mm.
    pub fn qr_side_mm(&self) -> f64 {
        f64::from(self.height_mm.min(self.width_mm)) - 2.0 * Self::MARGIN_MM
    }

    /// The height of the human-readable code, in mm; the other lines are 4/5 of it. A package
    /// label's text is read from across the room, so it is bigger.
    pub fn text_mm(&self) -> f64 {
        match self.kind {
            // The code of a shelf is read from across the aisle.
            LabelKind::Area => f64::from(self.height_mm) / 4.0,
            LabelKind::Package => (f64::from(self.height_mm) / 8.0).min(8.0),
            _ => (f64::from(self.height_mm) / 8.0).min(5.0),
        }
    }

    /// Where the text starts, from the left edge, in mm.
    pub fn text_x_mm(&self) -> f64 {
        Self::MARGIN_MM + self.qr_side_mm() + Self::MARGIN_MM
    }

    /// The QR module size in printer dots: a whole number, with the quiet zone, within the
    /// QR square. Printer languages cap it at 10 dots.
    pub fn module_dots(&self, qr: &Qr, dpi: u32) -> Result<u32, LabelError> {
        let side_dots = (self.qr_side_mm() * f64::from(dpi) / 25.4).floor() as u32;
        let modules = qr.width as u32 + 2 * Qr::QUIET_ZONE;
        let dots = (side_dots / modules).min(10);
        if dots == 0 {
            return Err(LabelError::TooSmall {
                width_mm: self.width_mm,
                height_mm: self.height_mm,
                dpi,
            });
        }
        Ok(dots)
    }
}

/// Where things go on a label for a printer that counts in dots.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DotLayout {
    /// The QR module size.
    pub module: u32,
    /// The margin around the content.
    pub margin: u32,
    /// The top-left corner of the QR symbol (after margin and quiet zone).
    pub qr_origin: u32,
    /// Where the text starts.
    pub text_x: u32,
    /// The QR error correction level as the printer languages write it.
    pub ec: char,
}

impl Label {
    /// The label in printer dots at `dpi`.
    pub fn dots(&self, qr: &Qr, dpi: u32) -> Result<DotLayout, LabelError> {
        let module = self.module_dots(qr, dpi)?;
        let margin = mm_to_dots(Self::MARGIN_MM, dpi);
        Ok(DotLayout {
            module,
            margin,
            qr_origin: margin + module * Qr::QUIET_ZONE,
            // Right after the symbol's quiet zone, so a module size capped below the room
            // leaves no gap.
            text_x: margin + module * (qr.width as u32 + 2 * Qr::QUIET_ZONE) + margin / 2,
            ec: match self.kind.ec() {
                EcLevel::Q => 'Q',
                EcLevel::H => 'H',
                EcLevel::L => 'L',
                EcLevel::M => 'M',
            },
        })
    }
}

/// Millimetres to printer dots, rounded.
pub fn mm_to_dots(mm: f64, dpi: u32) -> u32 {
    (mm * f64::from(dpi) / 25.4).round() as u32
}

/// A QR symbol as a square of dark and light modules, without its quiet zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Qr {
    pub width: usize,
    dark: Vec<bool>,
    /// The QR version (1-40): a unit code fits version 1 or 2.
    pub version: i16,
}

impl Qr {
    /// Modules of light margin every reader expects around the symbol.
    pub const QUIET_ZONE: u32 = 4;

    pub fn encode(data: &str, ec: EcLevel) -> Result<Self, LabelError> {
        let code = QrCode::with_error_correction_level(data.as_bytes(), ec)
            .map_err(|_| LabelError::TooLong(data.to_owned()))?;
        let version = match code.version() {
            qrcode::Version::Normal(v) | qrcode::Version::Micro(v) => v,
        };
        Ok(Self {
            width: code.width(),
            dark: code
                .to_colors()
                .into_iter()
                .map(|c| c == Color::Dark)
                .collect(),
            version,
        })
    }

    pub fn is_dark(&self, x: usize, y: usize) -> bool {
        self.dark[y * self.width + x]
    }
}

/// Text safe to print in a field of a printer language: one line, no control characters.
pub fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use rma_shared::{TicketNumber, UnitNumber};

    use super::*;

    #[test]
    fn a_unit_code_fits_a_small_qr_code() {
        for number in ["WH1-2026-00042-3", "SZBENCH123-2026-99999-10"] {
            let code = LabelCode::Unit(UnitNumber::parse(number).unwrap());
            let qr = Label::new(LabelKind::Unit, code, vec![]).qr().unwrap();
            assert!(qr.version <= 2, "{number}: version {}", qr.version);
        }
    }

    /// Draws the symbol with its quiet zone, `scale` pixels a module, and decodes it with an
    /// independent decoder.
    fn decode(qr: &Qr, scale: usize) -> String {
        let quiet = Qr::QUIET_ZONE as usize;
        let side = (qr.width + 2 * quiet) * scale;
        let mut image = rqrr::PreparedImage::prepare_from_greyscale(side, side, |x, y| {
            let (mx, my) = (x / scale, y / scale);
            let inside =
                (quiet..quiet + qr.width).contains(&mx) && (quiet..quiet + qr.width).contains(&my);
            if inside && qr.is_dark(mx - quiet, my - quiet) {
                0
            } else {
                255
            }
        });
        let grids = image.detect_grids();
        assert_eq!(grids.len(), 1);
        grids[0].decode().unwrap().1
    }

    #[test]
    fn every_kind_of_label_decodes_to_its_code() {
        let ticket = TicketNumber::parse("WH1-2026-00042").unwrap();
        let codes = [
            (LabelKind::Unit, LabelCode::Unit(ticket.unit(3))),
            (LabelKind::Ticket, LabelCode::Ticket(ticket.clone())),
            (LabelKind::Package, LabelCode::Package(ticket)),
            (
                LabelKind::Area,
                LabelCode::Area(rma_shared::AreaCode::parse("SHELF-A1").unwrap()),
            ),
        ];
        for (kind, code) in codes {
            let qr = Label::new(kind, code.clone(), vec![]).qr().unwrap();
            assert_eq!(decode(&qr, 3), code.to_string());
        }
    }

    #[test]
    fn modules_are_whole_dots_and_too_small_labels_are_refused() {
        let code = LabelCode::Ticket(TicketNumber::parse("WH1-2026-00042").unwrap());
        let mut label = Label::new(LabelKind::Ticket, code, vec![]);
        let qr = label.qr().unwrap();
        assert_eq!(label.module_dots(&qr, 203).unwrap(), 5);
        assert_eq!(label.module_dots(&qr, 300).unwrap(), 8);
        label.height_mm = 6;
        assert!(matches!(
            label.module_dots(&qr, 203),
            Err(LabelError::TooSmall { .. })
        ));
    }
}
