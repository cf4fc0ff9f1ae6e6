use std::io::BufRead;

use anyhow::{Result, bail};
use rma_shared::AreaCode;
use rma_shared::tr;
use serde_json::json;

use super::Context;
use crate::desk::scan::Scanned;
use crate::local::Scan;

/// Read label codes as a USB scanner types them (one per line, each ending in Enter), or
/// from the arguments. Scan a storage area, then units: the units are moved into that area.
/// Scan a unit or ticket alone to see it. Every scan is recorded with its ticket (who, which
/// site, when); a code scanned twice is reported, not applied twice; a code that cannot be
/// read is reported and the session goes on. End a session with Ctrl-D.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  rma-agent scan                      # then scan: A:SHELF-A1, U:WH1-2026-00042-1, ...\n  rma-agent scan A:SHELF-A1 U:WH1-2026-00042-1 U:WH1-2026-00042-2\n  rma-agent scan T:WH1-2026-00042"
)]
pub struct Args {
    /// Codes to read (default: one per line from standard input, until it ends).
    pub codes: Vec<String>,
    /// Start with this storage area: the units scanned go there.
    #[arg(long)]
    pub area: Option<AreaCode>,
}

/// A scanning session: the storage area units go to, and how many scans failed.
#[derive(Debug, Default)]
struct Session {
    area: Option<AreaCode>,
    failed: usize,
}

pub fn run(ctx: &Context, args: Args) -> Result<()> {
    let mut session = Session {
        area: args.area,
        failed: 0,
    };
    if args.codes.is_empty() {
        for line in std::io::stdin().lock().lines() {
            session.scan(ctx, &line?);
        }
    } else {
        for code in &args.codes {
            session.scan(ctx, code);
        }
    }
    if session.failed > 0 {
        bail!(super::context::Said(tr!(
            ctx.lang,
            "scan-failed",
            count = session.failed
        )));
    }
    Ok(())
}

impl Session {
    /// Reads one scanned line; what happened is reported, nothing stops the session.
    fn scan(&mut self, ctx: &Context, line: &str) {
        if line.trim().is_empty() {
            return;
        }
        let asked = ctx.ask(Scan {
            code: line.to_owned(),
            area: self.area.clone(),
        });
        match asked {
            Ok(scanned) => {
                if let Scanned::Area { area } = &scanned {
                    self.area = Some(area.clone());
                }
                report(ctx, line, scanned.action(), &scanned.message(ctx.lang));
            }
            Err(err) => {
                self.failed += 1;
                let message = crate::desk::say(err.as_ref(), ctx.lang);
                report(ctx, line, "error", &message);
            }
        }
    }
}

fn report(ctx: &Context, read: &str, action: &str, message: &str) {
    if ctx.json {
        let line = json!({ "read": read.trim(), "action": action, "message": message });
        say!(ctx, "{line}");
    } else if action == "error" {
        say!(ctx, "{}", tr!(ctx.lang, "scan-not-used", message = message));
    } else {
        say!(ctx, "{message}");
    }
}
