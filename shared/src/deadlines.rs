//! The regulation's deadlines ("within X hours", "within X working days") as settings, and
//! which of them a ticket is waiting on.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::workflow::Workflow;

/// The X of the regulation. Defaults are the ones most companies start with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DeadlineSettings {
    /// 2.2: sales passes the registration to after-sales within this many hours.
    pub forward_hours: u32,
    /// 2.3: after-sales makes the first assessment within this many hours of receiving it.
    pub assessment_hours: u32,
    /// 5.2: sales confirms delivery with the customer within this many working days of shipping.
    pub confirmation_working_days: u32,
}

impl Default for DeadlineSettings {
    fn default() -> Self {
        Self {
            forward_hours: 24,
            assessment_hours: 48,
            confirmation_working_days: 3,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Deadline {
    Forward,
    Assessment,
    Confirmation,
}

impl Deadline {
    pub const ALL: [Self; 3] = [Self::Forward, Self::Assessment, Self::Confirmation];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Forward => "forward",
            Self::Assessment => "assessment",
            Self::Confirmation => "confirmation",
        }
    }

    /// What is late, in words.
    pub fn label(self, lang: crate::i18n::Lang) -> String {
        crate::tr!(lang, "deadline", deadline = self.as_str())
    }
}

/// A deadline a ticket is waiting on, counted from `since`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Pending {
    pub deadline: Deadline,
    pub since: DateTime<Utc>,
}

impl Workflow {
    /// The deadlines this ticket is still waiting on. Cancelled, closed and archived tickets
    /// wait on nothing.
    pub fn pending_deadlines(&self) -> Vec<Pending> {
        let mut pending = Vec::new();
        let finished =
            self.cancelled.is_some() || self.closed_at.is_some() || self.archived_until.is_some();
        let Some(registered) = self.registered_at else {
            return pending;
        };
        if finished {
            return pending;
        }
        if self.assessed_at.is_none() {
            if self.forwarded_at.is_none() {
                pending.push(Pending {
                    deadline: Deadline::Forward,
                    since: registered,
                });
            }
            pending.push(Pending {
                deadline: Deadline::Assessment,
                since: self.forwarded_at.unwrap_or(registered),
            });
        }
        if let (Some(shipped), None) = (self.shipped_at, self.confirmed_at) {
            pending.push(Pending {
                deadline: Deadline::Confirmation,
                since: shipped,
            });
        }
        pending
    }
}

impl DeadlineSettings {
    /// When the step is due.
    pub fn due(&self, pending: &Pending) -> DateTime<Utc> {
        match pending.deadline {
            Deadline::Forward => pending.since + Duration::hours(self.forward_hours.into()),
            Deadline::Assessment => pending.since + Duration::hours(self.assessment_hours.into()),
            Deadline::Confirmation => crate::calendar::company()
                .add_working_days(pending.since, self.confirmation_working_days),
        }
    }

    pub fn is_overdue(&self, pending: &Pending, now: DateTime<Utc>) -> bool {
        self.due(pending) < now
    }

    /// No ticket that started waiting after this instant can be overdue on `deadline` at
    /// `now`: an index of start times needs to look only before it.
    pub fn latest_possible_start(&self, deadline: Deadline, now: DateTime<Utc>) -> DateTime<Utc> {
        match deadline {
            Deadline::Forward => now - Duration::hours(self.forward_hours.into()),
            Deadline::Assessment => now - Duration::hours(self.assessment_hours.into()),
            // N working days are at least N calendar days.
            Deadline::Confirmation => now - Duration::days(self.confirmation_working_days.into()),
        }
    }
}

/// `days` working days (Monday to Friday) after `from` in UTC, at the same time of day; the
/// company's deadlines count in its own calendar ([`crate::calendar`]).
pub fn add_working_days(from: DateTime<Utc>, days: u32) -> DateTime<Utc> {
    crate::calendar::Calendar::in_zone(chrono_tz::Tz::UTC).add_working_days(from, days)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn working_days_skip_the_weekend() {
        // Thursday 2026-11-26 10:00 + 3 working days = Tuesday 2026-12-01 10:00.
        let thursday = Utc.with_ymd_and_hms(2026, 11, 26, 10, 0, 0).unwrap();
        assert_eq!(
            add_working_days(thursday, 3),
            Utc.with_ymd_and_hms(2026, 12, 1, 10, 0, 0).unwrap()
        );
        let saturday = Utc.with_ymd_and_hms(2026, 11, 28, 10, 0, 0).unwrap();
        assert_eq!(
            add_working_days(saturday, 1),
            Utc.with_ymd_and_hms(2026, 11, 30, 10, 0, 0).unwrap()
        );
        assert_eq!(add_working_days(saturday, 0), saturday);
    }

    #[test]
    fn overdue_only_after_the_deadline() {
        let settings = DeadlineSettings::default();
        let since = Utc.with_ymd_and_hms(2026, 11, 26, 10, 0, 0).unwrap();
        let pending = Pending {
            deadline: Deadline::Forward,
            since,
        };
        assert!(!settings.is_overdue(&pending, since + Duration::hours(23)));
        assert!(settings.is_overdue(&pending, since + Duration::hours(25)));
        for deadline in Deadline::ALL {
            let now = since + Duration::days(10);
            let p = Pending { deadline, since };
            // Anything overdue started before the bound the index scan uses.
            if settings.is_overdue(&p, now) {
                assert!(since <= settings.latest_possible_start(deadline, now));
            }
        }
    }
}
