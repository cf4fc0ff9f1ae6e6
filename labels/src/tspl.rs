//! TSPL for TSC, Gprinter and Xprinter label printers. By default a label is drawn here and
//! sent as one bitmap; `[labels] text = "printer"` sends the printer's QR code and fonts.

use std::fmt::Write as _;

use crate::layout::{DotLayout, Label, LabelError, mm_to_dots, one_line};
use crate::raster::Bitmap;

/// A label as TSPL: drawn here and sent as one `BITMAP` (bits 1 for white, as TSPL has
/// them), so it prints exactly as the PNG does, in any language, on any printer.
pub fn graphic(bitmap: &Bitmap, width_mm: u32, height_mm: u32) -> Vec<u8> {
    let row_bytes = bitmap.width.div_ceil(8);
    let mut out = format!(
        "SIZE {width_mm} mm, {height_mm} mm\r\nGAP 2 mm, 0 mm\r\nCLS\r\nBITMAP 0,0,{row_bytes},{},0,",
        bitmap.height
    )
    .into_bytes();
    out.extend(bitmap.packed_rows());
    out.extend_from_slice(b"\r\nPRINT 1,1\r\n");
    out
}

/// A label as TSPL with the printer's own QR code and fonts (`[labels] text = "printer"`):
/// the largest of the fixed fonts 3, 2 and 1 (16, 12 and 8 dots a character at 203 dpi) in
/// which the text fits.
pub fn render(label: &Label, dpi: u32) -> Result<String, LabelError> {
    let qr = label.qr()?;
    let DotLayout {
        module,
        margin,
        qr_origin: origin,
        text_x,
        ec,
    } = label.dots(&qr, dpi)?;
    let room = mm_to_dots(f64::from(label.width_mm), dpi).saturating_sub(text_x + margin);
    let font = |text: &str, largest: u32| {
        let wide = |c: char| if u32::from(c) >= 0x2E80 { 2 } else { 1 };
        let cells: u32 = one_line(text).chars().map(wide).sum();
        [(3, 16), (2, 12), (1, 8)]
            .into_iter()
            .filter(|(n, _)| *n <= largest)
            .find(|(_, w)| cells * w <= room)
            .map_or(1, |(n, _)| n)
    };
    let code = label.code.to_string();
    let code_font = font(&code, 3);
    let line_font = label
        .lines
        .iter()
        .map(|l| font(l, code_font.saturating_sub(1).max(1)))
        .min()
        .unwrap_or(2);
    let mut out = String::new();
    let _ = writeln!(out, "SIZE {} mm, {} mm", label.width_mm, label.height_mm);
    let _ = writeln!(out, "GAP 2 mm, 0 mm");
    let _ = writeln!(out, "CODEPAGE UTF-8");
    let _ = writeln!(out, "CLS");
    let _ = writeln!(
        out,
        "QRCODE {origin},{origin},{ec},{module},A,0,\"{}\"",
        quoted(&label.payload())
    );
    let _ = writeln!(
        out,
        "TEXT {text_x},{margin},\"{code_font}\",0,1,1,\"{}\"",
        quoted(&code)
    );
    for (i, line) in label.lines.iter().enumerate() {
        let y = margin + 30 + i as u32 * 26;
        let _ = writeln!(
            out,
            "TEXT {text_x},{y},\"{line_font}\",0,1,1,\"{}\"",
            quoted(line)
        );
    }
    let _ = writeln!(out, "PRINT 1,1");
    Ok(out)
}

/// TSPL strings are in double quotes; a quote inside is written `\["]`.
fn quoted(text: &str) -> String {
    one_line(text).replace('"', "\\[\"]")
}

#[cfg(test)]
mod tests {
    use rma_shared::{LabelCode, UnitNumber};

    use super::*;
    use crate::layout::LabelKind;

    #[test]
    /// Printer fonts (`text = "printer"`): the 18-character code fits the 215 dots beside the
    /// QR code only in font 1 (8 dots a character).
    fn golden_unit_label_at_203_dpi() {
        let code = LabelCode::Unit(UnitNumber::parse("WH1-2026-00042-3").unwrap());
        let label = Label::new(LabelKind::Unit, code, vec!["Acme \"Ltd\"".into()]);
        let expected = "\
SIZE 50 mm, 25 mm
GAP 2 mm, 0 mm
CODEPAGE UTF-8
CLS
QRCODE 36,36,M,5,A,0,\"U:WH1-2026-00042-3\"
TEXT 169,16,\"1\",0,1,1,\"U:WH1-2026-00042-3\"
TEXT 169,46,\"1\",0,1,1,\"Acme \\[\"]Ltd\\[\"]\"
PRINT 1,1
";
        assert_eq!(render(&label, 203).unwrap(), expected);
    }
}
