use anyhow::Result;

use super::Context;
use crate::settings::ENV_OVERRIDES;

/// Show the settings in effect: defaults, then settings.toml in the data folder (or --config),
/// then environment variables.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Example settings.toml:\n  currency = \"CNY\"\n  archive_retention_years = 10\n  [deadlines]\n  forward_hours = 24\n  assessment_hours = 48\n  confirmation_working_days = 3"
)]
pub struct Args {}

pub fn run(ctx: &Context, _args: Args) -> Result<()> {
    let settings = ctx.settings()?;
    if ctx.json {
        return ctx.json(&settings);
    }
    ctx.write(&toml::to_string_pretty(&settings)?);
    say!(ctx, "");
    say!(ctx, "# {}", rma_shared::tr!(ctx.lang, "config-env"));
    for (name, key) in ENV_OVERRIDES {
        say!(ctx, "#   {name} → {key}");
    }
    Ok(())
}
