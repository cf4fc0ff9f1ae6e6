use std::path::PathBuf;

use anyhow::{Context as _, Result};
use clap::Parser;
use rma_shared::SiteCode;

use super::{Cli, Context};
use crate::desk::{Asker, Desk};
use crate::store::{ListFilter, Store};

/// Walk through the regulation on a fresh demo site: one return from intake to archive, one
/// still at the bench, and the refusals a bench worker meets on the way. Prints every command
/// and what it answered, then how to look around.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  rma-agent demo\n  rma-agent demo --dir ./demo-site")]
pub struct Args {
    /// Where to create the demo site (default: a new folder in the temporary directory). It
    /// must not hold a site already.
    #[arg(long)]
    dir: Option<PathBuf>,
}

/// The demo, as a bench worker would type it. `{T}` and `{U}` are the two tickets' numbers.
const SCRIPT: &[&str] = &[
    "area add SHELF-A1 --name 'Returns shelf A, level 1'",
    "area add BENCH-IN --name 'Incoming cage'",
    "intake --customer 'Acme Ltd' --contact 'Li Wei, 138 0000 0000' --email li.wei@acme.example --phone '+86 138 0000 0000' --model X200 --quantity 2 --fault 'no power after a storm' --request repair",
    "intake --customer 'Zhang San 张三' --model Y300 --quantity 1 --fault '屏幕闪烁 (screen flickers)' --request replace",
    "receive {T} --area SHELF-A1",
    "forward {T}",
    "assess {T} --severity simple --handling 'replace the power board'",
    "receive {T} --area SHELF-A1",
    "move {T}-2 --to BENCH-IN",
    "assign {T} --repairer Bob",
    "inspect {T}-1 --pass",
    "repair {T}-1 --steps 'replaced power board, burn-in 2 h' --part PWR-X200:1 --minutes 40",
    "repair {T}-2 --steps 'replaced power board' --part PWR-X200:1 --minutes 35",
    "inspect {T}-1 --pass --inspector Ivy",
    "inspect {T}-2 --fail --inspector Ivy --note 'resets under load'",
    "ship-notice {T} --method 'SF Express' --date 2026-12-01",
    "repair {T}-2 --steps 'reseated connector, burn-in 2 h' --minutes 25",
    "inspect {T}-2 --pass --inspector Ivy",
    "ship-notice {T} --method 'SF Express' --date 2026-12-01",
    "pack {T}",
    "ship {T} --carrier 'SF Express' --tracking SF1234567890",
    "confirm {T} --delivered-on 2026-12-03 --satisfaction 4 --feedback 'works; delivery was slow'",
    "cost {T} --kind repair --amount 150 --liability quality-defect",
    "cost {T} --kind shipping --amount 18.50 --liability quality-defect",
    "close {T} --note 'offered faster courier next time'",
    "archive {T} --keeper 'Wang Fang'",
    "assess {U} --severity complex --technical Zhao --production Qian --plan 'replace LCD panel and check the backlight driver'",
    "receive {U} --area BENCH-IN --appearance 'cracked bezel' --discrepancy 'bezel damage not in the registration'",
    "assign {U} --repairer Carol",
    "show {T}",
    "list",
];

pub fn run(ctx: &Context, args: Args) -> Result<()> {
    let dir = match args.dir {
        Some(dir) => dir,
        None => tempfile::Builder::new()
            .prefix("rma-demo-")
            .tempdir()?
            .keep(),
    };
    std::fs::create_dir_all(&dir)?;
    let site = SiteCode::parse("DEMO").expect("a valid site code");
    let store = Store::init(&dir, site)?;
    let any = ListFilter {
        limit: 1,
        ..Default::default()
    };
    if !store.list(&any, &Default::default())?.tickets.is_empty() {
        anyhow::bail!(
            "{} already holds a demo site: give another --dir",
            dir.display()
        );
    }
    let asker = Asker {
        user: "demo".into(),
        lang: ctx.lang,
        force: false,
    };
    let demo = Context::holding(Desk::new(store, &dir, None), false, asker);
    let result = walk(&demo);
    demo.finish();
    result
}

fn walk(ctx: &Context) -> Result<()> {
    let heading = rma_shared::tr!(
        ctx.lang,
        "demo-heading",
        data = ctx.data.display().to_string()
    );
    say!(ctx, "{heading}\n");
    let mut tickets: Vec<String> = Vec::new();
    for line in SCRIPT {
        let mut command = line.to_string();
        if let Some(t) = tickets.first() {
            command = command.replace("{T}", t);
        }
        if let Some(u) = tickets.get(1) {
            command = command.replace("{U}", u);
        }
        say!(ctx, "$ rma-agent {command}");
        match ctx.run_line(&command) {
            Ok(()) if command.starts_with("intake") => {
                tickets.push(newest_ticket(ctx)?.to_string());
            }
            Ok(()) => {}
            Err(err) => say!(
                ctx,
                "{}",
                rma_shared::i18n::error_line(ctx.lang, &crate::desk::say(err.as_ref(), ctx.lang))
            ),
        }
        say!(ctx, "");
    }
    say!(ctx, "{}", rma_shared::tr!(ctx.lang, "demo-look-around"));
    say!(ctx, "  export RMA_AGENT_DATA={}", ctx.data.display());
    say!(
        ctx,
        "  rma-agent show {}",
        tickets.get(1).map_or("", String::as_str)
    );
    say!(
        ctx,
        "  rma-agent history {}",
        tickets.first().map_or("", String::as_str)
    );
    say!(ctx, "  rma-agent list --status in_repair");
    Ok(())
}

impl Context {
    /// Runs one command line, as a person would type it, on the store this context holds (a
    /// demo's script).
    pub fn run_line(&self, line: &str) -> Result<()> {
        let words = split_words(line);
        let cli = Cli::try_parse_from(std::iter::once("rma-agent".to_owned()).chain(words))
            .with_context(|| format!("the demo script line {line:?} is wrong"))?;
        self.dispatch(cli.command)
    }
}

/// The newest ticket of the store `ctx` holds (the one an intake just made).
pub fn newest_ticket(ctx: &Context) -> Result<rma_shared::TicketNumber> {
    let newest = ListFilter {
        limit: 1,
        ..Default::default()
    };
    let listing = ctx.desk()?.store().list(&newest, &Default::default())?;
    Ok(listing
        .tickets
        .first()
        .context("intake made a ticket")?
        .number
        .clone())
}

/// Splits a command line into words, honouring single quotes.
pub fn split_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quoted = false;
    let mut in_word = false;
    for c in line.chars() {
        match c {
            '\'' => {
                quoted = !quoted;
                in_word = true;
            }
            ' ' if !quoted => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            _ => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(word);
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_demo_line_parses() {
        for line in SCRIPT {
            let line = line
                .replace("{T}", "DEMO-2026-00001")
                .replace("{U}", "DEMO-2026-00002");
            let words = split_words(&line);
            Cli::try_parse_from(std::iter::once("rma-agent".to_owned()).chain(words))
                .unwrap_or_else(|e| panic!("{line}: {e}"));
        }
        assert_eq!(split_words("a 'b c' d"), ["a", "b c", "d"]);
    }
}
