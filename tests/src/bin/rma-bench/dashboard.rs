//! The office pages with many tickets stored: server time to answer the board's first page
//! (and a few filters) and the monthly analysis, over HTTP on loopback.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use chrono::{Duration as Span, NaiveDate, TimeZone as _, Utc};
use rma_server::store::ServerStore;
use rma_server::users::Role;
use rma_shared::automerge::ActorId;
use rma_shared::event::{
    Assessment, Confirmation, CostKind, CostLine, CustomerRequest, EventKind, Liability, Payer,
    Receiving, RepairRecord, Verdict,
};
use rma_shared::sync::{self, Heads, PushRequest};
use rma_shared::{
    Currency, Event, Money, Registration, SiteCode, TicketDoc, TicketId, TicketNumber,
};

use super::{round, stats};

const SITES: [&str; 5] = ["WH1", "WH2", "WH3", "SZ", "SH"];
const PASSWORD: &str = "bench password";

/// A ticket registered in 2026 (month `1 + seq % 12`), taken as far as `(seq / 12) % 6`
/// says: registered, assessed, in repair, passed (with a cost line), shipped, confirmed.
fn ticket(site: &SiteCode, seq: u32, actor: &ActorId) -> Result<TicketDoc> {
    let month = 1 + seq % 12;
    let at = Utc
        .with_ymd_and_hms(2026, month, 1 + seq % 28, 8, 0, 0)
        .unwrap();
    let number = TicketNumber::new(site.clone(), 2026, seq);
    let unit = number.unit(1);
    let model = format!("M{}", seq % 20);
    let mut doc = TicketDoc::create(
        TicketId::random(),
        number,
        &Registration {
            customer: format!("客户 Customer {}", seq % 500),
            contact: None,
            model: model.clone(),
            quantity: 1,
            fault: "does not start".into(),
            request: CustomerRequest::Repair,
            email: None,
            phone: None,
            customer_lang: None,
        },
        Event::new(EventKind::Registered, site.clone(), "bench", at),
        actor.clone(),
    );
    let stage = (seq / 12) % 6;
    let mut steps = Vec::new();
    if stage >= 1 {
        steps.push(EventKind::Forwarded { note: None });
        steps.push(EventKind::Assessed(Assessment {
            fault_type: Some(
                ["power supply", "display", "firmware", "connector"][(seq % 4) as usize].into(),
            ),
            ..Assessment::simple()
        }));
    }
    if stage >= 2 {
        steps.push(EventKind::Received(Receiving {
            model,
            quantity: 1,
            appearance: "ok".into(),
            discrepancy: None,
            units: vec![unit.clone()],
            area: None,
            labels: vec![],
        }));
        steps.push(EventKind::Assigned {
            repairer: "bob".into(),
            units: vec![unit.clone()],
        });
        steps.push(EventKind::Repaired(RepairRecord {
            unit: unit.clone(),
            steps: "replaced board".into(),
            parts: vec![],
            minutes: 30 + seq % 60,
            findings: None,
            finished: true,
        }));
    }
    if stage >= 3 {
        steps.push(EventKind::Inspected {
            unit: unit.clone(),
            verdict: Verdict::Pass,
            inspector: "ivy".into(),
            note: None,
        });
        steps.push(EventKind::Cost(CostLine {
            kind: CostKind::Repair,
            amount: Money::parse("120.50", Currency::parse("CNY")?)?,
            payer: Payer::Company,
            liability: Liability::QualityDefect,
            unit: Some(unit.clone()),
            note: None,
        }));
    }
    if stage >= 4 {
        steps.push(EventKind::ShipNoticed {
            method: "courier".into(),
            date: NaiveDate::from_ymd_opt(2026, month, 28).unwrap(),
            note: None,
        });
        steps.push(EventKind::Packed {
            units: vec![unit.clone()],
        });
        steps.push(EventKind::Shipped {
            carrier: "SF".into(),
            tracking: format!("SF{seq}"),
            units: vec![unit.clone()],
        });
    }
    if stage >= 5 {
        steps.push(EventKind::Confirmed(Confirmation {
            delivered_on: NaiveDate::from_ymd_opt(2026, month, 28).unwrap(),
            working: true,
            satisfaction: (1 + seq % 5) as u8,
            feedback: seq.is_multiple_of(3).then(|| "快, thanks".to_owned()),
        }));
    }
    for (i, kind) in steps.into_iter().enumerate() {
        let when = at + Span::hours(2 * (i as i64 + 1));
        doc.record(Event::new(kind, site.clone(), "bench", when))?;
    }
    Ok(doc)
}

/// Fills a server store with `tickets` tickets from five sites, pushed as agents push them.
fn populate(store: ServerStore, tickets: u32) -> Result<Duration> {
    let now = Utc::now();
    let started = Instant::now();
    let sites: Vec<SiteCode> = SITES
        .iter()
        .map(|s| SiteCode::parse(s))
        .collect::<Result<_, _>>()?;
    for site in &sites {
        store.add_site(site, now)?;
    }
    store.people().add("bench", Role::Head, PASSWORD, now)?;
    // Each site's installation, bound to it as enrolment does.
    let actors: Vec<ActorId> = sites.iter().map(|_| ActorId::random()).collect();
    for (site, actor) in sites.iter().zip(&actors) {
        store.bind_actor(site, actor)?;
    }
    let mut docs = Vec::new();
    for i in 0..tickets {
        let site = &sites[(i as usize) % sites.len()];
        let seq = i / sites.len() as u32 + 1;
        let mut doc = ticket(site, seq, &actors[(i as usize) % sites.len()])?;
        let push = sync::outgoing(&mut doc, &Heads::default()).expect("a new ticket has changes");
        docs.push((site.clone(), push));
        if docs.len() == 1_000 || i + 1 == tickets {
            for site in &sites {
                let mine: Vec<_> = docs
                    .iter()
                    .filter(|(s, _)| s == site)
                    .map(|(_, d)| d.clone())
                    .collect();
                if !mine.is_empty() {
                    store.push(site, &PushRequest { docs: mine })?;
                }
            }
            docs.clear();
        }
    }
    // Closed here: the server opens it next.
    drop(store);
    Ok(started.elapsed())
}

/// A site that syncs while people read the pages: its token and bound installation.
struct Syncing {
    site: SiteCode,
    token: String,
    actor: ActorId,
}

/// Enrols `count` new sites (new codes each run) and binds an installation to each.
fn enrol_syncing(store: &ServerStore, count: usize) -> Result<Vec<Syncing>> {
    let now = Utc::now();
    let run = &TicketId::random().to_string()[..4];
    (0..count)
        .map(|i| {
            let site = SiteCode::parse(&format!("S{run}{i:02}"))?;
            let token = store.add_site(&site, now)?;
            let actor = ActorId::random();
            store.bind_actor(&site, &actor)?;
            Ok(Syncing { site, token, actor })
        })
        .collect()
}

pub fn run(
    tickets: u32,
    runs: usize,
    data: Option<PathBuf>,
    database: Option<&str>,
    (users, seconds): (usize, Duration),
    (syncing, sync_every): (usize, Duration),
) -> Result<()> {
    let temp = tempfile::tempdir()?;
    let dir = data.unwrap_or_else(|| temp.path().join("server"));
    let store = super::server_store(&dir, database)?;
    let filled = !store.sites()?.is_empty();
    let store = if filled {
        store
    } else {
        let took = populate(store, tickets)?;
        println!(
            "stored {tickets} tickets from {} sites in {:.1} s (pushed 1,000 at a time)",
            SITES.len(),
            took.as_secs_f64()
        );
        super::server_store(&dir, database)?
    };
    let sites = enrol_syncing(&store, syncing)?;
    // Closed here: the server opens it next.
    drop(store);
    let runtime = tokio::runtime::Runtime::new()?;
    let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))?;
    let server = {
        let _inside = runtime.enter();
        rma_server::serve::Server::start(listener, dir.clone(), super::server_settings(database))?
    };
    let url = server.url().to_owned();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    runtime.spawn(server.run(async {
        let _ = stopped.await;
    }));

    let client = rma_agent::http::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let login = client
        .post(format!("{url}/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!(
            "name=bench&password={}",
            PASSWORD.replace(' ', "+")
        ))
        .send()?;
    let Some(cookie) = login.headers().get("set-cookie") else {
        bail!("the bench user could not log in ({})", login.status());
    };
    let cookie = cookie
        .to_str()?
        .split(';')
        .next()
        .unwrap_or_default()
        .to_owned();

    let pages = [
        ("board, first page", "/"),
        ("board, status in repair", "/?status=in_repair"),
        ("board, overdue only", "/?overdue=on"),
        ("board, one site, page 10", "/?site=WH2&page=10"),
        ("monthly analysis", "/analysis?month=2026-06"),
        ("monthly analysis CSV", "/analysis.csv?month=2026-06"),
        ("cost ledger, one month", "/costs?from=2026-06&to=2026-06"),
    ];
    println!("office pages with {tickets} tickets stored ({runs} runs each, after one warm-up):");
    let mut figures = serde_json::Map::new();
    for (name, path) in pages {
        let get = || -> Result<(Duration, usize)> {
            let started = Instant::now();
            let response = client
                .get(format!("{url}{path}"))
                .header("cookie", &cookie)
                .send()?;
            let status = response.status();
            let bytes = response.bytes()?;
            if !status.is_success() {
                bail!("{path} answered {status}");
            }
            Ok((started.elapsed(), bytes.len()))
        };
        let (cold, size) = get()?;
        let mut ms: Vec<f64> = Vec::new();
        for _ in 0..runs {
            ms.push(get()?.0.as_secs_f64() * 1000.0);
        }
        let (median, p95) = stats(&mut ms);
        let (median, p95) = (round(median), round(p95));
        println!(
            "  {name:<28} median {median:>7} ms  p95 {p95:>7} ms  first {:>7} ms  ({} KiB)",
            round(cold.as_secs_f64() * 1000.0),
            size / 1024
        );
        figures.insert(
            path.to_owned(),
            serde_json::json!({ "median_ms": median, "p95_ms": p95 }),
        );
    }
    let crowd = crowd(&url, &cookie, users, seconds, (&sites, sync_every))?;
    let rss = |field: &str| -> Option<f64> {
        let status = std::fs::read_to_string("/proc/self/status").ok()?;
        let line = status.lines().find(|l| l.starts_with(field))?;
        Some(line.split_whitespace().nth(1)?.parse::<f64>().ok()? / 1024.0)
    };
    let (now_mib, peak_mib) = (rss("VmRSS:"), rss("VmHWM:"));
    println!(
        "  memory of the server's process (the clients' threads included): {:.1} MiB now, {:.1} MiB at most",
        now_mib.unwrap_or(0.0),
        peak_mib.unwrap_or(0.0)
    );
    println!(
        "{}",
        serde_json::json!({ "bench": "dashboard", "tickets": tickets, "pages": figures,
            "crowd": crowd, "rss_mib": now_mib, "peak_rss_mib": peak_mib })
    );
    let _ = stop.send(());
    Ok(())
}

/// `users` people signed in at once, each with a connection of their own, reloading four
/// pages in turn as fast as answers come, for `seconds`: latency per page and requests a
/// second.
fn crowd(
    url: &str,
    cookie: &str,
    users: usize,
    seconds: Duration,
    (sites, every): (&[Syncing], Duration),
) -> Result<serde_json::Value> {
    const PAGES: [(&str, &str); 4] = [
        ("board", "/"),
        ("board, overdue only", "/?overdue=on"),
        ("monthly analysis", "/analysis?month=2026-06"),
        ("cost ledger", "/costs?from=2026-06&to=2026-06"),
    ];
    let started = Instant::now();
    // Each person's (page, ms) answers, and each site's push times.
    type Answers = Vec<Result<Vec<(usize, f64)>>>;
    type Pushes = Vec<Result<Vec<f64>>>;
    let (samples, pushes): (Answers, Pushes) = std::thread::scope(|scope| {
        let pushing: Vec<_> = sites
            .iter()
            .enumerate()
            .map(|(i, site)| {
                scope.spawn(move || sync_while(url, site, i as u32, every, started, seconds))
            })
            .collect();
        let running: Vec<_> = (0..users)
            .map(|user| {
                scope.spawn(move || -> Result<Vec<(usize, f64)>> {
                    let client = rma_agent::http::builder().no_proxy().build()?;
                    let mut samples = Vec::new();
                    let mut turn = user;
                    while started.elapsed() < seconds {
                        let page = turn % PAGES.len();
                        turn += 1;
                        let asked = Instant::now();
                        let response = client
                            .get(format!("{url}{}", PAGES[page].1))
                            .header("cookie", cookie)
                            .send()?;
                        let status = response.status();
                        response.bytes()?;
                        if !status.is_success() {
                            bail!("{} answered {status}", PAGES[page].1);
                        }
                        samples.push((page, asked.elapsed().as_secs_f64() * 1000.0));
                    }
                    Ok(samples)
                })
            })
            .collect();
        let samples = running
            .into_iter()
            .map(|t| t.join().expect("a user thread"))
            .collect();
        let pushes = pushing
            .into_iter()
            .map(|t| t.join().expect("a site thread"))
            .collect();
        (samples, pushes)
    });
    let elapsed = started.elapsed().as_secs_f64();
    let mut all: Vec<(usize, f64)> = Vec::new();
    for user in samples {
        all.extend(user?);
    }
    let mut pushed: Vec<f64> = Vec::new();
    for site in pushes {
        pushed.extend(site?);
    }
    pushed.sort_by(f64::total_cmp);
    let pick = |sorted: &[f64], q: f64| {
        sorted
            .get(((sorted.len() as f64 * q) as usize).min(sorted.len().saturating_sub(1)))
            .copied()
            .unwrap_or(0.0)
    };
    println!(
        "{users} people at once for {} s: {} requests ({:.0} a second); meanwhile {} sites pushed {} times (p50 {} ms, p99 {} ms)",
        seconds.as_secs(),
        all.len(),
        all.len() as f64 / elapsed,
        sites.len(),
        pushed.len(),
        round(pick(&pushed, 0.5)),
        round(pick(&pushed, 0.99)),
    );
    let mut figures = serde_json::Map::new();
    for (i, (name, path)) in PAGES.iter().enumerate() {
        let mut ms: Vec<f64> = all
            .iter()
            .filter(|(p, _)| *p == i)
            .map(|(_, ms)| *ms)
            .collect();
        ms.sort_by(f64::total_cmp);
        let (p50, p99) = (round(pick(&ms, 0.5)), round(pick(&ms, 0.99)));
        println!(
            "  {name:<28} p50 {p50:>7} ms  p99 {p99:>7} ms  ({} requests)",
            ms.len()
        );
        figures.insert(
            (*path).to_owned(),
            serde_json::json!({ "p50_ms": p50, "p99_ms": p99, "requests": ms.len() }),
        );
    }
    Ok(
        serde_json::json!({ "users": users, "seconds": seconds.as_secs(),
        "requests_per_s": round(all.len() as f64 / elapsed), "pages": figures,
        "syncing_sites": sites.len(), "pushes": pushed.len(),
        "push_p99_ms": round(pick(&pushed, 0.99)) }),
    )
}

/// One site syncing while the people read: every `every`, a new ticket registered in June
/// 2026 (the month the pages show) with a cost line, or a cost line booked on its last one,
/// pushed over HTTP as an agent pushes. Returns each push's time in ms.
fn sync_while(
    url: &str,
    site: &Syncing,
    index: u32,
    every: Duration,
    started: Instant,
    seconds: Duration,
) -> Result<Vec<f64>> {
    let client = rma_agent::http::builder().no_proxy().build()?;
    let mut times = Vec::new();
    let mut current: Option<(TicketDoc, Heads)> = None;
    let mut made = 0u32;
    while started.elapsed() < seconds {
        let push = match current.as_mut() {
            Some((doc, sent)) if times.len() % 2 == 1 => {
                let at = Utc.with_ymd_and_hms(2026, 6, 20, 12, 0, 0).unwrap();
                doc.record(Event::new(
                    EventKind::Cost(CostLine {
                        kind: CostKind::Parts,
                        amount: Money::parse("35.00", Currency::parse("CNY")?)?,
                        payer: Payer::Customer,
                        liability: Liability::Misuse,
                        unit: None,
                        note: Some("booked while the office reads".into()),
                    }),
                    site.site.clone(),
                    "bench",
                    at,
                ))?;
                let push = sync::outgoing(doc, sent).expect("a cost line is a change");
                *sent = Heads::of(doc);
                push
            }
            _ => {
                // June (seq % 12 == 5), passed with a cost line ((seq / 12) % 6 == 3).
                made += 1;
                let seq = 72 * (1_000 + index * 1_000 + made) + 41;
                let mut doc = ticket(&site.site, seq, &site.actor)?;
                let push =
                    sync::outgoing(&mut doc, &Heads::default()).expect("a new ticket has changes");
                let sent = Heads::of(&mut doc);
                current = Some((doc, sent));
                push
            }
        };
        let asked = Instant::now();
        let answer = client
            .post(format!("{url}/api/v1/sync/{}/push", site.site))
            .bearer_auth(&site.token)
            .header("content-type", sync::CONTENT_TYPE)
            .body(sync::encode(&PushRequest { docs: vec![push] }))
            .send()?;
        let status = answer.status();
        answer.bytes()?;
        if !status.is_success() {
            bail!("a push from {} answered {status}", site.site);
        }
        times.push(asked.elapsed().as_secs_f64() * 1000.0);
        std::thread::sleep(every.saturating_sub(asked.elapsed()));
    }
    Ok(times)
}
