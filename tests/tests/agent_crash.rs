//! Data is never lost: an agent killed with SIGKILL in the middle of a burst of commands keeps
//! every command it acknowledged, and never reuses a ticket number.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};

use rma_tests::{Agent, binary};

#[test]
fn sigkill_during_a_burst_loses_no_acknowledged_command() {
    let agent = Agent::init("WH5");
    let bin = binary("rma-agent");
    let mut tickets = BTreeSet::new();
    let mut held = BTreeSet::new();
    for round in 0..4 {
        // Each line is printed only after the command that it acknowledges returned.
        let script = format!(
            r#"for i in $(seq 1 60); do
                 T=$("{bin}" intake --customer "C$i" --model M --quantity 1 --fault f --request repair) || exit 1
                 echo "ticket $T"
                 "{bin}" hold "$T" --reason "burst" > /dev/null || exit 1
                 echo "held $T"
               done"#,
            bin = bin.display()
        );
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(script)
            .env("RMA_AGENT_DATA", agent.data())
            .env("RMA_USER", "burst")
            .env("RMA_AGENT_KEEP_SERVING_MINUTES", "0")
            .stdout(Stdio::piped())
            .process_group(0)
            .spawn()
            .unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        let kill_after = 3 + round * 5;
        let mut seen = 0;
        for line in stdout.lines() {
            let line = line.unwrap();
            match line.split_once(' ') {
                Some(("ticket", t)) => tickets.insert(t.to_owned()),
                Some(("held", t)) => held.insert(t.to_owned()),
                _ => panic!("unexpected output {line:?}"),
            };
            seen += 1;
            if seen == kill_after {
                // SIGKILL the shell and the rma-agent it is running right now.
                let group = format!("-{}", child.id());
                let status = Command::new("kill")
                    .args(["-KILL", "--", &group])
                    .status()
                    .unwrap();
                assert!(status.success());
            }
        }
        child.wait().unwrap();
    }
    assert!(tickets.len() >= 4 * 3 / 2, "the bursts ran: {tickets:?}");

    // After the kills the store opens and holds every acknowledged command.
    let listed = agent.json(&["list", "--limit", "0"]);
    let stored: Vec<(String, String)> = listed["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["number"].as_str().unwrap().to_owned(),
                t["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let numbers: BTreeSet<&String> = stored.iter().map(|(n, _)| n).collect();
    assert_eq!(numbers.len(), stored.len(), "ticket numbers are unique");
    for ticket in &tickets {
        assert!(
            numbers.contains(ticket),
            "acknowledged ticket {ticket} was lost"
        );
    }
    for (number, status) in &stored {
        if held.contains(number) {
            assert_eq!(status, "on_hold", "acknowledged hold of {number} was lost");
        }
    }

    // A new ticket never reuses a number handed out before the crash.
    let next = agent.intake("after", 1);
    assert!(!numbers.contains(&next), "{next} was reused");
    assert!(
        &next > *numbers.iter().next_back().unwrap(),
        "{next} comes after every earlier number"
    );
}
