//! The store's trust at the sync boundary: every forgery is refused alone, with a reason, and
//! changes nothing stored, while the rest of its batch commits.

use chrono::Utc;
use rma_shared::Event;
use rma_shared::TicketDoc;
use rma_shared::automerge::ActorId;
use rma_shared::automerge::transaction::Transactable;
use rma_shared::automerge::{ROOT, ReadDoc, ScalarValue, Value};
use rma_shared::event::EventKind;
use rma_shared::sync::{Heads, PAGE_BYTES, PushDoc, PushRequest, PushResult, outgoing};
use rma_store::kv::Batch;

use super::*;
use crate::test_support::{actor_of, enrol};

fn store() -> (tempfile::TempDir, ServerStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = crate::test_support::open(dir.path());
    enrol(&store);
    (dir, store)
}

fn site(code: &str) -> SiteCode {
    SiteCode::parse(code).unwrap()
}

/// A new ticket numbered `number`, made by `site`'s test installation.
fn ticket(number: &str, by: &str) -> TicketDoc {
    let number = TicketNumber::parse(number).unwrap();
    rma_shared::testing::ticket(number.site(), number.seq(), &actor_of(by), Utc::now())
}

fn hold(doc: &mut TicketDoc, site_code: &str) {
    let event = Event::new(
        EventKind::Held {
            reason: "parts".into(),
        },
        site(site_code),
        "ann",
        Utc::now(),
    );
    doc.record(event).unwrap();
}

/// Pushes `docs` (each with what the server acknowledged, `acked`) as `origin`.
fn push(store: &ServerStore, origin: &str, docs: Vec<PushDoc>) -> Vec<PushResult> {
    store
        .push(&site(origin), &PushRequest { docs })
        .unwrap()
        .results
}

fn refused_reason(result: &PushResult) -> &str {
    match result {
        PushResult::Refused { reason, .. } => reason,
        PushResult::Accepted { .. } => panic!("accepted, but should have been refused"),
    }
}

/// The events list of a document, for forging.
fn events_list(doc: &mut TicketDoc) -> rma_shared::automerge::ObjId {
    match doc.automerge().get(ROOT, "events").unwrap() {
        Some((Value::Object(_), id)) => id,
        _ => panic!("a ticket has events"),
    }
}

/// A ticket stored at the server, and the agent's copy that knows what the server holds.
fn stored(store: &ServerStore, number: &str) -> (TicketDoc, Heads) {
    let mut doc = ticket(number, "WH1");
    let whole = outgoing(&mut doc, &Heads::default()).unwrap();
    assert!(matches!(
        push(store, "WH1", vec![whole])[0],
        PushResult::Accepted { .. }
    ));
    let heads = Heads::of(&mut doc);
    (doc, heads)
}

#[test]
fn every_forgery_is_refused_alone_and_changes_nothing() {
    let (_dir, store) = store();
    type Forge = fn(&mut TicketDoc);
    let cases: [(&str, Forge, &str); 5] = [
        (
            "a changed number",
            |doc| {
                doc.automerge()
                    .put(ROOT, "number", "WH1-2026-09999")
                    .unwrap();
            },
            "renumber",
        ),
        (
            "a deleted step",
            |doc| {
                let events = events_list(doc);
                doc.automerge().delete(&events, 0).unwrap();
            },
            "removes or rewrites a recorded step",
        ),
        (
            "an edited step",
            |doc| {
                let events = events_list(doc);
                let text = doc.event_entries()[0].1.replace("ann", "eve");
                doc.automerge()
                    .put(&events, 0, ScalarValue::Str(text.into()))
                    .unwrap();
            },
            "removes or rewrites a recorded step",
        ),
        (
            "a step in another site's name",
            |doc| hold(doc, "WH2"),
            "in the name of site WH2",
        ),
        (
            "a change by an installation not bound to the site",
            |doc| {
                doc.set_actor(ActorId::random());
                hold(doc, "WH1");
            },
            "not enrolled as site WH1",
        ),
    ];
    for (i, (what, forge, reason)) in cases.into_iter().enumerate() {
        let number = format!("WH1-2026-{:05}", i + 1);
        let (mut doc, acked) = stored(&store, &number);
        let before = store
            .tickets()
            .read_stored(&doc.number().clone())
            .unwrap()
            .unwrap();
        let head = store.feed_head().unwrap();
        forge(&mut doc);
        let forged = outgoing(&mut doc, &acked).unwrap();
        let mut honest = ticket(&format!("WH1-2026-{:05}", 100 + i), "WH1");
        let honest_push = outgoing(&mut honest, &Heads::default()).unwrap();
        let results = push(&store, "WH1", vec![forged, honest_push]);
        let why = refused_reason(&results[0]);
        assert!(why.contains(reason), "{what}: {why}");
        assert!(
            matches!(results[1], PushResult::Accepted { .. }),
            "{what}: the rest of the batch commits"
        );
        let after = store
            .tickets()
            .read_stored(&before.summary.number)
            .unwrap()
            .unwrap();
        assert_eq!(after.heads, before.heads, "{what}: nothing stored");
        assert_eq!(after.doc, before.doc, "{what}: nothing stored");
        assert_eq!(
            store.feed_head().unwrap(),
            head + 1,
            "{what}: only the honest ticket"
        );
        let refused = store.refused(&site("WH1")).unwrap();
        assert!(
            refused
                .iter()
                .any(|r| r.number == before.summary.number && r.reason == why),
            "{what}: the office sees the refusal"
        );
    }
}

#[test]
fn a_site_registers_tickets_only_under_its_own_code_and_numbers_never_move() {
    let (_dir, store) = store();
    // Another site's number, made by this site's own installation.
    let mut foreign = ticket("WH2-2026-00001", "WH2");
    foreign.set_actor(actor_of("WH1"));
    let results = push(
        &store,
        "WH1",
        vec![outgoing(&mut foreign, &Heads::default()).unwrap()],
    );
    assert!(refused_reason(&results[0]).contains("belongs to site WH2"));
    assert!(
        store.tickets().summary(foreign.number()).unwrap().is_none(),
        "WH2's real ticket is not blocked"
    );

    // The same ticket sent again under a new number.
    let (mut doc, _) = stored(&store, "WH1-2026-00001");
    let mut copy = TicketDoc::load(&doc.save()).unwrap();
    copy.automerge()
        .put(ROOT, "number", "WH1-2026-00002")
        .unwrap();
    let copy = TicketDoc::load(&copy.save()).unwrap();
    let mut renumbered = copy;
    let push_doc = PushDoc {
        id: doc.id(),
        number: renumbered.number().clone(),
        base: Heads::default(),
        bytes: renumbered.save(),
    };
    let results = push(&store, "WH1", vec![push_doc]);
    assert!(
        refused_reason(&results[0]).contains("holds this ticket as WH1-2026-00001"),
        "{results:?}"
    );
    let _ = Heads::of(&mut doc);
}

#[test]
fn a_ticket_that_cannot_be_read_is_refused_alone() {
    let (_dir, store) = store();
    // Every step is in order, but the registration form lacks its model: no summary can be
    // made of it.
    let mut bad = ticket("WH1-2026-00001", "WH1");
    let registration = match bad.automerge().get(ROOT, "registration").unwrap() {
        Some((Value::Object(_), id)) => id,
        _ => panic!("a ticket has a registration"),
    };
    bad.automerge().delete(&registration, "model").unwrap();
    let mut good = ticket("WH1-2026-00002", "WH1");
    let results = push(
        &store,
        "WH1",
        vec![
            outgoing(&mut bad, &Heads::default()).unwrap(),
            outgoing(&mut good, &Heads::default()).unwrap(),
        ],
    );
    assert!(
        refused_reason(&results[0]).contains("cannot read it"),
        "{results:?}"
    );
    assert!(matches!(results[1], PushResult::Accepted { .. }));
    assert_eq!(store.feed_head().unwrap(), 1);
}

#[test]
fn pull_pages_are_bounded_by_bytes_and_a_larger_ticket_travels_alone() {
    let (_dir, store) = store();
    // Text that does not compress: about 300 KB saved, so three fit in a page of 1 MiB.
    let noise = |n: usize| -> String {
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        (0..n)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                char::from(b"0123456789abcdef"[(x & 15) as usize])
            })
            .collect()
    };
    let mut docs = Vec::new();
    for seq in 1..=7 {
        let size = if seq == 4 { 2_400_000 } else { 600_000 };
        let mut doc = ticket(&format!("WH1-2026-{seq:05}"), "WH1");
        let edit = EventKind::Edited {
            field: rma_shared::event::RegistrationField::Fault,
            value: noise(size),
        };
        doc.record(Event::new(edit, site("WH1"), "ann", Utc::now()))
            .unwrap();
        docs.push(outgoing(&mut doc, &Heads::default()).unwrap());
    }
    for doc in docs {
        assert!(matches!(
            push(&store, "WH1", vec![doc])[0],
            PushResult::Accepted { .. }
        ));
    }
    let mut cursor = 0;
    let mut pages = Vec::new();
    loop {
        let page = store
            .pull(&site("WH2"), cursor, 1000, &Default::default(), Utc::now())
            .unwrap();
        let bytes: usize = page.entries.iter().map(|e| e.doc.len()).sum();
        assert!(
            page.entries.len() == 1 || bytes <= PAGE_BYTES,
            "a page of {bytes} bytes"
        );
        pages.push(
            page.entries
                .iter()
                .map(|e| e.number.seq())
                .collect::<Vec<_>>(),
        );
        cursor = page.cursor;
        if !page.more {
            break;
        }
    }
    assert_eq!(pages.concat(), (1..=7).collect::<Vec<_>>(), "{pages:?}");
    assert!(
        pages.contains(&vec![4]),
        "the large ticket alone: {pages:?}"
    );
}

#[test]
fn a_feed_that_lost_a_ticket_gets_it_back_on_open() {
    let dir = tempfile::tempdir().unwrap();
    let location = crate::test_support::location(dir.path());
    let number = {
        let store = ServerStore::open_at(&location).unwrap();
        enrol(&store);
        let (doc, _) = stored(&store, "WH1-2026-00001");
        stored(&store, "WH1-2026-00002");
        // What the old race left behind: the position of one ticket overwritten by another,
        // in a store of the version before the repair.
        let mut batch = Batch::default();
        // (A key of that version: position 1, one line.)
        batch.put(
            [&b"feed:"[..], &1u64.to_be_bytes()].concat(),
            "WH1-2026-00002\tWH1",
        );
        batch.delete(FEED_FORMAT);
        store.kv.commit(batch).unwrap();
        doc.number().clone()
    };
    let store = ServerStore::open_at(&location).unwrap();
    let page = store
        .pull(&site("WH2"), 0, 100, &Default::default(), Utc::now())
        .unwrap();
    let numbers: Vec<_> = page.entries.iter().map(|e| e.number.clone()).collect();
    assert!(numbers.contains(&number), "{numbers:?}");
    assert_eq!(numbers.len(), 2);
}

#[test]
fn a_feed_of_one_key_a_position_reads_on_and_takes_pages_after_it() {
    let dir = tempfile::tempdir().unwrap();
    let location = crate::test_support::location(dir.path());
    {
        let store = ServerStore::open_at(&location).unwrap();
        enrol(&store);
        stored(&store, "WH1-2026-00001");
        stored(&store, "WH1-2026-00002");
        // A store of feed version 2: a key a position ("{number}\t{origin}").
        let mut batch = Batch::default();
        for prefix in ["feed:", "sfeed:"] {
            for entry in store.kv.scan(prefix.as_bytes()) {
                batch.delete(entry.unwrap().0);
            }
        }
        for (seq, number) in [(1u64, "WH1-2026-00001"), (2, "WH1-2026-00002")] {
            let line = format!("{number}\tWH1");
            batch.put([&b"feed:"[..], &seq.to_be_bytes()].concat(), &line);
            batch.put([&b"sfeed:WH1\0"[..], &seq.to_be_bytes()].concat(), &line);
        }
        batch.put(FEED_FORMAT, "2");
        store.kv.commit(batch).unwrap();
    }
    let store = ServerStore::open_at(&location).unwrap();
    assert_eq!(
        store.kv.get(FEED_FORMAT).unwrap().as_deref(),
        Some(&b"3"[..])
    );
    stored(&store, "WH1-2026-00003");
    assert_eq!(store.feed_head().unwrap(), 3);
    let (numbers, _) = pulled(&store, "WH2");
    assert_eq!(
        numbers,
        ["WH1-2026-00001", "WH1-2026-00002", "WH1-2026-00003"]
    );
    let page = store
        .pull(&site("WH2"), 1, 100, &Default::default(), Utc::now())
        .unwrap();
    let seqs: Vec<u64> = page.entries.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, [2, 3]);
}

#[test]
fn the_offices_kept_answers_are_worked_out_again_once_something_is_pushed() {
    use crate::store::office::Recent;
    use std::cell::Cell;
    let (_dir, store) = store();
    let worked = Cell::new(0);
    let work = || {
        worked.set(worked.get() + 1);
        Ok::<_, ServerStoreError>(worked.get())
    };
    let exact: Recent<u8, u32> = Recent::new(std::time::Duration::ZERO);
    let lagging: Recent<u8, u32> = Recent::new(std::time::Duration::from_secs(3600));
    assert_eq!(*exact.get(&store, 1, work).unwrap(), 1);
    assert_eq!(*exact.get(&store, 1, work).unwrap(), 1, "kept");
    assert_eq!(*exact.get(&store, 2, work).unwrap(), 2, "another key");
    assert_eq!(*lagging.get(&store, 1, work).unwrap(), 3);

    let mut doc = ticket("WH1-2026-00001", "WH1");
    let sent = outgoing(&mut doc, &Heads::default()).unwrap();
    assert!(matches!(
        push(&store, "WH1", vec![sent])[0],
        PushResult::Accepted { .. }
    ));
    assert_eq!(
        *exact.get(&store, 1, work).unwrap(),
        4,
        "a push: worked out again"
    );
    assert_eq!(*exact.get(&store, 1, work).unwrap(), 4);
    assert_eq!(*lagging.get(&store, 1, work).unwrap(), 3, "may lag: kept");
}

/// A ticket of WH1 with a photo's reference (and its thumbnail's) in an `attached` step.
fn with_photo(bytes: &[u8], thumbnail: &[u8]) -> TicketDoc {
    use rma_shared::files::{Attachment, Evidence, FileHash, MediaType, Thumbnail};
    let mut doc = ticket("WH1-2026-00001", "WH1");
    let kind = EventKind::Attached(Attachment {
        sha256: FileHash::of(bytes),
        size: bytes.len() as u64,
        media_type: MediaType::Jpeg,
        thumbnail: Some(Thumbnail {
            sha256: FileHash::of(thumbnail),
            size: thumbnail.len() as u64,
        }),
        name: None,
        caption: None,
        step: Evidence::Receiving,
        unit: None,
    });
    doc.record(Event::new(kind, site("WH1"), "ann", Utc::now()))
        .unwrap();
    doc
}

#[test]
fn a_site_sends_only_the_files_its_steps_name_whole_and_right() {
    use rma_shared::files::{FileHash, FileLimits};
    let (_dir, store) = store();
    let (photo, thumbnail) = (vec![7u8; 300_000], vec![9u8; 3_000]);
    let mut doc = with_photo(&photo, &thumbnail);
    let number = doc.number().clone();
    push(
        &store,
        "WH1",
        vec![outgoing(&mut doc, &Heads::default()).unwrap()],
    );
    let (hash, limits) = (FileHash::of(&photo), FileLimits::default());

    // Another site may not send it; nor may anyone send a file no step names.
    assert!(matches!(
        store.upload(&site("WH2"), &hash, &limits),
        Err(files::FilesError::NotReferred { .. })
    ));
    assert!(matches!(
        store.upload(&site("WH1"), &FileHash::of(b"other"), &limits),
        Err(files::FilesError::NotReferred { .. })
    ));
    // Over the limits: refused before a byte is taken.
    let tight = FileLimits {
        max_file_mib: 0,
        max_ticket_mib: 1,
    };
    assert!(matches!(
        store.take_piece(&site("WH1"), &hash, 0, &photo[..10], &tight),
        Err(files::FilesError::TooLarge { .. })
    ));
    // Pieces from where the bytes kept end; more than the file names is refused.
    let taken = store
        .take_piece(&site("WH1"), &hash, 0, &photo[..100_000], &limits)
        .unwrap();
    assert_eq!((taken.received, taken.complete), (100_000, false));
    assert!(matches!(
        store.take_piece(&site("WH1"), &hash, 0, &photo[..10], &limits),
        Err(files::FilesError::Gap { held: 100_000, .. })
    ));
    assert!(matches!(
        store.take_piece(&site("WH1"), &hash, 100_000, &[0; 200_001], &limits),
        Err(files::FilesError::TooLong { .. })
    ));
    // The last piece wrong: the whole is dropped, and sent again from the start.
    assert!(matches!(
        store.take_piece(&site("WH1"), &hash, 100_000, &[8u8; 200_000], &limits),
        Err(files::FilesError::Mismatch { .. })
    ));
    assert_eq!(
        store.upload(&site("WH1"), &hash, &limits).unwrap().received,
        0
    );
    let done = store
        .take_piece(&site("WH1"), &hash, 0, &photo, &limits)
        .unwrap();
    assert!(done.complete);
    assert_eq!(store.file_of_ticket(&number, &hash).unwrap().1, photo);
    assert_eq!(
        store.file_for_site(&hash, 299_990, 100).unwrap().1,
        &photo[299_990..]
    );
    assert_eq!(store.files_here(&number).unwrap(), vec![hash]);

    // Disposed of: the references go, and the bytes nobody refers to any more with them.
    let mut batch = Batch::default();
    let files = store.forget_files(&mut batch, &number).unwrap();
    assert_eq!(files.len(), 2);
    store.kv().commit(batch).unwrap();
    assert_eq!(store.collect_files(&files).unwrap(), 2);
    assert!(store.blobs().list().unwrap().is_empty());
    assert!(store.uses_of(&hash).unwrap().is_empty());
}

#[test]
fn a_backup_carries_the_files_whole_into_a_store_of_either_engine() {
    use rma_shared::files::FileHash;
    let (dir, store) = store();
    let photo: Vec<u8> = (0..2_500_000u32).map(|i| (i % 253) as u8).collect();
    let hash = FileHash::of(&photo);
    store.blobs().put(&hash, &photo).unwrap();
    let file = dir.path().join("server.rma-backup");
    store.back_up(&file).unwrap();

    // Into a sled store (files beside it) and into the engine of this run.
    let sled_dir = tempfile::tempdir().unwrap();
    let sled = ServerStore::open(sled_dir.path()).unwrap();
    let other_dir = tempfile::tempdir().unwrap();
    let other = crate::test_support::open(other_dir.path());
    for restored in [&sled, &other] {
        restored.restore(&file).unwrap();
        assert_eq!(restored.blobs().list().unwrap(), vec![hash]);
        assert_eq!(restored.blobs().read_all(&hash).unwrap(), photo);
    }
    // In a sled store the files are beside it: none of the database's keys for them came in.
    for prefix in rma_store::blobs::IN_KV_PREFIXES {
        assert!(sled.kv().scan(prefix).next().is_none(), "{prefix:?}");
    }
}

/// The tickets and digest a site's pull from the start brings.
fn pulled(store: &ServerStore, code: &str) -> (Vec<String>, Option<rma_shared::sync::Digest>) {
    let page = store
        .pull(&site(code), 0, 1000, &Default::default(), Utc::now())
        .unwrap();
    assert!(!page.more);
    let mut numbers: Vec<String> = page.entries.iter().map(|e| e.number.to_string()).collect();
    numbers.sort();
    (numbers, page.digest)
}

#[test]
fn a_store_of_before_scopes_files_each_ticket_under_the_site_that_registered_it() {
    let dir = tempfile::tempdir().unwrap();
    let location = crate::test_support::location(dir.path());
    {
        let store = ServerStore::open_at(&location).unwrap();
        enrol(&store);
        store.add_site(&site("WH3"), Utc::now()).unwrap();
        store.bind_actor(&site("WH3"), &actor_of("WH3")).unwrap();
        stored(&store, "WH1-2026-00001");
        stored(&store, "WH1-2026-00002");
        let mut other = ticket("WH3-2026-00001", "WH3");
        push(
            &store,
            "WH3",
            vec![outgoing(&mut other, &Heads::default()).unwrap()],
        );
        // What a store written before scopes holds: none of their keys.
        let mut batch = Batch::default();
        for prefix in ["scope:", "held:", "sfeed:", "sdig:", "meta:scopes"] {
            for entry in store.kv.scan(prefix.as_bytes()) {
                batch.delete(entry.unwrap().0);
            }
        }
        store.kv.commit(batch).unwrap();
    }
    let store = ServerStore::open_at(&location).unwrap();
    // A site that holds its own work receives its own tickets only, with their digest.
    store.add_site(&site("WH4"), Utc::now()).unwrap();
    let (wh3, digest) = pulled(&store, "WH3");
    assert!(
        wh3.is_empty(),
        "what it pushed itself is not sent back: {wh3:?}"
    );
    assert_eq!(digest, Some(store.scope_digest(&site("WH3")).unwrap()));
    let (wh4, digest) = pulled(&store, "WH4");
    assert!(wh4.is_empty(), "{wh4:?}");
    assert_eq!(digest, Some(rma_shared::sync::Digest::default()));
    // WH2 holds every ticket: all three, with the digest of all.
    let (wh2, digest) = pulled(&store, "WH2");
    assert_eq!(wh2, ["WH1-2026-00001", "WH1-2026-00002", "WH3-2026-00001"]);
    assert_eq!(digest, Some(store.tickets().digest().unwrap()));
    // The scopes' digests add up to the digest of all: each ticket in one scope.
    let sum = rma_shared::sync::add_u256(
        store.scope_digest(&site("WH1")).unwrap().as_bytes(),
        store.scope_digest(&site("WH3")).unwrap().as_bytes(),
    );
    assert_eq!(&sum, store.tickets().digest().unwrap().as_bytes());
    assert_eq!(
        store
            .holders(&TicketNumber::parse("WH3-2026-00001").unwrap())
            .unwrap(),
        [site("WH3")]
    );
    let outside = store
        .outside_scope(
            &site("WH3"),
            &store
                .tickets()
                .all_indexed()
                .unwrap()
                .iter()
                .map(|(id, ..)| *id)
                .collect::<Vec<_>>(),
        )
        .unwrap();
    assert_eq!(
        outside.len(),
        2,
        "WH1's two tickets are outside WH3's scope"
    );
}

#[test]
fn a_hand_over_files_the_ticket_under_the_other_site_and_a_step_from_outside_is_noted() {
    let (_dir, store) = store();
    store.add_site(&site("WH3"), Utc::now()).unwrap();
    store.bind_actor(&site("WH3"), &actor_of("WH3")).unwrap();
    let (mut doc, heads) = stored(&store, "WH1-2026-00001");
    let (wh3, _) = pulled(&store, "WH3");
    assert!(wh3.is_empty());
    let handed = Event::new(
        EventKind::HandedOver {
            to: site("WH3"),
            units: Vec::new(),
            carrier: None,
            tracking: None,
            note: None,
            leave: true,
            covers: Vec::new(),
        },
        site("WH1"),
        "ann",
        Utc::now(),
    );
    // A second PC of WH1 (its own actor) with the ticket as it was.
    let second = ActorId::from(b"WH1-second-pc".as_slice());
    store.bind_actor(&site("WH1"), &second).unwrap();
    let mut unaware = doc.clone();
    unaware.set_actor(second);
    doc.record(handed).unwrap();
    assert!(matches!(
        push(&store, "WH1", vec![outgoing(&mut doc, &heads).unwrap()])[0],
        PushResult::Accepted { .. }
    ));
    let (wh3, digest) = pulled(&store, "WH3");
    assert_eq!(wh3, ["WH1-2026-00001"], "the ticket went to WH3");
    assert_eq!(digest, Some(store.scope_digest(&site("WH3")).unwrap()));
    assert_eq!(
        store.scope_digest(&site("WH1")).unwrap(),
        rma_shared::sync::Digest::default(),
        "and left WH1's scope"
    );
    // A second PC of WH1 that had not heard of it holds the ticket: its step is kept, and is
    // a conflict.
    hold(&mut unaware, "WH1");
    assert!(matches!(
        push(&store, "WH1", vec![outgoing(&mut unaware, &heads).unwrap()])[0],
        PushResult::Accepted { .. }
    ));
    let number = TicketNumber::parse("WH1-2026-00001").unwrap();
    let (_, merged) = store.tickets().read(&number).unwrap().unwrap();
    let flow = merged.workflow();
    let conflict = flow.open_conflicts().next().expect("a conflict");
    assert_eq!(conflict.site, site("WH1"));
    assert_eq!(conflict.kind, "held");
    assert!(
        flow.held.is_none(),
        "the step outside the scope took no effect"
    );
}

#[test]
fn a_push_of_new_tickets_takes_one_feed_page_and_no_scope_keys() {
    let (_dir, store) = store();
    let docs = (1..=5)
        .map(|n| {
            let mut doc = ticket(&format!("WH1-2026-{n:05}"), "WH1");
            outgoing(&mut doc, &Heads::default()).unwrap()
        })
        .collect();
    push(&store, "WH1", docs);
    let keys = |prefix: &str| store.kv.scan(prefix.as_bytes()).count();
    assert_eq!(keys("scope:"), 0, "held where registered: no key says so");
    assert_eq!((keys("feed:"), keys("sfeed:")), (1, 1), "one page each");
    assert_eq!(store.feed_head().unwrap(), 5);
    let third = TicketNumber::parse("WH1-2026-00003").unwrap();
    assert_eq!(store.holders(&third).unwrap(), vec![site("WH1")]);
    // A cursor inside the page: the positions after it, each once.
    let page = store
        .pull(&site("WH2"), 2, 1000, &Default::default(), Utc::now())
        .unwrap();
    let seqs: Vec<u64> = page.entries.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, vec![3, 4, 5]);
    assert_eq!(page.entries[0].number, third);
    assert_eq!((page.cursor, page.more), (5, false));
}
