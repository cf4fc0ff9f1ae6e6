use anyhow::Result;
use rma_shared::AreaCode;

use super::{Context, parse_text};
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
        #[arg(long, value_parser = parse_text)]
        name: Option<String>,
    },
    /// List storage areas and how many units each holds.
    List,
}

pub fn run(ctx: &Context, command: Command) -> Result<()> {
    let store = ctx.store()?;
    match command {
        Command::Add { code, name } => {
            let area = store.add_area(&code, name, ctx.now)?;
            if ctx.json {
                return ctx.json(&area);
            }
            say!(
                ctx,
                "{}",
                rma_shared::tr!(ctx.lang, "done-area", area = area.code.to_string())
            );
        }
        Command::List => {
            let areas = store.areas()?;
            if ctx.json {
                return ctx.json(&areas);
            }
            ctx.write(&output::areas(&areas, ctx.lang));
        }
    }
    Ok(())
}
