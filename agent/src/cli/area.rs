use anyhow::Result;
use rma_shared::AreaCode;
use rma_shared::step::Text;

use super::Context;
use crate::local::{AddArea, Areas};
use crate::output;

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Set up a labelled storage area.
    #[command(
        after_help = "Example:\n  rma-agent area add SHELF-A1 --name \"Returns shelf A, level 1\""
    )]
    Add {
        /// The code on the area's label: letters, digits, '-' or '.'.
        code: AreaCode,
        /// A description people recognise.
        #[arg(long)]
        name: Option<Text>,
    },
    /// List storage areas and how many units each holds.
    List,
}

pub fn run(ctx: &Context, command: Command) -> Result<()> {
    match command {
        Command::Add { code, name } => {
            let area = ctx.ask(AddArea { code, name })?;
            if ctx.json {
                return ctx.json(&area);
            }
            let line = rma_shared::tr!(ctx.lang, "done-area", area = area.code.to_string());
            say!(ctx, "{line}");
        }
        Command::List => {
            let areas = ctx.ask(Areas)?;
            if ctx.json {
                return ctx.json(&areas);
            }
            ctx.write(&output::areas(&areas, ctx.lang));
        }
    }
    Ok(())
}
