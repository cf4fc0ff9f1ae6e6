//! What a person asks of the store besides the steps: a ticket, a listing, the people, the
//! sync state, the data for labels, and the bookkeeping of enrolment, sync and printing.

use std::collections::BTreeMap;
use std::time::Duration;

use rma_shared::event::EventKind;
use rma_shared::people::{Account, Role};
use rma_shared::{
    AreaCode, LabelCode, SiteCode, TicketList, TicketNumber, TicketStatus, TicketView,
};
use rma_store::tickets::Gone;
use serde::{Deserialize, Serialize};

use super::{Asker, Desk, DeskError};
use crate::printing::{LabelData, Labels};
use crate::store::{LastSync, ListFilter, Refused, ServerLink, StoreError};
use crate::sync_client::{self, Progress, Report, SyncError};

/// A ticket asked for: kept here, or filed at the central office (regulation 8: read there
/// with a grant).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kept", rename_all = "snake_case")]
pub enum Shown {
    Here(Box<TicketView>),
    AtServer(Gone),
    /// Not held at this site: where the server says it is (read-only, nothing of the
    /// customer).
    Elsewhere(rma_shared::sync::Whereabouts),
}

/// Tickets, newest first: every filter given must match.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct List {
    pub status: Option<TicketStatus>,
    pub model: Option<String>,
    pub area: Option<AreaCode>,
    pub overdue: bool,
    /// At most this many (0: all).
    pub limit: usize,
}

/// This agent's sync state.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StatusReport {
    pub site: SiteCode,
    pub server: Option<String>,
    pub last_sync: Option<LastSync>,
    pub pending: usize,
    pub refused: Vec<Refused>,
    /// Whether the server answered just now (None: no server).
    pub reachable: Option<bool>,
    /// This PC's clock against the server's, as last measured.
    #[serde(default)]
    pub clock: Option<rma_shared::clock::Reading>,
    /// Photos and documents still to send or fetch.
    #[serde(default)]
    pub files: crate::store::FilesWaiting,
}

impl Desk {
    /// A ticket with every record, or where it went.
    pub fn show(&self, ticket: &TicketNumber) -> Result<Shown, DeskError> {
        if let Some(gone) = self.store().tickets().gone(ticket)? {
            return Ok(Shown::AtServer(gone));
        }
        match self.view(ticket) {
            Ok(view) => Ok(Shown::Here(Box::new(view))),
            Err(DeskError::Store(StoreError::UnknownTicket(number))) => self
                .whereabouts(&number)
                .map(Shown::Elsewhere)
                .ok_or(DeskError::Store(StoreError::UnknownTicket(number))),
            Err(other) => Err(other),
        }
    }

    /// Where the server says a ticket this site does not hold is, if this site is enrolled,
    /// the server answers and knows the ticket.
    pub fn whereabouts(&self, ticket: &TicketNumber) -> Option<rma_shared::sync::Whereabouts> {
        match sync_client::lookup(self.store(), ticket) {
            Ok(found) => found,
            Err(err) => {
                tracing::info!(%ticket, error = %err, "the server could not be asked where the ticket is");
                None
            }
        }
    }

    /// Tickets matching `query`, newest first, with the deadlines each is past now.
    pub fn list(&self, query: List) -> Result<TicketList, DeskError> {
        let deadlines = self.settings()?.deadlines;
        let now = self.now();
        let filter = ListFilter {
            status: query.status,
            model: query.model,
            area: query.area,
            overdue_at: query.overdue.then_some(now),
            limit: query.limit,
            ..ListFilter::default()
        };
        let listing = self.store().list(&filter, &deadlines)?;
        Ok(listing.page(&deadlines, now))
    }

    /// Adds a person who signs in here: only an agent without a server keeps its own.
    pub fn add_user(&self, name: &str, role: Role, password: &str) -> Result<Account, DeskError> {
        self.own_directory()?;
        Ok(self
            .store()
            .people()
            .add(name, role, password, self.now())?)
    }

    /// Removes a person (no server only); their sessions end at once.
    pub fn remove_user(&self, name: &str) -> Result<(), DeskError> {
        self.own_directory()?;
        Ok(self.store().people().remove(name)?)
    }

    /// An enrolled agent takes its people from the server's directory.
    fn own_directory(&self) -> Result<(), DeskError> {
        match self.store().server()? {
            Some(_) => Err(DeskError::DirectoryAtServer),
            None => Ok(()),
        }
    }

    /// One sync round with the server now, asked for by a person: its bookkeeping (when,
    /// the clock's reading) is on disk before the answer, unlike a background round's.
    pub fn sync(&self, progress: &mut dyn FnMut(Progress)) -> Result<Report, DeskError> {
        let batch = self.settings()?.push_batch as usize;
        let mut report = sync_client::sync_once(self.store(), batch, progress)?;
        // The files after the tickets, which are synced whatever becomes of them.
        match sync_client::sync_files(self.store()) {
            Ok(files) => report.files = files,
            Err(err) => {
                tracing::warn!(error = %err, "files wait for the next sync");
                report.files_error = Some(err.to_string());
            }
        }
        report.files_waiting = self.store().files_waiting()?;
        self.store().flush()?;
        Ok(report)
    }

    /// The sync state, with whether the server answers now.
    pub fn status(&self) -> Result<StatusReport, DeskError> {
        let store = self.store();
        let link = store.server()?;
        let reachable = link.as_ref().map(|link| {
            crate::http::client(link.ca_cert.as_deref(), Duration::from_secs(3))
                .get(format!("{}/api/v1/health", link.url))
                .send()
                .ok()
                .is_some_and(|r| r.status().is_success())
        });
        Ok(StatusReport {
            site: store.site().clone(),
            server: link.map(|l| l.url),
            last_sync: store.last_sync()?,
            pending: store.pending()?.len(),
            refused: store.refusals()?,
            reachable,
            clock: store.clock()?,
            files: store.files_waiting()?,
        })
    }

    /// Connects this agent to `server` with its site's token (checked with the server when
    /// it answers; kept either way). Returns whether the server answered.
    pub fn enroll(
        &self,
        server: String,
        token: String,
        ca_cert: Option<String>,
    ) -> Result<bool, DeskError> {
        let store = self.store();
        let (link, reachable, clock) = check_link(store.site(), server, token, ca_cert)?;
        store.set_server(&link)?;
        if let Some(measured) = clock {
            store.set_clock(&measured)?;
        }
        if reachable {
            // The server takes changes from this installation only once it is bound to the
            // site (an unreachable server binds it at the first sync).
            let connection = sync_client::Connection::open(store)?;
            sync_client::ensure_bound(store, &connection)?;
        }
        Ok(reachable)
    }

    /// What the labels asked for are made from.
    pub fn labels(&self, wanted: Labels) -> Result<LabelData, DeskError> {
        let store = self.store();
        Ok(match wanted {
            Labels::Areas { code } => {
                let mut areas = store.area_names()?;
                if let Some(code) = code {
                    store.require_area(&code)?;
                    areas.retain(|a| a.code == code);
                }
                if areas.is_empty() {
                    return Err(DeskError::NoAreas);
                }
                LabelData::Areas { areas }
            }
            Labels::Unit { unit } => {
                let ticket = self.view(unit.ticket())?;
                if !ticket.units.iter().any(|u| u.status.number == unit) {
                    return Err(DeskError::Store(StoreError::Refused(
                        rma_shared::Refusal::UnknownUnit { unit },
                    )));
                }
                LabelData::Ticket {
                    ticket: Box::new(ticket),
                }
            }
            Labels::Ticket { ticket } => {
                let view = self.view(&ticket)?;
                if view.units.is_empty() {
                    return Err(DeskError::NoUnitsYet(ticket));
                }
                LabelData::Ticket {
                    ticket: Box::new(view),
                }
            }
            Labels::Package { ticket } => LabelData::Ticket {
                ticket: Box::new(self.view(&ticket)?),
            },
            Labels::Blank { count } => LabelData::Blank {
                codes: store.reserve_labels(count)?,
            },
        })
    }

    /// Notes in each ticket which of its labels were printed; returns the tickets it could
    /// not note it in, with why (the labels are printed either way).
    pub fn note_printed(
        &self,
        asker: &Asker,
        codes: &[LabelCode],
        copies: u32,
        printer: &str,
    ) -> Vec<(TicketNumber, String)> {
        let mut by_ticket: BTreeMap<TicketNumber, Vec<LabelCode>> = BTreeMap::new();
        for code in codes {
            if let Some(ticket) = code.ticket() {
                by_ticket
                    .entry(ticket.clone())
                    .or_default()
                    .push(code.clone());
            }
        }
        let mut missed = Vec::new();
        for (ticket, codes) in by_ticket {
            let kind = EventKind::LabelsPrinted {
                codes,
                copies,
                printer: printer.to_owned(),
            };
            if let Err(err) = self.record(asker, &ticket, kind) {
                missed.push((
                    ticket,
                    rma_shared::i18n::Localized::message(&err, asker.lang),
                ));
            }
        }
        missed
    }
}

/// Checks a server's address and a site's token with the server when it can be reached.
/// Returns the link to keep, whether the server answered, and this PC's clock against the
/// server's as the answer measured it.
pub fn check_link(
    site: &SiteCode,
    server: String,
    token: String,
    ca_cert: Option<String>,
) -> Result<(ServerLink, bool, Option<rma_shared::clock::Reading>), DeskError> {
    let token = token.trim().to_owned();
    if token.is_empty() {
        return Err(DeskError::EmptyToken);
    }
    let link = ServerLink {
        url: server,
        token,
        ca_cert,
    };
    match sync_client::check_link(&link, site) {
        Ok((reachable, clock)) => Ok((link, reachable, clock)),
        Err(SyncError::Refused { message, .. }) => Err(DeskError::TokenRefused {
            url: link.url,
            message,
        }),
        Err(err) => Err(err.into()),
    }
}
