//! rma-tests holds the cross-process tests in `tests/`: they run the real `rma-agent` binary
//! against real sled stores in temporary directories.
