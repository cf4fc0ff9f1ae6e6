//! A scanned label: a storage area sets where the units scanned next go; a unit then is moved
//! there; a unit or a ticket alone is shown. Every scan is recorded with its ticket; the same
//! code read twice in a row is said once, not applied twice.

use rma_shared::event::EventKind;
use rma_shared::i18n::Lang;
use rma_shared::step::status_line;
use rma_shared::{AreaCode, LabelCode, TicketSummary, UnitNumber, tr};
use serde::{Deserialize, Serialize};

use super::{Asker, Desk, DeskError};
use crate::store::StoreError;

/// What a scan did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "did", rename_all = "snake_case")]
pub enum Scanned {
    /// A storage area: the units scanned next go there.
    Area { area: AreaCode },
    /// A unit moved into the area scanned before it.
    Moved {
        unit: UnitNumber,
        area: AreaCode,
        ticket: TicketSummary,
    },
    /// A unit that is in that area already.
    AlreadyIn { unit: UnitNumber, area: AreaCode },
    /// The code this person scanned last, again.
    Again { code: LabelCode },
    /// A unit or a ticket, shown (and the scan recorded).
    Shown {
        code: LabelCode,
        ticket: TicketSummary,
    },
}

impl Scanned {
    /// What the scan did, as `--json` names it: area, moved, duplicate or shown.
    pub fn action(&self) -> &'static str {
        match self {
            Self::Area { .. } => "area",
            Self::Moved { .. } => "moved",
            Self::AlreadyIn { .. } | Self::Again { .. } => "duplicate",
            Self::Shown { .. } => "shown",
        }
    }

    /// The page a scan leads to on the bench: a unit's or a ticket's (none for the others).
    pub fn page(&self) -> Option<String> {
        match self {
            Self::Shown {
                code: LabelCode::Unit(unit),
                ..
            } => Some(format!("/u/{unit}")),
            Self::Shown { ticket, .. } => Some(format!("/t/{}", ticket.number)),
            _ => None,
        }
    }

    pub fn message(&self, lang: Lang) -> String {
        let standing = |ticket: &TicketSummary| {
            status_line(
                &ticket.number,
                ticket.status,
                ticket.units.iter().map(|u| u.state),
                lang,
            )
        };
        match self {
            Self::Area { area } => tr!(lang, "scan-area", area = area.to_string()),
            Self::Moved { unit, area, ticket } => tr!(
                lang,
                "scan-moved",
                unit = unit.to_string(),
                area = area.to_string(),
                status = standing(ticket)
            ),
            Self::AlreadyIn { unit, area } => tr!(
                lang,
                "scan-already-in",
                unit = unit.to_string(),
                area = area.to_string()
            ),
            Self::Again { code } => tr!(lang, "scan-just-scanned", code = code.to_string()),
            Self::Shown { code, ticket } => {
                let mut message = standing(ticket);
                if let LabelCode::Unit(unit) = code
                    && let Some(u) = ticket.units.iter().find(|u| &u.number == unit)
                {
                    let at = tr!(
                        lang,
                        "scan-unit-at",
                        unit = unit.to_string(),
                        state = u.state.label(lang),
                        place = u.location.label(lang)
                    );
                    message = format!("{at} {message}");
                }
                let customer = tr!(lang, "scan-customer", customer = ticket.customer.as_str());
                format!("{message} {customer}")
            }
        }
    }
}

impl Desk {
    /// Reads one scanned line with `area` the storage area scanned before (if any).
    pub fn scan(
        &self,
        asker: &Asker,
        line: &str,
        area: Option<&AreaCode>,
    ) -> Result<Scanned, DeskError> {
        let store = self.store();
        let code = match LabelCode::parse(line)? {
            // A pre-printed label stands for the unit it was attached to.
            LabelCode::Reserved(label) => LabelCode::Unit(
                store
                    .unit_of_label(&label)?
                    .ok_or_else(|| DeskError::LabelNotHere(format!("L:{label}")))?,
            ),
            code => code,
        };
        let summary = |ticket| -> Result<TicketSummary, DeskError> {
            store
                .summary(ticket)?
                .ok_or_else(|| DeskError::Store(StoreError::UnknownTicket(ticket.clone())))
        };
        match (&code, area) {
            (LabelCode::Area(area), _) => {
                store.require_area(area)?;
                Ok(Scanned::Area { area: area.clone() })
            }
            (LabelCode::Unit(unit), Some(area)) => {
                let ticket = unit.ticket();
                let here = summary(ticket)?
                    .units
                    .iter()
                    .any(|u| &u.number == unit && u.location.area() == Some(area));
                if here {
                    return Ok(Scanned::AlreadyIn {
                        unit: unit.clone(),
                        area: area.clone(),
                    });
                }
                let kind = EventKind::Moved {
                    unit: unit.clone(),
                    to: area.clone(),
                };
                self.record(asker, ticket, kind)?;
                Ok(Scanned::Moved {
                    unit: unit.clone(),
                    area: area.clone(),
                    ticket: summary(ticket)?,
                })
            }
            _ => {
                let ticket = code.ticket().expect("area codes are handled above");
                let doc = store.load(ticket)?;
                let again = doc.events().last().is_some_and(|last| {
                    matches!(last, Ok(e) if e.by == asker.user
                        && e.kind == EventKind::Scanned { code: code.clone() })
                });
                if again {
                    return Ok(Scanned::Again { code });
                }
                self.record(asker, ticket, EventKind::Scanned { code: code.clone() })?;
                Ok(Scanned::Shown {
                    ticket: summary(ticket)?,
                    code,
                })
            }
        }
    }
}
