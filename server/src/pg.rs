//! The server's store on PostgreSQL, for a company that outgrows one machine: several
//! `rma-server` processes share one database. It is the same ordered key/value store as
//! sled's (one table, `kv`), so the tickets, the feed, the office's indexes and the users work
//! unchanged on either engine; PostgreSQL brings transactions across processes:
//!
//! - An exclusive section (a push's write) is one transaction that first takes a
//!   transaction-level advisory lock, so writers take turns across processes and each reads
//!   the feed's head after the last one committed: feed positions are given in commit order,
//!   with no gaps.
//! - A snapshot (a pull) is one `REPEATABLE READ` transaction: its documents, cursor and
//!   digest are one view, and it never sees a position that a later commit could fill below.
//!
//! A sync is a few dozen statements, most of them a read of a key: each connection keeps the
//! store's statements prepared (PostgreSQL parses and plans each once a connection, not once
//! a call: they read and write `kv` by its primary key), a transaction's opening is one round
//! trip with its settings and lock, and a pooled connection is not tested with a round trip of
//! its own each time it is taken. The report's statements are planned at each call: their
//! tables grow from nothing, and a plan kept from then would scan them whole.
//!
//! The schema is created and migrated by the server itself (`rma_migrations` records the
//! versions applied); a database migrated by a newer version is refused.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use postgres::types::{ToSql, Type};
use postgres::{NoTls, Statement};
use rma_store::kv::{Backend, Batch, Entries, Entry, Kv, KvError, Row, Writes};

type Pool = r2d2::Pool<Sessions>;
type Connection = r2d2::PooledConnection<Sessions>;
type Param<'a> = &'a (dyn ToSql + Sync);

/// Opens the pool's connections, each a [`Session`].
#[derive(Debug)]
struct Sessions {
    config: postgres::Config,
}

impl r2d2::ManageConnection for Sessions {
    type Connection = Session;
    type Error = postgres::Error;

    fn connect(&self) -> Result<Session, postgres::Error> {
        Ok(Session {
            client: self.config.connect(NoTls)?,
            prepared: HashMap::new(),
        })
    }

    fn is_valid(&self, session: &mut Session) -> Result<(), postgres::Error> {
        session.client.simple_query("").map(drop)
    }

    fn has_broken(&self, session: &mut Session) -> bool {
        session.client.is_closed()
    }
}

/// A connection and the statements it has prepared, by their text.
struct Session {
    client: postgres::Client,
    prepared: HashMap<String, Statement>,
}

impl Session {
    /// Runs `sql` with `params` (of `types`) as a statement prepared once on this connection.
    fn query(
        &mut self,
        sql: &str,
        types: &[Type],
        params: &[Param<'_>],
    ) -> Result<Vec<postgres::Row>, postgres::Error> {
        let statement = match self.prepared.get(sql) {
            Some(statement) => statement.clone(),
            None => {
                let statement = self.client.prepare_typed(sql, types)?;
                self.prepared.insert(sql.to_owned(), statement.clone());
                statement
            }
        };
        let rows = self.client.query(&statement, params);
        if rows.is_err() {
            // Prepared afresh next time, in case the connection lost it.
            self.prepared.clear();
        }
        rows
    }

    /// Runs `sql` with `params` (of `types`), parsed and planned for this call: for the
    /// report's statements, whose tables grow from nothing (a plan kept from when they were
    /// small would scan them whole).
    fn query_once(
        &mut self,
        sql: &str,
        params: &[(Param<'_>, Type)],
    ) -> Result<Vec<postgres::Row>, postgres::Error> {
        self.client.query_typed(sql, params)
    }

    /// Runs statements that take no parameters, in one round trip.
    fn run(&mut self, sql: &str) -> Result<(), postgres::Error> {
        self.client.batch_execute(sql)
    }
}

/// The schema, one step per version; a step is never changed once released.
const MIGRATIONS: &[(i32, &str)] = &[(
    1,
    "CREATE TABLE kv (key bytea PRIMARY KEY, value bytea NOT NULL)",
)];

/// Advisory lock keys ("rma" in ASCII, and a number per purpose).
const WRITER_LOCK: i64 = 0x726d_6100_0001;
const MIGRATION_LOCK: i64 = 0x726d_6100_0002;

/// Rows a scan reads at a time.
const PAGE: i64 = 256;

/// A store in a PostgreSQL database.
pub struct Postgres {
    /// Always there but while the store is dropped (see `Drop`).
    pool: Option<Pool>,
    /// The address without its password, for messages.
    shown: String,
}

impl fmt::Debug for Postgres {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Postgres")
            .field("database", &self.shown)
            .finish()
    }
}

fn failed(what: &str, err: impl fmt::Display) -> KvError {
    KvError::Database(format!("{what}: {err}"))
}

impl Postgres {
    /// Connects to the database at `url` (`postgres://USER:PASSWORD@HOST:PORT/DB`) and brings
    /// its schema up to this version.
    pub fn connect(url: &str) -> Result<Self, KvError> {
        let shown = hide_password(url);
        let config: postgres::Config = url
            .parse()
            .map_err(|err| failed(&format!("{shown} is not a database address"), err))?;
        let pool = r2d2::Pool::builder()
            .max_size(16)
            .connection_timeout(std::time::Duration::from_secs(10))
            // A connection that broke is found when it is used (its request fails and is
            // tried again), not by a round trip before every use.
            .test_on_check_out(false)
            .build(Sessions { config })
            .map_err(|err| failed(&format!("cannot connect to {shown}"), err))?;
        let store = Self {
            pool: Some(pool),
            shown,
        };
        store.migrate()?;
        Ok(store)
    }

    fn client(&self) -> Result<Connection, KvError> {
        self.pool
            .as_ref()
            .expect("the pool is there until the store is dropped")
            .get()
            .map_err(|err| failed(&format!("cannot connect to {}", self.shown), err))
    }

    /// How a scan outside a transaction reads: on a pooled connection.
    fn reader(self: Arc<Self>) -> impl FnMut(&str, &[Type], &[Param<'_>]) -> Rows + Send + 'static {
        move |sql, types, params| {
            self.client()?
                .query(sql, types, params)
                .map_err(|err| failed("cannot read the store", err))
        }
    }

    /// Applies the migrations this database lacks, one process at a time.
    fn migrate(&self) -> Result<(), KvError> {
        let mut session = self.client()?;
        let client = &mut session.client;
        let sql = |err| failed("cannot set up the database's tables", err);
        client
            .execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK])
            .map_err(sql)?;
        let result = (|| {
            let exists: bool = client
                .query_one("SELECT to_regclass('rma_migrations') IS NOT NULL", &[])
                .map_err(sql)?
                .get(0);
            if !exists {
                client
                    .batch_execute(
                        "CREATE TABLE rma_migrations (
                            version integer PRIMARY KEY,
                            applied_at timestamptz NOT NULL DEFAULT now())",
                    )
                    .map_err(sql)?;
            }
            let applied: i32 = client
                .query_one("SELECT coalesce(max(version), 0) FROM rma_migrations", &[])
                .map_err(sql)?
                .get(0);
            let known = MIGRATIONS.last().map_or(0, |(v, _)| *v);
            if applied > known {
                return Err(KvError::Newer {
                    found: format!("schema version {applied}"),
                    known: format!("schema version {known}"),
                });
            }
            for (version, step) in MIGRATIONS.iter().filter(|(v, _)| *v > applied) {
                let mut tx = client.transaction().map_err(sql)?;
                tx.batch_execute(step).map_err(sql)?;
                tx.execute(
                    "INSERT INTO rma_migrations (version) VALUES ($1)",
                    &[version],
                )
                .map_err(sql)?;
                tx.commit().map_err(sql)?;
                tracing::info!(version, "database schema migrated");
            }
            Ok(())
        })();
        client
            .execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK])
            .map_err(sql)?;
        result
    }

    /// Runs `section` in one transaction on one connection: opened by `begin` (one round
    /// trip, its settings and lock with it), the section over a [`Transaction`], then
    /// `COMMIT` (or `ROLLBACK` if it failed).
    fn in_transaction(
        &self,
        begin: &str,
        section: &mut dyn FnMut(&Arc<Transaction>) -> Result<(), KvError>,
    ) -> Result<(), KvError> {
        let mut session = self.client()?;
        session
            .run(begin)
            .map_err(|err| failed("cannot start a transaction", err))?;
        let tx = Arc::new(Transaction {
            session: Mutex::new(Some(session)),
        });
        let result = section(&tx);
        let mut session = tx
            .session
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
            .expect("the connection is returned once");
        let end = if result.is_ok() { "COMMIT" } else { "ROLLBACK" };
        let ended = session
            .run(end)
            .map_err(|err| failed("cannot end a transaction", err));
        result.and(ended)
    }
}

/// Opens a transaction that takes the writers' lock: no other writer, in any process, runs
/// until it ends.
fn begin_locked(settings: &str) -> String {
    format!("BEGIN; {settings}SELECT pg_advisory_xact_lock({WRITER_LOCK})")
}

impl Backend for Postgres {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, KvError> {
        get(&mut *self.client()?, key)
    }

    fn get_many(&self, keys: &[Vec<u8>]) -> Result<Vec<Option<Vec<u8>>>, KvError> {
        get_many(&mut *self.client()?, keys)
    }

    fn range(self: Arc<Self>, from: Vec<u8>, to: Option<Vec<u8>>, reverse: bool) -> Entries {
        Box::new(Pages::new(self.reader(), from, to, reverse, PAGE))
    }

    fn last(self: Arc<Self>, from: Vec<u8>, to: Option<Vec<u8>>) -> Option<Entry> {
        Pages::new(self.reader(), from, to, true, 1).next()
    }

    fn apply(&self, writes: Writes, durable: bool) -> Result<(), KvError> {
        let settings = if durable {
            ""
        } else {
            "SET LOCAL synchronous_commit = off; "
        };
        // Registers are read, then written: one such writer at a time, in every process.
        let begin = if writes.registers.is_empty() {
            format!("BEGIN; {settings}")
        } else {
            begin_locked(settings)
        };
        let mut writes = Some(writes);
        self.in_transaction(&begin, &mut |tx| match writes.take() {
            Some(writes) => tx.with(|session| write(session, writes)),
            None => Ok(()),
        })
    }

    fn exclusive(
        self: Arc<Self>,
        section: &mut dyn FnMut(&Kv) -> Result<Batch, KvError>,
    ) -> Result<(), KvError> {
        self.in_transaction(&begin_locked(""), &mut |tx| {
            let batch = section(&Kv::with(tx.clone()))?;
            tx.with(|session| write(session, batch.into_writes()))
        })
    }

    fn snapshot(
        self: Arc<Self>,
        section: &mut dyn FnMut(&Kv) -> Result<(), KvError>,
    ) -> Result<(), KvError> {
        self.in_transaction(
            "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
            &mut |tx| section(&Kv::with(tx.clone())),
        )
    }
}

impl Drop for Postgres {
    /// Closing a connection blocks on the synchronous client's own runtime, which cannot run
    /// inside another: a server shutting down drops its store on an async thread. The pool is
    /// dropped on a thread of its own.
    fn drop(&mut self) {
        if let Some(pool) = self.pool.take() {
            let closed = std::thread::spawn(move || drop(pool)).join();
            if closed.is_err() {
                tracing::warn!("closing the database connections failed");
            }
        }
    }
}

/// An open transaction on one connection: what an exclusive section or a snapshot reads
/// through.
struct Transaction {
    session: Mutex<Option<Connection>>,
}

impl fmt::Debug for Transaction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transaction").finish_non_exhaustive()
    }
}

impl Drop for Transaction {
    /// A section that panicked leaves its transaction open (and perhaps the writers' lock
    /// taken): it is rolled back before its connection goes back to the pool.
    fn drop(&mut self) {
        let session = self
            .session
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(session) = session.as_mut()
            && let Err(err) = session.run("ROLLBACK")
        {
            tracing::warn!(error = %err, "an interrupted transaction was not rolled back");
        }
    }
}

impl Transaction {
    fn with<T>(&self, f: impl FnOnce(&mut Session) -> Result<T, KvError>) -> Result<T, KvError> {
        let mut session = self.session.lock().unwrap_or_else(PoisonError::into_inner);
        f(session
            .as_mut()
            .expect("a transaction is used only while it is open"))
    }

    /// How a scan in this transaction reads: in its session.
    fn reader(self: Arc<Self>) -> impl FnMut(&str, &[Type], &[Param<'_>]) -> Rows + Send + 'static {
        move |sql, types, params| {
            self.with(|session| {
                session
                    .query(sql, types, params)
                    .map_err(|err| failed("cannot read the store", err))
            })
        }
    }
}

impl Backend for Transaction {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, KvError> {
        self.with(|session| get(session, key))
    }

    fn get_many(&self, keys: &[Vec<u8>]) -> Result<Vec<Option<Vec<u8>>>, KvError> {
        self.with(|session| get_many(session, keys))
    }

    fn range(self: Arc<Self>, from: Vec<u8>, to: Option<Vec<u8>>, reverse: bool) -> Entries {
        Box::new(Pages::new(self.reader(), from, to, reverse, PAGE))
    }

    fn last(self: Arc<Self>, from: Vec<u8>, to: Option<Vec<u8>>) -> Option<Entry> {
        Pages::new(self.reader(), from, to, true, 1).next()
    }

    fn apply(&self, _writes: Writes, _durable: bool) -> Result<(), KvError> {
        panic!("a section returns its writes; it does not apply them itself")
    }

    fn exclusive(
        self: Arc<Self>,
        _section: &mut dyn FnMut(&Kv) -> Result<Batch, KvError>,
    ) -> Result<(), KvError> {
        panic!("store sections do not nest")
    }

    fn snapshot(
        self: Arc<Self>,
        _section: &mut dyn FnMut(&Kv) -> Result<(), KvError>,
    ) -> Result<(), KvError> {
        panic!("store sections do not nest")
    }
}

fn get(session: &mut Session, key: &[u8]) -> Result<Option<Vec<u8>>, KvError> {
    let rows = session
        .query(
            "SELECT value FROM kv WHERE key = $1",
            &[Type::BYTEA],
            &[&key],
        )
        .map_err(|err| failed("cannot read the store", err))?;
    Ok(rows.into_iter().next().map(|row| row.get(0)))
}

/// The values of many keys in one query, in the order asked.
fn get_many(session: &mut Session, keys: &[Vec<u8>]) -> Result<Vec<Option<Vec<u8>>>, KvError> {
    let rows = session
        .query(
            "SELECT key, value FROM kv WHERE key = ANY($1)",
            &[Type::BYTEA_ARRAY],
            &[&keys],
        )
        .map_err(|err| failed("cannot read the store", err))?;
    let mut found: HashMap<Vec<u8>, Vec<u8>> = rows
        .into_iter()
        .map(|row| (row.get(0), row.get(1)))
        .collect();
    Ok(keys.iter().map(|key| found.remove(key)).collect())
}

/// Writes values and registers (read and written here: the caller holds the writer lock),
/// and the report's rows.
fn write(session: &mut Session, writes: Writes) -> Result<(), KvError> {
    write_rows(session, writes.rows)?;
    let sql = |err| failed("cannot write the store", err);
    let mut keys: Vec<Vec<u8>> = Vec::new();
    let mut values: Vec<Vec<u8>> = Vec::new();
    let mut gone: Vec<Vec<u8>> = Vec::new();
    let registers: Vec<Vec<u8>> = writes.registers.keys().cloned().collect();
    let currents = if registers.is_empty() {
        Vec::new()
    } else {
        get_many(session, &registers)?
    };
    for ((key, change), current) in writes.registers.into_iter().zip(currents) {
        let current = current
            .and_then(|v| <[u8; 32]>::try_from(v.as_slice()).ok())
            .unwrap_or([0; 32]);
        keys.push(key);
        values.push(Writes::register_value(current, change).to_vec());
    }
    for (key, value) in writes.values {
        match value {
            Some(value) => {
                keys.push(key);
                values.push(value);
            }
            None => gone.push(key),
        }
    }
    // A batch puts or deletes a key, never both: the two go in one statement.
    match (gone.is_empty(), keys.is_empty()) {
        (true, true) => {}
        (false, true) => {
            session
                .query(
                    "DELETE FROM kv WHERE key = ANY($1)",
                    &[Type::BYTEA_ARRAY],
                    &[&gone],
                )
                .map_err(sql)?;
        }
        (true, false) => {
            session
                .query(
                    "INSERT INTO kv (key, value) SELECT * FROM unnest($1::bytea[], $2::bytea[])
                     ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    &[Type::BYTEA_ARRAY, Type::BYTEA_ARRAY],
                    &[&keys, &values],
                )
                .map_err(sql)?;
        }
        (false, false) => {
            session
                .query(
                    "WITH gone AS (DELETE FROM kv WHERE key = ANY($3))
                     INSERT INTO kv (key, value) SELECT * FROM unnest($1::bytea[], $2::bytea[])
                     ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    &[Type::BYTEA_ARRAY, Type::BYTEA_ARRAY, Type::BYTEA_ARRAY],
                    &[&keys, &values, &gone],
                )
                .map_err(sql)?;
        }
    }
    Ok(())
}

/// Replaces the report's rows a batch carries, every table in one statement (a push holds the
/// writers' lock meanwhile, so round trips count): per table, the rows of its keys are
/// deleted and the new rows inserted, each column sent as a text array and cast to its type.
/// The statement's parts all see the tables as they were before it, so an insert never meets
/// the rows its table's delete removes.
fn write_rows(
    session: &mut Session,
    rows: std::collections::BTreeMap<(&'static str, String), Vec<Row>>,
) -> Result<(), KvError> {
    let mut by_table: std::collections::BTreeMap<&str, (Vec<String>, Vec<Row>)> =
        std::collections::BTreeMap::new();
    for ((table, key), rows) in rows {
        let entry = by_table.entry(table).or_default();
        entry.0.push(key);
        entry.1.extend(rows);
    }
    if by_table.is_empty() {
        return Ok(());
    }
    let schema = crate::report::SCHEMA;
    // Every parameter is a text array: a table's keys, then each of its columns.
    let mut params: Vec<Vec<Option<String>>> = Vec::new();
    let mut parts: Vec<String> = Vec::new();
    for (name, (keys, rows)) in by_table {
        let table = crate::report::table(name)
            .ok_or_else(|| KvError::Database(format!("no report table {name}")))?;
        let key = table.columns[0].0;
        params.push(keys.into_iter().map(Some).collect());
        let keys_at = params.len();
        parts.push(format!(
            "DELETE FROM {schema}.{name} WHERE \"{key}\" = ANY(${keys_at}::text[])"
        ));
        if rows.is_empty() {
            continue;
        }
        let first = params.len() + 1;
        for c in 0..table.columns.len() {
            params.push(
                rows.iter()
                    .map(|row| row.get(c).cloned().flatten())
                    .collect(),
            );
        }
        let list = |f: &dyn Fn(usize, &str, &str) -> String| {
            table
                .columns
                .iter()
                .enumerate()
                .map(|(i, (column, kind))| f(i, column, kind))
                .collect::<Vec<_>>()
                .join(", ")
        };
        parts.push(format!(
            "INSERT INTO {schema}.{name} ({}) SELECT {} FROM unnest({}) AS r({})",
            list(&|_, column, _| format!("\"{column}\"")),
            list(&|i, _, kind| format!("c{i}::{kind}")),
            list(&|i, _, _| format!("${}::text[]", first + i)),
            list(&|i, _, _| format!("c{i}")),
        ));
    }
    let statement = format!(
        "WITH {} SELECT 1",
        parts
            .iter()
            .enumerate()
            .map(|(i, part)| format!("p{i} AS ({part})"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let params: Vec<(Param<'_>, Type)> = params
        .iter()
        .map(|p| (p as Param<'_>, Type::TEXT_ARRAY))
        .collect();
    session
        .query_once(&statement, &params)
        .map_err(|err| failed("cannot write the report's tables", err))?;
    Ok(())
}

impl Postgres {
    /// Runs `sql` in one transaction that holds the writers' lock, so no push writes while
    /// it runs (the report's schema made again, say).
    pub fn run_locked(&self, sql: &str) -> Result<(), KvError> {
        self.in_transaction(&begin_locked(""), &mut |tx| {
            tx.with(|session| {
                session
                    .run(sql)
                    .map_err(|err| failed("the database refused", err))
            })
        })
    }
}

type Rows = Result<Vec<postgres::Row>, KvError>;
type Query = dyn FnMut(&str, &[Type], &[Param<'_>]) -> Rows + Send;

/// A scan read a page of rows at a time.
struct Pages {
    query: Box<Query>,
    /// Keys still to read: `from <= key < to`.
    from: Vec<u8>,
    to: Option<Vec<u8>>,
    reverse: bool,
    /// Rows read at a time.
    limit: i64,
    rows: VecDeque<(Vec<u8>, Vec<u8>)>,
    done: bool,
}

impl Pages {
    fn new(
        query: impl FnMut(&str, &[Type], &[Param<'_>]) -> Result<Vec<postgres::Row>, KvError>
        + Send
        + 'static,
        from: Vec<u8>,
        to: Option<Vec<u8>>,
        reverse: bool,
        limit: i64,
    ) -> Self {
        Self {
            query: Box::new(query),
            from,
            to,
            reverse,
            limit,
            rows: VecDeque::new(),
            done: false,
        }
    }

    fn fetch(&mut self) -> Result<(), KvError> {
        let rows = match (&self.to, self.reverse) {
            (Some(to), false) => (self.query)(
                "SELECT key, value FROM kv WHERE key >= $1 AND key < $2 ORDER BY key ASC LIMIT $3",
                &[Type::BYTEA, Type::BYTEA, Type::INT8],
                &[&self.from, to, &self.limit],
            )?,
            (Some(to), true) => (self.query)(
                "SELECT key, value FROM kv WHERE key >= $1 AND key < $2 ORDER BY key DESC LIMIT $3",
                &[Type::BYTEA, Type::BYTEA, Type::INT8],
                &[&self.from, to, &self.limit],
            )?,
            (None, false) => (self.query)(
                "SELECT key, value FROM kv WHERE key >= $1 ORDER BY key ASC LIMIT $2",
                &[Type::BYTEA, Type::INT8],
                &[&self.from, &self.limit],
            )?,
            (None, true) => (self.query)(
                "SELECT key, value FROM kv WHERE key >= $1 ORDER BY key DESC LIMIT $2",
                &[Type::BYTEA, Type::INT8],
                &[&self.from, &self.limit],
            )?,
        };
        if (rows.len() as i64) < self.limit {
            self.done = true;
        }
        for row in rows {
            self.rows.push_back((row.get(0), row.get(1)));
        }
        if let Some((last, _)) = self.rows.back() {
            if self.reverse {
                self.to = Some(last.clone());
            } else {
                // The first key after `last`.
                let mut next = last.clone();
                next.push(0);
                self.from = next;
            }
        }
        Ok(())
    }
}

impl Iterator for Pages {
    type Item = Entry;

    fn next(&mut self) -> Option<Entry> {
        if self.rows.is_empty()
            && !self.done
            && let Err(err) = self.fetch()
        {
            self.done = true;
            return Some(Err(err));
        }
        self.rows.pop_front().map(Ok)
    }
}

/// `postgres://user:secret@host/db` as `postgres://user:***@host/db`.
pub fn hide_password(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// Makes a new, empty database `name` on the server at `admin_url` (whose role may create
/// databases) and returns its address: for tests and benchmarks that need a database each.
pub fn create_database(admin_url: &str, name: &str) -> Result<String, KvError> {
    if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(KvError::Database(format!(
            "{name:?} is not a plain database name"
        )));
    }
    let mut client = postgres::Client::connect(admin_url, NoTls).map_err(|err| {
        failed(
            &format!("cannot connect to {}", hide_password(admin_url)),
            err,
        )
    })?;
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .map_err(|err| failed(&format!("cannot create the database {name}"), err))?;
    // The same server and role, the new database: the address up to its last slash.
    let base = admin_url
        .split('?')
        .next()
        .and_then(|url| url.rsplit_once('/'))
        .map_or(admin_url, |(base, _)| base);
    Ok(format!("{base}/{name}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_not_shown() {
        assert_eq!(
            hide_password("postgres://rma:secret@127.0.0.1:5432/rma"),
            "postgres://rma:***@127.0.0.1:5432/rma"
        );
        assert_eq!(
            hide_password("postgres://rma@localhost/rma"),
            "postgres://rma@localhost/rma"
        );
    }
}
