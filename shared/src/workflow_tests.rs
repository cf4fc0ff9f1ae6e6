//! Unit tests of the derivation: every legal path, every illegal step, rework loops and the
//! fold of concurrent events into conflicts.

use chrono::{Duration, NaiveDate, TimeZone};

use super::*;
use crate::event::*;
use crate::ids::{AreaCode, SiteCode};
use crate::money::{Currency, Money};
use crate::people::Action;

fn ticket() -> TicketNumber {
    TicketNumber::parse("WH1-2026-00001").unwrap()
}

fn unit(k: u32) -> UnitNumber {
    ticket().unit(k)
}

fn area(code: &str) -> AreaCode {
    AreaCode::parse(code).unwrap()
}

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()
}

/// Builds events with increasing timestamps.
struct Clock(DateTime<Utc>);

impl Clock {
    fn new() -> Self {
        Self(Utc.with_ymd_and_hms(2026, 11, 2, 9, 0, 0).unwrap())
    }

    fn event(&mut self, kind: EventKind) -> Event {
        self.0 += Duration::minutes(10);
        Event::new(kind, SiteCode::parse("WH1").unwrap(), "ann", self.0)
    }
}

fn assessed(severity: Severity, plan: Option<&str>) -> EventKind {
    EventKind::Assessed(Assessment {
        severity,
        handling: None,
        technical: vec![],
        production: vec![],
        plan: plan.map(Into::into),
        fault_type: None,
    })
}

fn received(n: u32, to: Option<&str>) -> EventKind {
    EventKind::Received(Receiving {
        model: "X200".into(),
        quantity: n,
        appearance: "scratched case".into(),
        discrepancy: None,
        units: (1..=n).map(unit).collect(),
        area: to.map(area),
        labels: vec![],
    })
}

fn assigned(units: &[u32]) -> EventKind {
    EventKind::Assigned {
        repairer: "bob".into(),
        units: units.iter().copied().map(unit).collect(),
    }
}

fn repaired(k: u32, finished: bool) -> EventKind {
    EventKind::Repaired(RepairRecord {
        unit: unit(k),
        steps: "replaced the screen".into(),
        parts: vec![PartLine {
            part: "LCD-7".into(),
            quantity: 1,
        }],
        minutes: 30,
        findings: None,
        finished,
    })
}

fn inspected(k: u32, verdict: Verdict) -> EventKind {
    EventKind::Inspected {
        unit: unit(k),
        verdict,
        inspector: "ivy".into(),
        note: None,
    }
}

fn ship_noticed() -> EventKind {
    EventKind::ShipNoticed {
        method: "courier".into(),
        date: day(),
        note: None,
    }
}

fn packed(units: &[u32]) -> EventKind {
    EventKind::Packed {
        units: units.iter().copied().map(unit).collect(),
    }
}

fn shipped(units: &[u32]) -> EventKind {
    EventKind::Shipped {
        carrier: "SF Express".into(),
        tracking: "SF123".into(),
        units: units.iter().copied().map(unit).collect(),
    }
}

fn confirmed(satisfaction: u8) -> EventKind {
    EventKind::Confirmed(Confirmation {
        delivered_on: day(),
        working: true,
        satisfaction,
        feedback: Some("works".into()),
    })
}

fn cost() -> EventKind {
    EventKind::Cost(CostLine {
        kind: CostKind::Repair,
        amount: Money::parse("120.50", Currency::parse("CNY").unwrap()).unwrap(),
        payer: Payer::Company,
        liability: Liability::QualityDefect,
        unit: None,
        note: None,
    })
}

fn archived() -> EventKind {
    EventKind::Archived {
        keeper: "kim".into(),
        retain_until: NaiveDate::from_ymd_opt(2031, 12, 1).unwrap(),
        covers: Vec::new(),
    }
}

/// Applies every step, asserting each is allowed, and returns the state.
fn run(kinds: impl IntoIterator<Item = EventKind>) -> (Workflow, Clock) {
    let mut clock = Clock::new();
    let mut flow = Workflow::new(ticket());
    for kind in kinds {
        let event = clock.event(kind.clone());
        flow.apply(&event)
            .unwrap_or_else(|r| panic!("{} refused: {r}", kind.name()));
    }
    (flow, clock)
}

fn full_path() -> Vec<EventKind> {
    vec![
        EventKind::Registered,
        EventKind::Forwarded { note: None },
        assessed(Severity::Simple, None),
        received(2, Some("SHELF-A1")),
        EventKind::Moved {
            unit: unit(2),
            to: area("SHELF-B2"),
        },
        assigned(&[1, 2]),
        repaired(1, true),
        repaired(2, true),
        inspected(1, Verdict::Pass),
        inspected(2, Verdict::Pass),
        ship_noticed(),
        packed(&[1, 2]),
        shipped(&[1, 2]),
        confirmed(5),
        cost(),
        EventKind::Closed { note: None },
        archived(),
    ]
}

#[test]
fn the_whole_regulation_from_intake_to_archive() {
    let expected = [
        TicketStatus::Registered,
        TicketStatus::Registered,
        TicketStatus::Assessed,
        TicketStatus::Received,
        TicketStatus::Received,
        TicketStatus::InRepair,
        TicketStatus::InRepair,
        TicketStatus::InRepair,
        TicketStatus::InRepair,
        TicketStatus::Inspected,
        TicketStatus::Inspected,
        TicketStatus::Inspected,
        TicketStatus::Shipped,
        TicketStatus::Confirmed,
        TicketStatus::Confirmed,
        TicketStatus::Closed,
        TicketStatus::Archived,
    ];
    let path = full_path();
    assert_eq!(path.len(), expected.len());
    let mut clock = Clock::new();
    let mut flow = Workflow::new(ticket());
    for (kind, status) in path.into_iter().zip(expected) {
        let name = kind.name();
        flow.apply(&clock.event(kind)).unwrap();
        assert_eq!(flow.status(), status, "after {name}");
    }
    assert!(flow.units.iter().all(|u| u.state == UnitState::Shipped));
    assert!(flow.conflicts.is_empty());
}

#[test]
fn unit_states_follow_each_step() {
    let path = full_path();
    let (flow, _) = run(path[..5].to_vec());
    assert_eq!(flow.units[0].state, UnitState::Stored);
    assert_eq!(flow.units[0].location, Location::Area(area("SHELF-A1")));
    assert_eq!(flow.units[1].location, Location::Area(area("SHELF-B2")));
    let (flow, _) = run(path[..7].to_vec());
    assert_eq!(flow.units[0].state, UnitState::AwaitingInspection);
    assert_eq!(flow.units[1].state, UnitState::InRepair);
    assert_eq!(flow.units[1].location, Location::Bench("bob".into()));
    let (flow, _) = run(path[..9].to_vec());
    assert_eq!(flow.units[0].state, UnitState::Passed);
    let (flow, _) = run(path[..12].to_vec());
    assert_eq!(flow.units[0].state, UnitState::Packed);
    assert_eq!(flow.units[0].location, Location::Package);
}

#[test]
fn receiving_without_an_area_leaves_units_at_receiving_until_moved() {
    let (mut flow, mut clock) = run([
        EventKind::Registered,
        assessed(Severity::Simple, None),
        received(1, None),
    ]);
    assert_eq!(flow.units[0].state, UnitState::Received);
    assert_eq!(flow.units[0].location, Location::Receiving);
    let to = area("CAGE-1");
    flow.apply(&clock.event(EventKind::Moved {
        unit: unit(1),
        to: to.clone(),
    }))
    .unwrap();
    assert_eq!(flow.units[0].state, UnitState::Stored);
    assert_eq!(flow.units[0].location.area(), Some(&to));
}

#[test]
fn complex_faults_need_a_joint_review_plan() {
    let mut clock = Clock::new();
    let mut flow = Workflow::new(ticket());
    flow.apply(&clock.event(EventKind::Registered)).unwrap();
    let refusal = flow
        .apply(&clock.event(assessed(Severity::Complex, None)))
        .unwrap_err();
    assert_eq!(refusal, Refusal::ComplexNeedsPlan);
    assert!(refusal.to_string().contains("2.3"));
    flow.apply(&clock.event(assessed(Severity::Complex, Some("swap the board"))))
        .unwrap();
    assert_eq!(flow.severity, Some(Severity::Complex));
}

#[test]
fn rework_rounds_until_the_unit_passes() {
    let (flow, _) = run([
        EventKind::Registered,
        assessed(Severity::Simple, None),
        received(1, Some("SHELF-A1")),
        assigned(&[1]),
        repaired(1, false),
        repaired(1, true),
        inspected(1, Verdict::Fail),
        repaired(1, true),
        inspected(1, Verdict::Fail),
        assigned(&[1]),
        repaired(1, true),
        inspected(1, Verdict::Pass),
    ]);
    let u = &flow.units[0];
    assert_eq!(u.state, UnitState::Passed);
    assert_eq!(u.inspections, 3);
    assert_eq!(
        u.repair_minutes,
        4 * 30,
        "four repair records of 30 minutes"
    );
    assert_eq!(flow.status(), TicketStatus::Inspected);
}

#[test]
fn a_failed_unit_goes_back_to_its_repairer() {
    let (flow, _) = run([
        EventKind::Registered,
        assessed(Severity::Simple, None),
        received(2, Some("SHELF-A1")),
        assigned(&[1]),
        repaired(1, true),
        inspected(1, Verdict::Fail),
    ]);
    assert_eq!(flow.units[0].state, UnitState::Failed);
    assert_eq!(flow.units[0].location, Location::Bench("bob".into()));
    assert_eq!(flow.status(), TicketStatus::InRepair);
}

#[test]
fn partial_shipments_ship_the_ticket_when_the_last_unit_leaves() {
    let mut path = full_path()[..12].to_vec();
    path.push(shipped(&[1]));
    let (mut flow, mut clock) = run(path);
    assert_eq!(flow.status(), TicketStatus::Inspected);
    assert!(flow.shipped_at.is_none());
    assert_eq!(
        flow.apply(&clock.event(confirmed(4))).unwrap_err(),
        Refusal::NotShipped
    );
    flow.apply(&clock.event(shipped(&[2]))).unwrap();
    assert_eq!(flow.status(), TicketStatus::Shipped);
}

#[test]
fn hold_pauses_the_workflow_but_not_the_bookkeeping() {
    let (mut flow, mut clock) = run([
        EventKind::Registered,
        assessed(Severity::Simple, None),
        received(1, Some("SHELF-A1")),
        EventKind::Held {
            reason: "waiting for parts".into(),
        },
    ]);
    assert_eq!(flow.status(), TicketStatus::OnHold);
    let refusal = flow.apply(&clock.event(assigned(&[1]))).unwrap_err();
    assert!(matches!(refusal, Refusal::OnHold { .. }), "{refusal}");
    flow.apply(&clock.event(cost())).unwrap();
    flow.apply(&clock.event(EventKind::Resumed)).unwrap();
    assert_eq!(flow.status(), TicketStatus::Received);
    flow.apply(&clock.event(assigned(&[1]))).unwrap();
}

#[test]
fn cancelled_tickets_can_only_be_archived() {
    let (mut flow, mut clock) = run([
        EventKind::Registered,
        EventKind::Cancelled {
            reason: "customer withdrew".into(),
        },
    ]);
    assert_eq!(flow.status(), TicketStatus::Cancelled);
    let refusal = flow
        .apply(&clock.event(assessed(Severity::Simple, None)))
        .unwrap_err();
    assert_eq!(refusal.code(), "cancelled");
    flow.apply(&clock.event(archived())).unwrap();
    assert_eq!(flow.status(), TicketStatus::Archived);
}

/// Every illegal step: the events before it, the step, and the rule it must break.
#[test]
fn illegal_steps_are_refused_with_their_rule() {
    let upto = |n: usize| full_path()[..n].to_vec();
    let cases: Vec<(Vec<EventKind>, EventKind, &str)> = vec![
        (upto(1), EventKind::Registered, "already_registered"),
        (vec![], cost(), "not_registered"),
        (
            upto(2),
            EventKind::Forwarded { note: None },
            "already_forwarded",
        ),
        (
            upto(3),
            assessed(Severity::Simple, None),
            "already_assessed",
        ),
        (upto(2), received(1, None), "not_assessed"),
        (upto(2), assigned(&[1]), "not_assessed"),
        (upto(4), received(2, None), "already_received"),
        (
            upto(3),
            EventKind::Received(Receiving {
                model: "X".into(),
                quantity: 1,
                appearance: "ok".into(),
                discrepancy: None,
                units: vec![TicketNumber::parse("WH1-2026-00002").unwrap().unit(1)],
                area: None,
                labels: vec![],
            }),
            "unit_not_of_ticket",
        ),
        (
            upto(4),
            EventKind::Moved {
                unit: unit(3),
                to: area("X"),
            },
            "unknown_unit",
        ),
        (upto(4), repaired(1, true), "not_assigned"),
        (upto(4), inspected(1, Verdict::Pass), "not_repaired"),
        (upto(6), inspected(1, Verdict::Pass), "not_repaired"),
        (upto(7), repaired(1, true), "cannot_repair"),
        (upto(9), inspected(1, Verdict::Fail), "not_repaired"),
        (upto(9), assigned(&[1]), "cannot_assign"),
        (upto(9), ship_noticed(), "not_passed"),
        (upto(10), packed(&[1]), "no_ship_notice"),
        (upto(11), shipped(&[1]), "not_packed"),
        (
            upto(12),
            EventKind::Moved {
                unit: unit(1),
                to: area("X"),
            },
            "cannot_move",
        ),
        (upto(12), confirmed(5), "not_shipped"),
        (upto(13), confirmed(0), "bad_record"),
        (upto(14), confirmed(5), "already_confirmed"),
        (upto(13), EventKind::Closed { note: None }, "not_confirmed"),
        (upto(15), archived(), "not_closed"),
        (upto(16), assigned(&[1]), "closed"),
        (upto(17), cost(), "archived"),
        (
            upto(13),
            EventKind::Cancelled { reason: "x".into() },
            "already_shipped",
        ),
        (upto(3), EventKind::Resumed, "not_held"),
        (
            upto(3),
            EventKind::ConflictResolved {
                event: EventId::from("abc"),
                note: "x".into(),
            },
            "unknown_conflict",
        ),
        (
            upto(4),
            EventKind::Shipped {
                carrier: "".into(),
                tracking: "1".into(),
                units: vec![unit(1)],
            },
            "bad_record",
        ),
    ];
    for (before, step, code) in cases {
        let (mut flow, mut clock) = run(before.clone());
        let name = step.name();
        let snapshot = flow.clone();
        let refusal = flow.apply(&clock.event(step)).expect_err(&format!(
            "{name} after {} steps must be refused",
            before.len()
        ));
        assert_eq!(
            refusal.code(),
            code,
            "{name} after {} steps: {refusal}",
            before.len()
        );
        assert_eq!(flow, snapshot, "a refused step changes nothing");
    }
}

#[test]
fn shipping_a_unit_that_failed_inspection_names_the_rule() {
    let (mut flow, mut clock) = run([
        EventKind::Registered,
        assessed(Severity::Simple, None),
        received(1, None),
        assigned(&[1]),
        repaired(1, true),
        inspected(1, Verdict::Fail),
    ]);
    let refusal = flow.apply(&clock.event(shipped(&[1]))).unwrap_err();
    let text = refusal.to_string();
    assert!(
        text.contains("passed inspection") && text.contains("failed"),
        "{text}"
    );
}

#[test]
fn concurrent_incompatible_events_become_conflicts_not_losses() {
    let mut clock = Clock::new();
    let base: Vec<Event> = [
        EventKind::Registered,
        assessed(Severity::Simple, None),
        received(1, None),
        assigned(&[1]),
        repaired(1, true),
    ]
    .into_iter()
    .map(|k| clock.event(k))
    .collect();
    // Two inspectors, offline at two sites, judge the same unit.
    let pass = clock.event(inspected(1, Verdict::Pass));
    let fail = clock.event(inspected(1, Verdict::Fail));
    let merged: Vec<&Event> = base.iter().chain([&pass, &fail]).collect();
    let flow = Workflow::derive(ticket(), merged);
    assert_eq!(flow.units[0].state, UnitState::Passed);
    assert_eq!(flow.conflicts.len(), 1);
    let conflict = &flow.conflicts[0];
    assert_eq!(conflict.event, fail.id);
    assert_eq!(conflict.kind, "inspected");
    assert!(conflict.reason.contains("3.4"), "{}", conflict.reason);

    // A person settles it; the conflict stays on record, marked resolved.
    let resolve = clock.event(EventKind::ConflictResolved {
        event: fail.id.clone(),
        note: "re-inspected, it passes".into(),
    });
    let events: Vec<&Event> = base.iter().chain([&pass, &fail, &resolve]).collect();
    let flow = Workflow::derive(ticket(), events);
    assert_eq!(flow.conflicts.len(), 1);
    assert_eq!(flow.open_conflicts().count(), 0);
}

#[test]
fn a_change_the_archiving_copy_never_saw_is_a_conflict_wherever_the_merge_puts_it() {
    let mut clock = Clock::new();
    let mut path = full_path();
    path.pop();
    let known: Vec<Event> = path.into_iter().map(|k| clock.event(k)).collect();
    let mut archive = clock.event(archived());
    if let EventKind::Archived { covers, .. } = &mut archive.kind {
        *covers = known.iter().map(|e| e.id.clone()).collect();
    }
    // A cost line booked offline at another site, before the archive reached it.
    let late = clock.event(cost());
    for merged in [
        known.iter().chain([&late, &archive]).collect::<Vec<_>>(),
        known.iter().chain([&archive, &late]).collect(),
    ] {
        let flow = Workflow::derive(ticket(), merged);
        assert_eq!(flow.status(), TicketStatus::Archived);
        assert_eq!(flow.open_conflicts().count(), 1);
        let conflict = &flow.conflicts[0];
        assert_eq!(conflict.event, late.id);
        assert_eq!(conflict.kind, "cost");
        assert_eq!(flow.costs.len(), 1, "the late line is not counted");
    }
}

#[test]
fn statuses_have_snake_case_wire_names() {
    for status in TicketStatus::ALL {
        let json = serde_json::to_value(status).unwrap();
        assert_eq!(json, status.as_str());
        assert_eq!(TicketStatus::parse(status.as_str()), Some(status));
    }
    assert_eq!(
        TicketStatus::parse("in-repair"),
        Some(TicketStatus::InRepair)
    );
    let states = [
        "received",
        "stored",
        "in_repair",
        "awaiting_inspection",
        "passed",
        "failed",
        "packed",
        "shipped",
    ];
    for (state, name) in [
        UnitState::Received,
        UnitState::Stored,
        UnitState::InRepair,
        UnitState::AwaitingInspection,
        UnitState::Passed,
        UnitState::Failed,
        UnitState::Packed,
        UnitState::Shipped,
    ]
    .into_iter()
    .zip(states)
    {
        assert_eq!(serde_json::to_value(state).unwrap(), name);
    }
}

/// A plausible record of `action` on this ticket as it stands: the details a person would give
/// (the first unit that can take a unit step).
fn sample(flow: &Workflow, action: Action) -> Option<EventKind> {
    let first = |action: Action| {
        flow.units
            .iter()
            .find(|u| action.takes_unit(u.state))
            .map(|u| u.number.clone())
            .or_else(|| flow.units.first().map(|u| u.number.clone()))
            .unwrap_or_else(|| unit(1))
    };
    let k = first(action).k();
    Some(match action {
        Action::Intake => EventKind::Registered,
        Action::Edit => EventKind::Edited {
            field: RegistrationField::Contact,
            value: "Li Wei".into(),
        },
        Action::Forward => EventKind::Forwarded { note: None },
        Action::Assess => assessed(Severity::Simple, None),
        Action::Receive => received(2, Some("SHELF-A1")),
        Action::Move => EventKind::Moved {
            unit: unit(k),
            to: area("SHELF-C1"),
        },
        Action::Assign => assigned(&[k]),
        Action::Repair => repaired(k, true),
        Action::PartsRequest => EventKind::PartsRequested {
            unit: None,
            parts: vec![PartLine {
                part: "FUSE".into(),
                quantity: 1,
            }],
            note: None,
        },
        Action::Inspect => inspected(k, Verdict::Pass),
        Action::ShipNotice => ship_noticed(),
        Action::Pack => packed(&[k]),
        Action::Ship => shipped(&[k]),
        Action::Confirm => confirmed(4),
        Action::Cost => cost(),
        Action::AuditCost => EventKind::CostAudited {
            cost: flow.costs.first()?.clone(),
            verdict: AuditVerdict::Audited,
            note: None,
        },
        // Noted by the server itself, never offered at a bench.
        Action::NoteClock => return None,
        // Answered by the customer on their status page, recorded by the server.
        Action::NoteSurvey => return None,
        // Noted by the server when a site outside the ticket's scope recorded a step.
        Action::NoteScope => return None,
        Action::HandOver => EventKind::HandedOver {
            to: SiteCode::parse("RC1").unwrap(),
            units: Vec::new(),
            carrier: None,
            tracking: None,
            note: None,
            leave: false,
            covers: Vec::new(),
        },
        Action::Close => EventKind::Closed { note: None },
        Action::Archive => archived(),
        Action::Hold => EventKind::Held {
            reason: "waiting for parts".into(),
        },
        Action::Resume => EventKind::Resumed,
        Action::Cancel => EventKind::Cancelled {
            reason: "customer withdrew".into(),
        },
        Action::Resolve => EventKind::ConflictResolved {
            event: flow.open_conflicts().next()?.event.clone(),
            note: "settled".into(),
        },
        Action::Scan => EventKind::Scanned {
            code: crate::LabelCode::Ticket(ticket()),
        },
        Action::Label | Action::Attach => return None,
    })
}

#[test]
fn the_steps_offered_are_exactly_the_steps_the_rules_accept() {
    let mut paths = vec![full_path()];
    let mut rework = full_path();
    rework.insert(8, inspected(1, Verdict::Fail));
    rework.insert(9, repaired(1, false));
    rework.insert(10, repaired(1, true));
    rework.truncate(12);
    paths.push(rework);
    let mut held = full_path();
    held.truncate(6);
    held.push(EventKind::Held {
        reason: "parts".into(),
    });
    paths.push(held);
    let mut cancelled = full_path();
    cancelled.truncate(4);
    cancelled.push(EventKind::Cancelled {
        reason: "withdrawn".into(),
    });
    paths.push(cancelled);
    for path in paths {
        let mut flow = Workflow::new(ticket());
        let mut clock = Clock::new();
        for step in path {
            for action in Action::ALL {
                let Some(kind) = sample(&flow, action) else {
                    continue;
                };
                let accepted = flow.clone().apply(&clock.event(kind)).is_ok();
                assert_eq!(
                    flow.offers().contains(&action),
                    accepted,
                    "{action:?} at {:?} ({} units)",
                    flow.status(),
                    flow.units.len()
                );
            }
            flow.apply(&clock.event(step)).expect("the path is legal");
        }
    }
}

fn at(site: &str, mut event: Event) -> Event {
    event.site = SiteCode::parse(site).unwrap();
    event
}

fn handed_over(to: &str, units: &[u32]) -> EventKind {
    EventKind::HandedOver {
        to: SiteCode::parse(to).unwrap(),
        units: units.iter().copied().map(unit).collect(),
        carrier: Some("SF Express".into()),
        tracking: Some("SF1".into()),
        note: None,
        leave: false,
        covers: Vec::new(),
    }
}

#[test]
fn units_handed_over_travel_and_only_the_site_they_went_to_takes_them_in() {
    let mut flow = Workflow::new(ticket());
    let mut clock = Clock::new();
    for kind in [
        EventKind::Registered,
        assessed(Severity::Simple, None),
        received(2, Some("SHELF-A1")),
    ] {
        flow.apply(&clock.event(kind)).unwrap();
    }
    // Not to the site that hands over; not twice; then the unit is on its way.
    assert_eq!(
        flow.clone().apply(&clock.event(handed_over("WH1", &[1]))),
        Err(Refusal::HandOverToSelf)
    );
    flow.apply(&clock.event(handed_over("RC1", &[1]))).unwrap();
    assert_eq!(
        flow.unit(&unit(1)).unwrap().location,
        Location::Transit(SiteCode::parse("RC1").unwrap())
    );
    assert!(matches!(
        flow.clone().apply(&clock.event(handed_over("RC2", &[1]))),
        Err(Refusal::CannotHandOver { .. })
    ));
    // Nobody works on a unit on its way; the unit that stayed is worked on as before.
    assert_eq!(
        flow.clone().apply(&clock.event(assigned(&[1]))),
        Err(Refusal::InTransit {
            unit: unit(1),
            to: SiteCode::parse("RC1").unwrap()
        })
    );
    flow.clone().apply(&clock.event(assigned(&[2]))).unwrap();
    assert!(flow.offers().contains(&Action::Receive));
    // Offered at the site the unit goes to, not at the one it left.
    assert!(
        flow.offers_at(&SiteCode::parse("RC1").unwrap())
            .contains(&Action::Receive)
    );
    assert!(
        !flow
            .offers_at(&SiteCode::parse("WH1").unwrap())
            .contains(&Action::Receive)
    );
    // The receiving check at another site, or of a unit that did not travel, is refused.
    let take_in = |k: u32| {
        EventKind::Received(Receiving {
            units: vec![unit(k)],
            area: Some(area("RC-SHELF-1")),
            ..match received(1, None) {
                EventKind::Received(r) => r,
                _ => unreachable!(),
            }
        })
    };
    assert_eq!(
        flow.clone().apply(&at("WH2", clock.event(take_in(1)))),
        Err(Refusal::AlreadyReceived)
    );
    assert_eq!(
        flow.clone().apply(&at("RC1", clock.event(take_in(2)))),
        Err(Refusal::AlreadyReceived)
    );
    flow.apply(&at("RC1", clock.event(take_in(1)))).unwrap();
    let taken = flow.unit(&unit(1)).unwrap();
    assert_eq!(taken.location, Location::Area(area("RC-SHELF-1")));
    assert_eq!(taken.state, UnitState::Stored);
    assert!(!flow.offers().contains(&Action::Receive));
    flow.apply(&at("RC1", clock.event(assigned(&[1])))).unwrap();
}

#[test]
fn a_step_the_office_found_outside_the_scope_is_a_conflict_and_changes_nothing() {
    let mut clock = Clock::new();
    let events = vec![
        clock.event(EventKind::Registered),
        clock.event(assessed(Severity::Simple, None)),
        at("WH2", clock.event(received(1, Some("SHELF-A1")))),
    ];
    let noted = clock.event(EventKind::OutsideScope {
        event: events[2].id.clone(),
    });
    let mut all = events.clone();
    all.push(noted);
    let flow = Workflow::derive(ticket(), &events);
    assert_eq!(flow.units.len(), 1);
    let flow = Workflow::derive(ticket(), &all);
    assert!(
        flow.units.is_empty(),
        "the step outside the scope took no effect"
    );
    let conflict = flow.open_conflicts().next().expect("a conflict");
    assert_eq!(conflict.event, events[2].id);
    assert_eq!(conflict.site.as_str(), "WH2");
    assert!(conflict.reason.contains("WH2"), "{}", conflict.reason);
}
