//! Finance audits the cost ledger at the office (regulation 6.2): the mark is recorded in the
//! ticket by the server as its own Automerge actor, reaches the site with sync, and the site
//! goes on working on the ticket.

use rma_tests::{Agent, Server};

const PASSWORD: &str = "finance pass 1";

fn post_form(url: &str, cookie: &str, body: String) -> reqwest::blocking::Response {
    rma_agent::http::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(url)
        .header("cookie", cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .unwrap()
}

#[test]
fn a_finance_audit_mark_reaches_the_site_and_the_ledger_filters_by_it() {
    let server = Server::start();
    let agent = Agent::enrolled("WH1", &server);
    let ticket = agent.intake("Acme Ltd", 1);
    for amount in ["150", "80"] {
        agent.ok(&[
            "cost",
            &ticket,
            "--kind",
            "repair",
            "--amount",
            amount,
            "--liability",
            "quality-defect",
        ]);
    }
    agent.ok(&["sync"]);
    let costs: Vec<String> = agent.json(&["show", &ticket])["costs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(costs.len(), 2);

    server.add_user("fiona", "finance", PASSWORD);
    server.add_user("sam", "sales", "sales pass 1");
    // The site's person, once the directory reaches it.
    server.add_user("tester", "after_sales", "tester pass 1");
    let fiona = server.log_in("fiona", PASSWORD).unwrap();
    let month = chrono::Utc::now().format("%Y-%m").to_string();
    let mark = |cookie: &str, event: &str, verdict: &str, note: &str| {
        post_form(
            &format!("{}/costs/audit", server.url),
            cookie,
            format!(
                "ticket={ticket}&event={event}&verdict={verdict}&note={note}&back=from%3D{month}%26to%3D{month}"
            ),
        )
    };
    let answer = mark(&fiona, &costs[0], "audited", "");
    assert_eq!(answer.status(), 303);
    let answer = mark(&fiona, &costs[1], "queried", "which+invoice%3F");
    assert_eq!(answer.status(), 303);
    // Sales does not audit; a line that is not there is refused with the rule.
    let sam = server.log_in("sam", "sales pass 1").unwrap();
    assert_eq!(mark(&sam, &costs[0], "queried", "").status(), 403);
    let nothing = mark(&fiona, "no-such-line", "audited", "");
    assert_eq!(nothing.status(), 409);
    assert!(nothing.text().unwrap().contains("no-such-line"));

    // The ledger filters by the marks.
    let ledger = |filter: &str| {
        rma_tests::http()
            .get(format!(
                "{}/costs?from={month}&to={month}&audit={filter}",
                server.url
            ))
            .header("cookie", &fiona)
            .send()
            .unwrap()
            .text()
            .unwrap()
    };
    let lines = |page: &str| page.matches("<td class=\"audit\">").count();
    assert_eq!(lines(&ledger("")), 2);
    assert_eq!(lines(&ledger("audited")), 1);
    assert_eq!(lines(&ledger("queried")), 1);
    assert_eq!(lines(&ledger("none")), 0);
    assert!(ledger("queried").contains("which invoice?"));

    // The site receives both marks with its next sync, as the office's records.
    agent.ok(&["sync"]);
    let view = agent.json(&["show", &ticket]);
    let marks: Vec<&serde_json::Value> = view["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == "cost_audited")
        .collect();
    assert_eq!(marks.len(), 2, "{view}");
    assert!(
        marks
            .iter()
            .all(|m| m["site"] == "OFFICE" && m["by"] == "fiona")
    );
    assert_eq!(marks[0]["cost"], costs[0].as_str());
    // ... and goes on working on the ticket: its next change is accepted at the server.
    agent.ok(&["hold", &ticket, "--reason", "waiting for the invoice"]);
    let report = agent.ok(&["sync"]);
    assert!(!report.contains("refused"), "{report}");
    let office = server.ticket(&ticket);
    assert_eq!(office["status"], "on_hold");
    let at_office = office["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == "cost_audited")
        .count();
    assert_eq!(at_office, 2);
}
