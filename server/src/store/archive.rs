//! The archive at the server (regulation 8): every archived ticket filed by model, dates,
//! customer and unit; applications to read it, decided by the head of the reader's
//! department; grants that are scoped and end; retention, and disposal with the head's
//! approval, which leaves a tombstone.
//!
//! ```text
//! arc:{sortable number}    the ticket's card in the archive (JSON, [`ArchiveCard`]): what
//!                          the archive is searched by; kept when the ticket is disposed of
//! app:{id, u64 BE}         an application to read archived tickets (JSON, [`Application`])
//! meta:app                 the last application's id
//! dsp:{sortable number}    a disposal put forward, waiting for the head (JSON, [`Proposal`])
//! ```
//! The contents of an archived ticket stay in the ticket store; only the office pages read
//! them, for a person holding a grant, and each read goes into the audit log.

use chrono::{DateTime, NaiveDate, Utc};
use rma_shared::people::{Account, Role};
use rma_shared::{TicketNumber, TicketStatus, TicketView, UnitNumber};
use rma_store::kv::{Batch, Kv};
use rma_store::tickets::{Gone, sortable};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::store::{ServerStore, ServerStoreError};

/// Why an archive step was not taken; each says what to do, in the catalogue's words.
#[derive(Debug, Error)]
pub enum ArchiveError {
    #[error("there is no ticket {0} in the archive")]
    NotArchived(TicketNumber),
    #[error("application {0} does not exist")]
    UnknownApplication(u64),
    #[error("application {0} was decided already")]
    Decided(u64),
    #[error("{0} may not decide this application")]
    NotTheirHead(String),
    #[error("ticket {number} is kept until {until}; it cannot be disposed of before")]
    Retained {
        number: TicketNumber,
        until: NaiveDate,
    },
    #[error("ticket {0} was disposed of already")]
    Disposed(TicketNumber),
    #[error("no disposal of ticket {0} was put forward")]
    NotProposed(TicketNumber),
    #[error("an application names the tickets or a search, a reason and a period")]
    Incomplete,
    #[error("the files of the ticket could not be read: {0}")]
    Files(String),
    #[error(transparent)]
    Store(#[from] ServerStoreError),
}

impl From<rma_store::kv::KvError> for ArchiveError {
    fn from(err: rma_store::kv::KvError) -> Self {
        Self::Store(err.into())
    }
}

impl From<rma_store::tickets::TicketsError> for ArchiveError {
    fn from(err: rma_store::tickets::TicketsError) -> Self {
        Self::Store(err.into())
    }
}

impl ArchiveError {
    /// In words, for the pages.
    pub fn message(&self, lang: rma_shared::i18n::Lang) -> String {
        use rma_shared::tr;
        match self {
            Self::NotArchived(n) => tr!(lang, "archive-not-archived", number = n.to_string()),
            Self::UnknownApplication(id) => tr!(lang, "archive-unknown-application", id = *id),
            Self::Decided(id) => tr!(lang, "archive-decided", id = *id),
            Self::NotTheirHead(name) => tr!(lang, "archive-not-their-head", name = name.as_str()),
            Self::Retained { number, until } => tr!(
                lang,
                "archive-retained",
                number = number.to_string(),
                until = until.to_string()
            ),
            Self::Disposed(n) => tr!(lang, "archive-disposed-already", number = n.to_string()),
            Self::NotProposed(n) => tr!(lang, "archive-not-proposed", number = n.to_string()),
            Self::Incomplete => tr!(lang, "archive-incomplete"),
            Self::Store(err) => err.to_string(),
            Self::Files(reason) => reason.clone(),
        }
    }
}

/// An archived ticket as the archive files it: enough to find it, nothing of its contents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArchiveCard {
    pub number: TicketNumber,
    pub model: String,
    /// Searched by, not shown in the list.
    pub customer: String,
    pub units: Vec<UnitNumber>,
    pub registered: Option<NaiveDate>,
    pub closed: Option<NaiveDate>,
    pub keeper: String,
    pub retain_until: NaiveDate,
    pub archived_at: DateTime<Utc>,
    pub disposed: Option<Disposal>,
    /// The SHA-256 of every photo and document the ticket kept: they stay on the card when
    /// the bytes are disposed of.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<rma_shared::files::FileHash>,
}

/// How a ticket left the archive at the end of its retention.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Disposal {
    pub at: DateTime<Utc>,
    pub proposed_by: String,
    pub approved_by: String,
}

impl ArchiveCard {
    /// The card of an archived ticket (none if it is not archived).
    pub fn of(view: &TicketView) -> Option<Self> {
        if view.status != TicketStatus::Archived {
            return None;
        }
        let archive = view.archive.as_ref()?;
        let rma_shared::EventKind::Archived {
            keeper,
            retain_until,
            ..
        } = &archive.kind
        else {
            return None;
        };
        let day = |at: DateTime<Utc>| rma_shared::calendar::company().date(at);
        Some(Self {
            number: view.number.clone(),
            model: view.registration.model.clone(),
            customer: view.registration.customer.clone(),
            units: view.units.iter().map(|u| u.status.number.clone()).collect(),
            registered: view.registered_at.map(day),
            closed: view.closing.as_ref().map(|e| day(e.at)),
            keeper: keeper.clone(),
            retain_until: *retain_until,
            archived_at: archive.at,
            disposed: None,
            files: view.files().map(|(hash, _)| hash).collect(),
        })
    }
}

/// What the archive is searched by; every part given must match.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArchiveSearch {
    pub model: Option<String>,
    pub customer: Option<String>,
    /// A unit's number, or the start of one.
    pub unit: Option<String>,
    pub registered_from: Option<NaiveDate>,
    pub registered_to: Option<NaiveDate>,
    pub closed_from: Option<NaiveDate>,
    pub closed_to: Option<NaiveDate>,
}

impl ArchiveSearch {
    pub fn is_empty(&self) -> bool {
        self == &Self::default()
    }

    pub fn matches(&self, card: &ArchiveCard) -> bool {
        let has = |wanted: &Option<String>, text: &str| {
            wanted
                .as_deref()
                .is_none_or(|w| text.to_lowercase().contains(&w.trim().to_lowercase()))
        };
        let within = |day: Option<NaiveDate>, from: Option<NaiveDate>, to: Option<NaiveDate>| {
            (from.is_none() && to.is_none())
                || day.is_some_and(|d| from.is_none_or(|f| d >= f) && to.is_none_or(|t| d <= t))
        };
        has(&self.model, &card.model)
            && has(&self.customer, &card.customer)
            && self.unit.as_deref().is_none_or(|wanted| {
                let wanted = wanted.trim().to_uppercase();
                card.units
                    .iter()
                    .any(|u| u.to_string().starts_with(&wanted))
                    || card.number.to_string().starts_with(&wanted)
            })
            && within(card.registered, self.registered_from, self.registered_to)
            && within(card.closed, self.closed_from, self.closed_to)
    }
}

/// A person's application to read archived tickets (regulation 8.3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Application {
    pub id: u64,
    pub applicant: String,
    /// The applicant's department when they applied: its head decides.
    pub department: Role,
    /// The tickets asked for by number ...
    pub tickets: Vec<TicketNumber>,
    /// ... or every archived ticket a search finds.
    pub search: Option<ArchiveSearch>,
    pub reason: String,
    /// The days the grant would run, both included.
    pub from: NaiveDate,
    pub until: NaiveDate,
    pub filed_at: DateTime<Utc>,
    pub decision: Option<Decision>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    pub approved: bool,
    pub by: String,
    pub at: DateTime<Utc>,
    pub note: Option<String>,
}

impl Application {
    /// Whether this application lets `reader` read the ticket of `card` on `today`.
    pub fn grants(&self, reader: &str, card: &ArchiveCard, today: NaiveDate) -> bool {
        self.applicant == reader
            && self.decision.as_ref().is_some_and(|d| d.approved)
            && self.from <= today
            && today <= self.until
            && (self.tickets.contains(&card.number)
                || self.search.as_ref().is_some_and(|s| s.matches(card)))
    }

    /// Whether `head` decides this application (the applicant's department when they applied).
    pub fn decided_by(&self, head: &Account) -> bool {
        head.decides_for(&self.applicant, self.department)
    }

    /// The tickets or the search, in words.
    pub fn scope(&self) -> String {
        let mut parts: Vec<String> = self.tickets.iter().map(ToString::to_string).collect();
        if let Some(search) = &self.search {
            let mut terms = Vec::new();
            for (name, value) in [
                ("model", &search.model),
                ("customer", &search.customer),
                ("unit", &search.unit),
            ] {
                if let Some(value) = value {
                    terms.push(format!("{name}={value}"));
                }
            }
            for (name, value) in [
                ("registered_from", search.registered_from),
                ("registered_to", search.registered_to),
                ("closed_from", search.closed_from),
                ("closed_to", search.closed_to),
            ] {
                if let Some(value) = value {
                    terms.push(format!("{name}={value}"));
                }
            }
            parts.push(format!("[{}]", terms.join(", ")));
        }
        parts.join(" ")
    }
}

/// A disposal put forward, waiting for the head's approval.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Proposal {
    pub number: TicketNumber,
    pub by: String,
    pub at: DateTime<Utc>,
}

const CARD: &str = "arc:";
const APPLICATION: &[u8] = b"app:";
const LAST_APPLICATION: &str = "meta:app";
const PROPOSAL: &str = "dsp:";

fn card_key(number: &TicketNumber) -> String {
    format!("{CARD}{}", sortable(number))
}

fn application_key(id: u64) -> Vec<u8> {
    let mut key = APPLICATION.to_vec();
    key.extend_from_slice(&id.to_be_bytes());
    key
}

fn proposal_key(number: &TicketNumber) -> String {
    format!("{PROPOSAL}{}", sortable(number))
}

/// The key and value of a ticket's card, if it is archived (written with the ticket).
pub fn card_entry(view: &TicketView) -> Option<(Vec<u8>, Vec<u8>)> {
    let card = ArchiveCard::of(view)?;
    Some((
        card_key(&card.number).into_bytes(),
        serde_json::to_vec(&card).expect("cards serialise"),
    ))
}

/// Files a ticket's card if it is archived, in `batch`.
pub fn file(batch: &mut Batch, view: &TicketView) {
    if let Some((key, value)) = card_entry(view) {
        batch.put(key, value);
    }
}

fn json<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Option<T> {
    serde_json::from_slice(bytes).ok()
}

impl ServerStore {
    /// The archive's cards matching `search`, newest number first.
    pub fn archive_cards(&self, search: &ArchiveSearch) -> Result<Vec<ArchiveCard>, ArchiveError> {
        let mut cards = Vec::new();
        for entry in self.kv().scan(CARD.as_bytes()) {
            if let Some(card) = json::<ArchiveCard>(&entry?.1)
                && search.matches(&card)
            {
                cards.push(card);
            }
        }
        cards.reverse();
        Ok(cards)
    }

    pub fn archive_card(&self, number: &TicketNumber) -> Result<Option<ArchiveCard>, ArchiveError> {
        Ok(self.kv().get(card_key(number))?.and_then(|b| json(&b)))
    }

    /// Files an application; it waits for the head of the applicant's department.
    #[allow(clippy::too_many_arguments)]
    pub fn apply(
        &self,
        applicant: &Account,
        tickets: Vec<TicketNumber>,
        search: Option<ArchiveSearch>,
        reason: &str,
        from: NaiveDate,
        until: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<Application, ArchiveError> {
        let search = search.filter(|s| !s.is_empty());
        if (tickets.is_empty() && search.is_none()) || reason.trim().is_empty() || until < from {
            return Err(ArchiveError::Incomplete);
        }
        self.kv().exclusive(|kv| {
            let id = kv
                .get(LAST_APPLICATION)?
                .and_then(|b| <[u8; 8]>::try_from(b.as_slice()).ok())
                .map_or(0, u64::from_be_bytes)
                + 1;
            let application = Application {
                id,
                applicant: applicant.name.clone(),
                department: applicant.role,
                tickets,
                search,
                reason: reason.trim().to_owned(),
                from,
                until,
                filed_at: now,
                decision: None,
            };
            let mut batch = Batch::default();
            batch.put(LAST_APPLICATION, id.to_be_bytes());
            batch.put(
                application_key(id),
                serde_json::to_vec(&application).expect("applications serialise"),
            );
            Ok::<_, ArchiveError>((batch, application))
        })
    }

    /// Every application, newest first.
    pub fn applications(&self) -> Result<Vec<Application>, ArchiveError> {
        let mut all = Vec::new();
        for entry in self.kv().scan(APPLICATION) {
            if let Some(application) = json(&entry?.1) {
                all.push(application);
            }
        }
        all.reverse();
        Ok(all)
    }

    /// The head of the applicant's department approves or refuses an application.
    pub fn decide(
        &self,
        id: u64,
        head: &Account,
        approved: bool,
        note: Option<String>,
        now: DateTime<Utc>,
    ) -> Result<Application, ArchiveError> {
        self.kv().exclusive(|kv| {
            let mut application: Application = kv
                .get(application_key(id))?
                .and_then(|b| json(&b))
                .ok_or(ArchiveError::UnknownApplication(id))?;
            if application.decision.is_some() {
                return Err(ArchiveError::Decided(id));
            }
            if !application.decided_by(head) {
                return Err(ArchiveError::NotTheirHead(head.name.clone()));
            }
            application.decision = Some(Decision {
                approved,
                by: head.name.clone(),
                at: now,
                note: note.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty()),
            });
            let mut batch = Batch::default();
            batch.put(
                application_key(id),
                serde_json::to_vec(&application).expect("applications serialise"),
            );
            Ok((batch, application))
        })
    }

    /// The approved application that lets `reader` read this archived ticket today, if any.
    pub fn grant_for(
        &self,
        reader: &str,
        card: &ArchiveCard,
        today: NaiveDate,
    ) -> Result<Option<Application>, ArchiveError> {
        Ok(self
            .applications()?
            .into_iter()
            .find(|a| a.grants(reader, card, today)))
    }

    /// Puts forward a ticket past its retention for disposal; the head approves it.
    pub fn propose_disposal(
        &self,
        number: &TicketNumber,
        by: &str,
        today: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<Proposal, ArchiveError> {
        let card = self.disposable(number, today)?;
        let proposal = Proposal {
            number: card.number,
            by: by.to_owned(),
            at: now,
        };
        let mut batch = Batch::default();
        batch.put(
            proposal_key(number),
            serde_json::to_vec(&proposal).expect("proposals serialise"),
        );
        self.kv().commit(batch)?;
        Ok(proposal)
    }

    /// Disposals waiting for the head.
    pub fn proposals(&self) -> Result<Vec<Proposal>, ArchiveError> {
        let mut all = Vec::new();
        for entry in self.kv().scan(PROPOSAL.as_bytes()) {
            if let Some(proposal) = json(&entry?.1) {
                all.push(proposal);
            }
        }
        Ok(all)
    }

    /// The card of a ticket that may be disposed of on `today`.
    fn disposable(
        &self,
        number: &TicketNumber,
        today: NaiveDate,
    ) -> Result<ArchiveCard, ArchiveError> {
        let card = self
            .archive_card(number)?
            .ok_or_else(|| ArchiveError::NotArchived(number.clone()))?;
        if card.disposed.is_some() {
            return Err(ArchiveError::Disposed(number.clone()));
        }
        if today <= card.retain_until {
            return Err(ArchiveError::Retained {
                number: number.clone(),
                until: card.retain_until,
            });
        }
        Ok(card)
    }

    /// The head approves a disposal put forward: the ticket's contents are removed from the
    /// server; its card stays, marked, with its id and heads (the tombstone), so no site's
    /// copy of it comes back.
    pub fn dispose(
        &self,
        number: &TicketNumber,
        head: &Account,
        today: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<ArchiveCard, ArchiveError> {
        if !head.role.approves_disposal() {
            return Err(ArchiveError::NotTheirHead(head.name.clone()));
        }
        let (card, files) = self.kv().exclusive(|kv| {
            let store = self.within(kv);
            let mut card = store.disposable(number, today)?;
            let proposal: Proposal = kv
                .get(proposal_key(number))?
                .and_then(|b| json(&b))
                .ok_or_else(|| ArchiveError::NotProposed(number.clone()))?;
            let stored = store
                .tickets()
                .read_stored(number)?
                .ok_or_else(|| ArchiveError::NotArchived(number.clone()))?;
            let mut batch = Batch::default();
            store.tickets().write_gone(
                &mut batch,
                &Gone {
                    id: stored.summary.id,
                    number: number.clone(),
                    heads: stored.heads,
                    at: now,
                    disposed: true,
                },
            )?;
            card.disposed = Some(Disposal {
                at: now,
                proposed_by: proposal.by,
                approved_by: head.name.clone(),
            });
            batch.put(
                card_key(number),
                serde_json::to_vec(&card).expect("cards serialise"),
            );
            batch.delete(proposal_key(number));
            crate::report::remove_ticket(&mut batch, &number.to_string());
            // The customer's addresses and link go with the contents.
            store.forget_notices(&mut batch, number)?;
            store.forget_status_link(&mut batch, number)?;
            // Its photos and documents too: the card keeps their hashes (in the ticket's
            // events, which the tombstone names), the bytes go.
            let files = store
                .forget_files(&mut batch, number)
                .map_err(|err| ArchiveError::Files(err.to_string()))?;
            Ok::<_, ArchiveError>((batch, (card, files)))
        })?;
        if let Err(err) = self.collect_files(&files) {
            // The references are gone: the next disposal's collection takes these too.
            tracing::warn!(ticket = %number, error = %err, "disposed files not removed yet");
        }
        Ok(card)
    }
}

/// Files the cards of archived tickets a store holds (stores written before the archive
/// was filed); returns how many were filed.
pub fn ensure_cards(
    kv: &Kv,
    tickets: &rma_store::tickets::TicketStore,
) -> Result<usize, rma_store::tickets::TicketsError> {
    if kv.get(CARDS_FILED)?.is_some() {
        return Ok(0);
    }
    let filter = rma_store::tickets::ListFilter {
        status: Some(TicketStatus::Archived),
        ..Default::default()
    };
    let archived = tickets.list(&filter, &rma_shared::DeadlineSettings::default())?;
    let mut batch = Batch::default();
    let mut filed = 0;
    for summary in &archived.tickets {
        if let Some((_, doc)) = tickets.read(&summary.number)?
            && let Ok(view) =
                TicketView::build(&doc, &rma_shared::DeadlineSettings::default(), Utc::now())
        {
            file(&mut batch, &view);
            filed += 1;
        }
    }
    batch.put(CARDS_FILED, "1");
    kv.commit(batch)?;
    Ok(filed)
}

const CARDS_FILED: &str = "meta:archive";
