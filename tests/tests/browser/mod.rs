//! Headless Chromium driven through ChromeDriver (Debian's `chromium` and `chromium-driver`,
//! which tests/run installs), for the tests of pages in a real browser.

use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use rma_tests::Running;

/// ChromeDriver on a free loopback port, once it says it is ready.
pub fn chromedriver() -> (Running, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let mut child = Command::new("chromedriver")
        .arg(format!("--port={port}"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver runs (Debian: chromium-driver, which tests/run installs)");
    let stdout = child.stdout.take().expect("piped");
    let running = Running(child);
    for line in BufReader::new(stdout).lines() {
        if line
            .expect("chromedriver output")
            .contains("started successfully")
        {
            return (running, format!("http://127.0.0.1:{port}"));
        }
    }
    panic!("chromedriver stopped before it was ready");
}

pub async fn browser(driver: &str, downloads: &Path) -> Client {
    let options = serde_json::json!({
        "binary": "/usr/bin/chromium",
        "args": [
            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--no-first-run", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--disable-quic", "--window-size=1400,1000",
        ],
        "prefs": {
            "download.default_directory": downloads.to_string_lossy(),
            "download.prompt_for_download": false,
        },
    });
    let mut caps = serde_json::Map::new();
    caps.insert("goog:chromeOptions".into(), options);
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(driver)
        .await
        .expect("a browser session")
}

/// Polls `check` until it holds (or ten seconds pass): the page or the disk is the clock.
pub async fn eventually<T>(what: &str, mut check: impl AsyncFnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::task::yield_now().await;
    }
}

pub async fn fill(client: &Client, id: &str, value: &str) {
    let field = client.find(Locator::Id(id)).await.expect("the field");
    field.send_keys(value).await.expect("typed");
}

/// Clicks an element that changes the page it is on (a `<summary>`, a radio button), not one
/// that leads to another page: for those, [`follow`].
pub async fn click(client: &Client, css: &str) {
    let target = client.find(Locator::Css(css)).await.expect("the element");
    target.click().await.expect("clicked");
}

/// Clicks a link or a form's button and returns once the page it leads to is there.
pub async fn follow(client: &Client, css: &str) {
    next_page(client, css, async || click(client, css).await).await;
}

/// Runs `act` (a click, a typed Enter, a form sent), which leads to another page, and returns
/// once the browser shows that page, loaded. WebDriver answers a click before the next page is
/// there, and a page that answers a form may have the same address as the one it came from:
/// so the page `act` starts on is marked first, and the next page is the first loaded one
/// without the mark. Whatever is read afterwards is read from the new page.
pub async fn next_page(client: &Client, what: &str, act: impl AsyncFnOnce()) {
    client
        .execute("document.rmaLeft = true", vec![])
        .await
        .expect("the page answers a script");
    act().await;
    eventually(&format!("the page after {what}"), async || {
        // While the browser navigates a script may fail; that is only "not yet".
        let state = client
            .execute(
                "return document.rmaLeft === true ? 'old' : document.readyState",
                vec![],
            )
            .await
            .ok()?;
        (state == "complete").then_some(())
    })
    .await;
}

/// Waits until the browser is at a page whose address passes `check` (a click that submits a
/// form returns before the next page is there).
pub async fn arrive(client: &Client, what: &str, check: impl Fn(&str) -> bool) {
    eventually(what, async || {
        let url = client.current_url().await.ok()?;
        let at = match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_owned(),
        };
        check(&at).then_some(())
    })
    .await;
}

/// The text of the element, once the page has it.
pub async fn text(client: &Client, css: &str) -> String {
    client
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css} on the page: {e}"))
        .text()
        .await
        .expect("element text")
}

/// The page's width and the window's, in CSS pixels: a page wider than its window scrolls
/// sideways.
pub async fn widths(client: &Client) -> (u64, u64) {
    let widths = client
        .execute(
            "return [document.documentElement.scrollWidth, window.innerWidth]",
            vec![],
        )
        .await
        .expect("the page answers a script");
    (
        widths[0].as_u64().expect("a width"),
        widths[1].as_u64().expect("a width"),
    )
}
