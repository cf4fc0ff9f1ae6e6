//! A file a person gives, made safe to keep before anything is stored: its kind told by its
//! content, its size checked; a photo decoded within limits (a picture that would take more
//! memory than a phone's photo ever does is refused), turned upright by its EXIF orientation
//! and written again without its metadata (no location, no camera serial), with a small
//! thumbnail beside it. A PDF is kept as it is.

use std::io::Cursor;

use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};
use rma_shared::files::{FileError, FileLimits, MediaType, check_upload};

/// The longer side of a thumbnail, in pixels.
pub const THUMBNAIL_PIXELS: u32 = 320;

/// The largest picture decoded: width and height, and the memory its pixels may take.
const MAX_SIDE: u32 = 12_000;
const MAX_PIXEL_BYTES: u64 = 400 << 20;

/// A file ready to keep.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub bytes: Vec<u8>,
    pub media_type: MediaType,
    /// A JPEG about [`THUMBNAIL_PIXELS`] wide, for photos.
    pub thumbnail: Option<Vec<u8>>,
}

/// Makes `bytes` (from a file called `name`) safe to keep, or says why it is not taken.
pub fn prepare(name: &str, bytes: &[u8], limits: &FileLimits) -> Result<Prepared, FileError> {
    let media_type = check_upload(name, bytes, limits)?;
    let format = match media_type {
        MediaType::Pdf => {
            return Ok(Prepared {
                bytes: bytes.to_vec(),
                media_type,
                thumbnail: None,
            });
        }
        MediaType::Jpeg => ImageFormat::Jpeg,
        MediaType::Png => ImageFormat::Png,
        MediaType::Webp => ImageFormat::WebP,
    };
    let bad = |reason: String| FileError::BadImage {
        name: name.to_owned(),
        reason,
    };
    let mut limits_ = Limits::default();
    limits_.max_image_width = Some(MAX_SIDE);
    limits_.max_image_height = Some(MAX_SIDE);
    limits_.max_alloc = Some(MAX_PIXEL_BYTES);
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.limits(limits_);
    let mut decoder = reader.into_decoder().map_err(|e| bad(e.to_string()))?;
    let orientation = decoder.orientation().map_err(|e| bad(e.to_string()))?;
    let mut picture = DynamicImage::from_decoder(decoder).map_err(|e| bad(e.to_string()))?;
    picture.apply_orientation(orientation);

    // Written again from its pixels alone: nothing of the original's metadata goes along. A
    // PNG stays a PNG (screenshots, drawings); photos become JPEG.
    let (bytes, media_type) = if media_type == MediaType::Png {
        (encode(&picture, ImageFormat::Png), MediaType::Png)
    } else {
        (jpeg(&picture, 88), MediaType::Jpeg)
    };
    let small = if picture.width().max(picture.height()) > THUMBNAIL_PIXELS {
        picture.thumbnail(THUMBNAIL_PIXELS, THUMBNAIL_PIXELS)
    } else {
        picture.clone()
    };
    let thumbnail = jpeg(&small, 80);
    let prepared = Prepared {
        bytes: bytes.map_err(|e| bad(e.to_string()))?,
        media_type,
        thumbnail: Some(thumbnail.map_err(|e| bad(e.to_string()))?),
    };
    if prepared.bytes.len() as u64 > limits.max_file() {
        return Err(FileError::TooLarge {
            name: name.to_owned(),
            size: prepared.bytes.len() as u64,
            limit: limits.max_file(),
        });
    }
    Ok(prepared)
}

fn encode(picture: &DynamicImage, format: ImageFormat) -> image::ImageResult<Vec<u8>> {
    let mut out = Cursor::new(Vec::new());
    picture.write_to(&mut out, format)?;
    Ok(out.into_inner())
}

fn jpeg(picture: &DynamicImage, quality: u8) -> image::ImageResult<Vec<u8>> {
    let mut out = Vec::new();
    let rgb = DynamicImage::ImageRgb8(picture.to_rgb8());
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality).encode_image(&rgb)?;
    Ok(out)
}

/// Photos made for tests: a picture with EXIF orientation and a GPS block, as a phone writes.
#[doc(hidden)]
pub mod sample {
    use image::{Rgb, RgbImage};

    /// A JPEG `width` x `height`, red on its left half and blue on its right, with an EXIF block holding
    /// `orientation` and a GPS position.
    pub fn photo_with_exif(width: u32, height: u32, orientation: u16) -> Vec<u8> {
        let picture = RgbImage::from_fn(width, height, |x, _| {
            if x < width / 2 {
                Rgb([255, 0, 0])
            } else {
                Rgb([0, 0, 255])
            }
        });
        let mut plain = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut plain, 95)
            .encode_image(&picture)
            .unwrap();
        with_exif(&plain, orientation)
    }

    /// `jpeg` with an APP1 EXIF segment after its SOI: IFD0 with the orientation and a GPS
    /// IFD pointer; the GPS IFD with a latitude reference ("N", recognisable in the bytes).
    pub fn with_exif(jpeg: &[u8], orientation: u16) -> Vec<u8> {
        let mut tiff = Vec::new();
        tiff.extend_from_slice(b"MM\x00\x2a\x00\x00\x00\x08");
        // IFD0: 2 entries.
        tiff.extend_from_slice(&2u16.to_be_bytes());
        // Orientation (0x0112), SHORT, 1, value.
        tiff.extend_from_slice(&[0x01, 0x12, 0x00, 0x03, 0, 0, 0, 1]);
        tiff.extend_from_slice(&orientation.to_be_bytes());
        tiff.extend_from_slice(&[0, 0]);
        // GPS IFD pointer (0x8825), LONG, 1, offset 38.
        tiff.extend_from_slice(&[0x88, 0x25, 0x00, 0x04, 0, 0, 0, 1, 0, 0, 0, 38]);
        tiff.extend_from_slice(&0u32.to_be_bytes());
        // GPS IFD at 38: 1 entry, GPSLatitudeRef (1), ASCII, 2, "N\0".
        tiff.extend_from_slice(&1u16.to_be_bytes());
        tiff.extend_from_slice(&[0x00, 0x01, 0x00, 0x02, 0, 0, 0, 2, b'N', 0, 0, 0]);
        tiff.extend_from_slice(&0u32.to_be_bytes());
        tiff.extend_from_slice(b"GPSMARK-31.2304N-121.4737E");
        let mut app1 = b"Exif\x00\x00".to_vec();
        app1.extend_from_slice(&tiff);
        let mut out = jpeg[..2].to_vec();
        out.extend_from_slice(&[0xFF, 0xE1]);
        out.extend_from_slice(&u16::try_from(app1.len() + 2).unwrap().to_be_bytes());
        out.extend_from_slice(&app1);
        out.extend_from_slice(&jpeg[2..]);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::sample::photo_with_exif;
    use super::*;
    use image::GenericImageView as _;

    fn contains(haystack: &[u8], needle: &[u8]) -> bool {
        haystack.windows(needle.len()).any(|w| w == needle)
    }

    #[test]
    fn a_photo_is_kept_upright_without_its_location() {
        let original = photo_with_exif(40, 20, 6);
        assert!(contains(&original, b"GPSMARK"));
        let prepared = prepare("IMG_0001.jpg", &original, &FileLimits::default()).unwrap();
        assert_eq!(prepared.media_type, MediaType::Jpeg);
        assert!(!contains(&prepared.bytes, b"GPSMARK"));
        assert!(!contains(&prepared.bytes, b"Exif"));
        // Orientation 6: turned a quarter clockwise, so it stands 20 wide and 40 high, the
        // red half on top.
        let kept = image::load_from_memory(&prepared.bytes).unwrap();
        assert_eq!(kept.dimensions(), (20, 40));
        let top = kept.get_pixel(10, 5);
        let bottom = kept.get_pixel(10, 35);
        assert!(top[0] > 200 && top[2] < 60, "{top:?}");
        assert!(bottom[2] > 200 && bottom[0] < 60, "{bottom:?}");
        let thumbnail = image::load_from_memory(prepared.thumbnail.as_ref().unwrap()).unwrap();
        assert_eq!(thumbnail.dimensions(), (20, 40));
    }

    #[test]
    fn a_picture_that_would_inflate_beyond_the_limits_is_refused() {
        // A valid PNG header claiming 50,000 x 50,000 pixels (7.5 GB as RGB): refused before
        // its pixels are decoded.
        let mut png = Vec::new();
        {
            let mut encoder = png::Encoder::new(&mut png, 50_000, 50_000);
            encoder.set_color(png::ColorType::Rgb);
            let writer = encoder.write_header().unwrap();
            drop(writer);
        }
        let err = prepare("bomb.png", &png, &FileLimits::default()).unwrap_err();
        assert!(matches!(err, FileError::BadImage { .. }), "{err:?}");
        // Not a picture at all, though it starts like one.
        let err = prepare("x.jpg", b"\xFF\xD8\xFFnot really", &FileLimits::default()).unwrap_err();
        assert!(matches!(err, FileError::BadImage { .. }), "{err:?}");
        // A PDF is kept as it is.
        let pdf = prepare("report.pdf", b"%PDF-1.4\n%%EOF\n", &FileLimits::default()).unwrap();
        assert_eq!(pdf.bytes, b"%PDF-1.4\n%%EOF\n");
        assert!(pdf.thumbnail.is_none());
    }
}
