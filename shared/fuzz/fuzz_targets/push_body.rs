//! Untrusted bytes through the server's accept path: as a push body, and as the bytes of one
//! pushed ticket. `cargo fuzz run push_body` (from `shared/`); the corpus is replayed by
//! `shared/tests/fuzz_corpus.rs` in every test run.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    rma_shared::fuzzing::push_body(data);
});
