//! What a command and `rma-agent serve` say to each other over loopback. A command sends a
//! typed [`Request`] with who asks and in which language ([`Asker`]); the serve answers it on
//! its open store with the request's typed answer, or refuses it with the reason in the
//! asker's words. A command that finds no serve answers the same request itself on the store
//! ([`Ask::answer`]): the two paths run the same code.
//!
//! While a serve runs, `agent.json` in the data folder ([`Handle`]) says where it listens,
//! the secret a command must show, who started it and whether it serves the bench page.

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};
use rma_shared::i18n::Lang;
use rma_shared::people::Role;
use rma_shared::step::{Outcome, Step, Text};
use rma_shared::{AreaCode, LabelCode, SiteCode, TicketList, TicketNumber, TicketOrUnit, tr};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

pub use crate::desk::queries::List;
use crate::desk::queries::{Shown, StatusReport};
use crate::desk::scan::Scanned;
use crate::desk::{Asker, Desk, DeskError};
use crate::printing::{LabelData, Labels};
use crate::settings::Settings;
use crate::store::Area;
use crate::sync_client::Report;

/// The file, in the data folder, that tells commands where a serve listens.
pub const HANDLE_FILE: &str = "agent.json";

/// Who started a serve.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StartedBy {
    /// A person (`rma-agent serve`, or the system's service).
    Person,
    /// A command that had to open the store, so the next ones need not.
    Command,
}

/// What `agent.json` holds.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Handle {
    pub url: String,
    pub token: String,
    pub pid: u32,
    /// Where the bench page is served, if it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub web: Option<String>,
    #[serde(default = "command")]
    pub started_by: StartedBy,
    #[serde(default)]
    pub since: Option<DateTime<Utc>>,
}

fn command() -> StartedBy {
    StartedBy::Command
}

impl Handle {
    /// The serve announced in `data`, if one is.
    pub fn read(data: &Path) -> Option<Self> {
        let text = std::fs::read_to_string(data.join(HANDLE_FILE)).ok()?;
        serde_json::from_str(&text).ok()
    }
}

/// A question with a typed answer, the same whether a serve or the command answers it.
pub trait Ask: Into<Request> {
    type Answer: Serialize + DeserializeOwned;
    fn answer(self, desk: &Desk, asker: &Asker) -> Result<Self::Answer, DeskError>;
}

/// Scan one label, with the storage area scanned before it (if any).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Scan {
    pub code: String,
    pub area: Option<AreaCode>,
}

/// A ticket (or a unit's ticket) with every record.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Show {
    pub what: TicketOrUnit,
}

/// The storage areas and how many units each holds.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Areas;

/// A new storage area.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AddArea {
    pub code: AreaCode,
    pub name: Option<Text>,
}

/// The people who sign in here.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Users;

/// A person added (no server only).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AddUser {
    pub name: String,
    pub role: Role,
    pub password: String,
}

/// A person removed (no server only); their sessions end.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RemoveUser {
    pub name: String,
}

/// A sync round now.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Sync;

/// The sync state: server, last sync, changes waiting, reachable or not.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Status;

/// A copy of the whole store into one file (an absolute path).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Backup {
    pub to: PathBuf,
}

/// This agent connected to a server with its site's token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Enroll {
    pub server: String,
    pub token: String,
    /// The company's certificate authority, as PEM text.
    pub ca_cert: Option<String>,
}

/// Labels printed: noted in each ticket (only once the printer took them).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Printed {
    pub codes: Vec<LabelCode>,
    pub copies: u32,
    pub printer: String,
}

/// Photos or documents to keep with a ticket, read from files on this PC (absolute paths).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AttachFiles {
    pub request: rma_shared::step::Attach,
    pub paths: Vec<PathBuf>,
}

/// A file of a ticket, fetched from the office if it is not here.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OpenFile {
    pub ticket: TicketNumber,
    pub hash: rma_shared::files::FileHash,
}

/// Stop the serve that answers (a person's `rma-agent stop`, or a person's serve taking over
/// from one a command left).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Stop;

/// Every request, as it travels.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "ask", content = "with", rename_all = "kebab-case")]
pub enum Request {
    Step(Step),
    Scan(Scan),
    Show(Show),
    List(List),
    Areas(Areas),
    AddArea(AddArea),
    Users(Users),
    AddUser(AddUser),
    RemoveUser(RemoveUser),
    Sync(Sync),
    Status(Status),
    Backup(Backup),
    Enroll(Enroll),
    Labels(Labels),
    Printed(Printed),
    AttachFiles(AttachFiles),
    OpenFile(OpenFile),
    Stop(Stop),
}

macro_rules! into_request {
    ($($name:ident),*) => {
        $(impl From<$name> for Request {
            fn from(ask: $name) -> Self {
                Self::$name(ask)
            }
        })*
    };
}
into_request!(
    Step,
    Scan,
    Show,
    List,
    Areas,
    AddArea,
    Users,
    AddUser,
    RemoveUser,
    Sync,
    Status,
    Backup,
    Enroll,
    Labels,
    Printed,
    AttachFiles,
    OpenFile,
    Stop
);

/// What travels back: the request's answer, or why it was refused in the asker's words.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reply {
    Answer(serde_json::Value),
    Refused(String),
}

/// A request with who asks and the settings they resolved (their settings file and
/// environment): what a command sends.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Envelope {
    pub asker: Asker,
    pub settings: Option<Settings>,
    pub request: Request,
}

impl Request {
    /// Answers the request on `desk`: the serve's side. A refusal is said in the asker's
    /// language with `say`.
    pub fn reply(
        self,
        desk: &Desk,
        asker: &Asker,
        say: impl Fn(&DeskError, Lang) -> String,
    ) -> Reply {
        fn reply<A: Ask>(
            ask: A,
            desk: &Desk,
            asker: &Asker,
            say: &dyn Fn(&DeskError, Lang) -> String,
        ) -> Reply {
            match ask.answer(desk, asker) {
                Ok(answer) => {
                    Reply::Answer(serde_json::to_value(answer).expect("answers serialise to JSON"))
                }
                Err(err) => Reply::Refused(say(&err, asker.lang)),
            }
        }
        match self {
            Self::Step(ask) => reply(ask, desk, asker, &say),
            Self::Scan(ask) => reply(ask, desk, asker, &say),
            Self::Show(ask) => reply(ask, desk, asker, &say),
            Self::List(ask) => reply(ask, desk, asker, &say),
            Self::Areas(ask) => reply(ask, desk, asker, &say),
            Self::AddArea(ask) => reply(ask, desk, asker, &say),
            Self::Users(ask) => reply(ask, desk, asker, &say),
            Self::AddUser(ask) => reply(ask, desk, asker, &say),
            Self::RemoveUser(ask) => reply(ask, desk, asker, &say),
            Self::Sync(ask) => reply(ask, desk, asker, &say),
            Self::Status(ask) => reply(ask, desk, asker, &say),
            Self::Backup(ask) => reply(ask, desk, asker, &say),
            Self::Enroll(ask) => reply(ask, desk, asker, &say),
            Self::Labels(ask) => reply(ask, desk, asker, &say),
            Self::Printed(ask) => reply(ask, desk, asker, &say),
            Self::AttachFiles(ask) => reply(ask, desk, asker, &say),
            Self::OpenFile(ask) => reply(ask, desk, asker, &say),
            Self::Stop(ask) => reply(ask, desk, asker, &say),
        }
    }
}

impl Ask for Step {
    type Answer = Outcome;
    fn answer(self, desk: &Desk, asker: &Asker) -> Result<Outcome, DeskError> {
        desk.step(asker, self)
    }
}

impl Ask for Scan {
    type Answer = Scanned;
    fn answer(self, desk: &Desk, asker: &Asker) -> Result<Scanned, DeskError> {
        desk.scan(asker, &self.code, self.area.as_ref())
    }
}

impl Ask for Show {
    type Answer = Shown;
    fn answer(self, desk: &Desk, _: &Asker) -> Result<Shown, DeskError> {
        desk.show(self.what.ticket())
    }
}

impl Ask for List {
    type Answer = TicketList;
    fn answer(self, desk: &Desk, _: &Asker) -> Result<TicketList, DeskError> {
        desk.list(self)
    }
}

impl Ask for Areas {
    type Answer = Vec<Area>;
    fn answer(self, desk: &Desk, _: &Asker) -> Result<Vec<Area>, DeskError> {
        Ok(desk.store().areas()?)
    }
}

impl Ask for AddArea {
    type Answer = Area;
    fn answer(self, desk: &Desk, _: &Asker) -> Result<Area, DeskError> {
        let name = self.name.map(String::from);
        Ok(desk.store().add_area(&self.code, name, desk.now())?)
    }
}

impl Ask for Users {
    type Answer = Vec<rma_shared::people::Account>;
    fn answer(self, desk: &Desk, _: &Asker) -> Result<Self::Answer, DeskError> {
        Ok(desk.store().people().list()?)
    }
}

impl Ask for AddUser {
    type Answer = rma_shared::people::Account;
    fn answer(self, desk: &Desk, _: &Asker) -> Result<Self::Answer, DeskError> {
        desk.add_user(&self.name, self.role, &self.password)
    }
}

impl Ask for RemoveUser {
    type Answer = String;
    fn answer(self, desk: &Desk, _: &Asker) -> Result<String, DeskError> {
        desk.remove_user(&self.name)?;
        Ok(self.name)
    }
}

impl Ask for Sync {
    type Answer = Report;
    fn answer(self, desk: &Desk, _: &Asker) -> Result<Report, DeskError> {
        desk.sync(&mut |_| {})
    }
}

impl Ask for Status {
    type Answer = StatusReport;
    fn answer(self, desk: &Desk, _: &Asker) -> Result<StatusReport, DeskError> {
        desk.status()
    }
}

impl Ask for Backup {
    /// The site backed up, and what the copy holds.
    type Answer = (SiteCode, rma_store::backup::Summary);
    fn answer(self, desk: &Desk, _: &Asker) -> Result<Self::Answer, DeskError> {
        let summary = desk.store().back_up(&self.to)?;
        Ok((desk.store().site().clone(), summary))
    }
}

impl Ask for Enroll {
    type Answer = bool;
    fn answer(self, desk: &Desk, _: &Asker) -> Result<bool, DeskError> {
        desk.enroll(self.server, self.token, self.ca_cert)
    }
}

impl Ask for Labels {
    type Answer = LabelData;
    fn answer(self, desk: &Desk, _: &Asker) -> Result<LabelData, DeskError> {
        desk.labels(self)
    }
}

impl Ask for Printed {
    type Answer = Vec<(TicketNumber, String)>;
    fn answer(self, desk: &Desk, asker: &Asker) -> Result<Self::Answer, DeskError> {
        Ok(desk.note_printed(asker, &self.codes, self.copies, &self.printer))
    }
}

impl Ask for AttachFiles {
    type Answer = Outcome;
    fn answer(self, desk: &Desk, asker: &Asker) -> Result<Outcome, DeskError> {
        let mut files = Vec::with_capacity(self.paths.len());
        for path in &self.paths {
            let bytes = std::fs::read(path).map_err(|source| DeskError::ReadFile {
                path: path.clone(),
                source,
            })?;
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            files.push(crate::desk::files::Given { name, bytes });
        }
        desk.attach(asker, self.request, files)
    }
}

impl Ask for OpenFile {
    type Answer = crate::desk::files::Opened;
    fn answer(self, desk: &Desk, _: &Asker) -> Result<Self::Answer, DeskError> {
        desk.open_file(&self.ticket, &self.hash)
    }
}

impl Ask for Stop {
    type Answer = ();
    /// A desk alone has nothing to stop: the serve stops itself when asked (see `serve`).
    fn answer(self, _: &Desk, _: &Asker) -> Result<(), DeskError> {
        Ok(())
    }
}

/// What became of sending a request to a running serve.
#[derive(Debug)]
pub enum Sent<T> {
    /// The serve answered.
    Answered(T),
    /// The serve refused the request; the reason is in the asker's words.
    Refused(String),
    /// No serve is running (none announced, or the announced one is gone): open the store.
    NotRunning,
}

/// Sends `ask` to the serve announced in `data`, if any, to be answered with `settings`.
pub fn send<A: Ask>(
    data: &Path,
    asker: &Asker,
    settings: Option<&Settings>,
    ask: A,
) -> Sent<A::Answer> {
    let Some(handle) = Handle::read(data) else {
        return Sent::NotRunning;
    };
    let Ok(client) = crate::http::local_builder()
        .connect_timeout(Duration::from_secs(2))
        .timeout(Duration::from_secs(300))
        .build()
    else {
        return Sent::NotRunning;
    };
    let envelope = Envelope {
        asker: asker.clone(),
        settings: settings.cloned(),
        request: ask.into(),
    };
    let sent = client
        .post(format!("{}/local/v2/ask", handle.url))
        .bearer_auth(&handle.token)
        .json(&envelope)
        .send();
    let lang = asker.lang;
    match sent {
        Ok(response) if response.status().is_success() => match response.json::<Reply>() {
            Ok(Reply::Answer(value)) => match serde_json::from_value(value) {
                Ok(answer) => Sent::Answered(answer),
                Err(err) => Sent::Refused(tr!(lang, "serve-unreadable", reason = err.to_string())),
            },
            Ok(Reply::Refused(reason)) => Sent::Refused(reason),
            Err(err) => Sent::Refused(tr!(lang, "serve-unreadable", reason = err.to_string())),
        },
        Ok(response) => {
            let status = response.status();
            let text = response.text().unwrap_or_default();
            Sent::Refused(tr!(
                lang,
                "serve-refused",
                status = status.to_string(),
                reason = text
            ))
        }
        // Nothing listens there any more: the serve stopped without cleaning up.
        Err(err) if err.is_connect() => Sent::NotRunning,
        Err(err) => Sent::Refused(tr!(lang, "serve-no-answer", reason = err.to_string())),
    }
}

/// Removes the announcement of a serve that is gone (called once the store opened, which
/// proves no serve holds it).
pub fn clear_stale(data: &Path) {
    let _ = std::fs::remove_file(data.join(HANDLE_FILE));
}

/// Starts `rma-agent serve` for `data` in the background, without the bench page, stopping
/// after `minutes` without a command: the next commands go through it instead of opening the
/// store (which takes most of a command's time once the store is large). Called when a
/// command had to open the store itself, after it let go of it; returns once the serve has
/// announced itself. A failure to start is only logged: the command was done, and the next
/// one opens the store as this one did.
pub fn serve_in_background(data: &Path, config: Option<&Path>, minutes: u32) {
    let Ok(program) = std::env::current_exe() else {
        return;
    };
    let data = std::path::absolute(data).unwrap_or_else(|_| data.to_owned());
    let mut command = std::process::Command::new(program);
    command.arg("--data").arg(&data);
    if let Some(config) = config {
        command
            .arg("--config")
            .arg(std::path::absolute(config).unwrap_or_else(|_| config.to_owned()));
    }
    command
        .args(["serve", "--no-web", "--idle-minutes", &minutes.to_string()])
        .env_remove("RMA_AGENT_WEB")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null());
    // Its own process group: a Ctrl-C meant for a later command in this terminal is not its.
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    match command.spawn() {
        // Its first line says it has the store and announced itself (or it ended: another
        // serve was quicker): the next command finds it.
        Ok(mut child) => {
            if let Some(out) = child.stdout.take() {
                let mut line = String::new();
                let _ = std::io::BufRead::read_line(&mut std::io::BufReader::new(out), &mut line);
            }
        }
        Err(err) => {
            tracing::warn!(error = %err, "could not keep the agent serving in the background");
        }
    }
}
