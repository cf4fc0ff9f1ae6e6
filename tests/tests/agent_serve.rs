//! `rma-agent serve` holds the store and answers the command line over loopback; every
//! command works the same with it running, after it was killed, and after it stopped.

use std::process::Command;

use rma_agent::store::{Store, StoreError};
use rma_tests::Agent;

#[test]
fn commands_go_through_a_running_serve_and_work_without_it() {
    let agent = Agent::init("SV1");
    agent.ok(&["area", "add", "SHELF-A"]);
    let mut serve = agent.serve();

    // The serve holds the store: nobody else can open it, yet every command works.
    let err = Store::open(agent.data()).unwrap_err();
    assert!(matches!(err, StoreError::InUse(_)), "{err}");
    assert!(err.to_string().contains("rma-agent stop"), "{err}");
    let ticket = agent.intake("Acme", 1);
    agent.ok(&["assess", &ticket, "--severity", "simple", "--user", "Bob"]);
    let view = agent.json(&["receive", &ticket, "--area", "SHELF-A"]);
    assert_eq!(view["status"], "received");
    assert_eq!(
        view["events"][1]["by"], "Bob",
        "the asking command's user is recorded"
    );
    let err = agent.fails(&["receive", &ticket, "--area", "SHELF-A"]);
    assert!(err.contains("already received"), "{err}");

    // Settings follow the asking command's environment, not the serve's.
    let late = agent.intake("Acme", 1);
    assert!(
        agent.json(&["list", "--overdue"])["tickets"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let out = agent
        .command(&["list", "--overdue", "--json"])
        .env("RMA_AGENT_FORWARD_HOURS", "0")
        .env("RMA_AGENT_ASSESSMENT_HOURS", "0")
        .output()
        .unwrap();
    let listed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(listed["tickets"][0]["number"], late.as_str());

    // A command that does not know the serve's secret is refused.
    let handle = agent.data().join("agent.json");
    let genuine = std::fs::read_to_string(&handle).unwrap();
    let mut forged: serde_json::Value = serde_json::from_str(&genuine).unwrap();
    forged["token"] = "not-the-token".into();
    std::fs::write(&handle, forged.to_string()).unwrap();
    let err = agent.fails(&["show", &ticket]);
    assert!(err.contains("401"), "{err}");
    std::fs::write(&handle, genuine).unwrap();

    // Killed without warning: commands open the store themselves and clear the stale notice.
    serve.kill();
    assert!(handle.exists());
    let view = agent.json(&["show", &ticket]);
    assert_eq!(view["status"], "received");
    assert!(!handle.exists(), "the stale agent.json is removed");

    // Stopped properly (SIGTERM): it withdraws its notice; nothing acknowledged was lost.
    let mut serve = agent.serve();
    agent.ok(&["move", &format!("{ticket}-1"), "--to", "SHELF-A"]);
    let status = Command::new("kill")
        .arg(serve.id().to_string())
        .status()
        .unwrap();
    assert!(status.success());
    serve.0.wait().unwrap();
    assert!(!handle.exists());
    let history = agent.json(&["history", &ticket]);
    assert_eq!(history.as_array().unwrap().len(), 4, "{history}");
}

/// With the default settings, a command that had to open the store leaves `rma-agent serve`
/// running in the background (without the bench page); the next commands go through it, and
/// it stops by itself once no command comes.
#[test]
fn a_command_leaves_a_serve_in_the_background_and_the_next_ones_go_through_it() {
    let agent = Agent::init("SV2");
    let handle = agent.data().join("agent.json");
    let keep = |args: &[&str]| {
        let out = agent
            .command(args)
            .env("RMA_AGENT_KEEP_SERVING_MINUTES", "1")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    assert!(!handle.exists());
    let ticket = keep(&[
        "intake",
        "--customer",
        "Acme",
        "--model",
        "X200",
        "--quantity",
        "1",
        "--fault",
        "no power",
        "--request",
        "repair",
    ]);
    let ticket = ticket.trim();
    // The command returned once the serve had the store and announced itself.
    let announced: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&handle).unwrap()).unwrap();
    assert!(announced["web"].is_null(), "no bench page: {announced}");
    let err = Store::open(agent.data()).unwrap_err();
    assert!(matches!(err, StoreError::InUse(_)), "{err}");
    // The next commands go through it, in the asking command's name, and it keeps the store.
    keep(&["assess", ticket, "--severity", "simple", "--user", "Bob"]);
    let shown: serde_json::Value =
        serde_json::from_str(&keep(&["show", ticket, "--json"])).unwrap();
    assert_eq!(shown["status"], "assessed");
    assert_eq!(shown["events"][1]["by"], "Bob");
    let still: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&handle).unwrap()).unwrap();
    assert_eq!(still, announced, "the same serve");
    // Stopped (as at the end of its idle minutes, or a restart of the PC): the next command
    // opens the store itself and leaves a new one.
    let pid = announced["pid"].as_i64().unwrap();
    Command::new("kill").arg(pid.to_string()).status().unwrap();
    let view: serde_json::Value = serde_json::from_str(&keep(&["show", ticket, "--json"])).unwrap();
    assert_eq!(view["status"], "assessed");
    let again: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&handle).unwrap()).unwrap();
    assert_ne!(again["pid"], announced["pid"]);
    Command::new("kill")
        .arg(again["pid"].as_i64().unwrap().to_string())
        .status()
        .unwrap();
}
