use std::io::BufRead;

use anyhow::{Result, bail};
use rma_shared::event::EventKind;
use rma_shared::{AreaCode, LabelCode};
use serde_json::json;

use super::Context;
use crate::output;
use rma_shared::tr;

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

/// The state of a scanning session: the storage area units go to, and how many scans failed.
#[derive(Debug, Default)]
pub struct Session {
    pub area: Option<AreaCode>,
    pub failed: usize,
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
    session.finish(ctx.lang)
}

impl Session {
    /// Reads one scanned line; what happened is reported, nothing stops the session.
    pub fn scan(&mut self, ctx: &Context, line: &str) {
        if line.trim().is_empty() {
            return;
        }
        match self.apply(ctx, line) {
            Ok((action, message)) => report(ctx, line, action, &message),
            Err(err) => {
                self.failed += 1;
                report(ctx, line, "error", &format!("{err:#}"));
            }
        }
    }

    fn apply(&mut self, ctx: &Context, line: &str) -> Result<(&'static str, String)> {
        let store = ctx.store()?;
        let code = match LabelCode::parse(line)? {
            // A pre-printed label stands for the unit it was attached to.
            LabelCode::Reserved(label) => {
                LabelCode::Unit(store.unit_of_label(&label)?.ok_or_else(|| {
                    anyhow::anyhow!(
                        "{}",
                        tr!(ctx.lang, "label-not-here", code = format!("L:{label}"))
                    )
                })?)
            }
            code => code,
        };
        let by = ctx.user();
        match &code {
            LabelCode::Area(area) => {
                store.require_area(area)?;
                self.area = Some(area.clone());
                Ok(("area", tr!(ctx.lang, "scan-area", area = area.to_string())))
            }
            LabelCode::Unit(unit) if self.area.is_some() => {
                let area = self.area.clone().expect("checked");
                let ticket = unit.ticket();
                let summary = store
                    .summary(ticket)?
                    .ok_or_else(|| anyhow::anyhow!("there is no ticket {ticket} here"))?;
                let here = summary
                    .units
                    .iter()
                    .any(|u| &u.number == unit && u.location.area() == Some(&area));
                if here {
                    return Ok((
                        "duplicate",
                        tr!(
                            ctx.lang,
                            "scan-already-in",
                            unit = unit.to_string(),
                            area = area.to_string()
                        ),
                    ));
                }
                let kind = EventKind::Moved {
                    unit: unit.clone(),
                    to: area.clone(),
                };
                let (_, flow) = store.record(ticket, kind, &by, ctx.now)?;
                Ok((
                    "moved",
                    tr!(
                        ctx.lang,
                        "scan-moved",
                        unit = unit.to_string(),
                        area = area.to_string(),
                        status = output::status_line(ticket, &flow, ctx.lang)
                    ),
                ))
            }
            _ => {
                let ticket = code.ticket().expect("area codes are handled above");
                let doc = store.load(ticket)?;
                let again = doc.events().last().is_some_and(|last| {
                    matches!(last, Ok(e) if e.by == by && e.kind == EventKind::Scanned { code: code.clone() })
                });
                if again {
                    return Ok((
                        "duplicate",
                        tr!(ctx.lang, "scan-just-scanned", code = code.to_string()),
                    ));
                }
                let (doc, flow) = store.record(
                    ticket,
                    EventKind::Scanned { code: code.clone() },
                    &by,
                    ctx.now,
                )?;
                let mut message = output::status_line(ticket, &flow, ctx.lang);
                if let LabelCode::Unit(unit) = &code
                    && let Some(u) = flow.unit(unit)
                {
                    let at = tr!(
                        ctx.lang,
                        "scan-unit-at",
                        unit = unit.to_string(),
                        state = u.state.label(ctx.lang),
                        place = u.location.label(ctx.lang)
                    );
                    message = format!("{at} {message}");
                }
                let customer = doc.registration().map(|r| r.customer).unwrap_or_default();
                let customer = tr!(ctx.lang, "scan-customer", customer = customer);
                Ok(("shown", format!("{message} {customer}")))
            }
        }
    }

    pub fn finish(&self, lang: rma_shared::i18n::Lang) -> Result<()> {
        if self.failed > 0 {
            bail!("{}", tr!(lang, "scan-failed", count = self.failed));
        }
        Ok(())
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
