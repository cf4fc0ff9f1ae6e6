//! Clocks at the bench. A PC's clock may be wrong (a flat CMOS battery, a wrong time zone, a
//! clock set by hand): every sync measures it against the server's, and the agent records
//! steps at its own clock corrected by that offset, keeping its own time beside it. A clock
//! that went back since the last measure cannot be corrected (the offset no longer explains
//! it): steps wait until it is set right or a sync measures it again.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::i18n::{Lang, Localized};
use crate::tr;

/// A clock that went back by less than this since the last measure is a measure's own
/// uncertainty (the server's `Date` is to the second), not a clock set back.
const SLACK_SECS: i64 = 60;

/// What a sync measured: how far the server's clock is from this PC's, and when (by this
/// PC's clock).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reading {
    /// The server's time minus this PC's, in milliseconds.
    pub offset_ms: i64,
    /// This PC's own clock when it was measured.
    pub local_at: DateTime<Utc>,
}

impl Reading {
    /// A measure from a request sent at `sent` and answered at `answered` (both by this PC's
    /// clock) carrying the server's time `server`: the server's time is taken to be that of the
    /// middle of the round trip.
    pub fn measure(sent: DateTime<Utc>, answered: DateTime<Utc>, server: DateTime<Utc>) -> Self {
        let middle = sent + (answered - sent) / 2;
        Self {
            offset_ms: (server - middle).num_milliseconds(),
            local_at: answered,
        }
    }

    pub fn offset(&self) -> Duration {
        Duration::milliseconds(self.offset_ms)
    }

    /// Whether the offset is larger than `tolerance` either way.
    pub fn off_by_more_than(&self, tolerance: Duration) -> bool {
        self.offset().abs() > tolerance
    }
}

/// The time a step is recorded at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    /// The time recorded: this PC's clock corrected by the last offset measured.
    pub at: DateTime<Utc>,
    /// This PC's own clock, where it differs from `at`.
    pub local: Option<DateTime<Utc>>,
    /// Recorded although the clock went back since the last measure.
    pub unsure: bool,
}

/// This PC's clock went back since the last sync measured it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub struct WentBack {
    pub measured: DateTime<Utc>,
    pub now: DateTime<Utc>,
}

impl Localized for WentBack {
    fn message(&self, lang: Lang) -> String {
        tr!(
            lang,
            "clock-went-back",
            measured = crate::calendar::company().show(self.measured),
            now = crate::calendar::company().show(self.now)
        )
    }
}
crate::english_display!(WentBack);

/// The time to record a step at, by this PC's clock `local` and the last `reading`: corrected
/// by the offset, or refused if the clock went back since (unless `force`: then recorded at
/// the PC's own time, marked unsure). With no reading yet, the PC's own clock.
pub fn stamp(
    local: DateTime<Utc>,
    reading: Option<&Reading>,
    force: bool,
) -> Result<Stamp, WentBack> {
    let Some(reading) = reading else {
        return Ok(Stamp {
            at: local,
            local: None,
            unsure: false,
        });
    };
    if local < reading.local_at - Duration::seconds(SLACK_SECS) {
        if !force {
            return Err(WentBack {
                measured: reading.local_at,
                now: local,
            });
        }
        return Ok(Stamp {
            at: local,
            local: None,
            unsure: true,
        });
    }
    let at = local + reading.offset();
    let local = (reading.offset_ms.abs() >= 1000).then_some(local);
    Ok(Stamp {
        at,
        local,
        unsure: false,
    })
}

/// How far a clock is off, in words: "3 minutes", "400 days".
pub fn span(by: Duration, lang: Lang) -> String {
    // To the nearest unit: a measure is off by a second or so either way.
    let seconds = by.num_seconds().abs();
    match seconds {
        s if s < 3600 => tr!(lang, "clock-minutes", count = ((s + 30) / 60).max(1)),
        s if s < 48 * 3600 => tr!(lang, "clock-hours", count = (s + 1800) / 3600),
        s => tr!(lang, "clock-days", count = (s + 43_200) / 86_400),
    }
}

/// A warning for a person when this PC's clock is off by more than the tolerance: how far,
/// which way, and what to do.
pub fn warning(reading: &Reading, lang: Lang) -> String {
    let span = span(reading.offset(), lang);
    // The server's time minus this PC's: positive means this PC is behind.
    let key = if reading.offset_ms < 0 {
        "clock-ahead"
    } else {
        "clock-behind"
    };
    tr!(lang, key, span = span)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    #[test]
    fn a_step_is_stamped_with_the_corrected_time_and_the_pc_time_kept() {
        let reading = Reading::measure(
            at("2028-01-08T10:00:00Z"),
            at("2028-01-08T10:00:02Z"),
            at("2026-12-04T10:00:01Z"),
        );
        assert_eq!(
            reading.offset(),
            -(at("2028-01-08T10:00:01Z") - at("2026-12-04T10:00:01Z"))
        );
        let later = at("2028-01-08T11:00:00Z");
        let stamp = stamp(later, Some(&reading), false).unwrap();
        assert_eq!(stamp.at, at("2026-12-04T11:00:00Z"));
        assert_eq!(stamp.local, Some(later));
        assert!(reading.off_by_more_than(Duration::minutes(5)));
        assert!(warning(&reading, Lang::En).contains("400 days ahead"));
        assert!(warning(&reading, Lang::ZhCn).contains("400"));
    }

    #[test]
    fn a_clock_set_back_before_the_last_measure_is_refused_unless_forced() {
        let reading = Reading {
            offset_ms: 0,
            local_at: at("2026-12-04T10:00:00Z"),
        };
        let back = at("2026-12-03T10:00:00Z");
        assert!(stamp(back, Some(&reading), false).is_err());
        let forced = stamp(back, Some(&reading), true).unwrap();
        assert!(forced.unsure && forced.at == back);
        // Within a minute: the measure's own uncertainty.
        let close = at("2026-12-04T09:59:30Z");
        assert_eq!(stamp(close, Some(&reading), false).unwrap().at, close);
        // Never measured: the PC's own clock.
        assert_eq!(stamp(back, None, false).unwrap().at, back);
    }
}
