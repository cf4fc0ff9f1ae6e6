//! `rma-demo`: the whole loop on this machine with no set-up. A server and two agent sites in
//! a new temporary folder; WH1 hands two tickets over to WH2, both sites work offline on them
//! (with a conflicting inspection), sync, and the merged result is printed. The server keeps running for a look
//! around. It runs server and agents in one process, so it lives here, where both may be used:
//!
//! ```text
//! cargo run --release --bin rma-demo
//! ```

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};
use rma_agent::cli::Context;
use rma_agent::cli::demo::newest_ticket;
use rma_agent::desk::{Asker, Desk};
use rma_agent::store::{ServerLink, Store};
use rma_shared::SiteCode;

use rma_server::cli::shutdown_signal;
use rma_server::serve::Server;
use rma_server::settings::Settings;
use rma_server::store::ServerStore;
use rma_server::users::Role;

/// What each site does, in order. `{T}` is the first ticket, `{U}` the second, `{V}` the
/// third (a customer who gave an e-mail and a mobile: the server's notices).
const SCRIPT: &[(&str, &str)] = &[
    ("WH1", "area add SHELF-A1 --name 'Returns shelf A1'"),
    (
        "WH1",
        "intake --customer 'Acme Ltd' --model X200 --quantity 2 --fault 'no power after a storm' --request repair",
    ),
    (
        "WH1",
        "intake --customer 'Zhang San 张三' --model Y300 --quantity 1 --fault '屏幕闪烁 (screen flickers)' --request replace",
    ),
    (
        "WH1",
        "assess {T} --severity simple --handling 'replace the power board' --fault-type 'power supply'",
    ),
    ("WH1", "receive {T} --area SHELF-A1"),
    ("WH1", "assign {T} --repairer Bob"),
    (
        "WH1",
        "repair {T}-1 --steps 'replaced power board' --part PWR-X200:1 --minutes 40",
    ),
    (
        "WH1",
        "repair {T}-2 --steps 'replaced power board' --part PWR-X200:1 --minutes 35",
    ),
    // Each site holds its own work: WH1 hands both tickets over to WH2, which then holds
    // them too.
    (
        "WH1",
        "hand-over {T} --to WH2 --note 'second inspection at WH2'",
    ),
    (
        "WH1",
        "hand-over {U} --to WH2 --note 'complex fault: WH2 assesses it'",
    ),
    ("WH1", "sync"),
    ("WH2", "area add BENCH-B --name 'Inspection bench B'"),
    ("WH2", "sync"),
    (
        "WH2",
        "assess {U} --severity complex --technical Zhao --production Qian --plan 'replace LCD, check backlight driver' --fault-type display",
    ),
    (
        "WH2",
        "inspect {T}-1 --fail --inspector Ivy --note 'resets under load'",
    ),
    ("WH2", "edit {T} --contact 'Li Wei, 139 1111 2222'"),
    ("WH1", "inspect {T}-1 --pass --inspector Kai"),
    ("WH1", "inspect {T}-2 --pass --inspector Kai"),
    (
        "WH1",
        "cost {T} --kind repair --amount 150 --liability quality-defect",
    ),
    (
        "WH1",
        "intake --customer 'Wang Fang' --email wang.fang@example.com --phone '+86 139 1111 2222' --customer-lang zh-CN --model X200 --quantity 1 --fault 'fan noise' --request repair",
    ),
    ("WH1", "assess {V} --severity simple"),
    ("WH1", "receive {V} --area SHELF-A1"),
    ("WH1", "assign {V} --repairer Bob"),
    ("WH1", "repair {V}-1 --steps 'replaced fan' --minutes 15"),
    ("WH1", "inspect {V}-1 --pass --inspector Kai"),
    (
        "WH1",
        "ship-notice {V} --method 'SF Express' --date 2026-12-20",
    ),
    ("WH1", "pack {V}"),
    (
        "WH1",
        "ship {V} --carrier 'SF Express' --tracking SF1234567890",
    ),
    ("WH1", "sync"),
    ("WH2", "sync"),
    ("WH1", "sync"),
    ("WH2", "show {T}"),
    ("WH1", "list"),
];

/// The office login the demo creates (a throwaway store on loopback).
const DEMO_USER: &str = "office";
const DEMO_PASSWORD: &str = "office-demo";

fn main() -> Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("RMA_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    run()
}

/// Runs the demo; returns once the server is stopped.
fn run() -> Result<()> {
    let dir = tempfile::Builder::new()
        .prefix("rma-demo-")
        .tempdir()?
        .keep();
    let runtime = tokio::runtime::Runtime::new()?;
    let server_dir = dir.join("server");
    let listener = runtime.block_on(async {
        match tokio::net::TcpListener::bind("127.0.0.1:8080").await {
            Ok(listener) => Ok(listener),
            Err(_) => tokio::net::TcpListener::bind("127.0.0.1:0").await,
        }
    })?;
    let (server, tokens) = {
        // Enrol the sites before the server holds the store.
        let store = ServerStore::open(&server_dir)?;
        let now = chrono::Utc::now();
        let mut tokens = Vec::new();
        for site in ["WH1", "WH2"] {
            let code = SiteCode::parse(site).expect("valid site codes");
            tokens.push((site, store.add_site(&code, now)?));
        }
        store
            .people()
            .add(DEMO_USER, Role::Head, DEMO_PASSWORD, now)?;
        drop(store);
        let _guard = runtime.enter();
        (
            Server::start(listener, server_dir.clone(), Settings::default())?,
            tokens,
        )
    };
    let url = server.url().to_owned();
    println!("Demo in {}\nServer: {url}\n", dir.display());
    runtime.spawn(server.run(shutdown_signal()));

    let mut sites = Vec::new();
    for (site, token) in &tokens[..2] {
        let data = dir.join(site.to_lowercase());
        std::fs::create_dir_all(&data)?;
        let store = Store::init(&data, SiteCode::parse(site).expect("valid"))?;
        store.set_server(&ServerLink::new(url.clone(), token.clone()))?;
        // The office's head account reaches the sites with their first sync, and then only
        // people with an account take steps.
        let asker = Asker {
            user: DEMO_USER.to_owned(),
            lang: rma_shared::i18n::Lang::En,
            force: false,
        };
        let ctx = Context::holding(Desk::new(store, &data, None), false, asker);
        sites.push((*site, data, ctx));
    }
    let mut tickets: Vec<String> = Vec::new();
    for (site, line) in SCRIPT {
        let (_, _, ctx) = sites
            .iter()
            .find(|(code, ..)| code == site)
            .context("the script names the demo's sites")?;
        let mut command = line.to_string();
        for (marker, ticket) in ["{T}", "{U}", "{V}"].iter().zip(&tickets) {
            command = command.replace(marker, ticket);
        }
        println!("[{site}] $ rma-agent {command}");
        match ctx.run_line(&command) {
            Ok(()) if command.starts_with("intake") => {
                tickets.push(newest_ticket(ctx)?.to_string());
            }
            Ok(()) => {}
            Err(err) => {
                let said = rma_agent::desk::say(err.as_ref(), rma_shared::i18n::Lang::En);
                println!("error: {said}");
            }
        }
        println!();
    }
    if tickets.len() != 3 {
        bail!("the demo did not run through: see the errors above");
    }
    // WH1's bench page, served by its agent as `rma-agent serve` does (the demo's own handles
    // on the store let go first: one process at a time holds a store).
    let wh1 = sites[0].1.clone();
    let data: Vec<PathBuf> = sites.into_iter().map(|(_, data, _)| data).collect();
    let bench = runtime.block_on(async {
        let commands = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let page = match tokio::net::TcpListener::bind("127.0.0.1:8090").await {
            Ok(listener) => listener,
            Err(_) => tokio::net::TcpListener::bind("127.0.0.1:0").await?,
        };
        let options = rma_agent::serve::Options {
            data: wh1.clone(),
            config: None,
            started_by: rma_agent::local::StartedBy::Person,
            idle: None,
        };
        let store = Store::open(&wh1)?;
        anyhow::Ok(rma_agent::serve::Server::start_on(
            store,
            commands,
            Some(page),
            options,
        )?)
    })?;
    let bench_url = bench.handle().web.clone().unwrap_or_default();
    runtime.spawn(bench.run(shutdown_signal()));
    print_outbox(&url)?;
    println!("The server keeps running at {url} (Ctrl-C stops it).");
    println!(
        "WH1's bench page: open {bench_url}/ and sign in as {DEMO_USER}, password {DEMO_PASSWORD} (the account reached the site with sync)."
    );
    println!(
        "Office pages: open {url}/ in a browser and log in as {DEMO_USER}, password {DEMO_PASSWORD}."
    );
    println!(
        "The office's API reads as a person (a site's token is for sync only): sign in, then send the session:"
    );
    println!("  curl -c office.cookies -d 'name={DEMO_USER}&password={DEMO_PASSWORD}' {url}/login");
    println!("  curl -b office.cookies {url}/api/v1/tickets");
    println!("  curl -b office.cookies {url}/api/v1/sites");
    println!(
        "The two sites' data: {} and {}",
        path(&data[0]),
        path(&data[1])
    );
    println!(
        "  (stop the demo first, then e.g. rma-agent --data {} show {})",
        path(&data[0]),
        tickets.first().map_or("", String::as_str)
    );
    runtime.block_on(shutdown_signal());
    Ok(())
}

/// What the server would send the customers: the demo sets up no mail server or SMS gateway,
/// so it sends nothing and its outbox shows each notice's words.
fn print_outbox(url: &str) -> Result<()> {
    let session = rma_tests::log_in_at(url, DEMO_USER, DEMO_PASSWORD)
        .context("the demo's office login signs in")?;
    let listed: serde_json::Value = rma_tests::get_page(&format!("{url}/api/v1/notices"), &session)
        .json()
        .context("the server lists its notices")?;
    let notices: Vec<rma_server::store::outbox::Notice> =
        serde_json::from_value(listed["notices"].clone()).context("notices")?;
    println!(
        "The server's notices to customers (no [mail] or [sms] in server.toml, so none is sent; this is what would go):"
    );
    for notice in notices.iter().rev() {
        let lang = notice.lang.unwrap_or_default();
        let text = rma_server::notices::compose(notice, lang, "…");
        println!(
            "  {} to {}: {}",
            notice.channel.as_str(),
            notice.to,
            text.subject
        );
    }
    println!("  (every notice and its words: {url}/outbox)\n");
    Ok(())
}

fn path(p: &Path) -> String {
    PathBuf::from(p).display().to_string()
}
