//! The states the workflow derives: a ticket's status, a unit's state and place, and the
//! conflicts between concurrent steps. Derived from events, never stored.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::Refusal;
use crate::event::EventKind;
use crate::i18n::{Lang, Localized};
use crate::ids::{AreaCode, EventId, SiteCode, UnitNumber};
use crate::tr;

/// Where a ticket stands. Derived, never stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TicketStatus {
    Registered,
    Assessed,
    Received,
    InRepair,
    Inspected,
    Shipped,
    Confirmed,
    Closed,
    Archived,
    OnHold,
    Cancelled,
}

impl TicketStatus {
    pub const ALL: [Self; 11] = [
        Self::Registered,
        Self::Assessed,
        Self::Received,
        Self::InRepair,
        Self::Inspected,
        Self::Shipped,
        Self::Confirmed,
        Self::Closed,
        Self::Archived,
        Self::OnHold,
        Self::Cancelled,
    ];

    /// The wire name (`in_repair`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Registered => "registered",
            Self::Assessed => "assessed",
            Self::Received => "received",
            Self::InRepair => "in_repair",
            Self::Inspected => "inspected",
            Self::Shipped => "shipped",
            Self::Confirmed => "confirmed",
            Self::Closed => "closed",
            Self::Archived => "archived",
            Self::OnHold => "on_hold",
            Self::Cancelled => "cancelled",
        }
    }

    /// The status in words, for people.
    pub fn label(self, lang: Lang) -> String {
        tr!(lang, "status", status = self.as_str())
    }

    pub fn parse(text: &str) -> Option<Self> {
        let wanted = text.trim().to_ascii_lowercase().replace(['-', ' '], "_");
        Self::ALL.into_iter().find(|s| s.as_str() == wanted)
    }
}

impl fmt::Display for TicketStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.as_str().replace('_', " "))
    }
}

/// Where one physical unit stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum UnitState {
    Received,
    Stored,
    InRepair,
    AwaitingInspection,
    Passed,
    Failed,
    Packed,
    Shipped,
}

impl UnitState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Received => "received",
            Self::Stored => "stored",
            Self::InRepair => "in_repair",
            Self::AwaitingInspection => "awaiting_inspection",
            Self::Passed => "passed",
            Self::Failed => "failed",
            Self::Packed => "packed",
            Self::Shipped => "shipped",
        }
    }
}

impl UnitState {
    /// The state as a verb phrase, for sentences like "unit X failed inspection".
    pub fn phrase(self, lang: Lang) -> String {
        tr!(lang, "unit-phrase", state = self.as_str())
    }

    /// The state in a word or two, for people.
    pub fn label(self, lang: Lang) -> String {
        tr!(lang, "unit-state", state = self.as_str())
    }
}

impl fmt::Display for UnitState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.as_str().replace('_', " "))
    }
}

/// Where a unit physically is. On the wire: the area code (`SHELF-A1`), `bench:NAME`,
/// `receiving`, `package` or `shipped`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Location {
    /// Arrived, not yet put in a storage area.
    Receiving,
    Area(AreaCode),
    /// At a repairer's bench.
    Bench(String),
    Package,
    Shipped,
    /// Handed over to another site, on its way there.
    Transit(SiteCode),
}

impl Location {
    /// Where the unit is, for people.
    pub fn label(&self, lang: Lang) -> String {
        match self {
            Self::Area(code) => code.to_string(),
            Self::Bench(name) => tr!(lang, "location-bench", name = name.as_str()),
            Self::Receiving => tr!(lang, "location", place = "receiving"),
            Self::Package => tr!(lang, "location", place = "package"),
            Self::Shipped => tr!(lang, "location", place = "shipped"),
            Self::Transit(site) => tr!(lang, "location-transit", site = site.to_string()),
        }
    }

    pub fn area(&self) -> Option<&AreaCode> {
        match self {
            Self::Area(code) => Some(code),
            _ => None,
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Receiving => f.write_str("receiving"),
            Self::Area(code) => write!(f, "{code}"),
            Self::Bench(name) => write!(f, "bench:{name}"),
            Self::Package => f.write_str("package"),
            Self::Shipped => f.write_str("shipped"),
            Self::Transit(site) => write!(f, "transit:{site}"),
        }
    }
}

impl Serialize for Location {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Location {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Ok(match text.as_str() {
            "receiving" => Self::Receiving,
            "package" => Self::Package,
            "shipped" => Self::Shipped,
            _ => match (text.strip_prefix("bench:"), text.strip_prefix("transit:")) {
                (Some(name), _) => Self::Bench(name.to_owned()),
                (_, Some(site)) => {
                    Self::Transit(SiteCode::parse(site).map_err(serde::de::Error::custom)?)
                }
                _ => Self::Area(AreaCode::parse(&text).map_err(serde::de::Error::custom)?),
            },
        })
    }
}

/// The derived state of one unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UnitStatus {
    pub number: UnitNumber,
    pub state: UnitState,
    pub location: Location,
    pub repairer: Option<String>,
    /// Inspections so far; more than one means rework rounds.
    pub inspections: u32,
    pub repair_minutes: u32,
    /// The pre-printed label the unit carries, if it got one instead of a printed label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub label: Option<crate::label::Reserved>,
}

/// An event that could not take effect because of a concurrent event from another replica.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Conflict {
    pub event: EventId,
    #[serde(rename = "type")]
    pub kind: String,
    pub at: DateTime<Utc>,
    pub site: SiteCode,
    pub by: String,
    /// What the event tried to do.
    pub what: String,
    /// The rule it broke, given the events ordered before it.
    pub reason: String,
    /// Set once a person resolved it.
    pub resolution: Option<String>,
    /// The event's kind and the refusal themselves, to say them in a person's language
    /// ([`Conflict::what_in`], [`Conflict::reason_in`]). `what` and `reason` are English, for
    /// machine outputs.
    #[serde(skip)]
    #[cfg_attr(feature = "openapi", schema(ignore))]
    pub cause: Option<Box<(EventKind, Refusal)>>,
}

impl Conflict {
    /// What the event tried to do, in `lang`.
    pub fn what_in(&self, lang: Lang) -> String {
        self.cause
            .as_ref()
            .map_or_else(|| self.what.clone(), |cause| cause.0.describe(lang))
    }

    /// The rule it broke, in `lang`.
    pub fn reason_in(&self, lang: Lang) -> String {
        self.cause
            .as_ref()
            .map_or_else(|| self.reason.clone(), |cause| cause.1.message(lang))
    }
}
