//! Round trips: each kind of label rendered as PNG and as PDF, rasterised back (PNG decoded,
//! PDF rendered by poppler's `pdftoppm`, an independent renderer), its QR code decoded by an
//! independent decoder (rqrr) and compared with the payload; module size, quiet zone and page
//! size checked in dots.

use std::process::Command;

use rma_labels::layout::mm_to_dots;
use rma_labels::{Fonts, Format, Label, LabelError, LabelKind, Options, Qr, Sheet};
use rma_shared::{AreaCode, LabelCode, TicketNumber};

/// A greyscale image, one byte a pixel.
struct Image {
    width: u32,
    height: u32,
    pixels: Vec<u8>,
}

impl Image {
    fn dark(&self, x: u32, y: u32) -> bool {
        self.pixels[(y * self.width + x) as usize] < 128
    }

    /// Decodes the one QR code in the image.
    fn decode(&self) -> String {
        let mut prepared = rqrr::PreparedImage::prepare_from_greyscale(
            self.width as usize,
            self.height as usize,
            |x, y| self.pixels[y * self.width as usize + x],
        );
        let grids = prepared.detect_grids();
        assert_eq!(grids.len(), 1, "one QR code on the label");
        grids[0].decode().expect("the QR code decodes").1
    }

    /// The width of the top-left finder pattern's outer ring and its distance from the left
    /// edge, read off the image (the ring is 7 modules wide; the leftmost ink is the
    /// symbol's left edge, the text being to its right).
    fn finder(&self) -> (u32, u32) {
        let left = (0..self.width)
            .find(|&x| (0..self.height).any(|y| self.dark(x, y)))
            .unwrap();
        let top = (0..self.height).find(|&y| self.dark(left, y)).unwrap();
        let run = (left..self.width)
            .take_while(|&x| self.dark(x, top))
            .count() as u32;
        assert_eq!(left, top, "the code sits square in its corner");
        (run, left)
    }

    /// The module size and the quiet zone (in dots) of a label read up close: whole dots.
    fn module_and_quiet_zone(&self, margin: u32) -> (u32, u32) {
        let (run, left) = self.finder();
        assert_eq!(
            run % 7,
            0,
            "the finder pattern is 7 whole modules: {run} dots"
        );
        (run / 7, left - margin)
    }

    /// No ink within `dots` of the label's edges: nothing was cut.
    fn edges_are_clear(&self, dots: u32) -> bool {
        (0..self.height).all(|y| {
            (0..self.width).all(|x| {
                let inside =
                    x >= dots && y >= dots && x < self.width - dots && y < self.height - dots;
                inside || !self.dark(x, y)
            })
        })
    }
}

/// What every drawn label must show: its code decodes, nothing touches the edges, and the QR
/// code has its quiet zone: whole-dot modules as the printer languages draw them, or, on a
/// shelf label read from afar, a symbol of at least 35 mm.
fn check_drawn(image: &Image, label: &Label, dpi: u32) {
    assert_eq!(image.decode(), label.code.to_string());
    assert!(
        image.edges_are_clear(1),
        "{:?}: ink at the edge",
        label.kind
    );
    let qr = label.qr().unwrap();
    if label.kind == LabelKind::Area {
        let (run, left) = image.finder();
        let module = f64::from(run) / 7.0;
        let side_mm = module * qr.width as f64 * 25.4 / f64::from(dpi);
        assert!(side_mm >= 35.0, "the shelf's QR code is {side_mm:.1} mm");
        assert!(f64::from(left) >= 3.9 * module, "a 4-module quiet zone");
    } else {
        let margin = mm_to_dots(Label::MARGIN_MM, dpi);
        let (module, quiet) = image.module_and_quiet_zone(margin);
        assert_eq!(
            module,
            label.module_dots(&qr, dpi).unwrap(),
            "{:?}",
            label.kind
        );
        assert_eq!(quiet, Qr::QUIET_ZONE * module, "a 4-module quiet zone");
    }
}

fn png_image(bytes: &[u8]) -> Image {
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().unwrap();
    let info = reader.info().clone();
    assert_eq!(info.bit_depth, png::BitDepth::One);
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let frame = reader.next_frame(&mut buf).unwrap();
    let row_bytes = frame.line_size;
    let mut pixels = Vec::with_capacity((info.width * info.height) as usize);
    for y in 0..info.height as usize {
        for x in 0..info.width as usize {
            let bit = buf[y * row_bytes + x / 8] & (0x80 >> (x % 8));
            pixels.push(if bit == 0 { 0 } else { 255 });
        }
    }
    Image {
        width: info.width,
        height: info.height,
        pixels,
    }
}

/// Renders every page of a PDF with poppler's `pdftoppm` at `dpi`, as greyscale images.
fn rasterise_pdf(pdf: &[u8], dpi: u32) -> Vec<Image> {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("labels.pdf");
    std::fs::write(&input, pdf).unwrap();
    let status = Command::new("pdftoppm")
        .args(["-r", &dpi.to_string(), "-gray", "-png"])
        .arg(&input)
        .arg(dir.path().join("page"))
        .status()
        .expect("pdftoppm (Debian: poppler-utils, which tests/run installs) rasterises the PDF");
    assert!(status.success());
    let mut pages: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "png"))
        .collect();
    pages.sort();
    pages
        .iter()
        .map(|p| any_png(&std::fs::read(p).unwrap()))
        .collect()
}

fn ticket() -> TicketNumber {
    TicketNumber::parse("WH1-2026-00042").unwrap()
}

/// One label of each kind, with Chinese text where a customer's name goes.
fn labels() -> Vec<Label> {
    vec![
        Label::new(
            LabelKind::Unit,
            LabelCode::Unit(ticket().unit(3)),
            vec!["张三 Zhang San".into(), "X200 - unit 3 of 4".into()],
        ),
        Label::new(
            LabelKind::Ticket,
            LabelCode::Ticket(ticket()),
            vec!["张三 Zhang San".into()],
        ),
        Label::new(
            LabelKind::Area,
            LabelCode::Area(AreaCode::parse("SHELF-A1").unwrap()),
            vec!["退货货架 A1".into()],
        ),
        Label::new(
            LabelKind::Package,
            LabelCode::Package(ticket()),
            vec![
                "Model X200 x4".into(),
                "Customer: 深圳市某某电子有限公司".into(),
                "Ship date: 2026-12-01".into(),
            ],
        ),
    ]
}

fn options(dpi: u32) -> Options {
    Options {
        dpi,
        sheet: None,
        fonts: Fonts::system(),
        printer_text: false,
    }
}

fn size_dots(label: &Label, dpi: u32) -> (u32, u32) {
    (
        mm_to_dots(f64::from(label.width_mm), dpi),
        mm_to_dots(f64::from(label.height_mm), dpi),
    )
}

#[test]
fn png_labels_decode_to_their_codes_with_whole_dot_modules() {
    for dpi in [203, 300] {
        for label in labels() {
            let files =
                rma_labels::render(std::slice::from_ref(&label), Format::Png, &options(dpi))
                    .unwrap();
            assert_eq!(files.len(), 1);
            let image = png_image(&files[0]);
            assert_eq!(
                (image.width, image.height),
                size_dots(&label, dpi),
                "{:?} at {dpi} dpi is the label's size in dots",
                label.kind
            );
            check_drawn(&image, &label, dpi);
        }
    }
}

#[test]
fn pdf_pages_are_the_label_size_and_decode_to_their_codes() {
    let dpi = 300;
    let labels = labels();
    let pdf = rma_labels::render(&labels, Format::Pdf, &options(dpi)).unwrap();
    assert_eq!(pdf.len(), 1, "one document");
    let pages = rasterise_pdf(&pdf[0], dpi);
    assert_eq!(pages.len(), labels.len(), "a page a label");
    for (page, label) in pages.iter().zip(&labels) {
        let expected = size_dots(label, dpi);
        assert!(
            page.width.abs_diff(expected.0) <= 1 && page.height.abs_diff(expected.1) <= 1,
            "page {}x{} for a label of {expected:?} dots",
            page.width,
            page.height
        );
        check_drawn(page, label, dpi);
    }
}

#[test]
fn a4_sheets_start_at_the_offset_and_fill_further_pages() {
    let dpi = 203;
    let units: Vec<Label> = (1..=5)
        .map(|k| Label::new(LabelKind::Unit, LabelCode::Unit(ticket().unit(k)), vec![]))
        .collect();
    let options = Options {
        sheet: Some(Sheet::parse("3x8", 22).unwrap()),
        ..options(dpi)
    };
    let pdf = rma_labels::render(&units, Format::Pdf, &options).unwrap();
    let pages = rasterise_pdf(&pdf[0], dpi);
    assert_eq!(
        pages.len(),
        2,
        "2 labels fill the first sheet, 3 go on a second"
    );
    let a4 = (mm_to_dots(210.0, dpi), mm_to_dots(297.0, dpi));
    for page in &pages {
        assert!(page.width.abs_diff(a4.0) <= 1 && page.height.abs_diff(a4.1) <= 1);
    }
    // Cut each cell out of the page and decode it: the first page's first 22 cells are empty.
    let cell = |page: &Image, index: u32| -> Option<String> {
        let (cw, ch) = (page.width / 3, page.height / 8);
        let (x0, y0) = ((index % 3) * cw, (index / 3) * ch);
        let pixels: Vec<u8> = (y0..y0 + ch)
            .flat_map(|y| (x0..x0 + cw).map(move |x| (x, y)))
            .map(|(x, y)| page.pixels[(y * page.width + x) as usize])
            .collect();
        pixels.iter().any(|&p| p < 128).then(|| {
            Image {
                width: cw,
                height: ch,
                pixels,
            }
            .decode()
        })
    };
    for index in 0..22 {
        assert_eq!(cell(&pages[0], index), None, "cell {index} is left empty");
    }
    assert_eq!(cell(&pages[0], 22).as_deref(), Some("U:WH1-2026-00042-1"));
    assert_eq!(cell(&pages[0], 23).as_deref(), Some("U:WH1-2026-00042-2"));
    assert_eq!(cell(&pages[1], 0).as_deref(), Some("U:WH1-2026-00042-3"));
    assert_eq!(cell(&pages[1], 2).as_deref(), Some("U:WH1-2026-00042-5"));
    assert_eq!(cell(&pages[1], 3), None);
}

#[test]
fn sheets_refuse_labels_bigger_than_a_cell_and_bad_layouts() {
    let area = Label::new(
        LabelKind::Area,
        LabelCode::Area(AreaCode::parse("SHELF-A1").unwrap()),
        vec![],
    );
    let options = Options {
        sheet: Some(Sheet::parse("3x8", 0).unwrap()),
        ..options(203)
    };
    let err = rma_labels::render(&[area], Format::Pdf, &options).unwrap_err();
    assert!(
        err.to_string()
            .contains("does not fit the 70.0 x 37.1 mm cells of a 3 x 8 A4 sheet"),
        "{err}"
    );
    assert!(matches!(
        Sheet::parse("3 by 8", 0),
        Err(LabelError::BadSheet(_))
    ));
    let err = Sheet::parse("3x8", 24).unwrap_err();
    assert!(err.to_string().contains("--start 0 to 23"), "{err}");
}

#[test]
fn chinese_text_is_drawn_with_an_installed_cjk_font_or_named_as_missing() {
    let label = &labels()[3];
    let with = |lines: Vec<String>, fonts: Fonts| {
        let mut label = label.clone();
        label.lines = lines;
        rma_labels::raster::render(&label, 203, &fonts)
    };
    let chinese = with(vec!["深圳".into()], Fonts::system())
        .expect("a CJK font is installed (tests/run installs fonts-wqy-microhei)");
    let blank = with(vec![String::new()], Fonts::system()).unwrap();
    assert_ne!(chinese, blank, "the Chinese characters leave ink");

    let latin_only: Vec<_> = Fonts::system()
        .paths()
        .filter(|p| p.ends_with("DejaVuSans.ttf"))
        .map(|p| p.to_path_buf())
        .collect();
    assert_eq!(
        latin_only.len(),
        1,
        "DejaVu Sans is installed (tests/run installs fonts-dejavu-core)"
    );
    let err = with(vec!["Customer: 深圳".into()], Fonts::from_paths(latin_only)).unwrap_err();
    assert_eq!(
        err,
        LabelError::NoFont {
            text: "Customer: 深圳".into()
        }
    );
    assert!(
        err.to_string().contains("apt-get install fonts-noto-cjk"),
        "{err}"
    );

    let broken = Fonts::from_paths(["/nonexistent/font.ttf".into()]);
    let err = with(vec![], broken).unwrap_err();
    assert!(
        err.to_string()
            .contains("/nonexistent/font.ttf cannot be used"),
        "{err}"
    );
}

#[test]
fn with_the_server_address_the_qr_code_opens_the_ticket_page_and_still_scans() {
    let mut label = labels().remove(0);
    label.address = Some("https://rma.example.com/".into());
    let files =
        rma_labels::render(std::slice::from_ref(&label), Format::Png, &options(203)).unwrap();
    let decoded = png_image(&files[0]).decode();
    assert_eq!(decoded, "https://rma.example.com/c/U:WH1-2026-00042-3");
    assert_eq!(
        LabelCode::parse(&decoded).unwrap(),
        label.code,
        "the scanner reads it back"
    );
    let printer_text = Options {
        printer_text: true,
        ..options(203)
    };
    let zpl = rma_labels::render(std::slice::from_ref(&label), Format::Zpl, &printer_text).unwrap();
    let zpl = String::from_utf8(zpl[0].clone()).unwrap();
    assert!(
        zpl.contains("^FDMA,https://rma.example.com/c/U:WH1-2026-00042-3^FS"),
        "{zpl}"
    );
    assert!(
        zpl.contains("^FDU:WH1-2026-00042-3^FS"),
        "the printed text stays the code"
    );
}

/// Any PNG as greyscale (its first channel).
fn any_png(bytes: &[u8]) -> Image {
    let mut decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let frame = reader.next_frame(&mut buf).unwrap();
    let channels = frame.color_type.samples();
    Image {
        width: frame.width,
        height: frame.height,
        pixels: buf[..frame.buffer_size()]
            .chunks(channels)
            .map(|px| {
                // Transparent counts as the label's white.
                if channels == 4 && px[3] < 128 {
                    255
                } else {
                    px[0]
                }
            })
            .collect(),
    }
}

/// `zpl` drawn by zebrash, an independent ZPL renderer (tests/zpl; tests/run installs it with
/// `npm ci --prefix tests/zpl`).
fn zebrash(zpl: &[u8], label: &Label, dpi: u32) -> Image {
    let tool = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/zpl");
    assert!(
        tool.join("node_modules/zpl-renderer-js").exists(),
        "zebrash is not installed: run tests/run, or `npm ci --prefix tests/zpl`"
    );
    let dir = tempfile::tempdir().unwrap();
    let (input, output) = (dir.path().join("label.zpl"), dir.path().join("label.png"));
    std::fs::write(&input, zpl).unwrap();
    // zebrash counts whole dots a millimetre and centres a label narrower than its canvas:
    // the canvas is the label's size in dots exactly.
    let dots_per_mm = (f64::from(dpi) / 25.4).round();
    let (width, height) = size_dots(label, dpi);
    let out = Command::new("node")
        .arg(tool.join("render.cjs"))
        .args([&input, &output])
        .args([
            (f64::from(width) / dots_per_mm).to_string(),
            (f64::from(height) / dots_per_mm).to_string(),
            dots_per_mm.to_string(),
        ])
        .output()
        .expect("node runs (Debian: nodejs, which tests/run installs)");
    assert!(
        out.status.success(),
        "zebrash: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    any_png(&std::fs::read(output).unwrap())
}

#[test]
fn zpl_labels_drawn_by_an_independent_renderer_decode_and_keep_inside_the_edges() {
    // A long site code and Chinese text: the code must not be cut, the text must print.
    let long = TicketNumber::parse("SZBENCH123-2026-99999").unwrap();
    let mut all = labels();
    all.push(Label::new(
        LabelKind::Unit,
        LabelCode::Unit(long.unit(10)),
        vec![
            "深圳华强电子有限公司（福田区华强北路）".into(),
            "X200 - unit 10 of 12".into(),
        ],
    ));
    all.push(Label::new(
        LabelKind::Package,
        LabelCode::Package(long),
        vec![
            "Model X200-PRO-MAX x12".into(),
            "Customer: Shenzhen Huaqiang Electronics Trading Co., Ltd.".into(),
            "Ship date: not agreed yet".into(),
        ],
    ));
    for dpi in [203, 300] {
        for label in &all {
            // Drawn here and sent as a graphic (the default).
            let zpl = rma_labels::render(std::slice::from_ref(label), Format::Zpl, &options(dpi))
                .unwrap();
            let image = zebrash(&zpl[0], label, dpi);
            check_drawn(&image, label, dpi);
        }
    }
    // The printer's own font (`text = "printer"`): text sized by the font's width stays on the
    // label, for Latin text (Chinese needs a printer font that has it).
    let printer_text = Options {
        printer_text: true,
        ..options(203)
    };
    for label in all.iter().filter(|l| l.lines.iter().all(|t| t.is_ascii())) {
        let zpl =
            rma_labels::render(std::slice::from_ref(label), Format::Zpl, &printer_text).unwrap();
        let image = zebrash(&zpl[0], label, 203);
        assert_eq!(image.decode(), label.code.to_string());
        assert!(
            image.edges_are_clear(1),
            "{:?}: the printer's text runs off the label:\n{}",
            label.kind,
            String::from_utf8_lossy(&zpl[0])
        );
    }
}
