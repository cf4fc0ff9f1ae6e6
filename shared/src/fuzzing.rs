//! What the fuzz target runs (`shared/fuzz`, `cargo fuzz run push_body`), and the test that
//! replays its corpus in CI: untrusted bytes through the server's accept path. It must never
//! panic, whatever the bytes.

use std::sync::OnceLock;

use automerge::ActorId;
use chrono::DateTime;

use crate::event::{CustomerRequest, Event, EventKind};
use crate::ids::{EventId, SiteCode, TicketId, TicketNumber};
use crate::sync::{self, Heads, PushDoc, PushRequest, Pusher};
use crate::ticket::{Registration, TicketDoc};

/// Takes `data` as a push body, and as the bytes of one pushed ticket, the way the server
/// does: decoded, measured, and merged into nothing and into a stored ticket.
pub fn push_body(data: &[u8]) {
    let site = SiteCode::parse("WH1").expect("a valid site");
    let owns = |_: &ActorId| true;
    let pusher = Pusher {
        site: &site,
        owns: &owns,
    };
    let stored = || TicketDoc::load(stored_ticket()).expect("the stored ticket loads");
    if let Ok(request) = sync::decode::<PushRequest>(data) {
        for push in &request.docs {
            let _ = sync::accept(None, push, &pusher);
            let _ = sync::accept(Some(stored()), push, &pusher);
        }
    }
    let mut doc = stored();
    let heads = Heads::of(&mut doc);
    for base in [Heads::default(), heads] {
        let push = PushDoc {
            id: doc.id(),
            number: doc.number().clone(),
            base,
            bytes: data.to_vec(),
        };
        let _ = sync::accept(None, &push, &pusher);
        let _ = sync::accept(Some(stored()), &push, &pusher);
    }
}

/// A ticket the server holds, always the same bytes.
pub fn stored_ticket() -> &'static [u8] {
    static SAVED: OnceLock<Vec<u8>> = OnceLock::new();
    SAVED.get_or_init(|| {
        let site = SiteCode::parse("WH1").expect("a valid site");
        let at = DateTime::from_timestamp(1_790_000_000, 0).expect("a valid time");
        let mut registered = Event::new(EventKind::Registered, site, "ann", at);
        registered.id = EventId::from("0000000000000001");
        let mut doc = TicketDoc::create(
            TicketId::from_bytes([7; 16]),
            TicketNumber::parse("WH1-2026-00001").expect("a valid number"),
            &Registration {
                customer: "Acme".into(),
                contact: None,
                model: "X200".into(),
                quantity: 1,
                fault: "dead".into(),
                request: CustomerRequest::Repair,
                email: None,
                phone: None,
                customer_lang: None,
            },
            registered,
            ActorId::from(&b"fuzz"[..]),
        );
        doc.save()
    })
}
