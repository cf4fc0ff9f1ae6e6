//! A label drawn in printer dots, black on white: what PNG and PDF carry. Every QR module is a
//! whole number of dots with a 4-module quiet zone, so a thermal printer at the same DPI
//! prints it without resampling. Text is drawn with the installed fonts ([`Fonts`]) and
//! shrunk to fit the label's width.

use ab_glyph::{Font as _, FontVec, PxScale, ScaleFont as _, point};

use crate::font::Fonts;
use crate::layout::{DotLayout, Label, LabelError, mm_to_dots, one_line};

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

/// Draws `label` at `dpi`.
pub fn render(label: &Label, dpi: u32, fonts: &Fonts) -> Result<Bitmap, LabelError> {
    let qr = label.qr()?;
    let DotLayout {
        module,
        margin,
        qr_origin,
        text_x,
        ..
    } = label.dots(&qr, dpi)?;
    let dots = |mm: f64| mm_to_dots(mm, dpi);
    let mut bitmap = Bitmap::white(
        dots(f64::from(label.width_mm)),
        dots(f64::from(label.height_mm)),
        dpi,
    );
    for y in 0..qr.width {
        for x in 0..qr.width {
            if qr.is_dark(x, y) {
                bitmap.fill(
                    qr_origin + x as u32 * module,
                    qr_origin + y as u32 * module,
                    module,
                    module,
                );
            }
        }
    }
    let room = bitmap.width.saturating_sub(text_x + margin) as f32;
    let big = label.text_mm();
    let mut baseline = dots(Label::MARGIN_MM + big) as f32;
    draw_line(
        &mut bitmap,
        fonts,
        &label.code.to_string(),
        dots(big) as f32,
        text_x as f32,
        baseline,
        room,
    )?;
    let small = dots(big * 0.8) as f32;
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
        )?;
    }
    Ok(bitmap)
}

/// Draws one line of text, `px` dots high (shrunk so it fits `room` dots of width).
fn draw_line(
    bitmap: &mut Bitmap,
    fonts: &Fonts,
    text: &str,
    px: f32,
    x: f32,
    baseline: f32,
    room: f32,
) -> Result<(), LabelError> {
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
        (px * room / full).max(px * 0.5)
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
    Ok(())
}
