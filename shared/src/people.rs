//! Who does what (regulation section 1): the roles people have, the steps they take at a
//! bench, and which role may take which step. One table, used by the agent's bench page, by
//! its command line when accounts exist, and by the server's pages.
//!
//! Also the account as the server's directory sends it to the agents ("my work", what waits
//! for a role in a ticket, is [`crate::work`]).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::EventKind;
use crate::i18n::Lang;

/// The departments of regulation section 1, plus the head of the company and an administrator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Sales,
    #[cfg_attr(feature = "cli", value(name = "after_sales", alias = "after-sales"))]
    AfterSales,
    Technical,
    Production,
    Procurement,
    Finance,
    Head,
    Admin,
}

impl Role {
    pub const ALL: [Self; 8] = [
        Self::Sales,
        Self::AfterSales,
        Self::Technical,
        Self::Production,
        Self::Procurement,
        Self::Finance,
        Self::Head,
        Self::Admin,
    ];

    /// The wire name (`after_sales`).
    pub fn key(self) -> &'static str {
        match self {
            Self::Sales => "sales",
            Self::AfterSales => "after_sales",
            Self::Technical => "technical",
            Self::Production => "production",
            Self::Procurement => "procurement",
            Self::Finance => "finance",
            Self::Head => "head",
            Self::Admin => "admin",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        let wanted = text.trim().to_ascii_lowercase().replace(['-', ' '], "_");
        Self::ALL.into_iter().find(|r| r.key() == wanted)
    }

    /// The department's name, for people.
    pub fn label(self, lang: Lang) -> String {
        crate::tr!(lang, "role", role = self.key())
    }

    /// Regulation 6: after-sales keeps the cost ledger and finance audits it.
    pub fn reads_costs(self) -> bool {
        matches!(
            self,
            Self::AfterSales | Self::Finance | Self::Head | Self::Admin
        )
    }

    /// Regulation 8.2: after-sales keeps the archive and puts files past their retention
    /// forward for disposal; the head approves; the administrator looks on.
    pub fn sees_disposal(self) -> bool {
        matches!(self, Self::AfterSales | Self::Head | Self::Admin)
    }

    pub fn proposes_disposal(self) -> bool {
        matches!(self, Self::AfterSales | Self::Head)
    }

    pub fn approves_disposal(self) -> bool {
        self == Self::Head
    }

    /// Whether taking `action` is this role's duty (regulation section 1). The head may take
    /// every step; the administrator looks after accounts and sites, not tickets.
    pub fn may(self, action: Action) -> bool {
        use Action as A;
        if matches!(action, A::Scan | A::Label | A::Attach) {
            return self != Self::Admin;
        }
        // The server notes it itself; the administrator looks after the servers.
        if matches!(action, A::NoteClock | A::NoteSurvey | A::NoteScope) {
            return matches!(self, Self::Head | Self::Admin);
        }
        match self {
            Self::Head => true,
            Self::Admin => false,
            // Takes the report, passes it on, agrees shipping, confirms with the customer.
            Self::Sales => matches!(
                action,
                A::Intake | A::Edit | A::Forward | A::ShipNotice | A::Confirm | A::Cancel
            ),
            // Assesses, receives, stores, assigns, inspects, packs and ships, keeps the ledger
            // and the archive, and coordinates (hold, resume, cancel, settle conflicts).
            Self::AfterSales => matches!(
                action,
                A::Edit
                    | A::Assess
                    | A::Receive
                    | A::Move
                    | A::Assign
                    | A::PartsRequest
                    | A::Inspect
                    | A::Pack
                    | A::Ship
                    | A::HandOver
                    | A::Cost
                    | A::Close
                    | A::Archive
                    | A::Hold
                    | A::Resume
                    | A::Cancel
                    | A::Resolve
            ),
            // Joins the assessment of complex faults and helps with hard repairs.
            Self::Technical => matches!(action, A::Assess | A::Repair | A::PartsRequest | A::Move),
            // Collects units from storage, repairs them, reports parts needed.
            Self::Production => matches!(action, A::Repair | A::PartsRequest | A::Move),
            Self::Procurement => matches!(action, A::PartsRequest),
            // Audits the cost ledger and settles costs.
            Self::Finance => matches!(action, A::Cost | A::AuditCost),
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.key())
    }
}

/// A step a person takes on a ticket: one per kind of record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    Intake,
    Edit,
    Forward,
    Assess,
    Receive,
    Move,
    Assign,
    Repair,
    PartsRequest,
    Inspect,
    ShipNotice,
    Pack,
    Ship,
    Confirm,
    Cost,
    /// Finance's mark on a cost line (at the office).
    AuditCost,
    Close,
    Archive,
    Hold,
    Resume,
    Cancel,
    Resolve,
    Scan,
    Label,
    /// A photo or document kept with a ticket.
    Attach,
    /// The office's note of a step dated ahead of the server's clock (by the server itself).
    NoteClock,
    /// The customer's survey answer, recorded by the server itself.
    NoteSurvey,
    /// The ticket, and units, sent to another site.
    HandOver,
    /// The office's note of a step recorded outside the ticket's scope (by the server itself).
    NoteScope,
}

impl Action {
    pub const ALL: [Self; 29] = [
        Self::Intake,
        Self::Edit,
        Self::Forward,
        Self::Assess,
        Self::Receive,
        Self::Move,
        Self::Assign,
        Self::Repair,
        Self::PartsRequest,
        Self::Inspect,
        Self::ShipNotice,
        Self::Pack,
        Self::Ship,
        Self::Confirm,
        Self::Cost,
        Self::AuditCost,
        Self::Close,
        Self::Archive,
        Self::Hold,
        Self::Resume,
        Self::Cancel,
        Self::Resolve,
        Self::Scan,
        Self::Label,
        Self::Attach,
        Self::NoteClock,
        Self::NoteSurvey,
        Self::HandOver,
        Self::NoteScope,
    ];

    /// The `rma-agent` command that takes the step (`parts-request`).
    pub fn command(self) -> &'static str {
        match self {
            Self::Intake => "intake",
            Self::Edit => "edit",
            Self::Forward => "forward",
            Self::Assess => "assess",
            Self::Receive => "receive",
            Self::Move => "move",
            Self::Assign => "assign",
            Self::Repair => "repair",
            Self::PartsRequest => "parts-request",
            Self::Inspect => "inspect",
            Self::ShipNotice => "ship-notice",
            Self::Pack => "pack",
            Self::Ship => "ship",
            Self::Confirm => "confirm",
            Self::Cost => "cost",
            Self::AuditCost => "audit-cost",
            Self::Close => "close",
            Self::Archive => "archive",
            Self::Hold => "hold",
            Self::Resume => "resume",
            Self::Cancel => "cancel",
            Self::Resolve => "resolve",
            Self::Scan => "scan",
            Self::Label => "label",
            Self::Attach => "attach",
            Self::NoteClock => "note-clock",
            Self::NoteSurvey => "note-survey",
            Self::HandOver => "hand-over",
            Self::NoteScope => "note-scope",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.command() == text)
    }

    /// The step in a word or two, for people (a button, a heading).
    pub fn label(self, lang: Lang) -> String {
        crate::tr!(lang, "action", action = self.command())
    }

    /// The step that records `kind`.
    pub fn of(kind: &EventKind) -> Self {
        use EventKind as K;
        match kind {
            K::Registered => Self::Intake,
            K::Edited { .. } => Self::Edit,
            K::Forwarded { .. } => Self::Forward,
            K::Assessed(_) => Self::Assess,
            K::Received(_) => Self::Receive,
            K::Moved { .. } => Self::Move,
            K::Assigned { .. } => Self::Assign,
            K::Repaired(_) => Self::Repair,
            K::PartsRequested { .. } => Self::PartsRequest,
            K::Inspected { .. } => Self::Inspect,
            K::ShipNoticed { .. } => Self::ShipNotice,
            K::Packed { .. } => Self::Pack,
            K::Shipped { .. } => Self::Ship,
            K::Confirmed(_) => Self::Confirm,
            K::Cost(_) => Self::Cost,
            K::CostAudited { .. } => Self::AuditCost,
            K::ClockCorrected { .. } => Self::NoteClock,
            K::SurveyAnswered { .. } => Self::NoteSurvey,
            K::Closed { .. } => Self::Close,
            K::Archived { .. } => Self::Archive,
            K::Held { .. } => Self::Hold,
            K::Resumed => Self::Resume,
            K::Cancelled { .. } => Self::Cancel,
            K::ConflictResolved { .. } => Self::Resolve,
            K::Scanned { .. } => Self::Scan,
            K::LabelsPrinted { .. } => Self::Label,
            K::Attached(_) => Self::Attach,
            K::HandedOver { .. } => Self::HandOver,
            K::OutsideScope { .. } => Self::NoteScope,
        }
    }

    /// Records kept whatever the ticket's state (but archived): corrections, costs, filing,
    /// settling conflicts, scans and labels.
    pub fn is_bookkeeping(self) -> bool {
        matches!(
            self,
            Self::Edit
                | Self::Cost
                | Self::AuditCost
                | Self::NoteClock
                | Self::NoteSurvey
                | Self::NoteScope
                | Self::Archive
                | Self::Resolve
                | Self::Scan
                | Self::Label
                | Self::Attach
        )
    }

    /// Steps taken on single units (each names the units it is for).
    pub fn on_units(self) -> bool {
        matches!(
            self,
            Self::Move | Self::Assign | Self::Repair | Self::Inspect | Self::Pack | Self::Ship
        )
    }
}

/// An account as the server's directory holds it and sends it to every agent: a name, a
/// role, and a slow Argon2id hash of the password (never the password).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Account {
    pub name: String,
    pub role: Role,
    pub added_at: DateTime<Utc>,
    pub password_hash: String,
    /// The account behind the name, new each time the name is added: sessions belong to it,
    /// so a person added again under an old name inherits none of the old sessions. (Empty
    /// for accounts made before it existed.)
    #[serde(default)]
    pub account: String,
    /// The language the person chose for the pages.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, example = "zh-CN"))]
    pub language: Option<Lang>,
    /// For a head: the department they lead, whose people's archive applications they decide
    /// (regulation 8.3). A head without one is the company's head and decides for everyone.
    #[serde(default)]
    pub department: Option<Role>,
}

impl Account {
    /// Whether this person may approve or refuse an application filed by `applicant` of
    /// `department`: the head of that department (or the company's head), never for
    /// themselves.
    pub fn decides_for(&self, applicant: &str, department: Role) -> bool {
        self.role == Role::Head
            && self.name != applicant
            && self.department.is_none_or(|d| d == department)
    }
}

/// The server's directory of accounts, as an agent receives it with sync.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Directory {
    pub accounts: Vec<Account>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_step_is_someones_duty_and_the_head_takes_them_all() {
        for action in Action::ALL {
            assert!(
                Role::ALL
                    .into_iter()
                    .filter(|r| *r != Role::Head)
                    .any(|r| r.may(action)),
                "{action:?} is nobody's duty"
            );
            assert!(Role::Head.may(action));
            assert_eq!(Action::parse(action.command()), Some(action));
        }
        assert!(Role::Sales.may(Action::Intake));
        assert!(!Role::Sales.may(Action::Inspect));
        assert!(
            !Role::Production.may(Action::Inspect),
            "a repairer does not inspect own work"
        );
        assert!(!Role::Admin.may(Action::Repair));
    }

    #[test]
    fn roles_parse_from_their_wire_names() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.key()), Some(role));
        }
        assert_eq!(Role::parse("after-sales"), Some(Role::AfterSales));
        assert_eq!(Role::parse("boss"), None);
    }
}
