//! What applying a step did, in a person's words: the records it made and where the ticket
//! stands now.

use serde::{Deserialize, Serialize};

use crate::event::{Event, EventKind, Verdict};
use crate::i18n::Lang;
use crate::ids::TicketNumber;
use crate::view::TicketView;
use crate::{TicketStatus, UnitState, tr};

/// What a step did: the events it recorded, in order (an edit of two fields records two), and
/// the ticket as it is now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    pub recorded: Vec<Event>,
    pub ticket: TicketView,
    /// This PC's clock, when it is off the server's by more than the tolerance: said after
    /// what was recorded, with what to do.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clock: Option<crate::clock::Reading>,
}

impl Outcome {
    /// What a person reads: what was recorded, then where the ticket stands. A registration
    /// says its new number alone (scripts read it).
    pub fn lines(&self, lang: Lang) -> Vec<String> {
        let number = &self.ticket.number;
        let mut lines: Vec<String> = self
            .recorded
            .iter()
            .flat_map(|event| done(&event.kind, number, lang))
            .collect();
        let registered = self
            .recorded
            .iter()
            .any(|e| matches!(e.kind, EventKind::Registered));
        if !registered {
            let view = &self.ticket;
            let states = view.units.iter().map(|u| u.status.state);
            lines.push(status_line(&view.number, view.status, states, lang));
        }
        if let Some(reading) = &self.clock {
            lines.push(crate::clock::warning(reading, lang));
        }
        lines
    }
}

/// Where a ticket stands, in a sentence: its status, and its units' state when they agree.
pub fn status_line(
    ticket: &TicketNumber,
    status: TicketStatus,
    units: impl IntoIterator<Item = UnitState>,
    lang: Lang,
) -> String {
    let states: Vec<UnitState> = units.into_iter().collect();
    let status = status.label(lang);
    let ticket = ticket.to_string();
    match states.first() {
        Some(first) if states.iter().all(|s| s == first) => tr!(
            lang,
            "out-status-line-units",
            ticket = ticket,
            status = status,
            count = states.len(),
            state = first.label(lang)
        ),
        _ => tr!(lang, "out-status-line", ticket = ticket, status = status),
    }
}

/// What recording `kind` on `ticket` did, in a person's words.
fn done(kind: &EventKind, ticket: &TicketNumber, lang: Lang) -> Vec<String> {
    let ticket_text = ticket.to_string();
    let line = match kind {
        EventKind::Registered => ticket_text,
        EventKind::Edited { field, .. } => tr!(
            lang,
            "edit-changed",
            field = field.label(lang),
            ticket = ticket_text
        ),
        EventKind::Forwarded { .. } => tr!(lang, "done-forwarded", ticket = ticket_text),
        EventKind::Assessed(_) => tr!(lang, "done-assessed", ticket = ticket_text),
        EventKind::Received(r) => {
            let place = match &r.area {
                Some(area) => tr!(lang, "receive-stored", area = area.to_string()),
                None => tr!(lang, "receive-not-stored"),
            };
            let first = r.units.first().map(ToString::to_string).unwrap_or_default();
            let last = r.units.last().map(ToString::to_string).unwrap_or_default();
            let received = tr!(
                lang,
                "done-received",
                count = r.units.len(),
                first = first,
                last = last,
                place = place
            );
            return match &r.discrepancy {
                Some(text) => vec![
                    received,
                    tr!(lang, "receive-discrepancy", text = text.as_str()),
                ],
                None => vec![received],
            };
        }
        EventKind::Moved { unit, to } => tr!(
            lang,
            "done-moved",
            unit = unit.to_string(),
            to = to.to_string()
        ),
        EventKind::Assigned { repairer, units } => tr!(
            lang,
            "done-assigned",
            count = units.len(),
            repairer = repairer.as_str()
        ),
        EventKind::Repaired(r) => tr!(
            lang,
            if r.finished {
                "done-repaired"
            } else {
                "done-repair-continues"
            },
            minutes = r.minutes,
            unit = r.unit.to_string()
        ),
        EventKind::PartsRequested { parts, .. } => tr!(lang, "done-parts", count = parts.len()),
        EventKind::Inspected { unit, verdict, .. } => tr!(
            lang,
            match verdict {
                Verdict::Pass => "done-passed",
                Verdict::Fail => "done-failed",
            },
            unit = unit.to_string()
        ),
        EventKind::ShipNoticed { method, date, .. } => tr!(
            lang,
            "done-ship-notice",
            ticket = ticket_text,
            method = method.as_str(),
            date = date.to_string()
        ),
        EventKind::Packed { units } => tr!(
            lang,
            "done-packed",
            count = units.len(),
            ticket = ticket_text
        ),
        EventKind::Shipped {
            carrier,
            tracking,
            units,
        } => tr!(
            lang,
            "done-shipped",
            count = units.len(),
            ticket = ticket_text,
            carrier = carrier.as_str(),
            tracking = tracking.as_str()
        ),
        EventKind::Confirmed(c) => tr!(
            lang,
            "done-confirmed",
            ticket = ticket_text,
            satisfaction = c.satisfaction
        ),
        EventKind::Cost(line) => tr!(
            lang,
            "cost-added",
            amount = line.amount.to_string(),
            kind = line.kind.label(lang),
            ticket = ticket_text,
            payer = line.payer.label(lang)
        ),
        EventKind::Closed { .. } => tr!(lang, "done-closed", ticket = ticket_text),
        EventKind::Archived {
            keeper,
            retain_until,
            ..
        } => tr!(
            lang,
            "done-archived",
            ticket = ticket_text,
            keeper = keeper.as_str(),
            until = retain_until.to_string()
        ),
        EventKind::Held { .. } => tr!(lang, "done-held", ticket = ticket_text),
        EventKind::Resumed => tr!(lang, "done-resumed", ticket = ticket_text),
        EventKind::Cancelled { .. } => tr!(lang, "done-cancelled", ticket = ticket_text),
        EventKind::ConflictResolved { .. } => tr!(lang, "done-resolved", ticket = ticket_text),
        EventKind::HandedOver {
            to, units, leave, ..
        } => tr!(
            lang,
            "done-handed-over",
            ticket = ticket_text,
            to = to.to_string(),
            count = units.len(),
            leave = if *leave { "yes" } else { "no" }
        ),
        EventKind::ClockCorrected { .. }
        | EventKind::OutsideScope { .. }
        | EventKind::CostAudited { .. }
        | EventKind::SurveyAnswered { .. }
        | EventKind::Scanned { .. }
        | EventKind::LabelsPrinted { .. }
        | EventKind::Attached(_) => kind.describe(lang),
    };
    vec![line]
}
