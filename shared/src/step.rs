//! The steps of the regulation as requests: what a person asks for, every field typed, before
//! anything is looked up. The command line parses into a [`Step`], the bench page's forms
//! deserialize into one, and `rma-agent serve` receives it as it is; the agent applies it in a
//! person's name and answers with an [`Outcome`], which each front end says in the asker's
//! language ([`Outcome::lines`]).
//!
//! A request's field names are the command line's option names (`fault-type`,
//! `delivered-on`), which are also the bench page's form fields; a request with a field its
//! step does not have is refused, naming the field. What needs the store or the settings (the
//! units of a ticket "given alone", the default currency, the retention period) is left open
//! here and settled when the step is applied.
//!
//! - [`input`]: the typed values a person types (text, quantities, amounts, parts, dates).
//! - [`requests`]: one request per step, also its command's arguments.
//! - [`outcome`]: what applying a step did, in a person's words.

use serde::{Deserialize, Serialize};

use crate::i18n::{Lang, Localized};
use crate::ids::{TicketNumber, TicketOrUnit, UnitNumber};
use crate::people::Action;
use crate::tr;

mod input;
mod outcome;
mod requests;

pub use input::{
    Amount, InputError, Minutes, Quantity, Satisfaction, Text, Years, parse_date, parse_part,
    parse_reserved,
};
pub use outcome::{Outcome, status_line};
pub use requests::{
    Archive, Assess, Assign, Attach, Cancel, Close, Confirm, Cost, Edit, Forward, HandOver, Hold,
    Inspect, Intake, Move, Pack, PartsRequest, Receive, Repair, Resolve, Resume, Ship, ShipNotice,
};

/// One step of the regulation, as asked for. The wire name of each is its command's name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "step", content = "with", rename_all = "kebab-case")]
pub enum Step {
    Intake(Intake),
    Edit(Edit),
    Forward(Forward),
    Assess(Assess),
    Receive(Receive),
    Move(Move),
    Assign(Assign),
    Repair(Repair),
    PartsRequest(PartsRequest),
    Inspect(Inspect),
    ShipNotice(ShipNotice),
    Pack(Pack),
    Ship(Ship),
    Confirm(Confirm),
    Cost(Cost),
    Close(Close),
    Archive(Archive),
    Hold(Hold),
    Resume(Resume),
    Cancel(Cancel),
    Resolve(Resolve),
    HandOver(HandOver),
}

/// A source of requests: a posted form, say. `decode` reads one request from it and refuses
/// fields the request does not have, naming them.
pub trait Decode {
    fn decode<T: serde::de::DeserializeOwned>(&self) -> Result<T, String>;
}

/// Why a form or a hand-made request is not a step: its step is unknown, or a field is
/// missing, unknown or unreadable (the message names it).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BadRequest {
    NoSuchStep(String),
    Fields { step: &'static str, problem: String },
}

impl Localized for BadRequest {
    fn message(&self, lang: Lang) -> String {
        match self {
            Self::NoSuchStep(name) => tr!(lang, "step-unknown", step = name.as_str()),
            Self::Fields { step, problem } => tr!(
                lang,
                "step-bad-fields",
                step = *step,
                problem = problem.as_str()
            ),
        }
    }
}
crate::english_display!(BadRequest);

impl Step {
    /// The request of `action` read from a form (or another self-describing source) by
    /// `source`; a field the request lacks, one missing or unreadable is named.
    pub fn decode(action: Action, source: &impl Decode) -> Result<Self, BadRequest> {
        let step = action.command();
        let fields = |problem: String| BadRequest::Fields { step, problem };
        match action {
            Action::Intake => source.decode().map(Self::Intake),
            Action::Edit => source.decode().map(Self::Edit),
            Action::Forward => source.decode().map(Self::Forward),
            Action::Assess => source.decode().map(Self::Assess),
            Action::Receive => source.decode().map(Self::Receive),
            Action::Move => source.decode().map(Self::Move),
            Action::Assign => source.decode().map(Self::Assign),
            Action::Repair => source.decode().map(Self::Repair),
            Action::PartsRequest => source.decode().map(Self::PartsRequest),
            Action::Inspect => source.decode().map(Self::Inspect),
            Action::ShipNotice => source.decode().map(Self::ShipNotice),
            Action::Pack => source.decode().map(Self::Pack),
            Action::Ship => source.decode().map(Self::Ship),
            Action::Confirm => source.decode().map(Self::Confirm),
            Action::Cost => source.decode().map(Self::Cost),
            Action::Close => source.decode().map(Self::Close),
            Action::Archive => source.decode().map(Self::Archive),
            Action::Hold => source.decode().map(Self::Hold),
            Action::Resume => source.decode().map(Self::Resume),
            Action::Cancel => source.decode().map(Self::Cancel),
            Action::Resolve => source.decode().map(Self::Resolve),
            Action::HandOver => source.decode().map(Self::HandOver),
            Action::AuditCost
            | Action::Scan
            | Action::Label
            | Action::Attach
            | Action::NoteClock
            | Action::NoteSurvey
            | Action::NoteScope => {
                return Err(BadRequest::NoSuchStep(step.to_owned()));
            }
        }
        .map_err(fields)
    }

    /// The ticket the step is on (none for a registration: it makes the ticket).
    pub fn ticket(&self) -> Option<&TicketNumber> {
        fn first(what: &[TicketOrUnit]) -> Option<&TicketNumber> {
            what.first().map(TicketOrUnit::ticket)
        }
        match self {
            Self::Intake(_) => None,
            Self::Edit(s) => Some(&s.ticket),
            Self::Forward(s) => Some(&s.ticket),
            Self::Assess(s) => Some(&s.ticket),
            Self::Receive(s) => Some(&s.ticket),
            Self::Move(s) => Some(s.unit.ticket()),
            Self::Assign(s) => first(&s.what),
            Self::Repair(s) => Some(s.unit.ticket()),
            Self::PartsRequest(s) => Some(s.what.ticket()),
            Self::Inspect(s) => Some(s.unit.ticket()),
            Self::ShipNotice(s) => Some(&s.ticket),
            Self::Pack(s) => first(&s.what),
            Self::Ship(s) => Some(&s.ticket),
            Self::Confirm(s) => Some(&s.ticket),
            Self::Cost(s) => Some(&s.ticket),
            Self::Close(s) => Some(&s.ticket),
            Self::Archive(s) => Some(&s.ticket),
            Self::Hold(s) => Some(&s.ticket),
            Self::Cancel(s) => Some(&s.ticket),
            Self::Resume(s) => Some(&s.ticket),
            Self::Resolve(s) => Some(&s.ticket),
            Self::HandOver(s) => Some(&s.ticket),
        }
    }

    /// The one unit the step is on, if it is on one.
    pub fn unit(&self) -> Option<&UnitNumber> {
        match self {
            Self::Move(s) => Some(&s.unit),
            Self::Repair(s) => Some(&s.unit),
            Self::Inspect(s) => Some(&s.unit),
            Self::PartsRequest(s) => s.what.unit(),
            _ => None,
        }
    }

    /// Which duty of the regulation the step is (section 1).
    pub fn action(&self) -> Action {
        match self {
            Self::Intake(_) => Action::Intake,
            Self::Edit(_) => Action::Edit,
            Self::Forward(_) => Action::Forward,
            Self::Assess(_) => Action::Assess,
            Self::Receive(_) => Action::Receive,
            Self::Move(_) => Action::Move,
            Self::Assign(_) => Action::Assign,
            Self::Repair(_) => Action::Repair,
            Self::PartsRequest(_) => Action::PartsRequest,
            Self::Inspect(_) => Action::Inspect,
            Self::ShipNotice(_) => Action::ShipNotice,
            Self::Pack(_) => Action::Pack,
            Self::Ship(_) => Action::Ship,
            Self::Confirm(_) => Action::Confirm,
            Self::Cost(_) => Action::Cost,
            Self::Close(_) => Action::Close,
            Self::Archive(_) => Action::Archive,
            Self::Hold(_) => Action::Hold,
            Self::Resume(_) => Action::Resume,
            Self::Cancel(_) => Action::Cancel,
            Self::Resolve(_) => Action::Resolve,
            Self::HandOver(_) => Action::HandOver,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Form(&'static str);

    impl Decode for Form {
        fn decode<T: serde::de::DeserializeOwned>(&self) -> Result<T, String> {
            serde_json::from_str(self.0).map_err(|e| e.to_string())
        }
    }

    #[test]
    fn a_request_is_read_with_its_types_and_a_field_it_lacks_is_named() {
        let step = Step::decode(
            Action::Repair,
            &Form(
                r#"{"unit": "WH1-2026-00001-1", "steps": " new fuse ", "part": ["FUSE-5A:2", "CLIP"],
                    "minutes": 25, "unfinished": "on"}"#,
            ),
        )
        .unwrap();
        let Step::Repair(repair) = step else {
            panic!("{step:?}")
        };
        assert_eq!(repair.steps.as_str(), "new fuse");
        assert_eq!(repair.parts[0].quantity, 2);
        assert_eq!(repair.parts[1].quantity, 1);
        assert!(repair.unfinished);

        let err = Step::decode(
            Action::Hold,
            &Form(r#"{"ticket": "WH1-2026-00001", "reason": "x", "colour": "red"}"#),
        )
        .unwrap_err();
        assert!(err.message(Lang::En).contains("colour"), "{err}");
        let err = Step::decode(
            Action::Confirm,
            &Form(
                r#"{"ticket": "WH1-2026-00001",
            "delivered-on": "2026-12-01", "satisfaction": 9}"#,
            ),
        )
        .unwrap_err();
        assert!(err.message(Lang::En).contains('9'), "{err}");
        assert!(Step::decode(Action::Scan, &Form("{}")).is_err());
    }

    #[test]
    fn typed_values_refuse_what_a_person_could_mistype() {
        assert!("  ".parse::<Text>().is_err());
        assert!("12.5".parse::<Amount>().is_ok());
        assert!("-3".parse::<Amount>().is_ok());
        for bad in ["", "1,5", "abc", "1.2.3", "."] {
            assert!(bad.parse::<Amount>().is_err(), "{bad}");
        }
        assert!("0".parse::<Quantity>().is_err());
        assert!("10001".parse::<Quantity>().is_err());
        assert_eq!("3".parse::<Satisfaction>().unwrap().get(), 3);
        assert!(parse_part("FUSE:0").is_err());
        assert!(parse_date("2026-13-01").is_err());
    }
}
