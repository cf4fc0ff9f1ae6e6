//! Handler tests, in-process: authentication, bad bodies, a push and pull round trip, and the
//! read API.

use axum::body::Body;
use axum::http::Request;
use http_body_util::BodyExt;
use rma_shared::TicketDoc;
use rma_shared::sync::{Heads, PullResponse, PushDoc, PushResponse, PushResult};
use tower::ServiceExt;

use tokio::sync::Mutex;

use super::*;
use crate::app::{admin_router, router};
use crate::settings::Settings;
use crate::store::ServerStore;

struct Fixture {
    _dir: tempfile::TempDir,
    state: Arc<AppState>,
    token: String,
    other: String,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let store = ServerStore::open(dir.path()).unwrap();
    let (token, other) = crate::test_support::enrol(&store);
    let state = Arc::new(AppState {
        store,
        settings: Settings::default(),
        admin_token: "admin".into(),
        admin_lock: Mutex::new(()),
        logins: Default::default(),
        status_limits: Default::default(),
        uploads: Default::default(),
    });
    Fixture {
        _dir: dir,
        state,
        token,
        other,
    }
}

fn ticket(seq: u32) -> TicketDoc {
    let site = SiteCode::parse("WH1").unwrap();
    rma_shared::testing::ticket(&site, seq, &crate::test_support::wh1_actor(), Utc::now())
}

async fn send(state: &Arc<AppState>, request: Request<Body>) -> (StatusCode, Vec<u8>) {
    answer(router(state.clone()), request).await
}

async fn answer(app: axum::Router, request: Request<Body>) -> (StatusCode, Vec<u8>) {
    let response = app.oneshot(request).await.unwrap();
    let status = response.status();
    let body = response
        .into_body()
        .collect()
        .await
        .unwrap()
        .to_bytes()
        .to_vec();
    (status, body)
}

fn push_request(token: &str, site: &str, content_type: &str, body: Vec<u8>) -> Request<Body> {
    Request::post(format!("/api/v1/sync/{site}/push"))
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", content_type)
        .body(Body::from(body))
        .unwrap()
}

fn get(token: Option<&str>, uri: &str) -> Request<Body> {
    let mut request = Request::get(uri);
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    request.body(Body::empty()).unwrap()
}

/// Signs a person in; the session token reads the office API (as the pages' cookie does).
fn person(f: &Fixture, name: &str, role: crate::users::Role) -> String {
    let people = f.state.store.people();
    people.add(name, role, "pass word 42", Utc::now()).unwrap();
    let (token, _) = people
        .log_in(name, "pass word 42", Utc::now())
        .unwrap()
        .expect("signed in");
    token
}

fn message(body: &[u8]) -> String {
    let value: serde_json::Value = serde_json::from_slice(body).unwrap();
    value["message"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_push_is_pulled_back_and_readable_through_the_api() {
    let f = fixture();
    let mut doc = ticket(1);
    let push = sync::outgoing(&mut doc, &Heads::default()).unwrap();
    let body = sync::encode(&PushRequest { docs: vec![push] });
    let (status, answer) = send(
        &f.state,
        push_request(&f.token, "WH1", sync::CONTENT_TYPE, body),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let answer: PushResponse = sync::decode(&answer).unwrap();
    assert_eq!(
        answer.results,
        vec![PushResult::Accepted {
            id: doc.id(),
            heads: Heads::of(&mut doc),
            archived: false,
        }]
    );

    let (status, page) = send(
        &f.state,
        get(Some(&f.other), "/api/v1/sync/WH2/pull?cursor=0"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    // Not asked for summaries (an agent of an earlier version): the page as it always was.
    let page = sync::decode_pull(&page).unwrap();
    assert_eq!(page.entries.len(), 1);
    assert_eq!(page.cursor, 1);
    assert!(!page.more);
    assert_eq!(page.summaries, None);
    let (status, summarised) = send(
        &f.state,
        get(
            Some(&f.other),
            &format!("/api/v1/sync/WH2/pull?cursor=0&{}", sync::PULL_SUMMARIES),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let summarised: PullResponse = sync::decode(&summarised).unwrap();
    assert_eq!(summarised.entries, page.entries);
    let summaries = summarised.summaries.unwrap();
    assert_eq!(summaries.rules, sync::SUMMARY_RULES);
    let summary: rma_shared::TicketSummary = serde_json::from_slice(&summaries.each[0]).unwrap();
    assert_eq!(summary, rma_shared::TicketSummary::build(&doc).unwrap());
    // The pushing site is not sent back what it pushed, but its cursor moves on.
    let (_, own) = send(
        &f.state,
        get(Some(&f.token), "/api/v1/sync/WH1/pull?cursor=0"),
    )
    .await;
    let own = sync::decode_pull(&own).unwrap();
    assert!(own.entries.is_empty());
    assert_eq!(own.cursor, 1);
    // Nothing new: an empty, small answer.
    let (_, empty) = send(
        &f.state,
        get(Some(&f.other), "/api/v1/sync/WH2/pull?cursor=1"),
    )
    .await;
    // (the page carries the 32-byte digest of the server's tickets)
    assert!(empty.len() < 64, "{} bytes", empty.len());

    let head = person(&f, "hana", crate::users::Role::Head);
    let (status, list) = send(
        &f.state,
        get(Some(&head), "/api/v1/tickets?status=registered"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let list: serde_json::Value = serde_json::from_slice(&list).unwrap();
    assert_eq!(list["tickets"][0]["number"], "WH1-2026-00001");
    let (status, view) = send(&f.state, get(Some(&head), "/api/v1/tickets/WH1-2026-00001")).await;
    assert_eq!(status, StatusCode::OK);
    let view: serde_json::Value = serde_json::from_slice(&view).unwrap();
    assert_eq!(view["status"], "registered");
    assert_eq!(view["events"].as_array().unwrap().len(), 1);
    let (status, _) = send(&f.state, get(Some(&head), "/api/v1/tickets/WH1-2026-00009")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_office_api_answers_people_by_role_and_never_a_site_token() {
    let f = fixture();
    let mut doc = ticket(1);
    let event =
        |kind| rma_shared::Event::new(kind, SiteCode::parse("WH1").unwrap(), "ann", Utc::now());
    let line = rma_shared::event::CostLine {
        kind: rma_shared::event::CostKind::Repair,
        amount: rma_shared::Money::parse(
            "35.00",
            rma_shared::money::Currency::parse("CNY").unwrap(),
        )
        .unwrap(),
        payer: rma_shared::event::Payer::Company,
        liability: rma_shared::event::Liability::QualityDefect,
        unit: None,
        note: None,
    };
    doc.record(event(rma_shared::EventKind::Cost(line)))
        .unwrap();
    let push = sync::outgoing(&mut doc, &Heads::default()).unwrap();
    let body = sync::encode(&PushRequest { docs: vec![push] });
    let (status, _) = send(
        &f.state,
        push_request(&f.token, "WH1", sync::CONTENT_TYPE, body),
    )
    .await;
    assert_eq!(status, StatusCode::OK);

    // A site's token syncs; it reads no ticket, no list, no sites.
    for path in [
        "/api/v1/tickets",
        "/api/v1/tickets/WH1-2026-00001",
        "/api/v1/sites",
    ] {
        let (status, body) = send(&f.state, get(Some(&f.token), path)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
        assert!(message(&body).contains("sync only"), "{path}");
    }
    // Finance sees the cost; sales does not, through the API as on the pages.
    let finance = person(&f, "fiona", crate::users::Role::Finance);
    let sales = person(&f, "sam", crate::users::Role::Sales);
    let (_, seen) = send(
        &f.state,
        get(Some(&finance), "/api/v1/tickets/WH1-2026-00001"),
    )
    .await;
    let seen: serde_json::Value = serde_json::from_slice(&seen).unwrap();
    assert_eq!(seen["costs"].as_array().unwrap().len(), 1, "{seen}");
    assert_eq!(seen["cost_totals"][0]["minor"], 3500);
    let (status, hidden) = send(
        &f.state,
        get(Some(&sales), "/api/v1/tickets/WH1-2026-00001"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let hidden: serde_json::Value = serde_json::from_slice(&hidden).unwrap();
    assert_eq!(hidden["costs"].as_array().unwrap().len(), 0, "{hidden}");
    assert!(hidden["cost_totals"].as_array().unwrap().is_empty());
    assert!(
        hidden["events"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["type"] != "cost"),
        "{hidden}"
    );
    // An unknown session is no one.
    let (status, _) = send(&f.state, get(Some("guess"), "/api/v1/tickets")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn tokens_are_checked_for_every_request() {
    let f = fixture();
    let (status, body) = send(&f.state, get(None, "/api/v1/sync/WH1/pull")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(message(&body).contains("site token"));
    let (status, _) = send(&f.state, get(Some("guess"), "/api/v1/sync/WH1/pull")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // WH1's token may not sync as WH2.
    let (status, body) = send(&f.state, get(Some(&f.token), "/api/v1/sync/WH2/pull")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(message(&body).contains("belongs to site WH1"));
    // Revoked: refused from the next request on, and told why (its agent lets go).
    f.state
        .store
        .revoke_site(&SiteCode::parse("WH1").unwrap(), Utc::now())
        .unwrap();
    let (status, body) = send(&f.state, get(Some(&f.token), "/api/v1/sync/WH1/pull")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let answer: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(answer["error"], sync::SITE_REVOKED);
    assert!(message(&body).contains("revoked site WH1"));
    let (status, _) = send(&f.state, get(None, "/api/v1/health")).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn bad_pushes_are_refused_and_store_nothing() {
    let f = fixture();
    let mut doc = ticket(1);
    let good = sync::encode(&PushRequest {
        docs: vec![sync::outgoing(&mut doc, &Heads::default()).unwrap()],
    });
    let cases = [
        (
            sync::CONTENT_TYPE,
            good[..good.len() / 2].to_vec(),
            StatusCode::BAD_REQUEST,
            "nothing was stored",
        ),
        (
            sync::CONTENT_TYPE,
            b"garbage".to_vec(),
            StatusCode::BAD_REQUEST,
            "damaged",
        ),
        (
            "application/json",
            good.clone(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "application/vnd.rma.sync",
        ),
    ];
    for (content_type, body, expected, text) in cases {
        let (status, answer) =
            send(&f.state, push_request(&f.token, "WH1", content_type, body)).await;
        assert_eq!(status, expected);
        assert!(message(&answer).contains(text), "{}", message(&answer));
    }
    // A ticket whose bytes are damaged is refused alone; the good one in the batch is kept.
    let mut other = ticket(2);
    let mut broken = sync::outgoing(&mut other, &Heads::default()).unwrap();
    broken.bytes.truncate(broken.bytes.len() / 2);
    let mixed = sync::encode(&PushRequest {
        docs: vec![broken, sync::outgoing(&mut doc, &Heads::default()).unwrap()],
    });
    let (status, answer) = send(
        &f.state,
        push_request(&f.token, "WH1", sync::CONTENT_TYPE, mixed),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let answer: PushResponse = sync::decode(&answer).unwrap();
    assert!(matches!(answer.results[0], PushResult::Refused { .. }));
    assert!(matches!(answer.results[1], PushResult::Accepted { .. }));
    assert_eq!(f.state.store.feed_head().unwrap(), 1);

    // Oversized bodies are refused before they are read.
    let huge = vec![0u8; f.state.settings.max_body_bytes + 1];
    let (status, _) = send(
        &f.state,
        push_request(&f.token, "WH1", sync::CONTENT_TYPE, huge),
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
}

/// How long a test watches a request that must not finish while the store is held: it
/// fails if the request finishes, and passes (having waited this long) if it does not.
const WHILE_HELD: std::time::Duration = std::time::Duration::from_millis(300);

/// A new WH2 ticket, made by WH2's test installation.
fn wh2_ticket(seq: u32) -> TicketDoc {
    let site = SiteCode::parse("WH2").unwrap();
    rma_shared::testing::ticket(
        &site,
        seq,
        &crate::test_support::actor_of("WH2"),
        Utc::now(),
    )
}

fn whole(docs: impl IntoIterator<Item = TicketDoc>) -> Vec<u8> {
    sync::encode(&PushRequest {
        docs: docs
            .into_iter()
            .map(|mut doc| sync::outgoing(&mut doc, &Heads::default()).unwrap())
            .collect(),
    })
}

/// Every ticket number on the feed, position by position.
fn feed_numbers(state: &AppState) -> Vec<String> {
    crate::store::feed::Feed::all(state.store.kv())
        .every()
        .map(|position| {
            let (_, text) = position.unwrap();
            text.split('\t').next().unwrap().to_owned()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_push_whose_client_goes_away_finishes_before_any_other_writes() {
    let f = fixture();
    let held = f.state.store.hold(crate::store::Point::BeforeCommit);
    let first = tokio::spawn({
        let state = f.state.clone();
        let body = whole((1..=5).map(ticket));
        let request = push_request(&f.token, "WH1", sync::CONTENT_TYPE, body);
        async move { send(&state, request).await }
    });
    // The push holds the feed and is about to write; then its client goes away (the request's
    // future is dropped, as when a connection drops).
    let reached = held.reached;
    tokio::task::spawn_blocking(move || reached.recv().unwrap())
        .await
        .unwrap();
    first.abort();
    assert!(first.await.unwrap_err().is_cancelled());
    // At once, another site pushes: it waits for the first to finish writing.
    let mut second = tokio::spawn({
        let state = f.state.clone();
        let body = whole((1..=3).map(wh2_ticket));
        let request = push_request(&f.other, "WH2", sync::CONTENT_TYPE, body);
        async move { send(&state, request).await }
    });
    assert!(
        tokio::time::timeout(WHILE_HELD, &mut second).await.is_err(),
        "a second push wrote while the first held the feed"
    );
    held.release.send(()).unwrap();
    let (status, _) = second.await.unwrap();
    assert_eq!(status, StatusCode::OK);

    let numbers = feed_numbers(&f.state);
    assert_eq!(numbers.len(), 8, "{numbers:?}");
    let distinct: std::collections::HashSet<_> = numbers.iter().collect();
    assert_eq!(distinct.len(), 8, "every ticket once: {numbers:?}");
    // A site that holds every ticket and holds nothing yet receives every ticket, and its
    // digest is the server's.
    let hq = SiteCode::parse("HQ").unwrap();
    f.state
        .store
        .add_site_holding(&hq, crate::store::Holds::All, Utc::now())
        .unwrap();
    let page = f
        .state
        .store
        .pull(
            &SiteCode::parse("HQ").unwrap(),
            0,
            100,
            &Default::default(),
            Utc::now(),
        )
        .unwrap();
    assert_eq!(page.entries.len(), 8);
    let received = sync::Digest::of(page.entries.iter().map(|e| (e.id, &e.heads)));
    assert_eq!(Some(received), page.digest);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pull_is_one_view_while_another_site_pushes() {
    let f = fixture();
    let (status, _) = send(
        &f.state,
        push_request(
            &f.token,
            "WH1",
            sync::CONTENT_TYPE,
            whole((1..=3).map(ticket)),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    // WH2's pull stops between reading its page and reading the digest ...
    let held = f.state.store.hold(crate::store::Point::BeforeDigest);
    let pull = tokio::spawn({
        let state = f.state.clone();
        let request = get(Some(&f.other), "/api/v1/sync/WH2/pull?cursor=0");
        async move { send(&state, request).await }
    });
    let reached = held.reached;
    tokio::task::spawn_blocking(move || reached.recv().unwrap())
        .await
        .unwrap();
    // ... while WH1 pushes more tickets: they wait for the pull's view to end.
    let mut push = tokio::spawn({
        let state = f.state.clone();
        let body = whole((4..=6).map(ticket));
        let request = push_request(&f.token, "WH1", sync::CONTENT_TYPE, body);
        async move { send(&state, request).await }
    });
    assert!(
        tokio::time::timeout(WHILE_HELD, &mut push).await.is_err(),
        "a push wrote in the middle of a pull"
    );
    held.release.send(()).unwrap();
    let (status, page) = pull.await.unwrap();
    assert_eq!(status, StatusCode::OK);
    assert_eq!(push.await.unwrap().0, StatusCode::OK);
    let page = sync::decode_pull(&page).unwrap();
    let held_by_wh2 = sync::Digest::of(page.entries.iter().map(|e| (e.id, &e.heads)));
    assert_eq!(
        page.digest,
        Some(held_by_wh2),
        "the digest describes exactly what the page brought ({} tickets)",
        page.entries.len()
    );
}

/// A DEFLATE stream (fixed Huffman codes) that inflates to `len` zero bytes, written as
/// back-references: about 13 bits per 258 bytes.
fn deflate_bomb(len: usize) -> Vec<u8> {
    struct Bits {
        out: Vec<u8>,
        acc: u64,
        n: u32,
    }
    impl Bits {
        fn raw(&mut self, value: u64, bits: u32) {
            self.acc |= value << self.n;
            self.n += bits;
            while self.n >= 8 {
                self.out.push(self.acc as u8);
                self.acc >>= 8;
                self.n -= 8;
            }
        }
        /// A Huffman code: most significant bit first.
        fn code(&mut self, code: u64, bits: u32) {
            for i in (0..bits).rev() {
                self.raw((code >> i) & 1, 1);
            }
        }
    }
    let mut bits = Bits {
        out: Vec::new(),
        acc: 0,
        n: 0,
    };
    bits.raw(1, 1); // final block
    bits.raw(1, 2); // fixed Huffman codes
    bits.code(0b0011_0000, 8); // the literal 0
    for _ in 0..(len - 1) / 258 {
        bits.code(0b1100_0101, 8); // length 258
        bits.code(0, 5); // distance 1
    }
    bits.code(0, 7); // end of block
    bits.raw(0, 7);
    bits.out
}

#[tokio::test]
async fn a_document_that_would_inflate_to_a_gigabyte_is_refused_quickly() {
    use nix::sys::resource::{UsageWho, getrusage};
    let f = fixture();
    let bomb = deflate_bomb(1 << 30);
    // A document chunk whose one (compressed) value column is the bomb.
    let mut data = vec![0, 0, 0, 1];
    let spec: u32 = (1 << 4) | 0b1000 | 7;
    for mut n in [u64::from(spec), bomb.len() as u64] {
        loop {
            let byte = (n & 0x7f) as u8;
            n >>= 7;
            if n == 0 {
                data.push(byte);
                break;
            }
            data.push(byte | 0x80);
        }
    }
    data.extend_from_slice(&bomb);
    let mut bytes = vec![0x85, 0x6f, 0x4a, 0x83, 0, 0, 0, 0, 0];
    let mut n = data.len() as u64;
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            bytes.push(byte);
            break;
        }
        bytes.push(byte | 0x80);
    }
    bytes.extend_from_slice(&data);
    let doc = ticket(1);
    let body = sync::encode(&PushRequest {
        docs: vec![PushDoc {
            id: doc.id(),
            number: doc.number().clone(),
            base: Heads::default(),
            bytes,
        }],
    });
    let peak_before = getrusage(UsageWho::RUSAGE_SELF).unwrap().max_rss();
    let started = std::time::Instant::now();
    let (status, answer) = send(
        &f.state,
        push_request(&f.token, "WH1", sync::CONTENT_TYPE, body),
    )
    .await;
    let took = started.elapsed();
    let peak_after = getrusage(UsageWho::RUSAGE_SELF).unwrap().max_rss();
    assert_eq!(status, StatusCode::OK);
    let answer: PushResponse = sync::decode(&answer).unwrap();
    match &answer.results[0] {
        PushResult::Refused { reason, .. } => {
            assert!(reason.contains("would inflate"), "{reason}")
        }
        other => panic!("{other:?}"),
    }
    assert!(took.as_secs() < 5, "took {took:?}");
    // max_rss is in KiB: the check inflated at most its cap, not the gigabyte.
    assert!(
        peak_after - peak_before < 200 * 1024,
        "peak memory grew by {} KiB",
        peak_after - peak_before
    );
    assert_eq!(f.state.store.feed_head().unwrap(), 0);
}

#[tokio::test]
async fn a_ticket_over_the_size_cap_is_refused_with_the_reason() {
    let f = fixture();
    let doc = ticket(1);
    let body = sync::encode(&PushRequest {
        docs: vec![PushDoc {
            id: doc.id(),
            number: doc.number().clone(),
            base: Heads::default(),
            bytes: vec![0; sync::MAX_TICKET_BYTES + 1],
        }],
    });
    let (status, answer) = send(
        &f.state,
        push_request(&f.token, "WH1", sync::CONTENT_TYPE, body),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let answer: PushResponse = sync::decode(&answer).unwrap();
    match &answer.results[0] {
        PushResult::Refused { reason, .. } => {
            assert!(
                reason.contains("more than the 8 MB a ticket may hold"),
                "{reason}"
            )
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn the_admin_endpoint_answers_loopback_only_and_its_secret() {
    use axum::extract::ConnectInfo;
    let f = fixture();
    let admin = |from: [u8; 4], token: &str| {
        Request::post("/local/v1/admin")
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", "application/json")
            .extension(ConnectInfo(std::net::SocketAddr::from((from, 40_000))))
            .body(Body::from(r#"{"do":"site_list"}"#))
            .unwrap()
    };
    // The right secret from another machine (a documentation address, RFC 5737, as the peer
    // the server would see; in-process, nothing is sent anywhere): refused all the same.
    let (status, body) = answer(
        admin_router(f.state.clone()),
        admin([192, 0, 2, 7], "admin"),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(message(&body).contains("own machine"));
    let (status, _) = answer(
        admin_router(f.state.clone()),
        admin([127, 0, 0, 1], "admim"),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, body) = answer(
        admin_router(f.state.clone()),
        admin([127, 0, 0, 1], "admin"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let sites: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(sites.as_array().unwrap().len(), 2);
    // Not on the public listener at all.
    let (status, _) = send(&f.state, admin([127, 0, 0, 1], "admin")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_api_describes_itself() {
    let f = fixture();
    let (status, body) = send(
        &f.state,
        Request::get("/api/v1/openapi.json")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let document: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let paths = document["paths"].as_object().unwrap();
    for path in [
        "/api/v1/health",
        "/api/v1/sync/{site}/push",
        "/api/v1/sync/{site}/pull",
        "/api/v1/sync/{site}/actor",
        "/api/v1/sync/{site}/tree",
        "/api/v1/sync/{site}/fetch",
        "/api/v1/tickets",
        "/api/v1/tickets/{number}",
        "/api/v1/sites",
    ] {
        assert!(paths.contains_key(path), "{path} is not described");
    }
    // Errors are described with their body, and the token with its scheme.
    let push = &paths["/api/v1/sync/{site}/push"]["post"]["responses"];
    assert_eq!(
        push["401"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/ErrorBody"
    );
    assert_eq!(
        document["components"]["securitySchemes"]["site_token"]["scheme"],
        "bearer"
    );
}
