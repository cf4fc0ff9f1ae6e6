//! A step of the regulation from the command line: asked, then said in the person's words
//! (what was recorded and where the ticket stands), or the whole ticket with `--json`.

use anyhow::Result;
use rma_shared::step::{Outcome, Step};

use super::Context;

pub fn run(ctx: &Context, step: Step) -> Result<()> {
    let outcome = ctx.ask(step)?;
    say_outcome(ctx, &outcome)
}

pub fn say_outcome(ctx: &Context, outcome: &Outcome) -> Result<()> {
    if ctx.json {
        return ctx.json(&outcome.ticket);
    }
    for line in outcome.lines(ctx.lang) {
        say!(ctx, "{line}");
    }
    Ok(())
}
