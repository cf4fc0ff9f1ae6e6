//! Handler tests, in-process: authentication, bad bodies, a push and pull round trip, and the
//! read API.

use axum::body::Body;
use axum::http::Request;
use http_body_util::BodyExt;
use rma_shared::event::{CustomerRequest, EventKind};
use rma_shared::sync::{Heads, PullResponse, PushResponse, PushResult};
use rma_shared::{Event, Registration, TicketDoc, TicketId};
use tower::ServiceExt;

use super::*;

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
    TicketDoc::create(
        TicketId::random(),
        TicketNumber::new(site.clone(), 2026, seq),
        &Registration {
            customer: "Acme".into(),
            contact: None,
            model: "X200".into(),
            quantity: 1,
            fault: "dead".into(),
            request: CustomerRequest::Repair,
        },
        Event::new(EventKind::Registered, site, "ann", Utc::now()),
        crate::test_support::wh1_actor(),
    )
}

async fn send(state: &Arc<AppState>, request: Request<Body>) -> (StatusCode, Vec<u8>) {
    let response = router(state.clone()).oneshot(request).await.unwrap();
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
            heads: Heads::of(&mut doc)
        }]
    );

    let (status, page) = send(
        &f.state,
        get(Some(&f.other), "/api/v1/sync/WH2/pull?cursor=0"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let page: PullResponse = sync::decode(&page).unwrap();
    assert_eq!(page.entries.len(), 1);
    assert_eq!(page.cursor, 1);
    assert!(!page.more);
    // The pushing site is not sent back what it pushed, but its cursor moves on.
    let (_, own) = send(
        &f.state,
        get(Some(&f.token), "/api/v1/sync/WH1/pull?cursor=0"),
    )
    .await;
    let own: PullResponse = sync::decode(&own).unwrap();
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

    let (status, list) = send(
        &f.state,
        get(Some(&f.token), "/api/v1/tickets?status=registered"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let list: serde_json::Value = serde_json::from_slice(&list).unwrap();
    assert_eq!(list["tickets"][0]["number"], "WH1-2026-00001");
    let (status, view) = send(
        &f.state,
        get(Some(&f.token), "/api/v1/tickets/WH1-2026-00001"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let view: serde_json::Value = serde_json::from_slice(&view).unwrap();
    assert_eq!(view["status"], "registered");
    assert_eq!(view["events"].as_array().unwrap().len(), 1);
    let (status, _) = send(
        &f.state,
        get(Some(&f.token), "/api/v1/tickets/WH1-2026-00009"),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn tokens_are_checked_for_every_request() {
    let f = fixture();
    let (status, body) = send(&f.state, get(None, "/api/v1/tickets")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(message(&body).contains("site token"));
    let (status, _) = send(&f.state, get(Some("guess"), "/api/v1/sites")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // WH1's token may not sync as WH2.
    let (status, body) = send(&f.state, get(Some(&f.token), "/api/v1/sync/WH2/pull")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(message(&body).contains("belongs to site WH1"));
    // Revoked: refused from the next request on.
    f.state
        .store
        .revoke_site(&SiteCode::parse("WH1").unwrap(), Utc::now())
        .unwrap();
    let (status, _) = send(&f.state, get(Some(&f.token), "/api/v1/tickets")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
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
