//! The agent in the company's language and time: settings, `--lang`, the locale; times in the
//! company's zone; refusals of the regulation in Chinese; Chinese names lined up; `--json`
//! the same whatever the language.

use chrono::{DateTime, Utc};
use rma_shared::testing::english_words;
use rma_tests::Agent;
use unicode_width::UnicodeWidthStr;

fn settings(agent: &Agent, text: &str) {
    std::fs::write(agent.data().join("settings.toml"), text).unwrap();
}

#[test]
fn the_agent_speaks_the_setting_the_flag_or_the_locale_and_json_stays_neutral() {
    let agent = Agent::init("WH1");
    settings(
        &agent,
        "language = \"zh-CN\"\ntime_zone = \"Asia/Shanghai\"\n",
    );
    let ticket = agent.intake("深圳华强电子有限公司", 2);

    // The setting: Chinese headings, the time in Shanghai's.
    let shown = agent.ok(&["show", &ticket]);
    assert!(
        shown.contains("客户") && shown.contains("已登记"),
        "{shown}"
    );
    let view = agent.json(&["show", &ticket]);
    let at: DateTime<Utc> = view["registered_at"].as_str().unwrap().parse().unwrap();
    let shanghai = at
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .format("%Y-%m-%d %H:%M")
        .to_string();
    assert!(shown.contains(&shanghai), "{shanghai} in\n{shown}");

    // The flag wins over the setting; the locale over the setting too.
    let english = agent.ok(&["show", &ticket, "--lang", "en"]);
    assert!(
        english.contains("Customer") && english.contains("REGISTERED"),
        "{english}"
    );
    let by_locale = agent
        .command(&["show", &ticket])
        .env("LANG", "en_US.UTF-8")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&by_locale.stdout).contains("Customer"));

    // Machine output: English keys and codes, RFC 3339 UTC times, whatever the language.
    assert_eq!(view["status"], "registered");
    assert!(
        view["registered_at"].as_str().unwrap().ends_with('Z'),
        "{view}"
    );
    let en_view = agent.json(&["show", &ticket, "--lang", "en"]);
    assert_eq!(view, en_view);

    // A refusal of the regulation, in Chinese, with its section and the way forward.
    let err = agent.fails(&["receive", &ticket]);
    assert!(
        err.starts_with("错误：") && err.contains("规程 2.3") && err.contains("rma-agent assess"),
        "{err}"
    );
    let err = agent.fails(&["receive", &ticket, "--lang", "en"]);
    assert!(err.contains("regulation 2.3"), "{err}");
}

#[test]
fn chinese_names_line_up_in_listings() {
    let agent = Agent::init("WH1");
    agent.intake("深圳华强电子有限公司", 1);
    agent.intake("Acme Ltd", 1);
    let listing = agent.ok(&["list", "--lang", "zh-CN"]);
    let rows: Vec<&str> = listing.lines().skip(1).collect();
    assert_eq!(rows.len(), 2, "{listing}");
    // The model column starts at the same display column on both rows.
    let model_column = |row: &str| row[..row.find("X200").unwrap()].width();
    assert_eq!(model_column(rows[0]), model_column(rows[1]), "{listing}");
}

#[test]
fn a_bad_calendar_file_or_zone_is_named() {
    let agent = Agent::init("WH1");
    std::fs::write(
        agent.data().join("calendar.toml"),
        "[2026]\nholidays = [\"2027-10-01\"]\n",
    )
    .unwrap();
    let err = agent.fails(&["list"]);
    assert!(
        err.contains("calendar.toml") && err.contains("2027-10-01"),
        "{err}"
    );
    std::fs::remove_file(agent.data().join("calendar.toml")).unwrap();
    settings(&agent, "time_zone = \"Mars/Olympus\"\n");
    let err = agent.fails(&["list"]);
    assert!(
        err.contains("Mars/Olympus") && err.contains("Asia/Shanghai"),
        "{err}"
    );
}

#[test]
fn a_day_at_the_bench_in_chinese_has_no_english_interface_word() {
    let agent = Agent::init("WH1");
    settings(&agent, "language = \"zh-CN\"\n");
    // What people type stays as they typed it.
    let data = [
        "X200", "Bob", "Ivy", "SF", "courier", "tester", "CNY", "NOWHERE", "hello",
    ];
    let mut said = Vec::new();
    let mut run = |args: &[&str]| {
        let out = agent.run(args);
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        said.push((args.join(" "), text.clone()));
        text
    };
    run(&["area", "add", "A1"]);
    let ticket = run(&[
        "intake",
        "--customer",
        "深圳华强",
        "--model",
        "X200",
        "--quantity",
        "2",
        "--fault",
        "不开机",
        "--request",
        "repair",
    ])
    .trim()
    .to_owned();
    let (u1, u2) = (format!("{ticket}-1"), format!("{ticket}-2"));
    run(&["receive", &ticket]); // refused: not assessed yet
    run(&["forward", &ticket]);
    run(&["assess", &ticket, "--severity", "simple"]);
    run(&["receive", &ticket, "--area", "A1", "--quantity", "1"]);
    run(&["move", &u1, "--to", "A1"]);
    run(&["assign", &ticket, "--repairer", "Bob"]);
    run(&["inspect", &u1, "--pass"]); // refused: not repaired
    run(&["repair", &u1, "--steps", "换保险丝", "--minutes", "20"]);
    run(&["inspect", &u1, "--fail", "--inspector", "Ivy"]);
    run(&["repair", &u1, "--steps", "换主板", "--minutes", "40"]);
    run(&["inspect", &u1, "--pass"]);
    run(&[
        "ship-notice",
        &ticket,
        "--method",
        "courier",
        "--date",
        "2026-12-01",
    ]);
    run(&["pack", &ticket]);
    run(&["ship", &ticket, "--carrier", "SF", "--tracking", "SF123"]);
    run(&[
        "cost",
        &ticket,
        "--kind",
        "repair",
        "--amount",
        "120",
        "--liability",
        "quality-defect",
    ]);
    run(&["show", &ticket]);
    run(&["history", &ticket]);
    run(&["list"]);
    run(&["area", "list"]);
    run(&["status"]);
    run(&["show", "WH1-2026-00999"]);
    run(&["move", &u2, "--to", "NOWHERE"]);
    run(&["scan", "hello"]);
    for (command, text) in &said {
        let english = english_words(text, &data);
        assert!(english.is_empty(), "`{command}` said {english:?}:\n{text}");
        assert!(!text.trim().is_empty(), "`{command}` said nothing");
    }
}

#[test]
fn the_help_of_every_command_reads_in_chinese() {
    use clap::CommandFactory;
    let agent = Agent::init("WH1");
    let mut commands: Vec<Vec<String>> = vec![vec![]];
    fn walk(cmd: &clap::Command, path: Vec<String>, out: &mut Vec<Vec<String>>) {
        for sub in cmd.get_subcommands() {
            let mut path = path.clone();
            path.push(sub.get_name().to_owned());
            out.push(path.clone());
            walk(sub, path, out);
        }
    }
    walk(&rma_agent::cli::Cli::command(), vec![], &mut commands);
    assert!(commands.len() > 30, "{commands:?}");
    let subcommands: String = commands
        .iter()
        .filter_map(|path| path.last().cloned())
        .collect::<Vec<_>>()
        .join(" ");
    for path in commands {
        let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
        args.extend(["--help", "--lang", "zh-CN"]);
        let help = agent.ok(&args);
        // What is typed stays as typed: the usage line, option names and placeholders,
        // clap's [env: ...] / [default: ...] notes, and example command lines.
        let lines: Vec<&str> = help
            .lines()
            .filter(|line| !line.contains("用法") && !line.trim_start().starts_with("rma-"))
            .collect();
        let mut words = String::new();
        let mut depth = 0;
        for c in lines.join("\n").chars() {
            match c {
                '[' | '<' => depth += 1,
                ']' | '>' if depth > 0 => depth -= 1,
                _ if depth == 0 => words.push(c),
                _ => {}
            }
        }
        // Names of formats, protocols and programs, command names and environment variables.
        let names = "PEM CUPS JSON SVG PNG PDF ZPL TSPL QR https http en zh-CN Ctrl-C README tcp \
                     settings.toml agent.json calendar.toml";
        let english: Vec<String> = english_words(&words, &[names, &subcommands])
            .into_iter()
            .filter(|w| !(w.contains('_') && w.chars().all(|c| !c.is_ascii_lowercase())))
            .collect();
        assert!(
            english.is_empty(),
            "`{}` says {english:?}:\n{help}",
            args.join(" ")
        );
    }
}
