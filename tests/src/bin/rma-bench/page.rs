//! The bench page with many tickets stored: a running `rma-agent serve` answers its pages
//! over loopback, signed in as a person whose role sees every step.

use std::time::Instant;

use anyhow::{Context as _, Result, bail};
use rma_shared::TicketNumber;

use super::{round, stats};

/// The account the benchmark signs in with.
pub const USER: &str = "bench";
pub const PASSWORD: &str = "bench pass 42";

/// Times `runs` answers of each page; returns the readable lines and the JSON fields.
pub fn measure(
    web: &str,
    target: &TicketNumber,
    runs: usize,
) -> Result<(Vec<String>, serde_json::Map<String, serde_json::Value>)> {
    let client = rma_agent::http::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let cookie = rma_tests::log_in_at(web, USER, PASSWORD)
        .context("the benchmark's account did not sign in")?;
    let unit = target.unit(1);
    let pages = [
        ("home", format!("{web}/"), None),
        ("ticket", format!("{web}/t/{target}"), None),
        ("unit", format!("{web}/u/{unit}"), None),
        (
            "move (POST, a step)",
            format!("{web}/do/move"),
            Some(format!("unit={unit}&to=")),
        ),
    ];
    let mut lines = Vec::new();
    let mut json = serde_json::Map::new();
    for (name, url, form) in pages {
        let mut ms = Vec::new();
        let mut bytes = 0;
        for run in 0..runs {
            let request = match &form {
                // Moves between two areas, so each run is a real step.
                Some(form) => client
                    .post(&url)
                    .header("content-type", "application/x-www-form-urlencoded")
                    .header("referer", format!("{web}/u/{unit}"))
                    .body(format!("{form}A{}", 1 + run % 2)),
                None => client.get(&url),
            };
            let started = Instant::now();
            let answer = request.header("cookie", &cookie).send()?;
            let status = answer.status();
            let body = answer.bytes()?;
            ms.push(started.elapsed().as_secs_f64() * 1000.0);
            if !(status.is_success() || status.is_redirection()) {
                bail!(
                    "{name} answered {status}: {}",
                    String::from_utf8_lossy(&body)
                );
            }
            bytes = body.len();
        }
        let (median, p95) = stats(&mut ms);
        lines.push(format!(
            "    {name}: median {median:.1} ms, p95 {p95:.1} ms ({:.0} KB)",
            bytes as f64 / 1000.0
        ));
        let key = name.split_whitespace().next().unwrap_or(name);
        json.insert(format!("page_{key}_median_ms"), round(median).into());
        json.insert(format!("page_{key}_p95_ms"), round(p95).into());
    }
    Ok((lines, json))
}
