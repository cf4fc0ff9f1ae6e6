//! Replays the fuzz target's corpus (`shared/fuzz/corpus/push_body`, grown by `cargo fuzz run
//! push_body`): every input, run as the fuzzer runs it, must pass without a panic.

use std::path::Path;

#[test]
fn the_fuzz_corpus_passes_through_the_accept_path() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/push_body");
    let mut inputs = 0;
    for entry in std::fs::read_dir(&dir).expect("the corpus is in the repository") {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        rma_shared::fuzzing::push_body(&data);
        inputs += 1;
    }
    assert!(inputs >= 10, "only {inputs} inputs in {}", dir.display());
}
