//! rma-tests: helpers for the cross-process tests in `tests/`, which run the real binaries
//! against real sled stores in temporary directories.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

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
        assert!(status.success(), "building {name} failed");
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
    /// A new agent set up for `site`.
    pub fn init(site: &str) -> Self {
        let agent = Self {
            dir: tempfile::tempdir().expect("a temp dir"),
            bin: binary("rma-agent"),
            user: "tester".into(),
        };
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
        let out = self.run(args);
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

    /// Runs a command with `--json` that must succeed; returns the parsed output.
    pub fn json(&self, args: &[&str]) -> Value {
        let mut with_json = args.to_vec();
        with_json.push("--json");
        let text = self.ok(&with_json);
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}):\n{text}"))
    }
}
