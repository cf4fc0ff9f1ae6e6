//! rma-bench: benchmarks that print figures. Run them in release mode:
//!
//! ```text
//! cargo run --release -p rma-tests --bin rma-bench -- agent --tickets 100000
//! ```

#[path = "rma-bench/dashboard.rs"]
mod dashboard;
#[path = "rma-bench/files.rs"]
mod files;
#[path = "rma-bench/fleet.rs"]
mod fleet;
#[path = "rma-bench/load.rs"]
mod load;
#[path = "rma-bench/page.rs"]
mod page;
#[path = "rma-bench/repair.rs"]
mod repair;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use chrono::{Duration as Span, TimeZone, Utc};
use clap::{Parser, Subcommand};
use nix::sys::resource::{UsageWho, getrusage};
use rma_agent::store::Store;
use rma_shared::automerge::ActorId;
use rma_shared::event::{Assessment, CustomerRequest, EventKind, Receiving};
use rma_shared::{AreaCode, Event, Registration, SiteCode, TicketDoc, TicketId, TicketNumber};

/// The allocator the server and the agent run with (see `server/src/main.rs`): the benches
/// measure in process what those binaries do.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// Benchmarks of the return-for-repair system. Each prints a readable summary and one JSON line.
#[derive(Debug, Parser)]
#[command(
    name = "rma-bench",
    after_help = "Example:\n  cargo run --release -p rma-tests --bin rma-bench -- agent --tickets 100000"
)]
struct Cli {
    #[command(subcommand)]
    command: Bench,
}

#[derive(Debug, Subcommand)]
enum Bench {
    /// Whole-process time and peak memory of `rma-agent move` and `rma-agent show` with many
    /// tickets stored.
    Agent {
        /// Tickets in the store (each with 2 units in storage).
        #[arg(long, default_value_t = 100_000)]
        tickets: u32,
        /// How many times each command is run.
        #[arg(long, default_value_t = 40)]
        runs: usize,
        /// Keep the store in this folder (default: a temporary folder, removed afterwards); a
        /// folder filled by an earlier run with the same --tickets is measured again as it is.
        #[arg(long)]
        data: Option<PathBuf>,
    },
    /// Sync: N tickets made offline on one agent (each created, then edited 5 times), pushed
    /// to a fresh server, pulled into a fresh second agent, then a sync with nothing new; and
    /// the floor: loading the same N saved documents as tickets with no I/O (and, printed
    /// beside it, Automerge's own load of them). On sled, once the server has stopped, its
    /// store is copied into a fresh one by one thread: sled's own part of the push.
    Sync {
        #[arg(long, default_value_t = 10_000)]
        tickets: u32,
        /// How many times the whole sync is measured (each with new stores, and the floor
        /// measured again right before the push and right before the pull).
        #[arg(long, default_value_t = 3)]
        runs: usize,
        /// The server's store in this (empty) PostgreSQL database instead of sled.
        #[arg(long, value_name = "URL")]
        database: Option<String>,
        /// Then the same tickets, made the same way, synced by PouchDB 9 to an express-pouchdb
        /// server on loopback (tests/pouch; `npm ci --prefix tests/pouch` first).
        #[arg(long)]
        pouchdb: bool,
    },
    /// The office pages with N tickets from five sites stored on a server: time to answer the
    /// board (first page, filters) and the monthly analysis, over HTTP on loopback.
    Dashboard {
        #[arg(long, default_value_t = 100_000)]
        tickets: u32,
        #[arg(long, default_value_t = 30)]
        runs: usize,
        /// Keep the server's store in this folder (default: a temporary folder); a folder
        /// filled by an earlier run is measured again as it is.
        #[arg(long)]
        data: Option<PathBuf>,
        /// The server's store in this PostgreSQL database instead of sled (filled if empty).
        #[arg(long, value_name = "URL")]
        database: Option<String>,
        /// Then this many people signed in at once, each reloading the board, the
        /// overdue-only board, the monthly analysis and the cost ledger in turn.
        #[arg(long, default_value_t = 20)]
        users: usize,
        /// For this long.
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        /// Meanwhile, this many sites each pushing every --sync-every-ms: a new ticket of the
        /// month the pages show, or a cost line booked on its last one, in turn (0: none).
        #[arg(long, default_value_t = 10)]
        syncing: usize,
        #[arg(long, default_value_t = 3000)]
        sync_every_ms: u64,
    },
    /// Many agents at once, each its own site with its own store, making tickets and syncing
    /// with one server over HTTP in a loop: syncs, errors, disagreements, latency, and every
    /// ticket made at the server.
    Load {
        #[arg(long, default_value_t = 50)]
        agents: usize,
        #[arg(long, default_value_t = 60)]
        seconds: u64,
        /// The server's store in this (empty) PostgreSQL database instead of sled.
        #[arg(long, value_name = "URL")]
        database: Option<String>,
        /// What each agent's site holds: `own` (its own tickets, the default since sync
        /// scopes) or `all` (every site's: each pulls what the others make, as before them).
        #[arg(long, value_enum, default_value_t = rma_server::store::Holds::Own)]
        holds: rma_server::store::Holds,
    },
    /// One ticket on which an agent and the server disagree, among N they agree on: the
    /// bytes and time the sync that finds and repairs it takes.
    Repair {
        #[arg(long, default_value_t = 100_000)]
        tickets: u32,
    },
    /// Photos: N tickets with three 3 MB photos each sent from one site to a server on
    /// loopback, pulled with their thumbnails at another, one photo opened there; the tickets'
    /// own sync timed with every file waiting and with none; memory while the files go.
    Files {
        #[arg(long, default_value_t = 100)]
        tickets: u32,
        #[arg(long, default_value_t = 3)]
        photos: u32,
    },
    /// A service network: N sites holding their own work, as light clients speaking the
    /// sync protocol over HTTP to one real server process: populate, a fresh installation's
    /// bootstrap, a steady phase of every site changing a ticket and syncing every few
    /// seconds, and a catch-up of every site at once after an outage; the server's peak memory.
    Fleet {
        #[arg(long, default_value_t = 1000)]
        sites: usize,
        #[arg(long, default_value_t = 1_000_000)]
        tickets: usize,
        /// How long the steady phase runs.
        #[arg(long, default_value_t = 60)]
        steady_seconds: u64,
        /// How often each site syncs in the steady phase.
        #[arg(long, default_value_t = 5000)]
        sync_every_ms: u64,
        /// The changes each site made during the outage before the catch-up.
        #[arg(long, default_value_t = 50)]
        changes: usize,
        /// The server's store in this (empty) PostgreSQL database instead of sled.
        #[arg(long, value_name = "URL")]
        database: Option<String>,
    },
    /// Runs a command several times and prints its times and peak memory as JSON. The agent
    /// bench measures through it: a child's peak memory counts the memory of the process that
    /// started it, so the starter must be small.
    #[command(hide = true)]
    Measure {
        #[arg(long)]
        runs: usize,
        #[arg(required = true, last = true)]
        command: Vec<String>,
    },
}

const AREAS: u32 = 50;

fn main() -> Result<()> {
    match Cli::parse().command {
        Bench::Agent {
            tickets,
            runs,
            data,
        } => agent(tickets, runs, data),
        Bench::Sync {
            tickets,
            runs,
            database,
            pouchdb,
        } => sync_bench(tickets, runs, database.as_deref(), pouchdb),
        Bench::Dashboard {
            tickets,
            runs,
            data,
            database,
            users,
            seconds,
            syncing,
            sync_every_ms,
        } => dashboard::run(
            tickets,
            runs,
            data,
            database.as_deref(),
            (users, Duration::from_secs(seconds)),
            (syncing, Duration::from_millis(sync_every_ms)),
        ),
        Bench::Load {
            agents,
            seconds,
            database,
            holds,
        } => load::run(agents, seconds, database.as_deref(), holds),
        Bench::Repair { tickets } => repair::run(tickets),
        Bench::Files { tickets, photos } => files::run(tickets, photos),
        Bench::Fleet {
            sites,
            tickets,
            steady_seconds,
            sync_every_ms,
            changes,
            database,
        } => fleet::run(fleet::Fleet {
            sites,
            tickets,
            steady_seconds,
            sync_every_ms,
            changes,
            database,
        }),
        Bench::Measure { runs, command } => {
            let (program, args) = command.split_first().expect("clap requires a command");
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let mut ms = Vec::new();
            for _ in 0..runs {
                ms.push(time_command(Path::new(program), &args)?.as_secs_f64() * 1000.0);
            }
            let rss = peak_rss_kib()?;
            println!("{}", serde_json::json!({ "ms": ms, "peak_rss_kib": rss }));
            Ok(())
        }
    }
}

fn agent(tickets: u32, runs: usize, data: Option<PathBuf>) -> Result<()> {
    if tickets == 0 || runs == 0 {
        bail!("--tickets and --runs must be at least 1");
    }
    let temp = tempfile::tempdir()?;
    let dir = data.unwrap_or_else(|| temp.path().to_owned());
    let started = Instant::now();
    if dir.join("store").exists() {
        // A folder filled by an earlier run (same --tickets): measure it again.
        println!("reusing the store in {}", dir.display());
    } else {
        populate(&dir, tickets)?;
    }
    let populate_s = started.elapsed().as_secs_f64();
    let store_bytes = folder_size(&dir)?;

    let bin = rma_tests::binary("rma-agent");
    let target = TicketNumber::new(site(), 2026, tickets / 2 + 1);
    let unit = target.unit(1).to_string();
    let ticket = target.to_string();
    let data = dir.to_string_lossy().into_owned();

    // The first open after a bulk import replays the whole import from sled's log (a one-time
    // cost, reported apart); the figures below are the steady state a bench worker sees.
    let started = Instant::now();
    drop(Store::open(&dir)?);
    let first_open = started.elapsed();

    let bin = bin.to_string_lossy();
    // Steps are taken by an account holder once the store has accounts (the page needs one).
    {
        let store = Store::open(&dir)?;
        // Made again each run, so that its password hash is this version's.
        if store.people().get(page::USER)?.is_some() {
            store.people().remove(page::USER)?;
        }
        {
            store.people().add(
                page::USER,
                rma_shared::people::Role::Head,
                page::PASSWORD,
                chrono::Utc::now(),
            )?;
        }
    }
    let user = ["--user", page::USER];
    let move_cmd = [
        &*bin, "--data", &data, user[0], user[1], "move", &unit, "--to", "A7",
    ];
    let show_cmd = [&*bin, "--data", &data, user[0], user[1], "show", &ticket];
    // Each command opening the store itself (the background serve turned off).
    let (mut moves, move_rss) = measure(runs, &move_cmd, "0")?;
    let (mut shows, show_rss) = measure(runs, &show_cmd, "0")?;
    let (move_med, move_p95) = stats(&mut moves);
    let (show_med, show_p95) = stats(&mut shows);

    // As a bench worker meets it with the default settings and no serve running: the first
    // command opens the store and leaves `rma-agent serve` running in the background, the
    // next ones go through it.
    let (mut kept, _) = measure(runs + 1, &move_cmd, "10")?;
    let first_kept = kept.remove(0);
    let (mut kept_shows, _) = measure(runs, &show_cmd, "10")?;
    let (kept_move_med, kept_move_p95) = stats(&mut kept);
    let (kept_show_med, kept_show_p95) = stats(&mut kept_shows);
    let background: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("agent.json"))?)?;
    let background_pid = background["pid"]
        .as_i64()
        .context("agent.json names the serve")?;
    let background_rss = peak_rss_of(u32::try_from(background_pid)?);
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(i32::try_from(background_pid)?),
        nix::sys::signal::Signal::SIGTERM,
    )?;
    // It withdraws its announcement and lets go of the store as it ends.
    while dir.join("agent.json").exists() {
        std::thread::sleep(Duration::from_millis(10));
    }

    // The same commands while `rma-agent serve` holds the store and answers them.
    let mut serve = Command::new(&*bin)
        .args(["--data", &data, "serve", "--web", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()?;
    let mut ready = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(serve.stdout.take().context("serve's output")?),
        &mut ready,
    )?;
    if !ready.contains("serving on") {
        bail!("rma-agent serve did not start: {ready}");
    }
    let served = measure(runs, &move_cmd, "0").and_then(|(mut moves, move_rss)| {
        let (mut shows, show_rss) = measure(runs, &show_cmd, "0")?;
        Ok((stats(&mut moves), stats(&mut shows), move_rss.max(show_rss)))
    });
    let handle: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("agent.json"))?)?;
    let web = handle["web"]
        .as_str()
        .context("serve serves the bench page")?;
    let pages = page::measure(web, &target, runs);
    let serve_rss = peak_rss_of(serve.id());
    serve.kill()?;
    serve.wait()?;
    let ((served_move_med, served_move_p95), (served_show_med, served_show_p95), served_rss) =
        served?;
    println!(
        "rma-agent with {tickets} tickets stored ({:.1} MB on disk, filled in {populate_s:.1} s)",
        store_bytes as f64 / 1e6
    );
    println!("  move: median {move_med:.1} ms, p95 {move_p95:.1} ms over {runs} runs");
    println!("  show: median {show_med:.1} ms, p95 {show_p95:.1} ms over {runs} runs");
    println!(
        "  peak memory of one process: move {:.1} MiB, show {:.1} MiB",
        move_rss as f64 / 1024.0,
        show_rss as f64 / 1024.0
    );
    println!(
        "  no serve running, default settings: the first command {first_kept:.1} ms (it leaves `rma-agent serve` in the background), then"
    );
    println!("    move: median {kept_move_med:.1} ms, p95 {kept_move_p95:.1} ms");
    println!("    show: median {kept_show_med:.1} ms, p95 {kept_show_p95:.1} ms");
    if let Some(kib) = background_rss {
        println!(
            "    peak memory of the background serve: {:.1} MiB",
            kib as f64 / 1024.0
        );
    }
    println!("  with `rma-agent serve` running:");
    println!("    move: median {served_move_med:.1} ms, p95 {served_move_p95:.1} ms");
    println!("    show: median {served_show_med:.1} ms, p95 {served_show_p95:.1} ms");
    println!(
        "    peak memory of one command: {:.1} MiB",
        served_rss as f64 / 1024.0
    );
    if let Some(kib) = serve_rss {
        println!(
            "    peak memory of the serve process: {:.1} MiB",
            kib as f64 / 1024.0
        );
    }
    let (page_lines, page_json) = pages?;
    println!("  the bench page, through the same serve (signed in as head: every step):");
    for line in page_lines {
        println!("{line}");
    }
    println!(
        "  first open after the bulk import (done once, in-process): {:.0} ms",
        first_open.as_secs_f64() * 1000.0
    );
    println!(
        "{}",
        serde_json::json!({
            "bench": "agent",
            "tickets": tickets,
            "runs": runs,
            "move_median_ms": round(move_med),
            "move_p95_ms": round(move_p95),
            "show_median_ms": round(show_med),
            "show_p95_ms": round(show_p95),
            "kept_first_ms": round(first_kept),
            "kept_move_median_ms": round(kept_move_med),
            "kept_move_p95_ms": round(kept_move_p95),
            "kept_show_median_ms": round(kept_show_med),
            "kept_show_p95_ms": round(kept_show_p95),
            "kept_serve_peak_rss_kib": background_rss,
            "served_move_median_ms": round(served_move_med),
            "served_move_p95_ms": round(served_move_p95),
            "served_show_median_ms": round(served_show_med),
            "served_show_p95_ms": round(served_show_p95),
            "served_peak_rss_kib": served_rss,
            "serve_process_peak_rss_kib": serve_rss,
            "move_peak_rss_kib": move_rss,
            "show_peak_rss_kib": show_rss,
            "first_open_ms": round(first_open.as_secs_f64() * 1000.0),
            "store_bytes": store_bytes,
            "populate_s": round(populate_s),
            "page": page_json,
        })
    );
    Ok(())
}

fn site() -> SiteCode {
    SiteCode::parse("BENCH").expect("a valid site code")
}

/// Fills a new store with `tickets` tickets, each registered, assessed and received with two
/// units in one of the storage areas, written in large batches.
fn populate(dir: &Path, tickets: u32) -> Result<()> {
    let store = Store::init(dir, site())?;
    let base = Utc.with_ymd_and_hms(2026, 1, 5, 8, 0, 0).unwrap();
    for a in 0..AREAS {
        let code = AreaCode::parse(&format!("A{a}"))?;
        store.add_area(&code, None, base)?;
    }
    let actor = ActorId::random();
    let mut batch = Vec::new();
    for i in 0..tickets {
        let at = base + Span::seconds(i64::from(i) * 60);
        let number = TicketNumber::new(site(), 2026, i + 1);
        let registration = Registration {
            customer: format!("Customer {}", i % 500),
            contact: None,
            model: format!("M{}", i % 20),
            quantity: 2,
            fault: "does not start".into(),
            request: CustomerRequest::Repair,
            email: None,
            phone: None,
            customer_lang: None,
        };
        let event = |kind, minutes| Event::new(kind, site(), "bench", at + Span::minutes(minutes));
        let mut doc = TicketDoc::create(
            TicketId::random(),
            number.clone(),
            &registration,
            event(EventKind::Registered, 0),
            actor.clone(),
        );
        let assessed = EventKind::Assessed(Assessment {
            handling: Some("replace the power board".into()),
            ..Assessment::simple()
        });
        doc.record(event(assessed, 5))?;
        let received = EventKind::Received(Receiving {
            model: registration.model.clone(),
            quantity: 2,
            appearance: "scratched".into(),
            discrepancy: None,
            units: vec![number.unit(1), number.unit(2)],
            area: Some(AreaCode::parse(&format!("A{}", i % AREAS))?),
            labels: vec![],
        });
        doc.record(event(received, 30))?;
        batch.push(doc);
        if batch.len() == 2_000 {
            store.import(std::mem::take(&mut batch))?;
        }
    }
    store.import(batch)?;
    Ok(())
}

/// Runs `command` `runs` times through `rma-bench measure`: times in ms and peak memory.
/// Times `command` `runs` times, with `keep_serving` as the agent's keep_serving_minutes.
fn measure(runs: usize, command: &[&str], keep_serving: &str) -> Result<(Vec<f64>, i64)> {
    let me = std::env::current_exe()?;
    let runs_text = runs.to_string();
    let mut args = vec!["measure", "--runs", &runs_text, "--"];
    args.extend_from_slice(command);
    let out = Command::new(me)
        .args(&args)
        .env("RMA_AGENT_KEEP_SERVING_MINUTES", keep_serving)
        .output()?;
    if !out.status.success() {
        bail!("{}", String::from_utf8_lossy(&out.stderr));
    }
    let report: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    let ms = report["ms"]
        .as_array()
        .context("measure prints times")?
        .iter()
        .filter_map(serde_json::Value::as_f64)
        .collect();
    Ok((ms, report["peak_rss_kib"].as_i64().unwrap_or(0)))
}

fn time_command(bin: &Path, args: &[&str]) -> Result<Duration> {
    let started = Instant::now();
    let out = Command::new(bin)
        .args(args)
        .env("RMA_USER", "bench")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .with_context(|| format!("running {}", bin.display()))?;
    let elapsed = started.elapsed();
    if !out.status.success() {
        bail!(
            "rma-agent {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(elapsed)
}

/// The peak resident set of a running process, from /proc (Linux only).
pub(crate) fn peak_rss_of(pid: u32) -> Option<i64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The CPU time (user and system) this process has used so far, every thread's.
fn cpu_time() -> Result<Duration> {
    let usage = getrusage(UsageWho::RUSAGE_SELF)?;
    let time =
        |t: nix::sys::time::TimeVal| Duration::new(t.tv_sec() as u64, t.tv_usec() as u32 * 1000);
    Ok(time(usage.user_time()) + time(usage.system_time()))
}

/// The largest resident set of any child process waited for so far.
fn peak_rss_kib() -> Result<i64> {
    Ok(getrusage(UsageWho::RUSAGE_CHILDREN)?.max_rss())
}

/// Median and 95th percentile.
fn stats(samples: &mut [f64]) -> (f64, f64) {
    samples.sort_by(f64::total_cmp);
    let p95 = ((samples.len() as f64 * 0.95).ceil() as usize).clamp(1, samples.len()) - 1;
    (samples[samples.len() / 2], samples[p95])
}

fn round(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

fn folder_size(dir: &Path) -> Result<u64> {
    let mut total = 0;
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let meta = entry.metadata()?;
        total += if meta.is_dir() {
            folder_size(&entry.path())?
        } else {
            meta.len()
        };
    }
    Ok(total)
}

/// The registration form of the bench's `seq`-th ticket: one unit, one of 500 customers and
/// 20 models.
fn registration(seq: u32) -> Registration {
    Registration {
        customer: format!("Customer {}", seq % 500),
        contact: None,
        model: format!("M{}", seq % 20),
        quantity: 1,
        fault: "does not start".into(),
        request: CustomerRequest::Repair,
        email: None,
        phone: None,
        customer_lang: None,
    }
}

/// A ticket made offline: registered, then edited five times (assessed, received into an
/// area, a unit moved, put on hold, resumed).
fn offline_ticket(site: &SiteCode, seq: u32, actor: &ActorId) -> Result<TicketDoc> {
    let at = Utc.with_ymd_and_hms(2026, 3, 2, 8, 0, 0).unwrap() + Span::seconds(i64::from(seq));
    let number = TicketNumber::new(site.clone(), 2026, seq);
    let registration = registration(seq);
    let event =
        |kind, minutes| Event::new(kind, site.clone(), "bench", at + Span::minutes(minutes));
    let mut doc = TicketDoc::create(
        TicketId::random(),
        number.clone(),
        &registration,
        event(EventKind::Registered, 0),
        actor.clone(),
    );
    let edits = [
        EventKind::Assessed(Assessment::simple()),
        EventKind::Received(Receiving {
            model: registration.model.clone(),
            quantity: 1,
            appearance: "ok".into(),
            discrepancy: None,
            units: vec![number.unit(1)],
            area: Some(AreaCode::parse("A1")?),
            labels: vec![],
        }),
        EventKind::Moved {
            unit: number.unit(1),
            to: AreaCode::parse("A2")?,
        },
        EventKind::Held {
            reason: "waiting for parts".into(),
        },
        EventKind::Resumed,
    ];
    for (i, kind) in edits.into_iter().enumerate() {
        doc.record(event(kind, 10 * (i as i64 + 1)))?;
    }
    Ok(doc)
}

/// A bench server's settings: its store in `database` if given, else in its data folder.
fn server_settings(database: Option<&str>) -> rma_server::settings::Settings {
    let mut settings = rma_server::settings::Settings::default();
    settings.database.url = database.map(str::to_owned);
    settings
}

/// A bench server's store, opened to set it up before the server starts.
fn server_store(dir: &Path, database: Option<&str>) -> Result<rma_server::store::ServerStore> {
    Ok(rma_server::store::ServerStore::open_at(
        &server_settings(database).location(dir),
    )?)
}

/// Copies a stopped bench server's store (sled) into a fresh one at `to`; returns how many
/// keys it held, how long the copy took and its CPU time (nothing else runs meanwhile).
fn store_copy(from: &Path, to: &Path) -> Result<(u64, Duration, Duration)> {
    let source = server_store(from, None)?;
    let target = server_store(to, None)?;
    let (started, cpu) = (Instant::now(), cpu_time()?);
    let keys = source.copy_to(&target)?;
    Ok((keys, started.elapsed(), cpu_time()? - cpu))
}

/// Measures the sync `runs` times, each against the floor measured next to it, and prints the
/// ratios' medians.
fn sync_bench(tickets: u32, runs: usize, database: Option<&str>, pouchdb: bool) -> Result<()> {
    println!("sync of {tickets} tickets (each created, then edited 5 times offline)");
    let mut push_ratios = Vec::new();
    let mut pull_ratios = Vec::new();
    let mut pouch_ratios = Vec::new();
    for run in 1..=runs.max(1) {
        let figures = sync_run(tickets, database, pouchdb)?;
        let ratio = |ms: f64, floor: f64| ms / floor;
        push_ratios.push(ratio(figures.push_ms, figures.push_floor_ms));
        pull_ratios.push(ratio(figures.pull_ms, figures.pull_floor_ms));
        println!(
            "  run {run}: push {} ms ({:.2}x its floor of {} ms, {:.2}x Automerge's own load of {} ms, the floor on every core {} ms ({:.2}x faster); {} ms of CPU), pull {} ms ({:.2}x its floor of {} ms; {} ms of CPU), nothing new {} ms (the first after the pull {} ms), {} bytes",
            figures.push_ms,
            figures.push_ms / figures.push_floor_ms,
            figures.push_floor_ms,
            figures.push_ms / figures.automerge_load_ms,
            figures.automerge_load_ms,
            figures.floor_every_core_ms,
            figures.push_floor_ms / figures.floor_every_core_ms,
            figures.push_cpu_ms,
            figures.pull_ms,
            figures.pull_ms / figures.pull_floor_ms,
            figures.pull_floor_ms,
            figures.pull_cpu_ms,
            figures.noop_ms,
            figures.noop_first_ms,
            figures.noop_bytes,
        );
        if let (Some(keys), Some(written), Some(cpu)) = (
            figures.server_keys,
            figures.server_keys_written_ms,
            figures.server_keys_written_cpu_ms,
        ) {
            println!(
                "         the server's {keys} keys read and written again into a fresh sled store by one thread: {written} ms ({:.2}x the floor; {cpu} ms of CPU, {:.2}x the floor)",
                written / figures.push_floor_ms,
                cpu / figures.push_floor_ms,
            );
        }
        if let (Some(push), Some(pull)) = (figures.pouchdb_push_ms, figures.pouchdb_pull_ms) {
            pouch_ratios.push((push / figures.push_ms, pull / figures.pull_ms));
            println!(
                "         PouchDB, the same tickets: push {push} ms ({:.2}x ours), pull {pull} ms ({:.2}x ours)",
                push / figures.push_ms,
                pull / figures.pull_ms,
            );
        }
        println!("{}", serde_json::to_string(&figures)?);
    }
    let median = |ratios: &mut Vec<f64>| {
        ratios.sort_by(f64::total_cmp);
        ratios[ratios.len() / 2]
    };
    println!(
        "  median of {} runs: push {:.2}x the floor, pull {:.2}x the floor",
        push_ratios.len(),
        median(&mut push_ratios),
        median(&mut pull_ratios)
    );
    if !pouch_ratios.is_empty() {
        let (mut push, mut pull): (Vec<f64>, Vec<f64>) = pouch_ratios.into_iter().unzip();
        println!(
            "  PouchDB took {:.2}x our push and {:.2}x our pull (medians)",
            median(&mut push),
            median(&mut pull)
        );
    }
    Ok(())
}

/// A ticket as the PouchDB yardstick makes it: its number, registration and events (JSON).
fn pouchdb_ticket(doc: &TicketDoc) -> Result<String> {
    let events: Vec<Event> = doc.events().into_iter().filter_map(Result::ok).collect();
    Ok(serde_json::to_string(&serde_json::json!({
        "_id": doc.number().to_string(),
        "registration": doc.registration()?,
        "events": events,
    }))?)
}

/// Syncs the same tickets with PouchDB (tests/pouch/sync.cjs): each created with its first
/// event, then edited once per further event, pushed to an express-pouchdb server on
/// loopback and pulled into a fresh client. Returns the push's and the pull's milliseconds.
fn pouchdb_sync(tickets: &[String], work: &Path) -> Result<(f64, f64)> {
    let file = work.join("tickets.jsonl");
    std::fs::write(&file, tickets.join("\n"))?;
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("pouch/sync.cjs");
    let output = Command::new("node")
        .arg(&script)
        .arg(&file)
        .arg(work.join("pouch"))
        .output()
        .context("node (Node.js) is needed for --pouchdb")?;
    if !output.status.success() {
        bail!(
            "the PouchDB yardstick failed (run `npm ci --prefix tests/pouch` first): {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    #[derive(serde::Deserialize)]
    struct Figures {
        push_ms: f64,
        pull_ms: f64,
        docs_at_server: usize,
        docs_pulled: usize,
    }
    let figures: Figures = serde_json::from_slice(&output.stdout).with_context(|| {
        format!(
            "the PouchDB yardstick answered {:?}",
            String::from_utf8_lossy(&output.stdout)
        )
    })?;
    if figures.docs_at_server != tickets.len() || figures.docs_pulled != tickets.len() {
        bail!(
            "PouchDB moved {} of {} tickets to its server and {} to the fresh client",
            figures.docs_at_server,
            tickets.len(),
            figures.docs_pulled
        );
    }
    Ok((figures.push_ms, figures.pull_ms))
}

/// One sync run's figures (milliseconds and bytes).
#[derive(serde::Serialize)]
struct SyncFigures {
    bench: &'static str,
    tickets: u32,
    push_ms: f64,
    push_floor_ms: f64,
    /// Automerge's own load of the same documents (`AutoCommit::load`), right after the floor.
    automerge_load_ms: f64,
    /// The floor's loads spread over every core, right after it.
    floor_every_core_ms: f64,
    /// CPU time of the whole process (server and agent, every thread) during the push.
    push_cpu_ms: f64,
    pull_ms: f64,
    pull_floor_ms: f64,
    pull_cpu_ms: f64,
    /// The same tickets synced by PouchDB (with --pouchdb).
    pouchdb_push_ms: Option<f64>,
    pouchdb_pull_ms: Option<f64>,
    /// The median of 9 syncs with nothing new, after the first.
    noop_ms: f64,
    /// The first sync with nothing new, right after the pull.
    noop_first_ms: f64,
    /// The keys in the server's store after the run (sled only), and how long one thread
    /// takes to read them and write them again into a fresh store: sled's own part of a push.
    server_keys: Option<u64>,
    server_keys_written_ms: Option<f64>,
    server_keys_written_cpu_ms: Option<f64>,
    push_bytes: usize,
    pull_bytes: usize,
    noop_bytes: usize,
}

fn sync_run(tickets: u32, database: Option<&str>, pouchdb: bool) -> Result<SyncFigures> {
    use rma_agent::store::ServerLink;
    use rma_agent::sync_client::{self, Connection, Report};

    let temp = tempfile::tempdir()?;
    let runtime = tokio::runtime::Runtime::new()?;
    let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))?;
    let server_dir = temp.path().join("server");
    let (token_a, token_b) = {
        let store = server_store(&server_dir, database)?;
        let now = Utc::now();
        let a = store.add_site(&SiteCode::parse("SA")?, now)?;
        // SB, the fresh client, holds every site's tickets: it receives all of SA's.
        let b =
            store.add_site_holding(&SiteCode::parse("SB")?, rma_server::store::Holds::All, now)?;
        (a, b)
    };
    let server = {
        let _inside = runtime.enter();
        rma_server::serve::Server::start(listener, server_dir.clone(), server_settings(database))?
    };
    let url = server.url().to_owned();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let serving = runtime.spawn(server.run(async {
        let _ = stopped.await;
    }));

    let agent = |name: &str, token: String| -> Result<Store> {
        let dir = temp.path().join(name);
        std::fs::create_dir_all(&dir)?;
        let store = Store::init(&dir, SiteCode::parse(name)?)?;
        store.set_server(&ServerLink::new(url.clone(), token))?;
        Ok(store)
    };
    let a = agent("SA", token_a)?;
    let b = agent("SB", token_b)?;

    // Agent A works offline.
    let site = SiteCode::parse("SA")?;
    let actor = a.actor().clone();
    let mut saved = Vec::with_capacity(tickets as usize);
    let mut batch = Vec::new();
    let mut made = Vec::new();
    for seq in 1..=tickets {
        let mut doc = offline_ticket(&site, seq, &actor)?;
        saved.push(doc.save());
        if pouchdb {
            made.push(pouchdb_ticket(&doc)?);
        }
        batch.push(doc);
        if batch.len() == 2_000 {
            a.import(std::mem::take(&mut batch))?;
        }
    }
    a.import(batch)?;

    // The floor: the same documents loaded into Automerge, no I/O; measured right before each
    // phase, so that both see the machine as it is then.
    let timed = |load: &dyn Fn(&[u8]) -> Result<()>| -> Result<Duration> {
        let started = Instant::now();
        for bytes in &saved {
            load(bytes)?;
        }
        Ok(started.elapsed())
    };
    let floor = || timed(&|bytes| Ok(TicketDoc::load(bytes).map(drop)?));
    let push_floor = floor()?;
    // Automerge's own load of the same bytes, without our reading of the ticket's root,
    // printed beside the floor: a change to that reading moves the floor too, and this
    // figure shows how far the push is from what Automerge alone takes.
    let automerge_floor =
        timed(&|bytes| Ok(rma_shared::automerge::AutoCommit::load(bytes).map(drop)?))?;
    // The floor's work on every core at once: how much a second thread adds on this machine
    // at this moment (the push spreads its loads over the cores; the floor is one thread).
    let started = Instant::now();
    rma_shared::par::map(&saved, |bytes| TicketDoc::load(bytes).map(drop))
        .into_iter()
        .collect::<Result<(), _>>()?;
    let floor_every_core = started.elapsed();

    let mut quiet = |_| {};
    let mut push = Report::default();
    let connection = Connection::open(&a)?;
    sync_client::ensure_bound(&a, &connection)?;
    let (started, cpu) = (Instant::now(), cpu_time()?);
    sync_client::push_pending(&a, &connection, 500, &mut quiet, &mut push)?;
    let (push_time, push_cpu) = (started.elapsed(), cpu_time()? - cpu);

    let pull_floor = floor()?;
    let mut pull = Report::default();
    let (started, cpu) = (Instant::now(), cpu_time()?);
    sync_client::pull_feed(&b, &Connection::open(&b)?, &mut quiet, &mut pull)?;
    let (pull_time, pull_cpu) = (started.elapsed(), cpu_time()? - cpu);
    if push.pushed != tickets as usize || pull.pulled != tickets as usize {
        bail!(
            "pushed {} and pulled {} of {tickets} tickets",
            push.pushed,
            pull.pulled
        );
    }

    // Syncs with nothing new, as a serve runs them every few minutes: the first right after
    // the pull, then nine more; each counts its bytes both ways, the directory's included.
    let mut noops = Vec::new();
    let mut noop_bytes = 0;
    for _ in 0..10 {
        let started = Instant::now();
        let noop = sync_client::sync_once(&b, 500, &mut quiet)?;
        noops.push(started.elapsed());
        if noop.pulled + noop.pushed > 0 {
            bail!(
                "a sync with nothing new moved {} tickets",
                noop.pulled + noop.pushed
            );
        }
        noop_bytes = noop_bytes.max(noop.bytes_up + noop.bytes_down);
    }
    let noop_first = noops.remove(0);
    noops.sort();
    let noop_time = noops[noops.len() / 2];
    let _ = stop.send(());
    runtime.block_on(serving)??;
    // sled's part of the push, alone: the keys the server wrote, written again into a fresh
    // store by one thread (in key order, which sled writes no slower than a push's mix).
    let store_copy = match database {
        None => Some(store_copy(&server_dir, &temp.path().join("copy"))?),
        Some(_) => None,
    };
    // The yardstick, once our server has stopped: nothing of ours runs meanwhile.
    let pouch = if pouchdb {
        Some(pouchdb_sync(&made, temp.path())?)
    } else {
        None
    };

    let ms = |d: Duration| round(d.as_secs_f64() * 1000.0);
    std::mem::forget(a);
    std::mem::forget(b);
    Ok(SyncFigures {
        bench: "sync",
        tickets,
        push_ms: ms(push_time),
        push_floor_ms: ms(push_floor),
        automerge_load_ms: ms(automerge_floor),
        floor_every_core_ms: ms(floor_every_core),
        push_cpu_ms: ms(push_cpu),
        pull_ms: ms(pull_time),
        pull_floor_ms: ms(pull_floor),
        pull_cpu_ms: ms(pull_cpu),
        pouchdb_push_ms: pouch.map(|(push, _)| push),
        pouchdb_pull_ms: pouch.map(|(_, pull)| pull),
        noop_ms: ms(noop_time),
        noop_first_ms: ms(noop_first),
        server_keys: store_copy.map(|(keys, ..)| keys),
        server_keys_written_ms: store_copy.map(|(_, time, _)| ms(time)),
        server_keys_written_cpu_ms: store_copy.map(|(.., cpu)| ms(cpu)),
        push_bytes: push.bytes_up,
        pull_bytes: pull.bytes_down,
        noop_bytes,
    })
}
