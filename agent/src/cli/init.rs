use anyhow::Result;
use rma_shared::SiteCode;

use super::Context;
use crate::store::Store;

/// Set up this PC's data folder for a site. The site code starts every ticket number made
/// here, so give every agent installation its own.
#[derive(Debug, clap::Args)]
#[command(after_help = "Example:\n  rma-agent init --site WH1")]
pub struct Args {
    /// This site's code: 2 to 10 letters or digits, e.g. WH1, SZBENCH2.
    #[arg(long)]
    site: SiteCode,
}

pub fn run(ctx: &Context, args: Args) -> Result<()> {
    std::fs::create_dir_all(&ctx.data)?;
    let store = Store::init(&ctx.data, args.site)?;
    if ctx.json {
        return ctx.json(&serde_json::json!({
            "site": store.site(),
            "data": ctx.data,
        }));
    }
    say!(
        ctx,
        "This PC is set up as site {} (data in {}).",
        store.site(),
        ctx.data.display()
    );
    say!(
        ctx,
        "Next: add storage areas with `rma-agent area add CODE`, then `rma-agent intake`."
    );
    Ok(())
}
