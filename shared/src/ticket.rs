//! One ticket as one Automerge document.
//!
//! Layout of the document (schema 1):
//! ```text
//! ROOT
//!   schema        1
//!   id            "3f0c…" (TicketId, 32 hex digits)
//!   number        "WH1-2026-00042"
//!   registration  { customer, contact, model, quantity, fault, request }   last-writer-wins
//!   events        [ "<event JSON>", … ]                                    append-only
//! ```
//! Events are immutable, so each is one string scalar: one operation per event instead of
//! one per field, which keeps documents small and loads fast. The registration map holds the
//! descriptive fields people may correct; a concurrent correction keeps every value
//! (see [`TicketDoc::registration_and_conflicts`]).

use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};

use automerge::transaction::{CommitOptions, Transactable};
use automerge::{
    ActorId, AutoCommit, Automerge, ChangeHash, LoadOptions, ObjId, ObjType, OnPartialLoad, ROOT,
    ReadDoc, ScalarValue, Value,
};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::bytes_check::ChunkKind;
use crate::event::{CustomerRequest, Event, EventKind, RegistrationField};
use crate::ids::{TicketId, TicketNumber};
use crate::workflow::{Refusal, Workflow};

const SCHEMA: u64 = 1;

/// The registration form (2.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Registration {
    pub customer: String,
    pub contact: Option<String>,
    pub model: String,
    pub quantity: u32,
    pub fault: String,
    pub request: CustomerRequest,
    /// The customer's e-mail address and mobile number, for notices about their return.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// The language the customer reads (their status page and notices).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub customer_lang: Option<crate::i18n::Lang>,
}

/// A registration field two sites changed concurrently: every value is kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldConflict {
    pub field: RegistrationField,
    pub values: Vec<String>,
}

/// The bytes are not a ticket document this version can read.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DocError {
    #[error("the data is not a readable ticket document ({0})")]
    Corrupt(String),
    #[error("the ticket document has no valid {0}")]
    Missing(&'static str),
    #[error("the changes build on changes this replica does not have yet")]
    MissingDeps,
    #[error("the ticket document uses schema {0}, newer than this program understands; update it")]
    NewerSchema(u64),
}

/// Why a step could not be recorded.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RecordError {
    #[error(transparent)]
    Refused(#[from] Refusal),
    #[error(transparent)]
    Doc(#[from] DocError),
}

/// A ticket document with its identity read once.
#[derive(Debug, Clone)]
pub struct TicketDoc {
    doc: AutoCommit,
    id: TicketId,
    number: TicketNumber,
    registration: ObjId,
    events: ObjId,
}

impl TicketDoc {
    /// A new ticket holding its registration and the `registered` event.
    pub fn create(
        id: TicketId,
        number: TicketNumber,
        registration: &Registration,
        registered: Event,
        actor: ActorId,
    ) -> Self {
        assert_eq!(
            registered.kind,
            EventKind::Registered,
            "a ticket starts registered"
        );
        let mut doc = AutoCommit::new().with_actor(actor);
        let put = |doc: &mut AutoCommit| -> Result<(ObjId, ObjId), automerge::AutomergeError> {
            doc.put(ROOT, "schema", SCHEMA)?;
            doc.put(ROOT, "id", id.to_string())?;
            doc.put(ROOT, "number", number.to_string())?;
            let reg = doc.put_object(ROOT, "registration", ObjType::Map)?;
            doc.put(&reg, "customer", registration.customer.as_str())?;
            if let Some(contact) = &registration.contact {
                doc.put(&reg, "contact", contact.as_str())?;
            }
            doc.put(&reg, "model", registration.model.as_str())?;
            doc.put(&reg, "quantity", u64::from(registration.quantity))?;
            doc.put(&reg, "fault", registration.fault.as_str())?;
            doc.put(&reg, "request", registration.request.key())?;
            if let Some(email) = &registration.email {
                doc.put(&reg, "email", email.as_str())?;
            }
            if let Some(phone) = &registration.phone {
                doc.put(&reg, "phone", phone.as_str())?;
            }
            if let Some(lang) = registration.customer_lang {
                doc.put(&reg, "customer_lang", lang.code())?;
            }
            let events = doc.put_object(ROOT, "events", ObjType::List)?;
            Ok((reg, events))
        };
        let (reg, events) = put(&mut doc).expect("writing a fresh document cannot fail");
        let mut ticket = Self {
            doc,
            id,
            number,
            registration: reg,
            events,
        };
        ticket.append(&registered);
        ticket
    }

    /// Reads a saved document (or any concatenation of saved chunks). Malformed bytes give an
    /// error, never a panic.
    pub fn load(bytes: &[u8]) -> Result<Self, DocError> {
        let doc = guard(|| AutoCommit::load(bytes))?;
        Self::from_doc(doc)
    }

    fn from_doc(doc: AutoCommit) -> Result<Self, DocError> {
        // The root's keys in one pass (a lookup per key costs as much as the pass).
        const KEYS: [&str; 5] = ["schema", "id", "number", "registration", "events"];
        let mut found: [Option<(Value<'static>, ObjId)>; 5] = Default::default();
        for item in doc.map_range(ROOT, ..) {
            let Some(slot) = KEYS.iter().position(|key| *key == item.key) else {
                continue;
            };
            // Two documents loaded into one show two concurrent values for these keys.
            if item.conflict && slot > 0 {
                return Err(DocError::Corrupt(format!(
                    "it mixes two tickets ({} differs)",
                    KEYS[slot]
                )));
            }
            found[slot] = Some((Value::from(item.value.clone()), item.id()));
        }
        let [schema, id, number, registration, events] = &found;
        let schema = match schema {
            Some((Value::Scalar(s), _)) => s.as_u64().ok_or(DocError::Missing("schema"))?,
            _ => return Err(DocError::Missing("schema")),
        };
        if schema > SCHEMA {
            return Err(DocError::NewerSchema(schema));
        }
        let text = |found: &Option<(Value, ObjId)>| match found {
            Some((Value::Scalar(s), _)) => s.as_str().map(str::to_owned),
            _ => None,
        };
        let id = text(id)
            .and_then(|s| TicketId::parse(&s).ok())
            .ok_or(DocError::Missing("id"))?;
        let number = text(number)
            .and_then(|s| TicketNumber::parse(&s).ok())
            .ok_or(DocError::Missing("number"))?;
        let object = |found: &Option<(Value, ObjId)>, key: &'static str, kind: ObjType| match found
        {
            Some((Value::Object(t), id)) if *t == kind => Ok(id.clone()),
            _ => Err(DocError::Missing(key)),
        };
        let registration = object(registration, "registration", ObjType::Map)?;
        let events = object(events, "events", ObjType::List)?;
        Ok(Self {
            doc,
            id,
            number,
            registration,
            events,
        })
    }

    pub fn id(&self) -> TicketId {
        self.id
    }

    pub fn number(&self) -> &TicketNumber {
        &self.number
    }

    /// Sets who writes the next changes (one actor per agent installation).
    pub fn set_actor(&mut self, actor: ActorId) {
        self.doc.set_actor(actor);
    }

    /// The registration form as it reads now (a concurrent correction shows one value here,
    /// chosen the same way on every replica, and all of them in
    /// [`Self::registration_and_conflicts`]).
    pub fn registration(&self) -> Result<Registration, DocError> {
        Ok(self.registration_and_conflicts()?.0)
    }

    /// [`Self::registration`] and the fields of the form given different values at the same
    /// time, each with all of them, read in one pass over the form.
    pub fn registration_and_conflicts(
        &self,
    ) -> Result<(Registration, Vec<FieldConflict>), DocError> {
        // One pass over the form: a `get` per field would seek each key from the start.
        let mut fields: [Option<Value<'static>>; REGISTRATION_KEYS.len()] = Default::default();
        let mut conflicted = Vec::new();
        for item in self.doc.map_range(&self.registration, ..) {
            if item.conflict {
                conflicted.push(item.key.to_string());
            }
            if let Some(at) = REGISTRATION_KEYS.iter().position(|k| *k == item.key) {
                fields[at] = Some(item.value.into_value());
            }
        }
        let [
            customer,
            contact,
            model,
            quantity,
            fault,
            request,
            email,
            phone,
            customer_lang,
        ] = fields;
        let text = |value: Option<Value<'static>>, key: &'static str| {
            value
                .and_then(|v| v.into_string().ok())
                .ok_or(DocError::Missing(key))
        };
        let quantity = quantity
            .as_ref()
            .and_then(Value::as_scalar)
            .and_then(ScalarValue::as_u64)
            .and_then(|q| u32::try_from(q).ok())
            .ok_or(DocError::Missing("quantity"))?;
        let request = serde_json::from_value(serde_json::Value::String(text(request, "request")?))
            .map_err(|_| DocError::Missing("request"))?;
        let registration = Registration {
            customer: text(customer, "customer")?,
            contact: contact.and_then(|v| v.into_string().ok()),
            model: text(model, "model")?,
            quantity,
            fault: text(fault, "fault")?,
            request,
            email: email.and_then(|v| v.into_string().ok()),
            phone: phone.and_then(|v| v.into_string().ok()),
            customer_lang: customer_lang
                .and_then(|v| v.into_string().ok())
                .and_then(|code| crate::i18n::Lang::parse(&code)),
        };
        Ok((registration, self.conflicts_among(&conflicted)))
    }

    /// The form's conflicting fields read on their own: what the tests hold the one-pass
    /// reading of [`Self::registration_and_conflicts`] to.
    #[cfg(test)]
    pub fn field_conflicts(&self) -> Vec<FieldConflict> {
        // One pass finds the fields with concurrent values; only those are read whole.
        let conflicted: Vec<String> = self
            .doc
            .map_range(&self.registration, ..)
            .filter(|item| item.conflict)
            .map(|item| item.key.into_owned())
            .collect();
        self.conflicts_among(&conflicted)
    }

    /// The fields among the form's keys `conflicted` that hold concurrent values, read whole.
    fn conflicts_among(&self, conflicted: &[String]) -> Vec<FieldConflict> {
        if conflicted.is_empty() {
            return Vec::new();
        }
        RegistrationField::ALL
            .into_iter()
            .filter(|field| conflicted.iter().any(|key| key == field.key()))
            .filter_map(|field| {
                let values = self.doc.get_all(&self.registration, field.key()).ok()?;
                (values.len() > 1).then(|| FieldConflict {
                    field,
                    values: values
                        .iter()
                        .filter_map(|(v, _)| v.as_str().map(str::to_owned))
                        .collect(),
                })
            })
            .collect()
    }

    /// Every event in document order. An entry this version cannot read (written by a newer
    /// version, or damaged) is returned as its raw text.
    pub fn events(&self) -> Vec<Result<Event, String>> {
        self.doc
            .values(&self.events)
            .map(|(value, _)| {
                let text = value.as_str().unwrap_or_default();
                serde_json::from_str(text).map_err(|_| text.to_owned())
            })
            .collect()
    }

    /// [`TicketDoc::events`] from entries read already ([`TicketDoc::event_entries`]), taking
    /// those in `parsed` (by entry id) as they were read.
    pub fn events_of(
        entries: Vec<(ObjId, String)>,
        parsed: &mut HashMap<ObjId, Event>,
    ) -> Vec<Result<Event, String>> {
        entries
            .into_iter()
            .map(|(id, text)| match parsed.remove(&id) {
                Some(event) => Ok(event),
                None => serde_json::from_str(&text).map_err(|_| text),
            })
            .collect()
    }

    /// The steps this version can read, each at the time it counts at (a step dated ahead of
    /// the server's clock counts at its arrival: [`crate::event::correct_clocks`]).
    pub fn readable_events(&self) -> Vec<Event> {
        let mut events: Vec<Event> = self.events().into_iter().filter_map(Result::ok).collect();
        crate::event::correct_clocks(&mut events);
        events
    }

    /// The derived state: status, units and conflicts.
    pub fn workflow(&self) -> Workflow {
        Workflow::derive(self.number.clone(), &self.readable_events())
    }

    /// Records one step if the regulation allows it now; otherwise changes nothing.
    pub fn record(&mut self, mut event: Event) -> Result<Workflow, RecordError> {
        let events = self.readable_events();
        let mut flow = Workflow::derive(self.number.clone(), &events);
        flow.apply(&event)?;
        match &mut event.kind {
            EventKind::Archived { covers, .. }
            | EventKind::HandedOver {
                leave: true,
                covers,
                ..
            } => *covers = events.iter().map(|e| e.id.clone()).collect(),
            _ => {}
        }
        if let EventKind::Edited { field, value } = &event.kind {
            self.doc
                .put(&self.registration, field.key(), value.as_str())
                .expect("the registration map exists");
        }
        self.append(&event);
        Ok(flow)
    }

    fn append(&mut self, event: &Event) {
        let json = serde_json::to_string(event).expect("events always serialise");
        let end = self.doc.length(&self.events);
        self.doc
            .insert(&self.events, end, ScalarValue::Str(json.into()))
            .expect("the events list exists");
        self.doc.commit_with(
            CommitOptions::default()
                .with_message(event.kind.name().to_owned())
                .with_time(event.at.timestamp()),
        );
    }

    /// The whole document, compacted.
    pub fn save(&mut self) -> Vec<u8> {
        self.doc.save()
    }

    /// The changes made since `heads`, as bytes [`Self::apply_bytes`] accepts.
    pub fn save_after(&mut self, heads: &[ChangeHash]) -> Vec<u8> {
        self.doc.save_after(heads)
    }

    pub fn heads(&mut self) -> Vec<ChangeHash> {
        self.doc.get_heads()
    }

    /// Takes in changes or a saved document of the same ticket from another replica.
    /// The bytes are checked strictly first (Automerge's own incremental load skips what it
    /// cannot parse), and nothing changes unless every change in them applies.
    pub fn apply_bytes(&mut self, bytes: &[u8]) -> Result<(), DocError> {
        // Each chunk is read alone: a saved document whole, a change as a change. (Loading
        // changes as if they were a document fails for their dependencies, which are in this
        // document, not in the bytes: Automerge logs that as an error.)
        let chunks =
            crate::bytes_check::chunks(bytes).map_err(|err| DocError::Corrupt(err.to_string()))?;
        for chunk in chunks {
            let read = catch_unwind(AssertUnwindSafe(|| match chunk.kind {
                ChunkKind::Document => {
                    let strict = LoadOptions::new().on_partial_load(OnPartialLoad::Error);
                    Automerge::load_with_options(chunk.bytes, strict)
                        .map(drop)
                        .map_err(|err| err.to_string())
                }
                ChunkKind::Change | ChunkKind::CompressedChange => {
                    automerge::Change::try_from(chunk.bytes)
                        .map(drop)
                        .map_err(|err| err.to_string())
                }
            }));
            match read {
                Ok(Ok(())) => {}
                Ok(Err(err)) => return Err(DocError::Corrupt(err)),
                Err(_) => {
                    return Err(DocError::Corrupt(
                        "automerge could not decode the bytes".into(),
                    ));
                }
            }
        }
        let mut copy = self.doc.clone();
        guard(|| copy.load_incremental(bytes))?;
        if !copy.get_missing_deps(&[]).is_empty() {
            return Err(DocError::MissingDeps);
        }
        let merged = Self::from_doc(copy)?;
        if merged.id != self.id {
            return Err(DocError::Corrupt(
                "the changes belong to another ticket".into(),
            ));
        }
        if merged.number != self.number {
            return Err(DocError::Corrupt(format!(
                "the changes renumber ticket {} as {}",
                self.number, merged.number
            )));
        }
        *self = merged;
        Ok(())
    }

    /// Merges another replica of the same ticket into this one.
    pub fn merge(&mut self, other: &mut TicketDoc) -> Result<(), DocError> {
        if other.id != self.id {
            return Err(DocError::Corrupt(
                "cannot merge two different tickets".into(),
            ));
        }
        guard(|| self.doc.merge(&mut other.doc))?;
        Ok(())
    }

    /// The Automerge actor of every change made since `heads` (every change, with no heads).
    pub fn actors_since(&mut self, heads: &[ChangeHash]) -> Vec<ActorId> {
        self.doc
            .get_changes_meta(heads)
            .into_iter()
            .map(|change| change.actor.into_owned())
            .collect()
    }

    /// Every event entry as it is stored: the id of the list element (which changes if the
    /// entry is overwritten) and its text. Events are only ever appended, so what a replica
    /// held must still be there, entry for entry, after any merge.
    pub fn event_entries(&self) -> Vec<(ObjId, String)> {
        self.doc
            .values(&self.events)
            .map(|(value, id)| (id, value.as_str().unwrap_or_default().to_owned()))
            .collect()
    }

    /// The underlying Automerge document, for sync and inspection.
    pub fn automerge(&mut self) -> &mut AutoCommit {
        &mut self.doc
    }
}

/// Runs an Automerge call on untrusted bytes so that neither an error nor a panic inside
/// Automerge can take the process down.
fn guard<T>(f: impl FnOnce() -> Result<T, automerge::AutomergeError>) -> Result<T, DocError> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(err)) => Err(DocError::Corrupt(err.to_string())),
        Err(_) => Err(DocError::Corrupt(
            "automerge could not decode the bytes".into(),
        )),
    }
}

/// The keys of the registration form, in the order [`TicketDoc::registration`] reads them.
const REGISTRATION_KEYS: [&str; 9] = [
    "customer",
    "contact",
    "model",
    "quantity",
    "fault",
    "request",
    "email",
    "phone",
    "customer_lang",
];

#[cfg(test)]
pub(crate) mod tests {
    use chrono::{DateTime, Utc};

    use super::*;
    use crate::event::Assessment;
    use crate::ids::SiteCode;

    fn site() -> SiteCode {
        SiteCode::parse("WH1").unwrap()
    }

    fn at(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_790_000_000 + secs, 0).unwrap()
    }

    pub(crate) fn sample() -> TicketDoc {
        let registration = Registration {
            customer: "Acme Ltd".into(),
            contact: Some("+86 555 0100".into()),
            model: "X200".into(),
            quantity: 2,
            fault: "screen flickers".into(),
            request: CustomerRequest::Repair,
            email: None,
            phone: None,
            customer_lang: None,
        };
        TicketDoc::create(
            TicketId::random(),
            TicketNumber::parse("WH1-2026-00001").unwrap(),
            &registration,
            Event::new(EventKind::Registered, site(), "ann", at(0)),
            ActorId::random(),
        )
    }

    #[test]
    fn a_saved_ticket_loads_back_with_its_events() {
        let mut ticket = sample();
        let assess = EventKind::Assessed(Assessment {
            handling: Some("swap screen".into()),
            ..Assessment::simple()
        });
        ticket
            .record(Event::new(assess, site(), "ann", at(60)))
            .unwrap();
        let bytes = ticket.save();
        let loaded = TicketDoc::load(&bytes).unwrap();
        assert_eq!(loaded.id(), ticket.id());
        assert_eq!(loaded.number(), ticket.number());
        assert_eq!(loaded.registration().unwrap().customer, "Acme Ltd");
        assert_eq!(loaded.events().len(), 2);
        assert_eq!(loaded.workflow().status(), crate::TicketStatus::Assessed);
    }

    #[test]
    fn a_refused_step_leaves_the_document_untouched() {
        let mut ticket = sample();
        let before = ticket.heads();
        let err = ticket
            .record(Event::new(EventKind::Resumed, site(), "ann", at(5)))
            .unwrap_err();
        assert!(matches!(err, RecordError::Refused(Refusal::NotHeld)));
        assert_eq!(ticket.heads(), before);
    }

    #[test]
    fn garbage_bytes_are_an_error_not_a_panic() {
        let mut good = sample().save();
        for bad in [&b""[..], b"not automerge", &good[..good.len() / 2]] {
            assert!(TicketDoc::load(bad).is_err());
        }
        good[20] ^= 0xff;
        assert!(TicketDoc::load(&good).is_err());
        let mut ticket = sample();
        assert!(ticket.apply_bytes(b"\x85\x6f\x4a\x83garbage").is_err());
    }

    #[test]
    fn concurrent_corrections_keep_every_value() {
        let mut a = sample();
        let mut b = TicketDoc::load(&a.save()).unwrap();
        b.set_actor(ActorId::random());
        let edit = |value: &str| EventKind::Edited {
            field: RegistrationField::Contact,
            value: value.into(),
        };
        a.record(Event::new(edit("+86 555 0101"), site(), "ann", at(10)))
            .unwrap();
        b.record(Event::new(edit("+86 555 0199"), site(), "bob", at(11)))
            .unwrap();
        a.merge(&mut b).unwrap();
        b.merge(&mut a).unwrap();
        let conflicts = a.field_conflicts();
        assert_eq!(conflicts.len(), 1);
        assert_eq!(conflicts[0].values.len(), 2);
        assert_eq!(a.registration().unwrap(), b.registration().unwrap());
        assert_eq!(a.events().len(), 3);
        // The form and its conflicts read in one pass, as the summary and the view take them.
        let (registration, in_one_pass) = a.registration_and_conflicts().unwrap();
        assert_eq!(registration, a.registration().unwrap());
        assert_eq!(in_one_pass, conflicts);
        let derived = crate::Derived::of(&a).unwrap();
        assert_eq!(derived.field_conflicts, conflicts);
        let summary = crate::TicketSummary::from_derived(&a, &derived);
        assert_eq!(
            summary.open_conflicts,
            derived.flow.open_conflicts().count() + 1
        );
        assert!(sample().registration_and_conflicts().unwrap().1.is_empty());
    }

    #[test]
    fn changes_from_another_ticket_are_refused() {
        let mut a = sample();
        let mut other = sample();
        let bytes = other.save();
        assert!(a.apply_bytes(&bytes).is_err());
        assert_eq!(a.events().len(), 1);
    }

    #[test]
    fn two_tickets_saved_as_one_document_do_not_load() {
        let mut a = sample();
        let mut other = sample();
        let mut both = a.automerge().fork();
        both.merge(other.automerge()).unwrap();
        let err = TicketDoc::load(&both.save()).map(|_| ()).unwrap_err();
        assert!(
            err.to_string().contains("mixes two tickets"),
            "refused as {err}"
        );
    }

    #[test]
    fn a_document_of_a_newer_schema_or_without_its_parts_does_not_load() {
        let mut newer = sample();
        newer.automerge().put(ROOT, "schema", SCHEMA + 1).unwrap();
        assert!(matches!(
            TicketDoc::load(&newer.save()),
            Err(DocError::NewerSchema(found)) if found == SCHEMA + 1
        ));
        for key in ["schema", "id", "number", "registration", "events"] {
            let mut without = sample();
            without.automerge().delete(ROOT, key).unwrap();
            assert!(
                matches!(TicketDoc::load(&without.save()), Err(DocError::Missing(missing)) if missing == key),
                "a document without {key} loads"
            );
        }
    }
}
