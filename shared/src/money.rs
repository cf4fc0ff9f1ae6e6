//! Amounts of money as integer minor units (cents, fen) with their currency: never floats.

use std::fmt;

use serde::{Deserialize, Serialize};
use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MoneyError {
    Currency(String),
    Amount {
        input: String,
        currency: String,
        digits: u32,
    },
}

impl crate::i18n::Localized for MoneyError {
    fn message(&self, lang: crate::i18n::Lang) -> String {
        match self {
            Self::Currency(text) => crate::tr!(lang, "money-currency", text = text.as_str()),
            Self::Amount {
                input,
                currency,
                digits,
            } => crate::tr!(
                lang,
                "money-amount",
                text = input.as_str(),
                currency = currency.as_str(),
                digits = *digits
            ),
        }
    }
}
crate::english_display!(MoneyError);

/// An ISO 4217-style currency code (three uppercase letters).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(try_from = "String", into = "String")]
pub struct Currency(String);

impl Currency {
    pub fn parse(input: &str) -> Result<Self, MoneyError> {
        let code = input.trim().to_ascii_uppercase();
        if code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase()) {
            Ok(Self(code))
        } else {
            Err(MoneyError::Currency(input.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Decimal digits of the minor unit (0 for currencies without cents).
    pub fn minor_digits(&self) -> u32 {
        match self.0.as_str() {
            "JPY" | "KRW" | "VND" | "CLP" | "ISK" | "UGX" => 0,
            _ => 2,
        }
    }
}

impl std::str::FromStr for Currency {
    type Err = MoneyError;
    fn from_str(text: &str) -> Result<Self, MoneyError> {
        Self::parse(text)
    }
}

impl TryFrom<String> for Currency {
    type Error = MoneyError;
    fn try_from(text: String) -> Result<Self, MoneyError> {
        Self::parse(&text)
    }
}

impl From<Currency> for String {
    fn from(c: Currency) -> String {
        c.0
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An amount in minor units of `currency`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Money {
    pub minor: i64,
    pub currency: Currency,
}

impl Money {
    /// Reads a decimal amount typed by a person ("120", "120.5", "120.50").
    pub fn parse(amount: &str, currency: Currency) -> Result<Self, MoneyError> {
        let digits = currency.minor_digits();
        let bad = || MoneyError::Amount {
            input: amount.to_owned(),
            currency: currency.to_string(),
            digits,
        };
        let text = amount.trim();
        let (negative, text) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty()
            || !all_digits(whole)
            || !all_digits(frac)
            || frac.len() > digits as usize
        {
            return Err(bad());
        }
        let scale = 10_i64.pow(digits);
        let whole: i64 = whole.parse().map_err(|_| bad())?;
        let frac: i64 = if frac.is_empty() {
            0
        } else {
            let padded = format!("{frac:0<width$}", width = digits as usize);
            padded.parse().map_err(|_| bad())?
        };
        let minor = whole
            .checked_mul(scale)
            .and_then(|m| m.checked_add(frac))
            .ok_or_else(bad)?;
        Ok(Self {
            minor: if negative { -minor } else { minor },
            currency,
        })
    }
}

impl Money {
    /// The figure without its currency, with the currency's decimals: `120.50`, `-3.05`,
    /// `1500` (JPY).
    pub fn amount(&self) -> String {
        let digits = self.currency.minor_digits();
        let sign = if self.minor < 0 { "-" } else { "" };
        let abs = self.minor.unsigned_abs();
        if digits == 0 {
            return format!("{sign}{abs}");
        }
        let scale = 10_u64.pow(digits);
        format!(
            "{sign}{}.{:0width$}",
            abs / scale,
            abs % scale,
            width = digits as usize
        )
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.amount(), self.currency)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cny() -> Currency {
        Currency::parse("cny").unwrap()
    }

    #[test]
    fn amounts_become_minor_units() {
        let table = [
            ("120", 12000),
            ("120.5", 12050),
            ("120.05", 12005),
            ("0.99", 99),
        ];
        for (input, minor) in table {
            assert_eq!(Money::parse(input, cny()).unwrap().minor, minor, "{input}");
        }
        let yen = Money::parse("1500", Currency::parse("JPY").unwrap()).unwrap();
        assert_eq!(yen.minor, 1500);
        assert_eq!(yen.to_string(), "1500 JPY");
        assert_eq!(
            Money::parse("120.5", cny()).unwrap().to_string(),
            "120.50 CNY"
        );
    }

    #[test]
    fn bad_amounts_are_refused() {
        for input in ["", "12,50", "1.234", "abc", ".5", "99999999999999999999"] {
            assert!(Money::parse(input, cny()).is_err(), "{input}");
        }
        assert!(Money::parse("1.5", Currency::parse("JPY").unwrap()).is_err());
        assert!(Currency::parse("yuan").is_err());
    }
}
