//! The codes printed in QR labels and read back by scanners: one short, typed code per kind of
//! label, within the QR alphanumeric alphabet (uppercase letters, digits, `-`, `:`, `/`, `.`),
//! so a unit's code fits a small QR code.
//!
//! ```text
//! A:SHELF-A1            storage area
//! U:WH1-2026-00042-3    unit
//! T:WH1-2026-00042      ticket
//! P:WH1-2026-00042      the ticket's package
//! ```
//! The reader also takes the same code inside an `https://` address of the server (as a phone
//! camera opens it: `https://rma.example.com/c/U:WH1-2026-00042-3`), lowercase input, and
//! scanner noise around the code (spaces, CR, LF).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::ids::{AreaCode, TicketNumber, UnitNumber};

/// What a label names.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum LabelCode {
    Area(AreaCode),
    Unit(UnitNumber),
    Ticket(TicketNumber),
    Package(TicketNumber),
    /// A pre-printed unit label, reserved offline by a site before any unit carries it; a
    /// person attaches it to a unit at receiving.
    Reserved(Reserved),
}

/// The code of a pre-printed label: the site that reserved it and its number there
/// (`WH1-000042`). Sites reserve from their own counter, so codes never collide.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Reserved {
    pub site: crate::ids::SiteCode,
    pub seq: u32,
}

impl Reserved {
    pub fn parse(text: &str) -> Result<Self, crate::ids::IdError> {
        let bad = || crate::ids::IdError::Reserved(text.to_owned());
        let (site, seq) = text.trim().rsplit_once('-').ok_or_else(bad)?;
        let site = crate::ids::SiteCode::parse(site).map_err(|_| bad())?;
        if seq.is_empty() || seq.len() > 9 || !seq.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        Ok(Self {
            site,
            seq: seq.parse().map_err(|_| bad())?,
        })
    }
}

impl fmt::Display for Reserved {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{:06}", self.site, self.seq)
    }
}

impl serde::Serialize for Reserved {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Reserved {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// A scanned or typed text that is not a label code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelError {
    pub read: String,
    why: Option<crate::ids::IdError>,
}

impl crate::i18n::Localized for LabelError {
    fn message(&self, lang: crate::i18n::Lang) -> String {
        let mut text = crate::tr!(lang, "label-error", text = self.read.as_str());
        if let Some(why) = &self.why {
            text.push_str(": ");
            text.push_str(&why.message(lang));
        }
        text
    }
}

crate::english_display!(LabelError);

impl std::error::Error for LabelError {}

impl LabelCode {
    pub fn parse(input: &str) -> Result<Self, LabelError> {
        let fail = |why: Option<crate::ids::IdError>| LabelError {
            read: input.to_owned(),
            why,
        };
        let text = input.trim_matches(|c: char| c.is_whitespace() || c.is_control());
        let code = match strip_url(text) {
            Some(code) => code,
            None => text.to_owned(),
        };
        let code = code.to_ascii_uppercase();
        let Some((kind, rest)) = code.split_once(':') else {
            return Err(fail(None));
        };
        let detail = |e: crate::ids::IdError| fail(Some(e));
        match kind {
            "A" => AreaCode::parse(rest).map(Self::Area).map_err(detail),
            "U" => UnitNumber::parse(rest).map(Self::Unit).map_err(detail),
            "T" => TicketNumber::parse(rest).map(Self::Ticket).map_err(detail),
            "P" => TicketNumber::parse(rest).map(Self::Package).map_err(detail),
            "L" => Reserved::parse(rest).map(Self::Reserved).map_err(detail),
            _ => Err(fail(None)),
        }
    }

    /// The ticket the code belongs to, if any.
    pub fn ticket(&self) -> Option<&TicketNumber> {
        match self {
            Self::Area(_) | Self::Reserved(_) => None,
            Self::Unit(unit) => Some(unit.ticket()),
            Self::Ticket(ticket) | Self::Package(ticket) => Some(ticket),
        }
    }

    /// The address a phone camera opens for this code on the server at `base`.
    pub fn url(&self, base: &str) -> String {
        format!("{}/c/{self}", base.trim_end_matches('/'))
    }
}

/// The code inside a server address (`.../c/CODE`, with `:` possibly written `%3A`).
fn strip_url(text: &str) -> Option<String> {
    let lower = text.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))?;
    let start = text.len() - rest.len();
    let path = &text[start..];
    let (_, after) = path.split_once("/c/").or_else(|| path.split_once("/C/"))?;
    let code = after.split(['?', '#']).next().unwrap_or_default();
    Some(code.replace("%3A", ":").replace("%3a", ":"))
}

impl fmt::Display for LabelCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Area(code) => write!(f, "A:{code}"),
            Self::Unit(unit) => write!(f, "U:{unit}"),
            Self::Ticket(ticket) => write!(f, "T:{ticket}"),
            Self::Package(ticket) => write!(f, "P:{ticket}"),
            Self::Reserved(code) => write!(f, "L:{code}"),
        }
    }
}

impl FromStr for LabelCode {
    type Err = LabelError;
    fn from_str(s: &str) -> Result<Self, LabelError> {
        Self::parse(s)
    }
}

impl Serialize for LabelCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for LabelCode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit() -> LabelCode {
        LabelCode::Unit(UnitNumber::parse("WH1-2026-00042-3").unwrap())
    }

    #[test]
    fn codes_read_back_as_printed() {
        let codes = [
            LabelCode::Area(AreaCode::parse("SHELF-A1").unwrap()),
            unit(),
            LabelCode::Ticket(TicketNumber::parse("WH1-2026-00042").unwrap()),
            LabelCode::Package(TicketNumber::parse("WH1-2026-00042").unwrap()),
        ];
        for code in codes {
            let text = code.to_string();
            assert!(
                text.chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || "-:/.".contains(c)),
                "{text} is outside the QR alphanumeric alphabet"
            );
            assert_eq!(LabelCode::parse(&text).unwrap(), code);
        }
    }

    #[test]
    fn scanner_noise_lowercase_and_urls_are_accepted() {
        let inputs = [
            "U:WH1-2026-00042-3\r\n",
            "  u:wh1-2026-00042-3  ",
            "https://rma.example.com/c/U:WH1-2026-00042-3",
            "HTTPS://RMA.EXAMPLE.COM/C/U:WH1-2026-00042-3",
            "https://rma.example.com/c/U%3AWH1-2026-00042-3?from=phone",
        ];
        for input in inputs {
            assert_eq!(LabelCode::parse(input).unwrap(), unit(), "{input:?}");
        }
        assert_eq!(
            unit().url("https://rma.example.com/"),
            "https://rma.example.com/c/U:WH1-2026-00042-3"
        );
    }

    #[test]
    fn anything_else_says_what_was_read_and_what_was_expected() {
        for input in [
            "",
            "hello",
            "X:WH1",
            "U:WH1-2026-42",
            "https://example.com/other",
            "4006381333931",
        ] {
            let err = LabelCode::parse(input).unwrap_err().to_string();
            assert!(
                err.contains(&format!("“{input}”")) && err.contains("expected"),
                "{err}"
            );
        }
    }
}
