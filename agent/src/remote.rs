//! The command line's side of `rma-agent serve`: if a serve holds the store, send it the
//! command instead of opening the store.

use std::path::Path;
use std::time::Duration;

use rma_shared::i18n::current;
use rma_shared::tr;

use crate::serve::{HANDLE_FILE, Handle, RunRequest, RunResponse};

/// What became of the attempt to hand a command to a running serve.
#[derive(Debug)]
pub enum Forwarded {
    /// A serve ran it; this is its answer.
    Done(RunResponse),
    /// No serve is running (none announced, or the announced one is gone): open the store.
    NotRunning,
}

/// Sends `request` to the serve announced in `data`, if any.
pub fn forward(data: &Path, request: &RunRequest) -> Forwarded {
    let Ok(text) = std::fs::read_to_string(data.join(HANDLE_FILE)) else {
        return Forwarded::NotRunning;
    };
    let Ok(handle) = serde_json::from_str::<Handle>(&text) else {
        return Forwarded::NotRunning;
    };
    let client = match crate::http::local_builder()
        .connect_timeout(Duration::from_secs(2))
        .timeout(Duration::from_secs(300))
        .build()
    {
        Ok(client) => client,
        Err(_) => return Forwarded::NotRunning,
    };
    let sent = client
        .post(format!("{}/local/v1/run", handle.url))
        .bearer_auth(&handle.token)
        .json(request)
        .send();
    match sent {
        Ok(response) if response.status().is_success() => match response.json::<RunResponse>() {
            Ok(answer) => Forwarded::Done(answer),
            Err(err) => Forwarded::Done(failure(tr!(
                current(),
                "serve-unreadable",
                reason = err.to_string()
            ))),
        },
        Ok(response) => {
            let status = response.status();
            let text = response.text().unwrap_or_default();
            Forwarded::Done(failure(tr!(
                current(),
                "serve-refused",
                status = status.to_string(),
                reason = text
            )))
        }
        // Nothing listens there any more: the serve stopped without cleaning up.
        Err(err) if err.is_connect() => Forwarded::NotRunning,
        Err(err) => Forwarded::Done(failure(tr!(
            current(),
            "serve-no-answer",
            reason = err.to_string()
        ))),
    }
}

fn failure(error: String) -> RunResponse {
    RunResponse {
        stdout: String::new(),
        error: Some(error),
        code: 1,
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
