//! rma-shared: the domain of the return-for-repair product, shared by agent and server.
//! No I/O happens here.
//!
//! - [`ids`]: ticket, unit, site and storage-area codes, parsed once at the edge.
//! - [`label`]: the codes in QR labels, and reading them back from a scanner.
//! - [`money`]: amounts as integer minor units with their currency.
//! - [`clock`]: a PC's clock measured against the server's, and the time a step is
//!   recorded at.
//! - [`event`]: the workflow events, one per step of the regulation.
//! - [`files`]: photos and documents kept with a ticket: their references and limits.
//! - [`work`]: "my work", what waits for a role in a ticket.
//! - [`workflow`]: the rules; derives a ticket's and its units' state from its events and
//!   reports concurrent, incompatible events as conflicts.
//! - [`ticket`]: one ticket as one Automerge document.
//! - [`deadlines`]: the regulation's deadlines as settings, and which a ticket waits on.
//! - [`web`]: what the bench page and the office's pages tell browsers alike.
//! - [`view`]: the full ticket view and the summary kept in indexes.
//! - [`step`]: the steps of the regulation as typed requests, and what applying one did.
//! - [`sync`]: the sync protocol between agents and the server, without I/O.
//! - [`bytes_check`]: untrusted Automerge bytes measured before Automerge expands them.
//! - [`par`]: independent items (tickets) worked on every core, results in order.

pub mod analysis;
pub mod bytes_check;
pub mod calendar;
pub mod clock;
pub mod deadlines;
pub mod event;
pub mod files;
#[doc(hidden)]
pub mod fuzzing;
pub mod i18n;
pub mod ids;
pub mod label;
pub mod money;
#[cfg(feature = "openapi")]
mod openapi;
pub mod par;
pub mod people;
pub mod scope;
pub mod step;
pub mod sync;
#[cfg(any(test, feature = "test-support"))]
pub mod testing;
pub mod ticket;
pub mod view;
pub mod web;
pub mod work;
pub mod workflow;

pub use deadlines::{Deadline, DeadlineSettings, Pending};
pub use event::{Event, EventKind};
pub use ids::{
    AreaCode, EventId, IdError, SiteCode, TicketId, TicketNumber, TicketOrUnit, UnitNumber,
};
pub use label::{LabelCode, LabelError, Reserved};
pub use money::{Currency, Money};
pub use ticket::{DocError, RecordError, Registration, TicketDoc};
pub use view::{Derived, ListedTicket, TicketList, TicketSummary, TicketView, UnitBrief};
pub use workflow::{Conflict, Location, Refusal, TicketStatus, UnitState, Workflow};

/// The errors of this crate a person may read, in `lang`: for a front end's
/// [`i18n::error_chain`].
pub fn localize(err: &(dyn std::error::Error + 'static), lang: i18n::Lang) -> Option<String> {
    use i18n::say;
    say::<Refusal>(err, lang)
        .or_else(|| say::<IdError>(err, lang))
        .or_else(|| say::<LabelError>(err, lang))
        .or_else(|| say::<crate::money::MoneyError>(err, lang))
        .or_else(|| say::<crate::analysis::MonthError>(err, lang))
        .or_else(|| say::<crate::step::InputError>(err, lang))
        .or_else(|| say::<crate::step::BadRequest>(err, lang))
}

/// Re-exported so agent and server use the same Automerge as the documents.
pub use automerge;
