//! Extracts arbitrary bytes as an update bundle (zip) and checks the
//! invariants of `check_bundle` in
//! `crates/manifest/tests/fuzz_regressions.rs` (nothing left behind on
//! error; on success only the reported entries, inside the destination):
//! one copy of the checks, shared with the regression test that `cargo
//! test` runs over the kept corpus.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../crates/manifest/tests/fuzz_regressions.rs"]
mod invariants;

fuzz_target!(|data: &[u8]| {
    invariants::check_bundle(data);
});
