use std::path::PathBuf;

use anyhow::Result;
use rma_shared::i18n::{Lang, Localized};
use rma_shared::tr;

use super::Context;
use crate::local::Enroll;

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
    let ca_cert = args
        .ca_cert
        .as_deref()
        .map(crate::http::read_ca)
        .transpose()?;
    let reachable = ctx.ask(Enroll {
        server: args.server.clone(),
        token: args.token,
        ca_cert,
    })?;
    if ctx.json {
        return ctx.json(&serde_json::json!({ "server": args.server, "reachable": reachable }));
    }
    say_linked(ctx, &args.server, reachable);
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

/// Why a server address cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("{0:?} is not a server address")]
pub struct BadAddress(String);

impl Localized for BadAddress {
    fn message(&self, lang: Lang) -> String {
        tr!(lang, "enroll-bad-address", text = self.0.as_str())
    }
}

/// Reads a server address: http:// or https://, host and port.
pub fn parse_url(text: &str) -> Result<String, BadAddress> {
    let bad = || BadAddress(text.to_owned());
    let url = reqwest::Url::parse(text.trim()).map_err(|_| bad())?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(bad());
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}
