use chrono::{Duration, TimeZone};
use rma_shared::event::{Assessment, CustomerRequest, Receiving};

use super::*;
use rma_shared::TicketStatus;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 26, 9, 0, 0).unwrap()
}

fn registration(model: &str) -> Registration {
    Registration {
        customer: "Acme Ltd".into(),
        contact: None,
        model: model.into(),
        quantity: 2,
        fault: "no power".into(),
        request: CustomerRequest::Repair,
        email: None,
        phone: None,
        customer_lang: None,
    }
}

fn site() -> SiteCode {
    SiteCode::parse("WH1").unwrap()
}

fn area(code: &str) -> AreaCode {
    AreaCode::parse(code).unwrap()
}

fn assess() -> EventKind {
    EventKind::Assessed(Assessment::simple())
}

fn receive(number: &TicketNumber, to: &str) -> EventKind {
    EventKind::Received(Receiving {
        model: "X200".into(),
        quantity: 2,
        appearance: "ok".into(),
        discrepancy: None,
        units: vec![number.unit(1), number.unit(2)],
        area: Some(area(to)),
        labels: vec![],
    })
}

/// A pulled page of `entries` (cursor 1), with the server's summaries if given.
fn page(
    entries: Vec<rma_shared::sync::FeedEntry>,
    summaries: Option<Vec<Vec<u8>>>,
) -> rma_shared::sync::PullResponse {
    rma_shared::sync::PullResponse {
        entries,
        cursor: 1,
        more: false,
        digest: None,
        summaries: summaries.map(|each| rma_shared::sync::Summaries {
            rules: rma_shared::sync::SUMMARY_RULES,
            each: each.into_iter().map(serde_bytes::ByteBuf::from).collect(),
        }),
    }
}

/// A ticket made at another site (OTHER), walked to received, as the server's feed sends it.
fn made_elsewhere(seq: u32) -> (TicketDoc, rma_shared::sync::FeedEntry) {
    let other = SiteCode::parse("OTHER").unwrap();
    let number = TicketNumber::new(other.clone(), 2026, seq);
    let mut doc = TicketDoc::create(
        TicketId::random(),
        number.clone(),
        &registration("X300"),
        Event::new(EventKind::Registered, other.clone(), "olga", now()),
        rma_shared::automerge::ActorId::random(),
    );
    doc.record(Event::new(assess(), other.clone(), "olga", now()))
        .unwrap();
    doc.record(Event::new(
        receive(&number, "SHELF-B"),
        other,
        "olga",
        now(),
    ))
    .unwrap();
    let heads = rma_shared::sync::Heads::of(&mut doc);
    let entry = rma_shared::sync::FeedEntry {
        seq: 1,
        id: doc.id(),
        number,
        heads,
        doc: doc.save(),
        archived: false,
    };
    (doc, entry)
}

#[test]
fn a_pulled_ticket_with_the_servers_summary_is_stored_as_if_loaded_here() {
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let summarised = Store::init(dir_a.path(), site()).unwrap();
    let loaded = Store::init(dir_b.path(), site()).unwrap();
    let (doc, entry) = made_elsewhere(7);
    let summary = TicketSummary::build(&doc).unwrap();
    summarised
        .absorb_pulled(&page(
            vec![entry.clone()],
            Some(vec![serde_json::to_vec(&summary).unwrap()]),
        ))
        .unwrap();
    loaded
        .absorb_pulled(&page(vec![entry.clone()], None))
        .unwrap();
    let number = &entry.number;
    assert_eq!(summarised.summary(number).unwrap(), Some(summary));
    assert_eq!(
        summarised.summary(number).unwrap(),
        loaded.summary(number).unwrap()
    );
    assert_eq!(
        summarised.tickets().digest().unwrap(),
        loaded.tickets().digest().unwrap()
    );
    assert_eq!(summarised.acked(number).unwrap(), entry.heads);
    assert!(
        summarised.pending().unwrap().is_empty(),
        "nothing to push back"
    );
    assert_eq!(summarised.cursor().unwrap(), 1);
    let filter = ListFilter {
        area: Some(area("SHELF-B")),
        ..Default::default()
    };
    let deadlines = DeadlineSettings::default();
    assert_eq!(
        numbers(&summarised.list(&filter, &deadlines).unwrap()),
        vec![number.to_string()],
        "indexed by the summary"
    );
    assert_eq!(
        summarised.load(number).unwrap().events().len(),
        3,
        "the document itself is stored whole"
    );
}

#[test]
fn a_summary_that_does_not_fit_is_not_trusted() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::init(dir.path(), site()).unwrap();
    let (doc, entry) = made_elsewhere(8);
    let (other, _) = made_elsewhere(9);
    let true_summary = TicketSummary::build(&doc).unwrap();
    // Another ticket's summary, and one that is not a summary at all: both loaded here instead.
    let wrong = serde_json::to_vec(&TicketSummary::build(&other).unwrap()).unwrap();
    store
        .absorb_pulled(&page(vec![entry.clone()], Some(vec![wrong])))
        .unwrap();
    assert_eq!(
        store.summary(&entry.number).unwrap(),
        Some(true_summary.clone())
    );
    let (doc, entry) = made_elsewhere(10);
    store
        .absorb_pulled(&page(
            vec![entry.clone()],
            Some(vec![b"{not json".to_vec()]),
        ))
        .unwrap();
    assert_eq!(
        store.summary(&entry.number).unwrap(),
        Some(TicketSummary::build(&doc).unwrap())
    );
    // Damaged bytes with a fitting summary: refused, nothing stored.
    let (doc, mut entry) = made_elsewhere(11);
    let summary = serde_json::to_vec(&TicketSummary::build(&doc).unwrap()).unwrap();
    entry.doc.truncate(entry.doc.len() / 2);
    let err = store
        .absorb_pulled(&page(vec![entry.clone()], Some(vec![summary])))
        .unwrap_err();
    assert!(matches!(err, StoreError::Damaged { .. }), "{err}");
    assert_eq!(store.summary(&entry.number).unwrap(), None);
}

#[test]
fn a_pulled_ticket_held_here_is_merged_whatever_the_server_summarised() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::init(dir.path(), site()).unwrap();
    let mut doc = store.create(&registration("X200"), "ann", now()).unwrap();
    let number = doc.number().clone();
    // The server's copy: this one as it was, and a summary of it then.
    let stale = TicketSummary::build(&doc).unwrap();
    let entry = rma_shared::sync::FeedEntry {
        seq: 1,
        id: doc.id(),
        number: number.clone(),
        heads: rma_shared::sync::Heads::of(&mut doc),
        doc: doc.save(),
        archived: false,
    };
    store.record(&number, assess(), "ann", now()).unwrap();
    store
        .absorb_pulled(&page(
            vec![entry],
            Some(vec![serde_json::to_vec(&stale).unwrap()]),
        ))
        .unwrap();
    let summary = store.summary(&number).unwrap().unwrap();
    assert_eq!(
        summary.status,
        TicketStatus::Assessed,
        "the step taken here stays"
    );
    assert_eq!(
        store.pending().unwrap(),
        vec![number],
        "and still goes to the server"
    );
}

fn numbers(listing: &Listing) -> Vec<String> {
    listing
        .tickets
        .iter()
        .map(|t| t.number.to_string())
        .collect()
}

#[test]
fn ticket_numbers_are_never_reused_after_reopening() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Store::init(dir.path(), site()).unwrap();
        for seq in 1..=3 {
            let doc = store.create(&registration("X200"), "ann", now()).unwrap();
            assert_eq!(doc.number().to_string(), format!("WH1-2026-{seq:05}"));
        }
    }
    let store = Store::open(dir.path()).unwrap();
    let doc = store.create(&registration("X200"), "ann", now()).unwrap();
    assert_eq!(doc.number().to_string(), "WH1-2026-00004");
    let next_year = store
        .create(&registration("X200"), "ann", now() + Duration::days(60))
        .unwrap();
    assert_eq!(next_year.number().to_string(), "WH1-2027-00001");
}

#[test]
fn a_store_keeps_its_site() {
    let dir = tempfile::tempdir().unwrap();
    drop(Store::init(dir.path(), site()).unwrap());
    drop(Store::init(dir.path(), site()).unwrap());
    let err = Store::init(dir.path(), SiteCode::parse("WH2").unwrap()).unwrap_err();
    assert!(matches!(err, StoreError::AlreadyInitialised(_)), "{err}");
    let empty = tempfile::tempdir().unwrap();
    let err = Store::open(empty.path()).unwrap_err();
    assert!(err.to_string().contains("rma-agent init"), "{err}");
}

#[test]
fn indexes_follow_status_model_and_area() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::init(dir.path(), site()).unwrap();
    store.add_area(&area("SHELF-A"), None, now()).unwrap();
    store
        .add_area(&area("SHELF-B"), Some("second shelf".into()), now())
        .unwrap();
    let a = store.create(&registration("X200"), "ann", now()).unwrap();
    let b = store.create(&registration("Y300"), "ann", now()).unwrap();
    let a_num = a.number().clone();
    store.record(&a_num, assess(), "ann", now()).unwrap();
    store
        .record(&a_num, receive(&a_num, "SHELF-A"), "ann", now())
        .unwrap();
    let deadlines = DeadlineSettings::default();
    let list = |filter: ListFilter| store.list(&filter, &deadlines).unwrap();

    let all = list(ListFilter::default());
    assert_eq!(
        numbers(&all),
        vec![b.number().to_string(), a_num.to_string()]
    );
    let received = list(ListFilter {
        status: Some(TicketStatus::Received),
        ..Default::default()
    });
    assert_eq!(numbers(&received), vec![a_num.to_string()]);
    let registered = list(ListFilter {
        status: Some(TicketStatus::Registered),
        ..Default::default()
    });
    assert_eq!(numbers(&registered), vec![b.number().to_string()]);
    let y300 = list(ListFilter {
        model: Some("y300".into()),
        ..Default::default()
    });
    assert_eq!(numbers(&y300), vec![b.number().to_string()]);
    let in_a = |code: &str| {
        list(ListFilter {
            area: Some(area(code)),
            ..Default::default()
        })
    };
    assert_eq!(numbers(&in_a("SHELF-A")), vec![a_num.to_string()]);

    // Moving both units out of A empties it in the index.
    for k in [1, 2] {
        let kind = EventKind::Moved {
            unit: a_num.unit(k),
            to: area("SHELF-B"),
        };
        store.record(&a_num, kind, "ann", now()).unwrap();
    }
    assert!(in_a("SHELF-A").tickets.is_empty());
    assert_eq!(numbers(&in_a("SHELF-B")), vec![a_num.to_string()]);
    let areas = store.areas().unwrap();
    assert_eq!(
        areas.iter().map(|a| a.units).collect::<Vec<_>>(),
        vec![0, 2]
    );

    let limited = list(ListFilter {
        limit: 1,
        ..Default::default()
    });
    assert_eq!(limited.tickets.len(), 1);
    assert!(limited.more);
}

#[test]
fn overdue_lists_tickets_past_a_deadline_only() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::init(dir.path(), site()).unwrap();
    let late = store.create(&registration("X200"), "ann", now()).unwrap();
    let handled = store.create(&registration("X200"), "ann", now()).unwrap();
    store
        .record(
            handled.number(),
            assess(),
            "ann",
            now() + Duration::hours(1),
        )
        .unwrap();
    let deadlines = DeadlineSettings::default();
    let overdue = |at: DateTime<Utc>| {
        let filter = ListFilter {
            overdue_at: Some(at),
            ..Default::default()
        };
        numbers(&store.list(&filter, &deadlines).unwrap())
    };
    assert!(overdue(now() + Duration::hours(23)).is_empty());
    assert_eq!(
        overdue(now() + Duration::hours(25)),
        vec![late.number().to_string()]
    );
}

#[test]
fn a_refused_step_or_unknown_area_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::init(dir.path(), site()).unwrap();
    let doc = store.create(&registration("X200"), "ann", now()).unwrap();
    let number = doc.number().clone();
    let before = store.summary(&number).unwrap();
    let err = store
        .record(&number, receive(&number, "NOWHERE"), "ann", now())
        .unwrap_err();
    assert!(matches!(err, StoreError::UnknownArea(_)), "{err}");
    store.add_area(&area("NOWHERE"), None, now()).unwrap();
    let err = store
        .record(&number, receive(&number, "NOWHERE"), "ann", now())
        .unwrap_err();
    assert!(err.to_string().contains("2.3"), "{err}");
    assert_eq!(store.summary(&number).unwrap(), before);
    assert_eq!(store.load(&number).unwrap().events().len(), 1);
}

#[test]
fn imported_tickets_merge_index_and_move_the_counter() {
    let origin_dir = tempfile::tempdir().unwrap();
    let origin = Store::init(origin_dir.path(), site()).unwrap();
    origin.add_area(&area("SHELF-A"), None, now()).unwrap();
    let doc = origin.create(&registration("X200"), "ann", now()).unwrap();
    let number = doc.number().clone();
    origin.record(&number, assess(), "ann", now()).unwrap();
    let copy = origin.load(&number).unwrap();

    // A restored store of the same site takes the ticket and never reuses its number.
    let restored_dir = tempfile::tempdir().unwrap();
    let restored = Store::init(restored_dir.path(), site()).unwrap();
    restored.add_area(&area("SHELF-A"), None, now()).unwrap();
    assert_eq!(restored.import(vec![copy]).unwrap(), 1);
    let next = restored
        .create(&registration("X200"), "ann", now())
        .unwrap();
    assert_eq!(next.number().seq(), 2);

    // Both sides go on offline, then exchange documents: both end with both steps.
    restored
        .record(&number, receive(&number, "SHELF-A"), "bob", now())
        .unwrap();
    origin
        .record(&number, EventKind::Forwarded { note: None }, "ann", now())
        .unwrap_err();
    let cost = EventKind::Cost(rma_shared::event::CostLine {
        kind: rma_shared::event::CostKind::Shipping,
        amount: rma_shared::Money::parse("12", rma_shared::Currency::parse("CNY").unwrap())
            .unwrap(),
        payer: rma_shared::event::Payer::Customer,
        liability: rma_shared::event::Liability::Misuse,
        unit: None,
        note: None,
    });
    origin.record(&number, cost, "ann", now()).unwrap();
    origin
        .import(vec![restored.load(&number).unwrap()])
        .unwrap();
    restored
        .import(vec![origin.load(&number).unwrap()])
        .unwrap();
    let a = origin.summary(&number).unwrap().unwrap();
    let b = restored.summary(&number).unwrap().unwrap();
    assert_eq!(a, b);
    assert_eq!(a.status, TicketStatus::Received);
    assert_eq!(
        origin.load(&number).unwrap().events().len(),
        4,
        "registered, assessed, received, cost"
    );
    assert_eq!(a.units.len(), 2);
    let deadlines = DeadlineSettings::default();
    let filter = ListFilter {
        area: Some(area("SHELF-A")),
        ..Default::default()
    };
    assert_eq!(
        numbers(&origin.list(&filter, &deadlines).unwrap()),
        vec![number.to_string()]
    );
}

#[test]
fn an_archived_ticket_leaves_only_its_note_and_the_digest_still_counts_it() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::init(dir.path(), site()).unwrap();
    let mut doc = store.create(&registration("X200"), "ann", now()).unwrap();
    let number = doc.number().clone();
    let digest = store.tickets().digest().unwrap();
    let heads = rma_shared::sync::Heads::of(&mut doc);
    let entry = rma_shared::sync::FeedEntry {
        seq: 1,
        id: doc.id(),
        number: number.clone(),
        heads: heads.clone(),
        doc: Vec::new(),
        archived: true,
    };
    // Changes not yet pushed: kept.
    store
        .absorb_pulled(&page(vec![entry.clone()], None))
        .unwrap();
    assert!(store.load(&number).is_ok());
    store.clear_pending(&number).unwrap();
    store
        .absorb_pulled(&page(vec![entry.clone()], None))
        .unwrap();
    let err = store.load(&number).unwrap_err();
    assert!(matches!(err, StoreError::ArchivedAtServer(_)), "{err}");
    assert_eq!(
        store.tickets().digest().unwrap(),
        digest,
        "same heads, same digest"
    );
    assert!(
        store
            .list(&ListFilter::default(), &Default::default())
            .unwrap()
            .tickets
            .is_empty()
    );
    // An import of an old copy does not bring it back.
    store.import(vec![doc]).unwrap();
    assert!(matches!(
        store.load(&number),
        Err(StoreError::ArchivedAtServer(_))
    ));
    assert_eq!(store.tickets().digest().unwrap(), digest);
    assert_eq!(
        store.tickets().digest().unwrap().as_bytes(),
        &store.tickets().digest_of_parts().unwrap(),
        "the digest of all is the sum of the parts'"
    );
}

#[test]
fn a_backup_carries_the_photos_kept_here_and_a_restore_owes_the_server_them_still() {
    use rma_shared::files::FileHash;
    use rma_store::blobs::Blobs as _;
    let dir = tempfile::tempdir().unwrap();
    let store = Store::init(&dir.path().join("a"), site()).unwrap();
    let doc = store.create(&registration("X200"), "ann", now()).unwrap();
    let number = doc.number().clone();
    let photo = vec![42u8; 100_000];
    let hash = FileHash::of(&photo);
    store.keep_file(&number, &hash, &photo, true).unwrap();
    let backup = dir.path().join("backup.rma");
    let summary = store.back_up(&backup).unwrap();
    assert!(summary.entries > 1);
    drop(store);

    let restored = Store::restore(&dir.path().join("b"), &backup).unwrap();
    assert!(restored.has_file(&hash).unwrap());
    assert_eq!(restored.blobs().read_all(&hash).unwrap(), photo);
    let owed: Vec<FileHash> = restored
        .files_to_send()
        .unwrap()
        .into_iter()
        .map(|o| o.hash)
        .collect();
    assert_eq!(owed, vec![hash]);
}
