use anyhow::Result;
use rma_shared::SiteCode;

use super::Context;
use crate::desk::queries::check_link;
use crate::store::{Store, StoreError};

/// Set up this PC's data folder for a site. The site code starts every ticket number made
/// here, so give every agent installation its own.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  rma-agent init --site WH1\n  rma-agent init --site WH1 --server http://10.0.0.5:8080 --token 3f9a..."
)]
pub struct Args {
    /// This site's code: 2 to 10 letters or digits, e.g. WH1, SZBENCH2.
    #[arg(long)]
    site: SiteCode,
    /// The central server's address (with --token; or later with `rma-agent enroll`).
    #[arg(long, requires = "token", value_parser = super::enroll::parse_url)]
    server: Option<String>,
    /// This site's token from `rma-server site add`.
    #[arg(
        long,
        requires = "server",
        env = "RMA_AGENT_TOKEN",
        hide_env_values = true
    )]
    token: Option<String>,
    /// The company's certificate authority (PEM), for an https server whose certificate it
    /// signed.
    #[arg(long, value_name = "FILE", requires = "server")]
    ca_cert: Option<std::path::PathBuf>,
}

pub fn run(ctx: &Context, args: Args) -> Result<()> {
    // A refused token changes nothing: check it before setting anything up.
    let ca_cert = args
        .ca_cert
        .as_deref()
        .map(crate::http::read_ca)
        .transpose()?;
    let link = match (args.server, args.token) {
        (Some(server), Some(token)) => Some(check_link(&args.site, server, token, ca_cert)?),
        _ => None,
    };
    rma_store::files::create_private_dir(&ctx.data).map_err(|source| StoreError::Folder {
        path: ctx.data.clone(),
        source,
    })?;
    let store = Store::init(&ctx.data, args.site)?;
    let reachable = match link {
        Some((link, reachable, clock)) => {
            store.set_server(&link)?;
            if let Some(measured) = clock {
                store.set_clock(&measured)?;
            }
            Some(reachable)
        }
        None => None,
    };
    let server = store.server()?.map(|l| l.url);
    if ctx.json {
        return ctx.json(&serde_json::json!({
            "site": store.site(),
            "data": ctx.data,
            "server": server,
            "reachable": reachable,
        }));
    }
    if let (Some(url), Some(reachable)) = (&server, reachable) {
        super::enroll::say_linked(ctx, url, reachable);
    }
    let done = rma_shared::tr!(
        ctx.lang,
        "init-done",
        site = store.site().to_string(),
        data = ctx.data.display().to_string()
    );
    say!(ctx, "{done}");
    say!(ctx, "{}", rma_shared::tr!(ctx.lang, "init-next"));
    Ok(())
}
