//! `rma-agent attach`: photos or documents kept with a ticket or unit; `rma-agent file`: one
//! of a ticket's files, fetched from the office if it is not on this PC.

use std::path::PathBuf;

use anyhow::Result;
use rma_shared::files::FileHash;
use rma_shared::{TicketNumber, step, tr};

use super::Context;
use crate::desk::queries::Shown;
use crate::local::{AttachFiles, OpenFile, Show};

/// Keep photos or documents with a ticket or one of its units.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    request: step::Attach,
    /// The files: photos (JPEG, PNG, WebP) or PDF documents.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
}

pub fn run(ctx: &Context, args: Args) -> Result<()> {
    // The serve that may answer runs in another folder: it reads the files where they are.
    let paths = args
        .files
        .iter()
        .map(|path| std::path::absolute(path).unwrap_or_else(|_| path.clone()))
        .collect();
    let outcome = ctx.ask(AttachFiles {
        request: args.request,
        paths,
    })?;
    super::steps::say_outcome(ctx, &outcome)
}

/// Get one of a ticket's photos or documents: from this PC, or from the office (then kept
/// here). Prints where it is, or copies it to --out.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  rma-agent show WH1-2026-00001 --json      # lists each file's sha256\n  rma-agent file WH1-2026-00001 SHA256 --out board.jpg"
)]
pub struct FileArgs {
    /// The ticket the file belongs to.
    ticket: TicketNumber,
    /// The file's SHA-256 as `show` lists it (its first characters are enough).
    sha256: String,
    /// Copy it here.
    #[arg(long, value_name = "PATH")]
    out: Option<PathBuf>,
}

pub fn run_file(ctx: &Context, args: FileArgs) -> Result<()> {
    let hash = match FileHash::parse(&args.sha256) {
        Ok(hash) => hash,
        Err(_) => resolve(ctx, &args.ticket, &args.sha256)?,
    };
    let opened = ctx.ask(OpenFile {
        ticket: args.ticket,
        hash,
    })?;
    let path = match &args.out {
        Some(out) => {
            std::fs::copy(&opened.path, out)?;
            out.clone()
        }
        None => opened.path.clone(),
    };
    if ctx.json {
        return ctx.json(&serde_json::json!({
            "path": path,
            "media_type": opened.media_type,
            "fetched": opened.fetched,
        }));
    }
    let id = if opened.fetched {
        "file-fetched"
    } else {
        "file-here"
    };
    say!(
        ctx,
        "{}",
        tr!(ctx.lang, id, path = path.display().to_string())
    );
    Ok(())
}

/// The one file of `ticket` whose SHA-256 (or its thumbnail's) starts with `start`.
fn resolve(ctx: &Context, ticket: &TicketNumber, start: &str) -> Result<FileHash> {
    let start = start.trim().to_ascii_lowercase();
    let Shown::Here(view) = ctx.ask(Show {
        what: rma_shared::TicketOrUnit::Ticket(ticket.clone()),
    })?
    else {
        anyhow::bail!(tr!(
            ctx.lang,
            "store-archived-at-server",
            what = ticket.to_string()
        ));
    };
    let matching: std::collections::BTreeSet<FileHash> = view
        .files()
        .map(|(hash, _)| hash)
        .filter(|hash| start.len() >= 6 && hash.to_string().starts_with(&start))
        .collect();
    match matching.len() {
        1 => Ok(*matching.iter().next().expect("one")),
        _ => anyhow::bail!(tr!(
            ctx.lang,
            "file-which",
            ticket = ticket.to_string(),
            start = start.as_str(),
            count = matching.len()
        )),
    }
}
