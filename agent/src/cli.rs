//! The `rma-agent` command line: global options, one module per subcommand, and the
//! [`Context`] every subcommand works through. A command parses its arguments into a typed
//! request, asks it (of the running serve, or of the store itself), and says the typed answer
//! in the person's language: text, or JSON with `--json`.

use std::path::PathBuf;

use anyhow::Result;
use clap::{Parser, Subcommand};
use rma_shared::i18n::Lang;
use rma_shared::step::{self, Step};

/// Prints a line of a command's answer.
macro_rules! say {
    ($ctx:expr, $($arg:tt)*) => {
        $ctx.write(&format!("{}\n", format_args!($($arg)*)))
    };
}

pub use context::Context;

mod area;
mod attach;
mod backup;
mod config;
mod context;
pub mod demo;
mod enroll;
mod history;
mod init;
mod label;
mod list;
mod receive;
mod restore;
mod scan;
mod serve;
mod show;
mod status;
mod steps;
mod stop;
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
    /// Record a step even though this PC's clock went back since its last sync (marked as
    /// recorded at an unsure time).
    #[arg(long, global = true)]
    pub force: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Set up this PC as an agent for a site (once).
    Init(init::Args),
    /// Register a customer's return (regulation 2.1).
    Intake(step::Intake),
    /// Correct the customer, contact or fault description of a ticket.
    Edit(step::Edit),
    /// Pass the registration on to after-sales (2.2).
    Forward(step::Forward),
    /// Record the first assessment: simple, or complex with a joint repair plan (2.3).
    Assess(step::Assess),
    /// Check, number and store the units that arrived (2.4).
    Receive(receive::Args),
    /// Set up and list storage areas.
    #[command(subcommand)]
    Area(area::Command),
    /// Put a unit in a storage area.
    Move(step::Move),
    /// Assign units to a repairer (3.1).
    Assign(step::Assign),
    /// Record a repair: steps, parts, time (3.2).
    Repair(step::Repair),
    /// Ask procurement for parts (3.2).
    PartsRequest(step::PartsRequest),
    /// Record an inspection: pass (signed) or fail (back to repair) (3.4).
    Inspect(step::Inspect),
    /// Record the shipping method and date agreed with the customer (4.1).
    ShipNotice(step::ShipNotice),
    /// Pack units that passed inspection (4.2).
    Pack(step::Pack),
    /// Hand the package to the carrier, with its tracking number (4.3).
    Ship(step::Ship),
    /// Send a ticket (and units) to another site, e.g. the repair centre, or back.
    HandOver(step::HandOver),
    /// Record the customer's confirmation of delivery and satisfaction (5.2).
    Confirm(step::Confirm),
    /// Add a line to the cost ledger (6).
    Cost(step::Cost),
    /// Close a ticket after the customer confirmed delivery.
    Close(step::Close),
    /// File a closed ticket in the archive with its keeper and retention (8).
    Archive(step::Archive),
    /// Pause work on a ticket.
    Hold(step::Hold),
    /// Continue work on a ticket on hold.
    Resume(step::Resume),
    /// Cancel a ticket that will not be repaired.
    Cancel(step::Cancel),
    /// Settle a conflict between steps taken offline at two sites.
    Resolve(step::Resolve),
    /// Keep photos or documents with a ticket or unit (offline; sent after the tickets).
    Attach(attach::Args),
    /// Get one of a ticket's photos or documents (fetched from the office if not here).
    File(attach::FileArgs),
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
    /// Stop the running serve of this data folder (`rma-agent status` says which one holds it).
    Stop(stop::Args),
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
            Self::Init(_)
                | Self::Demo(_)
                | Self::Serve(_)
                | Self::Restore(_)
                | Self::Config(_)
                | Self::Stop(_)
        )
    }
}

impl Cli {
    /// The language the person reads: `--lang`, else `RMA_LANG`, else the locale (`LC_ALL`,
    /// `LC_MESSAGES`, `LANG`), else the `language` setting, else English.
    pub fn language(&self) -> Lang {
        let var = |name: &str| std::env::var(name).ok();
        self.lang
            .or_else(|| var("RMA_LANG").and_then(|v| Lang::parse(&v)))
            .or_else(|| Lang::from_locale_env(var))
            .or_else(|| {
                crate::settings::Settings::load(&self.data, self.config.as_deref())
                    .ok()
                    .and_then(|s| s.language)
            })
            .unwrap_or_default()
    }

    /// Runs the command in `lang`: through the running `rma-agent serve` of this data folder
    /// if there is one, else on the store itself. A command that had to open the store
    /// leaves a serve in the background, so the next ones need not (`keep_serving_minutes`).
    pub fn run(self, lang: Lang) -> Result<()> {
        let mut ctx = Context::new(&self, lang);
        // Times, months and working days count in the company's calendar. A settings file
        // that cannot be read is reported by the commands that read it.
        if let Ok(settings) = ctx.settings() {
            rma_shared::calendar::set_company(settings.company_calendar(&self.data)?);
        }
        let keep_serving = if self.command.runs_locally() {
            0
        } else {
            ctx.settings().map_or(0, |s| s.keep_serving_minutes)
        };
        ctx.start_serve = Some(keep_serving);
        let result = ctx.dispatch(self.command);
        let opened = ctx.opened_store();
        if opened && keep_serving > 0 && result.is_ok() {
            // Closed properly, so the serve started next can take the store at once.
            drop(ctx);
            crate::local::serve_in_background(&self.data, self.config.as_deref(), keep_serving);
        } else {
            ctx.finish();
        }
        result
    }
}

impl Context {
    fn dispatch(&self, command: Command) -> Result<()> {
        let ctx = self;
        match command {
            Command::Init(args) => init::run(ctx, args),
            Command::Intake(step) => steps::run(ctx, Step::Intake(step)),
            Command::Edit(step) => steps::run(ctx, Step::Edit(step)),
            Command::Forward(step) => steps::run(ctx, Step::Forward(step)),
            Command::Assess(step) => steps::run(ctx, Step::Assess(step)),
            Command::Receive(args) => receive::run(ctx, args),
            Command::Area(cmd) => area::run(ctx, cmd),
            Command::Move(step) => steps::run(ctx, Step::Move(step)),
            Command::Assign(step) => steps::run(ctx, Step::Assign(step)),
            Command::Repair(step) => steps::run(ctx, Step::Repair(step)),
            Command::PartsRequest(step) => steps::run(ctx, Step::PartsRequest(step)),
            Command::Inspect(step) => steps::run(ctx, Step::Inspect(step)),
            Command::ShipNotice(step) => steps::run(ctx, Step::ShipNotice(step)),
            Command::Pack(step) => steps::run(ctx, Step::Pack(step)),
            Command::Ship(step) => steps::run(ctx, Step::Ship(step)),
            Command::HandOver(step) => steps::run(ctx, Step::HandOver(step)),
            Command::Confirm(step) => steps::run(ctx, Step::Confirm(step)),
            Command::Cost(step) => steps::run(ctx, Step::Cost(step)),
            Command::Close(step) => steps::run(ctx, Step::Close(step)),
            Command::Archive(step) => steps::run(ctx, Step::Archive(step)),
            Command::Hold(step) => steps::run(ctx, Step::Hold(step)),
            Command::Resume(step) => steps::run(ctx, Step::Resume(step)),
            Command::Cancel(step) => steps::run(ctx, Step::Cancel(step)),
            Command::Resolve(step) => steps::run(ctx, Step::Resolve(step)),
            Command::Attach(args) => attach::run(ctx, args),
            Command::File(args) => attach::run_file(ctx, args),
            Command::Show(args) => show::run(ctx, args),
            Command::List(args) => list::run(ctx, args),
            Command::History(args) => history::run(ctx, args),
            Command::Config(args) => config::run(ctx, args),
            Command::Demo(args) => demo::run(ctx, args),
            Command::Serve(args) => serve::run(ctx, args),
            Command::Stop(args) => stop::run(ctx, args),
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
