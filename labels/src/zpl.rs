//! ZPL for Zebra printers: `^BQ` QR code (error correction and automatic mode in the field
//! data), text as UTF-8 (`^CI28`; Chinese needs a CJK font on the printer).

use std::fmt::Write as _;

use crate::layout::{DotLayout, Label, LabelError, mm_to_dots, one_line};

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
    let big = dots(label.text_mm());
    let small = big * 4 / 5;
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
        field(&label.code.to_string())
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
^FO169,16^A0N,25,25^FDU:WH1-2026-00042-3^FS
^FO169,45^A0N,20,20^FDAcme -Ltd^FS
^FO169,71^A0N,20,20^FDX200^FS
^XZ
";
        assert_eq!(render(&label, 203).unwrap(), expected);
    }
}
