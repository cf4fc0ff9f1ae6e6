//! [`Refusal`]: why the regulation does not allow a step now, in words a bench worker
//! understands, with a stable code for programs.

use chrono::NaiveDate;
use thiserror::Error;

use super::UnitState;
use crate::ids::{EventId, TicketNumber, UnitNumber};

/// A step the regulation does not allow now. Each message names the rule and how to proceed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum Refusal {
    #[error("the ticket was already registered")]
    AlreadyRegistered,
    #[error("the ticket has no registration: this document is damaged")]
    NotRegistered,
    #[error("the ticket is archived (regulation 8): archived records can no longer change")]
    Archived,
    #[error("the ticket was cancelled ({reason}): only costs, corrections and archiving remain")]
    Cancelled { reason: String },
    #[error("the ticket is closed: only costs, corrections and archiving remain")]
    Closed,
    #[error("the ticket is on hold ({reason}): resume it first with `rma-agent resume`")]
    OnHold { reason: String },
    #[error("the ticket is already on hold")]
    AlreadyHeld,
    #[error("the ticket is not on hold")]
    NotHeld,
    #[error("the registration was already passed to after-sales")]
    AlreadyForwarded,
    #[error(
        "the ticket was already assessed on {on} (regulation 2.3 asks for one first assessment)"
    )]
    AlreadyAssessed { on: NaiveDate },
    #[error(
        "regulation 2.3: the first assessment comes before you can {step}; run `rma-agent assess` first"
    )]
    NotAssessed { step: &'static str },
    #[error(
        "regulation 2.3: a complex fault needs a joint assessment with technical and production that produces a repair plan; give --plan"
    )]
    ComplexNeedsPlan,
    #[error("the units of this ticket were already received and numbered")]
    AlreadyReceived,
    #[error("unit {unit} does not belong to ticket {ticket}")]
    UnitNotOfTicket {
        unit: UnitNumber,
        ticket: TicketNumber,
    },
    #[error("unit {unit} has not been received: see `rma-agent show` for the ticket's units")]
    UnknownUnit { unit: UnitNumber },
    #[error(
        "unit {unit} {phrase}: it cannot be moved now (packed and shipped units travel with their package)", phrase = .state.phrase()
    )]
    CannotMove { unit: UnitNumber, state: UnitState },
    #[error(
        "unit {unit} {phrase}: only received, stored or failed units can be assigned to a repairer", phrase = .state.phrase()
    )]
    CannotAssign { unit: UnitNumber, state: UnitState },
    #[error(
        "regulation 3.1: unit {unit} {phrase} and not assigned to a repairer; assign it first with `rma-agent assign`", phrase = .state.phrase()
    )]
    NotAssigned { unit: UnitNumber, state: UnitState },
    #[error("unit {unit} {phrase}: a repair record is not possible now", phrase = .state.phrase())]
    CannotRepair { unit: UnitNumber, state: UnitState },
    #[error(
        "regulation 3.4: only a repaired unit can be inspected; unit {unit} {phrase} (record a finished repair with `rma-agent repair` first)", phrase = .state.phrase()
    )]
    NotRepaired { unit: UnitNumber, state: UnitState },
    #[error(
        "regulation 3.4 and 4.1: only units that passed inspection can be shipped; unit {unit} {phrase}", phrase = .state.phrase()
    )]
    NotPassed { unit: UnitNumber, state: UnitState },
    #[error(
        "regulation 4.2: unit {unit} {phrase} but is not packed yet; pack it first with `rma-agent pack`", phrase = .state.phrase()
    )]
    NotPacked { unit: UnitNumber, state: UnitState },
    #[error(
        "regulation 4.1: sales issues the shipping notice before packing; run `rma-agent ship-notice` first"
    )]
    NoShipNotice,
    #[error(
        "regulation 4.1: no unit of this ticket has been received yet, so nothing can be shipped"
    )]
    NoUnits,
    #[error("regulation 5.2: delivery can be confirmed only after every unit shipped")]
    NotShipped,
    #[error("delivery was already confirmed")]
    AlreadyConfirmed,
    #[error(
        "regulation 5.2: confirm delivery with the customer before closing (`rma-agent confirm`)"
    )]
    NotConfirmed,
    #[error("regulation 8: only closed or cancelled tickets are archived; close it first")]
    NotClosed,
    #[error("a ticket with shipped units cannot be cancelled")]
    AlreadyShipped,
    #[error("there is no open conflict for event {event}")]
    UnknownConflict { event: EventId },
    #[error("{0}")]
    BadRecord(String),
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
            Self::NotConfirmed => "not_confirmed",
            Self::NotClosed => "not_closed",
            Self::AlreadyShipped => "already_shipped",
            Self::UnknownConflict { .. } => "unknown_conflict",
            Self::BadRecord(_) => "bad_record",
        }
    }
}
