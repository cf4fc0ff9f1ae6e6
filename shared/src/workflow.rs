//! The regulation as rules over events. [`Workflow::derive`] folds a ticket's event list into
//! its state; it is the one pure function every replica runs, so every replica agrees.
//!
//! The same [`Workflow::apply`] refuses an illegal step typed at the bench and, during a fold,
//! turns an event that became illegal because of a concurrent event from another site into a
//! [`Conflict`] that stays visible until a person resolves it. Nothing is ever dropped.

use chrono::{DateTime, NaiveDate, Utc};

use crate::event::{Event, EventKind, Severity, Verdict};
use crate::people::Action;

mod refusal;
mod state;

use crate::i18n::{Lang, Localized};
use crate::ids::{EventId, TicketNumber, UnitNumber};
pub use refusal::{Bad, Refusal, Step};
pub use state::{Conflict, Location, TicketStatus, UnitState, UnitStatus};

/// The state of a ticket, derived from its events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workflow {
    ticket: TicketNumber,
    pub registered_at: Option<DateTime<Utc>>,
    pub forwarded_at: Option<DateTime<Utc>>,
    pub assessed_at: Option<DateTime<Utc>>,
    pub severity: Option<Severity>,
    pub units: Vec<UnitStatus>,
    pub ship_notice: Option<(String, NaiveDate)>,
    pub shipped_at: Option<DateTime<Utc>>,
    pub confirmed_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub archived_until: Option<NaiveDate>,
    pub held: Option<String>,
    pub cancelled: Option<String>,
    pub conflicts: Vec<Conflict>,
    /// The cost lines recorded, which finance may audit.
    pub costs: Vec<EventId>,
    /// The customer answered the satisfaction survey (once).
    pub surveyed: bool,
}

impl Workflow {
    /// The state before any event.
    pub fn new(ticket: TicketNumber) -> Self {
        Self {
            ticket,
            registered_at: None,
            forwarded_at: None,
            assessed_at: None,
            severity: None,
            units: Vec::new(),
            ship_notice: None,
            shipped_at: None,
            confirmed_at: None,
            closed_at: None,
            archived_until: None,
            held: None,
            cancelled: None,
            conflicts: Vec::new(),
            costs: Vec::new(),
            surveyed: false,
        }
    }

    /// Folds events, in document order, into the ticket's state. Events that break a rule are
    /// kept as conflicts; they change nothing else.
    ///
    /// An event the archiving copy did not hold (made elsewhere, offline, before the archive
    /// reached it) is a conflict too, even where the merge places it before the archive.
    pub fn derive<'a>(
        ticket: TicketNumber,
        events: impl IntoIterator<Item = &'a Event> + Clone,
    ) -> Self {
        let mut flow = Self::new(ticket);
        let archive = events.clone().into_iter().find_map(|e| match &e.kind {
            EventKind::Archived { covers, .. } if !covers.is_empty() => Some((&e.id, covers)),
            _ => None,
        });
        let late = |event: &Event| {
            archive.is_some_and(|(id, covers)| &event.id != id && !covers.contains(&event.id))
        };
        // Steps the office found recorded outside the ticket's scope (see
        // [`EventKind::OutsideScope`]): kept, as conflicts.
        let outside: std::collections::HashSet<&EventId> = events
            .clone()
            .into_iter()
            .filter_map(|e| match &e.kind {
                EventKind::OutsideScope { event } => Some(event),
                _ => None,
            })
            .collect();
        for event in events {
            let applied = if late(event) {
                Err(Refusal::Archived)
            } else if outside.contains(&event.id) {
                Err(Refusal::OutsideScope {
                    site: event.site.clone(),
                })
            } else {
                flow.apply(event)
            };
            if let Err(refusal) = applied {
                flow.conflicts.push(Conflict {
                    event: event.id.clone(),
                    kind: event.kind.name().to_owned(),
                    at: event.at,
                    site: event.site.clone(),
                    by: event.by.clone(),
                    what: event.kind.describe(Lang::En),
                    reason: refusal.message(Lang::En),
                    resolution: None,
                    cause: Some(Box::new((event.kind.clone(), refusal))),
                });
            }
        }
        flow
    }

    pub fn ticket(&self) -> &TicketNumber {
        &self.ticket
    }

    pub fn status(&self) -> TicketStatus {
        if self.archived_until.is_some() {
            return TicketStatus::Archived;
        }
        if self.cancelled.is_some() {
            return TicketStatus::Cancelled;
        }
        if self.closed_at.is_some() {
            return TicketStatus::Closed;
        }
        if self.held.is_some() {
            return TicketStatus::OnHold;
        }
        if self.confirmed_at.is_some() {
            return TicketStatus::Confirmed;
        }
        if self.units.is_empty() {
            return match self.assessed_at {
                Some(_) => TicketStatus::Assessed,
                None => TicketStatus::Registered,
            };
        }
        let all = |f: fn(UnitState) -> bool| self.units.iter().all(|u| f(u.state));
        if all(|s| s == UnitState::Shipped) {
            TicketStatus::Shipped
        } else if all(|s| {
            matches!(
                s,
                UnitState::Passed | UnitState::Packed | UnitState::Shipped
            )
        }) {
            TicketStatus::Inspected
        } else if all(|s| matches!(s, UnitState::Received | UnitState::Stored)) {
            TicketStatus::Received
        } else {
            TicketStatus::InRepair
        }
    }

    pub fn unit(&self, number: &UnitNumber) -> Option<&UnitStatus> {
        self.units.iter().find(|u| &u.number == number)
    }

    /// Conflicts nobody has resolved yet.
    pub fn open_conflicts(&self) -> impl Iterator<Item = &Conflict> {
        self.conflicts.iter().filter(|c| c.resolution.is_none())
    }

    /// Checks `event` against the rules and, if it is allowed, takes it into the state.
    /// On refusal the state is unchanged.
    pub fn apply(&mut self, event: &Event) -> Result<(), Refusal> {
        self.gate(Action::of(&event.kind))?;
        let mut next = self.clone();
        next.step(event)?;
        *self = next;
        Ok(())
    }

    /// The rules that hold whatever the step: registered first; nothing after archiving; only
    /// bookkeeping on a cancelled, closed or held ticket.
    fn gate(&self, action: Action) -> Result<(), Refusal> {
        if action == Action::Intake {
            return match self.registered_at {
                Some(_) => Err(Refusal::AlreadyRegistered),
                None => Ok(()),
            };
        }
        if self.registered_at.is_none() {
            return Err(Refusal::NotRegistered);
        }
        if self.archived_until.is_some() {
            return Err(Refusal::Archived);
        }
        let bookkeeping = action.is_bookkeeping();
        if let Some(reason) = &self.cancelled
            && !bookkeeping
        {
            return Err(Refusal::Cancelled {
                reason: reason.clone(),
            });
        }
        if self.closed_at.is_some() && !bookkeeping {
            return Err(Refusal::Closed);
        }
        if let Some(reason) = &self.held {
            let allowed = bookkeeping
                || matches!(
                    action,
                    Action::Resume | Action::Hold | Action::Cancel | Action::PartsRequest
                );
            if !allowed {
                return Err(Refusal::OnHold {
                    reason: reason.clone(),
                });
            }
        }
        Ok(())
    }

    /// The steps the rules would take now (given the right details), e.g. to offer only
    /// these on a ticket's page. A step on units is offered when some unit can take it.
    pub fn offers(&self) -> Vec<Action> {
        Action::ALL
            .into_iter()
            .filter(|action| self.offers_step(*action))
            .collect()
    }

    /// [`Self::offers`] at `site`: units on their way to a site are taken in there only.
    pub fn offers_at(&self, site: &crate::ids::SiteCode) -> Vec<Action> {
        let mut offers = self.offers();
        let coming_here = self.units.is_empty()
            || self
                .units
                .iter()
                .any(|u| matches!(&u.location, Location::Transit(to) if to == site));
        if !coming_here {
            offers.retain(|action| *action != Action::Receive);
        }
        offers
    }

    fn offers_step(&self, action: Action) -> bool {
        use Action as A;
        if self.gate(action).is_err() {
            return false;
        }
        let assessed = self.assessed_at.is_some();
        let units = |state: fn(UnitState) -> bool| self.units.iter().any(|u| state(u.state));
        let here = |u: &&UnitStatus| !matches!(u.location, Location::Transit(_));
        match action {
            A::Intake => true,
            A::Edit | A::Cost | A::Scan | A::Label => true,
            A::AuditCost => !self.costs.is_empty(),
            // Files are added beside the steps (their own field on the pages), not as one.
            A::NoteClock | A::NoteSurvey | A::NoteScope | A::Attach => false,
            A::Forward => self.forwarded_at.is_none() && !assessed,
            A::Assess => !assessed,
            // Units handed over to this site are taken in with a receiving check too.
            A::Receive => {
                assessed
                    && (self.units.is_empty()
                        || self
                            .units
                            .iter()
                            .any(|u| matches!(u.location, Location::Transit(_))))
            }
            A::HandOver => true,
            A::PartsRequest => assessed,
            A::Assign => {
                assessed
                    && self
                        .units
                        .iter()
                        .filter(here)
                        .any(|u| action.takes_unit(u.state))
            }
            A::Move | A::Repair | A::Inspect | A::Ship => self
                .units
                .iter()
                .filter(here)
                .any(|u| action.takes_unit(u.state)),
            A::Pack => {
                self.ship_notice.is_some()
                    && self
                        .units
                        .iter()
                        .filter(here)
                        .any(|u| action.takes_unit(u.state))
            }
            A::ShipNotice => {
                !self.units.is_empty()
                    && !units(|s| !matches!(s, UnitState::Passed | UnitState::Packed))
            }
            A::Confirm => self.shipped_at.is_some() && self.confirmed_at.is_none(),
            A::Close => self.confirmed_at.is_some(),
            A::Archive => self.closed_at.is_some() || self.cancelled.is_some(),
            A::Hold => self.held.is_none(),
            A::Resume => self.held.is_some(),
            A::Cancel => !units(|s| s == UnitState::Shipped),
            A::Resolve => self.open_conflicts().next().is_some(),
        }
    }

    fn step(&mut self, event: &Event) -> Result<(), Refusal> {
        use EventKind as K;
        match &event.kind {
            K::Registered => self.registered_at = Some(event.at),
            K::Edited { value, .. } => {
                if value.trim().is_empty() {
                    return Err(Refusal::BadRecord(Bad::EmptyField));
                }
            }
            K::Forwarded { .. } => {
                if self.forwarded_at.is_some() || self.assessed_at.is_some() {
                    return Err(Refusal::AlreadyForwarded);
                }
                self.forwarded_at = Some(event.at);
            }
            K::Assessed(assessment) => {
                if let Some(at) = self.assessed_at {
                    return Err(Refusal::AlreadyAssessed {
                        on: at.date_naive(),
                    });
                }
                let has_plan = assessment
                    .plan
                    .as_deref()
                    .is_some_and(|p| !p.trim().is_empty());
                if assessment.severity == Severity::Complex && !has_plan {
                    return Err(Refusal::ComplexNeedsPlan);
                }
                self.assessed_at = Some(event.at);
                self.severity = Some(assessment.severity);
            }
            K::Received(receiving) => {
                self.require_assessed(Step::Receive)?;
                if !self.units.is_empty() {
                    return self.take_in(receiving, &event.site);
                }
                if receiving.units.is_empty() {
                    return Err(Refusal::BadRecord(Bad::NoUnits));
                }
                for (i, unit) in receiving.units.iter().enumerate() {
                    if unit.ticket() != &self.ticket || unit.k() as usize != i + 1 {
                        return Err(Refusal::UnitNotOfTicket {
                            unit: unit.clone(),
                            ticket: self.ticket.clone(),
                        });
                    }
                }
                self.check_labels(receiving)?;
                let (state, location) = match &receiving.area {
                    Some(area) => (UnitState::Stored, Location::Area(area.clone())),
                    None => (UnitState::Received, Location::Receiving),
                };
                self.units = receiving
                    .units
                    .iter()
                    .enumerate()
                    .map(|(i, number)| UnitStatus {
                        number: number.clone(),
                        state,
                        location: location.clone(),
                        repairer: None,
                        inspections: 0,
                        repair_minutes: 0,
                        label: receiving.labels.get(i).cloned(),
                    })
                    .collect();
            }
            K::Moved { unit, to } => {
                let u = self.unit_here(unit)?;
                match u.state {
                    UnitState::Packed | UnitState::Shipped => {
                        return Err(Refusal::CannotMove {
                            unit: unit.clone(),
                            state: u.state,
                        });
                    }
                    UnitState::Received => u.state = UnitState::Stored,
                    _ => {}
                }
                u.location = Location::Area(to.clone());
            }
            K::Assigned { repairer, units } => {
                self.require_assessed(Step::Assign)?;
                if units.is_empty() || repairer.trim().is_empty() {
                    return Err(Refusal::BadRecord(Bad::Assignment));
                }
                for unit in units {
                    let u = self.unit_here(unit)?;
                    if !matches!(
                        u.state,
                        UnitState::Received
                            | UnitState::Stored
                            | UnitState::Failed
                            | UnitState::InRepair
                    ) {
                        return Err(Refusal::CannotAssign {
                            unit: unit.clone(),
                            state: u.state,
                        });
                    }
                    u.state = UnitState::InRepair;
                    u.location = Location::Bench(repairer.clone());
                    u.repairer = Some(repairer.clone());
                }
            }
            K::Repaired(record) => {
                let by = event.by.clone();
                let u = self.unit_here(&record.unit)?;
                match u.state {
                    UnitState::InRepair | UnitState::Failed => {}
                    UnitState::Received | UnitState::Stored => {
                        return Err(Refusal::NotAssigned {
                            unit: record.unit.clone(),
                            state: u.state,
                        });
                    }
                    state => {
                        return Err(Refusal::CannotRepair {
                            unit: record.unit.clone(),
                            state,
                        });
                    }
                }
                u.repair_minutes = u.repair_minutes.saturating_add(record.minutes);
                if !matches!(u.location, Location::Bench(_)) {
                    u.location = Location::Bench(u.repairer.clone().unwrap_or(by));
                }
                u.state = if record.finished {
                    UnitState::AwaitingInspection
                } else {
                    UnitState::InRepair
                };
            }
            K::PartsRequested { unit, parts, .. } => {
                self.require_assessed(Step::Parts)?;
                if parts.is_empty() {
                    return Err(Refusal::BadRecord(Bad::NoParts));
                }
                if let Some(unit) = unit {
                    self.unit_mut(unit)?;
                }
            }
            K::Inspected {
                unit,
                verdict,
                inspector,
                ..
            } => {
                if inspector.trim().is_empty() {
                    return Err(Refusal::BadRecord(Bad::NoInspector));
                }
                let u = self.unit_here(unit)?;
                if u.state != UnitState::AwaitingInspection {
                    return Err(Refusal::NotRepaired {
                        unit: unit.clone(),
                        state: u.state,
                    });
                }
                u.inspections += 1;
                match verdict {
                    Verdict::Pass => u.state = UnitState::Passed,
                    Verdict::Fail => {
                        u.state = UnitState::Failed;
                        if let Some(repairer) = &u.repairer {
                            u.location = Location::Bench(repairer.clone());
                        }
                    }
                }
            }
            K::ShipNoticed { method, date, .. } => {
                if self.units.is_empty() {
                    return Err(Refusal::NoUnits);
                }
                if let Some(u) = self
                    .units
                    .iter()
                    .find(|u| !matches!(u.state, UnitState::Passed | UnitState::Packed))
                {
                    return Err(Refusal::NotPassed {
                        unit: u.number.clone(),
                        state: u.state,
                    });
                }
                self.ship_notice = Some((method.clone(), *date));
            }
            K::Packed { units } => {
                if self.ship_notice.is_none() {
                    return Err(Refusal::NoShipNotice);
                }
                if units.is_empty() {
                    return Err(Refusal::BadRecord(Bad::PackNothing));
                }
                for unit in units {
                    let u = self.unit_here(unit)?;
                    if u.state != UnitState::Passed {
                        return Err(Refusal::NotPassed {
                            unit: unit.clone(),
                            state: u.state,
                        });
                    }
                    u.state = UnitState::Packed;
                    u.location = Location::Package;
                }
            }
            K::Shipped {
                carrier,
                tracking,
                units,
            } => {
                if carrier.trim().is_empty() || tracking.trim().is_empty() {
                    return Err(Refusal::BadRecord(Bad::NoCarrier));
                }
                if units.is_empty() {
                    return Err(Refusal::NoUnits);
                }
                for unit in units {
                    let u = self.unit_here(unit)?;
                    match u.state {
                        UnitState::Packed => {}
                        UnitState::Passed => {
                            return Err(Refusal::NotPacked {
                                unit: unit.clone(),
                                state: u.state,
                            });
                        }
                        state => {
                            return Err(Refusal::NotPassed {
                                unit: unit.clone(),
                                state,
                            });
                        }
                    }
                    u.state = UnitState::Shipped;
                    u.location = Location::Shipped;
                }
                if self.units.iter().all(|u| u.state == UnitState::Shipped) {
                    self.shipped_at = Some(event.at);
                }
            }
            K::Confirmed(confirmation) => {
                if self.confirmed_at.is_some() {
                    return Err(Refusal::AlreadyConfirmed);
                }
                if self.shipped_at.is_none() {
                    return Err(Refusal::NotShipped);
                }
                if !(1..=5).contains(&confirmation.satisfaction) {
                    return Err(Refusal::BadRecord(Bad::Satisfaction));
                }
                self.confirmed_at = Some(event.at);
            }
            K::Cost(line) => {
                if line.amount.minor == 0 {
                    return Err(Refusal::BadRecord(Bad::ZeroCost));
                }
                if let Some(unit) = &line.unit {
                    self.unit_mut(unit)?;
                }
                self.costs.push(event.id.clone());
            }
            K::ClockCorrected { .. } => {}
            K::CostAudited { cost, .. } => {
                if !self.costs.contains(cost) {
                    return Err(Refusal::UnknownCost {
                        event: cost.clone(),
                    });
                }
            }
            K::SurveyAnswered { rating, .. } => {
                if self.surveyed {
                    return Err(Refusal::AlreadyAnswered);
                }
                if self.shipped_at.is_none() {
                    return Err(Refusal::NotShipped);
                }
                if !(1..=5).contains(rating) {
                    return Err(Refusal::BadRecord(Bad::Satisfaction));
                }
                self.surveyed = true;
            }
            K::Closed { .. } => {
                if self.confirmed_at.is_none() {
                    return Err(Refusal::NotConfirmed);
                }
                self.closed_at = Some(event.at);
            }
            K::Archived { retain_until, .. } => {
                if self.closed_at.is_none() && self.cancelled.is_none() {
                    return Err(Refusal::NotClosed);
                }
                self.archived_until = Some(*retain_until);
            }
            K::Held { reason } => {
                if self.held.is_some() {
                    return Err(Refusal::AlreadyHeld);
                }
                self.held = Some(reason.clone());
            }
            K::Resumed => {
                if self.held.take().is_none() {
                    return Err(Refusal::NotHeld);
                }
            }
            K::Cancelled { reason } => {
                if self.units.iter().any(|u| u.state == UnitState::Shipped) {
                    return Err(Refusal::AlreadyShipped);
                }
                self.held = None;
                self.cancelled = Some(reason.clone());
            }
            K::Scanned { code } => {
                if code.ticket() != Some(&self.ticket) {
                    return Err(Refusal::BadRecord(Bad::NotALabel {
                        code: code.to_string(),
                        ticket: self.ticket.clone(),
                    }));
                }
                if let crate::label::LabelCode::Unit(unit) = code {
                    self.unit_mut(unit)?;
                }
            }
            K::Attached(file) => {
                if let Some(unit) = &file.unit {
                    self.unit_mut(unit)?;
                }
            }
            K::LabelsPrinted { codes, .. } => {
                for code in codes {
                    if code.ticket() != Some(&self.ticket) {
                        return Err(Refusal::BadRecord(Bad::NotALabel {
                            code: code.to_string(),
                            ticket: self.ticket.clone(),
                        }));
                    }
                }
            }
            K::HandedOver { to, units, .. } => {
                if to == &event.site {
                    return Err(Refusal::HandOverToSelf);
                }
                for unit in units {
                    let u = self.unit_mut(unit)?;
                    if matches!(u.state, UnitState::Packed | UnitState::Shipped)
                        || matches!(u.location, Location::Transit(_))
                    {
                        return Err(Refusal::CannotHandOver {
                            unit: unit.clone(),
                            state: u.state,
                        });
                    }
                    u.location = Location::Transit(to.clone());
                }
            }
            K::OutsideScope { .. } => {}
            K::ConflictResolved {
                event: target,
                note,
            } => {
                let conflict = self
                    .conflicts
                    .iter_mut()
                    .find(|c| &c.event == target && c.resolution.is_none())
                    .ok_or_else(|| Refusal::UnknownConflict {
                        event: target.clone(),
                    })?;
                conflict.resolution = Some(format!(
                    "{note} ({} at {})",
                    event.by,
                    event.at.format("%Y-%m-%d %H:%M")
                ));
            }
        }
        Ok(())
    }

    /// Pre-printed labels at receiving: one a unit, this site's own, each once.
    fn check_labels(&self, receiving: &crate::event::Receiving) -> Result<(), Refusal> {
        if receiving.labels.is_empty() {
            return Ok(());
        }
        if receiving.labels.len() != receiving.units.len() {
            return Err(Refusal::BadRecord(Bad::LabelCount {
                labels: receiving.labels.len(),
                units: receiving.units.len(),
            }));
        }
        for (i, label) in receiving.labels.iter().enumerate() {
            if &label.site != self.ticket.site() {
                return Err(Refusal::BadRecord(Bad::ForeignLabel {
                    code: format!("L:{label}"),
                    site: self.ticket.site().clone(),
                }));
            }
            if receiving.labels[..i].contains(label) {
                return Err(Refusal::BadRecord(Bad::LabelTwice {
                    code: format!("L:{label}"),
                }));
            }
        }
        Ok(())
    }

    fn require_assessed(&self, step: Step) -> Result<(), Refusal> {
        match self.assessed_at {
            Some(_) => Ok(()),
            None => Err(Refusal::NotAssessed { step }),
        }
    }

    /// Units handed over to `site` taken in there with its receiving check: each goes to the
    /// area named (or to receiving), keeping what was done to it.
    fn take_in(
        &mut self,
        receiving: &crate::event::Receiving,
        site: &crate::ids::SiteCode,
    ) -> Result<(), Refusal> {
        if receiving.units.is_empty() {
            return Err(Refusal::BadRecord(Bad::NoUnits));
        }
        let arriving = |u: &UnitStatus| u.location == Location::Transit(site.clone());
        if !receiving
            .units
            .iter()
            .all(|n| self.units.iter().any(|u| &u.number == n && arriving(u)))
        {
            return Err(Refusal::AlreadyReceived);
        }
        for number in &receiving.units {
            let u = self.unit_mut(number)?;
            if matches!(u.state, UnitState::Received | UnitState::Stored) {
                u.state = match &receiving.area {
                    Some(_) => UnitState::Stored,
                    None => UnitState::Received,
                };
            }
            u.location = match &receiving.area {
                Some(area) => Location::Area(area.clone()),
                None => Location::Receiving,
            };
        }
        Ok(())
    }

    /// A unit of this ticket that is at a site, not on its way to one.
    fn unit_here(&mut self, number: &UnitNumber) -> Result<&mut UnitStatus, Refusal> {
        let unit = self.unit_mut(number)?;
        if let Location::Transit(to) = &unit.location {
            return Err(Refusal::InTransit {
                unit: number.clone(),
                to: to.clone(),
            });
        }
        Ok(unit)
    }

    fn unit_mut(&mut self, number: &UnitNumber) -> Result<&mut UnitStatus, Refusal> {
        if number.ticket() != &self.ticket {
            return Err(Refusal::UnitNotOfTicket {
                unit: number.clone(),
                ticket: self.ticket.clone(),
            });
        }
        self.units
            .iter_mut()
            .find(|u| &u.number == number)
            .ok_or_else(|| Refusal::UnknownUnit {
                unit: number.clone(),
            })
    }
}

/// Which unit states the regulation's steps on single units take: a rule of the workflow,
/// so it lives with the states.
impl Action {
    /// For a step on single units: whether a unit in `state` can take it.
    pub fn takes_unit(self, state: UnitState) -> bool {
        use UnitState as S;
        match self {
            Self::Move => !matches!(state, S::Packed | S::Shipped),
            Self::Assign => matches!(state, S::Received | S::Stored | S::Failed | S::InRepair),
            Self::Repair => matches!(state, S::InRepair | S::Failed),
            Self::Inspect => state == S::AwaitingInspection,
            Self::Pack => state == S::Passed,
            Self::Ship => state == S::Packed,
            Self::HandOver => !matches!(state, S::Packed | S::Shipped),
            _ => false,
        }
    }
}

#[cfg(test)]
#[path = "workflow_tests.rs"]
mod tests;
