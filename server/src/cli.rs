//! The `rma-server` command line.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context as _, Result, bail};
use clap::{Parser, Subcommand};
use rma_shared::SiteCode;
use serde_json::Value;

use crate::admin::AdminRequest;
use crate::serve::{HANDLE_FILE, Handle, Server};
use crate::settings::Settings;
use crate::store::{Location, ServerStore};
use crate::users::Role;
use rma_shared::i18n::Lang;
use rma_shared::tr;

const EXAMPLES: &str = "\
Examples:
  rma-server serve                      # listen on 127.0.0.1:8080, data in ./rma-server-data
  rma-server serve --database postgres://rma:PASSWORD@127.0.0.1/rma   # the store in PostgreSQL
  rma-server serve --listen 0.0.0.0:8443 --tls-cert /etc/rma/cert.pem --tls-key /etc/rma/key.pem
  rma-server site add WH1               # enrol a site; prints its token once
  rma-server site add RC1 --holds all   # a repair centre that holds every site's tickets
  rma-server site list
  rma-server site revoke WH1            # its token stops working at once
  rma-server user add li.wei --role finance   # asks for the password (or reads it from stdin)
  rma-server user add zhou --role head --department sales   # sales' head: decides sales' archive applications
  rma-server user list
  rma-server report export --to ./reports   # the office's data as CSV tables

Then, on the site's PC:
  rma-agent init --site WH1 --server http://127.0.0.1:8080 --token TOKEN
  rma-agent sync";

/// The central return-for-repair server: merges every site's tickets.
#[derive(Debug, Parser)]
#[command(name = "rma-server", version, about, after_help = EXAMPLES)]
pub struct Cli {
    /// The folder holding the server's store.
    #[arg(
        long,
        global = true,
        env = "RMA_SERVER_DATA",
        default_value = "rma-server-data"
    )]
    pub data: PathBuf,
    /// A settings file to use instead of server.toml in the data folder.
    #[arg(long, global = true, env = "RMA_SERVER_CONFIG")]
    pub config: Option<PathBuf>,
    /// Keep the store in this PostgreSQL database instead of the data folder, e.g.
    /// postgres://rma:PASSWORD@127.0.0.1:5432/rma (also `[database] url` in server.toml, or
    /// RMA_SERVER_DATABASE). Several servers can share one database.
    #[arg(long, global = true, value_name = "URL")]
    pub database: Option<String>,
    /// Print records as JSON instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    /// The language of messages: en or zh-CN (else RMA_LANG, else LC_ALL / LC_MESSAGES /
    /// LANG, else `language` in server.toml).
    #[arg(long, global = true, value_name = "LANG")]
    pub lang: Option<Lang>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server.
    Serve {
        /// The address to listen on (default: the `listen` setting, 127.0.0.1:8080).
        #[arg(long)]
        listen: Option<SocketAddr>,
        /// Serve HTTPS with this certificate (PEM; the server's certificate first, then any
        /// intermediate ones). Also `[tls] cert` in server.toml.
        #[arg(long, value_name = "FILE", requires = "tls_key")]
        tls_cert: Option<PathBuf>,
        /// The certificate's private key (PEM). Also `[tls] key` in server.toml.
        #[arg(long, value_name = "FILE", requires = "tls_cert")]
        tls_key: Option<PathBuf>,
    },
    /// Enrol, list and revoke sites (agent installations).
    #[command(subcommand)]
    Site(SiteCommand),
    /// Add, list and remove the people who log in to the office's web pages.
    #[command(subcommand)]
    User(UserCommand),
    /// Copy the whole store (tickets, feed, sites, users) into one file, while the server
    /// runs. For PostgreSQL, `pg_dump` does the same (see the README).
    #[command(after_help = "Example:\n  rma-server backup --to /backups/rma-2026-11-30.rma-backup")]
    Backup {
        /// The file to write (replaced whole once the copy is complete).
        #[arg(long)]
        to: PathBuf,
    },
    /// Bring back a store from a backup file, into an empty data folder or database (stop
    /// the server first).
    #[command(
        after_help = "Example:\n  rma-server --data /srv/rma-new restore --from /backups/rma-2026-11-30.rma-backup"
    )]
    Restore {
        #[arg(long)]
        from: PathBuf,
    },
    /// Move a store from a data folder (sled) into an empty PostgreSQL database: tickets,
    /// feed, sites, users, sessions and the office's indexes (stop the server first).
    #[command(
        after_help = "Example:\n  rma-server migrate --from-sled ./rma-server-data --database postgres://rma:PASSWORD@127.0.0.1/rma"
    )]
    Migrate {
        /// The data folder of the sled store to move.
        #[arg(long, value_name = "DIR")]
        from_sled: PathBuf,
    },
    /// The office's data as tables for the company's own tools: on PostgreSQL the schema
    /// rma_report (kept with every sync), on either store CSV files.
    #[command(subcommand)]
    Report(ReportCommand),
}

#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// Make the tables of the schema rma_report again from the store (PostgreSQL; the server
    /// may keep running).
    #[command(
        after_help = "Example:\n  rma-server --database postgres://rma:PASSWORD@127.0.0.1/rma report rebuild"
    )]
    Rebuild,
    /// Let a database role read the schema rma_report, and nothing else of the store
    /// (PostgreSQL; make the role first, e.g. `CREATE ROLE metabase LOGIN PASSWORD '...'`).
    #[command(
        after_help = "Example:\n  rma-server --database postgres://rma:PASSWORD@127.0.0.1/rma report grant metabase"
    )]
    Grant {
        /// The database role.
        role: String,
    },
    /// Write the same tables as CSV files (tickets.csv, units.csv, events.csv, costs.csv,
    /// audit_marks.csv, sites.csv) into a folder; works on either store, server running or not.
    #[command(after_help = "Example:\n  rma-server report export --to /srv/reports/2026-12-04")]
    Export {
        /// The folder to write into (made if missing).
        #[arg(long, value_name = "DIR")]
        to: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum SiteCommand {
    /// Enrol a site and print its token (shown once: only a hash is kept).
    #[command(
        after_help = "Examples:\n  rma-server site add WH1                # a branch: holds its own tickets and those handed over to it\n  rma-server site add RC1 --holds all    # a repair centre that works on every branch's returns"
    )]
    Add {
        code: SiteCode,
        /// Which tickets the site holds: `own` (those registered there and those handed over
        /// to it) or `all` (every site's).
        #[arg(long, value_enum, default_value_t = crate::store::Holds::Own)]
        holds: crate::store::Holds,
    },
    /// Change which tickets a site holds. At its next sync it receives the tickets it now
    /// holds and lets go of the others once their changes are sent.
    #[command(
        after_help = "Example:\n  rma-server site holds RC1 all\n  rma-server site holds RC1 own"
    )]
    Holds {
        code: SiteCode,
        #[arg(value_enum)]
        holds: crate::store::Holds,
    },
    /// Revoke a site's token: its next request is refused.
    Revoke { code: SiteCode },
    /// List enrolled sites with their last sync.
    List,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a person. The password (8 characters or more) is read from standard input: typed,
    /// or piped (`echo 'secret pass' | rma-server user add NAME --role ROLE`).
    Add {
        name: String,
        /// Their department (REGULATION.md section 1), or head / admin.
        #[arg(long, value_enum)]
        role: crate::users::Role,
        /// For a head: the department they lead; they decide its people's applications to
        /// read the archive. A head without one decides for everyone.
        #[arg(long, value_enum)]
        department: Option<crate::users::Role>,
    },
    /// Remove a person; their sessions end at once.
    Remove { name: String },
    /// List the people and their roles.
    List,
}

impl Cli {
    /// The language the person reads: `--lang`, else `RMA_LANG`, else the locale, else the
    /// `language` setting.
    pub fn language(&self) -> Lang {
        self.lang
            .or_else(|| std::env::var("RMA_LANG").ok().and_then(|v| Lang::parse(&v)))
            .or_else(|| Lang::from_locale_env(|n| std::env::var(n).ok()))
            .unwrap_or_else(|| {
                Settings::load(&self.data, self.config.as_deref())
                    .map(|s| s.language)
                    .unwrap_or_default()
            })
    }

    /// Runs the command; what it says is in `lang`.
    pub fn run(self, lang: Lang) -> Result<()> {
        let mut settings = Settings::load(&self.data, self.config.as_deref())?;
        rma_shared::calendar::set_company(settings.company_calendar(&self.data)?);
        if let Some(url) = self.database {
            settings.database.url = Some(url);
        }
        match self.command {
            Command::Serve {
                listen,
                tls_cert,
                tls_key,
            } => {
                if let (Some(cert), Some(key)) = (tls_cert, tls_key) {
                    settings.tls.cert = Some(cert);
                    settings.tls.key = Some(key);
                }
                serve(&self.data, settings, listen, lang)
            }
            Command::Backup { to } => {
                let to = std::path::absolute(&to)
                    .with_context(|| format!("{} is not a path", to.display()))?;
                let answer = admin(
                    &self.data,
                    &settings,
                    AdminRequest::Backup { to: to.clone() },
                )?;
                if self.json {
                    println!("{}", serde_json::to_string_pretty(&answer)?);
                } else {
                    println!(
                        "{}",
                        tr!(
                            lang,
                            "server-backup-done",
                            keys = answer["entries"].to_string(),
                            path = to.display().to_string()
                        )
                    );
                }
                Ok(())
            }
            Command::Restore { from } => {
                let store = ServerStore::open_at(&settings.location(&self.data))?;
                let summary = store.restore(&from)?;
                println!(
                    "{}",
                    tr!(
                        lang,
                        "server-restore-done",
                        keys = summary.entries,
                        made = rma_shared::calendar::company().show(summary.made_at),
                        place = settings.location(&self.data).to_string()
                    )
                );
                Ok(())
            }
            Command::Migrate { from_sled } => migrate(&from_sled, &settings),
            Command::Report(command) => {
                let request = match command {
                    ReportCommand::Rebuild => AdminRequest::ReportRebuild,
                    ReportCommand::Grant { role } => AdminRequest::ReportGrant { role },
                    ReportCommand::Export { to } => AdminRequest::ReportExport {
                        to: std::path::absolute(&to)
                            .with_context(|| format!("{} is not a path", to.display()))?,
                    },
                };
                let answer = admin(&self.data, &settings, request.clone())?;
                print_answer(&request, &answer, self.json, &self.data, lang);
                Ok(())
            }
            Command::Site(command) => {
                let request = match command {
                    SiteCommand::Add { code, holds } => AdminRequest::SiteAdd { code, holds },
                    SiteCommand::Holds { code, holds } => AdminRequest::SiteHolds { code, holds },
                    SiteCommand::Revoke { code } => AdminRequest::SiteRevoke { code },
                    SiteCommand::List => AdminRequest::SiteList,
                };
                let answer = admin(&self.data, &settings, request.clone())?;
                print_answer(&request, &answer, self.json, &self.data, lang);
                Ok(())
            }
            Command::User(command) => {
                let request = match command {
                    UserCommand::Add {
                        name,
                        role,
                        department,
                    } => AdminRequest::UserAdd {
                        department,
                        password: rma_store::prompt::read_password("rma-server", &name, lang)?,
                        name,
                        role,
                    },
                    UserCommand::Remove { name } => AdminRequest::UserRemove { name },
                    UserCommand::List => AdminRequest::UserList,
                };
                let answer = admin(&self.data, &settings, request.clone())?;
                print_answer(&request, &answer, self.json, &self.data, lang);
                Ok(())
            }
        }
    }
}

fn serve(data: &Path, settings: Settings, listen: Option<SocketAddr>, lang: Lang) -> Result<()> {
    let address = listen.unwrap_or(settings.listen);
    let runtime = tokio::runtime::Runtime::new()?;
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind(address))
        .with_context(|| format!("cannot listen on {address}"))?;
    let location = settings.location(data);
    // Opening the store may block (a database): not on the runtime's threads.
    let server = {
        let _inside = runtime.enter();
        Server::start(listener, data.to_owned(), settings)?
    };
    println!(
        "{}",
        tr!(
            lang,
            "server-listening",
            url = server.url(),
            store = location.to_string()
        )
    );
    runtime.block_on(server.run(shutdown_signal()))
}

/// Moves the sled store in `from` into the (empty) database of `settings`, then checks that
/// both hold the same tickets and feed.
fn migrate(from: &Path, settings: &Settings) -> Result<()> {
    let Some(url) = &settings.database.url else {
        bail!(
            "say which database to move the store into: `rma-server migrate --from-sled DIR --database postgres://...`"
        );
    };
    if !from.join("store").exists() {
        bail!("{} holds no server store", from.display());
    }
    let source = ServerStore::open(from)?;
    let target = ServerStore::open_database(url)?;
    let started = std::time::Instant::now();
    let keys = source.copy_to(&target)?;
    target.rebuild_report()?;
    let (digest, head) = (source.tickets().digest()?, source.feed_head()?);
    if target.tickets().digest()? != digest || target.feed_head()? != head {
        bail!("the database does not hold what the folder holds after the move; see the log");
    }
    println!(
        "Moved {keys} keys ({} sites, feed up to {head}) from {} into {} in {} ms; the digests agree.",
        source.sites()?.len(),
        from.display(),
        crate::pg::hide_password(url),
        started.elapsed().as_millis()
    );
    println!("Start the server with --database (or [database] url in server.toml) from now on.");
    Ok(())
}

/// Runs an enrolment command: through the running serve if there is one (sled lets one
/// process open a store), else on the store; a database is opened directly, serve or not.
fn admin(data: &Path, settings: &Settings, request: AdminRequest) -> Result<Value> {
    let location = settings.location(data);
    if let Location::Database(_) = location {
        let store = ServerStore::open_at(&location)?;
        return Ok(crate::admin::run(&store, request)?);
    }
    if let Ok(text) = std::fs::read_to_string(data.join(HANDLE_FILE))
        && let Ok(handle) = serde_json::from_str::<Handle>(&text)
    {
        let client = crate::transport::http_client()
            .no_proxy()
            .connect_timeout(Duration::from_secs(2))
            .build()?;
        match client
            .post(format!("{}/local/v1/admin", handle.url))
            .bearer_auth(&handle.admin_token)
            .json(&request)
            .send()
        {
            Ok(response) => {
                let status = response.status();
                let body: Value = response.json().unwrap_or(Value::Null);
                if status.is_success() {
                    return Ok(body);
                }
                bail!(
                    "{}",
                    body["message"]
                        .as_str()
                        .unwrap_or("the running server refused")
                );
            }
            // The announced serve is gone: fall through and open the store.
            Err(err) if err.is_connect() => {}
            Err(err) => bail!("the running rma-server did not answer: {err}"),
        }
    }
    let store = ServerStore::open(data)?;
    let _ = std::fs::remove_file(data.join(HANDLE_FILE));
    let answer = crate::admin::run(&store, request)?;
    // The store is flushed on every write; skip sled's shutdown work.
    std::mem::forget(store);
    Ok(answer)
}

/// The address of the server running on `data` now (its admin endpoint answers), if one is.
fn running_at(data: &Path) -> Option<String> {
    let text = std::fs::read_to_string(data.join(HANDLE_FILE)).ok()?;
    let handle: Handle = serde_json::from_str(&text).ok()?;
    let admin: SocketAddr = handle.url.strip_prefix("http://")?.parse().ok()?;
    std::net::TcpStream::connect_timeout(&admin, Duration::from_secs(1)).ok()?;
    handle.public
}

/// What a site holds, in words.
fn site_holds(lang: Lang, code: &SiteCode, holds: crate::store::Holds) -> String {
    tr!(
        lang,
        "server-site-holds",
        code = code.to_string(),
        holds = holds.to_string()
    )
}

fn print_answer(request: &AdminRequest, answer: &Value, json: bool, data: &Path, lang: Lang) {
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(answer).expect("JSON prints")
        );
        return;
    }
    let address = running_at(data);
    let count = |name: &str| answer[name].as_u64().unwrap_or_default();
    match request {
        AdminRequest::SiteAdd { code, holds } => {
            let token = answer["token"].as_str().unwrap_or_default();
            println!(
                "{}",
                tr!(lang, "server-site-added", code = code.to_string())
            );
            println!("{}", site_holds(lang, code, *holds));
            println!("  {token}");
            println!("{}", tr!(lang, "server-site-next"));
            let server = address.as_deref().unwrap_or("http://SERVER:8080");
            println!("  rma-agent init --site {code} --server {server} --token {token}");
        }
        AdminRequest::SiteRevoke { code } => {
            println!(
                "{}",
                tr!(lang, "server-site-revoked", code = code.to_string())
            );
        }
        AdminRequest::SiteHolds { code, holds } => {
            println!("{}", site_holds(lang, code, *holds));
            println!("{}", tr!(lang, "server-site-holds-next"));
        }
        AdminRequest::UserAdd { name, role, .. } => {
            let said = match &address {
                Some(address) => tr!(
                    lang,
                    "server-user-added",
                    name = name.as_str(),
                    role = role.label(lang),
                    address = format!("{address}/")
                ),
                None => tr!(
                    lang,
                    "server-user-added-offline",
                    name = name.as_str(),
                    role = role.label(lang)
                ),
            };
            println!("{said}");
        }
        AdminRequest::UserRemove { name } => {
            println!("{}", tr!(lang, "server-user-removed", name = name.as_str()));
        }
        AdminRequest::ReportRebuild => println!(
            "{}",
            tr!(
                lang,
                "report-rebuilt",
                tickets = count("tickets"),
                sites = count("sites")
            )
        ),
        AdminRequest::ReportGrant { role } => {
            println!("{}", tr!(lang, "report-granted", role = role.as_str()));
        }
        AdminRequest::ReportExport { to } => println!(
            "{}",
            tr!(
                lang,
                "report-exported",
                tickets = count("tickets"),
                sites = count("sites"),
                path = to.display().to_string()
            )
        ),
        AdminRequest::Backup { to } => println!(
            "{}",
            tr!(lang, "label-wrote", file = to.display().to_string())
        ),
        AdminRequest::UserList => {
            let users = answer.as_array().cloned().unwrap_or_default();
            if users.is_empty() {
                println!("{}", tr!(lang, "server-no-users"));
            }
            for user in users {
                let role = user["role"]
                    .as_str()
                    .and_then(|r| serde_json::from_value::<Role>(Value::String(r.into())).ok())
                    .map_or_else(|| "?".to_owned(), |r| r.label(lang));
                println!("{:<24} {role}", user["name"].as_str().unwrap_or("?"));
            }
        }
        AdminRequest::SiteList => {
            let sites = answer.as_array().cloned().unwrap_or_default();
            if sites.is_empty() {
                println!("{}", tr!(lang, "server-no-sites"));
                return;
            }
            let pad = |text: &str, width: usize| {
                let shown = text
                    .chars()
                    .map(|c| if c.is_ascii() { 1 } else { 2 })
                    .sum::<usize>();
                format!("{text}{}", " ".repeat(width.saturating_sub(shown)))
            };
            println!(
                "{} {} {} {} {:>6} {:>8}",
                pad(&tr!(lang, "col-site"), 10),
                pad(&tr!(lang, "ticket-state"), 10),
                pad(&tr!(lang, "sites-holds"), 10),
                pad(&tr!(lang, "sites-last-sync"), 20),
                tr!(lang, "server-col-lag"),
                tr!(lang, "server-col-pending")
            );
            for site in sites {
                let state = if site["revoked_at"].is_null() {
                    tr!(lang, "sites-active")
                } else {
                    tr!(lang, "server-revoked")
                };
                let last = site["last_sync_at"]
                    .as_str()
                    .and_then(|t| t.parse::<chrono::DateTime<chrono::Utc>>().ok())
                    .map_or_else(
                        || tr!(lang, "sites-never"),
                        |at| rma_shared::calendar::company().show(at),
                    );
                let holds = tr!(
                    lang,
                    "sites-holds-what",
                    holds = site["holds"].as_str().unwrap_or("own")
                );
                println!(
                    "{} {} {} {} {:>6} {:>8}",
                    pad(site["code"].as_str().unwrap_or("?"), 10),
                    pad(&state, 10),
                    pad(&holds, 10),
                    pad(&last, 20),
                    site["lag"],
                    site["pending"]
                        .as_u64()
                        .map_or("-".into(), |p| p.to_string()),
                );
            }
        }
    }
}

pub async fn shutdown_signal() {
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .expect("a signal handler can be installed");
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = terminate.recv() => {}
    }
}

#[cfg(test)]
mod help_tests {
    use clap::CommandFactory;

    /// Every command's description is in every catalogue.
    #[test]
    fn every_command_is_described_in_every_language() {
        let missing = rma_shared::i18n::undescribed(&super::Cli::command());
        assert!(missing.is_empty(), "not described: {missing:?}");
    }
}
