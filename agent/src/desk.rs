//! The agent's one core: a request applied to the store in a person's name. The command line
//! (in this process, or through `rma-agent serve`) and the bench page both come here with
//! typed requests ([`rma_shared::step::Step`], a scan, a question) and get typed answers or
//! typed refusals, which each front end says in the asker's language. Nothing here prints or
//! renders a page.
//!
//! - [`steps`]: the steps of the regulation.
//! - [`scan`]: a scanned label: an area, then units moved there; a unit or ticket shown.
//! - [`files`]: photos and documents kept with a ticket, and opened (fetched once if need be).
//! - [`queries`]: a ticket, a listing, the people, the sync state, what labels are made of.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use rma_shared::clock::{Reading, Stamp};
use rma_shared::event::EventKind;
use rma_shared::i18n::{Lang, Localized};
use rma_shared::money::MoneyError;
use rma_shared::people::Action;
use rma_shared::{
    Event, EventId, TicketDoc, TicketNumber, TicketOrUnit, TicketView, UnitNumber, UnitState, tr,
};
use serde::{Deserialize, Serialize};

use crate::settings::{Settings, SettingsError};
use crate::store::{Store, StoreError};
use crate::sync_client::SyncError;

pub mod files;
pub mod queries;
pub mod scan;
pub mod steps;

/// Who asks, and in which language they read the answer: with every request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Asker {
    pub user: String,
    pub lang: Lang,
    /// Record even though this PC's clock went back since its last sync (`--force`): the
    /// step is marked as recorded at an unsure time.
    #[serde(default)]
    pub force: bool,
}

/// Why a request was not done. Nothing is changed by a refused request.
#[derive(Debug, thiserror::Error)]
pub enum DeskError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Settings(#[from] SettingsError),
    #[error(transparent)]
    Money(#[from] MoneyError),
    #[error(transparent)]
    Sync(#[from] SyncError),
    #[error(transparent)]
    Printing(#[from] crate::printing::PrintingError),
    /// People are added and removed at the server's directory once enrolled.
    #[error("the people come from the server's directory")]
    DirectoryAtServer,
    /// Labels of areas where there are none.
    #[error("no storage areas")]
    NoAreas,
    #[error("no token given")]
    EmptyToken,
    #[error("the server refused the token")]
    TokenRefused { url: String, message: String },
    /// An edit that names no field.
    #[error("nothing to change")]
    NothingToEdit,
    /// A step on units that names none.
    #[error("no ticket or unit given")]
    NoUnitsGiven,
    /// Units of two tickets in one step.
    #[error("units of one ticket at a time")]
    UnitsOfTwoTickets,
    /// A ticket given alone whose units are not numbered yet.
    #[error("ticket {0} has no units yet")]
    NoUnitsYet(TicketNumber),
    /// A ticket and unit numbers mixed.
    #[error("ticket {0} alone, or unit numbers")]
    TicketOrUnits(TicketNumber),
    /// A scanned code that is no label.
    #[error(transparent)]
    Label(#[from] rma_shared::LabelError),
    /// A pre-printed label attached to no unit here.
    #[error("{0} is on no unit here")]
    LabelNotHere(String),
    /// A retention date past what the calendar holds.
    #[error("the retention date is out of range")]
    RetentionOutOfRange,
    #[error(transparent)]
    ClockWentBack(#[from] rma_shared::clock::WentBack),
    #[error(transparent)]
    File(#[from] rma_shared::files::FileError),
    #[error("cannot read {path}")]
    ReadFile {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// An attach that names no file.
    #[error("no file given")]
    NoFiles,
    #[error("ticket {0} has no file {1}")]
    NoSuchFile(TicketNumber, rma_shared::files::FileHash),
    /// A file kept at the office that could not be fetched now (offline, or not sent yet).
    #[error("the file is at the office, not here yet")]
    FileNotHere(TicketNumber),
    /// A step on a ticket this site does not hold, which the server says is held elsewhere.
    #[error("ticket {} is held at other sites", .0.number)]
    HeldElsewhere(rma_shared::sync::Whereabouts),
}

impl Localized for DeskError {
    fn message(&self, lang: Lang) -> String {
        match self {
            Self::Store(err) => err.message(lang),
            Self::Settings(err) => err.message(lang),
            Self::Money(err) => err.message(lang),
            Self::Sync(err) => err.message(lang),
            Self::Printing(err) => err.message(lang),
            Self::DirectoryAtServer => tr!(lang, "user-from-directory"),
            Self::NoAreas => tr!(lang, "out-no-areas"),
            Self::EmptyToken => tr!(lang, "enroll-empty-token"),
            Self::TokenRefused { url, message } => tr!(
                lang,
                "enroll-token-refused",
                url = url.as_str(),
                message = message.as_str()
            ),
            Self::NothingToEdit => tr!(lang, "edit-nothing"),
            Self::NoUnitsGiven => tr!(lang, "bench-no-target"),
            Self::UnitsOfTwoTickets => tr!(lang, "units-one-ticket"),
            Self::NoUnitsYet(ticket) => tr!(lang, "no-units-yet", ticket = ticket.to_string()),
            Self::TicketOrUnits(ticket) => {
                tr!(lang, "units-or-ticket", ticket = ticket.to_string())
            }
            Self::Label(err) => err.message(lang),
            Self::LabelNotHere(code) => tr!(lang, "label-not-here", code = code.as_str()),
            Self::RetentionOutOfRange => tr!(lang, "archive-retention-out-of-range"),
            Self::ClockWentBack(err) => err.message(lang),
            Self::File(err) => err.message(lang),
            Self::NoFiles => tr!(lang, "attach-no-files"),
            Self::HeldElsewhere(found) => {
                let sites: Vec<&str> = found.holders.iter().map(|s| s.as_str()).collect();
                tr!(
                    lang,
                    "step-held-elsewhere",
                    ticket = found.number.to_string(),
                    sites = sites.join(", "),
                    count = sites.len()
                )
            }
            Self::ReadFile { path, source } => {
                let said = tr!(lang, "attach-unreadable", path = path.display().to_string());
                match rma_store::files::io_problem(source, lang) {
                    Some(problem) => format!("{said}: {problem}"),
                    None => said,
                }
            }
            Self::NoSuchFile(ticket, hash) => tr!(
                lang,
                "attach-no-such-file",
                ticket = ticket.to_string(),
                hash = hash.to_string()
            ),
            Self::FileNotHere(ticket) => {
                tr!(lang, "attach-not-here", ticket = ticket.to_string())
            }
        }
    }
}

/// The errors of the agent a person may read, in `lang` (else those of its libraries): for
/// [`rma_shared::i18n::error_chain`].
pub fn localize(err: &(dyn std::error::Error + 'static), lang: Lang) -> Option<String> {
    use rma_shared::i18n::say;
    say::<DeskError>(err, lang)
        .or_else(|| say::<StoreError>(err, lang))
        .or_else(|| say::<SyncError>(err, lang))
        .or_else(|| say::<crate::http::CaError>(err, lang))
        .or_else(|| say::<crate::printing::PrintingError>(err, lang))
        .or_else(|| rma_labels::localize(err, lang))
        .or_else(|| rma_store::localize(err, lang))
}

/// An error and its causes, in `lang`.
pub fn say(err: &(dyn std::error::Error + 'static), lang: Lang) -> String {
    rma_shared::i18n::error_chain(err, lang, localize)
}

impl From<rma_store::tickets::TicketsError> for DeskError {
    fn from(err: rma_store::tickets::TicketsError) -> Self {
        Self::Store(err.into())
    }
}

impl From<rma_store::people::PeopleError> for DeskError {
    fn from(err: rma_store::people::PeopleError) -> Self {
        Self::Store(err.into())
    }
}

impl From<rma_store::kv::KvError> for DeskError {
    fn from(err: rma_store::kv::KvError) -> Self {
        Self::Store(err.into())
    }
}

impl DeskError {
    /// Whether the store itself failed (rather than the request being refused): logged.
    pub fn is_failure(&self) -> bool {
        matches!(
            self,
            Self::Store(
                StoreError::Kv(_)
                    | StoreError::Damaged { .. }
                    | StoreError::Folder { .. }
                    | StoreError::Backup(_)
            ) | Self::Settings(_)
        )
    }
}

/// The store of this PC with what applying a request needs: the data folder's settings and
/// the clock.
#[derive(Debug, Clone)]
pub struct Desk {
    store: Store,
    data: PathBuf,
    config: Option<PathBuf>,
    /// The settings of the command that asks, when a serve answers it: a command works the
    /// same whether a serve answers it or it opens the store itself.
    settings: Option<Settings>,
}

impl Desk {
    /// The desk over `store`, whose settings are `settings.toml` in `data` (or `config`).
    pub fn new(store: Store, data: &Path, config: Option<&Path>) -> Self {
        Self {
            store,
            data: data.to_owned(),
            config: config.map(Path::to_owned),
            settings: None,
        }
    }

    /// This desk, answering with the settings `asker` resolved (file and environment).
    pub fn with_settings(&self, settings: Settings) -> Self {
        Self {
            settings: Some(settings),
            ..self.clone()
        }
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn data(&self) -> &Path {
        &self.data
    }

    /// The settings in effect now: the asking command's, else the data folder's (read again,
    /// so an edit applies at once).
    pub fn settings(&self) -> Result<Settings, SettingsError> {
        match &self.settings {
            Some(settings) => Ok(settings.clone()),
            None => Settings::load(&self.data, self.config.as_deref()),
        }
    }

    /// The time now: this PC's clock corrected by the offset its last sync measured.
    pub fn now(&self) -> DateTime<Utc> {
        let local = Utc::now();
        match self.store.clock() {
            Ok(Some(reading)) => local + reading.offset(),
            _ => local,
        }
    }

    /// The time a step of `asker` is recorded at: corrected by the last offset measured, or
    /// refused if this PC's clock went back since (unless they force it).
    pub fn stamp(&self, asker: &Asker) -> Result<Stamp, DeskError> {
        let reading = self.store.clock()?;
        Ok(rma_shared::clock::stamp(
            Utc::now(),
            reading.as_ref(),
            asker.force,
        )?)
    }

    /// This PC's clock as last measured, when it is off the server's by more than the
    /// tolerance (people are told).
    pub fn clock_warning(&self) -> Result<Option<Reading>, DeskError> {
        let tolerance = chrono::Duration::minutes(self.settings()?.clock_tolerance_minutes.into());
        Ok(self
            .store
            .clock()?
            .filter(|reading| reading.off_by_more_than(tolerance)))
    }

    /// A ticket as the person reads it.
    pub fn view(&self, ticket: &TicketNumber) -> Result<TicketView, DeskError> {
        self.view_of(&self.store.load(ticket)?)
    }

    /// A ticket's document as the person reads it.
    pub fn view_of(&self, doc: &TicketDoc) -> Result<TicketView, DeskError> {
        let deadlines = self.settings()?.deadlines;
        TicketView::build(doc, &deadlines, self.now()).map_err(|source| {
            DeskError::Store(StoreError::Damaged {
                number: doc.number().to_string(),
                source,
            })
        })
    }

    /// The units a step names: the units given, or for a ticket given alone, its units in a
    /// state `wanted` accepts. When none is, all its units not yet shipped are named, so the
    /// rules refuse the step and say which unit is in the way.
    pub fn pick_units(
        &self,
        what: &[TicketOrUnit],
        wanted: impl Fn(UnitState) -> bool,
    ) -> Result<(TicketNumber, Vec<UnitNumber>), DeskError> {
        let Some(first) = what.first() else {
            return Err(DeskError::NoUnitsGiven);
        };
        let ticket = first.ticket().clone();
        if what.iter().any(|w| w.ticket() != &ticket) {
            return Err(DeskError::UnitsOfTwoTickets);
        }
        if let [TicketOrUnit::Ticket(_)] = what {
            let flow = self.store.load(&ticket)?.workflow();
            if flow.units.is_empty() {
                return Err(DeskError::NoUnitsYet(ticket));
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
                TicketOrUnit::Unit(unit) => Ok(unit.clone()),
                TicketOrUnit::Ticket(ticket) => Err(DeskError::TicketOrUnits(ticket.clone())),
            })
            .collect::<Result<_, _>>()?;
        Ok((ticket, units))
    }

    /// Records `kind` on `ticket` in the asker's name, if it is their duty and the regulation
    /// allows it now; returns the new event's id and the ticket with it.
    fn record(
        &self,
        asker: &Asker,
        ticket: &TicketNumber,
        kind: EventKind,
    ) -> Result<(EventId, TicketDoc), DeskError> {
        self.store.check_duty(&asker.user, Action::of(&kind))?;
        let stamp = self.stamp(asker)?;
        let event = Event::stamped(kind, self.store.site().clone(), &asker.user, stamp);
        let id = event.id.clone();
        let (doc, _) = self.store.record_event(ticket, event)?;
        Ok((id, doc))
    }
}
