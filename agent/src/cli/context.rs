//! [`Context`]: what every subcommand works through (the store, settings, who, when, and
//! where the answer goes), and running a command line sent to `rma-agent serve`.

use std::cell::{OnceCell, RefCell};
use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::{Context as _, Result, bail};
use chrono::{DateTime, Utc};
use clap::Parser;
use rma_shared::event::EventKind;
use rma_shared::i18n::Lang;
use rma_shared::{TicketDoc, TicketNumber, TicketView, UnitNumber, UnitState};

use super::{Cli, TicketOrUnit};
use crate::output;
use crate::remote;
use crate::serve::{RunRequest, RunResponse};
use crate::settings::Settings;
use crate::store::Store;

/// What every subcommand needs: where the data is, how to print, who is working, and when.
#[derive(Debug)]
pub struct Context {
    pub data: PathBuf,
    pub json: bool,
    pub(super) user: Option<String>,
    pub(super) config: Option<PathBuf>,
    pub now: DateTime<Utc>,
    pub(super) store: OnceCell<Store>,
    pub(super) out: Sink,
    /// The environment settings are read from, when not this process's (see `serve`).
    pub(super) env: Option<BTreeMap<String, String>>,
    /// The working folder of the command line that asked, when not this process's.
    pub(super) cwd: Option<PathBuf>,
    /// The language of what the command says.
    pub lang: Lang,
    /// The settings, read once per command.
    pub(super) settings: OnceCell<Settings>,
    /// What the command line read from standard input for the command (a new password).
    pub(super) input: Option<String>,
}

/// Where a command's answer goes.
#[derive(Debug)]
pub enum Sink {
    Stdout,
    /// Kept to be sent back to the client of `rma-agent serve`.
    Buffer(RefCell<String>),
}

impl Context {
    /// Adds to the command's answer.
    pub fn write(&self, text: &str) {
        match &self.out {
            Sink::Stdout => {
                use std::io::Write as _;
                // A closed pipe (`rma-agent list | head`) is not an error of the command.
                let _ = std::io::stdout().lock().write_all(text.as_bytes());
            }
            Sink::Buffer(buffer) => buffer.borrow_mut().push_str(text),
        }
    }

    /// A file name given on the command line, as the person meant it (relative to their
    /// working folder, also when a running serve does the work).
    pub fn path(&self, given: &std::path::Path) -> PathBuf {
        match &self.cwd {
            Some(cwd) if given.is_relative() => cwd.join(given),
            _ => given.to_owned(),
        }
    }

    /// Whether a person is watching this command's progress (a terminal, no JSON, not sent
    /// to a running serve).
    pub fn watched(&self) -> bool {
        use std::io::IsTerminal as _;
        !self.json && matches!(self.out, Sink::Stdout) && std::io::stderr().is_terminal()
    }

    /// Prints a record as JSON.
    pub fn json(&self, value: &impl serde::Serialize) -> Result<()> {
        say!(self, "{}", serde_json::to_string_pretty(value)?);
        Ok(())
    }

    /// The store, opened once per command.
    pub fn store(&self) -> Result<&Store> {
        if let Some(store) = self.store.get() {
            return Ok(store);
        }
        let store = Store::open(&self.data)?;
        // The store opened, so no serve holds it: an announcement left by one is stale.
        remote::clear_stale(&self.data);
        Ok(self.store.get_or_init(|| store))
    }

    /// The settings in effect, read once per command (a file that cannot be read is read
    /// again, and reported, by the next command step that needs it).
    pub fn settings(&self) -> Result<Settings> {
        if let Some(settings) = self.settings.get() {
            return Ok(settings.clone());
        }
        let file = self.config.as_deref();
        let settings = match &self.env {
            Some(env) => Settings::load_with_env(&self.data, file, |name| env.get(name).cloned())?,
            None => Settings::load(&self.data, file)?,
        };
        Ok(self.settings.get_or_init(|| settings).clone())
    }

    /// An environment variable of the command line that asked.
    pub fn var(&self, name: &str) -> Option<String> {
        match &self.env {
            Some(env) => env.get(name).cloned(),
            None => std::env::var(name).ok(),
        }
    }

    /// `--lang`, else `RMA_LANG`, else the locale (`LC_ALL`, `LC_MESSAGES`, `LANG`), else the
    /// `language` setting, else English: of the command line that asked.
    pub(super) fn resolve_lang(&self, given: Option<Lang>) -> Lang {
        given
            .or_else(|| self.var("RMA_LANG").and_then(|v| Lang::parse(&v)))
            .or_else(|| Lang::from_locale_env(|name| self.var(name)))
            .or_else(|| self.settings().ok().and_then(|s| s.language))
            .unwrap_or_default()
    }

    /// The person recorded with each step.
    pub fn user(&self) -> String {
        user_name(self.user.as_deref())
    }

    /// Runs a command line sent to `rma-agent serve`, on its open store.
    pub fn run_forwarded(data: &std::path::Path, store: Store, request: RunRequest) -> RunResponse {
        let argv = std::iter::once("rma-agent".to_owned()).chain(request.args);
        let cli = match Cli::try_parse_from(argv) {
            Ok(cli) => cli,
            Err(err) => {
                return RunResponse {
                    stdout: String::new(),
                    error: Some(err.to_string()),
                    code: 2,
                };
            }
        };
        if cli.command.runs_locally() {
            return RunResponse {
                stdout: String::new(),
                error: Some("this command cannot run while `rma-agent serve` holds the data folder; stop it first".into()),
                code: 1,
            };
        }
        let mut ctx = Context {
            data: data.to_owned(),
            json: cli.json,
            user: Some(request.user),
            config: request.config,
            now: Utc::now(),
            store: OnceCell::from(store),
            out: Sink::Buffer(RefCell::new(String::new())),
            env: Some(request.env),
            cwd: request.cwd,
            lang: Lang::En,
            settings: OnceCell::new(),
            input: request.input,
        };
        ctx.lang = ctx.resolve_lang(cli.lang);
        // Errors say themselves in the process's language: the one of the command line that
        // asked (commands from two languages at the same instant may share one).
        rma_shared::i18n::set_current(ctx.lang);
        let result = ctx.dispatch(cli.command);
        let stdout = match ctx.out {
            Sink::Buffer(buffer) => buffer.into_inner(),
            Sink::Stdout => String::new(),
        };
        match result {
            Ok(()) => RunResponse {
                stdout,
                error: None,
                code: 0,
            },
            Err(err) => RunResponse {
                stdout,
                error: Some(format!("{err:#}")),
                code: 1,
            },
        }
    }

    /// Records one step and reports it: `done` in words, or the whole ticket as JSON.
    pub fn record(&self, ticket: &TicketNumber, kind: EventKind, done: &str) -> Result<()> {
        let store = self.store()?;
        let (doc, flow) = store.record(ticket, kind, &self.user(), self.now)?;
        if self.json {
            return self.print_ticket(&doc);
        }
        say!(self, "{done}");
        say!(self, "{}", output::status_line(ticket, &flow, self.lang));
        Ok(())
    }

    /// Prints a ticket: the full view as JSON, or the readable summary.
    pub fn print_ticket(&self, doc: &TicketDoc) -> Result<()> {
        let settings = self.settings()?;
        let view = TicketView::build(doc, &settings.deadlines, self.now)
            .with_context(|| format!("ticket {} cannot be read", doc.number()))?;
        if self.json {
            self.json(&view)
        } else {
            self.write(&output::ticket(&view, self.lang));
            Ok(())
        }
    }
}

impl Context {
    /// The units a command names: the units given, or for a ticket given alone, its units in a
    /// state `wanted` accepts. When none is, all its units not yet shipped are named, so the
    /// rules refuse the step and say which unit is in the way.
    pub fn pick_units(
        &self,
        what: &[TicketOrUnit],
        wanted: impl Fn(UnitState) -> bool,
    ) -> Result<(TicketNumber, Vec<UnitNumber>)> {
        let ticket = what[0].ticket().clone();
        if what.iter().any(|w| w.ticket() != &ticket) {
            bail!("{}", rma_shared::tr!(self.lang, "units-one-ticket"));
        }
        if let [TicketOrUnit::Ticket(_)] = what {
            let flow = self.store()?.load(&ticket)?.workflow();
            if flow.units.is_empty() {
                bail!(
                    "{}",
                    rma_shared::tr!(self.lang, "no-units-yet", ticket = ticket.to_string())
                );
            }
            let numbers = |pick: &dyn Fn(UnitState) -> bool| -> Vec<UnitNumber> {
                flow.units
                    .iter()
                    .filter(|u| pick(u.state))
                    .map(|u| u.number.clone())
                    .collect()
            };
            let picked = numbers(&wanted);
            let units = if picked.is_empty() {
                numbers(&|state| state != UnitState::Shipped)
            } else {
                picked
            };
            return Ok((ticket, units));
        }
        let units = what
            .iter()
            .map(|w| match w {
                TicketOrUnit::Unit(u) => Ok(u.clone()),
                TicketOrUnit::Ticket(t) => {
                    bail!(
                        "{}",
                        rma_shared::tr!(self.lang, "units-or-ticket", ticket = t.to_string())
                    )
                }
            })
            .collect::<Result<_>>()?;
        Ok((ticket, units))
    }
}

/// `--user`, else the login name.
pub(super) fn user_name(given: Option<&str>) -> String {
    given
        .map(str::to_owned)
        .or_else(|| std::env::var("USER").ok())
        .or_else(|| std::env::var("USERNAME").ok())
        .filter(|name| !name.trim().is_empty())
        .unwrap_or_else(|| "unknown".into())
}
