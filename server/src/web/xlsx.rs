//! Excel workbooks for finance, typed as Excel reads them: amounts are numbers with their
//! currency's decimals, times and days are dates, ticket and unit numbers are text (a CSV
//! lets Excel turn a long number into `3.05E+15`). Each sheet's header row is frozen with an
//! autofilter on it, and each column is as wide as its widest text, Chinese counted double.

use std::collections::HashMap;

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, Timelike, Utc};
use rma_shared::{Currency, Money};
use rust_xlsxwriter::{ExcelDateTime, Format, Formula, Workbook, Worksheet, XlsxError};
use unicode_width::UnicodeWidthStr;

/// One cell of a sheet.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Number(f64),
    /// A figure shown with one decimal (an average, a percentage).
    Decimal(f64),
    /// An amount, shown with its currency's decimals and code.
    Money(Money),
    /// A moment, shown in the company's time zone.
    Time(DateTime<Utc>),
    Date(NaiveDate),
    /// A formula summing amounts, and the total it gives (for readers that do not
    /// calculate), shown as an amount.
    Sum {
        formula: String,
        total: Money,
    },
}

impl Cell {
    pub fn text(text: impl Into<String>) -> Self {
        Self::Text(text.into())
    }

    pub fn optional_text(text: Option<impl ToString>) -> Self {
        text.map_or(Self::Empty, |t| Self::Text(t.to_string()))
    }

    pub fn optional_date(day: Option<NaiveDate>) -> Self {
        day.map_or(Self::Empty, Self::Date)
    }

    /// How many characters wide the cell shows, for the column's width.
    fn width(&self) -> usize {
        match self {
            Self::Empty => 0,
            Self::Text(text) => text.lines().map(UnicodeWidthStr::width).max().unwrap_or(0),
            Self::Number(n) => format!("{n}").len(),
            Self::Decimal(n) => format!("{n:.1}").len(),
            Self::Money(money) => money.to_string().len() + 2,
            Self::Time(_) => 16,
            Self::Date(_) => 10,
            Self::Sum { total, .. } => total.to_string().len() + 2,
        }
    }
}

/// A sheet: its name, its header row and its rows.
#[derive(Debug, Clone)]
pub struct Sheet {
    pub name: String,
    pub header: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

impl Sheet {
    pub fn new(name: impl Into<String>, header: Vec<String>) -> Self {
        Self {
            name: name.into(),
            header,
            rows: Vec::new(),
        }
    }

    pub fn push(&mut self, row: Vec<Cell>) {
        self.rows.push(row);
    }
}

/// The workbook of `sheets` as a download named `file`.
pub fn download(file: &str, sheets: &[Sheet]) -> Response {
    match workbook(sheets) {
        Ok(bytes) => (
            [
                (
                    header::CONTENT_TYPE,
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned(),
                ),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{file}\""),
                ),
            ],
            bytes,
        )
            .into_response(),
        Err(err) => {
            tracing::error!(file, error = %err, "a workbook could not be written");
            (StatusCode::INTERNAL_SERVER_ERROR, err.to_string()).into_response()
        }
    }
}

/// The formats a workbook's cells use, made once.
struct Formats {
    header: Format,
    time: Format,
    date: Format,
    decimal: Format,
    money: HashMap<Currency, Format>,
}

impl Formats {
    fn new() -> Self {
        Self {
            header: Format::new().set_bold(),
            time: Format::new().set_num_format("yyyy-mm-dd hh:mm"),
            date: Format::new().set_num_format("yyyy-mm-dd"),
            decimal: Format::new().set_num_format("0.0"),
            money: HashMap::new(),
        }
    }

    /// `#,##0.00 "CNY"`: the currency's decimals, its code after the figure.
    fn money(&mut self, currency: &Currency) -> &Format {
        self.money.entry(currency.clone()).or_insert_with(|| {
            let decimals = currency.minor_digits() as usize;
            let figure = if decimals == 0 {
                "#,##0".to_owned()
            } else {
                format!("#,##0.{}", "0".repeat(decimals))
            };
            Format::new().set_num_format(format!("{figure} \"{currency}\""))
        })
    }
}

/// The bytes of a workbook of `sheets`.
pub fn workbook(sheets: &[Sheet]) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let mut formats = Formats::new();
    for sheet in sheets {
        let page = book.add_worksheet();
        page.set_name(sheet_name(&sheet.name))?;
        write_sheet(page, sheet, &mut formats)?;
    }
    book.save_to_buffer()
}

fn write_sheet(
    page: &mut Worksheet,
    sheet: &Sheet,
    formats: &mut Formats,
) -> Result<(), XlsxError> {
    let columns = sheet.header.len();
    let mut widths: Vec<usize> = sheet.header.iter().map(|h| h.width()).collect();
    for (col, heading) in sheet.header.iter().enumerate() {
        page.write_string_with_format(0, col as u16, heading, &formats.header)?;
    }
    for (index, row) in sheet.rows.iter().enumerate() {
        let at = index as u32 + 1;
        for (col, cell) in row.iter().enumerate().take(columns) {
            widths[col] = widths[col].max(cell.width());
            let col = col as u16;
            match cell {
                Cell::Empty => {}
                Cell::Text(text) => {
                    page.write_string(at, col, text)?;
                }
                Cell::Number(n) => {
                    page.write_number(at, col, *n)?;
                }
                Cell::Decimal(n) => {
                    page.write_number_with_format(at, col, *n, &formats.decimal)?;
                }
                Cell::Money(money) => {
                    let format = formats.money(&money.currency).clone();
                    page.write_number_with_format(at, col, figure(money), &format)?;
                }
                Cell::Time(moment) => {
                    page.write_datetime_with_format(at, col, excel_time(*moment)?, &formats.time)?;
                }
                Cell::Date(day) => {
                    page.write_datetime_with_format(at, col, excel_date(*day)?, &formats.date)?;
                }
                Cell::Sum { formula, total } => {
                    let format = formats.money(&total.currency).clone();
                    let formula = Formula::new(formula).set_result(format!("{}", figure(total)));
                    page.write_formula_with_format(at, col, formula, &format)?;
                }
            }
        }
    }
    if columns > 0 {
        page.set_freeze_panes(1, 0)?;
        page.autofilter(0, 0, sheet.rows.len() as u32, columns as u16 - 1)?;
    }
    for (col, width) in widths.into_iter().enumerate() {
        // Room for the filter's button; no column wider than a screen's third.
        page.set_column_width(col as u16, (width + 4).clamp(8, 60) as f64)?;
    }
    Ok(())
}

/// An amount as a figure in its currency (120.50 for 12050 minor units of CNY).
pub fn figure(money: &Money) -> f64 {
    money.minor as f64 / 10f64.powi(money.currency.minor_digits() as i32)
}

/// Excel's sheet names: at most 31 characters, none of `[]:*?/\`.
fn sheet_name(name: &str) -> String {
    name.chars()
        .map(|c| if "[]:*?/\\".contains(c) { '-' } else { c })
        .take(31)
        .collect()
}

fn excel_date(day: NaiveDate) -> Result<ExcelDateTime, XlsxError> {
    let year =
        u16::try_from(day.year()).map_err(|_| XlsxError::DateTimeRangeError(day.to_string()))?;
    ExcelDateTime::from_ymd(year, day.month() as u8, day.day() as u8)
}

/// A moment as the company's clock showed it (Excel has no time zones).
fn excel_time(moment: DateTime<Utc>) -> Result<ExcelDateTime, XlsxError> {
    let local: NaiveDateTime = rma_shared::calendar::company().local(moment).naive_local();
    excel_date(local.date())?.and_hms(local.hour() as u16, local.minute() as u8, local.second())
}

/// An A1 reference to a column (0: `A`, 26: `AA`).
pub fn column(index: usize) -> String {
    let mut name = String::new();
    let mut n = index + 1;
    while n > 0 {
        let rest = (n - 1) % 26;
        name.insert(0, (b'A' + rest as u8) as char);
        n = (n - 1) / 26;
    }
    name
}

/// A reference to a sheet's cells `column` rows 2 to `last_row` (1-based), absolute.
pub fn range(sheet: &str, col: usize, last_row: usize) -> String {
    let quoted = sheet_name(sheet).replace('\'', "''");
    let col = column(col);
    format!("'{quoted}'!${col}$2:${col}${}", last_row.max(2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_named_as_excel_names_them() {
        assert_eq!(column(0), "A");
        assert_eq!(column(25), "Z");
        assert_eq!(column(26), "AA");
        assert_eq!(column(27), "AB");
        assert_eq!(range("费用", 5, 10), "'费用'!$F$2:$F$10");
    }

    #[test]
    fn sheet_names_are_what_excel_accepts() {
        assert_eq!(sheet_name("a/b:c"), "a-b-c");
        assert_eq!(sheet_name(&"x".repeat(40)).len(), 31);
    }

    #[test]
    fn chinese_text_counts_double_for_the_column_width() {
        assert_eq!(Cell::text("费用明细").width(), 8);
        assert_eq!(Cell::text("Lines").width(), 5);
    }
}
