//! Builders the tests of every crate share (with the `test-support` feature): one way to make
//! a registration and a new ticket, instead of a copy per test file.

use automerge::ActorId;
use chrono::{DateTime, Utc};

use crate::event::{CustomerRequest, Event, EventKind};
use crate::ids::{SiteCode, TicketId, TicketNumber};
use crate::ticket::{Registration, TicketDoc};

/// One unit of model X200 from Acme, that does not power on, to be repaired.
pub fn registration() -> Registration {
    Registration {
        customer: "Acme".into(),
        contact: None,
        model: "X200".into(),
        quantity: 1,
        fault: "dead".into(),
        request: CustomerRequest::Repair,
    }
}

/// A new ticket of [`registration`], numbered `{site}-2026-{seq}`, registered at `at` by
/// the installation `actor`.
pub fn ticket(site: &SiteCode, seq: u32, actor: &ActorId, at: DateTime<Utc>) -> TicketDoc {
    TicketDoc::create(
        TicketId::random(),
        TicketNumber::new(site.clone(), 2026, seq),
        &registration(),
        Event::new(EventKind::Registered, site.clone(), "ann", at),
        actor.clone(),
    )
}
