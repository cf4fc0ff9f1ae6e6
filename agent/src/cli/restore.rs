use std::path::PathBuf;

use anyhow::Result;

use super::Context;
use crate::store::Store;

/// Bring back a store from a file `rma-agent backup` made, into a data folder that holds no
/// store yet (a new PC, or after a disk was lost). Sync then brings what changed since.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Example:\n  rma-agent --data /new/folder restore --from /mnt/usb/wh1-2026-11-30.rma-backup"
)]
pub struct Args {
    /// The backup file.
    #[arg(long)]
    from: PathBuf,
}

pub fn run(ctx: &Context, args: Args) -> Result<()> {
    let path = ctx.path(&args.from);
    let store = Store::restore(&ctx.data, &path)?;
    let line = rma_shared::tr!(
        ctx.lang,
        "restore-done",
        site = store.site().to_string(),
        data = ctx.data.display().to_string()
    );
    say!(ctx, "{line}");
    Ok(())
}
