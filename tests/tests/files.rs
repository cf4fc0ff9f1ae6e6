//! Photos and documents across real processes: kept at one site while offline, sent after the
//! tickets, seen at another site as a thumbnail with the ticket and fetched whole once when
//! opened; a 20 MB file through a network that drops every 256 KB; photos stored upright
//! without their location; what is refused, and that a refusal stores nothing.

use std::io::Write as _;
use std::path::PathBuf;

use image::GenericImageView as _;
use rma_agent::photos::sample::photo_with_exif;
use rma_tests::{Agent, CutProxy, Server, http};
use serde_json::Value;
use sha2::Digest as _;

fn sha256(bytes: &[u8]) -> String {
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Writes `bytes` to a file named `name` in a new temp dir (kept while the dir lives).
fn file(dir: &tempfile::TempDir, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::File::create(&path)
        .and_then(|mut f| f.write_all(bytes))
        .expect("a file is written");
    path
}

/// The attachments of a ticket as an agent's `show --json` lists them.
fn attachments(agent: &Agent, ticket: &str) -> Vec<Value> {
    agent.json(&["show", ticket])["attachments"]
        .as_array()
        .expect("a list")
        .clone()
}

/// A file of a ticket as the office API gives it to a reader.
fn office_file(server: &Server, ticket: &str, sha: &str) -> reqwest::blocking::Response {
    http()
        .get(format!(
            "{}/api/v1/tickets/{ticket}/files/{sha}",
            server.url
        ))
        .header("cookie", server.reader())
        .send()
        .expect("the server answers")
}

#[test]
fn a_photo_taken_offline_reaches_the_office_and_another_site_opens_it_once() {
    let server = Server::start();
    let here = Agent::enrolled("WH1", &server);
    // WH2 holds every site's tickets (a repair centre), WH1's among them.
    let there = Agent::enrolled_holding_all("WH2", &server);
    let ticket = here.intake("Acme Ltd", 1);
    let dir = tempfile::tempdir().expect("a temp dir");
    // A phone's photo: taken sideways (EXIF orientation 6) with its GPS position.
    let original = photo_with_exif(400, 200, 6);
    assert!(contains(&original, b"GPSMARK"));
    let photo = file(&dir, "IMG_0001.jpg", &original);
    let pdf = file(&dir, "form.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n");

    // Kept offline: the server is not asked.
    let said = here.ok(&[
        "attach",
        &ticket,
        photo.to_str().unwrap(),
        pdf.to_str().unwrap(),
        "--step",
        "receiving",
        "--caption",
        "box dented",
    ]);
    assert!(
        said.contains("added a photo (receiving check): box dented"),
        "{said}"
    );
    let listed = attachments(&here, &ticket);
    assert_eq!(listed.len(), 2, "{listed:?}");
    let photo_ref = &listed[0];
    assert_eq!(photo_ref["media_type"], "image/jpeg");
    assert_eq!(photo_ref["step"], "receiving");
    assert_eq!(photo_ref["name"], "IMG_0001.jpg");
    assert_eq!(photo_ref["site"], "WH1");
    assert_eq!(listed[1]["media_type"], "application/pdf");
    let full = photo_ref["sha256"].as_str().unwrap().to_owned();
    let thumb = photo_ref["thumbnail"]["sha256"]
        .as_str()
        .unwrap()
        .to_owned();
    let status = here.json(&["status"]);
    assert_eq!(status["files"]["to_send"], 3, "{status}");

    // The sync sends the ticket, then its files.
    let report = here.json(&["sync"]);
    assert_eq!(report["files"]["sent"], 3, "{report}");
    assert_eq!(report["files_waiting"]["to_send"], 0, "{report}");

    // The office has the photo: upright, without its location or any EXIF, its hash right.
    let answer = office_file(&server, &ticket, &full);
    assert_eq!(answer.status(), 200);
    let stored = answer.bytes().unwrap().to_vec();
    assert_eq!(sha256(&stored), full);
    assert!(!contains(&stored, b"GPSMARK") && !contains(&stored, b"Exif"));
    let picture = image::load_from_memory(&stored).expect("a JPEG");
    assert_eq!(picture.dimensions(), (200, 400), "turned upright");
    let top = picture.get_pixel(100, 20);
    assert!(top[0] > 200 && top[2] < 60, "the red half on top: {top:?}");
    let view = server.ticket(&ticket);
    assert_eq!(view["attachments"].as_array().unwrap().len(), 2);
    // Each file the office gives is in the audit log, and its page shows the thumbnail.
    let audit = rma_tests::get_page(
        &format!("{}/audit?what=download", server.url),
        &server.reader(),
    )
    .text()
    .unwrap();
    assert!(audit.contains(&format!("{ticket} {full}")), "{audit}");
    let page = rma_tests::get_page(
        &format!("{}/tickets/{ticket}", server.url),
        &server.reader(),
    )
    .text()
    .unwrap();
    assert!(
        page.contains(&format!("src=\"/tickets/{ticket}/files/{thumb}\"")),
        "{page}"
    );

    // The other site receives the ticket with the thumbnail, not the full photo.
    let report = there.json(&["sync"]);
    assert_eq!(report["files"]["fetched"], 1, "{report}");
    let opened = there.json(&["file", &ticket, &thumb]);
    assert_eq!(
        opened["fetched"], false,
        "the thumbnail came with the ticket"
    );
    // Opening the photo fetches it once; it is kept from then on.
    let out = dir.path().join("opened.jpg");
    let opened = there.json(&["file", &ticket, &full, "--out", out.to_str().unwrap()]);
    assert_eq!(opened["fetched"], true);
    assert_eq!(std::fs::read(&out).unwrap(), stored);
    let opened = there.json(&["file", &ticket, &full]);
    assert_eq!(opened["fetched"], false, "kept after the first opening");
    // `show` lists each file by the start of its hash, which is enough to open it.
    let shown = there.ok(&["show", &ticket]);
    assert!(
        shown.contains(&full[..12]) && shown.contains("box dented"),
        "{shown}"
    );
    let opened = there.json(&["file", &ticket, &full[..12]]);
    assert_eq!(opened["fetched"], false);
    let err = there.fails(&["file", &ticket, "abc"]);
    assert!(err.contains("give at least 6 characters"), "{err}");

    // Offline, a file never fetched says where it is.
    let pdf_sha = listed[1]["sha256"].as_str().unwrap().to_owned();
    drop(server);
    let err = there.fails(&["file", &ticket, &pdf_sha]);
    assert!(
        err.contains("kept at the office and is not here yet"),
        "{err}"
    );
    // A hash the ticket does not have is named.
    let err = there.fails(&["file", &ticket, &"0".repeat(64)]);
    assert!(err.contains("has no file"), "{err}");
}

#[test]
fn a_20_mb_file_crosses_a_network_that_drops_every_256_kb_without_starting_over() {
    let server = Server::start();
    let proxy = CutProxy::start(&server.url);
    let agent = Agent::enrolled_at("WH1", &server, &proxy.url);
    let ticket = agent.intake("Acme Ltd", 1);
    agent.ok(&["sync"]);

    // 20,000,000 bytes of a PDF (under the 20 MiB limit), not compressible.
    let mut bytes = b"%PDF-1.7\n".to_vec();
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    while bytes.len() < 20_000_000 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        bytes.extend_from_slice(&state.to_le_bytes());
    }
    bytes.truncate(20_000_000);
    let dir = tempfile::tempdir().expect("a temp dir");
    let path = file(&dir, "manual.pdf", &bytes);
    agent.ok(&[
        "attach",
        &ticket,
        path.to_str().unwrap(),
        "--step",
        "repair",
    ]);

    proxy.cut_every(256 * 1024);
    // Each sync goes on where the last cut left it; a round whose tickets' part is cut fails
    // and the next goes on.
    let mut rounds = 0;
    loop {
        rounds += 1;
        assert!(rounds <= 30, "the file did not arrive in 30 rounds");
        let out = agent.run(&["sync", "--json"]);
        if out.status.success() {
            let report: Value = serde_json::from_slice(&out.stdout).unwrap();
            if report["files_waiting"]["to_send"] == 0 {
                break;
            }
        }
    }
    let relayed = proxy.relayed();
    let cuts = proxy.cuts();
    proxy.disarm();
    eprintln!("20 MB file: {rounds} sync rounds, {cuts} cuts, {relayed} bytes relayed");
    assert!(cuts >= 70, "the network dropped {cuts} times");
    // No piece went more than twice: everything relayed both ways is under twice the file.
    assert!(
        relayed < 2 * 20_000_000,
        "{relayed} bytes relayed for a 20 MB file"
    );
    let sha = sha256(&bytes);
    let answer = office_file(&server, &ticket, &sha);
    assert_eq!(answer.status(), 200);
    let stored = answer.bytes().unwrap();
    assert_eq!(stored.len(), 20_000_000);
    assert_eq!(sha256(&stored), sha, "arrived whole");
}

#[test]
fn what_cannot_be_kept_is_refused_with_the_reason_and_nothing_is_stored() {
    let server = Server::start();
    let agent = Agent::enrolled("WH1", &server);
    let ticket = agent.intake("Acme Ltd", 1);
    let dir = tempfile::tempdir().expect("a temp dir");

    // 25 MB: over the 20 MB a file may be.
    let big = file(
        &dir,
        "big.pdf",
        &[b"%PDF-1.7\n".as_slice(), &vec![b'x'; 25_000_000]].concat(),
    );
    let err = agent.fails(&["attach", &ticket, big.to_str().unwrap()]);
    assert!(
        err.contains("big.pdf was not kept") && err.contains("at most 20.0 MB"),
        "{err}"
    );
    // A PNG that says it is 50,000 x 50,000 pixels.
    let mut bomb = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut bomb, 50_000, 50_000);
        encoder.set_color(png::ColorType::Rgb);
        drop(encoder.write_header().unwrap());
    }
    let bomb = file(&dir, "bomb.png", &bomb);
    let err = agent.fails(&["attach", &ticket, bomb.to_str().unwrap()]);
    assert!(
        err.contains("bomb.png was not kept: the picture cannot be read"),
        "{err}"
    );
    // Not a photo or a PDF, whatever its name says; and one bad file keeps the others out.
    let exe = file(&dir, "photo.jpg", b"MZ\x90\x00\x03 not a picture");
    let good = file(&dir, "good.pdf", b"%PDF-1.4\n%%EOF\n");
    let err = agent.fails(&[
        "attach",
        &ticket,
        good.to_str().unwrap(),
        exe.to_str().unwrap(),
    ]);
    assert!(
        err.contains("only photos (JPEG, PNG, WebP) and PDF documents"),
        "{err}"
    );
    // In Chinese too.
    let err = agent.fails(&["--lang", "zh-CN", "attach", &ticket, exe.to_str().unwrap()]);
    assert!(err.contains("只能添加照片"), "{err}");
    assert!(attachments(&agent, &ticket).is_empty());
    assert_eq!(agent.json(&["status"])["files"]["to_send"], 0);
    let kept = walk(&agent.data().join("files"));
    assert!(kept.is_empty(), "nothing kept: {kept:?}");

    // Bytes that are not the file their hash names are refused at the office, and stay owed.
    agent.ok(&["attach", &ticket, good.to_str().unwrap()]);
    let sha = attachments(&agent, &ticket)[0]["sha256"]
        .as_str()
        .unwrap()
        .to_owned();
    let kept = agent.data().join("files").join(&sha[..2]).join(&sha);
    // Same length, one byte changed: only the hash tells.
    std::fs::write(&kept, b"%PDF-1.4\n%%EOX\n").unwrap();
    let report = agent.json(&["sync"]);
    assert_eq!(report["files"]["sent"], 0, "{report}");
    assert_eq!(report["files_waiting"]["to_send"], 1, "{report}");
    assert_eq!(office_file(&server, &ticket, &sha).status(), 404);
    // The office's page shows the reference whose file never arrived as missing.
    let page = rma_tests::get_page(
        &format!("{}/tickets/{ticket}", server.url),
        &server.reader(),
    )
    .text()
    .unwrap();
    let listed = page
        .split_once(&format!("data-sha256=\"{sha}\""))
        .expect("the file is listed")
        .1;
    assert!(
        listed[..400.min(listed.len())].contains("missing"),
        "{page}"
    );

    // A site sends only files its own steps refer to.
    let token = server.add_site("WH9");
    let stranger = sha256(b"never attached");
    let answer = http()
        .put(format!(
            "{}/api/v1/sync/WH9/files/{stranger}?offset=0",
            server.url
        ))
        .bearer_auth(&token)
        .body(b"never attached".to_vec())
        .send()
        .unwrap();
    assert_eq!(answer.status(), 403);
    let body: Value = answer.json().unwrap();
    assert_eq!(body["error"], "not_referred");
    // Nor another site's file.
    let answer = http()
        .put(format!(
            "{}/api/v1/sync/WH9/files/{sha}?offset=0",
            server.url
        ))
        .bearer_auth(&token)
        .body(b"%PDF-1.4\n%%EOF\n".to_vec())
        .send()
        .unwrap();
    assert_eq!(answer.status(), 403);
    // A malformed hash is named.
    let answer = http()
        .get(format!("{}/api/v1/sync/WH9/files/xyz/upload", server.url))
        .bearer_auth(&token)
        .send()
        .unwrap();
    assert_eq!(answer.status(), 400);
    // The server keeps serving.
    assert_eq!(server.ticket(&ticket)["number"], ticket.as_str());
}

/// Every file under `dir`, however deep (empty folders are not files).
fn walk(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                out.extend(walk(&path));
            } else {
                out.push(path);
            }
        }
    }
    out
}

#[test]
fn an_archived_tickets_files_leave_the_sites_are_read_in_place_with_a_grant_and_go_at_disposal() {
    const PASSWORD: &str = "pass word 42";
    let server = Server::start();
    server.add_user("tester", "head", PASSWORD);
    server.add_user("sam", "sales", PASSWORD);
    server.add_head("zhou", "sales", PASSWORD);
    server.add_user("kim", "after_sales", PASSWORD);
    let wh1 = Agent::enrolled("WH1", &server);
    let wh2 = Agent::enrolled_holding_all("WH2", &server);
    let dir = tempfile::tempdir().expect("a temp dir");
    let photo = file(&dir, "unit.jpg", &photo_with_exif(64, 48, 1));
    let kept = wh1.intake("Acme Ltd", 1);
    let expired = wh1.intake("Bolt & Co", 1);
    for ticket in [&kept, &expired] {
        wh1.ok(&[
            "attach",
            ticket,
            photo.to_str().unwrap(),
            "--caption",
            ticket,
        ]);
    }
    // (The same photo on two tickets is one file, kept once.)
    let sha = attachments(&wh1, &kept)[0]["sha256"]
        .as_str()
        .unwrap()
        .to_owned();
    let report = wh1.json(&["sync"]);
    assert_eq!(report["files_waiting"]["to_send"], 0, "{report}");
    wh2.ok(&["sync"]);
    wh2.json(&["file", &kept, &sha]);
    assert!(!walk(&wh2.data().join("files")).is_empty());
    let token = server.add_site("WH9");
    let for_site = |sha: &str| {
        http()
            .get(format!("{}/api/v1/sync/WH9/files/{sha}", server.url))
            .bearer_auth(&token)
            .send()
            .unwrap()
            .status()
    };
    assert_eq!(for_site(&sha), 200);

    // Archived: the files leave both sites with the contents.
    for (ticket, more) in [(&kept, vec![]), (&expired, vec!["--until", "2020-01-31"])] {
        wh1.ok(&["cancel", ticket, "--reason", "customer withdrew"]);
        let mut args = vec!["archive", ticket.as_str(), "--keeper", "kim"];
        args.extend(more);
        wh1.ok(&args);
    }
    let report = wh1.json(&["sync"]);
    assert_eq!(report["files"]["dropped"], 2, "{report}");
    assert_eq!(walk(&wh1.data().join("files")), Vec::<PathBuf>::new());
    wh2.ok(&["sync"]);
    assert_eq!(walk(&wh2.data().join("files")), Vec::<PathBuf>::new());
    assert_eq!(
        for_site(&sha),
        410,
        "no site fetches an archived ticket's file"
    );

    // At the office: nothing without a grant, never through the API.
    let sam = server.log_in("sam", PASSWORD).unwrap();
    let zhou = server.log_in("zhou", PASSWORD).unwrap();
    let page =
        |cookie: &str, path: &str| rma_tests::get_page(&format!("{}{path}", server.url), cookie);
    assert_eq!(
        page(&sam, &format!("/tickets/{kept}/files/{sha}")).status(),
        403
    );
    let api = http()
        .get(format!("{}/api/v1/tickets/{kept}/files/{sha}", server.url))
        .header("cookie", zhou.clone())
        .send()
        .unwrap();
    assert_eq!(api.status(), 403);
    let today = chrono::Utc::now().date_naive();
    let filed = rma_tests::post_form(
        &format!("{}/archive/apply", server.url),
        &sam,
        &format!(
            "tickets={kept}&reason=warranty+claim&from={}&until={}",
            today - chrono::Days::new(1),
            today + chrono::Days::new(1)
        ),
    );
    assert_eq!(filed.status(), 200);
    let decided = rma_tests::post_form(
        &format!("{}/archive/applications/1", server.url),
        &zhou,
        "decision=approve&note=",
    );
    assert_eq!(decided.status(), 200);
    // With the grant: the photo whole on the page, under the reader's name; shown, not kept.
    let html = page(&sam, &format!("/tickets/{kept}")).text().unwrap();
    assert!(html.contains("class=\"watermark\""), "{html}");
    assert!(
        html.contains(&format!(
            "class=\"in-place\" src=\"/tickets/{kept}/files/{sha}\""
        )),
        "{html}"
    );
    let shown = page(&sam, &format!("/tickets/{kept}/files/{sha}"));
    assert_eq!(shown.status(), 200);
    assert_eq!(shown.headers()["cache-control"], "no-store");
    assert_eq!(shown.headers()["content-disposition"], "inline");
    let audit = page(&zhou, "/audit?who=sam&what=archive_read")
        .text()
        .unwrap();
    assert!(audit.contains(&format!("{kept} {sha} (#1)")), "{audit}");

    // Disposal of the other: its reference goes; the bytes stay while the kept one refers to
    // the same photo.
    let kim = server.log_in("kim", PASSWORD).unwrap();
    let dispose = |cookie: &str, step: &str| {
        rma_tests::post_form(
            &format!("{}/archive/dispose", server.url),
            cookie,
            &format!("ticket={expired}&step={step}"),
        )
    };
    assert_eq!(dispose(&kim, "propose").status(), 200);
    assert_eq!(dispose(&zhou, "approve").status(), 200);
    assert_eq!(
        page(&sam, &format!("/tickets/{kept}/files/{sha}")).status(),
        200
    );
    assert_eq!(
        page(&zhou, &format!("/tickets/{expired}/files/{sha}")).status(),
        404
    );
}

#[test]
fn a_running_serve_sends_its_photos_in_the_background() {
    use std::time::{Duration, Instant};

    let server = Server::start();
    let agent = Agent::enrolled("WH1", &server);
    std::fs::write(
        agent.data().join("settings.toml"),
        "sync_interval_secs = 1\n",
    )
    .unwrap();
    let ticket = agent.intake("Acme Ltd", 1);
    let _serve = agent.serve();
    let dir = tempfile::tempdir().expect("a temp dir");
    let photo = file(&dir, "board.jpg", &photo_with_exif(64, 48, 1));
    // Taken through the serve; nobody asks for a sync.
    agent.ok(&[
        "attach",
        &ticket,
        photo.to_str().unwrap(),
        "--step",
        "repair",
    ]);
    let sha = attachments(&agent, &ticket)[0]["sha256"]
        .as_str()
        .unwrap()
        .to_owned();
    // Poll, with a deadline, until the serve's background round has sent it.
    let deadline = Instant::now() + Duration::from_secs(30);
    while office_file(&server, &ticket, &sha).status() != 200 {
        assert!(
            Instant::now() < deadline,
            "the serve never sent the photo: {}",
            agent.json(&["status"])
        );
        std::thread::park_timeout(Duration::from_millis(200));
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    while agent.json(&["status"])["files"]["to_send"] != 0 {
        assert!(Instant::now() < deadline, "the photo is still owed");
        std::thread::park_timeout(Duration::from_millis(200));
    }
}

#[test]
fn uploads_killed_on_either_side_at_seeded_points_leave_the_file_whole_and_once() {
    let mut server = Server::start();
    let proxy = CutProxy::start(&server.url);
    let agent = Agent::enrolled_at("WH1", &server, &proxy.url);
    let ticket = agent.intake("Acme Ltd", 1);
    let mut bytes = b"%PDF-1.7\n".to_vec();
    let mut state = std::env::var("RMA_TEST_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x9E37_79B9_7F4A_7C15u64);
    eprintln!("RMA_TEST_SEED={state}");
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    while bytes.len() < 3_000_000 {
        bytes.extend_from_slice(&next().to_le_bytes());
    }
    let dir = tempfile::tempdir().expect("a temp dir");
    let path = file(&dir, "manual.pdf", &bytes);
    agent.ok(&["attach", &ticket, path.to_str().unwrap()]);

    // Rounds of `rma-agent sync` cut at a seeded byte of the upload, where the sync or (every
    // third round) the server is SIGKILLed; the server is started again after it dies.
    for round in 0..8 {
        proxy.arm(1_000 + next() % 300_000);
        let sync = agent
            .command(&["sync"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let server_dies = round % 3 == 2;
        proxy.victim(if server_dies {
            server.pid().unwrap()
        } else {
            sync.id()
        });
        let mut sync = sync;
        sync.wait().unwrap();
        if proxy.disarm() && server_dies {
            server.restart();
            server.drain_log();
        }
    }
    // Every round is cut (eight rounds move at most 2.4 MB of the 3 MB before their cuts).
    assert_eq!(proxy.cuts(), 8);
    eprintln!("{} cuts", proxy.cuts());
    let report = agent.json(&["sync"]);
    assert_eq!(report["files_waiting"]["to_send"], 0, "{report}");

    // The office has the file whole, and the ticket refers to it once.
    let sha = sha256(&bytes);
    let answer = office_file(&server, &ticket, &sha);
    assert_eq!(answer.status(), 200);
    assert_eq!(sha256(&answer.bytes().unwrap()), sha);
    assert_eq!(
        server.ticket(&ticket)["attachments"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    // A fresh site that holds every ticket receives the ticket with its one reference, and
    // the file whole.
    let fresh = Agent::enrolled_holding_all("WH2", &server);
    fresh.ok(&["sync"]);
    assert_eq!(attachments(&fresh, &ticket).len(), 1);
    let out = dir.path().join("fetched.pdf");
    fresh.json(&["file", &ticket, &sha, "--out", out.to_str().unwrap()]);
    assert_eq!(std::fs::read(&out).unwrap(), bytes);
}
