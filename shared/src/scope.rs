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
        hand_over(&mut sites, event);
    }
    sites.sort();
    sites
}

/// The events recorded at a site that did not hold the ticket at that point of its events
/// (a site the ticket had moved away from, or never came to). Whether such a step is outside
/// the scope also depends on whether the site holds every ticket, which the server decides.
pub fn recorded_outside<'a>(
    number: &TicketNumber,
    events: impl IntoIterator<Item = &'a Event>,
) -> Vec<&'a Event> {
    let mut sites = vec![number.site().clone()];
    let mut outside = Vec::new();
    for event in events {
        if !sites.contains(&event.site) {
            outside.push(event);
        }
        hand_over(&mut sites, event);
    }
    outside
}

fn hand_over(sites: &mut Vec<SiteCode>, event: &Event) {
    if let EventKind::HandedOver { to, leave, .. } = &event.kind {
        if !sites.contains(to) {
            sites.push(to.clone());
        }
        if *leave && &event.site != to {
            sites.retain(|site| site != &event.site);
        }
    }
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

    #[test]
    fn a_step_at_a_site_the_ticket_left_or_never_reached_is_recorded_outside() {
        let number = TicketNumber::parse("WH1-2026-00001").unwrap();
        let step = |at: &str| {
            Event::new(
                EventKind::Resumed,
                site(at),
                "bob",
                Utc::now(),
            )
        };
        let events = [
            step("WH1"),
            step("RC1"),
            hand_over("WH1", "RC1", true),
            step("RC1"),
            step("WH1"),
        ];
        let outside: Vec<&str> = recorded_outside(&number, &events)
            .iter()
            .map(|e| e.site.as_str())
            .collect();
        assert_eq!(outside, ["RC1", "WH1"]);
        assert_eq!(recorded_outside(&number, &events)[0].id, events[1].id);
        assert_eq!(recorded_outside(&number, &events)[1].id, events[4].id);
    }
}
