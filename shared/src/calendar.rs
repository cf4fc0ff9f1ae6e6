//! The company's clock and calendar: its time zone (every time shown to a person, analysis
//! months, the year in ticket numbers and the days of deadlines are counted in it) and its
//! working days (Monday to Friday, less public holidays, plus the weekend days China's
//! official calendar makes working days to make up for them), from a calendar file the company
//! keeps up to date each year:
//!
//! ```toml
//! # calendar.toml
//! [2026]
//! holidays = ["2026-01-01", "2026-02-16", "2026-02-17"]   # days off
//! workdays = ["2026-02-14", "2026-02-28"]                 # weekend days worked
//! ```
//!
//! A program sets the company's calendar once at start ([`set_company`]) from its settings;
//! everything that counts in local time asks [`company`]. Tests use a [`Calendar`] directly.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Offset, TimeZone, Utc, Weekday};
use chrono_tz::Tz;
use serde::Deserialize;
use thiserror::Error;

/// A time zone and the working days of a company.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Calendar {
    pub zone: Tz,
    holidays: BTreeSet<NaiveDate>,
    workdays: BTreeSet<NaiveDate>,
}

/// Why a calendar cannot be used.
#[derive(Debug, Error)]
pub enum CalendarError {
    #[error(
        "{0:?} is not a time zone: give an IANA name such as Asia/Shanghai (see `timedatectl list-timezones`)"
    )]
    Zone(String),
    #[error("cannot read the calendar file {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("the calendar file {path} is not valid: {message}")]
    Parse { path: String, message: String },
    #[error(
        "the calendar file {path} lists {date} under [{year}]: each date goes under its own year"
    )]
    WrongYear {
        path: String,
        date: NaiveDate,
        year: String,
    },
    #[error("the calendar file {path} lists {date} both as a holiday and as a working day")]
    Both { path: String, date: NaiveDate },
}

/// One year of the calendar file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Year {
    #[serde(default)]
    holidays: Vec<NaiveDate>,
    #[serde(default)]
    workdays: Vec<NaiveDate>,
}

impl Default for Calendar {
    /// UTC, Monday to Friday: what a program that set no company calendar counts in.
    fn default() -> Self {
        Self::in_zone(Tz::UTC)
    }
}

impl Calendar {
    /// Monday to Friday in `zone`.
    pub fn in_zone(zone: Tz) -> Self {
        Self {
            zone,
            holidays: BTreeSet::new(),
            workdays: BTreeSet::new(),
        }
    }

    /// Reads a zone name: `Asia/Shanghai`, `UTC`.
    pub fn zone(name: &str) -> Result<Tz, CalendarError> {
        name.trim()
            .parse()
            .map_err(|_| CalendarError::Zone(name.to_owned()))
    }

    /// Adds the years of a calendar file's text (`source` names it in errors).
    pub fn add_text(&mut self, text: &str, source: &str) -> Result<(), CalendarError> {
        let years: BTreeMap<String, Year> =
            toml::from_str(text).map_err(|err| CalendarError::Parse {
                path: source.to_owned(),
                message: err.to_string(),
            })?;
        for (year, days) in years {
            for date in days.holidays.iter().chain(&days.workdays) {
                if date.year().to_string() != year {
                    return Err(CalendarError::WrongYear {
                        path: source.to_owned(),
                        date: *date,
                        year,
                    });
                }
            }
            self.holidays.extend(days.holidays);
            self.workdays.extend(days.workdays);
        }
        if let Some(date) = self.holidays.intersection(&self.workdays).next() {
            return Err(CalendarError::Both {
                path: source.to_owned(),
                date: *date,
            });
        }
        Ok(())
    }

    /// Whether people work on `date`: a make-up working day, else not a holiday and not a
    /// weekend.
    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        if self.workdays.contains(&date) {
            return true;
        }
        !self.holidays.contains(&date) && !matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
    }

    /// `at` in the company's zone.
    pub fn local(&self, at: DateTime<Utc>) -> DateTime<Tz> {
        at.with_timezone(&self.zone)
    }

    /// `days` working days after `from`, at the same local time of day.
    pub fn add_working_days(&self, from: DateTime<Utc>, days: u32) -> DateTime<Utc> {
        let local = self.local(from);
        let mut date = local.date_naive();
        let mut left = days;
        while left > 0 {
            date += Duration::days(1);
            if self.is_working_day(date) {
                left -= 1;
            }
        }
        let wall = date.and_time(local.time());
        match self.zone.from_local_datetime(&wall) {
            chrono::LocalResult::Single(at) | chrono::LocalResult::Ambiguous(at, _) => {
                at.with_timezone(&Utc)
            }
            // A wall time skipped by a clock change: the same instant offset as before it.
            chrono::LocalResult::None => {
                let offset = local.offset().fix();
                (wall - offset).and_utc()
            }
        }
    }

    /// The local year of `at` (the year in ticket numbers).
    pub fn year(&self, at: DateTime<Utc>) -> i32 {
        self.local(at).year()
    }

    /// The local date of `at`.
    pub fn date(&self, at: DateTime<Utc>) -> NaiveDate {
        self.local(at).date_naive()
    }

    /// `at` as people read it: local date and time to the minute.
    pub fn show(&self, at: DateTime<Utc>) -> String {
        self.local(at).format("%Y-%m-%d %H:%M").to_string()
    }

    /// The zone's name, for pages that say which time they show.
    pub fn zone_name(&self) -> &'static str {
        self.zone.name()
    }
}

static COMPANY: OnceLock<Calendar> = OnceLock::new();

/// Sets the company's calendar for this process (once, at start; later calls are ignored and
/// say so by returning false).
pub fn set_company(calendar: Calendar) -> bool {
    COMPANY.set(calendar).is_ok()
}

/// The company's calendar: the one set at start, else UTC, Monday to Friday.
pub fn company() -> &'static Calendar {
    COMPANY.get_or_init(Calendar::default)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shanghai_2026() -> Calendar {
        let mut calendar = Calendar::in_zone(Calendar::zone("Asia/Shanghai").unwrap());
        // The Spring Festival of 2026 as the State Council set it: 15-23 February off,
        // Saturday the 14th and the 28th worked.
        calendar
            .add_text(
                "[2026]\nholidays = [\"2026-02-16\", \"2026-02-17\", \"2026-02-18\", \"2026-02-19\", \"2026-02-20\", \"2026-02-23\"]\nworkdays = [\"2026-02-14\", \"2026-02-28\"]\n",
                "test",
            )
            .unwrap();
        calendar
    }

    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
    }

    #[test]
    fn months_and_years_are_cut_at_local_midnight() {
        let shanghai = shanghai_2026();
        // 07:00 on 1 December in Shanghai is still 30 November in UTC.
        let at = utc(2026, 11, 30, 23, 0);
        assert_eq!(
            shanghai.date(at),
            NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()
        );
        assert_eq!(
            crate::analysis::Month::of_in(at, &shanghai).to_string(),
            "2026-12"
        );
        assert_eq!(
            crate::analysis::Month::of_in(at, &Calendar::in_zone(Tz::UTC)).to_string(),
            "2026-11"
        );
        // 02:00 on 1 January in Shanghai: next year's ticket numbers already.
        let new_year = utc(2026, 12, 31, 18, 0);
        assert_eq!(shanghai.year(new_year), 2027);
        assert_eq!(Calendar::in_zone(Tz::UTC).year(new_year), 2026);
        assert_eq!(shanghai.show(new_year), "2027-01-01 02:00");
    }

    #[test]
    fn working_days_skip_holidays_and_count_make_up_saturdays() {
        let shanghai = shanghai_2026();
        // Shipped Friday 13 February 10:00 local: 3 working days are Saturday 14 (made up),
        // then, after the holiday week and its weekend, Tuesday 24 and Wednesday 25.
        let shipped = utc(2026, 2, 13, 2, 0);
        let due = shanghai.add_working_days(shipped, 3);
        assert_eq!(shanghai.show(due), "2026-02-25 10:00");
        // Plain Monday to Friday would have said Wednesday 18.
        let plain = Calendar::in_zone(shanghai.zone);
        assert_eq!(
            plain.show(plain.add_working_days(shipped, 3)),
            "2026-02-18 10:00"
        );
        assert!(shanghai.is_working_day(NaiveDate::from_ymd_opt(2026, 2, 28).unwrap()));
        assert!(!shanghai.is_working_day(NaiveDate::from_ymd_opt(2026, 2, 23).unwrap()));
    }

    #[test]
    fn a_bad_calendar_file_says_what_is_wrong() {
        let mut calendar = Calendar::in_zone(Tz::UTC);
        let err = calendar
            .add_text("[2026]\nholidays = [\"2027-01-01\"]\n", "calendar.toml")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("2027-01-01") && err.contains("[2026]"),
            "{err}"
        );
        let err = calendar
            .add_text("[2026]\nholiday = [\"2026-01-01\"]\n", "calendar.toml")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("calendar.toml") && err.contains("holiday"),
            "{err}"
        );
        let err = Calendar::zone("Mars/Olympus").unwrap_err().to_string();
        assert!(err.contains("Asia/Shanghai"), "{err}");
    }
}
