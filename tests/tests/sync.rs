//! Agents that worked offline converge through a real server on loopback; kills in the middle
//! of a sync lose nothing; bad tokens and bad payloads are refused and store nothing.

use rma_tests::{Agent, Server};
use serde_json::Value;

fn ticket_count(server: &Server) -> usize {
    server.tickets().len()
}

#[test]
fn two_agents_edit_one_ticket_offline_and_converge() {
    let server = Server::start();
    let a = Agent::enrolled("WH1", &server);
    let b = Agent::enrolled("WH2", &server);
    a.ok(&["area", "add", "SHELF-A"]);
    b.ok(&["area", "add", "SHELF-B"]);
    let ticket = a.intake("Acme", 1);
    let unit = format!("{ticket}-1");
    for step in [
        vec!["assess", &ticket, "--severity", "simple"],
        vec!["receive", &ticket, "--area", "SHELF-A"],
        vec!["assign", &ticket, "--repairer", "Bob"],
        vec!["repair", &unit, "--steps", "new fuse", "--minutes", "20"],
        // Each site holds its own work: WH2 holds the ticket once it is handed over.
        vec![
            "hand-over",
            &ticket,
            "--to",
            "WH2",
            "--note",
            "second inspection",
        ],
    ] {
        a.ok(&step);
    }
    a.ok(&["sync"]);
    let report = b.json(&["sync"]);
    assert_eq!(report["pulled"], 1);

    // Offline at both sites: a conflicting inspection, a cost and a storage move.
    a.ok(&["inspect", &unit, "--pass"]);
    a.ok(&[
        "cost",
        &ticket,
        "--kind",
        "repair",
        "--amount",
        "50",
        "--liability",
        "quality-defect",
    ]);
    b.ok(&["inspect", &unit, "--fail", "--note", "still dead"]);
    b.ok(&["edit", &ticket, "--contact", "Li Wei 139"]);

    for agent in [&a, &b, &a] {
        agent.ok(&["sync"]);
    }
    let va = a.json(&["show", &ticket]);
    let vb = b.json(&["show", &ticket]);
    assert_eq!(va, vb, "both sites hold the same ticket");
    assert_eq!(
        va["events"].as_array().unwrap().len(),
        10,
        "nothing was dropped"
    );
    assert_eq!(va["conflicts"].as_array().unwrap().len(), 1, "{va}");
    assert_eq!(va["registration"]["contact"], "Li Wei 139");
    assert_eq!(va["cost_totals"][0]["minor"], 5000);

    // The office sees the same merged ticket.
    let office = server.ticket(&ticket);
    assert_eq!(office, va);

    // A sync with nothing new moves nothing.
    let report = a.json(&["sync"]);
    assert_eq!(report["pushed"], 0);
    assert_eq!(report["pulled"], 0);
    let status = a.json(&["status"]);
    assert_eq!(status["pending"], 0);
    assert_eq!(status["reachable"], true);
}

#[test]
fn an_agent_killed_mid_push_and_a_server_killed_mid_pull_lose_nothing() {
    let mut server = Server::start();
    std::fs::write(server.data().join("server.toml"), "pull_page = 5\n").unwrap();
    server.restart();
    let a = Agent::enrolled("WH1", &server);
    // WH2 holds every site's tickets: it pulls all 60.
    let b = Agent::enrolled_holding_all("WH2", &server);
    let count = 60;
    let tickets: Vec<String> = (0..count).map(|i| a.intake(&format!("C{i}"), 1)).collect();

    // Push in batches of 5 and SIGKILL the agent after the server took two of them.
    let mut sync = a
        .command(&["sync"])
        .env("RMA_AGENT_PUSH_BATCH", "5")
        .spawn()
        .unwrap();
    server.wait_for_log("push");
    server.wait_for_log("push");
    sync.kill().unwrap();
    sync.wait().unwrap();
    let report = a.json(&["sync"]);
    assert_eq!(report["pending"], 0);
    assert_eq!(
        ticket_count(&server),
        count,
        "every ticket reached the server once"
    );

    // B pulls five tickets a page; the server is SIGKILLed after it served some pages.
    let mut sync = b
        .command(&["sync"])
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    server.wait_for_log("pull");
    server.wait_for_log("pull");
    server.restart();
    let _ = sync.wait().unwrap();
    b.ok(&["sync"]);
    let listed = b.json(&["list", "--limit", "0"]);
    let numbers: Vec<&str> = listed["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["number"].as_str().unwrap())
        .collect();
    assert_eq!(numbers.len(), count);
    for ticket in &tickets {
        assert!(
            numbers.contains(&ticket.as_str()),
            "{ticket} missing at WH2"
        );
    }
}

#[test]
fn revoked_and_wrong_tokens_are_refused() {
    let server = Server::start();
    let a = Agent::enrolled("WH1", &server);
    let acme = a.intake("Acme", 1);
    a.ok(&["sync"]);

    // A wrong token is refused at enrolment and nothing is set up.
    let fresh = tempfile::tempdir().unwrap();
    let out = a
        .command(&[
            "init",
            "--site",
            "WH7",
            "--server",
            &server.url,
            "--token",
            "guess",
        ])
        .env("RMA_AGENT_DATA", fresh.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("refused this token"));
    assert!(!fresh.path().join("store").exists());

    // Revoked: the next sync is refused and says so. The tickets the office holds all of
    // leave this PC with their customers' details; work not sent yet stays for later.
    let out = server.command(&["site", "revoke", "WH1"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let beta = a.intake("Beta", 1);
    let err = a.fails(&["sync"]);
    assert!(
        err.contains("revoked this site")
            && err.contains("1 ticket the office already holds was removed")
            && err.contains("1 ticket with steps not yet sent stays here"),
        "{err}"
    );
    assert_eq!(a.json(&["status"])["pending"], 1);
    assert_eq!(a.held(), std::slice::from_ref(&beta));
    // Told again, it keeps what it has not sent.
    let err = a.fails(&["sync"]);
    assert!(
        err.contains("no ticket the office holds is left on this PC"),
        "{err}"
    );
    assert_eq!(a.held(), std::slice::from_ref(&beta));
    // Enrolled again with a new token: what stayed is sent, and what left comes back.
    let token = server.add_site("WH1");
    a.ok(&["enroll", "--server", &server.url, "--token", &token]);
    a.ok(&["sync"]);
    let mut both = vec![acme, beta.clone()];
    both.sort();
    assert_eq!(a.held(), both);
    assert_eq!(server.ticket(&beta)["registration"]["customer"], "Beta");
    assert_eq!(a.json(&["status"])["pending"], 0);

    // Another site's valid token cannot sync as WH1.
    let token = server.add_site("WH2");
    let answer = rma_tests::http()
        .get(format!("{}/api/v1/sync/WH1/pull", server.url))
        .bearer_auth(&token)
        .send()
        .unwrap();
    assert_eq!(answer.status(), 403);
}

#[test]
fn corrupt_payloads_are_refused_and_store_nothing() {
    let server = Server::start();
    let token = server.add_site("WH1");
    let client = rma_tests::http();
    let push = |body: Vec<u8>, content_type: &str| {
        client
            .post(format!("{}/api/v1/sync/WH1/push", server.url))
            .bearer_auth(&token)
            .header("content-type", content_type)
            .body(body)
            .send()
            .unwrap()
    };
    let sync_type = rma_shared::sync::CONTENT_TYPE;
    let cases = [
        (b"\x01\x02garbage".to_vec(), sync_type, 400),
        (vec![0xff; 64], sync_type, 400),
        (b"{}".to_vec(), "application/json", 415),
    ];
    for (body, content_type, status) in cases {
        let answer = push(body, content_type);
        assert_eq!(answer.status(), status);
        let message: Value = answer.json().unwrap();
        assert!(!message["message"].as_str().unwrap().is_empty());
    }
    assert_eq!(ticket_count(&server), 0);
    // The server still works.
    let a = Agent::enrolled("WH2", &server);
    a.intake("Acme", 1);
    a.ok(&["sync"]);
    assert_eq!(ticket_count(&server), 1);
}

/// The demo: two sites work offline, sync and merge, and the server keeps running; nothing
/// in an ordinary sync is logged as an error (an error line there once came from checking
/// a push's changes as if they were a whole document).
#[test]
fn the_demo_merges_two_sites_and_keeps_the_server_running() {
    use std::io::{BufRead, BufReader, Read};
    struct KillOnDrop(std::process::Child);
    impl Drop for KillOnDrop {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    // The demo keeps its folder for a look around: here, in one the test removes.
    let folder = tempfile::tempdir().unwrap();
    let mut demo = KillOnDrop(
        std::process::Command::new(rma_tests::binary("rma-demo"))
            .env("TMPDIR", folder.path())
            .env("RMA_LOG", "warn")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut log = demo.0.stderr.take().unwrap();
    let mut seen = String::new();
    let mut url = None;
    for line in BufReader::new(demo.0.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        if let Some(address) = line.strip_prefix("Server: ") {
            url = Some(address.to_owned());
        }
        seen.push_str(&line);
        seen.push('\n');
        if line.starts_with("The server keeps running") {
            break;
        }
    }
    assert!(seen.contains("CONFLICTS between offline edits"), "{seen}");
    // Which of the two offline inspections takes effect is decided the same way at every
    // site; the other is the conflict.
    assert!(
        seen.contains("-00001   INSPECTED") || seen.contains("-00001   IN REPAIR"),
        "{seen}"
    );
    assert!(!seen.contains("\nerror:"), "{seen}");
    // The third customer's notices: what the server would send, in their language.
    assert!(
        seen.contains("email to wang.fang@example.com: 您的返修单")
            && seen.contains("sms to +86 139 1111 2222: 您的返修单"),
        "{seen}"
    );
    // The server still answers.
    let health = rma_tests::http()
        .get(format!("{}/api/v1/health", url.unwrap()))
        .send()
        .unwrap();
    assert!(health.status().is_success());
    // Everything it logged until now, once it is stopped.
    demo.0.kill().unwrap();
    demo.0.wait().unwrap();
    let mut logged = String::new();
    log.read_to_string(&mut logged).unwrap();
    assert!(!logged.contains("ERROR"), "{logged}");
}

#[test]
fn a_disagreement_found_by_the_digest_is_narrowed_down_and_repaired() {
    let server = Server::start();
    let a = Agent::enrolled("WH1", &server);
    a.intake("Acme", 1);
    assert_eq!(a.json(&["sync"])["verified"], true);

    // A ticket whose "to be sent" mark is lost: the agent thinks it has nothing to send.
    let lost = a.intake("Beta", 1);
    {
        let store = rma_agent::store::Store::open(a.data()).unwrap();
        store
            .clear_pending(&rma_shared::TicketNumber::parse(&lost).unwrap())
            .unwrap();
    }
    let report = a.json(&["sync"]);
    assert_eq!(report["verified"], false);
    assert_eq!(
        report["repaired"], 1,
        "only the ticket that differs: {report}"
    );
    assert_eq!(
        report["pushed"], 1,
        "the lost ticket is sent in the same round, and nothing else"
    );
    assert!(
        report["repair_bytes"].as_u64().unwrap() < 20_000,
        "finding it costs a few requests: {report}"
    );
    assert_eq!(a.json(&["sync"])["verified"], true);
    assert_eq!(ticket_count(&server), 2);
}

#[test]
fn a_running_agent_serve_syncs_in_the_background() {
    use std::time::{Duration, Instant};

    let server = Server::start();
    let a = Agent::enrolled("WH1", &server);
    let b = Agent::enrolled_holding_all("WH2", &server);
    std::fs::write(b.data().join("settings.toml"), "sync_interval_secs = 1\n").unwrap();
    let _serve = b.serve();

    let ticket = a.intake("Acme", 1);
    a.ok(&["sync"]);
    // Poll, with a deadline, until WH2's serve has pulled the ticket on its own.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        // Until then `show` says where the ticket is held (WH1), without its contents.
        let out = b.run(&["show", &ticket, "--json"]);
        let held_here = serde_json::from_slice::<Value>(&out.stdout)
            .is_ok_and(|shown| shown.get("registration").is_some());
        if out.status.success() && held_here {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the background sync never brought {ticket}"
        );
        std::thread::park_timeout(Duration::from_millis(200));
    }
    // And pushes what is done at WH2 without being asked.
    b.ok(&["hold", &ticket, "--reason", "parts"]);
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        a.ok(&["sync"]);
        if a.json(&["show", &ticket])["status"] == "on_hold" {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the background sync never sent the hold"
        );
        std::thread::park_timeout(Duration::from_millis(200));
    }
}

/// A sync with nothing new costs a few dozen bytes: the directory of accounts comes again only
/// when it changed (its version, `ETag`, sent back in `If-None-Match`).
#[test]
fn the_directory_comes_again_only_when_it_changed() {
    let server = Server::start();
    let token = server.add_site("WH1");
    let client = rma_tests::http();
    let ask = |held: Option<&str>| {
        let mut request = client
            .get(format!("{}/api/v1/sync/WH1/directory", server.url))
            .bearer_auth(&token);
        if let Some(held) = held {
            request = request.header("if-none-match", held);
        }
        request.send().unwrap()
    };
    let first = ask(None);
    assert_eq!(first.status(), 200);
    let version = first.headers()["etag"].to_str().unwrap().to_owned();
    let unchanged = ask(Some(&version));
    assert_eq!(unchanged.status(), 304);
    assert!(unchanged.bytes().unwrap().is_empty());
    server.add_user("li.wei", "finance", "finance pass 1");
    let changed = ask(Some(&version));
    assert_eq!(changed.status(), 200);
    assert_ne!(changed.headers()["etag"].to_str().unwrap(), version);
    assert!(changed.text().unwrap().contains("li.wei"));

    // An agent's second sync with nothing new reads no directory.
    let agent = Agent::enrolled("WH2", &server);
    agent.ok(&["sync"]);
    let report = agent.json(&["sync"]);
    assert!(
        report["bytes_down"].as_u64().unwrap() < 200,
        "nothing new, a few bytes: {report}"
    );
}
