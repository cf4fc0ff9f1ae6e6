//! `rma-bench repair`: what it costs to find and repair one ticket on which an agent and the
//! server disagree, among many they agree on: the digests per part of the id space narrow it
//! down, and only that ticket travels.

use std::time::Instant;

use anyhow::{Result, bail};
use chrono::Utc;
use rma_agent::store::{ServerLink, Store};
use rma_agent::sync_client;
use rma_server::store::ServerStore;
use rma_shared::SiteCode;
use rma_shared::automerge::ActorId;
use rma_shared::event::EventKind;
use rma_shared::sync::{Heads, PushRequest, outgoing};

pub fn run(tickets: u32) -> Result<()> {
    let temp = tempfile::tempdir()?;
    let server_dir = temp.path().join("server");
    let (sa, sb) = (SiteCode::parse("SA")?, SiteCode::parse("SB")?);
    // The server holds the tickets of site SA, pushed in-process.
    let token = {
        let store = ServerStore::open(&server_dir)?;
        store.add_site(&sa, Utc::now())?;
        // SB holds every site's tickets: all of SA's, one of which it disagrees on.
        let token = store.add_site_holding(&sb, rma_server::store::Holds::All, Utc::now())?;
        let actor = ActorId::random();
        store.bind_actor(&sa, &actor)?;
        for first in (1..=tickets).step_by(1_000) {
            let docs = (first..(first + 1_000).min(tickets + 1))
                .map(|seq| {
                    let mut doc = super::offline_ticket(&sa, seq, &actor)?;
                    Ok(outgoing(&mut doc, &Heads::default()).expect("a new ticket"))
                })
                .collect::<Result<Vec<_>>>()?;
            store.push(&sa, &PushRequest { docs })?;
        }
        token
    };
    let runtime = tokio::runtime::Runtime::new()?;
    let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))?;
    let server = {
        let _inside = runtime.enter();
        rma_server::serve::Server::start(listener, server_dir, Default::default())?
    };
    let url = server.url().to_owned();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    runtime.spawn(server.run(async {
        let _ = stopped.await;
    }));

    // Site SB receives them all, as any new site would.
    let dir = temp.path().join("SB");
    std::fs::create_dir_all(&dir)?;
    let agent = Store::init(&dir, sb.clone())?;
    agent.set_server(&ServerLink::new(url, token))?;
    let started = Instant::now();
    let first = sync_client::sync_once(&agent, 500, &mut |_| {})?;
    let first_ms = started.elapsed().as_millis();
    if first.pulled != tickets as usize || !first.verified {
        bail!(
            "the first sync pulled {} of {tickets} tickets",
            first.pulled
        );
    }
    let started = Instant::now();
    let noop = sync_client::sync_once(&agent, 500, &mut |_| {})?;
    let noop_ms = started.elapsed().as_secs_f64() * 1000.0;

    // One ticket changes at SB and its "to be sent" mark is lost: the server lacks a change
    // and neither side knows which ticket, until the digests disagree.
    let number = rma_shared::TicketNumber::new(sa.clone(), 2026, tickets / 2);
    let kind = EventKind::Held {
        reason: "waiting for parts".into(),
    };
    agent.record(&number, kind, "bench", Utc::now())?;
    agent.clear_pending(&number)?;
    let started = Instant::now();
    let repair = sync_client::sync_once(&agent, 500, &mut |_| {})?;
    let repair_ms = started.elapsed().as_secs_f64() * 1000.0;
    let after = sync_client::sync_once(&agent, 500, &mut |_| {})?;
    let _ = stop.send(());
    if repair.repaired != 1 || repair.pushed != 1 || !after.verified {
        bail!(
            "the repair found {} ticket(s) and sent {}; agreeing afterwards: {}",
            repair.repaired,
            repair.pushed,
            after.verified
        );
    }
    let repair_total = repair.bytes_up + repair.bytes_down;
    println!("repair of 1 differing ticket among {tickets}");
    println!(
        "  first sync of a new site: {first_ms} ms, {} bytes received",
        first.bytes_down
    );
    println!(
        "  sync with nothing new:    {noop_ms:.1} ms, {} bytes",
        noop.bytes_up + noop.bytes_down
    );
    println!(
        "  sync that finds and repairs it: {repair_ms:.1} ms, {repair_total} bytes in all ({} to find it)",
        repair.repair_bytes
    );
    println!(
        "{}",
        serde_json::json!({
            "bench": "repair",
            "tickets": tickets,
            "first_sync_ms": first_ms,
            "noop_ms": (noop_ms * 10.0).round() / 10.0,
            "repair_ms": (repair_ms * 10.0).round() / 10.0,
            "repair_bytes": repair_total,
            "find_bytes": repair.repair_bytes,
        })
    );
    Ok(())
}
