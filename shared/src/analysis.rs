//! The monthly analysis (regulation 7) and the cost ledger (6), computed from tickets.
//!
//! Each ticket is boiled down to its [`TicketFacts`] and [`CostEntry`] lines, small records a
//! store keeps beside the ticket and updates on every change. The analysis of a month is then a
//! fold over that month's facts ([`MonthlyAnalysis::compute`]), never a load of every document.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::event::{CostKind, EventKind, Liability, Payer, Verdict};
use crate::ids::{EventId, SiteCode, TicketNumber, UnitNumber};
use crate::money::Money;
use crate::view::TicketView;

/// A calendar month, written `YYYY-MM`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Month {
    pub year: i32,
    pub month: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthError(String);

impl crate::i18n::Localized for MonthError {
    fn message(&self, lang: crate::i18n::Lang) -> String {
        crate::tr!(lang, "month-error", text = self.0.as_str())
    }
}

crate::english_display!(MonthError);

impl std::error::Error for MonthError {}

impl Month {
    /// The company's month of `at` ([`crate::calendar::company`]).
    pub fn of(at: DateTime<Utc>) -> Self {
        Self::of_in(at, crate::calendar::company())
    }

    /// The month of `at` in `calendar`'s zone.
    pub fn of_in(at: DateTime<Utc>, calendar: &crate::calendar::Calendar) -> Self {
        let local = calendar.date(at);
        Self {
            year: local.year(),
            month: local.month(),
        }
    }

    pub fn parse(text: &str) -> Result<Self, MonthError> {
        let bad = || MonthError(text.to_owned());
        let (y, m) = text.trim().split_once('-').ok_or_else(bad)?;
        let year: i32 = y.parse().map_err(|_| bad())?;
        let month: u32 = m.parse().map_err(|_| bad())?;
        if y.len() != 4 || !(1..=12).contains(&month) {
            return Err(bad());
        }
        Ok(Self { year, month })
    }

    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).expect("months are valid")
    }

    pub fn next(self) -> Self {
        if self.month == 12 {
            Self {
                year: self.year + 1,
                month: 1,
            }
        } else {
            Self {
                year: self.year,
                month: self.month + 1,
            }
        }
    }

    pub fn previous(self) -> Self {
        if self.month == 1 {
            Self {
                year: self.year - 1,
                month: 12,
            }
        } else {
            Self {
                year: self.year,
                month: self.month - 1,
            }
        }
    }
}

impl std::fmt::Display for Month {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// What the monthly analysis needs of one ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketFacts {
    pub number: TicketNumber,
    pub model: String,
    /// Units that came back: those received, or the registered quantity before receiving.
    pub quantity: u32,
    pub registered_at: DateTime<Utc>,
    /// The fault type set at the first assessment, else the customer's fault description.
    pub fault_type: String,
    pub units: Vec<UnitFacts>,
    pub confirmation: Option<ConfirmationFacts>,
    /// The customer's own answer to the survey on their status page: 1-5 and a comment.
    #[serde(default)]
    pub survey: Option<(u8, Option<String>)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitFacts {
    pub number: UnitNumber,
    pub received_at: Option<DateTime<Utc>>,
    /// When the unit passed inspection (the last pass).
    pub passed_at: Option<DateTime<Utc>>,
    /// The verdict of its first inspection, if it had one.
    pub first_verdict: Option<Verdict>,
    pub repair_minutes: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfirmationFacts {
    pub working: bool,
    pub satisfaction: u8,
    pub feedback: Option<String>,
}

/// One line of the cost ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CostEntry {
    pub event: EventId,
    pub ticket: TicketNumber,
    pub model: String,
    pub unit: Option<UnitNumber>,
    pub at: DateTime<Utc>,
    pub site: SiteCode,
    pub by: String,
    pub kind: CostKind,
    pub amount: Money,
    pub payer: Payer,
    pub liability: Liability,
    pub note: Option<String>,
    /// Finance's latest mark on the line (regulation 6.2), if any.
    #[serde(default)]
    pub audit: Option<CostAudit>,
}

/// Finance's mark on a cost line: what, by whom, when, and the question if it was queried.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CostAudit {
    pub verdict: crate::event::AuditVerdict,
    pub by: String,
    pub at: DateTime<Utc>,
    pub note: Option<String>,
}

impl TicketFacts {
    /// The facts of a ticket, or `None` for a ticket without a registration time.
    pub fn from_view(view: &TicketView) -> Option<Self> {
        let registered_at = view.registered_at?;
        let received_at = view.receiving.as_ref().map(|e| e.at);
        let assessed_type = view.assessment.as_ref().and_then(|e| match &e.kind {
            EventKind::Assessed(a) => a.fault_type.clone(),
            _ => None,
        });
        let fault_type = normalise(assessed_type.as_deref().unwrap_or(&view.registration.fault));
        let units = view
            .units
            .iter()
            .map(|unit| {
                let verdicts: Vec<(Verdict, DateTime<Utc>)> = unit
                    .records
                    .iter()
                    .filter_map(|e| match &e.kind {
                        EventKind::Inspected { verdict, .. } => Some((*verdict, e.at)),
                        _ => None,
                    })
                    .collect();
                UnitFacts {
                    number: unit.status.number.clone(),
                    received_at,
                    passed_at: verdicts
                        .iter()
                        .rev()
                        .find(|(v, _)| *v == Verdict::Pass)
                        .map(|(_, at)| *at),
                    first_verdict: verdicts.first().map(|(v, _)| *v),
                    repair_minutes: unit.status.repair_minutes,
                }
            })
            .collect::<Vec<_>>();
        let confirmation = view.confirmation.as_ref().and_then(|e| match &e.kind {
            EventKind::Confirmed(c) => Some(ConfirmationFacts {
                working: c.working,
                satisfaction: c.satisfaction,
                feedback: c.feedback.clone(),
            }),
            _ => None,
        });
        let survey = view.events.iter().find_map(|e| match &e.kind {
            EventKind::SurveyAnswered { rating, comment } => Some((*rating, comment.clone())),
            _ => None,
        });
        Some(Self {
            survey,
            number: view.number.clone(),
            model: view.registration.model.clone(),
            quantity: if units.is_empty() {
                view.registration.quantity
            } else {
                units.len() as u32
            },
            registered_at,
            fault_type,
            units,
            confirmation,
        })
    }
}

/// The ticket's cost lines.
pub fn cost_entries(view: &TicketView) -> Vec<CostEntry> {
    // The latest mark on each line, in the document's order of events.
    let mut marks: std::collections::HashMap<&EventId, CostAudit> = Default::default();
    for e in &view.events {
        if view.conflicts.iter().any(|c| c.event == e.id) {
            continue;
        }
        if let EventKind::CostAudited {
            cost,
            verdict,
            note,
        } = &e.kind
        {
            marks.insert(
                cost,
                CostAudit {
                    verdict: *verdict,
                    by: e.by.clone(),
                    at: e.at,
                    note: note.clone(),
                },
            );
        }
    }
    view.costs
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Cost(line) => Some(CostEntry {
                event: e.id.clone(),
                ticket: view.number.clone(),
                model: view.registration.model.clone(),
                unit: line.unit.clone(),
                at: e.at,
                site: e.site.clone(),
                by: e.by.clone(),
                kind: line.kind,
                amount: line.amount.clone(),
                payer: line.payer,
                liability: line.liability,
                note: line.note.clone(),
                audit: marks.get(&e.id).cloned(),
            }),
            _ => None,
        })
        .collect()
}

/// Fault types are counted case- and space-insensitively.
fn normalise(text: &str) -> String {
    let words: Vec<&str> = text.split_whitespace().collect();
    let joined = words.join(" ");
    if joined.is_empty() {
        "not described".into()
    } else {
        joined.to_lowercase()
    }
}

/// A count with units.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Returns {
    pub tickets: u32,
    pub units: u32,
}

/// The monthly analysis of the tickets registered in one month.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MonthlyAnalysis {
    pub month: Month,
    pub total: Returns,
    /// By model, most units first.
    pub by_model: Vec<(String, Returns)>,
    /// Fault types and how many tickets had each, most frequent first.
    pub fault_types: Vec<(String, u32)>,
    /// Repair time: from a unit's receipt to the inspection it passed, in hours, over the
    /// month's units that have passed.
    pub repaired_units: u32,
    pub repair_hours_average: Option<f64>,
    pub repair_hours_longest: Option<(UnitNumber, f64)>,
    /// Bench time recorded in repair records, average per repaired unit.
    pub bench_minutes_average: Option<f64>,
    /// Units inspected at least once, and those that passed their first inspection.
    pub inspected_units: u32,
    pub first_pass_units: u32,
    /// Customer confirmations: how many, the average satisfaction (1-5), how many units work.
    pub confirmations: u32,
    pub satisfaction_average: Option<f64>,
    /// How many confirmations gave each score, 1 to 5.
    pub satisfaction_counts: [u32; 5],
    pub working: u32,
    /// Every piece of customer feedback, with its ticket.
    pub feedback: Vec<(TicketNumber, u8, String)>,
    /// The customers' own survey answers: how many, and their average (1-5).
    pub surveys: u32,
    pub survey_average: Option<f64>,
}

impl MonthlyAnalysis {
    pub fn compute<'a>(month: Month, facts: impl IntoIterator<Item = &'a TicketFacts>) -> Self {
        let mut total = Returns::default();
        let mut by_model: BTreeMap<String, Returns> = BTreeMap::new();
        let mut faults: BTreeMap<String, u32> = BTreeMap::new();
        let mut repair_hours: Vec<(UnitNumber, f64)> = Vec::new();
        let mut bench_minutes = 0u64;
        let (mut inspected, mut first_pass) = (0, 0);
        let mut confirmations = 0;
        let mut satisfaction_counts = [0u32; 5];
        let mut working = 0;
        let mut feedback = Vec::new();
        let (mut surveys, mut survey_sum) = (0u32, 0u32);
        for ticket in facts {
            if let Some((rating, comment)) = &ticket.survey {
                let rating = (*rating).clamp(1, 5);
                surveys += 1;
                survey_sum += u32::from(rating);
                if let Some(text) = comment {
                    feedback.push((ticket.number.clone(), rating, text.clone()));
                }
            }
            total.tickets += 1;
            total.units += ticket.quantity;
            let model = by_model.entry(ticket.model.clone()).or_default();
            model.tickets += 1;
            model.units += ticket.quantity;
            *faults.entry(ticket.fault_type.clone()).or_default() += 1;
            for unit in &ticket.units {
                if let (Some(from), Some(to)) = (unit.received_at, unit.passed_at) {
                    let hours = (to - from).num_seconds().max(0) as f64 / 3600.0;
                    repair_hours.push((unit.number.clone(), hours));
                    bench_minutes += u64::from(unit.repair_minutes);
                }
                match unit.first_verdict {
                    Some(Verdict::Pass) => {
                        inspected += 1;
                        first_pass += 1;
                    }
                    Some(Verdict::Fail) => inspected += 1,
                    None => {}
                }
            }
            if let Some(c) = &ticket.confirmation {
                confirmations += 1;
                let score = c.satisfaction.clamp(1, 5);
                satisfaction_counts[usize::from(score - 1)] += 1;
                working += u32::from(c.working);
                if let Some(text) = &c.feedback {
                    feedback.push((ticket.number.clone(), score, text.clone()));
                }
            }
        }
        let mut by_model: Vec<_> = by_model.into_iter().collect();
        by_model.sort_by(|a, b| b.1.units.cmp(&a.1.units).then_with(|| a.0.cmp(&b.0)));
        let mut fault_types: Vec<_> = faults.into_iter().collect();
        fault_types.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        feedback.sort_by_key(|f| f.0.to_string());
        let repaired = repair_hours.len() as u32;
        let average = |sum: f64, n: u32| (n > 0).then(|| sum / f64::from(n));
        let scores: u32 = satisfaction_counts
            .iter()
            .enumerate()
            .map(|(i, n)| (i as u32 + 1) * n)
            .sum();
        Self {
            month,
            total,
            by_model,
            fault_types,
            repaired_units: repaired,
            repair_hours_average: average(repair_hours.iter().map(|(_, h)| h).sum(), repaired),
            repair_hours_longest: repair_hours.into_iter().max_by(|a, b| {
                a.1.total_cmp(&b.1)
                    .then_with(|| b.0.to_string().cmp(&a.0.to_string()))
            }),
            bench_minutes_average: average(bench_minutes as f64, repaired),
            inspected_units: inspected,
            first_pass_units: first_pass,
            confirmations,
            satisfaction_average: average(f64::from(scores), confirmations),
            satisfaction_counts,
            working,
            feedback,
            surveys,
            survey_average: average(f64::from(survey_sum), surveys),
        }
    }

    /// The share of inspected units that passed their first inspection, in percent.
    pub fn first_pass_percent(&self) -> Option<f64> {
        (self.inspected_units > 0)
            .then(|| 100.0 * f64::from(self.first_pass_units) / f64::from(self.inspected_units))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(day: u32, hour: u32) -> DateTime<Utc> {
        NaiveDate::from_ymd_opt(2026, 11, day)
            .unwrap()
            .and_hms_opt(hour, 0, 0)
            .unwrap()
            .and_utc()
    }

    fn unit(
        ticket: &TicketNumber,
        k: u32,
        passed: Option<DateTime<Utc>>,
        first: Option<Verdict>,
    ) -> UnitFacts {
        UnitFacts {
            number: ticket.unit(k),
            received_at: Some(at(2, 8)),
            passed_at: passed,
            first_verdict: first,
            repair_minutes: 60,
        }
    }

    #[test]
    fn a_month_is_counted_from_its_tickets() {
        let a = TicketNumber::parse("WH1-2026-00001").unwrap();
        let b = TicketNumber::parse("WH2-2026-00001").unwrap();
        let facts = [
            TicketFacts {
                number: a.clone(),
                model: "X200".into(),
                quantity: 2,
                registered_at: at(1, 9),
                fault_type: "power supply".into(),
                units: vec![
                    unit(&a, 1, Some(at(3, 8)), Some(Verdict::Pass)),
                    unit(&a, 2, Some(at(5, 8)), Some(Verdict::Fail)),
                ],
                confirmation: Some(ConfirmationFacts {
                    working: true,
                    satisfaction: 4,
                    feedback: Some("快".into()),
                }),
                survey: None,
            },
            TicketFacts {
                number: b.clone(),
                model: "X100".into(),
                quantity: 1,
                registered_at: at(20, 9),
                fault_type: "power supply".into(),
                units: vec![unit(&b, 1, None, None)],
                confirmation: None,
                survey: Some((2, Some("slow".into()))),
            },
        ];
        let month = Month::parse("2026-11").unwrap();
        let analysis = MonthlyAnalysis::compute(month, &facts);
        assert_eq!(
            analysis.total,
            Returns {
                tickets: 2,
                units: 3
            }
        );
        assert_eq!(analysis.by_model[0].0, "X200");
        assert_eq!(analysis.fault_types, vec![("power supply".into(), 2)]);
        assert_eq!(analysis.repaired_units, 2);
        assert_eq!(analysis.repair_hours_average, Some(48.0));
        assert_eq!(analysis.repair_hours_longest, Some((a.unit(2), 72.0)));
        assert_eq!(analysis.first_pass_percent(), Some(50.0));
        assert_eq!(analysis.satisfaction_average, Some(4.0));
        assert_eq!(analysis.satisfaction_counts, [0, 0, 0, 1, 0]);
        assert_eq!(
            analysis.feedback,
            vec![(a, 4, "快".into()), (b, 2, "slow".into())],
            "the customers' survey comments are feedback too"
        );
        assert_eq!((analysis.surveys, analysis.survey_average), (1, Some(2.0)));
    }

    #[test]
    fn months_read_and_step() {
        let m = Month::parse("2026-12").unwrap();
        assert_eq!(m.next().to_string(), "2027-01");
        assert_eq!(m.previous().to_string(), "2026-11");
        assert!(Month::parse("2026-13").is_err());
        assert!(Month::parse("November").is_err());
        assert_eq!(
            Month::parse("26-11").unwrap_err().to_string(),
            "“26-11” is not a month: write it as YYYY-MM, e.g. 2026-11"
        );
    }
}
