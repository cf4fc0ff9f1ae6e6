//! [`Refusal`]: why the regulation does not allow a step now, in words a bench worker
//! understands, with a stable code for programs.

use chrono::NaiveDate;

use super::UnitState;
use crate::i18n::{self, Lang};
use crate::ids::{EventId, SiteCode, TicketNumber, UnitNumber};
use crate::tr;

/// A step the regulation does not allow now. Each message (`refusal-CODE` in the catalogue)
/// names the rule and how to proceed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    AlreadyRegistered,
    NotRegistered,
    Archived,
    Cancelled {
        reason: String,
    },
    Closed,
    OnHold {
        reason: String,
    },
    AlreadyHeld,
    NotHeld,
    AlreadyForwarded,
    AlreadyAssessed {
        on: NaiveDate,
    },
    NotAssessed {
        step: Step,
    },
    ComplexNeedsPlan,
    AlreadyReceived,
    UnitNotOfTicket {
        unit: UnitNumber,
        ticket: TicketNumber,
    },
    UnknownUnit {
        unit: UnitNumber,
    },
    CannotMove {
        unit: UnitNumber,
        state: UnitState,
    },
    CannotAssign {
        unit: UnitNumber,
        state: UnitState,
    },
    NotAssigned {
        unit: UnitNumber,
        state: UnitState,
    },
    CannotRepair {
        unit: UnitNumber,
        state: UnitState,
    },
    NotRepaired {
        unit: UnitNumber,
        state: UnitState,
    },
    NotPassed {
        unit: UnitNumber,
        state: UnitState,
    },
    NotPacked {
        unit: UnitNumber,
        state: UnitState,
    },
    NoShipNotice,
    NoUnits,
    NotShipped,
    AlreadyConfirmed,
    /// The customer answered the survey already.
    AlreadyAnswered,
    NotConfirmed,
    NotClosed,
    AlreadyShipped,
    UnknownConflict {
        event: EventId,
    },
    UnknownCost {
        event: EventId,
    },
    /// A hand-over names the site that hands over.
    HandOverToSelf,
    /// A unit packed or shipped, or already on its way, cannot be handed over.
    CannotHandOver {
        unit: UnitNumber,
        state: UnitState,
    },
    /// The unit is on its way to another site, which takes it in first.
    InTransit {
        unit: UnitNumber,
        to: SiteCode,
    },
    /// Recorded at a site that did not hold the ticket when it reached the server.
    OutsideScope {
        site: SiteCode,
    },
    BadRecord(Bad),
}

/// A step that needs the first assessment (2.3) before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Receive,
    Assign,
    Parts,
}

impl Step {
    fn key(self) -> &'static str {
        match self {
            Self::Receive => "receive",
            Self::Assign => "assign",
            Self::Parts => "parts",
        }
    }
}

/// A record that is incomplete or malformed in itself, whatever the ticket's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Bad {
    EmptyField,
    NoUnits,
    Assignment,
    NoParts,
    NoInspector,
    PackNothing,
    NoCarrier,
    Satisfaction,
    ZeroCost,
    NotALabel {
        code: String,
        ticket: TicketNumber,
    },
    /// Pre-printed labels at receiving: not one a unit.
    LabelCount {
        labels: usize,
        units: usize,
    },
    /// A pre-printed label reserved by another site.
    ForeignLabel {
        code: String,
        site: crate::ids::SiteCode,
    },
    /// One pre-printed label for two units.
    LabelTwice {
        code: String,
    },
}

impl Bad {
    fn message(&self, lang: Lang) -> String {
        let id = match self {
            Self::EmptyField => "bad-empty-field",
            Self::NoUnits => "bad-no-units",
            Self::Assignment => "bad-assignment",
            Self::NoParts => "bad-no-parts",
            Self::NoInspector => "bad-no-inspector",
            Self::PackNothing => "bad-pack-nothing",
            Self::NoCarrier => "bad-no-carrier",
            Self::Satisfaction => "bad-satisfaction",
            Self::ZeroCost => "bad-zero-cost",
            Self::LabelCount { labels, units } => {
                return tr!(lang, "bad-label-count", labels = *labels, units = *units);
            }
            Self::ForeignLabel { code, site } => {
                return tr!(
                    lang,
                    "bad-foreign-label",
                    code = code.as_str(),
                    site = site.to_string()
                );
            }
            Self::LabelTwice { code } => {
                return tr!(lang, "bad-label-twice", code = code.as_str());
            }
            Self::NotALabel { code, ticket } => {
                return tr!(
                    lang,
                    "bad-not-a-label",
                    code = code.as_str(),
                    ticket = ticket.to_string()
                );
            }
        };
        tr!(lang, id)
    }
}

impl i18n::Localized for Refusal {
    fn message(&self, lang: Lang) -> String {
        let id = format!("refusal-{}", self.code());
        let id = id.as_str();
        let phrase = |state: &UnitState| state.phrase(lang);
        match self {
            Self::Cancelled { reason } | Self::OnHold { reason } => {
                tr!(lang, id, reason = reason.as_str())
            }
            Self::AlreadyAssessed { on } => tr!(lang, id, on = on.to_string()),
            Self::NotAssessed { step } => tr!(lang, id, step = step.key()),
            Self::UnitNotOfTicket { unit, ticket } => {
                tr!(
                    lang,
                    id,
                    unit = unit.to_string(),
                    ticket = ticket.to_string()
                )
            }
            Self::UnknownUnit { unit } => tr!(lang, id, unit = unit.to_string()),
            Self::CannotMove { unit, state }
            | Self::CannotAssign { unit, state }
            | Self::NotAssigned { unit, state }
            | Self::CannotRepair { unit, state }
            | Self::NotRepaired { unit, state }
            | Self::NotPassed { unit, state }
            | Self::NotPacked { unit, state }
            | Self::CannotHandOver { unit, state } => {
                tr!(lang, id, unit = unit.to_string(), phrase = phrase(state))
            }
            Self::InTransit { unit, to } => {
                tr!(lang, id, unit = unit.to_string(), site = to.to_string())
            }
            Self::OutsideScope { site } => tr!(lang, id, site = site.to_string()),
            Self::UnknownConflict { event } | Self::UnknownCost { event } => {
                tr!(lang, id, event = event.to_string())
            }
            Self::BadRecord(bad) => bad.message(lang),
            _ => tr!(lang, id),
        }
    }
}

impl Refusal {
    /// A stable snake_case code for scripts and the API.
    pub fn code(&self) -> &'static str {
        match self {
            Self::AlreadyRegistered => "already_registered",
            Self::NotRegistered => "not_registered",
            Self::Archived => "archived",
            Self::Cancelled { .. } => "cancelled",
            Self::Closed => "closed",
            Self::OnHold { .. } => "on_hold",
            Self::AlreadyHeld => "already_held",
            Self::NotHeld => "not_held",
            Self::AlreadyForwarded => "already_forwarded",
            Self::AlreadyAssessed { .. } => "already_assessed",
            Self::NotAssessed { .. } => "not_assessed",
            Self::ComplexNeedsPlan => "complex_needs_plan",
            Self::AlreadyReceived => "already_received",
            Self::UnitNotOfTicket { .. } => "unit_not_of_ticket",
            Self::UnknownUnit { .. } => "unknown_unit",
            Self::CannotMove { .. } => "cannot_move",
            Self::CannotAssign { .. } => "cannot_assign",
            Self::NotAssigned { .. } => "not_assigned",
            Self::CannotRepair { .. } => "cannot_repair",
            Self::NotRepaired { .. } => "not_repaired",
            Self::NotPassed { .. } => "not_passed",
            Self::NotPacked { .. } => "not_packed",
            Self::NoShipNotice => "no_ship_notice",
            Self::NoUnits => "no_units",
            Self::NotShipped => "not_shipped",
            Self::AlreadyConfirmed => "already_confirmed",
            Self::AlreadyAnswered => "already_answered",
            Self::NotConfirmed => "not_confirmed",
            Self::NotClosed => "not_closed",
            Self::AlreadyShipped => "already_shipped",
            Self::UnknownConflict { .. } => "unknown_conflict",
            Self::UnknownCost { .. } => "unknown_cost",
            Self::HandOverToSelf => "hand_over_to_self",
            Self::CannotHandOver { .. } => "cannot_hand_over",
            Self::InTransit { .. } => "in_transit",
            Self::OutsideScope { .. } => "outside_scope",
            Self::BadRecord(_) => "bad_record",
        }
    }
}

crate::english_display!(Refusal);

impl std::error::Error for Refusal {}
