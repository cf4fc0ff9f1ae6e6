//! rma-tests: helpers for the cross-process tests in `tests/`, which run the real binaries
//! against real sled stores in temporary directories.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use serde_json::Value;
use tempfile::TempDir;

/// The path of a workspace binary, built first if this test run did not build it.
pub fn binary(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("the program knows its own path");
    // Tests run from target/<profile>/deps/, binaries from target/<profile>/.
    let mut profile_dir = exe.parent().expect("an executable lives in a folder");
    if profile_dir.ends_with("deps") {
        profile_dir = profile_dir
            .parent()
            .expect("deps lives in the profile folder");
    }
    let path = profile_dir.join(name);
    if !path.exists() {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let mut build = Command::new(cargo);
        build.args(["build", "--bin", name]);
        if profile_dir.ends_with("release") {
            build.arg("--release");
        }
        let status = build.status().expect("cargo runs");
        assert!(
            status.success(),
            "{name} is not built: run `cargo build --workspace --bins` first (tests/run does)"
        );
    }
    path
}

/// One agent installation: its own data folder and the real `rma-agent` binary.
#[derive(Debug)]
pub struct Agent {
    dir: TempDir,
    bin: PathBuf,
    user: String,
}

impl Agent {
    /// A new agent set up for `site` and enrolled with `server`.
    pub fn enrolled(site: &str, server: &Server) -> Self {
        let token = server.add_site(site);
        let agent = Self::new();
        agent.ok(&[
            "init",
            "--site",
            site,
            "--server",
            &server.url,
            "--token",
            &token,
        ]);
        agent
    }

    fn new() -> Self {
        Self {
            dir: tempfile::tempdir().expect("a temp dir"),
            bin: binary("rma-agent"),
            user: "tester".into(),
        }
    }

    /// A new agent set up for `site`.
    pub fn init(site: &str) -> Self {
        let agent = Self::new();
        agent.ok(&["init", "--site", site]);
        agent
    }

    pub fn data(&self) -> &Path {
        self.dir.path()
    }

    /// A command with this agent's data folder and user, not yet run.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(&self.bin);
        cmd.args(args)
            .env("RMA_AGENT_DATA", self.dir.path())
            .env("RMA_USER", &self.user)
            .env_remove("RMA_AGENT_CONFIG");
        cmd
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("rma-agent runs")
    }

    /// Runs a command that must succeed; returns its standard output.
    pub fn ok(&self, args: &[&str]) -> String {
        self.succeeded(args, self.run(args))
    }

    /// As [`Agent::ok`], run in the folder `dir` (relative file names mean that folder).
    pub fn ok_in(&self, dir: &Path, args: &[&str]) -> String {
        let out = self
            .command(args)
            .current_dir(dir)
            .output()
            .expect("rma-agent runs");
        self.succeeded(args, out)
    }

    fn succeeded(&self, args: &[&str], out: Output) -> String {
        assert!(
            out.status.success(),
            "rma-agent {} failed:\n{}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("output is UTF-8")
    }

    /// Runs a command that must fail; returns its error output.
    pub fn fails(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            !out.status.success(),
            "rma-agent {} should have failed but printed:\n{}",
            args.join(" "),
            String::from_utf8_lossy(&out.stdout)
        );
        String::from_utf8(out.stderr).expect("errors are UTF-8")
    }

    /// Registers a return of `quantity` units of model X200; returns the ticket number.
    pub fn intake(&self, customer: &str, quantity: u32) -> String {
        let quantity = quantity.to_string();
        let args = [
            "intake",
            "--customer",
            customer,
            "--model",
            "X200",
            "--quantity",
            &quantity,
            "--fault",
            "no power",
            "--request",
            "repair",
        ];
        self.ok(&args).trim().to_owned()
    }

    /// Starts `rma-agent serve` for this agent and waits until it announces itself; it is
    /// SIGKILLed when the returned handle is dropped.
    pub fn serve(&self) -> Running {
        let mut child = self
            .command(&["serve"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("rma-agent serve starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("piped"))
            .read_line(&mut line)
            .expect("serve prints where it listens");
        assert!(line.contains("serving on http://127.0.0.1:"), "{line}");
        Running(child)
    }

    /// Runs a command with `--json` that must succeed; returns the parsed output.
    pub fn json(&self, args: &[&str]) -> Value {
        let mut with_json = args.to_vec();
        with_json.push("--json");
        let text = self.ok(&with_json);
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}):\n{text}"))
    }
}

/// A real `rma-server` on loopback, with its own data folder.
#[derive(Debug)]
pub struct Server {
    dir: TempDir,
    bin: PathBuf,
    child: Option<Child>,
    /// The address it listens on; kept across restarts so agents find it again.
    pub url: String,
    /// Its log (stderr), line by line, while it runs.
    pub log: Option<std::io::Lines<BufReader<std::process::ChildStderr>>>,
}

impl Server {
    /// Starts a server on a free port of 127.0.0.1.
    pub fn start() -> Self {
        Self::start_with_settings("")
    }

    /// Starts a server with `settings` as its `server.toml`.
    pub fn start_with_settings(settings: &str) -> Self {
        let mut server = Self {
            dir: tempfile::tempdir().expect("a temp dir"),
            bin: binary("rma-server"),
            child: None,
            url: String::new(),
            log: None,
        };
        if !settings.is_empty() {
            std::fs::write(server.dir.path().join("server.toml"), settings)
                .expect("server.toml is written");
        }
        server.launch("127.0.0.1:0");
        server
    }

    pub fn data(&self) -> &Path {
        self.dir.path()
    }

    fn launch(&mut self, listen: &str) {
        let mut child = Command::new(&self.bin)
            .args([
                "--data",
                &self.dir.path().to_string_lossy(),
                "serve",
                "--listen",
                listen,
            ])
            .env("RMA_LOG", "info")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("rma-server starts");
        // The first line says where it listens, once it does.
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("piped"))
            .read_line(&mut line)
            .expect("rma-server prints its address");
        let url = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap_or_else(|| panic!("no address in {line:?}"))
            .to_owned();
        self.url = url;
        self.log = Some(BufReader::new(child.stderr.take().expect("piped")).lines());
        self.child = Some(child);
    }

    /// Runs an `rma-server` command on this server's data folder.
    pub fn command(&self, args: &[&str]) -> Output {
        Command::new(&self.bin)
            .arg("--data")
            .arg(self.dir.path())
            .args(args)
            .output()
            .expect("rma-server runs")
    }

    /// Enrols a site; returns its token.
    pub fn add_site(&self, code: &str) -> String {
        let out = self.command(&["site", "add", code, "--json"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let answer: Value = serde_json::from_slice(&out.stdout).expect("JSON");
        answer["token"].as_str().expect("a token").to_owned()
    }

    /// Adds a person who logs in to the office pages.
    pub fn add_user(&self, name: &str, role: &str, password: &str) {
        let mut child = Command::new(&self.bin)
            .arg("--data")
            .arg(self.dir.path())
            .args(["user", "add", name, "--role", role])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("rma-server runs");
        use std::io::Write as _;
        writeln!(child.stdin.take().expect("piped"), "{password}").expect("password sent");
        let out = child.wait_with_output().expect("rma-server ends");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Waits until the log has a line containing `text` (the server's log is the clock).
    pub fn wait_for_log(&mut self, text: &str) {
        let log = self.log.as_mut().expect("the server runs");
        for line in log.by_ref() {
            if line.expect("log lines").contains(text) {
                return;
            }
        }
        panic!("the server stopped before logging {text:?}");
    }

    /// SIGKILLs the server.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().expect("kill");
            child.wait().expect("wait");
        }
        self.log = None;
    }

    /// Starts the server again on the same address, with the same data.
    pub fn restart(&mut self) {
        self.kill();
        let address = self.url.trim_start_matches("http://").to_owned();
        self.launch(&address);
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A process that is SIGKILLed when this handle is dropped (also when a test fails).
#[derive(Debug)]
pub struct Running(pub Child);

impl Running {
    pub fn id(&self) -> u32 {
        self.0.id()
    }

    /// SIGKILLs the process and waits for it.
    pub fn kill(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.kill();
    }
}
