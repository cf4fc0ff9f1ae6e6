//! A label drawn in printer dots, black on white: what PNG and PDF carry. Every QR module is a
//! whole number of dots with a 4-module quiet zone, so a thermal printer at the same DPI
//! prints it without resampling. Text is drawn with the installed fonts ([`Fonts`]) and
//! shrunk to fit the label's width.

use ab_glyph::{Font as _, FontVec, PxScale, ScaleFont as _, point};

use crate::font::Fonts;
use crate::layout::{DotLayout, Label, LabelError, LabelKind, Qr, mm_to_dots, one_line};

/// One bit a dot, row after row, top to bottom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bitmap {
    pub width: u32,
    pub height: u32,
    pub dpi: u32,
    dark: Vec<bool>,
}

impl Bitmap {
    fn white(width: u32, height: u32, dpi: u32) -> Self {
        Self {
            width,
            height,
            dpi,
            dark: vec![false; width as usize * height as usize],
        }
    }

    pub fn is_dark(&self, x: u32, y: u32) -> bool {
        self.dark[y as usize * self.width as usize + x as usize]
    }

    fn fill(&mut self, x: u32, y: u32, w: u32, h: u32) {
        for row in y..(y + h).min(self.height) {
            for col in x..(x + w).min(self.width) {
                self.dark[row as usize * self.width as usize + col as usize] = true;
            }
        }
    }

    /// Rows packed 8 dots a byte, most significant bit first, 1 for white: the layout of
    /// a 1-bit greyscale PNG and of a PDF DeviceGray image.
    pub fn packed_rows(&self) -> Vec<u8> {
        let row_bytes = self.width.div_ceil(8) as usize;
        let mut out = vec![0xFF; row_bytes * self.height as usize];
        for y in 0..self.height {
            for x in 0..self.width {
                if self.is_dark(x, y) {
                    out[y as usize * row_bytes + x as usize / 8] &= !(0x80 >> (x % 8));
                }
            }
        }
        out
    }
}

/// Draws `label` at `dpi`. The code is the largest text and is never cut: it shrinks to fit
/// the width, and the other lines are never larger than it.
pub fn render(label: &Label, dpi: u32, fonts: &Fonts) -> Result<Bitmap, LabelError> {
    let qr = label.qr()?;
    let DotLayout { margin, .. } = label.dots(&qr, dpi)?;
    let dots = |mm: f64| mm_to_dots(mm, dpi);
    let mut bitmap = Bitmap::white(
        dots(f64::from(label.width_mm)),
        dots(f64::from(label.height_mm)),
        dpi,
    );
    let (module, origin, text_x) = drawn_qr(label, &qr, dpi, bitmap.height)?;
    // Module edges on whole dots: a module is `module` dots wide, give or take one.
    let edge = |i: usize| (origin + i as f64 * module).round() as u32;
    for y in 0..qr.width {
        for x in 0..qr.width {
            if qr.is_dark(x, y) {
                let (left, top) = (edge(x), edge(y));
                bitmap.fill(left, top, edge(x + 1) - left, edge(y + 1) - top);
            }
        }
    }
    let room = bitmap.width.saturating_sub(text_x + margin) as f32;
    let big = label.text_mm();
    let mut baseline = dots(Label::MARGIN_MM + big) as f32;
    let code = draw_line(
        &mut bitmap,
        fonts,
        &label.code.to_string(),
        dots(big) as f32,
        text_x as f32,
        baseline,
        room,
        0.1,
    )?;
    let small = (dots(big) as f32 * label.kind.line_scale()).min(code);
    for line in &label.lines {
        baseline += small * 1.4;
        draw_line(
            &mut bitmap,
            fonts,
            line,
            small,
            text_x as f32,
            baseline,
            room,
            0.5,
        )?;
    }
    Ok(bitmap)
}

/// The QR code as drawn: its module size (dots, maybe fractional), the symbol's top-left
/// corner, and where the text starts. Labels read up close have whole-dot modules of at most
/// 10 dots, as the printer languages draw them; an area label is read from afar, so its
/// symbol takes the label's whole height, the quiet zone in the label's own white edge.
fn drawn_qr(label: &Label, qr: &Qr, dpi: u32, height: u32) -> Result<(f64, f64, u32), LabelError> {
    let modules = f64::from(qr.width as u32 + 2 * Qr::QUIET_ZONE);
    if label.kind == LabelKind::Area {
        let module = f64::from(height) / modules;
        let side = (module * modules).round() as u32;
        let margin = mm_to_dots(Label::MARGIN_MM, dpi);
        return Ok((
            module,
            module * f64::from(Qr::QUIET_ZONE),
            side + margin / 2,
        ));
    }
    let DotLayout {
        module,
        qr_origin,
        text_x,
        ..
    } = label.dots(qr, dpi)?;
    Ok((f64::from(module), f64::from(qr_origin), text_x))
}

/// Draws one line of text, `px` dots high, shrunk so it fits `room` dots of width (to no less
/// than `least` of its size); returns the height drawn.
#[allow(clippy::too_many_arguments)]
fn draw_line(
    bitmap: &mut Bitmap,
    fonts: &Fonts,
    text: &str,
    px: f32,
    x: f32,
    baseline: f32,
    room: f32,
    least: f32,
) -> Result<f32, LabelError> {
    let text = one_line(text);
    let mut glyphs: Vec<(&FontVec, char)> = Vec::new();
    for c in text.chars() {
        match fonts.for_char(c)? {
            Some(font) => glyphs.push((font, c)),
            None => return Err(LabelError::NoFont { text: text.clone() }),
        }
    }
    let width_at = |px: f32| -> f32 {
        glyphs
            .iter()
            .map(|(font, c)| {
                let scaled = font.as_scaled(PxScale::from(px));
                scaled.h_advance(scaled.glyph_id(*c))
            })
            .sum()
    };
    let full = width_at(px);
    let px = if full > room && full > 0.0 {
        (px * room / full).max(px * least)
    } else {
        px
    };
    let mut pen = x;
    for (font, c) in glyphs {
        let scaled = font.as_scaled(PxScale::from(px));
        let id = scaled.glyph_id(c);
        let glyph = id.with_scale_and_position(PxScale::from(px), point(pen, baseline));
        pen += scaled.h_advance(id);
        let Some(outline) = font.outline_glyph(glyph) else {
            continue;
        };
        let bounds = outline.px_bounds();
        outline.draw(|gx, gy, coverage| {
            let (px, py) = (
                bounds.min.x as i64 + i64::from(gx),
                bounds.min.y as i64 + i64::from(gy),
            );
            let inside = px >= 0
                && py >= 0
                && (px as u32) < bitmap.width.saturating_sub(1)
                && (py as u32) < bitmap.height;
            if coverage >= 0.5 && inside {
                bitmap.fill(px as u32, py as u32, 1, 1);
            }
        });
    }
    Ok(px)
}
