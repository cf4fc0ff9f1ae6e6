//! TSPL for TSC, Gprinter and Xprinter label printers.

use std::fmt::Write as _;

use crate::layout::{DotLayout, Label, LabelError, one_line};

pub fn render(label: &Label, dpi: u32) -> Result<String, LabelError> {
    let qr = label.qr()?;
    let DotLayout {
        module,
        margin,
        qr_origin: origin,
        text_x,
        ec,
    } = label.dots(&qr, dpi)?;
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
        "TEXT {text_x},{margin},\"3\",0,1,1,\"{}\"",
        quoted(&label.code.to_string())
    );
    for (i, line) in label.lines.iter().enumerate() {
        let y = margin + 30 + i as u32 * 26;
        let _ = writeln!(out, "TEXT {text_x},{y},\"2\",0,1,1,\"{}\"", quoted(line));
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
    fn golden_unit_label_at_203_dpi() {
        let code = LabelCode::Unit(UnitNumber::parse("WH1-2026-00042-3").unwrap());
        let label = Label::new(LabelKind::Unit, code, vec!["Acme \"Ltd\"".into()]);
        let expected = "\
SIZE 50 mm, 25 mm
GAP 2 mm, 0 mm
CODEPAGE UTF-8
CLS
QRCODE 36,36,M,5,A,0,\"U:WH1-2026-00042-3\"
TEXT 169,16,\"3\",0,1,1,\"U:WH1-2026-00042-3\"
TEXT 169,46,\"2\",0,1,1,\"Acme \\[\"]Ltd\\[\"]\"
PRINT 1,1
";
        assert_eq!(render(&label, 203).unwrap(), expected);
    }
}
