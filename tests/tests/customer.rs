//! The customer's side across real processes: a ticket walked to shipment at a site and
//! synced; the office gives its status link; the customer, with no account, reads where the
//! return stands with the tracking number and answers the survey once; the answer is the
//! office's record in the ticket, at the site after its next sync and in the month's analysis.

use rma_tests::{Agent, Server, get_page};

#[test]
fn a_customer_follows_the_return_and_answers_the_survey_once() {
    let server = Server::start();
    // The site's person, once the server's directory reaches the site.
    server.add_user("tester", "head", "tester pass 1");
    let agent = Agent::enrolled("WH1", &server);
    agent.ok(&["area", "add", "SHELF-A"]);
    // The customer's e-mail, mobile and language, checked for form at intake.
    let intake = |more: &[&str]| {
        let mut args = vec![
            "intake",
            "--customer",
            "Acme Ltd",
            "--model",
            "X200",
            "--quantity",
            "1",
            "--fault",
            "no power",
            "--request",
            "repair",
        ];
        args.extend_from_slice(more);
        args.into_iter().map(str::to_owned).collect::<Vec<_>>()
    };
    let args = intake(&["--email", "li.wei@", "--phone", "139 1111 2222"]);
    let err = agent.fails(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(err.contains("“li.wei@” is not an e-mail address"), "{err}");
    let args = intake(&["--email", "li.wei@acme.cn", "--phone", "call me"]);
    let err = agent.fails(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(err.contains("is not a mobile number"), "{err}");
    let args = intake(&[
        "--email",
        "li.wei@acme.cn",
        "--phone",
        "+86 139 1111 2222",
        "--customer-lang",
        "zh-CN",
    ]);
    let ticket = agent
        .ok(&args.iter().map(String::as_str).collect::<Vec<_>>())
        .trim()
        .to_owned();
    agent.ok(&["edit", &ticket, "--phone", "+86 139 3333 4444"]);
    let registration = agent.json(&["show", &ticket])["registration"].clone();
    assert_eq!(registration["email"], "li.wei@acme.cn");
    assert_eq!(registration["phone"], "+86 139 3333 4444");
    assert_eq!(registration["customer_lang"], "zh-CN");
    agent.walk_to_shipment(&ticket, "SF99881");
    agent.ok(&[
        "cost",
        &ticket,
        "--kind",
        "repair",
        "--amount",
        "150",
        "--liability",
        "quality-defect",
    ]);
    agent.ok(&["sync"]);

    server.add_user("sam", "sales", "sales pass 1");
    let sam = server.log_in("sam", "sales pass 1").unwrap();
    let office = get_page(&format!("{}/tickets/{ticket}", server.url), &sam)
        .text()
        .unwrap();
    let link = office
        .split(r#"id="status-link"><a href=""#)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the office's page gives the status link")
        .to_owned();
    assert!(link.starts_with(&format!("{}/s/", server.url)), "{link}");

    // No account, no cookie: what the customer sees.
    let customer = rma_tests::http();
    // In the customer's language, whatever the browser asks for.
    let page = customer
        .get(&link)
        .header("accept-language", "en")
        .send()
        .unwrap();
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["x-robots-tag"], "noindex, nofollow");
    let page = page.text().unwrap();
    assert!(page.contains(&format!("您的返修单 {ticket}")), "{page}");
    assert!(
        page.contains("SF Express") && page.contains("SF99881"),
        "{page}"
    );
    // The page's own link holds a random token, which may hold any digits: it is not text.
    let token = link.rsplit('/').next().expect("a token");
    let text = page.replace(token, "");
    for private in ["150", "Acme", "Bob", "Ivy", "replaced fuse"] {
        assert!(
            !text.contains(private),
            "{private} shown to the customer: {page}"
        );
    }
    let answer = |form: &str| {
        customer
            .post(format!("{link}/survey"))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("origin", &server.url)
            .body(form.to_owned())
            .send()
            .unwrap()
    };
    assert_eq!(answer("rating=4&comment=quick+repair").status(), 200);
    let again = answer("rating=1&comment=");
    assert_eq!(again.status(), 409);

    // At the site after its next sync, as the office's record.
    agent.ok(&["sync"]);
    let view = agent.json(&["show", &ticket]);
    let answered: Vec<&serde_json::Value> = view["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == "survey_answered")
        .collect();
    assert_eq!(answered.len(), 1, "{view}");
    assert_eq!(answered[0]["rating"], 4);
    assert_eq!(answered[0]["site"], "OFFICE");
    assert_eq!(answered[0]["by"], "customer");
    // The site goes on with the ticket, and the month's analysis counts the answer.
    agent.ok(&[
        "hold",
        &ticket,
        "--reason",
        "waiting for the customer's call",
    ]);
    let report = agent.ok(&["sync"]);
    assert!(!report.contains("refused"), "{report}");
    let month = chrono::Utc::now().format("%Y-%m").to_string();
    let analysis = get_page(&format!("{}/analysis?month={month}", server.url), &sam)
        .text()
        .unwrap();
    assert!(
        analysis.contains("average 4.0 of 5 over 1 answer") && analysis.contains("quick repair"),
        "{analysis}"
    );
}
