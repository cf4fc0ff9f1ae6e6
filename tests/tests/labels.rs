//! Labels from the real `rma-agent`: every unit of a ticket, areas, the package label, in the
//! printer languages and SVG; relative file names mean the caller's folder, also through a
//! running serve.

use rma_tests::Agent;

#[test]
fn labels_for_units_areas_and_packages() {
    let agent = Agent::init("WH1");
    agent.ok(&["area", "add", "SHELF-A1", "--name", "退货货架 A1"]);
    let ticket = agent.intake("张三 Zhang San", 2);
    let err = agent.fails(&["label", "ticket", &ticket]);
    assert!(err.contains("receive them first"), "{err}");
    agent.ok(&["assess", &ticket, "--severity", "simple"]);
    agent.ok(&["receive", &ticket, "--area", "SHELF-A1"]);

    // Drawn here and sent as one graphic a label (the default: Chinese on any printer).
    let zpl = agent.ok(&["label", "ticket", &ticket, "--format", "zpl"]);
    assert_eq!(zpl.matches("^XA").count(), 2, "{zpl}");
    assert_eq!(zpl.matches("^GFA,").count(), 2, "{zpl}");

    // A printer with fonts for every character: its own QR code and text, as UTF-8.
    let printer_text = agent.data().join("printer-text.toml");
    std::fs::write(&printer_text, "[labels]\ntext = \"printer\"\n").unwrap();
    let config = printer_text.to_str().unwrap();
    let zpl = agent.ok(&[
        "label", "ticket", &ticket, "--format", "zpl", "--config", config,
    ]);
    assert!(zpl.contains(&format!("^FDMA,U:{ticket}-1^FS")), "{zpl}");
    assert!(zpl.contains("张三 Zhang San"), "{zpl}");
    let tspl = agent.ok(&[
        "label",
        "unit",
        &format!("{ticket}-2"),
        "--format",
        "tspl",
        "--dpi",
        "300",
        "--config",
        config,
    ]);
    assert!(
        tspl.starts_with("SIZE 50 mm, 25 mm") && tspl.contains(&format!("\"U:{ticket}-2\"")),
        "{tspl}"
    );
    // A drawn TSPL label is a bitmap: a file or a printer, not the terminal.
    let err = agent.fails(&["label", "unit", &format!("{ticket}-2"), "--format", "tspl"]);
    assert!(err.contains("-o FILE"), "{err}");

    let dir = tempfile::tempdir().unwrap();
    agent.ok_in(dir.path(), &["label", "area", "--all", "-o", "areas.svg"]);
    let svg = std::fs::read_to_string(dir.path().join("areas.svg")).unwrap();
    assert!(svg.contains(r#"width="100mm" height="50mm""#) && svg.contains("退货货架 A1"));

    agent.ok(&[
        "label",
        "package",
        &ticket,
        "-o",
        dir.path().join("p.svg").to_str().unwrap(),
    ]);
    let package = std::fs::read_to_string(dir.path().join("p.svg")).unwrap();
    assert!(package.contains("Ship date: not agreed yet") && package.contains("Model X200 x2"));

    // Through a running serve, a relative file name still means the caller's folder.
    let mut serve = agent.serve();
    agent.ok_in(dir.path(), &["label", "ticket", &ticket, "-o", "units.svg"]);
    assert!(dir.path().join("units-1.svg").exists() && dir.path().join("units-2.svg").exists());
    serve.kill();

    let err = agent.fails(&["label", "area", "NOWHERE"]);
    assert!(err.contains("area add NOWHERE"), "{err}");

    // A raw network printer (a fake one on loopback) receives exactly the job, twice.
    let printer = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = printer.local_addr().unwrap();
    let received = std::thread::spawn(move || {
        use std::io::Read;
        let (mut conn, _) = printer.accept().unwrap();
        let mut job = String::new();
        conn.read_to_string(&mut job).unwrap();
        job
    });
    let unit = format!("{ticket}-1");
    agent.ok(&[
        "label",
        "unit",
        &unit,
        "--format",
        "zpl",
        "--print",
        &format!("tcp://{address}"),
        "--copies",
        "2",
    ]);
    let expected = agent.ok(&["label", "unit", &unit, "--format", "zpl"]);
    assert_eq!(received.join().unwrap(), expected.repeat(2));
    let printed = |agent: &Agent| {
        agent
            .ok(&["history", &ticket])
            .matches("printed the label")
            .count()
    };
    assert_eq!(printed(&agent), 1, "the print is noted in the ticket");

    // A printer that cannot be reached says so.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let err = agent.fails(&[
        "label",
        "unit",
        &unit,
        "--format",
        "zpl",
        "--print",
        &format!("tcp://{closed}"),
    ]);
    assert!(err.contains("cannot be reached"), "{err}");
    assert_eq!(printed(&agent), 1, "a failed print is not noted");
}

/// A fake raw printer on loopback: accepts one job and hands it over.
fn fake_printer() -> (String, std::thread::JoinHandle<Vec<u8>>) {
    let printer = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = format!("tcp://{}", printer.local_addr().unwrap());
    let job = std::thread::spawn(move || {
        use std::io::Read;
        let (mut conn, _) = printer.accept().unwrap();
        let mut job = Vec::new();
        conn.read_to_end(&mut job).unwrap();
        job
    });
    (address, job)
}

#[test]
fn receiving_prints_unit_labels_on_the_configured_printer() {
    let agent = Agent::init("WH1");
    agent.ok(&["area", "add", "SHELF-A1"]);
    let (address, job) = fake_printer();
    std::fs::write(
        agent.data().join("settings.toml"),
        format!("[labels]\nprinter = \"{address}\"\nformat = \"tspl\"\ndpi = 300\n"),
    )
    .unwrap();
    let ticket = agent.intake("Acme Ltd", 2);
    agent.ok(&["assess", &ticket, "--severity", "simple"]);
    let out = agent.ok(&["receive", &ticket, "--area", "SHELF-A1", "--print-labels"]);
    assert!(out.contains("Sent 2 labels to tcp://"), "{out}");
    // Exactly the labels `label` writes: two drawn TSPL bitmaps.
    let job = job.join().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("units.tspl");
    agent.ok(&[
        "label",
        "ticket",
        &ticket,
        "--format",
        "tspl",
        "--dpi",
        "300",
        "-o",
        file.to_str().unwrap(),
    ]);
    assert_eq!(job, std::fs::read(&file).unwrap());
    let text = String::from_utf8_lossy(&job);
    assert_eq!(text.matches("BITMAP 0,0,").count(), 2, "two labels");
    assert!(text.starts_with("SIZE 50 mm, 25 mm"));
    let history = agent.ok(&["history", &ticket]);
    assert!(
        history.contains(&format!("printed the labels U:{ticket}-1, U:{ticket}-2")),
        "{history}"
    );

    // The printer is gone: the units are still received, the person is told how to print
    // the labels later, and nothing is noted as printed.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let other = agent.intake("Beta GmbH", 1);
    agent.ok(&["assess", &other, "--severity", "simple"]);
    let printer = format!("tcp://{closed}");
    let err = agent.fails(&["receive", &other, "--print-labels", &printer]);
    assert!(
        err.contains("the units are received, but their labels were not printed")
            && err.contains("cannot be reached")
            && err.contains(&format!("rma-agent label ticket {other} --print")),
        "{err}"
    );
    let view = agent.json(&["show", &other]);
    assert_eq!(view["units"].as_array().unwrap().len(), 1, "{view}");
    assert!(!agent.ok(&["history", &other]).contains("printed the label"));

    // PNG and PDF are files; the terminal is not offered binary.
    let err = agent.fails(&["label", "ticket", &ticket, "--format", "png"]);
    assert!(err.contains("add -o FILE"), "{err}");
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("units.png");
    agent.ok(&[
        "label",
        "ticket",
        &ticket,
        "--format",
        "png",
        "-o",
        png.to_str().unwrap(),
    ]);
    for k in 1..=2 {
        let bytes = std::fs::read(dir.path().join(format!("units-{k}.png"))).unwrap();
        assert!(bytes.starts_with(b"\x89PNG"));
    }
    let pdf = dir.path().join("sheet.pdf");
    agent.ok(&[
        "label",
        "ticket",
        &ticket,
        "--format",
        "pdf",
        "--sheet",
        "3x8",
        "--start",
        "5",
        "-o",
        pdf.to_str().unwrap(),
    ]);
    assert!(std::fs::read(&pdf).unwrap().starts_with(b"%PDF"));
    let err = agent.fails(&[
        "label",
        "area",
        "SHELF-A1",
        "--format",
        "pdf",
        "--sheet",
        "3x8",
        "-o",
        pdf.to_str().unwrap(),
    ]);
    assert!(err.contains("does not fit"), "{err}");
    let err = agent.fails(&["label", "ticket", &ticket, "--size", "big"]);
    assert!(err.contains("WIDTHxHEIGHT"), "{err}");

    // With the server's address set, the QR code opens the ticket's page on a phone.
    let settings = agent.data().join("settings.toml");
    std::fs::write(
        &settings,
        "[labels]\naddress = \"https://rma.example.com\"\n",
    )
    .unwrap();
    std::fs::write(
        &settings,
        "[labels]\naddress = \"https://rma.example.com\"\ntext = \"printer\"\n",
    )
    .unwrap();
    let unit = format!("{ticket}-1");
    let zpl = agent.ok(&["label", "unit", &unit, "--format", "zpl"]);
    assert!(
        zpl.contains(&format!("^FDMA,https://rma.example.com/c/U:{unit}^FS")),
        "{zpl}"
    );
    std::fs::write(&settings, "[labels]\naddress = \"rma.example.com\"\n").unwrap();
    let err = agent.fails(&["label", "unit", &unit, "--format", "zpl"]);
    assert!(err.contains("must start with https://"), "{err}");
}

#[test]
fn pre_printed_labels_are_reserved_offline_and_scanned_onto_units_at_receiving() {
    let server = rma_tests::Server::start();
    let agent = Agent::enrolled("WH1", &server);
    agent.ok(&["area", "add", "SHELF-A1"]);
    // Printed in advance: codes from this site's own counter, never the same twice.
    let dir = tempfile::tempdir().unwrap();
    let first = dir.path().join("first.svg");
    agent.ok(&[
        "label",
        "blank",
        "--count",
        "2",
        "-o",
        first.to_str().unwrap(),
    ]);
    let later = dir.path().join("later.svg");
    agent.ok(&[
        "label",
        "blank",
        "--count",
        "1",
        "-o",
        later.to_str().unwrap(),
    ]);
    let svg = |name: &str| std::fs::read_to_string(dir.path().join(name)).unwrap();
    assert!(svg("first-1.svg").contains("L:WH1-000001"));
    assert!(svg("first-2.svg").contains("L:WH1-000002"));
    assert!(svg("later.svg").contains("L:WH1-000003"));

    let ticket = agent.intake("Acme Ltd", 2);
    agent.ok(&["assess", &ticket, "--severity", "simple"]);
    // Refused, each with its reason, and nothing received.
    let refused = [
        (vec!["L:WH1-000001"], "scan one for each unit"),
        (vec!["L:WH1-000001", "L:WH1-000001"], "two units"),
        (
            vec!["L:WH2-000001", "L:WH1-000002"],
            "reserved by another site",
        ),
        (
            vec!["L:WH1-000001", "L:WH1-000099"],
            "never reserved at this site",
        ),
    ];
    for (labels, reason) in refused {
        let joined = labels.join(",");
        let err = agent.fails(&["receive", &ticket, "--label", &joined]);
        assert!(err.contains(reason), "{joined}: {err}");
        assert_eq!(
            agent.json(&["show", &ticket])["units"],
            serde_json::json!([])
        );
    }
    let err = agent.fails(&["receive", &ticket, "--label", "U:WH1-2026-00001-1"]);
    assert!(err.contains("not a pre-printed label"), "{err}");

    // Scanned onto the units: no printer needed; the label stands for its unit from now on.
    agent.ok(&["receive", &ticket, "--label", "L:WH1-000002,L:WH1-000001"]);
    let view = agent.json(&["show", &ticket]);
    assert_eq!(view["units"][0]["label"], "WH1-000002", "{view}");
    assert_eq!(view["units"][1]["label"], "WH1-000001", "{view}");
    let moved = agent.ok(&["scan", "A:SHELF-A1", "L:WH1-000001"]);
    assert!(
        moved.contains(&format!("{ticket}-2 moved to SHELF-A1")),
        "{moved}"
    );
    // A label already on a unit is refused on another.
    let other = agent.intake("Beta GmbH", 1);
    agent.ok(&["assess", &other, "--severity", "simple"]);
    let err = agent.fails(&["receive", &other, "--label", "L:WH1-000001"]);
    assert!(
        err.contains(&format!("already on unit {ticket}-2")),
        "{err}"
    );

    // At the office, the label's address opens its unit once the site synced.
    agent.ok(&["sync"]);
    server.add_user("li.wei", "after_sales", "correct horse");
    let cookie = server.log_in("li.wei", "correct horse").unwrap();
    let answer = rma_agent::http::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(format!("{}/c/L:WH1-000002", server.url))
        .header("cookie", cookie)
        .send()
        .unwrap();
    assert_eq!(answer.status(), 303);
    assert_eq!(
        answer.headers()["location"],
        format!("/c/U:{ticket}-1").as_str()
    );
}
