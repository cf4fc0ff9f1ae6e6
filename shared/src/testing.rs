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
        email: None,
        phone: None,
        customer_lang: None,
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

/// The words of `text` a person would read as English: tokens of two or more Latin letters
/// that are not codes (they have digits), commands (`rma-…`, `--flags`, anything between
/// backticks) or `data` (what people typed, names of formats). What the Chinese tests check
/// is empty.
pub fn english_words(text: &str, data: &[&str]) -> Vec<String> {
    let mut outside = String::new();
    for (i, part) in text.split('`').enumerate() {
        if i % 2 == 0 {
            outside.push_str(part);
        }
    }
    outside
        .split(|c: char| !(c.is_ascii_alphanumeric() || "-_.'".contains(c)))
        .map(|token| token.trim_matches(['.', '\'']))
        .filter(|token| token.chars().filter(char::is_ascii_alphabetic).count() >= 2)
        .filter(|token| !token.chars().any(|c| c.is_ascii_digit()))
        .filter(|token| !token.starts_with("--") && !token.starts_with("rma-"))
        .filter(|token| {
            !data
                .iter()
                .any(|d| d.split_whitespace().any(|w| w == *token))
        })
        .map(str::to_owned)
        .collect()
}
