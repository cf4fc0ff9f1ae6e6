use std::net::SocketAddr;
use std::time::Duration;

use anyhow::{Context as _, Result};
use rma_shared::tr;

use super::Context;
use super::context::Said;
use crate::local::{self, Handle, Sent, StartedBy};
use crate::serve::{Options, Server};
use crate::store::Store;

/// The bench page's address when neither `--web` nor `[web] listen` gives one.
const DEFAULT_WEB: &str = "127.0.0.1:8090";

/// Keep this PC's agent running. It holds the data folder and answers every other
/// `rma-agent` command over loopback (so they skip opening the store), syncs in the
/// background, and serves the bench page; stop it with Ctrl-C or `rma-agent stop`. A serve
/// a command left in the background gives way to it. Commands work the same without it:
/// they then open the store themselves.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  rma-agent serve                          # bench page at http://127.0.0.1:8090\n  rma-agent serve --web 0.0.0.0:8090       # phones on the warehouse network reach it too\n  rma-agent serve --listen 127.0.0.1:7450 --no-web"
)]
pub struct Args {
    /// The address commands reach it at (port 0: any free port; commands find it in
    /// agent.json).
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: SocketAddr,
    /// The bench page's address (default: settings.toml [web] listen, else 127.0.0.1:8090).
    /// An address other than 127.0.0.1 opens the page to the network.
    #[arg(
        long,
        value_name = "ADDR",
        env = "RMA_AGENT_WEB",
        conflicts_with = "no_web"
    )]
    web: Option<SocketAddr>,
    /// Do not serve the bench page.
    #[arg(long)]
    no_web: bool,
    /// Stop after this many minutes without a command (how a serve that a command started
    /// in the background ends; see `keep_serving_minutes` in settings.toml).
    #[arg(long, value_name = "MINUTES", value_parser = clap::value_parser!(u32).range(1..))]
    idle_minutes: Option<u32>,
}

pub fn run(ctx: &Context, args: Args) -> Result<()> {
    let settings = ctx.settings()?;
    let started_by = match args.idle_minutes {
        Some(_) => StartedBy::Command,
        None => StartedBy::Person,
    };
    let store = match take_store(ctx, started_by)? {
        Some(store) => store,
        // A serve left by a command found another serve holding the store: nothing to do.
        None => return Ok(()),
    };
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .with_context(|| format!("cannot listen on {}", args.listen))?;
        let chosen = args.web.or(settings.web.listen);
        let web = match (args.no_web, chosen) {
            (true, _) => None,
            (false, Some(address)) => Some(
                tokio::net::TcpListener::bind(address)
                    .await
                    .with_context(|| {
                        tr!(ctx.lang, "serve-web-busy", address = address.to_string())
                    })?,
            ),
            // The default address may be taken (a second agent on this PC): say so, go on.
            (false, None) => match tokio::net::TcpListener::bind(DEFAULT_WEB).await {
                Ok(listener) => Some(listener),
                Err(_) => {
                    eprintln!(
                        "{}",
                        tr!(ctx.lang, "serve-web-default-busy", address = DEFAULT_WEB)
                    );
                    None
                }
            },
        };
        let options = Options {
            data: ctx.data.clone(),
            config: ctx.config.clone(),
            started_by,
            idle: args
                .idle_minutes
                .map(|minutes| Duration::from_secs(u64::from(minutes) * 60)),
        };
        let server = Server::start_on(store, listener, web, options)?;
        let line = tr!(
            ctx.lang,
            "serve-started",
            site = server.site().to_string(),
            url = server.handle().url.as_str()
        );
        say!(ctx, "{line}");
        if let Some(page) = &server.handle().web {
            say!(ctx, "{}", tr!(ctx.lang, "serve-web", url = page.as_str()));
            let open = page
                .parse::<axum::http::Uri>()
                .ok()
                .and_then(|uri| uri.host().map(str::to_owned))
                .is_some_and(|host| host != "127.0.0.1" && host != "[::1]" && host != "localhost");
            if open {
                say!(ctx, "{}", tr!(ctx.lang, "serve-web-open"));
            }
        }
        server.run(shutdown_signal()).await?;
        Ok(())
    })
}

/// The store, for a new serve. One a command left in the background is asked to stop and
/// gives way to a person's; a person's serve is not taken over (it is stopped with
/// `rma-agent stop`). A serve for a command finds none, or leaves it to the one there (None).
fn take_store(ctx: &Context, started_by: StartedBy) -> Result<Option<Store>> {
    if let Some(holder) = Handle::read(&ctx.data) {
        let alive = match (holder.started_by, started_by) {
            (_, StartedBy::Command) | (StartedBy::Person, StartedBy::Person) => {
                // Alive if it answers; an announcement left by a serve that died is stale.
                matches!(
                    local::send(&ctx.data, &ctx.asker, None, crate::local::Status),
                    Sent::Answered(_) | Sent::Refused(_)
                )
            }
            (StartedBy::Command, StartedBy::Person) => {
                super::stop::stop(&ctx.data, &ctx.asker)?;
                false
            }
        };
        if alive && started_by == StartedBy::Command {
            return Ok(None);
        }
        if alive {
            return Err(Said(super::stop::held_by(&holder, ctx.lang)).into());
        }
    }
    Ok(Some(super::stop::wait_for_store(ctx)?))
}

async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                .expect("a signal handler can be installed");
        tokio::select! {
            _ = interrupt => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = interrupt.await;
}
