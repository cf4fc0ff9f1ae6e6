//! Several servers on one PostgreSQL database: they serve the same agents and answer the
//! same, and the feed stays gap-free and in commit order across processes. These tests need
//! a database cluster: tests/run starts one and sets RMA_TEST_DATABASE.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::Utc;
use rma_server::store::ServerStore;
use rma_shared::automerge::ActorId;
use rma_shared::event::{CustomerRequest, EventKind};
use rma_shared::sync::{Heads, PushRequest, outgoing};
use rma_shared::{Event, Registration, SiteCode, TicketDoc, TicketId, TicketNumber};
use rma_tests::{Agent, Server, new_database};

#[test]
fn two_servers_on_one_database_serve_the_same_agents_and_answer_the_same() {
    let database = new_database();
    let settings = format!("[database]\nurl = \"{database}\"\n");
    let mut first = Server::start_with_settings(&settings);
    let mut second = Server::start_with_settings(&settings);
    first.drain_log();
    second.drain_log();
    // Each site syncs with its own server; enrolment at either is enrolment at both.
    let a = Agent::enrolled("WH1", &first);
    let b = Agent::enrolled_at("WH2", &first, &second.url);
    let mut made = BTreeSet::new();
    for round in 0..3 {
        made.insert(a.intake(&format!("A{round}"), 1));
        made.insert(b.intake(&format!("B{round}"), 2));
        a.ok(&["sync"]);
        b.ok(&["sync"]);
    }
    a.ok(&["sync"]);
    for agent in [&a, &b] {
        let report = agent.json(&["sync"]);
        assert_eq!(report["verified"], true, "{report}");
        let held: BTreeSet<String> = agent.json(&["list", "--limit", "0"])["tickets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["number"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(held, made);
    }
    let token = first.add_site("HQ");
    assert_eq!(first.tickets(&token), second.tickets(&token));
    for number in &made {
        assert_eq!(first.ticket(&token, number), second.ticket(&token, number));
    }
    // A step taken at one site reaches the other through the other server.
    let ticket = made.iter().find(|n| n.starts_with("WH2")).unwrap();
    b.ok(&["hold", ticket, "--reason", "parts"]);
    b.ok(&["sync"]);
    a.ok(&["sync"]);
    assert_eq!(a.json(&["show", ticket])["status"], "on_hold");
    assert_eq!(first.ticket(&token, ticket)["status"], "on_hold");
}

fn ticket(site: &SiteCode, seq: u32, actor: &ActorId) -> TicketDoc {
    TicketDoc::create(
        TicketId::random(),
        TicketNumber::new(site.clone(), 2026, seq),
        &Registration {
            customer: "Acme".into(),
            contact: None,
            model: "X200".into(),
            quantity: 1,
            fault: "dead".into(),
            request: CustomerRequest::Repair,
        },
        Event::new(EventKind::Registered, site.clone(), "ann", Utc::now()),
        actor.clone(),
    )
}

#[test]
fn a_reader_never_passes_a_feed_position_that_commits_later() {
    let database = new_database();
    // Two stores on one database are two servers: their own connections, no shared memory.
    let stores: Vec<ServerStore> = (0..2)
        .map(|_| ServerStore::open_database(&database).unwrap())
        .collect();
    let reader_site = SiteCode::parse("READ").unwrap();
    stores[0].add_site(&reader_site, Utc::now()).unwrap();
    let writers = 4;
    let pushes = 25;
    let done = Arc::new(AtomicBool::new(false));
    let mut made = BTreeSet::new();
    std::thread::scope(|scope| {
        let reader = {
            let store = stores[1].clone();
            let done = done.clone();
            let site = reader_site.clone();
            scope.spawn(move || {
                let mut cursor = 0;
                let mut seen = Vec::new();
                loop {
                    // Read the flag first: a pull after the writers are done sees everything.
                    let last = done.load(Ordering::SeqCst);
                    let page = store.pull(&site, cursor, 7, None, Utc::now()).unwrap();
                    seen.extend(page.entries.iter().map(|e| (e.seq, e.number.to_string())));
                    cursor = page.cursor;
                    if last && !page.more {
                        return seen;
                    }
                }
            })
        };
        let handles: Vec<_> = (0..writers)
            .map(|w| {
                let store = stores[w % 2].clone();
                let site = SiteCode::parse(&format!("W{w}")).unwrap();
                let actor = ActorId::random();
                store.add_site(&site, Utc::now()).unwrap();
                store.bind_actor(&site, &actor).unwrap();
                scope.spawn(move || {
                    let mut numbers = Vec::new();
                    for push in 0..pushes {
                        let docs = (0..3)
                            .map(|k| {
                                let mut doc = ticket(&site, push * 3 + k + 1, &actor);
                                numbers.push(doc.number().to_string());
                                outgoing(&mut doc, &Heads::default()).unwrap()
                            })
                            .collect();
                        store
                            .push(&site, &PushRequest { docs })
                            .expect("a push is stored");
                    }
                    numbers
                })
            })
            .collect();
        // The reader stops once every writer has ended, whether it succeeded or not.
        let written: Vec<_> = handles.into_iter().map(|h| h.join()).collect();
        done.store(true, Ordering::SeqCst);
        let seen = reader.join().unwrap();
        for numbers in written {
            made.extend(numbers.expect("every push is stored"));
        }
        // Every position once, in order, each a ticket made: none was passed and filled later.
        let positions: Vec<u64> = seen.iter().map(|(seq, _)| *seq).collect();
        let expected: Vec<u64> = (1..=made.len() as u64).collect();
        assert_eq!(positions, expected, "the reader saw the feed with a gap");
        let numbers: BTreeSet<String> = seen.into_iter().map(|(_, n)| n).collect();
        assert_eq!(numbers, made);
    });
    assert_eq!(stores[0].feed_head().unwrap(), made.len() as u64);
}
