//! The outbox of notices to customers (regulation 4.1: the shipping method and date agreed;
//! 4.3: the tracking number; 5.1-5.2: the satisfaction survey once the ticket is closed).
//!
//! A push that brings a ticket one of these steps puts a notice per address (e-mail, mobile)
//! in the outbox, in the same write as the ticket: its key is made of the ticket, the step's
//! event and the channel, so a step gives one notice however often it arrives, at whichever
//! server on the database. Servers take notices out to send them under the store's one writer,
//! with a lease: a server that dies mid-send leaves the notice to be taken again when its
//! lease ends (the one case a message may go twice, with the same Message-ID).
//!
//! ```text
//! out:{sortable number}\0{event id}\0{channel}   a notice (JSON)
//! outdue:{time, ms BE}{notice key}               a notice waiting, due then (or being sent,
//!                                                until its lease ends)
//! outlog:{made, ms BE}{notice key}               every notice, in the order they were made
//! ```
//! A ticket disposed of at the end of its retention takes its notices (the customer's
//! addresses) with it.

use std::collections::HashSet;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use rma_shared::event::EventKind;
use rma_shared::i18n::Lang;
use rma_shared::{Derived, EventId, TicketNumber};
use rma_store::kv::Batch;
use rma_store::tickets::sortable;
use serde::{Deserialize, Serialize};

use super::*;

const NOTICE: &str = "out:";
const DUE: &[u8] = b"outdue:";
const LOG: &[u8] = b"outlog:";

/// A step older than this when it reaches the server gets no notice: the customer heard of
/// it long ago (tickets from before notices were set up, a site offline for weeks).
pub const NOTICE_WINDOW_DAYS: i64 = 14;

/// How a notice reaches the customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Email,
    Sms,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::Sms => "sms",
        }
    }
}

/// What a notice tells the customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "about", rename_all = "snake_case")]
pub enum About {
    /// 4.1: the method and date of shipping agreed.
    ShippingAgreed { method: String, date: NaiveDate },
    /// 4.3: handed to the carrier, with the tracking number.
    Shipped { carrier: String, tracking: String },
    /// The return is closed: the satisfaction survey's link.
    Closed,
}

impl About {
    /// The name of this kind of notice (`[sms.templates]` keys, the catalogue's ids).
    pub fn name(&self) -> &'static str {
        match self {
            Self::ShippingAgreed { .. } => "shipping_agreed",
            Self::Shipped { .. } => "shipped",
            Self::Closed => "closed",
        }
    }
}

/// Where a notice stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum NoticeState {
    /// To be sent at `due` (first at once, then after each failure a while later).
    Waiting { due: DateTime<Utc> },
    /// A server took it at `since`; if it has not said how it went by `until`, another takes it.
    Sending {
        by: String,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    },
    /// The mail server or the SMS gateway took it.
    Sent { at: DateTime<Utc>, by: String },
    /// Given up: refused for good, or failed every attempt.
    Failed { at: DateTime<Utc> },
    /// Not sent: the channel is not set up on the server (`[mail]` / `[sms]`, or no SMS
    /// template for it). The notice shows what it would have said.
    NotSetUp { at: DateTime<Utc> },
}

/// One notice to a customer about a step of their return.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Notice {
    #[schema(value_type = String)]
    pub ticket: TicketNumber,
    /// The step's event in the ticket.
    #[schema(value_type = String)]
    pub event: EventId,
    pub channel: Channel,
    #[serde(flatten)]
    pub about: About,
    /// The e-mail address or mobile number, as registered when the step arrived.
    pub to: String,
    /// The customer's language, if registered (else the server's).
    #[schema(value_type = Option<String>)]
    pub lang: Option<Lang>,
    /// When the step reached the server and the notice was made.
    pub made: DateTime<Utc>,
    #[serde(flatten)]
    pub state: NoticeState,
    /// Attempts to send it so far.
    pub attempts: u32,
    /// What went wrong the last time, if anything did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Notice {
    /// Its key: the ticket, the step and the channel.
    pub fn key(&self) -> Vec<u8> {
        notice_key(&self.ticket, &self.event, self.channel)
    }

    /// When a server next looks at it, if one will.
    fn due(&self) -> Option<DateTime<Utc>> {
        match &self.state {
            NoticeState::Waiting { due } => Some(*due),
            NoticeState::Sending { until, .. } => Some(*until),
            _ => None,
        }
    }

    /// A short id for the notice, the same wherever and however often it is sent (the
    /// e-mail's Message-ID, the SMS gateway's OutId).
    pub fn id(&self) -> String {
        use sha2::Digest as _;
        let hash = sha2::Sha256::digest(self.key());
        hash[..16].iter().map(|b| format!("{b:02x}")).collect()
    }
}

fn notice_prefix(number: &TicketNumber) -> Vec<u8> {
    format!("{NOTICE}{}\0", sortable(number)).into_bytes()
}

fn notice_key(number: &TicketNumber, event: &EventId, channel: Channel) -> Vec<u8> {
    let mut key = notice_prefix(number);
    key.extend_from_slice(format!("{}\0{}", event.as_str(), channel.as_str()).as_bytes());
    key
}

fn millis(at: DateTime<Utc>) -> [u8; 8] {
    u64::try_from(at.timestamp_millis())
        .unwrap_or(0)
        .to_be_bytes()
}

fn timed_key(prefix: &[u8], at: DateTime<Utc>, key: &[u8]) -> Vec<u8> {
    let mut timed = prefix.to_vec();
    timed.extend_from_slice(&millis(at));
    timed.extend_from_slice(key);
    timed
}

/// The notice key and time in an `outdue:` or `outlog:` key.
fn split_timed(prefix: &[u8], timed: &[u8]) -> Option<(DateTime<Utc>, Vec<u8>)> {
    let rest = timed.strip_prefix(prefix)?;
    let ms = u64::from_be_bytes(rest.get(..8)?.try_into().ok()?);
    let at = Utc.timestamp_millis_opt(i64::try_from(ms).ok()?).single()?;
    Some((at, rest[8..].to_vec()))
}

fn parse(bytes: &[u8]) -> Option<Notice> {
    serde_json::from_slice(bytes).ok()
}

/// Writes `notice` (at `key`), moving its due entry from where `old` had it.
fn put(batch: &mut Batch, old: Option<&Notice>, notice: &Notice) {
    let key = notice.key();
    if let Some(due) = old.and_then(Notice::due) {
        batch.delete(timed_key(DUE, due, &key));
    }
    if let Some(due) = notice.due() {
        batch.put(timed_key(DUE, due, &key), []);
    }
    if old.is_none() {
        batch.put(timed_key(LOG, notice.made, &key), []);
    }
    batch.put(&key, serde_json::to_vec(notice).expect("notices serialise"));
}

/// The notices a ticket's steps call for, as of `now`: one per step of shipping agreed,
/// shipped and (with the survey still open) closed, and per address the customer gave.
/// Steps that broke a rule, and steps older than [`NOTICE_WINDOW_DAYS`], call for none.
pub fn called_for(number: &TicketNumber, derived: &Derived, now: DateTime<Utc>) -> Vec<Notice> {
    let registration = &derived.registration;
    let addresses: Vec<(Channel, &String)> = [
        (Channel::Email, registration.email.as_ref()),
        (Channel::Sms, registration.phone.as_ref()),
    ]
    .into_iter()
    .filter_map(|(channel, to)| Some((channel, to?)))
    .collect();
    if addresses.is_empty() {
        return Vec::new();
    }
    let flow = &derived.flow;
    let broken: HashSet<&EventId> = flow.conflicts.iter().map(|c| &c.event).collect();
    let since = now - chrono::Duration::days(NOTICE_WINDOW_DAYS);
    let survey_open = flow.shipped_at.is_some() && !flow.surveyed && flow.cancelled.is_none();
    let mut notices = Vec::new();
    for event in &derived.events {
        if event.at < since || broken.contains(&event.id) {
            continue;
        }
        let about = match &event.kind {
            EventKind::ShipNoticed { method, date, .. } => About::ShippingAgreed {
                method: method.clone(),
                date: *date,
            },
            EventKind::Shipped {
                carrier, tracking, ..
            } => About::Shipped {
                carrier: carrier.clone(),
                tracking: tracking.clone(),
            },
            EventKind::Closed { .. } if survey_open => About::Closed,
            _ => continue,
        };
        for (channel, to) in &addresses {
            notices.push(Notice {
                ticket: number.clone(),
                event: event.id.clone(),
                channel: *channel,
                about: about.clone(),
                to: (*to).clone(),
                lang: registration.customer_lang,
                made: now,
                state: NoticeState::Waiting { due: now },
                attempts: 0,
                error: None,
            });
        }
    }
    notices
}

/// How a send went, as the sender reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sent {
    /// Taken by the mail server or the gateway.
    Taken,
    /// Failed for now: try again at `due`.
    Again { error: String, due: DateTime<Utc> },
    /// Failed for good.
    GaveUp { error: String },
    /// The channel is not set up here.
    NotSetUp,
}

impl ServerStore {
    /// Adds to `batch` the notices of `called` the outbox does not hold yet; returns how
    /// many. Runs in the exclusive section that writes the tickets.
    pub(crate) fn write_notices<'a>(
        &self,
        batch: &mut Batch,
        called: impl Iterator<Item = &'a Notice>,
    ) -> Result<usize, ServerStoreError> {
        let called: Vec<&Notice> = called.collect();
        if called.is_empty() {
            return Ok(0);
        }
        let keys: Vec<Vec<u8>> = called.iter().map(|n| n.key()).collect();
        let held = self.kv.get_many(&keys)?;
        let mut added = 0;
        for (notice, held) in called.into_iter().zip(held) {
            if held.is_none() {
                put(batch, None, notice);
                added += 1;
            }
        }
        Ok(added)
    }

    /// Takes up to `limit` notices due by `now` to send, as server `by`, for `lease`: each
    /// is counted as an attempt and is another server's to take if `by` has not reported by
    /// the lease's end.
    pub fn take_notices(
        &self,
        by: &str,
        now: DateTime<Utc>,
        lease: chrono::Duration,
        limit: usize,
    ) -> Result<Vec<Notice>, ServerStoreError> {
        let end = timed_key(DUE, now + chrono::Duration::milliseconds(1), &[]);
        self.kv.exclusive(|kv| {
            let mut batch = Batch::default();
            let mut taken = Vec::new();
            for entry in kv.range(DUE, &end).take(limit) {
                let (due_key, _) = entry?;
                let Some((_, key)) = split_timed(DUE, &due_key) else {
                    batch.delete(due_key);
                    continue;
                };
                let Some(old) = kv.get(&key)?.as_deref().and_then(parse) else {
                    // A notice gone (its ticket disposed of) or unreadable: nothing to send.
                    tracing::warn!(key = %String::from_utf8_lossy(&key), "an outbox entry without its notice was dropped");
                    batch.delete(due_key);
                    continue;
                };
                let mut notice = old.clone();
                notice.attempts += 1;
                notice.state = NoticeState::Sending {
                    by: by.to_owned(),
                    since: now,
                    until: now + lease,
                };
                put(&mut batch, Some(&old), &notice);
                taken.push(notice);
            }
            Ok::<_, ServerStoreError>((batch, taken))
        })
    }

    /// Records how sending `notice` went. A notice another server has meanwhile recorded as
    /// sent stays sent.
    pub fn finish_notice(
        &self,
        notice: &Notice,
        by: &str,
        sent: Sent,
        now: DateTime<Utc>,
    ) -> Result<(), ServerStoreError> {
        let key = notice.key();
        self.kv.exclusive(|kv| {
            let mut batch = Batch::default();
            let Some(old) = kv.get(&key)?.as_deref().and_then(parse) else {
                return Ok::<_, ServerStoreError>((batch, ()));
            };
            if matches!(old.state, NoticeState::Sent { .. }) {
                return Ok((batch, ()));
            }
            let mut new = old.clone();
            match sent {
                Sent::Taken => {
                    new.state = NoticeState::Sent {
                        at: now,
                        by: by.to_owned(),
                    };
                }
                Sent::Again { error, due } => {
                    new.state = NoticeState::Waiting { due };
                    new.error = Some(error);
                }
                Sent::GaveUp { error } => {
                    new.state = NoticeState::Failed { at: now };
                    new.error = Some(error);
                }
                Sent::NotSetUp => new.state = NoticeState::NotSetUp { at: now },
            }
            put(&mut batch, Some(&old), &new);
            Ok((batch, ()))
        })
    }

    /// When the next waiting notice is due, if any is.
    pub fn next_notice_due(&self) -> Result<Option<DateTime<Utc>>, ServerStoreError> {
        match self.kv.scan(DUE).next() {
            Some(entry) => Ok(split_timed(DUE, &entry?.0).map(|(at, _)| at)),
            None => Ok(None),
        }
    }

    /// A ticket's notices, by step.
    pub fn notices_of(&self, number: &TicketNumber) -> Result<Vec<Notice>, ServerStoreError> {
        let mut notices: Vec<Notice> = Vec::new();
        for entry in self.kv.scan(&notice_prefix(number)) {
            notices.extend(parse(&entry?.1));
        }
        notices.sort_by(|a, b| {
            (a.made, &a.event, a.channel.as_str()).cmp(&(b.made, &b.event, b.channel.as_str()))
        });
        Ok(notices)
    }

    /// The newest notices first, up to `limit`, those `wanted` keeps.
    pub fn recent_notices(
        &self,
        limit: usize,
        wanted: impl Fn(&Notice) -> bool,
    ) -> Result<Vec<Notice>, ServerStoreError> {
        let mut found = Vec::new();
        if limit == 0 {
            return Ok(found);
        }
        let mut keys = Vec::new();
        let mut entries = self.kv.scan_rev(LOG);
        loop {
            keys.clear();
            for entry in entries.by_ref().take(READ_BATCH) {
                keys.extend(split_timed(LOG, &entry?.0).map(|(_, key)| key));
            }
            if keys.is_empty() {
                return Ok(found);
            }
            for notice in self.kv.get_many(&keys)?.into_iter().flatten() {
                if let Some(notice) = parse(&notice).filter(|n| wanted(n)) {
                    found.push(notice);
                    if found.len() >= limit {
                        return Ok(found);
                    }
                }
            }
        }
    }

    /// Removes a ticket's notices, with the customer's addresses in them (disposal at the end
    /// of its retention).
    pub(crate) fn forget_notices(
        &self,
        batch: &mut Batch,
        number: &TicketNumber,
    ) -> Result<(), ServerStoreError> {
        for entry in self.kv.scan(&notice_prefix(number)) {
            let (key, value) = entry?;
            if let Some(notice) = parse(&value) {
                if let Some(due) = notice.due() {
                    batch.delete(timed_key(DUE, due, &key));
                }
                batch.delete(timed_key(LOG, notice.made, &key));
            }
            batch.delete(key);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use chrono::Duration;
    use rma_shared::event::{Assessment, Receiving, RepairRecord, Verdict};
    use rma_shared::sync::{Heads, PushRequest, outgoing};
    use rma_shared::{Event, SiteCode, TicketDoc, TicketId};

    use super::*;

    fn wh1() -> SiteCode {
        SiteCode::parse("WH1").unwrap()
    }

    /// A ticket with the customer's e-mail and mobile, walked from registration to shipment
    /// at `at`, then `more` steps.
    fn shipped(seq: u32, at: DateTime<Utc>, more: Vec<EventKind>) -> TicketDoc {
        let number = TicketNumber::new(wh1(), 2026, seq);
        let unit = number.unit(1);
        let mut registration = rma_shared::testing::registration();
        registration.email = Some("li.wei@acme.cn".into());
        registration.phone = Some("+86 139 1111 2222".into());
        let mut doc = TicketDoc::create(
            TicketId::random(),
            number,
            &registration,
            Event::new(EventKind::Registered, wh1(), "ann", at),
            crate::test_support::wh1_actor(),
        );
        let mut steps = vec![
            EventKind::Forwarded { note: None },
            EventKind::Assessed(Assessment::simple()),
            EventKind::Received(Receiving {
                model: "X200".into(),
                quantity: 1,
                appearance: "ok".into(),
                discrepancy: None,
                units: vec![unit.clone()],
                area: None,
                labels: vec![],
            }),
            EventKind::Assigned {
                repairer: "bob".into(),
                units: vec![unit.clone()],
            },
            EventKind::Repaired(RepairRecord {
                unit: unit.clone(),
                steps: "fixed".into(),
                parts: vec![],
                minutes: 30,
                findings: None,
                finished: true,
            }),
            EventKind::Inspected {
                unit: unit.clone(),
                verdict: Verdict::Pass,
                inspector: "ivy".into(),
                note: None,
            },
            EventKind::ShipNoticed {
                method: "courier".into(),
                date: at.date_naive(),
                note: None,
            },
            EventKind::Packed {
                units: vec![unit.clone()],
            },
            EventKind::Shipped {
                carrier: "SF Express".into(),
                tracking: "SF123".into(),
                units: vec![unit],
            },
        ];
        steps.extend(more);
        for kind in steps {
            doc.record(Event::new(kind, wh1(), "ann", at)).unwrap();
        }
        doc
    }

    fn push(store: &ServerStore, doc: &mut TicketDoc) {
        let docs = vec![outgoing(doc, &Heads::default()).unwrap()];
        store.push(&wh1(), &PushRequest { docs }).unwrap();
    }

    fn store() -> (tempfile::TempDir, ServerStore) {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::test_support::open(dir.path());
        crate::test_support::enrol(&store);
        (dir, store)
    }

    #[test]
    fn each_step_gives_one_notice_per_address_however_often_it_arrives() {
        let (_dir, store) = store();
        let mut doc = shipped(1, Utc::now(), vec![]);
        push(&store, &mut doc);
        push(&store, &mut doc);
        let number = doc.number().clone();
        let notices = store.notices_of(&number).unwrap();
        let made: Vec<(&str, &str, &str)> = notices
            .iter()
            .map(|n| (n.about.name(), n.channel.as_str(), n.to.as_str()))
            .collect();
        assert_eq!(made.len(), 4, "{made:?}");
        for wanted in [
            ("shipping_agreed", "email", "li.wei@acme.cn"),
            ("shipped", "email", "li.wei@acme.cn"),
            ("shipping_agreed", "sms", "+86 139 1111 2222"),
            ("shipped", "sms", "+86 139 1111 2222"),
        ] {
            assert!(made.contains(&wanted), "{wanted:?} in {made:?}");
        }
        // Closing (after the delivery is confirmed) opens the survey: one more per address,
        // once.
        let confirmed = EventKind::Confirmed(rma_shared::event::Confirmation {
            delivered_on: Utc::now().date_naive(),
            working: true,
            satisfaction: 5,
            feedback: None,
        });
        for kind in [confirmed, EventKind::Closed { note: None }] {
            doc.record(Event::new(kind, wh1(), "ann", Utc::now()))
                .unwrap();
        }
        push(&store, &mut doc);
        push(&store, &mut doc);
        let closing = store.notices_of(&number).unwrap();
        assert_eq!(closing.len(), 6);
        assert_eq!(
            closing.iter().filter(|n| n.about == About::Closed).count(),
            2
        );
        let recent = store.recent_notices(10, |_| true).unwrap();
        assert_eq!(recent.len(), 6);

        // Steps long past (a ticket from before notices, a site offline for weeks) give none.
        let mut old = shipped(
            2,
            Utc::now() - Duration::days(NOTICE_WINDOW_DAYS + 1),
            vec![],
        );
        push(&store, &mut old);
        assert!(store.notices_of(old.number()).unwrap().is_empty());
    }

    #[test]
    fn a_notice_is_one_servers_until_its_lease_ends_and_sent_stays_sent() {
        let (_dir, store) = store();
        let mut doc = shipped(1, Utc::now(), vec![]);
        push(&store, &mut doc);
        // The outbox keeps times to the millisecond.
        let now = Utc
            .timestamp_millis_opt(Utc::now().timestamp_millis())
            .unwrap();
        let lease = Duration::minutes(5);
        let taken = store.take_notices("A", now, lease, 16).unwrap();
        assert_eq!(taken.len(), 4);
        assert!(taken.iter().all(|n| n.attempts == 1));
        // Nobody else takes them while A's lease runs ...
        assert!(store.take_notices("B", now, lease, 16).unwrap().is_empty());
        assert_eq!(store.next_notice_due().unwrap(), Some(now + lease));
        // ... and B does once it has ended (A died mid-send).
        let later = now + lease + Duration::seconds(1);
        let again = store.take_notices("B", later, lease, 16).unwrap();
        assert_eq!(again.len(), 4);
        assert!(again.iter().all(|n| n.attempts == 2));
        let first = &again[0];
        store.finish_notice(first, "B", Sent::Taken, later).unwrap();
        // A reports late: a failure does not undo B's send.
        let retry = Sent::Again {
            error: "timed out".into(),
            due: later,
        };
        store.finish_notice(first, "A", retry, later).unwrap();
        let now_held = store.notices_of(doc.number()).unwrap();
        let held = now_held.iter().find(|n| n.key() == first.key()).unwrap();
        assert!(
            matches!(&held.state, NoticeState::Sent { by, .. } if by == "B"),
            "{held:?}"
        );
        // A failure for now waits until its due time; a lost cause leaves the outbox.
        let due = later + Duration::minutes(2);
        let error = "451 try later".to_owned();
        store
            .finish_notice(
                &again[1],
                "B",
                Sent::Again {
                    error: error.clone(),
                    due,
                },
                later,
            )
            .unwrap();
        store
            .finish_notice(&again[2], "B", Sent::GaveUp { error }, later)
            .unwrap();
        store
            .finish_notice(&again[3], "B", Sent::NotSetUp, later)
            .unwrap();
        assert_eq!(store.next_notice_due().unwrap(), Some(due));
        assert!(
            store
                .take_notices("B", later, lease, 16)
                .unwrap()
                .is_empty()
        );
        let retried = store.take_notices("B", due, lease, 16).unwrap();
        assert_eq!(retried.len(), 1);
        assert_eq!(retried[0].error.as_deref(), Some("451 try later"));

        // Disposal takes the customer's addresses and link with it.
        let token = store.status_token(doc.number()).unwrap();
        let mut batch = Batch::default();
        store.forget_notices(&mut batch, doc.number()).unwrap();
        store.forget_status_link(&mut batch, doc.number()).unwrap();
        store.kv.commit(batch).unwrap();
        assert_eq!(store.status_ticket(&token).unwrap(), None);
        assert!(store.notices_of(doc.number()).unwrap().is_empty());
        assert!(store.recent_notices(10, |_| true).unwrap().is_empty());
        assert_eq!(store.next_notice_due().unwrap(), None);
    }
}
