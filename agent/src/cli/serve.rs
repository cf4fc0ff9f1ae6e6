use std::net::SocketAddr;

use anyhow::{Context as _, Result};

use super::Context;
use crate::serve::Server;

/// The bench page's address when neither `--web` nor `[web] listen` gives one.
const DEFAULT_WEB: &str = "127.0.0.1:8090";

/// Keep this PC's agent running. It holds the data folder and answers every other
/// `rma-agent` command over loopback (so they skip opening the store), syncs in the
/// background, and serves the bench page; stop it with Ctrl-C. Commands work the same
/// without it: they then open the store themselves.
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
                        rma_shared::tr!(ctx.lang, "serve-web-busy", address = address.to_string())
                    })?,
            ),
            // The default address may be taken (a second agent on this PC): say so, go on.
            (false, None) => match tokio::net::TcpListener::bind(DEFAULT_WEB).await {
                Ok(listener) => Some(listener),
                Err(_) => {
                    eprintln!(
                        "{}",
                        rma_shared::tr!(ctx.lang, "serve-web-default-busy", address = DEFAULT_WEB)
                    );
                    None
                }
            },
        };
        let server = Server::start_with_page(listener, web, ctx.data.clone())?;
        let line = rma_shared::tr!(
            ctx.lang,
            "serve-started",
            site = server.site().to_string(),
            url = server.handle().url.as_str()
        );
        say!(ctx, "{line}");
        if let Some(page) = &server.handle().web {
            say!(
                ctx,
                "{}",
                rma_shared::tr!(ctx.lang, "serve-web", url = page.as_str())
            );
            let open = page
                .parse::<axum::http::Uri>()
                .ok()
                .and_then(|uri| uri.host().map(str::to_owned))
                .is_some_and(|host| host != "127.0.0.1" && host != "[::1]" && host != "localhost");
            if open {
                say!(ctx, "{}", rma_shared::tr!(ctx.lang, "serve-web-open"));
            }
        }
        match args.idle_minutes {
            Some(minutes) => {
                let idle = server.idle(std::time::Duration::from_secs(u64::from(minutes) * 60));
                server
                    .run(async move {
                        tokio::select! {
                            () = shutdown_signal() => {}
                            () = idle => {}
                        }
                    })
                    .await?;
            }
            None => server.run(shutdown_signal()).await?,
        }
        Ok(())
    })
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
