//! Several servers on one PostgreSQL database: they serve the same agents and answer the
//! same, and the feed stays gap-free and in commit order across processes. These tests need
//! a database cluster: tests/run starts one and sets RMA_TEST_DATABASE.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::Utc;
use rma_server::store::ServerStore;
use rma_shared::SiteCode;
use rma_shared::automerge::ActorId;
use rma_shared::sync::{Heads, PushRequest, outgoing};
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
    // Both hold every site's tickets (two PCs in one building, say).
    let a = Agent::with_token("WH1", &first.url, &first.add_site_holding("WH1", "all"));
    let b = Agent::with_token("WH2", &second.url, &first.add_site_holding("WH2", "all"));
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
    assert_eq!(first.tickets(), second.tickets());
    for number in &made {
        assert_eq!(first.ticket(number), second.ticket(number));
    }
    // A step taken at one site reaches the other through the other server.
    let ticket = made.iter().find(|n| n.starts_with("WH2")).unwrap();
    b.ok(&["hold", ticket, "--reason", "parts"]);
    b.ok(&["sync"]);
    a.ok(&["sync"]);
    assert_eq!(a.json(&["show", ticket])["status"], "on_hold");
    assert_eq!(first.ticket(ticket)["status"], "on_hold");
}

#[test]
fn a_reader_never_passes_a_feed_position_that_commits_later() {
    let database = new_database();
    // Two stores on one database are two servers: their own connections, no shared memory.
    let stores: Vec<ServerStore> = (0..2)
        .map(|_| ServerStore::open_database(&database).unwrap())
        .collect();
    let reader_site = SiteCode::parse("READ").unwrap();
    stores[0]
        .add_site_holding(&reader_site, rma_server::store::Holds::All, Utc::now())
        .unwrap();
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
                    let page = store
                        .pull(&site, cursor, 7, &Default::default(), Utc::now())
                        .unwrap();
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
                                let mut doc = rma_shared::testing::ticket(
                                    &site,
                                    push * 3 + k + 1,
                                    &actor,
                                    Utc::now(),
                                );
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

#[test]
fn a_sled_store_moves_to_postgres_whole() {
    let mut old = Server::start_with_settings("");
    old.drain_log();
    if old.data().join("server.toml").exists() {
        // A run on PostgreSQL already: this test moves a sled store.
        std::fs::remove_file(old.data().join("server.toml")).unwrap();
        old.restart();
        old.drain_log();
    }
    old.add_user("li.wei", "finance", "finance pass");
    // The agents' steps are taken by a person with an account once the directory arrives.
    old.add_user("tester", "head", "tester pass");
    let a = Agent::enrolled("WH1", &old);
    let b = Agent::enrolled("WH2", &old);
    let first = a.intake("Acme", 2);
    b.intake("Beta", 1);
    // A document kept with a ticket moves with the store.
    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("form.pdf");
    std::fs::write(&pdf, b"%PDF-1.4\n% moved along\n%%EOF\n").unwrap();
    a.ok(&["attach", &first, pdf.to_str().unwrap()]);
    let sha = a.json(&["show", &first])["attachments"][0]["sha256"]
        .as_str()
        .unwrap()
        .to_owned();
    a.ok(&["sync"]);
    b.ok(&["sync"]);
    // A session is bookkeeping, on disk with the next durable write (here: the push).
    let cookie = old.log_in("li.wei", "finance pass").expect("a session");
    a.ok(&["hold", &first, "--reason", "parts"]);
    a.ok(&["sync"]);
    let before = old.tickets();
    old.kill();

    let database = new_database();
    let out = old.command(&[
        "migrate",
        "--from-sled",
        old.data().to_str().unwrap(),
        "--database",
        &database,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("the digests agree"), "{said}");
    // Not into a database that holds a store already.
    let again = old.command(&[
        "migrate",
        "--from-sled",
        old.data().to_str().unwrap(),
        "--database",
        &database,
    ]);
    assert!(!again.status.success());

    let mut new = Server::stopped(&format!("[database]\nurl = \"{database}\"\n"));
    new.run();
    new.drain_log();
    assert_eq!(
        new.tickets(),
        before,
        "the same tickets, as the office lists them"
    );
    // People log in, and a session from before still holds.
    assert!(new.log_in("li.wei", "finance pass").is_some());
    let file = rma_tests::http()
        .get(format!("{}/api/v1/tickets/{first}/files/{sha}", new.url))
        .header("cookie", new.reader())
        .send()
        .unwrap();
    assert_eq!(file.status(), 200, "the file moved with the store");
    assert_eq!(
        file.bytes().unwrap().as_ref(),
        b"%PDF-1.4\n% moved along\n%%EOF\n"
    );
    let page = rma_agent::http::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(format!("{}/", new.url))
        .header("cookie", &cookie)
        .send()
        .unwrap();
    assert_eq!(page.status(), 200);
    // The sites sync with the new server as before: nothing to send, and they agree.
    for agent in [&a, &b] {
        let store = rma_agent::store::Store::open(agent.data()).unwrap();
        let token = store.server().unwrap().unwrap().token;
        drop(store);
        agent.ok(&["enroll", "--server", &new.url, "--token", &token]);
        let report = agent.json(&["sync"]);
        assert_eq!(report["verified"], true, "{report}");
        assert_eq!(report["pushed"], 0, "{report}");
    }
}

#[test]
fn a_writer_that_panics_leaves_neither_its_transaction_nor_the_writers_lock_behind() {
    use rma_store::kv::{Batch, Kv, KvError};
    let database = new_database();
    let open = || {
        Kv::with(Arc::new(
            rma_server::pg::Postgres::connect(&database).unwrap(),
        ))
    };
    let (first, second) = (open(), open());

    // A section that panics after taking the writers' lock (a bug, say).
    let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        first.exclusive(|kv: &Kv| -> Result<(Batch, ()), KvError> {
            kv.get("probe")?;
            panic!("a bug in the section");
        })
    }));
    assert!(panicked.is_err());

    // Another server takes the lock and writes; the first server's connections, the one the
    // panic left among them, serve its next writers in transactions of their own.
    let (done, finished) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut batch = Batch::default();
        batch.put("written", "by the second server");
        let wrote = second.exclusive(|_: &Kv| Ok::<_, KvError>((batch, ())));
        done.send(wrote).unwrap();
    });
    finished
        .recv_timeout(std::time::Duration::from_secs(60))
        .expect("the writers' lock was left taken")
        .unwrap();
    for round in 0..20 {
        let mut batch = Batch::default();
        batch.put(format!("round {round}"), "written");
        first
            .exclusive(|_: &Kv| Ok::<_, KvError>((batch, ())))
            .unwrap();
    }
    let again = open();
    assert_eq!(
        again.get("written").unwrap().as_deref(),
        Some(&b"by the second server"[..])
    );
    for round in 0..20 {
        assert!(
            again.get(format!("round {round}")).unwrap().is_some(),
            "round {round} committed"
        );
    }
}

#[test]
fn the_last_entry_of_a_range_reads_the_same_on_sled_and_on_postgresql() {
    use rma_store::kv::{Batch, Kv, KvError};
    let database = new_database();
    let dir = tempfile::tempdir().unwrap();
    let sled = Kv::open(dir.path()).unwrap();
    let postgres = Kv::with(Arc::new(
        rma_server::pg::Postgres::connect(&database).unwrap(),
    ));
    // More keys than PostgreSQL reads a page at a time, with large values.
    let key = |n: u32| format!("p:{n:05}").into_bytes();
    for kv in [&sled, &postgres] {
        let mut batch = Batch::default();
        for n in 0..600 {
            batch.put(key(n), vec![b'x'; 4_000 + n as usize]);
        }
        batch.put("q:after", "not in p:");
        kv.commit(batch).unwrap();
    }
    let last = |kv: &Kv, from: &[u8], to: &[u8]| {
        kv.last_in(from, to).map(|entry| {
            let (key, value) = entry.unwrap();
            (String::from_utf8(key).unwrap(), value.len())
        })
    };
    for kv in [&sled, &postgres] {
        let (key_of_last, len) = kv
            .last_of(b"p:")
            .unwrap()
            .map(|(k, v)| (k, v.len()))
            .unwrap();
        assert_eq!((key_of_last, len), (key(599), 4_599));
        assert_eq!(
            last(kv, &key(0), &key(300)),
            Some(("p:00299".into(), 4_299))
        );
        assert_eq!(last(kv, &key(0), &key(0)), None);
        assert!(kv.last_of(b"none:").is_none());
        // The same inside a writer's section.
        let in_section = kv
            .exclusive(|kv: &Kv| -> Result<(Batch, _), KvError> {
                Ok((Batch::default(), last(kv, &key(10), &key(20))))
            })
            .unwrap();
        assert_eq!(in_section, Some(("p:00019".into(), 4_019)));
    }
}
