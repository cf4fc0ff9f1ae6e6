//! The report: the office's data as typed SQL tables for the company's own tools (psql,
//! Metabase, Power BI), in the schema `rma_report` of the server's PostgreSQL database.
//!
//! The tables are derived and never read by the server: each push and each office record
//! replaces its tickets' rows in the same transaction as the ticket itself ([`Batch::replace_rows`]),
//! so they never disagree with the store; `rma-server report rebuild` remakes them whole. On
//! sled, `rma-server report export --to DIR` writes the same tables as CSV files.
//!
//! What they hold follows the office's pages: an archived ticket is its card only (no
//! customer, units or events), a disposed one is not there at all, and the costs are the
//! ledger's lines with finance's latest mark.

use chrono::{DateTime, NaiveDate, Utc};
use rma_shared::analysis::{TicketFacts, cost_entries};
use rma_shared::event::EventKind;
use rma_shared::{TicketStatus, TicketView};
use rma_store::kv::{Batch, Row};
use serde::Serialize;

use crate::store::Site;
use crate::store::archive::ArchiveCard;

/// The schema the tables live in.
pub const SCHEMA: &str = "rma_report";

/// A table: its name and its columns with their SQL types. The first column is the key its
/// rows are replaced by (a ticket's number, a site's code).
#[derive(Debug)]
pub struct Table {
    pub name: &'static str,
    pub columns: &'static [(&'static str, &'static str)],
    /// What the table holds, as a comment on it in the database.
    pub about: &'static str,
}

pub const TICKETS: Table = Table {
    name: "tickets",
    columns: &[
        ("ticket", "text"),
        ("site", "text"),
        ("status", "text"),
        ("model", "text"),
        ("customer", "text"),
        ("quantity", "integer"),
        ("fault", "text"),
        ("fault_type", "text"),
        ("request", "text"),
        ("registered_at", "timestamptz"),
        ("closed_at", "timestamptz"),
        ("archived_at", "timestamptz"),
        ("keeper", "text"),
        ("retain_until", "date"),
        ("satisfaction", "integer"),
        ("working", "boolean"),
        ("feedback", "text"),
        ("survey_rating", "integer"),
        ("survey_comment", "text"),
    ],
    about: "one row a ticket; an archived ticket's card only (no customer, fault or feedback); disposed tickets are not here",
};

pub const UNITS: Table = Table {
    name: "units",
    columns: &[
        ("ticket", "text"),
        ("unit", "text"),
        ("state", "text"),
        ("location", "text"),
        ("repairer", "text"),
        ("inspections", "integer"),
        ("repair_minutes", "integer"),
        ("received_at", "timestamptz"),
        ("passed_at", "timestamptz"),
        ("first_verdict", "text"),
        ("label", "text"),
    ],
    about: "one row a unit of a ticket not archived; passed_at is the last passed inspection, first_verdict the first inspection's",
};

pub const EVENTS: Table = Table {
    name: "events",
    columns: &[
        ("ticket", "text"),
        ("event", "text"),
        ("type", "text"),
        ("at", "timestamptz"),
        ("site", "text"),
        ("by_name", "text"),
        ("local_at", "timestamptz"),
        ("clock_unsure", "boolean"),
        ("details", "jsonb"),
    ],
    about: "every step that took effect on a ticket not archived, as recorded (details: the step's fields)",
};

pub const COSTS: Table = Table {
    name: "costs",
    columns: &[
        ("ticket", "text"),
        ("event", "text"),
        ("model", "text"),
        ("unit", "text"),
        ("recorded_at", "timestamptz"),
        ("site", "text"),
        ("recorded_by", "text"),
        ("kind", "text"),
        ("amount", "numeric"),
        ("currency", "text"),
        ("payer", "text"),
        ("liability", "text"),
        ("note", "text"),
        ("audit_verdict", "text"),
        ("audited_by", "text"),
        ("audited_at", "timestamptz"),
    ],
    about: "the cost ledger's lines, with finance's latest mark on each",
};

pub const AUDIT_MARKS: Table = Table {
    name: "audit_marks",
    columns: &[
        ("ticket", "text"),
        ("event", "text"),
        ("cost_event", "text"),
        ("verdict", "text"),
        ("by_name", "text"),
        ("at", "timestamptz"),
        ("note", "text"),
    ],
    about: "every mark finance made on a cost line (regulation 6.2), the latest last",
};

pub const SITES: Table = Table {
    name: "sites",
    columns: &[
        ("site", "text"),
        ("added_at", "timestamptz"),
        ("revoked_at", "timestamptz"),
        ("last_sync_at", "timestamptz"),
        ("feed_cursor", "bigint"),
        ("pending", "bigint"),
        ("clock_offset_ms", "bigint"),
        ("holds", "text"),
    ],
    about: "every enrolled site, what it holds (its own work, or all) and its last sync",
};

/// Every table, in the order they are listed.
pub const TABLES: [&Table; 6] = [&TICKETS, &UNITS, &EVENTS, &COSTS, &AUDIT_MARKS, &SITES];

/// The tables a ticket has rows in, in [`TicketRows`]' order.
pub const TICKET_TABLES: [&Table; 5] = [&TICKETS, &UNITS, &EVENTS, &COSTS, &AUDIT_MARKS];

/// The table called `name`.
pub fn table(name: &str) -> Option<&'static Table> {
    TABLES.into_iter().find(|t| t.name == name)
}

/// Bump when the tables change shape: the server drops and remakes the schema.
pub const VERSION: u32 = 3;

/// The SQL that makes the schema and its tables (in a database without them).
pub fn create_sql() -> String {
    let mut sql = format!("CREATE SCHEMA {SCHEMA};\n");
    for table in TABLES {
        let columns: Vec<String> = table
            .columns
            .iter()
            .map(|(name, kind)| format!("\"{name}\" {kind}"))
            .collect();
        let key = table.columns[0].0;
        sql.push_str(&format!(
            "CREATE TABLE {SCHEMA}.{} ({});\nCREATE INDEX ON {SCHEMA}.{} (\"{key}\");\nCOMMENT ON TABLE {SCHEMA}.{} IS '{}';\n",
            table.name,
            columns.join(", "),
            table.name,
            table.name,
            table.about.replace('\'', "''"),
        ));
    }
    sql
}

/// A ticket's rows in every ticket table, as `batch` replaces them.
pub fn write_ticket(batch: &mut Batch, rows: TicketRows) {
    for (table, (key, rows)) in TICKET_TABLES.into_iter().zip(rows.tables) {
        batch.replace_rows(table.name, key, rows);
    }
}

/// Removes a ticket's rows from every ticket table (a disposed ticket).
pub fn remove_ticket(batch: &mut Batch, number: &str) {
    for table in TICKET_TABLES {
        batch.replace_rows(table.name, number, Vec::new());
    }
}

/// A site's row, as `batch` replaces it.
pub fn write_site(batch: &mut Batch, site: &Site) {
    batch.replace_rows(SITES.name, site.code.to_string(), vec![site_row(site)]);
}

/// A ticket's rows in each ticket table (in [`TICKET_TABLES`]' order), keyed by its number.
#[derive(Debug, Clone)]
pub struct TicketRows {
    tables: [(String, Vec<Row>); 5],
}

impl TicketRows {
    /// The rows of a ticket as the office sees it; `facts` are its analysis facts (worked out
    /// once for the office's indexes and these rows).
    pub fn of(view: &TicketView, facts: Option<&TicketFacts>) -> Self {
        let number = view.number.to_string();
        let key = |rows| (number.clone(), rows);
        let card = ArchiveCard::of(view);
        let costs = cost_rows(view);
        let marks = mark_rows(view);
        let (ticket, units, events) = match &card {
            Some(card) => (card_row(view, card), Vec::new(), Vec::new()),
            None => (
                ticket_row(view, facts),
                unit_rows(view, facts),
                event_rows(view),
            ),
        };
        Self {
            tables: [
                key(vec![ticket]),
                key(units),
                key(events),
                key(costs),
                key(marks),
            ],
        }
    }

    /// The rows of `table` (one of the ticket tables).
    pub fn rows(&self, table: &Table) -> &[Row] {
        TICKET_TABLES
            .iter()
            .position(|t| t.name == table.name)
            .map_or(&[], |i| self.tables[i].1.as_slice())
    }
}

fn text(value: impl ToString) -> Option<String> {
    Some(value.to_string())
}

fn optional(value: Option<impl ToString>) -> Option<String> {
    value.map(|v| v.to_string())
}

fn time(at: DateTime<Utc>) -> Option<String> {
    Some(at.to_rfc3339())
}

fn optional_time(at: Option<DateTime<Utc>>) -> Option<String> {
    at.map(|at| at.to_rfc3339())
}

fn day(day: NaiveDate) -> Option<String> {
    Some(day.to_string())
}

/// A value's code as the API writes it (`in_repair`, `customer`).
fn code(value: &impl Serialize) -> Option<String> {
    match serde_json::to_value(value).ok()? {
        serde_json::Value::String(code) => Some(code),
        serde_json::Value::Null => None,
        other => Some(other.to_string()),
    }
}

fn ticket_row(view: &TicketView, facts: Option<&TicketFacts>) -> Row {
    let confirmation = facts.and_then(|f| f.confirmation.as_ref());
    vec![
        text(&view.number),
        text(&view.site),
        text(view.status.as_str()),
        text(&view.registration.model),
        text(&view.registration.customer),
        text(facts.map_or(view.registration.quantity, |f| f.quantity)),
        text(&view.registration.fault),
        optional(facts.map(|f| &f.fault_type)),
        code(&view.registration.request),
        optional_time(view.registered_at),
        optional_time(view.closing.as_ref().map(|e| e.at)),
        None,
        None,
        None,
        optional(confirmation.map(|c| c.satisfaction)),
        optional(confirmation.map(|c| c.working)),
        optional(confirmation.and_then(|c| c.feedback.as_ref())),
        optional(facts.and_then(|f| f.survey.as_ref()).map(|s| s.0)),
        optional(facts.and_then(|f| f.survey.as_ref()?.1.as_ref())),
    ]
}

/// An archived ticket: its card's fields, nothing of its contents.
fn card_row(view: &TicketView, card: &ArchiveCard) -> Row {
    vec![
        text(&card.number),
        text(&view.site),
        text(TicketStatus::Archived.as_str()),
        text(&card.model),
        None,
        None,
        None,
        None,
        None,
        optional_time(view.registered_at),
        optional_time(view.closing.as_ref().map(|e| e.at)),
        time(card.archived_at),
        text(&card.keeper),
        day(card.retain_until),
        None,
        None,
        None,
        None,
        None,
    ]
}

fn unit_rows(view: &TicketView, facts: Option<&TicketFacts>) -> Vec<Row> {
    view.units
        .iter()
        .map(|unit| {
            let status = &unit.status;
            let fact = facts.and_then(|f| f.units.iter().find(|u| u.number == status.number));
            vec![
                text(&view.number),
                text(&status.number),
                text(status.state.as_str()),
                text(&status.location),
                optional(status.repairer.as_ref()),
                text(status.inspections),
                text(status.repair_minutes),
                optional_time(fact.and_then(|f| f.received_at)),
                optional_time(fact.and_then(|f| f.passed_at)),
                fact.and_then(|f| f.first_verdict).and_then(|v| code(&v)),
                optional(status.label.as_ref()),
            ]
        })
        .collect()
}

fn event_rows(view: &TicketView) -> Vec<Row> {
    view.events
        .iter()
        .map(|event| {
            vec![
                text(&view.number),
                text(&event.id),
                text(event.kind.name()),
                time(event.at),
                text(&event.site),
                text(&event.by),
                optional_time(event.local_at),
                text(event.clock_unsure),
                serde_json::to_string(&event.kind).ok(),
            ]
        })
        .collect()
}

fn cost_rows(view: &TicketView) -> Vec<Row> {
    cost_entries(view)
        .into_iter()
        .map(|line| {
            let audit = line.audit.as_ref();
            vec![
                text(&line.ticket),
                text(&line.event),
                text(&line.model),
                optional(line.unit.as_ref()),
                time(line.at),
                text(&line.site),
                text(&line.by),
                code(&line.kind),
                text(line.amount.amount()),
                text(&line.amount.currency),
                code(&line.payer),
                code(&line.liability),
                optional(line.note.as_ref()),
                audit.and_then(|a| code(&a.verdict)),
                optional(audit.map(|a| &a.by)),
                optional_time(audit.map(|a| a.at)),
            ]
        })
        .collect()
}

fn mark_rows(view: &TicketView) -> Vec<Row> {
    view.events
        .iter()
        .filter_map(|event| match &event.kind {
            EventKind::CostAudited {
                cost,
                verdict,
                note,
            } => Some(vec![
                text(&view.number),
                text(&event.id),
                text(cost),
                code(verdict),
                text(&event.by),
                time(event.at),
                optional(note.as_ref()),
            ]),
            _ => None,
        })
        .collect()
}

fn site_row(site: &Site) -> Row {
    vec![
        text(&site.code),
        time(site.added_at),
        optional_time(site.revoked_at),
        optional_time(site.last_sync_at),
        text(site.cursor),
        optional(site.pending),
        optional(site.clock_offset_ms),
        text(site.holds),
    ]
}

/// The rows of every table for an export: each ticket's (archived ones as cards, disposed
/// ones not at all) and each site's.
pub fn site_rows(sites: &[Site]) -> Vec<Row> {
    sites.iter().map(site_row).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rma_shared::SiteCode;
    use rma_shared::automerge::ActorId;

    #[test]
    fn every_row_has_a_value_for_each_column() {
        let site = SiteCode::parse("WH1").unwrap();
        let doc = rma_shared::testing::ticket(&site, 1, &ActorId::random(), Utc::now());
        let view = TicketView::build(&doc, &Default::default(), Utc::now()).unwrap();
        let rows = TicketRows::of(&view, TicketFacts::from_view(&view).as_ref());
        assert_eq!(rows.rows(&TICKETS).len(), 1);
        assert_eq!(rows.rows(&EVENTS).len(), 1);
        for table in TICKET_TABLES {
            for row in rows.rows(table) {
                assert_eq!(row.len(), table.columns.len(), "{}", table.name);
            }
        }
        assert!(create_sql().contains("CREATE TABLE rma_report.tickets"));
    }
}
