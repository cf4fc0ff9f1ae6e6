//! A step's time as its JSON text holds it, read quickly: every step of every ticket a push
//! or a page reads is dated, and chrono's general reading (any offset, spaces, lower case)
//! was about a fifth of the cost of reading a step. The form this program writes,
//! `2026-03-02T08:00:00.123456789Z`, is read here; anything else goes to chrono.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserializer, de};

/// Reads a time written as RFC 3339 text.
pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<DateTime<Utc>, D::Error> {
    deserializer.deserialize_str(Text)
}

/// [`deserialize`] for a time that may be absent (`null`).
pub mod option {
    use super::*;

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<DateTime<Utc>>, D::Error> {
        deserializer.deserialize_option(Optional)
    }

    struct Optional;

    impl<'de> de::Visitor<'de> for Optional {
        type Value = Option<DateTime<Utc>>;

        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an RFC 3339 time or null")
        }

        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            super::deserialize(d).map(Some)
        }
    }
}

struct Text;

impl de::Visitor<'_> for Text {
    type Value = DateTime<Utc>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an RFC 3339 time")
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
        match written_form(text.as_bytes()) {
            Some(at) => Ok(at),
            None => text.parse().map_err(E::custom),
        }
    }
}

/// The time in the form this program writes (UTC, `Z`, up to nine digits of a second), or
/// `None` for any other form, valid or not.
fn written_form(text: &[u8]) -> Option<DateTime<Utc>> {
    let digits = |range: std::ops::Range<usize>| -> Option<u32> {
        text.get(range)?.iter().try_fold(0u32, |n, &b| {
            b.is_ascii_digit().then(|| n * 10 + u32::from(b - b'0'))
        })
    };
    let (&last, body) = text.split_last()?;
    if last != b'Z' || body.len() < 19 {
        return None;
    }
    let separators = [(4, b'-'), (7, b'-'), (10, b'T'), (13, b':'), (16, b':')];
    if separators.iter().any(|&(at, sep)| body[at] != sep) {
        return None;
    }
    let nanos = match &body[19..] {
        [] => 0,
        [b'.', fraction @ ..] if (1..=9).contains(&fraction.len()) => {
            digits(20..body.len())? * 10u32.pow(9 - fraction.len() as u32)
        }
        _ => return None,
    };
    let year = i32::try_from(digits(0..4)?).ok()?;
    let date = NaiveDate::from_ymd_opt(year, digits(5..7)?, digits(8..10)?)?;
    let (hour, minute, second) = (digits(11..13)?, digits(14..16)?, digits(17..19)?);
    // A leap second (60) is chrono's to read.
    if second > 59 {
        return None;
    }
    Some(
        date.and_hms_nano_opt(hour, minute, second, nanos)?
            .and_utc(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn read(text: &str) -> Result<DateTime<Utc>, serde_json::Error> {
        let json = serde_json::to_string(text).unwrap();
        deserialize(&mut serde_json::Deserializer::from_str(&json))
    }

    proptest! {
        /// Every time, as serde writes it, reads back the same, and the same as chrono reads it.
        #[test]
        fn written_times_read_as_chrono_reads_them(
            secs in -62_135_596_800i64..253_402_300_799,
            nanos in prop_oneof![Just(0u32), 0u32..1_000_000_000, (0u32..1000).prop_map(|n| n * 1_000_000)],
        ) {
            let at = Utc.timestamp_opt(secs, nanos).unwrap();
            let text = serde_json::to_value(at).unwrap();
            let text = text.as_str().unwrap();
            prop_assert_eq!(written_form(text.as_bytes()), Some(at), "read without chrono");
            prop_assert_eq!(read(text).unwrap(), at);
            prop_assert_eq!(read(text).unwrap(), text.parse::<DateTime<Utc>>().unwrap());
        }
    }

    #[test]
    fn other_forms_are_read_by_chrono_and_wrong_ones_refused() {
        let same = |text: &str| {
            assert_eq!(
                read(text).ok(),
                text.parse::<DateTime<Utc>>().ok(),
                "{text}"
            );
        };
        for text in [
            "2026-03-02T08:00:00Z",
            "2026-03-02T08:00:00.5Z",
            "2026-03-02T08:00:00.123456789Z",
            "2026-03-02T08:00:00.1234567891Z",
            "2026-03-02 08:00:00Z",
            "2026-03-02t08:00:00z",
            "2026-03-02T08:00:00+08:00",
            "2026-03-02T08:00:00.25-05:30",
            "2016-12-31T23:59:60Z",
            "2026-02-30T08:00:00Z",
            "2026-03-02T24:00:00Z",
            "2026-03-02T08:00:00.Z",
            "2026-03-02T08:00Z",
            "+2026-03-02T08:00:00Z",
            "２026-03-02T08:00:00Z",
            "",
            "Z",
        ] {
            same(text);
        }
        assert!(read("2026-02-30T08:00:00Z").is_err());
        assert!(read("yesterday").is_err());
    }
}
