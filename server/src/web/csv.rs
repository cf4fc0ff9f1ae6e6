//! CSV downloads that Excel opens correctly, Chinese included: UTF-8 with a byte order mark,
//! and cells that would start a formula made plain text.

use axum::http::header;
use axum::response::{IntoResponse, Response};

/// Writes `rows` (the first is the header) as a CSV download named `file`.
pub fn download(file: &str, rows: Vec<Vec<String>>) -> Response {
    let mut writer = ::csv::Writer::from_writer(Vec::from("\u{feff}".as_bytes()));
    for row in rows {
        let row: Vec<String> = row.into_iter().map(plain).collect();
        writer.write_record(&row).expect("CSV writes to memory");
    }
    let bytes = writer.into_inner().expect("CSV writes to memory");
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

/// Excel runs a cell that starts with `=`, `+`, `-` or `@` as a formula: such text (a
/// customer's feedback, say) gets a leading apostrophe. Numbers stay numbers.
fn plain(cell: String) -> String {
    let risky = cell.starts_with(['=', '+', '@', '\t', '\r'])
        || (cell.starts_with('-') && cell.parse::<f64>().is_err());
    if risky { format!("'{cell}") } else { cell }
}
