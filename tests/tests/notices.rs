//! Notices to customers across real processes: a real SMTP server on loopback (aiosmtpd, which
//! tests/run installs), an SMS gateway that records what it is sent, real servers and agents.
//! A ticket walked to shipment at a site and synced gives exactly the two mails (shipping
//! agreed, shipped with the tracking number), each with the status link; a busy mail server is
//! tried again; a restart sends nothing again; closing sends the survey's link; two servers on
//! one PostgreSQL database send each notice once.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{ChildStdout, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use rma_tests::{Agent, Running, Server, http};
use serde_json::Value;

/// aiosmtpd, as tests/run installs it.
fn python() -> PathBuf {
    let python = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/aiosmtpd/bin/python");
    assert!(
        python.exists(),
        "these tests need aiosmtpd: run tests/run, or python3 -m venv target/aiosmtpd && target/aiosmtpd/bin/pip install aiosmtpd==1.4.6"
    );
    python
}

/// The SMTP server: every mail it accepts is a file; its output says when.
struct SmtpSink {
    port: u16,
    lines: std::io::Lines<BufReader<ChildStdout>>,
    _process: Running,
    _dir: tempfile::TempDir,
}

impl SmtpSink {
    /// Starts the server; it answers the first `refuse` mails "451 try again later".
    fn start(refuse: u32) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut child = Command::new(python())
            .arg(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("smtp/sink.py"))
            .arg(dir.path())
            .args(["--refuse", &refuse.to_string()])
            .stdout(Stdio::piped())
            .spawn()
            .expect("the SMTP sink starts");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let port = lines
            .next()
            .expect("the sink prints its port")
            .unwrap()
            .trim()
            .parse()
            .expect("a port");
        Self {
            port,
            lines,
            _process: Running(child),
            _dir: dir,
        }
    }

    fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Waits for the next mail accepted; returns its headers and its body, decoded. Counts
    /// the refusals on the way.
    fn next_mail(&mut self, refused: &mut u32) -> String {
        for line in self.lines.by_ref() {
            let line = line.unwrap();
            if line == "refused" {
                *refused += 1;
            } else if let Some(file) = line.strip_prefix("accepted ") {
                let mail = std::fs::read_to_string(file).unwrap();
                let (head, body) = mail.split_once("\r\n\r\n").expect("headers and a body");
                assert!(
                    head.contains("Content-Transfer-Encoding: quoted-printable")
                        || head.contains("Content-Transfer-Encoding: 7bit"),
                    "{head}"
                );
                let body = quoted_printable::decode(body, quoted_printable::ParseMode::Strict)
                    .expect("quoted-printable");
                return format!("{head}\r\n\r\n{}", String::from_utf8(body).unwrap());
            }
        }
        panic!("the SMTP sink stopped");
    }
}

/// An SMS gateway on loopback: answers every message `{"Code":"OK"}` and hands its JSON body
/// to the test.
struct Gateway {
    url: String,
    received: mpsc::Receiver<Value>,
}

impl Gateway {
    fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/sms/send", listener.local_addr().unwrap());
        let (tx, received) = mpsc::channel();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut length = 0;
                let mut authorised = false;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        break;
                    }
                    let lower = line.to_ascii_lowercase();
                    if let Some(value) = lower.strip_prefix("content-length:") {
                        length = value.trim().parse().unwrap_or(0);
                    }
                    authorised |= lower.trim() == "authorization: bearer gateway-secret";
                    if line == "\r\n" {
                        break;
                    }
                }
                let mut body = vec![0; length];
                reader.read_exact(&mut body).unwrap();
                let mut json: Value = serde_json::from_slice(&body).unwrap();
                json["authorised"] = Value::Bool(authorised);
                let answer = r#"{"Code":"OK","Message":"OK"}"#;
                let _ = write!(
                    stream,
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{answer}",
                    answer.len()
                );
                if tx.send(json).is_err() {
                    return;
                }
            }
        });
        Self { url, received }
    }
}

fn settings(sink: &SmtpSink, gateway: &Gateway, database: Option<&str>) -> String {
    let mut settings = format!(
        r#"public_url = "https://rma.acme.example"
[mail]
smtp = "{}"
from = "Acme Service <service@acme.example>"
[sms]
url = "{}"
token = "gateway-secret"
sign_name = "某某科技"
[sms.templates]
shipped = "SMS_0002"
[notices]
retry_first_secs = 1
"#,
        sink.url(),
        gateway.url
    );
    if let Some(url) = database {
        settings.push_str(&format!("[database]\nurl = \"{url}\"\n"));
    }
    settings
}

/// A ticket of a customer with `contact` (e.g. `--email ADDR`) walked to shipment and synced.
fn ship(agent: &Agent, contact: &[&str], tracking: &str) -> String {
    let mut args = vec![
        "intake",
        "--customer",
        "Acme Ltd",
        "--model",
        "X200",
        "--quantity",
        "1",
        "--fault",
        "no power",
        "--request",
        "repair",
    ];
    args.extend_from_slice(contact);
    let ticket = agent.ok(&args).trim().to_owned();
    agent.walk_to_shipment(&ticket, tracking);
    agent.ok(&["sync"]);
    ticket
}

/// The ticket's notices as the office's API lists them.
fn notices(server: &Server, ticket: &str) -> Vec<Value> {
    let listed: Value = http()
        .get(format!("{}/api/v1/notices?ticket={ticket}", server.url))
        .header("cookie", server.reader())
        .send()
        .unwrap()
        .json()
        .unwrap();
    listed["notices"].as_array().expect("a list").clone()
}

/// The ticket's notices once none is waiting or being sent: a mail server's acceptance comes
/// a moment before the server records it.
fn settled(server: &Server, ticket: &str) -> Vec<Value> {
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        let listed = notices(server, ticket);
        if listed
            .iter()
            .all(|n| n["state"] != "waiting" && n["state"] != "sending")
        {
            return listed;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "notices still unsent: {listed:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A header's value in a mail.
fn header<'a>(mail: &'a str, name: &str) -> &'a str {
    mail.lines()
        .find_map(|line| line.strip_prefix(&format!("{name}: ")))
        .unwrap_or_else(|| panic!("no {name} in {mail}"))
}

#[test]
fn a_shipment_mails_the_customer_twice_and_a_restart_sends_nothing_again() {
    let mut sink = SmtpSink::start(1);
    let gateway = Gateway::start();
    let mut server = Server::start_with_settings(&settings(&sink, &gateway, None));
    server.drain_log();
    server.add_user("tester", "head", "tester pass 1");
    let agent = Agent::enrolled("WH1", &server);
    agent.ok(&["area", "add", "SHELF-A"]);
    let ticket = ship(
        &agent,
        &[
            "--email",
            "li.wei@acme.cn",
            "--phone",
            "+86 139 1111 2222",
            "--customer-lang",
            "en",
        ],
        "SF99881",
    );

    // Exactly two mails: the first was refused once by a busy server and tried again.
    let mut refused = 0;
    let mails = [sink.next_mail(&mut refused), sink.next_mail(&mut refused)];
    assert_eq!(refused, 1);
    let token = {
        let sam = server.reader();
        let page = rma_tests::get_page(&format!("{}/tickets/{ticket}", server.url), &sam)
            .text()
            .unwrap();
        let link = page
            .split(r#"id="status-link"><a href=""#)
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .expect("the ticket's page gives the status link")
            .to_owned();
        assert!(page.contains("Notices to the customer"), "{page}");
        link.rsplit('/').next().unwrap().to_owned()
    };
    let link = format!("https://rma.acme.example/s/{token}");
    let subjects: Vec<&str> = mails.iter().map(|m| header(m, "Subject")).collect();
    assert!(
        subjects.contains(&format!("Your return {ticket}: shipping agreed").as_str()),
        "{subjects:?}"
    );
    let shipped = mails
        .iter()
        .find(|m| header(m, "Subject") == format!("Your return {ticket} is on its way"))
        .expect("the shipping mail");
    assert!(
        shipped.contains("SF Express") && shipped.contains("SF99881"),
        "{shipped}"
    );
    for mail in &mails {
        assert_eq!(header(mail, "X-Envelope-To"), "li.wei@acme.cn");
        assert_eq!(
            header(mail, "From"),
            "\"Acme Service\" <service@acme.example>"
        );
        assert!(mail.contains(&link), "{mail}");
        assert!(
            header(mail, "Message-ID").ends_with("@acme.example>"),
            "{mail}"
        );
        for private in ["Bob", "Ivy", "fuse", "Acme Ltd"] {
            assert!(!mail.contains(private), "{private} in {mail}");
        }
    }
    assert_ne!(
        header(&mails[0], "Message-ID"),
        header(&mails[1], "Message-ID")
    );

    // The SMS: the shipped template only, with its parameters; shipping agreed has no
    // template, so it is not sent (and the outbox says so).
    let sms = gateway
        .received
        .recv_timeout(Duration::from_secs(60))
        .expect("the SMS of the shipment");
    assert_eq!(sms["PhoneNumbers"], "+8613911112222");
    assert_eq!(sms["SignName"], "某某科技");
    assert_eq!(sms["TemplateCode"], "SMS_0002");
    assert_eq!(sms["authorised"], true);
    let params: Value = serde_json::from_str(sms["TemplateParam"].as_str().unwrap()).unwrap();
    assert_eq!(params["number"], ticket);
    assert_eq!(params["carrier"], "SF Express");
    assert_eq!(params["tracking"], "SF99881");
    assert_eq!(params["link"], link);
    let listed = settled(&server, &ticket);
    let state = |about: &str, channel: &str| {
        let found = listed
            .iter()
            .find(|n| n["about"] == about && n["channel"] == channel)
            .unwrap_or_else(|| panic!("no {about} {channel} in {listed:?}"));
        (
            found["state"].as_str().unwrap().to_owned(),
            found["attempts"].as_u64().unwrap(),
        )
    };
    assert_eq!(listed.len(), 4, "{listed:?}");
    assert_eq!(state("shipped", "sms").0, "sent");
    assert_eq!(state("shipping_agreed", "sms").0, "not_set_up");
    let tries = state("shipping_agreed", "email").1 + state("shipped", "email").1;
    assert_eq!(tries, 3, "one mail went at the second attempt: {listed:?}");

    // A restart sends nothing again: the next ticket's mails are the next ones the sink sees.
    server.restart();
    server.drain_log();
    let next = ship(&agent, &["--email", "wang.fang@acme.cn"], "SF99882");
    for _ in 0..2 {
        let mail = sink.next_mail(&mut refused);
        assert!(mail.contains(&next) && !mail.contains(&ticket), "{mail}");
        assert_eq!(header(&mail, "X-Envelope-To"), "wang.fang@acme.cn");
    }
    assert!(gateway.received.try_recv().is_err(), "an SMS went twice");

    // Closing the return sends the survey's link, once.
    agent.ok(&[
        "confirm",
        &ticket,
        "--delivered-on",
        "2026-12-21",
        "--satisfaction",
        "5",
    ]);
    agent.ok(&["close", &ticket]);
    agent.ok(&["sync"]);
    let closing = sink.next_mail(&mut refused);
    assert_eq!(
        header(&closing, "Subject"),
        format!("Your return {ticket}: how did we do?")
    );
    assert!(closing.contains(&format!("{link}#survey")), "{closing}");
    let listed = notices(&server, &ticket);
    assert_eq!(listed.len(), 6, "{listed:?}");
    // The closing SMS has no template: marked, not sent.
    assert!(gateway.received.try_recv().is_err());

    // The office's outbox page lists them, and what the unsent SMS would have said.
    let outbox = rma_tests::get_page(
        &format!("{}/outbox?state=not_set_up", server.url),
        &server.reader(),
    )
    .text()
    .unwrap();
    assert!(
        outbox.contains(&ticket) && outbox.contains("+86 139 1111 2222"),
        "{outbox}"
    );
    assert!(!outbox.contains("wang.fang@acme.cn"), "{outbox}");
    assert!(outbox.contains("We will send your return"), "{outbox}");
}

#[test]
fn two_servers_on_one_database_send_each_notice_once() {
    let mut sink = SmtpSink::start(0);
    let gateway = Gateway::start();
    let database = rma_tests::new_database();
    let settings = settings(&sink, &gateway, Some(&database));
    let mut a = Server::start_with_settings(&settings);
    let mut b = Server::start_with_settings(&settings);
    a.drain_log();
    b.drain_log();
    a.add_user("tester", "head", "tester pass 1");
    let wh1 = Agent::enrolled("WH1", &a);
    let wh2 = Agent::enrolled_at("WH2", &b, &b.url);
    let mut tickets = Vec::new();
    for (i, agent) in [&wh1, &wh2, &wh1, &wh2, &wh1, &wh2].into_iter().enumerate() {
        if i < 2 {
            agent.ok(&["sync"]);
            agent.ok(&["area", "add", "SHELF-A"]);
        }
        let email = format!("customer{i}@acme.cn");
        tickets.push(ship(agent, &["--email", &email], &format!("SF{i}")));
    }
    let mut ids = std::collections::BTreeSet::new();
    let mut refused = 0;
    for _ in 0..tickets.len() * 2 {
        let mail = sink.next_mail(&mut refused);
        assert!(
            ids.insert(header(&mail, "Message-ID").to_owned()),
            "sent twice: {mail}"
        );
    }
    // Every notice is sent and none is left to send, at either server: nothing more can go.
    for ticket in &tickets {
        for server in [&a, &b] {
            let listed = settled(server, ticket);
            assert_eq!(listed.len(), 2, "{listed:?}");
            assert!(listed.iter().all(|n| n["state"] == "sent"), "{listed:?}");
        }
    }
    // Each says which server sent it.
    for notice in tickets.iter().flat_map(|t| notices(&a, t)) {
        let by = notice["by"].as_str().unwrap();
        assert!(
            by.starts_with(&format!("{} (pid", a.url))
                || by.starts_with(&format!("{} (pid", b.url)),
            "{notice}"
        );
    }
}
