//! The office's data where IT works: on PostgreSQL the schema `rma_report`, kept in the same
//! transaction as every push and office record, remade whole by `report rebuild`, readable by
//! a granted role and nothing else of the store; on sled the same tables as CSV files.

use std::collections::BTreeMap;
use std::io::Write as _;

use calamine::DataType as _;
use chrono::Utc;
use rma_shared::SiteCode;
use rma_shared::automerge::ActorId;
use rma_shared::sync::{self, Heads, PushRequest, PushResponse, PushResult};
use rma_tests::{Agent, Server, new_database};

/// A ticket walked to receiving with two costs, one on hold, one just registered; synced.
fn some_work(agent: &Agent) -> Vec<String> {
    agent.ok(&["area", "add", "SHELF-A"]);
    let received = agent.intake("Acme Ltd", 2);
    agent.ok(&["assess", &received, "--severity", "simple"]);
    agent.ok(&["receive", &received, "--area", "SHELF-A"]);
    for amount in ["150", "80.5"] {
        agent.ok(&[
            "cost",
            &received,
            "--kind",
            "repair",
            "--amount",
            amount,
            "--liability",
            "quality-defect",
        ]);
    }
    let held = agent.intake("Beta 有限公司", 1);
    agent.ok(&["hold", &held, "--reason", "parts"]);
    let fresh = agent.intake("Gamma", 3);
    agent.ok(&["sync"]);
    vec![received, held, fresh]
}

fn client(url: &str) -> postgres::Client {
    // On a thread of its own: the synchronous client keeps a runtime of its own.
    let url = url.to_owned();
    std::thread::spawn(move || postgres::Client::connect(&url, postgres::NoTls))
        .join()
        .unwrap()
        .expect("the test database answers")
}

/// Every row of every report table, as text, in a stable order.
fn dump(db: &mut postgres::Client) -> BTreeMap<String, Vec<String>> {
    let mut all = BTreeMap::new();
    for table in [
        "tickets",
        "units",
        "events",
        "costs",
        "audit_marks",
        "sites",
    ] {
        let rows = db
            .query(
                &format!("SELECT t::text FROM rma_report.{table} t ORDER BY t::text"),
                &[],
            )
            .unwrap();
        let rows = rows.iter().map(|row| row.get::<_, String>(0)).collect();
        all.insert(table.to_owned(), rows);
    }
    all
}

fn ok(out: std::process::Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn the_report_tables_follow_every_sync_and_agree_with_the_api() {
    let database = new_database();
    let mut server = Server::start_with_settings(&format!("[database]\nurl = \"{database}\"\n"));
    server.drain_log();
    let agent = Agent::enrolled("WH1", &server);
    let numbers = some_work(&agent);
    let mut db = client(&database);

    // Each ticket as the API shows it: status, units, steps, costs.
    let listed = server.tickets();
    let count: i64 = db
        .query_one("SELECT count(*) FROM rma_report.tickets", &[])
        .unwrap()
        .get(0);
    assert_eq!(count as usize, listed.len());
    for number in &numbers {
        let view = server.ticket(number);
        let row = db
            .query_one(
                "SELECT status, model, customer, registered_at IS NOT NULL FROM rma_report.tickets WHERE ticket = $1",
                &[number],
            )
            .unwrap();
        assert_eq!(row.get::<_, String>(0), view["status"].as_str().unwrap());
        assert_eq!(
            row.get::<_, String>(1),
            view["registration"]["model"].as_str().unwrap()
        );
        assert_eq!(
            row.get::<_, String>(2),
            view["registration"]["customer"].as_str().unwrap()
        );
        assert!(row.get::<_, bool>(3));
        let mut count = |table: &str| -> usize {
            let n: i64 = db
                .query_one(
                    &format!("SELECT count(*) FROM rma_report.{table} WHERE ticket = $1"),
                    &[number],
                )
                .unwrap()
                .get(0);
            n as usize
        };
        assert_eq!(
            count("units"),
            view["units"].as_array().unwrap().len(),
            "{number}"
        );
        assert_eq!(
            count("events"),
            view["events"].as_array().unwrap().len(),
            "{number}"
        );
        assert_eq!(
            count("costs"),
            view["costs"].as_array().unwrap().len(),
            "{number}"
        );
    }
    // Amounts are numbers: their sum is the API's total, in minor units.
    let api_total: i64 = numbers
        .iter()
        .flat_map(|n| server.ticket(n)["cost_totals"].as_array().unwrap().clone())
        .map(|t| t["minor"].as_i64().unwrap())
        .sum();
    assert_eq!(api_total, 23050);
    let sum: String = db
        .query_one(
            "SELECT (sum(amount) * 100)::bigint::text FROM rma_report.costs",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(sum, api_total.to_string());
    let placed: String = db
        .query_one(
            "SELECT location FROM rma_report.units WHERE ticket = $1 ORDER BY unit LIMIT 1",
            &[&numbers[0]],
        )
        .unwrap()
        .get(0);
    assert_eq!(placed, "SHELF-A");
    let site: i64 = db
        .query_one(
            "SELECT count(*) FROM rma_report.sites
             WHERE site = 'WH1' AND last_sync_at IS NOT NULL AND holds = 'own'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(site, 1);

    // The README's SQL gives the analysis page's figures.
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).unwrap();
    let block = readme
        .split_once("<!-- analysis-sql -->\n```sql\n")
        .and_then(|(_, rest)| rest.split_once("```"))
        .map(|(block, _)| block)
        .expect("the README has the analysis as SQL");
    let zone = rma_shared::calendar::company().zone_name();
    let month = rma_shared::analysis::Month::of(Utc::now()).to_string();
    let queries: Vec<String> = block
        .split(";\n")
        .filter(|q| {
            q.lines()
                .any(|l| !l.trim().is_empty() && !l.starts_with("--"))
        })
        .map(|q| q.replace("Asia/Shanghai", zone).replace("2026-11", &month))
        .collect();
    assert_eq!(queries.len(), 4, "{queries:?}");
    let by_model: Vec<(String, f64, f64)> = db
        .query(&queries[0], &[])
        .unwrap()
        .iter()
        .map(|row| {
            let tickets: i64 = row.get(1);
            let units: i64 = row.get(2);
            (row.get(0), tickets as f64, units as f64)
        })
        .collect();
    for query in &queries[1..] {
        db.query(query, &[])
            .unwrap_or_else(|err| panic!("{query}: {err:?}"));
    }
    let workbook = rma_tests::http()
        .get(format!("{}/analysis.xlsx?month={month}", server.url))
        .header("cookie", server.reader())
        .send()
        .unwrap()
        .bytes()
        .unwrap();
    let mut workbook: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(workbook.to_vec())).unwrap();
    let sheet = calamine::Reader::worksheet_range_at(&mut workbook, 1)
        .unwrap()
        .unwrap();
    let on_page: Vec<(String, f64, f64)> = sheet
        .rows()
        .skip(1)
        .map(|row| {
            (
                row[0].to_string(),
                row[1].as_f64().unwrap(),
                row[2].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(by_model, on_page);
    assert_eq!(on_page, [("X200".to_owned(), 3.0, 6.0)]);

    // Finance's mark, an office record, is in the tables with the ticket.
    server.add_user("fiona", "finance", "finance pass 1");
    let fiona = server.log_in("fiona", "finance pass 1").unwrap();
    let line: String = db
        .query_one(
            "SELECT event FROM rma_report.costs ORDER BY amount LIMIT 1",
            &[],
        )
        .unwrap()
        .get(0);
    let marked = rma_tests::post_form(
        &format!("{}/costs/audit", server.url),
        &fiona,
        &format!("ticket={}&event={line}&verdict=audited&note=", numbers[0]),
    );
    assert_eq!(marked.status(), 303);
    let row = db
        .query_one(
            "SELECT c.audit_verdict, c.audited_by, m.verdict, m.by_name FROM rma_report.costs c JOIN rma_report.audit_marks m ON m.cost_event = c.event WHERE c.event = $1",
            &[&line],
        )
        .unwrap();
    assert_eq!(row.get::<_, String>(0), "audited");
    assert_eq!(row.get::<_, String>(1), "fiona");
    assert_eq!(row.get::<_, String>(2), "audited");
    assert_eq!(row.get::<_, String>(3), "fiona");

    // A push refused, and one cut off halfway, change nothing in them.
    let token = server.add_site("WH2");
    // Sites' rows change with every sync: the rest is compared whole.
    let mut before = dump(&mut db);
    before.remove("sites");
    let wh1 = SiteCode::parse("WH1").unwrap();
    let mut forged = rma_shared::testing::ticket(&wh1, 77, &ActorId::random(), Utc::now());
    let push = PushRequest {
        docs: vec![sync::outgoing(&mut forged, &Heads::default()).unwrap()],
    };
    let answer = rma_tests::http()
        .post(format!("{}/api/v1/sync/WH2/push", server.url))
        .bearer_auth(&token)
        .header("content-type", sync::CONTENT_TYPE)
        .body(sync::encode(&push))
        .send()
        .unwrap();
    assert!(answer.status().is_success());
    let answer: PushResponse = sync::decode(&answer.bytes().unwrap()).unwrap();
    assert!(
        matches!(answer.results[0], PushResult::Refused { .. }),
        "{answer:?}"
    );
    let address = server.url.trim_start_matches("http://");
    let body = sync::encode(&push);
    let mut cut = std::net::TcpStream::connect(address).unwrap();
    write!(
        cut,
        "POST /api/v1/sync/WH2/push HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\nContent-Type: {}\r\nContent-Length: {}\r\n\r\n",
        sync::CONTENT_TYPE,
        body.len()
    )
    .unwrap();
    cut.write_all(&body[..body.len() / 2]).unwrap();
    drop(cut);
    // The server goes on: a sync after it is answered, and nothing of either push is there.
    agent.ok(&["sync"]);
    let mut after = dump(&mut db);
    after.remove("sites");
    assert_eq!(after, before);

    // A rebuild gives the same rows, while the server runs.
    let before = dump(&mut db);
    let said = ok(server.command(&["--database", &database, "report", "rebuild"]));
    assert!(said.contains("3 tickets, 2 sites"), "{said}");
    assert_eq!(dump(&mut db), before);

    // A granted role reads the report, and nothing else; again after a rebuild.
    let role = format!("bi_{}", &rma_shared::TicketId::random().to_string()[..8]);
    db.batch_execute(&format!("CREATE ROLE {role} LOGIN PASSWORD 'bi pass'"))
        .unwrap();
    let said = ok(server.command(&["--database", &database, "report", "grant", &role]));
    assert!(said.contains(&role), "{said}");
    ok(server.command(&["--database", &database, "report", "rebuild"]));
    let as_role = database.replacen("rma:rma@", &format!("{role}:bi%20pass@"), 1);
    let mut reader = client(&as_role);
    let n: i64 = reader
        .query_one("SELECT count(*) FROM rma_report.tickets", &[])
        .unwrap()
        .get(0);
    assert_eq!(n, 3);
    let denied = postgres::error::SqlState::INSUFFICIENT_PRIVILEGE;
    for forbidden in [
        "SELECT count(*) FROM kv",
        "SELECT count(*) FROM rma_migrations",
    ] {
        let err = reader.query_one(forbidden, &[]).unwrap_err();
        assert_eq!(err.code(), Some(&denied), "{forbidden}: {err:?}");
    }
    let err = reader
        .batch_execute("DELETE FROM rma_report.tickets")
        .unwrap_err();
    assert_eq!(err.code(), Some(&denied), "{err:?}");
}

#[test]
fn the_report_on_sled_is_a_folder_of_csv_tables() {
    let mut server = Server::start();
    server.drain_log();
    let agent = Agent::enrolled("WH1", &server);
    let numbers = some_work(&agent);
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("report");
    let said = ok(server.command(&["report", "export", "--to", dir.to_str().unwrap()]));
    assert!(said.contains("3 tickets"), "{said}");
    let read = |table: &str| -> Vec<csv::StringRecord> {
        let mut reader = csv::Reader::from_path(dir.join(format!("{table}.csv"))).unwrap();
        let header = reader.headers().unwrap().clone();
        assert_eq!(&header[0], if table == "sites" { "site" } else { "ticket" });
        reader.records().map(Result::unwrap).collect()
    };
    let tickets = read("tickets");
    assert_eq!(tickets.len(), 3);
    let held = tickets.iter().find(|r| r[0] == numbers[1]).unwrap();
    assert_eq!(&held[2], "on_hold");
    assert_eq!(&held[4], "Beta 有限公司");
    let amounts: Vec<String> = read("costs").iter().map(|r| r[8].to_owned()).collect();
    assert_eq!(amounts.len(), 2);
    assert!(amounts.contains(&"150.00".to_owned()) && amounts.contains(&"80.50".to_owned()));
    assert_eq!(read("units").len(), 2);
    assert_eq!(read("sites").len(), 1);
    let steps: usize = numbers
        .iter()
        .map(|n| server.ticket(n)["events"].as_array().unwrap().len())
        .sum();
    assert_eq!(read("events").len(), steps);

    // The SQL tables are PostgreSQL's: on sled the command says what to do instead.
    if !server.data().join("server.toml").exists() {
        let out = server.command(&["report", "rebuild"]);
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("report export"), "{err}");
    }
}
