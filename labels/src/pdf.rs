//! PDF: one page the size of each label, or A4 sheets of label stock cut in a grid (3 x 8 by
//! default) with a start offset to reuse a partly used sheet. Each label is its dot image at
//! the printer's resolution, placed at its real size: print it with no scaling.

use miniz_oxide::deflate::compress_to_vec_zlib;
use pdf_writer::{Content, Filter, Finish as _, Name, Pdf, Rect, Ref};

use crate::layout::LabelError;
use crate::raster::Bitmap;

/// A4, in millimetres.
pub const A4_MM: (f64, f64) = (210.0, 297.0);

/// A sheet of label stock: A4 cut into `columns` x `rows` equal cells, the first `start` cells
/// already used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sheet {
    pub columns: u32,
    pub rows: u32,
    pub start: u32,
}

impl Sheet {
    /// Reads `COLUMNSxROWS`, e.g. `3x8`.
    pub fn parse(grid: &str, start: u32) -> Result<Self, LabelError> {
        let bad = || LabelError::BadSheet(grid.to_owned());
        let (c, r) = grid.trim().split_once(['x', 'X']).ok_or_else(bad)?;
        let columns: u32 = c.trim().parse().map_err(|_| bad())?;
        let rows: u32 = r.trim().parse().map_err(|_| bad())?;
        if !(1..=10).contains(&columns) || !(1..=20).contains(&rows) {
            return Err(bad());
        }
        if start >= columns * rows {
            return Err(LabelError::BadStart {
                start,
                cells: columns * rows,
            });
        }
        Ok(Self {
            columns,
            rows,
            start,
        })
    }

    /// The size of one cell, in millimetres.
    pub fn cell_mm(&self) -> (f64, f64) {
        (
            A4_MM.0 / f64::from(self.columns),
            A4_MM.1 / f64::from(self.rows),
        )
    }
}

fn points(mm: f64) -> f32 {
    (mm * 72.0 / 25.4) as f32
}

/// The size of a bitmap in millimetres.
fn size_mm(bitmap: &Bitmap) -> (f64, f64) {
    let mm = |dots: u32| f64::from(dots) * 25.4 / f64::from(bitmap.dpi);
    (mm(bitmap.width), mm(bitmap.height))
}

/// Labels placed on pages: each page's size and its labels' lower-left corners, in mm.
struct Placed<'a> {
    page_mm: (f64, f64),
    labels: Vec<(&'a Bitmap, f64, f64)>,
}

/// One page per label, the page the size of the label.
pub fn pages(bitmaps: &[Bitmap]) -> Vec<u8> {
    write(
        bitmaps
            .iter()
            .map(|b| Placed {
                page_mm: size_mm(b),
                labels: vec![(b, 0.0, 0.0)],
            })
            .collect(),
    )
}

/// The labels on A4 sheets, left to right, top to bottom, each centred in its cell.
pub fn sheets(bitmaps: &[Bitmap], sheet: Sheet) -> Result<Vec<u8>, LabelError> {
    let (cell_w, cell_h) = sheet.cell_mm();
    let per_page = (sheet.columns * sheet.rows) as usize;
    let mut placed: Vec<Placed> = Vec::new();
    for (i, bitmap) in bitmaps.iter().enumerate() {
        let (w, h) = size_mm(bitmap);
        if w > cell_w + 0.01 || h > cell_h + 0.01 {
            return Err(LabelError::CellTooSmall {
                label: format!("{w:.0} x {h:.0}"),
                cell: format!("{cell_w:.1} x {cell_h:.1}"),
                grid: format!("{} x {}", sheet.columns, sheet.rows),
            });
        }
        let slot = i + sheet.start as usize;
        if slot.is_multiple_of(per_page) || placed.is_empty() {
            placed.push(Placed {
                page_mm: A4_MM,
                labels: Vec::new(),
            });
        }
        let cell = slot % per_page;
        let (col, row) = (cell % sheet.columns as usize, cell / sheet.columns as usize);
        let x = col as f64 * cell_w + (cell_w - w) / 2.0;
        let top = row as f64 * cell_h + (cell_h - h) / 2.0;
        let page = placed.last_mut().expect("a page was pushed above");
        page.labels.push((bitmap, x, A4_MM.1 - top - h));
    }
    Ok(write(placed))
}

fn write(pages: Vec<Placed>) -> Vec<u8> {
    let mut pdf = Pdf::new();
    let mut next = 1;
    let mut id = || {
        next += 1;
        Ref::new(next - 1)
    };
    let catalog = id();
    let tree = id();
    let page_ids: Vec<Ref> = pages.iter().map(|_| id()).collect();
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree)
        .kids(page_ids.iter().copied())
        .count(page_ids.len() as i32);
    for (page, page_id) in pages.iter().zip(&page_ids) {
        let content_id = id();
        let images: Vec<Ref> = page.labels.iter().map(|_| id()).collect();
        let names: Vec<String> = (0..images.len()).map(|i| format!("L{i}")).collect();
        let mut content = Content::new();
        for ((bitmap, x, y), name) in page.labels.iter().zip(&names) {
            let (w, h) = size_mm(bitmap);
            content.save_state();
            content.transform([points(w), 0.0, 0.0, points(h), points(*x), points(*y)]);
            content.x_object(Name(name.as_bytes()));
            content.restore_state();
        }
        let mut writer = pdf.page(*page_id);
        writer.media_box(Rect::new(
            0.0,
            0.0,
            points(page.page_mm.0),
            points(page.page_mm.1),
        ));
        writer.parent(tree);
        writer.contents(content_id);
        let mut resources = writer.resources();
        let mut objects = resources.x_objects();
        for (name, image) in names.iter().zip(&images) {
            objects.pair(Name(name.as_bytes()), *image);
        }
        objects.finish();
        resources.finish();
        writer.finish();
        pdf.stream(content_id, &content.finish());
        for ((bitmap, _, _), image_id) in page.labels.iter().zip(&images) {
            let data = compress_to_vec_zlib(&bitmap.packed_rows(), 6);
            let mut image = pdf.image_xobject(*image_id, &data);
            image.filter(Filter::FlateDecode);
            image.width(bitmap.width as i32);
            image.height(bitmap.height as i32);
            image.color_space().device_gray();
            image.bits_per_component(1);
            image.interpolate(false);
        }
    }
    pdf.finish()
}
