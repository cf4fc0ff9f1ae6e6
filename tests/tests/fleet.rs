//! A small fleet, as CI runs it: `rma-bench fleet` with a few dozen sites against a real
//! server process; every sync of every phase succeeds and a fresh installation receives
//! exactly its site's scope (the bench stops with an error otherwise). The figures it prints
//! are measured at full size, not here (BENCHMARKS.md).

use serde_json::Value;

#[test]
fn a_small_fleet_populates_bootstraps_syncs_steadily_and_catches_up_without_an_error() {
    let out = std::process::Command::new(rma_tests::binary("rma-bench"))
        .args([
            "fleet",
            "--sites",
            "24",
            "--tickets",
            "480",
            "--steady-seconds",
            "2",
            "--sync-every-ms",
            "500",
            "--changes",
            "5",
        ])
        .env_remove("RMA_TEST_DATABASE")
        .output()
        .expect("rma-bench runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let last: Value = serde_json::from_str(stdout.lines().last().expect("a JSON line"))
        .expect("the last line is JSON");
    assert_eq!(last["bench"], "fleet");
    assert_eq!(last["sites"], 24);
    assert_eq!(last["tickets"], 480);
    assert_eq!(last["errors"], 0, "{stdout}");
    assert!(
        last["steady_syncs"].as_u64().unwrap() >= 24,
        "every site synced: {stdout}"
    );
    for figure in [
        "steady_p99_ms",
        "catchup_s",
        "bootstrap_ms",
        "server_peak_rss_mib",
    ] {
        assert!(
            last[figure].as_f64().is_some_and(|x| x > 0.0),
            "{figure}: {stdout}"
        );
    }
}
