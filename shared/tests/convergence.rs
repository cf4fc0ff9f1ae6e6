//! Convergence: random offline work on several replicas of one ticket, merged in random
//! orders, ends in identical documents and identical derived states everywhere.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use proptest::prelude::*;
use rma_shared::automerge::ActorId;
use rma_shared::event::*;
use rma_shared::{
    AreaCode, Currency, DeadlineSettings, Money, Registration, SiteCode, TicketDoc, TicketId,
    TicketNumber, TicketView, UnitState,
};

fn ticket() -> TicketNumber {
    TicketNumber::parse("WH1-2026-00007").unwrap()
}

fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 2, 9, 0, 0).unwrap()
}

/// Every step a bench worker could take on a two-unit ticket.
fn steps() -> Vec<EventKind> {
    let t = ticket();
    let u = |k| t.unit(k);
    let area = |c| AreaCode::parse(c).unwrap();
    let repair = |k, finished| {
        EventKind::Repaired(RepairRecord {
            unit: u(k),
            steps: "work".into(),
            parts: vec![],
            minutes: 10,
            findings: None,
            finished,
        })
    };
    let inspect = |k, verdict| EventKind::Inspected {
        unit: u(k),
        verdict,
        inspector: "ivy".into(),
        note: None,
    };
    vec![
        EventKind::Forwarded { note: None },
        EventKind::Assessed(Assessment::simple()),
        EventKind::Received(Receiving {
            model: "X200".into(),
            quantity: 2,
            appearance: "ok".into(),
            discrepancy: None,
            units: vec![u(1), u(2)],
            area: Some(area("A")),
            labels: vec![],
        }),
        EventKind::Moved {
            unit: u(1),
            to: area("B"),
        },
        EventKind::Moved {
            unit: u(2),
            to: area("C"),
        },
        EventKind::Assigned {
            repairer: "bob".into(),
            units: vec![u(1), u(2)],
        },
        repair(1, true),
        repair(2, true),
        repair(1, false),
        inspect(1, Verdict::Pass),
        inspect(1, Verdict::Fail),
        inspect(2, Verdict::Pass),
        inspect(2, Verdict::Fail),
        EventKind::ShipNoticed {
            method: "courier".into(),
            date: NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
            note: None,
        },
        EventKind::Packed {
            units: vec![u(1), u(2)],
        },
        EventKind::Shipped {
            carrier: "SF".into(),
            tracking: "SF1".into(),
            units: vec![u(1), u(2)],
        },
        EventKind::Confirmed(Confirmation {
            delivered_on: NaiveDate::from_ymd_opt(2026, 12, 3).unwrap(),
            working: true,
            satisfaction: 4,
            feedback: None,
        }),
        EventKind::Cost(CostLine {
            kind: CostKind::Repair,
            amount: Money::parse("10", Currency::parse("CNY").unwrap()).unwrap(),
            payer: Payer::Company,
            liability: Liability::QualityDefect,
            unit: None,
            note: None,
        }),
        EventKind::Closed { note: None },
        EventKind::Archived {
            keeper: "kim".into(),
            retain_until: NaiveDate::from_ymd_opt(2036, 12, 1).unwrap(),
            covers: Vec::new(),
        },
        EventKind::Held {
            reason: "parts".into(),
        },
        EventKind::Resumed,
        EventKind::Cancelled {
            reason: "withdrawn".into(),
        },
        EventKind::Edited {
            field: RegistrationField::Contact,
            value: "phone A".into(),
        },
        EventKind::Edited {
            field: RegistrationField::Contact,
            value: "phone B".into(),
        },
    ]
}

#[derive(Debug, Clone)]
enum Op {
    /// Replica `.0` takes the `.1`-th step that is legal for it now (if any).
    Step(usize, usize),
    /// Replica `.0` merges replica `.1` (a sync between two sites).
    Merge(usize, usize),
}

fn script(replicas: usize) -> impl Strategy<Value = Vec<Op>> {
    let op = prop_oneof![
        3 => (0..replicas, 0..64usize).prop_map(|(r, s)| Op::Step(r, s)),
        1 => (0..replicas, 0..replicas).prop_map(|(a, b)| Op::Merge(a, b)),
    ];
    prop::collection::vec(op, 10..80)
}

fn new_ticket() -> TicketDoc {
    let registration = Registration {
        customer: "Acme".into(),
        contact: None,
        model: "X200".into(),
        quantity: 2,
        fault: "dead".into(),
        request: CustomerRequest::Repair,
        email: None,
        phone: None,
        customer_lang: None,
    };
    TicketDoc::create(
        TicketId::random(),
        ticket(),
        &registration,
        Event::new(
            EventKind::Registered,
            SiteCode::parse("WH1").unwrap(),
            "ann",
            start(),
        ),
        ActorId::random(),
    )
}

fn run(replicas: usize, ops: &[Op], final_order: &[usize]) -> Vec<TicketDoc> {
    let mut origin = new_ticket();
    let saved = origin.save();
    let mut docs: Vec<TicketDoc> = (0..replicas)
        .map(|_| {
            let mut doc = TicketDoc::load(&saved).unwrap();
            doc.set_actor(ActorId::random());
            doc
        })
        .collect();
    let sites: Vec<SiteCode> = (0..replicas)
        .map(|r| SiteCode::parse(&format!("S{r}")).unwrap())
        .collect();
    let all_steps = steps();
    let mut clock = start();
    for op in ops {
        clock += Duration::minutes(1);
        match *op {
            Op::Step(r, choice) => {
                let flow = docs[r].workflow();
                let legal: Vec<&EventKind> = all_steps
                    .iter()
                    .filter(|kind| {
                        let probe = Event::new((*kind).clone(), sites[r].clone(), "p", clock);
                        flow.clone().apply(&probe).is_ok()
                    })
                    .collect();
                if legal.is_empty() {
                    continue;
                }
                let kind = legal[choice % legal.len()].clone();
                let event = Event::new(kind, sites[r].clone(), format!("worker{r}"), clock);
                docs[r].record(event).expect("a legal step is recorded");
            }
            Op::Merge(a, b) if a != b => {
                let mut other = docs[b].clone();
                docs[a].merge(&mut other).unwrap();
            }
            Op::Merge(..) => {}
        }
    }
    // Everyone syncs with everyone, in the given order, twice round.
    for _ in 0..2 {
        for &a in final_order {
            for &b in final_order {
                if a != b {
                    let mut other = docs[b].clone();
                    docs[a].merge(&mut other).unwrap();
                }
            }
        }
    }
    docs
}

fn view(doc: &TicketDoc) -> TicketView {
    TicketView::build(
        doc,
        &DeadlineSettings::default(),
        start() + Duration::days(30),
    )
    .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn replicas_converge_to_identical_documents_and_states(
        (replicas, ops, order) in (3usize..=5).prop_flat_map(|n| {
            (Just(n), script(n), Just((0..n).collect::<Vec<_>>()).prop_shuffle())
        })
    ) {
        let mut docs = run(replicas, &ops, &order);
        let first_heads = {
            let mut h = docs[0].heads();
            h.sort();
            h
        };
        let first_view = view(&docs[0]);
        for doc in docs.iter_mut().skip(1) {
            let mut heads = doc.heads();
            heads.sort();
            prop_assert_eq!(&heads, &first_heads);
            prop_assert_eq!(&view(doc), &first_view);
        }
        // Saving and loading keeps the same state: what a restarted agent would see.
        let reloaded = TicketDoc::load(&docs[0].save()).unwrap();
        prop_assert_eq!(view(&reloaded), first_view.clone());
        // Nothing is lost: every event recorded anywhere is in the merged document, and
        // every refused one is reported as a conflict.
        let steps_taken = ops.iter().filter(|op| matches!(op, Op::Step(..))).count();
        prop_assert!(first_view.events.len() <= steps_taken + 1);
        for conflict in &first_view.conflicts {
            prop_assert!(first_view.events.iter().any(|e| e.id == conflict.event));
        }
    }
}

/// A hand-made case of the property: two inspectors judge the same unit while offline.
#[test]
fn pass_and_fail_offline_merge_to_one_state_with_a_conflict() {
    let mut base = new_ticket();
    let site = SiteCode::parse("WH1").unwrap();
    let mut clock = start();
    let mut step = |doc: &mut TicketDoc, kind: EventKind| {
        clock += Duration::minutes(1);
        doc.record(Event::new(kind, site.clone(), "ann", clock))
            .unwrap();
    };
    let all = steps();
    for i in [1, 2, 5, 6] {
        step(&mut base, all[i].clone());
    }
    let mut a = TicketDoc::load(&base.save()).unwrap();
    a.set_actor(ActorId::random());
    let mut b = TicketDoc::load(&base.save()).unwrap();
    b.set_actor(ActorId::random());
    step(&mut a, all[9].clone()); // unit 1 passes at site A
    step(&mut b, all[10].clone()); // unit 1 fails at site B
    let mut b2 = b.clone();
    a.merge(&mut b2).unwrap();
    let mut a2 = a.clone();
    b.merge(&mut a2).unwrap();
    let (va, vb) = (view(&a), view(&b));
    assert_eq!(va, vb);
    assert_eq!(va.conflicts.len(), 1);
    assert_eq!(va.events.len(), 7, "both inspections are kept");
    let state = va.units[0].status.state;
    assert!(matches!(state, UnitState::Passed | UnitState::Failed));
}
