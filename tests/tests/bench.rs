//! The bench page served by `rma-agent serve`: in a real browser against a real agent with no
//! server, and the server's directory of accounts reaching a bench with sync.

mod browser;

use fantoccini::{Client, Locator};
use rma_tests::{Agent, Server, http, log_in_at};
use serde_json::Value;

use browser::{
    arrive, browser, chromedriver, click, eventually, fill, follow, next_page, text, widths,
};

const PASSWORD: &str = "bench pass 42";

/// Opens the step's form on the page (a closed `<details>`), fills nothing.
async fn open_step(client: &Client, command: &str) {
    let summary = format!("details:has(form[action='/do/{command}']) > summary");
    let details = client
        .find(Locator::Css(&format!(
            "details:has(form[action='/do/{command}'])"
        )))
        .await
        .unwrap_or_else(|e| panic!("the {command} step is offered: {e}"));
    if details.attr("open").await.unwrap().is_none() {
        click(client, &summary).await;
    }
}

/// Types into a field of the step's form.
async fn type_in(client: &Client, command: &str, name: &str, value: &str) {
    let css = format!("form[action='/do/{command}'] [name='{name}']");
    let field = client
        .find(Locator::Css(&css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"));
    field.clear().await.unwrap();
    field.send_keys(value).await.unwrap();
}

/// Sends the step's form and reads the answer's message on the page that answers it.
async fn submit(client: &Client, command: &str) -> String {
    follow(
        client,
        &format!("form[action='/do/{command}'] button[type=submit]"),
    )
    .await;
    message(client).await
}

/// The message of the last step (done or refused) on the page the browser shows: call it once
/// the page that answers the step is there ([`follow`], [`next_page`]).
async fn message(client: &Client) -> String {
    eventually("the step's message", async || {
        let found = client.find(Locator::Css("p.done, p.refused")).await.ok()?;
        let class = found.attr("class").await.ok()??;
        Some(format!("{class}: {}", found.text().await.ok()?))
    })
    .await
}

/// Scans a code with the scan box, as a USB scanner does: the code, then Enter.
async fn scan(client: &Client, code: &str) -> String {
    let field = client
        .find(Locator::Id("code"))
        .await
        .expect("the scan box");
    next_page(client, "a scan", async || {
        field
            .send_keys(&format!("{code}\u{E007}"))
            .await
            .expect("scanned")
    })
    .await;
    message(client).await
}

fn show(agent: &Agent, ticket: &str) -> Value {
    agent.json(&["show", ticket])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_day_at_the_bench_page_with_no_server() {
    let mut agent = Agent::init("WH1");
    agent.ok(&["area", "add", "SHELF-A1", "--name", "Returns shelf A1"]);
    agent.ok(&["area", "add", "SHELF-B2"]);
    agent.add_user("ann", "head", PASSWORD);
    agent.add_user("sam", "sales", PASSWORD);
    agent.acting_as("ann");
    let _serve = agent.serve();
    let url = agent.bench_url();

    let (_driver, driver_url) = chromedriver();
    let downloads = tempfile::tempdir().unwrap();
    let client = browser(&driver_url, downloads.path()).await;

    // Every page needs a signed-in person.
    client.goto(&format!("{url}/")).await.unwrap();
    arrive(&client, "the sign-in page", |at| at.starts_with("/login")).await;
    fill(&client, "name", "ann").await;
    fill(&client, "password", PASSWORD).await;
    follow(&client, "form[action='/login'] button").await;
    arrive(&client, "home", |at| at == "/").await;
    let focused = client
        .execute("return document.activeElement.id", vec![])
        .await
        .unwrap();
    assert_eq!(focused, "code", "the scan box has the focus");

    // Intake through the registration form.
    client.goto(&format!("{url}/new")).await.unwrap();
    fill(&client, "f-customer", "Acme Ltd").await;
    fill(&client, "f-model", "X200").await;
    let quantity = client.find(Locator::Id("f-quantity")).await.unwrap();
    quantity.clear().await.unwrap();
    quantity.send_keys("2").await.unwrap();
    fill(&client, "f-fault", "no power after a storm").await;
    follow(&client, "form[action='/tickets'] button").await;
    arrive(&client, "the new ticket", |at| at.starts_with("/t/WH1-")).await;
    let ticket = text(&client, "h1")
        .await
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned();
    assert_eq!(
        show(&agent, &ticket)["registration"]["customer"],
        "Acme Ltd"
    );

    // A refused step shows the regulation's reason and changes nothing.
    open_step(&client, "assess").await;
    click(&client, "form[action='/do/assess'] input[value=complex]").await;
    let refused = submit(&client, "assess").await;
    assert!(refused.starts_with("refused"), "{refused}");
    assert!(refused.contains("plan"), "the rule is named: {refused}");
    let before = show(&agent, &ticket);
    assert_eq!(before["status"], "registered");
    assert!(before["assessment"].is_null());

    open_step(&client, "assess").await;
    let done = submit(&client, "assess").await;
    assert!(done.starts_with("done"), "{done}");

    // Receiving: checked, numbered, stored.
    open_step(&client, "receive").await;
    let area = client
        .find(Locator::Css("form[action='/do/receive'] select[name=area]"))
        .await
        .unwrap();
    area.select_by_value("SHELF-A1").await.unwrap();
    let done = submit(&client, "receive").await;
    assert!(done.contains(&format!("{ticket}-2")), "{done}");

    // The scan box: an area, then a unit, moves it; the same unit again is said once.
    let said = scan(&client, "A:SHELF-B2").await;
    assert!(said.contains("SHELF-B2"), "{said}");
    let moved = scan(&client, &format!("U:{ticket}-2")).await;
    assert!(moved.contains("SHELF-B2"), "{moved}");
    let again = scan(&client, &format!("U:{ticket}-2")).await;
    assert!(again.contains("already"), "{again}");
    let garbage = scan(&client, "not a label").await;
    assert!(garbage.starts_with("refused"), "{garbage}");
    let units = &show(&agent, &ticket)["units"];
    assert_eq!(units[1]["location"], "SHELF-B2");
    assert_eq!(units[0]["location"], "SHELF-A1");

    // Assign, repair, fail, repair again, pass; the second unit passes at once.
    client.goto(&format!("{url}/t/{ticket}")).await.unwrap();
    open_step(&client, "assign").await;
    type_in(&client, "assign", "repairer", "ann").await;
    assert!(submit(&client, "assign").await.starts_with("done"));
    for k in [1, 2, 1] {
        client.goto(&format!("{url}/u/{ticket}-{k}")).await.unwrap();
        open_step(&client, "repair").await;
        type_in(&client, "repair", "steps", "replaced the power board").await;
        type_in(&client, "repair", "part", "PWR-X200").await;
        type_in(&client, "repair", "minutes", "40").await;
        let done = submit(&client, "repair").await;
        assert!(done.contains(&format!("{ticket}-{k}")), "{done}");
        open_step(&client, "inspect").await;
        let verdict = if k == 1 && show(&agent, &ticket)["units"][0]["inspections"] == 0 {
            "fail"
        } else {
            "pass"
        };
        click(
            &client,
            &format!("form[action='/do/inspect'] input[value={verdict}]"),
        )
        .await;
        let done = submit(&client, "inspect").await;
        assert!(done.starts_with("done"), "{done}");
    }
    let view = show(&agent, &ticket);
    assert_eq!(view["units"][0]["inspections"], 2, "a fail, then a pass");
    assert_eq!(view["status"], "inspected");

    // Shipping notice, packing, shipment.
    client.goto(&format!("{url}/t/{ticket}")).await.unwrap();
    open_step(&client, "ship-notice").await;
    type_in(&client, "ship-notice", "method", "courier").await;
    assert!(submit(&client, "ship-notice").await.starts_with("done"));
    open_step(&client, "pack").await;
    assert!(submit(&client, "pack").await.starts_with("done"));
    open_step(&client, "ship").await;
    type_in(&client, "ship", "carrier", "SF Express").await;
    type_in(&client, "ship", "tracking", "SF1234567890").await;
    assert!(submit(&client, "ship").await.starts_with("done"));
    let view = show(&agent, &ticket);
    assert_eq!(view["status"], "shipped");
    let kinds: Vec<&str> = view["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    for kind in [
        "registered",
        "assessed",
        "received",
        "moved",
        "assigned",
        "repaired",
        "inspected",
        "ship_noticed",
        "packed",
        "shipped",
    ] {
        assert!(kinds.contains(&kind), "{kind} recorded: {kinds:?}");
    }
    assert!(
        view["events"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["by"] == "ann"),
        "each step in her name"
    );

    // The ticket's records handed over to the repair centre (no unit travels: all shipped):
    // the other site's code typed in, the step in the history.
    open_step(&client, "hand-over").await;
    type_in(&client, "hand-over", "to", "RC1").await;
    type_in(&client, "hand-over", "note", "customer complaint follow-up").await;
    let done = submit(&client, "hand-over").await;
    assert!(done.starts_with("done") && done.contains("RC1"), "{done}");
    let last = show(&agent, &ticket)["events"]
        .as_array()
        .unwrap()
        .last()
        .cloned()
        .unwrap();
    assert_eq!(last["type"], "handed_over", "{last}");
    assert_eq!(last["to"], "RC1", "{last}");

    // A label's /c/CODE (a phone's camera) opens the unit.
    client.goto(&format!("{url}/c/U:{ticket}-1")).await.unwrap();
    arrive(&client, "the unit's page", |at| {
        at == format!("/u/{ticket}-1")
    })
    .await;
    assert!(
        text(&client, "tr.focus")
            .await
            .contains(&format!("{ticket}-1"))
    );

    // On a 390 px phone, in Chinese: no sideways scrolling, the words of the catalogue.
    client.set_window_size(390, 844).await.unwrap();
    follow(&client, "form[action='/language'] button").await;
    eventually("the page in Chinese", async || {
        let title = client
            .find(Locator::Css("header .home"))
            .await
            .ok()?
            .text()
            .await
            .ok()?;
        title.contains("维修台").then_some(())
    })
    .await;
    for page in ["/".to_owned(), format!("/t/{ticket}"), "/new".to_owned()] {
        client.goto(&format!("{url}{page}")).await.unwrap();
        let (scroll, inner) = widths(&client).await;
        assert!(
            scroll <= inner,
            "{page}: {scroll} px wide in a {inner} px window"
        );
    }
    client.goto(&format!("{url}/")).await.unwrap();
    assert!(text(&client, "main").await.contains("存放区"));

    // Putting a ticket on hold is not sales' duty: a hand-made post is refused by the one
    // table of roles, and nothing changes.
    let (bench, number) = (url.clone(), ticket.clone());
    let (status, body) = tokio::task::spawn_blocking(move || {
        let cookie = log_in_at(&bench, "sam", PASSWORD).expect("sam signs in");
        let answer = http()
            .post(format!("{bench}/do/hold"))
            .header("cookie", cookie)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("ticket={number}&reason=waiting"))
            .send()
            .unwrap();
        (answer.status(), answer.text().unwrap())
    })
    .await
    .unwrap();
    assert_eq!(status, 409);
    assert!(body.contains("sam"), "{body}");
    assert_eq!(show(&agent, &ticket)["status"], "shipped");

    // A hand-made post with a field the step does not have is refused, naming the field.
    let (bench, number) = (url.clone(), ticket.clone());
    let (status, body) = tokio::task::spawn_blocking(move || {
        let cookie = log_in_at(&bench, "ann", PASSWORD).expect("ann signs in");
        let answer = http()
            .post(format!("{bench}/do/hold"))
            .header("cookie", cookie)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("ticket={number}&reason=waiting&colour=red"))
            .send()
            .unwrap();
        (answer.status(), answer.text().unwrap())
    })
    .await
    .unwrap();
    assert_eq!(status, 400);
    assert!(body.contains("colour"), "{body}");
    assert_eq!(show(&agent, &ticket)["status"], "shipped");
    client.close().await.unwrap();
}

/// A phone at the bench, in Chinese: the receiving form takes a photo from the camera; the
/// ticket's page shows its thumbnail.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_phone_takes_a_photo_into_the_receiving_form_in_chinese() {
    let mut agent = Agent::init("WH1");
    agent.ok(&["area", "add", "SHELF-A1"]);
    agent.add_user("ann", "head", PASSWORD);
    agent.acting_as("ann");
    let ticket = agent.intake("Acme Ltd", 1);
    agent.ok(&["assess", &ticket, "--severity", "simple"]);
    let dir = tempfile::tempdir().unwrap();
    let photo = dir.path().join("IMG_2041.jpg");
    std::fs::write(
        &photo,
        rma_agent::photos::sample::photo_with_exif(640, 480, 6),
    )
    .unwrap();
    let _serve = agent.serve();
    let url = agent.bench_url();
    let (_driver, driver_url) = chromedriver();
    let client = browser(&driver_url, dir.path()).await;
    client.set_window_size(390, 844).await.unwrap();
    client.goto(&format!("{url}/login")).await.unwrap();
    fill(&client, "name", "ann").await;
    fill(&client, "password", PASSWORD).await;
    follow(&client, "form[action='/login'] button").await;
    arrive(&client, "home", |at| at == "/").await;
    follow(&client, "form[action='/language'] button").await;
    eventually("the page in Chinese", async || {
        let title = client
            .find(Locator::Css("header .home"))
            .await
            .ok()?
            .text()
            .await
            .ok()?;
        title.contains("维修台").then_some(())
    })
    .await;

    client.goto(&format!("{url}/t/{ticket}")).await.unwrap();
    open_step(&client, "receive").await;
    let field = client
        .find(Locator::Css(
            "form[action='/do/receive'] input[type=file][name=photo]",
        ))
        .await
        .expect("the receiving form takes photos");
    assert_eq!(
        field.attr("capture").await.unwrap().as_deref(),
        Some("environment")
    );
    assert_eq!(
        field.attr("accept").await.unwrap().as_deref(),
        Some("image/*,application/pdf")
    );
    field.send_keys(photo.to_str().unwrap()).await.unwrap();
    type_in(&client, "receive", "photo-caption", "外箱压坏").await;
    let said = submit(&client, "receive").await;
    assert!(said.starts_with("done"), "{said}");
    assert!(said.contains("添加了照片（收货检查）：外箱压坏"), "{said}");

    // Kept with the ticket, upright, as evidence of the receiving check.
    let view = show(&agent, &ticket);
    let files = view["attachments"].as_array().unwrap();
    assert_eq!(files.len(), 1, "{view}");
    assert_eq!(files[0]["step"], "receiving");
    assert_eq!(files[0]["name"], "IMG_2041.jpg");
    assert_eq!(files[0]["caption"], "外箱压坏");
    assert_eq!(view["status"], "received");
    // The ticket's page shows the thumbnail, loaded, and still fits the phone.
    client.goto(&format!("{url}/t/{ticket}")).await.unwrap();
    let loaded = eventually("the thumbnail", async || {
        let width = client
            .execute(
                "const img = document.querySelector('#files img.thumb'); \
                 return img && img.complete ? [img.naturalWidth, img.naturalHeight] : null;",
                vec![],
            )
            .await
            .ok()?;
        width
            .as_array()
            .map(|wh| (wh[0].as_u64().unwrap(), wh[1].as_u64().unwrap()))
    })
    .await;
    assert_eq!(loaded, (240, 320), "a thumbnail, upright");
    assert!(text(&client, "#files").await.contains("收货检查"));
    let (scroll, inner) = widths(&client).await;
    assert!(scroll <= inner, "{scroll} px wide in a {inner} px window");
    client.close().await.unwrap();
}

#[test]
fn the_servers_directory_signs_people_in_at_a_bench_also_offline_and_removed_people_are_refused() {
    let mut server = Server::start();
    let agent = Agent::enrolled("WH1", &server);
    let _serve = agent.serve();
    let url = agent.bench_url();
    // The serve's own first round has run once this one has (one round at a time); the
    // next background round is `sync_interval_secs` (30 s) away.
    agent.ok(&["sync"]);
    server.add_user("li.wei", "after_sales", PASSWORD);
    assert!(
        log_in_at(&url, "li.wei", PASSWORD).is_none(),
        "not before a sync"
    );
    agent.ok(&["sync"]);
    let session = log_in_at(&url, "li.wei", PASSWORD).expect("signed in after a sync");
    assert!(log_in_at(&url, "li.wei", "wrong password").is_none());

    // The server away: the bench still knows her.
    server.kill();
    assert!(
        log_in_at(&url, "li.wei", PASSWORD).is_some(),
        "signed in offline"
    );

    server.restart();
    let removed = server.command(&["user", "remove", "li.wei"]);
    assert!(removed.status.success(), "{removed:?}");
    agent.ok(&["sync"]);
    assert!(
        log_in_at(&url, "li.wei", PASSWORD).is_none(),
        "refused after the next sync"
    );
    let home = rma_agent::http::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(format!("{url}/"))
        .header("cookie", session)
        .send()
        .unwrap();
    assert_eq!(home.status(), 303, "her session ended too");
}

#[test]
fn forms_from_other_sites_and_password_guessing_are_refused_at_the_bench() {
    let mut agent = Agent::init("WH1");
    agent.add_user("ann", "head", PASSWORD);
    agent.acting_as("ann");
    let ticket = agent.intake("Acme Ltd", 1);
    let _serve = agent.serve();
    let url = agent.bench_url();
    let cookie = log_in_at(&url, "ann", PASSWORD).expect("ann signs in");

    // A page of another site posting a form with her cookie: refused, nothing recorded.
    let hold = |origin: &str| {
        http()
            .post(format!("{url}/do/hold"))
            .header("cookie", &cookie)
            .header("origin", origin)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("ticket={ticket}&reason=held+from+elsewhere"))
            .send()
            .unwrap()
            .status()
    };
    assert_eq!(hold("http://evil.example"), 403);
    assert_eq!(agent.json(&["show", &ticket])["status"], "registered");
    // The same form from the bench page itself goes through.
    let status = hold(&url.clone());
    assert!(status.is_success() || status.is_redirection(), "{status}");
    assert_eq!(agent.json(&["show", &ticket])["status"], "on_hold");
    // The command line follows the same table once there are accounts.
    agent.acting_as("stranger");
    let err = agent.fails(&["resume", &ticket]);
    assert!(err.contains("stranger has no account"), "{err}");
    agent.add_user("sam", "sales", PASSWORD);
    agent.acting_as("sam");
    let err = agent.fails(&["resume", &ticket]);
    assert!(err.contains("not a duty"), "{err}");
    agent.acting_as("ann");

    // Guessing: after ten wrong passwords the name waits, even with the right one.
    for _ in 0..10 {
        assert!(log_in_at(&url, "ann", "guess guess").is_none());
    }
    let answer = rma_agent::http::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(format!("{url}/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("name=ann&password={}", PASSWORD.replace(' ', "+")))
        .send()
        .unwrap();
    assert_eq!(answer.status(), 429);
    assert!(answer.headers().contains_key("retry-after"));
}
