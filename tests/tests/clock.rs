//! Clocks at the bench, with the agent's clock really moved (libfaketime, from Debian's
//! `faketime`, which tests/run installs): a PC 400 days ahead records at the server's time
//! once a sync measured it, and says so; a clock set back before the last sync refuses steps;
//! a PC that never synced keeps its own clock, and the server counts what it dated ahead at
//! its arrival.

use std::process::Output;

use chrono::{DateTime, Datelike, Duration, Utc};
use rma_tests::{Agent, Server, http};
use serde_json::Value;

const FAKETIME: &str = "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1";

/// Runs an agent command with its clock moved by `offset` (libfaketime's `+400d`, `-1d`).
fn moved(agent: &Agent, offset: &str, args: &[&str]) -> Output {
    assert!(
        std::path::Path::new(FAKETIME).exists(),
        "{FAKETIME} is missing: install Debian's faketime (tests/run does)"
    );
    agent
        .command(args)
        .env("LD_PRELOAD", FAKETIME)
        .env("FAKETIME", offset)
        .env("FAKETIME_DONT_FAKE_MONOTONIC", "1")
        .output()
        .expect("rma-agent runs")
}

fn ok(out: Output) -> String {
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn json(out: Output) -> Value {
    serde_json::from_str(&ok(out)).unwrap()
}

fn time(value: &Value) -> DateTime<Utc> {
    value.as_str().expect("a time").parse().expect("RFC 3339")
}

/// Within a couple of minutes of the server's time (the test's own clock, unmoved).
fn about_now(at: DateTime<Utc>) -> bool {
    (at - Utc::now()).abs() < Duration::minutes(2)
}

#[test]
fn a_pc_400_days_ahead_records_at_the_servers_time_once_a_sync_measured_it() {
    let server = Server::start();
    let agent = Agent::enrolled("CK1", &server);
    let ahead = "+400d";

    // The sync measures the clock and says so, in plain words with what to do.
    let synced = ok(moved(&agent, ahead, &["sync"]));
    assert!(synced.contains("400 days ahead"), "{synced}");
    assert!(synced.contains("time sync"), "{synced}");

    // A new ticket carries the server's year and time; the PC's own time is kept beside.
    let view = json(moved(
        &agent,
        ahead,
        &[
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
            "--json",
        ],
    ));
    let number = view["number"].as_str().unwrap().to_owned();
    assert!(
        number.starts_with(&format!("CK1-{}-", Utc::now().year())),
        "{number}"
    );
    let registered = &view["events"][0];
    assert!(about_now(time(&registered["at"])), "{registered}");
    let local = time(&registered["local_at"]);
    assert!((local - Utc::now() - Duration::days(400)).abs() < Duration::minutes(2));

    // Every step's output and the status say so, in both languages.
    let said = ok(moved(&agent, ahead, &["forward", &number]));
    assert!(said.contains("400 days ahead"), "{said}");
    let said = ok(moved(
        &agent,
        ahead,
        &["assess", &number, "--severity", "simple", "--lang", "zh-CN"],
    ));
    assert!(said.contains("本机时钟比服务器快 400 天"), "{said}");
    let status = ok(moved(&agent, ahead, &["status"]));
    assert!(status.contains("400 days ahead"), "{status}");

    // The office's sites page shows the site's clock, flagged.
    let sites: Value = http()
        .get(format!("{}/api/v1/sites", server.url))
        .header("cookie", server.reader())
        .send()
        .unwrap()
        .json()
        .unwrap();
    let site = sites
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["code"] == "CK1")
        .unwrap();
    let offset = Duration::milliseconds(site["clock_offset_ms"].as_i64().unwrap());
    assert!(
        (offset - Duration::days(400)).abs() < Duration::minutes(2),
        "{site}"
    );
    let page = http()
        .get(format!("{}/sites", server.url))
        .header("cookie", server.reader())
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(page.contains("400 days ahead"), "{page}");

    // At the server, the ticket's steps are at the right time.
    ok(moved(&agent, ahead, &["sync"]));
    let at_server = server.ticket(&number);
    for event in at_server["events"].as_array().unwrap() {
        assert!(about_now(time(&event["at"])), "{event}");
        assert!(event["ahead_secs"].is_null(), "nothing to correct: {event}");
    }
}

#[test]
fn a_clock_set_back_before_the_last_sync_refuses_steps_until_it_is_measured_again() {
    let server = Server::start();
    let agent = Agent::enrolled("CK2", &server);
    let ticket = agent.intake("Acme", 1);
    agent.ok(&["sync"]);
    let before = agent.json(&["history", &ticket]).as_array().unwrap().len();

    // A day back: the offset measured cannot explain it; the step is refused with the reason.
    let refused = moved(&agent, "-1d", &["forward", &ticket]);
    assert!(!refused.status.success());
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(err.contains("clock went back"), "{err}");
    assert!(err.contains("--force"), "{err}");
    let err = String::from_utf8_lossy(
        &moved(&agent, "-1d", &["forward", &ticket, "--lang", "zh-CN"]).stderr,
    )
    .into_owned();
    assert!(err.contains("本机时钟倒退了"), "{err}");
    assert_eq!(
        agent.json(&["history", &ticket]).as_array().unwrap().len(),
        before
    );

    // `--force` records it anyway, marked.
    let view = json(moved(
        &agent,
        "-1d",
        &["forward", &ticket, "--force", "--json"],
    ));
    let forwarded = view["events"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(forwarded["type"], "forwarded");
    assert_eq!(forwarded["clock_unsure"], true, "{forwarded}");

    // A sync measures the clock again: steps go on, at the server's time.
    ok(moved(&agent, "-1d", &["sync"]));
    let view = json(moved(
        &agent,
        "-1d",
        &["assess", &ticket, "--severity", "simple", "--json"],
    ));
    let assessed = view["events"].as_array().unwrap().last().unwrap();
    assert!(about_now(time(&assessed["at"])), "{assessed}");
}

#[test]
fn a_pc_that_never_synced_keeps_its_clock_and_the_server_counts_its_steps_at_arrival() {
    let server = Server::start();
    let token = server.add_site("CK3");
    let agent = Agent::init("CK3");
    let ahead = "+400d";
    // Never measured: its own clock, its own year.
    let number = ok(moved(
        &agent,
        ahead,
        &[
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
        ],
    ))
    .trim()
    .to_owned();
    let year = (Utc::now() + Duration::days(400)).year();
    assert!(number.starts_with(&format!("CK3-{year}-")), "{number}");

    // Its first sync pushes the step dated ahead and warns.
    ok(moved(
        &agent,
        ahead,
        &["enroll", "--server", &server.url, "--token", &token],
    ));
    let synced = ok(moved(&agent, ahead, &["sync"]));
    assert!(synced.contains("400 days ahead"), "{synced}");

    // The server keeps the step and counts it at its arrival: the ticket's page says so, the
    // board lists it with today's registration, the month's analysis counts it this month.
    let ticket = server.ticket(&number);
    let registered = &ticket["events"][0];
    assert_eq!(registered["type"], "registered");
    assert!(about_now(time(&registered["at"])), "{registered}");
    let ahead_secs = registered["ahead_secs"]
        .as_i64()
        .expect("noted as dated ahead");
    assert!((ahead_secs - 400 * 86_400).abs() < 120, "{ahead_secs}");
    assert!(about_now(time(&ticket["registered_at"])), "{ticket}");
    let page = http()
        .get(format!("{}/tickets/{number}", server.url))
        .header("cookie", server.reader())
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(
        page.contains("recorded with a clock 400 days ahead"),
        "{page}"
    );
    let month = Utc::now().format("%Y-%m").to_string();
    let analysis = http()
        .get(format!("{}/analysis.csv?month={month}", server.url))
        .header("cookie", server.reader())
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(analysis.contains("Returns,all models,1,1,"), "{analysis}");

    // The note reaches the site with its next sync: it counts the step at its arrival too.
    ok(moved(&agent, ahead, &["sync"]));
    let here = json(moved(&agent, ahead, &["show", &number, "--json"]));
    assert!(about_now(time(&here["events"][0]["at"])), "{here}");
    assert!(here["events"][0]["ahead_secs"].is_i64(), "{here}");
}
