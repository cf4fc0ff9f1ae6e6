//! What people and programs read: the full [`TicketView`] (`rma-agent show --json`, the API)
//! and the small [`TicketSummary`] kept in every store's index for listings.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::deadlines::{Deadline, DeadlineSettings, Pending};
use crate::event::{Event, EventKind, Payer};
use crate::ids::{EventId, SiteCode, TicketId, TicketNumber, UnitNumber};
use crate::money::Currency;
use crate::ticket::{DocError, FieldConflict, Registration, TicketDoc};
use crate::workflow::{Conflict, Location, TicketStatus, UnitState, UnitStatus, Workflow};

/// A deadline that has passed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Overdue {
    pub deadline: Deadline,
    pub since: DateTime<Utc>,
    pub due: DateTime<Utc>,
}

/// One unit with every record that concerns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UnitView {
    #[serde(flatten)]
    pub status: UnitStatus,
    /// Moves, assignments, repair records, inspections, packing and shipping of this unit.
    pub records: Vec<Event>,
}

/// Costs summed per payer and currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CostTotal {
    pub payer: Payer,
    pub currency: Currency,
    pub minor: i64,
}

/// Everything a ticket holds, derived for reading. Records are the events that took effect.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TicketView {
    pub id: TicketId,
    pub number: TicketNumber,
    pub site: SiteCode,
    pub status: TicketStatus,
    pub registration: Registration,
    pub registered_at: Option<DateTime<Utc>>,
    pub forwarded_at: Option<DateTime<Utc>>,
    pub assessment: Option<Event>,
    pub receiving: Option<Event>,
    pub units: Vec<UnitView>,
    pub parts_requests: Vec<Event>,
    pub ship_notice: Option<Event>,
    pub shipments: Vec<Event>,
    pub confirmation: Option<Event>,
    pub costs: Vec<Event>,
    pub cost_totals: Vec<CostTotal>,
    pub closing: Option<Event>,
    pub archive: Option<Event>,
    /// The photos and documents kept with the ticket (`attached` events), oldest first.
    pub attachments: Vec<Event>,
    pub on_hold: Option<String>,
    pub cancelled: Option<String>,
    pub overdue: Vec<Overdue>,
    pub events: Vec<Event>,
    pub conflicts: Vec<Conflict>,
    pub field_conflicts: Vec<FieldConflict>,
    /// Events this version could not read (from a newer version, or damaged), kept as text.
    pub unreadable_events: Vec<String>,
}

impl TicketView {
    /// Leaves out every cost record (lines, totals, finance's marks): for the roles that
    /// neither keep nor audit the ledger (regulation 6).
    pub fn hide_costs(&mut self) {
        self.costs.clear();
        self.cost_totals.clear();
        self.events
            .retain(|e| !matches!(e.kind, EventKind::Cost(_) | EventKind::CostAudited { .. }));
    }

    /// Every file the ticket's references name (files and thumbnails), with their sizes.
    pub fn files(&self) -> impl Iterator<Item = (crate::files::FileHash, u64)> + '_ {
        self.attachments.iter().flat_map(|e| match &e.kind {
            EventKind::Attached(file) => file.files().collect::<Vec<_>>(),
            _ => Vec::new(),
        })
    }
}

/// A ticket's document read once: its registration, its events and the state derived from
/// them. The summary and the full view are both built from it, so a caller that needs both
/// reads and derives the document once.
#[derive(Debug, Clone)]
pub struct Derived {
    pub registration: Registration,
    /// The fields of the form given different values at the same time.
    pub field_conflicts: Vec<FieldConflict>,
    pub events: Vec<Event>,
    /// Events this version could not read, kept as text.
    pub unreadable: Vec<String>,
    pub flow: Workflow,
}

impl Derived {
    pub fn of(doc: &TicketDoc) -> Result<Self, DocError> {
        Self::of_parsed(doc, Default::default())
    }

    /// [`Derived::of`], with the steps in `parsed` taken as read already: the server derives
    /// a pushed ticket with what its check read.
    pub fn of_parsed(doc: &TicketDoc, parsed: crate::sync::Added) -> Result<Self, DocError> {
        let (registration, field_conflicts) = doc.registration_and_conflicts()?;
        let mut events = Vec::new();
        let mut unreadable = Vec::new();
        let crate::sync::Added { entries, mut steps } = parsed;
        // The steps come with the entries they were read from.
        let entries = match entries {
            Some(entries) => TicketDoc::events_of(entries, &mut steps),
            None => doc.events(),
        };
        for entry in entries {
            match entry {
                Ok(event) => events.push(event),
                Err(text) => unreadable.push(text),
            }
        }
        crate::event::correct_clocks(&mut events);
        let flow = Workflow::derive(doc.number().clone(), &events);
        Ok(Self {
            registration,
            field_conflicts,
            events,
            unreadable,
            flow,
        })
    }
}

impl TicketView {
    pub fn build(
        doc: &TicketDoc,
        deadlines: &DeadlineSettings,
        now: DateTime<Utc>,
    ) -> Result<Self, DocError> {
        Ok(Self::from_derived(doc, Derived::of(doc)?, deadlines, now))
    }

    /// The view of `doc`, read and derived already as `derived`.
    pub fn from_derived(
        doc: &TicketDoc,
        derived: Derived,
        deadlines: &DeadlineSettings,
        now: DateTime<Utc>,
    ) -> Self {
        let Derived {
            registration,
            field_conflicts,
            events,
            unreadable: unreadable_events,
            flow,
        } = derived;
        let refused: HashSet<&EventId> = flow.conflicts.iter().map(|c| &c.event).collect();
        let applied: Vec<&Event> = events.iter().filter(|e| !refused.contains(&e.id)).collect();

        let last = |pred: fn(&EventKind) -> bool| {
            applied
                .iter()
                .rev()
                .find(|e| pred(&e.kind))
                .map(|e| (*e).clone())
        };
        let all = |pred: fn(&EventKind) -> bool| {
            applied
                .iter()
                .filter(|e| pred(&e.kind))
                .map(|e| (*e).clone())
                .collect::<Vec<_>>()
        };

        let units = flow
            .units
            .iter()
            .map(|status| UnitView {
                status: status.clone(),
                records: applied
                    .iter()
                    .filter(|e| concerns(&e.kind, &status.number))
                    .map(|e| (*e).clone())
                    .collect(),
            })
            .collect();

        let costs = all(|k| matches!(k, EventKind::Cost(_)));
        let mut totals: BTreeMap<(Payer, Currency), i64> = BTreeMap::new();
        for event in &costs {
            if let EventKind::Cost(line) = &event.kind {
                *totals
                    .entry((line.payer, line.amount.currency.clone()))
                    .or_default() += line.amount.minor;
            }
        }

        Self {
            id: doc.id(),
            number: doc.number().clone(),
            site: doc.number().site().clone(),
            status: flow.status(),
            registration,
            registered_at: flow.registered_at,
            forwarded_at: flow.forwarded_at,
            assessment: last(|k| matches!(k, EventKind::Assessed(_))),
            receiving: last(|k| matches!(k, EventKind::Received(_))),
            units,
            parts_requests: all(|k| matches!(k, EventKind::PartsRequested { .. })),
            ship_notice: last(|k| matches!(k, EventKind::ShipNoticed { .. })),
            shipments: all(|k| matches!(k, EventKind::Shipped { .. })),
            confirmation: last(|k| matches!(k, EventKind::Confirmed(_))),
            costs,
            cost_totals: totals
                .into_iter()
                .map(|((payer, currency), minor)| CostTotal {
                    payer,
                    currency,
                    minor,
                })
                .collect(),
            closing: last(|k| matches!(k, EventKind::Closed { .. })),
            archive: last(|k| matches!(k, EventKind::Archived { .. })),
            attachments: all(|k| matches!(k, EventKind::Attached(_))),
            on_hold: flow.held.clone(),
            cancelled: flow.cancelled.clone(),
            overdue: overdue(&flow.pending_deadlines(), deadlines, now),
            conflicts: flow.conflicts.clone(),
            field_conflicts,
            unreadable_events,
            events,
        }
    }
}

fn concerns(kind: &EventKind, unit: &UnitNumber) -> bool {
    match kind {
        EventKind::Moved { unit: u, .. } => u == unit,
        EventKind::Repaired(r) => &r.unit == unit,
        EventKind::Inspected { unit: u, .. } => u == unit,
        EventKind::PartsRequested { unit: u, .. } => u.as_ref() == Some(unit),
        EventKind::Cost(line) => line.unit.as_ref() == Some(unit),
        EventKind::Attached(file) => file.unit.as_ref() == Some(unit),
        EventKind::Assigned { units, .. }
        | EventKind::Packed { units }
        | EventKind::Shipped { units, .. } => units.contains(unit),
        EventKind::Received(r) => r.units.contains(unit),
        _ => false,
    }
}

fn overdue(pending: &[Pending], settings: &DeadlineSettings, now: DateTime<Utc>) -> Vec<Overdue> {
    pending
        .iter()
        .filter(|p| settings.is_overdue(p, now))
        .map(|p| Overdue {
            deadline: p.deadline,
            since: p.since,
            due: settings.due(p),
        })
        .collect()
}

/// A unit in one line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UnitBrief {
    pub number: UnitNumber,
    pub state: UnitState,
    pub location: Location,
}

/// What listings and indexes need of a ticket, small enough to keep for every ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TicketSummary {
    pub id: TicketId,
    pub number: TicketNumber,
    pub status: TicketStatus,
    pub customer: String,
    pub model: String,
    pub quantity: u32,
    pub registered_at: Option<DateTime<Utc>>,
    pub updated_at: Option<DateTime<Utc>>,
    pub units: Vec<UnitBrief>,
    /// Deadlines the ticket waits on; whether they are overdue depends on the time of asking.
    pub pending: Vec<Pending>,
    pub open_conflicts: usize,
    /// The thumbnails of the ticket's photos: a site that holds the ticket fetches them with
    /// it (the full photos only when someone opens one).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub thumbnails: Vec<crate::files::FileHash>,
}

/// A ticket in a listing: its summary and the deadlines it is past at the time of asking.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ListedTicket {
    #[serde(flatten)]
    pub summary: TicketSummary,
    pub overdue: Vec<Overdue>,
}

/// One page of a listing (`rma-agent list --json`, the server's `GET /api/v1/tickets`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TicketList {
    pub tickets: Vec<ListedTicket>,
    /// More tickets match than the page holds.
    pub more: bool,
}

impl TicketSummary {
    pub fn build(doc: &TicketDoc) -> Result<Self, DocError> {
        Ok(Self::from_derived(doc, &Derived::of(doc)?))
    }

    /// The summary of `doc`, read and derived already as `derived`.
    pub fn from_derived(doc: &TicketDoc, derived: &Derived) -> Self {
        let Derived {
            registration,
            field_conflicts,
            events,
            flow,
            ..
        } = derived;
        Self {
            id: doc.id(),
            number: doc.number().clone(),
            status: flow.status(),
            customer: registration.customer.clone(),
            model: registration.model.clone(),
            quantity: registration.quantity,
            registered_at: flow.registered_at,
            updated_at: events.iter().map(|e| e.at).max(),
            units: flow
                .units
                .iter()
                .map(|u| UnitBrief {
                    number: u.number.clone(),
                    state: u.state,
                    location: u.location.clone(),
                })
                .collect(),
            pending: flow.pending_deadlines(),
            open_conflicts: flow.open_conflicts().count() + field_conflicts.len(),
            thumbnails: events
                .iter()
                .filter_map(|e| match &e.kind {
                    crate::EventKind::Attached(file) => file.thumbnail.as_ref(),
                    _ => None,
                })
                .map(|t| t.sha256)
                .collect(),
        }
    }

    pub fn overdue(&self, settings: &DeadlineSettings, now: DateTime<Utc>) -> Vec<Overdue> {
        overdue(&self.pending, settings, now)
    }
}
