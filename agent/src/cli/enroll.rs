use std::path::{Path, PathBuf};

use anyhow::{Result, bail};
use rma_shared::i18n::current;
use rma_shared::tr;

use super::Context;
use crate::store::{ServerLink, Store};
use crate::sync_client::{self, SyncError};

/// Connect this agent to the central server with the token the office issued for this site
/// (`rma-server site add CODE`). Offline work done before is pushed at the next sync.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  rma-agent enroll --server http://10.0.0.5:8080 --token 3f9a...\n  rma-agent enroll --server https://rma.example.com --token 3f9a... --ca-cert company-ca.pem"
)]
pub struct Args {
    /// The server's address, e.g. http://rma.example.local:8080.
    #[arg(long, value_parser = parse_url)]
    server: String,
    /// This site's token.
    #[arg(long, env = "RMA_AGENT_TOKEN", hide_env_values = true)]
    token: String,
    /// The company's certificate authority (a PEM file), when the server's https certificate
    /// is signed by it rather than by a public authority. It is kept with the server's address.
    #[arg(long, value_name = "FILE")]
    ca_cert: Option<PathBuf>,
}

pub fn run(ctx: &Context, args: Args) -> Result<()> {
    let store = ctx.store()?;
    let reachable = link(store, args.server, args.token, args.ca_cert.as_deref())?;
    let url = store.server()?.map(|l| l.url).unwrap_or_default();
    if ctx.json {
        return ctx.json(&serde_json::json!({ "server": url, "reachable": reachable }));
    }
    say_linked(ctx, &url, reachable);
    Ok(())
}

pub fn say_linked(ctx: &Context, url: &str, reachable: bool) {
    let id = if reachable {
        "enroll-connected"
    } else {
        "enroll-saved-offline"
    };
    say!(ctx, "{}", rma_shared::tr!(ctx.lang, id, url = url));
}

/// Checks the address and token with the server when it can be reached, then keeps them.
/// Returns whether the server could be reached.
pub fn link(store: &Store, server: String, token: String, ca: Option<&Path>) -> Result<bool> {
    let (link, reachable) = check(store.site(), server, token, ca)?;
    store.set_server(&link)?;
    if reachable {
        // The server takes changes from this installation only once it is bound to the site
        // (an unreachable server binds it at the first sync).
        sync_client::ensure_bound(store, &sync_client::Connection::open(store)?)?;
    }
    Ok(reachable)
}

/// Checks the address and token with the server when it can be reached.
pub fn check(
    site: &rma_shared::SiteCode,
    server: String,
    token: String,
    ca: Option<&Path>,
) -> Result<(ServerLink, bool)> {
    let token = token.trim().to_owned();
    if token.is_empty() {
        bail!("{}", tr!(current(), "enroll-empty-token"));
    }
    let ca_cert = ca.map(crate::http::read_ca).transpose()?;
    let link = ServerLink {
        url: server,
        token,
        ca_cert,
    };
    let reachable = match sync_client::check_link(&link, site) {
        Ok(reachable) => reachable,
        Err(SyncError::Refused { message, .. }) => {
            bail!(
                "{}",
                tr!(
                    current(),
                    "enroll-token-refused",
                    url = link.url.as_str(),
                    message = message
                )
            )
        }
        Err(err) => return Err(err.into()),
    };
    Ok((link, reachable))
}

/// Reads a server address: http:// or https://, host and port.
pub fn parse_url(text: &str) -> Result<String, String> {
    let bad = || tr!(current(), "enroll-bad-address", text = text);
    let url = reqwest::Url::parse(text.trim()).map_err(|_| bad())?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(bad());
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}
