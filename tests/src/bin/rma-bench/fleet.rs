//! `rma-bench fleet`: a company's service network against one real `rma-server` process on
//! loopback. N sites, each holding its own work, are light in-process clients speaking the
//! real sync protocol over HTTP (their tickets kept as saved documents, the few they change
//! in memory); one site's fresh installation is a real agent store. Phases:
//!
//! 1. populate: every site pushes its share of the M tickets (whole documents, in batches);
//! 2. bootstrap: a fresh installation of one site (a real agent store) receives its scope;
//! 3. steady: every site changes a ticket and syncs (push, then pull) every few seconds;
//! 4. catch-up: after an outage every site has 50 changes, and all sync at once (a server
//!    that is busy answers 503 with Retry-After, and the client waits as an agent does; a
//!    sync whose connection is lost is tried again a second later, as an agent does, and
//!    counted).
//!
//! Prints each phase and a JSON last line: `steady_p99_ms`, `catchup_s`, `bootstrap_ms`,
//! `server_peak_rss_mib` (the server process's peak resident memory).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use chrono::Utc;
use rma_shared::automerge::ActorId;
use rma_shared::event::{Assessment, EventKind, RegistrationField};
use rma_shared::sync::{self, BindRequest, Heads, PushDoc, PushRequest, PushResponse, PushResult};
use rma_shared::{Event, Registration, SiteCode, TicketDoc, TicketId, TicketNumber};
use tokio::sync::{Mutex, Semaphore};

/// What the fleet is asked to be.
pub struct Fleet {
    pub sites: usize,
    pub tickets: usize,
    pub steady_seconds: u64,
    pub sync_every_ms: u64,
    pub changes: usize,
    pub database: Option<String>,
}

/// A ticket a light client changes: its saved document and what the server acknowledged.
struct Hot {
    saved: Vec<u8>,
    acked: Heads,
}

/// One site, as a light client: its token, its installation's actor, its cursor, and the
/// tickets it will change.
struct Site {
    code: SiteCode,
    token: String,
    actor: ActorId,
    cursor: u64,
    hot: Vec<Hot>,
    turn: usize,
}

/// The budgets of issue 29 at 1,000 sites x 1,000,000 tickets.
const STEADY_P99_MS: f64 = 2_000.0;
const CATCHUP_S: f64 = 60.0;
const BOOTSTRAP_MS: f64 = 5_000.0;
const SERVER_RSS_MIB: f64 = 2_048.0;

/// Tickets pushed a request while populating.
const POPULATE_BATCH: usize = 250;

pub fn run(fleet: Fleet) -> Result<()> {
    if fleet.sites == 0 || fleet.tickets < fleet.sites {
        bail!("a fleet needs at least one site and one ticket a site");
    }
    let per_site = fleet.tickets / fleet.sites;
    let engine = if fleet.database.is_some() {
        "PostgreSQL"
    } else {
        "sled"
    };
    println!(
        "fleet: {} sites x {per_site} tickets = {} tickets, one server process on {engine}",
        fleet.sites,
        per_site * fleet.sites
    );
    let settings = match &fleet.database {
        Some(url) => format!("[database]\nurl = \"{url}\"\n"),
        None => String::new(),
    };
    let mut server = rma_tests::Server::stopped(&settings);
    let codes: Vec<SiteCode> = (0..fleet.sites)
        .map(|i| SiteCode::parse(&format!("F{i:04}")))
        .collect::<Result<_, _>>()?;
    let tokens = {
        let store = super::server_store(server.data(), fleet.database.as_deref())?;
        codes
            .iter()
            .map(|code| store.add_site(code, Utc::now()))
            .collect::<Result<Vec<_>, _>>()?
    };
    server.run();
    // Its log is read as it comes (a pipe nobody reads would stop the server when full).
    if let Some(log) = server.log.take() {
        std::thread::spawn(move || log.for_each(drop));
    }
    let pid = server.pid().context("the server runs")?;
    let url = server.url.clone();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    // The process's TLS cryptography is chosen once, where the agent builds its clients.
    drop(rma_agent::http::builder());
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(64)
        .timeout(Duration::from_secs(600))
        .build()?;
    let sites: Vec<Arc<Mutex<Site>>> = codes
        .iter()
        .zip(&tokens)
        .map(|(code, token)| {
            Arc::new(Mutex::new(Site {
                code: code.clone(),
                token: token.clone(),
                actor: ActorId::random(),
                cursor: 0,
                hot: Vec::new(),
                turn: 0,
            }))
        })
        .collect();
    let client = Client { http, url };
    let errors = Arc::new(AtomicUsize::new(0));
    // Syncs whose connection was lost and that were tried again, as an agent does.
    let lost = Arc::new(AtomicUsize::new(0));

    // 1. Populate: each site registers its tickets and pushes them.
    let started = Instant::now();
    let keep = fleet.changes.max(1);
    runtime.block_on(async {
        let at_once = Arc::new(Semaphore::new(4));
        let populated = Arc::new(AtomicUsize::new(0));
        let sites_count = sites.len();
        let mut tasks = Vec::new();
        for site in &sites {
            let (site, client, at_once) = (site.clone(), client.clone(), at_once.clone());
            let populated = populated.clone();
            tasks.push(tokio::spawn(async move {
                let _turn = at_once.acquire_owned().await?;
                let mut site = site.lock().await;
                client.bind(&site).await?;
                let mut seq = 0;
                while seq < per_site {
                    let batch = POPULATE_BATCH.min(per_site - seq);
                    let (code, actor) = (site.code.clone(), site.actor.clone());
                    let first = seq;
                    let mut docs = tokio::task::spawn_blocking(move || {
                        (first..first + batch)
                            .map(|k| new_ticket(&code, k as u32 + 1, &actor))
                            .collect::<Vec<_>>()
                    })
                    .await?;
                    let pushed: Vec<PushDoc> = docs
                        .iter_mut()
                        .map(|doc| sync::outgoing(doc, &Heads::default()).expect("a new ticket"))
                        .collect();
                    let answer = client.push(&site, pushed).await?;
                    // The last tickets of the site are the ones it changes later.
                    for (doc, result) in docs.iter_mut().zip(&answer.results) {
                        if let PushResult::Accepted { heads, .. } = result
                            && seq + batch + keep > per_site
                        {
                            site.hot.push(Hot {
                                saved: doc.save(),
                                acked: heads.clone(),
                            });
                        }
                    }
                    seq += batch;
                }
                let done = populated.fetch_add(1, Ordering::SeqCst) + 1;
                if done.is_multiple_of((sites_count / 10).max(1)) {
                    println!(
                        "    {done} of {sites_count} sites pushed their tickets ({:.0} s)",
                        started.elapsed().as_secs_f64()
                    );
                }
                anyhow::Ok(())
            }));
        }
        for task in tasks {
            task.await??;
        }
        anyhow::Ok(())
    })?;
    let populate_s = started.elapsed().as_secs_f64();
    println!(
        "  populate: {:.0} s ({:.0} tickets/s pushed)",
        populate_s,
        (per_site * fleet.sites) as f64 / populate_s
    );
    // Every site pulls once: its cursor comes to the feed's head.
    runtime.block_on(async {
        let at_once = Arc::new(Semaphore::new(32));
        let mut tasks = Vec::new();
        for site in &sites {
            let (site, client, at_once) = (site.clone(), client.clone(), at_once.clone());
            tasks.push(tokio::spawn(async move {
                let _turn = at_once.acquire_owned().await?;
                let mut site = site.lock().await;
                client.pull_all(&mut site).await
            }));
        }
        for task in tasks {
            task.await??;
        }
        anyhow::Ok(())
    })?;

    // 2. Bootstrap: a fresh installation of the first site, a real agent store.
    let bootstrap_ms = {
        let dir = tempfile::tempdir()?;
        let store =
            rma_agent::store::Store::init_as(dir.path(), codes[0].clone(), ActorId::random())?;
        store.set_server(&rma_agent::store::ServerLink::new(
            client.url.clone(),
            tokens[0].clone(),
        ))?;
        let started = Instant::now();
        let report = rma_agent::sync_client::sync_once(&store, 500, &mut |_| {})?;
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        let held = store.tickets().all_indexed()?.len();
        if !report.verified || held != per_site {
            bail!(
                "the fresh installation holds {held} tickets of {per_site} (verified: {})",
                report.verified
            );
        }
        println!(
            "  bootstrap: a fresh installation of {} received its {held} tickets in {ms:.0} ms ({} KB)",
            codes[0],
            report.bytes_down / 1024
        );
        ms
    };

    // 3. Steady: every site changes a ticket and syncs every few seconds.
    let every = Duration::from_millis(fleet.sync_every_ms.max(1));
    let latencies: Vec<f64> = runtime.block_on(async {
        let until = Instant::now() + Duration::from_secs(fleet.steady_seconds);
        let mut tasks = Vec::new();
        for (i, site) in sites.iter().enumerate() {
            let (site, client, errors) = (site.clone(), client.clone(), errors.clone());
            let lost = lost.clone();
            // Spread over the period, as sites that came up at different times.
            let offset = every.mul_f64((i as f64 * 0.618_033_988_7).fract());
            tasks.push(tokio::spawn(async move {
                tokio::time::sleep(offset).await;
                let mut seen = Vec::new();
                while Instant::now() < until {
                    let began = Instant::now();
                    let mut site = site.lock().await;
                    let done = async {
                        let docs = change(&mut site, 1)?;
                        client.sync_retrying(&mut site, docs).await
                    }
                    .await;
                    drop(site);
                    match done {
                        Ok(tries) => {
                            lost.fetch_add(tries, Ordering::SeqCst);
                            seen.push(began.elapsed().as_secs_f64() * 1000.0);
                        }
                        Err(err) => {
                            if errors.fetch_add(1, Ordering::SeqCst) < 5 {
                                eprintln!("steady sync failed: {err:#}");
                            }
                        }
                    }
                    tokio::time::sleep(every.saturating_sub(began.elapsed())).await;
                }
                seen
            }));
        }
        let mut all = Vec::new();
        for task in tasks {
            all.extend(task.await.unwrap_or_default());
        }
        all
    });
    let (p50, p99) = (percentile(&latencies, 0.50), percentile(&latencies, 0.99));
    println!(
        "  steady: {} syncs in {} s ({:.0}/s), each a change pushed and the feed pulled: p50 {p50:.0} ms, p99 {p99:.0} ms",
        latencies.len(),
        fleet.steady_seconds,
        latencies.len() as f64 / fleet.steady_seconds.max(1) as f64
    );

    // 4. Catch-up: an outage; every site made its changes meanwhile; all sync at once.
    for site in &sites {
        change(&mut site.blocking_lock(), fleet.changes)?;
    }
    let catchup_s = runtime.block_on(async {
        let started = Instant::now();
        let mut tasks = Vec::new();
        for site in &sites {
            let (site, client) = (site.clone(), client.clone());
            tasks.push(tokio::spawn(async move {
                let mut site = site.lock().await;
                let waiting = pending(&site);
                client.sync_retrying(&mut site, waiting).await
            }));
        }
        for task in tasks {
            match task.await? {
                Ok(tries) => {
                    lost.fetch_add(tries, Ordering::SeqCst);
                }
                Err(err) => {
                    errors.fetch_add(1, Ordering::SeqCst);
                    eprintln!("catch-up sync failed: {err:#}");
                }
            }
        }
        anyhow::Ok(started.elapsed().as_secs_f64())
    })?;
    println!(
        "  catch-up: {} sites with {} changes each synced at once in {catchup_s:.1} s",
        fleet.sites, fleet.changes
    );
    let rss = peak_rss_mib(pid)?;
    println!("  server peak memory: {rss:.0} MiB");
    let errors = errors.load(Ordering::SeqCst);
    let lost = lost.load(Ordering::SeqCst);
    println!("  syncs whose connection was lost and were tried again: {lost}; failed: {errors}");
    let judged = [
        ("steady p99", p99 < STEADY_P99_MS),
        ("catch-up", catchup_s < CATCHUP_S),
        ("bootstrap", bootstrap_ms < BOOTSTRAP_MS),
        ("server memory", rss < SERVER_RSS_MIB),
    ];
    for (what, met) in judged {
        println!(
            "  {what}: {} (budget at 1,000 x 1,000,000)",
            if met { "within budget" } else { "OVER budget" }
        );
    }
    println!(
        "{}",
        serde_json::json!({
            "bench": "fleet",
            "engine": engine,
            "sites": fleet.sites,
            "tickets": per_site * fleet.sites,
            "populate_s": round(populate_s),
            "steady_syncs": latencies.len(),
            "steady_p50_ms": round(p50),
            "steady_p99_ms": round(p99),
            "catchup_s": round(catchup_s),
            "bootstrap_ms": round(bootstrap_ms),
            "server_peak_rss_mib": round(rss),
            "lost_and_retried": lost,
            "errors": errors,
        })
    );
    drop(server);
    if errors > 0 {
        bail!("{errors} syncs failed");
    }
    Ok(())
}

fn round(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

fn percentile(values: &[f64], q: f64) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted[((sorted.len() - 1) as f64 * q).round() as usize]
}

/// A ticket registered at `site` and assessed.
fn new_ticket(site: &SiteCode, seq: u32, actor: &ActorId) -> TicketDoc {
    let number = TicketNumber::new(site.clone(), 2026, seq);
    let registration = Registration {
        contact: Some("138 0000 0000".into()),
        ..super::registration(seq)
    };
    let at = Utc::now();
    let mut doc = TicketDoc::create(
        TicketId::random(),
        number,
        &registration,
        Event::new(EventKind::Registered, site.clone(), "fleet", at),
        actor.clone(),
    );
    doc.record(Event::new(
        EventKind::Assessed(Assessment::simple()),
        site.clone(),
        "fleet",
        at,
    ))
    .expect("a new ticket is assessed");
    doc
}

/// Makes `count` changes at `site`, one a ticket in turn (a contact corrected); returns the
/// position of each ticket changed and its document saved since.
fn change(site: &mut Site, count: usize) -> Result<Vec<(usize, Vec<u8>)>> {
    let mut changed: Vec<(usize, Vec<u8>)> = Vec::new();
    for _ in 0..count.min(site.hot.len()) {
        let k = site.turn % site.hot.len();
        site.turn += 1;
        let mut doc = TicketDoc::load(&site.hot[k].saved)?;
        doc.set_actor(site.actor.clone());
        let edit = EventKind::Edited {
            field: RegistrationField::Contact,
            value: format!("139 {:04} {:04}", site.turn % 10_000, k),
        };
        doc.record(Event::new(edit, site.code.clone(), "fleet", Utc::now()))?;
        site.hot[k].saved = doc.save();
        changed.push((k, site.hot[k].saved.clone()));
    }
    Ok(changed)
}

/// Every changed ticket of `site` not yet acknowledged, as [`change`] gives them.
fn pending(site: &Site) -> Vec<(usize, Vec<u8>)> {
    site.hot
        .iter()
        .enumerate()
        .map(|(k, hot)| (k, hot.saved.clone()))
        .collect()
}

/// The sync protocol over HTTP, as an agent speaks it.
#[derive(Clone)]
struct Client {
    http: reqwest::Client,
    url: String,
}

impl Client {
    fn endpoint(&self, site: &Site, path: &str) -> String {
        format!("{}/api/v1/sync/{}/{path}", self.url, site.code)
    }

    /// Sends a request, waiting as long as a busy server asks (503 with Retry-After).
    async fn send(&self, site: &Site, request: reqwest::RequestBuilder) -> Result<Vec<u8>> {
        for _ in 0..120 {
            let attempt = request
                .try_clone()
                .context("a request with a body in memory")?
                .bearer_auth(&site.token)
                .header(sync::INSTALLATION_HEADER, site.actor.to_hex_string())
                .send()
                .await?;
            let status = attempt.status();
            if status == reqwest::StatusCode::SERVICE_UNAVAILABLE {
                let wait = attempt
                    .headers()
                    .get(reqwest::header::RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.parse::<u64>().ok())
                    .unwrap_or(1);
                tokio::time::sleep(Duration::from_secs(wait)).await;
                continue;
            }
            let body = attempt.bytes().await?.to_vec();
            if !status.is_success() {
                bail!("{status}: {}", String::from_utf8_lossy(&body));
            }
            return Ok(body);
        }
        bail!("the server stayed busy")
    }

    async fn bind(&self, site: &Site) -> Result<()> {
        let body = sync::encode(&BindRequest {
            actor: site.actor.to_bytes().to_vec(),
        });
        let request = self
            .http
            .post(self.endpoint(site, "actor"))
            .header("content-type", sync::CONTENT_TYPE)
            .body(body);
        self.send(site, request).await.map(drop)
    }

    async fn push(&self, site: &Site, docs: Vec<PushDoc>) -> Result<PushResponse> {
        let request = self
            .http
            .post(self.endpoint(site, "push"))
            .header("content-type", sync::CONTENT_TYPE)
            .body(sync::encode(&PushRequest { docs }));
        let answer: PushResponse = sync::decode(&self.send(site, request).await?)?;
        if let Some(refused) = answer
            .results
            .iter()
            .find(|r| matches!(r, PushResult::Refused { .. }))
        {
            bail!("a push was refused: {refused:?}");
        }
        Ok(answer)
    }

    /// Pulls the feed from the site's cursor to its end.
    async fn pull_all(&self, site: &mut Site) -> Result<()> {
        loop {
            let path = format!("pull?cursor={}&{}", site.cursor, sync::PULL_SUMMARIES);
            let request = self.http.get(self.endpoint(site, &path));
            let page = sync::decode_pull(&self.send(site, request).await?)?;
            site.cursor = page.cursor;
            if !page.more {
                return Ok(());
            }
        }
    }

    /// [`Client::sync`], tried again as an agent does when the connection is lost (a push
    /// whose answer was lost is sent again: the server keeps it once). Returns how many tries
    /// were lost first.
    async fn sync_retrying(
        &self,
        site: &mut Site,
        changed: Vec<(usize, Vec<u8>)>,
    ) -> Result<usize> {
        let mut lost = 0;
        loop {
            match self.sync(site, changed.clone()).await {
                Ok(()) => return Ok(lost),
                Err(err) if lost < 10 && err.downcast_ref::<reqwest::Error>().is_some() => {
                    lost += 1;
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
                Err(err) => return Err(err),
            }
        }
    }

    /// Pushes the changed tickets (each from what the server acknowledged), then pulls.
    async fn sync(&self, site: &mut Site, changed: Vec<(usize, Vec<u8>)>) -> Result<()> {
        let mut docs = Vec::new();
        let mut sent = Vec::new();
        for (k, saved) in &changed {
            let mut doc = TicketDoc::load(saved)?;
            if let Some(push) = sync::outgoing(&mut doc, &site.hot[*k].acked) {
                docs.push(push);
                sent.push(*k);
            }
        }
        if !docs.is_empty() {
            let answer = self.push(site, docs).await?;
            for (k, result) in sent.into_iter().zip(answer.results) {
                if let PushResult::Accepted { heads, .. } = result {
                    site.hot[k].acked = heads;
                }
            }
        }
        self.pull_all(site).await
    }
}

/// The peak resident memory of process `pid` (VmHWM), in MiB.
fn peak_rss_mib(pid: u32) -> Result<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let kib: f64 = status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .context("the server's peak memory")?;
    Ok(kib / 1024.0)
}
