//! PNG: the label at the printer's resolution, one bit a dot, with the resolution recorded
//! (pHYs) so a print dialog prints it at its real size.

use crate::layout::LabelError;
use crate::raster::Bitmap;

pub fn encode(bitmap: &Bitmap) -> Result<Vec<u8>, LabelError> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, bitmap.width, bitmap.height);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::One);
    let per_metre = (f64::from(bitmap.dpi) / 0.0254).round() as u32;
    encoder.set_pixel_dims(Some(png::PixelDimensions {
        xppu: per_metre,
        yppu: per_metre,
        unit: png::Unit::Meter,
    }));
    let failed = |e: png::EncodingError| LabelError::Encode(e.to_string());
    let mut writer = encoder.write_header().map_err(failed)?;
    writer
        .write_image_data(&bitmap.packed_rows())
        .map_err(failed)?;
    writer.finish().map_err(failed)?;
    Ok(out)
}
