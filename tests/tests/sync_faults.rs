//! Sync under faults, across real processes: syncs SIGKILLed at seeded random points on both
//! sides (also while tickets are handed over between sites, and while tickets are archived
//! and sites let go of them), and tickets far larger than usual. Afterwards the data itself
//! is checked: every ticket's events at every site that holds it and at the server, with no
//! event twice, each site holding exactly its scope, and the digests.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use chrono::Utc;
use rma_agent::store::Store;
use rma_shared::event::{CustomerRequest, EventKind, RegistrationField};
use rma_shared::{Event, Registration, TicketDoc, TicketId, TicketNumber};
use rma_tests::{Agent, CutProxy, Server};
use serde_json::Value;

/// A small seeded generator, so a failing run can be replayed with its seed.
struct Rng(u64);

impl Rng {
    fn seeded() -> Self {
        let seed = std::env::var("RMA_TEST_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_nanos() as u64
            });
        println!("seed {seed} (RMA_TEST_SEED={seed} replays this run)");
        Self(seed | 1)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// Every site syncs at once (two tickets a push), each through its proxy cut at a random byte
/// below `bytes` of its traffic; there the sync is SIGKILLed, or in about a third of the calls
/// the server, which is then started again.
/// `traffic` holds, per site, the bytes its cut point is drawn below: at first a guess, then
/// what its last sync that was not cut moved, so most syncs are cut somewhere within (a fixed
/// range would leave the small syncs of the first rounds uncut, more or fewer by the seed).
fn sync_at_once_cut_and_killed(
    sites: &[(Agent, CutProxy)],
    server: &mut Server,
    rng: &mut Rng,
    traffic: &mut [u64],
) {
    let server_dies = (rng.below(3) == 0).then(|| rng.below(sites.len() as u64) as usize);
    let mut syncs: Vec<_> = sites
        .iter()
        .enumerate()
        .map(|(i, (agent, proxy))| {
            proxy.arm(rng.below(traffic[i].max(64)));
            let sync = agent
                .command(&["sync"])
                .env("RMA_AGENT_PUSH_BATCH", "2")
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .unwrap();
            match server_dies {
                Some(s) if s == i => proxy.victim(server.pid().unwrap()),
                _ => proxy.victim(sync.id()),
            }
            sync
        })
        .collect();
    for sync in &mut syncs {
        sync.wait().unwrap();
    }
    // The server was SIGKILLed if its proxy's cut happened: start it again.
    let mut killed = false;
    for (i, (_, proxy)) in sites.iter().enumerate() {
        let cut = proxy.disarm();
        killed |= cut && server_dies == Some(i);
        if !cut {
            traffic[i] = proxy.relayed();
        }
    }
    if killed {
        server.restart();
        server.drain_log();
    }
}

/// A ticket as one site holds it: its number, and its events' ids in order.
fn events_of(view: &Value) -> Vec<String> {
    view["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn syncs_killed_at_random_points_on_both_sides_lose_and_duplicate_nothing() {
    let mut rng = Rng::seeded();
    let mut server = Server::start_with_settings("pull_page = 3\n");
    server.drain_log();
    // Each site holds its own work and reaches the server through its own proxy, which kills
    // at a byte-exact point.
    let codes = ["WH1", "WH2", "WH3"];
    let tokens: Vec<String> = codes.iter().map(|site| server.add_site(site)).collect();
    let sites: Vec<(Agent, CutProxy)> = codes
        .iter()
        .zip(&tokens)
        .map(|(site, token)| {
            let proxy = CutProxy::start(&server.url);
            (Agent::with_token(site, &proxy.url, token), proxy)
        })
        .collect();
    // What each step that succeeded added: ticket -> the number of events it must hold, and
    // the sites that hold it (where it was registered, and where it was handed over to).
    let mut expected: BTreeMap<String, usize> = BTreeMap::new();
    let mut holders: BTreeMap<String, BTreeSet<&str>> = BTreeMap::new();
    let mut traffic = [12_000; 3];
    for round in 0..20 {
        for (i, (agent, _)) in sites.iter().enumerate() {
            let number = agent.intake(&format!("R{round} A{i}"), 1);
            expected.insert(number.clone(), 1);
            holders.insert(number, BTreeSet::from([codes[i]]));
            // A step on a ticket this site holds (its own, or one handed over to it): now
            // and then a hand-over to another site.
            let held = agent.json(&["list", "--limit", "0"]);
            let tickets = held["tickets"].as_array().unwrap();
            let pick = &tickets[rng.below(tickets.len() as u64) as usize];
            let number = pick["number"].as_str().unwrap();
            let to = codes[(i + 1 + rng.below(2) as usize) % codes.len()];
            let step = if rng.below(3) == 0 {
                vec!["hand-over", number, "--to", to]
            } else if pick["status"] == "on_hold" {
                vec!["resume", number]
            } else {
                vec!["hold", number, "--reason", "parts"]
            };
            if agent.run(&step).status.success() {
                *expected.get_mut(number).unwrap() += 1;
                if step[0] == "hand-over" {
                    holders.get_mut(number).unwrap().insert(to);
                }
            }
        }
        // Every site syncs at once. Each sync is cut at a random byte of its traffic, and
        // the sync (or, in some rounds, the server) is SIGKILLed at that byte.
        sync_at_once_cut_and_killed(&sites, &mut server, &mut rng, &mut traffic);
    }
    let cuts: usize = sites.iter().map(|(_, proxy)| proxy.cuts()).sum();
    println!("{cuts} of 60 syncs were cut");
    assert!(
        cuts >= 20,
        "only {cuts} syncs were cut: the test would prove little"
    );
    let handed = holders.values().filter(|sites| sites.len() > 1).count();
    assert!(handed >= 3, "only {handed} tickets were handed over");
    // The network heals: every site syncs until it agrees with the server.
    for (agent, _) in sites.iter().chain(sites.iter()) {
        agent.ok(&["sync"]);
    }
    for (agent, _) in &sites {
        let report = agent.json(&["sync"]);
        assert_eq!(report["verified"], true, "{report}");
        assert_eq!(report["pending"], 0, "{report}");
    }
    // A fresh installation of WH1 receives exactly WH1's scope; a new site that holds all
    // receives everything.
    let fresh = Agent::with_token("WH1", &server.url, &tokens[0]);
    let report = fresh.json(&["sync"]);
    assert_eq!(report["verified"], true, "{report}");
    let office = Agent::enrolled_holding_all("HQ", &server);
    let report = office.json(&["sync"]);
    assert_eq!(
        report["verified"], true,
        "a site that holds all receives everything: {report}"
    );
    let held_at = |agent: &Agent| -> BTreeSet<String> {
        agent.json(&["list", "--limit", "0"])["tickets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["number"].as_str().unwrap().to_owned())
            .collect()
    };
    let scope_of = |code: &str| -> BTreeSet<String> {
        holders
            .iter()
            .filter(|(_, sites)| sites.contains(code))
            .map(|(number, _)| number.clone())
            .collect()
    };
    for (code, (agent, _)) in codes.iter().zip(&sites) {
        assert_eq!(
            held_at(agent),
            scope_of(code),
            "{code} holds exactly its scope"
        );
    }
    assert_eq!(
        held_at(&fresh),
        scope_of("WH1"),
        "a fresh WH1 gets exactly its scope"
    );
    assert_eq!(held_at(&office).len(), expected.len());

    let listed = server.tickets();
    assert_eq!(
        listed.len(),
        expected.len(),
        "every ticket reached the server"
    );
    for summary in &listed {
        let number = summary["number"].as_str().unwrap();
        let at_server = server.ticket(number);
        let events = events_of(&at_server);
        let distinct: HashSet<_> = events.iter().collect();
        assert_eq!(distinct.len(), events.len(), "{number}: an event twice");
        assert_eq!(
            events.len(),
            expected[number],
            "{number}: every step that was made, once"
        );
        assert_eq!(
            summary["status"], at_server["status"],
            "{number}: the index agrees with the document"
        );
        let holding = codes
            .iter()
            .zip(&sites)
            .filter(|(code, _)| holders[number].contains(**code))
            .map(|(_, (agent, _))| agent);
        for site in holding.chain([&office]) {
            let here = site.json(&["show", number]);
            assert_eq!(
                events_of(&here),
                events,
                "{number}: the same events at every site that holds it"
            );
            assert_eq!(here["status"], at_server["status"]);
        }
    }
}

/// Text that does not compress: `n` hex digits.
fn noise(rng: &mut Rng, n: usize) -> String {
    (0..n)
        .map(|_| char::from(b"0123456789abcdef"[rng.below(16) as usize]))
        .collect()
}

#[test]
fn large_tickets_sync_in_pages_and_one_over_the_cap_is_refused_with_its_reason() {
    let mut rng = Rng::seeded();
    let server = Server::start();
    let a = Agent::enrolled("WH1", &server);
    let site = rma_shared::SiteCode::parse("WH1").unwrap();
    let (large, over) = {
        let store = Store::open(a.data()).unwrap();
        let make = |seq: u32, fault: String| {
            let mut doc = TicketDoc::create(
                TicketId::random(),
                TicketNumber::new(site.clone(), 2026, seq),
                &Registration {
                    customer: "Acme".into(),
                    contact: None,
                    model: "X200".into(),
                    quantity: 1,
                    fault: "long report".into(),
                    request: CustomerRequest::Repair,
                    email: None,
                    phone: None,
                    customer_lang: None,
                },
                Event::new(EventKind::Registered, site.clone(), "ann", Utc::now()),
                store.actor().clone(),
            );
            let edit = EventKind::Edited {
                field: RegistrationField::Fault,
                value: fault,
            };
            doc.record(Event::new(edit, site.clone(), "ann", Utc::now()))
                .unwrap();
            doc
        };
        // 2,000 tickets of more than 8 KB each: more than a page (and than a body) in all.
        for first in (1..=2_000).step_by(500) {
            let docs = (first..first + 500)
                .map(|seq| make(seq, noise(&mut rng, 18_000)))
                .collect();
            store.import(docs).unwrap();
        }
        let mut large = make(2_001, noise(&mut rng, 6_000_000));
        assert!(large.save().len() > 2_900_000);
        let mut over = make(2_002, noise(&mut rng, 18_000_000));
        assert!(over.save().len() > rma_shared::sync::MAX_TICKET_BYTES);
        let numbers = (large.number().to_string(), over.number().to_string());
        store.import(vec![large, over]).unwrap();
        numbers
    };
    let report = a.json(&["sync"]);
    assert_eq!(report["pushed"], 2_001, "{}", report["refused"]);
    let refused = report["refused"].as_array().unwrap();
    assert_eq!(refused.len(), 1);
    let reason = refused[0].as_str().unwrap();
    assert!(
        reason.contains(&over) && reason.contains("more than the 8 MB a ticket may hold"),
        "{reason}"
    );
    // The agent keeps saying so, and keeps the ticket.
    let status = a.json(&["status"]);
    assert_eq!(status["refused"][0]["number"], over.as_str());
    let text = a.ok(&["status"]);
    assert!(text.contains("Refused") && text.contains(&over), "{text}");
    a.ok(&["show", &over]);

    // A site enrolled afterwards, holding every site's tickets, receives every ticket, in
    // pages, the large one alone.
    let b = Agent::enrolled_holding_all("WH2", &server);
    let report = b.json(&["sync"]);
    assert_eq!(report["pulled"], 2_001, "{report}");
    assert_eq!(report["verified"], true);
    let shown = b.json(&["show", &large]);
    assert_eq!(
        shown["registration"]["fault"].as_str().unwrap().len(),
        6_000_000
    );
    b.fails(&["show", &over]);
}

#[test]
fn archiving_while_syncs_are_killed_keeps_every_late_step_and_every_site_lets_go() {
    let mut rng = Rng::seeded();
    let mut server = Server::start_with_settings("pull_page = 3\n");
    server.drain_log();
    let sites: Vec<(Agent, CutProxy)> = ["WH1", "WH2"]
        .iter()
        .map(|site| {
            let proxy = CutProxy::start(&server.url);
            (Agent::enrolled_at(site, &server, &proxy.url), proxy)
        })
        .collect();
    let (wh1, wh2) = (&sites[0].0, &sites[1].0);
    // Six cancelled tickets at WH1, handed over to WH2 first: held whole there too.
    let tickets: Vec<String> = (0..6)
        .map(|i| {
            let number = wh1.intake(&format!("Customer {i}"), 1);
            wh1.ok(&["hand-over", &number, "--to", "WH2"]);
            wh1.ok(&["cancel", &number, "--reason", "customer withdrew"]);
            number
        })
        .collect();
    wh1.ok(&["sync"]);
    wh2.ok(&["sync"]);
    let mut traffic = [2_500; 2];
    // Ticket -> the number of events it must hold at the server in the end.
    let mut expected: BTreeMap<String, usize> = tickets
        .iter()
        .map(|number| {
            (
                number.clone(),
                events_of(&wh2.json(&["show", number])).len(),
            )
        })
        .collect();
    for round in 0..12 {
        // WH1 files a ticket a round while it has some; WH2 books a cost on any of them, which
        // it can as long as it still holds the ticket (a late one reaches the server as a
        // conflict).
        let mut picks = vec![&tickets[rng.below(tickets.len() as u64) as usize]];
        if let Some(ticket) = tickets.get(round) {
            wh1.ok(&["archive", ticket, "--keeper", "kim"]);
            *expected.get_mut(ticket).unwrap() += 1;
            // WH2 has not heard of it yet: its cost is late whichever push lands first.
            picks.push(ticket);
        }
        for pick in picks {
            let cost = [
                "cost",
                pick,
                "--kind",
                "shipping",
                "--amount",
                "20",
                "--liability",
                "misuse",
            ];
            if wh2.run(&cost).status.success() {
                *expected.get_mut(pick).unwrap() += 1;
            }
        }
        // Both sites sync at once, each cut at a random byte of its traffic, where the sync
        // (or, in some rounds, the server) is SIGKILLed.
        sync_at_once_cut_and_killed(&sites, &mut server, &mut rng, &mut traffic);
    }
    let cuts: usize = sites.iter().map(|(_, proxy)| proxy.cuts()).sum();
    println!("{cuts} of 24 syncs were cut");
    assert!(
        cuts >= 6,
        "only {cuts} syncs were cut: the test would prove little"
    );

    // The network heals: both sites agree with the server, nothing left to push, and neither
    // holds the contents of any ticket any more; nor does a new site receive them.
    for (agent, _) in sites.iter().chain(sites.iter()) {
        agent.ok(&["sync"]);
    }
    let fresh = Agent::enrolled_holding_all("HQ", &server);
    for agent in [wh1, wh2, &fresh] {
        let report = agent.json(&["sync"]);
        assert_eq!(report["verified"], true, "{report}");
        assert_eq!(report["pending"], 0, "{report}");
        for number in &tickets {
            let shown = agent.json(&["show", number]);
            assert_eq!(shown["archived_at_server"], true, "{number}: {shown}");
            assert!(shown.get("registration").is_none(), "{number}: {shown}");
        }
    }

    // The server's documents hold every step that was made, once: the archiving, and every
    // cost WH2 booked, also those booked after the archive (conflicts there).
    server.kill();
    let settings = rma_server::settings::Settings::load(server.data(), None).unwrap();
    let store = rma_server::store::ServerStore::open_at(&settings.location(server.data())).unwrap();
    for (number, events) in &expected {
        let parsed = TicketNumber::parse(number).unwrap();
        let (summary, doc) = store
            .tickets()
            .read(&parsed)
            .unwrap()
            .expect("at the server");
        let ids: Vec<String> = doc
            .events()
            .into_iter()
            .map(|event| event.expect("readable").id.to_string())
            .collect();
        let distinct: HashSet<_> = ids.iter().collect();
        assert_eq!(distinct.len(), ids.len(), "{number}: an event twice");
        assert_eq!(
            ids.len(),
            *events,
            "{number}: every step that was made, once"
        );
        assert_eq!(summary.status.as_str(), "archived", "{number}");
    }
}
