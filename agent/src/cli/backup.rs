use std::path::PathBuf;

use anyhow::Result;

use super::Context;
use crate::local::Backup;

/// Copy this PC's whole store (every ticket, area, setting of sync) into one file, while the
/// agent works: keep it on another disk or machine. `rma-agent restore` brings it back.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  rma-agent backup --to /mnt/usb/wh1-2026-11-30.rma-backup\n  rma-agent restore --from /mnt/usb/wh1-2026-11-30.rma-backup --data /new/folder"
)]
pub struct Args {
    /// The file to write (replaced whole once the copy is complete).
    #[arg(long)]
    to: PathBuf,
}

pub fn run(ctx: &Context, args: Args) -> Result<()> {
    let path = ctx.path(&args.to);
    let (site, summary) = ctx.ask(Backup { to: path.clone() })?;
    if ctx.json {
        return ctx.json(&summary);
    }
    let line = rma_shared::tr!(
        ctx.lang,
        "backup-done",
        site = site.to_string(),
        keys = summary.entries,
        path = path.display().to_string()
    );
    say!(ctx, "{line}");
    Ok(())
}
