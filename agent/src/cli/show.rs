use anyhow::Result;
use rma_shared::TicketOrUnit;

use super::Context;
use crate::desk::queries::Shown;
use crate::local::Show;
use crate::output;

/// Show a ticket with every record: registration, assessment, units and where they are,
/// repairs, inspections, shipping, follow-up, costs, archive, deadlines and conflicts.
/// A ticket in the server's archive is no longer kept here: `show` says so. A ticket this
/// site does not hold (registered and worked on elsewhere): `show` asks the server where it
/// is and says so, read-only.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  rma-agent show WH1-2026-00001\n  rma-agent show WH1-2026-00001-2 --json"
)]
pub struct Args {
    /// A ticket number, or a unit number to show its ticket.
    what: TicketOrUnit,
}

pub fn run(ctx: &Context, args: Args) -> Result<()> {
    match ctx.ask(Show { what: args.what })? {
        Shown::Here(view) if ctx.json => ctx.json(&view),
        Shown::Here(view) => {
            ctx.write(&output::ticket(&view, ctx.lang));
            Ok(())
        }
        // Regulation 8: the archive file is kept at the server, read there with a grant.
        Shown::AtServer(gone) if ctx.json => ctx.json(&serde_json::json!({
            "number": gone.number,
            "status": "archived",
            "archived_at_server": true,
            "disposed": gone.disposed,
            "since": gone.at,
        })),
        Shown::AtServer(gone) => {
            ctx.write(&rma_shared::tr!(
                ctx.lang,
                "show-archived-at-server",
                ticket = gone.number.to_string()
            ));
            Ok(())
        }
        // Not held here: where the server says it is, read-only.
        Shown::Elsewhere(found) if ctx.json => ctx.json(&serde_json::json!({
            "number": found.number,
            "held_here": false,
            "status": found.status,
            "model": found.model,
            "holders": found.holders,
            "updated_at": found.updated_at,
        })),
        Shown::Elsewhere(found) => {
            ctx.write(&output::whereabouts(&found, ctx.lang));
            Ok(())
        }
    }
}
