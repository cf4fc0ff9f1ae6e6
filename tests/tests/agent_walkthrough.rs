//! One ticket from intake to archive through the real `rma-agent` binary, with the refusals
//! a bench worker meets on the way.

use rma_tests::Agent;
use serde_json::Value;

fn status(agent: &Agent, ticket: &str) -> String {
    agent.json(&["show", ticket])["status"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn unit<'a>(view: &'a Value, number: &str) -> &'a Value {
    view["units"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["number"] == number)
        .unwrap_or_else(|| panic!("unit {number} in {view}"))
}

#[test]
fn one_ticket_from_intake_to_archive() {
    let agent = Agent::init("wh1");
    agent.ok(&["area", "add", "SHELF-A1", "--name", "Returns shelf A1"]);
    agent.ok(&["area", "add", "shelf-b2"]);

    let ticket = agent
        .ok(&[
            "intake",
            "--customer",
            "Acme Ltd",
            "--model",
            "X200",
            "--quantity",
            "2",
            "--fault",
            "no power",
            "--request",
            "repair",
        ])
        .trim()
        .to_owned();
    assert!(
        ticket.starts_with("WH1-") && ticket.ends_with("-00001"),
        "{ticket}"
    );
    let u1 = format!("{ticket}-1");
    let u2 = format!("{ticket}-2");
    assert_eq!(status(&agent, &ticket), "registered");

    // Receiving before the first assessment is refused and changes nothing.
    let err = agent.fails(&["receive", &ticket, "--area", "SHELF-A1"]);
    assert!(
        err.contains("2.3") && err.contains("rma-agent assess"),
        "{err}"
    );
    assert_eq!(
        agent.json(&["show", &ticket])["events"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    agent.ok(&[
        "assess",
        &ticket,
        "--severity",
        "simple",
        "--handling",
        "replace fuse",
    ]);
    assert_eq!(status(&agent, &ticket), "assessed");
    let view = agent.json(&["receive", &ticket, "--area", "SHELF-A1"]);
    assert_eq!(view["status"], "received");
    assert_eq!(unit(&view, &u1)["state"], "stored");
    assert_eq!(unit(&view, &u1)["location"], "SHELF-A1");

    agent.ok(&["move", &u2, "--to", "SHELF-B2"]);
    let listed = agent.json(&["list", "--area", "SHELF-B2"]);
    assert_eq!(listed["tickets"][0]["number"], ticket.as_str());

    agent.ok(&["assign", &ticket, "--repairer", "Bob"]);
    // Inspecting a unit never repaired is refused, naming the rule.
    let err = agent.fails(&["inspect", &u1, "--pass"]);
    assert!(
        err.contains("3.4") && err.contains("only a repaired unit"),
        "{err}"
    );

    agent.ok(&[
        "repair",
        &u1,
        "--steps",
        "replaced fuse",
        "--part",
        "FUSE-5A:1",
        "--minutes",
        "25",
    ]);
    agent.ok(&["repair", &u2, "--steps", "replaced fuse", "--minutes", "20"]);
    agent.ok(&["inspect", &u1, "--pass", "--inspector", "Ivy"]);
    agent.ok(&["inspect", &u2, "--fail", "--note", "resets under load"]);

    // Shipping a unit that failed inspection is refused.
    let err = agent.fails(&[
        "ship-notice",
        &ticket,
        "--method",
        "courier",
        "--date",
        "2026-12-01",
    ]);
    assert!(err.contains("failed inspection"), "{err}");

    // Rework: repaired again, inspected again.
    agent.ok(&[
        "repair",
        &u2,
        "--steps",
        "new main board",
        "--minutes",
        "50",
    ]);
    let view = agent.json(&["inspect", &u2, "--pass"]);
    assert_eq!(view["status"], "inspected");
    assert_eq!(unit(&view, &u2)["inspections"], 2);
    assert_eq!(unit(&view, &u2)["repair_minutes"], 70);

    agent.ok(&[
        "ship-notice",
        &ticket,
        "--method",
        "courier",
        "--date",
        "2026-12-01",
    ]);
    agent.ok(&["pack", &ticket]);
    let view = agent.json(&[
        "ship",
        &ticket,
        "--carrier",
        "SF Express",
        "--tracking",
        "SF123",
    ]);
    assert_eq!(view["status"], "shipped");
    assert_eq!(unit(&view, &u1)["state"], "shipped");
    agent.ok(&[
        "confirm",
        &ticket,
        "--delivered-on",
        "2026-12-03",
        "--satisfaction",
        "4",
        "--feedback",
        "works",
    ]);
    agent.ok(&[
        "cost",
        &ticket,
        "--kind",
        "repair",
        "--amount",
        "120.50",
        "--liability",
        "quality-defect",
    ]);
    agent.ok(&[
        "cost",
        &ticket,
        "--kind",
        "shipping",
        "--amount",
        "20",
        "--liability",
        "misuse",
    ]);
    agent.ok(&["close", &ticket, "--note", "customer happy"]);
    let view = agent.json(&["archive", &ticket, "--keeper", "Kim", "--years", "5"]);
    assert_eq!(view["status"], "archived");
    assert_eq!(view["cost_totals"].as_array().unwrap().len(), 2);
    assert_eq!(view["cost_totals"][0]["minor"], 12050);
    assert_eq!(view["cost_totals"][0]["payer"], "company");
    assert_eq!(view["conflicts"].as_array().unwrap().len(), 0);

    // An archived ticket can no longer change.
    let err = agent.fails(&["hold", &ticket, "--reason", "late"]);
    assert!(err.contains("archived"), "{err}");

    // The history has every step with who did it; the human show reads as a summary.
    let history = agent.json(&["history", &ticket]);
    let types: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        [
            "registered",
            "assessed",
            "received",
            "moved",
            "assigned",
            "repaired",
            "repaired",
            "inspected",
            "inspected",
            "repaired",
            "inspected",
            "ship_noticed",
            "packed",
            "shipped",
            "confirmed",
            "cost",
            "cost",
            "closed",
            "archived"
        ]
    );
    assert!(
        history
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["by"] == "tester" && e["site"] == "WH1")
    );
    let text = agent.ok(&["show", &ticket]);
    assert!(
        text.contains("ARCHIVED") && text.contains("Acme Ltd") && text.contains("120.50 CNY"),
        "{text}"
    );
}

#[test]
fn bad_input_gets_a_clear_error_and_changes_nothing() {
    let agent = Agent::init("WH2");
    let ticket = agent
        .ok(&[
            "intake",
            "--customer",
            "Zhang San 张三",
            "--model",
            "X200",
            "--quantity",
            "1",
            "--fault",
            "屏幕闪烁",
            "--request",
            "replace",
        ])
        .trim()
        .to_owned();
    let cases: &[(&[&str], &str)] = &[
        (&["show", "WH2-26-1"], "is neither a ticket number"),
        (&["close", "WH2-26-1"], "not a ticket number"),
        (&["show", "WH2-2026-09999"], "no ticket WH2-2026-09999"),
        (
            &["move", "WH2-2026-00001-1", "--to", "NOWHERE"],
            "area add NOWHERE",
        ),
        (
            &[
                "intake",
                "--customer",
                "A",
                "--model",
                "M",
                "--quantity",
                "0",
                "--fault",
                "f",
                "--request",
                "repair",
            ],
            "quantity",
        ),
        (
            &[
                "intake",
                "--customer",
                "A",
                "--model",
                "M",
                "--quantity",
                "1",
                "--fault",
                "f",
                "--request",
                "fix",
            ],
            "repair",
        ),
        (
            &[
                "cost",
                &ticket,
                "--kind",
                "repair",
                "--amount",
                "12,50",
                "--liability",
                "misuse",
            ],
            "not an amount",
        ),
        (
            &[
                "ship-notice",
                &ticket,
                "--method",
                "x",
                "--date",
                "tomorrow",
            ],
            "YYYY-MM-DD",
        ),
        (&["assess", &ticket, "--severity", "complex"], "--plan"),
        (&["list", "--status", "lost"], "in_repair"),
        (&["init", "--site", "WH3"], "already set up for site WH2"),
    ];
    for (args, expected) in cases {
        let err = agent.fails(args);
        assert!(
            err.contains(expected),
            "rma-agent {}: expected {expected:?} in:\n{err}",
            args.join(" ")
        );
    }
    let view = agent.json(&["show", &ticket]);
    assert_eq!(view["events"].as_array().unwrap().len(), 1);
    assert_eq!(view["registration"]["customer"], "Zhang San 张三");
    assert_eq!(view["registration"]["fault"], "屏幕闪烁");

    // A data folder that was never set up says what to do.
    let empty = tempfile::tempdir().unwrap();
    let out = agent
        .command(&["list"])
        .env("RMA_AGENT_DATA", empty.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("rma-agent init --site"));

    // A broken settings file is named.
    std::fs::write(
        agent.data().join("settings.toml"),
        "[deadlines]\nforward_hours = \"soon\"\n",
    )
    .unwrap();
    let err = agent.fails(&["list", "--overdue"]);
    assert!(err.contains("settings.toml"), "{err}");
}

#[test]
fn overdue_lists_tickets_past_a_regulation_deadline() {
    let agent = Agent::init("WH4");
    let late = agent.intake("A", 1);
    let on_time = agent.intake("B", 1);
    agent.ok(&["assess", &on_time, "--severity", "simple"]);
    assert!(
        agent.json(&["list", "--overdue"])["tickets"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    // With a zero-hour forwarding deadline, the ticket not yet passed on is overdue at once.
    std::fs::write(
        agent.data().join("settings.toml"),
        "[deadlines]\nforward_hours = 0\nassessment_hours = 0\n",
    )
    .unwrap();
    let listed = agent.json(&["list", "--overdue"]);
    let tickets = listed["tickets"].as_array().unwrap();
    assert_eq!(tickets.len(), 1, "{listed}");
    assert_eq!(tickets[0]["number"], late.as_str());
    assert_eq!(tickets[0]["overdue"][0]["deadline"], "forward");
    let text = agent.ok(&["list", "--overdue"]);
    assert!(text.contains("OVERDUE"), "{text}");
}

#[test]
fn the_demo_runs_on_a_fresh_folder_and_refuses_to_reuse_one() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("demo");
    let agent = Agent::init("WH9");
    let text = agent.ok(&["demo", "--dir", site.to_str().unwrap()]);
    assert!(text.contains("-00001   ARCHIVED"), "{text}");
    assert!(
        text.contains("error: not allowed: regulation 2.3"),
        "{text}"
    );
    let listed = agent.json(&[
        "--data",
        site.to_str().unwrap(),
        "list",
        "--status",
        "in_repair",
    ]);
    let number = listed["tickets"][0]["number"].as_str().unwrap();
    assert!(
        number.starts_with("DEMO-") && number.ends_with("-00002"),
        "{listed}"
    );
    let err = agent.fails(&["demo", "--dir", site.to_str().unwrap()]);
    assert!(err.contains("already holds a demo site"), "{err}");
}
