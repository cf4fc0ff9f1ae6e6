//! The office's pages in a real browser: headless Chromium driven through ChromeDriver
//! (Debian's `chromium` and `chromium-driver`, which tests/run installs), against a real
//! `rma-server` fed by a real agent over loopback.

mod browser;

use browser::{arrive, browser, chromedriver, click, eventually, fill, follow, text, widths};
use rma_tests::{Agent, Server};

const PASSWORD: &str = "office pass 42";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_office_logs_in_sees_a_synced_ticket_filters_and_downloads_the_analysis() {
    // Tickets are overdue to pass to after-sales at once, so the filter has work to do.
    let server = Server::start_with_settings("[deadlines]\nforward_hours = 0\n");
    server.add_user("li.wei", "after_sales", PASSWORD);
    let agent = Agent::enrolled("WH1", &server);
    let late = agent.intake("深圳市某某电子有限公司", 2);
    // This customer reads Chinese: their status page is in it, whatever the browser asks.
    agent.ok(&["edit", &late, "--customer-lang", "zh-CN"]);
    let on_time = agent.intake("Acme Ltd", 1);
    agent.ok(&["forward", &on_time]);
    agent.ok(&[
        "assess",
        &on_time,
        "--severity",
        "simple",
        "--fault-type",
        "power supply",
    ]);
    agent.ok(&["sync"]);

    let (_driver, driver_url) = chromedriver();
    let downloads = tempfile::tempdir().unwrap();
    let client = browser(&driver_url, downloads.path()).await;

    // Strangers are sent to the login page; a wrong password is refused.
    client.goto(&format!("{}/", server.url)).await.unwrap();
    let at = client.current_url().await.unwrap();
    assert!(at.path().starts_with("/login"), "{at}");
    fill(&client, "name", "li.wei").await;
    fill(&client, "password", "wrong").await;
    follow(&client, "#login").await;
    assert!(
        text(&client, "#problem")
            .await
            .contains("Wrong name or password")
    );
    fill(&client, "name", "li.wei").await;
    fill(&client, "password", PASSWORD).await;
    follow(&client, "#login").await;
    arrive(&client, "the board after logging in", |at| at == "/").await;

    // The board has both synced tickets, with their counts.
    let board = text(&client, "#board").await;
    assert!(board.contains(&late) && board.contains(&on_time), "{board}");
    assert!(board.contains("深圳市某某电子有限公司"));
    assert_eq!(
        text(&client, "#counts a:first-child b").await,
        "2",
        "all tickets"
    );
    assert_eq!(text(&client, "#overdue-count b").await, "1");

    // Open the ticket: its history, who did what where.
    follow(&client, &format!("a[href='/tickets/{late}']")).await;
    arrive(&client, "the ticket page", |at| at.starts_with("/tickets/")).await;
    let history = text(&client, "#history").await;
    assert!(
        history.contains("WH1") && history.contains("registered"),
        "{history}"
    );
    assert!(
        text(&client, "#registration")
            .await
            .contains("深圳市某某电子有限公司")
    );

    // Back on the board, only overdue tickets.
    client.goto(&format!("{}/", server.url)).await.unwrap();
    click(&client, "#overdue").await;
    follow(&client, "form.filters button[type=submit]").await;
    arrive(&client, "the overdue board", |at| at.contains("overdue=on")).await;
    let overdue = text(&client, "#board").await;
    assert!(overdue.contains(&late), "{overdue}");
    assert!(!overdue.contains(&on_time), "{overdue}");
    assert!(
        overdue.contains("overdue: pass to after-sales (2.2)"),
        "{overdue}"
    );

    // The monthly analysis, downloaded as CSV the way a person does it.
    client
        .goto(&format!("{}/analysis", server.url))
        .await
        .unwrap();
    assert!(
        text(&client, "#returns")
            .await
            .contains("2 tickets, 3 units")
    );
    click(&client, "#csv").await;
    // Chrome reserves the file's name with an empty file and writes to a `.crdownload` one
    // beside it: the download is done when that one is gone and the file has content.
    let csv = eventually("the CSV download", async || {
        let files: Vec<_> = std::fs::read_dir(downloads.path())
            .ok()?
            .flatten()
            .map(|e| e.path())
            .collect();
        if files
            .iter()
            .any(|p| p.extension().is_some_and(|e| e == "crdownload"))
        {
            return None;
        }
        let file = files
            .iter()
            .find(|p| p.extension().is_some_and(|e| e == "csv"))?;
        std::fs::read_to_string(file)
            .ok()
            .filter(|text| !text.is_empty())
    })
    .await;
    assert!(csv.starts_with('\u{feff}'), "UTF-8 with a BOM for Excel");
    assert!(csv.contains("Returns,all models,2,3,"), "{csv}");
    assert!(csv.contains("Fault type,power supply,1,,"), "{csv}");

    // The language switch at the foot of the page: the office in Chinese, kept on the next
    // page too.
    follow(&client, "form.lang button[value='zh-CN']").await;
    let heading = text(&client, "h1").await;
    assert!(heading.ends_with("月度分析"), "{heading}");
    assert!(text(&client, "#returns").await.contains("2 张工单，3 台"));
    client.goto(&format!("{}/", server.url)).await.unwrap();
    assert_eq!(text(&client, "h1").await, "看板");

    // On a 390 px phone, every office page fits its width (a wide table scrolls within
    // itself, not the page).
    client.set_window_size(390, 844).await.unwrap();
    for page in [
        "/",
        "/analysis",
        "/costs",
        "/archive",
        "/archive/applications",
        "/archive/disposal",
        "/outbox",
        &format!("/tickets/{late}"),
    ] {
        client.goto(&format!("{}{page}", server.url)).await.unwrap();
        let (scroll, inner) = widths(&client).await;
        assert!(
            scroll <= inner,
            "{page}: {scroll} px wide in a {inner} px window"
        );
    }
    // The customer's status page, from the link on the ticket's page: no session needed, and
    // it fits the phone too.
    client
        .goto(&format!("{}/tickets/{late}", server.url))
        .await
        .unwrap();
    let link = text(&client, "#status-link a").await;
    client.delete_all_cookies().await.unwrap();
    client.goto(&link).await.unwrap();
    let heading = text(&client, "h1").await;
    assert_eq!(heading, format!("您的返修单 {late}"));
    assert_eq!(text(&client, "#now").await, "我们已登记您的返修申请。");
    let (scroll, inner) = widths(&client).await;
    assert!(
        scroll <= inner,
        "the status page: {scroll} px wide in a {inner} px window"
    );
    client.close().await.unwrap();
}
