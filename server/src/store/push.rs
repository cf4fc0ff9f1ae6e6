//! A push: each ticket checked (the site's own actors, numbers, events appended only) and
//! merged in parallel, then written with its feed positions under the feed's one writer; and
//! the office's own records, written into a ticket as the server's actor.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use rma_shared::automerge::ActorId;
use rma_shared::sync::{self, Heads, PushDoc, PushRequest, PushResponse, PushResult, Pusher};
use rma_shared::{
    Derived, SiteCode, TicketDoc, TicketId, TicketNumber, TicketStatus, TicketSummary,
};
use rma_store::kv::Batch;
use rma_store::tickets::{Prior, Stored};

use super::*;

impl ServerStore {
    /// Takes in a push from site `origin`: each ticket on its own, all stored in one durable
    /// write. The documents are checked and merged before the feed's lock is taken; under it,
    /// only tickets another push changed meanwhile are taken again.
    pub fn push(
        &self,
        origin: &SiteCode,
        request: &PushRequest,
    ) -> Result<PushResponse, ServerStoreError> {
        self.push_from(origin, None, request)
    }

    /// [`ServerStore::push`] from the named installation of the site: its feed positions
    /// name it, so its own pulls leave them out while the site's other PCs receive them.
    pub fn push_from(
        &self,
        origin: &SiteCode,
        installation: Option<&str>,
        request: &PushRequest,
    ) -> Result<PushResponse, ServerStoreError> {
        let pusher = match installation {
            Some(installation) => format!("{origin}\t{installation}"),
            None => origin.to_string(),
        };
        let mut plan = self.plan(origin, &request.docs, true)?;
        let mut tickets = self.ticket_writes(&plan)?;
        let positions = self.kv.exclusive(|kv| {
            let store = self.within(kv);
            if !store.still_current(&plan)? {
                // Planned again under the lock: it waits for no other push's check.
                plan = store.plan(origin, &request.docs, false)?;
                tickets = store.ticket_writes(&plan)?;
            }
            let mut batch = std::mem::take(&mut tickets);
            let positions = store.write_feed(&mut batch, origin, &pusher, &plan)?;
            let notices =
                store.write_notices(&mut batch, plan.ready.iter().flat_map(|r| &r.notices))?;
            self.pause_at(Point::BeforeCommit);
            Ok::<_, ServerStoreError>((batch, (positions, notices)))
        })?;
        let (positions, notices) = positions;
        if notices > 0 {
            self.outbox_bell.notify_one();
        }
        let (before, after) = positions;
        self.kept
            .absorb(before, after, plan.ready.iter().map(|ready| &ready.office));
        self.note_ahead(&plan);
        self.note_outside(origin, &plan);
        Ok(PushResponse {
            results: plan.answers,
        })
    }

    /// Notes, as the office, each step of a written push dated after the server's time
    /// (beyond the tolerance): it counts at its arrival on the board, in deadlines and in the
    /// analysis, at the server and at every site. The push stands either way; a note that
    /// cannot be written is logged and written at the ticket's next push.
    fn note_ahead(&self, plan: &Plan) {
        let now = Utc::now();
        for ready in &plan.ready {
            for event in &ready.ahead {
                let number = &ready.summary.number;
                let kind = rma_shared::EventKind::ClockCorrected {
                    event: event.clone(),
                    arrived: now,
                };
                tracing::info!(ticket = %number, %event, "a step dated ahead of the server's clock counts at its arrival");
                if let Err(err) = self.record_at_office(number, kind, "server", now) {
                    tracing::warn!(ticket = %number, %event, error = %err, "a step dated ahead was not noted");
                }
            }
        }
    }

    /// Notes, as the office, each step a written push brought from a site that did not hold
    /// the ticket (an offline change made before the ticket moved away, or after): the step
    /// is kept and shows as a conflict at the office and at every site that holds the ticket.
    fn note_outside(&self, origin: &SiteCode, plan: &Plan) {
        if plan.ready.iter().all(|ready| ready.outside.is_empty()) {
            return;
        }
        match self.holds(origin) {
            Ok(super::Holds::All) => return,
            Ok(super::Holds::Own) => {}
            Err(err) => {
                tracing::warn!(site = %origin, error = %err, "steps from outside the scope not noted");
                return;
            }
        }
        let now = Utc::now();
        for ready in &plan.ready {
            let number = &ready.summary.number;
            for event in &ready.outside {
                let kind = rma_shared::EventKind::OutsideScope {
                    event: event.clone(),
                };
                tracing::warn!(ticket = %number, site = %origin, %event, "a step from a site that does not hold the ticket: a conflict at the office");
                if let Err(err) = self.record_at_office(number, kind, "server", now) {
                    tracing::warn!(ticket = %number, %event, error = %err, "a step from outside the scope was not noted");
                }
            }
        }
    }

    /// The Automerge actor the central office writes its own records as (finance's audit
    /// marks), made once: its changes reach the agents through the feed like any site's.
    fn office_actor(&self) -> Result<ActorId, ServerStoreError> {
        if let Some(bytes) = self.kv.get(OFFICE_ACTOR)? {
            return Ok(ActorId::from(bytes.as_slice()));
        }
        let actor = ActorId::random();
        let mut batch = Batch::default();
        batch.put(OFFICE_ACTOR, actor.to_bytes());
        self.kv.commit(batch)?;
        Ok(actor)
    }

    /// Records a step taken at the central office (finance's mark on a cost line) in the
    /// ticket, as the office's own actor and site, if the rules allow it; the ticket goes into
    /// the feed, so every site receives the record with its next pull.
    pub fn record_at_office(
        &self,
        number: &TicketNumber,
        kind: rma_shared::EventKind,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<(), ServerStoreError> {
        let actor = self.office_actor()?;
        let office = SiteCode::parse(OFFICE_SITE).expect("a valid site code");
        let (seq, entries) = self.kv.exclusive(|kv| {
            let store = self.within(kv);
            let (prior, mut doc) = store
                .tickets
                .read_prior(number)?
                .ok_or_else(|| ServerStoreError::UnknownTicket(number.clone()))?;
            doc.set_actor(actor.clone());
            let event = rma_shared::Event::new(kind, office, by, now);
            doc.record(event).map_err(|err| match err {
                rma_shared::RecordError::Refused(refusal) => ServerStoreError::Refused(refusal),
                rma_shared::RecordError::Doc(source) => {
                    ServerStoreError::Store(StoreError::Damaged {
                        number: number.to_string(),
                        source,
                    })
                }
            })?;
            let derived = Derived::of(&doc).map_err(|source| {
                ServerStoreError::Store(StoreError::Damaged {
                    number: number.to_string(),
                    source,
                })
            })?;
            let summary = TicketSummary::from_derived(&doc, &derived);
            let saved = doc.save();
            let heads = Heads::of(&mut doc);
            let holders = rma_shared::scope::holders(number, &derived.events);
            let mut batch = Batch::default();
            store.tickets.write_summarised(
                &mut batch,
                summary.clone(),
                &saved,
                &heads,
                Some(&prior),
            )?;
            let held = store.holders(number)?;
            Self::write_holding(
                &mut batch,
                &super::scopes::Holding {
                    id: summary.id,
                    number,
                    before: Some((&held, &prior.heads)),
                    after: (&holders, &heads),
                },
            );
            let entries = crate::store::office::Entries::of(&doc, derived, store.keeps_report());
            entries.write(&mut batch, Some(&prior.summary), &summary);
            let seq = store.feed_head()? + 1;
            Self::put_on_feed(&mut batch, seq, number, OFFICE_SITE, &holders);
            Ok::<_, ServerStoreError>((batch, (seq, entries)))
        })?;
        self.kept.absorb(seq - 1, seq, std::iter::once(&entries));
        Ok(())
    }

    /// This store, reading through `kv` (a view of an exclusive section or a snapshot).
    pub(crate) fn within(&self, kv: &Kv) -> Self {
        Self {
            kv: kv.clone(),
            blobs: self.blobs.clone(),
            tickets: TicketStore::over(kv.clone()),
            clock_tolerance: self.clock_tolerance,
            report: self.report.clone(),
            kept: self.kept.clone(),
            outbox_bell: self.outbox_bell.clone(),
            checking: self.checking.clone(),
            #[cfg(test)]
            pauses: self.pauses.clone(),
        }
    }

    /// The writes of a planned push's tickets and the office's indexes of them. They depend
    /// only on the copies the plan read, so they are worked out before the feed's lock.
    fn ticket_writes(&self, plan: &Plan) -> Result<Batch, ServerStoreError> {
        let mut batch = Batch::default();
        // Where the stored tickets are held; a new one is held nowhere yet.
        let stored: Vec<TicketNumber> = plan
            .ready
            .iter()
            .filter(|ready| ready.prior.is_some())
            .map(|ready| ready.summary.number.clone())
            .collect();
        let mut held = self.holders_many(&stored)?.into_iter();
        for ready in &plan.ready {
            // A ticket stored before scopes were kept is held where it was registered.
            let before = ready.prior.as_ref().map(|prior| {
                let held = held.next().flatten();
                let held = held.unwrap_or_else(|| vec![ready.summary.number.site().clone()]);
                (held, &prior.heads)
            });
            Self::write_holding(
                &mut batch,
                &super::scopes::Holding {
                    id: ready.summary.id,
                    number: &ready.summary.number,
                    before: before.as_ref().map(|(held, heads)| (&held[..], *heads)),
                    after: (&ready.holders, &ready.heads),
                },
            );
            self.tickets.write_summarised(
                &mut batch,
                ready.summary.clone(),
                &ready.saved,
                &ready.heads,
                ready.prior.as_ref(),
            )?;
            ready.office.write(
                &mut batch,
                ready.prior.as_ref().map(|p| &p.summary),
                &ready.summary,
            );
        }
        Ok(batch)
    }

    /// Adds a planned push's feed positions, after the last one written, and the refusals to
    /// show to `batch`; returns the feed's head before and after. Runs in the feed's
    /// exclusive section.
    fn write_feed(
        &self,
        batch: &mut Batch,
        origin: &SiteCode,
        pusher: &str,
        plan: &Plan,
    ) -> Result<(u64, u64), ServerStoreError> {
        let now = Utc::now();
        // Positions follow the last one written, read in this exclusive section: no other
        // writer can take them meanwhile, so none is overwritten.
        let before = self.feed_head()?;
        let tickets: Vec<(&TicketNumber, &[SiteCode])> = plan
            .ready
            .iter()
            .map(|ready| (&ready.summary.number, ready.holders.as_slice()))
            .collect();
        super::feed::put(batch, before + 1, pusher, &tickets);
        let seq = before + tickets.len() as u64;
        // A refusal shown for the site goes once its ticket is taken; most pushes have none to
        // take back, and a delete of a key that is not there costs a write all the same.
        let shown: HashSet<Vec<u8>> = self
            .kv
            .scan(&refused_prefix(origin))
            .map(|entry| entry.map(|(key, _)| key))
            .collect::<Result<_, _>>()?;
        for result in &plan.results {
            let (number, reason) = match result {
                Outcome::Accepted(number) => (number, None),
                Outcome::Refused(number, reason) => (number, Some(reason)),
            };
            let key = refused_key(origin, number);
            match reason {
                None if shown.contains(&key) => batch.delete(key),
                None => {}
                Some(reason) => batch.put(
                    key,
                    serde_json::to_vec(&RefusedTicket {
                        number: number.clone(),
                        reason: reason.clone(),
                        at: now,
                    })
                    .expect("refusals serialise"),
                ),
            }
        }
        Ok((before, seq))
    }

    /// Checks and merges every ticket of a push against the copies stored now. Tickets are
    /// independent: they are checked on every core, each ticket's copies in push order. With
    /// `in_turn`, a large push waits for the one being checked before it.
    fn plan(
        &self,
        origin: &SiteCode,
        docs: &[PushDoc],
        in_turn: bool,
    ) -> Result<Plan, ServerStoreError> {
        let latest = Utc::now() + self.clock_tolerance;
        let report = self.keeps_report();
        // Every ticket the push names, and every id it carries, read together.
        let numbers: Vec<TicketNumber> = docs.iter().map(|d| d.number.clone()).collect();
        let ids: Vec<TicketId> = docs.iter().map(|d| d.id).collect();
        let mut stored_now: HashMap<TicketNumber, Option<Stored>> = numbers
            .iter()
            .cloned()
            .zip(self.tickets.read_stored_many(&numbers)?)
            .collect();
        let numbered: HashMap<TicketId, Option<TicketNumber>> = ids
            .iter()
            .copied()
            .zip(self.tickets.numbers_of(&ids)?)
            .collect();
        // The push's entries by ticket (a ticket may come twice), in order of first mention,
        // each with the copy stored now.
        let mut group_of: HashMap<TicketId, usize> = HashMap::new();
        let mut jobs: Vec<Job> = Vec::new();
        for (i, push) in docs.iter().enumerate() {
            let group = *group_of.entry(push.id).or_insert_with(|| {
                let stored = stored_now.get_mut(&push.number).and_then(Option::take);
                jobs.push(Job {
                    entries: Vec::new(),
                    stored,
                });
                jobs.len() - 1
            });
            jobs[group].entries.push(i);
        }
        let check = |jobs: Vec<Job>| -> Result<Vec<Checked>, ServerStoreError> {
            // A push's changes come from few actors: each is looked up once.
            let known: std::cell::RefCell<HashMap<ActorId, bool>> = Default::default();
            let owns = |actor: &ActorId| {
                if let Some(owned) = known.borrow().get(actor) {
                    return *owned;
                }
                let owned = self
                    .actor_site(actor)
                    .ok()
                    .flatten()
                    .is_some_and(|site| &site == origin);
                known.borrow_mut().insert(actor.clone(), owned);
                owned
            };
            let pusher = Pusher {
                site: origin,
                owns: &owns,
            };
            jobs.into_iter()
                .map(|job| check_ticket(job, docs, &numbered, &pusher, origin, latest, report))
                .collect()
        };
        // A large push is checked on every core: two side by side would each take twice as
        // long and reach the feed's lock together, leaving cores idle while they are written
        // one after the other. One at a time, each is written while the next is checked.
        let _turn = (in_turn && jobs.len() >= rma_shared::par::PARALLEL_FROM).then(|| {
            self.checking
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
        });
        let checked: Vec<Checked> = rma_shared::par::shares(jobs, check)
            .into_iter()
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            .flatten()
            .collect();
        // The answers in the push's order; the tickets to write in order of first mention.
        let mut answers: Vec<Option<(Outcome, PushResult)>> = vec![None; docs.len()];
        let mut plan = Plan::default();
        for ticket in checked {
            for (i, outcome, answer) in ticket.answers {
                answers[i] = Some((outcome, answer));
            }
            plan.current.extend(ticket.current);
            plan.ready.extend(ticket.ready);
        }
        for (outcome, answer) in answers.into_iter().flatten() {
            plan.results.push(outcome);
            plan.answers.push(answer);
        }
        Ok(plan)
    }

    /// Whether every ticket a plan read is still as it read it.
    fn still_current(&self, plan: &Plan) -> Result<bool, ServerStoreError> {
        let numbers: Vec<TicketNumber> = plan.current.iter().map(|(n, _)| n.clone()).collect();
        let now = self.tickets.read_stored_many(&numbers)?;
        Ok(plan
            .current
            .iter()
            .zip(now)
            .all(|((_, heads), now)| &now.map(|stored| stored.heads) == heads))
    }
}

/// The state of one ticket while a push is planned.
struct Taken {
    /// Its heads in the store when the plan read it (none: not stored).
    stored_heads: Option<Heads>,
    prior: Option<Prior>,
    doc: Option<TicketDoc>,
    changed: bool,
    /// The bytes of a first copy, saved and compact: stored as they came.
    first_copy: Option<Vec<u8>>,
    /// The steps the push added, as its check read them.
    added: sync::Added,
}

/// One ticket of a push, checked, merged, summarised and saved, ready to write.
struct Ready {
    /// The office's index entries of it.
    office: crate::store::office::Entries,
    /// The notices to the customer its steps call for (those the outbox holds already are
    /// not made again).
    notices: Vec<crate::store::outbox::Notice>,
    /// Steps dated after the latest time a step may be (a PC's clock ahead): the office
    /// notes each once the push is written, and they count at their arrival.
    ahead: Vec<rma_shared::EventId>,
    /// The sites that hold it once written.
    holders: Vec<SiteCode>,
    /// Steps the push added that were recorded at a site not holding the ticket.
    outside: Vec<rma_shared::EventId>,
    summary: TicketSummary,
    saved: Vec<u8>,
    heads: Heads,
    prior: Option<Prior>,
}

impl Ready {
    fn of(
        mut doc: TicketDoc,
        heads: Heads,
        prior: Option<Prior>,
        (first_copy, added): (Option<Vec<u8>>, sync::Added),
        origin: &SiteCode,
        latest: DateTime<Utc>,
        report: bool,
    ) -> Result<Self, String> {
        let number = doc.number().clone();
        let pushed: HashSet<rma_shared::EventId> =
            added.steps.values().map(|e| e.id.clone()).collect();
        let derived = Derived::of_parsed(&doc, added)
            .map_err(|err| format!("ticket {number}: the server cannot read it ({err})"))?;
        let holders = rma_shared::scope::holders(&number, &derived.events);
        let outside = rma_shared::scope::outside(origin, &holders, &derived.events, &pushed)
            .into_iter()
            .cloned()
            .collect();
        let ahead = derived
            .events
            .iter()
            .filter(|e| e.at > latest && e.ahead_secs.is_none())
            .map(|e| e.id.clone())
            .collect();
        let notices = crate::store::outbox::called_for(&number, &derived, Utc::now());
        let summary = TicketSummary::from_derived(&doc, &derived);
        let saved = first_copy.unwrap_or_else(|| doc.save());
        if saved.len() > sync::MAX_TICKET_BYTES {
            return Err(format!("ticket {number}: {}", sync::too_large(saved.len())));
        }
        Ok(Self {
            ahead,
            holders,
            outside,
            notices,
            office: crate::store::office::Entries::of(&doc, derived, report),
            summary,
            saved,
            heads,
            prior,
        })
    }
}

/// What a push will do: the answer per ticket, and the tickets to write.
#[derive(Default)]
struct Plan {
    answers: Vec<PushResult>,
    results: Vec<Outcome>,
    ready: Vec<Ready>,
    /// Every ticket read, with its heads as read (none: not stored).
    current: Vec<(TicketNumber, Option<Heads>)>,
}

#[derive(Clone)]
enum Outcome {
    Accepted(TicketNumber),
    Refused(TicketNumber, String),
}

/// One ticket of a push: the positions of its copies in the push, and the copy stored now.
struct Job {
    entries: Vec<usize>,
    stored: Option<Stored>,
}

/// One ticket checked: the answer to each of its copies (by position in the push), its heads
/// as read, and, if it gained changes, the ticket ready to write.
struct Checked {
    answers: Vec<(usize, Outcome, PushResult)>,
    current: Option<(TicketNumber, Option<Heads>)>,
    ready: Option<Ready>,
}

/// Checks and merges the copies of one ticket, in push order, against the stored copy.
fn check_ticket(
    job: Job,
    docs: &[PushDoc],
    numbered: &HashMap<TicketId, Option<TicketNumber>>,
    pusher: &Pusher<'_>,
    origin: &SiteCode,
    latest: DateTime<Utc>,
    report: bool,
) -> Result<Checked, ServerStoreError> {
    let mut answers = Vec::new();
    let mut stored = Some(job.stored);
    let mut taken: Option<Taken> = None;
    for &i in &job.entries {
        let push = &docs[i];
        let mut refuse = |reason: String, send_whole: bool| {
            tracing::info!(site = %origin, ticket = %push.number, %reason, "push refused");
            answers.push((
                i,
                Outcome::Refused(push.number.clone(), reason.clone()),
                PushResult::Refused {
                    id: push.id,
                    reason,
                    send_whole,
                },
            ));
        };
        if taken.is_none() {
            let copy = stored
                .take()
                .flatten()
                .map(|stored| stored.into_prior(&push.number))
                .transpose()?;
            if let Some((prior, _)) = &copy
                && prior.summary.id != push.id
            {
                refuse(
                    format!(
                        "ticket {}: the number belongs to another ticket at the server",
                        push.number
                    ),
                    false,
                );
                continue;
            }
            if copy.is_none()
                && let Some(Some(held)) = numbered.get(&push.id)
            {
                let reason = if held == &push.number {
                    format!(
                        "ticket {}: it was disposed of at the server at the end of its retention (regulation 8.2); changes to it are no longer kept",
                        push.number
                    )
                } else {
                    format!(
                        "ticket {}: the server holds this ticket as {held}; a ticket's number never changes",
                        push.number
                    )
                };
                refuse(reason, false);
                continue;
            }
            let (prior, doc) = match copy {
                Some((prior, doc)) => (Some(prior), Some(doc)),
                None => (None, None),
            };
            taken = Some(Taken {
                stored_heads: prior.as_ref().map(|p| p.heads.clone()),
                prior,
                doc,
                changed: false,
                first_copy: None,
                added: sync::Added::default(),
            });
        }
        let state = taken.as_mut().expect("taken above");
        match sync::accept_parsed(state.doc.clone(), push, pusher) {
            Ok((doc, changed, added)) => {
                state.added.then(added);
                if changed && state.doc.is_none() && push.base.is_empty() {
                    state.first_copy = Some(push.bytes.clone());
                } else if changed {
                    state.first_copy = None;
                }
                state.changed |= changed;
                state.doc = Some(doc);
                answers.push((
                    i,
                    Outcome::Accepted(push.number.clone()),
                    PushResult::Accepted {
                        id: push.id,
                        heads: Heads::default(),
                        archived: false,
                    },
                ));
            }
            Err(refusal) => refuse(refusal.reason, refusal.send_whole),
        }
    }
    let mut checked = Checked {
        answers,
        current: None,
        ready: None,
    };
    let Some(state) = taken else {
        return Ok(checked);
    };
    let Some(mut doc) = state.doc else {
        return Ok(checked);
    };
    let heads = Heads::of(&mut doc);
    checked.current = Some((doc.number().clone(), state.stored_heads.clone()));
    let archived = if state.changed {
        match Ready::of(
            doc,
            heads.clone(),
            state.prior,
            (state.first_copy, state.added),
            origin,
            latest,
            report,
        ) {
            Ok(ready) => {
                let archived = ready.summary.status == TicketStatus::Archived;
                checked.ready = Some(ready);
                archived
            }
            Err(reason) => {
                // Not storable after all (too large once merged): every copy is refused.
                for (_, outcome, answer) in &mut checked.answers {
                    if let PushResult::Accepted { id, .. } = answer {
                        let number = match outcome {
                            Outcome::Accepted(n) | Outcome::Refused(n, _) => n.clone(),
                        };
                        tracing::warn!(site = %origin, ticket = %number, %reason, "push refused");
                        *answer = PushResult::Refused {
                            id: *id,
                            reason: reason.clone(),
                            send_whole: false,
                        };
                        *outcome = Outcome::Refused(number, reason.clone());
                    }
                }
                return Ok(checked);
            }
        }
    } else {
        state
            .prior
            .is_some_and(|p| p.summary.status == TicketStatus::Archived)
    };
    for (_, _, answer) in &mut checked.answers {
        if let PushResult::Accepted {
            heads: now,
            archived: in_archive,
            ..
        } = answer
        {
            *now = heads.clone();
            *in_archive = archived;
        }
    }
    Ok(checked)
}

/// The site code of the central office's own records; no site may take it.
pub const OFFICE_SITE: &str = "OFFICE";

const OFFICE_ACTOR: &str = "meta:office_actor";
