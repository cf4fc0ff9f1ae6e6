//! The store's side of the report ([`crate::report`]): whether it keeps the tables, making
//! them again, letting a database role read them, and exporting them as CSV files.

use std::path::Path;

use chrono::Utc;
use rma_shared::{DeadlineSettings, Derived, TicketView};
use rma_store::kv::{Batch, Row};
use rma_store::tickets::ListFilter;

use super::*;
use crate::report::{self, TABLES, TicketRows};

/// The version of the report's tables the database holds.
const META: &str = "meta:report";
/// The database roles granted reading the report (JSON list), granted again when the
/// tables are made again.
const GRANTS: &str = "meta:report:grants";
/// Tickets a rebuild writes in one transaction.
const CHUNK: usize = 500;

/// What a rebuild or an export wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReportCounts {
    pub tickets: usize,
    pub sites: usize,
}

impl ServerStore {
    /// Whether this store keeps the report's tables (on PostgreSQL).
    pub(crate) fn keeps_report(&self) -> bool {
        self.report.is_some()
    }

    /// Makes the report's tables if the database has none of this version.
    pub(crate) fn ensure_report(&self) -> Result<(), ServerStoreError> {
        let found = self.kv.get(META)?;
        if found.as_deref() == Some(report::VERSION.to_string().as_bytes()) {
            return Ok(());
        }
        let counts = self.rebuild_report()?;
        tracing::info!(
            tickets = counts.tickets,
            sites = counts.sites,
            "the report's tables were made"
        );
        Ok(())
    }

    /// Drops the report's tables and makes them again from the store, `CHUNK` tickets a
    /// transaction. Pushes go on meanwhile: each writes its own tickets' rows, and a ticket
    /// rebuilt later is read as it is then, so the tables end up as the store is.
    pub fn rebuild_report(&self) -> Result<ReportCounts, ServerStoreError> {
        let Some(database) = &self.report else {
            return Err(ServerStoreError::NoReport);
        };
        let mut sql = format!("DROP SCHEMA IF EXISTS {} CASCADE;\n", report::SCHEMA);
        sql.push_str(&report::create_sql());
        for role in self.report_grants()? {
            sql.push_str(&grant_sql(&role));
        }
        database.run_locked(&sql)?;
        let all = self
            .tickets
            .list(&ListFilter::default(), &DeadlineSettings::default())?;
        let numbers: Vec<TicketNumber> = all.tickets.into_iter().map(|t| t.number).collect();
        for chunk in numbers.chunks(CHUNK) {
            self.kv.exclusive(|kv| {
                let store = self.within(kv);
                let mut batch = Batch::default();
                for number in chunk {
                    match store.ticket_rows(number)? {
                        Some(rows) => report::write_ticket(&mut batch, rows),
                        None => report::remove_ticket(&mut batch, &number.to_string()),
                    }
                }
                Ok::<_, ServerStoreError>((batch, ()))
            })?;
        }
        let sites = self.sites()?;
        let mut batch = Batch::default();
        for site in &sites {
            report::write_site(&mut batch, site);
        }
        batch.put(META, report::VERSION.to_string());
        self.kv.commit(batch)?;
        Ok(ReportCounts {
            tickets: numbers.len(),
            sites: sites.len(),
        })
    }

    /// A ticket's report rows as the store holds it now (none if it is gone).
    fn ticket_rows(&self, number: &TicketNumber) -> Result<Option<TicketRows>, ServerStoreError> {
        let Some((_, doc)) = self.tickets.read_prior(number)? else {
            return Ok(None);
        };
        let Ok(derived) = Derived::of(&doc) else {
            tracing::warn!(ticket = %number, "a ticket the server cannot read is left out of the report");
            return Ok(None);
        };
        let view =
            TicketView::from_derived(&doc, derived, &DeadlineSettings::default(), Utc::now());
        let facts = rma_shared::analysis::TicketFacts::from_view(&view);
        Ok(Some(TicketRows::of(&view, facts.as_ref())))
    }

    /// Lets the database role `role` read the report's schema, and nothing else of the
    /// store; kept, so a rebuild grants it again.
    pub fn grant_report(&self, role: &str) -> Result<(), ServerStoreError> {
        let Some(database) = &self.report else {
            return Err(ServerStoreError::NoReport);
        };
        database.run_locked(&grant_sql(role))?;
        let mut roles = self.report_grants()?;
        if !roles.iter().any(|r| r == role) {
            roles.push(role.to_owned());
        }
        let mut batch = Batch::default();
        batch.put(GRANTS, serde_json::to_vec(&roles).expect("names serialise"));
        self.kv.commit(batch)?;
        Ok(())
    }

    fn report_grants(&self) -> Result<Vec<String>, ServerStoreError> {
        Ok(self
            .kv
            .get(GRANTS)?
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default())
    }

    /// Writes the report's tables as CSV files in `dir` (`tickets.csv`, `units.csv`, ...),
    /// each with a header of its columns, from one consistent view of the store.
    pub fn export_report(&self, dir: &Path) -> Result<ReportCounts, ServerStoreError> {
        let io = |path: &Path| {
            let path = path.to_owned();
            move |source| ServerStoreError::Io { path, source }
        };
        rma_store::files::create_private_dir(dir).map_err(io(dir))?;
        let mut writers = Vec::new();
        for table in TABLES {
            let path = dir.join(format!("{}.csv", table.name));
            let mut writer = csv::Writer::from_path(&path).map_err(|err| csv_error(&path, err))?;
            writer
                .write_record(table.columns.iter().map(|(name, _)| *name))
                .map_err(|err| csv_error(&path, err))?;
            writers.push((path, writer));
        }
        let mut write = |table: &str, rows: &[Row]| -> Result<(), ServerStoreError> {
            let index = TABLES
                .iter()
                .position(|t| t.name == table)
                .expect("a report table");
            let (path, writer) = &mut writers[index];
            for row in rows {
                writer
                    .write_record(row.iter().map(|cell| cell.as_deref().unwrap_or("")))
                    .map_err(|err| csv_error(path, err))?;
            }
            Ok(())
        };
        let mut counts = ReportCounts::default();
        self.kv.snapshot(|kv| {
            let store = self.within(kv);
            let all = store
                .tickets
                .list(&ListFilter::default(), &DeadlineSettings::default())?;
            for summary in &all.tickets {
                if let Some(rows) = store.ticket_rows(&summary.number)? {
                    for table in report::TICKET_TABLES {
                        write(table.name, rows.rows(table))?;
                    }
                    counts.tickets += 1;
                }
            }
            let sites = store.sites()?;
            write(report::SITES.name, &report::site_rows(&sites))?;
            counts.sites = sites.len();
            Ok::<_, ServerStoreError>(())
        })?;
        for (path, mut writer) in writers {
            writer.flush().map_err(io(&path))?;
        }
        Ok(counts)
    }
}

/// The SQL that lets `role` read the report: its schema's tables, and nothing else.
fn grant_sql(role: &str) -> String {
    let role = format!("\"{}\"", role.replace('"', "\"\""));
    let schema = report::SCHEMA;
    format!(
        "GRANT USAGE ON SCHEMA {schema} TO {role};\n\
         GRANT SELECT ON ALL TABLES IN SCHEMA {schema} TO {role};\n"
    )
}

fn csv_error(path: &Path, err: csv::Error) -> ServerStoreError {
    let source = match err.into_kind() {
        csv::ErrorKind::Io(source) => source,
        other => std::io::Error::other(format!("{other:?}")),
    };
    ServerStoreError::Io {
        path: path.to_owned(),
        source,
    }
}
