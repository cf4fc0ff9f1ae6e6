//! Scanning sessions from standard input, as a USB scanner types them: an area then units
//! moves the units; noise, lowercase and the URL form are read; duplicates and garbage are
//! reported and the session goes on; every scan is recorded with its ticket.

use std::io::Write;
use std::process::Stdio;

use rma_tests::Agent;
use serde_json::Value;

fn scan(agent: &Agent, input: &str) -> (Vec<Value>, bool) {
    let mut child = agent
        .command(&["scan", "--json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let lines = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (lines, out.status.success())
}

fn setup() -> (Agent, String) {
    let agent = Agent::init("WH1");
    agent.ok(&["area", "add", "SHELF-A1"]);
    agent.ok(&["area", "add", "CAGE-2"]);
    let ticket = agent.intake("Acme", 2);
    agent.ok(&["assess", &ticket, "--severity", "simple"]);
    agent.ok(&["receive", &ticket, "--area", "SHELF-A1"]);
    (agent, ticket)
}

fn check_session(agent: &Agent, ticket: &str) {
    let lower = ticket.to_lowercase();
    let input = format!(
        "a:cage-2\r\nU:{ticket}-1\r\n  u:{lower}-2  \nU:{ticket}-1\n\nhello\nhttps://rma.example.com/c/T:{ticket}\nhttps://rma.example.com/c/T%3A{ticket}\nA:NOWHERE\n"
    );
    let (lines, ok) = scan(agent, &input);
    assert!(!ok, "a session with unusable scans ends with an error");
    let actions: Vec<&str> = lines
        .iter()
        .map(|l| l["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "area",
            "moved",
            "moved",
            "duplicate",
            "error",
            "shown",
            "duplicate",
            "error"
        ],
        "{lines:?}"
    );
    assert!(lines[4]["message"].as_str().unwrap().contains("“hello”"));
    assert!(
        lines[7]["message"]
            .as_str()
            .unwrap()
            .contains("area add NOWHERE")
    );

    let view = agent.json(&["show", ticket]);
    for unit in view["units"].as_array().unwrap() {
        assert_eq!(unit["location"], "CAGE-2");
    }
    let history = agent.json(&["history", ticket]);
    let types: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        &types[3..],
        ["moved", "moved", "scanned"],
        "each scan applied once"
    );
    let scanned = history.as_array().unwrap().last().unwrap();
    assert_eq!(scanned["by"], "tester");
    assert_eq!(scanned["site"], "WH1");
    assert_eq!(scanned["code"], format!("T:{ticket}"));
}

#[test]
fn a_scanning_session_moves_units_and_reports_what_it_cannot_use() {
    let (agent, ticket) = setup();
    check_session(&agent, &ticket);
}

#[test]
fn a_scanning_session_works_the_same_through_a_running_serve() {
    let (agent, ticket) = setup();
    let mut serve = agent.serve();
    check_session(&agent, &ticket);
    serve.kill();
}
