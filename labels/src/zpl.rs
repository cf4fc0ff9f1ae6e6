//! ZPL for Zebra printers. By default a label is drawn here, as the PNG is, and sent as one
//! graphic: text fits and any language prints, whatever fonts the printer has. For a printer
//! with fonts for every character, `[labels] text = "printer"` sends the printer's own QR code
//! (`^BQ`) and text (`^A0`, UTF-8 `^CI28`), sized to fit.

use std::fmt::Write as _;

use crate::layout::{DotLayout, Label, LabelError, mm_to_dots, one_line};
use crate::raster::Bitmap;

/// A label as ZPL: drawn here and sent as one graphic (`^GFA`), so it prints exactly as the
/// PNG does, in any language, on any printer.
pub fn graphic(bitmap: &Bitmap) -> String {
    let row_bytes = bitmap.width.div_ceil(8);
    let total = row_bytes * bitmap.height;
    let mut out = String::new();
    let _ = writeln!(out, "^XA");
    let _ = writeln!(out, "^PW{}", bitmap.width);
    let _ = writeln!(out, "^LL{}", bitmap.height);
    let _ = write!(out, "^FO0,0^GFA,{total},{total},{row_bytes},");
    // ZPL's bits are 1 for black; the bitmap packs 1 for white.
    for byte in bitmap.packed_rows() {
        let _ = write!(out, "{:02X}", !byte);
    }
    let _ = writeln!(out, "^FS");
    let _ = writeln!(out, "^XZ");
    out
}

/// A label as ZPL with the printer's own QR code and font (`[labels] text = "printer"`, for a
/// printer that has a font for every character printed). Text sizes come from the width of
/// the printer's font 0 (estimated: Latin 0.6 of the height, CJK 1.0), shrunk to fit; the code
/// is never cut and stays the largest text.
pub fn render(label: &Label, dpi: u32) -> Result<String, LabelError> {
    let qr = label.qr()?;
    let DotLayout {
        module,
        margin,
        qr_origin,
        text_x,
        ec,
    } = label.dots(&qr, dpi)?;
    let dots = |mm: f64| mm_to_dots(mm, dpi);
    let room = dots(f64::from(label.width_mm)).saturating_sub(text_x + margin);
    let code = label.code.to_string();
    let big = fitted(&code, dots(label.text_mm()), room);
    let small = fitted_lines(&label.lines, big * 4 / 5, room);
    let mut out = String::new();
    let _ = writeln!(out, "^XA");
    let _ = writeln!(out, "^CI28");
    let _ = writeln!(out, "^PW{}", dots(f64::from(label.width_mm)));
    let _ = writeln!(out, "^LL{}", dots(f64::from(label.height_mm)));
    let _ = writeln!(
        out,
        "^FO{qr_origin},{qr_origin}^BQN,2,{module}^FD{ec}A,{}^FS",
        field(&label.payload())
    );
    let _ = writeln!(
        out,
        "^FO{text_x},{margin}^A0N,{big},{big}^FD{}^FS",
        field(&code)
    );
    for (i, line) in label.lines.iter().enumerate() {
        let y = margin + big + 4 + i as u32 * (small + small / 3);
        let _ = writeln!(
            out,
            "^FO{text_x},{y}^A0N,{small},{small}^FD{}^FS",
            field(line)
        );
    }
    let _ = writeln!(out, "^XZ");
    Ok(out)
}

/// The width of `text` in a printer font `height` dots high (estimated: Latin and digits 0.6
/// of the height, CJK and other wide characters 1.0).
pub fn printer_width(text: &str, height: u32) -> u32 {
    let tenths: u32 = text
        .chars()
        .map(|c| if u32::from(c) >= 0x2E80 { 10 } else { 6 })
        .sum();
    (tenths * height).div_ceil(10)
}

/// The largest height up to `wanted` at which `text` fits `room` dots.
pub fn fitted(text: &str, wanted: u32, room: u32) -> u32 {
    let mut height = wanted;
    while height > 6 && printer_width(text, height) > room {
        height -= 1;
    }
    height
}

/// One height for all `lines`, up to `wanted`, at which each fits `room` dots.
fn fitted_lines(lines: &[String], wanted: u32, room: u32) -> u32 {
    lines
        .iter()
        .map(|line| fitted(&one_line(line), wanted, room))
        .min()
        .unwrap_or(wanted)
}

/// `^` and `~` start commands in ZPL; they cannot stand in field data.
fn field(text: &str) -> String {
    one_line(text).replace(['^', '~'], "-")
}

#[cfg(test)]
mod tests {
    use rma_shared::{LabelCode, UnitNumber};

    use super::*;
    use crate::layout::LabelKind;

    #[test]
    /// Printer text (`text = "printer"`): the code's 18 characters in font 0 fit the 215 dots
    /// beside the QR code at 19 dots high, the lines a little smaller.
    fn golden_unit_label_at_203_dpi() {
        let code = LabelCode::Unit(UnitNumber::parse("WH1-2026-00042-3").unwrap());
        let label = Label::new(
            LabelKind::Unit,
            code,
            vec!["Acme ^Ltd".into(), "X200".into()],
        );
        let expected = "\
^XA
^CI28
^PW400
^LL200
^FO36,36^BQN,2,5^FDMA,U:WH1-2026-00042-3^FS
^FO169,16^A0N,19,19^FDU:WH1-2026-00042-3^FS
^FO169,39^A0N,15,15^FDAcme -Ltd^FS
^FO169,59^A0N,15,15^FDX200^FS
^XZ
";
        assert_eq!(render(&label, 203).unwrap(), expected);
    }
}
