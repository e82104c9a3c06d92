//! Parses arbitrary bytes as a Windows Installer SQL query and runs it on a
//! small fixed package, checking the invariants of `check_sql` in
//! `crates/msi-query/tests/fuzz_regressions.rs` (one copy of the checks,
//! shared with the regression test that `cargo test` runs over the kept
//! corpus).
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../crates/msi-query/tests/fuzz_regressions.rs"]
mod invariants;

fuzz_target!(
    init: {
        // Open the fixture before the first input is timed.
        invariants::fixture();
    },
    |data: &[u8]| {
        invariants::check_sql(data);
    }
);
