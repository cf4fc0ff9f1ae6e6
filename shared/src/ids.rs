//! Identifiers and codes. Each is parsed once at the edge (CLI argument, scanned label, stored
//! document) and carried as its own type from then on.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use uuid::Uuid;

/// Why a code could not be read. Each message (`id-CODE` in the catalogue) says what was
/// read and what was expected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdError {
    Site(String),
    Ticket(String),
    Unit(String),
    Area(String),
    TicketId(String),
    Reserved(String),
    TicketOrUnit(String),
}

impl crate::i18n::Localized for IdError {
    fn message(&self, lang: crate::i18n::Lang) -> String {
        let (id, text) = match self {
            Self::Site(t) => ("id-site", t),
            Self::Ticket(t) => ("id-ticket", t),
            Self::Unit(t) => ("id-unit", t),
            Self::Area(t) => ("id-area", t),
            Self::TicketId(t) => ("id-ticket-id", t),
            Self::Reserved(t) => ("id-reserved", t),
            Self::TicketOrUnit(t) => ("arg-not-ticket-or-unit", t),
        };
        crate::tr!(lang, id, text = text.as_str())
    }
}

crate::english_display!(IdError);

impl std::error::Error for IdError {}

/// Implements `Display`, `FromStr` and string serde for a type with `parse` and `as_str`-like
/// display, so every code travels as its plain text form.
macro_rules! text_serde {
    ($ty:ty) => {
        impl FromStr for $ty {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, IdError> {
                Self::parse(s)
            }
        }
        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = String::deserialize(d)?;
                Self::parse(&text).map_err(serde::de::Error::custom)
            }
        }
    };
}

/// The code of one agent installation (a warehouse or repair bench), chosen at `init`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SiteCode(String);

impl SiteCode {
    pub fn parse(input: &str) -> Result<Self, IdError> {
        let code = input.trim().to_ascii_uppercase();
        let ok = (2..=10).contains(&code.len())
            && code.starts_with(|c: char| c.is_ascii_uppercase())
            && code
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
        if ok {
            Ok(Self(code))
        } else {
            Err(IdError::Site(input.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SiteCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
text_serde!(SiteCode);

/// The human ticket number `{SITE}-{YYYY}-{NNNNN}`, allocated offline from a per-site counter.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TicketNumber {
    site: SiteCode,
    year: u16,
    seq: u32,
}

impl TicketNumber {
    pub fn new(site: SiteCode, year: u16, seq: u32) -> Self {
        Self { site, year, seq }
    }

    pub fn parse(input: &str) -> Result<Self, IdError> {
        let err = || IdError::Ticket(input.to_owned());
        let text = input.trim().to_ascii_uppercase();
        let mut parts = text.split('-');
        let (Some(site), Some(year), Some(seq), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(err());
        };
        let site = SiteCode::parse(site).map_err(|_| err())?;
        if year.len() != 4 || seq.len() < 5 {
            return Err(err());
        }
        let year = parse_digits(year).ok_or_else(err)?;
        let seq = parse_digits(seq).ok_or_else(err)?;
        Ok(Self {
            site,
            year: u16::try_from(year).map_err(|_| err())?,
            seq,
        })
    }

    pub fn site(&self) -> &SiteCode {
        &self.site
    }

    pub fn year(&self) -> u16 {
        self.year
    }

    pub fn seq(&self) -> u32 {
        self.seq
    }

    /// The number of the `k`-th unit of this ticket (1-based).
    pub fn unit(&self, k: u32) -> UnitNumber {
        UnitNumber {
            ticket: self.clone(),
            k,
        }
    }
}

impl fmt::Display for TicketNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{:04}-{:05}", self.site, self.year, self.seq)
    }
}
text_serde!(TicketNumber);

/// One physical unit of a ticket: `{ticket}-{k}`, given at receiving.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UnitNumber {
    ticket: TicketNumber,
    k: u32,
}

impl UnitNumber {
    pub fn parse(input: &str) -> Result<Self, IdError> {
        let err = || IdError::Unit(input.to_owned());
        let text = input.trim();
        let (ticket, k) = text.rsplit_once('-').ok_or_else(err)?;
        let ticket = TicketNumber::parse(ticket).map_err(|_| err())?;
        let k = parse_digits(k).filter(|k| *k > 0).ok_or_else(err)?;
        Ok(Self { ticket, k })
    }

    pub fn ticket(&self) -> &TicketNumber {
        &self.ticket
    }

    pub fn k(&self) -> u32 {
        self.k
    }
}

impl fmt::Display for UnitNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.ticket, self.k)
    }
}
text_serde!(UnitNumber);

/// A labelled storage area (shelf, bin, cage) at a site.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AreaCode(String);

impl AreaCode {
    pub fn parse(input: &str) -> Result<Self, IdError> {
        let code = input.trim().to_ascii_uppercase();
        let ok = (1..=16).contains(&code.len())
            && code.starts_with(|c: char| c.is_ascii_alphanumeric())
            && code
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-' || c == '.');
        if ok {
            Ok(Self(code))
        } else {
            Err(IdError::Area(input.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AreaCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
text_serde!(AreaCode);

/// The random 128-bit id of a ticket document; stable across sites, unlike nothing else.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TicketId(Uuid);

impl TicketId {
    pub fn random() -> Self {
        Self(Uuid::new_v4())
    }

    pub fn parse(input: &str) -> Result<Self, IdError> {
        let text = input.trim();
        if text.len() != 32 {
            return Err(IdError::TicketId(input.to_owned()));
        }
        Uuid::try_parse(text)
            .map(Self)
            .map_err(|_| IdError::TicketId(input.to_owned()))
    }

    pub fn from_bytes(bytes: [u8; 16]) -> Self {
        Self(Uuid::from_bytes(bytes))
    }

    pub fn as_bytes(&self) -> &[u8; 16] {
        self.0.as_bytes()
    }
}

impl fmt::Display for TicketId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.simple())
    }
}
text_serde!(TicketId);

/// A ticket number or a unit number, as typed or scanned (a unit stands for its ticket where a
/// ticket is meant).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TicketOrUnit {
    Ticket(TicketNumber),
    Unit(UnitNumber),
}

impl TicketOrUnit {
    pub fn parse(text: &str) -> Result<Self, IdError> {
        if let Ok(unit) = UnitNumber::parse(text) {
            return Ok(Self::Unit(unit));
        }
        TicketNumber::parse(text)
            .map(Self::Ticket)
            .map_err(|_| IdError::TicketOrUnit(text.to_owned()))
    }

    pub fn ticket(&self) -> &TicketNumber {
        match self {
            Self::Ticket(t) => t,
            Self::Unit(u) => u.ticket(),
        }
    }

    pub fn unit(&self) -> Option<&UnitNumber> {
        match self {
            Self::Ticket(_) => None,
            Self::Unit(u) => Some(u),
        }
    }
}

impl fmt::Display for TicketOrUnit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Ticket(t) => t.fmt(f),
            Self::Unit(u) => u.fmt(f),
        }
    }
}
text_serde!(TicketOrUnit);

/// The id of one workflow event, unique within its ticket.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct EventId(String);

impl EventId {
    pub fn random() -> Self {
        Self(format!("{:016x}", Uuid::new_v4().as_u64_pair().0))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for EventId {
    type Err = std::convert::Infallible;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Ok(Self::from(text))
    }
}

impl From<&str> for EventId {
    fn from(text: &str) -> Self {
        Self(text.trim().to_ascii_lowercase())
    }
}

impl fmt::Display for EventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn parse_digits(text: &str) -> Option<u32> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticket_and_unit_numbers_round_trip() {
        let ticket = TicketNumber::parse("wh1-2026-00042").unwrap();
        assert_eq!(ticket.to_string(), "WH1-2026-00042");
        let unit = ticket.unit(3);
        assert_eq!(unit.to_string(), "WH1-2026-00042-3");
        assert_eq!(UnitNumber::parse(" WH1-2026-00042-3\r\n").unwrap(), unit);
        assert_eq!(unit.ticket(), &ticket);
    }

    #[test]
    fn bad_codes_are_refused_with_what_was_read() {
        let cases = [
            ("WH1-26-00042", "ticket"),
            ("WH1-2026-42", "ticket"),
            ("WH1-2026-00042-x", "unit"),
            ("WH1-2026-00042-0", "unit"),
            ("1WH", "site"),
            ("W", "site"),
            ("shelf a", "area"),
        ];
        for (input, kind) in cases {
            let err = match kind {
                "ticket" => TicketNumber::parse(input).unwrap_err(),
                "unit" => UnitNumber::parse(input).unwrap_err(),
                "site" => SiteCode::parse(input).unwrap_err(),
                _ => AreaCode::parse(input).unwrap_err(),
            };
            assert!(err.to_string().contains(input), "{err}");
        }
    }

    #[test]
    fn numbers_sort_by_sequence() {
        let a = TicketNumber::parse("WH1-2026-00009").unwrap();
        let b = TicketNumber::parse("WH1-2026-00010").unwrap();
        assert!(a < b && a.to_string() < b.to_string());
        assert!(a.unit(2) < a.unit(10));
    }
}
