use std::net::SocketAddr;

use anyhow::{Context as _, Result};

use super::Context;
use crate::serve::Server;

/// Keep this PC's agent running. It holds the data folder and answers every other
/// `rma-agent` command over loopback (so they skip opening the store); stop it with Ctrl-C.
/// Commands work the same without it: they then open the store themselves.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  rma-agent serve\n  rma-agent serve --listen 127.0.0.1:7450")]
pub struct Args {
    /// The address to listen on (port 0: any free port; commands find it in agent.json).
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: SocketAddr,
}

pub fn run(ctx: &Context, args: Args) -> Result<()> {
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .with_context(|| format!("cannot listen on {}", args.listen))?;
        let server = Server::start(listener, ctx.data.clone())?;
        let line = rma_shared::tr!(
            ctx.lang,
            "serve-started",
            site = server.site().to_string(),
            url = server.handle().url.as_str()
        );
        say!(ctx, "{line}");
        server.run(shutdown_signal()).await?;
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
