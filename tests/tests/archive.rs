//! The archive as regulation 8 says, across real processes: archived tickets leave the sites,
//! a late offline change still reaches the server as a conflict, reading needs an application
//! approved by the head of the reader's department (in place, logged, ended by its period),
//! the API never gives an archived ticket, and disposal after the head's approval leaves a
//! tombstone and an audit entry. (Finance's audit mark reaching a site: finance_audit.rs.)

use chrono::{Days, Utc};
use rma_tests::{Agent, Server, get_page, post_form};
use serde_json::Value;

const PASSWORD: &str = "pass word 42";

fn cancel_and_archive(agent: &Agent, ticket: &str, more: &[&str]) {
    agent.ok(&["cancel", ticket, "--reason", "customer withdrew"]);
    let mut args = vec!["archive", ticket, "--keeper", "kim"];
    args.extend_from_slice(more);
    agent.ok(&args);
}

/// The audit log's rows as the head's page shows them, filtered by `query`.
fn audit(server: &Server, head: &str, query: &str) -> String {
    let page = get_page(&format!("{}/audit?{query}", server.url), head);
    assert_eq!(page.status(), 200);
    let html = page.text().unwrap();
    html.split_once("id=\"audit\"")
        .map(|(_, rows)| rows.to_owned())
        .unwrap_or_default()
}

#[test]
fn the_archive_walk_from_a_site_to_disposal() {
    let server = Server::start();
    // The people: the site's worker, sales and its head, after-sales keeping the archive,
    // and the head of another department.
    server.add_user("tester", "head", PASSWORD);
    server.add_user("sam", "sales", PASSWORD);
    server.add_head("zhou", "sales", PASSWORD);
    server.add_head("li", "finance", PASSWORD);
    server.add_user("kim", "after_sales", PASSWORD);
    let wh1 = Agent::enrolled("WH1", &server);
    let wh2 = Agent::enrolled("WH2", &server);

    // Three tickets at WH1; WH2 holds the third before it is archived.
    let kept = wh1.intake("Acme Ltd", 1);
    let expired = wh1.intake("Bolt & Co", 1);
    let late = wh1.intake("Cargo Corp", 1);
    wh1.ok(&[
        "cost",
        &kept,
        "--kind",
        "repair",
        "--amount",
        "150",
        "--liability",
        "quality-defect",
    ]);
    // WH2 holds it because it was handed over (each site holds its own work).
    wh1.ok(&["hand-over", &late, "--to", "WH2"]);
    wh1.ok(&["cancel", &late, "--reason", "customer withdrew"]);
    wh1.ok(&["sync"]);
    wh2.ok(&["sync"]);
    assert_eq!(wh2.json(&["show", &late])["status"], "cancelled");

    // Archived at WH1 (the second past its retention already), synced: WH1 keeps no contents.
    cancel_and_archive(&wh1, &kept, &[]);
    cancel_and_archive(&wh1, &expired, &["--until", "2020-01-31"]);
    wh1.ok(&["archive", &late, "--keeper", "kim"]);
    let report = wh1.json(&["sync"]);
    assert_eq!(report["verified"], true, "{report}");
    for ticket in [&kept, &expired, &late] {
        let shown = wh1.json(&["show", ticket]);
        assert_eq!(shown["archived_at_server"], true, "{shown}");
        assert!(shown.get("registration").is_none(), "no contents: {shown}");
        let refused = wh1.fails(&["hold", ticket, "--reason", "look again"]);
        assert!(refused.contains("archive"), "{refused}");
    }
    let listed = wh1.json(&["list"]);
    assert!(listed["tickets"].as_array().unwrap().is_empty(), "{listed}");

    // WH2, offline meanwhile, books a cost on the third: its sync still takes it to the
    // server, where it is a conflict; then WH2 lets go of the contents too.
    wh2.ok(&[
        "cost",
        &late,
        "--kind",
        "shipping",
        "--amount",
        "20",
        "--liability",
        "misuse",
    ]);
    let report = wh2.json(&["sync"]);
    assert_eq!(report["pushed"], 1, "{report}");
    assert_eq!(wh2.json(&["show", &late])["archived_at_server"], true);
    // A fresh site that holds every ticket receives only that they are archived, and agrees
    // with the server.
    let wh3 = Agent::enrolled_holding_all("WH3", &server);
    let report = wh3.json(&["sync"]);
    assert_eq!(report["verified"], true, "{report}");
    assert_eq!(wh3.json(&["show", &kept])["archived_at_server"], true);
    let report = wh1.json(&["sync"]);
    assert_eq!(report["verified"], true, "{report}");

    // Sales reads nothing without a grant; the refusal is in the audit log.
    let sam = server.log_in("sam", PASSWORD).unwrap();
    let zhou = server.log_in("zhou", PASSWORD).unwrap();
    let page =
        |cookie: &str, ticket: &str| get_page(&format!("{}/tickets/{ticket}", server.url), cookie);
    let refused = page(&sam, &kept);
    assert_eq!(refused.status(), 403);
    assert!(!refused.text().unwrap().contains("Acme"));
    assert!(audit(&server, &zhou, "who=sam&what=refused").contains(&format!("/tickets/{kept}")));

    // The API gives no archived ticket: not to a site's token, not to a person.
    let token = server.add_site("WH9");
    let api = |auth: (&str, String)| {
        rma_tests::http()
            .get(format!("{}/api/v1/tickets/{kept}", server.url))
            .header(auth.0, auth.1)
            .send()
            .unwrap()
    };
    let by_site = api(("authorization", format!("Bearer {token}")));
    assert_eq!(by_site.status(), 403);
    assert!(!by_site.text().unwrap().contains("Acme"));
    let by_head = api(("cookie", zhou.clone()));
    assert_eq!(by_head.status(), 403);
    assert!(!by_head.text().unwrap().contains("Acme"));

    // The archive's index finds them by model, customer and unit, without contents.
    let index = get_page(&format!("{}/archive?customer=acme", server.url), &sam)
        .text()
        .unwrap();
    let table = index.split_once("id=\"archive\"").unwrap().1;
    assert!(
        table.contains(&kept) && !table.contains(&expired),
        "{table}"
    );
    // The same search as a workbook: index fields only, and the download is in the audit log.
    let book = get_page(&format!("{}/archive.xlsx?customer=acme", server.url), &sam);
    assert_eq!(book.status(), 200);
    let bytes = book.bytes().unwrap().to_vec();
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let sheet = calamine::Reader::worksheet_range_at(&mut book, 0)
        .unwrap()
        .unwrap();
    let rows: Vec<Vec<calamine::Data>> = sheet.rows().map(<[calamine::Data]>::to_vec).collect();
    assert_eq!(rows.len(), 2, "the header and the one card: {rows:?}");
    assert_eq!(rows[1][0], calamine::Data::String(kept.clone()));
    assert!(
        matches!(rows[1][5], calamine::Data::DateTime(_)),
        "kept until, a date: {rows:?}"
    );
    assert!(
        !format!("{rows:?}").contains("Acme"),
        "no customer in the archive's workbook: {rows:?}"
    );
    assert!(audit(&server, &zhou, "who=sam&what=download").contains("/archive.xlsx?customer=acme"));
    let by_unit = get_page(&format!("{}/archive?unit={kept}-1", server.url), &sam)
        .text()
        .unwrap();
    assert!(
        by_unit
            .split_once("id=\"archive\"")
            .unwrap()
            .1
            .contains(&kept)
    );

    // Sam applies; another department's head may not decide; sales' head approves.
    let today = Utc::now().date_naive();
    let (from, until) = (today - Days::new(1), today + Days::new(1));
    let apply = |tickets: &str, from: &str, until: &str| {
        post_form(
            &format!("{}/archive/apply", server.url),
            &sam,
            &format!("tickets={tickets}&reason=warranty+claim&from={from}&until={until}"),
        )
    };
    let filed = apply(
        &format!("{kept}+{late}"),
        &from.to_string(),
        &until.to_string(),
    );
    assert_eq!(filed.status(), 200);
    assert!(filed.text().unwrap().contains("#1"));
    let li = server.log_in("li", PASSWORD).unwrap();
    let decide = |cookie: &str, id: u32, decision: &str| {
        post_form(
            &format!("{}/archive/applications/{id}", server.url),
            cookie,
            &format!("decision={decision}&note="),
        )
    };
    assert_eq!(decide(&li, 1, "approve").status(), 403);
    assert_eq!(page(&sam, &kept).status(), 403, "not approved yet");
    let waiting = get_page(&format!("{}/archive/applications", server.url), &zhou)
        .text()
        .unwrap();
    assert!(waiting.contains("id=\"to-decide\""), "{waiting}");
    assert_eq!(decide(&zhou, 1, "approve").status(), 200);

    // Read in place within the grant: the contents, the reader's name across the page, the
    // late change shown as a conflict; each read logged.
    let read = page(&sam, &kept);
    assert_eq!(read.status(), 200);
    let html = read.text().unwrap();
    assert!(html.contains("Acme Ltd"), "{html}");
    assert!(
        html.contains("class=\"watermark\"") && html.contains("sam · "),
        "{html}"
    );
    let with_conflict = page(&sam, &late).text().unwrap();
    assert!(
        with_conflict.contains("id=\"conflicts\""),
        "{with_conflict}"
    );
    let reads = audit(&server, &zhou, "who=sam&what=archive_read");
    assert!(reads.contains(&format!("{kept} (#1)")), "{reads}");
    assert!(reads.contains(&format!("{late} (#1)")), "{reads}");
    // A grant names its tickets: the second is not among them.
    assert_eq!(page(&sam, &expired).status(), 403);

    // A grant whose period has ended lets nobody read.
    let ended = apply(&expired, "2020-01-01", "2020-01-02");
    assert_eq!(ended.status(), 200);
    assert_eq!(decide(&zhou, 2, "approve").status(), 200);
    assert_eq!(page(&sam, &expired).status(), 403);
    let applications = get_page(&format!("{}/archive/applications", server.url), &sam)
        .text()
        .unwrap();
    assert!(applications.contains("ended"), "{applications}");

    // Disposal: listed past retention, put forward by after-sales, approved by the head.
    let kim = server.log_in("kim", PASSWORD).unwrap();
    let due = get_page(&format!("{}/archive/disposal", server.url), &kim)
        .text()
        .unwrap();
    let table = due.split_once("id=\"disposal\"").unwrap().1;
    assert!(
        table.contains(&expired) && !table.contains(&kept),
        "{table}"
    );
    let dispose = |cookie: &str, step: &str| {
        post_form(
            &format!("{}/archive/dispose", server.url),
            cookie,
            &format!("ticket={expired}&step={step}"),
        )
    };
    assert_eq!(dispose(&kim, "approve").status(), 403, "the head approves");
    assert_eq!(dispose(&zhou, "approve").status(), 409, "put forward first");
    assert_eq!(dispose(&kim, "propose").status(), 200);
    assert_eq!(dispose(&zhou, "approve").status(), 200);
    let gone = page(&zhou, &expired);
    assert_eq!(gone.status(), 410);
    assert!(gone.text().unwrap().contains("disposed"));
    let card = get_page(&format!("{}/archive?customer=bolt", server.url), &zhou)
        .text()
        .unwrap();
    assert!(card.contains(&expired), "the card stays: {card}");
    // On PostgreSQL the report has the archived ticket as its card, the disposed one not at all.
    if let Some(url) = server.database() {
        let mut db = std::thread::spawn(move || postgres::Client::connect(&url, postgres::NoTls))
            .join()
            .unwrap()
            .unwrap();
        let card = db
            .query_one(
                "SELECT status, customer IS NULL, keeper FROM rma_report.tickets WHERE ticket = $1",
                &[&kept],
            )
            .unwrap();
        assert_eq!(card.get::<_, String>(0), "archived");
        assert!(card.get::<_, bool>(1), "no customer on a card");
        assert_eq!(card.get::<_, String>(2), "kim");
        for table in ["tickets", "units", "events", "costs", "audit_marks"] {
            let mut count = |number: &String| -> i64 {
                db.query_one(
                    &format!("SELECT count(*) FROM rma_report.{table} WHERE ticket = $1"),
                    &[number],
                )
                .unwrap()
                .get(0)
            };
            assert_eq!(count(&expired), 0, "{table}: nothing of a disposed ticket");
            if table == "units" || table == "events" {
                assert_eq!(
                    count(&kept),
                    0,
                    "{table}: nothing of an archived ticket's contents"
                );
            }
        }
    }
    let log = audit(&server, &zhou, "what=disposed");
    assert!(log.contains(&expired) && log.contains("zhou"), "{log}");
    assert!(audit(&server, &zhou, "what=disposal_proposed").contains("kim"));

    // Every site still agrees with the server, and a new one that holds every ticket
    // receives the tombstone.
    for agent in [&wh1, &wh2] {
        let report = agent.json(&["sync"]);
        assert_eq!(report["verified"], true, "{report}");
    }
    let wh4 = Agent::enrolled_holding_all("WH4", &server);
    let report = wh4.json(&["sync"]);
    assert_eq!(report["verified"], true, "{report}");
    let tomb: Value = wh4.json(&["show", &expired]);
    assert_eq!(tomb["archived_at_server"], true, "{tomb}");
    assert_eq!(
        tomb["disposed"], false,
        "a site is told only that it is archived"
    );
}
