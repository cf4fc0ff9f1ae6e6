//! Backups of the real binaries' stores: a running server's and an agent's, each restored
//! into a new folder and found whole (the same tickets, the digest agreeing, people still able
//! to log in); and a newer store refused with a clear message.

use rma_tests::{Agent, Server};

fn numbers(agent: &Agent) -> Vec<String> {
    agent.json(&["list", "--limit", "0"])["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["number"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn a_running_server_is_backed_up_and_restored_whole_into_a_new_folder() {
    let mut server = Server::start();
    server.drain_log();
    server.add_user("li.wei", "finance", "finance pass");
    // The agents' steps are taken by a person with an account once the directory arrives.
    server.add_user("tester", "head", "tester pass");
    let a = Agent::enrolled("WH1", &server);
    for i in 0..5 {
        a.intake(&format!("C{i}"), 1);
    }
    // A document kept with the first ticket travels in the backup too.
    let backup = tempfile::tempdir().unwrap();
    let pdf = backup.path().join("form.pdf");
    std::fs::write(&pdf, b"%PDF-1.4\n% the customer's form\n%%EOF\n").unwrap();
    let with_file = numbers(&a)[0].clone();
    a.ok(&["attach", &with_file, pdf.to_str().unwrap()]);
    let sha = a.json(&["show", &with_file])["attachments"][0]["sha256"]
        .as_str()
        .unwrap()
        .to_owned();
    a.ok(&["sync"]);
    let file = backup.path().join("server.rma-backup");
    // Through the running server, which holds the store.
    let out = server.command(&["backup", "--to", file.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("Backed up"));
    // The server goes on working after the copy; what comes after is not in it.
    let later = a.intake("After", 1);
    a.ok(&["sync"]);
    server.kill();

    let mut restored = Server::stopped("");
    let out = restored.command(&["restore", "--from", file.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Not twice: a restore goes only into an empty store.
    let again = restored.command(&["restore", "--from", file.to_str().unwrap()]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already holds data"));
    restored.run();
    restored.drain_log();
    assert!(
        restored.log_in("li.wei", "finance pass").is_some(),
        "people log in as before"
    );
    // The site's token works against the restored server; the ticket made after the backup
    // comes back from the site, which still has it.
    a.ok(&[
        "enroll",
        "--server",
        &restored.url,
        "--token",
        &token_of(&a),
    ]);
    let report = a.json(&["sync"]);
    let report = if report["verified"] == true {
        report
    } else {
        a.json(&["sync"])
    };
    assert_eq!(report["verified"], true, "{report}");
    let at_server: Vec<String> = restored
        .tickets()
        .iter()
        .map(|t| t["number"].as_str().unwrap().to_owned())
        .collect();
    assert!(at_server.contains(&later), "{at_server:?}");
    assert_eq!(at_server.len(), 6);
    let file = rma_tests::http()
        .get(format!(
            "{}/api/v1/tickets/{with_file}/files/{sha}",
            restored.url
        ))
        .header("cookie", restored.reader())
        .send()
        .unwrap();
    assert_eq!(file.status(), 200, "the file came back with the backup");
    assert_eq!(
        file.bytes().unwrap().as_ref(),
        b"%PDF-1.4\n% the customer's form\n%%EOF\n"
    );
}

/// The token an agent was enrolled with, from its store.
fn token_of(agent: &Agent) -> String {
    let store = rma_agent::store::Store::open(agent.data()).unwrap();
    store.server().unwrap().unwrap().token
}

#[test]
fn an_agent_is_backed_up_and_restored_into_a_new_folder() {
    let server = Server::start();
    let a = Agent::enrolled("WH1", &server);
    a.ok(&["area", "add", "SHELF-A"]);
    let ticket = a.intake("Acme", 2);
    a.ok(&["forward", &ticket]);
    a.ok(&["sync"]);
    let work = tempfile::tempdir().unwrap();
    a.ok_in(work.path(), &["backup", "--to", "wh1.rma-backup"]);
    assert!(work.path().join("wh1.rma-backup").exists());

    let new = tempfile::tempdir().unwrap();
    let file = work.path().join("wh1.rma-backup");
    let out = a
        .command(&["restore", "--from", file.to_str().unwrap()])
        .env("RMA_AGENT_DATA", new.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let shown = a
        .command(&["show", &ticket, "--json"])
        .env("RMA_AGENT_DATA", new.path())
        .output()
        .unwrap();
    let shown: serde_json::Value = serde_json::from_slice(&shown.stdout).unwrap();
    assert_eq!(
        shown,
        a.json(&["show", &ticket]),
        "the same ticket, every record"
    );
    assert!(shown["forwarded_at"].is_string());
    // The restored agent syncs as the same site, in agreement with the server.
    let sync = a
        .command(&["sync", "--json"])
        .env("RMA_AGENT_DATA", new.path())
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&sync.stdout).unwrap();
    assert_eq!(report["verified"], true, "{report}");
    assert_eq!(numbers(&a), vec![ticket]);
    // A restore goes only into a folder with no store.
    let err = a.fails(&["restore", "--from", file.to_str().unwrap()]);
    assert!(err.contains("already holds data"), "{err}");
}

#[test]
fn a_store_of_a_newer_version_is_refused_with_a_clear_message() {
    let a = Agent::init("WH1");
    a.intake("Acme", 1);
    {
        let kv = rma_store::kv::Kv::open(&a.data().join("store")).unwrap();
        let mut batch = rma_store::kv::Batch::default();
        batch.put("meta:tickets", "9");
        kv.commit(batch).unwrap();
    }
    let err = a.fails(&["list"]);
    assert!(
        err.contains("newer version") && err.contains("update this program"),
        "{err}"
    );
}

#[test]
fn data_folders_are_their_owners_alone() {
    use std::os::unix::fs::PermissionsExt as _;
    let mode =
        |path: &std::path::Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    let fresh = tempfile::tempdir().unwrap();
    let data = fresh.path().join("wh1");
    let a = Agent::init("WH1");
    let out = a
        .command(&["init", "--site", "WH1"])
        .env("RMA_AGENT_DATA", &data)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(mode(&data), 0o700, "the agent's data folder");
    let _serve = a.serve();
    assert_eq!(
        mode(&a.data().join("agent.json")),
        0o600,
        "the serve's secret"
    );

    let server = Server::start();
    assert_eq!(
        mode(&server.data().join("server.json")),
        0o600,
        "the admin secret"
    );
    let folder = fresh.path().join("server");
    let out = std::process::Command::new(rma_tests::binary("rma-server"))
        .arg("--data")
        .arg(&folder)
        .args(["site", "add", "WH1"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(mode(&folder), 0o700, "the server's data folder");
}
