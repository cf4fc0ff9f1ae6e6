//! `rma-bench load`: many agents at once, each its own site with a real sled store, making
//! tickets and syncing with one server over real HTTP in a loop, for a while. Prints the syncs,
//! errors, disagreements found by the digest, sync latency, and whether every ticket made
//! reached the server.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use chrono::Utc;
use rma_agent::store::{ServerLink, Store};
use rma_agent::sync_client;
use rma_shared::event::{CustomerRequest, EventKind};
use rma_shared::{Registration, SiteCode};

/// What the agents saw, together.
#[derive(Default)]
struct Tally {
    latencies_ms: Vec<f64>,
    errors: Vec<String>,
    repairs: usize,
    made: usize,
}

/// The account every agent of the load works as.
const WORKER: &str = "load";

pub fn run(
    agents: usize,
    seconds: u64,
    database: Option<&str>,
    holds: rma_server::store::Holds,
) -> Result<()> {
    let temp = tempfile::tempdir()?;
    let runtime = tokio::runtime::Runtime::new()?;
    let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))?;
    let server_dir = temp.path().join("server");
    let sites: Vec<SiteCode> = (1..=agents)
        .map(|i| SiteCode::parse(&format!("L{i:03}")))
        .collect::<Result<_, _>>()?;
    // The office API answers people: a reader checks what the server holds at the end.
    const READER: (&str, &str) = ("reader", "reader pass 42");
    let tokens = {
        let store = super::server_store(&server_dir, database)?;
        store.people().add(
            READER.0,
            rma_shared::people::Role::Head,
            READER.1,
            Utc::now(),
        )?;
        // The agents' steps (intake and forwarding) are taken in the name of an account of the
        // server's directory, which each sync brings to every agent.
        store.people().add(
            WORKER,
            rma_shared::people::Role::Head,
            "load pass 42",
            Utc::now(),
        )?;
        sites
            .iter()
            .map(|site| store.add_site_holding(site, holds, Utc::now()))
            .collect::<Result<Vec<_>, _>>()?
    };
    let server = {
        let _inside = runtime.enter();
        rma_server::serve::Server::start(listener, server_dir, super::server_settings(database))?
    };
    let url = server.url().to_owned();
    let (stop_server, stopped) = tokio::sync::oneshot::channel::<()>();
    runtime.spawn(server.run(async {
        let _ = stopped.await;
    }));

    let stores: Vec<Store> = sites
        .iter()
        .zip(&tokens)
        .map(|(site, token)| open_agent(temp.path(), site, &url, token))
        .collect::<Result<_>>()?;
    let tally = Arc::new(Mutex::new(Tally::default()));
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let workers: Vec<_> = stores
        .iter()
        .cloned()
        .map(|store| {
            let tally = tally.clone();
            let stop = stop.clone();
            std::thread::spawn(move || work(&store, &tally, &stop))
        })
        .collect();
    std::thread::sleep(Duration::from_secs(seconds));
    stop.store(true, Ordering::Relaxed);
    for worker in workers {
        if let Err(panic) = worker.join() {
            std::panic::resume_unwind(panic);
        }
    }
    let elapsed = started.elapsed();

    // Every agent syncs once more, quietly, and must then agree with the server.
    let mut unverified = 0;
    for store in &stores {
        let report = sync_client::sync_once(store, 500, &mut |_| {})?;
        let report = if report.verified {
            report
        } else {
            sync_client::sync_once(store, 500, &mut |_| {})?
        };
        if !report.verified {
            unverified += 1;
        }
    }
    let session = rma_tests::log_in_at(&url, READER.0, READER.1)
        .ok_or_else(|| anyhow::anyhow!("the reader could not sign in"))?;
    let held = held_by_server(&url, &session)?;
    let _ = stop_server.send(());

    let tally = tally.lock().expect("the tally");
    let mut sorted = tally.latencies_ms.clone();
    sorted.sort_by(f64::total_cmp);
    let pick = |q: f64| {
        sorted
            .get(((sorted.len() as f64 * q) as usize).min(sorted.len().saturating_sub(1)))
            .copied()
            .unwrap_or(0.0)
    };
    let (p50, p99, max) = (
        pick(0.50),
        pick(0.99),
        sorted.last().copied().unwrap_or(0.0),
    );
    let syncs = sorted.len() + tally.errors.len();
    let engine = if database.is_some() {
        "PostgreSQL"
    } else {
        "sled"
    };
    println!(
        "load: {agents} agents, each its own site holding {holds} tickets, making tickets and syncing for {seconds} s (server on {engine})"
    );
    println!(
        "  syncs: {syncs} ({:.1}/s), errors: {}, disagreements repaired: {}",
        syncs as f64 / elapsed.as_secs_f64(),
        tally.errors.len(),
        tally.repairs
    );
    println!("  sync latency: p50 {p50:.0} ms, p99 {p99:.0} ms, max {max:.0} ms");
    println!(
        "  tickets made: {}, held by the server: {held}; agents not agreeing at the end: {unverified}",
        tally.made
    );
    for error in tally.errors.iter().take(5) {
        println!("  error: {error}");
    }
    println!(
        "{}",
        serde_json::json!({
            "bench": "load",
            "engine": engine,
            "agents": agents,
            "seconds": seconds,
            "syncs": syncs,
            "errors": tally.errors.len(),
            "repairs": tally.repairs,
            "p50_ms": p50.round(),
            "p99_ms": p99.round(),
            "max_ms": max.round(),
            "tickets_made": tally.made,
            "tickets_at_server": held,
            "unverified": unverified,
        })
    );
    drop(stores);
    if held != tally.made {
        bail!(
            "{} tickets were made but the server holds {held}",
            tally.made
        );
    }
    Ok(())
}

fn open_agent(root: &Path, site: &SiteCode, url: &str, token: &str) -> Result<Store> {
    let dir = root.join(site.as_str());
    std::fs::create_dir_all(&dir)?;
    let store = Store::init(&dir, site.clone())?;
    store.set_server(&ServerLink::new(url, token))?;
    Ok(store)
}

/// One agent: a ticket and a step on it, then a sync, over and over.
fn work(store: &Store, tally: &Mutex<Tally>, stop: &AtomicBool) {
    let registration = Registration {
        customer: "Load Ltd".into(),
        contact: None,
        model: "X200".into(),
        quantity: 1,
        fault: "no power".into(),
        request: CustomerRequest::Repair,
        email: None,
        phone: None,
        customer_lang: None,
    };
    while !stop.load(Ordering::Relaxed) {
        let doc = store
            .create(&registration, WORKER, Utc::now())
            .expect("a ticket is made");
        store
            .record(
                doc.number(),
                EventKind::Forwarded { note: None },
                WORKER,
                Utc::now(),
            )
            .expect("a step is taken");
        let started = Instant::now();
        let result = sync_client::sync_once(store, 500, &mut |_| {});
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        let mut tally = tally.lock().expect("the tally");
        tally.made += 1;
        match result {
            Ok(report) => {
                tally.latencies_ms.push(ms);
                // A repair walk ran: the digests disagreed.
                if report.repair_bytes > 0 {
                    tally.repairs += 1;
                }
            }
            Err(err) => tally.errors.push(format!("{}: {err:#}", store.site())),
        }
    }
}

/// How many tickets the server lists.
fn held_by_server(url: &str, session: &str) -> Result<usize> {
    let listed: serde_json::Value = rma_agent::http::builder()
        .build()
        .unwrap()
        .get(format!("{url}/api/v1/tickets?limit=0"))
        .header("cookie", session)
        .send()?
        .json()?;
    Ok(listed["tickets"].as_array().map_or(0, Vec::len))
}
