//! Which sites hold a ticket: its scope. A site holds the tickets it takes part in, those
//! registered there and those handed over to it; the central office, and a site set to hold
//! every ticket, hold all of them (the server keeps that setting, not the ticket).
//!
//! The scope is worked out from the ticket's own events, so the server, which decides where a
//! ticket goes when it is written, and every site that holds it agree on it.

use crate::event::{Event, EventKind};
use crate::ids::{EventId, SiteCode, TicketNumber};

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

/// Of the steps a push from `site` added (`added`), those made outside the ticket's scope:
/// `site` does not hold the ticket (`holders`, after the push), and the step is not one it
/// made before it let the ticket go (a hand-over with `leave` lists every step its copy
/// held). Whether the site holds every ticket, which makes nothing outside, is the server's
/// to say.
pub fn outside<'a>(
    site: &SiteCode,
    holders: &[SiteCode],
    events: &'a [Event],
    added: &std::collections::HashSet<EventId>,
) -> Vec<&'a EventId> {
    if holders.contains(site) {
        return Vec::new();
    }
    let mut before_leaving: std::collections::HashSet<&EventId> = Default::default();
    for event in events {
        if let EventKind::HandedOver {
            leave: true,
            covers,
            ..
        } = &event.kind
            && &event.site == site
        {
            before_leaving.insert(&event.id);
            before_leaving.extend(covers);
        }
    }
    events
        .iter()
        .filter(|e| &e.site == site && added.contains(&e.id) && !before_leaving.contains(&e.id))
        .map(|e| &e.id)
        .collect()
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
                covers: Vec::new(),
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
        let back = [
            hand_over("WH1", "RC1", false),
            hand_over("RC1", "WH1", false),
        ];
        assert_eq!(holders(&number, &back), vec![site("RC1"), site("WH1")]);
        let moved = [hand_over("WH1", "WH2", true)];
        assert_eq!(holders(&number, &moved), vec![site("WH2")]);
        let returned = [
            hand_over("WH1", "WH2", true),
            hand_over("WH2", "WH1", false),
        ];
        assert_eq!(holders(&number, &returned), vec![site("WH1"), site("WH2")]);
    }

    #[test]
    fn a_step_from_a_site_that_does_not_hold_the_ticket_is_outside_unless_made_before_it_left() {
        let step = |at: &str| Event::new(EventKind::Resumed, site(at), "bob", Utc::now());
        let before = step("WH1");
        let mut leaving = hand_over("WH1", "WH2", true);
        if let EventKind::HandedOver { covers, .. } = &mut leaving.kind {
            covers.push(before.id.clone());
        }
        let unaware = step("WH1");
        let stranger = step("WH3");
        let events = vec![
            before.clone(),
            unaware.clone(),
            leaving.clone(),
            stranger.clone(),
        ];
        let added = events.iter().map(|e| e.id.clone()).collect();
        let holders = [site("WH2")];
        assert_eq!(
            outside(&site("WH1"), &holders, &events, &added),
            vec![&unaware.id],
            "the step it made unaware of its own hand-over, wherever the merge placed it"
        );
        assert_eq!(
            outside(&site("WH3"), &holders, &events, &added),
            vec![&stranger.id]
        );
        assert!(outside(&site("WH2"), &holders, &events, &added).is_empty());
        let only_before = [before.id.clone()].into_iter().collect();
        assert!(outside(&site("WH1"), &holders, &events, &only_before).is_empty());
    }
}
