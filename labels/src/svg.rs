//! SVG: the label at its size in millimetres, vector QR modules, text in a font stack that
//! covers Chinese (the viewer's installed CJK font draws it).

use std::fmt::Write as _;

use crate::layout::{Label, LabelError, Qr};

pub fn render(label: &Label) -> Result<String, LabelError> {
    let qr = label.qr()?;
    let (w, h) = (label.width_mm, label.height_mm);
    let side = label.qr_side_mm();
    let module = side / (qr.width as f64 + 2.0 * f64::from(Qr::QUIET_ZONE));
    let origin = Label::MARGIN_MM + module * f64::from(Qr::QUIET_ZONE);
    let mut path = String::new();
    for y in 0..qr.width {
        for x in 0..qr.width {
            if qr.is_dark(x, y) {
                let _ = write!(
                    path,
                    "M{:.3} {:.3}h{m:.3}v{m:.3}h-{m:.3}z",
                    origin + x as f64 * module,
                    origin + y as f64 * module,
                    m = module
                );
            }
        }
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}mm" height="{h}mm" viewBox="0 0 {w} {h}">"#
    );
    let _ = writeln!(out, r#"<rect width="{w}" height="{h}" fill="white"/>"#);
    let _ = writeln!(out, r#"<path d="{path}" fill="black"/>"#);
    let x = label.text_x_mm();
    let font =
        "font-family=\"'Noto Sans CJK SC','Source Han Sans SC','Microsoft YaHei',sans-serif\"";
    let big = label.text_mm();
    let _ = writeln!(
        out,
        r#"<text x="{x:.2}" y="{:.2}" font-size="{big:.2}" font-weight="bold" {font}>{}</text>"#,
        Label::MARGIN_MM + big,
        escape(&label.code.to_string())
    );
    let small = big * 0.8;
    for (i, line) in label.lines.iter().enumerate() {
        let _ = writeln!(
            out,
            r#"<text x="{x:.2}" y="{:.2}" font-size="{small:.2}" {font}>{}</text>"#,
            Label::MARGIN_MM + big + (i as f64 + 1.0) * small * 1.4,
            escape(line)
        );
    }
    out.push_str("</svg>\n");
    Ok(out)
}

fn escape(text: &str) -> String {
    crate::layout::one_line(text)
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use rma_shared::{AreaCode, LabelCode};

    use super::*;
    use crate::layout::LabelKind;

    #[test]
    fn an_svg_label_has_its_size_code_and_text() {
        let code = LabelCode::Area(AreaCode::parse("SHELF-A1").unwrap());
        let label = Label::new(LabelKind::Area, code, vec!["退货 <货架> A1".into()]);
        let svg = render(&label).unwrap();
        assert!(svg.starts_with("<svg") && svg.contains(r#"width="100mm" height="50mm""#));
        assert!(svg.contains(">A:SHELF-A1</text>"));
        assert!(svg.contains("退货 &lt;货架&gt; A1"));
    }
}
