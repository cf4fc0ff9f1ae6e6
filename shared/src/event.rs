//! The workflow events of a ticket: one per step of the regulation, each recording who did it,
//! at which site and when. Events are only ever appended; the ticket's state is derived from
//! them by [`crate::workflow`].

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::i18n::Lang;
use crate::ids::{AreaCode, EventId, SiteCode, UnitNumber};
use crate::label::LabelCode;
use crate::money::Money;
use crate::tr;

mod at_text;

/// One step, as stored in the ticket document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Event {
    pub id: EventId,
    #[serde(deserialize_with = "at_text::deserialize")]
    pub at: DateTime<Utc>,
    pub site: SiteCode,
    /// The person who did it.
    pub by: String,
    #[serde(flatten)]
    pub kind: EventKind,
    /// The site's PC's own clock when it recorded the step, where that differed from `at`
    /// (its clock corrected by the offset its last sync measured; see [`crate::clock`]).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "at_text::option::deserialize"
    )]
    pub local_at: Option<DateTime<Utc>>,
    /// Recorded although the PC's clock had gone back since its last sync: `at` is the PC's
    /// own time, unconfirmed.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub clock_unsure: bool,
    /// Derived, never recorded: the step was dated this many seconds after the server's time
    /// when it reached the server, and `at` is that arrival (the office noted it with
    /// [`EventKind::ClockCorrected`]).
    #[serde(default, skip_serializing_if = "Option::is_none", skip_deserializing)]
    pub ahead_secs: Option<i64>,
}

impl Event {
    pub fn new(kind: EventKind, site: SiteCode, by: impl Into<String>, at: DateTime<Utc>) -> Self {
        Self {
            id: EventId::random(),
            at,
            site,
            by: by.into(),
            kind,
            local_at: None,
            clock_unsure: false,
            ahead_secs: None,
        }
    }

    /// A step recorded at `stamp`: the PC's own time kept beside the corrected one.
    pub fn stamped(
        kind: EventKind,
        site: SiteCode,
        by: impl Into<String>,
        stamp: crate::clock::Stamp,
    ) -> Self {
        Self {
            local_at: stamp.local,
            clock_unsure: stamp.unsure,
            ..Self::new(kind, site, by, stamp.at)
        }
    }
}

/// Takes the office's notes of steps dated ahead of the server's time into the steps: each
/// such step counts at its arrival (board, deadlines, analysis), and says how far ahead it
/// was dated.
pub fn correct_clocks(events: &mut [Event]) {
    let arrivals: std::collections::HashMap<EventId, DateTime<Utc>> = events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::ClockCorrected { event, arrived } => Some((event.clone(), *arrived)),
            _ => None,
        })
        .collect();
    if arrivals.is_empty() {
        return;
    }
    for event in events.iter_mut() {
        if let Some(arrived) = arrivals.get(&event.id)
            && *arrived < event.at
        {
            event.ahead_secs = Some((event.at - *arrived).num_seconds());
            event.at = *arrived;
        }
    }
}

/// What happened. The wire name of each kind is its snake_case `type`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventKind {
    /// 2.1: sales recorded the registration form (its fields live in the document's
    /// `registration` map, which later edits may change).
    Registered,
    /// A descriptive field of the registration was corrected.
    Edited {
        field: RegistrationField,
        value: String,
    },
    /// 2.2: sales passed the registration on to after-sales.
    Forwarded {
        note: Option<String>,
    },
    /// 2.3: after-sales' first assessment.
    Assessed(Assessment),
    /// 2.4: the units arrived, were checked, numbered and (optionally) stored.
    Received(Receiving),
    /// 2.4: a unit was put in (or moved to) a storage area.
    Moved {
        unit: UnitNumber,
        to: AreaCode,
    },
    /// 3.1: after-sales assigned units to a repairer, who collects them from storage.
    Assigned {
        repairer: String,
        units: Vec<UnitNumber>,
    },
    /// 3.2: a repair record for one unit.
    Repaired(RepairRecord),
    /// 3.2: parts needed for a repair, sent to procurement.
    PartsRequested {
        unit: Option<UnitNumber>,
        parts: Vec<PartLine>,
        note: Option<String>,
    },
    /// 3.4: inspection of a repaired unit; a pass is the inspector's signature.
    Inspected {
        unit: UnitNumber,
        verdict: Verdict,
        inspector: String,
        note: Option<String>,
    },
    /// 4.1: sales agreed method and date with the customer.
    ShipNoticed {
        method: String,
        date: NaiveDate,
        note: Option<String>,
    },
    /// 4.2: units packed for shipping.
    Packed {
        units: Vec<UnitNumber>,
    },
    /// 4.3: the package was handed to the carrier.
    Shipped {
        carrier: String,
        tracking: String,
        units: Vec<UnitNumber>,
    },
    /// 5.1-5.2: delivery confirmed with the customer, with how the unit works and how satisfied
    /// the customer is.
    Confirmed(Confirmation),
    /// 6: a line of the cost ledger.
    Cost(CostLine),
    /// 6.2: finance audited a line of the cost ledger, or queried it (with a note).
    CostAudited {
        /// The `cost` event audited.
        cost: EventId,
        verdict: AuditVerdict,
        note: Option<String>,
    },
    /// 5.1-5.2: the customer's own answer to the satisfaction survey on their status page,
    /// recorded by the server (the office's record, as finance's marks are): 1-5, and what
    /// they wrote.
    SurveyAnswered {
        rating: u8,
        comment: Option<String>,
    },
    /// The ticket is finished; 5.3: how the customer's feedback was handled.
    Closed {
        note: Option<String>,
    },
    /// 8: filed in the archive, kept by a named keeper until a date.
    Archived {
        keeper: String,
        retain_until: NaiveDate,
        /// Every event the archiving copy held (filled in when it is recorded). A change made
        /// elsewhere without knowing of the archive is not among them: it is a conflict, wherever
        /// the merge happens to place it.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        covers: Vec<EventId>,
    },
    /// Work paused (waiting for the customer, for parts...).
    Held {
        reason: String,
    },
    Resumed,
    Cancelled {
        reason: String,
    },
    /// A person looked at a conflict between concurrent offline edits and settled it.
    ConflictResolved {
        event: EventId,
        note: String,
    },
    /// A label of the ticket (or of one of its units) was scanned.
    Scanned {
        code: LabelCode,
    },
    /// Labels of the ticket or its units were printed (recorded only when the printer took
    /// the job).
    LabelsPrinted {
        codes: Vec<LabelCode>,
        copies: u32,
        printer: String,
    },
    /// A photo or document was kept with the ticket (its bytes travel beside the document).
    Attached(crate::files::Attachment),
    /// The office noted a step dated after the server's own time when it arrived (a PC whose
    /// clock runs ahead): the step counts at its arrival.
    ClockCorrected {
        event: EventId,
        arrived: DateTime<Utc>,
    },
    /// The ticket (and the units named, which travel) went to another site, which holds the
    /// ticket from then on beside this one and takes the units in with its own receiving
    /// check; with `leave`, this site lets the ticket go (it moved away entirely).
    HandedOver {
        to: SiteCode,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        units: Vec<UnitNumber>,
        carrier: Option<String>,
        tracking: Option<String>,
        note: Option<String>,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        leave: bool,
        /// With `leave`: every event the handing copy held (filled in when it is recorded). A
        /// step made at this site without knowing it had let the ticket go is not among them.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        covers: Vec<EventId>,
    },
    /// The office noted a step recorded at a site that did not hold the ticket when the step
    /// reached the server (an offline change from outside its scope): the step is a conflict
    /// for a person to settle, and is kept.
    OutsideScope {
        event: EventId,
    },
}

impl EventKind {
    /// The wire name of this kind, as in the `type` field.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Registered => "registered",
            Self::Edited { .. } => "edited",
            Self::Forwarded { .. } => "forwarded",
            Self::Assessed(_) => "assessed",
            Self::Received(_) => "received",
            Self::Moved { .. } => "moved",
            Self::Assigned { .. } => "assigned",
            Self::Repaired(_) => "repaired",
            Self::PartsRequested { .. } => "parts_requested",
            Self::Inspected { .. } => "inspected",
            Self::ShipNoticed { .. } => "ship_noticed",
            Self::Packed { .. } => "packed",
            Self::Shipped { .. } => "shipped",
            Self::Confirmed(_) => "confirmed",
            Self::Cost(_) => "cost",
            Self::CostAudited { .. } => "cost_audited",
            Self::SurveyAnswered { .. } => "survey_answered",
            Self::Closed { .. } => "closed",
            Self::Archived { .. } => "archived",
            Self::Held { .. } => "held",
            Self::Resumed => "resumed",
            Self::Cancelled { .. } => "cancelled",
            Self::ConflictResolved { .. } => "conflict_resolved",
            Self::Scanned { .. } => "scanned",
            Self::LabelsPrinted { .. } => "labels_printed",
            Self::Attached(_) => "attached",
            Self::ClockCorrected { .. } => "clock_corrected",
            Self::HandedOver { .. } => "handed_over",
            Self::OutsideScope { .. } => "outside_scope",
        }
    }

    /// A one-line description for people, used by `history`, the ticket pages and in
    /// conflict reports.
    pub fn describe(&self, lang: Lang) -> String {
        let list = |items: &mut dyn Iterator<Item = String>| items.collect::<Vec<_>>().join(", ");
        let units = |units: &[UnitNumber]| list(&mut units.iter().map(ToString::to_string));
        match self {
            Self::Registered => tr!(lang, "event-registered"),
            Self::Edited { field, value } => tr!(
                lang,
                "event-edited",
                field = field.label(lang),
                value = value.as_str()
            ),
            Self::Forwarded { .. } => tr!(lang, "event-forwarded"),
            Self::Assessed(a) => match a.severity {
                Severity::Simple => tr!(lang, "event-assessed-simple"),
                Severity::Complex => tr!(lang, "event-assessed-complex"),
            },
            Self::Received(r) => match &r.area {
                Some(area) => tr!(
                    lang,
                    "event-received-into",
                    count = r.units.len(),
                    area = area.to_string()
                ),
                None => tr!(lang, "event-received", count = r.units.len()),
            },
            Self::Moved { unit, to } => tr!(
                lang,
                "event-moved",
                unit = unit.to_string(),
                to = to.to_string()
            ),
            Self::Assigned { repairer, units: u } => tr!(
                lang,
                "event-assigned",
                units = units(u),
                repairer = repairer.as_str()
            ),
            Self::Repaired(r) => tr!(
                lang,
                if r.finished {
                    "event-repaired-finished"
                } else {
                    "event-repaired-continues"
                },
                unit = r.unit.to_string(),
                minutes = r.minutes
            ),
            Self::PartsRequested { parts, .. } => tr!(
                lang,
                "event-parts-requested",
                parts = list(&mut parts.iter().map(ToString::to_string))
            ),
            Self::Inspected {
                unit,
                verdict,
                inspector,
                ..
            } => tr!(
                lang,
                "event-inspected",
                unit = unit.to_string(),
                verdict = verdict.label(lang),
                inspector = inspector.as_str()
            ),
            Self::ShipNoticed { method, date, .. } => tr!(
                lang,
                "event-ship-noticed",
                method = method.as_str(),
                date = date.to_string()
            ),
            Self::Packed { units: u } => tr!(lang, "event-packed", units = units(u)),
            Self::Shipped {
                carrier, tracking, ..
            } => tr!(
                lang,
                "event-shipped",
                carrier = carrier.as_str(),
                tracking = tracking.as_str()
            ),
            Self::Confirmed(c) => tr!(
                lang,
                "event-confirmed",
                date = c.delivered_on.to_string(),
                satisfaction = c.satisfaction
            ),
            Self::Cost(c) => tr!(
                lang,
                "event-cost",
                kind = c.kind.label(lang),
                amount = c.amount.to_string(),
                payer = c.payer.label(lang)
            ),
            Self::CostAudited { verdict, note, .. } => match note {
                Some(note) => tr!(
                    lang,
                    "event-cost-audited-note",
                    verdict = verdict.label(lang),
                    note = note.as_str()
                ),
                None => tr!(lang, "event-cost-audited", verdict = verdict.label(lang)),
            },
            Self::SurveyAnswered { rating, comment } => match comment {
                Some(comment) => tr!(
                    lang,
                    "event-survey-answered-comment",
                    rating = *rating,
                    comment = comment.as_str()
                ),
                None => tr!(lang, "event-survey-answered", rating = *rating),
            },
            Self::Closed { .. } => tr!(lang, "event-closed"),
            Self::Archived {
                keeper,
                retain_until,
                ..
            } => tr!(
                lang,
                "event-archived",
                keeper = keeper.as_str(),
                until = retain_until.to_string()
            ),
            Self::Held { reason } => tr!(lang, "event-held", reason = reason.as_str()),
            Self::Resumed => tr!(lang, "event-resumed"),
            Self::Cancelled { reason } => tr!(lang, "event-cancelled", reason = reason.as_str()),
            Self::ConflictResolved { event, note } => tr!(
                lang,
                "event-conflict-resolved",
                event = event.to_string(),
                note = note.as_str()
            ),
            Self::Scanned { code } => tr!(lang, "event-scanned", code = code.to_string()),
            Self::LabelsPrinted {
                codes,
                copies,
                printer,
            } => tr!(
                lang,
                "event-labels-printed",
                count = codes.len(),
                codes = list(&mut codes.iter().map(ToString::to_string)),
                printer = printer.as_str(),
                copies = *copies
            ),
            Self::Attached(file) => tr!(
                lang,
                if file.media_type.is_image() {
                    "event-attached-photo"
                } else {
                    "event-attached-document"
                },
                step = file.step.label(lang),
                captioned = if file.caption.is_some() { "yes" } else { "no" },
                caption = file.caption.as_deref().unwrap_or("")
            ),
            Self::ClockCorrected { event, arrived } => tr!(
                lang,
                "event-clock-corrected",
                event = event.to_string(),
                arrived = crate::calendar::company().show(*arrived)
            ),
            Self::HandedOver {
                to,
                units: u,
                carrier,
                tracking,
                leave,
                ..
            } => {
                let said = tr!(
                    lang,
                    "event-handed-over",
                    to = to.to_string(),
                    count = u.len(),
                    units = units(u),
                    leave = if *leave { "yes" } else { "no" }
                );
                match (carrier, tracking) {
                    (Some(carrier), Some(tracking)) => format!(
                        "{said}{}",
                        tr!(
                            lang,
                            "event-handed-over-carrier",
                            carrier = carrier.as_str(),
                            tracking = tracking.as_str()
                        )
                    ),
                    _ => said,
                }
            }
            Self::OutsideScope { event } => {
                tr!(lang, "event-outside-scope", event = event.to_string())
            }
        }
    }
}

/// Fields of the registration form that may be corrected after intake.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RegistrationField {
    Customer,
    Contact,
    Fault,
    Email,
    Phone,
    CustomerLang,
}

impl RegistrationField {
    pub const ALL: [Self; 6] = [
        Self::Customer,
        Self::Contact,
        Self::Fault,
        Self::Email,
        Self::Phone,
        Self::CustomerLang,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Self::Customer => "customer",
            Self::Contact => "contact",
            Self::Fault => "fault",
            Self::Email => "email",
            Self::Phone => "phone",
            Self::CustomerLang => "customer_lang",
        }
    }

    pub fn label(self, lang: Lang) -> String {
        tr!(lang, "field", field = self.key())
    }
}

/// What the customer asked for (2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CustomerRequest {
    Repair,
    Replace,
    Refund,
}

impl CustomerRequest {
    pub fn label(self, lang: Lang) -> String {
        tr!(lang, "request", request = self.key())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Simple,
    Complex,
}

/// 2.3: the first assessment. A complex fault needs a joint review with technical and
/// production, which produces a repair plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Assessment {
    pub severity: Severity,
    /// How the fault will be handled, in a few words.
    pub handling: Option<String>,
    /// People from technical who joined the review.
    #[serde(default)]
    pub technical: Vec<String>,
    /// People from production who joined the review.
    #[serde(default)]
    pub production: Vec<String>,
    pub plan: Option<String>,
    /// The kind of fault (e.g. "power supply"), for the monthly analysis (7).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fault_type: Option<String>,
}

impl Assessment {
    /// A simple fault with nothing more recorded; `Assessment { handling: ..,
    /// ..Assessment::simple() }` adds to it.
    pub fn simple() -> Self {
        Self {
            severity: Severity::Simple,
            handling: None,
            technical: vec![],
            production: vec![],
            plan: None,
            fault_type: None,
        }
    }
}

/// 2.4: the receiving register entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Receiving {
    /// The model found on the units, when checked.
    pub model: String,
    pub quantity: u32,
    pub appearance: String,
    /// What did not match the registration form, if anything.
    pub discrepancy: Option<String>,
    pub units: Vec<UnitNumber>,
    pub area: Option<AreaCode>,
    /// Pre-printed labels scanned onto the units, in the units' order (none: labels printed).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub labels: Vec<crate::label::Reserved>,
}

/// A part and how many of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PartLine {
    pub part: String,
    pub quantity: u32,
}

impl std::fmt::Display for PartLine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} x{}", self.part, self.quantity)
    }
}

/// 3.2: what the repairer did to one unit in one sitting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RepairRecord {
    pub unit: UnitNumber,
    pub steps: String,
    #[serde(default)]
    pub parts: Vec<PartLine>,
    pub minutes: u32,
    /// New problems found during the repair, reported to after-sales and technical.
    pub findings: Option<String>,
    /// The repair is done and the unit goes to inspection.
    pub finished: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Pass,
    Fail,
}

/// `--pass` or `--fail` on the command line.
#[cfg(feature = "cli")]
impl clap::FromArgMatches for Verdict {
    fn from_arg_matches(matches: &clap::ArgMatches) -> Result<Self, clap::Error> {
        if matches.get_flag("pass") {
            Ok(Self::Pass)
        } else if matches.get_flag("fail") {
            Ok(Self::Fail)
        } else {
            Err(clap::Error::new(
                clap::error::ErrorKind::MissingRequiredArgument,
            ))
        }
    }

    fn update_from_arg_matches(&mut self, matches: &clap::ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(matches)?;
        Ok(())
    }
}

#[cfg(feature = "cli")]
impl clap::Args for Verdict {
    fn augment_args(cmd: clap::Command) -> clap::Command {
        use clap::{Arg, ArgAction, ArgGroup};
        cmd.arg(
            Arg::new("pass")
                .long("pass")
                .action(ArgAction::SetTrue)
                .help("The unit meets the quality standard"),
        )
        .arg(
            Arg::new("fail")
                .long("fail")
                .action(ArgAction::SetTrue)
                .help("The unit goes back to repair"),
        )
        .group(
            ArgGroup::new("verdict")
                .args(["pass", "fail"])
                .required(true),
        )
    }

    fn augment_args_for_update(cmd: clap::Command) -> clap::Command {
        Self::augment_args(cmd)
    }
}

impl Verdict {
    pub fn label(self, lang: Lang) -> String {
        tr!(lang, "verdict", verdict = self.key())
    }
}

/// 6.2: what finance found of a cost line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AuditVerdict {
    /// Checked and right.
    Audited,
    /// Needs an answer from whoever recorded it.
    Queried,
}

impl AuditVerdict {
    pub fn label(self, lang: Lang) -> String {
        tr!(lang, "audit-verdict", verdict = self.key())
    }
}

/// 5.1-5.2: the follow-up with the customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Confirmation {
    pub delivered_on: NaiveDate,
    /// Whether the unit works as expected at the customer's.
    pub working: bool,
    /// 1 (very unhappy) to 5 (very satisfied).
    pub satisfaction: u8,
    pub feedback: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CostKind {
    Repair,
    Shipping,
    Packaging,
    Parts,
}

impl CostKind {
    pub fn label(self, lang: Lang) -> String {
        tr!(lang, "cost-kind", kind = self.key())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Payer {
    Company,
    Customer,
    Supplier,
}

impl Payer {
    pub fn label(self, lang: Lang) -> String {
        tr!(lang, "payer", payer = self.key())
    }
}

/// 6.1: why the unit failed decides who pays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Liability {
    QualityDefect,
    Misuse,
}

impl Liability {
    pub fn label(self, lang: Lang) -> String {
        tr!(lang, "liability", liability = self.key())
    }

    /// The payer the regulation names for this liability (6.1).
    pub fn default_payer(self) -> Payer {
        match self {
            Self::QualityDefect => Payer::Company,
            Self::Misuse => Payer::Customer,
        }
    }
}

/// 6.2: one line of the cost ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CostLine {
    pub kind: CostKind,
    pub amount: Money,
    pub payer: Payer,
    pub liability: Liability,
    pub unit: Option<UnitNumber>,
    pub note: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_use_snake_case_wire_names() {
        let site = SiteCode::parse("WH1").unwrap();
        let at = DateTime::from_timestamp(1_790_000_000, 0).unwrap();
        let event = Event::new(
            EventKind::Held {
                reason: "waiting for customer".into(),
            },
            site,
            "ann",
            at,
        );
        let json = serde_json::to_value(&event).unwrap();
        assert_eq!(json["type"], "held");
        assert_eq!(json["reason"], "waiting for customer");
        assert_eq!(json["site"], "WH1");
        let back: Event = serde_json::from_value(json).unwrap();
        assert_eq!(back, event);
        assert_eq!(back.kind.name(), "held");
    }
}

/// The wire names (serde's snake_case), which the catalogue's selectors use too.
macro_rules! wire_names {
    ($ty:ident { $($variant:ident => $name:literal),+ $(,)? }) => {
        impl $ty {
            pub fn key(self) -> &'static str {
                match self {
                    $(Self::$variant => $name,)+
                }
            }
        }
    };
}

wire_names!(CustomerRequest { Repair => "repair", Replace => "replace", Refund => "refund" });
wire_names!(Severity { Simple => "simple", Complex => "complex" });
wire_names!(Verdict { Pass => "pass", Fail => "fail" });
wire_names!(AuditVerdict { Audited => "audited", Queried => "queried" });
wire_names!(CostKind { Repair => "repair", Shipping => "shipping", Packaging => "packaging", Parts => "parts" });
wire_names!(Payer { Company => "company", Customer => "customer", Supplier => "supplier" });
wire_names!(Liability { QualityDefect => "quality_defect", Misuse => "misuse" });
