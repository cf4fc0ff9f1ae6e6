//! The steps of the regulation applied: each [`Step`] becomes the event(s) it records, with
//! what the request left open settled here (the units of a ticket given alone, the default
//! currency and retention, what the receiving check noticed).

use chrono::Months;
use rma_shared::event::{
    Assessment, Confirmation, CostLine, EventKind, Receiving, RegistrationField, RepairRecord,
};
use rma_shared::money::{Currency, Money};
use rma_shared::people::Action;
use rma_shared::step::{Outcome, Step, Text};
use rma_shared::{Event, EventId, Registration, TicketDoc, TicketId, TicketNumber, UnitState, tr};

use super::{Asker, Desk, DeskError};
use crate::store::StoreError;

/// An optional text as the record keeps it.
fn text(given: Option<Text>) -> Option<String> {
    given.map(String::from)
}

fn texts(given: Vec<Text>) -> Vec<String> {
    given.into_iter().map(String::from).collect()
}

impl Desk {
    /// Applies `step` in the asker's name: recorded durably and answered with what was
    /// recorded and the ticket as it is now, or refused with the reason and nothing changed.
    pub fn step(&self, asker: &Asker, step: Step) -> Result<Outcome, DeskError> {
        // The ticket as its last step left it (not read back from the store again).
        let (doc, recorded) = match self.apply(asker, step) {
            Ok(done) => done,
            // Not held here: the refusal says where it is, if the server tells.
            Err(DeskError::Store(StoreError::UnknownTicket(number))) => {
                return Err(match self.whereabouts(&number) {
                    Some(found) if !found.holders.is_empty() => DeskError::HeldElsewhere(found),
                    _ => DeskError::Store(StoreError::UnknownTicket(number)),
                });
            }
            Err(other) => return Err(other),
        };
        self.outcome(&doc, &recorded)
    }

    /// What recording `recorded` did, with the ticket `doc` as they left it.
    pub(super) fn outcome(
        &self,
        doc: &TicketDoc,
        recorded: &[EventId],
    ) -> Result<Outcome, DeskError> {
        let view = self.view_of(doc)?;
        let recorded = recorded
            .iter()
            .filter_map(|id| view.events.iter().find(|e| &e.id == id).cloned())
            .collect();
        Ok(Outcome {
            recorded,
            ticket: view,
            clock: self.clock_warning()?,
        })
    }

    /// Records the step's events: the ticket as they left it and the ids of what was
    /// recorded.
    fn apply(&self, asker: &Asker, step: Step) -> Result<(TicketDoc, Vec<EventId>), DeskError> {
        let one = |ticket: TicketNumber, kind: EventKind| {
            let (id, doc) = self.record(asker, &ticket, kind)?;
            Ok((doc, vec![id]))
        };
        match step {
            Step::Intake(intake) => {
                let registration = Registration {
                    customer: intake.customer.into(),
                    contact: text(intake.contact),
                    model: intake.model.into(),
                    quantity: intake.quantity.get(),
                    fault: intake.fault.into(),
                    request: intake.request,
                    email: intake.email.map(String::from),
                    phone: intake.phone.map(String::from),
                    customer_lang: intake.customer_lang,
                };
                self.store().check_duty(&asker.user, Action::Intake)?;
                let registered = Event::stamped(
                    EventKind::Registered,
                    self.store().site().clone(),
                    &asker.user,
                    self.stamp(asker)?,
                );
                let doc = self
                    .store()
                    .create_as(TicketId::random(), &registration, registered)?;
                let registered = doc
                    .events()
                    .into_iter()
                    .find_map(|e| e.ok().filter(|e| e.kind == EventKind::Registered))
                    .map(|e| e.id);
                Ok((doc, registered.into_iter().collect()))
            }
            Step::Edit(edit) => {
                let changes: Vec<_> = [
                    (RegistrationField::Customer, edit.customer.map(String::from)),
                    (RegistrationField::Contact, edit.contact.map(String::from)),
                    (RegistrationField::Fault, edit.fault.map(String::from)),
                    (RegistrationField::Email, edit.email.map(String::from)),
                    (RegistrationField::Phone, edit.phone.map(String::from)),
                    (
                        RegistrationField::CustomerLang,
                        edit.customer_lang.map(|lang| lang.code().to_owned()),
                    ),
                ]
                .into_iter()
                .filter_map(|(field, value)| value.map(|v| (field, v)))
                .collect();
                if changes.is_empty() {
                    return Err(DeskError::NothingToEdit);
                }
                let mut ids = Vec::new();
                let mut last = None;
                for (field, value) in changes {
                    let (id, doc) =
                        self.record(asker, &edit.ticket, EventKind::Edited { field, value })?;
                    ids.push(id);
                    last = Some(doc);
                }
                let doc = last.ok_or(DeskError::NothingToEdit)?;
                Ok((doc, ids))
            }
            Step::Forward(forward) => one(
                forward.ticket,
                EventKind::Forwarded {
                    note: text(forward.note),
                },
            ),
            Step::Assess(assess) => one(
                assess.ticket,
                EventKind::Assessed(Assessment {
                    severity: assess.severity,
                    handling: text(assess.handling),
                    technical: texts(assess.technical),
                    production: texts(assess.production),
                    plan: text(assess.plan),
                    fault_type: text(assess.fault_type),
                }),
            ),
            Step::Receive(receive) => {
                let kind = self.receiving(asker, receive.clone())?;
                one(receive.ticket, kind)
            }
            Step::Move(step) => one(
                step.unit.ticket().clone(),
                EventKind::Moved {
                    unit: step.unit,
                    to: step.to,
                },
            ),
            Step::Assign(assign) => {
                let waiting = |state| {
                    matches!(
                        state,
                        UnitState::Received | UnitState::Stored | UnitState::Failed
                    )
                };
                let (ticket, units) = self.pick_units(&assign.what, waiting)?;
                one(
                    ticket,
                    EventKind::Assigned {
                        repairer: assign.repairer.into(),
                        units,
                    },
                )
            }
            Step::Repair(repair) => one(
                repair.unit.ticket().clone(),
                EventKind::Repaired(RepairRecord {
                    unit: repair.unit,
                    steps: repair.steps.into(),
                    parts: repair.parts,
                    minutes: repair.minutes.get(),
                    findings: text(repair.findings),
                    finished: !repair.unfinished,
                }),
            ),
            Step::PartsRequest(request) => one(
                request.what.ticket().clone(),
                EventKind::PartsRequested {
                    unit: request.what.unit().cloned(),
                    parts: request.parts,
                    note: text(request.note),
                },
            ),
            Step::Inspect(inspect) => one(
                inspect.unit.ticket().clone(),
                EventKind::Inspected {
                    unit: inspect.unit,
                    verdict: inspect.verdict,
                    inspector: text(inspect.inspector).unwrap_or_else(|| asker.user.clone()),
                    note: text(inspect.note),
                },
            ),
            Step::ShipNotice(notice) => one(
                notice.ticket,
                EventKind::ShipNoticed {
                    method: notice.method.into(),
                    date: notice.date,
                    note: text(notice.note),
                },
            ),
            Step::Pack(pack) => {
                let (ticket, units) = self.pick_units(&pack.what, |s| s == UnitState::Passed)?;
                one(ticket, EventKind::Packed { units })
            }
            Step::Ship(ship) => {
                let units = if ship.unit.is_empty() {
                    // Every unit not shipped yet: the rules refuse the step if one is not
                    // packed.
                    let flow = self.store().load(&ship.ticket)?.workflow();
                    flow.units
                        .iter()
                        .filter(|u| u.state != UnitState::Shipped)
                        .map(|u| u.number.clone())
                        .collect()
                } else {
                    ship.unit
                };
                one(
                    ship.ticket,
                    EventKind::Shipped {
                        carrier: ship.carrier.into(),
                        tracking: ship.tracking.into(),
                        units,
                    },
                )
            }
            Step::Confirm(confirm) => one(
                confirm.ticket,
                EventKind::Confirmed(Confirmation {
                    delivered_on: confirm.delivered_on,
                    working: !confirm.not_working,
                    satisfaction: confirm.satisfaction.get(),
                    feedback: text(confirm.feedback),
                }),
            ),
            Step::Cost(cost) => {
                let currency = match cost.currency {
                    Some(currency) => currency,
                    None => Currency::parse(&self.settings()?.currency)?,
                };
                let line = CostLine {
                    kind: cost.kind,
                    amount: Money::parse(cost.amount.as_str(), currency)?,
                    payer: cost.payer.unwrap_or(cost.liability.default_payer()),
                    liability: cost.liability,
                    unit: cost.unit,
                    note: text(cost.note),
                };
                one(cost.ticket, EventKind::Cost(line))
            }
            Step::Close(close) => one(
                close.ticket,
                EventKind::Closed {
                    note: text(close.note),
                },
            ),
            Step::Archive(archive) => {
                let retain_until = match (archive.until, archive.years) {
                    (Some(until), _) => until,
                    (None, years) => {
                        let years = match years {
                            Some(years) => years.get(),
                            None => self.settings()?.archive_retention_years,
                        };
                        self.now()
                            .date_naive()
                            .checked_add_months(Months::new(years * 12))
                            .ok_or(DeskError::RetentionOutOfRange)?
                    }
                };
                one(
                    archive.ticket,
                    EventKind::Archived {
                        keeper: archive.keeper.into(),
                        retain_until,
                        covers: Vec::new(),
                    },
                )
            }
            Step::Hold(hold) => one(
                hold.ticket,
                EventKind::Held {
                    reason: hold.reason.into(),
                },
            ),
            Step::Resume(resume) => one(resume.ticket, EventKind::Resumed),
            Step::Cancel(cancel) => one(
                cancel.ticket,
                EventKind::Cancelled {
                    reason: cancel.reason.into(),
                },
            ),
            Step::Resolve(resolve) => one(
                resolve.ticket,
                EventKind::ConflictResolved {
                    event: resolve.event,
                    note: resolve.note.into(),
                },
            ),
            Step::HandOver(hand) => one(
                hand.ticket,
                EventKind::HandedOver {
                    to: hand.to,
                    units: hand.units,
                    carrier: text(hand.carrier),
                    tracking: text(hand.tracking),
                    note: text(hand.note),
                    leave: hand.leave,
                    covers: Vec::new(),
                },
            ),
        }
    }

    /// The receiving register's entry: what arrived checked against the registration (a
    /// difference the person did not describe is noted in their language), the units
    /// numbered.
    fn receiving(
        &self,
        asker: &Asker,
        receive: rma_shared::step::Receive,
    ) -> Result<EventKind, DeskError> {
        let lang = asker.lang;
        let doc = self.store().load(&receive.ticket)?;
        let registration = doc.registration().map_err(|source| StoreError::Damaged {
            number: receive.ticket.to_string(),
            source,
        })?;
        // Units handed over to this site are the ones its receiving check takes in.
        let here = rma_shared::workflow::Location::Transit(self.store().site().clone());
        let arriving: Vec<rma_shared::UnitNumber> = doc
            .workflow()
            .units
            .iter()
            .filter(|u| u.location == here)
            .map(|u| u.number.clone())
            .collect();
        let expected = match arriving.len() {
            0 => registration.quantity,
            n => u32::try_from(n).unwrap_or(u32::MAX),
        };
        let quantity = receive.quantity.map_or(expected, |q| q.get());
        let model = text(receive.model).unwrap_or_else(|| registration.model.clone());
        let mut noticed = Vec::new();
        if quantity != expected {
            noticed.push(tr!(
                lang,
                "receive-quantity-differs",
                arrived = quantity,
                registered = expected
            ));
        }
        if !model.eq_ignore_ascii_case(&registration.model) {
            noticed.push(tr!(
                lang,
                "receive-model-differs",
                model = model.as_str(),
                registered = registration.model.as_str()
            ));
        }
        let discrepancy = match (text(receive.discrepancy), noticed.is_empty()) {
            (Some(text), _) => Some(text),
            (None, false) => Some(noticed.join("; ")),
            (None, true) => None,
        };
        Ok(EventKind::Received(Receiving {
            model,
            quantity,
            appearance: text(receive.appearance)
                .unwrap_or_else(|| tr!(lang, "receive-appearance-not-noted")),
            discrepancy,
            units: if arriving.is_empty() {
                (1..=quantity).map(|k| receive.ticket.unit(k)).collect()
            } else {
                arriving
            },
            area: receive.area,
            labels: receive.labels,
        }))
    }
}
