//! Convergence through the real stores: 3-4 agents, each with its own sled store and holding
//! its own work, hand tickets over to one another and work offline on the tickets they share
//! (among them two sites inspecting one unit, pass and fail, at the same time) and sync with
//! one server store in random orders, with requests and answers cut at random points.
//! Afterwards every agent holds exactly the tickets of its scope, each as the server holds it,
//! derives the same states, and agrees with the server on its scope's digest. Every id, actor and time comes from proptest's
//! random source, so a failing case replays and shrinks.

use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::{DateTime, Duration, TimeZone, Utc};
use proptest::prelude::*;
use rma_agent::store::{ListFilter, Store};
use rma_agent::sync_client::{self, Report, SyncError, Transport};
use rma_server::store::ServerStore;
use rma_shared::automerge::ActorId;
use rma_shared::event::{
    Assessment, EventKind, Receiving, RegistrationField, RepairRecord, Verdict,
};
use rma_shared::sync::{
    FetchResponse, PullResponse, PushRequest, PushResponse, ScopeResponse, TreeNode,
};
use rma_shared::{DeadlineSettings, Event, EventId, SiteCode, TicketId, TicketNumber, TicketView};

/// The server's sync endpoints in-process, on a real server store, for one site: the `n`-th
/// call is cut, either before the server sees it or after (the answer is lost).
struct InProcess<'a> {
    server: &'a ServerStore,
    site: SiteCode,
    calls: AtomicUsize,
    cut: Option<(usize, bool)>,
}

impl InProcess<'_> {
    /// Runs one call through the cut.
    fn call<T>(&self, f: impl FnOnce() -> T) -> Result<T, SyncError> {
        let n = self.calls.fetch_add(1, Ordering::SeqCst);
        match self.cut {
            Some((at, false)) if at == n => Err(SyncError::Lost("request cut".into())),
            Some((at, true)) if at == n => {
                f();
                Err(SyncError::Lost("answer cut".into()))
            }
            _ => Ok(f()),
        }
    }
}

impl Transport for InProcess<'_> {
    fn server(&self) -> &str {
        "in-process"
    }

    fn bind(&self, actor: &ActorId) -> Result<(), SyncError> {
        self.call(|| self.server.bind_actor(&self.site, actor).unwrap())
    }

    fn push(&self, request: &PushRequest) -> Result<(PushResponse, usize, usize), SyncError> {
        let answer = self.call(|| self.server.push(&self.site, request).unwrap())?;
        Ok((answer, 0, 0))
    }

    fn pull(&self, cursor: u64, _pending: usize) -> Result<(PullResponse, usize), SyncError> {
        let now = Utc::now();
        let page = self.call(|| {
            self.server
                .pull(&self.site, cursor, 4, &Default::default(), now)
                .unwrap()
        })?;
        Ok((page, 0))
    }

    fn tree(&self, prefix: &[u8]) -> Result<(TreeNode, usize), SyncError> {
        let node = self.call(|| self.server.scoped_tree(&self.site, prefix).unwrap())?;
        Ok((node, 0))
    }

    fn fetch(&self, ids: Vec<TicketId>) -> Result<(FetchResponse, usize), SyncError> {
        Ok((
            self.call(|| self.server.fetch(&self.site, &ids).unwrap())?,
            0,
        ))
    }

    fn scope(&self, ids: Vec<TicketId>) -> Result<(ScopeResponse, usize), SyncError> {
        let outside = self.call(|| self.server.outside_scope(&self.site, &ids).unwrap())?;
        Ok((ScopeResponse { outside }, 0))
    }
}

struct Site {
    store: Store,
    _dir: tempfile::TempDir,
}

#[derive(Debug, Clone)]
enum Op {
    /// An agent registers a ticket with this id.
    Create(usize, [u8; 16]),
    /// An agent takes step `step` on the `ticket`-th ticket it holds; the event's id.
    Step(usize, usize, usize, u64),
    /// An agent syncs; the call to cut (if any), and whether after the server took it.
    Sync(usize, Option<(usize, bool)>),
}

fn ops(agents: usize) -> impl Strategy<Value = Vec<Op>> {
    let op = prop_oneof![
        1 => (0..agents, any::<[u8; 16]>()).prop_map(|(a, id)| Op::Create(a, id)),
        4 => (0..agents, 0..8usize, 0..STEPS, any::<u64>())
            .prop_map(|(a, t, s, id)| Op::Step(a, t, s, id)),
        2 => (0..agents, prop::option::of((0..6usize, any::<bool>())))
            .prop_map(|(a, cut)| Op::Sync(a, cut)),
    ];
    prop::collection::vec(op, 5..40)
}

const STEPS: usize = 11;

/// Step `step` of a ticket's path, for its one unit.
fn step(number: &TicketNumber, step: usize, site: &SiteCode) -> EventKind {
    let unit = number.unit(1);
    match step {
        0 => EventKind::Forwarded { note: None },
        1 => EventKind::Assessed(Assessment::simple()),
        2 => EventKind::Received(Receiving {
            model: "X200".into(),
            quantity: 1,
            appearance: "scratched".into(),
            discrepancy: None,
            units: vec![unit],
            area: None,
            labels: vec![],
        }),
        3 => EventKind::Assigned {
            repairer: "bob".into(),
            units: vec![unit],
        },
        4 => EventKind::Repaired(RepairRecord {
            unit,
            steps: "new fuse".into(),
            parts: vec![],
            minutes: 20,
            findings: None,
            finished: true,
        }),
        // Pass at one site and fail at another, concurrently: a conflict to surface.
        5 | 6 => EventKind::Inspected {
            unit,
            verdict: if step == 5 {
                Verdict::Pass
            } else {
                Verdict::Fail
            },
            inspector: "ivy".into(),
            note: None,
        },
        7 => EventKind::Held {
            reason: "parts".into(),
        },
        8 => EventKind::Resumed,
        // Sent on to the hub (S0), or from it to S1: both hold it from then on.
        9 => EventKind::HandedOver {
            to: SiteCode::parse(if site.as_str() == "S0" { "S1" } else { "S0" }).unwrap(),
            units: Vec::new(),
            carrier: None,
            tracking: None,
            note: None,
            leave: false,
            covers: Vec::new(),
        },
        _ => EventKind::Edited {
            field: RegistrationField::Contact,
            value: format!("phone of {site}"),
        },
    }
}

fn view(store: &Store, number: &TicketNumber) -> TicketView {
    let doc = store.load(number).unwrap();
    let now = Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap();
    TicketView::build(&doc, &DeadlineSettings::default(), now).unwrap()
}

fn numbers(store: &Store) -> Vec<TicketNumber> {
    let all = store
        .list(&ListFilter::default(), &DeadlineSettings::default())
        .unwrap();
    let mut numbers: Vec<_> = all.tickets.into_iter().map(|t| t.number).collect();
    numbers.sort_by_key(|n| (n.site().to_string(), n.seq()));
    numbers
}

fn sync(site: &Site, server: &ServerStore, cut: Option<(usize, bool)>) -> Option<Report> {
    let transport = InProcess {
        server,
        site: site.store.site().clone(),
        calls: AtomicUsize::new(0),
        cut,
    };
    match sync_client::sync_with(&site.store, &transport, 3, &mut |_| {}) {
        Ok(report) => Some(report),
        Err(SyncError::Lost(_)) => None,
        Err(other) => panic!("a sync failed: {other}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn agents_converge_through_the_real_stores_despite_cut_syncs(
        (n, actors, script, order) in (3usize..=4).prop_flat_map(|n| {
            (
                Just(n),
                prop::collection::vec(any::<[u8; 16]>(), n),
                ops(n),
                Just((0..n).collect::<Vec<_>>()).prop_shuffle(),
            )
        })
    ) {
        let server_dir = tempfile::tempdir().unwrap();
        // The server's store on the backend the test run asks for (sled, or PostgreSQL).
        let server = match rma_tests::test_database() {
            Some(url) => ServerStore::open_database(&url).unwrap(),
            None => ServerStore::open(server_dir.path()).unwrap(),
        };
        let sites: Vec<Site> = (0..n)
            .map(|i| {
                let dir = tempfile::tempdir().unwrap();
                let code = SiteCode::parse(&format!("S{i}")).unwrap();
                server.add_site(&code, Utc::now()).unwrap();
                let store = Store::init_as(dir.path(), code, ActorId::from(&actors[i][..])).unwrap();
                Site { store, _dir: dir }
            })
            .collect();
        let mut clock: DateTime<Utc> = Utc.with_ymd_and_hms(2026, 11, 2, 9, 0, 0).unwrap();
        for op in &script {
            clock += Duration::minutes(1);
            match *op {
                Op::Create(a, id) => {
                    let store = &sites[a].store;
                    let registration = rma_shared::testing::registration();
                    let mut registered =
                        Event::new(EventKind::Registered, store.site().clone(), "w", clock);
                    registered.id = EventId::from(format!("{:016x}", u64::from_le_bytes(id[..8].try_into().unwrap())).as_str());
                    store.create_as(TicketId::from_bytes(id), &registration, registered).unwrap();
                }
                Op::Step(a, t, s, id) => {
                    let store = &sites[a].store;
                    let held = numbers(store);
                    if held.is_empty() {
                        continue;
                    }
                    let number = &held[t % held.len()];
                    let mut event = Event::new(step(number, s, store.site()), store.site().clone(), "w", clock);
                    event.id = EventId::from(format!("{id:016x}").as_str());
                    // A step the rules refuse here changes nothing.
                    let _ = store.record_event(number, event);
                }
                Op::Sync(a, cut) => {
                    sync(&sites[a], &server, cut);
                }
            }
        }
        // The network heals: everyone syncs, twice round, in a random order.
        for _ in 0..2 {
            for &a in &order {
                sync(&sites[a], &server, None).unwrap();
            }
        }
        let expected = server.tickets().digest().unwrap();
        // The digest of all, kept beside the parts' digests, is their sum everywhere.
        prop_assert_eq!(*expected.as_bytes(), server.tickets().digest_of_parts().unwrap());
        for site in &sites {
            let tickets = site.store.tickets();
            let all = tickets.digest().unwrap();
            prop_assert_eq!(*all.as_bytes(), tickets.digest_of_parts().unwrap());
        }
        let everything: Vec<TicketNumber> = server
            .tickets()
            .all_indexed()
            .unwrap()
            .into_iter()
            .map(|(_, number, _)| number)
            .collect();
        for site in &sites {
            let code = site.store.site();
            let report = sync(site, &server, None).unwrap();
            prop_assert!(report.verified, "site {} disagrees: {report:?}", code);
            prop_assert_eq!(report.repaired, 0);
            // Exactly its scope: the tickets whose events name it as a holder.
            let mut scope: Vec<TicketNumber> = everything
                .iter()
                .filter(|n| server.holders(n).unwrap().contains(code))
                .cloned()
                .collect();
            scope.sort_by_key(|n| (n.site().to_string(), n.seq()));
            let all = numbers(&site.store);
            prop_assert_eq!(&all, &scope, "site {} holds other than its scope", code);
            let ours = site.store.tickets().digest().unwrap();
            prop_assert_eq!(ours, server.scope_digest(code).unwrap());
            for number in &all {
                let events = server.tickets().read(number).unwrap().unwrap().1.readable_events();
                let holders = rma_shared::scope::holders(number, &events);
                prop_assert!(holders.contains(code), "{} does not hold {}", code, number);
                let here = view(&site.store, number);
                let (_, mut at_server) = server.tickets().read(number).unwrap().unwrap();
                let mut local = site.store.load(number).unwrap();
                prop_assert_eq!(local.heads(), at_server.heads(), "{} differs", number);
                let now = Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap();
                prop_assert_eq!(&here, &TicketView::build(&at_server, &DeadlineSettings::default(), now).unwrap());
                let ids: std::collections::HashSet<_> = here.events.iter().map(|e| e.id.clone()).collect();
                prop_assert_eq!(ids.len(), here.events.len(), "an event twice in {}", number);
            }
        }
    }
}
