//! "My work": what waits for a role (and, for repairs, for a person) in a ticket, read from
//! its summary. The bench page's home lists it.

use crate::people::{Action, Role};
use crate::{Deadline, Location, TicketStatus, TicketSummary, UnitBrief, UnitNumber, UnitState};

/// Something waiting for a person: a step on a ticket, or on some of its units.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Work {
    pub action: Action,
    pub units: Vec<UnitNumber>,
}

/// What waits in a ticket for `role` (and, for repairs, for the person `me`). `notice`
/// says whether a shipping notice was given, which the summary does not hold: `None` when the
/// caller did not look it up, and then both sales and after-sales see the ticket.
pub fn waiting(summary: &TicketSummary, role: Role, me: &str, notice: Option<bool>) -> Vec<Work> {
    use Action as A;
    let mut work = Vec::new();
    let mut push = |action: Action, units: Vec<UnitNumber>| {
        if role.may(action) {
            work.push(Work { action, units });
        }
    };
    let units = |pick: &dyn Fn(&UnitBrief) -> bool| -> Vec<UnitNumber> {
        summary
            .units
            .iter()
            .filter(|u| pick(u))
            .map(|u| u.number.clone())
            .collect()
    };
    let pending = |deadline: Deadline| summary.pending.iter().any(|p| p.deadline == deadline);
    match summary.status {
        TicketStatus::Registered if pending(Deadline::Forward) => push(A::Forward, vec![]),
        TicketStatus::Registered => push(A::Assess, vec![]),
        TicketStatus::Assessed => push(A::Receive, vec![]),
        TicketStatus::Received | TicketStatus::InRepair | TicketStatus::Inspected => {
            let to_assign = units(&|u| matches!(u.state, UnitState::Received | UnitState::Stored));
            if !to_assign.is_empty() {
                push(A::Assign, to_assign);
            }
            let mine = units(&|u| {
                A::Repair.takes_unit(u.state)
                    && matches!(&u.location, Location::Bench(name) if name.eq_ignore_ascii_case(me))
            });
            if !mine.is_empty() {
                push(A::Repair, mine);
            }
            let to_inspect = units(&|u| u.state == UnitState::AwaitingInspection);
            if !to_inspect.is_empty() {
                push(A::Inspect, to_inspect);
            }
            if summary.status == TicketStatus::Inspected {
                let passed = units(&|u| u.state == UnitState::Passed);
                let packed = units(&|u| u.state == UnitState::Packed);
                let noticed = notice.unwrap_or(true) || !packed.is_empty();
                if notice != Some(true) && packed.is_empty() {
                    push(A::ShipNotice, vec![]);
                }
                if noticed && !passed.is_empty() {
                    push(A::Pack, passed);
                }
                if !packed.is_empty() {
                    push(A::Ship, packed);
                }
            }
        }
        TicketStatus::Shipped => push(A::Confirm, vec![]),
        _ => {}
    }
    work
}
