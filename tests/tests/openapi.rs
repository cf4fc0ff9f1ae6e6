//! The API as its OpenAPI document describes it: Schemathesis (from PyPI; tests/run installs
//! it in target/schemathesis) generates requests from `/api/v1/openapi.json`, well-formed and
//! not, against a real server holding real tickets, and checks that no answer is a 5xx and
//! none contradicts the document (status codes, content types, JSON bodies).

use std::path::PathBuf;
use std::process::Command;

use rma_tests::{Agent, Server};

/// Where tests/run installed Schemathesis (or `RMA_SCHEMATHESIS`).
fn schemathesis() -> PathBuf {
    let path = std::env::var_os("RMA_SCHEMATHESIS").map_or_else(
        || {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../target/schemathesis/bin/schemathesis")
        },
        PathBuf::from,
    );
    assert!(
        path.exists(),
        "Schemathesis is not installed at {}: run tests/run (it installs it), or \
         python3 -m venv target/schemathesis && target/schemathesis/bin/pip install schemathesis==4.32.5",
        path.display()
    );
    path
}

#[test]
fn every_answer_of_the_api_matches_its_document_and_none_is_a_server_error() {
    let tool = schemathesis();
    let server = Server::start();
    // Real tickets in every state of the regulation, synced from a demo site.
    let token = server.add_site("DEMO");
    let work = tempfile::tempdir().unwrap();
    let site = work.path().join("demo");
    let agent = Agent::init("WH9");
    agent.ok(&["demo", "--dir", site.to_str().unwrap()]);
    let data = site.to_str().unwrap();
    agent.ok(&[
        "--data",
        data,
        "enroll",
        "--server",
        &server.url,
        "--token",
        &token,
    ]);
    agent.ok(&["--data", data, "sync"]);
    let numbers: Vec<String> = server
        .tickets()
        .iter()
        .map(|t| t["number"].as_str().unwrap().to_owned())
        .collect();
    assert!(numbers.len() >= 2, "{numbers:?}");
    // The demo's customer gave an e-mail and a mobile: the notices' answers are real ones too.
    let notices: serde_json::Value = rma_tests::http()
        .get(format!("{}/api/v1/notices", server.url))
        .header("cookie", server.reader())
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert!(
        notices["notices"].as_array().unwrap().len() >= 4,
        "{notices}"
    );

    // Half the generated site codes and ticket numbers are real ones, so the answers with
    // tickets in them are checked too, not only the refusals.
    let config = work.path().join("schemathesis.toml");
    std::fs::write(
        &config,
        format!(
            "[dictionaries.sites]\nvalues = [\"DEMO\"]\n\
             [dictionaries.numbers]\nvalues = {}\n\
             [parameters]\n\
             \"path.site\" = {{ dictionary = \"sites\", probability = 0.5 }}\n\
             \"path.number\" = {{ dictionary = \"numbers\", probability = 0.5 }}\n",
            serde_json::to_string(&numbers).unwrap()
        ),
    )
    .unwrap();
    let out = Command::new(&tool)
        .arg("--config-file")
        .arg(&config)
        .arg("--no-color")
        .args([
            "run",
            &format!("{}/api/v1/openapi.json", server.url),
            "--header",
            &format!("Authorization: Bearer {token}"),
            // The office operations read as a person (a site token is refused there).
            "--header",
            &format!("Cookie: {}", server.reader()),
            "--checks",
            "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
            "--max-examples",
            "60",
            "--seed",
            "20261130",
            "--workers",
            "2",
        ])
        // Schemathesis keeps a cache of what it found in `.schemathesis/` under the folder it
        // runs in: the temporary one, so a run leaves the work tree as it was. The hooks are
        // found through the path instead.
        .current_dir(work.path())
        .env("PYTHONPATH", env!("CARGO_MANIFEST_DIR"))
        .env("SCHEMATHESIS_HOOKS", "schemathesis_hooks")
        .output()
        .expect("schemathesis runs");
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "Schemathesis found answers that contradict the document:\n{report}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // It tested every operation of the document, and no check failed.
    let figure = |label: &str| {
        report
            .lines()
            .find_map(|line| line.trim().strip_prefix(label))
            .map(str::trim)
            .unwrap_or_else(|| panic!("no {label:?} in\n{report}"))
            .to_owned()
    };
    let selected = figure("Selected:");
    let (selected, total) = selected.split_once('/').expect("Selected: N/M");
    assert_eq!(selected, total, "{report}");
    assert_eq!(figure("Tested:"), selected, "{report}");
    assert!(!report.contains(" failed"), "{report}");
}
