//! Reads arbitrary bytes as an update manifest and checks the invariants
//! of `check_manifest` in `crates/manifest/tests/fuzz_regressions.rs`
//! (parse under default and small limits, `to_xml` round trip, planning
//! without downgrades, unsigned verification): one copy of the checks,
//! shared with the regression test that `cargo test` runs over the kept
//! corpus.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../crates/manifest/tests/fuzz_regressions.rs"]
mod invariants;

fuzz_target!(|data: &[u8]| {
    invariants::check_manifest(data);
});
