//! Reads arbitrary bytes as an Outlook profile export (`.reg`) and as a
//! `.prf` file and checks the invariants of `check` in
//! `crates/profile-convert/tests/fuzz_regressions.rs` (one copy of the
//! checks, shared with the regression test that `cargo test` runs over the
//! kept corpus).
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../crates/profile-convert/tests/fuzz_regressions.rs"]
mod invariants;

fuzz_target!(|data: &[u8]| {
    invariants::check(data);
});
