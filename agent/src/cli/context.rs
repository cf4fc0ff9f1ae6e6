//! [`Context`]: what every subcommand works through: who asks and in which language, where
//! the data is, asking a request of the running serve or of the store itself, and printing.

use std::cell::OnceCell;
use std::path::{Path, PathBuf};

use anyhow::Result;
use rma_shared::i18n::Lang;

use super::Cli;
use crate::desk::{Asker, Desk};
use crate::local::{self, Ask, Sent};
use crate::settings::Settings;
use crate::store::{Store, StoreError};

/// What every subcommand needs: where the data is, how to print, who is asking.
#[derive(Debug)]
pub struct Context {
    pub data: PathBuf,
    pub json: bool,
    pub lang: Lang,
    pub asker: Asker,
    pub config: Option<PathBuf>,
    /// With no serve running, start one that stays this many minutes without a command and
    /// ask it (opening a large store once, in the serve, rather than here and then there).
    pub start_serve: Option<u32>,
    /// The store, once this process opened it (no serve held it).
    desk: OnceCell<Desk>,
}

/// A refusal a serve said in the asker's words already.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Said(pub String);

impl Context {
    pub fn new(cli: &Cli, lang: Lang) -> Self {
        Self {
            data: cli.data.clone(),
            json: cli.json,
            lang,
            asker: Asker {
                user: user_name(cli.user.as_deref()),
                lang,
                force: cli.force,
            },
            config: cli.config.clone(),
            start_serve: None,
            desk: OnceCell::new(),
        }
    }

    /// A context over a store this process holds (the demo's), asking nothing of a serve.
    pub fn holding(desk: Desk, json: bool, asker: Asker) -> Self {
        Self {
            data: desk.data().to_owned(),
            json,
            lang: asker.lang,
            asker,
            config: None,
            start_serve: None,
            desk: OnceCell::from(desk),
        }
    }

    /// Asks `ask` of the serve that holds the store, or, with none, of the store itself.
    pub fn ask<A: Ask + Clone>(&self, ask: A) -> Result<A::Answer> {
        if self.desk.get().is_none() {
            let settings = self.settings().ok();
            match local::send(&self.data, &self.asker, settings.as_ref(), ask.clone()) {
                Sent::Answered(answer) => return Ok(answer),
                Sent::Refused(reason) => return Err(Said(reason).into()),
                Sent::NotRunning => {}
            }
            // No serve: start one and ask it, if this command leaves one behind anyway (a
            // serve that cannot start, for a folder with no store say, leaves the asking to
            // the store opened here, which then says what is wrong).
            if let Some(minutes) = self.start_serve.filter(|m| *m > 0)
                && Store::exists(&self.data)
            {
                local::serve_in_background(&self.data, self.config.as_deref(), minutes);
                match local::send(&self.data, &self.asker, settings.as_ref(), ask.clone()) {
                    Sent::Answered(answer) => return Ok(answer),
                    Sent::Refused(reason) => return Err(Said(reason).into()),
                    Sent::NotRunning => {}
                }
            }
        }
        let desk = match self.desk() {
            Ok(desk) => desk,
            // A serve (started in the background by the command before, say) took the store
            // while this one looked: ask it there.
            Err(err)
                if err
                    .downcast_ref::<StoreError>()
                    .is_some_and(|e| matches!(e, StoreError::InUse(_))) =>
            {
                let settings = self.settings().ok();
                return match local::send(&self.data, &self.asker, settings.as_ref(), ask) {
                    Sent::Answered(answer) => Ok(answer),
                    Sent::Refused(reason) => Err(Said(reason).into()),
                    Sent::NotRunning => Err(err),
                };
            }
            Err(err) => return Err(err),
        };
        Ok(ask.answer(desk, &self.asker)?)
    }

    /// The store, opened by this process (once).
    pub fn desk(&self) -> Result<&Desk> {
        if let Some(desk) = self.desk.get() {
            return Ok(desk);
        }
        let store = Store::open(&self.data)?;
        // The store opened, so no serve holds it: an announcement left by one is stale.
        local::clear_stale(&self.data);
        let desk = Desk::new(store, &self.data, self.config.as_deref());
        Ok(self.desk.get_or_init(|| desk))
    }

    /// Whether this process opened the store itself.
    pub fn opened_store(&self) -> bool {
        self.desk.get().is_some()
    }

    /// The settings of this PC (the data folder's, or `--config`), with the environment's
    /// overrides.
    pub fn settings(&self) -> Result<Settings> {
        Ok(Settings::load(&self.data, self.config.as_deref())?)
    }

    /// Adds to the command's answer.
    pub fn write(&self, text: &str) {
        use std::io::Write as _;
        // A closed pipe (`rma-agent list | head`) is not an error of the command.
        let _ = std::io::stdout().lock().write_all(text.as_bytes());
    }

    /// Whether a person is watching this command's progress (a terminal, no JSON).
    pub fn watched(&self) -> bool {
        use std::io::IsTerminal as _;
        !self.json && std::io::stderr().is_terminal()
    }

    /// Prints a record as JSON.
    pub fn json(&self, value: &impl serde::Serialize) -> Result<()> {
        say!(self, "{}", serde_json::to_string_pretty(value)?);
        Ok(())
    }

    /// A file name given on the command line, as the person meant it: relative to their
    /// working folder (also when a serve, with a working folder of its own, uses it).
    pub fn path(&self, given: &Path) -> PathBuf {
        std::path::absolute(given).unwrap_or_else(|_| given.to_owned())
    }

    /// Ends the command. Every write was flushed when it was acknowledged, so the store is
    /// left without sled's shutdown work (a flush and joining its threads, ~10 ms on a large
    /// store): sled recovers from any stop, as it must after a crash.
    pub(crate) fn finish(self) {
        if let Some(desk) = self.desk.into_inner() {
            std::mem::forget(desk);
        }
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
