//! The audit log (regulation 8.3, and who did what at the office): every sign-in and refused
//! sign-in, every page or download refused to a role, every download, every read of an
//! archived ticket, every change of people and sites. Append-only: entries are added in the
//! same store as everything else and never changed or removed by the server.
//!
//! Keys:
//! ```text
//! audit:{micros since 1970, 16 hex}{8 random hex}   an entry (JSON)
//! ```

use chrono::{DateTime, NaiveDate, Utc};
use rma_shared::i18n::Lang;
use rma_store::kv::Batch;
use serde::{Deserialize, Serialize};

use crate::store::{ServerStore, ServerStoreError};

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditKind {
    SignIn,
    SignInRefused,
    SignInLimited,
    SignOut,
    /// A page or download the person's role may not see.
    Refused,
    Download,
    /// A ticket in the archive was read.
    ArchiveRead,
    UserAdded,
    UserRemoved,
    SiteAdded,
    SiteRevoked,
    /// What a site holds was changed (its own work, or every ticket).
    SiteHolds,
    Backup,
    /// An application to read archived tickets was filed, approved or refused.
    ApplicationFiled,
    ApplicationApproved,
    ApplicationRefused,
    /// A ticket past its retention was put forward for disposal, or disposed of.
    DisposalProposed,
    Disposed,
    /// A database role was let read the report's tables.
    ReportGranted,
}

impl AuditKind {
    pub const ALL: [Self; 19] = [
        Self::SignIn,
        Self::SignInRefused,
        Self::SignInLimited,
        Self::SignOut,
        Self::Refused,
        Self::Download,
        Self::ArchiveRead,
        Self::UserAdded,
        Self::UserRemoved,
        Self::SiteAdded,
        Self::SiteRevoked,
        Self::SiteHolds,
        Self::Backup,
        Self::ApplicationFiled,
        Self::ApplicationApproved,
        Self::ApplicationRefused,
        Self::DisposalProposed,
        Self::Disposed,
        Self::ReportGranted,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Self::SignIn => "sign_in",
            Self::SignInRefused => "sign_in_refused",
            Self::SignInLimited => "sign_in_limited",
            Self::SignOut => "sign_out",
            Self::Refused => "refused",
            Self::Download => "download",
            Self::ArchiveRead => "archive_read",
            Self::UserAdded => "user_added",
            Self::UserRemoved => "user_removed",
            Self::SiteAdded => "site_added",
            Self::SiteRevoked => "site_revoked",
            Self::SiteHolds => "site_holds",
            Self::Backup => "backup",
            Self::ApplicationFiled => "application_filed",
            Self::ApplicationApproved => "application_approved",
            Self::ApplicationRefused => "application_refused",
            Self::DisposalProposed => "disposal_proposed",
            Self::Disposed => "disposed",
            Self::ReportGranted => "report_granted",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.key() == text)
    }

    /// In words, for people.
    pub fn label(self, lang: Lang) -> String {
        rma_shared::tr!(lang, "audit-kind", kind = self.key())
    }
}

/// One entry: who, when, what, about what, from where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub at: DateTime<Utc>,
    /// A person's name; `admin` for the server's own commands on its machine.
    pub who: String,
    pub what: AuditKind,
    /// What it was about: a page, a file, a ticket, a person, a site.
    pub subject: String,
    /// The client's address, or `local`.
    pub from: String,
}

/// Which entries to list; every filter given must match.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub who: Option<String>,
    pub what: Option<AuditKind>,
    /// From the start of this day (UTC) ...
    pub from: Option<NaiveDate>,
    /// ... to the end of this one.
    pub to: Option<NaiveDate>,
    /// At most this many, newest first (0: all).
    pub limit: usize,
}

const PREFIX: &str = "audit:";

fn key(at: DateTime<Utc>) -> String {
    let micros = u64::try_from(at.timestamp_micros()).unwrap_or_default();
    let random = &rma_shared::TicketId::random().to_string()[..8];
    format!("{PREFIX}{micros:016x}{random}")
}

fn day_key(day: NaiveDate, end: bool) -> String {
    let time = if end {
        day.and_hms_opt(23, 59, 59).expect("a valid time")
    } else {
        day.and_hms_opt(0, 0, 0).expect("a valid time")
    };
    let micros = u64::try_from(time.and_utc().timestamp_micros()).unwrap_or_default();
    let micros = if end { micros + 999_999 } else { micros };
    format!("{PREFIX}{micros:016x}{}", if end { "g" } else { "" })
}

impl ServerStore {
    /// Adds an entry, durably. A failure is logged, not passed on: the step it records has
    /// happened (or been refused) either way.
    pub fn audit(&self, who: &str, what: AuditKind, subject: &str, from: &str) {
        let entry = AuditEntry {
            at: Utc::now(),
            who: who.to_owned(),
            what,
            subject: subject.to_owned(),
            from: from.to_owned(),
        };
        let mut batch = Batch::default();
        batch.put(
            key(entry.at),
            serde_json::to_vec(&entry).expect("audit entries serialise"),
        );
        if let Err(err) = self.kv().commit(batch) {
            tracing::error!(error = %err, ?entry, "an audit entry was not written");
        }
    }

    /// Entries matching `filter`, newest first; and whether more matched than the limit.
    pub fn audit_log(
        &self,
        filter: &AuditFilter,
    ) -> Result<(Vec<AuditEntry>, bool), ServerStoreError> {
        let from = filter
            .from
            .map_or_else(|| PREFIX.to_owned(), |day| day_key(day, false));
        let to = filter
            .to
            .map_or_else(|| format!("{PREFIX}\u{7f}"), |day| day_key(day, true));
        let limit = if filter.limit == 0 {
            usize::MAX
        } else {
            filter.limit
        };
        let who = filter.who.as_deref().map(str::to_lowercase);
        let mut entries = Vec::new();
        let mut more = false;
        for item in self.kv().range_rev(from.as_bytes(), to.as_bytes()) {
            let (_, value) = item?;
            let Ok(entry) = serde_json::from_slice::<AuditEntry>(&value) else {
                continue;
            };
            if who
                .as_ref()
                .is_some_and(|w| !entry.who.to_lowercase().contains(w.as_str()))
            {
                continue;
            }
            if filter.what.is_some_and(|w| w != entry.what) {
                continue;
            }
            if entries.len() == limit {
                more = true;
                break;
            }
            entries.push(entry);
        }
        Ok((entries, more))
    }
}
