//! How requests reach the server. HTTPS end to end: a server with a certificate from a company
//! CA made here, an agent that trusts that CA syncing through it, an agent that does not told
//! so plainly, plain HTTP to the TLS port left unanswered. Limits: a client that sends its
//! headers too slowly is cut off, requests beyond the cap get 503, a request that takes too
//! long gets 408.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use rma_tests::{Agent, Server};
use tempfile::TempDir;

/// A company CA and a certificate it signed for the server's loopback address.
struct Pki {
    dir: TempDir,
}

impl Pki {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.distinguished_name
            .push(DnType::CommonName, "Example Manufacturing Root CA");
        let ca_key = KeyPair::generate().unwrap();
        let ca_cert = ca.self_signed(&ca_key).unwrap();
        let issuer = Issuer::new(ca, ca_key);
        let mut server =
            CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()]).unwrap();
        server
            .distinguished_name
            .push(DnType::CommonName, "rma server");
        let server_key = KeyPair::generate().unwrap();
        let server_cert = server.signed_by(&server_key, &issuer).unwrap();
        std::fs::write(dir.path().join("ca.pem"), ca_cert.pem()).unwrap();
        std::fs::write(dir.path().join("cert.pem"), server_cert.pem()).unwrap();
        std::fs::write(dir.path().join("key.pem"), server_key.serialize_pem()).unwrap();
        Self { dir }
    }

    fn file(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn server_settings(&self) -> String {
        format!(
            "[tls]\ncert = {:?}\nkey = {:?}\n",
            self.file("cert.pem"),
            self.file("key.pem")
        )
    }
}

#[test]
fn an_agent_trusting_the_company_ca_syncs_over_https_and_one_that_does_not_is_told_why() {
    let pki = Pki::new();
    let server = Server::start_with_settings(&pki.server_settings());
    assert!(
        server.url.starts_with("https://127.0.0.1:"),
        "{}",
        server.url
    );
    let token = server.add_site("WH1");
    let ca = pki.file("ca.pem");
    let ca = ca.to_str().unwrap();

    // Without the CA: the certificate is the problem, and the message says what to do.
    let stranger = Agent::init("WH1");
    let err = stranger.fails(&["enroll", "--server", &server.url, "--token", &token]);
    assert!(
        err.contains("could not prove") && err.contains("--ca-cert"),
        "{err}"
    );
    assert!(!err.contains("cannot reach"), "{err}");

    // With it: enrolled, and tickets travel both ways.
    let a = Agent::init("WH1");
    a.ok(&[
        "enroll",
        "--server",
        &server.url,
        "--token",
        &token,
        "--ca-cert",
        ca,
    ]);
    let number = a.intake("Acme Shenzhen", 2);
    let report = a.json(&["sync"]);
    assert_eq!(report["pushed"], 1, "{report}");
    assert_eq!(report["verified"], true, "{report}");

    // A second site that holds every site's tickets receives it.
    let other_site = server.add_site_holding("WH2", "all");
    let b = Agent::init("WH2");
    b.ok(&[
        "enroll",
        "--server",
        &server.url,
        "--token",
        &other_site,
        "--ca-cert",
        ca,
    ]);
    let pulled = b.json(&["sync"]);
    assert_eq!(pulled["pulled"], 1, "{pulled}");
    let shown = b.json(&["show", &number]);
    assert_eq!(
        shown["registration"]["customer"], "Acme Shenzhen",
        "{shown}"
    );

    // The CA was kept: a later sync needs no flag, and status reaches the server.
    let status = a.json(&["status"]);
    assert_eq!(status["reachable"], true, "{status}");
}

#[test]
fn plain_http_to_the_tls_port_gets_no_page() {
    let pki = Pki::new();
    let server = Server::start_with_settings(&pki.server_settings());
    let address = server.url.trim_start_matches("https://");
    let mut stream = TcpStream::connect(address).unwrap();
    stream
        .write_all(b"GET /login HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut answer = Vec::new();
    // The server ends the connection (after, at most, a TLS alert): read to its end.
    let _ = stream.read_to_end(&mut answer);
    let text = String::from_utf8_lossy(&answer);
    assert!(!text.contains("HTTP/1.1"), "{text}");
    assert!(!text.contains("<html"), "{text}");
}

#[test]
fn an_http_agent_against_a_tls_server_and_a_bad_certificate_file_are_named() {
    let pki = Pki::new();
    let server = Server::start_with_settings(&pki.server_settings());
    let token = server.add_site("WH1");
    let agent = Agent::init("WH1");
    // A CA file that is not one: refused before anything is saved.
    let err = agent.fails(&[
        "enroll",
        "--server",
        &server.url,
        "--token",
        &token,
        "--ca-cert",
        pki.file("key.pem").to_str().unwrap(),
    ]);
    assert!(err.contains("BEGIN CERTIFICATE"), "{err}");
    let status = agent.json(&["status"]);
    assert_eq!(status["server"], serde_json::Value::Null, "{status}");

    // A server started with a key that is not one says which file is wrong.
    let bad = Server::stopped(&format!(
        "[tls]\ncert = {:?}\nkey = {:?}\n",
        pki.file("cert.pem"),
        pki.file("ca.pem")
    ));
    let out = bad.command(&["serve", "--listen", "127.0.0.1:0"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("ca.pem") && err.contains("no private key"),
        "{err}"
    );
}

#[test]
fn over_https_the_login_cookie_is_secure() {
    let pki = Pki::new();
    let server = Server::start_with_settings(&pki.server_settings());
    server.add_user("li.wei", "after_sales", "correct horse");
    let ca = std::fs::read(pki.file("ca.pem")).unwrap();
    let answer = rma_agent::http::builder()
        .redirect(reqwest::redirect::Policy::none())
        .add_root_certificate(reqwest::Certificate::from_pem(&ca).unwrap())
        .build()
        .unwrap()
        .post(format!("{}/login", server.url))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("name=li.wei&password=correct+horse&next=%2F")
        .send()
        .unwrap();
    let cookie = answer.headers()["set-cookie"].to_str().unwrap();
    assert!(cookie.contains("; Secure"), "{cookie}");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
}

#[test]
fn a_client_too_slow_with_its_headers_is_cut_off_and_others_are_served() {
    let server = Server::start_with_settings("[limits]\nheader_read_secs = 1\n");
    let address = server.url.trim_start_matches("http://");
    let mut slow = TcpStream::connect(address).unwrap();
    slow.set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let started = Instant::now();
    slow.write_all(b"GET /api/v1/health HTTP/1.1\r\nHost: 127")
        .unwrap();
    // Meanwhile another client is answered.
    let health = rma_tests::http()
        .get(format!("{}/api/v1/health", server.url))
        .send()
        .unwrap();
    assert!(health.status().is_success());
    // The slow one is closed (at most with a 408) once its second is up.
    let mut rest = Vec::new();
    slow.read_to_end(&mut rest)
        .expect("the server closes the connection");
    let text = String::from_utf8_lossy(&rest);
    assert!(
        text.is_empty() || text.starts_with("HTTP/1.1 408"),
        "{text}"
    );
    assert!(started.elapsed() >= Duration::from_secs(1));
}

#[test]
fn requests_beyond_the_cap_are_told_to_retry_and_a_stalled_one_times_out() {
    let server = Server::start_with_settings("[limits]\nmax_requests = 1\nrequest_secs = 2\n");
    let token = server.add_site("WH1");
    let address = server.url.trim_start_matches("http://");
    // A push whose body stops halfway holds the one request slot.
    let mut stalled = TcpStream::connect(address).unwrap();
    stalled
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    write!(
        stalled,
        "POST /api/v1/sync/WH1/push HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\nContent-Type: {}\r\nContent-Length: 1000\r\n\r\nabc",
        rma_shared::sync::CONTENT_TYPE
    )
    .unwrap();
    // Every other request is refused with "try again" while it runs (asked until the stalled
    // one is seen to hold the slot).
    let client = rma_tests::http();
    let busy = (0..10_000)
        .map(|_| {
            client
                .get(format!("{}/api/v1/health", server.url))
                .send()
                .unwrap()
        })
        .find(|answer| answer.status() == 503)
        .expect("a request beyond the cap is refused");
    assert_eq!(busy.headers()["retry-after"], "1");
    let body: serde_json::Value = busy.json().unwrap();
    assert_eq!(body["error"], "busy", "{body}");
    // The stalled push is answered 408 when its time is up; then others are served again.
    let mut status = String::new();
    BufReader::new(&stalled).read_line(&mut status).unwrap();
    assert!(status.starts_with("HTTP/1.1 408"), "{status}");
    let health = client
        .get(format!("{}/api/v1/health", server.url))
        .send()
        .unwrap();
    assert!(health.status().is_success());
}
