//! Which sites hold a ticket: its scope. A site holds the tickets it takes part in, those
//! registered there and those handed over to it; the central office, and a site set to hold
//! every ticket, hold all of them (the server keeps that setting, not the ticket).
//!
//! The scope is worked out from the ticket's own events, so the server, which decides where a
//! ticket goes when it is written, and every site that holds it agree on it.

use crate::event::{Event, EventKind};
use crate::ids::{SiteCode, TicketNumber};

/// The sites that hold ticket `number` with `events` (in the document's order): the site
/// that registered it, and each site it was handed over to; a site that handed it over with
/// `leave` no longer holds it, until it is handed back. Sorted, each once.
pub fn holders<'a>(
    number: &TicketNumber,
    events: impl IntoIterator<Item = &'a Event>,
) -> Vec<SiteCode> {
    let mut sites = vec![number.site().clone()];
    for event in events {
        if let EventKind::HandedOver { to, leave, .. } = &event.kind {
            if !sites.contains(to) {
                sites.push(to.clone());
            }
            if *leave && &event.site != to {
                sites.retain(|site| site != &event.site);
            }
        }
    }
    sites.sort();
    sites
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;

    fn site(code: &str) -> SiteCode {
        SiteCode::parse(code).unwrap()
    }

    fn hand_over(from: &str, to: &str, leave: bool) -> Event {
        Event::new(
            EventKind::HandedOver {
                to: site(to),
                units: Vec::new(),
                carrier: None,
                tracking: None,
                note: None,
                leave,
            },
            site(from),
            "ann",
            Utc::now(),
        )
    }

    #[test]
    fn a_ticket_is_held_where_it_was_registered_and_where_it_was_handed_over_to() {
        let number = TicketNumber::parse("WH1-2026-00001").unwrap();
        assert_eq!(holders(&number, &[]), vec![site("WH1")]);
        let there = [hand_over("WH1", "RC1", false)];
        assert_eq!(holders(&number, &there), vec![site("RC1"), site("WH1")]);
        let back = [hand_over("WH1", "RC1", false), hand_over("RC1", "WH1", false)];
        assert_eq!(holders(&number, &back), vec![site("RC1"), site("WH1")]);
        let moved = [hand_over("WH1", "WH2", true)];
        assert_eq!(holders(&number, &moved), vec![site("WH2")]);
        let returned = [hand_over("WH1", "WH2", true), hand_over("WH2", "WH1", false)];
        assert_eq!(holders(&number, &returned), vec![site("WH1"), site("WH2")]);
    }
}
