//! Each site holds its own work: three sites on one server, each holding only the tickets
//! registered there; a hand-over brings one ticket (and its unit) to the repair centre, both
//! sites see every later step and the third never holds it; a site set to hold every ticket
//! receives them and lets them go again when set back; an offline change from outside the
//! scope reaches the office as a conflict. On sled, and on PostgreSQL with
//! `RMA_TEST_BACKEND=postgres`.

use rma_tests::{Agent, Server};
use serde_json::Value;

fn events(agent: &Agent, ticket: &str) -> Vec<Value> {
    agent.json(&["show", ticket])["events"]
        .as_array()
        .expect("events")
        .clone()
}

#[test]
fn each_site_holds_its_own_tickets_and_a_hand_over_brings_one_to_another() {
    let server = Server::start();
    let wh1 = Agent::enrolled("WH1", &server);
    let wh2 = Agent::enrolled("WH2", &server);
    let rc1_token = server.add_site("RC1");
    let rc1 = Agent::with_token("RC1", &server.url, &rc1_token);
    wh1.ok(&["area", "add", "SHELF-A"]);
    rc1.ok(&["area", "add", "RC-BENCH"]);
    let sent = wh1.intake("Acme", 2);
    let kept = wh1.intake("Bolt", 1);
    let other = wh2.intake("Crane", 1);
    wh1.ok(&[
        "assess",
        &sent,
        "--severity",
        "complex",
        "--plan",
        "board swap",
    ]);
    wh1.ok(&["receive", &sent, "--area", "SHELF-A"]);
    for agent in [&wh1, &wh2, &rc1, &wh1] {
        agent.ok(&["sync"]);
    }
    let mut own = vec![sent.clone(), kept.clone()];
    own.sort();
    assert_eq!(wh1.held(), own, "WH1 holds only its own tickets");
    assert_eq!(wh2.held(), vec![other.clone()], "WH2 holds only its own");
    assert!(rc1.held().is_empty(), "the repair centre holds nothing yet");

    // A step on a ticket this site does not hold is refused with the reason; asked for, it
    // is looked up at the server: where it is held, read-only, nothing of the customer.
    let refused = wh2.fails(&["hold", &sent, "--reason", "x"]);
    assert!(
        refused.contains(&sent) && refused.contains("WH1"),
        "{refused}"
    );
    let found = wh2.json(&["show", &sent]);
    assert_eq!(found["held_here"], false, "{found}");
    assert_eq!(found["holders"], serde_json::json!(["WH1"]), "{found}");
    assert_eq!(found["status"], "received", "{found}");
    assert!(found.get("registration").is_none(), "{found}");
    let said = wh2.ok(&["show", &sent]);
    assert!(said.contains("WH1") && !said.contains("Acme"), "{said}");
    assert!(wh2.held() == vec![other.clone()], "a lookup stores nothing");

    // WH1 sends one unit to the repair centre.
    let unit = format!("{sent}-1");
    wh1.ok(&[
        "hand-over",
        &sent,
        "--to",
        "RC1",
        "--units",
        &unit,
        "--carrier",
        "SF Express",
        "--tracking",
        "SF100",
    ]);
    let refused = wh1.fails(&["assign", &unit, "--repairer", "Bob"]);
    assert!(
        refused.contains("RC1"),
        "a unit on its way stays put: {refused}"
    );
    wh1.ok(&["sync"]);
    let report = rc1.json(&["sync"]);
    assert_eq!(report["pulled"], 1, "{report}");
    assert_eq!(rc1.held(), vec![sent.clone()]);
    assert_eq!(report["verified"], true, "{report}");

    // The repair centre takes the unit in with its own receiving check and repairs it.
    let taken = rc1.json(&["receive", &sent, "--area", "RC-BENCH"]);
    assert_eq!(taken["receiving"]["site"], "RC1", "{taken}");
    assert_eq!(
        taken["receiving"]["units"],
        serde_json::json!([unit]),
        "{taken}"
    );
    let units = taken["units"].as_array().unwrap();
    assert_eq!(units[0]["location"], "RC-BENCH", "{taken}");
    assert_eq!(
        units[1]["location"], "SHELF-A",
        "the other unit stayed: {taken}"
    );
    rc1.ok(&["assign", &unit, "--repairer", "Rita"]);
    rc1.ok(&["repair", &unit, "--steps", "new board", "--minutes", "40"]);
    rc1.ok(&["sync"]);
    wh1.ok(&["sync"]);
    wh2.ok(&["sync"]);
    assert_eq!(
        events(&wh1, &sent),
        events(&rc1, &sent),
        "both sites see every step"
    );
    assert_eq!(
        wh2.held(),
        vec![other.clone()],
        "a third site never holds it"
    );
    assert_eq!(
        rc1.held(),
        vec![sent.clone()],
        "nor the other tickets of WH1"
    );

    // A fresh installation receives exactly its site's scope: a second PC of the repair
    // centre, and a new site.
    let second = Agent::with_token("RC1", &server.url, &rc1_token);
    let report = second.json(&["sync"]);
    assert_eq!(second.held(), vec![sent.clone()], "{report}");
    assert_eq!(report["verified"], true, "{report}");
    assert_eq!(events(&second, &sent), events(&rc1, &sent));
    let fresh = Agent::enrolled("WH3", &server);
    let report = fresh.json(&["sync"]);
    assert!(fresh.held().is_empty(), "{report}");
    assert_eq!(report["verified"], true, "{report}");

    // The office holds all, the ticket as both sites hold it. (Its reader's account reaches
    // the sites with their next sync: asked last.)
    assert_eq!(server.tickets().len(), 3, "the office holds all");
    assert_eq!(
        events(&wh1, &sent),
        server.ticket(&sent)["events"].as_array().unwrap().clone()
    );
}

#[test]
fn a_site_set_to_hold_all_gets_every_ticket_and_lets_them_go_when_set_back() {
    let server = Server::start();
    let wh1 = Agent::enrolled("WH1", &server);
    let wh2 = Agent::enrolled("WH2", &server);
    let theirs = wh1.intake("Acme", 1);
    let mine = wh2.intake("Bolt", 1);
    wh1.ok(&["sync"]);
    wh2.ok(&["sync"]);
    assert_eq!(wh2.held(), vec![mine.clone()]);

    let out = server.command(&["site", "holds", "WH2", "all"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Its cursor is past the ticket: the digests disagree and the repair fetches it.
    let report = wh2.json(&["sync"]);
    assert_eq!(report["repaired"], 1, "{report}");
    let mut both = vec![theirs.clone(), mine.clone()];
    both.sort();
    assert_eq!(
        wh2.held(),
        both,
        "a site that holds all receives every ticket"
    );
    assert_eq!(wh2.json(&["sync"])["verified"], true);

    // Offline, WH2 puts WH1's ticket on hold; then it is set back to its own work.
    wh2.ok(&["hold", &theirs, "--reason", "waiting for the customer"]);
    let out = server.command(&["site", "holds", "WH2", "own"]);
    assert!(out.status.success());
    let report = wh2.json(&["sync"]);
    assert_eq!(report["pushed"], 1, "what it had is sent first: {report}");
    assert_eq!(
        wh2.held(),
        vec![mine.clone()],
        "then the ticket goes: {report}"
    );
    let found = wh2.json(&["show", &theirs]);
    assert_eq!(found["held_here"], false, "gone from this PC: {found}");
    assert_eq!(wh2.json(&["sync"])["verified"], true);

    // It reached the server once WH2 no longer held the ticket: a conflict for WH1 to
    // settle, kept whole.
    wh1.ok(&["sync"]);
    let ticket = wh1.json(&["show", &theirs]);
    assert_ne!(ticket["status"], "on_hold", "{ticket}");
    let conflicts = ticket["conflicts"].as_array().unwrap();
    assert_eq!(conflicts.len(), 1, "{ticket}");
    assert_eq!(conflicts[0]["site"], "WH2");
    let event = conflicts[0]["event"].as_str().unwrap();
    wh1.ok(&[
        "resolve",
        &theirs,
        "--event",
        event,
        "--note",
        "WH2 asked on the customer's behalf",
    ]);
    wh1.ok(&["sync"]);
    assert_eq!(server.ticket(&theirs), wh1.json(&["show", &theirs]));
}

#[test]
fn an_offline_change_from_a_site_the_ticket_moved_away_from_is_a_conflict_at_the_office() {
    let server = Server::start();
    let token = server.add_site("WH1");
    let wh1 = Agent::with_token("WH1", &server.url, &token);
    let wh2 = Agent::enrolled("WH2", &server);
    // A second PC of WH1, offline while the first moves the ticket to WH2 for good.
    let ticket = wh1.intake("Acme", 1);
    wh1.ok(&["sync"]);
    let second = Agent::with_token("WH1", &server.url, &token);
    second.ok(&["sync"]);
    assert_eq!(second.held(), vec![ticket.clone()]);

    wh1.ok(&["hand-over", &ticket, "--to", "WH2", "--leave"]);
    wh1.ok(&["sync"]);
    assert!(
        wh1.held().is_empty(),
        "WH1 let the ticket go once it was sent"
    );
    wh2.ok(&["sync"]);
    assert_eq!(wh2.held(), vec![ticket.clone()]);

    // The second PC, still offline, records a step on it; then syncs.
    second.ok(&["hold", &ticket, "--reason", "customer called"]);
    let report = second.json(&["sync"]);
    assert_eq!(
        report["pushed"], 1,
        "the change reaches the server: {report}"
    );
    assert!(
        second.held().is_empty(),
        "and the ticket leaves it: {report}"
    );

    let office = server.ticket(&ticket);
    let conflicts = office["conflicts"].as_array().unwrap();
    assert_eq!(conflicts.len(), 1, "{office}");
    assert_eq!(conflicts[0]["site"], "WH1");
    assert_ne!(
        office["status"], "on_hold",
        "the step outside the scope took no effect"
    );
    wh2.ok(&["sync"]);
    let there = wh2.json(&["show", &ticket]);
    assert_eq!(
        there["conflicts"], office["conflicts"],
        "WH2 sees it to settle"
    );
}
