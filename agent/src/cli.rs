//! The `rma-agent` command line: global options, one module per subcommand, and the
//! [`Context`] every subcommand works through.

use std::cell::OnceCell;
use std::path::PathBuf;

use anyhow::Result;
use chrono::Utc;
use clap::{Parser, Subcommand};
use rma_shared::event::PartLine;
use rma_shared::{AreaCode, LabelCode, TicketNumber, UnitNumber};

use crate::remote::{self, Forwarded};
use crate::serve::RunRequest;

/// Prints a line of a command's answer (to stdout, or to the buffer sent back by `serve`).
macro_rules! say {
    ($ctx:expr, $($arg:tt)*) => {
        $ctx.write(&format!("{}\n", format_args!($($arg)*)))
    };
}

use context::user_name;
pub use context::{Context, Sink};

mod archive;
mod area;
mod assess;
mod assign;
mod backup;
mod cancel;
mod close;
mod config;
mod confirm;
mod context;
mod cost;
pub mod demo;
mod edit;
mod enroll;
mod forward;
mod history;
mod hold;
mod init;
mod inspect;
mod intake;
mod label;
mod list;
mod move_unit;
mod pack;
mod parts_request;
mod receive;
mod repair;
mod resolve;
mod restore;
mod resume;
mod scan;
mod serve;
mod ship;
mod ship_notice;
mod show;
mod status;
mod sync;
mod user;

const EXAMPLES: &str = "\
Examples (one ticket from intake to archive):
  rma-agent init --site WH1
  rma-agent area add SHELF-A1 --name \"Returns shelf A1\"
  rma-agent intake --customer \"Acme Ltd\" --model X200 --quantity 2 --fault \"no power\" --request repair
  rma-agent assess WH1-2026-00001 --severity simple
  rma-agent receive WH1-2026-00001 --area SHELF-A1
  rma-agent assign WH1-2026-00001 --repairer Bob
  rma-agent repair WH1-2026-00001-1 --steps \"replaced fuse\" --part FUSE-5A:1 --minutes 25
  rma-agent inspect WH1-2026-00001-1 --pass
  rma-agent list --overdue
  rma-agent show WH1-2026-00001

Every command works offline. Add --json to get machine-readable output.";

/// The return-for-repair agent: every step of the regulation at the bench, offline.
#[derive(Debug, Parser)]
#[command(name = "rma-agent", version, about, after_help = EXAMPLES)]
pub struct Cli {
    /// The folder holding this PC's tickets.
    #[arg(
        long,
        global = true,
        env = "RMA_AGENT_DATA",
        default_value = "rma-agent-data"
    )]
    pub data: PathBuf,
    /// Print records as JSON instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    /// Your name, recorded with every step you take.
    #[arg(long, global = true, env = "RMA_USER")]
    pub user: Option<String>,
    /// A settings file to use instead of settings.toml in the data folder.
    #[arg(long, global = true, env = "RMA_AGENT_CONFIG")]
    pub config: Option<PathBuf>,
    /// The language of messages: en or zh-CN (else RMA_LANG, else LC_ALL / LC_MESSAGES /
    /// LANG, else `language` in settings.toml). Output for --json stays the same.
    #[arg(long, global = true, value_name = "LANG")]
    pub lang: Option<rma_shared::i18n::Lang>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Set up this PC as an agent for a site (once).
    Init(init::Args),
    /// Register a customer's return (regulation 2.1).
    Intake(intake::Args),
    /// Correct the customer, contact or fault description of a ticket.
    Edit(edit::Args),
    /// Pass the registration on to after-sales (2.2).
    Forward(forward::Args),
    /// Record the first assessment: simple, or complex with a joint repair plan (2.3).
    Assess(assess::Args),
    /// Check, number and store the units that arrived (2.4).
    Receive(receive::Args),
    /// Set up and list storage areas.
    #[command(subcommand)]
    Area(area::Command),
    /// Put a unit in a storage area.
    Move(move_unit::Args),
    /// Assign units to a repairer (3.1).
    Assign(assign::Args),
    /// Record a repair: steps, parts, time (3.2).
    Repair(repair::Args),
    /// Ask procurement for parts (3.2).
    PartsRequest(parts_request::Args),
    /// Record an inspection: pass (signed) or fail (back to repair) (3.4).
    Inspect(inspect::Args),
    /// Record the shipping method and date agreed with the customer (4.1).
    ShipNotice(ship_notice::Args),
    /// Pack units that passed inspection (4.2).
    Pack(pack::Args),
    /// Hand the package to the carrier, with its tracking number (4.3).
    Ship(ship::Args),
    /// Record the customer's confirmation of delivery and satisfaction (5.2).
    Confirm(confirm::Args),
    /// Add a line to the cost ledger (6).
    Cost(cost::Args),
    /// Close a ticket after the customer confirmed delivery.
    Close(close::Args),
    /// File a closed ticket in the archive with its keeper and retention (8).
    Archive(archive::Args),
    /// Pause work on a ticket.
    Hold(hold::Args),
    /// Continue work on a ticket on hold.
    Resume(resume::Args),
    /// Cancel a ticket that will not be repaired.
    Cancel(cancel::Args),
    /// Settle a conflict between steps taken offline at two sites.
    Resolve(resolve::Args),
    /// Show a ticket (or the ticket of a unit) with all its records.
    Show(show::Args),
    /// List tickets, newest first.
    List(list::Args),
    /// Show every step taken on a ticket, with who, where and when.
    History(history::Args),
    /// Show the settings in effect.
    Config(config::Args),
    /// Try it out: a demo site with tickets taken through the regulation.
    Demo(demo::Args),
    /// Keep this PC's agent running: commands answer faster through it, and it syncs in the
    /// background.
    Serve(serve::Args),
    /// Connect this agent to the central server with this site's token.
    Enroll(enroll::Args),
    /// Sync with the server now.
    Sync(sync::Args),
    /// Show the sync state: server, last sync, changes waiting, reachable or not.
    Status(status::Args),
    /// Copy this PC's whole store into one file, while the agent works.
    Backup(backup::Args),
    /// Bring back a store from a backup file, into a data folder with no store yet.
    Restore(restore::Args),
    /// Read scanned labels: an area then units moves them there; a unit or ticket shows it.
    Scan(scan::Args),
    /// Make QR labels for areas, units, tickets and packages (SVG, ZPL, TSPL).
    Label(label::Args),
    /// The people who sign in at this site's bench page.
    #[command(subcommand)]
    User(user::Command),
}

impl Command {
    /// Commands that must run in this process rather than through a running `serve`.
    fn runs_locally(&self) -> bool {
        matches!(
            self,
            Self::Init(_) | Self::Demo(_) | Self::Serve(_) | Self::Restore(_)
        )
    }
}

impl Cli {
    /// Runs the command: through the running `rma-agent serve` of this data folder if there
    /// is one, else here. `args` are the arguments after the program name, as typed.
    pub fn run(self, args: Vec<String>) -> Result<()> {
        if let Command::Scan(scan) = &self.command
            && scan.codes.is_empty()
        {
            let area = scan.area.clone();
            return self.scan_stdin(area);
        }
        // A new account's password is read here, where the person typed the command.
        let input = match &self.command {
            Command::User(command) => command
                .new_account()
                .map(|name| {
                    rma_shared::prompt::read_password(
                        "rma-agent",
                        name,
                        rma_shared::i18n::current(),
                    )
                })
                .transpose()?,
            _ => None,
        };
        let mut request = self.request(args);
        request.input.clone_from(&input);
        if !self.command.runs_locally()
            && let Forwarded::Done(answer) = remote::forward(&self.data, &request)
        {
            print!("{}", answer.stdout);
            return match answer.error {
                Some(error) => Err(anyhow::anyhow!(error)),
                None => Ok(()),
            };
        }
        let mut ctx = self.local_context()?;
        ctx.input = input;
        let keep_serving = if self.command.runs_locally() {
            0
        } else {
            ctx.settings().map_or(0, |s| s.keep_serving_minutes)
        };
        let result = ctx.dispatch(self.command);
        if keep_serving > 0 {
            // Closed properly, so the serve started next can take the store at once.
            drop(ctx);
        } else {
            ctx.finish();
        }
        // A serve (started in the background by the command before, say) took the store
        // while this one waited for it: nothing was done here, so it goes there.
        if let Err(err) = &result
            && err
                .downcast_ref::<crate::store::StoreError>()
                .is_some_and(|e| matches!(e, crate::store::StoreError::InUse(_)))
            && let Forwarded::Done(answer) = remote::forward(&self.data, &request)
        {
            print!("{}", answer.stdout);
            return match answer.error {
                Some(error) => Err(anyhow::anyhow!(error)),
                None => Ok(()),
            };
        }
        if keep_serving > 0 && result.is_ok() {
            crate::remote::serve_in_background(&self.data, self.config.as_deref(), keep_serving);
        }
        result
    }

    /// A command line for a running serve, with what this process resolved itself.
    fn request(&self, args: Vec<String>) -> RunRequest {
        RunRequest {
            args,
            user: user_name(self.user.as_deref()),
            config: self
                .config
                .as_ref()
                .map(|c| std::path::absolute(c).unwrap_or(c.clone())),
            env: std::env::vars()
                .filter(|(name, _)| {
                    name.starts_with("RMA_AGENT_")
                        || [
                            "RMA_LABEL_FONT",
                            "RMA_LANG",
                            "LC_ALL",
                            "LC_MESSAGES",
                            "LANG",
                        ]
                        .contains(&name.as_str())
                })
                .collect(),
            cwd: std::env::current_dir().ok(),
            input: None,
        }
    }

    /// The context of a command run in this process: its language, and the company's calendar
    /// (time zone, holidays) from the settings. A settings file that cannot be read is reported
    /// by the commands that read it; a calendar that cannot be used, here.
    fn local_context(&self) -> Result<Context> {
        let mut ctx = Context {
            data: self.data.clone(),
            json: self.json,
            user: self.user.clone(),
            config: self.config.clone(),
            now: Utc::now(),
            store: OnceCell::new(),
            out: Sink::Stdout,
            env: None,
            cwd: None,
            lang: rma_shared::i18n::Lang::En,
            settings: OnceCell::new(),
            input: None,
        };
        ctx.lang = ctx.resolve_lang(self.lang);
        rma_shared::i18n::set_current(ctx.lang);
        if let Ok(settings) = ctx.settings() {
            rma_shared::calendar::set_company(settings.company_calendar(&ctx.data)?);
        }
        Ok(ctx)
    }

    /// A scanning session on standard input. Each line is answered as it is scanned: through
    /// the running serve if there is one (the session keeps the current storage area), else
    /// on the store opened once for the whole session.
    fn scan_stdin(self, area: Option<AreaCode>) -> Result<()> {
        use std::io::BufRead as _;
        let mut session = scan::Session { area, failed: 0 };
        let mut local: Option<Context> = None;
        for line in std::io::stdin().lock().lines() {
            let line = line?;
            if line.trim().is_empty() {
                continue;
            }
            if local.is_none() {
                let mut args = Vec::new();
                if self.json {
                    args.push("--json".to_owned());
                }
                args.push("scan".to_owned());
                if let Some(area) = &session.area {
                    args.extend(["--area".to_owned(), area.to_string()]);
                }
                args.extend(["--".to_owned(), line.clone()]);
                match remote::forward(&self.data, &self.request(args)) {
                    Forwarded::Done(answer) => {
                        print!("{}", answer.stdout);
                        match answer.error {
                            Some(_) => session.failed += 1,
                            None => {
                                if let Ok(LabelCode::Area(area)) = LabelCode::parse(&line) {
                                    session.area = Some(area);
                                }
                            }
                        }
                        continue;
                    }
                    Forwarded::NotRunning => local = Some(self.local_context()?),
                }
            }
            if let Some(ctx) = &local {
                session.scan(ctx, &line);
            }
        }
        if let Some(ctx) = local {
            ctx.finish();
        }
        session.finish(rma_shared::i18n::current())
    }
}

impl Context {
    fn dispatch(&self, command: Command) -> Result<()> {
        let ctx = self;
        match command {
            Command::Init(args) => init::run(ctx, args),
            Command::Intake(args) => intake::run(ctx, args),
            Command::Edit(args) => edit::run(ctx, args),
            Command::Forward(args) => forward::run(ctx, args),
            Command::Assess(args) => assess::run(ctx, args),
            Command::Receive(args) => receive::run(ctx, args),
            Command::Area(cmd) => area::run(ctx, cmd),
            Command::Move(args) => move_unit::run(ctx, args),
            Command::Assign(args) => assign::run(ctx, args),
            Command::Repair(args) => repair::run(ctx, args),
            Command::PartsRequest(args) => parts_request::run(ctx, args),
            Command::Inspect(args) => inspect::run(ctx, args),
            Command::ShipNotice(args) => ship_notice::run(ctx, args),
            Command::Pack(args) => pack::run(ctx, args),
            Command::Ship(args) => ship::run(ctx, args),
            Command::Confirm(args) => confirm::run(ctx, args),
            Command::Cost(args) => cost::run(ctx, args),
            Command::Close(args) => close::run(ctx, args),
            Command::Archive(args) => archive::run(ctx, args),
            Command::Hold(args) => hold::run(ctx, args),
            Command::Resume(args) => resume::run(ctx, args),
            Command::Cancel(args) => cancel::run(ctx, args),
            Command::Resolve(args) => resolve::run(ctx, args),
            Command::Show(args) => show::run(ctx, args),
            Command::List(args) => list::run(ctx, args),
            Command::History(args) => history::run(ctx, args),
            Command::Config(args) => config::run(ctx, args),
            Command::Demo(args) => demo::run(ctx, args),
            Command::Serve(args) => serve::run(ctx, args),
            Command::Enroll(args) => enroll::run(ctx, args),
            Command::Sync(args) => sync::run(ctx, args),
            Command::Status(args) => status::run(ctx, args),
            Command::Backup(args) => backup::run(ctx, args),
            Command::Restore(args) => restore::run(ctx, args),
            Command::Scan(args) => scan::run(ctx, args),
            Command::Label(args) => label::run(ctx, args),
            Command::User(command) => user::run(ctx, command),
        }
    }

    /// Ends the command. Every write was flushed when it was acknowledged, so the store is
    /// left without sled's shutdown work (a flush and joining its threads, ~10 ms on a large
    /// store): sled recovers from any stop, as it must after a crash.
    pub(crate) fn finish(self) {
        if let Some(store) = self.store.into_inner() {
            std::mem::forget(store);
        }
    }
}

/// A ticket number or a unit number, as typed or scanned.
#[derive(Debug, Clone)]
pub enum TicketOrUnit {
    Ticket(TicketNumber),
    Unit(UnitNumber),
}

impl TicketOrUnit {
    pub fn ticket(&self) -> &TicketNumber {
        match self {
            Self::Ticket(t) => t,
            Self::Unit(u) => u.ticket(),
        }
    }
}

impl std::str::FromStr for TicketOrUnit {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        if let Ok(unit) = UnitNumber::parse(text) {
            return Ok(Self::Unit(unit));
        }
        TicketNumber::parse(text).map(Self::Ticket).map_err(|_| {
            rma_shared::tr!(
                rma_shared::i18n::current(),
                "arg-not-ticket-or-unit",
                text = text
            )
        })
    }
}

/// Reads `PART:QTY` (or just `PART` for one).
pub fn parse_part(text: &str) -> Result<PartLine, String> {
    let bad = || rma_shared::tr!(rma_shared::i18n::current(), "arg-not-a-part", text = text);
    let (part, quantity) = match text.rsplit_once(':') {
        Some((part, qty)) => (part, qty.trim().parse::<u32>().map_err(|_| bad())?),
        None => (text, 1),
    };
    if part.trim().is_empty() || quantity == 0 {
        return Err(bad());
    }
    Ok(PartLine {
        part: part.trim().to_owned(),
        quantity,
    })
}

/// Reads a non-empty line of text.
pub fn parse_text(text: &str) -> Result<String, String> {
    let text = text.trim();
    if text.is_empty() {
        Err(rma_shared::tr!(rma_shared::i18n::current(), "arg-empty"))
    } else {
        Ok(text.to_owned())
    }
}

/// Reads a date as YYYY-MM-DD.
pub fn parse_date(text: &str) -> Result<chrono::NaiveDate, String> {
    chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| rma_shared::tr!(rma_shared::i18n::current(), "arg-not-a-date", text = text))
}

#[cfg(test)]
mod help_tests {
    use clap::CommandFactory;

    /// Every command's description is in every catalogue.
    #[test]
    fn every_command_is_described_in_every_language() {
        let missing = rma_shared::i18n::undescribed(&super::Cli::command());
        assert!(missing.is_empty(), "not described: {missing:?}");
    }
}
