//! Convergence through the sync protocol: 3-5 agents work offline on shared tickets, sync with
//! one server in random order, with pushes and pulls cut at random points, and all end up with
//! identical documents and derived states, equal to the server's.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, TimeZone, Utc};
use proptest::prelude::*;
use rma_shared::automerge::ActorId;
use rma_shared::event::{CustomerRequest, EventKind, RegistrationField};
use rma_shared::sync::{
    self, Digest, FeedEntry, Heads, PullResponse, PushRequest, PushResponse, PushResult,
};
use rma_shared::{
    DeadlineSettings, Event, Registration, SiteCode, TicketDoc, TicketId, TicketNumber, TicketView,
};

/// The server's side, as `rma-server` does it, in memory.
#[derive(Default)]
struct Server {
    docs: BTreeMap<TicketId, TicketDoc>,
    /// Feed position -> ticket; positions start at 1.
    feed: Vec<TicketId>,
}

impl Server {
    /// Applies a push. With `crash_after`, only that many tickets are stored and the answer
    /// is lost (the server died mid-request).
    fn push(&mut self, from: &Agent, body: &[u8], crash_after: Option<usize>) -> Option<Vec<u8>> {
        let request: PushRequest = sync::decode(body).expect("agents send valid pushes");
        let owns = |actor: &ActorId| actor == &from.actor;
        let pusher = sync::Pusher {
            site: &from.site,
            owns: &owns,
        };
        let mut results = Vec::new();
        for (i, push) in request.docs.iter().enumerate() {
            if crash_after == Some(i) {
                return None;
            }
            let existing = self.docs.get(&push.id).cloned();
            match sync::accept(existing, push, &pusher) {
                Ok((mut doc, changed)) => {
                    let heads = Heads::of(&mut doc);
                    self.docs.insert(push.id, doc);
                    if changed {
                        self.feed.push(push.id);
                    }
                    results.push(PushResult::Accepted { id: push.id, heads });
                }
                Err(refusal) => results.push(PushResult::Refused {
                    id: push.id,
                    reason: refusal.reason,
                    send_whole: refusal.send_whole,
                }),
            }
        }
        if crash_after.is_some_and(|n| n >= request.docs.len()) {
            return None; // stored everything, died before answering
        }
        Some(sync::encode(&PushResponse { results }))
    }

    fn pull(&mut self, cursor: u64, limit: usize) -> Vec<u8> {
        let start = cursor as usize;
        let end = (start + limit).min(self.feed.len());
        let mut entries: Vec<FeedEntry> = Vec::new();
        for (offset, id) in self.feed[start..end].iter().enumerate() {
            // A ticket appears once per page, at its last position.
            entries.retain(|e| e.id != *id);
            let doc = self
                .docs
                .get_mut(id)
                .expect("the feed names stored tickets");
            entries.push(FeedEntry {
                seq: (start + offset + 1) as u64,
                id: *id,
                number: doc.number().clone(),
                heads: Heads::of(doc),
                doc: doc.save(),
            });
        }
        let more = end < self.feed.len();
        sync::encode(&PullResponse {
            entries,
            cursor: end as u64,
            more,
            digest: (!more).then(|| self.digest()),
        })
    }

    fn digest(&mut self) -> Digest {
        let heads: Vec<(TicketId, Heads)> = self
            .docs
            .iter_mut()
            .map(|(id, doc)| (*id, Heads::of(doc)))
            .collect();
        Digest::of(heads.iter().map(|(id, h)| (*id, h)))
    }
}

/// One agent's store, as `rma-agent` keeps it, in memory.
struct Agent {
    site: SiteCode,
    actor: ActorId,
    docs: BTreeMap<TicketId, TicketDoc>,
    acked: BTreeMap<TicketId, Heads>,
    cursor: u64,
    next_seq: u32,
}

#[derive(Debug, Clone, Copy)]
enum Cut {
    None,
    /// The server stores this many tickets of the push and dies before answering.
    PushAfter(usize),
    /// The pull's answer is lost on the way.
    PullLost,
}

impl Agent {
    fn new(r: usize) -> Self {
        Self {
            site: SiteCode::parse(&format!("S{r}")).unwrap(),
            actor: ActorId::random(),
            docs: BTreeMap::new(),
            acked: BTreeMap::new(),
            cursor: 0,
            next_seq: 1,
        }
    }

    fn create(&mut self, at: DateTime<Utc>) {
        let number = TicketNumber::new(self.site.clone(), 2026, self.next_seq);
        self.next_seq += 1;
        let registration = Registration {
            customer: "Acme".into(),
            contact: None,
            model: "X200".into(),
            quantity: 1,
            fault: "dead".into(),
            request: CustomerRequest::Repair,
        };
        let registered = Event::new(EventKind::Registered, self.site.clone(), "w", at);
        let doc = TicketDoc::create(
            TicketId::random(),
            number,
            &registration,
            registered,
            self.actor.clone(),
        );
        self.docs.insert(doc.id(), doc);
    }

    /// Takes a step on one of the tickets it holds, if the rules allow it.
    fn step(&mut self, ticket: usize, step: usize, at: DateTime<Utc>) {
        let steps = [
            EventKind::Forwarded { note: None },
            EventKind::Held {
                reason: "parts".into(),
            },
            EventKind::Resumed,
            EventKind::Cancelled {
                reason: "withdrawn".into(),
            },
            EventKind::Edited {
                field: RegistrationField::Contact,
                value: format!("phone of {}", self.site),
            },
        ];
        let held = self.docs.len().max(1);
        let Some(doc) = self.docs.values_mut().nth(ticket % held) else {
            return;
        };
        doc.set_actor(self.actor.clone());
        let kind = steps[step % steps.len()].clone();
        let _ = doc.record(Event::new(kind, self.site.clone(), "w", at));
    }

    fn sync(&mut self, server: &mut Server, cut: Cut) {
        // Push, in batches of 3, whole documents where the server lacks the base.
        let pending: Vec<_> = self
            .docs
            .iter_mut()
            .filter_map(|(id, doc)| {
                sync::outgoing(doc, self.acked.get(id).unwrap_or(&Heads::default()))
            })
            .collect();
        for (n, batch) in pending.chunks(3).enumerate() {
            let body = sync::encode(&PushRequest {
                docs: batch.to_vec(),
            });
            let crash = match cut {
                Cut::PushAfter(k) if n == 0 => Some(k),
                _ => None,
            };
            let Some(answer) = server.push(self, &body, crash) else {
                return; // the connection died: try again next time
            };
            let answer: PushResponse = sync::decode(&answer).unwrap();
            for result in answer.results {
                match result {
                    PushResult::Accepted { id, heads } => {
                        self.acked.insert(id, heads);
                    }
                    PushResult::Refused {
                        id,
                        send_whole,
                        reason,
                    } => {
                        assert!(send_whole, "a valid push was refused: {reason}");
                        self.acked.remove(&id);
                    }
                }
            }
        }
        // Pull, page by page; the cursor moves only once a page is stored.
        loop {
            let answer = server.pull(self.cursor, 4);
            if matches!(cut, Cut::PullLost) {
                return;
            }
            let page: PullResponse = sync::decode(&answer).unwrap();
            for entry in &page.entries {
                let local = self.docs.remove(&entry.id);
                let doc = sync::absorb(local, entry).unwrap();
                self.docs.insert(entry.id, doc);
                self.acked.insert(entry.id, entry.heads.clone());
            }
            self.cursor = page.cursor;
            if !page.more {
                break;
            }
        }
    }

    fn digest(&mut self) -> Digest {
        let heads: Vec<(TicketId, Heads)> = self
            .docs
            .iter_mut()
            .map(|(id, doc)| (*id, Heads::of(doc)))
            .collect();
        Digest::of(heads.iter().map(|(id, h)| (*id, h)))
    }
}

#[derive(Debug, Clone)]
enum Op {
    Create(usize),
    Step(usize, usize, usize),
    Sync(usize, u8, usize),
}

fn ops(agents: usize) -> impl Strategy<Value = Vec<Op>> {
    let op = prop_oneof![
        1 => (0..agents).prop_map(Op::Create),
        4 => (0..agents, 0..16usize, 0..16usize).prop_map(|(a, t, s)| Op::Step(a, t, s)),
        2 => (0..agents, 0..4u8, 0..4usize).prop_map(|(a, c, k)| Op::Sync(a, c, k)),
    ];
    prop::collection::vec(op, 5..60)
}

fn view(doc: &TicketDoc) -> TicketView {
    let now = Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap();
    TicketView::build(doc, &DeadlineSettings::default(), now).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn agents_converge_through_the_server_despite_interruptions(
        (n, script, order) in (3usize..=5).prop_flat_map(|n| {
            (Just(n), ops(n), Just((0..n).collect::<Vec<_>>()).prop_shuffle())
        })
    ) {
        let mut server = Server::default();
        let mut agents: Vec<Agent> = (0..n).map(Agent::new).collect();
        let mut clock = Utc.with_ymd_and_hms(2026, 11, 2, 9, 0, 0).unwrap();
        for op in &script {
            clock += Duration::minutes(1);
            match *op {
                Op::Create(a) => agents[a].create(clock),
                Op::Step(a, t, s) => agents[a].step(t, s, clock),
                Op::Sync(a, cut, k) => {
                    let cut = match cut {
                        0 => Cut::PushAfter(k),
                        1 => Cut::PullLost,
                        _ => Cut::None,
                    };
                    agents[a].sync(&mut server, cut);
                }
            }
        }
        // Everyone syncs without interruption, twice round, in a random order.
        for _ in 0..2 {
            for &a in &order {
                agents[a].sync(&mut server, Cut::None);
            }
        }
        let expected = server.digest();
        for agent in agents.iter_mut() {
            prop_assert_eq!(agent.digest(), expected, "agent {} differs from the server", agent.site.clone());
            prop_assert_eq!(agent.docs.len(), server.docs.len());
            for (id, doc) in &agent.docs {
                prop_assert_eq!(view(doc), view(&server.docs[id]));
            }
            // Nothing left to push: the server acknowledged everything.
            let acked = agent.acked.clone();
            for (id, doc) in agent.docs.iter_mut() {
                prop_assert!(sync::outgoing(doc, acked.get(id).unwrap_or(&Heads::default())).is_none());
            }
        }
    }
}
