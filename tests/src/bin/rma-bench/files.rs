//! `rma-bench files`: N tickets with three photos each (3 MB, with their thumbnails), made at
//! one site and sent to a real server over HTTP on loopback; another site pulls the tickets
//! with their thumbnails and opens one photo; and the tickets' own sync timed with every file
//! still waiting and with none. The photos' bytes are random (as incompressible as a JPEG's):
//! what is measured is their transfer, not the decoding.

use std::time::Instant;

use anyhow::{Result, bail};
use chrono::Utc;
use rma_agent::store::{ServerLink, Store};
use rma_agent::sync_client;
use rma_server::store::ServerStore;
use rma_shared::event::EventKind;
use rma_shared::files::{Attachment, Evidence, FileHash, MediaType, Thumbnail};
use rma_shared::{Event, SiteCode};

/// A photo's and a thumbnail's size.
const PHOTO: usize = 3_000_000;
const THUMB: usize = 20_000;

/// Random bytes (xorshift), distinct for each `seed`.
fn noise(seed: u64, len: usize) -> Vec<u8> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        out.extend_from_slice(&state.to_le_bytes());
    }
    out.truncate(len);
    out
}

/// The resident memory of this process now, in MiB (from /proc).
fn rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|line| line.strip_prefix("VmRSS:"))
                .and_then(|kb| kb.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

/// The median of `ms`, sorted.
fn median(mut ms: Vec<f64>) -> f64 {
    ms.sort_by(f64::total_cmp);
    ms[ms.len() / 2]
}

pub fn run(tickets: u32, photos: u32) -> Result<()> {
    let temp = tempfile::tempdir()?;
    let server_dir = temp.path().join("server");
    let (sa, sb) = (SiteCode::parse("SA")?, SiteCode::parse("SB")?);
    let (token_a, token_b) = {
        let store = ServerStore::open(&server_dir)?;
        (
            store.add_site(&sa, Utc::now())?,
            // SB holds every site's tickets: it pulls SA's with their thumbnails.
            store.add_site_holding(&sb, rma_server::store::Holds::All, Utc::now())?,
        )
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

    // Site SA: the tickets, each with its photos kept and owed to the server.
    let dir_a = temp.path().join("SA");
    std::fs::create_dir_all(&dir_a)?;
    let a = Store::init(&dir_a, sa.clone())?;
    a.set_server(&ServerLink::new(url.clone(), token_a))?;
    let mut numbers = Vec::new();
    for seq in 1..=tickets {
        let doc = super::offline_ticket(&sa, seq, a.actor())?;
        numbers.push(doc.number().clone());
        a.import(vec![doc])?;
    }
    let made = Instant::now();
    for (i, number) in numbers.iter().enumerate() {
        for k in 0..photos {
            let seed = (i as u64) * 16 + u64::from(k);
            let (photo, thumb) = (noise(seed, PHOTO), noise(seed + (1 << 40), THUMB));
            let (hash, thumb_hash) = (FileHash::of(&photo), FileHash::of(&thumb));
            a.keep_file(number, &hash, &photo, true)?;
            a.keep_file(number, &thumb_hash, &thumb, true)?;
            let kind = EventKind::Attached(Attachment {
                sha256: hash,
                size: PHOTO as u64,
                media_type: MediaType::Jpeg,
                thumbnail: Some(Thumbnail {
                    sha256: thumb_hash,
                    size: THUMB as u64,
                }),
                name: None,
                caption: None,
                step: Evidence::Receiving,
                unit: None,
            });
            a.record_event(number, Event::new(kind, sa.clone(), "bench", Utc::now()))?;
        }
    }
    let waiting = a.files_waiting()?;
    println!(
        "made {tickets} tickets with {photos} photos each at site SA in {:.1} s: {} files, {:.0} MB to send",
        made.elapsed().as_secs_f64(),
        waiting.to_send,
        waiting.bytes_to_send as f64 / 1e6
    );

    // The tickets' own sync, with every file waiting: the push, then a sync of one change.
    let started = Instant::now();
    let pushed = sync_client::sync_once(&a, 500, &mut |_| {})?;
    let docs_push_ms = started.elapsed().as_secs_f64() * 1e3;
    println!(
        "tickets pushed in {docs_push_ms:.0} ms ({} tickets, {} bytes up), files still waiting: {}",
        pushed.pushed,
        pushed.bytes_up,
        a.files_waiting()?.to_send
    );
    let one_change = |a: &Store, label: &str| -> Result<f64> {
        let mut ms = Vec::new();
        for round in 0..20 {
            let kind = EventKind::Held {
                reason: format!("{label} {round}"),
            };
            let number = &numbers[round % numbers.len()];
            a.record_event(number, Event::new(kind, sa.clone(), "bench", Utc::now()))?;
            a.record_event(
                number,
                Event::new(EventKind::Resumed, sa.clone(), "bench", Utc::now()),
            )?;
            let started = Instant::now();
            sync_client::sync_once(a, 500, &mut |_| {})?;
            ms.push(started.elapsed().as_secs_f64() * 1e3);
        }
        Ok(median(ms))
    };
    let with_files_waiting = one_change(&a, "waiting")?;

    // The files: sent by the site's own `rma-agent serve` in the background, after its round
    // of tickets, a piece at a time; its memory, and this process's (the server's), watched.
    drop(a);
    std::fs::write(dir_a.join("settings.toml"), "sync_interval_secs = 1\n")?;
    let bin = rma_tests::binary("rma-agent");
    let before = rss_mib();
    let peak = std::sync::Arc::new(std::sync::Mutex::new(before));
    let sending = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let sampler = {
        let (peak, sending) = (peak.clone(), sending.clone());
        std::thread::spawn(move || {
            while sending.load(std::sync::atomic::Ordering::Relaxed) {
                let now = rss_mib();
                let mut top = peak.lock().expect("the sampler's peak");
                *top = top.max(now);
                drop(top);
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
        })
    };
    let started = Instant::now();
    let mut serve = std::process::Command::new(&bin)
        .args(["--data", &dir_a.to_string_lossy(), "serve", "--no-web"])
        .env("RMA_USER", "bench")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()?;
    let mut ready = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(serve.stdout.take().expect("serve's output")),
        &mut ready,
    )?;
    // Its status, asked as a person would, until no file waits.
    loop {
        let out = std::process::Command::new(&bin)
            .args(["--data", &dir_a.to_string_lossy(), "status", "--json"])
            .env("RMA_USER", "bench")
            .output()?;
        let status: serde_json::Value = serde_json::from_slice(&out.stdout)?;
        if status["files"]["to_send"] == 0 {
            break;
        }
        if started.elapsed().as_secs() > 600 {
            bail!("the files were not sent in 10 minutes: {status}");
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let send_s = started.elapsed().as_secs_f64();
    let serve_peak_mib = super::peak_rss_of(serve.id()).unwrap_or(0) as f64 / 1024.0;
    sending.store(false, std::sync::atomic::Ordering::Relaxed);
    sampler.join().expect("the sampler ends");
    let peak = *peak.lock().expect("the sampler's peak");
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(i32::try_from(serve.id())?),
        nix::sys::signal::Signal::SIGTERM,
    )?;
    serve.wait()?;
    let sent_bytes = waiting.bytes_to_send;
    println!(
        "files sent by rma-agent serve in {send_s:.1} s: {} files, {:.0} MB ({:.0} MB/s); the serve's peak memory {serve_peak_mib:.0} MiB; the server's process {before:.0} MiB before, {peak:.0} MiB at most meanwhile",
        waiting.to_send,
        sent_bytes as f64 / 1e6,
        sent_bytes as f64 / 1e6 / send_s
    );
    let a = Store::open(&dir_a)?;
    let with_none_waiting = one_change(&a, "none")?;
    println!(
        "a sync of one changed ticket: {with_files_waiting:.1} ms with {} files waiting, {with_none_waiting:.1} ms with none (median of 20)",
        waiting.to_send
    );

    // Site SB: the tickets with their thumbnails; then one photo opened.
    let dir_b = temp.path().join("SB");
    std::fs::create_dir_all(&dir_b)?;
    let b = Store::init(&dir_b, sb.clone())?;
    let link = ServerLink::new(url, token_b);
    b.set_server(&link)?;
    let started = Instant::now();
    let pulled = sync_client::sync_once(&b, 500, &mut |_| {})?;
    let pull_ms = started.elapsed().as_secs_f64() * 1e3;
    let started = Instant::now();
    let thumbs = sync_client::sync_files(&b)?;
    let thumbs_ms = started.elapsed().as_secs_f64() * 1e3;
    println!(
        "site SB pulled {} tickets in {pull_ms:.0} ms ({} bytes), then {} thumbnails in {thumbs_ms:.0} ms ({:.1} MB)",
        pulled.pulled,
        pulled.bytes_down,
        thumbs.fetched,
        thumbs.bytes as f64 / 1e6
    );
    let first = b.tickets().summary(&numbers[0])?.expect("pulled");
    let view =
        rma_shared::TicketView::build(&b.load(&first.number)?, &Default::default(), Utc::now())?;
    let (photo, _) = view.files().next().expect("a photo");
    let started = Instant::now();
    let got = sync_client::fetch_file(&b, &link, &first.number, &photo)?;
    let open_ms = started.elapsed().as_secs_f64() * 1e3;
    println!("one photo opened at SB: {got} bytes fetched in {open_ms:.0} ms");

    let _ = stop.send(());
    println!(
        "{}",
        serde_json::json!({
            "tickets": tickets,
            "photos_per_ticket": photos,
            "photo_bytes": PHOTO,
            "tickets_push_ms": docs_push_ms.round(),
            "files_send_s": (send_s * 10.0).round() / 10.0,
            "files_sent_bytes": sent_bytes,
            "files_mb_per_s": (sent_bytes as f64 / 1e6 / send_s).round(),
            "serve_peak_rss_mib": serve_peak_mib.round(),
            "server_rss_before_mib": before.round(),
            "server_rss_peak_mib": peak.round(),
            "sync_one_change_ms_files_waiting": (with_files_waiting * 10.0).round() / 10.0,
            "sync_one_change_ms_none_waiting": (with_none_waiting * 10.0).round() / 10.0,
            "pull_ms": pull_ms.round(),
            "pull_bytes": pulled.bytes_down,
            "thumbnails_ms": thumbs_ms.round(),
            "thumbnails_bytes": thumbs.bytes,
            "open_photo_ms": open_ms.round(),
        })
    );
    Ok(())
}
