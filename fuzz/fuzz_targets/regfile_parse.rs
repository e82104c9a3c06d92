//! Parses arbitrary bytes as a `.reg` file and checks the invariants in
//! `crates/regfile/tests/fuzz_regressions.rs` (one copy of the checks, shared
//! with the regression test that `cargo test` runs over the kept corpus).
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../crates/regfile/tests/fuzz_regressions.rs"]
mod invariants;

fuzz_target!(|data: &[u8]| {
    invariants::check(data);
});
