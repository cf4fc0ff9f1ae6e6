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

/// Whether process `pid` still runs (a zombie waiting to be reaped has ended).
fn alive(pid: i64) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        !stat
            .rsplit(')')
            .next()
            .unwrap_or("")
            .trim_start()
            .starts_with('Z')
    })
}

/// Waits until process `pid` has ended (the process table is the clock), for `what`.
fn ended(pid: i64, what: &str) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while alive(pid) {
        assert!(
            std::time::Instant::now() < deadline,
            "{what}: {pid} still runs"
        );
        std::thread::yield_now();
    }
}

/// The serve announced in the data folder, as `agent.json` says.
fn announced(agent: &Agent) -> serde_json::Value {
    let text = std::fs::read_to_string(agent.data().join("agent.json")).expect("a serve runs");
    serde_json::from_str(&text).unwrap()
}

/// A command whose store is then kept by a serve in the background.
fn keeping(agent: &Agent, args: &[&str]) -> String {
    let out = agent
        .command(args)
        .env("RMA_AGENT_KEEP_SERVING_MINUTES", "5")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// A person who starts `rma-agent serve` after a command left one in the background gets the
/// bench page: the command's serve gives way. `status` says which serve holds the store,
/// `stop` stops it, and a person's serve is not taken over by another.
#[test]
fn a_persons_serve_takes_over_from_a_commands_and_status_and_stop_know_it() {
    let agent = Agent::init("SV3");
    keeping(&agent, &["area", "add", "SHELF-A"]);
    let left = announced(&agent);
    assert_eq!(left["started_by"], "command", "{left}");
    let status = agent.ok(&["status"]);
    assert!(status.contains("left running by a command"), "{status}");
    assert!(status.contains("no bench page"), "{status}");

    // The person's serve: the command's one stops, the bench page is served.
    let mut serve = agent.serve();
    ended(
        left["pid"].as_i64().unwrap(),
        "the command's serve gives way",
    );
    let now = announced(&agent);
    assert_eq!(now["started_by"], "person", "{now}");
    assert_eq!(now["pid"].as_i64().unwrap(), i64::from(serve.id()));
    let page = now["web"]
        .as_str()
        .expect("the bench page is served")
        .to_owned();
    let login = rma_tests::http()
        .get(format!("{page}/login"))
        .send()
        .unwrap();
    assert!(login.status().is_success());
    let status = agent.ok(&["status"]);
    assert!(
        status.contains("started by a person") && status.contains(&page),
        "{status}"
    );
    let json = agent.json(&["status"]);
    assert_eq!(json["serve"]["started_by"], "person", "{json}");
    // Commands still go through it; a second serve is refused with the reason.
    agent.ok(&["area", "add", "SHELF-B"]);
    let err = agent.fails(&["serve"]);
    assert!(err.contains("rma-agent stop"), "{err}");

    // `stop`: the serve ends, its notice is withdrawn, commands open the store themselves.
    let said = agent.ok(&["stop"]);
    assert!(said.contains("Stopped the serve"), "{said}");
    assert!(serve.0.wait().unwrap().success());
    assert!(!agent.data().join("agent.json").exists());
    let status = agent.ok(&["status"]);
    assert!(
        status.contains("each command opens the store itself"),
        "{status}"
    );
    assert!(agent.ok(&["stop"]).contains("No serve"));
    let areas = agent.json(&["area", "list"]);
    assert_eq!(areas.as_array().unwrap().len(), 2, "{areas}");
}

/// A serve left in the background by a command ends when its data folder is removed (a
/// script making and removing throwaway folders leaves nothing running).
#[test]
fn a_background_serve_ends_when_its_data_folder_is_removed() {
    let agent = Agent::init("SV4");
    keeping(&agent, &["area", "add", "SHELF-A"]);
    let pid = announced(&agent)["pid"].as_i64().unwrap();
    assert!(alive(pid));
    std::fs::remove_dir_all(agent.data()).unwrap();
    ended(pid, "the serve of a removed folder ends");
}

/// Several people asking one serve at once, each in their own language: every answer, done
/// or refused, is in the language of the one who asked.
#[test]
fn one_serve_answers_each_asker_in_their_language_at_once() {
    let agent = Agent::init("SV5");
    let ticket = agent.intake("Acme", 1);
    let _serve = agent.serve();
    std::thread::scope(|scope| {
        for worker in 0..6 {
            let (agent, ticket) = (&agent, &ticket);
            scope.spawn(move || {
                let lang = if worker % 2 == 0 { "zh-CN" } else { "en" };
                for _ in 0..5 {
                    // Refused: the unit was never received.
                    let err =
                        agent.fails(&["inspect", &format!("{ticket}-1"), "--pass", "--lang", lang]);
                    let shown = agent.ok(&["history", ticket, "--lang", lang]);
                    let chinese =
                        |text: &str| text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
                    if lang == "zh-CN" {
                        assert!(chinese(&err) && err.starts_with("错误"), "{err}");
                        assert!(chinese(&shown), "{shown}");
                    } else {
                        assert!(!chinese(&err) && err.starts_with("error:"), "{err}");
                        assert!(shown.contains("egistered"), "{shown}");
                    }
                }
            });
        }
    });
}
