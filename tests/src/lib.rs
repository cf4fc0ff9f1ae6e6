//! rma-tests: helpers for the cross-process tests in `tests/`, which run the real binaries
//! against real sled stores in temporary directories.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use serde_json::Value;
use tempfile::TempDir;

/// An HTTP client for a test (https trusts the system's roots).
pub fn http() -> reqwest::blocking::Client {
    rma_agent::http::builder()
        .build()
        .expect("an HTTP client builds")
}

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

/// With `RMA_TEST_BACKEND=postgres`, a new database for one test server on the cluster at
/// `RMA_TEST_DATABASE` (tests/run starts one and runs the server tests on both backends).
pub fn test_database() -> Option<String> {
    if std::env::var("RMA_TEST_BACKEND").as_deref() != Ok("postgres") {
        return None;
    }
    Some(new_database())
}

/// A new database on the test cluster at `RMA_TEST_DATABASE`, whatever the backend of the run.
pub fn new_database() -> String {
    let admin = std::env::var("RMA_TEST_DATABASE").expect(
        "these tests need PostgreSQL: set RMA_TEST_DATABASE to an address whose role may create databases (tests/run starts a cluster and sets it)",
    );
    let name = format!("rma_t_{}", rma_shared::TicketId::random());
    // On a thread of its own: the synchronous client cannot run inside an async test.
    std::thread::spawn(move || rma_server::pg::create_database(&admin, &name))
        .join()
        .expect("the database is created without a panic")
        .expect("a test database is created")
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
        Self::enrolled_at(site, server, &server.url)
    }

    /// A new agent for `site` of `server`, which it reaches at `url` (a proxy, say).
    pub fn enrolled_at(site: &str, server: &Server, url: &str) -> Self {
        let token = server.add_site(site);
        Self::with_token(site, url, &token)
    }

    /// A new agent for `site`, enrolled with `server` as a site that holds every site's
    /// tickets (`rma-server site add CODE --holds all`): a repair centre, or a second site
    /// that works on the same tickets.
    pub fn enrolled_holding_all(site: &str, server: &Server) -> Self {
        let token = server.add_site_holding(site, "all");
        Self::with_token(site, &server.url, &token)
    }

    /// A new installation of `site` with the site's `token`, reaching the server at `url`.
    pub fn with_token(site: &str, url: &str, token: &str) -> Self {
        let agent = Self::new();
        agent.ok(&["init", "--site", site, "--server", url, "--token", token]);
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
            .env_remove("RMA_AGENT_CONFIG")
            // Agents of parallel tests must not share the bench page's default address.
            .env("RMA_AGENT_WEB", "127.0.0.1:0")
            // Each command opens the store itself unless a test starts a serve (the serve a
            // command keeps in the background has its own test).
            .env("RMA_AGENT_KEEP_SERVING_MINUTES", "0")
            // Whatever the machine's locale, the agent's own settings choose its language
            // (a test asks for another with --lang or the environment).
            .env("LANG", "C.UTF-8")
            .env_remove("LC_ALL")
            .env_remove("LC_MESSAGES")
            .env_remove("RMA_LANG");
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

    /// Walks a registered one-unit `ticket` to shipment (assessed, received into SHELF-A,
    /// repaired by Bob, passed by Ivy, shipping agreed, packed, shipped with SF Express under
    /// `tracking`); the area must exist.
    pub fn walk_to_shipment(&self, ticket: &str, tracking: &str) {
        let unit = format!("{ticket}-1");
        for step in [
            vec!["assess", ticket, "--severity", "simple"],
            vec!["receive", ticket, "--area", "SHELF-A"],
            vec!["assign", ticket, "--repairer", "Bob"],
            vec![
                "repair",
                &unit,
                "--steps",
                "replaced fuse",
                "--minutes",
                "20",
            ],
            vec!["inspect", &unit, "--pass", "--inspector", "Ivy"],
            vec![
                "ship-notice",
                ticket,
                "--method",
                "courier",
                "--date",
                "2026-12-20",
            ],
            vec!["pack", ticket],
            vec![
                "ship",
                ticket,
                "--carrier",
                "SF Express",
                "--tracking",
                tracking,
            ],
        ] {
            self.ok(&step);
        }
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

    /// Takes the next steps as `name` (`--user`): once the agent has accounts, steps are
    /// taken by people with an account whose role has them as a duty.
    pub fn acting_as(&mut self, name: &str) {
        name.clone_into(&mut self.user);
    }

    /// Adds an account of this agent's own (it has no server), the password piped in.
    pub fn add_user(&self, name: &str, role: &str, password: &str) {
        let mut child = self
            .command(&["user", "add", name, "--role", role])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("rma-agent runs");
        {
            use std::io::Write as _;
            let mut stdin = child.stdin.take().expect("piped");
            writeln!(stdin, "{password}").expect("the password is written");
        }
        let out = child.wait_with_output().expect("rma-agent finishes");
        self.succeeded(&["user", "add", name], out);
    }

    /// Where the running serve serves the bench page (from `agent.json`).
    pub fn bench_url(&self) -> String {
        let text = std::fs::read_to_string(self.data().join("agent.json")).expect("serve runs");
        let handle: Value = serde_json::from_str(&text).expect("agent.json is JSON");
        handle["web"]
            .as_str()
            .expect("serve serves the bench page")
            .to_owned()
    }

    /// The numbers of the tickets this agent holds, in order.
    pub fn held(&self) -> Vec<String> {
        let mut numbers: Vec<String> = self.json(&["list", "--limit", "0"])["tickets"]
            .as_array()
            .expect("a listing")
            .iter()
            .map(|t| t["number"].as_str().expect("a number").to_owned())
            .collect();
        numbers.sort();
        numbers
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
    /// The office reader's session ([`Server::reader`]).
    reader: std::sync::OnceLock<String>,
}

impl Server {
    /// Starts a server on a free port of 127.0.0.1.
    pub fn start() -> Self {
        Self::start_with_settings("")
    }

    /// Starts a server with `settings` as its `server.toml`.
    pub fn start_with_settings(settings: &str) -> Self {
        let mut server = Self::stopped(settings);
        server.launch("127.0.0.1:0");
        server
    }

    /// A server's data folder and settings, not started yet ([`Server::run`] starts it).
    pub fn stopped(settings: &str) -> Self {
        let server = Self {
            dir: tempfile::tempdir().expect("a temp dir"),
            bin: binary("rma-server"),
            child: None,
            url: String::new(),
            log: None,
            reader: std::sync::OnceLock::new(),
        };
        let mut settings = settings.to_owned();
        if !settings.contains("[database]")
            && let Some(url) = test_database()
        {
            settings.push_str(&format!("\n[database]\nurl = \"{url}\"\n"));
        }
        if !settings.is_empty() {
            std::fs::write(server.dir.path().join("server.toml"), settings)
                .expect("server.toml is written");
        }
        server
    }

    /// Starts a stopped server on a free port (the address of any earlier run is not kept).
    pub fn run(&mut self) {
        self.kill();
        self.launch("127.0.0.1:0");
    }

    pub fn data(&self) -> &Path {
        self.dir.path()
    }

    /// The PostgreSQL database the server keeps its store in, if it does.
    pub fn database(&self) -> Option<String> {
        let settings = std::fs::read_to_string(self.dir.path().join("server.toml")).ok()?;
        let settings: toml::Table = settings.parse().ok()?;
        settings
            .get("database")?
            .get("url")?
            .as_str()
            .map(str::to_owned)
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
            .env("LANG", "C.UTF-8")
            .env_remove("LC_ALL")
            .env_remove("LC_MESSAGES")
            .env_remove("RMA_LANG")
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
            .find(|w| w.starts_with("http://") || w.starts_with("https://"))
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

    /// Enrols a site that holds its own work; returns its token.
    pub fn add_site(&self, code: &str) -> String {
        self.add_site_holding(code, "own")
    }

    /// Enrols a site that holds `holds` (`own` or `all`); returns its token.
    pub fn add_site_holding(&self, code: &str, holds: &str) -> String {
        let out = self.command(&["site", "add", code, "--holds", holds, "--json"]);
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
        self.add_person(name, role, &[], password);
    }

    /// Adds a head who leads `department`: they decide its people's archive applications.
    pub fn add_head(&self, name: &str, department: &str, password: &str) {
        self.add_person(name, "head", &["--department", department], password);
    }

    fn add_person(&self, name: &str, role: &str, more: &[&str], password: &str) {
        let mut child = Command::new(&self.bin)
            .arg("--data")
            .arg(self.dir.path())
            .args(["user", "add", name, "--role", role])
            .args(more)
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

    /// Reads the log away in the background, for a test that does not watch it (a log pipe
    /// nobody reads would fill and stop the server).
    pub fn drain_log(&mut self) {
        if let Some(log) = self.log.take() {
            std::thread::spawn(move || log.for_each(drop));
        }
    }

    /// The session of an office reader (a head, who sees costs), made at first use: the
    /// office API answers people, not sites' tokens.
    pub fn reader(&self) -> String {
        const NAME: &str = "reader";
        const PASSWORD: &str = "reader pass 42";
        if let Some(session) = self.reader.get() {
            return session.clone();
        }
        let session = self.log_in(NAME, PASSWORD).unwrap_or_else(|| {
            self.add_user(NAME, "head", PASSWORD);
            self.log_in(NAME, PASSWORD).expect("the reader signs in")
        });
        self.reader.get_or_init(|| session).clone()
    }

    /// Every ticket the server holds, as its API lists them to an office reader.
    pub fn tickets(&self) -> Vec<Value> {
        let listed: Value = http()
            .get(format!("{}/api/v1/tickets?limit=0", self.url))
            .header("cookie", self.reader())
            .send()
            .expect("the server answers")
            .json()
            .expect("JSON");
        listed["tickets"].as_array().expect("a list").clone()
    }

    /// One ticket as the server's API shows it to an office reader.
    pub fn ticket(&self, number: &str) -> Value {
        http()
            .get(format!("{}/api/v1/tickets/{number}", self.url))
            .header("cookie", self.reader())
            .send()
            .expect("the server answers")
            .json()
            .expect("JSON")
    }

    /// Logs in to the office pages; returns the session cookie if the password is right.
    pub fn log_in(&self, name: &str, password: &str) -> Option<String> {
        log_in_at(&self.url, name, password)
    }

    /// The server's process id while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
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

/// A TCP proxy on loopback between agents and a server that cuts the connection after a
/// chosen number of bytes, SIGKILLing a chosen process at that moment: a client or a server
/// killed at a byte-exact point of a request, with no timing involved.
#[derive(Debug)]
pub struct CutProxy {
    /// The address agents use instead of the server's.
    pub url: String,
    state: std::sync::Arc<std::sync::Mutex<CutState>>,
}

#[derive(Debug, Default)]
struct CutState {
    /// Bytes (both ways) left before the cut; none: no cut.
    budget: Option<u64>,
    victim: Option<u32>,
    open: Vec<std::net::TcpStream>,
    cuts: usize,
    /// How many cuts there were when the proxy was last armed.
    cuts_when_armed: usize,
    /// Bytes relayed (both ways) since the proxy was last armed.
    relayed: u64,
    /// Cut again after this many bytes, every time ([`CutProxy::cut_every`]).
    every: Option<u64>,
}

impl CutState {
    /// Takes `n` bytes from the budget; returns how many may pass, and whether to cut.
    fn take(&mut self, n: u64) -> (u64, bool) {
        let (pass, cut) = match self.budget {
            Some(left) if n >= left => (left, true),
            Some(left) => {
                self.budget = Some(left - n);
                (n, false)
            }
            None => (n, false),
        };
        self.relayed += pass;
        (pass, cut)
    }

    fn cut(&mut self) {
        if let Some(pid) = self.victim.take() {
            let pid = nix::unistd::Pid::from_raw(i32::try_from(pid).expect("a pid"));
            let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGKILL);
        }
        for stream in self.open.drain(..) {
            let _ = stream.shutdown(std::net::Shutdown::Both);
        }
        self.budget = self.every;
        self.cuts += 1;
    }
}

impl CutProxy {
    /// A proxy to the server at `target` (`http://127.0.0.1:PORT`).
    pub fn start(target: &str) -> Self {
        use std::net::{TcpListener, TcpStream};
        let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        let url = format!("http://{}", listener.local_addr().expect("bound"));
        let target = target.trim_start_matches("http://").to_owned();
        let state = std::sync::Arc::new(std::sync::Mutex::new(CutState::default()));
        let shared = state.clone();
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { continue };
                let Ok(server) = TcpStream::connect(&target) else {
                    continue; // the server is down: the client sees the connection close
                };
                {
                    let mut state = shared.lock().expect("the proxy's state");
                    state
                        .open
                        .push(client.try_clone().expect("a socket clones"));
                    state
                        .open
                        .push(server.try_clone().expect("a socket clones"));
                }
                for (from, to) in [
                    (
                        client.try_clone().expect("clone"),
                        server.try_clone().expect("clone"),
                    ),
                    (server, client),
                ] {
                    let state = shared.clone();
                    std::thread::spawn(move || pipe(from, to, &state));
                }
            }
        });
        Self { url, state }
    }

    /// Cuts after `bytes` more bytes, SIGKILLing `victim` (if set by then) at that moment.
    pub fn arm(&self, bytes: u64) {
        let mut state = self.state.lock().expect("the proxy's state");
        state.budget = Some(bytes);
        state.victim = None;
        state.cuts_when_armed = state.cuts;
        state.relayed = 0;
    }

    /// Cuts the connections every `bytes` bytes relayed, again and again: a network that drops
    /// every few hundred KB.
    pub fn cut_every(&self, bytes: u64) {
        let mut state = self.state.lock().expect("the proxy's state");
        state.every = Some(bytes);
        state.budget = Some(bytes);
        state.victim = None;
        state.cuts_when_armed = state.cuts;
        state.relayed = 0;
    }

    /// The process to SIGKILL at the cut.
    pub fn victim(&self, pid: u32) {
        self.state.lock().expect("the proxy's state").victim = Some(pid);
    }

    /// No cut from now on; returns whether the armed cut happened.
    pub fn disarm(&self) -> bool {
        let mut state = self.state.lock().expect("the proxy's state");
        state.budget = None;
        state.every = None;
        state.victim = None;
        state.cuts > state.cuts_when_armed
    }

    /// Bytes relayed (both ways) since the proxy was last armed: how much a sync that was not
    /// cut moved, so the next cut can fall within as much.
    pub fn relayed(&self) -> u64 {
        self.state.lock().expect("the proxy's state").relayed
    }

    /// How many cuts there were so far.
    pub fn cuts(&self) -> usize {
        self.state.lock().expect("the proxy's state").cuts
    }
}

fn pipe(
    mut from: std::net::TcpStream,
    mut to: std::net::TcpStream,
    state: &std::sync::Mutex<CutState>,
) {
    use std::io::{Read as _, Write as _};
    let mut buf = [0u8; 4096];
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) | Err(_) => {
                let _ = to.shutdown(std::net::Shutdown::Write);
                return;
            }
            Ok(n) => n,
        };
        let (pass, cut) = state.lock().expect("the proxy's state").take(n as u64);
        let pass = usize::try_from(pass).expect("at most a buffer");
        if to.write_all(&buf[..pass]).is_err() {
            return;
        }
        if cut {
            state.lock().expect("the proxy's state").cut();
            return;
        }
    }
}

/// Signs in at the pages at `url` (the office's or a bench's); returns the session cookie if
/// the password is right.
/// Posts a form (`a=1&b=2`) with a session cookie, as a browser does; redirects are not
/// followed.
pub fn post_form(url: &str, cookie: &str, body: &str) -> reqwest::blocking::Response {
    rma_agent::http::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("an HTTP client")
        .post(url)
        .header("cookie", cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body.to_owned())
        .send()
        .expect("the server answers")
}

/// Gets a page with a session cookie; redirects are not followed.
pub fn get_page(url: &str, cookie: &str) -> reqwest::blocking::Response {
    rma_agent::http::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("an HTTP client")
        .get(url)
        .header("cookie", cookie)
        .send()
        .expect("the server answers")
}

pub fn log_in_at(url: &str, name: &str, password: &str) -> Option<String> {
    let answer = rma_agent::http::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("an HTTP client")
        .post(format!("{url}/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!(
            "name={name}&password={}&next=%2F",
            password.replace(' ', "+")
        ))
        .send()
        .expect("the server answers");
    answer
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(str::to_owned)
}
