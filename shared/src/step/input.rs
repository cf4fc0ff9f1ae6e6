//! The values a person types into a request, read once at the edge: a line of text never
//! empty, whole numbers within the records' bounds, an amount, parts, dates, pre-printed
//! labels. Each refusal says what was typed and what is expected.

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use serde::{Deserialize, Deserializer, Serialize};

use crate::event::PartLine;
use crate::i18n::{Lang, Localized};
use crate::label::Reserved;
use crate::tr;

/// What is wrong with a value typed into a request, before anything is looked up.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    Empty,
    NotAPart(String),
    NotADate(String),
    NotAnAmount(String),
    NotASize(String),
    NotPrePrinted(String),
    NotAnEmail(String),
    NotAPhone(String),
    OutOfRange { value: i64, low: i64, high: i64 },
}

impl Localized for InputError {
    fn message(&self, lang: Lang) -> String {
        match self {
            Self::Empty => tr!(lang, "arg-empty"),
            Self::NotAPart(text) => tr!(lang, "arg-not-a-part", text = text.as_str()),
            Self::NotADate(text) => tr!(lang, "arg-not-a-date", text = text.as_str()),
            Self::NotAnAmount(text) => tr!(lang, "arg-not-an-amount", text = text.as_str()),
            Self::NotASize(text) => tr!(lang, "arg-not-a-size", text = text.as_str()),
            Self::NotAnEmail(text) => tr!(lang, "arg-not-an-email", text = text.as_str()),
            Self::NotAPhone(text) => tr!(lang, "arg-not-a-phone", text = text.as_str()),
            Self::NotPrePrinted(text) => {
                tr!(lang, "receive-not-pre-printed", code = text.as_str())
            }
            Self::OutOfRange { value, low, high } => tr!(
                lang,
                "arg-out-of-range",
                value = *value,
                low = *low,
                high = *high
            ),
        }
    }
}
crate::english_display!(InputError);

/// A line of text a person typed: trimmed, never empty.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Text(String);

impl Text {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for Text {
    type Err = InputError;
    fn from_str(text: &str) -> Result<Self, InputError> {
        match text.trim() {
            "" => Err(InputError::Empty),
            trimmed => Ok(Self(trimmed.to_owned())),
        }
    }
}

impl TryFrom<String> for Text {
    type Error = InputError;
    fn try_from(text: String) -> Result<Self, InputError> {
        text.parse()
    }
}

impl From<Text> for String {
    fn from(text: Text) -> String {
        text.0
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A value checked for its form when it is read, kept as the text typed (trimmed).
macro_rules! checked_text {
    ($(#[$doc:meta])* $name:ident, $check:expr, $error:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl FromStr for $name {
            type Err = InputError;
            fn from_str(text: &str) -> Result<Self, InputError> {
                let trimmed = text.trim();
                let check: fn(&str) -> bool = $check;
                let error: fn(String) -> InputError = $error;
                if check(trimmed) {
                    Ok(Self(trimmed.to_owned()))
                } else {
                    Err(error(text.to_owned()))
                }
            }
        }

        impl TryFrom<String> for $name {
            type Error = InputError;
            fn try_from(text: String) -> Result<Self, InputError> {
                text.parse()
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> String {
                value.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

checked_text!(
    /// An e-mail address: a name, one `@`, a domain with a dot; no spaces.
    Email,
    |text| {
        let Some((name, domain)) = text.split_once('@') else {
            return false;
        };
        !name.is_empty()
            && text.len() <= 254
            && !domain.contains('@')
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !text.chars().any(|c| c.is_whitespace() || c.is_control())
    },
    InputError::NotAnEmail
);

checked_text!(
    /// A mobile number: 6 to 15 digits, an optional leading `+`, spaces or dashes between.
    Phone,
    |text| {
        let digits = text.chars().filter(char::is_ascii_digit).count();
        let body = text.strip_prefix('+').unwrap_or(text);
        (6..=15).contains(&digits)
            && body.chars().all(|c| c.is_ascii_digit() || c == ' ' || c == '-')
    },
    InputError::NotAPhone
);

/// A whole number within the bounds the regulation's records allow.
macro_rules! bounded {
    ($(#[$doc:meta])* $name:ident($int:ty), $low:expr, $high:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(try_from = "i64", into = "i64")]
        pub struct $name($int);

        impl $name {
            pub const LOW: $int = $low;
            pub const HIGH: $int = $high;

            pub fn get(self) -> $int {
                self.0
            }
        }

        impl TryFrom<i64> for $name {
            type Error = InputError;
            fn try_from(value: i64) -> Result<Self, InputError> {
                <$int>::try_from(value)
                    .ok()
                    .filter(|v| (Self::LOW..=Self::HIGH).contains(v))
                    .map(Self)
                    .ok_or(InputError::OutOfRange {
                        value,
                        low: Self::LOW.into(),
                        high: Self::HIGH.into(),
                    })
            }
        }

        impl From<$name> for i64 {
            fn from(value: $name) -> i64 {
                value.0.into()
            }
        }

        impl FromStr for $name {
            type Err = InputError;
            fn from_str(text: &str) -> Result<Self, InputError> {
                let value: i64 = text.trim().parse().map_err(|_| InputError::OutOfRange {
                    value: 0,
                    low: Self::LOW.into(),
                    high: Self::HIGH.into(),
                })?;
                Self::try_from(value)
            }
        }
    };
}

bounded!(
    /// How many units a registration or a receiving counts.
    Quantity(u32),
    1,
    10_000
);
bounded!(
    /// Minutes of work in one repair sitting (a week at most).
    Minutes(u32),
    0,
    10_080
);
bounded!(
    /// The customer's satisfaction, 1 (very unhappy) to 5 (very satisfied).
    Satisfaction(u8),
    1,
    5
);
bounded!(
    /// Years an archive file is kept.
    Years(u32),
    1,
    100
);

/// An amount as a person types it (`120`, `120.5`, `-25`): its currency, and so how many
/// decimals it may have, is settled when the step is applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Amount(String);

impl Amount {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for Amount {
    type Err = InputError;
    fn from_str(text: &str) -> Result<Self, InputError> {
        let trimmed = text.trim();
        let digits = trimmed.strip_prefix('-').unwrap_or(trimmed);
        let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
        let numeric = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() || !numeric(whole) || !numeric(fraction) || whole.len() > 15 {
            return Err(InputError::NotAnAmount(text.to_owned()));
        }
        Ok(Self(trimmed.to_owned()))
    }
}

impl TryFrom<String> for Amount {
    type Error = InputError;
    fn try_from(text: String) -> Result<Self, InputError> {
        text.parse()
    }
}

impl From<Amount> for String {
    fn from(amount: Amount) -> String {
        amount.0
    }
}

/// Reads `PART:QUANTITY` (or `PART` for one).
pub fn parse_part(text: &str) -> Result<PartLine, InputError> {
    let bad = || InputError::NotAPart(text.to_owned());
    let (part, quantity) = match text.rsplit_once(':') {
        Some((part, quantity)) => (part, quantity.trim().parse::<u32>().map_err(|_| bad())?),
        None => (text, 1),
    };
    if part.trim().is_empty() || quantity == 0 {
        return Err(bad());
    }
    Ok(PartLine {
        part: part.trim().to_owned(),
        quantity,
    })
}

/// Reads a pre-printed label's code (`L:WH1-000042`) as scanned.
pub fn parse_reserved(text: &str) -> Result<Reserved, InputError> {
    match crate::LabelCode::parse(text) {
        Ok(crate::LabelCode::Reserved(code)) => Ok(code),
        _ => Err(InputError::NotPrePrinted(text.to_owned())),
    }
}

/// Reads a date as YYYY-MM-DD.
pub fn parse_date(text: &str) -> Result<NaiveDate, InputError> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| InputError::NotADate(text.to_owned()))
}

/// Part lines as a request carries them: `{"part": .., "quantity": ..}`, or as typed,
/// `PART:QUANTITY` (a form).
pub(super) fn part_lines<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<PartLine>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Given {
        Typed(String),
        Line(PartLine),
    }
    Vec::<Given>::deserialize(deserializer)?
        .into_iter()
        .map(|given| match given {
            Given::Typed(text) => parse_part(&text).map_err(serde::de::Error::custom),
            Given::Line(line) if line.quantity > 0 && !line.part.trim().is_empty() => Ok(line),
            Given::Line(line) => Err(serde::de::Error::custom(InputError::NotAPart(
                line.to_string(),
            ))),
        })
        .collect()
}

/// A checkbox: ticked (`true`, `on`, `yes`) or not sent.
pub(super) fn ticked<'de, D: Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Given {
        Bool(bool),
        Text(String),
    }
    match Given::deserialize(deserializer)? {
        Given::Bool(value) => Ok(value),
        Given::Text(text) => match text.trim() {
            "true" | "on" | "yes" => Ok(true),
            "false" | "" => Ok(false),
            other => Err(serde::de::Error::invalid_value(
                serde::de::Unexpected::Str(other),
                &"a ticked box",
            )),
        },
    }
}
