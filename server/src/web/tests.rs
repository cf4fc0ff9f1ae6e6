//! The office pages in-process (`oneshot`): sessions, every page and download, and the
//! monthly analysis of a known fixture month computed right.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::{DateTime, NaiveDate, TimeZone as _, Utc};
use http_body_util::BodyExt as _;
use rma_shared::event::{
    Assessment, Confirmation, CostKind, CostLine, CustomerRequest, EventKind, Liability, Payer,
    Receiving, RepairRecord, Verdict,
};
use rma_shared::sync::{self, Heads, PushRequest};
use rma_shared::{
    Currency, Event, Money, Registration, SiteCode, TicketDoc, TicketId, TicketNumber,
};
use tokio::sync::Mutex;
use tower::ServiceExt as _;

use crate::app::router;
use crate::settings::Settings;
use crate::state::AppState;
use crate::store::ServerStore;
use crate::users::Role;

struct Fixture {
    _dir: tempfile::TempDir,
    state: Arc<AppState>,
}

fn at(day: u32, hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, day, hour, 0, 0).unwrap()
}

/// A ticket registered on 2026-03-`day` and taken through `steps` (each at a later hour).
fn ticket(seq: u32, day: u32, model: &str, fault_type: &str, steps: Vec<EventKind>) -> TicketDoc {
    let site = SiteCode::parse("WH1").unwrap();
    let number = TicketNumber::new(site.clone(), 2026, seq);
    let mut doc = TicketDoc::create(
        TicketId::random(),
        number,
        &Registration {
            customer: "深圳市某某电子有限公司".into(),
            contact: None,
            model: model.into(),
            quantity: 1,
            fault: "no power".into(),
            request: CustomerRequest::Repair,
            email: None,
            phone: None,
            customer_lang: None,
        },
        Event::new(EventKind::Registered, site.clone(), "ann", at(day, 8)),
        crate::test_support::wh1_actor(),
    );
    let mut all = vec![
        EventKind::Forwarded { note: None },
        EventKind::Assessed(Assessment {
            fault_type: Some(fault_type.into()),
            ..Assessment::simple()
        }),
    ];
    all.extend(steps);
    // Passed on at 09:00, assessed at 09:30, received at 10:00; each later step a day later.
    let mut time = at(day, 9);
    for (i, kind) in all.into_iter().enumerate() {
        time = match i {
            0 => time,
            1 => time + chrono::Duration::minutes(30),
            2 => at(day, 10),
            _ => time + chrono::Duration::hours(24),
        };
        doc.record(Event::new(kind, site.clone(), "bob", time))
            .unwrap();
    }
    doc
}

fn received(doc_seq: u32) -> EventKind {
    let number = TicketNumber::new(SiteCode::parse("WH1").unwrap(), 2026, doc_seq);
    EventKind::Received(Receiving {
        model: "X200".into(),
        quantity: 1,
        appearance: "ok".into(),
        discrepancy: None,
        units: vec![number.unit(1)],
        area: None,
        labels: vec![],
    })
}

fn assigned(seq: u32) -> EventKind {
    let number = TicketNumber::new(SiteCode::parse("WH1").unwrap(), 2026, seq);
    EventKind::Assigned {
        repairer: "bob".into(),
        units: vec![number.unit(1)],
    }
}

fn repaired(seq: u32) -> EventKind {
    let number = TicketNumber::new(SiteCode::parse("WH1").unwrap(), 2026, seq);
    EventKind::Repaired(RepairRecord {
        unit: number.unit(1),
        steps: "fixed".into(),
        parts: vec![],
        minutes: 30,
        findings: None,
        finished: true,
    })
}

fn inspected(seq: u32, verdict: Verdict) -> EventKind {
    let number = TicketNumber::new(SiteCode::parse("WH1").unwrap(), 2026, seq);
    EventKind::Inspected {
        unit: number.unit(1),
        verdict,
        inspector: "ivy".into(),
        note: None,
    }
}

fn cost(amount: &str, note: &str) -> EventKind {
    EventKind::Cost(CostLine {
        kind: CostKind::Repair,
        amount: Money::parse(amount, Currency::parse("CNY").unwrap()).unwrap(),
        payer: Payer::Company,
        liability: Liability::QualityDefect,
        unit: None,
        note: Some(note.into()),
    })
}

/// The fixture month, March 2026:
/// - 1: X200, "power supply"; received 03-01 10:00, assigned, repaired, passed its first
///   inspection 03-04 10:00 (72 h after receipt); confirmed 4/5 with feedback; 150 CNY of cost.
/// - 2: X200, "power  supply"; received 03-05 10:00, assigned, repaired, failed, repaired,
///   passed 03-10 10:00 (120 h after receipt).
/// - 3: Y300, "display"; registered only.
/// - 4: registered in April, so not in March's analysis.
fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let store = ServerStore::open(dir.path()).unwrap();
    let wh1 = SiteCode::parse("WH1").unwrap();
    crate::test_support::enrol(&store);
    let now = Utc::now();
    store
        .people()
        .add("fiona", Role::Finance, "finance pass", now)
        .unwrap();
    store
        .people()
        .add("sam", Role::Sales, "sales pass 1", now)
        .unwrap();
    let docs = vec![
        ticket(
            1,
            1,
            "X200",
            "Power supply",
            vec![
                received(1),
                assigned(1),
                repaired(1),
                inspected(1, Verdict::Pass),
                EventKind::ShipNoticed {
                    method: "courier".into(),
                    date: NaiveDate::from_ymd_opt(2026, 3, 6).unwrap(),
                    note: None,
                },
                EventKind::Packed {
                    units: vec![TicketNumber::new(wh1.clone(), 2026, 1).unit(1)],
                },
                EventKind::Shipped {
                    carrier: "SF".into(),
                    tracking: "SF1".into(),
                    units: vec![TicketNumber::new(wh1.clone(), 2026, 1).unit(1)],
                },
                EventKind::Confirmed(Confirmation {
                    delivered_on: NaiveDate::from_ymd_opt(2026, 3, 9).unwrap(),
                    working: true,
                    satisfaction: 4,
                    feedback: Some("=快, thanks".into()),
                }),
                cost("150", "power board"),
            ],
        ),
        ticket(
            2,
            5,
            "X200",
            "power  supply",
            vec![
                received(2),
                assigned(2),
                repaired(2),
                inspected(2, Verdict::Fail),
                repaired(2),
                inspected(2, Verdict::Pass),
            ],
        ),
        ticket(3, 20, "Y300", "display", vec![]),
        {
            let site = wh1.clone();
            let april = Utc.with_ymd_and_hms(2026, 4, 2, 8, 0, 0).unwrap();
            TicketDoc::create(
                TicketId::random(),
                TicketNumber::new(site.clone(), 2026, 4),
                &Registration {
                    customer: "Late".into(),
                    contact: None,
                    model: "Z9".into(),
                    quantity: 3,
                    fault: "x".into(),
                    request: CustomerRequest::Refund,
                    email: None,
                    phone: None,
                    customer_lang: None,
                },
                Event::new(EventKind::Registered, site, "ann", april),
                crate::test_support::wh1_actor(),
            )
        },
    ];
    let pushes = docs
        .into_iter()
        .map(|mut doc| sync::outgoing(&mut doc, &Heads::default()).unwrap())
        .collect();
    store.push(&wh1, &PushRequest { docs: pushes }).unwrap();
    let state = Arc::new(AppState {
        store,
        settings: Settings::default(),
        admin_token: "admin".into(),
        admin_lock: Mutex::new(()),
        logins: Default::default(),
        status_limits: Default::default(),
        uploads: Default::default(),
    });
    Fixture { _dir: dir, state }
}

struct Answer {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: String,
    bytes: Vec<u8>,
}

async fn send(f: &Fixture, request: Request<Body>) -> Answer {
    let response = router(f.state.clone()).oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    Answer {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
        bytes: bytes.to_vec(),
    }
}

async fn log_in(f: &Fixture, name: &str, password: &str) -> Answer {
    let form = format!(
        "name={name}&password={}&next=%2Fsites",
        password.replace(' ', "+")
    );
    send(
        f,
        Request::post("/login")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(form))
            .unwrap(),
    )
    .await
}

/// A session cookie for `name`.
async fn session(f: &Fixture, name: &str, password: &str) -> String {
    let answer = log_in(f, name, password).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    assert_eq!(
        answer.headers[header::LOCATION],
        "/sites",
        "back where they were going"
    );
    let cookie = answer.headers[header::SET_COOKIE].to_str().unwrap();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    cookie.split(';').next().unwrap().to_owned()
}

async fn get(f: &Fixture, cookie: &str, uri: &str) -> Answer {
    send(
        f,
        Request::get(uri)
            .header(header::COOKIE, cookie)
            .body(Body::empty())
            .unwrap(),
    )
    .await
}

#[tokio::test]
async fn every_page_but_login_sends_strangers_to_the_login_page() {
    let f = fixture();
    for uri in [
        "/",
        "/tickets/WH1-2026-00001",
        "/analysis",
        "/analysis.csv?month=2026-03",
        "/costs",
        "/costs.csv",
        "/costs.xlsx",
        "/analysis.xlsx?month=2026-03",
        "/archive.xlsx",
        "/sites",
        "/c/U:WH1-2026-00001-1",
    ] {
        let answer = send(&f, Request::get(uri).body(Body::empty()).unwrap()).await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER, "{uri}");
        let location = answer.headers[header::LOCATION].to_str().unwrap();
        assert!(location.starts_with("/login?next=/"), "{uri}: {location}");
    }
    let answer = get(&f, "rma_session=forged", "/").await;
    assert_eq!(
        answer.status,
        StatusCode::SEE_OTHER,
        "a made-up session is no session"
    );
    let login = send(
        &f,
        Request::get("/login?next=https://evil.example/")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(login.status, StatusCode::OK);
    assert!(
        login.body.contains(r#"name="next" value="/""#),
        "only local paths are followed"
    );
}

#[tokio::test]
async fn a_wrong_password_is_refused_and_logging_out_ends_the_session() {
    let f = fixture();
    let answer = log_in(&f, "fiona", "not her password").await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    assert!(answer.body.contains("Wrong name or password"));
    assert!(!answer.headers.contains_key(header::SET_COOKIE));
    let answer = log_in(&f, "nobody", "finance pass").await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    let empty = send(
        &f,
        Request::post("/login")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from("name=fiona"))
            .unwrap(),
    )
    .await;
    assert_eq!(
        empty.status,
        StatusCode::UNAUTHORIZED,
        "a form without a password"
    );

    let cookie = session(&f, "fiona", "finance pass").await;
    assert_eq!(get(&f, &cookie, "/").await.status, StatusCode::OK);
    let out = send(
        &f,
        Request::post("/logout")
            .header(header::COOKIE, &cookie)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert!(
        out.headers[header::SET_COOKIE]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    assert_eq!(get(&f, &cookie, "/").await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn the_board_lists_counts_filters_and_searches() {
    let f = fixture();
    let cookie = session(&f, "sam", "sales pass 1").await;
    let board = get(&f, &cookie, "/").await;
    assert_eq!(board.status, StatusCode::OK);
    for n in 1..=4 {
        assert!(
            board
                .body
                .contains(&format!(r#"data-ticket="WH1-2026-0000{n}""#)),
            "{n}"
        );
    }
    assert!(board.body.contains("深圳市某某电子有限公司"));
    assert!(board.body.contains("All<b>4</b>"), "counts per status");
    assert!(
        board
            .body
            .contains(r#"data-status="confirmed">confirmed<b>1</b>"#),
        "{}",
        board.body
    );
    // Ticket 4 was never passed on to after-sales, let alone assessed: overdue on both.
    let overdue = get(&f, &cookie, "/?overdue=on").await;
    assert!(overdue.body.contains("Overdue<b>1</b>"), "{}", overdue.body);
    assert!(overdue.body.contains(r#"data-ticket="WH1-2026-00004""#));
    assert!(
        overdue.body.contains(r#"data-deadline="forward""#)
            && overdue.body.contains(r#"data-deadline="assessment""#)
    );
    assert!(!overdue.body.contains(r#"data-ticket="WH1-2026-00003""#));
    let by_model = get(&f, &cookie, "/?model=y300").await;
    assert!(by_model.body.contains(r#"data-ticket="WH1-2026-00003""#));
    assert!(!by_model.body.contains(r#"data-ticket="WH1-2026-00002""#));
    let odd_page = get(&f, &cookie, "/?page=abc").await;
    assert_eq!(
        odd_page.status,
        StatusCode::OK,
        "a page that is not a number is the first"
    );
    let past_the_end = get(&f, &cookie, "/?page=3").await;
    assert!(past_the_end.body.contains("No tickets match."));
    let by_site = get(&f, &cookie, "/?site=WH2").await;
    assert!(by_site.body.contains("No tickets match."));
    let search = get(&f, &cookie, "/?q=wh1-2026-00002-1").await;
    assert_eq!(search.status, StatusCode::SEE_OTHER);
    assert_eq!(search.headers[header::LOCATION], "/tickets/WH1-2026-00002");
    let missing = get(&f, &cookie, "/?q=WH1-2026-00099").await;
    assert!(
        missing
            .body
            .contains("No ticket WH1-2026-00099 has reached the server.")
    );
    let garbage = get(&f, &cookie, "/?q=%3Cscript%3E&status=bogus").await;
    assert!(garbage.body.contains("is not a ticket or unit number"));
    assert!(garbage.body.contains("&lt;script&gt;"), "input is escaped");
    assert_eq!(
        garbage.body.matches("<script").count(),
        1,
        "only the page's own script, from a file"
    );
    assert!(!garbage.body.contains("<script>"), "no inline script");
}

#[tokio::test]
async fn the_ticket_page_shows_every_record_and_scanned_codes_lead_there() {
    let f = fixture();
    let cookie = session(&f, "fiona", "finance pass").await;
    let page = get(&f, &cookie, "/tickets/WH1-2026-00002").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(r#"id="history""#));
    assert_eq!(
        page.body.matches(r#"data-type="inspected""#).count(),
        2,
        "both inspection rounds"
    );
    assert!(
        page.body.contains("inspected WH1-2026-00002-1: failed"),
        "{}",
        page.body
    );
    assert!(page.body.contains("bob"));
    assert_eq!(
        get(&f, &cookie, "/tickets/WH1-2026-00777").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get(&f, &cookie, "/tickets/nonsense").await.status,
        StatusCode::BAD_REQUEST
    );
    let scanned = get(&f, &cookie, "/c/u:wh1-2026-00002-1").await;
    assert_eq!(
        scanned.headers[header::LOCATION],
        "/tickets/WH1-2026-00002#unit-1"
    );
    assert_eq!(
        get(&f, &cookie, "/c/XYZ").await.status,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn the_monthly_analysis_of_a_known_month_is_computed_right() {
    let f = fixture();
    let cookie = session(&f, "sam", "sales pass 1").await;
    let page = get(&f, &cookie, "/analysis?month=2026-03").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("3 tickets, 3 units"), "{}", page.body);
    // (72 h + 120 h) / 2 = 96 h; the longest is ticket 2's unit.
    assert!(
        page.body
            .contains("average 96.0 h over 2 units; longest 120.0 h (WH1-2026-00002-1)"),
        "{}",
        page.body
    );
    assert!(page.body.contains("50.0 % (1 of 2 units)"));
    assert!(page.body.contains("average 4.0 of 5 over 1 confirmation"));
    assert!(page.body.contains("<svg"), "charts are drawn on the server");

    let csv = get(&f, &cookie, "/analysis.csv?month=2026-03").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(
        csv.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    assert!(
        csv.headers[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .contains("rma-analysis-2026-03.csv")
    );
    assert!(
        csv.body.starts_with('\u{feff}'),
        "a BOM so Excel reads UTF-8"
    );
    let lines: Vec<&str> = csv.body.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(lines[0], "Section,Item,Tickets,Units,Value");
    for expected in [
        "Returns,all models,3,3,",
        "Returns,X200,2,2,",
        "Returns,Y300,1,1,",
        "Fault type,power supply,2,,",
        "Fault type,display,1,,",
        "Repair time,average hours,,2,96.0",
        "Repair time,longest hours (WH1-2026-00002-1),,1,120.0",
        "Repair time,average bench minutes,,2,45.0",
        "Inspection,first-pass rate %,,1 of 2,50.0",
        "Customer satisfaction,average of 5,1,,4.0",
        "Customer feedback,WH1-2026-00001,,,\"4/5: =快, thanks\"",
    ] {
        assert!(lines.contains(&expected), "{expected:?} in\n{}", csv.body);
    }
    let april = get(&f, &cookie, "/analysis.csv?month=2026-04").await;
    assert!(april.body.contains("Returns,Z9,1,3,"));
    let bad = get(&f, &cookie, "/analysis?month=March").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("is not a month: write it as YYYY-MM"));
}

#[tokio::test]
async fn the_cost_ledger_is_for_finance_and_after_sales() {
    let f = fixture();
    let sales = session(&f, "sam", "sales pass 1").await;
    assert_eq!(
        get(&f, &sales, "/costs").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        get(&f, &sales, "/costs.csv").await.status,
        StatusCode::FORBIDDEN
    );
    let finance = session(&f, "fiona", "finance pass").await;
    let page = get(&f, &finance, "/costs?from=2026-01&to=2026-12").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("1 cost line recorded"), "{}", page.body);
    assert!(page.body.contains("150.00 CNY"));
    let csv = get(&f, &finance, "/costs.csv?from=2026-01&to=2026-12").await;
    let lines: Vec<&str> = csv.body.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(lines.len(), 2, "{}", csv.body);
    assert!(
        lines[1].contains(
            ",WH1-2026-00001,X200,,repair,150.00,CNY,the company,quality defect,WH1,bob,power board"
        ),
        "{}",
        lines[1]
    );
    let empty = get(&f, &finance, "/costs?from=2025-01&to=2025-02").await;
    assert!(empty.body.contains("0 cost lines"));
    assert_eq!(
        get(&f, &finance, "/costs?from=2026-05&to=2026-01")
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
}

/// The sheets of a workbook, each as its rows of cells, read back as Excel would.
fn read_workbook(bytes: &[u8]) -> Vec<(String, Vec<Vec<calamine::Data>>)> {
    use calamine::Reader as _;
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
    book.sheet_names()
        .into_iter()
        .map(|name| {
            let range = book.worksheet_range(&name).unwrap();
            let rows = range.rows().map(<[calamine::Data]>::to_vec).collect();
            (name, rows)
        })
        .collect()
}

#[tokio::test]
async fn the_workbooks_keep_amounts_dates_and_numbers_as_excel_types() {
    use calamine::Data;
    let f = fixture();
    let sales = session(&f, "sam", "sales pass 1").await;
    assert_eq!(
        get(&f, &sales, "/costs.xlsx").await.status,
        StatusCode::FORBIDDEN,
        "the ledger's workbook is the ledger's"
    );
    let finance = session(&f, "fiona", "finance pass").await;
    let page = get(&f, &finance, "/costs?from=2026-01&to=2026-12").await;
    assert!(
        page.body
            .contains(r#"href="/costs.xlsx?from=2026-01&amp;to=2026-12&amp;audit=""#),
        "{}",
        page.body
    );
    let answer = get(&f, &finance, "/costs.xlsx?from=2026-01&to=2026-12").await;
    assert_eq!(answer.status, StatusCode::OK);
    assert!(
        answer.headers[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .contains("rma-costs-2026-01-to-2026-12.xlsx")
    );
    let book = read_workbook(&answer.bytes);
    let names: Vec<&str> = book.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(names, ["Lines", "Totals by payer", "Totals by liability"]);
    // The header row frozen, an autofilter over the lines, each column's width set.
    let mut zipped = zip::ZipArchive::new(std::io::Cursor::new(answer.bytes.clone())).unwrap();
    let mut sheet = String::new();
    std::io::Read::read_to_string(
        &mut zipped.by_name("xl/worksheets/sheet1.xml").unwrap(),
        &mut sheet,
    )
    .unwrap();
    assert!(sheet.contains(r#"state="frozen""#), "{sheet}");
    assert!(sheet.contains(r#"<autoFilter ref="A1:M2"/>"#), "{sheet}");
    assert!(
        sheet.contains(r#"<col min="1" max="1" width="20."#) && sheet.contains(r#"max="13""#),
        "every column as wide as its text: {sheet}"
    );
    let lines = &book[0].1;
    assert_eq!(lines[0][0], Data::String("Recorded at".into()));
    assert_eq!(lines.len(), 2, "{lines:?}");
    let line = &lines[1];
    assert!(
        matches!(line[0], Data::DateTime(_)),
        "a date: {:?}",
        line[0]
    );
    assert_eq!(
        line[1],
        Data::String("WH1-2026-00001".into()),
        "a number as text"
    );
    assert_eq!(line[5], Data::Float(150.0), "an amount as a number");
    assert_eq!(line[6], Data::String("CNY".into()));
    let payer = &book[1].1;
    assert_eq!(payer[1][0], Data::String("the company".into()));
    assert_eq!(payer[1][2], Data::Float(150.0));
    let mut formulas: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(answer.bytes.clone())).unwrap();
    let formula =
        calamine::Reader::worksheet_formula(&mut formulas, "Totals by liability").unwrap();
    let total = formula.get_value((1, 2)).unwrap();
    assert!(
        total.starts_with("SUMIFS('Lines'!$F$2:$F$2"),
        "totals are formulas over the lines: {total}"
    );

    // In Chinese for a person who reads it; the analysis's figures are numbers.
    let chinese = send(
        &f,
        Request::get("/analysis.xlsx?month=2026-03")
            .header(header::COOKIE, &finance)
            .header(header::ACCEPT_LANGUAGE, "zh-CN")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(chinese.status, StatusCode::OK);
    let book = read_workbook(&chinese.bytes);
    let (name, models) = &book[1];
    assert_eq!(name, "各型号退货");
    assert_eq!(models[0][0], Data::String("型号".into()));
    assert!(
        models.contains(&vec![
            Data::String("X200".into()),
            Data::Float(2.0),
            Data::Float(2.0)
        ]),
        "{models:?}"
    );
    let summary = &book[0].1;
    assert!(
        summary
            .iter()
            .any(|row| row[0] == Data::String("平均小时数".into()) && row[3] == Data::Float(96.0)),
        "{summary:?}"
    );
}

#[tokio::test]
async fn the_sites_page_shows_each_site_and_whether_it_is_late() {
    let f = fixture();
    let cookie = session(&f, "sam", "sales pass 1").await;
    let page = get(&f, &cookie, "/sites").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(r#"data-site="WH1""#));
    // What each holds: WH1 its own work, WH2 (the test's repair centre) every ticket.
    let holds = |site: &str| {
        let row = page
            .body
            .split(&format!(r#"data-site="{site}""#))
            .nth(1)
            .unwrap();
        let cell = row.split(r#"<td class="holds">"#).nth(1).unwrap();
        cell.split("</td>").next().unwrap().to_owned()
    };
    assert_eq!(holds("WH1"), "own work");
    assert_eq!(holds("WH2"), "all");
    // WH1 pushed but never pulled: it has never finished a sync.
    assert!(
        page.body.contains("never") && page.body.contains("overdue"),
        "{}",
        page.body
    );
}

#[tokio::test]
async fn a_long_cost_ledger_comes_in_pages_with_totals_over_all_lines() {
    let f = fixture();
    let wh1 = SiteCode::parse("WH1").unwrap();
    let steps = (0..201).map(|i| cost("1", &format!("bulk {i}"))).collect();
    let mut doc = ticket(5, 2, "X200", "power supply", steps);
    let push = sync::outgoing(&mut doc, &Heads::default()).unwrap();
    f.state
        .store
        .push(&wh1, &PushRequest { docs: vec![push] })
        .unwrap();
    let cookie = session(&f, "fiona", "finance pass").await;
    let first = get(&f, &cookie, "/costs?from=2026-01&to=2026-12").await;
    assert!(first.body.contains("202 cost lines"));
    assert!(first.body.contains("Page 1 of 2"));
    // 201 x 1 CNY + 150 CNY, all paid by the company.
    assert!(first.body.contains("351.00 CNY"), "totals cover every line");
    let second = get(&f, &cookie, "/costs?from=2026-01&to=2026-12&page=2").await;
    let rows = |body: &str| body.matches("<td class=\"num\">").count();
    assert_eq!(
        rows(&first.body) - rows(&second.body),
        198,
        "200 lines, then 2"
    );
    let csv = get(&f, &cookie, "/costs.csv?from=2026-01&to=2026-12").await;
    assert_eq!(csv.body.lines().count(), 203, "the CSV has every line");
}

#[tokio::test]
async fn a_push_brings_the_kept_analysis_and_ledger_up_to_date_without_working_them_out_again() {
    let f = fixture();
    let finance = session(&f, "fiona", "finance pass").await;
    let page = get(&f, &finance, "/analysis?month=2026-03").await;
    assert!(page.body.contains("3 tickets, 3 units"), "{}", page.body);
    let ledger = get(&f, &finance, "/costs?from=2026-01&to=2026-12").await;
    assert!(
        ledger.body.contains("1 cost line recorded"),
        "{}",
        ledger.body
    );
    let kept = f.state.store.kept();
    let worked_out = (
        kept.facts.worked_out(),
        kept.analysis.worked_out(),
        kept.costs.worked_out(),
    );

    // A site pushes a new ticket of March with a cost line.
    let mut doc = ticket(7, 4, "X200", "display", vec![cost("25", "cable")]);
    let push = sync::outgoing(&mut doc, &Heads::default()).unwrap();
    f.state
        .store
        .push(
            &SiteCode::parse("WH1").unwrap(),
            &PushRequest { docs: vec![push] },
        )
        .unwrap();
    let page = get(&f, &finance, "/analysis?month=2026-03").await;
    assert!(page.body.contains("4 tickets, 4 units"), "{}", page.body);
    let ledger = get(&f, &finance, "/costs?from=2026-01&to=2026-12").await;
    assert!(
        ledger.body.contains("2 cost lines recorded"),
        "{}",
        ledger.body
    );
    assert!(ledger.body.contains("25.00 CNY"));
    // Finance's mark on the new line, an office record, is brought in the same way.
    let event = ledger
        .body
        .split("name=\"event\" value=\"")
        .nth(2)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_owned();
    let marked = send(
        &f,
        Request::post("/costs/audit")
            .header(header::COOKIE, &finance)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(format!(
                "ticket=WH1-2026-00007&event={event}&verdict=queried&note=which+cable"
            )))
            .unwrap(),
    )
    .await;
    assert_eq!(marked.status, StatusCode::SEE_OTHER, "{}", marked.body);
    let ledger = get(&f, &finance, "/costs?from=2026-01&to=2026-12").await;
    assert!(ledger.body.contains("which cable"), "{}", ledger.body);
    assert_eq!(
        (
            kept.facts.worked_out(),
            kept.analysis.worked_out(),
            kept.costs.worked_out()
        ),
        worked_out,
        "the kept answers were brought up to date, not worked out again"
    );
    // ... and hold exactly what working them out again gives, in the same order.
    let store = &f.state.store;
    let (from, to) = (
        rma_shared::analysis::Month::parse("2026-01").unwrap(),
        rma_shared::analysis::Month::parse("2026-12").unwrap(),
    );
    let lines = kept
        .costs
        .get(
            store,
            (from, to),
            || -> Result<_, crate::store::ServerStoreError> { unreachable!("kept") },
        )
        .unwrap();
    assert_eq!(*lines, store.cost_lines(from, to).unwrap());
    let march = rma_shared::analysis::Month::parse("2026-03").unwrap();
    let facts = kept
        .facts
        .get(
            store,
            march,
            || -> Result<_, crate::store::ServerStoreError> { unreachable!("kept") },
        )
        .unwrap();
    let mut facts = facts.as_ref().clone();
    let mut again = store.month_facts(march).unwrap();
    facts.sort_by_key(|f| f.number.to_string());
    again.sort_by_key(|f| f.number.to_string());
    assert_eq!(facts, again);
}

/// The status link the office's page of `number` shows, as a path.
async fn status_path(f: &Fixture, cookie: &str, number: &str) -> String {
    let page = send(
        f,
        Request::get(format!("/tickets/{number}"))
            .header(header::COOKIE, cookie)
            .header(header::HOST, "rma.local:8080")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    let link = page
        .body
        .split(r#"id="status-link"><a href=""#)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_else(|| panic!("no status link on {number}'s page: {}", page.body));
    assert!(link.starts_with("http://rma.local:8080/s/"), "{link}");
    link.trim_start_matches("http://rma.local:8080").to_owned()
}

async fn as_customer(f: &Fixture, path: &str, lang: &str) -> Answer {
    send(
        f,
        Request::get(path)
            .header(header::ACCEPT_LANGUAGE, lang)
            .body(Body::empty())
            .unwrap(),
    )
    .await
}

#[tokio::test]
async fn a_customers_status_page_needs_no_account_and_shows_only_their_return() {
    let f = fixture();
    let sales = session(&f, "sam", "sales pass 1").await;
    let first = status_path(&f, &sales, "WH1-2026-00001").await;
    let third = status_path(&f, &sales, "WH1-2026-00003").await;
    assert_ne!(first, third);
    assert_eq!(
        status_path(&f, &sales, "WH1-2026-00001").await,
        first,
        "one link a ticket"
    );

    let page = as_customer(&f, &first, "en").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.headers["x-robots-tag"], "noindex, nofollow");
    assert!(
        page.body
            .contains(r#"<meta name="robots" content="noindex, nofollow">"#)
    );
    assert!(
        page.body.contains("Your return WH1-2026-00001"),
        "{}",
        page.body
    );
    assert!(page.body.contains("X200 · 1 unit"), "{}", page.body);
    assert!(
        page.body.contains("Received on 2026-03-01"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("Your units were delivered."),
        "{}",
        page.body
    );
    // The page's own link holds a random token, which may hold any digits: it is not text.
    let text = without_status_links(&page.body);
    for private in [
        "150",
        "CNY",
        "bob",
        "ivy",
        "ann",
        "深圳",
        "power board",
        "WH1-2026-00003",
    ] {
        assert!(
            !text.contains(private),
            "{private} on the customer's page: {}",
            page.body
        );
    }
    let other = as_customer(&f, &third, "en").await;
    assert!(other.body.contains("WH1-2026-00003") && !other.body.contains("WH1-2026-00001"));
    assert!(
        other.body.contains("We have looked at your request"),
        "{}",
        other.body
    );
    let chinese = as_customer(&f, &first, "zh-CN,zh;q=0.9").await;
    assert!(
        chinese.body.contains("您的返修单 WH1-2026-00001"),
        "{}",
        chinese.body
    );
    assert!(chinese.body.contains(r#"lang="zh-CN""#));

    // The office sees how often it was opened, and sales gives the customer a new link.
    let office = get(&f, &sales, "/tickets/WH1-2026-00001").await;
    assert!(office.body.contains("opened 2 times"), "{}", office.body);
    let finance = session(&f, "fiona", "finance pass").await;
    let replace = |cookie: String| {
        send(
            &f,
            Request::post("/tickets/WH1-2026-00001/status-link")
                .header(header::COOKIE, cookie)
                .header(header::HOST, "rma.local:8080")
                .header(header::ORIGIN, "http://rma.local:8080")
                .body(Body::empty())
                .unwrap(),
        )
    };
    assert_eq!(replace(finance).await.status, StatusCode::FORBIDDEN);
    assert_eq!(replace(sales.clone()).await.status, StatusCode::SEE_OTHER);
    assert_eq!(
        as_customer(&f, &first, "en").await.status,
        StatusCode::NOT_FOUND
    );
    let new = status_path(&f, &sales, "WH1-2026-00001").await;
    assert_ne!(new, first);
    assert_eq!(as_customer(&f, &new, "en").await.status, StatusCode::OK);

    // Unknown links all get the same page; an address that tries many is told to wait.
    let unknown = as_customer(&f, "/s/0123456789abcdef0123456789abcdef", "en").await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(unknown.body, as_customer(&f, "/s/garbage", "en").await.body);
    let mut limited = None;
    for i in 0..20 {
        let answer = as_customer(&f, &format!("/s/{i:032x}"), "en").await;
        if answer.status == StatusCode::TOO_MANY_REQUESTS {
            limited = Some(i);
            break;
        }
    }
    assert!(limited.is_some(), "ten unknown links, then a wait");
    assert_eq!(
        as_customer(&f, &new, "en").await.status,
        StatusCode::TOO_MANY_REQUESTS,
        "the address waits, whatever it asks"
    );
}

async fn post_survey(f: &Fixture, path: &str, form: &str) -> Answer {
    send(
        f,
        Request::post(format!("{path}/survey"))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT_LANGUAGE, "en")
            .header("sec-fetch-site", "same-origin")
            .body(Body::from(form.to_owned()))
            .unwrap(),
    )
    .await
}

#[tokio::test]
async fn a_customer_answers_the_survey_once_and_it_counts_in_the_months_satisfaction() {
    let f = fixture();
    let sales = session(&f, "sam", "sales pass 1").await;
    let shipped = status_path(&f, &sales, "WH1-2026-00001").await;
    let registered = status_path(&f, &sales, "WH1-2026-00003").await;
    let page = as_customer(&f, &shipped, "en").await;
    assert!(
        page.body.contains(r#"<form id="survey" method="post""#),
        "{}",
        page.body
    );
    let none = as_customer(&f, &registered, "en").await;
    assert!(
        !none.body.contains("survey"),
        "no survey before the units go back: {}",
        none.body
    );

    let bad = post_survey(&f, &shipped, "rating=9&comment=").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(
        bad.body.contains("choose a rating from 1 to 5"),
        "{}",
        bad.body
    );
    let early = post_survey(&f, &registered, "rating=3&comment=").await;
    assert_eq!(early.status, StatusCode::CONFLICT, "{}", early.body);
    let thanks = post_survey(&f, &shipped, "rating=5&comment=fast+and+friendly").await;
    assert_eq!(thanks.status, StatusCode::OK, "{}", thanks.body);
    assert!(thanks.body.contains("Thank you"), "{}", thanks.body);
    let again = post_survey(&f, &shipped, "rating=1&comment=").await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(
        again.body.contains("answered the survey already"),
        "{}",
        again.body
    );
    let page = as_customer(&f, &shipped, "en").await;
    assert!(
        page.body.contains(r#"id="survey-answered""#),
        "{}",
        page.body
    );

    // The office's record in the ticket (it reaches the sites with their next sync) ...
    let (_, doc) = f
        .state
        .store
        .tickets()
        .read(&TicketNumber::parse("WH1-2026-00001").unwrap())
        .unwrap()
        .unwrap();
    let answered: Vec<Event> = doc
        .events()
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| matches!(e.kind, EventKind::SurveyAnswered { .. }))
        .collect();
    assert_eq!(answered.len(), 1);
    assert_eq!(answered[0].site.as_str(), crate::store::OFFICE_SITE);
    assert_eq!(answered[0].by, "customer");
    // ... and in the month's satisfaction, with its comment among the feedback.
    let analysis = get(&f, &sales, "/analysis?month=2026-03").await;
    assert!(
        analysis.body.contains("average 5.0 of 5 over 1 answer"),
        "{}",
        analysis.body
    );
    assert!(analysis.body.contains("fast and friendly"));
}

#[tokio::test]
async fn pages_carry_protective_headers_and_no_inline_script() {
    let f = fixture();
    let cookie = session(&f, "fiona", "finance pass").await;
    for uri in ["/", "/login", "/sites"] {
        let page = get(&f, &cookie, uri).await;
        let csp = page.headers[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap();
        assert!(
            csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"),
            "{uri}: {csp}"
        );
        assert!(!csp.contains("unsafe-inline"), "{uri}: {csp}");
        assert_eq!(page.headers[header::X_FRAME_OPTIONS], "DENY", "{uri}");
        assert_eq!(
            page.headers[header::REFERRER_POLICY],
            "same-origin",
            "{uri}"
        );
        assert_eq!(page.headers[header::CACHE_CONTROL], "no-store", "{uri}");
    }
    let script = get(&f, &cookie, "/static/board.js").await;
    assert_eq!(script.status, StatusCode::OK);
    assert!(script.body.contains("location.reload()"));
    assert_eq!(script.headers[header::CACHE_CONTROL], "max-age=3600");
}

#[tokio::test]
async fn a_form_from_another_site_is_refused_and_the_same_form_from_this_one_accepted() {
    let f = fixture();
    let cookie = session(&f, "fiona", "finance pass").await;
    let log_out = |headers: &[(&str, &str)]| {
        let mut request = Request::post("/logout").header(header::COOKIE, &cookie);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.body(Body::empty()).unwrap()
    };
    for cross in [
        vec![("sec-fetch-site", "cross-site")],
        vec![("sec-fetch-site", "same-site")],
        vec![
            ("origin", "http://evil.example"),
            ("host", "rma.local:8080"),
        ],
        vec![("origin", "null"), ("host", "rma.local:8080")],
    ] {
        let answer = send(&f, log_out(&cross)).await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{cross:?}");
        assert!(answer.body.contains("another site"));
        assert_eq!(
            get(&f, &cookie, "/sites").await.status,
            StatusCode::OK,
            "{cross:?}: the session holds"
        );
    }
    let same = [
        ("origin", "http://rma.local:8080"),
        ("host", "rma.local:8080"),
    ];
    let answer = send(&f, log_out(&same)).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    assert_eq!(
        get(&f, &cookie, "/sites").await.status,
        StatusCode::SEE_OTHER,
        "logged out: back to the login page"
    );
    // A login from another site's page is refused too, before any password is checked.
    let login = Request::post("/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header("sec-fetch-site", "cross-site")
        .body(Body::from("name=fiona&password=finance+pass"))
        .unwrap();
    assert_eq!(send(&f, login).await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_archive_forms_from_another_site_are_refused_and_change_nothing() {
    let f = fixture();
    let cookie = session(&f, "fiona", "finance pass").await;
    let post = |uri: &str, body: &str, origin: &str| {
        Request::post(uri)
            .header(header::COOKIE, &cookie)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header("origin", origin)
            .header("host", "rma.local:8080")
            .body(Body::from(body.to_owned()))
            .unwrap()
    };
    let apply = "tickets=WH1-2026-00001&reason=claim&from=2026-01-01&until=2026-01-02";
    for (uri, body) in [
        ("/archive/apply", apply),
        ("/archive/applications/1", "decision=approve&note="),
        ("/archive/dispose", "ticket=WH1-2026-00001&step=propose"),
    ] {
        let answer = send(&f, post(uri, body, "http://evil.example")).await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{uri}");
        assert!(answer.body.contains("another site"), "{uri}");
    }
    assert!(f.state.store.applications().unwrap().is_empty());
    assert!(f.state.store.proposals().unwrap().is_empty());
    // The same application from the page's own origin is filed.
    let answer = send(&f, post("/archive/apply", apply, "http://rma.local:8080")).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(f.state.store.applications().unwrap().len(), 1);
}

#[tokio::test]
async fn too_many_wrong_passwords_for_one_name_must_wait() {
    let f = fixture();
    let mut statuses = Vec::new();
    for _ in 0..30 {
        statuses.push(log_in(&f, "fiona", "not her password").await.status);
    }
    let limited = statuses
        .iter()
        .position(|s| *s == StatusCode::TOO_MANY_REQUESTS)
        .expect("30 wrong passwords are limited");
    assert_eq!(limited, crate::users::PER_NAME, "{statuses:?}");
    let answer = log_in(&f, "fiona", "finance pass").await;
    assert_eq!(
        answer.status,
        StatusCode::TOO_MANY_REQUESTS,
        "not even the right password, until the window passes"
    );
    let retry: u64 = answer.headers[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry > 0 && retry <= crate::users::WINDOW.as_secs());
    assert!(answer.body.contains("Too many wrong passwords"));
    // Another person signs in meanwhile.
    assert_eq!(
        log_in(&f, "sam", "sales pass 1").await.status,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn a_huge_sign_in_body_is_refused_at_once() {
    let f = fixture();
    let huge = format!("name=fiona&password={}", "x".repeat(20 * 1024 * 1024));
    let started = std::time::Instant::now();
    let answer = send(
        &f,
        Request::post("/login")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(huge))
            .unwrap(),
    )
    .await;
    assert_eq!(answer.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(started.elapsed().as_secs() < 2, "no password was checked");
}

/// The words of the visible text of a page that are English: what is left once markup,
/// commands (`<code>`), codes with digits, option names and the people's own data are taken
/// out. Empty means the page speaks the catalogue's language only.
fn english_on_page(html: &str, data: &[&str]) -> Vec<String> {
    // Scripts and commands are not interface words.
    let cut = |text: &str, open: &str, close: &str| {
        let mut kept = String::new();
        let mut rest = text;
        while let Some(start) = rest.find(open) {
            kept.push_str(&rest[..start]);
            rest = rest[start..]
                .find(close)
                .map_or("", |end| &rest[start + end + close.len()..]);
        }
        kept.push_str(rest);
        kept
    };
    let rest = cut(&cut(html, "<script", "</script>"), "<code>", "</code>");
    // Tags out; attribute values people read (titles, labels, placeholders) are checked too.
    let mut visible = String::new();
    let mut in_tag = false;
    for c in rest.chars() {
        match c {
            '<' => {
                in_tag = true;
                visible.push(' ');
            }
            '>' => in_tag = false,
            c if !in_tag => visible.push(c),
            _ => {}
        }
    }
    for attribute in ["aria-label=\"", "placeholder=\"", "title=\""] {
        for (i, _) in rest.match_indices(attribute) {
            let value = &rest[i + attribute.len()..];
            visible.push(' ');
            visible.push_str(&value[..value.find('"').unwrap_or(0)]);
        }
    }
    // Names the pages show as they are: the other language's own name, a file format, a clock.
    let names = "English CSV UTC";
    rma_shared::testing::english_words(&visible, &[data, &[names]].concat())
}

#[tokio::test]
async fn every_page_and_refusal_in_chinese_has_no_english_interface_word_left() {
    let f = fixture();
    // What people typed stays as they typed it: names, faults, notes, carriers.
    let data = [
        "no power",
        "fixed",
        "ok",
        "courier",
        "SF",
        "power board",
        "thanks",
        "Late",
        "display",
        "Power supply",
        "ann bob ivy fiona sam",
        "CNY",
        // A product's name, as Chinese speakers write it too.
        "Excel",
        // The customer's status link, an address.
        "http localhost",
        "x",
        // What this test types into the pages' fields.
        "nonsense garbage bad March",
        // What the audit log records: pages, people, the client's address.
        "login costs audit unknown hana from to archive disposal",
    ];
    // The company's time zone is named as IANA writes it (Asia/Shanghai, Etc/UTC).
    let zone = rma_shared::calendar::company()
        .zone_name()
        .replace('/', " ");
    let data: Vec<&str> = data.iter().copied().chain([zone.as_str()]).collect();
    let data = data.as_slice();
    let chinese = |uri: &str, cookie: &str| {
        Request::get(uri)
            .header(header::COOKIE, cookie)
            .header(header::ACCEPT_LANGUAGE, "zh-CN,zh;q=0.9,en;q=0.5")
            .body(Body::empty())
            .unwrap()
    };
    let finance = session(&f, "fiona", "finance pass").await;
    let sales = session(&f, "sam", "sales pass 1").await;
    let mut pages = vec![("/login", String::new())];
    for uri in [
        "/",
        "/?overdue=on",
        "/?status=nonsense&site=!!&area=..bad",
        "/?q=garbage",
        "/?q=WH1-2026-00099",
        "/tickets/WH1-2026-00001",
        "/tickets/WH1-2026-00002",
        "/tickets/WH1-2026-00003",
        "/tickets/WH1-2026-00099",
        "/tickets/garbage",
        "/c/nonsense",
        "/analysis?month=2026-03",
        "/analysis?month=2026-01",
        "/analysis?month=March",
        "/costs?from=2026-01&to=2026-12",
        "/costs?from=2026-12&to=2026-01",
        "/sites",
        "/archive",
        "/archive?model=X200&registered_from=garbage",
        "/archive/applications",
        "/archive/disposal",
    ] {
        pages.push((uri, finance.clone()));
    }
    pages.push(("/costs", sales.clone()));
    pages.push(("/audit", sales.clone()));
    f.state
        .store
        .people()
        .add("hana", Role::Head, "head pass 1", Utc::now())
        .unwrap();
    let head = session(&f, "hana", "head pass 1").await;
    pages.push(("/audit", head.clone()));
    pages.push(("/audit?what=refused&who=sam", head.clone()));
    pages.push(("/archive/applications", head.clone()));
    pages.push(("/archive/disposal", head.clone()));
    for (uri, cookie) in pages {
        let page = send(&f, chinese(uri, &cookie)).await;
        assert!(page.body.contains("lang=\"zh-CN\""), "{uri}: {}", page.body);
        let english = english_on_page(&page.body, data);
        assert!(
            english.is_empty(),
            "{uri} still says {english:?}:\n{}",
            page.body
        );
    }
    for uri in [
        "/analysis.csv?month=2026-03",
        "/costs.csv?from=2026-01&to=2026-12",
    ] {
        let csv = send(&f, chinese(uri, &finance)).await;
        let english = english_on_page(&csv.body, data);
        assert!(
            english.is_empty(),
            "{uri} still says {english:?}:\n{}",
            csv.body
        );
    }
    // A wrong password, said in Chinese.
    let wrong = send(
        &f,
        Request::post("/login")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT_LANGUAGE, "zh-CN")
            .body(Body::from("name=fiona&password=nope&next=%2F"))
            .unwrap(),
    )
    .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(
        english_on_page(&wrong.body, data).is_empty(),
        "{}",
        wrong.body
    );

    // Every refusal of the regulation.
    use rma_shared::i18n::{Lang, Localized};
    use rma_shared::workflow::{Bad, Refusal, Step};
    use rma_shared::{EventId, UnitState};
    let ticket = TicketNumber::new(SiteCode::parse("WH1").unwrap(), 2026, 1);
    let unit = ticket.unit(1);
    let state = UnitState::Failed;
    let refusals = [
        Refusal::AlreadyRegistered,
        Refusal::NotRegistered,
        Refusal::Archived,
        Refusal::Cancelled {
            reason: "重复".into(),
        },
        Refusal::Closed,
        Refusal::OnHold {
            reason: "等客户".into(),
        },
        Refusal::AlreadyHeld,
        Refusal::NotHeld,
        Refusal::AlreadyForwarded,
        Refusal::AlreadyAssessed {
            on: NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(),
        },
        Refusal::NotAssessed {
            step: Step::Receive,
        },
        Refusal::NotAssessed { step: Step::Assign },
        Refusal::NotAssessed { step: Step::Parts },
        Refusal::ComplexNeedsPlan,
        Refusal::AlreadyReceived,
        Refusal::UnitNotOfTicket {
            unit: unit.clone(),
            ticket: ticket.clone(),
        },
        Refusal::UnknownUnit { unit: unit.clone() },
        Refusal::CannotMove {
            unit: unit.clone(),
            state,
        },
        Refusal::CannotAssign {
            unit: unit.clone(),
            state,
        },
        Refusal::NotAssigned {
            unit: unit.clone(),
            state,
        },
        Refusal::CannotRepair {
            unit: unit.clone(),
            state,
        },
        Refusal::NotRepaired {
            unit: unit.clone(),
            state,
        },
        Refusal::NotPassed {
            unit: unit.clone(),
            state,
        },
        Refusal::NotPacked {
            unit: unit.clone(),
            state,
        },
        Refusal::NoShipNotice,
        Refusal::NoUnits,
        Refusal::NotShipped,
        Refusal::AlreadyConfirmed,
        Refusal::NotConfirmed,
        Refusal::NotClosed,
        Refusal::AlreadyShipped,
        Refusal::UnknownConflict {
            event: EventId::random(),
        },
        Refusal::BadRecord(Bad::EmptyField),
        Refusal::BadRecord(Bad::NoUnits),
        Refusal::BadRecord(Bad::Assignment),
        Refusal::BadRecord(Bad::NoParts),
        Refusal::BadRecord(Bad::NoInspector),
        Refusal::BadRecord(Bad::PackNothing),
        Refusal::BadRecord(Bad::NoCarrier),
        Refusal::BadRecord(Bad::Satisfaction),
        Refusal::BadRecord(Bad::ZeroCost),
        Refusal::BadRecord(Bad::NotALabel {
            code: "U:WH1-2026-00002-1".into(),
            ticket: ticket.clone(),
        }),
    ];
    for refusal in &refusals {
        let zh = refusal.message(Lang::ZhCn);
        let en = refusal.message(Lang::En);
        assert_ne!(zh, en, "{}", refusal.code());
        // Commands stay as they are typed (between backticks).
        let english = rma_shared::testing::english_words(&zh, &[]);
        assert!(
            english.is_empty(),
            "{}: {zh} says {english:?}",
            refusal.code()
        );
    }
}

#[tokio::test]
async fn the_language_follows_the_switch_then_the_account_then_the_browser() {
    let f = fixture();
    let cookie = session(&f, "fiona", "finance pass").await;
    // The browser asks for Chinese: the pages speak it.
    let board = send(
        &f,
        Request::get("/")
            .header(header::COOKIE, &cookie)
            .header(header::ACCEPT_LANGUAGE, "zh-CN,zh;q=0.9")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert!(board.body.contains("<h1>看板</h1>"), "{}", board.body);
    // The switch, pressed on the sites page: English from now on, kept with the account.
    let switched = send(
        &f,
        Request::post("/language")
            .header(header::COOKIE, &cookie)
            .header(header::REFERER, "http://127.0.0.1:8080/sites")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from("lang=en"))
            .unwrap(),
    )
    .await;
    assert_eq!(switched.status, StatusCode::SEE_OTHER);
    assert_eq!(switched.headers[header::LOCATION], "/sites");
    let lang_cookie = switched.headers[header::SET_COOKIE].to_str().unwrap();
    assert!(lang_cookie.starts_with("rma_lang=en"), "{lang_cookie}");
    let with_cookie = send(
        &f,
        Request::get("/")
            .header(header::COOKIE, format!("{cookie}; rma_lang=en"))
            .header(header::ACCEPT_LANGUAGE, "zh-CN")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert!(with_cookie.body.contains("<h1>Board</h1>"));
    // On another browser (no cookie, a Chinese browser) the account's choice holds.
    let elsewhere = send(
        &f,
        Request::get("/")
            .header(header::COOKIE, &cookie)
            .header(header::ACCEPT_LANGUAGE, "zh-CN")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert!(
        elsewhere.body.contains("<h1>Board</h1>"),
        "{}",
        elsewhere.body
    );
    // Someone without a choice and a browser asking for nothing we speak: the server's default.
    let login = send(
        &f,
        Request::get("/login")
            .header(header::ACCEPT_LANGUAGE, "fr")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert!(login.body.contains("lang=\"en\""));
    // Every page carries the switch.
    assert!(login.body.contains(r#"action="/language""#));
    assert!(board.body.contains(r#"action="/language""#));
}

/// The rows of the audit page's table (the filters above it name every kind).
fn audit_rows(html: &str) -> &str {
    html.split_once("id=\"audit\"")
        .map_or("", |(_, table)| table)
}

#[tokio::test]
async fn the_audit_log_keeps_sign_ins_refusals_downloads_archive_reads_and_changes() {
    use crate::store::audit::{AuditFilter, AuditKind};
    let f = fixture();
    let now = Utc::now();
    let people = f.state.store.people();
    people.add("hana", Role::Head, "head pass 1", now).unwrap();
    people
        .add("adam", Role::Admin, "admin pass 1", now)
        .unwrap();
    // An archived ticket (cancelled, then filed).
    let mut archived = ticket(
        20,
        5,
        "X200",
        "power supply",
        vec![
            EventKind::Cancelled {
                reason: "customer withdrew".into(),
            },
            EventKind::Archived {
                keeper: "kim".into(),
                retain_until: NaiveDate::from_ymd_opt(2036, 3, 5).unwrap(),
                covers: Vec::new(),
            },
        ],
    );
    let push = sync::outgoing(&mut archived, &Heads::default()).unwrap();
    let wh1 = SiteCode::parse("WH1").unwrap();
    f.state
        .store
        .push(&wh1, &PushRequest { docs: vec![push] })
        .unwrap();

    assert_eq!(
        log_in(&f, "fiona", "not her password").await.status,
        StatusCode::UNAUTHORIZED
    );
    let sam = session(&f, "sam", "sales pass 1").await;
    assert_eq!(get(&f, &sam, "/costs").await.status, StatusCode::FORBIDDEN);
    assert_eq!(get(&f, &sam, "/audit").await.status, StatusCode::FORBIDDEN);
    // Archived: read only with a grant (regulation 8.3); the attempt is logged.
    assert_eq!(
        get(&f, &sam, "/tickets/WH1-2026-00020").await.status,
        StatusCode::FORBIDDEN
    );
    let fiona = session(&f, "fiona", "finance pass").await;
    let csv = get(&f, &fiona, "/costs.csv?from=2026-01&to=2026-12").await;
    assert_eq!(csv.status, StatusCode::OK);
    crate::admin::run(
        &f.state.store,
        crate::admin::AdminRequest::UserRemove { name: "sam".into() },
    )
    .unwrap();

    let hana = session(&f, "hana", "head pass 1").await;
    let page = get(&f, &hana, "/audit").await;
    assert_eq!(page.status, StatusCode::OK);
    let rows = audit_rows(&page.body);
    for expected in [
        "sign-in refused",
        "/costs",
        "/audit",
        "/tickets/WH1-2026-00020",
        "download",
        "/costs.csv?from=2026-01&amp;to=2026-12",
        "person removed",
        "admin",
    ] {
        assert!(rows.contains(expected), "{expected} in the log:\n{rows}");
    }
    let refused = get(&f, &hana, "/audit?what=refused").await;
    let rows = audit_rows(&refused.body);
    assert!(
        rows.contains("/costs") && !rows.contains("download") && !rows.contains("fiona"),
        "{rows}"
    );
    let fionas = get(&f, &hana, "/audit?who=fiona").await;
    let rows = audit_rows(&fionas.body);
    assert!(rows.contains("fiona") && !rows.contains("sam"), "{rows}");

    // The head reads it; only the administrator exports it, and the export is logged too.
    assert_eq!(
        get(&f, &hana, "/audit.csv").await.status,
        StatusCode::FORBIDDEN
    );
    let adam = session(&f, "adam", "admin pass 1").await;
    let export = get(&f, &adam, "/audit.csv").await;
    assert_eq!(export.status, StatusCode::OK);
    for expected in [
        "sign_in_refused",
        "refused,/tickets/WH1-2026-00020",
        "user_removed",
        "sign_in,/login",
    ] {
        assert!(
            export.body.contains(expected),
            "{expected} in the export:\n{}",
            export.body
        );
    }
    let (downloads, _) = f
        .state
        .store
        .audit_log(&AuditFilter {
            what: Some(AuditKind::Download),
            ..AuditFilter::default()
        })
        .unwrap();
    assert!(
        downloads
            .iter()
            .any(|e| e.who == "adam" && e.subject.starts_with("/audit.csv"))
    );
    // Never through the API: the head's own session is refused there, and it is logged.
    let api = send(
        &f,
        Request::get("/api/v1/tickets/WH1-2026-00020")
            .header(header::COOKIE, &hana)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(api.status, StatusCode::FORBIDDEN);
    assert!(api.body.contains("in the archive"), "{}", api.body);
    let (refusals, _) = f
        .state
        .store
        .audit_log(&AuditFilter {
            what: Some(AuditKind::Refused),
            ..AuditFilter::default()
        })
        .unwrap();
    assert!(
        refusals
            .iter()
            .any(|e| e.who == "hana" && e.subject == "WH1-2026-00020 (api)"),
        "{refusals:?}"
    );
    let (before, _) = f
        .state
        .store
        .audit_log(&AuditFilter {
            to: Some(NaiveDate::from_ymd_opt(2020, 1, 1).unwrap()),
            ..AuditFilter::default()
        })
        .unwrap();
    assert!(before.is_empty(), "nothing before it began");
}

/// `html` with the tokens of status links (`/s/TOKEN`) left out.
fn without_status_links(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(at) = rest.find("/s/") {
        out.push_str(&rest[..at + 3]);
        rest = rest[at + 3..].trim_start_matches(|c: char| c.is_ascii_hexdigit());
    }
    out.push_str(rest);
    out
}
